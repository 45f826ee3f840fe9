#!/bin/bash
# Registrations of HPC sizes: one of 1 GiB, and 4 GiB held at once by one
# guest process (four of 1 GiB), each written and read through, in a guest
# configured as a real host must be for them: max_grant_frames in its xl
# config (2304: 1179648 grants), bounded by Xen's gnttab_max_frames, and
# the backend domain's map track (gnttab_max_maptrack_frames), both on the
# testbed's hypervisor command line (scripts/xenib-testbed), and the
# backend's per-guest quota max_mr_pages raised for it.  1 GiB natively on
# rxe0 in Dom0 too; seconds per GiB printed for both.
. "$(dirname "$0")/lib.sh"

G=guest3
guest_running $G && { on dom0 "xl destroy $G" || fail "xl destroy $G"; }
free=$(on dom0 "xl info free_memory" | tr -d '\r')
[ "${free:-0}" -ge 4500 ] ||
	fail "Xen has ${free:-?} MB free, $G needs 4400: give QEMU more (XENIB_QEMU_MEM)"
quota=$(on dom0 "cat /sys/module/xen_ibback/parameters/max_mr_pages" | tr -d '\r')
trap 'on dom0 "echo $quota > /sys/module/xen_ibback/parameters/max_mr_pages"' EXIT
on dom0 "echo $((5 << 18)) > /sys/module/xen_ibback/parameters/max_mr_pages" ||
	fail "raising the backend's max_mr_pages to 5 GiB"
"$TB" guest start $G --memory 4400 --cfg-extra "max_grant_frames = 2304" ||
	fail "starting $G with 4400 MB and max_grant_frames = 2304"
ensure_rdma $G
base=$(backend_mrs)

size=$(on $G "ibv_devinfo -v -d xenib0" | sed -n 's/.*max_mr_size:[[:space:]]*//p' | tr -d '\r')
[ -n "$size" ] && [ $((size)) -ge $((1 << 30)) ] ||
	fail "xenib0's max_mr_size is $size, below 1 GiB"
ok "xenib0 advertises max_mr_size $size"

# Each of the guest's four is one registration of 1 GiB: a single one
# of its own would add a minute under TCG and show nothing more.
for run in "dom0 rxe0 1024 1" "$G xenib0 1024 4"; do
	set -- $run
	out=$(on "$1" "xenib-conform -d $2 reg $3 $4" 2>&1) ||
		{ echo "$out" | tail -n 5; fail "$4 x $3 MiB on $2 in $1"; }
	echo "$out" | grep -v '^ok: registered' | sed 's/^/    /'
	ok "$4 x $3 MiB registered, held and used on $2 in $1"
done

check "backend MRs back to $base" mrs_are "$base"
on dom0 "xl destroy $G" || fail "xl destroy $G"
