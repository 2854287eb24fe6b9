// SPDX-License-Identifier: MIT
/** @file netproxy_main.c  netproxy: the Linux partition's proxy NIC driver
 *
 * To Linux, eth0 is an ordinary Ethernet device: a TAP (made persistent by
 * the dispatcher, so its addresses survive a restart of this program) with
 * the shared MAC and address. netproxy moves its frames over the proxy bus:
 *   eth0 -> channel 2 (frames down to the RT partition, which sends them);
 *   channel 1 -> eth0 (frames the RT partition's classifier gave Linux);
 * sends eth0's settings on channel 3 whenever they change (nlsnoop.h) and
 * again when the RT partition restarts; and holds a placeholder socket on
 * every RT port (placeholder.h).
 *
 * Usage: netproxy [--config FILE]   (started by the dispatcher: GW_BUS)
 * Exit status 1: configuration, bus, TAP or netlink cannot be set up.
 */
#define LOG_MODULE "netproxy"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "board/config.h"
#include "linux-side/nlsnoop.h"
#include "linux-side/placeholder.h"
#include "rtos-kernel/log.h"
#include "rtos-kernel/rtk.h"
#include "sharednet/bus.h"

#define BATCH		64
#define HOUSEKEEP_MS	100
#define PH_BUDGET	2048	/* placeholder ports per loop turn */
#define READY_FILE	"netproxy.ready"

static struct {
	struct bus *bus;
	struct ring *up, *down, *netcfg;
	int tap;
	struct nlsnoop *nl;
	struct placeholders *ph;
	uint32_t rt_pid;
	uint64_t rt_started;
	bool ports_synced;
	char ready_path[PATH_MAX];
	uint64_t tap_write_dropped, tap_read, tap_written, netcfg_sent;
	uint64_t down_full;	/* times channel 2 was full: Linux waited */
} np = { .tap = -1 };

static int open_tap(const char *name)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static void send_state(const struct netcfg_msg *m, void *arg)
{
	char text[128];

	(void)arg;
	netcfg_format(m, text, sizeof(text));
	if (ring_push(np.netcfg, m, sizeof(*m))) {
		LOG_WARN("settings not sent, channel 3 full: %s", text);
		return;
	}
	ring_kick(np.netcfg);
	np.netcfg_sent++;
	LOG_INFO("eth0 settings #%u to the RT partition: %s", m->seq, text);
}

/* eth0 -> channel 2: read each frame straight into the shared ring.
 * @return false when the ring is full (the TAP is left for later) */
static bool tap_to_bus(void)
{
	for (int i = 0; i < BATCH; i++) {
		uint8_t *rec = ring_reserve(np.down, BUS_MAX_FRAME);
		ssize_t n;

		if (!rec) {
			np.down_full++;
			ring_kick(np.down);
			return false;
		}
		n = read(np.tap, rec, BUS_MAX_FRAME);
		if (n <= 0)
			break;
		ring_commit(np.down, (size_t)n);
		np.tap_read++;
	}
	ring_kick(np.down);
	return true;
}

/* channel 1 -> eth0 */
static void bus_to_tap(void)
{
	const void *rec;
	size_t len;
	int err;

	while ((err = ring_peek(np.up, &rec, &len)) != -EAGAIN) {
		if (!err) {
			if (write(np.tap, rec, len) == (ssize_t)len)
				np.tap_written++;
			else
				np.tap_write_dropped++;
		}
		ring_consume(np.up);
	}
}

/* the file tells the lab (and people) that eth0's proxy is complete:
 * settings sent, every RT port held */
static void mark_ready(bool ready)
{
	int fd;

	if (!np.ready_path[0] || ready == np.ports_synced)
		return;
	np.ports_synced = ready;
	if (!ready) {
		unlink(np.ready_path);
		return;
	}
	fd = open(np.ready_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		  0644);
	if (fd >= 0)
		close(fd);
	LOG_INFO("ready: placeholders on every RT port");
}

static void housekeep(void)
{
	static struct rtstat st;

	if (rtstat_read(bus_status(np.bus), &st))
		return;
	if (st.pid != np.rt_pid || st.started_ns != np.rt_started) {
		/* a new RT partition starts from the configuration: give it
		 * eth0's state as it is now */
		if (np.rt_pid)
			LOG_INFO("RT partition restarted (pid %u): resending "
				 "eth0's settings", st.pid);
		np.rt_pid = st.pid;
		np.rt_started = st.started_ns;
		nlsnoop_resend(np.nl);
	}
}

static int loop(int sfd)
{
	bool tap_ok = true;
	uint64_t next_hk = 0;

	for (;;) {
		struct pollfd p[4] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = nlsnoop_fd(np.nl), .events = POLLIN },
			{ .fd = bus_event_fd(np.bus, BUS_CH_FRAMES_UP),
			  .events = POLLIN },
			{ .fd = tap_ok ? np.tap : -1, .events = POLLIN },
		};
		uint64_t now = rtk_now_ns() / 1000000;
		int timeout = tap_ok ? HOUSEKEEP_MS : 1;

		if (now >= next_hk) {
			housekeep();
			next_hk = now + HOUSEKEEP_MS;
		}
		mark_ready(ph_sync(np.ph, bus_ports(np.bus), PH_BUDGET));
		if (!np.ports_synced)
			timeout = 0;	/* more placeholders to make */
		bus_to_tap();
		/* with frames waiting, only look at the other fds */
		if (!ring_sleep_prepare(np.up))
			timeout = 0;
		if (poll(p, 4, timeout) < 0 && errno != EINTR)
			return -errno;
		ring_sleep_done(np.up);
		if (p[0].revents & POLLIN)
			return 0;
		if (p[1].revents & POLLIN)
			nlsnoop_process(np.nl);
		tap_ok = tap_to_bus();
	}
}

int main(int argc, char **argv)
{
	static struct gw_config cfg;
	const char *local = NULL;
	struct cfg_err cerr;
	char err[300];
	sigset_t sigs;
	int sfd, rc;

	if (argc == 3 && !strcmp(argv[1], "--config"))
		local = argv[2];
	else if (argc != 1)
		return 2;
	log_prefix_set("netproxy");
	if (cfg_load_env(&cfg, local, &cerr)) {
		LOG_ERR("config: %s", cfg_err_str(&cerr, err, sizeof(err)));
		return 1;
	}
	log_level_set(NULL, cfg.log.level);
	if (bus_attach_env(&np.bus, BUS_SIDE_LINUX, err, sizeof(err))) {
		LOG_ERR("bus: %s", err);
		return 1;
	}
	np.up = bus_ring(np.bus, BUS_CH_FRAMES_UP);
	np.down = bus_ring(np.bus, BUS_CH_FRAMES_DOWN);
	np.netcfg = bus_ring(np.bus, BUS_CH_NETCFG);
	np.tap = open_tap(cfg.net.tap_ifname);
	if (np.tap < 0) {
		LOG_ERR("tap %s: %s", cfg.net.tap_ifname, strerror(-np.tap));
		return 1;
	}
	/* the dispatcher's run directory: GW_RUN_DIR, else the config's */
	snprintf(np.ready_path, sizeof(np.ready_path), "%s/%s",
		 getenv("GW_RUN_DIR") ? getenv("GW_RUN_DIR") :
		 cfg.board.run_dir, READY_FILE);
	if (np.ready_path[0])
		unlink(np.ready_path);
	if (ph_create(&np.ph) ||
	    nlsnoop_open(&np.nl, cfg.net.tap_ifname, send_state, NULL))
		return 1;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	LOG_INFO("proxy for %s running", cfg.net.tap_ifname);
	rc = loop(sfd);
	LOG_INFO("stopping: %llu frames to the RT side, %llu from it, %llu "
		 "dropped at eth0", (unsigned long long)np.tap_read,
		 (unsigned long long)np.tap_written,
		 (unsigned long long)np.tap_write_dropped);
	mark_ready(false);
	nlsnoop_close(np.nl);
	ph_destroy(np.ph);
	close(np.tap);
	bus_detach(np.bus);
	return rc ? 1 : 0;
}
