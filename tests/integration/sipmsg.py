#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Send one SIP message, well-formed or not, and print the answer's status
line ("SIP/2.0 400 Bad Request") or "no answer".

  sipmsg.py --src IP --dst IP:PORT [--proto udp|tcp|tls] [--ca FILE]
            [--timeout S] [--dscp] KIND

--dscp (udp): the line ends with the answer's DSCP, " dscp=N".

tls: the server's certificate must be signed by --ca (or be it) and name
the destination's address; the first line printed is then the answer.

KIND:
  options     OPTIONS (a keep-alive: the engine answers 200)
  register    REGISTER for 1001 without credentials (401, or 403 when the
              source address is blocked)
  garbage     random printable bytes
  binary      random bytes
  truncated   an INVITE cut in the middle of its headers
  nocallid    an INVITE without Call-ID (mandatory)
  badcl       an INVITE whose Content-Length is larger than its body
  badvia      an OPTIONS whose Via is not a Via
"""
import argparse
import random
import socket
import ssl
import sys

PROTO = "UDP"   # the transport, in Via

def request(method, dst, src, extra="", body="", callid=True, cl=None):
    tag = random.randrange(1 << 30)
    lines = [
        f"{method} sip:1001@{dst} SIP/2.0",
        f"Via: SIP/2.0/{PROTO} {src};rport;branch=z9hG4bK{tag}",
        "Max-Forwards: 70",
        f"From: <sip:1001@{dst}>;tag={tag}",
        f"To: <sip:1001@{dst}>",
    ]
    if callid:
        lines.append(f"Call-ID: {tag}@{src}")
    lines.append(f"CSeq: 1 {method}")
    if extra:
        lines.append(extra)
    lines.append(f"Content-Length: {len(body) if cl is None else cl}")
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def message(kind, dst, src):
    rnd = random.Random(kind)
    if kind == "options":
        return request("OPTIONS", dst, src)
    if kind == "register":
        return request("REGISTER", dst, src,
                       f"Contact: <sip:1001@{src}>\r\nExpires: 60")
    if kind == "garbage":
        return bytes(rnd.randrange(32, 127) for _ in range(300))
    if kind == "binary":
        return bytes(rnd.randrange(256) for _ in range(300))
    if kind == "truncated":
        return request("INVITE", dst, src)[:70]
    if kind == "nocallid":
        return request("INVITE", dst, src, callid=False)
    if kind == "badcl":
        return request("INVITE", dst, src,
                       "Content-Type: application/sdp", "v=0\r\n", cl=400)
    if kind == "badvia":
        return request("OPTIONS", dst, src).replace(
            f"Via: SIP/2.0/{PROTO}".encode(), b"Via: nonsense")
    raise SystemExit(f"unknown kind {kind}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", required=True)
    ap.add_argument("--dst", required=True)
    ap.add_argument("--proto", default="udp", choices=("udp", "tcp", "tls"))
    ap.add_argument("--ca")
    ap.add_argument("--timeout", type=float, default=2.0)
    ap.add_argument("--dscp", action="store_true")
    ap.add_argument("kind")
    a = ap.parse_args()
    global PROTO
    host, port = a.dst.rsplit(":", 1)
    PROTO = a.proto.upper()
    kind = socket.SOCK_DGRAM if a.proto == "udp" else socket.SOCK_STREAM
    s = socket.socket(socket.AF_INET, kind)
    s.settimeout(a.timeout)
    s.bind((a.src, 0))
    dscp = a.dscp and a.proto == "udp"
    if dscp:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_RECVTOS, 1)
    data = message(a.kind, host, "%s:%d" % s.getsockname())
    try:
        s.connect((host, int(port)))
        if a.proto == "tls":
            ctx = ssl.create_default_context(cafile=a.ca)
            s = ctx.wrap_socket(s, server_hostname=host)
        s.sendall(data)
        if a.proto != "udp" and a.kind in ("truncated", "badcl"):
            s.shutdown(socket.SHUT_WR)    # the rest never comes
        while True:
            anc = []    # TLS sockets have no recvmsg()
            if dscp:
                reply, anc, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(4))
            else:
                reply = s.recv(65536)
            if not reply:
                print("no answer (closed)")
                return 0
            first = reply.split(b"\r\n", 1)[0].decode(errors="replace")
            if not first.startswith("SIP/2.0 1"):    # skip provisional
                tos = [d[0] for lvl, typ, d in anc
                       if lvl == socket.IPPROTO_IP and typ == socket.IP_TOS]
                print(first + (" dscp=%d" % (tos[0] >> 2 if tos else -1)
                               if dscp else ""))
                return 0
    except ssl.SSLError as e:
        print(f"TLS error ({e.reason})")
    except (socket.timeout, ConnectionError) as e:
        print(f"no answer ({e.__class__.__name__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
