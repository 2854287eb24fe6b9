// SPDX-License-Identifier: MIT
/** @file webd_main.c  webd: the admin web UI and its REST API
 *
 * An HTTP server (libmicrohttpd, HTTPS when [web] tls_cert is set) in the
 * Linux partition, on [web] port of every address: the pages of [web]
 * www_dir (HTML, CSS, JavaScript, served as they are, public: they hold
 * no data) and the REST API of linux-side/web/webapi.h under /api/ and
 * /metrics (behind the login). One thread: libmicrohttpd runs from this
 * process's own loop (its epoll fd, with the signals and the netlink
 * watch of eth0), so the handlers share webd's state without locks.
 *
 * Usage: webd [--config FILE]         (started by the dispatcher)
 *        webd passwd FILE [--must-change]
 *            set the admin password in account file FILE from the first
 *            line of standard input (image builds, the lab)
 * Exit status 1: configuration, account file or listening socket.
 */
#define LOG_MODULE "webd"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "board/config.h"
#include "linux-side/nlsnoop.h"
#include "linux-side/rtview.h"
#include "linux-side/web/webapi.h"
#include "linux-side/web/webcfg.h"
#include "rtos-kernel/log.h"
#include "rtos-kernel/rtk.h"

#define MAX_CONNECTIONS	64
#define PER_IP_CONNECTIONS 16
#define CONN_TIMEOUT_S	30
#define RESTART_SELF_MS	300

/* one request's body, gathered over the handler's calls */
struct reqctx {
	char *body;
	size_t len, cap, max;
	bool too_big;
};

static struct webd w;
static struct gw_config cfg;

static int64_t mono_s(void)
{
	return rtk_now_ms() / 1000;
}

static void headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'self'; img-src 'self' data:; "
				"frame-ancestors 'none'; base-uri 'none'; "
				"form-action 'self'");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
}

static enum MHD_Result queue(struct MHD_Connection *c, int status,
			     struct MHD_Response *r)
{
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	headers(r);
	rc = MHD_queue_response(c, (unsigned int)status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result send_json(struct MHD_Connection *c, int status,
				 json_t *j, const struct webapi_resp *rs)
{
	char *text = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6));
	struct MHD_Response *r;
	char ra[16];

	if (!text)
		return MHD_NO;
	r = MHD_create_response_from_buffer(strlen(text), text,
					    MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type",
				"application/json; charset=utf-8");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	if (rs && rs->cookie[0])
		MHD_add_response_header(r, "Set-Cookie", rs->cookie);
	if (rs && rs->retry_after) {
		snprintf(ra, sizeof(ra), "%u", rs->retry_after);
		MHD_add_response_header(r, "Retry-After", ra);
	}
	return queue(c, status, r);
}

static enum MHD_Result send_error(struct MHD_Connection *c, int status,
				  const char *msg)
{
	json_t *j = json_pack("{s:s, s:s}", "error", msg, "field", "");
	enum MHD_Result rc = send_json(c, status, j, NULL);

	json_decref(j);
	return rc;
}

/* ---- the pages ------------------------------------------------------------ */

static const char *mime(const char *path)
{
	static const char *const types[][2] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".svg", "image/svg+xml" }, { ".png", "image/png" },
		{ ".ico", "image/x-icon" }, { ".json", "application/json" },
		{ ".txt", "text/plain; charset=utf-8" },
	};
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(dot, types[i][0]))
			return types[i][1];
	return "application/octet-stream";
}

/* a page's path: letters, digits, '.', '_', '-', '/', no ".." */
static bool safe_path(const char *p)
{
	if (*p != '/' || strstr(p, "..") || strstr(p, "//"))
		return false;
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("._-/", *p)))
			return false;
	return true;
}

static enum MHD_Result serve_file(struct MHD_Connection *c, const char *url)
{
	char path[PATH_MAX];
	struct MHD_Response *r;
	struct stat sb;
	int fd;

	if (!strcmp(url, "/"))
		url = "/index.html";
	if (!safe_path(url) ||
	    snprintf(path, sizeof(path), "%s%s", cfg.web.www_dir, url) >=
	    (int)sizeof(path))
		return send_error(c, 404, "no such page");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
		if (fd >= 0)
			close(fd);
		return send_error(c, 404, "no such page");
	}
	r = MHD_create_response_from_fd((uint64_t)sb.st_size, fd);
	if (!r) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", mime(path));
	MHD_add_response_header(r, "Cache-Control", "no-cache");
	return queue(c, 200, r);
}

/* ---- the API -------------------------------------------------------------- */

static const char *get_arg(void *ctx, const char *key)
{
	return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, key);
}

static void peer_of(struct MHD_Connection *c, char *buf, size_t size)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
		c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	snprintf(buf, size, "?");
	if (sa && sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
			  buf, (socklen_t)size);
	else if (sa && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
			  &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
			  (socklen_t)size);
}

static enum MHD_Result api(struct MHD_Connection *c, const char *method,
			   const char *url, struct reqctx *rc)
{
	struct webapi_resp rs = { .status = 500 };
	struct webapi_req rq = {
		.method = method, .path = url, .body = rc->body,
		.len = rc->len, .arg = get_arg, .ctx = c,
		.cookie = MHD_lookup_connection_value(c, MHD_COOKIE_KIND,
						      WEBAPI_COOKIE),
		.csrf = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    WEBAPI_CSRF_HDR),
		.authz = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						     "Authorization"),
	};
	struct MHD_Response *r;
	enum MHD_Result res;
	char peer[INET6_ADDRSTRLEN];

	peer_of(c, peer, sizeof(peer));
	rq.peer = peer;
	webapi_handle(&w, &rq, &rs);
	if (rs.json) {
		res = send_json(c, rs.status, rs.json, &rs);
	} else {
		r = MHD_create_response_from_buffer(rs.text_len,
						    rs.text ? rs.text : "",
						    MHD_RESPMEM_MUST_COPY);
		if (r) {
			MHD_add_response_header(r, "Content-Type", rs.ctype ?
						rs.ctype : "text/plain");
			MHD_add_response_header(r, "Cache-Control",
						"no-store");
			if (rs.disposition[0])
				MHD_add_response_header(
					r, "Content-Disposition",
					rs.disposition);
		}
		res = queue(c, rs.status, r);
	}
	webapi_resp_free(&rs);
	return res;
}

static bool is_api(const char *url)
{
	return !strncmp(url, "/api/", 5) || !strcmp(url, "/metrics");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *data,
				  size_t *size, void **con_cls)
{
	struct reqctx *rc = *con_cls;

	(void)cls;
	(void)version;
	if (!rc) {
		rc = calloc(1, sizeof(*rc));
		if (!rc)
			return MHD_NO;
		rc->max = !strcmp(url, "/api/system/config") ?
			  WEBCFG_MAX_FILE : WEBREQ_MAX_BODY;
		*con_cls = rc;
		return MHD_YES;
	}
	if (*size) {
		if (!rc->too_big && rc->len + *size > rc->max) {
			rc->too_big = true;
		} else if (!rc->too_big) {
			if (rc->len + *size + 1 > rc->cap) {
				size_t cap = (rc->len + *size + 1) * 2;
				char *nb = realloc(rc->body, cap > rc->max + 1 ?
						   rc->max + 1 : cap);

				if (!nb)
					return MHD_NO;
				rc->body = nb;
				rc->cap = cap > rc->max + 1 ? rc->max + 1 : cap;
			}
			memcpy(rc->body + rc->len, data, *size);
			rc->len += *size;
			rc->body[rc->len] = '\0';
		}
		*size = 0;
		return MHD_YES;
	}
	if (rc->too_big)
		return send_error(c, 413, "the request body is too large");
	if (is_api(url))
		return api(c, method, url, rc);
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return send_error(c, 405, "pages are read with GET");
	return serve_file(c, url);
}

static void on_completed(void *cls, struct MHD_Connection *c,
			 void **con_cls, enum MHD_RequestTerminationCode tc)
{
	struct reqctx *rc = *con_cls;

	(void)cls;
	(void)c;
	(void)tc;
	if (rc) {
		free(rc->body);
		free(rc);
		*con_cls = NULL;
	}
}

/* ---- start ---------------------------------------------------------------- */

static char *read_pem(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) > 0 && n < 1 << 20 &&
	    !fseek(f, 0, SEEK_SET)) {
		buf = calloc(1, (size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

static struct MHD_Daemon *start_http(char **cert, char **key)
{
	unsigned int flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	struct MHD_Daemon *d;

	w.tls = cfg.web.tls_cert[0];
	if (w.tls) {
		if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
			LOG_ERR("[web] tls_cert: this libmicrohttpd has no TLS");
			return NULL;
		}
		*cert = read_pem(cfg.web.tls_cert);
		*key = read_pem(cfg.web.tls_key);
		if (!*cert || !*key) {
			LOG_ERR("[web] tls_cert/tls_key: cannot read %s or %s",
				cfg.web.tls_cert, cfg.web.tls_key);
			return NULL;
		}
		flags |= MHD_USE_TLS;
	}
	d = MHD_start_daemon(flags, (uint16_t)cfg.web.port, NULL, NULL,
			     on_request, NULL,
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
			     MHD_OPTION_CONNECTION_LIMIT,
			     (unsigned int)MAX_CONNECTIONS,
			     MHD_OPTION_PER_IP_CONNECTION_LIMIT,
			     (unsigned int)PER_IP_CONNECTIONS,
			     MHD_OPTION_CONNECTION_TIMEOUT,
			     (unsigned int)CONN_TIMEOUT_S,
			     w.tls ? MHD_OPTION_HTTPS_MEM_CERT :
			     MHD_OPTION_END, *cert,
			     MHD_OPTION_HTTPS_MEM_KEY, *key,
			     MHD_OPTION_END);
	if (!d)
		LOG_ERR("cannot listen on port %d: %s", cfg.web.port,
			strerror(errno));
	return d;
}

static void nl_changed(const struct netcfg_msg *state, void *arg)
{
	(void)state;
	(void)arg;
}

/* `webd passwd FILE [--must-change]` */
static int set_password(int argc, char **argv)
{
	struct webpass_account a = { .user = WEBPASS_FACTORY_USER };
	char pw[WEBPASS_MAX_LEN + 2] = "";
	int rc;

	if (argc < 3 || argc > 4 ||
	    (argc == 4 && strcmp(argv[3], "--must-change"))) {
		fprintf(stderr, "usage: webd passwd FILE [--must-change] "
			"< password\n");
		return 2;
	}
	if (!fgets(pw, sizeof(pw), stdin) || !pw[0]) {
		fprintf(stderr, "webd: no password on standard input\n");
		return 1;
	}
	pw[strcspn(pw, "\r\n")] = '\0';
	a.must_change = argc == 4;
	rc = webpass_hash(pw, WEBPASS_ITER, a.hash, sizeof(a.hash));
	if (!rc)
		rc = webpass_store(argv[2], &a);
	if (rc) {
		fprintf(stderr, "webd: %s: %s\n", argv[2], strerror(-rc));
		return 1;
	}
	return 0;
}

static int loop(struct MHD_Daemon *d, int sfd)
{
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(
		d, MHD_DAEMON_INFO_EPOLL_FD);
	int64_t restart_at = 0;

	for (;;) {
		struct pollfd p[3] = {
			{ .fd = di->epoll_fd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
			{ .fd = w.nl ? nlsnoop_fd(w.nl) : -1, .events = POLLIN },
		};
		MHD_UNSIGNED_LONG_LONG to = 1000;
		struct signalfd_siginfo si;

		if (MHD_get_timeout(d, &to) != MHD_YES || to > 1000)
			to = 1000;
		if (restart_at)
			to = 50;
		if (poll(p, 3, (int)to) < 0 && errno != EINTR)
			return -errno;
		MHD_run(d);
		if (p[2].revents & POLLIN)
			nlsnoop_process(w.nl);
		if (w.restart_self && !restart_at)
			restart_at = rtk_now_ms() + RESTART_SELF_MS;
		if (restart_at && rtk_now_ms() >= restart_at) {
			char reply[64], why[256];

			restart_at = 0;
			w.restart_self = false;
			if (rtview_ask(w.run_dir, "restart webd", reply,
				       sizeof(reply), NULL, why, sizeof(why)))
				LOG_WARN("restart: %s", why);
		}
		if (!(p[1].revents & POLLIN))
			continue;
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGHUP) {
				struct webreq_err e;

				if (webcfg_load(w.local, &cfg, NULL, &e))
					LOG_ERR("SIGHUP: %s", e.error);
				continue;
			}
			LOG_INFO("stopping on signal %u", si.ssi_signo);
			return 0;
		}
	}
}

int main(int argc, char **argv)
{
	char *cert = NULL, *key = NULL, why[300];
	const char *local = NULL, *run_dir = getenv("GW_RUN_DIR");
	struct MHD_Daemon *d;
	struct cfg_err cerr;
	sigset_t sigs;
	int sfd, rc;

	if (argc >= 2 && !strcmp(argv[1], "passwd"))
		return set_password(argc, argv);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			local = argv[++i];
		else if (!strcmp(argv[i], "--run-dir") && i + 1 < argc)
			run_dir = argv[++i];
		else {
			fprintf(stderr, "usage: webd [--config FILE] "
				"[--run-dir DIR] | webd passwd FILE "
				"[--must-change]\n");
			return 2;
		}
	}
	log_prefix_set("webd");
	if (cfg_load_env(&cfg, local, &cerr)) {
		LOG_ERR("config: %s", cfg_err_str(&cerr, why, sizeof(why)));
		return 1;
	}
	log_level_set(NULL, cfg.log.level);
	w.cfg = &cfg;
	w.local = local;
	w.now_s = mono_s;
	w.pass_iter = WEBPASS_ITER;
	snprintf(w.run_dir, sizeof(w.run_dir), "%s",
		 run_dir ? run_dir : cfg.board.run_dir);
	if (webpass_load(cfg.web.passwd_file, &w.acct, why, sizeof(why))) {
		LOG_ERR("account: %s", why);
		return 1;
	}
	websess_init(&w.sess, (unsigned)cfg.web.session_idle_s,
		     (unsigned)cfg.web.session_max_s);
	websess_limiter_init(&w.lim, (unsigned)cfg.web.login_fail_limit,
			     (unsigned)cfg.web.login_fail_window_s,
			     (unsigned)cfg.web.login_block_s);
	if (nlsnoop_open(&w.nl, cfg.net.tap_ifname, nl_changed, NULL)) {
		LOG_WARN("%s: no netlink watch: the network page cannot "
			 "change it", cfg.net.tap_ifname);
		w.nl = NULL;
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	d = start_http(&cert, &key);
	if (!d || sfd < 0)
		return 1;
	LOG_INFO("listening on port %d (%s); pages from %s; account %s%s",
		 cfg.web.port, w.tls ? "HTTPS" : "HTTP", cfg.web.www_dir,
		 cfg.web.passwd_file, w.acct.hash[0] ? "" :
		 " missing: factory password, to be changed at first login");
	rc = loop(d, sfd);
	MHD_stop_daemon(d);
	w.rv = rtview_close(w.rv);
	w.nl = nlsnoop_close(w.nl);
	free(cert);
	free(key);
	return rc ? 1 : 0;
}
