// SPDX-License-Identifier: MIT
/** @file pbx_events.c  The engine's recent call events, for its readers
 *
 * Every call publishes "start" (routed: both parties known), "answer" and
 * "end" (with disposition, cause and the media figures of its record).
 * The last PBX_EVENTS are kept, numbered from 1 upwards; a reader (gwctl,
 * the web UI) asks for those after the last number it saw and learns when
 * it fell behind (the oldest kept is newer than what it asks for).
 */
#include <stdlib.h>
#include <string.h>

#include "rtos-kernel/rtk.h"
#include "signalling/pbx_priv.h"

#define PBX_EVENTS	256

static struct {
	uint64_t next;		/* number of the next event, from 1 */
	char *ev[PBX_EVENTS];	/* JSON objects, by number % PBX_EVENTS */
} evs = { .next = 1 };

static json_t *party_json(const struct leg *l)
{
	return json_pack("{s:s, s:s, s:s, s:s}", "kind", l->party.kind,
			 "name", l->party.name, "number", l->number,
			 "contact", l->contact);
}

/** Publish @p what ("start", "answer", "end") about @p c. */
void pbx_event(const struct call *c, const char *what)
{
	json_t *j = json_pack("{s:I, s:s, s:I, s:i, s:s, s:s, s:o, s:o}",
			      "seq", (json_int_t)evs.next, "type", what,
			      "time_us", (json_int_t)rtk_wall_us(), "call", c->id,
			      "record", c->rec_id, "dialled", c->digits,
			      "from", party_json(&c->a),
			      "to", party_json(&c->b));
	char **slot = &evs.ev[evs.next % PBX_EVENTS];

	if (!j)
		return;
	if (!strcmp(what, "end")) {
		json_t *legs = json_array();

		for (unsigned i = 0; i < c->rec.nlegs; i++) {
			const struct callrec_leg *l = &c->rec.leg[i];

			json_array_append_new(legs, json_pack(
				"{s:I, s:I, s:I, s:f, s:f}",
				"packets_rx", (json_int_t)l->packets_rx,
				"packets_tx", (json_int_t)l->packets_tx,
				"lost", (json_int_t)l->lost,
				"jitter_ms", l->jitter_ms, "mos", l->mos));
		}
		json_object_set_new(j, "disposition",
				    json_string(callrec_disp_name(c->disp)));
		json_object_set_new(j, "cause", json_integer(c->cause));
		json_object_set_new(j, "cause_text",
				    json_string(c->cause_text));
		json_object_set_new(j, "legs", legs);
	}
	free(*slot);
	*slot = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6));
	json_decref(j);
	evs.next++;
}

/** The events after number @p since, at most @p max: {"next": N,
 *  "missed": M, "events": [...]}; next is what to ask for next time,
 *  missed how many after @p since are no longer kept. */
json_t *pbx_events_since(uint64_t since, unsigned max)
{
	uint64_t first = evs.next > PBX_EVENTS ? evs.next - PBX_EVENTS : 1;
	uint64_t from;
	json_t *arr;
	uint64_t n;

	if (since >= evs.next)
		since = 0;	/* numbers of an engine that restarted */
	from = since + 1 > first ? since + 1 : first;
	arr = json_array();
	for (n = from; n < evs.next && max; n++, max--) {
		json_t *e = json_loads(evs.ev[n % PBX_EVENTS], 0, NULL);

		if (e)
			json_array_append_new(arr, e);
	}
	return json_pack("{s:I, s:I, s:o}", "next", (json_int_t)(n - 1),
			 "missed", (json_int_t)(from - (since + 1)),
			 "events", arr);
}

/** Free what the events hold (the engine stops). */
void pbx_events_free(void)
{
	for (unsigned i = 0; i < PBX_EVENTS; i++) {
		free(evs.ev[i]);
		evs.ev[i] = NULL;
	}
}
