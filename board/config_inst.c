// SPDX-License-Identifier: MIT
/** @file config_inst.c  Repeated sections: the PBX's provisioning
 *
 * A header "[kind NAME]" names an instance of a kind (cfg_kinds[] in
 * board/config_keys.h): the loader calls cfg_inst_select() there, which
 * creates the instance, with its keys' defaults, the first time NAME
 * appears, and selects it again after. Instances live in the arrays of
 * struct gw_config, in the order first seen, each with its name as the
 * first field. The keys of an instance are parsed by config.c, on the
 * instance's struct instead of struct gw_config; what an instance needs
 * (required keys, the lines of the card, the sections it names) is checked
 * once every file is read, by cfg_inst_check().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/config.h"
#include "board/config_priv.h"
#include "hal/tdm.h"

#define LABEL_SIZE	64	/* "extension 1001" */

/* ---- instances ---------------------------------------------------------- */

const struct cfg_kind *cfg_kind_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < cfg_nkinds; i++)
		if (strlen(cfg_kinds[i].name) == len &&
		    !memcmp(cfg_kinds[i].name, name, len))
			return &cfg_kinds[i];
	return NULL;
}

const struct cfg_key *cfg_kind_key(const struct cfg_kind *k,
				   const char *name)
{
	size_t i;

	for (i = 0; i < k->nkeys; i++)
		if (!strcmp(k->keys[i].name, name))
			return &k->keys[i];
	return NULL;
}

/* Instances of kind @p k in @p c (never more than the array holds) */
unsigned int cfg_inst_count(const struct gw_config *c,
			    const struct cfg_kind *k)
{
	unsigned int n;

	memcpy(&n, (const char *)c + k->count_off, sizeof(n));
	return n < k->max ? n : k->max;
}

void *cfg_inst(struct gw_config *c, const struct cfg_kind *k, unsigned int i)
{
	return (char *)c + k->array_off + i * k->inst_size;
}

const void *cfg_cinst(const struct gw_config *c, const struct cfg_kind *k,
		      unsigned int i)
{
	return (const char *)c + k->array_off + i * k->inst_size;
}

/* The instance's name: its first field */
static const char *inst_name(const struct gw_config *c,
			     const struct cfg_kind *k, unsigned int i)
{
	return cfg_cinst(c, k, i);
}

/* "extension 1001": the section of instance @p i, for messages */
void cfg_inst_label(const struct gw_config *c, const struct cfg_kind *k,
		    unsigned int i, char *buf, size_t size)
{
	snprintf(buf, size, "%s %.*s", k->name, (int)k->name_size - 1,
		 inst_name(c, k, i));
}

static int find(const struct gw_config *c, const struct cfg_kind *k,
		const char *name)
{
	unsigned int i, n = cfg_inst_count(c, k);

	for (i = 0; i < n; i++)
		if (!strncmp(inst_name(c, k, i), name, k->name_size))
			return (int)i;
	return -1;
}

/* A new instance: its name, and its keys' defaults */
static void inst_init(struct gw_config *c, const struct cfg_kind *k,
		      unsigned int i, const char *name)
{
	void *inst = cfg_inst(c, k, i);
	char label[LABEL_SIZE], reason[256];
	size_t j;

	memset(inst, 0, k->inst_size);
	memcpy(inst, name, strlen(name) + 1);
	cfg_inst_label(c, k, i, label, sizeof(label));
	for (j = 0; j < k->nkeys; j++) {
		if (!*k->keys[j].def)
			continue;
		if (cfg_key_set(&k->keys[j], label, k->keys[j].def, inst,
				reason, sizeof(reason))) {
			fprintf(stderr, "config: bad built-in default: %s\n",
				reason);
			abort();
		}
	}
}

/**
 * Select instance @p name of kind @p k, creating it (with its keys'
 * defaults) if it is new.
 * @param idx  receives the instance's index
 * @param why  on error, what follows "[kind NAME]: " in a message
 * @return 0; -EINVAL for a bad name; -ENOSPC when the kind is full
 */
int cfg_inst_select(struct gw_config *c, const struct cfg_kind *k,
		    const char *name, unsigned int *idx, char *why,
		    size_t size)
{
	unsigned int *n = (unsigned int *)((char *)c + k->count_off);
	size_t len = strlen(name);
	char detail[160];
	struct quoted q;
	int i;

	if (len >= k->name_size)
		return cfg_why(why, size, -EINVAL, "%s is too long (%zu "
			       "characters, at most %zu)", cfg_quote(&q, name),
			       len, k->name_size - 1);
	if (k->check_name(name, detail, sizeof(detail)))
		return cfg_why(why, size, -EINVAL, "%s %s",
			       cfg_quote(&q, name), detail);
	i = find(c, k, name);
	if (i >= 0) {
		*idx = (unsigned int)i;
		return 0;
	}
	if (cfg_inst_count(c, k) >= k->max)
		return cfg_why(why, size, -ENOSPC, "too many [%s] sections "
			       "(at most %u)", k->name, k->max);
	*idx = *n;
	inst_init(c, k, *idx, name);
	(*n)++;
	return 0;
}

static const struct cfg_kind *kind(const char *name)
{
	return cfg_kind_find(name, strlen(name));
}

/* The kind's "kind" key, if it has one */
static const struct cfg_key *kind_key(const struct cfg_kind *k)
{
	return cfg_kind_key(k, "kind");
}

static bool has_choice(const char *const *choices, const char *s)
{
	for (; *choices; choices++)
		if (!strcmp(*choices, s))
			return true;
	return false;
}

/* The kinds' tables, as check_table() checks the fixed keys */
void cfg_kinds_check_table(void)
{
	const struct cfg_kind *k;
	const struct cfg_key *key, *kk;
	unsigned int base = 0;
	size_t i, j;

	for (i = 0; i < cfg_nkinds; base += cfg_kinds[i++].max) {
		k = &cfg_kinds[i];
		kk = kind_key(k);
		if (k->base != base || k->nkeys > CFG_IKEYS_MAX ||
		    cfg_find_section(k->name, strlen(k->name)) ||
		    (kk && kk->type != CFG_T_ENUM))
			goto broken;
		for (j = 0; j < k->nkeys; j++) {
			key = &k->keys[j];
			if (strcmp(key->section, k->name) ||
			    cfg_kind_key(k, key->name) != key ||
			    (key->flags & CFG_F_REQUIRED &&
			     key->type != CFG_T_STR) ||
			    (key->when && (!kk ||
					   !has_choice(kk->choices,
						       key->when))))
				goto broken;
		}
	}
	if (base > CFG_INSTANCES_MAX)
		goto broken;
	return;

 broken:
	fprintf(stderr, "config: key table of [%s] is broken\n",
		i < cfg_nkinds ? cfg_kinds[i].name : "kinds");
	abort();
}

/* ---- checks ------------------------------------------------------------- */

/* What the checks of one kind's instances need */
struct ictx {
	const struct gw_config *c;
	const struct pair_err *pe;
	const struct cfg_kind *k;
	struct tdm_layout layout;
	bool has_layout;		/* [tdm] spans parses */
	const char *spans;
	const struct origin *spans_org;
};

static const struct inst_origin *iorg(const struct ictx *x, unsigned int i)
{
	return x->pe->iorg ? &x->pe->iorg[x->k->base + i] : NULL;
}

/* Where key @p name of instance @p i was set (NULL: not known) */
static const struct origin *key_org(const struct ictx *x, unsigned int i,
				    const char *name)
{
	const struct inst_origin *io = iorg(x, i);
	const struct cfg_key *key = cfg_kind_key(x->k, name);

	return io && key ? &io->key[key - x->k->keys] : NULL;
}

static const char *str_field(const struct ictx *x, unsigned int i,
			     const char *name)
{
	const struct cfg_key *key = cfg_kind_key(x->k, name);

	return (const char *)cfg_cinst(x->c, x->k, i) + key->off;
}

/* Is instance @p i of kind @p when (a choice of its "kind" key)? */
static bool kind_is(const struct ictx *x, unsigned int i, const char *when)
{
	const struct cfg_key *kk = kind_key(x->k);
	int v, n;

	if (!kk)
		return false;
	memcpy(&v, (const char *)cfg_cinst(x->c, x->k, i) + kk->off,
	       sizeof(v));
	for (n = 0; kk->choices[n]; n++)
		;
	return v >= 0 && v < n && !strcmp(kk->choices[v], when);
}

/* Required keys of every instance, reported at its header */
static int check_required(const struct ictx *x)
{
	const struct cfg_key *key;
	const struct inst_origin *io;
	char label[LABEL_SIZE], when[48] = "";
	unsigned int i, n = cfg_inst_count(x->c, x->k);
	size_t j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < x->k->nkeys; j++) {
			key = &x->k->keys[j];
			if (!(key->flags & CFG_F_REQUIRED) ||
			    *((const char *)cfg_cinst(x->c, x->k, i) +
			      key->off))
				continue;
			if (key->when && !kind_is(x, i, key->when))
				continue;
			if (key->when)
				snprintf(when, sizeof(when), " (kind = %s)",
					 key->when);
			io = iorg(x, i);
			cfg_inst_label(x->c, x->k, i, label, sizeof(label));
			return cfg_fail_at(x->pe, io ? &io->hdr : NULL,
					   "[%s] %s is required%s", label,
					   key->name, when);
		}
	}
	return 0;
}

/* Owners of the card's lines: instance index + 1, 0: free */
struct owners {
	unsigned short of[CFG_TDM_SPANS_MAX][CFG_TDM_LINES_MAX];
};

static const char *sig_name(enum tdm_sig sig)
{
	return sig == TDM_SIG_FXS ? "fxs" : sig == TDM_SIG_FXO ? "fxo" : "e1";
}

/* Lines first..last of @p span on the card, of the right type for an
 * extension (fxs) or a trunk (fxo, e1)? */
static int check_on_card(const struct ictx *x, unsigned int i,
			 const char *key, const struct cfg_tdm_range *r,
			 bool fxs)
{
	const struct origin *o = cfg_later(key_org(x, i, key), x->spans_org);
	char label[LABEL_SIZE];
	enum tdm_sig sig;

	if (!x->has_layout)
		return 0;
	cfg_inst_label(x->c, x->k, i, label, sizeof(label));
	if (r->span >= x->layout.nspans)
		return cfg_fail_at(x->pe, o, "[%s] %s: the card has no span "
				   "%u ([tdm] spans = %s)", label, key,
				   r->span, x->spans);
	sig = x->layout.span[r->span].sig;
	if (fxs != (sig == TDM_SIG_FXS))
		return cfg_fail_at(x->pe, o, "[%s] %s: span %u is an %s span, "
				   "not %s ([tdm] spans = %s)", label, key,
				   r->span, sig_name(sig),
				   fxs ? "fxs" : "fxo or e1", x->spans);
	if (r->last >= x->layout.span[r->span].nchans)
		return cfg_fail_at(x->pe, o, "[%s] %s: span %u has lines "
				   "0..%u, not %u ([tdm] spans = %s)", label,
				   key, r->span,
				   x->layout.span[r->span].nchans - 1,
				   r->last, x->spans);
	return 0;
}

/* Give lines of @p r to instance @p i, unless another has one of them */
static int take_lines(const struct ictx *x, struct owners *ow,
		      unsigned int i, const char *key,
		      const struct cfg_tdm_range *r)
{
	char label[LABEL_SIZE], other[LABEL_SIZE];
	unsigned int line, o;

	for (line = r->first; line <= r->last; line++) {
		o = ow->of[r->span][line];
		if (o && o != i + 1) {
			cfg_inst_label(x->c, x->k, i, label, sizeof(label));
			cfg_inst_label(x->c, x->k, o - 1, other,
				       sizeof(other));
			return cfg_fail_at(x->pe, cfg_later(key_org(x, i, key),
					   key_org(x, o - 1, key)),
					   "[%s] %s: %u/%u is also the line "
					   "of [%s]", label, key, r->span,
					   line, other);
		}
		ow->of[r->span][line] = (unsigned short)(i + 1);
	}
	return 0;
}

/* [extension] line of the fxs extensions: on an fxs span, one each */
static int check_ext_lines(const struct ictx *x, struct owners *ow)
{
	struct cfg_tdm_range r;
	unsigned int i, n = cfg_inst_count(x->c, x->k);
	char label[LABEL_SIZE], why[160];
	struct quoted q;
	int rc;

	for (i = 0; i < n; i++) {
		if (!kind_is(x, i, "fxs"))
			continue;
		if (cfg_parse_tdm_line(str_field(x, i, "line"), &r.span,
				       &r.first, why, sizeof(why))) {
			cfg_inst_label(x->c, x->k, i, label, sizeof(label));
			return cfg_fail_at(x->pe, key_org(x, i, "line"),
					   "[%s] line: %s %s", label,
					   cfg_quote(&q, str_field(x, i,
								   "line")),
					   why);
		}
		r.last = r.first;
		rc = check_on_card(x, i, "line", &r, true);
		if (!rc)
			rc = take_lines(x, ow, i, "line", &r);
		if (rc)
			return rc;
	}
	return 0;
}

/* [trunk] lines of the tdm trunks, register of the sip trunks */
static int check_trunks(const struct ictx *x, struct owners *ow)
{
	struct cfg_tdm_lines l;
	unsigned int i, j, n = cfg_inst_count(x->c, x->k);
	char label[LABEL_SIZE], why[160];
	struct quoted q;
	int rc = 0;

	for (i = 0; i < n && !rc; i++) {
		const struct cfg_trunk *t = cfg_cinst(x->c, x->k, i);

		cfg_inst_label(x->c, x->k, i, label, sizeof(label));
		if (kind_is(x, i, "sip") && t->register_ && !t->username[0])
			rc = cfg_fail_at(x->pe,
					 cfg_later(key_org(x, i, "register"),
						   key_org(x, i, "username")),
					 "[%s] register needs a username",
					 label);
		if (rc || !kind_is(x, i, "tdm"))
			continue;
		if (cfg_parse_tdm_lines(t->lines, &l, why, sizeof(why)))
			return cfg_fail_at(x->pe, key_org(x, i, "lines"),
					   "[%s] lines: %s %s", label,
					   cfg_quote(&q, t->lines), why);
		for (j = 0; j < l.n && !rc; j++) {
			rc = check_on_card(x, i, "lines", &l.r[j], false);
			if (!rc)
				rc = take_lines(x, ow, i, "lines", &l.r[j]);
		}
	}
	return rc;
}

/* Key @p key of each instance names an instance of kind @p target */
static int check_refs(const struct ictx *x, const char *key,
		      const char *target)
{
	const struct cfg_kind *t = kind(target);
	unsigned int i, n = cfg_inst_count(x->c, x->k);
	char label[LABEL_SIZE];
	const char *v;

	for (i = 0; i < n; i++) {
		v = str_field(x, i, key);
		if (find(x->c, t, v) >= 0)
			continue;
		cfg_inst_label(x->c, x->k, i, label, sizeof(label));
		return cfg_fail_at(x->pe, key_org(x, i, key), "[%s] %s: there "
				   "is no [%s %.*s]", label, key, target,
				   (int)t->name_size - 1, v);
	}
	return 0;
}

static void ictx_init(struct ictx *x, const struct gw_config *c,
		      const struct pair_err *pe)
{
	memset(x, 0, sizeof(*x));
	x->c = c;
	x->pe = pe;
	x->spans = c->tdm.spans;
	x->has_layout = !tdm_layout_parse(c->tdm.spans, &x->layout, NULL, 0);
	x->spans_org = cfg_key_origin(pe, "tdm", "spans");
}

/**
 * The checks of the repeated sections, once every file is read: required
 * keys (at the instance's header), fxs extensions and tdm trunks on lines
 * the card has, of the right type, one owner each; the trunk of each
 * route, the extension of each DID.
 * @return 0, or -EINVAL with the reason in pe->err
 */
int cfg_inst_check(const struct gw_config *c, const struct pair_err *pe)
{
	struct owners ext_lines = { { { 0 } } }, trunk_lines = { { { 0 } } };
	struct ictx x;
	size_t i;
	int rc = 0;

	ictx_init(&x, c, pe);
	for (i = 0; i < cfg_nkinds && !rc; i++) {
		x.k = &cfg_kinds[i];
		rc = check_required(&x);
	}
	x.k = kind("extension");
	if (!rc)
		rc = check_ext_lines(&x, &ext_lines);
	x.k = kind("trunk");
	if (!rc)
		rc = check_trunks(&x, &trunk_lines);
	x.k = kind("route");
	if (!rc)
		rc = check_refs(&x, "trunk", "trunk");
	x.k = kind("did");
	if (!rc)
		rc = check_refs(&x, "extension", "extension");
	return rc;
}

/* ---- compare, write ----------------------------------------------------- */

/** Same instances, in the same order, with the same keys? */
bool cfg_inst_equal(const struct gw_config *a, const struct gw_config *b)
{
	const struct cfg_kind *k;
	unsigned int i, n;
	size_t j, m;

	for (j = 0; j < cfg_nkinds; j++) {
		k = &cfg_kinds[j];
		n = cfg_inst_count(a, k);
		if (n != cfg_inst_count(b, k))
			return false;
		for (i = 0; i < n; i++) {
			if (strncmp(inst_name(a, k, i), inst_name(b, k, i),
				    k->name_size))
				return false;
			for (m = 0; m < k->nkeys; m++)
				if (!cfg_key_equal(&k->keys[m],
						   cfg_cinst(a, k, i),
						   cfg_cinst(b, k, i)))
					return false;
		}
	}
	return true;
}

/** Write every instance, with every key, after the fixed sections. */
int cfg_inst_format(const struct gw_config *c, FILE *f)
{
	const struct cfg_kind *k;
	unsigned int i, n;
	size_t j, m;
	int rc;

	for (j = 0; j < cfg_nkinds; j++) {
		k = &cfg_kinds[j];
		n = cfg_inst_count(c, k);
		for (i = 0; i < n; i++) {
			fprintf(f, "\n[%s %.*s]\n", k->name,
				(int)k->name_size - 1, inst_name(c, k, i));
			for (m = 0; m < k->nkeys; m++) {
				rc = cfg_put_pair(f, &k->keys[m],
						  cfg_cinst(c, k, i));
				if (rc)
					return rc;
			}
		}
	}
	return 0;
}

static const char inst_intro[] =
	"Repeated sections: the PBX's provisioning.\n"
	"\n"
	"A header [KIND NAME] makes the instance NAME of KIND, with the "
	"defaults of its keys, or selects it again when it exists: a later "
	"file (the board file, a local file) adds instances, or changes keys "
	"of the ones before, or removes one with the key removed = true, "
	"which every kind has. A key is set at most once per instance in a "
	"file. Instances keep the order in which they first appear. At most "
	"256 extensions, 16 trunks, 64 routes and 256 DIDs.\n"
	"\n"
	"The kinds and their keys follow, each kind with an example; "
	"`gwconfig show` lists the instances of a configuration.";

_Static_assert(CFG_MAX_EXTENSIONS == 256 && CFG_MAX_TRUNKS == 16 &&
	       CFG_MAX_ROUTES == 64 && CFG_MAX_DIDS == 256,
	       "update inst_intro");

/* One key of a kind, as comments: "name: doc", then its type */
static void write_key_doc(FILE *f, const struct cfg_key *key)
{
	char text[600], desc[200];
	int n;

	cfg_describe(key, desc, sizeof(desc));
	n = snprintf(text, sizeof(text), "%s: %s\nType: %s.", key->name,
		     key->doc, desc);
	if (*key->def && n > 0 && (size_t)n < sizeof(text))
		n += snprintf(text + n, sizeof(text) - (size_t)n,
			      " Default: %s.", key->def);
	if (key->flags & CFG_F_REQUIRED && key->when && n > 0 &&
	    (size_t)n < sizeof(text))
		snprintf(text + n, sizeof(text) - (size_t)n,
			 " Required when kind = %s.", key->when);
	else if (key->flags & CFG_F_REQUIRED && n > 0 &&
		 (size_t)n < sizeof(text))
		snprintf(text + n, sizeof(text) - (size_t)n, " Required.");
	fputs(";\n", f);
	cfg_put_comment(f, text);
}

/** Document the kinds of repeated sections, for the defaults file. */
void cfg_inst_write_docs(FILE *f)
{
	const struct cfg_kind *k;
	const char *p;
	char head[400];
	size_t i, j, len;

	fputc('\n', f);
	cfg_put_comment(f, inst_intro);
	for (i = 0; i < cfg_nkinds; i++) {
		k = &cfg_kinds[i];
		snprintf(head, sizeof(head), "[%s %s]\n%s", k->name,
			 !strcmp(k->what, "number") ? "NUMBER" : "NAME",
			 k->doc);
		fputc('\n', f);
		cfg_put_comment(f, head);
		for (j = 0; j < k->nkeys; j++)
			write_key_doc(f, &k->keys[j]);
		fputs(";\n; Example:\n;\n", f);
		for (p = k->example; *p; p += len + (p[len] == '\n')) {
			len = strcspn(p, "\n");
			fprintf(f, len ? "; %.*s\n" : ";%.*s\n", (int)len, p);
		}
	}
}
