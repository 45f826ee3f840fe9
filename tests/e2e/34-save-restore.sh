#!/bin/bash
# shellcheck disable=SC2016 # the checks eval their arguments each time
# xl save -c (a checkpoint) and xl save + xl restore of a guest whose xenib
# device is in use.  A checkpoint leaves the device and every object as
# they were.  After a restore the device comes back with no command:
# xenibctl daemon in Dom0 attaches it again from what xenibctl attach
# recorded; the guest's processes see a hot-unplug (the fatal event, their
# objects gone) and new ones work; Dom0 keeps nothing of the saved guest.
# Without a record the guest's device goes down at once, with a message,
# and comes back when Dom0 attaches it by hand.
# A guest of its own, of the default size: guest1 may have been restarted
# bigger by the tests before (768 MB with e2e-31's layer), and its save
# file would then not fit on Dom0's disk.
. "$(dirname "$0")/lib.sh"

G=guest5
G_IP=10.77.0.15
guest_running $G || "$TB" guest start $G || fail "starting $G"
ensure_rdma $G
SAVE=/var/lib/xenib-testbed/save/$G
RECORDS=/var/lib/xenib/devices
trap 'stop_jobs $G; on dom0 "rm -f $SAVE; xl destroy $G" >/dev/null 2>&1' EXIT
on dom0 "mkdir -p ${SAVE%/*}"

check "xenibctl daemon runs in Dom0" on dom0 "pgrep -f 'xenibctl daemon' >/dev/null"
uuid=$(on dom0 "xl list -v $G" | awk -v g=$G '$1 == g { print $7 }')
record=$(on dom0 "cat $RECORDS/$uuid/0" | tr -d '\r')
echo "$record" | grep -qx "hca rxe0" ||
	fail "xenibctl attach recorded no device 0 for $G ($uuid): '$record'"
ok "xenibctl attach recorded $G's device by its UUID"

# "PDs CQs QPs grants N" with nothing of the guest's processes.
idle=$(backend_objs)
idle_mrs=$(backend_mrs)
# hold-objs: a PD, 2 CQs, 2 QPs (and an SRQ, an AH); hold-mr: a PD and 8
# MiB, and the CQ and QP the backend registers the PD's memory with.
held=$(plus "$idle" "2 3 3")
start_holders $G "$held" $((idle_mrs + 1))
busy=$(backend_objs)
check "the backend maps their pages ($idle -> $busy)" [ "${busy##* }" -gt "${idle##* }" ]

# A checkpoint: the guest goes on, and so does everything on its device.
t=$(date +%s.%N)
on dom0 "xl save -c $G $SAVE >/dev/null 2>&1" || fail "xl save -c $G"
ok "checkpoint taken in $(elapsed "$t") s"
on dom0 "rm -f $SAVE"
check "the device is still connected" is_connected $G
check "the processes' objects are still held" held_are "$held"
check "the processes are still running" \
	eval 'job_running $G objs && job_running $G mr'
check "no fatal event after a checkpoint" eval '! fatal_event $G'
pingpong "rc $G <- dom0 after the checkpoint" $G xenib0 $G_IP \
	dom0 rxe0 "ibv_rc_pingpong -g 0 -n 20 -c"

# Saved: the guest is gone, and with it everything Dom0 held for it.
old=$(domid $G)
t=$(date +%s.%N)
on dom0 "xl save $G $SAVE >/dev/null 2>&1" || fail "xl save $G"
ok "$G saved in $(elapsed "$t") s"
check "$G is gone" eval '! guest_running $G'
check "Dom0 has no backend device of it" \
	on dom0 "! test -e /sys/bus/xen-backend/devices/xenib-$old-0"
check "the backend released the processes' objects and pages" objs_are "$idle"
check "and the MR" mrs_are "$idle_mrs"

# Restored: the daemon attaches the device again, nothing else is done.
t=$(date +%s.%N)
on dom0 "xl restore $SAVE >/dev/null 2>&1" || fail "xl restore $G"
ok "$G restored in $(elapsed "$t") s"
wait_for 60 "the device connected again by itself" is_connected $G
ok "xenib0 connected $(elapsed "$t") s after xl restore began"
check "the daemon says it attached it" on dom0 \
	"grep -q 'domain $G ($(domid $G), $uuid) device 0 -> rxe0 port 1 again' /var/log/xenibctl-daemon.log"
wait_for 60 "xenib0 back in the guest" on $G "test -d /sys/class/infiniband/xenib0"
wait_for 30 "the open context got the fatal event" fatal_event $G
check "the processes survive the unplug" \
	eval 'job_running $G objs && job_running $G mr'
check "the backend holds nothing of theirs, nor their pages" objs_are "$idle"
check "nor their MR" mrs_are "$idle_mrs"
pingpong "rc $G <- dom0 after the restore" $G xenib0 $G_IP \
	dom0 rxe0 "ibv_rc_pingpong -g 0 -n 20 -c"
on $G "xenib-verbs-test -d xenib0 ops" >/dev/null ||
	fail "a new process's data path after the restore"
ok "a new process's data path works after the restore"
stop_jobs $G
on dom0 "rm -f $SAVE"

# No record (a Dom0 that did not attach it with xenibctl): the guest's
# device goes down at once and says why; attaching it brings it back.
args=$(on dom0 "xenibctl export $G" | tr -d '\r' | cut -d' ' -f2-)
[ -n "$args" ] || fail "xenibctl export $G printed nothing"
on dom0 "rm -r $RECORDS/$uuid" || fail "removing $G's record"
n=$(down_msgs $G)
on dom0 "xl save $G $SAVE >/dev/null 2>&1 && xl restore $SAVE >/dev/null 2>&1" ||
	fail "xl save and xl restore of $G without a record"
wait_for 60 "the guest says its device is down" more_down_msgs $G "$n"
check "xenib0 is gone from the guest" on $G "! test -e /sys/class/infiniband/xenib0"
# shellcheck disable=SC2016 # expanded by eval, each time it is checked
check "Dom0 attached nothing" eval '! on dom0 "xenstore-exists $(be_path $G)"'
on dom0 "xenibctl attach $G $args --wait-connected=60" >/dev/null ||
	fail "xenibctl attach $G $args after the restore"
wait_for 60 "xenib0 back in the guest" on $G "test -d /sys/class/infiniband/xenib0"
pingpong "rc $G <- dom0 after attaching by hand" $G xenib0 $G_IP \
	dom0 rxe0 "ibv_rc_pingpong -g 0 -n 20 -c"
check "that attach recorded it again" on dom0 "test -s $RECORDS/$uuid/0"

id=$(domid $G)
on dom0 "xl destroy $G && rm -r $RECORDS/$uuid" || fail "destroying $G"
wait_for 60 "the backend let go of $G" on dom0 "! test -e /sys/bus/xen-backend/devices/xenib-$id-0"
trap - EXIT
