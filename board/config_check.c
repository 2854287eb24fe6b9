// SPDX-License-Identifier: MIT
/** @file config_check.c  The configuration's checks across keys
 *
 * Rules that tie keys together, run at the end of every load and by
 * cfg_validate(): each failure names the keys and is reported at the line
 * that set the later of them (struct origin), so that the message points
 * at what the last file changed. The repeated sections' checks are in
 * config_inst.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board/config.h"
#include "board/config_priv.h"

static size_t key_index(const char *section, const char *name)
{
	const struct cfg_key *k = cfg_find_key(section, name);

	if (!k)
		abort();	/* a check names a key the table lacks */
	return (size_t)(k - cfg_keys);
}

/* Where fixed key [section] name got its value; NULL when not known */
const struct origin *cfg_key_origin(const struct pair_err *pe,
				    const char *section, const char *name)
{
	return pe->org ? &pe->org[key_index(section, name)] : NULL;
}

/* Of two origins, the one set later (either may be NULL) */
const struct origin *cfg_later(const struct origin *a,
			       const struct origin *b)
{
	if (!a || !b)
		return a ? a : b;
	return a->seq >= b->seq ? a : b;
}

/* Report an error of a check at origin @p o (NULL, or a default: no
 * file); returns -EINVAL. */
int cfg_fail_at(const struct pair_err *pe, const struct origin *o,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_vseterr(pe->err, o && o->file ? o->file : NULL,
		    o && o->file ? o->line : 0, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Report an error between two keys at the line that set the later one. */
static int pair_fail(const struct pair_err *pe, size_t a, size_t b,
		     const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int pair_fail(const struct pair_err *pe, size_t a, size_t b,
		     const char *fmt, ...)
{
	const struct origin *o = NULL;
	va_list ap;

	if (pe->org)
		o = cfg_later(&pe->org[a], &pe->org[b]);
	va_start(ap, fmt);
	cfg_vseterr(pe->err, o && o->file ? o->file : NULL,
		    o && o->file ? o->line : 0, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int check_cpus(const struct gw_config *c, const struct pair_err *pe)
{
	cpu_set_t both;
	int cpu;

	CPU_AND(&both, &c->board.rt_cpus, &c->board.linux_cpus);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &both))
			return pair_fail(pe, key_index("board", "rt_cpus"),
					 key_index("board", "linux_cpus"),
					 "[board] rt_cpus and linux_cpus share "
					 "CPU %d", cpu);
	return 0;
}

static int check_rt(const struct gw_config *c, const struct pair_err *pe)
{
	const struct cfg_rt *rt = &c->rt;

	if (rt->watchdog_stall_ms <= rt->watchdog_period_ms)
		return pair_fail(pe, key_index("rt", "watchdog_stall_ms"),
				 key_index("rt", "watchdog_period_ms"),
				 "[rt] watchdog_stall_ms (%d) must be longer "
				 "than watchdog_period_ms (%d)",
				 rt->watchdog_stall_ms, rt->watchdog_period_ms);
	if ((long)rt->watchdog_stall_ms * 1000 <= rt->tick_us)
		return pair_fail(pe, key_index("rt", "watchdog_stall_ms"),
				 key_index("rt", "tick_us"),
				 "[rt] watchdog_stall_ms (%d ms) must be "
				 "longer than tick_us (%d us)",
				 rt->watchdog_stall_ms, rt->tick_us);
	return 0;
}

static int check_gateway(const struct gw_config *c,
			 const struct pair_err *pe)
{
	const struct cfg_net *n = &c->net;
	uint32_t mask = n->address.len >= 32 ? ~0u : ~(~0u >> n->address.len);
	uint32_t gw = ntohl(n->gateway.s_addr);
	uint32_t me = ntohl(n->address.addr.s_addr);
	char g[INET_ADDRSTRLEN], a[INET_ADDRSTRLEN];
	size_t kg = key_index("net", "gateway");
	size_t ka = key_index("net", "address");

	if (!gw)
		return 0;
	inet_ntop(AF_INET, &n->gateway, g, sizeof(g));
	inet_ntop(AF_INET, &n->address.addr, a, sizeof(a));
	if (gw == me)
		return pair_fail(pe, kg, ka, "[net] gateway %s is the "
				 "interface's own address", g);
	if ((gw & mask) != (me & mask))
		return pair_fail(pe, kg, ka, "[net] gateway %s is not in the "
				 "subnet of address %s/%u", g, a,
				 n->address.len);
	return 0;
}

/* [sip] ports: Linux ports for SIP, an RT range of pairs for RTP */
static int check_sip_ports(const struct gw_config *c,
			   const struct pair_err *pe)
{
	const struct cfg_sip *s = &c->sip;
	size_t kp = key_index("sip", "port"), kt = key_index("sip", "tls_port");
	size_t kr = key_index("ports", "rt");

	if (s->tls_port == s->port)
		return pair_fail(pe, kt, kp, "[sip] tls_port (%d) must differ "
				 "from port", s->tls_port);
	if (cfg_ports_contain(&c->ports.rt, (uint16_t)s->port))
		return pair_fail(pe, kp, kr, "[sip] port %d is an RT port "
				 "([ports] rt): SIP runs on Linux", s->port);
	if (s->tls_port && cfg_ports_contain(&c->ports.rt,
					     (uint16_t)s->tls_port))
		return pair_fail(pe, kt, kr, "[sip] tls_port %d is an RT port "
				 "([ports] rt): SIP runs on Linux",
				 s->tls_port);
	return 0;
}

/* The first port of lo..hi that is not an RT port, or 0 */
static unsigned int first_not_rt(const struct cfg_ports *rt,
				 unsigned int lo, unsigned int hi)
{
	unsigned int p = lo, i;

	while (p <= hi) {
		for (i = 0; i < rt->n; i++)
			if (p >= rt->r[i].lo && p <= rt->r[i].hi)
				break;
		if (i == rt->n)
			return p;
		p = rt->r[i].hi + 1u;
	}
	return 0;
}

static int check_sip_rtp(const struct gw_config *c,
			 const struct pair_err *pe)
{
	const struct cfg_sip *s = &c->sip;
	size_t kmin = key_index("sip", "rtp_port_min");
	size_t kmax = key_index("sip", "rtp_port_max");
	char ports[CFG_PORT_RANGES_MAX * 12];
	unsigned int hole;

	if (s->rtp_port_min & 1)
		return pair_fail(pe, kmin, kmin, "[sip] rtp_port_min (%d) "
				 "must be even (RTP on even ports, RTCP on "
				 "the odd one above)", s->rtp_port_min);
	if (!(s->rtp_port_max & 1))
		return pair_fail(pe, kmax, kmax, "[sip] rtp_port_max (%d) "
				 "must be odd (the RTCP port of the last "
				 "pair)", s->rtp_port_max);
	if (s->rtp_port_max < s->rtp_port_min)
		return pair_fail(pe, kmax, kmin, "[sip] rtp_port_max (%d) must "
				 "be above rtp_port_min (%d)",
				 s->rtp_port_max, s->rtp_port_min);
	hole = first_not_rt(&c->ports.rt, (unsigned int)s->rtp_port_min,
			    (unsigned int)s->rtp_port_max);
	if (!hole)
		return 0;
	if (cfg_format_ports(&c->ports.rt, ports, sizeof(ports)))
		ports[0] = '\0';
	return cfg_fail_at(pe, cfg_later(cfg_later(cfg_key_origin(pe, "sip",
				"rtp_port_min"), cfg_key_origin(pe, "sip",
				"rtp_port_max")), cfg_key_origin(pe, "ports",
				"rt")),
			   "[sip] RTP ports %d-%d must be RT ports, but %u is "
			   "not in [ports] rt = %s", s->rtp_port_min,
			   s->rtp_port_max, hole, ports);
}

static int check_sip(const struct gw_config *c, const struct pair_err *pe)
{
	const struct cfg_sip *s = &c->sip;
	int rc;

	if (s->register_max_s < s->register_min_s)
		return pair_fail(pe, key_index("sip", "register_max_s"),
				 key_index("sip", "register_min_s"),
				 "[sip] register_max_s (%d) must be at least "
				 "register_min_s (%d)", s->register_max_s,
				 s->register_min_s);
	rc = check_sip_ports(c, pe);
	if (!rc)
		rc = check_sip_rtp(c, pe);
	return rc;
}

/* Every check across keys, fixed sections first, then the instances */
int cfg_check_all(const struct gw_config *c, const struct pair_err *pe)
{
	int rc;

	rc = check_cpus(c, pe);
	if (!rc)
		rc = check_rt(c, pe);
	if (!rc)
		rc = check_gateway(c, pe);
	if (!rc)
		rc = check_sip(c, pe);
	if (!rc)
		rc = cfg_inst_check(c, pe);
	return rc;
}

/**
 * Check the rules that tie keys together (CPU sets apart, watchdog longer
 * than its period, gateway in the subnet, the SIP ports, what the
 * repeated sections require and name). cfg_load() does it already; use
 * this after cfg_set() or after changing fields.
 * @param err  the reason on error (file ""); may be NULL
 * @return 0, or -EINVAL
 */
int cfg_validate(const struct gw_config *c, struct cfg_err *err)
{
	struct pair_err pe = { .err = err };

	if (!c)
		return -EINVAL;
	return cfg_check_all(c, &pe);
}
