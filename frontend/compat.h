/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-ibfront: what differs between the kernels it builds for.
 *
 * Each difference is detected by frontend/Kbuild in the headers of the
 * kernel being built for, so a distribution kernel that carries a change
 * back to an older release is handled as the release that made it.
 *
 * Copyright (c) 2026 The xenib authors
 */

#ifndef XENIB_FE_COMPAT_H
#define XENIB_FE_COMPAT_H

#include <rdma/ib_verbs.h>
#include <rdma/uverbs_ioctl.h>

/*
 * Since Linux 6.10 ib_device_ops.create_cq takes the whole uverbs attribute
 * bundle, whose driver_udata is what older kernels passed; kernel callers
 * (ib_alloc_cq) pass no bundle, as they passed no udata.
 */
#ifdef XENIB_CREATE_CQ_TAKES_ATTRS
#define XENIB_CREATE_CQ_ARG	struct uverbs_attr_bundle
static inline struct ib_udata *xenib_create_cq_udata(struct uverbs_attr_bundle *attrs)
{
	return attrs ? &attrs->driver_udata : NULL;
}
#else
#define XENIB_CREATE_CQ_ARG	struct ib_udata
static inline struct ib_udata *xenib_create_cq_udata(struct ib_udata *udata)
{
	return udata;
}
#endif

#endif /* XENIB_FE_COMPAT_H */
