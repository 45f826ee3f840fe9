/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libxenib: attach, detach and inspect xenib devices from the backend
 * domain (Dom0), through Xen's libxenstore (link with -lxenstore).
 *
 * The xenstore layout and state machine are those of
 * include/xenib/xenibif.h; the backend's per-device sysfs files are
 * described in docs/.  Every function returns 0 or a negative errno value,
 * except xenib_close() (nothing to report) and xenib_state_name() (a
 * constant string).  Functions that talk to xenstore pass on its errno
 * (e.g. -EACCES, -EIO) when a request fails.
 *
 * Copyright (c) 2026 The xenib authors
 */

#ifndef XENIB_LIBXENIB_H
#define XENIB_LIBXENIB_H

#include <stdbool.h>
#include <stddef.h>

/* The domain the backend runs in; the tools run there too. */
#define XENIB_BACKEND_DOMID		0U

/* Where the backend driver and its devices appear when it is loaded. */
#define XENIB_BACKEND_DRIVER_DIR	"/sys/bus/xen-backend/drivers/xenib"
#define XENIB_BACKEND_DEVICE_FMT	"/sys/bus/xen-backend/devices/xenib-%u-%u"

/* Buffer sizes, including the terminating NUL. */
#define XENIB_DOMAIN_NAME_MAX		256
#define XENIB_HCA_NAME_MAX		64	/* IB_DEVICE_NAME_MAX */
#define XENIB_PATH_MAX			128	/* xenstore and sysfs paths */
#define XENIB_ERROR_MAX			256	/* a backend's error message */
/* backend/.../ip: at most XENIB_MAX_ADDRS of xenibif.h, in text, spaced. */
#define XENIB_ATTACH_MAX_ADDRS		8
#define XENIB_ADDR_MAX			46	/* INET6_ADDRSTRLEN */
#define XENIB_ADDRS_MAX			(XENIB_ATTACH_MAX_ADDRS * XENIB_ADDR_MAX)
#define XENIB_KV_KEY_MAX		32
/* Long enough for the values of a device record (see xenib_remember()). */
#define XENIB_KV_VALUE_MAX		XENIB_HCA_NAME_MAX
#define XENIB_KV_MAX_VALUES		4

/* Default time limits, in milliseconds. */
#define XENIB_ACCEPT_TIMEOUT_MS		10000	/* backend InitWait */
#define XENIB_DETACH_TIMEOUT_MS		20000	/* backend Closed */

/* An open connection to xenstore. */
struct xenib;

/* One attached device, as xenstore describes it. */
struct xenib_device_info {
	unsigned int domid;
	unsigned int devid;
	char domain[XENIB_DOMAIN_NAME_MAX];	/* "" if the domain has none */
	int backend_state;	/* XenbusState number, -1 if no state node */
	int frontend_state;	/* likewise */
	char hca[XENIB_HCA_NAME_MAX];		/* "" if missing */
	int port;		/* -1 if missing or not a number */
	char ip[XENIB_ADDRS_MAX];	/* the addresses it may send from, or "" */
	int version;		/* frontend's protocol version, -1 if absent */
	char backend_path[XENIB_PATH_MAX];
	char frontend_path[XENIB_PATH_MAX];
	/* Why the backend failed the device (its error node), or "". */
	char error[XENIB_ERROR_MAX];
};

/* One line "key value..." of a sysfs key/value file. */
struct xenib_kv {
	char key[XENIB_KV_KEY_MAX];
	unsigned int nr_values;
	char value[XENIB_KV_MAX_VALUES][XENIB_KV_VALUE_MAX];
};

/*
 * Connect to xenstore.  On success *xp is a handle for the other calls,
 * to be released with xenib_close().  Fails with xs_open()'s errno, e.g.
 * -EACCES when not root or -ENOENT when xenstored is not running.
 */
int xenib_open(struct xenib **xp);

/* Release a handle from xenib_open(); NULL is ignored. */
void xenib_close(struct xenib *x);

/*
 * Resolve a domain given by name or by numeric id (as xl does) into *domid,
 * by looking at /local/domain/<id>/name in xenstore.  -ESRCH: no such
 * domain.
 */
int xenib_domid_by_name(struct xenib *x, const char *name_or_id,
			unsigned int *domid);

/*
 * The name of domain @domid into @buf (at most @len bytes with the NUL).
 * -ESRCH: no such domain or it has no name; -ENAMETOOLONG: @buf too small.
 */
int xenib_domain_name(struct xenib *x, unsigned int domid, char *buf,
		      size_t len);

/* 0 if the backend driver is loaded here, else -ENOPKG. */
int xenib_check_backend(void);

/*
 * 0 if RDMA device @hca exists here and has port @port (in
 * /sys/class/infiniband); -EINVAL: not a valid device name; -ENODEV: no
 * such device; -ENXIO: the device has no such port.
 */
int xenib_check_hca(const char *hca, unsigned int port);

/*
 * Attach port @port of RDMA device @hca to domain @domid as its xenib
 * device @devid, as a toolstack does: both xenstore directories are created
 * empty with their owner and permissions, then every key of both ends is
 * written in one transaction, then this waits up to
 * XENIB_ACCEPT_TIMEOUT_MS for the backend to accept the device (InitWait).
 * @ip (NULL or "" for none) lists the addresses the guest may send from,
 * separated by spaces (backend/.../ip, see xenibif.h);
 * xenib_check_addrs() checks such a list.  @domid may be the backend
 * domain itself, whose own xen-ibfront then connects to its backend
 * (grants to itself): that is how Dom0's programs reach the guests' CM.
 *
 * Errors: -EINVAL (port 0 or a bad @hca),
 * -EDESTADDRREQ (a bad @ip list), -ESRCH (no such domain), -ENOPKG
 * (backend driver not loaded), -ENODEV and -ENXIO as xenib_check_hca(),
 * -EEXIST (the domain already has device @devid), -ECONNREFUSED (the
 * backend did not accept it; the nodes are removed again and, if @why is
 * not NULL, the backend's state and error message are put there, at most
 * @why_len bytes).
 */
int xenib_attach(struct xenib *x, unsigned int domid, unsigned int devid,
		 const char *hca, unsigned int port, const char *ip,
		 char *why, size_t why_len);

/*
 * Check a list of addresses for xenib_attach(): IPv4 or IPv6 addresses
 * separated by single spaces, at most XENIB_ATTACH_MAX_ADDRS.  0 or
 * -EDESTADDRREQ; @bad (if not NULL) then points at the first bad one.
 */
int xenib_check_addrs(const char *ip, const char **bad);

/*
 * Append address @addr to such a list in @ip, a buffer of XENIB_ADDRS_MAX
 * bytes; -E2BIG if it does not fit.  The address is not checked.
 */
int xenib_add_addr(char *ip, const char *addr);

/*
 * Write the addresses of list @ip into @buf (@len bytes, truncated as by
 * snprintf()), each between @before and @after: as " ip=A ip=B" attach
 * arguments, or as the "ip A" lines of a record.
 */
void xenib_format_addrs(char *buf, size_t len, const char *ip,
			const char *before, const char *after);

/*
 * Wait up to @timeout_ms for both ends of a device to be Connected.
 * -ETIMEDOUT: they are not (the device stays attached); -ENOENT: the
 * device is gone.
 */
int xenib_wait_connected(struct xenib *x, unsigned int domid,
			 unsigned int devid, unsigned int timeout_ms);

/*
 * Detach device @devid from domain @domid: writes backend "online" 0 and
 * "state" Closing, waits up to @timeout_ms for the backend to be Closed,
 * then removes both directories and the per-domain backend directory if
 * it is left empty.  -ENOENT: no such device.  -ETIMEDOUT: the backend did
 * not close in time; the device has been removed anyway and, if @why is
 * not NULL, both ends' states at the time are put there.
 */
int xenib_detach(struct xenib *x, unsigned int domid, unsigned int devid,
		 unsigned int timeout_ms, char *why, size_t why_len);

/* What xenstore says about device @devid of @domid.  -ENOENT: none. */
int xenib_get_device(struct xenib *x, unsigned int domid, unsigned int devid,
		     struct xenib_device_info *info);

/*
 * Every device attached in this backend domain, sorted by domid and devid:
 * *infos is an array of *nr entries to be released with free() (NULL when
 * there are none).
 */
int xenib_list(struct xenib *x, struct xenib_device_info **infos,
	       unsigned int *nr);

/*
 * Parse a file of "key value..." lines (keys [a-z_]+, one to
 * XENIB_KV_MAX_VALUES values, blank lines ignored), such as the backend's
 * sysfs files: *kvs is an array of *nr entries in file order, to be
 * released with free().  -ENOENT etc.: the file cannot be read;
 * -EBADMSG: a line is malformed or too long.
 */
int xenib_read_kv_file(const char *path, struct xenib_kv **kvs,
		       unsigned int *nr);

/*
 * Devices to attach again when their domain comes back under another id
 * (xl restore, xl migrate), which the toolstack does not do for xenib: one
 * file per device, XENIB_RECORD_DIR/<domain UUID>/<devid>, kept in Dom0's
 * file system so that a saved domain's record outlives Dom0's reboots.  The
 * file holds xenib_read_kv_file() lines: "hca DEV", "port N", and one
 * "ip ADDR" per address the domain may send from.
 */
#define XENIB_RECORD_DIR		"/var/lib/xenib/devices"
#define XENIB_UUID_MAX			37	/* 36 characters and the NUL */

struct xenib_record {
	unsigned int devid;
	char hca[XENIB_HCA_NAME_MAX];
	unsigned int port;
	char ip[XENIB_ADDRS_MAX];
};

/*
 * The UUID of domain @domid, from its /vm path.  -ESRCH: no such domain;
 * -ENOENT: it has no UUID in xenstore.
 */
int xenib_domain_uuid(struct xenib *x, unsigned int domid,
		      char uuid[XENIB_UUID_MAX]);

/* @uuid is a domain UUID as xenstore and the records write it. */
bool xenib_is_uuid(const char *uuid);

/*
 * Record @rec for the domain of UUID @uuid, replacing any record of the
 * same devid.  -EINVAL: @uuid is not a UUID, @rec has no hca or one with
 * blanks, or its addresses fail xenib_check_addrs(); else the file
 * system's errno.
 */
int xenib_remember(const char *uuid, const struct xenib_record *rec);

/* Drop the record of device @devid of @uuid; -ENOENT: there is none. */
int xenib_forget(const char *uuid, unsigned int devid);

/*
 * The records of @uuid, by devid: *recs is an array of *nr entries to be
 * released with free() (NULL when there are none).  A record that cannot
 * be read or parsed is skipped, with its path in @bad (if not NULL, at
 * most @bad_len bytes) and -EBADMSG returned after the others.
 */
int xenib_recall(const char *uuid, struct xenib_record **recs,
		 unsigned int *nr, char *bad, size_t bad_len);

/*
 * The ids of every domain xenstore knows: *ids is an array of *nr
 * entries to be released with free().
 */
int xenib_domains(struct xenib *x, unsigned int **ids, unsigned int *nr);

/*
 * Ask to be told when a domain is created or destroyed, then wait for the
 * next such event (and any queued with it) with
 * xenib_wait_domains_changed().
 */
int xenib_watch_domains(struct xenib *x);
int xenib_wait_domains_changed(struct xenib *x);

/*
 * Name of a xenbus state number (Initialising, InitWait, Initialised,
 * Connected, Closing, Closed, ...): "gone" for -1, "Unknown" for numbers
 * xenbus does not define.
 */
const char *xenib_state_name(int state);

#endif /* XENIB_LIBXENIB_H */
