// SPDX-License-Identifier: MIT
/** @file dialplan.c  Extensions, routes, DIDs */
#include <stdio.h>
#include <string.h>

#include "signalling/dialplan.h"

/** Match @p number against @p pattern. @return the pattern's weight (its
 *  length: longer patterns are more specific) when it matches, 0 when not.
 *  *complete is false when @p number could still grow into a match (a
 *  prefix of the pattern: keep collecting digits) */
int dp_pattern_match(const char *pattern, const char *number, bool *complete)
{
	size_t pl = strlen(pattern), nl = strlen(number), i;
	bool dot = pl && pattern[pl - 1] == '.';
	size_t fixed = dot ? pl - 1 : pl;

	*complete = false;
	for (i = 0; i < nl && i < fixed; i++) {
		char p = pattern[i], c = number[i];

		if (c < '0' || c > '9')
			return 0;
		if (p != 'X' && p != 'x' && p != c)
			return 0;
	}
	if (nl < fixed + (dot ? 1 : 0)) {
		/* a prefix of a match: more digits may come */
		return i == nl ? (int)pl : 0;
	}
	if (!dot && nl > fixed)
		return 0;
	for (; i < nl; i++)
		if (number[i] < '0' || number[i] > '9')
			return 0;
	*complete = true;
	return (int)pl;
}

/** The extension numbered @p number, or NULL. */
const struct cfg_extension *dp_extension(const struct gw_config *c,
					 const char *number)
{
	for (unsigned i = 0; i < c->n_extensions; i++)
		if (!strcmp(c->extension[i].number, number))
			return &c->extension[i];
	return NULL;
}

/** The trunk named @p name, or NULL. */
const struct cfg_trunk *dp_trunk(const struct gw_config *c, const char *name)
{
	for (unsigned i = 0; i < c->n_trunks; i++)
		if (!strcmp(c->trunk[i].name, name))
			return &c->trunk[i];
	return NULL;
}

/** The extension a DID reaches, or NULL. */
const struct cfg_extension *dp_did(const struct gw_config *c,
				   const char *number)
{
	for (unsigned i = 0; i < c->n_dids; i++)
		if (!strcmp(c->did[i].number, number))
			return dp_extension(c, c->did[i].extension);
	return NULL;
}

static bool ext_prefix(const struct gw_config *c, const char *number)
{
	size_t n = strlen(number);

	for (unsigned i = 0; i < c->n_extensions; i++)
		if (!strncmp(c->extension[i].number, number, n) &&
		    strlen(c->extension[i].number) > n)
			return true;
	return false;
}

/** Where @p number (as dialled by an extension) goes, in @p r: an
 *  extension; else the matching route with the longest pattern (the first
 *  of equal ones), its number rewritten, to its trunk (DP_NONE when the
 *  trunk is unknown or the rewritten number too long); DP_INCOMPLETE when
 *  nothing matches yet but more digits could; DP_NONE otherwise. */
void dp_route(const struct gw_config *c, const char *number,
	      struct dp_result *r)
{
	int best = 0;
	bool maybe = ext_prefix(c, number);

	memset(r, 0, sizeof(*r));
	r->ext = dp_extension(c, number);
	if (r->ext) {
		r->kind = DP_EXTENSION;
		snprintf(r->number, sizeof(r->number), "%s", number);
		return;
	}
	for (unsigned i = 0; i < c->n_routes; i++) {
		const struct cfg_route *rt = &c->route[i];
		bool complete;
		int w = dp_pattern_match(rt->pattern, number, &complete);

		if (w && !complete)
			maybe = true;
		if (w && complete && w > best) {
			best = w;
			r->route = rt;
		}
	}
	if (r->route) {
		size_t strip = (size_t)r->route->strip;
		int n;

		r->trunk = dp_trunk(c, r->route->trunk);
		r->kind = r->trunk ? DP_TRUNK : DP_NONE;
		n = snprintf(r->number, sizeof(r->number), "%s%s",
			     r->route->prefix, strip < strlen(number) ?
			     number + strip : "");
		if (n < 0 || (size_t)n >= sizeof(r->number)) {
			/* a cut number would ring someone else */
			r->number[0] = '\0';
			r->trunk = NULL;
			r->kind = DP_NONE;
		}
		return;
	}
	r->kind = maybe ? DP_INCOMPLETE : DP_NONE;
}
