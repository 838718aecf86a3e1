"""Small pieces of wording shared by what patients and staff read: counts and staff times."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Zulu", "Etc/Zulu", "GMT", "Etc/GMT"})


def count(n: int, noun: str, plural: str | None = None) -> str:
    """'1 day', '2 days', '0 days'."""
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"


def staff_time(at: datetime, zone: str) -> str:
    """A moment as a staff member reads it. Staff who never set a time zone read UTC, and the
    label says so: an unlabelled 15:00 reads as local time to a nurse in Chicago."""
    try:
        tz = ZoneInfo(zone)
    except (KeyError, ValueError):
        tz, zone = ZoneInfo("UTC"), "UTC"
    text = at.astimezone(tz).strftime("%a %d %b %H:%M")
    return f"{text} UTC" if zone in _UTC_NAMES else text
