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

eth0_tx() { on "$1" "cat /sys/class/net/eth0/statistics/tx_bytes" | tr -d '\r'; }

# mpi_check DESC HOSTS NP GUEST...: xenib-mpi-bench check with NP ranks over
# HOSTS; each GUEST (one of them) must have moved its messages through its
# xenib device.  One echo per message size (11 sizes, 1 B .. 1 MiB) is at
# least 11 sends and 1.4 MB from every rank but rank 0.
mpi_check() {
	local desc=$1 hosts=$2 np=$3 g out rc ds dt
	shift 3
	local -A sends tx
	for g in "$@"; do
		sends[$g]=$(be_stat "$g" sends_posted)
		tx[$g]=$(eth0_tx "$g")
	done
	out=$(mpi_run "$hosts" "$np" xenib-mpi-bench check -m 1048576 2>&1)
	rc=$?
	if [ $rc != 0 ] || ! echo "$out" | grep -q "^check ok: $np ranks"; then
		echo "$out" | tail -25 | sed 's/^/    /'
		fail "$desc (mpirun exit $rc)"
	fi
	echo "$out" | grep -E '^(rank|check)' | sed 's/^/    /'
	for g in "$@"; do
		ds=$(($(be_stat "$g" sends_posted) - sends[$g]))
		dt=$(($(eth0_tx "$g") - tx[$g]))
		[ "$ds" -ge 11 ] ||
			fail "$desc: $g's xenib device posted $ds sends, fewer than the messages"
		[ "$dt" -lt 1000000 ] ||
			fail "$desc: $g's eth0 sent $dt bytes, so MPI data went over TCP, not xenib"
		ok "$desc: $g posted $ds sends through xenib, $dt bytes on eth0"
	done
}

mpi_check "2 ranks, guest1 and guest2" 10.77.0.11,10.77.0.12 2 guest2
mpi_check "3 ranks, Dom0, guest1 and guest2" 10.77.0.1,10.77.0.11,10.77.0.12 3 \
	guest1 guest2
mpi_check "2 ranks, Dom0 and guest1" 10.77.0.1,10.77.0.11 2 guest1

# HPC Challenge: rank 0 (guest1) reads hpccinf.txt and writes hpccoutf.txt.
for g in guest1 guest2; do
	"$TB" run "$g" -c 'cat > /tmp/hpccinf.txt && rm -f /tmp/hpccoutf.txt' \
		<"$ROOT/tests/mpi/hpccinf.txt" || fail "copying hpccinf.txt to $g"
done
s1=$(be_stat guest1 sends_posted)
t0=$(date +%s)
out=$(mpi_run 10.77.0.11,10.77.0.12 2 hpcc 2>&1) ||
	{ echo "$out" | tail -25 | sed 's/^/    /'; fail "hpcc across guest1 and guest2"; }
res=$(on guest1 "cat /tmp/hpccoutf.txt" | tr -d '\r')
hpcc_has() { # DESC PATTERN
	echo "$res" | grep -qE "$2" || fail "hpcc: $1 (no '$2' in hpccoutf.txt)"
}
hpcc_has "finished" '^Success=1$'
hpcc_has "2 processes" '^CommWorldProcs=2$'
hpcc_has "HPL passed its residual check" '1 tests completed and passed residual checks'
[ "$(echo "$res" | grep -c '^ *0 tests completed and failed residual checks')" = 2 ] ||
	fail "hpcc: HPL or PTRANS failed a residual check"
hpcc_has "PTRANS residual 0" '^PTRANS_residual=0$'
hpcc_has "MPI RandomAccess without errors" '^MPIRandomAccess_Errors=0$'
hpcc_has "MPI RandomAccess (LCG) without errors" '^MPIRandomAccess_LCG_Errors=0$'
hpcc_has "STREAM validates" '^Solution Validates'
echo "$res" | awk -F= '$1 == "MPIFFT_maxErr" { exit !($2 < 1e-10) }' ||
	fail "hpcc: MPI FFT error too large ($(echo "$res" | grep MPIFFT_maxErr))"
ok "hpcc across guest1 and guest2 verified its results in $(($(date +%s) - t0)) s ($(($(be_stat guest1 sends_posted) - s1)) sends posted by guest1; $(echo "$res" | grep -E '^(HPL_Tflops|AvgPingPongLatency_usec)=' | tr '\n' ' '))"

check "backend objects back to where they were ($before_objs)" \
	objs_are "$before_objs"
