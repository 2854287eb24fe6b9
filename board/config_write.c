// SPDX-License-Identifier: MIT
/** @file config_write.c  Writing the configuration: cfg_format() and the
 * documented defaults file
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/config.h"
#include "board/config_priv.h"

#define WRAP		78	/* columns of the defaults file */

/* Write @p text as ';' comment lines wrapped at WRAP columns; a '\n' in it
 * starts a new line. */
void cfg_put_comment(FILE *f, const char *text)
{
	const char *p = text;
	size_t col = 0, wl;

	while (*p) {
		if (*p == '\n') {
			fputs(col ? "\n" : ";\n", f);
			col = 0;
			p++;
			continue;
		}
		wl = strcspn(p, " \n");
		if (col && col + 1 + wl > WRAP) {
			fputc('\n', f);
			col = 0;
		}
		if (!col) {
			fputc(';', f);
			col = 1;
		}
		fprintf(f, " %.*s", (int)wl, p);
		col += 1 + wl;
		p += wl;
		while (*p == ' ')
			p++;
	}
	if (col)
		fputc('\n', f);
}

/* Write "key = value" of key @p k of the struct at @p base */
int cfg_put_pair(FILE *f, const struct cfg_key *k, const void *base)
{
	char v[CFG_MAX_LINE + 1];
	int rc;

	rc = cfg_key_format(k, base, v, sizeof(v));
	if (rc)
		return rc;
	fprintf(f, *v ? "%s = %s\n" : "%s =%s\n", k->name, v);
	return 0;
}

static int finish(FILE *f)
{
	if (fflush(f) || ferror(f))
		return errno ? -errno : -EIO;
	return 0;
}

/**
 * Write the effective configuration @p c as INI: every key of every
 * section, then every instance of the repeated sections with all its keys,
 * which cfg_load() reads back to an equal configuration.
 * @return 0, or a negative errno from writing
 */
int cfg_format(const struct gw_config *c, FILE *f)
{
	size_t s, i;
	int rc;

	if (!c || !f)
		return -EINVAL;
	for (s = 0; s < cfg_nsections; s++) {
		fprintf(f, "%s[%s]\n", s ? "\n" : "", cfg_sections[s].name);
		for (i = 0; i < cfg_nkeys; i++) {
			if (strcmp(cfg_keys[i].section, cfg_sections[s].name))
				continue;
			rc = cfg_put_pair(f, &cfg_keys[i], c);
			if (rc)
				return rc;
		}
	}
	rc = cfg_inst_format(c, f);
	if (rc)
		return rc;
	return finish(f);
}

static const char defaults_intro[] =
	"Gateway configuration: the appliance defaults.\n"
	"\n"
	"This file sets every key the appliance reads, each with its "
	"documentation and its default value. It is the output of "
	"`gwconfig defaults`, made from the key table in "
	"board/config_keys.h, and a test checks that the two agree: change "
	"the table, then regenerate this file.\n"
	"\n"
	"Files are read in order, each overriding the ones before: this "
	"file, the board file board/<name>/board.ini ([board] name below, "
	"or $GW_BOARD), then a local file if the program is given one. "
	"$GW_CONFIG, a colon-separated list of files, replaces the first "
	"two. An unknown section or key, a bad value, a key set twice in "
	"one file, or a file that cannot be read stops the program with the "
	"file, the line and the reason.\n"
	"\n"
	"Syntax: [section] lines, key = value lines, and comment lines "
	"starting with ';' or '#'. A value runs to the end of its line: no "
	"quotes, no comment after it, no continuation line. Lines hold at "
	"most 4096 characters.\n"
	"\n"
	"After the sections below, which every configuration has once, come "
	"repeated sections, the PBX's phones, trunks and dial plan: a header "
	"[KIND NAME] such as [extension 1001] makes an instance of its kind, "
	"or selects it again. Their kinds and keys are described at the end "
	"of this file; the defaults have none.\n";

_Static_assert(CFG_MAX_LINE == 4096, "update defaults_intro");

/**
 * Write the documented defaults file: every section and key with its
 * documentation, type and default. rootfs/etc/gateway/gateway.ini is this
 * output, byte for byte.
 * @return 0, or a negative errno from writing
 */
int cfg_write_defaults(FILE *f)
{
	struct gw_config *c;
	char desc[200], type[210];
	size_t s, i;
	int rc = 0;

	if (!f)
		return -EINVAL;
	c = malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	cfg_defaults(c);
	fputs("; SPDX-License-Identifier: MIT\n", f);
	cfg_put_comment(f, defaults_intro);
	for (s = 0; s < cfg_nsections && !rc; s++) {
		fputc('\n', f);
		cfg_put_comment(f, cfg_sections[s].doc);
		fprintf(f, "[%s]\n", cfg_sections[s].name);
		for (i = 0; i < cfg_nkeys && !rc; i++) {
			const struct cfg_key *k = &cfg_keys[i];

			if (strcmp(k->section, cfg_sections[s].name))
				continue;
			fputc('\n', f);
			cfg_put_comment(f, k->doc);
			cfg_describe(k, desc, sizeof(desc));
			snprintf(type, sizeof(type), "Type: %s.", desc);
			cfg_put_comment(f, type);
			rc = cfg_put_pair(f, k, c);
		}
	}
	free(c);
	if (rc)
		return rc;
	cfg_inst_write_docs(f);
	return finish(f);
}
