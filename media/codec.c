// SPDX-License-Identifier: MIT
/** @file codec.c  Voice codecs on SpanDSP (G.711, G.722, G.726-32, GSM 06.10)
 *  and bcg729 (G.729)
 *
 * SpanDSP's codec states live inside struct codec (SpanDSP's private
 * headers, spandsp/expose.h, give the state sizes, so nothing is allocated
 * per channel). bcg729 keeps its states opaque and allocates them (calloc)
 * in its init functions, with no reset: a G.729 codec holds the two states
 * from codec_init() to codec_fini(), a new pair each time, so every call
 * starts from the state G.729 defines. On an RT thread of rtpart these
 * allocations come from the RT heap (rtos-kernel/heap.h), sized at start
 * for [media] max_g729 codecs with codec_g729_heap_need (what bcg729 1.1.1
 * asks for, measured: 1672 bytes for the encoder without VAD, 1920 and 32
 * for the decoder).
 *
 * G.722 codes 16 kHz audio in two sub-bands, split by a QMF filter bank;
 * the lower band is the 0-4 kHz signal at 8 kHz. TDM lines and the channel
 * engine carry 8 kHz audio, which has nothing above 4 kHz, so we code it
 * straight into the lower band and leave the upper band silent (SpanDSP's
 * G722_SAMPLE_RATE_8000, as Asterisk's slin <-> G.722 translators do): the
 * stream is standard 64 kbit/s G.722, a 16 kHz peer decodes it through its
 * own QMF, and we skip both our QMF filters and an 8 <-> 16 kHz resampler
 * each way. Measured per 20 ms frame on this VM: encode + decode about
 * 15 us this way, against about 40 us with the QMF and speexdsp
 * resamplers (the figures moved 2x between runs; the ratio did not).
 *
 * Payload formats (RFC 3551):
 *  - PCMU/PCMA: one octet per sample (section 4.5.14);
 *  - G722: 64 kbit/s, one octet per two 16 kHz samples, RTP clock 8000
 *    (section 4.5.2);
 *  - G726-32: four-bit code words packed with the first code word in the
 *    least significant bits of the octet (section 4.5.4). That is SpanDSP's
 *    G726_PACKING_RIGHT; G726_PACKING_LEFT is the big-endian ITU-T I.366.2
 *    packing, which SDP names "AAL2-G726-32" (RFC 3551 section 4.5.4, RFC
 *    4856) and which we do not offer;
 *  - GSM: 33-octet frames of 20 ms starting with the 0xD signature nibble
 *    (section 4.5.8), SpanDSP's GSM0610_PACKING_VOIP;
 *  - G729: 10-octet frames of 10 ms, and at the end an optional 2-octet
 *    Annex B SID frame (section 4.5.6). We send no SID frames (the encoder
 *    runs without VAD, and SDP says annexb=no); a peer's are decoded as
 *    comfort noise.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <bcg729/decoder.h>
#include <bcg729/encoder.h>
#include <spandsp.h>
#include <spandsp/expose.h>

#include "media/codec.h"

#define GSM_FRAME	160	/* samples per GSM 06.10 frame */
#define GSM_BYTES	33
#define G729_FRAME	80	/* samples per G.729 frame (10 ms) */
#define G729_BYTES	10
#define G729_SID_BYTES	2	/* an Annex B SID frame */

/* what struct codec's state holds, by codec */
struct codec_st {
	union {
		struct {
			g722_encode_state_t enc;
			g722_decode_state_t dec;
		} g722;
		struct {
			g726_state_t enc;
			g726_state_t dec;
		} g726;
		struct {
			gsm0610_state_t enc;
			gsm0610_state_t dec;
		} gsm;
		struct {
			bcg729EncoderChannelContextStruct *enc;
			bcg729DecoderChannelContextStruct *dec;
		} g729;
	} u;
};

_Static_assert(sizeof(struct codec_st) <= sizeof(((struct codec *)0)->state),
	       "struct codec's state is too small for the SpanDSP states");
_Static_assert(_Alignof(struct codec_st) <= 16,
	       "struct codec's state is aligned to 16 only");

static const struct codec_info infos[CODEC_COUNT] = {
	[CODEC_PCMU] = { "PCMU", 0, 8000, 8000, 10, 80 },
	[CODEC_PCMA] = { "PCMA", 8, 8000, 8000, 10, 80 },
	[CODEC_G722] = { "G722", 9, 8000, 16000, 10, 80 },
	[CODEC_G726_32] = { "G726-32", 2, 8000, 8000, 10, 40 },
	/* bytes_per_10ms is per 20 ms frame for GSM, as codec.h says */
	[CODEC_GSM] = { "GSM", 3, 8000, 8000, 20, GSM_BYTES },
	[CODEC_G729] = { "G729", 18, 8000, 8000, 10, G729_BYTES },
};

const struct codec_heap codec_g729_heap_need[CODEC_G729_HEAP_SIZES] = {
	{ 1920, 2 },	/* the encoder's state and the decoder's */
	{ 32, 1 },	/* the decoder's comfort noise state */
};

/* G.729 codecs open, and at most */
static _Atomic size_t g729_live, g729_max = SIZE_MAX;

static struct codec_st *st_of(struct codec *c)
{
	return (struct codec_st *)c->state;
}

/** Static facts about codec @p id. Context: any. @return NULL if unknown */
const struct codec_info *codec_info(enum codec_id id)
{
	if ((unsigned)id >= CODEC_COUNT)
		return NULL;
	return &infos[id];
}

/** At most @p max G.729 codecs live at once (what the RT heap was sized
 *  for); by default no limit. Context: init. */
void codec_g729_limit(size_t max)
{
	atomic_store(&g729_max, max);
}

/** G.729 codecs live now. Context: any. */
size_t codec_g729_live(void)
{
	return atomic_load(&g729_live);
}

/* a new pair of bcg729 states in @p s, within codec_g729_limit() */
static int g729_open(struct codec_st *s)
{
	size_t n = atomic_load(&g729_live);

	do {
		if (n >= atomic_load(&g729_max))
			return -ENOSPC;
	} while (!atomic_compare_exchange_weak(&g729_live, &n, n + 1));
	s->u.g729.enc = initBcg729EncoderChannel(0);	/* no VAD */
	s->u.g729.dec = initBcg729DecoderChannel();
	if (s->u.g729.enc && s->u.g729.dec)
		return 0;
	if (s->u.g729.enc)
		closeBcg729EncoderChannel(s->u.g729.enc);
	if (s->u.g729.dec)
		closeBcg729DecoderChannel(s->u.g729.dec);
	atomic_fetch_sub(&g729_live, 1);
	return -ENOMEM;
}

static void g729_close(struct codec_st *s)
{
	closeBcg729EncoderChannel(s->u.g729.enc);
	closeBcg729DecoderChannel(s->u.g729.dec);
	atomic_fetch_sub(&g729_live, 1);
}

/**
 * Find a codec by its SDP encoding name ("PCMU", "pcma", "G726-32", ...),
 * case-insensitively as SDP wants. "AAL2-G726-32" (the other G.726 packing)
 * is not one of ours. Context: any.
 * @return 0 with *id set, -EINVAL (NULL argument) or -ENOENT (unknown name)
 */
int codec_by_name(const char *name, enum codec_id *id)
{
	if (!name || !id)
		return -EINVAL;
	for (int i = 0; i < CODEC_COUNT; i++) {
		if (!strcasecmp(name, infos[i].name)) {
			*id = (enum codec_id)i;
			return 0;
		}
	}
	return -ENOENT;
}

/**
 * Start codec @p id in @p c (encoder and decoder, both directions), in the
 * state a new call needs; @p c must not hold a live codec (codec_fini()
 * first). Context: media task; never blocks; allocates for G.729 only.
 * @return 0, -EINVAL (bad argument), -ENOSPC (G.729: codec_g729_limit()
 *	   codecs live) or -ENOMEM (G.729: no memory for bcg729's states)
 */
int codec_init(struct codec *c, enum codec_id id)
{
	struct codec_st *s;

	if (!c)
		return -EINVAL;
	c->id = CODEC_COUNT;	/* not usable until initialised */
	if ((unsigned)id >= CODEC_COUNT)
		return -EINVAL;
	s = st_of(c);
	switch (id) {
	case CODEC_PCMU:
	case CODEC_PCMA:
		break;
	case CODEC_G722:
		g722_encode_init(&s->u.g722.enc, 64000, G722_SAMPLE_RATE_8000);
		g722_decode_init(&s->u.g722.dec, 64000, G722_SAMPLE_RATE_8000);
		break;
	case CODEC_G726_32:
		g726_init(&s->u.g726.enc, 32000, G726_ENCODING_LINEAR,
			  G726_PACKING_RIGHT);
		g726_init(&s->u.g726.dec, 32000, G726_ENCODING_LINEAR,
			  G726_PACKING_RIGHT);
		break;
	case CODEC_GSM:
		gsm0610_init(&s->u.gsm.enc, GSM0610_PACKING_VOIP);
		gsm0610_init(&s->u.gsm.dec, GSM0610_PACKING_VOIP);
		break;
	case CODEC_G729: {
		int err = g729_open(s);

		if (err)
			return err;
		break;
	}
	default:
		return -EINVAL;
	}
	c->id = id;
	return 0;
}

/**
 * Stop @p c: it is unusable until codec_init(). Safe to call twice, or on a
 * codec whose codec_init() failed. Context: media task; never blocks;
 * frees G.729's states.
 */
void codec_fini(struct codec *c)
{
	if (!c)
		return;
	if (c->id == CODEC_G729)
		g729_close(st_of(c));
	c->id = CODEC_COUNT;
}

static int g729_encode(struct codec_st *s, const int16_t *pcm,
		       size_t samples, uint8_t *out)
{
	size_t o = 0;

	for (size_t i = 0; i < samples; i += G729_FRAME) {
		uint8_t len = 0;

		bcg729Encoder(s->u.g729.enc, pcm + i, out + o, &len);
		o += len;	/* 10: no VAD, every frame is speech */
	}
	return (int)o;
}

/* RFC 3551 4.5.6: whole 10-byte frames, then at most one 2-byte SID */
static bool g729_payload_ok(size_t len)
{
	return len % G729_BYTES == 0 || len % G729_BYTES == G729_SID_BYTES;
}

static int g729_decode(struct codec_st *s, const uint8_t *in, size_t len,
		       int16_t *pcm)
{
	size_t o = 0, i = 0;

	for (; i + G729_BYTES <= len; i += G729_BYTES, o += G729_FRAME)
		bcg729Decoder(s->u.g729.dec, in + i, G729_BYTES, 0, 0, 0,
			      pcm + o);
	if (i < len) {		/* the SID frame: comfort noise */
		bcg729Decoder(s->u.g729.dec, in + i, G729_SID_BYTES, 0, 1, 0,
			      pcm + o);
		o += G729_FRAME;
	}
	return (int)o;
}

/**
 * Encode @p samples of 8 kHz audio from @p pcm into @p out (room for @p cap
 * bytes). @p samples must be a whole number of frames: a multiple of 80
 * (10 ms), of 160 for GSM; codec_payload_bytes() tells the size it makes.
 * Context: media task; never allocates or blocks.
 * @return bytes written, -EINVAL (bad argument, codec not initialised, or
 *	   not a whole number of frames) or -ENOSPC (@p cap too small)
 */
int codec_encode(struct codec *c, const int16_t *pcm, size_t samples,
		 uint8_t *out, size_t cap)
{
	struct codec_st *s;
	size_t need;

	if (!c || (unsigned)c->id >= CODEC_COUNT || (!pcm && samples) ||
	    (!out && samples))
		return -EINVAL;
	if (samples % (8u * infos[c->id].min_ms) || samples > (size_t)INT32_MAX)
		return -EINVAL;
	need = codec_payload_bytes(c->id, (unsigned)(samples / 8));
	if (need > cap)
		return -ENOSPC;
	s = st_of(c);
	switch (c->id) {
	case CODEC_PCMU:
		for (size_t i = 0; i < samples; i++)
			out[i] = linear_to_ulaw(pcm[i]);
		return (int)samples;
	case CODEC_PCMA:
		for (size_t i = 0; i < samples; i++)
			out[i] = linear_to_alaw(pcm[i]);
		return (int)samples;
	case CODEC_G722:
		return g722_encode(&s->u.g722.enc, out, pcm, (int)samples);
	case CODEC_G726_32:
		return g726_encode(&s->u.g726.enc, out, pcm, (int)samples);
	case CODEC_GSM:
		return gsm0610_encode(&s->u.gsm.enc, out, pcm, (int)samples);
	case CODEC_G729:
		return g729_encode(s, pcm, samples, out);
	default:
		return -EINVAL;
	}
}

/* RFC 3551 4.5.8: each 33-octet GSM frame starts with the nibble 0xD */
static bool gsm_payload_ok(const uint8_t *in, size_t len)
{
	if (len % GSM_BYTES)
		return false;
	for (size_t i = 0; i < len; i += GSM_BYTES)
		if ((in[i] >> 4) != 0xD)
			return false;
	return true;
}

/* samples that @p len payload bytes decode to (8 kHz) */
static size_t decoded_samples(enum codec_id id, size_t len)
{
	switch (id) {
	case CODEC_G726_32:
		return 2 * len;
	case CODEC_GSM:
		return len / GSM_BYTES * GSM_FRAME;
	case CODEC_G729:
		return (len / G729_BYTES + (len % G729_BYTES != 0)) *
		       G729_FRAME;
	default:
		return len;	/* G.711; G.722: its lower band's sample */
	}
}

/**
 * Decode the payload @p in of @p len bytes into 8 kHz audio in @p pcm (room
 * for @p cap samples). Any whole number of code words is accepted (G.711
 * and G.722: any length; G.726-32: two samples per byte), since peers may
 * frame differently; GSM needs whole 33-byte frames with their signature,
 * G.729 whole 10-byte frames and at most one 2-byte SID frame after them.
 * Context: media task; never allocates or blocks.
 * @return samples written, -EINVAL (bad argument or codec not initialised),
 *	   -EBADMSG (malformed GSM or G.729 payload) or -ENOSPC (@p cap too
 *	   small)
 */
int codec_decode(struct codec *c, const uint8_t *in, size_t len,
		 int16_t *pcm, size_t cap)
{
	struct codec_st *s;

	if (!c || (unsigned)c->id >= CODEC_COUNT || (!in && len) ||
	    (!pcm && len) || len > (size_t)INT32_MAX / 2)
		return -EINVAL;
	if ((c->id == CODEC_GSM && !gsm_payload_ok(in, len)) ||
	    (c->id == CODEC_G729 && !g729_payload_ok(len)))
		return -EBADMSG;
	if (decoded_samples(c->id, len) > cap)
		return -ENOSPC;
	s = st_of(c);
	switch (c->id) {
	case CODEC_PCMU:
		for (size_t i = 0; i < len; i++)
			pcm[i] = ulaw_to_linear(in[i]);
		return (int)len;
	case CODEC_PCMA:
		for (size_t i = 0; i < len; i++)
			pcm[i] = alaw_to_linear(in[i]);
		return (int)len;
	case CODEC_G722:
		return g722_decode(&s->u.g722.dec, pcm, in, (int)len);
	case CODEC_G726_32:
		return g726_decode(&s->u.g726.dec, pcm, in, (int)len);
	case CODEC_GSM:
		return gsm0610_decode(&s->u.gsm.dec, pcm, in, (int)len);
	case CODEC_G729:
		return g729_decode(s, in, len, pcm);
	default:
		return -EINVAL;
	}
}

/**
 * Payload size of @p ptime_ms of audio coded with @p id (G.711 20 ms: 160,
 * G.722: 160, G.726-32: 80, GSM: 33, G.729: 20). Context: any.
 * @return bytes, or 0 when @p id is unknown or @p ptime_ms is not a positive
 *	   multiple of the codec's frame (10 ms, GSM 20 ms)
 */
size_t codec_payload_bytes(enum codec_id id, unsigned ptime_ms)
{
	const struct codec_info *ci = codec_info(id);

	if (!ci || !ptime_ms || ptime_ms % ci->min_ms)
		return 0;
	return (size_t)(ptime_ms / ci->min_ms) * ci->bytes_per_10ms;
}
