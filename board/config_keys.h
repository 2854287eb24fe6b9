/* SPDX-License-Identifier: MIT */
/** @file config_keys.h  The configuration schema: every section and key
 *
 * Private to the configuration module: board/config.c includes it once,
 * and the other files of the module reach its tables through
 * board/config_priv.h. This table is the one source of truth for the
 * configuration: the parser, the defaults file (rootfs/etc/gateway/
 * gateway.ini is `gwconfig defaults`), `gwconfig show` and the error
 * messages all come from it.
 *
 * To add a key: add a field to struct gw_config (board/config.h) and one
 * entry below, in its section, then regenerate the defaults file with
 * `build/bin/gwconfig defaults > rootfs/etc/gateway/gateway.ini`. The KEY_*
 * macros check at compile time that the field has the type the key needs.
 * Doc strings are plain sentences; the writer wraps them at 78 columns and
 * starts a new comment line at each '\n'.
 *
 * Repeated sections ("[extension 1001]") have a table of keys per kind,
 * made with the IKEY_* macros on the instance's struct, and one entry in
 * cfg_kinds[] at the end.
 */
#ifndef BOARD_CONFIG_KEYS_H
#define BOARD_CONFIG_KEYS_H

#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include "board/config.h"
#include "board/config_priv.h"
#include "hal/tdm.h"
#include "media/codec.h"
#include "media/tone.h"

/* Compile-time type check of a field: _Generic has no match, and the
 * build fails, unless the expression has type T. Never evaluated. */
#define CFG_FIELD_IN(S, f)	(((S *)0)->f)
#define CFG_FIELD(f)		CFG_FIELD_IN(struct gw_config, f)
#define CFG_IS(e, T)		(0 * sizeof(_Generic((e), T: 1)))
#define CFG_AT_IN(S, f, T)					\
	.off = offsetof(S, f) + CFG_IS(CFG_FIELD_IN(S, f), T),	\
	.size = sizeof(CFG_FIELD_IN(S, f))
#define CFG_AT(f, T)		CFG_AT_IN(struct gw_config, f, T)

#define KEY_INT(s, n, f, d, lo, hi, fl, doc_)				\
	{ .section = s, .name = n, .type = CFG_T_INT, .flags = fl,	\
	  CFG_AT(f, int), .def = d, .min = lo, .max = hi, .doc = doc_ }
#define KEY_BOOL(s, n, f, d, doc_)					\
	{ .section = s, .name = n, .type = CFG_T_BOOL,			\
	  CFG_AT(f, bool), .def = d, .doc = doc_ }
#define KEY_STR(s, n, f, d, fl, doc_)					\
	{ .section = s, .name = n, .type = CFG_T_STR, .flags = fl,	\
	  CFG_AT(f, char *), .def = d, .doc = doc_ }
#define KEY_STRC(s, n, f, d, fl, chk, doc_)				\
	{ .section = s, .name = n, .type = CFG_T_STR, .flags = fl,	\
	  CFG_AT(f, char *), .def = d, .check = chk, .doc = doc_ }
#define KEY_ENUM(s, n, f, T, d, ch, doc_)				\
	{ .section = s, .name = n, .type = CFG_T_ENUM,			\
	  CFG_AT(f, T), .def = d, .choices = ch, .doc = doc_ }
#define KEY_CPUS(s, n, f, d, doc_)					\
	{ .section = s, .name = n, .type = CFG_T_CPUS,			\
	  CFG_AT(f, cpu_set_t), .def = d, .doc = doc_ }
#define KEY_PORTS(s, n, f, d, doc_)					\
	{ .section = s, .name = n, .type = CFG_T_PORTS,			\
	  CFG_AT(f, struct cfg_ports), .def = d, .doc = doc_ }
#define KEY_IPV4(s, n, f, d, fl, doc_)					\
	{ .section = s, .name = n, .type = CFG_T_IPV4, .flags = fl,	\
	  CFG_AT(f, struct in_addr), .def = d, .doc = doc_ }
#define KEY_PREFIX(s, n, f, d, doc_)					\
	{ .section = s, .name = n, .type = CFG_T_PREFIX,		\
	  CFG_AT(f, struct cfg_prefix), .def = d, .doc = doc_ }
#define KEY_MAC(s, n, f, d, doc_)					\
	{ .section = s, .name = n, .type = CFG_T_MAC,			\
	  CFG_AT(f, uint8_t *), .def = d, .doc = doc_ }

/* Keys of a repeated section, kind s, on the instance's struct S (the
 * two may come from one macro: IKEY_STR(EXT, ...)). A string's default is
 * always empty. A CFG_F_REQUIRED string must be set, in every instance,
 * or with w (a choice of the kind's "kind" key) in those of that kind
 * only: cfg_inst_check() reports it at the header. */
#define IKEY_INT(...)	IKEY_INT_(__VA_ARGS__)
#define IKEY_BOOL(...)	IKEY_BOOL_(__VA_ARGS__)
#define IKEY_ENUM(...)	IKEY_ENUM_(__VA_ARGS__)
#define IKEY_STR(...)	IKEY_STR_(__VA_ARGS__)
#define IKEY_INT_(S, s, n, f, d, lo, hi, doc_)				\
	{ .section = s, .name = n, .type = CFG_T_INT,			\
	  CFG_AT_IN(S, f, int), .def = d, .min = lo, .max = hi, .doc = doc_ }
#define IKEY_BOOL_(S, s, n, f, d, doc_)					\
	{ .section = s, .name = n, .type = CFG_T_BOOL,			\
	  CFG_AT_IN(S, f, bool), .def = d, .doc = doc_ }
#define IKEY_ENUM_(S, s, n, f, T, d, ch, doc_)				\
	{ .section = s, .name = n, .type = CFG_T_ENUM,			\
	  CFG_AT_IN(S, f, T), .def = d, .choices = ch, .doc = doc_ }
#define IKEY_STR_(S, s, n, f, fl, chk, w, doc_)				\
	{ .section = s, .name = n, .type = CFG_T_STR, .flags = fl,	\
	  CFG_AT_IN(S, f, char *), .def = "", .check = chk, .when = w,	\
	  .doc = doc_ }

/* Choices of the enum keys, in the order of their C enums. */
static const char *const cfg_nic_choices[] = {
	[CFG_NIC_AFPACKET] = "afpacket",
	[CFG_NIC_TAP] = "tap",
	[CFG_NIC_MEM] = "mem",
	NULL
};

static const char *const cfg_level_choices[] = {
	[LOG_LEVEL_ERR] = "err",
	[LOG_LEVEL_WARN] = "warn",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DBG] = "debug",
	NULL
};

static const char *const fax_choices[] = {
	[CFG_FAX_T38] = "t38",
	[CFG_FAX_G711] = "g711",
	NULL
};

static const char *const srtp_choices[] = {
	[CFG_SRTP_OFF] = "off",
	[CFG_SRTP_OPTIONAL] = "optional",
	[CFG_SRTP_MANDATORY] = "mandatory",
	NULL
};

static const char *const tdm_choices[] = {
	[CFG_TDM_NONE] = "none",
	[CFG_TDM_VTDM] = "vtdm",
	[CFG_TDM_DAHDI] = "dahdi",
	NULL
};

/* the documentation of [tdm] spans below names the limits */
_Static_assert(TDM_MAX_SPANS == 64 && TDM_MAX_CHANS == 32, "[tdm] spans");

static int check_spans(const char *v, char *why, size_t size)
{
	struct tdm_layout l;
	char w[128];

	if (!tdm_layout_parse(v, &l, w, sizeof(w)))
		return 0;
	snprintf(why, size, "is not a span layout such as fxs:2,fxo:2,e1:30 "
		 "or e1:30*40: %s", w);
	return -EINVAL;
}

static int check_country(const char *v, char *why, size_t size)
{
	if (tone_profile(v))
		return 0;
	snprintf(why, size, "is not a country with call-progress tones "
		 "(us, uk, de, fr)");
	return -EINVAL;
}

_Static_assert(CODEC_COUNT == 6, "update check_codecs() and [sip] codecs");

/* [sip] codecs: codec names (media/codec.h, any case) separated by
 * commas, each once */
static int check_codecs(const char *v, char *why, size_t size)
{
	const char *p = v;
	enum codec_id id;
	unsigned int seen = 0;
	char name[16];
	size_t len;

	for (;;) {
		len = strcspn(p, ",");
		if (!len || len >= sizeof(name))
			goto bad;
		memcpy(name, p, len);
		name[len] = '\0';
		if (codec_by_name(name, &id))
			goto bad;
		if (seen & 1u << id) {
			snprintf(why, size, "is not a codec list: %s is listed "
				 "twice", name);
			return -EINVAL;
		}
		seen |= 1u << id;
		if (!p[len])
			return 0;
		p += len + 1;
	}
 bad:
	snprintf(why, size, "is not a codec list: \"%.*s\" is not a codec "
		 "(pcmu, pcma, g722, g726-32, gsm, g729)",
		 len > QUOTE_MAX ? QUOTE_MAX : (int)len, p);
	return -EINVAL;
}

static const char *const txs_choices[] = {
	[CFG_TXS_PRIORITY] = "priority",
	[CFG_TXS_FIFO] = "fifo",
	NULL
};

/* [billing] host:port: an IPv4 address or a host name, then a port
 * (0 lets a listener pick one, for tests) */
static int check_hostport(const char *v, char *why, size_t size)
{
	const char *colon = strrchr(v, ':'), *p;
	long port = 0;

	if (!colon || colon == v || !colon[1])
		goto bad;
	for (p = v; p < colon; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".-_", *p))
			goto bad;
	for (p = colon + 1; *p; p++) {
		if (!isdigit((unsigned char)*p) || port > 65535)
			goto bad;
		port = port * 10 + (*p - '0');
	}
	if (port <= 65535)
		return 0;
 bad:
	snprintf(why, size, "is not host:port (such as 198.18.0.30:4575)");
	return -EINVAL;
}

/* [billing] store: "sqlite:PATH" or a PostgreSQL connection string */
static int check_store(const char *v, char *why, size_t size)
{
	if ((!strncmp(v, "sqlite:", 7) && v[7]) ||
	    !strncmp(v, "postgresql://", 13) || !strncmp(v, "postgres://", 11) ||
	    (!strncmp(v, "pg:", 3) && v[3]))
		return 0;
	snprintf(why, size, "is not sqlite:PATH, postgresql://... or "
		 "pg:KEY=VALUE...");
	return -EINVAL;
}

const struct cfg_section cfg_sections[] = {
	{ "board", "The board this appliance runs on, and how its CPUs are "
	  "split between the two partitions." },
	{ "rt", "The real-time partition (the rtpart process)." },
	{ "bus", "Proxy bus: the shared-memory rings between the partitions "
	  "(DESIGN.md section 4). Sizes are in KiB and each must be a power "
	  "of two." },
	{ "net", "The shared network interface: the RT partition owns the "
	  "NIC, and both partitions use one MAC address and one IPv4 "
	  "address." },
	{ "ports", "Port partition: the UDP ports of the RT partition. Every "
	  "other port belongs to Linux." },
	{ "log", "Logging." },
	{ "tdm", "The telephony card: its spans of lines and trunks." },
	{ "media", "Voice channels in the RT partition." },
	{ "sip", "The PBX's SIP engine (Linux partition): its ports, "
	  "registrations, dialling, the codecs it offers, the RT ports of its "
	  "calls, and its defence against password guessing. What it serves "
	  "(phones, trunks, routes, incoming numbers) is in the repeated "
	  "sections described at the end of this file." },
	{ "probe", "Probe streams: voice-like UDP streams the RT partition "
	  "sends for benchmarks and tests (sequence number and send time in "
	  "each packet). Off unless dest is set." },
	{ "billing", "Call detail records (DESIGN.md section 6). The billing "
	  "client billingd (Linux partition) turns each finished call into a "
	  "CDR, keeps it in a durable spool and delivers it to the billing "
	  "server billsrv, which stores each CDR once, rates it and answers "
	  "queries (the cdr tool, HTTP). The first keys are the client's, "
	  "the keys from listen on the server's." },
	{ "web", "The admin web UI and its REST API (webd, Linux partition): "
	  "a browser reaches it on port, logs in as admin, and sees and "
	  "changes the gateway. Changes are written to the local "
	  "configuration file (the processes' --config) and applied without "
	  "a restart where possible." },
};

const struct cfg_key cfg_keys[] = {
	/* [board] */
	KEY_STR("board", "name", board.name, "sim", CFG_F_NAME,
		"Board name: selects the board file board/<name>/board.ini, "
		"read after this file ($GW_BOARD overrides it). The board "
		"file sets it again."),
	KEY_STR("board", "description", board.description, "",
		CFG_F_EMPTY_OK,
		"What the board is, in a few words, for gwctl and the web UI."),
	KEY_CPUS("board", "rt_cpus", board.rt_cpus, "1",
		 "CPUs of the RT partition: rtpart pins its SCHED_FIFO tasks "
		 "there. Must not share a CPU with linux_cpus."),
	KEY_CPUS("board", "linux_cpus", board.linux_cpus, "0",
		 "CPUs of the Linux partition's daemons (normal scheduling)."),
	KEY_STR("board", "run_dir", board.run_dir, "/run/gateway", 0,
		"Directory of the dispatcher's control socket (ctl.sock), "
		"through which gwctl and the web UI reach the partitions."),
	KEY_INT("board", "restart_min_ms", board.restart_min_ms, "200",
		10, 60000, 0,
		"First delay before the dispatcher restarts a partition that "
		"died; it doubles at each death in a row."),
	KEY_INT("board", "restart_max_ms", board.restart_max_ms, "5000",
		100, 600000, 0,
		"Longest delay between restarts of a partition that keeps "
		"dying. A partition that has run for 10 s starts again from "
		"restart_min_ms."),

	/* [rt] */
	KEY_BOOL("rt", "lock_memory", rt.lock_memory, "true",
		 "Lock rtpart's memory in RAM (mlockall) at start, so that an "
		 "RT task never waits for a page fault."),
	KEY_BOOL("rt", "poll_idle", rt.poll_idle, "false",
		 "Keep the RT CPUs polling when idle instead of halting (a "
		 "per-CPU PM QoS wake-up latency of 0), so that a task's "
		 "release does not first wait for its CPU to wake up (10-100 "
		 "us on a virtual machine). For RT CPUs that are cores of "
		 "their own: where a core is shared (a virtual machine's "
		 "host), the polling slows the Linux CPUs. The CPUs get back "
		 "the kernel's default when rtpart stops."),
	KEY_BOOL("rt", "alloc_abort", rt.alloc_abort, "false",
		 "Abort rtpart when an RT task allocates memory after start. "
		 "Pools are sized at init, so such an allocation is a bug; "
		 "when false it is only counted."),
	KEY_INT("rt", "watchdog_period_ms", rt.watchdog_period_ms, "10",
		1, 1000, 0,
		"Period of the RT watchdog's check, in milliseconds."),
	KEY_INT("rt", "watchdog_stall_ms", rt.watchdog_stall_ms, "100",
		1, 10000, 0,
		"An RT task that has not come back to its loop for this long, "
		"in milliseconds, is reported as stalled. Must be longer than "
		"watchdog_period_ms and than tick_us."),
	KEY_INT("rt", "tick_us", rt.tick_us, "1000", 100, 20000, 0,
		"Period of the RT partition's main loop, in microseconds."),
	KEY_INT("rt", "packets", rt.packets, "2048", 64, 65536, 0,
		"Packet buffers of the RT partition (9.4 KiB each, enough for "
		"a 9216-byte MTU), taken at start."),
	KEY_INT("rt", "heap_kib", rt.heap_kib, "8192", 0, 1048576, 0,
		"RT heap in KiB: after start, allocations by RT threads (lwIP "
		"allocates its buffers and timers with malloc) come from fixed "
		"pools of this size, never from the C library's heap. On top "
		"of it the RT partition adds 10 KiB for each RTP leg it can "
		"open (two per channel of [media] max_channels): oRTP's "
		"receive buffers."),

	/* [bus] */
	KEY_INT("bus", "rx_frames_kib", bus.rx_frames_kib, "2048",
		64, 65536, CFG_F_POW2,
		"Channel 1: ring of frames from the RT partition to Linux. "
		"When it is full, a Linux-bound frame is dropped and counted."),
	KEY_INT("bus", "tx_frames_kib", bus.tx_frames_kib, "2048",
		64, 65536, CFG_F_POW2,
		"Channel 2: ring of frames from Linux to the RT partition."),
	KEY_INT("bus", "netcfg_kib", bus.netcfg_kib, "64", 16, 4096,
		CFG_F_POW2,
		"Channel 3: ring of NIC configuration requests from Linux to "
		"the RT partition (address, MAC, MTU, routes)."),
	KEY_INT("bus", "msg_up_kib", bus.msg_up_kib, "256", 16, 16384,
		CFG_F_POW2,
		"Channel 4, RT to Linux: messages from the RT partition's "
		"applications (media events, DTMF, statistics)."),
	KEY_INT("bus", "msg_down_kib", bus.msg_down_kib, "256", 16, 16384,
		CFG_F_POW2,
		"Channel 4, Linux to RT: messages to the RT partition's "
		"applications (open, modify and close media channels)."),

	/* [net] */
	KEY_ENUM("net", "nic", net.nic, enum cfg_nic, "afpacket",
		 cfg_nic_choices,
		 "NIC driver of the RT partition:\n"
		 "afpacket: a raw AF_PACKET socket with mmap rings on "
		 "nic_ifname;\n"
		 "tap: a TAP device named nic_ifname (tests);\n"
		 "mem: an in-memory loopback (unit tests, benchmarks)."),
	KEY_STR("net", "nic_ifname", net.nic_ifname, "phy0", CFG_F_NAME,
		"Interface the RT partition takes over. The kernel must have "
		"no address on it."),
	KEY_STR("net", "nic_netns", net.nic_netns, "", CFG_F_EMPTY_OK,
		"Network namespace (a name under /run/netns) in which the "
		"dispatcher opens the NIC and hands it to rtpart, so that the "
		"kernel never sees the shared address on it; empty: the "
		"dispatcher's own namespace."),
	KEY_STR("net", "tap_ifname", net.tap_ifname, "eth0", CFG_F_NAME,
		"The Linux partition's proxy interface: a TAP device with the "
		"shared MAC and address, created by the dispatcher in its own "
		"namespace and kept across restarts of the proxy."),
	KEY_MAC("net", "mac", net.mac, "02:00:5e:12:00:10",
		"MAC address of both partitions (unicast). The default is a "
		"locally administered address."),
	KEY_PREFIX("net", "address", net.address, "198.18.0.10/24",
		   "IPv4 address of both partitions, with its prefix length."),
	KEY_IPV4("net", "gateway", net.gateway, "", CFG_F_EMPTY_OK,
		 "Default IPv4 gateway, in the subnet of address; empty for "
		 "none."),
	KEY_INT("net", "mtu", net.mtu, "1500", 576, 9216, 0,
		"MTU of the shared interface in bytes, the same on both "
		"sides."),
	KEY_INT("net", "link_mbps", net.link_mbps, "0", 0, 100000, 0,
		"Rate to which the transmit scheduler paces the wire, in "
		"Mbit/s; 0 leaves it unpaced (the NIC's own rate)."),
	KEY_ENUM("net", "tx_scheduler", net.tx_scheduler,
		 enum cfg_txs, "priority", txs_choices,
		 "Transmit scheduler: priority sends every RT frame before any "
		 "Linux frame (the product); fifo sends in arrival order (the "
		 "baseline benchmarks compare against)."),
	KEY_BOOL("net", "rx_moderation", net.rx_moderation, "true",
		 "Receive moderation, as a NIC's interrupt moderation: once "
		 "the RT network task finds two frames or more waiting, the "
		 "frames that keep coming are taken at each of its runs "
		 "(every [rt] tick_us at least) rather than each waking it, "
		 "which would preempt the media task each time, until a run "
		 "finds none. A lone frame wakes it at once. Under load a "
		 "frame may wait up to one tick. false: every frame wakes the "
		 "task."),

	/* [ports] */
	KEY_PORTS("ports", "rt", ports.rt, "7,16384-32767",
		  "UDP ports of the RT partition: the diagnostic echo (7) "
		  "and the RTP/RTCP range. Linux cannot bind them."),

	/* [log] */
	KEY_ENUM("log", "level", log.level, enum log_level, "info",
		 cfg_level_choices,
		 "Log level of every module: err, warn, info or debug."),

	/* [tdm] */
	KEY_ENUM("tdm", "card", tdm.card, enum cfg_tdm, "none", tdm_choices,
		 "The telephony card: none, vtdm (the simulated board's "
		 "virtual card, whose far end is the PSTN simulator) or dahdi "
		 "(a real card through /dev/dahdi)."),
	KEY_STRC("tdm", "spans", tdm.spans, "fxs:2,fxo:2,e1:30", 0,
		 check_spans,
		 "The card's spans in order, type:lines: fxs (analog phones "
		 "plug in here), fxo (lines from a telephone exchange), e1 "
		 "(30-channel trunk); fxs and fxo spans have 1 to 32 lines, "
		 "e1 spans 1 to 30. type:lines*N stands for N such spans in a "
		 "row: fxs:2,e1:30*40 is one FXS span (span 0) and 40 E1 "
		 "spans (spans 1 to 40). At most 64 spans (hal/tdm.h "
		 "TDM_MAX_SPANS)."),
	KEY_STR("tdm", "dahdi_dir", tdm.dahdi_dir, "/dev/dahdi", 0,
		"Where the DAHDI devices are (card = dahdi)."),

	/* [media] */
	KEY_INT("media", "max_channels", media.max_channels, "256", 1,
		CFG_MAX_CHANNELS,
		0, "Voice channels the RT partition can hold at once; all "
		"their memory is taken at start."),
	KEY_INT("media", "max_fax", media.max_fax, "8", 0, 256, 0,
		"T.38 fax legs the RT partition can hold at once (a fax call "
		"whose far end speaks T.38: the gateway turns the line's fax "
		"audio into T.38 and back). Each takes about 100 KB at "
		"start. 0: no T.38."),
	KEY_INT("media", "max_srtp", media.max_srtp, "32", 0, 4096, 0,
		"RTP legs with SRTP ([sip] srtp) the RT partition can hold at "
		"once; one more is refused. Each takes about 160 KB of the RT "
		"heap, set aside at start. 0: no SRTP."),
	KEY_INT("media", "max_g729", media.max_g729, "120", 0, 4096, 0,
		"RTP legs with G.729 the RT partition can hold at once; one "
		"more is refused. Each takes about 4 KB of the RT heap, set "
		"aside at start, and costs the RT CPU as much as some ten "
		"G.711 channels (its encoder: about 100 us per 20 ms frame "
		"on the development machine, where 120 take 60 % of an RT "
		"core). 0: no G.729."),
	KEY_INT("media", "ec_max_tail_ms", media.ec_max_tail_ms, "128", 16,
		512, 0, "Longest echo canceller tail a TDM leg may ask for."),
	KEY_STRC("media", "country", media.country, "us", 0, check_country,
		 "Call-progress tones (dial, ringback, busy, congestion) of "
		 "this country: us, uk, de, fr."),
	KEY_INT("media", "dscp", media.dscp, "46", 0, 63, 0,
		"DSCP (RFC 2474) of the voice packets the RT partition sends: "
		"RTP, RTCP and T.38's UDPTL. 46, EF (RFC 3246, expedited "
		"forwarding), is what switches and routers set up for voice "
		"give priority; 0: unmarked. Read at the RT partition's "
		"start."),
	KEY_BOOL("media", "vad", media.vad, "false",
		 "Silence suppression: a call's RTP to a phone or trunk that "
		 "agreed comfort noise (RFC 3389) in its SDP stops while the "
		 "line is quiet (below -50 dBov for 200 ms), a comfort noise "
		 "packet with the level going in its place and once a second "
		 "after. Saves the bandwidth of the pauses; never on a fax or "
		 "modem call."),

	/* [sip] */
	KEY_BOOL("sip", "enable", sip.enable, "true",
		 "Run the SIP engine (sipd). false: the gateway carries no "
		 "calls of its own; channels are opened by other means (gwctl "
		 "chan, tests), and nothing else reads the RT partition's line "
		 "and DTMF events."),
	KEY_INT("sip", "port", sip.port, "5060", 1, 65535, 0,
		"UDP and TCP port of SIP. The SIP engine runs on Linux: the "
		"port must not be an RT port ([ports] rt)."),
	KEY_INT("sip", "tls_port", sip.tls_port, "5061", 0, 65535, 0,
		"TCP port of SIP over TLS; 0: no TLS. TLS runs only when "
		"tls_cert_dir is set and holds the certificate; otherwise the "
		"SIP engine serves UDP and TCP alone."),
	KEY_STR("sip", "tls_cert_dir", sip.tls_cert_dir, "", CFG_F_EMPTY_OK,
		"Directory of the TLS certificate, as Sofia-SIP reads it: "
		"agent.pem (the certificate and its private key, PEM) and, "
		"optionally, cafile.pem (the CAs that sign peers' "
		"certificates). Empty, or without agent.pem: no TLS."),
	KEY_STR("sip", "realm", sip.realm, "gateway", 0,
		"Realm of the digest authentication (RFC 3261 section 22) "
		"that phones answer with their number and password."),
	KEY_INT("sip", "register_min_s", sip.register_min_s, "60", 1, 86400,
		0, "Shortest registration accepted, in seconds: a phone "
		"asking for less gets 423 Interval Too Brief."),
	KEY_INT("sip", "register_max_s", sip.register_max_s, "3600", 1, 86400,
		0, "Longest registration granted, in seconds: a longer one is "
		"cut to this. At least register_min_s."),
	KEY_INT("sip", "no_answer_s", sip.no_answer_s, "30", 1, 3600, 0,
		"A call that rings this long, in seconds, without an answer "
		"ends as NO ANSWER."),
	KEY_INT("sip", "inter_digit_ms", sip.inter_digit_ms, "4000", 500,
		30000, 0,
		"Dialling on an FXS phone or an E1 channel: the number is "
		"complete when no digit comes for this long, in "
		"milliseconds."),
	KEY_STRC("sip", "codecs", sip.codecs,
		 "pcmu,pcma,g722,g726-32,gsm,g729", 0, check_codecs,
		 "Codecs the SIP engine offers and accepts, in order of "
		 "preference, separated by commas (no blanks): pcmu and pcma "
		 "(G.711), g722, g726-32, gsm, g729 (G.729 Annex A, offered "
		 "with annexb=no; at most [media] max_g729 legs at once)."),
	KEY_INT("sip", "rtp_port_min", sip.rtp_port_min, "20000", 1024, 65534,
		0, "First UDP port of the calls' RTP, even: each call leg "
		"takes an even port for RTP and the odd one above for RTCP. "
		"Every port of rtp_port_min..rtp_port_max must be an RT port "
		"([ports] rt)."),
	KEY_INT("sip", "rtp_port_max", sip.rtp_port_max, "29999", 1025, 65535,
		0, "Last UDP port of the calls' RTP, odd."),
	KEY_INT("sip", "auth_fail_limit", sip.auth_fail_limit, "5", 0, 1000,
		0, "Password guessing: an address that fails authentication "
		"this many times within auth_fail_window_s is ignored for "
		"auth_block_s. 0: never block."),
	KEY_INT("sip", "auth_fail_window_s", sip.auth_fail_window_s, "60", 1,
		86400, 0, "Window in which failures count, in seconds."),
	KEY_INT("sip", "auth_block_s", sip.auth_block_s, "120", 1, 86400, 0,
		"How long a blocked address is ignored, in seconds."),
	KEY_INT("sip", "session_timer", sip.session_timer, "1800", 0, 86400,
		0, "RFC 4028 session timers on every SIP call leg: the "
		"session interval offered and accepted, in seconds (a call "
		"whose refresh fails is hung up). Min-SE is 90 s; a value "
		"below 90 counts as 90. 0: off."),
	KEY_INT("sip", "rtp_timeout", sip.rtp_timeout, "60", 0, 3600, 0,
		"An answered call, not on hold, whose RT channel receives no "
		"RTP on a SIP leg for this long, in seconds, is hung up on "
		"both sides (cause 408 \"RTP Timeout\"). 0: never."),
	KEY_ENUM("sip", "fax", sip.fax, enum cfg_fax, "t38", fax_choices,
		 "A fax heard on a call between a card line and a SIP phone "
		 "or trunk (its answer tone, CED): t38 re-INVITEs the SIP "
		 "side to T.38 (the gateway demodulates the fax; its UDPTL "
		 "redundancy carries it through packet loss), and to G.711 "
		 "when refused or when every T.38 leg ([media] max_fax) is in "
		 "use; g711 re-INVITEs to G.711 alone (V.152 voiceband data). "
		 "A modem's answer tone (phase reversals) always gets G.711. "
		 "A phone adapter may move a call to T.38 itself either way."),
	KEY_ENUM("sip", "srtp", sip.srtp, enum cfg_srtp, "optional",
		 srtp_choices,
		 "SRTP on SIP legs, keyed by SDES (RFC 4568: a=crypto, "
		 "AES_CM_128_HMAC_SHA1_80 or _32), encrypted and checked by "
		 "the RT partition. optional: an offer with a crypto line we "
		 "take is answered with SRTP, in RTP/SAVP or in RTP/AVP (best "
		 "effort); our offers are RTP/AVP, with crypto lines (best "
		 "effort) when the call's other leg is SRTP; mandatory: our "
		 "offers are RTP/SAVP and an offer without SRTP is refused "
		 "(488); off: an offer in RTP/SAVP is refused (488), crypto "
		 "lines in RTP/AVP are passed over. The keys "
		 "travel in the SDP: use SIP over TLS (port 5061) to keep "
		 "them secret."),
	KEY_BOOL("sip", "symmetric_rtp", sip.symmetric_rtp, "true",
		 "Symmetric RTP (RFC 4961), for phones behind NAT, whose SDP "
		 "gives their private address: a call's RTP and RTCP (a "
		 "fax's T.38) go to where the phone's first good packet of "
		 "each came from "
		 "(its NAT's public address and port), decided again after "
		 "a re-INVITE that changes the address; on an SRTP leg only "
		 "a packet that passes SRTP's check counts. false: always "
		 "to the address in the SDP."),
	KEY_INT("sip", "dscp", sip.dscp, "24", 0, 63, 0,
		"DSCP (RFC 2474) of the SIP packets sipd sends, over UDP, TCP "
		"and TLS. 24, CS3, is how most voice networks class call "
		"signalling (RFC 4594 suggests CS5, 40); 0: unmarked. Read "
		"at sipd's start."),
	KEY_BOOL("sip", "force_rport", sip.force_rport, "true",
		 "SIP for phones behind NAT, whose Via and Contact give their "
		 "private address: every response goes to the address and "
		 "port its request came from (RFC 3581's rport, asked for or "
		 "not), and requests to such a phone (a call to a registered "
		 "contact; within a call the phone placed, the BYE or "
		 "re-INVITE) go to where its REGISTER or INVITE came from "
		 "(its NAT's public address and port) whenever its Contact "
		 "names another host, or over UDP another port. false: "
		 "responses to the Via's address unless the phone asks for "
		 "rport, requests to the Contact."),
	KEY_INT("sip", "nat_keepalive", sip.nat_keepalive, "30", 0, 3600, 0,
		"Seconds between the OPTIONS requests sipd sends each "
		"registered phone behind NAT over UDP (its REGISTER came from "
		"another address or port than its Contact names), where its "
		"REGISTER came from: the traffic holds the NAT's binding open "
		"so that calls reach the phone (RFC 5626 leaves it to the "
		"phone; many do not). The answer and its round trip are in "
		"gwctl sip. 0: none. Applied at a reload."),

	/* [probe] */
	KEY_IPV4("probe", "dest", probe.dest, "", CFG_F_EMPTY_OK,
		 "Where the probe streams go; empty: no probe streams."),
	KEY_INT("probe", "port", probe.port, "40000", 1, 65535, 0,
		"First destination UDP port; stream i goes to port + i."),
	KEY_INT("probe", "src_port", probe.src_port, "30000", 1, 65535, 0,
		"First source port, an RT port; stream i sends from "
		"src_port + i."),
	KEY_INT("probe", "streams", probe.streams, "1", 1, 1000, 0,
		"Number of streams."),
	KEY_INT("probe", "interval_us", probe.interval_us, "20000", 1000,
		1000000, 0, "Time between two packets of a stream."),
	KEY_INT("probe", "bytes", probe.bytes, "172", 24, 1400, 0,
		"UDP payload of each packet (172: 20 ms of G.711 in RTP)."),

	/* [billing], client */
	KEY_BOOL("billing", "enable", billing.enable, "true",
		 "Run the billing client (billingd). false: call records "
		 "stay in the spool's incoming/ directory, untouched."),
	KEY_STR("billing", "spool_dir", billing.spool_dir,
		"/var/spool/gateway/billing", 0,
		"The client's spool. The SIP engine writes one file per "
		"finished call into its incoming/ directory; billingd turns "
		"each into a CDR in the durable queue queue/, removes the "
		"call file, and writes its state to status.json (queue depth, "
		"last delivery)."),
	KEY_STRC("billing", "server", billing.server, "",
		 CFG_F_EMPTY_OK, check_hostport,
		 "The billing server, host:port. Empty: CDRs are produced and "
		 "kept in the spool, never sent."),
	KEY_BOOL("billing", "tls", billing.tls, "false",
		 "Deliver over TLS; the server's certificate must be signed by "
		 "ca_file and name server_name."),
	KEY_STR("billing", "ca_file", billing.ca_file,
		"/etc/gateway/billing-ca.pem", 0,
		"CA certificate(s), PEM, that sign the billing server's "
		"certificate (tls = true)."),
	KEY_STR("billing", "server_name", billing.server_name, "",
		CFG_F_EMPTY_OK,
		"Name the server's certificate must carry (DNS name or IP "
		"address); empty: the host part of server."),
	KEY_STR("billing", "client_cert", billing.client_cert, "",
		CFG_F_EMPTY_OK,
		"Certificate, PEM, the client shows when the server asks for "
		"one (client_ca set on the server); empty: none."),
	KEY_STR("billing", "client_key", billing.client_key, "",
		CFG_F_EMPTY_OK, "Private key, PEM, of client_cert."),
	KEY_STR("billing", "gateway_name", billing.gateway_name, "",
		CFG_F_EMPTY_OK | CFG_F_NAME,
		"Name of this gateway in the CDRs it delivers (the server "
		"stores it with each CDR); empty: the host name."),
	KEY_INT("billing", "backoff_min_ms", billing.backoff_min_ms, "500",
		10, 60000, 0,
		"First wait before delivering again after a failure; it "
		"doubles at each failure in a row, with random jitter, up to "
		"backoff_max_ms."),
	KEY_INT("billing", "backoff_max_ms", billing.backoff_max_ms, "30000",
		10, 3600000, 0,
		"Longest wait between two delivery attempts."),
	KEY_INT("billing", "batch", billing.batch, "200", 1, 1000, 0,
		"Most CDRs sent in one request."),
	KEY_INT("billing", "ack_timeout_ms", billing.ack_timeout_ms, "10000",
		100, 600000, 0,
		"How long the client waits for the server to connect or to "
		"acknowledge a request before it gives up on the connection "
		"and tries again later."),

	/* [billing], server */
	KEY_STRC("billing", "listen", billing.listen, "0.0.0.0:4575", 0,
		 check_hostport,
		 "Where the billing server takes CDRs (billing/bproto.h)."),
	KEY_STRC("billing", "store", billing.store,
		 "sqlite:/var/lib/billing/cdr.db", 0, check_store,
		 "The server's CDR store: sqlite:PATH (a file, created if "
		 "missing), or a PostgreSQL connection string "
		 "(postgresql://user@host/db, or pg: followed by libpq "
		 "key=value pairs)."),
	KEY_STR("billing", "tariffs", billing.tariffs, "", CFG_F_EMPTY_OK,
		"Tariff file by which the server rates each answered call "
		"(billing/rate.h; example: /etc/gateway/tariffs.conf); empty: "
		"CDRs are stored unrated. SIGHUP reloads it."),
	KEY_STRC("billing", "http_listen", billing.http_listen,
		 "127.0.0.1:8575", CFG_F_EMPTY_OK, check_hostport,
		 "Where the server answers CDR queries over HTTP (GET /cdrs, "
		 "/cdrs/ID, /status); empty: no HTTP."),
	KEY_STR("billing", "http_token", billing.http_token, "",
		CFG_F_EMPTY_OK,
		"When set, an HTTP query needs the header \"Authorization: "
		"Bearer <http_token>\"."),
	KEY_STR("billing", "server_cert", billing.server_cert, "",
		CFG_F_EMPTY_OK,
		"Server certificate, PEM: when set, the server speaks only "
		"TLS on listen."),
	KEY_STR("billing", "server_key", billing.server_key, "",
		CFG_F_EMPTY_OK, "Private key, PEM, of server_cert."),
	KEY_STR("billing", "client_ca", billing.client_ca, "",
		CFG_F_EMPTY_OK,
		"With TLS: CA certificate(s), PEM; when set, a client must "
		"show a certificate signed by them."),
	KEY_INT("billing", "max_clients", billing.max_clients, "64", 1, 4096,
		0, "Most clients connected to the server at once."),

	/* [web] */
	KEY_BOOL("web", "enable", web.enable, "true",
		 "Run the web UI (webd). false: no web UI and no REST API."),
	KEY_INT("web", "port", web.port, "80", 1, 65535, 0,
		"TCP port of the web UI: HTTP, or HTTPS when tls_cert is "
		"set."),
	KEY_STR("web", "tls_cert", web.tls_cert, "", CFG_F_EMPTY_OK,
		"Certificate of the web UI, PEM (the chain after it): when "
		"set, the UI speaks only HTTPS on port and its cookie is "
		"Secure. Empty: plain HTTP."),
	KEY_STR("web", "tls_key", web.tls_key, "", CFG_F_EMPTY_OK,
		"Private key, PEM, of tls_cert."),
	KEY_STR("web", "passwd_file", web.passwd_file,
		"/var/lib/gateway/web-passwd", 0,
		"File of the admin account: its password as a salted slow hash "
		"(PBKDF2-HMAC-SHA256), written by webd. While it is missing, "
		"the password is the factory one, admin, and the first login "
		"must set a new one before anything else."),
	KEY_STR("web", "www_dir", web.www_dir, "/usr/share/gateway/www", 0,
		"Directory of the web UI's pages (HTML, CSS, JavaScript), "
		"served as they are."),
	KEY_INT("web", "session_idle_s", web.session_idle_s, "1800", 60,
		86400, 0,
		"A login session unused for this long, in seconds, ends."),
	KEY_INT("web", "session_max_s", web.session_max_s, "43200", 60,
		604800, 0,
		"A login session ends this long after the login, in seconds, "
		"used or not."),
	KEY_INT("web", "login_fail_limit", web.login_fail_limit, "5", 1, 1000,
		0, "Password guessing: an address that fails to log in this "
		"many times within login_fail_window_s may not try again for "
		"login_block_s."),
	KEY_INT("web", "login_fail_window_s", web.login_fail_window_s, "300",
		1, 86400, 0, "Window in which failed logins count, in "
		"seconds."),
	KEY_INT("web", "login_block_s", web.login_block_s, "300", 1, 86400, 0,
		"How long a blocked address may not log in, in seconds."),
	KEY_STR("web", "log_file", web.log_file, "/var/log/gateway.log", 0,
		"The log the System page shows: the file the dispatcher and "
		"every partition write their lines to."),
	KEY_STR("web", "cdr_url", web.cdr_url, "", CFG_F_EMPTY_OK,
		"The billing server's HTTP interface (http://HOST:PORT, its "
		"[billing] http_listen), from which the CDRs page lists recent "
		"CDRs; empty: the page shows the delivery state only."),
	KEY_STR("web", "cdr_token", web.cdr_token, "", CFG_F_EMPTY_OK,
		"Bearer token of cdr_url (the server's [billing] http_token); "
		"empty: none."),
	KEY_STR("web", "metrics_token", web.metrics_token, "",
		CFG_F_EMPTY_OK,
		"GET /metrics (Prometheus) needs a login session, or the header "
		"\"Authorization: Bearer <metrics_token>\" when this is set."),
};

const size_t cfg_nsections = ARRAY_SIZE(cfg_sections);
const size_t cfg_nkeys = ARRAY_SIZE(cfg_keys);

/* ---- repeated sections -------------------------------------------------- */

static const char *const ext_kind_choices[] = {
	[CFG_EXT_SIP] = "sip",
	[CFG_EXT_FXS] = "fxs",
	NULL
};

#define EXT struct cfg_extension, "extension"
static const struct cfg_key ext_keys[] = {
	IKEY_ENUM(EXT, "kind", kind, enum cfg_ext_kind, "sip",
		  ext_kind_choices,
		  "sip: a SIP phone, which registers with its number and "
		  "password; fxs: an analog phone on a line of the card."),
	IKEY_STR(EXT, "password", password, CFG_F_EMPTY_OK | CFG_F_REQUIRED,
		 NULL, "sip",
		 "The SIP phone's digest password; its user name is the "
		 "number."),
	IKEY_STR(EXT, "display", display, CFG_F_EMPTY_OK, NULL, NULL,
		 "Caller name shown with this extension's calls."),
	IKEY_STR(EXT, "line", line, CFG_F_EMPTY_OK | CFG_F_REQUIRED,
		 cfg_check_tdm_line, "fxs",
		 "The FXS line the phone is plugged into, SPAN/LINE: spans "
		 "count from 0 in the order of [tdm] spans, lines from 0 "
		 "within their span (0/1: the second line of the first span). "
		 "The span must be an fxs span; no two extensions share a "
		 "line."),
};
#undef EXT

static const char *const trunk_kind_choices[] = {
	[CFG_TRUNK_TDM] = "tdm",
	[CFG_TRUNK_SIP] = "sip",
	NULL
};

#define TRUNK struct cfg_trunk, "trunk"
static const struct cfg_key trunk_keys[] = {
	IKEY_ENUM(TRUNK, "kind", kind, enum cfg_trunk_kind, "tdm",
		  trunk_kind_choices,
		  "tdm: lines of the card (FXO lines, E1 channels); sip: a "
		  "SIP server (an operator's, another PBX)."),
	IKEY_STR(TRUNK, "lines", lines, CFG_F_EMPTY_OK | CFG_F_REQUIRED,
		 cfg_check_tdm_lines, "tdm",
		 "The card's lines of the trunk, separated by commas: "
		 "SPAN/LINE, or a range SPAN/LINE-SPAN/LINE within one span "
		 "(1/0-1/1,2/0-2/29). Numbered as [extension] line; the "
		 "spans must be fxo or e1 spans, and no line belongs to two "
		 "trunks."),
	IKEY_STR(TRUNK, "host", host, CFG_F_EMPTY_OK | CFG_F_REQUIRED,
		 cfg_check_host, "sip",
		 "The SIP server, host[:port]: a host name or an IPv4 "
		 "address, and the port when not 5060."),
	IKEY_STR(TRUNK, "username", username, CFG_F_EMPTY_OK, NULL, NULL,
		 "sip: the user name this gateway authenticates, and "
		 "registers, with at the server."),
	IKEY_STR(TRUNK, "password", password, CFG_F_EMPTY_OK, NULL, NULL,
		 "sip: the password of username."),
	IKEY_BOOL(TRUNK, "register", register_, "false",
		  "sip: register username at the server, as a phone does, so "
		  "that it sends this gateway's incoming calls here. Needs "
		  "username."),
	IKEY_STR(TRUNK, "allow_ips", allow_ips, CFG_F_EMPTY_OK,
		 cfg_check_ipv4_list, NULL,
		 "sip: IPv4 addresses, separated by commas, whose requests "
		 "are taken as this trunk's without a password (IP "
		 "authentication, for servers that do not authenticate); "
		 "empty: none."),
};
#undef TRUNK

#define ROUTE struct cfg_route, "route"
static const struct cfg_key route_keys[] = {
	IKEY_STR(ROUTE, "pattern", pattern, CFG_F_REQUIRED,
		 cfg_check_pattern, NULL,
		 "The dialled numbers the route takes: a digit matches "
		 "itself, X any digit, and a final '.' one or more digits "
		 "more (0X.: 0, then two digits or more). A number that is "
		 "no extension goes to the route whose pattern matches it; "
		 "when several do, the longest pattern wins, and of equal "
		 "ones the first."),
	IKEY_INT(ROUTE, "strip", strip, "0", 0, CFG_NUMBER_SIZE - 1,
		 "Digits removed from the front of the number (1 with 0X.: "
		 "the 0 that chose the route)."),
	IKEY_STR(ROUTE, "prefix", prefix, CFG_F_EMPTY_OK, cfg_check_digits,
		 NULL, "Digits then put in front of the number; empty: none."),
	IKEY_STR(ROUTE, "trunk", trunk, CFG_F_NAME | CFG_F_REQUIRED, NULL,
		 NULL, "The [trunk NAME] the call goes out on."),
};
#undef ROUTE

#define DID struct cfg_did, "did"
static const struct cfg_key did_keys[] = {
	IKEY_STR(DID, "extension", extension, CFG_F_REQUIRED,
		 cfg_check_digits, NULL,
		 "The [extension NUMBER] a call to this number rings."),
};
#undef DID

/* The array field, its count and its element's name field */
#define KIND_AT(arr, cnt, namef)					\
	.array_off = offsetof(struct gw_config, arr),			\
	.count_off = offsetof(struct gw_config, cnt) +			\
		     CFG_IS(CFG_FIELD(cnt), unsigned int),		\
	.inst_size = sizeof(CFG_FIELD(arr)[0]),				\
	.name_size = sizeof(CFG_FIELD(arr)[0].namef),			\
	.max = ARRAY_SIZE(CFG_FIELD(arr))

/* config_inst.c finds an instance's name at its start */
_Static_assert(offsetof(struct cfg_extension, number) == 0, "name first");
_Static_assert(offsetof(struct cfg_trunk, name) == 0, "name first");
_Static_assert(offsetof(struct cfg_route, name) == 0, "name first");
_Static_assert(offsetof(struct cfg_did, number) == 0, "name first");

const struct cfg_kind cfg_kinds[] = {
	{ .name = "extension", .what = "number",
	  .doc = "A phone of the PBX. NUMBER, 1 to 31 digits, is the number "
	  "that rings it, and a SIP phone's user name.",
	  .example = "[extension 1001]\nkind = sip\npassword = change-me\n"
	  "display = Reception\n\n[extension 2001]\nkind = fxs\n"
	  "line = 0/0\n",
	  .keys = ext_keys, .nkeys = ARRAY_SIZE(ext_keys),
	  KIND_AT(extension, n_extensions, number),
	  .base = 0, .check_name = cfg_check_digits },
	{ .name = "trunk", .what = "name",
	  .doc = "A way to the telephone network or to another SIP server. "
	  "NAME follows the rules of [board] name.",
	  .example = "[trunk pstn]\nkind = tdm\nlines = 1/0-1/1,2/0-2/29\n\n"
	  "[trunk operator]\nkind = sip\nhost = sip.example.net:5060\n"
	  "username = 4420\npassword = change-me\nregister = true\n",
	  .keys = trunk_keys, .nkeys = ARRAY_SIZE(trunk_keys),
	  KIND_AT(trunk, n_trunks, name),
	  .base = CFG_MAX_EXTENSIONS, .check_name = cfg_check_name },
	{ .name = "route", .what = "name",
	  .doc = "Where a dialled number that is not an extension goes: out "
	  "on a trunk, edited on the way. NAME, as a trunk's, names the "
	  "route in messages.",
	  .example = "[route pstn-out]\npattern = 0X.\nstrip = 1\n"
	  "trunk = pstn\n",
	  .keys = route_keys, .nkeys = ARRAY_SIZE(route_keys),
	  KIND_AT(route, n_routes, name),
	  .base = CFG_MAX_EXTENSIONS + CFG_MAX_TRUNKS,
	  .check_name = cfg_check_name },
	{ .name = "did", .what = "number",
	  .doc = "An incoming number (direct inward dialling): a call that "
	  "comes in on a trunk for NUMBER, 1 to 31 digits, rings an "
	  "extension. A DID may be an extension's number too.",
	  .example = "[did 5551001]\nextension = 1001\n",
	  .keys = did_keys, .nkeys = ARRAY_SIZE(did_keys),
	  KIND_AT(did, n_dids, number),
	  .base = CFG_MAX_EXTENSIONS + CFG_MAX_TRUNKS + CFG_MAX_ROUTES,
	  .check_name = cfg_check_digits },
};

const size_t cfg_nkinds = ARRAY_SIZE(cfg_kinds);

#endif /* BOARD_CONFIG_KEYS_H */
