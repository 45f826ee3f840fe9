#!/bin/bash
# rdma-core's own test suite (its Python tests/, v44.0: the version of
# Debian 12's rdma-core and python3-pyverbs), unchanged, natively on rxe0 in
# Dom0 and on xenib0 in a guest given an address, in the same boot.  Every
# case that passes natively must pass on xenib0, or stand in
# tests/e2e/rdma-core-exceptions with the reason the design cannot offer
# it, or in tests/e2e/rdma-core-pending, printed on every run, while the
# feature it needs is not built.  The suite is read from $XENIB_PEER_TESTS (default
# ../shared/peer-tests/rdma-core-v44.0/tests beside the repository).
#
# Its test_rdmacm cases look for the device's address under
# /sys/class/infiniband/DEV/device/net/, which rxe devices lack (rxe gives
# its ib_device no parent), so natively they skip whatever rxe's netdev;
# xenib0's parent is its xenbus device, so on xenib0 they run, and all of
# them must pass.
. "$(dirname "$0")/lib.sh"

suite=${XENIB_PEER_TESTS:-$ROOT/../shared/peer-tests/rdma-core-v44.0/tests}
[ -f "$suite/run_tests.py" ] ||
	fail "no rdma-core test suite at $suite: set XENIB_PEER_TESTS to rdma-core v44.0's tests/ directory"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dir=$TT/suite

# guest1 with Python and pyverbs (the image's pyverbs layer), an address.
ensure_layer pyverbs 768 /usr/bin/python3 guest1
ensure_cm guest1 10.78.0.11

# run_suite DOM DEV ADDR: the suite on DEV with the RoCE v2 GID of ADDR;
# the per-case results land in $tmp/DOM.res.
run_suite() {
	local gid t0=$SECONDS
	gid=$(v2_gid "$1" "$2" "$3")
	[ -n "$gid" ] || fail "$2 in $1 has no RoCE v2 GID for $3"
	tar -C "$suite/.." -cf - "$(basename "$suite")" |
		on_stdin "$1" "rm -rf $dir && mkdir -p $dir && tar -C $dir -xf -" ||
		fail "copying the suite into $1"
	on_stdin "$1" "cat > $dir/peer_suite.py" <"$ROOT/tests/e2e/peer_suite.py" ||
		fail "copying peer_suite.py into $1"
	echo "  running rdma-core's suite on $2 in $1 (GID index $gid)"
	on "$1" "cd $dir && python3 peer_suite.py run $dir/$(basename "$suite") $dir/res --dev $2 --port 1 --gid $gid >$dir/log 2>&1"
	on "$1" "tail -n 4 $dir/log" | sed 's/^/    /'
	on "$1" "cat $dir/res" | tr -d '\r' >"$tmp/$1.res"
	[ -s "$tmp/$1.res" ] || fail "no results from $1 (log: $dir/log there)"
	ok "suite on $2 in $1: $(wc -l <"$tmp/$1.res") cases in $((SECONDS - t0)) s"
}

run_suite dom0 rxe0 10.78.0.1
run_suite guest1 xenib0 10.78.0.11
python3 "$ROOT/tests/e2e/peer_suite.py" compare "$tmp/dom0.res" "$tmp/guest1.res" \
	"$ROOT/tests/e2e/rdma-core-exceptions" "$ROOT/tests/e2e/rdma-core-pending" ||
	fail "cases that pass natively fail on xenib0 (above)"
ok "every case that passes on rxe0 passes on xenib0, or is listed with its reason"

cm_cases=$(grep -c ' tests\.test_rdmacm\.' "$tmp/guest1.res")
cm_passed=$(grep -c '^pass tests\.test_rdmacm\.' "$tmp/guest1.res")
[ "$cm_cases" -gt 0 ] && [ "$cm_passed" = "$cm_cases" ] ||
	fail "test_rdmacm on xenib0: $cm_passed of $cm_cases passed"
ok "all $cm_cases test_rdmacm cases pass on xenib0 with addresses"
on dom0 "rm -rf $dir"; on guest1 "rm -rf $dir"
drop_ips guest1 10.78.0.11
