// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibfront: verbs for consumers in the guest kernel.
 *
 * A kernel QP or CQ has the same rings in guest memory as a process's, and
 * the backend cannot tell them apart: here the frontend writes rxe-format
 * work requests and reads rxe-format completions, as the rxe provider does
 * in user space.
 *
 * Kernel consumers address memory by pd->local_dma_lkey and kernel
 * addresses, which the backend cannot take from a guest (it would be a key
 * to all of Dom0's memory).  So each kernel QP owns a bounce buffer
 * registered with the backend, one page per ring slot: the data a work
 * request sends is gathered into its slot's page when it is posted, and
 * what comes back (received messages, RDMA READ data, atomics' old values)
 * is scattered out of it when the completion is polled.  One work request
 * thus carries at most a page through local_dma_lkey; bulk kernel ULPs
 * register their buffers (fast registration, not here yet).  A slot is
 * reused only once its completion has been polled, so its page is never
 * overwritten before it has been read.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <rdma/ib_verbs.h>
#include <rdma/rdma_user_rxe.h>
#include "common.h"
#include <xenib/rules.h>

/* Where the bounce MR sits in the backend's view; any page-aligned iova. */
#define XENIB_BOUNCE_IOVA	(1ULL << 32)
/* Marks a receive in the ring's wr_id: error completions have no opcode. */
#define XENIB_KWR_RECV		BIT_ULL(63)

int xenib_kqueue_map(struct xenib_fe_queue *q)
{
	q->kva = vmap(q->pages, q->nr_pages, VM_MAP, PAGE_KERNEL);
	return q->kva ? 0 : -ENOMEM;
}

static inline u32 xenib_kq_mask(const struct xenib_fe_queue *q)
{
	return (1U << q->log2_slots) - 1;
}

static inline u32 *xenib_kq_index(const struct xenib_fe_queue *q,
				  unsigned int offset)
{
	return q->kva + offset;
}

static inline void *xenib_kq_elem(const struct xenib_fe_queue *q, u32 idx)
{
	return q->kva + xenib_queue_elem_offset(q->log2_elem_size,
						xenib_kq_mask(q), idx);
}

static int xenib_kwq_init(struct xenib_kwq *wq, unsigned int slots,
			  u32 max_sge, unsigned int first_page)
{
	spin_lock_init(&wq->lock);
	wq->max_sge = max_sge;
	wq->first_page = first_page;
	wq->wrs = kvcalloc(slots, sizeof(*wq->wrs), GFP_KERNEL);
	wq->sges = kvcalloc((size_t)slots * max(max_sge, 1U),
			    sizeof(*wq->sges), GFP_KERNEL);
	return wq->wrs && wq->sges ? 0 : -ENOMEM;
}

/* Set up @qp, just created in the backend, for kernel verbs. */
int xenib_kqp_init(struct xenib_qp *qp)
{
	unsigned int sq_slots = 1U << qp->sq.log2_slots;
	unsigned int rq_slots = 1U << qp->rq.log2_slots;
	struct xenib_mr *bounce;
	int err;

	qp->kernel = true;
	err = xenib_kqueue_map(&qp->sq);
	if (!err)
		err = xenib_kqueue_map(&qp->rq);
	if (!err)
		err = xenib_kwq_init(&qp->ksq, sq_slots, qp->cap.max_send_sge,
				     0);
	if (!err)
		err = xenib_kwq_init(&qp->krq, rq_slots, qp->cap.max_recv_sge,
				     sq_slots);
	if (err)
		return err;
	bounce = xenib_fe_kernel_mr(qp->ibqp.pd, sq_slots + rq_slots,
				    XENIB_BOUNCE_IOVA);
	if (IS_ERR(bounce))
		return PTR_ERR(bounce);
	qp->bounce = bounce;
	return 0;
}

/* After the backend destroyed the QP. */
void xenib_kqp_free(struct xenib_qp *qp)
{
	if (qp->bounce)
		xenib_fe_kernel_mr_free(qp->bounce);
	qp->bounce = NULL;
	kvfree(qp->ksq.wrs);
	kvfree(qp->ksq.sges);
	kvfree(qp->krq.wrs);
	kvfree(qp->krq.sges);
}

/* The QP went to RESET: the backend dropped what was posted. */
void xenib_kqp_reset(struct xenib_qp *qp)
{
	struct xenib_kwq *wqs[] = { &qp->ksq, &qp->krq };
	unsigned long flags;
	int i;

	for (i = 0; i < ARRAY_SIZE(wqs); i++) {
		spin_lock_irqsave(&wqs[i]->lock, flags);
		/* Pairs with xenib_kwq_full(): every slot is free again. */
		smp_store_release(&wqs[i]->tail, wqs[i]->head);
		spin_unlock_irqrestore(&wqs[i]->lock, flags);
	}
}

static inline struct page *xenib_kbounce_page(struct xenib_qp *qp,
					      struct xenib_kwq *wq, u32 slot)
{
	return qp->bounce->pages[wq->first_page + slot];
}

static inline u64 xenib_kbounce_iova(struct xenib_kwq *wq, u32 slot)
{
	return XENIB_BOUNCE_IOVA + ((u64)(wq->first_page + slot) << PAGE_SHIFT);
}

/*
 * The total length of @num_sge SGEs, and whether they go through the
 * bounce buffer: all of them name local_dma_lkey, or none does (then the
 * backend checks their keys as a process's).
 */
static int xenib_ksge_len(const struct ib_sge *sge, int num_sge,
			  bool is_inline, u32 *len, bool *bounce)
{
	int i, local = 0;
	u64 total = 0;

	for (i = 0; i < num_sge; i++) {
		total += sge[i].length;
		local += sge[i].lkey == XENIB_LOCAL_DMA_LKEY;
	}
	if (local && local != num_sge && !is_inline)
		return -EINVAL;
	*bounce = is_inline || (num_sge && local == num_sge);
	if (total > (*bounce ? PAGE_SIZE : U32_MAX))
		return -EINVAL;
	*len = total;
	return 0;
}

static void xenib_kgather(void *dst, const struct ib_sge *sge, int num_sge)
{
	int i;

	for (i = 0; i < num_sge; i++) {
		memcpy(dst, (void *)(uintptr_t)sge[i].addr, sge[i].length);
		dst += sge[i].length;
	}
}

static void xenib_kscatter(const void *src, u32 len, const struct ib_sge *sge,
			   u32 num_sge)
{
	u32 i, n;

	for (i = 0; i < num_sge && len; i++) {
		n = min(len, sge[i].length);
		memcpy((void *)(uintptr_t)sge[i].addr, src, n);
		src += n;
		len -= n;
	}
}

static int xenib_kcheck_opcode(struct xenib_qp *qp, enum ib_wr_opcode opcode)
{
	bool atomics = qp->ibqp.device->attrs.atomic_cap != IB_ATOMIC_NONE;

	/* Kernel consumers have no windows; fast registration: not yet. */
	return xenib_wr_opcode_ok(qp->ibqp.qp_type, opcode, atomics, false) ?
	       0 : -EINVAL;
}

/*
 * The SGEs of a work request's ring element: one on its slot's bounce
 * page, or the consumer's own.
 */
static void xenib_kwqe_sges(struct xenib_qp *qp, struct xenib_kwq *wq,
			    u32 slot, struct rxe_dma_info *dma,
			    const struct ib_sge *sge, int num_sge, u32 len,
			    bool bounce)
{
	int i;

	dma->length = len;
	dma->resid = len;
	if (bounce) {
		if (!len)
			return;
		dma->num_sge = 1;
		dma->sge[0].addr = xenib_kbounce_iova(wq, slot);
		dma->sge[0].length = len;
		dma->sge[0].lkey = qp->bounce->ibmr.lkey;
		return;
	}
	for (i = 0; i < num_sge; i++) {
		dma->sge[i].addr = sge[i].addr;
		dma->sge[i].length = sge[i].length;
		dma->sge[i].lkey = sge[i].lkey;
	}
	dma->num_sge = num_sge;
}

/* Write @wr into send ring slot @idx. */
static int xenib_kbuild_send(struct xenib_qp *qp, const struct ib_send_wr *wr,
			     u32 idx)
{
	struct xenib_kwq *wq = &qp->ksq;
	u32 slot = idx & xenib_kq_mask(&qp->sq);
	struct rxe_send_wqe *wqe = xenib_kq_elem(&qp->sq, idx);
	struct xenib_kwr *kwr = &wq->wrs[slot];
	bool is_inline = wr->send_flags & IB_SEND_INLINE;
	bool bounce;
	u32 len;
	int err;

	err = xenib_kcheck_opcode(qp, wr->opcode);
	if (err)
		return err;
	if (wr->num_sge < 0 || wr->num_sge > wq->max_sge)
		return -EINVAL;
	if (is_inline && xenib_wr_writes_local(wr->opcode))
		return -EINVAL;
	err = xenib_ksge_len(wr->sg_list, wr->num_sge, is_inline, &len, &bounce);
	if (err)
		return err;
	if (is_inline && len > qp->cap.max_inline_data)
		return -EINVAL;

	memset(wqe, 0, sizeof(*wqe) + wr->num_sge * sizeof(struct rxe_sge));
	wqe->wr.wr_id = idx;
	wqe->wr.opcode = wr->opcode;
	wqe->wr.send_flags = wr->send_flags & ~IB_SEND_INLINE;
	wqe->wr.ex.imm_data = wr->ex.imm_data;
	kwr->wr_id = wr->wr_id;
	kwr->signaled = qp->sq_sig_type == IB_SIGNAL_ALL_WR ||
			wr->send_flags & IB_SEND_SIGNALED;
	kwr->scatter = false;
	kwr->length = len;

	if (bounce) {
		if (xenib_wr_writes_local(wr->opcode)) {
			memcpy(&wq->sges[slot * wq->max_sge], wr->sg_list,
			       wr->num_sge * sizeof(*wr->sg_list));
			kwr->num_sge = wr->num_sge;
			kwr->scatter = true;
			/* Its data is copied out when it completes. */
			wqe->wr.send_flags |= IB_SEND_SIGNALED;
		} else {
			xenib_kgather(page_address(xenib_kbounce_page(qp, wq,
								      slot)),
				      wr->sg_list, wr->num_sge);
		}
	}
	xenib_kwqe_sges(qp, wq, slot, &wqe->dma, wr->sg_list, wr->num_sge, len,
			bounce);

	switch (wr->opcode) {
	case IB_WR_RDMA_WRITE:
	case IB_WR_RDMA_WRITE_WITH_IMM:
	case IB_WR_RDMA_READ:
		wqe->wr.wr.rdma.remote_addr = rdma_wr(wr)->remote_addr;
		wqe->wr.wr.rdma.rkey = rdma_wr(wr)->rkey;
		break;
	case IB_WR_ATOMIC_CMP_AND_SWP:
	case IB_WR_ATOMIC_FETCH_AND_ADD:
		wqe->wr.wr.atomic.remote_addr = atomic_wr(wr)->remote_addr;
		wqe->wr.wr.atomic.compare_add = atomic_wr(wr)->compare_add;
		wqe->wr.wr.atomic.swap = atomic_wr(wr)->swap;
		wqe->wr.wr.atomic.rkey = atomic_wr(wr)->rkey;
		break;
	default:
		if (qp->ibqp.qp_type == IB_QPT_UD) {
			const struct ib_ud_wr *ud = ud_wr(wr);

			wqe->wr.wr.ud.remote_qpn = ud->remote_qpn;
			wqe->wr.wr.ud.remote_qkey = ud->remote_qkey;
			wqe->wr.wr.ud.pkey_index = ud->pkey_index;
			wqe->wr.wr.ud.ah_num = to_xah(ud->ah)->handle;
		}
		break;
	}
	return 0;
}

/* Write @wr into receive ring slot @idx. */
static int xenib_kbuild_recv(struct xenib_qp *qp, const struct ib_recv_wr *wr,
			     u32 idx)
{
	struct xenib_kwq *wq = &qp->krq;
	u32 slot = idx & xenib_kq_mask(&qp->rq);
	struct rxe_recv_wqe *wqe = xenib_kq_elem(&qp->rq, idx);
	struct xenib_kwr *kwr = &wq->wrs[slot];
	bool bounce;
	u32 len;
	int err;

	if (wr->num_sge < 0 || wr->num_sge > wq->max_sge)
		return -EINVAL;
	err = xenib_ksge_len(wr->sg_list, wr->num_sge, false, &len, &bounce);
	if (err)
		return err;

	memset(wqe, 0, sizeof(*wqe) + wr->num_sge * sizeof(struct rxe_sge));
	wqe->wr_id = XENIB_KWR_RECV | idx;
	kwr->wr_id = wr->wr_id;
	kwr->signaled = true;
	kwr->scatter = bounce;
	kwr->length = len;
	if (bounce) {
		memcpy(&wq->sges[slot * wq->max_sge], wr->sg_list,
		       wr->num_sge * sizeof(*wr->sg_list));
		kwr->num_sge = wr->num_sge;
	}
	/* As long as the consumer's buffers: too short fails alike. */
	xenib_kwqe_sges(qp, wq, slot, &wqe->dma, wr->sg_list, wr->num_sge, len,
			bounce);
	return 0;
}

/* Whether @wq has no free slot; as rxe, posting to a full queue is ENOMEM. */
static bool xenib_kwq_full(struct xenib_kwq *wq, struct xenib_fe_queue *ring)
{
	/* Pairs with the poller's release: it is done with the slot. */
	return wq->head - smp_load_acquire(&wq->tail) >= xenib_kq_mask(ring);
}

/* Let the backend see what was produced into @ring. */
static void xenib_kwq_publish(struct xenib_kwq *wq, struct xenib_fe_queue *ring)
{
	lockdep_assert_held(&wq->lock);

	/* The elements before the index that publishes them. */
	smp_store_release(xenib_kq_index(ring, XENIB_QUEUE_PROD_OFFSET),
			  wq->head & xenib_kq_mask(ring));
}

int xenib_kpost_send(struct xenib_qp *qp, const struct ib_send_wr *wr,
		     const struct ib_send_wr **bad_wr)
{
	struct xenib_kwq *wq = &qp->ksq;
	unsigned long flags;
	int err = 0;

	spin_lock_irqsave(&wq->lock, flags);
	for (; wr; wr = wr->next) {
		err = xenib_kwq_full(wq, &qp->sq) ? -ENOMEM :
		      xenib_kbuild_send(qp, wr, wq->head);
		if (err) {
			*bad_wr = wr;
			break;
		}
		/* Pollers read it unlocked, to check a completion's slot. */
		WRITE_ONCE(wq->head, wq->head + 1);
	}
	xenib_kwq_publish(wq, &qp->sq);
	spin_unlock_irqrestore(&wq->lock, flags);
	xenib_fe_kick(ibdev_to_fe(qp->ibqp.device));
	return err;
}

/* Kicked too: the engine would otherwise see them only at its next look. */
int xenib_kpost_recv(struct xenib_qp *qp, const struct ib_recv_wr *wr,
		     const struct ib_recv_wr **bad_wr)
{
	struct xenib_kwq *wq = &qp->krq;
	unsigned long flags;
	int err = 0;

	spin_lock_irqsave(&wq->lock, flags);
	for (; wr; wr = wr->next) {
		err = xenib_kwq_full(wq, &qp->rq) ? -ENOMEM :
		      xenib_kbuild_recv(qp, wr, wq->head);
		if (err) {
			*bad_wr = wr;
			break;
		}
		WRITE_ONCE(wq->head, wq->head + 1);
	}
	xenib_kwq_publish(wq, &qp->rq);
	spin_unlock_irqrestore(&wq->lock, flags);
	xenib_fe_kick(ibdev_to_fe(qp->ibqp.device));
	return err;
}

/*
 * Turn the ring's completion @uwc into the consumer's @wc; false if it is
 * not for the consumer (an unsignaled READ's, or of a QP gone or reset).
 */
static bool xenib_kcomplete(struct xenib_fe *fe,
			    const struct ib_uverbs_wc *uwc, struct ib_wc *wc)
{
	bool recv = uwc->wr_id & XENIB_KWR_RECV;
	u32 idx = (u32)uwc->wr_id;
	struct xenib_fe_queue *ring;
	struct xenib_kwq *wq;
	struct xenib_kwr *kwr;
	struct xenib_qp *qp;
	struct ib_qp *ibqp;
	u32 slot, tail;
	bool report;

	ibqp = xa_load(&fe->kqps, uwc->qp_num);
	if (!ibqp)
		return false;
	qp = to_xqp(ibqp);
	wq = recv ? &qp->krq : &qp->ksq;
	ring = recv ? &qp->rq : &qp->sq;
	tail = wq->tail;
	if (idx - tail >= READ_ONCE(wq->head) - tail)
		return false;
	slot = idx & xenib_kq_mask(ring);
	kwr = &wq->wrs[slot];

	if (uwc->status == IB_WC_SUCCESS && kwr->scatter)
		xenib_kscatter(page_address(xenib_kbounce_page(qp, wq, slot)),
			       recv ? min(uwc->byte_len, kwr->length) :
				      kwr->length,
			       &wq->sges[slot * wq->max_sge], kwr->num_sge);
	/* Errors complete whether signaled or not, as on any device. */
	report = kwr->signaled || uwc->status != IB_WC_SUCCESS;
	if (report) {
		memset(wc, 0, sizeof(*wc));
		wc->wr_id = kwr->wr_id;
		wc->status = uwc->status;
		wc->opcode = uwc->opcode;
		wc->vendor_err = uwc->vendor_err;
		wc->byte_len = uwc->byte_len;
		wc->ex.imm_data = uwc->ex.imm_data;
		wc->qp = ibqp;
		wc->src_qp = uwc->src_qp;
		wc->wc_flags = uwc->wc_flags;
		wc->pkey_index = uwc->pkey_index;
		wc->slid = uwc->slid;
		wc->sl = uwc->sl;
		wc->dlid_path_bits = uwc->dlid_path_bits;
		wc->port_num = XENIB_GUEST_PORT;
	}
	/* The slot (and its bounce page) is free once it has been read. */
	smp_store_release(&wq->tail, idx + 1);
	return report;
}

int xenib_kpoll_cq(struct xenib_cq *cq, int num_entries, struct ib_wc *wc)
{
	struct xenib_fe *fe = ibdev_to_fe(cq->ibcq.device);
	struct xenib_fe_queue *q = &cq->queue;
	u32 *prod_index = xenib_kq_index(q, XENIB_QUEUE_PROD_OFFSET);
	u32 *cons_index = xenib_kq_index(q, XENIB_QUEUE_CONS_OFFSET);
	u32 mask = xenib_kq_mask(q);
	struct xenib_swc *swc;
	unsigned long flags;
	u32 cons, prod;
	int n = 0;

	spin_lock_irqsave(&cq->poll_lock, flags);
	while (n < num_entries &&
	       (swc = list_first_entry_or_null(&cq->soft, struct xenib_swc,
					       list))) {
		list_del(&swc->list);
		wc[n++] = swc->wc;
		kfree(swc);
	}
	cons = READ_ONCE(*cons_index);
	/* The completions before the index that publishes them. */
	prod = smp_load_acquire(prod_index);
	while (n < num_entries && cons != prod) {
		if (xenib_kcomplete(fe, xenib_kq_elem(q, cons), &wc[n]))
			n++;
		cons = (cons + 1) & mask;
	}
	/* The backend may reuse the slots once it sees them consumed. */
	smp_store_release(cons_index, cons);
	spin_unlock_irqrestore(&cq->poll_lock, flags);
	return n;
}

bool xenib_kcq_empty(struct xenib_cq *cq)
{
	struct xenib_fe_queue *q = &cq->queue;
	u32 cons = READ_ONCE(*xenib_kq_index(q, XENIB_QUEUE_CONS_OFFSET));

	if (!list_empty_careful(&cq->soft))
		return false;
	/* Pairs with the backend's release of what it wrote. */
	return cons == smp_load_acquire(xenib_kq_index(q,
						       XENIB_QUEUE_PROD_OFFSET));
}

/*
 * Add a completion the frontend made (gsi.c), which @cq then owns, and
 * raise the CQ's event if it is armed, as the backend does for the ring's.
 */
void xenib_kcq_add(struct xenib_cq *cq, struct xenib_swc *swc)
{
	u32 *arm = xenib_kq_index(&cq->queue, XENIB_QUEUE_CQ_ARM_OFFSET);
	unsigned long flags;

	spin_lock_irqsave(&cq->poll_lock, flags);
	list_add_tail(&swc->list, &cq->soft);
	spin_unlock_irqrestore(&cq->poll_lock, flags);
	/* Published before the arm word is looked at; see req_notify_cq. */
	smp_mb();
	if (xchg(arm, XENIB_CQ_ARM_NONE) != XENIB_CQ_ARM_NONE &&
	    cq->ibcq.comp_handler)
		cq->ibcq.comp_handler(&cq->ibcq, cq->ibcq.cq_context);
}

void xenib_kcq_free_soft(struct xenib_cq *cq)
{
	struct xenib_swc *swc, *tmp;

	list_for_each_entry_safe(swc, tmp, &cq->soft, list)
		kfree(swc);
	INIT_LIST_HEAD(&cq->soft);
}
