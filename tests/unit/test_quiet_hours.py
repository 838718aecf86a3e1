"""Quiet hours for texts: which texts wait, and until when, across midnight and DST."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.quiet_hours import DEFAULT, QuietHours, can_wait, parse_quiet_hours

NY = ZoneInfo("America/New_York")
LA = ZoneInfo("America/Los_Angeles")
KOLKATA = ZoneInfo("Asia/Kolkata")


def local(zone: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone)


@pytest.mark.parametrize(
    ("when", "release"),
    [
        # 20:59 in New York: still evening, goes now.
        (local(NY, 2026, 12, 7, 20, 59), None),
        # 21:00 to midnight: held until 08:00 the next morning.
        (local(NY, 2026, 12, 7, 21, 0), local(NY, 2026, 12, 8, 8, 0)),
        (local(NY, 2026, 12, 7, 23, 30), local(NY, 2026, 12, 8, 8, 0)),
        # After midnight: until 08:00 the same day.
        (local(NY, 2026, 12, 8, 2, 15), local(NY, 2026, 12, 8, 8, 0)),
        (local(NY, 2026, 12, 8, 7, 59), local(NY, 2026, 12, 8, 8, 0)),
        (local(NY, 2026, 12, 8, 8, 0), None),
        # Half-hour zones are local time too.
        (local(KOLKATA, 2026, 12, 7, 22, 0), local(KOLKATA, 2026, 12, 8, 8, 0)),
    ],
)
def test_a_text_that_can_wait_waits_for_the_local_morning(
    when: datetime, release: datetime | None
) -> None:
    held = DEFAULT.held_until(when.astimezone(UTC), when.tzinfo)  # type: ignore[arg-type]
    assert held == (release.astimezone(UTC) if release else None)


def test_the_night_the_clocks_change_still_ends_at_eight_on_the_wall_clock() -> None:
    # 2026-03-08, New York springs forward at 02:00; 8:00 EDT is 12:00 UTC, not 13:00.
    held = DEFAULT.held_until(local(NY, 2026, 3, 8, 1, 0).astimezone(UTC), NY)
    assert held == datetime(2026, 3, 8, 12, 0, tzinfo=UTC)
    # 2026-11-01, it falls back at 02:00: 8:00 EST is 13:00 UTC.
    held = DEFAULT.held_until(local(NY, 2026, 11, 1, 1, 30).astimezone(UTC), NY)
    assert held == datetime(2026, 11, 1, 13, 0, tzinfo=UTC)


def test_an_end_inside_the_skipped_hour_is_where_the_clocks_land() -> None:
    # Quiet until 02:30, on the night 02:00-03:00 does not exist: released at 03:00 EDT.
    quiet = QuietHours(time(22, 0), time(2, 30))
    held = quiet.held_until(local(NY, 2026, 3, 8, 1, 0).astimezone(UTC), NY)
    assert held == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)


def test_quiet_hours_within_one_day() -> None:
    siesta = QuietHours(time(13, 0), time(15, 0))
    assert siesta.held_until(local(LA, 2026, 7, 1, 12, 59).astimezone(UTC), LA) is None
    assert siesta.held_until(local(LA, 2026, 7, 1, 13, 0).astimezone(UTC), LA) == local(
        LA, 2026, 7, 1, 15, 0
    ).astimezone(UTC)


@given(
    instant=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(
        [NY, LA, KOLKATA, ZoneInfo("Europe/Madrid"), ZoneInfo("Australia/Lord_Howe")]
    ),
)
def test_a_held_text_is_released_after_now_at_a_time_outside_the_quiet_hours(
    instant: datetime, zone: ZoneInfo
) -> None:
    held = DEFAULT.held_until(instant, zone)
    if held is None:
        assert not DEFAULT.quiet_at(instant.astimezone(zone).time())
        return
    assert DEFAULT.quiet_at(instant.astimezone(zone).time())
    assert instant < held
    assert (held - instant).total_seconds() <= 12 * 3600 + 3600  # 11 h of night, DST hour
    assert not DEFAULT.quiet_at(held.astimezone(zone).time())


@pytest.mark.parametrize(
    ("key", "waits"),
    [
        ("checkin:12:1733600000", True),
        ("nudge:99", True),
        ("eve:3:1733600000", True),
        ("rem:5:1733600000", False),  # the reminder at the time the patient chose
        ("snooze:5:1", False),
        ("safety:5", False),  # the overdose-risk note after a missed dose
        ("consent:5:v2", False),
        (None, False),  # an answer to the patient's own text
        ("", False),
    ],
)
def test_only_texts_that_can_wait_are_held(key: str | None, waits: bool) -> None:
    assert can_wait(key) is waits


def test_parsing_quiet_hours() -> None:
    assert parse_quiet_hours("21:00-08:00") == DEFAULT
    assert parse_quiet_hours(" 22:30 - 7:00 ") == QuietHours(time(22, 30), time(7, 0))
    assert parse_quiet_hours("off") is None
    assert str(DEFAULT) == "21:00-08:00"
    for bad in ("9pm-8am", "21:00", "25:00-08:00", "21:00-08:61", "08:00-08:00"):
        with pytest.raises(ValueError):
            parse_quiet_hours(bad)
