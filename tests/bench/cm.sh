#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/bench/cm.sh [N]: rdma_cm connection set-up in guests vs native, same
# boot.  librdmacm's cmtime times each step of N connections (create id,
# bind, resolve address and route, create QP, connect, disconnect,
# destroy): natively in Dom0 on rxe1 (client and server on one device, as
# Dom0's rdma_cm may not use rxe0, whose CM class the guests have), then
# from guest1 to guest2 on xenib0, where every CM MAD crosses the backend
# twice and every verb the control ring.  Prints a table with the ratios
# guest/native of the time per connection.
# Boots the testbed if none is running (and stops it again afterwards).
set -u
. "$(dirname "$0")/../e2e/lib.sh"
n=${1:-50}
bench_boot
tmp=$BENCH_TMP
G1_IP=10.78.0.11
G2_IP=10.78.0.12
ensure_rdma guest1 guest2
ensure_cm guest1 "$G1_IP" guest2 "$G2_IP"
ensure_dom0_rxe1

CM_PORT=7300
# cmtime_run SERVER SERVER_IP CLIENT CLIENT_IP OUT: cmtime's table into OUT.
cmtime_run() {
	local srv=$1 sip=$2 cli=$3 cip=$4 out=$5 port=$((CM_PORT++))

	job_start "$srv" cmtime timeout 600 cmtime -b "$sip" -p "$port" ||
		fail "starting cmtime's server in $srv"
	wait_for 30 "cmtime listens in $srv" cm_listening "$srv" "$port"
	on "$cli" "timeout 600 cmtime -s $sip -b $cip -p $port -c $n" | tr -d '\r' >"$out"
	local rc=${PIPESTATUS[0]}
	# A server left running would keep rxe1 open and its removal waiting.
	job_stop "$srv" cmtime TERM
	sed 's/^/    /' "$out"
	[ "$rc" = 0 ] || fail "cmtime from $cli to $srv failed (exit $rc)"
}

echo "== native: cmtime in Dom0 on rxe1 ($n connections)"
cmtime_run dom0 "$DOM0_CM_IP" dom0 "$DOM0_CM_IP" "$tmp/native"
echo "== guests: cmtime from guest1 to guest2 on xenib0 ($n connections)"
cmtime_run guest2 "$G2_IP" guest1 "$G1_IP" "$tmp/guest"

# A testbed that was running stays as it was.
drop_dom0_rxe1
drop_ips guest1 "$G1_IP" guest2 "$G2_IP"

echo
echo "rdma_cm connection set-up, microseconds per connection (QEMU TCG: compare ratios only)"
# cmtime's rows: "step name : total_ms max_ms min_us us_per_conn".
awk -F: '
function per_conn(rest,   f) { split(rest, f, " "); return f[4] }
NF != 2 { next }
FNR == NR { native[$1] = per_conn($2); order[++steps] = $1; next }
{ guest[$1] = per_conn($2) }
END {
	printf "| step | native | guest | ratio |\n|---|---:|---:|---:|\n"
	for (i = 1; i <= steps; i++) {
		s = order[i]
		if (!(s in guest)) continue
		name = s; gsub(/ +$/, "", name)
		printf "| %s | %.0f us | %.0f us | %.2fx |\n", name, native[s], guest[s],
			(native[s] > 0 ? guest[s] / native[s] : 0)
		nsum += native[s]; gsum += guest[s]
	}
	printf "| all steps | %.0f us | %.0f us | %.2fx |\n", nsum, gsum, (nsum > 0 ? gsum / nsum : 0)
}' "$tmp/native" "$tmp/guest"
