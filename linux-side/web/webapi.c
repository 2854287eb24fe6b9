// SPDX-License-Identifier: MIT
/** @file webapi.c  The REST API: routing, login, sessions and CSRF */
#define LOG_MODULE "webapi"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "board/ctl.h"
#include "linux-side/rtview.h"
#include "linux-side/web/webapi.h"
#include "rtos-kernel/log.h"

#define SIPD_SOCKET	"sipd.sock"

/** Answer @p j (owned) with @p status. */
void webapi_json(struct webapi_resp *rs, int status, json_t *j)
{
	json_decref(rs->json);
	rs->status = status;
	rs->json = j ? j : json_object();
}

/** Answer the failure @p e. @return -1 */
int webapi_error(struct webapi_resp *rs, const struct webreq_err *e)
{
	webapi_json(rs, e->status ? e->status : 500, webreq_error_json(e));
	return -1;
}

/** Answer a failure. @return -1 */
int webapi_fail(struct webapi_resp *rs, int status, const char *field,
		const char *fmt, ...)
{
	struct webreq_err e;
	char msg[sizeof(e.error)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	webreq_fail(&e, status, field, "%s", msg);
	return webapi_error(rs, &e);
}

/** Free what @p rs holds. */
void webapi_resp_free(struct webapi_resp *rs)
{
	json_decref(rs->json);
	free(rs->text);
	rs->json = NULL;
	rs->text = NULL;
}

/**
 * Ask sipd's control socket; the reply as text.
 * @return 0, or a negative errno with the reason in @p reply
 */
int webapi_sipd_text(struct webd *w, const char *req, char *reply,
		     size_t len)
{
	char path[PATH_MAX + 16];
	int err;

	snprintf(path, sizeof(path), "%s/%s", w->run_dir, SIPD_SOCKET);
	err = ctl_request(path, req, reply, len, NULL);
	if (err) {
		snprintf(reply, len, "the SIP engine does not answer (%s)",
			 strerror(-err));
		return err;
	}
	if (!strncmp(reply, "error", 5))
		return -EPERM;
	return 0;
}

/** Ask sipd for JSON (status, events). @return a new reference, or NULL
 *  with the reason in @p why */
json_t *webapi_sipd(struct webd *w, const char *req, char *why, size_t size)
{
	static char reply[CTL_MAX_REPLY + 1];
	json_t *j;

	if (webapi_sipd_text(w, req, reply, sizeof(reply))) {
		snprintf(why, size, "%s", reply);
		return NULL;
	}
	j = json_loads(reply, 0, NULL);
	if (!j)
		snprintf(why, size, "the SIP engine's reply is not JSON");
	return j;
}

/* "key=value" words: a number when it is all digits */
static json_t *kv_value(const char *v)
{
	char *end;
	long long x = strtoll(v, &end, 10);

	return *v && !*end ? json_integer(x) : json_string(v);
}

/** The partitions, from the dispatcher: an array of {"name", "pid",
 *  "state", "restarts", "uptime_ms", "last_exit", ...}, or NULL with the
 *  reason in @p why. */
json_t *webapi_partitions(struct webd *w, char *why, size_t size)
{
	static char reply[CTL_MAX_REPLY];
	json_t *parts;
	char *line, *save = NULL;

	if (rtview_ask(w->run_dir, "status", reply, sizeof(reply), NULL, why,
		       size))
		return NULL;
	parts = json_array();
	for (line = strtok_r(reply, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *word, *s2 = NULL;
		json_t *p;

		if (strncmp(line, "part ", 5))
			continue;
		p = json_object();
		word = strtok_r(line + 5, " ", &s2);
		json_object_set_new(p, "name", json_string(word ? word : ""));
		while ((word = strtok_r(NULL, " ", &s2))) {
			char *eq = strchr(word, '=');

			if (!eq)
				continue;
			*eq = '\0';
			json_object_set_new(p, word, kv_value(eq + 1));
		}
		json_array_append_new(parts, p);
	}
	return parts;
}

/** The bus, mapped on first use. @return it, or NULL with @p why */
struct rtview *webapi_rtview(struct webd *w, char *why, size_t size)
{
	if (!w->rv && rtview_open(&w->rv, w->run_dir, why, size))
		return NULL;
	return w->rv;
}

/* ---- login -------------------------------------------------------------- */

static void set_cookie(struct webd *w, struct webapi_resp *rs,
		       const char *value, unsigned int max_age)
{
	snprintf(rs->cookie, sizeof(rs->cookie), "%s=%s; Path=/; HttpOnly; "
		 "SameSite=Strict; Max-Age=%u%s", WEBAPI_COOKIE, value,
		 max_age, w->tls ? "; Secure" : "");
}

static json_t *session_json(const struct websess *s)
{
	return json_pack("{s:s, s:s, s:b}", "username", s->user, "csrf",
			 s->csrf, "must_change_password", s->must_change);
}

static void login(struct webd *w, const struct webapi_req *rq,
		  struct webapi_resp *rs)
{
	static const char *const known[] = { "username", "password", NULL };
	char user[WEBPASS_USER_SIZE], pass[WEBPASS_MAX_LEN + 1];
	int64_t now = w->now_s();
	struct webreq_err e;
	struct websess *s;
	unsigned int retry = 0;
	json_t *o;
	int rc;

	if (!websess_login_allowed(&w->lim, rq->peer, now, &retry)) {
		rs->retry_after = retry;
		webapi_fail(rs, 429, "", "too many failed logins from %s: try "
			    "again in %u s", rq->peer, retry);
		return;
	}
	o = webreq_parse(rq->body, rq->len, &e);
	if (!o || webreq_only(o, known, &e) ||
	    webreq_string(o, "username", true, user, sizeof(user), &e) ||
	    webreq_string(o, "password", true, pass, sizeof(pass), &e)) {
		json_decref(o);
		webapi_error(rs, &e);
		return;
	}
	json_decref(o);
	rc = webpass_login(&w->acct, user, pass);
	memset(pass, 0, sizeof(pass));
	if (rc) {
		w->logins_failed++;
		websess_login_failed(&w->lim, rq->peer, now);
		LOG_WARN("login of \"%.31s\" from %s refused", user, rq->peer);
		webapi_fail(rs, 401, "password", "wrong user name or password");
		return;
	}
	websess_login_ok(&w->lim, rq->peer);
	if (websess_create(&w->sess, user, w->acct.must_change, now, &s)) {
		webapi_fail(rs, 500, "", "no randomness for a session id");
		return;
	}
	w->logins_ok++;
	LOG_INFO("login of %s from %s%s", user, rq->peer,
		 s->must_change ? " (must set a new password)" : "");
	set_cookie(w, rs, s->id, w->sess.max_s);
	webapi_json(rs, 200, session_json(s));
}

static void password(struct webd *w, const struct webapi_req *rq,
		     struct webapi_resp *rs, struct websess *s)
{
	static const char *const known[] = { "current", "new", NULL };
	char cur[WEBPASS_MAX_LEN + 1], nw[WEBPASS_MAX_LEN + 2], why[160];
	struct webpass_account a = w->acct;
	struct webreq_err e;
	json_t *o;
	int rc;

	o = webreq_parse(rq->body, rq->len, &e);
	if (!o || webreq_only(o, known, &e) ||
	    webreq_string(o, "current", true, cur, sizeof(cur), &e) ||
	    webreq_string(o, "new", true, nw, sizeof(nw), &e)) {
		json_decref(o);
		webapi_error(rs, &e);
		return;
	}
	json_decref(o);
	if (webpass_login(&w->acct, s->user, cur)) {
		webapi_fail(rs, 403, "current", "the current password is "
			    "wrong");
		return;
	}
	if (webpass_check_new(s->user, nw, why, sizeof(why)) ||
	    !strcmp(nw, cur)) {
		webapi_fail(rs, 400, "new", "%s", *why && strcmp(nw, cur) ?
			    why : "the new password must differ from the "
			    "current one");
		return;
	}
	rc = webpass_hash(nw, w->pass_iter, a.hash, sizeof(a.hash));
	a.must_change = false;
	if (!rc)
		rc = webpass_store(w->cfg->web.passwd_file, &a);
	memset(nw, 0, sizeof(nw));
	if (rc) {
		webapi_fail(rs, 500, "", "cannot store the password in %s: %s",
			    w->cfg->web.passwd_file, strerror(-rc));
		return;
	}
	w->acct = a;
	s->must_change = false;
	websess_end_others(&w->sess, s);
	LOG_INFO("password of %s changed; other sessions ended", s->user);
	webapi_json(rs, 200, session_json(s));
}

/* ---- routing ------------------------------------------------------------ */

static bool is(const struct webapi_req *rq, const char *method)
{
	return !strcmp(rq->method, method) ||
	       (!strcmp(method, "GET") && !strcmp(rq->method, "HEAD"));
}

static bool metrics_token_ok(const struct webd *w, const char *authz)
{
	const char *tok = w->cfg->web.metrics_token;
	size_t n = strlen(tok);

	return n && authz && !strncmp(authz, "Bearer ", 7) &&
	       strlen(authz + 7) == n && !CRYPTO_memcmp(authz + 7, tok, n);
}

/* the part of @p path after @p prefix ("" when equal), or NULL */
static const char *after(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(path, prefix, n))
		return NULL;
	if (!path[n])
		return "";
	return path[n] == '/' ? path + n + 1 : NULL;
}

static void route(struct webd *w, const struct webapi_req *rq,
		  struct webapi_resp *rs, struct websess *s)
{
	static const char *const kinds[][2] = {
		{ "/api/extensions", "extension" }, { "/api/trunks", "trunk" },
		{ "/api/routes", "route" }, { "/api/dids", "did" },
	};
	const char *rest;

	if (!strcmp(rq->path, "/api/session") && is(rq, "GET")) {
		webapi_json(rs, 200, session_json(s));
		return;
	}
	if (!strcmp(rq->path, "/api/logout") && is(rq, "POST")) {
		LOG_INFO("logout of %s", s->user);
		websess_end(s);
		set_cookie(w, rs, "", 0);
		webapi_json(rs, 200, json_pack("{s:b}", "ok", 1));
		return;
	}
	if (!strcmp(rq->path, "/api/system/password") && is(rq, "PUT")) {
		password(w, rq, rs, s);
		return;
	}
	if (s->must_change) {
		webapi_fail(rs, 403, "password", "the password must be "
			    "changed first (PUT /api/system/password)");
		return;
	}
	if (!strcmp(rq->path, "/api/status") && is(rq, "GET")) {
		webapi_status(w, rs);
		return;
	}
	if (!strcmp(rq->path, "/metrics") && is(rq, "GET")) {
		webapi_metrics(w, rs);
		return;
	}
	if (!strcmp(rq->path, "/api/network")) {
		webapi_network(w, rq, rs);
		return;
	}
	if (!strcmp(rq->path, "/api/tdm") && is(rq, "GET")) {
		webapi_tdm(w, rs);
		return;
	}
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		rest = after(rq->path, kinds[i][0]);
		if (rest && !strchr(rest, '/')) {
			webapi_pbx(w, rq, rs, kinds[i][1], *rest ? rest : NULL);
			return;
		}
	}
	rest = after(rq->path, "/api/calls");
	if (rest && !strchr(rest, '/')) {
		webapi_calls(w, rq, rs, *rest ? rest : NULL);
		return;
	}
	if (!strcmp(rq->path, "/api/cdrs") && is(rq, "GET")) {
		webapi_cdrs(w, rq, rs);
		return;
	}
	rest = after(rq->path, "/api/system");
	if (rest && *rest) {
		webapi_system(w, rq, rs, rest);
		return;
	}
	webapi_fail(rs, 404, "", "no such resource: %s %.80s", rq->method,
		    rq->path);
}

/**
 * Answer one request of the API (see the header): login, then the
 * session, the CSRF token and the forced password change are checked
 * before any handler runs.
 */
void webapi_handle(struct webd *w, const struct webapi_req *rq,
		   struct webapi_resp *rs)
{
	struct websess *s;
	bool reading = is(rq, "GET");

	w->requests++;
	if (!strcmp(rq->path, "/api/login")) {
		if (is(rq, "POST"))
			login(w, rq, rs);
		else
			webapi_fail(rs, 405, "", "use POST /api/login");
		return;
	}
	if (!strcmp(rq->path, "/metrics") && reading &&
	    metrics_token_ok(w, rq->authz)) {
		webapi_metrics(w, rs);
		return;
	}
	s = websess_find(&w->sess, rq->cookie, w->now_s());
	if (!s) {
		w->unauthenticated++;
		webapi_fail(rs, 401, "", "login required (POST /api/login)");
		return;
	}
	if (!reading && !websess_csrf_ok(s, rq->csrf)) {
		w->csrf_refused++;
		webapi_fail(rs, 403, "", "missing or wrong CSRF token (header "
			    WEBAPI_CSRF_HDR ")");
		return;
	}
	route(w, rq, rs, s);
}
