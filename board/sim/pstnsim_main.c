// SPDX-License-Identifier: MIT
/** @file pstnsim_main.c  pstnsim: the PSTN simulator at the far end of the
 *  simulated board's vtdm card
 *
 * Usage:
 *   pstnsim [--run-dir DIR] [--vtdm-fd N] [--socket PATH] [--wait-ctl S]
 *           [--numbers FIRST] [--fxs-numbers FIRST] [--ahead MS]
 *           [--batch MS] [--ring ON_MS,OFF_MS] [--dtmf ON_MS,OFF_MS]
 *   pstnsim cmd [--run-dir DIR | --socket PATH] WORDS...
 *
 * The card's region comes from the dispatcher: request "vtdm" on
 * DIR/ctl.sock, answered with the memfd (SCM_RIGHTS); asked again every
 * 200 ms for up to --wait-ctl seconds (10) while nobody answers. With
 * --vtdm-fd the region is an fd the program inherited instead. DIR is
 * --run-dir, else $GW_RUN_DIR, else [board] run_dir of the configuration.
 *
 * It then runs every line (board/sim/pstn.h) on a 1 ms loop at normal
 * priority and serves the command protocol (pstn_cmd.c) on the Unix
 * stream socket DIR/pstn.sock (or --socket), one command a line, any
 * number of clients, a `wait` holding only its own client. SIGTERM or
 * SIGINT stop it; recordings are closed complete.
 *
 * `pstnsim cmd WORDS...` sends one command and prints the reply: exit 0
 * for "ok", 1 for "error: ...", 2 when no simulator answers.
 */
#define LOG_MODULE "pstnsim"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "board/config.h"
#include "board/ctl.h"
#include "board/sim/pstn.h"
#include "hal/vtdm.h"
#include "rtos-kernel/log.h"
#include "rtos-kernel/rtk.h"

#define MAX_CLIENTS	16
#define IN_MAX		(2 * PSTN_CMD_MAX)

struct client {
	int fd;
	char in[IN_MAX];
	size_t inlen;
	bool waiting;
	struct pstn_wait w;
};

struct opts {
	const char *run_dir;
	const char *socket;
	int vtdm_fd;
	unsigned wait_ctl;
	struct pstn_cfg cfg;
};

static volatile sig_atomic_t stop;
static char reply[PSTN_REPLY_MAX];

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: pstnsim [--run-dir DIR] [--vtdm-fd N] [--socket PATH] "
		"[--wait-ctl S]\n"
		"               [--numbers FIRST] [--fxs-numbers FIRST] "
		"[--ahead MS]\n"
		"               [--batch MS] [--ring ON_MS,OFF_MS] "
		"[--dtmf ON_MS,OFF_MS]\n"
		"       pstnsim cmd [--run-dir DIR | --socket PATH] "
		"WORDS...\n");
	return 2;
}

static int num(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return !*s || *end || errno || *v > max || s[0] == '-' ? -1 : 0;
}

static int pair(const char *s, unsigned *a, unsigned *b)
{
	unsigned long x, y;
	char buf[64], *comma;

	snprintf(buf, sizeof(buf), "%s", s);
	comma = strchr(buf, ',');
	if (!comma)
		return -1;
	*comma = '\0';
	if (num(buf, 60000, &x) || num(comma + 1, 60000, &y) || !x)
		return -1;
	*a = (unsigned)x;
	*b = (unsigned)y;
	return 0;
}

#define NUMBER_MAX	999999999999ul

/* One option of the simulator itself. @return 0, or -1 when unknown or
 * its value is bad */
static int server_opt(const char *k, const char *val, struct opts *o)
{
	struct pstn_cfg *c = &o->cfg;
	unsigned long v;

	if (!strcmp(k, "--ring"))
		return pair(val, &c->ring_on_ms, &c->ring_off_ms);
	if (!strcmp(k, "--dtmf"))
		return pair(val, &c->dtmf_on_ms, &c->dtmf_off_ms);
	if (num(val, NUMBER_MAX, &v))
		return -1;
	if (!strcmp(k, "--vtdm-fd") && v <= 65535)
		o->vtdm_fd = (int)v;
	else if (!strcmp(k, "--wait-ctl") && v <= 3600)
		o->wait_ctl = (unsigned)v;
	else if (!strcmp(k, "--numbers"))
		c->number_base = v;
	else if (!strcmp(k, "--fxs-numbers"))
		c->fxs_base = v;
	else if (!strcmp(k, "--ahead") && v && v <= PSTN_AHEAD_MAX_MS)
		c->ahead_ms = (unsigned)v;
	else if (!strcmp(k, "--batch") && v && v <= PSTN_BATCH_MAX_MS)
		c->batch_ms = (unsigned)v;
	else
		return -1;
	return 0;
}

/* Options from argv[i] on. @return the index of the first other word,
 * or -1 */
static int parse_opts(int argc, char **argv, int i, struct opts *o,
		      bool client)
{
	for (; i < argc && argv[i][0] == '-'; i += 2) {
		const char *k = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!val)
			return -1;
		if (!strcmp(k, "--run-dir"))
			o->run_dir = val;
		else if (!strcmp(k, "--socket"))
			o->socket = val;
		else if (client || server_opt(k, val, o))
			return -1;
	}
	return i;
}

/* DIR/NAME into @p buf, DIR from the options, environment or config */
static int run_path(const struct opts *o, const char *name, char *buf,
		    size_t len)
{
	static struct gw_config cfg;
	const char *dir = o->run_dir ? o->run_dir : getenv("GW_RUN_DIR");
	struct cfg_err cerr;
	char why[600];
	int n;

	if (!dir) {
		if (cfg_load_env(&cfg, NULL, &cerr)) {
			fprintf(stderr, "pstnsim: config: %s\n",
				cfg_err_str(&cerr, why, sizeof(why)));
			return -1;
		}
		dir = cfg.board.run_dir;
	}
	n = snprintf(buf, len, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= len ||
	    (size_t)n >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		fprintf(stderr, "pstnsim: %s/%s: path too long\n", dir, name);
		return -1;
	}
	return 0;
}

static int unix_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

/* --- client -------------------------------------------------------------- */

/* the last line of the reply in @p s (@p len bytes, ending in '\n') */
static const char *last_line(const char *s, size_t len)
{
	const char *last = s + len - 1;

	while (last > s && last[-1] != '\n')
		last--;
	return last;
}

static bool final_line(const char *s, size_t len)
{
	const char *last;

	if (!len || s[len - 1] != '\n')
		return false;
	last = last_line(s, len);
	return !strncmp(last, "ok", 2) || !strncmp(last, "error", 5);
}

static int client(int argc, char **argv)
{
	struct opts o = { .vtdm_fd = -1 };
	char path[256], req[PSTN_CMD_MAX];
	struct sockaddr_un sa;
	size_t used = 0, rl = 0;
	ssize_t n;
	int i, fd;

	i = parse_opts(argc, argv, 2, &o, true);
	if (i < 0 || i >= argc)
		return usage();
	if (o.socket)
		snprintf(path, sizeof(path), "%s", o.socket);
	else if (run_path(&o, PSTN_SOCKET, path, sizeof(path)))
		return 2;
	for (; i < argc; i++) {
		n = snprintf(req + rl, sizeof(req) - rl, "%s%s", argv[i],
			     i + 1 < argc ? " " : "\n");
		if (n < 0 || (size_t)n >= sizeof(req) - rl) {
			fprintf(stderr, "pstnsim: command too long\n");
			return 2;
		}
		rl += (size_t)n;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || unix_addr(&sa, path) ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    send(fd, req, rl, MSG_NOSIGNAL) != (ssize_t)rl) {
		fprintf(stderr, "pstnsim: %s: %s (is pstnsim running?)\n",
			path, strerror(errno));
		return 2;
	}
	while (!final_line(reply, used) && used < sizeof(reply) - 1) {
		n = recv(fd, reply + used, sizeof(reply) - 1 - used, 0);
		if (n <= 0) {
			fprintf(stderr, "pstnsim: %s: connection closed\n",
				path);
			return 2;
		}
		used += (size_t)n;
	}
	close(fd);
	reply[used] = '\0';
	fputs(reply, stdout);
	if (!final_line(reply, used))
		return 2;
	return strncmp(last_line(reply, used), "ok", 2) ? 1 : 0;
}

/* --- server -------------------------------------------------------------- */

static int get_region(const struct opts *o)
{
	char path[256], ans[CTL_MAX_REPLY];
	uint64_t until;
	int fd = -1, err;

	if (o->vtdm_fd >= 0) {
		if (fcntl(o->vtdm_fd, F_GETFD) < 0) {
			LOG_ERR("--vtdm-fd %d: %s", o->vtdm_fd,
				strerror(errno));
			return -1;
		}
		return o->vtdm_fd;
	}
	if (run_path(o, CTL_SOCKET, path, sizeof(path)))
		return -1;
	until = rtk_now_ns() + RTK_S(o->wait_ctl);
	for (;;) {
		err = ctl_request(path, "vtdm", ans, sizeof(ans), &fd);
		if (!err)
			break;
		if ((err != -ENOENT && err != -ECONNREFUSED) ||
		    rtk_now_ns() >= until || stop) {
			LOG_ERR("%s: request vtdm: %s", path, strerror(-err));
			return -1;
		}
		usleep(200000);
	}
	ans[strcspn(ans, "\n")] = '\0';
	if (strncmp(ans, "ok", 2) || fd < 0) {
		LOG_ERR("%s: request vtdm: %s", path,
			fd < 0 && !strncmp(ans, "ok", 2) ? "no fd came" : ans);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	if (unix_addr(&sa, path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(path, 0600) || listen(fd, 16)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static void drop(struct client *c)
{
	close(c->fd);
	c->fd = -1;
	c->inlen = 0;
	c->waiting = false;
}

static void send_reply(struct client *c, const char *text)
{
	size_t len = strlen(text);

	if (len && send(c->fd, text, len, MSG_NOSIGNAL | MSG_DONTWAIT) !=
	    (ssize_t)len)
		drop(c);	/* gone, or not reading its replies */
}

/* Run the complete lines the client sent, up to a `wait`. */
static void serve_lines(struct pstn *p, struct client *c, uint64_t now_ms)
{
	char *nl;
	size_t n;

	while (c->fd >= 0 && !c->waiting &&
	       (nl = memchr(c->in, '\n', c->inlen))) {
		*nl = '\0';
		if (pstn_exec(p, c->in, now_ms, reply, sizeof(reply), &c->w))
			c->waiting = true;
		else
			send_reply(c, reply);
		n = (size_t)(nl + 1 - c->in);
		if (c->fd < 0)
			return;
		memmove(c->in, nl + 1, c->inlen - n);
		c->inlen -= n;
	}
	if (c->fd >= 0 && c->inlen == sizeof(c->in)) {
		send_reply(c, "error: command line too long\n");
		if (c->fd >= 0)
			drop(c);
	}
}

static void on_readable(struct pstn *p, struct client *c, uint64_t now_ms)
{
	ssize_t n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen,
			 MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		drop(c);
		return;
	}
	if (n > 0)
		c->inlen += (size_t)n;
	serve_lines(p, c, now_ms);
}

static void on_accept(int lfd, struct client *cl)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	int i;

	if (fd < 0)
		return;
	for (i = 0; i < MAX_CLIENTS; i++)
		if (cl[i].fd < 0) {
			cl[i].fd = fd;
			return;
		}
	if (send(fd, "error: too many clients\n", 24, MSG_NOSIGNAL) < 0)
		LOG_WARN("refused a client: %s", strerror(errno));
	close(fd);
}

static void poll_waits(struct pstn *p, struct client *cl, uint64_t now_ms)
{
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &cl[i];

		if (c->fd < 0 || !c->waiting ||
		    !pstn_wait_poll(p, &c->w, now_ms, reply, sizeof(reply)))
			continue;
		c->waiting = false;
		send_reply(c, reply);
		if (c->fd >= 0)
			serve_lines(p, c, now_ms);
	}
}

static void loop(struct pstn *p, int lfd)
{
	static struct client cl[MAX_CLIENTS];
	struct pollfd pf[MAX_CLIENTS + 1];
	uint64_t next = rtk_now_ns(), now;
	struct timespec ts;
	int i;

	for (i = 0; i < MAX_CLIENTS; i++)
		cl[i].fd = -1;
	while (!stop) {
		pf[0].fd = lfd;
		pf[0].events = POLLIN;
		for (i = 0; i < MAX_CLIENTS; i++) {
			pf[i + 1].fd = cl[i].fd;
			pf[i + 1].events = cl[i].waiting ? 0 : POLLIN;
		}
		now = rtk_now_ns();
		ts.tv_sec = 0;
		ts.tv_nsec = next > now ? (long)(next - now) : 0;
		if (ppoll(pf, MAX_CLIENTS + 1, &ts, NULL) < 0 && errno != EINTR)
			break;
		now = rtk_now_ns();
		if (now >= next) {
			pstn_tick(p, now / 1000000u);
			next += RTK_MS(1);
			if (next < now)	/* stalled: no catching up */
				next = now + RTK_MS(1);
		}
		poll_waits(p, cl, now / 1000000u);
		if (pf[0].revents & POLLIN)
			on_accept(lfd, cl);
		for (i = 0; i < MAX_CLIENTS; i++) {
			if (cl[i].fd < 0 || cl[i].fd != pf[i + 1].fd ||
			    !pf[i + 1].revents)
				continue;
			if (pf[i + 1].revents & (POLLHUP | POLLERR) &&
			    !(pf[i + 1].revents & POLLIN))
				drop(&cl[i]);
			else
				on_readable(p, &cl[i], now / 1000000u);
		}
	}
	for (i = 0; i < MAX_CLIENTS; i++)
		if (cl[i].fd >= 0)
			drop(&cl[i]);
}

static void show_lines(struct pstn *p)
{
	struct pstn_line_status st;
	unsigned i;

	for (i = 1; i <= pstn_line_count(p); i++) {
		pstn_line_status(p, i, &st);
		LOG_INFO("line %u: %u/%u %s%s%s", i, st.span, st.chan,
			 st.sig == TDM_SIG_FXS ? "analog phone (fxs port)" :
			 st.sig == TDM_SIG_FXO ? "CO line (fxo port)" :
			 "E1 channel", st.number[0] ? ", number " : "",
			 st.number);
	}
}

static int serve(const struct opts *o)
{
	struct vtdm_far *far = NULL;
	struct pstn *p = NULL;
	char path[256], err[300];
	int fd, lfd, rc;

	fd = get_region(o);
	if (fd < 0)
		return 1;
	rc = vtdm_attach_far(&far, fd, err, sizeof(err));
	if (rc) {
		LOG_ERR("card region: %s", err);
		return 1;
	}
	rc = pstn_create(&p, far, &o->cfg);
	if (rc) {
		LOG_ERR("simulator: %s", strerror(-rc));
		vtdm_far_detach(far);
		return 1;
	}
	if (o->socket)
		snprintf(path, sizeof(path), "%s", o->socket);
	else if (run_path(o, PSTN_SOCKET, path, sizeof(path)))
		return 1;
	lfd = listen_on(path);
	if (lfd < 0) {
		LOG_ERR("%s: %s", path, strerror(-lfd));
		return 1;
	}
	show_lines(p);
	LOG_INFO("%u lines, commands on %s", pstn_line_count(p), path);
	loop(p, lfd);
	LOG_INFO("stopping");
	close(lfd);
	unlink(path);
	pstn_destroy(p);
	vtdm_far_detach(far);
	if (fd != o->vtdm_fd)
		close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct opts o = { .vtdm_fd = -1, .wait_ctl = 10 };
	int i;

	if (argc > 1 && !strcmp(argv[1], "cmd"))
		return client(argc, argv);
	pstn_cfg_default(&o.cfg);
	i = parse_opts(argc, argv, 1, &o, false);
	if (i != argc)
		return usage();
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return serve(&o);
}
