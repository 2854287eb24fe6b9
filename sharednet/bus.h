/* SPDX-License-Identifier: MIT */
/** @file bus.h  The proxy bus: the partitions' shared-memory channels
 *
 * One memfd region, created by the dispatcher and mapped by both partitions,
 * holds a versioned header and one ring (ring.h) per channel of DESIGN.md
 * section 4. Each ring has an eventfd that wakes its consumer when that
 * consumer is a Linux process; the RT side polls.
 *
 *   channel            producer  consumer  carries
 *   BUS_CH_FRAMES_UP   RT        Linux     1: frames for the Linux stack
 *   BUS_CH_FRAMES_DOWN Linux     RT        2: frames Linux sends
 *   BUS_CH_NETCFG      Linux     RT        3: NIC configuration requests
 *   BUS_CH_MSG_UP      RT        Linux     4: messages RT -> Linux
 *   BUS_CH_MSG_DOWN    Linux     RT        4: messages Linux -> RT
 *
 * Attaching checks the header: another magic or version, a size that does
 * not match the memfd, rings that overlap or leave the region, and ring
 * indices that cannot be right are refused with a clear reason.
 *
 * The region also holds two areas the RT side writes and anyone who maps the
 * bus reads: the status page (rtstat.h, bus_status()) and the port
 * partition (ports.h, bus_ports()).
 *
 * Handing the bus to a child process: bus_env() formats the memfd and event
 * fds as "memfd,efd0,...,efd4" for the GW_BUS environment variable (the fds
 * must be inherited), and bus_attach_env() attaches from it.
 */
#ifndef SHAREDNET_BUS_H
#define SHAREDNET_BUS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sharednet/ring.h"
#include "sharednet/ports.h"
#include "sharednet/rtstat.h"

#define BUS_MAGIC	0x47574253u	/* "GWBS" */
#define BUS_VERSION	1u
#define BUS_ENV		"GW_BUS"

enum bus_chan {
	BUS_CH_FRAMES_UP,
	BUS_CH_FRAMES_DOWN,
	BUS_CH_NETCFG,
	BUS_CH_MSG_UP,
	BUS_CH_MSG_DOWN,
	BUS_NCHAN
};

/** Who attaches: a partition, or an observer (gwctl, the web UI) that maps
 *  the region read-only to read counters and the status page. */
enum bus_side { BUS_SIDE_RT, BUS_SIDE_LINUX, BUS_SIDE_OBSERVER };

/** Longest record per channel: a jumbo frame with metadata, or a message */
#define BUS_MAX_FRAME	16384u
#define BUS_MAX_NETCFG	1024u
#define BUS_MAX_MSG	2048u

struct bus_cfg {
	uint32_t ring_bytes[BUS_NCHAN];	/**< powers of two */
};

/** Header at offset 0 of the region; the layout is part of BUS_VERSION. */
struct bus_chan_desc {
	uint64_t ctl_off;	/**< struct ring_shm */
	uint64_t data_off;
	uint64_t data_size;
	uint32_t max_record;
	uint32_t producer;	/**< enum bus_side */
};

struct bus_shm_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t hdr_size;
	uint64_t region_size;
	uint32_t nchan;
	uint32_t creator_pid;
	struct bus_chan_desc chan[BUS_NCHAN];
	uint64_t status_off;	/**< struct rtstat, written by the RT side */
	uint64_t status_size;
	uint64_t ports_off;	/**< struct ports_shm, written by the RT side */
	uint64_t ports_size;
	uint64_t locks_off;	/**< struct bus_locks: Linux side only */
	uint64_t locks_size;
	uint64_t results_off;	/**< struct bus_results, written by RT */
	uint64_t results_size;
};

#define BUS_RESULTS 64

/** The outcome of recent requests on channel 4, written by the RT side as
 *  it answers them, for Linux tools that do not consume channel 4's
 *  replies. Entry i is valid when its stamp equals the count at which it
 *  was written + 1 (stamp written last, with release). */
struct bus_result {
	_Atomic uint32_t stamp;
	uint32_t seq;
	uint32_t chan;
	uint16_t type;
	int16_t err;
};

struct bus_results {
	_Atomic uint32_t count;
	struct bus_result r[BUS_RESULTS];
};

/** Several Linux programs may produce or consume on one ring (the SIP
 *  engine and gwctl on channel 4): they take turns with these robust,
 *  process-shared mutexes. The RT side never touches them. */
struct bus_locks {
	pthread_mutex_t send[BUS_NCHAN];
	pthread_mutex_t recv[BUS_NCHAN];
};

struct bus;

int  bus_create(struct bus **bp, const struct bus_cfg *cfg);
int  bus_attach(struct bus **bp, int memfd, const int efd[BUS_NCHAN],
		enum bus_side side, char *err, size_t errlen);
int  bus_attach_env(struct bus **bp, enum bus_side side, char *err,
		    size_t errlen);
struct bus *bus_detach(struct bus *b);
int  bus_check(const void *region, size_t size, char *why, size_t whylen);
struct ring *bus_ring(struct bus *b, enum bus_chan ch);
struct rtstat *bus_status(struct bus *b);
struct ports_shm *bus_ports(struct bus *b);
struct bus_results *bus_results(struct bus *b);
void bus_result_put(struct bus *b, uint32_t seq, uint32_t chan,
		    uint16_t type, int err);
int  bus_result_find(struct bus *b, uint32_t seq, uint16_t type, int *err);
int  bus_memfd(const struct bus *b);
void *bus_region(const struct bus *b, size_t *size);
int  bus_event_fd(const struct bus *b, enum bus_chan ch);
int  bus_env(const struct bus *b, char *buf, size_t len);
const char *bus_chan_name(enum bus_chan ch);
enum bus_side bus_chan_producer(enum bus_chan ch);
void bus_cfg_default(struct bus_cfg *cfg);
int  bus_linux_send(struct bus *b, enum bus_chan ch, const void *rec,
		    size_t len);
ssize_t bus_linux_recv(struct bus *b, enum bus_chan ch, void *buf,
		       size_t cap);

#endif /* SHAREDNET_BUS_H */
