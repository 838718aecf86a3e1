"""What staff read, for Telegram and the dashboard alike: the clinic overview, one patient, the
alert queue, the audit log. Every function takes the signed-in staff member and sees only their
clinic (another clinic's patient is simply not found); every read is written to the audit log.

Names, codes, notes and alert summaries come back without bidirectional controls
(:func:`shown_row`, :func:`bot.domain.inputs.strip_bidi`): ``clean`` strips them from what
arrives now, and this from what was stored before, so no reader (a page, the API, the CSV, a
Telegram card) shows a name that reorders the text around it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.charts import CravingPoint, DayCell
from bot.db.models import (
    Alert,
    AlertStatus,
    AuditEntry,
    CheckIn,
    Clinic,
    DoseEvent,
    OutboxMessage,
    OutboxStatus,
    Patient,
    Schedule,
    ScheduleKind,
    SmsContact,
    Staff,
)
from bot.domain import adherence, risk
from bot.domain.adherence import DoseRecord
from bot.domain.inputs import clean, strip_bidi
from bot.domain.replies import TapResult
from bot.domain.schedules import describe_plan
from bot.i18n import DEFAULT, st
from bot.qa.content import clinic_path, load_clinic_content, load_content
from bot.qa.review import ReviewItem, awaiting_review
from bot.services import alerts, audit, patient_data
from bot.services.clinic_summary import Counts, Listing, PatientRow, clinic_counts, clinic_patients
from bot.services.context import AppContext
from bot.services.plans import plan_for
from bot.services.staff_auth import StaffMember

DETAIL_DAYS = 90


def shown_row(row: PatientRow) -> PatientRow:
    """A patient's row as staff are shown it: name and code without bidirectional controls."""
    name, code = strip_bidi(row.name), strip_bidi(row.code)
    if name == row.name and code == row.code:
        return row
    return replace(row, name=name, code=code)


def _shown(text: str | None) -> str | None:
    return None if text is None else strip_bidi(text)


def read(
    session: AsyncSession,
    ctx: AppContext,
    staff: StaffMember,
    action: str,
    patient_id: int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Audit one staff read (a page, an API call, an export, a Telegram command)."""
    audit.record(
        session,
        at=ctx.clock.now(),
        actor_kind="staff",
        actor_id=staff.id,
        clinic_id=staff.clinic_id,
        action=action,
        subject=ctx.patient_ref(patient_id) if patient_id is not None else None,
        detail=detail,
    )


@dataclass(frozen=True)
class Overview:
    clinic_name: str
    as_of: datetime
    patients: list[PatientRow]
    attention: list[PatientRow]  # who needs a call today, most urgent first

    @property
    def adherent(self) -> int:
        return sum(1 for p in self.patients if p.adherent)

    @property
    def with_data(self) -> int:
        return sum(1 for p in self.patients if p.adherent is not None)

    @property
    def open_alerts(self) -> int:
        return sum(p.open_alerts for p in self.patients)


def _urgency(row: PatientRow) -> tuple[int, int, int, float]:
    week = row.pdc7.ratio
    return (
        -row.urgent_alerts,
        -row.open_alerts,
        -row.consecutive_misses,
        week if week is not None else 1.0,
    )


async def overview(
    ctx: AppContext, session: AsyncSession, staff: StaffMember, action: str
) -> Overview:
    now = ctx.clock.now()
    rows = [shown_row(r) for r in await clinic_patients(session, staff.clinic_id, now)]
    settings = ctx.settings
    attention = sorted(
        (
            r
            for r in rows
            if r.needs_attention(
                settings.craving_alert_threshold, settings.missed_doses_alert_count
            )
        ),
        key=_urgency,
    )
    read(session, ctx, staff, action, detail={"patients": len(rows)})
    return Overview(staff.clinic_name, now, rows, attention)


PAGE_SIZE = 50
BRIEF_ATTENTION = 50


@dataclass(frozen=True)
class Brief:
    """The clinic at a glance for Telegram: totals and who needs a call, most urgent first
    (read in a few statements, whatever the clinic's size)."""

    clinic_name: str
    as_of: datetime
    counts: Counts
    attention: list[PatientRow]


async def brief(ctx: AppContext, session: AsyncSession, staff: StaffMember, action: str) -> Brief:
    now = ctx.clock.now()
    thresholds = (ctx.settings.craving_alert_threshold, ctx.settings.missed_doses_alert_count)
    flagged = await clinic_patients(
        session,
        staff.clinic_id,
        now,
        listing=Listing(sort="urgency", attention_only=True, limit=BRIEF_ATTENTION),
        thresholds=thresholds,
    )
    counts = await clinic_counts(session, staff.clinic_id, now, thresholds, refresh=False)
    read(session, ctx, staff, action, detail={"patients": counts.patients})
    return Brief(staff.clinic_name, now, counts, [shown_row(r) for r in flagged])


@dataclass(frozen=True)
class PatientsPage:
    clinic_name: str
    as_of: datetime
    rows: list[PatientRow]
    counts: Counts
    listing: Listing
    matching: int  # how many patients the filter matches (all pages)
    # The language of each patient on the page who does not use English (most do).
    languages: dict[int, str] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        size = self.listing.limit or max(1, self.matching)
        return max(1, -(-self.matching // size))

    @property
    def page(self) -> int:
        size = self.listing.limit or max(1, self.matching)
        return self.listing.offset // size + 1


async def patients_page(
    ctx: AppContext, session: AsyncSession, staff: StaffMember, listing: Listing, action: str
) -> PatientsPage:
    """One page of the clinic's patients table (sorted and filtered in SQL) and the totals."""
    now = ctx.clock.now()
    thresholds = (ctx.settings.craving_alert_threshold, ctx.settings.missed_doses_alert_count)
    rows = await clinic_patients(
        session, staff.clinic_id, now, listing=listing, thresholds=thresholds
    )
    counts = await clinic_counts(session, staff.clinic_id, now, thresholds, refresh=False)
    matching = counts.attention if listing.attention_only else counts.patients
    read(
        session,
        ctx,
        staff,
        action,
        detail={"rows": len(rows), "sort": listing.sort, "attention": listing.attention_only},
    )
    return PatientsPage(
        staff.clinic_name,
        now,
        [shown_row(r) for r in rows],
        counts,
        listing,
        matching,
        await languages_of(session, [r.id for r in rows]),
    )


async def languages_of(session: AsyncSession, patient_ids: list[int]) -> dict[int, str]:
    """The language of each of these patients who does not use English."""
    if not patient_ids:
        return {}
    rows = await session.execute(
        select(Patient.id, Patient.language).where(
            Patient.id.in_(patient_ids), Patient.language != DEFAULT
        )
    )
    return {patient_id: language for patient_id, language in rows}


@dataclass(frozen=True)
class CheckInEntry:
    at: datetime
    scheduled: bool
    status: str
    craving: int | None
    mood: int | None
    use: str | None
    note: str | None


@dataclass(frozen=True)
class AlertEntry:
    id: int
    patient_id: int | None
    patient_name: str
    patient_code: str
    patient_language: str  # "en", "es": what the patient reads and writes
    kind: str
    label: str
    severity: str
    status: str
    summary: str
    created_at: datetime
    occurrences: int
    last_seen_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    resolved_by: str | None
    resolved_at: datetime | None


@dataclass(frozen=True)
class PatientDetail:
    row: PatientRow
    plan: str
    longest_streak: int
    calendar: list[DayCell]  # the last 90 local days
    cravings: list[CravingPoint]
    check_ins: list[CheckInEntry]  # newest first
    alerts: list[AlertEntry]  # newest first
    today: date
    language: str = DEFAULT  # the patient's ("en", "es")
    reach: Reach | None = None


@dataclass(frozen=True)
class Reach:
    """How the patient is reached (issue 16): their channel, their number in full (this is the
    patient page, an audited read), whether the number said STOP, and the last text that did
    not arrive."""

    channel: str  # "telegram" or "sms"
    phone: str | None = None
    stopped_at: datetime | None = None
    problem_at: datetime | None = None
    problem: str | None = None


def _alert_query(clinic_id: int) -> Any:
    taker, resolver = aliased(Staff), aliased(Staff)
    return (
        select(
            Alert,
            Patient.display_name,
            Patient.code,
            Patient.language,
            taker.name.label("taker"),
            resolver.name.label("resolver"),
        )
        .outerjoin(Patient, Patient.id == Alert.patient_id)
        .outerjoin(taker, taker.id == Alert.acknowledged_by)
        .outerjoin(resolver, resolver.id == Alert.resolved_by)
        .where(Alert.clinic_id == clinic_id)
    )


def _alert_entry(row: Any) -> AlertEntry:
    alert: Alert = row[0]
    return AlertEntry(
        id=alert.id,
        patient_id=alert.patient_id,
        patient_name=strip_bidi(row.display_name or ""),
        patient_code=strip_bidi(row.code or ""),
        patient_language=row.language or DEFAULT,
        kind=alert.kind,
        label=risk.label(alert.kind),
        severity=alert.severity,
        status=alert.status,
        summary=strip_bidi(alert.summary),
        created_at=alert.created_at,
        occurrences=alert.occurrences,
        last_seen_at=alert.last_seen_at,
        acknowledged_by=_shown(row.taker),
        acknowledged_at=alert.acknowledged_at,
        resolved_by=_shown(row.resolver),
        resolved_at=alert.resolved_at,
    )


async def patient_export(
    ctx: AppContext, session: AsyncSession, staff: StaffMember, patient_id: int
) -> tuple[str, bytes] | None:
    """Everything stored about one patient of the staff member's clinic, as /mydata gives it
    to them (for a patient who asks their care team, such as one reached by text, who cannot
    be sent a file): (the patient's code, the JSON document), audited as a staff read. None for
    anyone else's patient, or nobody."""
    patient = await session.get(Patient, patient_id)
    if patient is None or patient.clinic_id != staff.clinic_id:
        return None
    document = await patient_data.export(ctx, session, patient, by_patient=False)
    read(session, ctx, staff, "dashboard.patient_export", patient_id)
    return patient.code, document


async def patient_detail(
    ctx: AppContext, session: AsyncSession, staff: StaffMember, patient_id: int, action: str
) -> PatientDetail | None:
    """One patient of the staff member's clinic (None for anyone else's, or nobody)."""
    now = ctx.clock.now()
    found = await clinic_patients(session, staff.clinic_id, now, patient_id)
    if not found:
        return None
    [found_row] = found
    row = shown_row(found_row)
    zone = ZoneInfo(row.timezone)
    today = now.astimezone(zone).date()
    since = now - timedelta(days=DETAIL_DAYS + 31)
    doses = (
        await session.execute(
            select(DoseEvent, Schedule.kind, Schedule.injection_interval_days)
            .join(Schedule, Schedule.id == DoseEvent.schedule_id)
            .where(DoseEvent.patient_id == patient_id, DoseEvent.due_at >= since)
            .order_by(DoseEvent.due_at)
        )
    ).all()
    records = [
        DoseRecord(
            day=dose.due_at.astimezone(zone).date(),
            status=dose.status,
            on_time=dose.answered_at is not None and dose.answered_at <= dose.window_ends_at,
            covers_days=(interval or 28) if kind == ScheduleKind.MONTHLY_INJECTION else 1,
        )
        for dose, kind, interval in doses
    ]
    start = today - timedelta(days=DETAIL_DAYS - 1)
    checks = list(
        await session.scalars(
            select(CheckIn)
            .where(
                CheckIn.patient_id == patient_id,
                CheckIn.created_at >= now - timedelta(days=DETAIL_DAYS),
            )
            .order_by(CheckIn.created_at.desc(), CheckIn.id.desc())
        )
    )
    alert_rows = (
        await session.execute(
            _alert_query(staff.clinic_id)
            .where(Alert.patient_id == patient_id)
            .order_by(Alert.created_at.desc(), Alert.id.desc())
            .limit(50)
        )
    ).all()
    schedule = await session.scalar(
        select(Schedule)
        .where(Schedule.patient_id == patient_id)
        .order_by(Schedule.id.desc())
        .limit(1)
    )
    language, channel = (
        await session.execute(
            select(Patient.language, Patient.preferred_channel).where(Patient.id == patient_id)
        )
    ).one()
    reach = await _reach(session, patient_id, channel)
    read(session, ctx, staff, action, patient_id)
    return PatientDetail(
        row=row,
        plan=describe_plan(plan_for(schedule)) if schedule else st("No plan"),
        longest_streak=adherence.metrics(records, today).longest_streak,
        calendar=adherence.calendar(records, start, today),
        cravings=[
            CravingPoint(c.created_at.astimezone(zone).date(), c.craving)
            for c in reversed(checks)
            if c.craving is not None
        ],
        check_ins=[
            CheckInEntry(
                at=c.created_at,
                scheduled=c.due_at is not None,
                status=c.status,
                craving=c.craving,
                mood=c.mood,
                use=c.substance_use,
                note=_shown(c.note),
            )
            for c in checks
        ],
        alerts=[_alert_entry(r) for r in alert_rows],
        today=today,
        language=language or DEFAULT,
        reach=reach,
    )


async def _reach(session: AsyncSession, patient_id: int, channel: str | None) -> Reach:
    contact = (
        await session.execute(
            select(SmsContact.phone, SmsContact.opted_out_at).where(
                SmsContact.patient_id == patient_id
            )
        )
    ).first()
    if contact is None:
        return Reach(channel or "telegram")
    # The latest text that did not arrive: refused when sent, or undelivered by a receipt.
    problem = (
        await session.execute(
            select(
                func.coalesce(OutboxMessage.delivery_updated_at, OutboxMessage.created_at),
                OutboxMessage.delivery_status,
                OutboxMessage.last_error,
            )
            .where(
                OutboxMessage.patient_id == patient_id,
                or_(
                    OutboxMessage.delivery_status.in_(("undelivered", "failed")),
                    (OutboxMessage.status == OutboxStatus.FAILED)
                    & OutboxMessage.last_error.startswith("sms"),
                ),
            )
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
    ).first()
    return Reach(
        channel or "telegram",
        phone=contact.phone,
        stopped_at=contact.opted_out_at,
        problem_at=problem[0] if problem else None,
        problem=(problem[2] or problem[1]) if problem else None,
    )


async def find_patients(
    ctx: AppContext, session: AsyncSession, staff: StaffMember, query: str
) -> list[tuple[int, str, str]]:
    """(id, name, code) of the clinic's patients whose code is ``query`` or whose name
    contains it (case-blind), at most ten."""
    words = " ".join(clean(query).split())
    # LIKE's wildcards are the patient's own characters here, not a pattern: "%" must not
    # list the whole clinic.
    literal = words.lower().replace("%", "").replace("_", "")
    if not literal.strip():
        return []
    pattern = f"%{literal}%"
    rows = (
        await session.execute(
            select(Patient.id, Patient.display_name, Patient.code)
            .where(
                Patient.clinic_id == staff.clinic_id,
                or_(Patient.code == words.upper(), func.lower(Patient.display_name).like(pattern)),
            )
            .order_by(Patient.display_name)
            .limit(10)
        )
    ).all()
    read(session, ctx, staff, "patients.search", detail={"found": len(rows)})
    return [(r.id, strip_bidi(r.display_name or ""), strip_bidi(r.code)) for r in rows]


async def alert_queue(
    ctx: AppContext,
    session: AsyncSession,
    staff: StaffMember,
    action: str,
    include_resolved: bool = False,
    limit: int = 200,
) -> list[AlertEntry]:
    """The clinic's alerts: open and taken ones first (urgent first), then recent resolved."""
    statement = _alert_query(staff.clinic_id)
    if not include_resolved:
        statement = statement.where(Alert.status != AlertStatus.RESOLVED)
    rows = (
        await session.execute(
            statement.order_by(
                (Alert.status == AlertStatus.RESOLVED).asc(),
                (Alert.severity == "urgent").desc(),
                Alert.created_at.desc(),
                Alert.id.desc(),
            ).limit(limit)
        )
    ).all()
    read(session, ctx, staff, action, detail={"alerts": len(rows)})
    return [_alert_entry(r) for r in rows]


async def act_on_alert(
    ctx: AppContext, staff: StaffMember, alert_id: int, action: str
) -> TapResult:
    """Take (``ack``) or resolve (``res``) an alert, as from its Telegram card."""
    return await alerts.act(ctx, alerts.AlertTap(alert_id, action), staff_id=staff.id)


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor_kind: str
    actor: str
    action: str
    subject: str | None
    detail: dict[str, Any] | None


async def audit_log(
    ctx: AppContext,
    session: AsyncSession,
    staff: StaffMember,
    limit: int = 200,
    before: int | None = None,
) -> list[AuditRow] | None:
    """The clinic's audit log, newest first; None for anyone but a clinic admin."""
    if not staff.is_admin:
        return None
    statement = (
        select(AuditEntry, Staff.name)
        .outerjoin(Staff, (AuditEntry.actor_kind == "staff") & (Staff.id == AuditEntry.actor_id))
        .where(AuditEntry.clinic_id == staff.clinic_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    if before is not None:
        statement = statement.where(AuditEntry.id < before)
    rows = (await session.execute(statement)).all()
    read(session, ctx, staff, "audit.view", detail={"entries": len(rows)})
    return [
        AuditRow(
            id=entry.id,
            at=entry.at,
            actor_kind=entry.actor_kind,
            actor=strip_bidi(name) if name else entry.actor_kind,
            action=entry.action,
            subject=entry.subject,
            detail=entry.detail,
        )
        for entry, name in rows
    ]


async def content_review(
    ctx: AppContext, session: AsyncSession, staff: StaffMember
) -> list[ReviewItem]:
    """What awaits a clinician's sign-off: the shared snippets, then the staff member's clinic's
    own (read-only here; clinicians sign off in the content files)."""
    shared = load_content()
    items = awaiting_review(shared)
    code = await session.scalar(select(Clinic.invite_code).where(Clinic.id == staff.clinic_id))
    if code is not None and clinic_path(code).is_file():
        items += awaiting_review(load_clinic_content(code, shared=shared))
    read(session, ctx, staff, "content.review", detail={"awaiting": len(items)})
    return items
