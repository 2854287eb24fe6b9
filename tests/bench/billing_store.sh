#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The billing server's CDR store alone, SQLite beside PostgreSQL, in one run:
#   bench.billing.store_<kind>_b<N>: CDRs/s stored in transactions of N
#     (tests/tools/cdrfill straight into the store: no network, no
#     protocol; each transaction committed durably, as the server does
#     before it acknowledges)
#   bench.billing.store_<kind>_dup: CDRs/s when every one is already held
#     (a client sending again after a lost acknowledgement)
#   bench.billing.query_<kind>_csv: CDRs/s listed by `cdr list --format csv`
#   bench.billing.query_<kind>_filtered_ms: one filtered query (a caller and
#     a month of a large store, 50 rows), milliseconds
# PostgreSQL runs in a scratch directory, started and stopped here
# (fsync on, synchronous_commit on: durable like SQLite's synchronous=FULL).
# BENCH_SECONDS scales the number of CDRs (default 10: 50000). Never fails.
cd "$(dirname "$0")/../.." || exit 0
bin=build/bin
tmp=$(mktemp -d)
n=$(( ${BENCH_SECONDS:-10} * 5000 ))
[ "$n" -lt 5000 ] && n=5000
pgdir=
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
	[ -n "$pgdir" ] && as_pg "$PGBIN/pg_ctl" -D "$pgdir/data" -m immediate \
		-w stop >/dev/null 2>&1
	rm -rf "$tmp" ${pgdir:+"$pgdir"}
}
trap cleanup EXIT

ms_now() { local t=${EPOCHREALTIME/./}; echo $(( ${t#0} / 1000 )); }

# one store: fill it in batches of 1, 200 and 1000, send it all again,
# then list it and query it
bench_store() {
	local kind=$1 spec1=$2 spec2=$3 spec3=$4 r t0 t1 rows
	for b in 200 1000; do
		spec=$spec2; [ $b = 1000 ] && spec=$spec3
		r=$("$bin/cdrfill" "$spec" "$n" --batch $b --prefix b$b) ||
			{ echo "# $kind batch $b failed: $r"; return; }
		echo "bench.billing.store_${kind}_b$b: $(awk '/^rate/ {print $3}' <<<"$r") CDR/s"
	done
	# one CDR per transaction: fewer of them, it is slow by nature
	r=$("$bin/cdrfill" "$spec1" $((n / 20)) --batch 1 --prefix b1) &&
		echo "bench.billing.store_${kind}_b1: $(awk '/^rate/ {print $3}' <<<"$r") CDR/s"
	r=$("$bin/cdrfill" "$spec2" "$n" --batch 200 --prefix b200)
	grep -q "new 0$" <<<"$r" || echo "# $kind: duplicates were stored again!"
	echo "bench.billing.store_${kind}_dup: $(awk '/^rate/ {print $3}' <<<"$r") CDR/s"
	t0=$(ms_now)
	rows=$("$bin/cdr" list --store "$spec2" --format csv --no-header | wc -l)
	t1=$(ms_now)
	echo "# $kind: cdr list printed $rows rows in $((t1 - t0)) ms"
	echo "bench.billing.query_${kind}_csv: $(( rows * 1000 / (t1 - t0 > 0 ? t1 - t0 : 1) )) CDR/s"
	t0=$(ms_now)
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		"$bin/cdr" list --store "$spec2" --format json --caller 1002 \
			--since 2026-11-20 --until 2026-12-20 --limit 50 >/dev/null
	done
	t1=$(ms_now)
	echo "bench.billing.query_${kind}_filtered_ms: $(( (t1 - t0) / 10 )) ms"
}

echo "# $n CDRs per run (BENCH_SECONDS=${BENCH_SECONDS:-10})"
bench_store sqlite "sqlite:$tmp/b1.db" "sqlite:$tmp/b200.db" "sqlite:$tmp/b1000.db"
du -k "$tmp/b200.db" 2>/dev/null | awk -v n="$n" \
	'{ printf "# sqlite: %.0f bytes per CDR on disk\n", $1 * 1024 / n }'

if [ -z "$PGBIN" ]; then
	echo "# PostgreSQL is not installed: no PostgreSQL figures"
	exit 0
fi
pgdir=$(mktemp -d /tmp/bench-pg.XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres "$pgdir"
port=$((20000 + RANDOM % 20000))
if ! as_pg "$PGBIN/initdb" -D "$pgdir/data" -A trust -U billing >/dev/null 2>&1 ||
   ! as_pg "$PGBIN/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w -t 60 \
	-o "-k $pgdir -c listen_addresses='' -p $port -c fsync=on" start >/dev/null; then
	echo "# PostgreSQL did not start: no PostgreSQL figures"
	exit 0
fi
for db in b1 b200 b1000; do
	as_pg "$PGBIN/createdb" -h "$pgdir" -p $port -U billing $db
done
pg() { echo "pg:host=$pgdir port=$port user=billing dbname=$1"; }
bench_store postgresql "$(pg b1)" "$(pg b200)" "$(pg b1000)"
exit 0
