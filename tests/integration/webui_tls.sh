#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# webd alone, over HTTPS, as on a real board that has never been logged
# into: a network namespace of its own (unshare), a self-signed
# certificate, no account file. The factory password logs in but every
# call but the password change is refused until a new password is set; the
# cookie is Secure; plain HTTP gets no answer on the HTTPS port; the new
# password is stored as a PBKDF2 hash.
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
trap finish EXIT
unset GW_CONFIG GW_BOARD GW_RUN_DIR

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" \
	-out "$tmp/cert.pem" -days 2 -subj /CN=gateway >/dev/null 2>&1
cat >"$tmp/local.ini" <<INI
[board]
run_dir = $tmp/run
[web]
port = 8443
tls_cert = $tmp/cert.pem
tls_key = $tmp/key.pem
passwd_file = $tmp/web-passwd
www_dir = $PWD/rootfs/usr/share/gateway/www
log_file = $tmp/webd.log
INI
cat >"$tmp/run.sh" <<'SH'
ip link set lo up
"$BIN/webd" --config "$TMPD/local.ini" >"$TMPD/webd.log" 2>&1 &
for _ in $(seq 50); do
	curl -sk -m 1 -o /dev/null https://127.0.0.1:8443/ && break
	sleep 0.1
done
C="curl -sk -m 10 -b $TMPD/cj -c $TMPD/cj -D $TMPD/hdr -o $TMPD/body -w %{http_code}"
J() { jq -r "$1" "$TMPD/body"; }
out() { echo "$1 $2"; }
out page "$($C https://127.0.0.1:8443/)"
out login "$($C -X POST -d '{"username":"admin","password":"admin"}' https://127.0.0.1:8443/api/login)"
out must_change "$(J .must_change_password)"
out cookie "$(grep -ic '^set-cookie: gw_session=.*HttpOnly; SameSite=Strict;.*Secure' $TMPD/hdr)"
csrf=$(J .csrf)
out status_before "$($C https://127.0.0.1:8443/api/status)"
out weak "$($C -X PUT -H "X-CSRF-Token: $csrf" -d '{"current":"admin","new":"short"}' https://127.0.0.1:8443/api/system/password)"
out change "$($C -X PUT -H "X-CSRF-Token: $csrf" -d '{"current":"admin","new":"a-new-secret"}' https://127.0.0.1:8443/api/system/password)"
out status_after "$($C https://127.0.0.1:8443/api/status)"
out old_password "$($C -X POST -d '{"username":"admin","password":"admin"}' https://127.0.0.1:8443/api/login)"
out new_password "$($C -X POST -d '{"username":"admin","password":"a-new-secret"}' https://127.0.0.1:8443/api/login)"
out plain_http "$(curl -s -m 3 -o /dev/null -w %{http_code} http://127.0.0.1:8443/ 2>/dev/null)"
kill %1
wait
SH
if ! BIN=$PWD/build/bin TMPD=$tmp unshare --net bash "$tmp/run.sh" >"$tmp/res" 2>&1; then
	not_ok "webd in its own namespace" "$(cat "$tmp/res" "$tmp/webd.log")"
fi
r() { sed -n "s/^$1 //p" "$tmp/res"; }
check "the pages are served over HTTPS" test "$(r page)" = 200
check "the factory password logs in" test "$(r login)" = 200
check "and must be changed" test "$(r must_change)" = true
check "the session cookie is Secure, HttpOnly, SameSite=Strict" test "$(r cookie)" = 1
check "nothing else before the new password (403)" test "$(r status_before)" = 403
check "a weak new password is refused (400)" test "$(r weak)" = 400
check "the new password is set" test "$(r change)" = 200
check "then the API answers" test "$(r status_after)" = 200
check "the factory password no longer logs in" test "$(r old_password)" = 401
check "the new one does" test "$(r new_password)" = 200
check "plain HTTP gets no page on the HTTPS port" test "$(r plain_http)" != 200
check "the account file holds a PBKDF2 hash" grep -q '^admin:\$pbkdf2-sha256\$600000\$[^:]*:$' "$tmp/web-passwd"
check "and not the password" sh -c "! grep -q a-new-secret '$tmp/web-passwd'"
