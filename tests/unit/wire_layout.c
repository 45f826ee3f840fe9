// SPDX-License-Identifier: GPL-2.0
/*
 * The wire layout of include/xenib/xenibif.h is an ABI between guests and
 * backends that may be built by different compilers, for 32- or 64-bit, or
 * by other operating systems.  Freeze it: message sizes, ring capacities per
 * ring order, and the offsets of fields.  Built for -m64 and -m32.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <xen/io/ring.h>
#include <xenib/xenibif.h>

static int failures;

#define CHECK_EQ(what, got, want) do {					\
	unsigned long long g_ = (got), w_ = (want);			\
	if (g_ != w_) {							\
		printf("FAIL %s: got %llu, want %llu\n", what, g_, w_);	\
		failures++;						\
	}								\
} while (0)

#define OFF(type, field, want) \
	CHECK_EQ("offsetof(" #type ", " #field ")", offsetof(struct type, field), want)

int main(void)
{
	static const unsigned int slots[] = { 8, 16, 32, 64, 128 };
	unsigned int order;

	CHECK_EQ("sizeof request", sizeof(struct xenib_ctrl_request), XENIB_MSG_SIZE);
	CHECK_EQ("sizeof response", sizeof(struct xenib_ctrl_response), XENIB_MSG_SIZE);
	CHECK_EQ("payload offset", offsetof(struct xenib_ctrl_request, u), XENIB_MSG_HDR_SIZE);
	CHECK_EQ("response payload offset", offsetof(struct xenib_ctrl_response, u), XENIB_MSG_HDR_SIZE);

	for (order = 0; order <= XENIB_MAX_RING_PAGE_ORDER; order++) {
		char what[64];

		snprintf(what, sizeof(what), "ring slots at order %u", order);
		CHECK_EQ(what, XENIB_CTRL_RING_SIZE(1U << order), slots[order]);
	}

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

	printf("%s wire layout (%zu-bit)\n", failures ? "FAIL" : "ok",
	       sizeof(void *) * 8);
	return failures ? 1 : 0;
}
