/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-ibfront: guest side of the Xen paravirtual RDMA device.
 *
 * Copyright (c) 2026 The xenib authors
 */

#ifndef XENIB_FRONT_COMMON_H
#define XENIB_FRONT_COMMON_H

#include <linux/completion.h>
#include <linux/interrupt.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <rdma/ib_verbs.h>
#include <xen/xenbus.h>
#include <xen/grant_table.h>
#include <xen/interface/io/ring.h>
#include <xenib/xenibif.h>

#define DRV_NAME "xen-ibfront"

/* A control request waiting for its response. */
struct xenib_fe_call {
	u64 id;
	bool busy;
	bool abandoned;		/* caller gave up; free on response */
	struct xenib_ctrl_response *resp;
	struct completion done;
};

struct xenib_fe_stats {
	u64 requests;
	u64 responses;
	u64 events;
	u64 timeouts;
	u64 bad_responses;
	u64 bad_events;
};

/* The guest's RDMA device, registered while connected. */
struct xenib_ibdev {
	struct ib_device ibdev;
	struct xenib_fe *fe;
	struct net_device *ndev;
	u8 link_layer;
	/* The backend's answer when the registration began. */
	struct xenib_device_attr attr;
};

struct xenib_fe {
	struct xenbus_device *dev;
	struct xenib_ibdev *ib;

	/* Protects the ring, calls[], connected and stats; taken in irq. */
	spinlock_t lock;
	bool connected;
	u32 version;
	unsigned int ring_pages;
	struct xenib_ctrl_front_ring ctrl;
	void *ctrl_addr;
	grant_ref_t ctrl_refs[XENIB_MAX_RING_PAGES];
	struct xenib_event_sring *evt;
	grant_ref_t evt_ref;
	u32 evt_cons;
	u32 evt_overflows;
	evtchn_port_t evtchn;
	int irq;

	/* At most one call per ring slot in flight: the ring never overflows. */
	unsigned int nr_calls;
	struct xenib_fe_call *calls;
	u64 next_seq;
	struct xenib_ctrl_response resp_buf;	/* irq-side copy */

	/* Last NOP event seen, for the ping round trip. */
	u64 nop_event_cookie;
	wait_queue_head_t event_wq;

	struct xenib_fe_stats stats;
};

/* ctrl.c */
int xenib_fe_ctrl_alloc(struct xenib_fe *fe);
void xenib_fe_ctrl_free(struct xenib_fe *fe);
void xenib_fe_ctrl_fail_all(struct xenib_fe *fe);
irqreturn_t xenib_fe_interrupt(int irq, void *dev_id);
int xenib_fe_call(struct xenib_fe *fe, u16 op, struct xenib_ctrl_request *req,
		  struct xenib_ctrl_response *resp);
int xenib_fe_call_simple(struct xenib_fe *fe, u16 op, const void *in,
			 size_t in_len, void *out, size_t out_len);

/* verbs.c */
int xenib_fe_ib_register(struct xenib_fe *fe);
void xenib_fe_ib_unregister(struct xenib_fe *fe);

/* netdev.c */
struct net_device *xenib_netdev_create(struct device *parent, const u8 *mac);
void xenib_netdev_open(struct net_device *ndev);
void xenib_netdev_destroy(struct net_device *ndev);

/* sysfs.c */
extern const struct attribute_group *xenib_fe_groups[];

#endif /* XENIB_FRONT_COMMON_H */
