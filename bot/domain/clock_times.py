"""Reading what a patient types for times, dates and weekly plans.

Every parser returns a value or raises :class:`ParseError`. The error message
is written for the patient: one calm line that says what we could not read and
shows an example to copy. The caller can send ``str(error)`` as-is (escape it
if the chat message uses HTML/Markdown parse mode, since it quotes user text).

Leniency rule: accept anything that has exactly one sensible reading; refuse
anything that could mean two different things rather than guess.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from typing import Final

from bot.domain.schedules import MAX_DOSE_MG, MAX_TIMES_PER_DAY, WeeklyRegimen

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

TIME_EXAMPLE: Final = "08:00 or 8:30 pm"
TIMES_EXAMPLE: Final = "08:00 and 20:00"
DATE_EXAMPLE: Final = "3 Dec or 2026-12-03"
REGIMEN_EXAMPLE: Final = "100/100/150 mg Mon/Wed/Fri"


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


def _time_error(text: str) -> ParseError:
    return ParseError(
        f"I couldn't read {quote_user_text(text)} as a time. "
        f"Please send a time like {TIME_EXAMPLE}."
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
}


def _normalize_clock_text(text: str) -> str:
    s = text.casefold().strip()
    s = _MERIDIEM_SPELLINGS.sub(lambda m: f" {m.group(1)}m", s)
    s = _OCLOCK.sub("", s)
    s = s.rstrip(".!").strip()
    return " ".join(s.split())


def parse_time_of_day(text: str) -> time:
    """Parse one wall-clock time.

    Accepts 24-hour ("08:00", "8:00", "20:30", "20h30", "8.30", "0830",
    "2030 hrs"), 12-hour ("8am", "8 am", "8:30pm", "8.30 p.m."), a bare hour
    ("8" is 08:00, read as 24-hour), "noon" and "midnight".
    Refuses "24:00" (asks for 00:00), out-of-range values, and mixed forms
    such as "13pm".
    """
    s = _normalize_clock_text(text)
    if not s:
        raise ParseError(f"I didn't catch a time. Please send a time like {TIME_EXAMPLE}.")
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
            raise _time_error(text)
        digits = match["digits"]
        hour, minute = int(digits[:-2]), int(digits[-2:])
        meridiem = match["meridiem"]

    if minute > 59:
        raise _time_error(text)
    if meridiem:
        return _apply_meridiem(text, hour, minute, meridiem[0] == "p")
    if hour == 24 and minute == 0:
        raise ParseError(
            f"I couldn't use {quote_user_text(text)}. For midnight please send 00:00, "
            f"or a time like {TIME_EXAMPLE}."
        )
    if hour > 23:
        raise _time_error(text)
    return time(hour, minute)


def _apply_meridiem(text: str, hour: int, minute: int, pm: bool) -> time:
    if 13 <= hour <= 23:
        # "13pm": someone mixing 24-hour and am/pm. Show both correct forms.
        twelve = f"{hour - 12}:{minute:02d}" if minute else f"{hour - 12}"
        raise ParseError(
            f"I couldn't read {quote_user_text(text)} as a time. "
            f"Please send it as {hour:02d}:{minute:02d} or {twelve} pm."
        )
    if hour > 23 or (hour == 0 and pm):
        raise _time_error(text)
    if hour == 12:
        hour = 0  # 12am is midnight, 12pm is noon (pm adds 12 back below)
    return time(hour + 12 if pm else hour, minute)


_LIST_SEPARATORS = re.compile(r"\s*(?:,|;|&|\+|/|\band\b|\bthen\b)\s*")
# Tokens that only make sense attached to the number before them ("8 am").
_SUFFIX_TOKENS = frozenset({"am", "pm", "a", "p", "h", "hrs", "hr"})
_NAMED_AFTER_12 = frozenset({"noon", "midday", "midnight"})  # "12 noon"


def _attaches_to(previous: str, word: str) -> bool:
    if word in _SUFFIX_TOKENS:
        return re.fullmatch(r"[\d:.h]+", previous) is not None
    return word in _NAMED_AFTER_12 and previous == "12"


def parse_times_of_day(text: str) -> list[time]:
    """Parse one or more times, e.g. "8am and 8pm", "08:00, 20:00", "8:00 20:00".

    Returns them sorted and de-duplicated. At most MAX_TIMES_PER_DAY (4).
    """
    s = _normalize_clock_text(text)
    tokens: list[str] = []
    for chunk in _LIST_SEPARATORS.split(s):
        for word in chunk.split():
            if word == "at":
                continue
            if tokens and _attaches_to(tokens[-1], word):
                tokens[-1] = f"{tokens[-1]} {word}"
            else:
                tokens.append(word)
    if not tokens:
        raise ParseError(f"I didn't catch a time. Please send times like {TIMES_EXAMPLE}.")

    # Each piece's own message already quotes that piece and shows an example.
    found = {parse_time_of_day(token) for token in tokens}
    if len(found) > MAX_TIMES_PER_DAY:
        raise ParseError(
            f"That's {len(found)} times, and I can remind you up to {MAX_TIMES_PER_DAY} "
            f"times a day. Please send up to {MAX_TIMES_PER_DAY} times, like {TIMES_EXAMPLE}."
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
}  # fmt: skip

_MONTH_ALT = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAY_ALT = "|".join(sorted(_WEEKDAYS, key=len, reverse=True))
_ORDINAL = r"(?:st|nd|rd|th)?"

_ISO_DATE = re.compile(r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})$")
_SLASH_DATE = re.compile(r"^(?P<a>\d{1,2})/(?P<b>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?$")
_DAY_MONTH = re.compile(
    rf"^(?P<d>\d{{1,2}}){_ORDINAL}[\s-]*(?:of\s+)?(?P<mon>{_MONTH_ALT})\.?"
    rf"(?:[\s,-]+(?P<y>\d{{4}}))?$"
)
_MONTH_DAY = re.compile(
    rf"^(?P<mon>{_MONTH_ALT})\.?[\s-]*(?:the\s+)?(?P<d>\d{{1,2}}){_ORDINAL}"
    rf"(?:[\s,-]+(?P<y>\d{{4}}))?$"
)
_LEADING_WEEKDAY = re.compile(rf"^(?P<wd>{_WEEKDAY_ALT})\.?,?\s+(?P<rest>.+)$")


def _date_error(text: str) -> ParseError:
    return ParseError(
        f"I couldn't read {quote_user_text(text)} as a date. "
        f"Please send a date like {DATE_EXAMPLE}."
    )


def _no_such_day(text: str, month: int, day: int) -> ParseError:
    return ParseError(
        f"There's no {day} {_MONTH_SHORT[month - 1]} in the calendar. "
        f"Please send a date like {DATE_EXAMPLE}."
    )


def parse_date(text: str, today: date) -> date:
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
    """
    s = text.casefold().strip().rstrip(".!").strip()
    s = " ".join(s.split())
    s = re.sub(r"^(?:on|the)\s+", "", s)
    if not s:
        raise ParseError(f"I didn't catch a date. Please send a date like {DATE_EXAMPLE}.")

    if s == "today":
        return today
    if s in ("tomorrow", "tmrw", "tmr"):
        return today + timedelta(days=1)
    if s in ("day after tomorrow", "the day after tomorrow"):
        return today + timedelta(days=2)

    weekday_match = re.fullmatch(rf"(?P<this>this\s+|next\s+)?(?P<wd>{_WEEKDAY_ALT})", s)
    if weekday_match:
        weekday = _WEEKDAYS[weekday_match["wd"]]
        name = _WEEKDAY_LONG[weekday - 1]
        if (weekday_match["this"] or "").startswith("next"):
            raise ParseError(
                f"“next {name}” can mean two different days. "
                f"Please send the date, like {DATE_EXAMPLE}."
            )
        return today + timedelta(days=(weekday - today.isoweekday()) % 7)

    # "Thu 3 Dec": a weekday in front is fine as long as it agrees with the date.
    stated_weekday: int | None = None
    lead = _LEADING_WEEKDAY.match(s)
    if lead:
        stated_weekday = _WEEKDAYS[lead["wd"]]
        s = lead["rest"]

    result = _parse_calendar_date(text, s, today)
    if stated_weekday is not None and result.isoweekday() != stated_weekday:
        actual = _WEEKDAY_LONG[result.isoweekday() - 1]
        raise ParseError(
            f"{result.day} {_MONTH_SHORT[result.month - 1]} {result.year} is a {actual}. "
            f"Please send just the date, like {DATE_EXAMPLE}."
        )
    return result


def _parse_calendar_date(original: str, s: str, today: date) -> date:
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
        raise _date_error(original)

    if not 1 <= month <= 12 or not 1 <= day <= 31:
        raise _date_error(original)
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:
            raise _no_such_day(original, month, day) from None
    # No year: the next such date on or after today. 29 Feb may be up to
    # 8 years away (e.g. across 2100), so look a little further than 4.
    for candidate_year in range(today.year, today.year + 9):
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    raise _no_such_day(original, month, day)


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
)
_DAY_RANGE_JOIN = r"(?:-|–|—|\bto\b|\bthrough\b|\bthru\b|\btill\b|\buntil\b)"
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
_REGIMEN_FILLERS = frozenset({"mg", "and", "on", "then", "every", "each", "plus", "only"})


def _regimen_error(reason: str) -> ParseError:
    return ParseError(f"{reason} Please send your plan like {REGIMEN_EXAMPLE}.")


def _day_number(word: str, original: str) -> int:
    try:
        return _WEEKDAYS[word]
    except KeyError:
        # Quote it the way the patient typed it ("Mun", not "mun").
        typed = re.search(re.escape(word), original, re.IGNORECASE)
        shown = typed.group(0) if typed else word
        raise _regimen_error(
            f"I couldn't read {quote_user_text(shown)} as a day of the week."
        ) from None


def _parse_dose(raw: str) -> int:
    if "." in raw:
        raise _regimen_error(f"I couldn't use {quote_user_text(raw)}: doses need whole milligrams.")
    mg = int(raw)
    if mg <= 0:
        raise _regimen_error("A dose needs to be more than 0 mg.")
    if mg > MAX_DOSE_MG:
        raise ParseError(
            f"I can set doses up to {MAX_DOSE_MG} mg. If your plan says {mg} mg, "
            f"please check with your care team. Otherwise send it like {REGIMEN_EXAMPLE}."
        )
    return mg


def parse_weekly_regimen(text: str) -> WeeklyRegimen:
    """Parse a weekly dosing plan.

    Grouped forms: "100/100/150 mg Mon/Wed/Fri", "Mon/Wed/Fri 100/100/150",
    "mon wed fri 100 100 150mg" (doses go to days in the order typed; one dose
    may cover all days, e.g. "Mon-Fri 50mg", "50 mg daily", "50mg every day").
    Paired form: "Mon 100, Wed 100, Fri 150" (or "100 Mon, 100 Wed, 150 Fri").
    Doses are whole mg, 1..MAX_DOSE_MG.
    """
    s = text.casefold().strip()
    if not s:
        raise _regimen_error("I didn't catch a plan.")
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
            start = _day_number(token["start"], text)
            end = _day_number(token["end"], text)
            span = (end - start) % 7  # wraps, so "Fri-Mon" is Fri, Sat, Sun, Mon
            push("days", [(start - 1 + k) % 7 + 1 for k in range(span + 1)])
        elif token["number"]:
            push("doses", [_parse_dose(token["number"])])
        elif token["word"]:
            word = token["word"]
            if word == "daily":
                push("days", list(range(1, 8)))
            elif word not in _REGIMEN_FILLERS:
                push("days", [_day_number(word, text)])
        elif token["other"]:
            raise _regimen_error(f"I couldn't read {quote_user_text(text)} as a weekly plan.")

    kinds = [kind for kind, _ in runs]
    if "days" not in kinds:
        raise _regimen_error("I need the days as well as the doses.")
    if "doses" not in kinds:
        raise _regimen_error("I need the dose in mg for each day.")
    if len(runs) % 2:
        raise _regimen_error("I couldn't match each day to a dose.")

    doses: dict[int, int] = {}
    for first, second in zip(runs[::2], runs[1::2], strict=True):
        days, amounts = (first[1], second[1]) if first[0] == "days" else (second[1], first[1])
        if len(amounts) == 1:
            amounts = amounts * len(days)
        if len(amounts) != len(days):
            raise _regimen_error(
                f"I counted {len(days)} day{'s' if len(days) != 1 else ''} "
                f"but {len(amounts)} doses."
            )
        for day, mg in zip(days, amounts, strict=True):
            if day in doses:
                raise _regimen_error(f"{_WEEKDAY_LONG[day - 1]} is listed twice.")
            doses[day] = mg
    return WeeklyRegimen.from_mapping(doses)
