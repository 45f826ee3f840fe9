#!/bin/bash
# The data path where rdma-core's tools do not look: the same program runs
# on rxe0 in Dom0 and on xenib0 in a guest and must pass on both (order,
# data, completion fields, flush on error, a full send queue, a bad lkey,
# completion events); then a guest process killed mid-transfer and a guest
# destroyed mid-transfer leave Dom0 as it was.
. "$(dirname "$0")/lib.sh"

ensure_rdma guest1

for t in ops flush sqfull badkey events; do
	native=$(on dom0 "xenib-verbs-test -d rxe0 $t" 2>&1) ||
		{ echo "$native"; fail "$t natively on rxe0"; }
	[ "$t" != sqfull ] || native_sqfull=$native
	out=$(on guest1 "xenib-verbs-test -d xenib0 $t" 2>&1) ||
		{ echo "$out"; fail "$t in the guest"; }
	echo "$out" | sed 's/^/    /'
	# a bad lkey: the backend's status, not rxe's (which differs between
	# releases)
	status=$(prot_err "$out")
	[ "$t" != badkey ] || [ "$status" = "$PROT_ERR_XENIB" ] ||
		fail "$t: a bad lkey completed with '$status' in the guest, not '$PROT_ERR_XENIB'"
	ok "$t: as on native rxe0${status:+ (guest: $status; rxe0: $(prot_err "$native"))}"
done
native_depth=$(echo "$native_sqfull" | sed -n 's/^sq_depth //p' | tr -d '\r')
guest_depth=$(on guest1 "xenib-verbs-test -d xenib0 sqfull" | sed -n 's/^sq_depth //p' | tr -d '\r')
[ -n "$guest_depth" ] && [ "$guest_depth" = "$native_depth" ] ||
	fail "a full send queue takes $guest_depth SENDs in the guest, $native_depth natively"
ok "a full send queue takes $guest_depth SENDs, as natively"

base=$(backend_objs)
base_mrs=$(backend_mrs)
echo "  backend objects before: $base, MRs $base_mrs"

# A process killed mid-transfer.
job_start guest1 stream xenib-verbs-test -d xenib0 stream 0 ||
	fail "starting a stream in guest1"
wait_for 120 "guest1 streaming" on guest1 "grep -q 'streamed [1-9]' $TT/stream.out"
job_stop guest1 stream || fail "killing the stream"
wait_for 60 "killed mid-transfer: backend objects back to $base" objs_are "$base"
wait_for 60 "killed mid-transfer: backend MRs back to $base_mrs" mrs_are "$base_mrs"
on guest1 "xenib-verbs-test -d xenib0 ops" >/dev/null || fail "guest1's data path after the kill"
ok "guest1's data path works after the kill"

# A guest destroyed mid-transfer.
ensure_rdma guest2
job_start guest2 stream xenib-verbs-test -d xenib0 stream 0 ||
	fail "starting a stream in guest2"
wait_for 120 "guest2 streaming" on guest2 "grep -q 'streamed [1-9]' $TT/stream.out"
on dom0 "xl destroy guest2" || fail "xl destroy guest2"
wait_for 60 "destroyed mid-transfer: backend objects back to $base" objs_are "$base"
wait_for 60 "destroyed mid-transfer: backend MRs back to $base_mrs" mrs_are "$base_mrs"
on guest1 "xenib-verbs-test -d xenib0 ops" >/dev/null || fail "guest1's data path after guest2 was destroyed"
ok "guest1's data path works after guest2 was destroyed"

# Port events reach the guest's uverbs as natively: the real port goes
# down and up (its netdev in Dom0) while a process in each listens.
job_start dom0 async xenib-verbs-test -d rxe0 async 60 ||
	fail "starting the native listener"
job_start guest1 async xenib-verbs-test -d xenib0 async 60 ||
	fail "starting the guest's listener"
wait_for 60 "both listening" on guest1 "grep -q listening $TT/async.out"
on dom0 "ip link set dummy0 down; sleep 3; ip link set dummy0 up" ||
	fail "taking dummy0 down and up"
wait_for 60 "Dom0 port active again" on dom0 "ibv_devinfo -d rxe0 | grep -q PORT_ACTIVE"
for d in dom0 guest1; do
	wait_for 60 "$d: port error and port active events" \
		on "$d" "grep -q 'port error' $TT/async.out && grep -q 'port active' $TT/async.out"
done
on guest1 "cat $TT/async.out" | sed 's/^/    /'
on guest1 "xenib-verbs-test -d xenib0 ops" >/dev/null || fail "guest1's data path after the port came back"
ok "guest1's data path works after the port came back"
