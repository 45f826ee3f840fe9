// SPDX-License-Identifier: GPL-2.0
/*
 * libxenib: xenib devices from the backend domain, through libxenstore.
 * See include/xenib/libxenib.h.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <ctype.h>
#include <dirent.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <xenstore.h>
#include <xen/io/xenbus.h>

#include "xenib/libxenib.h"

/* Times a transaction is retried when xenstore says EAGAIN. */
#define XENIB_TX_RETRIES	20
#define XENIB_POLL_MS		100

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

struct xenib {
	struct xs_handle *xs;
};

/* errno of the last failed call as a negative value, never 0. */
static int neg_errno(void)
{
	return errno ? -errno : -EIO;
}

static void be_path(char *buf, unsigned int domid, unsigned int devid)
{
	snprintf(buf, XENIB_PATH_MAX, "/local/domain/%u/backend/xenib/%u/%u",
		 XENIB_BACKEND_DOMID, domid, devid);
}

static void fe_path(char *buf, unsigned int domid, unsigned int devid)
{
	snprintf(buf, XENIB_PATH_MAX, "/local/domain/%u/device/xenib/%u",
		 domid, devid);
}

/* Parse a whole string of decimal digits into *val; -EINVAL otherwise. */
static int parse_uint(const char *s, unsigned int *val)
{
	unsigned long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return -EINVAL;
	*val = v;
	return 0;
}

/* Read @dir/@key (or @dir if @key is NULL); malloc'd string or NULL. */
static char *xs_get(struct xenib *x, xs_transaction_t t, const char *dir,
		    const char *key)
{
	char path[XENIB_PATH_MAX + 64];
	unsigned int len;

	if (key)
		snprintf(path, sizeof(path), "%s/%s", dir, key);
	else
		snprintf(path, sizeof(path), "%s", dir);
	return xs_read(x->xs, t, path, &len);
}

/* @dir/@key as a number, or -1 if missing or not a number. */
static int xs_get_int(struct xenib *x, const char *dir, const char *key)
{
	char *s = xs_get(x, XBT_NULL, dir, key);
	unsigned int v;
	int ret = -1;

	if (s && !parse_uint(s, &v) && v <= INT32_MAX)
		ret = v;
	free(s);
	return ret;
}

static bool xs_exists(struct xenib *x, xs_transaction_t t, const char *path)
{
	char *s = xs_get(x, t, path, NULL);

	free(s);
	return s != NULL;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/*
 * Wait up to @timeout_ms until @dir/state is @a or @b; a missing state
 * node counts as Closed, as the directory of a backend that went away.
 */
static int wait_state(struct xenib *x, const char *dir,
		      unsigned int timeout_ms, int a, int b)
{
	unsigned long long end = now_ms() + timeout_ms;

	for (;;) {
		int s = xs_get_int(x, dir, "state");

		if (s < 0)
			s = XenbusStateClosed;
		if (s == a || s == b)
			return 0;
		if (now_ms() >= end)
			return -ETIMEDOUT;
		sleep_ms(XENIB_POLL_MS);
	}
}

static int write_str(struct xenib *x, xs_transaction_t t, const char *dir,
		     const char *key, const char *val)
{
	char path[XENIB_PATH_MAX + 64];

	if (key)
		snprintf(path, sizeof(path), "%s/%s", dir, key);
	else
		snprintf(path, sizeof(path), "%s", dir);
	return xs_write(x->xs, t, path, val, strlen(val)) ? 0 : neg_errno();
}

static int write_uint(struct xenib *x, xs_transaction_t t, const char *dir,
		      const char *key, unsigned int val)
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u", val);
	return write_str(x, t, dir, key, buf);
}

/*
 * Run @body in a xenstore transaction, again while xenstore says EAGAIN
 * (at most XENIB_TX_RETRIES times).  An error from @body abandons the
 * transaction and is returned.
 */
static int transact(struct xenib *x,
		    int (*body)(struct xenib *x, xs_transaction_t t, void *arg),
		    void *arg)
{
	int tries;

	for (tries = 0; tries < XENIB_TX_RETRIES; tries++) {
		xs_transaction_t t = xs_transaction_start(x->xs);
		int err;

		if (t == XBT_NULL)
			return neg_errno();
		err = body(x, t, arg);
		if (err) {
			xs_transaction_end(x->xs, t, true);
			return err;
		}
		if (xs_transaction_end(x->xs, t, false))
			return 0;
		if (errno != EAGAIN)
			return neg_errno();
	}
	return -EAGAIN;
}

int xenib_open(struct xenib **xp)
{
	struct xenib *x = calloc(1, sizeof(*x));

	if (!x)
		return -ENOMEM;
	errno = 0;
	x->xs = xs_open(0);
	if (!x->xs) {
		int err = neg_errno();

		free(x);
		return err;
	}
	*xp = x;
	return 0;
}

void xenib_close(struct xenib *x)
{
	if (!x)
		return;
	xs_close(x->xs);
	free(x);
}

int xenib_domain_name(struct xenib *x, unsigned int domid, char *buf,
		      size_t len)
{
	char dir[XENIB_PATH_MAX];
	char *name;
	int ret = 0;

	snprintf(dir, sizeof(dir), "/local/domain/%u", domid);
	name = xs_get(x, XBT_NULL, dir, "name");
	if (!name)
		return -ESRCH;
	if (strlen(name) >= len)
		ret = -ENAMETOOLONG;
	else
		strcpy(buf, name);
	free(name);
	return ret;
}

int xenib_domid_by_name(struct xenib *x, const char *name_or_id,
			unsigned int *domid)
{
	char **ids, *name;
	unsigned int i, n, id;
	char dir[XENIB_PATH_MAX];
	int ret = -ESRCH;

	if (!parse_uint(name_or_id, &id)) {
		snprintf(dir, sizeof(dir), "/local/domain/%u", id);
		if (!xs_exists(x, XBT_NULL, dir))
			return -ESRCH;
		*domid = id;
		return 0;
	}

	ids = xs_directory(x->xs, XBT_NULL, "/local/domain", &n);
	if (!ids)
		return neg_errno();
	for (i = 0; i < n && ret == -ESRCH; i++) {
		if (parse_uint(ids[i], &id))
			continue;
		snprintf(dir, sizeof(dir), "/local/domain/%u", id);
		name = xs_get(x, XBT_NULL, dir, "name");
		if (name && !strcmp(name, name_or_id)) {
			*domid = id;
			ret = 0;
		}
		free(name);
	}
	free(ids);
	return ret;
}

int xenib_check_backend(void)
{
	struct stat st;

	if (stat(XENIB_BACKEND_DRIVER_DIR, &st) || !S_ISDIR(st.st_mode))
		return -ENOPKG;
	return 0;
}

int xenib_check_hca(const char *hca, unsigned int port)
{
	char path[XENIB_PATH_MAX + XENIB_HCA_NAME_MAX];
	struct stat st;

	if (!hca || !*hca || strlen(hca) >= XENIB_HCA_NAME_MAX ||
	    strchr(hca, '/') || !strcmp(hca, ".") || !strcmp(hca, ".."))
		return -EINVAL;
	snprintf(path, sizeof(path), "/sys/class/infiniband/%s", hca);
	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return -ENODEV;
	snprintf(path, sizeof(path), "/sys/class/infiniband/%s/ports/%u",
		 hca, port);
	if (port == 0 || stat(path, &st) || !S_ISDIR(st.st_mode))
		return -ENXIO;
	return 0;
}

/* Drop the per-domain backend directory if no device is left in it. */
static void remove_domain_dir(struct xenib *x, unsigned int domid)
{
	char dir[XENIB_PATH_MAX];
	char **ents;
	unsigned int n;

	snprintf(dir, sizeof(dir), "/local/domain/%u/backend/xenib/%u",
		 XENIB_BACKEND_DOMID, domid);
	ents = xs_directory(x->xs, XBT_NULL, dir, &n);
	if (ents && n == 0)
		xs_rm(x->xs, XBT_NULL, dir);
	free(ents);
}

/*
 * Where xenbus_dev_fatal() in the backend leaves its message for a device:
 * /local/domain/<be>/error/<backend path relative to the domain>.
 */
static void error_dir(char *buf, unsigned int domid, unsigned int devid)
{
	snprintf(buf, XENIB_PATH_MAX,
		 "/local/domain/%u/error/backend/xenib/%u/%u",
		 XENIB_BACKEND_DOMID, domid, devid);
}

/*
 * Remove both ends of a device and the backend's error message for it, so
 * that a later device of the same number does not inherit it; failures
 * are ignored (already gone).
 */
static void remove_nodes(struct xenib *x, unsigned int domid,
			 unsigned int devid)
{
	char path[XENIB_PATH_MAX];

	be_path(path, domid, devid);
	xs_rm(x->xs, XBT_NULL, path);
	fe_path(path, domid, devid);
	xs_rm(x->xs, XBT_NULL, path);
	error_dir(path, domid, devid);
	xs_rm(x->xs, XBT_NULL, path);
	remove_domain_dir(x, domid);
}

/* What the attach transactions write: both ends of one device. */
struct attach_tx {
	unsigned int domid;
	const char *be;
	const char *fe;
	const char *hca;
	unsigned int port;
	const char *ip;
};

/*
 * The first transaction: check that neither end exists, create both
 * directories empty and give them their owner and permissions (frontend:
 * owned by the guest, readable by the backend domain; backend: the other
 * way round).  Without a state node xenbus ignores them.
 */
static int create_dirs(struct xenib *x, xs_transaction_t t, void *arg)
{
	const struct attach_tx *a = arg;
	struct xs_permissions fe_perms[2] = {
		{ .id = a->domid, .perms = XS_PERM_NONE },
		{ .id = XENIB_BACKEND_DOMID, .perms = XS_PERM_READ },
	};
	struct xs_permissions be_perms[2] = {
		{ .id = XENIB_BACKEND_DOMID, .perms = XS_PERM_NONE },
		{ .id = a->domid, .perms = XS_PERM_READ },
	};
	int err;

	if (xs_exists(x, t, a->be) || xs_exists(x, t, a->fe))
		return -EEXIST;
	err = write_str(x, t, a->fe, NULL, "");
	if (!err)
		err = write_str(x, t, a->be, NULL, "");
	if (!err && !xs_set_permissions(x->xs, t, a->fe, fe_perms, 2))
		err = neg_errno();
	if (!err && !xs_set_permissions(x->xs, t, a->be, be_perms, 2))
		err = neg_errno();
	return err;
}

/*
 * The second transaction: every key of both ends at once, so that each
 * end, when its state node appears, finds itself and its peer complete.
 * The keys inherit the directories' permissions.
 */
static int write_keys(struct xenib *x, xs_transaction_t t, void *arg)
{
	const struct attach_tx *a = arg;
	int err;

	err = write_str(x, t, a->fe, "backend", a->be);
	if (!err)
		err = write_uint(x, t, a->fe, "backend-id", XENIB_BACKEND_DOMID);
	if (!err)
		err = write_uint(x, t, a->fe, "state", XenbusStateInitialising);
	if (!err)
		err = write_str(x, t, a->be, "frontend", a->fe);
	if (!err)
		err = write_uint(x, t, a->be, "frontend-id", a->domid);
	if (!err)
		err = write_str(x, t, a->be, "online", "1");
	if (!err)
		err = write_str(x, t, a->be, "hca", a->hca);
	if (!err)
		err = write_uint(x, t, a->be, "port", a->port);
	if (!err && a->ip && *a->ip)
		err = write_str(x, t, a->be, "ip", a->ip);
	if (!err)
		err = write_uint(x, t, a->be, "state", XenbusStateInitialising);
	return err;
}

/*
 * The reason a backend gave: its own "error" node, or the one
 * xenbus_dev_fatal() writes under /local/domain/<be>/error/<nodename>
 * (remove_nodes() removes that one with the device).
 */
static char *backend_error(struct xenib *x, unsigned int domid,
			   unsigned int devid, const char *be)
{
	char dir[XENIB_PATH_MAX];
	char *err = xs_get(x, XBT_NULL, be, "error");

	error_dir(dir, domid, devid);
	if (!err)
		err = xs_get(x, XBT_NULL, dir, "error");
	return err;
}

int xenib_check_addrs(const char *ip, const char **bad)
{
	unsigned char buf[16];
	char tok[64];
	unsigned int n = 0;
	const char *p = ip;
	size_t len;

	while (*p) {
		len = strcspn(p, " ");
		if (!len || len >= sizeof(tok) || ++n > XENIB_ATTACH_MAX_ADDRS)
			goto bad;
		memcpy(tok, p, len);
		tok[len] = '\0';
		if (inet_pton(AF_INET, tok, buf) != 1 &&
		    inet_pton(AF_INET6, tok, buf) != 1)
			goto bad;
		p += len;
		if (*p && !*++p)	/* a trailing space */
			goto bad;
	}
	return 0;
bad:
	if (bad)
		*bad = p;
	return -EDESTADDRREQ;
}

int xenib_add_addr(char *ip, const char *addr)
{
	size_t used = strlen(ip);

	if (used + !!used + strlen(addr) >= XENIB_ADDRS_MAX)
		return -E2BIG;
	sprintf(ip + used, "%s%s", used ? " " : "", addr);
	return 0;
}

void xenib_format_addrs(char *buf, size_t len, const char *ip,
			const char *before, const char *after)
{
	size_t out = 0, n;
	int w;

	if (len)
		*buf = '\0';
	while (*ip) {
		n = strcspn(ip, " ");
		w = snprintf(buf + out, len - out, "%s%.*s%s", before, (int)n,
			     ip, after);
		if (w < 0 || (size_t)w >= len - out)
			return;
		out += w;
		ip += n;
		ip += strspn(ip, " ");
	}
}

int xenib_attach(struct xenib *x, unsigned int domid, unsigned int devid,
		 const char *hca, unsigned int port, const char *ip,
		 char *why, size_t why_len)
{
	char be[XENIB_PATH_MAX], fe[XENIB_PATH_MAX], dom[XENIB_PATH_MAX];
	struct attach_tx a = {
		.domid = domid, .be = be, .fe = fe, .hca = hca, .port = port,
		.ip = ip,
	};
	char *err_msg;
	int err, state;

	snprintf(dom, sizeof(dom), "/local/domain/%u", domid);
	if (!xs_exists(x, XBT_NULL, dom))
		return -ESRCH;
	err = xenib_check_backend();
	if (err)
		return err;
	err = xenib_check_hca(hca, port);
	if (err)
		return err;
	if (ip && xenib_check_addrs(ip, NULL))
		return -EDESTADDRREQ;

	be_path(be, domid, devid);
	fe_path(fe, domid, devid);
	err = transact(x, create_dirs, &a);
	if (err)
		return err;
	err = transact(x, write_keys, &a);
	if (err) {
		remove_nodes(x, domid, devid);
		return err;
	}

	/* The backend probes at once; InitWait says it took the device. */
	if (!wait_state(x, be, XENIB_ACCEPT_TIMEOUT_MS, XenbusStateInitWait,
			XenbusStateConnected))
		return 0;
	state = xs_get_int(x, be, "state");
	err_msg = backend_error(x, domid, devid, be);
	if (why)
		snprintf(why, why_len, "state %s%s%s",
			 xenib_state_name(state), err_msg ? ", error: " : "",
			 err_msg ? err_msg : "");
	free(err_msg);
	remove_nodes(x, domid, devid);
	return -ECONNREFUSED;
}

int xenib_wait_connected(struct xenib *x, unsigned int domid,
			 unsigned int devid, unsigned int timeout_ms)
{
	unsigned long long end = now_ms() + timeout_ms;
	char be[XENIB_PATH_MAX], fe[XENIB_PATH_MAX];

	be_path(be, domid, devid);
	fe_path(fe, domid, devid);
	for (;;) {
		if (!xs_exists(x, XBT_NULL, be))
			return -ENOENT;
		if (xs_get_int(x, fe, "state") == XenbusStateConnected &&
		    xs_get_int(x, be, "state") == XenbusStateConnected)
			return 0;
		if (now_ms() >= end)
			return -ETIMEDOUT;
		sleep_ms(XENIB_POLL_MS);
	}
}

/* What the detach transaction needs, and whether the backend was Closed. */
struct detach_tx {
	const char *be;
	bool closed;
};

/* Take the device offline and ask its backend to close. */
static int close_backend(struct xenib *x, xs_transaction_t t, void *arg)
{
	struct detach_tx *d = arg;
	int err;

	err = write_str(x, t, d->be, "online", "0");
	/*
	 * A backend already Closed (its frontend went away first) has
	 * nothing left to close: nobody would answer a Closing request, so
	 * it is removed at once.
	 */
	d->closed = !err && xs_get_int(x, d->be, "state") == XenbusStateClosed;
	if (!err && !d->closed)
		err = write_uint(x, t, d->be, "state", XenbusStateClosing);
	return err;
}

int xenib_detach(struct xenib *x, unsigned int domid, unsigned int devid,
		 unsigned int timeout_ms, char *why, size_t why_len)
{
	char be[XENIB_PATH_MAX], fe[XENIB_PATH_MAX];
	struct detach_tx d = { .be = be };
	int err;

	be_path(be, domid, devid);
	fe_path(fe, domid, devid);
	if (!xs_exists(x, XBT_NULL, be))
		return -ENOENT;

	err = transact(x, close_backend, &d);
	if (err)
		return err;

	err = d.closed ? 0 : wait_state(x, be, timeout_ms, XenbusStateClosed,
					XenbusStateClosed);
	if (err && why)
		snprintf(why, why_len, "backend %s, frontend %s",
			 xenib_state_name(xs_get_int(x, be, "state")),
			 xenib_state_name(xs_get_int(x, fe, "state")));
	remove_nodes(x, domid, devid);
	return err;
}

int xenib_get_device(struct xenib *x, unsigned int domid, unsigned int devid,
		     struct xenib_device_info *info)
{
	char *s;
	int err;

	memset(info, 0, sizeof(*info));
	info->domid = domid;
	info->devid = devid;
	be_path(info->backend_path, domid, devid);
	if (!xs_exists(x, XBT_NULL, info->backend_path))
		return -ENOENT;

	/* The frontend is where the backend looks for it. */
	s = xs_get(x, XBT_NULL, info->backend_path, "frontend");
	if (s && *s && strlen(s) < XENIB_PATH_MAX)
		strcpy(info->frontend_path, s);
	else
		fe_path(info->frontend_path, domid, devid);
	free(s);

	err = xenib_domain_name(x, domid, info->domain, sizeof(info->domain));
	if (err)
		info->domain[0] = '\0';
	info->backend_state = xs_get_int(x, info->backend_path, "state");
	info->frontend_state = xs_get_int(x, info->frontend_path, "state");
	s = xs_get(x, XBT_NULL, info->backend_path, "hca");
	if (s)
		snprintf(info->hca, sizeof(info->hca), "%s", s);
	free(s);
	info->port = xs_get_int(x, info->backend_path, "port");
	s = xs_get(x, XBT_NULL, info->backend_path, "ip");
	if (s)
		snprintf(info->ip, sizeof(info->ip), "%s", s);
	free(s);
	info->version = xs_get_int(x, info->frontend_path, "version");
	s = backend_error(x, domid, devid, info->backend_path);
	if (s)
		snprintf(info->error, sizeof(info->error), "%s", s);
	free(s);
	return 0;
}

static int cmp_info(const void *a, const void *b)
{
	const struct xenib_device_info *p = a, *q = b;

	if (p->domid != q->domid)
		return p->domid < q->domid ? -1 : 1;
	if (p->devid != q->devid)
		return p->devid < q->devid ? -1 : 1;
	return 0;
}

/* Append the devices of one domain's backend directory to *infos. */
static int list_domain(struct xenib *x, unsigned int domid,
		       struct xenib_device_info **infos, unsigned int *nr)
{
	char dir[XENIB_PATH_MAX];
	struct xenib_device_info *grown;
	unsigned int i, n, devid;
	char **devs;
	int err = 0;

	snprintf(dir, sizeof(dir), "/local/domain/%u/backend/xenib/%u",
		 XENIB_BACKEND_DOMID, domid);
	devs = xs_directory(x->xs, XBT_NULL, dir, &n);
	if (!devs)
		return errno == ENOENT ? 0 : neg_errno();
	for (i = 0; i < n && !err; i++) {
		if (parse_uint(devs[i], &devid))
			continue;
		grown = realloc(*infos, (*nr + 1) * sizeof(**infos));
		if (!grown) {
			err = -ENOMEM;
			break;
		}
		*infos = grown;
		/* A device that went away meanwhile is simply not listed. */
		err = xenib_get_device(x, domid, devid, &grown[*nr]);
		if (!err)
			(*nr)++;
		else if (err == -ENOENT)
			err = 0;
	}
	free(devs);
	return err;
}

int xenib_list(struct xenib *x, struct xenib_device_info **infos,
	       unsigned int *nr)
{
	char dir[XENIB_PATH_MAX];
	unsigned int i, n, domid;
	char **doms;
	int err = 0;

	*infos = NULL;
	*nr = 0;
	snprintf(dir, sizeof(dir), "/local/domain/%u/backend/xenib",
		 XENIB_BACKEND_DOMID);
	errno = 0;
	doms = xs_directory(x->xs, XBT_NULL, dir, &n);
	if (!doms)
		return errno == ENOENT ? 0 : neg_errno();
	for (i = 0; i < n && !err; i++)
		if (!parse_uint(doms[i], &domid))
			err = list_domain(x, domid, infos, nr);
	free(doms);
	if (err) {
		free(*infos);
		*infos = NULL;
		*nr = 0;
		return err;
	}
	if (*nr > 1)
		qsort(*infos, *nr, sizeof(**infos), cmp_info);
	return 0;
}

static bool valid_key(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && *s != '_')
			return false;
	return true;
}

/* Parse one line into @kv; -EBADMSG if malformed, 1 if blank. */
static int parse_kv_line(char *line, struct xenib_kv *kv)
{
	char *tok, *save = NULL;

	memset(kv, 0, sizeof(*kv));
	tok = strtok_r(line, " \t\n", &save);
	if (!tok)
		return 1;
	if (!valid_key(tok) || strlen(tok) >= XENIB_KV_KEY_MAX)
		return -EBADMSG;
	strcpy(kv->key, tok);
	while ((tok = strtok_r(NULL, " \t\n", &save))) {
		if (kv->nr_values == XENIB_KV_MAX_VALUES ||
		    strlen(tok) >= XENIB_KV_VALUE_MAX)
			return -EBADMSG;
		strcpy(kv->value[kv->nr_values++], tok);
	}
	return kv->nr_values ? 0 : -EBADMSG;
}

int xenib_read_kv_file(const char *path, struct xenib_kv **kvs,
		       unsigned int *nr)
{
	struct xenib_kv *arr = NULL, *grown;
	unsigned int n = 0;
	char line[256];
	int err = 0;
	FILE *f;

	*kvs = NULL;
	*nr = 0;
	f = fopen(path, "r");
	if (!f)
		return neg_errno();
	while (fgets(line, sizeof(line), f)) {
		if (!strchr(line, '\n') && !feof(f)) {
			err = -EBADMSG;
			break;
		}
		grown = realloc(arr, (n + 1) * sizeof(*arr));
		if (!grown) {
			err = -ENOMEM;
			break;
		}
		arr = grown;
		err = parse_kv_line(line, &arr[n]);
		if (err < 0)
			break;
		if (err == 0)
			n++;
		err = 0;
	}
	if (!err && ferror(f))
		err = -EIO;
	fclose(f);
	if (err) {
		free(arr);
		return err;
	}
	*kvs = arr;
	*nr = n;
	return 0;
}

const char *xenib_state_name(int state)
{
	static const char * const names[] = {
		[XenbusStateUnknown] = "Unknown",
		[XenbusStateInitialising] = "Initialising",
		[XenbusStateInitWait] = "InitWait",
		[XenbusStateInitialised] = "Initialised",
		[XenbusStateConnected] = "Connected",
		[XenbusStateClosing] = "Closing",
		[XenbusStateClosed] = "Closed",
		[XenbusStateReconfiguring] = "Reconfiguring",
		[XenbusStateReconfigured] = "Reconfigured",
	};

	if (state < 0)
		return "gone";
	if ((unsigned int)state >= ARRAY_SIZE(names) || !names[state])
		return "Unknown";
	return names[state];
}

int xenib_domain_uuid(struct xenib *x, unsigned int domid,
		      char uuid[XENIB_UUID_MAX])
{
	char dir[XENIB_PATH_MAX];
	const char *base;
	char *vm;
	int ret = 0;

	snprintf(dir, sizeof(dir), "/local/domain/%u", domid);
	if (!xs_exists(x, XBT_NULL, dir))
		return -ESRCH;
	/* "/vm/<uuid>", as libxl writes it. */
	vm = xs_get(x, XBT_NULL, dir, "vm");
	base = vm ? strrchr(vm, '/') : NULL;
	if (!base || strlen(base + 1) != XENIB_UUID_MAX - 1)
		ret = -ENOENT;
	else
		strcpy(uuid, base + 1);
	free(vm);
	return ret;
}

/* 8-4-4-4-12 hexadecimal digits: also keeps @uuid a plain file name. */
bool xenib_is_uuid(const char *uuid)
{
	unsigned int i;

	if (!uuid || strlen(uuid) != XENIB_UUID_MAX - 1)
		return false;
	for (i = 0; i < XENIB_UUID_MAX - 1; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? uuid[i] != '-' : !isxdigit((unsigned char)uuid[i]))
			return false;
	}
	return true;
}

static void record_path(char *buf, size_t len, const char *uuid,
			const char *devid)
{
	snprintf(buf, len, "%s/%s%s%s", XENIB_RECORD_DIR, uuid,
		 devid ? "/" : "", devid ? devid : "");
}

/* mkdir -p of the record directory of @uuid. */
static int make_record_dir(const char *uuid)
{
	char path[sizeof(XENIB_RECORD_DIR) + XENIB_UUID_MAX + 1];
	char *p = path;

	record_path(path, sizeof(path), uuid, NULL);
	do {
		p = strchr(p + 1, '/');
		if (p)
			*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			return neg_errno();
		if (p)
			*p = '/';
	} while (p);
	return 0;
}

int xenib_remember(const char *uuid, const struct xenib_record *rec)
{
	char path[sizeof(XENIB_RECORD_DIR) + XENIB_UUID_MAX + 16];
	char tmp[sizeof(path) + 8], devid[12];
	char ips[XENIB_ATTACH_MAX_ADDRS * (XENIB_ADDR_MAX + 4)];
	FILE *f;
	int err;

	/* Checked as read back, and so that @ips holds every address. */
	if (!xenib_is_uuid(uuid) || !*rec->hca ||
	    strpbrk(rec->hca, " \t\n") || xenib_check_addrs(rec->ip, NULL))
		return -EINVAL;
	err = make_record_dir(uuid);
	if (err)
		return err;
	snprintf(devid, sizeof(devid), "%u", rec->devid);
	record_path(path, sizeof(path), uuid, devid);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	/* Written aside and renamed, so a reader never sees half of it. */
	f = fopen(tmp, "w");
	if (!f)
		return neg_errno();
	xenib_format_addrs(ips, sizeof(ips), rec->ip, "ip ", "\n");
	fprintf(f, "hca %s\nport %u\n%s", rec->hca, rec->port, ips);
	if (fclose(f) || rename(tmp, path)) {
		err = neg_errno();
		unlink(tmp);
		return err;
	}
	return 0;
}

int xenib_forget(const char *uuid, unsigned int devid)
{
	char path[sizeof(XENIB_RECORD_DIR) + XENIB_UUID_MAX + 16];
	char id[12];

	if (!xenib_is_uuid(uuid))
		return -EINVAL;
	snprintf(id, sizeof(id), "%u", devid);
	record_path(path, sizeof(path), uuid, id);
	if (unlink(path))
		return neg_errno();
	/* The last device of the domain takes its directory along. */
	record_path(path, sizeof(path), uuid, NULL);
	rmdir(path);
	return 0;
}

/* Parse the record file @path of device @devid into @rec. */
static int read_record(const char *path, unsigned int devid,
		       struct xenib_record *rec)
{
	bool hca = false, port = false;
	struct xenib_kv *kvs;
	unsigned int nr, i;
	int err;

	_Static_assert(XENIB_KV_VALUE_MAX <= sizeof(rec->hca),
		       "a record's hca value fits its field");
	memset(rec, 0, sizeof(*rec));
	rec->devid = devid;
	err = xenib_read_kv_file(path, &kvs, &nr);
	if (err)
		return err;
	for (i = 0; !err && i < nr; i++) {
		const char *key = kvs[i].key, *val = kvs[i].value[0];

		if (kvs[i].nr_values != 1) {
			err = -EBADMSG;
		} else if (!strcmp(key, "hca") && !hca) {
			strcpy(rec->hca, val);
			hca = true;
		} else if (!strcmp(key, "port") && !port) {
			err = parse_uint(val, &rec->port);
			port = true;
		} else if (!strcmp(key, "ip")) {
			err = xenib_add_addr(rec->ip, val);
		} else {
			err = -EBADMSG;
		}
	}
	free(kvs);
	if (err || !hca || !port || xenib_check_addrs(rec->ip, NULL))
		return -EBADMSG;
	return 0;
}

static int cmp_record(const void *a, const void *b)
{
	const struct xenib_record *ra = a, *rb = b;

	return (ra->devid > rb->devid) - (ra->devid < rb->devid);
}

int xenib_recall(const char *uuid, struct xenib_record **recs,
		 unsigned int *nr, char *bad, size_t bad_len)
{
	char dir[sizeof(XENIB_RECORD_DIR) + XENIB_UUID_MAX + 1];
	char path[sizeof(dir) + 256];
	struct xenib_record rec, *more;
	struct dirent *ent;
	unsigned int devid;
	int ret = 0;
	DIR *d;

	*recs = NULL;
	*nr = 0;
	if (!xenib_is_uuid(uuid))
		return -EINVAL;
	record_path(dir, sizeof(dir), uuid, NULL);
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : neg_errno();
	while ((ent = readdir(d))) {
		/* Skips ".", ".." and a "N.new" left by a crash. */
		if (parse_uint(ent->d_name, &devid))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, ent->d_name);
		if (read_record(path, devid, &rec)) {
			if (bad)
				snprintf(bad, bad_len, "%s", path);
			ret = -EBADMSG;
			continue;
		}
		more = realloc(*recs, (*nr + 1) * sizeof(**recs));
		if (!more) {
			ret = -ENOMEM;
			break;
		}
		*recs = more;
		(*recs)[(*nr)++] = rec;
	}
	closedir(d);
	if (ret == -ENOMEM) {
		free(*recs);
		*recs = NULL;
		*nr = 0;
	} else if (*nr > 1) {
		qsort(*recs, *nr, sizeof(**recs), cmp_record);
	}
	return ret;
}

int xenib_domains(struct xenib *x, unsigned int **ids, unsigned int *nr)
{
	unsigned int i, n, id;
	char **ents;

	*ids = NULL;
	*nr = 0;
	ents = xs_directory(x->xs, XBT_NULL, "/local/domain", &n);
	if (!ents)
		return neg_errno();
	*ids = calloc(n ? n : 1, sizeof(**ids));
	if (!*ids) {
		free(ents);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		if (!parse_uint(ents[i], &id))
			(*ids)[(*nr)++] = id;
	free(ents);
	return 0;
}

/* xenstored's special paths for domain creation and destruction. */
static const char *const domain_watches[] = {
	"@introduceDomain", "@releaseDomain",
};

int xenib_watch_domains(struct xenib *x)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(domain_watches); i++)
		if (!xs_watch(x->xs, domain_watches[i], domain_watches[i]))
			return neg_errno();
	return 0;
}

int xenib_wait_domains_changed(struct xenib *x)
{
	unsigned int n;
	char **ev;

	ev = xs_read_watch(x->xs, &n);
	if (!ev)
		return neg_errno();
	free(ev);
	/* Events queued meanwhile are answered by the same look. */
	while ((ev = xs_check_watch(x->xs)))
		free(ev);
	return 0;
}
