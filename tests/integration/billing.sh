#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# CDRs delivered exactly once (billing/): the real billingd and billsrv,
# in a network namespace of this test's own (loopback only), with call
# records written as the SIP engine writes them (signalling/callrec.h).
#
#   tests/integration/billing.sh        the store is SQLite
#   tests/integration/billing.sh pg     the store is a PostgreSQL server the
#                                       test starts and removes itself
#                                       (tests/integration/billing_pg.sh)
#
# Faults, each followed by a check that the server holds exactly the set of
# ids produced so far (no id missing, none twice, nothing else):
#  1. the server is down while 200 calls' CDRs are produced, then comes back;
#  2. billingd is killed (SIGKILL) with a request in flight that the server
#     stores but cannot acknowledge, then restarted; and killed at random
#     moments while it takes call records in;
#  3. billsrv is killed (SIGKILL) in the middle of storing, twice, and
#     restarted.
# SQLite only (the store does not matter to them): malformed, oversized and
# wrong-version requests refused with a clear error and nothing stored; TLS
# with the server's certificate checked, a client certificate required, a
# wrong CA refused; rating by the tariff file.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

kind=${1:-sqlite}
bin=$PWD/build/bin
NS=gwbill$$
spool=$tmp/spool
port=4575
produced=$tmp/produced.ids
export GW_CONFIG=$tmp/empty.ini	# built-in defaults; settings by --set
: >"$GW_CONFIG"
: >"$produced"

nsx() { ip netns exec "$NS" "$@"; }

end() {
	finish
	local rc=$?
	[ -n "${pgdir:-}" ] && stop_pg
	ip netns del "$NS" 2>/dev/null
	exit $rc
}

for b in billingd billsrv; do
	[ -x "$bin/$b" ] || { echo "not ok 1 - $bin/$b missing (make first)"; exit 1; }
done
ip netns add "$NS" || { echo "not ok 1 - cannot create a namespace"; exit 1; }
nsx ip link set lo up

cat >"$tmp/h.py" <<'EOF'
import json, os, socket, sqlite3, struct, sys, time
cmd = sys.argv[1]
DISP = [("ANSWERED", 200, "OK"), ("BUSY", 486, "Busy Here"),
        ("NO ANSWER", 480, "Temporarily Unavailable"),
        ("CANCELLED", 487, "Request Terminated"),
        ("FAILED", 503, "Service Unavailable")]
if cmd == "gen":		# gen DIR FIRST N: call records, ids on stdout
    d, first, n = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    t0 = int(time.time() * 1e6) - 86400 * 10**6
    for i in range(first, first + n):
        disp, cause, text = DISP[i % 5]
        cid = "call-%06d-%s" % (i, os.urandom(4).hex())
        start = t0 + i * 10**6
        ans = start + 4 * 10**6 if disp == "ANSWERED" else 0
        end = start + 65 * 10**6 + 250000
        legs = [{"packets_rx": 3000, "packets_tx": 3000, "lost": 3,
                 "late": 1, "jitter_ms": 0.9, "mos": 4.3}] if ans else []
        r = {"v": 1, "id": cid, "caller": "1001",
             "callee": "4420%07d" % i if i % 2 else "3316%07d" % i,
             "from": {"kind": "ext", "name": "1001"},
             "to": {"kind": "trunk", "name": "pstn"},
             "start_us": start, "answer_us": ans, "end_us": end,
             "disposition": disp, "cause": cause, "cause_text": text,
             "codec": "PCMU", "legs": legs}
        name = "%020d-%s.json" % (end, cid)
        with open(os.path.join(d, ".tmp-" + cid), "w") as f:
            json.dump(r, f)
        os.rename(os.path.join(d, ".tmp-" + cid), os.path.join(d, name))
        print(cid)
elif cmd == "ids":		# ids DB: every row's id, sorted
    for (i,) in sqlite3.connect(sys.argv[2]).execute(
            "SELECT uniqueid FROM cdr ORDER BY uniqueid"):
        print(i)
elif cmd == "sql":		# sql DB QUERY: first column of the first row
    r = sqlite3.connect(sys.argv[2]).execute(sys.argv[3]).fetchone()
    print(r[0] if r else "")
elif cmd == "status":		# status FILE KEY
    try:
        print(json.load(open(sys.argv[2])).get(sys.argv[3]))
    except Exception:
        print("none")
elif cmd == "raw":		# raw PORT CASE: one abusive exchange
    port, case = int(sys.argv[2]), sys.argv[3]
    def frame(body, t=b"S", ver=1, length=None):
        b = body.encode()
        return b"BP" + bytes([ver]) + t + struct.pack(
            ">I", len(b) if length is None else length) + b
    def reply(s):
        h = b""
        while len(h) < 8:
            c = s.recv(8 - len(h))
            if not c:
                return "closed", ""
            h += c
        n = struct.unpack(">I", h[4:8])[0]
        b = b""
        while len(b) < n:
            b += s.recv(n - len(b))
        return chr(h[3]), b.decode()
    def cdr(cid, billsec=61):
        return {"id": cid, "caller": "1001", "callee": "1002",
                "src": {"kind": "ext", "name": "1001"},
                "dst": {"kind": "ext", "name": "1002"},
                "start_us": 1795000000000000,
                "answer_us": 1795000003000000,
                "end_us": 1795000063500000, "duration": 64,
                "billsec": billsec, "disposition": "ANSWERED", "cause": 200,
                "cause_text": "OK", "codec": "PCMU", "packets_rx": 0,
                "packets_tx": 0, "lost": 0, "late": 0, "loss_pct": 0.0,
                "jitter_ms": 0.0, "mos": 0.0, "gateway": "raw"}
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    sends = {
        "http": [b"GET /cdrs HTTP/1.1\r\nHost: x\r\n\r\n"],
        "version": [frame(json.dumps({"cdrs": [cdr("raw-v")]}), ver=2)],
        "huge": [frame("", length=0x7fffffff)],
        "over": [frame("", length=(1 << 20) + 1) + b"{" * 4096],
        "notjson": [frame("{\"cdrs\":[{\"id\":"),
                    frame(json.dumps({"cdrs": [cdr("raw-ok")]}))],
        "invalid": [frame(json.dumps({"cdrs": [cdr("raw-a"),
                                               cdr("raw-b", 99)]}))],
        "empty": [frame("{\"cdrs\":[]}")],
        "toomany": [frame(json.dumps({"cdrs": [cdr("raw-m%d" % i)
                                               for i in range(1001)]}))],
        "acktype": [frame("{}", t=b"A")],
    }[case]
    for m in sends:
        s.sendall(m)
        t, body = reply(s)
        print(t, body)
    s.settimeout(2)
    try:
        print("after:", "closed" if s.recv(1) == b"" else "open")
    except socket.timeout:
        print("after: open")
    except ConnectionError:
        print("after: closed")
EOF
h() { python3 "$tmp/h.py" "$@"; }

# --- the store -------------------------------------------------------------
pgdir=
stop_pg() {
	runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate \
		-w stop >/dev/null 2>&1
	rm -rf "$pgdir"
}
if [ "$kind" = pg ]; then
	pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
		echo "ok 1 - # SKIP PostgreSQL binaries absent (Debian package postgresql)"
		ip netns del "$NS"
		echo "1..1"
		exit 0
	fi
	pgdir=$(mktemp -d /tmp/billpg.XXXXXX)
	chmod 755 "$pgdir"
	mkdir "$pgdir/data" "$pgdir/sock" "$pgdir/log"
	chown postgres "$pgdir/data" "$pgdir/sock" "$pgdir/log"
	if runuser -u postgres -- "$pgbin/initdb" -D "$pgdir/data" -A trust \
		-U postgres --no-sync >"$tmp/initdb.log" 2>&1 &&
	   runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdir/data" -w \
		-l "$pgdir/log/pg.log" -o "-k $pgdir/sock -c listen_addresses=''" \
		start >/dev/null 2>&1 &&
	   runuser -u postgres -- "$pgbin/createdb" -h "$pgdir/sock" cdr; then
		ok "a PostgreSQL server of our own ($pgbin)"
	else
		not_ok "a PostgreSQL server of our own" "$(tail -5 "$tmp/initdb.log" "$pgdir/log/pg.log" 2>/dev/null)"
		end
	fi
	store="pg:host=$pgdir/sock dbname=cdr user=postgres"
	psql_() { runuser -u postgres -- "$pgbin/psql" -h "$pgdir/sock" -d cdr -Atc "$1"; }
	held_ids() { psql_ "SELECT uniqueid FROM cdr ORDER BY uniqueid" | LC_ALL=C sort; }
	held() { psql_ "SELECT count(*) FROM cdr"; }
else
	store=sqlite:$tmp/db/cdr.db
	held_ids() { h ids "$tmp/db/cdr.db" | LC_ALL=C sort; }
	held() { h sql "$tmp/db/cdr.db" "SELECT count(*) FROM cdr" 2>/dev/null || echo 0; }
fi

cat >"$tmp/tariffs.conf" <<'EOF'
currency EUR
44     0.0200  60/60  United Kingdom
4420   0.0150  1/1    London
EOF

srv=
srv_args=()
start_srv() {
	rm -f "$tmp/ready"
	ip netns exec "$NS" "$bin/billsrv" --set "store=$store" --set "listen=127.0.0.1:$port" \
		--set http_listen=127.0.0.1:8575 \
		--set "tariffs=$tmp/tariffs.conf" "${srv_args[@]}" \
		--ready-file "$tmp/ready" >>"$tmp/billsrv.log" 2>&1 &
	srv=$!
	track "$srv"
	wait_for 20 test -s "$tmp/ready"
}
cli=
cli_args=()
start_cli() {
	ip netns exec "$NS" "$bin/billingd" --set "spool_dir=$spool" \
		--set "server=127.0.0.1:$port" --set backoff_min_ms=50 \
		--set backoff_max_ms=400 --set ack_timeout_ms=3000 \
		--set gateway_name=gwtest "${cli_args[@]}" \
		>>"$tmp/billingd.log" 2>&1 &
	cli=$!
	track "$cli"
	wait_for 10 test -e "$spool/status.json"
}
st() { h status "$spool/status.json" "$1"; }
depth_is() { [ "$(st queue_depth)" = "$1" ]; }
incoming_empty() { [ -z "$(ls "$spool/incoming")" ]; }
produce() { h gen "$spool/incoming" "$1" "$2" >>"$produced"; }
# same_ids DESC: the server holds exactly the ids produced, each once
same_ids() {
	local want=$tmp/want got=$tmp/got
	LC_ALL=C sort "$produced" >"$want"
	held_ids >"$got"
	if cmp -s "$want" "$got"; then
		ok "$1: the server holds the $(wc -l <"$want") ids produced, each once"
	else
		not_ok "$1: the server's ids differ from those produced" \
			"produced $(wc -l <"$want"), held $(wc -l <"$got")," \
			"missing: $(comm -23 "$want" "$got" | head -3 | tr '\n' ' ')" \
			"extra or twice: $(comm -13 "$want" "$got" | head -3 | tr '\n' ' ')"
	fi
}

# --- 1. the server is down while 200 calls end ---------------------------------
mkdir -p "$spool/incoming"
start_cli
produce 0 200
if wait_for 20 incoming_empty && wait_for 10 depth_is 200; then
	ok "server down: 200 call records taken into the spool ($(st failures_total) delivery attempts failed)"
else
	not_ok "server down: call records not spooled" "depth $(st queue_depth), incoming $(ls "$spool/incoming" | wc -l)"
fi
case "$(st last_error)" in
*refused*) ok "status.json tells why: $(st last_error)" ;;
*) not_ok "status.json last_error: $(st last_error)" ;;
esac
start_srv || not_ok "billsrv did not start" "$(tail -3 "$tmp/billsrv.log")"
if wait_for 30 depth_is 0; then
	ok "server back: the queue drained ($(st delivered) delivered)"
else
	not_ok "server back: queue still $(st queue_depth)" "$(tail -3 "$tmp/billingd.log")"
fi
same_ids "server down, then up"
if [ "$kind" = sqlite ]; then
	# a London call (4420...) of 62 started seconds at 0.015/min, 1/1
	cost=$(h sql "$tmp/db/cdr.db" "SELECT cost_micro FROM cdr WHERE callee LIKE '4420%' AND disposition='ANSWERED' LIMIT 1")
	name=$(h sql "$tmp/db/cdr.db" "SELECT rate_name FROM cdr WHERE callee LIKE '4420%' LIMIT 1")
	unrated=$(h sql "$tmp/db/cdr.db" "SELECT count(*) FROM cdr WHERE callee LIKE '33%' AND cost_micro IS NULL")
	[ "$cost" = 15500 ] && [ "$name" = London ] && [ "$unrated" = 100 ] &&
		ok "rated by the tariff file (London 62 s: 0.0155; no tariff: unrated)" ||
		not_ok "rating: cost $cost, name $name, unrated $unrated"
fi

# --- 2. billingd killed with a request in flight -----------------------------------
kill -STOP "$srv"			# it takes the request, answers nothing
produce 200 100
wait_for 10 incoming_empty
sleep 1					# the batch is sent, its Ack awaited
kill -KILL "$cli"; wait "$cli" 2>/dev/null
kill -CONT "$srv"			# stores the batch, cannot answer it
sleep 0.5
cli_args=()
start_cli
if wait_for 30 depth_is 0 && [ "$(st duplicates)" -ge 1 ]; then
	ok "billingd killed mid-request and restarted: sent again, $(st duplicates) already held"
else
	not_ok "billingd killed mid-request: depth $(st queue_depth), duplicates $(st duplicates)"
fi
same_ids "billingd killed mid-request"
for i in 1 2 3; do			# killed while taking call records in
	produce $((300 + i * 100)) 100
	sleep "0.$((RANDOM % 3))$((RANDOM % 10))"
	kill -KILL "$cli"; wait "$cli" 2>/dev/null
	start_cli
done
if wait_for 30 incoming_empty && wait_for 30 depth_is 0; then
	ok "billingd killed 3 times while spooling: the queue drained"
else
	not_ok "billingd killed while spooling: depth $(st queue_depth)"
fi
same_ids "billingd killed while spooling"

# --- 3. billsrv killed in the middle of storing --------------------------------------
# 1500 CDRs wait in the spool while billsrv is stopped; it is let go and
# killed a moment later, in the middle of the many small batches; again
kill -TERM "$cli"; wait "$cli" 2>/dev/null
cli_args=(--set batch=2)
kill -STOP "$srv"
produce 1000 1500
start_cli
wait_for 20 incoming_empty
wait_for 20 depth_is 1500
# held_above N: the server holds more than N CDRs (a function: wait_for
# runs it again each time, where "$(held)" in its arguments would be read
# once, and the kill would come after the whole queue was stored)
held_above() { [ "$(held)" -gt "$1" ]; }
kills=0
for round in 1 2; do
	before=$(held)
	kill -CONT "$srv"
	wait_for 20 held_above "$before"
	sleep 0.0$((RANDOM % 10))
	kill -KILL "$srv"; wait "$srv" 2>/dev/null
	now=$(held)
	[ "$now" -lt "$(wc -l <"$produced")" ] && kills=$((kills + 1))
	echo "# billsrv killed with $now of $(wc -l <"$produced") CDRs stored"
	start_srv
	kill -STOP "$srv"
done
kill -CONT "$srv"
[ "$kills" = 2 ] && ok "billsrv killed twice while storing (not done yet)" ||
	not_ok "billsrv was not killed while storing ($kills of 2 times)"
if wait_for 60 depth_is 0; then
	ok "billsrv restarted: the queue drained ($(st duplicates) sent again were already held)"
else
	not_ok "billsrv killed: depth $(st queue_depth)" "$(tail -3 "$tmp/billsrv.log")"
fi
same_ids "billsrv killed mid-write"

[ "$kind" = pg ] && end

# --- malformed and oversized requests ------------------------------------------------
before=$(held)
expect_raw() {	# expect_raw CASE DESC PATTERN...
	local c=$1 d=$2 out
	shift 2
	out=$(nsx python3 "$tmp/h.py" raw "$port" "$c" 2>&1)
	for p in "$@"; do
		if ! grep -q -- "$p" <<<"$out"; then
			not_ok "$d" "no \"$p\" in: $(tr '\n' ' ' <<<"$out" | cut -c1-300)"
			return
		fi
	done
	ok "$d: $(head -1 <<<"$out" | cut -c1-110)"
}
expect_raw http "an HTTP request on the CDR port is refused" '"error":"bad-frame"' 'after: closed'
expect_raw version "protocol version 2 is refused" '"error":"version"' 'version 2 is not supported' 'after: closed'
expect_raw huge "a 2 GiB body is refused unread" '"error":"too-large"' 'after: closed'
expect_raw over "a body 1 byte over the limit is refused" '"error":"too-large"'
expect_raw notjson "a body that is not JSON is refused, the connection kept" '"error":"malformed"' '^A {"acked":\["raw-ok"\]'
expect_raw invalid "a batch with an invalid CDR is refused whole" '"error":"invalid-cdr"' '"index":1' '"id":"raw-b"'
expect_raw empty "an empty batch is refused" '"error":"malformed"' '0 CDRs'
expect_raw toomany "1001 CDRs in a request are refused" '"error":"malformed"' '1001 CDRs'
expect_raw acktype "a frame a client may not send is refused" '"error":"bad-frame"'
after=$(held)
echo raw-ok >>"$produced"
[ "$after" -eq $((before + 1)) ] &&
	ok "nothing stored from refused requests (only raw-ok, which was valid)" ||
	not_ok "refused requests stored something: $before -> $after"
[ "$(h sql "$tmp/db/cdr.db" "SELECT count(*) FROM cdr WHERE uniqueid IN ('raw-a','raw-b','raw-v','raw-m0')")" = 0 ] &&
	ok "no CDR of a refused request is in the store" ||
	not_ok "a CDR of a refused request was stored"
kill -0 "$srv" && ok "billsrv still runs after the abuse" || not_ok "billsrv died"

# --- TLS ---------------------------------------------------------------------------------
ssl() { openssl "$@" >/dev/null 2>&1; }
mkca() {	# mkca NAME: a CA
	ssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$1" \
		-keyout "$tmp/$1.key" -out "$tmp/$1.pem"
}
mkcert() {	# mkcert NAME CA SAN
	ssl req -newkey rsa:2048 -nodes -subj "/CN=$1" -keyout "$tmp/$1.key" \
		-out "$tmp/$1.csr" &&
	ssl x509 -req -in "$tmp/$1.csr" -CA "$tmp/$2.pem" -CAkey "$tmp/$2.key" \
		-CAcreateserial -days 2 -out "$tmp/$1.pem" \
		-extfile <(printf 'subjectAltName=%s\n' "$3")
}
if mkca ca && mkca otherca && mkcert server ca IP:127.0.0.1 &&
   mkcert client ca DNS:gwtest; then
	kill -TERM "$cli" "$srv"; wait "$cli" "$srv" 2>/dev/null
	srv_args=(--set "server_cert=$tmp/server.pem" --set "server_key=$tmp/server.key"
		  --set "client_ca=$tmp/ca.pem")
	start_srv
	tls_cli=(--set tls=true --set "ca_file=$tmp/ca.pem")
	cli_args=("${tls_cli[@]}" --set "client_cert=$tmp/client.pem" --set "client_key=$tmp/client.key")
	start_cli
	produce 5000 20
	if wait_for 20 depth_is 0 && [ "$(st tls)" = True ]; then
		ok "TLS with a verified server certificate and a client certificate: delivered"
	else
		not_ok "TLS delivery: depth $(st queue_depth), error $(st last_error)"
	fi
	same_ids "over TLS"
	kill -TERM "$cli"; wait "$cli" 2>/dev/null
	cli_args=(--set tls=true --set "ca_file=$tmp/otherca.pem" --set "client_cert=$tmp/client.pem" --set "client_key=$tmp/client.key")
	start_cli
	produce 6000 5
	sleep 2
	case "$(st last_error)" in
	*certificate*) depth_is 5 && ok "a server certificate from another CA is refused: $(st last_error)" ||
		not_ok "wrong CA: depth $(st queue_depth)" ;;
	*) not_ok "wrong CA not refused: $(st last_error)" ;;
	esac
	kill -TERM "$cli"; wait "$cli" 2>/dev/null
	cli_args=("${tls_cli[@]}")		# no client certificate
	start_cli
	sleep 2
	depth_is 5 && grep -q "TLS" "$tmp/billsrv.log" &&
		ok "a client without a certificate is refused: $(st last_error)" ||
		not_ok "no client certificate: depth $(st queue_depth), $(st last_error)"
	kill -TERM "$cli"; wait "$cli" 2>/dev/null
	cli_args=("${tls_cli[@]}" --set "client_cert=$tmp/client.pem" --set "client_key=$tmp/client.key")
	start_cli
	wait_for 20 depth_is 0 && ok "the 5 waiting CDRs go once the client is right" ||
		not_ok "after fixing TLS: depth $(st queue_depth)"
	same_ids "after TLS refusals"
else
	not_ok "openssl could not make test certificates"
fi

end
