"""A patient's answer to a dose reminder: taken, snoozed, skipped, or an injection confirmed.

Every answer is in the patient's language (``Patient.language``)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.db.models import DoseEvent, DoseStatus, Patient, Schedule, ScheduleKind
from bot.domain import reminders, texts
from bot.domain.reminders import Action, DoseTap
from bot.domain.replies import TapResult
from bot.domain.schedules import next_due
from bot.i18n import N_, t
from bot.services import audit
from bot.services.context import AppContext
from bot.services.plans import plan_for

log = logging.getLogger(__name__)

NOT_YOURS = N_("That button isn't valid any more, so nothing changed.")
_OPEN = (DoseStatus.PENDING, DoseStatus.MISSED, DoseStatus.MISSED_NOT_REMINDED)


def _local(when: datetime, zone: str) -> str:
    return when.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def _already(status: str, at: str | None, lang: str) -> str:
    """A dose answered before (taken or skipped): what was recorded, and when."""
    if status == DoseStatus.SKIPPED:
        if at is None:
            return t(lang, "Already recorded (skipped earlier).")
        return t(lang, "Already recorded (skipped at {time}).", time=at)
    if at is None:
        return t(lang, "Already recorded (taken earlier).")
    return t(lang, "Already recorded (taken at {time}).", time=at)


async def answer_dose(
    ctx: AppContext, chat_id: int, tap: DoseTap, *, lang: str = "en"
) -> TapResult:
    """``lang``: the language of whoever tapped, for the one answer given before the dose (and
    its patient) is found; every other answer is in the patient's own language."""
    now = ctx.clock.now()
    async with ctx.sessions.begin() as session:
        found = (
            await session.execute(
                select(DoseEvent, Schedule, Patient)
                .join(Schedule, Schedule.id == DoseEvent.schedule_id)
                .join(Patient, Patient.id == DoseEvent.patient_id)
                .where(DoseEvent.schedule_id == tap.schedule_id, DoseEvent.due_at == tap.due_at)
                .with_for_update(of=DoseEvent)
            )
        ).first()
        # Someone else's dose and a dose that never existed look the same from here: a forged
        # button learns nothing about other patients.
        if found is None or found[2].chat_id != chat_id:
            return TapResult(notice=t(lang, NOT_YOURS))
        dose, schedule, patient = found
        lang = patient.language
        # Their own schedule, but a button made for an earlier record of theirs (erased, then
        # enrolled again, and the id came round): not this dose. Untagged buttons, from before
        # tags, keep the old rule above (bot/domain/callback_tags.py).
        if tap.tag is not None and not tap.made_for(patient.id):
            return TapResult(notice=t(lang, texts.STALE_BUTTON))
        zone = schedule.timezone
        at = _local(now, zone)
        if tap.skip_reason is not None:
            if dose.status != DoseStatus.SKIPPED:
                return TapResult(notice=t(lang, NOT_YOURS))
            dose.skip_reason = tap.skip_reason
            label = reminders.skip_reason_label(tap.skip_reason, lang).lower()
            return TapResult(
                notice=t(lang, "Thanks for telling me."),
                chosen=t(lang, "Skipped ({reason})", reason=label),
            )
        if dose.status not in _OPEN:
            answered = _local(dose.answered_at, zone) if dose.answered_at else None
            return TapResult(notice=_already(dose.status, answered, lang))

        action = tap.action
        if action in (Action.TAKEN, Action.INJECTION_DONE):
            late = now > dose.window_ends_at
            dose.status, dose.answered_at, dose.snoozed_until = DoseStatus.TAKEN, now, None
            patient.stats_version += 1
            if schedule.kind == ScheduleKind.MONTHLY_INJECTION:
                _next_injection_cycle(schedule, now)
            audit.by_patient(session, ctx, patient, "dose.taken", now, {"late": late})
            label = reminders.DONE if action == Action.INJECTION_DONE else reminders.TAKEN
            return TapResult(
                notice=t(lang, "Recorded. Well done!"),
                chosen=reminders.answered(label, at, late, lang=lang),
            )
        if action == Action.SNOOZE_MENU:
            return TapResult(
                buttons=reminders.snooze_buttons(schedule.id, dose.due_at, patient.id, lang=lang)
            )
        if tap.snooze_minutes is not None:
            until = now + timedelta(minutes=tap.snooze_minutes)
            dose.snoozed_until = until
            return TapResult(
                notice=t(lang, "Okay, I'll remind you again."),
                chosen=t(lang, "Snoozed until {time}", time=_local(until, zone)),
            )
        if action == Action.INJECTION_NOT_YET:
            dose.snoozed_until = now + timedelta(days=1)
            return TapResult(
                notice=t(lang, "No problem."), chosen=t(lang, "Not yet: I'll ask again tomorrow")
            )
        if action == Action.SKIP:
            dose.status, dose.answered_at, dose.snoozed_until = DoseStatus.SKIPPED, now, None
            patient.stats_version += 1
            return TapResult(
                notice=t(lang, "Skipped. That's okay."),
                chosen=t(lang, "Skipped at {time}. Want to say why? (optional)", time=at),
                buttons=reminders.skip_reason_buttons(
                    schedule.id, dose.due_at, patient.id, lang=lang
                ),
            )
    return TapResult(notice=t(lang, NOT_YOURS))


def _next_injection_cycle(schedule: Schedule, now: datetime) -> None:
    """Count the next injection from the day this one was actually given."""
    interval = schedule.injection_interval_days or 28
    given = now.astimezone(ZoneInfo(schedule.timezone)).date()
    schedule.injection_date = given + timedelta(days=interval)
    plan = plan_for(schedule)
    schedule.next_due_at = next_due(plan, now)
    schedule.updated_at = now
