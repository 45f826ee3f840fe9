// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibfront: shared receive queues.
 *
 * A real SRQ in the backend plus a receive ring in guest memory that the
 * process maps; sizes are checked against the device attributes first,
 * with the errors rxe gives, so that no request for an impossible ring is
 * ever built.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/slab.h>
#include <rdma/ib_verbs.h>
#include <rdma/rdma_user_rxe.h>
#include "common.h"

int xenib_create_srq(struct ib_srq *ibsrq, struct ib_srq_init_attr *init,
		     struct ib_udata *udata)
{
	struct xenib_ibdev *xdev = to_xdev(ibsrq->device);
	struct xenib_fe *fe = xdev->fe;
	struct xenib_srq *srq = to_xsrq(ibsrq);
	struct ib_srq_attr *attr = &init->attr;
	struct xenib_create_srq_req req = {};
	struct rxe_create_srq_resp uresp = {};
	struct xenib_create_srq_resp resp;
	u32 nelem;
	int err;

	if (!udata)
		return -EOPNOTSUPP;
	if (init->srq_type != IB_SRQT_BASIC)
		return -EOPNOTSUPP;
	if (udata->outlen < sizeof(uresp))
		return -EINVAL;
	/* rxe's checks and minimums. */
	if (!attr->max_wr || attr->max_wr > xdev->attr.max_srq_wr ||
	    attr->max_sge > xdev->attr.max_srq_sge)
		return -EINVAL;
	attr->max_sge = max(attr->max_sge, 1U);

	nelem = attr->max_wr;
	err = xenib_fe_queue_alloc(fe, &srq->queue, &nelem,
				   sizeof(struct rxe_recv_wqe) +
				   attr->max_sge * sizeof(struct rxe_sge));
	if (err)
		return err;
	req.pd = to_xpd(ibsrq->pd)->handle;
	req.attr.max_wr = attr->max_wr;
	req.attr.max_sge = attr->max_sge;
	req.attr.srq_limit = attr->srq_limit;
	err = xenib_fe_queue_describe(fe, &srq->queue, &req.queue);
	if (err)
		goto fail_free;
	err = xenib_fe_call_simple(fe, XENIB_OP_CREATE_SRQ, &req, sizeof(req),
				   &resp, sizeof(resp));
	xenib_fe_queue_put_indirect(&srq->queue);
	if (err)
		goto fail_free;
	srq->handle = resp.handle;
	/* As rxe: the ring's capacity, the SGEs asked for. */
	attr->max_wr = nelem;

	uresp.srq_num = srq->handle;
	err = xenib_fe_queue_expose(udata, &srq->queue, &uresp.mi);
	if (!err)
		err = ib_copy_to_udata(udata, &uresp, sizeof(uresp));
	if (!err)
		err = xa_err(xa_store_irq(&fe->srqs, srq->handle, ibsrq,
					  GFP_KERNEL));
	if (err)
		goto fail_destroy;
	return 0;

fail_destroy:
	xa_erase_irq(&fe->srqs, srq->handle);
	xenib_fe_release(ibsrq->device, XENIB_OP_DESTROY_SRQ, srq->handle);
fail_free:
	xenib_fe_queue_free(&srq->queue);
	return err;
}

int xenib_modify_srq(struct ib_srq *ibsrq, struct ib_srq_attr *attr,
		     enum ib_srq_attr_mask mask, struct ib_udata *udata)
{
	struct xenib_modify_srq_req req = {
		.handle = to_xsrq(ibsrq)->handle,
		.attr_mask = mask,
		.attr.max_wr = attr->max_wr,
		.attr.srq_limit = attr->srq_limit,
	};

	/* The ring lives in guest memory and keeps its size. */
	if (mask & IB_SRQ_MAX_WR)
		return -EOPNOTSUPP;
	return xenib_fe_call_simple(ibdev_to_fe(ibsrq->device), XENIB_OP_MODIFY_SRQ,
				    &req, sizeof(req), NULL, 0);
}

int xenib_query_srq(struct ib_srq *ibsrq, struct ib_srq_attr *attr)
{
	struct xenib_handle_req req = { .handle = to_xsrq(ibsrq)->handle };
	struct xenib_srq_attr resp;
	int err;

	err = xenib_fe_call_simple(ibdev_to_fe(ibsrq->device), XENIB_OP_QUERY_SRQ,
				   &req, sizeof(req), &resp, sizeof(resp));
	if (err)
		return err;
	attr->max_wr = to_xsrq(ibsrq)->queue.log2_slots ?
		       (1U << to_xsrq(ibsrq)->queue.log2_slots) - 1 : 0;
	attr->max_sge = resp.max_sge;
	attr->srq_limit = resp.srq_limit;
	return 0;
}

int xenib_destroy_srq(struct ib_srq *ibsrq, struct ib_udata *udata)
{
	struct xenib_srq *srq = to_xsrq(ibsrq);
	int err;

	err = xenib_fe_release(ibsrq->device, XENIB_OP_DESTROY_SRQ,
			       srq->handle);
	if (err)
		return err;
	xa_erase_irq(&ibdev_to_fe(ibsrq->device)->srqs, srq->handle);
	xenib_fe_queue_free(&srq->queue);
	return 0;
}
