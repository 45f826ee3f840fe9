#!/bin/bash
# Protection domains: one real PD in Dom0 per guest PD, a per-guest quota
# that fails as a real device out of PDs does (ENOMEM), and nothing left in
# Dom0 after the guest process exits, is killed, or the guest is destroyed.
. "$(dirname "$0")/lib.sh"

ensure_connected guest1
QUOTA=/sys/module/xen_ibback/parameters/max_pds

base=$(backend_pds)
echo "  backend PDs before: $base"

on guest1 "xenib-verbs-test -d xenib0 pd 16" || fail "PD alloc/dealloc in the guest"
check "backend PDs back to $base after the process" pds_are "$base"

hold_pds guest1 5
wait_for 60 "backend holds 5 real PDs for the guest's 5" pds_are $((base + 5))
job_stop guest1 hold
wait_for 60 "killed process: backend PDs back to $base" pds_are "$base"

old=$(on dom0 "cat $QUOTA" | tr -d '\r')
on dom0 "echo 8 > $QUOTA" || fail "setting max_pds"
on guest1 "xenib-verbs-test -d xenib0 pd-quota 8"
rc=$?
on dom0 "echo $old > $QUOTA"
[ $rc = 0 ] || fail "PD quota in the guest"
ok "PD quota enforced with ENOMEM"
check "backend PDs back to $base after the quota test" pds_are "$base"

# A guest destroyed with PDs alive leaves nothing behind.
ensure_rdma guest2
hold_pds guest2 3
wait_for 60 "backend holds guest2's 3 PDs" pds_are $((base + 3))
on dom0 "xl destroy guest2" || fail "xl destroy guest2"
wait_for 60 "destroyed guest: backend PDs back to $base" pds_are "$base"
check "guest1 still connected" is_connected guest1
on guest1 "xenib-verbs-test -d xenib0 pd 1" >/dev/null || fail "guest1 lost its device"
ok "guest1 keeps working"
