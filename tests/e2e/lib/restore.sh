# SPDX-License-Identifier: GPL-2.0
# What save, restore and migration tests share (e2e-34, e2e-35,
# tests/long/45).  Sourced by tests/e2e/lib.sh, which the tests source.

# start_holders GUEST "PDs CQs QPs" [MRS]: start in GUEST a process
# listening for async events (job "ev") and one holding a PD, CQs, QPs,
# an SRQ and an AH (job "objs"), and with MRS one holding an 8 MiB MR
# (job "mr"); wait until the backend holds these objects and MRS MRs.
start_holders() {
	job_start "$1" ev xenib-verbs-test -d xenib0 async 600 ||
		fail "starting a process listening for async events"
	job_start "$1" objs xenib-verbs-test -d xenib0 hold-objs 600 ||
		fail "starting a process that holds every kind of object"
	if [ -n "${3:-}" ]; then
		job_start "$1" mr xenib-verbs-test -d xenib0 hold-mr 8 600 ||
			fail "starting a process that holds an MR"
	fi
	wait_for 60 "the backend holds the processes' objects" held_are "$2"
	[ -z "${3:-}" ] || wait_for 60 "the backend holds the MR" mrs_are "$3"
}

# fatal_event GUEST: the event listener of start_holders got the
# device's fatal event.
fatal_event() { job_out "$1" ev | grep -q "local catastrophic error"; }

# down_msgs GUEST: how often the guest's frontend said that no backend
# came after a restore; more_down_msgs GUEST N: more than N times.
down_msgs() { on "$1" "dmesg | grep -c 'no backend after the restore'" | tr -d '\r'; }
more_down_msgs() { [ "$(down_msgs "$1")" -gt "$2" ]; }
