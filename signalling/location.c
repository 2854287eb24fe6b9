// SPDX-License-Identifier: MIT
/** @file location.c  The registrar's location store */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sofia-sip/url.h>

#include "signalling/location.h"

struct location {
	size_t max;
	struct loc_entry *e;
};

/** Make a store for @p max_entries extensions. @return 0 or -ENOMEM */
int loc_create(struct location **lp, size_t max_entries)
{
	struct location *l = calloc(1, sizeof(*l));

	if (!l || !(l->e = calloc(max_entries, sizeof(*l->e)))) {
		free(l);
		return -ENOMEM;
	}
	l->max = max_entries;
	*lp = l;
	return 0;
}

/** Free the store. @return NULL */
struct location *loc_destroy(struct location *l)
{
	if (l) {
		free(l->e);
		free(l);
	}
	return NULL;
}

/* Remove contact @p i, keeping the others in the order registered. */
static void drop(struct loc_entry *e, unsigned i)
{
	memmove(&e->c[i], &e->c[i + 1], (e->n - i - 1) * sizeof(e->c[0]));
	e->n--;
}

static void expire(struct loc_entry *e, uint64_t now_s)
{
	for (unsigned i = 0; i < e->n;) {
		if (e->c[i].expires_s <= now_s)
			drop(e, i);
		else
			i++;
	}
}

/* The entry of @p number; with @p add, a new one when it has none: a
 * free entry, else one whose contacts are all gone at @p now_s. */
static struct loc_entry *entry(struct location *l, const char *number,
			       bool add, uint64_t now_s)
{
	struct loc_entry *free_e = NULL;

	for (size_t i = 0; i < l->max; i++) {
		if (!l->e[i].number[0]) {	/* free: matches no number */
			if (!free_e)
				free_e = &l->e[i];
			continue;
		}
		if (!strcmp(l->e[i].number, number))
			return &l->e[i];
	}
	if (!add)
		return NULL;
	for (size_t i = 0; i < l->max && !free_e; i++) {
		expire(&l->e[i], now_s);
		if (!l->e[i].n)
			free_e = &l->e[i];
	}
	if (free_e) {
		memset(free_e, 0, sizeof(*free_e));
		snprintf(free_e->number, sizeof(free_e->number), "%s", number);
	}
	return free_e;
}

/** Register (@p expires > 0) or unregister (0) @p uri for @p number. A
 *  contact registered again keeps its place; a new one goes last.
 *  @return 0; -ENOSPC the extension has LOC_CONTACTS contacts already, or
 *  every entry of the store holds an extension with live contacts;
 *  -EINVAL an empty number, or a number or URI too long */
int loc_update(struct location *l, const char *number, const char *uri,
	       const char *received, unsigned expires, uint64_t now_s)
{
	struct loc_entry *e;
	unsigned i;

	if (!number[0] || strlen(number) >= sizeof(e->number) ||
	    strlen(uri) >= LOC_URI)
		return -EINVAL;
	e = entry(l, number, expires > 0, now_s);
	if (!e)
		return expires ? -ENOSPC : 0;
	expire(e, now_s);
	for (i = 0; i < e->n && strcmp(e->c[i].uri, uri); i++)
		;
	if (!expires) {
		if (i < e->n)
			drop(e, i);
		return 0;
	}
	if (i == e->n) {
		if (e->n == LOC_CONTACTS)
			return -ENOSPC;
		e->n++;
		memset(&e->c[i], 0, sizeof(e->c[i]));
	}
	snprintf(e->c[i].uri, sizeof(e->c[i].uri), "%s", uri);
	snprintf(e->c[i].received, sizeof(e->c[i].received), "%s",
		 received ? received : "");
	e->c[i].expires_s = now_s + expires;
	return 0;
}

/** Remove every contact of @p number ("Contact: *" with Expires 0). */
int loc_remove_all(struct location *l, const char *number)
{
	struct loc_entry *e = entry(l, number, false, 0);

	if (e)
		e->n = 0;
	return 0;
}

/** The live contacts of @p number, at most @p max, in the order they were
 *  first registered. @return how many */
size_t loc_lookup(struct location *l, const char *number, uint64_t now_s,
		  struct loc_contact *out, size_t max)
{
	struct loc_entry *e = entry(l, number, false, 0);
	size_t n = 0;

	if (!e)
		return 0;
	expire(e, now_s);
	for (unsigned i = 0; i < e->n && n < max; i++)
		out[n++] = e->c[i];
	return n;
}

/** Live contacts of every extension. */
size_t loc_count(struct location *l, uint64_t now_s)
{
	size_t n = 0;

	for (size_t i = 0; i < l->max; i++) {
		expire(&l->e[i], now_s);
		n += l->e[i].n;
	}
	return n;
}

/** The extensions with live contacts, at most @p max. @return how many */
size_t loc_list(struct location *l, uint64_t now_s, struct loc_entry *out,
		size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < l->max && n < max; i++) {
		expire(&l->e[i], now_s);
		if (l->e[i].n)
			out[n++] = l->e[i];
	}
	return n;
}

/** The next hop for requests to @p contact, a phone whose REGISTER (or
 *  INVITE) came from @p received ("IP:PORT", with ";transport=tcp" or
 *  ";transport=tls" over those): "sip:" and @p received into @p hop when
 *  the contact names another host, or over UDP another port: a NAT between,
 *  the phone naming its private address. Over TCP and TLS the source port
 *  is the connection's, never the contact's, so only the host counts.
 *  @return @p hop, or NULL: the contact itself is the next hop (or
 *  @p received is empty, or either is unreadable) */
const char *loc_nat_hop(const char *contact, const char *received,
			char *hop, size_t len)
{
	const char *colon = received ? strchr(received, ':') : NULL;
	char buf[LOC_URI], ip[48];
	url_t u;

	if (!colon || (size_t)(colon - received) >= sizeof(ip) ||
	    strlen(contact) >= sizeof(buf))
		return NULL;
	memcpy(ip, received, (size_t)(colon - received));
	ip[colon - received] = '\0';
	strcpy(buf, contact);
	if (url_d(&u, buf) < 0 || !u.url_host ||
	    (u.url_type != url_sip && u.url_type != url_sips))
		return NULL;
	if (!strcmp(u.url_host, ip) &&
	    (strstr(received, ";transport=") ||
	     strtoul(colon + 1, NULL, 10) == strtoul(url_port(&u), NULL, 10)))
		return NULL;
	if ((size_t)snprintf(hop, len, "sip:%s", received) >= len)
		return NULL;
	return hop;
}

/* @p c is behind NAT and reached over UDP */
static bool nat_udp(const struct loc_contact *c)
{
	char hop[LOC_HOP];

	return !strstr(c->received, ";transport=") &&
	       loc_nat_hop(c->uri, c->received, hop, sizeof(hop));
}

/** The next contact behind NAT over UDP whose keep-alive is due at
 *  @p now_s, @p every_s after its last (its first: after a call here
 *  first saw it): its extension's number into @p number (@p nlen bytes)
 *  and the contact into @p out, and @p now_s kept as its last.
 *  @return 1 with one, 0 when none is due */
int loc_keepalive_next(struct location *l, uint64_t now_s, unsigned every_s,
		       char *number, size_t nlen, struct loc_contact *out)
{
	for (size_t i = 0; i < l->max; i++) {
		struct loc_entry *e = &l->e[i];

		expire(e, now_s);
		for (unsigned k = 0; k < e->n; k++) {
			struct loc_contact *c = &e->c[k];

			if (!nat_udp(c))
				continue;
			if (!c->ka_last_s)
				c->ka_last_s = now_s;
			if (now_s < c->ka_last_s + every_s)
				continue;
			c->ka_last_s = now_s;
			snprintf(number, nlen, "%s", e->number);
			*out = *c;
			return 1;
		}
	}
	return 0;
}

/** The answer to the keep-alive sent to @p uri of @p number: its
 *  @p status (408: none came) after @p rtt_ms. A contact gone since is
 *  left alone. */
void loc_keepalive_result(struct location *l, const char *number,
			  const char *uri, int status, uint32_t rtt_ms)
{
	struct loc_entry *e = entry(l, number, false, 0);

	for (unsigned k = 0; e && k < e->n; k++) {
		if (!strcmp(e->c[k].uri, uri)) {
			e->c[k].ka_status = status;
			e->c[k].ka_rtt_ms = rtt_ms;
		}
	}
}
