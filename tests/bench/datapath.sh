#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/bench/datapath.sh [ITERS]: latency and bandwidth of one RC
# connection, 1 B .. 4 MiB, guest<->Dom0 and guest<->guest next to native
# Dom0<->Dom0, measured in the same boot of the testbed with
# tests/verbs/xenib-dp-bench.c (wall-clock timing; see docs/decisions.md
# for why not perftest).  Prints a table with the ratios guest/native and
# writes build/bench/datapath.{tsv,png}.  Boots the testbed if none is
# running (and stops it again afterwards).
set -u
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/report.sh"
iters=${1:-50}
out=$ROOT/build/bench
mkdir -p "$out"
bench_boot
tmp=$BENCH_TMP
ensure_rdma guest1 guest2

bench="xenib-dp-bench -x 0 -n $iters"
echo "== native: Dom0 <-> Dom0 on rxe0 ($iters round trips per size)"
PP_SAVE=$tmp/native pingpong "native Dom0 <-> Dom0" dom0 rxe0 10.77.0.1 \
	dom0 rxe0 "$bench" >/dev/null || exit 1
echo "== guest1 <-> Dom0"
e0=$(engine_us guest1)
t0=$(date +%s)
PP_SAVE=$tmp/gd pingpong "guest1 <-> Dom0" dom0 rxe0 10.77.0.1 guest1 \
	xenib0 "$bench" >/dev/null || exit 1
gd_cpu="$(( ($(engine_us guest1) - e0) / 1000 )) ms engine CPU in $(( $(date +%s) - t0 )) s"
echo "== guest1 <-> guest2"
e1=$(engine_us guest1)
e2=$(engine_us guest2)
t0=$(date +%s)
PP_SAVE=$tmp/gg pingpong "guest1 <-> guest2" guest2 xenib0 10.77.0.12 \
	guest1 xenib0 "$bench" >/dev/null || exit 1
gg_cpu="$(( ($(engine_us guest1) - e1 + $(engine_us guest2) - e2) / 1000 )) ms engine CPU (both) in $(( $(date +%s) - t0 )) s"

# The floor under a guest's latency here: one control-ring NOP round trip
# (an event-channel notification each way and the backend thread's
# wake-up, no RDMA): median and minimum of 20.
floor_us=$(on guest1 'for i in $(seq 20); do cat /sys/bus/xen/devices/xenib-0/ping; done' |
	tr -d '\r' | sed -n 's/^rtt_ns: //p' | sort -n | awk '{ v[NR] = $1 } END { printf "median %.1f us, min %.1f us", v[int((NR + 1) / 2)] / 1000, v[1] / 1000 }')

# size native_lat gd_lat gg_lat native_bw gd_bw gg_bw
for f in native gd gg; do
	dp_rows "$tmp/$f" >"$tmp/$f.t"
done
join "$tmp/native.t" "$tmp/gd.t" | join - "$tmp/gg.t" |
	awk '{ print $1, $2, $4, $6, $3, $5, $7 }' > "$tmp/all"
[ -s "$tmp/all" ] || { echo "no results"; exit 1; }
report_tsv "$tmp/all" "$out/datapath.tsv"

echo
echo "One RC connection, QEMU TCG testbed (2 emulated CPUs): compare ratios only."
echo "Latency: half the median SEND round trip (us); bandwidth: RDMA WRITE, 32 in flight (MB/s)."
report_table "$tmp/all" | tee "$out/datapath.md"
echo
echo "Dom0 engine CPU: guest1 <-> Dom0: $gd_cpu; guest1 <-> guest2: $gg_cpu"
echo "guest1 <-> Dom0 notification round trip (control-ring NOP, no RDMA; 20 of them): $floor_us"

report_plot "$out/datapath.tsv" "$out/datapath.png" \
	"xenib data path vs native rxe (QEMU TCG testbed, same boot)"
echo "plot: $out/datapath.png; table: $out/datapath.tsv"
