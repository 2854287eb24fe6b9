#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Small network probes for the integration tests (run inside lab namespaces).

  udp-echo HOST PORT COUNT        send COUNT datagrams, print how many came back
  udp-server ADDR PORT SECONDS    echo datagrams for SECONDS (a Linux service)
  bind PORT                       try to bind UDP PORT: prints ok or the errno name
  raw IFNAME DSTMAC               send malformed frames (prints how many sent)
  http-get URL                    print the body's length, exit 1 on failure
  rtp-garbage HOST PORT LPORT     from LPORT: valid PCMU RTP, then one of each
                                  malformed kind (prints how many sent)
"""
import errno
import os
import socket
import struct
import sys
import time
import urllib.request


def udp_echo(host, port, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.5)
    back = 0
    for i in range(int(count)):
        msg = b"probe-%d-%d" % (os.getpid(), i)
        s.sendto(msg, (host, int(port)))
        try:
            data, _ = s.recvfrom(2048)
            if data == msg:
                back += 1
        except socket.timeout:
            pass
    print(back)


def udp_server(addr, port, seconds):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    s.settimeout(0.2)
    end = time.time() + float(seconds)
    while time.time() < end:
        try:
            data, peer = s.recvfrom(2048)
            s.sendto(data, peer)
        except socket.timeout:
            pass


def bind(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("0.0.0.0", int(port)))
        print("ok")
    except OSError as e:
        print(errno.errorcode.get(e.errno, str(e.errno)))


def raw(ifname, dstmac):
    dst = bytes.fromhex(dstmac.replace(":", ""))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    src = s.getsockname()[4][:6]
    eth = dst + src
    ip_ok = lambda proto, payload, ihl=5, tot=None: struct.pack(
        "!BBHHHBBH4s4s", 0x40 | ihl, 0, tot if tot is not None else 20 + len(payload),
        1, 0, 64, proto, 0, socket.inet_aton("198.18.0.20"),
        socket.inet_aton("198.18.0.10")) + payload
    frames = [
        eth + b"\x08\x00",                               # header only
        eth + b"\x08\x00" + b"\x45",                     # IPv4 cut short
        eth + b"\x08\x00" + ip_ok(17, b"\x00" * 8, ihl=3),          # bad IHL
        eth + b"\x08\x00" + ip_ok(17, b"\x00" * 8, tot=4000),       # long total
        eth + b"\x08\x00" + ip_ok(17, b"\x00\x07"),                 # UDP cut
        eth + b"\x08\x00" + ip_ok(17, struct.pack("!HHHH", 1234, 7, 400, 0)),
        eth + b"\x08\x06" + b"\x00\x01\x08\x00\x06",     # ARP cut short
        eth + b"\x81\x00" + b"\x00" * 50,                # VLAN
        eth + b"\x08\x00" + os.urandom(60),              # garbage IPv4
        eth + b"\x08\x00" + ip_ok(17, b"\x00" * 8) + b"\x00" * 8000,  # oversized
    ]
    sent = 0
    for f in frames:
        try:
            s.send(f)
            sent += 1
        except OSError:
            pass
    print(sent)


def rtp_garbage(host, port, lport):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", int(lport)))
    dst = (host, int(port))
    hdr = lambda seq, ssrc=0x11223344, first=0x80: struct.pack(
        "!BBHII", first, 0, seq, seq * 160, ssrc)
    # an established stream first: 50 packets, 20 ms apart
    for seq in range(50):
        s.sendto(hdr(seq) + b"\xff" * 160, dst)
        time.sleep(0.02)
    bad = [
        hdr(50, first=0x40) + b"\xff" * 160,          # version 1
        hdr(51)[:8],                                   # truncated header
        hdr(52, ssrc=0x55667788) + b"\xff" * 160,     # wrong SSRC
        hdr(53, first=0x8f) + b"\xff" * 8,            # 15 CSRCs, 8 bytes
        hdr(54, first=0xa0) + b"\xff" * 20 + b"\xc8", # padding 200 > payload
        hdr(55, first=0xa0) + b"\xff" * 20 + b"\x00", # padding length 0
    ]
    for b in bad:
        s.sendto(b, dst)
        time.sleep(0.02)
    for seq in range(56, 106):                         # and valid again
        s.sendto(hdr(seq) + b"\xff" * 160, dst)
        time.sleep(0.02)
    print(len(bad))


def http_get(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        print(len(r.read()))


cmds = {"udp-echo": udp_echo, "udp-server": udp_server, "bind": bind,
        "raw": raw, "http-get": http_get, "rtp-garbage": rtp_garbage}
if len(sys.argv) < 2 or sys.argv[1] not in cmds:
    sys.exit(__doc__)
try:
    cmds[sys.argv[1]](*sys.argv[2:])
except Exception as e:  # a probe that fails says so and exits 1
    print("error: %s" % e)
    sys.exit(1)
