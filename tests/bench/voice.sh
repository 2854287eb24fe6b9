#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Voice benchmarks of the RT partition (DESIGN.md section 8), on the
# simulated board's lab (board/sim/lab) and, for the baselines, on a veth
# pair between two namespaces of our own (198.18.1.0/24).
#
#   density  how many channels one RT core carries with no missed 20 ms
#            deadline (the issue's definition), and beside it with no card
#            tick more than 1 ms late.
#            One lab (card vtdm with as many E1 lines as hal/tdm.h allows
#            up to VOICE_DENSITY_MAX, [tdm] spans = ...,e1:30*K,
#            [media] max_channels = VOICE_DENSITY_MAX, link unpaced); for
#            each kind of channel, N steps up (VOICE_DENSITY_STEPS, capped
#            by the lines or max_channels, then up to two bisections
#            between the last good and the first bad step). Each step: the RT partition
#            restarted (fresh statistics), every leg of the pool used once
#            (open and close max_channels channels: lwIP keeps a closed
#            leg's PCBs, so a gateway that has run a while has them all),
#            N channels opened, RTP sent to every RTP leg from lan with
#            tests/tools/rtpload (real coded audio, streams spread over the
#            20 ms) and taken back, 2 s to settle, then a window of
#            BENCH_SECONDS (default 10) in which misses are counted two
#            ways: a missed frame deadline is a card tick the media task
#            processed 20 ms or more after its time (tdm.card.frame_late_
#            ticks: the frame due then left after the next one was due);
#            a late tick (the stricter figure) is one it began more than
#            1 ms late (tdm.card.late_ticks) or a missed 1 ms period (rtk
#            "missed"). This VM stalls for milliseconds now and then with
#            no load at all, so a first step with no channel counts the
#            misses of the idle partition (density.idle_misses and
#            idle_frame_misses) and a step passes with no more than
#            max(1, 2 x idle_misses) late ticks, 2 x idle_frame_misses
#            frame misses; one that misses more runs again once (a stall
#            makes many late ticks at once), and each criterion passes when
#            one of the two runs passes it.
#              g711 g711_ec g722 g726 g729: TDM <-> RTP channels (E1 line
#                 <-> RTP PCMU, PCMU with a 64 ms echo canceller, G.722,
#                 G.726-32, G.729)
#              g711_ec_talk: g711_ec with the RTP far ends talking as in a
#                 conversation (rtpload --talk 1000:1500, ITU-T P.59's
#                 talkspurts and pauses: 40 % of them at a time), the
#                 cancellers idle through the pauses (media/ec.h)
#              rtp_g711 rtp_g722: RTP <-> RTP channels (PCMU <-> PCMU,
#                 G.722 <-> PCMU), both legs fed: the RTP path and codecs
#                 beyond the card's lines (each is two RTP legs)
#            density.<kind>: the largest N with no missed frame deadline
#            (0: none); <kind>_capped 1 when that N is the cap, not a CPU
#            limit; <kind>_1ms: the largest N with no late tick (its own
#            two bisections);
#            <kind>_ns_per_frame: CPU time of every RT thread (schedstat:
#            media, net, lwIP, ...) per channel per 20 ms frame at that N
#            (at the smallest step when none passed) beyond what the idle
#            partition uses (a first step with no channel: density.idle_rt_
#            cpu_pct), <kind>_media_ns_per_frame the media task's alone,
#            <kind>_run_ns_per_frame the same from the media task's median
#            run time per 1 ms tick (wall clock, preemption included),
#            <kind>_run_p99_us its p99 (since the restart, the opening of
#            the channels included); <kind>_cpu_bound: the N at which that cost would fill the RT
#            core (an upper bound); density.tdm_lines.
#   load     voice under load: N streams (30, 120, 480) of 172 bytes every
#            20 ms measured in lan by tests/tools/probe_rx (inter-arrival
#            deviation p50/p99/p99.9/p99.99/max, one-way delay, loss) while
#            the Linux side sends bulk TCP (iperf3) over the shared link,
#            emulated at 100 Mbit/s, and stress-ng loads the Linux CPU:
#              rt      the RT partition's probe streams ([probe], LAB_LINK_
#                      MBPS=100), iperf3 in gw (Linux partition) to lan
#              kernel  baseline 1: the same streams from an ordinary process
#                      (tests/tools/udpstreams, normal priority, not pinned)
#                      through the kernel's UDP stack, on a veth pair shaped
#                      by tbf at 100 Mbit/s with a pfifo_fast-like queue
#                      (1000 full frames), iperf3 beside it
#              tuned   baseline 2: the best a Linux-only appliance could do:
#                      the sender SCHED_FIFO 80 pinned to the RT CPU (a core
#                      of its own; above any RT partition's task but the
#                      watchdog; polling when idle if the RT partition's
#                      CPU does, [rt] poll_idle), packets marked DSCP EF,
#                      htb at 100 Mbit/s with a priority class for EF (u32
#                      on the TOS byte)
#            load<N>.<setup>.{p50,p99,p999,p9999,max}_us, delay_*_us,
#            loss_pct, lost, packets, bulk_mbps. The bulk TCP and stress-ng
#            run on the Linux CPUs ([board] linux_cpus) in all three.
#            120 streams run 3 x BENCH_SECONDS (180 000 samples by default:
#            enough for p99.99), 30 and 480 BENCH_SECONDS.
#
# Environment:
#   BENCH_SECONDS        density window; load phases (default 10, see above)
#   BENCH_VOICE          parts to run (default "density load")
#   VOICE_DENSITY_KINDS  default "g711 g711_ec g711_ec_talk g722 g726 g729
#                        rtp_g711 rtp_g722"
#   VOICE_DENSITY_STEPS  default "100 200 400 700 1000 1300"
#   VOICE_DENSITY_MAX    [media] max_channels of the density lab (1400)
#   VOICE_HEAP_KIB       [rt] heap_kib of the density lab (131072: the
#                        default 8192 runs out at ~300 receiving RTP legs)
#   VOICE_LOAD_STREAMS   default "120 30 480"
#   VOICE_LOAD_DUMP      a directory: probe_rx writes every packet of each
#                        load phase there (-D, load<N>.<setup>.txt)
# Default run: about 9 minutes. Figures go to stdout as
# "bench.media.<name>: <value> <unit>"; notes start with "#". A part that
# fails says so and the next runs; the exit status is 1 when one failed.
# Labs, namespaces and processes started here are removed at exit.
set -u
cd "$(dirname "$0")/../.." || exit 1
root=$PWD
bin=$root/build/bin
BENCH_NAME=voice BENCH_AREA=media
. "$root/tests/bench/lib.sh"
lab=$root/board/sim/lab
P="bvo$$-"			# lab prefix; the veth pair is ${P}ka / ${P}kb
KA=${P}ka KB=${P}kb
GW=198.18.0.10 LAN=198.18.0.20 KA_IP=198.18.1.10 KB_IP=198.18.1.20
VOICE_PORT=40000
LAN_RTP=39000		# rtpload's port in lan for leg a (leg b: +10)
RTP_BASE=16384		# first RT port of the density channels

S=$(secs "${BENCH_SECONDS:-}" 10)
PARTS=${BENCH_VOICE:-density load}
KINDS=${VOICE_DENSITY_KINDS:-g711 g711_ec g711_ec_talk g722 g726 g729 rtp_g711 rtp_g722}
STEPS=${VOICE_DENSITY_STEPS:-100 200 400 700 1000 1300}
DMAX=${VOICE_DENSITY_MAX:-1400}
HEAP=${VOICE_HEAP_KIB:-131072}
LOAD_STREAMS=${VOICE_LOAD_STREAMS:-120 30 480}
SETTLE=2
LINUX_CPUS=0 RT_CPU=1 RT_POLL=false

tmp=$(mktemp -d /tmp/bench-voice.XXXXXX)
pids=()
lab_is_up=0
failed=()
own_ns=("$KA" "$KB")

# --- clean-up (cleanup(): tests/bench/lib.sh): only what this script started
veth_down() { ns_del "$KA" "$KB"; }
trap 'cleanup; idle_poll off' EXIT
trap 'exit 130' INT TERM

# --- helpers -------------------------------------------------------------------
# lab_up MBPS CONFIG: a fresh lab; a second try when the first fails
lab_up() {
	local try show
	lab_down
	for try in 1 2; do
		LAB_PREFIX=$P LAB_LINK_MBPS=$1 LAB_CONFIG=$2 "$lab" up \
			>"$tmp/lab.log" 2>&1 && break
		sed 's/^/# lab: /' "$tmp/lab.log"
		# a lab that failed half-way may leave namespaces behind
		LAB_PREFIX=$P "$lab" down >/dev/null 2>&1
		[ $try = 2 ] && return 1
		note "lab up failed, trying again"
	done
	lab_is_up=1
	# the wire carries no frame longer than the MTU
	in_ns "${P}lan" ethtool -K eth0 tso off gso off >/dev/null 2>&1
	show=$(GW_CONFIG=rootfs/etc/gateway/gateway.ini:board/sim/board.ini:build/lab/$P/lab.ini \
		"$bin/gwconfig" show 2>/dev/null)
	LINUX_CPUS=$(awk '$1 == "linux_cpus" { print $3 }' <<<"$show")
	RT_CPU=$(awk '$1 == "rt_cpus" { split($3, a, /[-,]/); print a[1] }' <<<"$show")
	RT_POLL=$(awk '$1 == "poll_idle" { print $3 }' <<<"$show")
	LINUX_CPUS=${LINUX_CPUS:-0} RT_CPU=${RT_CPU:-1}
}
# others: what else runs on this shared machine that the figures feel:
# other labs' RT partitions (pinned to the same RT CPU, SCHED_FIFO)
others() {
	local n=0 p
	for p in $(pgrep -x rtpart); do
		grep -q "build/lab/$P/" "/proc/$p/cmdline" 2>/dev/null || n=$((n + 1))
	done
	echo "machine busy $(busy_pct) % of one CPU, load average $(cut -d' ' -f1 /proc/loadavg), other labs' RT partitions running: $n"
}
stats() { "$bin/chanbulk" --run-dir "build/lab/$P/run" stats 2>/dev/null; }
chanbulk() { "$bin/chanbulk" --run-dir "build/lab/$P/run" "$@"; }
# kv TEXT LINE_PREFIX KEY: the value of KEY=... on the first line of TEXT
# starting with LINE_PREFIX
kv() {
	awk -v p="$2" -v k="$3" 'index($0, p) == 1 {
		for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) {
			print substr($i, length(k) + 2); exit } }' <<<"$1"
}
counter() { awk -v n="$2" '$1 == "counter" && $2 == n { print $3; exit }' <<<"$1"; }
rt_pid() { kv "$(stats)" "rt " pid; }
# thread_ns PID: "total media net" CPU ns of the process's threads
thread_ns() {
	local t tot=0 med=0 net=0 ns c
	for t in /proc/"$1"/task/*; do
		ns=$(cut -d' ' -f1 "$t/schedstat" 2>/dev/null) || continue
		c=$(cat "$t/comm" 2>/dev/null)
		tot=$((tot + ns))
		[ "$c" = media ] && med=$ns
		[ "$c" = net ] && net=$ns
	done
	echo "$tot $med $net"
}

# --- density -------------------------------------------------------------------
# tdm_layout LINES: the board's own spans followed by as many E1 spans,
# in [tdm] spans' repeat form (",e1:30*K"), as give up to LINES E1 lines
# and the configuration accepts (hal/tdm.h TDM_MAX_SPANS); sets LAYOUT,
# TDM_LINES and the file $tmp/lines of the E1 lines ("SPAN/LINE", one a
# line)
tdm_layout() {
	local base k l
	base=$(GW_CONFIG=rootfs/etc/gateway/gateway.ini:board/sim/board.ini \
		"$bin/gwconfig" show 2>/dev/null | awk '$1 == "spans" { print $3 }')
	base=${base:-fxs:2,fxo:2,e1:30}
	for ((k = ($1 + 29) / 30; k >= 0; k--)); do
		l=$base
		[ "$k" -gt 0 ] && l="$base,e1:30*$k"
		printf '[tdm]\ncard = vtdm\nspans = %s\n' "$l" >"$tmp/layout.ini"
		if "$bin/gwconfig" check "$tmp/layout.ini" >/dev/null 2>"$tmp/layout.err"; then
			LAYOUT=$l
			awk -v l="$l" 'BEGIN { n = split(l, it, ","); s = 0
				for (i = 1; i <= n; i++) {
					split(it[i], t, "[:*]")
					r = (t[3] == "" ? 1 : t[3])
					for (j = 0; j < r; j++) {
						if (t[1] == "e1")
							for (c = 0; c < t[2]; c++)
								print s "/" c
						s++
					} } }' >"$tmp/lines"
			TDM_LINES=$(wc -l <"$tmp/lines")
			return 0
		fi
		[ "$k" = $((($1 + 29) / 30)) ] &&
			note "density: $((30 * k)) more E1 lines refused: $(tr -d '\n' <"$tmp/layout.err")"
	done
	return 1
}

# kind_legs KIND: sets LEG_KIND (tdm|rtp), CODEC_A, CODEC_B, EC, TALK
# (rtpload's options for the far ends' talking)
kind_legs() {
	EC=0 TALK=()
	case $1 in
	g711) LEG_KIND=tdm CODEC_A=pcmu ;;
	g711_ec) LEG_KIND=tdm CODEC_A=pcmu EC=64 ;;
	g711_ec_talk) LEG_KIND=tdm CODEC_A=pcmu EC=64 TALK=(--talk 1000:1500) ;;
	g722) LEG_KIND=tdm CODEC_A=g722 ;;
	g726) LEG_KIND=tdm CODEC_A=g726-32 ;;
	g729) LEG_KIND=tdm CODEC_A=g729 ;;
	rtp_g711) LEG_KIND=rtp CODEC_A=pcmu CODEC_B=pcmu ;;
	rtp_g722) LEG_KIND=rtp CODEC_A=g722 CODEC_B=pcmu ;;
	*) return 1 ;;
	esac
	CODEC_B=${CODEC_B:-pcmu}
}

# specs KIND N: the channels' "ID LEG_A LEG_B" lines. TDM: E1 line k
# ($tmp/lines) <-> RT port RTP_BASE + 2k (remote lan:LAN_RTP). RTP: leg a on
# RTP_BASE + 2k (remote lan:LAN_RTP), leg b on RTP_BASE + 2N + 2k (remote
# lan:LAN_RTP + 10).
specs() {
	kind_legs "$1" || return 1
	awk -v n="$2" -v kind="$LEG_KIND" -v ca="$CODEC_A" -v cb="$CODEC_B" \
	    -v ec="$EC" -v base=$RTP_BASE -v lan=$LAN -v lp=$LAN_RTP \
	    -v lines="$tmp/lines" 'BEGIN {
		while ((getline l < lines) > 0)
			line[nl++] = l
		for (k = 0; k < n; k++) {
			a = sprintf("rtp:%d:%s:%d,codec=%s", base + 2 * k, lan, lp, ca)
			if (kind == "tdm") {
				t = "tdm:" line[k]
				if (ec > 0) t = t ",ec=" ec
				print 1000 + k, t, a
			} else {
				b = sprintf("rtp:%d:%s:%d,codec=%s",
					    base + 2 * n + 2 * k, lan, lp + 10, cb)
				print 1000 + k, a, b
			}
		} }'
}

# rt_restart: a fresh RT partition (statistics from zero); waits until it
# runs. Returns 1 when it does not come back.
rt_restart() {
	local old new s
	old=$(rt_pid)
	gwctl restart rtpart >/dev/null 2>&1 || return 1
	for _ in $(seq 300); do
		sleep 0.1
		s=$(stats) || continue
		new=$(kv "$s" "rt " pid)
		[ -n "$new" ] && [ "$new" != "$old" ] || continue
		[ "$(kv "$s" "task media" runs)" -gt 200 ] 2>/dev/null && return 0
	done
	return 1
}

# step KIND N: one density step; sets MISSES (late ticks), FMISSES (missed
# frame deadlines), a note with the details, and RES[...] for the figures
step() {
	local kind=$1 n=$2 s0 s1 t0 t1 pid open lp=() out frames late_d miss_d ovr_d
	local tot med net cpu_ns med_ns k
	kind_legs "$kind"
	MISSES=-1 FMISSES=-1
	if ! rt_restart; then
		# a new lab, once: a saturated RT CPU can keep the old partition
		# from ever stopping
		note "density $kind N=$n: the RT partition did not restart in 30 s: a new lab"
		lab_up 0 "$DCFG" && sleep 1 && rt_restart ||
			{ note "density $kind N=$n: no RT partition"; return 1; }
	fi
	# channels of the step before, if they outlived it (an RT partition
	# that restarts keeps its channels)
	[ -s "$tmp/step.specs" ] &&
		chanbulk --timeout-ms 500 close <"$tmp/step.specs" >/dev/null 2>&1
	# every leg of the pool used once (see the top), 100 channels at a time
	specs rtp_g711 "$DMAX" >"$tmp/warm.specs"
	for ((k = 1; k <= DMAX; k += 100)); do
		sed -n "${k},$((k + 99))p" "$tmp/warm.specs" >"$tmp/warm.part"
		chanbulk open <"$tmp/warm.part" >/dev/null 2>&1
		chanbulk close <"$tmp/warm.part" >/dev/null 2>&1
	done
	specs "$kind" "$n" >"$tmp/step.specs"
	open=$(chanbulk open <"$tmp/step.specs" 2>"$tmp/open.err")
	if [ "$(kv "$open" requests ok)" != "$n" ]; then
		note "density $kind N=$n: channels not opened: $open $(head -3 "$tmp/open.err" | tr '\n' ' ')"
		chanbulk --timeout-ms 500 close <"$tmp/step.specs" >/dev/null 2>&1
		return 1
	fi
	# the far ends of the RTP legs, on the Linux CPUs
	if [ "$n" -gt 0 ]; then
		in_ns "${P}lan" taskset -c "$LINUX_CPUS" "$bin/rtpload" --gw $GW \
			--gw-port $RTP_BASE --streams "$n" --lan $LAN \
			--lan-port $LAN_RTP --codec "$CODEC_A" "${TALK[@]}" \
			--seconds $((SETTLE + S + 1)) >"$tmp/load-a.out" 2>&1 &
		lp+=($!)
	fi
	if [ "$LEG_KIND" = rtp ] && [ "$n" -gt 0 ]; then
		in_ns "${P}lan" taskset -c "$LINUX_CPUS" "$bin/rtpload" --gw $GW \
			--gw-port $((RTP_BASE + 2 * n)) --streams "$n" --lan $LAN \
			--lan-port $((LAN_RTP + 10)) --codec "$CODEC_B" \
			--seconds $((SETTLE + S + 1)) >"$tmp/load-b.out" 2>&1 &
		lp+=($!)
	fi
	[ ${#lp[@]} -gt 0 ] && pids+=("${lp[@]}")
	sleep $SETTLE
	pid=$(rt_pid)
	s0=$(stats); t0=$(thread_ns "$pid")
	sleep "$S"
	s1=$(stats); t1=$(thread_ns "$pid")
	for p in "${lp[@]}"; do wait "$p" 2>/dev/null; done
	pids=()
	[ "$n" -gt 0 ] || rm -f "$tmp/load-a.out"
	chanbulk --timeout-ms 1000 close <"$tmp/step.specs" >/dev/null 2>&1
	# an RT CPU too busy to write its status page leaves it unreadable
	if [ -z "$(kv "$s0" "rt " pid)" ] || [ -z "$(kv "$s1" "rt " pid)" ]; then
		note "density $kind N=$n: RT CPU saturated (no status page to read)"
		MISSES=999999 FMISSES=999999
		return 0
	fi
	if [ "$(kv "$s1" "rt " pid)" != "$pid" ] || [ "$(kv "$s0" "rt " pid)" != "$pid" ]; then
		note "density $kind N=$n: the RT partition restarted during the step (crashed?)"
		note "$(grep -E 'signal|overrun' "build/lab/$P/dispatcher.log" | tail -3 | tr '\n' ' ')"
		MISSES=999999 FMISSES=999999
		return 0
	fi
	# the status page is written by the RT partition's lowest-priority
	# task: old, it says the RT CPU had no time left for it
	if [ "$(kv "$s0" "rt " age_ms)" -gt 500 ] || [ "$(kv "$s1" "rt " age_ms)" -gt 500 ]; then
		note "density $kind N=$n: RT CPU saturated (status page $(kv "$s1" "rt " age_ms) ms old; media task overruns: $(grep -c 'media: overrun' "build/lab/$P/dispatcher.log") so far)"
		MISSES=999999 FMISSES=999999
		return 0
	fi
	late_d=$(( $(counter "$s1" tdm.card.late_ticks) - $(counter "$s0" tdm.card.late_ticks) ))
	miss_d=$(( $(kv "$s1" "task media" missed) - $(kv "$s0" "task media" missed) ))
	ovr_d=$(( $(kv "$s1" "task media" overruns) - $(kv "$s0" "task media" overruns) ))
	MISSES=$((late_d + miss_d))
	FMISSES=$(( $(counter "$s1" tdm.card.frame_late_ticks) - $(counter "$s0" tdm.card.frame_late_ticks) ))
	read -r tot med net <<<"$(awk -v a="$t0" -v b="$t1" 'BEGIN {
		split(a, x, " "); split(b, y, " ")
		printf "%.0f %.0f %.0f\n", y[1] - x[1], y[2] - x[2], y[3] - x[3] }')"
	# per channel and frame: what N channels add to the idle partition
	# (its 1 ms ticks, the card's idle lines: IDLE_TOT, IDLE_MED)
	frames=$((n * S * 50))
	[ "$n" = 0 ] && { IDLE_TOT=$tot IDLE_MED=$med; frames=1; }
	cpu_ns=$(( (tot - IDLE_TOT) / frames )) med_ns=$(( (med - IDLE_MED) / frames ))
	out=$(cat "$tmp/load-a.out" "$tmp/load-b.out" 2>/dev/null | awk '
		{ for (i = 1; i <= NF; i++) { split($i, kv, "="); s[kv[1]] += kv[2] } }
		END { printf "sent %d received %d from %d streams, lost %d, sender late slots %d",
			s["sent"], s["received"], s["rx_streams"], s["rx_lost"], s["late_slots"] }')
	rm -f "$tmp/load-b.out"
	note "density $kind N=$n: missed frame deadlines $FMISSES; late $MISSES (late ticks $late_d, missed periods $miss_d; overruns $ovr_d)" \
	     "| media run p50/p99/max $(kv "$s1" "task media" run_p50 | awk '{ printf "%.0f", $1 / 1e3 }')/$(kv "$s1" "task media" run_p99 | awk '{ printf "%.0f", $1 / 1e3 }')/$(kv "$s1" "task media" run_max | awk '{ printf "%.0f", $1 / 1e3 }') us" \
	     "| RT CPU $(awk -v t="$tot" -v s="$S" 'BEGIN { printf "%.0f", t / s / 1e7 }') % (media $(awk -v t="$med" -v s="$S" 'BEGIN { printf "%.0f", t / s / 1e7 }') %, net $(awk -v t="$net" -v s="$S" 'BEGIN { printf "%.0f", t / s / 1e7 }') %)," \
	     "$cpu_ns ns per channel-frame (media $med_ns) | lan: $out" \
	     "| legs $(awk '/^legs/ { print $4, $6, $7 }' <<<"$s1")"
	RES_CPU[$n]=$cpu_ns RES_MED[$n]=$med_ns
	RES_P50[$n]=$(kv "$s1" "task media" run_p50) RES_P99[$n]=$(kv "$s1" "task media" run_p99)
	[ "$n" = 0 ] && IDLE_P50=${RES_P50[0]}
	return 0
}

# try KIND N: a step; it passes with no more missed frame deadlines than
# FALLOW and no more late ticks than ALLOW (what the idle partition had:
# this VM's stalls), and runs again once when it missed either (each
# criterion passes when one of the two runs passes it): one stall
# of the VM makes tens of late ticks at once, at any load (52 at N=100,
# 14 % RT CPU, in one run here), while a step beyond what the core carries
# misses again (for late ticks only while no smaller N had them); sets
# GOOD (frame deadlines: 1 passed, 0 missed) and LATE_OK[N] (late ticks)
try() {
	GOOD=
	step "$1" "$2" || return 1
	GOOD=$([ "$FMISSES" -le "$FALLOW" ] && echo 1 || echo 0)
	LATE_OK[$2]=$([ "$MISSES" -le "$ALLOW" ] && echo 1 || echo 0)
	if [ "$GOOD" = 0 ] || { [ "${LATE_OK[$2]}" = 0 ] && ! late_below "$2"; }; then
		note "density $1 N=$2: $FMISSES missed frame deadlines (allowed $FALLOW), $MISSES late (allowed $ALLOW): once more (VM stalls)"
		step "$1" "$2" || return 1
		[ "$FMISSES" -le "$FALLOW" ] && GOOD=1
		[ "$MISSES" -le "$ALLOW" ] && LATE_OK[$2]=1
	fi
	return 0
}

# late_below N: a smaller N already had late ticks (twice)
late_below() {
	local k
	for k in "${!LATE_OK[@]}"; do
		[ "${LATE_OK[$k]}" = 0 ] && [ "$k" -lt "$1" ] && return 0
	done
	return 1
}

# bisect KIND GOOD BAD OKVAR: up to two steps between the last good and
# the first bad N (none when BAD is 0) by the criterion try() leaves in
# OKVAR (GOOD or LATE_OK); the largest good N in B_GOOD
bisect() {
	local kind=$1 good=$2 bad=$3 var=$4 mid ok
	for _ in 1 2; do
		[ "$bad" -gt 0 ] || break
		mid=$(( (good + bad) / 2 ))
		[ $((bad - mid)) -ge $(( (bad / 10) > 5 ? bad / 10 : 5 )) ] || break
		try "$kind" "$mid" || break
		[ "$var" = GOOD ] && ok=$GOOD || ok=${LATE_OK[$mid]}
		if [ "$ok" = 1 ]; then good=$mid; else bad=$mid; fi
		last_n=$mid
	done
	B_GOOD=$good
}

density_kind() {
	local kind=$1 cap steps=() n good=0 bad=0 last_n="" lgood=0 lbad=0
	RES_CPU=() RES_MED=() RES_P50=() RES_P99=() LATE_OK=()
	kind_legs "$kind" || { fail density "unknown kind $kind"; return; }
	cap=$DMAX
	[ "$LEG_KIND" = tdm ] && [ "$TDM_LINES" -lt "$cap" ] && cap=$TDM_LINES
	for n in $STEPS; do
		[ "$n" -lt "$cap" ] && steps+=("$n")
	done
	steps+=("$cap")
	for n in "${steps[@]}"; do
		try "$kind" "$n" || { fail density "$kind N=$n"; return; }
		last_n=$n
		if [ "$GOOD" = 1 ]; then good=$n; else bad=$n; break; fi
	done
	bisect "$kind" "$good" "$bad" GOOD
	good=$B_GOOD
	# late ticks: the first N with some, the largest below it without
	for n in $(printf '%s\n' "${!LATE_OK[@]}" | sort -n); do
		[ "${LATE_OK[$n]}" = 1 ] && lgood=$n || { lbad=$n; break; }
	done
	bisect "$kind" "$lgood" "$lbad" LATE_OK
	lgood=$B_GOOD
	fig "density.$kind" "$good" channels
	fig "density.${kind}_capped" "$([ "$good" = "$cap" ] && echo 1 || echo 0)" flag
	fig "density.${kind}_1ms" "$lgood" channels
	n=$good
	[ "$n" -gt 0 ] || n=${steps[0]}
	[ -n "${RES_CPU[$n]:-}" ] || n=$last_n
	fig "density.${kind}_ns_per_frame" "${RES_CPU[$n]:-0}" ns
	fig "density.${kind}_media_ns_per_frame" "${RES_MED[$n]:-0}" ns
	# the media task's run time (wall clock: preemption included) per
	# channel and frame, from its median run per 1 ms tick
	fig "density.${kind}_run_ns_per_frame" "$(awk -v p="${RES_P50[$n]:-0}" -v i="${IDLE_P50:-0}" -v n="$n" \
		'BEGIN { printf "%d", (n > 0 ? (p - i) * 20 / n : 0) }')" ns
	fig "density.${kind}_run_p99_us" "$(awk -v p="${RES_P99[$n]:-0}" 'BEGIN { printf "%.0f", p / 1e3 }')" us
	# where the RT core would be busy all the time at that cost
	fig "density.${kind}_cpu_bound" "$(awk -v c="${RES_CPU[$n]:-0}" -v i="$IDLE_TOT" -v s="$S" \
		'BEGIN { f = 1 - i / s / 1e9; printf "%d", (c > 0 ? 20e6 * f / c : 0) }')" channels
	note "density $kind: $(others)"
	note "density $kind: largest N with no missed frame deadline $good (cap $cap$([ "$bad" -gt 0 ] && echo ", first N with misses $bad")), with no late tick $lgood; ns per channel-frame at N=$n"
}

density_part() {
	local cfg=$tmp/density.ini kind
	DCFG=$cfg
	local -A RES_CPU=() RES_MED=() RES_P50=() RES_P99=() LATE_OK=()
	if ! tdm_layout "$DMAX"; then fail density "no TDM layout accepted"; return; fi
	{
		printf '[media]\nmax_channels = %s\nmax_g729 = %s\nec_max_tail_ms = 64\n' \
			"$DMAX" "$DMAX"
		printf '[tdm]\ncard = vtdm\nspans = %s\n' "$LAYOUT"
		printf '[rt]\nheap_kib = %s\n' "$HEAP"
	} >"$cfg"
	fig density.tdm_lines "$TDM_LINES" lines
	fig density.max_channels "$DMAX" channels
	if ! lab_up 0 "$cfg"; then fail density "lab up"; return; fi
	note "density: ${TDM_LINES} E1 lines, max_channels $DMAX, heap $HEAP KiB, window $S s, RT CPU $RT_CPU"
	# the idle partition: the base the figures per channel leave out
	IDLE_TOT=0 IDLE_MED=0 IDLE_P50=0
	ALLOW=0 FALLOW=0
	step g711 0 || { fail density "idle step"; lab_down; return; }
	fig density.idle_rt_cpu_pct "$(awk -v t="$IDLE_TOT" -v s="$S" 'BEGIN { printf "%.1f", t / s / 1e7 }')" %
	fig density.idle_misses "$MISSES" count
	fig density.idle_frame_misses "$FMISSES" count
	ALLOW=$((MISSES < 1 ? 1 : 2 * MISSES)) FALLOW=$((2 * FMISSES))
	[ "$MISSES" -gt 100 ] && note "density: the idle partition misses $MISSES deadlines in $S s: this machine is too busy for these figures"
	for kind in $KINDS; do
		density_kind "$kind"
	done
	lab_down
}

# --- voice under load ------------------------------------------------------------
# veth_up: the kernel's own path, ${KA} (the appliance) -- ${KB} (the LAN)
veth_up() {
	local ns
	veth_down
	veth_pair "$KA" "$KA_IP" "$KB" "$KB_IP" || return 1
	for ns in $KA $KB; do
		# a wire carries frames, not 64 KB super-frames
		in_ns "$ns" ethtool -K eth0 tso off gso off gro off >/dev/null || return 1
	done
	# the ACKs of the bulk TCP: the LAN's side of the 100 Mbit/s link
	in_ns "$KB" tc qdisc add dev eth0 root tbf rate 100mbit burst 16k \
		limit 1514000 overhead 24 || return 1
	# the appliance's receive processing on the Linux CPUs, as in the lab
	in_ns "$KA" sh -c "echo $(cpumask "$LINUX_CPUS") > /sys/class/net/eth0/queues/rx-0/rps_cpus" ||
		note "rps_cpus not set: the appliance end receives on any CPU"
	in_ns "$KB" ping -c 1 -W 2 -q $KA_IP >/dev/null
}
# idle_poll on|off: the RT CPU polls when idle (on) when the RT partition
# keeps it so ([rt] poll_idle), for the tuned baseline's sender; off: the
# kernel's default. Only once this script set it.
idle_polling=0
idle_poll() {
	local f=/sys/devices/system/cpu/cpu$RT_CPU/power/pm_qos_resume_latency_us
	if [ "$1" = on ]; then
		[ "$RT_POLL" = true ] || return 0
		echo n/a 2>/dev/null >"$f" && idle_polling=1 ||
			note "tuned: CPU $RT_CPU halts when idle ($f not writable)"
	elif [ $idle_polling = 1 ]; then
		echo 0 >"$f" && idle_polling=0
	fi
}
# shape MODE: the appliance's egress at 100 Mbit/s: tbf (kernel: one FIFO
# of 1000 full frames, like pfifo_fast) or htb with a priority class for
# DSCP EF (tuned)
shape() {
	in_ns "$KA" tc qdisc del dev eth0 root 2>/dev/null
	if [ "$1" = kernel ]; then
		in_ns "$KA" tc qdisc add dev eth0 root tbf rate 100mbit burst 16k \
			limit 1514000 overhead 24
		return
	fi
	in_ns "$KA" tc qdisc add dev eth0 root handle 1: stab overhead 24 \
		linklayer ethernet htb default 20 &&
	in_ns "$KA" tc class add dev eth0 parent 1: classid 1:1 htb \
		rate 100mbit ceil 100mbit quantum 1514 &&
	in_ns "$KA" tc class add dev eth0 parent 1:1 classid 1:10 htb \
		rate 50mbit ceil 100mbit prio 0 quantum 1514 &&
	in_ns "$KA" tc class add dev eth0 parent 1:1 classid 1:20 htb \
		rate 50mbit ceil 100mbit prio 1 quantum 1514 &&
	in_ns "$KA" tc qdisc add dev eth0 parent 1:10 pfifo limit 1000 &&
	in_ns "$KA" tc qdisc add dev eth0 parent 1:20 pfifo limit 1000 &&
	in_ns "$KA" tc filter add dev eth0 parent 1: protocol ip prio 1 u32 \
		match ip tos 0xb8 0xfc flowid 1:10
}

iperf_server() {	# iperf_server NS ADDR
	in_ns "$1" iperf3 -s -1 -B "$2" -p 5201 >"$tmp/iperf-s.log" 2>&1 &
	pids+=($!)
	for _ in $(seq 50); do
		in_ns "$1" ss -Hltn "sport = :5201" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	note "iperf3 server in $1 does not listen: $(cat "$tmp/iperf-s.log")"
	return 1
}
bulk_mbps() {	# bulk_mbps JSON: the receiver's rate, Mbit/s
	python3 - "$1" <<'EOF' 2>/dev/null
import json, sys
e = json.load(open(sys.argv[1]))['end']
s = e.get('sum_received') or e['sum']
print('%.1f' % (s['bits_per_second'] / 1e6))
EOF
}

# load_phase NAME SRC_NS DST_NS DST_IP N T SENDER...: bulk TCP SRC_NS ->
# DST_IP and stress-ng in SRC_NS on the Linux CPUs; after 2 s, probe_rx in
# DST_NS for T s while SENDER (a command, or "" for the RT probe) sends
load_phase() {
	local name=$1 src=$2 dst=$3 dip=$4 n=$5 t=$6 cli sp="" out mb
	shift 6
	iperf_server "$dst" "$dip" || { fail load "$name: iperf3 server"; return 1; }
	timeout --kill-after=5 $((t + 40)) ip netns exec "$src" taskset -c "$LINUX_CPUS" \
		iperf3 -c "$dip" -p 5201 -t $((t + 4)) -J >"$tmp/bulk.json" 2>&1 &
	cli=$!
	pids+=("$cli")
	in_ns "$src" stress-ng --cpu 1 --taskset "$LINUX_CPUS" \
		--timeout $((t + 4))s --quiet &
	pids+=($!)
	if [ $# -gt 0 ]; then
		in_ns "$src" "$@" --seconds $((t + 3)) >"$tmp/sender.out" 2>&1 &
		sp=$!
		pids+=("$sp")
	fi
	sleep 2		# past TCP's slow start
	out=$(in_ns "$dst" "$bin/probe_rx" -a "$dip" -p $VOICE_PORT -n "$n" \
		-i 20000 -t "$t" -N "media.$name" \
		${VOICE_LOAD_DUMP:+-D "$VOICE_LOAD_DUMP/$name.txt"})
	echo "$out"
	grep '^bench' <<<"$out" >>"$tmp/figs.$n"
	[ -n "$sp" ] && wait "$sp" 2>/dev/null && note "$name sender: $(cat "$tmp/sender.out")"
	wait "$cli" 2>/dev/null
	mb=$(bulk_mbps "$tmp/bulk.json")
	if [ -n "$mb" ]; then fig "$name.bulk_mbps" "$mb" Mbit/s
	else note "$name: no bulk TCP result: $(head -c 200 "$tmp/bulk.json" | tr '\n' ' ')"; fi
	stop_pids
	grep -q "^bench.media.$name.p9999_us" <<<"$out" || { fail load "$name: no voice figures"; return 1; }
}

load_n() {
	local n=$1 t=$S cfg=$tmp/probe.ini
	[ "$n" = 120 ] && t=$((3 * S))
	note "load: $n streams, $t s per setup; before: $(others)"
	printf '[probe]\ndest = %s\nport = %s\nstreams = %s\ninterval_us = 20000\nbytes = 172\n' \
		$LAN $VOICE_PORT "$n" >"$cfg"
	if lab_up 100 "$cfg"; then
		sleep 1		# streams running, ARP settled
		load_phase "load$n.rt" "${P}gw" "${P}lan" $LAN "$n" "$t"
		note "load$n.rt: $(gwctl counters 2>/dev/null | grep -E '^(rt\.probe\.|txs\.(rt|linux)\.(dropped|high_water)|nic\.tx_dropped)' | tr '\n' ' ')"
		note "load$n.rt: $(gwctl status 2>/dev/null | awk '$1 == "probe" || $1 == "net" { printf "%s late p99/p999/max %s/%s/%s us; ", $1, $10, $11, $12 }')"
		lab_down
	else
		fail load "lab up ($n streams)"
	fi
	if ! veth_up; then fail load "veth pair"; return; fi
	shape kernel || { fail load "tbf"; return; }
	load_phase "load$n.kernel" "$KA" "$KB" $KB_IP "$n" "$t" \
		"$bin/udpstreams" --dest $KB_IP --port $VOICE_PORT --streams "$n" \
		--interval-us 20000 --bytes 172
	note "load$n.kernel qdisc: $(in_ns "$KA" tc -s qdisc show dev eth0 | grep -m1 -o 'dropped [0-9]*, overlimits [0-9]*')"
	shape tuned || { fail load "htb"; return; }
	idle_poll on
	load_phase "load$n.tuned" "$KA" "$KB" $KB_IP "$n" "$t" \
		"$bin/udpstreams" --dest $KB_IP --port $VOICE_PORT --streams "$n" \
		--interval-us 20000 --bytes 172 --fifo 80 --dscp 46 --cpu "$RT_CPU"
	idle_poll off
	note "load$n.tuned classes: $(in_ns "$KA" tc -s class show dev eth0 | awk '/^class/ { c = $3 } /Sent/ { printf "%s sent %s pkts, dropped %s; ", c, $4, $7 }')"
	veth_down
	summary "$n"
}

# summary N: the three setups side by side (figures of this run)
summary() {
	local f=$tmp/figs.$1 w
	for w in p999 p9999 max; do
		note "load$1 $w: $(for s in rt kernel tuned; do
			awk -v k="bench.media.load$1.$s.${w}_us:" '$1 == k { printf "%s %s us  ", s, $2 }' s=$s "$f"
		done)"
	done
	note "load$1 loss: $(for s in rt kernel tuned; do
		awk -v k="bench.media.load$1.$s.loss_pct:" '$1 == k { printf "%s %s %%  ", s, $2 }' s=$s "$f"
	done)"
}

load_part() {
	local n
	for n in $LOAD_STREAMS; do
		load_n "$n"
	done
}

# --- main ----------------------------------------------------------------------------
for b in dispatcher rtpart netproxy gwctl gwconfig chanbulk rtpload probe_rx udpstreams; do
	[ -x "$bin/$b" ] || { note "voice: $bin/$b missing: run make first"; exit 1; }
done
for c in iperf3 tc ethtool python3 stress-ng taskset; do
	command -v $c >/dev/null || { note "voice: $c not installed (make deps)"; exit 1; }
done
note "voice: window $S s, parts: $PARTS"
for part in $PARTS; do
	t0=$SECONDS
	note "voice: $part: before: $(others) (should be about 0 and 0)"
	case $part in
	density) density_part ;;
	load) load_part ;;
	*) fail "$part" "no such part" ;;
	esac
	note "voice: $part took $((SECONDS - t0)) s"
done
[ ${#failed[@]} -eq 0 ] || { note "voice: failed: ${failed[*]}"; exit 1; }
exit 0
