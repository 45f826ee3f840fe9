#!/bin/bash
# Kernel verbs on the guest's device: the checks of tests/kverbs (a kernel
# module that drives PD, CQ, RC and UD QPs, sends, receives, completion
# events and errors through ib_core, with buffers behind local_dma_lkey)
# pass on xenib0 in a guest as they pass natively on rxe0 in Dom0, the
# work goes through the backend's real QPs, and everything is released.
. "$(dirname "$0")/lib.sh"

ensure_rdma guest1

KT=/usr/local/lib/xenib/xenib_kverbs_test.ko

# run_kverbs DOMAIN ARGS: load the checks (insmod's status is theirs), show
# what they printed (the failed ones and the count), unload.
run_kverbs() {
	local dom=$1 status lines
	shift
	lines=$(on "$dom" "dmesg | wc -l" | tr -d '\r')
	on "$dom" "insmod $KT $*"
	status=$?
	on "$dom" "dmesg | tail -n +$((lines + 1)) | grep xenib_kverbs_test:"
	on "$dom" "rmmod xenib_kverbs_test 2>/dev/null; true" >/dev/null
	return $status
}

check "the kernel-verbs checks pass natively on rxe0 in Dom0" \
	run_kverbs dom0 ibdev=rxe0

before_objs=$(backend_objs)
before_mrs=$(backend_mrs)
sends=$(be_stat guest1 sends_posted)
recvs=$(be_stat guest1 recvs_posted)

check "the kernel-verbs checks pass on xenib0 in guest1" \
	run_kverbs guest1 ibdev=xenib0 page_limit=1

# Each of the checks' 23 SENDs and 24 receives (with ib_drain_qp's) reached
# the real device; the work requests the frontend refused did not.
sent=$(($(be_stat guest1 sends_posted) - sends))
received=$(($(be_stat guest1 recvs_posted) - recvs))
echo "backend: $sent sends, $received receives posted for the guest's kernel QPs"
[ "$sent" -eq 23 ] && [ "$received" -eq 24 ] ||
	fail "expected 23 sends and 24 receives through the backend, got $sent and $received"
ok "the guest kernel's work went to the real device through the backend"

check "backend objects back to where they were ($before_objs)" \
	objs_are "$before_objs"
check "backend MRs (the bounce buffers) back to $before_mrs" \
	mrs_are "$before_mrs"
check "the frontend still answers" ping_ok guest1
