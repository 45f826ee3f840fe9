// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibback: every module parameter, with its default and meaning, in one
 * place (param.h declares them).  Quotas bound what one guest device may
 * hold on the real device; the engine's timing trades Dom0 CPU for
 * latency (docs/decisions.md, "Data path").
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/module.h>
#include "common.h"

/* Quotas per guest device; docs/backend-sysfs.md shows their use. */
unsigned int xenib_max_pds = 1024;
module_param_named(max_pds, xenib_max_pds, uint, 0644);
MODULE_PARM_DESC(max_pds, "Protection domains per guest device");

unsigned int xenib_max_cqs = 4096;
module_param_named(max_cqs, xenib_max_cqs, uint, 0644);
MODULE_PARM_DESC(max_cqs, "Completion queues per guest device");

unsigned int xenib_max_qps = 4096;
module_param_named(max_qps, xenib_max_qps, uint, 0644);
MODULE_PARM_DESC(max_qps, "Queue pairs per guest device");

unsigned int xenib_max_srqs = 1024;
module_param_named(max_srqs, xenib_max_srqs, uint, 0644);
MODULE_PARM_DESC(max_srqs, "Shared receive queues per guest device");

unsigned int xenib_max_ahs = 4096;
module_param_named(max_ahs, xenib_max_ahs, uint, 0644);
MODULE_PARM_DESC(max_ahs, "Address handles per guest device");

unsigned int xenib_max_mrs = 4096;
module_param_named(max_mrs, xenib_max_mrs, uint, 0644);
MODULE_PARM_DESC(max_mrs, "Memory regions per guest device");

unsigned int xenib_max_mws = 256;
module_param_named(max_mws, xenib_max_mws, uint, 0644);
MODULE_PARM_DESC(max_mws, "Memory windows per guest device");

unsigned int xenib_max_mr_pages = 262144;
module_param_named(max_mr_pages, xenib_max_mr_pages, uint, 0644);
MODULE_PARM_DESC(max_mr_pages,
		 "Pages of guest memory a guest device may have registered");

unsigned int xenib_max_queue_pages = 65536;
module_param_named(max_queue_pages, xenib_max_queue_pages, uint, 0644);
MODULE_PARM_DESC(max_queue_pages,
		 "Pages of queue memory a guest device may have mapped");

/*
 * The real device sizes an MR's page list when it is allocated, and a
 * window's MR is allocated with the window, before anyone knows what it
 * will be bound to: this is what each window may span (16 MiB), and it
 * costs the real device (rxe on Linux 6.1) 16 bytes per page per window.
 */
unsigned int xenib_mw_max_pages = 4096;
module_param_named(mw_max_pages, xenib_mw_max_pages, uint, 0644);
MODULE_PARM_DESC(mw_max_pages,
		 "Pages a memory window may span (set when it is allocated)");

/* Read once, at load: a connected ring keeps the size it was offered. */
unsigned int xenib_max_ring_page_order = XENIB_MAX_RING_PAGE_ORDER;
module_param_named(max_ring_page_order, xenib_max_ring_page_order, uint,
		   0444);
MODULE_PARM_DESC(max_ring_page_order,
		 "Largest control ring a frontend may use, log2 of pages (0-4)");

unsigned int xenib_engine_mode = XENIB_ENGINE_ADAPTIVE;
module_param_named(engine_mode, xenib_engine_mode, uint, 0644);
MODULE_PARM_DESC(engine_mode,
		 "Data path engine: 0 adaptive (poll while busy, then sleep), 1 always poll, 2 never poll (events only)");

unsigned int xenib_poll_us = 200;
module_param_named(poll_us, xenib_poll_us, uint, 0644);
MODULE_PARM_DESC(poll_us,
		 "Adaptive engine: how long to keep polling after the last work (us)");

unsigned int xenib_idle_ms = 1;
module_param_named(idle_ms, xenib_idle_ms, uint, 0644);
MODULE_PARM_DESC(idle_ms,
		 "How often a sleeping engine looks at receive queues (ms)");

unsigned int xenib_idle_sleep_ms = 1000;
module_param_named(idle_sleep_ms, xenib_idle_sleep_ms, uint, 0644);
MODULE_PARM_DESC(idle_sleep_ms,
		 "After this long without work (ms), an engine whose receive queues all have receives at the real device stops looking every idle_ms and sleeps until woken; 0: never");

/* Read once, at load, when the backend takes over devices' CM classes. */
char *xenib_cm_hcas = "all";
module_param_named(cm_hcas, xenib_cm_hcas, charp, 0444);
MODULE_PARM_DESC(cm_hcas,
		 "RDMA devices whose connection manager the backend relays to guests: \"all\" (default), \"none\" or a comma-separated list of names; the others stay with this domain's ib_cm");
