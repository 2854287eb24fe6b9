/* SPDX-License-Identifier: MIT */
/** @file udpport.h  A leg's UDP ports on the RT partition's lwIP
 *
 * What an RTP leg (rtpleg.h: RTP and RTCP) and a T.38 leg (t38leg.h:
 * UDPTL) need of the network, without a kernel socket: one or two lwIP
 * PCBs on an even RT port and the one after it, a receive ring the
 * network task fills and the media task drains, sending under lwIP's core
 * lock, and the register of the ports the legs hold (a bit per even
 * port: a leg holds its pair whether it uses one port or two).
 *
 * Receive: the network task calls the port's receiver (handed to it
 * through the port handler, a table by port rather than lwIP's walk of
 * every PCB), or lwIP calls it when no port handler is set (tests), both
 * with lwIP's core lock held: the datagram is copied into the ring (one
 * producer: the net task; one consumer: the media task; C11
 * acquire/release, no lock). A full ring or a datagram longer than a slot
 * is counted and dropped.
 *
 * With a port handler (the RT partition) the PCBs stay out of lwIP's
 * list: lwIP would never deliver to them, only walk them, twice on every
 * bind and again for every ephemeral port, which with a thousand
 * channels' PCBs was a tenth of the RT CPU at 300 calls/s. They carry
 * their port for udp_sendto() (lwIP binds a PCB only when its port is 0),
 * and binding checks the port against lwIP's own PCBs (the probe's).
 * Without one (tests), lwIP binds them and delivers; an unbound port's
 * PCBs are then parked on an ephemeral lwIP port that never receives
 * (ports from 49152 up belong to Linux). Either way the PCBs stay
 * allocated: binding again allocates nothing.
 *
 * Context: udpport_init()/_fini() at init; bind, unbind, peek, pop and
 * send in the media task; the receiver in the net task.
 */
#ifndef MEDIA_UDPPORT_H
#define MEDIA_UDPPORT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UDPPORT_RING	16	/**< datagrams waiting per leg */
#define UDPPORT_SLOT	512	/**< largest UDP payload received */

struct udp_pcb;
struct udpport;

/** One received datagram, as the net task copied it. */
struct udpport_slot {
	uint64_t at_ns;		/**< arrival */
	uint32_t from_ip;	/**< network order */
	uint16_t from_port;
	uint16_t len;
	uint8_t which;		/**< 0: the even port, 1: the odd one */
	uint8_t data[UDPPORT_SLOT];
};

/** What the receiver of one of the two ports is given. */
struct udpport_end {
	struct udpport *p;
	uint8_t which;
};

struct udpport {
	_Atomic bool open;
	_Alignas(64) _Atomic uint32_t head;	/* written by the net task */
	_Alignas(64) _Atomic uint32_t tail;	/* written by the media task */
	_Atomic uint64_t ring_full, too_big;	/* net task */
	unsigned n;				/* ports: 1 or 2 */
	uint16_t port;				/* the even one; 0: unbound */
	struct udp_pcb *pcb[2];
	struct udpport_end end[2];
	struct udpport_slot ring[UDPPORT_RING];
};

/** A piece of a datagram to send. */
struct udpport_seg {
	const void *data;
	size_t len;
};

/** Time source for arrival stamps (default: rtk_now_ns). */
typedef uint64_t (udpport_clock_h)(void);

/** Takes a datagram for a port (@p rx_arg), from @p from_ip (network
 *  order):@p from_port. Context: the net task, lwIP's core lock held. */
typedef void (udpport_rx_h)(const void *data, size_t len, uint32_t from_ip,
			    uint16_t from_port, void *rx_arg);

/** Called when a leg starts (@p rx: its receiver, with @p rx_arg) or
 *  stops (@p rx NULL) listening on an RT port, so the network task lets
 *  that port's frames in and gives them to @p rx directly. */
typedef void (udpport_port_h)(uint16_t port, udpport_rx_h *rx, void *rx_arg,
			      void *arg);

/** Mark what the ports made from now on send with DSCP @p dscp (0-63;
 *  0: unmarked, the default). Context: init, before udpport_init(). */
void udpport_dscp_set(unsigned dscp);
/** Stamp arrivals with @p fn (NULL: the monotonic clock). Context: init. */
void udpport_clock_set(udpport_clock_h *fn);
uint64_t udpport_now(void);
/** Tell @p h, with @p arg, about every RT port opened or closed (NULL:
 *  nobody; lwIP delivers). Context: init, before any port is bound. */
void udpport_handler_set(udpport_port_h *h, void *arg);
/** The even port @p port (or its pair) is held by a leg. */
bool udpport_taken(uint16_t port);

/** Make @p p's @p n (1 or 2) PCBs, unbound. Context: init, after lwIP is
 *  up (allocates). @return 0, -EINVAL or -ENOMEM */
int  udpport_init(struct udpport *p, unsigned n);
void udpport_fini(struct udpport *p);
/** Listen on the even RT port @p port (and @p port + 1 with two PCBs),
 *  with an empty ring. @return 0, -EINVAL (odd or 0) or -EADDRINUSE */
int  udpport_bind(struct udpport *p, uint16_t port);
/** Stop listening; once this returns the net task puts nothing more in
 *  the ring, which is emptied. */
void udpport_unbind(struct udpport *p);
/** The oldest datagram received and not yet taken, or NULL ... */
struct udpport_slot *udpport_peek(struct udpport *p);
/** ... and giving its slot back to the net task. */
void udpport_pop(struct udpport *p);
/** Send the @p nseg pieces @p seg as one datagram from port @p which (0
 *  or 1) to @p ip (network order):@p port. @return 0, -EINVAL (no
 *  address, too long) or -EIO (lwIP refused, or no pbuf) */
int  udpport_send(struct udpport *p, unsigned which,
		  const struct udpport_seg *seg, unsigned nseg, uint32_t ip,
		  uint16_t port);

#endif /* MEDIA_UDPPORT_H */
