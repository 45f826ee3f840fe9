// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibfront: the control-ring client and the event ring.
 *
 * Callers sleep in xenib_fe_call() until the backend answers.  Responses and
 * events are handled in the interrupt handler; a response is matched to its
 * call by id and anything the backend sends that does not match is counted
 * and dropped, so a confused backend cannot make us write to a stale buffer.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sched/signal.h>
#include <xen/events.h>
#include "common.h"

/* Low bits of a request id index calls[]; the rest is a sequence number. */
#define XENIB_CALL_IDX_BITS	8
#define XENIB_CALL_IDX_MASK	((1U << XENIB_CALL_IDX_BITS) - 1)
#define XENIB_MAX_CALLS		XENIB_CTRL_RING_SIZE(XENIB_MAX_RING_PAGES)

static_assert(sizeof(struct xenib_ctrl_request) == XENIB_MSG_SIZE);
static_assert(sizeof(struct xenib_ctrl_response) == XENIB_MSG_SIZE);
static_assert(XENIB_CALL_IDX_MASK + 1 >= XENIB_MAX_CALLS);

/* The call table lives as long as the device, across reconnections. */
int xenib_fe_ctrl_alloc(struct xenib_fe *fe)
{
	unsigned int i;

	fe->calls = kcalloc(XENIB_MAX_CALLS, sizeof(*fe->calls), GFP_KERNEL);
	if (!fe->calls)
		return -ENOMEM;
	for (i = 0; i < XENIB_MAX_CALLS; i++)
		init_completion(&fe->calls[i].done);
	init_waitqueue_head(&fe->event_wq);
	return 0;
}

void xenib_fe_ctrl_free(struct xenib_fe *fe)
{
	kfree(fe->calls);
	fe->calls = NULL;
}

static void xenib_fe_put_call(struct xenib_fe *fe, struct xenib_fe_call *call)
{
	lockdep_assert_held(&fe->lock);

	call->busy = false;
	call->abandoned = false;
	call->resp = NULL;
	wake_up(&fe->event_wq);
}

/* Fail every outstanding call with -ENODEV. */
static void xenib_fe_fail_calls(struct xenib_fe *fe)
{
	unsigned int i;

	lockdep_assert_held(&fe->lock);

	for (i = 0; i < XENIB_MAX_CALLS; i++) {
		struct xenib_fe_call *call = &fe->calls[i];

		if (!call->busy)
			continue;
		if (call->abandoned) {
			xenib_fe_put_call(fe, call);
			continue;
		}
		if (call->resp) {
			call->resp->status = -ENODEV;
			call->resp = NULL;
			complete(&call->done);
		}
	}
}

void xenib_fe_ctrl_fail_all(struct xenib_fe *fe)
{
	unsigned long flags;

	spin_lock_irqsave(&fe->lock, flags);
	fe->connected = false;
	xenib_fe_fail_calls(fe);
	spin_unlock_irqrestore(&fe->lock, flags);
	wake_up_all(&fe->event_wq);
}

/*
 * Find a free call slot.  Returns its index, -EBUSY when all are in use or
 * -ENODEV when there is no connection.
 */
static int xenib_fe_get_call(struct xenib_fe *fe)
{
	unsigned int i;

	lockdep_assert_held(&fe->lock);

	if (!fe->connected)
		return -ENODEV;
	for (i = 0; i < fe->nr_calls; i++)
		if (!fe->calls[i].busy)
			return i;
	return -EBUSY;
}

static bool xenib_fe_call_ready(struct xenib_fe *fe, int *slot)
{
	unsigned long flags;

	spin_lock_irqsave(&fe->lock, flags);
	*slot = xenib_fe_get_call(fe);
	if (*slot >= 0)
		fe->calls[*slot].busy = true;
	spin_unlock_irqrestore(&fe->lock, flags);
	return *slot != -EBUSY;
}

/*
 * Put @req (its op and reserved fields as the caller set them) on the
 * ring in a free call slot, whose answer goes to @resp.  Returns the
 * call, with @shared (if not NULL) the ring slot the request went to;
 * or ERR_PTR(-ENODEV) when the backend went away, -ETIMEDOUT or (if
 * @killable) -EINTR when no slot came free in time.
 */
struct xenib_fe_call *xenib_fe_call_start(struct xenib_fe *fe,
					  struct xenib_ctrl_request *req,
					  struct xenib_ctrl_response *resp,
					  bool killable,
					  struct xenib_ctrl_request **shared)
{
	unsigned long timeout = msecs_to_jiffies(xenib_ctrl_timeout_ms);
	struct xenib_ctrl_request *slot_req;
	struct xenib_fe_call *call;
	unsigned long flags;
	int slot = -ENODEV, notify;
	long left;

	if (killable)
		left = wait_event_killable_timeout(fe->event_wq,
						   xenib_fe_call_ready(fe, &slot),
						   timeout);
	else
		left = wait_event_timeout(fe->event_wq,
					  xenib_fe_call_ready(fe, &slot),
					  timeout);
	if (left == 0)
		return ERR_PTR(-ETIMEDOUT);
	if (left < 0)
		return ERR_PTR(-EINTR);
	if (slot < 0)
		return ERR_PTR(slot);

	call = &fe->calls[slot];
	spin_lock_irqsave(&fe->lock, flags);
	if (!fe->connected) {
		xenib_fe_put_call(fe, call);
		spin_unlock_irqrestore(&fe->lock, flags);
		return ERR_PTR(-ENODEV);
	}
	call->id = (fe->next_seq++ << XENIB_CALL_IDX_BITS) | slot;
	call->resp = resp;
	reinit_completion(&call->done);

	req->id = call->id;
	slot_req = RING_GET_REQUEST(&fe->ctrl, fe->ctrl.req_prod_pvt);
	memcpy(slot_req, req, sizeof(*req));
	fe->ctrl.req_prod_pvt++;
	fe->stats.requests++;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&fe->ctrl, notify);
	if (notify)
		notify_remote_via_irq(fe->irq);
	spin_unlock_irqrestore(&fe->lock, flags);
	if (shared)
		*shared = slot_req;
	return call;
}

/*
 * Wait for the answer to @call, a request of operation @op, in @resp.
 * Returns its status: 0 or -errno from the backend, -ENODEV when the
 * backend went away, -ETIMEDOUT or (if @killable) -EINTR when we stopped
 * waiting.
 */
int xenib_fe_call_wait(struct xenib_fe *fe, struct xenib_fe_call *call,
		       u16 op, struct xenib_ctrl_response *resp, bool killable)
{
	unsigned long timeout = msecs_to_jiffies(xenib_ctrl_timeout_ms);
	unsigned long flags;
	long left;
	int ret;

	if (killable)
		left = wait_for_completion_killable_timeout(&call->done,
							    timeout);
	else
		left = wait_for_completion_timeout(&call->done, timeout);

	spin_lock_irqsave(&fe->lock, flags);
	if (call->resp) {
		/* No answer: the slot stays taken until one comes. */
		call->resp = NULL;
		call->abandoned = true;
		ret = left == 0 ? -ETIMEDOUT : -EINTR;
		if (left == 0)
			fe->stats.timeouts++;
	} else {
		ret = resp->status;
		xenib_fe_put_call(fe, call);
	}
	spin_unlock_irqrestore(&fe->lock, flags);

	if (ret == -ETIMEDOUT)
		dev_warn(&fe->dev->dev, "backend did not answer op %u in %u ms\n",
			 op, xenib_ctrl_timeout_ms);
	return ret;
}

/* Send @req and wait for its answer; see the two steps above. */
static int __xenib_fe_call(struct xenib_fe *fe,
			   struct xenib_ctrl_request *req,
			   struct xenib_ctrl_response *resp, bool killable)
{
	struct xenib_fe_call *call;

	call = xenib_fe_call_start(fe, req, resp, killable, NULL);
	if (IS_ERR(call))
		return PTR_ERR(call);
	return xenib_fe_call_wait(fe, call, req->op, resp, killable);
}

/* Send @req as operation @op; see __xenib_fe_call(). */
int xenib_fe_call(struct xenib_fe *fe, u16 op, struct xenib_ctrl_request *req,
		  struct xenib_ctrl_response *resp)
{
	req->op = op;
	req->rsvd0 = 0;
	req->rsvd1 = 0;
	return __xenib_fe_call(fe, req, resp, true);
}

/*
 * Release object @handle with operation @op, waiting without regard to
 * signals (still bounded by ctrl_timeout_ms).  ib_core does not retry a
 * failed destroy when it cleans up a closed device file: it warns and
 * forgets the object.  So a release must not give up because the caller
 * was signalled, as a hardware driver's command wait does not.
 */
int xenib_fe_call_release(struct xenib_fe *fe, u16 op, u32 handle)
{
	struct xenib_ctrl_request *req;
	struct xenib_ctrl_response *resp;
	int err = -ENOMEM;

	req = kzalloc(sizeof(*req), GFP_KERNEL);
	resp = kzalloc(sizeof(*resp), GFP_KERNEL);
	if (req && resp) {
		req->op = op;
		req->u.handle.handle = handle;
		err = __xenib_fe_call(fe, req, resp, false);
	}
	kfree(req);
	kfree(resp);
	return err;
}

/*
 * xenib_fe_call() for callers that deal in payloads: @in_len bytes of @in
 * become the request's payload, the first @out_len bytes of the response's
 * payload are copied to @out on success.
 */
int xenib_fe_call_simple(struct xenib_fe *fe, u16 op, const void *in,
			 size_t in_len, void *out, size_t out_len)
{
	struct xenib_ctrl_request *req;
	struct xenib_ctrl_response *resp;
	int err = -ENOMEM;

	if (WARN_ON(in_len > XENIB_MSG_PAYLOAD || out_len > XENIB_MSG_PAYLOAD))
		return -EINVAL;
	req = kzalloc(sizeof(*req), GFP_KERNEL);
	resp = kzalloc(sizeof(*resp), GFP_KERNEL);
	if (!req || !resp)
		goto out;
	if (in_len)
		memcpy(&req->u, in, in_len);
	err = xenib_fe_call(fe, op, req, resp);
	if (!err && out_len)
		memcpy(out, &resp->u, out_len);
out:
	kfree(req);
	kfree(resp);
	return err;
}

static void xenib_fe_handle_responses(struct xenib_fe *fe)
{
	struct xenib_ctrl_front_ring *ring = &fe->ctrl;
	struct xenib_ctrl_response *resp = &fe->resp_buf;
	RING_IDX i, rp;
	int more;

	lockdep_assert_held(&fe->lock);

	do {
		rp = READ_ONCE(ring->sring->rsp_prod);
		virt_rmb();	/* responses are visible once rsp_prod is */
		if (RING_RESPONSE_PROD_OVERFLOW(ring, rp)) {
			fe->stats.bad_responses++;
			dev_err_ratelimited(&fe->dev->dev,
					    "backend response producer %u is beyond the ring\n",
					    rp);
			return;
		}

		for (i = ring->rsp_cons; i != rp; i++) {
			struct xenib_fe_call *call;
			unsigned int slot;

			RING_COPY_RESPONSE(ring, i, resp);
			slot = resp->id & XENIB_CALL_IDX_MASK;
			call = slot < fe->nr_calls ? &fe->calls[slot] : NULL;
			if (!call || !call->busy || call->id != resp->id) {
				fe->stats.bad_responses++;
				dev_warn_ratelimited(&fe->dev->dev,
						     "response with unknown id %llu\n",
						     resp->id);
				continue;
			}
			fe->stats.responses++;
			if (call->abandoned) {
				xenib_fe_put_call(fe, call);
				continue;
			}
			memcpy(call->resp, resp, sizeof(*resp));
			call->resp = NULL;
			complete(&call->done);
		}
		ring->rsp_cons = i;
		RING_FINAL_CHECK_FOR_RESPONSES(ring, more);
	} while (more);
}

/*
 * Ring the backend's doorbell: the guest produced work.  Only if the engine
 * is not polling anyway; the barrier orders the producer index the
 * process wrote before this syscall against our read of backend_polling
 * (the other half is in the backend's engine; see "Data path").
 */
void xenib_fe_kick(struct xenib_fe *fe)
{
	struct xenib_event_sring *sring = READ_ONCE(fe->evt);

	/* Pairs with the engine's barrier after it clears backend_polling. */
	virt_mb();
	if (!sring || !fe->data_evtchn || READ_ONCE(sring->backend_polling))
		return;
	notify_remote_via_evtchn(fe->data_evtchn);
}

/* A completion on a CQ the guest armed. */
static void xenib_fe_cq_event(struct xenib_fe *fe, u32 handle)
{
	struct ib_cq *ibcq;

	xa_lock(&fe->cqs);
	ibcq = xa_load(&fe->cqs, handle);
	if (ibcq && ibcq->comp_handler)
		ibcq->comp_handler(ibcq, ibcq->cq_context);
	xa_unlock(&fe->cqs);
}

/* Every CQ: events were lost, so each armed CQ may have fired. */
static void xenib_fe_all_cq_events(struct xenib_fe *fe)
{
	struct ib_cq *ibcq;
	unsigned long handle;

	xa_lock(&fe->cqs);
	xa_for_each(&fe->cqs, handle, ibcq)
		if (ibcq->comp_handler)
			ibcq->comp_handler(ibcq, ibcq->cq_context);
	xa_unlock(&fe->cqs);
}

/* An asynchronous event of the real device, passed on as ib_core's. */
static void xenib_fe_async_event(struct xenib_fe *fe,
				 const struct xenib_event *ev)
{
	struct ib_event event = { .event = ev->data };
	struct xarray *xa;
	void *obj;

	if (ev->data > IB_EVENT_WQ_FATAL) {
		fe->stats.bad_events++;
		return;
	}
	if (ev->type == XENIB_EVT_PORT_ASYNC) {
		if (!fe->ib)
			return;
		event.device = &fe->ib->ibdev;
		event.element.port_num = XENIB_GUEST_PORT;
		ib_dispatch_event(&event);
		return;
	}
	xa = ev->type == XENIB_EVT_CQ_ASYNC ? &fe->cqs :
	     ev->type == XENIB_EVT_QP_ASYNC ? &fe->qps : &fe->srqs;
	xa_lock(xa);
	obj = xa_load(xa, ev->handle);
	if (obj) {
		switch (ev->type) {
		case XENIB_EVT_CQ_ASYNC: {
			struct ib_cq *ibcq = obj;

			event.device = ibcq->device;
			event.element.cq = ibcq;
			if (ibcq->event_handler)
				ibcq->event_handler(&event, ibcq->cq_context);
			break;
		}
		case XENIB_EVT_QP_ASYNC: {
			struct ib_qp *ibqp = obj;

			event.device = ibqp->device;
			event.element.qp = ibqp;
			if (ibqp->event_handler)
				ibqp->event_handler(&event, ibqp->qp_context);
			break;
		}
		default: {
			struct ib_srq *ibsrq = obj;

			event.device = ibsrq->device;
			event.element.srq = ibsrq;
			if (ibsrq->event_handler)
				ibsrq->event_handler(&event,
						     ibsrq->srq_context);
			break;
		}
		}
	}
	xa_unlock(xa);
}

static void xenib_fe_handle_events(struct xenib_fe *fe)
{
	struct xenib_event_sring *sring = fe->evt;
	u32 prod, overflows;

	lockdep_assert_held(&fe->lock);

	prod = READ_ONCE(sring->prod);
	virt_rmb();	/* event bodies are visible once prod is */
	if (prod - fe->evt_cons > XENIB_EVENT_RING_SIZE) {
		fe->stats.bad_events++;
		dev_err_ratelimited(&fe->dev->dev,
				    "backend event producer %u is beyond the ring\n",
				    prod);
		fe->evt_cons = prod;
	}

	for (; fe->evt_cons != prod; fe->evt_cons++) {
		struct xenib_event ev;

		/* One copy; only the copy is looked at. */
		memcpy(&ev, &sring->ring[XENIB_EVENT_RING_IDX(fe->evt_cons)],
		       sizeof(ev));
		fe->stats.events++;
		switch (ev.type) {
		case XENIB_EVT_NOP:
			fe->nop_event_cookie = ev.data;
			break;
		case XENIB_EVT_CQ:
			xenib_fe_cq_event(fe, ev.handle);
			break;
		case XENIB_EVT_CQ_ASYNC:
		case XENIB_EVT_QP_ASYNC:
		case XENIB_EVT_SRQ_ASYNC:
		case XENIB_EVT_PORT_ASYNC:
			xenib_fe_async_event(fe, &ev);
			break;
		case XENIB_EVT_MAD:
			xenib_gsi_mad_event(fe);
			break;
		default:
			fe->stats.bad_events++;
			break;
		}
	}
	virt_mb();	/* finish reading the slots before handing them back */
	WRITE_ONCE(sring->cons, fe->evt_cons);

	overflows = READ_ONCE(sring->overflows);
	if (overflows != fe->evt_overflows) {
		dev_warn_ratelimited(&fe->dev->dev, "event ring overflowed\n");
		fe->evt_overflows = overflows;
		xenib_fe_all_cq_events(fe);
		xenib_gsi_mad_event(fe);
	}
	wake_up_all(&fe->event_wq);
}

irqreturn_t xenib_fe_interrupt(int irq, void *dev_id)
{
	struct xenib_fe *fe = dev_id;
	unsigned long flags;

	spin_lock_irqsave(&fe->lock, flags);
	if (fe->connected) {
		/* Events first: the backend posts them before its answer. */
		xenib_fe_handle_events(fe);
		xenib_fe_handle_responses(fe);
	}
	spin_unlock_irqrestore(&fe->lock, flags);
	return IRQ_HANDLED;
}
