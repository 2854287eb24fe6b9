// SPDX-License-Identifier: MIT
/** @file webcfg.c  The web UI's configuration edits */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "linux-side/web/webcfg.h"

#define VALUE_MAX	512

/* The key a message of the configuration module is about: "[extension
 * 1005] password: ..." gives "password" */
static void field_of(const char *reason, char *field, size_t size)
{
	const char *p = strstr(reason, "] ");
	size_t n = 0;

	field[0] = '\0';
	if (!p)
		return;
	p += 2;
	while (p[n] && (isalnum((unsigned char)p[n]) || p[n] == '_'))
		n++;
	if (n && (p[n] == ':' || p[n] == ' ') && n < size)
		snprintf(field, size, "%.*s", (int)n, p);
}

static int cfg_fail(struct webreq_err *e, int status, const char *field,
		    const struct cfg_err *ce)
{
	char f[64];

	if (!field) {
		field_of(ce->reason, f, sizeof(f));
		field = f;
	}
	return webreq_fail(e, status, field, "%s", ce->reason);
}

/**
 * Load the configuration as the processes do: @p cur with the local file
 * @p local (NULL: none), @p base without it (either may be NULL).
 * @return 0, or a negative errno with @p e filled (500: the files on the
 *	   appliance do not load)
 */
int webcfg_load(const char *local, struct gw_config *cur,
		struct gw_config *base, struct webreq_err *e)
{
	struct cfg_err ce;
	char msg[600];
	int rc = 0;

	if (cur)
		rc = cfg_load_env(cur, local, &ce);
	if (!rc && base)
		rc = cfg_load_env(base, NULL, &ce);
	if (rc)
		webreq_fail(e, 500, "", "the configuration files do not load: "
			    "%s", cfg_err_str(&ce, msg, sizeof(msg)));
	return rc;
}

static bool is_secret(const char *key)
{
	return !strcmp(key, "password");
}

/** Instance @p i of @p kind as a JSON object: its name and every key,
 *  typed; a secret as "KEY_set": true/false. */
json_t *webcfg_inst_json(const struct gw_config *c, const char *kind,
			 unsigned int i)
{
	const char *name = cfg_inst_name(c, kind, i), *what;
	struct cfg_key_info ki;
	char v[VALUE_MAX], sk[64];
	json_t *o;

	if (!name || cfg_kind_info(kind, &what))
		return NULL;
	o = json_object();
	json_object_set_new(o, what, json_string(name));
	for (size_t k = 0; !cfg_inst_key_info(kind, k, &ki); k++) {
		if (cfg_inst_get(c, kind, name, ki.name, v, sizeof(v)))
			continue;
		if (is_secret(ki.name)) {
			snprintf(sk, sizeof(sk), "%s_set", ki.name);
			json_object_set_new(o, sk, json_boolean(v[0]));
		} else if (ki.value == CFG_VALUE_INT) {
			json_object_set_new(o, ki.name,
					    json_integer(strtoll(v, NULL, 10)));
		} else if (ki.value == CFG_VALUE_BOOL) {
			json_object_set_new(o, ki.name,
					    json_boolean(!strcmp(v, "true")));
		} else {
			json_object_set_new(o, ki.name, json_string(v));
		}
	}
	return o;
}

/** Every instance of @p kind, in order, as a JSON array. */
json_t *webcfg_kind_json(const struct gw_config *c, const char *kind)
{
	json_t *a = json_array();

	for (unsigned int i = 0; i < cfg_inst_n(c, kind); i++)
		json_array_append_new(a, webcfg_inst_json(c, kind, i));
	return a;
}

/* set one member of a request on instance @p name */
static int set_key(struct gw_config *c, const char *kind, const char *name,
		   const char *key, const json_t *v, bool create,
		   struct webreq_err *e)
{
	struct cfg_err ce;
	char text[VALUE_MAX];

	if (webreq_text(v, key, text, sizeof(text), e))
		return -EINVAL;
	if (is_secret(key) && !create && !text[0])
		return 0;	/* keep the password set */
	if (cfg_inst_set(c, kind, name, key, text, &ce))
		return cfg_fail(e, 400, key, &ce);
	return 0;
}

/**
 * Apply a request's object @p o to instance @p name of @p kind: create it
 * (@p create; the name is then the member "number" or "name" of @p o) or
 * change the keys @p o names. Unknown members, bad values and a changed
 * name are refused; cross-key checks are webcfg_validate()'s.
 * @return 0, or a negative errno with @p e filled (404: no such instance,
 *	   409: it exists already)
 */
int webcfg_inst_apply(struct gw_config *c, const char *kind,
		      const char *name, const json_t *o, bool create,
		      struct webreq_err *e)
{
	struct cfg_key_info ki;
	const char *what, *key;
	char nm[64], text[64];
	struct cfg_err ce;
	json_t *v, *nv;
	int rc;

	if (cfg_kind_info(kind, &what))
		return webreq_fail(e, 404, "", "no such kind %s", kind);
	json_object_foreach((json_t *)o, key, v) {
		if (!strcmp(key, what))
			continue;
		for (size_t k = 0; !cfg_inst_key_info(kind, k, &ki); k++)
			if (!strcmp(ki.name, key))
				goto known;
		return webreq_fail(e, 400, key, "%.60s: unknown field of %s",
				   key, kind);
 known:
		;
	}
	nv = json_object_get(o, what);
	if (create) {
		if (!nv)
			return webreq_fail(e, 400, what, "%s: required", what);
		if (webreq_text(nv, what, nm, sizeof(nm), e))
			return -EINVAL;
		rc = cfg_inst_add(c, kind, nm, &ce);
		if (rc)
			return cfg_fail(e, rc == -EEXIST ? 409 : 400, what,
					&ce);
		name = nm;
	} else {
		if (cfg_inst_find(c, kind, name) < 0)
			return webreq_fail(e, 404, what, "there is no %s %s",
					   kind, name);
		if (nv && (webreq_text(nv, what, text, sizeof(text), e) ||
			   strcmp(text, name)))
			return webreq_fail(e, 400, what, "%s: cannot be "
					   "changed (remove the %s and add it "
					   "again)", what, kind);
	}
	/* the kind first: what a key requires depends on it */
	v = json_object_get(o, "kind");
	if (v && set_key(c, kind, name, "kind", v, create, e))
		return -EINVAL;
	json_object_foreach((json_t *)o, key, v) {
		if (!strcmp(key, what) || !strcmp(key, "kind"))
			continue;
		if (set_key(c, kind, name, key, v, create, e))
			return -EINVAL;
	}
	return 0;
}

/**
 * Apply the members of @p o to fixed section @p section; @p keys (NULL-
 * terminated) are the members allowed.
 * @return 0, or a negative errno with @p e filled
 */
int webcfg_fixed_apply(struct gw_config *c, const char *section,
		       const json_t *o, const char *const *keys,
		       struct webreq_err *e)
{
	char text[VALUE_MAX];
	struct cfg_err ce;
	const char *key;
	json_t *v;

	if (webreq_only(o, keys, e))
		return -EINVAL;
	json_object_foreach((json_t *)o, key, v) {
		if (webreq_text(v, key, text, sizeof(text), e))
			return -EINVAL;
		if (cfg_set(c, section, key, text, &ce))
			return cfg_fail(e, 400, key, &ce);
	}
	return 0;
}

/** The checks across keys; a failure is a 409 about the key it names. */
int webcfg_validate(const struct gw_config *c, struct webreq_err *e)
{
	struct cfg_err ce;

	if (cfg_validate(c, &ce))
		return cfg_fail(e, 409, NULL, &ce);
	return 0;
}

static void sync_dir(const char *path)
{
	char dir[PATH_MAX], *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	fd = open(!slash ? "." : dir[0] ? dir : "/",
		  O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* the temporary file beside @p local, opened for writing */
static FILE *open_tmp(const char *local, char *tmp, size_t size,
		      struct webreq_err *e)
{
	int fd;
	FILE *f;

	if (snprintf(tmp, size, "%s.webd-tmp", local) >= (int)size) {
		webreq_fail(e, 500, "", "path too long: %s", local);
		return NULL;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		webreq_fail(e, 500, "", "cannot write %s: %s", tmp,
			    strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	return f;
}

/* flush, fsync and close @p f; 0 or -errno */
static int close_synced(FILE *f)
{
	int rc = 0;

	if (fflush(f) || fsync(fileno(f)))
		rc = -errno;
	if (fclose(f) && !rc)
		rc = -errno;
	return rc;
}

/* rename @p tmp over @p local and make it durable */
static int commit(const char *tmp, const char *local, struct webreq_err *e)
{
	if (rename(tmp, local)) {
		int rc = -errno;

		unlink(tmp);
		return webreq_fail(e, 500, "", "cannot replace %s: %s", local,
				   strerror(-rc));
	}
	sync_dir(local);
	return 0;
}

/**
 * Write @p c as the local file @p local over @p base (what differs), so
 * that the processes load exactly @p c; atomically.
 * @return 0, or a negative errno with @p e filled (409: @p c lacks an
 *	   instance of the base; 500: the file cannot be written)
 */
int webcfg_write(const char *local, const struct gw_config *base,
		 const struct gw_config *c, struct webreq_err *e)
{
	struct gw_config *chk = NULL;
	char tmp[PATH_MAX], stamp[64];
	struct cfg_err ce;
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;
	int rc;

	if (!local || !local[0])
		return webreq_fail(e, 503, "", "this gateway was started "
				   "without a local configuration file "
				   "(--config): changes cannot be kept");
	f = open_tmp(local, tmp, sizeof(tmp), e);
	if (!f)
		return -EIO;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fprintf(f, "; Local settings of this gateway, written by the web UI "
		"(webd) on %s.\n; Read after the appliance defaults and the "
		"board file: only what differs\n; from them is here.\n\n",
		stamp);
	memset(&ce, 0, sizeof(ce));
	rc = cfg_format_diff(base, c, f, &ce);
	if (rc) {
		fclose(f);
		unlink(tmp);
		if (rc == -EPERM)
			return cfg_fail(e, 409, "", &ce);
		return webreq_fail(e, 500, "", "cannot write %s: %s", tmp,
				   ce.reason[0] ? ce.reason : strerror(-rc));
	}
	rc = close_synced(f);
	if (rc) {
		unlink(tmp);
		return webreq_fail(e, 500, "", "cannot write %s: %s", tmp,
				   strerror(-rc));
	}
	/* read it back as every process will */
	chk = malloc(sizeof(*chk));
	rc = chk ? cfg_load_env(chk, tmp, &ce) : -ENOMEM;
	if (!rc && !cfg_equal(chk, c))
		rc = -EPROTO;
	free(chk);
	if (rc) {
		unlink(tmp);
		return webreq_fail(e, 500, "", "the file written does not read "
				   "back as wanted (%s): nothing changed",
				   rc == -EPROTO ? "different" : ce.reason);
	}
	return commit(tmp, local, e);
}

/**
 * Replace the local file @p local with @p text (a backup) once it loads,
 * over the defaults and board file, as every process will load it.
 * @param out  receives the configuration it gives
 * @return 0, or a negative errno with @p e filled ("line N: reason")
 */
int webcfg_restore(const char *local, const char *text, size_t len,
		   struct gw_config *out, struct webreq_err *e)
{
	char tmp[PATH_MAX];
	struct cfg_err ce;
	FILE *f;
	int rc;

	if (!local || !local[0])
		return webreq_fail(e, 503, "", "this gateway was started "
				   "without a local configuration file "
				   "(--config): nothing to restore");
	if (len > WEBCFG_MAX_FILE)
		return webreq_fail(e, 413, "config", "the file is too large "
				   "(%zu bytes, at most %d)", len,
				   WEBCFG_MAX_FILE);
	if (memchr(text, '\0', len))
		return webreq_fail(e, 400, "config", "the file holds a NUL "
				   "byte: not a configuration file");
	f = open_tmp(local, tmp, sizeof(tmp), e);
	if (!f)
		return -EIO;
	if (len && fwrite(text, 1, len, f) != len) {
		fclose(f);
		unlink(tmp);
		return webreq_fail(e, 500, "", "cannot write %s", tmp);
	}
	rc = close_synced(f);
	if (!rc)
		rc = cfg_load_env(out, tmp, &ce);
	else
		snprintf(ce.reason, sizeof(ce.reason), "%s", strerror(-rc));
	if (rc) {
		unlink(tmp);
		if (!strcmp(ce.file, tmp) && ce.line)
			return webreq_fail(e, 400, "config", "line %u: %s",
					   ce.line, ce.reason);
		if (!strcmp(ce.file, tmp) || !ce.file[0])
			return webreq_fail(e, 400, "config", "%s", ce.reason);
		return webreq_fail(e, 400, "config", "%s:%u: %s", ce.file,
				   ce.line, ce.reason);
	}
	return commit(tmp, local, e);
}
