/* SPDX-License-Identifier: MIT */
/** @file webreq.h  The REST API's request bodies: JSON, checked
 *
 * Every body the API takes is one JSON object (jansson, duplicate keys
 * refused) of known members. A failure is described by struct webreq_err:
 * the HTTP status, a sentence for a person ("mtu: must be an integer"),
 * and the member it is about ("" when none), which the API returns as
 * {"error": "...", "field": "..."}. Strings are refused when they hold a
 * control character, so nothing a request sends can add a line to a
 * configuration file.
 */
#ifndef LINUX_SIDE_WEB_WEBREQ_H
#define LINUX_SIDE_WEB_WEBREQ_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define WEBREQ_MAX_BODY		65536	/**< a JSON request's body */

struct webreq_err {
	int status;		/**< 400, 401, 403, 404, 409, 413, 429, 5xx */
	char error[320];
	char field[64];
};

int  webreq_fail(struct webreq_err *e, int status, const char *field,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
json_t *webreq_parse(const char *body, size_t len, struct webreq_err *e);
int  webreq_only(const json_t *o, const char *const *known,
		 struct webreq_err *e);
int  webreq_string(const json_t *o, const char *key, bool required,
		   char *out, size_t size, struct webreq_err *e);
int  webreq_int(const json_t *o, const char *key, bool required, long min,
		long max, long *out, struct webreq_err *e);
int  webreq_text(const json_t *v, const char *field, char *out, size_t size,
		 struct webreq_err *e);
json_t *webreq_error_json(const struct webreq_err *e);

#endif /* LINUX_SIDE_WEB_WEBREQ_H */
