#!/usr/bin/python3
"""gen_addon_images.py - draws the Home Assistant add-on's icon.png
(128x128) and logo.png (250x100): a sun over a solar panel, with the
Python standard library only (zlib PNG writer).

    tools/gen_addon_images.py dist/ha-addon/mppd
"""
import math
import struct
import sys
import zlib

SUN = (255, 183, 0, 255)
PANEL = (33, 90, 160, 255)
GRID = (200, 220, 240, 255)
TEXT = (40, 40, 40, 255)
CLEAR = (0, 0, 0, 0)

# 5x7 glyphs for the logo's text.
FONT = {
    "m": ["00000", "00000", "11010", "10101", "10101", "10101", "10101"],
    "p": ["00000", "00000", "11110", "10001", "11110", "10000", "10000"],
    "d": ["00001", "00001", "01111", "10001", "10001", "10001", "01111"],
}


def png(path, w, h, px):
    raw = b"".join(b"\0" + bytes(c for p in px[y * w:(y + 1) * w] for c in p)
                   for y in range(h))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(chunk(b"IEND", b""))


def draw(w, h, s, ox):
    """The picture in a s x s square at x offset ox."""
    px = [CLEAR] * (w * h)

    def put(x, y, c):
        if 0 <= x < w and 0 <= y < h:
            px[y * w + x] = c
    cx, cy, r = ox + s * 0.62, s * 0.30, s * 0.17
    for y in range(h):
        for x in range(ox, ox + s):
            dx, dy = x + 0.5 - cx, y + 0.5 - cy
            d = math.hypot(dx, dy)
            a = math.atan2(dy, dx)
            if d <= r or (r * 1.3 < d < r * 1.85 and
                          math.cos(a * 8) > 0.55):
                put(x, y, SUN)
    # The panel: a parallelogram with a grid, lower left.
    top, bot = s * 0.48, s * 0.92
    for y in range(int(top), int(bot)):
        t = (y - top) / (bot - top)
        x0 = ox + s * (0.22 - 0.14 * t)
        x1 = ox + s * (0.78 - 0.06 * t)
        for x in range(int(x0), int(x1)):
            u = (x - x0) / (x1 - x0)
            grid = (abs(u * 4 - round(u * 4)) < 0.04 or
                    abs(t * 3 - round(t * 3)) < 0.05)
            put(x, y, GRID if grid else PANEL)
    return px


def main(out):
    png(f"{out}/icon.png", 128, 128, draw(128, 128, 128, 0))
    w, h = 250, 100
    px = draw(w, h, 100, 0)
    scale = 6
    for i, ch in enumerate("mppd"):
        for gy, row in enumerate(FONT[ch]):
            for gx, bit in enumerate(row):
                if bit == "1":
                    for yy in range(scale):
                        for xx in range(scale):
                            x = 108 + i * 6 * scale + gx * scale + xx
                            y = 22 + gy * scale + yy
                            if 0 <= x < w and 0 <= y < h:
                                px[y * w + x] = TEXT
    png(f"{out}/logo.png", w, h, px)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
