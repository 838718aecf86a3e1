"""Plan descriptions in Spanish (weekday and month names through Babel); English unchanged."""

from __future__ import annotations

from datetime import date, time

from bot.domain.schedules import Plan, PlanKind, WeeklyRegimen, describe_plan, weekday_name

WEEKLY = Plan(
    PlanKind.WEEKLY,
    "Europe/Berlin",
    (time(8, 0),),
    regimen=WeeklyRegimen(((1, 100), (3, 100), (5, 150))),
)
INJECTION = Plan(
    PlanKind.MONTHLY_INJECTION,
    "America/New_York",
    (time(10, 0),),
    injection_date=date(2026, 12, 3),
)


def test_daily_plans_in_spanish() -> None:
    plan = Plan(PlanKind.DAILY, "America/Chicago", (time(8, 0), time(20, 0)), dose_mg=50)
    assert describe_plan(plan, "es") == (
        "Una tableta de 50 mg al día, a las 08:00 y 20:00 (America/Chicago)"
    )
    bare = Plan(PlanKind.DAILY, "America/Chicago", (time(8, 0),))
    assert describe_plan(bare, "es") == "Una tableta al día, a las 08:00 (America/Chicago)"


def test_weekly_plans_name_the_days_in_spanish() -> None:
    assert describe_plan(WEEKLY, "es") == (
        "100 mg el lunes, 100 mg el miércoles, 150 mg el viernes, a las 08:00 (Europe/Berlin)"
    )
    every_day = Plan(
        PlanKind.WEEKLY, "Europe/Berlin", (time(8, 0),), regimen=WeeklyRegimen.every_day(50)
    )
    assert describe_plan(every_day, "es") == "50 mg todos los días, a las 08:00 (Europe/Berlin)"
    assert [weekday_name(d, "es") for d in (1, 6, 7)] == ["lunes", "sábado", "domingo"]


def test_injection_plans_name_the_date_in_spanish() -> None:
    assert describe_plan(INJECTION, "es") == (
        "Inyección mensual; la próxima es el jueves 3 de diciembre, con un recordatorio a las "
        "10:00 el día antes y el mismo día"
    )
    two = Plan(
        PlanKind.MONTHLY_INJECTION,
        "America/New_York",
        (time(9, 0), time(18, 0)),
        injection_date=date(2026, 12, 3),
        injection_interval_days=21,
    )
    assert describe_plan(two, "es") == (
        "Inyección cada 21 días; la próxima es el jueves 3 de diciembre, con recordatorios a las "
        "09:00 y 18:00 el día antes y el mismo día"
    )


def test_english_descriptions_are_unchanged() -> None:
    assert describe_plan(WEEKLY) == "100 mg Mon, 100 mg Wed, 150 mg Fri at 08:00 (Europe/Berlin)"
    assert describe_plan(INJECTION) == (
        "Monthly injection, next on Thu 3 Dec, reminder at 10:00 the day before and on the day"
    )
    daily = Plan(PlanKind.DAILY, "America/Chicago", (time(8, 0), time(14, 0), time(20, 0)))
    assert describe_plan(daily) == "Daily tablet at 08:00, 14:00 and 20:00 (America/Chicago)"
    # A language we do not speak reads English.
    assert describe_plan(INJECTION, "fr") == describe_plan(INJECTION)
