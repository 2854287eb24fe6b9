// SPDX-License-Identifier: MIT
/** @file bench_billing.c  CDR ingest at the billing server, and delivery
 *  from the client's spool after an outage
 *
 * The real billsrv (build/bin/billsrv, a child process on 127.0.0.1) and
 * the real protocol, client code and spool of billing/:
 *
 *   bench.billing.ingest_sqlite          CDR/s acknowledged by billsrv on
 *                                        SQLite: 4 connections, batches of
 *                                        500 (each Ack after its commit)
 *   bench.billing.ingest_sqlite_1conn    one connection, batches of 200
 *                                        (billingd's default)
 *   bench.billing.ingest_postgresql      as ingest_sqlite on a PostgreSQL
 *   bench.billing.ingest_postgresql_1conn   server this benchmark starts
 *                                        (skipped, with a note, when the
 *                                        postgresql package is absent)
 *   bench.billing.spool_append           CDR/s made durable in the client's
 *                                        spool (chunks of 256, fdatasync)
 *   bench.billing.delivery_after_outage  CDR/s from a spool of N CDRs,
 *                                        filled while the server was down,
 *                                        to SQLite (billingd's delivery
 *                                        thread, batches of 200)
 *
 * Each ingest phase runs BENCH_SECONDS (default 5) or until its CDRs run
 * out. Stores live under /tmp on this machine's disk: commits are real
 * fsyncs (SQLite synchronous=FULL, PostgreSQL synchronous_commit=on).
 */
#include <errno.h>
#include <glob.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>

#include "billing/bconn.h"
#include "billing/deliver.h"
#include "billing/spool.h"
#include "rtos-kernel/log.h"
#include "tests/bench/bench_out.h"

#define MAX_CONNS	4
#define PHASE_CDRS	300000	/* at most, per ingest phase */

static char top[64];
static atomic_uint_fast64_t next_id;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int make_cdr(char *buf, size_t len, uint64_t n)
{
	struct cdr c = {
		.caller = "1001", .src = { "ext", "1001" },
		.dst = { "trunk", "pstn" },
		.start_us = 1795000000000000ll + (int64_t)n,
		.answer_us = 1795000004000000ll + (int64_t)n,
		.end_us = 1795000065250000ll + (int64_t)n, .duration = 66,
		.billsec = 62, .disposition = CALLREC_ANSWERED, .cause = 200,
		.cause_text = "OK", .codec = "PCMU", .packets_rx = 3000,
		.packets_tx = 3000, .lost = 3, .loss_pct = 0.1,
		.jitter_ms = 0.9, .mos = 4.3, .gateway = "bench",
	};

	snprintf(c.id, sizeof(c.id), "bench-%016llx", (unsigned long long)n);
	snprintf(c.callee, sizeof(c.callee), "4420%07llu",
		 (unsigned long long)(n % 10000000));
	return cdr_to_json(&c, buf, len);
}

/* billsrv on 127.0.0.1:0 with @p store; its pid, and its port in *port */
static pid_t start_server(const char *store, uint16_t *port)
{
	char ready[128], st[512], line[128] = "";
	pid_t pid;

	snprintf(ready, sizeof(ready), "%s/ready", top);
	snprintf(st, sizeof(st), "store=%s", store);
	unlink(ready);
	pid = fork();
	if (!pid) {
		char cfg[128];

		snprintf(cfg, sizeof(cfg), "%s/empty.ini", top);
		fclose(fopen(cfg, "w"));
		setenv("GW_CONFIG", cfg, 1);
		if (!freopen("/dev/null", "w", stderr))
			_exit(126);
		execl("build/bin/billsrv", "billsrv", "--set", st, "--set",
		      "listen=127.0.0.1:0", "--set", "http_listen=",
		      "--ready-file", ready, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; pid > 0 && i < 200; i++) {
		FILE *f = fopen(ready, "r");

		if (f) {
			unsigned p = 0;

			if (fgets(line, sizeof(line), f) &&
			    sscanf(line, "port=%u", &p) == 1)
				*port = (uint16_t)p;
			fclose(f);
			if (p)
				return pid;
		}
		usleep(50000);
	}
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return -1;
}

static void stop_server(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

struct loader {
	uint16_t port;
	int batch;
	double until;
	uint64_t last_id;		/* ids up to this one */
	uint64_t acked;
	int err;
	pthread_t th;
};

static void *load(void *arg)
{
	struct loader *l = arg;
	size_t cap = (size_t)l->batch * (CDR_MAX_JSON + 1), n = 0, blen;
	char *cdrs = malloc(cap), *body, hp[32], why[256], *reply;
	struct bconn *c;
	struct bproto_hdr h;
	struct bproto_err e;

	snprintf(hp, sizeof(hp), "127.0.0.1:%u", l->port);
	l->err = bconn_connect(&c, hp, NULL, NULL, 5000, why, sizeof(why));
	while (!l->err && now_s() < l->until &&
	       atomic_load(&next_id) < l->last_id) {
		n = 0;
		for (int i = 0; i < l->batch; i++) {
			n += (size_t)make_cdr(cdrs + n, CDR_MAX_JSON,
					      atomic_fetch_add(&next_id, 1));
			cdrs[n++] = ',';
		}
		body = bproto_submit_build(cdrs, n - 1, &blen);
		l->err = bconn_send_frame(c, BPROTO_SUBMIT, body, blen, 30000);
		free(body);
		if (!l->err)
			l->err = bconn_recv_frame(c, &h, &reply, &e, 30000);
		if (!l->err) {
			if (h.type == BPROTO_ACK)
				l->acked += (uint64_t)l->batch;
			else
				l->err = -EPROTO;
			free(reply);
		}
	}
	if (l->err)
		bench_note("loader: %s", l->err == -EPROTO ? "refused" :
			   strerror(-l->err));
	bconn_close(c);
	free(cdrs);
	return NULL;
}

static void ingest(const char *kind, const char *store, int conns, int batch,
		   const char *name)
{
	struct loader l[MAX_CONNS];
	uint64_t total = 0;
	uint16_t port = 0;
	double t0, t1;
	pid_t pid = start_server(store, &port);

	if (pid < 0) {
		bench_note("%s: billsrv did not start", kind);
		return;
	}
	t0 = now_s();
	for (int i = 0; i < conns; i++) {
		l[i] = (struct loader){ .port = port, .batch = batch,
					.until = t0 + bench_seconds(5),
					.last_id = atomic_load(&next_id) +
						   PHASE_CDRS };
		pthread_create(&l[i].th, NULL, load, &l[i]);
	}
	for (int i = 0; i < conns; i++) {
		pthread_join(l[i].th, NULL);
		total += l[i].acked;
	}
	t1 = now_s();
	stop_server(pid);
	bench_note("%s: %llu CDRs in %.2f s over %d connection(s), batches "
		   "of %d", kind, (unsigned long long)total, t1 - t0, conns,
		   batch);
	bench_fig("billing", name, (double)total / (t1 - t0), "CDR/s");
}

static int fill_spool(struct spool *sp, int n)
{
	struct iovec iov[256];
	static char buf[256][CDR_MAX_JSON];
	double t0 = now_s();

	for (int done = 0; done < n;) {
		int k = n - done < 256 ? n - done : 256;

		for (int i = 0; i < k; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = (size_t)make_cdr(buf[i], CDR_MAX_JSON,
							  atomic_fetch_add(
								  &next_id, 1));
		}
		if (spool_append(sp, iov, (size_t)k))
			return -1;
		done += k;
	}
	bench_fig("billing", "spool_append", n / (now_s() - t0), "CDR/s");
	return 0;
}

static void delivery(int n)
{
	char dir[128], store[160], hp[32], why[256], rej[160];
	struct deliver_cfg dc = { .server = hp, .backoff_min_ms = 100,
				  .backoff_max_ms = 1000, .batch = 200,
				  .ack_timeout_ms = 30000,
				  .rejected_path = rej };
	struct spool_stats ss;
	struct deliver *d;
	struct spool *sp;
	uint16_t port = 0;
	pid_t pid;
	double t0;

	snprintf(dir, sizeof(dir), "%s/queue", top);
	snprintf(rej, sizeof(rej), "%s/rejected.jsonl", top);
	snprintf(store, sizeof(store), "sqlite:%s/outage.db", top);
	if (spool_open(&sp, dir, why, sizeof(why)) || fill_spool(sp, n)) {
		bench_note("spool: %s", why);
		return;
	}
	pid = start_server(store, &port);	/* the server is back */
	snprintf(hp, sizeof(hp), "127.0.0.1:%u", port);
	t0 = now_s();
	if (pid < 0 || deliver_start(&d, sp, &dc, why, sizeof(why))) {
		bench_note("delivery: could not start");
		spool_close(sp);
		return;
	}
	do {
		usleep(2000);
		spool_stats(sp, &ss);
	} while (ss.depth && now_s() - t0 < 120);
	bench_note("delivery: %d CDRs in %.2f s (%llu left)", n,
		   now_s() - t0, (unsigned long long)ss.depth);
	if (!ss.depth)
		bench_fig("billing", "delivery_after_outage",
			  n / (now_s() - t0), "CDR/s");
	deliver_stop(d);
	stop_server(pid);
	spool_close(sp);
}

/* a PostgreSQL server of our own, on a Unix socket in @p dir */
static int pg(const char *dir, bool start, char *conn, size_t len)
{
	const char *as = geteuid() ? "" : "runuser -u postgres -- ";
	char cmd[4096], bin[256];
	glob_t g;

	if (glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g))
		return -ENOENT;
	snprintf(bin, sizeof(bin), "%s", g.gl_pathv[g.gl_pathc - 1]);
	globfree(&g);
	*strrchr(bin, '/') = '\0';
	if (!start) {
		snprintf(cmd, sizeof(cmd), "%s%s/pg_ctl -D %s/data -m fast -w "
			 "stop >/dev/null 2>&1", as, bin, dir);
		return system(cmd);
	}
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/data %s/sock %s/log && "
		 "chmod 755 %s && chown postgres %s/data %s/sock %s/log "
		 "2>/dev/null; %s%s/initdb -D %s/data -A trust -U postgres "
		 "--no-sync >/dev/null 2>&1 && %s%s/pg_ctl -D %s/data -w -l "
		 "%s/log/pg.log -o \"-k %s/sock -c listen_addresses=''\" start "
		 ">/dev/null 2>&1 && %s%s/createdb -h %s/sock -U postgres cdr",
		 dir, dir, dir, dir, dir, dir, dir, as, bin, dir, as, bin, dir,
		 dir, dir, as, bin, dir);
	if (system(cmd))
		return -EIO;
	snprintf(conn, len, "pg:host=%s/sock dbname=cdr user=postgres", dir);
	return 0;
}

int main(void)
{
	char store[160], conn[256], cmd[128];

	signal(SIGPIPE, SIG_IGN);
	log_level_set(NULL, LOG_LEVEL_WARN);
	snprintf(top, sizeof(top), "/tmp/bench_billing_XXXXXX");
	if (!mkdtemp(top) || access("build/bin/billsrv", X_OK)) {
		fprintf(stderr, "bench_billing: no temp dir or no "
			"build/bin/billsrv (run from the repository root)\n");
		return 1;
	}
	snprintf(store, sizeof(store), "sqlite:%s/ingest.db", top);
	ingest("sqlite", store, 4, 500, "ingest_sqlite");
	snprintf(store, sizeof(store), "sqlite:%s/ingest1.db", top);
	ingest("sqlite", store, 1, 200, "ingest_sqlite_1conn");
	delivery(50000);
	if (!pg(top, true, conn, sizeof(conn))) {
		ingest("postgresql", conn, 4, 500, "ingest_postgresql");
		ingest("postgresql", conn, 1, 200, "ingest_postgresql_1conn");
		pg(top, false, NULL, 0);
	} else {
		bench_note("PostgreSQL: not installed or did not start");
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	return system(cmd) ? 1 : 0;
}
