#!/bin/bash
# A guest that shuts down or is destroyed with the device connected leaves
# Dom0 as it found it: the backend tears down and removes its directory.
. "$(dirname "$0")/lib.sh"

ensure_connected guest2
d2=$(domid guest2)
on dom0 "xl shutdown -w guest2" || fail "xl shutdown guest2"
wait_for 60 "backend directory of the shut-down guest removed" \
	on dom0 "! xenstore-exists /local/domain/0/backend/xenib/$d2"
check "no backend device for it" on dom0 "! test -e /sys/bus/xen-backend/devices/xenib-$d2-0"

ensure_connected guest2
d2=$(domid guest2)
on dom0 "xl destroy guest2" || fail "xl destroy guest2"
wait_for 60 "backend directory of the destroyed guest removed" \
	on dom0 "! xenstore-exists /local/domain/0/backend/xenib/$d2"
check "no backend device for it" on dom0 "! test -e /sys/bus/xen-backend/devices/xenib-$d2-0"
check "guest1 still connected" is_connected guest1
check "guest1 still answers" ping_ok guest1
