#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/bench/fairness.sh [SECS]: does a guest that floods its queues
# starve another?  guest2 <-> Dom0 (one RC connection, xenib-dp-bench)
# latency and bandwidth at 64 B and bandwidth at 64 KiB, measured alone
# and while guest1 streams 256-byte SENDs and RDMA WRITEs between two QPs
# of its own as fast as it can (xenib-verbs-test stream, SECS seconds,
# default 60); guest1's rate alone and during.  Same boot; prints numbers
# and ratios, no verdict.  Boots the testbed if none is running.
set -u
. "$(dirname "$0")/../e2e/lib.sh"
secs=${1:-60}
iters=50
bench_boot
tmp=$BENCH_TMP
ensure_rdma guest1 guest2

# measure SIZE NAME: guest2 <-> Dom0 at SIZE; "lat_us bw_MBps" in $tmp/NAME.r
measure() {
	PP_SAVE=$tmp/$2 pingpong "guest2 <-> Dom0, $1 B" dom0 rxe0 10.77.0.1 \
		guest2 xenib0 "xenib-dp-bench -x 0 -n $iters -s $1" >/dev/null ||
		exit 1
	sed -n 's/^size=[0-9]* lat_us=\([0-9.]*\) bw_mbps=\([0-9.]*\).*/\1 \2/p' \
		"$tmp/$2" > "$tmp/$2.r"
	[ -s "$tmp/$2.r" ] || { echo "no result from guest2 at $1 B"; exit 1; }
}

# flood SECS: guest1 streams for SECS; its messages per second on stdout.
flood() {
	on guest1 "xenib-verbs-test -d xenib0 stream $1" | tr -d '\r' |
		awk -v s="$1" '/^streamed/ { n = $2 } END { printf "%.0f\n", n / s }'
}

echo "== guest2 <-> Dom0 alone"
measure 64 alone64
measure 65536 alone64k
echo "== guest1 streaming alone for 20 s"
flood_alone=$(flood 20)

echo "== guest2 <-> Dom0 while guest1 streams for ${secs} s"
e1=$(engine_us guest1)
e2=$(engine_us guest2)
flood "$secs" > "$tmp/flood" &
flooder=$!
sleep 5		# the stream is under way
t0=$(date +%s)
measure 64 under64
measure 65536 under64k
took=$(($(date +%s) - t0))
wait $flooder
flood_under=$(cat "$tmp/flood")
cpu1=$((($(engine_us guest1) - e1) / 1000))
cpu2=$((($(engine_us guest2) - e2) / 1000))
[ "$took" -lt $((secs - 5)) ] ||
	echo "warning: guest2's measurement took ${took}s, longer than the stream; rerun with a larger SECS"

read -r a_lat a_bw < "$tmp/alone64.r"
read -r u_lat u_bw < "$tmp/under64.r"
read -r a_lat64k a_bw64k < "$tmp/alone64k.r"
read -r u_lat64k u_bw64k < "$tmp/under64k.r"
echo
echo "QEMU TCG testbed, 2 emulated CPUs shared by Dom0 and both guests: compare ratios only."
awk -v al="$a_lat" -v ul="$u_lat" -v ab="$a_bw" -v ub="$u_bw" \
	-v ab64k="$a_bw64k" -v ub64k="$u_bw64k" -v fa="$flood_alone" \
	-v fu="$flood_under" 'BEGIN {
	printf "| | alone | during the other | ratio |\n|---|---:|---:|---:|\n"
	printf "| guest2 <-> Dom0 latency, 64 B (us) | %.1f | %.1f | %.2fx |\n", al, ul, ul / al
	printf "| guest2 <-> Dom0 bandwidth, 64 B (MB/s) | %.2f | %.2f | %.2fx |\n", ab, ub, ub / ab
	printf "| guest2 <-> Dom0 bandwidth, 64 KiB (MB/s) | %.2f | %.2f | %.2fx |\n", ab64k, ub64k, ub64k / ab64k
	printf "| guest1 stream, 256 B messages/s | %d | %d | %.2fx |\n", fa, fu, fu / fa
}'
echo
echo "Dom0 engine CPU while guest1 streamed (${secs} s): guest1 ${cpu1} ms, guest2 ${cpu2} ms"
