#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The PSTN simulator on the vtdm card: real processes, real shared memory.
# tests/tools/vtdmtest plays the dispatcher (it makes the card's region and
# hands it out on RUN_DIR/ctl.sock, request "vtdm") and the card side (the
# RT partition's part: clock, audio, signalling, DTMF detection, levels);
# pstnsim gets the region as it will from the dispatcher and is driven
# with `pstnsim cmd`. Nothing here touches the network.
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
trap finish EXIT
unset GW_CONFIG GW_BOARD GW_RUN_DIR
bin=build/bin
run=$tmp/run

pstn() { "$bin/pstnsim" cmd --run-dir "$run" "$@"; }
card() { "$bin/vtdmtest" card "$run" "$@"; }
# near VALUE TARGET TOLERANCE: |VALUE - TARGET| <= TOLERANCE
near() { awk -v v="$1" -v t="$2" -v d="$3" 'BEGIN { exit !(v != "" && v - t <= d && t - v <= d) }'; }
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" | head -1; }
# card_bg OUT ARGS...: a card run in the background, its pid in $cpid
card_bg() { local out=$1; shift; card "$@" >"$out" 2>&1 & cpid=$!; track $cpid; }
card_up() { pstn wait 1 card 3000 >/dev/null; }

# --- boot: the region from the control socket ----------------------------------
"$bin/vtdmtest" serve "$run" fxs:2,fxo:2,e1:30 >"$tmp/serve.log" 2>&1 &
track $!
srv=$!
wait_for 5 grep -q ready "$tmp/serve.log"
# vtdmtest plays the card at normal priority, not SCHED_FIFO as rtpart:
# on a loaded machine it falls tens of ms behind and then catches up at
# once; pstnsim's longest lead (100 ms, default 20) absorbs that
"$bin/pstnsim" --run-dir "$run" --ahead 100 >"$tmp/pstn.log" 2>&1 &
psim=$!
track $psim
if wait_for 5 test -S "$run/pstn.sock"; then
	ok "pstnsim got the card region from ctl.sock and listens on pstn.sock"
else
	not_ok "pstnsim up" "$(cat "$tmp/pstn.log")"
fi
st=$(pstn status)
check "status lists 34 lines and the card" \
	test "$(grep -c '^line ' <<<"$st")" = 34 -a "$(tail -1 <<<"$st")" = ok
check "line 3 is the CO line 5550100 on 1/0" grep -q '^line 3 1/0 fxo 5550100 state=idle' <<<"$st"
check "the E1 trunk's channels are 5550102-5550131" \
	grep -q '^line 34 2/29 e1 5550131 ' <<<"$st"
check "analog phones have no PSTN number" grep -q '^line 1 0/0 fxs - state=onhook' <<<"$st"

# --- DTMF from pstnsim, detected by the card ----------------------------------
card_bg "$tmp/c1" --for 6000 detect 1/0 '123#'
card_up
check "dial 123# on 5550100" pstn dial 5550100 '123#'
if wait $cpid && grep -q '^heard 1/0 123#$' "$tmp/c1"; then
	ok "the card detected 123# on 1/0 (SpanDSP dtmf_rx)"
else
	not_ok "the card detected 123# on 1/0" "$(cat "$tmp/c1")"
fi
# pstnsim runs at normal priority 20 ms ahead: under load the card may
# find it behind (timings are for make bench); the counters, for the log
sed -n 's/^counters/# card counters:/p' "$tmp/c1"
check "the card counts its ticks" grep -q '^counters ticks=[1-9]' "$tmp/c1"

# --- a phone goes off-hook and dials ----------------------------------------------
card_bg "$tmp/c2" --for 6000 expect 0/0 offhook detect 0/0 '4*9'
card_up
pstn offhook 1 >/dev/null && pstn dial 1 '4*9' >/dev/null
if wait $cpid; then ok "phone 1 off-hook and 4*9 seen by the card"
else not_ok "phone 1 off-hook and 4*9 seen by the card" "$(cat "$tmp/c2")"; fi
out=$(pstn dial 2 5 2>&1); rc=$?
check "dialling on an on-hook phone is refused (exit 1)" \
	test $rc = 1 -a -n "$(grep '^error: .*on-hook' <<<"$out")"

# --- a tone from pstnsim arrives at its frequency and level ------------------------
check "tone 1004 Hz at -13 dBm0 on 5550101" pstn tone 5550101 1004 -13
card --for 1500 measure 1/1 1004 >"$tmp/c3" 2>&1
m=$(grep '^measure 1/1' "$tmp/c3")
check "the card measures it at -13 dBm0 ($(field at_freq <<<"$m"))" \
	near "$(field at_freq <<<"$m")" -13 0.5
check "its peak is at 1004 Hz ($(field peak_hz <<<"$m"))" \
	near "$(field peak_hz <<<"$m")" 1004 2
check "its level is all in that tone ($(field level <<<"$m"))" \
	near "$(field level <<<"$m")" -13 0.5
pstn tone 5550101 off >/dev/null

# --- the reverse: the card sends, pstnsim records, the WAV is analysed ------------
card_bg "$tmp/c4" --for 4000 tone 2/0 440 -10
card_up
check "pstnsim hears the card's tone on 5550102 (wait level -12)" \
	pstn wait 5550102 level -12 3000
check "record 5550102" pstn record 5550102 "$tmp/rec.wav"
sleep 1
check "stop recording" pstn stop 5550102 record
wait $cpid
a=$("$bin/vtdmtest" analyse "$tmp/rec.wav" 440)
echo "# $a"
check "the recording holds about 1 s ($(field samples <<<"$a") samples)" \
	near "$(field samples <<<"$a")" 8000 2400
check "the recording is 440 Hz ($(field peak_hz <<<"$a"))" \
	near "$(field peak_hz <<<"$a")" 440 2
# power, not the tone's bin: a stalled pstnsim (it writes the file) lets
# the card overrun, which cuts samples out and breaks the phase
sed -n 's/^counters/# card counters:/p' "$tmp/c4"
check "at -10 dBm0 ($(field level <<<"$a"))" \
	near "$(field level <<<"$a")" -10 0.5

# --- and played back to the card ----------------------------------------------------
check "play the recording on 5550101, looped" pstn play 5550101 "$tmp/rec.wav" loop
card --for 1500 measure 1/1 440 >"$tmp/c5" 2>&1
m=$(grep '^measure 1/1' "$tmp/c5")
# the loop's seam breaks the phase: compare the power, not the tone's bin
check "the card hears it at -10 dBm0 ($(field level <<<"$m"))" \
	near "$(field level <<<"$m")" -10 0.5
check "at 440 Hz ($(field peak_hz <<<"$m"))" near "$(field peak_hz <<<"$m")" 440 2
pstn stop 5550101 >/dev/null

# --- DTMF from the card to pstnsim, on a line the gateway seized ------------------
card_bg "$tmp/c6" --for 4000 cmd 1/0 seize dial 1/0 5551234
if pstn wait 5550100 seized 5000 >/dev/null; then
	ok "pstnsim sees the gateway seize 5550100"
else
	not_ok "pstnsim sees the gateway seize 5550100" \
		"$(pstn status 5550100 2>&1)" "card: $(cat "$tmp/c6")"
fi
check "and hears 5551234 (wait digits)" pstn wait 5550100 digits 5551234 4000
check "answer: the far party picks up" pstn answer 5550100
wait $cpid
check "the card's release leaves the line idle" pstn wait 5550100 state idle 2000

# --- signalling both ways --------------------------------------------------------------
card_bg "$tmp/c7" --for 2000 cmd 0/1 ring-on
check "the gateway rings phone 2 (wait ringing)" pstn wait 2 ringing 3000
wait $cpid
check "the card gone, the phone stops ringing" pstn wait 2 not-ringing 2000

card_bg "$tmp/c8" --for 5000 expect 1/1 ring
card_up
check "ring 5550101 (CO rings the FXO line)" pstn ring 5550101
if wait $cpid; then ok "the card got RING on 1/1"
else not_ok "the card got RING on 1/1" "$(cat "$tmp/c8")"; fi
check "the caller gives up" pstn hangup 5550101

card_bg "$tmp/c9" --for 5000 expect 2/29 seize
card_up
check "ring 5550131 (the far exchange seizes E1 channel 2/29)" pstn ring 5550131
if wait $cpid; then ok "the card got SEIZE on 2/29"
else not_ok "the card got SEIZE on 2/29" "$(cat "$tmp/c9")"; fi
check "hang up 2/29" pstn hangup 2/29
out=$(pstn ring 1 2>&1); rc=$?
check "ringing a phone is refused with the reason (exit 1)" \
	test $rc = 1 -a -n "$(grep 'the gateway rings it' <<<"$out")"
out=$(pstn wait 5550100 ringing 100 2>&1); rc=$?
check "a wait that times out says so (exit 1)" \
	test $rc = 1 -a -n "$(grep '^error: timeout after 100 ms' <<<"$out")"

# --- stop, and start on an inherited fd --------------------------------------------------
kill -TERM $psim
if wait_for 5 sh -c "! kill -0 $psim 2>/dev/null"; then
	ok "pstnsim stops on SIGTERM"
else
	not_ok "pstnsim stops on SIGTERM"
fi
check "its socket is removed" test ! -e "$run/pstn.sock"
memfd=$(ls -l /proc/$srv/fd | awk '/memfd:gw-vtdm/ { print $9; exit }')
"$bin/pstnsim" --vtdm-fd 9 --socket "$tmp/p2.sock" 9<>/proc/$srv/fd/$memfd \
	>"$tmp/pstn2.log" 2>&1 &
track $!
if wait_for 5 test -S "$tmp/p2.sock"; then
	ok "pstnsim --vtdm-fd on an inherited region"
else
	not_ok "pstnsim --vtdm-fd on an inherited region" "$(cat "$tmp/pstn2.log")"
fi
check "it answers on --socket" "$bin/pstnsim" cmd --socket "$tmp/p2.sock" status 2/0
head -c 65536 /dev/zero >"$tmp/zero"
"$bin/pstnsim" --vtdm-fd 9 --socket "$tmp/p3.sock" 9<>"$tmp/zero" >"$tmp/pstn3.log" 2>&1
rc=$?
check "a region that is not a card is refused: $(tail -1 "$tmp/pstn3.log")" \
	test $rc = 1 -a -n "$(grep 'not a vtdm card region' "$tmp/pstn3.log")"
