#!/bin/bash
# xenib-attach writes the xenstore directories and both ends negotiate the
# protocol version and ring size and reach Connected.
. "$(dirname "$0")/lib.sh"

ensure_guest guest1
ensure_modules guest1
if on dom0 "xenstore-exists $(be_path guest1)"; then
	on dom0 "xenib-detach guest1" || fail "cleaning up an earlier attach"
fi

on dom0 "xenib-attach guest1 hca=rxe0 port=1 --wait-connected=120" ||
	fail "xenib-attach guest1"
states=$(both_states guest1)
[ "$states" = "4 4" ] || fail "backend/frontend states are '$states', want '4 4'"
ok "both ends Connected"

be=$(be_path guest1)
fe=$(fe_path guest1)
[ "$(on dom0 "xenstore-read $be/versions")" = 1 ] || fail "backend versions"
[ "$(on dom0 "xenstore-read $fe/version")" = 1 ] || fail "frontend chose version 1"
ok "protocol version 1 negotiated"
order=$(on dom0 "xenstore-read $fe/ring-page-order")
max=$(on dom0 "xenstore-read $be/max-ring-page-order")
[ "$order" -le "$max" ] || fail "ring-page-order $order > max $max"
on dom0 "xenstore-read $fe/ctrl-ring-ref$(( (1 << order) - 1 )) && xenstore-read $fe/event-ring-ref && xenstore-read $fe/event-channel" >/dev/null ||
	fail "frontend ring keys missing"
ok "ring of $((1 << order)) pages (backend allows order $max)"

conn=$(on guest1 "cat $FE_SYSFS/connection")
echo "$conn" | grep -qx "connected: 1" || fail "guest sysfs says: $conn"
echo "$conn" | grep -qx "ring_pages: $((1 << order))" || fail "guest ring_pages: $conn"
ok "frontend reports the connection"
check "backend request thread runs" on dom0 "ps -e -o comm= | grep -q '^xenib/'"
check "backend bound the event channel" on dom0 "grep -q xen-ibback /proc/interrupts"
