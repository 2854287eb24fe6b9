// SPDX-License-Identifier: MIT
/** @file fuzz_cdrq.c  Fuzz the CDR query parameters of the billing
 *  server's HTTP interface (billing/cdrq.h)
 *
 * The input is a URL query string, "key=value&key=value...", split and
 * percent-decoded as libmicrohttpd does before it hands the pairs to
 * billing/bhttp.c; each pair goes to cdrq_set(). Whatever is accepted must
 * be in range (checked here): numbers of the allowed characters with at
 * most a final '*', known dispositions, a known format.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "billing/cdrq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int hex(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ?
	       c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* percent-decode in place (a bad escape stays as it is) */
static void decode(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '%' && hex(s[1]) >= 0 && hex(s[2]) >= 0) {
			*o++ = (char)(hex(s[1]) << 4 | hex(s[2]));
			s += 2;
		} else {
			*o++ = *s == '+' ? ' ' : *s;
		}
	}
	*o = '\0';
}

static void check_number(const char *n)
{
	size_t len = strlen(n), star = strcspn(n, "*");

	if (len >= CDR_NUM || (star < len && star != len - 1))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *save = NULL, *pair, why[256];
	struct cdrq q;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	cdrq_init(&q);
	for (pair = strtok_r(s, "&", &save); pair;
	     pair = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(pair, '=');

		if (!eq)
			continue;
		*eq = '\0';
		decode(pair);
		decode(eq + 1);
		if (cdrq_set(&q, pair, eq + 1, 1795000000000000ll, why,
			     sizeof(why)))
			break;
	}
	check_number(q.f.caller);
	check_number(q.f.callee);
	if (q.f.disp_mask >> CALLREC_DISP_COUNT || q.format > CDRQ_JSON ||
	    strlen(q.f.gateway) >= CDR_GATEWAY)
		abort();
	free(s);
	return 0;
}
