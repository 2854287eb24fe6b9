// SPDX-License-Identifier: MIT
/** @file rtpart_main.c  rtpart: the RT partition process
 *
 * Started by the dispatcher, which passes the bus in GW_BUS (see bus.h).
 * Usage: rtpart [--config FILE]   (FILE: local overrides, after the board's)
 * Runs until SIGTERM or SIGINT. Exit status: 0 after a clean stop, 1 when the
 * configuration, the bus or the executive cannot be set up.
 */
#define LOG_MODULE "rtpart"
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "board/config.h"
#include "board/rtpart.h"
#include "rtos-kernel/log.h"
#include "sharednet/bus.h"

static int usage(void)
{
	fprintf(stderr, "usage: rtpart [--config FILE]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static struct gw_config cfg;
	const char *local = NULL;
	struct rtpart *rp = NULL;
	struct bus *bus = NULL;
	struct cfg_err cerr;
	char err[256];
	sigset_t sigs;
	int sig, rc = 1;

	if (argc == 3 && !strcmp(argv[1], "--config"))
		local = argv[2];
	else if (argc != 1)
		return usage();
	log_prefix_set("rtpart");
	if (cfg_load_env(&cfg, local, &cerr)) {
		LOG_ERR("config: %s", cfg_err_str(&cerr, err, sizeof(err)));
		return 1;
	}
	log_level_set(NULL, cfg.log.level);
	if (bus_attach_env(&bus, BUS_SIDE_RT, err, sizeof(err))) {
		LOG_ERR("bus: %s", err);
		return 1;
	}
	/* the tasks inherit this mask: signals go to the main thread only */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if (rtpart_init(&rp, &cfg, bus))
		goto out;
	log_queue_start();
	if (rtpart_start(rp))
		goto out_log;
	sigwait(&sigs, &sig);
	LOG_INFO("stopping on signal %d", sig);
	rtpart_stop(rp);
	rc = 0;
 out_log:
	log_queue_stop();
 out:
	rtpart_free(rp);
	bus_detach(bus);
	return rc;
}
