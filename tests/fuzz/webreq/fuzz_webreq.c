// SPDX-License-Identifier: MIT
/** @file fuzz_webreq.c  Fuzz the web UI's request bodies
 *  (linux-side/web/webreq.h, webcfg.h)
 *
 * The input is the body of an API request. It is parsed as the API
 * parses it (one JSON object), then applied as each kind of request that
 * changes the configuration: a login, a new extension, a change to a
 * route, a change to the network section. Whatever a request's checks
 * accept must give a configuration that passes cfg_validate() and that,
 * written out, reads back the same: nothing a request sends can make a
 * file the processes would refuse or read differently.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linux-side/web/webcfg.h"
#include "linux-side/web/webreq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char provisioning[] =
	"[tdm]\ncard = vtdm\nspans = fxs:2,fxo:2,e1:30\n"
	"[extension 1001]\npassword = pw1001\n"
	"[extension 2001]\nkind = fxs\nline = 0/0\n"
	"[trunk pstn]\nkind = tdm\nlines = 1/0-1/1\n"
	"[route out]\npattern = 0X.\nstrip = 1\ntrunk = pstn\n"
	"[did 5551001]\nextension = 1001\n";

static struct gw_config *base, *c, *back;

/* an accepted configuration must validate and read back the same */
static void check(void)
{
	struct cfg_err err;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	if (cfg_validate(c, &err))
		return;		/* refused: nothing would be written */
	f = open_memstream(&text, &len);
	if (!f || cfg_format(c, f))
		abort();
	fclose(f);
	if (cfg_load_buf(back, "fuzz", text, len, &err) || !cfg_equal(back, c))
		abort();
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const login[] = { "username", "password", NULL };
	static const char *const net[] = { "address", "gateway", "mac", "mtu",
					   NULL };
	struct webreq_err e;
	struct cfg_err err;
	char user[32], pass[130];
	json_t *o;

	if (!base) {
		base = malloc(sizeof(*base));
		c = malloc(sizeof(*c));
		back = malloc(sizeof(*back));
		if (cfg_load_string(base, "base", provisioning, &err))
			abort();
	}
	o = webreq_parse((const char *)data, size, &e);
	if (!o)
		return 0;
	if (!webreq_only(o, login, &e) &&
	    !webreq_string(o, "username", true, user, sizeof(user), &e) &&
	    !webreq_string(o, "password", true, pass, sizeof(pass), &e) &&
	    (strlen(user) >= sizeof(user) || strlen(pass) >= sizeof(pass)))
		abort();
	*c = *base;
	if (!webcfg_inst_apply(c, "extension", NULL, o, true, &e))
		check();
	*c = *base;
	if (!webcfg_inst_apply(c, "route", "out", o, false, &e))
		check();
	*c = *base;
	if (!webcfg_inst_apply(c, "trunk", NULL, o, true, &e))
		check();
	*c = *base;
	if (!webcfg_fixed_apply(c, "net", o, net, &e))
		check();
	json_decref(o);
	return 0;
}
