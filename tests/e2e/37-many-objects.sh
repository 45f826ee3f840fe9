#!/bin/bash
# Many objects in one guest: MANY_N (default 1024) CQs and RC QPs, each
# QP on its own CQ, moved to RTS and sending a message to itself; then
# natively in Dom0 on rxe0, same boot.  The times of each phase are
# printed side by side.  tests/long/46 runs it with 4096, the quotas'
# default for both, which takes about five minutes on the testbed.
. "$(dirname "$0")/lib.sh"

N=${MANY_N:-1024}
ensure_rdma guest1
idle=$(backend_objs)

guest=$(on guest1 "xenib-verbs-test -d xenib0 many $N" 2>&1) ||
	fail "$N CQs and QPs in guest1: $(echo "$guest" | tail -n 3)"
guest=$(echo "$guest" | tr -d '\r' | grep '^many:')
ok "$guest (guest1, xenib0)"
wait_for 60 "the backend holds nothing of them" objs_are "$idle"
native=$(on dom0 "xenib-verbs-test -d rxe0 many $N" 2>&1) ||
	fail "$N CQs and QPs natively: $(echo "$native" | tail -n 3)"
native=$(echo "$native" | tr -d '\r' | grep '^many:')
ok "$native (Dom0, rxe0)"

# The phases' seconds, guest and native, and their ratio.
secs() { echo "$1" | grep -oE '[0-9.]+ s' | tr -d ' s'; }
paste <(printf '%s\n' create connect use destroy) <(secs "$guest") <(secs "$native") |
	awk -v n="$N" 'BEGIN { printf "    %-8s %10s %10s %7s   (%d CQs and QPs, TCG: times emulated)\n", "phase", "guest s", "native s", "ratio", n }
		{ printf "    %-8s %10.2f %10.2f %7.1f\n", $1, $2, $3, ($3 > 0 ? $2 / $3 : 0) }'
