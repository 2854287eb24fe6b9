// SPDX-License-Identifier: MIT
/** @file bsrv.c  The billing server's core (bsrv.h) */
#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#define LOG_MODULE "bsrv"
#include "billing/bconn.h"
#include "billing/bhttp.h"
#include "billing/bsrv.h"
#include "billing/rate.h"
#include "billing/store.h"
#include "rtos-kernel/log.h"
#include "rtos-kernel/rtk.h"

#define SLICE_MS	500	/* a client thread checks for stop this often */
#define FRAME_MS	30000	/* a frame, once begun, must arrive by then */
#define HANDSHAKE_MS	10000

struct bsrv {
	struct bsrv_cfg cfg;
	char listen[128], store[256], tariffs[256], http_listen[128];
	char token[128], cert[256], key[256], client_ca[256];
	int lfd, stopfd;
	uint16_t port, http_port;
	struct btls *tls;
	struct bhttp *http;
	pthread_t acceptor;
	atomic_bool stop;
	pthread_mutex_t mu;		/* rates, stats, clients */
	pthread_cond_t gone;		/* a client thread ended */
	struct rate_table *rates;
	struct bsrv_stats st;
};

struct client {
	struct bsrv *s;
	struct bconn *c;
	struct store *st;
};

static void count(struct bsrv *s, uint64_t *field, uint64_t n)
{
	pthread_mutex_lock(&s->mu);
	*field += n;
	pthread_mutex_unlock(&s->mu);
}

static int send_err(struct client *cl, const struct bproto_err *e)
{
	size_t len;
	char *body = bproto_err_build(e, &len);
	int err;

	if (!body)
		return -ENOMEM;
	err = bconn_send_frame(cl->c, BPROTO_ERROR, body, len, FRAME_MS);
	free(body);
	return err;
}

/* rate, stamp and store a request; the Ack only after the commit */
static int submit(struct client *cl, const char *body, size_t len)
{
	struct bsrv *s = cl->s;
	struct bproto_submit req;
	struct bproto_err e;
	struct rate_table *rt;
	uint64_t fresh;
	char why[256], *ack;
	int64_t now = rtk_wall_us();
	int err = bproto_submit_parse(body, len, &req, &e);

	if (err == -EBADMSG) {
		LOG_WARN("%s: request refused: %s", bconn_peer(cl->c),
			 e.message);
		count(s, &s->st.refused, 1);
		return send_err(cl, &e);
	}
	if (err)
		return err;
	pthread_mutex_lock(&s->mu);
	rt = rate_hold(s->rates);
	pthread_mutex_unlock(&s->mu);
	for (size_t i = 0; i < req.n; i++) {
		rate_apply(rt, &req.cdrs[i]);
		req.cdrs[i].received_us = now;
	}
	rate_free(rt);
	if (!cl->st)
		err = store_open(&cl->st, s->store, why, sizeof(why));
	if (!err)
		err = store_put(cl->st, req.cdrs, req.n, &fresh, why,
				sizeof(why));
	if (err) {
		LOG_ERR("%s: store: %s", bconn_peer(cl->c), why);
		cl->st = store_close(cl->st);	/* a fresh one next time */
		count(s, &s->st.store_errors, 1);
		bproto_err_set(&e, "store", -1, NULL, "the CDR store failed; "
			       "send again later");
		bproto_submit_free(&req);
		return send_err(cl, &e);
	}
	ack = bproto_ack_build(&req, fresh, &len);
	pthread_mutex_lock(&s->mu);
	s->st.requests++;
	s->st.cdrs += req.n;
	s->st.fresh += fresh;
	s->st.duplicates += req.n - fresh;
	s->st.last_cdr_us = now;
	pthread_mutex_unlock(&s->mu);
	LOG_DBG("%s: %zu CDRs, %llu new", bconn_peer(cl->c), req.n,
		(unsigned long long)fresh);
	bproto_submit_free(&req);
	if (!ack)
		return -ENOMEM;
	err = bconn_send_frame(cl->c, BPROTO_ACK, ack, len, FRAME_MS);
	free(ack);
	return err;
}

/* one frame from the client; an error ends the connection */
static int serve_one(struct client *cl)
{
	struct bproto_err e;
	struct bproto_hdr h;
	char *body;
	int err = bconn_recv_frame(cl->c, &h, &body, &e, FRAME_MS);

	if (err == -EBADMSG || err == -EPROTO || err == -EMSGSIZE) {
		LOG_WARN("%s: %s", bconn_peer(cl->c), e.message);
		count(cl->s, &cl->s->st.refused, 1);
		send_err(cl, &e);
		return err;
	}
	if (err)
		return err;
	if (h.type != BPROTO_SUBMIT) {
		bproto_err_set(&e, "bad-frame", -1, NULL, "a client sends "
			       "only Submit requests");
		count(cl->s, &cl->s->st.refused, 1);
		send_err(cl, &e);
		free(body);
		return -EPROTO;
	}
	err = submit(cl, body, h.len);
	free(body);
	return err;
}

static void *client_main(void *arg)
{
	struct client *cl = arg;
	struct bsrv *s = cl->s;
	int idle_ms = 0, err = 0;
	char why[256];

	if (s->tls && bconn_tls_accept(cl->c, s->tls, HANDSHAKE_MS, why,
				       sizeof(why))) {
		LOG_WARN("%s: %s", bconn_peer(cl->c), why);
		count(s, &s->st.tls_failures, 1);
		err = -EPROTO;
	} else {
		LOG_INFO("%s: connected", bconn_peer(cl->c));
	}
	while (!err && !atomic_load(&s->stop)) {
		if (bconn_wait(cl->c, SLICE_MS)) {
			idle_ms += SLICE_MS;
			if (idle_ms >= s->cfg.idle_s * 1000)
				break;
			continue;
		}
		idle_ms = 0;
		err = serve_one(cl);
	}
	if (err != -EPROTO)
		LOG_INFO("%s: %s", bconn_peer(cl->c),
			 err == -ENODATA || !err ? "disconnected" :
			 strerror(-err));
	store_close(cl->st);
	bconn_close(cl->c);
	free(cl);
	pthread_mutex_lock(&s->mu);
	s->st.clients--;
	pthread_cond_broadcast(&s->gone);
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

static void busy(struct bsrv *s, struct bconn *c)
{
	struct client cl = { .s = s, .c = c };
	struct bproto_err e;

	bproto_err_set(&e, "busy", -1, NULL, "more than %d clients; try "
		       "again later", s->cfg.max_clients);
	send_err(&cl, &e);
	bconn_close(c);
	count(s, &s->st.busy, 1);
}

static void accept_one(struct bsrv *s)
{
	struct client *cl;
	struct bconn *c;
	pthread_attr_t at;
	pthread_t th;
	char why[256];
	int err = bconn_accept(&c, s->lfd, NULL, HANDSHAKE_MS, why,
			       sizeof(why));

	if (err) {
		if (err != -EAGAIN)
			LOG_WARN("%s", why);
		return;
	}
	pthread_mutex_lock(&s->mu);
	if (s->st.clients >= (unsigned)s->cfg.max_clients) {
		pthread_mutex_unlock(&s->mu);
		busy(s, c);
		return;
	}
	s->st.clients++;
	s->st.connections++;
	pthread_mutex_unlock(&s->mu);
	cl = calloc(1, sizeof(*cl));
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	if (cl) {
		cl->s = s;
		cl->c = c;
	}
	if (!cl || pthread_create(&th, &at, client_main, cl)) {
		LOG_ERR("no thread for %s", bconn_peer(c));
		bconn_close(c);
		free(cl);
		pthread_mutex_lock(&s->mu);
		s->st.clients--;
		pthread_mutex_unlock(&s->mu);
	}
	pthread_attr_destroy(&at);
}

/* The accept thread; TLS handshakes run in the client threads. */
static void *acceptor(void *arg)
{
	struct bsrv *s = arg;
	struct pollfd p[2] = { { .fd = s->lfd, .events = POLLIN },
			       { .fd = s->stopfd, .events = POLLIN } };

	while (!atomic_load(&s->stop)) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents & POLLIN)
			accept_one(s);
	}
	return NULL;
}

static json_t *status_json(void *arg)
{
	struct bsrv_stats st;

	bsrv_stats(arg, &st);
	return json_pack("{s:{s:I, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
			 "s:I, s:I, s:I, s:i, s:s}}", "server",
			 "connections", (json_int_t)st.connections,
			 "clients", (int)st.clients,
			 "busy", (json_int_t)st.busy,
			 "requests", (json_int_t)st.requests,
			 "cdrs_received", (json_int_t)st.cdrs,
			 "cdrs_new", (json_int_t)st.fresh,
			 "duplicates", (json_int_t)st.duplicates,
			 "refused", (json_int_t)st.refused,
			 "store_errors", (json_int_t)st.store_errors,
			 "tls_failures", (json_int_t)st.tls_failures,
			 "started_us", (json_int_t)st.started_us,
			 "last_cdr_us", (json_int_t)st.last_cdr_us,
			 "tariffs", (int)st.tariffs,
			 "currency", st.currency);
}

static void copy_cfg(struct bsrv *s, const struct bsrv_cfg *c)
{
#define CP(dst, src) snprintf(dst, sizeof(dst), "%s", (src) ? (src) : "")
	CP(s->listen, c->listen);
	CP(s->store, c->store);
	CP(s->tariffs, c->tariffs);
	CP(s->http_listen, c->http_listen);
	CP(s->token, c->http_token);
	CP(s->cert, c->server_cert);
	CP(s->key, c->server_key);
	CP(s->client_ca, c->client_ca);
#undef CP
	s->cfg = *c;
	if (s->cfg.idle_s <= 0)
		s->cfg.idle_s = BPROTO_IDLE_S;
	if (s->cfg.max_clients <= 0)
		s->cfg.max_clients = 64;
}

static int open_all(struct bsrv *s, char *why, size_t whylen)
{
	struct store *st;
	int err = store_open(&st, s->store, why, whylen);

	if (err)
		return err;
	store_close(st);		/* schema there; clients open theirs */
	err = bsrv_reload(s, why, whylen);
	if (!err && s->cert[0])
		err = btls_server_new(&s->tls, s->cert, s->key, s->client_ca,
				      why, whylen);
	if (err)
		return err;
	s->lfd = bconn_listen(s->listen, &s->port, why, whylen);
	if (s->lfd < 0)
		return s->lfd;
	if (s->http_listen[0]) {
		err = bhttp_start(&s->http, s->http_listen, s->store,
				  s->token[0] ? s->token : NULL, &s->http_port,
				  why, whylen);
		if (err)
			return err;
		bhttp_set_status(s->http, status_json, s);
	}
	s->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->stopfd < 0)
		return -errno;
	return 0;
}

/**
 * Start the server (bsrv.h): store, tariffs, TLS, listeners, threads.
 * @param why  the reason on error (file names, addresses, database)
 * @return 0, or a negative errno; nothing runs after an error
 */
int bsrv_start(struct bsrv **sp, const struct bsrv_cfg *cfg, char *why,
	       size_t whylen)
{
	struct bsrv *s = calloc(1, sizeof(*s));
	int err;

	if (!s)
		return -ENOMEM;
	s->lfd = s->stopfd = -1;
	copy_cfg(s, cfg);
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->gone, NULL);
	s->st.started_us = rtk_wall_us();
	err = open_all(s, why, whylen);
	if (!err) {
		err = -pthread_create(&s->acceptor, NULL, acceptor, s);
		if (err)
			snprintf(why, whylen, "thread: %s", strerror(-err));
	}
	if (err) {
		s->http = bhttp_stop(s->http);
		if (s->lfd >= 0)
			close(s->lfd);
		if (s->stopfd >= 0)
			close(s->stopfd);
		btls_free(s->tls);
		rate_free(s->rates);
		free(s);
		return err;
	}
	LOG_INFO("taking CDRs on %s (port %u%s), store %s, %zu tariffs",
		 s->listen, s->port, s->tls ? ", TLS" : "", s->store,
		 rate_count(s->rates));
	*sp = s;
	return 0;
}

/** The port the protocol listens on. */
uint16_t bsrv_port(const struct bsrv *s)
{
	return s->port;
}

/** The HTTP port (0: no HTTP). */
uint16_t bsrv_http_port(const struct bsrv *s)
{
	return s->http_port;
}

/**
 * Load the tariff file again and use it for the next batches (no file
 * configured: no rating).
 * @return 0, or the loader's error (the old table stays; reason in @p why)
 */
int bsrv_reload(struct bsrv *s, char *why, size_t whylen)
{
	struct rate_table *t = NULL, *old;
	int err = 0;

	if (s->tariffs[0])
		err = rate_load(&t, s->tariffs, why, whylen);
	if (err)
		return err;
	pthread_mutex_lock(&s->mu);
	old = s->rates;
	s->rates = t;
	s->st.tariffs = rate_count(t);
	snprintf(s->st.currency, sizeof(s->st.currency), "%s",
		 rate_currency(t));
	pthread_mutex_unlock(&s->mu);
	rate_free(old);
	return 0;
}

/** A copy of the counters. Context: any thread. */
void bsrv_stats(struct bsrv *s, struct bsrv_stats *st)
{
	pthread_mutex_lock(&s->mu);
	*st = s->st;
	pthread_mutex_unlock(&s->mu);
}

/** Stop: no new clients; connected ones end within SLICE_MS after their
 *  request in progress; HTTP stops. Frees @p s. @return NULL */
struct bsrv *bsrv_stop(struct bsrv *s)
{
	uint64_t one = 1;

	if (!s)
		return NULL;
	atomic_store(&s->stop, true);
	if (write(s->stopfd, &one, sizeof(one)) < 0)
		LOG_WARN("stop: %s", strerror(errno));
	pthread_join(s->acceptor, NULL);
	close(s->lfd);
	pthread_mutex_lock(&s->mu);
	while (s->st.clients)
		pthread_cond_wait(&s->gone, &s->mu);
	pthread_mutex_unlock(&s->mu);
	s->http = bhttp_stop(s->http);
	close(s->stopfd);
	btls_free(s->tls);
	rate_free(s->rates);
	pthread_cond_destroy(&s->gone);
	pthread_mutex_destroy(&s->mu);
	free(s);
	return NULL;
}
