// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibfront: sysfs attributes of the xenbus device
 * (/sys/bus/xen/devices/xenib-N/).
 *
 * Reading device_attrs, port_attrs or ping performs a fresh round trip to the
 * backend, so they show the real device as it is now and prove the
 * connection works.  Names and formats follow ibv_devinfo -v where it has
 * the same field.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include "common.h"

static struct xenib_fe *to_fe(struct device *dev)
{
	return dev_get_drvdata(dev);
}

/* ibv_devinfo's GUID format: four groups of four hex digits. */
static int emit_guid(char *buf, int len, const char *name, u64 wire)
{
	u64 g = be64_to_cpu((__force __be64)wire);

	return sysfs_emit_at(buf, len, "%s: %04x:%04x:%04x:%04x\n", name,
			     (u16)(g >> 48), (u16)(g >> 32), (u16)(g >> 16),
			     (u16)g);
}

#define EMIT_U(name)	(len += sysfs_emit_at(buf, len, #name ": %llu\n", \
					      (unsigned long long)a->name))
#define EMIT_X(name)	(len += sysfs_emit_at(buf, len, #name ": 0x%llx\n", \
					      (unsigned long long)a->name))

static ssize_t device_attrs_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct xenib_device_attr *a;
	int len = 0, err;

	a = kmalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	err = xenib_fe_call_simple(to_fe(dev), XENIB_OP_QUERY_DEVICE, NULL, 0,
				   a, sizeof(*a));
	if (err) {
		kfree(a);
		return err;
	}
	a->name[sizeof(a->name) - 1] = '\0';

	len += sysfs_emit_at(buf, len, "hca: %s\n", a->name);
	EMIT_U(fw_ver);
	len += emit_guid(buf, len, "node_guid", a->node_guid);
	len += emit_guid(buf, len, "sys_image_guid", a->sys_image_guid);
	EMIT_X(vendor_id);
	EMIT_U(vendor_part_id);
	EMIT_X(hw_ver);
	EMIT_U(phys_port_cnt);
	EMIT_X(max_mr_size);
	EMIT_X(page_size_cap);
	EMIT_U(max_qp);
	EMIT_U(max_qp_wr);
	EMIT_X(device_cap_flags);
	EMIT_U(max_send_sge);
	EMIT_U(max_recv_sge);
	EMIT_U(max_sge_rd);
	EMIT_U(max_cq);
	EMIT_U(max_cqe);
	EMIT_U(max_mr);
	EMIT_U(max_pd);
	EMIT_U(max_qp_rd_atom);
	EMIT_U(max_ee_rd_atom);
	EMIT_U(max_res_rd_atom);
	EMIT_U(max_qp_init_rd_atom);
	EMIT_U(max_ee_init_rd_atom);
	EMIT_U(atomic_cap);
	EMIT_U(max_ee);
	EMIT_U(max_rdd);
	EMIT_U(max_mw);
	EMIT_U(max_raw_ipv6_qp);
	EMIT_U(max_raw_ethy_qp);
	EMIT_U(max_mcast_grp);
	EMIT_U(max_mcast_qp_attach);
	EMIT_U(max_total_mcast_qp_attach);
	EMIT_U(max_ah);
	EMIT_U(max_srq);
	EMIT_U(max_srq_wr);
	EMIT_U(max_srq_sge);
	EMIT_U(max_fast_reg_page_list_len);
	EMIT_U(max_pkeys);
	EMIT_U(local_ca_ack_delay);
	kfree(a);
	return len;
}
static DEVICE_ATTR_RO(device_attrs);

static ssize_t port_attrs_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct xenib_port_attr port, *a = &port;
	int len = 0, err;

	err = xenib_fe_call_simple(to_fe(dev), XENIB_OP_QUERY_PORT, NULL, 0,
				   a, sizeof(*a));
	if (err)
		return err;

	EMIT_U(state);
	EMIT_U(max_mtu);
	EMIT_U(active_mtu);
	EMIT_U(phys_mtu);
	EMIT_U(sm_lid);
	EMIT_U(lid);
	EMIT_U(lmc);
	EMIT_U(link_layer);
	EMIT_U(max_msg_sz);
	EMIT_X(port_cap_flags);
	EMIT_X(port_cap_flags2);
	EMIT_U(max_vl_num);
	EMIT_U(bad_pkey_cntr);
	EMIT_U(qkey_viol_cntr);
	EMIT_U(sm_sl);
	EMIT_U(pkey_tbl_len);
	EMIT_U(gid_tbl_len);
	EMIT_U(subnet_timeout);
	EMIT_U(init_type_reply);
	EMIT_U(active_width);
	EMIT_U(active_speed);
	EMIT_U(phys_state);
	EMIT_X(core_cap_flags);
	return len;
}
static DEVICE_ATTR_RO(port_attrs);

/*
 * One NOP that also asks for an event: shows the round-trip time and that
 * the event ring delivered the cookie.
 */
static ssize_t ping_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	struct xenib_fe *fe = to_fe(dev);
	struct xenib_nop_req req = {
		.cookie = get_random_u64() | 1,
		.flags = XENIB_NOP_F_EVENT,
	};
	struct xenib_nop_resp resp;
	bool got_event;
	ktime_t start;
	s64 rtt_ns;
	int err;

	start = ktime_get();
	err = xenib_fe_call_simple(fe, XENIB_OP_NOP, &req, sizeof(req),
				   &resp, sizeof(resp));
	rtt_ns = ktime_to_ns(ktime_sub(ktime_get(), start));
	if (err)
		return err;
	if (resp.cookie != req.cookie)
		return -EPROTO;
	/* The event was posted before the answer; allow for a late irq. */
	got_event = wait_event_timeout(fe->event_wq,
				       READ_ONCE(fe->nop_event_cookie) ==
				       req.cookie, HZ) > 0;
	return sysfs_emit(buf, "rtt_ns: %lld\nevent: %s\n", rtt_ns,
			  got_event ? "ok" : "missing");
}
static DEVICE_ATTR_RO(ping);

static ssize_t connection_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct xenib_fe *fe = to_fe(dev);
	struct xenib_fe_stats s;
	unsigned long flags;
	bool connected;

	spin_lock_irqsave(&fe->lock, flags);
	connected = fe->connected;
	s = fe->stats;
	spin_unlock_irqrestore(&fe->lock, flags);

	return sysfs_emit(buf,
			  "connected: %d\nprotocol_version: %u\nring_pages: %u\nring_slots: %u\nrequests: %llu\nresponses: %llu\nevents: %llu\ntimeouts: %llu\nbad_responses: %llu\nbad_events: %llu\nflip_rewrites: %llu\n",
			  connected, fe->version, fe->ring_pages, fe->nr_calls,
			  s.requests, s.responses, s.events, s.timeouts,
			  s.bad_responses, s.bad_events, s.flip_rewrites);
}
static DEVICE_ATTR_RO(connection);

static struct attribute *xenib_fe_attrs[] = {
	&dev_attr_device_attrs.attr,
	&dev_attr_port_attrs.attr,
	&dev_attr_ping.attr,
	&dev_attr_connection.attr,
	NULL
};

static const struct attribute_group xenib_fe_group = {
	.attrs = xenib_fe_attrs,
};

const struct attribute_group *xenib_fe_groups[] = {
	&xenib_fe_group,
	NULL
};
