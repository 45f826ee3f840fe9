#!/bin/bash
# Open MPI with UCX, unmodified, with ranks in guests on two hosts:
# xenib-mpi-bench checks every byte of point-to-point messages 1 B ..
# 1 MiB and its collectives with one rank in guest1 on host a and one in
# guest1 on host b, then with a third rank natively in host b's Dom0; each
# guest moved its messages through its own host's backend, not over TCP
# on eth0.  mpirun runs in host a's Dom0 (lib.sh: mpi_run).
#
# Not here: HPC Challenge across the hosts, which takes 20 minutes on
# the 2-core machine where e2e-25's between two guests of one host takes
# about 70 s (tests/long/44-cluster-hpcc.sh, make check-long).
. "$(dirname "$0")/lib.sh"

ensure_hosts 2
ensure_mpi guest1 b:guest1
base_a=$(backend_objs)
base_b=$(backend_objs b:)
A1=$(addr_of guest1)
B1=$(addr_of b:guest1)
B0=$(addr_of b:dom0)

mpi_check "2 ranks, guest1 on host a and guest1 on host b" "$A1,$B1" 2 b:guest1
mpi_check "3 ranks, guest1 on host a, guest1 and Dom0 on host b" "$A1,$B1,$B0" 3 \
	guest1 b:guest1

check "host a's backend objects back to where they were ($base_a)" objs_are "$base_a"
check "host b's backend objects back to where they were ($base_b)" objs_are "$base_b" b:
