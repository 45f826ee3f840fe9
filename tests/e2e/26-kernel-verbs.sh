#!/bin/bash
# Kernel verbs on the guest's device: the checks of tests/kverbs (a kernel
# module that drives PD, CQ, RC and UD QPs, sends, receives, completion
# events and errors through ib_core, with buffers behind local_dma_lkey)
# pass on xenib0 in a guest as they pass natively on rxe0 in Dom0, the
# work goes through the backend's real QPs, and everything is released.
. "$(dirname "$0")/lib.sh"

ensure_rdma guest1

check "the kernel-verbs checks pass natively on rxe0 in Dom0" \
	kverbs_load dom0 ibdev=rxe0

before_objs=$(backend_objs)
before_mrs=$(backend_mrs)
sends=$(be_stat guest1 sends_posted)
recvs=$(be_stat guest1 recvs_posted)

check "the kernel-verbs checks pass on xenib0 in guest1" \
	kverbs_load guest1 ibdev=xenib0 page_limit=1

# Each of the checks' 222 SENDs and 223 receives (200 of each the UD
# rounds', and ib_drain_qp's) reached the real device; the work requests
# the frontend refused did not.
sent=$(($(be_stat guest1 sends_posted) - sends))
received=$(($(be_stat guest1 recvs_posted) - recvs))
echo "backend: $sent sends, $received receives posted for the guest's kernel QPs"
[ "$sent" -eq 222 ] && [ "$received" -eq 223 ] ||
	fail "expected 222 sends and 223 receives through the backend, got $sent and $received"
ok "the guest kernel's work went to the real device through the backend"

check "backend objects back to where they were ($before_objs)" \
	objs_are "$before_objs"
check "backend MRs (the bounce buffers) back to $before_mrs" \
	mrs_are "$before_mrs"
check "the frontend still answers" ping_ok guest1

# A kernel consumer holding objects with work posted when its device is
# detached: ib_core has it release them (locally: the backend has gone),
# and the backend has released its side.  Then when its guest dies.
for how in detach destroy; do
	g=guest1
	[ "$how" = destroy ] && g=guest2
	ensure_rdma "$g"
	base=$(backend_objs)
	base_mrs=$(backend_mrs)
	check "$g's kernel holds a PD, a CQ and an RC pair with work posted" \
		kverbs_load "$g" ibdev=xenib0 hold=1
	# Plus the CQ and QP the backend registers the PD's MRs with.
	check "the backend holds them for it" \
		held_are "$(plus "$base" "1 2 3")"
	check "... and the QPs' 2 bounce MRs" mrs_are $((base_mrs + 2))
	if [ "$how" = detach ]; then
		on dom0 "xenibctl detach guest1" >/dev/null ||
			fail "xenibctl detach guest1"
		wait_for 60 "guest1's xenib0 gone" \
			on guest1 "! test -d /sys/class/infiniband/xenib0"
		check "the kernel consumer released what it held" \
			on guest1 "dmesg | tail -n 5 | grep -q 'released what was held'"
		on guest1 "rmmod xenib_kverbs_test" >/dev/null ||
			fail "removing the test module after the device went"
		on dom0 "xenibctl attach guest1 hca=rxe0 port=1 --wait-connected" >/dev/null ||
			fail "attaching guest1 again"
	else
		on dom0 "xl destroy guest2" >/dev/null || fail "xl destroy guest2"
	fi
	wait_for 60 "backend objects back to where they were ($base) after $how" \
		objs_are "$base"
	check "backend MRs back to $base_mrs after $how" mrs_are "$base_mrs"
done
ensure_rdma guest1 guest2
check "guest1 answers" ping_ok guest1
check "guest2 answers" ping_ok guest2
