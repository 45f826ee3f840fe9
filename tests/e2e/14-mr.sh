#!/bin/bash
# Memory registration in a guest: the same program passes on rxe0 in Dom0
# and on xenib0 (every access flag, unaligned ranges up to 16 MiB, native
# errors for invalid ones); each guest MR is one real MR in Dom0; the MR
# and pinned-page quotas fail with ENOMEM; and no MR is left in Dom0 after
# the process is killed or its guest is destroyed with MRs alive.
. "$(dirname "$0")/lib.sh"

ensure_rdma guest1
PARAMS=/sys/module/xen_ibback/parameters
trap 'stop_jobs guest1' EXIT

base=$(backend_mrs)
pds=$(backend_objs)
echo "  backend MRs before: $base"

on dom0 "xenib-verbs-test -d rxe0 mr" >/dev/null ||
	fail "'mr' on native rxe0: the test itself is wrong"
on guest1 "xenib-verbs-test -d xenib0 mr" || fail "'mr' in the guest behaves unlike native rxe"
ok "'mr': the guest behaves as native rxe0"
check "backend MRs back to $base" mrs_are "$base"
check "backend PDs, CQs, QPs back to $pds (registration QPs go with their PD)" \
	[ "$(backend_objs)" = "$pds" ]

# A process killed with a 16 MiB MR alive.
job_start guest1 mr xenib-verbs-test -d xenib0 hold-mr 16 600 ||
	fail "starting a process that holds an MR"
wait_for 60 "backend holds the process's MR" mrs_are $((base + 1))
job_stop guest1 mr || fail "killing it"
wait_for 60 "killed process: backend MRs back to $base" mrs_are "$base"

# Quotas: MRs per guest, and pages of guest memory registered.
old=$(on dom0 "cat $PARAMS/max_mrs" | tr -d '\r')
on dom0 "echo 3 > $PARAMS/max_mrs" || fail "setting max_mrs"
on guest1 "xenib-verbs-test -d xenib0 quota mr 3" >/dev/null
rc=$?
on dom0 "echo $old > $PARAMS/max_mrs"
[ $rc = 0 ] || fail "MR quota in the guest"
ok "max_mrs=3: the next MR fails with ENOMEM"
old=$(on dom0 "cat $PARAMS/max_mr_pages" | tr -d '\r')
on dom0 "echo 1024 > $PARAMS/max_mr_pages" || fail "setting max_mr_pages"
out=$(on guest1 "xenib-verbs-test -d xenib0 hold-mr 8 0 2>&1")
rc=$?
on dom0 "echo $old > $PARAMS/max_mr_pages"
echo "$out" | grep -q "Cannot allocate memory" && [ $rc != 0 ] ||
	fail "an 8 MiB MR over a 4 MiB pinned-page quota did not fail with ENOMEM: $out"
ok "max_mr_pages=1024: an 8 MiB registration fails with ENOMEM"
check "backend MRs back to $base after the quotas" mrs_are "$base"

# A guest destroyed with an MR alive.
ensure_rdma guest2
job_start guest2 mr xenib-verbs-test -d xenib0 hold-mr 4 600 ||
	fail "starting a process in guest2"
wait_for 60 "backend holds guest2's MR" mrs_are $((base + 1))
on dom0 "xl destroy guest2" || fail "xl destroy guest2"
wait_for 60 "destroyed guest: backend MRs back to $base" mrs_are "$base"
check "backend PDs, CQs, QPs back to $pds" [ "$(backend_objs)" = "$pds" ]
