// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibback: shared receive queues.
 *
 * A guest SRQ is a real SRQ on the real device plus the guest's receive
 * ring mapped from guest memory; the engine moves the guest's receives to
 * it as it does a QP's (engine.c).
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/slab.h>
#include "common.h"

void xenib_be_free_srq(struct xenib_be *be, struct xenib_be_srq *srq)
{
	xenib_be_wq_destroy(be, &srq->wq);
	ib_destroy_srq(srq->srq);
	xenib_be_queue_unmap(be, srq->queue);
	srq->pd->users--;
	kfree(srq);
}

static void xenib_be_srq_attr_to_wire(const struct ib_srq_attr *a,
				      struct xenib_srq_attr *w)
{
	w->max_wr = a->max_wr;
	w->max_sge = a->max_sge;
	w->srq_limit = a->srq_limit;
	w->rsvd = 0;
}

int xenib_be_create_srq(struct xenib_be *be,
			const struct xenib_create_srq_req *req,
			struct xenib_create_srq_resp *resp)
{
	struct ib_srq_init_attr init = {
		.event_handler = xenib_be_srq_event,
		.srq_type = IB_SRQT_BASIC,
		.attr = {
			.max_wr = req->attr.max_wr,
			.max_sge = req->attr.max_sge,
			.srq_limit = req->attr.srq_limit,
		},
	};
	struct xenib_be_srq *srq;
	struct xenib_be_pd *pd;
	u32 handle;
	int err;

	pd = xenib_be_pd_of(be, req->pd);
	if (IS_ERR(pd))
		return PTR_ERR(pd);
	srq = xenib_be_new(&be->srqs, sizeof(*srq), xenib_max_srqs, &handle);
	if (IS_ERR(srq))
		return PTR_ERR(srq);
	srq->queue = xenib_be_queue_map(be, &req->queue);
	if (IS_ERR(srq->queue)) {
		err = PTR_ERR(srq->queue);
		goto fail_drop;
	}
	srq->be = be;
	srq->handle = handle;
	init.srq_context = srq;
	srq->srq = ib_create_srq(pd->pd, &init);
	if (IS_ERR(srq->srq)) {
		err = PTR_ERR(srq->srq);
		goto fail_unmap;
	}
	srq->wq.shared = true;
	err = xenib_be_wq_init(be, &srq->wq, srq->queue, false,
			       init.attr.max_wr, init.attr.max_sge);
	if (err) {
		ib_destroy_srq(srq->srq);
		goto fail_unmap;
	}
	srq->pd = pd;
	pd->users++;
	resp->handle = handle;
	xenib_be_engine_wake(be);	/* a receive queue to look at */
	xenib_be_srq_attr_to_wire(&init.attr, &resp->attr);
	return 0;

fail_unmap:
	xenib_be_queue_unmap(be, srq->queue);
fail_drop:
	xenib_be_drop_new(&be->srqs, handle, srq);
	return err;
}

int xenib_be_modify_srq(struct xenib_be *be,
			const struct xenib_modify_srq_req *req)
{
	struct ib_srq_attr attr = { .srq_limit = req->attr.srq_limit };
	struct xenib_be_srq *srq;

	srq = xa_load(&be->srqs, req->handle);
	if (!srq)
		return -ENOENT;
	return ib_modify_srq(srq->srq, &attr, req->attr_mask);
}

int xenib_be_query_srq(struct xenib_be *be, const struct xenib_handle_req *req,
		       struct xenib_srq_attr *resp)
{
	struct ib_srq_attr attr = {};
	struct xenib_be_srq *srq;
	int err;

	srq = xenib_be_lookup(&be->srqs, req);
	if (IS_ERR(srq))
		return PTR_ERR(srq);
	err = ib_query_srq(srq->srq, &attr);
	if (!err)
		xenib_be_srq_attr_to_wire(&attr, resp);
	return err;
}

int xenib_be_destroy_srq(struct xenib_be *be,
			 const struct xenib_handle_req *req)
{
	struct xenib_be_srq *srq;

	srq = xenib_be_lookup(&be->srqs, req);
	if (IS_ERR(srq))
		return PTR_ERR(srq);
	if (srq->users)
		return -EBUSY;
	xa_erase(&be->srqs, req->handle);
	xenib_be_free_srq(be, srq);
	return 0;
}
