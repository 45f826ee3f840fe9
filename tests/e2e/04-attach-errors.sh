#!/bin/bash
# xenib-attach and xenib-detach refuse bad requests with a clear message and
# change nothing.
. "$(dirname "$0")/lib.sh"

ensure_connected guest1

expect_error() { # DESCRIPTION PATTERN CMD
	local out
	if out=$(on dom0 "$3" 2>&1); then
		fail "$1: succeeded: $out"
	fi
	echo "$out" | grep -q "$2" || fail "$1: message '$out' lacks '$2'"
	ok "$1: $out"
}

expect_error "unknown domain" "unknown domain" "xenib-attach no-such-guest"
expect_error "unknown RDMA device" "no RDMA device 'mlx9'" "xenib-attach guest1 hca=mlx9 devid=1"
expect_error "unknown port" "has no port 7" "xenib-attach guest1 port=7 devid=1"
expect_error "already attached" "already has xenib device 0" "xenib-attach guest1"
expect_error "detach of nothing" "has no xenib device 3" "xenib-detach guest1 devid=3"
expect_error "bad argument" "unknown argument" "xenib-attach guest1 colour=blue"
check "the existing device is still connected" is_connected guest1
check "and still answers" ping_ok guest1
