/* SPDX-License-Identifier: MIT */
/** @file bconn.h  Connections of the CDR protocol: TCP, optionally TLS,
 *  with timeouts, and the frames of billing/bproto.h over them
 *
 * A struct btls is an OpenSSL context: a client's verifies the server's
 * certificate against a CA file and the name it must carry (a DNS name or
 * an IP address) and may show a client certificate; a server's shows its
 * certificate and, with a client CA, requires one from every client. TLS
 * 1.2 at least.
 *
 * A struct bconn is one connection: its socket is non-blocking and every
 * call takes a timeout in milliseconds, so a dead peer never blocks a
 * thread for longer. Each connection is used by one thread at a time.
 * Programs using this module must ignore SIGPIPE (OpenSSL writes with
 * write(2)).
 *
 * Errors: -EAGAIN timed out; -ENODATA the peer closed cleanly before the
 * first byte of a read; -ECONNRESET it closed in the middle; -EPROTO a TLS
 * failure (the reason, from OpenSSL, in the why buffer); other -errno from
 * the socket calls.
 */
#ifndef BILLING_BCONN_H
#define BILLING_BCONN_H

#include <stddef.h>
#include <stdint.h>

#include "billing/bproto.h"

struct btls;
struct bconn;

int  bconn_hostport(const char *s, char *host, size_t hostlen,
		    uint16_t *port);
int  btls_client_new(struct btls **tp, const char *ca_file,
		     const char *cert, const char *key, char *why,
		     size_t whylen);
int  btls_server_new(struct btls **tp, const char *cert, const char *key,
		     const char *client_ca, char *why, size_t whylen);
struct btls *btls_free(struct btls *t);

int  bconn_connect(struct bconn **cp, const char *hostport, struct btls *tls,
		   const char *server_name, int timeout_ms, char *why,
		   size_t whylen);
int  bconn_listen(const char *hostport, uint16_t *port, char *why,
		  size_t whylen);
int  bconn_accept(struct bconn **cp, int fd, struct btls *tls,
		  int timeout_ms, char *why, size_t whylen);
int  bconn_tls_accept(struct bconn *c, struct btls *tls, int timeout_ms,
		      char *why, size_t whylen);
struct bconn *bconn_close(struct bconn *c);
const char *bconn_peer(const struct bconn *c);

int  bconn_wait(struct bconn *c, int timeout_ms);
int  bconn_read(struct bconn *c, void *buf, size_t len, int timeout_ms);
int  bconn_write(struct bconn *c, const void *buf, size_t len,
		 int timeout_ms);
int  bconn_send_frame(struct bconn *c, uint8_t type, const char *body,
		      size_t len, int timeout_ms);
int  bconn_recv_frame(struct bconn *c, struct bproto_hdr *h, char **body,
		      struct bproto_err *e, int timeout_ms);

#endif /* BILLING_BCONN_H */
