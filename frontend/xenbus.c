// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibfront: xenbus glue, ring set-up, the state machine and module init.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/module.h>
#include <linux/slab.h>
#include <xen/events.h>
#include <xen/xen.h>
#include "common.h"

/* Does the backend's comma-separated "versions" list contain @version? */
static bool xenib_fe_backend_speaks(struct xenbus_device *dev, u32 version)
{
	char *versions, *p, *tok;
	bool found = false;
	u32 v;

	versions = xenbus_read(XBT_NIL, dev->otherend, "versions", NULL);
	if (IS_ERR(versions))
		return false;
	p = versions;
	while ((tok = strsep(&p, ",")) != NULL)
		if (!kstrtou32(tok, 10, &v) && v == version)
			found = true;
	kfree(versions);
	return found;
}

static void xenib_fe_teardown(struct xenib_fe *fe)
{
	unsigned int i;

	/* Disconnect first, so ib_core's releases do not wait on the backend. */
	xenib_fe_ctrl_fail_all(fe);
	xenib_fe_ib_unregister(fe);

	if (fe->irq > 0) {
		/* Also closes the event channel. */
		unbind_from_irqhandler(fe->irq, fe);
		fe->irq = 0;
		fe->evtchn = 0;
	} else if (fe->evtchn) {
		xenbus_free_evtchn(fe->dev, fe->evtchn);
		fe->evtchn = 0;
	}
	if (fe->data_evtchn) {
		xenbus_free_evtchn(fe->dev, fe->data_evtchn);
		fe->data_evtchn = 0;
	}
	if (fe->ctrl_addr)
		xenbus_teardown_ring(&fe->ctrl_addr, fe->ring_pages,
				     fe->ctrl_refs);
	if (fe->evt)
		xenbus_teardown_ring((void **)&fe->evt, 1, &fe->evt_ref);
	for (i = 0; i < XENIB_MAX_RING_PAGES; i++)
		fe->ctrl_refs[i] = INVALID_GRANT_REF;
	fe->evt_ref = INVALID_GRANT_REF;
}

static int xenib_fe_publish(struct xenib_fe *fe, unsigned int order)
{
	struct xenbus_device *dev = fe->dev;
	struct xenbus_transaction xbt;
	const char *what;
	char node[32];
	unsigned int i;
	int err;

again:
	err = xenbus_transaction_start(&xbt);
	if (err) {
		xenbus_dev_fatal(dev, err, "starting transaction");
		return err;
	}
	what = "version";
	err = xenbus_printf(xbt, dev->nodename, what, "%u", fe->version);
	if (err)
		goto abort;
	what = "ring-page-order";
	err = xenbus_printf(xbt, dev->nodename, what, "%u", order);
	if (err)
		goto abort;
	for (i = 0; i < fe->ring_pages; i++) {
		snprintf(node, sizeof(node), "ctrl-ring-ref%u", i);
		what = "ctrl-ring-ref";
		err = xenbus_printf(xbt, dev->nodename, node, "%u",
				    fe->ctrl_refs[i]);
		if (err)
			goto abort;
	}
	what = "event-ring-ref";
	err = xenbus_printf(xbt, dev->nodename, what, "%u", fe->evt_ref);
	if (err)
		goto abort;
	what = "event-channel";
	err = xenbus_printf(xbt, dev->nodename, what, "%u", fe->evtchn);
	if (err)
		goto abort;
	what = "data-event-channel";
	err = xenbus_printf(xbt, dev->nodename, what, "%u", fe->data_evtchn);
	if (err)
		goto abort;

	err = xenbus_transaction_end(xbt, 0);
	if (err == -EAGAIN)
		goto again;
	if (err)
		xenbus_dev_fatal(dev, err, "completing transaction");
	return err;

abort:
	xenbus_transaction_end(xbt, 1);
	xenbus_dev_fatal(dev, err, "writing %s", what);
	return err;
}

/* The backend is in InitWait: set up both rings and tell it where they are. */
static int xenib_fe_connect(struct xenib_fe *fe)
{
	struct xenbus_device *dev = fe->dev;
	unsigned int order, max_order;
	void *addr;
	int err;

	if (!xenib_fe_backend_speaks(dev, XENIB_PROTOCOL_VERSION)) {
		xenbus_dev_fatal(dev, -EPROTONOSUPPORT,
				 "backend does not speak protocol version %u",
				 XENIB_PROTOCOL_VERSION);
		return -EPROTONOSUPPORT;
	}
	fe->version = XENIB_PROTOCOL_VERSION;
	fe->has_cm = xenbus_read_unsigned(dev->otherend, "feature-cm", 0);
	fe->mr_indirect2 = xenbus_read_unsigned(dev->otherend,
						"feature-mr-indirect2", 0);

	max_order = xenbus_read_unsigned(dev->otherend, "max-ring-page-order",
					 0);
	order = min3(xenib_ring_page_order, max_order,
		     (unsigned int)XENIB_MAX_RING_PAGE_ORDER);
	fe->ring_pages = 1U << order;

	err = xenbus_setup_ring(dev, GFP_KERNEL, &addr, fe->ring_pages,
				fe->ctrl_refs);
	if (err)
		return err;
	fe->ctrl_addr = addr;
	XEN_FRONT_RING_INIT(&fe->ctrl, (struct xenib_ctrl_sring *)addr,
			    fe->ring_pages * XEN_PAGE_SIZE);
	fe->nr_calls = RING_SIZE(&fe->ctrl);

	err = xenbus_setup_ring(dev, GFP_KERNEL, &addr, 1, &fe->evt_ref);
	if (err)
		return err;
	fe->evt = addr;
	fe->evt_cons = 0;
	fe->evt_overflows = 0;

	err = xenbus_alloc_evtchn(dev, &fe->evtchn);
	if (err)
		return err;
	err = bind_evtchn_to_irqhandler(fe->evtchn, xenib_fe_interrupt, 0,
					DRV_NAME, fe);
	if (err < 0) {
		xenbus_dev_fatal(dev, err, "binding event channel");
		return err;
	}
	fe->irq = err;

	/* Only ever notified, never bound here: the backend sends nothing. */
	err = xenbus_alloc_evtchn(dev, &fe->data_evtchn);
	if (err)
		return err;

	err = xenib_fe_publish(fe, order);
	if (err)
		return err;
	return xenbus_switch_state(dev, XenbusStateInitialised);
}

static void xenib_fe_backend_changed(struct xenbus_device *dev,
				     enum xenbus_state backend_state)
{
	struct xenib_fe *fe = dev_get_drvdata(&dev->dev);
	unsigned long flags;

	dev_dbg(&dev->dev, "backend %s, frontend %s\n",
		xenbus_strstate(backend_state), xenbus_strstate(dev->state));

	switch (backend_state) {
	case XenbusStateInitWait:
		/*
		 * A backend in InitWait is a new instance waiting for rings.  If
		 * we were connected, the old one went away without our seeing
		 * it close (a quick unbind and reprobe): start afresh.  Rings
		 * offered in Initialised were never used and stay valid.
		 */
		if (dev->state == XenbusStateConnected) {
			dev_info(&dev->dev, "backend restarted, reconnecting\n");
			xenib_fe_teardown(fe);
		} else if (dev->state != XenbusStateInitialising &&
			   dev->state != XenbusStateClosed) {
			break;
		}
		if (xenib_fe_connect(fe))
			xenib_fe_teardown(fe);
		break;

	case XenbusStateConnected:
		if (dev->state != XenbusStateInitialised)
			break;
		spin_lock_irqsave(&fe->lock, flags);
		fe->connected = true;
		spin_unlock_irqrestore(&fe->lock, flags);
		xenbus_switch_state(dev, XenbusStateConnected);
		dev_info(&dev->dev,
			 "connected: protocol %u, %u ring pages, %u slots\n",
			 fe->version, fe->ring_pages, fe->nr_calls);
		xenib_fe_ib_register(fe);
		break;

	case XenbusStateClosing:
		/* The backend wants us gone (detach, error): always close. */
		if (dev->state == XenbusStateClosed)
			break;
		xenib_fe_teardown(fe);
		xenbus_frontend_closed(dev);
		break;

	case XenbusStateClosed:
	case XenbusStateUnknown:
		/*
		 * The backend went away.  If we were using it, let go and wait
		 * in Closed for it to come back in InitWait.  If we have not
		 * connected yet, stay in Initialising so that it does.
		 */
		if (dev->state != XenbusStateInitialised &&
		    dev->state != XenbusStateConnected &&
		    dev->state != XenbusStateClosing)
			break;
		dev_info(&dev->dev, "backend went away, disconnecting\n");
		xenib_fe_teardown(fe);
		xenbus_frontend_closed(dev);
		break;

	default:
		break;
	}
}

static int xenib_fe_probe(struct xenbus_device *dev,
			  const struct xenbus_device_id *id)
{
	struct xenib_fe *fe;
	unsigned int i;
	int err;

	fe = kzalloc(sizeof(*fe), GFP_KERNEL);
	if (!fe) {
		xenbus_dev_fatal(dev, -ENOMEM, "allocating frontend state");
		return -ENOMEM;
	}
	fe->dev = dev;
	INIT_LIST_HEAD(&fe->orphan);
	spin_lock_init(&fe->lock);
	xa_init_flags(&fe->cqs, XA_FLAGS_LOCK_IRQ);
	xa_init_flags(&fe->qps, XA_FLAGS_LOCK_IRQ);
	xa_init_flags(&fe->srqs, XA_FLAGS_LOCK_IRQ);
	xa_init_flags(&fe->kqps, XA_FLAGS_LOCK_IRQ);
	mutex_init(&fe->raw_lock);
	for (i = 0; i < XENIB_MAX_RING_PAGES; i++)
		fe->ctrl_refs[i] = INVALID_GRANT_REF;
	fe->evt_ref = INVALID_GRANT_REF;
	err = xenib_fe_ctrl_alloc(fe);
	if (err) {
		kfree(fe);
		return err;
	}
	dev_set_drvdata(&dev->dev, fe);
	xenib_fe_raw_add(fe);

	/* After an unbind we are in Closed; tell the backend we are back. */
	return xenbus_switch_state(dev, XenbusStateInitialising);
}

/* Devices a restore left without a backend (xenib_fe_pm_complete()). */
static LIST_HEAD(xenib_fe_orphans);
static DEFINE_MUTEX(xenib_fe_orphans_lock);
static void xenib_fe_adopt(struct work_struct *work);
static DECLARE_WORK(xenib_fe_adopt_work, xenib_fe_adopt);

static void xenib_fe_remove(struct xenbus_device *dev)
{
	struct xenib_fe *fe = dev_get_drvdata(&dev->dev);

	mutex_lock(&xenib_fe_orphans_lock);
	list_del_init(&fe->orphan);
	mutex_unlock(&xenib_fe_orphans_lock);
	xenib_fe_raw_remove(fe);
	xenib_fe_teardown(fe);
	xenib_fe_ctrl_free(fe);
	dev_set_drvdata(&dev->dev, NULL);
	kfree(fe->raw_resp);
	kfree(fe);
}

/* Let go of the connection the domain had before a restore or migration. */
static void xenib_fe_drop_old_connection(struct xenib_fe *fe)
{
	/* Not ours any more to close: the new domain never had it. */
	fe->data_evtchn = 0;
	xenib_fe_teardown(fe);
}

/*
 * After a restore or a migration the grant references and event channels
 * are gone with the old domain: let go of everything, as after a backend
 * restart, and connect anew once the backend is in InitWait.  There is no
 * .suspend work: a checkpoint (xl save -c) cancels the suspend, and xenbus
 * has no cancel hook to undo it with.
 */
static int xenib_fe_resume(struct xenbus_device *dev)
{
	struct xenib_fe *fe = dev_get_drvdata(&dev->dev);

	dev_info(&dev->dev, "resumed, reconnecting to the backend\n");
	xenib_fe_drop_old_connection(fe);
	return 0;
}

/*
 * The toolstack recreates only the devices of a domain's configuration, so
 * after a restore ours has no xenstore nodes until Dom0 attaches it again
 * (xenibctl daemon does, if it runs there): xenbus' resume then fails
 * before it calls us and leaves the device bound with no backend and no
 * watch on one.  Once the PM core is done resuming, let go of the old
 * connection, so that processes get the fatal event now rather than time
 * out on a ring nobody reads, and wait for the nodes to appear.
 */
static void xenib_fe_pm_complete(struct device *d)
{
	struct xenbus_device *dev = to_xenbus_device(d);
	struct xenib_fe *fe = dev_get_drvdata(d);

	if (dev->otherend || !fe)
		return;
	dev_warn(d, "no backend after the restore: the device is down until Dom0 attaches it again (xenibctl daemon, or xenibctl attach)\n");
	xenib_fe_drop_old_connection(fe);
	mutex_lock(&xenib_fe_orphans_lock);
	list_add_tail(&fe->orphan, &xenib_fe_orphans);
	mutex_unlock(&xenib_fe_orphans_lock);
	schedule_work(&xenib_fe_adopt_work);
}

static const struct dev_pm_ops xenib_fe_pm_ops = {
	/* Only for .complete: xenbus' own ops handle the rest. */
	.complete = xenib_fe_pm_complete,
};

/* Probe an orphan again once its nodes are back: it connects anew. */
static void xenib_fe_adopt(struct work_struct *work)
{
	struct xenib_fe *fe;
	struct device *d;

	for (;;) {
		d = NULL;
		mutex_lock(&xenib_fe_orphans_lock);
		list_for_each_entry(fe, &xenib_fe_orphans, orphan) {
			if (!xenbus_exists(XBT_NIL, fe->dev->nodename, "backend"))
				continue;
			list_del_init(&fe->orphan);
			d = get_device(&fe->dev->dev);
			break;
		}
		mutex_unlock(&xenib_fe_orphans_lock);
		if (!d)
			break;
		/* Releasing the driver frees @fe. */
		dev_info(d, "backend nodes are back after the restore, probing again\n");
		if (device_reprobe(d))
			dev_warn(d, "probing again failed\n");
		put_device(d);
	}
}

static void xenib_fe_devices_changed(struct xenbus_watch *watch,
				     const char *path, const char *token)
{
	schedule_work(&xenib_fe_adopt_work);
}

static struct xenbus_watch xenib_fe_devices_watch = {
	.node = "device/" XENIB_DEVICE_TYPE,
	.callback = xenib_fe_devices_changed,
};

static const struct xenbus_device_id xenib_fe_ids[] = {
	{ XENIB_DEVICE_TYPE },
	{ "" }
};

static struct xenbus_driver xenib_fe_driver = {
	.ids = xenib_fe_ids,
	.probe = xenib_fe_probe,
	.remove = xenib_fe_remove,
	.resume = xenib_fe_resume,
	.otherend_changed = xenib_fe_backend_changed,
	.not_essential = true,
	.driver = {
		.pm = &xenib_fe_pm_ops,
		.dev_groups = xenib_fe_groups,
	},
};

static int __init xenib_front_init(void)
{
	int err;

	if (!xen_domain())
		return -ENODEV;
	if (xenib_ring_page_order > XENIB_MAX_RING_PAGE_ORDER) {
		pr_warn(DRV_NAME ": ring_page_order %u too large, using %u\n",
			xenib_ring_page_order, XENIB_MAX_RING_PAGE_ORDER);
		xenib_ring_page_order = XENIB_MAX_RING_PAGE_ORDER;
	}
	xenib_fe_raw_init();
	err = xenbus_register_frontend(&xenib_fe_driver);
	if (err)
		goto out_raw;
	err = register_xenbus_watch(&xenib_fe_devices_watch);
	if (err)
		goto out_driver;
	return 0;

out_driver:
	xenbus_unregister_driver(&xenib_fe_driver);
out_raw:
	xenib_fe_raw_exit();
	return err;
}
module_init(xenib_front_init);

static void __exit xenib_front_exit(void)
{
	unregister_xenbus_watch(&xenib_fe_devices_watch);
	cancel_work_sync(&xenib_fe_adopt_work);
	xenbus_unregister_driver(&xenib_fe_driver);
	xenib_fe_raw_exit();
}
module_exit(xenib_front_exit);

MODULE_DESCRIPTION("Xen paravirtual RDMA frontend");
MODULE_LICENSE("GPL");
MODULE_ALIAS("xen:" XENIB_DEVICE_TYPE);
