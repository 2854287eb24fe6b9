// SPDX-License-Identifier: MIT
/** @file placeholder.c  Placeholder sockets on RT ports */
#define LOG_MODULE "placeholder"
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "linux-side/placeholder.h"
#include "rtos-kernel/log.h"

#define NPORTS 65536

struct placeholders {
	int fd[NPORTS];		/* -1: not held */
	uint8_t conflict[NPORTS];	/* reported already */
	uint64_t gen;		/* of the set the sockets match */
	uint64_t pass_gen;	/* of the set being worked through */
	uint32_t cursor;	/* next port of the pass; 0: no pass */
	size_t held;
	uint64_t conflicts;
};

/** Make an empty set and raise the fd limit for 64 Ki sockets.
 *  @return 0 or -ENOMEM */
int ph_create(struct placeholders **pp)
{
	struct placeholders *ph = calloc(1, sizeof(*ph));
	struct rlimit rl = { NPORTS + 1024, NPORTS + 1024 };

	if (!ph)
		return -ENOMEM;
	for (int i = 0; i < NPORTS; i++)
		ph->fd[i] = -1;
	ph->gen = UINT64_MAX;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		LOG_WARN("fd limit: %s: placeholders may run short",
			 strerror(errno));
	*pp = ph;
	return 0;
}

/** Close every placeholder. @return NULL */
struct placeholders *ph_destroy(struct placeholders *ph)
{
	if (!ph)
		return NULL;
	for (int i = 0; i < NPORTS; i++)
		if (ph->fd[i] >= 0)
			close(ph->fd[i]);
	free(ph);
	return NULL;
}

static int hold(struct placeholders *ph, uint16_t port)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET, .sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_ANY),
	};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	/* nothing is ever read: a tiny buffer, and the kernel never gets
	 * frames for these ports anyway (the classifier sends them to RT) */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &(int){ 1 }, sizeof(int));
	ph->fd[port] = fd;
	ph->held++;
	return 0;
}

static int sync_port(struct placeholders *ph, const struct ports_shm *ports,
		     uint32_t port)
{
	bool rt = ports_is_rt(ports, (uint16_t)port);
	int err;

	if (!rt && ph->fd[port] >= 0) {
		close(ph->fd[port]);
		ph->fd[port] = -1;
		ph->held--;
		ph->conflict[port] = 0;
	} else if (rt && ph->fd[port] < 0) {
		err = hold(ph, (uint16_t)port);
		if (err == -EADDRINUSE) {
			if (!ph->conflict[port]) {
				ph->conflict[port] = 1;
				ph->conflicts++;
				LOG_WARN("port %u is the RT partition's but a "
					 "Linux program holds it", port);
			}
		} else if (err) {
			LOG_ERR("port %u: %s", port, strerror(-err));
			return err;
		}
	}
	return 0;
}

/** Work towards holding exactly the ports of @p ports, at most @p budget
 *  ports per call, so the caller's loop is never held up for long.
 *  Context: the proxy's loop. @return true when the sockets match the set */
bool ph_sync(struct placeholders *ph, const struct ports_shm *ports,
	     unsigned budget)
{
	uint64_t gen = ports_gen(ports);

	if (gen & 1)
		return false;	/* the RT side is mid-change */
	if (!ph->cursor) {
		if (gen == ph->gen)
			return true;
		ph->pass_gen = gen;
		ph->cursor = 1;
	}
	for (; ph->cursor < NPORTS && budget; ph->cursor++, budget--)
		if (sync_port(ph, ports, ph->cursor))
			return false;	/* retried from here next time */
	if (ph->cursor < NPORTS)
		return false;
	ph->cursor = 0;
	if (ports_gen(ports) != ph->pass_gen)
		return false;	/* changed meanwhile: another pass */
	ph->gen = ph->pass_gen;
	return true;
}

/** How many ports are held, and conflicts seen. */
void ph_stats_get(const struct placeholders *ph, struct ph_stats *st)
{
	st->held = ph->held;
	st->conflicts = ph->conflicts;
}
