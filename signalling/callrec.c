// SPDX-License-Identifier: MIT
/** @file callrec.c  Call records: JSON, durable hand-over to billing */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "signalling/callrec.h"

static const char *const disp_names[CALLREC_DISP_COUNT] = {
	"ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION", "CANCELLED",
};

static const char *const kinds[] = { "ext", "fxs", "trunk", "pstn",
				     "unknown", NULL };

/** Add the figures @p from of a leg's earlier period (before the RT
 *  partition restarted) to @p to: packets, losses and late packets add
 *  up, the jitter is the worse of the two, the MOS the average weighted
 *  by the packets each period received. */
void callrec_leg_add(struct callrec_leg *to, const struct callrec_leg *from)
{
	uint64_t rx = to->packets_rx + from->packets_rx;

	if (rx)
		to->mos = (to->mos * (double)to->packets_rx +
			   from->mos * (double)from->packets_rx) / (double)rx;
	else if (!to->mos)
		to->mos = from->mos;
	to->packets_rx = rx;
	to->packets_tx += from->packets_tx;
	to->lost += from->lost;
	to->late += from->late;
	if (from->jitter_ms > to->jitter_ms)
		to->jitter_ms = from->jitter_ms;
}

/** The disposition as Asterisk's CDRs write it ("NO ANSWER", ...). */
const char *callrec_disp_name(enum callrec_disp d)
{
	return (unsigned)d < CALLREC_DISP_COUNT ? disp_names[d] : "FAILED";
}

/** Parse a disposition name. @return 0 or -EINVAL */
int callrec_disp_parse(const char *s, enum callrec_disp *d)
{
	for (int i = 0; i < CALLREC_DISP_COUNT; i++) {
		if (!strcmp(s, disp_names[i])) {
			*d = (enum callrec_disp)i;
			return 0;
		}
	}
	return -EINVAL;
}

static json_t *party(const struct callrec_party *p)
{
	return json_pack("{s:s, s:s}", "kind", p->kind, "name", p->name);
}

/** Write @p r as JSON (one line, no newline). @return its length, or
 *  -ENOSPC (buffer too small) or -ENOMEM */
int callrec_to_json(const struct callrec *r, char *buf, size_t len)
{
	json_t *o, *legs = json_array();
	size_t n;

	for (unsigned i = 0; legs && i < r->nlegs && i < CALLREC_MAX_LEGS;
	     i++) {
		const struct callrec_leg *l = &r->leg[i];

		json_array_append_new(legs, json_pack(
			"{s:I, s:I, s:I, s:I, s:f, s:f}",
			"packets_rx", (json_int_t)l->packets_rx,
			"packets_tx", (json_int_t)l->packets_tx,
			"lost", (json_int_t)l->lost, "late", (json_int_t)l->late,
			"jitter_ms", l->jitter_ms, "mos", l->mos));
	}
	o = json_pack("{s:i, s:s, s:s, s:s, s:o, s:o, s:I, s:I, s:I, s:s, "
		      "s:i, s:s, s:s, s:o}", "v", CALLREC_VERSION,
		      "id", r->id, "caller", r->caller, "callee", r->callee,
		      "from", party(&r->from), "to", party(&r->to),
		      "start_us", (json_int_t)r->start_us,
		      "answer_us", (json_int_t)r->answer_us,
		      "end_us", (json_int_t)r->end_us,
		      "disposition", callrec_disp_name(r->disposition),
		      "cause", r->cause, "cause_text", r->cause_text,
		      "codec", r->codec, "legs", legs);
	if (!o)
		return -ENOMEM;
	n = json_dumpb(o, buf, len, JSON_COMPACT | JSON_REAL_PRECISION(9));
	json_decref(o);
	if (n >= len)
		return -ENOSPC;
	buf[n] = '\0';
	return (int)n;
}

static int copy_str(json_t *o, const char *key, char *dst, size_t size,
		    bool required, char *why, size_t whylen)
{
	json_t *v = json_object_get(o, key);

	if (!v && !required) {
		dst[0] = '\0';
		return 0;
	}
	if (!json_is_string(v) || json_string_length(v) >= size ||
	    memchr(json_string_value(v), 0, json_string_length(v))) {
		snprintf(why, whylen, "\"%s\" is not a string of at most %zu "
			 "characters", key, size - 1);
		return -EBADMSG;
	}
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int get_int(json_t *o, const char *key, int64_t lo, int64_t hi,
		   int64_t *v, char *why, size_t whylen)
{
	json_t *j = json_object_get(o, key);

	if (!json_is_integer(j) || json_integer_value(j) < lo ||
	    json_integer_value(j) > hi) {
		snprintf(why, whylen, "\"%s\" is not an integer in %lld..%lld",
			 key, (long long)lo, (long long)hi);
		return -EBADMSG;
	}
	*v = json_integer_value(j);
	return 0;
}

static int get_party(json_t *o, const char *key, struct callrec_party *p,
		     char *why, size_t whylen)
{
	json_t *j = json_object_get(o, key);
	int err;

	if (!json_is_object(j)) {
		snprintf(why, whylen, "\"%s\" is not an object", key);
		return -EBADMSG;
	}
	err = copy_str(j, "kind", p->kind, sizeof(p->kind), true, why, whylen);
	if (!err)
		err = copy_str(j, "name", p->name, sizeof(p->name), true, why,
			       whylen);
	for (int i = 0; !err && kinds[i]; i++)
		if (!strcmp(p->kind, kinds[i]))
			return 0;
	if (!err)
		snprintf(why, whylen, "\"%s\" has an unknown kind", key);
	return -EBADMSG;
}

static int get_legs(json_t *o, struct callrec *r, char *why, size_t whylen)
{
	json_t *a = json_object_get(o, "legs"), *l;
	size_t i;

	if (!json_is_array(a) || json_array_size(a) > CALLREC_MAX_LEGS) {
		snprintf(why, whylen, "\"legs\" is not an array of at most %d",
			 CALLREC_MAX_LEGS);
		return -EBADMSG;
	}
	json_array_foreach(a, i, l) {
		struct callrec_leg *g = &r->leg[i];
		int64_t v[4];
		static const char *const keys[] = { "packets_rx", "packets_tx",
						    "lost", "late" };
		json_t *jit = json_object_get(l, "jitter_ms"),
		       *mos = json_object_get(l, "mos");

		for (int k = 0; k < 4; k++)
			if (get_int(l, keys[k], 0, INT64_MAX, &v[k], why,
				    whylen))
				return -EBADMSG;
		if (!json_is_number(jit) || !json_is_number(mos) ||
		    json_number_value(jit) < 0 || json_number_value(mos) < 0 ||
		    json_number_value(mos) > 5) {
			snprintf(why, whylen, "leg %zu: bad jitter or MOS", i);
			return -EBADMSG;
		}
		g->packets_rx = (uint64_t)v[0];
		g->packets_tx = (uint64_t)v[1];
		g->lost = (uint64_t)v[2];
		g->late = (uint64_t)v[3];
		g->jitter_ms = json_number_value(jit);
		g->mos = json_number_value(mos);
	}
	r->nlegs = (unsigned)json_array_size(a);
	return 0;
}

/** Parse a record's JSON (@p len bytes). Every field is checked; @p r is
 *  written only on success. @return 0, or -EBADMSG with the reason */
int callrec_from_json(const char *json, size_t len, struct callrec *out,
		      char *why, size_t whylen)
{
	json_error_t e;
	json_t *o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &e);
	struct callrec r;
	char disp[16];
	int64_t v, t[3], cause;
	int err = -EBADMSG;

	memset(&r, 0, sizeof(r));
	if (!o) {
		snprintf(why, whylen, "not JSON: %s (line %d)", e.text,
			 e.line);
		return -EBADMSG;
	}
	if (!json_is_object(o)) {
		snprintf(why, whylen, "not a JSON object");
		goto out;
	}
	if (get_int(o, "v", CALLREC_VERSION, CALLREC_VERSION, &v, why,
		    whylen) ||
	    copy_str(o, "id", r.id, sizeof(r.id), true, why, whylen) ||
	    !r.id[0] ||
	    copy_str(o, "caller", r.caller, sizeof(r.caller), true, why,
		     whylen) ||
	    copy_str(o, "callee", r.callee, sizeof(r.callee), true, why,
		     whylen) ||
	    get_party(o, "from", &r.from, why, whylen) ||
	    get_party(o, "to", &r.to, why, whylen) ||
	    get_int(o, "start_us", 0, INT64_MAX, &t[0], why, whylen) ||
	    get_int(o, "answer_us", 0, INT64_MAX, &t[1], why, whylen) ||
	    get_int(o, "end_us", 0, INT64_MAX, &t[2], why, whylen) ||
	    copy_str(o, "disposition", disp, sizeof(disp), true, why,
		     whylen) ||
	    get_int(o, "cause", 0, 999, &cause, why, whylen) ||
	    copy_str(o, "cause_text", r.cause_text, sizeof(r.cause_text),
		     false, why, whylen) ||
	    copy_str(o, "codec", r.codec, sizeof(r.codec), false, why,
		     whylen) ||
	    get_legs(o, &r, why, whylen)) {
		if (!r.id[0] && !why[0])
			snprintf(why, whylen, "\"id\" is empty");
		goto out;
	}
	if (callrec_disp_parse(disp, &r.disposition)) {
		snprintf(why, whylen, "unknown disposition \"%s\"", disp);
		goto out;
	}
	if (!t[0] || (t[1] && t[1] < t[0]) || (t[2] && t[2] < t[0]) ||
	    (t[1] && t[2] && t[2] < t[1])) {
		snprintf(why, whylen, "times out of order (start %lld, "
			 "answer %lld, end %lld)", (long long)t[0],
			 (long long)t[1], (long long)t[2]);
		goto out;
	}
	r.start_us = t[0];
	r.answer_us = t[1];
	r.end_us = t[2];
	r.cause = (int)cause;
	*out = r;
	err = 0;
 out:
	json_decref(o);
	return err;
}

/** Store @p r as DIR/<end time>-<id>.json, written under a temporary name
 *  and renamed: on return 0 the record is complete there and survives the
 *  writer's crash; it survives a power loss once the directory's file
 *  system is synced (recsync.h). On error no partial file is left.
 *  Context: Linux side. @return 0 or a negative errno */
int callrec_write(const char *dir, const struct callrec *r)
{
	char json[CALLREC_MAX_JSON], tmp[4096], path[4096];
	int n = callrec_to_json(r, json, sizeof(json)), fd, err = 0;

	if (n < 0)
		return n;
	if (strchr(r->id, '/') || r->id[0] == '.')
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%020lld-%s.json", dir,
		 (long long)(r->end_us ? r->end_us : r->start_us), r->id);
	snprintf(tmp, sizeof(tmp), "%s/.tmp-%s", dir, r->id);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return -errno;
	if (write(fd, json, (size_t)n) != n || write(fd, "\n", 1) != 1)
		err = errno ? -errno : -EIO;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

/** Read and check the record in @p path. @return 0, -errno (cannot read)
 *  or -EBADMSG (not a record, reason in @p why) */
int callrec_read(const char *path, struct callrec *r, char *why,
		 size_t whylen)
{
	char buf[CALLREC_MAX_JSON + 2];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return -errno;
	if ((size_t)n >= sizeof(buf)) {
		snprintf(why, whylen, "longer than %d bytes", CALLREC_MAX_JSON);
		return -EBADMSG;
	}
	return callrec_from_json(buf, (size_t)n, r, why, whylen);
}

/** A new unique call id: 32 hex digits from getrandom(). @return 0 or a
 *  negative errno */
int callrec_new_id(char *buf, size_t len)
{
	uint8_t b[16];

	if (len < 33)
		return -ENOSPC;
	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		return -errno;
	for (int i = 0; i < 16; i++)
		snprintf(buf + 2 * i, 3, "%02x", b[i]);
	return 0;
}
