// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibback: queue pairs and their multicast groups.
 *
 * A guest QP is a real kernel QP on the real device plus the guest's send
 * and receive queues mapped from guest memory.  QP numbers are the real
 * ones, so peers address guest QPs directly; their paths' address vectors
 * are translated in ah.c.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/igmp.h>
#include <linux/inetdevice.h>
#include <linux/slab.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <rdma/ib_addr.h>
#include <rdma/ib_cache.h>
#include <rdma/rdma_user_rxe.h>
#include "common.h"

/*
 * The wire's attribute mask goes to ib_modify_qp() and ib_query_qp() as
 * it is, so its bits must be exactly these of the kernel's.
 */
#define XENIB_QP_MODIFY_MASK	(IB_QP_STATE | IB_QP_CUR_STATE |	\
				 IB_QP_EN_SQD_ASYNC_NOTIFY |		\
				 IB_QP_ACCESS_FLAGS | IB_QP_PKEY_INDEX |	\
				 IB_QP_PORT | IB_QP_QKEY | IB_QP_AV |	\
				 IB_QP_PATH_MTU | IB_QP_TIMEOUT |	\
				 IB_QP_RETRY_CNT | IB_QP_RNR_RETRY |	\
				 IB_QP_RQ_PSN | IB_QP_MAX_QP_RD_ATOMIC |	\
				 IB_QP_ALT_PATH | IB_QP_MIN_RNR_TIMER |	\
				 IB_QP_SQ_PSN | IB_QP_MAX_DEST_RD_ATOMIC |	\
				 IB_QP_PATH_MIG_STATE | IB_QP_CAP |	\
				 IB_QP_DEST_QPN)

static_assert(XENIB_QP_MODIFY_MASK == XENIB_QP_ATTR_MASK);

static void xenib_be_cap_to_wire(const struct ib_qp_cap *c,
				 struct xenib_qp_cap *w)
{
	w->max_send_wr = c->max_send_wr;
	w->max_recv_wr = c->max_recv_wr;
	w->max_send_sge = c->max_send_sge;
	w->max_recv_sge = c->max_recv_sge;
	w->max_inline_data = c->max_inline_data;
	w->rsvd = 0;
}

/*
 * Join (@join) or leave the IPv4 group of a RoCE v2 multicast GID on the
 * real port's netdev, as rdma_cm does for a native process
 * (cma_igmp_send()): without a member the IP layer neither loops the
 * group's packets back to the port nor reports the group to the network.
 * The guest's own rdma_cm joined it on its xenib0, which carries nothing.
 * Memberships are counted by the IP layer, so guests share a group.
 */
static void xenib_be_mcast_igmp(struct xenib_be *be, const union ib_gid *gid,
				bool join)
{
	const struct ib_gid_attr *attr;
	struct net_device *ndev;
	struct in_device *in_dev;
	__be32 group;

	if (!ipv6_addr_v4mapped((const struct in6_addr *)gid->raw))
		return;
	memcpy(&group, &gid->raw[12], sizeof(group));
	attr = rdma_get_gid_attr(be->hca->ibdev, be->port, 0);
	if (IS_ERR(attr))
		return;
	rcu_read_lock();
	ndev = rdma_read_gid_attr_ndev_rcu(attr);
	if (IS_ERR(ndev))
		ndev = NULL;
	else
		dev_hold(ndev);
	rcu_read_unlock();
	rdma_put_gid_attr(attr);
	if (!ndev)
		return;
	rtnl_lock();
	in_dev = __in_dev_get_rtnl(ndev);
	if (in_dev) {
		if (join)
			ip_mc_inc_group(in_dev, group);
		else
			ip_mc_dec_group(in_dev, group);
	}
	rtnl_unlock();
	dev_put(ndev);
}

/*
 * Tear down @qp, which is no longer in the table.  With @drain, its
 * completions still in the real CQs are dropped now (the CQs live on).
 */
void xenib_be_free_qp(struct xenib_be *be, struct xenib_be_qp *qp,
		      bool drain)
{
	struct ib_qp *gone = qp->qp;
	struct xenib_be_mcast *mc, *next;

	/* Kernel QPs keep their groups (ib_core detaches only for uverbs). */
	list_for_each_entry_safe(mc, next, &qp->mcast, list) {
		ib_detach_mcast(qp->qp, &mc->gid, mc->lid);
		xenib_be_mcast_igmp(be, &mc->gid, false);
		list_del(&mc->list);
		kfree(mc);
	}
	xenib_be_wq_destroy(be, &qp->swq);
	xenib_be_wq_destroy(be, &qp->rwq);
	ib_destroy_qp(qp->qp);
	if (drain) {
		xenib_be_drain_cq(be, qp->send_cq, gone);
		if (qp->recv_cq != qp->send_cq)
			xenib_be_drain_cq(be, qp->recv_cq, gone);
	}
	xenib_be_queue_unmap(be, qp->sq);
	xenib_be_queue_unmap(be, qp->rq);
	qp->pd->users--;
	qp->send_cq->users--;
	qp->recv_cq->users--;
	if (qp->srq)
		qp->srq->users--;
	kfree(qp);
}

int xenib_be_create_qp(struct xenib_be *be,
		       const struct xenib_create_qp_req *req,
		       struct xenib_create_qp_resp *resp)
{
	const struct xenib_qp_cap *cap = &req->cap;
	struct ib_qp_init_attr init = {};
	struct xenib_be_qp *qp;
	struct xenib_be_pd *pd;
	struct xenib_be_cq *scq, *rcq;
	struct xenib_be_srq *srq = NULL;
	u32 handle;
	int err;

	pd = xenib_be_pd_of(be, req->pd);
	if (IS_ERR(pd))
		return PTR_ERR(pd);
	scq = xa_load(&be->cqs, req->send_cq);
	rcq = xa_load(&be->cqs, req->recv_cq);
	if (!scq || !rcq)
		return -ENOENT;
	if (req->srq) {
		srq = xa_load(&be->srqs, req->srq);
		if (!srq)
			return -ENOENT;
	}

	qp = xenib_be_new(&be->qps, sizeof(*qp), xenib_max_qps, &handle);
	if (IS_ERR(qp))
		return PTR_ERR(qp);
	INIT_LIST_HEAD(&qp->mcast);

	qp->sq = xenib_be_queue_map(be, &req->sq);
	if (IS_ERR(qp->sq)) {
		err = PTR_ERR(qp->sq);
		qp->sq = NULL;
		goto fail_drop;
	}
	if (srq) {
		if (req->rq.nr_pages) {
			err = -EINVAL;
			goto fail_unmap;
		}
	} else {
		qp->rq = xenib_be_queue_map(be, &req->rq);
		if (IS_ERR(qp->rq)) {
			err = PTR_ERR(qp->rq);
			qp->rq = NULL;
			goto fail_unmap;
		}
	}

	qp->be = be;
	qp->handle = handle;
	init.event_handler = xenib_be_qp_event;
	init.qp_context = qp;
	init.qp_type = req->qp_type;
	init.send_cq = scq->cq;
	init.recv_cq = rcq->cq;
	init.srq = srq ? srq->srq : NULL;
	init.sq_sig_type = req->flags & XENIB_QP_F_SIG_ALL ?
			   IB_SIGNAL_ALL_WR : IB_SIGNAL_REQ_WR;
	init.cap.max_send_wr = cap->max_send_wr;
	init.cap.max_recv_wr = srq ? 0 : cap->max_recv_wr;
	init.cap.max_send_sge = cap->max_send_sge;
	init.cap.max_recv_sge = srq ? 0 : cap->max_recv_sge;
	init.cap.max_inline_data = cap->max_inline_data;
	qp->qp = ib_create_qp(pd->pd, &init);
	if (IS_ERR(qp->qp)) {
		err = PTR_ERR(qp->qp);
		goto fail_unmap;
	}
	qp->type = req->qp_type;
	qp->state = IB_QPS_RESET;
	qp->max_inline = init.cap.max_inline_data;
	err = xenib_be_wq_init(be, &qp->swq, qp->sq, true,
			       init.cap.max_send_wr, init.cap.max_send_sge);
	if (!err && !srq)
		err = xenib_be_wq_init(be, &qp->rwq, qp->rq, false,
				       init.cap.max_recv_wr,
				       init.cap.max_recv_sge);
	if (err) {
		xenib_be_wq_destroy(be, &qp->swq);
		ib_destroy_qp(qp->qp);
		goto fail_unmap;
	}

	qp->pd = pd;
	qp->send_cq = scq;
	qp->recv_cq = rcq;
	qp->srq = srq;
	pd->users++;
	scq->users++;
	rcq->users++;
	if (srq)
		srq->users++;
	resp->handle = handle;
	resp->qp_num = qp->qp->qp_num;
	xenib_be_engine_wake(be);	/* a receive queue to look at */
	xenib_be_cap_to_wire(&init.cap, &resp->cap);
	return 0;

fail_unmap:
	xenib_be_queue_unmap(be, qp->sq);
	xenib_be_queue_unmap(be, qp->rq);
fail_drop:
	xenib_be_drop_new(&be->qps, handle, qp);
	return err;
}

int xenib_be_modify_qp(struct xenib_be *be,
		       const struct xenib_modify_qp_req *req)
{
	const struct xenib_qp_attr *w = &req->attr;
	u32 mask = req->attr_mask;
	struct ib_qp_attr attr = {};
	struct xenib_be_qp *qp;
	int err;

	qp = xa_load(&be->qps, req->handle);
	if (!qp)
		return -ENOENT;
	if (!be->hca)
		return -ENODEV;

	attr.qp_state = w->qp_state;
	attr.cur_qp_state = w->cur_qp_state;
	attr.path_mtu = w->path_mtu;
	attr.path_mig_state = w->path_mig_state;
	attr.qkey = w->qkey;
	attr.rq_psn = w->rq_psn;
	attr.sq_psn = w->sq_psn;
	attr.dest_qp_num = w->dest_qp_num;
	attr.qp_access_flags = w->qp_access_flags;
	attr.pkey_index = w->pkey_index;
	attr.alt_pkey_index = w->alt_pkey_index;
	attr.en_sqd_async_notify = w->en_sqd_async_notify;
	attr.max_rd_atomic = w->max_rd_atomic;
	attr.max_dest_rd_atomic = w->max_dest_rd_atomic;
	attr.min_rnr_timer = w->min_rnr_timer;
	attr.port_num = be->port;
	attr.timeout = w->timeout;
	attr.retry_cnt = w->retry_cnt;
	attr.rnr_retry = w->rnr_retry;
	attr.alt_port_num = be->port;
	attr.alt_timeout = w->alt_timeout;
	/* The guest's rings were sized at creation and cannot change. */
	mask &= ~IB_QP_CAP;

	if (mask & IB_QP_AV) {
		err = xenib_be_ah_from_wire(be, &w->ah_attr, &attr.ah_attr);
		if (err)
			return err;
	}
	if (mask & IB_QP_ALT_PATH) {
		err = xenib_be_ah_from_wire(be, &w->alt_ah_attr,
					    &attr.alt_ah_attr);
		if (err)
			goto out;
	}
	err = ib_modify_qp(qp->qp, &attr, mask);
	if (!err && mask & IB_QP_STATE) {
		qp->state = attr.qp_state;
		if (qp->state == IB_QPS_RESET) {
			/* The real QP dropped its work without completions. */
			xenib_be_wq_reset(&qp->swq);
			xenib_be_wq_reset(&qp->rwq);
		}
		/* Work the guest queued early may go now. */
		xenib_be_engine_wake(be);
	}
out:
	if (mask & IB_QP_AV)
		rdma_destroy_ah_attr(&attr.ah_attr);
	if (mask & IB_QP_ALT_PATH)
		rdma_destroy_ah_attr(&attr.alt_ah_attr);
	return err;
}

int xenib_be_query_qp(struct xenib_be *be, const struct xenib_query_qp_req *req,
		      struct xenib_qp_attr *w)
{
	struct ib_qp_init_attr init = {};
	struct ib_qp_attr attr = {};
	struct xenib_be_qp *qp;
	int err;

	qp = xa_load(&be->qps, req->handle);
	if (!qp)
		return -ENOENT;
	if (!be->hca)
		return -ENODEV;
	err = ib_query_qp(qp->qp, &attr, req->attr_mask, &init);
	if (err)
		return err;

	w->qp_state = attr.qp_state;
	w->cur_qp_state = attr.cur_qp_state;
	w->path_mtu = attr.path_mtu;
	w->path_mig_state = attr.path_mig_state;
	w->qkey = attr.qkey;
	w->rq_psn = attr.rq_psn;
	w->sq_psn = attr.sq_psn;
	w->dest_qp_num = attr.dest_qp_num;
	w->qp_access_flags = attr.qp_access_flags;
	w->pkey_index = attr.pkey_index;
	w->alt_pkey_index = attr.alt_pkey_index;
	w->en_sqd_async_notify = attr.en_sqd_async_notify;
	w->sq_draining = attr.sq_draining;
	w->max_rd_atomic = attr.max_rd_atomic;
	w->max_dest_rd_atomic = attr.max_dest_rd_atomic;
	w->min_rnr_timer = attr.min_rnr_timer;
	w->timeout = attr.timeout;
	w->retry_cnt = attr.retry_cnt;
	w->rnr_retry = attr.rnr_retry;
	w->alt_timeout = attr.alt_timeout;
	xenib_be_cap_to_wire(&attr.cap, &w->cap);
	xenib_be_ah_to_wire(be, &attr.ah_attr, &w->ah_attr);
	xenib_be_ah_to_wire(be, &attr.alt_ah_attr, &w->alt_ah_attr);
	return 0;
}

/* The attachment of @qp to @req's group, or NULL. */
static struct xenib_be_mcast *xenib_be_find_mcast(struct xenib_be_qp *qp,
						  const struct xenib_mcast_req *req)
{
	struct xenib_be_mcast *mc;

	list_for_each_entry(mc, &qp->mcast, list)
		if (mc->lid == req->lid &&
		    !memcmp(mc->gid.raw, req->gid, sizeof(mc->gid.raw)))
			return mc;
	return NULL;
}

/* The UD QP an ATTACH_MCAST or DETACH_MCAST names, checked. */
static struct xenib_be_qp *xenib_be_mcast_qp(struct xenib_be *be,
					     const struct xenib_mcast_req *req)
{
	struct xenib_be_qp *qp;

	if (!be->hca)
		return ERR_PTR(-ENODEV);
	qp = xa_load(&be->qps, req->qp);
	if (!qp)
		return ERR_PTR(-ENOENT);
	return qp->type == IB_QPT_UD ? qp : ERR_PTR(-EINVAL);
}

int xenib_be_attach_mcast(struct xenib_be *be,
			  const struct xenib_mcast_req *req)
{
	struct xenib_be_mcast *mc;
	struct xenib_be_qp *qp;
	int err;

	qp = xenib_be_mcast_qp(be, req);
	if (IS_ERR(qp))
		return PTR_ERR(qp);
	/* Once per group, so that teardown detaches each exactly once. */
	if (xenib_be_find_mcast(qp, req))
		return 0;
	mc = kzalloc(sizeof(*mc), GFP_KERNEL);
	if (!mc)
		return -ENOMEM;
	memcpy(mc->gid.raw, req->gid, sizeof(mc->gid.raw));
	mc->lid = req->lid;
	/* The real device bounds groups and attachments, as natively. */
	err = ib_attach_mcast(qp->qp, &mc->gid, mc->lid);
	if (err) {
		kfree(mc);
		return err;
	}
	xenib_be_mcast_igmp(be, &mc->gid, true);
	list_add_tail(&mc->list, &qp->mcast);
	return 0;
}

int xenib_be_detach_mcast(struct xenib_be *be,
			  const struct xenib_mcast_req *req)
{
	struct xenib_be_mcast *mc;
	struct xenib_be_qp *qp;
	int err;

	qp = xenib_be_mcast_qp(be, req);
	if (IS_ERR(qp))
		return PTR_ERR(qp);
	mc = xenib_be_find_mcast(qp, req);
	if (!mc)
		return -EINVAL;	/* as rxe for a group the QP is not in */
	err = ib_detach_mcast(qp->qp, &mc->gid, mc->lid);
	if (err)
		return err;
	xenib_be_mcast_igmp(be, &mc->gid, false);
	list_del(&mc->list);
	kfree(mc);
	return 0;
}

int xenib_be_destroy_qp(struct xenib_be *be, const struct xenib_handle_req *req)
{
	struct xenib_be_qp *qp;

	qp = xenib_be_lookup(&be->qps, req);
	if (IS_ERR(qp))
		return PTR_ERR(qp);
	xa_erase(&be->qps, req->handle);
	xenib_be_free_qp(be, qp, true);
	return 0;
}
