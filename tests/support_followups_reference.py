"""The missed-dose sweep as it was before issue 18 (6f71e61), one dose at a time, kept as the
reference the set-based wave must agree with (tests/integration/test_followups_property.py).

It is the old code with two changes that make it deterministic, which the old code was not
where the database was free to choose: the staff of a clinic get their cards in id order, and
at the same instant a missed dose (an unanswered prompt) counts before a taken one.
Also here: copying a test database, and a snapshot of what the sweep wrote, normalised so two
copies can be compared.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from sqlalchemy import and_, case, literal, select, union_all
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.bulk import is_postgres
from bot.db.engine import claiming
from bot.db.models import (
    Alert,
    AlertStatus,
    CheckIn,
    CheckInStatus,
    Clinic,
    DoseEvent,
    DoseStatus,
    OutboxMessage,
    Patient,
    PatientStatus,
    Schedule,
    ScheduleKind,
    Staff,
    SupportLink,
    SupportStatus,
)
from bot.domain import reminders, risk
from bot.domain.risk import Finding
from bot.domain.schedules import day_number
from bot.services.alerts import CARD_KIND, _card_key, card, cards_query
from bot.services.context import AppContext
from bot.services.outbox import enqueue, enqueue_once, payload_for
from bot.services.support import first_name
from jobs.followups import FollowUpResult

_UNANSWERED_DOSE = (DoseStatus.MISSED.value,)
_CLOSED_DOSE = (DoseStatus.MISSED.value, DoseStatus.TAKEN.value, DoseStatus.SKIPPED.value)
BATCH = 500


# The old services, one row at a time --------------------------------------------------------


async def raise_alert(
    session: AsyncSession, patient: Patient, finding: Finding, now: datetime
) -> Alert | None:
    if is_postgres(session):
        await session.execute(select(Patient.id).where(Patient.id == patient.id).with_for_update())
    existing = await session.scalar(
        select(Alert)
        .where(
            Alert.patient_id == patient.id,
            Alert.kind == finding.key,
            Alert.status != AlertStatus.RESOLVED,
        )
        .order_by(Alert.id.desc())
        .limit(1)
    )
    if existing is not None:
        existing.occurrences += 1
        existing.last_seen_at = now
        await refresh_cards(session, existing, now)
        return None
    others = (
        await session.scalars(
            select(Alert.kind)
            .where(Alert.patient_id == patient.id, Alert.status != AlertStatus.RESOLVED)
            .order_by(Alert.id)
        )
    ).all()
    summary = finding.summary
    if others:
        seen = ", ".join(dict.fromkeys(risk.label(kind) for kind in others))
        summary = f"{summary} Also open for them: {seen}."
    alert = Alert(
        clinic_id=patient.clinic_id,
        patient_id=patient.id,
        kind=finding.key,
        severity=finding.severity,
        status=AlertStatus.OPEN,
        summary=summary[:300],
        created_at=now,
        occurrences=1,
        last_seen_at=now,
    )
    session.add(alert)
    await session.flush()
    staff = await session.scalars(
        select(Staff)
        .where(Staff.clinic_id == patient.clinic_id, Staff.active.is_(True))
        .order_by(Staff.id)
    )
    for member in staff:
        enqueue(
            session,
            chat_id=member.telegram_user_id,
            patient_id=patient.id,
            kind=CARD_KIND,
            payload=payload_for(card(alert, {}, member.timezone), alert_id=alert.id),
            dedupe_key=_card_key(alert.id, member.id),
            alert_id=alert.id,
            now=now,
        )
    return alert


async def refresh_cards(session: AsyncSession, alert: Alert, now: datetime) -> None:
    await session.flush()
    ids = {i for i in (alert.acknowledged_by, alert.resolved_by) if i is not None}
    names: dict[int, str] = {}
    if ids:
        rows = await session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(ids)))
        names = {staff_id: name for staff_id, name in rows.all()}
    for outbox_id, chat_id, zone in (await session.execute(cards_query(alert.id))).all():
        enqueue(
            session,
            chat_id=chat_id,
            patient_id=alert.patient_id,
            kind="staff_alert_update",
            payload=payload_for(card(alert, names, zone), edit_of=outbox_id, alert_id=alert.id),
            now=now,
        )


async def recent_answers(session: AsyncSession, patient_id: int, limit: int) -> list[bool]:
    doses = select(
        DoseEvent.due_at.label("at"),
        case((DoseEvent.status.in_(_UNANSWERED_DOSE), literal(0)), else_=literal(1)).label("ok"),
    ).where(
        DoseEvent.patient_id == patient_id,
        DoseEvent.reminded_at.is_not(None),
        DoseEvent.status.in_(_CLOSED_DOSE),
    )
    checks = select(
        CheckIn.created_at.label("at"),
        case((CheckIn.status == CheckInStatus.EXPIRED, literal(0)), else_=literal(1)).label("ok"),
    ).where(
        and_(
            CheckIn.patient_id == patient_id,
            CheckIn.due_at.is_not(None),
            CheckIn.status != CheckInStatus.OPEN,
        )
    )
    both = union_all(doses, checks).subquery()
    rows = await session.execute(
        select(both.c.ok).order_by(both.c.at.desc(), both.c.ok).limit(limit)
    )
    return [bool(ok) for (ok,) in rows.all()]


async def missed_in_a_row(
    session: AsyncSession, patient_id: int, before: datetime, limit: int
) -> int:
    missed_first = case((DoseEvent.status == DoseStatus.MISSED, literal(0)), else_=literal(1))
    statuses = await session.scalars(
        select(DoseEvent.status)
        .where(
            DoseEvent.patient_id == patient_id,
            DoseEvent.due_at <= before,
            DoseEvent.status.in_(_CLOSED_DOSE),
        )
        .order_by(DoseEvent.due_at.desc(), missed_first)
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
    needed = ctx.settings.unanswered_alert_count
    answered = await recent_answers(session, patient.id, needed)
    if not risk.unanswered_run(answered, needed):
        return False
    finding = risk.unresponsive(patient.display_name, needed)
    return await raise_alert(session, patient, finding, now) is not None


async def notify_missed(
    session: AsyncSession, patient: Patient, due_at: datetime, now: datetime
) -> int:
    links = list(
        await session.scalars(
            select(SupportLink).where(
                SupportLink.patient_id == patient.id, SupportLink.status == SupportStatus.ACTIVE
            )
        )
    )
    day = due_at.astimezone(ZoneInfo(patient.timezone)).date().isoformat()
    for link in links:
        assert link.supporter_chat_id is not None
        await enqueue_once(
            session,
            chat_id=link.supporter_chat_id,
            patient_id=patient.id,
            kind="support",
            payload={
                "text": f"{first_name(patient.display_name)} hasn't confirmed today's dose yet. "
                "A friendly message from you might help."
            },
            dedupe_key=f"support:{link.id}:missed:{day}",
            now=now,
        )
    return len(links)


# The old job ----------------------------------------------------------------------------------


def _claim(statement: Any, session: AsyncSession) -> Any:
    statement = statement.limit(BATCH)
    if is_postgres(session):
        statement = statement.with_for_update(of=DoseEvent, skip_locked=True)
    return statement


def _base() -> Any:
    return (
        select(DoseEvent, Schedule, Patient)
        .join(Schedule, Schedule.id == DoseEvent.schedule_id)
        .join(Patient, Patient.id == DoseEvent.patient_id)
        .where(DoseEvent.status == DoseStatus.PENDING)
    )


def _local(dose: DoseEvent, schedule: Schedule) -> str:
    return dose.due_at.astimezone(ZoneInfo(schedule.timezone)).strftime("%H:%M")


def _reminder_again(dose: DoseEvent, schedule: Schedule, patient: Patient) -> Any:
    if schedule.kind == ScheduleKind.MONTHLY_INJECTION:
        return reminders.injection_day(
            schedule.id, dose.due_at, patient.plain_wording, patient_id=patient.id
        )
    return reminders.dose_reminder(
        schedule.id,
        dose.due_at,
        _local(dose, schedule),
        dose.dose_mg,
        patient.plain_wording,
        patient_id=patient.id,
    )


async def reference_follow_up(ctx: AppContext) -> FollowUpResult:
    """The old ``follow_up``, draining (the old one stopped at 500 rows per part and run)."""
    now = ctx.clock.now()
    result = FollowUpResult()
    while True:
        before = (result.resent, result.nudged)
        async with claiming(ctx.sessions) as session:
            await _resend_snoozed(ctx, session, now, result)
        async with claiming(ctx.sessions) as session:
            await _nudge(ctx, session, now, result)
        if (result.resent, result.nudged) == before:
            break
    while True:
        async with claiming(ctx.sessions) as session:
            if not await _close_windows(ctx, session, now, result):
                break
    return result


async def _resend_snoozed(
    ctx: AppContext, session: AsyncSession, now: datetime, result: FollowUpResult
) -> None:
    statement = _claim(
        _base()
        .where(
            DoseEvent.snoozed_until <= now,
            DoseEvent.window_ends_at > now,
            Patient.status == PatientStatus.ACTIVE,
            Patient.consent_version == ctx.consent.version,
        )
        .order_by(DoseEvent.id),
        session,
    )
    for dose, schedule, patient in (await session.execute(statement)).all():
        assert dose.snoozed_until is not None
        enqueue(
            session,
            chat_id=patient.chat_id,
            patient_id=patient.id,
            kind="reminder",
            now=now,
            payload=payload_for(
                _reminder_again(dose, schedule, patient),
                dose={"schedule_id": schedule.id, "due_at": dose.due_at.isoformat()},
            ),
            dedupe_key=f"snooze:{dose.id}:{int(dose.snoozed_until.timestamp())}",
        )
        dose.snoozed_until = None
        result.resent += 1


async def _nudge(ctx: AppContext, session: AsyncSession, now: datetime, r: FollowUpResult) -> None:
    after = timedelta(minutes=ctx.settings.nudge_after_minutes)
    statement = _claim(
        _base()
        .where(
            DoseEvent.reminded_at <= now - after,
            DoseEvent.nudged_at.is_(None),
            DoseEvent.snoozed_until.is_(None),
            DoseEvent.window_ends_at > now,
            Schedule.kind != ScheduleKind.MONTHLY_INJECTION,
            Patient.status == PatientStatus.ACTIVE,
            Patient.consent_version == ctx.consent.version,
        )
        .order_by(DoseEvent.id),
        session,
    )
    for dose, schedule, patient in (await session.execute(statement)).all():
        reply = reminders.dose_nudge(
            schedule.id,
            dose.due_at,
            _local(dose, schedule),
            patient.plain_wording,
            patient_id=patient.id,
        )
        enqueue(
            session,
            chat_id=patient.chat_id,
            patient_id=patient.id,
            kind="nudge",
            now=now,
            payload=payload_for(reply),
            dedupe_key=f"nudge:{dose.id}",
        )
        dose.nudged_at = now
        r.nudged += 1


async def _close_windows(
    ctx: AppContext, session: AsyncSession, now: datetime, result: FollowUpResult
) -> int:
    statement = _claim(
        _base().where(DoseEvent.window_ends_at <= now).order_by(DoseEvent.due_at, DoseEvent.id),
        session,
    )
    found = list((await session.execute(statement)).all())
    needed = ctx.settings.missed_doses_alert_count
    for dose, schedule, patient in found:
        patient.stats_version += 1
        if dose.reminded_at is None:
            dose.status = DoseStatus.MISSED_NOT_REMINDED
            continue
        dose.status = DoseStatus.MISSED
        result.missed += 1
        await session.flush()
        name = patient.display_name
        if schedule.kind == ScheduleKind.MONTHLY_INJECTION:
            alert = await raise_alert(session, patient, risk.injection_overdue(name), now)
            result.alerts += alert is not None
        run = await missed_in_a_row(session, patient.id, dose.due_at, max(needed, 2))
        # Since 2026-12-07 (both here and in the wave): nothing to a patient who gets no
        # messages (stopped, paused, or an old consent), nor to their support person.
        reachable = (
            patient.status == PatientStatus.ACTIVE
            and patient.consent_version == ctx.consent.version
        )
        if run == 1 and reachable:
            enqueue(
                session,
                chat_id=patient.chat_id,
                patient_id=patient.id,
                kind="safety",
                now=now,
                payload={"text": reminders.missed_dose_safety(schedule.kind)},
                dedupe_key=f"safety:{dose.id}",
            )
            result.safety_messages += 1
        if run >= needed and schedule.kind != ScheduleKind.MONTHLY_INJECTION:
            alert = await raise_alert(session, patient, risk.missed_doses(name, run), now)
            result.alerts += alert is not None
        if reachable:
            result.supporters_told += await notify_missed(session, patient, dose.due_at, now)
        result.alerts += await check_unanswered(ctx, session, patient, now)
    return len(found)


# Copies and snapshots -------------------------------------------------------------------------


@asynccontextmanager
async def copy_of(url: str) -> AsyncIterator[str]:
    """A copy of the (idle: no connections open) database at ``url``, removed afterwards."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database is not None
        target = f"{parsed.database}.{uuid.uuid4().hex[:8]}"
        shutil.copyfile(parsed.database, target)
        yield str(parsed.set(database=target))
        return
    name = f"rb_copy_{uuid.uuid4().hex[:10]}"
    admin = parsed.set(drivername="postgresql", database="test")
    dsn = admin.render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"')
    finally:
        await conn.close()
    try:
        yield str(parsed.set(database=name).render_as_string(hide_password=False))
    finally:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


def _normal(value: Any, keys: dict[int, str | None]) -> Any:
    if isinstance(value, dict):
        return {
            k: (("edit of", keys.get(v)) if k == "edit_of" else _normal(v, keys))
            for k, v in sorted(value.items())
        }
    if isinstance(value, list):
        return [_normal(v, keys) for v in value]
    return value


async def snapshot(ctx: AppContext) -> dict[str, Any]:
    """What the sweep wrote, comparable between two copies: outbox rows as a sorted list (the
    order they were queued in may differ), an edit named by the dedupe key of what it edits."""
    async with ctx.sessions() as session:
        doses = (
            await session.execute(
                select(
                    DoseEvent.id, DoseEvent.status, DoseEvent.snoozed_until, DoseEvent.nudged_at
                ).order_by(DoseEvent.id)
            )
        ).all()
        patients = (
            await session.execute(select(Patient.id, Patient.stats_version).order_by(Patient.id))
        ).all()
        alerts = (
            await session.execute(
                select(
                    Alert.id,
                    Alert.patient_id,
                    Alert.kind,
                    Alert.status,
                    Alert.occurrences,
                    Alert.summary,
                    Alert.last_seen_at,
                    Alert.severity,
                ).order_by(Alert.id)
            )
        ).all()
        outbox = (
            await session.execute(
                select(
                    OutboxMessage.id,
                    OutboxMessage.kind,
                    OutboxMessage.chat_id,
                    OutboxMessage.patient_id,
                    OutboxMessage.dedupe_key,
                    OutboxMessage.payload,
                    OutboxMessage.alert_id,
                    OutboxMessage.status,
                )
            )
        ).all()
    keys = {row.id: row.dedupe_key for row in outbox}
    messages = sorted(
        (
            row.kind,
            row.chat_id,
            row.patient_id,
            row.dedupe_key or "",
            row.alert_id or 0,
            row.status,
            repr(_normal(row.payload, keys)),
        )
        for row in outbox
    )
    return {
        "doses": [tuple(row) for row in doses],
        "patients": [tuple(row) for row in patients],
        "alerts": [tuple(row) for row in alerts],
        "outbox": messages,
    }


# Histories to run the sweep on ---------------------------------------------------------------


@dataclass(frozen=True)
class StaffSpec:
    clinic: int
    active: bool = True
    zone: str = "UTC"


@dataclass(frozen=True)
class PatientSpec:
    clinic: int = 0
    status: str = PatientStatus.ACTIVE.value
    consented: bool = True
    zone: str = "America/Chicago"
    kinds: tuple[str, ...] = (ScheduleKind.DAILY.value,)  # one schedule per kind
    name: str = "Pat Doe"
    plain: bool = False


@dataclass(frozen=True)
class DoseSpec:
    patient: int
    schedule: int
    due_hours: int  # relative to the history's start
    status: str  # pending, missed, taken, skipped, missed_not_reminded
    reminded: bool = True
    window_hours: int = 4  # the window ends this long after the dose is due
    snoozed_hours: int | None = None  # snoozed until this long after the start
    nudged: bool = False


@dataclass(frozen=True)
class CheckInSpec:
    patient: int
    created_hours: int
    status: str  # open, answered, expired
    scheduled: bool = True


@dataclass(frozen=True)
class AlertSpec:
    patient: int
    kind: str
    status: str = AlertStatus.OPEN.value
    taken_by: int | None = None  # a staff index


@dataclass(frozen=True)
class LinkSpec:
    patient: int
    status: str = SupportStatus.ACTIVE.value


@dataclass
class History:
    clinics: int = 1
    staff: list[StaffSpec] = field(default_factory=list)
    patients: list[PatientSpec] = field(default_factory=list)
    doses: list[DoseSpec] = field(default_factory=list)
    check_ins: list[CheckInSpec] = field(default_factory=list)
    alerts: list[AlertSpec] = field(default_factory=list)
    links: list[LinkSpec] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)  # patient ids, filled in by build()

    def patient_ids(self) -> list[int]:
        return list(self.ids)

    def missed_times(self, patient_id: int) -> list[datetime]:
        index = self.ids.index(patient_id)
        return sorted(
            START_OF_HISTORY + timedelta(hours=d.due_hours)
            for d in self.doses
            if d.patient == index and d.status == DoseStatus.MISSED.value
        )

    @staticmethod
    def example() -> History:
        """Three patients of one clinic (staff in two zones, one who has left): the first with
        an open missed-doses alert, the second with one taken by a nurse, the third with a
        resolved one and an open 'unreachable'; the third missed four doses in a row."""
        return History(
            staff=[StaffSpec(0), StaffSpec(0, zone="America/Chicago"), StaffSpec(0, False)],
            patients=[PatientSpec(name="Ann Lee"), PatientSpec(name="Bo"), PatientSpec()],
            doses=[
                DoseSpec(0, 0, -72, "missed"),
                DoseSpec(0, 0, -48, "missed"),
                DoseSpec(0, 0, -24, "taken"),
                *(DoseSpec(2, 0, -24 * n, "missed") for n in (4, 3, 2, 1)),
            ],
            alerts=[
                AlertSpec(0, "missed_doses"),
                AlertSpec(1, "missed_doses", AlertStatus.ACKNOWLEDGED.value, taken_by=0),
                AlertSpec(1, "sos:now", AlertStatus.RESOLVED.value, taken_by=1),
                AlertSpec(2, "missed_doses", AlertStatus.RESOLVED.value, taken_by=1),
                AlertSpec(2, "unreachable"),
            ],
            links=[LinkSpec(0), LinkSpec(2, SupportStatus.ENDED.value)],
        )


START_OF_HISTORY = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # tests.conftest.START


async def build(ctx: AppContext, history: History) -> None:
    """Write ``history`` (times relative to START_OF_HISTORY) into the database."""
    start = START_OF_HISTORY
    hours = lambda n: start + timedelta(hours=n)  # noqa: E731
    async with ctx.sessions.begin() as session:
        clinics = [
            Clinic(name=f"Clinic {n}", invite_code=f"wave{uuid.uuid4().hex[:8]}", created_at=start)
            for n in range(history.clinics)
        ]
        session.add_all(clinics)
        await session.flush()
        staff = [
            Staff(
                telegram_user_id=500 + n,
                name=f"Nurse {n}",
                timezone=spec.zone,
                clinic_id=clinics[spec.clinic].id,
                active=spec.active,
                created_at=start,
            )
            for n, spec in enumerate(history.staff)
        ]
        session.add_all(staff)
        patients = []
        for n, spec in enumerate(history.patients):
            patient = Patient(
                chat_id=1000 + n,
                clinic_id=clinics[spec.clinic].id,
                display_name=spec.name,
                timezone=spec.zone,
                language="en",
                consent_version=ctx.consent.version if spec.consented else "0-old",
                consented_at=start,
                status=spec.status,
                plain_wording=spec.plain,
                created_at=start,
                updated_at=start,
            )
            for kind in spec.kinds:
                patient.schedules.append(
                    Schedule(
                        kind=kind,
                        timezone=spec.zone,
                        dose_times=["08:00"],
                        weekly_doses={"1": 100, "3": 100, "5": 150}
                        if kind == ScheduleKind.WEEKLY
                        else None,
                        dose_mg=50 if kind == ScheduleKind.DAILY else None,
                        injection_date=start.date()
                        if kind == ScheduleKind.MONTHLY_INJECTION
                        else None,
                        injection_interval_days=28
                        if kind == ScheduleKind.MONTHLY_INJECTION
                        else None,
                        next_due_at=None,
                        active=True,
                        created_at=start,
                        updated_at=start,
                    )
                )
            patients.append(patient)
        session.add_all(patients)
        await session.flush()
        history.ids[:] = [p.id for p in patients]
        for d in history.doses:
            patient = patients[d.patient]
            schedule = patient.schedules[d.schedule % len(patient.schedules)]
            due = hours(d.due_hours)
            session.add(
                DoseEvent(
                    schedule_id=schedule.id,
                    patient_id=patient.id,
                    due_at=due,
                    local_day=day_number(due, ZoneInfo(schedule.timezone)),
                    dose_mg=schedule.dose_mg,
                    status=d.status,
                    window_ends_at=due + timedelta(hours=d.window_hours),
                    reminded_at=due if d.reminded else None,
                    nudged_at=due + timedelta(minutes=30) if d.nudged else None,
                    answered_at=due if d.status in ("taken", "skipped") else None,
                    snoozed_until=None if d.snoozed_hours is None else hours(d.snoozed_hours),
                    created_at=due,
                )
            )
        for c in history.check_ins:
            created = hours(c.created_hours)
            session.add(
                CheckIn(
                    patient_id=patients[c.patient].id,
                    created_at=created,
                    due_at=created if c.scheduled else None,
                    status=c.status,
                    answered_at=created if c.status == CheckInStatus.ANSWERED else None,
                    expires_at=created + timedelta(hours=12),
                )
            )
        for n, link in enumerate(history.links):
            session.add(
                SupportLink(
                    patient_id=patients[link.patient].id,
                    token=None,
                    status=link.status,
                    supporter_chat_id=9000 + n if link.status != SupportStatus.INVITED else None,
                    supporter_name=f"Friend {n}",
                    created_at=start,
                    expires_at=start + timedelta(days=7),
                )
            )
        await session.flush()
        earlier = start - timedelta(days=1)
        for spec in history.alerts:
            patient = patients[spec.patient]
            kind, _, variant = spec.kind.partition(":")
            finding = Finding(
                risk.AlertKind(kind), f"{patient.display_name}: {kind}", variant=variant or None
            )
            alert = await raise_alert(session, patient, finding, earlier)
            if alert is None:
                continue
            who = None if spec.taken_by is None else staff[spec.taken_by].id
            if spec.status != AlertStatus.OPEN:
                alert.status = spec.status
                alert.acknowledged_by, alert.acknowledged_at = who, earlier
            if spec.status == AlertStatus.RESOLVED:
                alert.resolved_by, alert.resolved_at = who, earlier
            await session.flush()
