"""Plans and next-due reminders, including the daylight-saving edge cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.schedules import (
    Plan,
    PlanKind,
    WeeklyRegimen,
    describe_plan,
    next_due,
)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def daily(zone: str, *times: time) -> Plan:
    return Plan(PlanKind.DAILY, zone, times)


# --------------------------------------------------------------------------
# Daily: plain days


def test_daily_fires_at_local_time_converted_to_utc() -> None:
    plan = daily("America/Chicago", time(8, 0))
    # 2026-06-10 is CDT (UTC-5): 08:00 local is 13:00 UTC.
    assert next_due(plan, utc(2026, 6, 10, 0, 0)) == utc(2026, 6, 10, 13, 0)


def test_daily_is_strictly_after_the_given_instant() -> None:
    plan = daily("America/Chicago", time(8, 0))
    assert next_due(plan, utc(2026, 6, 10, 13, 0)) == utc(2026, 6, 11, 13, 0)


def test_daily_with_several_times_returns_the_nearest() -> None:
    plan = daily("Europe/Berlin", time(20, 0), time(8, 0))
    # Berlin summer is UTC+2.
    assert next_due(plan, utc(2026, 6, 10, 7, 0)) == utc(2026, 6, 10, 18, 0)
    assert next_due(plan, utc(2026, 6, 10, 18, 0)) == utc(2026, 6, 11, 6, 0)


def test_result_is_utc_aware() -> None:
    result = next_due(daily("Asia/Tokyo", time(9, 0)), utc(2026, 1, 1))
    assert result is not None
    assert result.utcoffset() == timedelta(0)


def test_after_in_another_offset_is_accepted() -> None:
    plan = daily("America/Chicago", time(8, 0))
    after = datetime(2026, 6, 10, 15, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # 13:00 UTC
    assert next_due(plan, after) == utc(2026, 6, 11, 13, 0)


def test_naive_after_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        next_due(daily("UTC", time(8, 0)), datetime(2026, 1, 1))


# --------------------------------------------------------------------------
# Daylight saving


def test_new_york_spring_forward_gap_fires_once_at_three() -> None:
    plan = daily("America/New_York", time(2, 30))
    first = next_due(plan, utc(2026, 3, 7, 12, 0))
    assert first == utc(2026, 3, 8, 7, 0)  # 03:00 EDT, the first valid instant
    assert first.astimezone(ZoneInfo("America/New_York")).time() == time(3, 0)
    # Then back to 02:30 the next day, with no second reminder on the 8th.
    assert next_due(plan, first) == utc(2026, 3, 9, 6, 30)


def test_new_york_gap_does_not_disturb_times_outside_it() -> None:
    plan = daily("America/New_York", time(8, 0))
    assert next_due(plan, utc(2026, 3, 8, 0, 0)) == utc(2026, 3, 8, 12, 0)  # 08:00 EDT


def test_new_york_fall_back_repeated_time_fires_once_at_first_occurrence() -> None:
    plan = daily("America/New_York", time(1, 30))
    first = next_due(plan, utc(2026, 10, 31, 12, 0))
    assert first == utc(2026, 11, 1, 5, 30)  # 01:30 EDT, not 01:30 EST (06:30 UTC)
    assert next_due(plan, first) == utc(2026, 11, 2, 6, 30)


def test_berlin_spring_forward() -> None:
    plan = daily("Europe/Berlin", time(2, 30))
    first = next_due(plan, utc(2026, 3, 28, 12, 0))
    assert first == utc(2026, 3, 29, 1, 0)  # 03:00 CEST
    assert next_due(plan, first) == utc(2026, 3, 30, 0, 30)


def test_berlin_fall_back() -> None:
    plan = daily("Europe/Berlin", time(2, 30))
    first = next_due(plan, utc(2026, 10, 24, 12, 0))
    assert first == utc(2026, 10, 25, 0, 30)  # 02:30 CEST, the first of two
    assert next_due(plan, first) == utc(2026, 10, 26, 1, 30)


def test_lord_howe_transition_dates_are_what_the_tests_assume() -> None:
    tz = ZoneInfo("Australia/Lord_Howe")
    # Half-hour shifts: +11 -> +10:30 on 2026-04-05, back to +11 on 2026-10-04.
    assert datetime(2026, 4, 4, 12, tzinfo=tz).utcoffset() == timedelta(hours=11)
    assert datetime(2026, 4, 5, 12, tzinfo=tz).utcoffset() == timedelta(hours=10, minutes=30)
    assert datetime(2026, 10, 3, 12, tzinfo=tz).utcoffset() == timedelta(hours=10, minutes=30)
    assert datetime(2026, 10, 4, 12, tzinfo=tz).utcoffset() == timedelta(hours=11)


def test_lord_howe_half_hour_fall_back() -> None:
    plan = daily("Australia/Lord_Howe", time(1, 45))  # 01:30-02:00 happens twice
    first = next_due(plan, utc(2026, 4, 4, 0, 0))
    assert first == utc(2026, 4, 4, 14, 45)  # 01:45 at +11
    assert next_due(plan, first) == utc(2026, 4, 5, 15, 15)  # next day, 01:45 at +10:30


def test_lord_howe_half_hour_spring_forward() -> None:
    plan = daily("Australia/Lord_Howe", time(2, 15))  # 02:00-02:30 is skipped
    first = next_due(plan, utc(2026, 10, 3, 0, 0))
    assert first == utc(2026, 10, 3, 15, 30)  # 02:30 at +11
    assert first.astimezone(ZoneInfo("Australia/Lord_Howe")).time() == time(2, 30)
    assert next_due(plan, first) == utc(2026, 10, 4, 15, 15)


def test_two_dose_times_in_the_same_gap_share_one_reminder() -> None:
    # Both are skipped; both map to 03:00 EDT, so there is a single instant.
    plan = daily("America/New_York", time(2, 10), time(2, 40))
    first = next_due(plan, utc(2026, 3, 8, 0, 0))
    assert first == utc(2026, 3, 8, 7, 0)
    assert next_due(plan, first) == utc(2026, 3, 9, 6, 10)


# --------------------------------------------------------------------------
# Weekly


def mwf() -> WeeklyRegimen:
    return WeeklyRegimen.from_mapping({1: 100, 3: 100, 5: 150})


def test_weekly_skips_days_off() -> None:
    plan = Plan(PlanKind.WEEKLY, "Europe/Berlin", (time(8, 0),), regimen=mwf())
    # 2026-06-12 is a Friday; after its 08:00 CEST (06:00 UTC) comes Monday 15th.
    assert next_due(plan, utc(2026, 6, 12, 6, 0)) == utc(2026, 6, 15, 6, 0)
    assert next_due(plan, utc(2026, 6, 15, 6, 0)) == utc(2026, 6, 17, 6, 0)


def test_weekly_single_day_a_week_ahead() -> None:
    regimen = WeeklyRegimen.from_mapping({7: 50})
    plan = Plan(PlanKind.WEEKLY, "America/Chicago", (time(21, 0),), regimen=regimen)
    # Sunday 2026-06-14 21:00 CDT = Monday 02:00 UTC; next is a week later.
    assert next_due(plan, utc(2026, 6, 15, 2, 0)) == utc(2026, 6, 22, 2, 0)


def test_weekly_uses_the_local_weekday_not_the_utc_one() -> None:
    regimen = WeeklyRegimen.from_mapping({1: 100})  # Mondays
    plan = Plan(PlanKind.WEEKLY, "Pacific/Auckland", (time(7, 0),), regimen=regimen)
    # Monday 2026-06-15 07:00 NZST (UTC+12) is Sunday 19:00 UTC.
    assert next_due(plan, utc(2026, 6, 13, 0, 0)) == utc(2026, 6, 14, 19, 0)


# --------------------------------------------------------------------------
# Monthly injection


def injection(on: date, at: time = time(10, 0), interval: int = 28) -> Plan:
    return Plan(
        PlanKind.MONTHLY_INJECTION,
        "America/Chicago",
        (at,),
        injection_date=on,
        injection_interval_days=interval,
    )


def test_injection_reminds_the_day_before_then_on_the_day() -> None:
    plan = injection(date(2026, 12, 3))
    # Chicago in December is UTC-6: 10:00 local is 16:00 UTC.
    first = next_due(plan, utc(2026, 11, 25, 0, 0))
    assert first == utc(2026, 12, 2, 16, 0)
    second = next_due(plan, first)
    assert second == utc(2026, 12, 3, 16, 0)
    # Then the next cycle, 28 days on: day before 2026-12-31.
    assert next_due(plan, second) == utc(2026, 12, 30, 16, 0)


def test_injection_never_reminds_about_cycles_before_the_injection_date() -> None:
    plan = injection(date(2026, 12, 3))
    assert next_due(plan, utc(2026, 1, 1)) == utc(2026, 12, 2, 16, 0)


def test_injection_far_in_the_future_jumps_straight_to_the_right_cycle() -> None:
    plan = injection(date(2026, 1, 1), interval=28)
    after = utc(2100, 1, 1)
    result = next_due(plan, after)
    assert result is not None
    local_day = result.astimezone(ZoneInfo("America/Chicago")).date()
    offset = (local_day - date(2026, 1, 1)).days
    assert offset % 28 in (0, 27)
    assert result - after < timedelta(days=29)


# --------------------------------------------------------------------------
# Value objects and descriptions


def test_regimen_equality_ignores_the_order_days_were_typed() -> None:
    a = WeeklyRegimen.from_mapping({5: 150, 1: 100, 3: 100})
    b = WeeklyRegimen(((1, 100), (3, 100), (5, 150)))
    assert a == b
    assert hash(a) == hash(b)
    assert a.as_dict() == {1: 100, 3: 100, 5: 150}
    assert a.weekdays == frozenset({1, 3, 5})
    assert a.dose_on(5) == 150
    assert a.dose_on(2) is None


@pytest.mark.parametrize(
    "doses",
    [{}, {0: 50}, {8: 50}, {1: 0}, {1: -5}],
)
def test_regimen_rejects_impossible_values(doses: dict[int, int]) -> None:
    with pytest.raises(ValueError):
        WeeklyRegimen.from_mapping(doses)


def test_plan_normalises_times_and_validates() -> None:
    plan = daily("UTC", time(20, 0), time(8, 0), time(8, 0))
    assert plan.times == (time(8, 0), time(20, 0))
    with pytest.raises(ValueError):
        daily("Mars/Olympus_Mons", time(8, 0))
    with pytest.raises(ValueError):
        daily("UTC")
    with pytest.raises(ValueError):
        Plan(PlanKind.WEEKLY, "UTC", (time(8, 0),))
    with pytest.raises(ValueError):
        Plan(PlanKind.MONTHLY_INJECTION, "UTC", (time(8, 0),))


def test_describe_daily() -> None:
    assert describe_plan(daily("America/Chicago", time(8, 0))) == (
        "Daily tablet at 08:00 (America/Chicago)"
    )
    assert describe_plan(
        Plan(PlanKind.DAILY, "America/Chicago", (time(8, 0), time(20, 0)), dose_mg=50)
    ) == ("Daily 50 mg tablet at 08:00 and 20:00 (America/Chicago)")


def test_describe_weekly() -> None:
    plan = Plan(PlanKind.WEEKLY, "Europe/Berlin", (time(8, 0),), regimen=mwf())
    assert describe_plan(plan) == "100 mg Mon, 100 mg Wed, 150 mg Fri at 08:00 (Europe/Berlin)"


def test_describe_weekly_every_day() -> None:
    plan = Plan(PlanKind.WEEKLY, "UTC", (time(9, 0),), regimen=WeeklyRegimen.every_day(50))
    assert describe_plan(plan) == "50 mg every day at 09:00 (UTC)"


def test_describe_injection() -> None:
    assert describe_plan(injection(date(2026, 12, 3))) == (
        "Monthly injection, next on Thu 3 Dec, reminder at 10:00 the day before and on the day"
    )
    assert describe_plan(injection(date(2026, 12, 3), interval=21)).startswith(
        "Injection every 21 days, next on Thu 3 Dec"
    )


# --------------------------------------------------------------------------
# Properties over whole years, random zones and random dose times

ALL_ZONES = sorted(z for z in available_timezones() if "/" in z and not z.startswith("Etc/"))
dose_times = st.builds(time, hour=st.integers(0, 23), minute=st.integers(0, 59))
# A few zones with awkward rules are always worth including alongside the sample.
zones = st.one_of(
    st.sampled_from(ALL_ZONES),
    st.sampled_from(
        ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Santiago"]
    ),
)
PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def oracle(day: date, at: time, tz: ZoneInfo) -> datetime:
    """Independent reference: brute force instead of the production bisection.

    The wall time exists -> its first occurrence; otherwise scan forward
    minute by minute (gaps are rare and short) to the first instant whose
    wall clock is past the skipped time.
    """
    wall = datetime.combine(day, at)
    valid = [
        u
        for u in (wall.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1))
        if u.astimezone(tz).replace(tzinfo=None) == wall
    ]
    if valid:
        return min(valid)
    probe = wall.replace(tzinfo=tz, fold=1).astimezone(UTC) - timedelta(hours=1)
    while probe.astimezone(tz).replace(tzinfo=None) <= wall:
        probe += timedelta(minutes=1)
    # Step back to the exact transition second.
    while (probe - timedelta(seconds=1)).astimezone(tz).replace(tzinfo=None) > wall:
        probe -= timedelta(seconds=1)
    return probe


def year_days(year: int) -> list[date]:
    start = date(year, 1, 1)
    return [start + timedelta(days=k) for k in range((date(year + 1, 1, 1) - start).days)]


def run_year(plan: Plan, first_day: date, count: int) -> list[datetime]:
    tz = ZoneInfo(plan.zone)
    after = oracle(first_day, time(0, 0), tz) - timedelta(seconds=1)
    results: list[datetime] = []
    for _ in range(count):
        nxt = next_due(plan, after)
        assert nxt is not None
        assert nxt > after
        results.append(nxt)
        after = nxt
    return results


def check_wall_clock(result: datetime, day: date, at: time, tz: ZoneInfo) -> None:
    """The reminder shows the dose time, or it was skipped and fires just after."""
    wall = datetime.combine(day, at)
    local = result.astimezone(tz).replace(tzinfo=None)
    if local == wall:
        return
    # Only allowed when the dose time does not exist that day: the instant
    # just before the reminder still shows a wall clock earlier than the dose.
    before = (result - timedelta(seconds=1)).astimezone(tz).replace(tzinfo=None)
    assert before < wall < local, (day, at, result)


@PROPERTY_SETTINGS
@given(
    zone=zones,
    times=st.lists(dose_times, min_size=1, max_size=4, unique=True),
    year=st.sampled_from([2025, 2026, 2027]),
)
def test_daily_gives_one_reminder_per_local_day_per_dose_time(
    zone: str, times: list[time], year: int
) -> None:
    tz = ZoneInfo(zone)
    plan = daily(zone, *times)
    expected = {oracle(day, at, tz): (day, at) for day in year_days(year) for at in plan.times}
    results = run_year(plan, date(year, 1, 1), len(expected))
    assert results == sorted(expected)
    for result in results:
        day, at = expected[result]
        check_wall_clock(result, day, at, tz)
    # Exactly one reminder per local day per dose time; the only way two
    # dose times can share a reminder is by both falling in one DST gap.
    per_day: dict[date, int] = {}
    for day, _ in expected.values():
        per_day[day] = per_day.get(day, 0) + 1
    for day in year_days(year):
        distinct = len({oracle(day, at, tz) for at in plan.times})
        assert per_day[day] == distinct


@PROPERTY_SETTINGS
@given(
    zone=zones,
    times=st.lists(dose_times, min_size=1, max_size=2, unique=True),
    weekdays=st.sets(st.integers(1, 7), min_size=1),
)
def test_weekly_fires_only_on_regimen_days(
    zone: str, times: list[time], weekdays: set[int]
) -> None:
    tz = ZoneInfo(zone)
    regimen = WeeklyRegimen.from_mapping(dict.fromkeys(weekdays, 50))
    plan = Plan(PlanKind.WEEKLY, zone, tuple(times), regimen=regimen)
    expected = {
        oracle(day, at, tz): (day, at)
        for day in year_days(2026)
        if day.isoweekday() in weekdays
        for at in plan.times
    }
    results = run_year(plan, date(2026, 1, 1), len(expected))
    assert results == sorted(expected)
    for result in results:
        day, at = expected[result]
        check_wall_clock(result, day, at, tz)


@PROPERTY_SETTINGS
@given(
    zone=zones,
    at=dose_times,
    first=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)),
    interval=st.integers(1, 60),
)
def test_injection_reminders_are_day_before_and_day_of_each_cycle(
    zone: str, at: time, first: date, interval: int
) -> None:
    tz = ZoneInfo(zone)
    plan = Plan(
        PlanKind.MONTHLY_INJECTION,
        zone,
        (at,),
        injection_date=first,
        injection_interval_days=interval,
    )
    cycles = 6
    days = sorted(
        {first + timedelta(days=k * interval + shift) for k in range(cycles) for shift in (-1, 0)}
    )
    expected = sorted({oracle(day, at, tz) for day in days})
    start = first - timedelta(days=30)
    results = run_year(plan, start, len(expected))
    assert results == expected
