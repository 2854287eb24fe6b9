/* SPDX-License-Identifier: MIT */
/** @file webapi.h  The admin web UI's REST API
 *
 * webd (linux-side/web/webd_main.c) hands every request for /api/... and
 * /metrics to webapi_handle() with its method, path, body and the few
 * headers that matter, and sends back what it fills in. Everything but
 * POST /api/login needs the session cookie (gw_session, HttpOnly,
 * SameSite=Strict); everything that changes something (not GET or HEAD)
 * also needs the session's CSRF token in the X-CSRF-Token header; a
 * session whose password must be changed may only change it (PUT
 * /api/system/password), read GET /api/session and log out. /metrics
 * takes a session or, when [web] metrics_token is set, "Authorization:
 * Bearer TOKEN". Errors are JSON {"error": "...", "field": "..."} with a
 * 4xx/5xx status, and change nothing.
 *
 *   POST   /api/login              {"username","password"} -> cookie,
 *                                  {"csrf","username","must_change_password"}
 *   POST   /api/logout
 *   GET    /api/session            the CSRF token again (page reloads)
 *   GET    /api/status             partitions, RT executive and tasks with
 *                                  lateness histograms, shared interface,
 *                                  bus rings (queues, drops), counters,
 *                                  SIP engine (registrations, calls),
 *                                  billing delivery
 *   GET    /api/network            eth0 (kernel), the RT side's applied
 *                                  settings, the port partition
 *   PUT    /api/network            {"address","gateway","mac","mtu"} (any)
 *   GET    /api/tdm                the card's spans and lines, their owner
 *                                  and whether a call uses them
 *   GET    /api/KIND               KIND: extensions, trunks, routes, dids
 *   POST   /api/KIND               {...} a new one
 *   GET    /api/KIND/NAME
 *   PUT    /api/KIND/NAME          {...} keys to change
 *   DELETE /api/KIND/NAME
 *   GET    /api/calls              live calls with per-leg codec, jitter,
 *                                  loss, MOS from the RT status page
 *   DELETE /api/calls/ID           hang up (sipd)
 *   GET    /api/cdrs[?limit=N]     recent CDRs (billing server) and
 *                                  their delivery state (billingd)
 *   POST   /api/system/restart/NAME  restart a partition (dispatcher)
 *   GET    /api/system/logs[?lines=N&filter=TEXT]
 *   GET    /api/system/config      the local configuration file (backup)
 *   PUT    /api/system/config      restore: the file, checked first
 *   PUT    /api/system/password    {"current","new"}
 *   GET    /metrics                Prometheus text
 * Changes to the PBX are written to the local configuration file and
 * applied with sipd's "reload"; network changes go to eth0 through
 * netlink (linux-side/web/webnet.h) and into the file.
 */
#ifndef LINUX_SIDE_WEB_WEBAPI_H
#define LINUX_SIDE_WEB_WEBAPI_H

#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "board/config.h"
#include "linux-side/web/webpass.h"
#include "linux-side/web/webreq.h"
#include "linux-side/web/websess.h"

#define WEBAPI_COOKIE	"gw_session"
#define WEBAPI_CSRF_HDR	"X-CSRF-Token"

struct rtview;
struct nlsnoop;

/** A request, as webd hands it over */
struct webapi_req {
	const char *method;	/**< "GET", "POST", ... */
	const char *path;	/**< "/api/status" (no query) */
	const char *body;	/**< NULL when none */
	size_t len;
	const char *peer;	/**< client address, for the rate limit */
	const char *cookie;	/**< value of the session cookie, or NULL */
	const char *csrf;	/**< X-CSRF-Token, or NULL */
	const char *authz;	/**< Authorization, or NULL */
	/** a query argument, or NULL */
	const char *(*arg)(void *ctx, const char *key);
	void *ctx;
};

/** What to answer: JSON, or text */
struct webapi_resp {
	int status;
	json_t *json;		/**< owned; NULL when text is used */
	char *text;		/**< malloc'ed body when not JSON */
	size_t text_len;
	const char *ctype;	/**< of text */
	char cookie[160];	/**< Set-Cookie value, "" for none */
	char disposition[96];	/**< Content-Disposition, "" for none */
	unsigned int retry_after;	/**< 429: seconds, 0: none */
};

/** webd's state, which the handlers share (one thread) */
struct webd {
	struct gw_config *cfg;	/**< as loaded, updated by changes */
	const char *local;	/**< the local file (--config), or NULL */
	char run_dir[PATH_MAX];
	bool tls;		/**< cookies get Secure */
	unsigned int pass_iter;	/**< PBKDF2 iterations of new hashes */
	struct rtview *rv;	/**< the bus, mapped on first use */
	struct nlsnoop *nl;	/**< eth0's state, NULL when unavailable */
	struct websess_table sess;
	struct websess_limiter lim;
	struct webpass_account acct;
	int64_t (*now_s)(void);
	bool restart_self;	/**< restart webd once the reply is sent */
	uint64_t requests, logins_ok, logins_failed, csrf_refused,
		 unauthenticated;
};

void webapi_handle(struct webd *w, const struct webapi_req *rq,
		   struct webapi_resp *rs);
void webapi_resp_free(struct webapi_resp *rs);

/* shared by the handlers (webapi*.c) */
int  webapi_error(struct webapi_resp *rs, const struct webreq_err *e);
int  webapi_fail(struct webapi_resp *rs, int status, const char *field,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void webapi_json(struct webapi_resp *rs, int status, json_t *j);
json_t *webapi_sipd(struct webd *w, const char *req, char *why,
		    size_t size);
int  webapi_sipd_text(struct webd *w, const char *req, char *reply,
		      size_t len);
json_t *webapi_partitions(struct webd *w, char *why, size_t size);
struct rtview *webapi_rtview(struct webd *w, char *why, size_t size);

void webapi_pbx(struct webd *w, const struct webapi_req *rq,
		struct webapi_resp *rs, const char *kind, const char *name);
void webapi_tdm(struct webd *w, struct webapi_resp *rs);
void webapi_calls(struct webd *w, const struct webapi_req *rq,
		  struct webapi_resp *rs, const char *id);
void webapi_cdrs(struct webd *w, const struct webapi_req *rq,
		 struct webapi_resp *rs);
void webapi_status(struct webd *w, struct webapi_resp *rs);
void webapi_metrics(struct webd *w, struct webapi_resp *rs);
void webapi_network(struct webd *w, const struct webapi_req *rq,
		    struct webapi_resp *rs);
void webapi_system(struct webd *w, const struct webapi_req *rq,
		   struct webapi_resp *rs, const char *what);

#endif /* LINUX_SIDE_WEB_WEBAPI_H */
