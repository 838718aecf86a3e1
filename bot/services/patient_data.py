"""A patient's own data: everything stored about them (/mydata), and erasing it (/delete).

Both work from one map of where a patient's rows live (``ABOUT``), so the export and the erasure
cannot drift apart, and a test checks that every table of the schema is in the map: a new table
that refers to patients must say how it is exported and erased.

Languages: the export's keys (section and column names such as ``check_ins`` and ``craving``)
and stored values (``taken``, ``high_craving``) stay English in every language: they are the
schema, for any program that reads the file, and translating them would make two formats of one
export. What the bot wrote for the patient to read in it (the ``about`` note, who a message went
``to``) is in the patient's language.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import (
    Alert,
    AuditEntry,
    Base,
    CheckIn,
    ConsentRecord,
    Conversation,
    DoseEvent,
    OutboxMessage,
    Patient,
    PatientStats,
    Question,
    SafetyCheck,
    Schedule,
    SmsContact,
    Staff,
    SupportLink,
    SupportStatus,
)
from bot.i18n import N_, st, t
from bot.services import audit
from bot.services.context import AppContext
from bot.services.outbox import enqueue
from bot.services.staff_notes import tell_staff

Where = Callable[[Patient, str], ColumnElement[bool]]


@dataclass(frozen=True)
class Part:
    """One table's rows about a patient, and the columns the export leaves out (the patient
    knows their own words; these are internal bookkeeping)."""

    name: str
    table: Table
    where: Where
    omit: tuple[str, ...] = ()


def _t(model: Any) -> Table:
    table: Table = model.__table__
    return table


ABOUT: tuple[Part, ...] = (
    Part("profile", _t(Patient), lambda p, ref: Patient.id == p.id, ("stats_version",)),
    Part("consent", _t(ConsentRecord), lambda p, ref: ConsentRecord.patient_id == p.id),
    Part("schedules", _t(Schedule), lambda p, ref: Schedule.patient_id == p.id),
    Part("doses", _t(DoseEvent), lambda p, ref: DoseEvent.patient_id == p.id),
    Part("check_ins", _t(CheckIn), lambda p, ref: CheckIn.patient_id == p.id),
    Part("alerts_about_you", _t(Alert), lambda p, ref: Alert.patient_id == p.id),
    Part("are_you_safe_questions", _t(SafetyCheck), lambda p, ref: SafetyCheck.patient_id == p.id),
    # The support person's Telegram id is theirs, not the patient's: their name is enough.
    Part(
        "support_people",
        _t(SupportLink),
        lambda p, ref: SupportLink.patient_id == p.id,
        ("token", "supporter_chat_id"),
    ),
    Part("questions", _t(Question), lambda p, ref: Question.patient_id == p.id),
    # Their phone number for texts (issue 16), shown in full: it is theirs. Logs never show it.
    Part(
        "phone_number",
        _t(SmsContact),
        lambda p, ref: SmsContact.patient_id == p.id,
        ("clinic_id", "patient_id"),
    ),
    Part("figures", _t(PatientStats), lambda p, ref: PatientStats.patient_id == p.id),
    Part(
        "messages",
        _t(OutboxMessage),
        lambda p, ref: or_(OutboxMessage.patient_id == p.id, OutboxMessage.chat_id == p.chat_id),
        ("dedupe_key", "attempts", "next_attempt_at", "last_error", "sms_sid"),
    ),
    Part(
        "conversation_in_progress",
        _t(Conversation),
        lambda p, ref: Conversation.chat_id == p.chat_id,
    ),
    Part("record_views_and_changes", _t(AuditEntry), lambda p, ref: AuditEntry.subject == ref),
)
# Tables that hold nothing about a patient (staff, clinics, sign-in) and why.
NOT_ABOUT_PATIENTS = {
    "clinics": "the clinic itself",
    "staff": "care-team accounts",
    "staff_invites": "invites for care-team staff",
    "staff_login_tokens": "staff sign-in links",
    "dashboard_sessions": "staff browser sessions",
    "sms_usage": "texts and segments sent per clinic per month (counts only)",
}
# sms_contacts is in ABOUT ("phone_number"): a number linked to a patient is exported and erased
# with them. A number nobody is linked to (someone who texted STOP or HELP) is about no patient.


# Left out when staff export a patient's data for them: the support person's name is the
# patient's to know; the care team's pages never show it either.
_NOT_FOR_STAFF: dict[str, tuple[str, ...]] = {"support_people": ("supporter_name",)}

# Parts a patient has at most one row of: exported as that row, not a list of one.
_SINGLE = ("profile", "figures", "phone_number")


def _recipient(chat_id: Any, patient: Patient, kind: str, lang: str = "en") -> str:
    if chat_id == patient.chat_id:
        return t(lang, "you")
    if kind.startswith("staff") or kind == "digest":
        return t(lang, "your care team")
    return t(lang, "your support person") if kind == "support" else t(lang, "someone else")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


async def export(
    ctx: AppContext, session: AsyncSession, patient: Patient, *, by_patient: bool = True
) -> bytes:
    """Everything stored about the patient as a JSON document (and the export is audited: as
    the patient's own, or, ``by_patient=False``, by the caller as a staff read)."""
    ref = ctx.patient_ref(patient.id)
    now = ctx.clock.now()
    lang = patient.language
    document: dict[str, Any] = {
        "exported_at": now.isoformat(),
        "about": t(lang, "Everything this bot stores about you. Times are in UTC."),
    }
    staff_names = dict((await session.execute(select(Staff.id, Staff.name))).all())
    for part in ABOUT:
        rows = (await session.execute(select(part.table).where(part.where(patient, ref)))).all()
        items = []
        for row in rows:
            omit = part.omit if by_patient else (*part.omit, *_NOT_FOR_STAFF.get(part.name, ()))
            item = {k: _plain(v) for k, v in row._mapping.items() if k not in omit}
            if part.table is _t(AuditEntry) and item.get("actor_kind") == "staff":
                item["staff_name"] = staff_names.get(int(item.get("actor_id") or 0), "")
            if part.table is _t(OutboxMessage):
                # Who it went to, not their Telegram id: staff and support people are not the
                # patient, and their ids are their own.
                kind = str(item.get("kind", ""))
                item["to"] = _recipient(item.pop("chat_id"), patient, kind, lang)
            items.append(item)
        document[part.name] = items[0] if part.name in _SINGLE and items else items
    if by_patient:
        audit.by_patient(session, ctx, patient, "patient.exported", now)
    return json.dumps(document, indent=2, ensure_ascii=False, default=str).encode()


async def erase(ctx: AppContext, session: AsyncSession, patient: Patient) -> None:
    """Every row about the patient, gone, in the caller's transaction. The audit log keeps its
    entries (append-only, pseudonymous: no name or chat id); staff are told someone left."""
    now = ctx.clock.now()
    ref = ctx.patient_ref(patient.id)
    clinic_id = patient.clinic_id
    supporters = list(
        await session.scalars(
            select(SupportLink.supporter_chat_id).where(
                SupportLink.patient_id == patient.id, SupportLink.supporter_chat_id.is_not(None)
            )
        )
    )
    # Each support person's language: their own if they are a patient here too, else that of
    # the patient they supported (who invited them, and whom they heard from in it).
    own = dict(
        (
            await session.execute(
                select(Patient.chat_id, Patient.language).where(Patient.chat_id.in_(supporters))
            )
        ).all()
    )
    languages = {
        chat_id: own.get(chat_id) or patient.language
        for chat_id in supporters
        if chat_id is not None
    }
    # If they were someone else's support person, that ends too, without their name.
    for link in await session.scalars(
        select(SupportLink).where(SupportLink.supporter_chat_id == patient.chat_id)
    ):
        if link.status in (SupportStatus.PENDING, SupportStatus.ACTIVE):
            supported = await session.get(Patient, link.patient_id)
            if supported is not None:
                enqueue(
                    session,
                    chat_id=supported.chat_id,
                    patient_id=supported.id,
                    kind="support",
                    payload={"text": t(supported.language, SUPPORTER_LEFT)},
                    now=now,
                )
        link.status, link.ended_at = SupportStatus.ENDED, link.ended_at or now
        link.supporter_chat_id, link.supporter_name = None, ""
        # The question that named them to the patient they supported goes too.
        await session.execute(
            delete(OutboxMessage)
            .where(OutboxMessage.dedupe_key == f"support:{link.id}:confirm")
            .execution_options(synchronize_session=False)
        )
    for part in ABOUT:
        if part.table is _t(AuditEntry):
            continue
        await session.execute(
            delete(part.table)
            .where(part.where(patient, ref))
            .execution_options(synchronize_session=False)
        )
    session.expunge(patient)
    audit.record(
        session,
        at=now,
        actor_kind="patient",
        action="patient.erased",
        clinic_id=clinic_id,
        subject=ref,
    )
    # Neither message names the patient: they are about someone who asked to be forgotten.
    await tell_staff(
        session,
        clinic_id,
        st(
            "FYI: a patient has left and asked for their data to be erased; their record is gone "
            "from the bot and the dashboard."
        ),
        now,
        None,
    )
    for chat_id, lang in languages.items():
        text = t(lang, SUPPORT_ENDED)
        enqueue(session, chat_id=chat_id, kind="support", payload={"text": text}, now=now)


SUPPORTER_LEFT = N_(
    "Your support person has stepped back and asked for their data to be erased. You can invite "
    "someone else with /support."
)
SUPPORT_ENDED = N_(
    "The person you were supporting has ended the link, so I won't send you anything more. "
    "Thank you for being there."
)


def unmapped_tables() -> list[str]:
    """Tables the export and erasure know nothing about (should be none)."""
    known = {part.table.name for part in ABOUT} | set(NOT_ABOUT_PATIENTS)
    return sorted(set(Base.metadata.tables) - known)
