/* SPDX-License-Identifier: MIT */
/** @file rtstat.h  The RT partition's status page, read by Linux
 *
 * An area of the bus region (bus_status()) that the RT partition rewrites a
 * few times a second and any Linux process that maps the bus reads: the
 * executive's state, every task's counters and latency summary, and every
 * counter of the RT side's modules as (name, value) pairs, so that gwctl,
 * the web UI and /metrics show new counters without knowing them.
 *
 * One writer; readers never block it: the page carries a sequence number
 * that is odd while the writer is inside (a seqlock). rtstat_read() copies
 * the page and retries when the writer moved under it; of the channel
 * table it copies the rows in use (nchans), not all RTSTAT_MAX_CHANS.
 */
#ifndef SHAREDNET_RTSTAT_H
#define SHAREDNET_RTSTAT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define RTSTAT_VERSION		8u
#define RTSTAT_MAX_TASKS	32
#define RTSTAT_HIST		40	/* power-of-two buckets of ns */
#define RTSTAT_MAX_COUNTERS	512
#define RTSTAT_NAME		48
#define RTSTAT_MAX_CHANS	4096	/* [media] max_channels' largest value */

struct rtstat_task {
	char name[16];
	int32_t prio;
	uint32_t fifo;
	uint64_t period_ns;
	uint64_t runs, missed, skipped, overruns, stalls, timers_fired;
	uint64_t lat_count, lat_p50, lat_p99, lat_p999, lat_max;	/* ns */
	uint64_t run_p50, run_p99, run_max;				/* ns */
	/** wake-up lateness: lat_hist[i] counts values in [2^i, 2^(i+1)) ns
	 *  ([0] also holds 0) */
	uint64_t lat_hist[RTSTAT_HIST];
};

struct rtstat_counter {
	char name[RTSTAT_NAME];	/**< dotted: "bus.frames-up.drop_full" */
	uint64_t value;
};

#define RTSTAT_MAX_ARP 16

struct rtstat_arp {
	uint32_t ip;		/**< network order */
	uint8_t mac[6];
	uint8_t pad[2];
};

/** The settings the RT side applies to the shared interface now */
struct rtstat_net {
	uint8_t mac[6];
	uint8_t up;
	uint8_t prefix_len;
	uint32_t ip;		/**< network order */
	uint32_t gateway;	/**< network order */
	uint32_t mtu;
	uint32_t netcfg_seq;	/**< of the last message applied */
	uint64_t netcfg_applied_ns;	/**< when (CLOCK_MONOTONIC) */
	uint32_t narp;
	struct rtstat_arp arp[RTSTAT_MAX_ARP];	/**< the RT stack's ARP cache */
};

/** One leg of an open voice channel */
struct rtstat_leg {
	uint8_t kind;		/**< enum msg_leg_kind */
	uint8_t codec;		/**< enum codec_id (RTP) */
	uint8_t span, line;	/**< TDM */
	uint16_t local_port;	/**< RTP, T.38 */
	uint16_t mos_x100;	/**< estimated MOS * 100 (RTP) */
	uint32_t jitter_us;	/**< RTP interarrival jitter */
	uint32_t tx_packets, rx_packets, lost, late;
	uint32_t malformed;	/**< RTP refused (version, header, CSRC, ...) */
	uint32_t wrong_ssrc;	/**< RTP of another source, refused */
	uint32_t cn_tx;		/**< RTP: comfort noise packets sent (vad) */
	uint32_t recovered;	/**< T.38: IFP packets brought back by UDPTL's
				     redundancy (lost: those it could not) */
	uint16_t pages;		/**< T.38: fax pages passed on */
	uint16_t rate_hbps;	/**< T.38: the fax modem's bit/s / 100 */
	uint16_t ec_tail_ms;	/**< TDM: its echo canceller's span, 0: none */
	int16_t erle_x10;	/**< TDM: the canceller's ERLE estimate, 0.1 dB
				     (when erle_valid) */
	uint8_t erle_valid;	/**< TDM: it has heard the far end */
	uint8_t ec_idle_pct;	/**< TDM: its blocks idle, the far end quiet */
	uint8_t srtp;		/**< RTP: enum srtpctx_suite, 0: clear */
	uint8_t pad2[3];
	/* RTP: packets (and RTCP packets) SRTP's check refused, by kind */
	uint32_t srtp_auth_fail;	/**< the authentication tag wrong */
	uint32_t srtp_replay;	/**< replayed, or older than the window */
	uint32_t srtp_errors;	/**< otherwise (too short, clear RTP) */
	uint32_t latched_ip;	/**< RTP: where its RTP goes, when latching
				     moved it from the remote end (NAT);
				     0: not moved. Network order */
	uint16_t latched_port;
	uint16_t pad3;
};

struct rtstat_chan {
	uint32_t id;
	uint32_t age_ms;	/**< since it was opened */
	uint8_t data;		/**< a fax's or modem's answer tone made it a
				     data call */
	uint8_t ec_off;		/**< its echo cancellers stopped (a tone with
				     phase reversals) */
	uint8_t pad[2];
	struct rtstat_leg leg[2];
};

struct rtstat {
	_Atomic uint32_t seq;	/**< odd while being written */
	uint32_t version;
	uint64_t updated_ns;	/**< CLOCK_MONOTONIC of the last update */
	uint64_t started_ns;	/**< when the RT partition started */
	uint32_t pid;
	uint32_t fifo;		/**< tasks run SCHED_FIFO */
	uint32_t memory_locked;
	uint32_t ncpus;
	char warning[256];
	uint64_t alloc_after_start;
	uint32_t ntasks;
	uint32_t ncounters;
	struct rtstat_net net;
	uint32_t nchans;
	struct rtstat_chan chan[RTSTAT_MAX_CHANS];
	struct rtstat_task task[RTSTAT_MAX_TASKS];
	struct rtstat_counter counter[RTSTAT_MAX_COUNTERS];
};

/** An RTP leg's packets refused by SRTP's check, of every kind */
static inline uint32_t rtstat_leg_srtp_refused(const struct rtstat_leg *l)
{
	return l->srtp_auth_fail + l->srtp_replay + l->srtp_errors;
}

void rtstat_begin(struct rtstat *page);
void rtstat_end(struct rtstat *page);
int  rtstat_counter_set(struct rtstat *page, const char *name,
			uint64_t value);
int  rtstat_read(const struct rtstat *page, struct rtstat *out);
const struct rtstat_counter *rtstat_counter_find(const struct rtstat *s,
						 const char *name);

#endif /* SHAREDNET_RTSTAT_H */
