// SPDX-License-Identifier: GPL-2.0
/*
 * xenib-reg-bench: how long memory registration takes, through the system
 * libibverbs, on a guest's xenib device (or, for comparison, on any RDMA
 * device).
 *
 *   xenib-reg-bench [-d DEV] [-n ITERS] [-m MAXSIZE]
 *
 * For each size of 4 KiB, 16 KiB, 64 KiB, 256 KiB, 1 MiB, 4 MiB, 16 MiB,
 * 64 MiB, 256 MiB and 1 GiB up to MAXSIZE (bytes, or with a K, M or G
 * suffix; default 64M), one
 * buffer is mapped and touched, then registered with
 * LOCAL_WRITE|REMOTE_WRITE|REMOTE_READ and deregistered ITERS times (default
 * 20; sizes of 16 MiB and more max(3, ITERS/4) times, of 256 MiB and more
 * max(2, ITERS/10) times).  Prints a header line
 * starting with '#', then one line per size:
 *
 *   size=<bytes> iters=<n> reg_us=<mean> dereg_us=<mean> total_us=<mean>
 *
 * the means of ibv_reg_mr, of ibv_dereg_mr and of both, in microseconds
 * (CLOCK_MONOTONIC).  Means, not medians: under emulation the clock can
 * advance in steps longer than one call, so single calls may read as 0,
 * and only sums over many calls stay right.  Exits non-zero at the first failure, saying which
 * size and errno.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <infiniband/verbs.h>
#include "testlib.h"

#define BENCH_ACCESS	(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
			 IBV_ACCESS_REMOTE_READ)
#define BIG_SIZE	(16UL << 20)	/* from here on, fewer iterations */
#define HUGE_SIZE	(256UL << 20)	/* and from here on, fewer still */

static const size_t sizes[] = {
	4UL << 10, 16UL << 10, 64UL << 10, 256UL << 10,
	1UL << 20, 4UL << 20, 16UL << 20, 64UL << 20,
	256UL << 20, 1UL << 30,
};

static void usage(void)
{
	fprintf(stderr,
		"usage: xenib-reg-bench [-d DEV] [-n ITERS] [-m MAXSIZE[K|M|G]]\n");
	exit(2);
}

/* a size in bytes, with an optional K, M or G suffix; 0 if invalid */
static size_t parse_size(const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return 0;
	switch (*end) {
	case 'k':
	case 'K':
		v <<= 10;
		end++;
		break;
	case 'm':
	case 'M':
		v <<= 20;
		end++;
		break;
	case 'g':
	case 'G':
		v <<= 30;
		end++;
		break;
	}
	if (*end)
		return 0;
	return v;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		die("%s", "clock_gettime", errno);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* the mean of @n values in microseconds */
static double mean_us(const uint64_t *v, int n)
{
	uint64_t sum = 0;
	int i;

	for (i = 0; i < n; i++)
		sum += v[i];
	return sum / 1000.0 / n;
}

/* @iters registrations of @size bytes; prints the result line */
static void bench_size(struct ibv_pd *pd, size_t size, int iters)
{
	uint64_t *reg, *dereg, *total, t0, t1, t2;
	struct ibv_mr *mr;
	char what[64];
	void *buf;
	int i, err;

	reg = calloc(iters, sizeof(*reg));
	dereg = calloc(iters, sizeof(*dereg));
	total = calloc(iters, sizeof(*total));
	if (!reg || !dereg || !total)
		fail(errno, "%s (size %zu bytes)", "calloc", size);
	buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		fail(errno, "%s (size %zu bytes)", "mmap", size);
	memset(buf, 0x5a, size);

	for (i = 0; i < iters; i++) {
		t0 = now_ns();
		mr = ibv_reg_mr(pd, buf, size, BENCH_ACCESS);
		t1 = now_ns();
		if (!mr) {
			snprintf(what, sizeof(what),
				 "ibv_reg_mr failed in iteration %d", i + 1);
			fail(errno, "%s (size %zu bytes)", what, size);
		}
		err = ibv_dereg_mr(mr);
		t2 = now_ns();
		if (err) {
			snprintf(what, sizeof(what),
				 "ibv_dereg_mr failed in iteration %d", i + 1);
			fail(err, "%s (size %zu bytes)", what, size);
		}
		reg[i] = t1 - t0;
		dereg[i] = t2 - t1;
		total[i] = t2 - t0;
	}

	printf("size=%zu iters=%d reg_us=%.1f dereg_us=%.1f total_us=%.1f\n",
	       size, iters, mean_us(reg, iters), mean_us(dereg, iters),
	       mean_us(total, iters));
	fflush(stdout);
	if (munmap(buf, size))
		fail(errno, "%s (size %zu bytes)", "munmap", size);
	free(total);
	free(dereg);
	free(reg);
}

int main(int argc, char **argv)
{
	const char *dev_name = NULL;
	size_t max_size = 64UL << 20;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	unsigned int i;
	int opt, iters = 20, n;
	char *end;
	long v;

	while ((opt = getopt(argc, argv, "d:n:m:")) != -1) {
		switch (opt) {
		case 'd':
			dev_name = optarg;
			break;
		case 'n':
			v = strtol(optarg, &end, 10);
			if (end == optarg || *end || v < 1 || v > 1000000)
				usage();
			iters = v;
			break;
		case 'm':
			max_size = parse_size(optarg);
			if (max_size < sizes[0])
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	ctx = open_dev(dev_name);
	pd = ibv_alloc_pd(ctx);
	if (!pd)
		die("%s", "ibv_alloc_pd", errno);

	printf("# xenib-reg-bench: device %s, access LOCAL_WRITE|REMOTE_WRITE|REMOTE_READ, mean microseconds (CLOCK_MONOTONIC) of ibv_reg_mr, ibv_dereg_mr and both\n",
	       ibv_get_device_name(ctx->device));
	fflush(stdout);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		if (sizes[i] > max_size)
			break;
		n = iters;
		if (sizes[i] >= HUGE_SIZE)
			n = iters / 10 > 2 ? iters / 10 : 2;
		else if (sizes[i] >= BIG_SIZE)
			n = iters / 4 > 3 ? iters / 4 : 3;
		bench_size(pd, sizes[i], n);
	}

	n = ibv_dealloc_pd(pd);
	if (n)
		die("%s", "ibv_dealloc_pd", n);
	if (ibv_close_device(ctx))
		die("%s", "ibv_close_device", errno);
	return 0;
}
