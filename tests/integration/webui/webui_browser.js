// SPDX-License-Identifier: MIT
// The web UI in a real browser (Debian's chromium driven by Playwright's
// playwright-core), on the simulated board: run by webui_browser.sh inside
// the lab's lan namespace, so the browser reaches the gateway as a LAN
// host would. Prints "PASS what" / "FAIL what: why" lines, which the
// shell turns into TAP; saves a screenshot of each page in $SHOTS.
//
// Environment (set by webui_browser.sh): GW_URL, SHOTS, GWCTL (the gwctl
// command with its --run-dir), SIPP_REG/SIPP_UAS/SIPP_UAC (scenarios),
// CREDS_CALLEE/CREDS_CALLER (injection files), RTPPEER, LAN, GW, TMP.
'use strict';

const { chromium } = require('playwright-core');
const { execSync, spawn } = require('child_process');
const path = require('path');

const env = process.env;
const results = [];
let page;

function pass(what) {
	console.log('PASS ' + what);
	results.push(true);
}

function fail(what, why) {
	console.log('FAIL ' + what + ': ' + String(why).replace(/\s+/g, ' ')
		    .slice(0, 400));
	results.push(false);
}

// step: run fn; PASS or FAIL with what went wrong; false when it failed
async function step(what, fn) {
	try {
		const detail = await fn();
		pass(what + (detail ? ' (' + detail + ')' : ''));
		return true;
	} catch (e) {
		fail(what, e.message || e);
		return false;
	}
}

const sleep = ms => new Promise(r => setTimeout(r, ms));
const sh = cmd => execSync(cmd, { encoding: 'utf8', timeout: 30000 });

async function until(what, fn, ms) {
	const end = Date.now() + (ms || 10000);
	let last;
	for (;;) {
		try {
			const v = await fn();
			if (v)
				return v;
		} catch (e) {
			last = e;
		}
		if (Date.now() > end)
			throw new Error('timed out waiting for ' + what +
					(last ? ': ' + last.message : ''));
		await sleep(250);
	}
}

async function shot(name) {
	await page.screenshot({ path: path.join(env.SHOTS, name + '.png'),
				fullPage: true });
}

async function go(name) {
	await page.click('nav a[data-page="' + name + '"]');
	await page.waitForSelector('#page-' + name + ':not([hidden])');
}

// a background process; resolves with its exit code
function bg(cmd, args, log) {
	const fs = require('fs');
	const out = fs.openSync(path.join(env.TMP, log), 'w');
	const p = spawn(cmd, args, { stdio: ['ignore', out, out] });
	p.done = new Promise(res => p.on('exit', code => res(code)));
	return p;
}

const sipp = (scen, port, extra, log) => bg('sipp', ['-sf', scen, '-m', '1',
	'-i', env.LAN, '-p', String(port), '-nostdin', ...extra,
	'-trace_err', '-error_file', path.join(env.TMP, log + '.err'),
	env.GW + ':5060'], log + '.out');

async function main() {
	const browser = await chromium.launch({
		executablePath: '/usr/bin/chromium',
		args: ['--headless', '--no-sandbox', '--disable-gpu',
		       '--disable-background-networking',
		       '--disable-component-update', '--no-first-run'],
	});
	page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
	const errors = [];
	page.on('pageerror', e => errors.push(e.message));
	page.on('dialog', d => d.accept());

	// --- login ------------------------------------------------------------
	await step('the login page is served by the gateway', async () => {
		await page.goto(env.GW_URL);
		await page.waitForSelector('#login-form:not([hidden])');
		await shot('login');
	});
	await step('a wrong password is refused on the page', async () => {
		await page.fill('#login-pass', 'not-the-password');
		await page.click('#login-submit');
		await until('the error', async () => /wrong user name or/
			    .test(await page.textContent('#login-error')));
	});
	if (!await step('log in as admin', async () => {
		await page.fill('#login-pass', 'lab-admin');
		await page.click('#login-submit');
		await page.waitForSelector('#page-dashboard:not([hidden])');
	}))
		return browser.close();

	// --- dashboard ----------------------------------------------------------
	await step('the dashboard shows the partitions running', async () => {
		await until('rtpart running', async () => {
			const t = await page.textContent('#partitions');
			return /rtpart\s*running/.test(t) &&
			       /sipd\s*running/.test(t) &&
			       /webd\s*running/.test(t);
		});
	});
	await step('the dashboard draws the RT latency histograms', async () => {
		const n = await until('histograms', async () =>
			(await page.$$('#hists canvas')).length);
		return n + ' tasks';
	});
	await step('the dashboard shows queues, drops and classifier counters',
		   async () => {
		await until('counters', async () =>
			/frames-up/.test(await page.textContent('#rings')) &&
			(await page.$$('#cnt-cls tr')).length > 2);
		await sleep(2500);	/* a live update */
		await shot('dashboard');
	});

	// --- network ------------------------------------------------------------
	await go('network');
	await step('a gateway outside the subnet is refused with a message',
		   async () => {
		await until('the form', async () =>
			await page.inputValue('#net-mtu'));
		await page.fill('#net-gateway', '10.9.9.9');
		await page.click('#net-save');
		await until('the error', async () => /gateway/.test(
			await page.textContent('#net-msg')) &&
			/error/.test(await page.getAttribute('#net-msg',
							     'class')));
		await page.fill('#net-gateway', '');
	});
	await step('the MTU is changed on the Network page', async () => {
		await page.fill('#net-mtu', '1400');
		await page.click('#net-save');
		await until('applied', async () => /applied: mtu 1400/.test(
			await page.textContent('#net-msg')));
	});
	await step('the RT side applies MTU 1400 (gwctl status)', async () => {
		const line = await until('gwctl', () => {
			const s = sh(env.GWCTL + ' status');
			return s.split('\n').find(l => /RT side\).* mtu 1400 /
						  .test(l));
		});
		return line.trim();
	});
	await step('the page shows the RT side at 1400', async () => {
		await go('dashboard');
		await go('network');
		await until('RT 1400', async () => /MTU\s*1400\s*1400\s*1400/
			    .test(await page.textContent('#net-state')));
		await shot('network');
	});

	// --- extensions ---------------------------------------------------------
	await go('pbx');
	await step('extension 1006 is added on the page', async () => {
		await page.fill('#ext-number', '1006');
		await page.fill('#ext-password', 'pw1006');
		await page.fill('#ext-display', 'Browser 1006');
		await page.click('#ext-add');
		await until('added', async () => /1006 added/.test(
			await page.textContent('#pbx-msg')));
		await page.waitForSelector('#ext-table tr[data-name="1006"]');
	});
	await step('a SIPp phone registers as 1006', async () => {
		const reg = sipp(env.SIPP_REG, 5096, ['-inf',
				 env.CREDS_CALLEE], 'reg1006');
		const code = await reg.done;
		if (code !== 0)
			throw new Error('sipp exit ' + code);
	});
	await step('the page shows 1006 registered', async () => {
		await until('registered', async () => {
			await go('calls');
			await go('pbx');
			return /yes: sip:1006@/.test(await page.textContent(
				'#ext-table tr[data-name="1006"]'));
		});
		await shot('pbx');
	});

	// --- a call -----------------------------------------------------------------
	const peers = [
		bg(env.RTPPEER, ['--local', env.LAN + ':7102', '--remote',
		   'learn', '--codec', 'pcmu', '--pt', '0', '--tone', '600:-15',
		   '--seconds', '45'], 'peer-callee.out'),
		bg(env.RTPPEER, ['--local', env.LAN + ':7100', '--remote',
		   'learn', '--codec', 'pcmu', '--pt', '0', '--tone',
		   '1000:-15', '--seconds', '45'], 'peer-caller.out'),
	];
	const callee = sipp(env.SIPP_UAS, 5096, [], 'callee');
	await sleep(500);
	const caller = sipp(env.SIPP_UAC, 5098, ['-inf', env.CREDS_CALLER],
			    'caller');
	await go('calls');
	let id = null;
	await step('the call 1001 -> 1006 is on the Calls page', async () => {
		const row = await until('a call row', async () =>
			page.$('#calls-table tr[data-call-id]'), 15000);
		id = await row.getAttribute('data-call-id');
		const t = await row.textContent();
		if (!/1001/.test(t) || !/1006/.test(t))
			throw new Error('row: ' + t);
		return 'call ' + id;
	});
	await step('with live statistics: codec, jitter, loss, MOS, packets',
		   async () => {
		const sel = '#calls-table tr[data-call-id="' + id + '"] td';
		const cells = async () => page.$$eval(sel,
			tds => tds.map(td => td.textContent));
		const a = await until('media figures', async () => {
			const c = await cells();
			return /PCMU/.test(c[5]) && /\d/.test(c[6]) &&
			       /\d/.test(c[8]) && Number(c[9].split('/')[0]) >
			       0 ? c : null;
		});
		await sleep(2000);
		const b = await cells();
		const rx = c => Number(c[9].split('/')[0]);
		if (!(rx(b) > rx(a)))
			throw new Error('packets did not grow: ' + a[9] +
					' then ' + b[9]);
		await sleep(2000);	/* a few points on the jitter chart */
		await shot('calls');
		return 'codec ' + b[5] + ', jitter ' + b[6] + ' ms, loss ' +
		       b[7] + ' %, MOS ' + b[8] + ', rx/tx ' + b[9];
	});
	await step('the call is hung up from the page', async () => {
		await page.click('#calls-table tr[data-call-id="' + id +
				 '"] button.hangup');
		await until('the row gone', async () => !await page.$(
			'#calls-table tr[data-call-id="' + id + '"]'));
	});
	await step('both phones got the BYE', async () => {
		const codes = await Promise.race([
			Promise.all([caller.done, callee.done]),
			sleep(15000).then(() => ['timeout', 'timeout'])]);
		if (codes[0] !== 0 || codes[1] !== 0)
			throw new Error('sipp exit codes ' + codes);
	});
	for (const p of peers)
		p.kill();

	// --- channels opened by hand: a card line's canceller, a T.38 leg -------
	await step('a card line\'s echo canceller and a T.38 leg on the page',
		   async () => {
		const row = id => '#chan-table tr[data-chan-id="' + id + '"]';
		const legs = id => page.textContent(row(id) +
						    ' td:nth-child(3)');
		sh(env.GWCTL + ' chan open 90 tdm:2/28,ec=64 rtp:16420:' +
		   env.LAN + ':7104,codec=pcmu');
		sh(env.GWCTL + ' chan open 91 tdm:2/29 t38:16430:' + env.LAN +
		   ':7106');
		await go('calls');
		/* the far end silent: no estimate yet, the canceller idle */
		const quiet = await until('channel 90 idle', async () => {
			const t = await legs(90);
			const m = /tdm 2\/28 \(ec \d+ ms, ERLE –, idle (\d+) %\)/
				  .exec(t);
			return m && Number(m[1]) >= 50 ? t : null;
		});
		const peer = bg(env.RTPPEER, ['--local', env.LAN + ':7104',
				'--remote', env.GW + ':16420', '--codec',
				'pcmu', '--pt', '0', '--tone', '1000:-15',
				'--seconds', '8'], 'peer-ec.out');
		const idle = t => Number(/idle (\d+) %/.exec(t)[1]);
		let talk;
		try {
			/* the far end talking: the canceller runs (its idle
			 * share falls), and as the simulated line returns no
			 * echo, there is still no ERLE to show */
			talk = await until('the canceller running', async () => {
				const t = await legs(90);
				return idle(t) <= idle(quiet) - 10 ? t : null;
			}, 15000);
		} finally {
			peer.kill();
		}
		if (!/ERLE –/.test(talk))
			throw new Error('an ERLE from a line with no echo: ' +
					talk);
		const t38 = await legs(91);
		if (!/tdm 2\/29 \(no echo canceller\) ⇄ t38 :16430 \(0 page\(s\)\)/
		    .test(t38))
			throw new Error('channel 91: ' + t38);
		await shot('channels');
		sh(env.GWCTL + ' chan close 90');
		sh(env.GWCTL + ' chan close 91');
		await until('both rows gone', async () =>
			!await page.$(row(90)) && !await page.$(row(91)));
		return quiet + '; the far end talking: ' + /ERLE.*%/.exec(talk)[0];
	});

	// --- CDRs -------------------------------------------------------------------
	await go('cdrs');
	await step('the call\'s CDR reaches the billing server', async () => {
		await until('delivered', async () => {
			const t = await page.textContent('#ended-table');
			return /1001[\s\S]*1006[\s\S]*delivered/.test(t);
		}, 40000);
		await until('the CDR row', async () =>
			/1001\s*1006/.test(await page.textContent(
				'#cdr-table')), 10000);
		await shot('cdrs');
	});

	// --- system -------------------------------------------------------------------
	await go('system');
	await step('the System page shows the log', async () => {
		await until('log lines', async () => /webd/.test(
			await page.textContent('#logs')));
	});
	await step('a partition is restarted from the page', async () => {
		await page.click('button.restart[data-name="billingd"]');
		await until('restarting', async () => /billingd is restarting/
			    .test(await page.textContent('#sys-msg')));
		await until('billingd restarted', () => /part billingd .*state=running restarts=1/
			    .test(sh(env.GWCTL + ' status')));
		await sleep(1600);
		await shot('system');
	});
	await step('log out', async () => {
		await page.click('#logout');
		await page.waitForSelector('#login-form:not([hidden])');
	});
	await step('no script error on any page', async () => {
		if (errors.length)
			throw new Error(errors.join('; '));
	});
	await browser.close();
}

main().then(() => process.exit(results.every(Boolean) ? 0 : 1),
	    e => { fail('browser run', e.stack || e); process.exit(1); });
