// SPDX-License-Identifier: MIT
/** @file test_config_edit.c  Unit tests of board/config_edit.c
 *
 * Run from the repository root: the diff tests load the appliance
 * defaults and the simulated board's file as the base.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "board/config.h"

static struct gw_config *base, *c, *back;

static int setup(void **state)
{
	struct cfg_err err;

	(void)state;
	base = malloc(sizeof(*base));
	c = malloc(sizeof(*c));
	back = malloc(sizeof(*back));
	unsetenv("GW_CONFIG");
	unsetenv("GW_BOARD");
	assert_int_equal(cfg_load_env(base, NULL, &err), 0);
	*c = *base;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(base);
	free(c);
	free(back);
	return 0;
}

static void test_config_edit_kinds_and_keys(void **state)
{
	struct cfg_key_info ki;
	const char *what;

	(void)state;
	assert_int_equal(cfg_kind_info("extension", &what), 0);
	assert_string_equal(what, "number");
	assert_int_equal(cfg_kind_info("trunk", &what), 0);
	assert_string_equal(what, "name");
	assert_int_equal(cfg_kind_info("nosuch", &what), -ENOENT);
	assert_int_equal(cfg_inst_key_info("extension", 0, &ki), 0);
	assert_string_equal(ki.name, "kind");
	assert_int_equal(cfg_inst_key_info("route", 1, &ki), 0);
	assert_string_equal(ki.name, "strip");
	assert_int_equal(ki.value, CFG_VALUE_INT);
	assert_int_equal(cfg_inst_key_info("trunk", 5, &ki), 0);
	assert_int_equal(ki.value, CFG_VALUE_BOOL);
	assert_int_equal(cfg_inst_key_info("did", 1, &ki), -ENOENT);
	assert_int_equal(cfg_fixed_key_info("net", "mtu", &ki), 0);
	assert_int_equal(ki.value, CFG_VALUE_INT);
}

static void test_config_edit_add_set_get_remove(void **state)
{
	struct cfg_err err;
	char buf[64];
	unsigned n;

	(void)state;
	n = cfg_inst_n(c, "extension");
	assert_int_equal(cfg_inst_add(c, "extension", "1005", &err), 0);
	assert_int_equal(cfg_inst_n(c, "extension"), n + 1);
	assert_string_equal(cfg_inst_name(c, "extension", n), "1005");
	assert_int_equal(cfg_inst_add(c, "extension", "1005", &err), -EEXIST);
	assert_int_equal(cfg_inst_add(c, "extension", "10a", &err), -EINVAL);
	assert_non_null(strstr(err.reason, "\"10a\""));
	assert_int_equal(cfg_inst_set(c, "extension", "1005", "password",
				      "secret", &err), 0);
	assert_int_equal(cfg_inst_get(c, "extension", "1005", "password", buf,
				      sizeof(buf)), 0);
	assert_string_equal(buf, "secret");
	assert_int_equal(cfg_inst_get(c, "extension", "1005", "kind", buf,
				      sizeof(buf)), 0);
	assert_string_equal(buf, "sip");
	/* a bad value leaves the instance as it was */
	assert_int_equal(cfg_inst_set(c, "extension", "1005", "kind", "isdn",
				      &err), -EINVAL);
	assert_string_equal(err.reason, "[extension 1005] kind: \"isdn\" is "
			    "not one of sip, fxs");
	assert_int_equal(cfg_inst_set(c, "extension", "1005", "display",
				      "a\nb", &err), -EINVAL);
	assert_int_equal(cfg_inst_set(c, "extension", "1005", "nokey", "x",
				      &err), -ENOENT);
	assert_int_equal(cfg_inst_set(c, "extension", "1099", "display", "x",
				      &err), -ENOENT);
	assert_int_equal(cfg_validate(c, &err), 0);
	assert_int_equal(cfg_inst_remove(c, "extension", "1005"), 0);
	assert_int_equal(cfg_inst_n(c, "extension"), n);
	assert_int_equal(cfg_inst_find(c, "extension", "1005"), -ENOENT);
	assert_int_equal(cfg_inst_remove(c, "extension", "1005"), -ENOENT);
	assert_true(cfg_equal(c, base));
}

static void test_config_edit_remove_moves_the_rest_up(void **state)
{
	struct cfg_err err;

	(void)state;
	assert_int_equal(cfg_inst_add(c, "did", "100", &err), 0);
	assert_int_equal(cfg_inst_set(c, "did", "100", "extension", "1001",
				      &err), 0);
	assert_int_equal(cfg_inst_add(c, "did", "200", &err), 0);
	assert_int_equal(cfg_inst_set(c, "did", "200", "extension", "1002",
				      &err), 0);
	assert_int_equal(cfg_inst_remove(c, "did", "100"), 0);
	assert_string_equal(cfg_inst_name(c, "did", cfg_inst_n(c, "did") - 1),
			    "200");
	assert_int_equal(cfg_validate(c, &err), 0);
	*c = *base;
}

/* write the diff of c over base to a file; load it after the base's
 * files; it must give c */
static void roundtrip(void)
{
	char path[] = "/tmp/test_config_edit_XXXXXX";
	struct cfg_err err;
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");

	assert_non_null(f);
	assert_int_equal(cfg_format_diff(base, c, f, &err), 0);
	fclose(f);
	if (cfg_load_env(back, path, &err))
		fail_msg("diff does not load: %s:%u: %s", err.file, err.line,
			 err.reason);
	unlink(path);
	assert_true(cfg_equal(back, c));
}

static void test_config_edit_diff_reads_back(void **state)
{
	struct cfg_err err;

	(void)state;
	roundtrip();		/* nothing changed: an empty file */
	assert_int_equal(cfg_set(c, "net", "mtu", "1400", &err), 0);
	assert_int_equal(cfg_set(c, "web", "port", "8080", &err), 0);
	assert_int_equal(cfg_set(c, "tdm", "spans", "fxs:2,fxo:2,e1:30",
				 &err), 0);
	assert_int_equal(cfg_inst_set(c, "extension", "1001", "display",
				      "Front desk", &err), 0);
	assert_int_equal(cfg_inst_set(c, "extension", "1002", "display", "",
				      &err), 0);
	assert_int_equal(cfg_inst_add(c, "extension", "1005", &err), 0);
	assert_int_equal(cfg_inst_set(c, "extension", "1005", "password",
				      "pw", &err), 0);
	assert_int_equal(cfg_inst_add(c, "trunk", "op", &err), 0);
	assert_int_equal(cfg_inst_set(c, "trunk", "op", "kind", "sip", &err),
			 0);
	assert_int_equal(cfg_inst_set(c, "trunk", "op", "host",
				      "sip.example.net", &err), 0);
	assert_int_equal(cfg_inst_add(c, "route", "intl", &err), 0);
	assert_int_equal(cfg_inst_set(c, "route", "intl", "pattern", "00X.",
				      &err), 0);
	assert_int_equal(cfg_inst_set(c, "route", "intl", "trunk", "op",
				      &err), 0);
	assert_int_equal(cfg_validate(c, &err), 0);
	roundtrip();
	*c = *base;
}

static void test_config_edit_diff_removes_a_base_instance(void **state)
{
	struct cfg_err err;

	(void)state;
	assert_int_equal(cfg_inst_remove(c, "did", "5551002"), 0);
	assert_int_equal(cfg_inst_remove(c, "extension", "1002"), 0);
	assert_int_equal(cfg_inst_remove(c, "extension", "1004"), 0);
	assert_int_equal(cfg_inst_add(c, "extension", "1009", &err), 0);
	assert_int_equal(cfg_inst_set(c, "extension", "1009", "password",
				      "x", &err), 0);
	assert_int_equal(cfg_validate(c, &err), 0);
	roundtrip();
	*c = *base;
}

static void test_config_edit_diff_cannot_reorder_the_base(void **state)
{
	struct cfg_err err;
	FILE *f = fopen("/dev/null", "w");

	(void)state;
	/* 1001 again, but after the others: a later file cannot do that */
	assert_int_equal(cfg_inst_remove(c, "did", "5551001"), 0);
	assert_int_equal(cfg_inst_remove(c, "extension", "1001"), 0);
	assert_int_equal(cfg_inst_add(c, "extension", "1001", &err), 0);
	assert_int_equal(cfg_inst_set(c, "extension", "1001", "password",
				      "x", &err), 0);
	assert_int_equal(cfg_format_diff(base, c, f, &err), -EPERM);
	assert_non_null(strstr(err.reason, "[extension 1001]"));
	fclose(f);
	*c = *base;
}

static void test_config_edit_removed_key(void **state)
{
	struct gw_config *x = back;
	struct cfg_err err;

	(void)state;
	assert_int_equal(cfg_load_string(x, "t.ini", "[extension 1]\n"
					 "password = a\n[extension 2]\n"
					 "password = b\n[extension 1]\n"
					 "removed = true\n", &err), 0);
	assert_int_equal(cfg_inst_n(x, "extension"), 1);
	assert_string_equal(cfg_inst_name(x, "extension", 0), "2");
	assert_int_equal(cfg_load_string(x, "t.ini", "[did 5]\nextension = "
					 "7\nremoved = yes\n", &err), 0);
	assert_int_equal(cfg_inst_n(x, "did"), 0);
	assert_int_equal(cfg_load_string(x, "t.ini", "[did 5]\nextension = "
					 "7\nremoved = maybe\n", &err),
			 -EBADMSG);
	assert_string_equal(err.reason, "[did 5] removed: \"maybe\" is not a "
			    "boolean (expected true/false, yes/no, on/off or 1/0)");
	assert_int_equal(cfg_load_string(x, "t.ini", "[did 5]\nremoved = "
					 "no\nremoved = yes\n", &err),
			 -EBADMSG);
	assert_int_equal(err.line, 3);
	/* what a removed instance lacks is not checked */
	assert_int_equal(cfg_load_string(x, "t.ini", "[did 5]\nremoved = "
					 "true\n", &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_edit_kinds_and_keys),
		cmocka_unit_test(test_config_edit_add_set_get_remove),
		cmocka_unit_test(test_config_edit_remove_moves_the_rest_up),
		cmocka_unit_test(test_config_edit_diff_reads_back),
		cmocka_unit_test(test_config_edit_diff_removes_a_base_instance),
		cmocka_unit_test(test_config_edit_diff_cannot_reorder_the_base),
		cmocka_unit_test(test_config_edit_removed_key),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
