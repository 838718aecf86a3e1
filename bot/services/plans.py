"""Between stored schedules and the pure Plan the domain computes with."""

from __future__ import annotations

from datetime import date, time
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.schedules import DEFAULT_INJECTION_INTERVAL_DAYS, Plan, PlanKind, WeeklyRegimen


def plan_of(
    *,
    kind: str,
    timezone: str,
    dose_times: list[Any],
    weekly_doses: dict[str, Any] | None,
    dose_mg: int | None,
    injection_date: date | None,
    injection_interval_days: int | None,
) -> Plan:
    # Plans are immutable values shared by many patients: build each distinct one once.
    return _cached_plan(
        kind,
        timezone,
        tuple(str(t) for t in dose_times),
        tuple(sorted((str(d), int(mg)) for d, mg in weekly_doses.items())) if weekly_doses else (),
        dose_mg,
        injection_date,
        injection_interval_days,
    )


# zoneinfo caches zones weakly; holding one reference per zone in use keeps them from being
# re-read from disk on every reminder.
_ZONES_IN_USE: dict[str, ZoneInfo] = {}


@lru_cache(maxsize=16384)
def _cached_plan(
    kind: str,
    timezone: str,
    dose_times: tuple[str, ...],
    weekly_doses: tuple[tuple[str, int], ...],
    dose_mg: int | None,
    injection_date: date | None,
    injection_interval_days: int | None,
) -> Plan:
    _ZONES_IN_USE.setdefault(timezone, ZoneInfo(timezone))
    return Plan(
        kind=PlanKind(kind),
        zone=timezone,
        times=tuple(time.fromisoformat(str(t)) for t in dose_times),
        regimen=(
            WeeklyRegimen(tuple((int(day), mg) for day, mg in weekly_doses))
            if weekly_doses
            else None
        ),
        dose_mg=dose_mg,
        injection_date=injection_date,
        injection_interval_days=injection_interval_days or DEFAULT_INJECTION_INTERVAL_DAYS,
    )


_FIELDS = (
    "kind",
    "timezone",
    "dose_times",
    "weekly_doses",
    "dose_mg",
    "injection_date",
    "injection_interval_days",
)


def plan_for(schedule: Any, **changes: Any) -> Plan:
    """The Plan of a stored schedule (a model or a result row with the same column names),
    with ``changes`` applied, e.g. ``plan_for(schedule, timezone="Europe/Berlin")``."""
    values = {name: getattr(schedule, name) for name in _FIELDS}
    values.update(changes)
    return plan_of(**values)
