#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/bench/kverbs.sh [N]: kernel verbs in a guest vs native, same boot.
# The kernel-verbs test module's benchmark (tests/kverbs, bench=N) on an RC
# pair of one device: N round trips per size, then N sends per size in
# batches of 8, busy polling.  Natively on rxe0 in Dom0, then on xenib0 in
# guest1, where every message also crosses the bounce buffers and the
# backend's engine.  Prints a table with the ratios guest/native.
# Boots the testbed if none is running (and stops it again afterwards).
set -u
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/report.sh"
n=${1:-200}
bench_boot
tmp=$BENCH_TMP
ensure_rdma guest1

# kverbs_bench DOMAIN DEV OUT: the module's benchmark lines into OUT.
kverbs_bench() {
	kverbs_load "$1" "ibdev=$2" "bench=$n" >"$3.log" ||
		fail "the kernel-verbs module failed on $2 in $1: $(cat "$3.log")"
	sed -n 's/.*xenib_kverbs_test: bench [^ ]* //p' "$3.log" >"$3"
	[ -s "$3" ] || fail "no benchmark lines from $2 in $1"
	sed 's/^/    /' "$3"
}

echo "== native: rxe0 in Dom0 ($n per size)"
kverbs_bench dom0 rxe0 "$tmp/native"
echo "== guest: xenib0 in guest1"
kverbs_bench guest1 xenib0 "$tmp/guest"

echo
echo "Kernel verbs, RC between two QPs of one device (QEMU TCG: compare ratios only)"
awk "$AWK_FIELD"'
FNR == NR { rtt[field($0, "size")] = field($0, "rtt_us"); bw[field($0, "size")] = field($0, "kBps"); next }
{
	s = field($0, "size")
	if (!(s in rtt)) next
	if (!header++) {
		printf "| size | native round trip | guest round trip | ratio | native BW | guest BW | ratio |\n"
		printf "|---:|---:|---:|---:|---:|---:|---:|\n"
	}
	g_rtt = field($0, "rtt_us"); g_bw = field($0, "kBps")
	printf "| %d B | %d us | %d us | %.2fx | %.2f MB/s | %.2f MB/s | %.2fx |\n", s,
		rtt[s], g_rtt, (rtt[s] > 0 ? g_rtt / rtt[s] : 0),
		bw[s] / 1000, g_bw / 1000, (bw[s] > 0 ? g_bw / bw[s] : 0)
}' "$tmp/native" "$tmp/guest"
