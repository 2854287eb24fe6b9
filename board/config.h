/* SPDX-License-Identifier: MIT */
/** @file config.h  The appliance's configuration, one INI format for all
 *
 * Every process of the appliance reads its settings through this module:
 * INI files parsed with libinih, checked against one schema table
 * (board/config_keys.h) that gives each key its section, type, default,
 * range and documentation, and turned into one typed struct gw_config.
 *
 * Files, in order, each overriding the ones before it (cfg_load_env()):
 *  1. the appliance defaults, CFG_DEFAULTS_PATH (rootfs/etc/gateway/
 *     gateway.ini: every key with its documentation and default; it is the
 *     output of cfg_write_defaults(), and a test keeps the two identical);
 *  2. the board file, CFG_BOARD_DIR/<name>/board.ini, where <name> is
 *     $GW_BOARD or else [board] name from the defaults file;
 *  3. an optional local file named by the program (e.g. its --config).
 * $GW_CONFIG, a colon-separated list of files, replaces 1 and 2.
 *
 * Syntax: "[section]" lines, "key = value" lines, and whole-line comments
 * starting with ';' or '#'. A value runs to the end of its line (no quotes,
 * no trailing comments, no continuation lines); a line holds at most
 * CFG_MAX_LINE characters; a key may be set once per file.
 *
 * Repeated sections: besides the fixed sections, each present once, a
 * header "[kind NAME]" (kinds extension, trunk, route, did) creates the
 * instance NAME of that kind with its keys' defaults, or selects it again
 * (later in the file, or in a later file) to add or change keys; a key is
 * set once per instance per file. Instances are kept in the order first
 * seen, in the arrays below with their counts. What an instance requires
 * (a password, a line, a trunk that exists...) is checked with the other
 * rules across keys. cfg_set(), cfg_get(), cfg_key_count() and
 * cfg_key_name() cover the fixed sections only; cfg_format(), cfg_equal()
 * and cfg_validate() cover the instances too.
 *
 * Nothing starts half-configured: an unknown section or key, a bad value,
 * a key set twice in a file, a syntax error, an over-long line or a file
 * that cannot be read makes the load fail with the file, the line and the
 * reason (struct cfg_err, "FILE:LINE: reason" from cfg_err_str()), and the
 * caller's struct is left as it was.
 *
 * Context: Linux side, at init time. Loading is not thread-safe: libinih's
 * switches are process-wide globals, set on each load.
 */
#ifndef BOARD_CONFIG_H
#define BOARD_CONFIG_H

#include <netinet/in.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hal/tdm.h"
#include "rtos-kernel/log.h"

#ifndef CFG_DEFAULTS_PATH
#define CFG_DEFAULTS_PATH "rootfs/etc/gateway/gateway.ini"
#endif
#ifndef CFG_BOARD_DIR
#define CFG_BOARD_DIR	"board"
#endif
#define CFG_BOARD_FILE	"board.ini"
#define CFG_ENV_FILES	"GW_CONFIG"	/**< files, separated by ':' */
#define CFG_ENV_BOARD	"GW_BOARD"	/**< picks the board file */

#define CFG_MAX_LINE	4096	/**< longest line, without line end */
#define CFG_NAME_SIZE	32	/**< board name: up to 31 characters */
#define CFG_TEXT_SIZE	128	/**< free text: up to 127 characters */
#define CFG_IFNAME_SIZE	16	/**< interface name, as IFNAMSIZ */
#define CFG_PORT_RANGES_MAX 16
#define CFG_MAX_CHANNELS 4096	/**< [media] max_channels' largest */
#define CFG_BILLING_PATH 256	/**< [billing] paths and the store string */

/** NIC driver of the RT partition ([net] nic) */
enum cfg_nic {
	CFG_NIC_AFPACKET,	/**< AF_PACKET socket with mmap rings */
	CFG_NIC_TAP,		/**< TAP device (tests) */
	CFG_NIC_MEM,		/**< in-memory loopback (tests, benches) */
};

/** Telephony card ([tdm] card) */
enum cfg_tdm { CFG_TDM_NONE, CFG_TDM_VTDM, CFG_TDM_DAHDI };

/** What a fax heard on a card line's call gets ([sip] fax) */
enum cfg_fax { CFG_FAX_T38, CFG_FAX_G711 };
enum cfg_srtp { CFG_SRTP_OFF, CFG_SRTP_OPTIONAL, CFG_SRTP_MANDATORY };

/** Transmit scheduler of the shared NIC ([net] tx_scheduler) */
enum cfg_txs { CFG_TXS_PRIORITY, CFG_TXS_FIFO };

/** One UDP port range, lo <= hi, both in 1..65535 */
struct cfg_port_range {
	uint16_t lo;
	uint16_t hi;
};

/** A set of port ranges: sorted by lo, never overlapping */
struct cfg_ports {
	unsigned int n;
	struct cfg_port_range r[CFG_PORT_RANGES_MAX];
};

/** An interface address with its prefix length (198.18.0.10/24) */
struct cfg_prefix {
	struct in_addr addr;	/**< network byte order */
	unsigned int len;	/**< 1..32 */
};

/*
 * Repeated sections: the PBX's provisioning. A section header names an
 * instance: "[extension 1001]", "[trunk pstn]", "[route pstn-out]",
 * "[did 5551001]". Instances appear in the order first seen; a later file
 * may add instances or change keys of an existing one.
 */
#define CFG_MAX_EXTENSIONS	256
#define CFG_MAX_TRUNKS		16
#define CFG_MAX_ROUTES		64
#define CFG_MAX_DIDS		256
#define CFG_NUMBER_SIZE		32	/**< a telephone number or pattern */
#define CFG_SECRET_SIZE		64

enum cfg_ext_kind { CFG_EXT_SIP, CFG_EXT_FXS };
enum cfg_trunk_kind { CFG_TRUNK_TDM, CFG_TRUNK_SIP };

/** [extension NUMBER]: a phone of the PBX */
struct cfg_extension {
	char number[CFG_NUMBER_SIZE];	/**< the instance name: digits */
	enum cfg_ext_kind kind;		/**< sip (a SIP phone) or fxs */
	char password[CFG_SECRET_SIZE];	/**< sip: digest password */
	char display[CFG_TEXT_SIZE];	/**< caller name shown */
	char line[16];			/**< fxs: the TDM line, "SPAN/LINE" */
};

/** [trunk NAME]: a way to the telephone network or another PBX */
struct cfg_trunk {
	char name[CFG_NAME_SIZE];	/**< the instance name */
	enum cfg_trunk_kind kind;	/**< tdm or sip */
	char lines[CFG_TEXT_SIZE];	/**< tdm: "1/0-1/1,2/0-2/29" */
	char host[CFG_TEXT_SIZE];	/**< sip: upstream server host[:port] */
	char username[CFG_SECRET_SIZE];	/**< sip: for registration/auth */
	char password[CFG_SECRET_SIZE];
	bool register_;			/**< sip: register with the server */
	char allow_ips[CFG_TEXT_SIZE];	/**< sip: peers trusted by address
					 *   (IP authentication), comma list */
};

/** [route NAME]: dialled numbers to a trunk */
struct cfg_route {
	char name[CFG_NAME_SIZE];	/**< the instance name */
	char pattern[CFG_NUMBER_SIZE];	/**< digits, X (any digit), and a
					 *   final '.' (one or more more) */
	int strip;			/**< leading digits removed */
	char prefix[CFG_NUMBER_SIZE];	/**< then put in front */
	char trunk[CFG_NAME_SIZE];	/**< a [trunk NAME] */
};

/** [did NUMBER]: an incoming number routed to an extension */
struct cfg_did {
	char number[CFG_NUMBER_SIZE];	/**< the instance name */
	char extension[CFG_NUMBER_SIZE];	/**< an [extension NUMBER] */
};

/* TDM lines as [extension] line and [trunk] lines give them: spans count
 * from 0 in the order of [tdm] spans, lines from 0 within their span. */
#define CFG_TDM_SPANS_MAX	TDM_MAX_SPANS	/**< hal/tdm.h's */
#define CFG_TDM_LINES_MAX	TDM_MAX_CHANS	/**< per span */
#define CFG_TDM_RANGES_MAX	32

/** Lines first..last (first <= last) of one span */
struct cfg_tdm_range {
	unsigned int span;
	unsigned int first;
	unsigned int last;
};

/** A list of TDM lines, in the order written; ranges never overlap */
struct cfg_tdm_lines {
	unsigned int n;
	struct cfg_tdm_range r[CFG_TDM_RANGES_MAX];
};

/** The whole configuration; see rootfs/etc/gateway/gateway.ini for what
 *  each field means (field names are the keys' names). */
struct gw_config {
	struct cfg_board {
		char name[CFG_NAME_SIZE];
		char description[CFG_TEXT_SIZE];
		cpu_set_t rt_cpus;
		cpu_set_t linux_cpus;
		char run_dir[CFG_TEXT_SIZE];
		int restart_min_ms;
		int restart_max_ms;
	} board;
	struct cfg_rt {
		bool lock_memory;
		bool poll_idle;
		bool alloc_abort;
		int watchdog_period_ms;
		int watchdog_stall_ms;
		int tick_us;
		int packets;
		int heap_kib;
	} rt;
	struct cfg_bus {
		int rx_frames_kib;	/**< channel 1, RT -> Linux frames */
		int tx_frames_kib;	/**< channel 2, Linux -> RT frames */
		int netcfg_kib;		/**< channel 3, NIC settings */
		int msg_up_kib;		/**< channel 4, RT -> Linux */
		int msg_down_kib;	/**< channel 4, Linux -> RT */
	} bus;
	struct cfg_net {
		enum cfg_nic nic;
		char nic_ifname[CFG_IFNAME_SIZE];
		char nic_netns[CFG_NAME_SIZE];
		char tap_ifname[CFG_IFNAME_SIZE];
		uint8_t mac[6];
		struct cfg_prefix address;
		struct in_addr gateway;	/**< INADDR_ANY (0): none */
		int mtu;
		int link_mbps;		/**< 0: unpaced */
		enum cfg_txs tx_scheduler;
		bool rx_moderation;
	} net;
	struct cfg_portmap {
		struct cfg_ports rt;	/**< UDP ports of the RT side */
	} ports;
	struct cfg_log {
		enum log_level level;
	} log;
	struct cfg_tdm_sec {
		enum cfg_tdm card;
		char spans[CFG_TEXT_SIZE];
		char dahdi_dir[CFG_TEXT_SIZE];
	} tdm;
	struct cfg_media {
		int max_channels;
		int max_fax;		/**< T.38 legs */
		int max_srtp;		/**< SRTP legs */
		int max_g729;		/**< G.729 legs */
		int ec_max_tail_ms;
		char country[8];
		bool vad;		/**< SIP legs suppress silence */
		int dscp;		/**< of RTP, RTCP, UDPTL sent */
	} media;
	struct cfg_sip {
		bool enable;		/**< start sipd */
		int port;		/**< UDP and TCP */
		int tls_port;		/**< 0: no TLS */
		char tls_cert_dir[CFG_TEXT_SIZE];	/**< agent.pem, cafile.pem */
		char realm[CFG_TEXT_SIZE];	/**< digest realm */
		int register_min_s;
		int register_max_s;
		int no_answer_s;
		int inter_digit_ms;	/**< FXS/E1 dialling */
		char codecs[CFG_TEXT_SIZE];	/**< preference: "pcmu,pcma,..." */
		int rtp_port_min;	/**< RT ports for calls (even..odd) */
		int rtp_port_max;
		int auth_fail_limit;	/**< failures per address ... */
		int auth_fail_window_s;	/**< ... in this window ... */
		int auth_block_s;	/**< ... block it this long */
		int session_timer;	/**< RFC 4028 interval, s; 0: off */
		int rtp_timeout;	/**< no RTP for this, s: hang up */
		enum cfg_fax fax;	/**< T.38 offered first, or G.711 */
		enum cfg_srtp srtp;	/**< SDES: answered, offered */
		bool symmetric_rtp;	/**< RTP legs latch (NAT) */
		bool force_rport;	/**< SIP to where requests came
					 *   from (NAT) */
		int nat_keepalive;	/**< s between OPTIONS to phones
					 *   behind NAT, 0: none */
		int dscp;		/**< of the SIP sent */
	} sip;
	unsigned n_extensions, n_trunks, n_routes, n_dids;
	struct cfg_extension extension[CFG_MAX_EXTENSIONS];
	struct cfg_trunk trunk[CFG_MAX_TRUNKS];
	struct cfg_route route[CFG_MAX_ROUTES];
	struct cfg_did did[CFG_MAX_DIDS];
	struct cfg_probe {
		struct in_addr dest;	/**< INADDR_ANY (0): off */
		int port;
		int src_port;
		int streams;
		int interval_us;
		int bytes;
	} probe;
	/** CDR delivery (billingd, Linux partition) and the billing server
	 *  (billsrv, on the billing host): see billing/spool.h, billing/bsrv.h */
	struct cfg_billing {
		bool enable;		/**< start billingd */
		char spool_dir[CFG_BILLING_PATH];
		char server[CFG_TEXT_SIZE];	/**< host:port; "": spool only */
		bool tls;
		char ca_file[CFG_BILLING_PATH];
		char server_name[CFG_TEXT_SIZE];
		char client_cert[CFG_BILLING_PATH];
		char client_key[CFG_BILLING_PATH];
		char gateway_name[CFG_NAME_SIZE];
		int backoff_min_ms;
		int backoff_max_ms;
		int batch;
		int ack_timeout_ms;
		char listen[CFG_TEXT_SIZE];
		char store[CFG_BILLING_PATH];
		char tariffs[CFG_BILLING_PATH];
		char http_listen[CFG_TEXT_SIZE];
		char http_token[CFG_TEXT_SIZE];
		char server_cert[CFG_BILLING_PATH];
		char server_key[CFG_BILLING_PATH];
		char client_ca[CFG_BILLING_PATH];
		int max_clients;
	} billing;
	/** The admin web UI and its REST API (webd, Linux partition): see
	 *  linux-side/web/webapi.h */
	struct cfg_web {
		bool enable;		/**< start webd */
		int port;		/**< HTTP, or HTTPS with tls_cert */
		char tls_cert[CFG_BILLING_PATH];	/**< PEM; "": HTTP */
		char tls_key[CFG_BILLING_PATH];
		char passwd_file[CFG_BILLING_PATH];
		char www_dir[CFG_BILLING_PATH];
		int session_idle_s;
		int session_max_s;
		int login_fail_limit;
		int login_fail_window_s;
		int login_block_s;
		char log_file[CFG_BILLING_PATH];
		char cdr_url[CFG_TEXT_SIZE];
		char cdr_token[CFG_TEXT_SIZE];
		char metrics_token[CFG_TEXT_SIZE];
	} web;
};

/** Where and why a load failed. line is 0 when the error is not about one
 *  line (a file that cannot be opened); file is "" when not about a file. */
struct cfg_err {
	char file[256];
	unsigned int line;
	char reason[256];
};

void cfg_defaults(struct gw_config *c);
int  cfg_load(struct gw_config *c, const char *const *paths, size_t npaths,
	      struct cfg_err *err);
int  cfg_load_string(struct gw_config *c, const char *name, const char *text,
		     struct cfg_err *err);
int  cfg_load_buf(struct gw_config *c, const char *name, const void *buf,
		  size_t len, struct cfg_err *err);
int  cfg_load_env(struct gw_config *c, const char *local,
		  struct cfg_err *err);
int  cfg_validate(const struct gw_config *c, struct cfg_err *err);
const char *cfg_err_str(const struct cfg_err *err, char *buf, size_t size);

int  cfg_set(struct gw_config *c, const char *section, const char *name,
	     const char *value, struct cfg_err *err);
int  cfg_get(const struct gw_config *c, const char *section, const char *name,
	     char *buf, size_t size);
bool cfg_equal(const struct gw_config *a, const struct gw_config *b);
size_t cfg_key_count(void);
const char *cfg_key_name(size_t i, const char **section);

int  cfg_format(const struct gw_config *c, FILE *f);
int  cfg_write_defaults(FILE *f);

/* Repeated sections one instance at a time, and local files written from
 * a configuration (board/config_edit.c): what the web UI edits with. A
 * kind is "extension", "trunk", "route" or "did". */
enum cfg_value_kind { CFG_VALUE_TEXT, CFG_VALUE_INT, CFG_VALUE_BOOL };

struct cfg_key_info {
	const char *name;
	enum cfg_value_kind value;	/**< how the value reads as JSON */
	bool empty_ok;			/**< may be empty */
	const char *doc;
};

int  cfg_kind_info(const char *kind, const char **what);
int  cfg_inst_key_info(const char *kind, size_t i, struct cfg_key_info *ki);
int  cfg_fixed_key_info(const char *section, const char *name,
			struct cfg_key_info *ki);
unsigned int cfg_inst_n(const struct gw_config *c, const char *kind);
const char *cfg_inst_name(const struct gw_config *c, const char *kind,
			  unsigned int i);
int  cfg_inst_find(const struct gw_config *c, const char *kind,
		   const char *name);
int  cfg_inst_add(struct gw_config *c, const char *kind, const char *name,
		  struct cfg_err *err);
int  cfg_inst_set(struct gw_config *c, const char *kind, const char *name,
		  const char *key, const char *value, struct cfg_err *err);
int  cfg_inst_get(const struct gw_config *c, const char *kind,
		  const char *name, const char *key, char *buf, size_t size);
int  cfg_inst_remove(struct gw_config *c, const char *kind, const char *name);
int  cfg_format_diff(const struct gw_config *base, const struct gw_config *c,
		     FILE *f, struct cfg_err *err);

/* Value parsers: the syntax of each type, without the rules of a key (a
 * range's limits are the caller's). On error each returns a negative errno
 * and writes into why (which may be NULL) what follows the quoted value in
 * a message: "is not a valid CPU list: range 3-1 is backwards". */
int  cfg_parse_int(const char *s, long min, long max, long *v,
		   char *why, size_t size);
int  cfg_parse_bool(const char *s, bool *v, char *why, size_t size);
int  cfg_parse_cpus(const char *s, cpu_set_t *set, char *why, size_t size);
int  cfg_parse_ports(const char *s, struct cfg_ports *p,
		     char *why, size_t size);
int  cfg_parse_ipv4(const char *s, struct in_addr *a, char *why, size_t size);
int  cfg_parse_prefix(const char *s, struct cfg_prefix *p,
		      char *why, size_t size);
int  cfg_parse_mac(const char *s, uint8_t mac[6], char *why, size_t size);
int  cfg_parse_tdm_lines(const char *s, struct cfg_tdm_lines *l,
			char *why, size_t size);
int  cfg_parse_tdm_line(const char *s, unsigned int *span,
			unsigned int *line, char *why, size_t size);
int  cfg_format_cpus(const cpu_set_t *set, char *buf, size_t size);
int  cfg_format_ports(const struct cfg_ports *p, char *buf, size_t size);
bool cfg_ports_contain(const struct cfg_ports *p, uint16_t port);

#endif /* BOARD_CONFIG_H */
