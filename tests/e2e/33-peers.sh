#!/bin/bash
# Across domains, what xenib-conform checks within one: a memory window of
# one domain used by a peer in another (RDMA WRITE through it, SEND with
# invalidate, bound again, invalidated locally: tests/verbs/xenib-conform
# mw-peer), between two guests and between a guest and native Dom0 both
# ways, with a guest trying to invalidate another domain's window; and UD
# receives posted before the peer is told to send (ud-peer).
. "$(dirname "$0")/lib.sh"

ensure_rdma guest1 guest2
base=$(backend_objs)
base_mrs=$(backend_mrs)

pingpong "window of guest2 used by guest1" guest2 xenib0 10.77.0.12 \
	guest1 xenib0 "xenib-conform mw-peer"
PP_CLIENT_ARGS=-i pingpong "guest1 cannot invalidate guest2's window" \
	guest2 xenib0 10.77.0.12 guest1 xenib0 "xenib-conform mw-peer"
pingpong "window of guest1 used by Dom0" guest1 xenib0 10.77.0.11 \
	dom0 rxe0 "xenib-conform mw-peer"
PP_CLIENT_ARGS=-i pingpong "window of Dom0 used by guest1" dom0 rxe0 \
	10.77.0.1 guest1 xenib0 "xenib-conform mw-peer"

# UD receives posted before the peer is told (over TCP) to send.  Natively
# (Dom0 receiving) and between two processes of one guest (the sender's
# doorbell makes the engine post every published receive before the
# send) every datagram finds its receive.  From another domain, a
# receive waits for guest1's engine to look, which may be after the
# datagram (docs/decisions.md): counted, and held to UD_MAX_LOST of the
# rounds (it was at most 1 in 300 under TCG).
rounds=${UD_PEER_ROUNDS:-300}
max_lost=${UD_MAX_LOST:-15}
ud_peer() {
	local desc=$1 srv=$2 sdev=$3 ip=$4 cli=$5 cdev=$6 max=$7

	pingpong "$desc" "$srv" "$sdev" "$ip" "$cli" "$cdev" \
		"xenib-conform -m $max ud-peer $rounds"
	on "$srv" "cat /tmp/pp.srv" | grep "^ud-peer:" | sed 's/^/    /'
}
ud_peer "UD receives of Dom0 before guest1 sends (native)" dom0 rxe0 \
	10.77.0.1 guest1 xenib0 0
ud_peer "UD receives of one guest1 process before another's sends" guest1 \
	xenib0 127.0.0.1 guest1 xenib0 0
ud_peer "UD receives of guest1 before guest2 sends" guest1 xenib0 \
	10.77.0.11 guest2 xenib0 "$max_lost"
ud_peer "UD receives of guest1 before Dom0 sends" guest1 xenib0 \
	10.77.0.11 dom0 rxe0 "$max_lost"

check "backend objects back to where they were ($base)" objs_are "$base"
check "backend MRs back to $base_mrs" mrs_are "$base_mrs"
