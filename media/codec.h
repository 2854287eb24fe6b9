/* SPDX-License-Identifier: MIT */
/** @file codec.h  Voice codecs on SpanDSP
 *
 * G.711 µ-law (PCMU) and A-law (PCMA), G.722 (the 8 kHz audio of TDM and
 * the channel engine coded as G.722's lower sub-band: codec.c), G.726-32
 * and GSM 06.10 on SpanDSP; G.729 (Annex A, as bcg729 codes it) on
 * bcg729. SpanDSP's states are embedded in struct codec, so a channel
 * pool sized at start holds all of them: codec_init() never allocates for
 * them. bcg729 allocates its coders' states in codec_init() (three blocks,
 * codec_g729_heap_need: on an RT thread of rtpart they come from the RT
 * heap, set aside at start) and frees them in codec_fini(); at most
 * codec_g729_limit() G.729 codecs live at once. codec_decode() gives
 * -EBADMSG for a malformed payload (GSM's signature nibble, a G.729
 * payload that is not 10-byte frames with an optional 2-byte SID frame).
 *
 * Audio on the engine side is 16-bit linear at 8 kHz; frames are whole
 * multiples of 10 ms (80 samples); GSM 06.10 needs multiples of 20 ms.
 * Context: the media task; encode/decode never block or allocate. A codec
 * is used by one thread at a time.
 */
#ifndef MEDIA_CODEC_H
#define MEDIA_CODEC_H

#include <stddef.h>
#include <stdint.h>

enum codec_id {
	CODEC_PCMU, CODEC_PCMA, CODEC_G722, CODEC_G726_32, CODEC_GSM,
	CODEC_G729, CODEC_COUNT
};

struct codec_info {
	const char *name;	/**< SDP encoding name: "PCMU", "G722", ... */
	uint8_t pt;		/**< static RTP payload type (G726-32: 2 by
				 *   RFC 3551's table; dynamic in SDP) */
	uint32_t rtp_clock;	/**< RTP timestamp rate (8000; G.722 too,
				 *   RFC 3551 section 4.5.2) */
	uint32_t audio_rate;	/**< coded audio rate: 8000 or 16000 */
	uint16_t min_ms;	/**< frame granularity: 10, or 20 for GSM */
	uint16_t bytes_per_10ms;	/**< payload bytes per min_ms frame
					 *   (GSM: 33 per 20 ms) */
};

/** A codec's encoder and decoder state; opaque contents, public size. */
struct codec {
	enum codec_id id;
	_Alignas(16) uint8_t state[1536];	/* GSM's two states: 1496 */
};

/** A block size bcg729 asks for and how many of them one G.729 codec
 *  holds (rtos-kernel/heap.h's extras) */
struct codec_heap {
	size_t size;
	size_t blocks;
};

#define CODEC_G729_HEAP_SIZES	2
extern const struct codec_heap codec_g729_heap_need[CODEC_G729_HEAP_SIZES];

const struct codec_info *codec_info(enum codec_id id);
void codec_g729_limit(size_t max);
size_t codec_g729_live(void);
int  codec_by_name(const char *name, enum codec_id *id);
int  codec_init(struct codec *c, enum codec_id id);
void codec_fini(struct codec *c);
int  codec_encode(struct codec *c, const int16_t *pcm, size_t samples,
		  uint8_t *out, size_t cap);
int  codec_decode(struct codec *c, const uint8_t *in, size_t len,
		  int16_t *pcm, size_t cap);
size_t codec_payload_bytes(enum codec_id id, unsigned ptime_ms);

#endif /* MEDIA_CODEC_H */
