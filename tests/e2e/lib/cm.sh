# SPDX-License-Identifier: GPL-2.0
# Addresses on the fabric and rdma_cm between domains.
# Sourced by tests/e2e/lib.sh, which the tests source.

# v2_gid DOM DEV ADDR: the index of DEV's RoCE v2 GID of IPv4 ADDR, or "".
# (ibv_devinfo lists the table at once; reading sysfs entry by entry takes
# half a minute under TCG.)
v2_gid() {
	on "$1" "ibv_devinfo -v -d $2" | tr -d '\r' |
		sed -n "s/.*GID\[ *\([0-9]*\)\]:[[:space:]]*::ffff:${3//./\\.}, RoCE v2\$/\1/p" |
		head -n 1
}

# RXE_NETDEV: a shell expression for the netdev under rxe0 in a Dom0
# (dummy0 on one host, the fabric NIC on a cluster); rxe_netdev DOM0 is
# its value there.
RXE_NETDEV="\$(rdma link show rxe0/1 | sed -n 's/.* netdev \([^ ]*\).*/\1/p')"
rxe_netdev() { on "$1" "echo $RXE_NETDEV" | tr -d '\r'; }

# with_ip GUEST ADDR: attach GUEST again (issue 7's addresses), given
# ADDR, and put ADDR on its xenib0 and on rxe0's netdev in its Dom0.
with_ip() {
	local d0
	d0=$(host_of "$1")dom0
	on "$d0" "nd=$RXE_NETDEV; ip -o addr show dev \$nd | grep -q ' $2/' || ip addr add $2/24 dev \$nd" ||
		fail "adding $2 to rxe0's netdev in $d0"
	on "$d0" "xenibctl detach $(name_of "$1")" >/dev/null || fail "xenibctl detach $1"
	on "$d0" "xenibctl attach $(name_of "$1") hca=rxe0 port=1 ip=$2 --wait-connected" ||
		fail "xenibctl attach $1 ... ip=$2"
	ensure_rdma "$1"
	on "$1" "ip addr add $2/24 dev xenib0" || fail "ip addr add $2 dev xenib0 in $1"
	wait_for 30 "$1's xenib0 has a RoCE v2 GID for $2" \
		eval "[ -n \"\$(v2_gid $1 xenib0 $2)\" ]"
}
drop_ips() {
	local d0
	while [ $# -ge 2 ]; do
		d0=$(host_of "$1")dom0
		on "$d0" "xenibctl detach $(name_of "$1")" >/dev/null &&
			on "$d0" "xenibctl attach $(name_of "$1") hca=rxe0 port=1 --wait-connected" >/dev/null ||
			fail "attaching $1 again without an address"
		ensure_rdma "$1"
		on "$d0" "ip addr del $2/24 dev $RXE_NETDEV" || fail "removing $2 from rxe0's netdev in $d0"
		shift 2
	done
}
ensure_cm() {
	local g
	while [ $# -ge 2 ]; do
		g=$1
		on "$(host_of "$g")dom0" "modprobe rdma_ucm" || fail "modprobe rdma_ucm in $(host_of "$g")dom0"
		with_ip "$g" "$2"
		[ "$(feature_cm "$g")" = 1 ] ||
			fail "the backend does not offer $g the CM (feature-cm): $(on dom0 "dmesg | grep -i 'CM class'")"
		on "$g" "modprobe rdma_ucm" || fail "modprobe rdma_ucm in $g"
		shift 2
	done
}

# feature_cm DOM: the backend's feature-cm key for DOM's xenib device 0.
feature_cm() { on "$(host_of "$1")dom0" "xenstore-read $(be_path "$1")/feature-cm" | tr -d '\r'; }

# pings_verified DESC N: the last cm_pair's client (rping -V -v) printed
# exactly N verified payloads.
pings_verified() {
	[ "$(echo "$CM_OUT" | grep -c 'ping data: rdma-ping-')" = "$2" ] ||
		fail "$1: expected $2 verified pings"
}

# no_mads_dropped DOM...: the backend dropped no CM MAD for any of them.
no_mads_dropped() {
	local d
	for d in "$@"; do
		[ "$(be_stat "$d" mads_dropped)" = 0 ] || fail "the backend dropped MADs for $d"
	done
	ok "no MAD dropped"
}

# cm_listening DOM PORT: an rdma_cm id in DOM listens on PORT.
cm_listening() {
	on "$1" "rdma resource show cm_id" | grep -q "state LISTEN.*src-addr [0-9.]*:$2 "
}

# cm_forgery_refused FORGER PEER PEER_IP: an address FORGER was not
# given, 10.78.0.14, on its xenib0 (so in its GID table) does not let it
# send CM MADs: rping from it to PEER fails, FORGER's backend counts the
# refusal and PEER receives nothing.
cm_forgery_refused() {
	local f=$1 peer=$2 peer_ip=$3 forged=10.78.0.14 errs before

	on "$f" "ip addr add $forged/32 dev xenib0" || fail "ip addr add $forged on $f"
	wait_for 30 "$f's xenib0 has a GID for $forged" \
		eval "[ -n \"\$(v2_gid $f xenib0 $forged)\" ]"
	job_start "$peer" forged timeout 60 rping -s -a "$peer_ip" -p 7181 -C 1 ||
		fail "starting $peer's rping server"
	wait_for 30 "$peer listens on 7181" cm_listening "$peer" 7181
	errs=$(be_stat "$f" errors)
	before=$(be_stat "$peer" mads_received)
	if on "$f" "timeout 30 rping -c -I $forged -a $peer_ip -p 7181 -C 1" >/dev/null 2>&1; then
		fail "$f connected to $peer from $forged, an address it was not given"
	fi
	[ "$(be_stat "$f" errors)" -gt "$errs" ] || fail "$f's backend refused nothing from it"
	[ "$(be_stat "$peer" mads_received)" = "$before" ] ||
		fail "$peer received MADs $f sent from $forged"
	ok "$f cannot send CM MADs to $peer from an address it was not given"
	on "$f" "ip addr del $forged/32 dev xenib0" || fail "ip addr del $forged on $f"
	job_stop "$peer" forged TERM
}

# cm_pair DESC SERVER PORT SERVER_CMD CLIENT CLIENT_CMD: start SERVER_CMD
# in the background on SERVER, wait for its listen on PORT, run CLIENT_CMD
# on CLIENT; both must exit 0.  The end of the client's output is
# printed, all of it on failure.
cm_pair() {
	local desc=$1 srv=$2 port=$3 scmd=$4 cli=$5 ccmd=$6 out rc

	job_start "$srv" cm "timeout 120 $scmd" || fail "$desc: starting the server"
	wait_for 30 "$desc: the server listens" cm_listening "$srv" "$port"
	out=$(on "$cli" "timeout 120 $ccmd" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/    /' | if [ "$rc" = 0 ]; then tail -4; else cat; fi
	CM_OUT=$out
	server_verdict "$desc" "$srv" cm "$rc"
}

# Dom0's own xenib device, for its rdma_cm (issue 7, e2e-29): the guests
# hold rxe0's CM class, so Dom0's programs go through the relay as a
# guest's do.  xen-ibfront loaded beside the backend, "xenibctl attach
# Domain-0 ... ip=ADDR" (ADDR also on rxe0's netdev, for the real GID
# and the fabric's ARP), the new xenib0 moved into network namespace
# DOM0_NETNS, since Dom0's own stack has every guest's address on rxe0's
# netdev.  Dom0's programs run there: "$IN_NS rping ...".
DOM0_NETNS=xenib-cm
IN_NS="ip netns exec $DOM0_NETNS"

# dom0_cm_attach DOM0 ADDR: DOM0's own xenib0 with ADDR in DOM0_NETNS.
dom0_cm_attach() {
	local d0=$1 ip=$2 h
	h=$(host_of "$d0")
	on "$d0" "modprobe rdma_ucm && modprobe xen-ibfront && ip addr add $ip/24 dev $RXE_NETDEV" ||
		fail "loading xen-ibfront in $d0 and adding $ip to rxe0's netdev"
	on "$d0" "xenibctl attach Domain-0 hca=rxe0 port=1 ip=$ip --wait-connected" ||
		fail "xenibctl attach Domain-0 in $d0"
	wait_for 30 "$d0 has its own xenib0 (netdev and RDMA device)" \
		on "$d0" "test -e /sys/class/net/xenib0 && test -e /sys/class/infiniband/xenib0"
	[ "$(feature_cm "${h}Domain-0")" = 1 ] ||
		fail "the backend does not offer $d0's own device the CM"
	on "$d0" "ip netns add $DOM0_NETNS && ip link set xenib0 netns $DOM0_NETNS &&
		$IN_NS ip addr add $ip/24 dev xenib0 && $IN_NS ip link set xenib0 up &&
		$IN_NS ip link set lo up" || fail "moving $d0's xenib0 into namespace $DOM0_NETNS"
	# rdma_rxe, loaded in Dom0, must leave the device alone through the move.
	on "$d0" "test -e /sys/class/infiniband/xenib0" ||
		fail "$d0's xenib0 RDMA device went away when its netdev changed namespace"
	wait_for 30 "$d0's xenib0 has a RoCE v2 GID for $ip" \
		eval "[ -n \"\$(v2_gid $d0 xenib0 $ip)\" ]"
}

# dom0_cm_detach DOM0 ADDR: as dom0_cm_attach found DOM0.
dom0_cm_detach() {
	on "$1" "ip netns del $DOM0_NETNS" || fail "deleting namespace $DOM0_NETNS in $1"
	on "$1" "xenibctl detach Domain-0" || fail "xenibctl detach Domain-0 in $1"
	on "$1" "rmmod xen_ibfront && ip addr del $2/24 dev $RXE_NETDEV" ||
		fail "unloading xen-ibfront in $1 and removing $2 from rxe0's netdev"
}

# ensure_dom0_rxe1: Dom0's own RDMA device for its rdma_cm, rxe1 on dummy1
# (10.79.0.1): rxe0's CM class is the guests'.
DOM0_CM_IP=10.79.0.1
ensure_dom0_rxe1() {
	on dom0 "test -e /sys/class/infiniband/rxe1 || {
		ip link add dummy1 type dummy 2>/dev/null
		ip addr add $DOM0_CM_IP/24 dev dummy1 && ip link set dummy1 up &&
		rdma link add rxe1 type rxe netdev dummy1; }" >/dev/null ||
		fail "creating rxe1 on dummy1 in Dom0"
}

drop_dom0_rxe1() {
	on dom0 "rdma link delete rxe1 2>/dev/null; ip link del dummy1 2>/dev/null; true" >/dev/null
}
