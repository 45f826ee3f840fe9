#!/bin/bash
# rdma_cm between Dom0 and a guest (issue 7).  The guests hold rxe0's CM
# class, so Dom0's programs reach them the way a guest does: through a
# xenib device of Dom0's own (xen-ibfront loaded in Dom0, "xenibctl attach
# Domain-0", grants to itself), whose netdev is moved into a network
# namespace, since Dom0's own stack has every guest's address on dummy0.
# librdmacm's tools from Debian (rping with data verification, ucmatose,
# udaddy, rdma_server and rdma_client, perftest with -R) connect Dom0 <->
# guest1 in both directions.  Also: a guest without an address of its own
# is not offered the CM at all, and Dom0's rdma_cm keeps the devices
# cm_hcas leaves out.
. "$(dirname "$0")/lib.sh"

G1_IP=10.78.0.11
D0_IP=10.78.0.21
IB_PORT_CM_SUP=$((1 << 16))

# port_caps DOM: the port_cap_flags of DOM's xenib0 (hexadecimal).
port_caps() {
	on "$1" "ibv_devinfo -v -d xenib0" | tr -d '\r' |
		sed -n 's/.*port_cap_flags:[[:space:]]*\(0x[0-9a-f]*\).*/\1/p' | head -n 1
}

ensure_rdma guest1 guest2
objs_before=$(backend_objs)
[ "$(feature_cm guest2)" = 0 ] ||
	fail "guest2, which has no address, is offered the CM (feature-cm)"
caps=$(port_caps guest2)
[ -n "$caps" ] && [ $((caps & IB_PORT_CM_SUP)) = 0 ] ||
	fail "guest2's port claims the CM without an address (port_cap_flags $caps)"
ok "guest2, without an address, has no CM (feature-cm 0, port_cap_flags $caps)"

ensure_cm guest1 "$G1_IP"
caps=$(port_caps guest1)
[ -n "$caps" ] && [ $((caps & IB_PORT_CM_SUP)) != 0 ] ||
	fail "guest1's port does not claim the CM (port_cap_flags $caps)"

dom0_cm_attach dom0 "$D0_IP"

before=$(be_stat Domain-0 mads_received)
cm_pair "rping -V Dom0 -> guest1" \
	guest1 7190 "rping -s -a $G1_IP -p 7190 -C 20 -S 1024 -V" \
	dom0 "$IN_NS rping -c -a $G1_IP -p 7190 -C 20 -S 1024 -V -v"
pings_verified rping 20
after=$(be_stat Domain-0 mads_received)
[ "$after" -gt "$before" ] || fail "Dom0's device got no MADs through the backend ($before -> $after)"
ok "20 pings verified; Dom0's device received $((after - before)) CM MADs through the backend"

cm_pair "rping -V guest1 -> Dom0" \
	dom0 7191 "$IN_NS rping -s -a $D0_IP -p 7191 -C 20 -V" \
	guest1 "rping -c -a $D0_IP -p 7191 -C 20 -V -v"
pings_verified rping 20
cm_pair "ucmatose guest1 -> Dom0 (4 connections)" \
	dom0 7471 "$IN_NS ucmatose -b $D0_IP -c 4 -C 10" \
	guest1 "ucmatose -s $D0_IP -b $G1_IP -c 4 -C 10"
cm_pair "ucmatose Dom0 -> guest1 (4 connections)" \
	guest1 7471 "ucmatose -b $G1_IP -c 4 -C 10" \
	dom0 "$IN_NS ucmatose -s $G1_IP -b $D0_IP -c 4 -C 10"
cm_pair "udaddy Dom0 -> guest1 (SIDR)" \
	guest1 7174 "udaddy -b $G1_IP" \
	dom0 "$IN_NS udaddy -s $G1_IP -b $D0_IP"
cm_pair "udaddy guest1 -> Dom0 (SIDR)" \
	dom0 7174 "$IN_NS udaddy -b $D0_IP" \
	guest1 "udaddy -s $D0_IP -b $G1_IP"
cm_pair "rdma_server / rdma_client guest1 -> Dom0" \
	dom0 7496 "$IN_NS rdma_server -s $D0_IP -p 7496" \
	guest1 "rdma_client -s $D0_IP -p 7496"
cm_pair "rdma_server / rdma_client Dom0 -> guest1" \
	guest1 7497 "rdma_server -s $G1_IP -p 7497" \
	dom0 "$IN_NS rdma_client -s $G1_IP -p 7497"
cm_pair "ib_send_bw -R Dom0 -> guest1" \
	guest1 18610 "ib_send_bw -R -F -d xenib0 -p 18610 -n 200 -s 4096" \
	dom0 "$IN_NS ib_send_bw -R -F -d xenib0 -p 18610 -n 200 -s 4096 $G1_IP"
# (perftest's bandwidth is TCG's clock; the iterations are what counts.)
echo "$CM_OUT" | grep -qE '^ *4096 +200 ' || fail "ib_send_bw -R: not 200 iterations of 4096 bytes"
cm_pair "ib_read_bw -R guest1 -> Dom0" \
	dom0 18611 "$IN_NS ib_read_bw -R -F -d xenib0 -p 18611 -n 200 -s 4096" \
	guest1 "ib_read_bw -R -F -d xenib0 -p 18611 -n 200 -s 4096 $D0_IP"
echo "$CM_OUT" | grep -qE '^ *4096 +200 ' || fail "ib_read_bw -R: not 200 iterations of 4096 bytes"

no_mads_dropped Domain-0 guest1

# A host beyond Dom0: the backend resolves the MAC in Dom0's neighbour
# table (here a static entry on dummy0), not the guest's NOARP xenib0,
# which answers the port's own MAC and so loops everything back into
# rxe0.  guest1's CM REQs for 10.78.0.99 must leave by dummy0 with that
# MAC (nobody answers; rping gives up).
REMOTE_IP=10.78.0.99
REMOTE_MAC=02:00:00:00:00:99
ROCE_CAPTURE=$(cat <<'EOF'
import socket, sys, time
# RoCE v2 frames (IPv4, UDP 4791) to MAC argv[2] on dummy0 in argv[1] s.
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))
s.bind(("dummy0", 0))
s.settimeout(0.5)
mac = bytes.fromhex(sys.argv[2].replace(":", ""))
end, n = time.time() + float(sys.argv[1]), 0
while time.time() < end:
    try:
        f = s.recv(2048)
    except socket.timeout:
        continue
    if (f[:6] == mac and f[12:14] == b"\x08\x00" and f[23] == 17 and
            f[36:38] == b"\x12\xb7"):
        n += 1
print(n)
EOF
)
on dom0 "ip neigh replace $REMOTE_IP lladdr $REMOTE_MAC dev dummy0 nud permanent &&
	mkdir -p $TT && cat >$TT/roce-capture.py <<'PYEOF'
$ROCE_CAPTURE
PYEOF
" && job_start dom0 capture python3 "$TT/roce-capture.py" 20 "$REMOTE_MAC" ||
	fail "starting a capture on dummy0 in Dom0"
sleep 2
if on guest1 "timeout 15 rping -c -a $REMOTE_IP -p 7199 -C 1" >/dev/null 2>&1; then
	fail "rping connected to $REMOTE_IP, where nobody listens"
fi
wait_for 40 "the capture on dummy0 finished" on dom0 "test -s $TT/capture.rc"
frames=$(job_out dom0 capture | tr -d '\r')
on dom0 "ip neigh del $REMOTE_IP dev dummy0" || fail "removing the neighbour entry"
[ "$frames" -gt 0 ] 2>/dev/null ||
	fail "no RoCE frame to $REMOTE_MAC left dummy0 for $REMOTE_IP (capture: $frames)"
ok "guest1's CM REQs for $REMOTE_IP left by dummy0 to $REMOTE_MAC ($frames frames): Dom0's neighbour, not the guest's"

# As the test found Dom0: no namespace, no device of its own, no frontend.
dom0_cm_detach dom0 "$D0_IP"
drop_ips guest1 "$G1_IP"

# cm_hcas=rxe0 (the testbed's) leaves other devices' CM to Dom0: its own
# rdma_cm runs natively on rxe1 beside the relay.
ensure_dom0_rxe1
cm_pair "rping -V in Dom0 on rxe1 (not given to the guests' CM)" \
	dom0 7192 "rping -s -a $DOM0_CM_IP -p 7192 -C 5 -V" \
	dom0 "rping -c -a $DOM0_CM_IP -p 7192 -C 5 -V -v"
pings_verified "rping on rxe1" 5
drop_dom0_rxe1
wait_for 60 "backend objects back to $objs_before" objs_are "$objs_before"
ok "Dom0 and guest1 as the test found them"
