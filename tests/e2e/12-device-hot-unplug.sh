#!/bin/bash
# The guest's RDMA device goes away like a hot-unplugged one, with
# processes still using it (PDs, CQs and QPs with their rings mapped, an
# SRQ, an AH, registered memory), when the backend is unloaded or the
# frontend is removed: their objects are released in Dom0, nothing hangs,
# and the device comes back for new processes when the driver does.
. "$(dirname "$0")/lib.sh"

ensure_connected guest1
IBDEV=/sys/class/infiniband/xenib0
# Whatever happens, no holder process outlives the test.
trap 'stop_jobs guest1' EXIT

wait_for 60 "guest has xenib0" on guest1 "test -d $IBDEV"
base=$(backend_pds)
mrs0=$(backend_mrs)

# Backend unloaded under processes with live objects, rings and an MR.
hold_pds guest1 4
job_start guest1 objs xenib-verbs-test -d xenib0 hold-objs 600 ||
	fail "starting a process that holds every kind of object"
job_start guest1 mr xenib-verbs-test -d xenib0 hold-mr 8 600 ||
	fail "starting a process that holds an MR"
# 4 PDs, hold-objs' PD and hold-mr's PD.
wait_for 60 "backend holds the processes' 6 PDs" pds_are $((base + 6))
wait_for 60 "backend holds the MR" mrs_are $((mrs0 + 1))
on dom0 "xenib-backend-unload" || fail "xenib-backend-unload with objects alive"
ok "backend unloaded with a guest process holding objects"
wait_for 60 "xenib0 gone from the guest" on guest1 "! test -e $IBDEV"
check "the process survives the unplug" job_running guest1 hold
on dom0 "modprobe xen-ibback" || fail "modprobe xen-ibback"
wait_for 120 "frontend reconnected" is_connected guest1
wait_for 60 "xenib0 back in the guest" on guest1 "test -d $IBDEV"
on guest1 "xenib-verbs-test -d xenib0 pd 4" >/dev/null || fail "new process on the new device"
ok "a new process works on the device that came back"
check "backend holds nothing of the unplugged processes" pds_are "$base"
check "backend holds no MR of theirs" mrs_are "$mrs0"
job_stop guest1 hold; job_stop guest1 objs; job_stop guest1 mr

# Frontend removed under processes with live objects: PDs, CQs and QPs
# with their rings mapped, an SRQ, an AH and 8 MiB of registered memory.
objs=$(backend_objs)
mrs=$(backend_mrs)
hold_pds guest1 3
job_start guest1 objs xenib-verbs-test -d xenib0 hold-objs 600 ||
	fail "starting a process that holds every kind of object"
job_start guest1 mr xenib-verbs-test -d xenib0 hold-mr 8 600 ||
	fail "starting a process that holds an MR"
wait_for 60 "backend holds the processes' 5 PDs" pds_are $((base + 5))
wait_for 60 "backend holds the MR" mrs_are $((mrs + 1))
on guest1 "echo xenib-0 > /sys/bus/xen/drivers/xenib/unbind && rmmod xen_ibfront" ||
	fail "removing the frontend while processes hold the device"
ok "frontend removed while processes hold rings and registered memory"
wait_for 60 "backend released the processes' PDs" pds_are "$base"
check "backend released their CQs and QPs" [ "$(backend_objs)" = "$objs" ]
check "backend released the MR" mrs_are "$mrs"
check "the processes survive the unplug" \
	eval 'job_running guest1 objs && job_running guest1 mr'
job_stop guest1 hold; job_stop guest1 objs; job_stop guest1 mr
on guest1 "modprobe xen-ibfront" || fail "reloading the frontend"
wait_for 120 "connected again" is_connected guest1
wait_for 60 "xenib0 back in the guest" on guest1 "test -d $IBDEV"
on guest1 "xenib-verbs-test -d xenib0 pd 2" >/dev/null || fail "process after frontend reload"
ok "device works after the frontend reload"
