// SPDX-License-Identifier: MIT
/** @file rtpart.c  The RT partition: executive, bus service, status page */
#define LOG_MODULE "rtpart"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board/rtpart.h"
#include "hal/nic.h"
#include "hal/pkt.h"
#include "hal/tdm.h"
#include "media/engine.h"
#include "media/rtpleg.h"
#include "media/codec.h"
#include "media/srtpctx.h"
#include "rtos-kernel/heap.h"
#include "rtos-kernel/log.h"
#include "rtos-kernel/rtk.h"
#include "rtos-kernel/task.h"
#include "rtos-kernel/wdog.h"
#include "sharednet/probe.h"
#include "sharednet/rtnet.h"
#include "sharednet/rtstat.h"

/* the status page has a row for every channel the configuration allows */
_Static_assert(RTSTAT_MAX_CHANS >= CFG_MAX_CHANNELS, "rtstat rows");

#define PRIO_LWIP	75	/* above the net task: holds lwIP's lock briefly */
#define PRIO_NET	70
#define PRIO_PROBE	65
#define PRIO_MEDIA	65
#define PRIO_STATS	RTK_PRIO_MIN
#define NIC_FD_ENV	"GW_NIC_FD"
#define VTDM_FD_ENV	"GW_VTDM"
#define STATS_PERIOD	RTK_MS(100)
#define BATCH		64	/* records taken per ring per tick */

struct rtpart {
	struct bus *bus;
	struct pkt_pool *pkts;
	struct nic *nic;
	struct rtnet *net;
	struct probe *probe;
	struct rtstat *page;
	uint64_t started_ns;
	struct rtk_task *media_task;
	struct rtk_task *stats_task;
	struct tdm *tdm;
};

static void media_run(unsigned wake, void *arg)
{
	struct rtpart *rp = arg;
	unsigned ticks = rp->tdm ? tdm_ticks(rp->tdm) : 1;

	(void)wake;
	engine_run(rtk_now_ns(), ticks);
}

static void put_task(struct rtstat_task *o, const struct rtk_task_stats *st)
{
	memcpy(o->name, st->name, sizeof(o->name));
	o->prio = st->prio;
	o->fifo = st->fifo;
	o->period_ns = st->period_ns;
	o->runs = st->runs;
	o->missed = st->missed;
	o->skipped = st->skipped;
	o->overruns = st->overruns;
	o->stalls = st->stalls;
	o->timers_fired = st->timers_fired;
	o->lat_count = st->lateness.count;
	o->lat_p50 = rtk_hist_pct(&st->lateness, 50);
	o->lat_p99 = rtk_hist_pct(&st->lateness, 99);
	o->lat_p999 = rtk_hist_pct(&st->lateness, 99.9);
	o->lat_max = st->lateness.max;
	o->run_p50 = rtk_hist_pct(&st->runtime, 50);
	o->run_p99 = rtk_hist_pct(&st->runtime, 99);
	o->run_max = st->runtime.max;
	memset(o->lat_hist, 0, sizeof(o->lat_hist));
	for (unsigned b = 0; b < RTK_HIST_NBUCKETS; b++) {
		uint64_t low = rtk_hist_bucket_low(b);
		unsigned p = low ? 63 - (unsigned)__builtin_clzll(low) : 0;

		o->lat_hist[p < RTSTAT_HIST ? p : RTSTAT_HIST - 1] +=
			st->lateness.bucket[b];
	}
}

static void put_counter(struct rtstat *pg, const char *a, const char *b,
			const char *c, uint64_t v)
{
	char name[RTSTAT_NAME];

	snprintf(name, sizeof(name), "%s.%s.%s", a, b, c);
	rtstat_counter_set(pg, name, v);
}

static void put_heap(struct rtstat *pg, struct rtpart *rp)
{
	struct rtk_heap_stats hs;
	struct rtk_pool_stats ps;
	char size[16];

	rtk_heap_stats_get(&hs);
	for (int c = 0; c < RTK_HEAP_CLASSES; c++) {
		snprintf(size, sizeof(size), "%zu", hs.cls[c].block_size);
		put_counter(pg, "rt.heap", size, "used",
			    hs.cls[c].capacity - hs.cls[c].free);
		put_counter(pg, "rt.heap", size, "capacity", hs.cls[c].capacity);
		put_counter(pg, "rt.heap", size, "failures", hs.cls[c].failures);
	}
	rtk_pool_stats_get(pkt_pool_rtk(rp->pkts), &ps);
	put_counter(pg, "rt", "packets", "free", ps.free);
	put_counter(pg, "rt", "packets", "low_water", ps.low_water);
	put_counter(pg, "rt", "packets", "failures", ps.failures);
}

static void publish(struct rtpart *rp)
{
	static struct rtk_task_stats st;	/* 9 KB: not on the RT stack */
	struct rtstat *pg = rp->page;
	struct rtk_info info;
	size_t i, n = rtk_task_count();

	rtk_info_get(&info);
	rtstat_begin(pg);
	pg->updated_ns = rtk_now_ns();
	pg->started_ns = rp->started_ns;
	pg->pid = (uint32_t)getpid();
	pg->fifo = info.fifo;
	pg->memory_locked = info.memory_locked;
	pg->ncpus = (uint32_t)info.ncpus;
	memcpy(pg->warning, info.warning, sizeof(pg->warning));
	pg->alloc_after_start = rtk_alloc_count();
	pg->ntasks = n < RTSTAT_MAX_TASKS ? (uint32_t)n : RTSTAT_MAX_TASKS;
	for (i = 0; i < pg->ntasks; i++) {
		rtk_task_stats_get(rtk_task_at(i), &st);
		put_task(&pg->task[i], &st);
	}
	if (rp->net)
		rtnet_publish(rp->net, pg);
	engine_publish(pg);
	if (rp->tdm) {
		struct tdm_stats ts;

		tdm_stats_get(rp->tdm, &ts);
		put_counter(pg, "tdm", "card", "ticks", ts.ticks);
		put_counter(pg, "tdm", "card", "late_ticks", ts.late_ticks);
		put_counter(pg, "tdm", "card", "frame_late_ticks",
			    ts.frame_late_ticks);
		put_counter(pg, "tdm", "card", "rx_underruns", ts.rx_underruns);
		put_counter(pg, "tdm", "card", "tx_overruns", ts.tx_overruns);
		put_counter(pg, "tdm", "card", "events", ts.events);
		put_counter(pg, "tdm", "card", "events_lost", ts.events_lost);
	}
	if (rp->probe) {
		uint64_t sent, failed;

		probe_counts(rp->probe, &sent, &failed);
		put_counter(pg, "rt", "probe", "sent", sent);
		put_counter(pg, "rt", "probe", "failed", failed);
	}
	put_heap(pg, rp);
	rtstat_end(pg);
}

static void stats_tick(unsigned wake, void *arg)
{
	(void)wake;
	publish(arg);
}

static int open_nic(struct rtpart *rp, const struct gw_config *cfg)
{
	static const enum nic_kind kinds[] = {
		[CFG_NIC_AFPACKET] = NIC_AFPACKET, [CFG_NIC_TAP] = NIC_TAP,
		[CFG_NIC_MEM] = NIC_MEM,
	};
	const char *fd = getenv(NIC_FD_ENV);
	struct nic_cfg nc = {
		.kind = kinds[cfg->net.nic], .ifname = cfg->net.nic_ifname,
		.fd = fd ? atoi(fd) : -1, .link_mbps = (uint32_t)
		cfg->net.link_mbps, .pool = rp->pkts,
	};
	int err;

	if (nc.kind == NIC_MEM) {
		LOG_ERR("nic: the mem driver has no wire: use afpacket or tap");
		return -EINVAL;
	}
	err = nic_open(&rp->nic, &nc);
	if (err)
		LOG_ERR("nic %s (%s%s): %s", cfg->net.nic_ifname,
			nic_kind_name(nc.kind), fd ? ", handed over" : "",
			strerror(-err));
	return err;
}

static int start_probe(struct rtpart *rp, const struct gw_config *cfg)
{
	struct probe_cfg pc = {
		.dest = cfg->probe.dest.s_addr,
		.port = (uint16_t)cfg->probe.port,
		.src_port = (uint16_t)cfg->probe.src_port,
		.streams = (uint32_t)cfg->probe.streams,
		.bytes = (uint32_t)cfg->probe.bytes,
		.interval_ns = RTK_US(cfg->probe.interval_us),
		.prio = PRIO_PROBE,
		.net = rp->net,
	};

	for (uint32_t i = 0; i < pc.streams; i++) {
		if (!cfg_ports_contain(&cfg->ports.rt,
				       (uint16_t)(pc.src_port + i))) {
			LOG_ERR("probe: source port %u is not an RT port",
				pc.src_port + i);
			return -EINVAL;
		}
	}
	return probe_create(&rp->probe, &pc);
}

static int open_card(struct rtpart *rp, const struct gw_config *cfg)
{
	const char *fd = getenv(VTDM_FD_ENV);
	struct tdm_cfg tc = { .fd = fd ? atoi(fd) : -1,
			      .dev_dir = cfg->tdm.dahdi_dir };
	char why[160];
	int err;

	if (cfg->tdm.card == CFG_TDM_NONE)
		return 0;
	tc.kind = cfg->tdm.card == CFG_TDM_VTDM ? TDM_VTDM : TDM_DAHDI;
	err = tdm_layout_parse(cfg->tdm.spans, &tc.layout, why, sizeof(why));
	if (!err && tc.kind == TDM_VTDM && !fd) {
		LOG_ERR("tdm: vtdm card without its region (%s not set: start "
			"rtpart from the dispatcher)", VTDM_FD_ENV);
		return -ENODEV;
	}
	if (!err)
		err = tdm_open(&rp->tdm, &tc);
	if (err)
		LOG_ERR("tdm: %s card: %s", tc.kind == TDM_VTDM ? "vtdm" :
			"dahdi", strerror(-err));
	return err;
}

/* the media task: clocked by the card's fd, or every tick without one */
static int start_media(struct rtpart *rp, const struct gw_config *cfg,
		       struct rtk_task_cfg *mt)
{
	struct engine_cfg ec = {
		.max_chans = (unsigned)cfg->media.max_channels,
		.max_fax = (unsigned)cfg->media.max_fax,
		.max_srtp = (unsigned)cfg->media.max_srtp,
		.max_g729 = (unsigned)cfg->media.max_g729,
		.bus = rp->bus, .net = rp->net, .country = cfg->media.country,
		.ec_max_tail_ms = (unsigned)cfg->media.ec_max_tail_ms,
		.dscp = (unsigned)cfg->media.dscp,
	};
	int err = open_card(rp, cfg);

	if (err)
		return err;
	ec.tdm = rp->tdm;
	err = engine_init(&ec);
	if (err)
		return err;
	if (rp->tdm) {
		mt->wake_fd = tdm_fd(rp->tdm);
		/* a card tick is 1 ms: a run must end before the next */
		mt->budget_ns = RTK_MS(1);
	} else {
		mt->period_ns = RTK_MS(1);
	}
	return 0;
}

static int start_net(struct rtpart *rp, const struct gw_config *cfg)
{
	struct rtnet_cfg rc = {
		.bus = rp->bus, .pool = rp->pkts,
		.link_mbps = (uint32_t)cfg->net.link_mbps,
		.tick_ns = RTK_US(cfg->rt.tick_us), .prio = PRIO_NET,
		.lwip_prio = PRIO_LWIP,
		.echo_port = cfg_ports_contain(&cfg->ports.rt, 7) ? 7 : 0,
		.txs_fifo = cfg->net.tx_scheduler == CFG_TXS_FIFO,
		.rx_moderation = cfg->net.rx_moderation,
	};
	struct netcfg_msg *m = &rc.initial;
	int err = open_nic(rp, cfg);

	if (err)
		return err;
	/* the configuration is the one source of truth at start; Linux's
	 * proxy sends eth0's real state as soon as it runs */
	m->version = NETCFG_VERSION;
	m->size = sizeof(*m);
	memcpy(m->mac, cfg->net.mac, 6);
	m->up = 1;
	m->ip = cfg->net.address.addr.s_addr;
	m->prefix_len = (uint8_t)cfg->net.address.len;
	m->gateway = cfg->net.gateway.s_addr;
	m->mtu = (uint32_t)cfg->net.mtu;
	ports_init(bus_ports(rp->bus), &cfg->ports.rt);
	rc.nic = rp->nic;
	err = rtnet_create(&rp->net, &rc);
	if (err || !cfg->probe.dest.s_addr)
		return err;
	return start_probe(rp, cfg);
}

/** Build the RT partition on @p bus from @p cfg. Context: init, main thread.
 *  @return 0 or a negative errno (logged) */
int rtpart_init(struct rtpart **rpp, const struct gw_config *cfg,
		struct bus *bus)
{
	struct rtk_cfg kc = {
		.cpus = cfg->board.rt_cpus,
		.lock_memory = cfg->rt.lock_memory,
		.poll_idle = cfg->rt.poll_idle,
		.alloc_abort = cfg->rt.alloc_abort,
		.heap_bytes = (size_t)cfg->rt.heap_kib * 1024,
		.heap_extra = { {
			.size = RTPLEG_HEAP_BLOCK,
			.blocks = (size_t)cfg->media.max_channels * 2 *
				  RTPLEG_HEAP_BLOCKS,
		} },
	};
	struct rtk_wdog_cfg wc = {
		.period_ns = RTK_MS(cfg->rt.watchdog_period_ms),
		.stall_ns = RTK_MS(cfg->rt.watchdog_stall_ms),
	};
	struct rtk_task_cfg mt = {
		.name = "media", .prio = PRIO_MEDIA, .wake_fd = -1,
		.fn = media_run,
	};
	struct rtk_task_cfg stt = {
		.name = "stats", .prio = PRIO_STATS, .wake_fd = -1,
		.period_ns = STATS_PERIOD, .fn = stats_tick,
	};
	struct rtpart *rp;
	int err;

	rp = calloc(1, sizeof(*rp));
	if (!rp)
		return -ENOMEM;
	rp->bus = bus;
	rp->page = bus_status(bus);
	/* SRTP legs' contexts (libsrtp2 on NSS allocates for them) and
	 * G.729 legs' coders (bcg729 allocates them) */
	_Static_assert(1 + SRTPCTX_HEAP_SIZES + CODEC_G729_HEAP_SIZES <=
		       RTK_HEAP_EXTRAS, "extras");
	for (unsigned i = 0; i < SRTPCTX_HEAP_SIZES; i++)
		kc.heap_extra[1 + i] = (struct rtk_heap_extra){
			srtpctx_heap_need[i].size,
			srtpctx_heap_need[i].blocks *
			(size_t)cfg->media.max_srtp };
	for (unsigned i = 0; i < CODEC_G729_HEAP_SIZES; i++)
		kc.heap_extra[1 + SRTPCTX_HEAP_SIZES + i] =
			(struct rtk_heap_extra){
			codec_g729_heap_need[i].size,
			codec_g729_heap_need[i].blocks *
			(size_t)cfg->media.max_g729 };
	mt.arg = rp;
	stt.arg = rp;
	err = rtk_init(&kc);
	if (!err)
		err = pkt_pool_create(&rp->pkts, "packets",
				      (size_t)cfg->rt.packets);
	if (!err)
		err = rtk_wdog_create(&wc);
	if (!err)
		err = start_net(rp, cfg);
	if (!err)
		err = start_media(rp, cfg, &mt);
	if (!err)
		err = rtk_task_create(&rp->media_task, &mt);
	if (!err)
		err = rtk_task_create(&rp->stats_task, &stt);
	if (err) {
		LOG_ERR("init: %s", strerror(-err));
		free(rp);
		return err;
	}
	*rpp = rp;
	return 0;
}

/** Start the tasks; from here on nothing is allocated on an RT thread.
 *  Context: main thread. @return 0 or a negative errno */
int rtpart_start(struct rtpart *rp)
{
	struct rtk_info info;
	int err;

	rp->started_ns = rtk_now_ns();
	publish(rp);
	err = rtk_start();
	if (err) {
		LOG_ERR("start: %s", strerror(-err));
		return err;
	}
	rtk_info_get(&info);
	LOG_INFO("started: %zu tasks, %s, memory %slocked, idle CPUs %s",
		 rtk_task_count(), info.fifo ? "SCHED_FIFO" : "normal priority",
		 info.memory_locked ? "" : "not ",
		 info.poll_idle ? "polling" : "halting");
	return 0;
}

/** Stop the tasks and publish the last figures. Context: main thread. */
void rtpart_stop(struct rtpart *rp)
{
	rtk_stop();
	publish(rp);
}

/** Free what rtpart_init() made. @return NULL */
struct rtpart *rtpart_free(struct rtpart *rp)
{
	free(rp);
	return NULL;
}
