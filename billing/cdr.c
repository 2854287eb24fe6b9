// SPDX-License-Identifier: MIT
/** @file cdr.c  Call detail records: built from call records, checked,
 *  encoded as JSON */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "billing/cdr.h"

static const char *const kinds[] = { "ext", "fxs", "trunk", "pstn",
				     "unknown", NULL };

/* keys a client may send, in the order cdr_to_jobj() writes them */
static const char *const client_keys[] = {
	"id", "caller", "callee", "src", "dst", "start_us", "answer_us",
	"end_us", "duration", "billsec", "disposition", "cause", "cause_text",
	"codec", "packets_rx", "packets_tx", "lost", "late", "loss_pct",
	"jitter_ms", "mos", "gateway", NULL
};

/** Whole seconds from @p from_us to @p to_us, counting a started second
 *  as one (0 when @p to_us is not after @p from_us). */
int64_t cdr_seconds(int64_t from_us, int64_t to_us)
{
	if (to_us <= from_us)
		return 0;
	return (to_us - from_us + 999999) / 1000000;
}

/** Whether @p id can name a CDR: 1..63 characters of [A-Za-z0-9._:@-]. */
bool cdr_id_valid(const char *id)
{
	size_t n = strspn(id, "abcdefghijklmnopqrstuvwxyz"
			  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:@-");

	return n && n < CDR_ID && !id[n];
}

static bool text_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static bool kind_ok(const char *k)
{
	for (int i = 0; kinds[i]; i++)
		if (!strcmp(k, kinds[i]))
			return true;
	return false;
}

/**
 * Check that a CDR holds together: a valid id, known kinds, text without
 * control characters, times in order, duration and billsec as their times
 * give them (see cdr.h), quality figures in range.
 * @param why  the reason on error
 * @return 0, or -EBADMSG
 */
int cdr_check(const struct cdr *c, char *why, size_t whylen)
{
	const char *const texts[] = { c->caller, c->callee, c->src.name,
				      c->dst.name, c->cause_text, c->codec,
				      c->gateway };
	int64_t end = c->end_us;

	if (!cdr_id_valid(c->id)) {
		snprintf(why, whylen, "id is not 1..%d characters of "
			 "A-Z a-z 0-9 . _ : @ -", CDR_ID - 1);
		return -EBADMSG;
	}
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		if (!text_ok(texts[i])) {
			snprintf(why, whylen, "a text field holds a control "
				 "character");
			return -EBADMSG;
		}
	}
	if (!kind_ok(c->src.kind) || !kind_ok(c->dst.kind)) {
		snprintf(why, whylen, "unknown party kind");
		return -EBADMSG;
	}
	if ((unsigned)c->disposition >= CALLREC_DISP_COUNT ||
	    c->cause < 0 || c->cause > 999) {
		snprintf(why, whylen, "bad disposition or cause");
		return -EBADMSG;
	}
	if (c->start_us <= 0 || end < c->start_us ||
	    (c->answer_us && (c->answer_us < c->start_us ||
			      c->answer_us > end))) {
		snprintf(why, whylen, "times out of order (start %lld, answer "
			 "%lld, end %lld)", (long long)c->start_us,
			 (long long)c->answer_us, (long long)end);
		return -EBADMSG;
	}
	if (c->duration != cdr_seconds(c->start_us, end) ||
	    c->billsec != (c->answer_us ? cdr_seconds(c->answer_us, end) : 0)) {
		snprintf(why, whylen, "duration %lld or billsec %lld does not "
			 "match the times", (long long)c->duration,
			 (long long)c->billsec);
		return -EBADMSG;
	}
	if (!isfinite(c->loss_pct) || !isfinite(c->jitter_ms) ||
	    !isfinite(c->mos) || c->loss_pct < 0 || c->loss_pct > 100 ||
	    c->jitter_ms < 0 || c->mos < 0 || c->mos > 5) {
		snprintf(why, whylen, "quality figures out of range");
		return -EBADMSG;
	}
	return 0;
}

/* a + b, saturated where JSON's integers end */
static uint64_t sum(uint64_t a, uint64_t b)
{
	return a > (uint64_t)INT64_MAX - b ? (uint64_t)INT64_MAX : a + b;
}

static void quality(struct cdr *c, const struct callrec *r)
{
	bool any_mos = false;

	for (unsigned i = 0; i < r->nlegs && i < CALLREC_MAX_LEGS; i++) {
		const struct callrec_leg *l = &r->leg[i];

		c->packets_rx = sum(c->packets_rx, l->packets_rx);
		c->packets_tx = sum(c->packets_tx, l->packets_tx);
		c->lost = sum(c->lost, l->lost);
		c->late = sum(c->late, l->late);
		if (l->jitter_ms > c->jitter_ms)
			c->jitter_ms = l->jitter_ms;
		if (l->packets_rx && (!any_mos || l->mos < c->mos)) {
			c->mos = l->mos;
			any_mos = true;
		}
	}
	if (c->packets_rx + c->lost)
		c->loss_pct = (double)c->lost * 100.0 /
			      (double)(c->packets_rx + c->lost);
	/* two decimals are all a report shows; keeps the JSON short */
	c->loss_pct = round(c->loss_pct * 100) / 100;
	c->jitter_ms = round(c->jitter_ms * 100) / 100;
	c->mos = round(c->mos * 100) / 100;
}

/**
 * Build the CDR of a finished call.
 * @param c        the CDR, written whole on success
 * @param r        the SIP engine's call record (checked by callrec_read())
 * @param gateway  name of this gateway, copied into the CDR ("" allowed)
 * @param why      the reason on error
 * @return 0, or -EBADMSG when the record cannot make a valid CDR (its id
 *         or times), or -EINVAL for a NULL argument
 */
int cdr_from_callrec(struct cdr *c, const struct callrec *r,
		     const char *gateway, char *why, size_t whylen)
{
	struct cdr n;

	if (!c || !r || !gateway)
		return -EINVAL;
	memset(&n, 0, sizeof(n));
	snprintf(n.id, sizeof(n.id), "%s", r->id);
	snprintf(n.caller, sizeof(n.caller), "%s", r->caller);
	snprintf(n.callee, sizeof(n.callee), "%s", r->callee);
	snprintf(n.src.kind, sizeof(n.src.kind), "%s", r->from.kind);
	snprintf(n.src.name, sizeof(n.src.name), "%s", r->from.name);
	snprintf(n.dst.kind, sizeof(n.dst.kind), "%s", r->to.kind);
	snprintf(n.dst.name, sizeof(n.dst.name), "%s", r->to.name);
	snprintf(n.cause_text, sizeof(n.cause_text), "%s", r->cause_text);
	snprintf(n.codec, sizeof(n.codec), "%s", r->codec);
	snprintf(n.gateway, sizeof(n.gateway), "%s", gateway);
	n.start_us = r->start_us;
	n.answer_us = r->answer_us;
	n.end_us = r->end_us;
	if (!n.end_us)		/* never ended: it lasted until answer/start */
		n.end_us = n.answer_us ? n.answer_us : n.start_us;
	n.duration = cdr_seconds(n.start_us, n.end_us);
	n.billsec = n.answer_us ? cdr_seconds(n.answer_us, n.end_us) : 0;
	n.disposition = r->disposition;
	n.cause = r->cause;
	n.cost = CDR_UNRATED;
	quality(&n, r);
	if (cdr_check(&n, why, whylen))
		return -EBADMSG;
	*c = n;
	return 0;
}

static json_t *party(const struct cdr_party *p)
{
	return json_pack("{s:s, s:s}", "kind", p->kind, "name", p->name);
}

/** The CDR as a new JSON object with the client's keys (cdr.h); the
 *  caller owns it. @return the object, or NULL when out of memory */
json_t *cdr_to_jobj(const struct cdr *c)
{
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:I, s:I, s:I, s:I, s:I, "
			 "s:s, s:i, s:s, s:s, s:I, s:I, s:I, s:I, s:f, s:f, "
			 "s:f, s:s}",
			 "id", c->id, "caller", c->caller, "callee", c->callee,
			 "src", party(&c->src), "dst", party(&c->dst),
			 "start_us", (json_int_t)c->start_us,
			 "answer_us", (json_int_t)c->answer_us,
			 "end_us", (json_int_t)c->end_us,
			 "duration", (json_int_t)c->duration,
			 "billsec", (json_int_t)c->billsec,
			 "disposition", callrec_disp_name(c->disposition),
			 "cause", c->cause, "cause_text", c->cause_text,
			 "codec", c->codec,
			 "packets_rx", (json_int_t)c->packets_rx,
			 "packets_tx", (json_int_t)c->packets_tx,
			 "lost", (json_int_t)c->lost,
			 "late", (json_int_t)c->late,
			 "loss_pct", c->loss_pct, "jitter_ms", c->jitter_ms,
			 "mos", c->mos, "gateway", c->gateway);
}

/** Write the CDR as compact JSON, NUL-terminated, no newline.
 *  @return its length, or -ENOSPC (buffer too small) or -ENOMEM */
int cdr_to_json(const struct cdr *c, char *buf, size_t len)
{
	json_t *o = cdr_to_jobj(c);
	size_t n;

	if (!o)
		return -ENOMEM;
	n = json_dumpb(o, buf, len, JSON_COMPACT | JSON_REAL_PRECISION(6));
	json_decref(o);
	if (n >= len)
		return -ENOSPC;
	buf[n] = '\0';
	return (int)n;
}

static int get_str(json_t *o, const char *key, char *dst, size_t size,
		   char *why, size_t whylen)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || json_string_length(v) >= size ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		snprintf(why, whylen, "\"%s\" is not a string of at most %zu "
			 "bytes", key, size - 1);
		return -EBADMSG;
	}
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int get_i64(json_t *o, const char *key, int64_t lo, int64_t *v,
		   char *why, size_t whylen)
{
	json_t *j = json_object_get(o, key);

	if (!json_is_integer(j) || json_integer_value(j) < lo) {
		snprintf(why, whylen, "\"%s\" is not an integer of at least "
			 "%lld", key, (long long)lo);
		return -EBADMSG;
	}
	*v = json_integer_value(j);
	return 0;
}

static int get_u64(json_t *o, const char *key, uint64_t *v, char *why,
		   size_t whylen)
{
	int64_t x;
	int err = get_i64(o, key, 0, &x, why, whylen);

	*v = (uint64_t)x;
	return err;
}

static int get_real(json_t *o, const char *key, double *v, char *why,
		    size_t whylen)
{
	json_t *j = json_object_get(o, key);

	if (!json_is_number(j)) {
		snprintf(why, whylen, "\"%s\" is not a number", key);
		return -EBADMSG;
	}
	*v = json_number_value(j);
	return 0;
}

static int get_party(json_t *o, const char *key, struct cdr_party *p,
		     char *why, size_t whylen)
{
	json_t *j = json_object_get(o, key);

	if (!json_is_object(j) || json_object_size(j) != 2) {
		snprintf(why, whylen, "\"%s\" is not an object of kind and "
			 "name", key);
		return -EBADMSG;
	}
	if (get_str(j, "kind", p->kind, sizeof(p->kind), why, whylen) ||
	    get_str(j, "name", p->name, sizeof(p->name), why, whylen))
		return -EBADMSG;
	return 0;
}

static int unknown_key(json_t *o, char *why, size_t whylen)
{
	const char *key;
	json_t *v;

	json_object_foreach(o, key, v) {
		int i;

		for (i = 0; client_keys[i]; i++)
			if (!strcmp(key, client_keys[i]))
				break;
		if (!client_keys[i]) {
			snprintf(why, whylen, "unknown key \"%.40s\"", key);
			return -EBADMSG;
		}
	}
	return 0;
}

/**
 * Read a CDR from a JSON object with the client's keys (cdr.h), every one
 * of them required, and check it (cdr_check()). Server-only fields are
 * left empty (cost CDR_UNRATED).
 * @param why  the reason on error
 * @return 0 (@p c written), or -EBADMSG
 */
int cdr_from_jobj(json_t *o, struct cdr *c, char *why, size_t whylen)
{
	struct cdr n;
	char disp[16];
	int64_t cause;

	memset(&n, 0, sizeof(n));
	n.cost = CDR_UNRATED;
	if (!json_is_object(o)) {
		snprintf(why, whylen, "a CDR is not a JSON object");
		return -EBADMSG;
	}
	if (unknown_key(o, why, whylen) ||
	    get_str(o, "id", n.id, sizeof(n.id), why, whylen) ||
	    get_str(o, "caller", n.caller, sizeof(n.caller), why, whylen) ||
	    get_str(o, "callee", n.callee, sizeof(n.callee), why, whylen) ||
	    get_party(o, "src", &n.src, why, whylen) ||
	    get_party(o, "dst", &n.dst, why, whylen) ||
	    get_i64(o, "start_us", 0, &n.start_us, why, whylen) ||
	    get_i64(o, "answer_us", 0, &n.answer_us, why, whylen) ||
	    get_i64(o, "end_us", 0, &n.end_us, why, whylen) ||
	    get_i64(o, "duration", 0, &n.duration, why, whylen) ||
	    get_i64(o, "billsec", 0, &n.billsec, why, whylen) ||
	    get_str(o, "disposition", disp, sizeof(disp), why, whylen) ||
	    get_i64(o, "cause", 0, &cause, why, whylen) ||
	    get_str(o, "cause_text", n.cause_text, sizeof(n.cause_text), why,
		    whylen) ||
	    get_str(o, "codec", n.codec, sizeof(n.codec), why, whylen) ||
	    get_u64(o, "packets_rx", &n.packets_rx, why, whylen) ||
	    get_u64(o, "packets_tx", &n.packets_tx, why, whylen) ||
	    get_u64(o, "lost", &n.lost, why, whylen) ||
	    get_u64(o, "late", &n.late, why, whylen) ||
	    get_real(o, "loss_pct", &n.loss_pct, why, whylen) ||
	    get_real(o, "jitter_ms", &n.jitter_ms, why, whylen) ||
	    get_real(o, "mos", &n.mos, why, whylen) ||
	    get_str(o, "gateway", n.gateway, sizeof(n.gateway), why, whylen))
		return -EBADMSG;
	if (callrec_disp_parse(disp, &n.disposition)) {
		snprintf(why, whylen, "unknown disposition \"%s\"", disp);
		return -EBADMSG;
	}
	if (cause > 999) {
		snprintf(why, whylen, "\"cause\" is not in 0..999");
		return -EBADMSG;
	}
	n.cause = (int)cause;
	if (cdr_check(&n, why, whylen))
		return -EBADMSG;
	*c = n;
	return 0;
}

/** Parse a CDR's JSON text (@p len bytes), as cdr_from_jobj().
 *  @return 0, or -EBADMSG with the reason in @p why */
int cdr_from_json(const char *json, size_t len, struct cdr *c, char *why,
		  size_t whylen)
{
	json_error_t e;
	json_t *o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &e);
	int err;

	if (!o) {
		snprintf(why, whylen, "not JSON: %s", e.text);
		return -EBADMSG;
	}
	err = cdr_from_jobj(o, c, why, whylen);
	json_decref(o);
	return err;
}
