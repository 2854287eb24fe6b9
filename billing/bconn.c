// SPDX-License-Identifier: MIT
/** @file bconn.c  CDR protocol connections: TCP and TLS with timeouts */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "billing/bconn.h"
#include "rtos-kernel/rtk.h"

struct btls {
	SSL_CTX *ctx;
	bool server;
};

struct bconn {
	int fd;
	SSL *ssl;
	char peer[64];
};

/* wait for @p ev on @p fd until @p deadline (ms, CLOCK_MONOTONIC) */
static int wait_fd(int fd, short ev, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };

	for (;;) {
		int64_t left = deadline - rtk_now_ms();
		int r;

		if (left <= 0)
			return -EAGAIN;
		r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (r > 0)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

static const char *errstr(int err)
{
	return err == -EAGAIN ? "timed out" : strerror(-err);
}

static void ssl_why(char *why, size_t whylen, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[200] = "unknown error";

	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(why, whylen, "%s: %s", what, buf);
	ERR_clear_error();
}

/**
 * Split "host:port" (port 0..65535).
 * @return 0, or -EINVAL
 */
int bconn_hostport(const char *s, char *host, size_t hostlen, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	char *end;
	unsigned long p;

	if (!colon || colon == s || (size_t)(colon - s) >= hostlen)
		return -EINVAL;
	p = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || p > 65535)
		return -EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	*port = (uint16_t)p;
	return 0;
}

static int tls_new(struct btls **tp, bool server, char *why, size_t whylen)
{
	struct btls *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->server = server;
	t->ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	if (!t->ctx) {
		ssl_why(why, whylen, "TLS context");
		free(t);
		return -EPROTO;
	}
	SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION);
	SSL_CTX_set_mode(t->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	*tp = t;
	return 0;
}

static int use_cert(struct btls *t, const char *cert, const char *key,
		    char *why, size_t whylen)
{
	if (SSL_CTX_use_certificate_chain_file(t->ctx, cert) != 1) {
		ssl_why(why, whylen, cert);
		return -EPROTO;
	}
	if (SSL_CTX_use_PrivateKey_file(t->ctx, key && *key ? key : cert,
					SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(t->ctx) != 1) {
		ssl_why(why, whylen, key && *key ? key : cert);
		return -EPROTO;
	}
	return 0;
}

/**
 * A client TLS context: the server's certificate must chain to a CA in
 * @p ca_file; @p cert and @p key (may be NULL or "") are shown when the
 * server asks for a client certificate.
 * @return 0, -EPROTO (reason from OpenSSL in @p why) or -ENOMEM
 */
int btls_client_new(struct btls **tp, const char *ca_file, const char *cert,
		    const char *key, char *why, size_t whylen)
{
	struct btls *t;
	int err = tls_new(&t, false, why, whylen);

	if (err)
		return err;
	if (SSL_CTX_load_verify_locations(t->ctx, ca_file, NULL) != 1) {
		ssl_why(why, whylen, ca_file);
		btls_free(t);
		return -EPROTO;
	}
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
	if (cert && *cert) {
		err = use_cert(t, cert, key, why, whylen);
		if (err) {
			btls_free(t);
			return err;
		}
	}
	*tp = t;
	return 0;
}

/**
 * A server TLS context with certificate @p cert and key @p key; when
 * @p client_ca is set (not NULL or ""), clients must show a certificate
 * signed by it. @return 0, -EPROTO (reason in @p why) or -ENOMEM
 */
int btls_server_new(struct btls **tp, const char *cert, const char *key,
		    const char *client_ca, char *why, size_t whylen)
{
	struct btls *t;
	int err = tls_new(&t, true, why, whylen);

	if (err)
		return err;
	err = use_cert(t, cert, key, why, whylen);
	if (!err && client_ca && *client_ca) {
		if (SSL_CTX_load_verify_locations(t->ctx, client_ca,
						  NULL) != 1) {
			ssl_why(why, whylen, client_ca);
			err = -EPROTO;
		}
		SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER |
				   SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	if (err) {
		btls_free(t);
		return err;
	}
	*tp = t;
	return 0;
}

/** Free a TLS context (NULL allowed). @return NULL */
struct btls *btls_free(struct btls *t)
{
	if (t) {
		SSL_CTX_free(t->ctx);
		free(t);
	}
	return NULL;
}

static struct bconn *conn_new(int fd)
{
	struct bconn *c = calloc(1, sizeof(*c));
	int one = 1;

	if (!c)
		return NULL;
	c->fd = fd;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return c;
}

/* drive a TLS handshake to its end, or to the deadline */
static int handshake(struct bconn *c, int64_t deadline, char *why,
		     size_t whylen)
{
	for (;;) {
		int r = SSL_do_handshake(c->ssl), e, err;

		if (r == 1)
			return 0;
		e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			err = wait_fd(c->fd, e == SSL_ERROR_WANT_READ ?
				      POLLIN : POLLOUT, deadline);
			if (err) {
				snprintf(why, whylen, "TLS handshake: %s",
					 errstr(err));
				return err;
			}
			continue;
		}
		if (SSL_get_verify_result(c->ssl) != X509_V_OK) {
			snprintf(why, whylen, "TLS: peer certificate: %s",
				 X509_verify_cert_error_string(
					 SSL_get_verify_result(c->ssl)));
			ERR_clear_error();
		} else {
			ssl_why(why, whylen, "TLS handshake");
		}
		return -EPROTO;
	}
}

static int start_tls(struct bconn *c, struct btls *tls, const char *name,
		     int64_t deadline, char *why, size_t whylen)
{
	unsigned char ip[16];

	c->ssl = SSL_new(tls->ctx);
	if (!c->ssl || !SSL_set_fd(c->ssl, c->fd)) {
		ssl_why(why, whylen, "TLS");
		return -EPROTO;
	}
	if (tls->server) {
		SSL_set_accept_state(c->ssl);
	} else {
		X509_VERIFY_PARAM *vp = SSL_get0_param(c->ssl);

		if (inet_pton(AF_INET, name, ip) == 1 ||
		    inet_pton(AF_INET6, name, ip) == 1) {
			X509_VERIFY_PARAM_set1_ip_asc(vp, name);
		} else {
			SSL_set_tlsext_host_name(c->ssl, name);
			SSL_set1_host(c->ssl, name);
		}
		SSL_set_connect_state(c->ssl);
	}
	return handshake(c, deadline, why, whylen);
}

/**
 * Connect to "host:port", then start TLS over it when @p tls is set, the
 * server's certificate having to name @p server_name (NULL or "": the
 * host). The whole takes at most @p timeout_ms.
 * @param why  the reason on error
 * @return 0 (@p cp set) or a negative errno (bconn.h)
 */
int bconn_connect(struct bconn **cp, const char *hostport, struct btls *tls,
		  const char *server_name, int timeout_ms, char *why,
		  size_t whylen)
{
	int64_t deadline = rtk_now_ms() + timeout_ms;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	char host[256], port[8];
	struct bconn *c;
	uint16_t p;
	int fd, err, soerr = 0;
	socklen_t sl = sizeof(soerr);

	if (bconn_hostport(hostport, host, sizeof(host), &p)) {
		snprintf(why, whylen, "\"%s\" is not host:port", hostport);
		return -EINVAL;
	}
	snprintf(port, sizeof(port), "%u", p);
	err = getaddrinfo(host, port, &hints, &ai);
	if (err) {
		snprintf(why, whylen, "%s: %s", host, gai_strerror(err));
		return -EHOSTUNREACH;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0 || (connect(fd, ai->ai_addr, ai->ai_addrlen) &&
		       errno != EINPROGRESS)) {
		err = -errno;
		goto fail;
	}
	freeaddrinfo(ai);
	ai = NULL;
	err = wait_fd(fd, POLLOUT, deadline);
	if (!err && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl))
		err = -errno;
	if (!err && soerr)
		err = -soerr;
	if (err)
		goto fail;
	c = conn_new(fd);
	if (!c) {
		err = -ENOMEM;
		goto fail;
	}
	snprintf(c->peer, sizeof(c->peer), "%s", hostport);
	if (tls) {
		err = start_tls(c, tls, server_name && *server_name ?
				server_name : host, deadline, why, whylen);
		if (err) {
			bconn_close(c);
			return err;
		}
	}
	*cp = c;
	return 0;

 fail:
	snprintf(why, whylen, "connect %s: %s", hostport, errstr(err));
	if (ai)
		freeaddrinfo(ai);
	if (fd >= 0)
		close(fd);
	return err;
}

/**
 * A listening TCP socket on "host:port" (IPv4 or a name; port 0 picks
 * one, returned in @p port).
 * @return the socket (non-blocking, close-on-exec), or a negative errno
 */
int bconn_listen(const char *hostport, uint16_t *port, char *why,
		 size_t whylen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE }, *ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[256], ps[8];
	uint16_t p;
	int fd, one = 1, err;

	if (bconn_hostport(hostport, host, sizeof(host), &p)) {
		snprintf(why, whylen, "\"%s\" is not host:port", hostport);
		return -EINVAL;
	}
	snprintf(ps, sizeof(ps), "%u", p);
	err = getaddrinfo(host, ps, &hints, &ai);
	if (err) {
		snprintf(why, whylen, "%s: %s", host, gai_strerror(err));
		return -EADDRNOTAVAIL;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) ||
	    listen(fd, 128) ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl)) {
		err = -errno;
		snprintf(why, whylen, "listen %s: %s", hostport,
			 strerror(-err));
		freeaddrinfo(ai);
		if (fd >= 0)
			close(fd);
		return err;
	}
	freeaddrinfo(ai);
	*port = ntohs(ss.ss_family == AF_INET6 ?
		      ((struct sockaddr_in6 *)&ss)->sin6_port :
		      ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

/**
 * Accept one connection on listening socket @p fd (readable), and run the
 * TLS handshake when @p tls is set, within @p timeout_ms.
 * @return 0 (@p cp set), -EAGAIN (nothing to accept), or a negative errno
 */
int bconn_accept(struct bconn **cp, int fd, struct btls *tls, int timeout_ms,
		 char *why, size_t whylen)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char addr[INET6_ADDRSTRLEN] = "?";
	struct bconn *c;
	int cfd = accept4(fd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC), err;

	if (cfd < 0) {
		err = errno == EWOULDBLOCK ? -EAGAIN : -errno;
		snprintf(why, whylen, "accept: %s", strerror(-err));
		return err;
	}
	c = conn_new(cfd);
	if (!c) {
		close(cfd);
		return -ENOMEM;
	}
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof(addr));
		snprintf(c->peer, sizeof(c->peer), "%s:%u", addr,
			 ntohs(s4->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof(addr));
		snprintf(c->peer, sizeof(c->peer), "[%s]:%u", addr,
			 ntohs(s6->sin6_port));
	}
	if (tls) {
		err = bconn_tls_accept(c, tls, timeout_ms, why, whylen);
		if (err) {
			bconn_close(c);
			return err;
		}
	}
	*cp = c;
	return 0;
}

/**
 * Run the server side of a TLS handshake on an accepted connection (for a
 * server that accepts with no @p tls and shakes hands in another thread).
 * @return 0, or -EPROTO, -EAGAIN (timed out) and the like; the caller
 *         closes @p c on error
 */
int bconn_tls_accept(struct bconn *c, struct btls *tls, int timeout_ms,
		     char *why, size_t whylen)
{
	if (!tls->server)
		return -EINVAL;
	return start_tls(c, tls, NULL, rtk_now_ms() + timeout_ms, why, whylen);
}

/** The peer, "address:port" (server side) or "host:port" (client). */
const char *bconn_peer(const struct bconn *c)
{
	return c->peer;
}

/** Close the connection (NULL allowed). @return NULL */
struct bconn *bconn_close(struct bconn *c)
{
	if (!c)
		return NULL;
	if (c->ssl) {
		SSL_shutdown(c->ssl);	/* close_notify, not waiting */
		SSL_free(c->ssl);
	}
	close(c->fd);
	free(c);
	return NULL;
}

/* one step of I/O: bytes moved (> 0), or a negative errno, or -EINPROGRESS
 * with *ev set to what to wait for */
static ssize_t io_step(struct bconn *c, void *buf, size_t len, bool wr,
		       short *ev)
{
	ssize_t r;

	if (c->ssl) {
		int n = len > 1 << 30 ? 1 << 30 : (int)len, e;

		ERR_clear_error();
		r = wr ? SSL_write(c->ssl, buf, n) : SSL_read(c->ssl, buf, n);
		if (r > 0)
			return r;
		e = SSL_get_error(c->ssl, (int)r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			*ev = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
			return -EINPROGRESS;
		}
		ERR_clear_error();
		return e == SSL_ERROR_ZERO_RETURN ? 0 : -ECONNRESET;
	}
	r = wr ? send(c->fd, buf, len, MSG_NOSIGNAL) : recv(c->fd, buf, len, 0);
	if (r >= 0)
		return r;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
		*ev = wr ? POLLOUT : POLLIN;
		return -EINPROGRESS;
	}
	return -errno;
}

static int io_full(struct bconn *c, void *buf, size_t len, bool wr,
		   int timeout_ms)
{
	int64_t deadline = rtk_now_ms() + timeout_ms;
	size_t done = 0;

	while (done < len) {
		short ev = 0;
		ssize_t r = io_step(c, (char *)buf + done, len - done, wr, &ev);
		int err;

		if (r == -EINPROGRESS) {
			err = wait_fd(c->fd, ev, deadline);
			if (err)
				return err;
			continue;
		}
		if (r == 0)
			return done || wr ? -ECONNRESET : -ENODATA;
		if (r < 0)
			return (int)r == -EPIPE ? -ECONNRESET : (int)r;
		done += (size_t)r;
	}
	return 0;
}

/** Wait until the connection has something to read (or was closed).
 *  @return 0, or -EAGAIN after @p timeout_ms */
int bconn_wait(struct bconn *c, int timeout_ms)
{
	if (c->ssl && SSL_pending(c->ssl) > 0)
		return 0;
	return wait_fd(c->fd, POLLIN, rtk_now_ms() + timeout_ms);
}

/** Read exactly @p len bytes within @p timeout_ms. @return 0 or a
 *  negative errno (bconn.h) */
int bconn_read(struct bconn *c, void *buf, size_t len, int timeout_ms)
{
	return io_full(c, buf, len, false, timeout_ms);
}

/** Write all @p len bytes within @p timeout_ms. @return 0 or a negative
 *  errno */
int bconn_write(struct bconn *c, const void *buf, size_t len, int timeout_ms)
{
	return io_full(c, (void *)buf, len, true, timeout_ms);
}

/** Send one frame (header and @p len bytes of body) within @p timeout_ms.
 *  @return 0 or a negative errno */
int bconn_send_frame(struct bconn *c, uint8_t type, const char *body,
		     size_t len, int timeout_ms)
{
	uint8_t h[BPROTO_HDR];
	int err;

	if (len > BPROTO_MAX_BODY)
		return -EMSGSIZE;
	bproto_hdr_put(h, type, (uint32_t)len);
	err = bconn_write(c, h, sizeof(h), timeout_ms);
	return err ? err : bconn_write(c, body, len, timeout_ms);
}

/**
 * Receive one frame within @p timeout_ms: the header is checked
 * (bproto_hdr_parse()) before its body is read.
 * @param body  the body, malloc'd and NUL-terminated (free it)
 * @param e     when the header is refused, the Error to answer with
 * @return 0; -EBADMSG, -EPROTO, -EMSGSIZE (header refused, see @p e);
 *         -ENODATA (the peer closed between frames), or a negative errno
 */
int bconn_recv_frame(struct bconn *c, struct bproto_hdr *h, char **body,
		     struct bproto_err *e, int timeout_ms)
{
	uint8_t raw[BPROTO_HDR];
	int err = bconn_read(c, raw, sizeof(raw), timeout_ms);

	*body = NULL;
	if (err)
		return err;
	err = bproto_hdr_parse(raw, h, e);
	if (err)
		return err;
	*body = malloc(h->len + 1);
	if (!*body)
		return -ENOMEM;
	err = bconn_read(c, *body, h->len, timeout_ms);
	if (err) {
		free(*body);
		*body = NULL;
		return err == -ENODATA ? -ECONNRESET : err;
	}
	(*body)[h->len] = '\0';
	return 0;
}
