"""Text helpers shared by the renderers: safe labels, and dates in the reader's language."""

from __future__ import annotations

import unicodedata
from datetime import date
from functools import cache
from typing import Literal

from babel.dates import get_day_names, get_month_names

from bot.i18n import N_, t

# Said in place of a craving trend, by both renderers.
NO_CHECKINS_YET = N_("No check-ins yet")
NO_CHECKINS_HERE = N_("No check-ins in these days")

_NONCHARACTERS = frozenset({0xFFFE, 0xFFFF})


@cache
def month_names(lang: str = "en") -> tuple[str, ...]:
    """Short month names, January first ("Jan", "ene"), from Babel (CLDR), so the output does
    not change with the server's locale."""
    names = get_month_names("abbreviated", context="stand-alone", locale=_locale(lang))
    return tuple(names[month] for month in range(1, 13))


@cache
def weekday_names(
    lang: str = "en", width: Literal["abbreviated", "narrow"] = "abbreviated"
) -> tuple[str, ...]:
    """Weekday names, Monday first: "Mon" or "lun"; ``width="narrow"`` gives "M" or "L"."""
    names = get_day_names(width, context="stand-alone", locale=_locale(lang))
    return tuple(names[day] for day in range(7))


def _locale(lang: str) -> str:
    return "es" if lang == "es" else "en"


# English names, for callers that need no language.
MONTHS = month_names("en")
WEEKDAYS = weekday_names("en")


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


def short_date(day: date, lang: str = "en") -> str:
    """ "3 Dec" (English) or "3 dic" (Spanish): day first in both."""
    return f"{day.day} {month_names(lang)[day.month - 1]}"


def date_range(start: date, end: date, lang: str = "en") -> str:
    """A human range such as "3 Nov to 2 Dec 2026" ("3 nov al 2 dic 2026")."""
    if start == end:
        return f"{short_date(end, lang)} {end.year}"
    if start.year == end.year:
        return t(
            lang,
            "{start} to {end} {year}",
            start=short_date(start, lang),
            end=short_date(end, lang),
            year=end.year,
        )
    return t(
        lang,
        "{start} {start_year} to {end} {year}",
        start=short_date(start, lang),
        start_year=start.year,
        end=short_date(end, lang),
        year=end.year,
    )
