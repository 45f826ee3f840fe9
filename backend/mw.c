// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibback: memory windows.
 *
 * Kernel verbs have no memory windows, so the backend makes each of a
 * guest's windows out of an MR of its own on the real device, allocated
 * for fast registration in the window's PD: binding the window registers
 * that MR over the pages of the MR the guest names (already mapped and
 * DMA-mapped for it, see mr.c) under the window's address and access,
 * and invalidating the window invalidates it.  The MR's key keeps its
 * index for life and changes only in the low 8 bits, as a window's rkey
 * does, so the rkey the guest hands its peers is the real one and peers
 * (native or not) need nothing special.
 *
 * Binds and local invalidations arrive as work requests on a guest RC QP's
 * send queue.  The engine carries them out at once, on the PD's
 * registration QP, waiting for them (a work request queued on a guest QP
 * would name the MR by pointer until the device reached it, and the guest
 * could end the window first); the guest's QP gets a local invalidation
 * of the PD's placeholder MR in their place, which completes in order
 * with the rest of its work and becomes the guest's completion.
 *
 * Everything runs under be->lock: windows change only in the engine and
 * in control requests, never at once.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/scatterlist.h>
#include <linux/slab.h>
#include "common.h"

/* The PD's placeholder MR, made on its first window. */
static int xenib_be_pd_placeholder(struct xenib_be_pd *pd)
{
	struct ib_mr *mr;

	if (pd->placeholder)
		return 0;
	mr = ib_alloc_mr(pd->pd, IB_MR_TYPE_MEM_REG, 1);
	if (IS_ERR(mr))
		return PTR_ERR(mr);
	pd->placeholder = mr;
	return 0;
}

int xenib_be_alloc_mw(struct xenib_be *be,
		      const struct xenib_alloc_mw_req *req,
		      struct xenib_alloc_mw_resp *resp)
{
	struct xenib_be_pd *pd;
	struct xenib_be_mw *mw;
	u32 handle;
	int err;

	pd = xenib_be_pd_of(be, req->pd);
	if (IS_ERR(pd))
		return PTR_ERR(pd);
	if (!xenib_mw_max_pages)
		return -EOPNOTSUPP;
	err = xenib_be_pd_placeholder(pd);
	if (!err)
		err = xenib_be_pd_reg_qp(be, pd);
	if (err)
		return err;

	mw = xenib_be_new(&be->mws, sizeof(*mw), xenib_max_mws, &handle);
	if (IS_ERR(mw))
		return PTR_ERR(mw);
	mw->max_pages = xenib_mw_max_pages;
	mw->mr = ib_alloc_mr(pd->pd, IB_MR_TYPE_MEM_REG, mw->max_pages);
	if (IS_ERR(mw->mr)) {
		err = PTR_ERR(mw->mr);
		mw->mr = NULL;
		goto fail;
	}
	err = xa_err(xa_store(&be->mw_keys, mw->mr->rkey >> 8, mw,
			      GFP_KERNEL));
	if (err)
		goto fail;
	mw->pd = pd;
	mw->type = req->type;
	pd->users++;
	resp->handle = handle;
	resp->rkey = mw->mr->rkey;
	return 0;

fail:
	if (mw->mr)
		ib_dereg_mr(mw->mr);
	xenib_be_drop_new(&be->mws, handle, mw);
	return err;
}

static void xenib_be_mw_unbound(struct xenib_be_mw *mw)
{
	if (!mw->parent)
		return;
	mw->parent->nr_windows--;
	mw->parent = NULL;
}

void xenib_be_free_mw(struct xenib_be *be, struct xenib_be_mw *mw)
{
	xa_erase(&be->mw_keys, mw->mr->rkey >> 8);
	/* Waits for the real device's users of it, as for any MR. */
	ib_dereg_mr(mw->mr);
	xenib_be_mw_unbound(mw);
	mw->pd->users--;
	kfree(mw);
}

int xenib_be_dealloc_mw(struct xenib_be *be, const struct xenib_handle_req *req)
{
	struct xenib_be_mw *mw;

	mw = xenib_be_lookup(&be->mws, req);
	if (IS_ERR(mw))
		return PTR_ERR(mw);
	xa_erase(&be->mws, req->handle);
	xenib_be_free_mw(be, mw);
	return 0;
}

/*
 * A peer's send with invalidate took @rkey on one of this guest's QPs; if
 * it names one of its windows, the real device has invalidated it.
 */
void xenib_be_mw_invalidated(struct xenib_be *be, u32 rkey)
{
	struct xenib_be_mw *mw = xa_load(&be->mw_keys, rkey >> 8);

	lockdep_assert_held(&be->lock);

	if (mw && mw->mr->rkey == rkey)
		xenib_be_mw_unbound(mw);
}

/*
 * Look up and check what the bind or local invalidation @wr on @qp names:
 * the window in *@mw and, for a bind of some length, the MR in *@mr.
 * Returns the IB_WC_* status rxe would complete it with.
 */
int xenib_be_mw_prepare(struct xenib_be *be, struct xenib_be_qp *qp,
			const struct rxe_send_wr *wr,
			struct xenib_be_mw **mw, struct xenib_be_mr **mr)
{
	struct xenib_mw_bind bind = {};
	struct xenib_be_mw *w;
	struct xenib_be_mr *m = NULL;
	u32 key;

	lockdep_assert_held(&be->lock);

	key = wr->opcode == IB_WR_BIND_MW ? wr->wr.mw.mw_rkey :
					    wr->ex.invalidate_rkey;
	w = xa_load(&be->mw_keys, key >> 8);
	if (wr->opcode == IB_WR_LOCAL_INV) {
		/* Type 1 windows are only ever unbound by a bind. */
		if (!w || w->mr->rkey != key || w->pd != qp->pd ||
		    w->type != IB_MW_TYPE_2)
			return IB_WC_LOC_QP_OP_ERR;
		*mw = w;
		*mr = NULL;
		return IB_WC_SUCCESS;
	}
	if (!w || w->mr->rkey != key || w->pd != qp->pd)
		return IB_WC_MW_BIND_ERR;
	/* The next key differs from the current one (rxe's o10-37.2.40). */
	if (w->type == IB_MW_TYPE_2 && (wr->wr.mw.rkey & 0xff) == (key & 0xff))
		return IB_WC_MW_BIND_ERR;
	bind.type = w->type;
	bind.bound = w->parent;
	bind.max_pages = w->max_pages;
	bind.addr = wr->wr.mw.addr;
	bind.length = wr->wr.mw.length;
	bind.access = wr->wr.mw.access;
	if (bind.length) {
		m = xa_load(&be->mr_keys, wr->wr.mw.mr_lkey);
		if (!m || m->pd != w->pd)
			return IB_WC_MW_BIND_ERR;
		bind.mr_iova = m->iova;
		bind.mr_length = m->length;
		bind.mr_access = m->access;
	}
	*mw = w;
	*mr = m;
	return xenib_check_bind_mw(&bind);
}

/*
 * Describe @length bytes at @addr of @mr, which holds them, in @sg (room
 * for @nr entries) by the DMA addresses @mr was mapped at; returns the
 * number of entries used.
 */
static int xenib_be_mw_sg(struct scatterlist *sg, int nr,
			  struct xenib_be_mr *mr, u64 addr, u64 length)
{
	u64 start = addr - mr->iova, end = start + length, pos = 0;
	struct scatterlist *s;
	unsigned int i;
	int n = 0;

	sg_init_table(sg, nr);
	for_each_sgtable_dma_sg(&mr->sgt, s, i) {
		u64 len = sg_dma_len(s), from, to;

		from = max(start, pos);
		to = min(end, pos + len);
		if (from < to) {
			if (WARN_ON(n == nr))
				return -EINVAL;
			sg_dma_address(&sg[n]) = sg_dma_address(s) +
						 (from - pos);
			sg_dma_len(&sg[n]) = to - from;
			n++;
		}
		pos += len;
		if (pos >= end)
			break;
	}
	return n;
}

static int xenib_be_mw_invalidate(struct xenib_be_mw *mw)
{
	struct ib_send_wr wr = {
		.opcode = IB_WR_LOCAL_INV,
		.ex.invalidate_rkey = mw->mr->rkey,
	};
	int err;

	err = xenib_be_post_local(mw->pd, &wr);
	if (!err)
		xenib_be_mw_unbound(mw);
	return err;
}

/* Register @mw over @length bytes at @addr of @mr for @access. */
static int xenib_be_mw_register(struct xenib_be_mw *mw, struct xenib_be_mr *mr,
				u64 addr, u64 length, u32 access)
{
	struct ib_reg_wr wr = {
		.wr.opcode = IB_WR_REG_MR,
		.mr = mw->mr,
		.key = mw->mr->rkey,
	};
	/* Entries: at most one per page; the MR keeps what it maps. */
	int nr = xenib_pages_spanned(addr, length);
	struct scatterlist *sg;
	int n, err;

	sg = kvmalloc_array(nr, sizeof(*sg), GFP_KERNEL);
	if (!sg)
		return -ENOMEM;
	n = xenib_be_mw_sg(sg, nr, mr, addr, length);
	err = n > 0 ? ib_map_mr_sg(mw->mr, sg, n, NULL, XENIB_PAGE_SIZE) :
		      -EINVAL;
	kvfree(sg);
	if (err != n)
		return err < 0 ? err : -EINVAL;
	/* The guest's addresses, as for its MRs; the length is the sum. */
	mw->mr->iova = addr;
	/* Writes through a window are writes to its MR (C10-74). */
	wr.access = access & (IB_ACCESS_REMOTE_WRITE | IB_ACCESS_REMOTE_ATOMIC) ?
		    access | IB_ACCESS_LOCAL_WRITE : access;
	err = xenib_be_post_local(mw->pd, &wr.wr);
	if (err)
		return err;
	mw->parent = mr;
	mr->nr_windows++;
	return 0;
}

/*
 * Carry out the bind or local invalidation @wr, which
 * xenib_be_mw_prepare() passed with @mw and @mr.  An error is the real
 * device's.
 */
int xenib_be_mw_execute(struct xenib_be *be, const struct rxe_send_wr *wr,
			struct xenib_be_mw *mw, struct xenib_be_mr *mr)
{
	int err;

	lockdep_assert_held(&be->lock);

	err = xenib_be_pd_reg_qp(be, mw->pd);
	if (err)
		return err;
	if (mw->parent || wr->opcode == IB_WR_LOCAL_INV) {
		err = xenib_be_mw_invalidate(mw);
		if (err || wr->opcode == IB_WR_LOCAL_INV)
			return err;
	}
	/*
	 * As rxe: a bind gives the window its next key, even to unbind it;
	 * the index, by which mw_keys knows it, stays.
	 */
	ib_update_fast_reg_key(mw->mr, wr->wr.mw.rkey & 0xff);
	if (!wr->wr.mw.length)
		return 0;
	return xenib_be_mw_register(mw, mr, wr->wr.mw.addr, wr->wr.mw.length,
				    wr->wr.mw.access);
}
