// SPDX-License-Identifier: MIT
/** @file config_load.c  Loading the configuration: INI files on libinih
 *
 * libinih splits lines into sections and key = value pairs; everything
 * else is here. The reader that feeds libinih counts lines (its handler has
 * no line number), rejects over-long lines and NUL bytes instead of letting
 * libinih split or cut them, and checks section headers itself, so that an
 * empty unknown section and "[net] mtu = 1" (text after the header, which
 * libinih ignores) are errors too; a header "[kind NAME]" creates or
 * selects an instance of a repeated section there (config_inst.c), so
 * that an instance exists even with no key. The handler checks each key
 * against the schema (config_keys.h) and parses its value into a private
 * copy of the configuration, which reaches the caller only when every file
 * is loaded and the checks across keys pass.
 */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/config.h"
#include "board/config_priv.h"

#define LABEL_SIZE	64	/* "extension 1001" */

_Static_assert(LABEL_SIZE > sizeof("extension ") + CFG_NUMBER_SIZE &&
	       LABEL_SIZE > sizeof("trunk ") + CFG_NAME_SIZE, "label size");

/* One input: a file by path, or a buffer in memory. */
struct source {
	const char *name;
	const char *buf;	/* NULL: read the file named name */
	size_t len;
};

struct loader {
	struct gw_config cfg;		/* copied out at the end */
	struct origin *origin;		/* per key of cfg_keys[] */
	unsigned int *seen;		/* line of each key in this file */
	struct inst_origin *iorg;	/* per instance, CFG_INSTANCES_MAX;
					 * NULL until the first instance */
	const struct cfg_kind *kind;	/* current section's; NULL: fixed */
	unsigned int inst;		/* current instance of kind */
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
	cfg_vseterr(ld->err, ld->file, line, fmt, ap);
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

/* A header "[kind NAME]" (@p len characters at @p s, inside the
 * brackets): create or select the instance. */
static void select_instance(struct loader *ld, const char *s, size_t len)
{
	const char *sp = memchr(s, ' ', len);
	const struct cfg_kind *k;
	char label[QUOTE_MAX + 2], why[160], *name;
	struct inst_origin *io;
	struct quoted q;
	unsigned int idx;

	snprintf(label, sizeof(label), "%.*s", (int)len, s);
	if (len > QUOTE_MAX)
		cfg_quote(&q, label);
	k = cfg_kind_find(s, sp ? (size_t)(sp - s) : len);
	if (!k) {
		fail(ld, ld->line, -EBADMSG, "unknown section [%s]",
		     len > QUOTE_MAX ? q.s : label);
		return;
	}
	if (!sp) {
		fail(ld, ld->line, -EBADMSG, "section [%s] needs a %s: "
		     "[%s %s]", k->name, k->what, k->name,
		     !strcmp(k->what, "number") ? "NUMBER" : "NAME");
		return;
	}
	if (!ld->iorg)
		ld->iorg = calloc(CFG_INSTANCES_MAX, sizeof(*ld->iorg));
	name = strndup(sp + 1, len - (size_t)(sp + 1 - s));
	if (!name || !ld->iorg) {
		free(name);
		fail(ld, 0, -ENOMEM, "out of memory");
		return;
	}
	if (cfg_inst_select(&ld->cfg, k, name, &idx, why, sizeof(why))) {
		fail(ld, ld->line, -EBADMSG, "[%s]: %s",
		     len > QUOTE_MAX ? q.s : label, why);
	} else {
		ld->kind = k;
		ld->inst = idx;
		io = &ld->iorg[k->base + idx];
		io->hdr.file = ld->file;
		io->hdr.line = ld->line;
		io->hdr.seq = ++ld->seq;
	}
	free(name);
}

/* A "[section]" line must name a known section, or be the header of an
 * instance, and end there. libinih would accept "[net] mtu = 9000",
 * ignoring what follows the ']'. */
static void check_header(struct loader *ld, const char *line)
{
	const char *p = line, *end, *rest;
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
	ld->kind = NULL;
	len = (size_t)(end - p - 1);
	snprintf(name, sizeof(name), "%.*s", (int)len, p + 1);
	for (rest = end + 1; isspace((unsigned char)*rest); rest++)
		;
	if (*rest)
		fail(ld, ld->line, -EBADMSG, "syntax error: text after [%s] "
		     "(a key goes on a line of its own)", name);
	else if (!cfg_find_section(p + 1, len))
		select_instance(ld, p + 1, len);
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

/* "removed = true|false" in the current instance's section */
static int on_removed(struct loader *ld, struct inst_origin *io,
		      const char *label, const char *value)
{
	char why[160];
	struct quoted q;
	bool b;

	if (io->removed_seen)
		return fail(ld, ld->line, -EBADMSG, "[%s] %s is set twice "
			    "(first at line %u)", label, CFG_REMOVED_KEY,
			    io->removed_seen);
	io->removed_seen = ld->line;
	if (cfg_parse_bool(value, &b, why, sizeof(why)))
		return fail(ld, ld->line, -EBADMSG, "[%s] %s: %s %s", label,
			    CFG_REMOVED_KEY, cfg_quote(&q, value), why);
	io->removed = b;
	return 1;
}

/* Drop the instances a file removed ("removed = true"), with their
 * origins, once every file is read: the ones after move up. */
static void drop_removed(struct loader *ld)
{
	for (size_t j = 0; ld->iorg && j < cfg_nkinds; j++) {
		const struct cfg_kind *k = &cfg_kinds[j];
		unsigned int n = cfg_inst_count(&ld->cfg, k), i;
		struct inst_origin *io = &ld->iorg[k->base];

		for (i = n; i-- > 0;) {
			if (!io[i].removed)
				continue;
			memmove(cfg_inst(&ld->cfg, k, i),
				cfg_inst(&ld->cfg, k, i + 1),
				(n - i - 1) * k->inst_size);
			memset(cfg_inst(&ld->cfg, k, n - 1), 0, k->inst_size);
			memmove(&io[i], &io[i + 1], (n - i - 1) * sizeof(*io));
			memset(&io[n - 1], 0, sizeof(*io));
			n--;
		}
		memcpy((char *)&ld->cfg + k->count_off, &n, sizeof(n));
	}
}

/* A key = value pair in the current instance's section */
static int on_inst_pair(struct loader *ld, const char *name,
			const char *value)
{
	const struct cfg_kind *kd = ld->kind;
	struct inst_origin *io = &ld->iorg[kd->base + ld->inst];
	const struct cfg_key *k;
	struct quoted q;
	char reason[sizeof(ld->err->reason)], label[LABEL_SIZE];
	size_t i;
	int rc;

	cfg_inst_label(&ld->cfg, kd, ld->inst, label, sizeof(label));
	if (!strcmp(name, CFG_REMOVED_KEY))
		return on_removed(ld, io, label, value);
	k = cfg_kind_key(kd, name);
	if (!k)
		return fail(ld, ld->line, -EBADMSG, "unknown key %s in "
			    "section [%s]", cfg_quote(&q, name), label);
	i = (size_t)(k - kd->keys);
	if (io->seen[i])
		return fail(ld, ld->line, -EBADMSG, "[%s] %s is set twice "
			    "(first at line %u)", label, k->name,
			    io->seen[i]);
	io->seen[i] = ld->line;
	rc = cfg_key_set(k, label, value, cfg_inst(&ld->cfg, kd, ld->inst),
			 reason, sizeof(reason));
	if (rc)
		return fail(ld, ld->line, -EBADMSG, "%s", reason);
	io->key[i].file = ld->file;
	io->key[i].line = ld->line;
	io->key[i].seq = ++ld->seq;
	return 1;
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
			    cfg_quote(&q, name));
	if (ld->kind)
		return on_inst_pair(ld, name, value);
	k = cfg_find_key(section, name);
	if (!k)
		return fail(ld, ld->line, -EBADMSG, "unknown key %s in "
			    "section [%s]", cfg_quote(&q, name), section);
	i = (size_t)(k - cfg_keys);
	if (ld->seen[i])
		return fail(ld, ld->line, -EBADMSG, "[%s] %s is set twice "
			    "(first at line %u)", k->section, k->name,
			    ld->seen[i]);
	ld->seen[i] = ld->line;
	rc = cfg_key_set(k, k->section, value, &ld->cfg, reason,
			 sizeof(reason));
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
	size_t i;
	int rc;

	memset(ld->seen, 0, cfg_nkeys * sizeof(*ld->seen));
	for (i = 0; ld->iorg && i < CFG_INSTANCES_MAX; i++) {
		memset(ld->iorg[i].seen, 0, sizeof(ld->iorg[i].seen));
		ld->iorg[i].removed_seen = 0;
	}
	ld->kind = NULL;
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
static struct loader *loader_free(struct loader *ld)
{
	if (ld) {
		free(ld->origin);
		free(ld->seen);
		free(ld->iorg);
		free(ld);
	}
	return NULL;
}

static struct loader *loader_new(struct cfg_err *err)
{
	struct loader *ld = calloc(1, sizeof(*ld));

	if (ld) {
		ld->origin = calloc(cfg_nkeys, sizeof(*ld->origin));
		ld->seen = calloc(cfg_nkeys, sizeof(*ld->seen));
	}
	if (!ld || !ld->origin || !ld->seen) {
		cfg_seterr(err, NULL, 0, "out of memory");
		return loader_free(ld);
	}
	ld->err = err;
	return ld;
}

/* Load the sources over the defaults into a private copy; on success copy
 * it to @p c. With @p board, [board] name must end up equal to it. */
static int load(struct gw_config *c, const struct source *srcs, size_t n,
		const char *board, const char *board_file,
		struct cfg_err *err)
{
	const struct origin *o;
	struct pair_err pe;
	struct loader *ld;
	size_t i;
	int rc = 0;

	if (err)
		memset(err, 0, sizeof(*err));
	ld = loader_new(err);
	if (!ld)
		return -ENOMEM;
	cfg_defaults(&ld->cfg);
	for (i = 0; i < n && !rc; i++)
		rc = load_source(ld, &srcs[i]);
	if (!rc)
		drop_removed(ld);
	pe = (struct pair_err){ .err = err, .org = ld->origin,
				.iorg = ld->iorg };
	if (!rc)
		rc = cfg_check_all(&ld->cfg, &pe);
	if (!rc && board && strcmp(ld->cfg.board.name, board)) {
		o = cfg_key_origin(&pe, "board", "name");
		cfg_seterr(err, o->file ? o->file : board_file, o->line,
			   "[board] name is \"%s\", but the board file read "
			   "is %s", ld->cfg.board.name, board_file);
		rc = -EINVAL;
	}
	if (!rc)
		*c = ld->cfg;
	ld = loader_free(ld);
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
		cfg_seterr(err, NULL, 0, "out of memory");
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
		cfg_seterr(err, NULL, 0, "out of memory");
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
		cfg_seterr(err, NULL, 0, "out of memory");
		return -ENOMEM;
	}
	srcs[n++] = (struct source){ .name = defaults };
	rc = load(first, srcs, 1, NULL, NULL, err);
	if (rc)
		goto out;
	if (!board || !*board) {
		board = first->board.name;
	} else if (strlen(board) >= CFG_NAME_SIZE ||
		   cfg_check_name(board, reason, sizeof(reason))) {
		cfg_seterr(err, CFG_ENV_BOARD, 0, "%s is not a board name",
			   cfg_quote(&q, board));
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

