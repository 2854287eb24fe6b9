#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fax through the gateway, as G.711 voiceband data and through T.38
# legs, against packet loss.
#
# On a lab without the SIP engine, two channels as a call has them (a
# card line with its echo canceller and answer tone detector, an RTP leg
# in G.711) carry a fax each way at once, as in tests/integration/voice.sh:
# on line 1/0 the line's machine sends a page to the RTP peer's (PCMU), on
# 1/1 the peer's machine sends one to the line's (PCMA); SpanDSP's fax
# terminals at both ends (board/sim/faxm.c), T.30 with error correction.
# For each loss rate of BENCH_FAX_LOSS (per thousand packets, each way,
# default "0 2 5 10"; the RTP peer in lan drops them at random, a fixed
# seed: this VM's kernel has no netem) figures:
#   bench.fax.loss_<P>.pages     pages that arrived row for row (of 2)
#   bench.fax.loss_<P>.seconds   the longer of the two fax calls
#   bench.fax.loss_<P>.rate_bps  the lower bit rate the machines settled on
# and a note with each machine's T.30 result. Then the same through T.38:
# the channels' second legs are T.38 gateways (media/t38leg.c) and the
# peer is a T.38 fax adapter (rtppeer --t38 3: UDPTL with 3 earlier IFP
# packets in each packet), for each loss rate of BENCH_FAX_T38_LOSS
# (default "0 10 50"): bench.fax.t38.loss_<P>.{pages,seconds,rate_bps}.
# A page takes about 25 s on a clean network; a failing call ends by
# T.30's own timers (up to a minute or so). Nothing is judged here: the
# figures say where G.711 fax stops working and how far T.38's redundancy
# carries on. About 4 minutes with the defaults, plus the wait for
# /tmp/voice-bench.lock (BENCH_LOCK_WAIT, tests/bench/lib.sh).
set -u
cd "$(dirname "$0")/../.." || exit 1
root=$PWD
bin=$root/build/bin
BENCH_NAME=fax BENCH_AREA=fax
. "$root/tests/bench/lib.sh"
lab=$root/board/sim/lab
P="bfx$$-"
GW=198.18.0.10 LAN=198.18.0.20
LOSSES=${BENCH_FAX_LOSS:-0 2 5 10}
T38_LOSSES=${BENCH_FAX_T38_LOSS:-0 10 50}

tmp=$(mktemp -d /tmp/bench-fax.XXXXXX)
pids=()
lab_is_up=0
failed=()
own_ns=()
trap cleanup EXIT
trap 'exit 130' INT TERM

pstn() { LAB_PREFIX=$P "$lab" pstn "$@"; }
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }

# one g711|t38 LOSS: a page each way at once, figures and a note
one() {
	local mode=$1 loss=$2 t0 pa pb la lb pages=0 ra rb fp
	local lega legb peera peerb
	if [ "$mode" = t38 ]; then
		lega="tdm:1/0 t38:16400:$LAN:40100"
		legb="tdm:1/1 t38:16402:$LAN:40102"
		peera="--t38 3" peerb="--t38 3" fp="t38.loss_$loss"
	else
		lega="tdm:1/0,ec=64,vbd rtp:16400:$LAN:40100,codec=pcmu"
		legb="tdm:1/1,ec=64,vbd rtp:16402:$LAN:40102,codec=pcma"
		peera="--codec pcmu" peerb="--codec pcma" fp="loss_$loss"
	fi
	"$bin/faxpage" make "$tmp/a.tif" 1 $((loss + 1))
	"$bin/faxpage" make "$tmp/b.tif" 1 $((loss + 100))
	rm -f "$tmp/a-got.tif" "$tmp/b-got.tif"
	# shellcheck disable=SC2086 # the legs are words
	if ! gwctl chan open 1 $lega >/dev/null ||
	   ! gwctl chan open 2 $legb >/dev/null; then
		fail "$mode loss $loss" "channels not opened"
		return
	fi
	t0=$SECONDS
	pstn fax 1/0 send "$tmp/a.tif" call >/dev/null
	pstn fax 1/1 receive "$tmp/b-got.tif" answer >/dev/null
	# shellcheck disable=SC2086
	ip netns exec "${P}lan" "$bin/rtppeer" --local $LAN:40100 \
		--remote $GW:16400 $peera --seconds 110 --loss "$loss" \
		--fax-receive "$tmp/a-got.tif" >"$tmp/a.out" 2>&1 &
	pids+=($!)
	# shellcheck disable=SC2086
	ip netns exec "${P}lan" "$bin/rtppeer" --local $LAN:40102 \
		--remote $GW:16402 $peerb --seconds 110 --loss "$loss" \
		--fax-send "$tmp/b.tif" --fax-role call >"$tmp/b.out" 2>&1 &
	pids+=($!)
	wait "${pids[@]}"
	pids=()
	pstn wait 1/0 fax-done 10000 >/dev/null
	pstn wait 1/1 fax-done 10000 >/dev/null
	la=$(pstn fax 1/0 | head -1) lb=$(pstn fax 1/1 | head -1)
	pa=$(cat "$tmp/a.out") pb=$(cat "$tmp/b.out")
	grep -q 'fax=ok dir=receive pages=1 ' <<<"$pa" &&
		"$bin/faxpage" cmp "$tmp/a.tif" "$tmp/a-got.tif" >/dev/null 2>&1 &&
		pages=$((pages + 1))
	grep -q 'fax=ok dir=receive pages=1 ' <<<"$lb" &&
		"$bin/faxpage" cmp "$tmp/b.tif" "$tmp/b-got.tif" >/dev/null 2>&1 &&
		pages=$((pages + 1))
	ra=$(field rate <<<"$pa") rb=$(field rate <<<"$lb")
	fig "$fp.pages" $pages pages
	fig "$fp.seconds" $((SECONDS - t0)) s
	fig "$fp.rate_bps" $(( ${ra:-0} < ${rb:-0} ? ${ra:-0} : ${rb:-0} )) bit/s
	note "fax $mode loss $loss/1000: line -> peer: $(grep -o 'fax=.*' <<<"$la") | $(grep -o 'fax=.*' <<<"$pa") (lost $(field lost_tx <<<"$pa") sent, $(field lost_rx <<<"$pa") received)"
	note "fax $mode loss $loss/1000: peer -> line: $(grep -o 'fax=.*' <<<"$pb") (lost $(field lost_tx <<<"$pb") sent, $(field lost_rx <<<"$pb") received) | $(grep -o 'fax=.*' <<<"$lb")"
	gwctl chan close 1 >/dev/null
	gwctl chan close 2 >/dev/null
	pstn stop 1/0 >/dev/null
	pstn stop 1/1 >/dev/null
}

bench_lock
if ! LAB_PREFIX=$P LAB_SIP=off "$lab" up >"$tmp/lab.log" 2>&1; then
	fail lab "$(tail -3 "$tmp/lab.log")"
	exit 1
fi
lab_is_up=1
pstn wait 1/0 card 5000 >/dev/null || { fail lab "the card's clock does not run"; exit 1; }
for loss in $LOSSES; do
	one g711 "$loss"
done
for loss in $T38_LOSSES; do
	one t38 "$loss"
done
[ ${#failed[@]} -eq 0 ]
