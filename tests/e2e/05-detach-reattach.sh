#!/bin/bash
# Detach takes both ends through Closing/Closed and removes the devices and
# every backend resource; a new attach connects again.
. "$(dirname "$0")/lib.sh"

ensure_connected guest1
# Grant mappings of rings in Dom0 (netback's count too): ours are two, the
# control ring and the event ring.
ring_maps() { on dom0 "grep -c xenbus_map_ring /proc/vmallocinfo || true"; }
attached=$(ring_maps)

on dom0 "xenib-detach guest1" || fail "xenib-detach"
check "backend directory removed" test "$(xs_state "$(be_path guest1)")" = gone
check "frontend directory removed" test "$(xs_state "$(fe_path guest1)")" = gone
wait_for 60 "guest's xenib device went away" on guest1 "! test -e $FE_SYSFS"
check "backend device unregistered" on dom0 "! ls /sys/bus/xen-backend/devices/ | grep -q '^xenib-'"
check "backend thread gone" on dom0 "! ps -e -o comm= | grep -q '^xenib/'"
check "event channel unbound" on dom0 "! grep -q xen-ibback /proc/interrupts"
detached=$(ring_maps)
check "both ring mappings released ($attached -> $detached)" test "$detached" -eq $((attached - 2))
check "frontend log shows the close" on guest1 "dmesg | grep -q 'xenib-0'"

for i in 1 2 3; do
	on dom0 "xenib-attach guest1 --wait-connected=120" >/dev/null || fail "reattach #$i"
	ping_ok guest1 || fail "round trip after reattach #$i"
	on dom0 "xenib-detach guest1" >/dev/null || fail "detach #$i"
done
ok "three attach/ping/detach cycles"
check "no backend device left" on dom0 "! ls /sys/bus/xen-backend/devices/ | grep -q '^xenib-'"
now=$(ring_maps)
check "no ring mapping leaked over the cycles ($detached -> $now)" test "$now" -eq "$detached"
check "module holds no device references" on dom0 "test \$(cat /sys/module/xen_ibback/refcnt) -eq 0"

on dom0 "xenib-attach guest1 --wait-connected=120" || fail "final reattach"
check "round trip after reattach" ping_ok guest1
