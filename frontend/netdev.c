// SPDX-License-Identifier: GPL-2.0
/*
 * xen-ibfront: the network device beside a RoCE port.
 *
 * ib_core builds a RoCE port's GID table from the network device bound to
 * the port: the default GIDs from its hardware address, the others from its
 * IP addresses.  The guest has no access to the real port's network device,
 * so the frontend registers a stand-in that carries the real device's
 * hardware address; IP addresses given to it become GIDs as on native RoCE.
 * RoCE traffic goes through the real device in the backend domain, never
 * through this device, so it sends nothing: every packet is dropped.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <linux/etherdevice.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include "common.h"

static netdev_tx_t xenib_netdev_xmit(struct sk_buff *skb,
				     struct net_device *ndev)
{
	dev_core_stats_tx_dropped_inc(ndev);
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops xenib_netdev_ops = {
	.ndo_start_xmit = xenib_netdev_xmit,
};

struct net_device *xenib_netdev_create(struct device *parent, const u8 *mac)
{
	struct net_device *ndev;
	int err;

	ndev = alloc_netdev(0, "xenib%d", NET_NAME_ENUM, ether_setup);
	if (!ndev)
		return ERR_PTR(-ENOMEM);
	ndev->netdev_ops = &xenib_netdev_ops;
	ndev->flags |= IFF_NOARP;
	ndev->priv_flags |= IFF_NO_QUEUE;
	eth_hw_addr_set(ndev, mac);
	SET_NETDEV_DEV(ndev, parent);

	err = register_netdev(ndev);
	if (err) {
		free_netdev(ndev);
		return ERR_PTR(err);
	}
	return ndev;
}

/* Up, so that addresses given to it become GIDs. */
void xenib_netdev_open(struct net_device *ndev)
{
	int err;

	rtnl_lock();
	err = dev_open(ndev, NULL);
	rtnl_unlock();
	if (err)
		netdev_warn(ndev, "cannot bring up: %d\n", err);
}

void xenib_netdev_destroy(struct net_device *ndev)
{
	unregister_netdev(ndev);
	free_netdev(ndev);
}
