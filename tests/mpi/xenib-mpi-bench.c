// SPDX-License-Identifier: GPL-2.0
/*
 * xenib-mpi-bench: MPI point-to-point and collectives, checked and timed.
 *
 *   mpirun ... xenib-mpi-bench check [-m MAXSIZE]
 *       Every rank exchanges patterned messages of 1 B .. MAXSIZE with rank
 *       0 and checks every byte; then barrier, bcast from every root,
 *       allreduce and alltoall, each result checked against what it must
 *       be.  Prints "check ok" on rank 0 and exits 0, or names the first
 *       wrong result and exits 1 (MPI_Abort).
 *
 *   mpirun ... xenib-mpi-bench bench [-m MAXSIZE] [-n ITERS] [-s SECS]
 *       Rank 0 <-> rank 1 latency (half round trip) and bandwidth (a window
 *       of 16 non-blocking sends, one acknowledgement), then barrier, bcast,
 *       allreduce and alltoall over all ranks.  One line per figure:
 *         pt2pt SIZE LAT_US BW_MBPS
 *         coll NAME SIZE US
 *       Each figure repeats up to ITERS times or for about SECS seconds,
 *       whichever ends first, so large sizes under emulation stay short.
 *
 * Wall-clock timing (MPI_Wtime), like xenib-dp-bench: nothing here depends
 * on the network, which is the point - the same program runs over native
 * rxe in Dom0 and over xenib in guests.
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WINDOW 16
#define TAG_DATA 1
#define TAG_ACK 2

static int rank, nranks;

static void fail(const char *what, long a, long b)
{
	fprintf(stderr, "xenib-mpi-bench: rank %d: %s (%ld, %ld)\n", rank,
		what, a, b);
	MPI_Abort(MPI_COMM_WORLD, 1);
}

static unsigned char pattern(int from, size_t size, size_t i)
{
	return (unsigned char)(from * 31 + size * 7 + i * 13 + (i >> 8));
}

static void fill(unsigned char *buf, int from, size_t size)
{
	size_t i;

	for (i = 0; i < size; i++)
		buf[i] = pattern(from, size, i);
}

static void verify(const unsigned char *buf, int from, size_t size,
		   const char *what)
{
	size_t i;

	for (i = 0; i < size; i++)
		if (buf[i] != pattern(from, size, i))
			fail(what, (long)size, (long)i);
}

static void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		fail("out of memory", (long)size, 0);
	return p;
}

/* Rank 0 echoes every size with every other rank; both sides check. */
static void check_pt2pt(size_t max)
{
	unsigned char *buf = xmalloc(max);
	size_t size;
	int peer;

	for (peer = 1; peer < nranks; peer++) {
		for (size = 1; size <= max; size *= 4) {
			if (rank == 0) {
				fill(buf, 0, size);
				MPI_Send(buf, size, MPI_BYTE, peer, TAG_DATA,
					 MPI_COMM_WORLD);
				memset(buf, 0, size);
				MPI_Recv(buf, size, MPI_BYTE, peer, TAG_DATA,
					 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
				verify(buf, peer, size, "echo from peer wrong");
			} else if (rank == peer) {
				memset(buf, 0, size);
				MPI_Recv(buf, size, MPI_BYTE, 0, TAG_DATA,
					 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
				verify(buf, 0, size, "message from rank 0 wrong");
				fill(buf, peer, size);
				MPI_Send(buf, size, MPI_BYTE, 0, TAG_DATA,
					 MPI_COMM_WORLD);
			}
		}
	}
	free(buf);
}

static void check_collectives(size_t max)
{
	size_t n = max / sizeof(int64_t), i;
	int64_t *in = xmalloc(n * sizeof(*in));
	int64_t *out = xmalloc(n * sizeof(*out));
	unsigned char *b = xmalloc(max);
	int root, r, per;

	MPI_Barrier(MPI_COMM_WORLD);

	for (root = 0; root < nranks; root++) {
		if (rank == root)
			fill(b, root, max);
		else
			memset(b, 0, max);
		MPI_Bcast(b, max, MPI_BYTE, root, MPI_COMM_WORLD);
		verify(b, root, max, "bcast result wrong");
	}

	for (i = 0; i < n; i++)
		in[i] = (int64_t)(rank + 1) * (int64_t)(i + 1);
	MPI_Allreduce(in, out, n, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
	for (i = 0; i < n; i++) {
		/* sum over ranks r of (r + 1) * (i + 1) */
		int64_t want = (int64_t)nranks * (nranks + 1) / 2 *
			       (int64_t)(i + 1);

		if (out[i] != want)
			fail("allreduce result wrong", (long)i, (long)out[i]);
	}

	per = n / nranks;
	for (r = 0; r < nranks; r++)
		for (i = 0; i < (size_t)per; i++)
			in[r * per + i] = (int64_t)rank << 40 |
					  (int64_t)r << 20 | (int64_t)i;
	MPI_Alltoall(in, per, MPI_INT64_T, out, per, MPI_INT64_T,
		     MPI_COMM_WORLD);
	for (r = 0; r < nranks; r++)
		for (i = 0; i < (size_t)per; i++)
			if (out[r * per + i] != ((int64_t)r << 40 |
						 (int64_t)rank << 20 |
						 (int64_t)i))
				fail("alltoall result wrong", r, (long)i);

	MPI_Barrier(MPI_COMM_WORLD);
	free(in);
	free(out);
	free(b);
}

/* Repeat until iters or secs is reached; every rank agrees on the count. */
static int keep_going(int done, int iters, double t0, double secs)
{
	int go = done < iters && (done == 0 || MPI_Wtime() - t0 < secs);

	MPI_Bcast(&go, 1, MPI_INT, 0, MPI_COMM_WORLD);
	return go;
}

static void bench_pt2pt(size_t max, int iters, double secs)
{
	unsigned char *buf = xmalloc(max);
	MPI_Request req[WINDOW];
	size_t size;
	int i, w;

	memset(buf, 0, max);
	for (size = 1; size <= max; size *= 4) {
		double t0, lat = 0, bw = 0;

		MPI_Barrier(MPI_COMM_WORLD);
		if (rank > 1) {
			/* bystanders still take part in keep_going() */
			for (i = 0; keep_going(i, iters, 0, secs); i++)
				;
			for (i = 0; keep_going(i, iters, 0, secs); i++)
				;
			continue;
		}
		t0 = MPI_Wtime();
		for (i = 0; keep_going(i, iters, t0, secs); i++) {
			if (rank == 0) {
				MPI_Send(buf, size, MPI_BYTE, 1, TAG_DATA,
					 MPI_COMM_WORLD);
				MPI_Recv(buf, size, MPI_BYTE, 1, TAG_DATA,
					 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
			} else {
				MPI_Recv(buf, size, MPI_BYTE, 0, TAG_DATA,
					 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
				MPI_Send(buf, size, MPI_BYTE, 0, TAG_DATA,
					 MPI_COMM_WORLD);
			}
		}
		lat = (MPI_Wtime() - t0) / i / 2 * 1e6;

		t0 = MPI_Wtime();
		for (i = 0; keep_going(i, iters, t0, secs); i++) {
			for (w = 0; w < WINDOW; w++) {
				if (rank == 0)
					MPI_Isend(buf, size, MPI_BYTE, 1,
						  TAG_DATA, MPI_COMM_WORLD,
						  &req[w]);
				else
					MPI_Irecv(buf, size, MPI_BYTE, 0,
						  TAG_DATA, MPI_COMM_WORLD,
						  &req[w]);
			}
			MPI_Waitall(WINDOW, req, MPI_STATUSES_IGNORE);
			if (rank == 0)
				MPI_Recv(NULL, 0, MPI_BYTE, 1, TAG_ACK,
					 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
			else
				MPI_Send(NULL, 0, MPI_BYTE, 0, TAG_ACK,
					 MPI_COMM_WORLD);
		}
		bw = (double)size * WINDOW * i / (MPI_Wtime() - t0) / 1e6;
		if (rank == 0)
			printf("pt2pt %zu %.1f %.2f\n", size, lat, bw);
		fflush(stdout);
	}
	free(buf);
}

enum coll { BARRIER, BCAST, ALLREDUCE, ALLTOALL };
static const char *const coll_name[] = { "barrier", "bcast", "allreduce",
					 "alltoall" };

static void bench_coll(enum coll c, size_t size, int iters, double secs)
{
	size_t n = size / sizeof(double);
	double *in = xmalloc(n * nranks * sizeof(*in));
	double *out = xmalloc(n * nranks * sizeof(*out));
	double t0;
	int i;

	memset(in, 0, n * nranks * sizeof(*in));
	MPI_Barrier(MPI_COMM_WORLD);
	t0 = MPI_Wtime();
	for (i = 0; keep_going(i, iters, t0, secs); i++) {
		switch (c) {
		case BARRIER:
			MPI_Barrier(MPI_COMM_WORLD);
			break;
		case BCAST:
			MPI_Bcast(in, n, MPI_DOUBLE, 0, MPI_COMM_WORLD);
			break;
		case ALLREDUCE:
			MPI_Allreduce(in, out, n, MPI_DOUBLE, MPI_SUM,
				      MPI_COMM_WORLD);
			break;
		case ALLTOALL:
			MPI_Alltoall(in, n, MPI_DOUBLE, out, n, MPI_DOUBLE,
				     MPI_COMM_WORLD);
			break;
		}
	}
	if (rank == 0)
		printf("coll %s %zu %.1f\n", coll_name[c],
		       c == BARRIER ? 0 : size, (MPI_Wtime() - t0) / i * 1e6);
	fflush(stdout);
	free(in);
	free(out);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: xenib-mpi-bench check|bench [-m MAXSIZE] [-n ITERS] [-s SECS]\n");
	MPI_Abort(MPI_COMM_WORLD, 2);
}

int main(int argc, char **argv)
{
	size_t max = 1 << 20;
	double secs = 2;
	int iters = 1000, opt;
	const char *mode;
	char host[64];

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &nranks);
	if (argc < 2)
		usage();
	mode = argv[1];
	optind = 2;
	while ((opt = getopt(argc, argv, "m:n:s:")) != -1) {
		switch (opt) {
		case 'm':
			max = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			iters = atoi(optarg);
			break;
		case 's':
			secs = atof(optarg);
			break;
		default:
			usage();
		}
	}
	if (nranks < 2 || max < sizeof(int64_t) * nranks || iters < 1)
		usage();

	gethostname(host, sizeof(host));
	host[sizeof(host) - 1] = 0;
	printf("rank %d of %d on %s\n", rank, nranks, host);
	fflush(stdout);
	MPI_Barrier(MPI_COMM_WORLD);

	if (!strcmp(mode, "check")) {
		check_pt2pt(max);
		check_collectives(max);
		if (rank == 0)
			printf("check ok: %d ranks, messages 1 B .. %zu B\n",
			       nranks, max);
	} else if (!strcmp(mode, "bench")) {
		bench_pt2pt(max, iters, secs);
		bench_coll(BARRIER, 0, iters, secs);
		bench_coll(BCAST, 8, iters, secs);
		bench_coll(BCAST, 65536, iters, secs);
		bench_coll(ALLREDUCE, 8, iters, secs);
		bench_coll(ALLREDUCE, 65536, iters, secs);
		bench_coll(ALLTOALL, 8, iters, secs);
		bench_coll(ALLTOALL, 4096, iters, secs);
	} else {
		usage();
	}
	MPI_Finalize();
	return 0;
}
