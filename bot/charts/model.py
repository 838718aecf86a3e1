"""What a chart shows: one status per local day and craving check-ins, nothing about storage."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

CRAVING_MIN = 0
CRAVING_MAX = 10


class DayStatus(StrEnum):
    TAKEN = "taken"  # every dose due that local day was taken (late counts as taken)
    PARTIAL = "partial"  # some taken, some not
    MISSED = "missed"  # doses due, none taken (missed or skipped)
    SKIPPED = "skipped"  # the patient skipped on purpose (all doses that day skipped)
    NO_DOSE = "no_dose"  # nothing was due (weekly regimen day off, before enrolment, paused)
    PENDING = "pending"  # today, still open


@dataclass(frozen=True)
class DayCell:
    day: date
    status: DayStatus


@dataclass(frozen=True)
class CravingPoint:
    day: date
    craving: int  # 0..10


def clamp_craving(value: int) -> int:
    """A craving on the chart's 0..10 scale; stray values are pinned to the nearest end."""
    return max(CRAVING_MIN, min(CRAVING_MAX, int(value)))


def normalize_days(days: Iterable[DayCell]) -> list[DayCell]:
    """Days in date order, one per date; a later entry for the same date replaces an earlier one."""
    by_day = {cell.day: cell for cell in days}
    return [by_day[day] for day in sorted(by_day)]


def normalize_cravings(points: Iterable[CravingPoint]) -> list[CravingPoint]:
    """Check-ins in date order, one per date (the last wins), each clamped to 0..10."""
    by_day = {point.day: point for point in points}
    return [CravingPoint(day, clamp_craving(by_day[day].craving)) for day in sorted(by_day)]
