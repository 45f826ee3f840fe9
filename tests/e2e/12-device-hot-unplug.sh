#!/bin/bash
# The guest's RDMA device goes away like a hot-unplugged one, with a
# process still using it, when the backend is unloaded or the frontend is
# removed: the process's objects are released in Dom0, nothing hangs, and
# the device comes back for new processes when the driver does.
. "$(dirname "$0")/lib.sh"

ensure_connected guest1
IBDEV=/sys/class/infiniband/xenib0

wait_for 60 "guest has xenib0" on guest1 "test -d $IBDEV"
base=$(backend_pds)

# Backend unloaded under a process with live objects.
hold_pds guest1 4
wait_for 60 "backend holds the process's 4 PDs" pds_are $((base + 4))
on dom0 "xenib-backend-unload" || fail "xenib-backend-unload with objects alive"
ok "backend unloaded with a guest process holding objects"
wait_for 60 "xenib0 gone from the guest" on guest1 "! test -e $IBDEV"
check "the process survives the unplug" on guest1 "kill -0 \$(cat /tmp/hold.pid)"
on dom0 "modprobe xen-ibback" || fail "modprobe xen-ibback"
wait_for 120 "frontend reconnected" is_connected guest1
wait_for 60 "xenib0 back in the guest" on guest1 "test -d $IBDEV"
on guest1 "xenib-verbs-test -d xenib0 pd 4" >/dev/null || fail "new process on the new device"
ok "a new process works on the device that came back"
check "backend holds nothing of the unplugged process" pds_are "$base"
on guest1 "kill -9 \$(cat /tmp/hold.pid)"

# Frontend removed under a process with live objects.
hold_pds guest1 3
wait_for 60 "backend holds the process's 3 PDs" pds_are $((base + 3))
on guest1 "echo xenib-0 > /sys/bus/xen/drivers/xenib/unbind && rmmod xen_ibfront" ||
	fail "removing the frontend while a process holds the device"
ok "frontend removed while a process holds the device"
wait_for 60 "backend released the process's PDs" pds_are "$base"
on guest1 "kill -9 \$(cat /tmp/hold.pid)"
on guest1 "modprobe xen-ibfront" || fail "reloading the frontend"
wait_for 120 "connected again" is_connected guest1
wait_for 60 "xenib0 back in the guest" on guest1 "test -d $IBDEV"
on guest1 "xenib-verbs-test -d xenib0 pd 2" >/dev/null || fail "process after frontend reload"
ok "device works after the frontend reload"
