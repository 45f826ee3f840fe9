#!/bin/bash
# HPC Challenge (Debian's hpcc, Open MPI over UCX, unmodified) with one
# rank in guest1 on host a and one in guest1 on host b, to results it
# verifies itself (HPL residual, PTRANS, RandomAccess, STREAM, FFT), and
# its LatencyBandwidth rings end; guest1's messages went through host a's
# backend.  e2e-25 runs it between two guests of one host in about 70 s;
# across the emulated hosts it takes several minutes (tests/long/README).
. "$(dirname "$0")/../e2e/lib.sh"
RUN_TIMEOUT=3000

ensure_hosts 2
ensure_mpi guest1 b:guest1
base_a=$(backend_objs)
base_b=$(backend_objs b:)

hpcc_check "hpcc across the hosts, guest1 on a and guest1 on b" \
	"$(addr_of guest1),$(addr_of b:guest1)" guest1 b:guest1

check "host a's backend objects back to where they were ($base_a)" objs_are "$base_a"
check "host b's backend objects back to where they were ($base_b)" objs_are "$base_b" b:
