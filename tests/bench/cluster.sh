#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/bench/cluster.sh [ITERS] [MIB]: latency and bandwidth of one RC
# connection across two hosts, 1 B .. 4 MiB, with tests/verbs/xenib-dp-bench
# (wall-clock timing), in the same boot of a two-host testbed:
#   native      Dom0 a <-> Dom0 b on rxe0 (the fabric),
#   guest-guest guest1 on host a <-> guest1 on host b on xenib0,
#   guest-Dom0  guest1 on host a <-> Dom0 b,
#   rxe-in-guests  what a user has without xenib: Soft-RoCE in both guests
#               on their netfront eth0 (rdma link add), RoCE v2 routed by
#               the Dom0s through netback, the bridges and the fabric.
# Prints a table with the ratios to native and writes
# build/bench/cluster.{tsv,md,png}.  Boots (or reboots) the testbed as two
# hosts if it is not, and stops it afterwards if it booted it.
set -u
. "$(dirname "$0")/../e2e/lib.sh"
. "$(dirname "$0")/report.sh"
iters=${1:-20}
mib=${2:-4}
out=$ROOT/build/bench
mkdir -p "$out"
bench_boot 2
tmp=$BENCH_TMP
ensure_rdma guest1 b:guest1

# Soft-RoCE on the guests' eth0, its GID of the guest's IPv4 address (the
# link-local one does not cross the Dom0s' routing)
for g in guest1 b:guest1; do
	on "$g" "modprobe rdma_rxe && { rdma link show rxe_eth0/1 >/dev/null 2>&1 || rdma link add rxe_eth0 type rxe netdev eth0; }" ||
		{ echo "no Soft-RoCE in $g (rdma_rxe)"; exit 1; }
done
for g in guest1 b:guest1; do
	wait_for 30 "Soft-RoCE in $g has a GID for $(addr_of "$g")" \
		eval "[ -n \"\$(v2_gid $g rxe_eth0 $(addr_of "$g"))\" ]"
done
gid_a=$(v2_gid guest1 rxe_eth0 "$(addr_of guest1)")
gid_b=$(v2_gid b:guest1 rxe_eth0 "$(addr_of b:guest1)")
[ "$gid_a" = "$gid_b" ] || { echo "the guests' IPv4 GIDs have different indexes ($gid_a, $gid_b)"; exit 1; }

soft_roce_off() {
	local g
	for g in guest1 b:guest1; do
		on "$g" "rdma link delete rxe_eth0" >/dev/null 2>&1
	done
}

# series: NAME SERVER SDEV CLIENT CDEV GID_INDEX.  The ACK timeout is
# 1 s (-t 18), not perftest's 67 ms: a round trip between guests on two
# emulated hosts takes ~100 ms, and Soft-RoCE in the guests, resending
# every message before its ACK is back, failed from 8 KiB on with "remote
# invalid request"; the same timeout for every series.
series() {
	local t0=$SECONDS
	echo "== $1: $4 -> $2"
	PP_SAVE=$tmp/$1 pingpong "$1" "$2" "$3" "$(addr_of "$2")" "$4" "$5" \
		"xenib-dp-bench -x $6 -n $iters -b $mib -t 18" >"$tmp/$1.log" 2>&1 ||
		{ tail -n 20 "$tmp/$1.log"; soft_roce_off; exit 1; }
	echo "   $((SECONDS - t0)) s"
}
series native b:dom0 rxe0 dom0 rxe0 0
series gg b:guest1 xenib0 guest1 xenib0 0
series gd b:dom0 rxe0 guest1 xenib0 0
series rxeg b:guest1 rxe_eth0 guest1 rxe_eth0 "$gid_a"
soft_roce_off

# size lat x4 bw x4
for f in native gg gd rxeg; do
	dp_rows "$tmp/$f" >"$tmp/$f.t"
done
# rows in native's order, sizes every series has
awk '{ lat[FILENAME, $1] = $2; bw[FILENAME, $1] = $3 }
     FILENAME == ARGV[1] { order[++n] = $1 }
     END {
	for (i = 1; i <= n; i++) {
		s = order[i]; row = s; b = ""
		for (f = 1; f < ARGC; f++) {
			if (!((ARGV[f], s) in lat)) { row = ""; break }
			row = row " " lat[ARGV[f], s]; b = b " " bw[ARGV[f], s]
		}
		if (row != "") print row b
	}
     }' "$tmp/native.t" "$tmp/gg.t" "$tmp/gd.t" "$tmp/rxeg.t" >"$tmp/all"
[ -s "$tmp/all" ] || { echo "no results"; exit 1; }
REPORT_KEYS=(native guest_guest guest_dom0 rxe_in_guests)
REPORT_LABELS=("native Dom0a-Dom0b" "guest a-guest b" "guest a-Dom0 b" "rxe in guests a-b")
report_tsv "$tmp/all" "$out/cluster.tsv"

echo
echo "One RC connection across two emulated hosts (QEMU TCG, 2 emulated CPUs each, on 2 real cores): compare ratios only."
echo "Latency: half the median SEND round trip (us); bandwidth: RDMA WRITE, up to 32 in flight, $mib MiB per size (MB/s)."
report_table "$tmp/all" | tee "$out/cluster.md"
report_plot "$out/cluster.tsv" "$out/cluster.png" \
	"across two hosts: xenib guests vs native rxe vs Soft-RoCE in the guests (QEMU TCG testbed, same boot)"
echo "plot: $out/cluster.png; table: $out/cluster.tsv"
