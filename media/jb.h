/* SPDX-License-Identifier: MIT */
/** @file jb.h  Adaptive jitter buffer for one RTP leg
 *
 * Frames are stored in embedded fixed slots (no allocation), keyed by
 * their extended RTP sequence number; the RTP timestamp gives their place
 * in time. The receive side puts every valid RTP packet of the stream with
 * jb_put() as it arrives (audio frames, and "no audio" packets such as RFC
 * 4733 events or comfort noise, which share the sequence space); the
 * playout clock calls jb_get() each time it needs the next frame (once per
 * ptime when both sides use the same ptime) and gets a frame, a "missing"
 * indication (the caller conceals with PLC), a comfort noise packet
 * (RFC 3389: the talkspurt ended; the caller plays noise at its level
 * through the silent gap that follows), or "empty" (play silence, or the
 * comfort noise: not started yet, waiting for the playout delay, or a
 * silent gap).
 *
 * Adaptation: the target playout delay is three times the RFC 3550
 * interarrival jitter (A.8), kept between min_ms and max_ms. The delay
 * actually buffered is measured on every arriving packet (when it will be
 * played minus when it arrived, smoothed). The buffer moves towards the
 * target without audible jumps:
 *  - at the start of a talkspurt (a timestamp gap after silence, with or
 *    without the marker bit) and after an underrun, playout restarts
 *    exactly `target` after the first frame arrived: silence absorbs the
 *    change;
 *  - inside a talkspurt, by at most one frame every JB_ADJ_MIN_MS: grow
 *    by inserting one concealed frame, shrink by dropping one frame, with
 *    hysteresis (grow below target - frame/2, shrink above target + frame).
 * Sequence numbers follow RFC 3550 A.1 (wrap, misordering, probation after
 * a large jump); timestamps compare modulo 2^32. A packet with another SSRC
 * restarts the buffer (the caller's SSRC policy decides what reaches it).
 * The frame length starts as frame_ms and follows the peer's (the
 * timestamp step between consecutive audio frames, seen twice in a row):
 * a peer may send 30 or 40 ms frames when asked for 20.
 *
 * Context: one thread (the media task) owns a jitter buffer.
 */
#ifndef MEDIA_JB_H
#define MEDIA_JB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JB_SLOTS	32	/**< frames held (a power of two) */
#define JB_PAYLOAD_MAX	480	/**< bytes per frame: 60 ms of G.711 */
#define JB_ADJ_MIN_MS	200	/**< in-talkspurt adjustments this far apart */
#define JB_IDLE_MS	60	/**< concealment after the last frame */

struct jb_cfg {
	uint32_t clock_hz;	/**< RTP clock rate (8000) */
	uint16_t frame_ms;	/**< nominal frame length (the peer's ptime) */
	uint16_t min_ms;	/**< smallest target delay */
	uint16_t max_ms;	/**< largest target delay */
};

/** One packet given to jb_put(). */
struct jb_pkt {
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	bool marker;
	const uint8_t *payload;	/**< NULL / len 0: no audio (event) */
	bool cn;		/**< comfort noise: @c payload is its RFC 3389
				     level and spectrum (len 0: malformed) */
	size_t len;
	uint64_t arrival_ns;	/**< when the packet arrived (monotonic) */
};

/** What jb_put() did with a packet (every case is also counted). */
enum jb_put_res {
	JB_PUT_OK,		/**< stored */
	JB_PUT_LATE,		/**< after its playout time: dropped */
	JB_PUT_DUP,		/**< already received: dropped */
	JB_PUT_EARLY,		/**< beyond the buffer (overflow): dropped */
	JB_PUT_PROBATION,	/**< large sequence jump, not yet confirmed */
	JB_PUT_INVALID,		/**< bad argument (not counted) */
};

/** What jb_get() gives. */
enum jb_res {
	JB_FRAME,	/**< a frame: decode it */
	JB_MISSING,	/**< none for this slot: conceal @c dur samples */
	JB_CN,		/**< comfort noise: its payload, @c dur samples of
			     it; the silence until the next frame is too */
	JB_EMPTY,	/**< nothing to play: silence */
};

struct jb_stats {
	uint64_t packets;	/**< jb_put() calls with a valid packet */
	uint64_t received;	/**< distinct packets (RFC 3550 "received") */
	uint64_t expected;	/**< from sequence numbers (RFC 3550 A.3) */
	uint64_t lost;		/**< expected - received, never negative */
	uint64_t played;	/**< frames returned */
	uint64_t concealed;	/**< JB_MISSING for frames not there in time */
	uint64_t late;		/**< arrived after their playout time */
	uint64_t duplicates;
	uint64_t early;		/**< discarded: no room (overflow) */
	uint64_t reordered;	/**< arrived after a higher sequence number */
	uint64_t inserted;	/**< frames concealed to grow the delay */
	uint64_t dropped;	/**< frames dropped to shrink the delay */
	uint64_t flushed;	/**< frames dropped by a restart or resync */
	uint64_t resyncs;	/**< playout restarted on a sequence jump */
	uint64_t restarts;	/**< new SSRC */
	uint32_t jitter_ts;	/**< RFC 3550 interarrival jitter, RTP units */
	uint32_t target_ms;	/**< target playout delay */
	uint32_t delay_ms;	/**< measured playout delay (smoothed) */
};

enum jb_state { JB_S_EMPTY, JB_S_WAIT, JB_S_PLAY, JB_S_IDLE };

struct jb_slot {
	uint32_t ext;		/* extended sequence number */
	uint32_t ts;
	uint64_t arrival_ns;
	uint16_t len;
	bool used;
	bool audio;
	bool cn;
	bool marker;
	uint8_t data[JB_PAYLOAD_MAX];
};

/** A jitter buffer: embed it; contents are private to jb.c. */
struct jb {
	struct jb_cfg cfg;
	enum jb_state state;
	int64_t min_ns, max_ns, target_ns, step_ns;
	uint32_t step;			/* frame length, RTP units */
	uint32_t step_cand;		/* a new length seen once */
	bool have_last;
	uint32_t last_ext, last_ts;	/* the newest audio frame */
	/* the stream: RFC 3550 A.1 */
	bool have_stream;
	uint32_t ssrc;
	uint16_t max_seq;
	uint32_t cycles, base_ext, bad_seq;
	uint64_t seen;			/* bit i: max ext - i received */
	uint64_t received, lost_before;
	uint64_t expected_before, received_before;
	int early_run;
	/* RFC 3550 A.8 */
	bool have_transit;
	uint32_t transit, jitter_q4, jitter_n;
	/* playout */
	uint32_t next, play_ts;		/* next extended seq; its timestamp */
	uint64_t wait_until;
	bool have_get;
	uint64_t get_ns;		/* last jb_get() that moved playout */
	uint32_t get_ts;		/* the timestamp played then */
	int64_t slack_ns;		/* smoothed playout - arrival */
	uint64_t adj_ns;		/* last in-talkspurt adjustment */
	int64_t underrun_ns;
	bool fixed;			/* no in-talkspurt adjustment */
	unsigned nbuf;
	struct jb_stats st;
	struct jb_slot slot[JB_SLOTS];
};

int  jb_init(struct jb *jb, const struct jb_cfg *cfg);
void jb_reset(struct jb *jb);
void jb_fix_delay(struct jb *jb);
enum jb_put_res jb_put(struct jb *jb, const struct jb_pkt *p);
enum jb_res jb_get(struct jb *jb, uint64_t now_ns, uint8_t *payload,
		   size_t *len, uint32_t *dur);
void jb_stats_get(const struct jb *jb, struct jb_stats *st);

#endif /* MEDIA_JB_H */
