#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/bench/mpi.sh [ITERS] [SECS] [HOSTS]: Open MPI over UCX, two ranks,
# with tests/mpi/xenib-mpi-bench: point-to-point latency and bandwidth 1 B
# .. 4 MiB and barrier, bcast, allreduce, alltoall, for
#   native       both ranks in Dom0 on rxe0,
#   guest-Dom0   one rank in guest1 on xenib0, one in Dom0 on rxe0,
#   guest-guest  one rank in each guest on xenib0,
# in the same boot of the testbed, with the ratios guest/native.  HOSTS 2
# (make bench-mpi-cluster) puts the second rank on host b each time: Dom0 a
# and Dom0 b, guest1 and Dom0 b, guest1 and b:guest1.  Every figure repeats
# ITERS times (200) or for SECS seconds (2), whichever ends first.  Writes
# build/bench/mpi.{tsv,md,png} (mpi-cluster.* with HOSTS 2).  Boots the
# testbed (as HOSTS hosts) if it is not, and stops it again afterwards.
#
# All three runs restrict UCX to its verbs transports (UCX_TLS), so that the
# two native ranks talk through rxe0 as two hosts would, not through shared
# memory; that is a benchmark setting, not one MPI needs (tests/e2e/25-mpi.sh
# runs without it).
set -u
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/report.sh"
iters=${1:-200}
secs=${2:-2}
hosts=${3:-1}
out=$ROOT/build/bench
mkdir -p "$out"
bench_boot "$hosts"
tmp=$BENCH_TMP
if [ "$hosts" = 1 ]; then
	name=mpi where="one host" peer0=dom0 peer=guest2
else
	name=mpi-cluster where="two hosts" peer0=b:dom0 peer=b:guest1
fi
ensure_mpi guest1 "$peer"

MPI_RUN="$MPI_RUN -x UCX_TLS=rc_verbs,ud_verbs,self"
run() { # NAME HOSTS
	local t0=$SECONDS
	echo "== $1 ($2)"
	mpi_run "$2" 2 xenib-mpi-bench bench -m 4194304 -n "$iters" -s "$secs" \
		>"$tmp/$1.out" 2>&1 || { tail -20 "$tmp/$1.out"; echo "mpirun failed for $1"; exit 1; }
	tr -d '\r' <"$tmp/$1.out" | grep -E '^(rank|pt2pt|coll) ' >"$tmp/$1"
	grep '^rank' "$tmp/$1" | sed 's/^/   /'
	echo "   $(($(grep -c '^pt2pt' "$tmp/$1"))) sizes, $(($(grep -c '^coll' "$tmp/$1"))) collectives in $((SECONDS - t0)) s"
}
e1=$(engine_us guest1)
a0=$(addr_of dom0) a1=$(addr_of guest1)
run native "$a0,$(addr_of $peer0)"
run gd "$a1,$(addr_of $peer0)"
run gg "$a1,$(addr_of $peer)"
e1=$((($(engine_us guest1) - e1) / 1000))

# size native_lat gd_lat gg_lat native_bw gd_bw gg_bw
for f in native gd gg; do
	awk '$1 == "pt2pt" { print $2, $3, $4 }' "$tmp/$f" >"$tmp/$f.p"
	awk '$1 == "coll" { print $2 "/" $3, $4 }' "$tmp/$f" >"$tmp/$f.c"
done
join "$tmp/native.p" "$tmp/gd.p" | join - "$tmp/gg.p" |
	awk '{ print $1, $2, $4, $6, $3, $5, $7 }' >"$tmp/all"
join "$tmp/native.c" "$tmp/gd.c" | join - "$tmp/gg.c" >"$tmp/coll"
[ -s "$tmp/all" ] && [ -s "$tmp/coll" ] || { echo "no results"; exit 1; }
report_tsv "$tmp/all" "$out/$name.tsv"

echo
echo "Open MPI $(on dom0 'ompi_info --version' | tr -d '\r' | sed -n 's/^Open MPI v//p') + UCX over verbs, 2 ranks on $where, QEMU TCG testbed (2 emulated CPUs each): compare ratios only."
echo "Latency: half a blocking ping-pong (us); bandwidth: 16 non-blocking sends per acknowledgement (MB/s)."
{
	report_table "$tmp/all"
	echo
	echo "Collectives, 2 ranks, time per call (us):"
	echo
	awk '
	function ratio(g, n) { return n > 0 ? sprintf("%.2fx", g / n) : "-" }
	BEGIN {
		printf "| collective/bytes | native | guest-Dom0 | ratio | guest-guest | ratio |\n"
		printf "|---|---:|---:|---:|---:|---:|\n"
	}
	{ printf "| %s | %.1f | %.1f | %s | %.1f | %s |\n", $1, $2, $3, ratio($3, $2), $4, ratio($4, $2) }
	' "$tmp/coll"
} | tee "$out/$name.md"
echo
echo "Dom0 engine CPU of guest1's device over the three runs: $e1 ms"

report_plot "$out/$name.tsv" "$out/$name.png" \
	"Open MPI + UCX on $where: ranks in xenib guests vs native rxe (QEMU TCG testbed, same boot)"
echo "plot: $out/$name.png; tables: $out/$name.tsv, $out/$name.md"
