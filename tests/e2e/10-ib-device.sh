#!/bin/bash
# The guest gets an RDMA device that the stock rxe provider drives and that
# looks like the real one: ibv_devices lists it with the real node GUID,
# ibv_devinfo -v matches rxe0's in Dom0 field by field (differences only
# where documented), GIDs and their RoCE types come out as on native rxe,
# and the privileged queries behave as natively.
. "$(dirname "$0")/lib.sh"

ensure_connected guest1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
IBDEV=/sys/class/infiniband/xenib0

wait_for 60 "guest has RDMA device xenib0" on guest1 "test -d $IBDEV"

native_guid=$(on dom0 "cat /sys/class/infiniband/rxe0/node_guid" | tr -d ':\r')
on guest1 "ibv_devices" > "$tmp/devices" || fail "ibv_devices in the guest"
cat "$tmp/devices"
grep -Eq "^\s*xenib0\s+$native_guid\s*$" "$tmp/devices" ||
	fail "ibv_devices does not list xenib0 with rxe0's node GUID $native_guid"
ok "ibv_devices lists xenib0 with the real node GUID"

# The RoCE netdev beside the port carries the real port's MAC.
ndev=$(on guest1 "cat $IBDEV/ports/1/gid_attrs/ndevs/0" | tr -d '\r')
[ -n "$ndev" ] || fail "GID 0 of xenib0 has no netdev"
gmac=$(on guest1 "cat /sys/class/net/$ndev/address" | tr -d '\r')
rxe_nd=$(rxe_netdev dom0)	# dummy0 on one host, the fabric NIC on more
nmac=$(on dom0 "cat /sys/class/net/$rxe_nd/address" | tr -d '\r')
[ "$gmac" = "$nmac" ] || fail "guest netdev $ndev has MAC $gmac, rxe0's netdev $nmac"
ok "netdev $ndev carries rxe0's MAC $nmac"

# IP GIDs follow the netdev's addresses, as on native RoCE: give it
# the address of rxe0's netdev and the whole table must match rxe0's.
addr=$(on dom0 "ip -o -4 addr show dev $rxe_nd" | awk '{print $4}' | head -n 1)
on guest1 "ip -o addr show dev $ndev | grep -q ' $addr ' || ip addr add $addr dev $ndev" ||
	fail "ip addr add $addr dev $ndev"
ngids=$(on dom0 "ibv_devinfo -v -d rxe0" | grep -c 'GID\[')
wait_for 30 "guest GID table has $ngids entries" \
	eval "[ \"\$(on guest1 'ibv_devinfo -v -d xenib0' | grep -c 'GID\[')\" = $ngids ]"

on dom0 "ibv_devinfo -v -d rxe0" > "$tmp/native" || fail "ibv_devinfo -v in dom0"
on guest1 "ibv_devinfo -v -d xenib0" > "$tmp/guest" || fail "ibv_devinfo -v in the guest"
python3 "$ROOT/tests/e2e/compare_devinfo.py" "$tmp/native" "$tmp/guest" ||
	fail "ibv_devinfo -v of xenib0 differs from rxe0's beyond the documented differences"
ok "ibv_devinfo -v of xenib0 matches rxe0's"

for i in 0 1; do
	n=$(on dom0 "cat /sys/class/infiniband/rxe0/ports/1/gid_attrs/types/$i" | tr -d '\r')
	g=$(on guest1 "cat $IBDEV/ports/1/gid_attrs/types/$i" | tr -d '\r')
	[ -n "$n" ] && [ "$n" = "$g" ] || fail "GID $i type: guest '$g', rxe0 '$n'"
done
ok "sysfs GID types equal rxe0's"

on dom0 "xenib-verbs-test -d rxe0 query" || fail "the query checks fail natively"
on guest1 "xenib-verbs-test -d xenib0 query" || fail "the query checks fail in the guest"
ok "device, port, GID and P_Key queries behave as natively"
