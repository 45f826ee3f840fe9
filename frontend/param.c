// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibfront: every module parameter, with its default and meaning, in
 * one place (declared in common.h).
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/module.h>
#include "common.h"

/* Read once, at load: a connected ring keeps the size it was given. */
unsigned int xenib_ring_page_order = 2;
module_param_named(ring_page_order, xenib_ring_page_order, uint, 0444);
MODULE_PARM_DESC(ring_page_order,
		 "Control ring size wanted, log2 of pages (0-4; the backend may allow less)");

unsigned int xenib_ctrl_timeout_ms = 30000;
module_param_named(ctrl_timeout_ms, xenib_ctrl_timeout_ms, uint, 0644);
MODULE_PARM_DESC(ctrl_timeout_ms,
		 "How long a control request waits for the backend (ms)");

/* The test interfaces of frontend/raw.c, which let a test forge requests. */
bool xenib_raw_requests;
module_param_named(raw_requests, xenib_raw_requests, bool, 0644);
MODULE_PARM_DESC(raw_requests,
		 "Allow sending raw control requests through sysfs (testing)");
