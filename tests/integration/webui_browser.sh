#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The web UI in headless Chromium (Debian's chromium, driven by
# playwright-core from npm: tests/integration/webui/, installed by make
# deps) on the simulated board. The browser runs in the lab's lan
# namespace and reaches the gateway at http://198.18.0.10/ as a LAN host:
# it logs in, changes the MTU on the Network page (the RT side applies it:
# gwctl), adds an extension that a SIPp phone then registers with, sees a
# call between SIPp phones on the Calls page with live statistics, hangs
# it up there, sees its CDR delivered, restarts a partition. A screenshot
# of each page goes to build/test-logs/webui/.
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
export LAB_PREFIX="wb$$-"
lab=board/sim/lab
state=build/lab/$LAB_PREFIX
root=$PWD
shots=$root/build/test-logs/webui
cleanup() { $lab down >/dev/null 2>&1; finish; }
trap cleanup EXIT

for need in /usr/bin/chromium tests/integration/webui/node_modules/playwright-core; do
	if [ ! -e "$need" ]; then
		not_ok "$need is missing: run make deps"
		exit 1
	fi
done
mkdir -p "$shots"
rm -f "$shots"/*.png
if ! $lab up >"$tmp/up.log" 2>&1; then
	not_ok "lab up" "$(tail -20 "$tmp/up.log")"
	exit 1
fi
ok "lab up"
printf 'SEQUENTIAL\n1006;[authentication username=1006 password=pw1006];300;\n' \
	>"$tmp/creds.callee"
printf 'SEQUENTIAL\n1001;[authentication username=1001 password=pw1001];1006;\n' \
	>"$tmp/creds.caller"

$lab exec lan env HOME="$tmp" NODE_PATH="$root/tests/integration/webui/node_modules" \
	GW_URL="http://198.18.0.10/" GW=198.18.0.10 LAN=198.18.0.20 \
	SHOTS="$shots" TMP="$tmp" RTPPEER="$root/build/bin/rtppeer" \
	GWCTL="$root/build/bin/gwctl --run-dir $root/$state/run" \
	SIPP_REG="$(scen register)" \
	SIPP_UAS="$(scen uas RTP_PORT=7102 HOLD_MS=90000)" \
	SIPP_UAC="$(scen uac RTP_PORT=7100 HOLD_MS=90000)" \
	CREDS_CALLEE="$tmp/creds.callee" \
	CREDS_CALLER="$tmp/creds.caller" \
	timeout 240 node tests/integration/webui/webui_browser.js \
	>"$tmp/browser.out" 2>&1
rc=$?
while IFS= read -r line; do
	case $line in
	PASS\ *) ok "${line#PASS }" ;;
	FAIL\ *) not_ok "${line#FAIL }" ;;
	esac
done <"$tmp/browser.out"
if [ $rc -ne 0 ] && ! grep -q '^FAIL' "$tmp/browser.out"; then
	not_ok "the browser run ended with status $rc" "$(tail -5 "$tmp/browser.out")"
fi
n_shots=$(ls "$shots"/*.png 2>/dev/null | wc -l)
if [ "$n_shots" -ge 7 ]; then ok "a screenshot of each page ($n_shots in build/test-logs/webui/)"
else not_ok "screenshots" "$n_shots in $shots"; fi
