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
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <rdma/ib_verbs.h>
#include <xen/xenbus.h>
#include <xen/grant_table.h>
#include <xen/interface/io/ring.h>
#include <xenib/xenibif.h>
#include "compat.h"

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
	u64 flip_rewrites;	/* raw_flip: rewrites before the answer */
};

/* Queue memory shared by a process and the backend; see queue.c. */
struct xenib_fe_queue {
	size_t size;			/* bytes the process maps */
	u32 log2_elem_size;
	u32 log2_slots;
	unsigned int nr_pages;
	unsigned int nr_granted;
	struct page **pages;
	grant_ref_t *refs;
	struct rdma_user_mmap_entry *entry;
	void *kva;			/* kernel queues: the pages, mapped */
	/* Indirect pages, only while the create request is in flight. */
	struct page *indirect[XENIB_QUEUE_MAX_INDIRECT];
	grant_ref_t indirect_refs[XENIB_QUEUE_MAX_INDIRECT];
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
	/* On xenib_fe_orphans while a restore left it without a backend. */
	struct list_head orphan;

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
	evtchn_port_t data_evtchn;	/* doorbells; see xenib_fe_kick() */

	/* Objects events may name, by backend handle; irq-safe xarrays. */
	struct xarray cqs;
	struct xarray qps;
	struct xarray srqs;
	/* Kernel QPs by QP number, for their completions; see kverbs.c. */
	struct xarray kqps;
	/* The backend relays CM MADs (feature-cm); QP1 while it exists. */
	bool has_cm;
	/* Registrations in two levels of indirect pages (xenibif.h). */
	bool mr_indirect2;
	struct xenib_gsi *gsi;

	/* At most one call per ring slot in flight: the ring never overflows. */
	unsigned int nr_calls;
	struct xenib_fe_call *calls;
	u64 next_seq;
	struct xenib_ctrl_response resp_buf;	/* irq-side copy */

	/* Response to the last raw_request (raw.c), under raw_lock. */
	struct mutex raw_lock;
	struct xenib_ctrl_response *raw_resp;
	struct dentry *raw_dir;		/* the test interfaces, raw.c */

	/* Last NOP event seen, for the ping round trip. */
	u64 nop_event_cookie;
	wait_queue_head_t event_wq;

	struct xenib_fe_stats stats;
};

/* param.c: the module parameters */
extern unsigned int xenib_ring_page_order;
extern unsigned int xenib_ctrl_timeout_ms;
extern bool xenib_raw_requests;

/* ctrl.c */
int xenib_fe_ctrl_alloc(struct xenib_fe *fe);
void xenib_fe_ctrl_free(struct xenib_fe *fe);
void xenib_fe_ctrl_fail_all(struct xenib_fe *fe);
irqreturn_t xenib_fe_interrupt(int irq, void *dev_id);
int xenib_fe_call(struct xenib_fe *fe, u16 op, struct xenib_ctrl_request *req,
		  struct xenib_ctrl_response *resp);
int xenib_fe_call_simple(struct xenib_fe *fe, u16 op, const void *in,
			 size_t in_len, void *out, size_t out_len);
int xenib_fe_call_release(struct xenib_fe *fe, u16 op, u32 handle);
struct xenib_fe_call *xenib_fe_call_start(struct xenib_fe *fe,
					  struct xenib_ctrl_request *req,
					  struct xenib_ctrl_response *resp,
					  bool killable,
					  struct xenib_ctrl_request **shared);
int xenib_fe_call_wait(struct xenib_fe *fe, struct xenib_fe_call *call,
		       u16 op, struct xenib_ctrl_response *resp, bool killable);
void xenib_fe_kick(struct xenib_fe *fe);

/* Verbs objects; the handles are the backend's. */
struct xenib_pd {
	struct ib_pd ibpd;
	u32 handle;
	bool gsi;			/* QP1's: its AHs stay here */
};

/* A completion made by the frontend, not the backend (QP1's; gsi.c). */
struct xenib_swc {
	struct list_head list;
	struct ib_wc wc;
};

struct xenib_cq {
	struct ib_cq ibcq;
	u32 handle;
	struct xenib_fe_queue queue;
	bool kernel;
	spinlock_t poll_lock;		/* kernel CQs: one poller at a time */
	struct list_head soft;		/* struct xenib_swc, under poll_lock */
};

struct xenib_srq {
	struct ib_srq ibsrq;
	u32 handle;
	struct xenib_fe_queue queue;
};

/* A kernel consumer's work request, kept until its completion is polled. */
struct xenib_kwr {
	u64 wr_id;
	bool signaled;		/* the consumer wants its completion */
	bool scatter;		/* data comes back through the bounce buffer */
	u32 num_sge;		/* of the consumer's SGEs to scatter to */
	u32 length;		/* bytes through the bounce buffer */
};

/* The guest kernel's side of a kernel QP's send or receive queue. */
struct xenib_kwq {
	spinlock_t lock;		/* producers */
	u32 head;			/* free running: the next to produce */
	u32 tail;			/* the oldest not polled yet */
	u32 max_sge;
	unsigned int first_page;	/* of its slots in the bounce MR */
	struct xenib_kwr *wrs;		/* one per ring slot */
	struct ib_sge *sges;		/* max_sge per ring slot */
};

struct xenib_qp {
	struct ib_qp ibqp;
	u32 handle;
	struct ib_qp_cap cap;		/* what the process was told */
	enum ib_sig_type sq_sig_type;
	enum ib_qp_state state;		/* as last modified to */
	struct xenib_fe_queue sq;
	struct xenib_fe_queue rq;
	/* Kernel QPs only. */
	bool kernel;
	struct xenib_mr *bounce;
	struct xenib_kwq ksq;
	struct xenib_kwq krq;
	struct xenib_gsi *gsi;		/* QP1 only */
};

struct xenib_ah {
	struct ib_ah ibah;
	u32 handle;			/* 0: on QP1's PD, the backend has none */
	struct xenib_ah_attr wire;
};

struct xenib_mr {
	struct ib_mr ibmr;
	u32 handle;
	struct ib_umem *umem;
	unsigned int nr_pages;
	unsigned int nr_granted;
	struct page **pages;		/* each holds a reference of ours */
	grant_ref_t *refs;
};

struct xenib_mw {
	struct ib_mw ibmw;
	u32 handle;
};

static inline struct xenib_ibdev *to_xdev(struct ib_device *ibdev)
{
	return container_of(ibdev, struct xenib_ibdev, ibdev);
}

static inline struct xenib_fe *ibdev_to_fe(struct ib_device *ibdev)
{
	return to_xdev(ibdev)->fe;
}

static inline struct xenib_pd *to_xpd(struct ib_pd *ibpd)
{
	return container_of(ibpd, struct xenib_pd, ibpd);
}

static inline struct xenib_cq *to_xcq(struct ib_cq *ibcq)
{
	return container_of(ibcq, struct xenib_cq, ibcq);
}

static inline struct xenib_srq *to_xsrq(struct ib_srq *ibsrq)
{
	return container_of(ibsrq, struct xenib_srq, ibsrq);
}

static inline struct xenib_qp *to_xqp(struct ib_qp *ibqp)
{
	return container_of(ibqp, struct xenib_qp, ibqp);
}

static inline struct xenib_mr *to_xmr(struct ib_mr *ibmr)
{
	return container_of(ibmr, struct xenib_mr, ibmr);
}

static inline struct xenib_ah *to_xah(struct ib_ah *ibah)
{
	return container_of(ibah, struct xenib_ah, ibah);
}

/* verbs.c */
int xenib_fe_ib_register(struct xenib_fe *fe);
void xenib_fe_ib_unregister(struct xenib_fe *fe);
int xenib_fe_release(struct ib_device *ibdev, u16 op, u32 handle);

/* queue.c */
void xenib_fe_out_of_grants(struct xenib_fe *fe, const char *what,
			    unsigned int nr_pages);
/* Granted indirect pages listing grant references (queue.c). */
struct xenib_indirect {
	unsigned int nr;
	struct page **pages;
	grant_ref_t *refs;		/* each page's own grant reference */
};

int xenib_fe_grant_indirect_pages(struct xenib_fe *fe, const grant_ref_t *refs,
				  unsigned int nr, struct xenib_indirect *ind);
void xenib_fe_put_indirect_pages(struct xenib_indirect *ind);

/* The most pages one registration may have with this backend. */
static inline u32 xenib_fe_mr_max_pages(const struct xenib_fe *fe)
{
	return fe->mr_indirect2 ? XENIB_MR_MAX_PAGES2 : XENIB_MR_MAX_PAGES;
}

int xenib_fe_queue_alloc(struct xenib_fe *fe, struct xenib_fe_queue *q,
			 u32 *num_elem, size_t elem_size);
void xenib_fe_queue_free(struct xenib_fe_queue *q);
int xenib_fe_queue_describe(struct xenib_fe *fe, struct xenib_fe_queue *q,
			    struct xenib_queue *wire);
void xenib_fe_queue_put_indirect(struct xenib_fe_queue *q);
int xenib_fe_grant_indirect(struct xenib_fe *fe, const grant_ref_t *refs,
			    unsigned int nr, struct page **ind,
			    grant_ref_t *ind_refs, u32 *wire);
void xenib_fe_put_indirect(struct page **ind, grant_ref_t *ind_refs,
			   unsigned int max);
struct mminfo;
int xenib_fe_queue_expose(struct ib_udata *udata, struct xenib_fe_queue *q,
			  struct mminfo *mi);
int xenib_fe_mmap(struct ib_ucontext *uctx, struct vm_area_struct *vma);
void xenib_fe_mmap_free(struct rdma_user_mmap_entry *rdma);

/* cq.c */
int xenib_create_cq(struct ib_cq *ibcq, const struct ib_cq_init_attr *attr,
		    XENIB_CREATE_CQ_ARG *arg);
int xenib_destroy_cq(struct ib_cq *ibcq, struct ib_udata *udata);
int xenib_resize_cq(struct ib_cq *ibcq, int cqe, struct ib_udata *udata);

/* srq.c */
int xenib_create_srq(struct ib_srq *ibsrq, struct ib_srq_init_attr *init,
		     struct ib_udata *udata);
int xenib_modify_srq(struct ib_srq *ibsrq, struct ib_srq_attr *attr,
		     enum ib_srq_attr_mask mask, struct ib_udata *udata);
int xenib_query_srq(struct ib_srq *ibsrq, struct ib_srq_attr *attr);
int xenib_destroy_srq(struct ib_srq *ibsrq, struct ib_udata *udata);

/* qp.c */
int xenib_create_qp(struct ib_qp *ibqp, struct ib_qp_init_attr *init,
		    struct ib_udata *udata);
int xenib_modify_qp(struct ib_qp *ibqp, struct ib_qp_attr *attr,
		    int attr_mask, struct ib_udata *udata);
int xenib_query_qp(struct ib_qp *ibqp, struct ib_qp_attr *attr,
		   int attr_mask, struct ib_qp_init_attr *init);
int xenib_destroy_qp(struct ib_qp *ibqp, struct ib_udata *udata);
int xenib_attach_mcast(struct ib_qp *ibqp, union ib_gid *gid, u16 lid);
int xenib_detach_mcast(struct ib_qp *ibqp, union ib_gid *gid, u16 lid);

/* ah.c */
int xenib_ah_to_wire(const struct rdma_ah_attr *ah, struct xenib_ah_attr *w);
void xenib_ah_from_wire(struct ib_device *ibdev, const struct xenib_ah_attr *w,
			struct rdma_ah_attr *ah);
int xenib_create_ah(struct ib_ah *ibah, struct rdma_ah_init_attr *init,
		    struct ib_udata *udata);
int xenib_destroy_ah(struct ib_ah *ibah, u32 flags);

/* mr.c */
struct ib_mr *xenib_reg_user_mr(struct ib_pd *ibpd, u64 start, u64 length,
				u64 iova, int access, struct ib_udata *udata);
int xenib_dereg_mr(struct ib_mr *ibmr, struct ib_udata *udata);
int xenib_alloc_mw(struct ib_mw *ibmw, struct ib_udata *udata);
int xenib_dealloc_mw(struct ib_mw *ibmw);
struct xenib_mr *xenib_fe_kernel_mr(struct ib_pd *ibpd, unsigned int nr_pages,
				    u64 iova);
void xenib_fe_kernel_mr_free(struct xenib_mr *mr);

/* kverbs.c */
/* What pd->local_dma_lkey is: never sent, the frontend bounces it. */
#define XENIB_LOCAL_DMA_LKEY	0
int xenib_kqueue_map(struct xenib_fe_queue *q);
int xenib_kqp_init(struct xenib_qp *qp);
void xenib_kqp_free(struct xenib_qp *qp);
void xenib_kqp_reset(struct xenib_qp *qp);
int xenib_kpost_send(struct xenib_qp *qp, const struct ib_send_wr *wr,
		     const struct ib_send_wr **bad_wr);
int xenib_kpost_recv(struct xenib_qp *qp, const struct ib_recv_wr *wr,
		     const struct ib_recv_wr **bad_wr);
int xenib_kpoll_cq(struct xenib_cq *cq, int num_entries, struct ib_wc *wc);
bool xenib_kcq_empty(struct xenib_cq *cq);
void xenib_kcq_add(struct xenib_cq *cq, struct xenib_swc *swc);
void xenib_kcq_free_soft(struct xenib_cq *cq);

/* gsi.c */
struct xenib_gsi;
int xenib_gsi_create(struct xenib_qp *qp, struct ib_qp_init_attr *init);
void xenib_gsi_destroy(struct xenib_qp *qp);
int xenib_gsi_modify(struct xenib_qp *qp, struct ib_qp_attr *attr,
		     int attr_mask);
void xenib_gsi_query(struct xenib_qp *qp, struct ib_qp_attr *attr);
int xenib_gsi_post_send(struct xenib_qp *qp, const struct ib_send_wr *wr,
			const struct ib_send_wr **bad_wr);
int xenib_gsi_post_recv(struct xenib_qp *qp, const struct ib_recv_wr *wr,
			const struct ib_recv_wr **bad_wr);
void xenib_gsi_mad_event(struct xenib_fe *fe);

/* netdev.c */
struct net_device *xenib_netdev_create(struct device *parent, const u8 *mac);
void xenib_netdev_open(struct net_device *ndev);
void xenib_netdev_destroy(struct net_device *ndev);

/* sysfs.c */
extern const struct attribute_group *xenib_fe_groups[];

/* raw.c */
void xenib_fe_raw_init(void);
void xenib_fe_raw_exit(void);
void xenib_fe_raw_add(struct xenib_fe *fe);
void xenib_fe_raw_remove(struct xenib_fe *fe);

#endif /* XENIB_FRONT_COMMON_H */
