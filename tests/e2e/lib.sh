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
	local secs=$1 desc=$2 end=$((SECONDS + $1))
	shift 2
	while :; do
		if "$@" >/dev/null 2>&1; then
			ok "$desc"
			return 0
		fi
		[ "$SECONDS" -lt "$end" ] || break
		sleep 1
	done
	fail "$desc (not within ${secs}s)"
}

# elapsed T0: seconds since T0 (a "date +%s.%N"), to a tenth.
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

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

# dmesg_bad TARGET: the lines of TARGET's kernel log that are a warning,
# BUG or oops.  Not the boot notice of a CPU without the microcode for a
# mitigation: the AMD CPU QEMU emulates with --hap has none for SRSO, and
# Linux says so in a line that starts "WARNING:" but is no kernel warning.
DMESG_BAD='WARNING:|BUG:|Oops|general protection|Call Trace|refcount_t|list_del corruption|UBSAN|KASAN'
DMESG_NOTICE='Speculative Return Stack Overflow: WARNING: See https'
dmesg_bad() {
	on "$1" "dmesg | grep -E '$DMESG_BAD' | grep -v '$DMESG_NOTICE'" || true
}

# dmesg_clean TARGET: TARGET's kernel logged no warning, BUG or oops.
dmesg_clean() {
	local hits
	hits=$(dmesg_bad "$1")
	[ -z "$hits" ] || fail "$1 dmesg:\n$hits"
	ok "$1 dmesg clean"
}

# nr_hosts: how many hosts the running testbed has.
nr_hosts() { cat "$ROOT/build/testbed/run/hosts" 2>/dev/null || echo 1; }

# host_running H: the QEMU of host H ("" for host a, "b:" ...) runs
# (e2e-43 ends by killing host b's).
host_running() {
	local run=$ROOT/build/testbed/run

	[ -z "$1" ] || run=$run-${1%:}
	kill -0 "$(cat "$run/qemu.pid" 2>/dev/null)" 2>/dev/null
}

# has_hap: the running testbed's hosts emulate a CPU with nested paging
# (scripts/xenib-testbed start --hap), so they run PVH guests.
has_hap() { [ -e "$ROOT/build/testbed/run/hap" ]; }

# restart_testbed N [--hap]: stop the testbed and start it again as N hosts
# with the same stage, with the hosts' default CPU unless --hap (so only
# the tests that ask for it run on the other CPU); what ran before must
# have left Dom0 and guest1 with clean kernel logs.
restart_testbed() {
	local run=$ROOT/build/testbed/run stage hap=${2:-}

	stage=$(cat "$run/stage" 2>/dev/null || echo "$ROOT/build/stage")
	if "$TB" status >/dev/null 2>&1; then
		dmesg_clean dom0
		! guest_running guest1 || dmesg_clean guest1
	fi
	echo "  restarting the testbed as $1 host(s)${hap:+ with $hap}"
	"$TB" stop >/dev/null 2>&1
	# shellcheck disable=SC2086 # no option or one
	"$TB" start --hosts "$1" --stage "$stage" $hap ||
		fail "starting a testbed of $1 hosts (scripts/xenib-testbed start --hosts $1 $hap)"
}

# ensure_hosts N: a testbed of at least N hosts (scripts/xenib-testbed
# start --hosts N), all of them running, or restarted as N.
ensure_hosts() {
	local h up=0

	if "$TB" status >/dev/null 2>&1 && [ "$(nr_hosts)" -ge "$1" ]; then
		up=1
		for ((h = 2; h <= $1; h++)); do
			host_running "$(printf "\\$(printf '%03o' $((96 + h)))"):" || up=0
		done
	fi
	[ "$up" = 0 ] || return 0
	restart_testbed "$1"
}

# ensure_hap: a running testbed whose hosts run PVH guests, or restarted
# as one with as many hosts.
ensure_hap() {
	"$TB" status >/dev/null 2>&1 && has_hap && return 0
	restart_testbed "$(nr_hosts)" --hap
}

# last_triple_fault: the last guest Xen on host a shut down for a triple
# fault, as its log says ("d4v0 Triple fault - ..."), or nothing.
last_triple_fault() {
	on dom0 "xl dmesg | grep -o 'd[0-9]*v[0-9]* Triple fault' | tail -n 1" | tr -d '\r'
}

# again_on_emulated_hap "$@": at the top of a test of PVH guests, after
# ensure_hap: run the test, and if it fails run it once more, first
# saying so on a line of its own ("RAN AGAIN: ...", which tests/run
# repeats in its summary) with Xen's account of any guest that
# triple-faulted meanwhile.  PVH guests on the testbed's emulated AMD-V
# fail now and then whatever they run: triple faults, one with Xen's own
# code address as the guest's RIP; a suspend request never acknowledged;
# a shell that did not start a process in 10 s (docs/decisions.md).
# Twice in a row fails the test.
again_on_emulated_hap() {
	local before after first rc

	[ -z "${XENIB_AGAIN:-}" ] || return 0
	before=$(last_triple_fault)
	first=$(mktemp)
	XENIB_AGAIN=1 bash "$0" "$@" 2>&1 | tee "$first"
	rc=${PIPESTATUS[0]}
	if [ "$rc" -eq 0 ]; then
		rm -f "$first"
		exit 0
	fi
	after=$(last_triple_fault)
	if [ -n "$after" ] && [ "$after" != "$before" ]; then
		echo "  $after meanwhile; Xen's account of the guest's last state:"
		on dom0 "xl dmesg | grep -A10 '$after' | tail -n 11" | sed 's/^/    /'
	fi
	echo "RAN AGAIN: the first run ended with '$(grep '^FAIL: ' "$first" | tail -n 1)'"
	rm -f "$first"
	XENIB_AGAIN=2 bash "$0" "$@"
	exit
}

# Each test keeps the files it makes in a domain in a directory of its
# own there, $TT, and stops what it started by its pid, never by a
# program's name (another test's, or a user's, may be running).
TEST_DIRS=/tmp/xenib-tests
TT=$TEST_DIRS/$(basename "$0" .sh)

# job_start DOM NAME CMD...: run CMD, a simple command, in DOM in the
# background; its output goes to $TT/NAME.out, its pid to $TT/NAME.pid
# and, once it ends, its exit status to $TT/NAME.rc.
job_start() {
	local dom=$1 name=$2 f
	shift 2
	f=$TT/$name
	on "$dom" "mkdir -p $TT && rm -f $f.rc $f.pid &&
		($* </dev/null >$f.out 2>&1 & echo \$! >$f.pid.new && mv $f.pid.new $f.pid
		 wait \$!; echo \$? >$f.rc) >/dev/null 2>&1 &
		i=0; while [ ! -e $f.pid ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i + 1)); done
		test -e $f.pid"
}

# job_rc DOM NAME: the job's exit status, or nothing while it runs.
job_rc() { on "$1" "cat $TT/$2.rc 2>/dev/null" | tr -d '\r'; }
# job_wait DOM NAME SECS: job_rc once the job ended, waiting up to SECS
# (in DOM, so that the end is seen within 0.1 s, in one round trip).
job_wait() {
	on "$1" "i=0; while [ ! -s $TT/$2.rc ] && [ \$i -lt $(($3 * 10)) ]; do
		sleep 0.1; i=\$((i + 1)); done; cat $TT/$2.rc 2>/dev/null" | tr -d '\r'
}
# job_out DOM NAME: what the job printed so far.
job_out() { on "$1" "cat $TT/$2.out 2>/dev/null"; }
# job_running DOM NAME: the job was started and has not ended.
job_running() { on "$1" "test -e $TT/$2.pid && ! test -e $TT/$2.rc"; }

# job_stop DOM NAME [SIGNAL]: send the job SIGNAL (KILL by default) if it
# still runs (a job that ended is left alone: its pid may be another's
# now), and give its end up to 5 s to be recorded.
job_stop() {
	local f=$TT/$2
	on "$1" "[ -e $f.rc ] || kill -${3:-KILL} \$(cat $f.pid) 2>/dev/null
		i=0; while [ ! -e $f.rc ] && [ \$i -lt 50 ]; do sleep 0.1; i=\$((i + 1)); done
		true" >/dev/null 2>&1
}

# stop_jobs DOM: kill every job a test started in DOM that still runs, so
# a failed test leaves no objects behind for the tests after it.
stop_jobs() {
	on "$1" "for p in $TEST_DIRS/*/*.pid; do
		[ -e \"\${p%.pid}.rc\" ] || kill -9 \$(cat \"\$p\") 2>/dev/null
	done; true" >/dev/null 2>&1
}

for lib in "$ROOT"/tests/e2e/lib/*.sh; do
	. "$lib"
done
unset lib
