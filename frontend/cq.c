// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibfront: completion queues.
 *
 * A real CQ in the backend plus a ring in guest memory that the process
 * maps; sizes are checked against the device attributes first,
 * with the errors rxe gives, so that no request for an impossible ring is
 * ever built.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/slab.h>
#include <rdma/ib_verbs.h>
#include <rdma/rdma_user_rxe.h>
#include "common.h"

int xenib_create_cq(struct ib_cq *ibcq, const struct ib_cq_init_attr *attr,
		    XENIB_CREATE_CQ_ARG *arg)
{
	struct ib_udata *udata = xenib_create_cq_udata(arg);
	struct xenib_ibdev *xdev = to_xdev(ibcq->device);
	struct xenib_fe *fe = xdev->fe;
	struct xenib_cq *cq = to_xcq(ibcq);
	struct xenib_create_cq_req req = {};
	struct rxe_create_cq_resp uresp = {};
	struct xenib_handle_resp resp;
	u32 nelem = attr->cqe;
	int err;

	if (attr->flags)
		return -EOPNOTSUPP;
	if (udata && udata->outlen < sizeof(uresp))
		return -EINVAL;
	if (attr->cqe < 1 || attr->cqe > xdev->attr.max_cqe)
		return -EINVAL;

	err = xenib_fe_queue_alloc(fe, &cq->queue, &nelem,
				   sizeof(struct ib_uverbs_wc));
	if (err)
		return err;
	/* A kernel CQ is polled here (kverbs.c), not by a process. */
	if (!udata) {
		cq->kernel = true;
		spin_lock_init(&cq->poll_lock);
		INIT_LIST_HEAD(&cq->soft);
		err = xenib_kqueue_map(&cq->queue);
		if (err)
			goto fail_free;
	}
	req.cqe = attr->cqe;
	err = xenib_fe_queue_describe(fe, &cq->queue, &req.queue);
	if (err)
		goto fail_free;
	err = xenib_fe_call_simple(fe, XENIB_OP_CREATE_CQ, &req, sizeof(req),
				   &resp, sizeof(resp));
	xenib_fe_queue_put_indirect(&cq->queue);
	if (err)
		goto fail_free;
	cq->handle = resp.handle;
	ibcq->cqe = nelem;

	if (udata) {
		err = xenib_fe_queue_expose(udata, &cq->queue, &uresp.mi);
		if (!err)
			err = ib_copy_to_udata(udata, &uresp, sizeof(uresp));
	}
	if (!err)
		err = xa_err(xa_store_irq(&fe->cqs, cq->handle, ibcq,
					  GFP_KERNEL));
	if (err)
		goto fail_destroy;
	return 0;

fail_destroy:
	xa_erase_irq(&fe->cqs, cq->handle);
	xenib_fe_release(ibcq->device, XENIB_OP_DESTROY_CQ, cq->handle);
fail_free:
	xenib_fe_queue_free(&cq->queue);
	return err;
}

int xenib_destroy_cq(struct ib_cq *ibcq, struct ib_udata *udata)
{
	struct xenib_cq *cq = to_xcq(ibcq);
	int err;

	err = xenib_fe_release(ibcq->device, XENIB_OP_DESTROY_CQ, cq->handle);
	if (err)
		return err;
	/* No event handler runs for it once it is out of the table. */
	xa_erase_irq(&ibdev_to_fe(ibcq->device)->cqs, cq->handle);
	if (cq->kernel)
		xenib_kcq_free_soft(cq);
	xenib_fe_queue_free(&cq->queue);
	return 0;
}

/*
 * A new ring for the CQ: the backend moves the unconsumed completions
 * into it, then the process maps it with the mminfo answered (the rxe
 * provider unmaps the old ring itself).
 */
int xenib_resize_cq(struct ib_cq *ibcq, int cqe, struct ib_udata *udata)
{
	struct xenib_ibdev *xdev = to_xdev(ibcq->device);
	struct xenib_fe *fe = xdev->fe;
	struct xenib_cq *cq = to_xcq(ibcq);
	struct xenib_resize_cq_req req = { .handle = cq->handle, .cqe = cqe };
	struct rxe_resize_cq_resp uresp = {};
	struct xenib_fe_queue queue;
	u32 nelem = cqe;
	int err;

	if (!udata)
		return -EOPNOTSUPP;
	if (udata->outlen < sizeof(uresp))
		return -EINVAL;
	if (cqe < 1 || cqe > xdev->attr.max_cqe)
		return -EINVAL;

	err = xenib_fe_queue_alloc(fe, &queue, &nelem,
				   sizeof(struct ib_uverbs_wc));
	if (err)
		return err;
	err = xenib_fe_queue_describe(fe, &queue, &req.queue);
	if (err)
		goto fail_free;
	err = xenib_fe_call_simple(fe, XENIB_OP_RESIZE_CQ, &req, sizeof(req),
				   NULL, 0);
	xenib_fe_queue_put_indirect(&queue);
	if (err)
		goto fail_free;

	/* The backend has let go of the old ring. */
	xenib_fe_queue_free(&cq->queue);
	cq->queue = queue;
	ibcq->cqe = nelem;
	err = xenib_fe_queue_expose(udata, &cq->queue, &uresp.mi);
	if (!err)
		err = ib_copy_to_udata(udata, &uresp, sizeof(uresp));
	return err;

fail_free:
	xenib_fe_queue_free(&queue);
	return err;
}

