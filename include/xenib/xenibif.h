/* SPDX-License-Identifier: MIT */
/*
 * xenibif.h
 *
 * Xen paravirtual RDMA (xenib) interface: the protocol between a frontend in
 * a guest (DomU) and a backend in the domain that owns a real RDMA device.
 *
 * Copyright (c) 2026 The xenib authors
 *
 * Permission is hereby granted, free of charge, to any person obtaining a copy
 * of this software and associated documentation files (the "Software"), to
 * deal in the Software without restriction, including without limitation the
 * rights to use, copy, modify, merge, publish, distribute, sublicense, and/or
 * sell copies of the Software, and to permit persons to whom the Software is
 * furnished to do so, subject to the following conditions:
 *
 * The above copyright notice and this permission notice shall be included in
 * all copies or substantial portions of the Software.
 *
 * THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
 * IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
 * FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
 * AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
 * LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING
 * FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER
 * DEALINGS IN THE SOFTWARE.
 */

#ifndef __XEN_PUBLIC_IO_XENIBIF_H__
#define __XEN_PUBLIC_IO_XENIBIF_H__

/*
 * The includer provides uint8_t..uint64_t, int32_t, offsetof and the Xen
 * shared ring macros (xen/interface/io/ring.h in Linux, xen/io/ring.h from
 * the Xen public headers elsewhere).
 */

/*
 * Device type
 * ===========
 *
 * The xenbus device type is "xenib":
 *   frontend: /local/domain/<domid>/device/xenib/<devid>
 *   backend:  /local/domain/<backend-domid>/backend/xenib/<domid>/<devid>
 *
 * One xenib device gives the guest one RDMA port of one real RDMA device.
 *
 * Xenstore keys
 * =============
 *
 * Written by the toolstack (xenib-attach) before either end starts:
 *
 *   backend/.../frontend       frontend path
 *   backend/.../frontend-id    frontend domain id
 *   backend/.../online         "1"; "0" asks the backend to go away once the
 *                              frontend has closed (detach)
 *   backend/.../state          XenbusStateInitialising
 *   backend/.../hca            name of the real RDMA device in the backend
 *                              domain, e.g. "rxe0" or "mlx5_0"
 *   backend/.../port           port number on that device, 1-based
 *   backend/.../ip             optional: the addresses the guest may send
 *                              from, space-separated IPv4 (dotted) or IPv6
 *                              addresses, at most XENIB_MAX_ADDRS.  A guest
 *                              may use the port's link-local (default) GIDs
 *                              and the GIDs of these addresses as source
 *                              GIDs, no other (see XENIB_OP_CREATE_AH).  The
 *                              administrator adds them to the real port's
 *                              netdev in the backend domain, which creates
 *                              their GIDs in the real table.
 *
 *   device/.../backend         backend path
 *   device/.../backend-id      backend domain id
 *   device/.../state           XenbusStateInitialising
 *
 * Written by the backend (on probe, before switching to InitWait):
 *
 *   versions                   comma-separated list of protocol versions the
 *                              backend speaks, e.g. "1"
 *   max-ring-page-order        log2 of the largest control ring, in pages,
 *                              the backend maps (at most 4)
 *   feature-cm                 "1" if the backend relays connection
 *                              manager MADs for this port (XENIB_OP_SEND_MAD,
 *                              XENIB_OP_RECV_MAD); absent or "0" otherwise
 *   feature-mr-indirect2       "1" if the backend takes registrations whose
 *                              indirect pages list indirect pages
 *                              (XENIB_MR_F_INDIRECT2); absent or "0"
 *                              otherwise
 *
 * Written by the frontend (before switching to Initialised):
 *
 *   version                    the protocol version chosen from "versions"
 *   ring-page-order            log2 of the control ring size in pages,
 *                              <= max-ring-page-order
 *   ctrl-ring-ref<N>           grant reference of control ring page N, for
 *                              N in [0, 2^ring-page-order)
 *   event-ring-ref             grant reference of the single event ring page
 *   event-channel              the event channel shared by both rings
 *   data-event-channel         the event channel of the data path: the
 *                              frontend kicks the backend's engine through
 *                              it (see "Data path"); nothing is sent back
 *
 * State machine
 * =============
 *
 *  frontend                         backend
 *  Initialising                     Initialising
 *                                   probe: finds hca/port, writes versions,
 *                                   max-ring-page-order; -> InitWait
 *  sees InitWait: allocates and grants the rings, allocates the event
 *  channel, writes its keys; -> Initialised
 *                                   sees Initialised: maps the rings,
 *                                   binds the event channel; -> Connected
 *  sees Connected: -> Connected
 *
 * Teardown: either end may go to Closing.  On the other end's Closing the
 * peer stops using the rings and goes to Closed; the end that went Closing
 * then unmaps/ungrants and goes to Closed too.
 *
 * Rings are fresh only when offered in Initialised: a backend never maps
 * rings of a frontend it finds Connected, and a Connected frontend that
 * sees its backend in InitWait (a new backend instance) releases its rings
 * and offers new ones.
 *
 * Reconnection: a backend that went away (its driver unbound or module
 * removed) is seen by the frontend as Closed; the frontend releases its
 * rings and goes to Closed, and connects again when the backend is back in
 * InitWait.  A frontend that closes while the device stays online (frontend
 * driver unbound) finds the backend Closed; when the frontend is back in
 * Initialising the backend returns to InitWait.
 *
 * Detach: the toolstack writes backend "online" = "0" and backend "state" =
 * Closing, waits for backend Closed, then removes both directories.  When
 * the frontend domain disappears (xl destroy), the backend tears down and
 * removes its own directory, as no toolstack knows this device type.
 *
 * Rings
 * =====
 *
 * Control ring: 2^ring-page-order pages, a standard Xen shared ring
 * (DEFINE_RING_TYPES below).  The frontend produces requests; the backend
 * answers each with exactly one response carrying the same id, in any
 * order.  A backend copies each request out of the ring before looking at
 * it and never trusts the producer index beyond one ring's worth.
 *
 * Event ring: one page, struct xenib_event_sring.  The backend produces
 * events (completion notifications, asynchronous events) at prod, the
 * frontend consumes them at cons.  If the ring is full the backend drops the
 * event and increments "overflows"; the frontend treats a change of
 * "overflows" as a lost event (for a CQ: report to the consumer as if every
 * armed CQ fired).
 *
 * One event channel ("event-channel") serves both directions and both
 * rings; the data path has its own ("data-event-channel") so that doorbells
 * neither wait behind control requests nor count as spurious interrupts of
 * the control ring.
 *
 * Byte order and layout: the native little-endian order of x86 and Arm; all
 * fields are naturally aligned with explicit padding so 32- and 64-bit
 * guests share one layout.  GUIDs and GIDs are carried in network byte
 * order, as the RDMA wire and the verbs API use them.
 *
 * Errors: a response "status" is 0 or a negative error number from Xen's
 * public errno.h (equal to Linux's for every value used here).
 */

#define XENIB_DEVICE_TYPE		"xenib"
#define XENIB_PROTOCOL_VERSION		1
#define XENIB_MAX_RING_PAGE_ORDER	4
#define XENIB_MAX_RING_PAGES		(1U << XENIB_MAX_RING_PAGE_ORDER)

/* Size of one control-ring slot; eight fit in a page after the header. */
#define XENIB_MSG_SIZE			496
#define XENIB_MSG_HDR_SIZE		16
#define XENIB_MSG_PAYLOAD		(XENIB_MSG_SIZE - XENIB_MSG_HDR_SIZE)

#define XENIB_NAME_MAX			64

/* Grant pages are 4 KiB whatever the guest's own page size. */
#define XENIB_PAGE_SIZE			4096

/* Control operations. */
#define XENIB_OP_NOP			0 /* echo, optionally raise an event */
#define XENIB_OP_QUERY_DEVICE		1 /* device attributes */
#define XENIB_OP_QUERY_PORT		2 /* attributes of the attached port */
#define XENIB_OP_QUERY_PKEY		3 /* one P_Key table entry */
#define XENIB_OP_ALLOC_PD		4 /* new protection domain */
#define XENIB_OP_DEALLOC_PD		5 /* release a protection domain */
#define XENIB_OP_CREATE_CQ		6 /* new completion queue */
#define XENIB_OP_DESTROY_CQ		7
#define XENIB_OP_CREATE_QP		8 /* new queue pair */
#define XENIB_OP_MODIFY_QP		9 /* QP state and attributes */
#define XENIB_OP_QUERY_QP		10
#define XENIB_OP_DESTROY_QP		11
#define XENIB_OP_CREATE_SRQ		12 /* new shared receive queue */
#define XENIB_OP_MODIFY_SRQ		13
#define XENIB_OP_QUERY_SRQ		14
#define XENIB_OP_DESTROY_SRQ		15
#define XENIB_OP_CREATE_AH		16 /* new address handle */
#define XENIB_OP_DESTROY_AH		17
#define XENIB_OP_REG_MR			18 /* register guest memory */
#define XENIB_OP_DEREG_MR		19
#define XENIB_OP_RESIZE_CQ		20 /* new size, new ring */
#define XENIB_OP_SEND_MAD		21 /* a connection manager MAD out */
#define XENIB_OP_RECV_MAD		22 /* the next MAD for this guest */
#define XENIB_OP_ATTACH_MCAST		23 /* a UD QP joins a multicast GID */
#define XENIB_OP_DETACH_MCAST		24
#define XENIB_OP_ALLOC_MW		25 /* new memory window */
#define XENIB_OP_DEALLOC_MW		26
#define XENIB_OP_MAX			27

/*
 * Object handles
 * ==============
 *
 * Objects the backend creates for a frontend (PDs, CQs, QPs, SRQs, AHs and
 * MRs) are named on the wire by a handle: a small
 * positive integer, unique per frontend and object type, chosen by the
 * backend.  0 is never a valid handle.  A handle of another frontend, of
 * another object type or of an object already released is simply unknown:
 * the request fails with -ENOENT.  Each frontend has quotas per object type
 * (backend module parameters); creating beyond them fails with -ENOMEM, as
 * on a real device that ran out of resources.
 *
 * An object still used by others (a PD with objects created in it) cannot
 * be released: -EBUSY.  When the connection ends, for any reason, the
 * backend releases every object of that frontend.
 */

/*
 * XENIB_OP_NOP: the response echoes the cookie.  With XENIB_NOP_F_EVENT the
 * backend also posts a XENIB_EVT_NOP event with the cookie on the event
 * ring before it answers, so one call exercises both rings.
 */
#define XENIB_NOP_F_EVENT		(1U << 0)

struct xenib_nop_req {
	uint64_t cookie;
	uint32_t flags;
	uint32_t rsvd;
};

struct xenib_nop_resp {
	uint64_t cookie;
};

/*
 * XENIB_OP_QUERY_DEVICE: the attributes of the real device as the guest may
 * use them.  Field meanings are those of struct ib_device_attr / ibv_device
 * _attr; name is the real device's name in the backend domain
 * (informational, NUL-terminated).
 */
struct xenib_device_attr {
	uint64_t fw_ver;
	uint64_t node_guid;		/* network byte order */
	uint64_t sys_image_guid;	/* network byte order */
	uint64_t max_mr_size;
	uint64_t page_size_cap;
	uint64_t device_cap_flags;
	uint64_t timestamp_mask;
	uint64_t hca_core_clock;
	uint64_t max_dm_size;
	uint32_t vendor_id;
	uint32_t vendor_part_id;
	uint32_t hw_ver;
	uint32_t max_qp;
	uint32_t max_qp_wr;
	uint32_t max_send_sge;
	uint32_t max_recv_sge;
	uint32_t max_sge_rd;
	uint32_t max_cq;
	uint32_t max_cqe;
	uint32_t max_mr;
	uint32_t max_pd;
	uint32_t max_qp_rd_atom;
	uint32_t max_ee_rd_atom;
	uint32_t max_res_rd_atom;
	uint32_t max_qp_init_rd_atom;
	uint32_t max_ee_init_rd_atom;
	uint32_t atomic_cap;
	uint32_t masked_atomic_cap;
	uint32_t max_ee;
	uint32_t max_rdd;
	uint32_t max_mw;
	uint32_t max_raw_ipv6_qp;
	uint32_t max_raw_ethy_qp;
	uint32_t max_mcast_grp;
	uint32_t max_mcast_qp_attach;
	uint32_t max_total_mcast_qp_attach;
	uint32_t max_ah;
	uint32_t max_srq;
	uint32_t max_srq_wr;
	uint32_t max_srq_sge;
	uint32_t max_fast_reg_page_list_len;
	uint32_t max_pi_fast_reg_page_list_len;
	uint32_t max_wq_type_rq;
	uint32_t raw_packet_caps;
	uint32_t max_sgl_rd;
	uint16_t max_pkeys;
	uint16_t max_cq_moderation_count;
	uint16_t max_cq_moderation_period;
	uint8_t local_ca_ack_delay;
	uint8_t phys_port_cnt;
	char name[XENIB_NAME_MAX];
};

/* The guest's device has one port, the attached one, numbered so. */
#define XENIB_GUEST_PORT		1

/* A GID: 128 bits, an IPv6 address in RoCE (IPv4 ones mapped). */
#define XENIB_GID_SIZE			16

/*
 * XENIB_OP_QUERY_PORT: the attached port ("port" in the backend's xenstore
 * directory); the guest sees it as its port XENIB_GUEST_PORT.  Meanings as
 * struct ib_port_attr; link_layer is IB_LINK_LAYER_* and core_cap_flags
 * RDMA_CORE_CAP_* / RDMA_CORE_PORT_* of the real port.
 */
struct xenib_port_attr {
	uint64_t subnet_prefix;		/* network byte order */
	uint32_t state;
	uint32_t max_mtu;
	uint32_t active_mtu;
	uint32_t phys_mtu;
	uint32_t gid_tbl_len;
	uint32_t port_cap_flags;
	uint32_t max_msg_sz;
	uint32_t bad_pkey_cntr;
	uint32_t qkey_viol_cntr;
	uint32_t sm_lid;
	uint32_t lid;
	uint32_t core_cap_flags;
	uint16_t pkey_tbl_len;
	uint16_t port_cap_flags2;
	uint16_t active_speed;
	uint8_t lmc;
	uint8_t max_vl_num;
	uint8_t sm_sl;
	uint8_t subnet_timeout;
	uint8_t init_type_reply;
	uint8_t active_width;
	uint8_t phys_state;
	uint8_t link_layer;
	uint8_t ip_gids;
	/*
	 * Hardware address of the network device under an Ethernet (RoCE)
	 * port; zero for other link layers.  The frontend gives its own
	 * network device this address, so that the guest's RoCE GIDs, which
	 * the guest kernel derives from it, are those of the real port.
	 */
	uint8_t mac[6];
	uint8_t rsvd[3];	/* same size for 32- and 64-bit guests */
};

/* XENIB_OP_QUERY_PKEY: entry "index" of the attached port's P_Key table. */
struct xenib_query_pkey_req {
	uint16_t index;
	uint16_t rsvd0;
	uint32_t rsvd1;
};

struct xenib_query_pkey_resp {
	uint16_t pkey;
};

/*
 * XENIB_OP_ALLOC_PD: no arguments; answers the new PD's handle.
 * XENIB_OP_DEALLOC_PD: releases the PD "handle"; -EBUSY while objects
 * created in it still exist.
 */
struct xenib_handle_req {
	uint32_t handle;
	uint32_t rsvd;
};

struct xenib_handle_resp {
	uint32_t handle;
};

/*
 * Queues
 * ======
 *
 * Every work queue (send queue, receive queue, shared receive queue) and
 * completion queue lives in frontend memory, in the layout of Linux's rxe
 * driver (struct rxe_queue_buf, rdma/rdma_user_rxe.h), so that the guest
 * process that maps it can post and poll without the backend:
 *
 *   byte   0  log2 of the element size      (informational for the guest)
 *   byte   4  index mask = slots - 1         (informational for the guest)
 *   byte 128  producer index
 *   byte 256  consumer index
 *   byte 384  slot 0; slot i at 384 + (i << log2 element size)
 *
 * Indices are kept masked, in [0, slots), as rxe keeps them.  The frontend grants every page
 * of the buffer to the backend and lists the grant references in "indirect"
 * pages: each indirect page holds up to XENIB_REFS_PER_INDIRECT references,
 * in order, and is granted read-only.  The backend maps the indirect pages,
 * copies the references out, unmaps them and maps the buffer; the frontend
 * ends its grants of the indirect pages once it has the response.
 *
 * The backend never takes geometry from the shared header: it uses
 * log2_elem_size and log2_slots from the request, checks that the buffer is
 * exactly large enough for them, and masks every index it reads.
 *
 * Data path
 * =========
 *
 * The guest produces work requests into the send queue (struct
 * rxe_send_wqe elements), receive queue and shared receive queue (struct
 * rxe_recv_wqe); the backend consumes them, checks them (opcode for the QP
 * type, SGE count, every local key one of this frontend's MRs, inline length)
 * and posts them to the real QP or SRQ.  The backend advances a send or
 * receive queue's consumer index only when the real device has retired the
 * work request, so a full guest queue means a full real one, as on
 * hardware.  An SRQ's consumer index advances when the backend has posted
 * the element to the real SRQ (its completions come out of order; rxe
 * likewise frees an SRQ element when a message takes it).
 * Completions are written by the backend into the CQ rings as struct
 * ib_uverbs_wc, with the guest's wr_id; the guest owns the CQ consumer
 * index.  A work request that fails the checks completes with an error
 * (IB_WC_LOC_QP_OP_ERR, IB_WC_LOC_LEN_ERR or IB_WC_LOC_PROT_ERR) after
 * the work requests before it, and the QP goes to the error state, as a
 * real device does with a malformed work request.
 *
 * Doorbells: the backend's engine polls the rings while there is work and
 * for a short time after; while it does, the event ring's
 * "backend_polling" is nonzero.  After producing send work requests the
 * frontend makes its stores visible (full barrier) and, only if
 * backend_polling is zero, notifies "data-event-channel".  An engine that
 * goes idle clears backend_polling, issues a full barrier and looks at
 * every ring once more before it waits, so no doorbell is lost.  Receive
 * queues are polled: an idle engine also looks at them periodically.
 *
 * Completion notification: a CQ ring's header holds an arm word at
 * XENIB_QUEUE_CQ_ARM_OFFSET, set by the frontend (XENIB_CQ_ARM_*; never
 * lowered from NEXT to SOLICITED) and cleared by the backend with an atomic
 * exchange when it posts XENIB_EVT_CQ for that CQ.  An event is posted
 * after the completion that caused it is in the ring.
 */
/* At most this many addresses in backend/.../ip. */
#define XENIB_MAX_ADDRS			8

#define XENIB_QUEUE_HDR_SIZE		384
#define XENIB_QUEUE_CQ_ARM_OFFSET	64
#define XENIB_QUEUE_PROD_OFFSET		128
#define XENIB_QUEUE_CONS_OFFSET		256

#define XENIB_CQ_ARM_NONE		0
#define XENIB_CQ_ARM_SOLICITED		1 /* next solicited or error completion */
#define XENIB_CQ_ARM_NEXT		2 /* next completion */
#define XENIB_QUEUE_MAX_INDIRECT	8
#define XENIB_REFS_PER_INDIRECT		(XENIB_PAGE_SIZE / 4)
#define XENIB_QUEUE_MAX_PAGES \
	(XENIB_QUEUE_MAX_INDIRECT * XENIB_REFS_PER_INDIRECT)
#define XENIB_QUEUE_MIN_ELEM_LOG2	6	/* 64-byte elements at least */
#define XENIB_QUEUE_MAX_ELEM_LOG2	12
#define XENIB_QUEUE_MAX_LOG2_SLOTS	24

struct xenib_queue {
	uint32_t nr_pages;		/* pages in the buffer */
	uint8_t log2_elem_size;
	uint8_t log2_slots;
	uint16_t nr_indirect;		/* indirect pages used */
	uint32_t indirect[XENIB_QUEUE_MAX_INDIRECT];	/* grant refs */
};

/*
 * XENIB_OP_CREATE_CQ: a CQ of at least "cqe" entries on the real device,
 * whose completions the backend writes into the queue as struct
 * ib_uverbs_wc elements.  Answers the handle.
 * XENIB_OP_DESTROY_CQ (struct xenib_handle_req): -EBUSY while a QP uses it.
 *
 * XENIB_OP_RESIZE_CQ (struct xenib_resize_cq_req): the CQ gets at least
 * "cqe" entries and the new ring "queue".  The backend copies the
 * completions the guest has not consumed to the start of the new ring
 * (producer = their count, consumer = 0), as rxe does, and stops using the
 * old ring before it answers; -EINVAL if they do not fit.  The guest must
 * not poll the CQ meanwhile (the rxe provider holds the CQ's lock).
 */
struct xenib_create_cq_req {
	uint32_t cqe;
	uint32_t rsvd;
	struct xenib_queue queue;
};

struct xenib_resize_cq_req {
	uint32_t handle;
	uint32_t cqe;
	struct xenib_queue queue;
};

/*
 * Address vectors.  GID indices are not shared between the ends (the guest
 * has a GID table of its own), so a source GID travels by value and type
 * and the backend looks it up in the real port's table; a GID the real
 * port does not have fails with -EINVAL, one the guest may not send from
 * (neither link-local nor of an address in backend/.../ip) with -EACCES.
 * dmac (RoCE) is ignored in requests: the backend resolves the destination
 * GID's Ethernet address itself, in its own neighbour table for the real
 * port (the guest's has no view of the real network), and fails the
 * request with that resolution's error (-ENODATA, -ETIMEDOUT, -ENETUNREACH,
 * ...), as ib_core fails a native QP's; the hop limit becomes the route's.
 * Replies carry the resolved dmac.  port 1 in the guest is the attached
 * port.
 */
#define XENIB_AH_F_GRH			(1U << 0)

struct xenib_ah_attr {
	uint8_t dgid[XENIB_GID_SIZE];
	uint8_t sgid[XENIB_GID_SIZE];
	uint32_t flow_label;
	uint8_t hop_limit;
	uint8_t traffic_class;
	uint8_t sl;
	uint8_t static_rate;
	uint8_t gid_type;		/* IB_GID_TYPE_* of the source GID */
	uint8_t flags;			/* XENIB_AH_F_* */
	uint8_t dmac[6];
};

/* QP types, as the verbs ABI numbers them. */
#define XENIB_QPT_RC			2
#define XENIB_QPT_UC			3
#define XENIB_QPT_UD			4

/*
 * XENIB_OP_CREATE_QP: a QP in PD "pd" with the CQs and, if "srq" is not 0,
 * the SRQ named.  The capacities are the guest's request; the real QP gets
 * them and the response says what it got.  The send queue's elements are
 * struct rxe_send_wqe, the receive queue's struct rxe_recv_wqe; with an SRQ
 * there is no receive queue (rq.nr_pages 0).
 */
#define XENIB_QP_F_SIG_ALL		(1U << 0)

struct xenib_qp_cap {
	uint32_t max_send_wr;
	uint32_t max_recv_wr;
	uint32_t max_send_sge;
	uint32_t max_recv_sge;
	uint32_t max_inline_data;
	uint32_t rsvd;
};

struct xenib_create_qp_req {
	uint32_t pd;
	uint32_t send_cq;
	uint32_t recv_cq;
	uint32_t srq;
	uint8_t qp_type;		/* XENIB_QPT_* */
	uint8_t flags;			/* XENIB_QP_F_* */
	uint16_t rsvd0;
	uint32_t rsvd1;
	struct xenib_qp_cap cap;
	struct xenib_queue sq;
	struct xenib_queue rq;
};

struct xenib_create_qp_resp {
	uint32_t handle;
	uint32_t qp_num;		/* the real QP number: peers use it */
	struct xenib_qp_cap cap;
};

/*
 * QP attributes as struct ib_qp_attr; attr_mask bits are IB_QP_* (the
 * verbs ABI's IBV_QP_*).  Only XENIB_QP_ATTR_MASK may be set.
 */
#define XENIB_QP_ATTR_MASK		((1U << 21) - 1)

struct xenib_qp_attr {
	uint32_t qp_state;
	uint32_t cur_qp_state;
	uint32_t path_mtu;
	uint32_t path_mig_state;
	uint32_t qkey;
	uint32_t rq_psn;
	uint32_t sq_psn;
	uint32_t dest_qp_num;
	uint32_t qp_access_flags;
	uint16_t pkey_index;
	uint16_t alt_pkey_index;
	uint8_t en_sqd_async_notify;
	uint8_t sq_draining;
	uint8_t max_rd_atomic;
	uint8_t max_dest_rd_atomic;
	uint8_t min_rnr_timer;
	uint8_t timeout;
	uint8_t retry_cnt;
	uint8_t rnr_retry;
	uint8_t alt_timeout;
	uint8_t rsvd[3];
	struct xenib_qp_cap cap;
	struct xenib_ah_attr ah_attr;
	struct xenib_ah_attr alt_ah_attr;
};

/* XENIB_OP_MODIFY_QP; XENIB_OP_QUERY_QP answers struct xenib_qp_attr. */
struct xenib_modify_qp_req {
	uint32_t handle;
	uint32_t attr_mask;
	struct xenib_qp_attr attr;
};

struct xenib_query_qp_req {
	uint32_t handle;
	uint32_t attr_mask;
};

/*
 * XENIB_OP_CREATE_SRQ: elements struct rxe_recv_wqe.  MODIFY_SRQ may only
 * set the limit (IB_SRQ_LIMIT); resizing is not supported.
 */
struct xenib_srq_attr {
	uint32_t max_wr;
	uint32_t max_sge;
	uint32_t srq_limit;
	uint32_t rsvd;
};

struct xenib_create_srq_req {
	uint32_t pd;
	uint32_t rsvd;
	struct xenib_srq_attr attr;
	struct xenib_queue queue;
};

struct xenib_create_srq_resp {
	uint32_t handle;
	uint32_t rsvd;
	struct xenib_srq_attr attr;
};

struct xenib_modify_srq_req {
	uint32_t handle;
	uint32_t attr_mask;		/* IB_SRQ_* */
	struct xenib_srq_attr attr;
};

/* XENIB_OP_CREATE_AH: answers the handle, which UD WQEs carry as ah_num. */
struct xenib_create_ah_req {
	uint32_t pd;
	uint32_t rsvd;
	struct xenib_ah_attr attr;
};

/*
 * XENIB_OP_REG_MR: register "length" bytes of guest memory for the access
 * rights "access" (IB_ACCESS_LOCAL_WRITE, _REMOTE_WRITE, _REMOTE_READ,
 * _REMOTE_ATOMIC; remote write and atomic need local write).  The memory
 * is "nr_pages" guest pages, granted (read-only when "access" allows no
 * writes) and listed in indirect pages exactly as a queue's are; the data
 * starts "offset" bytes into the first page.  "iova" is the address the
 * guest and its peers use for the first byte: the backend registers the
 * pages under that address, so nothing is ever translated.  The response
 * carries the handle and the real lkey and rkey.
 *
 * The backend maps the pages and registers them on the real device with
 * a fast-registration work request, so the device reads and writes guest
 * memory directly (zero copy).  One request can describe at most
 * XENIB_MR_MAX_PAGES pages (384 MiB).  With XENIB_MR_F_INDIRECT2 in
 * "flags", which a frontend may set only when the backend writes
 * feature-mr-indirect2, each of the "nr_indirect" pages lists the grant
 * references of indirect pages instead, which list the data pages: up to
 * XENIB_MR_MAX_PAGES2 pages (384 GiB).  Registrations of HPC sizes take
 * that form; the guest's grant table (max_grant_frames, bounded by Xen's
 * gnttab_max_frames) must hold every page, and the backend domain's map
 * track table (Xen's gnttab_max_maptrack_frames) every mapping.
 *
 * XENIB_OP_DEREG_MR (struct xenib_handle_req): the backend unmaps the
 * pages before it answers; the frontend may then end its grants.
 */
#define XENIB_MR_MAX_INDIRECT		96
#define XENIB_MR_MAX_PAGES		(XENIB_MR_MAX_INDIRECT * XENIB_REFS_PER_INDIRECT)
#define XENIB_MR_MAX_PAGES2		(XENIB_MR_MAX_PAGES * XENIB_REFS_PER_INDIRECT)
#define XENIB_MR_F_INDIRECT2		1

struct xenib_reg_mr_req {
	uint32_t pd;
	uint32_t access;
	uint64_t iova;
	uint64_t length;
	uint32_t offset;
	uint32_t nr_pages;
	uint16_t nr_indirect;
	uint16_t flags;					/* XENIB_MR_F_* */
	uint32_t rsvd1;
	uint32_t indirect[XENIB_MR_MAX_INDIRECT];	/* grant refs */
};

/*
 * XENIB_OP_ATTACH_MCAST: UD QP "qp" also receives what is sent to the
 * multicast GID "gid" (with "lid", 0 on RoCE); attaching it again changes
 * nothing.  XENIB_OP_DETACH_MCAST undoes it.  -EINVAL for a QP that is not
 * UD or a GID that is not multicast (ff00::/8 or IPv4-mapped 224.0.0.0/4);
 * otherwise the real device's answer.  Groups are shared, as on a network
 * any host may join one; a QP's memberships end with it.
 */
struct xenib_mcast_req {
	uint32_t qp;
	uint16_t lid;
	uint16_t rsvd;
	uint8_t gid[XENIB_GID_SIZE];
};

/*
 * XENIB_OP_ALLOC_MW: a memory window of "type" (IB_MW_TYPE_1 or
 * IB_MW_TYPE_2) in PD "pd"; the response carries its handle and rkey.  A
 * frontend may ask only when QUERY_DEVICE says max_mw is not 0.  Windows
 * are bound, and type 2 windows invalidated, by work requests on the send
 * queue of an RC QP, in rxe's format and with rxe's rules: IB_WR_BIND_MW
 * names the window by its current rkey and the MR (with
 * IB_ACCESS_MW_BIND) by its lkey and gives the next rkey, which differs
 * in its low 8 bits only; IB_WR_LOCAL_INV names a type 2 window's rkey;
 * IB_WR_SEND_WITH_INV (RC, UC) asks the peer to invalidate one of its own.
 * A bound window keeps its MR registered: DEREG_MR answers -EBUSY until
 * the window is unbound, invalidated or deallocated.
 *
 * The backend carries windows out with fast registrations of the MR's
 * pages, so on the real device a window is an MR of its own whose key
 * never changes but in the low 8 bits.  The backend executes a bind or
 * local invalidation when its engine takes the work request, and the
 * completion comes in order with the QP's others.  A window spans at most
 * as many pages as the backend allows (its mw_max_pages parameter); a
 * bind of more completes with IB_WC_MW_BIND_ERR.
 *
 * XENIB_OP_DEALLOC_MW (struct xenib_handle_req) ends the window, bound
 * or not.
 */
struct xenib_alloc_mw_req {
	uint32_t pd;
	uint32_t type;			/* IB_MW_TYPE_1 or IB_MW_TYPE_2 */
};

struct xenib_alloc_mw_resp {
	uint32_t handle;
	uint32_t rkey;
};

struct xenib_reg_mr_resp {
	uint32_t handle;
	uint32_t lkey;
	uint32_t rkey;
	uint32_t rsvd;
};

/*
 * Connection manager MADs
 * =======================
 *
 * A guest's QP1 is not a QP on the real device: the backend's domain owns
 * the real port's QP1.  Where the backend relays the connection manager
 * (feature-cm), it holds the CM management class of the real port and
 * passes CM MADs between the port and the guests; the guest's own CM runs
 * the protocol end to end.
 *
 * XENIB_OP_SEND_MAD sends one MAD from the guest's QP1 to QP1 of "ah"'s
 * destination.  The MAD must be a CM MAD (base version 1, class
 * IB_MGMT_CLASS_CM, class version 2, method Send) of exactly
 * XENIB_MAD_SIZE bytes, else -EINVAL; the source GID must be one of the
 * guest's addresses (backend/.../ip; not a link-local GID, which every
 * guest on the port shares), else -EACCES.  The status says only whether
 * the MAD was handed to the real port, as a UD send completes.
 *
 * A MAD arriving on the real port goes to the guest that owns its
 * destination GID (one of its addresses); MADs for no guest are dropped.
 * The backend queues at most XENIB_MAD_QUEUE MADs per guest, dropping
 * newer ones beyond that, and posts XENIB_EVT_MAD when the queue turns
 * non-empty.  XENIB_OP_RECV_MAD takes the oldest queued MAD, or answers
 * -ENOENT when there is none; "pending" says how many remain, so a
 * frontend fetches until it reads 0 and waits for the next event then.
 * The addresses travel as GIDs; "network_type" is the RDMA_NETWORK_* of
 * the packet's network header (RDMA_NETWORK_IPV4 for RoCE v2 over IPv4),
 * from which the guest rebuilds the header its CM expects in front of the
 * MAD.
 */
#define XENIB_MAD_SIZE			256
#define XENIB_MAD_QUEUE			64

struct xenib_send_mad_req {
	struct xenib_ah_attr ah;
	uint32_t remote_qpn;		/* 1 */
	uint32_t remote_qkey;		/* IB_QP1_QKEY */
	uint16_t pkey_index;
	uint16_t rsvd0;
	uint32_t rsvd1;
	uint8_t mad[XENIB_MAD_SIZE];
};

struct xenib_recv_mad_resp {
	uint8_t sgid[XENIB_GID_SIZE];	/* the sender's */
	uint8_t dgid[XENIB_GID_SIZE];	/* the guest's address it was sent to */
	uint32_t src_qp;
	uint32_t flow_label;
	uint16_t pkey_index;
	uint8_t hop_limit;
	uint8_t traffic_class;
	uint8_t network_type;		/* RDMA_NETWORK_* */
	uint8_t sl;
	uint16_t pending;		/* MADs still queued after this one */
	uint8_t mad[XENIB_MAD_SIZE];
};

struct xenib_ctrl_request {
	uint64_t id;		/* echoed in the response */
	uint16_t op;		/* XENIB_OP_* */
	uint16_t rsvd0;
	uint32_t rsvd1;
	union {
		struct xenib_nop_req nop;
		struct xenib_query_pkey_req query_pkey;
		struct xenib_handle_req handle;
		struct xenib_create_cq_req create_cq;
		struct xenib_resize_cq_req resize_cq;
		struct xenib_create_qp_req create_qp;
		struct xenib_modify_qp_req modify_qp;
		struct xenib_query_qp_req query_qp;
		struct xenib_create_srq_req create_srq;
		struct xenib_modify_srq_req modify_srq;
		struct xenib_create_ah_req create_ah;
		struct xenib_reg_mr_req reg_mr;
		struct xenib_send_mad_req send_mad;
		struct xenib_mcast_req mcast;
		struct xenib_alloc_mw_req alloc_mw;
		uint8_t pad[XENIB_MSG_PAYLOAD];
	} u;
};

struct xenib_ctrl_response {
	uint64_t id;		/* id of the request answered */
	uint16_t op;		/* op of the request answered */
	uint16_t rsvd0;
	int32_t status;		/* 0 or -errno */
	union {
		struct xenib_nop_resp nop;
		struct xenib_device_attr device;
		struct xenib_port_attr port;
		struct xenib_query_pkey_resp query_pkey;
		struct xenib_handle_resp handle;
		struct xenib_create_qp_resp create_qp;
		struct xenib_qp_attr query_qp;
		struct xenib_create_srq_resp create_srq;
		struct xenib_srq_attr query_srq;
		struct xenib_reg_mr_resp reg_mr;
		struct xenib_alloc_mw_resp alloc_mw;
		struct xenib_recv_mad_resp recv_mad;
		uint8_t pad[XENIB_MSG_PAYLOAD];
	} u;
};

DEFINE_RING_TYPES(xenib_ctrl, struct xenib_ctrl_request,
		  struct xenib_ctrl_response);

#define XENIB_CTRL_RING_SIZE(pages) \
	__CONST_RING_SIZE(xenib_ctrl, (pages) * XENIB_PAGE_SIZE)

/* Events, backend to frontend. */
#define XENIB_EVT_NOP			0 /* answer to XENIB_NOP_F_EVENT */
#define XENIB_EVT_CQ			1 /* completion on armed CQ "handle" */
/*
 * Asynchronous events: "data" is the enum ib_event_type of Linux (the
 * numbering of the verbs API, IBV_EVENT_* in libibverbs).
 */
#define XENIB_EVT_CQ_ASYNC		2 /* about CQ "handle" */
#define XENIB_EVT_QP_ASYNC		3 /* about QP "handle" */
#define XENIB_EVT_SRQ_ASYNC		4 /* about SRQ "handle" */
#define XENIB_EVT_PORT_ASYNC		5 /* about the port; handle 0 */
#define XENIB_EVT_MAD			6 /* MADs queued: XENIB_OP_RECV_MAD */
#define XENIB_EVT_MAX			7

struct xenib_event {
	uint16_t type;		/* XENIB_EVT_* */
	uint16_t rsvd;
	uint32_t handle;	/* object the event is about, if any */
	uint64_t data;		/* type-specific */
};

#define XENIB_EVENT_RING_SIZE		128

struct xenib_event_sring {
	uint32_t prod;		/* written by the backend only */
	uint32_t cons;		/* written by the frontend only */
	uint32_t overflows;	/* written by the backend only */
	uint32_t backend_polling; /* written by the backend; see "Data path" */
	uint8_t pad[48];
	struct xenib_event ring[XENIB_EVENT_RING_SIZE];
};

#define XENIB_EVENT_RING_IDX(idx)	((idx) & (XENIB_EVENT_RING_SIZE - 1))

#endif /* __XEN_PUBLIC_IO_XENIBIF_H__ */
