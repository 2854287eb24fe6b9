// SPDX-License-Identifier: MIT
/** @file test_webcfg.c  Unit tests of linux-side/web/webcfg.c
 *
 * Run from the repository root: the configuration loads the appliance
 * defaults and the simulated board's file, as on the lab.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "linux-side/web/webcfg.h"

static char local[64];
static struct gw_config *cur, *base, *c;

static void put_file(const char *text)
{
	FILE *f = fopen(local, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *slurp(void)
{
	static char buf[8192];
	FILE *f = fopen(local, "r");
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);

	fclose(f);
	buf[n] = '\0';
	return buf;
}

static int setup(void **state)
{
	int fd;

	(void)state;
	unsetenv("GW_CONFIG");
	unsetenv("GW_BOARD");
	snprintf(local, sizeof(local), "/tmp/test_webcfg_XXXXXX");
	fd = mkstemp(local);
	close(fd);
	put_file("[net]\nnic_netns = lab-phy\n");
	cur = malloc(3 * sizeof(*cur));
	base = cur + 1;
	c = cur + 2;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(local);
	free(cur);
	return 0;
}

static void load(void)
{
	struct webreq_err e;

	if (webcfg_load(local, cur, base, &e))
		fail_msg("load: %s", e.error);
	*c = *cur;
}

static int apply(const char *kind, const char *name, const char *json,
		 bool create, struct webreq_err *e)
{
	json_t *o = webreq_parse(json, strlen(json), e);
	int rc;

	assert_non_null(o);
	rc = webcfg_inst_apply(c, kind, name, o, create, e);
	json_decref(o);
	return rc;
}

static void test_webcfg_add_extension_writes_and_reads_back(void **state)
{
	struct webreq_err e;
	json_t *j;

	(void)state;
	load();
	assert_int_equal(apply("extension", NULL, "{\"number\":\"1005\","
			       "\"password\":\"pw1005\",\"display\":\"New\"}",
			       true, &e), 0);
	assert_int_equal(webcfg_validate(c, &e), 0);
	assert_int_equal(webcfg_write(local, base, c, &e), 0);
	assert_non_null(strstr(slurp(), "[extension 1005]\npassword = pw1005"
			       "\ndisplay = New\n"));
	assert_non_null(strstr(slurp(), "nic_netns = lab-phy"));
	load();
	assert_true(cfg_equal(cur, c));
	j = webcfg_inst_json(cur, "extension",
			     (unsigned)cfg_inst_find(cur, "extension",
						     "1005"));
	assert_string_equal(json_string_value(json_object_get(j, "number")),
			    "1005");
	assert_true(json_is_true(json_object_get(j, "password_set")));
	assert_null(json_object_get(j, "password"));
	json_decref(j);
}

static void test_webcfg_refusals_name_their_field(void **state)
{
	struct webreq_err e;

	(void)state;
	load();
	assert_int_equal(apply("extension", NULL, "{\"number\":\"1001\","
			       "\"password\":\"x\"}", true, &e), -EEXIST);
	assert_int_equal(e.status, 409);
	assert_int_equal(apply("extension", NULL, "{\"password\":\"x\"}",
			       true, &e), -EINVAL);
	assert_string_equal(e.field, "number");
	assert_int_equal(apply("extension", NULL, "{\"number\":\"1006\","
			       "\"colour\":\"red\"}", true, &e), -EINVAL);
	assert_string_equal(e.field, "colour");
	*c = *cur;
	assert_int_equal(apply("extension", NULL, "{\"number\":\"1006\","
			       "\"kind\":\"fxs\",\"line\":\"3/0\"}", true, &e),
			 0);
	assert_int_equal(webcfg_validate(c, &e), -EEXIST);
	assert_string_equal(e.field, "line");
	*c = *cur;
	assert_int_equal(apply("route", NULL, "{\"name\":\"r\",\"pattern\":"
			       "\"9X.\",\"strip\":99,\"trunk\":\"pstn\"}",
			       true, &e), -EINVAL);
	assert_string_equal(e.field, "strip");
	*c = *cur;
	assert_int_equal(apply("extension", "1001", "{\"number\":\"1009\"}",
			       false, &e), -EINVAL);
	assert_string_equal(e.field, "number");
	assert_int_equal(apply("extension", "1099", "{}", false, &e),
			 -ENOENT);
	assert_int_equal(e.status, 404);
}

static void test_webcfg_update_keeps_an_empty_password(void **state)
{
	struct webreq_err e;
	char pw[64];

	(void)state;
	load();
	assert_int_equal(apply("extension", "1001", "{\"display\":\"Desk\","
			       "\"password\":\"\"}", false, &e), 0);
	assert_int_equal(cfg_inst_get(c, "extension", "1001", "password", pw,
				      sizeof(pw)), 0);
	assert_string_equal(pw, "pw1001");
	assert_int_equal(cfg_inst_get(c, "extension", "1001", "display", pw,
				      sizeof(pw)), 0);
	assert_string_equal(pw, "Desk");
}

static void test_webcfg_remove_referenced_or_base(void **state)
{
	struct webreq_err e;
	char before[8192];

	(void)state;
	load();
	snprintf(before, sizeof(before), "%s", slurp());
	cfg_inst_remove(c, "extension", "1001");
	assert_int_equal(webcfg_validate(c, &e), -EEXIST);
	assert_string_equal(e.field, "extension");	/* [did 5551001] */
	assert_string_equal(slurp(), before);
	/* one of the board file is removed by the local file */
	*c = *cur;
	cfg_inst_remove(c, "extension", "1003");
	assert_int_equal(webcfg_validate(c, &e), 0);
	assert_int_equal(webcfg_write(local, base, c, &e), 0);
	assert_non_null(strstr(slurp(), "[extension 1003]\nremoved = true\n"));
	load();
	assert_int_equal(cfg_inst_find(cur, "extension", "1003"), -ENOENT);
	/* one the local file added can go */
	*c = *cur;
	cfg_inst_remove(c, "extension", "1005");
	assert_int_equal(webcfg_write(local, base, c, &e), 0);
	assert_null(strstr(slurp(), "1005"));
}

static void test_webcfg_network_keys(void **state)
{
	static const char *const keys[] = { "address", "gateway", "mac",
					    "mtu", NULL };
	struct webreq_err e;
	json_t *o;

	(void)state;
	load();
	o = json_pack("{s:i}", "mtu", 99999);
	assert_int_equal(webcfg_fixed_apply(c, "net", o, keys, &e), -EINVAL);
	assert_string_equal(e.field, "mtu");
	assert_string_equal(e.error, "[net] mtu: \"99999\" is out of range "
			    "576..9216");
	json_decref(o);
	o = json_pack("{s:s}", "nic", "tap");
	assert_int_equal(webcfg_fixed_apply(c, "net", o, keys, &e), -EINVAL);
	assert_string_equal(e.field, "nic");
	json_decref(o);
	o = json_pack("{s:s}", "gateway", "10.1.1.1");
	assert_int_equal(webcfg_fixed_apply(c, "net", o, keys, &e), 0);
	assert_int_equal(webcfg_validate(c, &e), -EEXIST);
	assert_string_equal(e.field, "gateway");
	json_decref(o);
	*c = *cur;
	o = json_pack("{s:i}", "mtu", 1400);
	assert_int_equal(webcfg_fixed_apply(c, "net", o, keys, &e), 0);
	assert_int_equal(webcfg_write(local, base, c, &e), 0);
	assert_non_null(strstr(slurp(), "\nmtu = 1400\n"));
	json_decref(o);
}

static void test_webcfg_restore(void **state)
{
	static const char good[] = "[net]\nnic_netns = other\nmtu = 1300\n";
	struct gw_config *out = malloc(sizeof(*out));
	struct webreq_err e;
	char before[8192];

	(void)state;
	snprintf(before, sizeof(before), "%s", slurp());
	assert_int_equal(webcfg_restore(local, "[net]\nmtu = 99\n", 15, out,
					 &e), -EINVAL);
	assert_string_equal(e.error, "line 2: [net] mtu: \"99\" is out of "
			    "range 576..9216");
	assert_string_equal(e.field, "config");
	assert_string_equal(slurp(), before);
	assert_int_equal(webcfg_restore(local, "[did 1]\nextension = 7\n", 22,
					out, &e), -EINVAL);
	assert_non_null(strstr(e.error, "there is no [extension 7]"));
	assert_int_equal(webcfg_restore(local, "a\0b", 3, out, &e), -EINVAL);
	assert_string_equal(slurp(), before);
	assert_int_equal(webcfg_restore(local, good, strlen(good), out, &e),
			 0);
	assert_int_equal(out->net.mtu, 1300);
	assert_string_equal(slurp(), good);
	free(out);
}

static void test_webcfg_without_a_local_file(void **state)
{
	struct webreq_err e;

	(void)state;
	load();
	assert_int_equal(webcfg_write(NULL, base, c, &e), -EINVAL);
	assert_int_equal(e.status, 503);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_webcfg_add_extension_writes_and_reads_back),
		cmocka_unit_test(test_webcfg_refusals_name_their_field),
		cmocka_unit_test(test_webcfg_update_keeps_an_empty_password),
		cmocka_unit_test(test_webcfg_remove_referenced_or_base),
		cmocka_unit_test(test_webcfg_network_keys),
		cmocka_unit_test(test_webcfg_restore),
		cmocka_unit_test(test_webcfg_without_a_local_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
