// SPDX-License-Identifier: MIT
/** @file test_dialplan.c  Dial plan: patterns, routes, rewriting, DIDs
 *
 * The rule under test is the one [route] pattern documents
 * (board/config_keys.h): an extension first; then, of the routes matching
 * the whole number, the longest pattern, and of equal ones the first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "board/config.h"
#include "signalling/dialplan.h"

static struct gw_config *cfg_new(void)
{
	struct gw_config *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	cfg_defaults(c);
	return c;
}

static void add_ext(struct gw_config *c, const char *number,
		    enum cfg_ext_kind kind)
{
	struct cfg_extension *e = &c->extension[c->n_extensions++];

	snprintf(e->number, sizeof(e->number), "%s", number);
	e->kind = kind;
	snprintf(e->password, sizeof(e->password), "pw%s", number);
	if (kind == CFG_EXT_FXS)
		snprintf(e->line, sizeof(e->line), "0/%u", c->n_extensions);
}

static void add_trunk(struct gw_config *c, const char *name)
{
	struct cfg_trunk *t = &c->trunk[c->n_trunks++];

	snprintf(t->name, sizeof(t->name), "%s", name);
	t->kind = CFG_TRUNK_TDM;
	snprintf(t->lines, sizeof(t->lines), "1/0-1/29");
}

static void add_route(struct gw_config *c, const char *name,
		      const char *pattern, int strip, const char *prefix,
		      const char *trunk)
{
	struct cfg_route *r = &c->route[c->n_routes++];

	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->pattern, sizeof(r->pattern), "%s", pattern);
	r->strip = strip;
	snprintf(r->prefix, sizeof(r->prefix), "%s", prefix);
	snprintf(r->trunk, sizeof(r->trunk), "%s", trunk);
}

static void add_did(struct gw_config *c, const char *number, const char *ext)
{
	struct cfg_did *d = &c->did[c->n_dids++];

	snprintf(d->number, sizeof(d->number), "%s", number);
	snprintf(d->extension, sizeof(d->extension), "%s", ext);
}

/* A small PBX: two SIP phones, an analog phone, two trunks. */
static int setup(void **state)
{
	struct gw_config *c = cfg_new();

	add_ext(c, "1001", CFG_EXT_SIP);
	add_ext(c, "1002", CFG_EXT_SIP);
	add_ext(c, "2001", CFG_EXT_FXS);
	add_trunk(c, "pstn");
	add_trunk(c, "intl");
	add_did(c, "5551001", "1001");
	add_did(c, "5552001", "2001");
	add_did(c, "5559999", "9999");		/* to no extension */
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* --- dp_pattern_match ----------------------------------------------------- */

static void match(const char *pattern, const char *number, int weight,
		  bool complete)
{
	bool got = !complete;
	int w = dp_pattern_match(pattern, number, &got);

	if (w != weight || (weight && got != complete))
		fail_msg("\"%s\" ~ \"%s\": weight %d complete %d, want %d %d",
			 pattern, number, w, got, weight, complete);
}

static void test_dp_pattern_digits_and_x(void **state)
{
	(void)state;
	match("1234", "1234", 4, true);
	match("12X4", "1294", 4, true);
	match("12x4", "1204", 4, true);		/* x as X */
	match("XXXX", "0000", 4, true);
	match("1234", "1235", 0, false);
	match("1234", "12345", 0, false);	/* longer than a fixed one */
	match("1234", "2", 0, false);
	match("12X4", "12a4", 0, false);	/* digits only */
	match("1X", "*1", 0, false);
	match("1X", "1#", 0, false);
}

static void test_dp_pattern_prefix_is_incomplete(void **state)
{
	(void)state;
	match("1234", "12", 4, false);
	match("12X4", "129", 4, false);
	match("1234", "", 4, false);		/* nothing dialled yet */
	match("0X.", "0", 3, false);
	match("0X.", "05", 3, false);		/* '.' wants one more */
	match("0X.", "1", 0, false);
}

static void test_dp_pattern_dot_takes_one_or_more(void **state)
{
	(void)state;
	match("0X.", "051", 3, true);
	match("0X.", "0512345678901234", 3, true);
	match("0X.", "051234*", 0, false);	/* digits only after it */
	match("9.", "9", 2, false);
	match("9.", "91", 2, true);
	match("0X.", "151", 0, false);
}

/* --- dp_route ------------------------------------------------------------- */

static void test_dp_route_extension_first(void **state)
{
	struct gw_config *c = *state;
	struct dp_result r;

	add_route(c, "all-1", "1XXX", 0, "", "pstn");
	dp_route(c, "1001", &r);
	assert_int_equal(r.kind, DP_EXTENSION);
	assert_ptr_equal(r.ext, &c->extension[0]);
	assert_string_equal(r.number, "1001");
	assert_null(r.trunk);
	dp_route(c, "2001", &r);
	assert_int_equal(r.kind, DP_EXTENSION);
	assert_int_equal(r.ext->kind, CFG_EXT_FXS);
	/* a number the route matches but no extension has */
	dp_route(c, "1003", &r);
	assert_int_equal(r.kind, DP_TRUNK);
	assert_ptr_equal(r.route, &c->route[0]);
	assert_ptr_equal(r.trunk, &c->trunk[0]);
	assert_string_equal(r.number, "1003");
}

static void test_dp_route_longest_pattern_wins(void **state)
{
	struct gw_config *c = *state;
	struct dp_result r;

	add_route(c, "national", "0X.", 1, "", "pstn");
	add_route(c, "intl", "00X.", 2, "", "intl");
	add_route(c, "emergency", "112", 0, "", "pstn");
	add_route(c, "any-1", "1XX", 0, "", "intl");
	dp_route(c, "00441234", &r);
	assert_int_equal(r.kind, DP_TRUNK);
	assert_string_equal(r.route->name, "intl");
	assert_string_equal(r.trunk->name, "intl");
	assert_string_equal(r.number, "441234");
	dp_route(c, "0512345", &r);
	assert_int_equal(r.kind, DP_TRUNK);
	assert_string_equal(r.route->name, "national");
	assert_string_equal(r.number, "512345");
	/* "112" and "1XX" both match: equal length, the first wins */
	dp_route(c, "112", &r);
	assert_string_equal(r.route->name, "emergency");
	dp_route(c, "113", &r);
	assert_string_equal(r.route->name, "any-1");
}

static void test_dp_route_longest_wins_whatever_the_order(void **state)
{
	struct gw_config *c = *state;
	struct dp_result r;

	add_route(c, "intl", "00X.", 2, "", "intl");
	add_route(c, "national", "0X.", 1, "", "pstn");
	dp_route(c, "00441234", &r);
	assert_string_equal(r.route->name, "intl");
	dp_route(c, "0512345", &r);
	assert_string_equal(r.route->name, "national");
}

static void test_dp_route_equal_patterns_first_wins(void **state)
{
	struct gw_config *c = *state;
	struct dp_result r;

	add_route(c, "first", "9X.", 1, "", "pstn");
	add_route(c, "second", "9X.", 1, "", "intl");
	add_route(c, "third", "95.", 0, "", "intl");	/* same length */
	dp_route(c, "95551234", &r);
	assert_int_equal(r.kind, DP_TRUNK);
	assert_string_equal(r.route->name, "first");
	assert_string_equal(r.trunk->name, "pstn");
}

static void test_dp_route_strip_and_prefix(void **state)
{
	struct gw_config *c = *state;
	struct dp_result r;

	add_route(c, "out", "0X.", 1, "44", "pstn");
	add_route(c, "short", "8XX", 5, "0207", "pstn");	/* strip all */
	add_route(c, "local", "7XX", 0, "", "pstn");
	dp_route(c, "0207946", &r);
	assert_int_equal(r.kind, DP_TRUNK);
	assert_string_equal(r.number, "44207946");
	dp_route(c, "812", &r);
	assert_string_equal(r.number, "0207");
	dp_route(c, "712", &r);
	assert_string_equal(r.number, "712");
}

static void test_dp_route_rewritten_too_long_refused(void **state)
{
	struct gw_config *c = *state;
	char number[CFG_NUMBER_SIZE];
	struct dp_result r;

	/* 20 digits of prefix + 15 of number: 35 > 31, never cut */
	add_route(c, "long", "0X.", 0, "12345678901234567890", "pstn");
	memset(number, '0', 15);
	number[15] = '\0';
	dp_route(c, number, &r);
	assert_int_equal(r.kind, DP_NONE);
	assert_null(r.trunk);
	assert_string_equal(r.number, "");
	/* 20 + 11 = 31 fits exactly */
	number[11] = '\0';
	dp_route(c, number, &r);
	assert_int_equal(r.kind, DP_TRUNK);
	assert_int_equal(strlen(r.number), CFG_NUMBER_SIZE - 1);
}

static void test_dp_route_incomplete_until_a_match(void **state)
{
	struct gw_config *c = *state;
	struct dp_result r;

	add_route(c, "national", "0X.", 1, "", "pstn");
	add_route(c, "emergency", "112", 0, "", "pstn");
	dp_route(c, "0", &r);
	assert_int_equal(r.kind, DP_INCOMPLETE);
	assert_null(r.route);
	dp_route(c, "05", &r);
	assert_int_equal(r.kind, DP_INCOMPLETE);
	dp_route(c, "055", &r);
	assert_int_equal(r.kind, DP_TRUNK);
	dp_route(c, "11", &r);			/* route 112 */
	assert_int_equal(r.kind, DP_INCOMPLETE);
	dp_route(c, "100", &r);			/* extension 1001 */
	assert_int_equal(r.kind, DP_INCOMPLETE);
	dp_route(c, "20", &r);			/* extension 2001 */
	assert_int_equal(r.kind, DP_INCOMPLETE);
	dp_route(c, "", &r);
	assert_int_equal(r.kind, DP_INCOMPLETE);
	dp_route(c, "3", &r);			/* nothing starts so */
	assert_int_equal(r.kind, DP_NONE);
	dp_route(c, "1120", &r);		/* past every pattern */
	assert_int_equal(r.kind, DP_NONE);
	dp_route(c, "10011", &r);
	assert_int_equal(r.kind, DP_NONE);
	dp_route(c, "*72", &r);
	assert_int_equal(r.kind, DP_NONE);
}

static void test_dp_route_complete_match_beats_longer_prefix(void **state)
{
	struct gw_config *c = *state;
	struct dp_result r;

	/* "01" matches whole; "0123" could with more digits: the number
	 * as given goes to the complete match */
	add_route(c, "long", "0123", 0, "", "intl");
	add_route(c, "short", "01", 0, "", "pstn");
	dp_route(c, "01", &r);
	assert_int_equal(r.kind, DP_TRUNK);
	assert_string_equal(r.route->name, "short");
	dp_route(c, "012", &r);
	assert_int_equal(r.kind, DP_INCOMPLETE);
	dp_route(c, "0123", &r);
	assert_string_equal(r.route->name, "long");
}

static void test_dp_route_unknown_trunk_is_none(void **state)
{
	struct gw_config *c = *state;
	struct dp_result r;

	add_route(c, "broken", "6XX", 0, "", "gone");
	dp_route(c, "600", &r);
	assert_int_equal(r.kind, DP_NONE);
	assert_ptr_equal(r.route, &c->route[0]);
	assert_null(r.trunk);
}

static void test_dp_route_no_routes(void **state)
{
	struct gw_config *c = *state;
	struct dp_result r;

	memset(&r, 0x5a, sizeof(r));		/* every field is set */
	dp_route(c, "0123", &r);
	assert_int_equal(r.kind, DP_NONE);
	assert_null(r.ext);
	assert_null(r.trunk);
	assert_null(r.route);
}

/* --- DIDs, lookups -------------------------------------------------------- */

static void test_dp_did_reaches_its_extension(void **state)
{
	struct gw_config *c = *state;

	assert_ptr_equal(dp_did(c, "5551001"), &c->extension[0]);
	assert_ptr_equal(dp_did(c, "5552001"), &c->extension[2]);
	assert_null(dp_did(c, "5559999"));	/* its extension is gone */
	assert_null(dp_did(c, "555100"));	/* whole numbers only */
	assert_null(dp_did(c, "55510011"));
	assert_null(dp_did(c, "1001"));		/* an extension only */
	assert_null(dp_did(c, ""));
}

static void test_dp_lookups(void **state)
{
	struct gw_config *c = *state;

	assert_ptr_equal(dp_extension(c, "1002"), &c->extension[1]);
	assert_null(dp_extension(c, "100"));
	assert_null(dp_extension(c, "10021"));
	assert_null(dp_extension(c, ""));
	assert_ptr_equal(dp_trunk(c, "intl"), &c->trunk[1]);
	assert_null(dp_trunk(c, "int"));
	assert_null(dp_trunk(c, ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dp_pattern_digits_and_x),
		cmocka_unit_test(test_dp_pattern_prefix_is_incomplete),
		cmocka_unit_test(test_dp_pattern_dot_takes_one_or_more),
		cmocka_unit_test_setup_teardown(test_dp_route_extension_first,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_dp_route_longest_pattern_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_dp_route_longest_wins_whatever_the_order, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_dp_route_equal_patterns_first_wins, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_dp_route_strip_and_prefix,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_dp_route_rewritten_too_long_refused, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_dp_route_incomplete_until_a_match, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_dp_route_complete_match_beats_longer_prefix,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_dp_route_unknown_trunk_is_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dp_route_no_routes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_dp_did_reaches_its_extension, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dp_lookups, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
