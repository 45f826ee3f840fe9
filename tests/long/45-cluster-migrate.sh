#!/bin/bash
# shellcheck disable=SC2016 # the checks eval their arguments each time
# Live migration of a PVH guest holding xenib0 from host a to host b, in
# the middle of a transfer, with the command the README gives
# (xenib-migrate: hands the guest's xenib records to b's Dom0, then xl
# migrate).  On b the device comes back by itself (b's xenibctl daemon)
# and carries data to both hosts' Dom0s; host a keeps nothing of the
# guest: no device, objects or mapped grants.  Migrated back with plain
# xl migrate to a Dom0 that has no record of the device, the guest says
# its device is down and why, and gets it back with xenibctl attach.
# The testbed's hosts run PVH guests with --hap (see e2e-35); b's Dom0
# talks to a's through xenib-testbed-rsh, as ssh would on a cluster.
. "$(dirname "$0")/../e2e/lib.sh"

G=guest6
G_IP=10.77.0.16
B_FAB=10.78.0.2
RECORDS=/var/lib/xenib/devices
ensure_hosts 2
ensure_hap
B_ADDR=$(addr_of b:dom0)
A_ADDR=$(addr_of dom0)

# The guest keeps host a's address on host b.  A cluster's guests share
# one network across hosts; here each host's guests have a network of
# their own, so the move is told to the routing: b delivers G_IP on its
# bridge and answers ARP for the rest of 10.77.0.0/24 (the guest's own
# subnet) on it, a routes G_IP to b.
net_to_b() {
	on b:dom0 "ip route replace $G_IP/32 dev xenbr0 &&
		sysctl -qw net.ipv4.conf.xenbr0.proxy_arp=1 &&
		echo $G_IP >/etc/xen/$G.ip" &&
		on dom0 "ip route replace $G_IP/32 via $B_FAB"
}
net_to_a() {
	on b:dom0 "ip route del $G_IP/32 dev xenbr0; sysctl -qw net.ipv4.conf.xenbr0.proxy_arp=0
		rm -f /etc/xen/$G.ip" >/dev/null 2>&1
	on dom0 "ip route del $G_IP/32 via $B_FAB" >/dev/null 2>&1
	true
}
cleanup() {
	stop_jobs dom0
	stop_jobs b:dom0
	on dom0 "xl destroy $G" >/dev/null 2>&1
	on b:dom0 "xl destroy $G" >/dev/null 2>&1
	net_to_a
}
trap cleanup EXIT

# Each host's backend without the guest: what it must come back to.
if guest_running $G; then
	on dom0 "xl destroy $G" || fail "destroying the $G an earlier test left"
fi
a_idle=$(backend_objs)
b_idle=$(backend_objs b:)
on b:dom0 "modprobe xen-ibback" || fail "modprobe xen-ibback in host b's Dom0"
b_idle=$(backend_objs b:)
ok "without $G: host a's backend $a_idle, host b's $b_idle"
"$TB" guest start $G --type pvh || fail "starting $G as a PVH guest"
ensure_rdma $G
pingpong "rc $G <- dom0 before" $G xenib0 $G_IP dom0 rxe0 "ibv_rc_pingpong -g 0 -n 20 -c"
uuid=$(on dom0 "xl list -v $G" | awk -v g=$G '$1 == g { print $7 }')

# A process holding objects, one listening for events, and a transfer
# from host a's Dom0 that runs for minutes, under way when the guest moves.
start_holders $G "$(plus "$a_idle" "1 2 2")"
job_start dom0 xfer "ibv_rc_pingpong -d rxe0 -g 0 -p 18600 -n 1000000 -s 4096" ||
	fail "starting the transfer's server in host a's Dom0"
tcp_listening dom0 18600 20 || fail "the transfer's server does not listen"
job_start $G xfer "ibv_rc_pingpong -d xenib0 -g 0 -p 18600 -n 1000000 -s 4096 $A_ADDR" ||
	fail "starting the transfer's client in $G"
sleep 5
check "the transfer is under way" eval 'job_running $G xfer && job_running dom0 xfer'

# Migrated to host b with xenib-migrate.
net_to_b || fail "routing $G_IP to host b"
old=$(domid $G)
t=$(date +%s.%N)
out=$(on dom0 "xenib-migrate -s xenib-testbed-rsh $G $B_ADDR" 2>&1) ||
	fail "xenib-migrate -s xenib-testbed-rsh $G $B_ADDR: $out"
ok "$G migrated from host a to host b in $(elapsed "$t") s"
echo "$out" | grep "xenib-migrate" | sed 's/^/    /'
check "$G no longer runs on host a" eval '! guest_running $G'
check "host b has $G's record" on b:dom0 "grep -qx 'hca rxe0' $RECORDS/$uuid/0"
new=$(domid b:$G)
check "$G runs on host b (domain $new)" [ -n "$new" ]
wait_for 60 "its device connected on host b by itself" is_connected b:$G
check "host b's daemon says it attached it" on b:dom0 \
	"grep -q 'device 0 -> rxe0 port 1 again' /var/log/xenibctl-daemon.log"
wait_for 60 "xenib0 back in $G" on b:$G "test -d /sys/class/infiniband/xenib0"
wait_for 30 "the open contexts got the fatal event" fatal_event b:$G
check "the process holding objects survives" job_running b:$G objs
stop_jobs b:$G
stop_jobs dom0
wait_for 60 "host a's backend is back at its baseline" objs_are "$a_idle"
check "host a has no backend device of $G" \
	on dom0 "! test -e /sys/bus/xen-backend/devices/xenib-$old-0"
check "host a's xenstore has no device of $G" \
	eval '! on dom0 "xenstore-exists /local/domain/0/backend/xenib/$old"'
pingpong "rc $G (on b) <- b's Dom0" b:$G xenib0 $G_IP b:dom0 rxe0 \
	"ibv_rc_pingpong -g 0 -n 20 -c"
pingpong "rc a's Dom0 <- $G (on b)" dom0 rxe0 "$A_ADDR" b:$G xenib0 \
	"ibv_rc_pingpong -g 0 -n 20 -c"
on b:$G "xenib-verbs-test -d xenib0 ops" >/dev/null || fail "the verbs ops test in $G on host b"
ok "a new process's data path works on host b"

# Back to host a with plain xl migrate, host a's record removed first: a
# Dom0 that never had the device.  The guest says its device is down
# until one is attached, and gets it with xenibctl attach.
on dom0 "rm -r $RECORDS/$uuid" || fail "removing host a's record of $G"
n=$(down_msgs b:$G)
net_to_a
on b:dom0 "xl migrate -s xenib-testbed-rsh $G $A_ADDR >/dev/null 2>&1" ||
	fail "xl migrate $G from host b back to host a"
ok "$G migrated back to host a with xl migrate alone"
wait_for 60 "$G says its device is down" more_down_msgs $G "$n"
on $G "dmesg | grep 'no backend after the restore' | tail -n 1" | sed 's/^/    /'
check "xenib0 is gone from $G" on $G "! test -e /sys/class/infiniband/xenib0"
check "host b has no backend device of $G" \
	on b:dom0 "! test -e /sys/bus/xen-backend/devices/xenib-$new-0"
check "host b's backend is back at its baseline" objs_are "$b_idle" b:
on dom0 "xenibctl attach $G --wait-connected=60" >/dev/null || fail "xenibctl attach $G on host a"
wait_for 60 "xenib0 back in $G" on $G "test -d /sys/class/infiniband/xenib0"
pingpong "rc $G <- a's Dom0 after attaching by hand" $G xenib0 $G_IP dom0 rxe0 \
	"ibv_rc_pingpong -g 0 -n 20 -c"

on dom0 "xl destroy $G" || fail "destroying $G"
on b:dom0 "rm -r $RECORDS/$uuid" || fail "removing host b's record of $G"
wait_for 60 "host a's backend let go of $G" objs_are "$a_idle"
net_to_a
trap - EXIT
dmesg_clean b:dom0
