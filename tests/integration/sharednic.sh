#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The shared NIC on the simulated board: from lan, one machine with one MAC
# and one IP; UDP for RT ports handled by the RT partition, everything else by
# Linux; eth0's settings followed by the RT side; bad frames counted.
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
export LAB_PREFIX="t3n$$-"
lab=board/sim/lab
state=build/lab/$LAB_PREFIX
tool=$PWD/tests/integration/nettool.py
GW=198.18.0.10
cleanup() { $lab down >/dev/null 2>&1; finish; }
trap cleanup EXIT

gwctl() { build/bin/gwctl --run-dir "$state/run" "$@"; }
counter() { gwctl counters | awk -v k="$1" '$1 == k { print $2 }'; }
in_lan() { $lab exec lan "$@"; }
in_gw() { $lab exec gw "$@"; }
udp_snmp() {	# Linux's UDP counter $1 in gw (InDatagrams, NoPorts, ...)
	in_gw awk -v k="$1" '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) c[$i] = i; h = 1 } else print $c[k] }' /proc/net/snmp
}

if ! $lab up >"$tmp/up.log" 2>&1; then
	not_ok "lab up" "$(cat "$tmp/up.log")"
	exit 1
fi
ok "lab up: the gateway answers"

# --- one machine, one IP, one MAC ------------------------------------------------
out=$(in_lan ping -c 5 -i 0.2 -W 1 $GW 2>&1)
check "ping answered for each of 5 requests" grep -q '5 packets transmitted, 5 received' <<<"$out"
check "ping answered exactly once (no duplicates)" test -z "$(grep DUP <<<"$out")"
mac_rt=$(in_lan ip neigh show $GW | awk '{ print $5 }')
check "lan learned the shared MAC 02:00:5e:12:00:10" test "$mac_rt" = 02:00:5e:12:00:10

# --- UDP: RT ports to the RT partition, the rest to Linux ------------------------
in0=$(udp_snmp InDatagrams); np0=$(udp_snmp NoPorts)
e0=$(counter rtstack.echo_replies)
got=$(in_lan python3 $tool udp-echo $GW 7 20)
check "UDP echo on RT port 7: 20 of 20 answered (got $got)" test "$got" = 20
sleep 0.3
check "RT stack counted the 20 echoes" test $(( $(counter rtstack.echo_replies) - e0 )) -ge 20
check "Linux never saw them (UDP InDatagrams unchanged)" test "$(udp_snmp InDatagrams)" = "$in0"
check "Linux never saw them (UDP NoPorts unchanged)" test "$(udp_snmp NoPorts)" = "$np0"
n0=$(counter rtnet.rt_no_listener)
in_lan python3 $tool udp-echo $GW 16500 3 >/dev/null
sleep 0.3
check "UDP to an RT port without a listener dropped and counted" \
	test $(( $(counter rtnet.rt_no_listener) - n0 )) -ge 3
check "... and not forwarded to Linux" test "$(udp_snmp NoPorts)" = "$np0"

in_gw python3 $tool udp-server 0.0.0.0 9999 6 &
srv=$!; track $srv
sleep 0.5
got=$(in_lan python3 $tool udp-echo $GW 9999 10)
check "UDP to Linux port 9999 answered by Linux (got $got of 10)" test "$got" = 10

# --- receive moderation ([net] rx_moderation) ----------------------------------------
# a burst is taken at the net task's runs, not with a wake-up a frame; once it
# is over, a lone frame wakes the task again
p0=$(counter rtnet.rx_polled)
out=$(in_lan "$PWD/build/bin/udpprobe" -r 20000 -c 4000 -n burst $GW 7)
got=$(awk '$1 == "bench.burst.received:" { print $2 }' <<<"$out")
check "a burst of 4000 UDP echoes at 20 000/s: all answered (got ${got:-0})" test "${got:-0}" = 4000
sleep 0.3
p1=$(counter rtnet.rx_polled)
check "... some taken by runs the frames did not wake ($((p1 - p0)) runs)" test $((p1 - p0)) -gt 0
for _ in 1 2 3 4 5; do
	in_lan python3 $tool udp-echo $GW 7 1 >/dev/null
	sleep 0.1
done
sleep 0.3
p2=$(counter rtnet.rx_polled)
check "after it, 5 lone echoes each woke the task (runs not woken: $((p2 - p1)), at most 2)" \
	test $((p2 - p1)) -le 2

# --- TCP to the Linux partition ---------------------------------------------------
mkdir -p "$tmp/www"; head -c 200000 /dev/urandom >"$tmp/www/blob"
in_gw python3 -m http.server 8080 --bind $GW --directory "$tmp/www" >/dev/null 2>&1 &
web=$!; track $web
wait_for 5 in_lan python3 $tool http-get http://$GW:8080/blob
got=$(in_lan python3 $tool http-get http://$GW:8080/blob)
check "HTTP over TCP from lan to Linux: 200000 bytes (got $got)" test "$got" = 200000

in_gw iperf3 -s -1 -B $GW -p 5201 >/dev/null 2>&1 &
ip3=$!; track $ip3
wait_for 5 sh -c "ip netns exec ${LAB_PREFIX}gw ss -ltn | grep -q ':5201 '"
got=$(in_lan iperf3 -c $GW -p 5201 -t 1 -J 2>/dev/null |
	python3 -c 'import json,sys; print(int(json.load(sys.stdin)["end"]["sum_received"]["bytes"]))' 2>/dev/null)
check "TCP upload from lan into the Linux partition (iperf3: ${got:-0} bytes)" \
	test "${got:-0}" -gt 1000000

# --- ARP: both partitions learn lan's MAC -------------------------------------------
mac_lan=$(in_lan cat /sys/class/net/eth0/address)
check "Linux learned lan's MAC" grep -q "198.18.0.20 .*$mac_lan" <<<"$(in_gw ip neigh)"
check "RT stack learned lan's MAC" grep -q "198.18.0.20 $mac_lan" <<<"$(gwctl arp)"

# --- the port partition -------------------------------------------------------------
check "Linux cannot bind RT port 16384 (EADDRINUSE)" test "$(in_gw python3 $tool bind 16384)" = EADDRINUSE
check "Linux cannot bind RT port 7 (EADDRINUSE)" test "$(in_gw python3 $tool bind 7)" = EADDRINUSE
check "Linux can bind its own port 5061" test "$(in_gw python3 $tool bind 5061)" = ok

# --- eth0's settings followed by the RT side --------------------------------------------
in_gw ip link set eth0 mtu 1400
check "MTU 1400 applied by the RT side within a second" \
	wait_for 1 sh -c "build/bin/gwctl --run-dir $state/run status | grep -q 'mtu 1400'"
in_gw ip link set eth0 mtu 1500
in_gw ip addr del $GW/24 dev eth0
in_gw ip addr add 198.18.0.11/24 dev eth0
check "new address applied by the RT side within a second" \
	wait_for 1 sh -c "build/bin/gwctl --run-dir $state/run status | grep -q 'address 198.18.0.11/24'"
check "new address answers ping (RT)" in_lan ping -c 2 -i 0.2 -W 1 -q 198.18.0.11
check "new address answers UDP echo (RT)" test "$(in_lan python3 $tool udp-echo 198.18.0.11 7 3)" = 3
in_gw python3 -m http.server 8081 --bind 198.18.0.11 --directory "$tmp/www" >/dev/null 2>&1 &
web2=$!; track $web2
wait_for 5 in_lan python3 $tool http-get http://198.18.0.11:8081/blob
check "new address answers TCP (Linux)" test "$(in_lan python3 $tool http-get http://198.18.0.11:8081/blob)" = 200000
check "old address answers no ping" sh -c "! ip netns exec ${LAB_PREFIX}lan ping -c 2 -i 0.2 -W 1 -q $GW"
check "old address answers no UDP echo" test "$(in_lan python3 $tool udp-echo $GW 7 2)" = 0
in_gw ip link set eth0 address 02:00:5e:12:00:99
check "new MAC applied by the RT side within a second" \
	wait_for 1 sh -c "build/bin/gwctl --run-dir $state/run status | grep -q 'mac 02:00:5e:12:00:99'"
in_lan ip neigh flush dev eth0
in_lan ping -c 1 -W 1 -q 198.18.0.11 >/dev/null
check "lan sees the new MAC" test "$(in_lan ip neigh show 198.18.0.11 | awk '{ print $5 }')" = 02:00:5e:12:00:99
in_gw ip addr del 198.18.0.11/24 dev eth0
in_gw ip addr add $GW/24 dev eth0
in_gw ip link set eth0 address 02:00:5e:12:00:10
wait_for 2 sh -c "build/bin/gwctl --run-dir $state/run status | grep -q 'address $GW/24'"

# --- killing the proxy: RT keeps answering, the dispatcher restores Linux ------------------
pp=$(gwctl status | sed -n 's/^part netproxy pid=\([0-9]*\).*/\1/p')
kill -KILL "$pp"
got=$(in_lan python3 $tool udp-echo $GW 7 5)
check "RT echo answers while the proxy is down (got $got of 5)" test "$got" = 5
check "dispatcher restarts the proxy" wait_for 5 sh -c \
	"build/bin/gwctl --run-dir $state/run status | grep -q 'part netproxy .*state=running restarts=1'"
check "Linux path restored: HTTP works again" wait_for 5 in_lan python3 $tool http-get http://$GW:8080/blob

# --- bad frames ---------------------------------------------------------------------------------
in_lan ip link set eth0 mtu 9216
b0=$(counter cls.reason.bad_ip); u0=$(counter cls.reason.bad_udp)
o0=$(counter rtnet.rx_oversize); v0=$(counter cls.reason.vlan)
sent=$(in_lan python3 $tool raw eth0 02:00:5e:12:00:10)
in_lan ip link set eth0 mtu 1500
sleep 0.3
check "10 malformed frames sent from lan (sent $sent)" test "$sent" = 10
# (a runt cannot be sent: the kernel refuses frames shorter than an Ethernet
# header; the classifier's unit tests and fuzz target cover it)
check "bad IPv4 headers counted" test $(( $(counter cls.reason.bad_ip) - b0 )) -ge 3
check "truncated UDP counted" test $(( $(counter cls.reason.bad_udp) - u0 )) -ge 2
check "VLAN frame counted" test $(( $(counter cls.reason.vlan) - v0 )) -ge 1
check "oversized frame counted" test $(( $(counter rtnet.rx_oversize) - o0 )) -ge 1
check "after the garbage: ping still answered" in_lan ping -c 2 -i 0.2 -W 1 -q $GW
check "after the garbage: RT echo still answers" test "$(in_lan python3 $tool udp-echo $GW 7 3)" = 3
check "RT partition never restarted" grep -q 'part rtpart .*restarts=0' <<<"$(gwctl status)"
check "no allocation by RT threads from the C heap" grep -q 'after start: 0' <<<"$(gwctl status)"
gwctl status | sed 's/^/# /'
