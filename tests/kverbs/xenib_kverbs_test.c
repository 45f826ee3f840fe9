// SPDX-License-Identifier: GPL-2.0
/*
 * xenib_kverbs_test: kernel verbs on one RDMA device, checked.
 *
 *   insmod xenib_kverbs_test.ko ibdev=xenib0 [page_limit=1]
 *
 * Loading runs the checks on port 1 of @ibdev: two QPs of the same device
 * connected to each other over the port's GID 0, driven by the verbs a
 * kernel ULP uses (ib_alloc_pd, ib_create_cq, ib_create_qp, ib_post_*,
 * ib_poll_cq, ib_req_notify_cq, rdma_create_ah) with its buffers mapped
 * through ib_dma_map_single() and pd->local_dma_lkey.  Every check is
 * printed; loading fails with EIO if one failed, so insmod's status is the
 * test's.  The module does nothing once loaded: remove it again.
 *
 * The same checks run on rxe in Dom0 (the reference) and on xenib in a
 * guest.  page_limit=1 adds xenib's documented limit: one page per work
 * request through local_dma_lkey.
 *
 * bench=N adds a benchmark after the checks (no check of its own): N RC
 * round trips of 64 B .. a page between the two QPs, then N sends of each
 * size in batches of 8, polling without sleeping; it prints the mean round
 * trip and the bandwidth.
 *
 * hold=1 then keeps a PD, a CQ and a connected RC pair with work posted
 * until the module is removed or the device goes away (ib_core then has
 * the client release them): what a kernel ULP holds when its guest dies
 * or its device is detached.
 *
 * ud_peer=N runs, instead of the checks, the server side of
 * "xenib-conform ud-peer N" (tests/verbs) on a kernel UD QP: N times, a
 * receive posted, then the client told over TCP (port peer_port), which
 * sends a datagram to it.  It prints how many datagrams found no receive
 * and fails if more than max_lost did: a receive posted across domains,
 * on a kernel QP.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/sock.h>
#include <rdma/ib_cache.h>
#include <rdma/ib_verbs.h>

static char *ibdev = "xenib0";
module_param(ibdev, charp, 0444);
MODULE_PARM_DESC(ibdev, "RDMA device to check");

static bool hold;
module_param(hold, bool, 0444);
MODULE_PARM_DESC(hold, "After the checks, keep objects with work posted");

static unsigned int bench;
module_param(bench, uint, 0444);
MODULE_PARM_DESC(bench, "Round trips and sends per size of the benchmark (0: none)");

static bool page_limit;
module_param(page_limit, bool, 0444);
MODULE_PARM_DESC(page_limit,
		 "Expect work requests over one page through local_dma_lkey to be refused (xenib)");

static unsigned int ud_peer;
module_param(ud_peer, uint, 0444);
MODULE_PARM_DESC(ud_peer, "Rounds of xenib-conform's ud-peer to serve instead of the checks (0: none)");

static ushort peer_port = 18600;
module_param(peer_port, ushort, 0444);
MODULE_PARM_DESC(peer_port, "TCP port ud_peer listens on");

static uint max_lost;
module_param(max_lost, uint, 0444);
MODULE_PARM_DESC(max_lost, "Datagrams of ud_peer that may find no receive");

#define KT_BUF_SIZE	(2 * PAGE_SIZE)
#define KT_QKEY		0x11111111
#define KT_UD_GRH	40
#define KT_UD_ROUNDS	200
#define KT_TIMEOUT	(5 * HZ)

struct kt {
	struct ib_device *dev;
	struct ib_pd *pd;
	struct ib_cq *cq;
	struct ib_qp *a, *b;
	u8 *sbuf, *rbuf;
	u64 sdma, rdma;
	union ib_gid gid;
	u8 mac[ETH_ALEN];
	u32 max_send_sge;
	struct completion event;
	unsigned int checks, failures;
};

#define KT_CHECK(t, cond, fmt, ...)					\
({									\
	bool __ok = (cond);						\
									\
	(t)->checks++;							\
	if (!__ok) {							\
		(t)->failures++;					\
		pr_err("%s: FAIL %s:%d: " fmt "\n", KBUILD_MODNAME,	\
		       __func__, __LINE__, ##__VA_ARGS__);		\
	}								\
	__ok;								\
})

static void kt_comp(struct ib_cq *cq, void *context)
{
	struct kt *t = context;

	complete(&t->event);
}

/* Poll until @n completions or the timeout; returns how many came. */
static int kt_poll(struct kt *t, struct ib_wc *wc, int n)
{
	unsigned long end = jiffies + KT_TIMEOUT;
	int got = 0, r;

	while (got < n && time_before(jiffies, end)) {
		r = ib_poll_cq(t->cq, n - got, wc + got);
		if (r < 0)
			return r;
		got += r;
		if (got < n)
			usleep_range(200, 400);
	}
	return got;
}

/* No completion beyond what was expected shows up. */
static void kt_poll_none(struct kt *t)
{
	struct ib_wc wc;
	int r;

	msleep(50);
	r = ib_poll_cq(t->cq, 1, &wc);
	KT_CHECK(t, r == 0, "unexpected completion: %d (wr_id %llu status %d)",
		 r, r > 0 ? wc.wr_id : 0, r > 0 ? wc.status : 0);
}

static struct ib_wc *kt_find(struct ib_wc *wc, int n, u64 wr_id)
{
	int i;

	for (i = 0; i < n; i++)
		if (wc[i].wr_id == wr_id)
			return &wc[i];
	return NULL;
}

static struct ib_qp *kt_create_qp(struct kt *t, struct ib_cq *cq,
				  enum ib_qp_type type, enum ib_sig_type sig)
{
	struct ib_qp_init_attr init = {
		.send_cq = cq,
		.recv_cq = cq,
		.qp_type = type,
		.sq_sig_type = sig,
		.cap = {
			.max_send_wr = 16,
			.max_recv_wr = 16,
			.max_send_sge = 3,
			.max_recv_sge = 3,
			.max_inline_data = 64,
		},
	};

	struct ib_qp *qp;

	qp = ib_create_qp(t->pd, &init);
	/* What the device made of the 3 asked for (rxe may give more). */
	if (!IS_ERR(qp))
		t->max_send_sge = init.cap.max_send_sge;
	return qp;
}

static int kt_to_init(struct ib_qp *qp, bool ud)
{
	struct ib_qp_attr attr = {
		.qp_state = IB_QPS_INIT,
		.port_num = 1,
		.qkey = KT_QKEY,
		.qp_access_flags = IB_ACCESS_REMOTE_WRITE |
				   IB_ACCESS_REMOTE_READ,
	};

	return ib_modify_qp(qp, &attr, IB_QP_STATE | IB_QP_PKEY_INDEX |
			    IB_QP_PORT | (ud ? IB_QP_QKEY :
					  IB_QP_ACCESS_FLAGS));
}

/* To this port's GID 0: ib_core leaves kernel users to resolve the MAC. */
static void kt_av(struct kt *t, struct rdma_ah_attr *ah)
{
	memset(ah, 0, sizeof(*ah));
	ah->type = rdma_ah_find_type(t->dev, 1);
	rdma_ah_set_port_num(ah, 1);
	rdma_ah_set_grh(ah, &t->gid, 0, 0, 64, 0);
	memcpy(ah->roce.dmac, t->mac, ETH_ALEN);
}

static int kt_connect_rc(struct kt *t, struct ib_qp *qp, u32 remote_qpn)
{
	struct ib_qp_attr attr = {};
	int err;

	err = kt_to_init(qp, false);
	if (err)
		return err;
	attr.qp_state = IB_QPS_RTR;
	attr.path_mtu = IB_MTU_1024;
	attr.dest_qp_num = remote_qpn;
	attr.max_dest_rd_atomic = 1;
	attr.min_rnr_timer = 12;
	kt_av(t, &attr.ah_attr);
	err = ib_modify_qp(qp, &attr, IB_QP_STATE | IB_QP_AV |
			   IB_QP_PATH_MTU | IB_QP_DEST_QPN | IB_QP_RQ_PSN |
			   IB_QP_MAX_DEST_RD_ATOMIC | IB_QP_MIN_RNR_TIMER);
	if (err)
		return err;
	memset(&attr, 0, sizeof(attr));
	attr.qp_state = IB_QPS_RTS;
	attr.timeout = 14;
	attr.retry_cnt = 7;
	attr.rnr_retry = 7;
	attr.max_rd_atomic = 1;
	return ib_modify_qp(qp, &attr, IB_QP_STATE | IB_QP_TIMEOUT |
			    IB_QP_RETRY_CNT | IB_QP_RNR_RETRY | IB_QP_SQ_PSN |
			    IB_QP_MAX_QP_RD_ATOMIC);
}

static int kt_ready_ud(struct ib_qp *qp)
{
	struct ib_qp_attr attr = { .qp_state = IB_QPS_RTR };
	int err;

	err = kt_to_init(qp, true);
	if (!err)
		err = ib_modify_qp(qp, &attr, IB_QP_STATE);
	attr.qp_state = IB_QPS_RTS;
	if (!err)
		err = ib_modify_qp(qp, &attr, IB_QP_STATE | IB_QP_SQ_PSN);
	return err;
}

/* Two RC QPs connected to each other; false (and a failed check) if not. */
static bool kt_rc_pair(struct kt *t, struct ib_cq *cq)
{
	t->a = kt_create_qp(t, cq, IB_QPT_RC, IB_SIGNAL_REQ_WR);
	if (!KT_CHECK(t, !IS_ERR(t->a), "create RC QP: %ld", PTR_ERR(t->a))) {
		t->a = NULL;
		return false;
	}
	t->b = kt_create_qp(t, cq, IB_QPT_RC, IB_SIGNAL_REQ_WR);
	if (!KT_CHECK(t, !IS_ERR(t->b), "create RC QP: %ld", PTR_ERR(t->b))) {
		t->b = NULL;
		return false;
	}
	return KT_CHECK(t, !kt_connect_rc(t, t->a, t->b->qp_num) &&
			!kt_connect_rc(t, t->b, t->a->qp_num),
			"connect the RC QPs");
}

static void kt_destroy_qps(struct kt *t)
{
	if (t->a)
		KT_CHECK(t, !ib_destroy_qp(t->a), "destroy QP a");
	if (t->b)
		KT_CHECK(t, !ib_destroy_qp(t->b), "destroy QP b");
	t->a = NULL;
	t->b = NULL;
}

static struct ib_sge kt_sge(struct kt *t, bool send, u32 offset, u32 len)
{
	return (struct ib_sge) {
		.addr = (send ? t->sdma : t->rdma) + offset,
		.length = len,
		.lkey = t->pd->local_dma_lkey,
	};
}

static int kt_post_recv(struct kt *t, struct ib_qp *qp, u64 wr_id,
			struct ib_sge *sge, int num_sge)
{
	struct ib_recv_wr wr = {
		.wr_id = wr_id, .sg_list = sge, .num_sge = num_sge,
	};

	return ib_post_recv(qp, &wr, NULL);
}

static void kt_fill(struct kt *t, u32 seed)
{
	u32 i;

	for (i = 0; i < KT_BUF_SIZE; i++)
		t->sbuf[i] = (u8)(i * 7 + seed * 13 + 1);
	memset(t->rbuf, 0, KT_BUF_SIZE);
}

/* SENDs of several sizes, each received whole into one SGE. */
static void kt_rc_send(struct kt *t)
{
	static const u32 sizes[] = { 0, 1, 64, 1000, PAGE_SIZE };
	struct ib_wc wc[2], *s, *r;
	int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct ib_sge rsge = kt_sge(t, false, 0, PAGE_SIZE);
		struct ib_sge ssge = kt_sge(t, true, 0, sizes[i]);
		struct ib_send_wr wr = {
			.wr_id = 200 + i, .sg_list = &ssge, .num_sge = 1,
			.opcode = IB_WR_SEND, .send_flags = IB_SEND_SIGNALED,
		};

		kt_fill(t, i);
		if (!KT_CHECK(t, !kt_post_recv(t, t->b, 100 + i, &rsge, 1),
			      "post recv") ||
		    !KT_CHECK(t, !ib_post_send(t->a, &wr, NULL), "post send"))
			return;
		if (!KT_CHECK(t, kt_poll(t, wc, 2) == 2,
			      "two completions for a %u-byte SEND", sizes[i]))
			return;
		s = kt_find(wc, 2, 200 + i);
		r = kt_find(wc, 2, 100 + i);
		if (!KT_CHECK(t, s && r, "completions carry the wr_ids"))
			return;
		KT_CHECK(t, s->status == IB_WC_SUCCESS &&
			 s->opcode == IB_WC_SEND && s->qp == t->a,
			 "send completion: status %d opcode %d", s->status,
			 s->opcode);
		KT_CHECK(t, r->status == IB_WC_SUCCESS &&
			 r->opcode == IB_WC_RECV && r->qp == t->b &&
			 r->byte_len == sizes[i],
			 "recv completion: status %d opcode %d byte_len %u",
			 r->status, r->opcode, r->byte_len);
		KT_CHECK(t, !memcmp(t->rbuf, t->sbuf, sizes[i]) &&
			 (sizes[i] == PAGE_SIZE || !t->rbuf[sizes[i]]),
			 "%u bytes received as sent, nothing more", sizes[i]);
	}
	kt_poll_none(t);
}

/* Gathered from three SGEs, scattered into two; with immediate data. */
static void kt_rc_sges_imm(struct kt *t)
{
	struct ib_sge ssge[3] = {
		kt_sge(t, true, 0, 100),
		kt_sge(t, true, 1000, 200),
		kt_sge(t, true, 3000, 300),
	};
	struct ib_sge rsge[2] = {
		kt_sge(t, false, 0, 250),
		kt_sge(t, false, 2000, 350),
	};
	struct ib_send_wr wr = {
		.wr_id = 300, .sg_list = ssge, .num_sge = 3,
		.opcode = IB_WR_SEND_WITH_IMM, .send_flags = IB_SEND_SIGNALED,
		.ex.imm_data = cpu_to_be32(0x12345678),
	};
	u8 *expect = kmalloc(600, GFP_KERNEL);
	struct ib_wc wc[2], *r;

	if (!expect)
		return;
	kt_fill(t, 42);
	memcpy(expect, t->sbuf, 100);
	memcpy(expect + 100, t->sbuf + 1000, 200);
	memcpy(expect + 300, t->sbuf + 3000, 300);
	if (KT_CHECK(t, !kt_post_recv(t, t->b, 301, rsge, 2), "post recv") &&
	    KT_CHECK(t, !ib_post_send(t->a, &wr, NULL), "post send") &&
	    KT_CHECK(t, kt_poll(t, wc, 2) == 2, "two completions")) {
		r = kt_find(wc, 2, 301);
		if (KT_CHECK(t, r && kt_find(wc, 2, 300), "wr_ids")) {
			KT_CHECK(t, r->status == IB_WC_SUCCESS &&
				 r->byte_len == 600 &&
				 r->wc_flags & IB_WC_WITH_IMM &&
				 r->ex.imm_data == cpu_to_be32(0x12345678),
				 "recv with imm: status %d len %u flags %x",
				 r->status, r->byte_len, r->wc_flags);
			KT_CHECK(t, !memcmp(t->rbuf, expect, 250) &&
				 !memcmp(t->rbuf + 2000, expect + 250, 350),
				 "gathered and scattered data");
		}
	}
	kfree(expect);
	kt_poll_none(t);
}

/* Inline data: copied when posted, so the buffer may change at once. */
static void kt_rc_inline(struct kt *t)
{
	struct ib_sge rsge = kt_sge(t, false, 0, 256);
	struct ib_sge ssge = {
		.addr = (uintptr_t)t->sbuf, .length = 60,
	};
	struct ib_send_wr wr = {
		.wr_id = 400, .sg_list = &ssge, .num_sge = 1,
		.opcode = IB_WR_SEND,
		.send_flags = IB_SEND_SIGNALED | IB_SEND_INLINE,
	};
	struct ib_wc wc[2], *r;
	u8 expect[60];

	kt_fill(t, 7);
	memcpy(expect, t->sbuf, sizeof(expect));
	if (!KT_CHECK(t, !kt_post_recv(t, t->b, 401, &rsge, 1), "post recv") ||
	    !KT_CHECK(t, !ib_post_send(t->a, &wr, NULL), "post inline send"))
		return;
	memset(t->sbuf, 0xee, sizeof(expect));
	if (!KT_CHECK(t, kt_poll(t, wc, 2) == 2, "two completions"))
		return;
	r = kt_find(wc, 2, 401);
	KT_CHECK(t, r && r->status == IB_WC_SUCCESS && r->byte_len == 60 &&
		 !memcmp(t->rbuf, expect, 60), "inline data as posted");
	kt_poll_none(t);
}

/*
 * Unsignaled SENDs complete nothing on the sender, the signaled one after
 * them does; every message arrives.  Then the CQ event: armed, it fires.
 */
static void kt_rc_unsignaled_event(struct kt *t)
{
	struct ib_sge rsge[9], ssge[9];
	struct ib_send_wr wr[9];
	struct ib_wc wc[10];
	int i, n, sends = 0, recvs = 0;

	kt_fill(t, 3);
	memset(wr, 0, sizeof(wr));
	for (i = 0; i < 9; i++) {
		rsge[i] = kt_sge(t, false, i * 256, 256);
		ssge[i] = kt_sge(t, true, i * 256, 100 + i);
		wr[i].wr_id = 500 + i;
		wr[i].sg_list = &ssge[i];
		wr[i].num_sge = 1;
		wr[i].opcode = IB_WR_SEND;
		wr[i].next = i < 8 ? &wr[i + 1] : NULL;
		if (!KT_CHECK(t, !kt_post_recv(t, t->b, 600 + i, &rsge[i], 1),
			      "post recv"))
			return;
	}
	wr[8].send_flags = IB_SEND_SIGNALED;
	if (!KT_CHECK(t, !ib_post_send(t->a, wr, NULL), "post a chain of 9"))
		return;
	n = kt_poll(t, wc, 10);
	for (i = 0; i < n; i++) {
		if (wc[i].qp == t->a)
			sends += wc[i].wr_id == 508 &&
				 wc[i].status == IB_WC_SUCCESS;
		else
			recvs += wc[i].wr_id == 600 + wc[i].byte_len - 100 &&
				 wc[i].status == IB_WC_SUCCESS;
	}
	KT_CHECK(t, n == 10 && sends == 1 && recvs == 9,
		 "9 receives and the signaled send: %d completions, %d sends, %d receives",
		 n, sends, recvs);
	for (i = 0; i < 9; i++)
		KT_CHECK(t, !memcmp(t->rbuf + i * 256, t->sbuf + i * 256,
				    100 + i), "message %d", i);
	kt_poll_none(t);

	/* Armed with nothing in the CQ: nothing missed, then an event. */
	reinit_completion(&t->event);
	KT_CHECK(t, ib_req_notify_cq(t->cq, IB_CQ_NEXT_COMP |
				     IB_CQ_REPORT_MISSED_EVENTS) == 0,
		 "an empty CQ reports no missed events");
	rsge[0] = kt_sge(t, false, 0, 256);
	wr[0].next = NULL;
	wr[0].send_flags = IB_SEND_SIGNALED;
	if (!KT_CHECK(t, !kt_post_recv(t, t->b, 700, rsge, 1) &&
		      !ib_post_send(t->a, wr, NULL), "post"))
		return;
	KT_CHECK(t, wait_for_completion_timeout(&t->event, KT_TIMEOUT),
		 "the armed CQ's event");
	/* The event may come before both completions: wait for them. */
	n = kt_poll(t, wc, 2);
	KT_CHECK(t, n == 2, "the completions after the event: %d", n);
	/* Not armed again: completions without an event. */
	reinit_completion(&t->event);
	rsge[0] = kt_sge(t, false, 0, 256);
	if (KT_CHECK(t, !kt_post_recv(t, t->b, 701, rsge, 1) &&
		     !ib_post_send(t->a, wr, NULL), "post") &&
	    KT_CHECK(t, kt_poll(t, wc, 2) == 2, "completions")) {
		msleep(50);
		KT_CHECK(t, !completion_done(&t->event),
			 "no event for a CQ not armed");
	}
}

/* A receive too short fails both sides; the QP's next receive is flushed. */
static void kt_rc_errors(struct kt *t)
{
	struct ib_sge rsge = kt_sge(t, false, 0, 64);
	struct ib_sge ssge = kt_sge(t, true, 0, 128);
	struct ib_sge many[16];
	struct ib_send_wr wr = {
		.wr_id = 800, .sg_list = many, .num_sge = t->max_send_sge + 1,
		.opcode = IB_WR_SEND, .send_flags = IB_SEND_SIGNALED,
	};
	const struct ib_send_wr *bad = NULL;
	struct ib_wc wc[2], *r, *s;
	int i;

	/* More SGEs than the QP has. */
	if (KT_CHECK(t, wr.num_sge <= ARRAY_SIZE(many), "max_send_sge %u",
		     t->max_send_sge)) {
		for (i = 0; i < wr.num_sge; i++)
			many[i] = kt_sge(t, true, i * 8, 8);
		KT_CHECK(t, ib_post_send(t->a, &wr, &bad) == -EINVAL &&
			 bad == &wr, "%d SGEs on a QP of %u are refused",
			 wr.num_sge, t->max_send_sge);
	}

	wr.sg_list = &ssge;
	wr.num_sge = 1;
	if (page_limit) {
		ssge.length = PAGE_SIZE + 1;
		bad = NULL;
		KT_CHECK(t, ib_post_send(t->a, &wr, &bad) == -EINVAL &&
			 bad == &wr, "a page and a byte are refused");
		ssge.length = 128;
	}
	kt_poll_none(t);

	if (!KT_CHECK(t, !kt_post_recv(t, t->b, 801, &rsge, 1), "post recv") ||
	    !KT_CHECK(t, !ib_post_send(t->a, &wr, NULL), "post send") ||
	    !KT_CHECK(t, kt_poll(t, wc, 2) == 2, "two completions"))
		return;
	r = kt_find(wc, 2, 801);
	s = kt_find(wc, 2, 800);
	if (!KT_CHECK(t, r && s, "wr_ids"))
		return;
	/* rxe says LOC_QP_OP_ERR where the spec has LOC_LEN_ERR. */
	KT_CHECK(t, r->status == IB_WC_LOC_LEN_ERR ||
		 r->status == IB_WC_LOC_QP_OP_ERR,
		 "128 bytes into 64: receiver status %d", r->status);
	KT_CHECK(t, s->status != IB_WC_SUCCESS,
		 "128 bytes into 64: sender status %d", s->status);
	rsge = kt_sge(t, false, 0, 64);
	if (KT_CHECK(t, !kt_post_recv(t, t->b, 802, &rsge, 1),
		     "post recv in ERR") &&
	    KT_CHECK(t, kt_poll(t, wc, 1) == 1, "one completion"))
		KT_CHECK(t, wc[0].wr_id == 802 &&
			 wc[0].status == IB_WC_WR_FLUSH_ERR,
			 "flushed: wr_id %llu status %d", wc[0].wr_id,
			 wc[0].status);
	kt_poll_none(t);
}

/* UD: a datagram through an address handle, with its GRH in front. */
static void kt_ud(struct kt *t)
{
	struct ib_sge rsge = kt_sge(t, false, 0, KT_UD_GRH + 512);
	struct ib_sge ssge = kt_sge(t, true, 0, 512);
	struct rdma_ah_attr ah_attr;
	struct ib_ud_wr wr = {
		.wr = {
			.wr_id = 900, .sg_list = &ssge, .num_sge = 1,
			.opcode = IB_WR_SEND, .send_flags = IB_SEND_SIGNALED,
		},
		.remote_qkey = KT_QKEY,
	};
	struct ib_wc wc[2], *r;
	struct ib_ah *ah;
	int i;

	t->a = kt_create_qp(t, t->cq, IB_QPT_UD, IB_SIGNAL_REQ_WR);
	t->b = kt_create_qp(t, t->cq, IB_QPT_UD, IB_SIGNAL_REQ_WR);
	if (!KT_CHECK(t, !IS_ERR(t->a) && !IS_ERR(t->b), "create UD QPs")) {
		if (!IS_ERR(t->a))
			ib_destroy_qp(t->a);
		if (!IS_ERR(t->b))
			ib_destroy_qp(t->b);
		t->a = NULL;
		t->b = NULL;
		return;
	}
	if (!KT_CHECK(t, !kt_ready_ud(t->a) && !kt_ready_ud(t->b),
		      "UD QPs to RTS"))
		return;
	kt_av(t, &ah_attr);
	ah = rdma_create_ah(t->pd, &ah_attr, RDMA_CREATE_AH_SLEEPABLE);
	if (!KT_CHECK(t, !IS_ERR(ah), "create AH: %ld", PTR_ERR(ah)))
		return;
	wr.ah = ah;
	wr.remote_qpn = t->b->qp_num;
	/*
	 * A receive posted before the send is there for its datagram, every
	 * time: UD drops a datagram that finds none.
	 */
	for (i = 0; i < KT_UD_ROUNDS; i++) {
		kt_fill(t, 9 + i);
		memset(t->rbuf, 0, KT_UD_GRH + 512);
		if (!KT_CHECK(t, !kt_post_recv(t, t->b, 901, &rsge, 1),
			      "post recv") ||
		    !KT_CHECK(t, !ib_post_send(t->a, &wr.wr, NULL),
			      "post send") ||
		    !KT_CHECK(t, kt_poll(t, wc, 2) == 2,
			      "two completions in round %d", i))
			break;
		r = kt_find(wc, 2, 901);
		if (!KT_CHECK(t, r && r->status == IB_WC_SUCCESS &&
			      r->byte_len == KT_UD_GRH + 512 &&
			      r->src_qp == t->a->qp_num &&
			      r->wc_flags & IB_WC_GRH &&
			      !memcmp(t->rbuf + KT_UD_GRH, t->sbuf, 512),
			      "the datagram behind its GRH in round %d", i))
			break;
	}
	rdma_destroy_ah(ah, RDMA_DESTROY_AH_SLEEPABLE);
	kt_poll_none(t);
}

/* Port 1's RoCE v2 GID, link-local if there is one, as xenib-conform's. */
static int kt_v2_gid(struct kt *t, union ib_gid *gid)
{
	const struct ib_gid_attr *attr;
	struct ib_port_attr pattr;
	bool found = false;
	int i, err;

	err = ib_query_port(t->dev, 1, &pattr);
	if (err)
		return err;
	for (i = 0; i < pattr.gid_tbl_len; i++) {
		attr = rdma_get_gid_attr(t->dev, 1, i);
		if (IS_ERR(attr))
			continue;
		if (attr->gid_type == IB_GID_TYPE_ROCE_UDP_ENCAP &&
		    (!found || attr->gid.raw[0] == 0xfe)) {
			*gid = attr->gid;
			found = true;
		}
		rdma_put_gid_attr(attr);
	}
	return found ? 0 : -ENOENT;
}

/* The client is a user program in another domain, which may be slow. */
#define KT_PEER_TIMEOUT	(60 * HZ)

static struct socket *kt_accept(u16 port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	struct socket *lsock, *sock = NULL;
	int err;

	err = sock_create_kern(&init_net, AF_INET, SOCK_STREAM, IPPROTO_TCP,
			       &lsock);
	if (err)
		return ERR_PTR(err);
	sock_set_reuseaddr(lsock->sk);
	lsock->sk->sk_rcvtimeo = KT_PEER_TIMEOUT;
	err = kernel_bind(lsock, (struct sockaddr *)&sin, sizeof(sin));
	if (!err)
		err = kernel_listen(lsock, 1);
	if (!err)
		err = kernel_accept(lsock, &sock, 0);
	sock_release(lsock);
	if (err)
		return ERR_PTR(err);
	sock->sk->sk_rcvtimeo = KT_PEER_TIMEOUT;
	tcp_sock_set_nodelay(sock->sk);
	return sock;
}

/* Send @out or receive into @in, all @len bytes of it. */
static int kt_tcp_xfer(struct socket *sock, void *out, void *in, size_t len)
{
	struct kvec vec = { .iov_base = out ? out : in, .iov_len = len };
	struct msghdr msg = {};
	int n;

	n = out ? kernel_sendmsg(sock, &msg, &vec, 1, len) :
		  kernel_recvmsg(sock, &msg, &vec, 1, len, MSG_WAITALL);
	if (n < 0)
		return n;
	return n == len ? 0 : -EPIPE;
}

/* What xenib-conform swaps with its peer (the server's first). */
struct kt_peer_info {
	u32 qpn;
	u32 rkey;
	u64 addr;
	u8 gid[16];
};

/*
 * The server of xenib-conform's ud-peer on a kernel UD QP: a receive
 * posted, then the client told, which sends a datagram.  Natively the
 * datagram always finds the receive; on xenib the backend must have put
 * it on the real QP first (docs/decisions.md).
 */
static void kt_ud_peer(struct kt *t)
{
	struct ib_sge sge = kt_sge(t, false, 0, KT_UD_GRH + 64);
	unsigned int i, got = 0, lost = 0, late = 0, outstanding = 0;
	struct kt_peer_info me = {}, peer;
	struct socket *sock;
	unsigned long end;
	union ib_gid gid;
	u64 oob_ns = 0;
	struct ib_wc wc;
	ktime_t start;
	u32 step;
	int r = 0;

	if (!KT_CHECK(t, !kt_v2_gid(t, &gid), "a RoCE v2 GID on port 1"))
		return;
	t->b = kt_create_qp(t, t->cq, IB_QPT_UD, IB_SIGNAL_REQ_WR);
	if (!KT_CHECK(t, !IS_ERR(t->b), "create UD QP: %ld", PTR_ERR(t->b))) {
		t->b = NULL;
		return;
	}
	if (!KT_CHECK(t, !kt_ready_ud(t->b), "UD QP to RTS"))
		return;
	sock = kt_accept(peer_port);
	if (!KT_CHECK(t, !IS_ERR(sock), "a client on TCP port %u: %ld",
		      peer_port, PTR_ERR(sock)))
		return;
	me.qpn = t->b->qp_num;
	memcpy(me.gid, gid.raw, sizeof(me.gid));
	if (!KT_CHECK(t, !kt_tcp_xfer(sock, &me, NULL, sizeof(me)) &&
		      !kt_tcp_xfer(sock, NULL, &peer, sizeof(peer)),
		      "QP numbers swapped with the client"))
		goto out;
	for (i = 0; i < ud_peer; i++) {
		memset(t->rbuf, 0, KT_UD_GRH + 64);
		if (!KT_CHECK(t, !kt_post_recv(t, t->b, i, &sge, 1),
			      "post a UD receive in round %u (%u outstanding)",
			      i, outstanding))
			break;
		outstanding++;
		start = ktime_get();
		step = i;
		if (!KT_CHECK(t, !kt_tcp_xfer(sock, &step, NULL, sizeof(step)) &&
			      !kt_tcp_xfer(sock, NULL, &step, sizeof(step)) &&
			      step == i, "round %u told and answered", i))
			break;
		oob_ns += ktime_to_ns(ktime_sub(ktime_get(), start));
		/* Well past the datagram, which came before the answer. */
		end = jiffies + HZ / 2;
		while (!(r = ib_poll_cq(t->cq, 1, &wc)) &&
		       time_before(jiffies, end))
			usleep_range(50, 100);
		if (!KT_CHECK(t, r >= 0 && (!r || wc.status == IB_WC_SUCCESS),
			      "round %u: receive status %d", i,
			      r > 0 ? wc.status : r))
			break;
		if (r) {
			/* Once one is lost, receives and rounds part ways. */
			if (!KT_CHECK(t, lost || (wc.byte_len == KT_UD_GRH + 64 &&
					!memcmp(t->rbuf + KT_UD_GRH, &i,
						sizeof(i))),
				      "round %u's datagram (%u bytes)", i,
				      wc.byte_len))
				break;
			got++;
			outstanding--;
		} else if (!lost++) {
			pr_info("%s: ud-peer: round %u is the first whose datagram found no receive\n",
				KBUILD_MODNAME, i);
		}
	}
	/* A completion later than its round's wait is late, not lost. */
	end = jiffies + 2 * HZ;
	while (late < lost && time_before(jiffies, end)) {
		r = ib_poll_cq(t->cq, 1, &wc);
		if (!KT_CHECK(t, r >= 0 && (!r || wc.status == IB_WC_SUCCESS),
			      "a late receive: status %d",
			      r > 0 ? wc.status : r))
			break;
		late += r;
		if (!r)
			msleep(20);
	}
	lost -= late;
	pr_info("%s: ud-peer: %u rounds: %u datagrams found their receive (%u late), %u found none; out-of-band round trip %llu us on average\n",
		KBUILD_MODNAME, i, got + late, late, lost,
		div_u64(oob_ns, max(i, 1U) * 1000));
	KT_CHECK(t, lost <= max_lost,
		 "%u of %u datagrams found no receive posted before the peer was told to send, more than %u",
		 lost, i, max_lost);
out:
	sock_release(sock);
}

struct kt_cqe {
	struct ib_cqe cqe;
	struct completion done;
	enum ib_wc_status status;
	u32 byte_len;
};

static void kt_cqe_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct kt_cqe *c = container_of(wc->wr_cqe, struct kt_cqe, cqe);

	c->status = wc->status;
	c->byte_len = wc->byte_len;
	complete(&c->done);
}

static void kt_cqe_init(struct kt_cqe *c)
{
	c->cqe.done = kt_cqe_done;
	init_completion(&c->done);
}

/*
 * The way ULPs use a device: a CQ that ib_core polls from a workqueue on
 * the device's events, completions handed to each work request's wr_cqe,
 * and ib_drain_qp() before the QPs go (it waits for flushed work).
 */
static void kt_cq_pool(struct kt *t)
{
	struct ib_sge rsge = kt_sge(t, false, 0, 512);
	struct ib_sge ssge = kt_sge(t, true, 0, 300);
	struct kt_cqe sent, received;
	struct ib_recv_wr rwr = {
		.wr_cqe = &received.cqe, .sg_list = &rsge, .num_sge = 1,
	};
	struct ib_send_wr swr = {
		.wr_cqe = &sent.cqe, .sg_list = &ssge, .num_sge = 1,
		.opcode = IB_WR_SEND, .send_flags = IB_SEND_SIGNALED,
	};
	struct ib_cq *cq;

	cq = ib_alloc_cq(t->dev, NULL, 32, 0, IB_POLL_WORKQUEUE);
	if (!KT_CHECK(t, !IS_ERR(cq), "ib_alloc_cq: %ld", PTR_ERR(cq)))
		return;
	kt_cqe_init(&sent);
	kt_cqe_init(&received);
	kt_fill(t, 11);
	if (kt_rc_pair(t, cq) &&
	    KT_CHECK(t, !ib_post_recv(t->b, &rwr, NULL), "post recv") &&
	    KT_CHECK(t, !ib_post_send(t->a, &swr, NULL), "post send")) {
		KT_CHECK(t, wait_for_completion_timeout(&sent.done,
							KT_TIMEOUT) &&
			 wait_for_completion_timeout(&received.done,
						     KT_TIMEOUT),
			 "both work requests' done() called by ib_core");
		KT_CHECK(t, sent.status == IB_WC_SUCCESS &&
			 received.status == IB_WC_SUCCESS &&
			 received.byte_len == 300 &&
			 !memcmp(t->rbuf, t->sbuf, 300),
			 "the message, through wr_cqe: status %d/%d len %u",
			 sent.status, received.status, received.byte_len);
		/*
		 * Waits for the flush of the work it posts: without it the
		 * load hangs, and the caller's time limit fails it.
		 */
		ib_drain_qp(t->a);
		ib_drain_qp(t->b);
	}
	kt_destroy_qps(t);
	ib_free_cq(cq);
}

/*
 * Wait for @n completions, any, polling without sleeping (a sleep would be
 * what is measured); false (and a failure) if they do not all come and
 * succeed.
 */
static bool kt_bench_wait(struct kt *t, int n)
{
	unsigned long end = jiffies + KT_TIMEOUT;
	struct ib_wc wc[16];
	int i, r, got = 0, bad = -1;

	while (got < n && time_before(jiffies, end)) {
		r = ib_poll_cq(t->cq, n - got, wc);
		for (i = 0; i < r; i++)
			if (wc[i].status != IB_WC_SUCCESS && bad < 0)
				bad = wc[i].status;
		if (r > 0)
			got += r;
		else
			cond_resched();
	}
	/* A failure counts; the benchmark's waits are not checks. */
	if (got == n && bad < 0)
		return true;
	t->failures++;
	pr_err("%s: FAIL benchmark: %d of %d completions, status %d\n",
	       KBUILD_MODNAME, got, n, bad);
	return false;
}

#define KT_BENCH_BATCH	8

/*
 * Round trips a -> b -> a, then batches of sends a -> b, on the RC pair:
 * mean round trip (us) and bandwidth (MB/s) per size, as dmesg lines a
 * benchmark script reads.
 */
static void kt_bench(struct kt *t)
{
	static const u32 sizes[] = { 64, 1024, PAGE_SIZE };
	struct ib_sge ssge, rsge;
	struct ib_send_wr wr = {
		.sg_list = &ssge, .num_sge = 1, .opcode = IB_WR_SEND,
		.send_flags = IB_SEND_SIGNALED,
	};
	unsigned int i, j, k;
	u64 rtt_ns, bw_ns;
	ktime_t start;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		ssge = kt_sge(t, true, 0, sizes[i]);
		rsge = kt_sge(t, false, 0, PAGE_SIZE);
		start = ktime_get();
		for (j = 0; j < bench; j++) {
			if (kt_post_recv(t, t->b, 0, &rsge, 1) ||
			    kt_post_recv(t, t->a, 0, &rsge, 1) ||
			    ib_post_send(t->a, &wr, NULL) ||
			    !kt_bench_wait(t, 2) ||
			    ib_post_send(t->b, &wr, NULL) ||
			    !kt_bench_wait(t, 2))
				return;
		}
		rtt_ns = ktime_to_ns(ktime_sub(ktime_get(), start));
		start = ktime_get();
		for (j = 0; j < bench; j += KT_BENCH_BATCH) {
			for (k = 0; k < KT_BENCH_BATCH; k++)
				if (kt_post_recv(t, t->b, 0, &rsge, 1) ||
				    ib_post_send(t->a, &wr, NULL))
					return;
			if (!kt_bench_wait(t, 2 * KT_BENCH_BATCH))
				return;
		}
		bw_ns = ktime_to_ns(ktime_sub(ktime_get(), start));
		pr_info("%s: bench %s size=%u rtt_us=%llu kBps=%llu\n",
			KBUILD_MODNAME, ibdev, sizes[i],
			div_u64(rtt_ns, bench * 1000ULL),
			div64_u64((u64)DIV_ROUND_UP(bench, KT_BENCH_BATCH) *
				  KT_BENCH_BATCH * sizes[i] * 1000000,
				  max_t(u64, bw_ns, 1)));
	}
}

/* What every mode uses: port 1's GID 0, a PD, a CQ and mapped buffers. */
static bool kt_setup(struct kt *t)
{
	struct ib_cq_init_attr cq_attr = { .cqe = 64 };

	const struct ib_gid_attr *gid_attr;

	init_completion(&t->event);
	gid_attr = rdma_get_gid_attr(t->dev, 1, 0);
	if (!KT_CHECK(t, !IS_ERR(gid_attr), "GID 0: %ld", PTR_ERR(gid_attr)))
		return false;
	t->gid = gid_attr->gid;
	KT_CHECK(t, !rdma_read_gid_l2_fields(gid_attr, NULL, t->mac),
		 "GID 0's MAC");
	rdma_put_gid_attr(gid_attr);
	t->pd = ib_alloc_pd(t->dev, 0);
	if (!KT_CHECK(t, !IS_ERR(t->pd), "alloc PD: %ld", PTR_ERR(t->pd))) {
		t->pd = NULL;
		return false;
	}
	t->cq = ib_create_cq(t->dev, kt_comp, NULL, t, &cq_attr);
	if (!KT_CHECK(t, !IS_ERR(t->cq), "create CQ: %ld", PTR_ERR(t->cq))) {
		t->cq = NULL;
		return false;
	}
	t->sbuf = kmalloc(KT_BUF_SIZE, GFP_KERNEL);
	t->rbuf = kmalloc(KT_BUF_SIZE, GFP_KERNEL);
	if (!KT_CHECK(t, t->sbuf && t->rbuf, "buffers"))
		return false;
	t->sdma = ib_dma_map_single(t->dev, t->sbuf, KT_BUF_SIZE,
				    DMA_TO_DEVICE);
	t->rdma = ib_dma_map_single(t->dev, t->rbuf, KT_BUF_SIZE,
				    DMA_FROM_DEVICE);
	return KT_CHECK(t, !ib_dma_mapping_error(t->dev, t->sdma) &&
			!ib_dma_mapping_error(t->dev, t->rdma), "DMA mapping");
}

static void kt_checks(struct kt *t)
{
	if (kt_rc_pair(t, t->cq)) {
		kt_rc_send(t);
		kt_rc_sges_imm(t);
		kt_rc_inline(t);
		kt_rc_unsignaled_event(t);
		/* Before the errors, which leave the pair in ERR. */
		if (bench && !t->failures)
			kt_bench(t);
		kt_rc_errors(t);
	}
	kt_destroy_qps(t);
	kt_ud(t);
	kt_destroy_qps(t);
	kt_cq_pool(t);
}

static void kt_cleanup(struct kt *t)
{
	if (t->sdma && !ib_dma_mapping_error(t->dev, t->sdma))
		ib_dma_unmap_single(t->dev, t->sdma, KT_BUF_SIZE,
				    DMA_TO_DEVICE);
	if (t->rdma && !ib_dma_mapping_error(t->dev, t->rdma))
		ib_dma_unmap_single(t->dev, t->rdma, KT_BUF_SIZE,
				    DMA_FROM_DEVICE);
	kfree(t->sbuf);
	kfree(t->rbuf);
	if (t->cq)
		ib_destroy_cq(t->cq);
	if (t->pd)
		ib_dealloc_pd(t->pd);
}

static struct ib_device *kt_found;
/* What hold=1 keeps; removal of the module and of the device race for it. */
static struct kt *kt_held;
static DEFINE_MUTEX(kt_held_lock);

/* Leave @t's objects in use: 4 receives posted on b, 2 sends done. */
static bool kt_hold(struct kt *t)
{
	struct ib_sge rsge[4], ssge = kt_sge(t, true, 0, 64);
	struct ib_send_wr wr = {
		.sg_list = &ssge, .num_sge = 1, .opcode = IB_WR_SEND,
		.send_flags = IB_SEND_SIGNALED,
	};
	struct ib_wc wc[4];
	int i;

	if (!kt_rc_pair(t, t->cq))
		return false;
	for (i = 0; i < 4; i++) {
		rsge[i] = kt_sge(t, false, i * 256, 256);
		if (!KT_CHECK(t, !kt_post_recv(t, t->b, 1000 + i, &rsge[i], 1),
			      "post recv"))
			return false;
	}
	for (i = 0; i < 2; i++)
		if (!KT_CHECK(t, !ib_post_send(t->a, &wr, NULL), "post send"))
			return false;
	return KT_CHECK(t, kt_poll(t, wc, 4) == 4, "the held QPs work");
}

static int kt_add(struct ib_device *dev)
{
	if (!strcmp(dev_name(&dev->dev), ibdev))
		kt_found = dev;
	return 0;
}

static void kt_remove(struct ib_device *dev, void *client_data)
{
	mutex_lock(&kt_held_lock);
	if (kt_held && kt_held->dev == dev) {
		kt_destroy_qps(kt_held);
		kt_cleanup(kt_held);
		pr_info("%s: released what was held\n", KBUILD_MODNAME);
		kfree(kt_held);
		kt_held = NULL;
	}
	mutex_unlock(&kt_held_lock);
}

static struct ib_client kt_client = {
	.name = KBUILD_MODNAME,
	.add = kt_add,
	.remove = kt_remove,
};

static int __init kt_init(void)
{
	struct kt *t;
	int err;

	err = ib_register_client(&kt_client);
	if (err)
		return err;
	if (!kt_found) {
		pr_err("%s: no RDMA device %s\n", KBUILD_MODNAME, ibdev);
		err = -ENODEV;
		goto out;
	}
	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t) {
		err = -ENOMEM;
		goto out;
	}
	t->dev = kt_found;
	if (kt_setup(t)) {
		if (ud_peer)
			kt_ud_peer(t);
		else
			kt_checks(t);
	}
	if (hold && !t->failures && kt_hold(t)) {
		pr_info("%s: %s: %u checks, %u failed; holding a PD, a CQ and 2 QPs\n",
			KBUILD_MODNAME, ibdev, t->checks, t->failures);
		kt_held = t;
		/* The client stays registered: its remove() releases them. */
		return 0;
	}
	kt_destroy_qps(t);
	kt_cleanup(t);
	pr_info("%s: %s: %u checks, %u failed\n", KBUILD_MODNAME, ibdev,
		t->checks, t->failures);
	err = t->failures ? -EIO : 0;
	kfree(t);
out:
	ib_unregister_client(&kt_client);
	return err;
}

static void __exit kt_exit(void)
{
	/* Loaded with hold=1, the client is still ours: remove() releases. */
	if (hold)
		ib_unregister_client(&kt_client);
}

module_init(kt_init);
module_exit(kt_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Kernel verbs checks for xenib (and any RDMA device)");
