// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibfront: test interfaces that make this frontend a hostile one, in
 * debugfs (xen-ibfront/<device>/ under its mount, usually
 * /sys/kernel/debug), off unless the raw_requests parameter is set.
 * Tests use them to show what the backend does with malformed requests,
 * requests changed while it reads them and a misused ring, coming from a
 * real guest over a real ring (tests/verbs/xenib-raw.c, e2e-17, e2e-23).
 * Nothing here is on the path of the frontend's own requests.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <xen/events.h>
#include "common.h"

/* raw_flip: rewrites per request, and what stays for the answer (bytes). */
#define XENIB_FLIP_ROUNDS	100000
#define XENIB_FLIP_KEEP		16

static struct dentry *xenib_fe_debugfs;

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

/* A write of exactly @len bytes at offset 0: the whole of a request. */
static void *xenib_fe_raw_copy(const char __user *ubuf, size_t count,
			       loff_t *ppos, size_t len)
{
	if (*ppos || count != len)
		return ERR_PTR(-EINVAL);
	return memdup_user(ubuf, len);
}

/*
 * raw_request: writing a whole struct xenib_ctrl_request sends it as it
 * is (only the id is ours), op and reserved fields included; reading
 * gives the whole response to the last one.
 */
static ssize_t raw_request_write(struct file *file, const char __user *ubuf,
				 size_t count, loff_t *ppos)
{
	size_t len = sizeof(struct xenib_ctrl_request);
	ssize_t ret;
	char *buf;

	if (!xenib_raw_requests)
		return -EPERM;
	buf = xenib_fe_raw_copy(ubuf, count, ppos, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = xenib_fe_raw_send(file->private_data, buf, NULL, count);
	kfree(buf);
	return ret;
}

static ssize_t raw_request_read(struct file *file, char __user *ubuf,
				size_t count, loff_t *ppos)
{
	struct xenib_fe *fe = file->private_data;
	struct xenib_ctrl_response resp = {};

	if (!xenib_raw_requests)
		return -EPERM;
	mutex_lock(&fe->raw_lock);
	if (!fe->raw_resp) {
		mutex_unlock(&fe->raw_lock);
		return 0;
	}
	resp = *fe->raw_resp;
	mutex_unlock(&fe->raw_lock);
	return simple_read_from_buffer(ubuf, count, ppos, &resp, sizeof(resp));
}

static const struct file_operations raw_request_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = raw_request_read,
	.write = raw_request_write,
	.llseek = default_llseek,
};

/*
 * raw_flip: two whole requests; the first is sent, and its ring slot is
 * rewritten with the second's payload and back until the answer comes (a
 * frontend changing a request while the backend reads it).  The answer is
 * read from raw_request.
 */
static ssize_t raw_flip_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	size_t len = sizeof(struct xenib_ctrl_request);
	ssize_t ret;
	char *buf;

	if (!xenib_raw_requests)
		return -EPERM;
	buf = xenib_fe_raw_copy(ubuf, count, ppos, 2 * len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = xenib_fe_raw_send(file->private_data, buf, buf + len, count);
	kfree(buf);
	return ret;
}

static const struct file_operations raw_flip_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = raw_flip_write,
	.llseek = default_llseek,
};

/*
 * raw_ring: what a hostile frontend does to the ring itself.  "storm N"
 * sends N notifications with nothing new on the ring; "overflow" publishes
 * a request producer index more than a ring ahead of the responses.
 */
static ssize_t raw_ring_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	struct xenib_fe *fe = file->private_data;
	unsigned long flags;
	unsigned int i, n;
	char buf[32];

	if (!xenib_raw_requests)
		return -EPERM;
	if (*ppos || !count || count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = 0;
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

static const struct file_operations raw_ring_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = raw_ring_write,
	.llseek = default_llseek,
};

/* The device's directory; removing it waits for calls under way. */
void xenib_fe_raw_add(struct xenib_fe *fe)
{
	fe->raw_dir = debugfs_create_dir(dev_name(&fe->dev->dev),
					 xenib_fe_debugfs);
	debugfs_create_file("raw_request", 0600, fe->raw_dir, fe,
			    &raw_request_fops);
	debugfs_create_file("raw_flip", 0200, fe->raw_dir, fe,
			    &raw_flip_fops);
	debugfs_create_file("raw_ring", 0200, fe->raw_dir, fe,
			    &raw_ring_fops);
}

void xenib_fe_raw_remove(struct xenib_fe *fe)
{
	debugfs_remove(fe->raw_dir);
	fe->raw_dir = NULL;
}

void xenib_fe_raw_init(void)
{
	xenib_fe_debugfs = debugfs_create_dir(DRV_NAME, NULL);
}

void xenib_fe_raw_exit(void)
{
	debugfs_remove(xenib_fe_debugfs);
}
