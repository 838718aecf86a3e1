"""What arrives from outside, made safe to compute with: ids, small numbers, text.

A button's data and a typed message can be anything (a forged callback, a paste full of control
characters). ``str.isdigit`` is true for "²" and "①", which ``int`` refuses, and a number can be
larger than any id column holds; Postgres refuses U+0000 in text altogether. So every id comes
through :func:`parse_id` and every text through :func:`clean`.

Bidirectional controls (embeddings, overrides, isolates and the invisible direction marks) go
too: in a name they reorder what staff read ("Sam " + U+202E + "nosirraH" shows as "Sam
Harrison"; a code or an alert can read backwards). Right-to-left text itself needs none of them
to display. :func:`strip_bidi` cleans names stored before this, wherever they are shown.
"""

from __future__ import annotations

import re

MAX_ID = 2**31 - 1  # the largest value of an INTEGER id column (Postgres)
_ASCII_DIGITS = re.compile(r"[0-9]{1,10}")
# C0 controls other than tab, line feed and carriage return, and DEL: never meaningful in a chat
# message or a name, and NUL cannot be stored at all.
_C0 = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
# LRM, RLM, ALM; LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI.
_BIDI = "\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069"
_BIDI_CONTROLS = re.compile(f"[{_BIDI}]")
_CONTROLS = re.compile(f"[{_C0}{_BIDI}]")


def parse_id(text: str) -> int | None:
    """A positive database id written in ASCII digits, or None."""
    if not _ASCII_DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


def parse_number(text: str, maximum: int) -> int | None:
    """A whole number from 0 to ``maximum`` written in ASCII digits, or None."""
    if not _ASCII_DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if value <= maximum else None


def clean(text: str) -> str:
    """``text`` without C0 controls (but tab, line feed and carriage return), DEL and
    bidirectional controls."""
    return _CONTROLS.sub("", text)


def strip_bidi(text: str) -> str:
    """``text`` without bidirectional controls: for showing names and notes to staff."""
    return _BIDI_CONTROLS.sub("", text)
