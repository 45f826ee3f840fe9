# SPDX-License-Identifier: GPL-2.0
# The backend as Dom0 sees it (its stats, the objects it holds on the
# real devices), the wire's names and the kernel-verbs test module.
# Sourced by tests/e2e/lib.sh, which the tests source.

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
# ten minutes, the job "hold" there.
hold_pds() {
	job_start "$1" hold xenib-verbs-test -d xenib0 hold-pd "$2" 600 ||
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

# raw_requests GUEST 1|0: switch the hostile-frontend test interfaces of
# GUEST's xen-ibfront (frontend/raw.c) on or off; they are in debugfs, at
# $RAW_DIR for device 0, mounted here if it is not yet.
RAW_DIR=/sys/kernel/debug/xen-ibfront/xenib-0
raw_requests() {
	on "$1" "grep -q ' /sys/kernel/debug debugfs ' /proc/mounts ||
		mount -t debugfs debugfs /sys/kernel/debug" ||
		fail "mounting debugfs in $1"
	on "$1" "echo $2 > /sys/module/xen_ibfront/parameters/raw_requests" ||
		fail "raw_requests=$2 in $1's frontend"
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

# prot_err OUT: the completion status xenib-verbs-test printed for a bad
# lkey ("prot_err STATUS"), or "".  On xenib0 it must be PROT_ERR_XENIB:
# the backend refuses the request itself, with hardware's status
# (docs/decisions.md), whatever the real device would say.
PROT_ERR_XENIB="local protection error"
prot_err() { echo "$1" | sed -n 's/^prot_err //p' | tr -d '\r'; }
