"""How many SMS segments a text costs, counted the way carriers and Twilio count them.

A text goes out in GSM-7 when every character is in the GSM 03.38 default alphabet (its basic
table, plus the extension table, whose characters take an escape septet and so count two); one
character outside it and the *whole* text goes out as UCS-2 (UTF-16, two bytes per unit). A
segment holds 140 bytes: 160 septets or 70 UTF-16 units. Once a text needs more than one, each
part also carries a 6-byte concatenation header, leaving 153 septets or 67 units per part.

Two things are never split across parts: an extension character's escape and the character
itself, and the two halves of a surrogate pair (an emoji is two UTF-16 units). A part that
cannot take the whole pair ends one unit short, so a long text can need a part more than
``ceil(units / 153)`` suggests; :func:`measure` packs the parts as a phone would.

Every part is billed, so the count matters: issue 16 keeps each reminder to one segment in both
languages. Spanish rarely fits GSM-7: é, ñ, ü, ¿ and ¡ are in the table, but á, í, ó and ú are
not, so "día" or "está" make the whole text UCS-2 and the limit 70, not 160. The 3GPP national
language shift tables (a Spanish one has á í ó ú) are not counted: a sender cannot rely on US
networks and handsets supporting them. Twilio's Smart Encoding, if a clinic turns it on, only
ever replaces characters with GSM-7 look-alikes, which can only lower the count. So the count
here is what is billed at most.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "GSM_PART",
    "GSM_SINGLE",
    "UCS2_PART",
    "UCS2_SINGLE",
    "Encoding",
    "SegmentInfo",
    "encoding",
    "measure",
    "parts",
    "segments",
]

Encoding = Literal["GSM-7", "UCS-2"]

GSM_SINGLE = 160  # septets in a text that fits one segment
GSM_PART = 153  # septets per part of a concatenated text
UCS2_SINGLE = 70  # UTF-16 units in a text that fits one segment
UCS2_PART = 67  # UTF-16 units per part of a concatenated text

# GSM 03.38 (3GPP TS 23.038) default alphabet, positions 0x00-0x7F in order. Position 0x1B is
# the escape to the extension table, not a character anyone can send, so it is left out below.
_BASIC_TABLE = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
_BASIC = frozenset(_BASIC_TABLE) - {"\x1b"}
# The extension table: each is sent as ESC + a septet. Form feed is in it too.
_EXTENSION = frozenset("\f^{}\\[~]|€")


@dataclass(frozen=True)
class SegmentInfo:
    """What a text costs and why.

    ``units`` are septets for GSM-7 and UTF-16 code units for UCS-2. ``first_non_gsm`` and
    ``first_non_gsm_at`` (an index into the text) name the character that forced UCS-2, so a
    test or a translator is told *which* letter to change rather than only that a text is long.
    """

    encoding: Encoding
    units: int
    segments: int
    first_non_gsm: str | None = None
    first_non_gsm_at: int | None = None

    @property
    def limit(self) -> int:
        """Units that fit in one segment in this encoding."""
        return GSM_SINGLE if self.encoding == "GSM-7" else UCS2_SINGLE

    def explain(self) -> str:
        """One line for an assertion message or a log (the text itself is not repeated)."""
        line = f"{self.segments} segment(s), {self.units} {self.encoding} units"
        line += f" (one segment holds {self.limit})"
        if self.first_non_gsm is not None:
            line += (
                f"; UCS-2 because of {self.first_non_gsm!r} "
                f"(U+{ord(self.first_non_gsm):04X}) at index {self.first_non_gsm_at}"
            )
        return line


def _first_non_gsm(text: str) -> int | None:
    for index, char in enumerate(text):
        if char not in _BASIC and char not in _EXTENSION:
            return index
    return None


def _weights(text: str, gsm: bool) -> list[int]:
    if gsm:
        return [2 if char in _EXTENSION else 1 for char in text]
    return [2 if ord(char) > 0xFFFF else 1 for char in text]


def _part_ends(weights: list[int], single: int, per_part: int) -> list[int]:
    """Where each part ends (exclusive character indices); no character is split."""
    total = sum(weights)
    if total == 0:
        return []
    if total <= single:
        return [len(weights)]
    ends: list[int] = []
    used = 0
    for index, weight in enumerate(weights):
        if used + weight > per_part:
            ends.append(index)
            used = 0
        used += weight
    ends.append(len(weights))
    return ends


def _layout(text: str) -> tuple[SegmentInfo, list[int]]:
    bad = _first_non_gsm(text)
    gsm = bad is None
    weights = _weights(text, gsm)
    if gsm:
        ends = _part_ends(weights, GSM_SINGLE, GSM_PART)
        info = SegmentInfo("GSM-7", sum(weights), len(ends))
    else:
        assert bad is not None
        ends = _part_ends(weights, UCS2_SINGLE, UCS2_PART)
        info = SegmentInfo("UCS-2", sum(weights), len(ends), text[bad], bad)
    return info, ends


def measure(text: str) -> SegmentInfo:
    """Encoding, units and segments of ``text``; an empty text is no message (0 segments)."""
    return _layout(text)[0]


def encoding(text: str) -> Encoding:
    """ "GSM-7" if every character is in the GSM 03.38 alphabet, else "UCS-2"."""
    return "GSM-7" if _first_non_gsm(text) is None else "UCS-2"


def segments(text: str) -> int:
    """How many segments ``text`` is sent (and billed) as."""
    return measure(text).segments


def parts(text: str) -> tuple[str, ...]:
    """``text`` cut where a phone would cut it: what each segment carries."""
    _, ends = _layout(text)
    starts = [0, *ends][: len(ends)]
    return tuple(text[start:end] for start, end in zip(starts, ends, strict=True))
