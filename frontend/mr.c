// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibfront: zero-copy memory registration.
 *
 * The process's pages are pinned (ib_umem), granted to the backend one by
 * one (read-only unless the registration allows local writes) and listed
 * in indirect pages; the backend registers them on the real device under
 * the process's own addresses.  Each granted page carries a reference of
 * ours until its grant has ended, so a backend that still maps a page
 * after deregistration can never see it reused.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/slab.h>
#include <rdma/ib_umem.h>
#include <rdma/iter.h>
#include <rdma/ib_verbs.h>
#include <xen/grant_table.h>
#include <xen/page.h>
#include "common.h"
#include <xenib/rules.h>

/* End the grants (once the backend lets go) and unpin the pages. */
static void xenib_mr_free(struct xenib_mr *mr)
{
	unsigned int i;

	for (i = 0; i < mr->nr_granted; i++)
		gnttab_end_foreign_access(mr->refs[i], mr->pages[i]);
	for (; mr->pages && i < mr->nr_pages && mr->pages[i]; i++)
		put_page(mr->pages[i]);
	ib_umem_release(mr->umem);
	kvfree(mr->pages);
	kvfree(mr->refs);
	kfree(mr);
}

/* Take a reference of ours to each of the umem's pages. */
static int xenib_mr_pin_umem(struct xenib_mr *mr)
{
	struct ib_block_iter biter;
	unsigned int i = 0;

	/* Virtual DMA: the umem's "DMA" addresses are kernel addresses. */
	rdma_umem_for_each_dma_block(mr->umem, &biter, PAGE_SIZE) {
		if (WARN_ON(i >= mr->nr_pages))
			return -EINVAL;
		mr->pages[i] = virt_to_page((void *)(uintptr_t)
					    rdma_block_iter_dma_address(&biter));
		get_page(mr->pages[i]);
		i++;
	}
	return i == mr->nr_pages ? 0 : -EINVAL;
}

static int xenib_mr_grant(struct xenib_fe *fe, struct xenib_mr *mr,
			  bool readonly)
{
	domid_t domid = fe->dev->otherend_id;
	unsigned int i;
	int ref;

	for (i = 0; i < mr->nr_pages; i++) {
		ref = gnttab_grant_foreign_access(domid,
						  xen_page_to_gfn(mr->pages[i]),
						  readonly);
		if (ref < 0) {
			xenib_fe_out_of_grants(fe, "registration",
					       mr->nr_pages);
			return -ENOMEM;
		}
		mr->refs[i] = ref;
		mr->nr_granted++;
	}
	return 0;
}

static int xenib_mr_alloc_arrays(struct xenib_mr *mr)
{
	mr->pages = kvcalloc(mr->nr_pages, sizeof(*mr->pages), GFP_KERNEL);
	mr->refs = kvcalloc(mr->nr_pages, sizeof(*mr->refs), GFP_KERNEL);
	return mr->pages && mr->refs ? 0 : -ENOMEM;
}

/*
 * Grant @mr's pages and register them with the backend in @ibpd, @length
 * bytes from @offset into the first page, at @iova.
 */
static int xenib_mr_register(struct ib_pd *ibpd, struct xenib_mr *mr,
			     int access, u64 iova, u64 length, u32 offset)
{
	struct xenib_fe *fe = ibdev_to_fe(ibpd->device);
	struct page *ind[XENIB_MR_MAX_INDIRECT] = {};
	grant_ref_t ind_refs[XENIB_MR_MAX_INDIRECT];
	struct xenib_indirect mid = {};
	struct xenib_reg_mr_req *req;
	struct xenib_reg_mr_resp resp;
	int n, err;

	err = xenib_mr_grant(fe, mr, !(access & IB_ACCESS_LOCAL_WRITE));
	if (err)
		return err;
	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	if (mr->nr_pages > XENIB_MR_MAX_PAGES) {
		/* Too many for one level: list the indirect pages in turn. */
		err = xenib_fe_grant_indirect_pages(fe, mr->refs, mr->nr_pages,
						    &mid);
		if (err)
			goto out;
		n = xenib_fe_grant_indirect(fe, mid.refs, mid.nr, ind,
					    ind_refs, req->indirect);
		req->flags = XENIB_MR_F_INDIRECT2;
	} else {
		n = xenib_fe_grant_indirect(fe, mr->refs, mr->nr_pages, ind,
					    ind_refs, req->indirect);
	}
	if (n < 0) {
		err = n;
		goto out;
	}
	req->pd = to_xpd(ibpd)->handle;
	req->access = access;
	req->iova = iova;
	req->length = length;
	req->offset = offset;
	req->nr_pages = mr->nr_pages;
	req->nr_indirect = n;
	err = xenib_fe_call_simple(fe, XENIB_OP_REG_MR, req, sizeof(*req),
				   &resp, sizeof(resp));
	xenib_fe_put_indirect(ind, ind_refs, n);
	if (err)
		goto out;
	mr->handle = resp.handle;
	mr->ibmr.lkey = resp.lkey;
	mr->ibmr.rkey = resp.rkey;
out:
	xenib_fe_put_indirect_pages(&mid);
	kfree(req);
	return err;
}

struct ib_mr *xenib_reg_user_mr(struct ib_pd *ibpd, u64 start, u64 length,
				u64 iova, int access, struct ib_udata *udata)
{
	struct xenib_mr *mr;
	int err;

	/* Optional flags are hints a device may ignore. */
	access &= ~IB_ACCESS_OPTIONAL;
	if (access & ~XENIB_MR_ACCESS)
		return ERR_PTR(-EOPNOTSUPP);
	/* Guest pages are registered at their own addresses. */
	if ((iova ^ start) & ~PAGE_MASK)
		return ERR_PTR(-EOPNOTSUPP);

	mr = kzalloc(sizeof(*mr), GFP_KERNEL);
	if (!mr)
		return ERR_PTR(-ENOMEM);
	mr->umem = ib_umem_get(ibpd->device, start, length, access);
	if (IS_ERR(mr->umem)) {
		err = PTR_ERR(mr->umem);
		mr->umem = NULL;
		goto fail;
	}
	mr->nr_pages = ib_umem_num_dma_blocks(mr->umem, PAGE_SIZE);
	if (mr->nr_pages > xenib_fe_mr_max_pages(ibdev_to_fe(ibpd->device))) {
		err = -EINVAL;
		goto fail;
	}
	err = xenib_mr_alloc_arrays(mr);
	if (!err)
		err = xenib_mr_pin_umem(mr);
	if (!err)
		err = xenib_mr_register(ibpd, mr, access, iova, length,
					ib_umem_offset(mr->umem));
	if (err)
		goto fail;
	return &mr->ibmr;

fail:
	xenib_mr_free(mr);
	return ERR_PTR(err);
}

/*
 * Memory of the guest kernel's own for a kernel QP's bounce buffers:
 * @nr_pages zeroed pages, registered for local writes at @iova.  The
 * pages are not contiguous; page i is at @iova + i * PAGE_SIZE.
 */
struct xenib_mr *xenib_fe_kernel_mr(struct ib_pd *ibpd, unsigned int nr_pages,
				    u64 iova)
{
	struct xenib_mr *mr;
	unsigned int i;
	int err;

	if (!nr_pages || nr_pages > XENIB_MR_MAX_PAGES)
		return ERR_PTR(-EINVAL);
	mr = kzalloc(sizeof(*mr), GFP_KERNEL);
	if (!mr)
		return ERR_PTR(-ENOMEM);
	mr->nr_pages = nr_pages;
	err = xenib_mr_alloc_arrays(mr);
	for (i = 0; !err && i < nr_pages; i++) {
		mr->pages[i] = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!mr->pages[i])
			err = -ENOMEM;
	}
	if (!err)
		err = xenib_mr_register(ibpd, mr, IB_ACCESS_LOCAL_WRITE, iova,
					(u64)nr_pages * PAGE_SIZE, 0);
	if (err) {
		xenib_mr_free(mr);
		return ERR_PTR(err);
	}
	mr->ibmr.device = ibpd->device;
	return mr;
}

void xenib_fe_kernel_mr_free(struct xenib_mr *mr)
{
	xenib_fe_release(mr->ibmr.device, XENIB_OP_DEREG_MR, mr->handle);
	xenib_mr_free(mr);
}

int xenib_dereg_mr(struct ib_mr *ibmr, struct ib_udata *udata)
{
	struct xenib_mr *mr = to_xmr(ibmr);
	int err;

	err = xenib_fe_release(ibmr->device, XENIB_OP_DEREG_MR, mr->handle);
	if (err)
		return err;
	xenib_mr_free(mr);
	return 0;
}

/*
 * Memory windows are the backend's (backend/mw.c): the rxe provider binds
 * and invalidates them with work requests on the send queue, which the
 * backend carries out; all the frontend does is name them.
 */
int xenib_alloc_mw(struct ib_mw *ibmw, struct ib_udata *udata)
{
	struct xenib_fe *fe = ibdev_to_fe(ibmw->device);
	struct xenib_mw *mw = container_of(ibmw, struct xenib_mw, ibmw);
	struct xenib_alloc_mw_req req = {
		.pd = to_xpd(ibmw->pd)->handle,
		.type = ibmw->type,
	};
	struct xenib_alloc_mw_resp resp;
	int err;

	if (!ibmw->device->attrs.max_mw)
		return -EOPNOTSUPP;
	err = xenib_fe_call_simple(fe, XENIB_OP_ALLOC_MW, &req, sizeof(req),
				   &resp, sizeof(resp));
	if (err)
		return err;
	mw->handle = resp.handle;
	ibmw->rkey = resp.rkey;
	return 0;
}

int xenib_dealloc_mw(struct ib_mw *ibmw)
{
	struct xenib_mw *mw = container_of(ibmw, struct xenib_mw, ibmw);

	return xenib_fe_release(ibmw->device, XENIB_OP_DEALLOC_MW, mw->handle);
}
