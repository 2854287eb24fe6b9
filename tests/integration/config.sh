#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Integration test of build/bin/gwconfig (board/config.c): good and bad
# files, exit codes, messages, the standard list of files, and the defaults
# file against `gwconfig defaults`. Run from the repository root; prints
# TAP and exits non-zero if a test failed.
set -u
cd "$(dirname "$0")/../.."

GW=build/bin/gwconfig
n=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset GW_CONFIG GW_BOARD

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

# run ARGS...: runs gwconfig, sets $rc, $out and $err
run() {
	out=$("$GW" "$@" 2>"$tmp/stderr")
	rc=$?
	err=$(cat "$tmp/stderr")
}

# expect DESC RC STDOUT STDERR: compares the last run
expect() {
	if [[ $rc -eq $2 && "$out" == "$3" && "$err" == "$4" ]]; then
		ok "$1"
	else
		not_ok "$1" "exit $rc (want $2)" "stdout: $out" \
			"stderr: $err" "want stdout: $3" "want stderr: $4"
	fi
}

# bad DESC CONTENT MESSAGE: a file with CONTENT fails check with MESSAGE,
# where @F stands for the file's name
bad() {
	local f="$tmp/bad$n.ini"
	printf '%b' "$2" >"$f"
	run check "$f"
	expect "$1" 1 "" "${3//@F/$f}"
}

if [[ ! -x $GW ]]; then
	echo "1..1"
	echo "not ok 1 - $GW is not built (make $GW)"
	exit 1
fi

# --- the defaults file is the program's output, byte for byte
if "$GW" defaults | cmp -s - rootfs/etc/gateway/gateway.ini; then
	ok "rootfs/etc/gateway/gateway.ini equals gwconfig defaults"
else
	not_ok "rootfs/etc/gateway/gateway.ini equals gwconfig defaults" \
		"regenerate: $GW defaults > rootfs/etc/gateway/gateway.ini"
fi

# --- good configurations
run check
expect "check with the standard list (defaults + board/sim)" 0 "ok" ""

run check rootfs/etc/gateway/gateway.ini board/sim/board.ini
expect "check defaults and sim board files" 0 "ok" ""

run show
if [[ $rc -eq 0 && "$out" == *$'\nname = sim\n'* &&
      "$out" == *$'\nalloc_abort = true\n'* && -z "$err" ]]; then
	ok "show gives the sim board's effective configuration"
else
	not_ok "show gives the sim board's effective configuration" \
		"exit $rc" "$err"
fi

out=$(GW_BOARD=sim "$GW" show --secrets 2>&1)
rc=$?
if [[ $rc -eq 0 && "$out" == *$'\n[extension 1001]\nkind = sip\npassword = pw1001\n'* &&
      "$out" == *$'\n[extension 2002]\nkind = fxs\n'* &&
      "$out" == *$'\n[trunk pstn]\nkind = tdm\nlines = 1/0-1/1,2/0-2/29\n'* &&
      "$out" == *$'\n[route pstn-out]\npattern = 0X.\nstrip = 1\n'* &&
      "$out" == *$'\n[did 5551002]\nextension = 1002'* ]]; then
	ok "show gives the sim board's provisioning (repeated sections)"
else
	not_ok "show gives the sim board's provisioning (repeated sections)" \
		"exit $rc" "$out"
fi

# without --secrets, show prints no password, token, or password in a
# connection string
cat >"$tmp/secrets.ini" <<'EOF'
[billing]
store = postgresql://bill:s3cret-db@db.example/cdr
http_token = s3cret-http
[web]
metrics_token = s3cret-metrics
[trunk up]
kind = sip
host = 198.18.0.40
username = gw
password = s3cret-trunk
EOF
run show rootfs/etc/gateway/gateway.ini board/sim/board.ini "$tmp/secrets.ini"
if [[ $rc -eq 0 && "$out" != *pw100* && "$out" != *s3cret* &&
      "$out" == *$'\n[extension 1001]\nkind = sip\npassword = ********\n'* &&
      "$out" == *$'\nstore = postgresql://bill:********@db.example/cdr\n'* ]]; then
	ok "show hides passwords and tokens"
else
	not_ok "show hides passwords and tokens" "exit $rc" "$err" \
		"$(grep -E 'password|token|store' <<<"$out")"
fi
run show --secrets rootfs/etc/gateway/gateway.ini board/sim/board.ini "$tmp/secrets.ini"
if [[ $rc -eq 0 && "$out" == *$'\npassword = s3cret-trunk\n'* &&
      "$out" == *$'\nhttp_token = s3cret-http\n'* ]]; then
	ok "show --secrets prints them"
else
	not_ok "show --secrets prints them" "exit $rc" "$err"
fi

run show
printf '%s\n' "$out" >"$tmp/shown.ini"
first=$out
run show "$tmp/shown.ini"
expect "show's output reads back to the same configuration" 0 "$first" ""

cat >"$tmp/a.ini" <<'EOF'
[net]
mtu = 9000
link_mbps = 100
EOF
cat >"$tmp/b.ini" <<'EOF'
; later file wins
[net]
mtu = 1400
EOF
run show "$tmp/a.ini" "$tmp/b.ini"
if [[ $rc -eq 0 && "$out" == *$'\nmtu = 1400\n'* &&
      "$out" == *$'\nlink_mbps = 100\n'* ]]; then
	ok "later files override earlier ones"
else
	not_ok "later files override earlier ones" "exit $rc" "$err"
fi

cat >"$tmp/c.ini" <<'EOF'
; a local file: another password, one more phone
[extension 1001]
password = changed
[extension 1005]
password = pw1005
EOF
run show --secrets rootfs/etc/gateway/gateway.ini board/sim/board.ini "$tmp/c.ini"
if [[ $rc -eq 0 &&
      "$out" == *$'\n[extension 1001]\nkind = sip\npassword = changed\ndisplay = Phone 1001\n'* &&
      "$out" == *$'\n[extension 1005]\n'* && -z "$err" ]]; then
	ok "a later file changes an instance's key and adds instances"
else
	not_ok "a later file changes an instance's key and adds instances" \
		"exit $rc" "$err"
fi

out=$(GW_CONFIG="$tmp/b.ini:$tmp/a.ini" "$GW" show 2>&1)
rc=$?
if [[ $rc -eq 0 && "$out" == *$'\nmtu = 9000\n'* &&
      "$out" == *$'\nalloc_abort = false\n'* ]]; then
	ok "GW_CONFIG replaces the standard list, in its order"
else
	not_ok "GW_CONFIG replaces the standard list, in its order" \
		"exit $rc" "$out"
fi

# --- bad configurations: exit 1, FILE:LINE: reason on stderr, no stdout
bad "value out of range" '[net]\n\nmtu = 99999\n' \
	'@F:3: [net] mtu: "99999" is out of range 576..9216'
bad "unknown key" '[net]\nmtux = 1\n' \
	'@F:2: unknown key "mtux" in section [net]'
bad "unknown section" '[net]\nmtu = 1500\n[nett]\n' \
	'@F:3: unknown section [nett]'
bad "key set twice" '[rt]\ntick_us = 500\n[net]\nmtu=1500\n[rt]\ntick_us=400\n' \
	'@F:6: [rt] tick_us is set twice (first at line 2)'
bad "syntax error" '[net]\nmtu 1500\n' \
	'@F:2: syntax error: expected [section] or key = value'
bad "continuation lines are not values" '[net]\nmtu = 1500\n  1400\n' \
	'@F:3: syntax error: expected [section] or key = value'
bad "empty value where one is required" '[board]\nrt_cpus =\n' \
	'@F:2: [board] rt_cpus: a value is required (CPU list such as 0-1,3 (CPUs 0..1023))'
bad "bad CPU list" '[board]\nrt_cpus = 3-1\n' \
	'@F:2: [board] rt_cpus: "3-1" is not a valid CPU list: range 3-1 is backwards'
bad "overlapping port ranges" '[ports]\nrt = 7,16384-32767,20000\n' \
	'@F:2: [ports] rt: "7,16384-32767,20000" is not a valid port list: ranges 16384-32767 and 20000 overlap'
bad "multicast MAC" '[net]\nmac = 01:00:5e:00:00:01\n' \
	'@F:2: [net] mac: "01:00:5e:00:00:01" is a multicast address (the first byte must be even)'
bad "keys that disagree" '[board]\nlinux_cpus = 0-1\n' \
	'@F:2: [board] rt_cpus and linux_cpus share CPU 1'

bad "RTP ports outside the RT ports" '[ports]\nrt = 7,16384-24999\n' \
	'@F:2: [sip] RTP ports 20000-29999 must be RT ports, but 25000 is not in [ports] rt = 7,16384-24999'
bad "unknown kind of repeated section" '[extension 1001]\npassword = a\n[phone 1001]\n' \
	'@F:3: unknown section [phone 1001]'
bad "bad instance name" '[extension 10a1]\n' \
	'@F:1: [extension 10a1]: "10a1" is not a number (digits 0-9 only)'
bad "unknown key of a kind" '[trunk pstn]\nline = 1/0\n' \
	'@F:2: unknown key "line" in section [trunk pstn]'
bad "instance key set twice in a file" '[extension 1001]\npassword = a\n[extension 1001]\npassword = b\n' \
	'@F:4: [extension 1001] password is set twice (first at line 2)'
bad "missing required key, at the header" '[net]\nmtu = 1500\n[extension 2001]\nkind = fxs\n' \
	'@F:3: [extension 2001] line is required (kind = fxs)'
bad "route to an unknown trunk" '[route out]\npattern = 0X.\ntrunk = pstn\n' \
	'@F:3: [route out] trunk: there is no [trunk pstn]'
bad "two extensions on one FXS line" '[extension 2001]\nkind = fxs\nline = 0/1\n[extension 2002]\nkind = fxs\nline = 0/1\n' \
	'@F:6: [extension 2002] line: 0/1 is also the line of [extension 2001]'

long=$(printf '%*s' 5000 '' | tr ' ' x)
bad "over-long line" "[board]\n;$long\nname = sim\n" \
	'@F:2: line is too long (5001 characters, at most 4096)'

run check "$tmp/a.ini" "$tmp/missing.ini"
expect "missing file" 1 "" "$tmp/missing.ini: cannot open: No such file or directory"

run show "$tmp/missing.ini"
expect "show fails the same way" 1 "" "$tmp/missing.ini: cannot open: No such file or directory"

out=$(GW_BOARD=nosuch "$GW" check 2>&1 >/dev/null)
rc=$?
if [[ $rc -eq 1 && "$out" == "board/nosuch/board.ini: cannot open: No such file or directory" ]]; then
	ok "GW_BOARD names a board without a file"
else
	not_ok "GW_BOARD names a board without a file" "exit $rc" "$out"
fi

# --- usage
run
[[ $rc -eq 2 && -z "$out" && "$err" == usage:* ]] &&
	ok "no command: usage, exit 2" || not_ok "no command: usage, exit 2" "exit $rc"
run frobnicate
[[ $rc -eq 2 && "$err" == *"unknown command frobnicate"* ]] &&
	ok "unknown command: exit 2" || not_ok "unknown command: exit 2" "exit $rc"
run defaults extra
[[ $rc -eq 2 && -z "$out" ]] &&
	ok "defaults takes no file: exit 2" || not_ok "defaults takes no file: exit 2" "exit $rc"
run check --verbose
[[ $rc -eq 2 && "$err" == *"unknown option --verbose"* ]] &&
	ok "unknown option: exit 2" || not_ok "unknown option: exit 2" "exit $rc"
run --help
[[ $rc -eq 0 && "$out" == usage:* ]] &&
	ok "--help: usage on stdout, exit 0" || not_ok "--help: usage on stdout, exit 0" "exit $rc"

if [[ -w /dev/full ]]; then
	"$GW" defaults >/dev/full 2>/dev/null
	rc=$?
	[[ $rc -eq 1 ]] && ok "a write error is an error" ||
		not_ok "a write error is an error" "exit $rc"
fi

echo "1..$n"
[[ $failed -eq 0 ]]
