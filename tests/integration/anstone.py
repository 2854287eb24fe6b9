#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write a modem's answer tone as the PSTN simulator plays a line's WAV:
V.25 ANS/, 2100 Hz with its phase reversed every 450 ms, 8 kHz mono
16-bit.

    anstone.py FILE [DBM0 [SECONDS]]

DBM0 defaults to -12 and SECONDS to 3 (a sine at 0 dBm0 peaks 3.14 dB
below full scale, G.711's digital milliwatt).
"""
import math
import struct
import sys
import wave

RATE = 8000
HZ = 2100
REVERSAL = 3600         # samples: 450 ms


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    dbm0 = float(argv[2]) if len(argv) > 2 else -12.0
    seconds = float(argv[3]) if len(argv) > 3 else 3.0
    a = 32767 * 10 ** ((dbm0 - 3.14) / 20)
    with wave.open(argv[1], "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"".join(
            struct.pack("<h", int(a * math.sin(
                2 * math.pi * HZ * i / RATE +
                (math.pi if i // REVERSAL % 2 else 0))))
            for i in range(int(RATE * seconds))))


if __name__ == "__main__":
    main(sys.argv)
