// SPDX-License-Identifier: GPL-2.0
/*
 * xenib-conform: what a device promises, held to.  Run on xenib0 in a
 * guest and on the native device in Dom0; each check prints "ok: ..." and
 * the first failure exits 1 saying what was expected.
 *
 *   xenib-conform [-d DEV] limits [MB]   every size ibv_query_device and
 *                                        ibv_query_port advertise, used
 *                                        at its maximum (memory-bound ones
 *                                        up to MB MiB, default 16)
 *   xenib-conform [-d DEV] ud-order N    N times: a receive posted on one
 *                                        UD QP, then a send to it from
 *                                        another; the datagram must find
 *                                        the receive every time
 *   xenib-conform [-d DEV] post-state    posting sends on a QP in RESET,
 *                                        INIT and RTR fails with EINVAL,
 *                                        with both post APIs, as on rxe
 *   xenib-conform [-d DEV] reg MB N      N registrations of MB MiB held at
 *                                        once, each written and read
 *                                        through; prints seconds per GiB
 *   xenib-conform [-d DEV] mw            memory windows where rdma-core's
 *                                        suite does not look: writes
 *                                        inside and outside a window, a
 *                                        type 1 window bound again, and
 *                                        binds rxe refuses
 *   xenib-conform [-d DEV] [-p PORT] [-i] mw-peer [HOST]
 *                                        a window used by a peer: without
 *                                        HOST, bind a type 2 window and
 *                                        check what HOST's client writes
 *                                        through it; the client writes,
 *                                        invalidates it remotely, writes
 *                                        through it bound again and fails
 *                                        once it is invalidated locally;
 *                                        with -i the client first tries
 *                                        to invalidate the peer's window
 *                                        itself, which must fail
 *   xenib-conform [-d DEV] [-p PORT] [-w US] [-m MAX] ud-peer N [HOST]
 *                                        N times: the server (no HOST)
 *                                        posts a UD receive and tells the
 *                                        client over TCP, which sends a
 *                                        datagram US microseconds later;
 *                                        counts the datagrams that found
 *                                        no receive, and fails if more
 *                                        than MAX did
 *   xenib-conform [-d DEV] [-p PORT] rc-retry SECS [HOST]
 *                                        an RC connection with one retry
 *                                        and a 1 s ACK timeout: the client
 *                                        (HOST given) sends every 0.2 s
 *                                        until a send fails, which must be
 *                                        with "retry exceeded", within
 *                                        SECS; the server posts receives
 *                                        until the client goes
 *
 * Copyright (c) 2026 The xenib authors
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <infiniband/verbs.h>
#include "testlib.h"

#define QKEY		0x11111111
#define PSN		0x123
#define TIMEOUT_S	60
#define ACCESS		(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
			 IBV_ACCESS_REMOTE_READ)

static struct ibv_context *ctx;
static struct ibv_device_attr dattr;
static struct ibv_port_attr pattr;
static union ibv_gid gid;
static int gid_index = -1;
static struct ibv_pd *pd;
static const char *port = "18600";
static unsigned int ud_wait_us;
static int ud_max_lost = -1;	/* -1: counted, not held to */

/* Port 1's RoCE v2 GID, link-local if there is one (no ARP needed). */
static void query_env(void)
{
	struct ibv_gid_entry e;
	int i;

	check(ibv_query_device(ctx, &dattr), "ibv_query_device");
	check(ibv_query_port(ctx, 1, &pattr), "ibv_query_port 1");
	for (i = 0; i < pattr.gid_tbl_len; i++) {
		if (ibv_query_gid_ex(ctx, 1, i, &e, 0) ||
		    e.gid_type != IBV_GID_TYPE_ROCE_V2)
			continue;
		if (gid_index < 0 || e.gid.raw[0] == 0xfe) {
			gid = e.gid;
			gid_index = i;
		}
	}
	if (gid_index < 0)
		die("%s", "port 1 has no RoCE v2 GID", 0);
	pd = ibv_alloc_pd(ctx);
	if (!pd)
		die("%s", "ibv_alloc_pd", errno);
}

static struct ibv_cq *new_cq(int cqe)
{
	struct ibv_cq *cq = ibv_create_cq(ctx, cqe, NULL, NULL, 0);

	if (!cq)
		fail(errno, "ibv_create_cq with %d entries", cqe);
	if (cq->cqe < cqe)
		fail(0, "ibv_create_cq with %d entries made %d", cqe, cq->cqe);
	return cq;
}

static struct ibv_mr *new_mr(size_t len, void **buf)
{
	struct ibv_mr *mr;

	*buf = aligned_alloc(4096, (len + 4095) & ~(size_t)4095);
	if (!*buf)
		fail(ENOMEM, "a buffer of %zu bytes", len);
	memset(*buf, 0, len);
	mr = ibv_reg_mr(pd, *buf, len, ACCESS);
	if (!mr)
		fail(errno, "ibv_reg_mr of %zu bytes", len);
	return mr;
}

static void free_mr(struct ibv_mr *mr, void *buf)
{
	check(ibv_dereg_mr(mr), "ibv_dereg_mr");
	free(buf);
}

static struct ibv_qp *new_qp(enum ibv_qp_type type, struct ibv_cq *cq,
			     struct ibv_srq *srq, const struct ibv_qp_cap *cap,
			     const char *what)
{
	struct ibv_qp_init_attr ia = {
		.send_cq = cq, .recv_cq = cq, .srq = srq, .cap = *cap,
		.qp_type = type, .sq_sig_all = 1,
	};
	struct ibv_qp *qp = ibv_create_qp(pd, &ia);

	if (!qp)
		fail(errno, "ibv_create_qp %s (send %u wr %u sge, recv %u wr %u sge, %u inline)",
		     what, cap->max_send_wr, cap->max_send_sge,
		     cap->max_recv_wr, cap->max_recv_sge,
		     cap->max_inline_data);
	if (ia.cap.max_send_wr < cap->max_send_wr ||
	    ia.cap.max_send_sge < cap->max_send_sge ||
	    ia.cap.max_recv_wr < cap->max_recv_wr ||
	    ia.cap.max_recv_sge < cap->max_recv_sge ||
	    ia.cap.max_inline_data < cap->max_inline_data)
		fail(0, "ibv_create_qp %s: got less than asked for", what);
	return qp;
}

/*
 * Move @qp one state on, to @next (INIT, RTR or RTS); a connected QP is
 * connected to itself, with the most RDMA READs and atomics in flight the
 * device advertises.
 */
static int modify_to(struct ibv_qp *qp, enum ibv_qp_state next)
{
	int ud = qp->qp_type == IBV_QPT_UD, rc = qp->qp_type == IBV_QPT_RC;
	struct ibv_qp_attr a = { .qp_state = next };
	int mask = IBV_QP_STATE;

	switch (next) {
	case IBV_QPS_INIT:
		a.port_num = 1;
		a.qkey = QKEY;
		a.qp_access_flags = ACCESS;
		mask |= IBV_QP_PKEY_INDEX | IBV_QP_PORT |
			(ud ? IBV_QP_QKEY : IBV_QP_ACCESS_FLAGS);
		break;
	case IBV_QPS_RTR:
		if (ud)
			break;
		a.path_mtu = IBV_MTU_1024;
		a.dest_qp_num = qp->qp_num;
		a.rq_psn = PSN;
		a.ah_attr.is_global = 1;
		a.ah_attr.grh.dgid = gid;
		a.ah_attr.grh.sgid_index = gid_index;
		a.ah_attr.grh.hop_limit = 1;
		a.ah_attr.port_num = 1;
		a.max_dest_rd_atomic = dattr.max_qp_rd_atom;
		a.min_rnr_timer = 12;
		mask |= IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
			IBV_QP_RQ_PSN | (rc ? IBV_QP_MAX_DEST_RD_ATOMIC |
					 IBV_QP_MIN_RNR_TIMER : 0);
		break;
	case IBV_QPS_RTS:
		a.sq_psn = PSN;
		a.timeout = 14;
		a.retry_cnt = 7;
		a.rnr_retry = 7;
		a.max_rd_atomic = dattr.max_qp_init_rd_atom;
		mask |= IBV_QP_SQ_PSN | (rc ? IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT |
					 IBV_QP_RNR_RETRY |
					 IBV_QP_MAX_QP_RD_ATOMIC : 0);
		break;
	default:
		return EINVAL;
	}
	return ibv_modify_qp(qp, &a, mask);
}

/* RESET -> INIT -> RTR -> RTS, as modify_to() takes each step. */
static int to_rts(struct ibv_qp *qp)
{
	int err = modify_to(qp, IBV_QPS_INIT);

	if (!err)
		err = modify_to(qp, IBV_QPS_RTR);
	if (!err)
		err = modify_to(qp, IBV_QPS_RTS);
	return err;
}

/* Poll @n successful completions from @cq within TIMEOUT_S. */
static void poll_n(struct ibv_cq *cq, int n, const char *what)
{
	time_t end = time(NULL) + TIMEOUT_S;
	struct ibv_wc wc;
	int got = 0, r;

	while (got < n) {
		r = ibv_poll_cq(cq, 1, &wc);
		if (r < 0)
			fail(0, "%s: ibv_poll_cq failed", what);
		if (!r) {
			if (time(NULL) > end)
				fail(0, "%s: %d of %d completions after %d s",
				     what, got, n, TIMEOUT_S);
			continue;
		}
		if (wc.status != IBV_WC_SUCCESS)
			fail(0, "%s: completion %llu with status %s", what,
			     (unsigned long long)wc.wr_id,
			     ibv_wc_status_str(wc.status));
		got++;
	}
}

/* @n SGEs of @len bytes in all over @base (lkey @lkey), split evenly. */
static void split_sges(struct ibv_sge *sge, int n, char *base, size_t len,
		       uint32_t lkey)
{
	size_t each = len / n, off = 0;
	int i;

	for (i = 0; i < n; i++) {
		sge[i].addr = (uintptr_t)base + off;
		sge[i].length = i == n - 1 ? len - off : each;
		sge[i].lkey = lkey;
		off += sge[i].length;
	}
}

static void fill(char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (char)(seed + i * 7 + (i >> 12));
}

/*
 * An RC QP connected to itself on @cq (and @srq if given) carries @len
 * bytes: a SEND from @send_sge SGEs (inline if @inl) into @recv_sge SGEs,
 * then, if @read_sge, an RDMA READ into that many.  Data checked.
 */
static void rc_traffic(struct ibv_qp *qp, struct ibv_cq *cq,
		       struct ibv_srq *srq, size_t len, int send_sge,
		       int recv_sge, int read_sge, int inl, const char *what)
{
	int n = send_sge > recv_sge ? send_sge : recv_sge;
	struct ibv_sge *sge;
	struct ibv_mr *mr;
	char *src, *dst;
	void *buf;
	int err;

	if (read_sge > n)
		n = read_sge;
	sge = calloc(n ? n : 1, sizeof(*sge));
	if (!sge)
		fail(ENOMEM, "SGEs");
	mr = new_mr(2 * len, &buf);
	src = buf;
	dst = src + len;
	fill(src, len, 3);

	{
		struct ibv_recv_wr rwr = { .wr_id = 1, .sg_list = sge,
					   .num_sge = recv_sge }, *bad_r;
		struct ibv_send_wr swr = { .wr_id = 2, .sg_list = sge,
					   .num_sge = send_sge,
					   .opcode = IBV_WR_SEND,
					   .send_flags = IBV_SEND_SIGNALED |
					   (inl ? IBV_SEND_INLINE : 0) },
				   *bad_s;

		split_sges(sge, recv_sge, dst, len, mr->lkey);
		err = srq ? ibv_post_srq_recv(srq, &rwr, &bad_r) :
			    ibv_post_recv(qp, &rwr, &bad_r);
		if (err)
			fail(err, "%s: post a receive of %d SGEs", what,
			     recv_sge);
		split_sges(sge, send_sge, src, len, mr->lkey);
		err = ibv_post_send(qp, &swr, &bad_s);
		if (err)
			fail(err, "%s: post a SEND of %zu bytes from %d SGEs%s",
			     what, len, send_sge, inl ? ", inline" : "");
		poll_n(cq, 2, what);
		if (memcmp(src, dst, len))
			fail(0, "%s: the received data differ from the sent",
			     what);
	}
	if (read_sge) {
		struct ibv_send_wr rd = { .wr_id = 3, .sg_list = sge,
					  .num_sge = read_sge,
					  .opcode = IBV_WR_RDMA_READ,
					  .send_flags = IBV_SEND_SIGNALED },
				   *bad;

		memset(dst, 0, len);
		fill(src, len, 5);
		split_sges(sge, read_sge, dst, len, mr->lkey);
		rd.wr.rdma.remote_addr = (uintptr_t)src;
		rd.wr.rdma.rkey = mr->rkey;
		err = ibv_post_send(qp, &rd, &bad);
		if (err)
			fail(err, "%s: post an RDMA READ into %d SGEs", what,
			     read_sge);
		poll_n(cq, 1, what);
		if (memcmp(src, dst, len))
			fail(0, "%s: the data READ differ", what);
	}
	free_mr(mr, buf);
	free(sge);
}

static void destroy_qp(struct ibv_qp *qp)
{
	check(ibv_destroy_qp(qp), "ibv_destroy_qp");
}

/* A QP of each type at @cap goes to RTS; RC carries data too. */
static void qp_at(const struct ibv_qp_cap *cap, const char *what)
{
	static const enum ibv_qp_type types[] = {
		IBV_QPT_RC, IBV_QPT_UC, IBV_QPT_UD,
	};
	static const char *const names[] = { "RC", "UC", "UD" };
	struct ibv_cq *cq = new_cq(16);
	unsigned int i;
	char buf[128];

	for (i = 0; i < 3; i++) {
		struct ibv_qp *qp;
		int err;

		snprintf(buf, sizeof(buf), "%s QP with %s", names[i], what);
		qp = new_qp(types[i], cq, NULL, cap, buf);
		err = to_rts(qp);
		if (err)
			fail(err, "%s to RTS", buf);
		if (types[i] == IBV_QPT_RC)
			rc_traffic(qp, cq, NULL, 4096,
				   cap->max_send_sge ? cap->max_send_sge : 1,
				   cap->max_recv_sge ? cap->max_recv_sge : 1,
				   0, 0, buf);
		destroy_qp(qp);
		okf("%s: created, RTS%s", buf,
		    types[i] == IBV_QPT_RC ? ", data through it" : "");
	}
	check(ibv_destroy_cq(cq), "ibv_destroy_cq");
}

/* The largest max_inline_data an RC QP is created with (up to 64 KiB). */
static uint32_t max_inline(struct ibv_cq *cq)
{
	uint32_t lo = 0, hi = 65536;

	while (lo < hi) {
		uint32_t mid = (lo + hi + 1) / 2;
		struct ibv_qp_init_attr ia = {
			.send_cq = cq, .recv_cq = cq, .qp_type = IBV_QPT_RC,
			.cap = { .max_send_wr = 1, .max_recv_wr = 1,
				 .max_send_sge = 1, .max_recv_sge = 1,
				 .max_inline_data = mid },
		};
		struct ibv_qp *qp = ibv_create_qp(pd, &ia);

		if (qp) {
			destroy_qp(qp);
			lo = mid;
		} else {
			hi = mid - 1;
		}
	}
	return lo;
}

static int cmd_limits(size_t max_bytes)
{
	struct ibv_qp_cap cap;
	struct ibv_cq *cq;
	struct ibv_qp *qp;
	size_t len;
	uint32_t inl;

	okf("advertised: max_qp_wr %d, max_sge %d, max_sge_rd %d, max_cqe %d, max_srq_wr %d, max_srq_sge %d, max_mr_size %llu, max_msg_sz %u, max_qp_rd_atom %d, max_qp_init_rd_atom %d",
	    dattr.max_qp_wr, dattr.max_sge, dattr.max_sge_rd, dattr.max_cqe,
	    dattr.max_srq_wr, dattr.max_srq_sge,
	    (unsigned long long)dattr.max_mr_size, pattr.max_msg_sz,
	    dattr.max_qp_rd_atom, dattr.max_qp_init_rd_atom);

	/* A CQ of max_cqe entries takes the completions of a QP. */
	cq = new_cq(dattr.max_cqe);
	memset(&cap, 0, sizeof(cap));
	cap.max_send_wr = cap.max_recv_wr = 4;
	cap.max_send_sge = cap.max_recv_sge = 1;
	qp = new_qp(IBV_QPT_RC, cq, NULL, &cap, "RC QP on a max_cqe CQ");
	check(to_rts(qp), "RC QP on a max_cqe CQ to RTS");
	rc_traffic(qp, cq, NULL, 4096, 1, 1, 0, 0, "a CQ of max_cqe");
	destroy_qp(qp);
	check(ibv_destroy_cq(cq), "ibv_destroy_cq");
	okf("CQ of max_cqe (%d) entries: created, completions through it",
	    dattr.max_cqe);

	memset(&cap, 0, sizeof(cap));
	cap.max_send_wr = dattr.max_qp_wr;
	cap.max_recv_wr = 1;
	cap.max_send_sge = cap.max_recv_sge = 1;
	qp_at(&cap, "max_send_wr = max_qp_wr");
	cap.max_send_wr = 1;
	cap.max_recv_wr = dattr.max_qp_wr;
	qp_at(&cap, "max_recv_wr = max_qp_wr");
	cap.max_recv_wr = 1;
	cap.max_send_sge = cap.max_recv_sge = dattr.max_sge;
	qp_at(&cap, "max_send_sge = max_recv_sge = max_sge");

	/* RDMA READ into max_sge_rd SGEs, with the most READs in flight. */
	cq = new_cq(16);
	cap.max_send_sge = cap.max_recv_sge = dattr.max_sge_rd;
	qp = new_qp(IBV_QPT_RC, cq, NULL, &cap, "RC QP of max_sge_rd SGEs");
	check(to_rts(qp), "RC QP with max_qp_rd_atom READs in flight to RTS");
	rc_traffic(qp, cq, NULL, 8192, 1, 1, dattr.max_sge_rd, 0,
		   "RDMA READ into max_sge_rd SGEs");
	destroy_qp(qp);
	okf("RDMA READ into max_sge_rd (%d) SGEs, max_rd_atomic %d and max_dest_rd_atomic %d",
	    dattr.max_sge_rd, dattr.max_qp_init_rd_atom, dattr.max_qp_rd_atom);

	/* The largest inline send the device takes, used. */
	inl = max_inline(cq);
	if (inl) {
		cap.max_send_sge = cap.max_recv_sge = 1;
		cap.max_inline_data = inl;
		qp = new_qp(IBV_QPT_RC, cq, NULL, &cap, "RC QP of most inline");
		check(to_rts(qp), "RC QP of most inline to RTS");
		rc_traffic(qp, cq, NULL, inl, 1, 1, 0, 1, "most inline data");
		destroy_qp(qp);
		cap.max_inline_data = 0;
	}
	okf("max inline data %u: created and sent", inl);

	/* SRQs at max_srq_wr, and at max_srq_sge with a message through. */
	{
		struct ibv_srq_init_attr sa = {
			.attr = { .max_wr = dattr.max_srq_wr, .max_sge = 1 },
		};
		struct ibv_srq *srq = ibv_create_srq(pd, &sa);

		if (!srq)
			fail(errno, "ibv_create_srq of max_srq_wr (%d)",
			     dattr.max_srq_wr);
		check(ibv_destroy_srq(srq), "ibv_destroy_srq");
		sa.attr.max_wr = 4;
		sa.attr.max_sge = dattr.max_srq_sge;
		srq = ibv_create_srq(pd, &sa);
		if (!srq)
			fail(errno, "ibv_create_srq of max_srq_sge (%d)",
			     dattr.max_srq_sge);
		cap.max_send_sge = 1;
		cap.max_recv_wr = cap.max_recv_sge = 0;
		qp = new_qp(IBV_QPT_RC, cq, srq, &cap, "RC QP on an SRQ");
		check(to_rts(qp), "RC QP on an SRQ to RTS");
		rc_traffic(qp, cq, srq, 4096, 1, dattr.max_srq_sge, 0, 0,
			   "a receive of max_srq_sge SGEs on an SRQ");
		destroy_qp(qp);
		check(ibv_destroy_srq(srq), "ibv_destroy_srq");
		okf("SRQ of max_srq_wr (%d) created; one of max_srq_sge (%d) received into",
		    dattr.max_srq_wr, dattr.max_srq_sge);
	}

	/* The largest message and MR, as far as this run's memory goes. */
	len = pattr.max_msg_sz < max_bytes / 2 ? pattr.max_msg_sz :
						  max_bytes / 2;
	cap.max_send_wr = cap.max_recv_wr = 1;
	cap.max_send_sge = cap.max_recv_sge = 1;
	qp = new_qp(IBV_QPT_RC, cq, NULL, &cap, "RC QP for a long message");
	check(to_rts(qp), "RC QP for a long message to RTS");
	rc_traffic(qp, cq, NULL, len, 1, 1, 1, 0, "the longest message");
	destroy_qp(qp);
	okf("a message of %zu bytes (max_msg_sz %u) sent and READ", len,
	    pattr.max_msg_sz);
	len = dattr.max_mr_size < max_bytes ? dattr.max_mr_size : max_bytes;
	{
		struct ibv_mr *mr;
		void *buf;

		mr = new_mr(len, &buf);
		free_mr(mr, buf);
	}
	okf("an MR of %zu bytes registered (max_mr_size %llu%s)", len,
	    (unsigned long long)dattr.max_mr_size,
	    len < dattr.max_mr_size ? ", beyond this run's memory" : "");
	check(ibv_destroy_cq(cq), "ibv_destroy_cq");
	return 0;
}

static struct ibv_ah *own_ah(void)
{
	struct ibv_ah_attr a = {
		.is_global = 1, .port_num = 1,
		.grh = { .dgid = gid, .sgid_index = gid_index,
			 .hop_limit = 1 },
	};
	struct ibv_ah *ah = ibv_create_ah(pd, &a);

	if (!ah)
		fail(errno, "ibv_create_ah to the own GID");
	return ah;
}

/*
 * UD drops a datagram that finds no receive; natively a receive is on the
 * device when ibv_post_recv returns, so one posted before the send that
 * causes the datagram is always there.
 */
static int cmd_ud_order(int rounds)
{
	struct ibv_qp_cap cap = { .max_send_wr = 4, .max_recv_wr = 4,
				  .max_send_sge = 1, .max_recv_sge = 1 };
	struct ibv_cq *cq = new_cq(16);
	struct ibv_qp *a, *b;
	struct ibv_ah *ah = own_ah();
	struct ibv_sge rs, ss;
	struct ibv_mr *mr;
	void *buf;
	int i;

	a = new_qp(IBV_QPT_UD, cq, NULL, &cap, "UD QP a");
	b = new_qp(IBV_QPT_UD, cq, NULL, &cap, "UD QP b");
	check(to_rts(a), "UD QP a to RTS");
	check(to_rts(b), "UD QP b to RTS");
	mr = new_mr(4096, &buf);
	rs = (struct ibv_sge){ (uintptr_t)buf, 40 + 64, mr->lkey };
	ss = (struct ibv_sge){ (uintptr_t)buf + 2048, 64, mr->lkey };
	for (i = 0; i < rounds; i++) {
		struct ibv_recv_wr rwr = { .wr_id = i, .sg_list = &rs,
					   .num_sge = 1 }, *bad_r;
		struct ibv_send_wr swr = { .wr_id = i, .sg_list = &ss,
					   .num_sge = 1,
					   .opcode = IBV_WR_SEND,
					   .send_flags = IBV_SEND_SIGNALED },
				   *bad_s;
		char what[64];

		swr.wr.ud.ah = ah;
		swr.wr.ud.remote_qpn = b->qp_num;
		swr.wr.ud.remote_qkey = QKEY;
		fill((char *)buf + 2048, 64, i);
		check(ibv_post_recv(b, &rwr, &bad_r), "post a UD receive");
		check(ibv_post_send(a, &swr, &bad_s), "post a UD send");
		snprintf(what, sizeof(what), "UD round %d: send and receive",
			 i);
		poll_n(cq, 2, what);
		if (memcmp((char *)buf + 40, (char *)buf + 2048, 64))
			fail(0, "UD round %d: the datagram's data differ", i);
	}
	okf("%d datagrams each found the receive posted before their send",
	    rounds);
	destroy_qp(a);
	destroy_qp(b);
	check(ibv_destroy_ah(ah), "ibv_destroy_ah");
	free_mr(mr, buf);
	check(ibv_destroy_cq(cq), "ibv_destroy_cq");
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * @count registrations of @mb MiB each, all held at once, each used: an
 * RDMA WRITE into its last page and a READ of its first, through an RC
 * QP connected to itself, data checked.  Prints the time per GiB.
 */
static int cmd_reg(unsigned int mb, unsigned int count)
{
	struct ibv_qp_cap cap = { .max_send_wr = 4, .max_recv_wr = 1,
				  .max_send_sge = 1, .max_recv_sge = 1 };
	size_t len = (size_t)mb << 20;
	struct ibv_mr **mrs = calloc(count, sizeof(*mrs));
	char **bufs = calloc(count, sizeof(*bufs));
	struct ibv_cq *cq = new_cq(16);
	struct ibv_mr *small;
	struct ibv_qp *qp;
	double t0, reg = 0, dereg;
	unsigned int i;
	void *sbuf;

	if (!mrs || !bufs)
		fail(ENOMEM, "arrays");
	qp = new_qp(IBV_QPT_RC, cq, NULL, &cap, "RC QP for the large MRs");
	check(to_rts(qp), "RC QP to RTS");
	small = new_mr(8192, &sbuf);
	for (i = 0; i < count; i++) {
		/* Touched first, so that the time is the registration's. */
		bufs[i] = aligned_alloc(4096, len);
		if (!bufs[i])
			fail(ENOMEM, "%u MiB for registration %u", mb, i);
		memset(bufs[i], 0x5a, len);
		t0 = now_s();
		mrs[i] = ibv_reg_mr(pd, bufs[i], len, ACCESS);
		if (!mrs[i])
			fail(errno, "ibv_reg_mr of %u MiB (registration %u of %u, %llu MiB held)",
			     mb, i + 1, count, (unsigned long long)i * mb);
		reg += now_s() - t0;
		okf("registered %u MiB (%u of %u)", mb, i + 1, count);
	}
	for (i = 0; i < count; i++) {
		struct ibv_sge sge = { (uintptr_t)sbuf, 4096, small->lkey };
		struct ibv_send_wr wr = { .wr_id = i, .sg_list = &sge,
					  .num_sge = 1,
					  .opcode = IBV_WR_RDMA_WRITE,
					  .send_flags = IBV_SEND_SIGNALED },
				   *bad;

		fill(sbuf, 4096, i);
		wr.wr.rdma.remote_addr = (uintptr_t)bufs[i] + len - 4096;
		wr.wr.rdma.rkey = mrs[i]->rkey;
		check(ibv_post_send(qp, &wr, &bad), "post an RDMA WRITE");
		poll_n(cq, 1, "RDMA WRITE into the last page");
		if (memcmp(bufs[i] + len - 4096, sbuf, 4096))
			fail(0, "registration %u: the last page was not written", i);
		sge.addr = (uintptr_t)sbuf + 4096;
		wr.opcode = IBV_WR_RDMA_READ;
		wr.wr.rdma.remote_addr = (uintptr_t)bufs[i];
		fill(bufs[i], 4096, i + 7);
		check(ibv_post_send(qp, &wr, &bad), "post an RDMA READ");
		poll_n(cq, 1, "RDMA READ of the first page");
		if (memcmp(bufs[i], (char *)sbuf + 4096, 4096))
			fail(0, "registration %u: the first page read back differs", i);
	}
	okf("each of the %u registrations written at its end and read at its start",
	    count);
	t0 = now_s();
	for (i = 0; i < count; i++) {
		check(ibv_dereg_mr(mrs[i]), "ibv_dereg_mr");
		free(bufs[i]);
	}
	dereg = now_s() - t0;
	printf("reg_s_per_gib %.3f dereg_s_per_gib %.3f total_mib %llu\n",
	       reg * 1024 / ((double)mb * count),
	       dereg * 1024 / ((double)mb * count),
	       (unsigned long long)mb * count);
	destroy_qp(qp);
	free_mr(small, sbuf);
	check(ibv_destroy_cq(cq), "ibv_destroy_cq");
	free(mrs);
	free(bufs);
	return 0;
}

/* A send posted in each state before RTS fails with EINVAL, both ways. */
static int cmd_post_state(void)
{
	static const char *const names[] = { "RESET", "INIT", "RTR" };
	struct ibv_qp_cap cap = { .max_send_wr = 4, .max_recv_wr = 4,
				  .max_send_sge = 1, .max_recv_sge = 1 };
	struct ibv_qp_init_attr_ex ia = {
		.qp_type = IBV_QPT_RC, .sq_sig_all = 1, .cap = cap,
		.comp_mask = IBV_QP_INIT_ATTR_PD |
			     IBV_QP_INIT_ATTR_SEND_OPS_FLAGS,
		.send_ops_flags = IBV_QP_EX_WITH_SEND,
	};
	struct ibv_cq *cq = new_cq(16);
	struct ibv_qp_ex *qpx;
	struct ibv_qp *qp;
	struct ibv_mr *mr;
	struct ibv_sge sge;
	void *buf;
	int state, err;

	ia.send_cq = ia.recv_cq = cq;
	ia.pd = pd;
	qp = ibv_create_qp_ex(ctx, &ia);
	if (!qp)
		fail(errno, "ibv_create_qp_ex RC with the send ops");
	qpx = ibv_qp_to_qp_ex(qp);
	mr = new_mr(4096, &buf);
	sge = (struct ibv_sge){ (uintptr_t)buf, 64, mr->lkey };
	for (state = IBV_QPS_RESET; state <= IBV_QPS_RTR; state++) {
		struct ibv_send_wr swr = { .wr_id = 1, .sg_list = &sge,
					   .num_sge = 1,
					   .opcode = IBV_WR_SEND }, *bad;
		char what[64];

		err = state == IBV_QPS_RESET ? 0 : modify_to(qp, state);
		if (err)
			fail(err, "RC QP to %s", names[state]);
		snprintf(what, sizeof(what), "ibv_post_send in %s",
			 names[state]);
		err = ibv_post_send(qp, &swr, &bad);
		expect_err(what, err != 0, err, EINVAL);
		ibv_wr_start(qpx);
		qpx->wr_id = 2;
		ibv_wr_send(qpx);
		ibv_wr_set_sge(qpx, sge.lkey, sge.addr, sge.length);
		err = ibv_wr_complete(qpx);
		snprintf(what, sizeof(what), "ibv_wr_complete of a send in %s",
			 names[state]);
		expect_err(what, err != 0, err, EINVAL);
	}
	destroy_qp(qp);
	free_mr(mr, buf);
	check(ibv_destroy_cq(cq), "ibv_destroy_cq");
	return 0;
}

/* A signaled RC QP connected to itself on @cq, in RTS. */
static struct ibv_qp *rc_loop(struct ibv_cq *cq)
{
	struct ibv_qp_cap cap = { .max_send_wr = 8, .max_recv_wr = 8,
				  .max_send_sge = 1, .max_recv_sge = 1 };
	struct ibv_qp *qp = new_qp(IBV_QPT_RC, cq, NULL, &cap, "RC");

	check(to_rts(qp), "RC QP to RTS");
	return qp;
}

/* The completion of the one work request on @cq: its status and opcode. */
static enum ibv_wc_status wait_wc(struct ibv_cq *cq, enum ibv_wc_opcode *op,
				  const char *what)
{
	time_t end = time(NULL) + TIMEOUT_S;
	struct ibv_wc wc;
	int r;

	while (!(r = ibv_poll_cq(cq, 1, &wc)))
		if (time(NULL) > end)
			fail(0, "%s: no completion after %d s", what,
			     TIMEOUT_S);
	if (r < 0)
		fail(0, "%s: ibv_poll_cq failed", what);
	if (op)
		*op = wc.opcode;
	return wc.status;
}

/*
 * Bind @mw over @len bytes at @addr of @mr for @access on @qp, as its
 * type binds (ibv_bind_mw, or a BIND_MW work request with the next key);
 * the status of its completion, the window's rkey in *@rkey.
 */
static enum ibv_wc_status bind_mw(struct ibv_qp *qp, struct ibv_cq *cq,
				  struct ibv_mw *mw, struct ibv_mr *mr,
				  void *addr, size_t len, unsigned int access,
				  uint32_t *rkey, const char *what)
{
	struct ibv_mw_bind_info info = { mr, (uintptr_t)addr, len, access };
	enum ibv_wc_opcode op;
	enum ibv_wc_status st;
	int err;

	if (mw->type == IBV_MW_TYPE_1) {
		struct ibv_mw_bind b = { .wr_id = 7,
					 .send_flags = IBV_SEND_SIGNALED,
					 .bind_info = info };

		err = ibv_bind_mw(qp, mw, &b);
		*rkey = mw->rkey;
	} else {
		struct ibv_send_wr wr = { .wr_id = 7, .opcode = IBV_WR_BIND_MW,
					  .send_flags = IBV_SEND_SIGNALED },
				   *bad;

		wr.bind_mw.mw = mw;
		wr.bind_mw.rkey = ibv_inc_rkey(mw->rkey);
		wr.bind_mw.bind_info = info;
		err = ibv_post_send(qp, &wr, &bad);
		*rkey = wr.bind_mw.rkey;
	}
	if (err)
		fail(err, "%s: posting the bind", what);
	st = wait_wc(cq, &op, what);
	if (st == IBV_WC_SUCCESS && op != IBV_WC_BIND_MW)
		fail(0, "%s: the bind completed as opcode %d, not BIND_MW", what,
		     op);
	/* The next bind of a type 2 window needs a key other than this. */
	if (st == IBV_WC_SUCCESS)
		mw->rkey = *rkey;
	return st;
}

/* RDMA WRITE @len bytes from @src (in @mr) to @raddr with @rkey. */
static enum ibv_wc_status write_to(struct ibv_qp *qp, struct ibv_cq *cq,
				   struct ibv_mr *mr, void *src, size_t len,
				   void *raddr, uint32_t rkey, const char *what)
{
	struct ibv_sge sge = { (uintptr_t)src, len, mr->lkey };
	struct ibv_send_wr wr = { .wr_id = 8, .sg_list = &sge, .num_sge = 1,
				  .opcode = IBV_WR_RDMA_WRITE,
				  .send_flags = IBV_SEND_SIGNALED }, *bad;

	wr.wr.rdma.remote_addr = (uintptr_t)raddr;
	wr.wr.rdma.rkey = rkey;
	check(ibv_post_send(qp, &wr, &bad), what);
	return wait_wc(cq, NULL, what);
}

static void expect_wc(const char *what, enum ibv_wc_status got,
		      enum ibv_wc_status want)
{
	if (got != want)
		fail(0, "%s: completed with %s, not %s", what,
		     ibv_wc_status_str(got), ibv_wc_status_str(want));
	okf("%s: %s", what, ibv_wc_status_str(got));
}

/*
 * Windows over a 64 KiB MR (MW_BIND access; a 4 KiB source MR beside it),
 * each case on a fresh QP, since a failed work request ends its QP.
 */
static int cmd_mw(void)
{
	const unsigned int rw = IBV_ACCESS_LOCAL_WRITE |
				IBV_ACCESS_REMOTE_WRITE;
	struct ibv_cq *cq = new_cq(16);
	struct ibv_mr *mr, *src_mr, *ro;
	char *buf, *src, *robuf;
	struct ibv_mw *mw1, *mw2;
	struct ibv_qp *qp;
	uint32_t key, old;
	int err;

	buf = aligned_alloc(4096, 65536);
	robuf = aligned_alloc(4096, 65536);
	if (!buf || !robuf)
		fail(ENOMEM, "buffers");
	memset(buf, 0, 65536);
	mr = ibv_reg_mr(pd, buf, 65536, IBV_ACCESS_LOCAL_WRITE |
			IBV_ACCESS_MW_BIND);
	if (!mr)
		fail(errno, "ibv_reg_mr with MW_BIND access");
	ro = ibv_reg_mr(pd, robuf, 65536, IBV_ACCESS_MW_BIND);
	if (!ro)
		fail(errno, "ibv_reg_mr read-only with MW_BIND access");
	src_mr = new_mr(4096, (void **)&src);
	fill(src, 4096, 9);
	mw1 = ibv_alloc_mw(pd, IBV_MW_TYPE_1);
	mw2 = ibv_alloc_mw(pd, IBV_MW_TYPE_2);
	if (!mw1 || !mw2)
		fail(errno, "ibv_alloc_mw of types 1 and 2");
	ok("windows of types 1 and 2 allocated");

	/* Type 1 over the MR's second page: in, then out of the window. */
	qp = rc_loop(cq);
	expect_wc("type 1 bind of 8 KiB for remote writes",
		  bind_mw(qp, cq, mw1, mr, buf + 4096, 8192, rw, &key,
			  "type 1 bind"), IBV_WC_SUCCESS);
	expect_wc("4 KiB written through the window",
		  write_to(qp, cq, src_mr, src, 4096, buf + 8192, key,
			   "write in the window"), IBV_WC_SUCCESS);
	if (memcmp(buf + 8192, src, 4096))
		fail(0, "the data written through the window differ");
	ok("the data written through the window arrived");
	/*
	 * Not checked: a write past the window but inside the MR, which
	 * rxe (Linux 6.1) lets through, checking the MR's range only.
	 */

	/* Bound again elsewhere: the new key works, the old one does not. */
	old = key;
	expect_wc("type 1 window bound again, over the MR's last page",
		  bind_mw(qp, cq, mw1, mr, buf + 61440, 4096, rw, &key,
			  "type 1 bind again"), IBV_WC_SUCCESS);
	if (key == old)
		fail(0, "binding again kept the rkey 0x%x", key);
	expect_wc("a write through the new binding",
		  write_to(qp, cq, src_mr, src, 4096, buf + 61440, key,
			   "write after binding again"), IBV_WC_SUCCESS);
	if (memcmp(buf + 61440, src, 4096))
		fail(0, "the data written through the new binding differ");
	expect_wc("a write with the old rkey",
		  write_to(qp, cq, src_mr, src, 64, buf + 8192, old,
			   "write with the old key"), IBV_WC_REM_ACCESS_ERR);
	destroy_qp(qp);

	/* A bound window keeps its MR; unbound (length 0), it lets go. */
	qp = rc_loop(cq);
	err = ibv_dereg_mr(mr);
	if (!err)
		fail(0, "ibv_dereg_mr of an MR a window is bound to succeeded");
	okf("ibv_dereg_mr of an MR a window is bound to fails (%s)",
	    strerror(err));
	expect_wc("type 1 window unbound by a bind of length 0",
		  bind_mw(qp, cq, mw1, mr, buf, 0, 0, &key, "unbind"),
		  IBV_WC_SUCCESS);

	/* Binds rxe refuses, each on a QP of its own. */
	expect_wc("type 2 bind for remote writes over a read-only MR",
		  bind_mw(qp, cq, mw2, ro, robuf, 4096, rw, &key,
			  "writable window over a read-only MR"),
		  IBV_WC_MW_BIND_ERR);
	destroy_qp(qp);
	qp = rc_loop(cq);
	expect_wc("type 2 bind past the MR's end",
		  bind_mw(qp, cq, mw2, mr, buf + 61440, 8192, rw, &key,
			  "window past the MR"), IBV_WC_MW_BIND_ERR);
	destroy_qp(qp);
	qp = rc_loop(cq);
	expect_wc("type 2 bind over an MR without MW_BIND access",
		  bind_mw(qp, cq, mw2, src_mr, src, 64, rw, &key,
			  "window over an MR without MW_BIND"),
		  IBV_WC_MW_BIND_ERR);
	destroy_qp(qp);

	check(ibv_dealloc_mw(mw1), "ibv_dealloc_mw type 1");
	check(ibv_dealloc_mw(mw2), "ibv_dealloc_mw type 2");
	check(ibv_dereg_mr(mr), "ibv_dereg_mr once no window is bound");
	check(ibv_dereg_mr(ro), "ibv_dereg_mr");
	free_mr(src_mr, src);
	free(buf);
	free(robuf);
	check(ibv_destroy_cq(cq), "ibv_destroy_cq");
	return 0;
}

/* What two peers swap over TCP: a QP's address, and where to write. */
struct peer_info {
	uint32_t qpn;
	uint32_t rkey;
	uint64_t addr;
	uint8_t gid[16];
};

/* Swap @mine for the peer's over @fd: the server sends first. */
static void swap_info(int fd, int server, struct peer_info *mine,
		      struct peer_info *theirs)
{
	if (server) {
		tcp_xfer(fd, mine, NULL, sizeof(*mine));
		tcp_xfer(fd, NULL, theirs, sizeof(*theirs));
	} else {
		tcp_xfer(fd, NULL, theirs, sizeof(*theirs));
		tcp_xfer(fd, mine, NULL, sizeof(*mine));
	}
}

/* One step of the exchange: the peer waits for @step, then goes on. */
static void tell(int fd, uint32_t step)
{
	tcp_xfer(fd, &step, NULL, sizeof(step));
}

static void await(int fd, uint32_t step, const char *what)
{
	uint32_t got;

	tcp_xfer(fd, NULL, &got, sizeof(got));
	if (got != step)
		fail(0, "the peer said %u, expected %u (%s)", got, step, what);
}

static struct ibv_ah *ah_to(const uint8_t *dgid)
{
	struct ibv_ah_attr a = {
		.is_global = 1, .port_num = 1,
		.grh = { .sgid_index = gid_index, .hop_limit = 1 },
	};
	struct ibv_ah *ah;

	memcpy(a.grh.dgid.raw, dgid, 16);
	ah = ibv_create_ah(pd, &a);
	if (!ah)
		fail(errno, "ibv_create_ah to the peer's GID");
	return ah;
}

/*
 * rxe (Linux 6.1, rdma-core 44) hands user space the kernel's
 * IB_WC_WITH_INVALIDATE, which libibverbs reads as IBV_WC_IP_CSUM_OK;
 * either says the receive invalidated a key.
 */
#define RXE_WC_WITH_INV		(1 << 2)

enum { MW_KEY = 1, MW_WRITTEN, MW_CHECKED, MW_SENT, MW_REBOUND,
       MW_INVALIDATED, MW_DONE };

/* The server: owns the window, checks what arrives through it. */
static void mw_owner(int fd, struct ibv_qp *qp, struct ibv_cq *cq)
{
	const unsigned int rw = IBV_ACCESS_LOCAL_WRITE |
				IBV_ACCESS_REMOTE_WRITE;
	struct ibv_sge rsge;
	struct ibv_recv_wr rwr = { .wr_id = 1, .sg_list = &rsge,
				   .num_sge = 1 }, *bad_r;
	struct ibv_send_wr inv = { .wr_id = 9, .opcode = IBV_WR_LOCAL_INV,
				   .send_flags = IBV_SEND_SIGNALED }, *bad;
	struct peer_info win = {};
	char *buf, want[4096];
	struct ibv_mr *mr;
	struct ibv_mw *mw;
	struct ibv_wc wc;
	int r;

	buf = aligned_alloc(4096, 65536);
	if (!buf)
		fail(ENOMEM, "a buffer");
	memset(buf, 0, 65536);
	mr = ibv_reg_mr(pd, buf, 65536, IBV_ACCESS_LOCAL_WRITE |
			IBV_ACCESS_MW_BIND);
	if (!mr)
		fail(errno, "ibv_reg_mr with MW_BIND access");
	mw = ibv_alloc_mw(pd, IBV_MW_TYPE_2);
	if (!mw)
		fail(errno, "ibv_alloc_mw type 2");

	expect_wc("type 2 window bound over 8 KiB for the peer",
		  bind_mw(qp, cq, mw, mr, buf + 4096, 8192, rw, &win.rkey,
			  "bind for the peer"), IBV_WC_SUCCESS);
	win.addr = (uintptr_t)buf + 4096;
	/* For the peer's SEND with invalidate, last 64 bytes of the MR. */
	rsge = (struct ibv_sge){ (uintptr_t)buf + 65536 - 64, 64, mr->lkey };
	check(ibv_post_recv(qp, &rwr, &bad_r), "post a receive");
	tell(fd, MW_KEY);
	tcp_xfer(fd, &win, NULL, sizeof(win));

	await(fd, MW_WRITTEN, "the peer wrote through the window");
	fill(want, sizeof(want), 1);
	if (memcmp(buf + 8192, want, sizeof(want)))
		fail(0, "the data the peer wrote through the window differ");
	ok("the peer's write through the window arrived");
	tell(fd, MW_CHECKED);

	await(fd, MW_SENT, "the peer sent with invalidate");
	r = 0;
	{
		time_t end = time(NULL) + TIMEOUT_S;

		while (!(r = ibv_poll_cq(cq, 1, &wc)) && time(NULL) <= end)
			;
	}
	if (r != 1 || wc.status != IBV_WC_SUCCESS || wc.opcode != IBV_WC_RECV)
		fail(0, "the SEND with invalidate: no successful receive (%s)",
		     r == 1 ? ibv_wc_status_str(wc.status) : "none");
	if (!(wc.wc_flags & (IBV_WC_WITH_INV | RXE_WC_WITH_INV)) ||
	    wc.invalidated_rkey != win.rkey)
		fail(0, "the receive does not name the invalidated rkey 0x%x (flags 0x%x, rkey 0x%x)",
		     win.rkey, wc.wc_flags, wc.invalidated_rkey);
	okf("the peer's SEND with invalidate arrived naming rkey 0x%x",
	    win.rkey);

	/* A bound type 2 window cannot be bound again: it was invalidated. */
	expect_wc("the window bound again after the remote invalidation",
		  bind_mw(qp, cq, mw, mr, buf + 4096, 8192, rw, &win.rkey,
			  "bind again"), IBV_WC_SUCCESS);
	tell(fd, MW_REBOUND);
	tcp_xfer(fd, &win, NULL, sizeof(win));
	await(fd, MW_WRITTEN, "the peer wrote through the bound-again window");
	fill(want, sizeof(want), 2);
	if (memcmp(buf + 8192, want, sizeof(want)))
		fail(0, "the data written through the bound-again window differ");
	ok("the peer's write through the bound-again window arrived");

	inv.invalidate_rkey = win.rkey;
	check(ibv_post_send(qp, &inv, &bad), "post LOCAL_INV");
	expect_wc("the window invalidated locally", wait_wc(cq, NULL, "LOCAL_INV"),
		  IBV_WC_SUCCESS);
	tell(fd, MW_INVALIDATED);
	await(fd, MW_DONE, "the peer's write after the invalidation");
	/* The peer's refused write took this QP to ERR as well. */
	check(ibv_dealloc_mw(mw), "ibv_dealloc_mw");
	check(ibv_dereg_mr(mr), "ibv_dereg_mr");
	free(buf);
}

/* The client: writes through the peer's window and invalidates it. */
static void mw_user(int fd, struct ibv_qp *qp, struct ibv_cq *cq,
		    int try_inv)
{
	struct ibv_send_wr swi = { .wr_id = 10,
				   .opcode = IBV_WR_SEND_WITH_INV,
				   .send_flags = IBV_SEND_SIGNALED }, *bad;
	struct peer_info win;
	struct ibv_sge sge;
	struct ibv_mr *mr;
	char *src;

	mr = new_mr(4096, (void **)&src);
	await(fd, MW_KEY, "the peer bound its window");
	tcp_xfer(fd, NULL, &win, sizeof(win));

	if (try_inv) {
		/* On a QP of its own: a failed work request ends its QP. */
		struct ibv_cq *lcq = new_cq(4);
		struct ibv_qp *loop = rc_loop(lcq);
		struct ibv_send_wr inv = { .wr_id = 11,
					   .opcode = IBV_WR_LOCAL_INV,
					   .send_flags = IBV_SEND_SIGNALED };

		inv.invalidate_rkey = win.rkey;
		check(ibv_post_send(loop, &inv, &bad),
		      "post LOCAL_INV of the peer's window");
		expect_wc("LOCAL_INV of another domain's window",
			  wait_wc(lcq, NULL, "LOCAL_INV of the peer's window"),
			  IBV_WC_LOC_QP_OP_ERR);
		destroy_qp(loop);
		check(ibv_destroy_cq(lcq), "ibv_destroy_cq");
	}

	fill(src, 4096, 1);
	expect_wc("4 KiB written through the peer's window",
		  write_to(qp, cq, mr, src, 4096, (char *)win.addr + 4096,
			   win.rkey, "write through the peer's window"),
		  IBV_WC_SUCCESS);
	tell(fd, MW_WRITTEN);
	await(fd, MW_CHECKED, "the peer checked the data");

	sge = (struct ibv_sge){ (uintptr_t)src, 64, mr->lkey };
	swi.sg_list = &sge;
	swi.num_sge = 1;
	swi.invalidate_rkey = win.rkey;
	check(ibv_post_send(qp, &swi, &bad), "post SEND_WITH_INV");
	expect_wc("SEND with invalidate of the peer's window",
		  wait_wc(cq, NULL, "SEND_WITH_INV"), IBV_WC_SUCCESS);
	tell(fd, MW_SENT);

	await(fd, MW_REBOUND, "the peer bound its window again");
	tcp_xfer(fd, NULL, &win, sizeof(win));
	fill(src, 4096, 2);
	expect_wc("4 KiB written through the bound-again window",
		  write_to(qp, cq, mr, src, 4096, (char *)win.addr + 4096,
			   win.rkey, "write through the bound-again window"),
		  IBV_WC_SUCCESS);
	tell(fd, MW_WRITTEN);

	await(fd, MW_INVALIDATED, "the peer invalidated its window");
	expect_wc("a write through the invalidated window",
		  write_to(qp, cq, mr, src, 64, (char *)win.addr + 4096,
			   win.rkey, "write after the invalidation"),
		  IBV_WC_REM_ACCESS_ERR);
	tell(fd, MW_DONE);
	free_mr(mr, src);
}

static int cmd_mw_peer(const char *host, int try_inv)
{
	struct ibv_qp_cap cap = { .max_send_wr = 8, .max_recv_wr = 8,
				  .max_send_sge = 1, .max_recv_sge = 1 };
	struct peer_info me = {}, peer;
	struct ibv_cq *cq = new_cq(16);
	struct ibv_qp *qp;
	int fd;

	qp = new_qp(IBV_QPT_RC, cq, NULL, &cap, "RC");
	check(modify_to(qp, IBV_QPS_INIT), "RC QP to INIT");
	me.qpn = qp->qp_num;
	memcpy(me.gid, gid.raw, 16);
	fd = tcp_pair(host, port);
	swap_info(fd, !host, &me, &peer);
	rc_connect(qp, peer.qpn, peer.gid, gid_index, PSN, 14, 7);
	if (host)
		mw_user(fd, qp, cq, try_inv);
	else
		mw_owner(fd, qp, cq);
	close(fd);
	destroy_qp(qp);
	check(ibv_destroy_cq(cq), "ibv_destroy_cq");
	return 0;
}

/*
 * A receive posted, then the peer told over TCP, which sends: natively
 * the datagram always finds it.  xenib's backend sees a receive only at
 * its engine's next look (docs/decisions.md), so the server prints how
 * many of @rounds datagrams found none, and fails if more than
 * ud_max_lost did.  The client waits ud_wait_us before each send.
 */
static int cmd_ud_peer(int rounds, const char *host)
{
	struct ibv_qp_cap cap = { .max_send_wr = 4, .max_recv_wr = 64,
				  .max_send_sge = 1, .max_recv_sge = 1 };
	struct peer_info me = {}, peer;
	struct ibv_cq *cq = new_cq(128);
	struct ibv_ah *ah = NULL;
	struct ibv_sge sge;
	struct ibv_mr *mr;
	struct ibv_qp *qp;
	struct ibv_wc wc;
	int i, fd, got = 0, lost = 0, outstanding = 0;
	double t0, oob = 0;
	void *buf;

	qp = new_qp(IBV_QPT_UD, cq, NULL, &cap, "UD");
	check(to_rts(qp), "UD QP to RTS");
	mr = new_mr(4096, &buf);
	me.qpn = qp->qp_num;
	memcpy(me.gid, gid.raw, 16);
	fd = tcp_pair(host, port);
	swap_info(fd, !host, &me, &peer);
	if (host)
		ah = ah_to(peer.gid);
	for (i = 0; i < rounds; i++) {
		if (host) {
			struct ibv_send_wr swr = { .wr_id = i, .sg_list = &sge,
						   .num_sge = 1,
						   .opcode = IBV_WR_SEND,
						   .send_flags =
							IBV_SEND_SIGNALED },
					   *bad_s;

			await(fd, i, "the peer posted a receive");
			if (ud_wait_us)
				usleep(ud_wait_us);
			memcpy(buf, &i, sizeof(i));
			sge = (struct ibv_sge){ (uintptr_t)buf, 64, mr->lkey };
			swr.wr.ud.ah = ah;
			swr.wr.ud.remote_qpn = peer.qpn;
			swr.wr.ud.remote_qkey = QKEY;
			check(ibv_post_send(qp, &swr, &bad_s),
			      "post a UD send");
			poll_n(cq, 1, "the UD send");
			tell(fd, i);
		} else {
			struct ibv_recv_wr rwr = { .wr_id = i, .sg_list = &sge,
						   .num_sge = 1 }, *bad_r;
			double end;
			int r;

			sge = (struct ibv_sge){ (uintptr_t)buf + 2048,
						40 + 64, mr->lkey };
			check(ibv_post_recv(qp, &rwr, &bad_r),
			      "post a UD receive");
			outstanding++;
			t0 = now_s();
			tell(fd, i);
			await(fd, i, "the peer sent");
			oob += now_s() - t0;
			/* Well past the datagram, which came before the word. */
			end = now_s() + 0.5;
			while (!(r = ibv_poll_cq(cq, 1, &wc)) && now_s() < end)
				;
			if (r < 0 || (r && wc.status != IBV_WC_SUCCESS))
				fail(0, "UD round %d: a failed receive", i);
			if (r) {
				got++;
				outstanding--;
			} else {
				if (!lost++)
					printf("ud-peer: round %d is the first whose datagram found no receive\n",
					       i);
			}
			/* Keep the receive queue from filling with spares. */
			if (outstanding >= 32)
				fail(0, "%d datagrams lost of %d", lost, i + 1);
		}
	}
	if (!host) {
		int late = 0;
		double end = now_s() + 2;

		/* A completion later than a round's wait is late, not lost. */
		while (late < lost && now_s() < end) {
			int r = ibv_poll_cq(cq, 1, &wc);

			if (r < 0 || (r && wc.status != IBV_WC_SUCCESS))
				fail(0, "%s", "a failed late receive");
			late += r;
		}
		if (late)
			printf("ud-peer: %d completions came after their round's 0.5 s\n",
			       late);
		lost -= late;
		printf("ud-peer: %d rounds, sender waiting %u us: %d datagrams found their receive, %d found none; out-of-band round trip %.0f us on average\n",
		       rounds, ud_wait_us, got + late, lost, oob / rounds * 1e6);
		if (ud_max_lost >= 0 && lost > ud_max_lost)
			fail(0, "%d of %d datagrams found no receive, more than %d",
			     lost, rounds, ud_max_lost);
		if (ud_max_lost >= 0)
			okf("%d of %d datagrams found no receive posted before the peer was told to send (at most %d may)",
			    lost, rounds, ud_max_lost);
	} else {
		check(ibv_destroy_ah(ah), "ibv_destroy_ah");
	}
	close(fd);
	destroy_qp(qp);
	free_mr(mr, buf);
	check(ibv_destroy_cq(cq), "ibv_destroy_cq");
	return 0;
}

/*
 * A peer that stops answering fails an RC sender's work request with
 * "retry exceeded" once @RETRY_CNT retries of the ACK timeout are spent
 * (rxe, like the IB spec for RNR, takes seven to mean for ever, which is
 * what the tools ask for).  The timeout is 1 s, not rc_connect's usual
 * 67 ms: under emulation a loaded path can take longer than that to
 * answer, and one spurious timeout must not end the connection early.
 */
#define RETRY_CNT		1
#define RETRY_ACK_TIMEOUT	18	/* 4.096 us << 18: 1.07 s */
#define RETRY_GAP_US		200000
#define RETRY_RECVS		32

static void post_recvs(struct ibv_qp *qp, struct ibv_mr *mr, void *buf,
		       int n)
{
	struct ibv_sge sge = { (uintptr_t)buf, 64, mr->lkey };
	struct ibv_recv_wr wr = { .sg_list = &sge, .num_sge = 1 }, *bad;

	while (n--)
		check(ibv_post_recv(qp, &wr, &bad), "post a receive");
}

static int cmd_rc_retry(unsigned int secs, const char *host)
{
	struct ibv_qp_cap cap = { .max_send_wr = 4,
				  .max_recv_wr = RETRY_RECVS,
				  .max_send_sge = 1, .max_recv_sge = 1 };
	struct peer_info me = {}, peer;
	struct ibv_cq *cq = new_cq(2 * RETRY_RECVS);
	enum ibv_wc_status st = IBV_WC_SUCCESS;
	double end, last_ok;
	struct ibv_mr *mr;
	struct ibv_qp *qp;
	struct ibv_wc wc;
	int fd, n = 0, r;
	void *buf;

	qp = new_qp(IBV_QPT_RC, cq, NULL, &cap, "RC");
	check(modify_to(qp, IBV_QPS_INIT), "RC QP to INIT");
	mr = new_mr(4096, &buf);
	me.qpn = qp->qp_num;
	memcpy(me.gid, gid.raw, 16);
	fd = tcp_pair(host, port);
	if (!host)
		post_recvs(qp, mr, buf, RETRY_RECVS);
	swap_info(fd, !host, &me, &peer);
	rc_connect(qp, peer.qpn, peer.gid, gid_index, PSN, RETRY_ACK_TIMEOUT,
		   RETRY_CNT);
	if (!host) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char c;

		/* Until the client closes the connection. */
		while (!poll(&pfd, 1, 100) || read(fd, &c, 1) > 0) {
			while ((r = ibv_poll_cq(cq, 1, &wc)) > 0) {
				if (wc.status != IBV_WC_SUCCESS)
					fail(0, "a receive failed: %s",
					     ibv_wc_status_str(wc.status));
				post_recvs(qp, mr, buf, 1);
				n++;
			}
			if (r < 0)
				fail(0, "%s", "ibv_poll_cq failed");
		}
		printf("rc-retry: %d messages received\n", n);
	} else {
		struct ibv_sge sge = { (uintptr_t)buf, 64, mr->lkey };
		struct ibv_send_wr wr = { .sg_list = &sge, .num_sge = 1,
					  .opcode = IBV_WR_SEND,
					  .send_flags = IBV_SEND_SIGNALED },
				   *bad;

		end = now_s() + secs;
		last_ok = now_s();
		while (now_s() < end) {
			check(ibv_post_send(qp, &wr, &bad), "post a send");
			st = wait_wc(cq, NULL, "a send");
			if (st != IBV_WC_SUCCESS)
				break;
			last_ok = now_s();
			/* The test breaks the path only after this line. */
			if (!n++) {
				printf("rc-retry: the first send completed\n");
				fflush(stdout);
			}
			usleep(RETRY_GAP_US);
		}
		if (st == IBV_WC_SUCCESS)
			fail(0, "%d sends in %u s and none failed", n, secs);
		printf("rc-retry: %d sends completed, then one failed %.1f s after the last success: %s\n",
		       n, now_s() - last_ok, ibv_wc_status_str(st));
		expect_wc("a send to a peer that stopped answering", st,
			  IBV_WC_RETRY_EXC_ERR);
	}
	close(fd);
	destroy_qp(qp);
	free_mr(mr, buf);
	check(ibv_destroy_cq(cq), "ibv_destroy_cq");
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: xenib-conform [-d DEV] limits [MB] | ud-order N | post-state\n"
		"                     | reg MB N | mw\n"
		"       xenib-conform [-d DEV] [-p PORT] [-i] mw-peer [HOST]\n"
		"       xenib-conform [-d DEV] [-p PORT] [-w US] [-m MAX] ud-peer N [HOST]\n"
		"       xenib-conform [-d DEV] [-p PORT] rc-retry SECS [HOST]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *dev = NULL, *cmd;
	int opt, ret, nargs, try_inv = 0;

	while ((opt = getopt(argc, argv, "d:p:iw:m:")) != -1) {
		if (opt == 'd')
			dev = optarg;
		else if (opt == 'p')
			port = optarg;
		else if (opt == 'i')
			try_inv = 1;
		else if (opt == 'w')
			ud_wait_us = atoi(optarg);
		else if (opt == 'm')
			ud_max_lost = atoi(optarg);
		else
			usage();
	}
	if (optind >= argc)
		usage();
	cmd = argv[optind];
	nargs = argc - optind - 1;
	ctx = open_dev(dev);
	query_env();
	if (!strcmp(cmd, "limits"))
		ret = cmd_limits((size_t)(nargs > 0 ? atoi(argv[optind + 1]) :
					  16) << 20);
	else if (!strcmp(cmd, "ud-order") && nargs > 0)
		ret = cmd_ud_order(atoi(argv[optind + 1]));
	else if (!strcmp(cmd, "post-state"))
		ret = cmd_post_state();
	else if (!strcmp(cmd, "mw"))
		ret = cmd_mw();
	else if (!strcmp(cmd, "mw-peer"))
		ret = cmd_mw_peer(nargs > 0 ? argv[optind + 1] : NULL, try_inv);
	else if (!strcmp(cmd, "ud-peer") && nargs > 0)
		ret = cmd_ud_peer(atoi(argv[optind + 1]),
				  nargs > 1 ? argv[optind + 2] : NULL);
	else if (!strcmp(cmd, "rc-retry") && nargs > 0)
		ret = cmd_rc_retry(atoi(argv[optind + 1]),
				   nargs > 1 ? argv[optind + 2] : NULL);
	else if (!strcmp(cmd, "reg") && nargs > 1)
		ret = cmd_reg(atoi(argv[optind + 1]), atoi(argv[optind + 2]));
	else
		usage();
	check(ibv_dealloc_pd(pd), "ibv_dealloc_pd");
	if (ibv_close_device(ctx))
		die("%s", "ibv_close_device", errno);
	return ret;
}
