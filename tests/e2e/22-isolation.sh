#!/bin/bash
# Isolation on the data path: a process that knows another's buffer
# address, lkey and rkey cannot use them.  Victims in guest2 and in Dom0,
# attackers in guest1, Dom0 and guest2, each with QPs of its own: the lkey
# in a local SGE fails with a local protection error (for a guest, the
# backend finds no MR of its own with that lkey), the rkey as the target of
# RDMA WRITE, READ and FETCH_ADD fails with a remote access error (the real
# device checks it against the PD of the QP it arrives at).  The victims'
# buffers stay as they were, and the same attacks behave so natively.
. "$(dirname "$0")/lib.sh"

ensure_rdma guest1 guest2
base=$(backend_objs)

# victim DOMAIN DEV: start a victim there; sets $keys to "ADDR LKEY RKEY".
victim() {
	on "$1" "rm -f /tmp/xenib-victim.stop" &&
		job_start "$1" victim xenib-verbs-test -d "$2" victim 300 ||
		fail "starting the victim in $1"
	wait_for 60 "the victim in $1 registered its buffer" on "$1" "grep -q '^victim:' $TT/victim.out"
	keys=$(on "$1" "sed -n 's/^victim: addr=\(.*\) lkey=\(.*\) rkey=\(.*\)/\1 \2 \3/p' $TT/victim.out" | tr -d '\r')
	ok "victim in $1 on $2: addr lkey rkey = $keys"
}

# victim_done DOMAIN: stop the victim there; it checks its buffer.
victim_done() {
	on "$1" "touch /tmp/xenib-victim.stop" || fail "stopping the victim in $1"
	wait_for 60 "the victim in $1 finished" on "$1" "test -s $TT/victim.rc"
	job_out "$1" victim | sed 's/^/    /'
	[ "$(job_rc "$1" victim)" = 0 ] ||
		fail "the victim in $1 found its buffer changed, or failed"
}

# attack DOMAIN DEV: attack the current victim's keys from there.
attack() {
	local out rc
	out=$(on "$1" "xenib-verbs-test -d $2 attack $keys")
	rc=$?
	echo "$out" | sed 's/^/    /'
	[ "$rc" = 0 ] || fail "an attack from $1 on $2 did not fail as it must"
	[ "$2" != xenib0 ] || [ "$(prot_err "$out")" = "$PROT_ERR_XENIB" ] ||
		fail "$1's SEND from the foreign lkey completed with '$(prot_err "$out")', not '$PROT_ERR_XENIB'"
	ok "every attack from $1 ($2) failed"
}

victim guest2 xenib0
bad0=$(be_stat guest1 bad_wqes)
attack guest1 xenib0
attack dom0 rxe0
bad1=$(be_stat guest1 bad_wqes)
[ "$bad1" -ge $((bad0 + 1)) ] ||
	fail "guest1's backend counted no bad work for the foreign lkey ($bad0 -> $bad1)"
ok "guest1's backend refused the foreign lkey itself ($bad0 -> $bad1 bad_wqes)"
victim_done guest2

victim dom0 rxe0
attack guest1 xenib0
attack guest2 xenib0
victim_done dom0

wait_for 60 "backend objects back to $base" objs_are "$base"
for g in guest1 guest2; do
	on $g "xenib-verbs-test -d xenib0 ops" >/dev/null || fail "$g's data path afterwards"
done
ok "both guests' data paths work afterwards"
