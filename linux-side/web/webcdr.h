/* SPDX-License-Identifier: MIT */
/** @file webcdr.h  CDRs for the web UI: the billing server's HTTP queries
 *  and billingd's delivery state
 *
 * The billing server answers GET /cdrs?FILTERS with a JSON array
 * (billing/bhttp.h); webd asks it with a small HTTP/1.0 client (one
 * request per connection, a deadline on connect and on the whole reply,
 * at most WEBCDR_MAX_REPLY bytes). billingd rewrites
 * <[billing] spool_dir>/status.json whenever its state changes
 * (billing/billingd_main.c): queue depth, last delivery, last error.
 */
#ifndef LINUX_SIDE_WEB_WEBCDR_H
#define LINUX_SIDE_WEB_WEBCDR_H

#include <jansson.h>
#include <stddef.h>

#define WEBCDR_MAX_REPLY	(4 * 1024 * 1024)
#define WEBCDR_TIMEOUT_MS	3000

int  webcdr_get(const char *url, const char *token, const char *path,
		json_t **body, char *why, size_t size);
json_t *webcdr_delivery(const char *spool_dir, char *why, size_t size);

#endif /* LINUX_SIDE_WEB_WEBCDR_H */
