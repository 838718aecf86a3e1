"""The check tier: "Are you safe right now?" after an ambiguous risk signal, and what follows.

"I need help now" is a crisis (crisis lines at once, an urgent alert); "ask my care team" is a
contact request; "I'm safe" closes it. A question nobody answers within SAFETY_CHECK_MINUTES
alerts the care team at normal urgency, once. Staff read that a check was asked, never the words
that led to it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from bot.db.bulk import is_postgres
from bot.db.engine import claiming
from bot.db.models import Patient, SafetyCheck
from bot.domain import risk
from bot.domain.replies import Reply, TapResult
from bot.domain.triage import CrisisKind, crisis_reply
from bot.i18n import N_, t
from bot.safety import texts
from bot.services import audit
from bot.services.alerts import raise_alert
from bot.services.context import AppContext
from bot.services.enrolment import patient_by_chat

log = logging.getLogger(__name__)

NOT_VALID = N_("That question isn't open any more, so nothing changed.")
SWEEP_BATCH = 200


async def ask(ctx: AppContext, chat_id: int, lang: str) -> Reply:
    """Ask, or ask again: one open question per patient, re-sent rather than duplicated."""
    now = ctx.clock.now()
    async with ctx.sessions.begin() as session:
        patient = await patient_by_chat(session, chat_id)
        if patient is None:
            # Nobody to alert and no record to keep: the question still comes with the numbers.
            return texts.check_prompt(lang, None)
        open_check = await session.scalar(
            select(SafetyCheck)
            .where(
                SafetyCheck.patient_id == patient.id,
                SafetyCheck.answered_at.is_(None),
                SafetyCheck.alerted_at.is_(None),
            )
            .order_by(SafetyCheck.id.desc())
            .limit(1)
        )
        if open_check is None:
            minutes = ctx.settings.safety_check_minutes
            open_check = SafetyCheck(
                patient_id=patient.id,
                asked_at=now,
                due_at=now + timedelta(minutes=minutes),
                lang=lang,
            )
            session.add(open_check)
            await session.flush()
            audit.record(
                session,
                at=now,
                actor_kind="system",
                action="safety_check.asked",
                clinic_id=patient.clinic_id,
                subject=ctx.patient_ref(patient.id),
                detail={"check_id": open_check.id},
            )
        return texts.check_prompt(open_check.lang, open_check.id)


async def answer(ctx: AppContext, chat_id: int, check_id: int, choice: str) -> TapResult:
    now = ctx.clock.now()
    async with claiming(ctx.sessions) as session:
        patient = await patient_by_chat(session, chat_id)
        check = await session.get(SafetyCheck, check_id)
        if patient is None or check is None or check.patient_id != patient.id:
            return TapResult(notice=t(patient.language if patient else None, NOT_VALID))
        lang = check.lang  # the language the question was asked in
        first = check.answered_at is None
        if first:
            check.answered_at, check.answer = now, choice
        chosen = texts.chosen(choice, lang)
        detail: dict[str, object] = {"check_id": check.id, "answer": choice}
        if choice == texts.HELP:
            # Help now is always honoured, even after an earlier "I'm safe".
            alert = await raise_alert(session, patient, risk.help_now(patient.display_name), now)
            detail["alert_id"] = alert.id if alert else None
            audit.by_patient(session, ctx, patient, "safety_check.answered", now, detail)
            reply = Reply(crisis_reply(CrisisKind.SUICIDE_SELF_HARM, lang=lang))
            return TapResult([reply], notice=t(lang, "OK"), chosen=chosen)
        if not first:
            return TapResult(notice=t(lang, "Already answered. Thank you."))
        if choice == texts.TEAM:
            await raise_alert(session, patient, risk.contact_request(patient.display_name), now)
            audit.by_patient(session, ctx, patient, "safety_check.answered", now, detail)
            return TapResult([Reply(texts.team_reply(lang))], notice=t(lang, "OK"), chosen=chosen)
        audit.by_patient(session, ctx, patient, "safety_check.answered", now, detail)
        return TapResult([Reply(texts.safe_reply(lang))], notice=t(lang, "OK"), chosen=chosen)


async def alert_unanswered(ctx: AppContext) -> int:
    """Alert the care team about every check left unanswered past its time; returns how many."""
    now = ctx.clock.now()
    minutes = round(ctx.settings.safety_check_minutes)
    done = 0
    while True:
        async with claiming(ctx.sessions) as session:
            statement = (
                select(SafetyCheck, Patient)
                .join(Patient, Patient.id == SafetyCheck.patient_id)
                .where(
                    SafetyCheck.answered_at.is_(None),
                    SafetyCheck.alerted_at.is_(None),
                    SafetyCheck.due_at <= now,
                )
                .order_by(SafetyCheck.due_at)
                .limit(SWEEP_BATCH)
            )
            if is_postgres(session):
                statement = statement.with_for_update(skip_locked=True, of=SafetyCheck)
            rows = (await session.execute(statement)).all()
            for check, patient in rows:
                check.alerted_at = now
                finding = risk.safety_check_unanswered(patient.display_name, minutes)
                await raise_alert(session, patient, finding, now)
        done += len(rows)
        if len(rows) < SWEEP_BATCH:
            return done
