// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibback: xenbus glue, the connection state machine and module init.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/inet.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/xen.h>
#include "common.h"

/*
 * Report a fatal error for this connection: the reason goes to xenstore's
 * "error" node and the log, and the backend moves to Closing so the
 * frontend lets go of the rings.
 */
void xenib_be_fail(struct xenib_be *be, int err, const char *why)
{
	xenbus_dev_fatal(be->dev, err, "%s", why);
}

static void xenib_be_disconnect(struct xenib_be *be)
{
	void *evt;

	/* The thread takes be->lock, so stop it before taking the lock. */
	if (be->thread) {
		kthread_stop(be->thread);
		be->thread = NULL;
	}

	xenib_be_engine_stop(be);
	xenib_be_mad_close(be);

	mutex_lock(&be->lock);
	xenib_be_resources_release(be);
	spin_lock_irq(&be->evt_lock);
	evt = be->evt;
	be->evt = NULL;
	spin_unlock_irq(&be->evt_lock);
	if (be->irq) {
		unbind_from_irqhandler(be->irq, be);
		be->irq = 0;
	}
	if (evt)
		xenbus_unmap_ring_vfree(be->dev, evt);
	if (be->ctrl_addr) {
		xenbus_unmap_ring_vfree(be->dev, be->ctrl_addr);
		be->ctrl_addr = NULL;
	}
	if (be->connected)
		dev_info(&be->dev->dev, "disconnected from domain %u\n",
			 be->domid);
	be->connected = false;
	be->ring_broken = false;
	mutex_unlock(&be->lock);
}

/* Pick the protocol version the frontend asked for, if we speak it. */
static int xenib_be_read_version(struct xenib_be *be)
{
	struct xenbus_device *dev = be->dev;
	unsigned int version;

	version = xenbus_read_unsigned(dev->otherend, "version", 0);
	if (version != XENIB_PROTOCOL_VERSION) {
		xenbus_dev_fatal(dev, -EPROTONOSUPPORT,
				 "frontend asked for protocol version %u, backend speaks %u",
				 version, XENIB_PROTOCOL_VERSION);
		return -EPROTONOSUPPORT;
	}
	be->version = version;
	return 0;
}

static int xenib_be_map_rings(struct xenib_be *be)
{
	struct xenbus_device *dev = be->dev;
	grant_ref_t refs[XENIB_MAX_RING_PAGES];
	unsigned int order, i, evtchn, evt_ref, data_evtchn;
	char node[32];
	void *addr;
	int err;

	order = xenbus_read_unsigned(dev->otherend, "ring-page-order", 0);
	if (order > xenib_max_ring_page_order) {
		xenbus_dev_fatal(dev, -EINVAL,
				 "ring-page-order %u exceeds max-ring-page-order %u",
				 order, xenib_max_ring_page_order);
		return -EINVAL;
	}
	be->ring_pages = 1U << order;

	for (i = 0; i < be->ring_pages; i++) {
		snprintf(node, sizeof(node), "ctrl-ring-ref%u", i);
		err = xenbus_scanf(XBT_NIL, dev->otherend, node, "%u", &refs[i]);
		if (err != 1) {
			xenbus_dev_fatal(dev, -EINVAL, "reading %s/%s",
					 dev->otherend, node);
			return -EINVAL;
		}
	}
	err = xenbus_gather(XBT_NIL, dev->otherend,
			    "event-ring-ref", "%u", &evt_ref,
			    "event-channel", "%u", &evtchn,
			    "data-event-channel", "%u", &data_evtchn, NULL);
	if (err) {
		xenbus_dev_fatal(dev, err, "reading %s/event-ring-ref, event-channel and data-event-channel",
				 dev->otherend);
		return err;
	}

	err = xenbus_map_ring_valloc(dev, refs, be->ring_pages, &addr);
	if (err)
		return err;	/* xenbus_map_ring_valloc reported it */
	be->ctrl_addr = addr;
	BACK_RING_INIT(&be->ctrl, (struct xenib_ctrl_sring *)addr,
		       be->ring_pages * XEN_PAGE_SIZE);

	err = xenbus_map_ring_valloc(dev, &evt_ref, 1, &addr);
	if (err)
		return err;
	be->evt_prod = 0;	/* the frontend hands over a zeroed page */

	err = bind_interdomain_evtchn_to_irqhandler_lateeoi(dev, evtchn,
							    xenib_be_interrupt,
							    0, DRV_NAME, be);
	if (err < 0) {
		xenbus_unmap_ring_vfree(dev, addr);
		xenbus_dev_fatal(dev, err, "binding event channel %u", evtchn);
		return err;
	}
	spin_lock_irq(&be->evt_lock);
	be->evt = addr;
	be->irq = err;
	spin_unlock_irq(&be->evt_lock);
	return xenib_be_engine_start(be, data_evtchn);
}

static int xenib_be_connect(struct xenib_be *be)
{
	int err;

	err = xenib_be_read_version(be);
	if (err)
		return err;

	mutex_lock(&be->lock);
	if (!be->hca) {
		mutex_unlock(&be->lock);
		xenbus_dev_fatal(be->dev, -ENODEV, "RDMA device %s is gone",
				 be->hca_name);
		return -ENODEV;
	}
	err = xenib_be_map_rings(be);
	if (!err) {
		be->connected = true;
		/* Requests queued before we mapped the ring get answered now. */
		be->irq_pending = true;
		xenib_be_mad_open(be);
	}
	mutex_unlock(&be->lock);
	if (err)
		goto fail;

	be->thread = kthread_run(xenib_be_ctrl_thread, be, "xenib/%u.%s",
				 be->domid, strrchr(be->dev->nodename, '/') + 1);
	if (IS_ERR(be->thread)) {
		err = PTR_ERR(be->thread);
		be->thread = NULL;
		xenbus_dev_fatal(be->dev, err, "starting the request thread");
		goto fail;
	}

	dev_info(&be->dev->dev,
		 "connected to domain %u: %s port %u, protocol %u, %u ring pages\n",
		 be->domid, be->hca_name, be->port, be->version, be->ring_pages);
	return 0;
fail:
	xenib_be_disconnect(be);
	return err;
}

/* Has the frontend's domain gone away, rather than just its state node? */
static bool xenib_be_frontend_domain_gone(struct xenib_be *be)
{
	char path[32];

	snprintf(path, sizeof(path), "/local/domain/%u", be->domid);
	return !xenbus_exists(XBT_NIL, path, "");
}

/* Remove backend/xenib/<domid> once its last device is gone. */
static void xenib_be_rm_domain_dir(struct xenib_be *be)
{
	unsigned int n = 0;
	char **dir;
	char *path;

	path = kstrdup(be->dev->nodename, GFP_KERNEL);
	if (!path)
		return;
	*strrchr(path, '/') = '\0';
	dir = xenbus_directory(XBT_NIL, path, "", &n);
	if (!IS_ERR(dir)) {
		if (n == 0)
			xenbus_rm(XBT_NIL, path, "");
		kfree(dir);
	}
	kfree(path);
}

static void xenib_be_frontend_changed(struct xenbus_device *dev,
				      enum xenbus_state frontend_state)
{
	struct xenib_be *be = dev_get_drvdata(&dev->dev);

	dev_dbg(&dev->dev, "frontend %s, backend %s\n",
		xenbus_strstate(frontend_state), xenbus_strstate(dev->state));

	switch (frontend_state) {
	case XenbusStateInitialising:
		if (dev->state == XenbusStateClosed) {
			dev_info(&dev->dev, "frontend reinitialising, waiting for it\n");
			xenbus_switch_state(dev, XenbusStateInitWait);
		}
		break;

	case XenbusStateInitialised:
		if (dev->state != XenbusStateInitWait)
			break;
		if (!xenib_be_connect(be))
			xenbus_switch_state(dev, XenbusStateConnected);
		break;

	case XenbusStateConnected:
		/*
		 * Only rings offered in Initialised are fresh.  A frontend still
		 * Connected to a previous instance of this backend sees our
		 * InitWait and offers new ones.
		 */
		break;

	case XenbusStateClosing:
		xenib_be_disconnect(be);
		xenbus_switch_state(dev, XenbusStateClosing);
		break;

	case XenbusStateClosed:
		/*
		 * A frontend that has not connected to us yet is no news,
		 * unless the toolstack is detaching and waits for Closed.
		 */
		if (dev->state == XenbusStateInitWait &&
		    xenbus_dev_is_online(dev))
			break;
		/*
		 * Stay in Closed either way: if "online" is 0 the toolstack is
		 * detaching and removes our directory, which unregisters us;
		 * otherwise the frontend may come back through Initialising.
		 */
		xenib_be_disconnect(be);
		xenbus_switch_state(dev, XenbusStateClosed);
		break;

	case XenbusStateUnknown:
		xenib_be_disconnect(be);
		if (!xenib_be_frontend_domain_gone(be)) {
			xenbus_switch_state(dev, XenbusStateClosed);
			break;
		}
		/*
		 * No toolstack knows this device type, so nobody else will
		 * remove the directory of a destroyed domain's device; removing
		 * it makes xenbus unregister this device.
		 */
		dev_info(&dev->dev, "domain %u is gone, removing %s\n",
			 be->domid, dev->nodename);
		xenbus_rm(XBT_NIL, dev->nodename, "");
		xenib_be_rm_domain_dir(be);
		break;

	default:
		break;
	}
}

static int xenib_be_write_features(struct xenib_be *be)
{
	struct xenbus_device *dev = be->dev;
	struct xenbus_transaction xbt;
	int err;

again:
	err = xenbus_transaction_start(&xbt);
	if (err)
		return err;
	err = xenbus_printf(xbt, dev->nodename, "versions", "%u",
			    XENIB_PROTOCOL_VERSION);
	if (!err)
		err = xenbus_printf(xbt, dev->nodename, "max-ring-page-order",
				    "%u", xenib_max_ring_page_order);
	/* Without addresses of its own no reply could find the guest. */
	if (!err)
		err = xenbus_printf(xbt, dev->nodename, "feature-cm", "%d",
				    xenib_be_has_cm(be));
	if (!err)
		err = xenbus_printf(xbt, dev->nodename,
				    "feature-mr-indirect2", "%d", 1);
	if (err) {
		xenbus_transaction_end(xbt, 1);
		return err;
	}
	err = xenbus_transaction_end(xbt, 0);
	if (err == -EAGAIN)
		goto again;
	return err;
}

/*
 * The addresses the toolstack gave the guest ("ip", optional), kept as
 * the GIDs they make on RoCE: IPv4 ones mapped into IPv6.
 */
static int xenib_be_read_addrs(struct xenib_be *be)
{
	struct xenbus_device *dev = be->dev;
	char *list, *pos, *tok;
	const char *end;
	int err = 0;

	list = xenbus_read(XBT_NIL, dev->nodename, "ip", NULL);
	if (IS_ERR(list)) {
		err = PTR_ERR(list);
		if (err == -ENOENT)
			return 0;
		xenbus_dev_fatal(dev, err, "reading %s/ip", dev->nodename);
		return err;
	}
	pos = list;
	while (!err && (tok = strsep(&pos, " ")) != NULL) {
		u8 *gid = be->addrs[be->nr_addrs];

		if (!*tok)
			continue;
		if (be->nr_addrs == XENIB_MAX_ADDRS) {
			err = -E2BIG;
			xenbus_dev_fatal(dev, err, "%s/ip: more than %u addresses",
					 dev->nodename, XENIB_MAX_ADDRS);
			break;
		}
		memset(gid, 0, XENIB_GID_SIZE);
		if (in4_pton(tok, -1, gid + 12, -1, &end) && !*end) {
			gid[10] = 0xff;
			gid[11] = 0xff;
		} else if (!in6_pton(tok, -1, gid, -1, &end) || *end) {
			err = -EINVAL;
			xenbus_dev_fatal(dev, err,
					 "%s/ip: '%s' is not an IPv4 or IPv6 address",
					 dev->nodename, tok);
			break;
		}
		be->nr_addrs++;
	}
	kfree(list);
	return err;
}

static int xenib_be_probe(struct xenbus_device *dev,
			  const struct xenbus_device_id *id)
{
	struct xenib_be *be;
	char *hca;
	int err;

	be = kzalloc(sizeof(*be), GFP_KERNEL);
	if (!be) {
		xenbus_dev_fatal(dev, -ENOMEM, "allocating backend state");
		return -ENOMEM;
	}
	be->dev = dev;
	be->domid = dev->otherend_id;
	mutex_init(&be->lock);
	init_waitqueue_head(&be->wq);
	init_waitqueue_head(&be->engine_wq);
	spin_lock_init(&be->evt_lock);
	spin_lock_init(&be->mad_lock);
	INIT_LIST_HEAD(&be->mads);
	INIT_LIST_HEAD(&be->hca_entry);
	xenib_be_resources_init(be);
	dev_set_drvdata(&dev->dev, be);

	hca = xenbus_read(XBT_NIL, dev->nodename, "hca", NULL);
	if (IS_ERR(hca)) {
		err = PTR_ERR(hca);
		xenbus_dev_fatal(dev, err, "reading %s/hca", dev->nodename);
		goto fail;
	}
	strscpy(be->hca_name, hca, sizeof(be->hca_name));
	kfree(hca);
	be->port = xenbus_read_unsigned(dev->nodename, "port", 1);
	err = xenib_be_read_addrs(be);
	if (err)
		goto fail;

	err = xenib_be_hca_bind(be);
	if (err) {
		xenbus_dev_fatal(dev, err, "RDMA device %s port %u not found",
				 be->hca_name, be->port);
		goto fail;
	}

	err = xenib_be_write_features(be);
	if (err) {
		xenbus_dev_fatal(dev, err, "writing backend features");
		goto fail_unbind;
	}

	err = xenbus_switch_state(dev, XenbusStateInitWait);
	if (err)
		goto fail_unbind;
	return 0;

fail_unbind:
	xenib_be_hca_unbind(be);
fail:
	dev_set_drvdata(&dev->dev, NULL);
	kfree(be);
	return err;
}

static void xenib_be_remove(struct xenbus_device *dev)
{
	struct xenib_be *be = dev_get_drvdata(&dev->dev);

	xenib_be_disconnect(be);
	xenib_be_hca_unbind(be);
	dev_set_drvdata(&dev->dev, NULL);
	kfree(be);
}

static const struct xenbus_device_id xenib_be_ids[] = {
	{ XENIB_DEVICE_TYPE },
	{ "" }
};

static struct xenbus_driver xenib_be_driver = {
	.driver = {
		.groups = xenib_be_driver_groups,
		.dev_groups = xenib_be_groups,
	},
	.ids = xenib_be_ids,
	.probe = xenib_be_probe,
	.remove = xenib_be_remove,
	.otherend_changed = xenib_be_frontend_changed,
};

static int __init xenib_back_init(void)
{
	int err;

	if (!xen_domain())
		return -ENODEV;
	if (xenib_max_ring_page_order > XENIB_MAX_RING_PAGE_ORDER) {
		pr_warn(DRV_NAME ": max_ring_page_order %u too large, using %u\n",
			xenib_max_ring_page_order, XENIB_MAX_RING_PAGE_ORDER);
		xenib_max_ring_page_order = XENIB_MAX_RING_PAGE_ORDER;
	}

	err = xenib_be_hca_init();
	if (err)
		return err;
	err = xenbus_register_backend(&xenib_be_driver);
	if (err)
		xenib_be_hca_exit();
	return err;
}
module_init(xenib_back_init);

static void __exit xenib_back_exit(void)
{
	xenbus_unregister_driver(&xenib_be_driver);
	xenib_be_hca_exit();
}
module_exit(xenib_back_exit);

MODULE_DESCRIPTION("Xen paravirtual RDMA backend");
MODULE_LICENSE("GPL");
MODULE_ALIAS("xen-backend:" XENIB_DEVICE_TYPE);
