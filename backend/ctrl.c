// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibback: control ring processing and the event ring.
 *
 * The ring is shared with an untrusted guest: every request is copied out of
 * the ring before it is looked at, the producer index is checked against the
 * ring size before it is used, and nothing is ever read back from a slot or
 * an index the backend wrote.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/sched.h>
#include <xen/events.h>
#include "common.h"

irqreturn_t xenib_be_interrupt(int irq, void *dev_id)
{
	struct xenib_be *be = dev_id;

	WRITE_ONCE(be->irq_pending, true);
	wake_up(&be->wq);
	return IRQ_HANDLED;
}

/*
 * Post an event to the frontend.  The guest owns "cons", so a bogus value
 * can only make the backend drop or overwrite that guest's own events.
 */
void xenib_be_post_event(struct xenib_be *be, u16 type, u32 handle, u64 data)
{
	struct xenib_event_sring *sring;
	struct xenib_event *ev;
	unsigned long flags;
	u32 cons;

	/* From the request thread, the engine and the real device's events. */
	spin_lock_irqsave(&be->evt_lock, flags);
	sring = be->evt;
	if (!sring || !be->irq)
		goto out;
	cons = READ_ONCE(sring->cons);
	if (!xenib_event_ring_has_room(be->evt_prod, cons)) {
		be->stats.event_overflows++;
		WRITE_ONCE(sring->overflows, (u32)be->stats.event_overflows);
		notify_remote_via_irq(be->irq);
		goto out;
	}

	ev = &sring->ring[XENIB_EVENT_RING_IDX(be->evt_prod)];
	ev->type = type;
	ev->rsvd = 0;
	ev->handle = handle;
	ev->data = data;
	virt_wmb();		/* event body before the index that publishes it */
	be->evt_prod++;
	WRITE_ONCE(sring->prod, be->evt_prod);
	be->stats.events++;
	if (type != XENIB_EVT_CQ && type != XENIB_EVT_NOP)
		be->stats.async_events++;
	notify_remote_via_irq(be->irq);
out:
	spin_unlock_irqrestore(&be->evt_lock, flags);
}

static int xenib_be_nop(struct xenib_be *be,
			const struct xenib_ctrl_request *req,
			struct xenib_ctrl_response *resp)
{
	const struct xenib_nop_req *nop = &req->u.nop;

	if (nop->flags & XENIB_NOP_F_EVENT)
		xenib_be_post_event(be, XENIB_EVT_NOP, 0, nop->cookie);
	resp->u.nop.cookie = nop->cookie;
	return 0;
}

static void xenib_be_dispatch(struct xenib_be *be,
			      const struct xenib_ctrl_request *req,
			      struct xenib_ctrl_response *resp)
{
	int ret;

	/* Past this, the handlers take the request's form as checked. */
	ret = xenib_check_ctrl_request(req);
	if (ret)
		goto out;

	switch (req->op) {
	case XENIB_OP_NOP:
		ret = xenib_be_nop(be, req, resp);
		break;
	case XENIB_OP_QUERY_DEVICE:
		ret = xenib_be_query_device(be, &resp->u.device);
		break;
	case XENIB_OP_QUERY_PORT:
		ret = xenib_be_query_port(be, &resp->u.port);
		break;
	case XENIB_OP_QUERY_PKEY:
		ret = xenib_be_query_pkey(be, &req->u.query_pkey,
					  &resp->u.query_pkey);
		break;
	case XENIB_OP_ALLOC_PD:
		ret = xenib_be_alloc_pd(be, &resp->u.handle);
		break;
	case XENIB_OP_DEALLOC_PD:
		ret = xenib_be_dealloc_pd(be, &req->u.handle);
		break;
	case XENIB_OP_CREATE_CQ:
		ret = xenib_be_create_cq(be, &req->u.create_cq, &resp->u.handle);
		break;
	case XENIB_OP_DESTROY_CQ:
		ret = xenib_be_destroy_cq(be, &req->u.handle);
		break;
	case XENIB_OP_RESIZE_CQ:
		ret = xenib_be_resize_cq(be, &req->u.resize_cq);
		break;
	case XENIB_OP_CREATE_QP:
		ret = xenib_be_create_qp(be, &req->u.create_qp,
					 &resp->u.create_qp);
		break;
	case XENIB_OP_MODIFY_QP:
		ret = xenib_be_modify_qp(be, &req->u.modify_qp);
		break;
	case XENIB_OP_QUERY_QP:
		ret = xenib_be_query_qp(be, &req->u.query_qp, &resp->u.query_qp);
		break;
	case XENIB_OP_DESTROY_QP:
		ret = xenib_be_destroy_qp(be, &req->u.handle);
		break;
	case XENIB_OP_CREATE_SRQ:
		ret = xenib_be_create_srq(be, &req->u.create_srq,
					  &resp->u.create_srq);
		break;
	case XENIB_OP_MODIFY_SRQ:
		ret = xenib_be_modify_srq(be, &req->u.modify_srq);
		break;
	case XENIB_OP_QUERY_SRQ:
		ret = xenib_be_query_srq(be, &req->u.handle, &resp->u.query_srq);
		break;
	case XENIB_OP_DESTROY_SRQ:
		ret = xenib_be_destroy_srq(be, &req->u.handle);
		break;
	case XENIB_OP_CREATE_AH:
		ret = xenib_be_create_ah(be, &req->u.create_ah, &resp->u.handle);
		break;
	case XENIB_OP_DESTROY_AH:
		ret = xenib_be_destroy_ah(be, &req->u.handle);
		break;
	case XENIB_OP_REG_MR:
		ret = xenib_be_reg_mr(be, &req->u.reg_mr, &resp->u.reg_mr);
		break;
	case XENIB_OP_DEREG_MR:
		ret = xenib_be_dereg_mr(be, &req->u.handle);
		break;
	case XENIB_OP_ALLOC_MW:
		ret = xenib_be_alloc_mw(be, &req->u.alloc_mw, &resp->u.alloc_mw);
		break;
	case XENIB_OP_DEALLOC_MW:
		ret = xenib_be_dealloc_mw(be, &req->u.handle);
		break;
	case XENIB_OP_SEND_MAD:
		ret = xenib_be_send_mad(be, &req->u.send_mad);
		break;
	case XENIB_OP_RECV_MAD:
		ret = xenib_be_recv_mad(be, &resp->u.recv_mad);
		break;
	case XENIB_OP_ATTACH_MCAST:
		ret = xenib_be_attach_mcast(be, &req->u.mcast);
		break;
	case XENIB_OP_DETACH_MCAST:
		ret = xenib_be_detach_mcast(be, &req->u.mcast);
		break;
	default:
		ret = -EOPNOTSUPP;
		break;
	}
out:
	/* An empty MAD queue is an answer, not a failed request. */
	if (ret && !(req->op == XENIB_OP_RECV_MAD && ret == -ENOENT))
		be->stats.errors++;
	resp->status = ret;
}

/*
 * Answer every request the frontend has produced.  Returns whether there was
 * anything to do, so that an interrupt with none can be reported spurious.
 */
static bool xenib_be_process_ctrl(struct xenib_be *be)
{
	struct xenib_ctrl_back_ring *ring = &be->ctrl;
	struct xenib_ctrl_request req;
	struct xenib_ctrl_response *resp;
	bool did_work = false;
	RING_IDX rc, rp;
	int notify, more;

	do {
		rc = ring->req_cons;
		rp = READ_ONCE(ring->sring->req_prod);
		virt_rmb();	/* requests are visible once req_prod is */

		if (RING_REQUEST_PROD_OVERFLOW(ring, rp)) {
			be->ring_broken = true;
			xenib_be_fail(be, -EPROTO,
				      "frontend produced more requests than the ring holds");
			return true;
		}

		while (rc != rp) {
			RING_COPY_REQUEST(ring, rc, &req);
			ring->req_cons = ++rc;
			be->stats.requests++;
			did_work = true;

			resp = RING_GET_RESPONSE(ring, ring->rsp_prod_pvt);
			memset(resp, 0, sizeof(*resp));
			resp->id = req.id;
			resp->op = req.op;
			xenib_be_dispatch(be, &req, resp);
			ring->rsp_prod_pvt++;
			be->stats.responses++;

			RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(ring, notify);
			if (notify)
				notify_remote_via_irq(be->irq);
		}

		RING_FINAL_CHECK_FOR_REQUESTS(ring, more);
	} while (more);

	return did_work;
}

int xenib_be_ctrl_thread(void *arg)
{
	struct xenib_be *be = arg;

	while (!kthread_should_stop()) {
		bool work;

		wait_event_interruptible(be->wq, READ_ONCE(be->irq_pending) ||
					 kthread_should_stop());
		if (!xchg(&be->irq_pending, false))
			continue;

		be->stats.interrupts++;
		mutex_lock(&be->lock);
		work = be->ring_broken ? false : xenib_be_process_ctrl(be);
		mutex_unlock(&be->lock);
		if (!work)
			be->stats.spurious_interrupts++;

		/* Unmask only now, and tell Xen about storms of empty kicks. */
		xen_irq_lateeoi(be->irq, work ? 0 : XEN_EOI_FLAG_SPURIOUS);
		cond_resched();
	}
	return 0;
}
