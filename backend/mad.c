// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibback: connection manager MADs between the real port and guests.
 *
 * A guest runs its own CM (ib_cm, rdma_cm) over a QP1 that the frontend
 * tunnels to here.  The backend holds the CM management class of the real
 * port, as mlx4's SR-IOV demultiplexer does for its functions, and relays
 * MADs without taking part in the protocol: an incoming MAD goes to the
 * guest that owns its destination GID (one of the addresses the toolstack
 * gave it), an outgoing one must come from one of the guest's addresses.
 * So a guest sees only MADs sent to its own addresses and cannot send as
 * anybody else; no CM state lives in the backend.
 *
 * ib_mad allows one agent per class and method, so this excludes the
 * backend domain's own ib_cm from the port: the backend must register
 * before ib_cm does (module load order), and "cm_hcas" leaves devices to
 * the backend domain.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/ip.h>
#include <linux/slab.h>
#include <rdma/ib_cache.h>
#include <rdma/ib_mad.h>
#include "common.h"

/* One MAD waiting for its guest to fetch it. */
struct xenib_be_mad {
	struct list_head list;
	struct xenib_recv_mad_resp msg;
};

static bool xenib_be_cm_wanted(struct ib_device *ibdev)
{
	const char *name = dev_name(&ibdev->dev);
	size_t len = strlen(name);
	const char *p = xenib_cm_hcas;

	if (!strcmp(xenib_cm_hcas, "all"))
		return true;
	while (p && *p) {
		const char *end = strchrnul(p, ',');

		if (end - p == len && !strncmp(p, name, len))
			return true;
		p = *end ? end + 1 : NULL;
	}
	return false;
}

/* The header fields a guest's CM needs to answer; see xenib_recv_mad_resp. */
static int xenib_be_mad_header(const struct ib_mad_recv_wc *rwc,
			       struct xenib_recv_mad_resp *m)
{
	const union rdma_network_hdr *hdr = (const void *)rwc->recv_buf.grh;
	const struct ib_wc *wc = rwc->wc;
	union ib_gid sgid, dgid;
	u32 flow;

	if (!(wc->wc_flags & IB_WC_GRH) ||
	    !(wc->wc_flags & IB_WC_WITH_NETWORK_HDR_TYPE))
		return -EPROTO;
	if (ib_get_gids_from_rdma_hdr(hdr, wc->network_hdr_type, &sgid, &dgid))
		return -EPROTO;
	memcpy(m->sgid, sgid.raw, sizeof(m->sgid));
	memcpy(m->dgid, dgid.raw, sizeof(m->dgid));
	m->network_type = wc->network_hdr_type;
	if (wc->network_hdr_type == RDMA_NETWORK_IPV4) {
		m->hop_limit = hdr->roce4grh.ttl;
		m->traffic_class = hdr->roce4grh.tos;
	} else {
		flow = be32_to_cpu(hdr->ibgrh.version_tclass_flow);
		m->hop_limit = hdr->ibgrh.hop_limit;
		m->traffic_class = (flow >> 20) & 0xff;
		m->flow_label = flow & 0xfffff;
	}
	m->src_qp = wc->src_qp;
	m->pkey_index = wc->pkey_index;
	m->sl = wc->sl;
	return 0;
}

static void xenib_be_cm_recv(struct ib_mad_agent *agent,
			     struct ib_mad_send_buf *send_buf,
			     struct ib_mad_recv_wc *rwc)
{
	struct xenib_be_mad *m;

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		goto out;
	if (xenib_be_mad_header(rwc, &m->msg) ||
	    rwc->mad_len < XENIB_MAD_SIZE) {
		kfree(m);
		goto out;
	}
	memcpy(m->msg.mad, rwc->recv_buf.mad, XENIB_MAD_SIZE);
	/* Not a guest's: nobody in this domain takes CM MADs on the port. */
	if (!xenib_be_hca_deliver_mad(agent->context, agent->port_num, m))
		kfree(m);
out:
	ib_free_recv_mad(rwc);
}

static void xenib_be_cm_send_done(struct ib_mad_agent *agent,
				  struct ib_mad_send_wc *swc)
{
	rdma_destroy_ah(swc->send_buf->ah, 0);
	ib_free_send_mad(swc->send_buf);
}

/* Take the CM class of every CM-capable port of @hca, if it is ours to. */
void xenib_be_cm_open(struct xenib_hca *hca)
{
	struct ib_device *ibdev = hca->ibdev;
	struct ib_mad_reg_req reg = {
		.mgmt_class = IB_MGMT_CLASS_CM,
		.mgmt_class_version = XENIB_CM_CLASS_VERSION,
	};
	struct ib_mad_agent *agent;
	u32 port;

	if (!xenib_be_cm_wanted(ibdev))
		return;
	hca->cm_agents = kcalloc(rdma_end_port(ibdev) + 1,
				 sizeof(*hca->cm_agents), GFP_KERNEL);
	if (!hca->cm_agents)
		return;
	set_bit(IB_MGMT_METHOD_SEND, reg.method_mask);
	rdma_for_each_port(ibdev, port) {
		if (!rdma_cap_ib_cm(ibdev, port))
			continue;
		agent = ib_register_mad_agent(ibdev, port, IB_QPT_GSI, &reg, 0,
					      xenib_be_cm_send_done,
					      xenib_be_cm_recv, hca, 0);
		if (IS_ERR(agent)) {
			dev_warn(&ibdev->dev,
				 "%s: port %u: cannot take the CM class (%ld; ib_cm loaded first?): guests get no connection manager there\n",
				 DRV_NAME, port, PTR_ERR(agent));
			continue;
		}
		hca->cm_agents[port] = agent;
	}
}

void xenib_be_cm_close(struct xenib_hca *hca)
{
	u32 port;

	if (!hca->cm_agents)
		return;
	rdma_for_each_port(hca->ibdev, port)
		if (hca->cm_agents[port])
			ib_unregister_mad_agent(hca->cm_agents[port]);
	kfree(hca->cm_agents);
	hca->cm_agents = NULL;
}

static struct ib_mad_agent *xenib_be_cm_agent(struct xenib_be *be)
{
	struct xenib_hca *hca = be->hca;

	return hca && hca->cm_agents ? hca->cm_agents[be->port] : NULL;
}

bool xenib_be_has_cm(struct xenib_be *be)
{
	return xenib_be_cm_agent(be) && be->nr_addrs;
}

/*
 * Queue @m for @be if its destination is one of @be's addresses; called
 * under the hca's list lock.  False leaves @m to the caller.
 */
bool xenib_be_queue_mad(struct xenib_be *be, struct xenib_be_mad *m)
{
	unsigned long flags;
	bool first;

	if (!xenib_check_own_gid(m->msg.dgid, be->addrs[0], be->nr_addrs))
		return false;
	spin_lock_irqsave(&be->mad_lock, flags);
	if (!be->mad_open || be->nr_mads >= XENIB_MAD_QUEUE) {
		/* Lost as on a full receive queue: the sender's CM retries. */
		be->stats.mads_dropped++;
		spin_unlock_irqrestore(&be->mad_lock, flags);
		kfree(m);
		return true;
	}
	first = list_empty(&be->mads);
	list_add_tail(&m->list, &be->mads);
	be->nr_mads++;
	be->stats.mads_received++;
	spin_unlock_irqrestore(&be->mad_lock, flags);
	if (first)
		xenib_be_post_event(be, XENIB_EVT_MAD, 0, 0);
	return true;
}

/* Connect: MADs for this guest are queued from now on. */
void xenib_be_mad_open(struct xenib_be *be)
{
	spin_lock_irq(&be->mad_lock);
	be->mad_open = true;
	spin_unlock_irq(&be->mad_lock);
}

/* Disconnect: what the guest did not fetch is dropped. */
void xenib_be_mad_close(struct xenib_be *be)
{
	struct xenib_be_mad *m, *tmp;
	LIST_HEAD(gone);

	spin_lock_irq(&be->mad_lock);
	be->mad_open = false;
	list_splice_init(&be->mads, &gone);
	be->nr_mads = 0;
	spin_unlock_irq(&be->mad_lock);
	list_for_each_entry_safe(m, tmp, &gone, list)
		kfree(m);
}

int xenib_be_recv_mad(struct xenib_be *be, struct xenib_recv_mad_resp *resp)
{
	struct xenib_be_mad *m;
	u16 pending;

	spin_lock_irq(&be->mad_lock);
	m = list_first_entry_or_null(&be->mads, struct xenib_be_mad, list);
	if (m) {
		list_del(&m->list);
		be->nr_mads--;
	}
	pending = be->nr_mads;
	spin_unlock_irq(&be->mad_lock);
	if (!m)
		return -ENOENT;
	*resp = m->msg;
	resp->pending = pending;
	kfree(m);
	return 0;
}

int xenib_be_send_mad(struct xenib_be *be, const struct xenib_send_mad_req *req)
{
	struct ib_mad_agent *agent = xenib_be_cm_agent(be);
	struct ib_mad_send_buf *msg;
	struct rdma_ah_attr attr;
	struct ib_ah *ah;
	u16 pkey;
	int err;

	lockdep_assert_held(&be->lock);

	if (!agent)
		return be->hca ? -EOPNOTSUPP : -ENODEV;
	if (ib_get_cached_pkey(be->hca->ibdev, be->port, req->pkey_index,
			       &pkey))
		return -EINVAL;
	/* Replies come back by this GID: it must be the guest's alone. */
	if (!(req->ah.flags & XENIB_AH_F_GRH) ||
	    !xenib_check_own_gid(req->ah.sgid, be->addrs[0], be->nr_addrs))
		return -EACCES;
	err = xenib_be_ah_from_wire(be, &req->ah, &attr);
	if (err)
		return err;
	ah = rdma_create_ah(agent->qp->pd, &attr, RDMA_CREATE_AH_SLEEPABLE);
	rdma_destroy_ah_attr(&attr);
	if (IS_ERR(ah))
		return PTR_ERR(ah);
	msg = ib_create_send_mad(agent, 1, req->pkey_index, 0, IB_MGMT_MAD_HDR,
				 IB_MGMT_MAD_DATA, GFP_KERNEL,
				 IB_MGMT_BASE_VERSION);
	if (IS_ERR(msg)) {
		rdma_destroy_ah(ah, RDMA_DESTROY_AH_SLEEPABLE);
		return PTR_ERR(msg);
	}
	memcpy(msg->mad, req->mad, XENIB_MAD_SIZE);
	msg->ah = ah;
	err = ib_post_send_mad(msg, NULL);
	if (err) {
		rdma_destroy_ah(ah, RDMA_DESTROY_AH_SLEEPABLE);
		ib_free_send_mad(msg);
		return err;
	}
	be->stats.mads_sent++;
	return 0;
}
