// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibback: checks of what a guest hands the backend; see check.h.
 * Built into the module and, unchanged, into the fuzzing harness.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include "check.h"

/* Is @wire a queue of elements of at least @min_elem bytes that fits? */
int xenib_check_queue(const struct xenib_queue *wire, size_t min_elem,
		      u32 min_slots)
{
	if (wire->log2_elem_size < XENIB_QUEUE_MIN_ELEM_LOG2 ||
	    wire->log2_elem_size > XENIB_QUEUE_MAX_ELEM_LOG2 ||
	    (1U << wire->log2_elem_size) < min_elem)
		return -EINVAL;
	/* A free slot tells a full ring from an empty one. */
	if (wire->log2_slots > XENIB_QUEUE_MAX_LOG2_SLOTS ||
	    (1U << wire->log2_slots) <= min_slots)
		return -EINVAL;
	if (wire->nr_pages != xenib_queue_nr_pages(wire->log2_slots,
						   wire->log2_elem_size) ||
	    wire->nr_pages > XENIB_QUEUE_MAX_PAGES ||
	    wire->nr_indirect != DIV_ROUND_UP(wire->nr_pages,
					      XENIB_REFS_PER_INDIRECT))
		return -EINVAL;
	return 0;
}

/* A CQ size; the real device checks its own limit, the ring must hold it. */
int xenib_check_cqe(u32 cqe)
{
	return cqe && cqe <= INT_MAX ? 0 : -EINVAL;
}

/* CREATE_QP's fields that need no object looked up. */
int xenib_check_create_qp(const struct xenib_create_qp_req *req)
{
	const struct xenib_qp_cap *cap = &req->cap;

	if (req->rsvd0 || req->rsvd1 || req->flags & ~XENIB_QP_F_SIG_ALL)
		return -EINVAL;
	if (req->qp_type != XENIB_QPT_RC && req->qp_type != XENIB_QPT_UC &&
	    req->qp_type != XENIB_QPT_UD)
		return -EOPNOTSUPP;
	/* The real device has its limits; these keep sizes sane first. */
	if (cap->rsvd || cap->max_send_wr > INT_MAX ||
	    cap->max_recv_wr > INT_MAX || cap->max_send_sge > U16_MAX ||
	    cap->max_recv_sge > U16_MAX ||
	    cap->max_inline_data > XENIB_PAGE_SIZE)
		return -EINVAL;
	return 0;
}

/* The least send queue element (rxe's layout) for a checked @cap. */
size_t xenib_sq_elem_size(const struct xenib_qp_cap *cap)
{
	size_t sges = (size_t)cap->max_send_sge * sizeof(struct rxe_sge);

	return sizeof(struct rxe_send_wqe) +
	       (sges > cap->max_inline_data ? sges : cap->max_inline_data);
}

/* The least receive queue element for @max_sge (at most U16_MAX). */
size_t xenib_recv_elem_size(u32 max_sge)
{
	return sizeof(struct rxe_recv_wqe) +
	       (size_t)max_sge * sizeof(struct rxe_sge);
}

int xenib_check_srq_attr(const struct xenib_srq_attr *attr)
{
	if (attr->rsvd || attr->max_wr > INT_MAX || attr->max_sge > U16_MAX)
		return -EINVAL;
	return 0;
}

/* The indirect pages a registration of @nr_pages pages lists them in. */
u32 xenib_mr_nr_indirect(u32 nr_pages, bool two_levels)
{
	u32 n = DIV_ROUND_UP(nr_pages, XENIB_REFS_PER_INDIRECT);

	return two_levels ? DIV_ROUND_UP(n, XENIB_REFS_PER_INDIRECT) : n;
}

int xenib_check_mr(const struct xenib_reg_mr_req *req)
{
	bool two_levels = req->flags & XENIB_MR_F_INDIRECT2;
	u64 max_pages = two_levels ? XENIB_MR_MAX_PAGES2 : XENIB_MR_MAX_PAGES;
	u64 end;

	if (req->flags & ~XENIB_MR_F_INDIRECT2 || req->rsvd1 ||
	    req->access & ~XENIB_MR_ACCESS)
		return -EINVAL;
	/* Remote writes and atomics need local write, as the verbs say. */
	if (req->access & (IB_ACCESS_REMOTE_WRITE | IB_ACCESS_REMOTE_ATOMIC) &&
	    !(req->access & IB_ACCESS_LOCAL_WRITE))
		return -EINVAL;
	/* Bounded first, so the page count below cannot wrap around. */
	if (!req->length || req->length > max_pages * XENIB_PAGE_SIZE ||
	    req->offset >= XENIB_PAGE_SIZE ||
	    (req->iova & (XENIB_PAGE_SIZE - 1)) != req->offset ||
	    check_add_overflow(req->iova, req->length, &end))
		return -EINVAL;
	if (req->nr_pages > max_pages ||
	    req->nr_pages != DIV_ROUND_UP_ULL(req->offset + req->length,
					      XENIB_PAGE_SIZE) ||
	    req->nr_indirect != xenib_mr_nr_indirect(req->nr_pages,
						     two_levels))
		return -EINVAL;
	return 0;
}

/*
 * ATTACH_MCAST/DETACH_MCAST: a multicast GID, as rdma_is_multicast_addr()
 * has them: ff00::/8, or an IPv4-mapped 224.0.0.0/4 (RoCE v2 over IPv4).
 */
int xenib_check_mcast(const struct xenib_mcast_req *req)
{
	static const u8 v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	const u8 *gid = req->gid;

	if (req->rsvd)
		return -EINVAL;
	if (gid[0] == 0xff)
		return 0;
	if (!memcmp(gid, v4mapped, sizeof(v4mapped)) && (gid[12] & 0xf0) == 0xe0)
		return 0;
	return -EINVAL;
}

/* ALLOC_MW: the window types rxe has. */
int xenib_check_alloc_mw(const struct xenib_alloc_mw_req *req)
{
	return req->type == IB_MW_TYPE_1 || req->type == IB_MW_TYPE_2 ?
	       0 : -EINVAL;
}

/* The pages @length (not 0) bytes at @addr touch; @addr + @length fits. */
u64 xenib_pages_spanned(u64 addr, u64 length)
{
	return (addr + length - 1) / XENIB_PAGE_SIZE - addr / XENIB_PAGE_SIZE + 1;
}

/*
 * Whether a window may be bound as @b says: the rules rxe applies, which
 * are the verbs' (C10-72 to C10-75).  A type 1 window bound with length 0
 * is unbound; a type 2 window must be free, and it is invalidated, never
 * unbound by a bind.  Windows that let peers write need an MR the guest
 * may write: the backend maps the pages of any other read-only.  Returns
 * IB_WC_SUCCESS or IB_WC_MW_BIND_ERR.
 */
int xenib_check_bind_mw(const struct xenib_mw_bind *b)
{
	u64 end;

	if (b->access & ~XENIB_MW_ACCESS)
		return IB_WC_MW_BIND_ERR;
	if (b->type == IB_MW_TYPE_2 && (b->bound || !b->length))
		return IB_WC_MW_BIND_ERR;
	if (!b->length)
		return IB_WC_SUCCESS;
	if (!(b->mr_access & IB_ACCESS_MW_BIND))
		return IB_WC_MW_BIND_ERR;
	if (b->access & (IB_ACCESS_REMOTE_WRITE | IB_ACCESS_REMOTE_ATOMIC) &&
	    !(b->mr_access & IB_ACCESS_LOCAL_WRITE))
		return IB_WC_MW_BIND_ERR;
	if (check_add_overflow(b->addr, b->length, &end) ||
	    b->addr < b->mr_iova || end > b->mr_iova + b->mr_length)
		return IB_WC_MW_BIND_ERR;
	if (xenib_pages_spanned(b->addr, b->length) > b->max_pages)
		return IB_WC_MW_BIND_ERR;
	return IB_WC_SUCCESS;
}

/*
 * How many elements a guest has produced in a work queue that we have not
 * taken, given its producer index @prod and our free-running @head (taken)
 * and @tail (retired); -1 if @prod is impossible.  Ring indices are kept
 * masked, as rxe keeps them.
 */
int xenib_ring_pending(u32 prod, u32 index_mask, u32 head, u32 tail)
{
	u32 produced = (prod - tail) & index_mask;

	/* Off the ring, or fewer than we took: the guest moved it back. */
	if (prod > index_mask || produced < head - tail)
		return -1;
	return produced - (head - tail);
}

/*
 * Room on the event ring for one more event, given our producer index and
 * the guest's consumer index?  A consumer index ahead of ours, or more
 * than a ring behind, counts as full: the event is dropped and counted,
 * never written over events the guest has not read.
 */
bool xenib_event_ring_has_room(u32 prod, u32 cons)
{
	return prod - cons < XENIB_EVENT_RING_SIZE;
}

/* Is @opcode one the backend carries out itself (a window's)? */
bool xenib_wqe_is_local(u32 opcode)
{
	return opcode == IB_WR_BIND_MW || opcode == IB_WR_LOCAL_INV;
}

/*
 * Check a copy of one send queue element of @elem_size bytes, all but its
 * lkeys and AH, which name objects.  Returns the IB_WC_* status a real
 * device gives such a work request.
 */
int xenib_check_send_wqe(const struct rxe_send_wqe *wqe, size_t elem_size,
			 const struct xenib_wq_limits *lim)
{
	const struct rxe_send_wr *wr = &wqe->wr;
	size_t room;
	u32 num_sge;

	if (elem_size < sizeof(*wqe))
		return IB_WC_LOC_LEN_ERR;
	room = elem_size - sizeof(*wqe);
	num_sge = wqe->dma.num_sge;
	if (!xenib_wr_opcode_ok(lim->qp_type, wr->opcode, lim->atomics,
				lim->windows) ||
	    wr->send_flags & ~XENIB_SEND_FLAGS)
		return IB_WC_LOC_QP_OP_ERR;
	/* Binds and invalidations carry no data: the backend does them. */
	if (xenib_wqe_is_local(wr->opcode))
		return wr->send_flags & IB_SEND_INLINE ?
		       IB_WC_LOC_QP_OP_ERR : IB_WC_SUCCESS;

	if (wr->send_flags & IB_SEND_INLINE) {
		/*
		 * Inline data is for what is sent from here; a device given
		 * it for a READ or an atomic might take the bytes for the
		 * SGEs to receive into.
		 */
		if (wr->opcode != IB_WR_SEND &&
		    wr->opcode != IB_WR_SEND_WITH_IMM &&
		    wr->opcode != IB_WR_SEND_WITH_INV &&
		    wr->opcode != IB_WR_RDMA_WRITE &&
		    wr->opcode != IB_WR_RDMA_WRITE_WITH_IMM)
			return IB_WC_LOC_QP_OP_ERR;
		if (wqe->dma.length > lim->max_inline ||
		    wqe->dma.length > room)
			return IB_WC_LOC_LEN_ERR;
		return IB_WC_SUCCESS;
	}

	if (num_sge > lim->max_sge || num_sge > room / sizeof(struct rxe_sge))
		return IB_WC_LOC_LEN_ERR;
	/* An atomic's one SGE takes the 8-byte old value. */
	if ((wr->opcode == IB_WR_ATOMIC_CMP_AND_SWP ||
	     wr->opcode == IB_WR_ATOMIC_FETCH_AND_ADD) &&
	    (num_sge != 1 || wqe->dma.sge[0].length != 8))
		return IB_WC_LOC_LEN_ERR;
	return IB_WC_SUCCESS;
}

/* Check a copy of one receive queue element, all but its lkeys. */
int xenib_check_recv_wqe(const struct rxe_recv_wqe *wqe, size_t elem_size,
			 u32 max_sge)
{
	if (elem_size < sizeof(*wqe) || wqe->dma.num_sge > max_sge ||
	    wqe->dma.num_sge > (elem_size - sizeof(*wqe)) /
			       sizeof(struct rxe_sge))
		return IB_WC_LOC_LEN_ERR;
	return IB_WC_SUCCESS;
}

/*
 * Check @sge against the MR its lkey names (registered at @mr_iova for
 * @mr_length bytes, which do not wrap, with @mr_access); @write if the
 * device will write through it.  Returns an IB_WC_* status.
 */
int xenib_check_sge(const struct rxe_sge *sge, u64 mr_iova, u64 mr_length,
		    u32 mr_access, bool write)
{
	u64 end;

	if (check_add_overflow(sge->addr, (u64)sge->length, &end) ||
	    sge->addr < mr_iova || end > mr_iova + mr_length)
		return IB_WC_LOC_PROT_ERR;
	if (write && !(mr_access & IB_ACCESS_LOCAL_WRITE))
		return IB_WC_LOC_PROT_ERR;
	return IB_WC_SUCCESS;
}

/*
 * Whether a guest given the addresses @addrs (@nr GIDs of 16 bytes) may
 * send from @sgid: a GID of one of them, or a link-local one (fe80::/10:
 * the port's default GIDs, made from its MAC, which every guest on the
 * port shares as it shares the MAC).  Any other GID of the real port is
 * somebody else's address: the backend domain's or another guest's.
 */
bool xenib_check_sgid(const u8 *sgid, const u8 *addrs, unsigned int nr)
{
	if (sgid[0] == 0xfe && (sgid[1] & 0xc0) == 0x80)
		return true;
	return xenib_check_own_gid(sgid, addrs, nr);
}

/* Whether @gid is the GID of one of the guest's own addresses. */
bool xenib_check_own_gid(const u8 *gid, const u8 *addrs, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (!memcmp(gid, addrs + XENIB_GID_SIZE * i, XENIB_GID_SIZE))
			return true;
	return false;
}
