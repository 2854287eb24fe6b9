// SPDX-License-Identifier: MIT
/** @file test_config.c  Unit tests of board/config.c
 *
 * Run from the repository root: some tests read
 * rootfs/etc/gateway/gateway.ini, board/sim/board.ini and
 * tests/unit/board/data/.
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
#include <arpa/inet.h>
#include <cmocka.h>
#include <ini.h>

#include "board/config.h"

#define DATA "tests/unit/board/data/"

/* ---- helpers ------------------------------------------------------------ */

static const char *errstr(const struct cfg_err *err)
{
	static char buf[sizeof(err->file) + sizeof(err->reason) + 16];

	return cfg_err_str(err, buf, sizeof(buf));
}

/* Load @p text as file "t.ini": it must fail with exactly @p msg. */
static int load_fails(const char *text, const char *msg)
{
	struct gw_config c;
	struct cfg_err err;
	int rc;

	cfg_defaults(&c);
	rc = cfg_load_string(&c, "t.ini", text, &err);
	assert_true(rc < 0);
	assert_string_equal(errstr(&err), msg);
	return rc;
}

static void load_ok(struct gw_config *c, const char *text)
{
	struct cfg_err err;
	int rc;

	rc = cfg_load_string(c, "t.ini", text, &err);
	if (rc)
		fail_msg("load failed: %s", errstr(&err));
}

/* cfg_set must refuse @p v with exactly the reason @p msg. */
static void set_fails(const char *sec, const char *key, const char *v,
		      const char *msg)
{
	struct gw_config c, before;
	struct cfg_err err;

	cfg_defaults(&c);
	before = c;
	assert_true(cfg_set(&c, sec, key, v, &err) < 0);
	assert_string_equal(errstr(&err), msg);
	assert_true(cfg_equal(&c, &before));
}

/* cfg_set must take @p v, and cfg_get must then give @p canon. */
static void set_gives(const char *sec, const char *key, const char *v,
		      const char *canon)
{
	struct gw_config c;
	struct cfg_err err;
	char buf[CFG_MAX_LINE + 1];

	cfg_defaults(&c);
	if (cfg_set(&c, sec, key, v, &err))
		fail_msg("[%s] %s = %s: %s", sec, key, v, errstr(&err));
	assert_int_equal(cfg_get(&c, sec, key, buf, sizeof(buf)), 0);
	assert_string_equal(buf, canon);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static char *format_str(const struct gw_config *c, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	assert_non_null(f);
	assert_int_equal(cfg_format(c, f), 0);
	fclose(f);
	return buf;
}

static uint32_t ip(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a.s_addr;
}

static int unset_env(void **state)
{
	(void)state;
	unsetenv(CFG_ENV_FILES);
	unsetenv(CFG_ENV_BOARD);
	return 0;
}

/* ---- defaults ----------------------------------------------------------- */

static void test_config_defaults_have_table_values(void **state)
{
	const uint8_t mac[6] = { 0x02, 0x00, 0x5e, 0x12, 0x00, 0x10 };
	struct gw_config c;

	(void)state;
	memset(&c, 0x5a, sizeof(c));
	cfg_defaults(&c);
	assert_string_equal(c.board.name, "sim");
	assert_string_equal(c.board.description, "");
	assert_int_equal(CPU_COUNT(&c.board.rt_cpus), 1);
	assert_true(CPU_ISSET(1, &c.board.rt_cpus));
	assert_int_equal(CPU_COUNT(&c.board.linux_cpus), 1);
	assert_true(CPU_ISSET(0, &c.board.linux_cpus));
	assert_true(c.rt.lock_memory);
	assert_false(c.rt.alloc_abort);
	assert_int_equal(c.rt.watchdog_period_ms, 10);
	assert_int_equal(c.rt.watchdog_stall_ms, 100);
	assert_int_equal(c.rt.tick_us, 1000);
	assert_int_equal(c.bus.rx_frames_kib, 2048);
	assert_int_equal(c.bus.tx_frames_kib, 2048);
	assert_int_equal(c.bus.netcfg_kib, 64);
	assert_int_equal(c.bus.msg_up_kib, 256);
	assert_int_equal(c.bus.msg_down_kib, 256);
	assert_int_equal(c.net.nic, CFG_NIC_AFPACKET);
	assert_string_equal(c.net.nic_ifname, "phy0");
	assert_memory_equal(c.net.mac, mac, 6);
	assert_int_equal(c.net.address.addr.s_addr, ip("198.18.0.10"));
	assert_int_equal(c.net.address.len, 24);
	assert_int_equal(c.net.gateway.s_addr, 0);
	assert_int_equal(c.net.mtu, 1500);
	assert_int_equal(c.net.link_mbps, 0);
	assert_int_equal(c.ports.rt.n, 2);
	assert_int_equal(c.ports.rt.r[0].lo, 7);
	assert_int_equal(c.ports.rt.r[0].hi, 7);
	assert_int_equal(c.ports.rt.r[1].lo, 16384);
	assert_int_equal(c.ports.rt.r[1].hi, 32767);
	assert_int_equal(c.log.level, LOG_LEVEL_INFO);
}

static void test_config_defaults_pass_validation(void **state)
{
	struct gw_config c;
	struct cfg_err err;

	(void)state;
	cfg_defaults(&c);
	assert_int_equal(cfg_validate(&c, &err), 0);
}

static void test_config_defaults_file_is_writer_output(void **state)
{
	char *file, *out = NULL;
	size_t flen, olen;
	FILE *f;

	(void)state;
	file = read_all(CFG_DEFAULTS_PATH, &flen);
	f = open_memstream(&out, &olen);
	assert_non_null(f);
	assert_int_equal(cfg_write_defaults(f), 0);
	fclose(f);
	if (flen != olen || memcmp(file, out, flen))
		fail_msg("%s differs from `gwconfig defaults`: regenerate it",
			 CFG_DEFAULTS_PATH);
	free(file);
	free(out);
}

static void test_config_defaults_file_loads_to_defaults(void **state)
{
	const char *paths[] = { CFG_DEFAULTS_PATH };
	struct gw_config c, d;
	struct cfg_err err;

	(void)state;
	memset(&c, 0, sizeof(c));
	cfg_defaults(&d);
	assert_int_equal(cfg_load(&c, paths, 1, &err), 0);
	assert_true(cfg_equal(&c, &d));
}

static void test_config_defaults_file_documents_every_key(void **state)
{
	char *file, line[128];
	const char *name, *sec;
	size_t len, i;

	(void)state;
	file = read_all(CFG_DEFAULTS_PATH, &len);
	assert_true(cfg_key_count() > 20);
	for (i = 0; (name = cfg_key_name(i, &sec)); i++) {
		snprintf(line, sizeof(line), "\n%s =", name);
		if (!strstr(file, line))
			fail_msg("[%s] %s is not in the defaults file", sec,
				 name);
		snprintf(line, sizeof(line), "\n[%s]\n", sec);
		assert_non_null(strstr(file, line));
	}
	assert_int_equal(i, cfg_key_count());
	assert_null(cfg_key_name(i, &sec));
	/* each key has its doc and type right above it */
	assert_non_null(strstr(file, "; Type: integer 576..9216.\n"
			       "mtu = 1500\n"));
	assert_non_null(strstr(file, "; Type: IPv4 address, or empty.\n"
			       "gateway =\n"));
	free(file);
}

static void test_config_sim_board_file_loads(void **state)
{
	const char *paths[] = { CFG_DEFAULTS_PATH, "board/sim/board.ini" };
	struct gw_config c;
	struct cfg_err err;

	(void)state;
	if (cfg_load(&c, paths, 2, &err))
		fail_msg("%s", errstr(&err));
	assert_string_equal(c.board.name, "sim");
	assert_true(strlen(c.board.description) > 10);
	assert_true(c.rt.alloc_abort);
	assert_int_equal(c.net.mtu, 1500);
}

/* What tests and demos rely on: the sim board's provisioning */
static void test_config_sim_board_provisioning(void **state)
{
	const char *paths[] = { CFG_DEFAULTS_PATH, "board/sim/board.ini" };
	struct gw_config c;
	struct cfg_err err;
	char buf[32];
	unsigned int i;

	(void)state;
	if (cfg_load(&c, paths, 2, &err))
		fail_msg("%s", errstr(&err));
	assert_int_equal(c.n_extensions, 6);
	for (i = 0; i < 4; i++) {
		snprintf(buf, sizeof(buf), "%u", 1001 + i);
		assert_string_equal(c.extension[i].number, buf);
		assert_int_equal(c.extension[i].kind, CFG_EXT_SIP);
		snprintf(buf, sizeof(buf), "pw%u", 1001 + i);
		assert_string_equal(c.extension[i].password, buf);
		snprintf(buf, sizeof(buf), "Phone %u", 1001 + i);
		assert_string_equal(c.extension[i].display, buf);
	}
	assert_string_equal(c.extension[4].number, "2001");
	assert_int_equal(c.extension[4].kind, CFG_EXT_FXS);
	assert_string_equal(c.extension[4].line, "0/0");
	assert_string_equal(c.extension[5].number, "2002");
	assert_int_equal(c.extension[5].kind, CFG_EXT_FXS);
	assert_string_equal(c.extension[5].line, "0/1");
	assert_int_equal(c.n_trunks, 1);
	assert_string_equal(c.trunk[0].name, "pstn");
	assert_int_equal(c.trunk[0].kind, CFG_TRUNK_TDM);
	assert_string_equal(c.trunk[0].lines, "1/0-1/1,2/0-2/29");
	assert_int_equal(c.n_routes, 1);
	assert_string_equal(c.route[0].name, "pstn-out");
	assert_string_equal(c.route[0].pattern, "0X.");
	assert_int_equal(c.route[0].strip, 1);
	assert_string_equal(c.route[0].prefix, "");
	assert_string_equal(c.route[0].trunk, "pstn");
	assert_int_equal(c.n_dids, 2);
	assert_string_equal(c.did[0].number, "5551001");
	assert_string_equal(c.did[0].extension, "1001");
	assert_string_equal(c.did[1].number, "5551002");
	assert_string_equal(c.did[1].extension, "1002");
}

/* ---- loading ------------------------------------------------------------ */

static void test_config_load_sets_typed_values(void **state)
{
	const uint8_t mac[6] = { 0x02, 0xab, 0xcd, 0xef, 0x01, 0x23 };
	struct gw_config c;

	(void)state;
	load_ok(&c, "# comment\n"
		"[board]\n"
		"name = x86-pc\n"
		"description = a;b # c = d: e\n"
		"rt_cpus = 2-3,5\n"
		"linux_cpus = 0-1\n"
		"[rt]\n"
		"lock_memory = off\n"
		"alloc_abort = YES\n"
		"tick_us = 500\n"
		"[bus]\n"
		"rx_frames_kib = 65536\n"
		"netcfg_kib = 16\n"
		"[net]\n"
		"nic = tap\n"
		"nic_ifname = veth_rt.1\n"
		"mac = 02:AB:cd:ef:01:23\n"
		"address = 10.1.2.3/8\n"
		"gateway = 10.0.0.1\n"
		"mtu = 9216\n"
		"link_mbps = 100000\n"
		"[ports]\n"
		"rt = 30000-30999, 7, 5004-5005\n"
		"[log]\n"
		"level = debug\n"
		"[sip]\n"
		"rtp_port_min = 30000\n"
		"rtp_port_max = 30999\n");
	assert_string_equal(c.board.name, "x86-pc");
	assert_string_equal(c.board.description, "a;b # c = d: e");
	assert_int_equal(CPU_COUNT(&c.board.rt_cpus), 3);
	assert_true(CPU_ISSET(2, &c.board.rt_cpus));
	assert_true(CPU_ISSET(3, &c.board.rt_cpus));
	assert_true(CPU_ISSET(5, &c.board.rt_cpus));
	assert_false(c.rt.lock_memory);
	assert_true(c.rt.alloc_abort);
	assert_int_equal(c.rt.tick_us, 500);
	assert_int_equal(c.bus.rx_frames_kib, 65536);
	assert_int_equal(c.bus.netcfg_kib, 16);
	assert_int_equal(c.bus.tx_frames_kib, 2048);
	assert_int_equal(c.net.nic, CFG_NIC_TAP);
	assert_string_equal(c.net.nic_ifname, "veth_rt.1");
	assert_memory_equal(c.net.mac, mac, 6);
	assert_int_equal(c.net.address.addr.s_addr, ip("10.1.2.3"));
	assert_int_equal(c.net.address.len, 8);
	assert_int_equal(c.net.gateway.s_addr, ip("10.0.0.1"));
	assert_int_equal(c.net.mtu, 9216);
	assert_int_equal(c.net.link_mbps, 100000);
	assert_int_equal(c.ports.rt.n, 3);
	assert_int_equal(c.ports.rt.r[0].lo, 7);
	assert_int_equal(c.ports.rt.r[1].lo, 5004);
	assert_int_equal(c.ports.rt.r[1].hi, 5005);
	assert_int_equal(c.ports.rt.r[2].lo, 30000);
	assert_int_equal(c.ports.rt.r[2].hi, 30999);
	assert_int_equal(c.log.level, LOG_LEVEL_DBG);
}

static void test_config_load_later_file_overrides(void **state)
{
	const char *paths[] = { DATA "base.ini", DATA "override.ini" };
	struct gw_config c;
	struct cfg_err err;

	(void)state;
	assert_int_equal(cfg_load(&c, paths, 2, &err), 0);
	assert_int_equal(c.net.mtu, 1400);
	assert_int_equal(c.net.link_mbps, 100);
	assert_int_equal(c.log.level, LOG_LEVEL_DBG);
	assert_int_equal(c.rt.tick_us, 1000);

	assert_int_equal(cfg_load(&c, paths, 1, &err), 0);
	assert_int_equal(c.net.mtu, 9000);
	assert_int_equal(c.log.level, LOG_LEVEL_WARN);
}

static void test_config_load_zero_files_gives_defaults(void **state)
{
	struct gw_config c, d;
	struct cfg_err err;

	(void)state;
	memset(&c, 0, sizeof(c));
	cfg_defaults(&d);
	assert_int_equal(cfg_load(&c, NULL, 0, &err), 0);
	assert_true(cfg_equal(&c, &d));
}

static void test_config_load_empty_value_means_none(void **state)
{
	struct gw_config c;

	(void)state;
	load_ok(&c, "[net]\ngateway = 198.18.0.1\n[board]\ndescription = x\n");
	assert_int_equal(c.net.gateway.s_addr, ip("198.18.0.1"));
	load_ok(&c, "[net]\ngateway =\n[board]\ndescription =\n");
	assert_int_equal(c.net.gateway.s_addr, 0);
	assert_string_equal(c.board.description, "");
}

static void test_config_load_bom_crlf_repeated_section(void **state)
{
	struct gw_config c;

	(void)state;
	load_ok(&c, "\xef\xbb\xbf[net]\r\nmtu = 1400\r\n[log]\r\n"
		"level=err\r\n\r\n  [net]  \r\nlink_mbps:10\r\n");
	assert_int_equal(c.net.mtu, 1400);
	assert_int_equal(c.net.link_mbps, 10);
	assert_int_equal(c.log.level, LOG_LEVEL_ERR);
}

static void test_config_load_buf_without_nul(void **state)
{
	const char text[] = "[net]\nmtu = 1400";	/* no final newline */
	struct gw_config c;
	struct cfg_err err;

	(void)state;
	assert_int_equal(cfg_load_buf(&c, "b", text, sizeof(text) - 1, &err),
			 0);
	assert_int_equal(c.net.mtu, 1400);
	/* only the first len bytes count */
	assert_int_equal(cfg_load_buf(&c, "b", text, sizeof(text) - 3, &err),
			 -EBADMSG);
	assert_string_equal(errstr(&err), "b:2: [net] mtu: \"14\" is out of "
			    "range 576..9216");
}

static void test_config_load_failure_leaves_struct_as_is(void **state)
{
	const char *paths[] = { DATA "base.ini", DATA "missing.ini" };
	struct gw_config c, before;
	struct cfg_err err;

	(void)state;
	memset(&c, 0xa5, sizeof(c));
	before = c;
	assert_int_equal(cfg_load_string(&c, "t.ini", "[net]\nmtu = 1400\n"
					 "link_mbps = 5\n[log]\nlevel = loud\n",
					 &err), -EBADMSG);
	assert_memory_equal(&c, &before, sizeof(c));
	/* a good file then a missing one: nothing of the first either */
	assert_int_equal(cfg_load(&c, paths, 2, &err), -ENOENT);
	assert_memory_equal(&c, &before, sizeof(c));
	/* a check across keys failing at the very end */
	assert_int_equal(cfg_load_string(&c, "t.ini", "[board]\nrt_cpus = 0\n",
					 &err), -EINVAL);
	assert_memory_equal(&c, &before, sizeof(c));
}

static void test_config_load_ignores_caller_ini_switches(void **state)
{
	(void)state;
	ini_allow_multiline = true;
	ini_allow_inline_comments = true;
	ini_stop_on_first_error = false;
	ini_max_line = 20;
	load_fails("[net]\nmtu = 1500 ; note\n",
		   "t.ini:2: [net] mtu: \"1500 ; note\" is not an integer "
		   "(expected 576..9216)");
	load_fails("[net]\nmtu = 1500\n  1400\n", "t.ini:3: syntax error: "
		   "expected [section] or key = value");
}

/* ---- errors, each with its file, line and reason ------------------------ */

static void test_config_error_unknown_section(void **state)
{
	(void)state;
	assert_int_equal(load_fails("[net]\nmtu = 1400\n[nett]\nmtu = 1\n",
				    "t.ini:3: unknown section [nett]"),
			 -EBADMSG);
	/* even with no key in it */
	load_fails("[net]\n\n[foo]\n", "t.ini:3: unknown section [foo]");
	load_fails("[ net ]\n", "t.ini:1: unknown section [ net ]");
	load_fails("[]\n", "t.ini:1: unknown section []");
	load_fails("[aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n",
		   "t.ini:1: unknown section [\"aaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		   "aaaaaaaaaaaa...\"]");
}

static void test_config_error_unknown_key(void **state)
{
	(void)state;
	assert_int_equal(load_fails("[net]\nmtu = 1400\nmtux = 1\n",
				    "t.ini:3: unknown key \"mtux\" in section "
				    "[net]"), -EBADMSG);
	/* a key of another section */
	load_fails("[rt]\nmtu = 1400\n",
		   "t.ini:2: unknown key \"mtu\" in section [rt]");
	/* keys are case-sensitive */
	load_fails("[net]\nMTU = 1400\n",
		   "t.ini:2: unknown key \"MTU\" in section [net]");
}

static void test_config_error_bad_value(void **state)
{
	(void)state;
	assert_int_equal(load_fails("[net]\nmtu = 99999\n", "t.ini:2: [net] "
				    "mtu: \"99999\" is out of range "
				    "576..9216"), -EBADMSG);
	load_fails("\n\n[rt]\ntick_us = fast\n", "t.ini:4: [rt] tick_us: "
		   "\"fast\" is not an integer (expected 100..20000)");
	load_fails("[log]\nlevel = verbose\n", "t.ini:2: [log] level: "
		   "\"verbose\" is not one of err, warn, info, debug");
}

static void test_config_error_empty_value(void **state)
{
	(void)state;
	load_fails("[net]\nmtu =\n", "t.ini:2: [net] mtu: a value is "
		   "required (integer 576..9216)");
	load_fails("[board]\nrt_cpus =   \n", "t.ini:2: [board] rt_cpus: a "
		   "value is required (CPU list such as 0-1,3 (CPUs 0..1023))");
	load_fails("[board]\nname=\n", "t.ini:2: [board] name: a value is "
		   "required (name of 1..31 characters A-Z a-z 0-9 . _ -, "
		   "starting with a letter or digit)");
}

static void test_config_error_key_set_twice(void **state)
{
	(void)state;
	assert_int_equal(load_fails("[net]\nmtu = 1400\n[log]\nlevel = info\n"
				    "[net]\nmtu = 1500\n", "t.ini:6: [net] "
				    "mtu is set twice (first at line 2)"),
			 -EBADMSG);
	/* even with the same value */
	load_fails("[rt]\ntick_us = 500\ntick_us = 500\n",
		   "t.ini:3: [rt] tick_us is set twice (first at line 2)");
}

static void test_config_error_syntax(void **state)
{
	const char *syntax = "syntax error: expected [section] or key = value";
	char msg[128];

	(void)state;
	snprintf(msg, sizeof(msg), "t.ini:2: %s", syntax);
	assert_int_equal(load_fails("[net]\nmtu 1500\n", msg), -EBADMSG);
	load_fails("[net]\n= 1500\n", msg);
	snprintf(msg, sizeof(msg), "t.ini:1: %s", syntax);
	load_fails("[net\nmtu = 1\n", msg);
	/* multi-line values are off: an indented line is not a value */
	snprintf(msg, sizeof(msg), "t.ini:3: %s", syntax);
	load_fails("[net]\nmtu = 1500\n    1400\n", msg);
	/* libinih would ignore what follows "]" */
	load_fails("[net] mtu = 9000\n", "t.ini:1: syntax error: text after "
		   "[net] (a key goes on a line of its own)");
	load_fails("mtu = 1500\n", "t.ini:1: key \"mtu\" is outside any "
		   "section (a [section] line must come first)");
}

static void test_config_error_overlong_line(void **state)
{
	struct gw_config c;
	struct cfg_err err;
	char *text;
	size_t n;

	(void)state;
	text = malloc(3 * CFG_MAX_LINE);
	assert_non_null(text);
	/* a comment line of exactly CFG_MAX_LINE characters is fine, and
	 * does not shift the line numbers after it */
	n = (size_t)sprintf(text, "[net]\n;");
	memset(text + n, 'x', CFG_MAX_LINE - 1);
	n += CFG_MAX_LINE - 1;
	strcpy(text + n, "\r\nmtu = 1\n");
	load_fails(text, "t.ini:3: [net] mtu: \"1\" is out of range "
		   "576..9216");
	/* one more is an error at its own line, not a split line */
	n = (size_t)sprintf(text, "[net]\nmtu = 1500\n;");
	memset(text + n, 'x', CFG_MAX_LINE);
	n += CFG_MAX_LINE;
	strcpy(text + n, "\nmtu = 1\n");
	assert_int_equal(load_fails(text, "t.ini:3: line is too long (4097 "
				    "characters, at most 4096)"), -EBADMSG);
	/* a long value too, even on the last line without a newline */
	n = (size_t)sprintf(text, "[board]\ndescription = ");
	memset(text + n, 'y', 2 * CFG_MAX_LINE);
	text[n + 2 * CFG_MAX_LINE] = '\0';
	assert_int_equal(cfg_load_string(&c, "t.ini", text, &err), -EBADMSG);
	assert_string_equal(errstr(&err), "t.ini:2: line is too long (8206 "
			    "characters, at most 4096)");
	free(text);
}

static void test_config_error_nul_byte(void **state)
{
	const char text[] = "[net]\nmtu = 15\0" "00\n";
	struct gw_config c;
	struct cfg_err err;

	(void)state;
	assert_int_equal(cfg_load_buf(&c, "n.ini", text, sizeof(text) - 1,
				      &err), -EBADMSG);
	assert_string_equal(errstr(&err), "n.ini:2: line contains a NUL byte");
}

static void test_config_error_missing_or_unreadable_file(void **state)
{
	const char *missing[] = { DATA "base.ini", DATA "nope.ini" };
	const char *dir[] = { DATA };
	struct gw_config c;
	struct cfg_err err;

	(void)state;
	assert_int_equal(cfg_load(&c, missing, 2, &err), -ENOENT);
	assert_string_equal(errstr(&err), DATA "nope.ini: cannot open: No "
			    "such file or directory");
	assert_int_equal(err.line, 0);
	assert_int_equal(cfg_load(&c, dir, 1, &err), -EISDIR);
	assert_string_equal(errstr(&err), DATA ": cannot read: Is a "
			    "directory");
}

static void test_config_error_across_keys(void **state)
{
	(void)state;
	assert_int_equal(load_fails("[board]\nlinux_cpus = 0-3\n",
				    "t.ini:2: [board] rt_cpus and linux_cpus "
				    "share CPU 1"), -EINVAL);
	load_fails("[rt]\nwatchdog_stall_ms = 10\n", "t.ini:2: [rt] "
		   "watchdog_stall_ms (10) must be longer than "
		   "watchdog_period_ms (10)");
	/* reported at the key set last */
	load_fails("[rt]\nwatchdog_period_ms = 300\n\n", "t.ini:2: [rt] "
		   "watchdog_stall_ms (100) must be longer than "
		   "watchdog_period_ms (300)");
	load_fails("[rt]\ntick_us = 20000\nwatchdog_stall_ms = 20\n"
		   "watchdog_period_ms = 1\n", "t.ini:3: [rt] "
		   "watchdog_stall_ms (20 ms) must be longer than tick_us "
		   "(20000 us)");
	load_fails("[net]\ngateway = 198.18.1.1\n", "t.ini:2: [net] gateway "
		   "198.18.1.1 is not in the subnet of address "
		   "198.18.0.10/24");
	load_fails("[net]\ngateway = 198.18.0.1\naddress = 10.0.0.2/8\n",
		   "t.ini:3: [net] gateway 198.18.0.1 is not in the subnet "
		   "of address 10.0.0.2/8");
	load_fails("[net]\ngateway = 198.18.0.10\n", "t.ini:2: [net] gateway "
		   "198.18.0.10 is the interface's own address");
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static void test_config_error_across_files_at_later_line(void **state)
{
	char path[] = "/tmp/test_config_XXXXXX", msg[128];
	const char *paths[] = { "t1", path };
	struct gw_config c;
	struct cfg_err err;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	paths[0] = DATA "base.ini";
	write_file(path, "; t2\n[board]\nrt_cpus = 0\nlinux_cpus = 1\n");
	assert_int_equal(cfg_load(&c, paths, 2, &err), 0);
	/* the clash is with a default: the line that made it is blamed */
	write_file(path, "; t2\n[board]\nrt_cpus = 0\n");
	assert_int_equal(cfg_load(&c, paths, 2, &err), -EINVAL);
	snprintf(msg, sizeof(msg), "%s:3: [board] rt_cpus and linux_cpus "
		 "share CPU 0", path);
	assert_string_equal(errstr(&err), msg);
	/* between two files, the later one */
	paths[0] = path;
	paths[1] = DATA "base.ini";
	write_file(path, "[net]\ngateway = 198.18.0.1\n");
	assert_int_equal(cfg_load(&c, paths, 2, &err), 0);
	paths[1] = DATA "other_net.ini";
	assert_int_equal(cfg_load(&c, paths, 2, &err), -EINVAL);
	assert_string_equal(errstr(&err), DATA "other_net.ini:3: [net] gateway "
			    "198.18.0.1 is not in the subnet of address "
			    "10.9.8.7/16");
	remove(path);
}

static void test_config_err_str_formats(void **state)
{
	struct cfg_err err = { .file = "a.ini", .line = 7, .reason = "bad" };
	char small[8];

	(void)state;
	assert_string_equal(errstr(&err), "a.ini:7: bad");
	err.line = 0;
	assert_string_equal(errstr(&err), "a.ini: bad");
	err.file[0] = '\0';
	assert_string_equal(errstr(&err), "bad");
	err.line = 7;
	strcpy(err.file, "a.ini");
	assert_string_equal(cfg_err_str(&err, small, sizeof(small)), "a.ini:7");
}

static void test_config_error_reason_has_no_control_chars(void **state)
{
	(void)state;
	load_fails("[net]\nmtu = 1\x1b[2J\n", "t.ini:2: [net] mtu: "
		   "\"1?[2J\" is not an integer (expected 576..9216)");
	load_fails("[board]\nrt_cpus = 1\x1b,2\n", "t.ini:2: [board] "
		   "rt_cpus: \"1?,2\" is not a valid CPU list: item \"1?\" is "
		   "not a number or a range N-M");
}

/* ---- round trip --------------------------------------------------------- */

static void test_config_format_round_trip(void **state)
{
	struct gw_config c, back;
	struct cfg_err err;
	char *text, *again;
	size_t len, len2;

	(void)state;
	load_ok(&c, "[board]\nname = pc\ndescription = two ; words = x\n"
		"rt_cpus = 1-3,5,7-8\nlinux_cpus = 0,4,6\n"
		"[rt]\nlock_memory = no\ntick_us = 250\n"
		"[net]\nnic = mem\nmac = 0a:00:00:00:00:01\n"
		"address = 172.16.5.5/30\ngateway = 172.16.5.6\n"
		"[ports]\nrt = 20000-20010,9,65535\n[log]\nlevel = err\n"
		"[sip]\nrtp_port_max = 20009\ncodecs = gsm,PCMU\n");
	text = format_str(&c, &len);
	memset(&back, 0, sizeof(back));
	if (cfg_load_string(&back, "fmt", text, &err))
		fail_msg("%s\n%s", errstr(&err), text);
	assert_true(cfg_equal(&c, &back));
	again = format_str(&back, &len2);
	assert_string_equal(text, again);
	assert_non_null(strstr(text, "rt_cpus = 1-3,5,7-8\n"));
	assert_non_null(strstr(text, "rt = 9,20000-20010,65535\n"));
	assert_non_null(strstr(text, "description = two ; words = x\n"));
	free(text);
	free(again);
}

static void test_config_format_round_trip_of_defaults(void **state)
{
	struct gw_config c, back;
	struct cfg_err err;
	char *text;
	size_t len;

	(void)state;
	cfg_defaults(&c);
	text = format_str(&c, &len);
	assert_non_null(strstr(text, "\ngateway =\n"));
	assert_int_equal(cfg_load_string(&back, "fmt", text, &err), 0);
	assert_true(cfg_equal(&c, &back));
	free(text);
}

static void test_config_every_key_gets_and_sets_back(void **state)
{
	struct gw_config c, d;
	struct cfg_err err;
	char buf[CFG_MAX_LINE + 1];
	const char *name, *sec;
	size_t i;

	(void)state;
	cfg_defaults(&c);
	for (i = 0; (name = cfg_key_name(i, &sec)); i++) {
		memset(&d, 0, sizeof(d));
		assert_int_equal(cfg_get(&c, sec, name, buf, sizeof(buf)), 0);
		if (cfg_set(&d, sec, name, buf, &err))
			fail_msg("[%s] %s = %s: %s", sec, name, buf,
				 errstr(&err));
		assert_int_equal(cfg_get(&d, sec, name, buf + 1024,
					 sizeof(buf) - 1024), 0);
		assert_string_equal(buf, buf + 1024);
	}
}

static void test_config_equal_sees_each_change(void **state)
{
	struct gw_config a, b;

	(void)state;
	cfg_defaults(&a);
	b = a;
	assert_true(cfg_equal(&a, &b));
	b.net.mac[5]++;
	assert_false(cfg_equal(&a, &b));
	b = a;
	CPU_SET(7, &b.board.linux_cpus);
	assert_false(cfg_equal(&a, &b));
	b = a;
	b.ports.rt.r[1].hi--;
	assert_false(cfg_equal(&a, &b));
	b = a;
	b.net.address.len = 16;
	assert_false(cfg_equal(&a, &b));
	b = a;
	b.board.description[0] = 'x';
	assert_false(cfg_equal(&a, &b));
	b = a;
	b.rt.alloc_abort = !b.rt.alloc_abort;
	assert_false(cfg_equal(&a, &b));
	/* bytes past a string's end do not count */
	b = a;
	b.board.name[10] = 'z';
	assert_true(cfg_equal(&a, &b));
}

static void test_config_cpus_format_fits_a_line(void **state)
{
	struct gw_config c, back;
	char *text;
	size_t len;
	int cpu;

	(void)state;
	cfg_defaults(&c);
	CPU_ZERO(&c.board.linux_cpus);
	CPU_ZERO(&c.board.rt_cpus);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		CPU_SET(cpu, cpu & 1 ? &c.board.rt_cpus : &c.board.linux_cpus);
	text = malloc(2 * CFG_MAX_LINE);
	assert_non_null(text);
	assert_int_equal(cfg_get(&c, "board", "rt_cpus", text,
				 CFG_MAX_LINE - 10), 0);
	assert_int_equal(cfg_get(&c, "board", "rt_cpus", text, 8), -ENOSPC);
	free(text);
	/* and reads back */
	text = format_str(&c, &len);
	load_ok(&back, text);
	assert_true(cfg_equal(&c, &back));
	assert_int_equal(CPU_COUNT(&back.board.rt_cpus), CPU_SETSIZE / 2);
	free(text);
}

/* ---- the standard list of files ----------------------------------------- */

static void test_config_env_loads_defaults_then_board(void **state)
{
	struct gw_config c;
	struct cfg_err err;

	(void)state;
	memset(&c, 0, sizeof(c));
	if (cfg_load_env(&c, NULL, &err))
		fail_msg("%s", errstr(&err));
	assert_string_equal(c.board.name, "sim");
	assert_true(c.rt.alloc_abort);	/* from board/sim/board.ini */
	assert_int_equal(c.net.mtu, 1500);
	/* a local file comes last */
	assert_int_equal(cfg_load_env(&c, DATA "base.ini", &err), 0);
	assert_int_equal(c.net.mtu, 9000);
	assert_true(c.rt.alloc_abort);
}

static void test_config_env_gw_config_replaces_the_list(void **state)
{
	struct gw_config c;
	struct cfg_err err;

	(void)state;
	setenv(CFG_ENV_FILES, DATA "base.ini::" DATA "override.ini:", 1);
	assert_int_equal(cfg_load_env(&c, NULL, &err), 0);
	assert_int_equal(c.net.mtu, 1400);
	assert_int_equal(c.net.link_mbps, 100);
	assert_false(c.rt.alloc_abort);		/* no board file */
	setenv(CFG_ENV_FILES, DATA "override.ini", 1);
	assert_int_equal(cfg_load_env(&c, DATA "base.ini", &err), 0);
	assert_int_equal(c.net.mtu, 9000);
	setenv(CFG_ENV_FILES, DATA "override.ini:" DATA "none.ini", 1);
	assert_int_equal(cfg_load_env(&c, NULL, &err), -ENOENT);
	assert_string_equal(errstr(&err), DATA "none.ini: cannot open: No "
			    "such file or directory");
}

static void test_config_env_gw_board_picks_the_board_file(void **state)
{
	struct gw_config c;
	struct cfg_err err;

	(void)state;
	setenv(CFG_ENV_BOARD, "sim", 1);
	assert_int_equal(cfg_load_env(&c, NULL, &err), 0);
	setenv(CFG_ENV_BOARD, "nosuch", 1);
	assert_int_equal(cfg_load_env(&c, NULL, &err), -ENOENT);
	assert_string_equal(errstr(&err), "board/nosuch/board.ini: cannot "
			    "open: No such file or directory");
	setenv(CFG_ENV_BOARD, "../sim", 1);
	assert_int_equal(cfg_load_env(&c, NULL, &err), -EINVAL);
	assert_string_equal(errstr(&err), "GW_BOARD: \"../sim\" is not a "
			    "board name");
}

static void test_config_env_board_name_must_match(void **state)
{
	struct gw_config c;
	struct cfg_err err;

	(void)state;
	assert_int_equal(cfg_load_env(&c, DATA "other_name.ini", &err),
			 -EINVAL);
	assert_string_equal(errstr(&err), DATA "other_name.ini:3: [board] "
			    "name is \"other\", but the board file read is "
			    "board/sim/board.ini");
}

/* ---- value parsers ------------------------------------------------------ */

static void test_config_parse_int_edges(void **state)
{
	char why[128];
	long v = 42;

	(void)state;
	assert_int_equal(cfg_parse_int("-5", -5, 5, &v, why, sizeof(why)), 0);
	assert_int_equal(v, -5);
	assert_int_equal(cfg_parse_int("6", -5, 5, &v, why, sizeof(why)),
			 -ERANGE);
	assert_string_equal(why, "is out of range -5..5");
	assert_int_equal(cfg_parse_int("99999999999999999999", 0, 5, &v, why,
				       sizeof(why)), -ERANGE);
	assert_int_equal(cfg_parse_int("+5", 0, 5, &v, NULL, 0), -EINVAL);
	assert_int_equal(cfg_parse_int("0x5", 0, 5, &v, NULL, 0), -EINVAL);
	assert_int_equal(cfg_parse_int(" 5", 0, 5, &v, NULL, 0), -EINVAL);
	assert_int_equal(cfg_parse_int("5 ", 0, 5, &v, NULL, 0), -EINVAL);
	assert_int_equal(cfg_parse_int("-", 0, 5, &v, NULL, 0), -EINVAL);
	assert_int_equal(cfg_parse_int("", 0, 5, &v, why, sizeof(why)),
			 -EINVAL);
	assert_string_equal(why, "is not an integer (expected 0..5)");
	assert_int_equal(v, -5);
	set_fails("net", "link_mbps", "-1", "[net] link_mbps: \"-1\" is out "
		  "of range 0..100000");
	set_fails("net", "mtu", "1e3", "[net] mtu: \"1e3\" is not an integer "
		  "(expected 576..9216)");
	set_gives("net", "mtu", "0576", "576");
}

static void test_config_parse_pow2_edges(void **state)
{
	(void)state;
	set_gives("bus", "rx_frames_kib", "64", "64");
	set_gives("bus", "msg_up_kib", "16384", "16384");
	set_fails("bus", "rx_frames_kib", "3000", "[bus] rx_frames_kib: "
		  "\"3000\" is not a power of two (expected 64..65536)");
	set_fails("bus", "rx_frames_kib", "131072", "[bus] rx_frames_kib: "
		  "\"131072\" is out of range 64..65536");
	set_fails("bus", "netcfg_kib", "8", "[bus] netcfg_kib: \"8\" is out "
		  "of range 16..4096");
}

static void test_config_parse_bool_edges(void **state)
{
	const char *yes[] = { "true", "yes", "on", "1", "TRUE", "Yes", "On" };
	const char *no[] = { "false", "no", "off", "0", "FALSE", "No", "OFF" };
	size_t i;
	bool v;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		v = false;
		assert_int_equal(cfg_parse_bool(yes[i], &v, NULL, 0), 0);
		assert_true(v);
		assert_int_equal(cfg_parse_bool(no[i], &v, NULL, 0), 0);
		assert_false(v);
	}
	assert_int_equal(cfg_parse_bool("2", &v, NULL, 0), -EINVAL);
	assert_int_equal(cfg_parse_bool("", &v, NULL, 0), -EINVAL);
	assert_int_equal(cfg_parse_bool("yess", &v, NULL, 0), -EINVAL);
	set_fails("rt", "lock_memory", "maybe", "[rt] lock_memory: \"maybe\" "
		  "is not a boolean (expected true/false, yes/no, on/off or "
		  "1/0)");
	set_gives("rt", "lock_memory", "Off", "false");
}

static void test_config_parse_cpus_edges(void **state)
{
	const char *p = "is not a valid CPU list: ";
	char why[160], msg[200];
	cpu_set_t set;

	(void)state;
	assert_int_equal(cfg_parse_cpus(" 0 - 1 , 3 ", &set, NULL, 0), 0);
	assert_int_equal(CPU_COUNT(&set), 3);
	assert_true(CPU_ISSET(3, &set));
	assert_int_equal(cfg_parse_cpus("1023", &set, NULL, 0), 0);
	assert_true(CPU_ISSET(1023, &set));
	assert_int_equal(cfg_parse_cpus("0-1023", &set, NULL, 0), 0);
	assert_int_equal(CPU_COUNT(&set), 1024);

#define CPUS_BAD(s, rc, detail)						\
	do {								\
		assert_int_equal(cfg_parse_cpus(s, &set, why, sizeof(why)), \
				 rc);					\
		snprintf(msg, sizeof(msg), "%s%s", p, detail);		\
		assert_string_equal(why, msg);				\
	} while (0)
	CPUS_BAD("0-", -EINVAL, "range \"0-\" has no end");
	CPUS_BAD("0 - ,1", -EINVAL, "range \"0 -\" has no end");
	CPUS_BAD("-1", -EINVAL, "range \"-1\" has no start");
	CPUS_BAD("3-1", -EINVAL, "range 3-1 is backwards");
	CPUS_BAD("1,,2", -EINVAL, "empty item");
	CPUS_BAD("1,", -EINVAL, "empty item");
	CPUS_BAD(",1", -EINVAL, "empty item");
	CPUS_BAD("", -EINVAL, "empty item");
	CPUS_BAD("1024", -ERANGE, "CPU 1024 is out of range 0..1023");
	CPUS_BAD("0-99999999999999999999999", -ERANGE, "CPU "
		 "99999999999999999999999 is out of range 0..1023");
	CPUS_BAD("0-2,1", -EINVAL, "CPU 1 is listed twice");
	CPUS_BAD("a", -EINVAL, "item \"a\" is not a number or a range N-M");
	CPUS_BAD("1 2", -EINVAL, "item \"1 2\" is not a number or a range N-M");
	CPUS_BAD("1-a", -EINVAL, "item \"1-a\" is not a number or a range "
		 "N-M");
#undef CPUS_BAD
	set_fails("board", "rt_cpus", "3-1", "[board] rt_cpus: \"3-1\" is "
		  "not a valid CPU list: range 3-1 is backwards");
	set_gives("board", "rt_cpus", "5,1-2,3", "1-3,5");
}

static void test_config_parse_ports_edges(void **state)
{
	const char *p = "is not a valid port list: ";
	struct cfg_ports ports;
	char why[160], msg[200];
	char list[128];
	int i, n;

#define PORTS_BAD(s, rc, detail)					\
	do {								\
		assert_int_equal(cfg_parse_ports(s, &ports, why,	\
						 sizeof(why)), rc);	\
		snprintf(msg, sizeof(msg), "%s%s", p, detail);		\
		assert_string_equal(why, msg);				\
	} while (0)
	(void)state;
	assert_int_equal(cfg_parse_ports("20000,7,1-5,6-6", &ports, NULL, 0),
			 0);
	assert_int_equal(ports.n, 4);
	assert_int_equal(ports.r[0].lo, 1);
	assert_int_equal(ports.r[0].hi, 5);
	assert_int_equal(ports.r[1].lo, 6);
	assert_int_equal(ports.r[2].lo, 7);
	assert_int_equal(ports.r[3].lo, 20000);
	assert_true(cfg_ports_contain(&ports, 3));
	assert_true(cfg_ports_contain(&ports, 20000));
	assert_false(cfg_ports_contain(&ports, 8));
	assert_false(cfg_ports_contain(&ports, 0));
	assert_int_equal(cfg_parse_ports("65535", &ports, NULL, 0), 0);
	assert_int_equal(ports.r[0].hi, 65535);
	PORTS_BAD("65536", -ERANGE, "port 65536 is out of range 1..65535");
	PORTS_BAD("0", -ERANGE, "port 0 is out of range 1..65535");
	PORTS_BAD("0-10", -ERANGE, "port 0 is out of range 1..65535");
	PORTS_BAD("1-10,5-6", -EINVAL, "ranges 1-10 and 5-6 overlap");
	PORTS_BAD("5-6,1-10", -EINVAL, "ranges 5-6 and 1-10 overlap");
	PORTS_BAD("5,5", -EINVAL, "ranges 5 and 5 overlap");
	PORTS_BAD("10-20,20-30", -EINVAL, "ranges 10-20 and 20-30 overlap");
	PORTS_BAD("10-1", -EINVAL, "range 10-1 is backwards");
	PORTS_BAD("7,", -EINVAL, "empty item");
	/* at most CFG_PORT_RANGES_MAX ranges */
	for (i = 1, n = 0; i <= CFG_PORT_RANGES_MAX; i++)
		n += sprintf(list + n, "%s%d", i > 1 ? "," : "", i * 10);
	assert_int_equal(cfg_parse_ports(list, &ports, NULL, 0), 0);
	assert_int_equal(ports.n, CFG_PORT_RANGES_MAX);
	strcat(list, ",1000");
	PORTS_BAD(list, -E2BIG, "more than 16 ranges");
#undef PORTS_BAD
	set_gives("ports", "rt", "16384-32767, 7", "7,16384-32767");
	set_fails("ports", "rt", "7,7-8", "[ports] rt: \"7,7-8\" is not a "
		  "valid port list: ranges 7 and 7-8 overlap");
}

static void test_config_parse_ipv4_edges(void **state)
{
	struct in_addr a;

	(void)state;
	assert_int_equal(cfg_parse_ipv4("198.18.0.1", &a, NULL, 0), 0);
	assert_int_equal(a.s_addr, ip("198.18.0.1"));
	assert_int_equal(cfg_parse_ipv4("256.1.1.1", &a, NULL, 0), -EINVAL);
	assert_int_equal(cfg_parse_ipv4("1.2.3", &a, NULL, 0), -EINVAL);
	assert_int_equal(cfg_parse_ipv4("01.2.3.4", &a, NULL, 0), -EINVAL);
	assert_int_equal(cfg_parse_ipv4("1.2.3.4 ", &a, NULL, 0), -EINVAL);
	assert_int_equal(cfg_parse_ipv4("1.2.3.4/24", &a, NULL, 0), -EINVAL);
	set_fails("net", "gateway", "198.18.0.256", "[net] gateway: "
		  "\"198.18.0.256\" is not an IPv4 address (expected "
		  "a.b.c.d)");
	set_fails("net", "gateway", "0.0.0.0", "[net] gateway: \"0.0.0.0\" "
		  "is in 0.0.0.0/8, not a host address");
	set_fails("net", "gateway", "127.0.0.1", "[net] gateway: "
		  "\"127.0.0.1\" is a loopback address");
	set_fails("net", "gateway", "239.1.1.1", "[net] gateway: "
		  "\"239.1.1.1\" is a multicast address");
	set_fails("net", "gateway", "255.255.255.255", "[net] gateway: "
		  "\"255.255.255.255\" is a reserved or broadcast address");
	set_gives("net", "gateway", "198.18.0.1", "198.18.0.1");
	set_gives("net", "gateway", "", "");
}

static void test_config_parse_prefix_edges(void **state)
{
	struct cfg_prefix p;
	char why[128];

	(void)state;
	assert_int_equal(cfg_parse_prefix("10.0.0.1/32", &p, NULL, 0), 0);
	assert_int_equal(p.len, 32);
	assert_int_equal(cfg_parse_prefix("10.0.0.1/33", &p, why, sizeof(why)),
			 -ERANGE);
	assert_string_equal(why, "has a prefix length out of range 1..32");
	assert_int_equal(cfg_parse_prefix("10.0.0.1/0", &p, NULL, 0), -ERANGE);
	assert_int_equal(cfg_parse_prefix("10.0.0.1/999999999999", &p, NULL,
					  0), -ERANGE);
	assert_int_equal(cfg_parse_prefix("10.0.0.1", &p, why, sizeof(why)),
			 -EINVAL);
	assert_string_equal(why, "has no prefix length (expected a.b.c.d/n)");
	assert_int_equal(cfg_parse_prefix("10.0.0.1/", &p, NULL, 0), -EINVAL);
	assert_int_equal(cfg_parse_prefix("10.0.0.1/24x", &p, NULL, 0),
			 -EINVAL);
	assert_int_equal(cfg_parse_prefix("10.0.0.1/-1", &p, NULL, 0),
			 -EINVAL);
	assert_int_equal(cfg_parse_prefix("10.0.0.1.1/8", &p, NULL, 0),
			 -EINVAL);
	assert_int_equal(cfg_parse_prefix("/8", &p, NULL, 0), -EINVAL);
	set_fails("net", "address", "198.18.0.10/33", "[net] address: "
		  "\"198.18.0.10/33\" has a prefix length out of range 1..32");
	set_fails("net", "address", "198.18.0.0/24", "[net] address: "
		  "\"198.18.0.0/24\" is the network address of its subnet, "
		  "not a host address");
	set_fails("net", "address", "198.18.0.255/24", "[net] address: "
		  "\"198.18.0.255/24\" is the broadcast address of its "
		  "subnet, not a host address");
	set_fails("net", "address", "224.0.0.1/24", "[net] address: "
		  "\"224.0.0.1/24\" is a multicast address");
	set_gives("net", "address", "198.18.0.255/31", "198.18.0.255/31");
	set_gives("net", "address", "198.18.0.0/32", "198.18.0.0/32");
	set_gives("net", "address", "10.0.0.1/08", "10.0.0.1/8");
}

static void test_config_parse_mac_edges(void **state)
{
	uint8_t mac[6];

	(void)state;
	assert_int_equal(cfg_parse_mac("ff:FF:00:0a:Bc:9f", mac, NULL, 0), 0);
	assert_int_equal(mac[0], 0xff);
	assert_int_equal(mac[4], 0xbc);
	assert_int_equal(cfg_parse_mac("02:00:5e:12:00", mac, NULL, 0),
			 -EINVAL);
	assert_int_equal(cfg_parse_mac("02:00:5e:12:00:10:11", mac, NULL, 0),
			 -EINVAL);
	assert_int_equal(cfg_parse_mac("02:00:5e:12:00:10:", mac, NULL, 0),
			 -EINVAL);
	assert_int_equal(cfg_parse_mac("02-00-5e-12-00-10", mac, NULL, 0),
			 -EINVAL);
	assert_int_equal(cfg_parse_mac("2:0:5e:12:0:10", mac, NULL, 0),
			 -EINVAL);
	assert_int_equal(cfg_parse_mac("02:00:5e:12:00:1g", mac, NULL, 0),
			 -EINVAL);
	assert_int_equal(cfg_parse_mac("", mac, NULL, 0), -EINVAL);
	set_fails("net", "mac", "03:00:5e:12:00:10", "[net] mac: "
		  "\"03:00:5e:12:00:10\" is a multicast address (the first "
		  "byte must be even)");
	set_fails("net", "mac", "ff:ff:ff:ff:ff:ff", "[net] mac: "
		  "\"ff:ff:ff:ff:ff:ff\" is a multicast address (the first "
		  "byte must be even)");
	set_fails("net", "mac", "00:00:00:00:00:00", "[net] mac: "
		  "\"00:00:00:00:00:00\" is the all-zero address");
	set_fails("net", "mac", "02:00:5e:12:00", "[net] mac: "
		  "\"02:00:5e:12:00\" is not a MAC address (expected six hex "
		  "bytes like 02:00:5e:12:00:10)");
	set_gives("net", "mac", "0A:BB:cc:DD:ee:FF", "0a:bb:cc:dd:ee:ff");
}

static void test_config_parse_enum_and_string_edges(void **state)
{
	char v[200];

	(void)state;
	set_gives("net", "nic", "TAP", "tap");
	set_gives("log", "level", "Debug", "debug");
	set_fails("net", "nic", "tapx", "[net] nic: \"tapx\" is not one of "
		  "afpacket, tap, mem");
	/* names */
	set_gives("board", "name", "abcdefghijklmnopqrstuvwxyz01234",
		  "abcdefghijklmnopqrstuvwxyz01234");
	set_fails("board", "name", "abcdefghijklmnopqrstuvwxyz012345",
		  "[board] name: \"abcdefghijklmnopqrstuvwxyz012345\" is too "
		  "long (32 characters, at most 31)");
	set_fails("board", "name", "a b", "[board] name: \"a b\" contains ' ' "
		  "(a name has only A-Z a-z 0-9 . _ -)");
	set_fails("board", "name", "a/b", "[board] name: \"a/b\" contains '/' "
		  "(a name has only A-Z a-z 0-9 . _ -)");
	set_fails("board", "name", "..", "[board] name: \"..\" must start "
		  "with a letter or digit");
	set_gives("net", "nic_ifname", "abcdefghijklmno", "abcdefghijklmno");
	set_fails("net", "nic_ifname", "abcdefghijklmnop", "[net] nic_ifname: "
		  "\"abcdefghijklmnop\" is too long (16 characters, at most "
		  "15)");
	/* free text */
	memset(v, 'd', 127);
	v[127] = '\0';
	set_gives("board", "description", v, v);
	strcat(v, "d");
	set_fails("board", "description", v, "[board] description: "
		  "\"dddddddddddddddddddddddddddddddddddddddd...\" is too long "
		  "(128 characters, at most 127)");
	set_fails("board", "description", "a\tb", "[board] description: "
		  "\"a?b\" contains a control character");
	set_fails("board", "description", "x ", "[board] description: "
		  "\"x \" starts or ends with a blank");
	set_fails("board", "description", " x", "[board] description: "
		  "\" x\" starts or ends with a blank");
	set_gives("board", "description", "caf\xc3\xa9 [x] = ;#",
		  "caf\xc3\xa9 [x] = ;#");
}

static void test_config_set_and_get_refuse_unknown_keys(void **state)
{
	struct gw_config c;
	struct cfg_err err;
	char buf[64];

	(void)state;
	cfg_defaults(&c);
	assert_int_equal(cfg_set(&c, "net", "speed", "1", &err), -ENOENT);
	assert_string_equal(errstr(&err), "unknown key [net] \"speed\"");
	assert_int_equal(cfg_get(&c, "nets", "mtu", buf, sizeof(buf)),
			 -ENOENT);
	assert_int_equal(cfg_get(&c, "net", "mtu", buf, 4), -ENOSPC);
	assert_int_equal(cfg_get(&c, "net", "mtu", buf, 5), 0);
	assert_string_equal(buf, "1500");
	assert_int_equal(cfg_set(&c, "net", "mtu", "9000", NULL), 0);
	assert_int_equal(c.net.mtu, 9000);
}

/* ---- [sip] -------------------------------------------------------------- */

static void test_config_sip_defaults(void **state)
{
	struct gw_config c;

	(void)state;
	cfg_defaults(&c);
	assert_int_equal(c.sip.port, 5060);
	assert_int_equal(c.sip.tls_port, 5061);
	assert_string_equal(c.sip.tls_cert_dir, "");
	assert_string_equal(c.sip.realm, "gateway");
	assert_int_equal(c.sip.register_min_s, 60);
	assert_int_equal(c.sip.register_max_s, 3600);
	assert_int_equal(c.sip.no_answer_s, 30);
	assert_int_equal(c.sip.inter_digit_ms, 4000);
	assert_string_equal(c.sip.codecs, "pcmu,pcma,g722,g726-32,gsm,g729");
	assert_int_equal(c.sip.rtp_port_min, 20000);
	assert_int_equal(c.sip.rtp_port_max, 29999);
	assert_int_equal(c.sip.auth_fail_limit, 5);
	assert_int_equal(c.sip.auth_fail_window_s, 60);
	assert_int_equal(c.sip.auth_block_s, 120);
	assert_int_equal(c.sip.session_timer, 1800);
	assert_int_equal(c.sip.rtp_timeout, 60);
	assert_true(c.billing.enable);
	assert_string_equal(c.billing.spool_dir, "/var/spool/gateway/billing");
	assert_int_equal(c.n_extensions + c.n_trunks + c.n_routes + c.n_dids,
			 0);
}

static void test_config_sip_codecs(void **state)
{
	const char *p = "[sip] codecs: ";
	char msg[200];

	(void)state;
	set_gives("sip", "codecs", "PCMA,g722", "PCMA,g722");
	set_gives("sip", "codecs", "gsm", "gsm");
#define CODECS_BAD(v, detail)						\
	do {								\
		snprintf(msg, sizeof(msg), "%s\"%s\" is not a codec list: %s",\
			 p, v, detail);					\
		set_fails("sip", "codecs", v, msg);			\
	} while (0)
	CODECS_BAD("pcmu,opus", "\"opus\" is not a codec (pcmu, pcma, g722, "
		   "g726-32, gsm, g729)");
	CODECS_BAD("pcmu,PCMU", "PCMU is listed twice");
	CODECS_BAD("pcmu,", "\"\" is not a codec (pcmu, pcma, g722, g726-32, "
		   "gsm, g729)");
	CODECS_BAD("pcmu, pcma", "\" pcma\" is not a codec (pcmu, pcma, g722, "
		   "g726-32, gsm, g729)");
#undef CODECS_BAD
	load_fails("[sip]\ncodecs =\n", "t.ini:2: [sip] codecs: a value is "
		   "required (text of at most 127 characters)");
}

static void test_config_sip_ports_across_keys(void **state)
{
	struct gw_config c;

	(void)state;
	assert_int_equal(load_fails("[sip]\nrtp_port_min = 20001\n",
				    "t.ini:2: [sip] rtp_port_min (20001) must "
				    "be even (RTP on even ports, RTCP on the "
				    "odd one above)"), -EINVAL);
	load_fails("[sip]\nrtp_port_max = 20000\n", "t.ini:2: [sip] "
		   "rtp_port_max (20000) must be odd (the RTCP port of the "
		   "last pair)");
	load_fails("[sip]\nrtp_port_min = 20000\nrtp_port_max = 19999\n",
		   "t.ini:3: [sip] rtp_port_max (19999) must be above "
		   "rtp_port_min (20000)");
	/* the whole range in the RT ports, at the key set last */
	load_fails("[ports]\nrt = 7,16384-24999\n", "t.ini:2: [sip] RTP "
		   "ports 20000-29999 must be RT ports, but 25000 is not in "
		   "[ports] rt = 7,16384-24999");
	load_fails("[sip]\nrtp_port_max = 40001\n\n", "t.ini:2: [sip] RTP "
		   "ports 20000-40001 must be RT ports, but 32768 is not in "
		   "[ports] rt = 7,16384-32767");
	load_fails("[ports]\nrt = 7,20002-29999\n[sip]\nrtp_port_min = 20000\n",
		   "t.ini:4: [sip] RTP ports 20000-29999 must be RT ports, "
		   "but 20000 is not in [ports] rt = 7,20002-29999");
	/* ranges that touch make one */
	load_ok(&c, "[ports]\nrt = 7,16384-24999,25000-32767\n");
	load_ok(&c, "[ports]\nrt = 2000-2001\n[sip]\nrtp_port_min = 2000\n"
		"rtp_port_max = 2001\n");
	/* SIP itself is a Linux port */
	load_fails("[sip]\nport = 20000\n", "t.ini:2: [sip] port 20000 is an "
		   "RT port ([ports] rt): SIP runs on Linux");
	load_fails("[ports]\nrt = 7,16384-32767,5061\n", "t.ini:2: [sip] "
		   "tls_port 5061 is an RT port ([ports] rt): SIP runs on "
		   "Linux");
	load_fails("[sip]\ntls_port = 5060\n", "t.ini:2: [sip] tls_port "
		   "(5060) must differ from port");
	load_ok(&c, "[sip]\ntls_port = 0\n[ports]\nrt = 7,16384-32767,5061\n");
	assert_int_equal(c.sip.tls_port, 0);
	load_fails("[sip]\nregister_max_s = 30\n", "t.ini:2: [sip] "
		   "register_max_s (30) must be at least register_min_s (60)");
	load_ok(&c, "[sip]\nregister_max_s = 60\n");
}

/* ---- repeated sections -------------------------------------------------- */

/* Every kind, every key */
static const char provisioning[] =
	"[extension 1001]\n"
	"password = s3cret;#=[x]\n"
	"display = Front desk\n"
	"[extension 2001]\n"
	"kind = FXS\n"
	"line = 0/1\n"
	"[trunk pstn]\n"
	"lines = 1/0-1/1, 2/5, 2/0-2/4\n"
	"[trunk op.1]\n"
	"kind = sip\n"
	"host = sip.example.net:5080\n"
	"username = 4420\n"
	"password = pw\n"
	"register = yes\n"
	"allow_ips = 198.51.100.7,203.0.113.1\n"
	"[route out]\n"
	"pattern = 0X.\n"
	"strip = 1\n"
	"trunk = pstn\n"
	"[route intl]\n"
	"pattern = 00XXX\n"
	"prefix = 9\n"
	"trunk = op.1\n"
	"[did 5551001]\n"
	"extension = 1001\n"
	"[did 1001]\n"
	"extension = 1001\n";

static void test_config_inst_load_sets_fields(void **state)
{
	struct gw_config c;

	(void)state;
	load_ok(&c, provisioning);
	assert_int_equal(c.n_extensions, 2);
	assert_string_equal(c.extension[0].number, "1001");
	assert_int_equal(c.extension[0].kind, CFG_EXT_SIP);
	assert_string_equal(c.extension[0].password, "s3cret;#=[x]");
	assert_string_equal(c.extension[0].display, "Front desk");
	assert_string_equal(c.extension[0].line, "");
	assert_string_equal(c.extension[1].number, "2001");
	assert_int_equal(c.extension[1].kind, CFG_EXT_FXS);
	assert_string_equal(c.extension[1].line, "0/1");
	assert_string_equal(c.extension[1].password, "");
	assert_int_equal(c.n_trunks, 2);
	assert_string_equal(c.trunk[0].name, "pstn");
	assert_int_equal(c.trunk[0].kind, CFG_TRUNK_TDM);
	assert_string_equal(c.trunk[0].lines, "1/0-1/1, 2/5, 2/0-2/4");
	assert_false(c.trunk[0].register_);
	assert_string_equal(c.trunk[1].name, "op.1");
	assert_int_equal(c.trunk[1].kind, CFG_TRUNK_SIP);
	assert_string_equal(c.trunk[1].host, "sip.example.net:5080");
	assert_string_equal(c.trunk[1].username, "4420");
	assert_string_equal(c.trunk[1].password, "pw");
	assert_true(c.trunk[1].register_);
	assert_string_equal(c.trunk[1].allow_ips, "198.51.100.7,203.0.113.1");
	assert_int_equal(c.n_routes, 2);
	assert_string_equal(c.route[0].name, "out");
	assert_string_equal(c.route[0].pattern, "0X.");
	assert_int_equal(c.route[0].strip, 1);
	assert_string_equal(c.route[0].prefix, "");
	assert_string_equal(c.route[0].trunk, "pstn");
	assert_int_equal(c.route[1].strip, 0);
	assert_string_equal(c.route[1].prefix, "9");
	assert_int_equal(c.n_dids, 2);
	assert_string_equal(c.did[0].number, "5551001");
	assert_string_equal(c.did[0].extension, "1001");
	/* a DID may be an extension's number too */
	assert_string_equal(c.did[1].number, "1001");
	assert_int_equal(cfg_validate(&c, NULL), 0);
}

static void test_config_inst_same_name_selects_same_instance(void **state)
{
	struct gw_config c;

	(void)state;
	load_ok(&c, "[extension 1001]\npassword = a\n[did 1]\n"
		"extension = 1001\n[extension 1002]\npassword = b\n"
		"[extension 1001]\ndisplay = d\n");
	assert_int_equal(c.n_extensions, 2);
	assert_string_equal(c.extension[0].number, "1001");
	assert_string_equal(c.extension[0].password, "a");
	assert_string_equal(c.extension[0].display, "d");
	assert_string_equal(c.extension[1].number, "1002");
	/* a key of another instance, or of another kind, is another key */
	load_ok(&c, "[extension 1001]\npassword = a\n[extension 1002]\n"
		"password = a\n[trunk t]\nkind = sip\nhost = h\n"
		"password = a\n");
	/* names are text: 01001 is not 1001 */
	load_ok(&c, "[extension 1001]\npassword = a\n[extension 01001]\n"
		"password = b\n");
	assert_int_equal(c.n_extensions, 2);
}

static void test_config_inst_later_file_overrides(void **state)
{
	char path[] = "/tmp/test_config_XXXXXX";
	const char *paths[] = { path, "t2" };
	char path2[] = "/tmp/test_config_XXXXXX";
	struct gw_config c;
	struct cfg_err err;
	char msg[200];
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	fd = mkstemp(path2);
	assert_true(fd >= 0);
	close(fd);
	paths[1] = path2;
	write_file(path, "[extension 1001]\npassword = a\ndisplay = One\n"
		   "[extension 2001]\nkind = fxs\nline = 0/0\n"
		   "[trunk pstn]\nlines = 1/0-1/1\n");
	/* the same key again in a later file is no error: it wins */
	write_file(path2, "[extension 1001]\npassword = b\n[extension 1003]\n"
		   "password = c\n[extension 2001]\nline = 0/1\n");
	if (cfg_load(&c, paths, 2, &err))
		fail_msg("%s", errstr(&err));
	assert_int_equal(c.n_extensions, 3);
	assert_string_equal(c.extension[0].number, "1001");
	assert_string_equal(c.extension[0].password, "b");
	assert_string_equal(c.extension[0].display, "One");
	assert_string_equal(c.extension[1].line, "0/1");
	assert_int_equal(c.extension[1].kind, CFG_EXT_FXS);
	assert_string_equal(c.extension[2].number, "1003");
	/* a later file can change the kind, and then owes its keys: the
	 * error is at the header that selected the instance last */
	write_file(path2, "; fxs now\n[extension 1001]\nkind = fxs\n");
	assert_int_equal(cfg_load(&c, paths, 2, &err), -EINVAL);
	snprintf(msg, sizeof(msg), "%s:2: [extension 1001] line is required "
		 "(kind = fxs)", path2);
	assert_string_equal(errstr(&err), msg);
	/* or empty a required key */
	write_file(path2, "[extension 2001]\nkind = sip\npassword =\n");
	assert_int_equal(cfg_load(&c, paths, 2, &err), -EINVAL);
	snprintf(msg, sizeof(msg), "%s:1: [extension 2001] password is "
		 "required (kind = sip)", path2);
	assert_string_equal(errstr(&err), msg);
	/* a clash between files is reported at the later line */
	write_file(path2, "\n[extension 2002]\nkind = fxs\nline = 0/0\n");
	assert_int_equal(cfg_load(&c, paths, 2, &err), -EINVAL);
	snprintf(msg, sizeof(msg), "%s:4: [extension 2002] line: 0/0 is also "
		 "the line of [extension 2001]", path2);
	assert_string_equal(errstr(&err), msg);
	/* and a line made wrong by a later [tdm] spans, at that line */
	write_file(path2, "[tdm]\nspans = fxs:4,fxo:1\n");
	assert_int_equal(cfg_load(&c, paths, 2, &err), -EINVAL);
	snprintf(msg, sizeof(msg), "%s:2: [trunk pstn] lines: span 1 has "
		 "lines 0..0, not 1 ([tdm] spans = fxs:4,fxo:1)", path2);
	assert_string_equal(errstr(&err), msg);
	remove(path);
	remove(path2);
}

static void test_config_inst_error_header(void **state)
{
	(void)state;
	assert_int_equal(load_fails("[net]\nmtu = 1500\n[foo bar]\n",
				    "t.ini:3: unknown section [foo bar]"),
			 -EBADMSG);
	load_fails("[net foo]\n", "t.ini:1: unknown section [net foo]");
	load_fails("[Extension 1001]\n", "t.ini:1: unknown section "
		   "[Extension 1001]");
	load_fails("[extension]\n", "t.ini:1: section [extension] needs a "
		   "number: [extension NUMBER]");
	load_fails("[trunk]\n", "t.ini:1: section [trunk] needs a name: "
		   "[trunk NAME]");
	load_fails("[extension 10a1]\n", "t.ini:1: [extension 10a1]: \"10a1\" "
		   "is not a number (digits 0-9 only)");
	load_fails("[did +15551001]\n", "t.ini:1: [did +15551001]: "
		   "\"+15551001\" is not a number (digits 0-9 only)");
	load_fails("[extension ]\n", "t.ini:1: [extension ]: \"\" is not a "
		   "number (digits 0-9 only)");
	load_fails("[extension  1001]\n", "t.ini:1: [extension  1001]: "
		   "\" 1001\" is not a number (digits 0-9 only)");
	load_fails("[extension 1001 ]\n", "t.ini:1: [extension 1001 ]: "
		   "\"1001 \" is not a number (digits 0-9 only)");
	load_fails("[trunk a/b]\n", "t.ini:1: [trunk a/b]: \"a/b\" contains "
		   "'/' (a name has only A-Z a-z 0-9 . _ -)");
	load_fails("[route -x]\n", "t.ini:1: [route -x]: \"-x\" must start "
		   "with a letter or digit");
	load_fails("[trunk pstn] lines = 1/0\n", "t.ini:1: syntax error: text "
		   "after [trunk pstn] (a key goes on a line of its own)");
	load_fails("[extension 12345678901234567890123456789012]\n", "t.ini:1: "
		   "[\"extension 123456789012345678901234567890...\"]: "
		   "\"12345678901234567890123456789012\" is too long (32 "
		   "characters, at most 31)");
}

static void test_config_inst_error_keys(void **state)
{
	(void)state;
	assert_int_equal(load_fails("[extension 1001]\npassword = x\n"
				    "pasword = x\n", "t.ini:3: unknown key "
				    "\"pasword\" in section [extension 1001]"),
			 -EBADMSG);
	/* keys of fixed sections, or of another kind, are not there */
	load_fails("[trunk t]\nmtu = 1500\n", "t.ini:2: unknown key \"mtu\" "
		   "in section [trunk t]");
	load_fails("[did 1]\ndisplay = x\n", "t.ini:2: unknown key "
		   "\"display\" in section [did 1]");
	/* set twice in one instance in one file, even through a reselect */
	load_fails("[extension 1001]\npassword = a\n[net]\nmtu = 1500\n"
		   "[extension 1001]\npassword = b\n", "t.ini:6: [extension "
		   "1001] password is set twice (first at line 2)");
	load_fails("[route r]\npattern = 1\npattern = 1\n", "t.ini:3: [route "
		   "r] pattern is set twice (first at line 2)");
}

static void test_config_inst_error_values(void **state)
{
	(void)state;
	load_fails("[extension 1001]\nkind = isdn\n", "t.ini:2: [extension "
		   "1001] kind: \"isdn\" is not one of sip, fxs");
	load_fails("[trunk t]\nkind = fxo\n", "t.ini:2: [trunk t] kind: "
		   "\"fxo\" is not one of tdm, sip");
	load_fails("[extension 2001]\nline = 0-1\n", "t.ini:2: [extension "
		   "2001] line: \"0-1\" is not a TDM line SPAN/LINE (such as "
		   "0/1)");
	load_fails("[extension 2001]\nline = 64/0\n", "t.ini:2: [extension "
		   "2001] line: \"64/0\" is not a TDM line: span 64 is out of "
		   "range 0..63");
	load_fails("[extension 2001]\nline = 0/32\n", "t.ini:2: [extension "
		   "2001] line: \"0/32\" is not a TDM line: line 32 is out of "
		   "range 0..31");
	load_fails("[extension 1001]\npassword = 0123456789012345678901234567"
		   "890123456789012345678901234567890123\n", "t.ini:2: "
		   "[extension 1001] password: \"01234567890123456789012345678"
		   "90123456789...\" is too long (64 characters, at most 63)");
	load_fails("[trunk t]\nlines = 1/0-2/3\n", "t.ini:2: [trunk t] lines: "
		   "\"1/0-2/3\" is not a list of TDM lines: range \"1/0-2/3\" "
		   "crosses spans (a range stays in one span, as 2/0-2/29)");
	load_fails("[trunk t]\nhost = a b\n", "t.ini:2: [trunk t] host: "
		   "\"a b\" is not host[:port] (such as sip.example.net or "
		   "198.51.100.7:5060)");
	load_fails("[trunk t]\nhost = h:0\n", "t.ini:2: [trunk t] host: "
		   "\"h:0\" is not host[:port] (such as sip.example.net or "
		   "198.51.100.7:5060)");
	load_fails("[trunk t]\nregister = maybe\n", "t.ini:2: [trunk t] "
		   "register: \"maybe\" is not a boolean (expected true/false, "
		   "yes/no, on/off or 1/0)");
	load_fails("[trunk t]\nallow_ips = 1.2.3.4,127.0.0.1\n", "t.ini:2: "
		   "[trunk t] allow_ips: \"1.2.3.4,127.0.0.1\" is not a list "
		   "of IPv4 addresses: 127.0.0.1 is a loopback address");
	load_fails("[trunk t]\nallow_ips = 1.2.3.4, 1.2.3.5\n", "t.ini:2: "
		   "[trunk t] allow_ips: \"1.2.3.4, 1.2.3.5\" is not a list of "
		   "IPv4 addresses: item \" 1.2.3.5\" is not an IPv4 address");
	load_fails("[route r]\npattern =\n", "t.ini:2: [route r] pattern: a "
		   "value is required (text of at most 31 characters)");
	load_fails("[route r]\npattern = 0.X\n", "t.ini:2: [route r] pattern: "
		   "\"0.X\" is not a dial pattern (digits, X for any digit, "
		   "then an optional final '.' for one or more digits more)");
	load_fails("[route r]\npattern = .\n", "t.ini:2: [route r] pattern: "
		   "\".\" is not a dial pattern (digits, X for any digit, "
		   "then an optional final '.' for one or more digits more)");
	load_fails("[route r]\nstrip = 32\n", "t.ini:2: [route r] strip: "
		   "\"32\" is out of range 0..31");
	load_fails("[route r]\nprefix = +44\n", "t.ini:2: [route r] prefix: "
		   "\"+44\" is not a number (digits 0-9 only)");
	load_fails("[route r]\ntrunk = a b\n", "t.ini:2: [route r] trunk: "
		   "\"a b\" contains ' ' (a name has only A-Z a-z 0-9 . _ -)");
	load_fails("[did 1]\nextension = x\n", "t.ini:2: [did 1] extension: "
		   "\"x\" is not a number (digits 0-9 only)");
}

static void test_config_inst_error_required(void **state)
{
	(void)state;
	/* at the header of the instance */
	assert_int_equal(load_fails("[net]\nmtu = 1500\n\n[extension 1001]\n"
				    "display = x\n", "t.ini:4: [extension "
				    "1001] password is required (kind = sip)"),
			 -EINVAL);
	load_fails("[extension 2001]\nkind = fxs\n", "t.ini:1: [extension "
		   "2001] line is required (kind = fxs)");
	load_fails("[trunk t]\n", "t.ini:1: [trunk t] lines is required "
		   "(kind = tdm)");
	load_fails("[trunk t]\nkind = sip\n", "t.ini:1: [trunk t] host is "
		   "required (kind = sip)");
	load_fails("[route r]\ntrunk = x\n", "t.ini:1: [route r] pattern is "
		   "required");
	load_fails("[trunk t]\nlines = 1/0\n[route r]\npattern = 1\n",
		   "t.ini:3: [route r] trunk is required");
	load_fails("[did 1]\n", "t.ini:1: [did 1] extension is required");
	load_fails("[trunk op]\nkind = sip\nhost = x\nregister = yes\n",
		   "t.ini:4: [trunk op] register needs a username");
}

static void test_config_inst_error_references(void **state)
{
	(void)state;
	assert_int_equal(load_fails("[trunk t]\nlines = 1/0\n[route r]\n"
				    "pattern = 9X.\ntrunk = tt\n", "t.ini:5: "
				    "[route r] trunk: there is no [trunk tt]"),
			 -EINVAL);
	load_fails("[did 5551001]\nextension = 1009\n", "t.ini:2: [did "
		   "5551001] extension: there is no [extension 1009]");
	/* a route may name a trunk defined after it, a DID an extension */
	load_fails("[route r]\npattern = 9\ntrunk = t\n[did 5]\n"
		   "extension = 1\n[trunk t]\nlines = 1/0\n", "t.ini:5: [did "
		   "5] extension: there is no [extension 1]");
}

/* [tdm] spans in the repeat form: a big card in one short value, the last
 * span's lines usable by trunks, one span too many refused at its line */
static void test_config_tdm_spans_repeat(void **state)
{
	struct gw_config c;
	struct cfg_tdm_lines l;
	char why[256];

	(void)state;
	cfg_defaults(&c);
	load_ok(&c, "[tdm]\nspans = fxs:2,e1:30*63\n[trunk e1]\n"
		"lines = 1/0-1/29,63/0-63/29\n");
	assert_string_equal(c.tdm.spans, "fxs:2,e1:30*63");
	assert_int_equal(c.n_trunks, 1);
	assert_int_equal(cfg_parse_tdm_lines(c.trunk[0].lines, &l, NULL, 0), 0);
	assert_int_equal(l.r[1].span, 63);
	load_fails("[tdm]\nspans = fxs:2,e1:30*64\n", "t.ini:2: [tdm] spans: "
		   "\"fxs:2,e1:30*64\" is not a span layout such as "
		   "fxs:2,fxo:2,e1:30 or e1:30*40: spans 2-65: more than 64 "
		   "spans (64 e1 spans asked, room for 63)");
	load_fails("\n[tdm]\nspans = e1:30*0\n", "t.ini:3: [tdm] spans: "
		   "\"e1:30*0\" is not a span layout such as fxs:2,fxo:2,e1:30 "
		   "or e1:30*40: span 1: e1 repeated \"0\" times: give a count "
		   "of spans 1..64 after '*'");
	load_fails("[tdm]\nspans = e1:30*4\n[trunk t]\nlines = 4/0\n",
		   "t.ini:4: [trunk t] lines: the card has no span 4 ([tdm] "
		   "spans = e1:30*4)");
	load_fails("[tdm]\nspans = fxs:2,e1:30*63\n[trunk t]\n"
		   "lines = 63/0-63/30\n", "t.ini:4: [trunk t] lines: span 63 "
		   "has lines 0..29, not 30 ([tdm] spans = fxs:2,e1:30*63)");
	assert_int_equal(cfg_parse_tdm_lines("64/0", &l, why, sizeof(why)),
			 -ERANGE);
}

static void test_config_inst_error_lines(void **state)
{
	(void)state;
	assert_int_equal(load_fails("[extension 2001]\nkind = fxs\n"
				    "line = 0/0\n[extension 2002]\nkind = fxs\n"
				    "line = 0/0\n", "t.ini:6: [extension 2002] "
				    "line: 0/0 is also the line of [extension "
				    "2001]"), -EINVAL);
	load_fails("[extension 2001]\nkind = fxs\nline = 1/0\n", "t.ini:3: "
		   "[extension 2001] line: span 1 is an fxo span, not fxs "
		   "([tdm] spans = fxs:2,fxo:2,e1:30)");
	load_fails("[extension 2001]\nkind = fxs\nline = 0/2\n", "t.ini:3: "
		   "[extension 2001] line: span 0 has lines 0..1, not 2 ([tdm] "
		   "spans = fxs:2,fxo:2,e1:30)");
	load_fails("[extension 2001]\nkind = fxs\nline = 5/0\n", "t.ini:3: "
		   "[extension 2001] line: the card has no span 5 ([tdm] spans "
		   "= fxs:2,fxo:2,e1:30)");
	/* at the later of the line and [tdm] spans */
	load_fails("[extension 2001]\nkind = fxs\nline = 0/1\n[tdm]\n"
		   "spans = fxs:1,e1:30\n", "t.ini:5: [extension 2001] line: "
		   "span 0 has lines 0..0, not 1 ([tdm] spans = fxs:1,e1:30)");
	load_fails("[trunk t]\nlines = 0/0\n", "t.ini:2: [trunk t] lines: "
		   "span 0 is an fxs span, not fxo or e1 ([tdm] spans = "
		   "fxs:2,fxo:2,e1:30)");
	load_fails("[trunk t]\nlines = 2/0-2/30\n", "t.ini:2: [trunk t] "
		   "lines: span 2 has lines 0..29, not 30 ([tdm] spans = "
		   "fxs:2,fxo:2,e1:30)");
	load_fails("[trunk a]\nlines = 1/0-1/1\n[trunk b]\nlines = 2/0,1/1\n",
		   "t.ini:4: [trunk b] lines: 1/1 is also the line of [trunk "
		   "a]");
	load_fails("[trunk t]\nlines = 1/0-1/1, 1/1\n", "t.ini:2: [trunk t] "
		   "lines: \"1/0-1/1, 1/1\" is not a list of TDM lines: ranges "
		   "1/0-1/1 and 1/1 overlap");
}

static void test_config_inst_sip_extension_ignores_line(void **state)
{
	struct gw_config c;

	(void)state;
	/* only fxs extensions own lines; a sip one keeps what it was given */
	load_ok(&c, "[extension 2001]\nkind = fxs\nline = 0/0\n"
		"[extension 1001]\npassword = a\nline = 0/0\n"
		"[trunk t]\nkind = sip\nhost = h\nlines = 0/0\n");
	assert_string_equal(c.extension[1].line, "0/0");
}

/* @p n instances of @p kind, each with @p body (a "%u" is its index) */
static char *instances(const char *kind, unsigned int n, const char *body)
{
	size_t cap = (size_t)n * 128 + 1, len = 0;
	char *text = malloc(cap), head[64];
	unsigned int i;

	assert_non_null(text);
	text[0] = '\0';
	for (i = 0; i < n; i++) {
		snprintf(head, sizeof(head), "[%s %u]\n", kind, 1000 + i);
		len += (size_t)snprintf(text + len, cap - len, "%s", head);
		len += (size_t)snprintf(text + len, cap - len, body, i);
	}
	return text;
}

static void test_config_inst_limits(void **state)
{
	struct gw_config *c = malloc(sizeof(*c));
	struct cfg_err err;
	char *text, *all, msg[128];
	size_t len;

	(void)state;
	assert_non_null(c);
	text = instances("extension", CFG_MAX_EXTENSIONS, "password = p%u\n");
	load_ok(c, text);
	assert_int_equal(c->n_extensions, CFG_MAX_EXTENSIONS);
	assert_string_equal(c->extension[255].password, "p255");
	free(text);
	/* one more: an error at its header, line 2 * 256 + 1 */
	text = instances("extension", CFG_MAX_EXTENSIONS + 1, "password = p\n");
	assert_int_equal(cfg_load_string(c, "t.ini", text, &err), -EBADMSG);
	assert_string_equal(errstr(&err), "t.ini:513: [extension 1256]: too "
			    "many [extension] sections (at most 256)");
	free(text);
	text = instances("did", CFG_MAX_DIDS + 1, "extension = 1\n");
	load_fails(text, "t.ini:513: [did 1256]: too many [did] sections (at "
		   "most 256)");
	free(text);
	text = instances("route", CFG_MAX_ROUTES + 1, "pattern = 1\n");
	load_fails(text, "t.ini:129: [route 1064]: too many [route] sections "
		   "(at most 64)");
	free(text);
	text = instances("trunk", CFG_MAX_TRUNKS + 1, "kind = sip\n");
	load_fails(text, "t.ini:33: [trunk 1016]: too many [trunk] sections "
		   "(at most 16)");
	free(text);
	/* full, everywhere at once, and round trip */
	text = instances("trunk", CFG_MAX_TRUNKS, "kind = sip\nhost = h%u\n");
	all = malloc(strlen(text) + 400000);
	assert_non_null(all);
	strcpy(all, text);
	free(text);
	text = instances("extension", CFG_MAX_EXTENSIONS, "password = p%u\n");
	strcat(all, text);
	free(text);
	text = instances("route", CFG_MAX_ROUTES, "pattern = %u\ntrunk = "
			 "1000\n");
	strcat(all, text);
	free(text);
	text = instances("did", CFG_MAX_DIDS, "extension = 1000\n");
	strcat(all, text);
	free(text);
	load_ok(c, all);
	assert_int_equal(c->n_trunks, CFG_MAX_TRUNKS);
	assert_int_equal(c->n_routes, CFG_MAX_ROUTES);
	assert_int_equal(c->n_dids, CFG_MAX_DIDS);
	free(all);
	all = format_str(c, &len);
	assert_int_equal(cfg_load_string(c, "fmt", all, &err), 0);
	free(all);
	/* an instance's name may use all its room */
	snprintf(msg, sizeof(msg), "[trunk %031d]\nkind = sip\nhost = h\n", 7);
	load_ok(c, msg);
	assert_int_equal(strlen(c->trunk[0].name), CFG_NAME_SIZE - 1);
	free(c);
}

static void test_config_inst_round_trip(void **state)
{
	struct gw_config c, back;
	struct cfg_err err;
	char *text, *again;
	size_t len, len2;

	(void)state;
	load_ok(&c, provisioning);
	text = format_str(&c, &len);
	memset(&back, 0, sizeof(back));
	if (cfg_load_string(&back, "fmt", text, &err))
		fail_msg("%s\n%s", errstr(&err), text);
	assert_true(cfg_equal(&c, &back));
	again = format_str(&back, &len2);
	assert_string_equal(text, again);
	/* every key of an instance is written, empty ones too */
	assert_non_null(strstr(text, "\n[extension 2001]\nkind = fxs\n"
			       "password =\ndisplay =\nline = 0/1\n"));
	assert_non_null(strstr(text, "\n[trunk op.1]\nkind = sip\nlines =\n"
			       "host = sip.example.net:5080\n"));
	assert_non_null(strstr(text, "\n[route intl]\npattern = 00XXX\n"
			       "strip = 0\nprefix = 9\ntrunk = op.1\n"));
	assert_non_null(strstr(text, "\n[did 1001]\nextension = 1001\n"));
	/* instances come after the fixed sections, kinds in order */
	assert_true(strstr(text, "[billing]") < strstr(text, "[extension"));
	assert_true(strstr(text, "[extension 2001]") <
		    strstr(text, "[trunk pstn]"));
	free(text);
	free(again);
}

static void test_config_inst_sim_board_round_trip(void **state)
{
	struct gw_config c, back;
	struct cfg_err err;
	char *text;
	size_t len;

	(void)state;
	if (cfg_load_env(&c, NULL, &err))
		fail_msg("%s", errstr(&err));
	text = format_str(&c, &len);
	if (cfg_load_string(&back, "fmt", text, &err))
		fail_msg("%s", errstr(&err));
	assert_true(cfg_equal(&c, &back));
	free(text);
}

static void test_config_inst_equal_sees_each_change(void **state)
{
	struct gw_config a, b;

	(void)state;
	load_ok(&a, provisioning);
	b = a;
	assert_true(cfg_equal(&a, &b));
	b.extension[0].password[0] = 'S';
	assert_false(cfg_equal(&a, &b));
	b = a;
	b.trunk[1].register_ = false;
	assert_false(cfg_equal(&a, &b));
	b = a;
	b.route[0].strip = 2;
	assert_false(cfg_equal(&a, &b));
	b = a;
	b.did[1].number[0] = '2';
	assert_false(cfg_equal(&a, &b));
	b = a;
	b.n_dids--;
	assert_false(cfg_equal(&a, &b));
	/* order counts */
	b = a;
	b.route[0] = a.route[1];
	b.route[1] = a.route[0];
	assert_false(cfg_equal(&a, &b));
	/* what lies past the count, or past a string's end, does not */
	b = a;
	b.extension[5].kind = CFG_EXT_FXS;
	b.extension[0].display[20] = 'z';
	assert_true(cfg_equal(&a, &b));
}

static void test_config_inst_validate_without_files(void **state)
{
	struct gw_config c;
	struct cfg_err err;

	(void)state;
	cfg_defaults(&c);
	c.n_routes = 1;
	strcpy(c.route[0].name, "r");
	strcpy(c.route[0].pattern, "9");
	strcpy(c.route[0].trunk, "t");
	assert_int_equal(cfg_validate(&c, &err), -EINVAL);
	assert_string_equal(errstr(&err), "[route r] trunk: there is no "
			    "[trunk t]");
	assert_int_equal(err.line, 0);
	c.n_trunks = 1;
	strcpy(c.trunk[0].name, "t");
	c.trunk[0].kind = CFG_TRUNK_SIP;
	assert_int_equal(cfg_validate(&c, &err), -EINVAL);
	assert_string_equal(errstr(&err), "[trunk t] host is required (kind = "
			    "sip)");
	strcpy(c.trunk[0].host, "h");
	assert_int_equal(cfg_validate(&c, &err), 0);
	/* a kind no file could set is no match for a required key's kind */
	c.trunk[0].kind = (enum cfg_trunk_kind)7;
	assert_int_equal(cfg_validate(&c, &err), 0);
}

static void test_config_inst_failure_leaves_struct_as_is(void **state)
{
	struct gw_config c, before;
	struct cfg_err err;

	(void)state;
	load_ok(&c, provisioning);
	before = c;
	assert_int_equal(cfg_load_string(&c, "t.ini", "[extension 3001]\n"
					 "password = x\n[did 9]\nextension = "
					 "3002\n", &err), -EINVAL);
	assert_memory_equal(&c, &before, sizeof(c));
}

static void test_config_inst_defaults_file_documents_kinds(void **state)
{
	const char *keys[] = {
		"; [extension NUMBER]\n", "; kind: sip: a SIP phone",
		"; password: ", "; display: ", "; line: ",
		"; [trunk NAME]\n", "; lines: ", "; host: ", "; username: ",
		"; register: ", "; allow_ips: ",
		"; [route NAME]\n", "; pattern: ", "; strip: ", "; prefix: ",
		"; trunk: ", "; [did NUMBER]\n", "; extension: ",
		"Required when kind = sip.", "Type: integer 0..31. Default: 0.",
	};
	char *file, *ex, *p, *end, *out;
	struct gw_config c;
	size_t len, i;

	(void)state;
	file = read_all(CFG_DEFAULTS_PATH, &len);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strstr(file, keys[i]))
			fail_msg("%s: no \"%s\"", CFG_DEFAULTS_PATH, keys[i]);
	/* the examples, uncommented, make a configuration that loads */
	ex = calloc(1, len + 1);
	assert_non_null(ex);
	out = ex;
	for (p = file; (p = strstr(p, "; Example:\n;\n")); p = end) {
		p += strlen("; Example:\n;\n");
		end = strstr(p, "\n\n");
		if (!end)
			end = p + strlen(p);
		for (; p < end; p++) {
			if (*p == ';' && (p == file || p[-1] == '\n'))
				p += p[1] == ' ' ? 1 : 0;
			else
				*out++ = *p;
		}
		*out++ = '\n';
	}
	load_ok(&c, ex);
	assert_int_equal(c.n_extensions, 2);
	assert_int_equal(c.n_trunks, 2);
	assert_int_equal(c.n_routes, 1);
	assert_int_equal(c.n_dids, 1);
	free(ex);
	free(file);
}

static void test_config_parse_tdm_lines_edges(void **state)
{
	const char *p = "is not a list of TDM lines: ";
	struct cfg_tdm_lines l;
	unsigned int span = 9, line = 9;
	char why[160], msg[200], list[256];
	int i, n;

	(void)state;
	assert_int_equal(cfg_parse_tdm_lines(" 2/0-2/29 ,1/1, 63/31", &l, why,
					     sizeof(why)), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.r[0].span, 2);
	assert_int_equal(l.r[0].first, 0);
	assert_int_equal(l.r[0].last, 29);
	assert_int_equal(l.r[1].span, 1);
	assert_int_equal(l.r[1].first, 1);
	assert_int_equal(l.r[1].last, 1);
	assert_int_equal(l.r[2].span, 63);
	assert_int_equal(l.r[2].last, 31);
#define LINES_BAD(s, rc, detail)					\
	do {								\
		assert_int_equal(cfg_parse_tdm_lines(s, &l, why,	\
						     sizeof(why)), rc);	\
		snprintf(msg, sizeof(msg), "%s%s", p, detail);		\
		assert_string_equal(why, msg);				\
	} while (0)
	LINES_BAD("", -EINVAL, "empty item");
	LINES_BAD("1/0,", -EINVAL, "empty item");
	LINES_BAD("1", -EINVAL, "item \"1\" is not SPAN/LINE or a range "
		  "SPAN/LINE-SPAN/LINE");
	LINES_BAD("1/", -EINVAL, "item \"1/\" is not SPAN/LINE or a range "
		  "SPAN/LINE-SPAN/LINE");
	LINES_BAD("1/0-5", -EINVAL, "item \"1/0-5\" is not SPAN/LINE or a "
		  "range SPAN/LINE-SPAN/LINE");
	LINES_BAD("1/0 1/1", -EINVAL, "item \"1/0 1/1\" is not SPAN/LINE or "
		  "a range SPAN/LINE-SPAN/LINE");
	LINES_BAD("64/0", -ERANGE, "span 64 is out of range 0..63");
	LINES_BAD("63/0-63/32", -ERANGE, "line 32 is out of range 0..31");
	LINES_BAD("1/0-1/99999999999999999999", -ERANGE, "line "
		  "99999999999999999999 is out of range 0..31");
	LINES_BAD("1/3-1/2", -EINVAL, "range \"1/3-1/2\" is backwards");
	LINES_BAD("1/0-2/0", -EINVAL, "range \"1/0-2/0\" crosses spans (a "
		  "range stays in one span, as 2/0-2/29)");
	LINES_BAD("1/0-1/5,1/5-1/6", -EINVAL, "ranges 1/0-1/5 and 1/5-1/6 "
		  "overlap");
	/* at most CFG_TDM_RANGES_MAX ranges */
	for (i = 0, n = 0; i < CFG_TDM_RANGES_MAX; i++)
		n += sprintf(list + n, "%s3/%d", i ? "," : "", i);
	assert_int_equal(cfg_parse_tdm_lines(list, &l, NULL, 0), 0);
	assert_int_equal(l.n, CFG_TDM_RANGES_MAX);
	strcat(list, ",4/0");
	LINES_BAD(list, -E2BIG, "more than 32 ranges");
#undef LINES_BAD
	assert_int_equal(cfg_parse_tdm_line("7/31", &span, &line, why,
					    sizeof(why)), 0);
	assert_int_equal(span, 7);
	assert_int_equal(line, 31);
	assert_int_equal(cfg_parse_tdm_line("007/01", &span, &line, NULL, 0),
			 0);
	assert_int_equal(span, 7);
	assert_int_equal(line, 1);
	assert_int_equal(cfg_parse_tdm_line("0/0-0/1", &span, &line, why,
					    sizeof(why)), -EINVAL);
	assert_string_equal(why, "is not a TDM line SPAN/LINE (such as 0/1)");
	assert_int_equal(cfg_parse_tdm_line(" 0/1", &span, &line, NULL, 0),
			 -EINVAL);
	assert_int_equal(cfg_parse_tdm_line("", &span, &line, NULL, 0),
			 -EINVAL);
	assert_int_equal(cfg_parse_tdm_line("0/32", &span, &line, why,
					    sizeof(why)), -ERANGE);
	assert_string_equal(why, "is not a TDM line: line 32 is out of range "
			    "0..31");
	assert_int_equal(span, 7);	/* untouched on error */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_defaults_have_table_values),
		cmocka_unit_test(test_config_defaults_pass_validation),
		cmocka_unit_test(test_config_defaults_file_is_writer_output),
		cmocka_unit_test(test_config_defaults_file_loads_to_defaults),
		cmocka_unit_test(test_config_defaults_file_documents_every_key),
		cmocka_unit_test(test_config_sim_board_file_loads),
		cmocka_unit_test(test_config_sim_board_provisioning),
		cmocka_unit_test(test_config_load_sets_typed_values),
		cmocka_unit_test(test_config_load_later_file_overrides),
		cmocka_unit_test(test_config_load_zero_files_gives_defaults),
		cmocka_unit_test(test_config_load_empty_value_means_none),
		cmocka_unit_test(test_config_load_bom_crlf_repeated_section),
		cmocka_unit_test(test_config_load_buf_without_nul),
		cmocka_unit_test(test_config_load_failure_leaves_struct_as_is),
		cmocka_unit_test(test_config_load_ignores_caller_ini_switches),
		cmocka_unit_test(test_config_error_unknown_section),
		cmocka_unit_test(test_config_error_unknown_key),
		cmocka_unit_test(test_config_error_bad_value),
		cmocka_unit_test(test_config_error_empty_value),
		cmocka_unit_test(test_config_error_key_set_twice),
		cmocka_unit_test(test_config_error_syntax),
		cmocka_unit_test(test_config_error_overlong_line),
		cmocka_unit_test(test_config_error_nul_byte),
		cmocka_unit_test(test_config_error_missing_or_unreadable_file),
		cmocka_unit_test(test_config_error_across_keys),
		cmocka_unit_test(test_config_error_across_files_at_later_line),
		cmocka_unit_test(test_config_err_str_formats),
		cmocka_unit_test(test_config_error_reason_has_no_control_chars),
		cmocka_unit_test(test_config_format_round_trip),
		cmocka_unit_test(test_config_format_round_trip_of_defaults),
		cmocka_unit_test(test_config_every_key_gets_and_sets_back),
		cmocka_unit_test(test_config_equal_sees_each_change),
		cmocka_unit_test(test_config_cpus_format_fits_a_line),
		cmocka_unit_test_setup_teardown(
			test_config_env_loads_defaults_then_board,
			unset_env, unset_env),
		cmocka_unit_test_setup_teardown(
			test_config_env_gw_config_replaces_the_list,
			unset_env, unset_env),
		cmocka_unit_test_setup_teardown(
			test_config_env_gw_board_picks_the_board_file,
			unset_env, unset_env),
		cmocka_unit_test_setup_teardown(
			test_config_env_board_name_must_match,
			unset_env, unset_env),
		cmocka_unit_test(test_config_parse_int_edges),
		cmocka_unit_test(test_config_parse_pow2_edges),
		cmocka_unit_test(test_config_parse_bool_edges),
		cmocka_unit_test(test_config_parse_cpus_edges),
		cmocka_unit_test(test_config_parse_ports_edges),
		cmocka_unit_test(test_config_parse_ipv4_edges),
		cmocka_unit_test(test_config_parse_prefix_edges),
		cmocka_unit_test(test_config_parse_mac_edges),
		cmocka_unit_test(test_config_parse_enum_and_string_edges),
		cmocka_unit_test(test_config_set_and_get_refuse_unknown_keys),
		cmocka_unit_test(test_config_sip_defaults),
		cmocka_unit_test(test_config_sip_codecs),
		cmocka_unit_test(test_config_sip_ports_across_keys),
		cmocka_unit_test(test_config_inst_load_sets_fields),
		cmocka_unit_test(
			test_config_inst_same_name_selects_same_instance),
		cmocka_unit_test(test_config_inst_later_file_overrides),
		cmocka_unit_test(test_config_inst_error_header),
		cmocka_unit_test(test_config_inst_error_keys),
		cmocka_unit_test(test_config_inst_error_values),
		cmocka_unit_test(test_config_inst_error_required),
		cmocka_unit_test(test_config_inst_error_references),
		cmocka_unit_test(test_config_inst_error_lines),
		cmocka_unit_test(test_config_tdm_spans_repeat),
		cmocka_unit_test(test_config_inst_sip_extension_ignores_line),
		cmocka_unit_test(test_config_inst_limits),
		cmocka_unit_test(test_config_inst_round_trip),
		cmocka_unit_test_setup_teardown(
			test_config_inst_sim_board_round_trip,
			unset_env, unset_env),
		cmocka_unit_test(test_config_inst_equal_sees_each_change),
		cmocka_unit_test(test_config_inst_validate_without_files),
		cmocka_unit_test(test_config_inst_failure_leaves_struct_as_is),
		cmocka_unit_test(
			test_config_inst_defaults_file_documents_kinds),
		cmocka_unit_test(test_config_parse_tdm_lines_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
