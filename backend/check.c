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
static int xenib_check_cqe(u32 cqe)
{
	return cqe && cqe <= INT_MAX ? 0 : -EINVAL;
}

/* CREATE_QP's fields that need no object looked up. */
static int xenib_check_create_qp(const struct xenib_create_qp_req *req)
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

static int xenib_check_srq_attr(const struct xenib_srq_attr *attr)
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

static int xenib_check_mr(const struct xenib_reg_mr_req *req)
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
static int xenib_check_mcast(const struct xenib_mcast_req *req)
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
static int xenib_check_alloc_mw(const struct xenib_alloc_mw_req *req)
{
	return req->type == IB_MW_TYPE_1 || req->type == IB_MW_TYPE_2 ?
	       0 : -EINVAL;
}

/* An address vector's fields that need no state; its GIDs are looked up. */
static int xenib_check_ah_attr(const struct xenib_ah_attr *ah)
{
	if (ah->flags & ~XENIB_AH_F_GRH ||
	    ah->gid_type > IB_GID_TYPE_ROCE_UDP_ENCAP)
		return -EINVAL;
	return 0;
}

static int xenib_check_create_cq(const struct xenib_create_cq_req *req)
{
	if (req->rsvd || xenib_check_cqe(req->cqe))
		return -EINVAL;
	return xenib_check_queue(&req->queue, sizeof(struct ib_uverbs_wc),
				 req->cqe);
}

static int xenib_check_resize_cq(const struct xenib_resize_cq_req *req)
{
	if (xenib_check_cqe(req->cqe))
		return -EINVAL;
	return xenib_check_queue(&req->queue, sizeof(struct ib_uverbs_wc),
				 req->cqe);
}

/* CREATE_QP with its queues; a QP on an SRQ has no receive queue. */
static int xenib_check_create_qp_queues(const struct xenib_create_qp_req *req)
{
	const struct xenib_qp_cap *cap = &req->cap;
	int err;

	err = xenib_check_create_qp(req);
	if (err)
		return err;
	err = xenib_check_queue(&req->sq, xenib_sq_elem_size(cap),
				cap->max_send_wr);
	if (err || req->srq)
		return err;
	return xenib_check_queue(&req->rq, xenib_recv_elem_size(cap->max_recv_sge),
				 cap->max_recv_wr);
}

static int xenib_check_modify_qp(const struct xenib_modify_qp_req *req)
{
	const struct xenib_qp_attr *attr = &req->attr;

	if (req->attr_mask & ~XENIB_QP_ATTR_MASK)
		return -EOPNOTSUPP;
	if (attr->rsvd[0] || attr->rsvd[1] || attr->rsvd[2] || attr->cap.rsvd)
		return -EINVAL;
	if (req->attr_mask & IB_QP_AV && xenib_check_ah_attr(&attr->ah_attr))
		return -EINVAL;
	if (req->attr_mask & IB_QP_ALT_PATH &&
	    xenib_check_ah_attr(&attr->alt_ah_attr))
		return -EINVAL;
	return 0;
}

static int xenib_check_create_srq(const struct xenib_create_srq_req *req)
{
	if (req->rsvd || xenib_check_srq_attr(&req->attr))
		return -EINVAL;
	return xenib_check_queue(&req->queue,
				 xenib_recv_elem_size(req->attr.max_sge),
				 req->attr.max_wr);
}

/* Only the limit: the guest's ring cannot grow under it. */
static int xenib_check_modify_srq(const struct xenib_modify_srq_req *req)
{
	if (req->attr_mask & ~IB_SRQ_LIMIT)
		return -EOPNOTSUPP;
	return req->attr.rsvd ? -EINVAL : 0;
}

/*
 * SEND_MAD: a CM MAD to QP1 (xenibif.h).  Its common header (IBA 13.4.2)
 * opens with base version, class, class version and method, a byte each.
 */
static int xenib_check_send_mad(const struct xenib_send_mad_req *req)
{
	const u8 *hdr = req->mad;

	if (req->rsvd0 || req->rsvd1 || req->remote_qpn != 1 ||
	    req->remote_qkey != IB_QP1_QKEY ||
	    hdr[0] != IB_MGMT_BASE_VERSION || hdr[1] != IB_MGMT_CLASS_CM ||
	    hdr[2] != XENIB_CM_CLASS_VERSION || hdr[3] != IB_MGMT_METHOD_SEND)
		return -EINVAL;
	return xenib_check_ah_attr(&req->ah);
}

/*
 * Everything of a control request that can be checked without looking
 * anything up, before any handler acts on it: reserved words, flags,
 * sizes and queue geometries.  Handles, the device's own limits and the
 * guest's addresses are left to the handlers.  0, -EINVAL for a malformed
 * request, -EOPNOTSUPP for an op or attribute the backend does not offer.
 */
int xenib_check_ctrl_request(const struct xenib_ctrl_request *req)
{
	const typeof(req->u) *u = &req->u;

	if (req->rsvd0 || req->rsvd1)
		return -EINVAL;
	switch (req->op) {
	case XENIB_OP_NOP:
		return u->nop.flags & ~XENIB_NOP_F_EVENT || u->nop.rsvd ?
		       -EINVAL : 0;
	/* The payload of these is not read. */
	case XENIB_OP_QUERY_DEVICE:
	case XENIB_OP_QUERY_PORT:
	case XENIB_OP_ALLOC_PD:
	case XENIB_OP_RECV_MAD:
		return 0;
	case XENIB_OP_QUERY_PKEY:
		return u->query_pkey.rsvd0 || u->query_pkey.rsvd1 ? -EINVAL : 0;
	case XENIB_OP_DEALLOC_PD:
	case XENIB_OP_DESTROY_CQ:
	case XENIB_OP_DESTROY_QP:
	case XENIB_OP_QUERY_SRQ:
	case XENIB_OP_DESTROY_SRQ:
	case XENIB_OP_DESTROY_AH:
	case XENIB_OP_DEREG_MR:
	case XENIB_OP_DEALLOC_MW:
		return u->handle.rsvd ? -EINVAL : 0;
	case XENIB_OP_CREATE_CQ:
		return xenib_check_create_cq(&u->create_cq);
	case XENIB_OP_RESIZE_CQ:
		return xenib_check_resize_cq(&u->resize_cq);
	case XENIB_OP_CREATE_QP:
		return xenib_check_create_qp_queues(&u->create_qp);
	case XENIB_OP_MODIFY_QP:
		return xenib_check_modify_qp(&u->modify_qp);
	case XENIB_OP_QUERY_QP:
		return u->query_qp.attr_mask & ~XENIB_QP_ATTR_MASK ? -EINVAL : 0;
	case XENIB_OP_CREATE_SRQ:
		return xenib_check_create_srq(&u->create_srq);
	case XENIB_OP_MODIFY_SRQ:
		return xenib_check_modify_srq(&u->modify_srq);
	case XENIB_OP_CREATE_AH:
		return u->create_ah.rsvd ? -EINVAL :
		       xenib_check_ah_attr(&u->create_ah.attr);
	case XENIB_OP_REG_MR:
		return xenib_check_mr(&u->reg_mr);
	case XENIB_OP_ALLOC_MW:
		return xenib_check_alloc_mw(&u->alloc_mw);
	case XENIB_OP_SEND_MAD:
		return xenib_check_send_mad(&u->send_mad);
	case XENIB_OP_ATTACH_MCAST:
	case XENIB_OP_DETACH_MCAST:
		return xenib_check_mcast(&u->mcast);
	default:
		return -EOPNOTSUPP;
	}
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
