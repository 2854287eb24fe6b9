#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SIP call rate of the gateway (issue 5, "Benchmarks"; DESIGN.md section 8:
# ">= 500 calls per second with media anchored, < 0.1 % failed"), beside
# Kamailio as a stateful proxy running the same SIPp scenario in the same
# run, as the anchor for the cost of signalling.
#
# The gateway: the simulated board's lab (board/sim/lab). In lan, a SIPp UAS
# registers as 1002 and answers every call (RTP echoed back to where it came
# from, -rtp_echo); a SIPp UAC calls 1002 as 1001 (INVITE, 407, INVITE with
# digest credentials, 180, 200, ACK, BYE after BENCH_SIP_HOLD_MS), sending
# G.711 RTP for the whole call (SIPp's RTP stream), so that each call's RT
# channel carries packets both ways: UAC -> leg a -> leg b -> UAS -> echo ->
# leg b -> leg a -> UAC. Every call goes through sipd (B2BUA: two dialogs),
# a channel of the RT partition and a call record (billing).
#
# The anchor: Kamailio (Debian package) in two network namespaces of its own
# (${P}kp with the proxy at 198.19.1.10, ${P}kc with the phones at
# 198.19.1.20, a veth pair), with tests/bench/sip/kamailio.cfg: tm
# (stateful), rr (record-route: ACK and BYE go through it), usrloc +
# registrar in memory, digest authentication of REGISTER and INVITE (auth's
# pv_www/pv_proxy_authenticate against the password "pw<user>" computed in
# the script: accounts held in memory like the gateway's, no database on
# either side). The same UAC and UAS scenarios (tests/bench/sip/*.xml), the
# same rate steps; RTP goes from phone to phone (a proxy carries no media).
# Kamailio runs pinned to the gateway's Linux CPUs ([board] linux_cpus),
# where sipd runs, with 2 UDP workers and 1 GiB of shared memory (at
# 1000 calls/s 128 MiB ran out: transactions live some seconds).
#
# Each side goes up the rate steps (BENCH_SIP_RATES, calls per second, each
# for BENCH_SECONDS), the two sides alternating at each rate, and stops at
# its first step with 0.1 % or more failed calls (or where SIPp could not
# keep the rate). Figures (bench.sip.*):
#   {gw,kamailio}.cps             highest rate with < 0.1 % failed calls
#   cps_ratio_pct                 gw.cps / kamailio.cps
#   {gw,kamailio}.peak_calls      most calls up at once (SIPp's count) in
#                                 the steps passed
#   gw.peak_calls_up              most calls sipd held at once (gwctl sip,
#                                 sampled every 0.5 s), steps passed
#   gw.peak_chans                 most RT channels open at once (gwctl
#                                 chans), steps passed
#   gw.max_channels               the RT channel pool ([media]
#                                 max_channels), also the size of sipd's
#                                 call table
#   gw.rt_heap_kib                the RT heap ([rt] heap_kib)
#   gw.rtpart_crashes             times the RT partition ended in the run
#                                 (the dispatcher restarts it)
#   {gw,kamailio}.cpu_us_per_call CPU time of sipd / of Kamailio per call at
#                                 the highest rate both passed, and
#                                 cpu_per_call_ratio (gw / kamailio)
#   gw.linux_cpu_us_per_call      the same for the gateway's whole Linux
#                                 side: sipd, netproxy, billingd, dispatcher
#   {gw,kamailio}.r<R>.{failed_pct,peak_calls,cpu_pct,cpu_us_per_call}
#                                 each step, the failing one too (cpu:
#                                 sipd's, all of Kamailio's processes')
#   gw.r<R>.rtp_pps_per_call      RTP packets a second per call received in
#                                 lan (about 100 when both legs carry RTP)
#   gw.hold.*                     simultaneous calls: after the steps,
#                                 BENCH_SIP_HOLD_CALLS calls (default
#                                 half of max_channels: 1024 calls with
#                                 RTP both ways saturate the RT CPU here,
#                                 and calls of a failed step may still
#                                 hold slots) set up
#                                 at 100/s and all held together for 8 s
#                                 with RTP: calls (asked), failed_pct,
#                                 peak_calls (SIPp), calls_up (sipd), chans
#                                 (RT), rtp_pps_per_call (lan, over the
#                                 plateau), rtpart_cpu_pct
# Notes (# lines) give each step's table row, the reasons of failed calls
# (SIPp's error log) and of sipd's and rtpart's warnings (dispatcher.log),
# and what stopped each side.
#
# Environment:
#   BENCH_SECONDS          length of one rate step (default 12)
#   BENCH_SIP_RATES        the rate steps (default "25 50 100 200 300 400
#                          500 700 1000 1400 2000 3000")
#   BENCH_SIP_HOLD_MS      how long a call lasts once answered (default 1000)
#   BENCH_SIP_RTP          on (default): the caller sends RTP; off: none
#   BENCH_SIP_MAX_CHANNELS [media] max_channels of the lab (default 1024;
#                          "board": the board's, 256)
#   BENCH_SIP_HEAP_KIB     [rt] heap_kib of the lab (default 131072;
#                          "board": the board's 8192, which holds about 150
#                          calls with RTP on both legs)
#   BENCH_SIP_SIDES        "gw kamailio" (default), or one of them
#   BENCH_SIP_HOLD_CALLS   calls of the hold phase (0: none)
#   BENCH_LOCK_WAIT        seconds to wait for /tmp/voice-bench.lock, which
#                          every benchmark running a lab takes (default 1200;
#                          then it runs anyway, and says so)
# With the defaults the whole script takes about 5 minutes (plus the wait
# for the lock). Labs, namespaces
# and processes it started are removed at exit; logs are kept in
# build/bench/sip/ (SIPp's error logs and statistics, the lab's
# dispatcher.log, Kamailio's log).
set -u
cd "$(dirname "$0")/../.." || exit 1
root=$PWD
bin=$root/build/bin
BENCH_NAME=sip BENCH_AREA=sip
. "$root/tests/bench/lib.sh"
lab=$root/board/sim/lab
scen=$root/tests/bench/sip
P="bsip$$-"
KP=${P}kp KC=${P}kc
GW=198.18.0.10 LAN=198.18.0.20 KP_IP=198.19.1.10 KC_IP=198.19.1.20
UAS_PORT=5072 UAC_PORT=5070 ECHO_PORT=6000

T=$(secs "${BENCH_SECONDS:-}" 12)
RATES=${BENCH_SIP_RATES:-25 50 100 200 300 400 500 700 1000 1400 2000 3000}
HOLD_MS=${BENCH_SIP_HOLD_MS:-1000}
[[ "$HOLD_MS" =~ ^[0-9]+$ ]] || HOLD_MS=1000
HOLD_RATE=100 HOLD_PLATEAU=8
RTP=${BENCH_SIP_RTP:-on}
SIDES=${BENCH_SIP_SIDES:-gw kamailio}
HZ=$(getconf CLK_TCK)

out=$root/build/bench/sip
tmp=$(mktemp -d /tmp/bench-sip.XXXXXX)
mkdir -p "$out"
pids=()
lab_is_up=0
failed=()
own_ns=("$KP" "$KC")
keep_log=$out/dispatcher.log

forget() { local p k=(); for p in "${pids[@]}"; do [ "$p" = "$1" ] || k+=("$p"); done; pids=("${k[@]}"); }

# --- clean-up (cleanup(): tests/bench/lib.sh): only what this script started
anchor_down() {
	local ns p
	for ns in $KP $KC; do
		[ -e "/run/netns/$ns" ] || continue
		# everything in these namespaces was started by this script
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$p" 2>/dev/null; done
	done
	sleep 0.3
	ns_del "$KP" "$KC"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the two systems under test ---------------------------------------------------
LINUX_CPUS=0 RT_CPUS=1 MAX_CHANNELS=256
lab_up() {
	local try cfg=$tmp/lab.ini show
	: >"$cfg"
	local ch=${BENCH_SIP_MAX_CHANNELS:-1024} heap=${BENCH_SIP_HEAP_KIB:-131072}
	[ "$ch" != board ] && printf '[media]\nmax_channels = %s\n' "$ch" >>"$cfg"
	[ "$heap" != board ] && printf '[rt]\nheap_kib = %s\n' "$heap" >>"$cfg"
	for try in 1 2; do
		# (fd 9, the lock, stays with this script: nothing it leaves
		# behind may hold it)
		LAB_PREFIX=$P LAB_CONFIG=$cfg "$lab" up >"$tmp/lab.log" 2>&1 9>&- && break
		sed 's/^/# lab: /' "$tmp/lab.log"
		[ $try = 2 ] && return 1
		LAB_PREFIX=$P "$lab" down >/dev/null 2>&1
		note "lab up failed, trying again"
	done
	lab_is_up=1
	show=$(GW_CONFIG=rootfs/etc/gateway/gateway.ini:board/sim/board.ini:build/lab/$P/lab.ini \
		"$bin/gwconfig" show 2>/dev/null)
	LINUX_CPUS=$(awk '$1 == "linux_cpus" { print $3 }' <<<"$show")
	RT_CPUS=$(awk '$1 == "rt_cpus" { print $3 }' <<<"$show")
	MAX_CHANNELS=$(awk '$1 == "max_channels" { print $3 }' <<<"$show")
	HEAP_KIB=$(awk '$1 == "heap_kib" { print $3 }' <<<"$show")
	LINUX_CPUS=${LINUX_CPUS:-0} RT_CPUS=${RT_CPUS:-1} MAX_CHANNELS=${MAX_CHANNELS:-256}
	for _ in $(seq 50); do gwctl sip >/dev/null 2>&1 && return 0; sleep 0.2; done
	note "sipd does not answer on its status socket"
	return 1
}

anchor_up() {
	anchor_down
	veth_pair "$KP" "$KP_IP" "$KC" "$KC_IP" || return 1
	sed "s/@LISTEN@/$KP_IP/g; s/@CHILDREN@/2/g" "$scen/kamailio.cfg" >"$tmp/kamailio.cfg"
	mkdir -p "$tmp/kamrun"
	if ! kamailio -c -f "$tmp/kamailio.cfg" >"$tmp/kamcheck.log" 2>&1; then
		sed 's/^/# kamailio: /' "$tmp/kamcheck.log" | tail -5
		return 1
	fi
	ip netns exec "$KP" taskset -c "$LINUX_CPUS" kamailio -f "$tmp/kamailio.cfg" -DD -E \
		-m 1024 -M 16 -P "$tmp/kamrun/kamailio.pid" -Y "$tmp/kamrun" \
		-w "$tmp/kamrun" >"$out/kamailio.log" 2>&1 9>&- &
	KAM_PID=$!
	pids+=($KAM_PID)
	for _ in $(seq 50); do
		in_ns "$KP" ss -Hlun "sport = :5060" 2>/dev/null | grep -q . && return 0
		kill -0 $KAM_PID 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/# kamailio: /' "$out/kamailio.log" | tail -5
	return 1
}

# side-specific settings: NS (the phones' namespace), ME (their address),
# SRV (the server's address)
side() {
	case $1 in
	gw) NS=${P}lan ME=$LAN SRV=$GW ;;
	kamailio) NS=$KC ME=$KC_IP SRV=$KP_IP ;;
	esac
}

# --- SIPp --------------------------------------------------------------------------
# register SIDE: 1002 from the UAS's port, for an hour
register() {
	side "$1"
	sed -e 's/@STATUS@/200/' -e 's/@NAT_PORT@/[local_port]/' tests/integration/sip/register.xml >"$tmp/register.xml"
	printf 'SEQUENTIAL\n1002;[authentication username=1002 password=pw1002];3600;\n' \
		>"$tmp/reg.csv"
	in_ns "$NS" timeout 20 sipp -sf "$tmp/register.xml" -inf "$tmp/reg.csv" \
		-m 1 -i "$ME" -p $UAS_PORT -nostdin -trace_err \
		-error_file "$out/$1.register.err" "$SRV:5060" >/dev/null 2>&1
}
# uas_start SIDE: the callee, for every step of that side (its pid: UASP[SIDE])
declare -A UASP
uas_start() {
	side "$1"
	ip netns exec "$NS" sipp -sf "$scen/uas.xml" -i "$ME" -p $UAS_PORT -mp $ECHO_PORT \
		-rtp_echo -nostdin -trace_err -error_file "$out/$1.uas.err" \
		"$SRV:5060" >/dev/null 2>&1 9>&- &
	UAS_PID=$!
	pids+=($UAS_PID)
	UASP[$1]=$UAS_PID
	sleep 0.5
	kill -0 $UAS_PID 2>/dev/null
}
# the caller's scenario: RTP stream or not, the call's length
make_uac() {
	local stream=""
	if [ "$RTP" = on ]; then
		sox -q -n -r 8000 -c 1 -e mu-law "$tmp/tone.wav" synth 4 sine 440 vol 0.3 ||
			{ note "sox failed: the caller sends no RTP"; RTP=off; }
	fi
	[ "$RTP" = on ] &&
		stream="<action><exec rtp_stream=\"$tmp/tone.wav,-1,0\"/></action>"
	sed "s|<!--@RTP@-->|$stream|" "$scen/uac.xml" >"$tmp/uac.tmpl"
	sed "s/@HOLD_MS@/$HOLD_MS/g" "$tmp/uac.tmpl" >"$tmp/uac.xml"
	printf 'SEQUENTIAL\n1001;[authentication username=1001 password=pw1001];1002;\n' \
		>"$tmp/uac.csv"
}

# --- measuring ---------------------------------------------------------------------
# ticks PID...: CPU ticks (user + system) of these processes, with their threads
ticks() {
	local p s=0 t
	for p in "$@"; do
		t=$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null) || t=0
		s=$((s + ${t:-0}))
	done
	echo $s
}
# pids_named NS NAME: the processes of that name in a namespace
pids_named() {
	local p
	for p in $(ip netns pids "$1" 2>/dev/null); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$2" ] && echo "$p"
	done
}
cpu_busy() {	# cpu_busy LIST: busy and total ticks of these CPUs
	awk -v l=",$1," '/^cpu[0-9]/ { c = substr($1, 4)
		if (index(l, "," c ",") == 0) next
		b += $2 + $3 + $4 + $7 + $8 + $9; t += $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }
		END { print b + 0, t + 0 }' /proc/stat
}
cpulist() {	# cpulist 0-1,3: 0,1,3
	awk -v l="$1" 'BEGIN { n = split(l, r, ","); s = ""
		for (i = 1; i <= n; i++) { k = split(r[i], ab, "-"); b = k > 1 ? ab[2] : ab[1]
			for (c = ab[1]; c <= b; c++) s = s (s == "" ? "" : ",") c }
		print s }'
}
lan_pkts() { in_ns "${P}lan" cat /sys/class/net/eth0/statistics/rx_packets 2>/dev/null || echo 0; }

# sampler: every 0.5 s into $tmp/samples: sipd's calls up, the RT channels
# open, the fullest size class of the RT heap (% used) and its name
sampler() {
	local up ch heap
	while :; do
		up=$(gwctl sip 2>/dev/null | jq -r .calls_up 2>/dev/null)
		ch=$(gwctl chans 2>/dev/null | awk 'NR == 1 && / channel/ { print $1 }')
		heap=$(gwctl counters 2>/dev/null | awk '
			$1 ~ /^rt\.heap\.[0-9]+\.used$/ { split($1, k, "."); u[k[3]] = $2 }
			$1 ~ /^rt\.heap\.[0-9]+\.capacity$/ { split($1, k, "."); c[k[3]] = $2 }
			END { m = 0; w = "-"; for (x in u) if (c[x] > 0 && 100 * u[x] / c[x] > m) {
				m = 100 * u[x] / c[x]; w = x }; printf "%d %s", m, w }')
		echo "${up:-0} ${ch:-0} ${heap:-0 -}" >>"$tmp/samples"
		sleep 0.5
	done
}

# stats FILE N: from SIPp's statistics: "created ok failed peak elapsed_s
# retrans" (elapsed: when the last call was created)
stats() {
	python3 - "$1" "$2" <<'EOF'
import csv, sys
try:
    rows = list(csv.DictReader(open(sys.argv[1]), delimiter=';'))
except Exception:
    rows = []
n = int(sys.argv[2])
if not rows:
    print(0, 0, 0, 0, 0, 0)
    sys.exit()
def secs(s):
    h, m, x = s.split(':')
    return int(h) * 3600 + int(m) * 60 + float(x)
last = rows[-1]
el = next((secs(r['ElapsedTime(C)']) for r in rows
           if int(r['OutgoingCall(C)']) >= n), secs(last['ElapsedTime(C)']))
print(last['OutgoingCall(C)'], last['SuccessfulCall(C)'], last['FailedCall(C)'],
      max(int(r['CurrentCall']) for r in rows), el, last['Retransmissions(C)'])
EOF
}

# reasons ERRFILE: SIPp's error log, the calls' failures by kind
reasons() {
	python3 - "$1" <<'EOF'
import collections, re, sys
try:
    text = open(sys.argv[1], errors='replace').read()
except OSError:
    sys.exit()
ev = re.split(r'\d{4}-\d\d-\d\d\t[\d:.]+\t[\d.]+: ', text)
c, dead = collections.Counter(), collections.Counter()
for e in ev:
    e = e.strip()
    if not e or 'jumping to label' in e or e.startswith('The following events'):
        continue
    first = e.split('\n')[0]
    first = re.sub(r"Call-I[dD]:? '?[^ ']+'?", 'Call-Id X', first)
    first = re.sub(r"(Dead call|for call:) \S+", r'\1 X', first)
    m = re.search(r"received '([^\r\n]*)", e)
    k = first[:110]
    if m:
        k = re.sub(r"received '.*", '', k) + 'received: ' + m.group(1)[:60]
    k = re.sub(r'\d+-\d+@[\d.]+', 'X', k)
    # a message for a call already over: not a failure of its own
    (dead if first.startswith('Dead call') else c)[k] += 1
for k, v in c.most_common(6):
    print('%6d  %s' % (v, k))
if dead:
    print('%6d  messages for calls already ended, e.g. %s' % (
        sum(dead.values()), dead.most_common(1)[0][0][:100]))
EOF
}
# loglines FROM: dispatcher.log's warnings and errors after byte FROM, by kind
loglines() {
	tail -c +"$(($1 + 1))" "build/lab/$P/dispatcher.log" 2>/dev/null |
		grep -E ' (warn|err|error) ' | cut -d' ' -f2- |
		sed -E 's/[0-9]+/N/g' | sort | uniq -c | sort -rn | head -6
}

# step SIDE RATE: one rate step; sets OK (1: < 0.1 % failed, rate kept)
declare -A RES
CRASHES=0
step() {
	local s=$1 r=$2 n=$((r * T)) st t0 w0 b0 c0 p0 l0 logpos=0 spid="" \
		created ok bad peak el retr fpct cpu_t cpu_pct us_call us_all pk_up=- pk_ch=- \
		rt_b rt_pct pps="" why sp o0 o_t q0 q_t rtp_pct heap_pct=- heap_cls=- crashes=0 \
		u0 u_t lb0 lx_b lx_pct uas_pct
	side "$s"
	OK=0
	if [ "$s" = gw ]; then
		SRV_PIDS=$(pids_named "${P}gw" sipd | tr '\n' ' ')
		OTHER_PIDS=$(for n in netproxy billingd dispatcher; do pids_named "${P}gw" $n; done | tr '\n' ' ')
		RT_PIDS=$(pids_named "${P}gw" rtpart | tr '\n' ' ')
		logpos=$(stat -c %s "build/lab/$P/dispatcher.log" 2>/dev/null || echo 0)
		: >"$tmp/samples"
		sampler &
		spid=$!
		pids+=($spid)
		l0=$(lan_pkts)
	else
		SRV_PIDS=$(ip netns pids "$KP" 2>/dev/null | tr '\n' ' ')
		OTHER_PIDS="" RT_PIDS=""
	fi
	# shellcheck disable=SC2086
	c0=$(ticks $SRV_PIDS) o0=$(ticks $OTHER_PIDS) q0=$(ticks $RT_PIDS) u0=$(ticks "${UASP[$s]}")
	b0=$(cpu_busy "$(cpulist "$RT_CPUS")") lb0=$(cpu_busy "$(cpulist "$LINUX_CPUS")") w0=$(date +%s.%N)
	rm -f "$out/$s.r$r.stat"
	ip netns exec "$NS" timeout --kill-after=5 $((T + HOLD_MS / 1000 + 60)) \
		sipp -sf "$tmp/uac.xml" -inf "$tmp/uac.csv" -m $n -r $r -l 5000 \
		-i "$ME" -p $UAC_PORT -nostdin -recv_timeout 10000 \
		-timeout $((T + HOLD_MS / 1000 + 45))s \
		-trace_err -error_file "$out/$s.r$r.err" \
		-trace_stat -stf "$out/$s.r$r.stat" -fd 1 \
		"$SRV:5060" >/dev/null 2>&1 &
	p0=$!
	pids+=($p0)
	SIPP_TICKS=0 sp=""
	while kill -0 $p0 2>/dev/null; do
		# SIPp is timeout's child; its CPU: the last reading before it ends
		[ -n "$sp" ] || sp=$(pgrep -P $p0 -x sipp)
		[ -n "$sp" ] && SIPP_TICKS=$(ticks $sp)
		sleep 0.5
	done
	wait $p0
	# shellcheck disable=SC2086
	cpu_t=$(( $(ticks $SRV_PIDS) - c0 )) o_t=$(( $(ticks $OTHER_PIDS) - o0 )) q_t=$(( $(ticks $RT_PIDS) - q0 ))
	u_t=$(( $(ticks "${UASP[$s]}") - u0 ))
	rt_b=$(cpu_busy "$(cpulist "$RT_CPUS")") lx_b=$(cpu_busy "$(cpulist "$LINUX_CPUS")")
	t0=$(awk -v a="$w0" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')
	if [ -n "$spid" ]; then
		kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
		forget "$spid"
		read -r pk_up pk_ch heap_pct heap_cls < <(awk '$1 > u { u = $1 } $2 > c { c = $2 }
			$3 > h { h = $3; w = $4 } END { print u + 0, c + 0, h + 0, (w == "" ? "-" : w) }' "$tmp/samples")
		crashes=$(tail -c +"$((logpos + 1))" "build/lab/$P/dispatcher.log" 2>/dev/null |
			grep -c 'dispatcher: rtpart: pid .* ended')
		CRASHES=$((CRASHES + crashes))
		pps=$(awk -v a="$l0" -v b="$(lan_pkts)" -v t="$t0" 'BEGIN { print (b - a) / t }')
	fi
	forget "$p0"
	read -r created ok bad peak el retr < <(stats "$out/$s.r$r.stat" $n)
	bad=$((n - ok))		# calls never made or never finished count too
	fpct=$(awk -v b=$bad -v n=$n 'BEGIN { printf "%.2f", 100 * b / n }')
	cpu_pct=$(awk -v c=$cpu_t -v h=$HZ -v t="$t0" 'BEGIN { printf "%.0f", 100 * c / h / t }')
	us_call=$(awk -v c=$cpu_t -v h=$HZ -v n=$ok 'BEGIN { printf "%.0f", n ? 1e6 * c / h / n : 0 }')
	# the gateway's whole Linux side: sipd, netproxy (SIP through the bus),
	# billingd (the call records), the dispatcher
	us_all=$(awk -v c=$((cpu_t + o_t)) -v h=$HZ -v n=$ok 'BEGIN { printf "%.0f", n ? 1e6 * c / h / n : 0 }')
	rt_pct=$(awk -v a="$b0" -v b="$rt_b" 'BEGIN { split(a, x, " "); split(b, y, " ")
		printf "%.0f", (y[2] > x[2] ? 100 * (y[1] - x[1]) / (y[2] - x[2]) : 0) }')
	lx_pct=$(awk -v a="$lb0" -v b="$lx_b" 'BEGIN { split(a, x, " "); split(b, y, " ")
		printf "%.0f", (y[2] > x[2] ? 100 * (y[1] - x[1]) / (y[2] - x[2]) : 0) }')
	uas_pct=$(awk -v c=$u_t -v h=$HZ -v t="$t0" 'BEGIN { printf "%.0f", 100 * c / h / t }')
	local gen_pct rate_kept other_pct
	other_pct=$(awk -v c=$o_t -v h=$HZ -v t="$t0" 'BEGIN { printf "%.0f", 100 * c / h / t }')
	rtp_pct=$(awk -v c=$q_t -v h=$HZ -v t="$t0" 'BEGIN { printf "%.0f", 100 * c / h / t }')
	gen_pct=$(awk -v c="$SIPP_TICKS" -v h=$HZ -v t="$t0" 'BEGIN { printf "%.0f", 100 * c / h / t }')
	rate_kept=$(awk -v n=$n -v e="$el" -v r=$r 'BEGIN { printf "%.1f", (e > 0 ? n / e : 0) }')
	if [ "$crashes" -gt 0 ]; then
		why="the RT partition ended $crashes times; $bad of $n calls failed"
	elif [ "$bad" -eq 0 ] || [ $((bad * 1000)) -lt $n ]; then
		# SIPp made the calls at the rate asked (the last one within 10 %
		# of the step's length; its statistics have a 1 s resolution)
		if awk -v n=$n -v e="$el" -v r=$r 'BEGIN { exit !(e <= 1.1 * n / r + 1) }'; then
			OK=1
		else
			why="SIPp made the calls at $rate_kept/s only"
		fi
	else
		why="$bad of $n calls failed"
	fi
	fig "$s.r$r.failed_pct" "$fpct" %
	fig "$s.r$r.peak_calls" "$peak" calls
	fig "$s.r$r.cpu_pct" "$cpu_pct" %
	fig "$s.r$r.cpu_us_per_call" "$us_call" us
	[ -n "$pps" ] && [ "$ok" -gt 0 ] &&
		fig "$s.r$r.rtp_pps_per_call" "$(awk -v p="$pps" -v r=$r -v h=$HOLD_MS \
			'BEGIN { printf "%.1f", p / (r * h / 1000) }')" pps
	note "$(printf '%-8s %4d/s %6d calls %6d ok %5d failed (%5s %%) peak %4d up %4s chans %4s RT heap %3s %% (%s B) | server CPU %3s %% %5s us/call | netproxy+billingd+dispatcher %3s %% | rtpart %3s %% | CPU %s %3s %% | CPU %s %3s %% | SIPp UAC %3s %% UAS %3s %% | %s retrans | %s' \
		"$s" "$r" "$n" "$ok" "$bad" "$fpct" "$peak" "${pk_up:--}" "${pk_ch:--}" "$heap_pct" "$heap_cls" \
		"$cpu_pct" "$us_call" "$([ "$s" = gw ] && echo "$other_pct" || echo -)" "$([ "$s" = gw ] && echo "$rtp_pct" || echo -)" "$RT_CPUS" "$rt_pct" "$LINUX_CPUS" "$lx_pct" "$gen_pct" "$uas_pct" "$retr" \
		"$([ $OK = 1 ] && echo pass || echo "FAIL: $why")")"
	RES[$s.$r.ok]=$OK RES[$s.$r.peak]=$peak RES[$s.$r.us]=$us_call RES[$s.$r.us_all]=$us_all
	RES[$s.$r.up]=$pk_up RES[$s.$r.ch]=$pk_ch RES[$s.$r.crashes]=$crashes RES[$s.$r.heap]=$heap_pct
	if [ "$bad" -gt 0 ]; then
		note "$s $r/s: failed calls by SIPp's error log ($out/$s.r$r.err):"
		reasons "$out/$s.r$r.err" | sed 's/^/#   /'
	fi
	if [ "$s" = gw ]; then
		local ll
		ll=$(loglines "$logpos")
		[ -n "$ll" ] && { note "gw $r/s: warnings in dispatcher.log:"; sed 's/^/#   /' <<<"$ll"; }
		gw_counters "$r/s"
		# the calls still up end (BYE retransmissions, channel closes)
		for _ in $(seq 40); do
			[ "$(gwctl sip 2>/dev/null | jq -r .calls_up 2>/dev/null)" = 0 ] && break
			sleep 0.25
		done
	fi
	sleep 1
}

# hold_phase: the gateway's simultaneous calls. N calls (HOLD_CALLS) set
# up at HOLD_RATE a second, each held until all are up and HOLD_PLATEAU
# seconds more; RTP measured in lan over the plateau, the calls and
# channels up sampled
hold_phase() {
	local n=$HOLD_CALLS r=$HOLD_RATE ramp hold_ms l0 l1 q0 q1 t0 t1 w spid \
		created ok bad peak el retr up ch pps logpos crashes
	side gw
	ramp=$(( (n + r - 1) / r ))
	hold_ms=$(( (ramp + HOLD_PLATEAU) * 1000 ))
	sed "s/@HOLD_MS@/$hold_ms/g" "$tmp/uac.tmpl" >"$tmp/uac-hold.xml"
	logpos=$(stat -c %s "build/lab/$P/dispatcher.log" 2>/dev/null || echo 0)
	: >"$tmp/samples"
	sampler &
	spid=$!
	pids+=($spid)
	rm -f "$out/gw.hold.stat"
	ip netns exec "$NS" timeout --kill-after=5 $((ramp + hold_ms / 1000 + 60)) \
		sipp -sf "$tmp/uac-hold.xml" -inf "$tmp/uac.csv" -m $n -r $r -l $((n + 10)) \
		-i "$ME" -p $UAC_PORT -nostdin -recv_timeout $((hold_ms + 10000)) \
		-timeout $((ramp + hold_ms / 1000 + 45))s \
		-trace_err -error_file "$out/gw.hold.err" \
		-trace_stat -stf "$out/gw.hold.stat" -fd 1 \
		"$SRV:5060" >/dev/null 2>&1 &
	w=$!
	pids+=($w)
	# the plateau: from 1 s after the last call is up to 1 s before the
	# first one ends
	sleep $((ramp + 1))
	l0=$(lan_pkts) q0=$(ticks $(pids_named "${P}gw" rtpart)) t0=$(date +%s.%N)
	sleep $((HOLD_PLATEAU - 2))
	l1=$(lan_pkts) q1=$(ticks $(pids_named "${P}gw" rtpart)) t1=$(date +%s.%N)
	read -r up ch < <(awk '$1 > u { u = $1 } $2 > c { c = $2 } END { print u + 0, c + 0 }' "$tmp/samples")
	wait $w
	forget "$w"
	kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
	forget "$spid"
	crashes=$(tail -c +"$((logpos + 1))" "build/lab/$P/dispatcher.log" 2>/dev/null |
		grep -c 'dispatcher: rtpart: pid .* ended')
	CRASHES=$((CRASHES + crashes))
	read -r created ok bad peak el retr < <(stats "$out/gw.hold.stat" $n)
	bad=$((n - ok))
	pps=$(awk -v a="$l0" -v b="$l1" -v t0="$t0" -v t1="$t1" -v u="$up" \
		'BEGIN { printf "%.1f", (u > 0 && t1 > t0 ? (b - a) / (t1 - t0) / u : 0) }')
	fig gw.hold.calls "$n" calls
	fig gw.hold.failed_pct "$(awk -v b=$bad -v n=$n 'BEGIN { printf "%.2f", 100 * b / n }')" %
	fig gw.hold.peak_calls "$peak" calls
	fig gw.hold.calls_up "$up" calls
	fig gw.hold.chans "$ch" channels
	fig gw.hold.rtp_pps_per_call "$pps" pps
	fig gw.hold.rtpart_cpu_pct "$(awk -v a="$q0" -v b="$q1" -v h=$HZ -v t0="$t0" -v t1="$t1" \
		'BEGIN { printf "%.0f", (t1 > t0 ? 100 * (b - a) / h / (t1 - t0) : 0) }')" %
	note "gw hold: $n calls at $r/s held $((hold_ms / 1000)) s: $ok ok, $bad failed; at once: $peak (SIPp), $up (sipd), $ch RT channels; RTP in lan over the plateau $pps packets/s per call; RT partition ended $crashes times"
	[ "$bad" -gt 0 ] && { note "gw hold: failed calls by SIPp's error log:"; reasons "$out/gw.hold.err" | sed 's/^/#   /'; }
	gw_counters hold
	for _ in $(seq 40); do
		[ "$(gwctl sip 2>/dev/null | jq -r .calls_up 2>/dev/null)" = 0 ] && break
		sleep 0.25
	done
}

# gw_counters STEP (e.g. 100/s): sipd's counters and the RT side's media counters
declare -A GWC0
gw_counters() {
	local line
	gwctl sip >"$tmp/sip.json" 2>/dev/null
	line=$(python3 - "$tmp/sip.json" "$tmp/sip.prev" <<'EOF' 2>/dev/null
import json, sys
c = json.load(open(sys.argv[1]))["counters"]
try:
    p = json.load(open(sys.argv[2]))["counters"]
except Exception:
    p = {}
print(" ".join("%s=%d" % (k, v - p.get(k, 0)) for k, v in sorted(c.items())
               if v - p.get(k, 0)))
EOF
	)
	cp "$tmp/sip.json" "$tmp/sip.prev"
	note "gw $1: sipd counters (this step): $line"
	note "gw $1: RT counters (since rtpart started): $(gwctl counters 2>/dev/null |
		grep -E '^(media\.(requests|requests_bad|up_ring_full|open_failed|unknown_channel|closed) |rtnet\.(up_ring_full|rx_no_pkt|down_no_pkt) |txs\.(rt|linux)\.dropped |nic\.(rx|tx)_dropped |rt\.heap\.[0-9]+\.failures [1-9])' |
		tr '\n' ' ')"
}

# --- main ---------------------------------------------------------------------------
# (a function, read whole before it runs: the file may change meanwhile)
main() {
	for b in dispatcher rtpart netproxy sipd gwctl gwconfig; do
		[ -x "$bin/$b" ] || { note "sip: $bin/$b missing: run make first"; exit 1; }
	done
	for c in sipp python3 sox jq; do
		command -v $c >/dev/null || { note "sip: $c not installed (make deps)"; exit 1; }
	done
	if ! command -v kamailio >/dev/null; then
		note "sip: kamailio not installed (make deps): no anchor"
		SIDES=${SIDES/kamailio/}
	fi
	note "sip: steps of $T s at $RATES calls/s, calls of $HOLD_MS ms, RTP from the caller: $RTP; sides: $SIDES"

	bench_lock
	started=$SECONDS
	note "sip: machine busy before: $(busy_pct) % of one CPU (should be about 0)"
	rm -f "$out"/*.err "$out"/*.stat "$out"/*.log 2>/dev/null

	make_uac
	up=""
	if [[ " $SIDES " == *" gw "* ]]; then
		if lab_up; then
			if register gw && uas_start gw; then
				up="$up gw"
			else
				fail gw "1002 could not register or the UAS did not start: $(tail -3 "$out/gw.register.err" 2>/dev/null)"
			fi
		else
			fail gw "lab up"
		fi
	fi
	if [[ " $SIDES " == *" kamailio "* ]]; then
		if anchor_up; then
			if register kamailio && uas_start kamailio; then
				up="$up kamailio"
			else
				fail kamailio "1002 could not register or the UAS did not start"
			fi
		else
			fail kamailio "Kamailio did not start"
		fi
	fi

	declare -A BEST STOP
	for s in $up; do BEST[$s]=0; done
	for r in $RATES; do
		for s in $up; do
			[ -n "${STOP[$s]:-}" ] && continue
			step "$s" "$r"
			if [ "$OK" = 1 ]; then BEST[$s]=$r; else STOP[$s]=$r; fi
		done
		left=0
		for s in $up; do [ -z "${STOP[$s]:-}" ] && left=1; done
		[ $left = 1 ] || break
	done
	if [[ " $up " == *" gw "* ]]; then
		HOLD_CALLS=${BENCH_SIP_HOLD_CALLS:-$((MAX_CHANNELS / 2))}
		[ "$HOLD_CALLS" -gt 0 ] 2>/dev/null && hold_phase
	fi

	# --- figures ------------------------------------------------------------------------
	peak_of() {	# peak_of SIDE KEY: the largest value of a passed step's figure
		local r m=0 v
		for r in $RATES; do
			[ "${RES[$1.$r.ok]:-0}" = 1 ] || continue
			v=${RES[$1.$r.$2]:-}
			[[ "$v" =~ ^[0-9]+$ ]] && [ "$v" -gt "$m" ] && m=$v
		done
		echo $m
	}
	for s in $up; do
		fig "$s.cps" "${BEST[$s]}" calls/s
		fig "$s.peak_calls" "$(peak_of "$s" peak)" calls
		if [ -n "${STOP[$s]:-}" ]; then
			note "sip: $s: highest rate passed ${BEST[$s]}/s; failed at ${STOP[$s]}/s"
		else
			note "sip: $s: passed every step (up to ${BEST[$s]}/s): the steps, not $s, set the figure"
		fi
	done
	if [[ " $up " == *" gw "* ]]; then
		fig gw.peak_calls_up "$(peak_of gw up)" calls
		fig gw.peak_chans "$(peak_of gw ch)" channels
		fig gw.max_channels "$MAX_CHANNELS" channels
		fig gw.rt_heap_kib "${HEAP_KIB:-0}" KiB
		fig gw.rtpart_crashes "$CRASHES" count
		# what stopped the gateway
		if [ -n "${STOP[gw]:-}" ]; then
			r=${STOP[gw]}
			need=$(awk -v r=$r -v h=$HOLD_MS 'BEGIN { printf "%d", r * h / 1000 }')
			if [ "${RES[gw.$r.crashes]:-0}" -gt 0 ]; then
				note "sip: gw: the RT partition (rtpart) crashed ${RES[gw.$r.crashes]} times at $r/s (dispatcher.log: 'rtpart: pid N ended'), the NIC and so SIP with it: that, not sipd, stopped it (RT heap: [rt] heap_kib = $HEAP_KIB, its fullest size class at ${RES[gw.$r.heap]:-?} % in the last sample)"
			elif [ "${RES[gw.$r.ch]:-0}" -ge $((MAX_CHANNELS - 8)) ] ||
			   grep -qiE 'No Media|No space left' "$out/gw.r$r.err" "$out/dispatcher.log" 2>/dev/null; then
				note "sip: gw: the RT channel pool ([media] max_channels = $MAX_CHANNELS) is what stopped it at $r/s (about $need calls up at once needed)"
			elif grep -q 'Too Many Calls' "$out/gw.r$r.err" 2>/dev/null; then
				note "sip: gw: sipd's call table (as large as [media] max_channels = $MAX_CHANNELS) is what stopped it at $r/s"
			else
				note "sip: gw: at $r/s, about $need calls up at once ($MAX_CHANNELS channels): not the channel limit; see the failures above"
			fi
		fi
	fi
	if [ -n "${STOP[kamailio]:-}" ]; then
		k=$(grep -c 'could not allocate shared memory' "$out/kamailio.log" 2>/dev/null)
		[ "${k:-0}" -gt 0 ] &&
			note "sip: kamailio: its shared memory (-m 1024 MB) ran out $k times: that stopped it at ${STOP[kamailio]}/s"
	fi
	if [ -n "${BEST[gw]:-}" ] && [ -n "${BEST[kamailio]:-}" ]; then
		fig cps_ratio_pct "$(awk -v a="${BEST[gw]}" -v b="${BEST[kamailio]}" \
			'BEGIN { printf "%.1f", (b > 0 ? 100 * a / b : 0) }')" %
		# CPU per call at the highest rate both passed
		common=""
		for r in $RATES; do
			[ "${RES[gw.$r.ok]:-0}" = 1 ] && [ "${RES[kamailio.$r.ok]:-0}" = 1 ] && common=$r
		done
		if [ -n "$common" ]; then
			fig gw.cpu_us_per_call "${RES[gw.$common.us]}" us
			fig gw.linux_cpu_us_per_call "${RES[gw.$common.us_all]}" us
			fig kamailio.cpu_us_per_call "${RES[kamailio.$common.us]}" us
			fig cpu_per_call_ratio "$(awk -v a="${RES[gw.$common.us]}" -v b="${RES[kamailio.$common.us]}" \
				'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')" x
			note "sip: CPU per call compared at $common/s, the highest rate both passed (sipd alone; Kamailio: all its processes)"
		fi
	fi
	for f in "$out"/*.uas.err; do
		[ -s "$f" ] || continue
		k=$(reasons "$f")
		[ -n "$k" ] && { note "sip: callee's errors ($f):"; sed 's/^/#   /' <<<"$k"; }
	done
	note "sip: logs in $out; measured in $((SECONDS - started)) s"
	[ ${#failed[@]} -eq 0 ] || { note "sip: failed: ${failed[*]}"; return 1; }
	return 0
}
main "$@"; exit $?
