"""Adherence from a patient's dose records: days covered, streaks, on-time rate.

The standard measure is the *proportion of days covered* (PDC): of the days in a period on which
the patient was meant to be covered by their medication, the share on which they were. 80% is the
usual threshold for "adherent". Here a day is covered when every dose due that local day was
taken (late counts: it was taken), and an injection covers the days of its interval from the day
it was given. Days on which nothing was due (a weekly regimen's day off, before enrolment, a
pause) are left out of the period; so are days whose only doses never reached the patient
(downtime, a failed delivery): we cannot know, and it is not their miss.

Pure domain code: the caller passes local dates already (the patient's own calendar).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.charts.model import DayCell, DayStatus

TAKEN = "taken"
SKIPPED = "skipped"
MISSED = "missed"
NOT_REMINDED = "missed_not_reminded"
PENDING = "pending"
ADHERENT = 0.8


@dataclass(frozen=True)
class DoseRecord:
    day: date  # the patient's local date of the due time
    status: str  # a DoseStatus value
    on_time: bool = False  # answered taken within its window
    covers_days: int = 1  # an injection covers its interval


def day_statuses(records: Iterable[DoseRecord]) -> dict[date, DayStatus]:
    """Each local day that had doses due, and how it went."""
    by_day: dict[date, list[str]] = defaultdict(list)
    for record in records:
        by_day[record.day].append(record.status)
    out: dict[date, DayStatus] = {}
    for day, statuses in by_day.items():
        out[day] = _status_of(statuses)
    return out


def _status_of(statuses: list[str]) -> DayStatus:
    known = [s for s in statuses if s != NOT_REMINDED]
    if not known:
        return DayStatus.NO_DOSE
    if PENDING in known:
        closed = [s for s in known if s != PENDING]
        if not closed or all(s == TAKEN for s in closed):
            return DayStatus.PENDING
    taken = sum(s == TAKEN for s in known)
    if taken == len(known):
        return DayStatus.TAKEN
    if taken:
        return DayStatus.PARTIAL
    if all(s == SKIPPED for s in known):
        return DayStatus.SKIPPED
    return DayStatus.MISSED


def _covered_by_injections(records: Iterable[DoseRecord]) -> set[date]:
    covered: set[date] = set()
    for record in records:
        if record.status == TAKEN and record.covers_days > 1:
            covered.update(record.day + timedelta(days=k) for k in range(record.covers_days))
    return covered


@dataclass(frozen=True)
class Coverage:
    covered: int
    due: int

    @property
    def ratio(self) -> float | None:
        return self.covered / self.due if self.due else None

    @property
    def percent(self) -> int | None:
        ratio = self.ratio
        return None if ratio is None else round(ratio * 100)


def calendar(records: Sequence[DoseRecord], start: date, end: date) -> list[DayCell]:
    """One cell per local day from ``start`` to ``end`` inclusive (the charts' input)."""
    statuses = day_statuses(records)
    injected = _covered_by_injections(records)
    cells = []
    day = start
    while day <= end:
        status = statuses.get(day, DayStatus.NO_DOSE)
        if day in injected and status in (DayStatus.NO_DOSE, DayStatus.MISSED):
            status = DayStatus.TAKEN
        cells.append(DayCell(day, status))
        day += timedelta(days=1)
    return cells


def pdc(records: Sequence[DoseRecord], today: date, days: int) -> Coverage:
    """Proportion of days covered over the ``days`` local days up to ``today``; today counts
    only once it is settled (no dose still open). Injections: see :func:`injection_coverage`."""
    if any(r.covers_days > 1 for r in records):
        return injection_coverage(records, today, days)
    start = today - timedelta(days=days - 1)
    covered = due = 0
    for cell in calendar(records, start, today):
        if cell.status in (DayStatus.NO_DOSE, DayStatus.PENDING):
            continue
        due += 1
        covered += cell.status is DayStatus.TAKEN
    return Coverage(covered, due)


def injection_coverage(records: Sequence[DoseRecord], today: date, days: int) -> Coverage:
    """For an injection plan every day counts once the first injection was due, and a day is
    covered when it falls within the interval after an injection that was given (overlapping
    intervals are not counted twice: covered never exceeds due)."""
    injections = [r for r in records if r.covers_days > 1]
    if not injections:
        return Coverage(0, 0)
    start = max(today - timedelta(days=days - 1), min(r.day for r in injections))
    due = max(0, (today - start).days + 1)
    covered = 0
    for r in injections:
        if r.status != TAKEN:
            continue
        last = min(today, r.day + timedelta(days=r.covers_days - 1))
        covered += max(0, (last - max(start, r.day)).days + 1)
    return Coverage(min(covered, due), due)


@dataclass(frozen=True)
class Streaks:
    current: int
    longest: int


def streaks(records: Sequence[DoseRecord], today: date) -> Streaks:
    """Runs of fully covered days. Days with nothing due neither break nor extend a run, and a
    today still in progress doesn't break the current one."""
    if not records:
        return Streaks(0, 0)
    first = min(r.day for r in records)
    cells = calendar(records, first, today)
    longest = run = 0
    for cell in cells:
        if cell.status is DayStatus.TAKEN:
            run += 1
            longest = max(longest, run)
        elif cell.status in (DayStatus.NO_DOSE, DayStatus.PENDING):
            continue
        else:
            run = 0
    return Streaks(run, longest)


def consecutive_misses(records: Sequence[DoseRecord]) -> int:
    """Doses missed back to back at the end of ``records`` (in due order); not-reminded and
    open doses neither count nor break the run."""
    run = 0
    for record in reversed(records):
        if record.status not in (TAKEN, SKIPPED, MISSED):
            continue
        if record.status != MISSED:
            break
        run += 1
    return run


def on_time_rate(records: Sequence[DoseRecord]) -> float | None:
    taken = [r for r in records if r.status == TAKEN]
    return sum(r.on_time for r in taken) / len(taken) if taken else None


WINDOW_DAYS = 90


@dataclass(frozen=True)
class Metrics:
    """What staff see for one patient. Streaks count within the last 90 days, and only for
    tablet plans (an injection's measure is its coverage)."""

    pdc7: Coverage
    pdc30: Coverage
    pdc90: Coverage
    current_streak: int
    longest_streak: int
    consecutive_misses: int
    on_time_rate: float | None


def metrics(records: Sequence[DoseRecord], today: date) -> Metrics:
    """``records`` in due order; the reference the clinic summary's SQL is tested against."""
    start = today - timedelta(days=WINDOW_DAYS - 1)
    recent = [r for r in records if start <= r.day <= today]
    injection = any(r.covers_days > 1 for r in records)
    streak = Streaks(0, 0) if injection else streaks(recent, today)
    month = [r for r in recent if r.day > today - timedelta(days=30)]
    return Metrics(
        pdc7=pdc(records, today, 7),
        pdc30=pdc(records, today, 30),
        pdc90=pdc(records, today, WINDOW_DAYS),
        current_streak=streak.current,
        longest_streak=streak.longest,
        consecutive_misses=consecutive_misses(records),
        on_time_rate=on_time_rate(month),
    )
