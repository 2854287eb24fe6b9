// SPDX-License-Identifier: MIT
/** @file gwconfig_main.c  gwconfig: check, show and document the configuration
 *
 *   gwconfig check [FILE...]   load; print "ok", or FILE:LINE: reason
 *   gwconfig show [--secrets] [FILE...]
 *                              print the effective configuration as INI;
 *                              passwords and tokens as HIDDEN unless
 *                              --secrets
 *   gwconfig defaults          print the documented defaults file
 *
 * With no FILE, the files every program reads (cfg_load_env(): $GW_CONFIG,
 * or the defaults file and the board file); with FILEs, those files over
 * the built-in defaults. Exit status: 0 ok, 1 configuration (or output)
 * error, 2 usage.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "board/config.h"

enum { EXIT_OK, EXIT_CONFIG, EXIT_USAGE };

#define HIDDEN "********"

/* Overwrite the @p len characters at @p at with HIDDEN (a secret within
 * a longer string @p s of @p size bytes). */
static void hide_span(char *s, size_t size, char *at, size_t len)
{
	char rest[CFG_BILLING_PATH];

	snprintf(rest, sizeof(rest), "%s", at + len);
	snprintf(at, size - (size_t)(at - s), "%s%s", HIDDEN, rest);
}

static void hide(char *s, size_t size)
{
	if (*s)
		snprintf(s, size, "%s", HIDDEN);
}

/* The password in a PostgreSQL connection string of [billing] store:
 * postgresql://user:PASSWORD@host/db, or pg:... password=PASSWORD ... */
static void hide_store_password(char *s, size_t size)
{
	char *p = strstr(s, "://"), *at, *colon;

	if (p) {
		at = strchr(p + 3, '@');
		colon = at ? memchr(p + 3, ':', (size_t)(at - p - 3)) : NULL;
		if (colon)
			hide_span(s, size, colon + 1, (size_t)(at - colon - 1));
		return;
	}
	p = strstr(s, "password=");
	if (p)
		hide_span(s, size, p + 9, strcspn(p + 9, " "));
}

/* What `show` prints for a person: every secret replaced by HIDDEN (the
 * output still loads, with those values) */
static void hide_secrets(struct gw_config *c)
{
	for (unsigned i = 0; i < c->n_extensions; i++)
		hide(c->extension[i].password,
		     sizeof(c->extension[i].password));
	for (unsigned i = 0; i < c->n_trunks; i++)
		hide(c->trunk[i].password, sizeof(c->trunk[i].password));
	hide(c->billing.http_token, sizeof(c->billing.http_token));
	hide(c->web.cdr_token, sizeof(c->web.cdr_token));
	hide(c->web.metrics_token, sizeof(c->web.metrics_token));
	hide_store_password(c->billing.store, sizeof(c->billing.store));
}

static void usage(FILE *f)
{
	fputs("usage: gwconfig check [FILE...]   check the configuration\n"
	      "       gwconfig show [--secrets] [FILE...]\n"
	      "                                  print the effective "
	      "configuration (passwords\n"
	      "                                  hidden unless --secrets)\n"
	      "       gwconfig defaults          print the documented "
	      "defaults file\n"
	      "With no FILE: $" CFG_ENV_FILES " (files separated by ':'), or "
	      CFG_DEFAULTS_PATH "\nand the board file " CFG_BOARD_DIR
	      "/<name>/" CFG_BOARD_FILE " (<name>: $" CFG_ENV_BOARD
	      " or [board] name).\n"
	      "Exit status: 0 ok, 1 configuration error, 2 usage.\n", f);
}

static int output_done(void)
{
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "gwconfig: cannot write output: %s\n",
			strerror(errno ? errno : EIO));
		return EXIT_CONFIG;
	}
	return EXIT_OK;
}

static int load(struct gw_config *c, int nfiles, char **files)
{
	struct cfg_err err;
	char msg[sizeof(err.file) + sizeof(err.reason) + 16];
	int rc;

	if (nfiles)
		rc = cfg_load(c, (const char *const *)files, (size_t)nfiles,
			      &err);
	else
		rc = cfg_load_env(c, NULL, &err);
	if (rc) {
		fprintf(stderr, "%s\n", cfg_err_str(&err, msg, sizeof(msg)));
		return EXIT_CONFIG;
	}
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	struct gw_config c;
	const char *cmd;
	bool secrets = false;
	int i, rc;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "help") || !strcmp(cmd, "-h") ||
	    !strcmp(cmd, "--help")) {
		usage(stdout);
		return output_done();
	}
	if (argc > 2 && !strcmp(cmd, "show") && !strcmp(argv[2], "--secrets")) {
		secrets = true;
		argv++;
		argc--;
	}
	for (i = 2; i < argc; i++) {
		if (argv[i][0] == '-') {
			fprintf(stderr, "gwconfig: unknown option %s\n",
				argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!strcmp(cmd, "defaults")) {
		if (argc != 2) {
			usage(stderr);
			return EXIT_USAGE;
		}
		cfg_write_defaults(stdout);
		return output_done();
	}
	if (strcmp(cmd, "check") && strcmp(cmd, "show")) {
		fprintf(stderr, "gwconfig: unknown command %s\n", cmd);
		usage(stderr);
		return EXIT_USAGE;
	}
	rc = load(&c, argc - 2, argv + 2);
	if (rc)
		return rc;
	if (!strcmp(cmd, "check"))
		puts("ok");
	else {
		if (!secrets)
			hide_secrets(&c);
		cfg_format(&c, stdout);
	}
	return output_done();
}
