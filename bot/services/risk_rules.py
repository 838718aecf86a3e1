"""The rules that turn what happened into alerts, applied where it happens.

The thresholds come from configuration (``Settings.thresholds``); the wording and the decisions
that need no database live in :mod:`bot.domain.risk` and :mod:`bot.domain.episodes`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    and_,
    bindparam,
    case,
    column,
    func,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.bulk import any_id, is_postgres
from bot.db.models import CheckIn, CheckInStatus, DoseEvent, DoseStatus, Patient
from bot.db.types import UTCDateTime
from bot.domain import episodes, risk
from bot.domain.checkins import Answers
from bot.domain.episodes import Entry
from bot.services.alerts import PatientLike, raise_alert, raise_alerts
from bot.services.context import AppContext

_UNANSWERED_DOSE = (DoseStatus.MISSED.value,)
_CLOSED_DOSE = (DoseStatus.MISSED.value, DoseStatus.TAKEN.value, DoseStatus.SKIPPED.value)


def _dose_answered() -> Any:
    return case((DoseEvent.status.in_(_UNANSWERED_DOSE), literal(0)), else_=literal(1))


def _check_in_answered() -> Any:
    return case((CheckIn.status == CheckInStatus.EXPIRED, literal(0)), else_=literal(1))


async def recent_answers(session: AsyncSession, patient_id: int, limit: int) -> list[bool]:
    """Whether each of the patient's latest closed prompts (reminded doses and scheduled
    check-ins) was answered, newest first (at the same instant, unanswered first: see
    bot.domain.episodes). One query over both tables."""
    history = await prompt_history(session, [patient_id], limit)
    return [entry.answered for entry in history.get(patient_id, [])]


async def prompt_history(
    session: AsyncSession, patient_ids: Sequence[int], limit: int
) -> dict[int, list[Entry]]:
    """Each patient's latest ``limit`` closed prompts (reminded doses and scheduled check-ins),
    newest first, for all of them in one query."""
    if not patient_ids or limit <= 0:
        return {}
    if is_postgres(session):
        return _grouped(
            await session.execute(_LATEST_PROMPTS, {"pids": list(patient_ids), "lim": limit})
        )
    doses = select(
        DoseEvent.patient_id.label("pid"),
        DoseEvent.due_at.label("at"),
        _dose_answered().label("ok"),
    ).where(
        any_id(session, DoseEvent.patient_id, patient_ids),
        DoseEvent.reminded_at.is_not(None),
        DoseEvent.status.in_(_CLOSED_DOSE),
    )
    checks = select(
        CheckIn.patient_id.label("pid"),
        CheckIn.created_at.label("at"),
        _check_in_answered().label("ok"),
    ).where(
        and_(
            any_id(session, CheckIn.patient_id, patient_ids),
            CheckIn.due_at.is_not(None),
            CheckIn.status != CheckInStatus.OPEN,
        )
    )
    both = union_all(doses, checks).subquery()
    ranked = select(
        both.c.pid,
        both.c.at,
        both.c.ok,
        func.row_number()
        .over(partition_by=both.c.pid, order_by=(both.c.at.desc(), both.c.ok))
        .label("rn"),
    ).subquery()
    return _grouped(
        await session.execute(
            select(ranked.c.pid, ranked.c.at, ranked.c.ok).where(ranked.c.rn <= limit)
        )
    )


def _grouped(rows: Any) -> dict[int, list[Entry]]:
    found: dict[int, list[Entry]] = {}
    for pid, at, ok in rows.all():
        found.setdefault(pid, []).append(Entry(at, bool(ok)))
    return {pid: episodes.newest_first(entries) for pid, entries in found.items()}


# On Postgres each patient's latest prompts are read by index, a few rows per patient (LATERAL
# ... LIMIT over ix_dose_events_patient_due and ix_check_ins_patient_created); a window over
# whole histories read every dose of every patient in the batch, 90 days of them each. SQLite
# has no LATERAL and small deployments; it keeps the window form.
_LATEST_PROMPTS = (
    text(
        """
    SELECT p.pid, x.at, x.ok
    FROM unnest(:pids) AS p(pid)
    CROSS JOIN LATERAL (
        SELECT u.at, u.ok FROM (
            (SELECT d.due_at AS at, CASE WHEN d.status = 'missed' THEN 0 ELSE 1 END AS ok
             FROM dose_events AS d
             WHERE d.patient_id = p.pid AND d.reminded_at IS NOT NULL
               AND d.status IN ('missed', 'taken', 'skipped')
             ORDER BY d.due_at DESC, 2 LIMIT :lim)
            UNION ALL
            (SELECT c.created_at, CASE WHEN c.status = 'expired' THEN 0 ELSE 1 END
             FROM check_ins AS c
             WHERE c.patient_id = p.pid AND c.due_at IS NOT NULL AND c.status <> 'open'
             ORDER BY c.created_at DESC, 2 LIMIT :lim)
        ) AS u
        ORDER BY u.at DESC, u.ok LIMIT :lim
    ) AS x
    """
    )
    .bindparams(bindparam("pids", type_=ARRAY(BigInteger())), bindparam("lim", type_=Integer()))
    .columns(column("pid", BigInteger()), column("at", UTCDateTime()), column("ok", Integer()))
)


async def closed_doses_around(
    session: AsyncSession, dose_ids: Sequence[int], limit: int
) -> dict[int, list[Entry]]:
    """For the patients of ``dose_ids``: their closed doses (missed, taken, skipped) due from
    the earliest of those doses to the latest, and the ``limit`` due before that, newest first.
    Enough to tell every one of those doses' runs of misses (bot.domain.episodes.missed_runs)."""
    if not dose_ids:
        return {}
    if is_postgres(session):
        return _grouped(await session.execute(_DOSES_AROUND, {"ids": list(dose_ids), "lim": limit}))
    bounds = (
        select(
            DoseEvent.patient_id.label("pid"),
            func.min(DoseEvent.due_at).label("lo"),
            func.max(DoseEvent.due_at).label("hi"),
        )
        .where(any_id(session, DoseEvent.id, dose_ids))
        .group_by(DoseEvent.patient_id)
        .subquery()
    )
    before = case((DoseEvent.due_at < bounds.c.lo, literal(1)), else_=literal(0))
    missed = case((DoseEvent.status.in_(_UNANSWERED_DOSE), literal(0)), else_=literal(1))
    ranked = (
        select(
            DoseEvent.patient_id.label("pid"),
            DoseEvent.due_at.label("at"),
            missed.label("ok"),
            before.label("before"),
            func.row_number()
            .over(
                partition_by=(DoseEvent.patient_id, before),
                order_by=(DoseEvent.due_at.desc(), missed),
            )
            .label("rn"),
        )
        .join(bounds, bounds.c.pid == DoseEvent.patient_id)
        .where(DoseEvent.status.in_(_CLOSED_DOSE), DoseEvent.due_at <= bounds.c.hi)
        .subquery()
    )
    return _grouped(
        await session.execute(
            select(ranked.c.pid, ranked.c.at, ranked.c.ok).where(
                (ranked.c.before == 0) | (ranked.c.rn <= limit)
            )
        )
    )


# As _LATEST_PROMPTS: by index on Postgres, the doses between each patient's first and last of
# the batch and the few before them.
_DOSES_AROUND = (
    text(
        """
    SELECT b.pid, x.at, x.ok
    FROM (SELECT patient_id AS pid, min(due_at) AS lo, max(due_at) AS hi
          FROM dose_events WHERE id = ANY(:ids) GROUP BY patient_id) AS b
    CROSS JOIN LATERAL (
        (SELECT d.due_at AS at, CASE WHEN d.status = 'missed' THEN 0 ELSE 1 END AS ok
         FROM dose_events AS d
         WHERE d.patient_id = b.pid AND d.due_at >= b.lo AND d.due_at <= b.hi
           AND d.status IN ('missed', 'taken', 'skipped'))
        UNION ALL
        (SELECT d.due_at, CASE WHEN d.status = 'missed' THEN 0 ELSE 1 END
         FROM dose_events AS d
         WHERE d.patient_id = b.pid AND d.due_at < b.lo
           AND d.status IN ('missed', 'taken', 'skipped')
         ORDER BY d.due_at DESC, 2 LIMIT :lim)
    ) AS x
    """
    )
    .bindparams(bindparam("ids", type_=ARRAY(BigInteger())), bindparam("lim", type_=Integer()))
    .columns(column("pid", BigInteger()), column("at", UTCDateTime()), column("ok", Integer()))
)


async def missed_in_a_row(
    session: AsyncSession, patient_id: int, before: datetime, limit: int
) -> int:
    """How many of the patient's doses up to ``before`` were missed back to back (at most
    ``limit``): doses not reminded don't break a run, and don't count in it."""
    statuses = await session.scalars(
        select(DoseEvent.status)
        .where(
            DoseEvent.patient_id == patient_id,
            DoseEvent.due_at <= before,
            DoseEvent.status.in_(_CLOSED_DOSE),
        )
        # At the same instant, misses first (bot.domain.episodes), as the batch decides.
        .order_by(DoseEvent.due_at.desc(), _dose_answered())
        .limit(limit)
    )
    run = 0
    for status in statuses:
        if status != DoseStatus.MISSED:
            break
        run += 1
    return run


async def check_unanswered(
    ctx: AppContext, session: AsyncSession, patient: Patient, now: datetime
) -> bool:
    """After a prompt went unanswered: alert once the last few all did."""
    return await check_unanswered_many(ctx, session, [(patient, now)], now) > 0


async def check_unanswered_many(
    ctx: AppContext,
    session: AsyncSession,
    events: Sequence[tuple[Patient, datetime]],
    now: datetime,
) -> int:
    """``check_unanswered`` for each (patient, event time) in order, after all of the events'
    prompts have been closed in this session; returns the number of alerts opened.

    An event's time is the time its prompt is listed under: a dose's ``due_at``, a check-in's
    ``created_at``. "As of the event" means what calling ``check_unanswered`` right after
    closing that prompt would have seen, the prompts of the same patient's later events in
    this call not closed yet: those are left out (one unanswered prompt at each later event's
    time), and everything else already closed counts, whatever its time. Given in due order,
    a batch so decides exactly what the row-by-row sweep decided.
    """
    needed = ctx.settings.unanswered_alert_count
    decided = await unanswered_decisions(ctx, session, events)
    raised = [
        (patient, risk.unresponsive(patient.display_name, needed))
        for (patient, _), alert in zip(events, decided, strict=True)
        if alert
    ]
    return len(await raise_alerts(session, raised, now))


async def unanswered_decisions(
    ctx: AppContext, session: AsyncSession, events: Sequence[tuple[PatientLike, datetime]]
) -> list[bool]:
    """``check_unanswered_many``'s decisions without raising anything: for each event, whether
    the patient's latest prompts all went unanswered as of it. For a caller that raises them
    with other findings, in one ``raise_alerts`` and in its own order."""
    if not events:
        return []
    needed = ctx.settings.unanswered_alert_count
    times: dict[int, list[datetime]] = {}
    for patient, at in events:
        times.setdefault(patient.id, []).append(at)
    most = max(len(t) for t in times.values())
    history = await prompt_history(session, list(times), needed + most - 1)
    decided = {
        pid: iter(episodes.unanswered_runs(history.get(pid, []), at, needed))
        for pid, at in times.items()
    }
    return [next(decided[patient.id]) for patient, _ in events]


async def check_in_answers(
    ctx: AppContext, session: AsyncSession, patient: Patient, answers: Answers, now: datetime
) -> list[risk.Finding]:
    """Alerts for a check-in's answers; returns the findings (new or repeated episodes)."""
    findings = risk.from_check_in(patient.display_name, answers, ctx.settings.thresholds)
    for finding in findings:
        await raise_alert(session, patient, finding, now)
    return findings
