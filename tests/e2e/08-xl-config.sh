#!/bin/bash
# A domain whose xl config file lists an xenib device gets it on creation
# (xenib-create), and plain xl ignores the key it does not know.
. "$(dirname "$0")/lib.sh"

guest_running guest2 && on dom0 "xl destroy guest2"
cfg=$("$TB" guest cfg guest2) || fail "testbed has no config for guest2"
xcfg=$TT/guest2-xenib.cfg
on dom0 "mkdir -p $TT && cp $cfg $xcfg && echo \"xenib = [ 'hca=rxe0,port=1' ]\" >> $xcfg"

# A failed step must not leave a paused guest2 behind for the next test.
trap 'on dom0 "xl list guest2 >/dev/null 2>&1 && xl list guest2 | grep -q -- --p && xl destroy guest2"' EXIT

# What does xl do with a key it does not know?  Create paused and look.
out=$(on dom0 "xl create -p $xcfg 2>&1; echo rc=\$?")
echo "$out"
echo "$out" | grep -q "rc=0" || fail "xl create rejected the config with an xenib key"
said=$(echo "$out" | grep -v -e '^Parsing config from' -e '^rc=')
[ -z "$said" ] || fail "xl said something about the config: $said"
ok "xl accepts and silently ignores 'xenib = [...]'"
check "plain xl attached nothing" test "$(xs_state "$(be_path guest2)")" = gone
on dom0 "xl destroy guest2" || fail "destroying the paused guest2"

on dom0 "modprobe xen-ibback && xenib-create $xcfg" || fail "xenib-create"
state=$(xs_state "$(fe_path guest2)")
[ "$state" != gone ] || fail "no frontend directory after xenib-create"
ok "device present from boot (frontend state $state)"
wait_for 300 "guest2 booted" on guest2 true
# Like udev would: load the driver named by the device's modalias.
# shellcheck disable=SC2016 # expands in the guest
on guest2 'modprobe $(cat /sys/bus/xen/devices/xenib-0/modalias)' || fail "modalias xen:xenib does not load xen-ibfront"
ok "modalias loads xen-ibfront"
wait_for 120 "guest2 connected" is_connected guest2
check "guest2 round trip" ping_ok guest2
check "guest1 unaffected" ping_ok guest1
