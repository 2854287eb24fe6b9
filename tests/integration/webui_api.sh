#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The web UI's REST API on the simulated board, from a host of the LAN
# (curl in the lan namespace to http://198.18.0.10/): requests without a
# login, with a wrong password or without the CSRF token are refused;
# malformed JSON and out-of-range values are refused with a clear message
# and change nothing (neither the RT side nor the configuration file);
# an MTU set through the API is applied by the RT side (gwctl status); an
# extension added through the API is live at once (a SIPp phone registers
# with it, no reload by hand); logins are rate-limited per address;
# backup and restore check what they restore; the changes survive a
# reboot of the appliance.
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
export LAB_PREFIX="wa$$-"
lab=board/sim/lab
state=build/lab/$LAB_PREFIX
GW=198.18.0.10
LAN=198.18.0.20
OTHER=198.18.0.21	# a second address in lan, for the rate limit
cleanup() { $lab down >/dev/null 2>&1; finish; }
trap cleanup EXIT

gwctl() { build/bin/gwctl --run-dir "$state/run" "$@"; }
# api METHOD PATH [BODY] [CURL ARGS...]: HTTP status on stdout, body in
# $tmp/body, headers in $tmp/hdr; the session's cookie and CSRF token
# (after login) go with it
csrf=""
api() {
	local m=$1 p=$2 body=${3-}
	shift 3 2>/dev/null || shift $#
	local args=(-s -m 20 -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}'
		    -b "$tmp/cj" -c "$tmp/cj" -X "$m")
	[ -n "$csrf" ] && args+=(-H "X-CSRF-Token: $csrf")
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json'
				 --data-binary "$body")
	$lab exec lan curl "${args[@]}" "$@" "http://$GW$p"
}
# jq on the last body
j() { jq -r "$1" "$tmp/body" 2>/dev/null; }
# expect DESC STATUS METHOD PATH [BODY]: the status, and show the body when
# it is not
expect() {
	local desc=$1 want=$2 got
	shift 2
	got=$(api "$@")
	if [ "$got" = "$want" ]; then ok "$desc ($want)"
	else not_ok "$desc" "wanted $want, got $got: $(head -c 300 "$tmp/body")"; fi
}
rt_mtu() { gwctl status | sed -n 's/^shared interface (RT side):.* mtu \([0-9]*\).*/\1/p'; }
login() {
	local code
	code=$(api POST /api/login "{\"username\":\"admin\",\"password\":\"${1:-lab-admin}\"}")
	csrf=$(j .csrf)
	[ "$code" = 200 ] && [ -n "$csrf" ]
}
register() {	# register USER PASSWORD PORT: a SIPp phone in lan
	local f=$tmp/reg.$RANDOM.xml c=$tmp/creds.$RANDOM
	sed -e 's|@STATUS@|200|' -e 's|@NAT_PORT@|[local_port]|' tests/integration/sip/register.xml >"$f"
	printf 'SEQUENTIAL\n%s;[authentication username=%s password=%s];300;\n' \
		"$1" "$1" "$2" >"$c"
	$lab exec lan timeout 20 sipp -sf "$f" -m 1 -i $LAN -p "$3" -nostdin \
		-inf "$c" -trace_err -error_file "$tmp/reg$1.err" "$GW:5060" \
		>"$tmp/reg$1.out" 2>&1
}

if ! $lab up >"$tmp/up.log" 2>&1; then
	not_ok "lab up" "$(tail -20 "$tmp/up.log")"
	exit 1
fi
ok "lab up"
$lab exec lan ip addr add $OTHER/24 dev eth0
check "webd runs as a partition" wait_for 10 sh -c \
	"build/bin/gwctl --run-dir '$state/run' status | grep -q '^part webd .*state=running'"
check "the UI answers on port 80 from lan" wait_for 10 sh -c \
	"$lab exec lan curl -sf -m 2 http://$GW/ | grep -qi '<html'"

# --- without a login -------------------------------------------------------------
expect "status without a login is refused" 401 GET /api/status
check "with a JSON reason" test "$(j .error)" = "login required (POST /api/login)"
expect "a network change without a login is refused" 401 PUT /api/network '{"mtu":1400}'
expect "metrics without a login are refused" 401 GET /metrics
expect "a hang-up without a login is refused" 401 DELETE /api/calls/1
expect "wrong password" 401 POST /api/login '{"username":"admin","password":"nope"}'
check "says why" test "$(j .error)" = "wrong user name or password"
expect "login with malformed JSON" 400 POST /api/login '{"username":"admin",'
check "the API logs in as admin / lab-admin" login
if grep -qi '^set-cookie: gw_session=[0-9a-f]\{64\}; Path=/; HttpOnly; SameSite=Strict' "$tmp/hdr"
then ok "session cookie is HttpOnly and SameSite=Strict"
else not_ok "session cookie flags" "$(grep -i set-cookie "$tmp/hdr")"; fi

# --- status ------------------------------------------------------------------------
expect "GET /api/status" 200 GET /api/status
check "partitions listed, rtpart running" test "$(j '.partitions[] | select(.name=="rtpart") | .state')" = running
check "RT tasks with lateness histograms" test "$(j '[.rt.tasks[] | select(.hist | length > 0)] | length')" -gt 0
check "five bus rings with drops" test "$(j '[.rings[] | .drop_full] | length')" = 5
check "classifier counters" test "$(j '[.rt.counters | keys[] | select(startswith("cls."))] | length')" -gt 0
check "the SIP engine's registrations" test "$(j '.sip.registrations | type')" = array
expect "GET /metrics with the session" 200 GET /metrics
check "metrics carry the RT counters" grep -q '^gateway_counter{name="bus.frames-up.drop_full"} ' "$tmp/body"
check "metrics carry the partitions" grep -q '^gateway_partition_up{name="sipd"} 1' "$tmp/body"

# --- live calls: channels opened by hand, a card line's canceller, T.38 --------
gwctl chan open 90 tdm:2/28,ec=64 rtp:16420:$LAN:7104,codec=pcmu >/dev/null
gwctl chan open 91 tdm:2/29 t38:16430:$LAN:7106 >/dev/null
ch() { jq -r ".channels[] | select(.id==$1) | $2" "$tmp/body" 2>/dev/null; }
idle_90() {
	test "$(api GET /api/calls)" = 200 &&
	test "$(ch 90 '.legs[0].ec_idle_pct')" -ge 50 2>/dev/null
}
check "GET /api/calls lists the channels no call owns" wait_for 10 idle_90
check "a card line's leg: span, line, a canceller of 64 ms or more ($(ch 90 .legs[0].ec_tail_ms) ms)" \
	test "$(ch 90 '.legs[0] | [.kind, .span, .line, .ec_tail_ms >= 64] | join(" ")')" = "tdm 2 28 true"
check "no ERLE estimate before the far end speaks (null), the canceller idle ($(ch 90 .legs[0].ec_idle_pct) %)" \
	test "$(ch 90 '.legs[0] | [(.erle_db | type), (.ec_idle_pct <= 100)] | join(" ")')" = "null true"
check "a line without a canceller says nothing of one" \
	test "$(ch 91 '.legs[0] | keys | join(" ")')" = "kind line span"
check "a T.38 leg: its port, nothing received, no page" \
	test "$(ch 91 '.legs[1] | [.kind, .local_port, .rx_packets, .lost, .pages, (.tx_packets | type)] | join(" ")')" = "t38 16430 0 0 0 number"
gwctl chan close 90 >/dev/null
gwctl chan close 91 >/dev/null
no_chans() { test "$(api GET /api/calls)" = 200 && test "$(j '.channels | length')" = 0; }
check "closed, they are gone" wait_for 10 no_chans

# --- refused changes change nothing -----------------------------------------------
sum0=$(md5sum <"$state/lab.ini")
mtu0=$(rt_mtu)
saved=$csrf; csrf=""
expect "a change without the CSRF token is refused" 403 PUT /api/network '{"mtu":1400}'
csrf=0000000000000000000000000000000000000000000000000000000000000000
expect "a change with a wrong CSRF token is refused" 403 PUT /api/network '{"mtu":1400}'
csrf=$saved
expect "malformed JSON is refused" 400 PUT /api/network '{"mtu":1400'
check "with a clear message" grep -q 'not valid JSON' "$tmp/body"
expect "an out-of-range MTU is refused" 400 PUT /api/network '{"mtu":99999}'
check "the message names the range" test "$(j .error)" = '[net] mtu: "99999" is out of range 576..9216'
check "the field is mtu" test "$(j .field)" = mtu
expect "an MTU that is not a number is refused" 400 PUT /api/network '{"mtu":"big"}'
expect "an unknown field is refused" 400 PUT /api/network '{"mtu":1400,"speed":10}'
check "the field is named" test "$(j .field)" = speed
expect "a gateway outside the subnet is refused" 400 PUT /api/network '{"gateway":"10.9.9.9"}'
check "the configuration file is unchanged" test "$(md5sum <"$state/lab.ini")" = "$sum0"
check "the RT side's MTU is unchanged ($mtu0)" test "$(rt_mtu)" = 1500

# --- the network ------------------------------------------------------------------
expect "PUT /api/network mtu 1400" 200 PUT /api/network '{"mtu":1400}'
check "eth0 has MTU 1400" test "$(j .linux.mtu)" = 1400
if wait_for 5 sh -c "build/bin/gwctl --run-dir '$state/run' status | grep -q 'RT side).* mtu 1400 '"
then ok "the RT side applied MTU 1400 (gwctl status)"
else not_ok "the RT side applied MTU 1400" "$(gwctl status | grep 'RT side')"; fi
check "the change is in the configuration file" grep -q '^mtu = 1400$' "$state/lab.ini"
expect "GET /api/network" 200 GET /api/network
check "shows the RT side's settings" test "$(j .rt.mtu)" = 1400
check "shows the port partition" test "$(j .ports.rt_config)" = "7,16384-32767"

# --- extensions --------------------------------------------------------------------
expect "a bad extension number is refused" 400 POST /api/extensions '{"number":"10a5","password":"x"}'
check "the field is number" test "$(j .field)" = number
expect "a SIP extension needs a password" 400 POST /api/extensions '{"number":"1005"}'
check "the field is password" test "$(j .field)" = password
expect "an existing number is refused" 409 POST /api/extensions '{"number":"1001","password":"x"}'
expect "a line break in a value is refused" 400 POST /api/extensions '{"number":"1005","password":"a\n[net]"}'
check "the configuration file is unchanged" sh -c "! grep -q 'extension 1005' '$state/lab.ini'"
expect "POST /api/extensions 1005" 201 POST /api/extensions '{"number":"1005","password":"pw1005","display":"Web 1005"}'
check "applied by the SIP engine at once" test "$(j .applied)" = true
check "the password is not sent back" test "$(j '.password // "none"')" = none
if register 1005 pw1005 5090; then ok "a SIPp phone registers as 1005 (no reload by hand)"
else not_ok "1005 registers" "$(tail -3 "$tmp/reg1005.err" 2>/dev/null)"; fi
expect "GET /api/extensions" 200 GET /api/extensions
check "1005 is listed as registered" test "$(j '.[] | select(.number=="1005") | .registered')" = true
expect "PUT /api/extensions/1005" 200 PUT /api/extensions/1005 '{"display":"Reception"}'
check "the password was kept" test "$(j .password_set)" = true
expect "an extension a DID rings cannot be removed" 409 DELETE /api/extensions/1001
check "the message says which" grep -q 'did 5551001' "$tmp/body"
expect "a route to a trunk that does not exist is refused" 400 POST /api/routes '{"name":"r9","pattern":"9X.","trunk":"nosuch"}'

# --- system ------------------------------------------------------------------------
expect "GET /api/system/logs" 200 GET '/api/system/logs?lines=50'
check "the log holds webd's lines" test "$(j '[.lines[] | select(test("webd"))] | length')" -gt 0
expect "GET /api/system/config (backup)" 200 GET /api/system/config
cp "$tmp/body" "$tmp/backup.ini"
check "the backup holds the changes" grep -q '^\[extension 1005\]' "$tmp/backup.ini"
sum1=$(md5sum <"$state/lab.ini")
expect "a restore that does not load is refused" 400 PUT /api/system/config "$(printf '[net]\nmtu = 100\n')"
check "with the line and the reason" test "$(j .error)" = 'line 2: [net] mtu: "100" is out of range 576..9216'
check "the configuration file is unchanged" test "$(md5sum <"$state/lab.ini")" = "$sum1"
expect "the backup restores" 200 PUT /api/system/config "$(cat "$tmp/backup.ini")"
expect "a wrong current password is refused" 403 PUT /api/system/password '{"current":"x","new":"another-pass"}'
expect "restart an unknown partition" 404 POST /api/system/restart/nosuch
expect "restart sipd from the API" 202 POST /api/system/restart/sipd
check "sipd restarted" wait_for 10 sh -c \
	"build/bin/gwctl --run-dir '$state/run' status | grep -q '^part sipd .*state=running restarts=1'"
check "1005 registers with the restarted sipd" wait_for 10 register 1005 pw1005 5092

# --- the rate limit ----------------------------------------------------------------
for i in 1 2 3 4 5; do
	$lab exec lan curl -s -m 10 -o /dev/null --interface $OTHER -X POST \
		--data '{"username":"admin","password":"guess'$i'"}' http://$GW/api/login
done
code=$($lab exec lan curl -s -m 10 -o "$tmp/body" -D "$tmp/hdr" -w '%{http_code}' \
	--interface $OTHER -X POST --data '{"username":"admin","password":"lab-admin"}' \
	http://$GW/api/login)
if [ "$code" = 429 ] && grep -qi '^retry-after: [0-9]' "$tmp/hdr"; then
	ok "the 6th login from one address is refused, even right (429, Retry-After)"
else
	not_ok "login rate limit" "got $code: $(cat "$tmp/body")"
fi
check "another address still logs in" login

# --- a reboot --------------------------------------------------------------------------
if $lab reboot >"$tmp/reboot.log" 2>&1; then ok "the appliance reboots"
else not_ok "reboot" "$(tail -10 "$tmp/reboot.log")"; fi
check "webd is back" wait_for 15 sh -c "$lab exec lan curl -sf -m 2 http://$GW/ >/dev/null"
expect "the old session is gone" 401 GET /api/status
check "logs in again" login
expect "GET /api/extensions after the reboot" 200 GET /api/extensions
check "1005 survived the reboot" test "$(j '.[] | select(.number=="1005") | .display')" = Reception
check "eth0 was made anew with MTU 1400" test "$($lab exec gw cat /sys/class/net/eth0/mtu)" = 1400
check "the RT side runs with MTU 1400" wait_for 5 sh -c \
	"build/bin/gwctl --run-dir '$state/run' status | grep -q 'RT side).* mtu 1400 '"
check "1005 registers after the reboot" wait_for 10 register 1005 pw1005 5094
expect "logout" 200 POST /api/logout
expect "the session ends with it" 401 GET /api/status
