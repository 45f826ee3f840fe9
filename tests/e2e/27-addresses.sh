#!/bin/bash
# Addresses of a guest's own (issue 7): the toolstack gives guest1 an
# address (xenibctl attach ... ip=ADDR), Dom0 has it on the real port's
# netdev and the guest on xenib0, and the guest's RoCE v2 GID for it is a
# real one: rdma-core's ibv_rc_pingpong runs from it, to Dom0 and to
# guest2's own address.  GIDs of addresses a guest was not given (Dom0's,
# another guest's) are refused as sources (EACCES), link-local ones are
# the port's and stay allowed.
. "$(dirname "$0")/lib.sh"

ensure_rdma guest1 guest2

DOM0_IP=10.78.0.1
G1_IP=10.78.0.11
G2_IP=10.78.0.12

with_ip guest1 "$G1_IP"
with_ip guest2 "$G2_IP"

out=$(on dom0 "xenibctl show guest1") || fail "xenibctl show guest1"
echo "$out" | grep -q "^ip: *$G1_IP\$" || fail "xenibctl show guest1 does not list ip $G1_IP: $out"
on dom0 "xenibctl list --json" | python3 -c '
import json, sys
ips = {d["domain"]: d["ip"] for d in json.load(sys.stdin)}
assert ips.get("guest1") == sys.argv[1], ips
' "$G1_IP" || fail "xenibctl list --json: guest1's ip"
ok "xenibctl shows guest1's address"

g1=$(v2_gid guest1 xenib0 "$G1_IP")
g2=$(v2_gid guest2 xenib0 "$G2_IP")
d0=$(v2_gid dom0 rxe0 "$DOM0_IP")
[ -n "$d0" ] || fail "rxe0 in Dom0 has no RoCE v2 GID for $DOM0_IP"
echo "GID indices (RoCE v2): guest1 $g1 ($G1_IP), guest2 $g2 ($G2_IP), Dom0 $d0 ($DOM0_IP)"

on guest1 "xenib-verbs-test -d xenib0 send-from $g1 allowed" ||
	fail "guest1 cannot send from its own address"
on guest1 "xenib-verbs-test -d xenib0 send-from 0 allowed" ||
	fail "guest1 cannot send from the port's link-local GID"

PP_SERVER_ARGS="-g $g1" PP_CLIENT_ARGS="-g $d0" \
	pingpong "ibv_rc_pingpong guest1 ($G1_IP) <- Dom0 ($DOM0_IP)" \
	guest1 xenib0 10.77.0.11 dom0 rxe0 "ibv_rc_pingpong -n 100 -c"
PP_SERVER_ARGS="-g $g2" PP_CLIENT_ARGS="-g $g1" \
	pingpong "ibv_ud_pingpong guest2 ($G2_IP) <- guest1 ($G1_IP)" \
	guest2 xenib0 10.77.0.12 guest1 xenib0 "ibv_ud_pingpong -n 100 -c"

# Somebody else's addresses on guest1's xenib0: their GIDs appear in its
# table (ib_core makes them), but the backend refuses them as sources.
for other in "$DOM0_IP:Dom0" "$G2_IP:guest2"; do
	addr=${other%%:*}
	on guest1 "ip addr add $addr/24 dev xenib0" || fail "ip addr add $addr dev xenib0"
	wait_for 30 "guest1's xenib0 has a GID for $addr" \
		eval "[ -n \"\$(v2_gid guest1 xenib0 $addr)\" ]"
	idx=$(v2_gid guest1 xenib0 "$addr")
	on guest1 "xenib-verbs-test -d xenib0 send-from $idx refused" ||
		fail "guest1 could send from ${other#*:}'s address $addr"
	on guest1 "ip addr del $addr/24 dev xenib0" || fail "ip addr del $addr"
done
ok "guest1 cannot send from Dom0's or guest2's address"

drop_ips guest1 "$G1_IP" guest2 "$G2_IP"
check "guest1 answers" ping_ok guest1
check "guest2 answers" ping_ok guest2
