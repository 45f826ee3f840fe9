#!/bin/bash
# The frontend driver goes away in the guest and comes back; the backend
# closes, waits, and serves the new frontend.
. "$(dirname "$0")/lib.sh"

ensure_connected guest1

on guest1 "echo xenib-0 > /sys/bus/xen/drivers/xenib/unbind && rmmod xen_ibfront" ||
	fail "unloading the frontend"
wait_for 60 "backend Closed" test "$(xs_state "$(be_path guest1)")" = 6
check "backend thread stopped" on dom0 "! ps -e -o comm= | grep -q '^xenib/'"
check "backend unbound the event channel" on dom0 "! grep -q xen-ibback /proc/interrupts"

on guest1 "modprobe xen-ibfront" || fail "reloading the frontend"
wait_for 120 "connected again" is_connected guest1
check "round trip after frontend reload" ping_ok guest1
