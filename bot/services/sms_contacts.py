"""A patient's phone number and the channel they are reached on (issue 16, step 4).

A patient is reached on Telegram unless they prefer texts: ``Patient.preferred_channel`` is
"telegram" for everyone until :func:`set_phone` (or :func:`set_channel`) says "sms", which needs
their number linked as an :class:`SmsContact` (``SmsContact.patient_id``). The outbox sender
reads both when it sends (jobs/sender.py); nothing else about a patient changes: their chat,
their schedules and their Telegram messages stay as they were.

Numbers are parsed with :func:`bot.sms.phone.parse_phone` and stored in E.164. A number is one
person's: linking one that already belongs to another patient is refused (:class:`PhoneTaken`).
A number that texted us before (it may have sent STOP) keeps its row, opt-out included, and is
linked. A patient's previous number, when they give a new one, is deleted: it is their personal
data and nothing of ours needs it any more.

Logs name numbers only masked.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.bulk import insert_ignoring_conflicts
from bot.db.models import Channel, Patient, SmsContact
from bot.sms.chats import is_text_only
from bot.sms.phone import mask, parse_phone

__all__ = [
    "NoPhone",
    "PhoneTaken",
    "TextOnly",
    "contact_of",
    "remove_phone",
    "set_channel",
    "set_phone",
]

log = logging.getLogger(__name__)


class PhoneTaken(ValueError):
    """The number is linked to another patient."""

    def __init__(self) -> None:
        super().__init__("that phone number belongs to another patient")


class NoPhone(ValueError):
    """Texts were asked for, but the patient has no phone number."""

    def __init__(self) -> None:
        super().__init__("the patient has no phone number to text")


class TextOnly(ValueError):
    """The patient enrolled by text and has no Telegram chat: texts are their only channel."""

    def __init__(self) -> None:
        super().__init__(
            "the patient enrolled by text and has no Telegram chat; their number is how they are "
            "reached (to stop everything they reply STOP, or /delete to be erased)"
        )


async def contact_of(session: AsyncSession, patient_id: int) -> SmsContact | None:
    """The patient's linked number, if any."""
    found: SmsContact | None = await session.scalar(
        select(SmsContact).where(SmsContact.patient_id == patient_id)
    )
    return found


async def set_phone(
    session: AsyncSession,
    patient: Patient,
    phone: str,
    now: datetime,
    *,
    channel: Channel | str | None = Channel.SMS,
    default_region: str = "US",
) -> SmsContact:
    """Link ``phone`` (any form :func:`parse_phone` reads) to ``patient`` in the caller's
    transaction, and make ``channel`` their preferred one (None: leave it as it is).

    Raises :class:`bot.sms.phone.InvalidPhone` for a number that cannot be one, and
    :class:`PhoneTaken` for one linked to someone else.
    """
    e164 = parse_phone(phone, default_region)
    await insert_ignoring_conflicts(
        session,
        SmsContact,
        [
            {
                "phone": e164,
                "clinic_id": patient.clinic_id,
                "language": patient.language,
                "created_at": now,
                "updated_at": now,
            }
        ],
        ["phone"],
    )
    contact = await session.scalar(
        select(SmsContact).where(SmsContact.phone == e164).with_for_update()
    )
    assert contact is not None  # inserted above or already there
    if contact.patient_id is not None and contact.patient_id != patient.id:
        log.info("sms number %s not linked: it belongs to another patient", mask(e164))
        raise PhoneTaken
    if contact.patient_id is None:
        # Their previous number, if any, goes: a patient has one.
        await session.execute(
            delete(SmsContact)
            .where(SmsContact.patient_id == patient.id, SmsContact.id != contact.id)
            .execution_options(synchronize_session=False)
        )
        contact.patient_id = patient.id
        contact.clinic_id = patient.clinic_id
        contact.language = patient.language
        contact.updated_at = now
        await session.flush()
        log.info("sms number %s linked to a patient", mask(e164))
    if channel is not None:
        await set_channel(session, patient, channel, now)
    return contact


async def set_channel(
    session: AsyncSession, patient: Patient, channel: Channel | str, now: datetime
) -> None:
    """Make ``channel`` the patient's preferred one; texts need a linked number (:class:`NoPhone`
    otherwise). Raises ValueError for a channel that does not exist, and :class:`TextOnly` for
    Telegram when the patient has no Telegram chat."""
    chosen = Channel(channel)
    if chosen is Channel.SMS and await contact_of(session, patient.id) is None:
        raise NoPhone
    if chosen is Channel.TELEGRAM and is_text_only(patient.chat_id):
        raise TextOnly
    if patient.preferred_channel != chosen.value:
        patient.preferred_channel = chosen.value
        patient.updated_at = now


async def remove_phone(session: AsyncSession, patient: Patient, now: datetime) -> bool:
    """Delete the patient's number and reach them on Telegram again; True if they had one.

    Refused (:class:`TextOnly`) for a patient who enrolled by text: without the number nothing
    could reach them, and their reminders would go nowhere."""
    if is_text_only(patient.chat_id):
        raise TextOnly
    removed = await session.execute(
        delete(SmsContact)
        .where(SmsContact.patient_id == patient.id)
        .execution_options(synchronize_session=False)
    )
    if patient.preferred_channel != Channel.TELEGRAM.value:
        patient.preferred_channel = Channel.TELEGRAM.value
        patient.updated_at = now
    return bool(getattr(removed, "rowcount", 0))


async def remember_menu(
    session: AsyncSession, contact_id: int, menu: tuple[tuple[str, str], ...], now: datetime
) -> None:
    """What the number's next numbered reply answers: ``menu``'s (typed key, button data)
    pairs, or, when empty, the latest reminder (bot/sms/render.py, ``SmsText.menu``). The last
    question texted wins."""
    await session.execute(
        update(SmsContact)
        .where(SmsContact.id == contact_id)
        .values(menu=[list(pair) for pair in menu] or None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
