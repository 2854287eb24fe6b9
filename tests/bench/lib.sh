# SPDX-License-Identifier: MIT
# Helpers of the benchmark scripts that run labs (sourced, not run: not
# executable, so tests/bench/run-all skips it). The script sets root, bin,
# P (its lab prefix) and the array pids (processes it started) first.

note() { echo "# $*"; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
gwctl() { "$bin/gwctl" --run-dir "build/lab/$P/run" "$@"; }

# mine PID: a live child of this script (not ended, not a reused pid)
mine() {
	[ "$(awk '{ sub(/^.*\) /, ""); print ($1 == "Z" ? "" : $2) }' \
		"/proc/$1/stat" 2>/dev/null)" = "$$" ]
}

# stop_pids: end the processes in pids that are still this script's
# children: TERM, 3 s, then KILL; empties pids
stop_pids() {
	local p
	for p in "${pids[@]}"; do mine "$p" && kill -TERM "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do
		for _ in $(seq 30); do mine "$p" || break; sleep 0.1; done
		mine "$p" && kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	pids=()
}

# cpumask LIST: a CPU list (0-1,3) as a hex mask
cpumask() {
	awk -v l="$1" 'BEGIN { n = split(l, r, ","); m = 0
		for (i = 1; i <= n; i++) {
			k = split(r[i], ab, "-"); b = k > 1 ? ab[2] : ab[1]
			for (c = ab[1]; c <= b; c++) m += 2 ^ c }
		printf "%x", m }'
}

# ns_del NS...: remove these namespaces (this script's own), ending what
# still runs in them
ns_del() {
	local ns p
	for ns in "$@"; do
		[ -e "/run/netns/$ns" ] || continue
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		ip netns del "$ns"
	done
}

# veth_pair NS_A IP_A NS_B IP_B: two new namespaces joined by a veth pair,
# eth0 in each with its /24 address; lo and eth0 up, MTU 1500
veth_pair() {
	local ns
	ip netns add "$1" && ip netns add "$3" || return 1
	ip -n "$1" link add eth0 type veth peer name eth0 netns "$3" || return 1
	ip -n "$1" addr add "$2/24" dev eth0
	ip -n "$3" addr add "$4/24" dev eth0
	for ns in "$1" "$3"; do
		ip -n "$ns" link set lo up
		ip -n "$ns" link set eth0 mtu 1500 up || return 1
	done
}
