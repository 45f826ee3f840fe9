#!/bin/bash
# What the device promises, held to, on xenib0 in a guest as on rxe0 in
# Dom0 (tests/verbs/xenib-conform): every size ibv_query_device and
# ibv_query_port advertise is used at its maximum; a send posted before
# RTS fails with EINVAL as on rxe; a receive posted before a send is
# there for the datagram the send causes, every time, on UD QPs of one
# process (the receive has no doorbell in the rxe ABI: see decisions.md);
# and memory windows behave as rxe's where rdma-core's suite (e2e-31)
# does not look: bound again, holding their MR, and the binds rxe refuses.
. "$(dirname "$0")/lib.sh"

ensure_rdma guest1
base=$(backend_objs)
base_mrs=$(backend_mrs)

for t in limits post-state mw "ud-order 2000"; do
	for d in dom0:rxe0 guest1:xenib0; do
		out=$(on "${d%%:*}" "xenib-conform -d ${d#*:} $t" 2>&1) ||
			{ echo "$out"; fail "$t on ${d#*:} in ${d%%:*}"; }
		echo "$out" | sed 's/^/    /'
		ok "$t on ${d#*:} in ${d%%:*}"
	done
done

check "backend objects back to where they were ($base)" objs_are "$base"
check "backend MRs back to $base_mrs" mrs_are "$base_mrs"
