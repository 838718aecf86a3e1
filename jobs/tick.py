"""The tick: turn due schedules into dose rows and reminders, then move each schedule on.

The database is the source of truth. A tick claims schedules whose ``next_due_at`` has come
(``FOR UPDATE SKIP LOCKED`` on Postgres, so several workers share the work without overlap),
writes one dose row per due occurrence (unique on schedule and due time, so a repeat is a no-op),
queues the reminder in the outbox (unique dedupe key, same reason), advances ``next_due_at`` in
the patient's own zone, and commits, all in one transaction per batch. Its cost follows what is
due, not how many patients exist: the only query is an index range scan on ``next_due_at``.

After downtime, only the latest occurrence still inside its dose window gets a reminder; older
ones are recorded as missed-not-reminded, so a patient is never flooded with a backlog.

Each reminder is rendered when it is queued, in its patient's language (``Patient.language``,
read with the schedule: no query per patient).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.bulk import insert_ignoring_conflicts, is_postgres, update_by_id
from bot.db.engine import claiming
from bot.db.models import DoseEvent, DoseStatus, OutboxMessage, Patient, PatientStatus, Schedule
from bot.domain import reminders
from bot.domain.schedules import Plan, PlanKind, day_number
from bot.domain.schedules import next_due as _next_due
from bot.services.context import AppContext
from bot.services.outbox import outbox_row, payload_for
from bot.services.plans import plan_for
from jobs.lanes import drain

log = logging.getLogger(__name__)

# Occurrences older than this are not even recorded after a long outage; the schedule jumps.
CATCH_UP_LIMIT = timedelta(days=7)
_ONE_SECOND = timedelta(seconds=1)
DEFAULT_LANES = 2


@dataclass
class TickResult:
    schedules: int = 0
    reminders: int = 0
    missed_not_reminded: int = 0

    def add(self, other: TickResult) -> None:
        self.schedules += other.schedules
        self.reminders += other.reminders
        self.missed_not_reminded += other.missed_not_reminded


# Patients share plans and due instants (everyone at 08:00 in Chicago): computing each once per
# process keeps a burst of reminders from being dominated by time-zone arithmetic.
next_due = lru_cache(maxsize=65536)(_next_due)


def is_injection_eve(plan: Plan, instant: datetime) -> bool:
    """True when ``instant`` falls on the local day before an injection date of the plan."""
    assert plan.injection_date is not None
    day_after = instant.astimezone(plan.tz).date() + timedelta(days=1)
    return (day_after - plan.injection_date).days % plan.injection_interval_days == 0


def _dose_mg(plan: Plan, instant: datetime) -> int | None:
    if plan.kind is PlanKind.WEEKLY and plan.regimen is not None:
        return plan.regimen.dose_on(instant.astimezone(plan.tz).isoweekday())
    return plan.dose_mg


async def tick(ctx: AppContext, *, batch_size: int = 1000, lanes: int | None = None) -> TickResult:
    """Process everything due now, one committed batch at a time.

    On Postgres a backlog is drained by ``lanes`` batch loops at once (two by default): while
    one lane builds its rows in Python, the server writes another's, and ``SKIP LOCKED`` keeps
    them on different schedules. The extra lanes start only after a full first batch, so an
    idle or ordinary tick costs one query. SQLite has a single writer and always uses one lane.
    """
    now = ctx.clock.now()

    async def one(_lane: int, _lanes: int) -> tuple[int, TickResult]:
        # Lanes share the due schedules through SKIP LOCKED, not by a split.
        async with claiming(ctx.sessions) as session:
            batch = await _tick_batch(ctx, session, now, batch_size)
        return batch.schedules, batch

    count = 1 if ctx.settings.is_sqlite else (lanes or DEFAULT_LANES)
    total = await drain(one, TickResult(), batch_size, count)
    if total.schedules:
        log.info(
            "tick: %d schedule(s) due, %d reminder(s) queued, %d missed-not-reminded",
            total.schedules,
            total.reminders,
            total.missed_not_reminded,
        )
    return total


async def _tick_batch(
    ctx: AppContext, session: AsyncSession, now: datetime, batch_size: int
) -> TickResult:
    settings = ctx.settings
    dose_window = timedelta(minutes=settings.dose_window_minutes)
    injection_window = timedelta(days=settings.injection_overdue_days)
    statement = (
        select(
            Schedule.id,
            Schedule.kind,
            Schedule.timezone,
            Schedule.dose_times,
            Schedule.weekly_doses,
            Schedule.dose_mg,
            Schedule.injection_date,
            Schedule.injection_interval_days,
            Schedule.next_due_at,
            Schedule.patient_id,
            Patient.chat_id,
            Patient.status,
            Patient.paused_until,
            Patient.plain_wording,
            Patient.language,
            Patient.consent_version,
        )
        .join(Patient, Patient.id == Schedule.patient_id)
        # Bare `active` (not `IS true`) so Postgres can use the partial index ix_schedules_due.
        .where(Schedule.active, Schedule.next_due_at <= now)
        .order_by(Schedule.next_due_at)
        .limit(batch_size)
    )
    if is_postgres(session):
        statement = statement.with_for_update(of=Schedule, skip_locked=True)
    rows = (await session.execute(statement)).all()
    result = TickResult(schedules=len(rows))
    doses: list[dict[str, Any]] = []
    outbox: list[dict[str, Any]] = []
    moves: list[dict[str, Any]] = []
    resumed: set[int] = set()

    for row in rows:
        plan = plan_for(row)
        window = injection_window if plan.kind is PlanKind.MONTHLY_INJECTION else dose_window
        due: datetime | None = row.next_due_at
        if due is not None and due < now - CATCH_UP_LIMIT:
            due = next_due(plan, now - CATCH_UP_LIMIT - _ONE_SECOND)
        occurrences: list[datetime] = []
        while due is not None and due <= now:
            occurrences.append(due)
            due = next_due(plan, due)
        moves.append({"id": row.id, "next_due_at": due})

        if row.status == PatientStatus.PAUSED:
            # Occurrences inside the pause are skipped outright: no reminder, and no miss
            # counted against anyone. A pause that has ended lifts itself.
            until = row.paused_until
            occurrences = [o for o in occurrences if until is not None and o >= until]
            if until is not None and until <= now:
                resumed.add(row.patient_id)
        elif row.status != PatientStatus.ACTIVE:
            continue
        if row.consent_version != ctx.consent.version:
            # Asked to agree to an updated consent first: nothing until they have.
            continue
        if not occurrences:
            continue

        live = [o for o in occurrences if o + window > now]
        latest_live = live[-1] if live else None
        for occurrence in occurrences:
            if plan.kind is PlanKind.MONTHLY_INJECTION and is_injection_eve(plan, occurrence):
                # The eve reminder is a heads-up, not a dose: no row, and none if it is stale.
                if occurrence is latest_live and now - occurrence < dose_window:
                    outbox.append(
                        outbox_row(
                            chat_id=row.chat_id,
                            patient_id=row.patient_id,
                            kind="injection_eve",
                            payload=payload_for(
                                reminders.injection_eve(row.plain_wording, lang=row.language)
                            ),
                            dedupe_key=f"eve:{row.id}:{int(occurrence.timestamp())}",
                            now=now,
                        )
                    )
                    result.reminders += 1
                continue
            send = occurrence is latest_live
            doses.append(
                {
                    "schedule_id": row.id,
                    "patient_id": row.patient_id,
                    "due_at": occurrence,
                    "local_day": day_number(occurrence, plan.tz),
                    "dose_mg": _dose_mg(plan, occurrence),
                    "status": (
                        DoseStatus.PENDING if send else DoseStatus.MISSED_NOT_REMINDED
                    ).value,
                    "window_ends_at": occurrence + window,
                    "created_at": now,
                }
            )
            if not send:
                result.missed_not_reminded += 1
                continue
            if plan.kind is PlanKind.MONTHLY_INJECTION:
                reply = reminders.injection_day(
                    row.id,
                    occurrence,
                    row.plain_wording,
                    patient_id=row.patient_id,
                    lang=row.language,
                )
            else:
                local = occurrence.astimezone(plan.tz).strftime("%H:%M")
                reply = reminders.dose_reminder(
                    row.id,
                    occurrence,
                    local,
                    _dose_mg(plan, occurrence),
                    row.plain_wording,
                    patient_id=row.patient_id,
                    lang=row.language,
                )
            outbox.append(
                outbox_row(
                    chat_id=row.chat_id,
                    patient_id=row.patient_id,
                    kind="reminder",
                    payload=payload_for(
                        reply, dose={"schedule_id": row.id, "due_at": occurrence.isoformat()}
                    ),
                    dedupe_key=f"rem:{row.id}:{int(occurrence.timestamp())}",
                    now=now,
                )
            )
            result.reminders += 1

    await insert_ignoring_conflicts(session, DoseEvent, doses, ("schedule_id", "due_at"))
    await insert_ignoring_conflicts(session, OutboxMessage, outbox, ("dedupe_key",))
    await update_by_id(session, Schedule, moves, constant={"updated_at": now})
    if resumed:
        await session.execute(
            update(Patient)
            .where(Patient.id.in_(resumed))
            .values(status=PatientStatus.ACTIVE, paused_until=None, updated_at=now)
        )
    return result
