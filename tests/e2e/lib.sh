# SPDX-License-Identifier: GPL-2.0
# Helpers for the end-to-end tests; sourced by each tests/e2e/NN-*.sh.
# Every test runs against the testbed that tests/run started.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TB=$ROOT/scripts/xenib-testbed
RUN_TIMEOUT=${RUN_TIMEOUT:-600}
FE_SYSFS=/sys/bus/xen/devices/xenib-0

# on TARGET CMD...: run a shell command in dom0 or a guest; its output on
# stdout, its exit status returned.
on() {
	local target=$1
	shift
	"$TB" run "$target" --timeout "$RUN_TIMEOUT" -n -c "$*"
}

# on_stdin TARGET CMD...: as on, with this script's standard input forwarded.
on_stdin() {
	local target=$1
	shift
	"$TB" run "$target" --timeout "$RUN_TIMEOUT" -c "$*"
}

fail() {
	echo "FAIL: $*"
	exit 1
}

ok() {
	echo "  ok: $*"
}

# check DESCRIPTION CMD...: the command must succeed.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else fail "$desc"; fi
}

# wait_for SECS DESCRIPTION CMD...: poll until the command succeeds.
wait_for() {
	local secs=$1 desc=$2 i
	shift 2
	for ((i = 0; i < secs; i += 2)); do
		if "$@" >/dev/null 2>&1; then
			ok "$desc"
			return 0
		fi
		sleep 2
	done
	fail "$desc (not within ${secs}s)"
}

# A guest of another host is named with its host (b:guest1, as
# scripts/xenib-testbed takes it); host_of gives "b:" for it and "" for
# a guest of host a, name_of the guest's own name.
host_of() { case $1 in ?*:*) echo "${1%%:*}:" ;; esac; }
name_of() { echo "${1#*:}"; }

# xs_state DOMAIN-PATH [HOST:]: the xenbus state number at a xenstore path
# (in host a's Dom0, or that host's), or "gone".
xs_state() {
	on "${2:-}dom0" "xenstore-read $1/state 2>/dev/null || echo gone" | tr -d '\r'
}

be_path() { echo "/local/domain/0/backend/xenib/$(domid "$1")/${2:-0}"; }
# be_error_node GUEST: where xenbus_dev_fatal() in the backend leaves why it
# failed GUEST's device 0.
be_error_node() { echo "/local/domain/0/error/backend/xenib/$(domid "$1")/0/error"; }
fe_path() { echo "/local/domain/$(domid "$1")/device/xenib/${2:-0}"; }
domid() { on "$(host_of "$1")dom0" "xl domid $(name_of "$1")" | tr -d '\r'; }

# both_states GUEST: "backend frontend" state numbers.
both_states() {
	local h
	h=$(host_of "$1")
	echo "$(xs_state "$(be_path "$1")" "$h") $(xs_state "$(fe_path "$1")" "$h")"
}

is_connected() { [ "$(both_states "$1")" = "4 4" ]; }

guest_running() { on "$(host_of "$1")dom0" "xl list $(name_of "$1")" >/dev/null 2>&1; }

ensure_guest() {
	guest_running "$1" || "$TB" guest start "$1" || fail "guest $1 did not start"
}

ensure_modules() { # GUEST
	on "$(host_of "$1")dom0" "modprobe xen-ibback" ||
		fail "modprobe xen-ibback in $(host_of "$1")dom0"
	on "$1" "modprobe xen-ibfront" || fail "modprobe xen-ibfront in $1"
}

ensure_connected() { # GUEST
	ensure_guest "$1"
	ensure_modules "$1"
	if ! is_connected "$1"; then
		# A device an earlier test left failed or closed goes first.
		local d0
		d0=$(host_of "$1")dom0
		if on "$d0" "xenstore-exists $(be_path "$1")" >/dev/null 2>&1; then
			on "$d0" "xenibctl detach $(name_of "$1")" >/dev/null ||
				fail "detaching $1's earlier device"
		fi
		on "$d0" "xenib-attach $(name_of "$1") hca=rxe0 port=1 --wait-connected=120" ||
			fail "attaching $1"
	fi
}

# ensure_rdma GUEST...: each guest connected, with its RDMA device xenib0
# registered (which follows the connection by a moment).
ensure_rdma() {
	local g
	for g in "$@"; do
		ensure_connected "$g"
		wait_for 60 "$g has xenib0" on "$g" "test -d /sys/class/infiniband/xenib0"
	done
}

# dmesg_clean TARGET: TARGET's kernel logged no warning, BUG or oops.
DMESG_BAD='WARNING:|BUG:|Oops|general protection|Call Trace|refcount_t|list_del corruption|UBSAN|KASAN'
dmesg_clean() {
	local hits
	hits=$(on "$1" "dmesg | grep -E '$DMESG_BAD'" || true)
	[ -z "$hits" ] || fail "$1 dmesg:\n$hits"
	ok "$1 dmesg clean"
}

# nr_hosts: how many hosts the running testbed has.
nr_hosts() { cat "$ROOT/build/testbed/run/hosts" 2>/dev/null || echo 1; }

# ensure_hosts N: a testbed of at least N hosts (scripts/xenib-testbed
# start --hosts N), restarted as one with the same stage if it has fewer;
# what ran before must have left Dom0 and guest1 with clean kernel logs.
ensure_hosts() {
	local run=$ROOT/build/testbed/run stage
	if "$TB" status >/dev/null 2>&1 && [ "$(nr_hosts)" -ge "$1" ]; then
		return 0
	fi
	stage=$(cat "$run/stage" 2>/dev/null || echo "$ROOT/build/stage")
	if "$TB" status >/dev/null 2>&1; then
		dmesg_clean dom0
		! guest_running guest1 || dmesg_clean guest1
	fi
	echo "  restarting the testbed as $1 hosts"
	"$TB" stop >/dev/null 2>&1
	"$TB" start --hosts "$1" --stage "$stage" ||
		fail "starting a testbed of $1 hosts (scripts/xenib-testbed start --hosts $1)"
}

# ensure_layer LAYER MB FILE GUEST...: each guest running with the image
# layer LAYER (FILE is one of its files) and MB of memory, and its RDMA
# device registered; a guest running without the layer is restarted with it.
ensure_layer() {
	local layer=$1 mb=$2 file=$3 g
	shift 3
	for g in "$@"; do
		if guest_running "$g" && ! on "$g" "test -x $file" >/dev/null 2>&1; then
			"$TB" guest destroy "$g" >/dev/null 2>&1 ||
				fail "destroying $g to restart it with the $layer layer"
		fi
		guest_running "$g" || "$TB" guest start "$g" --layer "$layer" --memory "$mb" ||
			fail "guest $g with the $layer layer did not start"
	done
	ensure_rdma "$@"
}

# ensure_mpi GUEST...: with the image's MPI layer (Open MPI, UCX, hpcc).
ensure_mpi() { ensure_layer mpi 512 /usr/bin/orted "$@"; }

# mpi_run HOSTS NP ARGS...: mpirun in Dom0, NP ranks over HOSTS (IP
# addresses, comma-separated), working directory /tmp.  The settings are
# those of native rxe plus the testbed's launcher; docs/mpi.md says why
# each is there.
MPI_RUN="mpirun --allow-run-as-root --mca plm_rsh_agent xenib-mpi-rsh \
--mca oob_tcp_if_include 10.77.0.0/16 --wdir /tmp \
--mca pml ucx --mca pml_ucx_devices any -x UCX_IB_GID_INDEX=0"
mpi_run() {
	local hosts=$1 np=$2
	shift 2
	on dom0 "$MPI_RUN -H $hosts -np $np $*"
}

eth0_tx() { on "$1" "cat /sys/class/net/eth0/statistics/tx_bytes" | tr -d '\r'; }

# mpi_check DESC HOSTS NP GUEST...: xenib-mpi-bench check with NP ranks over
# HOSTS; each GUEST (one of them) must have moved its messages through its
# xenib device.  One echo per message size (11 sizes, 1 B .. 1 MiB) is at
# least 11 sends and 1.4 MB from every rank but rank 0.
mpi_check() {
	local desc=$1 hosts=$2 np=$3 g out rc ds dt
	shift 3
	local -A sends tx
	for g in "$@"; do
		sends[$g]=$(be_stat "$g" sends_posted)
		tx[$g]=$(eth0_tx "$g")
	done
	out=$(mpi_run "$hosts" "$np" xenib-mpi-bench check -m 1048576 2>&1)
	rc=$?
	if [ $rc != 0 ] || ! echo "$out" | grep -q "^check ok: $np ranks"; then
		echo "$out" | tail -25 | sed 's/^/    /'
		fail "$desc (mpirun exit $rc)"
	fi
	echo "$out" | grep -E '^(rank|check)' | sed 's/^/    /'
	for g in "$@"; do
		ds=$(($(be_stat "$g" sends_posted) - sends[$g]))
		dt=$(($(eth0_tx "$g") - tx[$g]))
		[ "$ds" -ge 11 ] ||
			fail "$desc: $g's xenib device posted $ds sends, fewer than the messages"
		[ "$dt" -lt 1000000 ] ||
			fail "$desc: $g's eth0 sent $dt bytes, so MPI data went over TCP, not xenib"
		ok "$desc: $g posted $ds sends through xenib, $dt bytes on eth0"
	done
}

# hpcc_check DESC HOSTS RANK0 OTHER: HPC Challenge (Debian's hpcc) with
# one rank in each of two guests, RANK0 running rank 0 (it reads
# hpccinf.txt and writes hpccoutf.txt), to results it verifies itself.
hpcc_check() {
	local desc=$1 hosts=$2 g s1 t0 out res
	for g in "$3" "$4"; do
		"$TB" run "$g" -c 'cat > /tmp/hpccinf.txt && rm -f /tmp/hpccoutf.txt' \
			<"$ROOT/tests/mpi/hpccinf.txt" || fail "copying hpccinf.txt to $g"
	done
	s1=$(be_stat "$3" sends_posted)
	t0=$(date +%s)
	out=$(mpi_run "$hosts" 2 hpcc 2>&1) ||
		{ echo "$out" | tail -25 | sed 's/^/    /'; fail "$desc"; }
	res=$(on "$3" "cat /tmp/hpccoutf.txt" | tr -d '\r')
	hpcc_has() { # WHAT PATTERN
		echo "$res" | grep -qE "$2" || fail "$desc: $1 (no '$2' in hpccoutf.txt)"
	}
	hpcc_has "finished" '^Success=1$'
	hpcc_has "2 processes" '^CommWorldProcs=2$'
	hpcc_has "HPL passed its residual check" '1 tests completed and passed residual checks'
	[ "$(echo "$res" | grep -c '^ *0 tests completed and failed residual checks')" = 2 ] ||
		fail "$desc: HPL or PTRANS failed a residual check"
	hpcc_has "PTRANS residual 0" '^PTRANS_residual=0$'
	hpcc_has "MPI RandomAccess without errors" '^MPIRandomAccess_Errors=0$'
	hpcc_has "MPI RandomAccess (LCG) without errors" '^MPIRandomAccess_LCG_Errors=0$'
	hpcc_has "STREAM validates" '^Solution Validates'
	echo "$res" | awk -F= '$1 == "MPIFFT_maxErr" { exit !($2 < 1e-10) }' ||
		fail "$desc: MPI FFT error too large ($(echo "$res" | grep MPIFFT_maxErr))"
	ok "$desc verified its results in $(($(date +%s) - t0)) s ($(($(be_stat "$3" sends_posted) - s1)) sends posted by $3; $(echo "$res" | grep -E '^(HPL_Tflops|AvgPingPongLatency_usec)=' | tr '\n' ' '))"
}

# be_stat GUEST KEY: counter KEY of GUEST's backend device (its sysfs
# stats, docs/backend-sysfs.md).
be_stat() {
	on "$(host_of "$1")dom0" "sed -n 's/^$2 //p' /sys/bus/xen-backend/devices/xenib-$(domid "$1")-0/stats" |
		tr -d '\r'
}
# engine_us GUEST: the CPU time of its device's engine so far, us.
engine_us() { be_stat "$1" engine_busy_us; }

# ping GUEST: one NOP round trip over the control ring and the event ring.
ping_ok() {
	on "$1" "cat $FE_SYSFS/ping" | grep -q '^event: ok'
}

# backend_pds: PDs the backend holds on the real devices, from ib_core's
# resource tracking (kernel PDs are listed with the module's name).
backend_pds() { on dom0 "rdma resource show pd" | grep -c 'comm \[xen_ibback\]'; }
pds_are() { [ "$(backend_pds)" = "$1" ]; }

# hold_pds GUEST N: start a process in GUEST that holds N PDs on xenib0 for
# ten minutes; its pid is in /tmp/hold.pid there.
hold_pds() {
	on "$1" "(xenib-verbs-test -d xenib0 hold-pd $2 600 >/tmp/hold.log 2>&1 </dev/null & echo \$! >/tmp/hold.pid)" ||
		fail "starting a process in $1 that holds $2 PDs"
}

# backend_objs [HOST:]: "PDs CQs QPs" the backend (of host a, or HOST)
# holds on the real devices, then "grants N", the guest pages it has
# mapped ("-" with the module unloaded).
backend_objs() {
	local t n out=
	for t in pd cq qp; do
		n=$(on "${1:-}dom0" "rdma resource show $t" | grep -c 'comm \[xen_ibback\]')
		out="$out${out:+ }$n"
	done
	n=$(on "${1:-}dom0" "cat /sys/bus/xen-backend/drivers/xenib/grant_mapped_pages 2>/dev/null || echo -" |
		tr -d '\r')
	echo "$out grants $n"
}

# backend_mrs [HOST:]: MRs the backend holds for guests on the real devices.
backend_mrs() { on "${1:-}dom0" "rdma resource show mr" | grep -c 'comm \[xen_ibback\]'; }
mrs_are() { [ "$(backend_mrs "${2:-}")" = "$1" ]; }

# kill_holders GUEST: end every test program still running in GUEST, so a
# failed test leaves no objects behind for the tests after it.
kill_holders() { on "$1" "killall -9 xenib-verbs-test 2>/dev/null; true" >/dev/null 2>&1; }
objs_are() { [ "$(backend_objs "${2:-}")" = "$1" ]; }
# held_are "PDs CQs QPs": the backend's objects alone (their rings' pages
# vary).
held_are() { [ "$(backend_objs | cut -d' ' -f1-3)" = "$1" ]; }
# plus BASE "dPD dCQ dQP": "PDs CQs QPs" of backend_objs BASE plus these.
plus() {
	local -a b=($1) d=($2)
	echo "$((b[0] + d[0])) $((b[1] + d[1])) $((b[2] + d[2]))"
}

# wire_names: shell assignments of the protocol's op numbers as
# include/xenib/xenibif.h defines them (OP_NOP=0 ...) and of the errnos a
# backend answers with, negated (EINVAL=-22 ...): eval "$(wire_names)".
wire_names() {
	sed -n 's/^#define XENIB_\(OP_[A-Z_]*\)[[:space:]]\{1,\}\([0-9]\{1,\}\).*/\1=\2/p' \
		"$ROOT/include/xenib/xenibif.h"
	python3 -c 'import errno
print(" ".join("%s=-%d" % (n, getattr(errno, n)) for n in dir(errno)
               if n.startswith("E")))'
}

# kverbs_load DOMAIN ARGS: load the kernel-verbs test module (tests/kverbs)
# with ARGS; print what this load logged (its failed checks, its count,
# benchmark lines); unload it again unless ARGS hold hold=1 (it then keeps
# objects until removed).  Returns insmod's status: the checks'.
KVERBS_KO=/usr/local/lib/xenib/xenib_kverbs_test.ko
kverbs_load() {
	local dom=$1 status lines
	shift
	lines=$(on "$dom" "dmesg | wc -l" | tr -d '\r')
	on "$dom" "insmod $KVERBS_KO $*"
	status=$?
	on "$dom" "dmesg | tail -n +$((lines + 1)) | grep xenib_kverbs_test:" |
		tr -d '\r'
	case " $* " in
	*" hold=1 "*) ;;
	*) on "$dom" "rmmod xenib_kverbs_test 2>/dev/null; true" >/dev/null ;;
	esac
	return $status
}

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
	on "$peer" "(timeout 60 rping -s -a $peer_ip -p 7181 -C 1 >/tmp/cm.forged 2>&1) >/dev/null 2>&1 &" ||
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
	on "$peer" "killall rping 2>/dev/null; true" >/dev/null
}

# cm_pair DESC SERVER PORT SERVER_CMD CLIENT CLIENT_CMD: start SERVER_CMD
# in the background on SERVER, wait for its listen on PORT, run CLIENT_CMD
# on CLIENT; both must exit 0.  The end of the client's output is
# printed, all of it on failure.
cm_pair() {
	local desc=$1 srv=$2 port=$3 scmd=$4 cli=$5 ccmd=$6 out rc

	on "$srv" "rm -f /tmp/cm.rc; (timeout 120 $scmd >/tmp/cm.srv 2>&1 </dev/null; echo \$? >/tmp/cm.rc) >/dev/null 2>&1 &" ||
		fail "$desc: starting the server"
	wait_for 30 "$desc: the server listens" cm_listening "$srv" "$port"
	out=$(on "$cli" "timeout 120 $ccmd" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/    /' | if [ "$rc" = 0 ]; then tail -4; else cat; fi
	CM_OUT=$out
	server_verdict "$desc" "$srv" "$rc" "cat /tmp/cm.rc 2>/dev/null" \
		"cat /tmp/cm.srv; kill \$(pidof timeout) 2>/dev/null"
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

# pingpong DESC SERVER SDEV SERVER_IP CLIENT CDEV TOOL: run TOOL (an
# rdma-core or perftest program and its options, GID index included) as a
# server on SERVER's device SDEV and as a client on CLIENT's CDEV; both
# must exit 0.  The end of the client's output is printed, all of it on
# failure (and into the file $PP_SAVE if set); the end of the server's on
# failure.  PP_SERVER_ARGS and PP_CLIENT_ARGS, if set, are added to one
# side's options only (e.g. each side's GID index).
PP_PORT=${PP_PORT:-18515}
pingpong() {
	local desc=$1 srv=$2 sdev=$3 ip=$4 cli=$5 cdev=$6 tool=$7
	local port=$((PP_PORT++)) i out rc

	on "$srv" "rm -f /tmp/pp.log; ($tool ${PP_SERVER_ARGS:-} -d $sdev -p $port >/tmp/pp.srv 2>&1 </dev/null; echo rc=\$? >/tmp/pp.log) >/dev/null 2>&1 &" ||
		fail "$desc: starting the server"
	# The client gives up if the server is not listening yet.
	for i in 1 2 3 4 5 6 7 8 9 10; do
		sleep 2
		out=$(on "$cli" "$tool ${PP_CLIENT_ARGS:-} -d $cdev -p $port $ip" 2>&1)
		rc=$?
		echo "$out" | grep -qE "Couldn't connect|Unable to init the socket" || break
	done
	# all of it on failure: a tool's error on stderr precedes its
	# (block-buffered) report
	echo "$out" | sed 's/^/    /' | if [ "$rc" = 0 ]; then tail -4; else cat; fi
	[ -z "${PP_SAVE:-}" ] || echo "$out" | tr -d '\r' > "$PP_SAVE"
	server_verdict "$desc" "$srv" "$rc" "sed -n 's/^rc=//p' /tmp/pp.log 2>/dev/null" \
		"cat /tmp/pp.srv; pkill -f -- '-p $port' 2>/dev/null"
}

# addr_of DOM: the address at which the domains of every host reach DOM
# over TCP, for the tools' out-of-band exchange
addr_of() { "$TB" addr "$1" | tr -d '\r'; }

# pingpong_both DESC DOM_A DEV_A DOM_B DEV_B TOOL: pingpong with DOM_B
# the server, then with DOM_A the server
pingpong_both() {
	pingpong "$1 $4 <- $2" "$4" "$5" "$(addr_of "$4")" "$2" "$3" "$6"
	pingpong "$1 $2 <- $4" "$2" "$3" "$(addr_of "$2")" "$4" "$5" "$6"
}

# server_verdict DESC SERVER CLIENT_RC RC_CMD LOG_CMD: wait up to two
# minutes for a background server's exit status (RC_CMD prints it in
# SERVER); unless both it and the client's (CLIENT_RC) are 0, show what
# LOG_CMD prints (the server's output; it also stops the server) and fail.
server_verdict() {
	local desc=$1 srv=$2 rc=$3 srv_rc i

	for i in $(seq 1 60); do
		srv_rc=$(on "$srv" "$4" | tr -d '\r')
		[ -n "$srv_rc" ] && break
		sleep 2
	done
	if [ "$rc" != 0 ] || [ "$srv_rc" != 0 ]; then
		echo "    server ($srv, exit ${srv_rc:-still running}):"
		on "$srv" "$5" | sed 's/^/    /' | tail -n 40
		fail "$desc (client exit $rc)"
	fi
	ok "$desc"
}

# bench_boot [HOSTS]: for a benchmark, boot the testbed (of HOSTS hosts,
# default 1) if none is running, or as HOSTS hosts if it has fewer, and
# stop it again when the script exits; BENCH_TMP is a scratch directory
# removed then.
bench_boot() {
	local hosts=${1:-1}
	BENCH_TMP=$(mktemp -d)
	BENCH_STARTED=0
	trap 'rm -rf "$BENCH_TMP"; [ "$BENCH_STARTED" = 0 ] || "$TB" stop >/dev/null 2>&1' EXIT
	if ! "$TB" status >/dev/null 2>&1; then
		echo "== building and booting the testbed ($hosts host(s))"
		make -s -C "$ROOT" stage || { echo "build failed: run make W=1"; exit 1; }
		"$TB" start --hosts "$hosts" --stage "$ROOT/build/stage" || exit 1
		BENCH_STARTED=1
	elif [ "$(nr_hosts)" -lt "$hosts" ]; then
		ensure_hosts "$hosts"
		BENCH_STARTED=1
	fi
}
