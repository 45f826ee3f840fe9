# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the xenib Dom0 tools; sourced, not run.

# Run xenibctl, preferring the one installed beside these scripts (as
# "make stage" and the README's install put them) over one in $PATH.
xenib_ctl() {
	local ctl
	ctl="$(dirname "${BASH_SOURCE[0]}")/xenibctl"
	[ -x "$ctl" ] || ctl=$(command -v xenibctl) || {
		echo "xenib: xenibctl not found beside $(dirname "${BASH_SOURCE[0]}") or in PATH;" \
			"build it with 'make userlib' (needs libxen-dev) and install it" >&2
		exit 1
	}
	exec "$ctl" "$@"
}

# The entries of "xenib = [ 'hca=rxe0,port=1', ... ]" in an xl config file,
# one per line.  The list may span lines; comments are ignored.
xenib_cfg_devices() {
	sed 's/#.*//' "$1" |
		sed -n '/^[[:space:]]*xenib[[:space:]]*=/,/\]/p' |
		tr '\n' ' ' | sed 's/^[^[]*\[//; s/\].*$//' |
		grep -o "[\"'][^\"']*[\"']" | tr -d "\"'"
	return 0
}

# The value of name = "..." in an xl config file.
xenib_cfg_name() {
	sed 's/#.*//' "$1" |
		sed -n "s/^[[:space:]]*name[[:space:]]*=[[:space:]]*[\"']\([^\"']*\)[\"'].*/\1/p" |
		tail -n 1
}
