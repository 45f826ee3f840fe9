/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-ibback: checks of what a guest hands the backend (control request
 * fields, queue geometries, ring indices, work queue elements).
 *
 * Pure functions of their arguments, with no kernel state, so that the
 * same source also builds in user space: tests/fuzz drives it with
 * libFuzzer and the sanitizers ("make fuzz").  Everything here sees only
 * copies of guest data, never the shared pages themselves.
 *
 * Copyright (c) 2026 The xenib authors
 */

#ifndef XENIB_BACK_CHECK_H
#define XENIB_BACK_CHECK_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <rdma/ib_mad.h>
#include <rdma/ib_verbs.h>
#include <xen/interface/io/ring.h>
#else
#include "kcompat.h"		/* tests/fuzz: the kernel's names in C */
#include <xen/io/ring.h>
#endif
#include <rdma/ib_user_verbs.h>
#include <rdma/rdma_user_rxe.h>
#include <xenib/xenibif.h>
#include <xenib/rules.h>

/* The CM's class version (IBA 1.2), as ib_cm registers it. */
#define XENIB_CM_CLASS_VERSION	2

/* Send flags a guest may use. */
#define XENIB_SEND_FLAGS	(IB_SEND_FENCE | IB_SEND_SIGNALED |	\
				 IB_SEND_SOLICITED | IB_SEND_INLINE)

/* What the elements of one guest work queue are checked against. */
struct xenib_wq_limits {
	u32 qp_type;		/* IB_QPT_RC, IB_QPT_UC or IB_QPT_UD */
	u32 max_sge;		/* SGEs the real queue takes */
	u32 max_inline;		/* inline bytes the real QP takes */
	bool atomics;		/* the real device does atomics */
	bool windows;		/* memory windows are offered */
};

int xenib_check_ctrl_request(const struct xenib_ctrl_request *req);
int xenib_check_queue(const struct xenib_queue *wire, size_t min_elem,
		      u32 min_slots);
size_t xenib_sq_elem_size(const struct xenib_qp_cap *cap);
size_t xenib_recv_elem_size(u32 max_sge);
u32 xenib_mr_nr_indirect(u32 nr_pages, bool two_levels);

/* A bind of a window, as IB_WR_BIND_MW asks and as things stand. */
struct xenib_mw_bind {
	u32 type;		/* the window's IB_MW_TYPE_* */
	bool bound;		/* the window is bound now */
	u32 max_pages;		/* the most pages a window spans */
	u64 addr;		/* the work request's */
	u64 length;
	u32 access;
	u64 mr_iova;		/* the MR's, when length is not 0 */
	u64 mr_length;
	u32 mr_access;
};

u64 xenib_pages_spanned(u64 addr, u64 length);
int xenib_check_bind_mw(const struct xenib_mw_bind *b);

int xenib_ring_pending(u32 prod, u32 index_mask, u32 head, u32 tail);
bool xenib_event_ring_has_room(u32 prod, u32 cons);

int xenib_check_send_wqe(const struct rxe_send_wqe *wqe, size_t elem_size,
			 const struct xenib_wq_limits *lim);
int xenib_check_recv_wqe(const struct rxe_recv_wqe *wqe, size_t elem_size,
			 u32 max_sge);
bool xenib_wqe_is_local(u32 opcode);
bool xenib_check_sgid(const u8 *sgid, const u8 *addrs, unsigned int nr);
bool xenib_check_own_gid(const u8 *gid, const u8 *addrs, unsigned int nr);
int xenib_check_sge(const struct rxe_sge *sge, u64 mr_iova, u64 mr_length,
		    u32 mr_access, bool write);

#endif /* XENIB_BACK_CHECK_H */
