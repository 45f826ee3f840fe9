# SPDX-License-Identifier: GPL-2.0
# Benchmarks: booting the testbed for one.
# Sourced by tests/e2e/lib.sh, which the tests source.

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
