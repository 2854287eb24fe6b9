#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SIP phone to SIP phone with real phones: two baresip instances in the lan
# namespace register with their passwords (extensions 1001 and 1002 of
# board/sim/board.ini), 1001 calls 1002, 1002 answers by itself, each sends
# a tone for about 4 s (1001: 1000 Hz, 1002: 600 Hz), 1001 hangs up. Each
# phone records what it heard; each recording must hold the other phone's
# tone. Then: a call record (caller 1001, callee 1002, ANSWERED) in the
# spool, no call left up in sipd. SRTP (baresip's srtp module, keys by
# SDES): a phone that speaks SRTP only (1004) calls 1002, plain and then
# with best-effort SRTP, and 1002 calls 1001 (plain) with it: in each call
# each phone hears the other through the RT partition, which encrypts the
# legs SRTP was agreed on; with [sip] srtp = mandatory a plain call is
# refused and 1004 calls 1002 (SRTP only); with srtp = off 1004 is refused
# and 1002's best-effort call is plain. Last, a third phone with a wrong
# password for 1003 refused (not registered, auth_failures up).
#
# baresip 1.0.0 (package baresip-core), headless: no stdio module (it needs
# a terminal); commands through ctrl_tcp (netstring-framed JSON on
# 127.0.0.1 in lan), the dial/hangup commands from the menu module; audio
# source aufile (a WAV made with sox, 8 kHz mono, longer than the call so
# it never runs out), player aubridge with a device no source uses (a sink),
# and the sndfile filter, which writes what each phone sends (-enc.wav) and
# hears (-dec.wav) into snd_path. SIP ports 10 apart: baresip also binds
# TLS on sip_listen's port + 1.
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
export LAB_PREFIX="tbs$$-"
lab=board/sim/lab
state=build/lab/$LAB_PREFIX
GW=198.18.0.10
LAN=198.18.0.20
BARESIP_SECONDS=110	# no phone outlives the test, whatever happens

# (retried when the binary cannot be run: someone rebuilding the tree)
gwctl() {
	local rc
	for _ in 1 2 3 4 5; do
		build/bin/gwctl --run-dir "$state/run" "$@"
		rc=$?
		[ $rc -ne 126 ] && [ $rc -ne 127 ] && return $rc
		sleep 0.2
	done
	return $rc
}
sipjq() { gwctl sip | jq -r "$@"; }
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }
# near VALUE WANT TOL: |VALUE - WANT| <= TOL
near() { awk -v v="$1" -v w="$2" -v t="$3" 'BEGIN { d = v - w; exit !(v != "" && d <= t && -d <= t) }'; }

# what a failure needs to be understood: the gateway's state at the first
# failure (snapshot), then at the end SIP and RTP as seen on lan and the
# phones' and the gateway's logs (also kept in build/lab/<prefix>/)
snapshot_shown=
snapshot() {
	[ -n "$snapshot_shown" ] && return
	snapshot_shown=1
	echo "# --- the gateway at the first failure"
	echo "# gwctl sip:"
	gwctl sip 2>&1 | jq -c . 2>/dev/null | sed 's/^/#   /'
	echo "# gwctl status (RT partition):"
	gwctl status 2>&1 | grep -E '^(part|rt partition|  (media|net) )|msg-' |
		sed 's/^/#   /'
	echo "# gwctl chans:"
	gwctl chans 2>&1 | head -10 | sed 's/^/#   /'
}
logs() {
	echo "# --- SIP and RTP on lan, logs"
	if [ -n "${cap_pid:-}" ]; then
		kill -INT "$cap_pid" 2>/dev/null
		for _ in $(seq 20); do kill -0 "$cap_pid" 2>/dev/null || break; sleep 0.1; done
		cp "$tmp/lan.pcap" "$state/baresip-lan.pcap" 2>/dev/null
		echo "# UDP flows seen on lan (packets, from > to; $state/baresip-lan.pcap):"
		tcpdump -n -r "$tmp/lan.pcap" udp 2>/dev/null |
			awk '{ print $3, $4, $5 }' | sort | uniq -c | sort -rn |
			head -20 | sed 's/^/#   /'
		echo "# SIP on lan:"
		tcpdump -n -r "$tmp/lan.pcap" udp port 5060 2>/dev/null |
			head -50 | sed 's/^/#   /'
	fi
	for p in 1001 1002 1003 1004; do
		[ -e "$tmp/$p.log" ] || continue
		cp "$tmp/$p.log" "$state/baresip-$p.log" 2>/dev/null
		echo "# baresip $p, SIP trace and messages ($state/baresip-$p.log):"
		grep -vE '^\s*$|audio=[0-9]+/[0-9]+ \(bit/s\)' "$tmp/$p.log" |
			grep -E '^(REGISTER|INVITE|ACK|BYE|SIP/2.0)|^[a-z_]+: |^[a-z]=|established|closed|terminated' |
			tail -40 | sed 's/^/#   /'
	done
	echo "# dispatcher log ($state/dispatcher.log):"
	tail -30 "$state/dispatcher.log" | sed 's/^/#   /'
}
fail() {	# fail DESC LINES...: not ok, with the gateway's state
	not_ok "$@"
	snapshot
}
# expect DESC CMD...: ok when CMD succeeds, otherwise fail with the state
expect() {
	local desc=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$desc"; else fail "$desc" "command: $*"; fi
}

cleanup() {
	[ "$failed" -gt 0 ] && [ -e "$state/dispatcher.log" ] && logs
	[ -n "${cap_pid:-}" ] && kill -INT "$cap_pid" 2>/dev/null
	$lab down >/dev/null 2>&1
	finish
	exit	# with finish's status: non-zero when a test failed
}
trap cleanup EXIT

for t in baresip jq sox; do
	if ! command -v $t >/dev/null; then
		not_ok "$t installed (make deps)"
		exit 1
	fi
done
[ -d /usr/lib/baresip/modules ] || { not_ok "baresip modules in /usr/lib/baresip/modules"; exit 1; }

# --- the lab, with the call records left in the spool ---------------------------
# (no billing client: tests/integration/sip.sh follows them to the server)
spool=$state/spool/incoming
printf '[billing]\nenable = false\n' >"$tmp/lab.ini"
if ! LAB_CONFIG=$tmp/lab.ini $lab up >"$tmp/up.log" 2>&1; then
	not_ok "lab up" "$(cat "$tmp/up.log")"
	exit 1
fi
ok "lab up with sipd"
expect "sipd answers gwctl sip" wait_for 5 sipjq -e .counters
# the RT partition carries the voice, so its tasks must run: on a machine
# shared with other labs, another process's SCHED_FIFO tasks on the same RT
# CPU ([board] rt_cpus) can starve it, and then no audio crosses
rt_runs() {
	gwctl status | awk '
		/^rt partition:/ { for (i = 2; i < NF; i++)
			if ($i == "ms" && $(i + 1) == "old") age = $(i - 1) }
		$1 == "media" && $2 ~ /^[0-9]+$/ { runs = $4 }
		END { exit !(age != "" && age < 1000 && runs > 0) }'
}
if wait_for 5 rt_runs; then
	ok "the RT partition runs (status page fresh, media task running)"
else
	fail "the RT partition runs (status page fresh, media task running)" \
		"$(gwctl status | grep -E '^rt partition|^  media ')" \
		"is another SCHED_FIFO process holding the RT CPU? the audio checks will fail"
fi

# SIP and RTP on lan, for the diagnostics
if command -v tcpdump >/dev/null; then
	$lab exec lan timeout $BARESIP_SECONDS tcpdump -i eth0 -n -U -s 256 \
		-w "$tmp/lan.pcap" udp >/dev/null 2>&1 &
	cap_pid=$!
	track $cap_pid
fi

# --- the phones -----------------------------------------------------------------------
# tones longer than any call: aufile stops at the end of its file
sox -n -r 8000 -c 1 -b 16 "$tmp/tone1000.wav" synth 30 sine 1000 vol 0.3
sox -n -r 8000 -c 1 -b 16 "$tmp/tone600.wav" synth 30 sine 600 vol 0.3

# phone EXT PASSWORD SIP_PORT CTRL_PORT RTP_LO TONE_HZ [MEDIAENC]: a config
# dir for one baresip (MEDIAENC: its srtp module's mode, keys by SDES;
# srtp-mand: offers and takes RTP/SAVP only; srtp: best effort, crypto
# lines in RTP/AVP)
phone() {
	local d=$tmp/phone$1 enc=""
	[ -n "${7:-}" ] && enc=";mediaenc=$7"
	mkdir -p "$d/rec"
	cat >"$d/config" <<EOF
poll_method		epoll
net_interface		eth0
sip_listen		$LAN:$3
rtp_ports		$5-$(($5 + 19))
rtp_timeout		0
audio_source		aufile,$tmp/tone$6.wav
audio_player		aubridge,sink
audio_alert		aubridge,sink
ausrc_srate		8000
auplay_srate		8000
ausrc_channels		1
auplay_channels		1
module_path		/usr/lib/baresip/modules
module			g711.so
module			aufile.so
module			aubridge.so
module			sndfile.so
module_app		account.so
module_app		menu.so
module_app		ctrl_tcp.so
ctrl_tcp_listen		127.0.0.1:$4
snd_path		$d/rec
EOF
	[ -n "$enc" ] && echo "module			srtp.so" >>"$d/config"
	echo "<sip:$1@$GW>;auth_pass=$2;answermode=auto;audio_codecs=PCMU;regint=600$enc" \
		>"$d/accounts"
}
# start EXT: run its baresip in lan (-s: SIP trace, -v: verbose, into the log)
start() {
	$lab exec lan timeout $BARESIP_SECONDS baresip -f "$tmp/phone$1" -s -v \
		</dev/null >"$tmp/$1.log" 2>&1 &
	track $!
	eval "pid_$1=$!"
}

# ctl PORT COMMAND [PARAMS]: one ctrl_tcp command; ok when baresip says ok
ctl_py='
import json, socket, sys, time
port, cmd = int(sys.argv[1]), sys.argv[2]
params = sys.argv[3] if len(sys.argv) > 3 else ""
s = socket.create_connection(("127.0.0.1", port), timeout=3)
m = json.dumps({"command": cmd, "params": params, "token": "tbs"}).encode()
s.sendall(b"%d:%s," % (len(m), m))
buf, end = b"", time.time() + 3
while time.time() < end:
    d = s.recv(4096)
    if not d:
        break
    buf += d
    while b":" in buf:
        k, rest = buf.split(b":", 1)
        if len(rest) < int(k) + 1:
            break
        o, buf = json.loads(rest[:int(k)]), rest[int(k) + 1:]
        if o.get("response") and o.get("token") == "tbs":
            print(o.get("data", ""))
            sys.exit(0 if o.get("ok") else 1)
sys.exit(2)
'
ctl() { $lab exec lan timeout 5 python3 -c "$ctl_py" "$@"; }

phone 1001 pw1001 5070 4441 10000 1000
phone 1002 pw1002 5080 4442 10100 600
phone 1003 wrong-pw1003 5090 4443 10200 1000
phone 1004 pw1004 5100 4444 10300 1000 srtp-mand
start 1001
start 1002

# registered EXT PORT: sipd lists EXT at the phone's address
registered() {
	gwctl sip | jq -e --arg e "$1" --arg r "$LAN:$2" \
		'.registrations | any(.extension == $e and .received == $r)'
}
for p in "1001 5070" "1002 5080"; do
	set -- $p
	if wait_for 10 registered $1 $2; then
		ok "phone $1 registered with its password (from $LAN:$2)"
	else
		fail "phone $1 registered with its password (from $LAN:$2)" \
			"registrations: $(sipjq -c .registrations)"
	fi
done
both_ctl() { ctl 4441 "$@" && ctl 4442 "$@"; }
expect "both phones take commands over ctrl_tcp" both_ctl reginfo

# --- 1001 calls 1002 -------------------------------------------------------------------
# answered FROM TO: sipd shows FROM's call to TO answered
answered() {
	gwctl sip | jq -e --arg f "$1" --arg t "$2" '.calls | any(.state ==
		"answered" and .from.number == $f and .to.number == $t)'
}
calls0=$(sipjq .counters.calls)
if ! out=$(ctl 4441 dial 1002 2>&1); then
	fail "phone 1001 dials 1002" "ctrl_tcp: $out"
else
	ok "phone 1001 dials 1002"
fi
if wait_for 10 answered 1001 1002; then
	ok "1002 answers by itself; sipd shows the call answered"
else
	fail "1002 answers by itself; sipd shows the call answered" \
		"calls: $(sipjq -c .calls)"
fi
both_log() { grep -q "$1" "$tmp/1001.log" && grep -q "$1" "$tmp/1002.log"; }
expect "both phones have the call up (baresip: 'Call established')" \
	wait_for 5 both_log 'Call established'
# the channel in the RT partition: packets in and out on both legs
# (row: chan N age S | a: rtp :PORT CODEC tx N rx N ... | b: ...)
media_flows() {
	gwctl chans | awk '/^chan / { n = 0
		for (i = 1; i < NF; i++)
			if (($i == "tx" || $i == "rx") && $(i + 1) > 0) n++
		if (n >= 4) found = 1 } END { exit !found }'
}
sleep 2	# talk
if wait_for 3 media_flows; then
	ok "the RT partition bridges the call's RTP both ways"
	gwctl chans | sed -n 's/^chan/# chan/p'
else
	fail "the RT partition bridges the call's RTP both ways" \
		"$(gwctl chans | head -3)"
fi
sleep 2	# talk on
if ! out=$(ctl 4441 hangup 2>&1); then
	fail "phone 1001 hangs up" "ctrl_tcp: $out"
else
	ok "phone 1001 hangs up"
fi
expect "sipd has no call left up" wait_for 10 sipjq -e '.calls_up == 0'
check "sipd counted the call ($calls0 -> $(sipjq .counters.calls))" \
	test "$(sipjq .counters.calls)" -gt "$calls0"
expect "both phones ended the call (baresip: 'Call ... terminated')" \
	wait_for 5 both_log 'terminated (duration'

# --- what each phone heard -------------------------------------------------------------
# sndfile writes dump-<time>-dec.wav (heard) and -enc.wav (sent) per call
heard() { ls "$tmp/phone$1/rec/"*-dec.wav 2>/dev/null | head -1; }
for p in "1001 600 1002" "1002 1000 1001"; do
	set -- $p
	f=$(heard $1)
	if [ -z "$f" ]; then
		fail "phone $1 recorded what it heard" "no *-dec.wav in $tmp/phone$1/rec"
		continue
	fi
	a=$(build/bin/rtppeer --analyze "$f" --skip 800)
	fq=$(echo "$a" | field freq); lv=$(echo "$a" | field level)
	s=$(echo "$a" | field samples)
	if near "$fq" $2 15 && awk -v l="$lv" 'BEGIN { exit !(l > -20) }'; then
		ok "phone $1 heard $3's $2 Hz tone ($fq Hz, $lv dBm0, $((${s:-0} / 8)) ms)"
	else
		fail "phone $1 heard $3's $2 Hz tone ($fq Hz, $lv dBm0, $((${s:-0} / 8)) ms)" \
			"$f: $a"
	fi
	# what the phone sent, for the record (its own tone, straight from aufile)
	e=$(ls "$tmp/phone$1/rec/"*-enc.wav 2>/dev/null | head -1)
	[ -n "$e" ] && echo "# phone $1 sent: $(build/bin/rtppeer --analyze "$e" --skip 800)"
done

# --- the call record --------------------------------------------------------------------
record() {
	cat "$spool"/*.json 2>/dev/null | jq -e -s 'any(.caller == "1001" and
		.callee == "1002" and .disposition == "ANSWERED")'
}
if wait_for 5 record; then
	r=$(cat "$spool"/*.json | jq -c -s 'map(select(.caller == "1001"))[0] |
		{caller, callee, disposition, codec, billsec_us: (.end_us - .answer_us)}')
	ok "call record in the spool: $r"
else
	fail "call record (caller 1001, callee 1002, ANSWERED) in the spool" \
		"spool: $(ls -a "$spool" | tr '\n' ' ')" \
		"$(cat "$spool"/*.json 2>/dev/null | head -3)"
fi

# --- SRTP ------------------------------------------------------------------------------
# srtp_flows LEGS: a channel carries packets both ways on both legs, LEGS of
# them SRTP refusing at most 2 packets (one CI run counted 1 of 250, the VM
# holding the RT partition's net task up 315 times; gwctl chans now says
# which kind, and prints it for each call below)
srtp_flows() {
	gwctl chans | awk -v want="$1" '/^chan / { n = 0; s = 0
		for (i = 1; i < NF; i++) {
			if (($i == "tx" || $i == "rx") && $(i + 1) > 0) n++
			if ($i == "srtp" && $(i + 2) == "refused" && $(i + 3) <= 2) s++
		}
		if (n >= 4 && s == want) found = 1 } END { exit !found }'
}
# heard_each_other WHAT A B: in the newest recordings (this call's), each
# phone heard the other's tone (1002 sends 600 Hz, the others 1000 Hz)
newest() { ls -t "$tmp/phone$1/rec/"*-dec.wav 2>/dev/null | head -1; }
tone_of() { if [ "$1" = 1002 ]; then echo 600; else echo 1000; fi; }
heard_each_other() {
	local what=$1 p f a fq lv hz
	for p in "$2 $3" "$3 $2"; do
		set -- $p
		hz=$(tone_of $2)
		f=$(newest $1)
		a=$([ -n "$f" ] && build/bin/rtppeer --analyze "$f" --skip 800)
		fq=$(echo "$a" | field freq); lv=$(echo "$a" | field level)
		if near "$fq" $hz 15 && awk -v l="$lv" 'BEGIN { exit !(l > -20) }'; then
			ok "$what: phone $1 heard $2's $hz Hz tone ($fq Hz, $lv dBm0)"
		else
			fail "$what: phone $1 heard $2's $hz Hz tone ($fq Hz, $lv dBm0)" \
				"${f:-no recording}: $a"
		fi
	done
}
# srtp_call WHAT FROM TO LEGS: FROM dials TO, who answers by itself; after
# 2 s of talk the channel carries packets both ways, LEGS of its legs SRTP;
# FROM hangs up 2 s later; each heard the other
srtp_call() {
	local what=$1 from=$2 to=$3 legs=$4 out
	if ! out=$(ctl $((3440 + from)) dial $to 2>&1); then
		fail "$what: $from dials $to" "ctrl_tcp: $out"
		return
	fi
	if wait_for 10 answered $from $to; then
		ok "$what: $from's call to $to answered"
	else
		fail "$what: $from's call to $to answered" "calls: $(sipjq -c .calls)" \
			"$(grep -E '^SIP/2.0 [0-9]+|m=audio|crypto' "$tmp/$from.log" | tail -5)"
		ctl $((3440 + from)) hangup >/dev/null 2>&1
		return
	fi
	sleep 2	# talk
	if wait_for 3 srtp_flows $legs; then
		ok "$what: packets both ways, $legs leg(s) SRTP, refusing 2 at most"
		gwctl chans | sed -n 's/^chan/# chan/p'
	else
		fail "$what: packets both ways, $legs leg(s) SRTP, refusing 2 at most" \
			"$(gwctl chans | head -3)"
	fi
	sleep 2	# talk on
	ctl $((3440 + from)) hangup >/dev/null 2>&1
	expect "$what: sipd has no call left up" wait_for 10 sipjq -e '.calls_up == 0'
	heard_each_other "$what" $from $to
}
# restart EXT PASSWORD SIP_PORT CTRL_PORT RTP_LO TONE [MEDIAENC]: the phone
# again, with another srtp mode
restart() {
	local pid
	eval "pid=\$pid_$1"
	ctl $4 quit >/dev/null 2>&1
	gone() { ! kill -0 "$pid" 2>/dev/null; }
	wait_for 5 gone || kill -TERM "$pid" 2>/dev/null
	phone "$@"
	start $1
	expect "phone $1 back (srtp: ${7:-none}), registered" wait_for 10 registered $1 $3
}

# [sip] srtp = optional (the default). 1004 speaks SRTP only (RTP/SAVP):
# sipd answers with SRTP and its own key, and offers 1002 (plain) RTP/AVP
# with crypto lines (best effort), which it answers plain: one leg SRTP
start 1004
expect "phone 1004 (SRTP only) registered" wait_for 10 registered 1004 5100
srtp_call "SRTP to plain" 1004 1002 1
check "1004's offer was RTP/SAVP with SDES keys, sipd's answer too" \
	test "$(grep -c 'RTP/SAVP' "$tmp/1004.log")" -ge 2
check "1002 was offered best-effort SRTP (RTP/AVP with crypto lines), answered plain" \
	sh -c "grep -q '^a=crypto:1 AES_CM_128_HMAC_SHA1_80' '$tmp/1002.log' &&
		! grep -q 'RTP/SAVP' '$tmp/1002.log'"
# 1002 back with best-effort SRTP (baresip's "srtp": crypto lines in
# RTP/AVP, taken when answered): now both legs of 1004's call are SRTP,
# 1002's in RTP/AVP; a plain caller's call to 1002 stays plain (sipd offers
# crypto only when the caller's leg is SRTP); and 1002's own best-effort
# offer is answered with SRTP, the plain callee's leg staying plain
restart 1002 pw1002 5080 4442 10100 600 srtp
srtp_call "SRTP to best effort" 1004 1002 2
check "... 1002's leg in RTP/AVP with SDES keys both ways" \
	sh -c "test \$(grep -c '^a=crypto:' '$tmp/1002.log') -ge 3 &&
		! grep -q 'RTP/SAVP' '$tmp/1002.log'"
srtp_call "plain to best effort" 1001 1002 0
srtp_call "best effort to plain" 1002 1001 1

# --- SRTP required: [sip] srtp = mandatory -------------------------------------------
# 1002 comes back speaking SRTP only; sipd, reloaded with srtp = mandatory,
# refuses 1001's plain offer (488) and offers 1002 RTP/SAVP when 1004 calls:
# both legs of the channel SRTP, each with its own keys
restart 1002 pw1002 5080 4442 10100 600 srtp-mand
printf '[sip]\nsrtp = mandatory\n' >>"$state/lab.ini"
r=$(gwctl sip reload 2>&1)
check "sipd reloaded with [sip] srtp = mandatory ($r)" test "${r%%:*}" = ok
refused0=$(sipjq .counters.bad_requests)
ctl 4441 dial 1002 >/dev/null 2>&1
refused488() { grep -q '^SIP/2.0 488' "$tmp/1001.log"; }
if wait_for 5 refused488; then
	ok "a plain offer (1001) is refused with 488 (bad_requests $refused0 -> $(sipjq .counters.bad_requests))"
else
	fail "a plain offer (1001) is refused with 488" \
		"$(grep -E '^SIP/2.0 [0-9]+' "$tmp/1001.log" | tail -3)"
fi
ctl 4441 hangup >/dev/null 2>&1
wait_for 5 sipjq -e '.calls_up == 0' >/dev/null
srtp_call "SRTP both legs" 1004 1002 2

# --- no SRTP: [sip] srtp = off ---------------------------------------------------------
# 1004's RTP/SAVP offer is refused (488); 1002, back with best-effort SRTP,
# calls 1001: its crypto lines are passed over, both legs plain
sed -i 's/^srtp = mandatory$/srtp = off/' "$state/lab.ini"
r=$(gwctl sip reload 2>&1)
check "sipd reloaded with [sip] srtp = off ($r)" test "${r%%:*}" = ok
ctl 4444 dial 1002 >/dev/null 2>&1
refused488_1004() { grep -q '^SIP/2.0 488' "$tmp/1004.log"; }
if wait_for 5 refused488_1004; then
	ok "an RTP/SAVP offer (1004) is refused with 488"
else
	fail "an RTP/SAVP offer (1004) is refused with 488" \
		"$(grep -E '^SIP/2.0 [0-9]+' "$tmp/1004.log" | tail -3)"
fi
ctl 4444 hangup >/dev/null 2>&1
wait_for 5 sipjq -e '.calls_up == 0' >/dev/null
kill -TERM "$pid_1004" 2>/dev/null
restart 1002 pw1002 5080 4442 10100 600 srtp
srtp_call "best effort, srtp = off" 1002 1001 0

# --- a wrong password ------------------------------------------------------------------
# Last, and one phone stopped as soon as it gives up: baresip answers each
# new 401 with new credentials, and sipd re-challenges a wrong answer, so
# the failures come in a burst that reaches [sip] auth_fail_limit (5) and
# blocks $LAN -- the address of the good phones too -- for auth_block_s.
fails0=$(sipjq .counters.auth_failures)
blocked0=$(sipjq .counters.auth_blocked)
start 1003
more_failures() { [ "$(sipjq .counters.auth_failures)" -gt "$fails0" ]; }
if wait_for 10 more_failures; then
	ok "wrong password for 1003 counted (auth_failures $fails0 -> $(sipjq .counters.auth_failures))"
else
	fail "wrong password for 1003 counted (auth_failures $fails0 -> $(sipjq .counters.auth_failures))" \
		"$(grep -E '^SIP/2.0 [0-9]+' "$tmp/1003.log" | tr '\n' ' ')"
fi
reg_failed() { grep -qE "reg: sip:1003@$GW: [0-9]{3}" "$tmp/1003.log"; }
wait_for 5 reg_failed
kill -TERM "$pid_1003" 2>/dev/null
check "1003 not registered" sipjq -e '.registrations | all(.extension != "1003")'
why=$(grep -oE "reg: sip:1003@$GW: [0-9]{3}[^(]*" "$tmp/1003.log" | head -1 |
	sed 's/ *$//')
check "phone 1003 was told its registration failed (${why:-nothing})" \
	grep -qE "reg: sip:1003@$GW: 4[0-9]{2}" "$tmp/1003.log"
echo "# 1003's answers:$(grep -E '^SIP/2.0 [0-9]+' "$tmp/1003.log" | sort | uniq -c |
	awk '{ $1 = $1 "x"; printf " %s;", $0 }')"
echo "# auth_blocked $blocked0 -> $(sipjq .counters.auth_blocked)"
good_registered() { registered 1001 5070 && registered 1002 5080; }
check "the good phones stay registered" good_registered
