// SPDX-License-Identifier: MIT
/** @file sipd_main.c  sipd: the SIP engine of the Linux partition
 *
 * A small PBX on Sofia-SIP's nua: registrar for the SIP extensions, a
 * back-to-back user agent between SIP phones, analog phones (FXS) and
 * trunks, with each call's media in one channel of the RT partition
 * (opened over channel 4 of the proxy bus). It listens on [sip] port (UDP
 * and TCP) of the shared address, and on tls_port with TLS when set.
 * Finished calls become call records in the billing spool's incoming/
 * directory ([billing] spool_dir), which billingd takes them from.
 *
 * Usage: sipd [--config FILE]   (started by the dispatcher: GW_BUS)
 *
 * Its control socket, <run dir>/sipd.sock (board/ctl.h's protocol: one
 * request line, one reply), for gwctl, the web UI and billing tools:
 *   status         one JSON object: counters, the calls up (a call's "id"
 *                  is also its RT channel's: live media figures are on the
 *                  RT status page) and the registered contacts
 *   events [SINCE] the call events after number SINCE (start, answer,
 *                  end with disposition, cause and media figures):
 *                  {"next":N, "missed":M, "events":[...]}; ask again with
 *                  SINCE = next
 *   hangup ID      end call ID: "ok" or "error: ..."
 *   reload         read the configuration files again and apply the
 *                  extensions, trunks, routes, DIDs and call settings
 *                  (ports, TLS, the address and the spool need a restart):
 *                  "ok: ..." or "error: FILE:LINE: reason"; SIGHUP too
 * Exit status 1: configuration, bus or SIP transport cannot be set up.
 */
#define LOG_MODULE "sipd"
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sofia-sip/su_log.h>
#include <sofia-sip/tport_tag.h>

#include "billing/spool.h"
#include "board/ctl.h"
#include "rtos-kernel/log.h"
#include "sharednet/ring.h"
#include "signalling/pbx_priv.h"
#include "signalling/recsync.h"

#define STATUS_SOCKET	"sipd.sock"
#define STATUS_CALLS	32	/* calls listed in a status reply */
#define STATUS_REGS	256	/* registrations listed */
#define STATUS_EVENTS	64	/* call events in one reply */
#define MSGS_PER_WAKE	256
#define SHUTDOWN_MS	2000	/* calls and transactions end within */

/* exported by libsofia-sip-ua, without a header */
extern su_log_t nta_log[], nua_log[];

static struct {
	const char *local;	/* --config */
	int status_fd;
	su_wait_t status_wait, up_wait;
	struct ring *up;
	uint64_t malformed;	/* SIP messages nta refused as garbage */
	uint64_t up_bad;	/* channel 4 records that fail msg_check */
} sd = { .status_fd = -1 };

/* --- malformed SIP: nta says so in its log ------------------------------------ */

static void nta_logger(void *arg, char const *fmt, va_list ap)
{
	char line[512];

	(void)arg;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (strstr(line, "received garbage") || strstr(line, "sanity check") ||
	    strstr(line, "invalid Via")) {
		sd.malformed++;
		LOG_DBG("malformed SIP: %s", line);
	}
}

/* the other components' messages (transport errors, stray ACKs): ours, at
 * debug level, rather than on stderr */
static void sofia_logger(void *arg, char const *fmt, va_list ap)
{
	char line[512];
	size_t n;

	(void)arg;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\t'))
		line[--n] = '\0';
	if (n)
		LOG_DBG("sofia: %s", line);
}

/* --- channel 4, RT -> Linux --------------------------------------------------- */

static void drain_up(void)
{
	uint8_t rec[MSG_SIZE];
	struct gwmsg m;

	for (int i = 0; i < MSGS_PER_WAKE; i++) {
		ssize_t n = bus_linux_recv(pbx.bus, BUS_CH_MSG_UP, rec,
					   sizeof(rec));

		if (n == -EAGAIN)
			return;
		if (n < 0 || msg_check(rec, (size_t)n, &m)) {
			sd.up_bad++;
			continue;
		}
		pbx_msg_up(&m);
	}
}

static int up_ready(su_root_magic_t *magic, su_wait_t *w,
		    su_wakeup_arg_t *arg)
{
	(void)magic;
	(void)w;
	(void)arg;
	for (;;) {
		ring_sleep_done(sd.up);
		drain_up();
		if (ring_sleep_prepare(sd.up))
			return 0;	/* asleep: the next record wakes us */
	}
}

/* --- status ------------------------------------------------------------------- */

static const char *const state_names[] = {
	[CALL_COLLECTING] = "dialling", [CALL_PROCEEDING] = "proceeding",
	[CALL_RINGING] = "ringing", [CALL_ANSWERED] = "answered",
	[CALL_CLOSING] = "closing",
};

static json_t *leg_json(const struct leg *l)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "kind", l->party.kind,
			 "name", l->party.name, "number", l->number,
			 "codec", l->type == LEG_SIP && l->have_sdp ?
			 codec_info(l->codec)->name : "");
}

static json_t *counters_json(const struct recsync_stats *rsync)
{
	const struct {
		const char *name;
		uint64_t n;
	} k[] = {
		{ "calls", pbx.st.calls },
		{ "answered", pbx.st.answered },
		{ "calls_refused", pbx.st.calls_refused },
		{ "data_calls", pbx.st.data_calls },
		{ "data_reoffers_failed", pbx.st.data_reoffers_failed },
		{ "t38_calls", pbx.st.t38_calls },
		{ "t38_refused", pbx.st.t38_refused },
		{ "t38_offers_refused", pbx.st.t38_offers_refused },
		{ "keepalives_sent", pbx.st.keepalives_sent },
		{ "keepalives_unanswered", pbx.st.keepalives_unanswered },
		{ "registers", pbx.st.registers },
		{ "auth_challenges", pbx.st.auth_challenges },
		{ "auth_failures", pbx.st.auth_failures },
		{ "auth_blocked", pbx.st.auth_blocked },
		{ "bad_requests", pbx.st.bad_requests },
		{ "malformed", sd.malformed },
		{ "bus_errors", pbx.st.bus_errors },
		{ "records_failed", pbx.st.records_failed },
		{ "records_sync_failed", rsync->failed },
		{ "bad_up_messages", sd.up_bad },
	};
	json_t *o = json_object();

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		json_object_set_new(o, k[i].name,
				    json_integer((json_int_t)k[i].n));
	return o;
}

static json_t *status_json(void)
{
	static struct loc_entry regs[STATUS_REGS];
	json_t *calls = json_array(), *reg = json_array();
	size_t nreg = loc_list(pbx.loc, now_s(), regs, STATUS_REGS);
	struct recsync_stats rsync;
	unsigned up = 0;

	recsync_stats_get(&rsync);
	for (unsigned i = 0; i < pbx.ncalls; i++) {
		const struct call *c = &pbx.call[i];

		if (!c->used)
			continue;
		if (++up > STATUS_CALLS)
			continue;
		json_array_append_new(calls, json_pack(
			"{s:i, s:s, s:s, s:b, s:o, s:o, s:I, s:I}", "id",
			c->id, "record", c->rec_id,
			"state", state_names[c->state], "data", c->data,
			"from", leg_json(&c->a), "to", leg_json(&c->b),
			"start_us", (json_int_t)c->start_us,
			"answer_us", (json_int_t)c->answer_us));
	}
	for (size_t i = 0; i < nreg; i++)
		for (unsigned k = 0; k < regs[i].n; k++)
			json_array_append_new(reg, json_pack(
				"{s:s, s:s, s:s, s:I, s:i, s:I}", "extension",
				regs[i].number, "contact", regs[i].c[k].uri,
				"received", regs[i].c[k].received,
				"expires_in_s", (json_int_t)
				(regs[i].c[k].expires_s - now_s()),
				"keepalive_status", regs[i].c[k].ka_status,
				"keepalive_rtt_ms",
				(json_int_t)regs[i].c[k].ka_rtt_ms));
	return json_pack("{s:i, s:i, s:o, s:I, s:o, s:o, s:o}",
			 "calls_up", up, "calls_max", pbx.ncalls, "calls", calls,
			 "registered", (json_int_t)loc_count(pbx.loc, now_s()),
			 "registrations", reg, "trunks", sip_trunks_json(),
			 "counters", counters_json(&rsync));
}

/* "hangup ID": end a call as if its parties had hung up */
static int do_hangup(const char *arg, char *reply, size_t len)
{
	char *end;
	unsigned long id = strtoul(arg, &end, 10);
	struct call *c = *arg && !*end && id <= UINT32_MAX ?
			 call_by_id((uint32_t)id) : NULL;

	if (!c || c->state == CALL_CLOSING)
		return snprintf(reply, len, "error: no call %s up", arg);
	LOG_INFO("call %u: hung up by request", c->id);
	call_end(c, CALLREC_CANCELLED, 487, "Hung Up by Administrator");
	return snprintf(reply, len, "ok");
}

/* RFC 4028: [sip] session_timer, at least Min-SE; 0: off */
static unsigned session_interval(const struct gw_config *cfg)
{
	unsigned s = (unsigned)cfg->sip.session_timer;

	return s && s < PBX_MIN_SE ? PBX_MIN_SE : s;
}

/* responses to where each request came from ([sip] force_rport: 2, rport
 * asked for or not), or as its Via asks (1) */
static int server_rport(const struct gw_config *cfg)
{
	return cfg->sip.force_rport ? 2 : 1;
}

/* "reload": the provisioning and call settings from the configuration
 * files again; what sockets and the spool hang on needs a restart */
static int do_reload(char *reply, size_t len)
{
	static struct gw_config next;
	struct gw_config *cur = pbx.cfg;
	struct sdpx_prefs prefs;
	struct cfg_err cerr;
	char why[300];

	if (cfg_load_env(&next, sd.local, &cerr))
		return snprintf(reply, len, "error: %s",
				cfg_err_str(&cerr, why, sizeof(why)));
	if (next.sip.port != cur->sip.port ||
	    next.sip.tls_port != cur->sip.tls_port ||
	    strcmp(next.sip.tls_cert_dir, cur->sip.tls_cert_dir) ||
	    next.sip.rtp_port_min != cur->sip.rtp_port_min ||
	    next.sip.rtp_port_max != cur->sip.rtp_port_max ||
	    next.net.address.addr.s_addr != cur->net.address.addr.s_addr ||
	    strcmp(next.billing.spool_dir, cur->billing.spool_dir))
		return snprintf(reply, len, "error: [sip] ports, TLS, the "
				"address or the spool changed: restart sipd "
				"to apply them");
	if (sdpx_prefs_parse(next.sip.codecs, &prefs))
		return snprintf(reply, len, "error: [sip] codecs: none usable");
	*cur = next;	/* calls hold no pointer into the configuration */
	pbx.prefs = prefs;
	snprintf(pbx.auth.realm, sizeof(pbx.auth.realm), "%s",
		 cur->sip.realm);
	pbx.auth.fail_limit = (unsigned)cur->sip.auth_fail_limit;
	pbx.auth.fail_window_s = (unsigned)cur->sip.auth_fail_window_s;
	pbx.auth.block_s = (unsigned)cur->sip.auth_block_s;
	nua_set_params(pbx.nua, NUTAG_SESSION_TIMER(session_interval(cur)),
		       NTATAG_SERVER_RPORT(server_rport(cur)), TAG_END());
	sip_trunks_register();	/* trunks new in the file */
	LOG_INFO("reloaded: %u extensions, %u trunks, %u routes, %u DIDs",
		 cur->n_extensions, cur->n_trunks, cur->n_routes, cur->n_dids);
	return snprintf(reply, len, "ok: %u extensions, %u trunks, %u routes, "
			"%u DIDs", cur->n_extensions, cur->n_trunks,
			cur->n_routes, cur->n_dids);
}

static void reply_json(int conn, json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6));

	json_decref(j);
	ctl_reply(conn, text && strlen(text) < CTL_MAX_REPLY ? text :
		  "error: reply too long", -1);
	free(text);
}

static int status_request(su_root_magic_t *magic, su_wait_t *w,
			  su_wakeup_arg_t *arg)
{
	char req[CTL_MAX_REQ], reply[512];
	int conn = accept4(sd.status_fd, NULL, NULL, SOCK_CLOEXEC);

	(void)magic;
	(void)w;
	(void)arg;
	if (conn < 0)
		return 0;
	if (ctl_recv_request(conn, req, sizeof(req)) < 0)
		snprintf(reply, sizeof(reply), "error: request too long");
	else if (!strcmp(req, "status")) {
		reply_json(conn, status_json());
		goto out;
	} else if (!strncmp(req, "events", 6) &&
		   (!req[6] || req[6] == ' ')) {
		reply_json(conn, pbx_events_since(strtoull(req + 6, NULL, 10),
						  STATUS_EVENTS));
		goto out;
	} else if (!strncmp(req, "hangup ", 7))
		do_hangup(req + 7, reply, sizeof(reply));
	else if (!strcmp(req, "reload"))
		do_reload(reply, sizeof(reply));
	else
		snprintf(reply, sizeof(reply), "error: requests: status, "
			 "events [SINCE], hangup ID, reload");
	ctl_reply(conn, reply, -1);
 out:
	close(conn);
	return 0;
}

static int status_open(const char *run_dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", run_dir, STATUS_SOCKET);
	unlink(path);
	sd.status_fd = ctl_listen(path);
	if (sd.status_fd < 0) {
		LOG_ERR("%s: %s", path, strerror(-sd.status_fd));
		return sd.status_fd;
	}
	su_wait_create(&sd.status_wait, sd.status_fd, SU_WAIT_ACCEPT);
	return su_root_register(pbx.root, &sd.status_wait, status_request,
				NULL, 0) < 0 ? -EIO : 0;
}

/* --- set-up ------------------------------------------------------------------- */

static int pbx_setup(struct gw_config *cfg)
{
	unsigned pairs = (unsigned)(cfg->sip.rtp_port_max -
				    cfg->sip.rtp_port_min + 1) / 2;
	char ip[INET_ADDRSTRLEN];
	int err;

	pbx.cfg = cfg;
	pbx.sip_ip = cfg->net.address.addr.s_addr;
	inet_ntop(AF_INET, &pbx.sip_ip, ip, sizeof(ip));
	pbx.port_used = calloc(pairs ? pairs : 1, 1);
	if (!pbx.port_used || calls_init((unsigned)cfg->media.max_channels))
		return -ENOMEM;
	if (sdpx_prefs_parse(cfg->sip.codecs, &pbx.prefs)) {
		LOG_ERR("[sip] codecs: no codec we have in \"%s\"",
			cfg->sip.codecs);
		return -EINVAL;
	}
	err = digest_init(&pbx.auth, cfg->sip.realm[0] ? cfg->sip.realm : ip,
			  (unsigned)cfg->sip.auth_fail_limit,
			  (unsigned)cfg->sip.auth_fail_window_s,
			  (unsigned)cfg->sip.auth_block_s);
	if (err)
		return err;
	err = loc_create(&pbx.loc, CFG_MAX_EXTENSIONS);
	if (err)
		return err;
	snprintf(pbx.records_dir, sizeof(pbx.records_dir), "%s/incoming",
		 cfg->billing.spool_dir);
	err = spool_mkdirs(pbx.records_dir);
	if (!err)
		err = recsync_start(pbx.records_dir);
	if (err) {
		LOG_ERR("[billing] spool_dir: %s: %s", pbx.records_dir,
			strerror(-err));
		return err;
	}
	return 0;
}

static int nua_start(const struct gw_config *cfg)
{
	char url[64], sips[64], ip[INET_ADDRSTRLEN];
	bool tls = cfg->sip.tls_port && cfg->sip.tls_cert_dir[0];

	inet_ntop(AF_INET, &pbx.sip_ip, ip, sizeof(ip));
	snprintf(url, sizeof(url), "sip:%s:%d", ip, cfg->sip.port);
	snprintf(sips, sizeof(sips), "sips:%s:%d;transport=tls", ip,
		 cfg->sip.tls_port);
	pbx.nua = nua_create(pbx.root, pbx_sip_event, NULL,
			     NUTAG_URL(url),
			     TAG_IF(tls, NUTAG_SIPS_URL(sips)),
			     TAG_IF(tls, TPTAG_CERTIFICATE(
					    cfg->sip.tls_cert_dir)),
			     NUTAG_APPL_METHOD("REGISTER"),
			     NUTAG_APPL_METHOD("INFO"),
			     NUTAG_ALLOW("REGISTER"), NUTAG_ALLOW("INFO"),
			     NUTAG_MEDIA_ENABLE(0),
			     NUTAG_AUTOALERT(0), NUTAG_AUTOANSWER(0),
			     NUTAG_ENABLEMESSAGE(0),
			     NUTAG_SESSION_TIMER(session_interval(cfg)),
			     NUTAG_MIN_SE(PBX_MIN_SE),
			     NUTAG_SESSION_REFRESHER(nua_any_refresher),
			     NTATAG_SERVER_RPORT(server_rport(cfg)),
			     TPTAG_TOS(cfg->sip.dscp << 2),
			     SIPTAG_USER_AGENT_STR("gateway-sipd"),
			     TAG_END());
	if (!pbx.nua) {
		LOG_ERR("cannot listen on %s%s%s: %s", url, tls ? " and " : "",
			tls ? sips : "", strerror(errno));
		return -EADDRNOTAVAIL;
	}
	LOG_INFO("listening on %s%s%s; realm \"%s\"; %u extensions, %u "
		 "trunks, %u routes, %u DIDs", url, tls ? " and " : "",
		 tls ? sips : "", pbx.auth.realm, cfg->n_extensions,
		 cfg->n_trunks, cfg->n_routes, cfg->n_dids);
	return 0;
}

static int on_signal(su_root_magic_t *magic, su_wait_t *w,
		     su_wakeup_arg_t *arg)
{
	struct signalfd_siginfo si;

	(void)magic;
	(void)arg;
	if (read(w->fd, &si, sizeof(si)) <= 0)
		return 0;
	if (si.ssi_signo == SIGHUP) {
		char reply[512];

		do_reload(reply, sizeof(reply));
		if (strncmp(reply, "ok", 2))
			LOG_ERR("SIGHUP: %s", reply);
		return 0;
	}
	if (!pbx.stopping) {
		LOG_INFO("signal %u: stopping", si.ssi_signo);
		pbx.stopping = true;
		su_root_break(pbx.root);
	}
	return 0;
}

static int signals_open(void)
{
	static su_wait_t wait;
	sigset_t sigs;
	int fd;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return -errno;
	su_wait_create(&wait, fd, SU_WAIT_IN);
	return su_root_register(pbx.root, &wait, on_signal, NULL, 0) < 0 ?
	       -EIO : 0;
}

static void shutdown_timeout(su_root_magic_t *m, su_timer_t *t,
			     su_timer_arg_t *arg)
{
	(void)m;
	(void)t;
	(void)arg;
	LOG_WARN("SIP transactions still open after %d ms: stopping anyway",
		 SHUTDOWN_MS);
	su_root_break(pbx.root);
}

int main(int argc, char **argv)
{
	static struct gw_config cfg;
	const char *local = NULL, *run_dir;
	struct cfg_err cerr;
	su_timer_t *stop;
	char err[300];
	int rc = 1;

	if (argc == 3 && !strcmp(argv[1], "--config"))
		sd.local = local = argv[2];
	else if (argc != 1) {
		fprintf(stderr, "usage: sipd [--config FILE]\n");
		return 2;
	}
	log_prefix_set("sipd");
	if (cfg_load_env(&cfg, local, &cerr)) {
		LOG_ERR("config: %s", cfg_err_str(&cerr, err, sizeof(err)));
		return 1;
	}
	log_level_set(NULL, cfg.log.level);
	run_dir = getenv("GW_RUN_DIR") ? getenv("GW_RUN_DIR") :
		  cfg.board.run_dir;
	if (bus_attach_env(&pbx.bus, BUS_SIDE_LINUX, err, sizeof(err))) {
		LOG_ERR("bus: %s", err);
		return 1;
	}
	sd.up = bus_ring(pbx.bus, BUS_CH_MSG_UP);
	if (pbx_setup(&cfg))
		return 1;
	su_init();
	su_log_redirect(nta_log, nta_logger, NULL);
	su_log_set_level(nta_log, 5);
	su_log_redirect(nua_log, sofia_logger, NULL);
	su_log_redirect(NULL, sofia_logger, NULL);	/* tport and others */
	pbx.root = su_root_create(NULL);
	if (!pbx.root || status_open(run_dir))
		goto out;
	su_wait_create(&sd.up_wait, bus_event_fd(pbx.bus, BUS_CH_MSG_UP),
		       SU_WAIT_IN);
	if (su_root_register(pbx.root, &sd.up_wait, up_ready, NULL, 0) < 0)
		goto out;
	if (signals_open() || nua_start(&cfg) || rt_watch_start() ||
	    keepalive_start())
		goto out;
	up_ready(NULL, NULL, NULL);
	sip_trunks_register();
	su_root_run(pbx.root);
	rc = 0;
	LOG_INFO("stopping: %llu calls, %llu answered",
		 (unsigned long long)pbx.st.calls,
		 (unsigned long long)pbx.st.answered);
	rt_watch_stop();
	keepalive_stop();
	call_end_all(SHUTDOWN_MS / 2, drain_up);
	recsync_stop();		/* the last records on the disk */
	sip_trunks_unregister();
	nua_shutdown(pbx.nua);
	stop = su_timer_create(su_root_task(pbx.root), SHUTDOWN_MS);
	su_timer_set(stop, shutdown_timeout, NULL);
	su_root_run(pbx.root);	/* until nua_r_shutdown */
	su_timer_destroy(stop);
	nua_destroy(pbx.nua);
 out:
	if (sd.status_fd >= 0)
		close(sd.status_fd);
	if (pbx.root)
		su_root_destroy(pbx.root);
	su_deinit();
	loc_destroy(pbx.loc);
	recsync_stop();
	pbx_events_free();
	free(pbx.port_used);
	calls_free();
	bus_detach(pbx.bus);
	return rc;
}
