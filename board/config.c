// SPDX-License-Identifier: MIT
/** @file config.c  The appliance's configuration: the schema's keys
 *
 * One key of the schema (board/config_keys.h, included here and only
 * here): parse its text into its field, format it back, compare it; the
 * built-in defaults; cfg_set(), cfg_get() and cfg_equal(); and the checks
 * across keys that every load ends with. A key's field lies at an offset
 * from a base: struct gw_config for the fixed sections, the instance's
 * struct for a repeated section (config_inst.c). Reading files is
 * config_load.c, writing them config_write.c, the value parsers
 * config_parse.c.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/config.h"
#include "board/config_keys.h"
#include "board/config_priv.h"

_Static_assert(sizeof(enum cfg_nic) == sizeof(int), "enum is not an int");
_Static_assert(sizeof(enum log_level) == sizeof(int), "enum is not an int");
_Static_assert(sizeof(enum cfg_ext_kind) == sizeof(int), "enum not an int");
_Static_assert(sizeof(enum cfg_trunk_kind) == sizeof(int), "enum not an int");

/* ---- messages ----------------------------------------------------------- */

/* A value for a message: in double quotes, cut after QUOTE_MAX characters,
 * with control characters shown as '?'. */
const char *cfg_quote(struct quoted *q, const char *v)
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
void cfg_vseterr(struct cfg_err *err, const char *file, unsigned int line,
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

void cfg_seterr(struct cfg_err *err, const char *file, unsigned int line,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_vseterr(err, file, line, fmt, ap);
	va_end(ap);
}

/* Write a parser's reason into buf (if any) and return rc. */
int cfg_why(char *buf, size_t size, int rc, const char *fmt, ...)
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


/* ---- keys --------------------------------------------------------------- */

static void *field(void *base, const struct cfg_key *k)
{
	return (char *)base + k->off;
}

static const void *cfield(const void *base, const struct cfg_key *k)
{
	return (const char *)base + k->off;
}

/* A key of a fixed section */
const struct cfg_key *cfg_find_key(const char *section, const char *name)
{
	size_t i;

	for (i = 0; i < cfg_nkeys; i++)
		if (!strcmp(cfg_keys[i].section, section) &&
		    !strcmp(cfg_keys[i].name, name))
			return &cfg_keys[i];
	return NULL;
}

const struct cfg_section *cfg_find_section(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < cfg_nsections; i++)
		if (strlen(cfg_sections[i].name) == len &&
		    !memcmp(cfg_sections[i].name, name, len))
			return &cfg_sections[i];
	return NULL;
}

/* What a key accepts, for the documentation and for messages. */
void cfg_describe(const struct cfg_key *k, char *buf, size_t size)
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
const char *cfg_host_rule(struct in_addr a)
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

static int parse_str(const struct cfg_key *k, const char *v, char *dst,
		     char *buf, size_t size)
{
	size_t len = strlen(v);
	const char *p;

	if (len >= k->size)
		return cfg_why(buf, size, -ERANGE, "is too long (%zu "
			       "characters, at most %zu)", len, k->size - 1);
	if (k->flags & CFG_F_NAME && *v && cfg_check_name(v, buf, size))
		return -EINVAL;
	if (k->check && *v && k->check(v, buf, size))
		return -EINVAL;
	/* what a file cannot hold (cfg_set() could give it) */
	if (*v == ' ' || (len && v[len - 1] == ' '))
		return cfg_why(buf, size, -EINVAL, "starts or ends with a "
			       "blank");
	for (p = v; *p; p++)
		if (iscntrl((unsigned char)*p))
			return cfg_why(buf, size, -EINVAL,
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
	cfg_describe(k, desc, sizeof(desc));
	return cfg_why(buf, size, -EINVAL, "is not %s", desc);
}

static int parse_prefix(const char *v, struct cfg_prefix *dst, char *buf,
			size_t size)
{
	struct cfg_prefix pfx = { 0 };
	uint32_t mask, h;
	int rc;

	rc = cfg_parse_prefix(v, &pfx, buf, size);
	if (rc)
		return rc;
	if (*cfg_host_rule(pfx.addr))
		return cfg_why(buf, size, -EINVAL, "%s",
			       cfg_host_rule(pfx.addr));
	mask = pfx.len == 32 ? ~0u : ~(~0u >> pfx.len);
	h = ntohl(pfx.addr.s_addr);
	if (pfx.len <= 30 && !(h & ~mask))
		return cfg_why(buf, size, -EINVAL, "is the network address "
			       "of its subnet, not a host address");
	if (pfx.len <= 30 && (h & ~mask) == ~mask)
		return cfg_why(buf, size, -EINVAL, "is the broadcast address "
			       "of its subnet, not a host address");
	*dst = pfx;
	return 0;
}

/* Parse @p v into the field of @p k at @p base (untouched on error). */
static int parse_value(const struct cfg_key *k, const char *v, void *base,
		       char *buf, size_t size)
{
	struct in_addr a = { 0 };
	uint8_t mac[6] = { 0 };
	long x = 0;
	bool b = false;
	int rc, idx = 0;

	switch (k->type) {
	case CFG_T_INT:
		rc = cfg_parse_int(v, k->min, k->max, &x, buf, size);
		if (rc)
			return rc;
		if (k->flags & CFG_F_POW2 && (x <= 0 || (x & (x - 1))))
			return cfg_why(buf, size, -EINVAL, "is not a power of "
				       "two (expected %ld..%ld)", k->min,
				       k->max);
		*(int *)field(base, k) = (int)x;
		return 0;
	case CFG_T_BOOL:
		rc = cfg_parse_bool(v, &b, buf, size);
		if (!rc)
			*(bool *)field(base, k) = b;
		return rc;
	case CFG_T_STR:
		return parse_str(k, v, field(base, k), buf, size);
	case CFG_T_ENUM:
		rc = parse_enum(k, v, &idx, buf, size);
		if (!rc)
			memcpy(field(base, k), &idx, sizeof(idx));
		return rc;
	case CFG_T_CPUS:
		return cfg_parse_cpus(v, field(base, k), buf, size);
	case CFG_T_PORTS:
		return cfg_parse_ports(v, field(base, k), buf, size);
	case CFG_T_IPV4:
		rc = cfg_parse_ipv4(v, &a, buf, size);
		if (rc)
			return rc;
		if (*cfg_host_rule(a))
			return cfg_why(buf, size, -EINVAL, "%s",
				       cfg_host_rule(a));
		*(struct in_addr *)field(base, k) = a;
		return 0;
	case CFG_T_PREFIX:
		return parse_prefix(v, field(base, k), buf, size);
	case CFG_T_MAC:
		rc = cfg_parse_mac(v, mac, buf, size);
		if (rc)
			return rc;
		if (mac[0] & 1)
			return cfg_why(buf, size, -EINVAL, "is a multicast "
				       "address (the first byte must be even)");
		if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
			return cfg_why(buf, size, -EINVAL,
				       "is the all-zero address");
		memcpy(field(base, k), mac, sizeof(mac));
		return 0;
	}
	return cfg_why(buf, size, -EINVAL, "has a type this build cannot "
		       "read");
}

/**
 * Set key @p k of the struct at @p base from text; the reason on error is
 * a whole sentence, about section @p label ("net", "extension 1001").
 */
int cfg_key_set(const struct cfg_key *k, const char *label, const char *v,
		void *base, char *buf, size_t size)
{
	struct quoted q;
	char detail[200];
	int rc;

	if (!*v) {
		if (!(k->flags & CFG_F_EMPTY_OK)) {
			cfg_describe(k, detail, sizeof(detail));
			return cfg_why(buf, size, -EINVAL, "[%s] %s: a value "
				       "is required (%s)", label, k->name,
				       detail);
		}
		/* empty means none: a zero field */
		memset(field(base, k), 0, k->size);
		return 0;
	}
	rc = parse_value(k, v, base, detail, sizeof(detail));
	if (rc)
		return cfg_why(buf, size, rc, "[%s] %s: %s %s", label,
			       k->name, cfg_quote(&q, v), detail);
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

/* Format the value of key @p k at @p base; 0, -ENOSPC, or -EINVAL for a
 * value no file could have set (an enum out of range). */
int cfg_key_format(const struct cfg_key *k, const void *base, char *buf,
		   size_t size)
{
	const void *f = cfield(base, k);
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

/* Tell whether key @p k has the same value in the structs at @p a, @p b */
bool cfg_key_equal(const struct cfg_key *k, const void *a, const void *b)
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
 * bug of this build, found by the first test that loads anything. Checked
 * once: the table never changes (a race only checks it twice). */
static void check_table(void)
{
	static atomic_bool checked;
	size_t i, j;

	if (atomic_load_explicit(&checked, memory_order_relaxed))
		return;
	for (i = 0; i < cfg_nkeys; i++) {
		if (!cfg_find_section(cfg_keys[i].section,
				      strlen(cfg_keys[i].section)) ||
		    cfg_keys[i].flags & CFG_F_REQUIRED)
			goto broken;
		for (j = 0; j < i; j++)
			if (!strcmp(cfg_keys[i].section,
				    cfg_keys[j].section) &&
			    !strcmp(cfg_keys[i].name, cfg_keys[j].name))
				goto broken;
	}
	cfg_kinds_check_table();
	atomic_store_explicit(&checked, true, memory_order_relaxed);
	return;

 broken:
	fprintf(stderr, "config: key table: [%s] %s is in no section, twice "
		"or required\n", cfg_keys[i].section, cfg_keys[i].name);
	abort();
}

/**
 * Fill @p c with the built-in defaults, the values of the key table (the
 * same as rootfs/etc/gateway/gateway.ini), and no repeated sections.
 * Aborts if the table itself is broken (a bug of the build).
 */
void cfg_defaults(struct gw_config *c)
{
	char reason[256];
	size_t i;

	check_table();
	memset(c, 0, sizeof(*c));
	for (i = 0; i < cfg_nkeys; i++) {
		if (cfg_key_set(&cfg_keys[i], cfg_keys[i].section,
				cfg_keys[i].def, c, reason, sizeof(reason))) {
			fprintf(stderr, "config: bad built-in default: %s\n",
				reason);
			abort();
		}
	}
}

/**
 * Set one key of a fixed section from its text form, as a line of a file
 * would (no checks across keys: see cfg_validate()). Repeated sections
 * ([extension 1001]...) are not reached this way: set their fields.
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
	k = cfg_find_key(section, name);
	if (!k) {
		cfg_seterr(err, NULL, 0, "unknown key [%.40s] %s", section,
			   cfg_quote(&q, name));
		return -ENOENT;
	}
	rc = cfg_key_set(k, k->section, value, c, reason, sizeof(reason));
	if (rc)
		cfg_seterr(err, NULL, 0, "%s", reason);
	return rc;
}

/**
 * Format the value of one key of a fixed section as it would be written in
 * a file (repeated sections: read their fields).
 * @return 0; -ENOENT for an unknown key; -ENOSPC when @p buf is too small
 *	   (CFG_MAX_LINE bytes always suffice)
 */
int cfg_get(const struct gw_config *c, const char *section, const char *name,
	    char *buf, size_t size)
{
	const struct cfg_key *k;

	if (!c || !section || !name || !buf || !size)
		return -EINVAL;
	k = cfg_find_key(section, name);
	if (!k)
		return -ENOENT;
	return cfg_key_format(k, c, buf, size);
}

/** Tell whether two configurations have the same value for every key, and
 *  the same instances of the repeated sections, in the same order. */
bool cfg_equal(const struct gw_config *a, const struct gw_config *b)
{
	size_t i;

	for (i = 0; i < cfg_nkeys; i++)
		if (!cfg_key_equal(&cfg_keys[i], a, b))
			return false;
	return cfg_inst_equal(a, b);
}

/** Number of keys in the schema's fixed sections. */
size_t cfg_key_count(void)
{
	return cfg_nkeys;
}

/**
 * Name of key @p i (0 .. cfg_key_count() - 1), in schema order; the keys of
 * the fixed sections only.
 * @param section  receives the key's section; may be NULL
 * @return the key's name, or NULL when @p i is past the end
 */
const char *cfg_key_name(size_t i, const char **section)
{
	if (i >= cfg_nkeys)
		return NULL;
	if (section)
		*section = cfg_keys[i].section;
	return cfg_keys[i].name;
}
