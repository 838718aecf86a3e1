"""After a reminder: re-send snoozed ones, nudge once, and record misses when the window closes.

A missed dose matters beyond adherence: tolerance to opioids falls, so the first miss of an episode
brings the patient a short overdose-risk message (once per episode, not once per dose), and a
second miss in a row, or an injection that is overdue, alerts the care team (once per episode).

Every message is rendered when it is queued, in its patient's language (``Patient.language``,
read by the same claim as the rest of the row: no query per patient or per language).

Each part works a batch at a time in a fixed number of statements (issue 18): one claim, one
bulk write per kind of row, and the decisions in Python between them (bot.domain.episodes). A
backlog is drained in the same run, not capped per run: 100,000 windows closing at 11:00 get
their notes and alerts within seconds, not over the next hour.

Order. A batch decides its doses as one-at-a-time would in due order (earliest first), each
seeing the misses before it: the first miss of an episode is the one with a run of 1, and only
it brings the note. Batches are claimed in the order their windows closed (the pending index's
order, so a claim sorts nothing), which is due order for doses of the same kind. On Postgres a
backlog is drained by several lanes at once, each with its own share of patients (by id), so one
patient's doses are never decided by two lanes at once. What this does not cover, like the
row-by-row sweep before it across runs: a backlog of more than a batch in which one patient's
injection (its window lasts days) and later daily doses close together may put the later doses
in an earlier batch; each is still decided on what had closed by then.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, literal, literal_column, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.bulk import (
    any_id,
    increment_by_id,
    insert_ignoring_conflicts,
    is_postgres,
    update_by_id,
)
from bot.db.engine import claiming
from bot.db.models import (
    DoseEvent,
    DoseStatus,
    OutboxMessage,
    Patient,
    PatientStatus,
    Schedule,
    ScheduleKind,
)
from bot.domain import episodes, reminders, risk
from bot.domain.replies import Reply
from bot.domain.risk import Finding
from bot.services.alerts import PatientLike, PatientRef, raise_alerts
from bot.services.context import AppContext
from bot.services.outbox import outbox_row, payload_for
from bot.services.risk_rules import closed_doses_around, unanswered_decisions
from bot.services.support import notify_missed_many
from jobs.lanes import drain

log = logging.getLogger(__name__)

BATCH = 5000
DEFAULT_LANES = 2
# Written into the SQL rather than bound, so that Postgres matches the claim to the partial
# index ix_dose_events_pending (status = 'pending') even with a generic plan.
_PENDING: Any = literal_column("'pending'")


@dataclass
class FollowUpResult:
    resent: int = 0
    nudged: int = 0
    missed: int = 0
    safety_messages: int = 0
    alerts: int = 0
    supporters_told: int = 0

    def add(self, other: FollowUpResult) -> None:
        self.resent += other.resent
        self.nudged += other.nudged
        self.missed += other.missed
        self.safety_messages += other.safety_messages
        self.alerts += other.alerts
        self.supporters_told += other.supporters_told


# One batch: (ctx, session, now, batch size, lane, lanes) -> rows claimed, and what was done.
Batch = Callable[
    [AppContext, AsyncSession, datetime, int, int, int], Awaitable[tuple[int, FollowUpResult]]
]


async def follow_up(
    ctx: AppContext, *, batch_size: int = BATCH, lanes: int | None = None
) -> FollowUpResult:
    now = ctx.clock.now()
    result = FollowUpResult()
    lanes = 1 if ctx.settings.is_sqlite else (lanes or DEFAULT_LANES)
    for part in (_resend_snoozed, _nudge, _close_windows):
        result.add(await _drain(ctx, part, now, batch_size, lanes))
    if result.nudged or result.resent or result.missed:
        log.info(
            "follow-up: %d re-sent after snooze, %d nudged, %d missed, %d safety, %d alert(s)",
            result.resent,
            result.nudged,
            result.missed,
            result.safety_messages,
            result.alerts,
        )
    return result


async def _drain(
    ctx: AppContext, part: Batch, now: datetime, batch_size: int, lanes: int
) -> FollowUpResult:
    """Run ``part`` until a batch comes back short (jobs.lanes: one batch first, lanes behind
    a full one, each lane with its own share of the patients)."""

    async def one(lane: int, count: int) -> tuple[int, FollowUpResult]:
        async with claiming(ctx.sessions) as session:
            return await part(ctx, session, now, batch_size, lane, count)

    return await drain(one, FollowUpResult(), batch_size, lanes)


def _claim(statement: Any, postgres: bool, batch_size: int, lane: int, lanes: int) -> Any:
    if lanes > 1:
        statement = statement.where(DoseEvent.patient_id % lanes == lane)
    statement = statement.limit(batch_size)
    if postgres:
        statement = statement.with_for_update(of=DoseEvent, skip_locked=True)
    return statement


def _local(due_at: datetime, zone: str) -> str:
    return due_at.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def _reminder_again(row: Any) -> Reply:
    if row.kind == ScheduleKind.MONTHLY_INJECTION:
        return reminders.injection_day(
            row.schedule_id,
            row.due_at,
            row.plain_wording,
            patient_id=row.patient_id,
            lang=row.language,
        )
    return reminders.dose_reminder(
        row.schedule_id,
        row.due_at,
        _local(row.due_at, row.timezone),
        row.dose_mg,
        row.plain_wording,
        patient_id=row.patient_id,
        lang=row.language,
    )


def _live(ctx: AppContext, now: datetime) -> Any:
    """Pending doses whose window is still open, of patients who get messages."""
    return (
        select(
            DoseEvent.id,
            DoseEvent.schedule_id,
            DoseEvent.patient_id,
            DoseEvent.due_at,
            DoseEvent.dose_mg,
            DoseEvent.snoozed_until,
            Schedule.kind,
            Schedule.timezone,
            Patient.chat_id,
            Patient.plain_wording,
            Patient.language,
        )
        .join(Schedule, Schedule.id == DoseEvent.schedule_id)
        .join(Patient, Patient.id == DoseEvent.patient_id)
        .where(
            DoseEvent.status == _PENDING,
            DoseEvent.window_ends_at > now,
            Patient.status == PatientStatus.ACTIVE,
            Patient.consent_version == ctx.consent.version,
        )
    )


def snoozed_claim_query(
    ctx: AppContext, now: datetime, postgres: bool, batch_size: int, lane: int = 0, lanes: int = 1
) -> Any:
    """Snoozed reminders whose time has come (tests/integration/test_followup_plans.py checks
    its plan)."""
    statement = _live(ctx, now).where(DoseEvent.snoozed_until <= now).order_by(DoseEvent.id)
    return _claim(statement, postgres, batch_size, lane, lanes)


def nudge_claim_query(
    ctx: AppContext, now: datetime, postgres: bool, batch_size: int, lane: int = 0, lanes: int = 1
) -> Any:
    """Reminders unanswered for a while, not nudged yet."""
    after = timedelta(minutes=ctx.settings.nudge_after_minutes)
    statement = (
        _live(ctx, now)
        .where(
            DoseEvent.reminded_at <= now - after,
            DoseEvent.nudged_at.is_(None),
            DoseEvent.snoozed_until.is_(None),
            Schedule.kind != ScheduleKind.MONTHLY_INJECTION,
        )
        .order_by(DoseEvent.id)
    )
    return _claim(statement, postgres, batch_size, lane, lanes)


def _closed_ids(now: datetime, postgres: bool, batch_size: int, lane: int, lanes: int) -> Any:
    statement = (
        select(DoseEvent.id)
        .where(DoseEvent.status == _PENDING, DoseEvent.window_ends_at <= now)
        .order_by(DoseEvent.window_ends_at)
    )
    return _claim(statement, postgres, batch_size, lane, lanes)


# What the wave reads of each closed dose and its patient: plain columns, not ORM objects (at
# 10^5 doses, loading Patient instances cost about a fifth of the job's Python time).
_CLOSED_COLUMNS = (
    DoseEvent.id,
    DoseEvent.due_at,
    DoseEvent.reminded_at,
    Schedule.kind,
    Patient.id.label("patient_id"),
    Patient.chat_id,
    Patient.clinic_id,
    Patient.display_name,
    Patient.timezone,
    Patient.status.label("patient_status"),
    Patient.consent_version,
    Patient.language,
)


def closed_claim_query(
    now: datetime, postgres: bool, batch_size: int, lane: int = 0, lanes: int = 1
) -> Any:
    """Pending doses whose window has closed, in the order the windows closed, which the
    index ix_dose_events_pending keeps: the claim reads the head of it and sorts nothing,
    however long the backlog.

    On Postgres the claim also closes them: one ``UPDATE ... RETURNING`` sets each status
    (missed, or missed-not-reminded when the reminder never went out) on the rows its
    subquery locked, instead of a claim and a second pass over the same rows. SQLite keeps a
    plain claim (``_close_windows`` writes the statuses after it)."""
    ids = _closed_ids(now, postgres, batch_size, lane, lanes)
    if not postgres:
        return (
            select(*_CLOSED_COLUMNS)
            .join(Schedule, Schedule.id == DoseEvent.schedule_id)
            .join(Patient, Patient.id == DoseEvent.patient_id)
            .where(DoseEvent.id.in_(ids.scalar_subquery()))
        )
    return (
        update(DoseEvent)
        .where(
            DoseEvent.id.in_(ids.scalar_subquery()),
            # Re-checked on the locked row (another run may have closed it meanwhile).
            DoseEvent.status == _PENDING,
            Schedule.id == DoseEvent.schedule_id,
            Patient.id == DoseEvent.patient_id,
        )
        .values(status=_closed_status())
        .returning(*_CLOSED_COLUMNS)
        .execution_options(synchronize_session=False)
    )


def _closed_status() -> Any:
    # A reminder that never reached the patient (delivery failed or we were down) is not
    # their miss: it is recorded, but it neither warns them nor alerts anyone.
    return case(
        (DoseEvent.reminded_at.is_(None), literal(DoseStatus.MISSED_NOT_REMINDED.value)),
        else_=literal(DoseStatus.MISSED.value),
    )


async def _resend_snoozed(
    ctx: AppContext, session: AsyncSession, now: datetime, batch_size: int, lane: int, lanes: int
) -> tuple[int, FollowUpResult]:
    statement = snoozed_claim_query(ctx, now, is_postgres(session), batch_size, lane, lanes)
    rows = (await session.execute(statement)).all()
    messages = [
        outbox_row(
            chat_id=row.chat_id,
            patient_id=row.patient_id,
            kind="reminder",
            now=now,
            payload=payload_for(
                _reminder_again(row),
                dose={"schedule_id": row.schedule_id, "due_at": row.due_at.isoformat()},
            ),
            dedupe_key=f"snooze:{row.id}:{int(row.snoozed_until.timestamp())}",
        )
        for row in rows
    ]
    await insert_ignoring_conflicts(session, OutboxMessage, messages, ("dedupe_key",))
    await _set(session, [row.id for row in rows], snoozed_until=None)
    return len(rows), FollowUpResult(resent=len(rows))


async def _nudge(
    ctx: AppContext, session: AsyncSession, now: datetime, batch_size: int, lane: int, lanes: int
) -> tuple[int, FollowUpResult]:
    statement = nudge_claim_query(ctx, now, is_postgres(session), batch_size, lane, lanes)
    rows = (await session.execute(statement)).all()
    messages = [
        outbox_row(
            chat_id=row.chat_id,
            patient_id=row.patient_id,
            kind="nudge",
            now=now,
            payload=payload_for(
                reminders.dose_nudge(
                    row.schedule_id,
                    row.due_at,
                    _local(row.due_at, row.timezone),
                    row.plain_wording,
                    patient_id=row.patient_id,
                    lang=row.language,
                )
            ),
            dedupe_key=f"nudge:{row.id}",
        )
        for row in rows
    ]
    await insert_ignoring_conflicts(session, OutboxMessage, messages, ("dedupe_key",))
    await _set(session, [row.id for row in rows], nudged_at=now)
    return len(rows), FollowUpResult(nudged=len(rows))


async def _set(session: AsyncSession, ids: list[int], **values: Any) -> None:
    if ids:
        await session.execute(
            update(DoseEvent)
            .where(any_id(session, DoseEvent.id, ids))
            .values(**values)
            .execution_options(synchronize_session=False)
        )


async def _close_windows(
    ctx: AppContext, session: AsyncSession, now: datetime, batch_size: int, lane: int, lanes: int
) -> tuple[int, FollowUpResult]:
    postgres = is_postgres(session)
    statement = closed_claim_query(now, postgres, batch_size, lane, lanes)
    claimed = (await session.execute(statement)).all()
    result = FollowUpResult()
    if not claimed:
        return 0, result
    if not postgres:
        await update_by_id(
            session,
            DoseEvent,
            [
                {
                    "id": row.id,
                    "status": (
                        DoseStatus.MISSED
                        if row.reminded_at is not None
                        else DoseStatus.MISSED_NOT_REMINDED
                    ).value,
                }
                for row in claimed
            ],
        )

    def reachable(row: Any) -> bool:
        # Messages go only to patients who get messages, as for nudges: after /stop or /pause,
        # or before they agree to an updated consent, the bot sends them nothing, this note
        # included (/stop gives the overdose warning itself). The miss is still recorded, and
        # staff alerts still open: the care team decides whether to call.
        return bool(
            row.patient_status == PatientStatus.ACTIVE
            and row.consent_version == ctx.consent.version
        )

    # Within the batch, one at a time in due order (see the module's note on order).
    rows = sorted(claimed, key=lambda row: (row.due_at, row.id))
    # Their adherence figures change with each dose closed.
    closed_per_patient: dict[int, int] = {}
    for row in rows:
        closed_per_patient[row.patient_id] = closed_per_patient.get(row.patient_id, 0) + 1
    await increment_by_id(session, Patient, "stats_version", closed_per_patient)

    missed = [row for row in rows if row.reminded_at is not None]
    result.missed = len(missed)
    if not missed:
        return len(claimed), result
    # One patient object per patient, shared by all of their doses in the batch.
    who: dict[int, PatientRef] = {}
    for row in missed:
        if row.patient_id not in who:
            who[row.patient_id] = PatientRef(
                row.patient_id, row.chat_id, row.clinic_id, row.display_name, row.timezone
            )
    needed = ctx.settings.missed_doses_alert_count
    limit = max(needed, 2)
    history = await closed_doses_around(session, [row.id for row in missed], limit)
    times: dict[int, list[datetime]] = {}
    for row in missed:
        times.setdefault(row.patient_id, []).append(row.due_at)
    runs_of = {
        pid: iter(episodes.missed_runs(history.get(pid, []), due, limit))
        for pid, due in times.items()
    }
    events = [(who[row.patient_id], row.due_at) for row in missed]
    unanswered = iter(await unanswered_decisions(ctx, session, events))

    notes: list[dict[str, Any]] = []
    raised: list[tuple[PatientLike, Finding]] = []
    for row in missed:
        patient = who[row.patient_id]
        name = patient.display_name
        injection = row.kind == ScheduleKind.MONTHLY_INJECTION
        if injection:
            raised.append((patient, risk.injection_overdue(name)))
        run = next(runs_of[patient.id])
        # The first miss of an episode warns the patient (tolerance falls when doses stop);
        # a run of misses alerts staff, once while the episode's alert is unresolved.
        if run == 1 and reachable(row):
            notes.append(
                outbox_row(
                    chat_id=patient.chat_id,
                    patient_id=patient.id,
                    kind="safety",
                    now=now,
                    payload={"text": reminders.missed_dose_safety(row.kind, row.language)},
                    dedupe_key=f"safety:{row.id}",
                )
            )
        if run >= needed and not injection:
            raised.append((patient, risk.missed_doses(name, run)))
        if next(unanswered):
            finding = risk.unresponsive(name, ctx.settings.unanswered_alert_count)
            raised.append((patient, finding))
    result.safety_messages = len(notes)
    await insert_ignoring_conflicts(session, OutboxMessage, notes, ("dedupe_key",))
    # Their support person hears nothing either: a patient who stopped or paused has said who
    # may be told what, and a note about them after /stop would break that.
    told = [(who[row.patient_id], row.due_at) for row in missed if reachable(row)]
    result.supporters_told = await notify_missed_many(session, told, now)
    result.alerts = len(await raise_alerts(session, raised, now))
    return len(claimed), result
