// SPDX-License-Identifier: GPL-2.0
/*
 * The wire layout of include/xenib/xenibif.h is an ABI between guests and
 * backends that may be built by different compilers, for 32- or 64-bit, or
 * by other operating systems.  Freeze it: message sizes, ring capacities per
 * ring order, and the offsets of fields.  Every check is a compile-time
 * assertion, so compiling for -m64 and -m32 is the test: a 32-bit layout is
 * verified even on hosts that cannot run 32-bit programs.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <xen/io/ring.h>
#include <xenib/xenibif.h>
#include <xenib/libxenib.h>

#define CHECK_EQ(what, got, want) _Static_assert((got) == (want), what)

/* The tools' copy of the address limit is the protocol's. */
CHECK_EQ("XENIB_ATTACH_MAX_ADDRS", XENIB_ATTACH_MAX_ADDRS, XENIB_MAX_ADDRS);

#define OFF(type, field, want) \
	CHECK_EQ("offsetof(" #type ", " #field ")", offsetof(struct type, field), want)

int main(void)
{
	CHECK_EQ("sizeof request", sizeof(struct xenib_ctrl_request), XENIB_MSG_SIZE);
	CHECK_EQ("sizeof response", sizeof(struct xenib_ctrl_response), XENIB_MSG_SIZE);
	CHECK_EQ("payload offset", offsetof(struct xenib_ctrl_request, u), XENIB_MSG_HDR_SIZE);
	CHECK_EQ("response payload offset", offsetof(struct xenib_ctrl_response, u), XENIB_MSG_HDR_SIZE);

	CHECK_EQ("ring slots at order 0", XENIB_CTRL_RING_SIZE(1), 8);
	CHECK_EQ("ring slots at order 1", XENIB_CTRL_RING_SIZE(2), 16);
	CHECK_EQ("ring slots at order 2", XENIB_CTRL_RING_SIZE(4), 32);
	CHECK_EQ("ring slots at order 3", XENIB_CTRL_RING_SIZE(8), 64);
	CHECK_EQ("ring slots at order 4", XENIB_CTRL_RING_SIZE(16), 128);
	CHECK_EQ("largest ring order", XENIB_MAX_RING_PAGE_ORDER, 4);

	CHECK_EQ("device attr fits", sizeof(struct xenib_device_attr) <= XENIB_MSG_PAYLOAD, 1);
	CHECK_EQ("port attr fits", sizeof(struct xenib_port_attr) <= XENIB_MSG_PAYLOAD, 1);
	CHECK_EQ("sizeof device attr", sizeof(struct xenib_device_attr), 288);
	CHECK_EQ("sizeof port attr", sizeof(struct xenib_port_attr), 80);
	CHECK_EQ("sizeof event", sizeof(struct xenib_event), 16);
	CHECK_EQ("event ring offset", offsetof(struct xenib_event_sring, ring), 64);
	CHECK_EQ("event ring fits a page", sizeof(struct xenib_event_sring) <= XENIB_PAGE_SIZE, 1);

	OFF(xenib_ctrl_request, id, 0);
	OFF(xenib_ctrl_request, op, 8);
	OFF(xenib_ctrl_response, status, 12);
	OFF(xenib_nop_req, flags, 8);
	OFF(xenib_device_attr, node_guid, 8);
	OFF(xenib_device_attr, vendor_id, 72);
	OFF(xenib_device_attr, max_pkeys, 216);
	OFF(xenib_device_attr, phys_port_cnt, 223);
	OFF(xenib_device_attr, name, 224);
	OFF(xenib_port_attr, state, 8);
	OFF(xenib_port_attr, core_cap_flags, 52);
	OFF(xenib_port_attr, link_layer, 69);
	OFF(xenib_port_attr, mac, 71);
	OFF(xenib_query_pkey_req, rsvd1, 4);
	OFF(xenib_handle_req, rsvd, 4);
	OFF(xenib_event, data, 8);
	OFF(xenib_event_sring, overflows, 8);
	OFF(xenib_event_sring, backend_polling, 12);

	/* Queues and the objects that carry them. */
	CHECK_EQ("sizeof queue", sizeof(struct xenib_queue), 40);
	CHECK_EQ("sizeof ah attr", sizeof(struct xenib_ah_attr), 48);
	CHECK_EQ("sizeof qp cap", sizeof(struct xenib_qp_cap), 24);
	CHECK_EQ("sizeof qp attr", sizeof(struct xenib_qp_attr), 172);
	CHECK_EQ("sizeof create_qp req", sizeof(struct xenib_create_qp_req), 128);
	CHECK_EQ("sizeof modify_qp req", sizeof(struct xenib_modify_qp_req), 180);
	CHECK_EQ("sizeof create_srq req", sizeof(struct xenib_create_srq_req), 64);
	CHECK_EQ("sizeof create_ah req", sizeof(struct xenib_create_ah_req), 56);
	CHECK_EQ("queue indirect pages cover", XENIB_QUEUE_MAX_PAGES, 8192);
	OFF(xenib_queue, log2_elem_size, 4);
	OFF(xenib_queue, nr_indirect, 6);
	OFF(xenib_queue, indirect, 8);
	OFF(xenib_create_cq_req, queue, 8);
	OFF(xenib_resize_cq_req, cqe, 4);
	OFF(xenib_resize_cq_req, queue, 8);
	OFF(xenib_ah_attr, flow_label, 32);
	OFF(xenib_ah_attr, dmac, 42);
	OFF(xenib_qp_attr, pkey_index, 36);
	OFF(xenib_qp_attr, cap, 52);
	OFF(xenib_qp_attr, ah_attr, 76);
	OFF(xenib_qp_attr, alt_ah_attr, 124);
	OFF(xenib_create_qp_req, qp_type, 16);
	OFF(xenib_create_qp_req, cap, 24);
	OFF(xenib_create_qp_req, sq, 48);
	OFF(xenib_create_qp_req, rq, 88);
	OFF(xenib_create_qp_resp, cap, 8);
	OFF(xenib_modify_qp_req, attr, 8);
	OFF(xenib_create_srq_req, queue, 24);
	OFF(xenib_create_srq_resp, attr, 8);
	OFF(xenib_create_ah_req, attr, 8);
	CHECK_EQ("sizeof reg_mr req", sizeof(struct xenib_reg_mr_req), 424);
	CHECK_EQ("MR pages per request", XENIB_MR_MAX_PAGES, 98304);
	OFF(xenib_reg_mr_req, iova, 8);
	OFF(xenib_reg_mr_req, offset, 24);
	OFF(xenib_reg_mr_req, nr_indirect, 32);
	OFF(xenib_reg_mr_req, indirect, 40);
	OFF(xenib_reg_mr_resp, rkey, 8);
	CHECK_EQ("sizeof mcast req", sizeof(struct xenib_mcast_req), 24);
	OFF(xenib_mcast_req, lid, 4);
	OFF(xenib_mcast_req, gid, 8);
	CHECK_EQ("sizeof send_mad req", sizeof(struct xenib_send_mad_req), 320);
	OFF(xenib_send_mad_req, remote_qpn, 48);
	OFF(xenib_send_mad_req, pkey_index, 56);
	OFF(xenib_send_mad_req, mad, 64);
	CHECK_EQ("sizeof recv_mad resp", sizeof(struct xenib_recv_mad_resp), 304);
	OFF(xenib_recv_mad_resp, src_qp, 32);
	OFF(xenib_recv_mad_resp, pkey_index, 40);
	OFF(xenib_recv_mad_resp, network_type, 44);
	OFF(xenib_recv_mad_resp, pending, 46);
	OFF(xenib_recv_mad_resp, mad, 48);

	printf("ok wire layout (%zu-bit)\n", sizeof(void *) * 8);
	return 0;
}
