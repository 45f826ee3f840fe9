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
#include <xen/grant_table.h>
#include <xen/xenbus.h>
#include <xen/interface/io/ring.h>
#include <xenib/xenibif.h>

#include "check.h"
#include "param.h"

#define DRV_NAME "xen-ibback"

/* A real RDMA device that the backend may export, tracked by its ib_client. */
struct xenib_hca {
	struct ib_device *ibdev;
	struct list_head list;		/* in xenib_hca_list */
	struct list_head backends;	/* struct xenib_be.hca_entry */
	/* Per port (1-based): our agent for the CM class; see mad.c. */
	struct ib_mad_agent **cm_agents;
};

struct xenib_be_stats {
	u64 requests;
	u64 responses;
	u64 errors;
	u64 events;
	u64 event_overflows;
	u64 interrupts;
	u64 spurious_interrupts;
	/* The engine; see engine.c. */
	u64 kicks;
	u64 spurious_kicks;
	u64 engine_wakeups;
	u64 engine_passes;
	u64 engine_busy_ns;
	u64 sends_posted;
	u64 recvs_posted;
	u64 completions;
	u64 cq_events;
	u64 async_events;
	u64 bad_wqes;
	/* Connection manager MADs; see mad.c. */
	u64 mads_sent;
	u64 mads_received;
	u64 mads_dropped;
};

/* A queue in frontend memory, mapped into the backend; see queue.c. */
struct xenib_be_queue {
	/* In struct rxe_queue_buf layout; see xenib_be_queue_read(). */
	u32 log2_elem_size;		/* ours, never read from the queue */
	u32 index_mask;
	/* For rings the backend produces into: its index, never read back. */
	u32 prod;
	unsigned int nr_pages;
	struct page **pages;
	struct gnttab_unmap_grant_ref *unmap;	/* prepared when mapped */
};

/* One frontend's connection: one xenbus backend device. */
struct xenib_be {
	struct xenbus_device *dev;
	domid_t domid;

	/*
	 * The guest's lock.  Held for each pass of the request thread over
	 * the control ring (so by every handler), for each pass of the
	 * engine over the queues, and by connect, disconnect and the RDMA
	 * device's removal (inside xenib_hca_mutex, hca.c).  It guards
	 * hca and hca_entry, the connection's state, every object table
	 * (pds .. mw_keys), wqs and the page counts; sysfs reads the
	 * resources and the stats under it.
	 *
	 * Handlers sleep under it: a registration until the device has
	 * executed it (up to 5 s, mr.c), an RC QP's RTR until the peer's
	 * MAC is resolved (up to 1 s, qp.c).  This guest's engine waits
	 * meanwhile, as the objects it walks may be half made; no other
	 * guest's does.
	 */
	struct mutex lock;

	/* The exported device and port; hca is NULL once the device is gone. */
	char hca_name[IB_DEVICE_NAME_MAX];
	u32 port;
	struct xenib_hca *hca;
	struct list_head hca_entry;
	/* The addresses it may send from ("ip"), as GIDs; see check.c. */
	u8 addrs[XENIB_MAX_ADDRS][XENIB_GID_SIZE];
	unsigned int nr_addrs;

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

	/* The data path; see engine.c. */
	unsigned int data_irq;
	struct task_struct *engine;
	wait_queue_head_t engine_wq;
	bool kick_pending;		/* data_irq fired */
	bool engine_wake;		/* a real CQ fired, or new work */
	struct xarray wqs;		/* struct xenib_be_wq by id */
	u32 next_wq_id;
	void *wqe_buf;			/* one ring element, copied out */
	struct ib_event_handler event_handler;
	bool event_handler_registered;
	spinlock_t evt_lock;		/* the event ring, from any context */

	/* Objects on the real device, by handle; see resource.c. */
	struct xarray pds;
	struct xarray cqs;
	struct xarray qps;
	struct xarray srqs;
	struct xarray ahs;
	struct xarray mrs;
	struct xarray mr_keys;		/* MRs by lkey, for the engine */
	struct xarray mws;
	struct xarray mw_keys;		/* windows by rkey >> 8 */
	unsigned int queue_pages;	/* mapped for queues, see queue.c */
	unsigned int mr_pages;		/* mapped for MRs, see mr.c */

	/* CM MADs for the guest, until it fetches them; see mad.c. */
	spinlock_t mad_lock;
	struct list_head mads;
	unsigned int nr_mads;
	bool mad_open;			/* connected: MADs are queued */

	/*
	 * Each counter has one writer at a time: be->lock's holder (the
	 * request thread's handlers and the engine's passes: requests,
	 * responses, errors, mads_sent, engine_passes, sends_posted,
	 * recvs_posted, completions, cq_events, bad_wqes), evt_lock's
	 * (events, event_overflows, async_events), mad_lock's
	 * (mads_received, mads_dropped), or one thread outside any lock:
	 * the request thread (interrupts, spurious_interrupts) and the
	 * engine (kicks, spurious_kicks, engine_wakeups, engine_busy_ns).
	 * sysfs copies them under be->lock, so those written outside it
	 * may be a moment old.
	 */
	struct xenib_be_stats stats;
};

/* hca.c */
int xenib_be_hca_init(void);
void xenib_be_hca_exit(void);
int xenib_be_hca_bind(struct xenib_be *be);
void xenib_be_hca_unbind(struct xenib_be *be);
int xenib_be_query_device(struct xenib_be *be,
			  struct xenib_device_attr *attr);
int xenib_be_query_port(struct xenib_be *be, struct xenib_port_attr *attr);
int xenib_be_query_pkey(struct xenib_be *be,
			const struct xenib_query_pkey_req *req,
			struct xenib_query_pkey_resp *resp);
struct xenib_be_mad;
bool xenib_be_hca_deliver_mad(struct xenib_hca *hca, u32 port,
			      struct xenib_be_mad *m);

/* mad.c */
void xenib_be_cm_open(struct xenib_hca *hca);
void xenib_be_cm_close(struct xenib_hca *hca);
bool xenib_be_has_cm(struct xenib_be *be);
bool xenib_be_queue_mad(struct xenib_be *be, struct xenib_be_mad *m);
void xenib_be_mad_open(struct xenib_be *be);
void xenib_be_mad_close(struct xenib_be *be);
int xenib_be_send_mad(struct xenib_be *be,
		      const struct xenib_send_mad_req *req);
int xenib_be_recv_mad(struct xenib_be *be, struct xenib_recv_mad_resp *resp);

/* Objects a frontend owns on the real device; see resource.c. */
struct xenib_be_pd {
	struct ib_pd *pd;
	/* Objects created in this PD; it cannot go while there are any. */
	unsigned int users;
	/*
	 * Fast registration needs a QP in the MR's PD: one connected to
	 * itself, made on the PD's first registration; see mr.c.
	 */
	struct ib_cq *reg_cq;
	struct ib_qp *reg_qp;
	/*
	 * Never registered: a guest QP's bind or local invalidation goes to
	 * the real QP as a local invalidation of this, to complete in order
	 * with the QP's other work; see mw.c.
	 */
	struct ib_mr *placeholder;
};

/*
 * A guest work queue (SQ, RQ or SRQ) as the engine feeds it to the real
 * device.  Guest indices in [tail, head) are posted to the real queue and
 * not yet retired; [head, guest producer) are still to be posted.
 */
struct xenib_be_wq {
	struct xenib_be_queue *queue;
	u32 id;				/* in be->wqs: wr_id bits 63..32 */
	bool send;
	u32 head;
	u32 tail;			/* the consumer index the guest sees */
	u32 max_posted;			/* what the real queue holds */
	u32 max_sge;
	bool broken;			/* the guest's indices made no sense */
	/* Send queues: what was published when this engine pass began. */
	int seen;
	/*
	 * SRQs: a slot is retired as soon as it is posted, as rxe takes SRQ
	 * elements, because their completions come out of order (several
	 * QPs); real work requests then carry a tag, not the slot.
	 */
	bool shared;
	u64 *wr_id;			/* the guest's, per slot (SRQs: per tag) */
	unsigned long *binds;		/* SQs: the slots that hold binds */
	/* Receive queues: retired slots; SRQs: tags in use. */
	unsigned long *done;
	u32 *free_tags;			/* SRQs: a stack of free tags */
	u32 nr_free_tags;
	struct ib_sge *sge;		/* max_sge, for posting */
};

struct xenib_be_cq {
	struct ib_cq *cq;
	struct xenib_be *be;
	u32 handle;
	struct xenib_be_queue *queue;
	unsigned int users;		/* QPs using it */
	bool fired;			/* the real CQ's completion handler ran */
	bool armed;			/* the real CQ is armed */
	bool solicited;			/* the guest last armed for solicited */
	bool backlog;			/* the guest's ring was full at the last look */
};

struct xenib_be_srq {
	struct ib_srq *srq;
	struct xenib_be *be;
	u32 handle;
	struct xenib_be_pd *pd;
	struct xenib_be_queue *queue;
	struct xenib_be_wq wq;
	unsigned int users;		/* QPs using it */
};

struct xenib_be_qp {
	struct ib_qp *qp;
	struct xenib_be *be;
	u32 handle;
	enum ib_qp_type type;
	enum ib_qp_state state;		/* as last set by the guest */
	u32 max_inline;
	struct xenib_be_pd *pd;
	struct xenib_be_cq *send_cq;
	struct xenib_be_cq *recv_cq;
	struct xenib_be_srq *srq;
	struct xenib_be_queue *sq;
	struct xenib_be_queue *rq;
	struct xenib_be_wq swq;
	struct xenib_be_wq rwq;		/* unused with an SRQ */
	struct list_head mcast;		/* struct xenib_be_mcast: attached */
};

/* A multicast group a guest's UD QP is attached to on the real device. */
struct xenib_be_mcast {
	struct list_head list;
	union ib_gid gid;
	u16 lid;
};

struct xenib_be_ah {
	struct ib_ah *ah;
	struct xenib_be_pd *pd;
};

struct xenib_be_mr {
	struct ib_mr *mr;
	struct xenib_be_pd *pd;
	u64 iova;
	u64 length;
	u32 access;
	unsigned int nr_pages;
	struct page **pages;
	struct gnttab_unmap_grant_ref *unmap;	/* prepared when mapped */
	struct sg_table sgt;
	enum dma_data_direction dir;
	bool dma_mapped;
	unsigned int nr_windows;		/* bound to it */
};

/*
 * A guest's memory window: on the real device, an MR fast-registered over
 * the pages of the MR it is bound to; see mw.c.
 */
struct xenib_be_mw {
	struct ib_mr *mr;		/* its rkey is the window's */
	struct xenib_be_pd *pd;
	u32 type;			/* IB_MW_TYPE_* */
	struct xenib_be_mr *parent;	/* bound to it, or NULL */
	unsigned int max_pages;		/* it may span */
};

/*
 * Objects: a verb creates one with xenib_be_new() (and xenib_be_drop_new()
 * if it fails after that); xenib_be_free_<object>() ends one already out
 * of its table, giving back what it holds on the real device and of the
 * guest, and its PD's use.
 */

/* resource.c */
void xenib_be_resources_init(struct xenib_be *be);
void xenib_be_resources_release(struct xenib_be *be);
void xenib_be_resources_cap(struct xenib_device_attr *attr);
void *xenib_be_new(struct xarray *xa, size_t size, unsigned int quota,
		   u32 *handle);
void xenib_be_drop_new(struct xarray *xa, u32 handle, void *obj);
void *xenib_be_lookup(struct xarray *xa, const struct xenib_handle_req *req);
struct xenib_be_pd *xenib_be_pd_of(struct xenib_be *be, u32 handle);
ssize_t xenib_be_resources_show(struct xenib_be *be, char *buf);
int xenib_be_alloc_pd(struct xenib_be *be, struct xenib_handle_resp *resp);
int xenib_be_dealloc_pd(struct xenib_be *be,
			const struct xenib_handle_req *req);
int xenib_be_create_cq(struct xenib_be *be,
		       const struct xenib_create_cq_req *req,
		       struct xenib_handle_resp *resp);
int xenib_be_destroy_cq(struct xenib_be *be,
			const struct xenib_handle_req *req);
int xenib_be_resize_cq(struct xenib_be *be,
		       const struct xenib_resize_cq_req *req);

/* srq.c */
int xenib_be_create_srq(struct xenib_be *be,
			const struct xenib_create_srq_req *req,
			struct xenib_create_srq_resp *resp);
int xenib_be_modify_srq(struct xenib_be *be,
			const struct xenib_modify_srq_req *req);
int xenib_be_query_srq(struct xenib_be *be, const struct xenib_handle_req *req,
		       struct xenib_srq_attr *resp);
int xenib_be_destroy_srq(struct xenib_be *be,
			 const struct xenib_handle_req *req);
void xenib_be_free_srq(struct xenib_be *be, struct xenib_be_srq *srq);

/* ah.c */
int xenib_be_ah_from_wire(struct xenib_be *be, const struct xenib_ah_attr *w,
			  struct rdma_ah_attr *ah);
void xenib_be_ah_to_wire(struct xenib_be *be, const struct rdma_ah_attr *ah,
			 struct xenib_ah_attr *w);
int xenib_be_create_ah(struct xenib_be *be,
		       const struct xenib_create_ah_req *req,
		       struct xenib_handle_resp *resp);
int xenib_be_destroy_ah(struct xenib_be *be,
			const struct xenib_handle_req *req);
void xenib_be_free_ah(struct xenib_be *be, struct xenib_be_ah *ah);

/* mr.c */
int xenib_be_reg_mr(struct xenib_be *be, const struct xenib_reg_mr_req *req,
		    struct xenib_reg_mr_resp *resp);
int xenib_be_dereg_mr(struct xenib_be *be, const struct xenib_handle_req *req);
void xenib_be_free_mr(struct xenib_be *be, struct xenib_be_mr *mr);
void xenib_be_pd_release_reg_qp(struct xenib_be_pd *pd);
int xenib_be_pd_reg_qp(struct xenib_be *be, struct xenib_be_pd *pd);
int xenib_be_post_local(struct xenib_be_pd *pd, struct ib_send_wr *wr);

/* mw.c */
int xenib_be_alloc_mw(struct xenib_be *be,
		      const struct xenib_alloc_mw_req *req,
		      struct xenib_alloc_mw_resp *resp);
int xenib_be_dealloc_mw(struct xenib_be *be,
			const struct xenib_handle_req *req);
void xenib_be_free_mw(struct xenib_be *be, struct xenib_be_mw *mw);
int xenib_be_mw_prepare(struct xenib_be *be, struct xenib_be_qp *qp,
			const struct rxe_send_wr *wr,
			struct xenib_be_mw **mw, struct xenib_be_mr **mr);
int xenib_be_mw_execute(struct xenib_be *be, const struct rxe_send_wr *wr,
			struct xenib_be_mw *mw, struct xenib_be_mr *mr);
void xenib_be_mw_invalidated(struct xenib_be *be, u32 rkey);

/* qp.c */
int xenib_be_create_qp(struct xenib_be *be,
		       const struct xenib_create_qp_req *req,
		       struct xenib_create_qp_resp *resp);
int xenib_be_modify_qp(struct xenib_be *be,
		       const struct xenib_modify_qp_req *req);
int xenib_be_query_qp(struct xenib_be *be,
		      const struct xenib_query_qp_req *req,
		      struct xenib_qp_attr *resp);
int xenib_be_attach_mcast(struct xenib_be *be,
			  const struct xenib_mcast_req *req);
int xenib_be_detach_mcast(struct xenib_be *be,
			  const struct xenib_mcast_req *req);
int xenib_be_destroy_qp(struct xenib_be *be,
			const struct xenib_handle_req *req);
void xenib_be_free_qp(struct xenib_be *be, struct xenib_be_qp *qp,
		      bool drain);

/* queue.c */
extern atomic_long_t xenib_be_grant_mapped;
int xenib_be_map_pages(domid_t domid, const grant_ref_t *refs,
		       unsigned int nr, bool readonly,
		       struct page **pages,
		       struct gnttab_unmap_grant_ref *unmap);
void xenib_be_unmap_pages(struct page **pages,
			  struct gnttab_unmap_grant_ref *unmap,
			  unsigned int nr);
int xenib_be_read_indirect(struct xenib_be *be, const u32 *irefs,
			   unsigned int nr_indirect, unsigned int nr_refs,
			   grant_ref_t *refs);
struct xenib_be_queue *xenib_be_queue_map(struct xenib_be *be,
					  const struct xenib_queue *wire);
void xenib_be_queue_unmap(struct xenib_be *be, struct xenib_be_queue *q);
void xenib_be_queue_read(struct xenib_be_queue *q, u32 idx, void *dst,
			 size_t len);
void xenib_be_queue_write(struct xenib_be_queue *q, u32 idx, const void *src,
			  size_t len);
u32 *xenib_be_queue_index(struct xenib_be_queue *q, unsigned int offset);

/* engine.c */
int xenib_be_engine_start(struct xenib_be *be, unsigned int evtchn);
void xenib_be_engine_stop(struct xenib_be *be);
void xenib_be_engine_unhook(struct xenib_be *be);
void xenib_be_engine_wake(struct xenib_be *be);
int xenib_be_wq_init(struct xenib_be *be, struct xenib_be_wq *wq,
		     struct xenib_be_queue *queue, bool send, u32 max_posted,
		     u32 max_sge);
void xenib_be_wq_destroy(struct xenib_be *be, struct xenib_be_wq *wq);
void xenib_be_wq_reset(struct xenib_be_wq *wq);
void xenib_be_cq_handler(struct ib_cq *cq, void *context);
void xenib_be_cq_event(struct ib_event *event, void *context);
void xenib_be_qp_event(struct ib_event *event, void *context);
void xenib_be_srq_event(struct ib_event *event, void *context);
void xenib_be_engine_settle(struct xenib_be *be, struct xenib_be_cq *cq);
void xenib_be_drain_cq(struct xenib_be *be, struct xenib_be_cq *cq,
		       struct ib_qp *gone);

/* ctrl.c */
int xenib_be_ctrl_thread(void *arg);
irqreturn_t xenib_be_interrupt(int irq, void *dev_id);
void xenib_be_post_event(struct xenib_be *be, u16 type, u32 handle,
			 u64 data);

/* xenbus.c */
void xenib_be_fail(struct xenib_be *be, int err, const char *why);

/* sysfs.c */
extern const struct attribute_group *xenib_be_groups[];
extern const struct attribute_group *xenib_be_driver_groups[];

#endif /* XENIB_BACK_COMMON_H */
