#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# xenib-create's reading of xl config files (scripts/xenib-lib.sh).
set -u
. "$(dirname "$0")/../../scripts/xenib-lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

expect() { # expect WHAT GOT WANT
	if [ "$2" != "$3" ]; then
		printf 'FAIL %s:\n got: %q\nwant: %q\n' "$1" "$2" "$3"
		failures=$((failures + 1))
	fi
}

cat > "$tmp/multi.cfg" <<'CFG'
name = "guest1"   # the name
memory = 256
# xenib = ['hca=commented-out']
xenib = [ 'hca=rxe0,port=1',
          "hca=mlx5_0,port=2" ]
vif = [ 'bridge=xenbr0' ]
CFG
expect "multi-line list" "$(xenib_cfg_devices "$tmp/multi.cfg")" \
	"$(printf 'hca=rxe0,port=1\nhca=mlx5_0,port=2')"
expect "name with comment" "$(xenib_cfg_name "$tmp/multi.cfg")" "guest1"

cat > "$tmp/none.cfg" <<'CFG'
name='plain'
vif = [ 'bridge=xenbr0' ]
CFG
expect "no xenib key" "$(xenib_cfg_devices "$tmp/none.cfg")" ""
expect "single-quoted name" "$(xenib_cfg_name "$tmp/none.cfg")" "plain"

cat > "$tmp/one.cfg" <<'CFG'
name="g"
xenib=['hca=rxe0']
CFG
expect "one-line list" "$(xenib_cfg_devices "$tmp/one.cfg")" "hca=rxe0"

cat > "$tmp/ip.cfg" <<'CFG'
name="g"
xenib = [ 'hca=rxe0,port=1,ip=10.78.0.11,ip=fd00::11' ]
CFG
expect "addresses in a device" "$(xenib_cfg_devices "$tmp/ip.cfg")" \
	"hca=rxe0,port=1,ip=10.78.0.11,ip=fd00::11"

[ $failures -eq 0 ] && echo "ok config parsing"
exit $((failures > 0))
