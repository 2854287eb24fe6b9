/* SPDX-License-Identifier: MIT */
/** @file dialplan.h  Where a dialled number goes
 *
 * In order: an extension of the PBX (SIP phone or analog FXS port), then
 * the routes ([route NAME]: a pattern of digits, X for any digit and a
 * final '.' for one or more further digits). As [route] pattern documents
 * it (board/config_keys.h), of the routes that match the whole number the
 * one with the longest pattern wins, and of equal ones the first in the
 * configuration. The number is rewritten (strip leading digits, then add
 * a prefix) and sent to the route's trunk; a rewritten number too long
 * for dp_result.number is refused (DP_NONE), never cut. DP_INCOMPLETE:
 * nothing matches the whole number, but an extension or a route could
 * once more digits come (FXS dialling goes on).
 *
 * Numbers arriving from a trunk are looked up as DIDs ([did NUMBER] -> an
 * extension).
 */
#ifndef SIGNALLING_DIALPLAN_H
#define SIGNALLING_DIALPLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "board/config.h"

enum dp_kind { DP_NONE, DP_EXTENSION, DP_TRUNK, DP_INCOMPLETE };

struct dp_result {
	enum dp_kind kind;
	const struct cfg_extension *ext;	/* DP_EXTENSION */
	const struct cfg_trunk *trunk;		/* DP_TRUNK */
	char number[CFG_NUMBER_SIZE];		/* rewritten for the trunk */
	const struct cfg_route *route;
};

int  dp_pattern_match(const char *pattern, const char *number,
		      bool *complete);
void dp_route(const struct gw_config *c, const char *number,
	      struct dp_result *r);
const struct cfg_extension *dp_did(const struct gw_config *c,
				   const char *number);
const struct cfg_extension *dp_extension(const struct gw_config *c,
					 const char *number);
const struct cfg_trunk *dp_trunk(const struct gw_config *c, const char *name);

#endif /* SIGNALLING_DIALPLAN_H */
