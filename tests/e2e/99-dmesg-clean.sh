#!/bin/bash
# After everything above, neither Dom0 nor the guest logged a warning, BUG
# or oops, and the backend unloads with nothing left bound.
. "$(dirname "$0")/lib.sh"

# On a cluster testbed (ensure_hosts), host b's domains too, unless
# e2e-43 killed host b (it checks b's logs before).
doms="dom0 guest1"
if [ "$(nr_hosts)" != 1 ]; then
	if host_running b:; then
		doms="$doms b:dom0 b:guest1"
	else
		echo "  host b is down (e2e-43 killed it): host a only"
	fi
fi
for dom in $doms; do
	[ "${dom#*:}" = dom0 ] || guest_running "$dom" || continue
	dmesg_clean "$dom"
done
# Every guest the tests left attached (xenbus pins the module while any
# device is bound).
for d0 in $doms; do
	[ "${d0#*:}" = dom0 ] || continue
	on "$d0" "for d in \$(xenstore-list /local/domain/0/backend/xenib 2>/dev/null); do xenib-detach \$d || exit 1; done" >/dev/null ||
		fail "final detach in $d0"
	check "backend unloads cleanly in $d0" on "$d0" "rmmod xen_ibback"
done
check "frontend unloads cleanly" on guest1 "rmmod xen_ibfront"
hits=$(dmesg_bad dom0)
[ -z "$hits" ] || fail "dom0 dmesg after unload:\n$hits"
ok "dom0 dmesg clean after unload"
