"""Reading what a patient types for times, dates and weekly plans.

Every parser returns a value or raises :class:`ParseError`. The error message
is written for the patient: one calm line that says what we could not read and
shows an example to copy. The caller can send ``str(error)`` as-is (escape it
if the chat message uses HTML/Markdown parse mode, since it quotes user text).

Leniency rule: accept anything that has exactly one sensible reading; refuse
anything that could mean two different things rather than guess.

Answers are read in English and Spanish alike, whatever the patient's language (people mix
them): "8 de la mañana", "mediodía", "3 de diciembre", "lun/mié/vie", with or without accents.
Error messages are in ``lang``.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, time, timedelta
from typing import Final

from babel.dates import get_day_names, get_month_names

from bot.domain.schedules import MAX_DOSE_MG, MAX_TIMES_PER_DAY, WeeklyRegimen
from bot.i18n import N_, nt, t

__all__ = [
    "DATE_EXAMPLE",
    "REGIMEN_EXAMPLE",
    "TIME_EXAMPLE",
    "ParseError",
    "parse_date",
    "parse_time_of_day",
    "parse_times_of_day",
    "parse_weekly_regimen",
    "quote_user_text",
]

# Examples shown in error messages (catalog texts: said with ``t(lang, ...)``).
TIME_EXAMPLE: Final = N_("08:00 or 8:30 pm")
TIMES_EXAMPLE: Final = N_("08:00 and 20:00")
DATE_EXAMPLE: Final = N_("3 Dec or 2026-12-03")
REGIMEN_EXAMPLE: Final = N_("100/100/150 mg Mon/Wed/Fri")


def _fold(text: str) -> str:
    """Casefold and drop accents ("Mañana" -> "manana", "mié" -> "mie")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class ParseError(ValueError):
    """Input we could not read. ``message`` is safe to show to the patient."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def quote_user_text(text: str, limit: int = 40) -> str:
    """Echo user text back on one short line, in curly quotes."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return f"“{flat}”"


def _time_error(text: str, lang: str = "en") -> ParseError:
    return ParseError(
        t(
            lang,
            "I couldn't read {text} as a time. Please send a time like {example}.",
            text=quote_user_text(text),
            example=t(lang, TIME_EXAMPLE),
        )
    )


# --------------------------------------------------------------------------
# Times of day

# "a.m." / "p. m." -> "am" / "pm"; undotted "am"/"pm" need no rewriting.
_MERIDIEM_SPELLINGS = re.compile(r"(?<![a-z])\s*([ap])\s*\.\s*m\b\.?")
_OCLOCK = re.compile(r"\s*o\s*['’]?\s*clock\b")

_TIME_RE = re.compile(
    r"""
    ^(?P<hour>\d{1,2})
    (?:\s*[:.h]\s*(?P<minute>\d{2})   # 8:30, 8.30, 20h30
       |\s*h)?                         # 20h
    \s*(?P<meridiem>am|pm|a|p)?$
    """,
    re.VERBOSE,
)
# 0830 / 830 / 2030 hrs: military-style, read as HHMM.
_COMPACT_RE = re.compile(r"^(?P<digits>\d{3,4})\s*(?:(?P<meridiem>am|pm|a|p)|hrs?)?$")

_NAMED_TIMES: Final = {
    "noon": time(12, 0),
    "12 noon": time(12, 0),
    "midday": time(12, 0),
    "12 midday": time(12, 0),
    "midnight": time(0, 0),
    "12 midnight": time(0, 0),
    # Spanish, accents already dropped ("mediodía").
    "mediodia": time(12, 0),
    "medio dia": time(12, 0),
    "12 mediodia": time(12, 0),
    "medianoche": time(0, 0),
    "media noche": time(0, 0),
    "12 medianoche": time(0, 0),
}

# Spanish: "8 y media" (8:30), "8 y cuarto" (8:15), "8 menos cuarto" (7:45).
_HALF_PAST = re.compile(r"\b(\d{1,2})\s+y\s+(media|cuarto)\b")
_QUARTER_TO = re.compile(r"\b(\d{1,2})\s+menos\s+cuarto\b")
# "8 de la mañana", "8:30 de la noche", "1 de la tarde", "12 del mediodía", "3 de la madrugada".
_PART_OF_DAY = re.compile(
    r"\b(\d{1,2})((?:\s*[:.h]\s*\d{2})?)\s*(?:de\s+la|en\s+la|por\s+la)\s+"
    r"(manana|tarde|noche|madrugada)\b"
    r"|\b(\d{1,2})((?:\s*[:.h]\s*\d{2})?)\s*(?:del|de)\s+(mediodia)\b"
)
# "a las 8", "a la 1", "las 9": the words before a Spanish time.
_SPANISH_AT = re.compile(r"\b(?:a\s+)?(?:las|la)\s+(?=\d)|\ba\s+(?=\d)")
_SPANISH_NOISE = re.compile(r"\ben\s+punto\b|\bhoras?\b|\bhrs?\b|\bhs\b")


def _part_of_day(match: re.Match[str]) -> str:
    hour_text = match[1] or match[4]
    minutes = (match[2] or match[5] or "").replace(" ", "")
    part = match[3] or match[6]
    hour = int(hour_text)
    if part == "manana" or part == "madrugada":
        meridiem = "am"
    elif part == "noche" and (hour == 12 or hour <= 4):
        meridiem = "am"  # "12 de la noche" is midnight, "1 de la noche" one in the morning
    else:
        meridiem = "pm"
    return f"{hour_text}{minutes} {meridiem}"


def _spanish_clock(s: str) -> str:
    s = _HALF_PAST.sub(lambda m: f"{m[1]}:{'30' if m[2] == 'media' else '15'}", s)
    s = _QUARTER_TO.sub(lambda m: f"{(int(m[1]) - 1) % 24}:45", s)
    s = _PART_OF_DAY.sub(_part_of_day, s)
    s = _SPANISH_NOISE.sub(" ", s)
    return _SPANISH_AT.sub("", s)


def _normalize_clock_text(text: str) -> str:
    s = _fold(text).strip()
    s = _MERIDIEM_SPELLINGS.sub(lambda m: f" {m.group(1)}m", s)
    s = _OCLOCK.sub("", s)
    s = _spanish_clock(s)
    s = s.rstrip(".!").strip()
    return " ".join(s.split())


def parse_time_of_day(text: str, lang: str = "en") -> time:
    """Parse one wall-clock time.

    Accepts 24-hour ("08:00", "8:00", "20:30", "20h30", "8.30", "0830",
    "2030 hrs"), 12-hour ("8am", "8 am", "8:30pm", "8.30 p.m."), a bare hour
    ("8" is 08:00, read as 24-hour), "noon" and "midnight"; in Spanish "8 de la mañana",
    "8 y media de la noche", "a las 20:00", "mediodía", "medianoche".
    Refuses "24:00" (asks for 00:00), out-of-range values, and mixed forms
    such as "13pm".
    """
    s = _normalize_clock_text(text)
    if not s:
        raise ParseError(
            t(
                lang,
                "I didn't catch a time. Please send a time like {example}.",
                example=t(lang, TIME_EXAMPLE),
            )
        )
    if s in _NAMED_TIMES:
        return _NAMED_TIMES[s]

    match = _TIME_RE.match(s)
    if match:
        hour = int(match["hour"])
        minute = int(match["minute"]) if match["minute"] else 0
        meridiem = match["meridiem"]
    else:
        match = _COMPACT_RE.match(s)
        if not match:
            raise _time_error(text, lang)
        digits = match["digits"]
        hour, minute = int(digits[:-2]), int(digits[-2:])
        meridiem = match["meridiem"]

    if minute > 59:
        raise _time_error(text, lang)
    if meridiem:
        return _apply_meridiem(text, hour, minute, meridiem[0] == "p", lang)
    if hour == 24 and minute == 0:
        raise ParseError(
            t(
                lang,
                "I couldn't use {text}. For midnight please send 00:00, or a time like {example}.",
                text=quote_user_text(text),
                example=t(lang, TIME_EXAMPLE),
            )
        )
    if hour > 23:
        raise _time_error(text, lang)
    return time(hour, minute)


def _apply_meridiem(text: str, hour: int, minute: int, pm: bool, lang: str = "en") -> time:
    if 13 <= hour <= 23:
        # "13pm": someone mixing 24-hour and am/pm. Show both correct forms.
        twelve = f"{hour - 12}:{minute:02d}" if minute else f"{hour - 12}"
        clock = f"{hour:02d}:{minute:02d}"
        raise ParseError(
            t(
                lang,
                "I couldn't read {text} as a time. Please send it as {clock} or {twelve} pm.",
                text=quote_user_text(text),
                clock=clock,
                twelve=twelve,
            )
        )
    if hour > 23 or (hour == 0 and pm):
        raise _time_error(text, lang)
    if hour == 12:
        hour = 0  # 12am is midnight, 12pm is noon (pm adds 12 back below)
    return time(hour + 12 if pm else hour, minute)


_LIST_SEPARATORS = re.compile(r"\s*(?:,|;|&|\+|/|\band\b|\bthen\b|\by\b|\bluego\b)\s*")
# Tokens that only make sense attached to the number before them ("8 am").
_SUFFIX_TOKENS = frozenset({"am", "pm", "a", "p", "h", "hrs", "hr"})
_NAMED_AFTER_12 = frozenset({"noon", "midday", "midnight", "mediodia", "medianoche"})


def _attaches_to(previous: str, word: str) -> bool:
    if word in _SUFFIX_TOKENS:
        return re.fullmatch(r"[\d:.h]+", previous) is not None
    return word in _NAMED_AFTER_12 and previous == "12"


def parse_times_of_day(text: str, lang: str = "en") -> list[time]:
    """Parse one or more times, e.g. "8am and 8pm", "08:00, 20:00", "8:00 20:00",
    "8 de la mañana y 8 de la noche".

    Returns them sorted and de-duplicated. At most MAX_TIMES_PER_DAY (4).
    """
    s = _normalize_clock_text(text)
    tokens: list[str] = []
    for chunk in _LIST_SEPARATORS.split(s):
        for word in chunk.split():
            if word in ("at", "las", "la"):
                continue
            if tokens and _attaches_to(tokens[-1], word):
                tokens[-1] = f"{tokens[-1]} {word}"
            else:
                tokens.append(word)
    if not tokens:
        raise ParseError(
            t(
                lang,
                "I didn't catch a time. Please send times like {example}.",
                example=t(lang, TIMES_EXAMPLE),
            )
        )

    # Each piece's own message already quotes that piece and shows an example.
    found = {parse_time_of_day(token, lang) for token in tokens}
    if len(found) > MAX_TIMES_PER_DAY:
        raise ParseError(
            t(
                lang,
                "That's {count} times, and I can remind you up to {most} times a day. "
                "Please send up to {most} times, like {example}.",
                count=len(found),
                most=MAX_TIMES_PER_DAY,
                example=t(lang, TIMES_EXAMPLE),
            )
        )
    return sorted(found)


# --------------------------------------------------------------------------
# Dates

_MONTHS: Final = {
    "jan": 1, "january": 1,
    "feb": 2, "february": 2,
    "mar": 3, "march": 3,
    "apr": 4, "april": 4,
    "may": 5,
    "jun": 6, "june": 6,
    "jul": 7, "july": 7,
    "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9,
    "oct": 10, "october": 10,
    "nov": 11, "november": 11,
    "dec": 12, "december": 12,
    # Spanish, accents dropped; "mar", "may", "jun", "jul", "sep", "oct", "nov" are shared.
    "ene": 1, "enero": 1,
    "febrero": 2,
    "marzo": 3,
    "abr": 4, "abril": 4,
    "mayo": 5,
    "junio": 6,
    "julio": 7,
    "ago": 8, "agosto": 8,
    "set": 9, "septiembre": 9, "setiembre": 9,
    "octubre": 10,
    "noviembre": 11,
    "dic": 12, "diciembre": 12,
}  # fmt: skip
_MONTH_SHORT = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAY_LONG = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_WEEKDAYS: Final = {
    "mon": 1, "monday": 1, "mondays": 1,
    "tue": 2, "tues": 2, "tuesday": 2, "tuesdays": 2,
    "wed": 3, "weds": 3, "wednesday": 3, "wednesdays": 3,
    "thu": 4, "thur": 4, "thurs": 4, "thursday": 4, "thursdays": 4,
    "fri": 5, "friday": 5, "fridays": 5,
    "sat": 6, "saturday": 6, "saturdays": 6,
    "sun": 7, "sunday": 7, "sundays": 7,
    # Spanish, accents dropped ("mié" -> "mie"). Not "mar": in a date that is March.
    "lun": 1, "lunes": 1,
    "martes": 2,
    "mie": 3, "miercoles": 3,
    "jue": 4, "jueves": 4,
    "vie": 5, "viernes": 5,
    "sab": 6, "sabado": 6, "sabados": 6,
    "dom": 7, "domingo": 7, "domingos": 7,
}  # fmt: skip
# In a weekly plan a month cannot appear, so "mar" is martes there ("lun/mar/jue").
_PLAN_WEEKDAYS: Final = {**_WEEKDAYS, "mar": 2}


def _weekday_name(weekday: int, lang: str) -> str:
    """Monday..Sunday (1..7) in ``lang``; English from the fixed table, as before."""
    if lang == "en":
        return _WEEKDAY_LONG[weekday - 1]
    return str(get_day_names("wide", locale=lang)[weekday - 1])


def _month_short(month: int, lang: str) -> str:
    if lang == "en":
        return _MONTH_SHORT[month - 1]
    return str(get_month_names("abbreviated", locale=lang)[month]).rstrip(".")


_MONTH_ALT = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAY_ALT = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_ORDINAL = r"(?:st|nd|rd|th|ro|º|°)?"

_ISO_DATE = re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})$")
_SLASH_DATE = re.compile(r"^(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?$")
_DAY_MONTH = re.compile(
    rf"^(?P<d>\d{{1,2}}){_ORDINAL}[\s-]*(?:(?:of|de)\s+)?(?P<mon>{_MONTH_ALT})\.?"
    rf"(?:[\s,-]+(?:del?\s+)?(?P<y>\d{{4}}))?$"
)
_MONTH_DAY = re.compile(
    rf"^(?P<mon>{_MONTH_ALT})\.?[\s-]*(?:the\s+)?(?P<d>\d{{1,2}}){_ORDINAL}"
    rf"(?:[\s,-]+(?:del?\s+)?(?P<y>\d{{4}}))?$"
)
_LEADING_WEEKDAY = re.compile(rf"^(?P<wd>{_WEEKDAY_ALT})\.?,?\s+(?P<rest>.+)$")


def _date_error(text: str, lang: str = "en") -> ParseError:
    return ParseError(
        t(
            lang,
            "I couldn't read {text} as a date. Please send a date like {example}.",
            text=quote_user_text(text),
            example=t(lang, DATE_EXAMPLE),
        )
    )


def _no_such_day(text: str, month: int, day: int, lang: str = "en") -> ParseError:
    return ParseError(
        t(
            lang,
            "There's no {day} {month} in the calendar. Please send a date like {example}.",
            day=day,
            month=_month_short(month, lang),
            example=t(lang, DATE_EXAMPLE),
        )
    )


_TODAY: Final = frozenset({"today", "hoy"})
_TOMORROW: Final = frozenset({"tomorrow", "tmrw", "tmr", "manana"})
_DAY_AFTER: Final = frozenset({"day after tomorrow", "the day after tomorrow", "pasado manana"})


def parse_date(text: str, today: date, lang: str = "en") -> date:
    """Parse a calendar date relative to ``today`` (the patient's local date).

    Accepts ISO "2026-12-03", "3 Dec", "Dec 3", "December 3rd", "3rd of
    December", "Dec 3, 2026", "today", "tomorrow", "day after tomorrow" and
    weekday names ("friday" is the next Friday, today included if today is a
    Friday; "this friday" is the same).

    Numeric "12/03" and "12/03/2026" are read US-style as month/day (3 Dec).
    When the first number cannot be a month ("25/12") the only sensible
    reading, day/month, is used.

    A date without a year is the next such date on or after ``today``.
    Dates in the past are returned as typed when they carry a year; the
    caller decides whether a past date makes sense.
    "next friday" is refused because people use it for two different days.

    Spanish too, accents optional: "3 de diciembre", "3 dic", "diciembre 3 de 2026", "hoy",
    "mañana", "pasado mañana", "el viernes", "este viernes" ("el próximo viernes" is refused
    like "next friday").
    """
    s = _fold(text).strip().rstrip(".!").strip()
    s = " ".join(s.split())
    s = re.sub(r"^(?:on|the|el|este|esta)\s+", "", s)
    if not s:
        raise ParseError(
            t(
                lang,
                "I didn't catch a date. Please send a date like {example}.",
                example=t(lang, DATE_EXAMPLE),
            )
        )

    if s in _TODAY:
        return today
    if s in _TOMORROW:
        return today + timedelta(days=1)
    if s in _DAY_AFTER:
        return today + timedelta(days=2)

    weekday_match = re.fullmatch(
        rf"(?P<this>this\s+|next\s+|proximo\s+)?(?P<wd>{_WEEKDAY_ALT})(?P<next>\s+que\s+viene)?",
        s,
    )
    if weekday_match:
        weekday = _WEEKDAYS[weekday_match["wd"]]
        name = _weekday_name(weekday, lang)
        this = weekday_match["this"] or ""
        if this.startswith(("next", "proximo")) or weekday_match["next"]:
            raise ParseError(
                t(
                    lang,
                    "“next {name}” can mean two different days. "
                    "Please send the date, like {example}.",
                    name=name,
                    example=t(lang, DATE_EXAMPLE),
                )
            )
        return today + timedelta(days=(weekday - today.isoweekday()) % 7)

    # "Thu 3 Dec": a weekday in front is fine as long as it agrees with the date.
    stated_weekday: int | None = None
    lead = _LEADING_WEEKDAY.match(s)
    if lead:
        stated_weekday = _WEEKDAYS[lead["wd"]]
        s = lead["rest"]

    result = _parse_calendar_date(text, s, today, lang)
    if stated_weekday is not None and result.isoweekday() != stated_weekday:
        raise ParseError(
            t(
                lang,
                "{day} {month} {year} is a {weekday}. Please send just the date, like {example}.",
                day=result.day,
                month=_month_short(result.month, lang),
                year=result.year,
                weekday=_weekday_name(result.isoweekday(), lang),
                example=t(lang, DATE_EXAMPLE),
            )
        )
    return result


def _parse_calendar_date(original: str, s: str, today: date, lang: str = "en") -> date:
    year: int | None
    if m := _ISO_DATE.match(s):
        year, month, day = int(m["y"]), int(m["m"]), int(m["d"])
    elif m := _SLASH_DATE.match(s):
        first, second = int(m["a"]), int(m["b"])
        # US month/day, unless the first number cannot be a month.
        month, day = (second, first) if first > 12 and second <= 12 else (first, second)
        year = _expand_year(m["y"])
    elif m := (_DAY_MONTH.match(s) or _MONTH_DAY.match(s)):
        month, day = _MONTHS[m["mon"]], int(m["d"])
        year = _expand_year(m["y"])
    else:
        raise _date_error(original, lang)

    if not 1 <= month <= 12 or not 1 <= day <= 31:
        raise _date_error(original, lang)
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:
            raise _no_such_day(original, month, day, lang) from None
    # No year: the next such date on or after today. 29 Feb may be up to
    # 8 years away (e.g. across 2100), so look a little further than 4.
    for candidate_year in range(today.year, today.year + 9):
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise _no_such_day(original, month, day, lang)


def _expand_year(raw: str | None) -> int | None:
    if raw is None:
        return None
    return 2000 + int(raw) if len(raw) == 2 else int(raw)


# --------------------------------------------------------------------------
# Weekly regimens

_REGIMEN_PHRASES: Final = (
    (re.compile(r"milligrams?|mgs\b"), "mg"),
    (re.compile(r"\bweek\s*days?\b|\bworkdays?\b"), " mon-fri "),
    (re.compile(r"\bweek\s*ends?\b"), " sat-sun "),
    (re.compile(r"/\s*day\b"), " daily "),
    (
        re.compile(
            r"\b(?:every\s*day|each\s+day|a\s+day|per\s+day|daily|"
            r"7\s+days\s+a\s+week|seven\s+days\s+a\s+week|all\s+week)\b"
        ),
        " daily ",
    ),
    # Spanish (accents already dropped).
    (re.compile(r"\bmiligramos?\b"), "mg"),
    (re.compile(r"\bentre\s+semana\b|\bdias\s+(?:de\s+)?(?:semana|laborables)\b"), " mon-fri "),
    (re.compile(r"\bfin(?:es)?\s+de\s+semana\b"), " sat-sun "),
    (
        re.compile(
            r"\b(?:todos\s+los\s+dias|cada\s+dia|diari[oa]s?|diariamente|al\s+dia|por\s+dia|"
            r"(?:7|siete)\s+dias\s+(?:a\s+|por\s+)?(?:la\s+)?semana|toda\s+la\s+semana)\b"
        ),
        " daily ",
    ),
)
_DAY_RANGE_JOIN = r"(?:-|–|—|\bto\b|\bthrough\b|\bthru\b|\btill\b|\buntil\b|\ba\b|\bal\b|\bhasta\b)"
_REGIMEN_TOKEN = re.compile(
    rf"""
      (?P<range>\b(?P<start>[a-z]+)\b\.?\s*{_DAY_RANGE_JOIN}\s*\b(?P<end>[a-z]+)\b\.?)
    | (?P<number>\d+(?:\.\d+)?)
    | (?P<word>[a-z]+)\.?
    | (?P<sep>[\s/,;&+|]+)
    | (?P<other>.)
    """,
    re.VERBOSE,
)
_REGIMEN_FILLERS = frozenset(
    {"mg", "and", "on", "then", "every", "each", "plus", "only"}
    | {"y", "de", "el", "los", "las", "cada", "solo", "luego", "mas", "en"}
)


def _regimen_error(reason: str, lang: str = "en") -> ParseError:
    return ParseError(
        t(
            lang,
            "{reason} Please send your plan like {example}.",
            reason=reason,
            example=t(lang, REGIMEN_EXAMPLE),
        )
    )


def _day_number(word: str, original: str, lang: str = "en") -> int:
    try:
        return _PLAN_WEEKDAYS[word]
    except KeyError:
        # Quote it the way the patient typed it ("Mun", not "mun").
        typed = re.search(re.escape(word), original, re.IGNORECASE)
        shown = typed.group(0) if typed else word
        raise _regimen_error(
            t(lang, "I couldn't read {text} as a day of the week.", text=quote_user_text(shown)),
            lang,
        ) from None


def _parse_dose(raw: str, lang: str = "en") -> int:
    if "." in raw:
        raise _regimen_error(
            t(
                lang,
                "I couldn't use {text}: doses need whole milligrams.",
                text=quote_user_text(raw),
            ),
            lang,
        )
    mg = int(raw)
    if mg <= 0:
        raise _regimen_error(t(lang, "A dose needs to be more than 0 mg."), lang)
    if mg > MAX_DOSE_MG:
        raise ParseError(
            t(
                lang,
                "I can set doses up to {most} mg. If your plan says {mg} mg, please check with "
                "your care team. Otherwise send it like {example}.",
                most=MAX_DOSE_MG,
                mg=mg,
                example=t(lang, REGIMEN_EXAMPLE),
            )
        )
    return mg


def parse_weekly_regimen(text: str, lang: str = "en") -> WeeklyRegimen:
    """Parse a weekly dosing plan.

    Grouped forms: "100/100/150 mg Mon/Wed/Fri", "Mon/Wed/Fri 100/100/150",
    "mon wed fri 100 100 150mg" (doses go to days in the order typed; one dose
    may cover all days, e.g. "Mon-Fri 50mg", "50 mg daily", "50mg every day").
    Paired form: "Mon 100, Wed 100, Fri 150" (or "100 Mon, 100 Wed, 150 Fri").
    Doses are whole mg, 1..MAX_DOSE_MG. Spanish day names too: "100/100/150 mg lun/mié/vie",
    "50 mg de lunes a viernes", "50 mg todos los días".
    """
    s = _fold(text).strip()
    if not s:
        raise _regimen_error(t(lang, "I didn't catch a plan."), lang)
    for pattern, replacement in _REGIMEN_PHRASES:
        s = pattern.sub(replacement, s)

    # Runs of consecutive day groups / doses, e.g. [[1, 3, 5], [100, 100, 150]].
    runs: list[tuple[str, list[int]]] = []

    def push(kind: str, values: list[int]) -> None:
        if runs and runs[-1][0] == kind:
            runs[-1][1].extend(values)
        else:
            runs.append((kind, list(values)))

    for token in _REGIMEN_TOKEN.finditer(s):
        if token["range"]:
            start = _day_number(token["start"], text, lang)
            end = _day_number(token["end"], text, lang)
            span = (end - start) % 7  # wraps, so "Fri-Mon" is Fri, Sat, Sun, Mon
            push("days", [(start - 1 + k) % 7 + 1 for k in range(span + 1)])
        elif token["number"]:
            push("doses", [_parse_dose(token["number"], lang)])
        elif token["word"]:
            word = token["word"]
            if word == "daily":
                push("days", list(range(1, 8)))
            elif word not in _REGIMEN_FILLERS:
                push("days", [_day_number(word, text, lang)])
        elif token["other"]:
            raise _regimen_error(
                t(lang, "I couldn't read {text} as a weekly plan.", text=quote_user_text(text)),
                lang,
            )

    kinds = [kind for kind, _ in runs]
    if "days" not in kinds:
        raise _regimen_error(t(lang, "I need the days as well as the doses."), lang)
    if "doses" not in kinds:
        raise _regimen_error(t(lang, "I need the dose in mg for each day."), lang)
    if len(runs) % 2:
        raise _regimen_error(t(lang, "I couldn't match each day to a dose."), lang)

    doses: dict[int, int] = {}
    for first, second in zip(runs[::2], runs[1::2], strict=True):
        days, amounts = (first[1], second[1]) if first[0] == "days" else (second[1], first[1])
        if len(amounts) == 1:
            amounts = amounts * len(days)
        if len(amounts) != len(days):
            raise _regimen_error(
                nt(
                    lang,
                    "I counted {n} day but {doses} doses.",
                    "I counted {n} days but {doses} doses.",
                    len(days),
                    doses=len(amounts),
                ),
                lang,
            )
        for day, mg in zip(days, amounts, strict=True):
            if day in doses:
                raise _regimen_error(
                    t(lang, "{day} is listed twice.", day=_weekday_name(day, lang)), lang
                )
            doses[day] = mg
    return WeeklyRegimen.from_mapping(doses)
