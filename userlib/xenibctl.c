// SPDX-License-Identifier: GPL-2.0
/*
 * xenibctl: attach, detach, list and inspect xenib devices in the backend
 * domain (Dom0).  Built on libxenib (include/xenib/libxenib.h); "xenibctl
 * --help" describes the commands and exit codes.
 *
 * Copyright (c) 2026 The xenib authors
 */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xenib/libxenib.h"

/* Exit codes; keep in step with usage_main. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_NO_DOMAIN = 3,
	EXIT_NO_HCA = 4,
	EXIT_ATTACHED = 5,
	EXIT_NO_BACKEND = 6,
};

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

#define DEFAULT_WAIT_CONNECTED	30	/* seconds, for a bare --wait-connected */
#define FRONTEND_MODULE		"/sys/module/xen_ibfront"
#define DEFAULT_DETACH_TIMEOUT	(XENIB_DETACH_TIMEOUT_MS / 1000)

static const char usage_exit_codes[] =
	"Exit codes:\n"
	"  0  success\n"
	"  1  the operation failed (xenstore error, backend refused the device,\n"
	"     not connected in time, no backend statistics); the message says\n"
	"     what to do\n"
	"  2  usage error\n"
	"  3  unknown domain\n"
	"  4  no such RDMA device or port here\n"
	"  5  attach: the domain already has that device; detach, show: it has\n"
	"     no such device\n"
	"  6  backend module xen-ibback not loaded\n";

static const char usage_attach[] =
	"usage: xenibctl attach DOMAIN [hca=DEV] [port=N] [devid=N] [ip=ADDR]...\n"
	"                       [--wait-connected[=SECS]]\n"
	"\n"
	"Give DOMAIN (name or id) port N (default 1) of RDMA device DEV (default\n"
	"rxe0) of this domain as its xenib device devid (default 0): writes both\n"
	"ends' xenstore directories and waits until the backend accepted the\n"
	"device (InitWait).  With --wait-connected also waits until both ends\n"
	"are Connected (SECS, default 30); if they are not, the device stays\n"
	"attached and the exit code is 1.\n"
	"\n"
	"ip=ADDR (IPv4 or IPv6, up to 8 times): an address the guest may send\n"
	"RoCE traffic from; without, only the port's link-local GIDs.  Add the\n"
	"address to DEV's netdev here too, so that the real port has its GIDs.\n"
	"\n"
	"DOMAIN may be Domain-0 itself, with xen-ibfront loaded here: its\n"
	"programs then reach the guests' connection manager through the same\n"
	"relay.  Move the new netdev into a network namespace of its own first\n"
	"(README.md), since this domain's stack has every guest's address.\n";

static const char usage_detach[] =
	"usage: xenibctl detach DOMAIN [devid=N] [--timeout=SECS]\n"
	"\n"
	"Take xenib device devid (default 0) away from DOMAIN: asks the backend\n"
	"to close, waits until it is Closed (SECS, default 20) and removes both\n"
	"ends' xenstore directories.  A device that does not close in time is\n"
	"removed anyway, with a warning (exit code 0).\n";

static const char usage_list[] =
	"usage: xenibctl list [--json]\n"
	"\n"
	"Every attached xenib device: domain, domid, devid, backend and frontend\n"
	"state, RDMA device, port and protocol version (\"-\" until the frontend\n"
	"chose one).  --json: a JSON array of objects with the keys domain,\n"
	"domid, devid, backend_state, frontend_state, hca, port, ip, version,\n"
	"backend_path, frontend_path (null where unknown) and error (why the\n"
	"backend failed the device, null if it did not).\n";

static const char usage_show[] =
	"usage: xenibctl show DOMAIN [devid=N] [--json]\n"
	"\n"
	"The list fields of xenib device devid (default 0) of DOMAIN, the\n"
	"backend's error if it failed the device, and what the backend reports\n"
	"for it in sysfs: objects and pages in use against their quotas, and\n"
	"its counters.  --json: one object with the list keys\n"
	"plus \"sysfs\" (the directory), \"resources\" ({TYPE: {\"in_use\": N,\n"
	"\"quota\": N}}) and \"stats\" ({COUNTER: N}).  A device the backend does\n"
	"not serve (not bound, or an older xen-ibback) has no statistics: exit\n"
	"code 1.\n";

static const char usage_daemon[] =
	"usage: xenibctl daemon\n"
	"\n"
	"Stay in the foreground and attach xenib devices again when their domain\n"
	"comes back under a new id: after xl restore, xl migrate to this host or\n"
	"a reboot of the guest.  The toolstack recreates only the devices of a\n"
	"domain's configuration, so \"xenibctl attach\" records each device it\n"
	"attaches to a guest by the domain's UUID, in " XENIB_RECORD_DIR ",\n"
	"and \"xenibctl detach\" drops the record.  Every device attached again\n"
	"is reported on stdout, every one that cannot be on stderr with what to\n"
	"do.  Run it as a service of Dom0 (scripts/xenib.service).\n";

static const char usage_export[] =
	"usage: xenibctl export DOMAIN\n"
	"\n"
	"Print the xenib devices recorded for DOMAIN (see \"xenibctl daemon\"),\n"
	"one line per device: the domain's UUID, then its attach arguments\n"
	"(devid=, hca=, port=, ip=).  Nothing if there are none.  \"xenibctl\n"
	"import\" on another Dom0 reads them, so that the daemon there attaches\n"
	"the devices when the domain is migrated to it (scripts/xenib-migrate).\n";

static const char usage_import[] =
	"usage: xenibctl import\n"
	"\n"
	"Record the devices that \"xenibctl export\" printed, read from stdin, for\n"
	"\"xenibctl daemon\" to attach when their domain comes here.  Nothing is\n"
	"attached now.  A line that is not such a record is an error, and no\n"
	"line is recorded then.\n";

static const char usage_main[] =
	"usage: xenibctl COMMAND [ARGS]\n"
	"\n"
	"Manage xenib devices (RDMA for Xen guests) from the backend domain.\n"
	"\n"
	"Commands:\n"
	"  attach DOMAIN [hca=DEV] [port=N] [devid=N] [ip=ADDR]... [--wait-connected[=SECS]]\n"
	"  detach DOMAIN [devid=N] [--timeout=SECS]\n"
	"  list [--json]\n"
	"  show DOMAIN [devid=N] [--json]\n"
	"  daemon\n"
	"  export DOMAIN\n"
	"  import\n"
	"\n"
	"DOMAIN is a domain name or id.  \"xenibctl COMMAND --help\" describes a\n"
	"command.\n"
	"\n";

static void msg(const char *fmt, ...)
{
	va_list ap;

	fputs("xenibctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A usage error: the message, then the command's usage, on stderr. */
static int usage_error(const char *usage, const char *what, const char *arg)
{
	if (what)
		fprintf(stderr, "xenibctl: %s '%s'\n", what, arg);
	fputs(usage, stderr);
	return EXIT_USAGE;
}

static bool is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

/* "key=N" with N a decimal number into *val; false if not of that form. */
static bool num_arg(const char *arg, const char *key, unsigned int *val,
		    bool *bad)
{
	size_t len = strlen(key);
	unsigned long v;
	char *end;

	if (strncmp(arg, key, len) || arg[len] != '=')
		return false;
	arg += len + 1;
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end || errno || v > UINT32_MAX / 1000)
		*bad = true;
	else
		*val = v;
	return true;
}

/* The xenstore connection, opened once the arguments are checked. */
static struct xenib *x;

static int open_xs(void)
{
	int err = x ? 0 : xenib_open(&x);

	if (err) {
		msg("cannot connect to xenstore: %s (run as root in Dom0; is xenstored running?)",
		    strerror(-err));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int resolve(const char *dom, unsigned int *domid)
{
	int err, rc = open_xs();

	if (rc)
		return rc;
	err = xenib_domid_by_name(x, dom, domid);
	if (err == -ESRCH) {
		msg("unknown domain '%s' (see 'xl list')", dom);
		return EXIT_NO_DOMAIN;
	}
	if (err) {
		msg("looking up domain '%s' in xenstore: %s", dom,
		    strerror(-err));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* Say why xenib_attach() failed with @err; the exit code that goes with it. */
static int attach_failed(int err, const char *dom, unsigned int devid,
			 const char *hca, unsigned int port, const char *why)
{
	switch (err) {
	case -ENOPKG:
		msg("backend driver not loaded: run 'modprobe xen-ibback' first");
		return EXIT_NO_BACKEND;
	case -EINVAL:
	case -ENODEV:
		msg("no RDMA device '%s' here (see 'rdma link' or 'ls /sys/class/infiniband')",
		    hca);
		return EXIT_NO_HCA;
	case -ENXIO:
		msg("RDMA device '%s' has no port %u (see 'rdma link')", hca,
		    port);
		return EXIT_NO_HCA;
	case -EEXIST:
		msg("domain %s already has xenib device %u (detach it with: xenibctl detach %s devid=%u)",
		    dom, devid, dom, devid);
		return EXIT_ATTACHED;
	case -ESRCH:
		msg("unknown domain '%s' (see 'xl list')", dom);
		return EXIT_NO_DOMAIN;
	case -ECONNREFUSED:
		msg("backend did not accept the device (%s); see dmesg", why);
		return EXIT_FAIL;
	default:
		msg("attaching xenib device %u to %s failed: %s", devid, dom,
		    strerror(-err));
		return EXIT_FAIL;
	}
}

/*
 * Record an attached device for "xenibctl daemon", which attaches it again
 * when the domain is restored or migrated here.  The device works without
 * the record, so a failure is only a warning.
 */
static void remember(unsigned int domid, const struct xenib_record *dev)
{
	char uuid[XENIB_UUID_MAX];
	int err;

	/* Domain-0 is neither saved nor migrated. */
	if (domid == XENIB_BACKEND_DOMID)
		return;
	err = xenib_domain_uuid(x, domid, uuid);
	if (!err)
		err = xenib_remember(uuid, dev);
	if (err)
		fprintf(stderr, "xenibctl: warning: not recorded in %s (%s): after xl restore or xl migrate, attach the device again by hand\n",
			XENIB_RECORD_DIR, strerror(-err));
}

#define BAD_ADDR "ip= takes an IPv4 or IPv6 address, at most 8 of them:"

/*
 * One of the arguments that name a device, its port and addresses
 * (hca=, port=, devid=, ip=), into @dev; false if @arg is none of them.
 * *@why_bad says what is wrong with a value, else it is left alone.
 */
static bool device_arg(const char *arg, struct xenib_record *dev,
		       const char **why_bad)
{
	bool bad = false;

	if (!strncmp(arg, "hca=", 4)) {
		if (!arg[4] || strlen(arg + 4) >= sizeof(dev->hca))
			*why_bad = "hca= takes an RDMA device's name:";
		else
			strcpy(dev->hca, arg + 4);
	} else if (!strncmp(arg, "ip=", 3)) {
		if (xenib_add_addr(dev->ip, arg + 3))
			*why_bad = "too many addresses:";
	} else if (!num_arg(arg, "port", &dev->port, &bad) &&
		   !num_arg(arg, "devid", &dev->devid, &bad)) {
		return false;
	}
	if (bad)
		*why_bad = "port and devid must be numbers:";
	return true;
}

/* Largest device_args() text. */
#define DEVICE_ARGS_MAX	(64 + XENIB_HCA_NAME_MAX + \
			 XENIB_ATTACH_MAX_ADDRS * (XENIB_ADDR_MAX + 4))

/* The attach arguments that make @dev, as device_arg() reads them. */
static void device_args(char *buf, size_t len, const struct xenib_record *dev)
{
	int n;

	n = snprintf(buf, len, "devid=%u hca=%s port=%u", dev->devid, dev->hca,
		     dev->port);
	if (n > 0 && (size_t)n < len)
		xenib_format_addrs(buf + n, len - n, dev->ip, " ip=", "");
}

/* What attach gives a domain when the arguments do not say. */
#define DEVICE_DEFAULTS { .devid = 0, .hca = "rxe0", .port = 1 }

static int cmd_attach(int argc, char **argv)
{
	struct xenib_record dev = DEVICE_DEFAULTS;
	unsigned int wait = 0, domid;
	const char *dom, *bad_addr, *why_bad = NULL;
	char why[512] = "";
	bool bad = false;
	int i, err, rc;

	if (argc < 1)
		return usage_error(usage_attach, NULL, NULL);
	dom = argv[0];
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (device_arg(a, &dev, &why_bad))
			;
		else if (!strcmp(a, "--wait-connected"))
			wait = DEFAULT_WAIT_CONNECTED;
		else if (!num_arg(a, "--wait-connected", &wait, &bad))
			return usage_error(usage_attach, "unknown argument", a);
		else if (bad)
			why_bad = "the wait must be a number:";
		if (why_bad)
			return usage_error(usage_attach, why_bad, a);
	}
	if (xenib_check_addrs(dev.ip, &bad_addr))
		return usage_error(usage_attach, BAD_ADDR, bad_addr);

	rc = resolve(dom, &domid);
	if (rc)
		return rc;
	/* A guest's frontend cannot be seen from here, this domain's can. */
	if (domid == XENIB_BACKEND_DOMID && access(FRONTEND_MODULE, F_OK)) {
		msg("Domain-0's own device needs the frontend here: run 'modprobe xen-ibfront' first");
		return EXIT_FAIL;
	}
	err = xenib_attach(x, domid, dev.devid, dev.hca, dev.port, dev.ip, why,
			   sizeof(why));
	if (err)
		return attach_failed(err, dom, dev.devid, dev.hca, dev.port,
				     why);
	remember(domid, &dev);

	if (wait) {
		err = xenib_wait_connected(x, domid, dev.devid, wait * 1000);
		if (err) {
			struct xenib_device_info info;

			if (xenib_get_device(x, domid, dev.devid, &info))
				msg("device %u of %s went away while waiting for it to connect; see dmesg",
				    dev.devid, dom);
			else
				msg("not connected after %us: backend %s, frontend %s; is xen-ibfront loaded in the guest?",
				    wait, xenib_state_name(info.backend_state),
				    xenib_state_name(info.frontend_state));
			return EXIT_FAIL;
		}
	}
	printf("xenib: domain %s (%u) device %u -> %s port %u\n", dom, domid,
	       dev.devid, dev.hca, dev.port);
	return EXIT_OK;
}

static int cmd_detach(int argc, char **argv)
{
	unsigned int devid = 0, timeout = DEFAULT_DETACH_TIMEOUT, domid;
	char why[256] = "", uuid[XENIB_UUID_MAX];
	bool bad = false;
	int i, err, rc;

	if (argc < 1)
		return usage_error(usage_detach, NULL, NULL);
	for (i = 1; i < argc; i++) {
		if (num_arg(argv[i], "devid", &devid, &bad) ||
		    num_arg(argv[i], "--timeout", &timeout, &bad)) {
			if (bad)
				return usage_error(usage_detach,
						   "devid and the timeout must be numbers:",
						   argv[i]);
			continue;
		}
		return usage_error(usage_detach, "unknown argument", argv[i]);
	}

	rc = resolve(argv[0], &domid);
	if (rc)
		return rc;
	/* Not to come back after a restore, even if the detach fails. */
	if (!xenib_domain_uuid(x, domid, uuid))
		xenib_forget(uuid, devid);
	err = xenib_detach(x, domid, devid, timeout * 1000, why, sizeof(why));
	if (err == -ENOENT) {
		msg("domain %s has no xenib device %u (see 'xenibctl list')",
		    argv[0], devid);
		return EXIT_ATTACHED;
	}
	if (err == -ETIMEDOUT) {
		fprintf(stderr, "xenibctl: warning: %s after %us; removed the device anyway\n",
			why, timeout);
	} else if (err) {
		msg("detaching xenib device %u of %s failed: %s", devid,
		    argv[0], strerror(-err));
		return EXIT_FAIL;
	}
	printf("xenib: domain %s (%u) device %u detached\n", argv[0], domid,
	       devid);
	return EXIT_OK;
}

/* A JSON string, or null for an empty one when @null_if_empty. */
static void json_str(const char *s, bool null_if_empty)
{
	if (null_if_empty && !*s) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void json_int(int v)
{
	if (v < 0)
		fputs("null", stdout);
	else
		printf("%d", v);
}

/* A sysfs value: a number as is, a word as a string. */
static void json_value(const char *v)
{
	const char *p = v;

	while (*p >= '0' && *p <= '9')
		p++;
	if (*v && !*p && (*v != '0' || !v[1]))
		fputs(v, stdout);
	else
		json_str(v, false);
}

/* The list keys of one device, without the braces. */
static void json_info(const struct xenib_device_info *d, const char *indent)
{
	printf("%s\"domain\": ", indent);
	json_str(d->domain, true);
	printf(",\n%s\"domid\": %u,\n%s\"devid\": %u,\n", indent, d->domid,
	       indent, d->devid);
	printf("%s\"backend_state\": \"%s\",\n", indent,
	       xenib_state_name(d->backend_state));
	printf("%s\"frontend_state\": \"%s\",\n", indent,
	       xenib_state_name(d->frontend_state));
	printf("%s\"hca\": ", indent);
	json_str(d->hca, true);
	printf(",\n%s\"port\": ", indent);
	json_int(d->port);
	printf(",\n%s\"ip\": ", indent);
	json_str(d->ip, false);
	printf(",\n%s\"version\": ", indent);
	json_int(d->version);
	printf(",\n%s\"backend_path\": ", indent);
	json_str(d->backend_path, false);
	printf(",\n%s\"frontend_path\": ", indent);
	json_str(d->frontend_path, false);
	printf(",\n%s\"error\": ", indent);
	json_str(d->error, true);
}

static const char *or_dash(const char *s)
{
	return *s ? s : "-";
}

static const char *int_or_dash(int v, char *buf, size_t len)
{
	if (v < 0)
		return "-";
	snprintf(buf, len, "%d", v);
	return buf;
}

static int field_width(int width, const char *s)
{
	int len = strlen(s);

	return len > width ? len : width;
}

static void print_table(const struct xenib_device_info *d, unsigned int nr)
{
	int wdom = strlen("DOMAIN"), whca = strlen("HCA");
	char port[16], ver[16];
	unsigned int i;

	for (i = 0; i < nr; i++) {
		wdom = field_width(wdom, or_dash(d[i].domain));
		whca = field_width(whca, or_dash(d[i].hca));
	}
	printf("%-*s %5s %5s %-12s %-12s %-*s %4s %7s\n", wdom, "DOMAIN",
	       "DOMID", "DEVID", "BACKEND", "FRONTEND", whca, "HCA", "PORT",
	       "VERSION");
	for (i = 0; i < nr; i++)
		printf("%-*s %5u %5u %-12s %-12s %-*s %4s %7s\n", wdom,
		       or_dash(d[i].domain), d[i].domid, d[i].devid,
		       xenib_state_name(d[i].backend_state),
		       xenib_state_name(d[i].frontend_state), whca,
		       or_dash(d[i].hca),
		       int_or_dash(d[i].port, port, sizeof(port)),
		       int_or_dash(d[i].version, ver, sizeof(ver)));
}

static int cmd_list(int argc, char **argv)
{
	struct xenib_device_info *infos;
	bool json = false;
	unsigned int i, nr;
	int err;

	for (i = 0; i < (unsigned int)argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else
			return usage_error(usage_list, "unknown argument",
					   argv[i]);
	}
	if (open_xs())
		return EXIT_FAIL;
	err = xenib_list(x, &infos, &nr);
	if (err) {
		msg("reading the xenib devices from xenstore: %s",
		    strerror(-err));
		return EXIT_FAIL;
	}
	if (json) {
		putchar('[');
		for (i = 0; i < nr; i++) {
			printf("%s\n  {\n", i ? "," : "");
			json_info(&infos[i], "    ");
			printf("\n  }");
		}
		printf("%s]\n", nr ? "\n" : "");
	} else {
		print_table(infos, nr);
	}
	free(infos);
	return EXIT_OK;
}

/* Read one sysfs file of the device; a message and EXIT_FAIL if absent. */
static int read_sysfs(const char *dir, const char *file,
		      const struct xenib_device_info *d, struct xenib_kv **kvs,
		      unsigned int *nr)
{
	char path[XENIB_PATH_MAX + 32];
	int err;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	err = xenib_read_kv_file(path, kvs, nr);
	if (err == -ENOENT && xenib_check_backend()) {
		msg("the backend reports nothing for domain %s device %u: xen-ibback is not loaded (backend %s, frontend %s); run 'modprobe xen-ibback'",
		    or_dash(d->domain), d->devid,
		    xenib_state_name(d->backend_state),
		    xenib_state_name(d->frontend_state));
		return EXIT_FAIL;
	}
	if (err == -ENOENT) {
		msg("the backend reports nothing for domain %s device %u: no %s (backend %s, frontend %s). The device is not bound to the backend (see dmesg; detach and attach it again) or xen-ibback is older than this xenibctl (install the current module)",
		    or_dash(d->domain), d->devid, path,
		    xenib_state_name(d->backend_state),
		    xenib_state_name(d->frontend_state));
		return EXIT_FAIL;
	}
	if (err) {
		msg("reading %s: %s", path, strerror(-err));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static void show_plain(const struct xenib_device_info *d, const char *dir,
		       const struct xenib_kv *res, unsigned int nr_res,
		       const struct xenib_kv *st, unsigned int nr_st)
{
	char buf[16];
	unsigned int i;

	printf("domain:          %s\n", or_dash(d->domain));
	printf("domid:           %u\n", d->domid);
	printf("devid:           %u\n", d->devid);
	printf("backend state:   %s\n", xenib_state_name(d->backend_state));
	printf("frontend state:  %s\n", xenib_state_name(d->frontend_state));
	printf("hca:             %s\n", or_dash(d->hca));
	printf("port:            %s\n", int_or_dash(d->port, buf, sizeof(buf)));
	printf("ip:              %s\n", or_dash(d->ip));
	printf("version:         %s\n",
	       int_or_dash(d->version, buf, sizeof(buf)));
	if (*d->error)
		printf("error:           %s\n", d->error);
	printf("sysfs:           %s\n", dir);

	printf("\n%-14s %12s %12s\n", "RESOURCE", "IN USE", "QUOTA");
	for (i = 0; i < nr_res; i++)
		printf("%-14s %12s %12s\n", res[i].key, res[i].value[0],
		       res[i].nr_values > 1 ? res[i].value[1] : "-");

	printf("\n%-20s %12s\n", "COUNTER", "VALUE");
	for (i = 0; i < nr_st; i++)
		printf("%-20s %12s\n", st[i].key, st[i].value[0]);
}

static void show_json(const struct xenib_device_info *d, const char *dir,
		      const struct xenib_kv *res, unsigned int nr_res,
		      const struct xenib_kv *st, unsigned int nr_st)
{
	unsigned int i;

	printf("{\n");
	json_info(d, "  ");
	printf(",\n  \"sysfs\": ");
	json_str(dir, false);
	printf(",\n  \"resources\": {");
	for (i = 0; i < nr_res; i++) {
		printf("%s\n    ", i ? "," : "");
		json_str(res[i].key, false);
		printf(": {\"in_use\": ");
		json_value(res[i].value[0]);
		printf(", \"quota\": ");
		if (res[i].nr_values > 1)
			json_value(res[i].value[1]);
		else
			fputs("null", stdout);
		putchar('}');
	}
	printf("%s},\n  \"stats\": {", nr_res ? "\n  " : "");
	for (i = 0; i < nr_st; i++) {
		printf("%s\n    ", i ? "," : "");
		json_str(st[i].key, false);
		printf(": ");
		json_value(st[i].value[0]);
	}
	printf("%s}\n}\n", nr_st ? "\n  " : "");
}

static int cmd_show(int argc, char **argv)
{
	struct xenib_kv *res = NULL, *st = NULL;
	unsigned int devid = 0, domid, nr_res, nr_st;
	struct xenib_device_info info;
	char dir[XENIB_PATH_MAX];
	bool json = false, bad = false;
	int i, err, rc;

	if (argc < 1)
		return usage_error(usage_show, NULL, NULL);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (num_arg(argv[i], "devid", &devid, &bad)) {
			if (bad)
				return usage_error(usage_show,
						   "devid must be a number:",
						   argv[i]);
		} else {
			return usage_error(usage_show, "unknown argument",
					   argv[i]);
		}
	}

	rc = resolve(argv[0], &domid);
	if (rc)
		return rc;
	err = xenib_get_device(x, domid, devid, &info);
	if (err == -ENOENT) {
		msg("domain %s has no xenib device %u (see 'xenibctl list')",
		    argv[0], devid);
		return EXIT_ATTACHED;
	}
	if (err) {
		msg("reading xenib device %u of %s from xenstore: %s", devid,
		    argv[0], strerror(-err));
		return EXIT_FAIL;
	}

	snprintf(dir, sizeof(dir), XENIB_BACKEND_DEVICE_FMT, domid, devid);
	rc = read_sysfs(dir, "resources", &info, &res, &nr_res);
	if (!rc)
		rc = read_sysfs(dir, "stats", &info, &st, &nr_st);
	if (!rc) {
		if (json)
			show_json(&info, dir, res, nr_res, st, nr_st);
		else
			show_plain(&info, dir, res, nr_res, st, nr_st);
	}
	free(res);
	free(st);
	return rc;
}

static bool has_domid(const unsigned int *ids, unsigned int nr,
		      unsigned int domid)
{
	while (nr--)
		if (ids[nr] == domid)
			return true;
	return false;
}

/* Attach the recorded devices of domain @domid that it does not have. */
static void attach_again(unsigned int domid)
{
	char uuid[XENIB_UUID_MAX], name[XENIB_DOMAIN_NAME_MAX];
	char bad[XENIB_PATH_MAX + 64] = "", why[512] = "";
	char args[DEVICE_ARGS_MAX];
	struct xenib_device_info info;
	struct xenib_record *recs;
	unsigned int i, nr;
	int err;

	if (xenib_domain_uuid(x, domid, uuid))
		return;
	err = xenib_recall(uuid, &recs, &nr, bad, sizeof(bad));
	if (err == -EBADMSG)
		msg("ignoring %s: not a record of xenibctl attach; remove it", bad);
	else if (err)
		msg("reading the records of domain %u (%s): %s", domid, uuid,
		    strerror(-err));
	if (!nr)
		return;
	if (xenib_domain_name(x, domid, name, sizeof(name)))
		snprintf(name, sizeof(name), "%u", domid);
	for (i = 0; i < nr; i++) {
		const struct xenib_record *r = &recs[i];

		if (!xenib_get_device(x, domid, r->devid, &info))
			continue;
		err = xenib_attach(x, domid, r->devid, r->hca, r->port, r->ip,
				   why, sizeof(why));
		if (!err) {
			printf("xenib: domain %s (%u, %s) device %u -> %s port %u again\n",
			       name, domid, uuid, r->devid, r->hca, r->port);
			fflush(stdout);
			continue;
		}
		attach_failed(err, name, r->devid, r->hca, r->port, why);
		/* By id: an incoming domain is renamed once it has arrived. */
		device_args(args, sizeof(args), r);
		msg("domain %s (%u, %s) is without xenib device %u until that is mended and 'xenibctl attach %u %s' is run",
		    name, domid, uuid, r->devid, domid, args);
	}
	free(recs);
}

static int cmd_daemon(int argc, char **argv)
{
	unsigned int *seen = NULL, nr_seen = 0, *ids, nr, i;
	int err, rc;

	if (argc)
		return usage_error(usage_daemon, "unknown argument", argv[0]);
	rc = open_xs();
	if (rc)
		return rc;
	err = xenib_watch_domains(x);
	if (err) {
		msg("watching xenstore for new domains: %s", strerror(-err));
		return EXIT_FAIL;
	}
	printf("xenibctl daemon: attaching recorded devices of restored and migrated domains (%s)\n",
	       XENIB_RECORD_DIR);
	fflush(stdout);
	/*
	 * Only domains not seen before: a device detached from a running
	 * domain some other way than "xenibctl detach" stays detached.  The
	 * first look takes the domains restored while no daemon ran.
	 */
	for (;;) {
		err = xenib_domains(x, &ids, &nr);
		if (err) {
			msg("listing domains: %s", strerror(-err));
			break;
		}
		for (i = 0; i < nr; i++)
			if (ids[i] != XENIB_BACKEND_DOMID &&
			    !has_domid(seen, nr_seen, ids[i]))
				attach_again(ids[i]);
		free(seen);
		seen = ids;
		nr_seen = nr;
		err = xenib_wait_domains_changed(x);
		if (err) {
			msg("waiting for xenstore: %s", strerror(-err));
			break;
		}
	}
	free(seen);
	return EXIT_FAIL;
}

static int cmd_export(int argc, char **argv)
{
	char uuid[XENIB_UUID_MAX], bad[XENIB_PATH_MAX + 64] = "";
	char args[DEVICE_ARGS_MAX];
	struct xenib_record *recs;
	unsigned int domid, i, nr;
	int err, rc;

	if (argc != 1)
		return usage_error(usage_export, argc ? "unknown argument" : NULL,
				   argc ? argv[1] : NULL);
	rc = resolve(argv[0], &domid);
	if (rc)
		return rc;
	err = xenib_domain_uuid(x, domid, uuid);
	if (err) {
		msg("domain %s has no UUID in xenstore: %s", argv[0],
		    strerror(-err));
		return EXIT_FAIL;
	}
	err = xenib_recall(uuid, &recs, &nr, bad, sizeof(bad));
	if (err) {
		if (err == -EBADMSG)
			msg("%s is not a record of xenibctl attach: remove it, attach again and export again",
			    bad);
		else
			msg("reading the records of %s (%s): %s", argv[0],
			    uuid, strerror(-err));
		free(recs);
		return EXIT_FAIL;
	}
	for (i = 0; i < nr; i++) {
		device_args(args, sizeof(args), &recs[i]);
		printf("%s %s\n", uuid, args);
	}
	free(recs);
	return EXIT_OK;
}

#define IMPORT_MAX	64	/* records in one import */

/*
 * One line of "xenibctl export" into @uuid and @dev: NULL, or what is wrong
 * with it and in *@bad the word it is wrong in.
 */
static const char *import_line(char *line, char uuid[XENIB_UUID_MAX],
			       struct xenib_record *dev, const char **bad)
{
	const char *why_bad = NULL;
	char *tok, *save;

	tok = strtok_r(line, " \t\n", &save);
	*bad = tok ? tok : "";
	if (!tok || !xenib_is_uuid(tok))
		return "not a domain UUID:";
	strcpy(uuid, tok);
	while ((tok = strtok_r(NULL, " \t\n", &save))) {
		*bad = tok;
		if (!device_arg(tok, dev, &why_bad))
			return "not devid=, hca=, port= or ip=:";
		if (why_bad)
			return why_bad;
	}
	if (xenib_check_addrs(dev->ip, bad))
		return BAD_ADDR;
	return NULL;
}

static int cmd_import(int argc, char **argv)
{
	static char uuids[IMPORT_MAX][XENIB_UUID_MAX];
	static struct xenib_record devs[IMPORT_MAX];
	char line[1024];
	unsigned int nr = 0, n = 0, i;
	const char *why, *bad;
	int err;

	if (argc)
		return usage_error(usage_import, "unknown argument", argv[0]);
	/* Every line is checked before any is recorded. */
	while (fgets(line, sizeof(line), stdin)) {
		n++;
		if (strspn(line, " \t\n") == strlen(line))
			continue;
		if (nr == IMPORT_MAX) {
			msg("more than %u records at line %u: import them in parts",
			    IMPORT_MAX, n);
			return EXIT_FAIL;
		}
		devs[nr] = (struct xenib_record)DEVICE_DEFAULTS;
		bad = "";
		why = strchr(line, '\n') || feof(stdin) ?
		      import_line(line, uuids[nr], &devs[nr], &bad) :
		      "longer than a record:";
		if (why) {
			msg("line %u: %s '%s'; nothing recorded", n, why, bad);
			return EXIT_USAGE;
		}
		nr++;
	}
	for (i = 0; i < nr; i++) {
		err = xenib_remember(uuids[i], &devs[i]);
		if (err) {
			msg("recording device %u of %s in %s: %s%s",
			    devs[i].devid, uuids[i], XENIB_RECORD_DIR,
			    strerror(-err),
			    i ? " (the records before it were kept)" : "");
			return EXIT_FAIL;
		}
		printf("xenib: recorded device %u of %s -> %s port %u\n",
		       devs[i].devid, uuids[i], devs[i].hca, devs[i].port);
	}
	return EXIT_OK;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
} commands[] = {
	{ "attach", cmd_attach, usage_attach },
	{ "detach", cmd_detach, usage_detach },
	{ "list", cmd_list, usage_list },
	{ "show", cmd_show, usage_show },
	{ "daemon", cmd_daemon, usage_daemon },
	{ "export", cmd_export, usage_export },
	{ "import", cmd_import, usage_import },
};

int main(int argc, char **argv)
{
	unsigned int c;
	int i, rc;

	if (argc < 2) {
		fputs(usage_main, stderr);
		fputs(usage_exit_codes, stderr);
		return EXIT_USAGE;
	}
	if (is_help(argv[1])) {
		fputs(usage_main, stdout);
		fputs(usage_exit_codes, stdout);
		return EXIT_OK;
	}
	for (c = 0; c < ARRAY_SIZE(commands); c++)
		if (!strcmp(argv[1], commands[c].name))
			break;
	if (c == ARRAY_SIZE(commands)) {
		fprintf(stderr, "xenibctl: unknown command '%s'\n", argv[1]);
		fputs(usage_main, stderr);
		fputs(usage_exit_codes, stderr);
		return EXIT_USAGE;
	}
	for (i = 2; i < argc; i++) {
		if (is_help(argv[i])) {
			fputs(commands[c].usage, stdout);
			putchar('\n');
			fputs(usage_exit_codes, stdout);
			return EXIT_OK;
		}
	}

	rc = commands[c].fn(argc - 2, argv + 2);
	xenib_close(x);
	return rc;
}
