// SPDX-License-Identifier: GPL-2.0
/*
 * xenib-verbs-test: the privileged verbs, through the system libibverbs and
 * the stock rxe provider, on a guest's xenib device (or, for comparison, on
 * any RDMA device).  Each subcommand prints "ok: ..." per check and exits
 * non-zero at the first failure, saying what was expected.
 *
 *   xenib-verbs-test [-d DEV] query           device, port, GID and P_Key
 *   xenib-verbs-test [-d DEV] pd [N]          N PDs allocated and released
 *   xenib-verbs-test [-d DEV] pd-quota MAX    the (MAX+1)th PD fails with
 *                                             ENOMEM, and one freed is
 *                                             available again
 *   xenib-verbs-test [-d DEV] hold-pd N SECS  keep N PDs for SECS seconds
 *                                             (for checks from outside)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <infiniband/verbs.h>

static const char *dev_name;

static void die(const char *fmt, const char *what, int err)
{
	fprintf(stderr, "FAIL: ");
	fprintf(stderr, fmt, what);
	if (err)
		fprintf(stderr, ": %s (errno %d)", strerror(err), err);
	fputc('\n', stderr);
	exit(1);
}

static void ok(const char *what)
{
	printf("ok: %s\n", what);
	fflush(stdout);
}

static struct ibv_context *open_dev(void)
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

static void usage(void)
{
	fprintf(stderr,
		"usage: xenib-verbs-test [-d DEV] query | pd [N] | pd-quota MAX | hold-pd N SECS\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct ibv_context *ctx;
	const char *cmd;
	int ret, opt;

	while ((opt = getopt(argc, argv, "d:")) != -1) {
		if (opt != 'd')
			usage();
		dev_name = optarg;
	}
	if (optind >= argc)
		usage();
	cmd = argv[optind];
	ctx = open_dev();

	if (!strcmp(cmd, "query"))
		ret = cmd_query(ctx);
	else if (!strcmp(cmd, "pd"))
		ret = cmd_pd(ctx, optind + 1 < argc ? atoi(argv[optind + 1]) : 16);
	else if (!strcmp(cmd, "pd-quota") && optind + 1 < argc)
		ret = cmd_pd_quota(ctx, atoi(argv[optind + 1]));
	else if (!strcmp(cmd, "hold-pd") && optind + 2 < argc)
		ret = cmd_hold_pd(ctx, atoi(argv[optind + 1]),
				  atoi(argv[optind + 2]));
	else
		usage();

	if (ibv_close_device(ctx))
		die("%s", "ibv_close_device", errno);
	return ret;
}
