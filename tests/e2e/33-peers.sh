#!/bin/bash
# Across domains, what xenib-conform checks within one: a memory window of
# one domain used by a peer in another (RDMA WRITE through it, SEND with
# invalidate, bound again, invalidated locally: tests/verbs/xenib-conform
# mw-peer), between two guests and between a guest and native Dom0 both
# ways, with a guest trying to invalidate another domain's window; and UD
# receives posted before the peer is told to send (ud-peer), by user
# space and by a kernel ULP (tests/kverbs ud_peer).
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
# rounds (it was at most 1 in 300 under TCG).  ud_peer and kud_peer are in
# lib/pingpong.sh.
max_lost=${UD_MAX_LOST:-15}
ud_peer "UD receives of Dom0 before guest1 sends (native)" dom0 rxe0 \
	10.77.0.1 guest1 xenib0 0
ud_peer "UD receives of one guest1 process before another's sends" guest1 \
	xenib0 127.0.0.1 guest1 xenib0 0
ud_peer "UD receives of guest1 before guest2 sends" guest1 xenib0 \
	10.77.0.11 guest2 xenib0 "$max_lost"
ud_peer "UD receives of guest1 before Dom0 sends" guest1 xenib0 \
	10.77.0.11 dom0 rxe0 "$max_lost"

# The same with the receives posted by a kernel ULP (tests/kverbs'
# ud_peer serves the rounds on a kernel UD QP; its post_recv kicks the
# backend, which user space's cannot).  Natively in Dom0, from a user
# QP of the same guest, from another guest and from Dom0.
kud_peer "kernel UD receives of Dom0 before guest1 sends (native)" dom0 \
	rxe0 10.77.0.1 guest1 xenib0 0
kud_peer "kernel UD receives of guest1 before its user process sends" \
	guest1 xenib0 127.0.0.1 guest1 xenib0 0
kud_peer "kernel UD receives of guest1 before guest2 sends" guest1 xenib0 \
	10.77.0.11 guest2 xenib0 "$max_lost"
kud_peer "kernel UD receives of guest1 before Dom0 sends" guest1 xenib0 \
	10.77.0.11 dom0 rxe0 "$max_lost"

check "backend objects back to where they were ($base)" objs_are "$base"
check "backend MRs back to $base_mrs" mrs_are "$base_mrs"
