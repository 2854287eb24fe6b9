#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Reading CDRs on the billing server: the cdr tool on the store itself and
# through billsrv's HTTP interface (they must print the same bytes), every
# filter, the three formats, one CDR, refused requests (bad parameters,
# methods, bodies, tokens, sizes) that change nothing, and the same
# queries on PostgreSQL (a server this test starts in a scratch directory
# and stops) printing the same bytes as on SQLite. Loopback only.
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
unset GW_CONFIG GW_BOARD GW_RUN_DIR BILLING_TOKEN
bin=build/bin
T0=1795000000	# cdrfill's first call: 2026-11-18 11:06:40 UTC, one a minute
N=60
pgdir=
pg_stop() {
	[ -n "$pgdir" ] || return 0
	as_pg "$PGBIN/pg_ctl" -D "$pgdir/data" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$pgdir"
	pgdir=
}
trap 'pg_stop; finish' EXIT

# billsrv STORE: start a server on that store, loopback ports picked by the
# kernel; sets srv (pid) and hp (HTTP port)
billsrv() {
	local ready=$tmp/ready.$RANDOM
	"$bin/billsrv" --set "store=$1" --set listen=127.0.0.1:0 \
		--set http_listen=127.0.0.1:0 --set http_token=t0ken \
		--ready-file "$ready" >>"$tmp/billsrv.log" 2>&1 &
	srv=$!
	track $srv
	wait_for 10 test -s "$ready" || return 1
	hp=$(sed -n 's/.*http_port=\([0-9]*\).*/\1/p' "$ready")
}
stop_srv() { kill -TERM "$srv" 2>/dev/null; wait "$srv" 2>/dev/null; }
# get PATH [CURL ARGS...]: status code on the first line, then the body
# (the token from $token, t0ken by default; token= sends none)
get() {
	local path=$1 auth=(); shift
	[ -n "${token-t0ken}" ] && auth=(-H "Authorization: Bearer ${token-t0ken}")
	curl -s -m 20 -o "$tmp/body" -w '%{http_code}\n' \
		"${auth[@]}" "$@" "http://127.0.0.1:$hp$path"
	cat "$tmp/body"
}
json_len() { python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

# --- a store of N CDRs: the direct path --------------------------------------
lite=sqlite:$tmp/cdr.db
check "cdrfill puts $N CDRs into SQLite" "$bin/cdrfill" "$lite" $N
out=$("$bin/cdr" list --store "$lite" --format json)
check "cdr list --format json gives all $N" test "$(json_len <<<"$out")" = $N
out=$("$bin/cdr" list --store "$lite" --format csv)
check "CSV: a header line of Asterisk's columns, then $N lines" \
	test "$(head -1 <<<"$out" | cut -d, -f1-18)" = \
	"accountcode,src,dst,dcontext,clid,channel,dstchannel,lastapp,lastdata,start,answer,end,duration,billsec,disposition,amaflags,uniqueid,userfield" \
	-a "$(wc -l <<<"$out")" = $((N + 1))
check "CSV: Asterisk's times and dispositions" \
	grep -q ',2026-11-18 11:07:40,,2026-11-18 11:07:45,5,0,NO ANSWER,DOCUMENTATION,fill-000001,' <<<"$out"
check "CSV without header: $N lines" \
	test "$("$bin/cdr" list --store "$lite" --format csv --no-header | wc -l)" = $N
out=$("$bin/cdr" list --store "$lite")
check "table: a title line and $N rows" test "$(wc -l <<<"$out")" = $((N + 1))
out=$("$bin/cdr" list --store "$lite" --format json --disposition busy)
check "--disposition busy: the 10 busy calls only" \
	test "$(json_len <<<"$out")" = 10 -a "$(grep -o '"BUSY"' <<<"$out" | wc -l)" = 10
out=$("$bin/cdr" list --store "$lite" --format csv --no-header \
	--since @$((T0 + 600)) --until @$((T0 + 1200)))
check "--since/--until: the 10 calls of minutes 10..19" \
	test "$(wc -l <<<"$out")" = 10 -a "$(head -1 <<<"$out" | cut -d, -f17)" = fill-000010
out=$("$bin/cdr" list --store "$lite" --format csv --no-header --caller 1002 --callee '44*')
check "--caller 1002 --callee '44*'" \
	test -n "$out" -a -z "$(awk -F, '$2 != "1002" || $3 !~ /^44/' <<<"$out")"
check "cdr show ID: one CDR, rated" \
	bash -c "'$bin/cdr' show fill-000006 --store '$lite' | grep -q '\"cost\": \"0.02\"'"
"$bin/cdr" show nope --store "$lite" >/dev/null 2>"$tmp/err"; rc=$?
check "cdr show of an unknown id: exit 1, says so" \
	test $rc = 1 -a -n "$(grep 'no such CDR' "$tmp/err")"
"$bin/cdr" list --store "$lite" --since tomorrow >/dev/null 2>"$tmp/err"; rc=$?
check "a bad time: exit 2 and the reason" \
	test $rc = 2 -a -n "$(grep 'since: "tomorrow" is not a time' "$tmp/err")"
"$bin/cdr" list --store "sqlite:$tmp/typo.db" >/dev/null 2>&1; rc=$?
check "a store that does not exist: exit 1, nothing created" \
	test $rc = 1 -a ! -e "$tmp/typo.db"

# --- the same through billsrv's HTTP interface --------------------------------
if billsrv "$lite"; then ok "billsrv up on the SQLite store (HTTP port $hp)"
else not_ok "billsrv up" "$(tail -5 "$tmp/billsrv.log")"; fi
same=1
for args in "--format json" "--format csv" "--format table" \
	"--format csv --no-header --disposition answered,congestion" \
	"--format json --caller 1001 --limit 3 --offset 2" \
	"--format table --since @$((T0 + 300)) --until @$((T0 + 2400)) --callee 0555*" \
	"--format json --gateway gw2"; do
	# shellcheck disable=SC2086
	a=$("$bin/cdr" list --store "$lite" $args)
	# shellcheck disable=SC2086
	b=$("$bin/cdr" list --url "http://127.0.0.1:$hp" --token t0ken $args)
	[ -n "$a" ] && [ "$a" = "$b" ] || { same=0; echo "# differs: $args"; }
done
check "cdr --url prints the same bytes as cdr --store (7 queries)" test $same = 1
r=$(get /status)
check "GET /status: 200, the store (sqlite) and $N CDRs" \
	test "$(head -1 <<<"$r")" = 200 -a \
	-n "$(grep "\"store\":\"sqlite\".*\"cdrs\":$N" <<<"$r")"
r=$(get "/cdrs/fill-000006")
check "GET /cdrs/ID: 200 and the CDR" \
	test "$(head -1 <<<"$r")" = 200 -a -n "$(grep '"id":"fill-000006"' <<<"$r")"
r=$(get "/cdrs?limit=5")
check "GET /cdrs: JSON by default" test "$(tail -n +2 <<<"$r" | json_len)" = 5
check "  ... cut by its limit: X-CDR-More says so" bash -c \
	"curl -s -i -H 'Authorization: Bearer t0ken' 'http://127.0.0.1:$hp/cdrs?limit=5' | grep -qi '^X-CDR-More: 1'"
check "  ... not when all fit" bash -c \
	"! curl -s -i -H 'Authorization: Bearer t0ken' 'http://127.0.0.1:$hp/cdrs?limit=$((N + 1))' | grep -qi '^X-CDR-More'"

# --- refused, with a clear error, and nothing changes ---------------------------
refused() {	# refused DESC STATUS GREP PATH [CURL ARGS...]
	local desc=$1 st=$2 pat=$3 path=$4 r; shift 4
	r=$(get "$path" "$@")
	if [ "$(head -1 <<<"$r")" = "$st" ] && grep -q -- "$pat" <<<"$r"; then
		ok "refused: $desc ($st)"
	else
		not_ok "refused: $desc ($st)" "got: $(head -c 300 <<<"$r")"
	fi
}
token= refused "no token" 401 unauthorized /cdrs
token=t0kem refused "a wrong token" 401 unauthorized /cdrs
token=t0ken0 refused "a longer token" 401 unauthorized /status
refused "an unknown parameter" 400 'unknown parameter \\"callr\\"' "/cdrs?callr=1001"
refused "a bad time" 400 'since: \\"tomorrow\\" is not a time' "/cdrs?since=tomorrow"
refused "a parameter twice" 400 'given twice' "/cdrs?caller=1&caller=2"
refused "an empty value" 400 'has no value' "/cdrs?caller="
refused "SQL in a number" 400 'is not a number' "/cdrs?callee=1%27%20OR%201=1--"
refused "too many at once" 400 'at most 100000' "/cdrs?limit=1000000"
refused "a bad format" 400 'is not table, csv or json' "/cdrs?format=xml"
refused "a bad id" 400 'not a CDR id' "/cdrs/a%20b"
refused "an unknown id" 404 'not-found' "/cdrs/nope"
refused "an unknown path" 404 'no such path' "/admin"
refused "POST" 405 'only GET' /cdrs -X POST --data 'x=1'
refused "DELETE" 405 'only GET' /cdrs/fill-000001 -X DELETE
refused "a body on GET" 400 'no body' /cdrs -X GET --data 'caller=1001'
big=$(head -c 20000 /dev/zero | tr '\0' a)
r=$(get /cdrs -H "X-Big: $big")
check "refused: 20 KB of headers ($(head -1 <<<"$r"))" test "$(head -1 <<<"$r")" -ge 400
r=$(get /status)
check "after all that: still $N CDRs, the server answers" grep -q "\"cdrs\":$N" <<<"$r"
"$bin/cdr" list --url "http://127.0.0.1:$hp" --token wrong >/dev/null 2>"$tmp/err"; rc=$?
check "cdr --url with a wrong token: exit 1, the server's reason" \
	test $rc = 1 -a -n "$(grep '401 this server needs' "$tmp/err")"
stop_srv
"$bin/cdr" list --url "http://127.0.0.1:$hp" >/dev/null 2>"$tmp/err"; rc=$?
check "cdr --url with the server down: exit 1 and why" \
	test $rc = 1 -a -n "$(grep -i 'refused' "$tmp/err")"

# --- PostgreSQL: the same queries give the same bytes -----------------------------
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ -z "$PGBIN" ] || ! [ -x "$PGBIN/initdb" ]; then
	ok "# SKIP PostgreSQL is not installed (package postgresql)"
else
	pgdir=$(mktemp -d /tmp/cdrquery-pg.XXXXXX)
	[ "$(id -u)" = 0 ] && chown postgres "$pgdir"
	port=$((20000 + RANDOM % 20000))
	if as_pg "$PGBIN/initdb" -D "$pgdir/data" -A trust -U billing >"$tmp/initdb.log" 2>&1 &&
	   as_pg "$PGBIN/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w -t 60 \
		-o "-k $pgdir -c listen_addresses='' -p $port -c fsync=on" start >/dev/null &&
	   as_pg "$PGBIN/createdb" -h "$pgdir" -p $port -U billing cdr; then
		ok "PostgreSQL started in a scratch directory (unix socket)"
	else
		not_ok "PostgreSQL started" "$(tail -5 "$tmp/initdb.log" "$pgdir/log" 2>/dev/null)"
	fi
	pg="pg:host=$pgdir port=$port user=billing dbname=cdr"
	check "cdrfill puts the same $N CDRs into PostgreSQL" "$bin/cdrfill" "$pg" $N
	check "again: all $N already held, none stored twice" \
		bash -c "'$bin/cdrfill' '$pg' $N | grep -q 'stored $N new 0'"
	same=1
	for args in "--format json" "--format csv" "--format table --disposition no-answer" \
		"--format csv --callee 44* --since @$((T0 + 300))" \
		"--format json --limit 7 --offset 13"; do
		# shellcheck disable=SC2086
		a=$("$bin/cdr" list --store "$lite" $args)
		# shellcheck disable=SC2086
		b=$("$bin/cdr" list --store "$pg" $args)
		[ -n "$a" ] && [ "$a" = "$b" ] || { same=0; echo "# differs: $args"; }
	done
	check "PostgreSQL and SQLite print the same bytes (5 queries)" test $same = 1
	if billsrv "$pg"; then ok "billsrv up on PostgreSQL"
	else not_ok "billsrv up on PostgreSQL" "$(tail -5 "$tmp/billsrv.log")"; fi
	a=$("$bin/cdr" list --store "$lite" --format csv --caller 1003)
	b=$("$bin/cdr" list --url "http://127.0.0.1:$hp" --token t0ken --format csv --caller 1003)
	check "HTTP on PostgreSQL: the same CSV" test -n "$a" -a "$a" = "$b"
	r=$(get /status)
	check "/status says postgresql and $N CDRs" \
		grep -q "\"store\":\"postgresql\".*\"cdrs\":$N" <<<"$r"
	# the database server restarts under billsrv: its HTTP connection to
	# it breaks; the next query reconnects and answers
	if as_pg "$PGBIN/pg_ctl" -D "$pgdir/data" -m fast -w -t 60 \
		-o "-k $pgdir -c listen_addresses='' -p $port" restart >/dev/null; then
		ok "PostgreSQL restarted under billsrv"
	else
		not_ok "PostgreSQL restarted under billsrv"
	fi
	r=$(get /status)
	check "the first /status after it: 200, $N CDRs (reconnected)" \
		test "$(head -1 <<<"$r")" = 200 -a -n "$(grep "\"cdrs\":$N" <<<"$r")"
	as_pg "$PGBIN/pg_ctl" -D "$pgdir/data" -m fast -w -t 60 \
		-o "-k $pgdir -c listen_addresses='' -p $port" restart >/dev/null
	b=$("$bin/cdr" list --url "http://127.0.0.1:$hp" --token t0ken --format csv --caller 1003)
	check "the first query after another restart: the same CSV" test "$a" = "$b"
	stop_srv
	pg_stop
fi
