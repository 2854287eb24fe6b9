// SPDX-License-Identifier: MIT
/** @file deliver.c  The billing client's delivery thread (deliver.h) */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define LOG_MODULE "deliver"
#include "billing/bconn.h"
#include "billing/deliver.h"
#include "rtos-kernel/log.h"
#include "rtos-kernel/rtk.h"

#define PATHLEN	256

struct deliver {
	char server[128], ca_file[PATHLEN], server_name[128];
	char rejected_path[PATHLEN];
	struct deliver_cfg cfg;
	struct spool *sp;
	struct btls *tls;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* kicks and stop */
	bool stop, kicked;
	struct deliver_status st;	/* under mu */
	/* the thread's own */
	struct bconn *conn;
	int64_t used_ms;		/* when the connection last worked */
	struct spool_batch b;
};

/* one batch being sent: which records still go, and their ids */
struct sending {
	struct spool_batch *b;
	bool *skip;
	char (*ids)[CDR_ID];
	bool single;			/* one record per request */
	uint64_t fresh, dups;
};

/**
 * The wait before attempt number @p failures + 1 after @p failures
 * failures in a row: @p min_ms doubled each time, at most @p max_ms, then
 * drawn in [delay/2, delay] with the random @p rnd.
 */
int deliver_backoff_ms(int min_ms, int max_ms, unsigned failures,
		       uint32_t rnd)
{
	int64_t d = min_ms;

	for (unsigned i = 1; i < failures && d < max_ms; i++)
		d *= 2;
	if (d > max_ms)
		d = max_ms;
	return (int)(d / 2 + (d - d / 2) * (int64_t)(rnd % 1001) / 1000);
}

static void set_error(struct deliver *d, const char *msg)
{
	pthread_mutex_lock(&d->mu);
	snprintf(d->st.last_error, sizeof(d->st.last_error), "%s", msg);
	d->st.last_error_us = rtk_wall_us();
	pthread_mutex_unlock(&d->mu);
}

/* append a refused CDR to the rejected file, durably */
static int reject(struct deliver *d, struct sending *s, size_t i,
		  const char *reason)
{
	const char *pl = s->b->buf + s->b->off[i];
	json_t *cdr = json_loadb(pl, s->b->plen[i], 0, NULL);
	json_t *o = json_pack("{s:I, s:s, s:o}", "refused_us",
			      (json_int_t)rtk_wall_us(), "reason", reason, "cdr",
			      cdr ? cdr : json_stringn(pl, s->b->plen[i]));
	char *line = o ? json_dumps(o, JSON_COMPACT) : NULL;
	int fd, err = 0;

	json_decref(o);
	if (!line)
		return -ENOMEM;
	fd = open(d->rejected_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
		  0640);
	if (fd < 0 || dprintf(fd, "%s\n", line) < 0 || fdatasync(fd))
		err = -errno;
	if (fd >= 0)
		close(fd);
	free(line);
	if (err) {
		LOG_ERR("rejected file %s: %s", d->rejected_path,
			strerror(-err));
		return err;
	}
	LOG_WARN("CDR %s refused by the server, set aside: %s", s->ids[i],
		 reason);
	s->skip[i] = true;
	pthread_mutex_lock(&d->mu);
	d->st.rejected++;
	pthread_mutex_unlock(&d->mu);
	return 0;
}

/* the ids of the batch's records; a record that is no CDR is set aside */
static int read_ids(struct deliver *d, struct sending *s)
{
	for (size_t i = 0; i < s->b->n; i++) {
		json_t *o = json_loadb(s->b->buf + s->b->off[i], s->b->plen[i],
				       0, NULL);
		const char *id = json_string_value(json_object_get(o, "id"));

		if (id && cdr_id_valid(id))
			strcpy(s->ids[i], id);
		json_decref(o);
		if (!s->ids[i][0]) {
			int err = reject(d, s, i, "not a CDR (no valid id)");

			if (err)
				return err;
		}
	}
	return 0;
}

/* which records the next request carries, and its body */
static char *next_request(struct sending *s, size_t *idx, size_t *n,
			  size_t *bodylen)
{
	struct spool_batch *b = s->b;
	char *joined = malloc(b->len + 1), *body;
	size_t len = 0;

	*n = 0;
	if (!joined)
		return NULL;
	for (size_t i = 0; i < b->n && !(s->single && *n); i++) {
		if (s->skip[i])
			continue;
		if (len)
			joined[len++] = ',';
		memcpy(joined + len, b->buf + b->off[i], b->plen[i]);
		len += b->plen[i];
		idx[(*n)++] = i;
	}
	body = *n ? bproto_submit_build(joined, len, bodylen) : NULL;
	free(joined);
	return body;
}

static int check_ack(struct sending *s, const char *body, size_t len,
		     const size_t *idx, size_t n)
{
	struct bproto_ack a;
	int err = bproto_ack_parse(body, len, &a);

	if (err)
		return err;
	if (a.n != n || a.fresh + a.duplicates != n)
		err = -EPROTO;
	for (size_t k = 0; !err && k < n; k++)
		if (strcmp(a.ids[k], s->ids[idx[k]]))
			err = -EPROTO;
	if (!err) {
		for (size_t k = 0; k < n; k++)
			s->skip[idx[k]] = true;	/* done */
		s->fresh += a.fresh;
		s->dups += a.duplicates;
	}
	bproto_ack_free(&a);
	return err;
}

/* the server said no: set aside what cannot go, or give up for now */
static int on_error(struct deliver *d, struct sending *s, const char *body,
		    size_t len, const size_t *idx, size_t n)
{
	struct bproto_err e;
	char msg[300];

	if (bproto_err_parse(body, len, &e))
		return -EPROTO;
	snprintf(msg, sizeof(msg), "server: %s: %s", e.code, e.message);
	if (!strcmp(e.code, "invalid-cdr") && e.index >= 0 &&
	    (size_t)e.index < n)
		return reject(d, s, idx[e.index], msg);
	if (!strcmp(e.code, "malformed") && n > 1) {
		s->single = true;	/* find the one it chokes on */
		return 0;
	}
	if (!strcmp(e.code, "malformed"))
		return reject(d, s, idx[0], msg);
	set_error(d, msg);
	LOG_WARN("%s", msg);
	return -EAGAIN;
}

static int exchange(struct deliver *d, struct sending *s, size_t *idx)
{
	for (;;) {
		struct bproto_err e;
		struct bproto_hdr h;
		size_t n, len;
		char *body = next_request(s, idx, &n, &len), *reply;
		int err;

		if (!n)
			return 0;	/* all acknowledged or set aside */
		if (!body)
			return -ENOMEM;
		err = bconn_send_frame(d->conn, BPROTO_SUBMIT, body, len,
				       d->cfg.ack_timeout_ms);
		free(body);
		if (!err)
			err = bconn_recv_frame(d->conn, &h, &reply, &e,
					       d->cfg.ack_timeout_ms);
		if (err) {
			set_error(d, err == -EAGAIN ? "no answer from the "
				  "server in time" : strerror(-err));
			return err;
		}
		if (h.type == BPROTO_ACK)
			err = check_ack(s, reply, h.len, idx, n);
		else if (h.type == BPROTO_ERROR)
			err = on_error(d, s, reply, h.len, idx, n);
		else
			err = -EPROTO;
		free(reply);
		if (err == -EPROTO || err == -EBADMSG)
			set_error(d, "server: an answer that does not match "
				  "the request");
		if (err)
			return err;
	}
}

/* send one batch until the server took it all */
static int send_batch(struct deliver *d, uint64_t *fresh, uint64_t *dups)
{
	struct sending s = { .b = &d->b };
	size_t *idx = calloc(d->b.n, sizeof(*idx));
	int err = -ENOMEM;

	s.skip = calloc(d->b.n, sizeof(*s.skip));
	s.ids = calloc(d->b.n, sizeof(*s.ids));
	if (idx && s.skip && s.ids) {
		err = read_ids(d, &s);
		if (!err)
			err = exchange(d, &s, idx);
	}
	*fresh = s.fresh;
	*dups = s.dups;
	free(idx);
	free(s.skip);
	free(s.ids);
	return err;
}

static int connect_server(struct deliver *d)
{
	char why[256];
	int err = bconn_connect(&d->conn, d->server, d->tls, d->server_name,
				d->cfg.ack_timeout_ms, why, sizeof(why));

	if (err) {
		set_error(d, why);
		LOG_DBG("%s", why);
		return err;
	}
	LOG_INFO("connected to %s%s", d->server, d->tls ? " (TLS)" : "");
	d->used_ms = rtk_now_ms();
	pthread_mutex_lock(&d->mu);
	d->st.connected = true;
	pthread_mutex_unlock(&d->mu);
	return 0;
}

static void disconnect(struct deliver *d)
{
	d->conn = bconn_close(d->conn);
	pthread_mutex_lock(&d->mu);
	d->st.connected = false;
	pthread_mutex_unlock(&d->mu);
}

/* connect if needed, send the oldest batch, acknowledge it */
static int deliver_once(struct deliver *d)
{
	uint64_t fresh = 0, dups = 0;
	int n, err;

	if (!d->conn && (err = connect_server(d)))
		return err;
	n = spool_peek(d->sp, (size_t)d->cfg.batch, DELIVER_MAX_BYTES, &d->b);
	if (n <= 0) {
		if (n < 0)
			set_error(d, "reading the spool failed");
		return n;
	}
	err = send_batch(d, &fresh, &dups);
	if (err)
		return err;
	d->used_ms = rtk_now_ms();
	/* counted before they leave the spool: the server holds them, and a
	 * reader of the status never sees a CDR neither queued nor
	 * delivered */
	pthread_mutex_lock(&d->mu);
	d->st.delivered += fresh + dups;
	d->st.duplicates += dups;
	d->st.requests++;
	d->st.failures = 0;
	d->st.next_attempt_us = 0;
	d->st.last_delivery_us = rtk_wall_us();
	pthread_mutex_unlock(&d->mu);
	err = spool_ack(d->sp, &d->b.end, (uint64_t)n);
	if (err)
		LOG_WARN("ack file: %s (the CDRs may be sent again after a "
			 "restart)", strerror(-err));
	LOG_DBG("%d CDRs acknowledged (%llu already held)", n,
		(unsigned long long)dups);
	return 0;
}

/* wait on the condition variable for up to @p ms; true when stopping */
static bool wait_ms(struct deliver *d, int ms, bool kick_wakes)
{
	struct timespec ts;
	bool stop;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&d->mu);
	while (!d->stop && !(kick_wakes && d->kicked) &&
	       pthread_cond_timedwait(&d->cv, &d->mu, &ts) != ETIMEDOUT)
		;
	d->kicked = false;
	stop = d->stop;
	pthread_mutex_unlock(&d->mu);
	return stop;
}

static void failed(struct deliver *d)
{
	uint32_t rnd = 0;
	unsigned f;
	int ms;

	disconnect(d);
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
		rnd = (uint32_t)rtk_now_ms();
	pthread_mutex_lock(&d->mu);
	f = ++d->st.failures;
	d->st.failures_total++;
	ms = deliver_backoff_ms(d->cfg.backoff_min_ms, d->cfg.backoff_max_ms,
				f, rnd);
	d->st.next_attempt_us = rtk_wall_us() + (int64_t)ms * 1000;
	pthread_mutex_unlock(&d->mu);
	wait_ms(d, ms, false);
}

static void *run(void *arg)
{
	struct deliver *d = arg;
	struct spool_stats ss;

	for (;;) {
		pthread_mutex_lock(&d->mu);
		if (d->stop) {
			pthread_mutex_unlock(&d->mu);
			break;
		}
		pthread_mutex_unlock(&d->mu);
		spool_stats(d->sp, &ss);
		if (!ss.depth) {
			if (d->conn && rtk_now_ms() - d->used_ms > DELIVER_IDLE_MS)
				disconnect(d);
			wait_ms(d, 1000, true);
			continue;
		}
		if (deliver_once(d))
			failed(d);
	}
	disconnect(d);
	return NULL;
}

/**
 * Start delivering the records of @p sp to the server of @p cfg.
 * @param why  the reason on error (a bad TLS setting)
 * @return 0, -EPROTO (TLS files), -ENOMEM, or a pthread error
 * Context: Linux side; the thread owns the spool's consumer side.
 */
int deliver_start(struct deliver **dp, struct spool *sp,
		  const struct deliver_cfg *cfg, char *why, size_t whylen)
{
	struct deliver *d = calloc(1, sizeof(*d));
	pthread_condattr_t ca;
	int err = 0;

	if (!d)
		return -ENOMEM;
	d->cfg = *cfg;
	snprintf(d->server, sizeof(d->server), "%s", cfg->server);
	snprintf(d->server_name, sizeof(d->server_name), "%s",
		 cfg->server_name ? cfg->server_name : "");
	snprintf(d->rejected_path, sizeof(d->rejected_path), "%s",
		 cfg->rejected_path);
	d->sp = sp;
	if (cfg->tls)
		err = btls_client_new(&d->tls, cfg->ca_file, cfg->client_cert,
				      cfg->client_key, why, whylen);
	if (err) {
		free(d);
		return err;
	}
	pthread_mutex_init(&d->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&d->cv, &ca);
	pthread_condattr_destroy(&ca);
	err = pthread_create(&d->th, NULL, run, d);
	if (err) {
		snprintf(why, whylen, "thread: %s", strerror(err));
		btls_free(d->tls);
		free(d);
		return -err;
	}
	*dp = d;
	return 0;
}

/** Tell the thread that records were appended. Context: any thread. */
void deliver_kick(struct deliver *d)
{
	pthread_mutex_lock(&d->mu);
	d->kicked = true;
	pthread_cond_signal(&d->cv);
	pthread_mutex_unlock(&d->mu);
}

/** A copy of the delivery state. Context: any thread. */
void deliver_status(struct deliver *d, struct deliver_status *st)
{
	pthread_mutex_lock(&d->mu);
	*st = d->st;
	pthread_mutex_unlock(&d->mu);
}

/** Stop the thread (an exchange under way ends within ack_timeout_ms; its
 *  records stay in the spool) and free it. @return NULL */
struct deliver *deliver_stop(struct deliver *d)
{
	if (!d)
		return NULL;
	pthread_mutex_lock(&d->mu);
	d->stop = true;
	pthread_cond_signal(&d->cv);
	pthread_mutex_unlock(&d->mu);
	pthread_join(d->th, NULL);
	spool_batch_free(&d->b);
	btls_free(d->tls);
	pthread_cond_destroy(&d->cv);
	pthread_mutex_destroy(&d->mu);
	free(d);
	return NULL;
}
