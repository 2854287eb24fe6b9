// SPDX-License-Identifier: MIT
// Two small charts on <canvas>, for the web UI: a histogram of RT task
// wake-up lateness (power-of-two buckets, log scale) and lines over time
// (jitter per call leg). No library: the appliance serves every file.
'use strict';

const Charts = (() => {
	const ink = '#1d2733', grid = '#dde3e8', muted = '#66717d';

	function setup(canvas) {
		const ctx = canvas.getContext('2d');
		ctx.clearRect(0, 0, canvas.width, canvas.height);
		ctx.font = '11px system-ui, sans-serif';
		return ctx;
	}

	function fmtUs(ns) {
		const us = ns / 1000;
		if (us >= 1000)
			return (us / 1000).toFixed(us >= 10000 ? 0 : 1) + 'ms';
		return (us >= 10 ? us.toFixed(0) : us.toFixed(1)) + 'µs';
	}

	// counts[i]: wake-ups late by [2^i, 2^(i+1)) ns
	function histogram(canvas, counts, opts) {
		const ctx = setup(canvas), W = canvas.width, H = canvas.height;
		const L = 38, B = 30, T = 8, R = 6;
		let first = counts.findIndex(c => c > 0);
		if (first < 0) {
			ctx.fillStyle = muted;
			ctx.fillText('no wake-ups yet', L, H / 2);
			return;
		}
		first = Math.max(0, Math.min(first, 9));	// from 512 ns
		const shown = counts.slice(first);
		const max = Math.max(...shown);
		const top = Math.ceil(Math.log10(max + 1));
		const y = v => H - B - (v > 0 ? Math.log10(v + 1) / top *
					(H - B - T) : 0);
		const bw = (W - L - R) / shown.length;
		ctx.strokeStyle = grid;
		ctx.fillStyle = muted;
		for (let d = 0; d <= top; d++) {
			const yy = y(Math.pow(10, d) - 1);
			ctx.beginPath();
			ctx.moveTo(L, yy);
			ctx.lineTo(W - R, yy);
			ctx.stroke();
			ctx.fillText(d ? '1e' + d : '0', 4, yy + 4);
		}
		shown.forEach((c, i) => {
			const x = L + i * bw;
			ctx.fillStyle = (opts && opts.color) || '#1f6feb';
			ctx.fillRect(x + 1, y(c), Math.max(1, bw - 2),
				     H - B - y(c));
			if (i % Math.ceil(shown.length / 8) === 0) {
				ctx.save();
				ctx.fillStyle = ink;
				ctx.translate(x + bw / 2, H - B + 4);
				ctx.rotate(Math.PI / 5);
				ctx.fillText('<' + fmtUs(Math.pow(2, first + i + 1)),
					     0, 6);
				ctx.restore();
			}
		});
	}

	// series: [{name, color, points: [[t_ms, value], ...]}]; the last
	// spanMs milliseconds up to nowMs
	function lines(canvas, series, nowMs, spanMs, unit, opts) {
		const ctx = setup(canvas), W = canvas.width, H = canvas.height;
		const L = 44, B = 22, T = 8, R = 8;
		let max = 0;
		series.forEach(s => s.points.forEach(p => {
			if (p[1] > max)
				max = p[1];
		}));
		max = Math.max(max * 1.15, (opts && opts.minMax) || 1);
		const x = t => L + (1 - (nowMs - t) / spanMs) * (W - L - R);
		const y = v => H - B - v / max * (H - B - T);
		ctx.strokeStyle = grid;
		ctx.fillStyle = muted;
		for (let k = 0; k <= 4; k++) {
			const v = max * k / 4;
			ctx.beginPath();
			ctx.moveTo(L, y(v));
			ctx.lineTo(W - R, y(v));
			ctx.stroke();
			ctx.fillText(v.toFixed(max < 4 ? 2 : max < 40 ? 1 : 0) +
				     (unit || ''), 2, y(v) + 4);
		}
		for (let s = 0; s <= spanMs / 1000; s += 10) {
			const xx = x(nowMs - s * 1000);
			ctx.fillText(s ? '-' + s + 's' : 'now', xx - 10, H - 6);
		}
		series.forEach(s => {
			const pts = s.points.filter(p => nowMs - p[0] <= spanMs);
			if (!pts.length)
				return;
			ctx.strokeStyle = s.color;
			ctx.lineWidth = 2;
			ctx.beginPath();
			pts.forEach((p, i) => i ? ctx.lineTo(x(p[0]), y(p[1])) :
					      ctx.moveTo(x(p[0]), y(p[1])));
			ctx.stroke();
			ctx.lineWidth = 1;
		});
		if (!series.length) {
			ctx.fillStyle = muted;
			ctx.fillText('no call legs with RTP', L + 10, H / 2);
		}
	}

	const palette = ['#1f6feb', '#e8590c', '#2b8a3e', '#ae3ec9', '#c92a2a',
			 '#0b7285', '#5c940d', '#862e9c'];
	return { histogram, lines, palette, fmtUs };
})();
