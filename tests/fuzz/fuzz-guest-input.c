// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for backend/check.c, the backend's checks of what a
 * guest hands it: control requests, queue descriptions, work queue and
 * event ring indices, and work queue elements.  Run by "make fuzz" with ASan and UBSan.
 *
 * Besides what the sanitizers catch, everything a check accepts is held
 * to what the backend relies on afterwards (REQUIRE below): a check that
 * lets through something the backend cannot take is a crash here too.
 * Control requests go through xenib_check_ctrl_request(), the one check
 * the backend makes of a request's form before any handler acts.
 *
 * The first byte of an input picks the target (enum target); the rest is
 * read field by field, zeros once it runs out.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#define REQUIRE(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: accepted, but not: %s\n", \
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

enum target {
	T_CTRL, T_QUEUE, T_SEND, T_RECV, T_RING, T_EVENT, T_BIND, NR_TARGETS
};

struct input {
	const u8 *p;
	size_t left;
};

static void take(struct input *in, void *dst, size_t n)
{
	size_t k = n < in->left ? n : in->left;

	memcpy(dst, in->p, k);
	memset((u8 *)dst + k, 0, n - k);
	in->p += k;
	in->left -= k;
}

#define TAKE(in, type) ({ type v_; take(in, &v_, sizeof(v_)); v_; })

/*
 * A queue the checks accepted for elements of @min_elem bytes and more
 * than @min_slots of them: every element the backend can address (any
 * index, masked) lies after the header and inside the granted pages, and
 * the indirect pages fit the request.
 */
static void queue_holds(const struct xenib_queue *q, size_t min_elem,
			u32 min_slots, u32 probe)
{
	size_t elem = (size_t)1 << q->log2_elem_size;
	u32 mask = (1U << q->log2_slots) - 1;
	size_t bytes = (size_t)q->nr_pages * XENIB_PAGE_SIZE;
	const u32 idx[] = { 0, 1, mask, mask + 1, UINT32_MAX, probe };
	unsigned int i;

	REQUIRE(elem >= min_elem);
	REQUIRE(mask >= min_slots);
	REQUIRE(q->nr_pages <= XENIB_QUEUE_MAX_PAGES);
	REQUIRE(q->nr_indirect <= XENIB_QUEUE_MAX_INDIRECT);
	REQUIRE((size_t)q->nr_indirect * XENIB_REFS_PER_INDIRECT >=
		q->nr_pages);
	for (i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
		size_t off = xenib_queue_elem_offset(q->log2_elem_size, mask,
						     idx[i]);

		REQUIRE(off >= XENIB_QUEUE_HDR_SIZE);
		REQUIRE(off + elem <= bytes);
	}
}

/* An MR the checks accepted: its pages cover it, exactly. */
static void mr_holds(const struct xenib_reg_mr_req *r)
{
	unsigned __int128 end = (unsigned __int128)r->offset + r->length;
	bool two_levels = r->flags & XENIB_MR_F_INDIRECT2;
	u64 per_top = two_levels ? (u64)XENIB_REFS_PER_INDIRECT *
				   XENIB_REFS_PER_INDIRECT :
				   XENIB_REFS_PER_INDIRECT;

	REQUIRE(!(r->access & ~XENIB_MR_ACCESS));
	REQUIRE(!(r->access & (IB_ACCESS_REMOTE_WRITE |
			       IB_ACCESS_REMOTE_ATOMIC)) ||
		r->access & IB_ACCESS_LOCAL_WRITE);
	REQUIRE(r->length && r->offset < XENIB_PAGE_SIZE);
	REQUIRE((r->iova & (XENIB_PAGE_SIZE - 1)) == r->offset);
	REQUIRE(r->length <= UINT64_MAX - r->iova);
	REQUIRE(r->nr_pages <= (two_levels ? XENIB_MR_MAX_PAGES2 :
				XENIB_MR_MAX_PAGES));
	REQUIRE((unsigned __int128)r->nr_pages * XENIB_PAGE_SIZE >= end);
	REQUIRE((unsigned __int128)(r->nr_pages - 1) * XENIB_PAGE_SIZE < end);
	/* The request's indirect[] holds the top level... */
	REQUIRE(r->nr_indirect && r->nr_indirect <= XENIB_MR_MAX_INDIRECT);
	/* ...which lists exactly the pages (or the second level) needed. */
	REQUIRE((u64)r->nr_indirect * per_top >= r->nr_pages);
	REQUIRE((u64)(r->nr_indirect - 1) * per_top < r->nr_pages);
}

/* An address vector accepted: only flags and GID types the kernel has. */
static void ah_holds(const struct xenib_ah_attr *ah)
{
	REQUIRE(!(ah->flags & ~XENIB_AH_F_GRH));
	REQUIRE(ah->gid_type <= IB_GID_TYPE_ROCE_UDP_ENCAP);
}

/*
 * A control request, through the backend's own check of it
 * (xenib_check_ctrl_request(), which runs before any handler): what it
 * accepts is held to what the handlers then rely on, with every handle
 * taken to exist.
 */
static void fuzz_ctrl(struct input *in)
{
	struct xenib_ctrl_request req;
	const typeof(req.u) *u = &req.u;
	u32 probe;

	take(in, &req, sizeof(req));
	probe = TAKE(in, u32);
	/* Often a known op, to get past the first switch. */
	if (TAKE(in, u8) & 1)
		req.op %= XENIB_OP_MAX;
	if (xenib_check_ctrl_request(&req))
		return;
	REQUIRE(!req.rsvd0 && !req.rsvd1);
	REQUIRE(req.op < XENIB_OP_MAX);

	switch (req.op) {
	case XENIB_OP_NOP:
		REQUIRE(!(u->nop.flags & ~XENIB_NOP_F_EVENT) && !u->nop.rsvd);
		break;
	case XENIB_OP_QUERY_PKEY:
		REQUIRE(!u->query_pkey.rsvd0 && !u->query_pkey.rsvd1);
		break;
	case XENIB_OP_DEALLOC_PD:
	case XENIB_OP_DESTROY_CQ:
	case XENIB_OP_DESTROY_QP:
	case XENIB_OP_QUERY_SRQ:
	case XENIB_OP_DESTROY_SRQ:
	case XENIB_OP_DESTROY_AH:
	case XENIB_OP_DEREG_MR:
	case XENIB_OP_DEALLOC_MW:
		REQUIRE(!u->handle.rsvd);
		break;
	case XENIB_OP_CREATE_CQ:
		REQUIRE(!u->create_cq.rsvd);
		REQUIRE(u->create_cq.cqe && u->create_cq.cqe <= INT_MAX);
		queue_holds(&u->create_cq.queue, sizeof(struct ib_uverbs_wc),
			    u->create_cq.cqe, probe);
		break;
	case XENIB_OP_RESIZE_CQ:
		REQUIRE(u->resize_cq.cqe && u->resize_cq.cqe <= INT_MAX);
		queue_holds(&u->resize_cq.queue, sizeof(struct ib_uverbs_wc),
			    u->resize_cq.cqe, probe);
		break;
	case XENIB_OP_CREATE_QP: {
		const struct xenib_create_qp_req *r = &u->create_qp;
		const struct xenib_qp_cap *cap = &r->cap;

		REQUIRE(!r->rsvd0 && !r->rsvd1 && !cap->rsvd);
		REQUIRE(!(r->flags & ~XENIB_QP_F_SIG_ALL));
		REQUIRE(r->qp_type == XENIB_QPT_RC ||
			r->qp_type == XENIB_QPT_UC ||
			r->qp_type == XENIB_QPT_UD);
		REQUIRE(cap->max_send_wr <= INT_MAX &&
			cap->max_recv_wr <= INT_MAX);
		REQUIRE(cap->max_inline_data <= XENIB_PAGE_SIZE);
		queue_holds(&r->sq, sizeof(struct rxe_send_wqe) +
			    cap->max_inline_data, cap->max_send_wr, probe);
		queue_holds(&r->sq, sizeof(struct rxe_send_wqe) +
			    (size_t)cap->max_send_sge * sizeof(struct rxe_sge),
			    cap->max_send_wr, probe);
		if (!r->srq)
			queue_holds(&r->rq, sizeof(struct rxe_recv_wqe) +
				    (size_t)cap->max_recv_sge *
				    sizeof(struct rxe_sge),
				    cap->max_recv_wr, probe);
		break;
	}
	case XENIB_OP_MODIFY_QP: {
		const struct xenib_modify_qp_req *r = &u->modify_qp;

		REQUIRE(!(r->attr_mask & ~XENIB_QP_ATTR_MASK));
		REQUIRE(!r->attr.rsvd[0] && !r->attr.rsvd[1] &&
			!r->attr.rsvd[2] && !r->attr.cap.rsvd);
		if (r->attr_mask & IB_QP_AV)
			ah_holds(&r->attr.ah_attr);
		if (r->attr_mask & IB_QP_ALT_PATH)
			ah_holds(&r->attr.alt_ah_attr);
		break;
	}
	case XENIB_OP_QUERY_QP:
		REQUIRE(!(u->query_qp.attr_mask & ~XENIB_QP_ATTR_MASK));
		break;
	case XENIB_OP_CREATE_SRQ: {
		const struct xenib_create_srq_req *r = &u->create_srq;

		REQUIRE(!r->rsvd && !r->attr.rsvd);
		REQUIRE(r->attr.max_wr <= INT_MAX);
		queue_holds(&r->queue, sizeof(struct rxe_recv_wqe) +
			    (size_t)r->attr.max_sge * sizeof(struct rxe_sge),
			    r->attr.max_wr, probe);
		break;
	}
	case XENIB_OP_MODIFY_SRQ:
		REQUIRE(!(u->modify_srq.attr_mask & ~IB_SRQ_LIMIT));
		REQUIRE(!u->modify_srq.attr.rsvd);
		break;
	case XENIB_OP_CREATE_AH:
		REQUIRE(!u->create_ah.rsvd);
		ah_holds(&u->create_ah.attr);
		break;
	case XENIB_OP_REG_MR:
		mr_holds(&u->reg_mr);
		break;
	case XENIB_OP_ALLOC_MW:
		REQUIRE(u->alloc_mw.type == IB_MW_TYPE_1 ||
			u->alloc_mw.type == IB_MW_TYPE_2);
		break;
	case XENIB_OP_SEND_MAD: {
		const struct xenib_send_mad_req *r = &u->send_mad;

		/* What ib_post_send_mad() is handed: a CM MAD to QP1. */
		REQUIRE(!r->rsvd0 && !r->rsvd1);
		REQUIRE(r->remote_qpn == 1 && r->remote_qkey == IB_QP1_QKEY);
		REQUIRE(r->mad[0] == IB_MGMT_BASE_VERSION &&
			r->mad[1] == IB_MGMT_CLASS_CM &&
			r->mad[3] == IB_MGMT_METHOD_SEND);
		ah_holds(&r->ah);
		break;
	}
	case XENIB_OP_ATTACH_MCAST:
	case XENIB_OP_DETACH_MCAST: {
		const u8 *gid = u->mcast.gid;
		static const u8 v4mapped[12] = { [10] = 0xff, [11] = 0xff };

		/* What reaches ib_attach_mcast() is a multicast GID. */
		REQUIRE(!u->mcast.rsvd);
		REQUIRE(gid[0] == 0xff ||
			(!memcmp(gid, v4mapped, sizeof(v4mapped)) &&
			 gid[12] >= 224 && gid[12] <= 239));
		break;
	}
	default:
		break;
	}
}

static void fuzz_queue(struct input *in)
{
	struct xenib_queue q = TAKE(in, struct xenib_queue);
	size_t min_elem = TAKE(in, u16);
	u32 min_slots = TAKE(in, u32);

	/* Often sized as a frontend sizes it, to explore the geometry. */
	if (TAKE(in, u8) & 1 && q.log2_slots < 32 && q.log2_elem_size < 32) {
		u64 size = XENIB_QUEUE_HDR_SIZE +
			   ((u64)1 << (q.log2_slots + q.log2_elem_size) % 64);

		q.nr_pages = DIV_ROUND_UP_ULL(size, XENIB_PAGE_SIZE);
		q.nr_indirect = DIV_ROUND_UP(q.nr_pages,
					     XENIB_REFS_PER_INDIRECT);
	}

	if (!xenib_check_queue(&q, min_elem, min_slots))
		queue_holds(&q, min_elem, min_slots, TAKE(in, u32));
}

/* A copy of one element, in a buffer of exactly its size (for ASan). */
static void *take_elem(struct input *in, size_t *elem_size)
{
	u8 span = XENIB_QUEUE_MAX_ELEM_LOG2 - XENIB_QUEUE_MIN_ELEM_LOG2 + 1;
	void *buf;

	*elem_size = (size_t)1 << (XENIB_QUEUE_MIN_ELEM_LOG2 +
				   TAKE(in, u8) % span);
	buf = malloc(*elem_size);
	if (!buf)
		abort();
	take(in, buf, *elem_size);
	return buf;
}

/* Each SGE checked against an MR from the input, as the engine does. */
static void sges_hold(struct input *in, const struct rxe_sge *sge,
		      u32 num_sge, bool write)
{
	u32 i;

	for (i = 0; i < num_sge; i++) {
		u64 iova = TAKE(in, u64), length = TAKE(in, u64);
		u32 access = TAKE(in, u8) & XENIB_MR_ACCESS;
		unsigned __int128 end = (unsigned __int128)sge[i].addr +
					sge[i].length;

		/* What REG_MR lets in: no wrap-around. */
		if (length > UINT64_MAX - iova)
			length = UINT64_MAX - iova;
		if (xenib_check_sge(&sge[i], iova, length, access, write))
			continue;
		REQUIRE(sge[i].addr >= iova);
		REQUIRE(end <= (unsigned __int128)iova + length);
		REQUIRE(!write || access & IB_ACCESS_LOCAL_WRITE);
	}
}

static void fuzz_send(struct input *in)
{
	static const u32 types[] = { IB_QPT_RC, IB_QPT_UC, IB_QPT_UD };
	u8 sel = TAKE(in, u8);
	struct xenib_wq_limits lim = {
		.qp_type = types[sel % 3],
		.atomics = sel & 0x80,
		.windows = sel & 0x40,
		.max_sge = TAKE(in, u8),
		.max_inline = TAKE(in, u16) % (XENIB_PAGE_SIZE + 1),
	};
	const struct rxe_send_wr *wr;
	struct rxe_send_wqe *wqe;
	size_t elem_size;
	int status;

	wqe = take_elem(in, &elem_size);
	wr = &wqe->wr;
	status = xenib_check_send_wqe(wqe, elem_size, &lim);
	REQUIRE(status == IB_WC_SUCCESS || status == IB_WC_LOC_LEN_ERR ||
		status == IB_WC_LOC_QP_OP_ERR);
	if (status)
		goto out;

	REQUIRE(!(wr->send_flags & ~XENIB_SEND_FLAGS));
	switch (wr->opcode) {
	case IB_WR_SEND:
	case IB_WR_SEND_WITH_IMM:
		break;
	case IB_WR_RDMA_WRITE:
	case IB_WR_RDMA_WRITE_WITH_IMM:
		REQUIRE(lim.qp_type != IB_QPT_UD);
		break;
	case IB_WR_RDMA_READ:
		REQUIRE(lim.qp_type == IB_QPT_RC);
		REQUIRE(!(wr->send_flags & IB_SEND_INLINE));
		break;
	case IB_WR_ATOMIC_CMP_AND_SWP:
	case IB_WR_ATOMIC_FETCH_AND_ADD:
		REQUIRE(lim.qp_type == IB_QPT_RC && lim.atomics);
		REQUIRE(!(wr->send_flags & IB_SEND_INLINE));
		REQUIRE(wqe->dma.num_sge == 1 && wqe->dma.sge[0].length == 8);
		break;
	case IB_WR_SEND_WITH_INV:
		REQUIRE(lim.qp_type != IB_QPT_UD && lim.windows);
		break;
	case IB_WR_BIND_MW:
	case IB_WR_LOCAL_INV:
		/* The backend does them itself: no data, no SGEs used. */
		REQUIRE(lim.qp_type == IB_QPT_RC && lim.windows);
		REQUIRE(!(wr->send_flags & IB_SEND_INLINE));
		REQUIRE(xenib_wqe_is_local(wr->opcode));
		goto out;
	default:
		REQUIRE(!"an opcode the engine does not post");
	}
	REQUIRE(!xenib_wqe_is_local(wr->opcode));

	if (wr->send_flags & IB_SEND_INLINE) {
		REQUIRE(wqe->dma.length <= lim.max_inline);
		/* The engine hands the device these bytes. */
		REQUIRE(sizeof(*wqe) + wqe->dma.length <= elem_size);
	} else {
		REQUIRE(wqe->dma.num_sge <= lim.max_sge);
		REQUIRE(sizeof(*wqe) + (size_t)wqe->dma.num_sge *
			sizeof(struct rxe_sge) <= elem_size);
		sges_hold(in, wqe->dma.sge, wqe->dma.num_sge,
			  xenib_wr_writes_local(wr->opcode));
	}
out:
	free(wqe);
}

static void fuzz_recv(struct input *in)
{
	u32 max_sge = TAKE(in, u8);
	struct rxe_recv_wqe *wqe;
	size_t elem_size;

	wqe = take_elem(in, &elem_size);
	if (xenib_check_recv_wqe(wqe, elem_size, max_sge) == IB_WC_SUCCESS) {
		REQUIRE(wqe->dma.num_sge <= max_sge);
		REQUIRE(sizeof(*wqe) + (size_t)wqe->dma.num_sge *
			sizeof(struct rxe_sge) <= elem_size);
		sges_hold(in, wqe->dma.sge, wqe->dma.num_sge, true);
	}
	free(wqe);
}

/*
 * A work queue over time: the guest moves its producer index, well or
 * badly, the engine takes what xenib_ring_pending() says and retires it
 * in order.  The engine must never hold more than the ring has slots (its
 * wr_id table is indexed by slot), and must see all of a well-behaved
 * guest's work.
 */
static void fuzz_ring(struct input *in)
{
	u32 mask = (1U << TAKE(in, u8) % 25) - 1;
	/* The engine starts at the guest's consumer index, any value. */
	u32 head = TAKE(in, u32), tail = head, prod = head & mask;
	u32 max_posted = TAKE(in, u32) % (mask + 1);
	int steps = 64;

	while (in->left && steps--) {
		u8 op = TAKE(in, u8);
		u32 v = TAKE(in, u32);
		int n;

		switch (op % 4) {
		case 0:		/* anything */
			prod = v;
			break;
		case 1:		/* what a correct guest may produce */
			v %= mask - (head - tail) + 1;
			prod = (head + v) & mask;
			REQUIRE(xenib_ring_pending(prod, mask, head, tail) ==
				(int)v);
			break;
		case 2:		/* the engine takes work */
			n = xenib_ring_pending(prod, mask, head, tail);
			if (n < 0)
				return;	/* the engine fails the QP */
			REQUIRE((u64)(head - tail) + n <= mask);
			if ((u32)n > max_posted - (head - tail))
				n = max_posted - (head - tail);
			head += n;
			REQUIRE(head - tail <= mask);
			break;
		case 3:		/* the real queue retires work, in order */
			tail += v % (head - tail + 1);
			break;
		}
	}
}

/*
 * The event ring over time: the backend posts events while the guest
 * consumes them, well or badly.  Posting must never write over an event a
 * well-behaved guest has not read, and must find room whenever such a
 * guest has left some.
 */
static void fuzz_event(struct input *in)
{
	u32 prod = TAKE(in, u32), cons = prod;
	bool unread[XENIB_EVENT_RING_SIZE] = { false };
	bool honest = true;	/* cons only ever moved forward over events */
	int steps = 512;

	while (in->left && steps--) {
		u8 op = TAKE(in, u8);
		u32 v;

		switch (op % 3) {
		case 0:		/* the backend posts one */
			if (!xenib_event_ring_has_room(prod, cons)) {
				REQUIRE(!honest ||
					prod - cons == XENIB_EVENT_RING_SIZE);
				break;
			}
			REQUIRE(prod - cons < XENIB_EVENT_RING_SIZE);
			if (honest)
				REQUIRE(!unread[XENIB_EVENT_RING_IDX(prod)]);
			unread[XENIB_EVENT_RING_IDX(prod)] = true;
			prod++;
			break;
		case 1:		/* a correct guest reads some */
			if (!honest)
				break;
			v = TAKE(in, u8) % (prod - cons + 1);
			while (v--)
				unread[XENIB_EVENT_RING_IDX(cons++)] = false;
			break;
		case 2:		/* anything */
			cons = TAKE(in, u32);
			honest = false;
			break;
		}
	}
}

/*
 * A bind as a guest may ask for it.  The backend registers what passes
 * over the MR's pages for the window's access: it must lie inside the MR,
 * within the pages a window's real MR holds, and let peers write only to
 * pages the guest may write (the backend maps the others read-only).
 */
static void fuzz_bind(struct input *in)
{
	u8 sel = TAKE(in, u8);
	struct xenib_mw_bind b = {
		.type = sel & 1 ? IB_MW_TYPE_2 : IB_MW_TYPE_1,
		.bound = sel & 2,
		.max_pages = TAKE(in, u16),
		.addr = TAKE(in, u64),
		.length = TAKE(in, u64),
		.access = TAKE(in, u32),
		.mr_access = TAKE(in, u8),
	};
	u64 end;

	b.mr_iova = TAKE(in, u64);
	b.mr_length = TAKE(in, u64);
	/* As an MR that passed xenib_check_mr(): it does not wrap. */
	if (check_add_overflow(b.mr_iova, b.mr_length, &end))
		return;
	if (sel & 4) {		/* near the MR, where bugs would be */
		/* The MR and a byte either side; that wraps to 0 at most. */
		u64 near = b.mr_length + 2 ?: UINT64_MAX;

		b.addr = b.mr_iova + (b.addr % near) - 1;
		b.length %= near;
	}
	if (xenib_check_bind_mw(&b) != IB_WC_SUCCESS) {
		REQUIRE(xenib_check_bind_mw(&b) == IB_WC_MW_BIND_ERR);
		return;
	}
	REQUIRE(!(b.access & ~XENIB_MW_ACCESS));
	if (b.type == IB_MW_TYPE_2)
		REQUIRE(!b.bound && b.length);
	if (!b.length)
		return;
	REQUIRE(b.mr_access & IB_ACCESS_MW_BIND);
	REQUIRE(b.addr >= b.mr_iova);
	REQUIRE((unsigned __int128)b.addr + b.length <=
		(unsigned __int128)b.mr_iova + b.mr_length);
	/* Counted independently of xenib_pages_spanned(), which it checks. */
	REQUIRE((b.addr + b.length - 1) / XENIB_PAGE_SIZE -
		b.addr / XENIB_PAGE_SIZE < b.max_pages);
	REQUIRE(xenib_pages_spanned(b.addr, b.length) <= b.max_pages);
	if (b.access & (IB_ACCESS_REMOTE_WRITE | IB_ACCESS_REMOTE_ATOMIC))
		REQUIRE(b.mr_access & IB_ACCESS_LOCAL_WRITE);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct input in = { data, size };

	switch (TAKE(&in, u8) % NR_TARGETS) {
	case T_CTRL:
		fuzz_ctrl(&in);
		break;
	case T_QUEUE:
		fuzz_queue(&in);
		break;
	case T_SEND:
		fuzz_send(&in);
		break;
	case T_RECV:
		fuzz_recv(&in);
		break;
	case T_RING:
		fuzz_ring(&in);
		break;
	case T_EVENT:
		fuzz_event(&in);
		break;
	case T_BIND:
		fuzz_bind(&in);
		break;
	}
	return 0;
}
