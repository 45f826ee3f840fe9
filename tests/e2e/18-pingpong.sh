#!/bin/bash
# The data path with rdma-core's own example programs, unmodified, in the
# guest: ibv_rc_pingpong (polling and with completion events), ibv_ud_pingpong
# and ibv_srq_pingpong, between a guest and native Dom0 in both directions
# and between two guests, with the tools checking the data (-c).
. "$(dirname "$0")/lib.sh"

ensure_rdma guest1 guest2

ITERS=${PINGPONG_ITERS:-200}
before_objs=$(backend_objs)

for tool in "ibv_rc_pingpong" "ibv_rc_pingpong -e" "ibv_ud_pingpong -s 1024" \
	    "ibv_srq_pingpong -q 4"; do
	pingpong "$tool guest1 <- dom0" guest1 xenib0 10.77.0.11 dom0 rxe0 \
		"$tool -g 0 -n $ITERS -c"
	pingpong "$tool dom0 <- guest1" dom0 rxe0 10.77.0.1 guest1 xenib0 \
		"$tool -g 0 -n $ITERS -c"
	pingpong "$tool guest2 <- guest1" guest2 xenib0 10.77.0.12 guest1 \
		xenib0 "$tool -g 0 -n $ITERS -c"
done

# Larger messages, several of them in flight.
pingpong "rc 64 KiB guest1 <- guest2" guest1 xenib0 10.77.0.11 guest2 xenib0 \
	"ibv_rc_pingpong -g 0 -s 65536 -r 16 -n 50 -c"

check "backend objects back to where they were ($before_objs)" \
	objs_are "$before_objs"
on dom0 "cat /sys/bus/xen-backend/devices/xenib-*-0/stats" |
	grep -E "^(kicks|sends_posted|recvs_posted|completions|cq_events|engine_busy_us) "

# xenibctl shows what the engine did for the guest.
json=$(on dom0 "xenibctl show guest1 --json") || fail "xenibctl show guest1 --json"
echo "$json" | python3 -c '
import json, sys
st = json.load(sys.stdin)["stats"]
keys = ["kicks", "engine_wakeups", "engine_passes", "sends_posted",
        "recvs_posted", "completions", "cq_events", "engine_busy_us"]
missing = [k for k in keys if not isinstance(st.get(k), int)]
assert not missing, "missing engine counters: %s" % missing
assert all(st[k] > 0 for k in ["sends_posted", "recvs_posted", "completions",
                                 "cq_events", "engine_passes", "engine_busy_us"]), st
' || fail "xenibctl show: engine counters"
ok "xenibctl show reports the engine's counters, all moved by the traffic"
