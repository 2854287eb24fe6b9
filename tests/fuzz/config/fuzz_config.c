// SPDX-License-Identifier: MIT
/** @file fuzz_config.c  Fuzz target: configuration files and values
 *
 * The input goes through cfg_load_buf() as an INI file, and, cut at its
 * first NUL or newline, through every value parser, every key's cfg_set(),
 * every key of each repeated section ([extension 1] key = value) and each
 * kind's instance name ([trunk value]). Beyond "no crash", it checks the
 * round trips: a configuration that loads must pass cfg_validate() and
 * format (cfg_format) to text that loads back equal, instances included,
 * and a value that a key accepts must read back equal from cfg_get().
 * libFuzzer entry point; tests/fuzz/replay_driver.c supplies main() for
 * the ASan replay build.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_VALUE 8192

static void check(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_config: %s\n", what);
		abort();
	}
}

static void fuzz_tdm_lines(const char *v)
{
	struct cfg_tdm_lines l;
	unsigned int i, j, span, line;
	char why[200];

	if (!cfg_parse_tdm_line(v, &span, &line, why, sizeof(why)))
		check(span < CFG_TDM_SPANS_MAX && line < CFG_TDM_LINES_MAX,
		      "tdm line out of range");
	if (cfg_parse_tdm_lines(v, &l, why, sizeof(why)))
		return;
	check(l.n >= 1 && l.n <= CFG_TDM_RANGES_MAX, "tdm ranges count");
	for (i = 0; i < l.n; i++) {
		check(l.r[i].span < CFG_TDM_SPANS_MAX &&
		      l.r[i].first <= l.r[i].last &&
		      l.r[i].last < CFG_TDM_LINES_MAX, "tdm range");
		for (j = 0; j < i; j++)
			check(l.r[i].span != l.r[j].span ||
			      l.r[i].last < l.r[j].first ||
			      l.r[j].last < l.r[i].first, "tdm overlap");
	}
}

static void fuzz_parsers(const char *v)
{
	struct cfg_prefix pfx;
	struct cfg_ports ports;
	struct in_addr a;
	cpu_set_t set;
	uint8_t mac[6];
	char why[200], out[CFG_MAX_LINE + 1];
	long x;
	bool b;

	cfg_parse_int(v, -1000, 1000, &x, why, sizeof(why));
	cfg_parse_bool(v, &b, why, sizeof(why));
	if (!cfg_parse_cpus(v, &set, why, sizeof(why)))
		check(!cfg_format_cpus(&set, out, sizeof(out)), "cpus format");
	if (!cfg_parse_ports(v, &ports, why, sizeof(why))) {
		check(!cfg_format_ports(&ports, out, sizeof(out)),
		      "ports format");
		check(ports.n >= 1 && ports.n <= CFG_PORT_RANGES_MAX,
		      "ports count");
		check(cfg_ports_contain(&ports, ports.r[0].lo), "contain");
	}
	cfg_parse_ipv4(v, &a, why, sizeof(why));
	cfg_parse_prefix(v, &pfx, why, sizeof(why));
	cfg_parse_mac(v, mac, why, sizeof(why));
	fuzz_tdm_lines(v);
}

/* A configuration that passes its checks must load back from its text. */
static void round_trip(const struct gw_config *c)
{
	struct gw_config back;
	struct cfg_err err;
	char msg[600], *text = NULL;
	size_t len = 0;
	FILE *f;

	if (cfg_validate(c, &err))
		return;	/* cfg_set() makes any value, checked or not */
	f = open_memstream(&text, &len);
	check(f != NULL, "open_memstream");
	check(cfg_format(c, f) == 0, "cfg_format failed");
	fclose(f);
	if (cfg_load_string(&back, "formatted", text, &err)) {
		fprintf(stderr, "%s\n%s\n", cfg_err_str(&err, msg, sizeof(msg)),
			text);
		check(false, "formatted configuration does not load");
	}
	check(cfg_equal(c, &back), "formatted configuration loads different");
	free(text);
}

static void fuzz_keys(const char *v)
{
	struct gw_config c, d;
	struct cfg_err err;
	char out[CFG_MAX_LINE + 1], again[CFG_MAX_LINE + 1];
	const char *name, *sec;
	size_t i;

	cfg_defaults(&c);
	for (i = 0; (name = cfg_key_name(i, &sec)); i++) {
		if (cfg_set(&c, sec, name, v, &err))
			continue;
		check(!cfg_get(&c, sec, name, out, sizeof(out)), "cfg_get");
		cfg_defaults(&d);
		check(!cfg_set(&d, sec, name, out, &err),
		      "cfg_get's text is refused by cfg_set");
		check(!cfg_get(&d, sec, name, again, sizeof(again)) &&
		      !strcmp(out, again), "value reads back different");
		round_trip(&d);
	}
	cfg_validate(&c, &err);
}

static void fuzz_file(const uint8_t *data, size_t size)
{
	static struct gw_config c;
	struct cfg_err err;
	char msg[600];

	if (cfg_load_buf(&c, "fuzz", data, size, &err)) {
		cfg_err_str(&err, msg, sizeof(msg));
		check(err.reason[0] != '\0', "an error without a reason");
		return;
	}
	check(!cfg_validate(&c, &err), "a loaded configuration fails "
	      "cfg_validate()");
	round_trip(&c);
}

/* Instances every kind's keys can refer to, then one more key */
static const char base_instances[] =
	"[extension 1]\npassword = p\n"
	"[trunk t]\nlines = 1/0\n"
	"[route r]\npattern = 1\ntrunk = t\n"
	"[did 1]\nextension = 1\n";

static const char *const inst_keys[] = {
	"extension 1", "kind", "extension 1", "password",
	"extension 1", "display", "extension 1", "line",
	"trunk t", "kind", "trunk t", "lines", "trunk t", "host",
	"trunk t", "username", "trunk t", "password", "trunk t", "register",
	"trunk t", "allow_ips",
	"route r", "pattern", "route r", "strip", "route r", "prefix",
	"route r", "trunk", "did 1", "extension",
	NULL
};

/* Each kind, with the keys an instance of it needs */
static const char *const inst_kinds[] = {
	"extension", "password = p\n", "trunk", "kind = sip\nhost = h\n",
	"route", "pattern = 1\ntrunk = t\n", "did", "extension = 1\n",
	NULL
};

static void load_text(const char *text)
{
	fuzz_file((const uint8_t *)text, strlen(text));
}

/* Value @p v for each key of the repeated sections, and as each kind's
 * instance name; the instances then loaded, when they load, round trip. */
static void fuzz_instances(const char *v)
{
	size_t i, cap = sizeof(base_instances) + 2 * strlen(v) + 256;
	char *text = malloc(cap);

	if (!text)
		return;
	for (i = 0; inst_keys[i]; i += 2) {
		snprintf(text, cap, "%s[%s]\n%s = %s\n", base_instances,
			 inst_keys[i], inst_keys[i + 1], v);
		load_text(text);
	}
	for (i = 0; inst_kinds[i]; i += 2) {
		snprintf(text, cap, "%s[%s %s]\n%s", base_instances,
			 inst_kinds[i], v, inst_kinds[i + 1]);
		load_text(text);
		snprintf(text, cap, "%s[%s %s]\n", base_instances,
			 inst_kinds[i], v);
		load_text(text);
	}
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *v;
	size_t n;

	fuzz_file(data, size);
	/* one value: what a line would hand to a key */
	for (n = 0; n < size && n < MAX_VALUE && data[n] && data[n] != '\n';)
		n++;
	v = malloc(n + 1);
	if (!v)
		return 0;
	memcpy(v, data, n);
	v[n] = '\0';
	fuzz_parsers(v);
	fuzz_keys(v);
	fuzz_instances(v);
	free(v);
	return 0;
}
