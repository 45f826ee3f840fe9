/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the C test programs of tests/verbs share: reporting ("ok: ..." per
 * check, "FAIL: ..." and exit 1 at the first failure), opening a device
 * and the TCP connection two peers swap their addresses over.
 *
 * Copyright (c) 2026 The xenib authors
 */
#ifndef XENIB_TESTLIB_H
#define XENIB_TESTLIB_H

#include <infiniband/verbs.h>

/* Print "FAIL: " @fmt with @what, and @err's text if not 0; exit 1. */
void die(const char *fmt, const char *what, int err)
	__attribute__((noreturn));
/* die() with a printf format; @err as in die() */
void fail(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
void ok(const char *what);
void okf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "EINVAL" for EINVAL, and so on */
const char *errname(int err);
/*
 * @what was done and failed if @failed, with error @err (errno, or a
 * verb's return value); it must have failed with @want.
 */
void expect_err(const char *what, int failed, int err, int want);
/* a verb returning 0 or an error number */
void check(int err, const char *what);
/* the RDMA device called @name, or the first one if NULL */
struct ibv_context *open_dev(const char *name);
/*
 * A TCP connection to @host at @port, retried while the server starts;
 * without @host, the one connection accepted on @port.  Dies on failure.
 */
int tcp_pair(const char *host, const char *port);
/*
 * Move @qp (RC, in INIT) through RTR to RTS, connected to QP @dest_qpn at
 * @dgid from local GID @sgid_index, @psn both ways: path MTU 1024, one
 * RDMA read or atomic in flight each way, ACK timeout exponent @timeout,
 * @retry_cnt retries and seven RNR retries (seven: for ever, for both in
 * rxe).  Dies on failure.
 */
void rc_connect(struct ibv_qp *qp, uint32_t dest_qpn, const uint8_t *dgid,
		int sgid_index, uint32_t psn, uint8_t timeout,
		uint8_t retry_cnt);
/* Send @len bytes from @out, then receive @len into @in (either NULL). */
void tcp_xfer(int fd, const void *out, void *in, size_t len);

#endif
