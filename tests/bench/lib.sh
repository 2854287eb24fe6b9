# SPDX-License-Identifier: MIT
# Helpers of the benchmark scripts that run labs (sourced, not run: not
# executable, so tests/bench/run-all skips it). A script sets BENCH_NAME
# (its name in notes) and BENCH_AREA (bench.AREA.* figures) before it
# sources this, then root, bin, lab, P (its lab prefix), tmp (its scratch
# directory) and the arrays pids (processes it started), own_ns (network
# namespaces it makes besides the lab's) and failed (parts that failed).

fig() { echo "bench.$BENCH_AREA.$1: $2 $3"; }
fail() { note "$BENCH_NAME: $1 FAILED: $2"; failed+=("$1"); }

# secs VALUE DEFAULT: a whole number of seconds >= 1
secs() {
	awk -v v="${1:-}" -v d="$2" 'BEGIN {
		if (v !~ /^[0-9]*\.?[0-9]+$/) v = d
		v = int(v + 0.999); print (v < 1 ? 1 : v) }'
}

# cpu_ticks: the whole machine's busy and total CPU ticks since boot (busy
# = user nice system irq softirq steal; total = busy + idle iowait)
cpu_ticks() {
	awk '/^cpu / { b = $2 + $3 + $4 + $7 + $8 + $9; print b, b + $5 + $6 }' \
		/proc/stat
}

# busy_pct: CPU time the whole machine used over one second, in % of one
# CPU (the benchmarks want a quiet machine: this says whether it was)
busy_pct() {
	local b0 t0 b1 t1
	read -r b0 t0 < <(cpu_ticks); sleep 1; read -r b1 t1 < <(cpu_ticks)
	echo $(( (b1 - b0) * 100 * $(nproc) / (t1 - t0 > 0 ? t1 - t0 : 1) ))
}

note() { echo "# $*"; }

# bench_lock: take /tmp/voice-bench.lock on fd 9 for the rest of the
# script (one lab benchmark at a time), waiting at most BENCH_LOCK_WAIT s
# (default 1200), then running anyway and saying so
bench_lock() {
	local lw t0=$SECONDS
	exec 9>/tmp/voice-bench.lock
	lw=$(secs "${BENCH_LOCK_WAIT:-}" 1200)
	if ! flock -w "$lw" 9; then
		note "$BENCH_NAME: /tmp/voice-bench.lock still held after $lw s: running anyway (figures may be disturbed)"
	fi
	note "$BENCH_NAME: waited $((SECONDS - t0)) s for /tmp/voice-bench.lock"
}

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

# lab_down: this script's lab down, if up (its dispatcher.log copied to
# $keep_log first when that is set)
lab_down() {
	[ "$lab_is_up" = 1 ] || return 0
	[ -n "${keep_log:-}" ] && [ -f "build/lab/$P/dispatcher.log" ] &&
		cp "build/lab/$P/dispatcher.log" "$keep_log"
	LAB_PREFIX=$P "$lab" down >>"$tmp/lab.log" 2>&1
	lab_is_up=0
}

# cleanup: at exit, end all this script started (processes, lab, own
# namespaces, scratch files); the labs' state stays for its logs when a
# part failed
cleanup() {
	stop_pids
	lab_down
	ns_del "${own_ns[@]}"
	rm -rf "$tmp"
	if [ ${#failed[@]} -eq 0 ]; then
		rm -rf "build/lab/$P"
	else
		note "$BENCH_NAME: the labs' logs are in build/lab/$P"
	fi
}
