// SPDX-License-Identifier: MIT
/** @file codec.c  Voice codecs on SpanDSP (G.711, G.722, G.726-32, GSM 06.10)
 *
 * Every codec state lives inside struct codec (SpanDSP's private headers,
 * spandsp/expose.h, give the state sizes, so nothing is allocated per
 * channel). G.722 codes 16 kHz audio while the engine runs at 8 kHz: its
 * two speexdsp resamplers (8 -> 16 kHz before the encoder, 16 -> 8 kHz after
 * the decoder) allocate when made, so codec_module_init() makes one pair per
 * possible G.722 codec and codec_init() takes a pair from a lock-free pool.
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
 *    (section 4.5.8), SpanDSP's GSM0610_PACKING_VOIP.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <spandsp.h>
#include <spandsp/expose.h>
#include <speex/speex_resampler.h>

#include "media/codec.h"
#include "rtos-kernel/pool.h"

/* speexdsp's VoIP quality: up and down together cost about 5 us per 20 ms
 * (quality 0: 2.6 us, 5: 6.9 us) and delay 3 ms each way; the passband
 * covers the telephone band (tests/unit/media/test_codec.c) */
#define G722_RS_QUALITY	SPEEX_RESAMPLER_QUALITY_VOIP
#define G722_CHUNK	160	/* 8 kHz samples converted per step (20 ms) */
#define GSM_FRAME	160	/* samples per GSM 06.10 frame */
#define GSM_BYTES	33

/* one pair of resamplers, a block of g722_pool */
struct g722_rs {
	SpeexResamplerState *up;	/* 8 -> 16 kHz, before the encoder */
	SpeexResamplerState *down;	/* 16 -> 8 kHz, after the decoder */
};

/* what struct codec's state holds, by codec */
struct codec_st {
	union {
		struct {
			g722_encode_state_t enc;
			g722_decode_state_t dec;
			struct g722_rs *rs;
		} g722;
		struct {
			g726_state_t enc;
			g726_state_t dec;
		} g726;
		struct {
			gsm0610_state_t enc;
			gsm0610_state_t dec;
		} gsm;
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
};

static struct rtk_pool *g722_pool;

static struct codec_st *st_of(struct codec *c)
{
	return (struct codec_st *)c->state;
}

static void destroy_pairs(struct g722_rs **made, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!made[i])
			continue;
		if (made[i]->up)
			speex_resampler_destroy(made[i]->up);
		if (made[i]->down)
			speex_resampler_destroy(made[i]->down);
	}
}

/**
 * Make what codecs need beyond struct codec: one pair of resamplers for each
 * of up to @p max_codecs G.722 codecs open at the same time. Call once,
 * before the RT partition starts; G.711, G.726 and GSM work without it.
 * Context: init (allocates).
 * @return 0, -EINVAL (max_codecs 0), -EALREADY (called before) or -ENOMEM
 */
int codec_module_init(size_t max_codecs)
{
	struct g722_rs **made;
	size_t n;
	int err, rerr = 0;

	if (!max_codecs)
		return -EINVAL;
	if (g722_pool)
		return -EALREADY;
	err = rtk_pool_create(&g722_pool, "g722_rs", sizeof(struct g722_rs),
			      max_codecs);
	if (err)
		return err;
	made = calloc(max_codecs, sizeof(*made));
	if (!made)
		goto out_pool;
	/* take every block, fill it, and give them all back */
	for (n = 0; n < max_codecs; n++) {
		made[n] = rtk_pool_get(g722_pool);
		if (!made[n])
			goto out_pairs;
		made[n]->up = speex_resampler_init(1, 8000, 16000,
						   G722_RS_QUALITY, &rerr);
		made[n]->down = speex_resampler_init(1, 16000, 8000,
						     G722_RS_QUALITY, &rerr);
		if (!made[n]->up || !made[n]->down) {
			n++;
			goto out_pairs;
		}
	}
	for (n = 0; n < max_codecs; n++)
		rtk_pool_put(g722_pool, made[n]);
	free(made);
	return 0;

 out_pairs:
	destroy_pairs(made, n);
	free(made);
 out_pool:
	g722_pool = rtk_pool_destroy(g722_pool);
	return -ENOMEM;
}

/** Static facts about codec @p id. Context: any. @return NULL if unknown */
const struct codec_info *codec_info(enum codec_id id)
{
	if ((unsigned)id >= CODEC_COUNT)
		return NULL;
	return &infos[id];
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

static int g722_init(struct codec_st *s)
{
	struct g722_rs *rs = g722_pool ? rtk_pool_get(g722_pool) : NULL;

	if (!rs)
		return -ENOSPC;
	speex_resampler_reset_mem(rs->up);
	speex_resampler_reset_mem(rs->down);
	g722_encode_init(&s->u.g722.enc, 64000, 0);
	g722_decode_init(&s->u.g722.dec, 64000, 0);
	s->u.g722.rs = rs;
	return 0;
}

/**
 * Start codec @p id in @p c (encoder and decoder, both directions), in the
 * state a new call needs. A G.722 codec takes a pair of resamplers from the
 * pool made by codec_module_init(); give it back with codec_fini().
 * Context: media task; never allocates or blocks.
 * @return 0, -EINVAL (bad argument) or -ENOSPC (G.722: no resampler free)
 */
int codec_init(struct codec *c, enum codec_id id)
{
	struct codec_st *s;
	int err = 0;

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
		err = g722_init(s);
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
	default:
		return -EINVAL;
	}
	if (err)
		return err;
	c->id = id;
	return 0;
}

/**
 * Stop @p c: a G.722 codec gives its resamplers back to the pool. Safe to
 * call twice, or on a codec whose codec_init() failed.
 * Context: media task; never blocks.
 */
void codec_fini(struct codec *c)
{
	struct codec_st *s;

	if (!c || (unsigned)c->id >= CODEC_COUNT)
		return;
	s = st_of(c);
	if (c->id == CODEC_G722 && s->u.g722.rs) {
		rtk_pool_put(g722_pool, s->u.g722.rs);
		s->u.g722.rs = NULL;
	}
	c->id = CODEC_COUNT;
}

static int g722_encode_8k(struct codec_st *s, const int16_t *pcm, size_t n,
			  uint8_t *out)
{
	int16_t wide[2 * G722_CHUNK];
	size_t done = 0;
	int bytes = 0;

	while (done < n) {
		spx_uint32_t in_len = (spx_uint32_t)(n - done);
		spx_uint32_t out_len = 2 * G722_CHUNK;

		if (in_len > G722_CHUNK)
			in_len = G722_CHUNK;
		speex_resampler_process_int(s->u.g722.rs->up, 0, pcm + done,
					    &in_len, wide, &out_len);
		bytes += g722_encode(&s->u.g722.enc, out + bytes, wide,
				     (int)out_len);
		done += in_len;
		if (!in_len)
			break;	/* cannot happen with room for 2 x in */
	}
	return bytes;
}

static int g722_decode_8k(struct codec_st *s, const uint8_t *in, size_t len,
			  int16_t *pcm, size_t cap)
{
	int16_t wide[2 * G722_CHUNK];
	size_t done = 0, samples = 0;

	while (done < len) {
		size_t chunk = len - done < G722_CHUNK ? len - done : G722_CHUNK;
		spx_uint32_t in_len, out_len = (spx_uint32_t)(cap - samples);

		in_len = (spx_uint32_t)g722_decode(&s->u.g722.dec, wide,
						   in + done, (int)chunk);
		speex_resampler_process_int(s->u.g722.rs->down, 0, wide,
					    &in_len, pcm + samples, &out_len);
		samples += out_len;
		done += chunk;
	}
	return (int)samples;
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
		return g722_encode_8k(s, pcm, samples, out);
	case CODEC_G726_32:
		return g726_encode(&s->u.g726.enc, out, pcm, (int)samples);
	case CODEC_GSM:
		return gsm0610_encode(&s->u.gsm.enc, out, pcm, (int)samples);
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
	default:
		return len;	/* G.711; G.722: 2 samples at 16 kHz */
	}
}

/**
 * Decode the payload @p in of @p len bytes into 8 kHz audio in @p pcm (room
 * for @p cap samples). Any whole number of code words is accepted (G.711
 * and G.722: any length; G.726-32: two samples per byte), since peers may
 * frame differently; GSM needs whole 33-byte frames with their signature.
 * Context: media task; never allocates or blocks.
 * @return samples written, -EINVAL (bad argument or codec not initialised),
 *	   -EBADMSG (malformed GSM payload) or -ENOSPC (@p cap too small)
 */
int codec_decode(struct codec *c, const uint8_t *in, size_t len,
		 int16_t *pcm, size_t cap)
{
	struct codec_st *s;

	if (!c || (unsigned)c->id >= CODEC_COUNT || (!in && len) ||
	    (!pcm && len) || len > (size_t)INT32_MAX / 2)
		return -EINVAL;
	if (c->id == CODEC_GSM && !gsm_payload_ok(in, len))
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
		return g722_decode_8k(s, in, len, pcm, cap);
	case CODEC_G726_32:
		return g726_decode(&s->u.g726.dec, pcm, in, (int)len);
	case CODEC_GSM:
		return gsm0610_decode(&s->u.gsm.dec, pcm, in, (int)len);
	default:
		return -EINVAL;
	}
}

/**
 * Payload size of @p ptime_ms of audio coded with @p id (G.711 20 ms: 160,
 * G.722: 160, G.726-32: 80, GSM: 33). Context: any.
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
