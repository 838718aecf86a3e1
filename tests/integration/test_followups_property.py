"""Issue 18, item 4: the set-based follow-up wave and the row-by-row sweep it replaced
(tests/support_followups_reference.py) agree on random small histories: several patients with
schedules of each kind, doses taken, skipped, missed, never reminded or still pending (some
windows closing at once, several per patient), check-ins answered, expired or open, alerts open,
taken or resolved, support people, staff in clinics. Each history is written once, copied, and
the two sweeps run on a copy each; they must leave the same dose statuses, stats versions,
alerts (patient, kind, status, occurrences, summary) and outbox rows (kind, chat, dedupe key,
text and buttons), and report the same counts."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.clock import FakeClock
from bot.db.migrate import upgrade
from bot.runtime import app_context
from jobs.followups import follow_up
from tests import support_followups_reference as reference
from tests.conftest import START, make_settings
from tests.support_followups_reference import (
    AlertSpec,
    CheckInSpec,
    DoseSpec,
    History,
    LinkSpec,
    PatientSpec,
    StaffSpec,
)

ZONES = ("America/Chicago", "UTC", "Asia/Tokyo")
KINDS = ("daily", "weekly", "monthly_injection")
ALERT_KINDS = ("missed_doses", "unresponsive", "injection_overdue", "sos", "unreachable")


@st.composite
def histories(draw: st.DrawFn) -> History:
    clinics = draw(st.integers(1, 2))
    staff = draw(
        st.lists(
            st.builds(
                StaffSpec,
                st.integers(0, clinics - 1),
                st.booleans() | st.just(True),
                st.sampled_from(ZONES),
            ),
            max_size=4,
        )
    )
    patients = draw(
        st.lists(
            st.builds(
                PatientSpec,
                clinic=st.integers(0, clinics - 1),
                status=st.sampled_from(("active", "active", "active", "paused", "stopped")),
                consented=st.booleans() | st.just(True),
                zone=st.sampled_from(ZONES),
                kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=2, unique=True).map(
                    tuple
                ),
                name=st.sampled_from(("Pat Doe", "Ann", "", "José Núñez")),
                plain=st.booleans(),
            ),
            min_size=1,
            max_size=3,
        )
    )
    n = len(patients)
    # Hours before "now": doses due 0-72 h ago, their windows 1, 4 or 72 h long, so some close
    # now (several per patient), some are still open (nudges, snoozes) and some closed before.
    dose = st.builds(
        DoseSpec,
        patient=st.integers(0, n - 1),
        schedule=st.integers(0, 1),
        due_hours=st.integers(-8, 0) | st.integers(-80, -9),
        status=st.sampled_from(
            ("pending",) * 4 + ("missed", "missed", "taken", "skipped", "missed_not_reminded")
        ),
        reminded=st.sampled_from((True, True, True, False)),
        window_hours=st.sampled_from((1, 4, 4, 72)),
        snoozed_hours=st.sampled_from((None, None, None, -1, 1)),
        nudged=st.booleans(),
    )
    doses = draw(
        st.lists(dose, max_size=14, unique_by=lambda d: (d.patient, d.schedule % 2, d.due_hours))
    )
    doses = _unique_per_schedule(doses, patients)
    check_ins = draw(
        st.lists(
            st.builds(
                CheckInSpec,
                patient=st.integers(0, n - 1),
                created_hours=st.integers(-96, 0),
                status=st.sampled_from(("open", "answered", "expired", "expired")),
                scheduled=st.booleans() | st.just(True),
            ),
            max_size=6,
            unique_by=lambda c: (c.patient, c.created_hours),
        )
    )
    alerts = draw(
        st.lists(
            st.builds(
                AlertSpec,
                patient=st.integers(0, n - 1),
                kind=st.sampled_from(ALERT_KINDS),
                status=st.sampled_from(("open", "acknowledged", "resolved")),
                taken_by=st.none() | st.integers(0, max(len(staff) - 1, 0)) if staff else st.none(),
            ),
            max_size=5,
        )
    )
    links = draw(
        st.lists(
            st.builds(
                LinkSpec,
                patient=st.integers(0, n - 1),
                status=st.sampled_from(("active", "active", "ended", "pending", "invited")),
            ),
            max_size=3,
        )
    )
    return History(clinics, staff, patients, doses, check_ins, alerts, links)


def _unique_per_schedule(doses: list[DoseSpec], patients: list[PatientSpec]) -> list[DoseSpec]:
    # A dose is unique on (schedule, due time); a patient with one schedule maps both indexes
    # onto it.
    seen: set[tuple[int, int, int]] = set()
    kept = []
    for d in doses:
        key = (d.patient, d.schedule % len(patients[d.patient].kinds), d.due_hours)
        if key not in seen:
            seen.add(key)
            kept.append(d)
    return kept


async def _agree(base_url: str, history: History) -> None:
    clock = FakeClock(START)
    async with reference.copy_of(base_url) as url:
        async with app_context(make_settings(url), clock) as ctx:
            await reference.build(ctx, history)
        outcomes = []
        for wave in (False, True):
            async with (
                reference.copy_of(url) as copy,
                app_context(make_settings(copy), clock) as ctx,
            ):
                result = await (follow_up(ctx) if wave else reference.reference_follow_up(ctx))
                outcomes.append((asdict(result), await reference.snapshot(ctx)))
    (old_counts, old), (new_counts, new) = outcomes
    for name, count in old_counts.items():
        event(f"{name}: {'none' if not count else 'one' if count == 1 else 'several'}")
    for part in ("doses", "patients", "alerts", "outbox"):
        assert new[part] == old[part], part
    assert new_counts == old_counts


_MIGRATED: dict[Path, str] = {}


async def _sqlite_base(tmp_path: Path) -> str:
    if tmp_path not in _MIGRATED:
        url = f"sqlite+aiosqlite:///{tmp_path / 'base.db'}"
        await upgrade(url)
        _MIGRATED[tmp_path] = url
    return _MIGRATED[tmp_path]


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories())
async def test_the_wave_agrees_with_the_row_by_row_sweep_on_sqlite(
    tmp_path: Path, history: History
) -> None:
    await _agree(await _sqlite_base(tmp_path), history)


@pytest.mark.postgres
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories())
async def test_the_wave_agrees_with_the_row_by_row_sweep_on_postgres(
    pg_url: str, history: History
) -> None:
    await _agree(pg_url, history)
