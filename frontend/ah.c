// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibfront: address vectors and address handles.
 *
 * Address vectors cross with the source GID by value: the guest's GID
 * indices mean nothing in the backend.  An AH is the backend's, named to
 * the rxe provider by its handle.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/etherdevice.h>
#include <rdma/ib_cache.h>
#include <rdma/ib_verbs.h>
#include <rdma/rdma_user_rxe.h>
#include "common.h"

int xenib_ah_to_wire(const struct rdma_ah_attr *ah, struct xenib_ah_attr *w)
{
	const struct ib_global_route *grh;

	memset(w, 0, sizeof(*w));
	if (rdma_ah_get_port_num(ah) != 1)
		return -EINVAL;
	w->sl = rdma_ah_get_sl(ah);
	w->static_rate = rdma_ah_get_static_rate(ah);
	if (ah->type == RDMA_AH_ATTR_TYPE_ROCE)
		memcpy(w->dmac, ah->roce.dmac, ETH_ALEN);
	if (!(rdma_ah_get_ah_flags(ah) & IB_AH_GRH))
		return 0;
	grh = rdma_ah_read_grh(ah);
	/* ib_core resolved the source GID entry before calling us. */
	if (!grh->sgid_attr)
		return -EINVAL;
	w->flags = XENIB_AH_F_GRH;
	memcpy(w->dgid, grh->dgid.raw, sizeof(w->dgid));
	memcpy(w->sgid, grh->sgid_attr->gid.raw, sizeof(w->sgid));
	w->gid_type = grh->sgid_attr->gid_type;
	w->flow_label = grh->flow_label;
	w->hop_limit = grh->hop_limit;
	w->traffic_class = grh->traffic_class;
	return 0;
}

void xenib_ah_from_wire(struct ib_device *ibdev, const struct xenib_ah_attr *w,
			struct rdma_ah_attr *ah)
{
	const struct ib_gid_attr *sgid_attr;
	union ib_gid dgid, sgid;
	u8 sgid_index = 0;

	memset(ah, 0, sizeof(*ah));
	ah->type = rdma_ah_find_type(ibdev, XENIB_GUEST_PORT);
	rdma_ah_set_port_num(ah, XENIB_GUEST_PORT);
	rdma_ah_set_sl(ah, w->sl);
	rdma_ah_set_static_rate(ah, w->static_rate);
	if (ah->type == RDMA_AH_ATTR_TYPE_ROCE)
		memcpy(ah->roce.dmac, w->dmac, ETH_ALEN);
	if (!(w->flags & XENIB_AH_F_GRH))
		return;
	memcpy(dgid.raw, w->dgid, sizeof(dgid.raw));
	memcpy(sgid.raw, w->sgid, sizeof(sgid.raw));
	/* The guest's index of the same GID. */
	sgid_attr = rdma_find_gid_by_port(ibdev, &sgid, w->gid_type,
					  XENIB_GUEST_PORT, NULL);
	if (!IS_ERR(sgid_attr)) {
		sgid_index = sgid_attr->index;
		rdma_put_gid_attr(sgid_attr);
	}
	rdma_ah_set_grh(ah, &dgid, w->flow_label, sgid_index, w->hop_limit,
			w->traffic_class);
}

int xenib_create_ah(struct ib_ah *ibah, struct rdma_ah_init_attr *init,
		    struct ib_udata *udata)
{
	struct rxe_create_ah_resp uresp = {};
	struct xenib_create_ah_req req = {};
	struct xenib_handle_resp resp;
	struct xenib_ah *ah = to_xah(ibah);
	int err;

	err = xenib_ah_to_wire(init->ah_attr, &ah->wire);
	if (err)
		return err;
	/* QP1's: only carried to XENIB_OP_SEND_MAD, which checks them. */
	if (to_xpd(ibah->pd)->gsi)
		return 0;
	/* Asking the backend sleeps. */
	if (!(init->flags & RDMA_CREATE_AH_SLEEPABLE))
		return -EOPNOTSUPP;
	req.attr = ah->wire;
	req.pd = to_xpd(ibah->pd)->handle;
	err = xenib_fe_call_simple(ibdev_to_fe(ibah->device), XENIB_OP_CREATE_AH,
				   &req, sizeof(req), &resp, sizeof(resp));
	if (err)
		return err;
	ah->handle = resp.handle;

	/* UD work requests name the AH by this number. */
	if (udata && udata->outlen >= sizeof(uresp)) {
		uresp.ah_num = ah->handle;
		err = ib_copy_to_udata(udata, &uresp, sizeof(uresp));
		if (err) {
			xenib_fe_release(ibah->device, XENIB_OP_DESTROY_AH,
					 ah->handle);
			return err;
		}
	}
	return 0;
}

int xenib_destroy_ah(struct ib_ah *ibah, u32 flags)
{
	if (!to_xah(ibah)->handle)
		return 0;
	return xenib_fe_release(ibah->device, XENIB_OP_DESTROY_AH,
				to_xah(ibah)->handle);
}
