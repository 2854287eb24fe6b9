// SPDX-License-Identifier: MIT
/** @file rate.c  Rating: tariff file, longest-prefix match, cost */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "billing/rate.h"

struct rate_table {
	atomic_int refs;
	char currency[8];
	size_t n, cap;
	size_t maxlen;			/**< longest prefix */
	struct rate_entry *e;		/**< sorted by prefix */
};

struct parser {
	const char *name;
	unsigned line;
	char *why;
	size_t whylen;
	struct rate_table *t;
};

static int perr(struct parser *p, const char *fmt, const char *arg)
{
	char msg[160];

	snprintf(msg, sizeof(msg), fmt, arg);
	snprintf(p->why, p->whylen, "%s:%u: %s", p->name, p->line, msg);
	return -EINVAL;
}

/**
 * Parse an amount of money: digits, optionally a point and 1..6 more
 * digits ("0.0125", "3"), below RATE_MAX_PRICE micro-units.
 * @return 0 (@p micro set), or -EINVAL
 */
int rate_parse_money(const char *s, int64_t *micro)
{
	int64_t units = 0, frac = 0;
	int nd = 0, nf = 0;

	for (; *s >= '0' && *s <= '9'; s++, nd++) {
		units = units * 10 + (*s - '0');
		if (units >= RATE_MAX_PRICE / 1000000)
			return -EINVAL;
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, nf++) {
			if (nf == 6)
				return -EINVAL;
			frac = frac * 10 + (*s - '0');
		}
		if (!nf)
			return -EINVAL;
	}
	if (*s || !nd)
		return -EINVAL;
	for (; nf < 6; nf++)
		frac *= 10;
	*micro = units * 1000000 + frac;
	return 0;
}

/** Write micro-units as a decimal with 2 to 6 decimals ("0.0125",
 *  "1.20", "-0.50"). @return the length, or -ENOSPC */
int rate_format_money(int64_t micro, char *buf, size_t len)
{
	uint64_t a = micro < 0 ? -(uint64_t)micro : (uint64_t)micro;
	char frac[8];
	int nf = 6, n;

	snprintf(frac, sizeof(frac), "%06llu", (unsigned long long)(a %
								   1000000));
	while (nf > 2 && frac[nf - 1] == '0')
		nf--;
	n = snprintf(buf, len, "%s%llu.%.*s", micro < 0 ? "-" : "",
		     (unsigned long long)(a / 1000000), nf, frac);
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct rate_entry *)a)->prefix,
		      ((const struct rate_entry *)b)->prefix);
}

static int parse_increments(const char *s, struct rate_entry *e)
{
	char *end;
	long a, b;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	a = strtol(s, &end, 10);
	if (end == s || *end != '/' || a < 1 || a > 86400)
		return -EINVAL;
	s = end + 1;
	b = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || end == s || *end || b < 1 || b > 86400)
		return -EINVAL;
	e->first = (int)a;
	e->step = (int)b;
	return 0;
}

static int add_entry(struct parser *p, const struct rate_entry *e)
{
	struct rate_table *t = p->t;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct rate_entry *ne = realloc(t->e, cap * sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		t->e = ne;
		t->cap = cap;
	}
	t->e[t->n++] = *e;
	if (strlen(e->prefix) > t->maxlen)
		t->maxlen = strlen(e->prefix);
	return 0;
}

/* the next blank-separated word of *sp, NUL-terminated in place */
static char *word(char **sp)
{
	char *s = *sp + strspn(*sp, " \t"), *w = s;

	if (!*s)
		return NULL;
	s += strcspn(s, " \t");
	if (*s)
		*s++ = '\0';
	*sp = s;
	return w;
}

static int parse_line(struct parser *p, char *s)
{
	struct rate_entry e;
	char *pre, *price, *inc, *rest;

	memset(&e, 0, sizeof(e));
	pre = word(&s);
	if (!pre || *pre == '#')
		return 0;
	if (!strcmp(pre, "currency")) {
		char *cur = word(&s);

		if (p->t->n || p->t->currency[0])
			return perr(p, "%s must come once, before the tariffs",
				    "currency");
		if (!cur || strlen(cur) >= sizeof(p->t->currency) || word(&s))
			return perr(p, "%s takes one word of 1..7 characters",
				    "currency");
		strcpy(p->t->currency, cur);
		return 0;
	}
	if (strcmp(pre, "default")) {
		if (strlen(pre) >= sizeof(e.prefix) ||
		    pre[strspn(pre, "0123456789+*#")])
			return perr(p, "prefix \"%.40s\" is not 1..23 of 0-9 + "
				    "* # (or default)", pre);
		strcpy(e.prefix, pre);
	}
	price = word(&s);
	if (!price || rate_parse_money(price, &e.price))
		return perr(p, "price \"%.40s\" is not a decimal number "
			    "(at most 6 decimals)", price ? price : "");
	inc = word(&s);
	if (!inc || parse_increments(inc, &e))
		return perr(p, "increments \"%.40s\" are not FIRST/STEP "
			    "seconds such as 60/60", inc ? inc : "");
	rest = s + strspn(s, " \t");
	if (!strncmp(rest, "setup=", 6)) {
		char *fee = word(&s) + 6;

		if (rate_parse_money(fee, &e.setup))
			return perr(p, "setup fee \"%.40s\" is not a decimal "
				    "number", fee);
		rest = s + strspn(s, " \t");
	}
	while (*rest && strchr(" \t", rest[strlen(rest) - 1]))
		rest[strlen(rest) - 1] = '\0';
	if (!*rest || strlen(rest) >= sizeof(e.name))
		return perr(p, "%s: the name (1..47 bytes) is missing or too "
			    "long", e.prefix[0] ? e.prefix : "default");
	strcpy(e.name, rest);
	return add_entry(p, &e);
}

static int check_unique(struct parser *p)
{
	struct rate_table *t = p->t;

	qsort(t->e, t->n, sizeof(*t->e), cmp_entry);
	for (size_t i = 1; i < t->n; i++) {
		if (!strcmp(t->e[i].prefix, t->e[i - 1].prefix)) {
			snprintf(p->why, p->whylen, "%s: prefix \"%s\" "
				 "appears twice", p->name, t->e[i].prefix[0] ?
				 t->e[i].prefix : "default");
			return -EINVAL;
		}
	}
	return 0;
}

/**
 * Parse a tariff file's text (format in rate.h).
 * @param tp    the new table (one reference) on success
 * @param name  the file name, for error messages
 * @param why   "NAME:LINE: reason" on error
 * @return 0, -EINVAL (a bad line), -ENOMEM
 */
int rate_parse(struct rate_table **tp, const char *name, const char *text,
	       size_t len, char *why, size_t whylen)
{
	struct parser p = { .name = name, .why = why, .whylen = whylen };
	char line[512];
	size_t pos = 0;
	int err = 0;

	p.t = calloc(1, sizeof(*p.t));
	if (!p.t)
		return -ENOMEM;
	atomic_init(&p.t->refs, 1);
	while (!err && pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t raw = (nl ? (size_t)(nl - text) : len) - pos, n = raw;

		p.line++;
		if (n && text[pos + n - 1] == '\r')
			n--;
		if (n >= sizeof(line))
			err = perr(&p, "%s", "line longer than 511 bytes");
		else if (memchr(text + pos, '\0', n))
			err = perr(&p, "%s", "NUL byte in the line");
		if (err)
			break;
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += raw + 1;
		err = parse_line(&p, line);
	}
	if (!err)
		err = check_unique(&p);
	if (err) {
		rate_free(p.t);
		return err;
	}
	*tp = p.t;
	return 0;
}

/**
 * Load a tariff file (format in rate.h).
 * @param why  "PATH:LINE: reason", or "PATH: reason" when unreadable
 * @return 0, -errno (cannot read), -EFBIG, -EINVAL, -ENOMEM
 */
int rate_load(struct rate_table **tp, const char *path, char *why,
	      size_t whylen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;
	struct stat st;
	char *buf;
	ssize_t n;

	if (fd < 0 || fstat(fd, &st)) {
		err = -errno;
		snprintf(why, whylen, "%s: %s", path, strerror(-err));
		if (fd >= 0)
			close(fd);
		return err;
	}
	if (st.st_size > RATE_MAX_FILE) {
		snprintf(why, whylen, "%s: larger than %u bytes", path,
			 RATE_MAX_FILE);
		close(fd);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	n = buf ? read(fd, buf, (size_t)st.st_size + 1) : -1;
	err = n < 0 ? (buf ? -errno : -ENOMEM) : 0;
	close(fd);
	if (!err)
		err = rate_parse(tp, path, buf, (size_t)n, why, whylen);
	else
		snprintf(why, whylen, "%s: %s", path, strerror(-err));
	free(buf);
	return err;
}

/** Take one more reference on @p t (NULL allowed). @return @p t */
struct rate_table *rate_hold(struct rate_table *t)
{
	if (t)
		atomic_fetch_add(&t->refs, 1);
	return t;
}

/** Drop one reference; the last one frees the table. @return NULL */
struct rate_table *rate_free(struct rate_table *t)
{
	if (t && atomic_fetch_sub(&t->refs, 1) == 1) {
		free(t->e);
		free(t);
	}
	return NULL;
}

/** Number of tariffs in @p t. */
size_t rate_count(const struct rate_table *t)
{
	return t ? t->n : 0;
}

/** The currency the file names, or "". */
const char *rate_currency(const struct rate_table *t)
{
	return t ? t->currency : "";
}

/**
 * The tariff whose prefix is the longest prefix of @p number ("default"
 * matches all). Context: any thread; the table is immutable.
 * @return the tariff, or NULL when none matches (or @p t is NULL)
 */
const struct rate_entry *rate_lookup(const struct rate_table *t,
				     const char *number)
{
	struct rate_entry key;
	size_t len;

	if (!t || !t->n)
		return NULL;
	len = strlen(number);
	if (len > t->maxlen)
		len = t->maxlen;
	for (;; len--) {
		const struct rate_entry *e;

		memcpy(key.prefix, number, len);
		key.prefix[len] = '\0';
		e = bsearch(&key, t->e, t->n, sizeof(*t->e), cmp_entry);
		if (e)
			return e;
		if (!len)
			return NULL;
	}
}

/** Seconds billed for @p billsec under the tariff's increments: 0 for 0,
 *  else at least FIRST, then whole steps of STEP. */
int64_t rate_billed_seconds(const struct rate_entry *e, int64_t billsec)
{
	if (billsec <= 0)
		return 0;
	if (billsec <= e->first)
		return e->first;
	return e->first + (billsec - e->first + e->step - 1) / e->step *
	       e->step;
}

/** Cost of @p c under tariff @p e, in micro-units (rate.h). */
int64_t rate_cost(const struct rate_entry *e, const struct cdr *c)
{
	unsigned __int128 v;

	if (!c->answer_us)
		return 0;
	v = (unsigned __int128)rate_billed_seconds(e, c->billsec) *
	    (uint64_t)e->price;
	v = (v + 59) / 60;
	v += (uint64_t)e->setup;
	return v > INT64_MAX ? INT64_MAX : (int64_t)v;
}

/** Rate @p c with table @p t: set rate_prefix, rate_name and cost (or
 *  leave it unrated when no tariff matches; @p t may be NULL). */
void rate_apply(const struct rate_table *t, struct cdr *c)
{
	const struct rate_entry *e = rate_lookup(t, c->callee);

	c->rate_prefix[0] = c->rate_name[0] = '\0';
	c->cost = CDR_UNRATED;
	if (!e)
		return;
	snprintf(c->rate_prefix, sizeof(c->rate_prefix), "%s",
		 e->prefix[0] ? e->prefix : "default");
	snprintf(c->rate_name, sizeof(c->rate_name), "%s", e->name);
	c->cost = rate_cost(e, c);
}
