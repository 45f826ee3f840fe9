// SPDX-License-Identifier: GPL-2.0
/*
 * xenib-dp-bench: latency and bandwidth of one RC connection, 1 B .. 4 MiB,
 * timed with the wall clock.
 *
 *   server:  xenib-dp-bench -d DEV [-x GID_INDEX] [-p PORT] [-n ITERS] [-s SIZE] [-b MIB] [-t TIMEOUT] [-e]
 *   client:  xenib-dp-bench -d DEV [-x GID_INDEX] [-p PORT] [-n ITERS] [-s SIZE] [-b MIB] [-t TIMEOUT] [-e] HOST
 *
 * -t is the QPs' local ACK timeout, 4.096 us << TIMEOUT (default 14, 67 ms,
 * perftest's): across emulated hosts a round trip can take longer than
 * that, and every message would be sent again before its ACK came back.
 *
 * With -e (on both sides) completions are waited for through a completion
 * channel instead of polled for: nobody spins.
 *
 * For each size (only SIZE with -s, on both sides) the client prints one line
 *   size=BYTES lat_us=L bw_mbps=B
 * L is half the median round trip of a SEND ping-pong (ITERS round trips, a
 * quarter of them from 256 KiB), B the rate of RDMA WRITEs with up to
 * DEPTH in flight (MIB MiB worth, default 64, 4 to 1024 of them; the
 * same MIB on both sides), in MB/s (10^6 bytes) from the first post to the
 * last completion.
 *
 * perftest measures time in CPU cycles and converts with a CPU frequency it
 * estimates; on an emulated machine (the testbed's QEMU TCG) the estimate
 * often fails and it reports inf or 0.  This program is what the benchmark
 * uses instead; perftest itself is run by the tests to show it works.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <infiniband/verbs.h>
#include "testlib.h"

#define MAX_SIZE	(4u << 20)
#define DEPTH		32
#define PSN		0x4242

struct peer {
	uint32_t qpn;
	uint64_t addr;
	uint32_t rkey;
	union ibv_gid gid;
};

static struct ibv_context *ctx;
static struct ibv_pd *pd;
static int use_events;				/* -e */
static int ack_timeout = 14;			/* -t */
static struct ibv_comp_channel *channel;
static struct ibv_cq *cq;
static struct ibv_qp *qp;
static struct ibv_mr *send_mr, *recv_mr;
static char *send_buf, *recv_buf;
static struct peer remote;
static int sock = -1;
static int gid_index;

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void setup(void)
{
	struct ibv_qp_init_attr ia = {
		.qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = DEPTH, .max_recv_wr = DEPTH,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	int access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE;

	pd = ibv_alloc_pd(ctx);
	if (use_events) {
		channel = ibv_create_comp_channel(ctx);
		if (!channel)
			die("%s", "ibv_create_comp_channel", errno);
	}
	cq = ibv_create_cq(ctx, 4 * DEPTH, NULL, channel, 0);
	if (!pd || !cq)
		die("%s", "ibv_alloc_pd/ibv_create_cq", errno);
	ia.send_cq = cq;
	ia.recv_cq = cq;
	qp = ibv_create_qp(pd, &ia);
	if (!qp)
		die("%s", "ibv_create_qp", errno);
	send_buf = aligned_alloc(4096, MAX_SIZE);
	recv_buf = aligned_alloc(4096, MAX_SIZE);
	if (!send_buf || !recv_buf)
		die("%s", "out of memory", 0);
	memset(send_buf, 0x5a, MAX_SIZE);
	memset(recv_buf, 0, MAX_SIZE);
	send_mr = ibv_reg_mr(pd, send_buf, MAX_SIZE, access);
	recv_mr = ibv_reg_mr(pd, recv_buf, MAX_SIZE, access);
	if (!send_mr || !recv_mr)
		die("%s", "ibv_reg_mr", errno);
}

static void connect_qp(void)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT,
		.port_num = 1,
		.qp_access_flags = IBV_ACCESS_REMOTE_WRITE,
	};
	struct peer local = { .qpn = qp->qp_num,
			      .addr = (uintptr_t)recv_buf,
			      .rkey = recv_mr->rkey };

	if (ibv_query_gid(ctx, 1, gid_index, &local.gid))
		die("%s", "ibv_query_gid", errno);
	tcp_xfer(sock, &local, NULL, sizeof(local));
	tcp_xfer(sock, NULL, &remote, sizeof(remote));

	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
			  IBV_QP_PORT | IBV_QP_ACCESS_FLAGS))
		die("%s", "QP to INIT", errno);
	rc_connect(qp, remote.qpn, remote.gid.raw, gid_index, PSN,
		   ack_timeout, 7);
}

static void post_recv(void);

/* Both sides have receives posted before either sends. */
static void start(void)
{
	char sync = 0;
	int i;

	for (i = 0; i < DEPTH / 2; i++)
		post_recv();
	tcp_xfer(sock, &sync, NULL, 1);
	tcp_xfer(sock, NULL, &sync, 1);
}

/* Receives take the largest message, so any receive fits any size. */
static void post_recv(void)
{
	struct ibv_sge sge = { (uintptr_t)recv_buf, MAX_SIZE, recv_mr->lkey };
	struct ibv_recv_wr wr = { .wr_id = 1, .sg_list = &sge, .num_sge = 1 };
	struct ibv_recv_wr *bad;

	if (ibv_post_recv(qp, &wr, &bad))
		die("%s", "ibv_post_recv", errno);
}

static void post_send(enum ibv_wr_opcode op, uint32_t size)
{
	struct ibv_sge sge = { (uintptr_t)send_buf, size, send_mr->lkey };
	struct ibv_send_wr wr = {
		.wr_id = 2, .sg_list = &sge, .num_sge = 1, .opcode = op,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.rdma = { remote.addr, remote.rkey },
	};
	struct ibv_send_wr *bad;

	if (ibv_post_send(qp, &wr, &bad))
		die("%s", "ibv_post_send", errno);
}

/* Wait for one completion; returns its wr_id (1 receive, 2 send). */
static uint64_t wait_wc(void)
{
	static int armed;
	struct ibv_cq *ev_cq;
	struct ibv_wc wc;
	void *ev_ctx;
	int n;

	while (!(n = ibv_poll_cq(cq, 1, &wc))) {
		if (!channel)
			continue;
		/* Armed, then polled once more: nothing slips between. */
		if (!armed) {
			if (ibv_req_notify_cq(cq, 0))
				die("%s", "ibv_req_notify_cq", errno);
			armed = 1;
			continue;
		}
		if (ibv_get_cq_event(channel, &ev_cq, &ev_ctx))
			die("%s", "ibv_get_cq_event", errno);
		ibv_ack_cq_events(ev_cq, 1);
		armed = 0;
	}
	if (n < 0 || wc.status != IBV_WC_SUCCESS) {
		fprintf(stderr, "xenib-dp-bench: completion %s\n",
			n < 0 ? "poll failed" : ibv_wc_status_str(wc.status));
		exit(1);
	}
	return wc.wr_id;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * SEND ping-pong: half the median round trip, in microseconds.  A send's
 * completion may come after the peer's answer, so sends and receives are
 * counted apart.
 */
static double latency(uint32_t size, int iters, int client, double *rtt)
{
	int i, recvs = 0, sends = 0;

	for (i = 0; i < iters; i++) {
		double t0 = now_us();

		if (client)
			post_send(IBV_WR_SEND, size);
		while (recvs <= i) {
			if (wait_wc() == 1) {
				recvs++;
				post_recv();
			} else {
				sends++;
			}
		}
		if (!client)
			post_send(IBV_WR_SEND, size);
		rtt[i] = now_us() - t0;
	}
	while (sends < iters)
		if (wait_wc() == 2)
			sends++;
	qsort(rtt, iters, sizeof(*rtt), cmp_double);
	return rtt[iters / 2] / 2;
}

/* ITERS RDMA WRITEs, DEPTH in flight: MB/s. */
static double bandwidth(uint32_t size, int iters, int client)
{
	int posted = 0, done = 0;
	char sync = 0;
	double t0;

	if (!client) {
		tcp_xfer(sock, NULL, &sync, 1);	/* the client is done */
		tcp_xfer(sock, &sync, NULL, 1);
		return 0;
	}
	t0 = now_us();
	while (done < iters) {
		while (posted < iters && posted - done < DEPTH) {
			post_send(IBV_WR_RDMA_WRITE, size);
			posted++;
		}
		wait_wc();
		done++;
	}
	t0 = now_us() - t0;
	tcp_xfer(sock, &sync, NULL, 1);
	tcp_xfer(sock, NULL, &sync, 1);
	/* A coarse clock can make a short run take no time at all. */
	return t0 > 0 ? (double)size * iters / t0 : 0;
}

int main(int argc, char **argv)
{
	const char *dev = NULL, *port = "18600";
	int iters = 100, mib = 64, opt, client;
	uint32_t size, only = 0;
	double *rtt;

	while ((opt = getopt(argc, argv, "d:x:p:n:s:b:t:e")) != -1) {
		switch (opt) {
		case 'd':
			dev = optarg;
			break;
		case 'x':
			gid_index = atoi(optarg);
			break;
		case 'p':
			port = optarg;
			break;
		case 'n':
			iters = atoi(optarg);
			break;
		case 's':
			only = strtoul(optarg, NULL, 0);
			break;
		case 'b':
			mib = atoi(optarg);
			break;
		case 't':
			ack_timeout = atoi(optarg);
			break;
		case 'e':
			use_events = 1;
			break;
		default:
			fprintf(stderr, "usage: xenib-dp-bench [-d DEV] [-x GID_INDEX] [-p PORT] [-n ITERS] [-s SIZE] [-b MIB] [-t TIMEOUT] [-e] [HOST]\n");
			return 2;
		}
	}
	if (iters < 1)
		die("%s", "-n wants at least 1", 0);
	if (ack_timeout < 1 || ack_timeout > 31)
		die("%s", "-t wants 1 .. 31 (4.096 us << TIMEOUT)", 0);
	if (mib < 1 || mib > 1024)
		die("%s", "-b wants 1 .. 1024 MiB", 0);
	if (only > MAX_SIZE || (only & (only - 1)))
		die("%s", "-s wants a power of two up to 4 MiB", 0);
	client = optind < argc;
	rtt = calloc(iters, sizeof(*rtt));
	if (!rtt)
		die("%s", "out of memory", 0);
	ctx = open_dev(dev);
	setup();
	sock = tcp_pair(client ? argv[optind] : NULL, port);
	connect_qp();
	start();
	for (size = only ? only : 1; size <= (only ? only : MAX_SIZE);
	     size *= 2) {
		/* Fewer round trips for large messages: emulation is slow. */
		int n = size >= (256u << 10) ? (iters + 3) / 4 : iters;
		double lat = latency(size, n, client, rtt);
		int writes = ((uint64_t)mib << 20) / size;
		double bw;

		writes = writes < 4 ? 4 : writes > 1024 ? 1024 : writes;
		bw = bandwidth(size, writes, client);

		if (client) {
			printf("size=%u lat_us=%.1f bw_mbps=%.2f\n", size, lat,
			       bw);
			fflush(stdout);
		}
	}
	return 0;
}
