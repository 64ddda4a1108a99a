"""The shop's display font: a small pixel face built at start-up with fontTools (WOFF)."""

from __future__ import annotations

import io

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen

FAMILY = "Golive Pixel"
UNITS = 1000
PIXEL = 100  # a 5 x 7 grid of 100-unit squares, one pixel of space either side
ADVANCE = 7 * PIXEL

# the letters of "golive demo shop", 5 columns x 7 rows, top row first
GLYPHS: dict[str, tuple[str, ...]] = {
    "d": ("....#", "....#", ".####", "#...#", "#...#", "#...#", ".####"),
    "e": (".....", ".....", ".###.", "#...#", "#####", "#....", ".###."),
    "g": (".....", ".####", "#...#", "#...#", ".####", "....#", ".###."),
    "h": ("#....", "#....", "####.", "#...#", "#...#", "#...#", "#...#"),
    "i": ("..#..", ".....", ".##..", "..#..", "..#..", "..#..", ".###."),
    "l": (".##..", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."),
    "m": (".....", ".....", "##.#.", "#.#.#", "#.#.#", "#.#.#", "#.#.#"),
    "o": (".....", ".....", ".###.", "#...#", "#...#", "#...#", ".###."),
    "p": (".....", "####.", "#...#", "#...#", "####.", "#....", "#...."),
    "s": (".....", ".....", ".####", "#....", ".###.", "....#", "####."),
    "v": (".....", ".....", "#...#", "#...#", "#...#", ".#.#.", "..#.."),
}


def _glyph(rows: tuple[str, ...]) -> object:
    pen = TTGlyphPen(None)
    for r, row in enumerate(rows):
        for c, cell in enumerate(row):
            if cell != "#":
                continue
            x0, y1 = PIXEL + c * PIXEL, (7 - r) * PIXEL
            x1, y0 = x0 + PIXEL, y1 - PIXEL
            pen.moveTo((x0, y0))  # clockwise: TrueType's outer contours
            pen.lineTo((x0, y1))
            pen.lineTo((x1, y1))
            pen.lineTo((x1, y0))
            pen.closePath()
    return pen.glyph()


def build_font() -> bytes:
    names = [".notdef", "space", *GLYPHS]
    builder = FontBuilder(UNITS, isTTF=True)
    builder.setupGlyphOrder(names)
    builder.setupCharacterMap({ord(" "): "space", **{ord(ch): ch for ch in GLYPHS}})
    empty = TTGlyphPen(None).glyph()
    builder.setupGlyf({".notdef": empty, "space": empty,
                       **{ch: _glyph(rows) for ch, rows in GLYPHS.items()}})
    builder.setupHorizontalMetrics({name: (ADVANCE, 0) for name in names})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": FAMILY, "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=800, sTypoDescender=-200, usWinAscent=800, usWinDescent=200)
    builder.setupPost()
    builder.font.flavor = "woff"
    out = io.BytesIO()
    builder.save(out)
    return out.getvalue()
