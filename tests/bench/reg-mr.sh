#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/bench/reg-mr.sh [ITERS]: ibv_reg_mr + ibv_dereg_mr of 4 KiB .. 1 GiB
# in a guest on xenib0 next to native on rxe0 in Dom0, in the same boot of
# the testbed, as a table with the ratio guest/native (mean times) and the
# time per GiB, and a plot (build/bench/reg-mr.png).  The 2006 paper found registration the one operation slower
# in a guest.  The guest (guest1) is started with 1536 MB and a grant table
# of 1024 frames (512K grants), as 1 GiB registrations need (README).
# Boots the testbed if none is running (and stops it again afterwards).
set -u
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/report.sh"
iters=${1:-20}
bench_boot
tmp=$BENCH_TMP
guest_running guest1 && { on dom0 "xl destroy guest1" || exit 1; }
"$TB" guest start guest1 --memory 1536 --cfg-extra "max_grant_frames = 1024" || exit 1
ensure_rdma guest1

echo "== native: rxe0 in Dom0 ($iters iterations per size)"
on dom0 "xenib-reg-bench -d rxe0 -n $iters -m 1G" | tee "$tmp/native" || exit 1
echo "== guest: xenib0 in guest1"
on guest1 "xenib-reg-bench -d xenib0 -n $iters -m 1G" | tee "$tmp/guest" || exit 1

echo
echo "ibv_reg_mr + ibv_dereg_mr, mean microseconds (QEMU TCG: compare ratios only)"
awk "$AWK_FIELD"'
function human(b) {
	return b >= 1048576 ? b / 1048576 " MiB" : b / 1024 " KiB"
}
/^#/ { next }
FNR == NR { reg[field($0, "size")] = field($0, "reg_us"); dereg[field($0, "size")] = field($0, "dereg_us")
	tot[field($0, "size")] = field($0, "total_us"); next }
{
	s = field($0, "size")
	if (!(s in tot)) next
	if (!header++) {
		printf "%-8s | %10s %10s %10s | %10s %10s %10s | %7s | %12s %12s\n", "size", "native reg", "dereg", "total", "guest reg", "dereg", "total", "ratio", "native s/GiB", "guest s/GiB"
	}
	printf "%-8s | %10.1f %10.1f %10.1f | %10.1f %10.1f %10.1f | %6.2fx | %12.3f %12.3f\n", human(s), reg[s], dereg[s], tot[s],
		field($0, "reg_us"), field($0, "dereg_us"), field($0, "total_us"), field($0, "total_us") / tot[s],
		tot[s] / 1e6 * 1073741824 / s, field($0, "total_us") / 1e6 * 1073741824 / s
}' "$tmp/native" "$tmp/guest"

# The plot: seconds per GiB against size, both devices, and the ratio.
out=$ROOT/build/bench
mkdir -p "$out"
awk "$AWK_FIELD"'
/^#/ { next }
FNR == NR { tot[field($0, "size")] = field($0, "total_us"); next }
{
	s = field($0, "size")
	if (s in tot)
		printf "%d %.6f %.6f %.4f\n", s, tot[s] / 1e6 * 1073741824 / s,
			field($0, "total_us") / 1e6 * 1073741824 / s, field($0, "total_us") / tot[s]
}' "$tmp/native" "$tmp/guest" >"$out/reg-mr.tsv"
if command -v gnuplot >/dev/null; then
	gnuplot <<-GP
	set terminal png size 1200,500
	set output "$out/reg-mr.png"
	set multiplot layout 1,2 title "memory registration (register + deregister), xenib0 in a guest vs rxe0 in Dom0 (QEMU TCG testbed, same boot)"
	set logscale x 2
	set format x "2^{%L}"
	set xlabel "registration size (bytes)"
	set grid
	set logscale y
	set ylabel "seconds per GiB registered"
	plot "$out/reg-mr.tsv" using 1:2 with linespoints title "native rxe0", \\
	     "" using 1:3 with linespoints title "guest xenib0"
	unset logscale y
	set ylabel "guest / native"
	plot "$out/reg-mr.tsv" using 1:4 with linespoints title "ratio"
	unset multiplot
	GP
	echo "plot: $out/reg-mr.png; table: $out/reg-mr.tsv"
else
	echo "(gnuplot not installed: apt-get install gnuplot-nox for the plot)"
fi
