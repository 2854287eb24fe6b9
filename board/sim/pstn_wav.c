// SPDX-License-Identifier: MIT
/** @file pstn_wav.c  WAV reader and writer for 8 kHz mono PCM16 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/sim/pstn_wav.h"

#define HDR_BYTES	44
#define FMT_PCM		1
#define FMT_EXTENSIBLE	0xfffe

struct pstn_wav_writer {
	FILE *f;
	size_t samples;
	int err;		/* first write error, negative errno */
};

static void say(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static int check_fmt(const uint8_t *c, uint32_t len, char *err,
		     size_t errlen)
{
	uint16_t fmt, chans, bits, align;
	uint32_t rate;

	if (len < 16) {
		say(err, errlen, "fmt chunk of %u bytes, at least 16 needed",
		    len);
		return -EBADMSG;
	}
	fmt = le16(c);
	chans = le16(c + 2);
	rate = le32(c + 4);
	align = le16(c + 12);
	bits = le16(c + 14);
	if (fmt == FMT_EXTENSIBLE && len >= 40)
		fmt = le16(c + 24);	/* the sub-format GUID starts so */
	if (fmt != FMT_PCM || bits != 16) {
		say(err, errlen, "format %u with %u-bit samples: only 16-bit "
		    "linear PCM is played", fmt, bits);
		return -EBADMSG;
	}
	if (chans != 1 || rate != PSTN_WAV_RATE) {
		say(err, errlen, "%u channel(s) at %u Hz: only mono 8000 Hz "
		    "is played (sox in.wav -r 8000 -c 1 -b 16 out.wav)",
		    chans, rate);
		return -EBADMSG;
	}
	if (align != 2) {
		say(err, errlen, "block align %u, 2 expected", align);
		return -EBADMSG;
	}
	return 0;
}

/** Parse a WAV file held in @p buf: 8 kHz mono PCM16 only. A data chunk
 *  longer than the file is cut to what is there (a recording that was
 *  never closed). On success *pcmp is a heap copy of the samples (the
 *  caller frees it; NULL when there are none) and *np their count.
 *  @return 0, or -EBADMSG with the reason in @p err, or -ENOMEM */
int pstn_wav_parse(const uint8_t *buf, size_t len, int16_t **pcmp,
		   size_t *np, char *err, size_t errlen)
{
	const uint8_t *p, *end = buf + len, *data = NULL;
	size_t dlen = 0, i;
	bool fmt_ok = false;
	int16_t *pcm;

	if (len < 12 || memcmp(buf, "RIFF", 4) || memcmp(buf + 8, "WAVE", 4)) {
		say(err, errlen, "not a WAV file (no RIFF/WAVE header)");
		return -EBADMSG;
	}
	for (p = buf + 12; end - p >= 8; ) {
		uint32_t clen = le32(p + 4);
		size_t avail = (size_t)(end - p - 8);

		if (!memcmp(p, "fmt ", 4)) {
			int rc = check_fmt(p + 8, clen > avail ?
					   (uint32_t)avail : clen, err,
					   errlen);

			if (rc)
				return rc;
			fmt_ok = true;
		} else if (!memcmp(p, "data", 4)) {
			data = p + 8;
			dlen = clen > avail ? avail : clen;
			break;
		}
		if (clen > avail || avail - clen < (clen & 1))
			break;
		p += 8 + (size_t)clen + (clen & 1);	/* padded to even */
	}
	if (!fmt_ok || !data) {
		say(err, errlen, "no %s chunk", fmt_ok ? "data" : "fmt");
		return -EBADMSG;
	}
	*np = dlen / 2;
	*pcmp = NULL;
	if (!*np)
		return 0;
	pcm = malloc(*np * sizeof(*pcm));
	if (!pcm)
		return -ENOMEM;
	for (i = 0; i < *np; i++)
		pcm[i] = (int16_t)le16(data + 2 * i);
	*pcmp = pcm;
	return 0;
}

/** Read the WAV file at @p path (see pstn_wav_parse()).
 *  @return 0, a negative errno with the reason in @p err */
int pstn_wav_load(const char *path, int16_t **pcmp, size_t *np, char *err,
		  size_t errlen)
{
	uint8_t *buf;
	size_t len;
	long size;
	FILE *f;
	int rc;

	f = fopen(path, "rb");
	if (!f) {
		rc = -errno;
		say(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		rc = -errno;
		say(err, errlen, "%s: %s", path, strerror(errno));
		fclose(f);
		return rc;
	}
	if ((unsigned long)size > PSTN_WAV_MAX_BYTES) {
		say(err, errlen, "%s: %ld bytes, more than %u", path, size,
		    PSTN_WAV_MAX_BYTES);
		fclose(f);
		return -EFBIG;
	}
	buf = malloc((size_t)size + 1);
	if (!buf) {
		fclose(f);
		return -ENOMEM;
	}
	len = fread(buf, 1, (size_t)size, f);
	fclose(f);
	rc = pstn_wav_parse(buf, len, pcmp, np, err, errlen);
	if (rc && rc != -ENOMEM) {
		char why[200];

		snprintf(why, sizeof(why), "%s", err ? err : "");
		say(err, errlen, "%s: %s", path, why);
	}
	free(buf);
	return rc;
}

static void header(uint8_t h[HDR_BYTES], size_t samples)
{
	uint32_t data = (uint32_t)(samples * 2);

	memcpy(h, "RIFF", 4);
	put32(h + 4, 36 + data);
	memcpy(h + 8, "WAVEfmt ", 8);
	put32(h + 16, 16);
	put16(h + 20, FMT_PCM);
	put16(h + 22, 1);
	put32(h + 24, PSTN_WAV_RATE);
	put32(h + 28, PSTN_WAV_RATE * 2);
	put16(h + 32, 2);
	put16(h + 34, 16);
	memcpy(h + 36, "data", 4);
	put32(h + 40, data);
}

/** Create (or truncate) the WAV file at @p path for writing 8 kHz mono
 *  PCM16. @return 0 (*wp set), or a negative errno, reason in @p err */
int pstn_wav_create(struct pstn_wav_writer **wp, const char *path,
		    char *err, size_t errlen)
{
	struct pstn_wav_writer *w;
	uint8_t h[HDR_BYTES];
	int rc;

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->f = fopen(path, "wb");
	if (!w->f) {
		rc = -errno;
		say(err, errlen, "%s: %s", path, strerror(errno));
		free(w);
		return rc;
	}
	header(h, 0);
	if (fwrite(h, 1, sizeof(h), w->f) != sizeof(h)) {
		rc = -EIO;
		say(err, errlen, "%s: cannot write", path);
		fclose(w->f);
		free(w);
		return rc;
	}
	*wp = w;
	return 0;
}

/** Append @p n samples. A file reaching PSTN_WAV_MAX_BYTES stops growing.
 *  @return 0, or the first write error (later calls return it too) */
int pstn_wav_write(struct pstn_wav_writer *w, const int16_t *pcm, size_t n)
{
	uint8_t buf[512];
	size_t i, k;

	if (w->err)
		return w->err;
	if ((w->samples + n) * 2 > PSTN_WAV_MAX_BYTES - HDR_BYTES)
		n = (PSTN_WAV_MAX_BYTES - HDR_BYTES) / 2 - w->samples;
	for (i = 0; i < n; i += k) {
		for (k = 0; k < sizeof(buf) / 2 && i + k < n; k++)
			put16(buf + 2 * k, (uint16_t)pcm[i + k]);
		if (fwrite(buf, 2, k, w->f) != k) {
			w->err = -EIO;
			return w->err;
		}
	}
	w->samples += n;
	return 0;
}

/** Samples written so far. */
size_t pstn_wav_samples(const struct pstn_wav_writer *w)
{
	return w->samples;
}

/** Write the final sizes into the header and close. NULL is ignored.
 *  @return 0, or a negative errno (the file may be incomplete) */
int pstn_wav_close(struct pstn_wav_writer *w)
{
	uint8_t h[HDR_BYTES];
	int rc;

	if (!w)
		return 0;
	rc = w->err;
	header(h, w->samples);
	if (fseek(w->f, 0, SEEK_SET) || fwrite(h, 1, sizeof(h), w->f) !=
	    sizeof(h))
		rc = rc ? rc : -EIO;
	if (fclose(w->f))
		rc = rc ? rc : -errno;
	free(w);
	return rc;
}
