// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibback: what the backend does for each guest device, for operators
 * (/sys/bus/xen-backend/devices/xenib-<domid>-<devid>/).
 *
 * Every file is one "key value..." record per line, keys [a-z_]+, values
 * decimal or single words, so that tools (xenibctl) parse them without
 * knowing every key; new keys may be added, existing ones keep their
 * meaning (docs/backend-sysfs.md).
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/sysfs.h>
#include "common.h"

static struct xenib_be *to_be(struct device *dev)
{
	return dev_get_drvdata(dev);
}

/* Objects and mapped pages in use against the per-guest quotas. */
static ssize_t resources_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct xenib_be *be = to_be(dev);
	ssize_t len;

	mutex_lock(&be->lock);
	len = xenib_be_resources_show(be, buf);
	mutex_unlock(&be->lock);
	return len;
}
static DEVICE_ATTR_RO(resources);

/* Counters of the connection, since the device was probed. */
static ssize_t stats_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct xenib_be *be = to_be(dev);
	struct xenib_be_stats st;
	int len = 0;

	mutex_lock(&be->lock);
	st = be->stats;
	mutex_unlock(&be->lock);

#define EMIT(name)	(len += sysfs_emit_at(buf, len, #name " %llu\n", \
					      (unsigned long long)st.name))
	EMIT(requests);
	EMIT(responses);
	EMIT(errors);
	EMIT(events);
	EMIT(event_overflows);
	EMIT(interrupts);
	EMIT(spurious_interrupts);
	EMIT(kicks);
	EMIT(spurious_kicks);
	EMIT(engine_wakeups);
	EMIT(engine_passes);
	EMIT(sends_posted);
	EMIT(recvs_posted);
	EMIT(completions);
	EMIT(cq_events);
	EMIT(async_events);
	EMIT(bad_wqes);
	EMIT(mads_sent);
	EMIT(mads_received);
	EMIT(mads_dropped);
	len += sysfs_emit_at(buf, len, "engine_busy_us %llu\n",
			     (unsigned long long)st.engine_busy_ns / 1000);
#undef EMIT
	return len;
}
static DEVICE_ATTR_RO(stats);

static struct attribute *xenib_be_attrs[] = {
	&dev_attr_resources.attr,
	&dev_attr_stats.attr,
	NULL,
};

static const struct attribute_group xenib_be_group = {
	.attrs = xenib_be_attrs,
};

const struct attribute_group *xenib_be_groups[] = {
	&xenib_be_group,
	NULL,
};

/* Guest pages mapped by the backend, over all devices (a driver file). */
static ssize_t grant_mapped_pages_show(struct device_driver *drv, char *buf)
{
	return sysfs_emit(buf, "%ld\n",
			  atomic_long_read(&xenib_be_grant_mapped));
}
static DRIVER_ATTR_RO(grant_mapped_pages);

static struct attribute *xenib_be_driver_attrs[] = {
	&driver_attr_grant_mapped_pages.attr,
	NULL,
};

static const struct attribute_group xenib_be_driver_group = {
	.attrs = xenib_be_driver_attrs,
};

const struct attribute_group *xenib_be_driver_groups[] = {
	&xenib_be_driver_group,
	NULL,
};
