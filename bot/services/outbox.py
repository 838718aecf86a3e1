"""Queueing messages for the sender. Every push (reminders, nudges, alerts) goes through here.

Payload contract, read by jobs/sender.py:
    {"text": str,
     "buttons": [[{"label": str, "data": str}, ...], ...],   # inline keyboard, optional
     "sms_text": str,                                        # optional: the text by SMS, before
                                                             # its numbered menu (Reply.sms_text)
     "dose": {"schedule_id": int, "due_at": ISO-8601 UTC},   # optional: reminder of this dose
     "edit_of": int}                                         # optional: instead of sending,
                                                             # edit the message that outbox row
                                                             # delivered to the same chat
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.bulk import insert_ignoring_conflicts
from bot.db.models import OutboxMessage, OutboxStatus
from bot.domain.replies import Reply


def payload_for(reply: Reply, **extra: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {"text": reply.text}
    if reply.buttons:
        payload["buttons"] = [
            [{"label": b.label, "data": b.data} for b in row] for row in reply.buttons
        ]
    if reply.sms_text is not None:
        payload["sms_text"] = reply.sms_text
    payload.update(extra)
    return payload


def outbox_row(
    *,
    chat_id: int,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    patient_id: int | None = None,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
    alert_id: int | None = None,
) -> dict[str, Any]:
    """Column values for a bulk insert of one outbox message. ``alert_id``: the alert a staff
    card shows, so its later edits find it (bot.services.alerts); the key is left out of other
    messages, so a bulk insert of them does not carry a column of nulls."""
    row = {
        "chat_id": chat_id,
        "patient_id": patient_id,
        "kind": kind,
        "payload": payload,
        "dedupe_key": dedupe_key,
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": not_before or now,
        "created_at": now,
    }
    if alert_id is not None:
        row["alert_id"] = alert_id
    return row


def enqueue(session: AsyncSession, **values: Any) -> OutboxMessage:
    """Add one message to the caller's transaction (see ``outbox_row`` for the arguments)."""
    message = OutboxMessage(**outbox_row(**values))
    session.add(message)
    return message


async def enqueue_once(session: AsyncSession, **values: Any) -> None:
    """Queue a message unless one with the same ``dedupe_key`` was ever queued (a no-op then)."""
    if values.get("dedupe_key") is None:
        raise ValueError("enqueue_once needs a dedupe_key")
    await insert_ignoring_conflicts(session, OutboxMessage, [outbox_row(**values)], ("dedupe_key",))
