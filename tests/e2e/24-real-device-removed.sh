#!/bin/bash
# The real RDMA device goes away under the backend (rdma link delete rxe0
# in Dom0) while both guests use it, guest1 with every kind of object
# alive (PDs, CQs and QPs with their rings mapped, an SRQ, an AH, 8 MiB
# registered) and a stream running.  The backend gives everything up before
# the device is gone: Dom0 holds no object and no guest page afterwards,
# each guest's device fails with "RDMA device removed" and the guest
# processes survive.  With the device back (rdma link add), a detach and
# attach give both guests a working device.
. "$(dirname "$0")/lib.sh"

ensure_rdma guest1 guest2
trap 'stop_jobs guest1; stop_jobs guest2' EXIT

job_start guest1 objs xenib-verbs-test -d xenib0 hold-objs 600 ||
	fail "starting a process that holds every kind of object"
job_start guest1 mr xenib-verbs-test -d xenib0 hold-mr 8 600 ||
	fail "starting a process that holds an MR"
job_start guest2 stream xenib-verbs-test -d xenib0 stream 600 ||
	fail "starting a stream in guest2"
wait_for 60 "guest1's objects and MR are held" on guest1 "grep -q 'holding' $TT/objs.out && grep -q 'holding' $TT/mr.out"
wait_for 60 "guest2 is streaming" on guest2 "grep -q '^streamed' $TT/stream.out"
held=$(backend_objs)
ok "backend holds, with the guests' pages: $held"

on dom0 "rdma link delete rxe0" || fail "rdma link delete rxe0"
ok "rxe0 deleted under both guests"
for g in guest1 guest2; do
	err=$(be_error_node $g)
	wait_for 60 "$g's backend failed with the device gone" \
		on dom0 "xenstore-read $err 2>/dev/null | grep -q 'RDMA device removed'"
done
check "Dom0 has no RDMA device left" on dom0 "! test -e /sys/class/infiniband/rxe0"
check "the backend maps no guest page" \
	on dom0 "grep -qx 0 /sys/bus/xen-backend/drivers/xenib/grant_mapped_pages"
wait_for 60 "guest1's xenib0 gone" on guest1 "! test -d /sys/class/infiniband/xenib0"
check "guest1's processes survive" \
	eval 'job_running guest1 objs && job_running guest1 mr'
stop_jobs guest1
stop_jobs guest2

on dom0 "rdma link add rxe0 type rxe netdev dummy0" || fail "rdma link add rxe0"
wait_for 60 "rxe0 back" on dom0 "test -e /sys/class/infiniband/rxe0/ports/1"
ensure_rdma guest1 guest2
check "backend objects at zero with the device back" objs_are "0 0 0 grants 0"
for g in guest1 guest2; do
	on $g "xenib-verbs-test -d xenib0 ops" >/dev/null || fail "$g's data path on the new device"
done
ok "both guests move data again"
