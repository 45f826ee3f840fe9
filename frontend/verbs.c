// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibfront: the guest's RDMA device.
 *
 * The device presents itself with rxe's driver id and user ABI, so that the
 * stock rxe provider of rdma-core drives it (see docs/decisions.md).  Every
 * privileged verb is forwarded to the backend, which performs it on the
 * real device; object handles on the wire are the backend's, never
 * pointers.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/module.h>
#include <linux/slab.h>
#include <rdma/ib_mad.h>
#include <rdma/ib_verbs.h>
#include "common.h"

/* rxe's user ABI version: the rxe provider checks it. */
#define XENIB_UVERBS_ABI_VERSION	2

/*
 * Port capabilities that need MADs on QP1.  The guest's QP1 carries only
 * the connection manager's, and only where the backend relays them
 * (gsi.c): without that, ib_mad, ib_cm and rdma_cm leave the device alone
 * instead of failing to open QP1 on it.  Subnet management never reaches
 * a guest.
 */
#define XENIB_CM_CAPS		(RDMA_CORE_CAP_IB_MAD | RDMA_CORE_CAP_IB_CM | \
				 RDMA_CORE_CAP_AF_IB)
#define XENIB_MAD_CAPS		(XENIB_CM_CAPS | RDMA_CORE_CAP_IB_SMI | \
				 RDMA_CORE_CAP_IB_SA | RDMA_CORE_CAP_OPA_MAD)

struct xenib_ucontext {
	struct ib_ucontext ibuc;
};

static void xenib_device_attr_from_wire(const struct xenib_device_attr *w,
					struct ib_device_attr *a)
{
	a->fw_ver = w->fw_ver;
	a->sys_image_guid = (__force __be64)w->sys_image_guid;
	a->max_mr_size = w->max_mr_size;
	a->page_size_cap = w->page_size_cap;
	a->device_cap_flags = w->device_cap_flags;
	a->timestamp_mask = w->timestamp_mask;
	a->hca_core_clock = w->hca_core_clock;
	a->max_dm_size = w->max_dm_size;
	a->vendor_id = w->vendor_id;
	a->vendor_part_id = w->vendor_part_id;
	a->hw_ver = w->hw_ver;
	a->max_qp = w->max_qp;
	a->max_qp_wr = w->max_qp_wr;
	a->max_send_sge = w->max_send_sge;
	a->max_recv_sge = w->max_recv_sge;
	a->max_sge_rd = w->max_sge_rd;
	a->max_cq = w->max_cq;
	a->max_cqe = w->max_cqe;
	a->max_mr = w->max_mr;
	a->max_pd = w->max_pd;
	a->max_qp_rd_atom = w->max_qp_rd_atom;
	a->max_ee_rd_atom = w->max_ee_rd_atom;
	a->max_res_rd_atom = w->max_res_rd_atom;
	a->max_qp_init_rd_atom = w->max_qp_init_rd_atom;
	a->max_ee_init_rd_atom = w->max_ee_init_rd_atom;
	a->atomic_cap = w->atomic_cap;
	a->masked_atomic_cap = w->masked_atomic_cap;
	a->max_ee = w->max_ee;
	a->max_rdd = w->max_rdd;
	a->max_mw = w->max_mw;
	a->max_raw_ipv6_qp = w->max_raw_ipv6_qp;
	a->max_raw_ethy_qp = w->max_raw_ethy_qp;
	a->max_mcast_grp = w->max_mcast_grp;
	a->max_mcast_qp_attach = w->max_mcast_qp_attach;
	a->max_total_mcast_qp_attach = w->max_total_mcast_qp_attach;
	a->max_ah = w->max_ah;
	a->max_srq = w->max_srq;
	a->max_srq_wr = w->max_srq_wr;
	a->max_srq_sge = w->max_srq_sge;
	a->max_fast_reg_page_list_len = w->max_fast_reg_page_list_len;
	a->max_pi_fast_reg_page_list_len = w->max_pi_fast_reg_page_list_len;
	a->max_wq_type_rq = w->max_wq_type_rq;
	a->raw_packet_caps = w->raw_packet_caps;
	a->max_sgl_rd = w->max_sgl_rd;
	a->max_pkeys = w->max_pkeys;
	a->cq_caps.max_cq_moderation_count = w->max_cq_moderation_count;
	a->cq_caps.max_cq_moderation_period = w->max_cq_moderation_period;
	a->local_ca_ack_delay = w->local_ca_ack_delay;
}

static void xenib_port_attr_from_wire(const struct xenib_port_attr *w,
				      struct ib_port_attr *a)
{
	a->subnet_prefix = be64_to_cpu((__force __be64)w->subnet_prefix);
	a->state = w->state;
	a->max_mtu = w->max_mtu;
	a->active_mtu = w->active_mtu;
	a->phys_mtu = w->phys_mtu;
	a->gid_tbl_len = w->gid_tbl_len;
	a->port_cap_flags = w->port_cap_flags;
	a->max_msg_sz = w->max_msg_sz;
	a->bad_pkey_cntr = w->bad_pkey_cntr;
	a->qkey_viol_cntr = w->qkey_viol_cntr;
	a->sm_lid = w->sm_lid;
	a->lid = w->lid;
	a->pkey_tbl_len = w->pkey_tbl_len;
	a->port_cap_flags2 = w->port_cap_flags2;
	a->active_speed = w->active_speed;
	a->lmc = w->lmc;
	a->max_vl_num = w->max_vl_num;
	a->sm_sl = w->sm_sl;
	a->subnet_timeout = w->subnet_timeout;
	a->init_type_reply = w->init_type_reply;
	a->active_width = w->active_width;
	a->phys_state = w->phys_state;
	a->ip_gids = w->ip_gids;
}

static int xenib_query_port_wire(struct xenib_fe *fe,
				 struct xenib_port_attr *port)
{
	return xenib_fe_call_simple(fe, XENIB_OP_QUERY_PORT, NULL, 0,
				    port, sizeof(*port));
}

/* The backend relays this port's CM MADs (feature-cm, backend/mad.c). */
static bool xenib_port_has_cm(struct xenib_fe *fe,
			      const struct xenib_port_attr *port)
{
	return fe->has_cm && port->core_cap_flags & RDMA_CORE_CAP_IB_CM;
}

static int xenib_query_device(struct ib_device *ibdev,
			      struct ib_device_attr *attr,
			      struct ib_udata *udata)
{
	if (udata && (udata->inlen || udata->outlen))
		return -EINVAL;
	/* Fixed for the life of the registration: answered when it began. */
	xenib_device_attr_from_wire(&to_xdev(ibdev)->attr, attr);
	/* Kernel consumers' local_dma_lkey is bounced (kverbs.c). */
	attr->kernel_cap_flags = IBK_LOCAL_DMA_LKEY;
	return 0;
}

static int xenib_query_port(struct ib_device *ibdev, u32 port_num,
			    struct ib_port_attr *attr)
{
	struct xenib_port_attr port;
	int err;

	err = xenib_query_port_wire(ibdev_to_fe(ibdev), &port);
	if (err)
		return err;
	xenib_port_attr_from_wire(&port, attr);
	/* As the port's capabilities (below): no CM without the backend's. */
	if (!xenib_port_has_cm(ibdev_to_fe(ibdev), &port))
		attr->port_cap_flags &= ~IB_PORT_CM_SUP;
	return 0;
}

static int xenib_get_port_immutable(struct ib_device *ibdev, u32 port_num,
				    struct ib_port_immutable *immutable)
{
	struct xenib_fe *fe = ibdev_to_fe(ibdev);
	struct xenib_port_attr port;
	int err;

	err = xenib_query_port_wire(fe, &port);
	if (err)
		return err;
	immutable->pkey_tbl_len = port.pkey_tbl_len;
	immutable->gid_tbl_len = port.gid_tbl_len;
	immutable->core_cap_flags = port.core_cap_flags & ~XENIB_MAD_CAPS;
	/* ib_core insists on no MAD size for a port without MADs. */
	immutable->max_mad_size = 0;
	if (xenib_port_has_cm(fe, &port)) {
		immutable->core_cap_flags |= port.core_cap_flags &
					     XENIB_CM_CAPS;
		immutable->max_mad_size = IB_MGMT_MAD_SIZE;
	}
	return 0;
}

static enum rdma_link_layer xenib_get_link_layer(struct ib_device *ibdev,
						 u32 port_num)
{
	return to_xdev(ibdev)->link_layer;
}

static int xenib_query_pkey(struct ib_device *ibdev, u32 port_num, u16 index,
			    u16 *pkey)
{
	struct xenib_query_pkey_req req = { .index = index };
	struct xenib_query_pkey_resp resp;
	int err;

	err = xenib_fe_call_simple(ibdev_to_fe(ibdev), XENIB_OP_QUERY_PKEY,
				   &req, sizeof(req), &resp, sizeof(resp));
	if (!err)
		*pkey = resp.pkey;
	return err;
}

/* Nothing to set up: objects are per device in the backend. */
static int xenib_alloc_ucontext(struct ib_ucontext *ibuc,
				struct ib_udata *udata)
{
	return 0;
}

static void xenib_dealloc_ucontext(struct ib_ucontext *ibuc)
{
}

/*
 * Lets the device be unregistered (backend gone, module removed) while
 * processes still hold it open: ib_core destroys their objects and zaps
 * their mappings, and their next verb fails with EIO, as on hot-unplug of
 * a real device.
 */
static void xenib_disassociate_ucontext(struct ib_ucontext *ibuc)
{
}

static int xenib_alloc_pd(struct ib_pd *ibpd, struct ib_udata *udata)
{
	struct xenib_handle_resp resp;
	int err;

	err = xenib_fe_call_simple(ibdev_to_fe(ibpd->device),
				   XENIB_OP_ALLOC_PD, NULL, 0,
				   &resp, sizeof(resp));
	if (err)
		return err;
	to_xpd(ibpd)->handle = resp.handle;
	return 0;
}

/*
 * Releasing an object the backend no longer has is not an error: the
 * connection ended (-ENODEV) or the real device went away and the backend
 * released everything before telling us (-ENOENT).  Failing would leave
 * ib_core retrying a release that cannot succeed.
 */
int xenib_fe_release(struct ib_device *ibdev, u16 op, u32 handle)
{
	int err;

	err = xenib_fe_call_release(ibdev_to_fe(ibdev), op, handle);
	return err == -ENODEV || err == -ENOENT ? 0 : err;
}

static int xenib_dealloc_pd(struct ib_pd *ibpd, struct ib_udata *udata)
{
	return xenib_fe_release(ibpd->device, XENIB_OP_DEALLOC_PD,
			     to_xpd(ibpd)->handle);
}

/* A process polls its CQs through the mapped ring; the kernel, here. */
static int xenib_poll_cq(struct ib_cq *ibcq, int num_entries, struct ib_wc *wc)
{
	struct xenib_cq *cq = to_xcq(ibcq);

	return cq->kernel ? xenib_kpoll_cq(cq, num_entries, wc) : -EOPNOTSUPP;
}

/*
 * Arm the CQ through its ring's arm word (see "Data path" in xenibif.h):
 * the backend clears it when it posts the event.  Arming for any
 * completion is never lowered to solicited ones.
 */
static int xenib_req_notify_cq(struct ib_cq *ibcq, enum ib_cq_notify_flags f)
{
	struct xenib_cq *cq = to_xcq(ibcq);
	u32 *word = page_address(cq->queue.pages[0]) +
		    XENIB_QUEUE_CQ_ARM_OFFSET;
	u32 arm = (f & IB_CQ_SOLICITED_MASK) == IB_CQ_SOLICITED ?
		  XENIB_CQ_ARM_SOLICITED : XENIB_CQ_ARM_NEXT;
	u32 old = READ_ONCE(*word);

	while (old < arm) {
		u32 prev = cmpxchg(word, old, arm);

		if (prev == old)
			break;
		old = prev;
	}
	/* A sleeping engine arms the real CQ for what was asked. */
	xenib_fe_kick(ibdev_to_fe(ibcq->device));
	/* Armed (the cmpxchg ordered it) before the ring is looked at. */
	smp_mb();
	if (cq->kernel && f & IB_CQ_REPORT_MISSED_EVENTS)
		return xenib_kcq_empty(cq) ? 0 : 1;
	return 0;
}

/*
 * A process's doorbell: the rxe provider produces send work requests into
 * the mapped ring and posts zero of them here.  Kernel consumers post
 * theirs through kverbs.c.
 */
static int xenib_post_send(struct ib_qp *ibqp, const struct ib_send_wr *wr,
			   const struct ib_send_wr **bad_wr)
{
	struct xenib_qp *qp = to_xqp(ibqp);

	if (qp->gsi)
		return xenib_gsi_post_send(qp, wr, bad_wr);
	/* As rxe: nothing is sent before RTS (in ERR, work is flushed). */
	if (READ_ONCE(qp->state) < IB_QPS_RTS) {
		*bad_wr = wr;
		return -EINVAL;
	}
	if (qp->kernel)
		return xenib_kpost_send(qp, wr, bad_wr);
	if (wr) {
		*bad_wr = wr;
		return -EOPNOTSUPP;
	}
	xenib_fe_kick(ibdev_to_fe(ibqp->device));
	return 0;
}

/* A process posts receives into its mapped ring without a syscall. */
static int xenib_post_recv(struct ib_qp *ibqp, const struct ib_recv_wr *wr,
			   const struct ib_recv_wr **bad_wr)
{
	struct xenib_qp *qp = to_xqp(ibqp);

	if (qp->gsi)
		return xenib_gsi_post_recv(qp, wr, bad_wr);
	if (qp->kernel)
		return xenib_kpost_recv(qp, wr, bad_wr);
	*bad_wr = wr;
	return -EOPNOTSUPP;
}

/*
 * An all-memory MR would give the backend a key to memory it must not
 * reach: kernel consumers get local_dma_lkey (bounced) instead, and ib_core
 * asks for this only for PDs with IB_PD_UNSAFE_GLOBAL_RKEY.
 */
static struct ib_mr *xenib_get_dma_mr(struct ib_pd *ibpd, int access)
{
	return ERR_PTR(-EOPNOTSUPP);
}

/*
 * The port's netdev through the callback instead of ib_device_set_netdev():
 * ib_core finds devices set that way by netdev and driver id, and rdma_rxe's
 * netdev notifier, which looks for RDMA_DRIVER_RXE (ours too, for the rxe
 * provider), would take this device for an rxe_dev on every event of xenib0
 * where rdma_rxe is loaded: write port state past our ib_device and
 * unregister it when xenib0 changes namespace.
 */
static struct net_device *xenib_get_netdev(struct ib_device *ibdev, u32 port)
{
	struct net_device *ndev = to_xdev(ibdev)->ndev;

	dev_hold(ndev);
	return ndev;
}

static const struct ib_device_ops xenib_dev_ops = {
	.owner = THIS_MODULE,
	.driver_id = RDMA_DRIVER_RXE,
	.uverbs_abi_ver = XENIB_UVERBS_ABI_VERSION,

	.alloc_mw = xenib_alloc_mw,
	.alloc_pd = xenib_alloc_pd,
	.alloc_ucontext = xenib_alloc_ucontext,
	.attach_mcast = xenib_attach_mcast,
	.create_ah = xenib_create_ah,
	.create_cq = xenib_create_cq,
	.create_qp = xenib_create_qp,
	.create_srq = xenib_create_srq,
	.create_user_ah = xenib_create_ah,
	.dealloc_mw = xenib_dealloc_mw,
	.dealloc_pd = xenib_dealloc_pd,
	.dealloc_ucontext = xenib_dealloc_ucontext,
	.dereg_mr = xenib_dereg_mr,
	.destroy_ah = xenib_destroy_ah,
	.destroy_cq = xenib_destroy_cq,
	.destroy_qp = xenib_destroy_qp,
	.destroy_srq = xenib_destroy_srq,
	.detach_mcast = xenib_detach_mcast,
	.disassociate_ucontext = xenib_disassociate_ucontext,
	.get_dma_mr = xenib_get_dma_mr,
	.get_link_layer = xenib_get_link_layer,
	.get_netdev = xenib_get_netdev,
	.get_port_immutable = xenib_get_port_immutable,
	.mmap = xenib_fe_mmap,
	.mmap_free = xenib_fe_mmap_free,
	.modify_qp = xenib_modify_qp,
	.modify_srq = xenib_modify_srq,
	.poll_cq = xenib_poll_cq,
	.post_recv = xenib_post_recv,
	.post_send = xenib_post_send,
	.query_device = xenib_query_device,
	.query_pkey = xenib_query_pkey,
	.query_port = xenib_query_port,
	.query_qp = xenib_query_qp,
	.query_srq = xenib_query_srq,
	.reg_user_mr = xenib_reg_user_mr,
	.req_notify_cq = xenib_req_notify_cq,
	.resize_cq = xenib_resize_cq,

	INIT_RDMA_OBJ_SIZE(ib_ah, xenib_ah, ibah),
	INIT_RDMA_OBJ_SIZE(ib_cq, xenib_cq, ibcq),
	INIT_RDMA_OBJ_SIZE(ib_mw, xenib_mw, ibmw),
	INIT_RDMA_OBJ_SIZE(ib_pd, xenib_pd, ibpd),
	INIT_RDMA_OBJ_SIZE(ib_qp, xenib_qp, ibqp),
	INIT_RDMA_OBJ_SIZE(ib_srq, xenib_srq, ibsrq),
	INIT_RDMA_OBJ_SIZE(ib_ucontext, xenib_ucontext, ibuc),
};

/*
 * Register the guest's RDMA device for a fresh connection.  Called from the
 * xenbus state machine once the backend is Connected; a failure leaves the
 * connection up (its sysfs attributes still work) without a device.
 */
int xenib_fe_ib_register(struct xenib_fe *fe)
{
	struct device *parent = &fe->dev->dev;
	struct xenib_port_attr port;
	struct xenib_ibdev *xdev;
	struct net_device *ndev;
	struct ib_device *ibdev;
	int err;

	xdev = ib_alloc_device(xenib_ibdev, ibdev);
	if (!xdev)
		return -ENOMEM;
	xdev->fe = fe;
	ibdev = &xdev->ibdev;

	err = xenib_fe_call_simple(fe, XENIB_OP_QUERY_DEVICE, NULL, 0,
				   &xdev->attr, sizeof(xdev->attr));
	if (!err) {
		/* What one registration can be, in the forms the backend takes. */
		xdev->attr.max_mr_size = min_t(u64, xdev->attr.max_mr_size,
					       (u64)xenib_fe_mr_max_pages(fe) *
					       XENIB_PAGE_SIZE);
		err = xenib_query_port_wire(fe, &port);
	}
	if (err) {
		dev_err(parent, "cannot query the backend's device: %d\n", err);
		goto fail_dealloc;
	}
	if (port.link_layer != IB_LINK_LAYER_ETHERNET) {
		dev_err(parent,
			"port link layer %u is not supported, only Ethernet (RoCE)\n",
			port.link_layer);
		err = -EOPNOTSUPP;
		goto fail_dealloc;
	}
	xdev->link_layer = port.link_layer;

	strscpy(ibdev->node_desc, "xenib", sizeof(ibdev->node_desc));
	ibdev->node_type = RDMA_NODE_IB_CA;
	ibdev->phys_port_cnt = 1;
	ibdev->num_comp_vectors = 1;
	ibdev->node_guid = (__force __be64)xdev->attr.node_guid;
	ibdev->local_dma_lkey = XENIB_LOCAL_DMA_LKEY;
	ibdev->dev.parent = parent;
	/* The rxe provider's doorbell and CQ arming, as rxe enables them. */
	ibdev->uverbs_cmd_mask |= BIT_ULL(IB_USER_VERBS_CMD_POST_SEND) |
				  BIT_ULL(IB_USER_VERBS_CMD_REQ_NOTIFY_CQ);
	ib_set_device_ops(ibdev, &xenib_dev_ops);

	ndev = xenib_netdev_create(parent, port.mac);
	if (IS_ERR(ndev)) {
		err = PTR_ERR(ndev);
		dev_err(parent, "cannot register the network device: %d\n",
			err);
		goto fail_dealloc;
	}
	xdev->ndev = ndev;

	err = ib_register_device(ibdev, "xenib%d", NULL);
	if (err) {
		dev_err(parent, "cannot register the RDMA device: %d\n", err);
		goto fail_netdev;
	}
	xenib_netdev_open(ndev);
	fe->ib = xdev;
	xdev->attr.name[sizeof(xdev->attr.name) - 1] = '\0';
	dev_info(parent, "RDMA device %s on backend device %s, netdev %s\n",
		 dev_name(&ibdev->dev), xdev->attr.name, netdev_name(ndev));
	return 0;

fail_netdev:
	ib_dealloc_device(ibdev);
	xenib_netdev_destroy(ndev);
	return err;
fail_dealloc:
	ib_dealloc_device(ibdev);
	return err;
}

/*
 * Unregister the device.  Processes using it lose it as on hot-unplug; the
 * connection is already down, so the releases ib_core makes are local.
 */
void xenib_fe_ib_unregister(struct xenib_fe *fe)
{
	struct xenib_ibdev *xdev = fe->ib;
	struct net_device *ndev;

	if (!xdev)
		return;
	fe->ib = NULL;
	ndev = xdev->ndev;
	ib_unregister_device(&xdev->ibdev);
	ib_dealloc_device(&xdev->ibdev);
	xenib_netdev_destroy(ndev);
}
