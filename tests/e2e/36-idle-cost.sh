#!/bin/bash
# What an idle guest costs Dom0: servers of rdma-core's pingpong tools in
# guest1 waiting for their clients, their QPs and SRQ holding posted
# receives.  With idle_sleep_ms=0 the engine looks at those receive
# queues every idle_ms, as it did before; with the default it stops once
# the device has been without work for idle_sleep_ms, and must then wake
# at most a few times a second and use under 0.1 % of a CPU.  The clients
# (native, in Dom0) then find every receive at the real device: they
# pass, and rxe0 sends no RNR NAK.
. "$(dirname "$0")/lib.sh"

ensure_rdma guest1
PARAM=/sys/module/xen_ibback/parameters/idle_sleep_ms
SECS=20
default=$(on dom0 "cat $PARAM" | tr -d '\r')
[ -n "$default" ] || fail "no $PARAM: xen-ibback without idle_sleep_ms"
trap 'stop_jobs guest1; on dom0 "echo $default > $PARAM" >/dev/null 2>&1' EXIT
RNR=/sys/class/infiniband/rxe0/ports/1/hw_counters
rnr_naks() { on dom0 "cat $RNR/send_rnr_err $RNR/rcvd_rnr_err" | tr -d '\r' | paste -sd' '; }

# servers PORT: start the three servers in guest1, waiting on PORT..PORT+2.
TOOLS=("ibv_rc_pingpong" "ibv_ud_pingpong -s 1024" "ibv_srq_pingpong -q 4")
servers() {
	local i
	for i in 0 1 2; do
		job_start guest1 "srv$i" "${TOOLS[$i]} -g 0 -n 50 -c -d xenib0 -p $(($1 + i))" ||
			fail "starting ${TOOLS[$i]} in guest1"
		tcp_listening guest1 $(($1 + i)) 30 || fail "${TOOLS[$i]} does not listen"
	done
}

# idle_cost: "WAKEUPS BUSY_US" of guest1's engine over SECS seconds.
idle_cost() {
	local w0 b0
	w0=$(be_stat guest1 engine_wakeups)
	b0=$(be_stat guest1 engine_busy_us)
	sleep $SECS
	echo "$(($(be_stat guest1 engine_wakeups) - w0)) $(($(be_stat guest1 engine_busy_us) - b0))"
}

# Before: the engine looks every idle_ms.
on dom0 "echo 0 > $PARAM" || fail "setting idle_sleep_ms=0"
servers 18700
sleep 2
read -r polled_w polled_us < <(idle_cost)
ok "looking every idle_ms: $polled_w wakeups, $polled_us us of Dom0 CPU in $SECS s"
stop_jobs guest1

# After: the default.
on dom0 "echo $default > $PARAM" || fail "restoring idle_sleep_ms=$default"
servers 18710
# The engine stops looking once idle_sleep_ms have passed without work.
sleep $((default / 1000 + 2))
read -r idle_w idle_us < <(idle_cost)
ok "idle_sleep_ms=$default: $idle_w wakeups, $idle_us us of Dom0 CPU in $SECS s"
check "at most 3 wakeups a second ($idle_w in $SECS s)" [ "$idle_w" -le $((3 * SECS)) ]
check "under 0.1 % of a CPU ($idle_us us in $SECS s)" [ "$idle_us" -lt $((SECS * 1000)) ]
check "fewer wakeups than looking every idle_ms ($idle_w < $polled_w)" \
	[ "$idle_w" -lt "$polled_w" ]

# Nothing missed: the clients come now, to receives posted long ago.
rnr=$(rnr_naks)
for i in 0 1 2; do
	out=$(on dom0 "${TOOLS[$i]} -g 0 -n 50 -c -d rxe0 -p $((18710 + i)) 10.77.0.11" 2>&1)
	rc=$?
	echo "$out" | tail -n 2 | sed 's/^/    /'
	server_verdict "${TOOLS[$i]}: guest1 <- dom0 after the engine slept" guest1 "srv$i" "$rc"
done
check "rxe0 sent and got no RNR NAK ($rnr -> $(rnr_naks))" [ "$(rnr_naks)" = "$rnr" ]
