// SPDX-License-Identifier: MIT
/** @file webapi_sys.c  The REST API: /api/system (restart, logs, backup
 *  and restore) */
#define LOG_MODULE "webapi"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "board/ctl.h"
#include "linux-side/nlsnoop.h"
#include "linux-side/rtview.h"
#include "linux-side/web/webapi.h"
#include "linux-side/web/webcfg.h"
#include "linux-side/web/webnet.h"
#include "rtos-kernel/log.h"

#define LOG_TAIL_BYTES	(512 * 1024)
#define LOG_MAX_LINES	2000

static void restart(struct webd *w, struct webapi_resp *rs, const char *name)
{
	char why[512], reply[256], req[64];
	json_t *parts = webapi_partitions(w, why, sizeof(why)), *p;
	bool known = false;
	size_t i;

	if (!parts) {
		webapi_fail(rs, 503, "", "%s", why);
		return;
	}
	json_array_foreach(parts, i, p) {
		const char *n = json_string_value(json_object_get(p, "name"));

		known |= n && !strcmp(n, name);
	}
	json_decref(parts);
	if (!known) {
		webapi_fail(rs, 404, "name", "no partition %.40s", name);
		return;
	}
	LOG_INFO("restart of %s asked from the web UI", name);
	if (!strcmp(name, "webd")) {
		/* after this reply is out */
		w->restart_self = true;
	} else {
		snprintf(req, sizeof(req), "restart %s", name);
		if (rtview_ask(w->run_dir, req, reply, sizeof(reply), NULL,
			       why, sizeof(why))) {
			webapi_fail(rs, 503, "", "%s", why);
			return;
		}
	}
	webapi_json(rs, 202, json_pack("{s:b, s:s}", "ok", 1, "restarting",
				       name));
}

/* the last @p lines lines of the log holding @p filter */
static void logs(struct webd *w, const struct webapi_req *rq,
		 struct webapi_resp *rs)
{
	const char *ls = rq->arg ? rq->arg(rq->ctx, "lines") : NULL;
	const char *filter = rq->arg ? rq->arg(rq->ctx, "filter") : NULL;
	long want = ls ? strtol(ls, NULL, 10) : 200, off;
	const char *path = w->cfg->web.log_file;
	json_t *lines = json_array();
	char *buf, *line, *save = NULL;
	FILE *f = fopen(path, "r");
	size_t n;

	if (ls && (want < 1 || want > LOG_MAX_LINES)) {
		json_decref(lines);
		webapi_fail(rs, 400, "lines", "lines: 1..%d", LOG_MAX_LINES);
		return;
	}
	if (!f) {
		json_decref(lines);
		webapi_fail(rs, 404, "", "%s: %s", path, strerror(errno));
		return;
	}
	buf = malloc(LOG_TAIL_BYTES + 1);
	fseek(f, 0, SEEK_END);
	off = ftell(f) > LOG_TAIL_BYTES ? ftell(f) - LOG_TAIL_BYTES : 0;
	fseek(f, off, SEEK_SET);
	n = buf ? fread(buf, 1, LOG_TAIL_BYTES, f) : 0;
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		/* a partial first line is dropped */
		line = off ? strchr(buf, '\n') : buf;
		for (line = strtok_r(line ? line : buf, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			if (filter && *filter && !strstr(line, filter))
				continue;
			json_array_append_new(lines, json_stringn_nocheck(
				line, strlen(line)));
			if (json_array_size(lines) > (size_t)want)
				json_array_remove(lines, 0);
		}
	}
	free(buf);
	webapi_json(rs, 200, json_pack("{s:s, s:o}", "file", path, "lines",
				       lines));
}

static void backup(struct webd *w, struct webapi_resp *rs)
{
	struct stat sb;
	FILE *f;

	if (!w->local) {
		webapi_fail(rs, 404, "", "this gateway has no local "
			    "configuration file (--config)");
		return;
	}
	f = fopen(w->local, "r");
	if (!f || fstat(fileno(f), &sb) || sb.st_size > WEBCFG_MAX_FILE) {
		if (f)
			fclose(f);
		webapi_fail(rs, 500, "", "%s: cannot read", w->local);
		return;
	}
	rs->text = malloc((size_t)sb.st_size + 1);
	rs->text_len = rs->text ? fread(rs->text, 1, (size_t)sb.st_size, f) :
		       0;
	fclose(f);
	rs->status = 200;
	rs->ctype = "text/plain; charset=utf-8";
	snprintf(rs->disposition, sizeof(rs->disposition),
		 "attachment; filename=\"gateway-%s.ini\"",
		 w->cfg->board.name);
}

/* after a restore: the network and the PBX as the new file says; what
 * else changed waits for a restart */
static void restore(struct webd *w, const struct webapi_req *rq,
		    struct webapi_resp *rs)
{
	struct gw_config *n = malloc(sizeof(*n));
	struct netcfg_msg now, want;
	struct webreq_err e;
	char why[300], reply[512];
	json_t *ans;

	if (!n) {
		webapi_fail(rs, 500, "", "out of memory");
		return;
	}
	if (webcfg_restore(w->local, rq->body ? rq->body : "", rq->len, n,
			   &e)) {
		free(n);
		webapi_error(rs, &e);
		return;
	}
	ans = json_pack("{s:b}", "ok", 1);
	if (w->nl && !nlsnoop_state(w->nl, &now)) {
		want = now;
		want.ip = n->net.address.addr.s_addr;
		want.prefix_len = (uint8_t)n->net.address.len;
		want.gateway = n->net.gateway.s_addr;
		want.mtu = (uint32_t)n->net.mtu;
		memcpy(want.mac, n->net.mac, 6);
		json_object_set_new(ans, "network", json_string(
			webnet_apply(n->net.tap_ifname, &now, &want, why,
				     sizeof(why)) ? why : "applied"));
	}
	if (n->sip.enable) {
		webapi_sipd_text(w, "reload", reply, sizeof(reply));
		json_object_set_new(ans, "sip", json_string(reply));
	}
	json_object_set_new(ans, "note", json_string(
		"other settings apply when the partition that uses them "
		"restarts"));
	*w->cfg = *n;
	free(n);
	LOG_INFO("configuration restored from the web UI into %s", w->local);
	webapi_json(rs, 200, ans);
}

/** /api/system/...: restart/NAME, logs, config (backup and restore). */
void webapi_system(struct webd *w, const struct webapi_req *rq,
		   struct webapi_resp *rs, const char *what)
{
	bool get = !strcmp(rq->method, "GET") || !strcmp(rq->method, "HEAD");

	if (!strncmp(what, "restart/", 8) && !strcmp(rq->method, "POST") &&
	    what[8] && !strchr(what + 8, '/'))
		restart(w, rs, what + 8);
	else if (!strcmp(what, "logs") && get)
		logs(w, rq, rs);
	else if (!strcmp(what, "config") && get)
		backup(w, rs);
	else if (!strcmp(what, "config") && !strcmp(rq->method, "PUT"))
		restore(w, rq, rs);
	else
		webapi_fail(rs, 404, "", "no such resource: %s "
			    "/api/system/%.60s", rq->method, what);
}
