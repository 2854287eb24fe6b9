/* SPDX-License-Identifier: MIT */
/** @file faxm.h  A fax machine for the tests: on a line's audio, or
 *  speaking T.38
 *
 * SpanDSP's fax terminal (T.30 over V.21, V.27ter, V.29 and V.17, with
 * error correction, T.4 and T.6 coding) sending or receiving a TIFF-F
 * file, 8 kHz linear audio in and out in pieces of any size. The PSTN
 * simulator puts one on a line (`fax LINE send|receive FILE`), the test
 * RTP peer on its stream (`rtppeer --fax-send FILE`): the two ends of a
 * fax call that crosses the gateway.
 *
 * A calling machine sends CNG and waits for the called one's CED (the
 * 2100 Hz answer tone the gateway listens for) and its capabilities;
 * either can send (the called one when the caller polls it). The result
 * is known when T.30 ends the call (its phase E): faxm_result().
 *
 * The same machine can speak T.38 instead of audio (faxm_open_t38(), on
 * SpanDSP's T.38 terminal): its IFP packets go out through a callback
 * (to be sent in UDPTL, media/udptl.h), those received come in with
 * faxm_t38_rx(), and time moves on with faxm_t38_tick(); faxm_rx() and
 * faxm_tx() are for the audio kind only, faxm_t38_*() for this one.
 */
#ifndef BOARD_SIM_FAXM_H
#define BOARD_SIM_FAXM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum faxm_state { FAXM_RUNNING, FAXM_OK, FAXM_FAILED };

struct faxm_result {
	enum faxm_state state;
	bool send;		/**< this machine sends */
	int code;		/**< T.30 completion code, 0: OK */
	int pages;		/**< pages sent or received so far */
	int bit_rate;		/**< of the last page, bit/s */
	bool ecm;		/**< error correction was used */
	int bad_rows;		/**< of the last page received */
};

struct faxm;

/** Start a fax machine that sends the TIFF file @p path (@p send) or
 *  receives into it, as the calling (@p calling) or called party.
 *  @return 0, or a negative errno with a sentence in @p why. */
int  faxm_open(struct faxm **fp, bool send, const char *path,
		   bool calling, char *why, size_t len);
void faxm_close(struct faxm *f);

/** An IFP packet to send, of a T.38 machine. */
typedef void (faxm_ifp_fn)(void *arg, const uint8_t *ifp, size_t len);

/** The same, speaking T.38: its IFP packets go to @p tx. */
int  faxm_open_t38(struct faxm **fp, bool send, const char *path,
		   bool calling, faxm_ifp_fn *tx, void *arg, char *why,
		   size_t len);
/** An IFP packet received (sequence number @p seq), of a T.38 machine. */
void faxm_t38_rx(struct faxm *f, const uint8_t *ifp, size_t len,
		 uint16_t seq);
/** @p samples of time (8 kHz) gone by, of a T.38 machine. */
void faxm_t38_tick(struct faxm *f, size_t samples);

/** Audio from the far machine; faxm_rx_lost(): @p n samples that
 *  never came (lost packets). */
void faxm_rx(struct faxm *f, const int16_t *pcm, size_t n);
void faxm_rx_lost(struct faxm *f, size_t n);
/** @p n samples of audio towards the far machine (silence when idle). */
void faxm_tx(struct faxm *f, int16_t *pcm, size_t n);

void faxm_result(const struct faxm *f, struct faxm_result *r);
/** "running", "ok" or "failed" */
const char *faxm_state_name(enum faxm_state s);
/** @p r in words: "fax=running|ok|failed dir=send|receive pages=N
 *  rate=BPS ecm=yes|no bad_rows=N code=N (SpanDSP's text, blanks as _)" */
void faxm_format(const struct faxm_result *r, char *buf, size_t len);

#endif /* BOARD_SIM_FAXM_H */
