"""A patient's answer to a dose reminder: taken, snoozed, skipped, or an injection confirmed."""

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
from bot.services import audit
from bot.services.context import AppContext
from bot.services.plans import plan_for

log = logging.getLogger(__name__)

NOT_YOURS = "That button isn't valid any more, so nothing changed."
_OPEN = (DoseStatus.PENDING, DoseStatus.MISSED, DoseStatus.MISSED_NOT_REMINDED)


def _local(when: datetime, zone: str) -> str:
    return when.astimezone(ZoneInfo(zone)).strftime("%H:%M")


async def answer_dose(ctx: AppContext, chat_id: int, tap: DoseTap) -> TapResult:
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
            return TapResult(notice=NOT_YOURS)
        dose, schedule, patient = found
        # Their own schedule, but a button made for an earlier record of theirs (erased, then
        # enrolled again, and the id came round): not this dose. Untagged buttons, from before
        # tags, keep the old rule above (bot/domain/callback_tags.py).
        if tap.tag is not None and not tap.made_for(patient.id):
            return TapResult(notice=texts.STALE_BUTTON)
        zone = schedule.timezone
        at = _local(now, zone)
        if tap.skip_reason is not None:
            if dose.status != DoseStatus.SKIPPED:
                return TapResult(notice=NOT_YOURS)
            dose.skip_reason = tap.skip_reason
            label = reminders.SKIP_REASONS[tap.skip_reason].lower()
            return TapResult(notice="Thanks for telling me.", chosen=f"Skipped ({label})")
        if dose.status not in _OPEN:
            answered = _local(dose.answered_at, zone) if dose.answered_at else "earlier"
            return TapResult(notice=f"Already recorded ({dose.status} at {answered}).")

        action = tap.action
        if action in (Action.TAKEN, Action.INJECTION_DONE):
            late = now > dose.window_ends_at
            dose.status, dose.answered_at, dose.snoozed_until = DoseStatus.TAKEN, now, None
            patient.stats_version += 1
            if schedule.kind == ScheduleKind.MONTHLY_INJECTION:
                _next_injection_cycle(schedule, now)
            audit.by_patient(session, ctx, patient, "dose.taken", now, {"late": late})
            label = "Done" if action == Action.INJECTION_DONE else "Taken"
            return TapResult(
                notice="Recorded. Well done!", chosen=reminders.answered(label, at, late)
            )
        if action == Action.SNOOZE_MENU:
            return TapResult(buttons=reminders.snooze_buttons(schedule.id, dose.due_at, patient.id))
        if tap.snooze_minutes is not None:
            until = now + timedelta(minutes=tap.snooze_minutes)
            dose.snoozed_until = until
            return TapResult(
                notice="Okay, I'll remind you again.", chosen=f"Snoozed until {_local(until, zone)}"
            )
        if action == Action.INJECTION_NOT_YET:
            dose.snoozed_until = now + timedelta(days=1)
            return TapResult(notice="No problem.", chosen="Not yet: I'll ask again tomorrow")
        if action == Action.SKIP:
            dose.status, dose.answered_at, dose.snoozed_until = DoseStatus.SKIPPED, now, None
            patient.stats_version += 1
            return TapResult(
                notice="Skipped. That's okay.",
                chosen=f"Skipped at {at}. Want to say why? (optional)",
                buttons=reminders.skip_reason_buttons(schedule.id, dose.due_at, patient.id),
            )
    return TapResult(notice=NOT_YOURS)


def _next_injection_cycle(schedule: Schedule, now: datetime) -> None:
    """Count the next injection from the day this one was actually given."""
    interval = schedule.injection_interval_days or 28
    given = now.astimezone(ZoneInfo(schedule.timezone)).date()
    schedule.injection_date = given + timedelta(days=interval)
    plan = plan_for(schedule)
    schedule.next_due_at = next_due(plan, now)
    schedule.updated_at = now
