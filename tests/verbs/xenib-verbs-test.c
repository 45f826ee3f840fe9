// SPDX-License-Identifier: GPL-2.0
/*
 * xenib-verbs-test: the privileged verbs, through the system libibverbs and
 * the stock rxe provider, on a guest's xenib device (or, for comparison, on
 * any RDMA device).  Each subcommand prints "ok: ..." per check and exits
 * non-zero at the first failure, saying what was expected.  The errors
 * checked for are those native Soft-RoCE (rxe, Linux 6.1) returns.
 *
 *   xenib-verbs-test [-d DEV] query           device, port, GID and P_Key
 *   xenib-verbs-test [-d DEV] pd [N]          N PDs allocated and released
 *   xenib-verbs-test [-d DEV] pd-quota MAX    the (MAX+1)th PD fails with
 *                                             ENOMEM, and one freed is
 *                                             available again
 *   xenib-verbs-test [-d DEV] hold-pd N SECS  keep N PDs for SECS seconds
 *                                             (for checks from outside)
 *   xenib-verbs-test [-d DEV] cq              CQs of 1, 100 and max_cqe
 *                                             entries, with and without a
 *                                             completion channel, resized,
 *                                             and the invalid ones
 *   xenib-verbs-test [-d DEV] qp              RC QP connected to itself
 *                                             RESET -> INIT -> RTR -> RTS ->
 *                                             ERR -> RESET, UD QP to RTS,
 *                                             invalid QPs and transitions
 *   xenib-verbs-test [-d DEV] srq             SRQ: query, srq_limit, a QP on
 *                                             it, the invalid ones
 *   xenib-verbs-test [-d DEV] ah              AH to the own RoCE v2 GID, and
 *                                             the invalid ones
 *   xenib-verbs-test [-d DEV] hold-objs SECS  keep a PD, 2 CQs, an RC and a
 *                                             UD QP in RTS, an SRQ and an AH
 *                                             for SECS seconds
 *   xenib-verbs-test [-d DEV] mr              MRs of 1 byte to 16 MiB, page
 *                                             aligned or not, with each
 *                                             kind of access, and the
 *                                             invalid ones
 *   xenib-verbs-test [-d DEV] hold-mr MB SECS keep an MR of MB MiB for SECS
 *                                             seconds
 *   xenib-verbs-test [-d DEV] quota TYPE MAX  TYPE cq, qp, srq, ah or mr (of
 *                                             4 KiB each): the (MAX+1)th
 *                                             fails with ENOMEM, and one
 *                                             freed is available again
 *
 * The data path, two RC QPs of the process connected to each other:
 *
 *   xenib-verbs-test [-d DEV] ops             RDMA WRITE, SEND (inline,
 *                                             with immediate), WRITE with
 *                                             immediate, READ, unsignaled
 *                                             work, atomics: order, data,
 *                                             completion fields
 *   xenib-verbs-test [-d DEV] flush           receives flushed in order by
 *                                             ERR; sends posted in ERR
 *   xenib-verbs-test [-d DEV] sqfull          a send queue that fills fails
 *                                             with ENOMEM, drains in order
 *   xenib-verbs-test [-d DEV] badkey          a bad lkey: LOC_PROT_ERR, ERR
 *   xenib-verbs-test [-d DEV] events          completion channel events,
 *                                             any and solicited-only
 *   xenib-verbs-test [-d DEV] stream SECS     traffic for SECS seconds (0:
 *                                             until killed)
 *   xenib-verbs-test [-d DEV] async SECS      print the asynchronous events
 *                                             of SECS seconds
 *   xenib-verbs-test [-d DEV] many N          N CQs and N RC QPs, each QP
 *                                             on its own CQ, moved to RTS
 *                                             connected to itself, each
 *                                             sending one message to
 *                                             itself; how long creating,
 *                                             connecting, using and
 *                                             destroying them took
 *   xenib-verbs-test [-d DEV] hostile         xenib only: garbage in the
 *                                             process's own send queue
 *                                             ring, a producer index off
 *                                             the ring, a doorbell storm
 *
 * Isolation and addresses:
 *
 *   xenib-verbs-test [-d DEV] victim SECS     an MR with a pattern, its
 *                                             address and keys printed,
 *                                             checked unchanged after SECS
 *   xenib-verbs-test [-d DEV] attack ADDR LKEY RKEY
 *                                             another PD's keys used in
 *                                             an SGE, an RDMA WRITE, READ
 *                                             and atomic: each must fail
 *   xenib-verbs-test [-d DEV] send-from GID_INDEX allowed|refused
 *                                             an AH and an RC path from
 *                                             that GID: both work, or both
 *                                             fail with EACCES
 *
 * The subcommands' table at the end lists them with their arguments.
 */
#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>
#include <sys/mman.h>
#include <infiniband/verbs.h>
#include <rdma/ib_user_verbs.h>
#include "testlib.h"

static const char *test_dev_name;

static int cmd_query(struct ibv_context *ctx)
{
	struct ibv_device_attr dattr;
	struct ibv_port_attr pattr, p2;
	union ibv_gid gid;
	__be16 pkey;
	int err;

	err = ibv_query_device(ctx, &dattr);
	if (err)
		die("%s", "ibv_query_device", err);
	if (dattr.phys_port_cnt != 1 || !dattr.max_qp || !dattr.max_pd)
		die("%s", "implausible device attributes", 0);
	ok("ibv_query_device");

	err = ibv_query_port(ctx, 1, &pattr);
	if (err)
		die("%s", "ibv_query_port 1", err);
	if (pattr.state != IBV_PORT_ACTIVE)
		die("%s", "port 1 is not active", 0);
	ok("ibv_query_port 1: active");
	if (ibv_query_port(ctx, 2, &p2) == 0)
		die("%s", "ibv_query_port 2 succeeded on a one-port device", 0);
	ok("ibv_query_port 2 fails");

	if (ibv_query_gid(ctx, 1, 0, &gid))
		die("%s", "ibv_query_gid 1/0", errno);
	if (gid.global.subnet_prefix == 0 && gid.global.interface_id == 0)
		die("%s", "GID 0 is empty", 0);
	ok("ibv_query_gid 0 is set");

	if (ibv_query_pkey(ctx, 1, 0, &pkey))
		die("%s", "ibv_query_pkey 1/0", errno);
	if (pkey != htobe16(0xffff))
		die("%s", "P_Key 0 is not the default 0xffff", 0);
	ok("ibv_query_pkey 0 is 0xffff");
	if (ibv_query_pkey(ctx, 1, pattr.pkey_tbl_len, &pkey) == 0)
		die("%s", "ibv_query_pkey beyond the table succeeded", 0);
	ok("ibv_query_pkey beyond the table fails");
	return 0;
}

static struct ibv_pd **alloc_pds(struct ibv_context *ctx, int n)
{
	struct ibv_pd **pds = calloc(n, sizeof(*pds));
	int i;

	if (!pds)
		die("%s", "calloc", errno);
	for (i = 0; i < n; i++) {
		pds[i] = ibv_alloc_pd(ctx);
		if (!pds[i])
			die("%s", "ibv_alloc_pd", errno);
	}
	return pds;
}

static void dealloc_pds(struct ibv_pd **pds, int n)
{
	int i, err;

	for (i = 0; i < n; i++) {
		err = ibv_dealloc_pd(pds[i]);
		if (err)
			die("%s", "ibv_dealloc_pd", err);
	}
	free(pds);
}

static int cmd_pd(struct ibv_context *ctx, int n)
{
	dealloc_pds(alloc_pds(ctx, n), n);
	ok("PDs allocated and released");
	return 0;
}

static int cmd_pd_quota(struct ibv_context *ctx, int max)
{
	struct ibv_pd **pds = alloc_pds(ctx, max), *extra;

	ok("PDs up to the quota allocated");
	extra = ibv_alloc_pd(ctx);
	if (extra)
		die("%s", "a PD beyond the quota was allocated", 0);
	if (errno != ENOMEM)
		die("%s", "a PD beyond the quota failed, but not with ENOMEM",
		    errno);
	ok("the PD beyond the quota fails with ENOMEM");
	if (ibv_dealloc_pd(pds[max - 1]))
		die("%s", "ibv_dealloc_pd", errno);
	pds[max - 1] = ibv_alloc_pd(ctx);
	if (!pds[max - 1])
		die("%s", "a PD freed under the quota is not available again",
		    errno);
	ok("a released PD can be allocated again");
	dealloc_pds(pds, max);
	return 0;
}

static int cmd_hold_pd(struct ibv_context *ctx, int n, int secs)
{
	struct ibv_pd **pds = alloc_pds(ctx, n);

	ok("PDs allocated, holding them");
	sleep(secs);
	dealloc_pds(pds, n);
	return 0;
}

/*
 * Shared set-up of the CQ, QP, SRQ and AH tests.
 */

#define QP_WR		16
#define QP_INLINE	64
#define QP_QKEY		0x11111111
#define QP_RQ_PSN	0x1234
#define QP_SQ_PSN	0x5678
#define QP_ACCESS	(IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ | \
			 IBV_ACCESS_REMOTE_ATOMIC)
#define SRQ_WR		64
#define SRQ_SGE		2

static struct ibv_device_attr dattr;
static struct ibv_port_attr pattr;
static union ibv_gid own_gid;		/* port 1's RoCE v2 GID */
static int own_gid_index = -1;

static int gid_is_link_local(const union ibv_gid *gid)
{
	return gid->raw[0] == 0xfe && (gid->raw[1] & 0xc0) == 0x80;
}

/*
 * Device and port 1 attributes, and port 1's RoCE v2 GID: the one of an IPv6
 * link-local address if there is one (its MAC follows from the address, no
 * neighbour resolution needed), else the first.
 */
static void query_env(struct ibv_context *ctx)
{
	struct ibv_gid_entry entry;
	int i, err;

	check(ibv_query_device(ctx, &dattr), "ibv_query_device");
	check(ibv_query_port(ctx, 1, &pattr), "ibv_query_port 1");
	for (i = 0; i < pattr.gid_tbl_len; i++) {
		err = ibv_query_gid_ex(ctx, 1, i, &entry, 0);
		if (err == ENODATA)
			continue;	/* empty entry */
		if (err)
			fail(err, "ibv_query_gid_ex port 1 index %d", i);
		if (entry.gid_type != IBV_GID_TYPE_ROCE_V2)
			continue;
		if (own_gid_index < 0 || gid_is_link_local(&entry.gid)) {
			own_gid = entry.gid;
			own_gid_index = i;
		}
		if (gid_is_link_local(&entry.gid))
			break;
	}
	if (own_gid_index < 0)
		die("%s", "port 1 has no RoCE v2 GID", 0);
	okf("port 1's RoCE v2 GID is index %d", own_gid_index);
}

static struct ibv_pd *new_pd(struct ibv_context *ctx)
{
	struct ibv_pd *pd = ibv_alloc_pd(ctx);

	if (!pd)
		die("%s", "ibv_alloc_pd", errno);
	return pd;
}

static struct ibv_cq *new_cq(struct ibv_context *ctx, int cqe,
			     struct ibv_comp_channel *channel)
{
	struct ibv_cq *cq = ibv_create_cq(ctx, cqe, NULL, channel, 0);

	if (!cq)
		fail(errno, "ibv_create_cq with %d entries%s", cqe,
		     channel ? " and a completion channel" : "");
	if (cq->cqe < cqe)
		fail(0, "ibv_create_cq with %d entries made one of %d",
		     cqe, cq->cqe);
	if (cq->channel != channel)
		fail(0, "ibv_create_cq: the CQ's channel is not the one given");
	return cq;
}

static const char *qp_type_name(enum ibv_qp_type type)
{
	switch (type) {
	case IBV_QPT_RC:
		return "RC";
	case IBV_QPT_UC:
		return "UC";
	case IBV_QPT_UD:
		return "UD";
	default:
		return "?";
	}
}

static void qp_init_attr(struct ibv_qp_init_attr *ia, enum ibv_qp_type type,
			 struct ibv_cq *cq, struct ibv_srq *srq)
{
	memset(ia, 0, sizeof(*ia));
	ia->qp_type = type;
	ia->send_cq = cq;
	ia->recv_cq = cq;
	ia->srq = srq;
	ia->cap.max_send_wr = QP_WR;
	ia->cap.max_send_sge = 1;
	ia->cap.max_inline_data = QP_INLINE;
	if (!srq) {
		ia->cap.max_recv_wr = QP_WR;
		ia->cap.max_recv_sge = 1;
	}
}

static void check_qp_cap(const struct ibv_qp_cap *got,
			 const struct ibv_qp_cap *want, const char *what)
{
	if (got->max_send_wr < want->max_send_wr ||
	    got->max_send_sge < want->max_send_sge ||
	    got->max_recv_wr < want->max_recv_wr ||
	    got->max_recv_sge < want->max_recv_sge ||
	    got->max_inline_data < want->max_inline_data)
		fail(0, "%s: capabilities %u/%u send wr/sge, %u/%u recv wr/sge, %u inline are below the %u/%u, %u/%u, %u requested",
		     what, got->max_send_wr, got->max_send_sge,
		     got->max_recv_wr, got->max_recv_sge, got->max_inline_data,
		     want->max_send_wr, want->max_send_sge, want->max_recv_wr,
		     want->max_recv_sge, want->max_inline_data);
}

/* a QP of @type on @cq (send and receive), on @srq if not NULL */
static struct ibv_qp *new_qp(struct ibv_pd *pd, enum ibv_qp_type type,
			     struct ibv_cq *cq, struct ibv_srq *srq)
{
	struct ibv_qp_init_attr ia, want;
	struct ibv_qp *qp;

	qp_init_attr(&ia, type, cq, srq);
	want = ia;
	qp = ibv_create_qp(pd, &ia);
	if (!qp)
		fail(errno, "ibv_create_qp %s", qp_type_name(type));
	check_qp_cap(&ia.cap, &want.cap, "ibv_create_qp");
	if (qp->qp_type != type || qp->pd != pd || qp->send_cq != cq ||
	    qp->recv_cq != cq || qp->srq != srq || qp->state != IBV_QPS_RESET)
		fail(0, "ibv_create_qp %s: the QP's type, PD, CQs, SRQ or state are not as created",
		     qp_type_name(type));
	return qp;
}

static struct ibv_srq *new_srq(struct ibv_pd *pd)
{
	struct ibv_srq_init_attr ia = {
		.attr = { .max_wr = SRQ_WR, .max_sge = SRQ_SGE },
	};
	struct ibv_srq *srq = ibv_create_srq(pd, &ia);

	if (!srq)
		fail(errno, "ibv_create_srq with max_wr %d, max_sge %d",
		     SRQ_WR, SRQ_SGE);
	if (ia.attr.max_wr < SRQ_WR || ia.attr.max_sge < SRQ_SGE)
		fail(0, "ibv_create_srq with max_wr %d, max_sge %d made max_wr %u, max_sge %u",
		     SRQ_WR, SRQ_SGE, ia.attr.max_wr, ia.attr.max_sge);
	return srq;
}

/* an address vector to the own RoCE v2 GID */
static void own_ah_attr(struct ibv_ah_attr *ah)
{
	memset(ah, 0, sizeof(*ah));
	ah->is_global = 1;
	ah->grh.dgid = own_gid;
	ah->grh.sgid_index = own_gid_index;
	ah->grh.hop_limit = 1;
	ah->port_num = 1;
}

static struct ibv_ah *new_ah(struct ibv_pd *pd)
{
	struct ibv_ah_attr attr;
	struct ibv_ah *ah;

	own_ah_attr(&attr);
	ah = ibv_create_ah(pd, &attr);
	if (!ah)
		fail(errno, "ibv_create_ah to the own GID (index %d)",
		     own_gid_index);
	return ah;
}

static const char *qp_state_name(enum ibv_qp_state state)
{
	static const char *const names[] = {
		[IBV_QPS_RESET] = "RESET", [IBV_QPS_INIT] = "INIT",
		[IBV_QPS_RTR] = "RTR", [IBV_QPS_RTS] = "RTS",
		[IBV_QPS_SQD] = "SQD", [IBV_QPS_SQE] = "SQE",
		[IBV_QPS_ERR] = "ERR",
	};

	if ((unsigned int)state < sizeof(names) / sizeof(names[0]))
		return names[state];
	return "?";
}

/*
 * ibv_query_qp: the attributes in @mask must be those of @want; the
 * init_attr those the QP was created with.
 */
static void check_qp_query(struct ibv_qp *qp, const struct ibv_qp_attr *want,
			   int mask, const char *what)
{
	struct ibv_qp_init_attr ia, req;
	struct ibv_qp_attr got;
	const char *bad = NULL;

	memset(&got, 0, sizeof(got));
	memset(&ia, 0, sizeof(ia));
	check(ibv_query_qp(qp, &got, mask | IBV_QP_STATE | IBV_QP_CAP, &ia),
	      "ibv_query_qp");
	if (got.qp_state != want->qp_state)
		fail(0, "%s: ibv_query_qp shows state %s, expected %s", what,
		     qp_state_name(got.qp_state),
		     qp_state_name(want->qp_state));
#define QP_FIELD(m, field)						\
	do {								\
		if ((mask & (m)) && got.field != want->field && !bad)	\
			bad = #field;					\
	} while (0)
	QP_FIELD(IBV_QP_PKEY_INDEX, pkey_index);
	QP_FIELD(IBV_QP_PORT, port_num);
	QP_FIELD(IBV_QP_QKEY, qkey);
	QP_FIELD(IBV_QP_ACCESS_FLAGS, qp_access_flags);
	QP_FIELD(IBV_QP_PATH_MTU, path_mtu);
	QP_FIELD(IBV_QP_DEST_QPN, dest_qp_num);
	QP_FIELD(IBV_QP_RQ_PSN, rq_psn);
	QP_FIELD(IBV_QP_SQ_PSN, sq_psn);
	QP_FIELD(IBV_QP_MAX_DEST_RD_ATOMIC, max_dest_rd_atomic);
	QP_FIELD(IBV_QP_MAX_QP_RD_ATOMIC, max_rd_atomic);
	QP_FIELD(IBV_QP_MIN_RNR_TIMER, min_rnr_timer);
	QP_FIELD(IBV_QP_TIMEOUT, timeout);
	QP_FIELD(IBV_QP_RETRY_CNT, retry_cnt);
	QP_FIELD(IBV_QP_RNR_RETRY, rnr_retry);
	QP_FIELD(IBV_QP_AV, ah_attr.is_global);
	QP_FIELD(IBV_QP_AV, ah_attr.grh.sgid_index);
#undef QP_FIELD
	if ((mask & IBV_QP_AV) && !bad &&
	    memcmp(&got.ah_attr.grh.dgid, &want->ah_attr.grh.dgid,
		   sizeof(union ibv_gid)))
		bad = "ah_attr.grh.dgid";
	if (bad)
		fail(0, "%s: ibv_query_qp shows another %s than was set",
		     what, bad);

	qp_init_attr(&req, qp->qp_type, qp->send_cq, qp->srq);
	if (ia.qp_type != qp->qp_type || ia.send_cq != qp->send_cq ||
	    ia.recv_cq != qp->recv_cq || ia.srq != qp->srq || ia.sq_sig_all)
		fail(0, "%s: ibv_query_qp's init_attr is not the one the QP was created with",
		     what);
	check_qp_cap(&ia.cap, &req.cap, "ibv_query_qp init_attr");
	check_qp_cap(&got.cap, &req.cap, "ibv_query_qp attr");
}

/* ibv_modify_qp, then ibv_query_qp must show what was set */
static void modify_qp(struct ibv_qp *qp, struct ibv_qp_attr *attr, int mask)
{
	char what[64];

	snprintf(what, sizeof(what), "%s QP %s -> %s",
		 qp_type_name(qp->qp_type), qp_state_name(qp->state),
		 qp_state_name(attr->qp_state));
	check(ibv_modify_qp(qp, attr, mask), what);
	check_qp_query(qp, attr, mask, what);
	okf("%s, ibv_query_qp shows it", what);
}

static void init_attr(struct ibv_qp *qp, struct ibv_qp_attr *a, int *mask)
{
	memset(a, 0, sizeof(*a));
	a->qp_state = IBV_QPS_INIT;
	a->pkey_index = 0;
	a->port_num = 1;
	*mask = IBV_QP_STATE | IBV_QP_PKEY_INDEX | IBV_QP_PORT;
	if (qp->qp_type == IBV_QPT_UD) {
		a->qkey = QP_QKEY;
		*mask |= IBV_QP_QKEY;
	} else {
		a->qp_access_flags = QP_ACCESS;
		*mask |= IBV_QP_ACCESS_FLAGS;
	}
}

/* RTR; a connected QP is connected to itself */
static void rtr_attr(struct ibv_qp *qp, struct ibv_qp_attr *a, int *mask)
{
	memset(a, 0, sizeof(*a));
	a->qp_state = IBV_QPS_RTR;
	*mask = IBV_QP_STATE;
	if (qp->qp_type == IBV_QPT_UD)
		return;
	a->path_mtu = IBV_MTU_1024;
	a->dest_qp_num = qp->qp_num;
	a->rq_psn = QP_RQ_PSN;
	own_ah_attr(&a->ah_attr);
	*mask |= IBV_QP_AV | IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
		 IBV_QP_RQ_PSN;
	if (qp->qp_type == IBV_QPT_RC) {
		a->max_dest_rd_atomic = 1;
		a->min_rnr_timer = 12;
		*mask |= IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER;
	}
}

static void rts_attr(struct ibv_qp *qp, struct ibv_qp_attr *a, int *mask)
{
	memset(a, 0, sizeof(*a));
	a->qp_state = IBV_QPS_RTS;
	a->sq_psn = QP_SQ_PSN;
	*mask = IBV_QP_STATE | IBV_QP_SQ_PSN;
	if (qp->qp_type == IBV_QPT_RC) {
		a->timeout = 14;
		a->retry_cnt = 7;
		a->rnr_retry = 7;
		a->max_rd_atomic = 1;
		*mask |= IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
			 IBV_QP_MAX_QP_RD_ATOMIC;
	}
}

/* RESET -> INIT -> RTR -> RTS (a connected QP connected to itself) */
static void qp_to_rts(struct ibv_qp *qp)
{
	struct ibv_qp_attr a;
	int mask;

	init_attr(qp, &a, &mask);
	modify_qp(qp, &a, mask);
	rtr_attr(qp, &a, &mask);
	modify_qp(qp, &a, mask);
	rts_attr(qp, &a, &mask);
	modify_qp(qp, &a, mask);
}

/*
 * cq
 */

static int cmd_cq(struct ibv_context *ctx)
{
	const int sizes[] = { 1, 100, dattr.max_cqe };
	struct ibv_cq *cqs[2][3], *cq;
	struct ibv_comp_channel *ch;
	struct ibv_wc wc;
	int i, j, n, err;

	ch = ibv_create_comp_channel(ctx);
	if (!ch)
		die("%s", "ibv_create_comp_channel", errno);
	ok("ibv_create_comp_channel");
	for (j = 0; j < 2; j++) {
		for (i = 0; i < 3; i++) {
			cqs[j][i] = new_cq(ctx, sizes[i], j ? ch : NULL);
			n = ibv_poll_cq(cqs[j][i], 1, &wc);
			if (n != 0)
				fail(n < 0 ? -n : 0,
				     "ibv_poll_cq on a new CQ returned %d, expected 0",
				     n);
			okf("CQ with cqe %d (got %d)%s, ibv_poll_cq returns 0",
			    sizes[i], cqs[j][i]->cqe,
			    j ? " with a completion channel" : "");
		}
	}

	/* Resizing, up and down; the new ring is mapped and empty. */
	cq = cqs[0][1];
	for (i = 0; i < 2; i++) {
		int want = i ? 50 : 500;

		check(ibv_resize_cq(cq, want), "ibv_resize_cq");
		if (cq->cqe < want)
			fail(0, "ibv_resize_cq to %d gave %d entries", want,
			     cq->cqe);
		n = ibv_poll_cq(cq, 1, &wc);
		if (n != 0)
			fail(n < 0 ? -n : 0,
			     "ibv_poll_cq after resizing returned %d", n);
		okf("ibv_resize_cq to %d (got %d), ibv_poll_cq returns 0",
		    want, cq->cqe);
	}
	err = ibv_resize_cq(cq, dattr.max_cqe + 1);
	expect_err("ibv_resize_cq to max_cqe + 1 entries", err, err, EINVAL);
	err = ibv_resize_cq(cq, 0);
	expect_err("ibv_resize_cq to 0 entries", err, err, EINVAL);

	errno = 0;
	cq = ibv_create_cq(ctx, dattr.max_cqe + 1, NULL, NULL, 0);
	expect_err("ibv_create_cq with max_cqe + 1 entries", !cq, errno,
		   EINVAL);
	errno = 0;
	cq = ibv_create_cq(ctx, 0, NULL, NULL, 0);
	expect_err("ibv_create_cq with 0 entries", !cq, errno, EINVAL);
	errno = 0;
	cq = ibv_create_cq(ctx, 1, NULL, NULL, ctx->num_comp_vectors);
	expect_err("ibv_create_cq with comp_vector num_comp_vectors", !cq,
		   errno, EINVAL);
	cq = ibv_create_cq(ctx, 1, NULL, ch, ctx->num_comp_vectors - 1);
	if (!cq)
		fail(errno, "ibv_create_cq with comp_vector %d (the last)",
		     ctx->num_comp_vectors - 1);
	check(ibv_destroy_cq(cq), "ibv_destroy_cq");
	okf("CQ on comp_vector %d (num_comp_vectors - 1)",
	    ctx->num_comp_vectors - 1);

	for (i = 0; i < 3; i++)
		check(ibv_destroy_cq(cqs[0][i]), "ibv_destroy_cq");
	for (i = 0; i < 2; i++)
		check(ibv_destroy_cq(cqs[1][i]), "ibv_destroy_cq");
	err = ibv_destroy_comp_channel(ch);
	expect_err("ibv_destroy_comp_channel with a CQ on it", err, err,
		   EBUSY);
	check(ibv_destroy_cq(cqs[1][2]), "ibv_destroy_cq");
	check(ibv_destroy_comp_channel(ch), "ibv_destroy_comp_channel");
	ok("CQs and the completion channel destroyed");
	return 0;
}

/*
 * qp
 */

/* ibv_create_qp with @ia must fail with @want */
static void expect_create_qp_err(struct ibv_pd *pd,
				 struct ibv_qp_init_attr *ia, int want,
				 const char *what)
{
	struct ibv_qp *qp;

	errno = 0;
	qp = ibv_create_qp(pd, ia);
	expect_err(what, !qp, errno, want);
}

static int cmd_qp(struct ibv_context *ctx)
{
	struct ibv_pd *pd = new_pd(ctx);
	struct ibv_cq *cq = new_cq(ctx, 2 * QP_WR, NULL);
	struct ibv_cq *cq2 = new_cq(ctx, 2 * QP_WR, NULL);
	struct ibv_qp_init_attr ia;
	struct ibv_qp *qp, *ud, *uc;
	struct ibv_qp_attr a;
	int mask, err;

	qp = new_qp(pd, IBV_QPT_RC, cq, NULL);
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RESET;
	check_qp_query(qp, &a, 0, "new RC QP");
	ok("RC QP created, ibv_query_qp shows RESET and its init_attr");

	rtr_attr(qp, &a, &mask);
	err = ibv_modify_qp(qp, &a, mask);
	expect_err("RC QP RESET -> RTR", err, err, EINVAL);
	init_attr(qp, &a, &mask);
	modify_qp(qp, &a, mask);
	rtr_attr(qp, &a, &mask);
	err = ibv_modify_qp(qp, &a, mask & ~(IBV_QP_AV | IBV_QP_DEST_QPN));
	expect_err("RC QP INIT -> RTR without IBV_QP_AV and IBV_QP_DEST_QPN",
		   err, err, EINVAL);
	modify_qp(qp, &a, mask);
	rts_attr(qp, &a, &mask);
	modify_qp(qp, &a, mask);
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_ERR;
	modify_qp(qp, &a, IBV_QP_STATE);
	a.qp_state = IBV_QPS_RESET;
	modify_qp(qp, &a, IBV_QP_STATE);

	ud = new_qp(pd, IBV_QPT_UD, cq2, NULL);
	qp_to_rts(ud);

	qp_init_attr(&ia, IBV_QPT_RC, cq, NULL);
	ia.cap.max_send_wr = dattr.max_qp_wr + 1;
	expect_create_qp_err(pd, &ia, EINVAL,
			     "ibv_create_qp with max_send_wr max_qp_wr + 1");
	qp_init_attr(&ia, IBV_QPT_RC, cq, NULL);
	ia.cap.max_send_sge = dattr.max_sge + 1;
	expect_create_qp_err(pd, &ia, EINVAL,
			     "ibv_create_qp with max_send_sge max_sge + 1");

	uc = new_qp(pd, IBV_QPT_UC, cq, NULL);
	qp_to_rts(uc);
	check(ibv_destroy_qp(uc), "ibv_destroy_qp UC");
	ok("UC QP created, connected to itself and destroyed");

	err = ibv_dealloc_pd(pd);
	expect_err("ibv_dealloc_pd with QPs on it", err, err, EBUSY);
	err = ibv_destroy_cq(cq);
	expect_err("ibv_destroy_cq of a QP's CQ", err, err, EBUSY);

	check(ibv_destroy_qp(qp), "ibv_destroy_qp RC");
	check(ibv_destroy_qp(ud), "ibv_destroy_qp UD");
	check(ibv_destroy_cq(cq), "ibv_destroy_cq");
	check(ibv_destroy_cq(cq2), "ibv_destroy_cq");
	check(ibv_dealloc_pd(pd), "ibv_dealloc_pd");
	ok("QPs, CQs and PD destroyed");
	return 0;
}

/*
 * srq
 */

static void query_srq(struct ibv_srq *srq, struct ibv_srq_attr *attr)
{
	memset(attr, 0, sizeof(*attr));
	check(ibv_query_srq(srq, attr), "ibv_query_srq");
	if (attr->max_wr < SRQ_WR || attr->max_sge < SRQ_SGE)
		fail(0, "ibv_query_srq shows max_wr %u, max_sge %u, below the %d, %d requested",
		     attr->max_wr, attr->max_sge, SRQ_WR, SRQ_SGE);
}

static int cmd_srq(struct ibv_context *ctx)
{
	struct ibv_pd *pd = new_pd(ctx);
	struct ibv_cq *cq = new_cq(ctx, 2 * QP_WR, NULL);
	struct ibv_srq *srq, *bad;
	struct ibv_srq_init_attr sia;
	struct ibv_srq_attr attr;
	struct ibv_qp_attr qa = { .qp_state = IBV_QPS_RESET };
	struct ibv_recv_wr wr, *bad_wr;
	struct ibv_sge *sge;
	struct ibv_qp *qp;
	int err;

	srq = new_srq(pd);
	query_srq(srq, &attr);
	if (attr.srq_limit != 0)
		fail(0, "a new SRQ's srq_limit is %u, expected 0",
		     attr.srq_limit);
	okf("SRQ created (max_wr %u, max_sge %u), ibv_query_srq shows it",
	    attr.max_wr, attr.max_sge);

	attr.srq_limit = 16;
	check(ibv_modify_srq(srq, &attr, IBV_SRQ_LIMIT),
	      "ibv_modify_srq IBV_SRQ_LIMIT 16");
	query_srq(srq, &attr);
	if (attr.srq_limit != 16)
		fail(0, "ibv_query_srq shows srq_limit %u after setting 16",
		     attr.srq_limit);
	ok("ibv_modify_srq srq_limit 16, ibv_query_srq shows it");
	attr.srq_limit = attr.max_wr + 1;
	err = ibv_modify_srq(srq, &attr, IBV_SRQ_LIMIT);
	expect_err("ibv_modify_srq with srq_limit max_wr + 1", err, err,
		   EINVAL);

	memset(&sia, 0, sizeof(sia));
	sia.attr.max_wr = dattr.max_srq_wr + 1;
	sia.attr.max_sge = 1;
	errno = 0;
	bad = ibv_create_srq(pd, &sia);
	expect_err("ibv_create_srq with max_wr max_srq_wr + 1", !bad, errno,
		   EINVAL);
	memset(&sia, 0, sizeof(sia));
	sia.attr.max_wr = SRQ_WR;
	sia.attr.max_sge = dattr.max_srq_sge + 1;
	errno = 0;
	bad = ibv_create_srq(pd, &sia);
	expect_err("ibv_create_srq with max_sge max_srq_sge + 1", !bad, errno,
		   EINVAL);

	qp = new_qp(pd, IBV_QPT_RC, cq, srq);
	check_qp_query(qp, &qa, 0, "RC QP on the SRQ");
	ok("RC QP on the SRQ created, ibv_query_qp shows the SRQ");
	err = ibv_destroy_srq(srq);
	expect_err("ibv_destroy_srq with a QP on it", err, err, EBUSY);
	check(ibv_destroy_qp(qp), "ibv_destroy_qp");
	ok("RC QP on the SRQ destroyed");

	query_srq(srq, &attr);
	sge = calloc(attr.max_sge + 1, sizeof(*sge));
	if (!sge)
		die("%s", "calloc", errno);
	memset(&wr, 0, sizeof(wr));
	wr.wr_id = 1;
	wr.sg_list = sge;
	wr.num_sge = attr.max_sge + 1;
	bad_wr = NULL;
	err = ibv_post_srq_recv(srq, &wr, &bad_wr);
	expect_err("ibv_post_srq_recv with num_sge max_sge + 1", err, err,
		   EINVAL);
	if (bad_wr != &wr)
		fail(0, "ibv_post_srq_recv failed but bad_wr is not the WR");
	free(sge);

	check(ibv_destroy_srq(srq), "ibv_destroy_srq");
	check(ibv_destroy_cq(cq), "ibv_destroy_cq");
	check(ibv_dealloc_pd(pd), "ibv_dealloc_pd");
	ok("SRQ, CQ and PD destroyed");
	return 0;
}

/*
 * ah
 */

static int cmd_ah(struct ibv_context *ctx)
{
	struct ibv_pd *pd = new_pd(ctx);
	struct ibv_ah_attr attr;
	struct ibv_gid_entry entry;
	struct ibv_ah *ah;
	char what[64];
	int idx, err;

	ah = new_ah(pd);
	check(ibv_destroy_ah(ah), "ibv_destroy_ah");
	okf("AH to the own GID (index %d) created and destroyed",
	    own_gid_index);

	/*
	 * sgid_index is 8 bits: beyond the table if it is that small, else
	 * the last index it can express, which must be empty then.
	 */
	idx = pattr.gid_tbl_len < 255 ? pattr.gid_tbl_len : 255;
	if (idx < pattr.gid_tbl_len) {
		err = ibv_query_gid_ex(ctx, 1, idx, &entry, 0);
		if (err != ENODATA)
			fail(err, "GID %d is not empty", idx);
	}
	own_ah_attr(&attr);
	attr.grh.sgid_index = idx;
	errno = 0;
	ah = ibv_create_ah(pd, &attr);
	snprintf(what, sizeof(what),
		 "ibv_create_ah with the empty sgid_index %d", idx);
	expect_err(what, !ah, errno, ENODATA);

	own_ah_attr(&attr);
	attr.port_num = 2;
	errno = 0;
	ah = ibv_create_ah(pd, &attr);
	expect_err("ibv_create_ah on port 2", !ah, errno, EINVAL);

	check(ibv_dealloc_pd(pd), "ibv_dealloc_pd");
	ok("PD deallocated");
	return 0;
}

/*
 * hold-objs
 */

static int cmd_hold_objs(struct ibv_context *ctx, int secs)
{
	struct ibv_pd *pd = new_pd(ctx);
	struct ibv_cq *cq = new_cq(ctx, 2 * QP_WR, NULL);
	struct ibv_cq *cq2 = new_cq(ctx, 2 * QP_WR, NULL);
	struct ibv_qp *rc = new_qp(pd, IBV_QPT_RC, cq, NULL);
	struct ibv_qp *ud = new_qp(pd, IBV_QPT_UD, cq2, NULL);
	struct ibv_srq *srq = new_srq(pd);
	struct ibv_ah *ah = new_ah(pd);

	qp_to_rts(rc);
	qp_to_rts(ud);
	ok("objects allocated, holding them");
	sleep(secs);
	check(ibv_destroy_ah(ah), "ibv_destroy_ah");
	check(ibv_destroy_srq(srq), "ibv_destroy_srq");
	check(ibv_destroy_qp(ud), "ibv_destroy_qp UD");
	check(ibv_destroy_qp(rc), "ibv_destroy_qp RC");
	check(ibv_destroy_cq(cq2), "ibv_destroy_cq");
	check(ibv_destroy_cq(cq), "ibv_destroy_cq");
	check(ibv_dealloc_pd(pd), "ibv_dealloc_pd");
	ok("objects destroyed");
	return 0;
}

/*
 * mr
 */

#define MR_REMOTE	(IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ | \
			 IBV_ACCESS_REMOTE_ATOMIC)
#define MR_ALL		(IBV_ACCESS_LOCAL_WRITE | MR_REMOTE)
#define MR_HOLD_ACCESS	(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
			 IBV_ACCESS_REMOTE_READ)

static const struct {
	int access;
	const char *name;
} mr_accesses[] = {
	{ 0, "no access flags" },
	{ IBV_ACCESS_LOCAL_WRITE, "LOCAL_WRITE" },
	{ IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE,
	  "LOCAL_WRITE|REMOTE_WRITE" },
	{ IBV_ACCESS_REMOTE_READ, "REMOTE_READ" },
	{ IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_ATOMIC,
	  "LOCAL_WRITE|REMOTE_ATOMIC" },
	{ MR_ALL, "LOCAL_WRITE|REMOTE_WRITE|REMOTE_READ|REMOTE_ATOMIC" },
};

/* the buffers registered: @len bytes at @off into a malloc'd or mmap'd one */
static const struct {
	const char *name;
	size_t len;
	size_t off;
	int map;
} mr_bufs[] = {
	{ "1 byte (malloc)", 1, 0, 0 },
	{ "4 KiB (malloc)", 4096, 0, 0 },
	{ "4 KiB (mmap, page aligned)", 4096, 0, 1 },
	{ "10000 bytes at page offset 100 (mmap)", 10000, 100, 1 },
	{ "1 MiB (mmap)", 1 << 20, 0, 1 },
	{ "16 MiB (mmap)", 16 << 20, 0, 1 },
};

/* @len bytes of anonymous memory mapped with @prot, touched if writable */
static void *map_buf(size_t len, int prot)
{
	void *buf = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (buf == MAP_FAILED)
		fail(errno, "mmap of %zu bytes", len);
	if (prot & PROT_WRITE)
		memset(buf, 0x5a, len);
	return buf;
}

static void unmap_buf(void *buf, size_t len)
{
	if (munmap(buf, len))
		fail(errno, "munmap of %zu bytes", len);
}

/*
 * ibv_reg_mr of @len bytes at @addr with @access; the MR must be what was
 * asked for, with an lkey, and an rkey if remote access was asked for.
 */
static struct ibv_mr *new_mr(struct ibv_pd *pd, void *addr, size_t len,
			     int access, const char *what)
{
	struct ibv_mr *mr = ibv_reg_mr(pd, addr, len, access);

	if (!mr)
		fail(errno, "ibv_reg_mr of %s", what);
	if (mr->addr != addr || mr->length != len)
		fail(0, "ibv_reg_mr of %s (%zu bytes at %p) made an MR of %zu bytes at %p",
		     what, len, addr, mr->length, mr->addr);
	if (mr->pd != pd || mr->context != pd->context)
		fail(0, "ibv_reg_mr of %s: the MR's PD or context is not the one given",
		     what);
	if (!mr->lkey)
		fail(0, "ibv_reg_mr of %s: lkey is 0", what);
	if ((access & MR_REMOTE) && !mr->rkey)
		fail(0, "ibv_reg_mr of %s with remote access: rkey is 0",
		     what);
	return mr;
}

/* ibv_reg_mr of @len bytes at @addr with @access must fail with @want */
static void expect_reg_mr_err(struct ibv_pd *pd, void *addr, size_t len,
			      int access, int want, const char *what)
{
	struct ibv_mr *mr;

	errno = 0;
	mr = ibv_reg_mr(pd, addr, len, access);
	expect_err(what, !mr, errno, want);
}

static int cmd_mr(struct ibv_context *ctx)
{
	struct ibv_pd *pd = new_pd(ctx);
	struct ibv_mr *mr, *mr2;
	unsigned int b, a;
	char what[160];
	size_t size;
	char *base;
	void *buf;
	int err;

	for (b = 0; b < sizeof(mr_bufs) / sizeof(mr_bufs[0]); b++) {
		size = mr_bufs[b].off + mr_bufs[b].len;
		if (mr_bufs[b].map) {
			base = map_buf(size, PROT_READ | PROT_WRITE);
		} else {
			base = malloc(size);
			if (!base)
				die("%s", "malloc", errno);
			memset(base, 0x5a, size);
		}
		buf = base + mr_bufs[b].off;
		for (a = 0; a < sizeof(mr_accesses) / sizeof(mr_accesses[0]);
		     a++) {
			snprintf(what, sizeof(what), "%s with %s",
				 mr_bufs[b].name, mr_accesses[a].name);
			mr = new_mr(pd, buf, mr_bufs[b].len,
				    mr_accesses[a].access, what);
			check(ibv_dereg_mr(mr), "ibv_dereg_mr");
			okf("MR of %s registered and deregistered", what);
		}
		if (mr_bufs[b].map)
			unmap_buf(base, size);
		else
			free(base);
	}

	base = map_buf(4096, PROT_READ | PROT_WRITE);
	mr = new_mr(pd, base, 4096, MR_ALL, "a 4 KiB buffer");
	mr2 = new_mr(pd, base, 4096, MR_ALL, "the same 4 KiB buffer again");
	if (mr->lkey == mr2->lkey)
		fail(0, "two MRs of the same buffer have the same lkey 0x%x",
		     mr->lkey);
	if (mr->rkey == mr2->rkey)
		fail(0, "two MRs of the same buffer have the same rkey 0x%x",
		     mr->rkey);
	okf("two MRs of the same buffer have different lkeys (0x%x, 0x%x) and rkeys (0x%x, 0x%x)",
	    mr->lkey, mr2->lkey, mr->rkey, mr2->rkey);

	err = ibv_dealloc_pd(pd);
	expect_err("ibv_dealloc_pd with MRs on it", err, err, EBUSY);
	check(ibv_dereg_mr(mr2), "ibv_dereg_mr");
	err = ibv_dealloc_pd(pd);
	expect_err("ibv_dealloc_pd with an MR on it", err, err, EBUSY);
	check(ibv_dereg_mr(mr), "ibv_dereg_mr");
	ok("both MRs of the same buffer deregistered");

	expect_reg_mr_err(pd, base, 4096, IBV_ACCESS_REMOTE_WRITE, EINVAL,
			  "ibv_reg_mr with REMOTE_WRITE without LOCAL_WRITE");
	expect_reg_mr_err(pd, base, 4096, IBV_ACCESS_REMOTE_ATOMIC, EINVAL,
			  "ibv_reg_mr with REMOTE_ATOMIC without LOCAL_WRITE");
	expect_reg_mr_err(pd, base, 4096,
			  IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ |
			  IBV_ACCESS_REMOTE_ATOMIC, EINVAL,
			  "ibv_reg_mr with all remote access without LOCAL_WRITE");
	expect_reg_mr_err(pd, base, 0, IBV_ACCESS_LOCAL_WRITE, EINVAL,
			  "ibv_reg_mr of length 0");
	unmap_buf(base, 4096);

	base = map_buf(2 * 4096, PROT_READ);
	expect_reg_mr_err(pd, base, 2 * 4096, IBV_ACCESS_LOCAL_WRITE, EFAULT,
			  "ibv_reg_mr with LOCAL_WRITE of read-only memory");
	expect_reg_mr_err(pd, base, 2 * 4096,
			  IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE,
			  EFAULT,
			  "ibv_reg_mr with REMOTE_WRITE of read-only memory");
	mr = new_mr(pd, base, 2 * 4096, IBV_ACCESS_REMOTE_READ,
		    "read-only memory with REMOTE_READ");
	check(ibv_dereg_mr(mr), "ibv_dereg_mr");
	ok("MR of read-only memory with REMOTE_READ registered and deregistered");
	unmap_buf(base, 2 * 4096);

	/* mapped, then unmapped: nothing else maps it in between */
	base = map_buf(2 * 4096, PROT_READ | PROT_WRITE);
	unmap_buf(base, 2 * 4096);
	expect_reg_mr_err(pd, base, 2 * 4096, IBV_ACCESS_LOCAL_WRITE, EFAULT,
			  "ibv_reg_mr with LOCAL_WRITE of unmapped memory");
	expect_reg_mr_err(pd, base, 2 * 4096, 0, EFAULT,
			  "ibv_reg_mr without access flags of unmapped memory");

	check(ibv_dealloc_pd(pd), "ibv_dealloc_pd");
	ok("PD deallocated");
	return 0;
}

/*
 * hold-mr
 */

static int cmd_hold_mr(struct ibv_context *ctx, int mb, int secs)
{
	size_t len = (size_t)mb << 20;
	struct ibv_pd *pd;
	char what[64];
	struct ibv_mr *mr;
	void *buf;

	if (mb < 1)
		return -1;
	pd = new_pd(ctx);
	buf = map_buf(len, PROT_READ | PROT_WRITE);
	snprintf(what, sizeof(what), "%d MiB", mb);
	mr = new_mr(pd, buf, len, MR_HOLD_ACCESS, what);
	ok("MR registered, holding it");
	sleep(secs);
	check(ibv_dereg_mr(mr), "ibv_dereg_mr");
	unmap_buf(buf, len);
	check(ibv_dealloc_pd(pd), "ibv_dealloc_pd");
	ok("MR deregistered");
	return 0;
}

/*
 * quota
 */

/* objects of one type, on a PD and a CQ that do not count */
struct quota_ops {
	const char *name;
	void *(*create)(struct ibv_context *ctx, struct ibv_pd *pd,
			struct ibv_cq *cq);
	int (*destroy)(void *obj);
};

/* the create functions return NULL with errno set on failure */
static void *quota_create_cq(struct ibv_context *ctx, struct ibv_pd *pd,
			     struct ibv_cq *cq)
{
	(void)pd;
	(void)cq;
	return ibv_create_cq(ctx, 1, NULL, NULL, 0);
}

static void *quota_create_qp(struct ibv_context *ctx, struct ibv_pd *pd,
			     struct ibv_cq *cq)
{
	struct ibv_qp_init_attr ia;

	(void)ctx;
	qp_init_attr(&ia, IBV_QPT_RC, cq, NULL);
	return ibv_create_qp(pd, &ia);
}

static void *quota_create_srq(struct ibv_context *ctx, struct ibv_pd *pd,
			      struct ibv_cq *cq)
{
	struct ibv_srq_init_attr ia = {
		.attr = { .max_wr = SRQ_WR, .max_sge = SRQ_SGE },
	};

	(void)ctx;
	(void)cq;
	return ibv_create_srq(pd, &ia);
}

static void *quota_create_ah(struct ibv_context *ctx, struct ibv_pd *pd,
			     struct ibv_cq *cq)
{
	struct ibv_ah_attr attr;

	(void)ctx;
	(void)cq;
	own_ah_attr(&attr);
	return ibv_create_ah(pd, &attr);
}

/* an MR of its own 4 KiB page */
static void *quota_create_mr(struct ibv_context *ctx, struct ibv_pd *pd,
			     struct ibv_cq *cq)
{
	struct ibv_mr *mr;
	void *buf;
	int err;

	(void)ctx;
	(void)cq;
	buf = map_buf(4096, PROT_READ | PROT_WRITE);
	mr = ibv_reg_mr(pd, buf, 4096, MR_HOLD_ACCESS);
	if (!mr) {
		err = errno;
		unmap_buf(buf, 4096);
		errno = err;
	}
	return mr;
}

static int quota_destroy_cq(void *obj)
{
	return ibv_destroy_cq(obj);
}

static int quota_destroy_qp(void *obj)
{
	return ibv_destroy_qp(obj);
}

static int quota_destroy_srq(void *obj)
{
	return ibv_destroy_srq(obj);
}

static int quota_destroy_ah(void *obj)
{
	return ibv_destroy_ah(obj);
}

static int quota_destroy_mr(void *obj)
{
	struct ibv_mr *mr = obj;
	void *buf = mr->addr;
	int err;

	err = ibv_dereg_mr(mr);
	if (!err)
		unmap_buf(buf, 4096);
	return err;
}

static const struct quota_ops quota_types[] = {
	{ "cq", quota_create_cq, quota_destroy_cq },
	{ "qp", quota_create_qp, quota_destroy_qp },
	{ "srq", quota_create_srq, quota_destroy_srq },
	{ "ah", quota_create_ah, quota_destroy_ah },
	{ "mr", quota_create_mr, quota_destroy_mr },
};

static int cmd_quota(struct ibv_context *ctx, const char *type, int max)
{
	const struct quota_ops *ops = NULL;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	void **objs, *extra;
	unsigned int t;
	int i;

	for (t = 0; t < sizeof(quota_types) / sizeof(quota_types[0]); t++)
		if (!strcmp(quota_types[t].name, type))
			ops = &quota_types[t];
	if (!ops || max < 1)
		return -1;
	pd = new_pd(ctx);
	/* QPs need a CQ; counting CQs, it would take one of the quota. */
	cq = strcmp(ops->name, "cq") ? new_cq(ctx, 2 * QP_WR, NULL) : NULL;
	objs = calloc(max, sizeof(*objs));
	if (!objs)
		die("%s", "calloc", errno);

	for (i = 0; i < max; i++) {
		objs[i] = ops->create(ctx, pd, cq);
		if (!objs[i])
			fail(errno, "%s %d of %d", ops->name, i + 1, max);
	}
	okf("%d %s objects (the quota) created", max, ops->name);
	errno = 0;
	extra = ops->create(ctx, pd, cq);
	if (extra)
		fail(0, "one %s beyond the quota was created", ops->name);
	if (errno != ENOMEM)
		fail(errno, "one %s beyond the quota failed, but not with ENOMEM",
		     ops->name);
	okf("the %s beyond the quota fails with ENOMEM", ops->name);
	check(ops->destroy(objs[max - 1]), "destroying one");
	objs[max - 1] = ops->create(ctx, pd, cq);
	if (!objs[max - 1])
		fail(errno, "a %s freed under the quota is not available again",
		     ops->name);
	okf("a released %s can be created again", ops->name);

	for (i = 0; i < max; i++)
		check(ops->destroy(objs[i]), "destroying them");
	free(objs);
	if (cq)
		check(ibv_destroy_cq(cq), "ibv_destroy_cq");
	check(ibv_dealloc_pd(pd), "ibv_dealloc_pd");
	okf("all %s objects destroyed", ops->name);
	return 0;
}

/*
 * The data path: work requests posted and completions polled through the
 * provider's rings, two RC QPs of one process connected to each other.
 */

#define DP_N		64		/* work requests per batch */
#define DP_MSG		256		/* bytes per message */
#define DP_WR		(2 * DP_N)
#define DP_TIMEOUT	60		/* seconds; emulated machines are slow */

struct dp {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_comp_channel *channel;
	struct ibv_cq *cq;
	struct ibv_qp *a, *b;		/* a sends to b, b to a */
	char *buf;			/* src | dst | recv | scratch */
	size_t len;
	struct ibv_mr *mr;
};

#define DP_SRC(d, i)	((d)->buf + (size_t)(i) * DP_MSG)
#define DP_DST(d, i)	((d)->buf + (size_t)(DP_N + (i)) * DP_MSG)
#define DP_RECV(d, i)	((d)->buf + (size_t)(2 * DP_N + (i)) * DP_MSG)
#define DP_SCRATCH(d)	((d)->buf + (size_t)3 * DP_N * DP_MSG)

static struct ibv_qp *dp_qp(struct dp *d, int send_wr, int sig_all)
{
	struct ibv_qp_init_attr ia = {
		.send_cq = d->cq,
		.recv_cq = d->cq,
		.qp_type = IBV_QPT_RC,
		.sq_sig_all = sig_all,
		.cap = {
			.max_send_wr = send_wr,
			.max_recv_wr = DP_WR,
			.max_send_sge = 1,
			.max_recv_sge = 1,
			.max_inline_data = QP_INLINE,
		},
	};
	struct ibv_qp *qp = ibv_create_qp(d->pd, &ia);

	if (!qp)
		fail(errno, "ibv_create_qp RC with %d send WRs", send_wr);
	return qp;
}

/* RESET -> INIT -> RTR -> RTS, connected to the QP numbered @dest */
static void dp_connect(struct ibv_qp *qp, uint32_t dest)
{
	struct ibv_qp_attr a;
	int mask;

	init_attr(qp, &a, &mask);
	check(ibv_modify_qp(qp, &a, mask), "RC QP to INIT");
	rtr_attr(qp, &a, &mask);
	a.dest_qp_num = dest;
	a.rq_psn = QP_SQ_PSN;	/* the peer starts sending there */
	check(ibv_modify_qp(qp, &a, mask), "RC QP to RTR");
	rts_attr(qp, &a, &mask);
	check(ibv_modify_qp(qp, &a, mask), "RC QP to RTS");
}

static void dp_open(struct dp *d, struct ibv_context *ctx, int a_send_wr,
		    int sig_all, int channel)
{
	memset(d, 0, sizeof(*d));
	d->ctx = ctx;
	d->pd = new_pd(ctx);
	if (channel) {
		d->channel = ibv_create_comp_channel(ctx);
		if (!d->channel)
			fail(errno, "ibv_create_comp_channel");
	}
	d->cq = new_cq(ctx, 4 * DP_WR, d->channel);
	d->len = (size_t)4 * DP_N * DP_MSG;
	d->buf = map_buf(d->len, PROT_READ | PROT_WRITE);
	d->mr = new_mr(d->pd, d->buf, d->len, MR_ALL, "the data path buffer");
	d->a = dp_qp(d, a_send_wr, sig_all);
	d->b = dp_qp(d, DP_WR, sig_all);
	dp_connect(d->a, d->b->qp_num);
	dp_connect(d->b, d->a->qp_num);
}

static void dp_close(struct dp *d)
{
	check(ibv_destroy_qp(d->a), "ibv_destroy_qp");
	check(ibv_destroy_qp(d->b), "ibv_destroy_qp");
	check(ibv_dereg_mr(d->mr), "ibv_dereg_mr");
	unmap_buf(d->buf, d->len);
	check(ibv_destroy_cq(d->cq), "ibv_destroy_cq");
	if (d->channel)
		check(ibv_destroy_comp_channel(d->channel),
		      "ibv_destroy_comp_channel");
	check(ibv_dealloc_pd(d->pd), "ibv_dealloc_pd");
}

/* Poll exactly @n completions into @wc within DP_TIMEOUT seconds. */
static void dp_poll(struct dp *d, struct ibv_wc *wc, int n, const char *what)
{
	time_t end = time(NULL) + DP_TIMEOUT;
	int got = 0, r;

	while (got < n) {
		r = ibv_poll_cq(d->cq, n - got, wc + got);
		if (r < 0)
			fail(0, "%s: ibv_poll_cq returned %d", what, r);
		got += r;
		if (!r && time(NULL) > end)
			fail(0, "%s: %d of %d completions within %d s", what,
			     got, n, DP_TIMEOUT);
	}
}

/* No completion within @ms milliseconds. */
static void dp_poll_none(struct dp *d, int ms, const char *what)
{
	struct ibv_wc wc;
	int i;

	for (i = 0; i < ms; i++) {
		if (ibv_poll_cq(d->cq, 1, &wc))
			fail(0, "%s: unexpected completion wr_id %llu status %s",
			     what, (unsigned long long)wc.wr_id,
			     ibv_wc_status_str(wc.status));
		usleep(1000);
	}
}

static void dp_post_recv(struct dp *d, struct ibv_qp *qp, uint64_t wr_id,
			 void *addr, uint32_t len)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)addr, .length = len, .lkey = d->mr->lkey,
	};
	struct ibv_recv_wr wr = { .wr_id = wr_id, .sg_list = &sge,
				  .num_sge = 1 };
	struct ibv_recv_wr *bad;

	check(ibv_post_recv(qp, &wr, &bad), "ibv_post_recv");
}

/* Post one send-queue work request of @opcode; returns the errno. */
static int dp_post(struct dp *d, struct ibv_qp *qp, uint64_t wr_id,
		   enum ibv_wr_opcode opcode, int flags, void *addr,
		   uint32_t len, void *remote, uint32_t imm)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)addr, .length = len, .lkey = d->mr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = wr_id, .sg_list = &sge, .num_sge = 1,
		.opcode = opcode, .send_flags = flags,
		.imm_data = htobe32(imm),
	};
	struct ibv_send_wr *bad;

	if (opcode == IBV_WR_ATOMIC_FETCH_AND_ADD ||
	    opcode == IBV_WR_ATOMIC_CMP_AND_SWP) {
		/* @imm is what to add, or to compare with (swap in 42). */
		wr.wr.atomic.remote_addr = (uintptr_t)remote;
		wr.wr.atomic.rkey = d->mr->rkey;
		wr.wr.atomic.compare_add = imm;
		wr.wr.atomic.swap = 42;
	} else {
		wr.wr.rdma.remote_addr = (uintptr_t)remote;
		wr.wr.rdma.rkey = d->mr->rkey;
	}
	return ibv_post_send(qp, &wr, &bad);
}

static void dp_expect(const struct ibv_wc *wc, uint64_t wr_id,
		      enum ibv_wc_status status, int opcode, const char *what)
{
	if (wc->wr_id != wr_id || wc->status != status ||
	    (opcode >= 0 && wc->status == IBV_WC_SUCCESS &&
	     (int)wc->opcode != opcode))
		fail(0, "%s: completion wr_id %llu status %s opcode %d, expected wr_id %llu status %s opcode %d",
		     what, (unsigned long long)wc->wr_id,
		     ibv_wc_status_str(wc->status), wc->opcode,
		     (unsigned long long)wr_id, ibv_wc_status_str(status),
		     opcode);
}

static void dp_fill(char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (char)(seed * 131 + i * 7 + 1);
}

static int cmd_ops(struct ibv_context *ctx)
{
	struct ibv_wc wc[2 * DP_N];
	uint64_t *counter;
	struct dp d;
	int i, r, s;

	dp_open(&d, ctx, DP_WR, 0, 0);
	for (i = 0; i < DP_N; i++)
		dp_fill(DP_SRC(&d, i), DP_MSG, i);

	/* RDMA WRITE: in order, data where it was written. */
	for (i = 0; i < DP_N; i++)
		check(dp_post(&d, d.a, i, IBV_WR_RDMA_WRITE, IBV_SEND_SIGNALED,
			      DP_SRC(&d, i), DP_MSG, DP_DST(&d, i), 0),
		      "posting RDMA WRITE");
	dp_poll(&d, wc, DP_N, "RDMA WRITE");
	for (i = 0; i < DP_N; i++)
		dp_expect(&wc[i], i, IBV_WC_SUCCESS, IBV_WC_RDMA_WRITE,
			  "RDMA WRITE");
	if (memcmp(DP_SRC(&d, 0), DP_DST(&d, 0), (size_t)DP_N * DP_MSG))
		fail(0, "RDMA WRITE: the data written differs");
	okf("%d RDMA WRITEs of %d bytes complete in order, data intact",
	    DP_N, DP_MSG);

	/* SEND, inline and not, with immediate data: receives in order. */
	for (i = 0; i < DP_N; i++)
		dp_post_recv(&d, d.b, 1000 + i, DP_RECV(&d, i), DP_MSG);
	for (i = 0; i < DP_N; i++) {
		int inl = i % 2 == 0;

		check(dp_post(&d, d.a, i,
			      i % 4 == 3 ? IBV_WR_SEND_WITH_IMM : IBV_WR_SEND,
			      IBV_SEND_SIGNALED | (inl ? IBV_SEND_INLINE : 0),
			      DP_SRC(&d, i), inl ? QP_INLINE : DP_MSG - i, NULL,
			      0xabc000 + i),
		      "posting SEND");
	}
	dp_poll(&d, wc, 2 * DP_N, "SEND");
	for (i = 0, r = 0, s = 0; i < 2 * DP_N; i++) {
		uint32_t len;

		if (wc[i].qp_num == d.a->qp_num) {
			dp_expect(&wc[i], s, IBV_WC_SUCCESS, IBV_WC_SEND,
				  "SEND");
			s++;
			continue;
		}
		dp_expect(&wc[i], 1000 + r, IBV_WC_SUCCESS, IBV_WC_RECV,
			  "receive");
		len = r % 2 == 0 ? QP_INLINE : DP_MSG - r;
		if (wc[i].byte_len != len)
			fail(0, "receive %d: byte_len %u, sent %u", r,
			     wc[i].byte_len, len);
		if (memcmp(DP_RECV(&d, r), DP_SRC(&d, r), len))
			fail(0, "receive %d: the data differs", r);
		if ((r % 4 == 3) != !!(wc[i].wc_flags & IBV_WC_WITH_IMM) ||
		    (r % 4 == 3 && be32toh(wc[i].imm_data) != 0xabc000u + r))
			fail(0, "receive %d: immediate data flag %d value 0x%x",
			     r, !!(wc[i].wc_flags & IBV_WC_WITH_IMM),
			     be32toh(wc[i].imm_data));
		r++;
	}
	okf("%d SENDs (half inline, some with immediate data) received in order, data intact",
	    DP_N);

	/* RDMA WRITE with immediate data consumes a receive. */
	dp_post_recv(&d, d.b, 2000, DP_RECV(&d, 0), DP_MSG);
	check(dp_post(&d, d.a, 7, IBV_WR_RDMA_WRITE_WITH_IMM, IBV_SEND_SIGNALED,
		      DP_SRC(&d, 5), DP_MSG, DP_DST(&d, 1), 0x5eed),
	      "posting RDMA WRITE with immediate");
	dp_poll(&d, wc, 2, "RDMA WRITE with immediate");
	for (i = 0; i < 2; i++) {
		if (wc[i].qp_num == d.a->qp_num) {
			dp_expect(&wc[i], 7, IBV_WC_SUCCESS, IBV_WC_RDMA_WRITE,
				  "RDMA WRITE with immediate");
		} else {
			dp_expect(&wc[i], 2000, IBV_WC_SUCCESS,
				  IBV_WC_RECV_RDMA_WITH_IMM,
				  "receive of RDMA WRITE with immediate");
			if (be32toh(wc[i].imm_data) != 0x5eed)
				fail(0, "RDMA WRITE with immediate: got 0x%x",
				     be32toh(wc[i].imm_data));
		}
	}
	if (memcmp(DP_DST(&d, 1), DP_SRC(&d, 5), DP_MSG))
		fail(0, "RDMA WRITE with immediate: the data differs");
	ok("RDMA WRITE with immediate data: written, receive consumed, immediate delivered");

	/* RDMA READ back what b's memory holds. */
	memset(DP_SCRATCH(&d), 0, DP_MSG);
	check(dp_post(&d, d.a, 8, IBV_WR_RDMA_READ, IBV_SEND_SIGNALED,
		      DP_SCRATCH(&d), DP_MSG, DP_DST(&d, 3), 0),
	      "posting RDMA READ");
	dp_poll(&d, wc, 1, "RDMA READ");
	dp_expect(&wc[0], 8, IBV_WC_SUCCESS, IBV_WC_RDMA_READ, "RDMA READ");
	if (memcmp(DP_SCRATCH(&d), DP_DST(&d, 3), DP_MSG))
		fail(0, "RDMA READ: the data read differs");
	ok("RDMA READ: the data read back");

	/* Unsignaled work requests complete with the next signaled one. */
	for (i = 0; i < 7; i++)
		check(dp_post(&d, d.a, 100 + i, IBV_WR_RDMA_WRITE, 0,
			      DP_SRC(&d, i), DP_MSG, DP_DST(&d, i), 0),
		      "posting unsignaled RDMA WRITE");
	check(dp_post(&d, d.a, 107, IBV_WR_RDMA_WRITE, IBV_SEND_SIGNALED,
		      DP_SRC(&d, 7), DP_MSG, DP_DST(&d, 7), 0),
	      "posting RDMA WRITE");
	dp_poll(&d, wc, 1, "unsignaled");
	dp_expect(&wc[0], 107, IBV_WC_SUCCESS, IBV_WC_RDMA_WRITE,
		  "7 unsignaled, then a signaled RDMA WRITE");
	dp_poll_none(&d, 300, "after the signaled RDMA WRITE");
	ok("unsignaled work requests give no completion; the signaled one after them does");

	/* Atomics, where the device has them. */
	if (dattr.atomic_cap == IBV_ATOMIC_NONE) {
		ok("atomics: the device has none");
	} else {
		counter = (uint64_t *)DP_DST(&d, 10);
		*counter = 5;
		check(dp_post(&d, d.a, 9, IBV_WR_ATOMIC_FETCH_AND_ADD,
			      IBV_SEND_SIGNALED, DP_SCRATCH(&d), 8, counter, 3),
		      "posting FETCH_AND_ADD");
		dp_poll(&d, wc, 1, "FETCH_AND_ADD");
		dp_expect(&wc[0], 9, IBV_WC_SUCCESS, IBV_WC_FETCH_ADD,
			  "FETCH_AND_ADD");
		if (*(uint64_t *)DP_SCRATCH(&d) != 5 || *counter != 8)
			fail(0, "FETCH_AND_ADD 3 to 5 returned %llu and left %llu",
			     (unsigned long long)*(uint64_t *)DP_SCRATCH(&d),
			     (unsigned long long)*counter);
		check(dp_post(&d, d.a, 10, IBV_WR_ATOMIC_CMP_AND_SWP,
			      IBV_SEND_SIGNALED, DP_SCRATCH(&d), 8, counter, 8),
		      "posting CMP_AND_SWP");
		dp_poll(&d, wc, 1, "CMP_AND_SWP");
		dp_expect(&wc[0], 10, IBV_WC_SUCCESS, IBV_WC_COMP_SWAP,
			  "CMP_AND_SWP");
		if (*(uint64_t *)DP_SCRATCH(&d) != 8 || *counter != 42)
			fail(0, "CMP_AND_SWP 8 -> 42 on 8 returned %llu and left %llu",
			     (unsigned long long)*(uint64_t *)DP_SCRATCH(&d),
			     (unsigned long long)*counter);
		ok("FETCH_AND_ADD and CMP_AND_SWP return the old value and change it");
	}

	dp_close(&d);
	return 0;
}

/* Receives flushed in order when the QP goes to the error state. */
/*
 * many
 */

/* Seconds since *@t, which moves to now. */
static double lap(struct timespec *t)
{
	struct timespec now;
	double s;

	clock_gettime(CLOCK_MONOTONIC, &now);
	s = (now.tv_sec - t->tv_sec) + (now.tv_nsec - t->tv_nsec) / 1e9;
	*t = now;
	return s;
}

static int cmd_many(struct ibv_context *ctx, int n)
{
	struct ibv_cq **cqs = calloc(n, sizeof(*cqs));
	struct ibv_qp **qps = calloc(n, sizeof(*qps));
	double create, connect, use, destroy;
	struct dp d = { .ctx = ctx };
	struct timespec t;
	struct ibv_wc wc[2];
	uint32_t *word;
	int i;

	if (n < 1 || !cqs || !qps)
		return -1;
	d.pd = new_pd(ctx);
	/* A word to send and one to receive per QP. */
	d.len = ((size_t)n * 8 + 4095) & ~(size_t)4095;
	d.buf = map_buf(d.len, PROT_READ | PROT_WRITE);
	word = (uint32_t *)d.buf;
	d.mr = new_mr(d.pd, d.buf, d.len, IBV_ACCESS_LOCAL_WRITE,
		      "the QPs' words");
	clock_gettime(CLOCK_MONOTONIC, &t);
	for (i = 0; i < n; i++) {
		cqs[i] = ibv_create_cq(ctx, 2, NULL, NULL, 0);
		if (!cqs[i])
			fail(errno, "ibv_create_cq number %d", i + 1);
		d.cq = cqs[i];
		qps[i] = dp_qp(&d, 1, 1);
	}
	create = lap(&t);
	okf("%d CQs and %d RC QPs created", n, n);
	for (i = 0; i < n; i++)
		dp_connect(qps[i], qps[i]->qp_num);
	connect = lap(&t);
	okf("%d QPs in RTS, each connected to itself", n);
	for (i = 0; i < n; i++) {
		word[2 * i] = 0x5e000000 | i;
		word[2 * i + 1] = 0;
		dp_post_recv(&d, qps[i], 2 * i + 1, &word[2 * i + 1], 4);
		check(dp_post(&d, qps[i], 2 * i, IBV_WR_SEND, 0, &word[2 * i],
			      4, NULL, 0), "posting a send");
	}
	for (i = 0; i < n; i++) {
		d.cq = cqs[i];
		dp_poll(&d, wc, 2, "a QP's send to itself");
		if (wc[0].status != IBV_WC_SUCCESS ||
		    wc[1].status != IBV_WC_SUCCESS ||
		    wc[0].wr_id + wc[1].wr_id != 4 * (uint64_t)i + 1)
			fail(0, "QP %d of %d: completions wr_id %llu %s, %llu %s",
			     i + 1, n, (unsigned long long)wc[0].wr_id,
			     ibv_wc_status_str(wc[0].status),
			     (unsigned long long)wc[1].wr_id,
			     ibv_wc_status_str(wc[1].status));
		if (word[2 * i + 1] != word[2 * i])
			fail(0, "QP %d of %d received 0x%x, sent 0x%x", i + 1,
			     n, word[2 * i + 1], word[2 * i]);
	}
	use = lap(&t);
	okf("every QP sent a message to itself and got it");
	for (i = 0; i < n; i++) {
		check(ibv_destroy_qp(qps[i]), "ibv_destroy_qp");
		check(ibv_destroy_cq(cqs[i]), "ibv_destroy_cq");
	}
	destroy = lap(&t);
	check(ibv_dereg_mr(d.mr), "ibv_dereg_mr");
	unmap_buf(d.buf, d.len);
	check(ibv_dealloc_pd(d.pd), "ibv_dealloc_pd");
	printf("many: %d QPs and CQs: create %.2f s, connect %.2f s, use %.2f s, destroy %.2f s\n",
	       n, create, connect, use, destroy);
	free(qps);
	free(cqs);
	return 0;
}

static int cmd_flush(struct ibv_context *ctx)
{
	struct ibv_qp_attr attr = { .qp_state = IBV_QPS_ERR };
	struct ibv_wc wc[DP_N];
	struct dp d;
	int i;

	dp_open(&d, ctx, DP_WR, 0, 0);
	for (i = 0; i < DP_N; i++)
		dp_post_recv(&d, d.b, 500 + i, DP_RECV(&d, i), DP_MSG);
	/* The receives must have reached the device before the flush. */
	dp_poll_none(&d, 500, "receives posted");
	check(ibv_modify_qp(d.b, &attr, IBV_QP_STATE), "QP to ERR");
	dp_poll(&d, wc, DP_N, "flush of the receives");
	for (i = 0; i < DP_N; i++)
		dp_expect(&wc[i], 500 + i, IBV_WC_WR_FLUSH_ERR, -1,
			  "flushed receive");
	okf("%d receives flushed in order with IBV_WC_WR_FLUSH_ERR", DP_N);

	for (i = 0; i < 3; i++)
		check(dp_post(&d, d.b, 600 + i, IBV_WR_SEND, IBV_SEND_SIGNALED,
			      DP_SRC(&d, i), DP_MSG, NULL, 0),
		      "posting SEND on a QP in ERR");
	dp_poll(&d, wc, 3, "flush of sends posted in ERR");
	for (i = 0; i < 3; i++)
		dp_expect(&wc[i], 600 + i, IBV_WC_WR_FLUSH_ERR, -1,
			  "SEND posted in ERR");
	ok("SENDs posted in ERR complete with IBV_WC_WR_FLUSH_ERR");
	dp_close(&d);
	return 0;
}

/*
 * A send queue that fills: b has no receives, so a's SENDs wait (RNR
 * retries); posting fails with ENOMEM when the ring is full, as on a
 * real device.  Receives then let every SEND complete, in order.
 */
static int cmd_sqfull(struct ibv_context *ctx)
{
	struct ibv_wc wc[2 * DP_WR];
	struct dp d;
	int n, i, err, s = 0;

	dp_open(&d, ctx, QP_WR, 0, 0);
	for (n = 0; n < DP_WR; n++) {
		err = dp_post(&d, d.a, n, IBV_WR_SEND, IBV_SEND_SIGNALED,
			      DP_SRC(&d, n % DP_N), 16, NULL, 0);
		if (err)
			break;
	}
	if (n == DP_WR || err != ENOMEM)
		fail(err, "posting SENDs to a QP without receives: %d posted before the error, expected ENOMEM",
		     n);
	if (n < QP_WR)
		fail(0, "the send queue took %d SENDs, fewer than its %d",
		     n, QP_WR);
	dp_poll_none(&d, 500, "SENDs without receives");
	okf("send queue of %d full after %d SENDs: ENOMEM", QP_WR, n);

	for (i = 0; i < n; i++)
		dp_post_recv(&d, d.b, 3000 + i, DP_RECV(&d, i % DP_N), DP_MSG);
	dp_poll(&d, wc, 2 * n, "SENDs after receives were posted");
	for (i = 0; i < 2 * n; i++)
		if (wc[i].qp_num == d.a->qp_num)
			dp_expect(&wc[i], s++, IBV_WC_SUCCESS, IBV_WC_SEND,
				  "SEND");
	if (s != n)
		fail(0, "%d SENDs completed, %d posted", s, n);
	check(dp_post(&d, d.a, 9999, IBV_WR_RDMA_WRITE, IBV_SEND_SIGNALED,
		      DP_SRC(&d, 0), 16, DP_DST(&d, 0), 0),
	      "posting once the queue drained");
	dp_poll(&d, wc, 1, "RDMA WRITE after the queue drained");
	okf("all %d SENDs completed in order once receives came; the queue takes work again",
	    n);
	printf("sq_depth %d\n", n);
	dp_close(&d);
	return 0;
}

/*
 * A signaled SEND on @d's QP a of @len bytes at @addr with @lkey must
 * complete with a local error; the status is printed ("prot_err STATUS")
 * for the caller, which knows which one the device it runs on must give.
 */
static void dp_send_prot_err(struct dp *d, uint64_t wr_id, uint64_t addr,
			     uint32_t len, uint32_t lkey, const char *what)
{
	struct ibv_sge sge = { .addr = addr, .length = len, .lkey = lkey };
	struct ibv_send_wr wr = {
		.wr_id = wr_id, .sg_list = &sge, .num_sge = 1,
		.opcode = IBV_WR_SEND, .send_flags = IBV_SEND_SIGNALED,
	};
	struct ibv_send_wr *bad;
	struct ibv_wc wc;

	check(ibv_post_send(d->a, &wr, &bad), what);
	dp_poll(d, &wc, 1, what);
	printf("prot_err %s\n", ibv_wc_status_str(wc.status));
	/*
	 * Hardware and xenib say LOC_PROT_ERR, rxe in Linux 6.1 LOC_QP_OP_ERR
	 * and in 6.12 WR_FLUSH_ERR, the failing request flushed with the rest.
	 */
	if (wc.status == IBV_WC_LOC_QP_OP_ERR || wc.status == IBV_WC_WR_FLUSH_ERR)
		wc.status = IBV_WC_LOC_PROT_ERR;
	dp_expect(&wc, wr_id, IBV_WC_LOC_PROT_ERR, -1, what);
}

/* A local key that is not the process's: a protection error, QP in ERR. */
static int cmd_badkey(struct ibv_context *ctx)
{
	struct ibv_qp_attr attr;
	struct ibv_qp_init_attr ia;
	struct dp d;

	dp_open(&d, ctx, DP_WR, 0, 0);
	dp_post_recv(&d, d.b, 1, DP_RECV(&d, 0), DP_MSG);
	dp_send_prot_err(&d, 77, (uintptr_t)DP_SRC(&d, 0), DP_MSG,
			 d.mr->lkey + 0x1000, "a SEND with a bad lkey");
	check(ibv_query_qp(d.a, &attr, IBV_QP_STATE, &ia), "ibv_query_qp");
	if (attr.qp_state != IBV_QPS_ERR)
		fail(0, "after a bad lkey the QP is in state %d, not ERR",
		     attr.qp_state);
	ok("a SEND with a bad lkey completes with a local error and the QP goes to ERR");
	dp_close(&d);
	return 0;
}

/* Completion events through a channel, for any and solicited completions. */
static int cmd_events(struct ibv_context *ctx)
{
	struct ibv_cq *ev_cq;
	void *ev_ctx;
	struct ibv_wc wc[2];
	struct dp d;
	int i, solicited;

	dp_open(&d, ctx, DP_WR, 0, 1);
	for (i = 0; i < 4; i++) {
		solicited = i % 2;
		dp_post_recv(&d, d.b, 40 + i, DP_RECV(&d, i), DP_MSG);
		check(ibv_req_notify_cq(d.cq, solicited), "ibv_req_notify_cq");
		check(dp_post(&d, d.a, 50 + i, IBV_WR_SEND,
			      IBV_SEND_SIGNALED | IBV_SEND_SOLICITED,
			      DP_SRC(&d, i), DP_MSG, NULL, 0),
		      "posting SEND");
		alarm(DP_TIMEOUT);
		check(ibv_get_cq_event(d.channel, &ev_cq, &ev_ctx),
		      "ibv_get_cq_event");
		alarm(0);
		if (ev_cq != d.cq)
			fail(0, "the event is for another CQ");
		ibv_ack_cq_events(ev_cq, 1);
		dp_poll(&d, wc, 2, "completions after the event");
		okf("completion event (%s) delivered, then the completions polled",
		    solicited ? "solicited only" : "any completion");
	}
	dp_close(&d);
	return 0;
}

/*
 * Traffic for @secs seconds (0: until killed): a writes to b and sends to
 * it, b sends back, all signaled.  For tests that kill the process or
 * destroy the guest mid-transfer.
 */
static int cmd_stream(struct ibv_context *ctx, int secs)
{
	time_t end = time(NULL) + secs, next = time(NULL) + 2;
	struct ibv_wc wc[DP_N];
	unsigned long long msgs = 0;
	struct dp d;
	int i;

	dp_open(&d, ctx, DP_WR, 1, 0);
	for (i = 0; i < DP_N; i++)
		dp_post_recv(&d, d.b, 1, DP_RECV(&d, i), DP_MSG);
	printf("streaming\n");
	fflush(stdout);
	while (!secs || time(NULL) < end) {
		for (i = 0; i < DP_N / 2; i++)
			check(dp_post(&d, d.a, 0, i % 2 ? IBV_WR_SEND :
				      IBV_WR_RDMA_WRITE, 0, DP_SRC(&d, i),
				      DP_MSG, DP_DST(&d, i), 0), "posting");
		dp_poll(&d, wc, DP_N / 2 + DP_N / 4, "streaming");
		for (i = 0; i < DP_N / 2 + DP_N / 4; i++) {
			if (wc[i].status != IBV_WC_SUCCESS)
				fail(0, "streaming: completion status %s",
				     ibv_wc_status_str(wc[i].status));
			if (wc[i].qp_num == d.b->qp_num)
				dp_post_recv(&d, d.b, 1, DP_RECV(&d, 0),
					     DP_MSG);
		}
		msgs += DP_N / 2;
		if (time(NULL) >= next) {
			printf("streamed %llu messages\n", msgs);
			fflush(stdout);
			next = time(NULL) + 2;
		}
	}
	printf("streamed %llu messages\n", msgs);
	dp_close(&d);
	return 0;
}

/* Print the device's asynchronous events for @secs seconds. */
static int cmd_async(struct ibv_context *ctx, int secs)
{
	struct pollfd pfd = { .fd = ctx->async_fd, .events = POLLIN };
	time_t end = time(NULL) + secs;
	struct ibv_async_event ev;

	printf("listening\n");
	fflush(stdout);
	while (time(NULL) < end) {
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		check(ibv_get_async_event(ctx, &ev), "ibv_get_async_event");
		printf("async event: %s\n", ibv_event_type_str(ev.event_type));
		fflush(stdout);
		ibv_ack_async_event(&ev);
	}
	return 0;
}

/*
 * A hostile process on its own mapped rings (xenib only: what native rxe
 * does with such rings is not the point).  Finds the send queue ring of a
 * QP with 8 slots among the device's mappings in /proc/self/maps.
 */
#define HOSTILE_SLOTS	8

static uint32_t *find_ring(uint32_t index_mask, void *not)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	uint32_t *found = NULL;

	if (!f)
		fail(errno, "opening /proc/self/maps");
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long start;
		uint32_t *hdr;

		if (!strstr(line, "/dev/infiniband/uverbs") ||
		    sscanf(line, "%lx-", &start) != 1)
			continue;
		hdr = (uint32_t *)start;
		if (hdr != not && hdr[1] == index_mask)
			found = hdr;
	}
	fclose(f);
	if (!found)
		fail(0, "no ring with index mask %u is mapped", index_mask);
	return found;
}

#define RING_PROD(r)	((r)[128 / 4])
#define RING_CONS(r)	((r)[256 / 4])
#define RING_SLOT(r, i)	((char *)(r) + 384 + ((size_t)(i) << (r)[0]))

/* The rxe provider's doorbell, alone: a POST_SEND command of no WRs. */
static void doorbell(struct ibv_qp *qp)
{
	struct {
		struct ib_uverbs_cmd_hdr hdr;
		struct ib_uverbs_post_send cmd;
	} req;
	struct ib_uverbs_post_send_resp resp;

	memset(&req, 0, sizeof(req));
	req.hdr.command = IB_USER_VERBS_CMD_POST_SEND;
	req.hdr.in_words = sizeof(req) / 4;
	req.hdr.out_words = sizeof(resp) / 4;
	req.cmd.response = (uintptr_t)&resp;
	req.cmd.qp_handle = qp->handle;
	req.cmd.wqe_size = sizeof(struct ib_uverbs_send_wr);
	if (write(qp->context->cmd_fd, &req, sizeof(req)) != sizeof(req))
		fail(errno, "the POST_SEND doorbell");
}

/* A self-connected RC QP with an 8-slot send queue on @d's CQ. */
static struct ibv_qp *hostile_qp(struct dp *d)
{
	struct ibv_qp *qp = dp_qp(d, HOSTILE_SLOTS - 3, 0);

	dp_connect(qp, qp->qp_num);
	return qp;
}

static void expect_qp_err(struct ibv_qp *qp, const char *what)
{
	struct ibv_qp_attr attr;
	struct ibv_qp_init_attr ia;

	check(ibv_query_qp(qp, &attr, IBV_QP_STATE, &ia), "ibv_query_qp");
	if (attr.qp_state != IBV_QPS_ERR)
		fail(0, "%s: the QP is in state %d, not ERR", what,
		     attr.qp_state);
}

static int cmd_hostile(struct ibv_context *ctx)
{
	struct ibv_wc wc;
	struct dp d;
	struct ibv_qp *qp;
	uint32_t *ring, prod;
	int i;

	dp_open(&d, ctx, DP_WR, 0, 0);

	/* An element of garbage: the QP fails, with the element's wr_id. */
	qp = hostile_qp(&d);
	ring = find_ring(HOSTILE_SLOTS - 1, NULL);
	prod = RING_PROD(ring);
	memset(RING_SLOT(ring, prod), 0xff, 1u << ring[0]);
	*(uint64_t *)RING_SLOT(ring, prod) = 0xbad;
	__atomic_store_n(&RING_PROD(ring), (prod + 1) & (HOSTILE_SLOTS - 1),
			 __ATOMIC_RELEASE);
	doorbell(qp);
	dp_poll(&d, &wc, 1, "a send queue element of 0xff bytes");
	if (wc.wr_id != 0xbad || (wc.status != IBV_WC_LOC_QP_OP_ERR &&
				  wc.status != IBV_WC_LOC_LEN_ERR))
		fail(0, "garbage element: completion wr_id 0x%llx status %s",
		     (unsigned long long)wc.wr_id,
		     ibv_wc_status_str(wc.status));
	expect_qp_err(qp, "garbage element");
	okf("an element of garbage completes with %s and the QP goes to ERR",
	    ibv_wc_status_str(wc.status));
	check(ibv_destroy_qp(qp), "ibv_destroy_qp");

	/* A producer index beyond the ring: the QP fails. */
	qp = hostile_qp(&d);
	ring = find_ring(HOSTILE_SLOTS - 1, NULL);
	__atomic_store_n(&RING_PROD(ring), 1000, __ATOMIC_RELEASE);
	doorbell(qp);
	dp_poll(&d, &wc, 1, "a producer index beyond the ring");
	if (wc.status != IBV_WC_LOC_QP_OP_ERR)
		fail(0, "producer index 1000: completion status %s",
		     ibv_wc_status_str(wc.status));
	expect_qp_err(qp, "producer index 1000");
	ok("a producer index beyond the ring fails the QP with LOC_QP_OP_ERR");
	check(ibv_destroy_qp(qp), "ibv_destroy_qp");

	/*
	 * Inline data on an RDMA READ: bytes a device could take for the
	 * SGEs to write the response into.  Refused like a bad opcode.
	 */
	qp = hostile_qp(&d);
	check(dp_post(&d, qp, 0x1e, IBV_WR_RDMA_READ,
		      IBV_SEND_SIGNALED | IBV_SEND_INLINE, DP_SRC(&d, 0), 16,
		      DP_DST(&d, 0), 0),
	      "posting an RDMA READ with inline data");
	dp_poll(&d, &wc, 1, "an RDMA READ with inline data");
	dp_expect(&wc, 0x1e, IBV_WC_LOC_QP_OP_ERR, -1,
		  "an RDMA READ with inline data");
	expect_qp_err(qp, "RDMA READ with inline data");
	ok("an RDMA READ with inline data fails with LOC_QP_OP_ERR");
	check(ibv_destroy_qp(qp), "ibv_destroy_qp");

	/* A storm of doorbells with nothing behind them. */
	for (i = 0; i < 20000; i++)
		doorbell(d.a);
	check(dp_post(&d, d.a, 5, IBV_WR_RDMA_WRITE, IBV_SEND_SIGNALED,
		      DP_SRC(&d, 0), DP_MSG, DP_DST(&d, 0), 0),
	      "posting after the storm");
	dp_poll(&d, &wc, 1, "RDMA WRITE after 20000 empty doorbells");
	dp_expect(&wc, 5, IBV_WC_SUCCESS, IBV_WC_RDMA_WRITE,
		  "RDMA WRITE after 20000 empty doorbells");
	ok("20000 empty doorbells, then the QP still works");

	dp_close(&d);
	return 0;
}

/*
 * Isolation.  "victim SECS" registers a buffer with every access right,
 * fills it with a pattern, prints its address and keys, and after SECS
 * seconds (or once VICTIM_STOP exists) checks that nothing changed it.
 * "attack ADDR LKEY RKEY", in another process, domain or guest, uses those
 * with its own QPs: the lkey in a local SGE, the rkey and address as the
 * target of RDMA WRITE, READ and an atomic.  Each must fail as natively:
 * keys are good only within their PD, and every guest's objects are in
 * real PDs of their own.
 */
#define VICTIM_LEN	(64 * 1024)
#define VICTIM_STOP	"/tmp/xenib-victim.stop"

static int cmd_victim(struct ibv_context *ctx, int secs)
{
	struct ibv_pd *pd = new_pd(ctx);
	char *buf = map_buf(VICTIM_LEN, PROT_READ | PROT_WRITE);
	char *copy = malloc(VICTIM_LEN);
	struct ibv_mr *mr;
	int i;

	if (!copy)
		fail(errno, "malloc");
	dp_fill(buf, VICTIM_LEN, 99);
	memcpy(copy, buf, VICTIM_LEN);
	mr = new_mr(pd, buf, VICTIM_LEN, MR_ALL, "the victim's buffer");
	unlink(VICTIM_STOP);
	printf("victim: addr=0x%llx lkey=0x%x rkey=0x%x\n",
	       (unsigned long long)(uintptr_t)buf, mr->lkey, mr->rkey);
	fflush(stdout);
	for (i = 0; i < secs * 10 && access(VICTIM_STOP, F_OK); i++)
		usleep(100000);
	for (i = 0; i < VICTIM_LEN; i++)
		if (buf[i] != copy[i])
			fail(0, "the victim's buffer changed at byte %d", i);
	ok("the victim's buffer is unchanged");
	check(ibv_dereg_mr(mr), "ibv_dereg_mr");
	unmap_buf(buf, VICTIM_LEN);
	check(ibv_dealloc_pd(pd), "ibv_dealloc_pd");
	free(copy);
	return 0;
}

static int cmd_attack(struct ibv_context *ctx, uint64_t addr, uint32_t lkey,
		      uint32_t rkey)
{
	static const struct {
		enum ibv_wr_opcode opcode;
		const char *name;
	} remote[] = {
		{ IBV_WR_RDMA_WRITE, "an RDMA WRITE" },
		{ IBV_WR_RDMA_READ, "an RDMA READ" },
		{ IBV_WR_ATOMIC_FETCH_AND_ADD, "a FETCH_ADD" },
	};
	struct ibv_send_wr wr, *bad;
	struct ibv_sge sge;
	struct ibv_wc wc;
	unsigned int i;
	struct dp d;
	char what[96];

	/* The other's lkey in a local SGE of our own SEND. */
	dp_open(&d, ctx, DP_WR, 0, 0);
	dp_post_recv(&d, d.b, 1, DP_RECV(&d, 0), DP_MSG);
	dp_send_prot_err(&d, 1, addr, 64, lkey, "a SEND from another's lkey");
	ok("a SEND from another's buffer and lkey fails with a local protection error");
	dp_close(&d);

	/* The other's address and rkey as the target of our own QPs. */
	for (i = 0; i < sizeof(remote) / sizeof(remote[0]); i++) {
		int atomic = remote[i].opcode == IBV_WR_ATOMIC_FETCH_AND_ADD;

		dp_open(&d, ctx, DP_WR, 0, 0);
		sge.addr = (uintptr_t)DP_SCRATCH(&d);
		sge.length = atomic ? 8 : 64;
		sge.lkey = d.mr->lkey;
		memset(&wr, 0, sizeof(wr));
		wr.wr_id = 2 + i;
		wr.sg_list = &sge;
		wr.num_sge = 1;
		wr.opcode = remote[i].opcode;
		wr.send_flags = IBV_SEND_SIGNALED;
		if (atomic) {
			wr.wr.atomic.remote_addr = addr;
			wr.wr.atomic.rkey = rkey;
			wr.wr.atomic.compare_add = 1;
		} else {
			wr.wr.rdma.remote_addr = addr;
			wr.wr.rdma.rkey = rkey;
		}
		snprintf(what, sizeof(what), "%s to another's address and rkey",
			 remote[i].name);
		check(ibv_post_send(d.a, &wr, &bad), what);
		dp_poll(&d, &wc, 1, what);
		dp_expect(&wc, 2 + i, IBV_WC_REM_ACCESS_ERR, -1, what);
		okf("%s fails with a remote access error", what);
		dp_close(&d);
	}
	return 0;
}

/*
 * Send from GID @idx of port 1: an AH from it to itself, and an RC QP
 * brought to RTR with that address vector.  Both must work if @refused is
 * 0, both fail with EACCES otherwise (an address the guest may not use).
 */
static int cmd_send_from(struct ibv_context *ctx, int idx, int refused)
{
	struct ibv_pd *pd = ibv_alloc_pd(ctx);
	struct ibv_cq *cq = ibv_create_cq(ctx, 4, NULL, NULL, 0);
	struct ibv_ah_attr ah_attr;
	struct ibv_qp_attr a;
	struct ibv_ah *ah;
	struct ibv_qp *qp;
	char what[128];
	int mask, err;

	if (!pd || !cq)
		fail(errno, "%s", "ibv_alloc_pd / ibv_create_cq");
	if (ibv_query_gid(ctx, 1, idx, &own_gid))
		fail(errno, "ibv_query_gid index %d", idx);
	own_gid_index = idx;
	own_ah_attr(&ah_attr);
	ah = ibv_create_ah(pd, &ah_attr);
	snprintf(what, sizeof(what), "ibv_create_ah from GID %d", idx);
	if (refused)
		expect_err(what, !ah, errno, EACCES);
	else if (!ah)
		fail(errno, "%s", what);
	else
		okf("%s", what);
	if (ah)
		check(ibv_destroy_ah(ah), "ibv_destroy_ah");

	qp = new_qp(pd, IBV_QPT_RC, cq, NULL);
	init_attr(qp, &a, &mask);
	check(ibv_modify_qp(qp, &a, mask), "RC QP to INIT");
	rtr_attr(qp, &a, &mask);
	err = ibv_modify_qp(qp, &a, mask);
	snprintf(what, sizeof(what), "an RC QP to RTR from GID %d", idx);
	if (refused)
		expect_err(what, err, err, EACCES);
	else if (err)
		fail(err, "%s", what);
	else
		okf("%s", what);
	check(ibv_destroy_qp(qp), "ibv_destroy_qp");
	check(ibv_destroy_cq(cq), "ibv_destroy_cq");
	check(ibv_dealloc_pd(pd), "ibv_dealloc_pd");
	return 0;
}

/*
 * The subcommands, with their arguments as usage() shows them (one word
 * each, "[N]" optional) and whether they need query_env() first.
 */
/* A subcommand without arguments. */
#define NO_ARGS(cmd)							\
static int run_##cmd(struct ibv_context *c, char **a)			\
{									\
	(void)a;							\
	return cmd_##cmd(c);						\
}
NO_ARGS(query)
NO_ARGS(cq)
NO_ARGS(qp)
NO_ARGS(srq)
NO_ARGS(ah)
NO_ARGS(mr)
NO_ARGS(ops)
NO_ARGS(flush)
NO_ARGS(sqfull)
NO_ARGS(badkey)
NO_ARGS(events)
NO_ARGS(hostile)
static int run_pd(struct ibv_context *c, char **a)
{
	return cmd_pd(c, a[0] ? atoi(a[0]) : 16);
}
static int run_pd_quota(struct ibv_context *c, char **a)
{
	return cmd_pd_quota(c, atoi(a[0]));
}
static int run_hold_pd(struct ibv_context *c, char **a)
{
	return cmd_hold_pd(c, atoi(a[0]), atoi(a[1]));
}
static int run_hold_objs(struct ibv_context *c, char **a)
{
	return cmd_hold_objs(c, atoi(a[0]));
}
static int run_hold_mr(struct ibv_context *c, char **a)
{
	return cmd_hold_mr(c, atoi(a[0]), atoi(a[1]));
}
static int run_quota(struct ibv_context *c, char **a)
{
	return cmd_quota(c, a[0], atoi(a[1]));
}
static int run_many(struct ibv_context *c, char **a)
{
	return cmd_many(c, atoi(a[0]));
}
static int run_stream(struct ibv_context *c, char **a)
{
	return cmd_stream(c, atoi(a[0]));
}
static int run_async(struct ibv_context *c, char **a)
{
	return cmd_async(c, atoi(a[0]));
}
static int run_victim(struct ibv_context *c, char **a)
{
	return cmd_victim(c, atoi(a[0]));
}
static int run_attack(struct ibv_context *c, char **a)
{
	return cmd_attack(c, strtoull(a[0], NULL, 0), strtoul(a[1], NULL, 0),
			  strtoul(a[2], NULL, 0));
}
static int run_send_from(struct ibv_context *c, char **a)
{
	if (strcmp(a[1], "allowed") && strcmp(a[1], "refused"))
		return -1;
	return cmd_send_from(c, atoi(a[0]), !strcmp(a[1], "refused"));
}

static const struct subcommand {
	const char *name;
	const char *args;
	int nargs;		/* required */
	int env;
	int (*run)(struct ibv_context *ctx, char **args);
} subcommands[] = {
	{ "query", "", 0, 0, run_query },
	{ "pd", "[N]", 0, 0, run_pd },
	{ "pd-quota", "MAX", 1, 0, run_pd_quota },
	{ "hold-pd", "N SECS", 2, 0, run_hold_pd },
	{ "cq", "", 0, 1, run_cq },
	{ "qp", "", 0, 1, run_qp },
	{ "srq", "", 0, 1, run_srq },
	{ "ah", "", 0, 1, run_ah },
	{ "hold-objs", "SECS", 1, 1, run_hold_objs },
	{ "mr", "", 0, 0, run_mr },
	{ "hold-mr", "MB SECS", 2, 0, run_hold_mr },
	{ "quota", "cq|qp|srq|ah|mr MAX", 2, 1, run_quota },
	{ "ops", "", 0, 1, run_ops },
	{ "many", "N", 1, 1, run_many },
	{ "flush", "", 0, 1, run_flush },
	{ "sqfull", "", 0, 1, run_sqfull },
	{ "badkey", "", 0, 1, run_badkey },
	{ "events", "", 0, 1, run_events },
	{ "stream", "SECS", 1, 1, run_stream },
	{ "async", "SECS", 1, 0, run_async },
	{ "hostile", "", 0, 1, run_hostile },
	{ "victim", "SECS", 1, 1, run_victim },
	{ "attack", "ADDR LKEY RKEY", 3, 1, run_attack },
	{ "send-from", "GID_INDEX allowed|refused", 2, 0, run_send_from },
};

#define NR_SUBCOMMANDS	(sizeof(subcommands) / sizeof(subcommands[0]))

static void usage(void)
{
	unsigned int i;

	fprintf(stderr, "usage: xenib-verbs-test [-d DEV] SUBCOMMAND [ARGS], one of:\n");
	for (i = 0; i < NR_SUBCOMMANDS; i++)
		fprintf(stderr, "  %s%s%s\n", subcommands[i].name,
			*subcommands[i].args ? " " : "", subcommands[i].args);
	exit(2);
}

int main(int argc, char **argv)
{
	const struct subcommand *sub = NULL;
	struct ibv_context *ctx;
	unsigned int i;
	int ret, opt;

	while ((opt = getopt(argc, argv, "d:")) != -1) {
		if (opt != 'd')
			usage();
		test_dev_name = optarg;
	}
	if (optind >= argc)
		usage();
	for (i = 0; i < NR_SUBCOMMANDS; i++)
		if (!strcmp(argv[optind], subcommands[i].name))
			sub = &subcommands[i];
	if (!sub || argc - optind - 1 < sub->nargs)
		usage();
	ctx = open_dev(test_dev_name);
	if (sub->env)
		query_env(ctx);
	ret = sub->run(ctx, argv + optind + 1);
	if (ret < 0)
		usage();

	if (ibv_close_device(ctx))
		die("%s", "ibv_close_device", errno);
	return ret;
}
