"""The clinic summary's SQL against the domain's definitions, on random histories, both databases.

Each run enrols a few dozen patients with random plans, zones and 100 days of answers, asks the
database for the whole clinic at once, and checks every figure against
:func:`bot.domain.adherence.metrics` computed in Python from the same rows.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from bot.db.models import Alert, CheckIn, DoseEvent, Patient, Schedule
from bot.domain import adherence
from bot.domain.adherence import DoseRecord
from bot.domain.schedules import day_number, from_day_number
from bot.services.clinic_summary import clinic_patients
from bot.services.context import AppContext
from tests.support import new_clinic

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
ZONES = [
    "America/New_York",
    "America/Los_Angeles",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Pacific/Auckland",
]


def _history(rng: random.Random, kind: str, zone: str) -> list[tuple[datetime, str, bool]]:
    """(due instant, status, answered on time) for the last ~100 days, in due order."""
    tz = ZoneInfo(zone)
    today = NOW.astimezone(tz).date()
    start = rng.randint(0, 100)
    times = [time(8, 0)] if rng.random() < 0.7 else [time(8, 0), time(20, 0)]
    out = []
    for back in range(start, -1, -1):
        day = today - timedelta(days=back)
        if kind == "weekly" and day.isoweekday() not in (1, 3, 5):
            continue
        if kind == "monthly_injection":
            if back % 28 != 3:
                continue
            times = [time(9, 0)]
        for at in times:
            due = datetime.combine(day, at, tz).astimezone(UTC)
            if due > NOW:
                continue
            if NOW - due < timedelta(hours=4):
                status = rng.choice(["pending", "taken"])
            else:
                status = rng.choices(
                    ["taken", "missed", "skipped", "missed_not_reminded"], [6, 2, 1, 1]
                )[0]
            out.append((due, status, rng.random() < 0.8))
    return out


async def _seed(ctx: AppContext, seed: int, count: int) -> tuple[int, dict[int, dict[str, object]]]:
    rng = random.Random(seed)
    clinic = await new_clinic(ctx, f"Clinic {seed}")
    expected: dict[int, dict[str, object]] = {}
    async with ctx.sessions.begin() as session:
        for n in range(count):
            zone = rng.choice(ZONES)
            kind = rng.choice(["daily", "daily", "weekly", "monthly_injection"])
            patient = Patient(
                chat_id=seed * 1000 + n,
                clinic_id=clinic.id,
                display_name=f"P{n}",
                timezone=zone,
                consent_version="v",
                consented_at=NOW,
                created_at=NOW - timedelta(days=120),
                updated_at=NOW,
            )
            session.add(patient)
            await session.flush()
            schedule = Schedule(
                patient_id=patient.id,
                kind=kind,
                timezone=zone,
                dose_times=["08:00"],
                weekly_doses={"1": 100, "3": 100, "5": 150} if kind == "weekly" else None,
                injection_date=NOW.date() + timedelta(days=25)
                if kind == "monthly_injection"
                else None,
                injection_interval_days=28 if kind == "monthly_injection" else None,
                created_at=NOW,
                updated_at=NOW,
            )
            session.add(schedule)
            await session.flush()
            tz = ZoneInfo(zone)
            records = []
            for due, status, on_time in _history(rng, kind, zone):
                answered = None
                if status in ("taken", "skipped"):
                    answered = due + (timedelta(minutes=10) if on_time else timedelta(hours=6))
                session.add(
                    DoseEvent(
                        schedule_id=schedule.id,
                        patient_id=patient.id,
                        due_at=due,
                        local_day=day_number(due, tz),
                        status=status,
                        window_ends_at=due + timedelta(hours=4),
                        reminded_at=None if status == "missed_not_reminded" else due,
                        answered_at=answered,
                        created_at=due,
                    )
                )
                records.append(
                    DoseRecord(
                        day=due.astimezone(tz).date(),
                        status=status,
                        on_time=status == "taken" and on_time,
                        covers_days=28 if kind == "monthly_injection" else 1,
                    )
                )
            cravings = []
            answered_checks = closed_checks = 0
            for back in sorted(rng.sample(range(60), rng.randint(0, 6)), reverse=True):
                created = NOW - timedelta(days=back, hours=rng.randint(0, 20))
                status = rng.choice(
                    ["answered", "expired", "open"] if back < 2 else ["answered", "expired"]
                )
                craving = rng.randint(0, 10) if status == "answered" else None
                scheduled = rng.random() < 0.7
                session.add(
                    CheckIn(
                        patient_id=patient.id,
                        created_at=created,
                        due_at=created if scheduled else None,
                        status=status,
                        answered_at=created if status == "answered" else None,
                        craving=craving,
                    )
                )
                if craving is not None:
                    cravings.append(craving)
                if scheduled and created >= NOW - timedelta(days=30) and status != "open":
                    closed_checks += 1
                    answered_checks += status == "answered"
            opened = rng.randint(0, 2)
            for k in range(opened + rng.randint(0, 1)):
                session.add(
                    Alert(
                        clinic_id=clinic.id,
                        patient_id=patient.id,
                        kind="high_craving" if k else "missed_doses",
                        severity="urgent" if k == 1 else "normal",
                        status="open" if k < opened else "resolved",
                        summary="x",
                        created_at=NOW,
                    )
                )
            today = from_day_number(day_number(NOW, tz))
            expected[patient.id] = {
                "metrics": adherence.metrics(records, today),
                "pdc14": adherence.pdc(records, today, 14),
                "latest": cravings[-1] if cravings else None,
                "previous": cravings[-2] if len(cravings) > 1 else None,
                "rate": answered_checks / closed_checks if closed_checks else None,
                "open": opened,
            }
    return clinic.id, expected


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_the_summary_sql_agrees_with_the_domain(ctx: AppContext, seed: int) -> None:
    clinic_id, expected = await _seed(ctx, seed, 30)
    other_clinic, _ = await _seed(ctx, seed + 100, 3)
    statements: list[str] = []
    engine = ctx.sessions.kw["bind"].sync_engine
    record = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", record)
    try:
        async with ctx.sessions.begin() as session:
            # First view: every patient's stats are computed (one INSERT ... SELECT).
            rows = await clinic_patients(session, clinic_id, NOW)
        computing = len(statements)
        statements.clear()
        async with ctx.sessions.begin() as session:
            again = await clinic_patients(session, clinic_id, NOW)
        reading = len(statements)
        statements.clear()
        async with ctx.sessions() as session:
            live = {r.id: r for r in await clinic_patients(session, clinic_id, NOW, extra_days=14)}
    finally:
        event.remove(engine, "before_cursor_execute", record)
    # A handful of statements, never one per patient: zones, stale check, [refresh], read.
    assert computing <= 5 and reading == 3 and len(statements) == 2
    assert again == rows and all(live[r.id].coverage[7] == r.pdc7 for r in rows)
    assert {r.id for r in rows} == set(expected)  # and nobody from the other clinic
    for row in rows:
        want = expected[row.id]
        metrics = want["metrics"]
        assert isinstance(metrics, adherence.Metrics)
        got = (row.pdc7, row.pdc30, row.pdc90, row.current_streak, row.consecutive_misses)
        wanted = (
            metrics.pdc7,
            metrics.pdc30,
            metrics.pdc90,
            metrics.current_streak,
            metrics.consecutive_misses,
        )
        assert got == wanted, (row.plan_kind, row.timezone)
        assert live[row.id].coverage[14] == want["pdc14"]
        assert row.on_time_rate == pytest.approx(metrics.on_time_rate)
        assert (row.latest_craving, row.previous_craving) == (want["latest"], want["previous"])
        assert row.check_in_rate == pytest.approx(want["rate"])
        assert row.open_alerts == want["open"]
    assert other_clinic != clinic_id


async def test_one_patient_of_another_clinic_is_not_found(ctx: AppContext) -> None:
    clinic_id, expected = await _seed(ctx, 9, 2)
    other_clinic, theirs = await _seed(ctx, 10, 1)
    [their_patient] = theirs
    async with ctx.sessions() as session:
        assert await clinic_patients(session, clinic_id, NOW, their_patient) == []
        [mine] = await clinic_patients(session, clinic_id, NOW, next(iter(expected)))
    assert mine.id in expected and other_clinic != clinic_id


async def test_pages_sort_and_filter_in_sql_like_python_would(ctx: AppContext) -> None:
    from bot.services.clinic_summary import Listing, clinic_counts

    clinic_id, _ = await _seed(ctx, 4, 25)
    async with ctx.sessions.begin() as session:
        everyone = await clinic_patients(session, clinic_id, NOW)
        counts = await clinic_counts(session, clinic_id, NOW, (8, 2), refresh=False)
        by_week = await clinic_patients(
            session, clinic_id, NOW, listing=Listing(sort="pdc7", descending=True, limit=10)
        )
        second = await clinic_patients(
            session,
            clinic_id,
            NOW,
            listing=Listing(sort="pdc7", descending=True, limit=10, offset=10),
        )
        flagged = await clinic_patients(
            session, clinic_id, NOW, listing=Listing(attention_only=True), thresholds=(8, 2)
        )

    def week(row: object) -> float:
        ratio = row.pdc7.ratio  # type: ignore[attr-defined]
        return -1.0 if ratio is None else ratio

    expected = sorted(everyone, key=lambda r: (r.pdc7.ratio is None, -week(r), r.id))
    assert [r.id for r in by_week + second] == [r.id for r in expected[:20]]
    assert {r.id for r in flagged} == {r.id for r in everyone if r.needs_attention(8, 2)}
    assert counts.patients == len(everyone) and counts.attention == len(flagged)
    assert counts.adherent == sum(1 for r in everyone if r.adherent)
    assert counts.open_alerts == sum(r.open_alerts for r in everyone)


async def test_stats_follow_an_answer_and_the_next_local_day(ctx: AppContext) -> None:
    """An answer bumps the patient's version and the next read shows it; past local midnight
    the windows move on; the job recomputes what is stale."""
    from bot.clock import FakeClock
    from bot.db.models import PatientStats
    from jobs.stats import refresh_stale_stats

    clinic = await new_clinic(ctx)
    tz = ZoneInfo("America/New_York")
    due = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)  # 08:00 in New York today
    async with ctx.sessions.begin() as session:
        patient = Patient(
            chat_id=1,
            clinic_id=clinic.id,
            display_name="Pat",
            timezone="America/New_York",
            consent_version="v",
            consented_at=NOW,
            created_at=NOW - timedelta(days=3),
            updated_at=NOW,
        )
        session.add(patient)
        await session.flush()
        schedule = Schedule(
            patient_id=patient.id,
            kind="daily",
            timezone="America/New_York",
            dose_times=["08:00"],
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(schedule)
        await session.flush()
        dose = DoseEvent(
            schedule_id=schedule.id,
            patient_id=patient.id,
            due_at=due - timedelta(days=1),
            local_day=day_number(due - timedelta(days=1), tz),
            status="missed",
            window_ends_at=due,
            reminded_at=due,
            created_at=due,
        )
        session.add(dose)
    assert await refresh_stale_stats(ctx) == 1
    assert await refresh_stale_stats(ctx) == 0  # nothing stale any more
    async with ctx.sessions.begin() as session:
        [row] = await clinic_patients(session, clinic.id, NOW)
        assert (row.pdc7.covered, row.pdc7.due, row.consecutive_misses) == (0, 1, 1)
        stored = await session.get(DoseEvent, dose.id)
        owner = await session.get(Patient, patient.id)
        assert stored is not None and owner is not None
        stored.status, stored.answered_at = "taken", NOW  # a late "taken", as answer_dose does
        owner.stats_version += 1
    async with ctx.sessions.begin() as session:
        [row] = await clinic_patients(session, clinic.id, NOW)
    assert (row.pdc7.covered, row.pdc7.due, row.consecutive_misses) == (1, 1, 0)
    # Local midnight in New York: the stored day is stale, and recomputed for the new day.
    assert isinstance(ctx.clock, FakeClock)
    ctx.clock.set(datetime(2026, 11, 26, 5, 1, tzinfo=UTC))
    assert await refresh_stale_stats(ctx) == 1
    async with ctx.sessions() as session:
        stats = await session.get(PatientStats, patient.id)
    assert stats is not None and stats.as_of_day == day_number(ctx.clock.now(), tz)
