// SPDX-License-Identifier: MIT
/** @file webcdr.c  CDRs for the web UI: the billing server's HTTP queries
 *  and billingd's delivery state */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "linux-side/web/webcdr.h"
#include "rtos-kernel/rtk.h"

/* wait until @p fd is ready for @p ev, or the deadline: 0 or -ETIMEDOUT */
static int wait_fd(int fd, short ev, long long deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };
	long long left = deadline - rtk_now_ms();

	if (left <= 0 || poll(&p, 1, (int)left) <= 0)
		return -ETIMEDOUT;
	return 0;
}

static int dial(const char *host, const char *port, long long deadline,
		char *why, size_t size)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	int fd, err = getaddrinfo(host, port, &hints, &ai), soerr = 0;
	socklen_t sl = sizeof(soerr);

	if (err) {
		snprintf(why, size, "%s: %s", host, gai_strerror(err));
		return -EHOSTUNREACH;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) &&
	    errno != EINPROGRESS) {
		soerr = errno;
	} else if (fd >= 0) {
		if (wait_fd(fd, POLLOUT, deadline))
			soerr = ETIMEDOUT;
		else
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
	}
	freeaddrinfo(ai);
	if (fd < 0 || soerr) {
		snprintf(why, size, "connect %s:%s: %s", host, port,
			 strerror(fd < 0 ? errno : soerr));
		if (fd >= 0)
			close(fd);
		return -ECONNREFUSED;
	}
	return fd;
}

static int send_all(int fd, const char *buf, size_t len, long long deadline)
{
	while (len) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EAGAIN) {
			if (wait_fd(fd, POLLOUT, deadline))
				return -ETIMEDOUT;
			continue;
		}
		if (n <= 0)
			return -EIO;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* read until the server closes: the whole reply, NUL-terminated */
static char *recv_all(int fd, long long deadline, size_t *lenp, char *why,
		      size_t size)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap + 1), *nb;

	while (buf) {
		ssize_t n;

		if (len == cap) {
			if (cap >= WEBCDR_MAX_REPLY) {
				snprintf(why, size, "reply larger than %d "
					 "bytes", WEBCDR_MAX_REPLY);
				break;
			}
			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (!nb)
				break;
			buf = nb;
		}
		n = recv(fd, buf + len, cap - len, 0);
		if (n < 0 && errno == EAGAIN) {
			if (!wait_fd(fd, POLLIN, deadline))
				continue;
			snprintf(why, size, "no reply within %d ms",
				 WEBCDR_TIMEOUT_MS);
			break;
		}
		if (n < 0) {
			snprintf(why, size, "recv: %s", strerror(errno));
			break;
		}
		if (!n) {
			buf[len] = '\0';
			*lenp = len;
			return buf;
		}
		len += (size_t)n;
	}
	free(buf);
	return NULL;
}

/**
 * GET @p path (with its query) from the server at @p url
 * ("http://HOST:PORT"), with "Authorization: Bearer @p token" when set.
 * @param body  receives the reply's JSON body (the caller's reference)
 * @param why   the reason on error (a 4xx/5xx reply: its status and
 *		message)
 * @return 0 or a negative errno
 */
int webcdr_get(const char *url, const char *token, const char *path,
	       json_t **body, char *why, size_t size)
{
	long long deadline = rtk_now_ms() + WEBCDR_TIMEOUT_MS;
	char host[128], port[8] = "80", req[1024], *reply, *hdr_end;
	const char *p, *colon, *slash;
	json_error_t je;
	size_t len = 0;
	int fd, rc, status;

	*body = NULL;
	if (strncmp(url, "http://", 7)) {
		snprintf(why, size, "%s: not http://HOST:PORT", url);
		return -EINVAL;
	}
	p = url + 7;
	slash = p + strcspn(p, "/");
	colon = memchr(p, ':', (size_t)(slash - p));
	if ((colon ? colon : slash) - p >= (long)sizeof(host) ||
	    (colon && slash - colon - 1 >= (long)sizeof(port))) {
		snprintf(why, size, "%s: not http://HOST:PORT", url);
		return -EINVAL;
	}
	snprintf(host, sizeof(host), "%.*s", (int)((colon ? colon : slash) - p),
		 p);
	if (colon)
		snprintf(port, sizeof(port), "%.*s", (int)(slash - colon - 1),
			 colon + 1);
	rc = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: %s\r\n"
		      "Accept: application/json\r\n%s%s%s\r\n", path, host,
		      token && *token ? "Authorization: Bearer " : "",
		      token && *token ? token : "",
		      token && *token ? "\r\n" : "");
	if (rc < 0 || (size_t)rc >= sizeof(req)) {
		snprintf(why, size, "request too long");
		return -EINVAL;
	}
	fd = dial(host, port, deadline, why, size);
	if (fd < 0)
		return fd;
	rc = send_all(fd, req, strlen(req), deadline);
	reply = rc ? NULL : recv_all(fd, deadline, &len, why, size);
	close(fd);
	if (rc)
		snprintf(why, size, "send: %s", strerror(-rc));
	if (!reply)
		return -EIO;
	hdr_end = strstr(reply, "\r\n\r\n");
	if (sscanf(reply, "HTTP/1.%*d %d", &status) != 1 || !hdr_end) {
		snprintf(why, size, "not an HTTP reply");
		free(reply);
		return -EPROTO;
	}
	*body = json_loads(hdr_end + 4, 0, &je);
	if (status != 200 || !*body) {
		json_t *m = *body ? json_object_get(*body, "message") : NULL;

		snprintf(why, size, "HTTP %d%s%s", status, m ? ": " : "",
			 m ? json_string_value(m) : *body ? "" :
			 " (body not JSON)");
		json_decref(*body);
		*body = NULL;
		free(reply);
		return -EPROTO;
	}
	free(reply);
	return 0;
}

/** billingd's status.json in @p spool_dir (a new reference), or NULL
 *  with the reason in @p why. */
json_t *webcdr_delivery(const char *spool_dir, char *why, size_t size)
{
	char path[512];
	json_error_t je;
	json_t *j;

	snprintf(path, sizeof(path), "%s/status.json", spool_dir);
	j = json_load_file(path, 0, &je);
	if (!j)
		snprintf(why, size, "%s: %s", path, je.text);
	return j;
}
