/* SPDX-License-Identifier: MIT */
/** @file chan.h  Voice channels: two legs joined, audio both ways
 *
 * A channel joins two legs; a leg is a TDM line (hal/tdm.h), an RTP stream
 * (media/rtpleg.h), a T.38 gateway (media/t38leg.h: a fax's audio ⇄ T.38
 * in UDPTL; it makes the channel a data call) or nothing. Audio flows at 8 kHz linear between them
 * through a sample FIFO per leg, so legs with different frame sizes
 * (TDM blocks of 10 or 20 ms of the card's 1 ms chunks, RTP ptimes of 10
 * to 60 ms) and codecs (transcoding through linear) meet. On a TDM leg, every 20 ms frame received goes
 * through the echo canceller (media/ec.h) and, when asked, the in-band
 * DTMF detector; digits go to the other leg (RFC 4733 on RTP, in-band on
 * TDM) and up to Linux. When asked, a TDM leg also listens both ways for a
 * fax's or modem's answer tone (media/vbd.h): one with phase reversals
 * disables the channel's echo cancellers (ITU-T G.168: such modems cancel
 * their own echo), and either makes the channel a data call, whose RTP
 * legs' jitter buffers stop adapting (a frame inserted or dropped breaks a
 * modem's carrier) and whose TDM legs detect no more digits (a moment of
 * the signal that looks like one would be sent as an RFC 4733 event in
 * its place); Linux is told. A call-progress tone or DTMF played on
 * a leg replaces what the other leg sends while it lasts.
 *
 * Everything comes from pools sized by chan_module_init(); the data path
 * (chan_tick) never allocates. Context: the RT partition's media task.
 */
#ifndef MEDIA_CHAN_H
#define MEDIA_CHAN_H

#include <stdbool.h>
#include <stdint.h>

#include "hal/tdm.h"
#include "sharednet/msg.h"
#include "sharednet/rtstat.h"

struct chan;

/** What a channel reports while it runs (engine.c forwards it). */
struct chan_event {
	enum { CHAN_EV_DTMF, CHAN_EV_VBD } type;
	uint8_t leg;
	char digit;		/**< DTMF */
	uint16_t duration_ms;	/**< DTMF */
	uint8_t tone;		/**< VBD: enum vbd_tone */
	bool to_line;		/**< VBD: in what went to the line */
};

typedef void (chan_event_h)(struct chan *ch, const struct chan_event *ev,
			    void *arg);

struct chan_stats {
	uint64_t fifo_underruns;	/**< samples a leg needed and lacked */
	uint64_t fifo_overruns;		/**< samples dropped: FIFO full */
	uint8_t vbd;			/**< answer tones heard: bit per enum
					     vbd_tone */
	bool data;			/**< a data call since one was */
	bool ec_disabled;		/**< by a tone with phase reversals */
};

int  chan_module_init(unsigned max_chans, struct tdm *tdm,
		      const char *country);
int  chan_module_fini(void);
int  chan_open(struct chan **chp, uint32_t id, const struct msg_leg *a,
	       const struct msg_leg *b, chan_event_h *eh, void *arg);
int  chan_modify(struct chan *ch, const struct msg_leg *a,
		 const struct msg_leg *b);
void chan_close(struct chan *ch, struct gwmsg stats[2], unsigned *nstats);
uint32_t chan_id(const struct chan *ch);
uint64_t chan_tick(struct chan *ch, uint64_t tick, uint64_t now_ns);
void chan_idle_lines_tick(uint64_t tick);
int  chan_line_tone(unsigned span, unsigned line, unsigned tone);
int  chan_dtmf(struct chan *ch, unsigned leg, char digit,
	       unsigned duration_ms);
int  chan_tone(struct chan *ch, unsigned leg, unsigned tone,
	       const char *country);
void chan_snapshot(const struct chan *ch, uint64_t now_ns,
		   struct rtstat_chan *out);
void chan_stats_get(const struct chan *ch, struct chan_stats *st);

#endif /* MEDIA_CHAN_H */
