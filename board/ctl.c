// SPDX-License-Identifier: MIT
/** @file ctl.c  The dispatcher's control socket: server and client ends */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "board/ctl.h"

/** Path of the control socket in @p run_dir. @return 0 or -ENAMETOOLONG */
int ctl_path(const char *run_dir, char *buf, size_t len)
{
	struct sockaddr_un sa;
	int n = snprintf(buf, len, "%s/%s", run_dir, CTL_SOCKET);

	if (n < 0 || (size_t)n >= len || (size_t)n >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	return 0;
}

static int fill_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

/** Listen on @p path (replacing a stale socket), owner-only access.
 *  @return the listening fd or a negative errno */
int ctl_listen(const char *path)
{
	struct sockaddr_un sa;
	int fd, err = fill_addr(&sa, path);

	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(path, 0600) || listen(fd, 8)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/** Read one request line from an accepted connection into @p buf
 *  (NUL-terminated, trailing newline removed).
 *  @return its length, or a negative errno (-EMSGSIZE: too long) */
ssize_t ctl_recv_request(int conn, char *buf, size_t len)
{
	ssize_t n = recv(conn, buf, len, MSG_TRUNC);

	if (n < 0)
		return -errno;
	if ((size_t)n >= len)
		return -EMSGSIZE;
	buf[n] = '\0';
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return n;
}

/** Send @p text as the reply, with @p fd attached when >= 0.
 *  @return 0 or a negative errno */
int ctl_reply(int conn, const char *text, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { (void *)text, strlen(text) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *c;

		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(conn, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/** Client: send @p req to the server at @p path and read its reply into
 *  @p reply; when @p fdp is given, receive the fd the server attached (-1
 *  if none). @return 0 or a negative errno */
int ctl_request(const char *path, const char *req, char *reply, size_t len,
		int *fdp)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { reply, len - 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct timeval tv = { .tv_sec = 5 };
	struct sockaddr_un sa;
	struct cmsghdr *c;
	ssize_t n;
	int fd, err = fill_addr(&sa, path);

	if (err)
		return err;
	if (fdp)
		*fdp = -1;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    send(fd, req, strlen(req), MSG_NOSIGNAL) < 0)
		goto out_errno;
	n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0)
		goto out_errno;
	reply[n] = '\0';
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		int got;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		memcpy(&got, CMSG_DATA(c), sizeof(int));
		if (fdp)
			*fdp = got;
		else
			close(got);
	}
	close(fd);
	return 0;

 out_errno:
	err = -errno;
	close(fd);
	return err;
}
