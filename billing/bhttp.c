// SPDX-License-Identifier: MIT
/** @file bhttp.c  The billing server's HTTP queries (bhttp.h) */
#define LOG_MODULE "bhttp"
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "billing/bhttp.h"
#include "billing/cdrq.h"
#include "billing/store.h"
#include "rtos-kernel/log.h"
#include "rtos-kernel/rtk.h"

#define MAX_PARAMS	16

struct bhttp {
	struct MHD_Daemon *d;
	struct store *st;	/**< used on libmicrohttpd's thread only */
	char token[160];
	_Atomic(bhttp_status_h *) status_fn;
	_Atomic(void *) status_arg;
	int64_t started_us;
};

/* one request's parameters, as libmicrohttpd hands them over */
struct params {
	struct cdrq q;
	int n;
	const char *keys[MAX_PARAMS];
	bool bad;
	char why[200];
};

static enum MHD_Result reply_more(struct MHD_Connection *c, unsigned status,
				  const char *type, char *body, size_t len,
				  bool more)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result ret;

	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (more)	/* the limit cut the list: there may be more */
		MHD_add_response_header(r, "X-CDR-More", "1");
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Bearer realm=\"billing\"");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status,
			     const char *type, char *body, size_t len)
{
	return reply_more(c, status, type, body, len, false);
}

static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned status,
				  json_t *o)
{
	char *s = o ? json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6)) :
		  NULL;
	size_t n;

	json_decref(o);
	if (!s)
		return MHD_NO;
	n = strlen(s);
	s[n] = '\n';	/* json_dumps leaves room: replace the NUL */
	return reply(c, status, "application/json", s, n + 1);
}

static enum MHD_Result refuse(struct MHD_Connection *c, unsigned status,
			      const char *code, const char *msg)
{
	return reply_json(c, status, json_pack("{s:s, s:s}", "error", code,
					       "message", msg));
}

static enum MHD_Result on_param(void *arg, enum MHD_ValueKind kind,
				const char *key, const char *value)
{
	struct params *p = arg;

	(void)kind;
	if (p->bad)
		return MHD_NO;
	if (p->n == MAX_PARAMS) {
		snprintf(p->why, sizeof(p->why), "more than %d parameters",
			 MAX_PARAMS);
		p->bad = true;
		return MHD_NO;
	}
	for (int i = 0; i < p->n; i++) {
		if (!strcmp(p->keys[i], key)) {
			snprintf(p->why, sizeof(p->why), "parameter \"%.40s\" "
				 "given twice", key);
			p->bad = true;
			return MHD_NO;
		}
	}
	p->keys[p->n++] = key;
	if (!value || !*value) {
		snprintf(p->why, sizeof(p->why), "parameter \"%.40s\" has no "
			 "value", key);
		p->bad = true;
		return MHD_NO;
	}
	if (cdrq_set(&p->q, key, value, rtk_wall_us(), p->why,
		     sizeof(p->why))) {
		p->bad = true;
		return MHD_NO;
	}
	return MHD_YES;
}

static enum MHD_Result get_cdrs(struct bhttp *h, struct MHD_Connection *c)
{
	struct params p;
	struct cdrq_out out;
	char *buf = NULL, why[256] = "";
	size_t len = 0;
	FILE *f;
	int err;

	memset(&p, 0, sizeof(p));
	cdrq_init(&p.q);
	p.q.format = CDRQ_JSON;
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, on_param, &p);
	if (p.bad)
		return refuse(c, MHD_HTTP_BAD_REQUEST, "bad-request", p.why);
	if (!p.q.f.limit) {
		bool given = false;

		for (int i = 0; i < p.n; i++)
			given |= !strcmp(p.keys[i], "limit");
		if (!given)
			p.q.f.limit = BHTTP_DEF_LIMIT;
	}
	if (!p.q.f.limit || p.q.f.limit > BHTTP_MAX_LIMIT) {
		snprintf(why, sizeof(why), "limit: at most %d CDRs per request "
			 "(page with offset)", BHTTP_MAX_LIMIT);
		return refuse(c, MHD_HTTP_BAD_REQUEST, "bad-request", why);
	}
	f = open_memstream(&buf, &len);
	if (!f)
		return MHD_NO;
	cdrq_out_begin(&out, f, &p.q);
	err = store_query(h->st, &p.q.f, cdrq_out_row, &out, why,
			  sizeof(why));
	if (!err)
		err = cdrq_out_end(&out);
	fclose(f);
	if (err) {
		free(buf);
		LOG_WARN("query: %s", why[0] ? why : strerror(-err));
		return refuse(c, MHD_HTTP_SERVICE_UNAVAILABLE, "store",
			      why[0] ? why : "the store failed");
	}
	return reply_more(c, MHD_HTTP_OK, cdrq_content_type(p.q.format), buf,
			  len, out.n == p.q.f.limit);
}

static enum MHD_Result count_params(void *arg, enum MHD_ValueKind kind,
				    const char *key, const char *value)
{
	(void)kind;
	(void)key;
	(void)value;
	(*(int *)arg)++;
	return MHD_YES;
}

static enum MHD_Result get_one(struct bhttp *h, struct MHD_Connection *c,
			       const char *id)
{
	char why[256] = "";
	struct cdr cdr;
	int n = 0, err;

	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, count_params, &n);
	if (n)
		return refuse(c, MHD_HTTP_BAD_REQUEST, "bad-request",
			      "/cdrs/ID takes no parameters");
	if (!cdr_id_valid(id))
		return refuse(c, MHD_HTTP_BAD_REQUEST, "bad-request",
			      "not a CDR id (1..63 characters of A-Z a-z "
			      "0-9 . _ : @ -)");
	err = store_get(h->st, id, &cdr, why, sizeof(why));
	if (err == -ENOENT)
		return refuse(c, MHD_HTTP_NOT_FOUND, "not-found",
			      "no CDR has this id");
	if (err)
		return refuse(c, MHD_HTTP_SERVICE_UNAVAILABLE, "store",
			      why[0] ? why : "the store failed");
	return reply_json(c, MHD_HTTP_OK, cdrq_jobj(&cdr));
}

static enum MHD_Result get_status(struct bhttp *h, struct MHD_Connection *c)
{
	bhttp_status_h *fn = atomic_load(&h->status_fn);
	char why[256] = "";
	uint64_t n = 0;
	int err = store_count(h->st, &n, why, sizeof(why));
	json_t *o = json_pack("{s:s, s:I}", "store", store_kind(h->st),
			      "http_started_us", (json_int_t)h->started_us);

	if (!o)
		return MHD_NO;
	if (err)
		json_object_set_new(o, "store_error", json_string(why));
	else
		json_object_set_new(o, "cdrs", json_integer((json_int_t)n));
	if (fn) {
		json_t *more = fn(atomic_load(&h->status_arg));

		if (json_is_object(more))
			json_object_update(o, more);
		json_decref(more);
	}
	return reply_json(c, err ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_OK,
			  o);
}

/* constant time: the token is a secret */
static bool token_ok(const struct bhttp *h, const char *auth)
{
	size_t n = strlen(h->token), m;
	unsigned char diff = 0;

	if (!auth || strncmp(auth, "Bearer ", 7))
		return false;
	auth += 7;
	m = strlen(auth);
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(h->token[i] ^ (i < m ? auth[i] : 0));
	return !diff && m == n;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_len, void **con_cls)
{
	struct bhttp *h = cls;
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
			MHD_HTTP_HEADER_CONTENT_LENGTH),
		   *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
			MHD_HTTP_HEADER_TRANSFER_ENCODING);

	(void)version;
	(void)upload;
	if (*con_cls || *upload_len) {
		/* a body came after all: refused below, not read */
		*upload_len = 0;
		return MHD_YES;
	}
	*con_cls = h;
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return refuse(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method",
			      "only GET and HEAD are served");
	if ((cl && strcmp(cl, "0")) || te)
		return refuse(c, MHD_HTTP_BAD_REQUEST, "bad-request",
			      "a query carries no body");
	if (h->token[0] && !token_ok(h, MHD_lookup_connection_value(
			c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION)))
		return refuse(c, MHD_HTTP_UNAUTHORIZED, "unauthorized",
			      "this server needs Authorization: Bearer TOKEN");
	if (!strcmp(url, "/cdrs"))
		return get_cdrs(h, c);
	if (!strncmp(url, "/cdrs/", 6))
		return get_one(h, c, url + 6);
	if (!strcmp(url, "/status"))
		return get_status(h, c);
	return refuse(c, MHD_HTTP_NOT_FOUND, "not-found",
		      "no such path: /cdrs, /cdrs/ID and /status are served");
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
		    enum MHD_RequestTerminationCode code)
{
	(void)cls;
	(void)c;
	(void)code;
	*con_cls = NULL;
}

static void mhd_log(void *arg, const char *fmt, va_list ap)
{
	char msg[256];
	size_t n;

	(void)arg;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	LOG_WARN("%s", msg);
}

static int resolve(const char *hostport, struct sockaddr_storage *ss,
		   socklen_t *sl, char *why, size_t whylen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE }, *ai;
	const char *colon = strrchr(hostport, ':');
	char host[256];
	int err;

	if (!colon || colon == hostport ||
	    (size_t)(colon - hostport) >= sizeof(host) || !colon[1] ||
	    colon[1 + strspn(colon + 1, "0123456789")] ||
	    strlen(colon + 1) > 5 || atoi(colon + 1) > 65535) {
		snprintf(why, whylen, "http: \"%s\" is not host:port",
			 hostport);
		return -EINVAL;
	}
	memcpy(host, hostport, (size_t)(colon - hostport));
	host[colon - hostport] = '\0';
	err = getaddrinfo(host, colon + 1, &hints, &ai);
	if (err) {
		snprintf(why, whylen, "http: %s: %s", host, gai_strerror(err));
		return -EADDRNOTAVAIL;
	}
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*sl = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

/**
 * Start answering HTTP queries on @p hostport ("127.0.0.1:8575"; port 0
 * picks one) from the store @p store_spec (a connection of its own).
 * @param token  "" or NULL: no authorization; else the Bearer token
 * @param port   the port listened on (may be NULL)
 * @param why    the reason on error
 * @return 0 (@p hp set), -EINVAL, -EADDRNOTAVAIL, -EADDRINUSE (cannot
 *         listen), -EIO (store), -ENOMEM
 * Context: Linux side; starts one thread.
 */
int bhttp_start(struct bhttp **hp, const char *hostport,
		const char *store_spec, const char *token, uint16_t *port,
		char *why, size_t whylen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct bhttp *h;
	const union MHD_DaemonInfo *info;
	int err;

	if (!hp || !hostport || !store_spec)
		return -EINVAL;
	if (token && strlen(token) >= sizeof(h->token)) {
		snprintf(why, whylen, "http: token longer than %zu",
			 sizeof(h->token) - 1);
		return -EINVAL;
	}
	err = resolve(hostport, &ss, &sl, why, whylen);
	if (err)
		return err;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	snprintf(h->token, sizeof(h->token), "%s", token ? token : "");
	h->started_us = rtk_wall_us();
	err = store_open(&h->st, store_spec, why, whylen);
	if (err) {
		free(h);
		return err;
	}
	(void)sl;
	h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
				MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, h,
				/* the logger first, or MHD complains */
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_CONNECTION_LIMIT,
				(unsigned)BHTTP_MAX_CONN,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT,
				(size_t)BHTTP_MAX_HEADERS,
				MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
				MHD_OPTION_END);
	if (!h->d) {
		snprintf(why, whylen, "http: cannot listen on %s", hostport);
		h->st = store_close(h->st);
		free(h);
		return -EADDRINUSE;
	}
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	if (port)
		*port = info ? info->port : 0;
	*hp = h;
	return 0;
}

/** Have /status include what @p fn returns (NULL: nothing more). */
void bhttp_set_status(struct bhttp *h, bhttp_status_h *fn, void *arg)
{
	atomic_store(&h->status_arg, arg);
	atomic_store(&h->status_fn, fn);
}

/** Stop answering (waits for the request in progress) and free @p h
 *  (NULL allowed). @return NULL */
struct bhttp *bhttp_stop(struct bhttp *h)
{
	if (!h)
		return NULL;
	MHD_stop_daemon(h->d);
	store_close(h->st);
	free(h);
	return NULL;
}
