// SPDX-License-Identifier: MIT
/** @file config_parse.c  Configuration values: the parsers and checks
 *
 * The syntax of each type of value, without the rules of a key (a range's
 * limits are the caller's): the public cfg_parse_* and cfg_format_*
 * functions, and the syntax checks that keys name in the schema
 * (board/config_keys.h), cfg_check_*. On error each writes into why what
 * follows the quoted value in a message.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/config.h"
#include "board/config_priv.h"
#include "hal/tdm.h"

/* ---- value parsers ------------------------------------------------------ */

/**
 * Parse a decimal integer: an optional '-' and digits, nothing else.
 * @return 0; -EINVAL when @p s is not an integer; -ERANGE when it is
 *	   outside min..max
 */
int cfg_parse_int(const char *s, long min, long max, long *v,
		  char *whybuf, size_t size)
{
	const char *p = s;
	char *end;
	long x;

	if (*p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		goto bad;
	errno = 0;
	x = strtol(s, &end, 10);
	if (*end)
		goto bad;
	if (errno == ERANGE || x < min || x > max)
		return cfg_why(whybuf, size, -ERANGE,
			       "is out of range %ld..%ld", min, max);
	*v = x;
	return 0;

 bad:
	return cfg_why(whybuf, size, -EINVAL,
		       "is not an integer (expected %ld..%ld)", min, max);
}

/**
 * Parse a boolean: true/false, yes/no, on/off or 1/0, in any case.
 * @return 0, or -EINVAL
 */
int cfg_parse_bool(const char *s, bool *v, char *whybuf, size_t size)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*v = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*v = false;
			return 0;
		}
	}
	return cfg_why(whybuf, size, -EINVAL, "is not a boolean (expected "
		       "true/false, yes/no, on/off or 1/0)");
}

/* Called for each range of a list; returns 0 or a reason in buf. */
typedef int (range_h)(void *arg, unsigned long lo, unsigned long hi,
		      char *buf, size_t size);

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Read a decimal number; *big is set when it exceeds limit. */
static const char *read_num(const char *p, unsigned long limit,
			    unsigned long *v, bool *big)
{
	unsigned long x = 0;

	*big = false;
	for (; isdigit((unsigned char)*p); p++) {
		if (x > limit)
			*big = true;
		else
			x = x * 10 + (unsigned long)(*p - '0');
	}
	if (x > limit)
		*big = true;
	*v = x;
	return p;
}

/*
 * Parse "a-b,c,..." (blanks allowed around numbers) with numbers in
 * min..max, calling @p add for each range. @p what names one number
 * ("CPU", "port"). On error, buf holds the detail.
 */
static int parse_ranges(const char *s, unsigned long min, unsigned long max,
			const char *what, range_h *add, void *arg,
			char *buf, size_t size)
{
	const char *p = s, *item, *num;
	unsigned long lo, hi;
	bool big;
	int len, rc;

	for (;;) {
		item = skip_space(p);
		len = (int)strcspn(item, ",");
		while (len && (item[len - 1] == ' ' || item[len - 1] == '\t'))
			len--;
		if (!len)
			return cfg_why(buf, size, -EINVAL, "empty item");
		if (len > QUOTE_MAX)
			len = QUOTE_MAX;
		if (*item == '-')
			return cfg_why(buf, size, -EINVAL,
				       "range \"%.*s\" has no start", len,
				       item);
		if (!isdigit((unsigned char)*item))
			goto bad_item;
		num = item;
		p = read_num(item, max, &lo, &big);
		if (big || lo < min)
			goto out_of_range;
		hi = lo;
		p = skip_space(p);
		if (*p == '-') {
			p = skip_space(p + 1);
			if (!*p || *p == ',')
				return cfg_why(buf, size, -EINVAL,
					       "range \"%.*s\" has no end",
					       len, item);
			if (!isdigit((unsigned char)*p))
				goto bad_item;
			num = p;
			p = read_num(p, max, &hi, &big);
			if (big || hi < min)
				goto out_of_range;
			p = skip_space(p);
		}
		if (*p && *p != ',')
			goto bad_item;
		if (hi < lo)
			return cfg_why(buf, size, -EINVAL,
				       "range %lu-%lu is backwards", lo, hi);
		rc = add(arg, lo, hi, buf, size);
		if (rc)
			return rc;
		if (!*p)
			return 0;
		p++;
	}

 bad_item:
	return cfg_why(buf, size, -EINVAL,
		       "item \"%.*s\" is not a number or a range N-M", len,
		       item);
 out_of_range:
	len = (int)strspn(num, "0123456789");
	return cfg_why(buf, size, -ERANGE, "%s %.*s is out of range %lu..%lu",
		       what, len > QUOTE_MAX ? QUOTE_MAX : len, num, min, max);
}

static int add_cpus(void *arg, unsigned long lo, unsigned long hi,
		    char *buf, size_t size)
{
	cpu_set_t *set = arg;
	unsigned long cpu;

	for (cpu = lo; cpu <= hi; cpu++) {
		if (CPU_ISSET(cpu, set))
			return cfg_why(buf, size, -EINVAL,
				       "CPU %lu is listed twice", cpu);
		CPU_SET(cpu, set);
	}
	return 0;
}

/**
 * Parse a CPU list such as "0-1,3" (Linux's cpulist format): CPUs 0 up to
 * CPU_SETSIZE - 1, each listed once, at least one.
 * @return 0, or -EINVAL / -ERANGE
 */
int cfg_parse_cpus(const char *s, cpu_set_t *set, char *whybuf, size_t size)
{
	cpu_set_t tmp;
	char detail[160];
	int rc;

	CPU_ZERO(&tmp);
	rc = parse_ranges(s, 0, CPU_SETSIZE - 1, "CPU", add_cpus, &tmp,
			  detail, sizeof(detail));
	if (rc)
		return cfg_why(whybuf, size, rc, "is not a valid CPU list: %s",
			       detail);
	*set = tmp;
	return 0;
}

static void range_str(char *buf, size_t size, unsigned int lo,
		      unsigned int hi)
{
	if (lo == hi)
		snprintf(buf, size, "%u", lo);
	else
		snprintf(buf, size, "%u-%u", lo, hi);
}

static int add_ports(void *arg, unsigned long lo, unsigned long hi,
		     char *buf, size_t size)
{
	struct cfg_ports *p = arg;
	char a[16], b[16];
	unsigned int i, at = 0;

	for (i = 0; i < p->n; i++) {
		if (lo <= p->r[i].hi && p->r[i].lo <= hi) {
			range_str(a, sizeof(a), p->r[i].lo, p->r[i].hi);
			range_str(b, sizeof(b), (unsigned int)lo,
				  (unsigned int)hi);
			return cfg_why(buf, size, -EINVAL,
				       "ranges %s and %s overlap", a, b);
		}
		if (p->r[i].lo < lo)
			at = i + 1;
	}
	if (p->n == CFG_PORT_RANGES_MAX)
		return cfg_why(buf, size, -E2BIG, "more than %d ranges",
			       CFG_PORT_RANGES_MAX);
	memmove(&p->r[at + 1], &p->r[at], (p->n - at) * sizeof(p->r[0]));
	p->r[at].lo = (uint16_t)lo;
	p->r[at].hi = (uint16_t)hi;
	p->n++;
	return 0;
}

/**
 * Parse UDP port ranges such as "7,16384-32767": ports 1..65535, at most
 * CFG_PORT_RANGES_MAX ranges, none overlapping another; the result is
 * sorted.
 * @return 0, or -EINVAL / -ERANGE / -E2BIG
 */
int cfg_parse_ports(const char *s, struct cfg_ports *p, char *whybuf,
		    size_t size)
{
	struct cfg_ports tmp = { 0 };
	char detail[160];
	int rc;

	rc = parse_ranges(s, 1, 65535, "port", add_ports, &tmp, detail,
			  sizeof(detail));
	if (rc)
		return cfg_why(whybuf, size, rc, "is not a valid port list: %s",
			       detail);
	*p = tmp;
	return 0;
}

/** Tell whether @p port is in one of the ranges of @p p. */
bool cfg_ports_contain(const struct cfg_ports *p, uint16_t port)
{
	unsigned int i;

	for (i = 0; i < p->n; i++)
		if (port >= p->r[i].lo && port <= p->r[i].hi)
			return true;
	return false;
}

/**
 * Parse a dotted-quad IPv4 address (inet_pton: four decimal numbers, no
 * leading zeros).
 * @return 0, or -EINVAL
 */
int cfg_parse_ipv4(const char *s, struct in_addr *a, char *whybuf,
		   size_t size)
{
	struct in_addr tmp;

	if (inet_pton(AF_INET, s, &tmp) != 1)
		return cfg_why(whybuf, size, -EINVAL,
			       "is not an IPv4 address (expected a.b.c.d)");
	*a = tmp;
	return 0;
}

/**
 * Parse an IPv4 address with its prefix length, "a.b.c.d/n", n in 1..32.
 * @return 0, or -EINVAL / -ERANGE
 */
int cfg_parse_prefix(const char *s, struct cfg_prefix *p, char *whybuf,
		     size_t size)
{
	const char *slash = strchr(s, '/');
	char addr[INET_ADDRSTRLEN];
	struct in_addr a;
	unsigned long len;
	const char *end;
	bool big;

	if (!slash)
		return cfg_why(whybuf, size, -EINVAL, "has no prefix length "
			       "(expected a.b.c.d/n)");
	if ((size_t)(slash - s) >= sizeof(addr))
		goto bad;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	if (inet_pton(AF_INET, addr, &a) != 1)
		goto bad;
	if (!isdigit((unsigned char)slash[1]))
		goto bad;
	end = read_num(slash + 1, 32, &len, &big);
	if (*end)
		goto bad;
	if (big || len < 1)
		return cfg_why(whybuf, size, -ERANGE, "has a prefix length "
			       "out of range 1..32");
	p->addr = a;
	p->len = (unsigned int)len;
	return 0;

 bad:
	return cfg_why(whybuf, size, -EINVAL,
		       "is not an IPv4 address/prefix (expected a.b.c.d/n)");
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/**
 * Parse a MAC address, six bytes of two hex digits separated by ':'.
 * @return 0, or -EINVAL
 */
int cfg_parse_mac(const char *s, uint8_t mac[6], char *whybuf, size_t size)
{
	uint8_t tmp[6];
	int i, hi, lo;

	for (i = 0; i < 6; i++) {
		hi = hexval((unsigned char)s[0]);
		lo = hi < 0 ? -1 : hexval((unsigned char)s[1]);
		if (lo < 0 || s[2] != (i == 5 ? '\0' : ':'))
			return cfg_why(whybuf, size, -EINVAL, "is not a MAC "
				       "address (expected six hex bytes like "
				       "02:00:5e:12:00:10)");
		tmp[i] = (uint8_t)(hi << 4 | lo);
		s += 3;
	}
	memcpy(mac, tmp, sizeof(tmp));
	return 0;
}

/**
 * Format a CPU set as a CPU list ("0-1,3"); "" for an empty set.
 * @return 0, or -ENOSPC when @p buf is too small (it is then cut)
 */
int cfg_format_cpus(const cpu_set_t *set, char *buf, size_t size)
{
	size_t n = 0;
	int lo, hi, w;

	if (!size)
		return -ENOSPC;
	buf[0] = '\0';
	for (lo = 0; lo < CPU_SETSIZE; lo = hi + 1) {
		if (!CPU_ISSET(lo, set)) {
			hi = lo;
			continue;
		}
		for (hi = lo; hi + 1 < CPU_SETSIZE && CPU_ISSET(hi + 1, set);)
			hi++;
		w = snprintf(buf + n, size - n, lo == hi ? "%s%d" : "%s%d-%d",
			     n ? "," : "", lo, hi);
		if (w < 0 || (size_t)w >= size - n)
			return -ENOSPC;
		n += (size_t)w;
	}
	return 0;
}

/**
 * Format port ranges as "7,16384-32767"; "" when there are none.
 * @return 0, or -ENOSPC when @p buf is too small (it is then cut)
 */
int cfg_format_ports(const struct cfg_ports *p, char *buf, size_t size)
{
	size_t n = 0;
	unsigned int i;
	char r[16];
	int w;

	if (!size)
		return -ENOSPC;
	buf[0] = '\0';
	for (i = 0; i < p->n && i < CFG_PORT_RANGES_MAX; i++) {
		range_str(r, sizeof(r), p->r[i].lo, p->r[i].hi);
		w = snprintf(buf + n, size - n, "%s%s", i ? "," : "", r);
		if (w < 0 || (size_t)w >= size - n)
			return -ENOSPC;
		n += (size_t)w;
	}
	return 0;
}


/* ---- TDM lines ---------------------------------------------------------- */

/* One "SPAN/LINE" at @p p; returns the end, or NULL with the reason. */
static const char *read_tdm_line(const char *p, unsigned int *span,
				 unsigned int *line, char *buf, size_t size)
{
	const char *num = p;
	unsigned long v;
	bool big;
	int len;

	if (!isdigit((unsigned char)*p))
		goto bad;
	p = read_num(p, CFG_TDM_SPANS_MAX - 1, &v, &big);
	if (big) {
		len = (int)(p - num);
		cfg_why(buf, size, -ERANGE, "span %.*s is out of range 0..%d",
			len > QUOTE_MAX ? QUOTE_MAX : len, num,
			CFG_TDM_SPANS_MAX - 1);
		return NULL;
	}
	*span = (unsigned int)v;
	if (*p != '/' || !isdigit((unsigned char)p[1]))
		goto bad;
	num = ++p;
	p = read_num(p, CFG_TDM_LINES_MAX - 1, &v, &big);
	if (big) {
		len = (int)(p - num);
		cfg_why(buf, size, -ERANGE, "line %.*s is out of range 0..%d",
			len > QUOTE_MAX ? QUOTE_MAX : len, num,
			CFG_TDM_LINES_MAX - 1);
		return NULL;
	}
	*line = (unsigned int)v;
	return p;

 bad:
	buf[0] = '\0';		/* the caller says what the item is not */
	return NULL;
}

static bool ranges_overlap(const struct cfg_tdm_range *a,
			   const struct cfg_tdm_range *b)
{
	return a->span == b->span && a->first <= b->last &&
	       b->first <= a->last;
}

static void tdm_range_str(const struct cfg_tdm_range *r, char *buf,
			  size_t size)
{
	if (r->first == r->last)
		snprintf(buf, size, "%u/%u", r->span, r->first);
	else
		snprintf(buf, size, "%u/%u-%u/%u", r->span, r->first, r->span,
			 r->last);
}

/* One item of a list of lines, up to ',' or the end; *pp moves past it. */
static int read_tdm_item(const char **pp, struct cfg_tdm_range *r,
			 char *buf, size_t size)
{
	const char *item = skip_space(*pp), *p;
	unsigned int span2, last;
	int len = (int)strcspn(item, ",");

	while (len && (item[len - 1] == ' ' || item[len - 1] == '\t'))
		len--;
	if (!len)
		return cfg_why(buf, size, -EINVAL, "empty item");
	if (len > QUOTE_MAX)
		len = QUOTE_MAX;
	p = read_tdm_line(item, &r->span, &r->first, buf, size);
	if (!p)
		goto fail;
	r->last = r->first;
	p = skip_space(p);
	if (*p == '-') {
		p = read_tdm_line(skip_space(p + 1), &span2, &last, buf,
				  size);
		if (!p)
			goto fail;
		if (span2 != r->span)
			return cfg_why(buf, size, -EINVAL, "range \"%.*s\" "
				       "crosses spans (a range stays in one "
				       "span, as 2/0-2/29)", len, item);
		if (last < r->first)
			return cfg_why(buf, size, -EINVAL, "range \"%.*s\" is "
				       "backwards", len, item);
		r->last = last;
		p = skip_space(p);
	}
	if (*p && *p != ',')
		goto bad;
	*pp = p;
	return 0;

 fail:
	if (buf[0])
		return -ERANGE;
 bad:
	return cfg_why(buf, size, -EINVAL, "item \"%.*s\" is not SPAN/LINE "
		       "or a range SPAN/LINE-SPAN/LINE", len, item);
}

/**
 * Parse a list of TDM lines, such as "1/0-1/1, 2/0-2/29": items SPAN/LINE
 * or SPAN/LINE-SPAN/LINE (a range within one span) separated by commas,
 * blanks allowed around items; spans 0..CFG_TDM_SPANS_MAX - 1 and lines
 * 0..CFG_TDM_LINES_MAX - 1 ([trunk] lines). The ranges stay in the order
 * given; none overlaps another. Whether the card has these lines is the
 * caller's question ([tdm] spans).
 * @param l  receives the ranges; written only on success
 * @return 0, or -EINVAL / -ERANGE / -E2BIG
 */
int cfg_parse_tdm_lines(const char *s, struct cfg_tdm_lines *l,
			char *whybuf, size_t size)
{
	struct cfg_tdm_lines tmp = { 0 };
	struct cfg_tdm_range r;
	char detail[160], a[16], b[16];
	const char *p = s;
	unsigned int i;
	int rc;

	for (;;) {
		rc = read_tdm_item(&p, &r, detail, sizeof(detail));
		if (rc)
			goto fail;
		for (i = 0; i < tmp.n; i++) {
			if (!ranges_overlap(&tmp.r[i], &r))
				continue;
			tdm_range_str(&tmp.r[i], a, sizeof(a));
			tdm_range_str(&r, b, sizeof(b));
			rc = cfg_why(detail, sizeof(detail), -EINVAL,
				     "ranges %s and %s overlap", a, b);
			goto fail;
		}
		if (tmp.n == CFG_TDM_RANGES_MAX) {
			rc = cfg_why(detail, sizeof(detail), -E2BIG,
				     "more than %d ranges",
				     CFG_TDM_RANGES_MAX);
			goto fail;
		}
		tmp.r[tmp.n++] = r;
		if (!*p)
			break;
		p++;
	}
	*l = tmp;
	return 0;

 fail:
	return cfg_why(whybuf, size, rc, "is not a list of TDM lines: %s",
		       detail);
}

/**
 * Parse one TDM line, "SPAN/LINE" such as "0/1" ([extension] line), with
 * the limits of cfg_parse_tdm_lines().
 * @return 0, or -EINVAL / -ERANGE
 */
int cfg_parse_tdm_line(const char *s, unsigned int *span, unsigned int *line,
		       char *whybuf, size_t size)
{
	unsigned int sp = 0, ln = 0;
	char detail[80];
	const char *end;

	end = read_tdm_line(s, &sp, &ln, detail, sizeof(detail));
	if (!end && detail[0])
		return cfg_why(whybuf, size, -ERANGE, "is not a TDM line: %s",
			       detail);
	if (!end || *end)
		return cfg_why(whybuf, size, -EINVAL, "is not a TDM line "
			       "SPAN/LINE (such as 0/1)");
	*span = sp;
	*line = ln;
	return 0;
}

/* ---- syntax checks of keys ---------------------------------------------- */

/** [extension] line: one TDM line */
int cfg_check_tdm_line(const char *v, char *buf, size_t size)
{
	unsigned int span, line;

	return cfg_parse_tdm_line(v, &span, &line, buf, size);
}

/** [trunk] lines: a list of TDM lines */
int cfg_check_tdm_lines(const char *v, char *buf, size_t size)
{
	struct cfg_tdm_lines l;

	return cfg_parse_tdm_lines(v, &l, buf, size);
}

/** A name: [A-Za-z0-9][A-Za-z0-9._-]* ([board] name, [trunk NAME]) */
int cfg_check_name(const char *v, char *buf, size_t size)
{
	const char *p;

	if (!isalnum((unsigned char)*v))
		return cfg_why(buf, size, -EINVAL, "must start with a letter "
			       "or digit");
	for (p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return cfg_why(buf, size, -EINVAL, "contains '%c' (a "
				       "name has only A-Z a-z 0-9 . _ -)",
				       isprint((unsigned char)*p) ? *p : '?');
	return 0;
}

/** A telephone number: one digit or more, nothing else */
int cfg_check_digits(const char *v, char *buf, size_t size)
{
	const char *p = v;

	while (isdigit((unsigned char)*p))
		p++;
	if (p == v || *p)
		return cfg_why(buf, size, -EINVAL, "is not a number (digits "
			       "0-9 only)");
	return 0;
}

/** A dial pattern: digits and X, then an optional final '.' */
int cfg_check_pattern(const char *v, char *buf, size_t size)
{
	const char *p = v;

	while (isdigit((unsigned char)*p) || *p == 'X')
		p++;
	if (p != v && (!*p || (*p == '.' && !p[1])))
		return 0;
	return cfg_why(buf, size, -EINVAL, "is not a dial pattern (digits, "
		       "X for any digit, then an optional final '.' for one "
		       "or more digits more)");
}

/** host[:port]: a host name or IPv4 address, a port 1..65535 if given */
int cfg_check_host(const char *v, char *buf, size_t size)
{
	const char *colon = strchr(v, ':'), *p;
	const char *end = colon ? colon : v + strlen(v);
	unsigned long port;
	bool big;

	if (end == v || *v == '.' || *v == '-')
		goto bad;
	for (p = v; p < end; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".-_", *p))
			goto bad;
	if (!colon)
		return 0;
	if (!isdigit((unsigned char)colon[1]))
		goto bad;
	p = read_num(colon + 1, 65535, &port, &big);
	if (!*p && !big && port)
		return 0;
 bad:
	return cfg_why(buf, size, -EINVAL, "is not host[:port] (such as "
		       "sip.example.net or 198.51.100.7:5060)");
}

/** IPv4 host addresses separated by commas, no blanks */
int cfg_check_ipv4_list(const char *v, char *buf, size_t size)
{
	char item[INET_ADDRSTRLEN];
	const char *p = v, *rule;
	struct in_addr a;
	size_t len;

	for (;;) {
		len = strcspn(p, ",");
		if (!len)
			return cfg_why(buf, size, -EINVAL, "is not a list of "
				       "IPv4 addresses: empty item");
		if (len >= sizeof(item))
			goto bad;
		memcpy(item, p, len);
		item[len] = '\0';
		if (inet_pton(AF_INET, item, &a) != 1)
			goto bad;
		rule = cfg_host_rule(a);
		if (*rule)
			return cfg_why(buf, size, -EINVAL, "is not a list of "
				       "IPv4 addresses: %s %s", item, rule);
		if (!p[len])
			return 0;
		p += len + 1;
	}
 bad:
	return cfg_why(buf, size, -EINVAL, "is not a list of IPv4 addresses: "
		       "item \"%.*s\" is not an IPv4 address",
		       len > QUOTE_MAX ? QUOTE_MAX : (int)len, p);
}
