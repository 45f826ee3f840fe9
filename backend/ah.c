// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibback: address vectors and address handles.
 *
 * A guest's address vector travels by value (GIDs, not the guest's GID
 * indices) and becomes a kernel one on the attached port here, for AHs,
 * QPs' paths and CM MADs alike; the source GID must be one the guest may
 * send from.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/etherdevice.h>
#include <linux/slab.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <rdma/ib_addr.h>
#include <rdma/ib_cache.h>
#include "common.h"

/* How long a destination MAC may take to resolve: ib_core's own limit. */
#define XENIB_RESOLVE_MS	1000

struct xenib_resolve {
	struct completion done;
	int status;
};

static void xenib_be_resolved(int status, struct sockaddr *src,
			      struct rdma_dev_addr *addr, void *context)
{
	struct xenib_resolve *r = context;

	r->status = status;
	complete(&r->done);
}

/*
 * The destination MAC of a RoCE address vector, by Dom0's neighbour table
 * on the real port's netdev, as ib_core resolves it for a native process's
 * QPs and AHs.  The guest's own answer is not used: its xenib0 is NOARP
 * and gives every neighbour the port's MAC, right only for destinations on
 * this device (Dom0 and the other guests), and a guest's MAC is not to be
 * trusted anyway.  May sleep up to XENIB_RESOLVE_MS (an ARP or neighbour
 * solicitation on the real network); the hop limit comes with the route.
 */
static int xenib_be_resolve_dmac(struct rdma_ah_attr *ah)
{
	struct ib_global_route *grh = rdma_ah_retrieve_grh(ah);
	const struct ib_gid_attr *sgid_attr = grh->sgid_attr;
	struct in6_addr *dgid = (struct in6_addr *)grh->dgid.raw;
	struct rdma_dev_addr addr = {
		.net = &init_net,
		.sgid_attr = sgid_attr,
	};
	union {
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} src, dst;
	struct xenib_resolve r;
	int err;

	if (rdma_is_multicast_addr(dgid)) {
		if (ipv6_addr_v4mapped(dgid))
			ip_eth_mc_map(dgid->s6_addr32[3], ah->roce.dmac);
		else
			ipv6_eth_mc_map(dgid, ah->roce.dmac);
		return 0;
	}
	/* RoCE v1 does not go through IP: the MAC is in the GID. */
	if (rdma_link_local_addr(dgid) &&
	    sgid_attr->gid_type == IB_GID_TYPE_ROCE) {
		rdma_get_ll_mac(dgid, ah->roce.dmac);
		return 0;
	}

	rdma_gid2ip((struct sockaddr *)&src, &sgid_attr->gid);
	rdma_gid2ip((struct sockaddr *)&dst, &grh->dgid);
	init_completion(&r.done);
	err = rdma_resolve_ip((struct sockaddr *)&src, (struct sockaddr *)&dst,
			      &addr, XENIB_RESOLVE_MS, xenib_be_resolved, true,
			      &r);
	if (err)
		return err;
	wait_for_completion(&r.done);
	if (r.status)
		return r.status;
	memcpy(ah->roce.dmac, addr.dst_dev_addr, ETH_ALEN);
	grh->hop_limit = addr.hoplimit;
	return 0;
}

/*
 * Build a kernel address vector on the attached port from a guest's.  The
 * source GID must be one the guest may send from; it is looked up by value
 * in the real port's table and held in @ah.  On success the caller drops
 * it with rdma_destroy_ah_attr(); on failure nothing is held.
 */
int xenib_be_ah_from_wire(struct xenib_be *be, const struct xenib_ah_attr *w,
			  struct rdma_ah_attr *ah)
{
	struct ib_device *dev = be->hca->ibdev;
	const struct ib_gid_attr *sgid_attr;
	union ib_gid sgid, dgid;
	int err;

	memset(ah, 0, sizeof(*ah));
	ah->type = rdma_ah_find_type(dev, be->port);
	rdma_ah_set_port_num(ah, be->port);
	rdma_ah_set_sl(ah, w->sl);
	rdma_ah_set_static_rate(ah, w->static_rate);
	if (!(w->flags & XENIB_AH_F_GRH))
		/* RoCE has no addressing without a GRH. */
		return ah->type == RDMA_AH_ATTR_TYPE_ROCE ? -EINVAL : 0;

	memcpy(sgid.raw, w->sgid, sizeof(sgid.raw));
	memcpy(dgid.raw, w->dgid, sizeof(dgid.raw));
	if (!xenib_check_sgid(sgid.raw, be->addrs[0], be->nr_addrs))
		return -EACCES;
	sgid_attr = rdma_find_gid_by_port(dev, &sgid, w->gid_type, be->port,
					  NULL);
	if (IS_ERR(sgid_attr))
		return -EINVAL;
	rdma_move_grh_sgid_attr(ah, &dgid, w->flow_label, w->hop_limit,
				w->traffic_class, sgid_attr);
	if (ah->type == RDMA_AH_ATTR_TYPE_ROCE) {
		err = xenib_be_resolve_dmac(ah);
		if (err) {
			rdma_destroy_ah_attr(ah);
			return err;
		}
	}
	return 0;
}

void xenib_be_ah_to_wire(struct xenib_be *be, const struct rdma_ah_attr *ah,
			 struct xenib_ah_attr *w)
{
	const struct ib_global_route *grh;
	const struct ib_gid_attr *sgid_attr;

	memset(w, 0, sizeof(*w));
	w->sl = rdma_ah_get_sl(ah);
	w->static_rate = rdma_ah_get_static_rate(ah);
	if (ah->type == RDMA_AH_ATTR_TYPE_ROCE)
		memcpy(w->dmac, ah->roce.dmac, ETH_ALEN);
	if (!(rdma_ah_get_ah_flags(ah) & IB_AH_GRH))
		return;

	grh = rdma_ah_read_grh(ah);
	w->flags = XENIB_AH_F_GRH;
	memcpy(w->dgid, grh->dgid.raw, sizeof(w->dgid));
	w->flow_label = grh->flow_label;
	w->hop_limit = grh->hop_limit;
	w->traffic_class = grh->traffic_class;
	/* ib_query_qp() gives the index only: the guest needs the GID. */
	sgid_attr = rdma_get_gid_attr(be->hca->ibdev, be->port,
				      grh->sgid_index);
	if (!IS_ERR(sgid_attr)) {
		memcpy(w->sgid, sgid_attr->gid.raw, sizeof(w->sgid));
		w->gid_type = sgid_attr->gid_type;
		rdma_put_gid_attr(sgid_attr);
	}
}

void xenib_be_free_ah(struct xenib_be *be, struct xenib_be_ah *ah)
{
	rdma_destroy_ah(ah->ah, RDMA_DESTROY_AH_SLEEPABLE);
	ah->pd->users--;
	kfree(ah);
}

int xenib_be_create_ah(struct xenib_be *be,
		       const struct xenib_create_ah_req *req,
		       struct xenib_handle_resp *resp)
{
	struct rdma_ah_attr attr;
	struct xenib_be_ah *ah;
	struct xenib_be_pd *pd;
	u32 handle;
	int err;

	pd = xenib_be_pd_of(be, req->pd);
	if (IS_ERR(pd))
		return PTR_ERR(pd);
	ah = xenib_be_new(&be->ahs, sizeof(*ah), xenib_max_ahs, &handle);
	if (IS_ERR(ah))
		return PTR_ERR(ah);
	err = xenib_be_ah_from_wire(be, &req->attr, &attr);
	if (err)
		goto fail;
	ah->ah = rdma_create_ah(pd->pd, &attr, RDMA_CREATE_AH_SLEEPABLE);
	rdma_destroy_ah_attr(&attr);
	if (IS_ERR(ah->ah)) {
		err = PTR_ERR(ah->ah);
		goto fail;
	}
	ah->pd = pd;
	pd->users++;
	resp->handle = handle;
	return 0;

fail:
	xenib_be_drop_new(&be->ahs, handle, ah);
	return err;
}

int xenib_be_destroy_ah(struct xenib_be *be, const struct xenib_handle_req *req)
{
	struct xenib_be_ah *ah;

	ah = xenib_be_lookup(&be->ahs, req);
	if (IS_ERR(ah))
		return PTR_ERR(ah);
	xa_erase(&be->ahs, req->handle);
	xenib_be_free_ah(be, ah);
	return 0;
}
