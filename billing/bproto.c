// SPDX-License-Identifier: MIT
/** @file bproto.c  The CDR delivery protocol: frames and messages
 *  (bproto.h) */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "billing/bproto.h"

/** Write a frame header for a body of @p len bytes of @p type. */
void bproto_hdr_put(uint8_t h[BPROTO_HDR], uint8_t type, uint32_t len)
{
	h[0] = 'B';
	h[1] = 'P';
	h[2] = BPROTO_VERSION;
	h[3] = type;
	h[4] = (uint8_t)(len >> 24);
	h[5] = (uint8_t)(len >> 16);
	h[6] = (uint8_t)(len >> 8);
	h[7] = (uint8_t)len;
}

/**
 * Fill @p e: an error @p code with a message, and for "invalid-cdr" the
 * CDR's @p index and @p id (NULL: unknown).
 */
void bproto_err_set(struct bproto_err *e, const char *code, long index,
		    const char *id, const char *fmt, ...)
{
	va_list ap;

	snprintf(e->code, sizeof(e->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	e->index = index;
	snprintf(e->id, sizeof(e->id), "%s", id && cdr_id_valid(id) ? id : "");
}

/**
 * Check a frame header received from a peer.
 * @param e  on error, the Error the server answers with
 * @return 0; -EBADMSG (not a frame of this protocol), -EPROTO (another
 *         version), -EMSGSIZE (body longer than BPROTO_MAX_BODY)
 */
int bproto_hdr_parse(const uint8_t h[BPROTO_HDR], struct bproto_hdr *out,
		     struct bproto_err *e)
{
	uint32_t len = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 |
		       (uint32_t)h[6] << 8 | h[7];

	if (h[0] != 'B' || h[1] != 'P' ||
	    (h[3] != BPROTO_SUBMIT && h[3] != BPROTO_ACK &&
	     h[3] != BPROTO_ERROR)) {
		bproto_err_set(e, "bad-frame", -1, NULL, "not a frame of the "
			       "CDR protocol (bad magic or type)");
		return -EBADMSG;
	}
	if (h[2] != BPROTO_VERSION) {
		bproto_err_set(e, "version", -1, NULL, "protocol version %u "
			       "is not supported (this server speaks %u)",
			       h[2], BPROTO_VERSION);
		return -EPROTO;
	}
	if (len > BPROTO_MAX_BODY) {
		bproto_err_set(e, "too-large", -1, NULL, "body of %u bytes is "
			       "over the limit of %u", len, BPROTO_MAX_BODY);
		return -EMSGSIZE;
	}
	out->version = h[2];
	out->type = h[3];
	out->len = len;
	return 0;
}

static json_t *load(const char *body, size_t len, struct bproto_err *e)
{
	json_error_t je;
	json_t *o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);

	if (!o) {
		bproto_err_set(e, "malformed", -1, NULL, "body is not JSON: "
			       "%s at byte %d", je.text, je.position);
		return NULL;
	}
	if (!json_is_object(o)) {
		bproto_err_set(e, "malformed", -1, NULL, "body is not a JSON "
			       "object");
		json_decref(o);
		return NULL;
	}
	return o;
}

/**
 * Parse a Submit body: {"cdrs":[...]} with 1..BPROTO_MAX_CDRS valid CDRs.
 * @param req  the CDRs on success (free with bproto_submit_free())
 * @param e    on error, why ("malformed" or "invalid-cdr")
 * @return 0, -EBADMSG (refused: see @p e) or -ENOMEM
 */
int bproto_submit_parse(const char *body, size_t len,
			struct bproto_submit *req, struct bproto_err *e)
{
	json_t *o = load(body, len, e), *a, *c;
	char why[160];
	size_t i;

	memset(req, 0, sizeof(*req));
	if (!o)
		return -EBADMSG;
	a = json_object_get(o, "cdrs");
	if (!json_is_array(a) || json_object_size(o) != 1) {
		bproto_err_set(e, "malformed", -1, NULL, "body is not "
			       "{\"cdrs\":[...]}");
		goto bad;
	}
	if (!json_array_size(a) || json_array_size(a) > BPROTO_MAX_CDRS) {
		bproto_err_set(e, "malformed", -1, NULL, "%zu CDRs: a request "
			       "holds 1..%d", json_array_size(a),
			       BPROTO_MAX_CDRS);
		goto bad;
	}
	req->cdrs = calloc(json_array_size(a), sizeof(*req->cdrs));
	if (!req->cdrs) {
		json_decref(o);
		return -ENOMEM;
	}
	json_array_foreach(a, i, c) {
		why[0] = '\0';
		if (cdr_from_jobj(c, &req->cdrs[i], why, sizeof(why))) {
			json_t *id = json_is_object(c) ?
				     json_object_get(c, "id") : NULL;

			bproto_err_set(e, "invalid-cdr", (long)i,
				       json_string_value(id), "CDR %zu: %s", i,
				       why);
			goto bad;
		}
	}
	req->n = json_array_size(a);
	json_decref(o);
	return 0;

 bad:
	json_decref(o);
	bproto_submit_free(req);
	return -EBADMSG;
}

/** Free what a parsed Submit holds. */
void bproto_submit_free(struct bproto_submit *req)
{
	free(req->cdrs);
	req->cdrs = NULL;
	req->n = 0;
}

/**
 * A Submit body around CDRs already in JSON: @p cdrs is "CDR,CDR,...,CDR"
 * (@p len bytes, no trailing comma).
 * @param outlen  the body's length
 * @return the body (malloc'd, NUL-terminated), or NULL when out of memory
 */
char *bproto_submit_build(const char *cdrs, size_t len, size_t *outlen)
{
	static const char head[] = "{\"cdrs\":[", tail[] = "]}";
	char *b = malloc(sizeof(head) + len + sizeof(tail));

	if (!b)
		return NULL;
	memcpy(b, head, sizeof(head) - 1);
	memcpy(b + sizeof(head) - 1, cdrs, len);
	memcpy(b + sizeof(head) - 1 + len, tail, sizeof(tail));
	*outlen = sizeof(head) - 1 + len + sizeof(tail) - 1;
	return b;
}

static char *dump(json_t *o, size_t *outlen)
{
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	if (s)
		*outlen = strlen(s);
	return s;
}

/**
 * The Ack of a stored request: every id of @p req in order, with
 * @p fresh of them new and the others duplicates.
 * @return the body (malloc'd), or NULL when out of memory
 */
char *bproto_ack_build(const struct bproto_submit *req, uint64_t fresh,
		       size_t *outlen)
{
	json_t *ids = json_array();

	for (size_t i = 0; ids && i < req->n; i++)
		if (json_array_append_new(ids, json_string(req->cdrs[i].id))) {
			json_decref(ids);
			return NULL;
		}
	return dump(json_pack("{s:o, s:I, s:I}", "acked", ids,
			      "new", (json_int_t)fresh, "duplicates",
			      (json_int_t)(req->n - fresh)), outlen);
}

/**
 * Parse an Ack (client side).
 * @param ack  its ids and counts (free with bproto_ack_free())
 * @return 0, -EBADMSG or -ENOMEM
 */
int bproto_ack_parse(const char *body, size_t len, struct bproto_ack *ack)
{
	struct bproto_err e;
	json_t *o = load(body, len, &e), *a, *id, *fr, *du;
	size_t i;

	memset(ack, 0, sizeof(*ack));
	if (!o)
		return -EBADMSG;
	a = json_object_get(o, "acked");
	fr = json_object_get(o, "new");
	du = json_object_get(o, "duplicates");
	if (!json_is_array(a) || json_array_size(a) > BPROTO_MAX_CDRS ||
	    !json_is_integer(fr) || !json_is_integer(du) ||
	    json_integer_value(fr) < 0 || json_integer_value(du) < 0)
		goto bad;
	ack->ids = calloc(json_array_size(a) + 1, sizeof(*ack->ids));
	if (!ack->ids) {
		json_decref(o);
		return -ENOMEM;
	}
	json_array_foreach(a, i, id) {
		if (!json_is_string(id) || !cdr_id_valid(json_string_value(id)))
			goto bad;
		strcpy(ack->ids[i], json_string_value(id));
	}
	ack->n = json_array_size(a);
	ack->fresh = (uint64_t)json_integer_value(fr);
	ack->duplicates = (uint64_t)json_integer_value(du);
	json_decref(o);
	return 0;

 bad:
	json_decref(o);
	bproto_ack_free(ack);
	return -EBADMSG;
}

/** Free what a parsed Ack holds. */
void bproto_ack_free(struct bproto_ack *ack)
{
	free(ack->ids);
	memset(ack, 0, sizeof(*ack));
}

/** An Error body from @p e. @return it (malloc'd), or NULL (no memory) */
char *bproto_err_build(const struct bproto_err *e, size_t *outlen)
{
	json_t *o = json_pack("{s:s, s:s}", "error", e->code,
			      "message", e->message);

	if (o && e->index >= 0) {
		json_object_set_new(o, "index", json_integer(e->index));
		if (e->id[0])
			json_object_set_new(o, "id", json_string(e->id));
	}
	return dump(o, outlen);
}

/**
 * Parse an Error body (client side) into @p e (index -1 when absent).
 * @return 0 or -EBADMSG
 */
int bproto_err_parse(const char *body, size_t len, struct bproto_err *e)
{
	struct bproto_err dummy;
	json_t *o = load(body, len, &dummy), *code, *msg, *idx, *id;

	memset(e, 0, sizeof(*e));
	e->index = -1;
	if (!o)
		return -EBADMSG;
	code = json_object_get(o, "error");
	msg = json_object_get(o, "message");
	idx = json_object_get(o, "index");
	id = json_object_get(o, "id");
	if (!json_is_string(code) || !json_string_length(code) ||
	    !json_is_string(msg) ||
	    (idx && (!json_is_integer(idx) || json_integer_value(idx) < 0 ||
		     json_integer_value(idx) >= BPROTO_MAX_CDRS))) {
		json_decref(o);
		return -EBADMSG;
	}
	bproto_err_set(e, json_string_value(code),
		       idx ? (long)json_integer_value(idx) : -1,
		       json_string_value(id), "%s", json_string_value(msg));
	json_decref(o);
	return 0;
}

/** Whether the server closes the connection after this error. */
bool bproto_err_is_fatal(const struct bproto_err *e)
{
	return !strcmp(e->code, "bad-frame") || !strcmp(e->code, "version") ||
	       !strcmp(e->code, "too-large") || !strcmp(e->code, "busy");
}
