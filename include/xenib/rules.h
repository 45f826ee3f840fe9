/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rules of the verbs that both ends of xenib apply, written once: the
 * frontend to answer its callers synchronously as a native driver does,
 * the backend (backend/check.c, and so the fuzzer) to refuse what a guest
 * that ignores them hands it anyway.  Pure functions of their arguments.
 *
 * Users include the kernel's <rdma/ib_verbs.h> (or, in user space, the
 * fuzzer's kcompat.h) and xenibif.h first.
 *
 * Copyright (c) 2026 The xenib authors
 */

#ifndef XENIB_RULES_H
#define XENIB_RULES_H

/* Access flags a registration may ask for. */
#define XENIB_MR_ACCESS		(IB_ACCESS_LOCAL_WRITE |		\
				 IB_ACCESS_REMOTE_WRITE |		\
				 IB_ACCESS_REMOTE_READ |		\
				 IB_ACCESS_REMOTE_ATOMIC |		\
				 IB_ACCESS_MW_BIND)

/* Access flags a memory window may be bound with (never zero-based). */
#define XENIB_MW_ACCESS		(IB_ACCESS_LOCAL_WRITE |		\
				 IB_ACCESS_REMOTE_WRITE |		\
				 IB_ACCESS_REMOTE_READ |		\
				 IB_ACCESS_REMOTE_ATOMIC)

/*
 * May a QP of @qp_type take a work request of @opcode, on a device that
 * does atomics if @atomics and memory windows if @windows?  UD sends
 * only; UC adds RDMA WRITE; RC adds RDMA READ and, where the device has
 * them, the atomics.  With windows, RC and UC QPs send with invalidate
 * and RC QPs bind windows and invalidate them locally (rxe binds on UC
 * QPs too; xenib does not, see the BIND_MW notes in docs/decisions.md).
 */
static inline bool xenib_wr_opcode_ok(u32 qp_type, u32 opcode, bool atomics,
				      bool windows)
{
	switch (opcode) {
	case IB_WR_SEND:
	case IB_WR_SEND_WITH_IMM:
		return true;
	case IB_WR_RDMA_WRITE:
	case IB_WR_RDMA_WRITE_WITH_IMM:
		return qp_type != IB_QPT_UD;
	case IB_WR_RDMA_READ:
		return qp_type == IB_QPT_RC;
	case IB_WR_ATOMIC_CMP_AND_SWP:
	case IB_WR_ATOMIC_FETCH_AND_ADD:
		return qp_type == IB_QPT_RC && atomics;
	case IB_WR_SEND_WITH_INV:
		return qp_type != IB_QPT_UD && windows;
	case IB_WR_BIND_MW:
	case IB_WR_LOCAL_INV:
		return qp_type == IB_QPT_RC && windows;
	default:
		return false;
	}
}

/*
 * Does a work request of @opcode have the device write into its local
 * SGEs (the response of a READ or an atomic)?  Such SGEs must name
 * memory registered for local write, and a consumer's data comes back
 * through them.
 */
static inline bool xenib_wr_writes_local(u32 opcode)
{
	return opcode == IB_WR_RDMA_READ ||
	       opcode == IB_WR_ATOMIC_CMP_AND_SWP ||
	       opcode == IB_WR_ATOMIC_FETCH_AND_ADD;
}

/* Bytes of a guest queue: its header, then 2^@log2_slots elements. */
static inline u64 xenib_queue_bytes(u32 log2_slots, u32 log2_elem_size)
{
	return XENIB_QUEUE_HDR_SIZE + ((u64)1 << (log2_slots + log2_elem_size));
}

/*
 * The pages of a guest queue of 2^@log2_slots elements of
 * 2^@log2_elem_size bytes after its header: what the frontend grants and
 * the only count the backend accepts for it.
 */
static inline u64 xenib_queue_nr_pages(u32 log2_slots, u32 log2_elem_size)
{
	return DIV_ROUND_UP_ULL(xenib_queue_bytes(log2_slots, log2_elem_size),
				XENIB_PAGE_SIZE);
}

/* Byte offset of element @idx (masked) in a queue of the given geometry. */
static inline size_t xenib_queue_elem_offset(u32 log2_elem_size,
					     u32 index_mask, u32 idx)
{
	return XENIB_QUEUE_HDR_SIZE +
	       ((size_t)(idx & index_mask) << log2_elem_size);
}

/*
 * The most elements a guest queue of 2^@log2_elem_size-byte elements
 * holds: the power-of-two slots that fit in XENIB_QUEUE_MAX_PAGES after
 * the header, less the one kept free.  What a guest is told it may ask
 * for (max_qp_wr, max_srq_wr, max_cqe) is at most this for the smallest
 * element of the queue, or it could not have a queue of that size.
 */
static inline u32 xenib_queue_max_elems(u32 log2_elem_size)
{
	u64 room = (u64)XENIB_QUEUE_MAX_PAGES * XENIB_PAGE_SIZE -
		   XENIB_QUEUE_HDR_SIZE;
	u32 log2_slots = 0;

	while (log2_slots < XENIB_QUEUE_MAX_LOG2_SLOTS &&
	       (u64)2 << (log2_slots + log2_elem_size) <= room)
		log2_slots++;
	return (1U << log2_slots) - 1;
}

/* log2 of the element of at least @size bytes, as rxe pads elements. */
static inline u32 xenib_queue_elem_log2(size_t size)
{
	u32 log2 = XENIB_QUEUE_MIN_ELEM_LOG2;

	while (((size_t)1 << log2) < size)
		log2++;
	return log2;
}

#endif /* XENIB_RULES_H */
