// SPDX-License-Identifier: MIT
/** @file cdr_main.c  cdr: read the CDRs the billing server holds
 *
 * Usage:
 *   cdr list [FILTERS] [--format table|csv|json] [--no-header]
 *   cdr show ID
 * where the CDRs come from (the first that is given):
 *   --store SPEC       the store itself: sqlite:PATH, postgresql://...,
 *                      pg:KEY=VALUE... (billing/store.h)
 *   --url http://HOST:PORT   the server's HTTP interface (billing/bhttp.h),
 *                      with --token TOKEN or $BILLING_TOKEN when it needs one
 *   --config FILE      else [billing] store of the configuration (the files
 *                      every program reads, then FILE)
 * FILTERS (billing/cdrq.h): --since T --until T --caller N --callee N
 *   --disposition D[,D...] --gateway NAME --limit N --offset N
 *   Times: "2026-11-21", "2026-11-21 14:05[:30]", "@SECONDS", "now",
 *   "-2h", "-7d" (UTC).
 * Examples:
 *   cdr list --since -1d --disposition busy,"no answer"
 *   cdr list --since 2026-11-01 --until 2026-12-01 --format csv > nov.csv
 *   cdr list --url http://198.18.0.30:8575 --caller '1001*' --format json
 * Exit status: 0 done; 1 the store or server failed (reason on stderr);
 * 2 bad usage.
 */
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "billing/bhttp.h"
#include "billing/cdrq.h"
#include "billing/store.h"
#include "board/config.h"
#include "rtos-kernel/rtk.h"

#define HTTP_TIMEOUT_S	60
#define MAX_ARGS	16

static const char usage[] =
	"usage: cdr list [--store SPEC | --url http://HOST:PORT [--token T] |"
	" --config FILE]\n"
	"                [--since T] [--until T] [--caller N] [--callee N]\n"
	"                [--disposition D[,D..]] [--gateway NAME] [--limit N]"
	" [--offset N]\n"
	"                [--format table|csv|json] [--no-header]\n"
	"       cdr show ID [--store SPEC | --url URL | --config FILE]\n"
	"times: YYYY-MM-DD[ HH:MM[:SS]] (UTC), @SECONDS, now, -Ns -Nm -Nh -Nd;"
	"\nnumbers: exact, or a prefix and * ('0044*')\n";

struct opts {
	const char *cmd, *id, *store, *url, *token, *config;
	const char *keys[MAX_ARGS], *vals[MAX_ARGS];
	int n;
	struct cdrq q;
};

static int parse_args(int argc, char **argv, struct opts *o)
{
	char why[256];
	int i = 2;

	if (argc < 2)
		return -EINVAL;
	o->cmd = argv[1];
	if (!strcmp(o->cmd, "show")) {
		if (argc < 3)
			return -EINVAL;
		o->id = argv[2];
		i = 3;
	} else if (strcmp(o->cmd, "list")) {
		return -EINVAL;
	}
	cdrq_init(&o->q);
	for (; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--no-header")) {
			o->q.header = false;
			o->keys[o->n] = "header";
			o->vals[o->n++] = "0";
			continue;
		}
		if (strncmp(a, "--", 2) || !v) {
			fprintf(stderr, "cdr: %s: %s\n", a, v ? "unexpected" :
				"needs a value");
			return -EINVAL;
		}
		i++;
		if (!strcmp(a, "--store")) {
			o->store = v;
		} else if (!strcmp(a, "--url")) {
			o->url = v;
		} else if (!strcmp(a, "--token")) {
			o->token = v;
		} else if (!strcmp(a, "--config")) {
			o->config = v;
		} else if (o->id || o->n == MAX_ARGS) {
			fprintf(stderr, "cdr: %s: not here\n", a);
			return -EINVAL;
		} else if (cdrq_set(&o->q, a + 2, v, rtk_wall_us(), why,
				    sizeof(why))) {
			fprintf(stderr, "cdr: %s\n", why);
			return -EINVAL;
		} else {
			o->keys[o->n] = a + 2;
			o->vals[o->n++] = v;
		}
	}
	return 0;
}

/* percent-encode @p s into @p out (RFC 3986 unreserved characters kept) */
static void url_enc(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c))
			fputc(c, out);
		else
			fprintf(out, "%%%02X", c);
	}
}

static int http_connect(const char *url, char *host, size_t hostlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	struct timeval tv = { .tv_sec = HTTP_TIMEOUT_S };
	const char *p = url, *colon;
	char port[8];
	size_t n;
	int fd, err;

	if (strncmp(p, "http://", 7)) {
		fprintf(stderr, "cdr: --url %s: not http://HOST:PORT\n", url);
		return -EINVAL;
	}
	p += 7;
	n = strcspn(p, "/");
	colon = memchr(p, ':', n);
	if (!colon || colon == p || (size_t)(colon - p) >= hostlen ||
	    (size_t)(p + n - colon - 1) >= sizeof(port) || p + n == colon + 1) {
		fprintf(stderr, "cdr: --url %s: not http://HOST:PORT\n", url);
		return -EINVAL;
	}
	memcpy(host, p, (size_t)(colon - p));
	host[colon - p] = '\0';
	memcpy(port, colon + 1, (size_t)(p + n - colon - 1));
	port[p + n - colon - 1] = '\0';
	err = getaddrinfo(host, port, &hints, &ai);
	if (err) {
		fprintf(stderr, "cdr: %s: %s\n", host, gai_strerror(err));
		return -EHOSTUNREACH;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen)) {
		err = -errno;
		fprintf(stderr, "cdr: connect %s:%s: %s\n", host, port,
			strerror(-err));
		freeaddrinfo(ai);
		if (fd >= 0)
			close(fd);
		return err;
	}
	freeaddrinfo(ai);
	return fd;
}

/* GET the query from the server; the body goes to stdout on 200 */
static int run_http(const struct opts *o)
{
	char host[256], *req = NULL, *resp = NULL, buf[65536], *body;
	const char *token = o->token ? o->token : getenv("BILLING_TOKEN");
	size_t reqlen = 0, resplen = 0;
	FILE *r = open_memstream(&req, &reqlen), *a;
	unsigned status = 0;
	ssize_t n;
	int fd = http_connect(o->url, host, sizeof(host)), err = 0;

	if (fd < 0 || !r) {
		if (r)
			fclose(r);
		free(req);
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (o->id) {
		fputs("GET /cdrs/", r);
		url_enc(r, o->id);
	} else {
		fputs("GET /cdrs?format=", r);
		fputs(o->q.format == CDRQ_JSON ? "json" : o->q.format ==
		      CDRQ_CSV ? "csv" : "table", r);
		for (int i = 0; i < o->n; i++) {
			if (!strcmp(o->keys[i], "format"))
				continue;
			fprintf(r, "&%s=", o->keys[i]);
			url_enc(r, o->vals[i]);
		}
		if (!o->q.f.limit)
			fprintf(r, "&limit=%d", BHTTP_MAX_LIMIT);
	}
	fprintf(r, " HTTP/1.0\r\nHost: %s\r\nUser-Agent: cdr\r\n", host);
	if (token && *token)
		fprintf(r, "Authorization: Bearer %s\r\n", token);
	fputs("\r\n", r);
	fclose(r);
	for (size_t off = 0; off < reqlen && !err; off += (size_t)n) {
		n = send(fd, req + off, reqlen - off, MSG_NOSIGNAL);
		if (n <= 0)
			err = -errno;
	}
	free(req);
	a = open_memstream(&resp, &resplen);
	while (!err && a && (n = recv(fd, buf, sizeof(buf), 0)) != 0) {
		if (n < 0)
			err = -errno;
		else
			fwrite(buf, 1, (size_t)n, a);
	}
	close(fd);
	if (a)
		fclose(a);
	if (err || !resp) {
		fprintf(stderr, "cdr: %s: %s\n", o->url,
			strerror(err ? -err : ENOMEM));
		free(resp);
		return 1;
	}
	body = strstr(resp, "\r\n\r\n");
	if (sscanf(resp, "HTTP/1.%*u %u", &status) != 1 || !body) {
		fprintf(stderr, "cdr: %s: not an HTTP answer\n", o->url);
		free(resp);
		return 1;
	}
	body[2] = '\0';		/* the headers end here */
	if (status == 200 && !o->q.f.limit && strcasestr(resp, "\nX-CDR-More: 1"))
		fprintf(stderr, "cdr: the server gave its first %d CDRs only: "
			"add --limit %d --offset %d for the next ones\n",
			BHTTP_MAX_LIMIT, BHTTP_MAX_LIMIT, BHTTP_MAX_LIMIT);
	body += 4;
	if (status != 200) {
		json_t *j = json_loads(body, 0, NULL);
		const char *m = json_string_value(json_object_get(j,
								  "message"));

		fprintf(stderr, "cdr: server: %u %s\n", status, m ? m : body);
		json_decref(j);
		free(resp);
		return 1;
	}
	fwrite(body, 1, resplen - (size_t)(body - resp), stdout);
	free(resp);
	return fflush(stdout) ? 1 : 0;
}

static int run_store(const struct opts *o, const char *spec)
{
	char why[512] = "";
	struct store *st;
	struct cdrq_out out;
	struct cdr c;
	int err;

	/* reading must not create an empty database by a typing error */
	if (!strncmp(spec, "sqlite:", 7) && access(spec + 7, R_OK)) {
		fprintf(stderr, "cdr: %s: %s\n", spec + 7, strerror(errno));
		return 1;
	}
	err = store_open(&st, spec, why, sizeof(why));
	if (err) {
		fprintf(stderr, "cdr: store: %s\n", why);
		return 1;
	}
	if (o->id) {
		err = store_get(st, o->id, &c, why, sizeof(why));
		if (!err) {
			json_t *j = cdrq_jobj(&c);

			json_dumpf(j, stdout, JSON_INDENT(1) |
				   JSON_REAL_PRECISION(6));
			fputc('\n', stdout);
			json_decref(j);
		} else if (err == -ENOENT || err == -EINVAL) {
			snprintf(why, sizeof(why), "%s: %s", o->id, err ==
				 -EINVAL ? "not a CDR id" : "no such CDR");
		}
	} else {
		cdrq_out_begin(&out, stdout, &o->q);
		err = store_query(st, &o->q.f, cdrq_out_row, &out, why,
				  sizeof(why));
		if (!err)
			err = cdrq_out_end(&out);
	}
	store_close(st);
	if (err) {
		fprintf(stderr, "cdr: %s\n", why[0] ? why : strerror(-err));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct gw_config cfg;
	struct opts o;
	struct cfg_err cerr;
	char err[300];

	memset(&o, 0, sizeof(o));
	if (argc == 2 && (!strcmp(argv[1], "-h") ||
			  !strcmp(argv[1], "--help"))) {
		fputs(usage, stdout);
		return 0;
	}
	if (parse_args(argc, argv, &o)) {
		fputs(usage, stderr);
		return 2;
	}
	if (o.store)
		return run_store(&o, o.store);
	if (o.url)
		return run_http(&o);
	if (cfg_load_env(&cfg, o.config, &cerr)) {
		fprintf(stderr, "cdr: config: %s\n",
			cfg_err_str(&cerr, err, sizeof(err)));
		return 1;
	}
	return run_store(&o, cfg.billing.store);
}
