// SPDX-License-Identifier: MIT
/** @file test_nic_afpacket.c  AF_PACKET driver on a veth pair
 *
 * Each test forks a child that moves into a network namespace of its own
 * (unshare(CLONE_NEWNET)), makes a veth pair rt0 <-> wire0 there, opens the
 * driver on rt0 and talks to it through a plain AF_PACKET socket on wire0
 * (the "peer") or through the kernel's own UDP/TCP stack on wire0. The
 * namespace, and everything in it, disappears with the child: no frame
 * leaves it. IPv6 is off in the namespace, so no frame but the test's own
 * crosses the pair. The child reports a failed check on stderr and exits
 * non-zero; the parent asserts a clean exit (77: no privilege, skipped).
 * Waits are bounded (a few seconds); nothing asserts a timing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "hal/nic.h"
#include "hal/pkt.h"
#include "rtos-kernel/rtk.h"
#include "rtos-kernel/task.h"

#define NPKT		1024
#define T0		1000000000ull
#define WAIT_MS		3000
#define TEST_TYPE	0x88b5		/* local experimental ethertype */

/* --- checks in the child -------------------------------------------------- */

#define CHECK(c)							\
	do {								\
		if (!(c)) {						\
			fprintf(stderr, "# %s:%d: check failed: %s\n",	\
				__FILE__, __LINE__, #c);		\
			_exit(1);					\
		}							\
	} while (0)

#define CHECK_EQ(a, b)							\
	do {								\
		long long a_ = (long long)(a), b_ = (long long)(b);	\
		if (a_ != b_) {						\
			fprintf(stderr, "# %s:%d: %s is %lld, not %lld\n", \
				__FILE__, __LINE__, #a, a_, b_);	\
			_exit(1);					\
		}							\
	} while (0)

static void sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd)) {
		fprintf(stderr, "# command failed: %s\n", cmd);
		_exit(1);
	}
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CHECK(f);
	CHECK(fputs(text, f) >= 0);
	CHECK(fclose(f) == 0);
}

/* Run @p fn in a child, in a network namespace of its own. */
static void in_netns(void (*fn)(void))
{
	pid_t pid;
	int st;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(60);	/* a stuck child must not outlive the run */
		if (unshare(CLONE_NEWNET)) {
			fprintf(stderr, "# unshare(CLONE_NEWNET): %s\n",
				strerror(errno));
			_exit(77);
		}
		fn();
		exit(0);	/* exit, not _exit: LeakSanitizer checks */
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 77)
		skip();
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* --- the namespace: rt0 (driver) <-> wire0 (peer) ---------------------- */

static struct env {
	struct pkt_pool *pool;
	struct nic *n;
	int peer;			/* AF_PACKET on wire0 */
	uint8_t rt_mac[6], wire_mac[6];
} env;

static void get_mac(const char *ifname, uint8_t *mac)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	CHECK(s >= 0);
	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	CHECK(ioctl(s, SIOCGIFHWADDR, &ifr) == 0);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(s);
}

static const char *mac_str(const uint8_t *m)
{
	static char buf[4][18];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%02x:%02x:%02x:%02x:%02x:%02x",
		 m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf[i];
}

static int raw_socket(const char *ifname, bool ignore_own)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
	};
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
	int one = 1, big = 32 << 20;

	CHECK(s >= 0);
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	CHECK(sll.sll_ifindex > 0);
	CHECK(bind(s, (struct sockaddr *)&sll, sizeof(sll)) == 0);
	CHECK(setsockopt(s, SOL_SOCKET, SO_RCVBUFFORCE, &big,
			 sizeof(big)) == 0);
	if (ignore_own)
		CHECK(setsockopt(s, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one,
				 sizeof(one)) == 0);
	return s;
}

static void net_up(void)
{
	memset(&env, 0, sizeof(env));
	write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	sh("ip link add rt0 type veth peer name wire0");
	sh("ip link set rt0 up && ip link set wire0 up");
	get_mac("rt0", env.rt_mac);
	get_mac("wire0", env.wire_mac);
	env.peer = raw_socket("wire0", true);
	CHECK(pkt_pool_create(&env.pool, "afp", NPKT) == 0);
}

static void net_down(void)
{
	env.n = nic_close(env.n);
	CHECK_EQ(pkt_pool_free_count(env.pool), NPKT);
	env.pool = pkt_pool_destroy(env.pool);
	close(env.peer);
}

static struct nic *open_nic(int fd, const char *ifname, uint32_t mbps,
			    uint32_t txq, struct pkt_pool *pool)
{
	struct nic_cfg c = {
		.kind = NIC_AFPACKET, .ifname = ifname, .fd = fd,
		.link_mbps = mbps, .tx_queue = txq, .pool = pool,
	};
	struct nic *n = NULL;

	CHECK_EQ(nic_open(&n, &c), 0);
	return n;
}

/* --- test frames: dst, src, TEST_TYPE, "NICT", seq, pattern --------------- */

static size_t make_frame(uint8_t *f, const uint8_t *dst, const uint8_t *src,
			 size_t len, uint32_t seq)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = TEST_TYPE >> 8;
	f[13] = TEST_TYPE & 0xff;
	memcpy(f + 14, "NICT", 4);
	memcpy(f + 18, &seq, 4);
	for (size_t i = 22; i < len; i++)
		f[i] = (uint8_t)(seq + i);
	return len;
}

static bool is_test_frame(const uint8_t *f, size_t len)
{
	return len >= 22 && f[12] == (TEST_TYPE >> 8) &&
	       f[13] == (TEST_TYPE & 0xff) && !memcmp(f + 14, "NICT", 4);
}

static uint32_t frame_seq(const uint8_t *f)
{
	uint32_t seq;

	memcpy(&seq, f + 18, 4);
	return seq;
}

static void check_frame(const uint8_t *f, size_t len, const uint8_t *dst,
			const uint8_t *src, size_t want_len, uint32_t seq)
{
	CHECK_EQ(len, want_len);
	CHECK(!memcmp(f, dst, 6));
	CHECK(!memcmp(f + 6, src, 6));
	CHECK_EQ(frame_seq(f), seq);
	for (size_t i = 22; i < len; i++)
		CHECK_EQ(f[i], (uint8_t)(seq + i));
}

static size_t len_of(uint32_t seq)
{
	static const size_t lens[] = { 60, 1514, 61, 800, 1513, 64 };

	return lens[seq % 6];
}

static void peer_send(uint32_t seq, size_t len, const uint8_t *dst)
{
	uint8_t f[1514];

	make_frame(f, dst, env.wire_mac, len, seq);
	CHECK_EQ(send(env.peer, f, len, 0), (long long)len);
}

static uint64_t ms_now(void)
{
	return rtk_now_ns() / 1000000;
}

/* Receive at the driver until @p want test frames came (seq from *next,
 * lengths from len_of() unless @p fixed_len) or WAIT_MS passed.
 * @return test frames received */
static size_t nic_collect(struct nic *n, size_t want, uint32_t *next,
			  size_t fixed_len, const uint8_t *dst)
{
	struct pollfd pfd = { .fd = nic_fd(n), .events = POLLIN };
	uint64_t end = ms_now() + WAIT_MS;
	struct pkt *pk[64];
	size_t got = 0;

	while (got < want && ms_now() < end) {
		size_t k = nic_rx_burst(n, pk, 64);

		for (size_t i = 0; i < k; i++) {
			uint8_t *d = pkt_data(pk[i]);

			if (is_test_frame(d, pk[i]->len)) {
				check_frame(d, pk[i]->len, dst, env.wire_mac,
					    fixed_len ? fixed_len :
					    len_of(*next), *next);
				(*next)++;
				got++;
			}
			pkt_free(pk[i]);
		}
		if (!k)
			poll(&pfd, 1, 10);
	}
	return got;
}

/* Receive (and free) everything for @p ms. @return frames received */
static size_t nic_rx_for(struct nic *n, unsigned int ms)
{
	struct pollfd pfd = { .fd = nic_fd(n), .events = POLLIN };
	uint64_t end = ms_now() + ms;
	struct pkt *pk[64];
	size_t got = 0;

	while (ms_now() < end) {
		size_t k = nic_rx_burst(n, pk, 64);

		for (size_t i = 0; i < k; i++)
			pkt_free(pk[i]);
		got += k;
		if (!k)
			poll(&pfd, 1, 5);
	}
	return got;
}

/* Receive at the peer the same way. */
static size_t peer_collect(size_t want, uint32_t *next, size_t fixed_len)
{
	struct pollfd pfd = { .fd = env.peer, .events = POLLIN };
	uint64_t end = ms_now() + WAIT_MS;
	static uint8_t f[65536];
	size_t got = 0;

	while (got < want && ms_now() < end) {
		ssize_t r = recv(env.peer, f, sizeof(f), 0);

		if (r < 0) {
			CHECK(errno == EAGAIN);
			poll(&pfd, 1, 10);
			continue;
		}
		if (!is_test_frame(f, (size_t)r))
			continue;
		check_frame(f, (size_t)r, env.wire_mac, env.rt_mac,
			    fixed_len ? fixed_len : len_of(*next), *next);
		(*next)++;
		got++;
	}
	return got;
}

static void nic_send(struct nic *n, uint32_t seq, size_t len, uint64_t now)
{
	struct pkt *p = pkt_get(env.pool);

	CHECK(p);
	p->len = (uint16_t)make_frame(pkt_data(p), env.wire_mac, env.rt_mac,
				      len, seq);
	CHECK_EQ(nic_tx(n, p, now), 0);
}

/* --- tests ---------------------------------------------------------------- */

static void open_errors(void)
{
	struct nic_cfg c = { .kind = NIC_AFPACKET, .fd = -1 };
	struct nic *n = NULL;
	int udp;

	net_up();
	c.pool = env.pool;
	c.ifname = "nosuch0";
	CHECK_EQ(nic_open(&n, &c), -EINVAL);
	/* a socket that is not AF_PACKET is refused and stays the caller's */
	udp = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(udp >= 0);
	c.fd = udp;
	c.ifname = NULL;
	CHECK_EQ(nic_open(&n, &c), -EINVAL);
	CHECK(fcntl(udp, F_GETFD) >= 0);
	close(udp);
	CHECK(!n);
	net_down();
}

static void test_nic_afpacket_open_errors(void **state)
{
	(void)state;
	in_netns(open_errors);
}

static void both_ways(void)
{
	struct nic_stats st;
	uint32_t next = 0;
	size_t bytes = 0;
	uint8_t f[100];
	int other;

	net_up();
	env.n = open_nic(-1, "rt0", 0, 0, env.pool);
	CHECK(nic_fd(env.n) >= 0);
	/* peer -> driver: one small, one full-size, ... */
	for (uint32_t i = 0; i < 6; i++) {
		peer_send(i, len_of(i), env.rt_mac);
		bytes += len_of(i);
	}
	CHECK_EQ(nic_collect(env.n, 6, &next, 0, env.rt_mac), 6);
	nic_stats_get(env.n, &st);
	CHECK_EQ(st.rx_frames, 6);
	CHECK_EQ(st.rx_bytes, bytes);
	CHECK_EQ(st.rx_dropped, 0);
	/* driver -> peer */
	next = 0;
	for (uint32_t i = 0; i < 6; i++)
		nic_send(env.n, i, len_of(i), T0);
	CHECK_EQ(nic_tx_flush(env.n, T0), 0);
	CHECK_EQ(peer_collect(6, &next, 0), 6);
	nic_stats_get(env.n, &st);
	CHECK_EQ(st.tx_frames, 6);
	CHECK_EQ(st.tx_bytes, bytes);
	CHECK_EQ(st.tx_dropped, 0);
	CHECK_EQ(st.tx_queue, 0);
	CHECK_EQ(st.tx_queue_hw, 4);	/* default queue, flushed when full */
	/* the driver sees no frame leaving rt0: neither its own nor one
	 * another socket (or the kernel) sends there */
	other = raw_socket("rt0", true);
	make_frame(f, env.wire_mac, env.rt_mac, 100, 6);
	CHECK_EQ(send(other, f, 100, 0), 100);
	CHECK_EQ(peer_collect(1, &next, 100), 1);
	CHECK_EQ(nic_rx_for(env.n, 50), 0);
	nic_stats_get(env.n, &st);
	CHECK_EQ(st.rx_frames, 6);
	close(other);
	net_down();
}

static void test_nic_afpacket_frames_go_both_ways(void **state)
{
	(void)state;
	in_netns(both_ways);
}

#define BURST 600

static void burst(void)
{
	struct nic_stats st;
	uint32_t next = 0;

	net_up();
	env.n = open_nic(-1, "rt0", 0, 64, env.pool);
	for (uint32_t i = 0; i < BURST; i++)
		peer_send(i, len_of(i), env.rt_mac);
	CHECK_EQ(nic_collect(env.n, BURST, &next, 0, env.rt_mac), BURST);
	next = 0;
	for (uint32_t i = 0; i < BURST; i++) {
		if (!nic_tx_room(env.n, T0))
			nic_tx_flush(env.n, T0);
		nic_send(env.n, i, len_of(i), T0);
	}
	while (nic_tx_flush(env.n, T0))
		;	/* a kernel ring that was full: retried */
	CHECK_EQ(peer_collect(BURST, &next, 0), BURST);
	nic_stats_get(env.n, &st);
	CHECK_EQ(st.rx_frames, BURST);
	CHECK_EQ(st.rx_dropped, 0);
	CHECK_EQ(st.tx_frames, BURST);
	CHECK_EQ(st.tx_dropped, 0);
	CHECK_EQ(st.tx_queue_hw, 64);
	net_down();
}

static void test_nic_afpacket_burst_both_ways(void **state)
{
	(void)state;
	in_netns(burst);
}

static bool promiscuous(const char *ifname, int count)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd),
		 "ip -d link show %s | grep -q 'promiscuity %d '", ifname,
		 count);
	return system(cmd) == 0;
}

static void promisc(void)
{
	static const uint8_t foreign[6] = { 0x02, 0, 0, 0, 0, 0x99 };
	uint32_t next = 7;

	net_up();
	CHECK(promiscuous("rt0", 0));
	env.n = open_nic(-1, "rt0", 0, 0, env.pool);
	CHECK(promiscuous("rt0", 1));
	peer_send(7, 200, foreign);
	CHECK_EQ(nic_collect(env.n, 1, &next, 200, foreign), 1);
	env.n = nic_close(env.n);
	CHECK(promiscuous("rt0", 0));
	net_down();
}

static void test_nic_afpacket_promiscuous(void **state)
{
	(void)state;
	in_netns(promisc);
}

static void vlan(void)
{
	uint8_t f[200], want[200];
	struct pkt *pk[4];
	uint64_t end;
	size_t k = 0;

	net_up();
	env.n = open_nic(-1, "rt0", 0, 0, env.pool);
	/* 802.1Q tag, VID 5, priority 3: the kernel moves it out of the
	 * frame on receive; the driver puts it back */
	make_frame(f, env.rt_mac, env.wire_mac, 200, 1);
	memmove(f + 16, f + 12, 200 - 16);
	f[12] = 0x81;
	f[13] = 0x00;
	f[14] = 0x60;
	f[15] = 0x05;
	memcpy(want, f, sizeof(f));
	CHECK_EQ(send(env.peer, f, sizeof(f), 0), sizeof(f));
	for (end = ms_now() + WAIT_MS; !k && ms_now() < end; usleep(1000))
		k = nic_rx_burst(env.n, pk, 4);
	CHECK_EQ(k, 1);
	/* the arrival time is on the monotonic clock, not the ring's */
	CHECK(pk[0]->ts_ns <= rtk_now_ns());
	CHECK(rtk_now_ns() - pk[0]->ts_ns < RTK_S(10));
	CHECK_EQ(pk[0]->len, sizeof(f));
	CHECK(!memcmp(pkt_data(pk[0]), want, sizeof(f)));
	pkt_free(pk[0]);
	net_down();
}

static void test_nic_afpacket_vlan_tag_is_put_back(void **state)
{
	(void)state;
	in_netns(vlan);
}

/* One frame to an idle NIC is there at once: the kernel hands over each
 * frame of a TPACKET_V2 ring as soon as it is written and wakes the
 * socket for it, where a TPACKET_V3 block would wait for its timeout. No
 * time is measured: poll() must report the frame (not time out) and the
 * burst right after it must return it, without a retry. */
static void single_frame(void)
{
	struct pollfd pfd = { .events = POLLIN };
	socklen_t optlen = sizeof(int);
	struct nic_stats st;
	struct pkt *pk[4];
	int version = -1;

	net_up();
	env.n = open_nic(-1, "rt0", 0, 0, env.pool);
	pfd.fd = nic_fd(env.n);
	CHECK(getsockopt(pfd.fd, SOL_PACKET, PACKET_VERSION, &version,
			 &optlen) == 0);
	CHECK_EQ(version, TPACKET_V2);
	for (uint32_t i = 0; i < 5; i++) {
		CHECK_EQ(poll(&pfd, 1, 0), 0);		/* idle */
		CHECK_EQ(nic_rx_burst(env.n, pk, 4), 0);
		peer_send(i, len_of(i), env.rt_mac);
		CHECK_EQ(poll(&pfd, 1, 500), 1);	/* 0: timed out */
		CHECK(pfd.revents & POLLIN);
		CHECK_EQ(nic_rx_burst(env.n, pk, 4), 1);
		check_frame(pkt_data(pk[0]), pk[0]->len, env.rt_mac,
			    env.wire_mac, len_of(i), i);
		pkt_free(pk[0]);
	}
	CHECK_EQ(poll(&pfd, 1, 0), 0);	/* each slot went back */
	nic_stats_get(env.n, &st);
	CHECK_EQ(st.rx_frames, 5);
	CHECK_EQ(st.rx_dropped, 0);
	net_down();
}

static void test_nic_afpacket_single_frame_is_readable_at_once(void **state)
{
	(void)state;
	in_netns(single_frame);
}

#define JUMBO_MTU	9216
#define JUMBO_LEN	(JUMBO_MTU + 14)	/* untagged, no FCS */

/* Insert an 802.1Q tag (VID 5, priority 3) after the MACs. @return len */
static size_t add_tag(uint8_t *f, size_t len)
{
	memmove(f + 16, f + 12, len - 12);
	f[12] = 0x81;
	f[13] = 0x00;
	f[14] = 0x60;
	f[15] = 0x05;
	return len + 4;
}

/* Frames up to PKT_FRAME_MAX (jumbo MTU and a VLAN tag) fit one slot of
 * each ring: none is truncated or dropped. */
static void jumbo(void)
{
	static uint8_t f[2][PKT_FRAME_MAX];
	size_t len[2], k = 0;
	struct nic_stats st;
	struct pkt *pk[4];
	uint32_t next = 2;
	uint64_t end;

	net_up();
	sh("ip link set rt0 mtu %d && ip link set wire0 mtu %d", JUMBO_MTU,
	   JUMBO_MTU);
	env.n = open_nic(-1, "rt0", 0, 0, env.pool);
	/* peer -> driver: untagged, then tagged (PKT_FRAME_MAX bytes) */
	len[0] = make_frame(f[0], env.rt_mac, env.wire_mac, JUMBO_LEN, 0);
	len[1] = add_tag(f[1], make_frame(f[1], env.rt_mac, env.wire_mac,
					  JUMBO_LEN, 1));
	CHECK_EQ(len[1], PKT_FRAME_MAX);
	for (int i = 0; i < 2; i++)
		CHECK_EQ(send(env.peer, f[i], len[i], 0), (long long)len[i]);
	for (end = ms_now() + WAIT_MS; k < 2 && ms_now() < end; usleep(1000))
		k += nic_rx_burst(env.n, pk + k, 4 - k);
	CHECK_EQ(k, 2);
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(pk[i]->len, len[i]);
		CHECK(!memcmp(pkt_data(pk[i]), f[i], len[i]));
		pkt_free(pk[i]);
	}
	/* driver -> peer: the same two; the peer's kernel takes the tag
	 * out, so it reads both as untagged frames */
	nic_send(env.n, 2, JUMBO_LEN, T0);
	pk[0] = pkt_get(env.pool);
	CHECK(pk[0]);
	pk[0]->len = (uint16_t)add_tag(pkt_data(pk[0]),
				       make_frame(pkt_data(pk[0]), env.wire_mac,
						  env.rt_mac, JUMBO_LEN, 3));
	CHECK_EQ(nic_tx(env.n, pk[0], T0), 0);
	CHECK_EQ(nic_tx_flush(env.n, T0), 0);
	CHECK_EQ(peer_collect(2, &next, JUMBO_LEN), 2);
	nic_stats_get(env.n, &st);
	CHECK_EQ(st.rx_frames, 2);
	CHECK_EQ(st.rx_dropped, 0);
	CHECK_EQ(st.tx_frames, 2);
	CHECK_EQ(st.tx_bytes, JUMBO_LEN + PKT_FRAME_MAX);
	CHECK_EQ(st.tx_dropped, 0);
	net_down();
}

static void test_nic_afpacket_jumbo_frames_fit_a_slot(void **state)
{
	(void)state;
	in_netns(jumbo);
}

/* --- checksums of frames the kernel sends --------------------------------- */

static uint32_t sum16(uint32_t s, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* L4 protocol of an IPv4/IPv6 frame (0 if neither) and whether its
 * UDP/TCP checksum verifies; *payload gets the L4 payload. */
static int l4_check(const uint8_t *f, size_t len, bool *ok,
		    const uint8_t **payload, size_t *plen)
{
	uint16_t type = (uint16_t)(f[12] << 8 | f[13]);
	const uint8_t *ip = f + 14, *l4;
	size_t l4len, hl;
	uint32_t s;
	int proto;

	if (type == 0x0800 && len >= 34) {
		proto = ip[9];
		l4 = ip + (ip[0] & 0xf) * 4;
		l4len = (size_t)(ip[2] << 8 | ip[3]) - (size_t)(l4 - ip);
		s = sum16(0, ip + 12, 8);
	} else if (type == 0x86dd && len >= 54) {
		proto = ip[6];
		l4 = ip + 40;
		l4len = (size_t)(ip[4] << 8 | ip[5]);
		s = sum16(0, ip + 8, 32);
	} else {
		return 0;
	}
	if (proto != 6 && proto != 17)
		return 0;
	CHECK((size_t)(l4 - f) + l4len <= len);
	hl = proto == 17 ? 8 : (size_t)(l4[12] >> 4) * 4;
	*ok = fold(sum16(s + (uint32_t)proto + (uint32_t)l4len, l4,
			 l4len)) == 0xffff;
	*payload = l4 + hl;
	*plen = l4len - hl;
	return proto;
}

/* Wait at the driver for a frame of L4 protocol @p proto; check that its
 * checksum verifies and its payload is @p want. */
static void expect_l4(int proto, const uint8_t *want, size_t wlen)
{
	struct pollfd pfd = { .fd = nic_fd(env.n), .events = POLLIN };
	uint64_t end = ms_now() + WAIT_MS;
	struct pkt *pk[16];
	bool found = false;

	while (!found && ms_now() < end) {
		size_t k = nic_rx_burst(env.n, pk, 16);

		for (size_t i = 0; i < k; i++) {
			const uint8_t *pl;
			size_t plen;
			bool ok;

			if (!found && l4_check(pkt_data(pk[i]), pk[i]->len,
					       &ok, &pl, &plen) == proto) {
				CHECK(ok);
				CHECK_EQ(plen, wlen);
				CHECK(!wlen || !memcmp(pl, want, wlen));
				/* monotonic, also for TCP (the stack's
				 * own departure time is not leaked) */
				CHECK(pk[i]->ts_ns <= rtk_now_ns());
				CHECK(rtk_now_ns() - pk[i]->ts_ns < RTK_S(10));
				found = true;
			}
			pkt_free(pk[i]);
		}
		if (!k)
			poll(&pfd, 1, 10);
	}
	CHECK(found);
}

/* The kernel's part of the premise: a plain AF_PACKET socket on rt0 sees
 * the same frame flagged CSUMNOTREADY, with a checksum that does not
 * verify. @return whether such a frame was seen */
static bool observer_saw_partial(int obs)
{
	static uint8_t f[2048];
	char ctl[CMSG_SPACE(sizeof(struct tpacket_auxdata))];
	bool seen = false;

	for (;;) {
		struct iovec iov = { f, sizeof(f) };
		struct msghdr mh = {
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = ctl, .msg_controllen = sizeof(ctl),
		};
		struct cmsghdr *c;
		const uint8_t *pl;
		size_t plen;
		bool ok;
		ssize_t r = recvmsg(obs, &mh, MSG_DONTWAIT);

		if (r < 0)
			return seen;
		if (!l4_check(f, (size_t)r, &ok, &pl, &plen))
			continue;
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			struct tpacket_auxdata aux;

			if (c->cmsg_level != SOL_PACKET ||
			    c->cmsg_type != PACKET_AUXDATA)
				continue;
			memcpy(&aux, CMSG_DATA(c), sizeof(aux));
			if ((aux.tp_status & TP_STATUS_CSUMNOTREADY) && !ok)
				seen = true;
		}
	}
}

static void udp_send(int fam, const char *addr, const void *buf, size_t len)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(9999) };
	struct sockaddr_in s4 = { .sin_family = AF_INET,
				  .sin_port = htons(9999) };
	int s = socket(fam, SOCK_DGRAM, 0);
	ssize_t r;

	CHECK(s >= 0);
	if (fam == AF_INET) {
		CHECK(inet_pton(AF_INET, addr, &s4.sin_addr) == 1);
		r = sendto(s, buf, len, 0, (struct sockaddr *)&s4, sizeof(s4));
	} else {
		CHECK(inet_pton(AF_INET6, addr, &s6.sin6_addr) == 1);
		r = sendto(s, buf, len, 0, (struct sockaddr *)&s6, sizeof(s6));
	}
	CHECK_EQ(r, (long long)len);
	close(s);
}

static void kernel_checksums(void)
{
	static const size_t lens[] = { 1, 2, 99, 1000, 1472 };
	struct sockaddr_in dst = { .sin_family = AF_INET,
				   .sin_port = htons(8080) };
	static uint8_t buf[1472];
	int obs, one = 1, tcp;

	net_up();
	sh("ip addr add 198.18.0.1/24 dev wire0");
	sh("ip neigh replace 198.18.0.2 lladdr %s dev wire0 nud permanent",
	   mac_str(env.rt_mac));
	obs = raw_socket("rt0", false);
	CHECK(setsockopt(obs, SOL_PACKET, PACKET_AUXDATA, &one,
			 sizeof(one)) == 0);
	env.n = open_nic(-1, "rt0", 0, 0, env.pool);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 13 + 5);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		udp_send(AF_INET, "198.18.0.2", buf, lens[i]);
		expect_l4(17, buf, lens[i]);
	}
	/* a TCP SYN, also sent with CHECKSUM_PARTIAL */
	tcp = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CHECK(tcp >= 0);
	CHECK(inet_pton(AF_INET, "198.18.0.2", &dst.sin_addr) == 1);
	CHECK(connect(tcp, (struct sockaddr *)&dst, sizeof(dst)) < 0 &&
	      errno == EINPROGRESS);
	expect_l4(6, NULL, 0);
	close(tcp);
	/* IPv6 on wire0 only (its router solicitations are just noise) */
	write_file("/proc/sys/net/ipv6/conf/wire0/disable_ipv6", "0");
	sh("ip -6 addr add 2001:2::1/64 dev wire0 nodad");
	sh("ip -6 neigh replace 2001:2::2 lladdr %s dev wire0 nud permanent",
	   mac_str(env.rt_mac));
	udp_send(AF_INET6, "2001:2::2", buf, 333);
	expect_l4(17, buf, 333);
	CHECK(observer_saw_partial(obs));
	close(obs);
	net_down();
}

static void test_nic_afpacket_completes_kernel_checksums(void **state)
{
	(void)state;
	in_netns(kernel_checksums);
}

/* --- losses --------------------------------------------------------------- */

#define FLOOD 4000	/* frames: more than the RX ring's 1029 slots */

static void kernel_drops(void)
{
	struct pollfd pfd;
	struct nic_stats st;
	struct pkt *pk[64];
	uint64_t quiet;
	size_t k;

	net_up();
	env.n = open_nic(-1, "rt0", 0, 0, env.pool);
	pfd.fd = nic_fd(env.n);
	pfd.events = POLLIN;
	for (uint32_t i = 0; i < FLOOD; i++)
		peer_send(i, 1514, env.rt_mac);
	/* read until the ring stays empty for 100 ms */
	for (quiet = ms_now() + 100; ms_now() < quiet;) {
		k = nic_rx_burst(env.n, pk, 64);
		for (size_t i = 0; i < k; i++)
			pkt_free(pk[i]);
		if (k)
			quiet = ms_now() + 100;
		else
			poll(&pfd, 1, 5);
	}
	/* the kernel flags the next frame TP_STATUS_LOSING */
	peer_send(FLOOD, 1514, env.rt_mac);
	for (quiet = ms_now() + WAIT_MS; ms_now() < quiet;) {
		k = nic_rx_burst(env.n, pk, 64);
		for (size_t i = 0; i < k; i++)
			pkt_free(pk[i]);
		nic_stats_get(env.n, &st);
		if (st.rx_frames + st.rx_dropped == FLOOD + 1)
			break;
		poll(&pfd, 1, 5);
	}
	nic_stats_get(env.n, &st);
	fprintf(stderr, "# %d frames: %llu received, %llu lost in the ring\n",
		FLOOD + 1, (unsigned long long)st.rx_frames,
		(unsigned long long)st.rx_dropped);
	CHECK(st.rx_dropped > 0);
	CHECK_EQ(st.rx_frames + st.rx_dropped, FLOOD + 1);
	net_down();
}

static void test_nic_afpacket_counts_kernel_drops(void **state)
{
	(void)state;
	in_netns(kernel_drops);
}

static void pool_empty(void)
{
	struct pkt_pool *small = NULL;
	struct pkt *pk[16];
	struct nic_stats st;
	uint32_t next = 0;
	uint64_t end;
	size_t k = 0;

	net_up();
	CHECK(pkt_pool_create(&small, "small", 4) == 0);
	env.n = open_nic(-1, "rt0", 0, 0, small);
	for (uint32_t i = 0; i < 10; i++)
		peer_send(i, 100, env.rt_mac);
	for (end = ms_now() + WAIT_MS; k < 4 && ms_now() < end; usleep(1000))
		k += nic_rx_burst(env.n, pk + k, 16 - k);
	CHECK_EQ(k, 4);
	nic_stats_get(env.n, &st);
	CHECK_EQ(st.rx_frames, 4);
	CHECK_EQ(st.rx_dropped, 6);
	for (size_t i = 0; i < k; i++)
		pkt_free(pk[i]);
	/* with packets back, frames flow again */
	next = 10;
	peer_send(10, 100, env.rt_mac);
	CHECK_EQ(nic_collect(env.n, 1, &next, 100, env.rt_mac), 1);
	env.n = nic_close(env.n);
	CHECK_EQ(pkt_pool_free_count(small), 4);
	pkt_pool_destroy(small);
	net_down();
}

static void test_nic_afpacket_pool_empty_drops(void **state)
{
	(void)state;
	in_netns(pool_empty);
}

static void ring_full(void)
{
	struct nic_stats st;
	uint64_t ring, now = T0;
	uint32_t next = 0;

	net_up();
	env.n = open_nic(-1, "rt0", 0, 64, env.pool);
	/* link down: send() fails, the kernel TX ring fills up */
	sh("ip link set rt0 down");
	for (uint32_t i = 0; i < 400; i++) {
		struct pkt *p = pkt_get(env.pool);

		CHECK(p);
		p->len = (uint16_t)make_frame(pkt_data(p), env.wire_mac,
					      env.rt_mac, 100, i);
		nic_tx(env.n, p, now);
	}
	CHECK_EQ(nic_tx_flush(env.n, now), now + 50000);
	nic_stats_get(env.n, &st);
	ring = st.tx_frames;		/* frames the kernel ring holds */
	fprintf(stderr, "# kernel TX ring took %llu frames\n",
		(unsigned long long)ring);
	CHECK(ring > 0 && ring < 400 - 64);
	CHECK_EQ(st.tx_queue, 64);	/* the rest waits in the NIC */
	CHECK_EQ(st.tx_dropped, 400 - 64 - ring);
	CHECK_EQ(nic_tx_room(env.n, now), 0);
	/* link up: the retries send everything kept, in order */
	sh("ip link set rt0 up");
	while ((now = nic_tx_flush(env.n, now)) != 0)
		usleep(100);
	nic_stats_get(env.n, &st);
	CHECK_EQ(st.tx_queue, 0);
	CHECK_EQ(st.tx_frames, ring + 64);
	CHECK_EQ(peer_collect(ring + 64, &next, 100), ring + 64);
	CHECK_EQ(nic_tx_room(env.n, T0), 64);
	net_down();
}

static void test_nic_afpacket_full_kernel_ring_keeps_frames(void **state)
{
	(void)state;
	in_netns(ring_full);
}

static void paced(void)
{
	struct nic_stats st;
	uint64_t now = T0, next;
	uint32_t seq = 0, got = 0;

	net_up();
	env.n = open_nic(-1, "rt0", 100, 4, env.pool);
	/* times are given, not read: the pacing is exact */
	for (;;) {
		size_t room = nic_tx_room(env.n, now);

		while (room-- && seq < 20)
			nic_send(env.n, seq++, 1514, now);
		next = nic_tx_flush(env.n, now);
		if (!next && seq == 20)
			break;
		/* nothing queued but the wire still busy with more than the
		 * queue's bound (one frame): room comes a moment later */
		now = next ? next : now + 1;
	}
	CHECK_EQ(peer_collect(20, &got, 1514), 20);
	nic_stats_get(env.n, &st);
	CHECK_EQ(st.tx_frames, 20);
	CHECK_EQ(st.wire_busy_ns, 20 * 123040ull);	/* 1538 * 8 bits */
	CHECK_EQ(now, T0 + 19 * 123040ull);
	net_down();
}

static void test_nic_afpacket_paced_sends_at_link_rate(void **state)
{
	(void)state;
	in_netns(paced);
}

static int bound_socket(const char *ifname)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
	};
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));

	CHECK(fd >= 0);
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	CHECK(bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == 0);
	return fd;
}

/* One frame each way through a NIC on a socket given at open. */
static void exchange_on(int fd, const char *ifname)
{
	uint32_t next = 0;

	env.n = open_nic(fd, ifname, 0, 0, env.pool);
	CHECK_EQ(nic_fd(env.n), fd);
	peer_send(0, 1514, env.rt_mac);
	CHECK_EQ(nic_collect(env.n, 1, &next, 1514, env.rt_mac), 1);
	next = 0;
	nic_send(env.n, 0, 700, T0);
	nic_tx_flush(env.n, T0);
	CHECK_EQ(peer_collect(1, &next, 700), 1);
	env.n = nic_close(env.n);
	CHECK(fcntl(fd, F_GETFD) < 0 && errno == EBADF);  /* NIC closed it */
}

static void handed_over(void)
{
	int bound, unbound;

	net_up();
	/* as the dispatcher does: opened (and bound) in the NIC's
	 * namespace; frames queued on it before the NIC opens are stale */
	bound = bound_socket("rt0");
	unbound = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	CHECK(unbound >= 0);
	for (uint32_t i = 100; i < 103; i++)
		peer_send(i, 60, env.rt_mac);
	usleep(20000);
	/* rtpart lives elsewhere: rt0 does not exist in its namespace */
	CHECK(unshare(CLONE_NEWNET) == 0);
	CHECK(if_nametoindex("rt0") == 0);
	exchange_on(bound, NULL);	/* the interface it is bound to */
	exchange_on(unbound, "rt0");	/* by name, in the socket's netns */
	net_down();
}

static void test_nic_afpacket_takes_a_socket_from_another_netns(
	void **state)
{
	(void)state;
	in_netns(handed_over);
}

/* --- no allocation by an RT task after start ------------------------------ */

static _Atomic int rt_runs;

static void rt_fn(unsigned wake, void *arg)
{
	uint64_t now = rtk_now_ns();
	struct pkt *pk[16], *p;
	size_t k;

	(void)wake;
	(void)arg;
	k = nic_rx_burst(env.n, pk, 16);
	for (size_t i = 0; i < k; i++)
		pkt_free(pk[i]);
	for (int i = 0; i < 4 && nic_tx_room(env.n, now); i++) {
		p = pkt_get(env.pool);
		if (!p)
			break;
		p->len = (uint16_t)make_frame(pkt_data(p), env.wire_mac,
					      env.rt_mac, 1000, 0);
		nic_tx(env.n, p, now);
	}
	nic_tx_flush(env.n, now);
	atomic_fetch_add(&rt_runs, 1);
}

static void rt_no_alloc(void)
{
	struct rtk_cfg cfg = { .no_rt = true };
	struct rtk_task_cfg tc = {
		.name = "net", .prio = 5, .period_ns = RTK_MS(1),
		.wake_fd = -1, .fn = rt_fn,
	};
	struct rtk_task *t = NULL;
	uint64_t end;

	net_up();
	env.n = open_nic(-1, "rt0", 0, 0, env.pool);
	tc.wake_fd = nic_fd(env.n);
	CHECK(rtk_init(&cfg) == 0);
	CHECK(rtk_task_create(&t, &tc) == 0);
	CHECK(rtk_start() == 0);
	for (end = ms_now() + WAIT_MS; ms_now() < end &&
	     atomic_load(&rt_runs) < 50; usleep(1000))
		peer_send(1, 300, env.rt_mac);
	CHECK(atomic_load(&rt_runs) >= 50);
	CHECK_EQ(rtk_alloc_count(), 0);
	rtk_stop();
	net_down();
}

static void test_nic_afpacket_rt_task_allocates_nothing(void **state)
{
	(void)state;
	in_netns(rt_no_alloc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nic_afpacket_open_errors),
		cmocka_unit_test(test_nic_afpacket_frames_go_both_ways),
		cmocka_unit_test(test_nic_afpacket_burst_both_ways),
		cmocka_unit_test(test_nic_afpacket_promiscuous),
		cmocka_unit_test(test_nic_afpacket_vlan_tag_is_put_back),
		cmocka_unit_test(
			test_nic_afpacket_single_frame_is_readable_at_once),
		cmocka_unit_test(test_nic_afpacket_jumbo_frames_fit_a_slot),
		cmocka_unit_test(test_nic_afpacket_completes_kernel_checksums),
		cmocka_unit_test(test_nic_afpacket_counts_kernel_drops),
		cmocka_unit_test(test_nic_afpacket_pool_empty_drops),
		cmocka_unit_test(
			test_nic_afpacket_full_kernel_ring_keeps_frames),
		cmocka_unit_test(test_nic_afpacket_paced_sends_at_link_rate),
		cmocka_unit_test(
			test_nic_afpacket_takes_a_socket_from_another_netns),
		cmocka_unit_test(test_nic_afpacket_rt_task_allocates_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
