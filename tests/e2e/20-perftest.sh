#!/bin/bash
# perftest, unmodified, in the guests: ib_send_lat, ib_send_bw, ib_write_lat,
# ib_write_bw, ib_read_lat and ib_read_bw between a guest and native Dom0 in
# both directions and between two guests in both directions.  Numbers from
# an emulated machine mean little; `make bench-data` compares them with
# native ones.
. "$(dirname "$0")/lib.sh"

ensure_rdma guest1 guest2
before_objs=$(backend_objs)

for t in ib_send_lat ib_send_bw ib_write_lat ib_write_bw ib_read_lat ib_read_bw; do
	args="$t -x 0 -F -n ${PERFTEST_ITERS:-200}"
	pingpong "$t guest1 <- dom0" guest1 xenib0 10.77.0.11 dom0 rxe0 "$args"
	pingpong "$t dom0 <- guest1" dom0 rxe0 10.77.0.1 guest1 xenib0 "$args"
	pingpong "$t guest2 <- guest1" guest2 xenib0 10.77.0.12 guest1 xenib0 "$args"
	pingpong "$t guest1 <- guest2" guest1 xenib0 10.77.0.11 guest2 xenib0 "$args"
done

check "backend objects back to where they were ($before_objs)" \
	objs_are "$before_objs"
