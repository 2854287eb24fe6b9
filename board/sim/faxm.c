// SPDX-License-Identifier: MIT
/** @file faxm.c  A fax machine on a line's audio or speaking T.38
 *  (SpanDSP's fax and T.38 terminals), see faxm.h */
#include <errno.h>
#include <spandsp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/sim/faxm.h"

struct faxm {
	fax_state_t *fax;		/* on audio, or */
	t38_terminal_state_t *t38;	/* speaking T.38 */
	faxm_ifp_fn *ifp_tx;
	void *ifp_arg;
	bool send;
	bool done;
	int code;
};

static int fail(char *why, size_t len, int err, const char *what,
		const char *path)
{
	if (why && len)
		snprintf(why, len, "%s: %s", path, what);
	return err;
}

/* a file SpanDSP's TIFF reader can open: "II*\0" or "MM\0*" */
static int check_tiff(const char *path, char *why, size_t len)
{
	unsigned char magic[4];
	FILE *fp = fopen(path, "rb");
	size_t got;

	if (!fp)
		return fail(why, len, -errno, strerror(errno), path);
	got = fread(magic, 1, sizeof(magic), fp);
	fclose(fp);
	if (got != sizeof(magic) ||
	    (memcmp(magic, "II*\0", 4) && memcmp(magic, "MM\0*", 4)))
		return fail(why, len, -EINVAL, "not a TIFF file", path);
	return 0;
}

/* the receiver writes the file once the first page comes: find out now
 * that it cannot */
static int check_writable(const char *path, char *why, size_t len)
{
	FILE *fp = fopen(path, "wb");

	if (!fp)
		return fail(why, len, -errno, strerror(errno), path);
	fclose(fp);
	return 0;
}

static void on_phase_e(t30_state_t *t30, void *arg, int code)
{
	struct faxm *f = arg;

	(void)t30;
	f->done = true;
	f->code = code;
}

/* T.38: SpanDSP asks for a packet to be sent @p count times, its own
 * redundancy for indicators; UDPTL's redundancy does that job here */
static int t38_tx(t38_core_state_t *core, void *arg, const uint8_t *buf,
		  int len, int count)
{
	struct faxm *f = arg;

	(void)core;
	(void)count;
	if (len > 0)
		f->ifp_tx(f->ifp_arg, buf, (size_t)len);
	return 0;
}

/* the machine on audio (@p tx NULL) or speaking T.38 */
static int open_machine(struct faxm **fp, bool send, const char *path,
			bool calling, faxm_ifp_fn *tx, void *arg, char *why,
			size_t len)
{
	struct faxm *f;
	t30_state_t *t30;
	int err = send ? check_tiff(path, why, len) :
			 check_writable(path, why, len);

	*fp = NULL;
	if (err)
		return err;
	f = calloc(1, sizeof(*f));
	if (f && tx) {
		f->ifp_tx = tx;
		f->ifp_arg = arg;
		f->t38 = t38_terminal_init(NULL, calling, t38_tx, f);
	} else if (f) {
		f->fax = fax_init(NULL, calling);
	}
	if (!f || (!f->fax && !f->t38)) {
		free(f);
		return fail(why, len, -ENOMEM, "out of memory", path);
	}
	f->send = send;
	if (f->fax)
		fax_set_transmit_on_idle(f->fax, 1);
	t30 = f->fax ? fax_get_t30_state(f->fax) :
		       t38_terminal_get_t30_state(f->t38);
	t30_set_tx_ident(t30, calling ? "caller" : "called");
	t30_set_supported_modems(t30, T30_SUPPORT_V27TER | T30_SUPPORT_V29 |
				 T30_SUPPORT_V17);
	t30_set_supported_compressions(t30, T30_SUPPORT_T4_1D_COMPRESSION |
				       T30_SUPPORT_T4_2D_COMPRESSION |
				       T30_SUPPORT_T6_COMPRESSION);
	t30_set_ecm_capability(t30, 1);
	t30_set_phase_e_handler(t30, on_phase_e, f);
	if (send)
		t30_set_tx_file(t30, path, -1, -1);
	else
		t30_set_rx_file(t30, path, -1);
	*fp = f;
	return 0;
}

int faxm_open(struct faxm **fp, bool send, const char *path, bool calling,
	      char *why, size_t len)
{
	return open_machine(fp, send, path, calling, NULL, NULL, why, len);
}

int faxm_open_t38(struct faxm **fp, bool send, const char *path,
		  bool calling, faxm_ifp_fn *tx, void *arg, char *why,
		  size_t len)
{
	return open_machine(fp, send, path, calling, tx, arg, why, len);
}

void faxm_close(struct faxm *f)
{
	if (!f)
		return;
	/* either closes the file, a received one complete */
	if (f->fax)
		fax_free(f->fax);
	else
		t38_terminal_free(f->t38);
	free(f);
}

void faxm_t38_rx(struct faxm *f, const uint8_t *ifp, size_t len,
		 uint16_t seq)
{
	t38_core_rx_ifp_packet(t38_terminal_get_t38_core_state(f->t38), ifp,
			       (int)len, seq);
}

void faxm_t38_tick(struct faxm *f, size_t samples)
{
	t38_terminal_send_timeout(f->t38, (int)samples);
}

static t30_state_t *t30_of(const struct faxm *f)
{
	return f->fax ? fax_get_t30_state(f->fax) :
			t38_terminal_get_t30_state(f->t38);
}

void faxm_rx(struct faxm *f, const int16_t *pcm, size_t n)
{
	int16_t amp[160];
	size_t k;

	/* fax_rx() takes the DC off the samples in place (SpanDSP 0.0.6):
	 * it gets a copy, the caller's (recorded, reported) stay as heard */
	for (size_t done = 0; done < n; done += k) {
		k = n - done < 160 ? n - done : 160;
		memcpy(amp, pcm + done, k * sizeof(*amp));
		fax_rx(f->fax, amp, (int)k);
	}
}

void faxm_rx_lost(struct faxm *f, size_t n)
{
	fax_rx_fillin(f->fax, (int)n);
}

void faxm_tx(struct faxm *f, int16_t *pcm, size_t n)
{
	int got = fax_tx(f->fax, pcm, (int)n);

	if (got < 0)
		got = 0;
	if ((size_t)got < n)
		memset(pcm + got, 0, (n - (size_t)got) * sizeof(*pcm));
}

void faxm_result(const struct faxm *f, struct faxm_result *r)
{
	t30_stats_t st;

	t30_get_transfer_statistics(t30_of(f), &st);
	memset(r, 0, sizeof(*r));
	r->state = !f->done ? FAXM_RUNNING :
		   f->code == T30_ERR_OK ? FAXM_OK : FAXM_FAILED;
	r->send = f->send;
	r->code = f->done ? f->code : 0;
	r->pages = f->send ? st.pages_tx : st.pages_rx;
	r->bit_rate = st.bit_rate;
	r->ecm = st.error_correcting_mode != 0;
	r->bad_rows = st.bad_rows;
}

const char *faxm_state_name(enum faxm_state s)
{
	return s == FAXM_RUNNING ? "running" : s == FAXM_OK ? "ok" : "failed";
}

void faxm_format(const struct faxm_result *r, char *buf, size_t len)
{
	char text[96];
	size_t i;

	snprintf(text, sizeof(text), "%s", t30_completion_code_to_str(r->code));
	for (i = 0; text[i]; i++)
		if (text[i] == ' ')
			text[i] = '_';
	snprintf(buf, len, "fax=%s dir=%s pages=%d rate=%d ecm=%s bad_rows=%d "
		 "code=%d (%s)", faxm_state_name(r->state),
		 r->send ? "send" : "receive",
		 r->pages, r->bit_rate, r->ecm ? "yes" : "no", r->bad_rows,
		 r->code, text);
}
