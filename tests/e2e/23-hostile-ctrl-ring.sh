#!/bin/bash
# A hostile frontend's tricks with the control ring itself (guest1's
# frontend through its raw_flip and raw_ring test interfaces):
# - a request changed in the ring while the backend reads it: REG_MR of
#   one page with a bad grant reference, rewritten again and again into a
#   32 MiB twin.  The backend works on the one copy it took, so each
#   version, or any mix of the two, is refused as a whole (EINVAL), and
#   nothing is mapped or held afterwards;
# - an event-channel storm with nothing on the ring: counted as spurious
#   interrupts, while guest2 moves data and guest1 keeps answering;
# - a request producer index more than a ring ahead: the backend fails
#   that device only (xenbus error node, Closed), Dom0 and guest2 carry
#   on, and a detach and attach give guest1 a working device again.
. "$(dirname "$0")/lib.sh"

ensure_rdma guest1 guest2
raw_requests guest1 1
trap 'raw_requests guest1 0 >/dev/null 2>&1' EXIT
DEV=/sys/bus/xen-backend/devices/xenib-$(domid guest1)-0
base=$(backend_objs)

eval "$(wire_names)"	# OP_* from xenibif.h, EINVAL=-22 ...
pd=$(on guest1 "xenib-raw -n 1 $OP_ALLOC_PD" | tr -d '\r' | sed -n 's/^word 0 //p')
[ -n "$pd" ] || fail "ALLOC_PD over the raw interface"
# REG_MR words: pd access iova(2) length(2) offset nr_pages
# nr_indirect|rsvd0<<16 rsvd1 indirect...
small="$pd 1 0x10000 0 4096 0 0 1 1 0 99999"
big="$pd 1 0x10000 0 0x2000000 0 0 8192 8 0 1 2 3 4 5 6 7 8"
rewrites() { on guest1 "sed -n 's/^flip_rewrites: //p' /sys/bus/xen/devices/xenib-0/connection" | tr -d '\r'; }
fr0=$(rewrites)
for i in $(seq 20); do
	got=$(on guest1 "xenib-raw -x '$big' $OP_REG_MR $small" | tr -d '\r' |
		sed -n 's/^status //p')
	[ "$got" = "$EINVAL" ] ||
		fail "REG_MR changed under the backend, round $i: answered '${got:-nothing}', expected $EINVAL"
done
fr1=$(rewrites)
[ $((fr1 - fr0)) -ge 20 ] ||
	fail "the frontend rewrote the requests only $((fr1 - fr0)) times while unanswered"
ok "20 REG_MRs rewritten $((fr1 - fr0)) times while unanswered: each refused with EINVAL"
on guest1 "xenib-raw $OP_DEALLOC_PD $pd" | grep -qx 'status 0' || fail "DEALLOC_PD"
used=$(on dom0 "cat $DEV/resources" | tr -d '\r' | awk '$2 != 0' | tr '\n' ' ')
[ -z "$used" ] || fail "the backend holds something for guest1: $used"
ok "the backend holds nothing for guest1: no object, no mapped page"

spurious0=$(be_stat guest1 spurious_interrupts)
job_start guest2 ops xenib-verbs-test -d xenib0 ops || fail "starting guest2's data path"
on guest1 "echo 'storm 20000' > $RAW_DIR/raw_ring" ||
	fail "the event-channel storm"
wait_for 120 "guest2's data path finished" on guest2 "test -s $TT/ops.rc"
[ "$(job_rc guest2 ops)" = 0 ] ||
	fail "guest2's data path during guest1's storm: $(job_out guest2 ops)"
ok "guest2 moved data during guest1's storm of 20000 notifications"
spurious1=$(be_stat guest1 spurious_interrupts)
[ "$spurious1" -gt "$spurious0" ] ||
	fail "no spurious interrupt counted ($spurious0 -> $spurious1)"
ok "the backend took them as spurious interrupts ($spurious0 -> $spurious1; Xen merges pending ones)"
check "guest1 still answers after its storm" ping_ok guest1

on guest1 "echo overflow > $RAW_DIR/raw_ring" ||
	fail "publishing a producer index beyond the ring"
# xenbus_dev_fatal(): the message under error/, then Closing, Closed.
err_node=$(be_error_node guest1)
wait_for 60 "the backend failed guest1's device" \
	on dom0 "xenstore-read $err_node 2>/dev/null | grep -q 'more requests than the ring holds'"
ok "backend error: $(on dom0 "xenstore-read $err_node" | tr -d '\r')"
wait_for 60 "guest1's backend Closed" test "$(xs_state "$(be_path guest1)")" = 6
on dom0 "xenibctl show guest1" | grep -q '^error: .*more requests than the ring holds' ||
	fail "xenibctl show does not give the backend's error"
on dom0 "xenibctl list --json" | grep -q '"error": ".*more requests than the ring holds"' ||
	fail "xenibctl list --json does not give the backend's error"
ok "xenibctl show and list give the backend's error"
wait_for 60 "backend objects back to $base" objs_are "$base"
on guest2 "xenib-verbs-test -d xenib0 ops" >/dev/null || fail "guest2's data path after guest1's failure"
ok "guest2 unaffected"
on dom0 "xenibctl detach guest1 && xenibctl attach guest1 --wait-connected=120" ||
	fail "detaching and attaching guest1 again"
check "the detach removed the backend's error" on dom0 "! xenstore-exists $err_node"
wait_for 60 "guest1 has xenib0 again" on guest1 "test -d /sys/class/infiniband/xenib0"
check "guest1's new device answers" ping_ok guest1
on guest1 "xenib-verbs-test -d xenib0 ops" >/dev/null || fail "guest1's data path after reattaching"
ok "guest1's data path works after reattaching"
