// SPDX-License-Identifier: MIT
/** @file udptl.c  UDPTL packets: T.38's transport (udptl.h) */
#include <errno.h>
#include <string.h>

#include "media/udptl.h"

/* --- sending ------------------------------------------------------------------- */

void udptl_tx_init(struct udptl_tx *t, unsigned redundancy, uint16_t seq)
{
	memset(t, 0, sizeof(*t));
	t->seq = seq;
	t->redundancy = redundancy < UDPTL_REDUNDANCY_MAX ?
			redundancy : UDPTL_REDUNDANCY_MAX;
}

static size_t len_size(size_t n)
{
	return n < 128 ? 1 : 2;
}

static size_t put_len(uint8_t *p, size_t n)
{
	if (n < 128) {
		p[0] = (uint8_t)n;
		return 1;
	}
	p[0] = (uint8_t)(0x80 | (n >> 8));
	p[1] = (uint8_t)n;
	return 2;
}

static size_t put_open(uint8_t *p, const uint8_t *data, size_t n)
{
	size_t o = put_len(p, n);

	memcpy(p + o, data, n);
	return o + n;
}

int udptl_send(struct udptl_tx *t, const uint8_t *ifp, size_t len,
	       uint8_t *out, size_t cap)
{
	size_t need = 2 + len_size(len) + len + 2, o;
	unsigned nsec = 0, i, slot;

	if (len > UDPTL_IFP_MAX || need > cap)
		return -EMSGSIZE;
	/* as many of the last IFP packets as fit, newest first */
	while (nsec < t->kept && nsec < t->redundancy) {
		slot = (t->head + UDPTL_REDUNDANCY_MAX - 1 - nsec) %
		       UDPTL_REDUNDANCY_MAX;
		if (need + len_size(t->len[slot]) + t->len[slot] > cap)
			break;
		need += len_size(t->len[slot]) + t->len[slot];
		nsec++;
	}
	out[0] = (uint8_t)(t->seq >> 8);
	out[1] = (uint8_t)t->seq;
	o = 2 + put_open(out + 2, ifp, len);
	out[o++] = 0x00;		/* secondary IFP packets */
	o += put_len(out + o, nsec);
	for (i = 0; i < nsec; i++) {
		slot = (t->head + UDPTL_REDUNDANCY_MAX - 1 - i) %
		       UDPTL_REDUNDANCY_MAX;
		o += put_open(out + o, t->ifp[slot], t->len[slot]);
	}
	if (t->redundancy) {
		memcpy(t->ifp[t->head], ifp, len);
		t->len[t->head] = (uint16_t)len;
		t->head = (t->head + 1) % UDPTL_REDUNDANCY_MAX;
		if (t->kept < UDPTL_REDUNDANCY_MAX)
			t->kept++;
	}
	t->seq++;
	return (int)o;
}

/* --- receiving ----------------------------------------------------------------- */

struct rd {
	const uint8_t *p;
	size_t len, at;
};

static int get_len(struct rd *r, size_t *n)
{
	uint8_t b;

	if (r->at >= r->len)
		return -1;
	b = r->p[r->at++];
	if (!(b & 0x80)) {
		*n = b;
		return 0;
	}
	if ((b & 0x40) || r->at >= r->len)
		return -1;		/* fragmented, or cut short */
	*n = (size_t)(b & 0x3f) << 8 | r->p[r->at++];
	return 0;
}

static int get_open(struct rd *r, const uint8_t **data, size_t *n)
{
	if (get_len(r, n) || *n > r->len - r->at)
		return -1;
	*data = r->p + r->at;
	r->at += *n;
	return 0;
}

void udptl_rx_init(struct udptl_rx *r)
{
	memset(r, 0, sizeof(*r));
}

int udptl_recv(struct udptl_rx *r, const uint8_t *pkt, size_t len,
	       udptl_ifp_fn *fn, void *arg)
{
	struct rd rd = { pkt, len, 2 };
	const uint8_t *prim, *sec[UDPTL_SECONDARY_MAX], *d;
	size_t plen, slen[UDPTL_SECONDARY_MAX], nsec = 0, count, n, i;
	uint16_t seq;
	int gap;
	bool fec;

	if (len < 2 || get_open(&rd, &prim, &plen) || rd.at >= len)
		goto bad;
	seq = (uint16_t)(pkt[0] << 8 | pkt[1]);
	fec = pkt[rd.at++] & 0x80;
	if (!fec) {
		if (get_len(&rd, &count))
			goto bad;
		for (i = 0; i < count; i++) {
			if (get_open(&rd, &d, &n))
				goto bad;
			if (nsec < UDPTL_SECONDARY_MAX) {
				sec[nsec] = d;
				slen[nsec++] = n;
			}
		}
	} else {
		/* fec-npackets as a one-octet length and value, entries */
		if (len - rd.at < 3 || pkt[rd.at] != 1)
			goto bad;
		count = pkt[rd.at + 2];
		rd.at += 3;
		for (i = 0; i < count; i++)
			if (get_open(&rd, &d, &n))
				goto bad;
		r->st.fec++;
	}
	if (rd.at != len)
		goto bad;		/* octets after the packet */
	r->st.packets++;
	if (!r->started) {
		r->started = true;
		r->next = seq;
	}
	gap = (int16_t)(uint16_t)(seq - r->next);
	if (gap < 0) {
		r->st.late++;
		return 0;
	}
	if ((size_t)gap > nsec)		/* beyond what it carries */
		r->st.lost += (size_t)gap - nsec;
	for (i = (size_t)gap < nsec ? (size_t)gap : nsec; i >= 1; i--) {
		/* the oldest missing first: sec[i - 1] is seq - i */
		fn(arg, sec[i - 1], slen[i - 1], (uint16_t)(seq - i));
		r->st.recovered++;
		r->st.ifp++;
	}
	fn(arg, prim, plen, seq);
	r->st.ifp++;
	r->next = (uint16_t)(seq + 1);
	return 0;
 bad:
	r->st.malformed++;
	return -EBADMSG;
}
