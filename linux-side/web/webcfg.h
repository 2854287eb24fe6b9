/* SPDX-License-Identifier: MIT */
/** @file webcfg.h  The web UI's configuration edits
 *
 * Every change starts from the files as they are now (another tool may
 * have changed them): the effective configuration (defaults, board file,
 * local file) and the base (the same without the local file). A request's
 * JSON is applied to a copy with the schema's own parsers and messages
 * (board/config.h), checked across keys (cfg_validate()), and written as a
 * new local file holding what differs from the base (cfg_format_diff()):
 * into a temporary file beside it, fsync'ed, read back with the same
 * loader every process uses and compared, and only then renamed over the
 * local file (and the folder fsync'ed). A failure at any step leaves the
 * file as it was.
 *
 * Secrets (passwords of extensions and trunks) are never sent back: a
 * listing says "password_set"; an update with an empty or absent password
 * keeps the one set.
 */
#ifndef LINUX_SIDE_WEB_WEBCFG_H
#define LINUX_SIDE_WEB_WEBCFG_H

#include <jansson.h>
#include <stdbool.h>

#include "board/config.h"
#include "linux-side/web/webreq.h"

#define WEBCFG_MAX_FILE	(1024 * 1024)	/**< a restored configuration */

int  webcfg_load(const char *local, struct gw_config *cur,
		 struct gw_config *base, struct webreq_err *e);
json_t *webcfg_inst_json(const struct gw_config *c, const char *kind,
			 unsigned int i);
json_t *webcfg_kind_json(const struct gw_config *c, const char *kind);
int  webcfg_inst_apply(struct gw_config *c, const char *kind,
		       const char *name, const json_t *o, bool create,
		       struct webreq_err *e);
int  webcfg_fixed_apply(struct gw_config *c, const char *section,
			const json_t *o, const char *const *keys,
			struct webreq_err *e);
int  webcfg_validate(const struct gw_config *c, struct webreq_err *e);
int  webcfg_write(const char *local, const struct gw_config *base,
		  const struct gw_config *c, struct webreq_err *e);
int  webcfg_restore(const char *local, const char *text, size_t len,
		    struct gw_config *out, struct webreq_err *e);

#endif /* LINUX_SIDE_WEB_WEBCFG_H */
