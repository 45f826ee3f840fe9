#!/bin/bash
# The connection manager in guests (issue 7): the backend holds rxe0's CM
# class and relays CM MADs by destination address, the guests' own ib_cm
# and rdma_cm run the protocol over QP1 tunnelled to it.  librdmacm's tools
# from Debian (rping with data verification, ucmatose, udaddy, rdma_server
# and rdma_client, perftest with -R; -F: TCG clocks fail its CPU
# frequency check) connect guest1 <-> guest2 on their
# own addresses.  CM MADs for guest1's and guest2's addresses never reach
# guest3 listening on the same port, and guest1 cannot send CM MADs from
# an address it was not given.
. "$(dirname "$0")/lib.sh"

G1_IP=10.78.0.11
G2_IP=10.78.0.12

ensure_rdma guest1 guest2
ensure_cm guest1 "$G1_IP" guest2 "$G2_IP"
ok "the backend relays the CM to guest1 and guest2"

before=$(be_stat guest2 mads_received)
cm_pair "rping -V guest1 -> guest2" \
	guest2 7174 "rping -s -a $G2_IP -p 7174 -C 20 -S 1024 -V" \
	guest1 "rping -c -a $G2_IP -p 7174 -C 20 -S 1024 -V -v"
pings_verified rping 20
after=$(be_stat guest2 mads_received)
[ "$after" -gt "$before" ] || fail "guest2 got no MADs through the backend ($before -> $after)"
ok "20 pings verified; guest2 received $((after - before)) CM MADs through the backend"

cm_pair "rping -V guest2 -> guest1" \
	guest1 7175 "rping -s -a $G1_IP -p 7175 -C 5 -V" \
	guest2 "rping -c -a $G1_IP -p 7175 -C 5 -V"
cm_pair "ucmatose guest1 -> guest2 (4 connections)" \
	guest2 7471 "ucmatose -b $G2_IP -c 4 -C 10" \
	guest1 "ucmatose -s $G2_IP -b $G1_IP -c 4 -C 10"
cm_pair "udaddy guest2 -> guest1 (SIDR)" \
	guest1 7174 "udaddy -b $G1_IP" \
	guest2 "udaddy -s $G1_IP -b $G2_IP"
cm_pair "rdma_server / rdma_client guest1 -> guest2" \
	guest2 7476 "rdma_server -s $G2_IP -p 7476" \
	guest1 "rdma_client -s $G2_IP -p 7476"
cm_pair "ib_send_bw -R guest1 -> guest2" \
	guest2 18600 "ib_send_bw -R -F -d xenib0 -p 18600 -n 200 -s 4096" \
	guest1 "ib_send_bw -R -F -d xenib0 -p 18600 -n 200 -s 4096 $G2_IP"

# Isolation: guest3, with an address of its own, listens on the port on
# every address; requests for guest2's address, on that port and others,
# must not reach it: not one MAD for guest3 from the backend.
G3_IP=10.78.0.13
objs_before_g3=$(backend_objs)
ensure_rdma guest3
ensure_cm guest3 "$G3_IP"
job_start guest3 spy timeout 120 rping -s -p 7180 -C 1 ||
	fail "starting guest3's listener"
wait_for 30 "guest3 listens on 7180 (any address)" cm_listening guest3 7180
g3_before=$(be_stat guest3 mads_received)
cm_pair "rping guest1 -> guest2 while guest3 listens on the same port" \
	guest2 7180 "rping -s -a $G2_IP -p 7180 -C 3 -V" \
	guest1 "rping -c -a $G2_IP -p 7180 -C 3 -V"
cm_pair "ucmatose guest2 -> guest1 (4 connections) while guest3 listens" \
	guest1 7471 "ucmatose -b $G1_IP -c 4 -C 10" \
	guest2 "ucmatose -s $G1_IP -b $G2_IP -c 4 -C 10"
g3_after=$(be_stat guest3 mads_received)
[ "$g3_after" = "$g3_before" ] ||
	fail "guest3 received $((g3_after - g3_before)) CM MADs of the others' connections"
cm_listening guest3 7180 || fail "guest3's listener on 7180 is gone"
ok "guest3, listening on the same port, received none of the others' CM MADs"
# ... and it still gets its own.
cm_pair "rping guest1 -> guest3" \
	guest3 7182 "rping -s -a $G3_IP -p 7182 -C 3 -V" \
	guest1 "rping -c -a $G3_IP -p 7182 -C 3 -V"
[ "$(be_stat guest3 mads_received)" -gt "$g3_after" ] || fail "guest3 got no MADs for its own connection"
job_stop guest3 spy TERM
# A guest that dies with the CM in use leaves nothing behind.
on dom0 "xl destroy guest3" || fail "xl destroy guest3"
on dom0 "ip addr del $G3_IP/24 dev dummy0" || fail "removing $G3_IP from dummy0"
wait_for 60 "backend objects back to $objs_before_g3 after guest3 is destroyed" \
	objs_are "$objs_before_g3"

cm_forgery_refused guest1 guest2 "$G2_IP"

no_mads_dropped guest1 guest2

# As the test found them: guests without addresses (so without the CM).
drop_ips guest1 "$G1_IP" guest2 "$G2_IP"
