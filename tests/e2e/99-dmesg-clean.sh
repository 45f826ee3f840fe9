#!/bin/bash
# After everything above, neither Dom0 nor the guest logged a warning, BUG
# or oops, and the backend unloads with nothing left bound.
. "$(dirname "$0")/lib.sh"

bad='WARNING:|BUG:|Oops|general protection|Call Trace|refcount_t|list_del corruption|UBSAN|KASAN'
for dom in dom0 guest1; do
	hits=$(on "$dom" "dmesg | grep -E '$bad'" || true)
	[ -z "$hits" ] || fail "$dom dmesg:\n$hits"
	ok "$dom dmesg clean"
done
# Every guest the tests left attached (xenbus pins the module while any
# device is bound).
on dom0 "for d in \$(xenstore-list /local/domain/0/backend/xenib 2>/dev/null); do xenib-detach \$d || exit 1; done" >/dev/null ||
	fail "final detach"
check "backend unloads cleanly" on dom0 "rmmod xen_ibback"
check "frontend unloads cleanly" on guest1 "rmmod xen_ibfront"
hits=$(on dom0 "dmesg | grep -E '$bad'" || true)
[ -z "$hits" ] || fail "dom0 dmesg after unload:\n$hits"
ok "dom0 dmesg clean after unload"
