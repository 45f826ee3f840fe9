/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-ibback: Dom0 side of the Xen paravirtual RDMA device.
 *
 * Copyright (c) 2026 The xenib authors
 */

#ifndef XENIB_BACK_COMMON_H
#define XENIB_BACK_COMMON_H

#include <linux/interrupt.h>
#include <linux/kthread.h>
#include <linux/mutex.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <rdma/ib_verbs.h>
#include <xen/xenbus.h>
#include <xen/interface/io/ring.h>
#include <xenib/xenibif.h>

#define DRV_NAME "xen-ibback"

/* A real RDMA device that the backend may export, tracked by its ib_client. */
struct xenib_hca {
	struct ib_device *ibdev;
	struct list_head list;		/* in xenib_hca_list */
	struct list_head backends;	/* struct xenib_be.hca_entry */
};

struct xenib_be_stats {
	u64 requests;
	u64 responses;
	u64 errors;
	u64 events;
	u64 event_overflows;
	u64 interrupts;
	u64 spurious_interrupts;
};

/* One frontend's connection: one xenbus backend device. */
struct xenib_be {
	struct xenbus_device *dev;
	domid_t domid;

	/*
	 * Serialises connect/disconnect against the request thread and against
	 * the RDMA device going away.
	 */
	struct mutex lock;

	/* The exported device and port; hca is NULL once the device is gone. */
	char hca_name[IB_DEVICE_NAME_MAX];
	u32 port;
	struct xenib_hca *hca;
	struct list_head hca_entry;

	/* Connection, valid while connected. */
	bool connected;
	u32 version;
	unsigned int ring_pages;
	struct xenib_ctrl_back_ring ctrl;
	void *ctrl_addr;
	struct xenib_event_sring *evt;
	u32 evt_prod;			/* private copy, never read back */
	unsigned int irq;
	struct task_struct *thread;
	wait_queue_head_t wq;
	bool irq_pending;
	bool ring_broken;

	/* Objects on the real device, by handle; see resource.c. */
	struct xarray pds;

	struct xenib_be_stats stats;
};

/* hca.c */
int xenib_hca_init(void);
void xenib_hca_exit(void);
int xenib_hca_bind(struct xenib_be *be);
void xenib_hca_unbind(struct xenib_be *be);
int xenib_hca_query_device(struct xenib_be *be,
			   struct xenib_device_attr *attr);
int xenib_hca_query_port(struct xenib_be *be, struct xenib_port_attr *attr);
int xenib_hca_query_pkey(struct xenib_be *be,
			 const struct xenib_query_pkey_req *req,
			 struct xenib_query_pkey_resp *resp);

/* resource.c */
void xenib_be_resources_init(struct xenib_be *be);
void xenib_be_resources_release(struct xenib_be *be);
void xenib_be_resources_cap(struct xenib_device_attr *attr);
int xenib_be_alloc_pd(struct xenib_be *be, struct xenib_handle_resp *resp);
int xenib_be_dealloc_pd(struct xenib_be *be,
			const struct xenib_handle_req *req);

/* ctrl.c */
int xenib_ctrl_thread(void *arg);
irqreturn_t xenib_be_interrupt(int irq, void *dev_id);
void xenib_be_post_event(struct xenib_be *be, u16 type, u32 handle,
			 u64 data);

/* xenbus.c */
void xenib_be_fail(struct xenib_be *be, int err, const char *why);

#endif /* XENIB_BACK_COMMON_H */
