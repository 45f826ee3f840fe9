// SPDX-License-Identifier: GPL-2.0
/*
 * What the C test programs of tests/verbs share; see testlib.h.
 *
 * Copyright (c) 2026 The xenib authors
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netdb.h>
#include <sys/socket.h>
#include "testlib.h"

void die(const char *fmt, const char *what, int err)
{
	fprintf(stderr, "FAIL: ");
	fprintf(stderr, fmt, what);
	if (err)
		fprintf(stderr, ": %s (errno %d)", strerror(err), err);
	fputc('\n', stderr);
	exit(1);
}

void fail(int err, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	die("%s", buf, err);
}

void ok(const char *what)
{
	printf("ok: %s\n", what);
	fflush(stdout);
}

void okf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ok(buf);
}

const char *errname(int err)
{
	static char buf[32];

	switch (err) {
	case 0:
		return "success";
	case EPERM:
		return "EPERM";
	case ENOENT:
		return "ENOENT";
	case EIO:
		return "EIO";
	case ENOMEM:
		return "ENOMEM";
	case EFAULT:
		return "EFAULT";
	case EBUSY:
		return "EBUSY";
	case EINVAL:
		return "EINVAL";
	case ENOSPC:
		return "ENOSPC";
	case ENOSYS:
		return "ENOSYS";
	case ENODATA:
		return "ENODATA";
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	case EADDRNOTAVAIL:
		return "EADDRNOTAVAIL";
	case EACCES:
		return "EACCES";
	case ENETUNREACH:
		return "ENETUNREACH";
	}
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

void expect_err(const char *what, int failed, int err, int want)
{
	if (!failed)
		fail(0, "%s succeeded, expected it to fail with %s", what,
		     errname(want));
	if (err != want)
		fail(err, "%s failed, but not with %s as expected", what,
		     errname(want));
	okf("%s fails with %s", what, errname(want));
}

void check(int err, const char *what)
{
	if (err)
		die("%s", what, err);
}

void rc_connect(struct ibv_qp *qp, uint32_t dest_qpn, const uint8_t *dgid,
		int sgid_index, uint32_t psn, uint8_t timeout,
		uint8_t retry_cnt)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_RTR, .path_mtu = IBV_MTU_1024,
		.dest_qp_num = dest_qpn, .rq_psn = psn,
		.max_dest_rd_atomic = 1, .min_rnr_timer = 12,
		.ah_attr = { .is_global = 1, .port_num = 1,
			     .grh = { .sgid_index = sgid_index,
				      .hop_limit = 1 } },
	};

	memcpy(a.ah_attr.grh.dgid.raw, dgid, 16);
	check(ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_AV |
			    IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
			    IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC |
			    IBV_QP_MIN_RNR_TIMER), "RC QP to RTR");
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.sq_psn = psn;
	a.timeout = timeout;
	a.retry_cnt = retry_cnt;
	a.rnr_retry = 7;
	a.max_rd_atomic = 1;
	check(ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_SQ_PSN |
			    IBV_QP_TIMEOUT | IBV_QP_RETRY_CNT |
			    IBV_QP_RNR_RETRY | IBV_QP_MAX_QP_RD_ATOMIC),
	      "RC QP to RTS");
}

struct ibv_context *open_dev(const char *dev_name)
{
	struct ibv_device **list;
	struct ibv_context *ctx = NULL;
	int i, n;

	list = ibv_get_device_list(&n);
	if (!list)
		die("%s", "ibv_get_device_list", errno);
	for (i = 0; i < n; i++) {
		if (dev_name && strcmp(ibv_get_device_name(list[i]), dev_name))
			continue;
		ctx = ibv_open_device(list[i]);
		if (!ctx)
			die("ibv_open_device %s", ibv_get_device_name(list[i]),
			    errno);
		break;
	}
	if (!ctx)
		die("no RDMA device %s", dev_name ? dev_name : "at all", 0);
	ibv_free_device_list(list);
	return ctx;
}

int tcp_pair(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_family = AF_INET,
				  .ai_socktype = SOCK_STREAM,
				  .ai_flags = host ? 0 : AI_PASSIVE };
	struct addrinfo *ai;
	int one = 1, fd, conn, i, err;

	err = getaddrinfo(host, port, &hints, &ai);
	if (err)
		fail(0, "getaddrinfo %s port %s: %s", host ? host : "*", port,
		     gai_strerror(err));
	fd = socket(ai->ai_family, ai->ai_socktype, 0);
	if (fd < 0)
		die("%s", "socket", errno);
	if (host) {
		/* The server may not be listening yet. */
		for (i = 0; connect(fd, ai->ai_addr, ai->ai_addrlen); i++) {
			if (i == 100)
				fail(errno, "connecting to %s port %s", host,
				     port);
			usleep(200000);
		}
		conn = fd;
	} else {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 1))
			fail(errno, "listening on port %s", port);
		conn = accept(fd, NULL, NULL);
		if (conn < 0)
			die("%s", "accept", errno);
		close(fd);
	}
	freeaddrinfo(ai);
	return conn;
}

static void tcp_io(int fd, void *buf, size_t len, int out)
{
	char *p = buf;

	while (len) {
		ssize_t n = out ? write(fd, p, len) : read(fd, p, len);

		if (n <= 0)
			die("%s", "the TCP connection to the peer broke",
			    n ? errno : 0);
		p += n;
		len -= n;
	}
}

void tcp_xfer(int fd, const void *out, void *in, size_t len)
{
	if (out)
		tcp_io(fd, (void *)out, len, 1);
	if (in)
		tcp_io(fd, in, len, 0);
}
