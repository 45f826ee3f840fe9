// SPDX-License-Identifier: GPL-2.0
/*
 * Write the fuzzing harness's seed corpus into the directory given: for
 * each target one or more inputs the checks accept, so that fuzzing starts
 * from the paths a real guest takes (tests/fuzz/fuzz-guest-input.c).
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

enum target { T_CTRL, T_QUEUE, T_SEND, T_RECV, T_RING, T_EVENT, T_BIND };

static const char *dir;

static void put(const char *name, u8 target, const void *a, size_t alen,
		const void *b, size_t blen)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(&target, 1, 1, f) != 1 ||
	    fwrite(a, 1, alen, f) != alen ||
	    (blen && fwrite(b, 1, blen, f) != blen) || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* A queue of 2^log2_slots elements of 2^log2_elem bytes, as the frontend. */
static void queue(struct xenib_queue *q, u8 log2_elem, u8 log2_slots)
{
	u64 size = XENIB_QUEUE_HDR_SIZE + ((u64)1 << (log2_elem + log2_slots));

	memset(q, 0, sizeof(*q));
	q->log2_elem_size = log2_elem;
	q->log2_slots = log2_slots;
	q->nr_pages = DIV_ROUND_UP_ULL(size, XENIB_PAGE_SIZE);
	q->nr_indirect = DIV_ROUND_UP(q->nr_pages, XENIB_REFS_PER_INDIRECT);
}

static void ctrl_seeds(void)
{
	struct xenib_ctrl_request r;

	memset(&r, 0, sizeof(r));
	r.op = XENIB_OP_CREATE_CQ;
	r.u.create_cq.cqe = 255;
	queue(&r.u.create_cq.queue, 7, 8);
	put("ctrl-create-cq", T_CTRL, &r, sizeof(r), NULL, 0);

	r.op = XENIB_OP_RESIZE_CQ;
	r.u.resize_cq.handle = 1;
	r.u.resize_cq.cqe = 1000;
	queue(&r.u.resize_cq.queue, 7, 10);
	put("ctrl-resize-cq", T_CTRL, &r, sizeof(r), NULL, 0);

	memset(&r, 0, sizeof(r));
	r.op = XENIB_OP_CREATE_QP;
	r.u.create_qp.qp_type = XENIB_QPT_RC;
	r.u.create_qp.pd = 1;
	r.u.create_qp.send_cq = 1;
	r.u.create_qp.recv_cq = 1;
	r.u.create_qp.cap.max_send_wr = 15;
	r.u.create_qp.cap.max_recv_wr = 15;
	r.u.create_qp.cap.max_send_sge = 4;
	r.u.create_qp.cap.max_recv_sge = 4;
	r.u.create_qp.cap.max_inline_data = 64;
	queue(&r.u.create_qp.sq, 9, 4);
	queue(&r.u.create_qp.rq, 7, 4);
	put("ctrl-create-qp", T_CTRL, &r, sizeof(r), NULL, 0);

	memset(&r, 0, sizeof(r));
	r.op = XENIB_OP_CREATE_SRQ;
	r.u.create_srq.pd = 1;
	r.u.create_srq.attr.max_wr = 63;
	r.u.create_srq.attr.max_sge = 1;
	queue(&r.u.create_srq.queue, 6, 6);
	put("ctrl-create-srq", T_CTRL, &r, sizeof(r), NULL, 0);

	memset(&r, 0, sizeof(r));
	r.op = XENIB_OP_REG_MR;
	r.u.reg_mr.pd = 1;
	r.u.reg_mr.access = IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_WRITE;
	r.u.reg_mr.iova = 0x7f0000001010ULL;
	r.u.reg_mr.offset = 0x10;
	r.u.reg_mr.length = 3 * XENIB_PAGE_SIZE;
	r.u.reg_mr.nr_pages = 4;
	r.u.reg_mr.nr_indirect = 1;
	put("ctrl-reg-mr", T_CTRL, &r, sizeof(r), NULL, 0);

	/* 1 GiB in two levels: 256 indirect pages listed in one. */
	r.u.reg_mr.iova = 0x7f0000000000ULL;
	r.u.reg_mr.offset = 0;
	r.u.reg_mr.length = 1ULL << 30;
	r.u.reg_mr.nr_pages = 262144;
	r.u.reg_mr.nr_indirect = 1;
	r.u.reg_mr.flags = XENIB_MR_F_INDIRECT2;
	put("ctrl-reg-mr-2level", T_CTRL, &r, sizeof(r), NULL, 0);

	memset(&r, 0, sizeof(r));
	r.op = XENIB_OP_ATTACH_MCAST;
	r.u.mcast.qp = 1;
	r.u.mcast.gid[10] = 0xff;
	r.u.mcast.gid[11] = 0xff;
	r.u.mcast.gid[12] = 239;
	r.u.mcast.gid[15] = 1;
	put("ctrl-attach-mcast", T_CTRL, &r, sizeof(r), NULL, 0);

	memset(&r, 0, sizeof(r));
	r.op = XENIB_OP_ALLOC_MW;
	r.u.alloc_mw.pd = 1;
	r.u.alloc_mw.type = IB_MW_TYPE_2;
	put("ctrl-alloc-mw", T_CTRL, &r, sizeof(r), NULL, 0);

	/* To RTR over a RoCE v2 GID, as librdmacm moves an RC QP. */
	memset(&r, 0, sizeof(r));
	r.op = XENIB_OP_MODIFY_QP;
	r.u.modify_qp.handle = 1;
	r.u.modify_qp.attr_mask = IB_QP_AV | 1;
	r.u.modify_qp.attr.qp_state = 3;
	r.u.modify_qp.attr.ah_attr.flags = XENIB_AH_F_GRH;
	r.u.modify_qp.attr.ah_attr.gid_type = IB_GID_TYPE_ROCE_UDP_ENCAP;
	r.u.modify_qp.attr.ah_attr.hop_limit = 64;
	put("ctrl-modify-qp", T_CTRL, &r, sizeof(r), NULL, 0);

	memset(&r, 0, sizeof(r));
	r.op = XENIB_OP_MODIFY_SRQ;
	r.u.modify_srq.handle = 1;
	r.u.modify_srq.attr_mask = IB_SRQ_LIMIT;
	r.u.modify_srq.attr.srq_limit = 8;
	put("ctrl-modify-srq", T_CTRL, &r, sizeof(r), NULL, 0);

	memset(&r, 0, sizeof(r));
	r.op = XENIB_OP_CREATE_AH;
	r.u.create_ah.pd = 1;
	r.u.create_ah.attr.flags = XENIB_AH_F_GRH;
	r.u.create_ah.attr.gid_type = IB_GID_TYPE_ROCE_UDP_ENCAP;
	put("ctrl-create-ah", T_CTRL, &r, sizeof(r), NULL, 0);

	/* A CM REQ's header, as the guest's CM sends it to QP1. */
	memset(&r, 0, sizeof(r));
	r.op = XENIB_OP_SEND_MAD;
	r.u.send_mad.ah.flags = XENIB_AH_F_GRH;
	r.u.send_mad.ah.gid_type = IB_GID_TYPE_ROCE_UDP_ENCAP;
	r.u.send_mad.remote_qpn = 1;
	r.u.send_mad.remote_qkey = IB_QP1_QKEY;
	r.u.send_mad.mad[0] = IB_MGMT_BASE_VERSION;
	r.u.send_mad.mad[1] = IB_MGMT_CLASS_CM;
	r.u.send_mad.mad[2] = XENIB_CM_CLASS_VERSION;
	r.u.send_mad.mad[3] = IB_MGMT_METHOD_SEND;
	put("ctrl-send-mad", T_CTRL, &r, sizeof(r), NULL, 0);
}

static void queue_seed(void)
{
	struct xenib_queue q;
	u16 min_elem = 4096;
	u32 min_slots = 6;
	u8 buf[sizeof(q) + sizeof(min_elem) + sizeof(min_slots)];

	queue(&q, 12, 3);
	memcpy(buf, &q, sizeof(q));
	memcpy(buf + sizeof(q), &min_elem, sizeof(min_elem));
	memcpy(buf + sizeof(q) + sizeof(min_elem), &min_slots,
	       sizeof(min_slots));
	put("queue", T_QUEUE, buf, sizeof(buf), NULL, 0);
}

/*
 * Limits: RC (0x81 % 3) with atomics (0x80), 4 SGEs, 64 inline bytes; a
 * 512-byte element.
 */
struct send_prefix {
	u8 sel, max_sge;
	u16 max_inline;
	u8 log2_elem_minus_min;
} __attribute__((packed));

static void send_seed(const char *name, u32 opcode, u32 flags, u32 num_sge,
		      u32 inline_len)
{
	/* An RC QP on a device with atomics; windows for their opcodes. */
	struct send_prefix p = { opcode >= IB_WR_LOCAL_INV ? 0xc0 : 0x81, 4, 64,
				 9 - XENIB_QUEUE_MIN_ELEM_LOG2 };
	u8 elem[512];
	struct rxe_send_wqe *wqe = (void *)elem;
	/* Then per SGE its MR: iova, length, access. */
	struct {
		u64 iova, length;
		u8 access;
	} __attribute__((packed)) mrs[4];
	u8 buf[sizeof(p) + sizeof(elem) + sizeof(mrs)];
	u32 i;

	memset(elem, 0, sizeof(elem));
	memset(mrs, 0, sizeof(mrs));
	wqe->wr.opcode = opcode;
	wqe->wr.send_flags = flags;
	wqe->dma.num_sge = num_sge;
	wqe->dma.length = inline_len;
	for (i = 0; i < num_sge; i++) {
		wqe->dma.sge[i].addr = 0x10000 + i * 64;
		wqe->dma.sge[i].length = opcode >= IB_WR_ATOMIC_CMP_AND_SWP ?
					 8 : 64;
		wqe->dma.sge[i].lkey = 0x100 + i;
		mrs[i].iova = 0x10000;
		mrs[i].length = 0x1000;
		mrs[i].access = IB_ACCESS_LOCAL_WRITE;
	}
	memcpy(buf, &p, sizeof(p));
	memcpy(buf + sizeof(p), elem, sizeof(elem));
	memcpy(buf + sizeof(p) + sizeof(elem), mrs, sizeof(mrs));
	put(name, T_SEND, buf, sizeof(buf), NULL, 0);
}

static void recv_seed(void)
{
	u8 buf[2 + 128 + 2 * 17];
	struct rxe_recv_wqe *wqe = (void *)(buf + 2);
	int i;

	memset(buf, 0, sizeof(buf));
	buf[0] = 2;			/* max_sge */
	buf[1] = 7 - XENIB_QUEUE_MIN_ELEM_LOG2;
	wqe->dma.num_sge = 2;
	wqe->dma.sge[0].addr = 0x2000;
	wqe->dma.sge[0].length = 100;
	wqe->dma.sge[1].addr = 0x3000;
	wqe->dma.sge[1].length = 100;
	/* Each SGE's MR: iova, length, access. */
	for (i = 0; i < 2; i++) {
		u8 *mr = buf + 2 + 128 + i * 17;
		u64 iova = 0x2000, length = 0x2000;

		memcpy(mr, &iova, 8);
		memcpy(mr + 8, &length, 8);
		mr[16] = IB_ACCESS_LOCAL_WRITE;
	}
	put("recv", T_RECV, buf, sizeof(buf), NULL, 0);
}

static void ring_seed(void)
{
	/* 16 slots, head 5, 15 may be posted; then produce, take, retire. */
	struct {
		u8 log2;
		u32 head, max_posted;
		struct {
			u8 op;
			u32 v;
		} __attribute__((packed)) step[6];
	} __attribute__((packed)) s = {
		4, 5, 15,
		{ { 1, 3 }, { 2, 0 }, { 3, 2 }, { 1, 7 }, { 2, 0 }, { 0, 99 } },
	};

	put("ring", T_RING, &s, sizeof(s), NULL, 0);
}

static void bind_seed(void)
{
	/* A type 2 window over 1 KiB of a 64 KiB MR with MW_BIND access. */
	struct {
		u8 sel;
		u16 max_pages;
		u64 addr, length;
		u32 access;
		u8 mr_access;
		u64 mr_iova, mr_length;
	} __attribute__((packed)) s = {
		1, 16, 0x10100, 1024,
		IB_ACCESS_REMOTE_WRITE | IB_ACCESS_LOCAL_WRITE,
		IB_ACCESS_MW_BIND | IB_ACCESS_LOCAL_WRITE, 0x10000, 0x10000,
	};

	put("bind", T_BIND, &s, sizeof(s), NULL, 0);
}

static void event_seed(void)
{
	/* Near the wrap of the indices: post 3, read 2, post 200, read all. */
	u8 s[] = { 0xf0, 0xff, 0xff, 0xff, 0, 0, 0, 1, 2, 0, 0, 0, 1, 255 };
	u8 buf[sizeof(s) + 200];

	memcpy(buf, s, sizeof(s));
	memset(buf + sizeof(s), 0, 200);
	put("event", T_EVENT, buf, sizeof(buf), NULL, 0);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	ctrl_seeds();
	queue_seed();
	send_seed("send-sge", IB_WR_SEND, IB_SEND_SIGNALED, 2, 0);
	send_seed("send-inline", IB_WR_SEND_WITH_IMM, IB_SEND_INLINE, 0, 40);
	send_seed("send-write", IB_WR_RDMA_WRITE, 0, 4, 0);
	send_seed("send-read", IB_WR_RDMA_READ, IB_SEND_SIGNALED, 1, 0);
	send_seed("send-atomic", IB_WR_ATOMIC_FETCH_AND_ADD, 0, 1, 0);
	send_seed("send-with-inv", IB_WR_SEND_WITH_INV, IB_SEND_SIGNALED, 1, 0);
	send_seed("send-bind-mw", IB_WR_BIND_MW, IB_SEND_SIGNALED, 0, 0);
	send_seed("send-local-inv", IB_WR_LOCAL_INV, 0, 0, 0);
	recv_seed();
	ring_seed();
	event_seed();
	bind_seed();
	return 0;
}
