// SPDX-License-Identifier: MIT
/** @file fuzz_billproto.c  Fuzz the billing server's request parser
 *
 * The input is what a client may send over TCP: frames back to back
 * (billing/bproto.h). Each header goes through bproto_hdr_parse() and each
 * body (as much of it as the input holds) through bproto_submit_parse(),
 * as the server does, and through the client's parsers of Ack and Error
 * bodies. What a parser accepts must hold together: 1..BPROTO_MAX_CDRS
 * CDRs that pass cdr_check() and encode back to JSON, refusals with a
 * code. Checked again here; any breach aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "billing/bproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void body(const char *b, size_t len)
{
	struct bproto_submit req;
	struct bproto_ack ack;
	struct bproto_err e;
	char why[160], json[CDR_MAX_JSON];

	memset(&e, 0, sizeof(e));
	if (!bproto_submit_parse(b, len, &req, &e)) {
		if (!req.n || req.n > BPROTO_MAX_CDRS)
			abort();
		for (size_t i = 0; i < req.n; i++)
			if (cdr_check(&req.cdrs[i], why, sizeof(why)) ||
			    cdr_to_json(&req.cdrs[i], json, sizeof(json)) <= 0)
				abort();
		bproto_submit_free(&req);
	} else if (!e.code[0] || req.cdrs) {
		abort();
	}
	if (!bproto_ack_parse(b, len, &ack)) {
		for (size_t i = 0; i < ack.n; i++)
			if (!cdr_id_valid(ack.ids[i]))
				abort();
		bproto_ack_free(&ack);
	}
	if (!bproto_err_parse(b, len, &e) && (!e.code[0] || e.index < -1))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t pos = 0;

	while (size - pos >= BPROTO_HDR) {
		struct bproto_hdr h;
		struct bproto_err e;
		size_t len;
		char *copy;

		if (bproto_hdr_parse(data + pos, &h, &e)) {
			if (!e.code[0])
				abort();
			break;		/* the server closes here */
		}
		pos += BPROTO_HDR;
		len = h.len < size - pos ? h.len : size - pos;
		copy = malloc(len + 1);	/* exact size: ASan sees overreads */
		memcpy(copy, data + pos, len);
		copy[len] = '\0';
		body(copy, len);
		free(copy);
		pos += len;
	}
	return 0;
}
