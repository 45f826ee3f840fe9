// SPDX-License-Identifier: GPL-2.0
/*
 * The device records of libxenib (xenib_remember, xenib_recall,
 * xenib_forget): what "xenibctl attach" leaves for "xenibctl daemon" to
 * attach again after xl restore or migration.  Written and read back, and
 * every malformed file refused without losing the good records beside it.
 * Run by tests/unit/records.sh, with a private XENIB_RECORD_DIR.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xenib/libxenib.h>

#define UUID	"0b6a8e1c-3f2d-4c5e-9a7b-112233445566"
#define OTHER	"ffffffff-0000-1111-2222-333333333333"
#define LONGEST	"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"

static int failures;

static void expect(const char *what, int ok)
{
	if (!ok) {
		printf("FAIL %s\n", what);
		failures++;
	}
}

static char *slurp(const char *path)
{
	static char buf[4096];
	size_t n;
	FILE *f;

	f = fopen(path, "r");
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void put(const char *uuid, const char *devid, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", XENIB_RECORD_DIR, uuid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", XENIB_RECORD_DIR, uuid, devid);
	f = fopen(path, "w");
	if (!f || fputs(text, f) == EOF || fclose(f)) {
		perror(path);
		exit(1);
	}
}

/* Files that are not records: each is skipped and named, the rest read. */
static const char *const malformed[] = {
	"hca rxe0\n",				/* no port */
	"port 1\n",				/* no hca */
	"hca rxe0\nhca mlx5_0\nport 1\n",	/* two hcas */
	"hca rxe0\nport 1\nport 2\n",		/* two ports */
	"hca rxe0\nport one\n",
	"hca rxe0\nport 1\nip 10.0.0.300\n",
	"hca rxe0\nport 1\nip 10.0.0.1 10.0.0.2\n",	/* one address a line */
	"hca rxe0 mlx5_0\nport 1\n",
	"hca rxe0\nport 1\ncolour blue\n",
	"hca=rxe0\nport=1\nip=\n",		/* not key=value */
	"hca rxe0\nport 1\nip 10.0.0.1\nip 10.0.0.2\nip 10.0.0.3\n"
	"ip 10.0.0.4\nip 10.0.0.5\nip 10.0.0.6\nip 10.0.0.7\nip 10.0.0.8\n"
	"ip 10.0.0.9\n",			/* more than 8 addresses */
};

int main(void)
{
	struct xenib_record rec = {
		.devid = 3, .hca = "rxe0", .port = 1,
		.ip = "10.77.0.11 fd00:77::11",
	}, bare = { .devid = 0, .hca = "mlx5_0", .port = 2 }, *recs;
	char bad[256], buf[XENIB_ADDRS_MAX], *text;
	struct stat st;
	unsigned int nr, i;
	int err;

	expect("remember", !xenib_remember(UUID, &rec));
	expect("remember without addresses", !xenib_remember(UUID, &bare));
	text = slurp(XENIB_RECORD_DIR "/" UUID "/3");
	expect("a record's lines",
	       text && !strcmp(text, "hca rxe0\nport 1\nip 10.77.0.11\nip fd00:77::11\n"));
	text = slurp(XENIB_RECORD_DIR "/" UUID "/0");
	expect("no ip line without addresses",
	       text && !strcmp(text, "hca mlx5_0\nport 2\n"));

	err = xenib_recall(UUID, &recs, &nr, bad, sizeof(bad));
	expect("recall both, by devid", !err && nr == 2 &&
	       recs[0].devid == 0 && !strcmp(recs[0].hca, "mlx5_0") &&
	       recs[0].port == 2 && !*recs[0].ip &&
	       recs[1].devid == 3 && !strcmp(recs[1].hca, "rxe0") &&
	       recs[1].port == 1 && !strcmp(recs[1].ip, rec.ip));
	free(recs);

	expect("a UUID that is not one",
	       xenib_remember("../etc", &rec) == -EINVAL);
	strcpy(rec.ip, "10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5 10.0.0.6 10.0.0.7 10.0.0.8 10.0.0.9");
	expect("nine addresses", xenib_remember(UUID, &rec) == -EINVAL);
	strcpy(rec.ip, "10.0.0.300");
	expect("an address that is not one",
	       xenib_remember(UUID, &rec) == -EINVAL);
	strcpy(rec.hca, "two words");
	expect("an hca with a space", xenib_remember(UUID, &rec) == -EINVAL);
	strcpy(rec.hca, "");
	expect("no hca", xenib_remember(UUID, &rec) == -EINVAL);

	err = xenib_recall(OTHER, &recs, &nr, NULL, 0);
	expect("no records of an unknown domain", !err && !nr && !recs);

	for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		put(UUID, "7", malformed[i]);
		*bad = '\0';
		err = xenib_recall(UUID, &recs, &nr, bad, sizeof(bad));
		if (err != -EBADMSG || nr != 2 || !strstr(bad, UUID "/7")) {
			printf("FAIL malformed record %u read as a record (%d, %u, '%s'):\n%s",
			       i, err, nr, bad, malformed[i]);
			failures++;
		}
		free(recs);
	}
	put(UUID, "7.new", "hca rxe0\n");
	put(UUID, "7", "\nhca  rxe0\n\nport\t1\n");
	err = xenib_recall(UUID, &recs, &nr, bad, sizeof(bad));
	expect("blank lines and spacing, a half-written .new ignored",
	       !err && nr == 3 && recs[2].devid == 7 && recs[2].port == 1);
	free(recs);

	expect("a half-written record stays aside",
	       !remove(XENIB_RECORD_DIR "/" UUID "/7.new"));
	expect("forget", !xenib_forget(UUID, 7) && !xenib_forget(UUID, 3));
	expect("forget of nothing", xenib_forget(UUID, 3) == -ENOENT);
	expect("forget the last", !xenib_forget(UUID, 0));
	expect("the last record took the directory along",
	       stat(XENIB_RECORD_DIR "/" UUID, &st) && errno == ENOENT);

	xenib_format_addrs(buf, sizeof(buf), "10.0.0.1 fd00::1", " ip=", "");
	expect("addresses as arguments", !strcmp(buf, " ip=10.0.0.1 ip=fd00::1"));
	xenib_format_addrs(buf, 12, "10.0.0.1 10.0.0.2", "ip ", "\n");
	expect("truncated as snprintf does", !strcmp(buf, "ip 10.0.0.1"));
	*buf = '\0';
	for (i = 0; i < XENIB_ATTACH_MAX_ADDRS; i++)
		expect("the longest addresses fit",
		       !xenib_add_addr(buf, LONGEST));
	expect("and one more does not", xenib_add_addr(buf, LONGEST) == -E2BIG);
	expect("a full list is a list", !xenib_check_addrs(buf, NULL));

	printf("%s\n", failures ? "records: FAILED" : "records: all passed");
	return failures ? 1 : 0;
}
