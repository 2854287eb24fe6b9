// SPDX-License-Identifier: MIT
/** @file cdrq.c  CDR queries: filters, times, output formats (cdrq.h) */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "billing/cdrq.h"
#include "billing/rate.h"

/** Set @p q to "everything, as a table". */
void cdrq_init(struct cdrq *q)
{
	memset(q, 0, sizeof(*q));
	q->format = CDRQ_TABLE;
	q->header = true;
}

static int parse_uint(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || x > (max - (uint64_t)(*s - '0')) / 10)
			return -EINVAL;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return 0;
}

/**
 * Parse a time as cdrq.h describes ("2026-11-21", "2026-11-21 10:00",
 * "2026-11-21T10:00:00Z", "@1795000000", "now", "-2h").
 * @param now_us  what "now" and "-N..." count from
 * @return 0 (@p us set), or -EINVAL
 */
int cdrq_parse_time(const char *s, int64_t now_us, int64_t *us)
{
	static const struct { char c; int64_t s; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	struct tm tm;
	uint64_t v;
	char buf[32];
	const char *end;
	size_t n = strlen(s);

	if (!strcmp(s, "now")) {
		*us = now_us;
		return 0;
	}
	if (s[0] == '@')
		return parse_uint(s + 1, 253402300799ull, &v) ? -EINVAL :
		       (*us = (int64_t)v * 1000000, 0);
	if (s[0] == '-' && n >= 3 && n < sizeof(buf)) {
		memcpy(buf, s + 1, n - 2);
		buf[n - 2] = '\0';
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			if (s[n - 1] != units[i].c)
				continue;
			if (parse_uint(buf, 100000ull * 86400 / units[i].s, &v))
				return -EINVAL;
			*us = now_us - (int64_t)v * units[i].s * 1000000;
			return 0;
		}
		return -EINVAL;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%d", &tm);
	if (!end || end != s + 10)
		return -EINVAL;
	if (*end == ' ' || *end == 'T') {
		const char *e2 = strptime(end + 1, "%H:%M:%S", &tm);

		if (!e2 || e2 != end + 9) {
			tm.tm_sec = 0;
			e2 = strptime(end + 1, "%H:%M", &tm);
			if (!e2 || e2 != end + 6)
				return -EINVAL;
		}
		end = e2;
		if (*end == 'Z')
			end++;
	}
	if (*end || tm.tm_year < 70 || tm.tm_year > 8099)
		return -EINVAL;
	*us = (int64_t)timegm(&tm) * 1000000;
	return 0;
}

static int disp_parse(const char *s, size_t n, enum callrec_disp *d)
{
	char name[16];

	if (!n || n >= sizeof(name))
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		name[i] = s[i] == '-' || s[i] == '_' ? ' ' :
			  (char)toupper((unsigned char)s[i]);
	name[n] = '\0';
	return callrec_disp_parse(name, d);
}

/* a number, or a prefix and '*' */
static int number_ok(const char *v)
{
	size_t n = strspn(v, "0123456789+#abcdefghijklmnopqrstuvwxyz"
			  "ABCDEFGHIJKLMNOPQRSTUVWXYZ._@-");

	return n < CDR_NUM - 1 && (!v[n] || (v[n] == '*' && !v[n + 1]));
}

/**
 * Set one filter of a query (cdrq.h lists the keys).
 * @param now_us  for relative times
 * @param why     "KEY: reason" on error
 * @return 0, or -EINVAL (unknown key or bad value)
 */
int cdrq_set(struct cdrq *q, const char *key, const char *value,
	     int64_t now_us, char *why, size_t whylen)
{
	struct store_filter *f = &q->f;
	const char *bad = NULL;

	if (!strcmp(key, "since") || !strcmp(key, "until")) {
		int64_t *t = key[0] == 's' ? &f->since_us : &f->until_us;

		if (cdrq_parse_time(value, now_us, t))
			bad = "is not a time (YYYY-MM-DD[ HH:MM[:SS]], "
			      "@SECONDS, now, -Nh, -Nd ...)";
	} else if (!strcmp(key, "caller") || !strcmp(key, "callee")) {
		if (!number_ok(value))
			bad = "is not a number, or a prefix and * (at most "
			      "62 characters)";
		else
			strcpy(key[5] == 'r' ? f->caller : f->callee, value);
	} else if (!strcmp(key, "gateway")) {
		if (strlen(value) >= sizeof(f->gateway) ||
		    value[strspn(value, "abcdefghijklmnopqrstuvwxyz"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")])
			bad = "is not a gateway name";
		else
			strcpy(f->gateway, value);
	} else if (!strcmp(key, "disposition")) {
		const char *p = value;

		f->disp_mask = 0;
		while (!bad) {
			size_t n = strcspn(p, ",");
			enum callrec_disp d;

			if (disp_parse(p, n, &d))
				bad = "is not a list of ANSWERED, NO ANSWER, "
				      "BUSY, FAILED, CONGESTION, CANCELLED";
			else
				f->disp_mask |= 1u << d;
			if (!p[n])
				break;
			p += n + 1;
		}
	} else if (!strcmp(key, "limit") || !strcmp(key, "offset")) {
		if (parse_uint(value, (uint64_t)INT64_MAX, key[0] == 'l' ?
			       &f->limit : &f->offset))
			bad = "is not a whole number";
	} else if (!strcmp(key, "format")) {
		if (!strcmp(value, "table"))
			q->format = CDRQ_TABLE;
		else if (!strcmp(value, "csv"))
			q->format = CDRQ_CSV;
		else if (!strcmp(value, "json"))
			q->format = CDRQ_JSON;
		else
			bad = "is not table, csv or json";
	} else if (!strcmp(key, "header")) {
		if (strcmp(value, "0") && strcmp(value, "1"))
			bad = "is not 0 or 1";
		else
			q->header = value[0] == '1';
	} else {
		snprintf(why, whylen, "unknown parameter \"%.40s\" (since, "
			 "until, caller, callee, disposition, gateway, limit, "
			 "offset, format, header)", key);
		return -EINVAL;
	}
	if (bad) {
		snprintf(why, whylen, "%s: \"%.64s\" %s", key, value, bad);
		return -EINVAL;
	}
	return 0;
}

/** Whether @p c passes the filters of @p f (limit and offset aside). */
bool cdrq_match(const struct store_filter *f, const struct cdr *c)
{
	const char *const pat[2] = { f->caller, f->callee },
		   *const num[2] = { c->caller, c->callee };

	if (f->since_us && c->start_us < f->since_us)
		return false;
	if (f->until_us && c->start_us >= f->until_us)
		return false;
	for (int i = 0; i < 2; i++) {
		size_t n = strlen(pat[i]);

		if (!n)
			continue;
		if (pat[i][n - 1] == '*' ? strncmp(pat[i], num[i], n - 1) :
		    strcmp(pat[i], num[i]))
			return false;
	}
	if (f->gateway[0] && strcmp(f->gateway, c->gateway))
		return false;
	return !f->disp_mask || (f->disp_mask & (1u << c->disposition));
}

/** The HTTP content type of a format. */
const char *cdrq_content_type(enum cdrq_format format)
{
	return format == CDRQ_JSON ? "application/json" :
	       format == CDRQ_CSV ? "text/csv; charset=utf-8" :
	       "text/plain; charset=utf-8";
}

/** A time as Asterisk writes it, "YYYY-MM-DD HH:MM:SS" (UTC); "" for 0.
 *  @return the length, or -ENOSPC */
int cdrq_time_str(int64_t us, char *buf, size_t len)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	if (len < 20)
		return -ENOSPC;
	if (!us) {
		buf[0] = '\0';
		return 0;
	}
	gmtime_r(&t, &tm);
	return (int)strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

/** A CDR as a JSON object with the server's fields too (cdr.h); the
 *  caller owns it. @return it, or NULL when out of memory */
json_t *cdrq_jobj(const struct cdr *c)
{
	json_t *o = cdr_to_jobj(c);
	char cost[32];

	if (!o)
		return NULL;
	json_object_set_new(o, "rate_prefix", json_string(c->rate_prefix));
	json_object_set_new(o, "rate_name", json_string(c->rate_name));
	if (c->cost == CDR_UNRATED)
		json_object_set_new(o, "cost", json_null());
	else if (rate_format_money(c->cost, cost, sizeof(cost)) > 0)
		json_object_set_new(o, "cost", json_string(cost));
	json_object_set_new(o, "received_us", json_integer(c->received_us));
	return o;
}

/* one CSV field (RFC 4180: quoted when it holds , " or a line break) */
static void csv_field(FILE *f, const char *s, bool last)
{
	if (s[strcspn(s, ",\"\r\n")]) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputc(last ? '\n' : ',', f);
}

static const char *const csv_head[] = {
	/* Asterisk cdr-csv (Master.csv), in its order */
	"accountcode", "src", "dst", "dcontext", "clid", "channel",
	"dstchannel", "lastapp", "lastdata", "start", "answer", "end",
	"duration", "billsec", "disposition", "amaflags", "uniqueid",
	"userfield",
	/* ours */
	"cause", "cause_text", "codec", "packets_rx", "packets_tx", "lost",
	"loss_pct", "jitter_ms", "mos", "gateway", "rate_prefix", "rate_name",
	"cost", "received", NULL
};

static void csv_row(FILE *f, const struct cdr *c)
{
	char t[3][24], clid[CDR_NUM + 8], ch[2][CDR_NAME + 12], num[12][32];
	const char *v[40];
	int k = 0;

	cdrq_time_str(c->start_us, t[0], sizeof(t[0]));
	cdrq_time_str(c->answer_us, t[1], sizeof(t[1]));
	cdrq_time_str(c->end_us, t[2], sizeof(t[2]));
	snprintf(clid, sizeof(clid), "<%s>", c->caller);
	snprintf(ch[0], sizeof(ch[0]), "%s/%s", c->src.kind, c->src.name);
	snprintf(ch[1], sizeof(ch[1]), "%s/%s", c->dst.kind, c->dst.name);
	snprintf(num[0], 32, "%lld", (long long)c->duration);
	snprintf(num[1], 32, "%lld", (long long)c->billsec);
	snprintf(num[2], 32, "%d", c->cause);
	snprintf(num[3], 32, "%llu", (unsigned long long)c->packets_rx);
	snprintf(num[4], 32, "%llu", (unsigned long long)c->packets_tx);
	snprintf(num[5], 32, "%llu", (unsigned long long)c->lost);
	snprintf(num[6], 32, "%.2f", c->loss_pct);
	snprintf(num[7], 32, "%.2f", c->jitter_ms);
	snprintf(num[8], 32, "%.2f", c->mos);
	num[9][0] = '\0';
	if (c->cost != CDR_UNRATED)
		rate_format_money(c->cost, num[9], 32);
	cdrq_time_str(c->received_us, num[10], 32);
	v[k++] = c->gateway;			/* accountcode */
	v[k++] = c->caller;			/* src */
	v[k++] = c->callee;			/* dst */
	v[k++] = c->dst.kind;			/* dcontext */
	v[k++] = clid;
	v[k++] = ch[0];				/* channel */
	v[k++] = ch[1];				/* dstchannel */
	v[k++] = "Dial";			/* lastapp */
	v[k++] = ch[1];				/* lastdata */
	v[k++] = t[0];
	v[k++] = t[1];
	v[k++] = t[2];
	v[k++] = num[0];
	v[k++] = num[1];
	v[k++] = callrec_disp_name(c->disposition);
	v[k++] = "DOCUMENTATION";		/* amaflags */
	v[k++] = c->id;				/* uniqueid */
	v[k++] = "";				/* userfield */
	v[k++] = num[2];
	v[k++] = c->cause_text;
	v[k++] = c->codec;
	v[k++] = num[3];
	v[k++] = num[4];
	v[k++] = num[5];
	v[k++] = num[6];
	v[k++] = num[7];
	v[k++] = num[8];
	v[k++] = c->gateway;
	v[k++] = c->rate_prefix;
	v[k++] = c->rate_name;
	v[k++] = num[9];
	v[k++] = num[10];
	for (int i = 0; i < k; i++)
		csv_field(f, v[i], i + 1 == k);
}

static const char table_fmt[] = "%-19s  %-16s %-16s %-10s %6s %6s %10s %5s  %s\n";

/** Start writing CDRs to @p f in @p format (a header, "[" ...). */
void cdrq_out_begin(struct cdrq_out *o, FILE *f, const struct cdrq *q)
{
	enum cdrq_format format = q->format;

	o->f = f;
	o->format = format;
	o->header = q->header;
	o->n = 0;
	if (format == CDRQ_CSV) {
		for (int i = 0; q->header && csv_head[i]; i++)
			csv_field(f, csv_head[i], !csv_head[i + 1]);
	} else if (format == CDRQ_TABLE) {
		fprintf(f, table_fmt, "start (UTC)", "caller", "callee",
			"disposition", "dur", "bill", "cost", "mos", "id");
	} else {
		fputc('[', f);
	}
}

/**
 * Write one CDR (a store_row_h: @p arg is the struct cdrq_out).
 * @return 0, or -EIO when the stream failed
 */
int cdrq_out_row(const struct cdr *c, void *arg)
{
	struct cdrq_out *o = arg;
	char start[24], dur[24], bill[24], cost[32] = "-", mos[16];

	if (o->format == CDRQ_CSV) {
		csv_row(o->f, c);
	} else if (o->format == CDRQ_TABLE) {
		cdrq_time_str(c->start_us, start, sizeof(start));
		snprintf(dur, sizeof(dur), "%lld", (long long)c->duration);
		snprintf(bill, sizeof(bill), "%lld", (long long)c->billsec);
		if (c->cost != CDR_UNRATED)
			rate_format_money(c->cost, cost, sizeof(cost));
		snprintf(mos, sizeof(mos), "%.2f", c->mos);
		fprintf(o->f, table_fmt, start, c->caller, c->callee,
			callrec_disp_name(c->disposition), dur, bill, cost,
			mos, c->id);
	} else {
		json_t *j = cdrq_jobj(c);

		if (!j)
			return -ENOMEM;
		fputs(o->n ? ",\n" : "\n", o->f);
		json_dumpf(j, o->f, JSON_COMPACT | JSON_REAL_PRECISION(6));
		json_decref(j);
	}
	o->n++;
	return ferror(o->f) ? -EIO : 0;
}

/** Finish the output ("]" for JSON). @return 0, or -EIO */
int cdrq_out_end(struct cdrq_out *o)
{
	if (o->format == CDRQ_JSON)
		fputs(o->n ? "\n]\n" : "]\n", o->f);
	if (fflush(o->f) || ferror(o->f))
		return -EIO;
	return 0;
}
