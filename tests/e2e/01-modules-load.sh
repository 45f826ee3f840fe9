#!/bin/bash
# The freshly built modules load in Dom0 and in a DomU and register their
# xenbus drivers.
. "$(dirname "$0")/lib.sh"

ensure_guest guest1
check "xen-ibback loads in dom0" on dom0 "modprobe xen-ibback"
check "dom0 runs the staged build" on dom0 "modinfo -n xen-ibback | grep -q /updates/xenib/"
check "backend driver registered" on dom0 "test -d /sys/bus/xen-backend/drivers/xenib"
check "backend module is GPL" on dom0 "modinfo -F license xen-ibback | grep -qx GPL"
check "xen-ibfront loads in guest1" on guest1 "modprobe xen-ibfront"
check "guest runs the staged build" on guest1 "modinfo -n xen-ibfront | grep -q /updates/xenib/"
check "frontend driver registered" on guest1 "test -d /sys/bus/xen/drivers/xenib"
