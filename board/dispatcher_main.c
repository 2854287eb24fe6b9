// SPDX-License-Identifier: MIT
/** @file dispatcher_main.c  dispatcher: boots and supervises the partitions
 *
 * Not an OS (DESIGN.md section 2): it reads the board configuration, creates
 * the proxy bus and the Linux partition's proxy interface (a persistent TAP,
 * board/netsetup.h), starts the partitions pinned to their CPUs with the bus
 * handed over in GW_BUS: rtpart, with the NIC opened in the NIC's own
 * namespace (GW_NIC_FD), netproxy, sipd (the SIP engine), billingd
 * (the billing client) and webd (the web UI) unless [sip] / [billing] /
 * [web] enable is false; restarts a partition that dies (with
 * back-off), and answers on the control socket <run_dir>/ctl.sock.
 *
 * Usage: dispatcher [--config FILE] [--run-dir DIR]
 * Runs until SIGTERM or SIGINT, then stops the partitions and exits 0.
 * Exit status 1: the configuration, the bus or the control socket cannot be
 * set up.
 */
#define LOG_MODULE "dispatcher"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "board/config.h"
#include "board/ctl.h"
#include "board/netsetup.h"
#include "hal/vtdm.h"
#include "rtos-kernel/log.h"
#include "rtos-kernel/rtk.h"
#include "sharednet/bus.h"

#define STOP_GRACE_MS	3000
#define HEALTHY_MS	10000	/* a run this long resets the back-off */

enum part_state { PART_STOPPED, PART_RUNNING, PART_WAITING };

struct part {
	const char *name;
	const char *prog;	/* in the dispatcher's own directory */
	bool rt;		/* RT partition: pinned to rt_cpus */
	pid_t pid;
	enum part_state state;
	unsigned restarts;
	uint64_t started_ms;
	uint64_t next_start_ms;	/* PART_WAITING: when to start again */
	unsigned backoff_ms;
	int last_status;	/* wait status of the last exit, -1: none */
	bool restart_now;	/* asked to restart: no back-off */
};

static struct {
	struct gw_config cfg;
	const char *local;	/* --config */
	char bindir[PATH_MAX];
	char sock[PATH_MAX];
	const char *run_dir;
	struct bus *bus;
	int vtdm_fd;		/* the virtual card's region, or -1 */
	struct part part[5];
	unsigned nparts;
	bool stopping;
} d = {
	.part = {
		{ .name = "rtpart", .prog = "rtpart", .rt = true,
		  .last_status = -1 },
		{ .name = "netproxy", .prog = "netproxy", .last_status = -1 },
		{ .name = "sipd", .prog = "sipd", .last_status = -1 },
		{ .name = "billingd", .prog = "billingd", .last_status = -1 },
		{ .name = "webd", .prog = "webd", .last_status = -1 },
	},
	.nparts = 5,
	.vtdm_fd = -1,
};

/* the parts this configuration runs, first in d.part[]: how many */
static unsigned keep_wanted_parts(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < d.nparts; i++) {
		const char *name = d.part[i].name;

		if ((!strcmp(name, "sipd") && !d.cfg.sip.enable) ||
		    (!strcmp(name, "billingd") && !d.cfg.billing.enable) ||
		    (!strcmp(name, "webd") && !d.cfg.web.enable))
			continue;
		d.part[n++] = d.part[i];
	}
	return n;
}

static uint64_t now_ms(void)
{
	return rtk_now_ns() / 1000000;
}

static int make_bus(void)
{
	struct bus_cfg bc;
	int err;

	bc.ring_bytes[BUS_CH_FRAMES_UP] = d.cfg.bus.rx_frames_kib * 1024u;
	bc.ring_bytes[BUS_CH_FRAMES_DOWN] = d.cfg.bus.tx_frames_kib * 1024u;
	bc.ring_bytes[BUS_CH_NETCFG] = d.cfg.bus.netcfg_kib * 1024u;
	bc.ring_bytes[BUS_CH_MSG_UP] = d.cfg.bus.msg_up_kib * 1024u;
	bc.ring_bytes[BUS_CH_MSG_DOWN] = d.cfg.bus.msg_down_kib * 1024u;
	err = bus_create(&d.bus, &bc);
	if (err)
		LOG_ERR("bus: cannot create: %s", strerror(-err));
	return err;
}

/* the simulated board's telephony card: a region shared by rtpart (the
 * card) and the PSTN simulator (its far end), kept across restarts */
static int make_vtdm(void)
{
	struct tdm_layout l;
	char why[160];
	int err = tdm_layout_parse(d.cfg.tdm.spans, &l, why, sizeof(why));

	if (!err)
		err = vtdm_create(&d.vtdm_fd, &l);
	if (err)
		LOG_ERR("vtdm: cannot create the virtual card: %s",
			err == -EINVAL ? why : strerror(-err));
	return err;
}

/* in the child, between fork and exec (the dispatcher is single-threaded) */
static void child_exec(struct part *p, const char *busenv, int nicfd)
{
	const cpu_set_t *cpus = p->rt ? &d.cfg.board.rt_cpus
				      : &d.cfg.board.linux_cpus;
	char path[PATH_MAX + 64];
	char *argv[4] = { (char *)p->prog, NULL, NULL, NULL };
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	sched_setaffinity(0, sizeof(*cpus), cpus);
	fcntl(bus_memfd(d.bus), F_SETFD, 0);
	for (int i = 0; i < BUS_NCHAN; i++)
		fcntl(bus_event_fd(d.bus, i), F_SETFD, 0);
	setenv(BUS_ENV, busenv, 1);
	setenv("GW_RUN_DIR", d.run_dir, 1);
	if (nicfd >= 0) {
		char v[16];

		fcntl(nicfd, F_SETFD, 0);
		snprintf(v, sizeof(v), "%d", nicfd);
		setenv("GW_NIC_FD", v, 1);
	}
	if (p->rt && d.vtdm_fd >= 0) {
		char v[16];

		fcntl(d.vtdm_fd, F_SETFD, 0);
		snprintf(v, sizeof(v), "%d", d.vtdm_fd);
		setenv("GW_VTDM", v, 1);
	}
	if (d.local) {
		argv[1] = "--config";
		argv[2] = (char *)d.local;
	}
	snprintf(path, sizeof(path), "%s/%s", d.bindir, p->prog);
	execv(path, argv);
	_exit(127);
}

/* the RT partition's NIC, opened in the NIC's namespace: a fresh socket
 * for each start (its rings belong to the process that set them up) */
static bool needs_nic_socket(const struct part *p)
{
	return p->rt && d.cfg.net.nic == CFG_NIC_AFPACKET &&
	       d.cfg.net.nic_netns[0];
}

static void start_part(struct part *p)
{
	char busenv[128];
	int nicfd = -1;
	pid_t pid = -1;

	bus_env(d.bus, busenv, sizeof(busenv));
	if (needs_nic_socket(p))
		nicfd = netsetup_nic_socket(d.cfg.net.nic_netns,
					    d.cfg.net.nic_ifname);
	if (nicfd >= 0 || !needs_nic_socket(p)) {
		pid = fork();
		if (pid < 0)
			LOG_ERR("%s: fork: %s", p->name, strerror(errno));
	}
	if (pid < 0) {
		if (nicfd >= 0)
			close(nicfd);
		p->state = PART_WAITING;
		p->next_start_ms = now_ms() + p->backoff_ms;
		return;
	}
	if (pid == 0)
		child_exec(p, busenv, nicfd);
	if (nicfd >= 0)
		close(nicfd);
	p->pid = pid;
	p->state = PART_RUNNING;
	p->started_ms = now_ms();
	p->restart_now = false;
	LOG_INFO("%s: started, pid %d", p->name, (int)pid);
}

static void describe_exit(int status, char *buf, size_t len)
{
	if (status < 0)
		snprintf(buf, len, "none");
	else if (WIFEXITED(status))
		snprintf(buf, len, "exit-%d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "signal-%d", WTERMSIG(status));
	else
		snprintf(buf, len, "status-%d", status);
}

static void reap(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (unsigned i = 0; i < d.nparts; i++) {
			struct part *p = &d.part[i];
			uint64_t ran;
			char how[32];

			if (p->pid != pid)
				continue;
			p->pid = 0;
			p->last_status = status;
			describe_exit(status, how, sizeof(how));
			if (d.stopping) {
				p->state = PART_STOPPED;
				continue;
			}
			ran = now_ms() - p->started_ms;
			if (ran >= HEALTHY_MS || p->restart_now)
				p->backoff_ms = d.cfg.board.restart_min_ms;
			p->state = PART_WAITING;
			p->next_start_ms = now_ms() +
				(p->restart_now ? 0 : p->backoff_ms);
			p->restarts++;
			LOG_WARN("%s: pid %d ended (%s) after %llu ms; restart "
				 "%u in %u ms", p->name, (int)pid, how,
				 (unsigned long long)ran, p->restarts,
				 p->restart_now ? 0 : p->backoff_ms);
			if (!p->restart_now) {
				p->backoff_ms *= 2;
				if (p->backoff_ms >
				    (unsigned)d.cfg.board.restart_max_ms)
					p->backoff_ms =
						d.cfg.board.restart_max_ms;
			}
		}
	}
}

static struct part *find_part(const char *name)
{
	for (unsigned i = 0; i < d.nparts; i++)
		if (!strcmp(d.part[i].name, name))
			return &d.part[i];
	return NULL;
}

static const char *state_name(enum part_state s)
{
	return s == PART_RUNNING ? "running" :
	       s == PART_WAITING ? "restarting" : "stopped";
}

static void status_reply(char *buf, size_t len)
{
	static struct rtstat st;
	size_t off = 0;

	for (unsigned i = 0; i < d.nparts && off < len; i++) {
		struct part *p = &d.part[i];
		char how[32], health[64] = "";

		describe_exit(p->last_status, how, sizeof(how));
		if (p->rt && !rtstat_read(bus_status(d.bus), &st))
			snprintf(health, sizeof(health), " heartbeat_ms=%llu",
				 (unsigned long long)((rtk_now_ns() -
				 st.updated_ns) / 1000000));
		off += snprintf(buf + off, len - off, "part %s pid=%d state=%s "
				"restarts=%u uptime_ms=%llu last_exit=%s%s\n",
				p->name, (int)p->pid, state_name(p->state),
				p->restarts, p->state == PART_RUNNING ?
				(unsigned long long)(now_ms() - p->started_ms)
				: 0ull, how, health);
	}
	if (off < len)
		snprintf(buf + off, len - off, "board %s\n", d.cfg.board.name);
}

static void serve(int lfd)
{
	char req[CTL_MAX_REQ], reply[CTL_MAX_REPLY];
	int conn, fd = -1;

	while ((conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		struct timeval tv = { .tv_sec = 1 };
		ssize_t n;

		setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		n = ctl_recv_request(conn, req, sizeof(req));
		fd = -1;
		if (n < 0) {
			snprintf(reply, sizeof(reply), "error: %s\n",
				 strerror((int)-n));
		} else if (!strcmp(req, "status")) {
			status_reply(reply, sizeof(reply));
		} else if (!strcmp(req, "bus")) {
			char path[64];

			/* a read-only fd on the same memfd for observers */
			snprintf(path, sizeof(path), "/proc/self/fd/%d",
				 bus_memfd(d.bus));
			fd = open(path, O_RDONLY | O_CLOEXEC);
			snprintf(reply, sizeof(reply), fd < 0 ?
				 "error: cannot reopen the bus\n" : "ok\n");
		} else if (!strcmp(req, "vtdm")) {
			/* the virtual card's far end: the PSTN simulator */
			fd = d.vtdm_fd < 0 ? -1 : dup(d.vtdm_fd);
			snprintf(reply, sizeof(reply), fd < 0 ?
				 "error: this board has no virtual card\n" :
				 "ok\n");
		} else if (!strcmp(req, "bus-rw")) {
			/* Linux-side tools that send on channel 4 */
			fd = dup(bus_memfd(d.bus));
			snprintf(reply, sizeof(reply), fd < 0 ?
				 "error: cannot dup the bus\n" : "ok\n");
		} else if (!strncmp(req, "restart ", 8)) {
			struct part *p = find_part(req + 8);

			if (!p) {
				snprintf(reply, sizeof(reply), "error: no "
					 "partition '%s'\n", req + 8);
			} else {
				p->restart_now = true;
				if (p->pid > 0)
					kill(p->pid, SIGTERM);
				else
					p->next_start_ms = now_ms();
				snprintf(reply, sizeof(reply), "ok\n");
			}
		} else {
			snprintf(reply, sizeof(reply), "error: unknown request "
				 "'%.64s' (status, bus, bus-rw, vtdm, restart "
				 "NAME)\n",
				 req);
		}
		ctl_reply(conn, reply, fd);
		if (fd >= 0)
			close(fd);
		close(conn);
	}
}

static void stop_all(void)
{
	uint64_t deadline = now_ms() + STOP_GRACE_MS;
	bool left;

	d.stopping = true;
	for (unsigned i = 0; i < d.nparts; i++)
		if (d.part[i].pid > 0)
			kill(d.part[i].pid, SIGTERM);
	do {
		reap();
		left = false;
		for (unsigned i = 0; i < d.nparts; i++)
			left |= d.part[i].pid > 0;
		if (left)
			usleep(10000);
	} while (left && now_ms() < deadline);
	for (unsigned i = 0; i < d.nparts; i++) {
		if (d.part[i].pid > 0) {
			LOG_WARN("%s: did not stop, killing pid %d",
				 d.part[i].name, (int)d.part[i].pid);
			kill(d.part[i].pid, SIGKILL);
			waitpid(d.part[i].pid, NULL, 0);
		}
	}
}

static int run(int lfd, int sfd)
{
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = lfd, .events = POLLIN },
		};
		uint64_t now = now_ms(), next = now + 1000;
		struct signalfd_siginfo si;

		for (unsigned i = 0; i < d.nparts; i++) {
			struct part *p = &d.part[i];

			if (p->state == PART_WAITING &&
			    p->next_start_ms <= now)
				start_part(p);
			if (p->state == PART_WAITING && p->next_start_ms < next)
				next = p->next_start_ms;
		}
		if (poll(pfd, 2, (int)(next > now ? next - now : 0)) < 0 &&
		    errno != EINTR)
			return -errno;
		if (pfd[1].revents & POLLIN)
			serve(lfd);
		if (!(pfd[0].revents & POLLIN))
			continue;
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGCHLD) {
				reap();
				continue;
			}
			LOG_INFO("stopping on signal %u", si.ssi_signo);
			return 0;
		}
	}
}

static int usage(void)
{
	fprintf(stderr, "usage: dispatcher [--config FILE] [--run-dir DIR]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *run_dir = NULL;
	struct cfg_err cerr;
	bool created;
	char err[300];
	sigset_t sigs;
	ssize_t n;
	int lfd, sfd, rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			d.local = argv[++i];
		else if (!strcmp(argv[i], "--run-dir") && i + 1 < argc)
			run_dir = argv[++i];
		else
			return usage();
	}
	log_prefix_set("dispatcher");
	if (cfg_load_env(&d.cfg, d.local, &cerr)) {
		LOG_ERR("config: %s", cfg_err_str(&cerr, err, sizeof(err)));
		return 1;
	}
	log_level_set(NULL, d.cfg.log.level);
	d.nparts = keep_wanted_parts();
	if (!run_dir)
		run_dir = d.cfg.board.run_dir;
	d.run_dir = run_dir;
	n = readlink("/proc/self/exe", d.bindir, sizeof(d.bindir) - 1);
	if (n <= 0 || !strrchr(d.bindir, '/')) {
		LOG_ERR("cannot find my own directory");
		return 1;
	}
	*strrchr(d.bindir, '/') = '\0';
	if (mkdir(run_dir, 0700) && errno != EEXIST) {
		LOG_ERR("run directory %s: %s", run_dir, strerror(errno));
		return 1;
	}
	if (ctl_path(run_dir, d.sock, sizeof(d.sock))) {
		LOG_ERR("run directory %s: path too long", run_dir);
		return 1;
	}
	if (make_bus())
		return 1;
	if (netsetup_tap(&d.cfg, &created))
		return 1;
	if (d.cfg.tdm.card == CFG_TDM_VTDM && make_vtdm())
		return 1;
	if (created)
		LOG_INFO("%s created from the configuration",
			 d.cfg.net.tap_ifname);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGCHLD);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	lfd = ctl_listen(d.sock);
	if (sfd < 0 || lfd < 0) {
		LOG_ERR("control socket %s: %s", d.sock,
			strerror(lfd < 0 ? -lfd : errno));
		return 1;
	}
	for (unsigned i = 0; i < d.nparts; i++) {
		d.part[i].backoff_ms = d.cfg.board.restart_min_ms;
		start_part(&d.part[i]);
	}
	LOG_INFO("board %s up, control socket %s", d.cfg.board.name, d.sock);
	rc = run(lfd, sfd);
	stop_all();
	close(lfd);
	unlink(d.sock);
	bus_detach(d.bus);
	return rc ? 1 : 0;
}
