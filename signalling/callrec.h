/* SPDX-License-Identifier: MIT */
/** @file callrec.h  Finished calls, as the SIP engine hands them to billing
 *
 * Every call attempt ends in one call record: who called whom through what,
 * when it started, was answered and ended, how it ended, and the voice
 * quality the RT partition measured on each RTP leg. The SIP engine writes
 * each record as one JSON file in the billing spool's incoming directory
 * (write to a temporary name, rename): a record is either complete there
 * or absent if the engine fails; a thread of the engine flushes the
 * directory's file system to the disk soon after (recsync.h).
 * The billing client takes records from there in name order and removes a
 * file only once the CDR it made from it is itself durable.
 *
 * JSON (one object; times in microseconds since the epoch, 0: never):
 *   {"v":1, "id":"<unique call id>", "caller":"1001", "callee":"05550100",
 *    "from":{"kind":"ext","name":"1001"}, "to":{"kind":"trunk","name":"pstn"},
 *    "start_us":..., "answer_us":..., "end_us":...,
 *    "disposition":"ANSWERED|NO ANSWER|BUSY|FAILED|CONGESTION|CANCELLED",
 *    "cause":486, "cause_text":"Busy Here", "codec":"PCMU",
 *    "legs":[{"packets_rx":..,"packets_tx":..,"lost":..,"late":..,
 *             "jitter_ms":..,"mos":..}, ...]}
 * kinds: "ext" (SIP extension), "fxs" (analog phone port), "trunk" (TDM or
 * SIP trunk), "pstn" (a line of the telephone network), "unknown".
 */
#ifndef SIGNALLING_CALLREC_H
#define SIGNALLING_CALLREC_H

#include <stddef.h>
#include <stdint.h>

#define CALLREC_VERSION	1
#define CALLREC_ID	64
#define CALLREC_NUM	64
#define CALLREC_NAME	32
#define CALLREC_MAX_LEGS 2
#define CALLREC_MAX_JSON 4096	/**< a record's JSON is never longer */

enum callrec_disp {
	CALLREC_ANSWERED, CALLREC_NO_ANSWER, CALLREC_BUSY, CALLREC_FAILED,
	CALLREC_CONGESTION, CALLREC_CANCELLED, CALLREC_DISP_COUNT
};

struct callrec_party {
	char kind[8];		/**< "ext", "fxs", "trunk", "pstn", "unknown" */
	char name[CALLREC_NAME];
};

struct callrec_leg {
	uint64_t packets_rx, packets_tx, lost, late;
	double jitter_ms;
	double mos;
};

struct callrec {
	char id[CALLREC_ID];
	char caller[CALLREC_NUM];
	char callee[CALLREC_NUM];
	struct callrec_party from, to;
	int64_t start_us, answer_us, end_us;
	enum callrec_disp disposition;
	int cause;
	char cause_text[64];
	char codec[16];
	unsigned nlegs;
	struct callrec_leg leg[CALLREC_MAX_LEGS];
};

void callrec_leg_add(struct callrec_leg *to, const struct callrec_leg *from);
const char *callrec_disp_name(enum callrec_disp d);
int  callrec_disp_parse(const char *s, enum callrec_disp *d);
int  callrec_to_json(const struct callrec *r, char *buf, size_t len);
int  callrec_from_json(const char *json, size_t len, struct callrec *r,
		       char *why, size_t whylen);
int  callrec_write(const char *dir, const struct callrec *r);
int  callrec_read(const char *path, struct callrec *r, char *why,
		  size_t whylen);
int  callrec_new_id(char *buf, size_t len);

#endif /* SIGNALLING_CALLREC_H */
