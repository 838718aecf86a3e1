"""Check-ins: starting one (scheduled or on request), recording each tap, the optional note,
and what the patient hears back.

Answers are recorded as they come, so a craving of 9 reaches the care team even if the patient
stops before the last question. Only one check-in is open per patient: a new one closes the old
one quietly, so they never stack up.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import CheckIn, CheckInStatus, Patient
from bot.domain import checkins, risk, texts
from bot.domain.checkins import Answers, CheckInTap, Frequency, Question, Use
from bot.domain.replies import Button, Reply, TapResult
from bot.i18n import N_, t
from bot.qa.coping import pick
from bot.services import audit, conversations
from bot.services.alerts import raise_alert
from bot.services.context import AppContext
from bot.services.enrolment import patient_by_chat
from bot.services.risk_rules import check_in_answers

log = logging.getLogger(__name__)

NOTE_FLOW = "checkin_note"
NOT_YOURS = N_("That button isn't valid any more, so nothing changed.")


def answers_of(check_in: CheckIn) -> Answers:
    use = Use(check_in.substance_use) if check_in.substance_use else None
    return Answers(check_in.craving, check_in.mood, use)


async def close_open(session: AsyncSession, patient_id: int, now: datetime) -> None:
    """Close the patient's open check-in, if any, without a word to them (part-answered
    counts as answered: the patient did respond)."""
    await session.execute(
        update(CheckIn)
        .where(CheckIn.patient_id == patient_id, CheckIn.status == CheckInStatus.OPEN)
        .values(
            status=case(
                (CheckIn.answered_at.is_(None), CheckInStatus.EXPIRED.value),
                else_=CheckInStatus.ANSWERED.value,
            )
        )
        .execution_options(synchronize_session=False)
    )


async def open_check_in(
    ctx: AppContext, session: AsyncSession, patient: Patient, now: datetime, due_at: datetime | None
) -> CheckIn:
    await close_open(session, patient.id, now)
    patient.stats_version += 1  # a closed check-in counts in their response rate
    check_in = CheckIn(
        patient_id=patient.id,
        created_at=now,
        due_at=due_at,
        status=CheckInStatus.OPEN,
        expires_at=now + timedelta(hours=ctx.settings.checkin_expiry_hours),
    )
    session.add(check_in)
    await session.flush()
    return check_in


async def start_now(ctx: AppContext, session: AsyncSession, patient: Patient) -> list[Reply]:
    """``/checkin``: the patient starts one themselves."""
    now = ctx.clock.now()
    check_in = await open_check_in(ctx, session, patient, now, None)
    audit.by_patient(session, ctx, patient, "checkin.started", now)
    return [
        checkins.question_reply(
            check_in.id,
            Answers(),
            checkins.STARTED_BY_PATIENT,
            patient_id=patient.id,
            lang=patient.language,
        )
    ]


def _contact_buttons(lang: str) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button(t(lang, texts.CONTACT_YES), "cc:yes"),
            Button(t(lang, texts.CONTACT_NO), "cc:no"),
        ),
    )


async def answer(ctx: AppContext, chat_id: int, tap: CheckInTap) -> TapResult:
    now = ctx.clock.now()
    async with ctx.sessions.begin() as session:
        patient = await patient_by_chat(session, chat_id)
        check_in = await session.get(CheckIn, tap.check_in_id)
        # Someone else's check-in and one that never existed look the same from here.
        if patient is None or check_in is None or check_in.patient_id != patient.id:
            return TapResult(notice=t(patient.language if patient else None, NOT_YOURS))
        lang = patient.language
        # Their own check-in, but the button was made for an earlier record of theirs (erased,
        # enrolled again, and the id came round). Untagged buttons keep the old rule above.
        if tap.tag is not None and not tap.made_for(patient.id):
            return TapResult(notice=t(lang, texts.STALE_BUTTON))
        if tap.question is Question.NOTE:
            await conversations.end(session, chat_id)
            done = checkins.done_text(answers_of(check_in), lang)
            return TapResult(notice=t(lang, "Okay."), edit=Reply(done))
        if check_in.status == CheckInStatus.EXPIRED:
            closed = t(lang, checkins.CLOSED)
            return TapResult(notice=closed, edit=Reply(closed))
        before = answers_of(check_in)
        if before.next_question is not tap.question:
            return TapResult(notice=t(lang, checkins.ALREADY_ANSWERED))
        just: Answers
        if tap.question is Question.CRAVING:
            check_in.craving = tap.craving()
            just = Answers(craving=check_in.craving)
        elif tap.question is Question.MOOD:
            check_in.mood = tap.mood()
            just = Answers(mood=check_in.mood)
        else:
            use = tap.use()
            check_in.substance_use = use.value if use else None
            just = Answers(use=use)
        check_in.answered_at = now
        patient.stats_version += 1
        await check_in_answers(ctx, session, patient, just, now)
        after = answers_of(check_in)
        if after.next_question is not None:
            intro = checkins.INTRO if check_in.due_at else checkins.STARTED_BY_PATIENT
            return TapResult(
                edit=checkins.question_reply(
                    check_in.id, after, intro, patient_id=patient.id, lang=lang
                )
            )
        check_in.status = CheckInStatus.ANSWERED
        audit.by_patient(session, ctx, patient, "checkin.answered", now)
        replies = _follow_ups(ctx, check_in, after, lang)
        thanks = t(lang, "Thank you!")
        if ctx.settings.note_retention_days == 0:  # notes are not kept: don't ask for one
            return TapResult(replies, notice=thanks, edit=Reply(checkins.done_text(after, lang)))
        await conversations.begin(session, chat_id, NOTE_FLOW, "note", {"id": check_in.id}, now)
        note = Reply(
            f"{checkins.done_text(after, lang)}\n\n{t(lang, checkins.NOTE_PROMPT)}",
            checkins.note_buttons(check_in.id, patient.id, lang),
        )
        return TapResult(replies, notice=thanks, edit=note)


def _follow_ups(ctx: AppContext, check_in: CheckIn, answers: Answers, lang: str) -> list[Reply]:
    replies = []
    if answers.use is not None and answers.use is not Use.NO:
        replies.append(Reply(texts.after_reported_use(lang=lang), _contact_buttons(lang)))
    if answers.craving is not None and answers.craving >= ctx.settings.craving_alert_threshold:
        drug_use = answers.use in (Use.OPIOIDS, Use.OTHER)
        prompts = pick(check_in.id, drug_use=drug_use)
        said = [(p.text_in(lang), p.source_in(lang)) for p in prompts]
        replies.append(Reply(texts.coping(said, lang=lang)))
    return replies


async def add_note(
    ctx: AppContext, session: AsyncSession, chat_id: int, check_in_id: int, text: str
) -> list[Reply]:
    """The typed note after a check-in (already through crisis triage)."""
    now = ctx.clock.now()
    await conversations.end(session, chat_id)
    patient = await patient_by_chat(session, chat_id)
    check_in = await session.get(CheckIn, check_in_id)
    if patient is None or check_in is None or check_in.patient_id != patient.id:
        return [Reply(t(patient.language if patient else None, texts.NOTHING_TO_CANCEL))]
    check_in.note = text.strip()[: checkins.NOTE_MAX_LENGTH]
    check_in.noted_at = now
    audit.by_patient(session, ctx, patient, "checkin.note", now)
    return [Reply(t(patient.language, checkins.NOTE_THANKS))]


async def contact_request(ctx: AppContext, chat_id: int, yes: bool) -> TapResult:
    """The patient answered "would you like your care team to reach out?"."""
    now = ctx.clock.now()
    async with ctx.sessions.begin() as session:
        patient = await patient_by_chat(session, chat_id)
        if patient is None:
            return TapResult(notice=t(None, NOT_YOURS))
        lang = patient.language
        if not yes:
            return TapResult(chosen=t(lang, texts.CONTACT_DECLINED))
        await raise_alert(session, patient, risk.contact_request(patient.display_name), now)
        audit.by_patient(session, ctx, patient, "contact.requested", now)
    return TapResult(notice=t(lang, "Done."), chosen=t(lang, texts.CONTACT_REQUESTED))


# ---------------------------------------------------------------------- the schedule


def schedule_of(patient: Patient) -> tuple[Frequency, int | None, str | None]:
    return Frequency(patient.checkin_frequency), patient.checkin_weekday, patient.checkin_time


async def due_patients(
    session: AsyncSession, now: datetime, limit: int, lock: bool
) -> list[Patient]:
    statement = (
        select(Patient)
        .where(Patient.next_checkin_at.is_not(None), Patient.next_checkin_at <= now)
        .order_by(Patient.next_checkin_at)
        .limit(limit)
    )
    if lock:
        statement = statement.with_for_update(skip_locked=True)
    return list(await session.scalars(statement))
