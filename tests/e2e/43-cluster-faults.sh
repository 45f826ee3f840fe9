#!/bin/bash
# Faults across two hosts, during ibv_rc_pingpong runs between guest1 on
# host a and guest1 on host b, each beside the same run natively between
# the two Dom0s, whose behaviour is the reference:
#  - host a's fabric cable pulled for 15 s (scripts/xenib-testbed link),
#    then plugged in again: every QP keeps
#    retrying (rxe takes the tools' retry count of 7 to mean "forever",
#    as the IB spec does for RNR) and the runs finish, data checked;
#    a sender with one retry (xenib-conform rc-retry) fails its send
#    with "retry exceeded" instead, in the guest as natively;
#  - host b's backend unloaded: b:guest1's program sees its device go;
#    guest1's side waits on its peer exactly as a native client whose
#    server was killed does; after the reload b:guest1 connects again;
#  - guest1 on host a destroyed: b:guest1's side is left as a native
#    server whose client was killed is, and host a's backend is back to
#    its baseline with a clean log;
#  - host b killed (its QEMU ended), after its logs are checked: host a's
#    guest1 is left as a native client of host b's Dom0 is, and host a's
#    Dom0 and guest1 go on working between themselves with clean logs.
#    Host b stays down: e2e-99 checks host a after it all, and the next
#    ensure_hosts boots the testbed again.
# Every time both Dom0s are back to their baseline and the next
# connection works.
. "$(dirname "$0")/lib.sh"

ensure_hosts 2
ensure_rdma guest1 b:guest1
base_a=$(backend_objs)
base_b=$(backend_objs b:)
port=18700

# run_start TAG SRV SDEV CLI CDEV ITERS: ibv_rc_pingpong -c from CLI to
# SRV in the background, each side the job TAG in its domain.
run_start() {
	local tag=$1 srv=$2 sdev=$3 cli=$4 cdev=$5 pp ip
	# -e: sleeping on completion events, the four programs leave the
	# emulated CPUs to the Dom0s and guests that carry their traffic
	pp="ibv_rc_pingpong -g 0 -e -c -n $6"
	ip=$(addr_of "$srv")
	port=$((port + 1))
	job_start "$srv" "$tag" "$pp -d $sdev -p $port" ||
		fail "$tag: starting the server in $srv"
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		sleep 2
		job_start "$cli" "$tag" "$pp -d $cdev -p $port $ip" ||
			fail "$tag: starting the client in $cli"
		sleep 3
		job_running "$cli" "$tag" && break
	done
	# (its output is buffered in a file: the QP's state says it)
	wait_for 60 "$tag: $cli connected to $srv" on "$cli" \
		"rdma resource show qp | grep -q 'type RC state RTS .*comm ibv_rc_pingpong'"
}
# runs_start TAG ITERS [GUEST_ITERS]: the native run TAG-n from Dom0 a
# to Dom0 b and the run under test TAG-g from guest1 a to guest1 b (of
# GUEST_ITERS round trips if given), both under way
runs_start() {
	run_start "$1-n" b:dom0 rxe0 dom0 rxe0 "$2"
	run_start "$1-g" b:guest1 xenib0 guest1 xenib0 "${3:-$2}"
	sleep 3
}
# baselines_back WHEN: both hosts' backends hold what they held at the start
baselines_back() {
	check "host a's backend objects back to $base_a $1" objs_are "$base_a"
	check "host b's backend objects back to $base_b $1" objs_are "$base_b" b:
}
# side TAG DOM: "exit N" if DOM's side of TAG ended, else "running, QP
# in <state>" (its RC QP's state, "none" without one)
side() {
	on "$2" "if [ -s $TT/$1.rc ]; then echo exit \$(cat $TT/$1.rc); else
		s=\$(rdma resource show qp 2>/dev/null | sed -n 's/.*type RC state \\([A-Z]*\\) .*comm ibv_rc_pingpong.*/\\1/p' | head -n 1)
		echo running, QP in \${s:-none}; fi" | tr -d '\r'
}
# same_as DESC GUEST_TAG GUEST NATIVE_TAG NATIVE: GUEST's side is in the
# state NATIVE's is
same_as() {
	local g n
	g=$(side "$2" "$3")
	n=$(side "$4" "$5")
	echo "    $3: $g; native $5: $n"
	[ "$g" = "$n" ] || fail "$1: $3 is '$g' where native $5 is '$n'"
	ok "$1: $3 as native $5 ($g)"
}
# finished TAG DOM: DOM's side of TAG ended successfully within 300 s
finished() {
	[ "$(job_wait "$2" "$1" 300)" = 0 ] ||
		fail "$1: $2's ibv_rc_pingpong: $(side "$1" "$2"): $(job_out "$2" "$1" | tail -n 3 | tr -d '\r')"
	ok "$1: $2's ibv_rc_pingpong succeeded"
}
# works DESC SRV SDEV CLI CDEV: a short ibv_rc_pingpong, data checked
works() {
	pingpong "$1" "$2" "$3" "$(addr_of "$2")" "$4" "$5" "ibv_rc_pingpong -g 0 -n 20 -c"
}

# retry_start TAG SRV CLI DEV: xenib-conform rc-retry from CLI to SRV on
# DEV, each side the job TAG, the client's first send through
retry_start() {
	local ip
	ip=$(addr_of "$2")
	port=$((port + 1))
	job_start "$2" "$1" "xenib-conform -d $4 -p $port rc-retry 300" ||
		fail "$1: starting the server in $2"
	job_start "$3" "$1" "xenib-conform -d $4 -p $port rc-retry 300 $ip" ||
		fail "$1: starting the client in $3"
	wait_for 60 "$1: $3's first send to $2 completed" \
		on "$3" "grep -q 'first send completed' $TT/$1.out"
}
# retry_ended TAG DOM: DOM's side of TAG ended successfully: for the
# client, its send failed with "retry exceeded"
retry_ended() {
	local rc
	rc=$(job_wait "$2" "$1" 60)
	job_out "$2" "$1" | tr -d '\r' | grep -E '^(rc-retry|ok|FAIL)' | sed 's/^/    /'
	[ -n "$rc" ] || fail "$1: $2's xenib-conform rc-retry did not end within 60 s"
	[ "$rc" = 0 ] || fail "$1: $2's xenib-conform rc-retry failed (exit $rc)"
	ok "$1: $2's side ended as expected"
}

# 1. Host a's fabric cable pulled for 15 s, then plugged in again.
retry_start retry-n b:dom0 dom0 rxe0
retry_start retry-g b:guest1 guest1 xenib0
runs_start link 2000 300
"$TB" link a down || fail "pulling host a's fabric cable"
wait_for 30 "host a's rxe0 port is down" \
	on dom0 "rdma link show rxe0/1 | grep -q 'state DOWN'"
sleep 15
same_as "link down 15 s" link-g guest1 link-n dom0
same_as "link down 15 s" link-g b:guest1 link-n b:dom0
retry_ended retry-n dom0
retry_ended retry-g guest1
"$TB" link a up || fail "plugging host a's fabric cable in again"
wait_for 60 "host a's rxe0 port is active again" \
	on dom0 "rdma link show rxe0/1 | grep -q 'state ACTIVE'"
for t in link-n:dom0 link-n:b:dom0 link-g:guest1 link-g:b:guest1; do
	finished "${t%%:*}" "${t#*:}"
done
retry_ended retry-n b:dom0
retry_ended retry-g b:guest1
works "after the link came back: b:guest1 <- guest1" b:guest1 xenib0 guest1 xenib0
baselines_back "after the link fault"

# 2. Host b's backend unloaded under a connection (natively: the server
# killed), then loaded again.
runs_start unload 1000000
on b:dom0 "xenib-backend-unload" || fail "unloading host b's backend"
ok "host b's backend unloaded with b:guest1 connected to guest1"
stop_jobs b:dom0
sleep 20
wait_for 60 "b:guest1's ibv_rc_pingpong ended with its device" on b:guest1 "test -s $TT/unload-g.rc"
echo "    b:guest1: $(side unload-g b:guest1): $(on b:guest1 "grep -ivE 'address|^ *\$' $TT/unload-g.out | head -n 2" | tr -d '\r' | tr '\n' ' ')"
same_as "peer's backend unloaded" unload-g guest1 unload-n dom0
stop_jobs guest1
stop_jobs dom0
check "host a's backend objects back to $base_a with host b's backend gone" objs_are "$base_a"
on b:dom0 "modprobe xen-ibback" || fail "modprobe xen-ibback on host b"
ensure_rdma b:guest1
works "after host b's backend came back: b:guest1 <- guest1" b:guest1 xenib0 guest1 xenib0
baselines_back "after host b's backend came back"

# 3. Guest1 on host a destroyed mid-transfer (natively: the client killed).
runs_start destroy 1000000
on dom0 "xl destroy guest1" || fail "xl destroy guest1 on host a"
ok "guest1 on host a destroyed while connected to b:guest1"
stop_jobs dom0
sleep 20
same_as "peer destroyed" destroy-g b:guest1 destroy-n b:dom0
stop_jobs b:guest1
stop_jobs b:dom0
wait_for 60 "host a's backend objects back to $base_a after guest1 died" objs_are "$base_a"
check "host a's Dom0 logged no warning" dmesg_clean dom0
ensure_rdma guest1
works "a new guest1 on host a connects: b:guest1 <- guest1" b:guest1 xenib0 guest1 xenib0
baselines_back "after guest1 a was destroyed"

# 4. Host b killed hard while host a's guest1 talks to b:guest1; first,
# what host b logged over the cluster tests.
check "host b's Dom0 logged no warning" dmesg_clean b:dom0
check "host b's guest1 logged no warning" dmesg_clean b:guest1
runs_start kill 1000000
kill -9 "$(cat "$ROOT/build/testbed/run-b/qemu.pid")" || fail "killing host b's QEMU"
ok "host b's QEMU killed"
sleep 20
same_as "host b gone" kill-g guest1 kill-n dom0
stop_jobs guest1
stop_jobs dom0
wait_for 60 "host a's backend objects back to $base_a after host b died" objs_are "$base_a"
works "host a after host b died: guest1 <- dom0" guest1 xenib0 dom0 rxe0
check "host a's Dom0 logged no warning" dmesg_clean dom0
check "host a's guest1 logged no warning" dmesg_clean guest1
