/* SPDX-License-Identifier: MIT */
/** @file pbx_priv.h  The SIP engine's calls, shared by its files
 *
 * A call has two legs: a (the caller's side) and b (the callee's). A leg is
 * a SIP dialog (a Sofia-SIP nua handle, its magic the leg) or a TDM line of
 * the telephony card. The call's media is one channel of the RT partition
 * (channel id = call id), opened and modified over channel 4 as the legs'
 * addresses become known; the SIP engine never touches RTP.
 */
#ifndef SIGNALLING_PBX_PRIV_H
#define SIGNALLING_PBX_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

struct leg;
#define NUA_HMAGIC_T struct leg
#include <sofia-sip/nua.h>
#include <sofia-sip/su_wait.h>

#include "board/config.h"
#include "sharednet/bus.h"
#include "sharednet/msg.h"
#include "signalling/callrec.h"
#include "signalling/dialplan.h"
#include "signalling/digest.h"
#include "signalling/fork.h"
#include "signalling/location.h"
#include "signalling/sdpx.h"

#define PBX_DIGITS	32
#define PBX_MIN_SE	90	/* RFC 4028 Min-SE we accept, seconds */
#define PBX_FORKS	LOC_CONTACTS	/* contacts rung at once */
#define PBX_CONTACT	128

enum leg_type { LEG_NONE, LEG_SIP, LEG_TDM };

enum call_state {
	CALL_COLLECTING,	/* TDM caller dialling, dial tone */
	CALL_PROCEEDING,	/* callee asked (INVITE sent, line seized) */
	CALL_RINGING,
	CALL_ANSWERED,
	CALL_CLOSING,		/* waiting for the channel's last figures */
};

struct call;

struct leg {
	struct call *call;
	enum leg_type type;
	struct callrec_party party;
	char number[CFG_NUMBER_SIZE];
	/* SIP */
	nua_handle_t *nh;
	struct sdpx sdp;	/* the peer's */
	bool have_sdp;
	enum codec_id codec;
	uint8_t pt;
	int te_pt;
	uint16_t port;		/* our RT port for this leg, 0: none */
	enum sdpx_dir dir;	/* what we send in our SDP */
	bool offered;		/* our 200 offered (a re-INVITE without
				   SDP): the answer comes in the ACK */
	bool reoffer;		/* our re-INVITE (a data call's G.711 or
				   T.38) awaits its answer */
	bool t38_offer;		/* ... and it offers T.38 */
	bool t38_refused;	/* the peer refused our T.38 offer */
	uint64_t sdp_ver;	/* o= version of the last SDP we sent, 0:
				   none yet */
	uint32_t sdp_sum;	/* and sdpx_sum() of it */
	bool srtp_keyed;	/* srtp_key made (leg_key()) */
	bool offer_savp;	/* our last offer was RTP/SAVP */
	bool offer_sdes;	/* ... had our crypto lines (in RTP/AVP:
				   best-effort SRTP) */
	uint8_t srtp_key[SRTPCTX_KEY_LEN];	/* ours: what we send in SRTP
						   (forks use leg b's) */
	bool answered_peer;	/* final 200 sent to (a) / got from (b) */
	bool fork;		/* one of call.fork[]: rings, has no port */
	char contact[PBX_CONTACT];	/* the URI we called (b, forks) */
	uint32_t rtp_rx;	/* RT channel's packets received, last seen */
	uint64_t rtp_seen_s;	/* when they last grew (or hold ended) */
	/* TDM */
	int span, line;		/* -1: none */
	bool fxs;		/* an analog phone port, else a trunk line */
};

/* the media figures of one of a channel's RTP legs, kept for the call's
 * record across restarts of the RT partition */
struct leg_figs {
	bool rtp;			/* an RTP leg: it has figures */
	struct callrec_leg before;	/* of the partitions before a restart */
	struct callrec_leg now;		/* of this partition: the last its
					   status page showed, then the
					   close's final figures */
};

struct call {
	bool used;
	uint32_t id;		/* also the RT channel's id */
	char rec_id[CALLREC_ID];
	enum call_state state;
	struct leg a, b;
	/* parallel forking: b rings the callee's first contact, these the
	 * others, all with b's offer (b's port). The fork whose media the
	 * channel carries (the first early media, then the answer) is
	 * swapped into b. */
	struct leg fork[PBX_FORKS - 1];
	int fork_status;	/* best final response of failed forks, 0 */
	char fork_phrase[48];
	bool chan_open;
	bool data;		/* a fax or modem answered (its answer tone
				   heard): SIP legs on G.711 (V.152) */
	uint8_t tone, tone_leg;	/* the tone playing (MSG_TONE_STOP: none) */
	struct leg_figs figs[2];	/* the channel's legs 0 and 1 */
	uint32_t close_seq;
	uint32_t open_seq;	/* the last open of its channel */
	char digits[PBX_DIGITS];
	su_timer_t *timer;
	int64_t start_us, answer_us, end_us;
	bool failed;		/* analog caller hears busy/congestion */
	enum callrec_disp disp;
	int cause;
	char cause_text[48];
	struct callrec rec;	/* written at the end */
};

struct pbx_stats {
	uint64_t calls, answered, failed, registers, auth_challenges;
	uint64_t auth_failures, auth_blocked, bad_requests, bus_errors;
	uint64_t records_failed;
	uint64_t calls_refused;	/* no room in the call table: 503 */
	uint64_t data_calls;	/* calls an answer tone made data calls */
	uint64_t data_reoffers_failed;	/* their re-INVITE to G.711 refused */
	uint64_t t38_calls;	/* legs a re-INVITE moved to T.38 */
	uint64_t t38_refused;	/* a peer's re-INVITE to T.38 refused: no
				   T.38 leg left ([media] max_fax) */
	uint64_t t38_offers_refused;	/* peers that refused ours */
	uint64_t keepalives_sent;	/* OPTIONS to phones behind NAT */
	uint64_t keepalives_unanswered;	/* 408, or 5xx: not reached */
};

struct pbx {
	struct gw_config *cfg;
	su_root_t *root;
	nua_t *nua;
	struct bus *bus;
	struct digest auth;
	struct location *loc;
	struct sdpx_prefs prefs;
	uint32_t sip_ip;	/* our address (eth0), network order */
	uint32_t next_id;
	uint32_t next_seq;
	uint8_t *port_used;	/* one byte per RTP port pair */
	char records_dir[CFG_BILLING_PATH + 16];	/* call records */
	struct call *call;	/* ncalls: as many as the RT partition has
				   channels ([media] max_channels), a call
				   with id N in call[N % ncalls] */
	unsigned ncalls;
	struct pbx_stats st;
	bool stopping;
};

extern struct pbx pbx;

/* pbx.c: calls, media, records */
int  calls_init(unsigned n);
void calls_free(void);
struct call *call_new(void);
void call_refused(const char *caller, const char *callee,
		  const struct callrec_party *from);
struct call *call_by_id(uint32_t id);
struct call *call_by_line(int span, int line);
void call_end(struct call *c, enum callrec_disp disp, int cause,
	      const char *text);
void call_connect(struct call *c);
void call_end_all(unsigned wait_ms, void (*poll)(void));
void call_route(struct call *c, const char *number);
void call_fail(struct call *c, int status, const char *phrase,
	       enum callrec_disp disp);
void call_no_answer(su_root_magic_t *m, su_timer_t *t, su_timer_arg_t *arg);
unsigned leg_ptime(const struct leg *l);
int  media_open(struct call *c);
int  media_modify(struct call *c);
int  media_reopen(struct call *c);
void media_tone(struct call *c, unsigned leg, unsigned tone);
void media_dtmf(struct call *c, unsigned leg, char digit, unsigned ms);
void line_cmd(int span, int line, unsigned cmd);
void line_tone(int span, int line, unsigned tone);
uint16_t port_alloc(void);
void port_free(uint16_t port);
uint64_t now_s(void);
void timer_set(struct call *c, unsigned ms, su_timer_f fn);
void timer_stop(struct call *c);
void pbx_msg_up(const struct gwmsg *m);
int  rt_watch_start(void);
void rt_watch_stop(void);

/* pbx_keepalive.c: OPTIONS to registered phones behind NAT */
int  keepalive_start(void);
void keepalive_stop(void);
bool keepalive_answer(nua_handle_t *nh, int status);

/* pbx_events.c: recent call events */
void pbx_event(const struct call *c, const char *what);
json_t *pbx_events_since(uint64_t since, unsigned max);
void pbx_events_free(void);

/* pbx_sip.c: the SIP side */
void pbx_sip_event(nua_event_t event, int status, char const *phrase, nua_t *nua,
	       nua_magic_t *magic, nua_handle_t *nh, struct leg *leg,
	       sip_t const *sip, tagi_t tags[]);
int  sip_call_out(struct call *c, struct leg *l, const char *uri,
		  const char *hop);
void sip_answer(struct call *c);
void sip_progress(struct call *c, int status, const char *phrase,
		  bool early_media);
void sip_fail(struct call *c, int status, const char *phrase);
void sip_hangup(struct leg *l);
void sip_data_call(struct call *c, bool fax);
void sip_forks_hangup(struct call *c);
void sip_trunks_register(void);
void sip_trunks_unregister(void);
json_t *sip_trunks_json(void);

/* pbx_tdm.c: lines of the card */
void tdm_line_event(unsigned span, unsigned line, unsigned ev);
void tdm_digit(struct call *c, unsigned leg, char digit);
int  tdm_call_out(struct call *c, struct leg *l, const char *digits);
void tdm_hangup(struct leg *l);
void tdm_answer(struct leg *l);
int  tdm_trunk_line(const struct cfg_trunk *t, int *span, int *line);

#endif /* SIGNALLING_PBX_PRIV_H */
