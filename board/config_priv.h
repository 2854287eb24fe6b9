/* SPDX-License-Identifier: MIT */
/** @file config_priv.h  What the files of the configuration module share
 *
 * Private to board/config*.c. The module is split by concern:
 *  - config.c        the schema's keys: parse, format, compare one key;
 *		      cfg_defaults/set/get/equal;
 *  - config_check.c  the checks across keys, cfg_validate();
 *  - config_parse.c  the value parsers and syntax checks;
 *  - config_inst.c   repeated sections ([extension 1001], [trunk pstn]...);
 *  - config_load.c   reading files with libinih;
 *  - config_write.c  cfg_format() and the documented defaults file;
 *  - config_edit.c   instances one at a time, cfg_format_diff().
 * The schema itself (the tables) is board/config_keys.h, which config.c
 * alone includes; the others reach the tables through the declarations
 * below.
 */
#ifndef BOARD_CONFIG_PRIV_H
#define BOARD_CONFIG_PRIV_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "board/config.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define QUOTE_MAX	40	/* characters of a value in a message */

enum cfg_type {
	CFG_T_INT,	/**< int, min..max */
	CFG_T_BOOL,	/**< bool */
	CFG_T_STR,	/**< char[size], at most size - 1 characters */
	CFG_T_ENUM,	/**< an int-sized enum: the index in choices */
	CFG_T_CPUS,	/**< cpu_set_t */
	CFG_T_PORTS,	/**< struct cfg_ports */
	CFG_T_IPV4,	/**< struct in_addr, a unicast host address */
	CFG_T_PREFIX,	/**< struct cfg_prefix, a host address/prefix */
	CFG_T_MAC,	/**< uint8_t[6], a unicast MAC address */
};

#define CFG_F_EMPTY_OK	0x1u	/**< empty value allowed ("none") */
#define CFG_F_POW2	0x2u	/**< CFG_T_INT: a power of two */
#define CFG_F_NAME	0x4u	/**< STR: [A-Za-z0-9][A-Za-z0-9._-]* */
#define CFG_F_REQUIRED	0x8u	/**< STR of a repeated section: must
				 *   be set (when: in that kind only) */

struct cfg_section {
	const char *name;
	const char *doc;
};

/** One key. For a fixed section, off is the offset of the field in
 *  struct gw_config; for a repeated section, in the instance's struct. */
struct cfg_key {
	const char *section;	/**< section name, or the kind */
	const char *name;
	enum cfg_type type;
	unsigned int flags;
	size_t off;		/**< offset of the field */
	size_t size;		/**< size of the field */
	const char *def;	/**< default, as written in a file */
	long min;		/**< CFG_T_INT */
	long max;		/**< CFG_T_INT */
	const char *const *choices;	/**< CFG_T_ENUM, NULL-terminated */
	/** CFG_T_STR: more rules for a non-empty value; returns 0, or a
	 *  negative errno with what follows the quoted value in @p why */
	int (*check)(const char *v, char *why, size_t size);
	/** CFG_F_REQUIRED: required only when the instance's "kind" key is
	 *  this choice; NULL: always */
	const char *when;
	const char *doc;
};

#define CFG_IKEYS_MAX	8	/* most keys of one repeated section */

/** A kind of repeated section: "[NAME INSTANCE]" lines */
struct cfg_kind {
	const char *name;	/**< "extension" */
	const char *doc;	/**< what an instance is */
	const char *what;	/**< what the instance name is, in messages:
				 *   "number", "name" */
	const char *example;	/**< an instance, as lines of a file */
	const struct cfg_key *keys;
	size_t nkeys;
	size_t array_off;	/**< the array in struct gw_config */
	size_t count_off;	/**< its count (unsigned int) */
	size_t inst_size;	/**< one element */
	size_t name_size;	/**< the name field, first in the element */
	unsigned int max;	/**< elements of the array */
	unsigned int base;	/**< first index of its instances in a flat
				 *   list of all kinds (origins) */
	/** instance name rules: 0, or a negative errno with what follows the
	 *  quoted name in @p why */
	int (*check_name)(const char *v, char *why, size_t size);
};

#define CFG_INSTANCES_MAX (CFG_MAX_EXTENSIONS + CFG_MAX_TRUNKS +	\
			   CFG_MAX_ROUTES + CFG_MAX_DIDS)

/* The schema (board/config_keys.h, defined in config.c) */
extern const struct cfg_section cfg_sections[];
extern const size_t cfg_nsections;
extern const struct cfg_key cfg_keys[];
extern const size_t cfg_nkeys;
extern const struct cfg_kind cfg_kinds[];
extern const size_t cfg_nkinds;

/* Where a key got its value, to point an error across keys at a line. */
struct origin {
	const char *file;	/* NULL: built-in default */
	unsigned int line;
	unsigned int seq;	/* order of setting, 0 for defaults */
};

/* The key of every repeated section that removes the instance a file
 * before made: "removed = true" (the loader drops it once every file is
 * read; it is no key of the kind's table) */
#define CFG_REMOVED_KEY	"removed"

/** Where an instance and its keys come from (loader only) */
struct inst_origin {
	struct origin hdr;	/**< the last [kind NAME] line selecting it */
	struct origin key[CFG_IKEYS_MAX];
	unsigned int seen[CFG_IKEYS_MAX];	/**< line, in this file */
	unsigned int removed_seen;	/**< line of "removed", this file */
	bool removed;		/**< the last "removed" said true */
};

/** Where the checks across keys report, and what they know of origins */
struct pair_err {
	struct cfg_err *err;
	const struct origin *org;	/* per fixed key; NULL: unknown */
	const struct inst_origin *iorg;	/* per instance, flat; NULL */
};

/* config.c: messages */
struct quoted {
	char s[QUOTE_MAX + 8];
};

const char *cfg_quote(struct quoted *q, const char *v);
void cfg_vseterr(struct cfg_err *err, const char *file, unsigned int line,
		 const char *fmt, va_list ap);
void cfg_seterr(struct cfg_err *err, const char *file, unsigned int line,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int  cfg_why(char *buf, size_t size, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int  cfg_fail_at(const struct pair_err *pe, const struct origin *o,
		 const char *fmt, ...) __attribute__((format(printf, 3, 4)));
const struct origin *cfg_later(const struct origin *a,
			       const struct origin *b);
const struct origin *cfg_key_origin(const struct pair_err *pe,
				    const char *section, const char *name);

/* config.c: one key, on a struct at @p base */
void cfg_describe(const struct cfg_key *k, char *buf, size_t size);
int  cfg_key_set(const struct cfg_key *k, const char *label, const char *v,
		 void *base, char *buf, size_t size);
int  cfg_key_format(const struct cfg_key *k, const void *base, char *buf,
		    size_t size);
bool cfg_key_equal(const struct cfg_key *k, const void *a, const void *b);
const struct cfg_key *cfg_find_key(const char *section, const char *name);
const struct cfg_section *cfg_find_section(const char *name, size_t len);
const char *cfg_host_rule(struct in_addr a);
int  cfg_check_all(const struct gw_config *c, const struct pair_err *pe);

/* config_parse.c: syntax checks, as struct cfg_key's check */
int  cfg_check_name(const char *v, char *why, size_t size);
int  cfg_check_digits(const char *v, char *why, size_t size);
int  cfg_check_pattern(const char *v, char *why, size_t size);
int  cfg_check_host(const char *v, char *why, size_t size);
int  cfg_check_ipv4_list(const char *v, char *why, size_t size);
int  cfg_check_tdm_line(const char *v, char *why, size_t size);
int  cfg_check_tdm_lines(const char *v, char *why, size_t size);

/* config_inst.c */
const struct cfg_kind *cfg_kind_find(const char *name, size_t len);
const struct cfg_key *cfg_kind_key(const struct cfg_kind *k,
				   const char *name);
unsigned int cfg_inst_count(const struct gw_config *c,
			    const struct cfg_kind *k);
void *cfg_inst(struct gw_config *c, const struct cfg_kind *k, unsigned int i);
const void *cfg_cinst(const struct gw_config *c, const struct cfg_kind *k,
		      unsigned int i);
int  cfg_inst_select(struct gw_config *c, const struct cfg_kind *k,
		     const char *name, unsigned int *idx, char *why,
		     size_t size);
void cfg_inst_label(const struct gw_config *c, const struct cfg_kind *k,
		    unsigned int i, char *buf, size_t size);
void cfg_kinds_check_table(void);
int  cfg_inst_check(const struct gw_config *c, const struct pair_err *pe);
bool cfg_inst_equal(const struct gw_config *a, const struct gw_config *b);
int  cfg_inst_format(const struct gw_config *c, FILE *f);
void cfg_inst_write_docs(FILE *f);

/* config_write.c */
void cfg_put_comment(FILE *f, const char *text);
int  cfg_put_pair(FILE *f, const struct cfg_key *k, const void *base);

#endif /* BOARD_CONFIG_PRIV_H */
