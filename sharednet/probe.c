// SPDX-License-Identifier: MIT
/** @file probe.c  Voice-like probe streams from the RT partition */
#define LOG_MODULE "probe"
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <lwip/def.h>
#include <lwip/pbuf.h>
#include <lwip/tcpip.h>
#include <lwip/udp.h>

#include "rtos-kernel/log.h"
#include "rtos-kernel/rtk.h"
#include "rtos-kernel/task.h"
#include "sharednet/probe.h"
#include "sharednet/rtnet.h"

struct probe {
	struct probe_cfg cfg;
	struct udp_pcb **pcb;
	uint64_t seq;
	_Atomic uint64_t sent, failed;
};

static void send_all(unsigned wake, void *arg)
{
	struct probe *p = arg;
	ip_addr_t dst = IPADDR4_INIT(p->cfg.dest);
	uint64_t seq = p->seq++;

	(void)wake;
	if (p->cfg.net)
		rtnet_tx_hold(p->cfg.net);
	LOCK_TCPIP_CORE();
	for (uint32_t i = 0; i < p->cfg.streams; i++) {
		struct pbuf *pb = pbuf_alloc(PBUF_TRANSPORT,
					     (u16_t)p->cfg.bytes, PBUF_RAM);
		struct probe_hdr h = {
			.magic = lwip_htonl(PROBE_MAGIC),
			.stream = lwip_htonl(i),
			.seq = __builtin_bswap64(seq),
			.sent_ns = __builtin_bswap64(rtk_now_ns()),
		};

		if (!pb) {
			atomic_fetch_add(&p->failed, 1);
			continue;
		}
		memset(pb->payload, 0, p->cfg.bytes);
		memcpy(pb->payload, &h, sizeof(h));
		if (udp_sendto(p->pcb[i], pb, &dst,
			       (u16_t)(p->cfg.port + i)) == ERR_OK)
			atomic_fetch_add(&p->sent, 1);
		else
			atomic_fetch_add(&p->failed, 1);
		pbuf_free(pb);
	}
	UNLOCK_TCPIP_CORE();
	if (p->cfg.net)
		rtnet_tx_release(p->cfg.net);
}

/** Bind the streams' RT ports and create their task. Context: init, after
 *  lwIP is up, before rtk_start(). @return 0 or a negative errno */
int probe_create(struct probe **pp, const struct probe_cfg *cfg)
{
	struct rtk_task_cfg tc = {
		.name = "probe", .prio = cfg->prio, .wake_fd = -1,
		.period_ns = cfg->interval_ns, .fn = send_all,
	};
	struct rtk_task *t;
	struct probe *p;
	int err = 0;

	if (!cfg->dest || !cfg->streams || cfg->bytes < sizeof(struct probe_hdr)
	    || cfg->bytes > 1400 || !cfg->interval_ns)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->cfg = *cfg;
	p->pcb = calloc(cfg->streams, sizeof(*p->pcb));
	if (!p->pcb)
		return -ENOMEM;
	LOCK_TCPIP_CORE();
	for (uint32_t i = 0; i < cfg->streams && !err; i++) {
		p->pcb[i] = udp_new();
		if (!p->pcb[i] || udp_bind(p->pcb[i], IP_ANY_TYPE,
				(u16_t)(cfg->src_port + i)) != ERR_OK)
			err = -EADDRINUSE;
	}
	UNLOCK_TCPIP_CORE();
	if (!err) {
		tc.arg = p;
		err = rtk_task_create(&t, &tc);
	}
	if (err) {
		LOG_ERR("create: %s", strerror(-err));
		return err;
	}
	LOG_INFO("%u stream(s) every %llu us", cfg->streams,
		 (unsigned long long)(cfg->interval_ns / 1000));
	*pp = p;
	return 0;
}

/** Packets sent, and packets that could not be sent. Context: any. */
void probe_counts(const struct probe *p, uint64_t *sent, uint64_t *failed)
{
	*sent = atomic_load(&p->sent);
	*failed = atomic_load(&p->failed);
}
