/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-ibback: the module parameters (param.c), the one place their
 * defaults and meanings are written.
 *
 * Copyright (c) 2026 The xenib authors
 */

#ifndef XENIB_BE_PARAM_H
#define XENIB_BE_PARAM_H

/* engine_mode */
#define XENIB_ENGINE_ADAPTIVE	0	/* poll while busy, then sleep */
#define XENIB_ENGINE_POLL	1
#define XENIB_ENGINE_EVENT	2

extern unsigned int xenib_max_pds;
extern unsigned int xenib_max_cqs;
extern unsigned int xenib_max_qps;
extern unsigned int xenib_max_srqs;
extern unsigned int xenib_max_ahs;
extern unsigned int xenib_max_mrs;
extern unsigned int xenib_max_mws;
extern unsigned int xenib_max_mr_pages;
extern unsigned int xenib_max_queue_pages;
extern unsigned int xenib_mw_max_pages;
extern unsigned int xenib_max_ring_page_order;
extern unsigned int xenib_engine_mode;
extern unsigned int xenib_poll_us;
extern unsigned int xenib_idle_ms;
extern unsigned int xenib_idle_sleep_ms;
extern char *xenib_cm_hcas;

#endif /* XENIB_BE_PARAM_H */
