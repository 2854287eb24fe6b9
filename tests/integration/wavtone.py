#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""What tone a WAV recording (8 kHz mono 16-bit, as the PSTN simulator
records a line) holds: its cadence and which of the given frequencies it
is made of.

    wavtone.py FILE F1 F2 ...

prints one line, "on_ms=N off_ms=N freqs=A+B": the median length of its
sounding and of its silent stretches (20 ms resolution; off_ms 0: it never
stops) and the two of F1 F2 ... with the most power while it sounds
(Goertzel). A recording without any sound prints "on_ms=0 off_ms=0
freqs=-". Exit status 2 on a file it cannot read.
"""
import math
import statistics
import struct
import sys
import wave

RATE = 8000
WIN = 160                 # 20 ms
ON_MEAN_SQ = 30.0 ** 2    # about -60 dBm0: a window that sounds


def goertzel(seg, f):
    k = 2 * math.cos(2 * math.pi * f / RATE)
    a = b = 0.0
    for v in seg:
        a, b = v + k * a - b, a
    return a * a + b * b - k * a * b


def runs(flags):
    """lengths of the runs of True and of False, the first and last runs
    (cut by the recording's ends) left out"""
    out = {True: [], False: []}
    n, cur = 0, None
    edges = 0
    for f in flags:
        if f == cur:
            n += 1
            continue
        if cur is not None:
            if edges:
                out[cur].append(n)
            edges += 1
        cur, n = f, 1
    return out


def main():
    if len(sys.argv) < 4:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        with wave.open(sys.argv[1]) as w:
            n = w.getnframes()
            x = struct.unpack('<%dh' % n, w.readframes(n))
    except (OSError, wave.Error, struct.error) as e:
        print("wavtone: %s: %s" % (sys.argv[1], e), file=sys.stderr)
        return 2
    freqs = [int(f) for f in sys.argv[2:]]
    wins = [x[i:i + WIN] for i in range(0, len(x) - WIN + 1, WIN)]
    on = [sum(v * v for v in s) / WIN > ON_MEAN_SQ for s in wins]
    if not any(on):
        print("on_ms=0 off_ms=0 freqs=-")
        return 0
    r = runs(on)
    on_ms = statistics.median(r[True]) * 20 if r[True] else len(wins) * 20
    off_ms = statistics.median(r[False]) * 20 if r[False] else 0
    sounding = [v for s, o in zip(wins, on) if o for v in s]
    power = sorted(freqs, key=lambda f: goertzel(sounding, f), reverse=True)
    print("on_ms=%d off_ms=%d freqs=%s" %
          (on_ms, off_ms, "+".join(str(f) for f in sorted(power[:2]))))
    return 0


if __name__ == '__main__':
    sys.exit(main())
