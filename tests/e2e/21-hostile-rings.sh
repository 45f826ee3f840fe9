#!/bin/bash
# A guest process that breaks its own mapped rings: garbage in a send queue
# element, a producer index off the ring, inline data on an RDMA READ, a
# storm of empty doorbells.  Its
# QPs fail with error completions as a real device fails malformed work;
# the backend counts the bad work, Dom0 keeps nothing and the guest's
# device keeps working.
. "$(dirname "$0")/lib.sh"

ensure_rdma guest1

base=$(backend_objs)
bad0=$(be_stat guest1 bad_wqes)
on guest1 "xenib-verbs-test -d xenib0 hostile" | sed 's/^/    /'
[ "${PIPESTATUS[0]}" = 0 ] || fail "the hostile process did not get the errors expected"
bad1=$(be_stat guest1 bad_wqes)
[ "$bad1" -ge $((bad0 + 3)) ] || fail "bad_wqes went from $bad0 to $bad1, expected +3"
ok "the backend counted the bad work ($bad0 -> $bad1 bad_wqes; $(be_stat guest1 spurious_kicks) spurious kicks)"
wait_for 60 "backend objects back to $base" objs_are "$base"
on guest1 "xenib-verbs-test -d xenib0 ops" >/dev/null || fail "guest1's data path afterwards"
ok "guest1's data path works afterwards"
