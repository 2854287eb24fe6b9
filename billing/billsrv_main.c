// SPDX-License-Identifier: MIT
/** @file billsrv_main.c  billsrv: the billing server
 *
 *   billsrv [--config FILE] [--set KEY=VALUE]... [--ready-file PATH]
 *
 * Runs on the billing host (the lab's billing namespace, 198.18.0.30):
 * takes CDRs from the gateways' billing clients over the delivery protocol
 * (billing/bproto.h), rates and stores each once (billing/bsrv.h), and
 * answers queries over HTTP (billing/bhttp.h). Settings: the [billing]
 * keys from listen on (rootfs/etc/gateway/gateway.ini), from the usual
 * configuration files; --set changes one [billing] key (repeatable), e.g.
 * --set store=sqlite:/tmp/cdr.db --set listen=127.0.0.1:0.
 *
 * --ready-file: once listening, write "port=N http_port=M" there (the
 * ports actually bound, so that tests may ask for port 0).
 *
 * Signals: SIGTERM/SIGINT stop (a request being stored is finished and
 * acknowledged first); SIGHUP reloads the tariff file. Exit status 0 after
 * a stop, 1 when it cannot start (the reason on stderr), 2 for bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_MODULE "billsrv"
#include "billing/bsrv.h"
#include "board/config.h"
#include "rtos-kernel/log.h"

static int usage(void)
{
	fprintf(stderr, "usage: billsrv [--config FILE] [--set KEY=VALUE]... "
		"[--ready-file PATH]\n");
	return 2;
}

/* the SQLite file's directory, made if missing (as a package would) */
static void sqlite_dir(const char *store)
{
	char path[4096], *dir, *p;

	if (strncmp(store, "sqlite:", 7))
		return;
	snprintf(path, sizeof(path), "%s", store + 7);
	dir = dirname(path);
	for (p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(dir, 0750);
		*p = '/';
	}
	mkdir(dir, 0750);
}

static int write_ready(const char *path, const struct bsrv *s)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fprintf(f, "port=%u http_port=%u\n", bsrv_port(s), bsrv_http_port(s));
	if (fclose(f) || rename(tmp, path))
		return -errno;
	return 0;
}

static int load(struct gw_config *cfg, int argc, char **argv,
		const char **ready)
{
	const char *local = NULL;
	struct cfg_err cerr;
	char buf[300];
	int i;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--config"))
			local = argv[i + 1];
		else if (!strcmp(argv[i], "--ready-file"))
			*ready = argv[i + 1];
		else if (strcmp(argv[i], "--set"))
			return usage();
	}
	if (i != argc)
		return usage();
	if (cfg_load_env(cfg, local, &cerr)) {
		LOG_ERR("config: %s", cfg_err_str(&cerr, buf, sizeof(buf)));
		return 1;
	}
	for (i = 1; i + 1 < argc; i += 2) {
		char *eq;

		if (strcmp(argv[i], "--set"))
			continue;
		snprintf(buf, sizeof(buf), "%s", argv[i + 1]);
		eq = strchr(buf, '=');
		if (!eq)
			return usage();
		*eq = '\0';
		if (cfg_set(cfg, "billing", buf, eq + 1, &cerr)) {
			LOG_ERR("--set %s: %s", argv[i + 1], cerr.reason);
			return 1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct gw_config cfg;
	const char *ready = NULL;
	struct bsrv_cfg bc;
	struct bsrv *s;
	sigset_t sigs;
	char why[512];
	int rc, sfd;

	log_prefix_set("billsrv");
	rc = load(&cfg, argc, argv, &ready);
	if (rc)
		return rc;
	log_level_set(NULL, cfg.log.level);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);	/* threads inherit it */
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	bc = (struct bsrv_cfg){
		.listen = cfg.billing.listen, .store = cfg.billing.store,
		.tariffs = cfg.billing.tariffs,
		.http_listen = cfg.billing.http_listen,
		.http_token = cfg.billing.http_token,
		.server_cert = cfg.billing.server_cert,
		.server_key = cfg.billing.server_key,
		.client_ca = cfg.billing.client_ca,
		.max_clients = cfg.billing.max_clients,
	};
	sqlite_dir(bc.store);
	if (bsrv_start(&s, &bc, why, sizeof(why))) {
		LOG_ERR("%s", why);
		return 1;
	}
	if (ready && write_ready(ready, s))
		LOG_ERR("ready file %s: %s", ready, strerror(errno));
	for (;;) {
		struct signalfd_siginfo si;

		if (read(sfd, &si, sizeof(si)) != sizeof(si)) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (si.ssi_signo != SIGHUP)
			break;
		if (bsrv_reload(s, why, sizeof(why)))
			LOG_ERR("tariffs not reloaded: %s", why);
		else
			LOG_INFO("tariffs reloaded");
	}
	LOG_INFO("stopping");
	bsrv_stop(s);
	return 0;
}
