// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibfront: test interfaces that make this frontend a hostile one, in
 * the device's sysfs directory beside the others (sysfs.c), off unless
 * the raw_requests parameter is set.  Tests use them to show what the
 * backend does with malformed requests, requests changed while it reads
 * them and a misused ring, coming from a real guest over a real ring
 * (tests/verbs/xenib-raw.c, e2e-17, e2e-21, e2e-23).  Nothing here is on
 * the path of the frontend's own requests.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <xen/events.h>
#include "common.h"

/* raw_flip: rewrites per request, and what stays for the answer (bytes). */
#define XENIB_FLIP_ROUNDS	100000
#define XENIB_FLIP_KEEP		16

static struct xenib_fe *to_fe(struct device *dev)
{
	return dev_get_drvdata(dev);
}

/*
 * Send @req exactly as given, op and reserved fields included.  With
 * @flip, rewrite the request's tail in the ring with @flip's and back
 * while the backend may be reading it.  The header and the payload's
 * first XENIB_FLIP_KEEP bytes stay: the backend writes its answer there,
 * in the same slot.
 */
static int xenib_fe_call_raw(struct xenib_fe *fe,
			     struct xenib_ctrl_request *req,
			     const struct xenib_ctrl_request *flip,
			     struct xenib_ctrl_response *resp)
{
	struct xenib_ctrl_request *shared;
	struct xenib_fe_call *call;
	unsigned long flags;
	unsigned int i;

	call = xenib_fe_call_start(fe, req, resp, true, &shared);
	if (IS_ERR(call))
		return PTR_ERR(call);
	for (i = 0; flip && i < XENIB_FLIP_ROUNDS &&
	     !completion_done(&call->done); i++) {
		const struct xenib_ctrl_request *from = i & 1 ? req : flip;

		memcpy((u8 *)&shared->u + XENIB_FLIP_KEEP,
		       (const u8 *)&from->u + XENIB_FLIP_KEEP,
		       sizeof(shared->u) - XENIB_FLIP_KEEP);
		cpu_relax();
	}
	if (flip) {
		spin_lock_irqsave(&fe->lock, flags);
		fe->stats.flip_rewrites += i;
		spin_unlock_irqrestore(&fe->lock, flags);
	}
	return xenib_fe_call_wait(fe, call, req->op, resp, true);
}

/*
 * raw_request: writing a whole struct xenib_ctrl_request sends it as it
 * is (only the id is ours), op and reserved fields included; reading
 * gives the whole response to the last one.
 */
/* Send a raw request, changed under the backend into @flip if given. */
static ssize_t xenib_fe_raw_send(struct xenib_fe *fe, const char *buf,
				 const char *flip, size_t count)
{
	struct xenib_ctrl_request *req, *alt = NULL;
	struct xenib_ctrl_response *resp;
	int err;

	req = kmemdup(buf, sizeof(*req), GFP_KERNEL);
	if (flip)
		alt = kmemdup(flip, sizeof(*alt), GFP_KERNEL);
	resp = kzalloc(sizeof(*resp), GFP_KERNEL);
	if (!req || (flip && !alt) || !resp) {
		err = -ENOMEM;
		goto out;
	}
	err = xenib_fe_call_raw(fe, req, alt, resp);
	/* A response came (whatever its status) iff it carries our id. */
	if (resp->id == req->id && resp->id) {
		mutex_lock(&fe->raw_lock);
		swap(fe->raw_resp, resp);
		mutex_unlock(&fe->raw_lock);
		err = count;
	}
out:
	kfree(req);
	kfree(alt);
	kfree(resp);
	return err;
}

static ssize_t raw_request_write(struct file *file, struct kobject *kobj,
				 struct bin_attribute *attr, char *buf,
				 loff_t off, size_t count)
{
	if (!xenib_raw_requests)
		return -EPERM;
	if (off || count != sizeof(struct xenib_ctrl_request))
		return -EINVAL;
	return xenib_fe_raw_send(to_fe(kobj_to_dev(kobj)), buf, NULL, count);
}

/*
 * raw_flip: two whole requests; the first is sent, and its ring slot is
 * rewritten with the second's payload and back until the answer comes (a
 * frontend changing a request while the backend reads it).  The answer is
 * read from raw_request.
 */
static ssize_t raw_flip_write(struct file *file, struct kobject *kobj,
			      struct bin_attribute *attr, char *buf,
			      loff_t off, size_t count)
{
	size_t len = sizeof(struct xenib_ctrl_request);

	if (!xenib_raw_requests)
		return -EPERM;
	if (off || count != 2 * len)
		return -EINVAL;
	return xenib_fe_raw_send(to_fe(kobj_to_dev(kobj)), buf, buf + len,
				 count);
}
static BIN_ATTR_WO(raw_flip, 2 * sizeof(struct xenib_ctrl_request));

static ssize_t raw_request_read(struct file *file, struct kobject *kobj,
				struct bin_attribute *attr, char *buf,
				loff_t off, size_t count)
{
	struct xenib_fe *fe = to_fe(kobj_to_dev(kobj));
	ssize_t len = 0;

	if (!xenib_raw_requests)
		return -EPERM;
	mutex_lock(&fe->raw_lock);
	if (fe->raw_resp)
		len = memory_read_from_buffer(buf, count, &off, fe->raw_resp,
					      sizeof(*fe->raw_resp));
	mutex_unlock(&fe->raw_lock);
	return len;
}
static BIN_ATTR_RW(raw_request, sizeof(struct xenib_ctrl_request));

/*
 * raw_ring: what a hostile frontend does to the ring itself.  "storm N"
 * sends N notifications with nothing new on the ring; "overflow" publishes
 * a request producer index more than a ring ahead of the responses.
 */
static ssize_t raw_ring_store(struct device *dev,
			      struct device_attribute *attr, const char *buf,
			      size_t count)
{
	struct xenib_fe *fe = to_fe(dev);
	unsigned long flags;
	unsigned int i, n;

	if (!xenib_raw_requests)
		return -EPERM;
	if (sscanf(buf, "storm %u", &n) == 1) {
		if (!fe->irq)
			return -ENODEV;
		for (i = 0; i < n; i++) {
			notify_remote_via_irq(fe->irq);
			if (!(i % 1024))
				cond_resched();
		}
		return count;
	}
	if (!sysfs_streq(buf, "overflow"))
		return -EINVAL;
	spin_lock_irqsave(&fe->lock, flags);
	if (!fe->connected) {
		spin_unlock_irqrestore(&fe->lock, flags);
		return -ENODEV;
	}
	WRITE_ONCE(fe->ctrl.sring->req_prod,
		   fe->ctrl.rsp_cons + RING_SIZE(&fe->ctrl) + 1);
	notify_remote_via_irq(fe->irq);
	spin_unlock_irqrestore(&fe->lock, flags);
	return count;
}
static DEVICE_ATTR_WO(raw_ring);

static struct bin_attribute *xenib_fe_raw_bin_attrs[] = {
	&bin_attr_raw_request,
	&bin_attr_raw_flip,
	NULL
};

static struct attribute *xenib_fe_raw_attrs[] = {
	&dev_attr_raw_ring.attr,
	NULL
};

const struct attribute_group xenib_fe_raw_group = {
	.attrs = xenib_fe_raw_attrs,
	.bin_attrs = xenib_fe_raw_bin_attrs,
};
