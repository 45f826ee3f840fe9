#!/bin/bash
# The backend module goes away under a connected guest and comes back: a
# plain rmmod is refused (xenbus holds the module while devices are bound);
# xenib-backend-unload unbinds, the frontend sees Closed and disconnects
# cleanly; after modprobe the frontend reconnects by itself.
. "$(dirname "$0")/lib.sh"

ensure_connected guest1

if on dom0 "rmmod xen_ibback" 2>/dev/null; then
	fail "rmmod succeeded with a guest attached"
fi
ok "rmmod refused while a guest is attached"
check "guest unaffected by the refused rmmod" ping_ok guest1

on dom0 "xenib-backend-unload" || fail "xenib-backend-unload"
check "module gone" on dom0 "! test -d /sys/module/xen_ibback"
wait_for 60 "frontend Closed" test "$(xs_state "$(fe_path guest1)")" = 6
check "guest sees no connection" on guest1 "grep -qx 'connected: 0' $FE_SYSFS/connection"
if on guest1 "cat $FE_SYSFS/ping" >/dev/null 2>&1; then
	fail "round trip succeeded without a backend"
fi
ok "requests fail while the backend is away"
out=$(on dom0 "xenib-attach guest1 devid=1" 2>&1) && fail "attach without backend succeeded"
echo "$out" | grep -q "modprobe xen-ibback" || fail "attach error does not say what to do: $out"
ok "attach without backend: $out"

on dom0 "modprobe xen-ibback" || fail "modprobe xen-ibback"
wait_for 120 "frontend reconnected by itself" is_connected guest1
check "round trip after backend reload" ping_ok guest1
