// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibback: the real RDMA devices the backend exports.
 *
 * An ib_client tracks the devices, so a backend never holds a device that
 * is being unregistered: on removal every backend using it loses it and is
 * taken to Closing.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/etherdevice.h>
#include <linux/slab.h>
#include <rdma/ib_cache.h>
#include <rdma/rdma_user_rxe.h>
#include "common.h"
#include <xenib/rules.h>

/*
 * Device capabilities a guest may see: those that describe how the real
 * device's QPs, SRQs and ports behave, which the guest gets unchanged.
 * Memory windows are the backend's own (mw.c) and added where offered.
 * Everything else (XRC, fast registration, checksum offloads and raw
 * packet features) needs backend support that does not exist; a flag
 * not listed here is never advertised.  Resizing QPs and SRQs is not
 * listed either: their rings live in guest memory, sized at creation.
 */
#define XENIB_GUEST_DEVICE_CAPS	(IB_DEVICE_BAD_PKEY_CNTR |		\
				 IB_DEVICE_BAD_QKEY_CNTR |		\
				 IB_DEVICE_AUTO_PATH_MIG |		\
				 IB_DEVICE_CHANGE_PHY_PORT |		\
				 IB_DEVICE_UD_AV_PORT_ENFORCE |	\
				 IB_DEVICE_CURR_QP_STATE_MOD |		\
				 IB_DEVICE_SHUTDOWN_PORT |		\
				 IB_DEVICE_PORT_ACTIVE_EVENT |		\
				 IB_DEVICE_SYS_IMAGE_GUID |		\
				 IB_DEVICE_RC_RNR_NAK_GEN |		\
				 IB_DEVICE_N_NOTIFY_CQ)

static LIST_HEAD(xenib_hca_list);
/* Protects xenib_hca_list and every hca->backends list; nests outside be->lock. */
static DEFINE_MUTEX(xenib_hca_mutex);
static struct ib_client xenib_ib_client;

static int xenib_be_hca_add(struct ib_device *ibdev)
{
	struct xenib_hca *hca;

	hca = kzalloc(sizeof(*hca), GFP_KERNEL);
	if (!hca)
		return -ENOMEM;
	hca->ibdev = ibdev;
	INIT_LIST_HEAD(&hca->backends);
	xenib_be_cm_open(hca);

	mutex_lock(&xenib_hca_mutex);
	list_add_tail(&hca->list, &xenib_hca_list);
	mutex_unlock(&xenib_hca_mutex);

	ib_set_client_data(ibdev, &xenib_ib_client, hca);
	return 0;
}

static void xenib_be_hca_remove(struct ib_device *ibdev, void *client_data)
{
	struct xenib_hca *hca = client_data;
	struct xenib_be *be, *tmp;

	/* Waits for MADs being delivered, which take xenib_hca_mutex. */
	xenib_be_cm_close(hca);
	mutex_lock(&xenib_hca_mutex);
	list_del(&hca->list);
	list_for_each_entry_safe(be, tmp, &hca->backends, hca_entry) {
		mutex_lock(&be->lock);
		/* Nothing of ours may outlive the device on it. */
		xenib_be_resources_release(be);
		xenib_be_engine_unhook(be);
		be->hca = NULL;
		list_del_init(&be->hca_entry);
		mutex_unlock(&be->lock);
		xenib_be_fail(be, -ENODEV, "RDMA device removed");
	}
	mutex_unlock(&xenib_hca_mutex);
	kfree(hca);
}

static struct ib_client xenib_ib_client = {
	.name = "xenib-back",
	.add = xenib_be_hca_add,
	.remove = xenib_be_hca_remove,
};

/* Attach @be to the device and port named in its xenstore directory. */
int xenib_be_hca_bind(struct xenib_be *be)
{
	struct xenib_hca *hca;
	int err = -ENODEV;

	mutex_lock(&xenib_hca_mutex);
	list_for_each_entry(hca, &xenib_hca_list, list) {
		if (strcmp(dev_name(&hca->ibdev->dev), be->hca_name))
			continue;
		if (!rdma_is_port_valid(hca->ibdev, be->port)) {
			err = -EINVAL;
			break;
		}
		mutex_lock(&be->lock);
		be->hca = hca;
		list_add_tail(&be->hca_entry, &hca->backends);
		mutex_unlock(&be->lock);
		err = 0;
		break;
	}
	mutex_unlock(&xenib_hca_mutex);
	return err;
}

void xenib_be_hca_unbind(struct xenib_be *be)
{
	mutex_lock(&xenib_hca_mutex);
	mutex_lock(&be->lock);
	if (be->hca) {
		list_del_init(&be->hca_entry);
		be->hca = NULL;
	}
	mutex_unlock(&be->lock);
	mutex_unlock(&xenib_hca_mutex);
}

/* Hand @m to the guest on @port that owns its destination, if any. */
bool xenib_be_hca_deliver_mad(struct xenib_hca *hca, u32 port,
			      struct xenib_be_mad *m)
{
	struct xenib_be *be;
	bool taken = false;

	mutex_lock(&xenib_hca_mutex);
	list_for_each_entry(be, &hca->backends, hca_entry) {
		if (be->port == port && xenib_be_queue_mad(be, m)) {
			taken = true;
			break;
		}
	}
	mutex_unlock(&xenib_hca_mutex);
	return taken;
}

int xenib_be_query_device(struct xenib_be *be, struct xenib_device_attr *a)
{
	const struct ib_device_attr *d;
	struct ib_device *ibdev;

	lockdep_assert_held(&be->lock);

	if (!be->hca)
		return -ENODEV;
	ibdev = be->hca->ibdev;
	d = &ibdev->attrs;

	memset(a, 0, sizeof(*a));
	a->fw_ver = d->fw_ver;
	a->node_guid = (__force u64)ibdev->node_guid;
	a->sys_image_guid = (__force u64)d->sys_image_guid;
	a->max_mr_size = d->max_mr_size;
	a->page_size_cap = d->page_size_cap;
	a->device_cap_flags = d->device_cap_flags & XENIB_GUEST_DEVICE_CAPS;
	a->timestamp_mask = d->timestamp_mask;
	a->hca_core_clock = d->hca_core_clock;
	a->max_dm_size = d->max_dm_size;
	a->vendor_id = d->vendor_id;
	a->vendor_part_id = d->vendor_part_id;
	a->hw_ver = d->hw_ver;
	a->max_qp = d->max_qp;
	a->max_qp_wr = d->max_qp_wr;
	a->max_send_sge = d->max_send_sge;
	a->max_recv_sge = d->max_recv_sge;
	a->max_sge_rd = d->max_sge_rd;
	a->max_cq = d->max_cq;
	a->max_cqe = d->max_cqe;
	a->max_mr = d->max_mr;
	a->max_pd = d->max_pd;
	a->max_qp_rd_atom = d->max_qp_rd_atom;
	a->max_ee_rd_atom = d->max_ee_rd_atom;
	a->max_res_rd_atom = d->max_res_rd_atom;
	a->max_qp_init_rd_atom = d->max_qp_init_rd_atom;
	a->max_ee_init_rd_atom = d->max_ee_init_rd_atom;
	a->atomic_cap = d->atomic_cap;
	a->masked_atomic_cap = d->masked_atomic_cap;
	a->max_ee = d->max_ee;
	a->max_rdd = d->max_rdd;
	/* Windows are the backend's, made of MRs (mw.c): max_mw is its. */
	if (xenib_max_mws)
		a->device_cap_flags |= IB_DEVICE_MEM_WINDOW |
				       IB_DEVICE_MEM_WINDOW_TYPE_2B;
	a->max_raw_ipv6_qp = d->max_raw_ipv6_qp;
	a->max_raw_ethy_qp = d->max_raw_ethy_qp;
	a->max_mcast_grp = d->max_mcast_grp;
	a->max_mcast_qp_attach = d->max_mcast_qp_attach;
	a->max_total_mcast_qp_attach = d->max_total_mcast_qp_attach;
	a->max_ah = d->max_ah;
	a->max_srq = d->max_srq;
	a->max_srq_wr = d->max_srq_wr;
	a->max_srq_sge = d->max_srq_sge;
	a->max_fast_reg_page_list_len = d->max_fast_reg_page_list_len;
	a->max_pi_fast_reg_page_list_len = d->max_pi_fast_reg_page_list_len;
	a->max_wq_type_rq = d->max_wq_type_rq;
	a->raw_packet_caps = d->raw_packet_caps;
	a->max_sgl_rd = d->max_sgl_rd;
	a->max_pkeys = d->max_pkeys;
	a->max_cq_moderation_count = d->cq_caps.max_cq_moderation_count;
	a->max_cq_moderation_period = d->cq_caps.max_cq_moderation_period;
	a->local_ca_ack_delay = d->local_ca_ack_delay;
	/* The guest sees only the attached port, as XENIB_GUEST_PORT. */
	a->phys_port_cnt = 1;
	strscpy(a->name, dev_name(&ibdev->dev), sizeof(a->name));
	/*
	 * No more than a guest's queues and registrations can hold (rules.h,
	 * xenibif.h): a guest told more would be refused what it was told.
	 */
	a->max_qp_wr = min_t(u32, d->max_qp_wr, xenib_queue_max_elems(
			xenib_queue_elem_log2(sizeof(struct rxe_send_wqe))));
	a->max_srq_wr = min_t(u32, d->max_srq_wr, xenib_queue_max_elems(
			xenib_queue_elem_log2(sizeof(struct rxe_recv_wqe))));
	a->max_cqe = min_t(u32, d->max_cqe, xenib_queue_max_elems(
			xenib_queue_elem_log2(sizeof(struct ib_uverbs_wc))));
	a->max_mr_size = min_t(u64, d->max_mr_size,
			       (u64)XENIB_MR_MAX_PAGES2 * XENIB_PAGE_SIZE);
	xenib_be_resources_cap(a);
	return 0;
}

/*
 * The hardware address of the network device under a RoCE port, found
 * through the port's default GID entry (ib_core does not export the port's
 * netdev itself).  Left zero when there is none.
 */
static void xenib_be_hca_port_mac(struct ib_device *ibdev, u32 port, u8 *mac)
{
	const struct ib_gid_attr *gid_attr;
	struct net_device *ndev;

	gid_attr = rdma_get_gid_attr(ibdev, port, 0);
	if (IS_ERR(gid_attr))
		return;
	rcu_read_lock();
	ndev = rdma_read_gid_attr_ndev_rcu(gid_attr);
	if (!IS_ERR(ndev) && ndev->addr_len == ETH_ALEN)
		memcpy(mac, ndev->dev_addr, ETH_ALEN);
	rcu_read_unlock();
	rdma_put_gid_attr(gid_attr);
}

int xenib_be_query_port(struct xenib_be *be, struct xenib_port_attr *a)
{
	struct ib_device *ibdev;
	struct ib_port_attr p;
	int err;

	lockdep_assert_held(&be->lock);

	if (!be->hca)
		return -ENODEV;
	ibdev = be->hca->ibdev;

	err = ib_query_port(ibdev, be->port, &p);
	if (err)
		return err;

	memset(a, 0, sizeof(*a));
	a->subnet_prefix = (__force u64)cpu_to_be64(p.subnet_prefix);
	a->state = p.state;
	a->max_mtu = p.max_mtu;
	a->active_mtu = p.active_mtu;
	a->phys_mtu = p.phys_mtu;
	a->gid_tbl_len = p.gid_tbl_len;
	a->port_cap_flags = p.port_cap_flags;
	a->max_msg_sz = p.max_msg_sz;
	a->bad_pkey_cntr = p.bad_pkey_cntr;
	a->qkey_viol_cntr = p.qkey_viol_cntr;
	a->sm_lid = p.sm_lid;
	a->lid = p.lid;
	a->core_cap_flags = ibdev->port_data[be->port].immutable.core_cap_flags;
	a->pkey_tbl_len = p.pkey_tbl_len;
	a->port_cap_flags2 = p.port_cap_flags2;
	a->active_speed = p.active_speed;
	a->lmc = p.lmc;
	a->max_vl_num = p.max_vl_num;
	a->sm_sl = p.sm_sl;
	a->subnet_timeout = p.subnet_timeout;
	a->init_type_reply = p.init_type_reply;
	a->active_width = p.active_width;
	a->phys_state = p.phys_state;
	a->link_layer = rdma_port_get_link_layer(ibdev, be->port);
	a->ip_gids = p.ip_gids;
	if (a->link_layer == IB_LINK_LAYER_ETHERNET)
		xenib_be_hca_port_mac(ibdev, be->port, a->mac);
	return 0;
}

int xenib_be_query_pkey(struct xenib_be *be,
			const struct xenib_query_pkey_req *req,
			struct xenib_query_pkey_resp *resp)
{
	struct ib_device *ibdev;
	u16 pkey;
	int err;

	lockdep_assert_held(&be->lock);

	if (!be->hca)
		return -ENODEV;
	ibdev = be->hca->ibdev;
	if (req->index >= ibdev->port_data[be->port].immutable.pkey_tbl_len)
		return -EINVAL;
	err = ib_query_pkey(ibdev, be->port, req->index, &pkey);
	if (err)
		return err;
	resp->pkey = pkey;
	return 0;
}

int xenib_be_hca_init(void)
{
	return ib_register_client(&xenib_ib_client);
}

void xenib_be_hca_exit(void)
{
	ib_unregister_client(&xenib_ib_client);
}
