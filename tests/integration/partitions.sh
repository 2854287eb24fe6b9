#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The dispatcher boots the partitions on the proxy bus, supervises them and
# answers gwctl: real processes, real SCHED_FIFO, real shared memory. Each
# dispatcher runs in a network namespace of its own (unshare), with a TAP as
# the RT partition's NIC: nothing here touches the machine's network.
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
trap finish EXIT
unset GW_CONFIG GW_BOARD GW_RUN_DIR
bin=build/bin

gwctl() { "$bin/gwctl" --run-dir "$run" "$@"; }
field() { sed -n "s/^part rtpart .*$1=\([^ ]*\).*/\1/p"; }
part() { gwctl status 2>/dev/null | field "$1"; }

# --- boot ------------------------------------------------------------------
# the spool, the password file and the log in $tmp, not the machine's;
# the spool's parents do not exist yet, as on a first boot
printf '[net]\nnic = tap\nnic_ifname = rtnic0\n[billing]\nspool_dir = %s\n[web]\npasswd_file = %s\nlog_file = %s\n' \
	"$tmp/var/spool/gateway/billing" "$tmp/web-passwd" "$tmp/gateway.log" >"$tmp/p.ini"
run=$tmp/run
unshare --net "$bin/dispatcher" --config "$tmp/p.ini" --run-dir "$run" \
	>"$tmp/disp.log" 2>&1 &
disp=$!
track $disp
if wait_for 10 sh -c "'$bin/gwctl' --run-dir '$run' status | grep -q 'rt partition'"; then
	ok "dispatcher up, rtpart running, status page published"
else
	not_ok "dispatcher up" "$(cat "$tmp/disp.log")"
fi
stats_ran() { "$bin/gwctl" --run-dir "$run" status | awk '$1 == "stats" && $4 > 0 { f = 1 } END { exit !f }'; }
wait_for 10 stats_ran
st=$(gwctl status)
echo "$st" | sed 's/^/# /'
check "rtpart state running" test "$(echo "$st" | field state)" = running
check "every part started at the first try (none restarted)" \
	test "$(echo "$st" | grep '^part ' | grep -vc ' restarts=0 ')" = 0
check "the spool made with its parents" test -d "$tmp/var/spool/gateway/billing/incoming"
if [ "$(id -u)" = 0 ]; then
	check "RT tasks run SCHED_FIFO as root" grep -q 'SCHED_FIFO' <<<"$st"
	check "RT memory is locked as root" grep -q 'memory locked' <<<"$st"
fi
check "no allocation by RT tasks after start" \
	grep -q 'allocations by RT tasks after start: 0' <<<"$st"
for t in watchdog net media stats; do
	runs=$(echo "$st" | awk -v t=$t '$1 == t && $2 ~ /^[0-9]+$/ { print $4 }')
	check "task $t has run ($runs runs)" test "${runs:-0}" -gt 0
done
check "heartbeat is fresh" test "$(echo "$st" | field heartbeat_ms)" -lt 1000
check "every bus ring listed" test "$(echo "$st" | grep -cE \
	'^  (frames-up|frames-down|netcfg|msg-up|msg-down) ')" -eq 5

c=$(gwctl counters)
check "counters include ring drops" grep -q '^bus.frames-up.drop_full 0$' <<<"$c"
check "counters include task misses" grep -q '^rt.task.media.missed ' <<<"$c"
check "counters include the media plane's" grep -q '^media.requests 0$' <<<"$c"
check "tasks shows lateness histograms" grep -q '^lateness media' <<<"$(gwctl tasks)"

# --- supervision -----------------------------------------------------------
pid=$(part pid)
kill -KILL "$pid"
# rtpart's line: another part's restart must not pass for it
if wait_for 5 sh -c "'$bin/gwctl' --run-dir '$run' status | grep -q '^part rtpart .*state=running restarts=1 '"; then
	ok "killed rtpart is restarted"
else
	not_ok "killed rtpart is restarted" "$(gwctl status)"
fi
check "new rtpart has a new pid" test "$(part pid)" != "$pid"
check "last exit recorded as SIGKILL" test "$(part last_exit)" = signal-9
wait_for 5 sh -c "'$bin/gwctl' --run-dir '$run' status | grep -q 'rt partition: pid $(part pid)'"
check "restarted rtpart publishes its status" \
	grep -q "rt partition: pid $(part pid)" <<<"$(gwctl status)"
check "gwctl restart rtpart" sh -c "'$bin/gwctl' --run-dir '$run' restart rtpart >/dev/null"
wait_for 5 sh -c "'$bin/gwctl' --run-dir '$run' status | grep -q '^part rtpart .*restarts=2 '"
check "restart on request counted" test "$(part restarts)" = 2
out=$(gwctl restart nosuch 2>&1); rc=$?
check "restart of an unknown partition refused" \
	test $rc = 1 -a -n "$(echo "$out" | grep "no partition 'nosuch'")"

# --- stop ------------------------------------------------------------------
rtpid=$(part pid)
kill -TERM $disp
if wait_for 6 sh -c "! kill -0 $disp 2>/dev/null"; then
	ok "dispatcher stops on SIGTERM"
else
	not_ok "dispatcher stops on SIGTERM"
fi
wait $disp; rc=$?
check "dispatcher exit status 0" test $rc = 0
check "rtpart stopped with it" sh -c "! kill -0 $rtpid 2>/dev/null"
check "control socket removed" test ! -e "$run/ctl.sock"
out=$(gwctl status 2>&1); rc=$?
check "gwctl says the dispatcher is not running" \
	test $rc = 1 -a -n "$(echo "$out" | grep 'is the dispatcher running')"

# --- without the privilege for SCHED_FIFO ------------------------------------
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	run=$tmp/run2
	unshare --net prlimit --rtprio=0 --memlock=65536 \
		setpriv --inh-caps=-sys_nice,-ipc_lock \
			--bounding-set=-sys_nice,-ipc_lock \
		"$bin/dispatcher" --config "$tmp/p.ini" --run-dir "$run" \
		>"$tmp/disp2.log" 2>&1 &
	disp2=$!
	track $disp2
	wait_for 10 stats_ran
	st=$(gwctl status)
	echo "$st" | sed 's/^/# /'
	check "unprivileged: runs at normal priority" \
		grep -q 'NORMAL PRIORITY' <<<"$st"
	check "unprivileged: clear warning about SCHED_FIFO" \
		grep -q 'warning: .*SCHED_FIFO' <<<"$st"
	check "unprivileged: warning in rtpart's log" \
		grep -q 'rtpart warn.*SCHED_FIFO' "$tmp/disp2.log"
	check "unprivileged: tasks still run" \
		test "$(echo "$st" | awk '$1 == "media" && $2 ~ /^[0-9]+$/ { print $4 }')" -gt 0
	check "unprivileged: rtpart not restarted" test "$(part restarts)" = 0
	kill -TERM $disp2
	wait $disp2
fi

# --- errors ------------------------------------------------------------------
printf '[net]\nmtu = 99999\n' >"$tmp/bad.ini"
out=$(unshare --net "$bin/dispatcher" --config "$tmp/bad.ini" --run-dir "$tmp/r3" 2>&1); rc=$?
check "bad configuration stops the dispatcher with file:line" \
	test $rc = 1 -a -n "$(echo "$out" | grep "$tmp/bad.ini:2: .*mtu")"
out=$("$bin/rtpart" 2>&1); rc=$?
check "rtpart without a bus says why" \
	test $rc = 1 -a -n "$(echo "$out" | grep 'GW_BUS is not set')"
out=$(GW_BUS=1,2,3 "$bin/rtpart" 2>&1); rc=$?
check "rtpart with a malformed GW_BUS says why" \
	test $rc = 1 -a -n "$(echo "$out" | grep 'expected 6')"
