// SPDX-License-Identifier: GPL-2.0
/*
 * xenib-raw: play a hostile frontend.  Sends one control request, exactly
 * as given, over a guest's real control ring through the frontend's
 * raw_request test interface (in debugfs: xen-ibfront/xenib-0/, on with
 * its raw_requests=1), and prints the backend's answer.
 *
 *   xenib-raw [-f FILE] [-0 RSVD0] [-1 RSVD1] [-n N] [-x "WORD..."] OP [WORD...]
 *
 * OP is the operation number; the WORDs (decimal or 0x hex) fill the
 * request's payload as consecutive little-endian 32-bit words.  With -x,
 * the request is sent through raw_flip instead: the frontend keeps
 * rewriting its payload in the ring with the -x words (beyond the first
 * 16 bytes, where the answer goes) and back while the backend reads it.  Prints
 * "status S" (0 or -errno from the backend) and, with -n, the first N
 * payload words of the response as "word I V".  Exits 0 when the backend
 * answered, 1 when the request could not be sent or answered.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/io/ring.h>
#include <xenib/xenibif.h>

#define PAYLOAD_WORDS	(XENIB_MSG_PAYLOAD / 4)

/* A request or a response of xenibif.h, its payload as words. */
struct raw_msg {
	uint64_t id;
	uint16_t op;
	uint16_t rsvd0;
	union {
		uint32_t rsvd1;		/* request */
		int32_t status;		/* response */
	};
	uint32_t word[PAYLOAD_WORDS];
};

#define SAME_AT(type, field, raw)					\
	_Static_assert(offsetof(type, field) == offsetof(struct raw_msg, raw), \
		       #type "." #field)
SAME_AT(struct xenib_ctrl_request, op, op);
SAME_AT(struct xenib_ctrl_request, rsvd0, rsvd0);
SAME_AT(struct xenib_ctrl_request, rsvd1, rsvd1);
SAME_AT(struct xenib_ctrl_request, u, word);
SAME_AT(struct xenib_ctrl_response, status, status);
SAME_AT(struct xenib_ctrl_response, u, word);
_Static_assert(sizeof(struct raw_msg) == sizeof(struct xenib_ctrl_request) &&
	       sizeof(struct raw_msg) == sizeof(struct xenib_ctrl_response),
	       "message size");

static unsigned long number(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || end == s) {
		fprintf(stderr, "xenib-raw: '%s' is not a number\n", s);
		exit(2);
	}
	return v;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: xenib-raw [-f FILE] [-0 RSVD0] [-1 RSVD1] [-n N] [-x \"WORD...\"] OP [WORD...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *file = "/sys/kernel/debug/xen-ibfront/xenib-0/raw_request";
	struct raw_msg req, resp, both[2];
	unsigned long nwords = 0;
	char *flip = NULL, *word, *save;
	const void *msg = &req;
	size_t len = sizeof(req);
	int fd, send_fd, opt, i;
	ssize_t n;

	memset(&req, 0, sizeof(req));
	memset(both, 0, sizeof(both));
	while ((opt = getopt(argc, argv, "f:0:1:n:x:")) != -1) {
		switch (opt) {
		case 'f':
			file = optarg;
			break;
		case 'x':
			flip = optarg;
			break;
		case '0':
			req.rsvd0 = number(optarg);
			break;
		case '1':
			req.rsvd1 = number(optarg);
			break;
		case 'n':
			nwords = number(optarg);
			if (nwords > PAYLOAD_WORDS)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind >= argc || argc - optind - 1 > PAYLOAD_WORDS)
		usage();
	req.op = number(argv[optind]);
	for (i = optind + 1; i < argc; i++)
		req.word[i - optind - 1] = number(argv[i]);

	fd = open(file, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "xenib-raw: %s: %s (is debugfs mounted, xen-ibfront loaded?)\n",
			file, strerror(errno));
		return 1;
	}
	send_fd = fd;
	if (flip) {
		/* raw_flip, beside raw_request: the request, then its twin. */
		char *dir = strdup(file), *slash = strrchr(dir, '/');
		char path[4096];

		if (slash)
			*slash = 0;
		snprintf(path, sizeof(path), "%s/raw_flip", slash ? dir : ".");
		free(dir);
		both[0] = req;
		both[1] = req;
		memset(both[1].word, 0, sizeof(both[1].word));
		for (i = 0, word = strtok_r(flip, " ", &save); word;
		     word = strtok_r(NULL, " ", &save), i++) {
			if (i >= PAYLOAD_WORDS)
				usage();
			both[1].word[i] = number(word);
		}
		send_fd = open(path, O_WRONLY);
		if (send_fd < 0) {
			fprintf(stderr, "xenib-raw: %s: %s\n", path,
				strerror(errno));
			return 1;
		}
		msg = both;
		len = sizeof(both);
	}
	/* The answer is read from raw_request either way. */
	n = pwrite(send_fd, msg, len, 0);
	if (n != (ssize_t)len) {
		fprintf(stderr, "xenib-raw: sending op %u%s: %s\n", req.op,
			flip ? " changing" : "",
			n < 0 ? strerror(errno) : "short write");
		return 1;
	}
	if (send_fd != fd)
		close(send_fd);
	n = pread(fd, &resp, sizeof(resp), 0);
	if (n != sizeof(resp)) {
		fprintf(stderr, "xenib-raw: reading the response: %s\n",
			n < 0 ? strerror(errno) : "short read");
		return 1;
	}
	close(fd);
	printf("status %d\n", resp.status);
	for (i = 0; i < (int)nwords; i++)
		printf("word %d %u\n", i, resp.word[i]);
	return 0;
}
