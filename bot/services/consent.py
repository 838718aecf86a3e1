"""Consent over time: asking again when the text changes, recording each answer, and /stop.

Consent is versioned (``content/consent.toml``). An enrolled patient whose consent is for an
older version gets no reminders or check-ins until they answer the new text: the tick and the
check-ins skip them, and whatever they send is answered with the new consent first (crisis
triage still comes before everything). Declining stops all messages but keeps their history for
the care team; `/delete` is how a patient erases it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ConsentDecision, ConsentRecord, Patient, PatientStatus, Schedule
from bot.domain.reminders import TOLERANCE_NOTE
from bot.domain.replies import Button, Reply, TapResult
from bot.services import audit
from bot.services.context import AppContext
from bot.services.enrolment import patient_by_chat
from bot.services.outbox import enqueue_once, payload_for
from bot.services.patient_settings import reschedule
from bot.services.plans import plan_for
from bot.services.staff_notes import tell_staff

LIVE = (PatientStatus.ACTIVE, PatientStatus.PAUSED)
STALE = "That button is from an earlier version, so I didn't change anything."


def outdated(ctx: AppContext, patient: Patient) -> bool:
    """Their consent is for an older text and they still get messages: ask again first."""
    return patient.consent_version != ctx.consent.version and patient.status in LIVE


def prompt(ctx: AppContext) -> Reply:
    version = ctx.consent.version
    return Reply(
        "I've updated what I keep and who can see it. Please read it and tell me if it's okay; "
        "until then I won't send reminders or check-ins.\n\n" + ctx.consent.text,
        (
            (
                Button("I agree", f"cv:yes:{version}"),
                Button("No thanks", f"cv:no:{version}"),
            ),
        ),
    )


def parse_tap(data: str) -> tuple[bool, str] | None:
    parts = data.split(":", 2)
    if len(parts) != 3 or parts[0] != "cv" or parts[1] not in ("yes", "no"):
        return None
    return parts[1] == "yes", parts[2]


def _record(
    session: AsyncSession, patient: Patient, version: str, decision: str, at: datetime
) -> None:
    session.add(ConsentRecord(patient_id=patient.id, version=version, decision=decision, at=at))


async def answer(ctx: AppContext, chat_id: int, agreed: bool, version: str) -> TapResult:
    now = ctx.clock.now()
    async with ctx.sessions.begin() as session:
        patient = await patient_by_chat(session, chat_id)
        if patient is None or version != ctx.consent.version:
            return TapResult(notice=STALE)
        if patient.consent_version == version:
            return TapResult(notice="Already recorded, thank you.")
        if agreed:
            patient.consent_version, patient.consented_at, patient.updated_at = version, now, now
            _record(session, patient, version, ConsentDecision.ACCEPTED, now)
            # From now on: nothing that fell due while we waited is sent or counted as missed.
            schedules = await session.scalars(
                select(Schedule).where(Schedule.patient_id == patient.id, Schedule.active.is_(True))
            )
            for schedule in schedules:
                await reschedule(session, schedule, plan_for(schedule), now)
            audit.by_patient(session, ctx, patient, "consent.accepted", now, {"version": version})
            return TapResult(
                notice="Thank you.",
                chosen="I agree",
                replies=[
                    Reply("Thank you. Your reminders are back on. Send /help to see what I can do.")
                ],
            )
        _record(session, patient, version, ConsentDecision.DECLINED, now)
        patient.status, patient.updated_at = PatientStatus.STOPPED, now
        audit.by_patient(session, ctx, patient, "consent.declined", now, {"version": version})
        await tell_staff(
            session,
            patient.clinic_id,
            f"FYI: {patient.display_name or 'A patient'} did not agree to the updated consent, "
            "so the bot has stopped messaging them. Their history is kept.",
            now,
            patient.id,
        )
    return TapResult(
        notice="Okay.",
        chosen="No thanks",
        replies=[
            Reply(
                "Okay. I've stopped all messages. What you shared so far stays with your care "
                "team; send /delete if you want it erased, or /start to come back."
            )
        ],
    )


async def ask_again(ctx: AppContext) -> int:
    """Queue the new consent text to every enrolled patient still on an older version (once per
    version); returns how many were asked."""
    now = ctx.clock.now()
    async with ctx.sessions.begin() as session:
        patients = list(
            await session.scalars(
                select(Patient)
                .where(
                    Patient.consent_version != ctx.consent.version,
                    Patient.status.in_([s.value for s in LIVE]),
                )
                .limit(500)
            )
        )
        for patient in patients:
            await enqueue_once(
                session,
                chat_id=patient.chat_id,
                patient_id=patient.id,
                kind="consent",
                payload=payload_for(prompt(ctx)),
                dedupe_key=f"consent:{patient.id}:{ctx.consent.version}",
                now=now,
            )
    return len(patients)


# ---------------------------------------------------------------------- /stop


STOP_YES, STOP_NO = "stop:yes", "stop:no"


def stop_question() -> Reply:
    return Reply(
        "Stop all messages from me: reminders, check-ins and everything else? Your care team "
        "will see that you stopped. You can come back any time with /start.",
        ((Button("Yes, stop everything", STOP_YES), Button("No, keep them", STOP_NO)),),
    )


async def stop(ctx: AppContext, chat_id: int, confirmed: bool) -> TapResult:
    now = ctx.clock.now()
    if not confirmed:
        return TapResult(notice="Okay.", chosen="Kept: nothing changed")
    async with ctx.sessions.begin() as session:
        patient = await patient_by_chat(session, chat_id)
        if patient is None:
            return TapResult(notice=STALE)
        if patient.status == PatientStatus.STOPPED:
            return TapResult(notice="Already stopped.")
        patient.status, patient.paused_until, patient.updated_at = PatientStatus.STOPPED, None, now
        audit.by_patient(session, ctx, patient, "patient.stopped", now)
        await tell_staff(
            session,
            patient.clinic_id,
            f"FYI: {patient.display_name or 'A patient'} used /stop: the bot no longer sends "
            "them anything.",
            now,
            patient.id,
        )
    return TapResult(
        notice="Stopped.",
        chosen="Stopped: no more messages",
        replies=[
            Reply(
                "Done. I won't send you anything more. Send /start whenever you'd like to come "
                f"back; /delete erases what I keep.\n\n{TOLERANCE_NOTE}\n\n"
                "If you are in danger, call or text 988, or call 911."
            )
        ],
    )


async def come_back(ctx: AppContext, session: AsyncSession, patient: Patient) -> list[Reply]:
    """/start from a patient who had stopped: messages resume from now."""
    now = ctx.clock.now()
    patient.status, patient.updated_at = PatientStatus.ACTIVE, now
    schedules = await session.scalars(
        select(Schedule).where(Schedule.patient_id == patient.id, Schedule.active.is_(True))
    )
    for schedule in schedules:
        await reschedule(session, schedule, plan_for(schedule), now)
    audit.by_patient(session, ctx, patient, "patient.restarted", now)
    await tell_staff(
        session,
        patient.clinic_id,
        f"FYI: {patient.display_name or 'A patient'} is back: the bot messages them again.",
        now,
        patient.id,
    )
    return [Reply("Welcome back! Your reminders are on again. Send /schedule to see them.")]
