// SPDX-License-Identifier: MIT
/** @file txs.c  Transmit scheduler: RT frames strictly first
 *
 * Two intrusive FIFO queues linked through pkt->next (head, tail, count), one
 * per origin; nothing is allocated after txs_create().
 *
 * Strict priority (the default): txs_run() first hands every waiting RT
 * frame to the NIC while nic_tx_room() > 0, then Linux frames, one at a time,
 * only while no RT frame waits, the NIC has room and the tick's Linux budget
 * is not exhausted (patent claims 5-7: no Linux frame while an RT one waits).
 *
 * Budget rule: a Linux frame is sent when the budget left in this tick is
 * above zero *before* it; its whole length is then charged and the budget
 * left stops at zero. So a frame longer than the remaining budget still goes
 * (at most one such frame per tick), a Linux frame always makes progress
 * even when linux_budget is smaller than one frame, and the Linux bytes sent
 * in one tick are below linux_budget + PKT_FRAME_MAX. No debt is carried
 * over: txs_tick() refills the budget to linux_budget.
 *
 * fifo mode (the benchmarks' baseline): the frames of both origins leave in
 * arrival order, as from one queue. The two queues still exist, so each
 * origin keeps its own limit, drop counter and high-water mark; a ring of
 * origin bytes (allocated at create) records which queue holds the next
 * frame in arrival order. fifo mode applies neither priority nor the Linux
 * budget: it is what a plain NIC queue does.
 *
 * NIC flush: txs_run() ends with nic_tx_flush() when the NIC accepted a
 * frame, so a frame never waits in the NIC's queue for a later call (not
 * paced, nic_tx() only queues; the batch goes out at the flush). The frames
 * of one run still leave as one batch. nic_tx_flush() also returns when to
 * call it next (a paced NIC's next wire start), which txs_run() cannot pass
 * on: the caller calls nic_tx_flush() itself for that, and to drain a paced
 * NIC between runs. Flushing twice costs nothing (nothing is due).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rtos-kernel/rtk.h"
#include "sharednet/txs.h"

#define TXS_RT_LIMIT_DEFAULT	512
#define TXS_LINUX_LIMIT_DEFAULT	256

enum origin { ORIGIN_RT, ORIGIN_LINUX };

struct txq {
	struct pkt *head;
	struct pkt *tail;
	uint32_t count;
	uint32_t limit;
	uint32_t high_water;
	uint64_t queued;
	uint64_t sent;
	uint64_t dropped;
};

struct txs {
	struct txq q[2];		/**< indexed by enum origin */
	bool fifo;
	uint32_t budget;		/**< Linux bytes a tick, 0: no limit */
	uint32_t budget_left;
	uint64_t linux_deferred;
	uint64_t nic_refused;
	/* fifo mode: origin of each waiting frame, in arrival order */
	uint8_t *order;
	size_t order_size;
	size_t order_head;
	size_t order_count;
};

static void txq_push(struct txq *q, struct pkt *p)
{
	p->next = NULL;
	if (q->tail)
		q->tail->next = p;
	else
		q->head = p;
	q->tail = p;
	q->count++;
	q->queued++;
	if (q->count > q->high_water)
		q->high_water = q->count;
}

static struct pkt *txq_pop(struct txq *q)
{
	struct pkt *p = q->head;

	if (!p)
		return NULL;
	q->head = p->next;
	if (!q->head)
		q->tail = NULL;
	p->next = NULL;
	q->count--;
	return p;
}

static void txq_purge(struct txq *q)
{
	struct pkt *p;

	while ((p = txq_pop(q)))
		pkt_free(p);
}

static void order_push(struct txs *s, enum origin o)
{
	RTK_ASSERT(s->order_count < s->order_size);
	s->order[(s->order_head + s->order_count) % s->order_size] =
		(uint8_t)o;
	s->order_count++;
}

static enum origin order_pop(struct txs *s)
{
	enum origin o;

	RTK_ASSERT(s->order_count > 0);
	o = (enum origin)s->order[s->order_head];
	s->order_head = (s->order_head + 1) % s->order_size;
	s->order_count--;
	return o;
}

/* Queue @p p on the queue of origin @p o, or drop it when that queue is full.
 * Consumes @p p. */
static int submit(struct txs *s, enum origin o, struct pkt *p)
{
	struct txq *q = &s->q[o];

	if (q->count >= q->limit) {
		q->dropped++;
		pkt_free(p);
		return -ENOSPC;
	}
	txq_push(q, p);
	if (s->fifo)
		order_push(s, o);
	return 0;
}

/* Hand the head of queue @p o to the NIC. @return whether the NIC took it */
static bool send_one(struct txs *s, enum origin o, struct nic *n,
		     uint64_t now_ns)
{
	struct pkt *p = txq_pop(&s->q[o]);

	RTK_ASSERT(p);
	if (nic_tx(n, p, now_ns)) {	/* consumed either way */
		s->nic_refused++;
		return false;
	}
	s->q[o].sent++;
	return true;
}

static size_t run_fifo(struct txs *s, struct nic *n, uint64_t now_ns)
{
	size_t sent = 0;

	while (s->order_count && nic_tx_room(n, now_ns) > 0)
		sent += send_one(s, order_pop(s), n, now_ns);
	return sent;
}

static bool budget_spent(const struct txs *s)
{
	return s->budget && !s->budget_left;
}

static void charge(struct txs *s, uint16_t len)
{
	if (!s->budget)
		return;
	s->budget_left = len < s->budget_left ? s->budget_left - len : 0;
}

static size_t run_prio(struct txs *s, struct nic *n, uint64_t now_ns)
{
	struct txq *rt = &s->q[ORIGIN_RT], *lx = &s->q[ORIGIN_LINUX];
	size_t rt_sent = 0, lx_sent = 0;

	while (rt->count && nic_tx_room(n, now_ns) > 0)
		rt_sent += send_one(s, ORIGIN_RT, n, now_ns);
	/* rt->count is re-read for each frame: no Linux frame while an RT
	 * frame waits, even one queued during this run */
	while (lx->count && !rt->count && !budget_spent(s) &&
	       nic_tx_room(n, now_ns) > 0) {
		charge(s, lx->head->len);
		lx_sent += send_one(s, ORIGIN_LINUX, n, now_ns);
	}
	if (lx->count && (rt->count || rt_sent || budget_spent(s)))
		s->linux_deferred++;
	return rt_sent + lx_sent;
}

/** Create a transmit scheduler. Context: init (allocates).
 *  @param sp  receives the scheduler
 *  @param cfg limits and budget; a limit of 0 takes its default (RT 512,
 *             Linux 256); NULL takes every default (strict priority, no
 *             Linux budget)
 *  @return 0, -EINVAL (@p sp NULL) or -ENOMEM */
int txs_create(struct txs **sp, const struct txs_cfg *cfg)
{
	static const struct txs_cfg defaults;
	struct txs *s;

	if (!sp)
		return -EINVAL;
	*sp = NULL;
	if (!cfg)
		cfg = &defaults;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->q[ORIGIN_RT].limit = cfg->rt_limit ? cfg->rt_limit :
				TXS_RT_LIMIT_DEFAULT;
	s->q[ORIGIN_LINUX].limit = cfg->linux_limit ? cfg->linux_limit :
				   TXS_LINUX_LIMIT_DEFAULT;
	s->fifo = cfg->fifo;
	s->budget = cfg->linux_budget;
	s->budget_left = s->budget;
	if (s->fifo) {
		s->order_size = (size_t)s->q[ORIGIN_RT].limit +
				s->q[ORIGIN_LINUX].limit;
		s->order = malloc(s->order_size);
		if (!s->order) {
			free(s);
			return -ENOMEM;
		}
	}
	*sp = s;
	return 0;
}

/** Destroy a scheduler; the frames still queued go back to their pools.
 *  NULL is ignored. Context: shutdown. @return NULL */
struct txs *txs_destroy(struct txs *s)
{
	if (!s)
		return NULL;
	txq_purge(&s->q[ORIGIN_RT]);
	txq_purge(&s->q[ORIGIN_LINUX]);
	free(s->order);
	free(s);
	return NULL;
}

/** Queue one RT frame to send. Consumes @p p (the scheduler owns it until
 *  txs_run() hands it to the NIC). Context: RT network task; never blocks.
 *  @return 0, -ENOSPC when the RT queue is full (frame dropped and counted)
 *          or -EINVAL (@p s or @p p NULL) */
int txs_submit_rt(struct txs *s, struct pkt *p)
{
	if (!s || !p) {
		pkt_free(p);
		return -EINVAL;
	}
	return submit(s, ORIGIN_RT, p);
}

/** Queue one frame Linux sent over the bus. Consumes @p p. The caller takes
 *  a frame from the bus only while txs_linux_room() is true, so this drop is
 *  a caller's error path, not the normal flow control.
 *  Context: RT network task; never blocks.
 *  @return 0, -ENOSPC when the Linux queue is full (frame dropped and
 *          counted) or -EINVAL (@p s or @p p NULL) */
int txs_submit_linux(struct txs *s, struct pkt *p)
{
	if (!s || !p) {
		pkt_free(p);
		return -EINVAL;
	}
	return submit(s, ORIGIN_LINUX, p);
}

/** Whether the Linux queue takes one more frame (below its limit).
 *  Context: RT network task. */
bool txs_linux_room(const struct txs *s)
{
	return s && s->q[ORIGIN_LINUX].count < s->q[ORIGIN_LINUX].limit;
}

/** Whether an RT frame waits. Context: RT network task. */
bool txs_rt_pending(const struct txs *s)
{
	return s && s->q[ORIGIN_RT].count;
}

/** Hand waiting frames to NIC @p n while it has room: RT frames first, then
 *  Linux frames while no RT frame waits and the tick's budget lasts (or, in
 *  fifo mode, both in arrival order); then flush the NIC if it accepted a
 *  frame (the caller calls nic_tx_flush() too, for the time of the next
 *  wire start). The NIC takes ownership of each frame handed to it; a frame
 *  it refuses is gone (nic_tx() consumes it) and counted in nic_refused.
 *  Context: RT network task; never blocks, never allocates.
 *  @param now_ns the caller's clock, passed on to the NIC (pacing)
 *  @return frames the NIC accepted (0 for a NULL argument) */
size_t txs_run(struct txs *s, struct nic *n, uint64_t now_ns)
{
	size_t sent;

	if (!s || !n)
		return 0;
	sent = s->fifo ? run_fifo(s, n, now_ns) : run_prio(s, n, now_ns);
	if (sent)
		nic_tx_flush(n, now_ns);
	return sent;
}

/** Start a new tick: refill the Linux budget to linux_budget bytes (no debt
 *  or credit is carried over). Context: RT network task, once per tick. */
void txs_tick(struct txs *s)
{
	if (s)
		s->budget_left = s->budget;
}

static void qstats(const struct txq *q, struct txs_qstats *st)
{
	st->queued = q->queued;
	st->sent = q->sent;
	st->dropped = q->dropped;
	st->depth = q->count;
	st->high_water = q->high_water;
	st->limit = q->limit;
}

/** Copy the counters into @p st (zeros for a NULL @p s). queued counts
 *  frames accepted; each of them is later sent (accepted by the NIC),
 *  refused by the NIC (nic_refused), still waiting (depth) or freed by
 *  txs_destroy(). linux_deferred counts the runs that ended with Linux
 *  frames waiting while an RT frame waited, or after RT frames took the
 *  NIC's room in that run, or with the tick's budget spent; a run that only
 *  found the NIC full of Linux frames is not counted (fifo mode: never).
 *  Context: RT network task (plain counters: another thread may read a
 *  torn value). */
void txs_stats_get(const struct txs *s, struct txs_stats *st)
{
	if (!st)
		return;
	memset(st, 0, sizeof(*st));
	if (!s)
		return;
	qstats(&s->q[ORIGIN_RT], &st->rt);
	qstats(&s->q[ORIGIN_LINUX], &st->gp);
	st->linux_deferred = s->linux_deferred;
	st->nic_refused = s->nic_refused;
}
