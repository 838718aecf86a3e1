"""Twilio's delivery receipts (issue 16, step 4): what became of each text the sender sent.

Twilio posts a receipt to ``/sms/twilio/status`` (bot/sms/webhook.py) each time a text moves on:
queued or accepted, sending, sent (handed to the carrier), then delivered, undelivered or
failed. The outbox row is found by Twilio's message sid (``OutboxMessage.sms_sid``, indexed)
and its ``delivery_status`` moves forward only: receipts can arrive out of order (Twilio posts
them concurrently and retries), and a late "sent" must not undo "delivered". Once a text is
delivered, undelivered or failed, nothing but "read" moves it (and only after delivered).
``OutboxMessage.status`` stays "sent": Twilio took the text; the receipt says whether it arrived.

A dose reminder that was undelivered or failed did not reach the patient, so it counts the way
a Telegram reminder that could not be sent does: ``DoseEvent.reminded_at`` goes back to null
while the dose is still open, and the follow-up sweep then records the dose as
``missed_not_reminded`` (no miss against the patient, no missed-dose note, no alert) rather than
``missed``. Only when the reminder being undone is the one that set ``reminded_at`` (its row's
``sent_at``): a later re-send (a snooze) that did arrive is not undone by an earlier text's
failure.

An unknown sid (a text sent before this step, from another deployment, or a forged receipt that
got past the signature) changes nothing. Nothing here logs a number or a body.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import DoseEvent, DoseStatus, OutboxMessage, Patient
from bot.services.context import AppContext
from bot.sms.gateway import describe

__all__ = ["RANK", "record_receipt"]

log = logging.getLogger(__name__)

# How far along a text is: a receipt is stored only when it moves the row forward.
RANK: dict[str, int] = {
    "accepted": 0,
    "queued": 0,
    "scheduled": 0,
    "sending": 1,
    "sent": 2,
    "delivered": 3,
    "undelivered": 3,
    "failed": 3,
    "canceled": 3,
    "read": 4,
}
NOT_DELIVERED = frozenset({"undelivered", "failed"})


async def record_receipt(
    ctx: AppContext, sid: str, status: str, error_code: int | None, now: datetime
) -> bool:
    """Store one receipt; True if it changed the row (False: unknown sid, unknown status, or a
    receipt that would move the row backwards)."""
    rank = RANK.get(status)
    if rank is None or not sid:
        return False
    async with ctx.sessions.begin() as session:
        message = await session.scalar(
            select(OutboxMessage).where(OutboxMessage.sms_sid == sid).with_for_update()
        )
        if message is None:
            log.info("sms receipt for an unknown message: nothing changed")
            return False
        current = RANK.get(message.delivery_status or "", -1)
        if rank <= current or (status == "read" and message.delivery_status != "delivered"):
            log.debug("outbox %d: receipt %s after %s ignored", message.id, status, current)
            return False
        message.delivery_status = status
        message.delivery_updated_at = now
        if status in NOT_DELIVERED:
            message.last_error = f"sms {status}: {describe(error_code)}"[:300]
            await _not_reminded(session, message)
        log.info("outbox %d: text %s", message.id, status)
        return True


async def _not_reminded(session: AsyncSession, message: OutboxMessage) -> None:
    """An undelivered reminder: its dose counts as not reminded, as for Telegram."""
    dose = message.payload.get("dose") if isinstance(message.payload, dict) else None
    if message.kind != "reminder" or not isinstance(dose, dict) or message.sent_at is None:
        return
    try:
        schedule_id = int(dose["schedule_id"])
        due_at = datetime.fromisoformat(str(dose["due_at"]))
    except (KeyError, TypeError, ValueError):
        return
    if due_at.tzinfo is None:
        due_at = due_at.replace(tzinfo=UTC)
    undone = await session.execute(
        update(DoseEvent)
        .where(
            DoseEvent.schedule_id == schedule_id,
            DoseEvent.due_at == due_at,
            DoseEvent.status == DoseStatus.PENDING,
            DoseEvent.reminded_at == message.sent_at,
        )
        .values(reminded_at=None)
        .execution_options(synchronize_session=False)
    )
    if getattr(undone, "rowcount", 0) and message.patient_id is not None:
        await session.execute(
            update(Patient)
            .where(Patient.id == message.patient_id)
            .values(stats_version=Patient.stats_version + 1)
        )
