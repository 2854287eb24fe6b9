/* SPDX-License-Identifier: MIT */
/** @file pstn_wav.h  WAV files of the PSTN simulator: 8 kHz mono PCM16
 *
 * Just what the simulator and its tests need: read a whole file of 8 kHz,
 * mono, 16-bit linear PCM (RIFF/WAVE, format 1 or WAVE_FORMAT_EXTENSIBLE
 * with the PCM sub-format; other chunks skipped), and write one
 * incrementally, with the sizes patched in when it is closed. Anything
 * else is refused with the reason (a file from a sound editor at 44.1 kHz
 * or in stereo must be converted first: `sox in.wav -r 8000 -c 1 -b 16
 * out.wav`).
 */
#ifndef BOARD_SIM_PSTN_WAV_H
#define BOARD_SIM_PSTN_WAV_H

#include <stddef.h>
#include <stdint.h>

#define PSTN_WAV_RATE		8000
#define PSTN_WAV_MAX_BYTES	(64u << 20)	/* ~70 minutes */

struct pstn_wav_writer;

int  pstn_wav_parse(const uint8_t *buf, size_t len, int16_t **pcmp,
		    size_t *np, char *err, size_t errlen);
int  pstn_wav_load(const char *path, int16_t **pcmp, size_t *np, char *err,
		   size_t errlen);
int  pstn_wav_create(struct pstn_wav_writer **wp, const char *path,
		     char *err, size_t errlen);
int  pstn_wav_write(struct pstn_wav_writer *w, const int16_t *pcm, size_t n);
size_t pstn_wav_samples(const struct pstn_wav_writer *w);
int  pstn_wav_close(struct pstn_wav_writer *w);

#endif /* BOARD_SIM_PSTN_WAV_H */
