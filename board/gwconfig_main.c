// SPDX-License-Identifier: MIT
/** @file gwconfig_main.c  gwconfig: check, show and document the configuration
 *
 *   gwconfig check [FILE...]   load; print "ok", or FILE:LINE: reason
 *   gwconfig show [FILE...]    print the effective configuration as INI
 *   gwconfig defaults          print the documented defaults file
 *
 * With no FILE, the files every program reads (cfg_load_env(): $GW_CONFIG,
 * or the defaults file and the board file); with FILEs, those files over
 * the built-in defaults. Exit status: 0 ok, 1 configuration (or output)
 * error, 2 usage.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "board/config.h"

enum { EXIT_OK, EXIT_CONFIG, EXIT_USAGE };

static void usage(FILE *f)
{
	fputs("usage: gwconfig check [FILE...]   check the configuration\n"
	      "       gwconfig show [FILE...]    print the effective "
	      "configuration\n"
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
	else
		cfg_format(&c, stdout);
	return output_done();
}
