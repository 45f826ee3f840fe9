#!/bin/bash
# CQs, QPs (RC, UC, UD through every state), SRQs and AHs in a guest: the
# same program passes on rxe0 in Dom0 and on xenib0 in the guest, checking
# the errors native rxe gives for invalid requests; each guest object is a
# real one in Dom0; per-guest quotas fail with ENOMEM; and nothing is left
# in Dom0 after the process exits, is killed, or its guest is destroyed.
. "$(dirname "$0")/lib.sh"

ensure_rdma guest1
PARAMS=/sys/module/xen_ibback/parameters
trap 'stop_jobs guest1' EXIT

base=$(backend_objs)
echo "  backend objects before (pd cq qp, grant-mapped pages): $base"

for verb in cq qp srq ah; do
	on dom0 "xenib-verbs-test -d rxe0 $verb" >/dev/null ||
		fail "'$verb' on native rxe0: the test itself is wrong"
	on guest1 "xenib-verbs-test -d xenib0 $verb" ||
		fail "'$verb' in the guest behaves unlike native rxe"
	ok "'$verb': the guest behaves as native rxe0"
	check "backend objects back to $base after '$verb'" objs_are "$base"
done

# A process killed with objects alive.
job_start guest1 objs xenib-verbs-test -d xenib0 hold-objs 600 ||
	fail "starting a process that holds objects"
wait_for 60 "backend holds the process's PD, 2 CQs and 2 QPs" held_are "$(plus "$base" "1 2 2")"
# The backend's own account of them (docs/backend-sysfs.md).
RES=/sys/bus/xen-backend/devices/xenib-$(domid guest1)-0/resources
in_use() { on dom0 "cat $RES" | tr -d '\r' | awk '{ printf "%s=%s ", $1, $2 }'; }
used=$(in_use)
echo "  $RES: $used"
case $used in
"pd=1 cq=2 qp=2 srq=1 ah=1 mr=0 mw=0 queue_pages="[1-9]*" mr_pages=0 ") ok "backend sysfs counts the process's objects and ring pages" ;;
*) fail "backend sysfs resources: $used" ;;
esac
job_stop guest1 objs || fail "killing it"
wait_for 60 "killed process: backend objects back to $base" objs_are "$base"
check "backend sysfs counts nothing" [ "$(in_use)" = "pd=0 cq=0 qp=0 srq=0 ah=0 mr=0 mw=0 queue_pages=0 mr_pages=0 " ]

# Per-guest quotas fail as a device out of resources does.
for q in cq:max_cqs:4 qp:max_qps:3 srq:max_srqs:2 ah:max_ahs:3; do
	IFS=: read -r type param max <<<"$q"
	old=$(on dom0 "cat $PARAMS/$param" | tr -d '\r')
	on dom0 "echo $max > $PARAMS/$param" || fail "setting $param"
	on guest1 "xenib-verbs-test -d xenib0 quota $type $max" >/dev/null
	rc=$?
	on dom0 "echo $old > $PARAMS/$param"
	[ $rc = 0 ] || fail "$type quota of $max in the guest"
	ok "$param=$max: the next $type fails with ENOMEM"
done
check "backend objects back to $base after the quotas" objs_are "$base"

# A guest destroyed with every kind of object alive leaves nothing behind.
ensure_rdma guest2
job_start guest2 objs xenib-verbs-test -d xenib0 hold-objs 600 ||
	fail "starting a process in guest2"
wait_for 60 "backend holds guest2's objects" held_are "$(plus "$base" "1 2 2")"
on dom0 "xl destroy guest2" || fail "xl destroy guest2"
wait_for 60 "destroyed guest: backend objects back to $base" objs_are "$base"
on guest1 "xenib-verbs-test -d xenib0 qp" >/dev/null || fail "guest1 lost its device"
ok "guest1 keeps working"
