"""Scheduled check-ins: send those that are due, and close those nobody answered.

Like the dose tick, the database says what is due (``patients.next_checkin_at``, indexed), rows
are claimed with ``SKIP LOCKED`` on Postgres, and a repeat is a no-op (unique on patient and due
time). After downtime a check-in whose moment has long passed is not sent late: the schedule
moves on to the next one, so a patient never gets a stack of questions.

Both waves work a batch at a time in a few statements, whatever the batch size (issue 18): one
claim, then bulk writes (``unnest`` arrays on Postgres, ``executemany`` or multi-row VALUES on
SQLite). A backlog is drained in the same run: after a full first batch, ``lanes`` batch loops
run at once on Postgres, as in jobs/tick.py; SQLite has a single writer and uses one.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, Select, bindparam, case, literal, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.bulk import any_id, increment_by_id, insert_ignoring_conflicts, is_postgres
from bot.db.engine import claiming
from bot.db.models import CheckIn, CheckInStatus, OutboxMessage, Patient, PatientStatus
from bot.db.types import UTCDateTime
from bot.domain import checkins
from bot.domain.checkins import Answers, Frequency
from bot.services.context import AppContext
from bot.services.outbox import outbox_row, payload_for
from bot.services.risk_rules import check_unanswered_many
from jobs.lanes import drain

log = logging.getLogger(__name__)

BATCH = 2000
DEFAULT_LANES = 2
# SQLite allows 32,766 bound values per statement; five columns a row stay well under.
_SQLITE_ROWS_PER_INSERT = 1000

_OPEN = CheckInStatus.OPEN.value
_ANSWERED = CheckInStatus.ANSWERED.value
_EXPIRED = CheckInStatus.EXPIRED.value
_ACTIVE = PatientStatus.ACTIVE.value


@dataclass
class CheckInResult:
    sent: int = 0
    skipped: int = 0
    expired: int = 0
    alerts: int = 0
    # Rows claimed by the batch (patients due, or open check-ins run out): a batch that claims
    # fewer than its size found the end of the backlog.
    claimed: int = 0

    def add(self, other: CheckInResult) -> None:
        self.sent += other.sent
        self.skipped += other.skipped
        self.expired += other.expired
        self.alerts += other.alerts
        self.claimed += other.claimed


_Batch = Callable[[AppContext, AsyncSession, datetime, int], Awaitable[CheckInResult]]


async def check_in_tick(
    ctx: AppContext, *, batch_size: int = BATCH, lanes: int | None = None
) -> CheckInResult:
    now = ctx.clock.now()
    result = CheckInResult()
    # Expiry first: a check-in that ran out unanswered must count (and may alert) before a new
    # one replaces it, which would close it quietly.
    result.add(await _drain(ctx, _expire_batch, now, batch_size, lanes))
    result.add(await _drain(ctx, _send_batch, now, batch_size, lanes))
    if result.sent or result.expired:
        log.info(
            "check-ins: %d sent, %d skipped, %d expired, %d alert(s)",
            result.sent,
            result.skipped,
            result.expired,
            result.alerts,
        )
    return result


async def _drain(
    ctx: AppContext, batch: _Batch, now: datetime, batch_size: int, lanes: int | None
) -> CheckInResult:
    """Run ``batch`` until it comes back short (jobs.lanes: one batch first, lanes behind a
    full one, sharing the rows through SKIP LOCKED)."""

    async def one(_lane: int, _lanes: int) -> tuple[int, CheckInResult]:
        async with claiming(ctx.sessions) as session:
            done = await batch(ctx, session, now, batch_size)
        return done.claimed, done

    count = 1 if ctx.settings.is_sqlite else (lanes or DEFAULT_LANES)
    return await drain(one, CheckInResult(), batch_size, count)


# ---------------------------------------------------------------------- sending


@lru_cache(maxsize=65536)
def next_at(
    frequency: str, weekday: int | None, at: str | None, zone: str, after: datetime
) -> datetime | None:
    """The patient's next check-in after ``after``. Patients share schedules (weekly on Monday at
    18:00 in Chicago) and a run shares ``after``, so a wave computes each one once."""
    if not at:
        return None
    return checkins.next_check_in(
        Frequency(frequency), weekday, time.fromisoformat(at), zone, after
    )


# Ten columns: past nine, SQLAlchemy types the rest of a select as *tuple[Any, ...].
_Due = Select[
    int, int, str, str, str, str, int | None, str | None, datetime | None, str, *tuple[Any, ...]
]
_Expiring = Select[int, int, datetime | None, datetime | None, datetime]


def due_claim(now: datetime, limit: int, *, lock: bool) -> _Due:
    """Patients whose check-in is due, earliest first, read in order from the partial index
    ``ix_patients_checkin_due`` (whose ``IS NOT NULL`` is written into the SQL, so even a
    generic plan can use it). ``lock``: FOR UPDATE SKIP LOCKED, for Postgres."""
    claim = (
        select(
            Patient.id,
            Patient.chat_id,
            Patient.status,
            Patient.consent_version,
            Patient.timezone,
            Patient.checkin_frequency,
            Patient.checkin_weekday,
            Patient.checkin_time,
            Patient.next_checkin_at,
            Patient.language,  # the check-in goes out in the patient's language
        )
        .where(Patient.next_checkin_at.is_not(None), Patient.next_checkin_at <= now)
        .order_by(Patient.next_checkin_at)
        .limit(limit)
    )
    return claim.with_for_update(skip_locked=True) if lock else claim


def expiry_claim(now: datetime, limit: int, *, lock: bool) -> _Expiring:
    """Open check-ins that have run out, earliest first, from the partial index
    ``ix_check_ins_open``. The status is written into the SQL, not bound: a generic plan cannot
    tell that ``status = $1`` means 'open', so it could not use that index at all."""
    claim = (
        select(
            CheckIn.id, CheckIn.patient_id, CheckIn.answered_at, CheckIn.due_at, CheckIn.created_at
        )
        .join(Patient, Patient.id == CheckIn.patient_id)
        .where(CheckIn.status == literal(_OPEN, literal_execute=True), CheckIn.expires_at <= now)
        .order_by(CheckIn.expires_at)
        .limit(limit)
    )
    if not lock:
        return claim
    # The patient too: their stats_version is written after, and a check-in sender in another
    # worker holds patients while it closes their open check-ins. Skipping both instead of
    # waiting keeps the two from ever waiting on each other.
    return claim.with_for_update(of=(CheckIn, Patient), skip_locked=True)


async def _send_batch(
    ctx: AppContext, session: AsyncSession, now: datetime, batch_size: int
) -> CheckInResult:
    claim = due_claim(now, batch_size, lock=is_postgres(session))
    rows = (await session.execute(claim)).all()
    result = CheckInResult(claimed=len(rows))
    if not rows:
        return result
    late_limit = timedelta(hours=ctx.settings.checkin_expiry_hours)
    moves: dict[int, datetime | None] = {}
    wanted: list[tuple[int, datetime]] = []
    chats: dict[int, int] = {}
    langs: dict[int, str] = {}
    for row in rows:
        due: datetime = row.next_checkin_at
        moves[row.id] = next_at(
            row.checkin_frequency, row.checkin_weekday, row.checkin_time, row.timezone, now
        )
        if (
            row.status != _ACTIVE
            or row.consent_version != ctx.consent.version
            or now - due >= late_limit
        ):
            result.skipped += 1
            continue
        wanted.append((row.id, due))
        chats[row.id] = row.chat_id
        langs[row.id] = row.language

    expires_at = now + late_limit
    opened = await _insert_check_ins(session, wanted, now, expires_at)
    # A repeat (one already written for that due time) comes back empty: nothing more to do.
    await _close_older(session, opened)
    await _move_patients(session, moves, {patient_id for _, patient_id, _ in opened})
    outbox = [
        outbox_row(
            chat_id=chats[patient_id],
            patient_id=patient_id,
            kind="checkin",
            payload=payload_for(
                checkins.question_reply(
                    check_in_id, Answers(), patient_id=patient_id, lang=langs[patient_id]
                )
            ),
            dedupe_key=f"checkin:{patient_id}:{int(due.timestamp())}",
            now=now,
        )
        for check_in_id, patient_id, due in opened
    ]
    await insert_ignoring_conflicts(session, OutboxMessage, outbox, ("dedupe_key",))
    result.sent = len(opened)
    return result


_PG_INSERT_CHECK_INS = text(
    """
    INSERT INTO check_ins (patient_id, due_at, created_at, status, expires_at)
    SELECT new.patient_id, new.due_at, CAST(:now AS timestamptz), :status,
           CAST(:expires_at AS timestamptz)
    FROM unnest(CAST(:patient_ids AS integer[]), CAST(:due_ats AS timestamptz[]))
         AS new(patient_id, due_at)
    ON CONFLICT (patient_id, due_at) DO NOTHING
    RETURNING id, patient_id, due_at
    """
)


async def _insert_check_ins(
    session: AsyncSession,
    wanted: Sequence[tuple[int, datetime]],
    now: datetime,
    expires_at: datetime,
) -> list[tuple[int, int, datetime]]:
    """Open a check-in per (patient, due) unless that one exists; returns (id, patient id, due)
    of those written, in the order asked."""
    if not wanted:
        return []
    written: list[tuple[int, int, datetime]] = []
    if is_postgres(session):
        returned = await session.execute(
            _PG_INSERT_CHECK_INS,
            {
                "now": now,
                "status": _OPEN,
                "expires_at": expires_at,
                "patient_ids": [patient_id for patient_id, _ in wanted],
                "due_ats": [due for _, due in wanted],
            },
        )
        written = [(row.id, row.patient_id, row.due_at) for row in returned]
    else:
        table = CheckIn.metadata.tables["check_ins"]
        for start in range(0, len(wanted), _SQLITE_ROWS_PER_INSERT):
            chunk = wanted[start : start + _SQLITE_ROWS_PER_INSERT]
            statement = (
                sqlite_insert(table)
                .values(
                    [
                        {
                            "patient_id": patient_id,
                            "due_at": due,
                            "created_at": now,
                            "status": _OPEN,
                            "expires_at": expires_at,
                        }
                        for patient_id, due in chunk
                    ]
                )
                .on_conflict_do_nothing(index_elements=["patient_id", "due_at"])
                .returning(table.c.id, table.c.patient_id, table.c.due_at)
            )
            written.extend(
                (row.id, row.patient_id, row.due_at) for row in await session.execute(statement)
            )
    # Ids in the order asked (the order of the claim), whatever order RETURNING gave them in.
    written.sort(key=lambda row: row[0])
    return written


async def _close_older(session: AsyncSession, opened: Sequence[tuple[int, int, datetime]]) -> None:
    if opened:
        await session.execute(close_older_query(session, opened))


def close_older_query(session: AsyncSession, opened: Sequence[tuple[int, int, datetime]]) -> Any:
    """Close each patient's other open check-in quietly, as ``close_open`` does (part-answered
    counts as answered): only one is ever open per patient. ``opened``: (id, patient id, due)
    of the new ones."""
    patient_ids = [patient_id for _, patient_id, _ in opened]
    new_ids = [check_in_id for check_in_id, _, _ in opened]
    if is_postgres(session):
        # Each row against its own patient's new id: ``id <> ALL(new ids)`` compared every
        # check-in of the batch's patients with the whole batch (28 of 27 s at 100,000).
        return _PG_CLOSE_OLDER.bindparams(patient_ids=patient_ids, new_ids=new_ids)
    return (
        update(CheckIn)
        .where(
            CheckIn.patient_id.in_(patient_ids),
            CheckIn.status == _OPEN,
            CheckIn.id.not_in(new_ids),
        )
        .values(status=case((CheckIn.answered_at.is_(None), _EXPIRED), else_=_ANSWERED))
        .execution_options(synchronize_session=False)
    )


_PG_CLOSE_OLDER = text(
    """
    UPDATE check_ins AS c
    SET status = CASE WHEN c.answered_at IS NULL THEN 'expired' ELSE 'answered' END
    FROM unnest(CAST(:patient_ids AS integer[]), CAST(:new_ids AS integer[]))
         AS new(patient_id, id)
    WHERE c.patient_id = new.patient_id AND c.status = 'open' AND c.id <> new.id
    """
)


_PG_MOVE_PATIENTS = text(
    """
    UPDATE patients AS p
    SET next_checkin_at = moved.next_checkin_at, stats_version = p.stats_version + moved.bump
    FROM unnest(
        CAST(:ids AS integer[]), CAST(:next_ats AS timestamptz[]), CAST(:bumps AS integer[])
    ) AS moved(id, next_checkin_at, bump)
    WHERE p.id = moved.id
    """
)


async def _move_patients(
    session: AsyncSession, moves: dict[int, datetime | None], opened: set[int]
) -> None:
    """Each claimed patient's next check-in; a new one also counts in their figures (the one
    it closed changes their response rate)."""
    ids = list(moves)
    if is_postgres(session):
        await session.execute(
            _PG_MOVE_PATIENTS,
            {
                "ids": ids,
                "next_ats": [moves[i] for i in ids],
                "bumps": [int(i in opened) for i in ids],
            },
        )
        return
    table = Patient.metadata.tables["patients"]
    statement = (
        update(table)
        .where(table.c.id == bindparam("pid"))
        .values(
            next_checkin_at=bindparam("next_at", type_=UTCDateTime()),
            stats_version=table.c.stats_version + bindparam("bump", type_=Integer()),
        )
    )
    await session.execute(
        statement, [{"pid": i, "next_at": moves[i], "bump": int(i in opened)} for i in ids]
    )


# ---------------------------------------------------------------------- expiry


async def _expire_batch(
    ctx: AppContext, session: AsyncSession, now: datetime, batch_size: int
) -> CheckInResult:
    claim = expiry_claim(now, batch_size, lock=is_postgres(session))
    rows = (await session.execute(claim)).all()
    result = CheckInResult(claimed=len(rows))
    if not rows:
        return result
    ids = [row.id for row in rows]
    close = update(CheckIn).values(
        # Part-answered counts as answered: the patient did respond.
        status=case((CheckIn.answered_at.is_(None), _EXPIRED), else_=_ANSWERED)
    )
    close = close.where(any_id(session, CheckIn.id, ids))
    await session.execute(close.execution_options(synchronize_session=False))
    await increment_by_id(session, Patient, "stats_version", Counter(r.patient_id for r in rows))
    unanswered = [row for row in rows if row.answered_at is None]
    result.expired = len(unanswered)
    # On-request check-ins don't count towards "not answering": only scheduled ones do.
    scheduled = [row for row in unanswered if row.due_at is not None]
    if scheduled:
        result.alerts = await _check_unanswered(ctx, session, scheduled, now)
    return result


async def _check_unanswered(
    ctx: AppContext, session: AsyncSession, expired: Sequence[Any], now: datetime
) -> int:
    """The "not answering" rule for the batch's unanswered scheduled check-ins, all at once. A
    check-in counts among a patient's prompts at its ``created_at``; events go in that order, as
    the row-by-row sweep would have met them (one per patient, short of a pile-up)."""
    patients = {
        patient.id: patient
        for patient in await session.scalars(
            select(Patient).where(
                any_id(session, Patient.id, sorted({row.patient_id for row in expired}))
            )
        )
    }
    events = [
        (patients[row.patient_id], row.created_at)
        for row in sorted(expired, key=lambda row: (row.created_at, row.id))
    ]
    return await check_unanswered_many(ctx, session, events, now)
