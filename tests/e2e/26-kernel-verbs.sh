#!/bin/bash
# Kernel verbs on the guest's device: the checks of tests/kverbs (a kernel
# module that drives PD, CQ, RC and UD QPs, sends, receives, completion
# events and errors through ib_core, with buffers behind local_dma_lkey)
# pass on xenib0 in a guest as they pass natively on rxe0 in Dom0, the
# work goes through the backend's real QPs, and everything is released.
. "$(dirname "$0")/lib.sh"

ensure_rdma guest1

KT=/usr/local/lib/xenib/xenib_kverbs_test.ko

# objs_plus BEFORE PD CQ QP: "PDs CQs QPs" of backend_objs BEFORE plus these.
objs_plus() {
	echo "$1" | { read -r p c q _; echo "$((p + $2)) $((c + $3)) $((q + $4))"; }
}
# objs_held EXPECTED: the backend's "PDs CQs QPs" are EXPECTED.
objs_held() { [ "$(backend_objs | cut -d' ' -f1-3)" = "$1" ]; }

# run_kverbs DOMAIN ARGS: load the checks (insmod's status is theirs), show
# what they printed (the failed ones and the count), unload (not with
# hold=1: the module then holds objects until it is removed).
run_kverbs() {
	local dom=$1 status lines
	shift
	lines=$(on "$dom" "dmesg | wc -l" | tr -d '\r')
	on "$dom" "insmod $KT $*"
	status=$?
	on "$dom" "dmesg | tail -n +$((lines + 1)) | grep xenib_kverbs_test:"
	case " $* " in
	*" hold=1 "*) ;;
	*) on "$dom" "rmmod xenib_kverbs_test 2>/dev/null; true" >/dev/null ;;
	esac
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
		run_kverbs "$g" ibdev=xenib0 hold=1
	# Plus the CQ and QP the backend registers the PD's MRs with.
	check "the backend holds them for it" \
		objs_held "$(objs_plus "$base" 1 2 3)"
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
