# SPDX-License-Identifier: GPL-2.0
# rdma-core and perftest tools run as a server and a client in two domains.
# Sourced by tests/e2e/lib.sh, which the tests source.

# pingpong DESC SERVER SDEV SERVER_IP CLIENT CDEV TOOL: run TOOL (an
# rdma-core or perftest program and its options, GID index included) as a
# server on SERVER's device SDEV and as a client on CLIENT's CDEV; both
# must exit 0.  The end of the client's output is printed, all of it on
# failure (and into the file $PP_SAVE if set); the end of the server's
# (the job "pp" in SERVER) on failure.  PP_SERVER_ARGS and PP_CLIENT_ARGS, if set, are added to one
# side's options only (e.g. each side's GID index).  With PP_RETRIES=N, a
# failed run is run again, at most N times in all over the test (counted
# in PP_RETRIED): for tools whose fixed ACK timeout is shorter than a round
# trip between the testbed's hosts (see e2e-40).
PP_PORT=${PP_PORT:-18515}
PP_RETRIED=0
pingpong() {
	until pingpong_once "$@"; do
		[ "$PP_RETRIED" -lt "${PP_RETRIES:-0}" ] || fail "$1"
		PP_RETRIED=$((PP_RETRIED + 1))
		echo "    $1 failed: running it again ($PP_RETRIED of at most ${PP_RETRIES} such runs in this test)"
	done
	ok "$1"
}

# pingpong_once: pingpong's arguments; one run, its status returned.
pingpong_once() {
	local desc=$1 srv=$2 sdev=$3 ip=$4 cli=$5 cdev=$6 tool=$7
	local port=$((PP_PORT++)) i out rc

	job_start "$srv" pp "$tool ${PP_SERVER_ARGS:-} -d $sdev -p $port" ||
		fail "$desc: starting the server"
	# The client gives up if the server is not listening yet: it is
	# started once the server listens, and again if it gave up anyway.
	for i in 1 2 3 4 5 6 7 8 9 10; do
		if [ "$i" = 1 ]; then
			tcp_listening "$srv" "$port" 20 || sleep 2
		else
			sleep 2
		fi
		out=$(on "$cli" "$tool ${PP_CLIENT_ARGS:-} -d $cdev -p $port $ip" 2>&1)
		rc=$?
		echo "$out" | grep -qE "Couldn't connect|Unable to init the socket" || break
	done
	# all of it on failure: a tool's error on stderr precedes its
	# (block-buffered) report
	echo "$out" | sed 's/^/    /' | if [ "$rc" = 0 ]; then tail -4; else cat; fi
	[ -z "${PP_SAVE:-}" ] || echo "$out" | tr -d '\r' > "$PP_SAVE"
	server_passed "$desc" "$srv" pp "$rc"
}

# tcp_listening DOM PORT SECS: a TCP socket listens on PORT in DOM within
# SECS (the tools' out-of-band exchange; checked in DOM every 0.1 s)
tcp_listening() {
	local hex
	hex=$(printf '%04X' "$2")
	on "$1" "i=0; until grep -qE ':$hex [0-9A-F]+:0000 0A ' /proc/net/tcp /proc/net/tcp6 2>/dev/null; do
		[ \$i -lt $(($3 * 10)) ] || exit 1; sleep 0.1; i=\$((i + 1)); done" >/dev/null 2>&1
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

# server_verdict DESC SERVER JOB CLIENT_RC [LOG_CMD]: wait up to two
# minutes for the exit status of the server, the job JOB in SERVER; unless
# both it and the client's (CLIENT_RC) are 0, show the end of the server's
# output and of what LOG_CMD prints in SERVER, stop the server and fail.
server_verdict() {
	server_passed "$@" || fail "$1 (client exit $4)"
	ok "$1"
}

# server_passed: server_verdict's arguments; its verdict returned, not
# said.
server_passed() {
	local desc=$1 srv=$2 job=$3 rc=$4 srv_rc

	srv_rc=$(job_wait "$srv" "$job" 120)
	[ "$rc" = 0 ] && [ "$srv_rc" = 0 ] && return 0
	echo "    server ($srv, exit ${srv_rc:-still running}):"
	{
		job_out "$srv" "$job"
		[ -z "${5:-}" ] || on "$srv" "$5"
	} | sed 's/^/    /' | tail -n 40
	job_stop "$srv" "$job" TERM
	echo "    $desc: client exit $rc, server exit ${srv_rc:-still running}"
	return 1
}

# ud_peer DESC SERVER SDEV SERVER_IP CLIENT CDEV MAX_LOST: UD receives
# posted by SERVER before CLIENT is told (over TCP) to send, for
# UD_PEER_ROUNDS rounds (300 if unset; xenib-conform ud-peer); at most
# MAX_LOST of the datagrams may find no receive.  The server's count is
# printed.
ud_peer() {
	local desc=$1 srv=$2 sdev=$3 ip=$4 cli=$5 cdev=$6 max=$7

	pingpong "$desc" "$srv" "$sdev" "$ip" "$cli" "$cdev" \
		"xenib-conform -m $max ud-peer ${UD_PEER_ROUNDS:-300}"
	job_out "$srv" pp | grep "^ud-peer:" | sed 's/^/    /'
}

# kud_peer DESC SERVER SDEV SERVER_IP CLIENT CDEV MAX_LOST: as ud_peer,
# with SERVER's receives posted by a kernel ULP (tests/kverbs' ud_peer
# serves the rounds on a kernel UD QP, the module's load its verdict).
kud_peer() {
	local desc=$1 srv=$2 sdev=$3 ip=$4 cli=$5 cdev=$6 max=$7
	local port=$((PP_PORT++)) rounds=${UD_PEER_ROUNDS:-300} lines out rc

	lines=$(on "$srv" "dmesg | wc -l" | tr -d '\r')
	job_start "$srv" kud insmod $KVERBS_KO ibdev=$sdev ud_peer=$rounds \
		peer_port=$port max_lost=$max ||
		fail "$desc: loading the kernel server"
	out=$(on "$cli" "xenib-conform -d $cdev -p $port ud-peer $rounds $ip" 2>&1)
	rc=$?
	[ "$rc" = 0 ] || echo "$out" | sed 's/^/    /'
	server_verdict "$desc" "$srv" kud "$rc" \
		"dmesg | tail -n +$((lines + 1)) | grep xenib_kverbs_test:"
	on "$srv" "dmesg | tail -n +$((lines + 1)) | grep 'xenib_kverbs_test: ud-peer'" |
		sed 's/^/    /'
	on "$srv" "rmmod xenib_kverbs_test" >/dev/null ||
		fail "$desc: removing the kernel server"
}
