// SPDX-License-Identifier: MIT
/** @file config_edit.c  Editing a configuration: repeated sections one
 * instance at a time, and local files written from a configuration
 *
 * What a program that changes the configuration (the web UI) needs beside
 * cfg_set(): the keys of each kind of repeated section with the type of
 * their value, instances added, changed and removed with the schema's own
 * checks and messages, and cfg_format_diff(), which writes the local file
 * that, read after the files before it, gives exactly the configuration
 * wanted.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/config.h"
#include "board/config_priv.h"

#define LABEL_SIZE	64

static const struct cfg_kind *kind_of(const char *kind)
{
	return kind ? cfg_kind_find(kind, strlen(kind)) : NULL;
}

static void key_info(const struct cfg_key *k, struct cfg_key_info *ki)
{
	ki->name = k->name;
	ki->value = k->type == CFG_T_INT ? CFG_VALUE_INT :
		    k->type == CFG_T_BOOL ? CFG_VALUE_BOOL : CFG_VALUE_TEXT;
	ki->empty_ok = k->flags & CFG_F_EMPTY_OK;
	ki->doc = k->doc;
}

/**
 * Tell whether @p kind is a kind of repeated section.
 * @param what  receives what its instance name is ("number", "name");
 *		may be NULL
 * @return 0 or -ENOENT
 */
int cfg_kind_info(const char *kind, const char **what)
{
	const struct cfg_kind *k = kind_of(kind);

	if (!k)
		return -ENOENT;
	if (what)
		*what = k->what;
	return 0;
}

/** Key @p i (from 0) of the repeated sections of @p kind.
 *  @return 0, or -ENOENT past the last key or for an unknown kind */
int cfg_inst_key_info(const char *kind, size_t i, struct cfg_key_info *ki)
{
	const struct cfg_kind *k = kind_of(kind);

	if (!k || i >= k->nkeys || !ki)
		return -ENOENT;
	key_info(&k->keys[i], ki);
	return 0;
}

/** Key @p name of the fixed section @p section. @return 0 or -ENOENT */
int cfg_fixed_key_info(const char *section, const char *name,
		       struct cfg_key_info *ki)
{
	const struct cfg_key *k;

	if (!section || !name || !ki)
		return -ENOENT;
	k = cfg_find_key(section, name);
	if (!k)
		return -ENOENT;
	key_info(k, ki);
	return 0;
}

/** Instances of @p kind in @p c (0 for an unknown kind). */
unsigned int cfg_inst_n(const struct gw_config *c, const char *kind)
{
	const struct cfg_kind *k = kind_of(kind);

	return k && c ? cfg_inst_count(c, k) : 0;
}

/** Name of instance @p i of @p kind, or NULL past the last. */
const char *cfg_inst_name(const struct gw_config *c, const char *kind,
			  unsigned int i)
{
	const struct cfg_kind *k = kind_of(kind);

	if (!k || !c || i >= cfg_inst_count(c, k))
		return NULL;
	return cfg_cinst(c, k, i);
}

/** Index of instance @p name of @p kind, or -ENOENT. */
int cfg_inst_find(const struct gw_config *c, const char *kind,
		  const char *name)
{
	const struct cfg_kind *k = kind_of(kind);
	unsigned int i, n;

	if (!k || !c || !name)
		return -ENOENT;
	n = cfg_inst_count(c, k);
	for (i = 0; i < n; i++)
		if (!strncmp(cfg_cinst(c, k, i), name, k->name_size))
			return (int)i;
	return -ENOENT;
}

/**
 * Add instance @p name of @p kind, with its keys' defaults, after the
 * others, as a header "[kind name]" in a file would.
 * @param err  the reason on error ("[extension 10a]: \"10a\" is not ...");
 *	       may be NULL
 * @return 0; -ENOENT for an unknown kind; -EEXIST when it exists; -EINVAL
 *	   for a bad name; -ENOSPC when the kind is full
 */
int cfg_inst_add(struct gw_config *c, const char *kind, const char *name,
		 struct cfg_err *err)
{
	const struct cfg_kind *k = kind_of(kind);
	struct quoted q;
	char why[200];
	unsigned int idx;
	int rc;

	if (!k || !c || !name) {
		cfg_seterr(err, NULL, 0, "unknown kind of section %s",
			   cfg_quote(&q, kind ? kind : ""));
		return -ENOENT;
	}
	if (cfg_inst_find(c, kind, name) >= 0) {
		cfg_seterr(err, NULL, 0, "[%s %s] exists already", k->name,
			   cfg_quote(&q, name));
		return -EEXIST;
	}
	rc = cfg_inst_select(c, k, name, &idx, why, sizeof(why));
	if (rc)
		cfg_seterr(err, NULL, 0, "[%s]: %s", k->name, why);
	return rc;
}

/**
 * Set key @p key of instance @p name of @p kind from its text form, with
 * the checks a file's line gets (not those across keys: cfg_validate()).
 * @param err  the reason on error; may be NULL
 * @return 0; -ENOENT for an unknown kind, instance or key; -EINVAL or
 *	   -ERANGE for a bad value (the instance is then unchanged)
 */
int cfg_inst_set(struct gw_config *c, const char *kind, const char *name,
		 const char *key, const char *value, struct cfg_err *err)
{
	const struct cfg_kind *k = kind_of(kind);
	const struct cfg_key *key_;
	char label[LABEL_SIZE], reason[sizeof(err->reason)];
	struct quoted q;
	int i, rc;

	if (!c || !key || !value)
		return -EINVAL;
	i = cfg_inst_find(c, kind, name);
	if (!k || i < 0) {
		cfg_seterr(err, NULL, 0, "no section [%s %s]",
			   kind ? kind : "", name ? name : "");
		return -ENOENT;
	}
	cfg_inst_label(c, k, (unsigned int)i, label, sizeof(label));
	key_ = cfg_kind_key(k, key);
	if (!key_) {
		cfg_seterr(err, NULL, 0, "unknown key %s in section [%s]",
			   cfg_quote(&q, key), label);
		return -ENOENT;
	}
	rc = cfg_key_set(key_, label, value, cfg_inst(c, k, (unsigned int)i),
			 reason, sizeof(reason));
	if (rc)
		cfg_seterr(err, NULL, 0, "%s", reason);
	return rc;
}

/** Format key @p key of instance @p name as a file would hold it.
 *  @return 0; -ENOENT; -ENOSPC when @p buf is too small */
int cfg_inst_get(const struct gw_config *c, const char *kind,
		 const char *name, const char *key, char *buf, size_t size)
{
	const struct cfg_kind *k = kind_of(kind);
	const struct cfg_key *key_;
	int i = cfg_inst_find(c, kind, name);

	if (!k || i < 0 || !key || !buf || !size)
		return -ENOENT;
	key_ = cfg_kind_key(k, key);
	if (!key_)
		return -ENOENT;
	return cfg_key_format(key_, cfg_cinst(c, k, (unsigned int)i), buf,
			      size);
}

/** Remove instance @p name of @p kind; the ones after it move up.
 *  @return 0 or -ENOENT */
int cfg_inst_remove(struct gw_config *c, const char *kind, const char *name)
{
	const struct cfg_kind *k = kind_of(kind);
	int i = cfg_inst_find(c, kind, name);
	unsigned int n;

	if (!k || i < 0)
		return -ENOENT;
	n = cfg_inst_count(c, k);
	memmove(cfg_inst(c, k, (unsigned int)i),
		cfg_inst(c, k, (unsigned int)i + 1),
		(n - (unsigned int)i - 1) * k->inst_size);
	memset(cfg_inst(c, k, n - 1), 0, k->inst_size);
	n--;
	memcpy((char *)c + k->count_off, &n, sizeof(n));
	return 0;
}

/* Write the keys of instance @p i of @p k in @p c that differ from
 * @p ref (an instance of @p k), under its header; nothing when none does
 * and @p always is false. */
static int diff_inst(const struct cfg_kind *k, const void *inst,
		     const void *ref, bool always, FILE *f)
{
	bool header = false;
	size_t j;
	int rc;

	for (j = 0; j < k->nkeys; j++) {
		if (cfg_key_equal(&k->keys[j], inst, ref))
			continue;
		if (!header)
			fprintf(f, "\n[%s %.*s]\n", k->name,
				(int)k->name_size - 1, (const char *)inst);
		header = true;
		rc = cfg_put_pair(f, &k->keys[j], inst);
		if (rc)
			return rc;
	}
	if (always && !header)
		fprintf(f, "\n[%s %.*s]\n", k->name, (int)k->name_size - 1,
			(const char *)inst);
	return 0;
}

static int diff_kind(const struct gw_config *base, const struct gw_config *c,
		     const struct cfg_kind *k, struct gw_config *scratch,
		     FILE *f, struct cfg_err *err)
{
	unsigned int i, nb = cfg_inst_count(base, k), n = cfg_inst_count(c, k);
	unsigned int idx, next = 0;
	char why[200];
	int at, rc;

	/* the base's instances that are still there must come first, in
	 * the base's order (a later file cannot reorder them); one that is
	 * gone is removed with "removed = true" */
	for (i = 0; i < nb; i++) {
		const char *name = cfg_cinst(base, k, i);

		at = cfg_inst_find(c, k->name, name);
		if (at < 0) {
			fprintf(f, "\n[%s %.*s]\n%s = true\n", k->name,
				(int)k->name_size - 1, name, CFG_REMOVED_KEY);
			continue;
		}
		if ((unsigned int)at != next) {
			cfg_seterr(err, NULL, 0, "[%s %.*s] is set by a file "
				   "read before the local one (the board or "
				   "defaults file): it cannot be moved after "
				   "the ones added here", k->name,
				   (int)k->name_size - 1, name);
			return -EPERM;
		}
		next++;
	}
	for (i = 0; i < n; i++) {
		const void *inst = cfg_cinst(c, k, i);

		if (i < next) {
			at = cfg_inst_find(base, k->name, inst);
			rc = diff_inst(k, inst, cfg_cinst(base, k,
							  (unsigned int)at),
				       false, f);
		} else {
			/* a new instance: what differs from its defaults */
			memset((char *)scratch + k->count_off, 0,
			       sizeof(unsigned int));
			rc = cfg_inst_select(scratch, k, inst, &idx, why,
					     sizeof(why));
			if (rc) {
				cfg_seterr(err, NULL, 0, "[%s]: %s", k->name,
					   why);
				return rc;
			}
			rc = diff_inst(k, inst, cfg_cinst(scratch, k, idx),
				       true, f);
		}
		if (rc)
			return rc;
	}
	return 0;
}

/**
 * Write a local file that, read after the files @p base was loaded from,
 * gives @p c: the keys of the fixed sections whose values differ from
 * @p base's, the instances @p base has with the keys that differ,
 * "removed = true" for those @p c lacks, and the instances @p base lacks
 * with the keys that differ from their defaults.
 * @param err  the reason on error; may be NULL
 * @return 0; -EPERM when @p c has @p base's instances in another order,
 *	   or one of them after an instance @p base lacks (a later file
 *	   cannot reorder them); -EINVAL; a negative errno from writing
 */
int cfg_format_diff(const struct gw_config *base, const struct gw_config *c,
		    FILE *f, struct cfg_err *err)
{
	struct gw_config *scratch;
	const char *section = NULL;
	size_t i;
	int rc = 0;

	if (!base || !c || !f)
		return -EINVAL;
	for (i = 0; i < cfg_nkeys; i++) {
		const struct cfg_key *k = &cfg_keys[i];

		if (cfg_key_equal(k, base, c))
			continue;
		if (!section || strcmp(section, k->section))
			fprintf(f, "%s[%s]\n", section ? "\n" : "",
				k->section);
		section = k->section;
		rc = cfg_put_pair(f, k, c);
		if (rc)
			return rc;
	}
	scratch = calloc(1, sizeof(*scratch));
	if (!scratch)
		return -ENOMEM;
	for (i = 0; i < cfg_nkinds && !rc; i++)
		rc = diff_kind(base, c, &cfg_kinds[i], scratch, f, err);
	free(scratch);
	if (!rc && (fflush(f) || ferror(f)))
		rc = errno ? -errno : -EIO;
	return rc;
}
