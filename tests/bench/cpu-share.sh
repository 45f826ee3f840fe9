#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/bench/cpu-share.sh [ITERS]: what the second emulated host costs
# the first one's latencies, where nothing crosses the fabric.  On a
# two-host testbed, one RC connection inside host a, natively (two
# processes in Dom0 a on rxe0) and between guest1 and guest2 on xenib0,
# with tests/verbs/xenib-dp-bench at 64 B, 4 KiB and 64 KiB, twice: with
# host b idle, and with host b's Dom0 running one busy loop per vCPU
# (sha256sum /dev/zero), which is all that host b then does.  Host b's
# load reaches host a only through the real machine's two cores, which
# the two QEMU processes share; the ratios busy/idle say how much of a
# cross-host latency (make bench-cluster) is the testbed's.  Prints
# tables and writes build/bench/cpu-share.{tsv,md,png}.  Boots (or
# reboots) the testbed as two hosts if it is not, and stops it afterwards
# if it booted it.
set -u
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/report.sh"
iters=${1:-20}
sizes="64 4096 65536"
out=$ROOT/build/bench
mkdir -p "$out"
bench_boot 2
tmp=$BENCH_TMP
ensure_rdma guest1 guest2
vcpus=$(on b:dom0 nproc | tr -d '\r')

spinning=0
spin() { # on|off
	local i
	for ((i = 0; i < vcpus; i++)); do
		if [ "$1" = on ]; then
			job_start b:dom0 "spin$i" timeout 3600 sha256sum /dev/zero ||
				{ echo "starting a busy loop in b:dom0"; exit 1; }
		else
			job_stop b:dom0 "spin$i" TERM
		fi
	done
	[ "$1" = on ] && spinning=1 || spinning=0
}
trap '[ "$spinning" = 0 ] || spin off; rm -rf "$BENCH_TMP"; [ "$BENCH_STARTED" = 0 ] || "$TB" stop >/dev/null 2>&1' EXIT

# series NAME SERVER SDEV CLIENT CDEV: one line "size lat bw" per size
series() {
	local s t0=$SECONDS
	echo "== $1: $4 -> $2"
	: >"$tmp/$1.t"
	for s in $sizes; do
		PP_SAVE=$tmp/$1.$s pingpong "$1 $s B" "$2" "$3" "$(addr_of "$2")" "$4" "$5" \
			"xenib-dp-bench -x 0 -n $iters -s $s -b 1 -t 18" >"$tmp/$1.log" 2>&1 ||
			{ tail -n 20 "$tmp/$1.log"; exit 1; }
		dp_rows "$tmp/$1.$s" >>"$tmp/$1.t"
	done
	echo "   $((SECONDS - t0)) s"
}
series native_idle dom0 rxe0 dom0 rxe0
series guests_idle guest2 xenib0 guest1 xenib0
spin on
echo "== host b's Dom0 runs $vcpus busy loops"
series native_busy dom0 rxe0 dom0 rxe0
series guests_busy guest2 xenib0 guest1 xenib0
spin off

# size lat(native idle, native busy, guests idle, guests busy) bw(same)
join "$tmp/native_idle.t" "$tmp/native_busy.t" | join - "$tmp/guests_idle.t" |
	join - "$tmp/guests_busy.t" |
	awk '{ print $1, $2, $4, $6, $8, $3, $5, $7, $9 }' >"$tmp/all"
[ "$(wc -l <"$tmp/all")" = 3 ] || { echo "not every size measured"; exit 1; }
REPORT_KEYS=(native_b_idle native_b_busy guests_b_idle guests_b_busy)
REPORT_LABELS=("native, b idle" "native, b busy" "guest1-guest2, b idle" "guest1-guest2, b busy")
report_tsv "$tmp/all" "$out/cpu-share.tsv"

echo
echo "Inside host a of two emulated hosts (QEMU TCG, 2 emulated CPUs each, on 2 real cores): compare ratios only."
echo "Latency: half the median SEND round trip (us); bandwidth: RDMA WRITE, up to 32 in flight, 1 MiB (MB/s)."
echo "Ratios are to the series before them: host b busy / host b idle."
# table TITLE COLS: the busy/idle table of one pair of series
table() {
	local REPORT_LABELS=("b idle" "b busy")
	echo "$1:"
	awk "{ print $2 }" "$tmp/all" >"$tmp/pair"
	report_table "$tmp/pair"
	echo
}
{
	table "Native, Dom0 a <-> Dom0 a" '$1, $2, $3, $6, $7'
	table "guest1 <-> guest2 on host a" '$1, $4, $5, $8, $9'
} | tee "$out/cpu-share.md"
report_plot "$out/cpu-share.tsv" "$out/cpu-share.png" \
	"inside host a, host b idle vs busy (QEMU TCG testbed, 2 real cores for both hosts)"
echo "plot: $out/cpu-share.png; table: $out/cpu-share.tsv"
