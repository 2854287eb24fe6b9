// SPDX-License-Identifier: MIT
// The gateway's admin UI: one page, plain JavaScript, talking to webd's
// REST API (linux-side/web/webapi.h). Every change carries the session's
// CSRF token in X-CSRF-Token; the session cookie itself is HttpOnly and
// never seen here. Everything shown is put in with textContent, never
// as HTML.
'use strict';

const $ = sel => document.querySelector(sel);
const state = { csrf: null, user: null, page: null, timer: null,
		jitter: new Map(), editing: {} };

class ApiError extends Error {
	constructor(status, body) {
		super(body && body.error ? body.error : 'HTTP ' + status);
		this.status = status;
		this.field = body && body.field;
	}
}

async function api(method, path, body, text) {
	const opt = { method, headers: {}, credentials: 'same-origin' };
	if (method !== 'GET')
		opt.headers['X-CSRF-Token'] = state.csrf || '';
	if (text !== undefined) {
		opt.body = text;
		opt.headers['Content-Type'] = 'text/plain';
	} else if (body !== undefined) {
		opt.body = JSON.stringify(body);
		opt.headers['Content-Type'] = 'application/json';
	}
	const r = await fetch(path, opt);
	const ct = r.headers.get('Content-Type') || '';
	const data = ct.startsWith('application/json') ? await r.json() :
		     await r.text();
	if (r.status === 401 && path !== '/api/login') {
		state.csrf = null;
		showLogin();
	}
	if (!r.ok)
		throw new ApiError(r.status, data);
	return data;
}

// ---- small DOM helpers --------------------------------------------------

function el(tag, attrs, ...kids) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (k === 'class')
			e.className = v;
		else if (k.startsWith('on'))
			e.addEventListener(k.slice(2), v);
		else if (k === 'dataset')
			Object.assign(e.dataset, v);
		else
			e.setAttribute(k, v);
	}
	for (const k of kids)
		if (k !== null && k !== undefined)
			e.append(k instanceof Node ? k : String(k));
	return e;
}

// rows: arrays of cells; a cell is text, a number (right-aligned), a Node
// or {text, cls}; opts.rowData(row index) gives a row's data attributes
function table(t, head, rows, opts) {
	t.replaceChildren();
	t.append(el('tr', {}, ...head.map(h => el('th', {}, h))));
	rows.forEach((r, i) => {
		const tr = el('tr', opts && opts.rowData ?
			      { dataset: opts.rowData(i) } : {});
		for (const c of r) {
			if (c instanceof Node)
				tr.append(el('td', {}, c));
			else if (c && typeof c === 'object')
				tr.append(el('td', { class: c.cls || '' },
					     c.text));
			else
				tr.append(el('td', typeof c === 'number' ?
					     { class: 'num' } : {},
					     c === undefined ? '' : c));
		}
		t.append(tr);
	});
	if (!rows.length)
		t.append(el('tr', {}, el('td', { class: 'muted',
			colspan: head.length }, (opts && opts.empty) || 'none')));
}

const num = v => (v === undefined || v === null) ? '' : Number(v);
const fix = (v, d) => (v === undefined || v === null) ? '' :
		      Number(v).toFixed(d);
function dur(s) {
	s = Math.max(0, Math.round(s));
	const h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60;
	return (h ? h + 'h' : '') + (h || m ? m + 'm' : '') + (s % 60) + 's';
}
const when = us => us ? new Date(us / 1000).toLocaleString() : '';
const party = p => p ? (p.number || p.name || '') +
	(p.kind && !/^ext/.test(p.kind) ? ' (' + p.kind + ')' : '') : '';

function say(sel, msg, ok) {
	const e = $(sel);
	e.textContent = msg;
	e.className = ok ? 'ok' : 'error';
}

function fail(sel, e, form) {
	say(sel, e.message + (e.field ? ' [' + e.field + ']' : ''), false);
	if (form && e.field) {
		const f = form.querySelector('[id$="-' + e.field + '"]');
		if (f)
			f.focus();
	}
}

// ---- login, session, pages ---------------------------------------------

function showLogin() {
	stopTimer();
	$('#top').hidden = true;
	for (const p of document.querySelectorAll('.page'))
		p.hidden = p.id !== 'page-login';
	$('#login-form').hidden = false;
	$('#first-form').hidden = true;
	$('#login-pass').value = '';
	$('#login-pass').focus();
}

function loggedIn(s) {
	state.csrf = s.csrf;
	state.user = s.username;
	if (s.must_change_password) {
		$('#login-form').hidden = true;
		$('#first-form').hidden = false;
		$('#first-current').value = $('#login-pass').value;
		$('#first-new').focus();
		return;
	}
	$('#top').hidden = false;
	$('#who').textContent = s.username;
	route();
}

$('#login-form').addEventListener('submit', async ev => {
	ev.preventDefault();
	$('#login-error').textContent = '';
	try {
		loggedIn(await api('POST', '/api/login', {
			username: $('#login-user').value,
			password: $('#login-pass').value }));
	} catch (e) {
		say('#login-error', e.message, false);
	}
});

$('#first-form').addEventListener('submit', async ev => {
	ev.preventDefault();
	if ($('#first-new').value !== $('#first-new2').value)
		return say('#first-error', 'the two passwords differ', false);
	try {
		loggedIn(await api('PUT', '/api/system/password', {
			current: $('#first-current').value,
			new: $('#first-new').value }));
	} catch (e) {
		fail('#first-error', e);
	}
});

$('#logout').addEventListener('click', async () => {
	try {
		await api('POST', '/api/logout', {});
	} catch (e) { /* gone already */ }
	state.csrf = null;
	showLogin();
});

function stopTimer() {
	if (state.timer)
		clearInterval(state.timer);
	state.timer = null;
}

const pages = {};

function route() {
	if (!state.csrf)
		return showLogin();
	const name = (location.hash.match(/^#\/(\w+)/) || [])[1] ||
		     'dashboard';
	const pg = pages[name] ? name : 'dashboard';
	stopTimer();
	state.page = pg;
	for (const p of document.querySelectorAll('.page'))
		p.hidden = p.id !== 'page-' + pg;
	for (const a of document.querySelectorAll('nav a'))
		a.classList.toggle('active', a.dataset.page === pg);
	const { load, every } = pages[pg];
	const tick = () => load().catch(e => console.log(pg, e));
	tick();
	if (every)
		state.timer = setInterval(tick, every);
}

window.addEventListener('hashchange', route);

// ---- dashboard -----------------------------------------------------------

function counterTables(counters) {
	const groups = { cls: [], txs: [], other: [] };
	for (const [k, v] of Object.entries(counters || {})) {
		const g = /^(cls|classify)\./.test(k) ? 'cls' :
			  /^(txs|nic|net)\./.test(k) ? 'txs' : 'other';
		groups[g].push([k, v]);
	}
	const show = (sel, rows) => table($(sel), ['counter', 'value'],
		rows.sort().map(([k, v]) => [
			{ text: k, cls: /drop|bad|err|lost|fail|full/.test(k) &&
			  v > 0 ? 'bad' : '' }, num(v)]));
	show('#cnt-cls', groups.cls);
	show('#cnt-txs', groups.txs);
	show('#cnt-other', groups.other);
}

function renderHists(tasks) {
	const box = $('#hists');
	for (const t of tasks) {
		let c = box.querySelector('canvas[data-task="' + t.name + '"]');
		if (!c) {
			c = el('canvas', { width: 300, height: 140,
					   dataset: { task: t.name } });
			box.append(el('div', { class: 'hist' },
				      el('h3', {}, t.name + ' (prio ' + t.prio +
					 ', period ' + fix(t.period_ms, 1) +
					 ' ms)'), c));
		}
		Charts.histogram(c, t.hist || []);
	}
}

pages.dashboard = { every: 2000, load: async () => {
	const s = await api('GET', '/api/status');
	$('#dash-updated').textContent = 'updated ' +
		new Date().toLocaleTimeString();
	const errs = ['partitions', 'rt', 'rings', 'sip', 'billing']
		.filter(k => s[k] && s[k].error).map(k => k + ': ' + s[k].error);
	$('#dash-error').textContent = errs.join(' · ');
	if (Array.isArray(s.partitions))
		table($('#partitions'), ['partition', 'state', 'pid',
			'restarts', 'up', 'last exit'],
			s.partitions.map(p => [p.name,
				{ text: p.state, cls: 'state-' + p.state },
				num(p.pid), num(p.restarts),
				dur((p.uptime_ms || 0) / 1000), p.last_exit]));
	const rt = s.rt && !s.rt.error ? s.rt : null;
	if (rt) {
		$('#rt-summary').textContent = 'RT partition: pid ' + rt.pid +
			', up ' + dur(rt.up_s) + ', ' +
			(rt.fifo ? 'SCHED_FIFO' : 'NORMAL PRIORITY') +
			', memory ' + (rt.memory_locked ? 'locked' :
				       'NOT locked') + ', ' + rt.channels +
			' voice channel(s), status ' + fix(rt.status_age_ms, 0) +
			' ms old, allocations after start ' +
			rt.alloc_after_start + (rt.warning ? ' — ' +
						rt.warning : '');
		renderHists(rt.tasks);
		table($('#tasks'), ['task', 'prio', 'period ms', 'runs',
			'missed', 'overruns', 'stalls', 'late p50 µs', 'p99',
			'p99.9', 'max', 'run p99 µs'],
			rt.tasks.map(t => [t.name, num(t.prio),
				fix(t.period_ms, 1), num(t.runs),
				{ text: t.missed, cls: t.missed ? 'bad' : '' },
				num(t.overruns), num(t.stalls),
				fix(t.lateness_us.p50, 1),
				fix(t.lateness_us.p99, 1),
				fix(t.lateness_us.p999, 1),
				fix(t.lateness_us.max, 1),
				fix(t.run_us.p99, 1)]));
		counterTables(rt.counters);
	}
	if (Array.isArray(s.rings))
		table($('#rings'), ['ring', 'size', 'used', 'high water',
			'in', 'out', 'dropped full', 'too big', 'bad'],
			s.rings.map(r => [r.name, num(r.size), num(r.used),
				num(r.high_water), num(r.records_in),
				num(r.records_out),
				{ text: r.drop_full, cls: r.drop_full ? 'bad' :
				  '' }, num(r.drop_too_big),
				num(r.bad_records)]));
	const sip = s.sip && !s.sip.error ? s.sip : null;
	table($('#registrations'), ['extension', 'contact', 'expires in'],
		sip ? sip.registrations.map(r => [r.extension, r.contact,
			dur(r.expires_in_s)]) : [],
		{ empty: sip ? 'no phone registered' : 'SIP engine not '
		  + 'reachable' });
	table($('#dash-calls'), ['call', 'from', 'to', 'state', 'for'],
		sip ? sip.calls.map(c => [num(c.id), party(c.from),
			party(c.to), c.state,
			dur((Date.now() * 1000 - c.start_us) / 1e6)]) : [],
		{ empty: 'no call' });
	const b = s.billing && !s.billing.error ? s.billing : null;
	table($('#dash-billing'), ['', ''], b ? [
		['server', b.server || '(none: spool only)'],
		['connected', b.connected ? 'yes' : 'no'],
		['queued CDRs', num(b.queue_depth)],
		['delivered', num(b.delivered)],
		['last delivery', when(b.last_delivery_us)],
		['last error', { text: b.last_error || '', cls: 'bad' }],
	] : [], { empty: s.billing && s.billing.error });
} };

// ---- network -------------------------------------------------------------

pages.network = { load: async () => {
	const n = await api('GET', '/api/network');
	$('#net-ifname').textContent = n.interface;
	const cur = n.linux && !n.linux.error ? n.linux : n.config;
	$('#net-address').value = cur.address;
	$('#net-gateway').value = cur.gateway;
	$('#net-mac').value = cur.mac;
	$('#net-mtu').value = cur.mtu;
	const row = (k, f) => [k, f(n.linux), f(n.rt), f(n.config)];
	const g = k => o => o && !o.error ? String(o[k]) :
			    (o && o.error) || '';
	table($('#net-state'), ['', 'Linux (eth0)', 'RT side', 'saved'], [
		row('address', g('address')), row('gateway', g('gateway')),
		row('MAC', g('mac')), row('MTU', g('mtu')),
		row('up', o => o && o.up !== undefined ? (o.up ? 'yes' : 'no') :
		    ''),
		['settings applied', '', n.rt && n.rt.applied_s_ago >= 0 ?
		 '#' + n.rt.settings_seq + ', ' + fix(n.rt.applied_s_ago, 1) +
		 ' s ago' : 'from the configuration', ''],
	]);
	table($('#net-ports'), ['', ''], [
		['RT UDP ports (now)', n.ports.rt_now],
		['RT UDP ports (configured)', n.ports.rt_config],
		['RTP of calls', n.ports.rtp_min + '-' + n.ports.rtp_max],
		['SIP (Linux)', n.ports.sip],
	]);
	$('#net-ports-note').textContent = n.ports_note;
} };

$('#net-form').addEventListener('submit', async ev => {
	ev.preventDefault();
	const n = await api('GET', '/api/network');
	const cur = n.linux && !n.linux.error ? n.linux : n.config;
	const want = {};
	const mtu = Number($('#net-mtu').value);
	if ($('#net-address').value !== cur.address)
		want.address = $('#net-address').value;
	if ($('#net-gateway').value !== cur.gateway)
		want.gateway = $('#net-gateway').value;
	if ($('#net-mac').value !== cur.mac)
		want.mac = $('#net-mac').value;
	if (mtu !== cur.mtu)
		want.mtu = Number.isInteger(mtu) ? mtu : $('#net-mtu').value;
	if (!Object.keys(want).length)
		return say('#net-msg', 'nothing changed', true);
	try {
		await api('PUT', '/api/network', want);
		say('#net-msg', 'applied: ' + Object.entries(want)
			.map(([k, v]) => k + ' ' + v).join(', '), true);
		pages.network.load();
	} catch (e) {
		fail('#net-msg', e, $('#net-form'));
	}
});

// ---- extensions, trunks, routes, DIDs --------------------------------------

const kinds = {
	extension: { path: '/api/extensions', key: 'number', form: 'ext',
		fields: ['kind', 'password', 'display', 'line'],
		head: ['number', 'kind', 'name', 'line', 'password',
		       'registered'],
		row: x => [x.number, x.kind, x.display, x.line,
			   x.password_set ? 'set' : '',
			   x.kind === 'sip' ? (x.registered ? 'yes: ' +
			   x.contacts.map(c => c.contact).join(' ') : 'no') :
			   ''] },
	trunk: { path: '/api/trunks', key: 'name', form: 'trunk',
		fields: ['kind', 'host', 'username', 'password', 'lines',
			 'register'],
		head: ['name', 'kind', 'host', 'user', 'lines', 'register'],
		row: x => [x.name, x.kind, x.host, x.username, x.lines,
			   !x.register ? 'no' : !x.state ? 'yes' :
			   { text: (x.state.registered ? 'registered' :
				    'not registered') + (x.state.status ?
				    ' (' + x.state.status + ' ' +
				    x.state.phrase + ')' : ''),
			     cls: x.state.registered ? 'ok' : 'bad' }] },
	route: { path: '/api/routes', key: 'name', form: 'route',
		fields: ['pattern', 'strip', 'prefix', 'trunk'],
		head: ['name', 'pattern', 'strip', 'prefix', 'trunk'],
		row: x => [x.name, x.pattern, num(x.strip), x.prefix,
			   x.trunk] },
	did: { path: '/api/dids', key: 'number', form: 'did',
		fields: ['extension'], head: ['number', 'rings extension'],
		row: x => [x.number, x.extension] },
};

function editButtons(kind, x) {
	const k = kinds[kind], name = x[k.key];
	return el('span', {},
		el('button', { class: 'secondary edit', type: 'button',
			dataset: { kind, name }, onclick: () => {
				state.editing[kind] = name;
				$('#' + k.form + '-' + k.key).value = name;
				$('#' + k.form + '-' + k.key).disabled = true;
				for (const f of k.fields) {
					const i = $('#' + k.form + '-' + f);
					if (i)
						i.value = f === 'password' ? '' :
							  x[f] === undefined ? '' :
							  x[f];
				}
				$('#' + k.form + '-add').textContent = 'Save ' +
					name;
			} }, 'Edit'), ' ',
		el('button', { class: 'danger del', type: 'button',
			dataset: { kind, name }, onclick: async () => {
				if (!confirm('Remove ' + kind + ' ' + name + '?'))
					return;
				try {
					await api('DELETE', k.path + '/' +
						  encodeURIComponent(name));
					say('#pbx-msg', kind + ' ' + name +
					    ' removed', true);
					pages.pbx.load();
				} catch (e) {
					fail('#pbx-msg', e);
				}
			} }, 'Remove'));
}

function resetForm(kind) {
	const k = kinds[kind];
	delete state.editing[kind];
	$('#' + k.form + '-form').reset();
	$('#' + k.form + '-' + k.key).disabled = false;
	$('#' + k.form + '-add').textContent = 'Add ' +
		(kind === 'did' ? 'DID' : kind);
}

for (const [kind, k] of Object.entries(kinds)) {
	$('#' + k.form + '-form').addEventListener('submit', async ev => {
		ev.preventDefault();
		const body = {}, editing = state.editing[kind];
		if (!editing)
			body[k.key] = $('#' + k.form + '-' + k.key).value;
		for (const f of k.fields) {
			const i = $('#' + k.form + '-' + f);
			if (!i || i.value === '')
				continue;
			body[f] = i.type === 'number' ? Number(i.value) :
				  i.value;
		}
		try {
			const r = editing ?
				await api('PUT', k.path + '/' +
					  encodeURIComponent(editing), body) :
				await api('POST', k.path, body);
			say('#pbx-msg', kind + ' ' + r[k.key] + (editing ?
			    ' saved' : ' added') + (r.apply_message ? ' — ' +
			    r.apply_message : ''), r.applied !== false);
			resetForm(kind);
			pages.pbx.load();
		} catch (e) {
			fail('#pbx-msg', e, $('#' + k.form + '-form'));
		}
	});
}

pages.pbx = { load: async () => {
	for (const [kind, k] of Object.entries(kinds)) {
		const list = await api('GET', k.path);
		table($('#' + k.form + '-table'), [...k.head, ''],
			list.map(x => [...k.row(x), editButtons(kind, x)]),
			{ rowData: i => ({ name: list[i][k.key] }) });
	}
	const tdm = await api('GET', '/api/tdm');
	const box = $('#tdm');
	box.replaceChildren(el('p', { class: 'muted' }, 'card ' + tdm.card +
		(tdm.card !== 'none' ? ', spans ' + tdm.layout : '')));
	for (const s of tdm.spans) {
		const t = el('table');
		table(t, ['span ' + s.span + ' (' + s.type + ')', 'owner',
			  'state'], s.lines.map(l => [s.span + '/' + l.line,
			  l.owner || '(unused)', { text: l.state +
			  (l.channel ? ' (channel ' + l.channel + ')' : ''),
			  cls: l.state === 'idle' ? 'muted' : 'ok' }]));
		box.append(t);
	}
} };

// ---- calls ----------------------------------------------------------------

function legCells(m) {
	const legs = m ? m.legs.filter(l => l.kind === 'rtp' ||
					l.kind === 't38') : [];
	// a T.38 leg (a fax relayed) has no jitter or MOS: its pages instead
	const f = (fn, t38) => legs.map(l => l.kind === 't38' ?
		(t38 ? t38(l) : '–') : fn(l)).join(' / ');
	const packets = l => l.rx_packets + '/' + l.tx_packets;
	const loss = l => fix(l.loss_pct, 2);
	// a fax or modem call (its answer tone heard) says so beside the codec
	return [f(l => l.codec, l => 'T.38, ' + l.pages + ' page(s)') +
		(m && m.data ? ' · fax/modem' : ''),
		f(l => fix(l.jitter_ms, 1)), f(loss, loss),
		f(l => fix(l.mos, 2)), f(packets, packets)];
}

// a card line's echo canceller: its span, ERLE estimate (none until the
// line has been heard back while the far end spoke: a line with no echo
// gives none) and the share of blocks it idled, the far end quiet
function ecText(l, ecOff) {
	if (!l.ec_tail_ms)
		return 'no echo canceller';
	return 'ec ' + l.ec_tail_ms + ' ms' + (ecOff ?
		' off (fax/modem tone)' : ', ERLE ' + (l.erle_db === null ?
		'–' : fix(l.erle_db, 1) + ' dB') + ', idle ' + l.ec_idle_pct +
		' %');
}

function ecCell(m) {
	const tdm = m ? m.legs.filter(l => l.kind === 'tdm') : [];
	return tdm.length ? tdm.map(l => ecText(l, m.ec_off)).join(' / ') :
			    '–';
}

// one leg of a channel, as the channels table lists it
function legText(l, m) {
	if (l.kind === 'rtp')
		return 'rtp ' + l.codec + ' :' + l.local_port;
	if (l.kind === 'tdm')
		return 'tdm ' + l.span + '/' + l.line + ' (' + ecText(l,
			m.ec_off) + ')';
	if (l.kind === 't38')
		return 't38 :' + l.local_port + ' (' + l.pages + ' page(s))';
	return l.kind;
}

function trackJitter(calls, now) {
	const seen = new Set();
	for (const c of calls) {
		if (!c.media)
			continue;
		c.media.legs.forEach((l, i) => {
			if (l.kind !== 'rtp')
				return;
			const key = 'call ' + c.id + ' leg ' + 'ab'[i] +
				    ' (:' + l.local_port + ')';
			seen.add(key);
			if (!state.jitter.has(key))
				state.jitter.set(key, []);
			state.jitter.get(key).push([now, l.jitter_ms]);
		});
	}
	for (const [k, pts] of state.jitter) {
		while (pts.length && now - pts[0][0] > 60000)
			pts.shift();
		if (!pts.length && !seen.has(k))
			state.jitter.delete(k);
	}
}

pages.calls = { every: 1000, load: async () => {
	const r = await api('GET', '/api/calls'), now = Date.now();
	$('#calls-updated').textContent = 'live, ' +
		new Date().toLocaleTimeString();
	if (r.sip_error || r.rt_error)
		say('#calls-msg', [r.sip_error, r.rt_error]
			.filter(Boolean).join(' · '), false);
	table($('#calls-table'), ['call', 'from', 'to', 'state', 'for',
		'codec', 'jitter ms', 'loss %', 'MOS', 'rx/tx packets',
		'echo canceller', ''],
		r.calls.map(c => [num(c.id), party(c.from), party(c.to),
			c.state, dur((now * 1000 - c.start_us) / 1e6),
			...legCells(c.media), ecCell(c.media),
			el('button', { class: 'danger hangup', type: 'button',
				dataset: { callId: c.id }, onclick: async () => {
					try {
						await api('DELETE', '/api/calls/' +
							  c.id);
						say('#calls-msg', 'call ' + c.id +
						    ' hung up', true);
					} catch (e) {
						fail('#calls-msg', e);
					}
				} }, 'Hang up')]),
		{ rowData: i => ({ callId: r.calls[i].id }),
		  empty: 'no call up' });
	trackJitter(r.calls, now);
	const series = [...state.jitter.entries()].map(([name, points], i) =>
		({ name, points, color: Charts.palette[i %
						       Charts.palette.length] }));
	Charts.lines($('#jitter-chart'), series, now, 60000, '',
		     { minMax: 1 });
	const lg = $('#jitter-legend');
	lg.replaceChildren(...series.map(s => {
		const sw = el('span', { class: 'swatch' });
		sw.style.background = s.color;
		return el('span', {}, sw, s.name);
	}));
	table($('#chan-table'), ['channel', 'age', 'legs'], r.channels.map(
		c => [num(c.id), dur(c.age_s), c.legs.map(l => legText(l, c))
			.join(' ⇄ ')]),
		{ rowData: i => ({ chanId: r.channels[i].id }),
		  empty: 'none' });
} };

// ---- CDRs -----------------------------------------------------------------

pages.cdrs = { every: 5000, load: async () => {
	const r = await api('GET', '/api/cdrs?limit=50');
	const d = r.delivery && !r.delivery.error ? r.delivery : null;
	table($('#cdr-delivery'), ['', ''], d ? [
		['billing server', d.server || '(none: spool only)'],
		['connected', d.connected ? 'yes' : 'no'],
		['waiting in the spool', num(d.queue_depth)],
		['delivered since start', num(d.delivered)],
		['duplicates', num(d.duplicates)],
		['rejected', num(d.rejected)],
		['last delivery', when(d.last_delivery_us)],
		['next attempt', when(d.next_attempt_us)],
		['last error', { text: d.last_error || '', cls: 'bad' }],
	] : [], { empty: r.delivery && r.delivery.error });
	table($('#ended-table'), ['ended', 'from', 'to', 'disposition',
		'CDR', 'record'], r.ended_calls.map(e => [
		new Date(e.time_us / 1000).toLocaleTimeString(),
		party(e.from), party(e.to), e.disposition,
		{ text: e.delivery, cls: e.delivery === 'delivered' ? 'ok' :
		  'bad' }, e.record.slice(0, 12) + '…']),
		{ rowData: i => ({ record: r.ended_calls[i].record }) });
	$('#cdr-error').textContent = r.cdrs_error || '';
	table($('#cdr-table'), ['start', 'caller', 'callee', 'disposition',
		'duration', 'billable', 'codec', 'loss %', 'jitter ms', 'MOS',
		'gateway', 'id'], r.cdrs.map(c => [when(c.start_us),
		c.caller, c.callee, c.disposition, num(c.duration),
		num(c.billsec), c.codec, fix(c.loss_pct, 2),
		fix(c.jitter_ms, 1), fix(c.mos, 2), c.gateway, c.id]),
		{ rowData: i => ({ id: r.cdrs[i].id }) });
} };

// ---- system ---------------------------------------------------------------

async function loadLogs() {
	const q = '?lines=' + $('#log-lines').value +
		  ($('#log-filter').value ? '&filter=' +
		   encodeURIComponent($('#log-filter').value) : '');
	try {
		const r = await api('GET', '/api/system/logs' + q);
		const pre = $('#logs');
		pre.textContent = r.lines.join('\n');
		pre.scrollTop = pre.scrollHeight;
	} catch (e) {
		$('#logs').textContent = e.message;
	}
}

pages.system = { load: async () => {
	const s = await api('GET', '/api/status');
	table($('#sys-parts'), ['partition', 'state', 'restarts', 'up', ''],
		(Array.isArray(s.partitions) ? s.partitions : []).map(p => [
			p.name, { text: p.state, cls: 'state-' + p.state },
			num(p.restarts), dur((p.uptime_ms || 0) / 1000),
			el('button', { class: 'secondary restart',
				type: 'button', dataset: { name: p.name },
				onclick: async () => {
					if (!confirm('Restart ' + p.name + '?'))
						return;
					try {
						await api('POST', '/api/system/' +
							  'restart/' + p.name);
						say('#sys-msg', p.name +
						    ' is restarting', true);
						setTimeout(pages.system.load, 1500);
					} catch (e) {
						fail('#sys-msg', e);
					}
				} }, 'Restart')]));
	await loadLogs();
} };

$('#log-form').addEventListener('submit', ev => {
	ev.preventDefault();
	loadLogs();
});

$('#backup').addEventListener('click', async () => {
	try {
		const text = await api('GET', '/api/system/config');
		const a = el('a', { download: 'gateway-config.ini',
			href: URL.createObjectURL(new Blob([text],
				{ type: 'text/plain' })) });
		document.body.append(a);
		a.click();
		a.remove();
		say('#restore-msg', 'backup downloaded (' + text.length +
		    ' bytes)', true);
	} catch (e) {
		fail('#restore-msg', e);
	}
});

$('#restore-btn').addEventListener('click', async () => {
	const f = $('#restore-file').files[0];
	if (!f)
		return say('#restore-msg', 'choose a file first', false);
	try {
		const r = await api('PUT', '/api/system/config', undefined,
				    await f.text());
		say('#restore-msg', 'restored' + (r.network ? '; network: ' +
		    r.network : '') + (r.sip ? '; SIP: ' + r.sip : '') +
		    '. ' + r.note, true);
	} catch (e) {
		fail('#restore-msg', e);
	}
});

$('#pw-form').addEventListener('submit', async ev => {
	ev.preventDefault();
	if ($('#pw-new').value !== $('#pw-new2').value)
		return say('#pw-msg', 'the two new passwords differ', false);
	try {
		await api('PUT', '/api/system/password', {
			current: $('#pw-current').value,
			new: $('#pw-new').value });
		$('#pw-form').reset();
		say('#pw-msg', 'password changed; other sessions ended', true);
	} catch (e) {
		fail('#pw-msg', e);
	}
});

// ---- start ---------------------------------------------------------------

(async () => {
	try {
		loggedIn(await api('GET', '/api/session'));
	} catch (e) {
		showLogin();
	}
})();
