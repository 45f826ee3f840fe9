#!/bin/bash
# xenibctl (libxenib over libxenstore): attach and detach as xenib-attach and
# xenib-detach do, every refusal with its own exit code and nothing changed,
# list and list --json, and show: the objects a guest process creates
# counted against the backend's quotas.  Leaves guest1 connected.
. "$(dirname "$0")/lib.sh"

ensure_guest guest1
ensure_modules guest1
PARAMS=/sys/module/xen_ibback/parameters
id=$(domid guest1)
[ -n "$id" ] || fail "no domid for guest1"

# expect_rc DESCRIPTION CODE PATTERN CMD: CMD in dom0 exits with CODE and
# says PATTERN.
expect_rc() {
	local out rc
	out=$(on dom0 "$4" 2>&1)
	rc=$?
	[ "$rc" = "$2" ] || fail "$1: exit $rc, expected $2: $out"
	echo "$out" | grep -q -- "$3" || fail "$1: message '$out' lacks '$3'"
	ok "$1 (exit $2): $(echo "$out" | head -n 1)"
}

# json_check JSON PYTHON-EXPRESSION: the expression, of the parsed JSON "d",
# is true.
json_check() {
	python3 -c '
import json, sys
d = json.loads(sys.argv[1])
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$1" "$2"
}

gone() { ! on dom0 "xenstore-exists $1" >/dev/null 2>&1; }

# Start from a detached guest1.
out=$(on dom0 "xenibctl detach guest1" 2>&1)
rc=$?
case $rc in
0) ok "detached guest1's device: $out" ;;
5) ok "guest1 had no device: $out" ;;
*) fail "xenibctl detach guest1: exit $rc: $out" ;;
esac
check "guest1's backend directory gone" gone "$(be_path guest1)"

on dom0 "xenibctl attach guest1 hca=rxe0 port=1 --wait-connected=120" ||
	fail "xenibctl attach guest1 hca=rxe0 port=1 --wait-connected=120"
check "both ends Connected" is_connected guest1
check "and the device answers" ping_ok guest1
# What xenibctl daemon attaches again after a restore (e2e-34).
uuid=$(on dom0 "xl list -v guest1" | awk '$1 == "guest1" { print $7 }')
RECORDS=/var/lib/xenib/devices
RECORD=$RECORDS/$uuid/0
check "attach recorded the device by guest1's UUID" \
	on dom0 "printf 'hca rxe0\nport 1\n' | cmp -s - $RECORD"
# perms_are PATH A B: the keys under PATH are owned by A and readable by B
# (xenstore-ls -p prints "(nA,rB)").
perms_are() {
	on dom0 "xenstore-ls -p $1" | tr -d '\r' | head -n 1 | grep -qE "\(n$2, ?r$3\)\$"
}
check "frontend keys: guest1's, readable by Dom0" perms_are "$(fe_path guest1)" "$id" 0
check "backend keys: Dom0's, readable by guest1" perms_are "$(be_path guest1)" 0 "$id"

# list, plain and JSON.
out=$(on dom0 "xenibctl list" 2>&1) || fail "xenibctl list: $out"
out=${out//$'\r'/}
echo "$out" | sed 's/^/    /'
echo "$out" | head -n 1 | grep -qE '^DOMAIN +DOMID +DEVID +BACKEND +FRONTEND +HCA +PORT +VERSION$' ||
	fail "list: no header"
echo "$out" | grep -qE "^guest1 +$id +0 +Connected +Connected +rxe0 +1 +1\$" ||
	fail "list: no line for guest1 Connected on rxe0 port 1, protocol 1"
ok "list shows guest1 Connected on rxe0 port 1, protocol 1"
json=$(on dom0 "xenibctl list --json") || fail "xenibctl list --json: $json"
json_check "$json" "[x for x in d if x['domain'] == 'guest1' and x['domid'] == $id and
	x['devid'] == 0 and x['backend_state'] == 'Connected' and
	x['frontend_state'] == 'Connected' and x['hca'] == 'rxe0' and
	x['port'] == 1 and x['version'] == 1]" ||
	fail "list --json lacks guest1 Connected on rxe0 port 1, protocol 1: $json"
ok "list --json shows the same"

# Refusals: each with its exit code, and nothing changed.
expect_rc "unknown domain" 3 "unknown domain 'no-such-guest'" "xenibctl attach no-such-guest"
expect_rc "unknown domain id" 3 "unknown domain '4242'" "xenibctl attach 4242"
# Dom0 may attach itself (e2e-29), but only with its frontend loaded.
on dom0 "rmmod xen_ibfront 2>/dev/null; true" >/dev/null
expect_rc "Domain-0 without xen-ibfront" 1 "modprobe xen-ibfront" "xenibctl attach Domain-0 devid=1"
expect_rc "Domain-0 by id without xen-ibfront" 1 "modprobe xen-ibfront" "xenibctl attach 0 devid=1"
check "no device 1 of Domain-0 left behind" gone "/local/domain/0/backend/xenib/0/1"
expect_rc "unknown RDMA device" 4 "no RDMA device 'mlx9'" "xenibctl attach guest1 hca=mlx9 devid=1"
expect_rc "unknown port" 4 "has no port 7" "xenibctl attach guest1 port=7 devid=1"
expect_rc "already attached" 5 "already has xenib device 0" "xenibctl attach guest1"
expect_rc "detach of nothing" 5 "has no xenib device 3" "xenibctl detach guest1 devid=3"
expect_rc "show of nothing" 5 "has no xenib device 3" "xenibctl show guest1 devid=3"
expect_rc "detach of an unknown domain" 3 "unknown domain" "xenibctl detach no-such-guest"
expect_rc "bad argument" 2 "unknown argument" "xenibctl attach guest1 colour=blue"
expect_rc "bad number" 2 "must be numbers" "xenibctl attach guest1 port=one"
expect_rc "no command" 2 "usage: xenibctl" "xenibctl"
expect_rc "unknown command" 2 "unknown command" "xenibctl frobnicate"
expect_rc "--help" 0 "Exit codes" "xenibctl --help"
expect_rc "attach --help" 0 "wait-connected" "xenibctl attach --help"
expect_rc "show -h" 0 "usage: xenibctl show" "xenibctl show -h"
expect_rc "daemon --help" 0 "xl restore" "xenibctl daemon --help"
expect_rc "daemon with an argument" 2 "unknown argument" "xenibctl daemon now"

# export and import, which carry records to another Dom0 (xenib-migrate).
out=$(on dom0 "xenibctl export guest1" | tr -d '\r')
check "export prints guest1's record as attach arguments ($out)" \
	test "$out" = "$uuid devid=0 hca=rxe0 port=1"
other=0b6a8e1c-3f2d-4c5e-9a7b-112233445566
for bad in "not-a-uuid devid=2" "$other port=one" "$other colour=blue" \
	"$other ip=10.0.0.300" "$other hca="; do
	expect_rc "import of a line '$bad'" 2 "line 2: .*nothing recorded" \
		"printf '%s\n' '$other devid=2' '$bad' | xenibctl import"
done
check "a refused import recorded nothing" on dom0 "! test -e $RECORDS/$other"
expect_rc "import with an argument" 2 "unknown argument" "xenibctl import now"
expect_rc "export of an unknown domain" 3 "unknown domain" "xenibctl export no-such-guest"
on dom0 "printf '%s\n' '$other devid=2 ip=10.0.0.5' \
	'$uuid devid=1 hca=mlx9 port=1 ip=10.77.0.99 ip=fd00:77::99' | xenibctl import" ||
	fail "importing two records"
check "import wrote the record of a domain not here" on dom0 \
	"printf 'hca rxe0\nport 1\nip 10.0.0.5\n' | cmp -s - $RECORDS/$other/2"
out=$(on dom0 "xenibctl export guest1" | tr -d '\r')
check "and one of guest1's, exported with the first" test "$out" = \
	"$uuid devid=0 hca=rxe0 port=1"$'\n'"$uuid devid=1 hca=mlx9 port=1 ip=10.77.0.99 ip=fd00:77::99"
# A daemon's first look attaches what guest1 lacks; with no mlx9 it says
# which command to run once that is mended.  The command must parse.
out=$(on dom0 "timeout 10 xenibctl daemon 2>&1" | tr -d '\r')
echo "$out" | sed 's/^/    /'
cmd=$(echo "$out" | sed -n "s/.*without xenib device 1 until .* and '\(xenibctl attach [^']*\)' is run\$/\1/p")
check "the daemon names the attach command for device 1" \
	test "$cmd" = "xenibctl attach $id devid=1 hca=mlx9 port=1 ip=10.77.0.99 ip=fd00:77::99"
expect_rc "which is refused only for the missing device" 4 "no RDMA device 'mlx9'" "$cmd"
on dom0 "rm -r $RECORDS/$other $RECORDS/$uuid/1" || fail "removing the imported records"
check "no device 1 left behind" gone "$(be_path guest1 1)"
check "no frontend device 1 left behind" gone "$(fe_path guest1 1)"
check "the device is still connected" is_connected guest1
check "and still answers" ping_ok guest1

# Backend module not loaded.
on dom0 "xenibctl detach guest1" || fail "xenibctl detach guest1"
on dom0 "xenib-backend-unload" || fail "xenib-backend-unload"
expect_rc "backend not loaded" 6 "modprobe xen-ibback" "xenibctl attach guest1"
check "nothing written without a backend" gone "$(be_path guest1)"
on dom0 "modprobe xen-ibback" || fail "modprobe xen-ibback"
on dom0 "xenibctl attach guest1 hca=rxe0 port=1 --wait-connected=120" ||
	fail "attach after reloading the backend"
check "Connected again" is_connected guest1

# show: what the guest's objects take of the quotas.
wait_for 60 "guest1 has xenib0" on guest1 "test -d /sys/class/infiniband/xenib0"
out=$(on dom0 "xenibctl show guest1" 2>&1) || fail "xenibctl show guest1: $out"
out=${out//$'\r'/}
echo "$out" | sed 's/^/    /'
for t in pd cq qp srq ah mr mw queue_pages mr_pages; do
	echo "$out" | grep -qE "^$t +[0-9]+ +[0-9]+\$" || fail "show: no '$t' line"
done
for c in requests responses errors events event_overflows interrupts spurious_interrupts; do
	echo "$out" | grep -qE "^$c +[0-9]+\$" || fail "show: no '$c' counter"
done
ok "show prints every resource and counter"

# show_json: `xenibctl show guest1 --json`, checked for its shape.
show_json() {
	local j
	j=$(on dom0 "xenibctl show guest1 --json") || return 1
	json_check "$j" "d['domain'] == 'guest1' and d['devid'] == 0 and
		d['backend_state'] == 'Connected' and d['hca'] == 'rxe0'" || return 1
	echo "$j"
}
# in_use TYPE...: the in-use counts of these types, space-separated.
in_use() {
	local j
	j=$(show_json) || return 1
	python3 -c '
import json, sys
d = json.loads(sys.argv[1])
print(" ".join(str(d["resources"][t]["in_use"]) for t in sys.argv[2:]))' "$j" "$@"
}
objs_are() { [ "$(in_use pd cq qp srq ah mr)" = "$1" ]; }

json=$(show_json) || fail "show --json: $(on dom0 "xenibctl show guest1 --json" 2>&1)"
quotas=$(python3 -c '
import json, sys
r = json.loads(sys.argv[1])["resources"]
print(" ".join(str(r[t]["quota"]) for t in
	["pd", "cq", "qp", "srq", "ah", "mr", "mw", "queue_pages", "mr_pages"]))' "$json")
params=$(on dom0 "cd $PARAMS && echo \$(cat max_pds max_cqs max_qps max_srqs max_ahs max_mrs max_mws max_queue_pages max_mr_pages)" | tr -d '\r')
check "quotas ($quotas) are the module parameters ($params)" test "$quotas" = "$params"
json_check "$json" "all(isinstance(d['stats'][k], int) for k in ['requests',
	'responses', 'errors', 'events', 'event_overflows', 'interrupts',
	'spurious_interrupts'])" || fail "show --json: counters missing: $json"
ok "show --json has every counter"
check "nothing in use before the guest creates objects" objs_are "0 0 0 0 0 0"
before=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["stats"]["requests"])' "$json")

job_start guest1 objs xenib-verbs-test -d xenib0 hold-objs 600 ||
	fail "starting a process that holds objects"
wait_for 60 "show: pd 1, cq 2, qp 2, srq 1, ah 1 in use (pd cq qp srq ah mr)" \
	objs_are "1 2 2 1 1 0"
check "show: the queues' pages in use" test "$(in_use queue_pages)" -gt 0
after=$(show_json | python3 -c 'import json, sys; print(json.load(sys.stdin)["stats"]["requests"])')
check "show: requests counted ($before -> $after)" test "$after" -gt "$before"
job_stop guest1 objs || fail "killing it"
wait_for 60 "show: back to nothing in use" objs_are "0 0 0 0 0 0"
check "show: no queue pages in use" test "$(in_use queue_pages)" = 0

# A device whose frontend went away first has a Closed backend: nothing
# would answer a Closing request, so both tools remove it at once, without
# waiting out their timeout and without a warning.
for tool in "xenibctl detach" xenib-detach; do
	on guest1 "echo xenib-0 > /sys/bus/xen/drivers/xenib/unbind" ||
		fail "unbinding guest1's frontend"
	wait_for 30 "backend Closed once the frontend went away" \
		test "$(xs_state "$(be_path guest1)")" = 6
	out=$(on dom0 "$tool guest1 --timeout=60 2>&1")
	rc=$?
	echo "$out" | sed 's/^/    /'
	[ $rc = 0 ] || fail "$tool of a device with a Closed backend: exit $rc"
	echo "$out" | grep -qi warning && fail "$tool warned about a Closed backend"
	check "$tool: backend directory removed at once" gone "$(be_path guest1)"
	on dom0 "xenibctl attach guest1 hca=rxe0 port=1 --wait-connected=120" ||
		fail "reattaching guest1 after $tool"
done
ok "a Closed backend is detached at once by both tools"

# Detach with xenibctl: both directories and the per-domain one go.
on dom0 "xenibctl detach guest1" || fail "xenibctl detach guest1"
check "backend directory removed" gone "$(be_path guest1)"
check "frontend directory removed" gone "$(fe_path guest1)"
check "per-domain backend directory removed" gone "/local/domain/0/backend/xenib/$id"
expect_rc "show after detach" 5 "has no xenib device 0" "xenibctl show guest1"
check "detach dropped the record" on dom0 "! test -e $RECORD"
out=$(on dom0 "xenibctl list" | tr -d '\r')
echo "$out" | grep -q '^guest1 ' && fail "list still shows guest1: $out"
ok "list no longer shows guest1"
wait_for 60 "guest's xenib device went away" on guest1 "! test -e $FE_SYSFS"

on dom0 "xenibctl attach guest1 hca=rxe0 port=1 --wait-connected=120" ||
	fail "final reattach"
check "guest1 left connected" is_connected guest1
check "round trip after reattach" ping_ok guest1
