#!/bin/bash
# A guest's grant table bounds what it can register: with max_grant_frames
# = 8 (4096 grants, 16 MiB) in its xl config, a 32 MiB registration fails
# with ENOMEM, the guest's kernel log names the xl option that raises the
# limit, nothing is left in Dom0, and smaller registrations still work.
. "$(dirname "$0")/lib.sh"

G=guest3
guest_running $G && on dom0 "xl destroy $G"
"$TB" guest start $G --cfg-extra "max_grant_frames = 8" || fail "starting $G with max_grant_frames = 8"
ensure_rdma $G
base=$(backend_mrs)

out=$(on $G "xenib-verbs-test -d xenib0 hold-mr 32 0 2>&1")
rc=$?
echo "$out" | sed 's/^/    /'
[ $rc != 0 ] && echo "$out" | grep -q "Cannot allocate memory" ||
	fail "a 32 MiB registration beyond the grant table did not fail with ENOMEM"
ok "32 MiB beyond a 16 MiB grant table: ENOMEM"
on $G "dmesg | grep 'raise max_grant_frames' | grep -q gnttab_max_frames" ||
	fail "the guest's kernel log does not say how to raise the limit"
ok "the guest's kernel log names max_grant_frames and Xen's gnttab_max_frames"
check "backend MRs back to $base" mrs_are "$base"
on $G "xenib-verbs-test -d xenib0 hold-mr 4 0" >/dev/null ||
	fail "a 4 MiB registration after the failed one"
ok "4 MiB still registers"
on dom0 "xl destroy $G" || fail "xl destroy $G"
