# SPDX-License-Identifier: GPL-2.0
# Shared helpers of the xenib Dom0 tools; sourced, not run.

xenib_be_path() { echo "/local/domain/0/backend/xenib/$1/$2"; }
xenib_fe_path() { echo "/local/domain/$1/device/xenib/$2"; }

# Domain id of a domain given by name or id.
xenib_domid() {
	local id
	case $1 in
	*[!0-9]*) id=$(xl domid "$1" 2>/dev/null) || return 1 ;;
	*) xl list "$1" >/dev/null 2>&1 || return 1; id=$1 ;;
	esac
	echo "$id"
}

xenib_state_name() {
	local s
	s=$(xenstore-read "$1/state" 2>/dev/null) || { echo gone; return; }
	case $s in
	1) echo Initialising ;; 2) echo InitWait ;; 3) echo Initialised ;;
	4) echo Connected ;; 5) echo Closing ;; 6) echo Closed ;; *) echo "state $s" ;;
	esac
}

# xenib_wait_state DIR SECS STATE... : wait until DIR/state is one of STATE.
# A directory that disappears counts as Closed (6).
xenib_wait_state() {
	local dir=$1 secs=$2 s want i
	shift 2
	for ((i = 0; i < secs * 10; i++)); do
		s=$(xenstore-read "$dir/state" 2>/dev/null) || s=6
		for want in "$@"; do
			[ "$s" = "$want" ] && return 0
		done
		sleep 0.1
	done
	return 1
}

xenib_remove_nodes() {
	xenstore-rm "$(xenib_be_path "$1" "$2")" 2>/dev/null
	xenstore-rm "$(xenib_fe_path "$1" "$2")" 2>/dev/null
	# Drop the per-domain directories we created if they are now empty.
	if [ -z "$(xenstore-list "/local/domain/0/backend/xenib/$1" 2>/dev/null)" ]; then
		xenstore-rm "/local/domain/0/backend/xenib/$1" 2>/dev/null
	fi
	return 0
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
