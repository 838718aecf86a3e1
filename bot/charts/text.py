"""Text helpers shared by the renderers: safe labels and locale-independent dates."""

from __future__ import annotations

import unicodedata
from datetime import date

# Spelled out rather than strftime("%b") so output does not change with the server's locale.
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

_NONCHARACTERS = frozenset({0xFFFE, 0xFFFF})


def clean_text(text: str) -> str:
    """``text`` on one line, without characters XML forbids or a font cannot place.

    Escaping alone is not enough for SVG: control characters and lone surrogates are invalid XML
    even when escaped, and newlines would make Pillow draw a second, overlapping line.
    """
    kept: list[str] = []
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Zl", "Zp"):
            kept.append(" ")
        elif category == "Cs" or ord(char) in _NONCHARACTERS:
            continue
        else:
            kept.append(char)
    return " ".join("".join(kept).split())


def short_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]}"


def date_range(start: date, end: date) -> str:
    """A human range such as "3 Nov to 2 Dec 2026"."""
    if start == end:
        return f"{short_date(end)} {end.year}"
    if start.year == end.year:
        return f"{short_date(start)} to {short_date(end)} {end.year}"
    return f"{short_date(start)} {start.year} to {short_date(end)} {end.year}"
