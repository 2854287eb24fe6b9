# SPDX-License-Identifier: MIT
# Shared by the integration tests: TAP output, a scratch directory, and
# clean-up of the processes a test started (by PID, never by name).
# Source it from a test run at the repository root: . tests/integration/lib.sh

set -u
n=0
failed=0
tmp=$(mktemp -d)
started_pids=()

ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() {
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	shift
	for l in "$@"; do
		echo "#   $l"
	done
}

# check DESC CMD...: ok when CMD succeeds
check() {
	local desc=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$desc"; else not_ok "$desc" "command: $*"; fi
}

# fax_checks SENDER SENT RECEIVER GOT DOC GOT_DOC: a fax call's two ends
# (SENT, GOT: the sending and receiving machines' result lines, from
# `pstn fax LINE` or rtppeer) each ended well with one page, and the page
# that arrived (GOT_DOC) is DOC's row for row (build/bin/faxpage)
fax_checks() {
	local c
	check "$1 sent a page ($2)" grep -q 'fax=ok dir=send pages=1 ' <<<"$2"
	check "... $3 received it ($4)" grep -q 'fax=ok dir=receive pages=1 ' <<<"$4"
	c=$(build/bin/faxpage cmp "$5" "$6" 2>&1)
	check "... row for row ($c)" build/bin/faxpage cmp "$5" "$6"
}

# rt_holdups: how often the RT partition's media task was held up so far
# (overruns, missed periods, stalls: what this VM's stalls cause), from
# the caller's gwctl
rt_holdups() {
	gwctl counters | awk '$1 ~ /^rt\.task\.media\.(overruns|missed|stalls)$/ { s += $2 } END { print s + 0 }'
}

# held_up_retry RUN OK: run RUN (a function: a fax call, whose modems a
# hold-up of the RT partition of milliseconds breaks); when OK then fails
# and the RT partition was held up meanwhile (rt_holdups: this VM), say so
# and run RUN once more. A failure without a hold-up is not run again.
held_up_retry() {
	local h0 h
	h0=$(rt_holdups)
	"$1"
	"$2" && return 0
	h=$(( $(rt_holdups) - h0 ))
	[ "$h" -gt 0 ] || return 0
	echo "# $1 failed while the RT partition was held up $h times (the VM): once more"
	"$1"
}

# wait_for SECONDS CMD...: retry CMD every 0.1 s until it succeeds
now_us() { local t=${EPOCHREALTIME/./}; echo "${t#0}"; }
wait_for() {
	local until=$(( $(now_us) + ${1%.*} * 1000000 ))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(now_us)" -ge $until ] && return 1
		sleep 0.05
	done
}

# scen NAME KEY=VALUE...: the SIPp scenario tests/integration/sip/NAME.xml
# with its placeholders filled in, the given values first, defaults for
# the rest; prints the file's name
scen() {
	local name=$1 out=$tmp/$1.$$.$RANDOM.xml
	shift
	cp "tests/integration/sip/$name.xml" "$out"
	local kv
	for kv in "$@" HOLD_MS=1000 ACTIVE_MS=1000 RTP_PORT=9 DIR=sendrecv \
			STATUS=200 SE=90 SE_REF= RING_MS=0 CN= HOLD_PT=0 \
			HOLD_CODEC=PCMU/8000 NAT_PORT=[local_port] "PTS=0 8"; do
		sed -i "s|@${kv%%=*}@|${kv#*=}|g" "$out"
	done
	echo "$out"
}

# remember a PID to end at exit
track() {
	started_pids+=("$1")
}

finish() {
	local p
	for p in "${started_pids[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${started_pids[@]}"; do
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$tmp"
	echo "1..$n"
	[ "$failed" -eq 0 ]
}
