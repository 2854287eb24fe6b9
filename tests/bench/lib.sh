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
