// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibfront: queue pairs.
 *
 * The guest's QP is the backend's real QP (same QP number) with its send
 * and receive rings in guest memory, sized and reported as rxe does, so
 * the rxe provider sees what it would see on rxe.  Its paths' address
 * vectors are translated in ah.c.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/slab.h>
#include <rdma/ib_verbs.h>
#include <rdma/rdma_user_rxe.h>
#include "common.h"

/* Keeps a QP request's rings within what the protocol can describe. */
#define XENIB_MAX_INLINE_DATA	XENIB_PAGE_SIZE

static int xenib_check_qp_init(struct xenib_ibdev *xdev,
			       const struct ib_qp_init_attr *init)
{
	const struct ib_device_attr *a = &xdev->ibdev.attrs;
	const struct ib_qp_cap *cap = &init->cap;

	switch (init->qp_type) {
	case IB_QPT_RC:
	case IB_QPT_UC:
	case IB_QPT_UD:
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (init->create_flags)
		return -EOPNOTSUPP;
	/* rxe's checks, against the real device's limits. */
	if (cap->max_send_wr > a->max_qp_wr ||
	    cap->max_send_sge > a->max_send_sge ||
	    cap->max_inline_data > XENIB_MAX_INLINE_DATA)
		return -EINVAL;
	if (!init->srq && (cap->max_recv_wr > a->max_qp_wr ||
			   cap->max_recv_sge > a->max_recv_sge))
		return -EINVAL;
	return 0;
}

int xenib_create_qp(struct ib_qp *ibqp, struct ib_qp_init_attr *init,
		    struct ib_udata *udata)
{
	struct xenib_ibdev *xdev = to_xdev(ibqp->device);
	struct xenib_fe *fe = xdev->fe;
	struct xenib_qp *qp = to_xqp(ibqp);
	struct ib_qp_cap *cap = &init->cap;
	struct xenib_create_qp_req *req;
	struct xenib_create_qp_resp resp;
	struct rxe_create_qp_resp uresp = {};
	u32 sq_data, rq_data = 0, send_wr, recv_wr = 0;
	int err;

	if (udata && udata->outlen < sizeof(uresp))
		return -EINVAL;
	if (init->qp_type == IB_QPT_GSI && !udata)
		return xenib_gsi_create(qp, init);
	/* Kernel QPs have no SRQs yet. */
	if (!udata && init->srq)
		return -EOPNOTSUPP;
	err = xenib_check_qp_init(xdev, init);
	if (err)
		return err;

	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return -ENOMEM;

	/* Ring elements as rxe lays them out. */
	sq_data = max_t(u32, cap->max_send_sge * sizeof(struct ib_sge),
			cap->max_inline_data);
	send_wr = cap->max_send_wr;
	err = xenib_fe_queue_alloc(fe, &qp->sq, &send_wr,
				   sizeof(struct rxe_send_wqe) + sq_data);
	if (err)
		goto out_req;
	if (!init->srq) {
		rq_data = cap->max_recv_sge * sizeof(struct ib_sge);
		recv_wr = cap->max_recv_wr;
		err = xenib_fe_queue_alloc(fe, &qp->rq, &recv_wr,
					   sizeof(struct rxe_recv_wqe) +
					   rq_data);
		if (err)
			goto fail_free;
	}

	req->pd = to_xpd(ibqp->pd)->handle;
	req->send_cq = to_xcq(init->send_cq)->handle;
	req->recv_cq = to_xcq(init->recv_cq)->handle;
	req->srq = init->srq ? to_xsrq(init->srq)->handle : 0;
	req->qp_type = init->qp_type;
	req->flags = init->sq_sig_type == IB_SIGNAL_ALL_WR ?
		     XENIB_QP_F_SIG_ALL : 0;
	req->cap.max_send_wr = cap->max_send_wr;
	req->cap.max_recv_wr = init->srq ? 0 : cap->max_recv_wr;
	req->cap.max_send_sge = cap->max_send_sge;
	req->cap.max_recv_sge = init->srq ? 0 : cap->max_recv_sge;
	/* A kernel QP's bounced work requests have one SGE, whatever it asked. */
	if (!udata) {
		req->cap.max_send_sge = max(req->cap.max_send_sge, 1U);
		req->cap.max_recv_sge = max(req->cap.max_recv_sge, 1U);
	}
	req->cap.max_inline_data = cap->max_inline_data;
	err = xenib_fe_queue_describe(fe, &qp->sq, &req->sq);
	if (!err && !init->srq)
		err = xenib_fe_queue_describe(fe, &qp->rq, &req->rq);
	if (!err)
		err = xenib_fe_call_simple(fe, XENIB_OP_CREATE_QP, req,
					   sizeof(*req), &resp, sizeof(resp));
	xenib_fe_queue_put_indirect(&qp->sq);
	xenib_fe_queue_put_indirect(&qp->rq);
	if (err)
		goto fail_free;
	qp->handle = resp.handle;
	ibqp->qp_num = resp.qp_num;

	/*
	 * What the process may post: as many WRs as its rings hold, and
	 * SGEs and inline data as far as both the ring elements and the
	 * real QP take them.
	 */
	cap->max_send_wr = send_wr;
	cap->max_send_sge = min_t(u32, resp.cap.max_send_sge,
				  sq_data / sizeof(struct ib_sge));
	cap->max_inline_data = min(resp.cap.max_inline_data, sq_data);
	if (!init->srq) {
		cap->max_recv_wr = recv_wr;
		cap->max_recv_sge = min_t(u32, resp.cap.max_recv_sge,
					  rq_data / sizeof(struct ib_sge));
	}
	qp->cap = *cap;
	qp->sq_sig_type = init->sq_sig_type;

	if (udata) {
		err = xenib_fe_queue_expose(udata, &qp->sq, &uresp.sq_mi);
		if (!err && !init->srq)
			err = xenib_fe_queue_expose(udata, &qp->rq,
						    &uresp.rq_mi);
		if (!err)
			err = ib_copy_to_udata(udata, &uresp, sizeof(uresp));
	} else {
		err = xenib_kqp_init(qp);
		if (!err)
			err = xa_err(xa_store_irq(&fe->kqps, ibqp->qp_num,
						  ibqp, GFP_KERNEL));
	}
	if (!err)
		err = xa_err(xa_store_irq(&fe->qps, qp->handle, ibqp,
					  GFP_KERNEL));
	if (err)
		goto fail_destroy;
	kfree(req);
	return 0;

fail_destroy:
	xa_erase_irq(&fe->qps, qp->handle);
	if (qp->kernel)
		xa_erase_irq(&fe->kqps, ibqp->qp_num);
	xenib_fe_release(ibqp->device, XENIB_OP_DESTROY_QP, qp->handle);
	if (qp->kernel)
		xenib_kqp_free(qp);
fail_free:
	xenib_fe_queue_free(&qp->sq);
	xenib_fe_queue_free(&qp->rq);
out_req:
	kfree(req);
	return err;
}

int xenib_modify_qp(struct ib_qp *ibqp, struct ib_qp_attr *attr,
		    int attr_mask, struct ib_udata *udata)
{
	struct xenib_modify_qp_req *req;
	struct xenib_qp_attr *w;
	int err;

	if (to_xqp(ibqp)->gsi)
		return xenib_gsi_modify(to_xqp(ibqp), attr, attr_mask);
	if (attr_mask & ~XENIB_QP_ATTR_MASK)
		return -EOPNOTSUPP;
	if ((attr_mask & IB_QP_PORT && attr->port_num != 1) ||
	    (attr_mask & IB_QP_ALT_PATH && attr->alt_port_num != 1))
		return -EINVAL;

	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	req->handle = to_xqp(ibqp)->handle;
	req->attr_mask = attr_mask;
	w = &req->attr;
	w->qp_state = attr->qp_state;
	w->cur_qp_state = attr->cur_qp_state;
	w->path_mtu = attr->path_mtu;
	w->path_mig_state = attr->path_mig_state;
	w->qkey = attr->qkey;
	w->rq_psn = attr->rq_psn;
	w->sq_psn = attr->sq_psn;
	w->dest_qp_num = attr->dest_qp_num;
	w->qp_access_flags = attr->qp_access_flags;
	w->pkey_index = attr->pkey_index;
	w->alt_pkey_index = attr->alt_pkey_index;
	w->en_sqd_async_notify = attr->en_sqd_async_notify;
	w->max_rd_atomic = attr->max_rd_atomic;
	w->max_dest_rd_atomic = attr->max_dest_rd_atomic;
	w->min_rnr_timer = attr->min_rnr_timer;
	w->timeout = attr->timeout;
	w->retry_cnt = attr->retry_cnt;
	w->rnr_retry = attr->rnr_retry;
	w->alt_timeout = attr->alt_timeout;
	err = 0;
	if (attr_mask & IB_QP_AV)
		err = xenib_ah_to_wire(&attr->ah_attr, &w->ah_attr);
	if (!err && attr_mask & IB_QP_ALT_PATH)
		err = xenib_ah_to_wire(&attr->alt_ah_attr, &w->alt_ah_attr);
	if (!err)
		err = xenib_fe_call_simple(ibdev_to_fe(ibqp->device),
					   XENIB_OP_MODIFY_QP, req,
					   sizeof(*req), NULL, 0);
	if (!err && attr_mask & IB_QP_STATE)
		WRITE_ONCE(to_xqp(ibqp)->state, attr->qp_state);
	if (!err && to_xqp(ibqp)->kernel && attr_mask & IB_QP_STATE &&
	    attr->qp_state == IB_QPS_RESET)
		xenib_kqp_reset(to_xqp(ibqp));
	kfree(req);
	return err;
}

/* ib_core has checked that @ibqp is UD and @gid multicast. */
static int xenib_mcast(struct ib_qp *ibqp, union ib_gid *gid, u16 lid,
		       u16 op)
{
	struct xenib_mcast_req req = {
		.qp = to_xqp(ibqp)->handle,
		.lid = lid,
	};

	memcpy(req.gid, gid->raw, sizeof(req.gid));
	return xenib_fe_call_simple(ibdev_to_fe(ibqp->device), op, &req,
				    sizeof(req), NULL, 0);
}

int xenib_attach_mcast(struct ib_qp *ibqp, union ib_gid *gid, u16 lid)
{
	return xenib_mcast(ibqp, gid, lid, XENIB_OP_ATTACH_MCAST);
}

int xenib_detach_mcast(struct ib_qp *ibqp, union ib_gid *gid, u16 lid)
{
	return xenib_mcast(ibqp, gid, lid, XENIB_OP_DETACH_MCAST);
}

int xenib_query_qp(struct ib_qp *ibqp, struct ib_qp_attr *attr,
		   int attr_mask, struct ib_qp_init_attr *init)
{
	struct xenib_qp *qp = to_xqp(ibqp);
	struct xenib_query_qp_req req = {
		.handle = qp->handle,
		.attr_mask = attr_mask & XENIB_QP_ATTR_MASK,
	};
	struct xenib_qp_attr *w;
	int err;

	if (qp->gsi) {
		xenib_gsi_query(qp, attr);
		memset(init, 0, sizeof(*init));
		init->qp_type = IB_QPT_GSI;
		init->send_cq = ibqp->send_cq;
		init->recv_cq = ibqp->recv_cq;
		init->cap = qp->cap;
		init->sq_sig_type = qp->sq_sig_type;
		init->port_num = XENIB_GUEST_PORT;
		return 0;
	}
	w = kzalloc(sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	err = xenib_fe_call_simple(ibdev_to_fe(ibqp->device), XENIB_OP_QUERY_QP,
				   &req, sizeof(req), w, sizeof(*w));
	if (err)
		goto out;

	memset(attr, 0, sizeof(*attr));
	attr->qp_state = w->qp_state;
	attr->cur_qp_state = w->cur_qp_state;
	attr->path_mtu = w->path_mtu;
	attr->path_mig_state = w->path_mig_state;
	attr->qkey = w->qkey;
	attr->rq_psn = w->rq_psn;
	attr->sq_psn = w->sq_psn;
	attr->dest_qp_num = w->dest_qp_num;
	attr->qp_access_flags = w->qp_access_flags;
	attr->pkey_index = w->pkey_index;
	attr->alt_pkey_index = w->alt_pkey_index;
	attr->en_sqd_async_notify = w->en_sqd_async_notify;
	attr->sq_draining = w->sq_draining;
	attr->max_rd_atomic = w->max_rd_atomic;
	attr->max_dest_rd_atomic = w->max_dest_rd_atomic;
	attr->min_rnr_timer = w->min_rnr_timer;
	attr->port_num = XENIB_GUEST_PORT;
	attr->timeout = w->timeout;
	attr->retry_cnt = w->retry_cnt;
	attr->rnr_retry = w->rnr_retry;
	attr->alt_port_num = XENIB_GUEST_PORT;
	attr->alt_timeout = w->alt_timeout;
	attr->cap = qp->cap;
	xenib_ah_from_wire(ibqp->device, &w->ah_attr, &attr->ah_attr);
	xenib_ah_from_wire(ibqp->device, &w->alt_ah_attr, &attr->alt_ah_attr);

	memset(init, 0, sizeof(*init));
	init->qp_type = ibqp->qp_type;
	init->send_cq = ibqp->send_cq;
	init->recv_cq = ibqp->recv_cq;
	init->srq = ibqp->srq;
	init->cap = qp->cap;
	init->sq_sig_type = qp->sq_sig_type;
out:
	kfree(w);
	return err;
}

int xenib_destroy_qp(struct ib_qp *ibqp, struct ib_udata *udata)
{
	struct xenib_qp *qp = to_xqp(ibqp);
	int err;

	if (qp->gsi) {
		xenib_gsi_destroy(qp);
		return 0;
	}
	err = xenib_fe_release(ibqp->device, XENIB_OP_DESTROY_QP, qp->handle);
	if (err)
		return err;
	xa_erase_irq(&ibdev_to_fe(ibqp->device)->qps, qp->handle);
	if (qp->kernel) {
		xa_erase_irq(&ibdev_to_fe(ibqp->device)->kqps, ibqp->qp_num);
		xenib_kqp_free(qp);
	}
	xenib_fe_queue_free(&qp->sq);
	xenib_fe_queue_free(&qp->rq);
	return 0;
}

