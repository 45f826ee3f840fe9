// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibfront: QP1 (the GSI QP) as a tunnel to the backend.
 *
 * The real port's QP1 belongs to the backend's domain, which relays
 * connection manager MADs to and from guests (backend/mad.c).  So the
 * guest's QP1, which ib_mad creates for its CM, is no QP on the real
 * device: a MAD posted to it becomes an XENIB_OP_SEND_MAD request, and a
 * MAD the backend queued for the guest (XENIB_EVT_MAD) is fetched with
 * XENIB_OP_RECV_MAD into the next posted receive buffer, behind the network
 * header the guest's CM reads the peer's address from.  Their completions
 * are made here and polled from the kernel CQ with the ring's (kverbs.c).
 *
 * Posting happens in atomic context (ib_mad holds a spinlock), requests to
 * the backend sleep: a work item does the talking.  Address handles on
 * QP1's PD never reach the backend (ib_cm creates them in atomic context
 * too); they only carry the address to XENIB_OP_SEND_MAD.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/ip.h>
#include <linux/slab.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <rdma/ib_mad.h>
#include <rdma/ib_pack.h>
#include <rdma/ib_verbs.h>
#include "common.h"

/* What ib_mad posts, with room to spare. */
#define XENIB_GSI_MAX_WR	4096
#define XENIB_GSI_MAX_SGE	4
/* The network header in front of a received MAD (struct ib_grh's size). */
#define XENIB_GSI_GRH_SIZE	40
/* Bit of xenib_gsi.flags. */
#define XENIB_GSI_FETCH		0

/* A work request on QP1, which becomes its own completion. */
struct xenib_gsi_wr {
	struct xenib_swc swc;
	struct xenib_send_mad_req req;	/* sends */
	bool signaled;			/* sends */
	u32 num_sge;			/* receives */
	struct ib_sge sge[XENIB_GSI_MAX_SGE];
};

struct xenib_gsi {
	struct xenib_qp *qp;
	struct xenib_fe *fe;
	spinlock_t lock;
	enum ib_qp_state state;
	struct list_head sends;		/* posted, not yet sent */
	unsigned int nr_sends;		/* posted, not yet completed */
	struct list_head recvs;		/* posted receive buffers */
	unsigned int nr_recvs;
	struct work_struct work;
	/* XENIB_GSI_FETCH: the backend may have MADs for us. */
	unsigned long flags;
	struct xenib_recv_mad_resp resp;	/* the work's */
};

static void xenib_gsi_complete(struct xenib_gsi *gsi, struct ib_cq *ibcq,
			       struct xenib_gsi_wr *wr, enum ib_wc_status status,
			       enum ib_wc_opcode opcode)
{
	wr->swc.wc.status = status;
	wr->swc.wc.opcode = opcode;
	wr->swc.wc.qp = &gsi->qp->ibqp;
	wr->swc.wc.port_num = XENIB_GUEST_PORT;
	xenib_kcq_add(to_xcq(ibcq), &wr->swc);
}

/* Complete @list's work requests with a flush error, or drop them. */
static void xenib_gsi_flush_list(struct xenib_gsi *gsi, struct list_head *list,
				 struct ib_cq *ibcq, enum ib_wc_opcode opcode,
				 bool report)
{
	struct xenib_gsi_wr *wr, *tmp;

	list_for_each_entry_safe(wr, tmp, list, swc.list) {
		list_del(&wr->swc.list);
		if (report)
			xenib_gsi_complete(gsi, ibcq, wr, IB_WC_WR_FLUSH_ERR,
					   opcode);
		else
			kfree(wr);
	}
}

/* Complete everything posted with a flush error, as a QP entering ERR. */
static void xenib_gsi_flush(struct xenib_gsi *gsi, bool report)
{
	struct ib_qp *ibqp = &gsi->qp->ibqp;
	struct xenib_gsi_wr *wr;
	LIST_HEAD(sends);
	LIST_HEAD(recvs);

	spin_lock_irq(&gsi->lock);
	list_for_each_entry(wr, &gsi->sends, swc.list)
		gsi->nr_sends--;
	list_splice_init(&gsi->sends, &sends);
	list_splice_init(&gsi->recvs, &recvs);
	gsi->nr_recvs = 0;
	spin_unlock_irq(&gsi->lock);

	xenib_gsi_flush_list(gsi, &sends, ibqp->send_cq, IB_WC_SEND, report);
	xenib_gsi_flush_list(gsi, &recvs, ibqp->recv_cq, IB_WC_RECV, report);
}

static void xenib_gsi_send_one(struct xenib_gsi *gsi, struct xenib_gsi_wr *wr)
{
	enum ib_wc_status status = IB_WC_SUCCESS;
	int err;

	err = xenib_fe_call_simple(gsi->fe, XENIB_OP_SEND_MAD, &wr->req,
				   sizeof(wr->req), NULL, 0);
	if (err) {
		/* EACCES: not from an address of ours. */
		status = err == -EACCES ? IB_WC_LOC_PROT_ERR :
					  IB_WC_GENERAL_ERR;
		dev_dbg_ratelimited(&gsi->fe->dev->dev,
				    "MAD not sent: %d\n", err);
	}
	spin_lock_irq(&gsi->lock);
	gsi->nr_sends--;
	spin_unlock_irq(&gsi->lock);
	if (wr->signaled || status != IB_WC_SUCCESS) {
		xenib_gsi_complete(gsi, gsi->qp->ibqp.send_cq, wr, status,
				   IB_WC_SEND);
	} else {
		kfree(wr);
	}
}

/* The network header the MAD came behind, as the CM parses it. */
static void xenib_gsi_build_grh(const struct xenib_recv_mad_resp *m, u8 *buf)
{
	memset(buf, 0, XENIB_GSI_GRH_SIZE);
	if (m->network_type == RDMA_NETWORK_IPV4) {
		/* RoCE v2 over IPv4: the IP header in the last 20 bytes. */
		struct iphdr *ip = (struct iphdr *)(buf + 20);

		ip->version = 4;
		ip->ihl = 5;
		ip->tos = m->traffic_class;
		ip->tot_len = htons(sizeof(*ip) + sizeof(struct udphdr) +
				    IB_BTH_BYTES + IB_DETH_BYTES +
				    XENIB_MAD_SIZE + 4);
		ip->ttl = m->hop_limit;
		ip->protocol = IPPROTO_UDP;
		memcpy(&ip->saddr, m->sgid + 12, 4);
		memcpy(&ip->daddr, m->dgid + 12, 4);
		ip_send_check(ip);
	} else {
		struct ib_grh *grh = (struct ib_grh *)buf;

		grh->version_tclass_flow =
			cpu_to_be32(6U << 28 | (u32)m->traffic_class << 20 |
				    (m->flow_label & 0xfffff));
		grh->paylen = cpu_to_be16(XENIB_MAD_SIZE);
		grh->next_hdr = m->network_type == RDMA_NETWORK_IPV6 ?
				IPPROTO_UDP : 0x1b;
		grh->hop_limit = m->hop_limit;
		memcpy(grh->sgid.raw, m->sgid, sizeof(grh->sgid.raw));
		memcpy(grh->dgid.raw, m->dgid, sizeof(grh->dgid.raw));
	}
}

static void xenib_gsi_scatter(struct xenib_gsi_wr *wr, const u8 *src,
			      u32 len, u32 *offset)
{
	u32 i, skip = *offset, n;

	for (i = 0; i < wr->num_sge && len; i++) {
		if (skip >= wr->sge[i].length) {
			skip -= wr->sge[i].length;
			continue;
		}
		n = min(len, wr->sge[i].length - skip);
		memcpy((u8 *)(uintptr_t)wr->sge[i].addr + skip, src, n);
		src += n;
		len -= n;
		*offset += n;
		skip = 0;
	}
}

/* Fetch one MAD into the oldest receive buffer; false when done for now. */
static bool xenib_gsi_fetch_one(struct xenib_gsi *gsi)
{
	struct xenib_recv_mad_resp *m = &gsi->resp;
	u8 grh[XENIB_GSI_GRH_SIZE];
	struct xenib_gsi_wr *wr;
	u32 len = 0;
	int err;

	if (!test_and_clear_bit(XENIB_GSI_FETCH, &gsi->flags))
		return false;
	spin_lock_irq(&gsi->lock);
	wr = list_first_entry_or_null(&gsi->recvs, struct xenib_gsi_wr,
				      swc.list);
	if (!wr || gsi->state < IB_QPS_RTR || gsi->state == IB_QPS_ERR) {
		/* Left in the backend until a buffer is posted. */
		set_bit(XENIB_GSI_FETCH, &gsi->flags);
		spin_unlock_irq(&gsi->lock);
		return false;
	}
	spin_unlock_irq(&gsi->lock);

	err = xenib_fe_call_simple(gsi->fe, XENIB_OP_RECV_MAD, NULL, 0, m,
				   sizeof(*m));
	if (err)
		return false;	/* -ENOENT: nothing left; a new MAD brings an event */
	if (m->network_type > RDMA_NETWORK_IPV6) {
		gsi->fe->stats.bad_responses++;
		return true;
	}

	spin_lock_irq(&gsi->lock);
	/* A flush may have taken it meanwhile. */
	wr = list_first_entry_or_null(&gsi->recvs, struct xenib_gsi_wr,
				      swc.list);
	if (wr) {
		list_del(&wr->swc.list);
		gsi->nr_recvs--;
	}
	if (m->pending)
		set_bit(XENIB_GSI_FETCH, &gsi->flags);
	spin_unlock_irq(&gsi->lock);
	if (!wr)
		return true;

	xenib_gsi_build_grh(m, grh);
	xenib_gsi_scatter(wr, grh, sizeof(grh), &len);
	xenib_gsi_scatter(wr, m->mad, XENIB_MAD_SIZE, &len);
	wr->swc.wc.byte_len = len;
	wr->swc.wc.src_qp = m->src_qp;
	wr->swc.wc.pkey_index = m->pkey_index;
	wr->swc.wc.sl = m->sl;
	wr->swc.wc.wc_flags = IB_WC_GRH | IB_WC_WITH_NETWORK_HDR_TYPE;
	wr->swc.wc.network_hdr_type = m->network_type;
	xenib_gsi_complete(gsi, gsi->qp->ibqp.recv_cq, wr, IB_WC_SUCCESS,
			   IB_WC_RECV);
	return true;
}

static void xenib_gsi_work(struct work_struct *work)
{
	struct xenib_gsi *gsi = container_of(work, struct xenib_gsi, work);
	struct xenib_gsi_wr *wr;

	for (;;) {
		spin_lock_irq(&gsi->lock);
		wr = list_first_entry_or_null(&gsi->sends, struct xenib_gsi_wr,
					      swc.list);
		if (wr)
			list_del(&wr->swc.list);
		spin_unlock_irq(&gsi->lock);
		if (!wr)
			break;
		xenib_gsi_send_one(gsi, wr);
	}
	while (xenib_gsi_fetch_one(gsi))
		;
}

/* XENIB_EVT_MAD, or lost events; from the event handler (irq). */
void xenib_gsi_mad_event(struct xenib_fe *fe)
{
	struct xenib_gsi *gsi = fe->gsi;

	if (!gsi)
		return;
	set_bit(XENIB_GSI_FETCH, &gsi->flags);
	queue_work(system_unbound_wq, &gsi->work);
}

int xenib_gsi_create(struct xenib_qp *qp, struct ib_qp_init_attr *init)
{
	struct xenib_fe *fe = ibdev_to_fe(qp->ibqp.device);
	struct ib_qp_cap *cap = &init->cap;
	struct xenib_gsi *gsi;
	unsigned long flags;
	int err = 0;

	if (!fe->has_cm)
		return -EOPNOTSUPP;
	if (init->port_num != 1 || init->srq || init->create_flags ||
	    cap->max_send_wr > XENIB_GSI_MAX_WR ||
	    cap->max_recv_wr > XENIB_GSI_MAX_WR ||
	    cap->max_send_sge > XENIB_GSI_MAX_SGE ||
	    cap->max_recv_sge > XENIB_GSI_MAX_SGE || cap->max_inline_data)
		return -EINVAL;
	if (!to_xcq(init->send_cq)->kernel || !to_xcq(init->recv_cq)->kernel)
		return -EINVAL;

	gsi = kzalloc(sizeof(*gsi), GFP_KERNEL);
	if (!gsi)
		return -ENOMEM;
	gsi->qp = qp;
	gsi->fe = fe;
	spin_lock_init(&gsi->lock);
	gsi->state = IB_QPS_RESET;
	INIT_LIST_HEAD(&gsi->sends);
	INIT_LIST_HEAD(&gsi->recvs);
	INIT_WORK(&gsi->work, xenib_gsi_work);

	spin_lock_irqsave(&fe->lock, flags);
	if (fe->gsi)
		err = -EBUSY;
	else
		fe->gsi = gsi;
	spin_unlock_irqrestore(&fe->lock, flags);
	if (err) {
		kfree(gsi);
		return err;
	}
	qp->gsi = gsi;
	qp->cap = *cap;
	qp->sq_sig_type = init->sq_sig_type;
	qp->ibqp.qp_num = 1;
	/* ib_cm makes its address handles on this PD, in atomic context. */
	to_xpd(qp->ibqp.pd)->gsi = true;
	return 0;
}

/* Drop @ibqp's completions from @ibcq: the QP is going away. */
static void xenib_gsi_forget(struct ib_cq *ibcq, struct ib_qp *ibqp)
{
	struct xenib_cq *cq = to_xcq(ibcq);
	struct xenib_swc *swc, *tmp;
	unsigned long flags;

	spin_lock_irqsave(&cq->poll_lock, flags);
	list_for_each_entry_safe(swc, tmp, &cq->soft, list) {
		if (swc->wc.qp == ibqp) {
			list_del(&swc->list);
			kfree(swc);
		}
	}
	spin_unlock_irqrestore(&cq->poll_lock, flags);
}

void xenib_gsi_destroy(struct xenib_qp *qp)
{
	struct xenib_gsi *gsi = qp->gsi;
	struct xenib_fe *fe = gsi->fe;
	unsigned long flags;

	spin_lock_irqsave(&fe->lock, flags);
	fe->gsi = NULL;
	spin_unlock_irqrestore(&fe->lock, flags);
	cancel_work_sync(&gsi->work);
	xenib_gsi_flush(gsi, false);
	xenib_gsi_forget(qp->ibqp.send_cq, &qp->ibqp);
	xenib_gsi_forget(qp->ibqp.recv_cq, &qp->ibqp);
	kfree(gsi);
	qp->gsi = NULL;
}

int xenib_gsi_modify(struct xenib_qp *qp, struct ib_qp_attr *attr,
		     int attr_mask)
{
	struct xenib_gsi *gsi = qp->gsi;
	enum ib_qp_state state;

	if (!(attr_mask & IB_QP_STATE))
		return 0;
	state = attr->qp_state;
	if (state > IB_QPS_ERR)
		return -EINVAL;
	spin_lock_irq(&gsi->lock);
	gsi->state = state;
	spin_unlock_irq(&gsi->lock);
	if (state == IB_QPS_ERR || state == IB_QPS_RESET)
		xenib_gsi_flush(gsi, state == IB_QPS_ERR);
	else if (state == IB_QPS_RTR || state == IB_QPS_RTS)
		queue_work(system_unbound_wq, &gsi->work);
	return 0;
}

void xenib_gsi_query(struct xenib_qp *qp, struct ib_qp_attr *attr)
{
	memset(attr, 0, sizeof(*attr));
	attr->qp_state = READ_ONCE(qp->gsi->state);
	attr->cur_qp_state = attr->qp_state;
	attr->qkey = IB_QP1_QKEY;
	attr->port_num = XENIB_GUEST_PORT;
	attr->cap = qp->cap;
}

static int xenib_gsi_build_send(struct xenib_qp *qp,
				const struct ib_send_wr *wr,
				struct xenib_gsi_wr **out)
{
	const struct ib_ud_wr *ud = ud_wr(wr);
	struct xenib_gsi_wr *gwr;
	u64 len = 0;
	u8 *dst;
	int i;

	if (wr->opcode != IB_WR_SEND || !ud->ah ||
	    wr->num_sge > qp->cap.max_send_sge)
		return -EINVAL;
	for (i = 0; i < wr->num_sge; i++) {
		if (wr->sg_list[i].lkey != XENIB_LOCAL_DMA_LKEY)
			return -EINVAL;
		len += wr->sg_list[i].length;
	}
	/* The backend relays whole MADs only. */
	if (len != XENIB_MAD_SIZE)
		return -EINVAL;
	gwr = kzalloc(sizeof(*gwr), GFP_ATOMIC);
	if (!gwr)
		return -ENOMEM;
	gwr->req.ah = to_xah(ud->ah)->wire;
	gwr->req.remote_qpn = ud->remote_qpn;
	/* The high bit asks for the QP's own Q_Key, which is QP1's here. */
	gwr->req.remote_qkey = ud->remote_qkey & IB_QP_SET_QKEY ?
			       IB_QP1_QKEY : ud->remote_qkey;
	gwr->req.pkey_index = ud->pkey_index;
	dst = gwr->req.mad;
	for (i = 0; i < wr->num_sge; i++) {
		memcpy(dst, (void *)(uintptr_t)wr->sg_list[i].addr,
		       wr->sg_list[i].length);
		dst += wr->sg_list[i].length;
	}
	gwr->swc.wc.wr_id = wr->wr_id;
	gwr->signaled = qp->sq_sig_type == IB_SIGNAL_ALL_WR ||
			wr->send_flags & IB_SEND_SIGNALED;
	*out = gwr;
	return 0;
}

/*
 * Queue @gwr for sending or as a receive buffer, as the QP's state and
 * capacity allow; it is freed if not.
 */
static int xenib_gsi_enqueue(struct xenib_qp *qp, struct xenib_gsi_wr *gwr,
			     bool send)
{
	struct xenib_gsi *gsi = qp->gsi;
	unsigned long flags;
	int err = 0;

	spin_lock_irqsave(&gsi->lock, flags);
	if (send ? gsi->state != IB_QPS_RTS :
		   gsi->state == IB_QPS_RESET || gsi->state == IB_QPS_ERR)
		err = -EINVAL;
	else if (send ? gsi->nr_sends >= qp->cap.max_send_wr :
			gsi->nr_recvs >= qp->cap.max_recv_wr)
		err = -ENOMEM;
	if (!err && send) {
		list_add_tail(&gwr->swc.list, &gsi->sends);
		gsi->nr_sends++;
	} else if (!err) {
		list_add_tail(&gwr->swc.list, &gsi->recvs);
		gsi->nr_recvs++;
	}
	spin_unlock_irqrestore(&gsi->lock, flags);
	if (err)
		kfree(gwr);
	return err;
}

int xenib_gsi_post_send(struct xenib_qp *qp, const struct ib_send_wr *wr,
			const struct ib_send_wr **bad_wr)
{
	struct xenib_gsi_wr *gwr;
	bool posted = false;
	int err = 0;

	for (; wr; wr = wr->next) {
		err = xenib_gsi_build_send(qp, wr, &gwr);
		if (!err)
			err = xenib_gsi_enqueue(qp, gwr, true);
		if (err)
			break;
		posted = true;
	}
	if (err)
		*bad_wr = wr;
	if (posted)
		queue_work(system_unbound_wq, &qp->gsi->work);
	return err;
}

int xenib_gsi_post_recv(struct xenib_qp *qp, const struct ib_recv_wr *wr,
			const struct ib_recv_wr **bad_wr)
{
	struct xenib_gsi *gsi = qp->gsi;
	struct xenib_gsi_wr *gwr;
	int err = 0;

	for (; wr; wr = wr->next) {
		if (wr->num_sge > qp->cap.max_recv_sge) {
			err = -EINVAL;
			break;
		}
		gwr = kzalloc(sizeof(*gwr), GFP_ATOMIC);
		if (!gwr) {
			err = -ENOMEM;
			break;
		}
		gwr->swc.wc.wr_id = wr->wr_id;
		gwr->num_sge = wr->num_sge;
		memcpy(gwr->sge, wr->sg_list, wr->num_sge * sizeof(*wr->sg_list));
		err = xenib_gsi_enqueue(qp, gwr, false);
		if (err)
			break;
	}
	if (err)
		*bad_wr = wr;
	/* MADs were waiting for a buffer. */
	if (test_bit(XENIB_GSI_FETCH, &gsi->flags))
		queue_work(system_unbound_wq, &gsi->work);
	return err;
}
