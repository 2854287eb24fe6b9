// SPDX-License-Identifier: MIT
/** @file config.c  The appliance's configuration: INI files on libinih
 *
 * libinih splits lines into sections and key = value pairs; everything
 * else is here. The reader that feeds libinih counts lines (its handler has
 * no line number), rejects over-long lines and NUL bytes instead of letting
 * libinih split or cut them, and checks section headers itself, so that an
 * empty unknown section and "[net] mtu = 1" (text after the header, which
 * libinih ignores) are errors too. The handler checks each key against the
 * schema (config_keys.h) and parses its value into a private copy of the
 * configuration, which reaches the caller only when every file is loaded
 * and the checks across keys pass.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/config.h"
#include "board/config_keys.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NKEYS		ARRAY_SIZE(cfg_keys)
#define QUOTE_MAX	40	/* characters of a value in a message */
#define WRAP		78	/* columns of the defaults file */

_Static_assert(sizeof(enum cfg_nic) == sizeof(int), "enum is not an int");
_Static_assert(sizeof(enum log_level) == sizeof(int), "enum is not an int");

/* ---- messages ----------------------------------------------------------- */

/* A value for a message: in double quotes, cut after QUOTE_MAX characters,
 * with control characters shown as '?'. */
struct quoted {
	char s[QUOTE_MAX + 8];
};

static const char *quote(struct quoted *q, const char *v)
{
	size_t i, n = 0;

	q->s[n++] = '"';
	for (i = 0; v[i] && i < QUOTE_MAX; i++)
		q->s[n++] = iscntrl((unsigned char)v[i]) ? '?' : v[i];
	if (v[i]) {
		memcpy(q->s + n, "...", 3);
		n += 3;
	}
	q->s[n++] = '"';
	q->s[n] = '\0';
	return q->s;
}

/* Fill @p err; control characters of the reason become '?', so that a
 * message never carries a terminal escape from the input. */
static void vseterr(struct cfg_err *err, const char *file, unsigned int line,
		    const char *fmt, va_list ap)
{
	char *p;

	if (!err)
		return;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = line;
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	for (p = err->reason; *p; p++)
		if (iscntrl((unsigned char)*p))
			*p = '?';
}

static void seterr(struct cfg_err *err, const char *file, unsigned int line,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void seterr(struct cfg_err *err, const char *file, unsigned int line,
		   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vseterr(err, file, line, fmt, ap);
	va_end(ap);
}

static int why(char *buf, size_t size, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Write a parser's reason into buf (if any) and return rc. */
static int why(char *buf, size_t size, int rc, const char *fmt, ...)
{
	va_list ap;

	if (buf && size) {
		va_start(ap, fmt);
		vsnprintf(buf, size, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/**
 * Format an error as "FILE:LINE: reason", "FILE: reason" when the error is
 * not about one line, or "reason" when it is not about a file.
 * @param err   the error, as filled by a failed call
 * @param buf   where to write; cut to fit
 * @param size  size of @p buf
 * @return @p buf
 */
const char *cfg_err_str(const struct cfg_err *err, char *buf, size_t size)
{
	if (!buf || !size)
		return buf;
	if (!err)
		snprintf(buf, size, "no error");
	else if (!err->file[0])
		snprintf(buf, size, "%s", err->reason);
	else if (!err->line)
		snprintf(buf, size, "%s: %s", err->file, err->reason);
	else
		snprintf(buf, size, "%s:%u: %s", err->file, err->line,
			 err->reason);
	return buf;
}

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
		return why(whybuf, size, -ERANGE, "is out of range %ld..%ld",
			   min, max);
	*v = x;
	return 0;

 bad:
	return why(whybuf, size, -EINVAL,
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
	return why(whybuf, size, -EINVAL, "is not a boolean (expected "
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
			return why(buf, size, -EINVAL, "empty item");
		if (len > QUOTE_MAX)
			len = QUOTE_MAX;
		if (*item == '-')
			return why(buf, size, -EINVAL,
				   "range \"%.*s\" has no start", len, item);
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
				return why(buf, size, -EINVAL,
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
			return why(buf, size, -EINVAL,
				   "range %lu-%lu is backwards", lo, hi);
		rc = add(arg, lo, hi, buf, size);
		if (rc)
			return rc;
		if (!*p)
			return 0;
		p++;
	}

 bad_item:
	return why(buf, size, -EINVAL,
		   "item \"%.*s\" is not a number or a range N-M", len, item);
 out_of_range:
	len = (int)strspn(num, "0123456789");
	return why(buf, size, -ERANGE, "%s %.*s is out of range %lu..%lu",
		   what, len > QUOTE_MAX ? QUOTE_MAX : len, num, min, max);
}

static int add_cpus(void *arg, unsigned long lo, unsigned long hi,
		    char *buf, size_t size)
{
	cpu_set_t *set = arg;
	unsigned long cpu;

	for (cpu = lo; cpu <= hi; cpu++) {
		if (CPU_ISSET(cpu, set))
			return why(buf, size, -EINVAL,
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
		return why(whybuf, size, rc, "is not a valid CPU list: %s",
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
			return why(buf, size, -EINVAL,
				   "ranges %s and %s overlap", a, b);
		}
		if (p->r[i].lo < lo)
			at = i + 1;
	}
	if (p->n == CFG_PORT_RANGES_MAX)
		return why(buf, size, -E2BIG, "more than %d ranges",
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
		return why(whybuf, size, rc, "is not a valid port list: %s",
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
		return why(whybuf, size, -EINVAL,
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
		return why(whybuf, size, -EINVAL, "has no prefix length "
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
		return why(whybuf, size, -ERANGE, "has a prefix length out of "
			   "range 1..32");
	p->addr = a;
	p->len = (unsigned int)len;
	return 0;

 bad:
	return why(whybuf, size, -EINVAL,
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
			return why(whybuf, size, -EINVAL, "is not a MAC "
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

/* ---- keys --------------------------------------------------------------- */

static void *field(struct gw_config *c, const struct cfg_key *k)
{
	return (char *)c + k->off;
}

static const void *cfield(const struct gw_config *c, const struct cfg_key *k)
{
	return (const char *)c + k->off;
}

static const struct cfg_key *find_key(const char *section, const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (!strcmp(cfg_keys[i].section, section) &&
		    !strcmp(cfg_keys[i].name, name))
			return &cfg_keys[i];
	return NULL;
}

static const struct cfg_section *find_section(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cfg_sections); i++)
		if (strlen(cfg_sections[i].name) == len &&
		    !memcmp(cfg_sections[i].name, name, len))
			return &cfg_sections[i];
	return NULL;
}

/* What a key accepts, for the documentation and for messages. */
static void describe(const struct cfg_key *k, char *buf, size_t size)
{
	const char *none = k->flags & CFG_F_EMPTY_OK ? ", or empty" : "";
	size_t n, i;

	switch (k->type) {
	case CFG_T_INT:
		snprintf(buf, size, "%s %ld..%ld", k->flags & CFG_F_POW2 ?
			 "power of two" : "integer", k->min, k->max);
		break;
	case CFG_T_BOOL:
		snprintf(buf, size, "boolean (true/false, yes/no, on/off or "
			 "1/0)");
		break;
	case CFG_T_STR:
		if (k->flags & CFG_F_NAME)
			snprintf(buf, size, "name of 1..%zu characters "
				 "A-Z a-z 0-9 . _ -, starting with a letter or "
				 "digit%s", k->size - 1, none);
		else
			snprintf(buf, size, "text of at most %zu characters%s",
				 k->size - 1, none);
		break;
	case CFG_T_ENUM:
		n = (size_t)snprintf(buf, size, "one of");
		for (i = 0; k->choices[i] && n < size; i++)
			n += (size_t)snprintf(buf + n, size - n, "%s %s",
					      i ? "," : "", k->choices[i]);
		break;
	case CFG_T_CPUS:
		snprintf(buf, size, "CPU list such as 0-1,3 (CPUs 0..%d)%s",
			 CPU_SETSIZE - 1, none);
		break;
	case CFG_T_PORTS:
		snprintf(buf, size, "UDP port ranges such as 7,16384-32767 "
			 "(ports 1..65535, at most %d ranges, no overlaps)%s",
			 CFG_PORT_RANGES_MAX, none);
		break;
	case CFG_T_IPV4:
		snprintf(buf, size, "IPv4 address%s", none);
		break;
	case CFG_T_PREFIX:
		snprintf(buf, size, "IPv4 address/prefix length such as "
			 "198.18.0.10/24%s", none);
		break;
	case CFG_T_MAC:
		snprintf(buf, size, "unicast MAC address such as "
			 "02:00:5e:12:00:10%s", none);
		break;
	}
}

/* The rules a host address must follow ("" when it does). */
static const char *host_rule(struct in_addr a)
{
	uint32_t h = ntohl(a.s_addr);

	if (h >> 24 == 0)
		return "is in 0.0.0.0/8, not a host address";
	if (h >> 24 == 127)
		return "is a loopback address";
	if (h >> 28 == 14)
		return "is a multicast address";
	if (h >> 28 == 15)
		return "is a reserved or broadcast address";
	return "";
}

static int check_name(const char *v, char *buf, size_t size)
{
	const char *p;

	if (!isalnum((unsigned char)*v))
		return why(buf, size, -EINVAL, "must start with a letter or "
			   "digit");
	for (p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return why(buf, size, -EINVAL, "contains '%c' (a name "
				   "has only A-Z a-z 0-9 . _ -)",
				   isprint((unsigned char)*p) ? *p : '?');
	return 0;
}

static int parse_str(const struct cfg_key *k, const char *v, char *dst,
		     char *buf, size_t size)
{
	size_t len = strlen(v);
	const char *p;

	if (len >= k->size)
		return why(buf, size, -ERANGE, "is too long (%zu characters, "
			   "at most %zu)", len, k->size - 1);
	if (k->flags & CFG_F_NAME && *v && check_name(v, buf, size))
		return -EINVAL;
	if (k->check && *v && k->check(v, buf, size))
		return -EINVAL;
	/* what a file cannot hold (cfg_set() could give it) */
	if (*v == ' ' || (len && v[len - 1] == ' '))
		return why(buf, size, -EINVAL, "starts or ends with a blank");
	for (p = v; *p; p++)
		if (iscntrl((unsigned char)*p))
			return why(buf, size, -EINVAL,
				   "contains a control character");
	memcpy(dst, v, len + 1);
	return 0;
}

static int parse_enum(const struct cfg_key *k, const char *v, int *idx,
		      char *buf, size_t size)
{
	char desc[128];
	int i;

	for (i = 0; k->choices[i]; i++) {
		if (!strcasecmp(v, k->choices[i])) {
			*idx = i;
			return 0;
		}
	}
	describe(k, desc, sizeof(desc));
	return why(buf, size, -EINVAL, "is not %s", desc);
}

/* Parse @p v into the field of @p k in @p c (untouched on error). */
static int parse_value(const struct cfg_key *k, const char *v,
		       struct gw_config *c, char *buf, size_t size)
{
	struct cfg_prefix pfx = { 0 };
	struct in_addr a = { 0 };
	uint8_t mac[6] = { 0 };
	uint32_t mask, h;
	long x = 0;
	bool b = false;
	int rc, idx = 0;

	switch (k->type) {
	case CFG_T_INT:
		rc = cfg_parse_int(v, k->min, k->max, &x, buf, size);
		if (rc)
			return rc;
		if (k->flags & CFG_F_POW2 && (x <= 0 || (x & (x - 1))))
			return why(buf, size, -EINVAL, "is not a power of two "
				   "(expected %ld..%ld)", k->min, k->max);
		*(int *)field(c, k) = (int)x;
		return 0;
	case CFG_T_BOOL:
		rc = cfg_parse_bool(v, &b, buf, size);
		if (!rc)
			*(bool *)field(c, k) = b;
		return rc;
	case CFG_T_STR:
		return parse_str(k, v, field(c, k), buf, size);
	case CFG_T_ENUM:
		rc = parse_enum(k, v, &idx, buf, size);
		if (!rc)
			memcpy(field(c, k), &idx, sizeof(idx));
		return rc;
	case CFG_T_CPUS:
		return cfg_parse_cpus(v, field(c, k), buf, size);
	case CFG_T_PORTS:
		return cfg_parse_ports(v, field(c, k), buf, size);
	case CFG_T_IPV4:
		rc = cfg_parse_ipv4(v, &a, buf, size);
		if (rc)
			return rc;
		if (*host_rule(a))
			return why(buf, size, -EINVAL, "%s", host_rule(a));
		*(struct in_addr *)field(c, k) = a;
		return 0;
	case CFG_T_PREFIX:
		rc = cfg_parse_prefix(v, &pfx, buf, size);
		if (rc)
			return rc;
		if (*host_rule(pfx.addr))
			return why(buf, size, -EINVAL, "%s",
				   host_rule(pfx.addr));
		mask = pfx.len == 32 ? ~0u : ~(~0u >> pfx.len);
		h = ntohl(pfx.addr.s_addr);
		if (pfx.len <= 30 && !(h & ~mask))
			return why(buf, size, -EINVAL, "is the network address "
				   "of its subnet, not a host address");
		if (pfx.len <= 30 && (h & ~mask) == ~mask)
			return why(buf, size, -EINVAL, "is the broadcast "
				   "address of its subnet, not a host address");
		*(struct cfg_prefix *)field(c, k) = pfx;
		return 0;
	case CFG_T_MAC:
		rc = cfg_parse_mac(v, mac, buf, size);
		if (rc)
			return rc;
		if (mac[0] & 1)
			return why(buf, size, -EINVAL, "is a multicast address "
				   "(the first byte must be even)");
		if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
			return why(buf, size, -EINVAL,
				   "is the all-zero address");
		memcpy(field(c, k), mac, sizeof(mac));
		return 0;
	}
	return why(buf, size, -EINVAL, "has a type this build cannot read");
}

/* Set key @p k from text; the reason on error is a whole sentence. */
static int set_key(const struct cfg_key *k, const char *v,
		   struct gw_config *c, char *buf, size_t size)
{
	struct quoted q;
	char detail[200];
	int rc;

	if (!*v) {
		if (!(k->flags & CFG_F_EMPTY_OK)) {
			describe(k, detail, sizeof(detail));
			return why(buf, size, -EINVAL, "[%s] %s: a value is "
				   "required (%s)", k->section, k->name,
				   detail);
		}
		/* empty means none: a zero field */
		memset(field(c, k), 0, k->size);
		return 0;
	}
	rc = parse_value(k, v, c, detail, sizeof(detail));
	if (rc)
		return why(buf, size, rc, "[%s] %s: %s %s", k->section,
			   k->name, quote(&q, v), detail);
	return 0;
}

static bool is_zero(const void *p, size_t size)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < size; i++)
		if (b[i])
			return false;
	return true;
}

static int count(const char *const *list)
{
	int n = 0;

	while (list[n])
		n++;
	return n;
}

/* Format the value of key @p k; 0, -ENOSPC, or -EINVAL for a value no
 * file could have set (an enum out of range). */
static int format_value(const struct cfg_key *k, const struct gw_config *c,
			char *buf, size_t size)
{
	const void *f = cfield(c, k);
	const struct cfg_prefix *pfx = f;
	const uint8_t *m = f;
	char a[INET_ADDRSTRLEN];
	int idx, w = 0;

	if (k->flags & CFG_F_EMPTY_OK && is_zero(f, k->size)) {
		/* what an empty value sets, so it reads back the same */
		buf[0] = '\0';
		return size ? 0 : -ENOSPC;
	}
	switch (k->type) {
	case CFG_T_INT:
		w = snprintf(buf, size, "%d", *(const int *)f);
		break;
	case CFG_T_BOOL:
		w = snprintf(buf, size, "%s", *(const bool *)f ? "true" :
			     "false");
		break;
	case CFG_T_STR:
		w = snprintf(buf, size, "%.*s", (int)k->size - 1,
			     (const char *)f);
		break;
	case CFG_T_ENUM:
		memcpy(&idx, f, sizeof(idx));
		if (idx < 0 || idx >= count(k->choices))
			return -EINVAL;
		w = snprintf(buf, size, "%s", k->choices[idx]);
		break;
	case CFG_T_CPUS:
		return cfg_format_cpus(f, buf, size);
	case CFG_T_PORTS:
		return cfg_format_ports(f, buf, size);
	case CFG_T_IPV4:
		w = snprintf(buf, size, "%s", inet_ntop(AF_INET, f, a,
							 sizeof(a)));
		break;
	case CFG_T_PREFIX:
		w = snprintf(buf, size, "%s/%u", inet_ntop(AF_INET,
			     &pfx->addr, a, sizeof(a)), pfx->len);
		break;
	case CFG_T_MAC:
		w = snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x",
			     m[0], m[1], m[2], m[3], m[4], m[5]);
		break;
	}
	return w < 0 || (size_t)w >= size ? -ENOSPC : 0;
}

static bool key_equal(const struct cfg_key *k, const struct gw_config *a,
		      const struct gw_config *b)
{
	const void *fa = cfield(a, k), *fb = cfield(b, k);
	const struct cfg_ports *pa = fa, *pb = fb;
	const struct cfg_prefix *xa = fa, *xb = fb;
	unsigned int i;

	switch (k->type) {
	case CFG_T_STR:
		return !strncmp(fa, fb, k->size);
	case CFG_T_CPUS:
		return CPU_EQUAL((const cpu_set_t *)fa, (const cpu_set_t *)fb);
	case CFG_T_PORTS:
		if (pa->n != pb->n)
			return false;
		for (i = 0; i < pa->n && i < CFG_PORT_RANGES_MAX; i++)
			if (pa->r[i].lo != pb->r[i].lo ||
			    pa->r[i].hi != pb->r[i].hi)
				return false;
		return true;
	case CFG_T_PREFIX:
		return xa->addr.s_addr == xb->addr.s_addr &&
		       xa->len == xb->len;
	case CFG_T_INT:
	case CFG_T_BOOL:
	case CFG_T_ENUM:
	case CFG_T_IPV4:
	case CFG_T_MAC:
		break;
	}
	/* plain values without padding */
	return !memcmp(fa, fb, k->size);
}

/* The table must name known sections, once per key: a broken table is a
 * bug of this build, found by the first test that loads anything. */
static void check_table(void)
{
	size_t i, j;

	for (i = 0; i < NKEYS; i++) {
		if (!find_section(cfg_keys[i].section,
				  strlen(cfg_keys[i].section)))
			goto broken;
		for (j = 0; j < i; j++)
			if (!strcmp(cfg_keys[i].section,
				    cfg_keys[j].section) &&
			    !strcmp(cfg_keys[i].name, cfg_keys[j].name))
				goto broken;
	}
	return;

 broken:
	fprintf(stderr, "config: key table: [%s] %s is in no section or "
		"twice\n", cfg_keys[i].section, cfg_keys[i].name);
	abort();
}

/**
 * Fill @p c with the built-in defaults, the values of the key table (the
 * same as rootfs/etc/gateway/gateway.ini).
 * Aborts if the table itself is broken (a bug of the build).
 */
void cfg_defaults(struct gw_config *c)
{
	char reason[256];
	size_t i;

	check_table();
	memset(c, 0, sizeof(*c));
	for (i = 0; i < NKEYS; i++) {
		if (set_key(&cfg_keys[i], cfg_keys[i].def, c, reason,
			    sizeof(reason))) {
			fprintf(stderr, "config: bad built-in default: %s\n",
				reason);
			abort();
		}
	}
}

/**
 * Set one key from its text form, as a line of a file would (no checks
 * across keys: see cfg_validate()).
 * @param c        the configuration to change; untouched on error
 * @param section  section name, e.g. "net"
 * @param name     key name, e.g. "mtu"
 * @param value    the value, without surrounding blanks
 * @param err      the reason on error (file "" and line 0); may be NULL
 * @return 0; -ENOENT for an unknown key; -EINVAL or -ERANGE for a bad value
 */
int cfg_set(struct gw_config *c, const char *section, const char *name,
	    const char *value, struct cfg_err *err)
{
	const struct cfg_key *k;
	struct quoted q;
	char reason[sizeof(err->reason)];
	int rc;

	if (!c || !section || !name || !value)
		return -EINVAL;
	k = find_key(section, name);
	if (!k) {
		seterr(err, NULL, 0, "unknown key [%.40s] %s", section,
		       quote(&q, name));
		return -ENOENT;
	}
	rc = set_key(k, value, c, reason, sizeof(reason));
	if (rc)
		seterr(err, NULL, 0, "%s", reason);
	return rc;
}

/**
 * Format the value of one key as it would be written in a file.
 * @return 0; -ENOENT for an unknown key; -ENOSPC when @p buf is too small
 *	   (CFG_MAX_LINE bytes always suffice)
 */
int cfg_get(const struct gw_config *c, const char *section, const char *name,
	    char *buf, size_t size)
{
	const struct cfg_key *k;

	if (!c || !section || !name || !buf || !size)
		return -EINVAL;
	k = find_key(section, name);
	if (!k)
		return -ENOENT;
	return format_value(k, c, buf, size);
}

/** Tell whether two configurations have the same value for every key. */
bool cfg_equal(const struct gw_config *a, const struct gw_config *b)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (!key_equal(&cfg_keys[i], a, b))
			return false;
	return true;
}

/** Number of keys in the schema. */
size_t cfg_key_count(void)
{
	return NKEYS;
}

/**
 * Name of key @p i (0 .. cfg_key_count() - 1), in schema order.
 * @param section  receives the key's section; may be NULL
 * @return the key's name, or NULL when @p i is past the end
 */
const char *cfg_key_name(size_t i, const char **section)
{
	if (i >= NKEYS)
		return NULL;
	if (section)
		*section = cfg_keys[i].section;
	return cfg_keys[i].name;
}

/* ---- checks across keys ------------------------------------------------- */

/* Where a key got its value, to point an error across keys at a line. */
struct origin {
	const char *file;	/* NULL: built-in default */
	unsigned int line;
	unsigned int seq;	/* order of setting, 0 for defaults */
};

struct pair_err {
	struct cfg_err *err;
	const struct origin *org;	/* NULL when not known */
};

static size_t key_index(const char *section, const char *name)
{
	const struct cfg_key *k = find_key(section, name);

	if (!k)
		abort();	/* a check names a key the table lacks */
	return (size_t)(k - cfg_keys);
}

/* Report an error between two keys at the line that set the later one. */
static int pair_fail(const struct pair_err *pe, size_t a, size_t b,
		     const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int pair_fail(const struct pair_err *pe, size_t a, size_t b,
		     const char *fmt, ...)
{
	const struct origin *o = NULL;
	va_list ap;

	if (pe->org)
		o = pe->org[a].seq >= pe->org[b].seq ? &pe->org[a] :
						       &pe->org[b];
	va_start(ap, fmt);
	vseterr(pe->err, o && o->file ? o->file : NULL,
		o && o->file ? o->line : 0, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int check_cpus(const struct gw_config *c, const struct pair_err *pe)
{
	cpu_set_t both;
	int cpu;

	CPU_AND(&both, &c->board.rt_cpus, &c->board.linux_cpus);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &both))
			return pair_fail(pe, key_index("board", "rt_cpus"),
					 key_index("board", "linux_cpus"),
					 "[board] rt_cpus and linux_cpus share "
					 "CPU %d", cpu);
	return 0;
}

static int check_rt(const struct gw_config *c, const struct pair_err *pe)
{
	const struct cfg_rt *rt = &c->rt;

	if (rt->watchdog_stall_ms <= rt->watchdog_period_ms)
		return pair_fail(pe, key_index("rt", "watchdog_stall_ms"),
				 key_index("rt", "watchdog_period_ms"),
				 "[rt] watchdog_stall_ms (%d) must be longer "
				 "than watchdog_period_ms (%d)",
				 rt->watchdog_stall_ms, rt->watchdog_period_ms);
	if ((long)rt->watchdog_stall_ms * 1000 <= rt->tick_us)
		return pair_fail(pe, key_index("rt", "watchdog_stall_ms"),
				 key_index("rt", "tick_us"),
				 "[rt] watchdog_stall_ms (%d ms) must be "
				 "longer than tick_us (%d us)",
				 rt->watchdog_stall_ms, rt->tick_us);
	return 0;
}

static int check_gateway(const struct gw_config *c,
			 const struct pair_err *pe)
{
	const struct cfg_net *n = &c->net;
	uint32_t mask = n->address.len >= 32 ? ~0u : ~(~0u >> n->address.len);
	uint32_t gw = ntohl(n->gateway.s_addr);
	uint32_t me = ntohl(n->address.addr.s_addr);
	char g[INET_ADDRSTRLEN], a[INET_ADDRSTRLEN];
	size_t kg = key_index("net", "gateway");
	size_t ka = key_index("net", "address");

	if (!gw)
		return 0;
	inet_ntop(AF_INET, &n->gateway, g, sizeof(g));
	inet_ntop(AF_INET, &n->address.addr, a, sizeof(a));
	if (gw == me)
		return pair_fail(pe, kg, ka, "[net] gateway %s is the "
				 "interface's own address", g);
	if ((gw & mask) != (me & mask))
		return pair_fail(pe, kg, ka, "[net] gateway %s is not in the "
				 "subnet of address %s/%u", g, a,
				 n->address.len);
	return 0;
}

static int check_all(const struct gw_config *c, const struct pair_err *pe)
{
	int rc;

	rc = check_cpus(c, pe);
	if (!rc)
		rc = check_rt(c, pe);
	if (!rc)
		rc = check_gateway(c, pe);
	return rc;
}

/**
 * Check the rules that tie keys together (CPU sets apart, watchdog longer
 * than its period, gateway in the subnet). cfg_load() does it already; use
 * this after cfg_set().
 * @param err  the reason on error (file ""); may be NULL
 * @return 0, or -EINVAL
 */
int cfg_validate(const struct gw_config *c, struct cfg_err *err)
{
	struct pair_err pe = { .err = err };

	if (!c)
		return -EINVAL;
	return check_all(c, &pe);
}

/* ---- loading ------------------------------------------------------------ */

/* One input: a file by path, or a buffer in memory. */
struct source {
	const char *name;
	const char *buf;	/* NULL: read the file named name */
	size_t len;
};

struct loader {
	struct gw_config cfg;		/* copied out at the end */
	struct origin origin[NKEYS];
	unsigned int seen[NKEYS];	/* line of each key in this file */
	unsigned int seq;
	const char *file;
	unsigned int line;		/* lines the reader has handed out */
	FILE *fp;
	const char *buf;
	size_t len, pos;
	bool failed;
	int rc;
	struct cfg_err *err;
};

static int fail(struct loader *ld, unsigned int line, int rc,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Record the first error of a load; returns 0, what a handler returns. */
static int fail(struct loader *ld, unsigned int line, int rc,
		const char *fmt, ...)
{
	va_list ap;

	if (ld->failed)
		return 0;
	ld->failed = true;
	ld->rc = rc;
	va_start(ap, fmt);
	vseterr(ld->err, ld->file, line, fmt, ap);
	va_end(ap);
	return 0;
}

static int src_getc(struct loader *ld)
{
	if (ld->fp)
		return getc(ld->fp);
	if (ld->pos >= ld->len)
		return EOF;
	return (unsigned char)ld->buf[ld->pos++];
}

/* A "[section]" line must name a known section and end there. libinih
 * would accept "[net] mtu = 9000", ignoring what follows the ']'. */
static void check_header(struct loader *ld, const char *line)
{
	const char *p = line, *end, *rest;
	struct quoted q;
	char name[QUOTE_MAX + 2];	/* one more, for quote()'s "..." */
	size_t len;

	if (ld->line == 1 && !strncmp(p, "\xef\xbb\xbf", 3))
		p += 3;		/* UTF-8 BOM, skipped by libinih too */
	while (isspace((unsigned char)*p))
		p++;
	if (*p != '[')
		return;
	end = strchr(p + 1, ']');
	if (!end)
		return;		/* libinih reports the syntax error */
	len = (size_t)(end - p - 1);
	snprintf(name, sizeof(name), "%.*s", (int)len, p + 1);
	for (rest = end + 1; isspace((unsigned char)*rest); rest++)
		;
	if (*rest)
		fail(ld, ld->line, -EBADMSG, "syntax error: text after [%s] "
		     "(a key goes on a line of its own)", name);
	else if (!find_section(p + 1, len))
		fail(ld, ld->line, -EBADMSG, "unknown section [%s]",
		     len > QUOTE_MAX ? quote(&q, name) : name);
}

/*
 * libinih's reader (an fgets): hands out one whole line at a time and
 * counts it. A line longer than CFG_MAX_LINE, or holding a NUL byte, ends
 * the parse with an error instead of being split or cut.
 */
static char *read_line(char *str, int num, void *stream)
{
	struct loader *ld = stream;
	size_t n = 0, len = 0, cap;
	bool nul = false, cr = false, any = false;
	int ch = EOF;

	if (ld->failed || num < 2)
		return NULL;
	cap = (size_t)num - 1;
	while ((ch = src_getc(ld)) != EOF) {
		any = true;
		if (ch == '\n')
			break;
		cr = ch == '\r';
		len++;
		if (!ch)
			nul = true;
		else if (n < cap - 1)	/* room for the '\n' */
			str[n++] = (char)ch;
	}
	if (ld->fp && ferror(ld->fp)) {
		fail(ld, 0, errno ? -errno : -EIO, "cannot read: %s",
		     strerror(errno ? errno : EIO));
		return NULL;
	}
	if (!any)
		return NULL;
	ld->line++;
	if (cr)
		len--;		/* CR LF line end */
	if (nul) {
		fail(ld, ld->line, -EBADMSG, "line contains a NUL byte");
		return NULL;
	}
	if (len > CFG_MAX_LINE || n < len) {
		fail(ld, ld->line, -EBADMSG, "line is too long (%zu "
		     "characters, at most %d)", len, CFG_MAX_LINE);
		return NULL;
	}
	if (ch == '\n')
		str[n++] = '\n';
	str[n] = '\0';
	check_header(ld, str);
	return ld->failed ? NULL : str;
}

/* libinih's handler: one key = value pair of the current line. */
static int on_pair(void *user, const char *section, const char *name,
		   const char *value)
{
	struct loader *ld = user;
	const struct cfg_key *k;
	struct quoted q;
	char reason[sizeof(ld->err->reason)];
	size_t i;
	int rc;

	if (ld->failed)
		return 0;
	if (!*name)
		return fail(ld, ld->line, -EBADMSG, "syntax error: expected "
			    "[section] or key = value");
	if (!*section)
		return fail(ld, ld->line, -EBADMSG, "key %s is outside any "
			    "section (a [section] line must come first)",
			    quote(&q, name));
	k = find_key(section, name);
	if (!k)
		return fail(ld, ld->line, -EBADMSG, "unknown key %s in "
			    "section [%s]", quote(&q, name), section);
	i = (size_t)(k - cfg_keys);
	if (ld->seen[i])
		return fail(ld, ld->line, -EBADMSG, "[%s] %s is set twice "
			    "(first at line %u)", k->section, k->name,
			    ld->seen[i]);
	ld->seen[i] = ld->line;
	rc = set_key(k, value, &ld->cfg, reason, sizeof(reason));
	if (rc)
		return fail(ld, ld->line, -EBADMSG, "%s", reason);
	ld->origin[i].file = ld->file;
	ld->origin[i].line = ld->line;
	ld->origin[i].seq = ++ld->seq;
	return 1;
}

/* libinih's switches are process-wide: set them for every parse. */
static void ini_setup(void)
{
	ini_allow_multiline = false;	/* an indented line is an error */
	ini_allow_inline_comments = false;
	ini_allow_bom = true;
	ini_allow_no_value = false;
	ini_stop_on_first_error = true;
	ini_use_stack = true;
	ini_max_line = CFG_MAX_LINE + 3;	/* CR, LF and NUL */
}

static int load_source(struct loader *ld, const struct source *src)
{
	int rc;

	memset(ld->seen, 0, sizeof(ld->seen));
	ld->file = src->name;
	ld->line = 0;
	ld->fp = NULL;
	ld->buf = src->buf;
	ld->len = src->len;
	ld->pos = 0;
	if (!src->buf) {
		ld->fp = fopen(src->name, "r");
		if (!ld->fp) {
			rc = -errno;
			fail(ld, 0, rc, "cannot open: %s", strerror(errno));
			return rc;
		}
	}
	ini_setup();
	errno = 0;
	rc = ini_parse_stream(read_line, ld, on_pair, ld);
	if (ld->fp)
		fclose(ld->fp);
	ld->fp = NULL;
	if (!ld->failed && rc > 0)
		fail(ld, (unsigned int)rc, -EBADMSG, "syntax error: expected "
		     "[section] or key = value");
	else if (!ld->failed && rc < 0)
		fail(ld, 0, -ENOMEM, "out of memory");
	return ld->failed ? ld->rc : 0;
}

/* Load the sources over the defaults into a private copy; on success copy
 * it to @p c. With @p board, [board] name must end up equal to it. */
static int load(struct gw_config *c, const struct source *srcs, size_t n,
		const char *board, const char *board_file,
		struct cfg_err *err)
{
	struct pair_err pe;
	struct loader *ld;
	struct origin *o;
	size_t i;
	int rc = 0;

	if (err)
		memset(err, 0, sizeof(*err));
	ld = calloc(1, sizeof(*ld));
	if (!ld) {
		seterr(err, NULL, 0, "out of memory");
		return -ENOMEM;
	}
	ld->err = err;
	cfg_defaults(&ld->cfg);
	for (i = 0; i < n && !rc; i++)
		rc = load_source(ld, &srcs[i]);
	if (!rc) {
		pe.err = err;
		pe.org = ld->origin;
		rc = check_all(&ld->cfg, &pe);
	}
	if (!rc && board && strcmp(ld->cfg.board.name, board)) {
		o = &ld->origin[key_index("board", "name")];
		seterr(err, o->file ? o->file : board_file, o->line,
		       "[board] name is \"%s\", but the board file read is %s",
		       ld->cfg.board.name, board_file);
		rc = -EINVAL;
	}
	if (!rc)
		*c = ld->cfg;
	free(ld);
	return rc;
}

/**
 * Load the configuration: the defaults, then each file in order, each
 * overriding the ones before; then the checks across keys.
 * @param c       receives the configuration; untouched on error
 * @param paths   files to read, in order; npaths may be 0 (defaults only)
 * @param npaths  number of @p paths
 * @param err     on error: file, line (0 when not about a line) and reason;
 *		  may be NULL
 * @return 0; -errno of fopen() for a file that cannot be opened; -EIO or
 *	   another -errno for a read error; -EBADMSG for a syntax error, an
 *	   unknown section or key, a bad value, a key set twice in one file
 *	   or an over-long line; -EINVAL when keys disagree; -ENOMEM
 */
int cfg_load(struct gw_config *c, const char *const *paths, size_t npaths,
	     struct cfg_err *err)
{
	struct source *srcs;
	size_t i;
	int rc;

	if (!c || (npaths && !paths))
		return -EINVAL;
	srcs = calloc(npaths ? npaths : 1, sizeof(*srcs));
	if (!srcs) {
		seterr(err, NULL, 0, "out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < npaths; i++)
		srcs[i].name = paths[i];
	rc = load(c, srcs, npaths, NULL, NULL, err);
	free(srcs);
	return rc;
}

/**
 * Load the configuration from one buffer over the defaults, as cfg_load()
 * does from a file. The buffer need not end in a NUL; a NUL inside it is an
 * error.
 * @param name  the name that messages give as the file
 * @return as cfg_load()
 */
int cfg_load_buf(struct gw_config *c, const char *name, const void *buf,
		 size_t len, struct cfg_err *err)
{
	struct source src = { .name = name ? name : "(string)",
			      .buf = buf ? buf : "", .len = buf ? len : 0 };

	if (!c)
		return -EINVAL;
	return load(c, &src, 1, NULL, NULL, err);
}

/**
 * Load the configuration from a NUL-terminated string over the defaults.
 * @return as cfg_load()
 */
int cfg_load_string(struct gw_config *c, const char *name, const char *text,
		    struct cfg_err *err)
{
	return cfg_load_buf(c, name, text, text ? strlen(text) : 0, err);
}

/* Split $GW_CONFIG at ':' (empty names are skipped) and add @p local. */
static int load_list(struct gw_config *c, const char *list, const char *local,
		     struct cfg_err *err)
{
	const char **paths;
	char *copy, *tok, *save = NULL;
	size_t n = 0, max = 2;
	const char *p;
	int rc;

	for (p = list; *p; p++)
		max += *p == ':';
	copy = strdup(list);
	paths = calloc(max, sizeof(*paths));
	if (!copy || !paths) {
		free(copy);
		free(paths);
		seterr(err, NULL, 0, "out of memory");
		return -ENOMEM;
	}
	for (tok = strtok_r(copy, ":", &save); tok;
	     tok = strtok_r(NULL, ":", &save))
		paths[n++] = tok;
	if (local)
		paths[n++] = local;
	rc = cfg_load(c, paths, n, err);
	free(paths);
	free(copy);
	return rc;
}

/**
 * Load the configuration every program uses: the files of $GW_CONFIG (a
 * colon-separated list) if it is set, or else CFG_DEFAULTS_PATH and the
 * board file CFG_BOARD_DIR/<board>/board.ini, where <board> is $GW_BOARD or
 * else [board] name of the defaults file (and the board file must leave
 * [board] name set to it); then @p local, if given.
 * @param c      receives the configuration; untouched on error
 * @param local  a local overrides file (a program's --config), or NULL
 * @param err    as for cfg_load(); may be NULL
 * @return as cfg_load(); -EINVAL for a bad $GW_BOARD
 */
int cfg_load_env(struct gw_config *c, const char *local, struct cfg_err *err)
{
	const char *list = getenv(CFG_ENV_FILES);
	const char *board = getenv(CFG_ENV_BOARD);
	const char *defaults = CFG_DEFAULTS_PATH;
	struct source srcs[3];
	struct gw_config *first;
	char path[sizeof(CFG_BOARD_DIR) + CFG_NAME_SIZE +
		  sizeof(CFG_BOARD_FILE) + 2];
	char reason[160];
	struct quoted q;
	size_t n = 0;
	int rc;

	if (!c)
		return -EINVAL;
	if (list && *list)
		return load_list(c, list, local, err);
	first = malloc(sizeof(*first));
	if (!first) {
		seterr(err, NULL, 0, "out of memory");
		return -ENOMEM;
	}
	srcs[n++] = (struct source){ .name = defaults };
	rc = load(first, srcs, 1, NULL, NULL, err);
	if (rc)
		goto out;
	if (!board || !*board) {
		board = first->board.name;
	} else if (strlen(board) >= CFG_NAME_SIZE ||
		   check_name(board, reason, sizeof(reason))) {
		seterr(err, CFG_ENV_BOARD, 0, "%s is not a board name",
		       quote(&q, board));
		rc = -EINVAL;
		goto out;
	}
	snprintf(path, sizeof(path), "%s/%s/%s", CFG_BOARD_DIR, board,
		 CFG_BOARD_FILE);
	srcs[n++] = (struct source){ .name = path };
	if (local)
		srcs[n++] = (struct source){ .name = local };
	rc = load(c, srcs, n, board, path, err);
 out:
	free(first);
	return rc;
}

/* ---- writing ------------------------------------------------------------ */

/* Write @p text as ';' comment lines wrapped at WRAP columns; a '\n' in it
 * starts a new line. */
static void put_comment(FILE *f, const char *text)
{
	const char *p = text;
	size_t col = 0, wl;

	while (*p) {
		if (*p == '\n') {
			fputs(col ? "\n" : ";\n", f);
			col = 0;
			p++;
			continue;
		}
		wl = strcspn(p, " \n");
		if (col && col + 1 + wl > WRAP) {
			fputc('\n', f);
			col = 0;
		}
		if (!col) {
			fputc(';', f);
			col = 1;
		}
		fprintf(f, " %.*s", (int)wl, p);
		col += 1 + wl;
		p += wl;
		while (*p == ' ')
			p++;
	}
	if (col)
		fputc('\n', f);
}

static int put_pair(FILE *f, const struct cfg_key *k,
		    const struct gw_config *c)
{
	char v[CFG_MAX_LINE + 1];
	int rc;

	rc = format_value(k, c, v, sizeof(v));
	if (rc)
		return rc;
	fprintf(f, *v ? "%s = %s\n" : "%s =%s\n", k->name, v);
	return 0;
}

static int finish(FILE *f)
{
	if (fflush(f) || ferror(f))
		return errno ? -errno : -EIO;
	return 0;
}

/**
 * Write the effective configuration @p c as INI: every key of every
 * section, which cfg_load() reads back to an equal configuration.
 * @return 0, or a negative errno from writing
 */
int cfg_format(const struct gw_config *c, FILE *f)
{
	size_t s, i;
	int rc;

	if (!c || !f)
		return -EINVAL;
	for (s = 0; s < ARRAY_SIZE(cfg_sections); s++) {
		fprintf(f, "%s[%s]\n", s ? "\n" : "", cfg_sections[s].name);
		for (i = 0; i < NKEYS; i++) {
			if (strcmp(cfg_keys[i].section, cfg_sections[s].name))
				continue;
			rc = put_pair(f, &cfg_keys[i], c);
			if (rc)
				return rc;
		}
	}
	return finish(f);
}

static const char defaults_intro[] =
	"Gateway configuration: the appliance defaults.\n"
	"\n"
	"This file sets every key the appliance reads, each with its "
	"documentation and its default value. It is the output of "
	"`gwconfig defaults`, made from the key table in "
	"board/config_keys.h, and a test checks that the two agree: change "
	"the table, then regenerate this file.\n"
	"\n"
	"Files are read in order, each overriding the ones before: this "
	"file, the board file board/<name>/board.ini ([board] name below, "
	"or $GW_BOARD), then a local file if the program is given one. "
	"$GW_CONFIG, a colon-separated list of files, replaces the first "
	"two. An unknown section or key, a bad value, a key set twice in "
	"one file, or a file that cannot be read stops the program with the "
	"file, the line and the reason.\n"
	"\n"
	"Syntax: [section] lines, key = value lines, and comment lines "
	"starting with ';' or '#'. A value runs to the end of its line: no "
	"quotes, no comment after it, no continuation line. Lines hold at "
	"most 4096 characters.\n";

_Static_assert(CFG_MAX_LINE == 4096, "update defaults_intro");

/**
 * Write the documented defaults file: every section and key with its
 * documentation, type and default. rootfs/etc/gateway/gateway.ini is this
 * output, byte for byte.
 * @return 0, or a negative errno from writing
 */
int cfg_write_defaults(FILE *f)
{
	struct gw_config c;
	char desc[200], type[210];
	size_t s, i;
	int rc;

	if (!f)
		return -EINVAL;
	cfg_defaults(&c);
	fputs("; SPDX-License-Identifier: MIT\n", f);
	put_comment(f, defaults_intro);
	for (s = 0; s < ARRAY_SIZE(cfg_sections); s++) {
		fputc('\n', f);
		put_comment(f, cfg_sections[s].doc);
		fprintf(f, "[%s]\n", cfg_sections[s].name);
		for (i = 0; i < NKEYS; i++) {
			const struct cfg_key *k = &cfg_keys[i];

			if (strcmp(k->section, cfg_sections[s].name))
				continue;
			fputc('\n', f);
			put_comment(f, k->doc);
			describe(k, desc, sizeof(desc));
			snprintf(type, sizeof(type), "Type: %s.", desc);
			put_comment(f, type);
			rc = put_pair(f, k, &c);
			if (rc)
				return rc;
		}
	}
	return finish(f);
}
