// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibback: zero-copy registration of guest memory.
 *
 * The guest's pages are grant-mapped into the backend and registered on
 * the real device as a fast-registration MR whose address is the guest's
 * own virtual address, so the device reads and writes guest memory
 * directly and neither guest SGEs nor peers' RDMA addresses need any
 * translation (ib_map_mr_sg_zbva() shows that the iova may be set after
 * mapping).  A fast registration is a work request, and the real device
 * executes it only on an RC QP in RTS in the MR's own PD; each guest PD
 * that registers memory gets such a QP, connected to itself, which never
 * carries anything but registrations.
 *
 * Pages are mapped one scatterlist entry each: grant-mapped frames that
 * look contiguous in Dom0 are not contiguous in machine memory.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/delay.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <rdma/ib_cache.h>
#include <xen/grant_table.h>
#include "common.h"

#define XENIB_MR_REMOTE		(IB_ACCESS_REMOTE_WRITE |		\
				 IB_ACCESS_REMOTE_READ |		\
				 IB_ACCESS_REMOTE_ATOMIC)

/* How long a registration work request may take on the real device. */
#define XENIB_REG_TIMEOUT_MS	5000

static int xenib_be_reg_qp_connect(struct xenib_be *be, struct ib_qp *qp)
{
	struct ib_device *dev = be->hca->ibdev;
	const struct ib_gid_attr *gid;
	struct ib_qp_attr attr = {};
	int err;

	attr.qp_state = IB_QPS_INIT;
	attr.port_num = be->port;
	err = ib_modify_qp(qp, &attr, IB_QP_STATE | IB_QP_PKEY_INDEX |
			   IB_QP_PORT | IB_QP_ACCESS_FLAGS);
	if (err)
		return err;

	memset(&attr, 0, sizeof(attr));
	attr.qp_state = IB_QPS_RTR;
	attr.path_mtu = IB_MTU_1024;
	attr.dest_qp_num = qp->qp_num;
	attr.ah_attr.type = rdma_ah_find_type(dev, be->port);
	rdma_ah_set_port_num(&attr.ah_attr, be->port);
	if (attr.ah_attr.type == RDMA_AH_ATTR_TYPE_IB) {
		struct ib_port_attr port;

		err = ib_query_port(dev, be->port, &port);
		if (err)
			return err;
		rdma_ah_set_dlid(&attr.ah_attr, port.lid);
	} else {
		union ib_gid self;

		gid = rdma_get_gid_attr(dev, be->port, 0);
		if (IS_ERR(gid))
			return PTR_ERR(gid);
		if (attr.ah_attr.type == RDMA_AH_ATTR_TYPE_ROCE)
			rdma_read_gid_l2_fields(gid, NULL,
						attr.ah_attr.roce.dmac);
		self = gid->gid;
		rdma_move_grh_sgid_attr(&attr.ah_attr, &self, 0, 1, 0, gid);
	}
	err = ib_modify_qp(qp, &attr, IB_QP_STATE | IB_QP_AV |
			   IB_QP_PATH_MTU | IB_QP_DEST_QPN | IB_QP_RQ_PSN |
			   IB_QP_MAX_DEST_RD_ATOMIC | IB_QP_MIN_RNR_TIMER);
	rdma_destroy_ah_attr(&attr.ah_attr);
	if (err)
		return err;

	memset(&attr, 0, sizeof(attr));
	attr.qp_state = IB_QPS_RTS;
	attr.timeout = 14;
	attr.retry_cnt = 7;
	attr.rnr_retry = 7;
	return ib_modify_qp(qp, &attr, IB_QP_STATE | IB_QP_SQ_PSN |
			    IB_QP_TIMEOUT | IB_QP_RETRY_CNT |
			    IB_QP_RNR_RETRY | IB_QP_MAX_QP_RD_ATOMIC);
}

void xenib_be_pd_release_reg_qp(struct xenib_be_pd *pd)
{
	if (pd->reg_qp)
		ib_destroy_qp(pd->reg_qp);
	if (pd->reg_cq)
		ib_destroy_cq(pd->reg_cq);
	pd->reg_qp = NULL;
	pd->reg_cq = NULL;
}

int xenib_be_pd_reg_qp(struct xenib_be *be, struct xenib_be_pd *pd)
{
	struct ib_cq_init_attr cq_attr = { .cqe = 4 };
	struct ib_qp_init_attr init = {
		.qp_type = IB_QPT_RC,
		.sq_sig_type = IB_SIGNAL_REQ_WR,
		.cap = {
			.max_send_wr = 2,
			.max_recv_wr = 1,
			.max_send_sge = 1,
			.max_recv_sge = 1,
		},
	};
	int err;

	if (pd->reg_qp)
		return 0;
	pd->reg_cq = ib_create_cq(be->hca->ibdev, NULL, NULL, NULL, &cq_attr);
	if (IS_ERR(pd->reg_cq)) {
		err = PTR_ERR(pd->reg_cq);
		pd->reg_cq = NULL;
		return err;
	}
	init.send_cq = pd->reg_cq;
	init.recv_cq = pd->reg_cq;
	pd->reg_qp = ib_create_qp(pd->pd, &init);
	if (IS_ERR(pd->reg_qp)) {
		err = PTR_ERR(pd->reg_qp);
		pd->reg_qp = NULL;
		goto fail;
	}
	err = xenib_be_reg_qp_connect(be, pd->reg_qp);
	if (err)
		goto fail;
	return 0;
fail:
	xenib_be_pd_release_reg_qp(pd);
	return err;
}

/*
 * Execute the local operation @wr (a fast registration or an invalidation
 * in @pd) on the PD's registration QP and wait for it.
 */
int xenib_be_post_local(struct xenib_be_pd *pd, struct ib_send_wr *wr)
{
	unsigned long timeout = jiffies + msecs_to_jiffies(XENIB_REG_TIMEOUT_MS);
	struct ib_wc wc;
	int n, err;

	wr->send_flags = IB_SEND_SIGNALED;
	err = ib_post_send(pd->reg_qp, wr, NULL);
	if (err)
		return err;
	while (!(n = ib_poll_cq(pd->reg_cq, 1, &wc))) {
		if (time_after(jiffies, timeout))
			break;
		usleep_range(20, 100);
	}
	if (n == 1 && wc.status == IB_WC_SUCCESS)
		return 0;
	/* The QP is in an unknown or error state: make a new one next time. */
	xenib_be_pd_release_reg_qp(pd);
	return n < 0 ? n : -EIO;
}

/* Execute the fast registration of @mr and wait for it. */
static int xenib_be_post_reg(struct xenib_be_pd *pd, struct ib_mr *mr,
			     int access)
{
	struct ib_reg_wr wr = {
		.wr.opcode = IB_WR_REG_MR,
		.mr = mr,
		.key = mr->rkey,
		.access = access,
	};

	return xenib_be_post_local(pd, &wr.wr);
}

/* Describe the mapped pages in one scatterlist entry each, DMA-mapped. */
static int xenib_be_mr_sgt(struct ib_device *dev, struct xenib_be_mr *mr,
			   const struct xenib_reg_mr_req *req)
{
	struct scatterlist *sg;
	u64 left = req->length;
	unsigned int i, off = req->offset;
	int err;

	err = sg_alloc_table(&mr->sgt, mr->nr_pages, GFP_KERNEL);
	if (err)
		return err;
	for_each_sgtable_sg(&mr->sgt, sg, i) {
		unsigned int len = min_t(u64, left, XENIB_PAGE_SIZE - off);

		sg_set_page(sg, mr->pages[i], len, off);
		left -= len;
		off = 0;
	}
	/* Pages the guest granted read-only are only ever read. */
	mr->dir = req->access & IB_ACCESS_LOCAL_WRITE ? DMA_BIDIRECTIONAL :
							DMA_TO_DEVICE;
	err = ib_dma_map_sgtable_attrs(dev, &mr->sgt, mr->dir, 0);
	if (err) {
		sg_free_table(&mr->sgt);
		return err;
	}
	mr->dma_mapped = true;
	return 0;
}

/* Undo everything of @mr but its place in the table. */
static void xenib_be_mr_cleanup(struct xenib_be *be, struct xenib_be_mr *mr)
{
	if (mr->mr)
		ib_dereg_mr(mr->mr);
	if (mr->dma_mapped) {
		ib_dma_unmap_sgtable_attrs(be->hca->ibdev, &mr->sgt, mr->dir,
					   0);
		sg_free_table(&mr->sgt);
	}
	if (mr->unmap) {
		xenib_be_unmap_pages(mr->pages, mr->unmap, mr->nr_pages);
		gnttab_free_pages(mr->nr_pages, mr->pages);
		be->mr_pages -= mr->nr_pages;
	}
	kvfree(mr->unmap);
	kvfree(mr->pages);
	kfree(mr);
}

void xenib_be_free_mr(struct xenib_be *be, struct xenib_be_mr *mr)
{
	/* No new work may name it; the device retires what is in flight. */
	xa_erase(&be->mr_keys, mr->mr->lkey);
	mr->pd->users--;
	xenib_be_mr_cleanup(be, mr);
}

/* Grant-map the guest pages listed in @req into @mr. */
static int xenib_be_mr_map(struct xenib_be *be, struct xenib_be_mr *mr,
			   const struct xenib_reg_mr_req *req)
{
	grant_ref_t *refs;
	int err;

	refs = kvcalloc(mr->nr_pages, sizeof(*refs), GFP_KERNEL);
	mr->pages = kvcalloc(mr->nr_pages, sizeof(*mr->pages), GFP_KERNEL);
	if (!refs || !mr->pages) {
		err = -ENOMEM;
		goto out;
	}
	if (req->flags & XENIB_MR_F_INDIRECT2) {
		/* The top level lists the indirect pages that list the data. */
		u32 nr_mid = xenib_mr_nr_indirect(mr->nr_pages, false);
		grant_ref_t *mid = kvcalloc(nr_mid, sizeof(*mid), GFP_KERNEL);

		err = mid ? xenib_be_read_indirect(be, req->indirect,
						   req->nr_indirect, nr_mid,
						   mid) : -ENOMEM;
		if (!err)
			err = xenib_be_read_indirect(be, mid, nr_mid,
						     req->nr_pages, refs);
		kvfree(mid);
	} else {
		err = xenib_be_read_indirect(be, req->indirect,
					     req->nr_indirect, req->nr_pages,
					     refs);
	}
	if (err)
		goto out;
	err = gnttab_alloc_pages(mr->nr_pages, mr->pages);
	if (err)
		goto out;
	mr->unmap = kvcalloc(mr->nr_pages, sizeof(*mr->unmap), GFP_KERNEL);
	if (!mr->unmap) {
		err = -ENOMEM;
		goto out_free_pages;
	}
	err = xenib_be_map_pages(be->domid, refs, mr->nr_pages,
				 !(req->access & IB_ACCESS_LOCAL_WRITE),
				 mr->pages, mr->unmap);
	if (err)
		goto out_free_pages;
	be->mr_pages += mr->nr_pages;
	goto out;

out_free_pages:
	kvfree(mr->unmap);
	mr->unmap = NULL;
	gnttab_free_pages(mr->nr_pages, mr->pages);
out:
	kvfree(refs);
	return err;
}

int xenib_be_reg_mr(struct xenib_be *be, const struct xenib_reg_mr_req *req,
		    struct xenib_reg_mr_resp *resp)
{
	struct ib_device *dev;
	struct xenib_be_pd *pd;
	struct xenib_be_mr *mr;
	u32 handle;
	int err, n;

	pd = xenib_be_pd_of(be, req->pd);
	if (IS_ERR(pd))
		return PTR_ERR(pd);
	dev = be->hca->ibdev;
	if (req->length > dev->attrs.max_mr_size)
		return -EINVAL;
	if (be->mr_pages + req->nr_pages > xenib_max_mr_pages)
		return -ENOMEM;
	err = xenib_be_pd_reg_qp(be, pd);
	if (err)
		return err;

	mr = xenib_be_new(&be->mrs, sizeof(*mr), xenib_max_mrs, &handle);
	if (IS_ERR(mr))
		return PTR_ERR(mr);
	mr->nr_pages = req->nr_pages;

	err = xenib_be_mr_map(be, mr, req);
	if (!err)
		err = xenib_be_mr_sgt(dev, mr, req);
	if (err)
		goto fail;

	mr->mr = ib_alloc_mr(pd->pd, IB_MR_TYPE_MEM_REG, mr->nr_pages);
	if (IS_ERR(mr->mr)) {
		err = PTR_ERR(mr->mr);
		mr->mr = NULL;
		goto fail;
	}
	n = ib_map_mr_sg(mr->mr, mr->sgt.sgl, mr->sgt.nents, NULL,
			 XENIB_PAGE_SIZE);
	if (n != mr->sgt.nents) {
		err = n < 0 ? n : -EINVAL;
		goto fail;
	}
	/* Same offset in the page: only the page-aligned base moves. */
	mr->mr->iova = req->iova;
	err = xenib_be_post_reg(pd, mr->mr, req->access);
	if (err)
		goto fail;

	mr->iova = req->iova;
	mr->length = req->length;
	mr->access = req->access;
	err = xa_err(xa_store(&be->mr_keys, mr->mr->lkey, mr, GFP_KERNEL));
	if (err)
		goto fail;
	mr->pd = pd;
	pd->users++;
	resp->handle = handle;
	resp->lkey = mr->mr->lkey;
	/* As rxe: a key that grants no remote access is not handed out. */
	resp->rkey = req->access & XENIB_MR_REMOTE ? mr->mr->rkey : 0;
	return 0;

fail:
	xa_erase(&be->mrs, handle);
	xenib_be_mr_cleanup(be, mr);
	return err;
}

int xenib_be_dereg_mr(struct xenib_be *be, const struct xenib_handle_req *req)
{
	struct xenib_be_mr *mr;

	mr = xenib_be_lookup(&be->mrs, req);
	if (IS_ERR(mr))
		return PTR_ERR(mr);
	/* Windows bound to it use its pages, as rxe's use its MR. */
	if (mr->nr_windows)
		return -EBUSY;
	xa_erase(&be->mrs, req->handle);
	xenib_be_free_mr(be, mr);
	return 0;
}
