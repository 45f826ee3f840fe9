#!/bin/bash
# A control-ring round trip answered from the real device: the attributes
# the guest reads match ibv_devinfo -v of rxe0 in Dom0, and a NOP comes back
# over the control ring with its event over the event ring.
. "$(dirname "$0")/lib.sh"

ensure_connected guest1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

on dom0 "ibv_devinfo -v -d rxe0" > "$tmp/devinfo" || fail "ibv_devinfo in dom0"
on guest1 "cat $FE_SYSFS/device_attrs" > "$tmp/device" || fail "reading device_attrs"
on guest1 "cat $FE_SYSFS/port_attrs" > "$tmp/port" || fail "reading port_attrs"
grep -qx "hca: rxe0" "$tmp/device" || fail "backend did not answer from rxe0: $(head -1 "$tmp/device")"
python3 "$ROOT/tests/e2e/compare_attrs.py" "$tmp/devinfo" "$tmp/device" "$tmp/port" ||
	fail "guest attributes differ from ibv_devinfo -v on rxe0"
ok "device and port attributes equal rxe0's"

before=$(on guest1 "grep '^requests:' $FE_SYSFS/connection")
out=$(on guest1 "cat $FE_SYSFS/ping")
echo "$out"
echo "$out" | grep -qx "event: ok" || fail "NOP event did not arrive"
after=$(on guest1 "grep '^requests:' $FE_SYSFS/connection")
[ "$before" != "$after" ] || fail "request counter did not move"
ok "NOP round trip with event"
