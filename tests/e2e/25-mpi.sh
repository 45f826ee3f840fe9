#!/bin/bash
# Debian's Open MPI with UCX, unmodified, with ranks in guests over xenib
# (docs/mpi.md for the settings and why each is there):
# - UCX's view of xenib0 in a guest (ucx_info -d: memory domain, transports
#   and their capabilities) is its view of rxe0 in Dom0, and the GID it
#   picks has the same type;
# - xenib-mpi-bench checks every byte of point-to-point messages 1 B ..
#   1 MiB and the results of barrier, bcast, allreduce and alltoall, with
#   one rank in each guest, with ranks in Dom0 and both guests, and with
#   one in Dom0 and one in a guest;
# - the messages went through xenib: each guest's backend device posted
#   sends for them and the guest's eth0 carried less than their payload;
# - HPC Challenge (Debian's hpcc) runs across guest1 and guest2 to results
#   it verifies itself (HPL residual, PTRANS, RandomAccess, STREAM, FFT).
. "$(dirname "$0")/lib.sh"

ensure_mpi guest1 guest2
before_objs=$(backend_objs)

# ucx_md TARGET DEV: ucx_info's memory domain of DEV with its transports,
# DEV's name replaced, so that two devices can be compared.
ucx_md() {
	on "$1" "ucx_info -d" | tr -d '\r' |
		awk -v d="$2" '/^# Memory domain:/ { p = ($4 == d) } p' | sed "s/$2/DEV/g"
}
native=$(ucx_md dom0 rxe0)
guest=$(ucx_md guest1 xenib0)
echo "$native" | grep -q "Transport: rc_verbs" ||
	fail "ucx_info -d in Dom0 shows no rc_verbs transport on rxe0"
if [ "$native" != "$guest" ]; then
	diff <(echo "$native") <(echo "$guest") | head -20 | sed 's/^/    /'
	fail "UCX sees xenib0 in guest1 differently from rxe0 in Dom0 (< Dom0, > guest1)"
fi
ok "UCX sees xenib0 in guest1 as rxe0 in Dom0 ($(echo "$guest" | grep -c 'Transport:') transports, same capabilities)"
gid_type() { on "$1" "cat /sys/class/infiniband/$2/ports/1/gid_attrs/types/0" | tr -d '\r'; }
check "GID 0 has the same type in guest1 and Dom0 ($(gid_type dom0 rxe0))" \
	[ "$(gid_type dom0 rxe0)" = "$(gid_type guest1 xenib0)" ]

mpi_check "2 ranks, guest1 and guest2" 10.77.0.11,10.77.0.12 2 guest2
mpi_check "3 ranks, Dom0, guest1 and guest2" 10.77.0.1,10.77.0.11,10.77.0.12 3 \
	guest1 guest2
mpi_check "2 ranks, Dom0 and guest1" 10.77.0.1,10.77.0.11 2 guest1

hpcc_check "hpcc across guest1 and guest2" 10.77.0.11,10.77.0.12 guest1 guest2

check "backend objects back to where they were ($before_objs)" \
	objs_are "$before_objs"
