/* SPDX-License-Identifier: MIT */
/** @file srtpctx.h  SRTP and SRTCP protection of one RTP leg (RFC 3711)
 *
 * A leg's two directions on libsrtp2 (Debian's libsrtp2, built on NSS):
 * packets sent are protected with our master key, packets received are
 * checked and decrypted with the peer's. Crypto suites are those SDES
 * (RFC 4568) names AES_CM_128_HMAC_SHA1_80 and AES_CM_128_HMAC_SHA1_32: a
 * 30-byte master key and salt each way, 128-bit AES in counter mode, an
 * HMAC-SHA1 tag of 10 or 4 bytes on SRTP (always 10 on SRTCP). Received
 * packets pass libsrtp2's replay check (a window of 128 packets).
 *
 * A packet that fails its check is refused and counted by kind (tag, replay,
 * other); it is never decrypted in part. srtpctx_protect() needs room for
 * SRTPCTX_OVERHEAD more bytes after the packet.
 *
 * Memory: libsrtp2's NSS back end allocates about 30 KB for each direction
 * at srtpctx_open() and a few small blocks (64 to 512 bytes) for each packet,
 * freed before it returns; on an RT thread of rtpart these come from the RT
 * heap (rtos-kernel/heap.h), which rtpart sizes with srtpctx_heap_need for
 * [media] max_srtp legs. srtpctx_module_init() sets libsrtp2 (and NSS) up
 * once, at init.
 *
 * Context: a context belongs to one thread (the media task); open and close
 * may allocate.
 */
#ifndef MEDIA_SRTPCTX_H
#define MEDIA_SRTPCTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SRTPCTX_KEY_LEN		30	/**< master key (16) and salt (14) */
#define SRTPCTX_KEY_B64_LEN	40	/**< the same in base64 (SDES inline) */
#define SRTPCTX_OVERHEAD	14	/**< most bytes protection adds: SRTCP
					 *   index (4) and tag (10) */

enum srtpctx_suite {
	SRTPCTX_NONE,			/**< plain RTP */
	SRTPCTX_AES_CM_128_HMAC_SHA1_80,
	SRTPCTX_AES_CM_128_HMAC_SHA1_32,
};

struct srtpctx_cfg {
	enum srtpctx_suite suite;
	uint8_t tx_key[SRTPCTX_KEY_LEN];	/**< ours: what we send */
	uint8_t rx_key[SRTPCTX_KEY_LEN];	/**< the peer's */
};

struct srtpctx_stats {
	uint64_t protected_rtp, protected_rtcp;
	uint64_t unprotected_rtp, unprotected_rtcp;
	uint64_t auth_fail;	/**< tag wrong: a forged or damaged packet,
				 *   or the wrong key */
	uint64_t replay;	/**< seen before, or older than the window */
	uint64_t other_fail;	/**< too short, no room, libsrtp2's others */
};

/** What one SRTP leg (a context: both directions) may hold of the heap at
 *  once, by request size: with Debian's libsrtp2 2.5 on NSS a direction
 *  holds 46, 16, 64, 10 and 5 blocks of up to 64, 128, 256, 512 and 8192
 *  bytes (measured), and a packet takes a few more while it is protected
 *  or checked */
struct srtpctx_heap {
	size_t size, blocks;
};
#define SRTPCTX_HEAP_SIZES	5
extern const struct srtpctx_heap srtpctx_heap_need[SRTPCTX_HEAP_SIZES];

struct srtpctx;

int  srtpctx_module_init(void);
int  srtpctx_open(struct srtpctx **cp, const struct srtpctx_cfg *cfg);
void srtpctx_close(struct srtpctx *c);
int  srtpctx_protect(struct srtpctx *c, bool rtcp, uint8_t *pkt, size_t *len,
		     size_t cap);
int  srtpctx_unprotect(struct srtpctx *c, bool rtcp, uint8_t *pkt,
		       size_t *len);
void srtpctx_stats_get(const struct srtpctx *c, struct srtpctx_stats *st);
const char *srtpctx_suite_name(enum srtpctx_suite s);
int  srtpctx_suite_parse(const char *name, enum srtpctx_suite *s);
int  srtpctx_key_decode(const char *b64, uint8_t key[SRTPCTX_KEY_LEN]);
int  srtpctx_cfg_parse(const char *text, struct srtpctx_cfg *cfg);
void srtpctx_key_encode(const uint8_t key[SRTPCTX_KEY_LEN],
			char b64[SRTPCTX_KEY_B64_LEN + 1]);

#endif /* MEDIA_SRTPCTX_H */
