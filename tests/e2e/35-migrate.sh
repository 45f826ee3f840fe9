#!/bin/bash
# shellcheck disable=SC2016 # the checks eval their arguments each time
# A PVH guest with a xenib device: its data path, and xl migrate (live, to
# the same host) with a process holding objects.  The device comes back
# where the guest lands with no command (xenibctl daemon); the process
# sees a hot-unplug; Dom0 keeps nothing of the guest's old domain.  A
# migration the destination refuses, or whose destination is killed
# midway, leaves the guest running where it was, its device and objects
# as they were.  PV guests cannot be migrated
# live on Debian's Xen, which is built without shadow paging
# (docs/decisions.md); the testbed's hosts emulate a CPU with nested
# paging (xenib-testbed start --hap) so that PVH guests run.
. "$(dirname "$0")/lib.sh"

G=guest6
G_IP=10.77.0.16
ensure_hap
again_on_emulated_hap "$@"
trap 'stop_jobs $G; on dom0 "xl destroy $G" >/dev/null 2>&1' EXIT
guest_running $G || "$TB" guest start $G --type pvh || fail "starting $G as a PVH guest"
check "$G is a PVH guest" on $G "grep -qx PVH /sys/hypervisor/guest_type"
ensure_rdma $G

pingpong "rc $G <- dom0" $G xenib0 $G_IP dom0 rxe0 "ibv_rc_pingpong -g 0 -n 50 -c"
pingpong "rc dom0 <- $G" dom0 rxe0 10.77.0.1 $G xenib0 "ibv_rc_pingpong -g 0 -n 50 -c"
pingpong "ud $G <- dom0" $G xenib0 $G_IP dom0 rxe0 "ibv_ud_pingpong -g 0 -n 50 -c"
on $G "xenib-verbs-test -d xenib0 ops" >/dev/null || fail "the verbs ops test in $G"
ok "$G's data path: every operation, natively checked"

idle=$(backend_objs)
held=$(plus "$idle" "1 2 2")
start_holders $G "$held"
old=$(domid $G)
# unmoved WHAT: after a migration that failed, $G runs as before.
unmoved() {
	check "$G runs where it was" [ "$(domid $G)" = "$old" ]
	check "its device is still connected" is_connected $G
	check "its process's objects are still held" held_are "$held"
	check "no fatal event" eval '! fatal_event $G'
	pingpong "rc $G <- dom0 after $1" $G xenib0 $G_IP dom0 rxe0 \
		"ibv_rc_pingpong -g 0 -n 20 -c"
}

# Refused by the destination: nothing happens to the guest.
out=$(on dom0 "xl migrate -s '' $G false" 2>&1) &&
	fail "xl migrate to a destination that refuses succeeded: $out"
ok "a migration the destination refuses fails"
unmoved "the refused migration"

# The destination killed in the middle: 5 s into a transfer of about 10,
# as a rule after the guest was suspended for the last round, so xl
# resumes it where it was.  The half-built domain the receiver leaves
# behind, its device attached by the daemon, goes with xl destroy.
out=$(on dom0 "xl migrate -s '' $G 'timeout -s KILL 5 xl migrate-receive'" 2>&1) &&
	fail "xl migrate to a destination killed midway succeeded: $out"
ok "a migration whose destination is killed midway fails: $(echo "$out" | grep -i "fail" | tail -n 1)"
unmoved "the killed migration"
left=$(on dom0 "xl domid $G--incoming" | tr -d '\r')
if [ -n "$left" ]; then
	on dom0 "xl destroy $G--incoming" || fail "xl destroy $G--incoming"
	wait_for 60 "Dom0 let go of the half-built domain's device" \
		on dom0 "! test -e /sys/bus/xen-backend/devices/xenib-$left-0"
fi
check "Dom0 holds nothing but $G's objects" held_are "$held"

# Migrated: the device follows by itself.
t=$(date +%s.%N)
if ! out=$(on dom0 "xl migrate -s '' $G 'xl migrate-receive'" 2>&1); then
	echo "$out" | tail -n 20
	fail "xl migrate $G to this host"
fi
ok "$G migrated in $(elapsed "$t") s"
new=$(domid $G)
check "$G runs as a new domain ($old -> $new)" [ "$new" != "$old" ]
wait_for 60 "its device connected again by itself" is_connected $G
check "the daemon says it attached it" on dom0 \
	"grep -q 'domain $G--incoming ($new, .*) device 0 -> rxe0 port 1 again' /var/log/xenibctl-daemon.log"
check "Dom0 has no backend device of the old domain" \
	on dom0 "! test -e /sys/bus/xen-backend/devices/xenib-$old-0"
wait_for 60 "xenib0 back in $G" on $G "test -d /sys/class/infiniband/xenib0"
wait_for 30 "the open context got the fatal event" fatal_event $G
check "the process survives" job_running $G objs
check "the backend holds nothing of it" held_are "$(plus "$idle" "0 0 0")"
pingpong "rc $G <- dom0 after the migration" $G xenib0 $G_IP dom0 rxe0 \
	"ibv_rc_pingpong -g 0 -n 20 -c"
stop_jobs $G
on dom0 "xl destroy $G" || fail "destroying $G"
wait_for 60 "the backend let go of $G" eval '! on dom0 "test -e /sys/bus/xen-backend/devices/xenib-$new-0"'
trap - EXIT
