// SPDX-License-Identifier: MIT
/** @file webapi_status.c  The REST API: GET /api/status and /metrics */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linux-side/rtview.h"
#include "linux-side/web/webapi.h"
#include "linux-side/web/webcdr.h"
#include "rtos-kernel/rtk.h"

static struct rtstat st;	/* large: one copy, one thread */

static double us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

static json_t *task_json(const struct rtstat_task *t)
{
	json_t *hist = json_array();
	int top = RTSTAT_HIST;

	while (top > 0 && !t->lat_hist[top - 1])
		top--;
	for (int h = 0; h < top; h++)
		json_array_append_new(hist, json_integer(
			(json_int_t)t->lat_hist[h]));
	return json_pack("{s:s, s:i, s:b, s:f, s:I, s:I, s:I, s:I, s:I, "
			 "s:{s:I, s:f, s:f, s:f, s:f}, s:{s:f, s:f, s:f}, "
			 "s:o}",
			 "name", t->name, "prio", t->prio, "fifo", t->fifo,
			 "period_ms", (double)t->period_ns / 1e6,
			 "runs", (json_int_t)t->runs,
			 "missed", (json_int_t)t->missed,
			 "skipped", (json_int_t)t->skipped,
			 "overruns", (json_int_t)t->overruns,
			 "stalls", (json_int_t)t->stalls,
			 "lateness_us", "count", (json_int_t)t->lat_count,
			 "p50", us(t->lat_p50), "p99", us(t->lat_p99),
			 "p999", us(t->lat_p999), "max", us(t->lat_max),
			 "run_us", "p50", us(t->run_p50), "p99",
			 us(t->run_p99), "max", us(t->run_max),
			 "hist", hist);
}

static json_t *net_json(const struct rtstat_net *n)
{
	char ip[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN], mac[18], addr[24];

	inet_ntop(AF_INET, &n->ip, ip, sizeof(ip));
	inet_ntop(AF_INET, &n->gateway, gw, sizeof(gw));
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", n->mac[0],
		 n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
	snprintf(addr, sizeof(addr), "%s/%u", ip, n->prefix_len);
	return json_pack("{s:s, s:s, s:s, s:i, s:b, s:i, s:f}",
			 "address", addr, "gateway", n->gateway ? gw : "",
			 "mac", mac, "mtu", (int)n->mtu, "up", n->up,
			 "settings_seq", (int)n->netcfg_seq,
			 "applied_s_ago", n->netcfg_applied_ns ?
			 (double)(rtk_now_ns() - n->netcfg_applied_ns) / 1e9 :
			 -1.0);
}

static json_t *rings_json(struct rtview *v)
{
	struct ring_stats r[BUS_NCHAN];
	json_t *a = json_array();

	rtview_rings(v, r);
	for (int ch = 0; ch < BUS_NCHAN; ch++)
		json_array_append_new(a, json_pack(
			"{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			"name", bus_chan_name(ch),
			"size", (json_int_t)r[ch].size,
			"used", (json_int_t)r[ch].used,
			"high_water", (json_int_t)r[ch].high_water,
			"records_in", (json_int_t)r[ch].records_in,
			"records_out", (json_int_t)r[ch].records_out,
			"drop_full", (json_int_t)r[ch].drop_full,
			"drop_too_big", (json_int_t)r[ch].drop_too_big,
			"bad_records", (json_int_t)r[ch].bad_records));
	return a;
}

static json_t *rt_json(struct rtview *v, char *why, size_t size)
{
	uint64_t now = rtk_now_ns();
	json_t *tasks, *counters;

	if (rtview_read(v, &st, why, size))
		return NULL;
	tasks = json_array();
	for (uint32_t i = 0; i < st.ntasks && i < RTSTAT_MAX_TASKS; i++)
		json_array_append_new(tasks, task_json(&st.task[i]));
	counters = json_object();
	for (uint32_t i = 0; i < st.ncounters && i < RTSTAT_MAX_COUNTERS;
	     i++) {
		char name[RTSTAT_NAME + 1];

		snprintf(name, sizeof(name), "%.*s", RTSTAT_NAME,
			 st.counter[i].name);
		json_object_set_new(counters, name, json_integer(
			(json_int_t)st.counter[i].value));
	}
	return json_pack("{s:i, s:f, s:b, s:b, s:i, s:s, s:I, s:f, s:i, "
			 "s:o, s:o, s:o}",
			 "pid", (int)st.pid,
			 "up_s", (double)(now - st.started_ns) / 1e9,
			 "fifo", st.fifo, "memory_locked", st.memory_locked,
			 "ncpus", (int)st.ncpus, "warning", st.warning,
			 "alloc_after_start",
			 (json_int_t)st.alloc_after_start,
			 "status_age_ms",
			 (double)(now - st.updated_ns) / 1e6,
			 "channels", (int)st.nchans, "tasks", tasks,
			 "counters", counters, "net", net_json(&st.net));
}

/* a member that is the value, or {"error": why} */
static void put(json_t *o, const char *key, json_t *v, const char *why)
{
	json_object_set_new(o, key, v ? v : json_pack("{s:s}", "error", why));
}

/** GET /api/status: everything the dashboard shows, in one object. */
void webapi_status(struct webd *w, struct webapi_resp *rs)
{
	char why[512] = "";
	struct rtview *v = webapi_rtview(w, why, sizeof(why));
	json_t *o = json_object(), *j;

	json_object_set_new(o, "board", json_pack(
		"{s:s, s:s}", "name", w->cfg->board.name, "description",
		w->cfg->board.description));
	j = webapi_partitions(w, why, sizeof(why));
	put(o, "partitions", j, why);
	if (v) {
		json_object_set_new(o, "rings", rings_json(v));
		j = rt_json(v, why, sizeof(why));
		put(o, "rt", j, why);
	} else {
		put(o, "rings", NULL, why);
		put(o, "rt", NULL, why);
	}
	if (w->cfg->sip.enable) {
		j = webapi_sipd(w, "status", why, sizeof(why));
		put(o, "sip", j, why);
	} else {
		put(o, "sip", NULL, "the SIP engine is off ([sip] enable)");
	}
	if (w->cfg->billing.enable) {
		j = webcdr_delivery(w->cfg->billing.spool_dir, why,
				    sizeof(why));
		put(o, "billing", j, why);
	} else {
		put(o, "billing", NULL, "billing is off ([billing] enable)");
	}
	json_object_set_new(o, "web", json_pack(
		"{s:I, s:I, s:I, s:I, s:i}",
		"requests", (json_int_t)w->requests,
		"logins_ok", (json_int_t)w->logins_ok,
		"logins_failed", (json_int_t)w->logins_failed,
		"logins_blocked", (json_int_t)w->lim.blocked_total,
		"sessions", (int)websess_count(&w->sess, w->now_s())));
	webapi_json(rs, 200, o);
}

/* ---- /metrics ------------------------------------------------------------ */

struct text {
	char *buf;
	size_t len, cap;
};

static void add(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		if (!t->buf)
			return;
		va_start(ap, fmt);
		n = vsnprintf(t->buf + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		t->cap *= 2;
		t->buf = realloc(t->buf, t->cap);
	}
}

/* a label value: backslash, quote and newline escaped */
static const char *label(const char *s, char *buf, size_t size)
{
	size_t o = 0;

	for (; *s && o + 3 < size; s++) {
		if (*s == '\\' || *s == '"') {
			buf[o++] = '\\';
			buf[o++] = *s;
		} else if (*s == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else {
			buf[o++] = *s;
		}
	}
	buf[o] = '\0';
	return buf;
}

static void counter_line(const char *name, uint64_t value, void *arg)
{
	char l[RTSTAT_NAME * 2 + 64];

	add(arg, "gateway_counter{name=\"%s\"} %" PRIu64 "\n",
	    label(name, l, sizeof(l)), value);
}

static void metrics_tasks(struct text *t)
{
	static const char *const q[] = { "0.5", "0.99", "0.999", "1" };

	add(t, "# HELP gateway_rt_task_lateness_seconds RT task wake-up "
	    "lateness\n# TYPE gateway_rt_task_lateness_seconds summary\n");
	for (uint32_t i = 0; i < st.ntasks && i < RTSTAT_MAX_TASKS; i++) {
		const struct rtstat_task *k = &st.task[i];
		const uint64_t v[] = { k->lat_p50, k->lat_p99, k->lat_p999,
				       k->lat_max };

		for (int j = 0; j < 4; j++)
			add(t, "gateway_rt_task_lateness_seconds{task=\"%.16s\","
			    "quantile=\"%s\"} %.9f\n", k->name, q[j],
			    (double)v[j] / 1e9);
		add(t, "gateway_rt_task_lateness_seconds_count{task=\"%.16s\"}"
		    " %" PRIu64 "\n", k->name, k->lat_count);
	}
}

static void metrics_json_numbers(struct text *t, const char *metric,
				 json_t *o)
{
	const char *key;
	json_t *v;
	char l[128];

	json_object_foreach(o, key, v) {
		if (json_is_integer(v))
			add(t, "%s{name=\"%s\"} %" JSON_INTEGER_FORMAT "\n",
			    metric, label(key, l, sizeof(l)),
			    json_integer_value(v));
		else if (json_is_boolean(v))
			add(t, "%s{name=\"%s\"} %d\n", metric,
			    label(key, l, sizeof(l)), json_is_true(v));
	}
}

/** GET /metrics: the counters of gwctl counters, the partitions, the SIP
 *  engine's and billingd's, in Prometheus' text format. */
void webapi_metrics(struct webd *w, struct webapi_resp *rs)
{
	struct text t = { .buf = malloc(65536), .cap = 65536 };
	char why[512], l[64];
	struct rtview *v = webapi_rtview(w, why, sizeof(why));
	bool have_rt = v && !rtview_read(v, &st, why, sizeof(why));
	json_t *j;
	size_t i;

	add(&t, "# HELP gateway_counter Counters of the RT partition and the "
	    "proxy bus (gwctl counters)\n# TYPE gateway_counter untyped\n");
	if (v)
		rtview_counters(v, have_rt ? &st : NULL, counter_line, &t);
	if (have_rt)
		metrics_tasks(&t);
	j = webapi_partitions(w, why, sizeof(why));
	add(&t, "# HELP gateway_partition_up 1 while the partition runs\n"
	    "# TYPE gateway_partition_up gauge\n");
	for (i = 0; j && i < json_array_size(j); i++) {
		json_t *p = json_array_get(j, i);
		const char *name = json_string_value(json_object_get(p,
								     "name"));
		const char *state = json_string_value(json_object_get(p,
								      "state"));

		add(&t, "gateway_partition_up{name=\"%s\"} %d\n"
		    "gateway_partition_restarts_total{name=\"%s\"} %"
		    JSON_INTEGER_FORMAT "\n", label(name ? name : "", l,
						      sizeof(l)),
		    state && !strcmp(state, "running"), l,
		    json_integer_value(json_object_get(p, "restarts")));
	}
	json_decref(j);
	j = w->cfg->sip.enable ? webapi_sipd(w, "status", why, sizeof(why)) :
	    NULL;
	if (j) {
		add(&t, "# HELP gateway_sip SIP engine counters and gauges\n"
		    "# TYPE gateway_sip untyped\n");
		metrics_json_numbers(&t, "gateway_sip",
				     json_object_get(j, "counters"));
		add(&t, "gateway_sip{name=\"calls_up\"} %" JSON_INTEGER_FORMAT
		    "\ngateway_sip{name=\"registered\"} %" JSON_INTEGER_FORMAT
		    "\n", json_integer_value(json_object_get(j, "calls_up")),
		    json_integer_value(json_object_get(j, "registered")));
		json_decref(j);
	}
	j = w->cfg->billing.enable ?
	    webcdr_delivery(w->cfg->billing.spool_dir, why, sizeof(why)) :
	    NULL;
	if (j) {
		add(&t, "# HELP gateway_billing billingd's delivery state\n"
		    "# TYPE gateway_billing untyped\n");
		metrics_json_numbers(&t, "gateway_billing", j);
		json_decref(j);
	}
	add(&t, "gateway_web{name=\"requests\"} %" PRIu64 "\n"
	    "gateway_web{name=\"logins_failed\"} %" PRIu64 "\n"
	    "gateway_web{name=\"logins_blocked\"} %" PRIu64 "\n",
	    w->requests, w->logins_failed, w->lim.blocked_total);
	if (!t.buf) {
		webapi_fail(rs, 500, "", "out of memory");
		return;
	}
	rs->status = 200;
	rs->text = t.buf;
	rs->text_len = t.len;
	rs->ctype = "text/plain; version=0.0.4; charset=utf-8";
}
