"""Medication plans and when the next reminder is due.

Pure domain code: no I/O, no clock reads. Every instant that goes in or comes
out is a timezone-aware UTC ``datetime``; wall-clock arithmetic happens in the
plan's own IANA zone through :mod:`zoneinfo`, because a patient takes a dose at
"08:00 where I am", not at a fixed UTC offset.

Daylight-saving rules (the part that is easy to get subtly wrong):

* A dose time that does not exist on a given day (clocks spring forward over
  it) fires once, at the first valid instant after the gap — 02:30 on
  2026-03-08 in America/New_York fires at 03:00 EDT (07:00 UTC).
* A dose time that happens twice (clocks fall back) fires once, at the first
  occurrence (``fold=0``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, get_day_names

from bot.i18n import nt, t

__all__ = [
    "DEFAULT_INJECTION_INTERVAL_DAYS",
    "EPOCH_DAY",
    "MAX_DOSE_MG",
    "MAX_TIMES_PER_DAY",
    "WEEKDAY_NAMES",
    "Plan",
    "PlanKind",
    "WeeklyRegimen",
    "day_number",
    "describe_plan",
    "format_day",
    "format_times",
    "from_day_number",
    "local_instant",
    "next_due",
    "weekday_name",
]

# Largest single dose we will set up without a human in the loop. Anything
# above this is far outside usual naltrexone regimens, so the parser asks the
# patient to check with their care team rather than storing it.
MAX_DOSE_MG = 400
MAX_TIMES_PER_DAY = 4
DEFAULT_INJECTION_INTERVAL_DAYS = 28

# ISO weekday (1=Mon..7=Sun) -> short English name. Kept here rather than using
# strftime("%a") so output never depends on the server's locale. What a patient reads goes
# through weekday_name(day, lang) (Babel's names in the patient's language).
WEEKDAY_NAMES: Mapping[int, str] = {
    1: "Mon",
    2: "Tue",
    3: "Wed",
    4: "Thu",
    5: "Fri",
    6: "Sat",
    7: "Sun",
}
# How a day is named in a plan, per language (Babel patterns): "Thu 3 Dec", "jueves 3 de diciembre".
# English keeps the short names it always had; Spanish spells them out, which reads more
# naturally there (and "mié" or "dic" ask more of a reader than the whole word).
_DAY_PATTERN = {"en": "EEE d MMM", "es": "EEEE d 'de' MMMM"}
_WEEKDAY_WIDTH: dict[str, Literal["abbreviated", "wide"]] = {"en": "abbreviated", "es": "wide"}


def weekday_name(weekday: int, lang: str = "en") -> str:
    """An ISO weekday (1=Mon..7=Sun) as a patient reads it: "Mon" in English, "lunes" in Spanish."""
    if lang not in _WEEKDAY_WIDTH:
        return WEEKDAY_NAMES[weekday]
    return str(get_day_names(_WEEKDAY_WIDTH[lang], locale=lang)[weekday - 1])


class PlanKind(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY_INJECTION = "monthly_injection"


@dataclass(frozen=True, slots=True)
class WeeklyRegimen:
    """Dose in mg per ISO weekday (1=Mon..7=Sun).

    Stored as a sorted tuple of ``(weekday, mg)`` pairs rather than a dict so
    the value is hashable and two equal regimens compare equal regardless of
    the order the patient typed the days in. Use :meth:`from_mapping` to build
    one from a dict and :meth:`as_dict` to get a dict back.
    """

    doses: tuple[tuple[int, int], ...]

    def __post_init__(self) -> None:
        pairs = tuple(sorted(self.doses))
        weekdays = [day for day, _ in pairs]
        if not pairs:
            raise ValueError("a weekly regimen needs at least one day")
        if len(set(weekdays)) != len(weekdays):
            raise ValueError(f"duplicate weekday in regimen: {pairs!r}")
        for day, mg in pairs:
            if not 1 <= day <= 7:
                raise ValueError(f"weekday must be 1..7 (ISO), got {day!r}")
            # bool is an int subclass; True mg would be a silent bug.
            if isinstance(mg, bool) or not isinstance(mg, int) or mg <= 0:
                raise ValueError(f"dose must be a positive whole number of mg, got {mg!r}")
        # Normalise ordering so equality/hash ignore input order.
        object.__setattr__(self, "doses", pairs)

    @classmethod
    def from_mapping(cls, doses: Mapping[int, int]) -> WeeklyRegimen:
        return cls(tuple(doses.items()))

    @classmethod
    def every_day(cls, mg: int) -> WeeklyRegimen:
        return cls(tuple((day, mg) for day in range(1, 8)))

    def as_dict(self) -> dict[int, int]:
        return dict(self.doses)

    @property
    def weekdays(self) -> frozenset[int]:
        return frozenset(day for day, _ in self.doses)

    def dose_on(self, weekday: int) -> int | None:
        """mg due on an ISO weekday, or None when it is a day off."""
        for day, mg in self.doses:
            if day == weekday:
                return mg
        return None

    def describe(self, lang: str = "en") -> str:
        """'100 mg Mon, 100 mg Wed, 150 mg Fri' or '50 mg every day'."""
        if len(self.doses) == 7 and len({mg for _, mg in self.doses}) == 1:
            return t(lang, "{mg} mg every day", mg=self.doses[0][1])
        return ", ".join(
            t(lang, "{mg} mg {day}", mg=mg, day=weekday_name(day, lang)) for day, mg in self.doses
        )


@dataclass(frozen=True, slots=True)
class Plan:
    """A patient's reminder plan.

    ``times`` are naive local wall-clock times in ``zone``; they are normalised
    to a sorted, de-duplicated tuple. For MONTHLY_INJECTION the times are when
    the day-before and day-of reminders go out.
    """

    kind: PlanKind
    zone: str
    times: tuple[time, ...]
    regimen: WeeklyRegimen | None = None
    dose_mg: int | None = None
    injection_date: date | None = None
    injection_interval_days: int = DEFAULT_INJECTION_INTERVAL_DAYS

    def __post_init__(self) -> None:
        # These are programming errors (the parsers already produced friendly
        # messages), so plain ValueError is right here.
        try:
            ZoneInfo(self.zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.zone!r}") from exc
        times = tuple(sorted(set(self.times)))
        if not times:
            raise ValueError("a plan needs at least one reminder time")
        if any(t.tzinfo is not None for t in times):
            raise ValueError("plan times are local wall-clock times and must be naive")
        object.__setattr__(self, "times", times)
        if self.kind is PlanKind.WEEKLY and self.regimen is None:
            raise ValueError("a weekly plan needs a regimen")
        if self.kind is PlanKind.MONTHLY_INJECTION:
            if self.injection_date is None:
                raise ValueError("an injection plan needs an injection_date")
            if self.injection_interval_days < 1:
                raise ValueError("injection_interval_days must be at least 1")
        if self.dose_mg is not None and self.dose_mg <= 0:
            raise ValueError("dose_mg must be positive")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)  # ZoneInfo caches instances per key


# --------------------------------------------------------------------------
# Local days as numbers

EPOCH_DAY = date(1970, 1, 1)


def day_number(instant: datetime, tz: ZoneInfo) -> int:
    """The local calendar day of ``instant`` in ``tz`` as days since 1970-01-01: stored with
    each dose so that adherence can be counted per local day in plain SQL."""
    return (instant.astimezone(tz).date() - EPOCH_DAY).days


def from_day_number(number: int) -> date:
    return EPOCH_DAY + timedelta(days=number)


# --------------------------------------------------------------------------
# Wall-clock -> instant


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant a reminder for ``at`` on local ``day`` should fire.

    * Normal times map directly.
    * Repeated times (fall back) use the first occurrence.
    * Skipped times (spring forward) use the first valid instant after the gap,
      i.e. the transition instant itself.
    """
    naive = datetime.combine(day, at.replace(tzinfo=None))
    first = naive.replace(tzinfo=tz, fold=0)
    as_utc = first.astimezone(UTC)
    if as_utc.astimezone(tz).replace(tzinfo=None) == naive:
        # Exists. For a repeated time fold=0 is by definition the earlier one.
        return as_utc
    # In a gap. PEP 495: fold=0 reads the wall time with the pre-transition
    # offset (lands after the transition), fold=1 with the post-transition
    # offset (lands before it). The transition instant lies between them.
    late = as_utc
    early = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if early > late:  # defensive: never trust an ordering we did not check
        early, late = late, early
    return _transition_between(early, late, tz)


def _transition_between(early: datetime, late: datetime, tz: ZoneInfo) -> datetime:
    """First instant in (early, late] whose UTC offset equals late's offset.

    Gaps are at most a few hours, so bisecting whole seconds is ~14 steps;
    tzdata transitions fall on whole seconds, so the result is exact.
    """
    target = late.astimezone(tz).utcoffset()
    # Invariant: offset at lo differs from target, offset at hi equals it.
    lo = math.floor(early.timestamp())
    hi = math.ceil(late.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, tz).utcoffset() == target:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


# --------------------------------------------------------------------------
# next_due


def _require_utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("after_utc must be timezone-aware")
    return value.astimezone(UTC)


def _candidate_days(plan: Plan, local_day: date) -> Iterator[date]:
    """Local calendar days that can hold the next reminder.

    Starting one day early covers a dose time pushed past midnight by a gap;
    the spans ahead cover a whole cycle plus slack for a skipped calendar day
    (e.g. Pacific/Apia skipping 2011-12-30).
    """
    if plan.kind is PlanKind.DAILY:
        span = range(-1, 3)
        yield from (local_day + timedelta(days=k) for k in span)
    elif plan.kind is PlanKind.WEEKLY:
        assert plan.regimen is not None
        weekdays = plan.regimen.weekdays
        for k in range(-1, 9):
            day = local_day + timedelta(days=k)
            if day.isoweekday() in weekdays:
                yield day
    else:
        assert plan.injection_date is not None
        interval = plan.injection_interval_days
        elapsed = (local_day - plan.injection_date).days
        # Only the current injection date and later ones count, never
        # earlier cycles, so cycle index is clamped at 0.
        current = max(0, elapsed // interval - 1)
        for cycle in range(current, current + 3):
            injection = plan.injection_date + timedelta(days=cycle * interval)
            yield injection - timedelta(days=1)
            yield injection


def next_due(plan: Plan, after_utc: datetime) -> datetime | None:
    """Earliest reminder instant strictly after ``after_utc`` (aware, UTC out).

    Looks at a handful of days around ``after_utc`` only, so each call is
    constant time. Returns None only if the plan can never fire, which a
    validated Plan cannot express; callers may still treat None as "no
    reminder scheduled".
    """
    after = _require_utc(after_utc)
    tz = plan.tz
    local_day = after.astimezone(tz).date()
    best: datetime | None = None
    for day in _candidate_days(plan, local_day):
        for at in plan.times:
            instant = local_instant(day, at, tz)
            if instant > after and (best is None or instant < best):
                best = instant
    return best


# --------------------------------------------------------------------------
# Descriptions


def format_times(times: Iterable[time], lang: str = "en") -> str:
    """'08:00', '08:00 and 20:00', '08:00, 14:00 and 20:00' (24-hour clock in every language)."""
    labels = [f"{at.hour:02d}:{at.minute:02d}" for at in times]
    if len(labels) <= 1:
        return "".join(labels)
    return t(lang, "{times} and {last}", times=", ".join(labels[:-1]), last=labels[-1])


def format_day(day: date, lang: str = "en") -> str:
    """A date in a plan: "Thu 3 Dec", "jueves 3 de diciembre"."""
    pattern = _DAY_PATTERN.get(lang, _DAY_PATTERN["en"])
    return format_date(day, pattern, locale=lang if lang in _DAY_PATTERN else "en")


def describe_plan(plan: Plan, lang: str = "en") -> str:
    """A one-line summary a patient can confirm, in ``lang``.

    e.g. "Daily tablet at 08:00 (America/Chicago)",
    "100 mg Mon, 100 mg Wed, 150 mg Fri at 08:00 (Europe/Berlin)",
    "Monthly injection, next on Thu 3 Dec, reminder at 10:00 the day before and on the day".
    """
    at = format_times(plan.times, lang)
    if plan.kind is PlanKind.DAILY:
        if plan.dose_mg is not None:
            return t(
                lang,
                "Daily {mg} mg tablet at {times} ({zone})",
                mg=plan.dose_mg,
                times=at,
                zone=plan.zone,
            )
        return t(lang, "Daily tablet at {times} ({zone})", times=at, zone=plan.zone)
    if plan.kind is PlanKind.WEEKLY:
        assert plan.regimen is not None
        return t(
            lang,
            "{doses} at {times} ({zone})",
            doses=plan.regimen.describe(lang),
            times=at,
            zone=plan.zone,
        )
    assert plan.injection_date is not None
    if plan.injection_interval_days == DEFAULT_INJECTION_INTERVAL_DAYS:
        what = t(lang, "Monthly injection")
    else:
        what = t(lang, "Injection every {days} days", days=plan.injection_interval_days)
    return nt(
        lang,
        "{what}, next on {day}, reminder at {times} the day before and on the day",
        "{what}, next on {day}, reminders at {times} the day before and on the day",
        len(plan.times),
        what=what,
        day=format_day(plan.injection_date, lang),
        times=at,
    )
