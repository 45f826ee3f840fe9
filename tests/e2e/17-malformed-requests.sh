#!/bin/bash
# A hostile frontend: guest1's frontend, switched to its raw_request test
# interface, sends malformed control requests over its real ring.  The
# backend answers each with the error the protocol names (EOPNOTSUPP for
# unknown operations, EINVAL for malformed ones, ENOENT for handles the
# guest does not have -- another guest's included, EACCES for CM MADs not
# from an address of the guest's own), maps nothing for bad queue or
# memory descriptions (bad grant references included), and keeps serving
# this guest and the others.
. "$(dirname "$0")/lib.sh"

ensure_connected guest1
ensure_rdma guest2
raw_requests guest1 1
trap 'raw_requests guest1 0 >/dev/null 2>&1' EXIT
RES=/sys/bus/xen-backend/devices/xenib-$(domid guest1)-0/resources

# expect STATUS DESCRIPTION OP [ARGS...]: the backend answers STATUS.
expect() {
	local want=$1 desc=$2 got
	shift 2
	got=$(on guest1 "xenib-raw $*" | tr -d '\r' | sed -n 's/^status //p')
	[ "$got" = "$want" ] || fail "$desc: backend answered '${got:-nothing}', expected $want"
	ok "$desc: $want"
}
# raw_handle OP [ARGS...]: the handle (word 0) the backend answered.
raw_handle() {
	on guest1 "xenib-raw -n 1 $*" | tr -d '\r' | sed -n 's/^word 0 //p'
}

eval "$(wire_names)"	# OP_* from xenibif.h, EINVAL=-22 ...

# Queue descriptions: struct xenib_queue is nr_pages, then log2 element
# size | log2 slots << 8 | nr_indirect << 16, then the first of
# XENIB_QUEUE_MAX_INDIRECT (8) indirect refs.
q() { echo "$1 $(($2 | $3 << 8 | $4 << 16)) ${5:-0}"; }
QREST="0 0 0 0 0 0 0"	# the other 7

expect 0 "a well-formed NOP" $OP_NOP 7 0 0 0
expect $EOPNOTSUPP "unknown operation 99" 99
expect $EOPNOTSUPP "unknown operation 65535" 65535
expect $EINVAL "reserved header field set" -0 1 $OP_NOP
expect $EINVAL "NOP with unknown flags" $OP_NOP 7 0 0x80 0

# Handles the guest does not have.
for h in 0 1 7 4000000000; do
	expect $ENOENT "DEALLOC_PD of unknown handle $h" $OP_DEALLOC_PD $h
done
expect $ENOENT "DESTROY_CQ of an unknown CQ" $OP_DESTROY_CQ 3
expect $ENOENT "DESTROY_QP of an unknown QP" $OP_DESTROY_QP 1
expect $ENOENT "MODIFY_QP of an unknown QP" $OP_MODIFY_QP 1 1
expect $ENOENT "QUERY_SRQ of an unknown SRQ" $OP_QUERY_SRQ 1
expect $ENOENT "DEREG_MR of an unknown MR" $OP_DEREG_MR 1
expect $ENOENT "RESIZE_CQ of an unknown CQ" $OP_RESIZE_CQ 1 1 $(q 1 6 1 1)
expect $EINVAL "DEALLOC_PD with its reserved word set" $OP_DEALLOC_PD 1 1
# A request's form is checked before its handle is looked up: struct
# xenib_qp_attr's 13th word is alt_timeout | rsvd[3] << 8; struct
# xenib_srq_attr is max_wr, max_sge, srq_limit, rsvd.
expect $EINVAL "MODIFY_QP with a reserved byte set" $OP_MODIFY_QP 1 1 \
	0 0 0 0 0 0 0 0 0 0 0 0 0x100
expect $EINVAL "MODIFY_SRQ with its reserved word set" $OP_MODIFY_SRQ 1 2 \
	0 0 8 1
# An RC QP of one SGE and 1 work request each way, well formed but for
# the PD: pd, CQs, SRQ, type, rsvd, cap (6 words), send and receive queue.
expect $ENOENT "CREATE_QP in an unknown PD" $OP_CREATE_QP 12345 1 1 0 2 0 \
	1 1 1 1 0 0 $(q 1 8 1 1) $QREST $(q 1 6 1 1)
expect $ENOENT "CREATE_AH in an unknown PD" $OP_CREATE_AH 12345

# Another guest's handles are just unknown numbers.
pds0=$(backend_pds)
hold_pds guest2 3
wait_for 60 "guest2 holds 3 PDs (its handles 1..3)" pds_are $((pds0 + 3))
for h in 1 2 3; do
	expect $ENOENT "DEALLOC_PD of guest2's handle $h" $OP_DEALLOC_PD $h
done
check "guest2's PDs are untouched" pds_are $((pds0 + 3))
h=$(raw_handle $OP_ALLOC_PD)
[ "$h" = 1 ] || fail "guest1's first PD has handle '$h', expected 1 (handles are per guest)"
ok "guest1 gets its own PD handle 1 beside guest2's"
expect 0 "DEALLOC_PD of guest1's own handle 1" $OP_DEALLOC_PD 1
check "guest2's PDs still untouched" pds_are $((pds0 + 3))
job_stop guest2 hold
wait_for 60 "guest2's PDs released when its process dies" pds_are "$pds0"

expect $EINVAL "CREATE_CQ of 0 entries" $OP_CREATE_CQ 0 0 $(q 1 6 1 1)
expect $EINVAL "CREATE_CQ of 2^31 entries" $OP_CREATE_CQ 0x80000000 0 $(q 1 6 1 1)
expect $EINVAL "CREATE_CQ with the reserved word set" $OP_CREATE_CQ 1 1 $(q 1 6 1 1)
expect $EINVAL "CREATE_CQ whose page count does not fit" $OP_CREATE_CQ 1 0 $(q 5 6 1 1)
expect $EINVAL "CREATE_CQ with 8-byte elements" $OP_CREATE_CQ 1 0 $(q 1 3 1 1)
expect $EINVAL "CREATE_CQ with 2^30 slots" $OP_CREATE_CQ 1 0 $(q 1 6 30 1)
expect $EINVAL "CREATE_CQ with too few slots for its entries" $OP_CREATE_CQ 8 0 $(q 1 6 2 1)
expect $EINVAL "CREATE_CQ without indirect pages" $OP_CREATE_CQ 1 0 $(q 1 6 1 0)
expect $EINVAL "CREATE_CQ listing a bad grant reference" $OP_CREATE_CQ 1 0 $(q 1 6 1 1 99999)
expect $EINVAL "CREATE_CQ of 8193 pages (beyond 8 indirect pages)" \
	$OP_CREATE_CQ 100 0 $(q 8193 12 13 9)

# Memory registrations: pd access iova(lo hi) length(lo hi) offset
# nr_pages nr_indirect|rsvd0<<16 rsvd1 indirect...
pd=$(raw_handle $OP_ALLOC_PD)
[ -n "$pd" ] || fail "allocating a PD for the MR cases"
expect $EINVAL "REG_MR of 0 bytes" $OP_REG_MR $pd 1 0x10000 0 0 0 0 0 0 0
expect $EINVAL "REG_MR with unknown access bits" $OP_REG_MR $pd 0x100 0x10000 0 4096 0 0 1 1 0 1
expect $EINVAL "REG_MR with remote write but no local write" $OP_REG_MR $pd 2 0x10000 0 4096 0 0 1 1 0 1
expect $EINVAL "REG_MR whose page count does not fit its length" $OP_REG_MR $pd 1 0x10000 0 4096 0 0 3 1 0 1
expect $EINVAL "REG_MR whose offset is not the iova's" $OP_REG_MR $pd 1 0x10000 0 4096 0 100 2 1 0 1
expect $EINVAL "REG_MR of 2^40 bytes" $OP_REG_MR $pd 1 0x10000 0 0 256 0 268435456 1 0 1
# Found by make fuzz: 2^64-10 bytes made the page count wrap to 0.
expect $EINVAL "REG_MR of 2^64-10 bytes over no pages" $OP_REG_MR $pd 1 0 0 0xfffffff6 0xffffffff 0 0 0 0 0
expect $EINVAL "REG_MR wrapping the address space" $OP_REG_MR $pd 1 0xfffff000 0xffffffff 8192 0 0 2 1 0 1
expect $EINVAL "REG_MR listing a bad grant reference" $OP_REG_MR $pd 1 0x10000 0 4096 0 0 1 1 0 99999
expect $ENOENT "REG_MR in an unknown PD" $OP_REG_MR 777 1 0x10000 0 4096 0 0 1 1 0 1
expect 0 "DEALLOC_PD of that PD" $OP_DEALLOC_PD $pd

# CM MADs (guest1 has no address of its own here): struct xenib_send_mad_req
# is an address vector (12 words: dgid, sgid, flow label, hop limit |
# traffic class << 8 ..., gid type | flags << 8 | dmac ...), remote QPN,
# Q_Key, pkey_index | rsvd0 << 16, rsvd1, then the MAD, whose first word
# is base version | class << 8 | class version << 16 | method << 24.
ZERO4="0 0 0 0"
AV="$ZERO4 0x000080fe 0 0 0x01000000 0 64 0x100 0"	# GRH, from fe80::1
CM_SEND=0x03020701 QP1_QKEY=0x80010000
expect $EINVAL "SEND_MAD to QP 2" $OP_SEND_MAD $AV 2 $QP1_QKEY 0 0 $CM_SEND
expect $EINVAL "SEND_MAD with another Q_Key" $OP_SEND_MAD $AV 1 0x1234 0 0 $CM_SEND
expect $EINVAL "SEND_MAD with its reserved words set" $OP_SEND_MAD $AV 1 $QP1_QKEY 0x10000 1 $CM_SEND
expect $EINVAL "SEND_MAD of a subnet administration MAD" $OP_SEND_MAD $AV 1 $QP1_QKEY 0 0 0x03020301
expect $EINVAL "SEND_MAD of a CM GetResp" $OP_SEND_MAD $AV 1 $QP1_QKEY 0 0 0x81020701
expect $EINVAL "SEND_MAD with P_Key index 9999" $OP_SEND_MAD $AV 1 $QP1_QKEY 9999 0 $CM_SEND
expect $EACCES "SEND_MAD of a CM MAD from a link-local GID" $OP_SEND_MAD $AV 1 $QP1_QKEY 0 0 $CM_SEND
expect $EACCES "SEND_MAD without a GRH" $OP_SEND_MAD $ZERO4 $ZERO4 0 64 0 0 1 $QP1_QKEY 0 0 $CM_SEND
expect $ENOENT "RECV_MAD with nothing queued" $OP_RECV_MAD

used=$(on dom0 "cat $RES" | tr -d '\r' | awk '$2 != 0' | tr '\n' ' ')
[ -z "$used" ] || fail "the backend holds something for guest1 after all that: $used"
ok "the backend holds nothing for guest1: no object, no mapped page"
raw_requests guest1 0
on guest1 "xenib-raw 0 1 0 0 0 2>&1" | grep -q "Operation not permitted" ||
	fail "raw requests still allowed after switching them off"
ok "raw requests refused once switched off"
check "guest1 still connected" is_connected guest1
on guest1 "xenib-verbs-test -d xenib0 qp" >/dev/null || fail "guest1's device after the hostile requests"
ok "guest1's device still works"
on guest2 "xenib-verbs-test -d xenib0 qp" >/dev/null || fail "guest2's device"
ok "guest2's device still works"
