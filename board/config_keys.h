/* SPDX-License-Identifier: MIT */
/** @file config_keys.h  The configuration schema: every section and key
 *
 * Private to board/config.c, which includes it once. This table is the one
 * source of truth for the configuration: the parser, the defaults file
 * (rootfs/etc/gateway/gateway.ini is `gwconfig defaults`), `gwconfig show`
 * and the error messages all come from it.
 *
 * To add a key: add a field to struct gw_config (board/config.h) and one
 * entry below, in its section, then regenerate the defaults file with
 * `build/bin/gwconfig defaults > rootfs/etc/gateway/gateway.ini`. The KEY_*
 * macros check at compile time that the field has the type the key needs.
 * Doc strings are plain sentences; the writer wraps them at 78 columns and
 * starts a new comment line at each '\n'.
 */
#ifndef BOARD_CONFIG_KEYS_H
#define BOARD_CONFIG_KEYS_H

#include <stddef.h>

#include "board/config.h"
#include "hal/tdm.h"
#include "media/tone.h"

enum cfg_type {
	CFG_T_INT,	/**< int, min..max */
	CFG_T_BOOL,	/**< bool */
	CFG_T_STR,	/**< char[size], at most size - 1 characters */
	CFG_T_ENUM,	/**< an int-sized enum: the index in choices */
	CFG_T_CPUS,	/**< cpu_set_t */
	CFG_T_PORTS,	/**< struct cfg_ports */
	CFG_T_IPV4,	/**< struct in_addr, a unicast host address */
	CFG_T_PREFIX,	/**< struct cfg_prefix, a host address/prefix */
	CFG_T_MAC,	/**< uint8_t[6], a unicast MAC address */
};

#define CFG_F_EMPTY_OK	0x1u	/**< empty value allowed ("none") */
#define CFG_F_POW2	0x2u	/**< CFG_T_INT: a power of two */
#define CFG_F_NAME	0x4u	/**< STR: [A-Za-z0-9][A-Za-z0-9._-]* */

struct cfg_section {
	const char *name;
	const char *doc;
};

struct cfg_key {
	const char *section;
	const char *name;
	enum cfg_type type;
	unsigned int flags;
	size_t off;		/**< offset of the field in gw_config */
	size_t size;		/**< size of the field */
	const char *def;	/**< default, as written in a file */
	long min;		/**< CFG_T_INT */
	long max;		/**< CFG_T_INT */
	const char *const *choices;	/**< CFG_T_ENUM, NULL-terminated */
	/** CFG_T_STR: more rules for a non-empty value; returns 0, or a
	 *  negative errno with what follows the quoted value in @p why */
	int (*check)(const char *v, char *why, size_t size);
	const char *doc;
};

/* Compile-time type check of a field: _Generic has no match, and the
 * build fails, unless the expression has type T. Never evaluated. */
#define CFG_FIELD(f)	(((struct gw_config *)0)->f)
#define CFG_IS(e, T)	(0 * sizeof(_Generic((e), T: 1)))
#define CFG_AT(f, T)						\
	.off = offsetof(struct gw_config, f) + CFG_IS(CFG_FIELD(f), T),	\
	.size = sizeof(CFG_FIELD(f))

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

static const char *const tdm_choices[] = {
	[CFG_TDM_NONE] = "none",
	[CFG_TDM_VTDM] = "vtdm",
	[CFG_TDM_DAHDI] = "dahdi",
	NULL
};

static int check_spans(const char *v, char *why, size_t size)
{
	struct tdm_layout l;
	char w[128];

	if (!tdm_layout_parse(v, &l, w, sizeof(w)))
		return 0;
	snprintf(why, size, "is not a span layout such as fxs:2,fxo:2,e1:30: "
		 "%s", w);
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

static const char *const txs_choices[] = {
	[CFG_TXS_PRIORITY] = "priority",
	[CFG_TXS_FIFO] = "fifo",
	NULL
};

static const struct cfg_section cfg_sections[] = {
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
	{ "probe", "Probe streams: voice-like UDP streams the RT partition "
	  "sends for benchmarks and tests (sequence number and send time in "
	  "each packet). Off unless dest is set." },
};

static const struct cfg_key cfg_keys[] = {
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
		"pools of this size, never from the C library's heap."),

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
		 "(30-channel trunk)."),
	KEY_STR("tdm", "dahdi_dir", tdm.dahdi_dir, "/dev/dahdi", 0,
		"Where the DAHDI devices are (card = dahdi)."),

	/* [media] */
	KEY_INT("media", "max_channels", media.max_channels, "256", 1, 4096,
		0, "Voice channels the RT partition can hold at once; all "
		"their memory is taken at start."),
	KEY_INT("media", "ec_max_tail_ms", media.ec_max_tail_ms, "128", 16,
		512, 0, "Longest echo canceller tail a TDM leg may ask for."),
	KEY_STRC("media", "country", media.country, "us", 0, check_country,
		 "Call-progress tones (dial, ringback, busy, congestion) of "
		 "this country: us, uk, de, fr."),

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
};

#endif /* BOARD_CONFIG_KEYS_H */
