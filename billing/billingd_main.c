// SPDX-License-Identifier: MIT
/** @file billingd_main.c  billingd: the billing client (Linux partition)
 *
 *   billingd [--config FILE] [--set KEY=VALUE]...
 *
 * Watches <spool_dir>/incoming for the SIP engine's call records (inotify,
 * and a rescan every second), turns each into a CDR in the durable queue
 * <spool_dir>/queue (billing/ingest.h, billing/spool.h), and delivers the
 * queue to the billing server (billing/deliver.h). --set changes one
 * [billing] key (repeatable).
 *
 * Status: <spool_dir>/status.json, replaced (write, rename) whenever
 * something changed, at most 4 times a second, and at least every 5 s:
 *   {"pid":N, "updated_us":T, "server":"host:port"|"", "tls":bool,
 *    "connected":bool, "queue_depth":N, "queue_bytes":N,
 *    "queue_segments":N, "produced":N, "bad_call_records":N,
 *    "unreadable_call_records":N, "delivered":N, "duplicates":N,
 *    "rejected":N, "requests":N, "failures":N, "failures_total":N,
 *    "last_delivery_us":T|null, "next_attempt_us":T|null,
 *    "last_error":"..."|null, "last_error_us":T|null,
 *    "torn_bytes":N, "corrupt_bytes":N}
 * Counters run since the start of this process; queue_* are what is
 * waiting now (queue_depth CDRs not yet acknowledged by the server). Times
 * are microseconds since the epoch. gwctl and the web UI read this file.
 *
 * Signals: SIGTERM/SIGINT stop (a request in flight is abandoned: its CDRs
 * stay queued). Exit status 0 after a stop, 1 when it cannot start or the
 * spool failed (restart it: the spool recovers), 2 for bad usage.
 */
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#define LOG_MODULE "billingd"
#include "billing/deliver.h"
#include "billing/ingest.h"
#include "billing/spool.h"
#include "board/config.h"
#include "rtos-kernel/log.h"
#include "rtos-kernel/rtk.h"

#define STATUS_MIN_MS	250
#define STATUS_MAX_MS	5000

struct daemon {
	struct gw_config *cfg;
	char incoming[512], rejected[512], status[512], gateway[64];
	struct spool *sp;
	struct deliver *dl;
	struct ingest_stats in;
	char last_status[4096];
	int64_t status_ms;
};

static json_t *opt_time(int64_t us)
{
	return us ? json_integer(us) : json_null();
}

static json_t *status_obj(struct daemon *d)
{
	struct deliver_status ds = { 0 };
	struct spool_stats ss;

	spool_stats(d->sp, &ss);
	if (d->dl)
		deliver_status(d->dl, &ds);
	return json_pack("{s:s, s:b, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
			 "s:I, s:I, s:I, s:i, s:I, s:o, s:o, s:o, s:o, s:I, "
			 "s:I}",
			 "server", d->cfg->billing.server,
			 "tls", d->cfg->billing.tls, "connected", ds.connected,
			 "queue_depth", (json_int_t)ss.depth,
			 "queue_bytes", (json_int_t)ss.bytes,
			 "queue_segments", (json_int_t)ss.segments,
			 "produced", (json_int_t)d->in.cdrs,
			 "bad_call_records", (json_int_t)d->in.bad,
			 "unreadable_call_records",
			 (json_int_t)d->in.unreadable,
			 "delivered", (json_int_t)ds.delivered,
			 "duplicates", (json_int_t)ds.duplicates,
			 "rejected", (json_int_t)ds.rejected,
			 "requests", (json_int_t)ds.requests,
			 "failures", (int)ds.failures,
			 "failures_total", (json_int_t)ds.failures_total,
			 "last_delivery_us", opt_time(ds.last_delivery_us),
			 "next_attempt_us", opt_time(ds.next_attempt_us),
			 "last_error", ds.last_error[0] ?
			 json_string(ds.last_error) : d->in.last_error[0] ?
			 json_string(d->in.last_error) : json_null(),
			 "last_error_us", opt_time(ds.last_error_us),
			 "torn_bytes", (json_int_t)ss.torn_bytes,
			 "corrupt_bytes", (json_int_t)ss.corrupt_bytes);
}

/* status.json, when it changed (or is old), atomically */
static void write_status(struct daemon *d, bool force)
{
	json_t *o = status_obj(d);
	char *body = o ? json_dumps(o, JSON_COMPACT) : NULL, tmp[600];
	int64_t now = rtk_now_ms();
	FILE *f;

	json_decref(o);
	if (!body)
		return;
	if (!force && now - d->status_ms < STATUS_MAX_MS &&
	    (now - d->status_ms < STATUS_MIN_MS ||
	     !strcmp(body, d->last_status))) {
		free(body);
		return;
	}
	snprintf(d->last_status, sizeof(d->last_status), "%s", body);
	d->status_ms = now;
	snprintf(tmp, sizeof(tmp), "%s.tmp", d->status);
	f = fopen(tmp, "w");
	if (f) {
		fprintf(f, "{\"pid\":%d,\"updated_us\":%lld,%s\n", getpid(),
			(long long)rtk_wall_us(), body + 1);
		if (fclose(f) || rename(tmp, d->status))
			LOG_WARN("status %s: %s", d->status, strerror(errno));
	}
	free(body);
}

static int make_dirs(struct daemon *d)
{
	const char *dirs[] = { d->cfg->billing.spool_dir, d->incoming,
			       d->rejected };

	for (size_t i = 0; i < 3; i++) {
		int err = spool_mkdirs(dirs[i]);

		if (err) {
			LOG_ERR("%s: %s", dirs[i], strerror(-err));
			return err;
		}
	}
	return 0;
}

static int start(struct daemon *d)
{
	const struct cfg_billing *b = &d->cfg->billing;
	char why[512], path[700];
	struct deliver_cfg dc = {
		.server = b->server, .tls = b->tls, .ca_file = b->ca_file,
		.server_name = b->server_name, .client_cert = b->client_cert,
		.client_key = b->client_key,
		.backoff_min_ms = b->backoff_min_ms,
		.backoff_max_ms = b->backoff_max_ms < b->backoff_min_ms ?
				  b->backoff_min_ms : b->backoff_max_ms,
		.batch = b->batch, .ack_timeout_ms = b->ack_timeout_ms,
		.rejected_path = path,
	};

	snprintf(d->incoming, sizeof(d->incoming), "%s/incoming", b->spool_dir);
	snprintf(d->rejected, sizeof(d->rejected), "%s/rejected", b->spool_dir);
	snprintf(d->status, sizeof(d->status), "%s/status.json", b->spool_dir);
	snprintf(path, sizeof(path), "%s/queue", b->spool_dir);
	if (make_dirs(d))
		return 1;
	if (spool_open(&d->sp, path, why, sizeof(why))) {
		LOG_ERR("spool: %s", why);
		return 1;
	}
	snprintf(d->gateway, sizeof(d->gateway), "%s", b->gateway_name);
	if (!d->gateway[0] && gethostname(d->gateway, sizeof(d->gateway)))
		snprintf(d->gateway, sizeof(d->gateway), "gateway");
	if (!b->server[0]) {
		LOG_WARN("no [billing] server: CDRs stay in %s", path);
		return 0;
	}
	snprintf(path, sizeof(path), "%s/cdrs.jsonl", d->rejected);
	if (deliver_start(&d->dl, d->sp, &dc, why, sizeof(why))) {
		LOG_ERR("delivery: %s", why);
		return 1;
	}
	return 0;
}

static int load(struct gw_config *cfg, int argc, char **argv)
{
	const char *local = NULL;
	struct cfg_err cerr;
	char buf[300];
	int i;

	for (i = 1; i + 1 < argc; i += 2)
		if (!strcmp(argv[i], "--config"))
			local = argv[i + 1];
		else if (strcmp(argv[i], "--set"))
			break;
	if (i != argc) {
		fprintf(stderr, "usage: billingd [--config FILE] "
			"[--set KEY=VALUE]...\n");
		return 2;
	}
	if (cfg_load_env(cfg, local, &cerr)) {
		LOG_ERR("config: %s", cfg_err_str(&cerr, buf, sizeof(buf)));
		return 1;
	}
	for (i = 1; i + 1 < argc; i += 2) {
		char *eq;

		if (strcmp(argv[i], "--set"))
			continue;
		snprintf(buf, sizeof(buf), "%s", argv[i + 1]);
		eq = strchr(buf, '=');
		if (eq)
			*eq = '\0';
		if (!eq || cfg_set(cfg, "billing", buf, eq + 1, &cerr)) {
			LOG_ERR("--set %s: %s", argv[i + 1],
				eq ? cerr.reason : "not KEY=VALUE");
			return 1;
		}
	}
	return 0;
}

/* until a stop signal: take call records, report status */
static int loop(struct daemon *d, int sfd, int ifd)
{
	struct pollfd p[2] = { { .fd = sfd, .events = POLLIN },
			       { .fd = ifd, .events = POLLIN } };
	char evbuf[4096];

	for (;;) {
		int n = ingest_scan(d->incoming, d->rejected, d->sp,
				    d->gateway, &d->in);

		if (n > 0 && d->dl)
			deliver_kick(d->dl);
		if (n == -EIO) {
			LOG_ERR("the spool failed; exiting so that it is "
				"recovered at restart");
			return 1;
		}
		write_status(d, false);
		if (poll(p, 2, STATUS_MIN_MS * 4) < 0 && errno != EINTR)
			return 1;
		if (p[0].revents)
			return 0;
		if (p[1].revents && read(ifd, evbuf, sizeof(evbuf)) < 0 &&
		    errno != EAGAIN)
			LOG_WARN("inotify: %s", strerror(errno));
	}
}

int main(int argc, char **argv)
{
	static struct gw_config cfg;
	struct daemon d = { .cfg = &cfg };
	sigset_t sigs;
	int rc, sfd, ifd;

	log_prefix_set("billingd");
	rc = load(&cfg, argc, argv);
	if (rc)
		return rc;
	log_level_set(NULL, cfg.log.level);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);	/* threads inherit it */
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	rc = start(&d);
	if (rc)
		return rc;
	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (ifd < 0 || inotify_add_watch(ifd, d.incoming, IN_MOVED_TO |
					 IN_CLOSE_WRITE) < 0)
		LOG_WARN("inotify on %s: %s (scanning every second)",
			 d.incoming, strerror(errno));
	LOG_INFO("taking call records from %s, delivering to %s", d.incoming,
		 cfg.billing.server[0] ? cfg.billing.server : "(nobody)");
	rc = loop(&d, sfd, ifd);
	LOG_INFO("stopping");
	d.dl = deliver_stop(d.dl);
	write_status(&d, true);
	spool_close(d.sp);
	return rc;
}
