// SPDX-License-Identifier: GPL-2.0
/*
 * xenib-agent: run shell scripts in the testbed's domains over TCP.
 *
 *   xenib-agent serve PORT [--bind ADDR]
 *       Accept connections; for each, run the script it sends with /bin/sh in
 *       a new session (own process group), forward the client's stdin to it,
 *       stream its combined stdout/stderr back and finally its exit status.
 *       If the client goes away, or the script runs past the client's time
 *       limit, the whole process group is killed.
 *
 *   xenib-agent run HOST PORT (SCRIPTFILE | - | -c CMD) [--timeout S] [-n]
 *       The client.  SCRIPTFILE "-" reads the script from stdin (and then
 *       forwards no stdin).  -n: forward no stdin.  Exit status: the script's,
 *       124 on timeout, 255 if the agent cannot be reached or the connection
 *       breaks before the script finished.
 *
 *   xenib-agent freeport [udp]   (a free TCP, or UDP, port on 127.0.0.1)
 *       Print a free TCP port on 127.0.0.1 (used by the host side).
 *
 * Wire format: frames of [1 byte type][4 byte big-endian length][payload].
 *   client -> server: 'T' time limit (ASCII seconds, optional, first),
 *                     'S' script (exactly once, before any 'I'),
 *                     'I' stdin data, 'E' stdin end
 *   server -> client: 'O' output data, 'X' exit status (ASCII number)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXFRAME (16u << 20)
#define EXIT_UNREACHABLE 255
#define EXIT_TIMEOUT 124

static const char *prog = "xenib-agent";

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pfd = { .fd = fd, .events = POLLOUT };

				poll(&pfd, 1, 1000);
				continue;
			}
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

static int send_frame(int fd, char type, const void *data, uint32_t len)
{
	unsigned char hdr[5];

	hdr[0] = type;
	hdr[1] = len >> 24;
	hdr[2] = len >> 16;
	hdr[3] = len >> 8;
	hdr[4] = len;
	if (write_all(fd, hdr, 5))
		return -1;
	return len ? write_all(fd, data, len) : 0;
}

/* Incremental frame reader. */
struct reader {
	unsigned char *buf;
	size_t len, cap;
};

/* Read what is available; 0 ok, -1 EOF/error. */
static int reader_fill(struct reader *r, int fd)
{
	ssize_t n;

	if (r->cap - r->len < 65536) {
		r->cap = r->cap ? r->cap * 2 : 131072;
		r->buf = realloc(r->buf, r->cap);
		if (!r->buf) {
			perror("realloc");
			exit(EXIT_UNREACHABLE);
		}
	}
	do
		n = read(fd, r->buf + r->len, r->cap - r->len);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return -1;
	r->len += n;
	return 0;
}

/* Next complete frame: 1 and sets type/data/len, 0 if none yet, -1 bad. */
static int reader_next(struct reader *r, char *type, unsigned char **data,
		       uint32_t *len, size_t *consumed)
{
	uint32_t l;

	if (r->len < 5)
		return 0;
	l = (uint32_t)r->buf[1] << 24 | r->buf[2] << 16 | r->buf[3] << 8 |
	    r->buf[4];
	if (l > MAXFRAME)
		return -1;
	if (r->len < 5 + (size_t)l)
		return 0;
	*type = r->buf[0];
	*data = r->buf + 5;
	*len = l;
	*consumed = 5 + l;
	return 1;
}

static void reader_consume(struct reader *r, size_t n)
{
	memmove(r->buf, r->buf + n, r->len - n);
	r->len -= n;
}

/* ------------------------------------------------------------------ server */

static void serve_conn(int s)
{
	struct reader r = { 0 };
	char *script = NULL;
	uint32_t script_len = 0;
	double limit = 0, start;
	char type;
	unsigned char *data;
	uint32_t len;
	size_t used;
	int in[2], out[2], status = 0, rc;
	char path[] = "/tmp/xenib-agent.XXXXXX";
	int fd;
	pid_t pid;
	/* pending stdin bytes for the child */
	unsigned char *pend = NULL;
	size_t pend_len = 0, pend_off = 0;
	int stdin_eof = 0, child_done = 0, out_eof = 0;
	double drain_until = 0;

	signal(SIGCHLD, SIG_DFL);
	rc = 0;
	/* Phase 1: read the time limit and the script. */
	while (!script) {
		if (reader_fill(&r, s))
			_exit(0);
		while ((rc = reader_next(&r, &type, &data, &len, &used)) == 1) {
			if (type == 'T') {
				char tmp[32];

				snprintf(tmp, sizeof(tmp), "%.*s",
					 (int)(len < 31 ? len : 31), data);
				limit = atof(tmp);
			} else if (type == 'S') {
				script = malloc(len + 1);
				memcpy(script, data, len);
				script[len] = 0;
				script_len = len;
			}
			reader_consume(&r, used);
			if (script)
				break;
		}
		if (rc < 0)
			_exit(1);
	}

	fd = mkstemp(path);
	if (fd < 0) {
		strcpy(path, "/run/xenib-agent.XXXXXX");
		fd = mkstemp(path);
	}
	if (fd < 0 || write_all(fd, script, script_len)) {
		const char *m = "xenib-agent: cannot write the script to /tmp or /run\n";

		send_frame(s, 'O', m, strlen(m));
		send_frame(s, 'X', "255", 3);
		_exit(1);
	}
	close(fd);
	free(script);

	if (pipe(in) || pipe(out)) {
		send_frame(s, 'X', "255", 3);
		_exit(1);
	}
	start = now();
	pid = fork();
	if (pid == 0) {
		setsid();
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(out[1], 2);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		close(s);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		execl("/bin/sh", "sh", path, (char *)NULL);
		perror("exec /bin/sh");
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	if (pid < 0) {
		send_frame(s, 'X', "255", 3);
		_exit(1);
	}

	for (;;) {
		struct pollfd p[3];
		int np = 0, is = -1, io = -1, ii = -1;
		char buf[65536];

		if (!child_done) {
			pid_t w = waitpid(pid, &status, WNOHANG);

			if (w == pid) {
				child_done = 1;
				drain_until = now() + 0.2;
			}
		}
		if (child_done && (out_eof || now() >= drain_until))
			break;
		if (limit > 0 && !child_done && now() - start > limit) {
			char m[128];

			kill(-pid, SIGKILL);
			waitpid(pid, NULL, 0);
			snprintf(m, sizeof(m),
				 "xenib-agent: script timed out after %g s; killed\n",
				 limit);
			send_frame(s, 'O', m, strlen(m));
			send_frame(s, 'X', "124", 3);
			unlink(path);
			_exit(0);
		}
		if (!pend_len) {
			p[np].fd = s;
			p[np].events = POLLIN;
			is = np++;
		}
		if (!out_eof) {
			p[np].fd = out[0];
			p[np].events = POLLIN;
			io = np++;
		}
		if (pend_len && in[1] >= 0) {
			p[np].fd = in[1];
			p[np].events = POLLOUT;
			ii = np++;
		}
		rc = poll(p, np, 100);
		if (rc < 0 && errno != EINTR)
			break;
		if (rc < 0)
			continue;
		if (io >= 0 && p[io].revents) {
			ssize_t n = read(out[0], buf, sizeof(buf));

			if (n > 0) {
				if (send_frame(s, 'O', buf, n))
					goto client_gone;
				if (child_done)
					drain_until = now() + 0.2;
			} else if (n == 0 || errno != EINTR) {
				out_eof = 1;
			}
		}
		if (ii >= 0 && p[ii].revents) {
			ssize_t n = write(in[1], pend + pend_off, pend_len);

			if (n > 0) {
				pend_off += n;
				pend_len -= n;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				/* reader gone: drop stdin */
				pend_len = 0;
				close(in[1]);
				in[1] = -1;
			}
			if (!pend_len && stdin_eof && in[1] >= 0) {
				close(in[1]);
				in[1] = -1;
			}
		}
		if (is >= 0 && p[is].revents) {
			if (reader_fill(&r, s))
				goto client_gone;
		}
		{
			while (!pend_len &&
			       (rc = reader_next(&r, &type, &data, &len, &used)) == 1) {
				if (type == 'I' && in[1] >= 0 && len) {
					pend = realloc(pend, len);
					memcpy(pend, data, len);
					pend_off = 0;
					pend_len = len;
				} else if (type == 'E') {
					stdin_eof = 1;
					if (in[1] >= 0) {
						close(in[1]);
						in[1] = -1;
					}
				}
				reader_consume(&r, used);
			}
			if (rc < 0)
				goto client_gone;
		}
	}
	unlink(path);
	{
		char num[16];
		int code;

		if (WIFEXITED(status))
			code = WEXITSTATUS(status);
		else if (WIFSIGNALED(status))
			code = 128 + WTERMSIG(status);
		else
			code = 255;
		snprintf(num, sizeof(num), "%d", code);
		send_frame(s, 'X', num, strlen(num));
		shutdown(s, SHUT_WR);
		/* wait briefly for the client to close */
		{
			struct pollfd pf = { .fd = s, .events = POLLIN };
			char b[4096];
			double end = now() + 60;

			while (now() < end && poll(&pf, 1, 500) >= 0) {
				if (pf.revents && read(s, b, sizeof(b)) <= 0)
					break;
			}
		}
	}
	_exit(0);

client_gone:
	kill(-pid, SIGKILL);
	waitpid(pid, NULL, 0);
	unlink(path);
	_exit(0);
}

static int cmd_serve(int argc, char **argv)
{
	int port, ls, one = 1;
	const char *bind_addr = NULL;
	struct sockaddr_in sa = { 0 };

	if (argc < 1) {
		fprintf(stderr, "usage: %s serve PORT [--bind ADDR]\n", prog);
		return 2;
	}
	port = atoi(argv[0]);
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--bind") && i + 1 < argc)
			bind_addr = argv[++i];
	setenv("PATH",
	       "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
	if (!getenv("HOME"))
		setenv("HOME", "/root", 1);
	if (chdir(getenv("HOME")))
		(void)chdir("/");
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_IGN); /* auto-reap connection handlers */

	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind_addr && inet_pton(AF_INET, bind_addr, &sa.sin_addr) != 1) {
		fprintf(stderr, "%s: bad --bind address %s\n", prog, bind_addr);
		return 2;
	}
	for (;;) {
		ls = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		    listen(ls, 16) == 0)
			break;
		fprintf(stderr, "%s: cannot listen on %s:%d: %s; retrying\n",
			prog, bind_addr ? bind_addr : "*", port, strerror(errno));
		close(ls);
		sleep(1);
	}
	fprintf(stderr, "%s: listening on %s:%d\n", prog,
		bind_addr ? bind_addr : "*", port);
	for (;;) {
		int c = accept(ls, NULL, NULL);
		pid_t pid;

		if (c < 0)
			continue;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(c, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
		pid = fork();
		if (pid == 0) {
			close(ls);
			serve_conn(c);
			_exit(0);
		}
		close(c);
	}
}

/* ------------------------------------------------------------------ client */

static int connect_to(const char *host, const char *port, double tmo)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int s, rc, one = 1;
	struct pollfd p;

	sa.sin_port = htons(atoi(port));
	if (!strcmp(host, "localhost"))
		host = "127.0.0.1";
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
		fprintf(stderr, "%s: %s is not an IPv4 address\n", prog, host);
		return -1;
	}
	s = socket(AF_INET, SOCK_STREAM, 0);
	fcntl(s, F_SETFL, O_NONBLOCK);
	rc = connect(s, (struct sockaddr *)&sa, sizeof(sa));
	if (rc && errno != EINPROGRESS)
		goto fail;
	p.fd = s;
	p.events = POLLOUT;
	rc = poll(&p, 1, (int)(tmo * 1000));
	if (rc <= 0) {
		errno = ETIMEDOUT;
		goto fail;
	} else {
		int err = 0;
		socklen_t l = sizeof(err);

		getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &l);
		if (err) {
			errno = err;
			goto fail;
		}
	}
	fcntl(s, F_SETFL, 0);
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(s, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	return s;
fail:
	fprintf(stderr, "%s: cannot connect to %s:%s: %s\n", prog, host, port,
		strerror(errno));
	close(s);
	return -1;
}

static char *read_file(const char *path, size_t *len)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY) : 0;
	size_t cap = 65536, l = 0;
	char *b;

	if (fd < 0)
		return NULL;
	b = malloc(cap);
	for (;;) {
		ssize_t n;

		if (cap - l < 4096)
			b = realloc(b, cap *= 2);
		n = read(fd, b + l, cap - l);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		l += n;
	}
	if (fd)
		close(fd);
	*len = l;
	return b;
}

static int cmd_run(int argc, char **argv)
{
	const char *host, *port, *file = NULL, *cmd = NULL;
	double timeout = 0, start, deadline;
	int no_stdin = 0, s, stdin_open, broken = 0;
	char *script;
	size_t script_len;
	struct reader r = { 0 };
	char buf[65536];

	if (argc < 3)
		goto usage;
	host = argv[0];
	port = argv[1];
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
			timeout = atof(argv[++i]);
		else if (!strcmp(argv[i], "-c") && i + 1 < argc)
			cmd = argv[++i];
		else if (!strcmp(argv[i], "-n"))
			no_stdin = 1;
		else if (!file && (argv[i][0] != '-' || !strcmp(argv[i], "-")))
			file = argv[i];
		else
			goto usage;
	}
	if (!!file == !!cmd)
		goto usage;
	if (cmd) {
		script = strdup(cmd);
		script_len = strlen(cmd);
	} else {
		script = read_file(file, &script_len);
		if (!script) {
			fprintf(stderr, "%s: cannot read script %s: %s\n", prog,
				file, strerror(errno));
			return 2;
		}
		if (!strcmp(file, "-"))
			no_stdin = 1;
	}
	signal(SIGPIPE, SIG_IGN);
	s = connect_to(host, port, timeout > 0 && timeout < 15 ? timeout : 15);
	if (s < 0)
		return EXIT_UNREACHABLE;
	if (timeout > 0) {
		char t[32];

		snprintf(t, sizeof(t), "%g", timeout);
		send_frame(s, 'T', t, strlen(t));
	}
	if (send_frame(s, 'S', script, script_len)) {
		fprintf(stderr, "%s: connection to %s:%s lost\n", prog, host, port);
		return EXIT_UNREACHABLE;
	}
	stdin_open = !no_stdin;
	if (!stdin_open)
		send_frame(s, 'E', NULL, 0);
	start = now();
	/* the server enforces the limit; this one catches a dead peer */
	deadline = timeout > 0 ? start + timeout + 10 : 0;

	for (;;) {
		struct pollfd p[2];
		int np = 0, rc, is, ii = -1;
		char type;
		unsigned char *data;
		uint32_t len;
		size_t used;

		if (deadline && now() > deadline) {
			fprintf(stderr,
				"%s: no answer from %s:%s within %g s; giving up\n",
				prog, host, port, timeout);
			return EXIT_TIMEOUT;
		}
		p[np].fd = s;
		p[np].events = POLLIN;
		is = np++;
		if (stdin_open) {
			p[np].fd = 0;
			p[np].events = POLLIN;
			ii = np++;
		}
		rc = poll(p, np, 500);
		if (rc < 0 && errno != EINTR)
			break;
		if (rc <= 0)
			continue;
		if (ii >= 0 && p[ii].revents) {
			ssize_t n = read(0, buf, sizeof(buf));

			if (n > 0) {
				if (send_frame(s, 'I', buf, n))
					stdin_open = 0; /* peer done; read the rest */
			} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				stdin_open = 0;
				send_frame(s, 'E', NULL, 0);
			}
		}
		if (p[is].revents) {
			if (reader_fill(&r, s))
				broken = 1;
			while ((rc = reader_next(&r, &type, &data, &len, &used)) == 1) {
				if (type == 'O') {
					if (write_all(1, data, len))
						; /* stdout closed: keep going */
				} else if (type == 'X') {
					char num[16];

					snprintf(num, sizeof(num), "%.*s",
						 (int)(len < 15 ? len : 15), data);
					close(s);
					return atoi(num);
				}
				reader_consume(&r, used);
			}
			if (rc < 0)
				broken = 1;
		}
		if (broken)
			break;
	}
	fprintf(stderr,
		"%s: connection to %s:%s closed before the script finished "
		"(agent not running there yet, domain down or crashed?)\n",
		prog, host, port);
	return EXIT_UNREACHABLE;
usage:
	fprintf(stderr,
		"usage: %s run HOST PORT (SCRIPTFILE | - | -c CMD) [--timeout S] [-n]\n",
		prog);
	return 2;
}

static int cmd_freeport(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t l = sizeof(sa);
	int udp = argc >= 1 && !strcmp(argv[0], "udp");
	int s = socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(s, (struct sockaddr *)&sa, &l)) {
		perror("freeport");
		return 1;
	}
	printf("%d\n", ntohs(sa.sin_port));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "serve"))
		return cmd_serve(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "run"))
		return cmd_run(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "freeport"))
		return cmd_freeport(argc - 2, argv + 2);
	fprintf(stderr,
		"usage: %s serve PORT [--bind ADDR]\n"
		"       %s run HOST PORT (SCRIPTFILE | - | -c CMD) [--timeout S] [-n]\n"
		"       %s freeport [udp]\n",
		prog, prog, prog);
	return 2;
}
