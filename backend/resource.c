// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibback: the objects a frontend owns on the real device: their
 * handle tables, PDs and CQs, and the release of everything (SRQs, AHs,
 * QPs, MRs and windows have files of their own).
 *
 * Each frontend names its objects by handles from a per-frontend table, one
 * table per object type, so a guest can only ever reach its own objects:
 * a handle of another guest is just a number missing from this guest's
 * table.  Tables are bounded by per-guest quotas.  Everything runs with
 * be->lock held, which also keeps the real device (be->hca) alive.
 *
 * The backend counts the users of PDs, CQs and SRQs itself rather than
 * leaving it to the real device: ib_core warns when a kernel PD with
 * objects in it is released, and a guest asking for that must get -EBUSY,
 * not a warning in Dom0.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/slab.h>
#include <linux/sysfs.h>
#include <rdma/rdma_user_rxe.h>
#include "common.h"

void xenib_be_resources_init(struct xenib_be *be)
{
	xa_init_flags(&be->pds, XA_FLAGS_ALLOC1);
	xa_init_flags(&be->cqs, XA_FLAGS_ALLOC1);
	xa_init_flags(&be->qps, XA_FLAGS_ALLOC1);
	xa_init_flags(&be->srqs, XA_FLAGS_ALLOC1);
	xa_init_flags(&be->ahs, XA_FLAGS_ALLOC1);
	xa_init_flags(&be->mrs, XA_FLAGS_ALLOC1);
	xa_init(&be->mr_keys);
	xa_init_flags(&be->mws, XA_FLAGS_ALLOC1);
	xa_init(&be->mw_keys);
	xa_init_flags(&be->wqs, XA_FLAGS_ALLOC1);
}

/*
 * Give @obj a handle in @xa, at most @quota of them.  A used-up quota is
 * -ENOMEM, the errno of a real device out of the resource.
 */
static int xenib_be_insert(struct xarray *xa, void *obj, unsigned int quota,
			   u32 *handle)
{
	int err;

	if (!quota)
		return -ENOMEM;
	err = xa_alloc(xa, handle, obj, XA_LIMIT(1, quota), GFP_KERNEL);
	/* xa_alloc says -EBUSY when the range is used up. */
	return err == -EBUSY ? -ENOMEM : err;
}

/*
 * Where every create verb starts: a zeroed object of @size under a new
 * handle in @xa, one of at most @quota.  A create that fails after this
 * undoes it with xenib_be_drop_new().
 */
void *xenib_be_new(struct xarray *xa, size_t size, unsigned int quota,
		   u32 *handle)
{
	void *obj;
	int err;

	obj = kzalloc(size, GFP_KERNEL);
	if (!obj)
		return ERR_PTR(-ENOMEM);
	err = xenib_be_insert(xa, obj, quota, handle);
	if (err) {
		kfree(obj);
		return ERR_PTR(err);
	}
	return obj;
}

void xenib_be_drop_new(struct xarray *xa, u32 handle, void *obj)
{
	xa_erase(xa, handle);
	kfree(obj);
}

/* The object @req names in @xa, or ERR_PTR(-ENOENT) if the guest has none. */
void *xenib_be_lookup(struct xarray *xa, const struct xenib_handle_req *req)
{
	void *obj = xa_load(xa, req->handle);

	return obj ?: ERR_PTR(-ENOENT);
}

/*
 * The guest's PD @handle, in which a verb creates an object: -ENODEV once
 * the real device is gone (the guest's PDs go with it), -ENOENT if the
 * guest has no such PD.
 */
struct xenib_be_pd *xenib_be_pd_of(struct xenib_be *be, u32 handle)
{
	struct xenib_be_pd *pd;

	if (!be->hca)
		return ERR_PTR(-ENODEV);
	pd = xa_load(&be->pds, handle);
	return pd ?: ERR_PTR(-ENOENT);
}

static void xenib_be_free_pd(struct xenib_be_pd *pd)
{
	if (pd->placeholder)
		ib_dereg_mr(pd->placeholder);
	xenib_be_pd_release_reg_qp(pd);
	ib_dealloc_pd(pd->pd);
	kfree(pd);
}

static void xenib_be_free_cq(struct xenib_be *be, struct xenib_be_cq *cq)
{
	ib_destroy_cq(cq->cq);
	xenib_be_queue_unmap(be, cq->queue);
	kfree(cq);
}

/*
 * Release every object of @be on the real device: the connection ended or
 * the device is going away.  Users go before what they use.
 */
void xenib_be_resources_release(struct xenib_be *be)
{
	struct xenib_be_srq *srq;
	struct xenib_be_qp *qp;
	struct xenib_be_mr *mr;
	struct xenib_be_mw *mw;
	struct xenib_be_ah *ah;
	struct xenib_be_cq *cq;
	struct xenib_be_pd *pd;
	unsigned long handle;

	lockdep_assert_held(&be->lock);

	xa_for_each(&be->ahs, handle, ah) {
		xa_erase(&be->ahs, handle);
		xenib_be_free_ah(be, ah);
	}
	xa_for_each(&be->qps, handle, qp) {
		xa_erase(&be->qps, handle);
		xenib_be_free_qp(be, qp, false);
	}
	xa_for_each(&be->mws, handle, mw) {
		xa_erase(&be->mws, handle);
		xenib_be_free_mw(be, mw);
	}
	xa_for_each(&be->mrs, handle, mr) {
		xa_erase(&be->mrs, handle);
		xenib_be_free_mr(be, mr);
	}
	xa_for_each(&be->srqs, handle, srq) {
		xa_erase(&be->srqs, handle);
		xenib_be_free_srq(be, srq);
	}
	xa_for_each(&be->cqs, handle, cq) {
		xa_erase(&be->cqs, handle);
		xenib_be_free_cq(be, cq);
	}
	xa_for_each(&be->pds, handle, pd) {
		xa_erase(&be->pds, handle);
		xenib_be_free_pd(pd);
	}
	WARN_ON(be->queue_pages || be->mr_pages);
}

/* What the guest may count on: the device's limits, capped by its quotas. */
void xenib_be_resources_cap(struct xenib_device_attr *attr)
{
	attr->max_pd = min(attr->max_pd, xenib_max_pds);
	attr->max_cq = min(attr->max_cq, xenib_max_cqs);
	attr->max_qp = min(attr->max_qp, xenib_max_qps);
	attr->max_srq = min(attr->max_srq, xenib_max_srqs);
	attr->max_ah = min(attr->max_ah, xenib_max_ahs);
	attr->max_mr = min(attr->max_mr, xenib_max_mrs);
	attr->max_mw = xenib_max_mws;
}

int xenib_be_alloc_pd(struct xenib_be *be, struct xenib_handle_resp *resp)
{
	struct xenib_be_pd *pd;
	u32 handle;
	int err;

	if (!be->hca)
		return -ENODEV;
	pd = xenib_be_new(&be->pds, sizeof(*pd), xenib_max_pds, &handle);
	if (IS_ERR(pd))
		return PTR_ERR(pd);

	/*
	 * A kernel PD: on devices without a local DMA lkey (rxe) it carries
	 * an all-memory DMA MR, so pd->local_dma_lkey must never be accepted
	 * from a guest; guest SGEs are checked against the guest's own MRs.
	 */
	pd->pd = ib_alloc_pd(be->hca->ibdev, 0);
	if (IS_ERR(pd->pd)) {
		err = PTR_ERR(pd->pd);
		xenib_be_drop_new(&be->pds, handle, pd);
		return err;
	}
	resp->handle = handle;
	return 0;
}

int xenib_be_dealloc_pd(struct xenib_be *be, const struct xenib_handle_req *req)
{
	struct xenib_be_pd *pd;

	pd = xenib_be_lookup(&be->pds, req);
	if (IS_ERR(pd))
		return PTR_ERR(pd);
	if (pd->users)
		return -EBUSY;
	xa_erase(&be->pds, req->handle);
	xenib_be_free_pd(pd);
	return 0;
}

int xenib_be_create_cq(struct xenib_be *be,
		       const struct xenib_create_cq_req *req,
		       struct xenib_handle_resp *resp)
{
	struct ib_cq_init_attr attr = { .cqe = req->cqe };
	struct xenib_be_cq *cq;
	u32 handle;
	int err;

	if (!be->hca)
		return -ENODEV;
	cq = xenib_be_new(&be->cqs, sizeof(*cq), xenib_max_cqs, &handle);
	if (IS_ERR(cq))
		return PTR_ERR(cq);

	cq->queue = xenib_be_queue_map(be, &req->queue);
	if (IS_ERR(cq->queue)) {
		err = PTR_ERR(cq->queue);
		goto fail_drop;
	}
	cq->be = be;
	cq->handle = handle;
	/* The engine moves completions to the guest's ring; see engine.c. */
	cq->cq = ib_create_cq(be->hca->ibdev, xenib_be_cq_handler,
			      xenib_be_cq_event, cq, &attr);
	if (IS_ERR(cq->cq)) {
		err = PTR_ERR(cq->cq);
		goto fail_unmap;
	}
	resp->handle = handle;
	return 0;

fail_unmap:
	xenib_be_queue_unmap(be, cq->queue);
fail_drop:
	xenib_be_drop_new(&be->cqs, handle, cq);
	return err;
}

int xenib_be_destroy_cq(struct xenib_be *be, const struct xenib_handle_req *req)
{
	struct xenib_be_cq *cq;

	cq = xenib_be_lookup(&be->cqs, req);
	if (IS_ERR(cq))
		return PTR_ERR(cq);
	if (cq->users)
		return -EBUSY;
	xa_erase(&be->cqs, req->handle);
	xenib_be_free_cq(be, cq);
	return 0;
}

/*
 * Copy the completions the guest has not consumed from @old to the start
 * of @new, as rxe does on resize.  Only the consumer index comes from the
 * guest; a bogus one is -EINVAL.
 */
static int xenib_be_cq_move(struct xenib_be_queue *old,
			    struct xenib_be_queue *new)
{
	u32 cons = READ_ONCE(*xenib_be_queue_index(old,
						   XENIB_QUEUE_CONS_OFFSET));
	u32 count = (old->prod - cons) & old->index_mask, i;
	struct ib_uverbs_wc wc;

	/* Indices in the ring are masked, as rxe keeps them. */
	if (count > new->index_mask)
		return -EINVAL;
	for (i = 0; i < count; i++) {
		xenib_be_queue_read(old, cons + i, &wc, sizeof(wc));
		xenib_be_queue_write(new, i, &wc, sizeof(wc));
	}
	new->prod = count;
	WRITE_ONCE(*xenib_be_queue_index(new, XENIB_QUEUE_CONS_OFFSET), 0);
	/* Entries before the index that publishes them. */
	smp_store_release(xenib_be_queue_index(new, XENIB_QUEUE_PROD_OFFSET),
			  count);
	return 0;
}

int xenib_be_resize_cq(struct xenib_be *be,
		       const struct xenib_resize_cq_req *req)
{
	struct xenib_be_queue *queue;
	struct xenib_be_cq *cq;
	int err;

	cq = xa_load(&be->cqs, req->handle);
	if (!cq)
		return -ENOENT;
	if (!be->hca)
		return -ENODEV;
	queue = xenib_be_queue_map(be, &req->queue);
	if (IS_ERR(queue))
		return PTR_ERR(queue);
	/* What the real CQ holds first, so nothing is left behind. */
	xenib_be_engine_settle(be, cq);
	xenib_be_drain_cq(be, cq, NULL);
	err = xenib_be_cq_move(cq->queue, queue);
	if (!err)
		err = ib_resize_cq(cq->cq, req->cqe);
	if (err) {
		xenib_be_queue_unmap(be, queue);
		return err;
	}
	xenib_be_queue_unmap(be, cq->queue);
	cq->queue = queue;
	return 0;
}

static unsigned int xenib_be_count(struct xarray *xa)
{
	unsigned long handle;
	unsigned int n = 0;
	void *obj;

	xa_for_each(xa, handle, obj)
		n++;
	return n;
}

/* sysfs "resources": "TYPE IN_USE QUOTA" per line.  Takes be->lock. */
ssize_t xenib_be_resources_show(struct xenib_be *be, char *buf)
{
	const struct {
		const char *name;
		unsigned int in_use;
		unsigned int quota;
	} rows[] = {
		{ "pd", xenib_be_count(&be->pds), xenib_max_pds },
		{ "cq", xenib_be_count(&be->cqs), xenib_max_cqs },
		{ "qp", xenib_be_count(&be->qps), xenib_max_qps },
		{ "srq", xenib_be_count(&be->srqs), xenib_max_srqs },
		{ "ah", xenib_be_count(&be->ahs), xenib_max_ahs },
		{ "mr", xenib_be_count(&be->mrs), xenib_max_mrs },
		{ "mw", xenib_be_count(&be->mws), xenib_max_mws },
		{ "queue_pages", be->queue_pages, xenib_max_queue_pages },
		{ "mr_pages", be->mr_pages, xenib_max_mr_pages },
	};
	unsigned int i;
	int len = 0;

	for (i = 0; i < ARRAY_SIZE(rows); i++)
		len += sysfs_emit_at(buf, len, "%s %u %u\n", rows[i].name,
				     rows[i].in_use, rows[i].quota);
	return len;
}
