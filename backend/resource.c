// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibback: the objects a frontend owns on the real device.
 *
 * Each frontend names its objects by handles from a per-frontend table, one
 * table per object type, so a guest can only ever reach its own objects:
 * a handle of another guest is just a number missing from this guest's
 * table.  Tables are bounded by per-guest quotas.  Everything runs with
 * be->lock held, which also keeps the real device (be->hca) alive.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/module.h>
#include <linux/slab.h>
#include "common.h"

static unsigned int max_pds = 1024;
module_param(max_pds, uint, 0644);
MODULE_PARM_DESC(max_pds, "Protection domains per guest device");

struct xenib_be_pd {
	struct ib_pd *pd;
	/* Objects created in this PD; it cannot go while there are any. */
	unsigned int users;
};

void xenib_be_resources_init(struct xenib_be *be)
{
	xa_init_flags(&be->pds, XA_FLAGS_ALLOC1);
}

/*
 * Release every object of @be on the real device: the connection ended or
 * the device is going away.  Called with be->lock held.
 */
void xenib_be_resources_release(struct xenib_be *be)
{
	struct xenib_be_pd *pd;
	unsigned long handle;

	xa_for_each(&be->pds, handle, pd) {
		xa_erase(&be->pds, handle);
		ib_dealloc_pd(pd->pd);
		kfree(pd);
	}
}

/* What the guest may count on: the device's limits, capped by its quotas. */
void xenib_be_resources_cap(struct xenib_device_attr *attr)
{
	attr->max_pd = min(attr->max_pd, max_pds);
}

int xenib_be_alloc_pd(struct xenib_be *be, struct xenib_handle_resp *resp)
{
	struct xenib_be_pd *pd;
	u32 handle;
	int err;

	if (!be->hca)
		return -ENODEV;
	pd = kzalloc(sizeof(*pd), GFP_KERNEL);
	if (!pd)
		return -ENOMEM;

	err = xa_alloc(&be->pds, &handle, pd, XA_LIMIT(1, max_pds),
		       GFP_KERNEL);
	if (err) {
		kfree(pd);
		/* xa_alloc says -EBUSY when the quota is used up. */
		return err == -EBUSY ? -ENOMEM : err;
	}

	/*
	 * A kernel PD: on devices without a local DMA lkey (rxe) it carries
	 * an all-memory DMA MR, so pd->local_dma_lkey must never be accepted
	 * from a guest; guest SGEs are checked against the guest's own MRs.
	 */
	pd->pd = ib_alloc_pd(be->hca->ibdev, 0);
	if (IS_ERR(pd->pd)) {
		err = PTR_ERR(pd->pd);
		xa_erase(&be->pds, handle);
		kfree(pd);
		return err;
	}
	resp->handle = handle;
	return 0;
}

int xenib_be_dealloc_pd(struct xenib_be *be, const struct xenib_handle_req *req)
{
	struct xenib_be_pd *pd;

	if (req->rsvd)
		return -EINVAL;
	pd = xa_load(&be->pds, req->handle);
	if (!pd)
		return -ENOENT;
	if (pd->users)
		return -EBUSY;
	xa_erase(&be->pds, req->handle);
	ib_dealloc_pd(pd->pd);
	kfree(pd);
	return 0;
}
