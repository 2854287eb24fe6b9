// SPDX-License-Identifier: MIT
/** @file test_pstn_wav.c  PSTN simulator's WAV files: round trip, chunks
 *  skipped, formats refused with the reason, truncated files */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "board/sim/pstn_wav.h"

static char path[64];

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof(path), "/tmp/test_pstn_wav.%d.wav",
		 (int)getpid());
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static size_t put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
	return 4;
}

static size_t put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	return 2;
}

/* a WAV image: RIFF header, an optional LIST chunk of @p list bytes, fmt
 * with the given fields (@p ext: WAVE_FORMAT_EXTENSIBLE), data of @p n
 * samples 100, 101, ... with the data size field @p dsize */
static size_t build(uint8_t *b, uint16_t fmt, uint16_t ch, uint32_t rate,
		    uint16_t bits, uint32_t list, bool ext, size_t n,
		    uint32_t dsize)
{
	size_t o = 0;

	memcpy(b, "RIFFxxxxWAVE", 12);
	o = 12;
	if (list) {
		memcpy(b + o, "LIST", 4);
		o += 4;
		o += put32(b + o, list);
		memset(b + o, 'z', list + (list & 1));
		o += list + (list & 1);
	}
	memcpy(b + o, "fmt ", 4);
	o += 4;
	o += put32(b + o, ext ? 40 : 16);
	o += put16(b + o, ext ? 0xfffe : fmt);
	o += put16(b + o, ch);
	o += put32(b + o, rate);
	o += put32(b + o, rate * ch * bits / 8);
	o += put16(b + o, (uint16_t)(ch * bits / 8));
	o += put16(b + o, bits);
	if (ext) {
		o += put16(b + o, 22);
		o += put16(b + o, bits);
		o += put32(b + o, 4);
		o += put16(b + o, fmt);	/* sub-format GUID start */
		memset(b + o, 0, 14);
		o += 14;
	}
	memcpy(b + o, "data", 4);
	o += 4;
	o += put32(b + o, dsize);
	for (size_t i = 0; i < n; i++)
		o += put16(b + o, (uint16_t)(100 + i));
	return o;
}

static void test_wav_round_trip(void **state)
{
	struct pstn_wav_writer *w;
	int16_t in[1000], *out = NULL;
	size_t n = 0;

	(void)state;
	for (int i = 0; i < 1000; i++)
		in[i] = (int16_t)(i * 65 - 32768);
	assert_int_equal(pstn_wav_create(&w, path, NULL, 0), 0);
	assert_int_equal(pstn_wav_write(w, in, 600), 0);
	assert_int_equal(pstn_wav_write(w, in + 600, 400), 0);
	assert_int_equal(pstn_wav_samples(w), 1000);
	assert_int_equal(pstn_wav_close(w), 0);
	assert_int_equal(pstn_wav_load(path, &out, &n, NULL, 0), 0);
	assert_int_equal(n, 1000);
	assert_memory_equal(in, out, sizeof(in));
	free(out);
	/* an empty recording is a valid file without samples */
	assert_int_equal(pstn_wav_create(&w, path, NULL, 0), 0);
	assert_int_equal(pstn_wav_close(w), 0);
	assert_int_equal(pstn_wav_load(path, &out, &n, NULL, 0), 0);
	assert_int_equal(n, 0);
	assert_null(out);
	assert_int_equal(pstn_wav_close(NULL), 0);
}

static void test_wav_parse_skips_chunks(void **state)
{
	uint8_t b[512];
	int16_t *pcm;
	size_t n, len;

	(void)state;
	len = build(b, 1, 1, 8000, 16, 7, false, 10, 20);	/* odd LIST */
	assert_int_equal(pstn_wav_parse(b, len, &pcm, &n, NULL, 0), 0);
	assert_int_equal(n, 10);
	assert_int_equal(pcm[0], 100);
	assert_int_equal(pcm[9], 109);
	free(pcm);
	len = build(b, 1, 1, 8000, 16, 0, true, 4, 8);	/* extensible */
	assert_int_equal(pstn_wav_parse(b, len, &pcm, &n, NULL, 0), 0);
	assert_int_equal(n, 4);
	free(pcm);
	/* a recording never closed: data size larger than the file */
	len = build(b, 1, 1, 8000, 16, 0, false, 5, 0xffffffff);
	assert_int_equal(pstn_wav_parse(b, len, &pcm, &n, NULL, 0), 0);
	assert_int_equal(n, 5);
	free(pcm);
	/* a trailing odd byte is not a sample */
	len = build(b, 1, 1, 8000, 16, 0, false, 3, 7);
	assert_int_equal(pstn_wav_parse(b, len + 1, &pcm, &n, NULL, 0), 0);
	assert_int_equal(n, 3);
	free(pcm);
}

static void refused(const uint8_t *b, size_t len, const char *part)
{
	int16_t *pcm = NULL;
	size_t n;
	char err[200] = "";

	assert_int_equal(pstn_wav_parse(b, len, &pcm, &n, err, sizeof(err)),
			 -EBADMSG);
	if (!strstr(err, part))
		fail_msg("reason \"%s\" lacks \"%s\"", err, part);
	assert_null(pcm);
}

static void test_wav_refuses_other_formats(void **state)
{
	uint8_t b[512];
	size_t len;

	(void)state;
	len = build(b, 1, 2, 8000, 16, 0, false, 4, 8);
	refused(b, len, "2 channel(s) at 8000 Hz");
	len = build(b, 1, 1, 44100, 16, 0, false, 4, 8);
	refused(b, len, "44100 Hz");
	len = build(b, 1, 1, 8000, 8, 0, false, 4, 8);
	refused(b, len, "8-bit");
	len = build(b, 3, 1, 8000, 16, 0, false, 4, 8);	/* float */
	refused(b, len, "format 3");
	len = build(b, 6, 1, 8000, 16, 0, true, 4, 8);	/* A-law, ext. */
	refused(b, len, "format 6");
	refused((const uint8_t *)"RIFF\0\0\0\0WAVE", 12, "no fmt chunk");
	refused((const uint8_t *)"RIFX\0\0\0\0WAVE", 12, "not a WAV file");
	refused((const uint8_t *)"RIFF", 4, "not a WAV file");
	len = build(b, 1, 1, 8000, 16, 0, false, 0, 0);
	refused(b, len - 8, "no data chunk");
	memcpy(b, "RIFFxxxxWAVEfmt \x04\0\0\0abcd", 24);
	refused(b, 24, "fmt chunk of 4 bytes");
}

static void test_wav_load_errors(void **state)
{
	int16_t *pcm;
	size_t n;
	char err[200];
	FILE *f;

	(void)state;
	assert_int_equal(pstn_wav_load("/nonexistent/a.wav", &pcm, &n, err,
				       sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/a.wav"));
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("hello", f);
	fclose(f);
	assert_int_equal(pstn_wav_load(path, &pcm, &n, err, sizeof(err)),
			 -EBADMSG);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "not a WAV file"));
	assert_int_equal(pstn_wav_create((struct pstn_wav_writer **)&pcm,
					 "/nonexistent/b.wav", err,
					 sizeof(err)), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_wav_round_trip),
		T(test_wav_parse_skips_chunks),
		T(test_wav_refuses_other_formats),
		T(test_wav_load_errors),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
