/* SPDX-License-Identifier: MIT */
/** @file pstn_echo.h  PSTN simulator: a line's hybrid echo (G.168's echo
 *  path model D.4 at a given echo return loss and delay; pstn_echo.c) */
#ifndef BOARD_SIM_PSTN_ECHO_H
#define BOARD_SIM_PSTN_ECHO_H

#include <stddef.h>
#include <stdint.h>

#include "board/sim/pstn.h"

#define PSTN_ECHO_MAX_ERL_DB	60
#define PSTN_ECHO_MAX_DELAY_MS	64

struct pstn_echo;

int  pstn_echo_open(struct pstn_echo **ep, float erl_db, unsigned delay_ms);
struct pstn_echo *pstn_echo_close(struct pstn_echo *e);
void pstn_echo_take(struct pstn_echo *e, const int16_t *pcm, size_t n);
void pstn_echo_add(struct pstn_echo *e, int32_t *acc, size_t n);
void pstn_echo_info(const struct pstn_echo *e, float *erl_db,
		    unsigned *delay_ms, uint64_t *restarts);

#endif /* BOARD_SIM_PSTN_ECHO_H */
