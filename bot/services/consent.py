"""Consent over time: asking again when the text changes, recording each answer, and /stop.

Consent is versioned (``content/consent.toml``). An enrolled patient whose consent is for an
older version gets no reminders or check-ins until they answer the new text: the tick and the
check-ins skip them, and whatever they send is answered with the new consent first (crisis
triage still comes before everything). Declining stops all messages but keeps their history for
the care team; `/delete` is how a patient erases it.

The text is in each language the bot speaks (``[translations.<lang>]`` in the same file, under the
same version), and each answer is recorded with the language of the text that was read.
"""

from __future__ import annotations

import tomllib
from datetime import datetime
from functools import cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import ConsentDecision, ConsentRecord, Patient, PatientStatus, Schedule
from bot.domain.reminders import TOLERANCE_NOTE
from bot.domain.replies import Button, Reply, TapResult
from bot.i18n import DEFAULT, LANGUAGES, N_, st, supported, t
from bot.resources import resource_dir
from bot.services import audit
from bot.services.context import AppContext
from bot.services.enrolment import patient_by_chat
from bot.services.outbox import enqueue_once, payload_for
from bot.services.patient_settings import reschedule
from bot.services.plans import plan_for
from bot.services.staff_notes import tell_staff
from bot.sms.chats import is_text_only

LIVE = (PatientStatus.ACTIVE, PatientStatus.PAUSED)
STALE = N_("That button is from an earlier version, so I didn't change anything.")


@cache
def _translations(path: Path) -> tuple[str, dict[str, str]]:
    """The consent file's version and its texts in other languages (read once)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    found = data.get("translations", {})
    return str(data["version"]), {
        lang: str(found[lang]["text"]).strip()
        for lang in LANGUAGES
        if isinstance(found.get(lang), dict) and found[lang].get("text")
    }


REVIEW_FLAG = "needs-review"


def _consent_file() -> Path:
    return resource_dir("content") / "consent.toml"


def file_version() -> str:
    """The version of the consent text in content/consent.toml."""
    return _translations(_consent_file())[0]


def consent_awaiting_review() -> list[str]:
    """The languages whose consent translation is still flagged ``review = "needs-review"``
    (a native speaker who is a clinician empties the flag once they have read it)."""
    data = tomllib.loads(_consent_file().read_text(encoding="utf-8"))
    found = data.get("translations", {})
    return [
        lang
        for lang in LANGUAGES
        if isinstance(found.get(lang), dict) and found[lang].get("review") == REVIEW_FLAG
    ]


def texts(ctx: AppContext, *, by_text: bool = False) -> dict[str, str]:
    """The consent text by language. A translation is used only when it is of the version in
    force (a text of another version is never shown in its place); else the English.

    ``by_text``: as written for text messages (``sms_text``, same version: what is kept and who
    sees it are the same; what a text message is, and how to stop and get a copy, differ), where
    the file has it; else the Telegram text."""
    found: dict[str, str] = {DEFAULT: ctx.consent.text}
    try:
        version, translated = _translations(_consent_file())
        sms = _sms_texts(_consent_file()) if by_text else {}
    except (OSError, KeyError, TypeError, tomllib.TOMLDecodeError):
        return found
    if version == ctx.consent.version:
        found.update(translated)
        found.update(sms)
    return found


@cache
def _sms_texts(path: Path) -> dict[str, str]:
    """The consent's texts for text messages, by language (read once)."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    if data.get("sms_text"):
        found[DEFAULT] = str(data["sms_text"]).strip()
    for lang, entry in data.get("translations", {}).items():
        if lang in LANGUAGES and isinstance(entry, dict) and entry.get("sms_text"):
            found[lang] = str(entry["sms_text"]).strip()
    return found


def text_in(ctx: AppContext, lang: str, *, by_text: bool = False) -> tuple[str, str]:
    """(text, language it is in): the text in ``lang`` if there is one, else English."""
    lang = supported(lang) or DEFAULT
    by_language = texts(ctx, by_text=by_text)
    if lang in by_language:
        return by_language[lang], lang
    return by_language[DEFAULT], DEFAULT


def outdated(ctx: AppContext, patient: Patient) -> bool:
    """Their consent is for an older text and they still get messages: ask again first."""
    return patient.consent_version != ctx.consent.version and patient.status in LIVE


def prompt(ctx: AppContext, lang: str = DEFAULT, *, by_text: bool = False) -> Reply:
    version = ctx.consent.version
    text, _ = text_in(ctx, lang, by_text=by_text)
    intro = t(
        lang,
        "I've updated what I keep and who can see it. Please read it and tell me if it's okay; "
        "until then I won't send reminders or check-ins.",
    )
    return Reply(
        f"{intro}\n\n{text}",
        (
            (
                Button(t(lang, "I agree"), f"cv:yes:{version}"),
                Button(t(lang, "No thanks"), f"cv:no:{version}"),
            ),
        ),
    )


def parse_tap(data: str) -> tuple[bool, str] | None:
    parts = data.split(":", 2)
    if len(parts) != 3 or parts[0] != "cv" or parts[1] not in ("yes", "no"):
        return None
    return parts[1] == "yes", parts[2]


def _record(
    session: AsyncSession,
    ctx: AppContext,
    patient: Patient,
    version: str,
    decision: str,
    at: datetime,
) -> None:
    # The language of the text they were shown: theirs when the text exists in it.
    _, language = text_in(ctx, patient.language)
    session.add(
        ConsentRecord(
            patient_id=patient.id, version=version, language=language, decision=decision, at=at
        )
    )


async def answer(ctx: AppContext, chat_id: int, agreed: bool, version: str) -> TapResult:
    now = ctx.clock.now()
    async with ctx.sessions.begin() as session:
        patient = await patient_by_chat(session, chat_id)
        if patient is None or version != ctx.consent.version:
            lang = (supported(patient.language) if patient else None) or DEFAULT
            return TapResult(notice=t(lang, STALE))
        lang = supported(patient.language) or DEFAULT
        if patient.consent_version == version:
            return TapResult(notice=t(lang, "Already recorded, thank you."))
        if agreed:
            patient.consent_version, patient.consented_at, patient.updated_at = version, now, now
            _record(session, ctx, patient, version, ConsentDecision.ACCEPTED, now)
            # From now on: nothing that fell due while we waited is sent or counted as missed.
            schedules = await session.scalars(
                select(Schedule).where(Schedule.patient_id == patient.id, Schedule.active.is_(True))
            )
            for schedule in schedules:
                await reschedule(session, schedule, plan_for(schedule), now)
            audit.by_patient(session, ctx, patient, "consent.accepted", now, {"version": version})
            return TapResult(
                notice=t(lang, "Thank you."),
                chosen=t(lang, "I agree"),
                replies=[
                    Reply(
                        t(
                            lang,
                            "Thank you. Your reminders are back on. "
                            "Send /help to see what I can do.",
                        )
                    )
                ],
            )
        _record(session, ctx, patient, version, ConsentDecision.DECLINED, now)
        patient.status, patient.updated_at = PatientStatus.STOPPED, now
        audit.by_patient(session, ctx, patient, "consent.declined", now, {"version": version})
        await tell_staff(
            session,
            patient.clinic_id,
            st(
                "FYI: {name} did not agree to the updated consent, so the bot has stopped "
                "messaging them. Their history is kept.",
                name=patient.display_name or st("A patient"),
            ),
            now,
            patient.id,
        )
    return TapResult(
        notice=t(lang, "Okay."),
        chosen=t(lang, "No thanks"),
        replies=[
            Reply(
                t(
                    lang,
                    "Okay. I've stopped all messages. What you shared so far stays with your "
                    "care team; send /delete if you want it erased, or /start to come back.",
                )
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
                payload=payload_for(
                    prompt(
                        ctx,
                        lang=supported(patient.language) or DEFAULT,
                        by_text=is_text_only(patient.chat_id),
                    )
                ),
                dedupe_key=f"consent:{patient.id}:{ctx.consent.version}",
                now=now,
            )
    return len(patients)


# ---------------------------------------------------------------------- /stop


STOP_YES, STOP_NO = "stop:yes", "stop:no"


def stop_question(lang: str = DEFAULT) -> Reply:
    return Reply(
        t(
            lang,
            "Stop all messages from me: reminders, check-ins and everything else? Your care "
            "team will see that you stopped. You can come back any time with /start.",
        ),
        (
            (
                Button(t(lang, "Yes, stop everything"), STOP_YES),
                Button(t(lang, "No, keep them"), STOP_NO),
            ),
        ),
    )


async def stop(ctx: AppContext, chat_id: int, confirmed: bool) -> TapResult:
    now = ctx.clock.now()
    async with ctx.sessions.begin() as session:
        patient = await patient_by_chat(session, chat_id)
        lang = (supported(patient.language) if patient else None) or DEFAULT
        if not confirmed:
            return TapResult(notice=t(lang, "Okay."), chosen=t(lang, "Kept: nothing changed"))
        if patient is None:
            return TapResult(notice=t(lang, STALE))
        if patient.status == PatientStatus.STOPPED:
            return TapResult(notice=t(lang, "Already stopped."))
        await record_stop(
            ctx,
            session,
            patient,
            now,
            st(
                "FYI: {name} used /stop: the bot no longer sends them anything.",
                name=patient.display_name or st("A patient"),
            ),
        )
    return TapResult(
        notice=t(lang, "Stopped."),
        chosen=t(lang, "Stopped: no more messages"),
        replies=[
            Reply(
                t(
                    lang,
                    "Done. I won't send you anything more. Send /start whenever you'd like to "
                    "come back; /delete erases what I keep.\n\n{tolerance}\n\n"
                    "If you are in danger, call or text 988, or call 911.",
                    tolerance=t(lang, TOLERANCE_NOTE),
                )
            )
        ],
    )


async def record_stop(
    ctx: AppContext, session: AsyncSession, patient: Patient, now: datetime, staff_note: str
) -> None:
    """The patient asked for no more messages (/stop, or STOP by text): nothing more is sent
    to them on any channel, and the audit log and their care team (``staff_note``) hear of it."""
    patient.status, patient.paused_until, patient.updated_at = PatientStatus.STOPPED, None, now
    audit.by_patient(session, ctx, patient, "patient.stopped", now)
    await tell_staff(session, patient.clinic_id, staff_note, now, patient.id)


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
        st(
            "FYI: {name} is back: the bot messages them again.",
            name=patient.display_name or st("A patient"),
        ),
        now,
        patient.id,
    )
    lang = supported(patient.language) or DEFAULT
    return [
        Reply(t(lang, "Welcome back! Your reminders are on again. Send /schedule to see them."))
    ]
