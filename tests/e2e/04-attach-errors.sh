#!/bin/bash
# xenib-attach and xenib-detach refuse bad requests with a clear message and
# a meaningful exit code, and change nothing.
. "$(dirname "$0")/lib.sh"

ensure_connected guest1

# The scripts are thin wrappers over xenibctl: its messages and exit codes
# (3 unknown domain, 4 no such device/port, 5 attached/not attached, 2 usage).
expect_error() { # DESCRIPTION PATTERN EXIT-CODE CMD
	local out rc=0
	out=$(on dom0 "$4" 2>&1) || rc=$?
	[ "$rc" != 0 ] || fail "$1: succeeded: $out"
	echo "$out" | grep -q "$2" || fail "$1: message '$out' lacks '$2'"
	[ "$rc" = "$3" ] || fail "$1: exit code $rc, expected $3: $out"
	ok "$1 (exit $rc): $(echo "$out" | head -n 1)"
}

expect_error "unknown domain" "unknown domain" 3 "xenib-attach no-such-guest"
expect_error "unknown RDMA device" "no RDMA device 'mlx9'" 4 "xenib-attach guest1 hca=mlx9 devid=1"
expect_error "unknown port" "has no port 7" 4 "xenib-attach guest1 port=7 devid=1"
expect_error "already attached" "already has xenib device 0" 5 "xenib-attach guest1"
expect_error "detach of nothing" "has no xenib device 3" 5 "xenib-detach guest1 devid=3"
expect_error "bad argument" "unknown argument" 2 "xenib-attach guest1 colour=blue"
expect_error "bad detach argument" "unknown argument" 2 "xenib-detach guest1 colour=blue"
out=$(on dom0 "xenib-attach --help") || fail "xenib-attach --help failed"
echo "$out" | grep -q "usage: xenibctl attach DOMAIN" ||
	fail "xenib-attach --help is not xenibctl attach's: $out"
ok "xenib-attach --help is xenibctl attach's"
check "the existing device is still connected" is_connected guest1
check "and still answers" ping_ok guest1
