#!/bin/bash
# rdma_cm across two hosts, guest to guest on the guests' own addresses:
# librdmacm's tools (rping with data verification, ucmatose, udaddy,
# rdma_server / rdma_client, perftest with -R) between guest1 on host a
# and guest1 on host b, each way, and between guest1 and host b's Dom0
# (through a xenib device of Dom0's own, as on one host).  Each Dom0
# learns the other host's guest address by ARP on the fabric (no static
# neighbour), CM MADs go from one backend to the other over rxe0's QP1
# and reach the guest that owns the destination address: b:guest2,
# listening on the same port, gets none of them, and guest1 cannot send
# from an address it was not given to a peer on the other host either.
. "$(dirname "$0")/lib.sh"

A1_IP=10.78.0.11	# guest1 on host a
B1_IP=10.78.0.21	# guest1 on host b
B2_IP=10.78.0.22	# guest2 on host b
B0_IP=10.78.0.29	# host b's Dom0, its own xenib device

ensure_hosts 2
ensure_rdma guest1 b:guest1 b:guest2
base_a=$(backend_objs)
base_b=$(backend_objs b:)

# fabric_mac DOM0: the MAC of that Dom0's fabric NIC
fabric_mac() { on "$1" "cat /sys/class/net/$RXE_NETDEV/address" | tr -d '\r'; }
# neigh DOM0 ADDR: DOM0's neighbour entry for ADDR on the fabric NIC
neigh() { on "$1" "ip neigh show $2 dev $RXE_NETDEV" | tr -d '\r'; }
for d0 in dom0 b:dom0; do
	on "$d0" "ip neigh flush dev $RXE_NETDEV" >/dev/null 2>&1
done
[ -z "$(neigh dom0 "$B1_IP")" ] || fail "dom0 still has a neighbour entry for $B1_IP"

ensure_cm guest1 "$A1_IP" b:guest1 "$B1_IP" b:guest2 "$B2_IP"
ok "both backends relay the CM to their guests"

before=$(be_stat b:guest1 mads_received)
cm_pair "rping -V guest1 -> b:guest1" \
	b:guest1 7174 "rping -s -a $B1_IP -p 7174 -C 10 -S 1024 -V" \
	guest1 "rping -c -a $B1_IP -p 7174 -C 10 -S 1024 -V -v"
pings_verified rping 10
after=$(be_stat b:guest1 mads_received)
[ "$after" -gt "$before" ] || fail "b:guest1 got no CM MADs through host b's backend ($before -> $after)"
ok "10 pings verified; b:guest1 received $((after - before)) CM MADs from host a"

# Real neighbour resolution: each Dom0 has the other host's guest address
# with that host's fabric MAC, learnt (not PERMANENT, as a static entry is).
for pair in "dom0 $B1_IP b:dom0" "b:dom0 $A1_IP dom0"; do
	read -r d0 ip peer <<<"$pair"
	mac=$(fabric_mac "$peer")
	n=$(neigh "$d0" "$ip")
	echo "    $d0: $n"
	echo "$n" | grep -q "lladdr $mac" || fail "$d0 has no neighbour $ip at $peer's MAC $mac"
	! echo "$n" | grep -q PERMANENT || fail "$d0's neighbour $ip is static"
	ok "$d0 learnt $ip at $peer's fabric MAC $mac by ARP"
done

cm_pair "rping -V b:guest1 -> guest1" \
	guest1 7175 "rping -s -a $A1_IP -p 7175 -C 5 -V" \
	b:guest1 "rping -c -a $A1_IP -p 7175 -C 5 -V -v"
pings_verified rping 5
cm_pair "ucmatose guest1 -> b:guest1 (4 connections)" \
	b:guest1 7471 "ucmatose -b $B1_IP -c 4 -C 10" \
	guest1 "ucmatose -s $B1_IP -b $A1_IP -c 4 -C 10"
cm_pair "udaddy b:guest1 -> guest1 (SIDR)" \
	guest1 7174 "udaddy -b $A1_IP" \
	b:guest1 "udaddy -s $A1_IP -b $B1_IP"
cm_pair "rdma_server / rdma_client guest1 -> b:guest1" \
	b:guest1 7476 "rdma_server -s $B1_IP -p 7476" \
	guest1 "rdma_client -s $B1_IP -p 7476"
cm_pair "ib_send_bw -R b:guest1 -> guest1" \
	guest1 18600 "ib_send_bw -R -F -d xenib0 -p 18600 -n 100 -s 4096" \
	b:guest1 "ib_send_bw -R -F -d xenib0 -p 18600 -n 100 -s 4096 $A1_IP"

# Isolation across hosts: b:guest2 listens on a port on every address;
# guest1's connections to b:guest1 on that port must not reach it.
job_start b:guest2 spy timeout 120 rping -s -p 7180 -C 1 ||
	fail "starting b:guest2's listener"
wait_for 30 "b:guest2 listens on 7180 (any address)" cm_listening b:guest2 7180
spy_before=$(be_stat b:guest2 mads_received)
cm_pair "rping guest1 -> b:guest1 while b:guest2 listens on the same port" \
	b:guest1 7180 "rping -s -a $B1_IP -p 7180 -C 3 -V" \
	guest1 "rping -c -a $B1_IP -p 7180 -C 3 -V"
spy_after=$(be_stat b:guest2 mads_received)
[ "$spy_after" = "$spy_before" ] ||
	fail "b:guest2 received $((spy_after - spy_before)) CM MADs of guest1's connection to b:guest1"
cm_listening b:guest2 7180 || fail "b:guest2's listener on 7180 is gone"
ok "b:guest2, listening on the same port, received none of the CM MADs from host a"
job_stop b:guest2 spy TERM

# A guest and the other host's Dom0: host b's guests hold rxe0's CM class
# there, so Dom0 b's programs use a xenib device of its own, as on one
# host (e2e-29), and reach guest1 on host a across the fabric.
dom0_cm_attach b:dom0 "$B0_IP"
before=$(be_stat b:Domain-0 mads_received)
cm_pair "rping -V guest1 -> b:Dom0" \
	b:dom0 7190 "$IN_NS rping -s -a $B0_IP -p 7190 -C 10 -S 1024 -V" \
	guest1 "rping -c -a $B0_IP -p 7190 -C 10 -S 1024 -V -v"
pings_verified rping 10
after=$(be_stat b:Domain-0 mads_received)
[ "$after" -gt "$before" ] || fail "b:Dom0's device got no CM MADs from host a ($before -> $after)"
cm_pair "rping -V b:Dom0 -> guest1" \
	guest1 7191 "rping -s -a $A1_IP -p 7191 -C 10 -V" \
	b:dom0 "$IN_NS rping -c -a $A1_IP -p 7191 -C 10 -V -v"
pings_verified rping 10
cm_pair "ucmatose b:Dom0 -> guest1 (2 connections)" \
	guest1 7471 "ucmatose -b $A1_IP -c 2 -C 10" \
	b:dom0 "$IN_NS ucmatose -s $A1_IP -b $B0_IP -c 2 -C 10"
cm_pair "ucmatose guest1 -> b:Dom0 (2 connections)" \
	b:dom0 7471 "$IN_NS ucmatose -b $B0_IP -c 2 -C 10" \
	guest1 "ucmatose -s $B0_IP -b $A1_IP -c 2 -C 10"
cm_pair "udaddy guest1 -> b:Dom0 (SIDR)" \
	b:dom0 7174 "$IN_NS udaddy -b $B0_IP" \
	guest1 "udaddy -s $B0_IP -b $A1_IP"
cm_pair "udaddy b:Dom0 -> guest1 (SIDR)" \
	guest1 7174 "udaddy -b $A1_IP" \
	b:dom0 "$IN_NS udaddy -s $A1_IP -b $B0_IP"
cm_pair "ib_send_bw -R guest1 -> b:Dom0" \
	b:dom0 18601 "$IN_NS ib_send_bw -R -F -d xenib0 -p 18601 -n 100 -s 4096" \
	guest1 "ib_send_bw -R -F -d xenib0 -p 18601 -n 100 -s 4096 $B0_IP"
cm_pair "ib_send_bw -R b:Dom0 -> guest1" \
	guest1 18602 "ib_send_bw -R -F -d xenib0 -p 18602 -n 100 -s 4096" \
	b:dom0 "$IN_NS ib_send_bw -R -F -d xenib0 -p 18602 -n 100 -s 4096 $A1_IP"
no_mads_dropped b:Domain-0
dom0_cm_detach b:dom0 "$B0_IP"
ok "guest1 and host b's Dom0 connect through rdma_cm both ways"

# Forgery across hosts
cm_forgery_refused guest1 b:guest1 "$B1_IP"

no_mads_dropped guest1 b:guest1 b:guest2

# As the test found them: guests without addresses (so without the CM).
drop_ips guest1 "$A1_IP" b:guest1 "$B1_IP" b:guest2 "$B2_IP"
check "host a's backend objects back to where they were ($base_a)" objs_are "$base_a"
check "host b's backend objects back to where they were ($base_b)" objs_are "$base_b" b:
