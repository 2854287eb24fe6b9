// SPDX-License-Identifier: MIT
/** @file webreq.c  The REST API's request bodies: JSON, checked */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "linux-side/web/webreq.h"

/** Describe a failure; returns a negative errno fitting @p status. */
int webreq_fail(struct webreq_err *e, int status, const char *field,
		const char *fmt, ...)
{
	va_list ap;

	e->status = status;
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(e->error, sizeof(e->error), fmt, ap);
	va_end(ap);
	for (char *p = e->error; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = '?';
	return status == 404 ? -ENOENT : status == 409 ? -EEXIST :
	       status == 413 ? -E2BIG : -EINVAL;
}

/**
 * Parse a request body: one JSON object, at most WEBREQ_MAX_BODY bytes,
 * without duplicate keys or NUL bytes.
 * @return the object (the caller's reference), or NULL with @p e filled
 */
json_t *webreq_parse(const char *body, size_t len, struct webreq_err *e)
{
	json_error_t je;
	json_t *j;

	if (len > WEBREQ_MAX_BODY) {
		webreq_fail(e, 413, "", "the request body is too large (%zu "
			    "bytes, at most %d)", len, WEBREQ_MAX_BODY);
		return NULL;
	}
	if (!body || !len) {
		webreq_fail(e, 400, "", "the request needs a JSON object as "
			    "its body");
		return NULL;
	}
	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		webreq_fail(e, 400, "", "the body is not valid JSON: %s "
			    "(line %d, column %d)", je.text, je.line,
			    je.column);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		webreq_fail(e, 400, "", "the body must be a JSON object "
			    "({...})");
		return NULL;
	}
	return j;
}

/** Refuse members of @p o not in the NULL-terminated list @p known. */
int webreq_only(const json_t *o, const char *const *known,
		struct webreq_err *e)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)o, key, v) {
		const char *const *k;

		for (k = known; *k && strcmp(*k, key); k++)
			;
		if (!*k) {
			char list[256] = "";
			size_t n = 0;

			for (k = known; *k && n < sizeof(list); k++)
				n += (size_t)snprintf(list + n,
						      sizeof(list) - n,
						      "%s%s", n ? ", " : "",
						      *k);
			return webreq_fail(e, 400, key, "%.60s: unknown field "
					   "(known: %s)", key, list);
		}
	}
	return 0;
}

static int check_chars(const char *s, const char *field,
		       struct webreq_err *e)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return webreq_fail(e, 400, field, "%s: may not hold "
					   "control characters (line breaks, "
					   "tabs...)", field);
	return 0;
}

/**
 * Member @p key of @p o as a string of at most @p size - 1 bytes.
 * @return 0; 1 when absent and not @p required (@p out untouched);
 *	   a negative errno with @p e filled
 */
int webreq_string(const json_t *o, const char *key, bool required,
		  char *out, size_t size, struct webreq_err *e)
{
	json_t *v = json_object_get(o, key);
	const char *s;

	if (!v) {
		if (required)
			return webreq_fail(e, 400, key, "%s: required", key);
		return 1;
	}
	if (!json_is_string(v))
		return webreq_fail(e, 400, key, "%s: must be a string", key);
	s = json_string_value(v);
	if (strlen(s) != json_string_length(v))
		return webreq_fail(e, 400, key, "%s: may not hold NUL", key);
	if (strlen(s) >= size)
		return webreq_fail(e, 400, key, "%s: too long (%zu "
				   "characters, at most %zu)", key, strlen(s),
				   size - 1);
	if (check_chars(s, key, e))
		return -EINVAL;
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

/**
 * Member @p key of @p o as an integer in @p min..@p max.
 * @return 0; 1 when absent and not @p required; a negative errno
 */
int webreq_int(const json_t *o, const char *key, bool required, long min,
	       long max, long *out, struct webreq_err *e)
{
	json_t *v = json_object_get(o, key);
	json_int_t x;

	if (!v) {
		if (required)
			return webreq_fail(e, 400, key, "%s: required", key);
		return 1;
	}
	if (!json_is_integer(v))
		return webreq_fail(e, 400, key, "%s: must be an integer", key);
	x = json_integer_value(v);
	if (x < min || x > max)
		return webreq_fail(e, 400, key, "%s: %lld is out of range "
				   "%ld..%ld", key, (long long)x, min, max);
	*out = (long)x;
	return 0;
}

/**
 * A JSON scalar as the text a configuration file would hold: a string as
 * it is, an integer in decimal, true/false; anything else is refused.
 */
int webreq_text(const json_t *v, const char *field, char *out, size_t size,
		struct webreq_err *e)
{
	int n;

	if (json_is_string(v)) {
		const char *s = json_string_value(v);

		if (strlen(s) != json_string_length(v))
			return webreq_fail(e, 400, field, "%s: may not hold "
					   "NUL", field);
		if (check_chars(s, field, e))
			return -EINVAL;
		n = snprintf(out, size, "%s", s);
	} else if (json_is_integer(v)) {
		n = snprintf(out, size, "%lld",
			     (long long)json_integer_value(v));
	} else if (json_is_boolean(v)) {
		n = snprintf(out, size, "%s", json_is_true(v) ? "true" :
			     "false");
	} else {
		return webreq_fail(e, 400, field, "%s: must be a string, an "
				   "integer or a boolean", field);
	}
	if (n < 0 || (size_t)n >= size)
		return webreq_fail(e, 400, field, "%s: too long", field);
	return 0;
}

/** {"error": ..., "field": ...} for @p e (a new reference). */
json_t *webreq_error_json(const struct webreq_err *e)
{
	return json_pack("{s:s, s:s}", "error", e->error, "field", e->field);
}
