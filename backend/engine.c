// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibback: the engine, which moves work between a guest's rings and the
 * real device.
 *
 * Kernel QPs and CQs cannot use rings in foreign memory, so every guest QP,
 * SRQ and CQ is a real kernel object plus rings in guest memory, and one
 * thread per guest device moves work between them:
 *
 *  - send queues: work requests the guest produced are copied out of the
 *    ring, checked (opcode for the QP type, SGE count, inline length, every
 *    local key one of this guest's MRs) and posted to the real QP;
 *  - receive queues and SRQs: the same, posted to the real QP or SRQ;
 *  - completion queues: completions are polled from the real CQ and written
 *    into the guest's ring in rxe's format with the guest's wr_id, and the
 *    work queue's consumer index moves as the real device retires work.
 *
 * Real work requests carry the work queue's id and the guest's ring index
 * in their wr_id, never a pointer, so a completion of a work queue that is
 * gone is recognised and dropped.
 *
 * The engine polls while there is work and for poll_us after, with
 * backend_polling set in the event ring so the guest does not kick it;
 * then it clears the flag, looks once more and sleeps until a kick on the
 * data event channel, a completion on a real CQ, or idle_ms, after which
 * it looks at the receive queues alone (they are only ever polled: the
 * guest posts receives without a syscall).  After idle_sleep_ms without
 * work it stops looking where nothing can be missed
 * (xenib_be_engine_may_sleep()).
 *
 * Each pass runs under be->lock, like the control requests (common.h
 * says what it guards and what sleeps under it).
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/slab.h>
#include <linux/sched.h>
#include <xen/events.h>
#include <rdma/rdma_user_rxe.h>
#include "common.h"

/* How long a CQ resize waits for the sends before it (engine_settle). */
#define XENIB_SETTLE_MS		50

#define XENIB_POLL_BATCH	16

/* ib_wc flags that mean the same in struct ib_uverbs_wc. */
#define XENIB_WC_FLAGS		(IB_WC_GRH | IB_WC_WITH_IMM |		\
				 IB_WC_WITH_INVALIDATE | IB_WC_IP_CSUM_OK)

void xenib_be_engine_wake(struct xenib_be *be)
{
	WRITE_ONCE(be->engine_wake, true);
	wake_up(&be->engine_wq);
}

/* The real CQ's completion handler: any context. */
void xenib_be_cq_handler(struct ib_cq *ibcq, void *context)
{
	struct xenib_be_cq *cq = context;

	WRITE_ONCE(cq->fired, true);
	xenib_be_engine_wake(cq->be);
}

void xenib_be_cq_event(struct ib_event *event, void *context)
{
	struct xenib_be_cq *cq = context;

	xenib_be_post_event(cq->be, XENIB_EVT_CQ_ASYNC, cq->handle,
			    event->event);
}

void xenib_be_qp_event(struct ib_event *event, void *context)
{
	struct xenib_be_qp *qp = context;

	xenib_be_post_event(qp->be, XENIB_EVT_QP_ASYNC, qp->handle,
			    event->event);
}

void xenib_be_srq_event(struct ib_event *event, void *context)
{
	struct xenib_be_srq *srq = context;

	xenib_be_post_event(srq->be, XENIB_EVT_SRQ_ASYNC, srq->handle,
			    event->event);
}

static void xenib_be_port_event(struct ib_event_handler *handler,
				struct ib_event *event)
{
	struct xenib_be *be = container_of(handler, struct xenib_be,
					   event_handler);

	if (event->element.port_num != be->port)
		return;
	switch (event->event) {
	case IB_EVENT_PORT_ACTIVE:
	case IB_EVENT_PORT_ERR:
	case IB_EVENT_LID_CHANGE:
	case IB_EVENT_PKEY_CHANGE:
	case IB_EVENT_SM_CHANGE:
	case IB_EVENT_CLIENT_REREGISTER:
		xenib_be_post_event(be, XENIB_EVT_PORT_ASYNC, 0, event->event);
		break;
	default:
		break;
	}
}

/* Work queues */

/* Free a work queue's arrays; a NULL wr_id marks them freed. */
static void xenib_be_wq_free(struct xenib_be_wq *wq)
{
	kvfree(wq->wr_id);
	bitmap_free(wq->done);
	bitmap_free(wq->binds);
	kfree(wq->sge);
	kvfree(wq->free_tags);
	wq->wr_id = NULL;
	wq->done = NULL;
	wq->binds = NULL;
	wq->sge = NULL;
	wq->free_tags = NULL;
}

int xenib_be_wq_init(struct xenib_be *be, struct xenib_be_wq *wq,
		     struct xenib_be_queue *queue, bool send, u32 max_posted,
		     u32 max_sge)
{
	u32 slots = queue->index_mask + 1;
	int err;

	wq->queue = queue;
	wq->send = send;
	wq->max_posted = min(max_posted, queue->index_mask);
	wq->max_sge = max_sge;
	/* The guest's indices run on from wherever its ring starts. */
	wq->head = READ_ONCE(*xenib_be_queue_index(queue,
						   XENIB_QUEUE_CONS_OFFSET));
	wq->tail = wq->head;
	wq->wr_id = kvcalloc(slots, sizeof(*wq->wr_id), GFP_KERNEL);
	wq->done = send ? NULL : bitmap_zalloc(slots, GFP_KERNEL);
	wq->binds = send ? bitmap_zalloc(slots, GFP_KERNEL) : NULL;
	wq->sge = kcalloc(max(max_sge, 1U), sizeof(*wq->sge), GFP_KERNEL);
	if (!wq->wr_id || (!send && !wq->done) || (send && !wq->binds) ||
	    !wq->sge) {
		err = -ENOMEM;
		goto fail;
	}
	if (wq->shared) {
		u32 i;

		wq->free_tags = kvcalloc(wq->max_posted,
					 sizeof(*wq->free_tags), GFP_KERNEL);
		if (!wq->free_tags) {
			err = -ENOMEM;
			goto fail;
		}
		for (i = 0; i < wq->max_posted; i++)
			wq->free_tags[i] = wq->max_posted - 1 - i;
		wq->nr_free_tags = wq->max_posted;
	}
	err = xa_alloc_cyclic(&be->wqs, &wq->id, wq, xa_limit_32b,
			      &be->next_wq_id, GFP_KERNEL);
	if (err < 0)
		goto fail;
	return 0;
fail:
	xenib_be_wq_free(wq);
	return err;
}

void xenib_be_wq_destroy(struct xenib_be *be, struct xenib_be_wq *wq)
{
	if (!wq->wr_id)
		return;
	xa_erase(&be->wqs, wq->id);
	xenib_be_wq_free(wq);
}

static void xenib_be_wq_publish(struct xenib_be_wq *wq)
{
	/* The guest may reuse the slots once it sees them retired. */
	smp_store_release(xenib_be_queue_index(wq->queue,
					       XENIB_QUEUE_CONS_OFFSET),
			  wq->tail & wq->queue->index_mask);
}

/* The real queue dropped everything posted (QP reset). */
void xenib_be_wq_reset(struct xenib_be_wq *wq)
{
	if (!wq->wr_id)
		return;
	wq->tail = wq->head;
	if (wq->done)
		bitmap_zero(wq->done, wq->queue->index_mask + 1);
	wq->broken = false;
	xenib_be_wq_publish(wq);
}

/*
 * How many elements the guest has produced and we have not posted, or -1
 * if its producer index is impossible.  Ring indices are kept masked (as
 * rxe does); ours run freely and are masked when compared or published.
 */
static int xenib_be_wq_pending(struct xenib_be_wq *wq)
{
	/* The elements before the index that publishes them. */
	u32 prod = smp_load_acquire(xenib_be_queue_index(wq->queue,
						XENIB_QUEUE_PROD_OFFSET));

	return xenib_ring_pending(prod, wq->queue->index_mask, wq->head,
				  wq->tail);
}

/* Retire guest index @idx of @wq; false if it is not posted. */
static bool xenib_be_wq_retire(struct xenib_be_wq *wq, u32 idx)
{
	u32 mask = wq->queue->index_mask;

	if (idx - wq->tail >= wq->head - wq->tail)
		return false;
	if (wq->send) {
		/* Unsignaled work before a completion is retired with it. */
		wq->tail = idx + 1;
	} else {
		set_bit(idx & mask, wq->done);
		while (wq->tail != wq->head && test_bit(wq->tail & mask,
							 wq->done)) {
			clear_bit(wq->tail & mask, wq->done);
			wq->tail++;
		}
	}
	xenib_be_wq_publish(wq);
	return true;
}

/*
 * The guest's wr_id of @wq's real work request @idx (a slot, or an SRQ's
 * tag), which has completed: retire it.  False if it is not posted.
 */
static bool xenib_be_wq_complete(struct xenib_be_wq *wq, u32 idx, u64 *wr_id)
{
	u32 mask = wq->queue->index_mask;

	if (wq->shared) {
		if (idx >= wq->max_posted || !test_bit(idx, wq->done))
			return false;
		clear_bit(idx, wq->done);
		wq->free_tags[wq->nr_free_tags++] = idx;
		*wr_id = wq->wr_id[idx];
		return true;
	}
	*wr_id = wq->wr_id[idx & mask];
	return xenib_be_wq_retire(wq, idx);
}

static inline u64 xenib_be_wr_id(struct xenib_be_wq *wq, u32 idx)
{
	return (u64)wq->id << 32 | idx;
}

/* Whether @wq may post one more real work request. */
static bool xenib_be_wq_room(struct xenib_be_wq *wq)
{
	return wq->shared ? wq->nr_free_tags > 0 :
			    wq->head - wq->tail < wq->max_posted;
}

/* What names guest index @idx of @wq in its real work request. */
static u32 xenib_be_wq_real_idx(struct xenib_be_wq *wq, u32 idx)
{
	return wq->shared ? wq->free_tags[wq->nr_free_tags - 1] : idx;
}

/*
 * Guest index @idx of @wq went to the real queue as @real (from
 * xenib_be_wq_real_idx()) with the guest's @wr_id; an SRQ gives the slot
 * back to the guest at once, as rxe does when a message takes it.
 */
static void xenib_be_wq_posted(struct xenib_be_wq *wq, u32 idx, u32 real,
			       u64 wr_id)
{
	wq->head++;
	if (!wq->shared) {
		wq->wr_id[idx & wq->queue->index_mask] = wr_id;
		return;
	}
	wq->nr_free_tags--;
	set_bit(real, wq->done);
	wq->wr_id[real] = wr_id;
	wq->tail = wq->head;
	xenib_be_wq_publish(wq);
}

/*
 * Check the @num_sge SGEs at @sge (from the guest) against this guest's
 * MRs in @pd and copy them to @wq->sge.  Returns the IB_WC_* status a
 * real device gives a work request with such SGEs.  @num_sge has passed
 * xenib_check_send_wqe() or xenib_check_recv_wqe(): @wq->sge holds it.
 */
static int xenib_be_check_sges(struct xenib_be *be, struct xenib_be_wq *wq,
			       struct xenib_be_pd *pd,
			       const struct rxe_sge *sge, u32 num_sge,
			       bool write)
{
	int status;
	u32 i;

	for (i = 0; i < num_sge; i++) {
		struct xenib_be_mr *mr;

		/*
		 * Only keys of the guest's own MRs: the real PD also holds
		 * keys of the backend's (the all-memory DMA MR of kernel PDs
		 * on devices without a local DMA lkey).
		 */
		mr = xa_load(&be->mr_keys, sge[i].lkey);
		if (!mr || mr->pd != pd)
			return IB_WC_LOC_PROT_ERR;
		status = xenib_check_sge(&sge[i], mr->iova, mr->length,
					 mr->access, write);
		if (status)
			return status;
		wq->sge[i].addr = sge[i].addr;
		wq->sge[i].length = sge[i].length;
		wq->sge[i].lkey = sge[i].lkey;
	}
	return IB_WC_SUCCESS;
}

/* Write one completion into @cq's guest ring, if there is room. */
static bool xenib_be_cq_push(struct xenib_be_cq *cq,
			     const struct ib_uverbs_wc *uwc)
{
	struct xenib_be_queue *q = cq->queue;
	u32 cons = READ_ONCE(*xenib_be_queue_index(q, XENIB_QUEUE_CONS_OFFSET));

	/* A full ring: wait for the guest. */
	if (((q->prod - cons) & q->index_mask) == q->index_mask)
		return false;
	xenib_be_queue_write(q, q->prod, uwc, sizeof(*uwc));
	q->prod++;
	return true;
}

static void xenib_be_cq_publish(struct xenib_be_cq *cq)
{
	/* Completions written before the index that publishes them. */
	smp_store_release(xenib_be_queue_index(cq->queue,
					       XENIB_QUEUE_PROD_OFFSET),
			  cq->queue->prod & cq->queue->index_mask);
}

/*
 * Complete @idx of @wq with @status in the engine: a work request the real
 * device never saw.  Only once everything before it has retired, so the
 * guest sees completions in order.
 */
static bool xenib_be_fail_wqe(struct xenib_be *be, struct xenib_be_qp *qp,
			      struct xenib_be_wq *wq, u64 wr_id, int status,
			      enum ib_wc_opcode opcode)
{
	struct xenib_be_cq *cq = wq->send ? qp->send_cq : qp->recv_cq;
	struct ib_qp_attr attr = { .qp_state = IB_QPS_ERR };
	struct ib_uverbs_wc uwc = {
		.wr_id = wr_id,
		.status = status,
		.opcode = opcode,
		.qp_num = qp->qp->qp_num,
		.port_num = XENIB_GUEST_PORT,
	};

	if (wq->tail != wq->head || !xenib_be_cq_push(cq, &uwc))
		return false;
	xenib_be_cq_publish(cq);
	WRITE_ONCE(cq->fired, true);	/* errors notify solicited arms too */
	wq->head++;
	wq->tail++;
	xenib_be_wq_publish(wq);
	be->stats.bad_wqes++;
	/* As a real device does with a malformed work request. */
	if (qp->state != IB_QPS_ERR && !ib_modify_qp(qp->qp, &attr,
						      IB_QP_STATE))
		qp->state = IB_QPS_ERR;
	return true;
}

/* The guest moved @wq's producer index off its ring: fail the QP, once. */
static bool xenib_be_wq_break(struct xenib_be *be, struct xenib_be_qp *qp,
			      struct xenib_be_wq *wq)
{
	if (wq->broken)
		return false;
	wq->broken = xenib_be_fail_wqe(be, qp, wq, 0, IB_WC_LOC_QP_OP_ERR,
				       wq->send ? IB_WC_SEND : IB_WC_RECV);
	return wq->broken;
}

static enum ib_wc_opcode xenib_be_wc_opcode(u32 wr_opcode)
{
	switch (wr_opcode) {
	case IB_WR_RDMA_WRITE:
	case IB_WR_RDMA_WRITE_WITH_IMM:
		return IB_WC_RDMA_WRITE;
	case IB_WR_RDMA_READ:
		return IB_WC_RDMA_READ;
	case IB_WR_ATOMIC_CMP_AND_SWP:
		return IB_WC_COMP_SWAP;
	case IB_WR_ATOMIC_FETCH_AND_ADD:
		return IB_WC_FETCH_ADD;
	case IB_WR_BIND_MW:
		return IB_WC_BIND_MW;
	case IB_WR_LOCAL_INV:
		return IB_WC_LOCAL_INV;
	default:
		return IB_WC_SEND;
	}
}

union xenib_be_send_wr {
	struct ib_send_wr send;
	struct ib_rdma_wr rdma;
	struct ib_atomic_wr atomic;
	struct ib_ud_wr ud;
};

/* What a bind or local invalidation names; see mw.c. */
struct xenib_be_mw_op {
	struct xenib_be_mw *mw;
	struct xenib_be_mr *mr;
};

/*
 * The real work request that stands for the guest's bind or local
 * invalidation @g on @qp, which the backend carries out itself: a local
 * invalidation of the PD's placeholder, to complete in its place.
 */
static int xenib_be_build_local(struct xenib_be *be, struct xenib_be_qp *qp,
				const struct rxe_send_wr *g,
				struct ib_send_wr *wr, struct xenib_be_mw_op *op)
{
	int status;

	status = xenib_be_mw_prepare(be, qp, g, &op->mw, &op->mr);
	if (status)
		return status;
	wr->opcode = IB_WR_LOCAL_INV;
	wr->send_flags = g->send_flags & (IB_SEND_SIGNALED | IB_SEND_FENCE);
	wr->ex.invalidate_rkey = qp->pd->placeholder->lkey;
	return IB_WC_SUCCESS;
}

/*
 * Build the real work request for the guest's @wqe (a copy of one ring
 * element of @elem_size bytes) in @u, and for a bind or local
 * invalidation what it names in @op.  Returns an IB_WC_* status.
 */
static int xenib_be_build_send(struct xenib_be *be, struct xenib_be_qp *qp,
			       struct rxe_send_wqe *wqe, size_t elem_size,
			       union xenib_be_send_wr *u,
			       struct xenib_be_mw_op *op)
{
	struct xenib_be_wq *wq = &qp->swq;
	const struct rxe_send_wr *g = &wqe->wr;
	struct ib_send_wr *wr = &u->send;
	struct xenib_wq_limits lim = {
		.qp_type = qp->type,
		.max_sge = wq->max_sge,
		.max_inline = qp->max_inline,
		.atomics = be->hca->ibdev->attrs.atomic_cap != IB_ATOMIC_NONE,
		.windows = xenib_max_mws,
	};
	int status;

	memset(u, 0, sizeof(*u));
	op->mw = NULL;
	status = xenib_check_send_wqe(wqe, elem_size, &lim);
	if (status)
		return status;
	if (xenib_wqe_is_local(g->opcode))
		return xenib_be_build_local(be, qp, g, wr, op);
	wr->opcode = g->opcode;
	wr->send_flags = g->send_flags;
	wr->ex.imm_data = g->ex.imm_data;

	if (g->send_flags & IB_SEND_INLINE) {
		/* Devices copy inline data when it is posted. */
		wq->sge[0].addr = (uintptr_t)wqe->dma.inline_data;
		wq->sge[0].length = wqe->dma.length;
		wq->sge[0].lkey = 0;
		wr->sg_list = wq->sge;
		wr->num_sge = wqe->dma.length ? 1 : 0;
	} else {
		status = xenib_be_check_sges(be, wq, qp->pd, wqe->dma.sge,
					     wqe->dma.num_sge,
					     xenib_wr_writes_local(g->opcode));
		if (status)
			return status;
		wr->sg_list = wq->sge;
		wr->num_sge = wqe->dma.num_sge;
	}

	switch (g->opcode) {
	case IB_WR_RDMA_WRITE:
	case IB_WR_RDMA_WRITE_WITH_IMM:
	case IB_WR_RDMA_READ:
		u->rdma.remote_addr = g->wr.rdma.remote_addr;
		u->rdma.rkey = g->wr.rdma.rkey;
		break;
	case IB_WR_ATOMIC_CMP_AND_SWP:
	case IB_WR_ATOMIC_FETCH_AND_ADD:
		u->atomic.remote_addr = g->wr.atomic.remote_addr;
		u->atomic.compare_add = g->wr.atomic.compare_add;
		u->atomic.swap = g->wr.atomic.swap;
		u->atomic.rkey = g->wr.atomic.rkey;
		break;
	default:
		if (qp->type == IB_QPT_UD) {
			struct xenib_be_ah *ah;

			/* The guest was told AH handles as ah_num. */
			ah = xa_load(&be->ahs, g->wr.ud.ah_num);
			if (!ah || ah->pd != qp->pd)
				return IB_WC_LOC_QP_OP_ERR;
			u->ud.ah = ah->ah;
			u->ud.remote_qpn = g->wr.ud.remote_qpn;
			u->ud.remote_qkey = g->wr.ud.remote_qkey;
			u->ud.pkey_index = g->wr.ud.pkey_index;
		}
		break;
	}
	return IB_WC_SUCCESS;
}

/*
 * The real device failed a bind or local invalidation the guest's QP has
 * a placeholder for: as a device that fails one, put the QP in error, so
 * the placeholder and what follows complete with an error.
 */
static void xenib_be_mw_failed(struct xenib_be *be, struct xenib_be_qp *qp)
{
	struct ib_qp_attr attr = { .qp_state = IB_QPS_ERR };

	be->stats.bad_wqes++;
	if (!ib_modify_qp(qp->qp, &attr, IB_QP_STATE))
		qp->state = IB_QPS_ERR;
}

static bool xenib_be_feed_sq(struct xenib_be *be, struct xenib_be_qp *qp)
{
	struct xenib_be_wq *wq = &qp->swq;
	size_t elem_size = 1U << wq->queue->log2_elem_size;
	struct rxe_send_wqe *wqe = be->wqe_buf;
	union xenib_be_send_wr u;
	struct xenib_be_mw_op op;
	bool work = false;
	int pending;

	/* As rxe: work is taken from RTS on, and flushed in ERR. */
	if (qp->state < IB_QPS_RTS)
		return false;
	pending = wq->seen;
	wq->seen = 0;
	if (pending < 0)
		return xenib_be_wq_break(be, qp, wq);
	while (pending-- > 0 && wq->head - wq->tail < wq->max_posted) {
		u32 idx = wq->head;
		int status;

		xenib_be_queue_read(wq->queue, idx, wqe, elem_size);
		status = xenib_be_build_send(be, qp, wqe, elem_size, &u, &op);
		if (status) {
			if (!xenib_be_fail_wqe(be, qp, wq, wqe->wr.wr_id,
					       status,
					       xenib_be_wc_opcode(wqe->wr.opcode)))
				break;
			work = true;
			continue;
		}
		u.send.wr_id = xenib_be_wr_id(wq, idx);
		/* Busy (a full real queue): leave it in the ring for later. */
		if (ib_post_send(qp->qp, &u.send, NULL))
			break;
		wq->wr_id[idx & wq->queue->index_mask] = wqe->wr.wr_id;
		assign_bit(idx & wq->queue->index_mask, wq->binds,
			   wqe->wr.opcode == IB_WR_BIND_MW);
		if (op.mw && xenib_be_mw_execute(be, &wqe->wr, op.mw, op.mr))
			xenib_be_mw_failed(be, qp);
		wq->head++;
		be->stats.sends_posted++;
		work = true;
	}
	return work;
}

/* Post the receives the guest produced in @wq to @qp's RQ or @srq. */
static bool xenib_be_feed_recv(struct xenib_be *be, struct xenib_be_wq *wq,
			       struct xenib_be_pd *pd, struct xenib_be_qp *qp,
			       struct xenib_be_srq *srq)
{
	size_t elem_size = 1U << wq->queue->log2_elem_size;
	struct rxe_recv_wqe *wqe = be->wqe_buf;
	bool work = false;
	int pending;

	/* A receive queue takes work from INIT on. */
	if (qp && qp->state == IB_QPS_RESET)
		return false;
	pending = xenib_be_wq_pending(wq);
	if (pending < 0)	/* an SRQ's owner only starves itself */
		return qp ? xenib_be_wq_break(be, qp, wq) : false;
	while (pending-- > 0 && xenib_be_wq_room(wq)) {
		u32 idx = wq->head, real;
		struct ib_recv_wr wr = {};
		u32 num_sge;
		int status, err;

		xenib_be_queue_read(wq->queue, idx, wqe, elem_size);
		num_sge = wqe->dma.num_sge;
		status = xenib_check_recv_wqe(wqe, elem_size, wq->max_sge);
		if (!status)
			status = xenib_be_check_sges(be, wq, pd, wqe->dma.sge,
						     num_sge, true);
		if (status) {
			if (qp) {
				if (!xenib_be_fail_wqe(be, qp, wq, wqe->wr_id,
						       status, IB_WC_RECV))
					break;
			} else {
				/* No QP to fail: drop it, as it fails. */
				if (wq->tail != wq->head)
					break;
				wq->head++;
				wq->tail++;
				xenib_be_wq_publish(wq);
				be->stats.bad_wqes++;
			}
			work = true;
			continue;
		}
		real = xenib_be_wq_real_idx(wq, idx);
		wr.wr_id = xenib_be_wr_id(wq, real);
		wr.sg_list = wq->sge;
		wr.num_sge = num_sge;
		err = srq ? ib_post_srq_recv(srq->srq, &wr, NULL) :
			    ib_post_recv(qp->qp, &wr, NULL);
		if (err)
			break;
		xenib_be_wq_posted(wq, idx, real, wqe->wr_id);
		be->stats.recvs_posted++;
		work = true;
	}
	return work;
}

/*
 * Turn the real @wc into the guest's completion; false to drop it.  A
 * completion of the destroyed QP @gone still retires its SRQ element, but
 * the QP is only compared with, never dereferenced.
 */
static bool xenib_be_translate_wc(struct xenib_be *be, const struct ib_wc *wc,
				  struct ib_uverbs_wc *uwc, struct ib_qp *gone)
{
	struct xenib_be_wq *wq;
	u32 idx = (u32)wc->wr_id;

	wq = xa_load(&be->wqs, wc->wr_id >> 32);
	if (!wq)
		return false;	/* its QP or SRQ is gone */
	memset(uwc, 0, sizeof(*uwc));
	if (!xenib_be_wq_complete(wq, idx, &uwc->wr_id))
		return false;	/* posted before a reset */
	if (wc->qp == gone)
		return false;
	uwc->status = wc->status;
	uwc->opcode = wc->opcode;
	/* A bind completes as the placeholder that stood for it. */
	if (wq->binds && test_bit(idx & wq->queue->index_mask, wq->binds))
		uwc->opcode = IB_WC_BIND_MW;
	if (wc->wc_flags & IB_WC_WITH_INVALIDATE)
		xenib_be_mw_invalidated(be, wc->ex.invalidate_rkey);
	uwc->vendor_err = wc->vendor_err;
	uwc->byte_len = wc->byte_len;
	uwc->ex.imm_data = wc->ex.imm_data;
	uwc->qp_num = wc->qp->qp_num;
	uwc->src_qp = wc->src_qp;
	uwc->wc_flags = wc->wc_flags & XENIB_WC_FLAGS;
	uwc->pkey_index = wc->pkey_index;
	uwc->slid = wc->slid;
	uwc->sl = wc->sl;
	uwc->dlid_path_bits = wc->dlid_path_bits;
	uwc->port_num = XENIB_GUEST_PORT;
	return true;
}

/* Clear the guest's arm word if it is still @arm and tell the guest. */
static void xenib_be_cq_notify(struct xenib_be *be, struct xenib_be_cq *cq,
			       u32 arm)
{
	u32 *word = xenib_be_queue_index(cq->queue, XENIB_QUEUE_CQ_ARM_OFFSET);

	if (cmpxchg(word, arm, XENIB_CQ_ARM_NONE) != arm)
		return;
	be->stats.cq_events++;
	xenib_be_post_event(be, XENIB_EVT_CQ, cq->handle, 0);
}

/*
 * Move completions from the real CQ to the guest's ring, tell the guest
 * if it armed the CQ, and keep the real CQ armed so the engine hears of
 * completions while it sleeps.  With @gone (a QP just destroyed) the real
 * CQ is emptied whatever room the guest has: nothing of @gone may stay.
 */
static bool xenib_be_poll_cq(struct xenib_be *be, struct xenib_be_cq *cq,
			     struct ib_qp *gone)
{
	u32 *word = xenib_be_queue_index(cq->queue, XENIB_QUEUE_CQ_ARM_OFFSET);
	struct ib_wc wc[XENIB_POLL_BATCH];
	struct ib_uverbs_wc uwc;
	unsigned int written = 0, lost = 0;
	bool work = false;
	u32 arm;
	int n, i;

	for (;;) {
		struct xenib_be_queue *q = cq->queue;
		u32 cons = READ_ONCE(*xenib_be_queue_index(q,
						XENIB_QUEUE_CONS_OFFSET));
		u32 room = q->index_mask - ((q->prod - cons) & q->index_mask);

		/* Take no more than the guest's ring can hold. */
		if (!gone)
			room = min_t(u32, room, XENIB_POLL_BATCH);
		else
			room = XENIB_POLL_BATCH;
		cq->backlog = !room;
		n = room ? ib_poll_cq(cq->cq, room, wc) : 0;
		if (n <= 0)
			break;
		work = true;
		for (i = 0; i < n; i++) {
			if (!xenib_be_translate_wc(be, &wc[i], &uwc, gone))
				continue;
			if (xenib_be_cq_push(cq, &uwc))
				written++;
			else
				lost++;
		}
	}
	if (written) {
		be->stats.completions += written;
		xenib_be_cq_publish(cq);
	}
	if (lost)	/* as a real CQ that overruns */
		xenib_be_post_event(be, XENIB_EVT_CQ_ASYNC, cq->handle,
				    IB_EVENT_CQ_ERR);

	/* Completions in the ring before the arm word is looked at. */
	smp_mb();
	arm = READ_ONCE(*word);
	if (arm != XENIB_CQ_ARM_NONE)
		cq->solicited = arm == XENIB_CQ_ARM_SOLICITED;
	if (xchg(&cq->fired, false)) {
		cq->armed = false;
		/*
		 * Armed for solicited completions, the real CQ fires for
		 * those (and errors) only.  Armed for any, it cannot say
		 * which it was: then the guest may get an extra event.
		 */
		if (arm != XENIB_CQ_ARM_NONE)
			xenib_be_cq_notify(be, cq, arm);
	} else if (written && arm == XENIB_CQ_ARM_NEXT) {
		xenib_be_cq_notify(be, cq, arm);
	}
	if (!cq->armed && !gone) {
		/*
		 * Arm for what the guest last asked for, expecting it to ask
		 * again: unsolicited completions then only wait for the
		 * engine's next look.
		 */
		cq->armed = true;
		if (ib_req_notify_cq(cq->cq, (cq->solicited ? IB_CQ_SOLICITED :
						IB_CQ_NEXT_COMP) |
				     IB_CQ_REPORT_MISSED_EVENTS) > 0) {
			/* Completions came meanwhile: look again. */
			WRITE_ONCE(cq->fired, true);
			work = true;
		}
	}
	return work;
}

/*
 * Move what @cq's real CQ holds now.  With @gone, a QP just destroyed:
 * its completions must not be looked at later (the real QP is gone), so
 * the real CQ is emptied, dropping them.
 */
void xenib_be_drain_cq(struct xenib_be *be, struct xenib_be_cq *cq,
		       struct ib_qp *gone)
{
	xenib_be_poll_cq(be, cq, gone);
}

/*
 * Whether the real CQ may hold completions the engine has not taken: it
 * fired, or is not armed, or is armed for solicited completions only (the
 * others come unheard), or the guest's ring had no room at the last look.
 * An armed CQ that has not fired holds nothing new: a pass need not look.
 */
static bool xenib_be_cq_may_hold(struct xenib_be_cq *cq)
{
	return READ_ONCE(cq->fired) || !cq->armed || cq->solicited ||
	       cq->backlog;
}

/*
 * One pass over the guest's queues; whether there was work.  Natively a
 * receive is on the device when post_recv returns, so a send posted after
 * it, on any QP, finds it there (UD drops a datagram that finds none).
 * The guest publishes a receive before a later send's producer index, but
 * the rxe ABI gives post_recv no doorbell: so the pass reads every send
 * queue's producer index first, then takes all receives, and only then
 * the sends it read.  Sends published meanwhile wait for the next pass,
 * behind their receives.  A look (@full false) is what a sleeping engine
 * does when only time woke it: receives, and the real CQs that may hold
 * completions unheard.  Sends need no look: while the engine sleeps,
 * backend_polling is clear and every send comes with a doorbell.
 */
static bool xenib_be_engine_pass(struct xenib_be *be, bool full)
{
	struct xenib_be_srq *srq;
	struct xenib_be_qp *qp;
	struct xenib_be_cq *cq;
	unsigned long handle;
	bool work = false;

	lockdep_assert_held(&be->lock);

	if (!be->hca)
		return false;
	if (full)
		xa_for_each(&be->qps, handle, qp)
			qp->swq.seen = qp->state < IB_QPS_RTS ? 0 :
				       xenib_be_wq_pending(&qp->swq);
	xa_for_each(&be->qps, handle, qp)
		if (!qp->srq)
			work |= xenib_be_feed_recv(be, &qp->rwq, qp->pd, qp,
						   NULL);
	xa_for_each(&be->srqs, handle, srq)
		work |= xenib_be_feed_recv(be, &srq->wq, srq->pd, NULL, srq);
	if (full)
		xa_for_each(&be->qps, handle, qp)
			work |= xenib_be_feed_sq(be, qp);
	xa_for_each(&be->cqs, handle, cq)
		if (xenib_be_cq_may_hold(cq))
			work |= xenib_be_poll_cq(be, cq, NULL);
	return work;
}

/* Sends posted to the real device whose completions go to @cq, not retired. */
static bool xenib_be_cq_has_sends(struct xenib_be *be, struct xenib_be_cq *cq)
{
	struct xenib_be_qp *qp;
	unsigned long handle;

	xa_for_each(&be->qps, handle, qp)
		if (qp->send_cq == cq && qp->swq.head != qp->swq.tail)
			return true;
	return false;
}

/*
 * Before @cq is resized: natively the work a process posted is on the
 * device when post_send returns, and a software device such as rxe
 * completes it within microseconds, so a resize shortly after sees those
 * completions (and fails with EINVAL if they outnumber the new size).
 * Here the engine may not have taken that work yet: take it now and give
 * the device XENIB_SETTLE_MS to complete the sends, polling @cq meanwhile.
 * Unsignaled work may never show and only costs the wait.
 */
void xenib_be_engine_settle(struct xenib_be *be, struct xenib_be_cq *cq)
{
	unsigned long end = jiffies + msecs_to_jiffies(XENIB_SETTLE_MS);

	lockdep_assert_held(&be->lock);
	xenib_be_engine_pass(be, true);
	while (xenib_be_cq_has_sends(be, cq) && time_before(jiffies, end)) {
		usleep_range(50, 200);
		xenib_be_poll_cq(be, cq, NULL);
	}
}

static irqreturn_t xenib_be_data_interrupt(int irq, void *dev_id)
{
	struct xenib_be *be = dev_id;

	WRITE_ONCE(be->kick_pending, true);
	wake_up(&be->engine_wq);
	return IRQ_HANDLED;
}

/*
 * Receives at the real device, and none in the guest's ring that the
 * engine could have posted and did not (one waiting to be failed into a
 * full CQ, or a broken queue).
 */
static bool xenib_be_wq_stocked(struct xenib_be_wq *wq)
{
	u32 at_device = wq->shared ? wq->max_posted - wq->nr_free_tags :
				     wq->head - wq->tail;
	int pending = xenib_be_wq_pending(wq);

	return at_device && !wq->broken &&
	       (!pending || (pending > 0 && !xenib_be_wq_room(wq)));
}

/*
 * Whether the engine may sleep until something wakes it, rather than look
 * again every idle_ms.  Receives come without a doorbell, so a sleeping
 * engine sees one only when it next runs.  That is soon enough on a queue
 * that has receives at the real device: the message that takes the first
 * of them completes, the completion wakes the engine, and the engine
 * posts what the guest added before it looks at anything else.  A queue
 * with none must be looked at, as the next message needs the receive the
 * guest posts next.  Completions wake the engine only while every real CQ
 * is armed for any completion and none was left holding completions the
 * guest's ring had no room for; sends the engine could post but did not
 * (waiting to be failed into a full CQ) have no doorbell to come either.
 */
static bool xenib_be_engine_may_sleep(struct xenib_be *be)
{
	struct xenib_be_srq *srq;
	struct xenib_be_qp *qp;
	struct xenib_be_cq *cq;
	unsigned long handle;
	int pending;

	lockdep_assert_held(&be->lock);

	xa_for_each(&be->cqs, handle, cq)
		if (cq->solicited || cq->backlog)
			return false;
	xa_for_each(&be->qps, handle, qp) {
		/* RESET takes no work; leaving it wakes the engine. */
		if (qp->state == IB_QPS_RESET)
			continue;
		if (!qp->srq && !xenib_be_wq_stocked(&qp->rwq))
			return false;
		pending = qp->state < IB_QPS_RTS ? 0 :
			  xenib_be_wq_pending(&qp->swq);
		if (pending && (pending < 0 || xenib_be_wq_room(&qp->swq)))
			return false;
	}
	xa_for_each(&be->srqs, handle, srq)
		if (!xenib_be_wq_stocked(&srq->wq))
			return false;
	return true;
}

/*
 * One engine pass (or look, without @full); with @may_sleep, also whether
 * the engine may then sleep until woken (if it found no work).
 */
static bool xenib_be_engine_run(struct xenib_be *be, bool full,
				bool *may_sleep)
{
	bool work;

	mutex_lock(&be->lock);
	work = xenib_be_engine_pass(be, full);
	be->stats.engine_passes++;
	if (may_sleep)
		*may_sleep = !work && xenib_be_engine_may_sleep(be);
	mutex_unlock(&be->lock);
	return work;
}

static void xenib_be_set_polling(struct xenib_be *be, bool on)
{
	WRITE_ONCE(be->evt->backend_polling, on);
	/* Pairs with the frontend's barrier between producing and reading. */
	smp_mb();
}

static int xenib_be_engine_thread(void *arg)
{
	struct xenib_be *be = arg;
	u64 last_work = ktime_get_ns(), awake = last_work;
	long timeout;

	/*
	 * Like a high-priority kworker: a doorbell or a completion should
	 * get the CPU from a process that busy-polls its CQ, as the softirq
	 * work of a native device would.
	 */
	set_user_nice(current, MIN_NICE);
	xenib_be_set_polling(be, true);
	while (!kthread_should_stop()) {
		bool kicked = xchg(&be->kick_pending, false);
		bool work, may_sleep, woken;
		u64 now;

		WRITE_ONCE(be->engine_wake, false);
		work = xenib_be_engine_run(be, true, NULL);
		if (kicked) {
			be->stats.kicks++;
			if (!work)
				be->stats.spurious_kicks++;
			/* Tell Xen about storms of empty kicks. */
			xen_irq_lateeoi(be->data_irq,
					work ? 0 : XEN_EOI_FLAG_SPURIOUS);
		}
		now = ktime_get_ns();
		if (work)
			last_work = now;
		if (xenib_engine_mode == XENIB_ENGINE_POLL ||
		    (xenib_engine_mode == XENIB_ENGINE_ADAPTIVE &&
		     now - last_work < (u64)xenib_poll_us * NSEC_PER_USEC)) {
			cond_resched();
			continue;
		}

		/* Going to sleep: no doorbell may be lost (xenibif.h). */
		xenib_be_set_polling(be, false);
		if (xenib_be_engine_run(be, true, &may_sleep) ||
		    READ_ONCE(be->engine_wake)) {
			xenib_be_set_polling(be, true);
			last_work = ktime_get_ns();
			continue;
		}
		/*
		 * Asleep until a doorbell, a completion or new work, looking
		 * every idle_ms meanwhile unless nothing can be missed.
		 */
		do {
			now = ktime_get_ns();
			be->stats.engine_busy_ns += now - awake;
			if (xenib_idle_sleep_ms && may_sleep &&
			    now - last_work >=
			    (u64)xenib_idle_sleep_ms * NSEC_PER_MSEC)
				timeout = MAX_SCHEDULE_TIMEOUT;
			else if (xa_empty(&be->qps) && xa_empty(&be->srqs))
				timeout = MAX_SCHEDULE_TIMEOUT;
			else
				timeout = msecs_to_jiffies(xenib_idle_ms);
			wait_event_interruptible_timeout(be->engine_wq,
							 READ_ONCE(be->kick_pending) ||
							 READ_ONCE(be->engine_wake) ||
							 kthread_should_stop(),
							 timeout);
			awake = ktime_get_ns();
			be->stats.engine_wakeups++;
			woken = READ_ONCE(be->kick_pending) ||
				READ_ONCE(be->engine_wake) ||
				kthread_should_stop();
		} while (!woken && !xenib_be_engine_run(be, false, &may_sleep));
		if (!woken)	/* the look found receives */
			last_work = awake;
		xenib_be_set_polling(be, true);
	}
	be->stats.engine_busy_ns += ktime_get_ns() - awake;
	xenib_be_set_polling(be, false);
	return 0;
}

/* Start the engine of a connecting @be; the rings are mapped. */
int xenib_be_engine_start(struct xenib_be *be, unsigned int evtchn)
{
	int err;

	be->wqe_buf = kmalloc(1U << XENIB_QUEUE_MAX_ELEM_LOG2, GFP_KERNEL);
	if (!be->wqe_buf)
		return -ENOMEM;
	err = bind_interdomain_evtchn_to_irqhandler_lateeoi(be->dev, evtchn,
							    xenib_be_data_interrupt,
							    0, DRV_NAME "-data",
							    be);
	if (err < 0) {
		xenbus_dev_fatal(be->dev, err, "binding data event channel %u",
				 evtchn);
		return err;
	}
	be->data_irq = err;

	INIT_IB_EVENT_HANDLER(&be->event_handler, be->hca->ibdev,
			      xenib_be_port_event);
	ib_register_event_handler(&be->event_handler);
	be->event_handler_registered = true;

	be->engine = kthread_run(xenib_be_engine_thread, be, "xenib-eng/%u.%s",
				 be->domid,
				 strrchr(be->dev->nodename, '/') + 1);
	if (IS_ERR(be->engine)) {
		err = PTR_ERR(be->engine);
		be->engine = NULL;
		xenbus_dev_fatal(be->dev, err, "starting the engine");
		return err;
	}
	return 0;
}

/* No more port events: the device goes away. */
void xenib_be_engine_unhook(struct xenib_be *be)
{
	lockdep_assert_held(&be->lock);

	if (be->event_handler_registered) {
		ib_unregister_event_handler(&be->event_handler);
		be->event_handler_registered = false;
	}
}

/* Stop the engine; the caller then releases the objects and the rings. */
void xenib_be_engine_stop(struct xenib_be *be)
{
	if (be->engine) {
		kthread_stop(be->engine);
		be->engine = NULL;
	}
	mutex_lock(&be->lock);
	xenib_be_engine_unhook(be);
	mutex_unlock(&be->lock);
	if (be->data_irq) {
		unbind_from_irqhandler(be->data_irq, be);
		be->data_irq = 0;
	}
	kfree(be->wqe_buf);
	be->wqe_buf = NULL;
}
