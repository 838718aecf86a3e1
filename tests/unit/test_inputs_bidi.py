"""Bidirectional-control characters are stripped from what arrives (``clean``) and from what is
shown (``strip_bidi``): embedded in a name they reorder what staff read ("Sam " + U+202E +
"nosirraH" shows as "Sam Harrison"; a patient code or an alert can read backwards)."""

from __future__ import annotations

import pytest

from bot.domain.inputs import clean, strip_bidi

BIDI = [
    "\u202a",  # LEFT-TO-RIGHT EMBEDDING
    "\u202b",  # RIGHT-TO-LEFT EMBEDDING
    "\u202c",  # POP DIRECTIONAL FORMATTING
    "\u202d",  # LEFT-TO-RIGHT OVERRIDE
    "\u202e",  # RIGHT-TO-LEFT OVERRIDE
    "\u2066",  # LEFT-TO-RIGHT ISOLATE
    "\u2067",  # RIGHT-TO-LEFT ISOLATE
    "\u2068",  # FIRST STRONG ISOLATE
    "\u2069",  # POP DIRECTIONAL ISOLATE
    "\u200e",  # LEFT-TO-RIGHT MARK
    "\u200f",  # RIGHT-TO-LEFT MARK
    "\u061c",  # ARABIC LETTER MARK
]


@pytest.mark.parametrize("control", BIDI, ids=[f"U+{ord(c):04X}" for c in BIDI])
def test_clean_strips_each_bidi_control(control: str) -> None:
    assert clean(f"Sam {control}nosirraH{control}") == "Sam nosirraH"
    assert strip_bidi(f"K7{control}QM2X") == "K7QM2X"


def test_a_spoofed_name_and_code() -> None:
    assert clean("Sam \u202enosirraH") == "Sam nosirraH"
    assert clean("\u2067X2MQ7K\u2069") == "X2MQ7K"
    assert clean("\u202b\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c") == ""


def test_clean_keeps_what_it_kept() -> None:
    # C0 controls (not tab, LF, CR) and DEL go, as before; NUL too.
    assert clean("a\x00b\x07c\x1bd\x7fe") == "abcde"
    assert clean("line one\nline two\r\n\ttab") == "line one\nline two\r\n\ttab"
    # Right-to-left text itself, joiners in emoji and combining marks stay.
    for kept in ("שלום", "مرحبا", "👩‍⚕️", "e\u0301", "a\u200bb", "a\u200db", "zero\u200cwidth"):
        assert clean(kept) == kept
    assert strip_bidi("שלום Sam") == "שלום Sam"
