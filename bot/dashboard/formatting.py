"""How the dashboard spells times, dates and figures: in the staff member's zone, the same
on every server whatever its locale (no ``%a``/``%b``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.charts.text import MONTHS, WEEKDAYS
from bot.domain.adherence import Coverage
from bot.i18n import SN_, st

DASH = "—"

PLAN_LABELS = {
    "daily": SN_("Daily tablet"),
    "weekly": SN_("Weekly regimen"),
    "monthly_injection": SN_("Monthly injection"),
}
STATUS_LABELS = {
    "active": SN_("Active"),
    "paused": SN_("Paused"),
    "stopped": SN_("Stopped"),
    "unreachable": SN_("Unreachable"),
    "open": SN_("Open"),
    "acknowledged": SN_("Taken"),
    "resolved": SN_("Resolved"),
    "answered": SN_("Answered"),
    "expired": SN_("No answer"),
}


def zone_or_utc(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def day_text(day: date) -> str:
    """``3 Nov 2026``."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class Times:
    """Instants as the signed-in staff member reads them, relative to ``now``."""

    zone: ZoneInfo
    now: datetime

    def local(self, at: datetime) -> datetime:
        return at.astimezone(self.zone)

    @property
    def today(self) -> date:
        return self.local(self.now).date()

    def when(self, at: datetime | None) -> str:
        """Short and glanceable: ``Today 08:03``, ``Yesterday 18:04``, ``Mon 08:10``, or
        ``23 Oct 2026 08:10`` for anything a week or more ago."""
        if at is None:
            return DASH
        local = self.local(at)
        clock = f"{local.hour:02d}:{local.minute:02d}"
        days = (self.today - local.date()).days
        if days == 0:
            return st("Today {time}", time=clock)
        if days == 1:
            return st("Yesterday {time}", time=clock)
        if 1 < days < 7:
            return f"{WEEKDAYS[local.weekday()]} {clock}"
        return f"{day_text(local.date())} {clock}"

    def long(self, at: datetime | None) -> str:
        """``Wed 25 Nov 2026 10:00``."""
        if at is None:
            return DASH
        local = self.local(at)
        return (
            f"{WEEKDAYS[local.weekday()]} {day_text(local.date())} "
            f"{local.hour:02d}:{local.minute:02d}"
        )

    def full(self, at: datetime | None) -> str:
        """Unambiguous: ``Wed 25 Nov 2026 10:00 (America/New_York)``."""
        return DASH if at is None else f"{self.long(at)} ({self.zone.key})"

    def iso(self, at: datetime) -> str:
        return self.local(at).isoformat(timespec="minutes")

    def stamp(self, at: datetime | None, seconds: bool = False) -> str:
        """For files and logs: ``2026-11-25 10:00`` (``:07`` with seconds), empty for None."""
        if at is None:
            return ""
        local = self.local(at)
        text = f"{local.date().isoformat()} {local.hour:02d}:{local.minute:02d}"
        return f"{text}:{local.second:02d}" if seconds else text


def percent(coverage: Coverage) -> str:
    value = coverage.percent
    return DASH if value is None else f"{value}%"


def coverage_title(coverage: Coverage) -> str:
    if not coverage.due:
        return st("Nothing was due")
    return st("{covered} of {due} days covered", covered=coverage.covered, due=coverage.due)


def rate(value: float | None) -> str:
    return DASH if value is None else f"{round(value * 100)}%"


def plan_label(kind: str) -> str:
    return st(PLAN_LABELS[kind]) if kind in PLAN_LABELS else st("No plan")


def status_label(status: str) -> str:
    if status in STATUS_LABELS:
        return st(STATUS_LABELS[status])
    return status.replace("_", " ").capitalize()


def trend_text(trend: int | None) -> str:
    """Words, not only an arrow, so a screen reader says it too."""
    if trend is None or trend == 0:
        return "" if trend is None else st("no change")
    return st("up {n}", n=trend) if trend > 0 else st("down {n}", n=-trend)
