"""Quiet hours for text messages (issue 16): when a non-urgent text waits for the morning.

A text arrives with a sound on a phone that may be on the pillow; a clinic texting a check-in
question at 23:30 wakes people in early recovery, for whom sleep is part of treatment. So texts
that can wait are held while it is night where the patient lives (by default 21:00-08:00,
their local time) and go out when the quiet hours end. What never waits: a crisis reply and
any answer to a text the patient just sent, a dose reminder at the time the patient chose
(they chose it, and it is the point of the service), and the overdose-risk note after a missed
dose. What waits: check-in questions, nudges about an unanswered reminder, and the evening
check of the time-zone change.

Pure: every function takes the instant and the zone; nothing reads a clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo

__all__ = ["DEFAULT", "HELD_KINDS", "QuietHours", "can_wait", "parse_quiet_hours"]

# The outbox's dedupe keys start with the kind of message: these can wait for the morning.
HELD_KINDS: Final = frozenset({"checkin", "nudge", "eve"})

_RANGE: Final = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True, slots=True)
class QuietHours:
    """From ``start`` to ``end``, local time; ``start > end`` spans midnight (21:00-08:00)."""

    start: time
    end: time

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise ValueError("quiet hours must start and end at different times")

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    def quiet_at(self, local: time) -> bool:
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def held_until(self, now: datetime, zone: ZoneInfo) -> datetime | None:
        """When a text that can wait may go, as a UTC instant, or None if it may go now.

        The end is the next local ``end`` after ``now``. On the night the clocks change, the
        local end time is taken as written on that day's wall clock; if it does not exist (the
        hour skipped in spring), the first instant after the gap."""
        local = now.astimezone(zone)
        if not self.quiet_at(local.time().replace(tzinfo=None)):
            return None
        day = local.date()
        if local.time().replace(tzinfo=None) >= self.end:
            day += timedelta(days=1)
        wall = datetime.combine(day, self.end)
        release = _first_instant_at_or_after(wall, zone)
        return release.astimezone(UTC)


def _first_instant_at_or_after(wall: datetime, zone: ZoneInfo) -> datetime:
    """The instant a wall clock in ``zone`` reads ``wall``: the earlier one when it reads it
    twice (autumn), the end of the gap when it never does (spring)."""
    candidate = wall.replace(tzinfo=zone, fold=0)
    # A wall time in the gap does not survive a round trip through UTC.
    if candidate.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall:
        return candidate
    # In the gap: its two readings (before and after offsets) bracket the jump; the first
    # whole minute whose wall clock reads past ``wall`` is where the clocks landed.
    instant = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    latest = candidate.astimezone(UTC)
    while instant < latest and instant.astimezone(zone).replace(tzinfo=None) < wall:
        instant += timedelta(minutes=1)
    return instant


DEFAULT: Final = QuietHours(time(21, 0), time(8, 0))


def parse_quiet_hours(text: str) -> QuietHours | None:
    """``"21:00-08:00"`` -> QuietHours; ``"off"`` (or empty) -> None. Raises ValueError with
    a message an operator can act on."""
    if text.strip().lower() in ("", "off", "none"):
        return None
    match = _RANGE.match(text)
    if match is None:
        raise ValueError("expected quiet hours as HH:MM-HH:MM (e.g. 21:00-08:00) or off")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if not (h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60):
        raise ValueError("quiet hours: hours are 00-23 and minutes 00-59")
    return QuietHours(time(h1, m1), time(h2, m2))


@lru_cache(maxsize=256)
def clinic_quiet_hours(stored: str) -> QuietHours | None:
    """A clinic's stored setting, parsed once per process (the sender reads it per text)."""
    return parse_quiet_hours(stored)


def can_wait(dedupe_key: str | None) -> bool:
    """Whether an outbox message of this kind (its dedupe key's prefix) may be held."""
    if not dedupe_key:
        return False
    return dedupe_key.split(":", 1)[0] in HELD_KINDS
