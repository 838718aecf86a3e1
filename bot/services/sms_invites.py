"""Inviting a patient to enrol by text (issue 16, item 3).

Staff give a phone number and their clinic (``recovery-bot patient invite --phone``, or
``/invite`` in Telegram). The number gets one text naming the clinic and asking for YES; nothing
else is sent to it until the person answers. YES starts the same set-up a Telegram patient goes
through (consent, time zone, plan), by text, in the chat the number's contact gives them
(bot/sms/chats.py); bot/services/sms_inbound.py carries it on.

The invitation is the request for consent US rules ask of a sender before texting (the TCPA's
"prior express consent", and the carriers' opt-in confirmation): it names the sender, says what
will be sent, that rates may apply, and how to stop, and the reply YES is the consent, recorded
with its time on the contact (``opted_in_at``). A number that said STOP is not invited again by
staff: only its own START lifts that.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.bulk import insert_ignoring_conflicts
from bot.db.models import Clinic, SmsContact
from bot.i18n import N_, supported, t
from bot.services import audit, conversations
from bot.services.outbox import enqueue
from bot.sms.chats import chat_for_contact
from bot.sms.phone import mask, parse_phone

__all__ = ["INVITATION", "AlreadyPatient", "Invited", "NumberOptedOut", "invite"]

log = logging.getLogger(__name__)

# i18n: the text that invites a patient to enrol by SMS. It is the consent request US rules
# i18n: ask for: keep the clinic, what is sent, "rates may apply", STOP and HELP. Without á, í,
# i18n: ó or ú (one makes the text UCS-2 and doubles its segments); SI/PARAR/AYUDA as keywords.
INVITATION: Final = N_(
    "{clinic} invites you to get reminders and check-ins by text from this number. "
    "Reply YES to join. Msg & data rates may apply. Reply STOP to opt out, HELP for help."
)
KIND = "sms_invite"


class AlreadyPatient(ValueError):
    """The number belongs to an enrolled patient."""


class NumberOptedOut(ValueError):
    """The number replied STOP; only its own START lifts that."""


@dataclass(frozen=True)
class Invited:
    contact_id: int
    chat_id: int
    masked: str  # the number as staff may see it in a list
    again: bool  # the number had been invited before


async def invite(
    session: AsyncSession,
    clinic: Clinic,
    phone: str,
    now: datetime,
    *,
    language: str = "en",
    actor_kind: str = "operator",
    actor_id: int | None = None,
    default_region: str = "US",
) -> Invited:
    """Invite ``phone`` to enrol with ``clinic`` by text, in the caller's transaction: the
    contact is made or re-pointed at the clinic, a set-up it had begun starts over, and the
    invitation is queued for the sender.

    Raises :class:`bot.sms.phone.InvalidPhone`, :class:`AlreadyPatient` or
    :class:`NumberOptedOut`.
    """
    e164 = parse_phone(phone, default_region)
    lang = supported(language) or "en"
    await insert_ignoring_conflicts(
        session,
        SmsContact,
        [{"phone": e164, "language": lang, "created_at": now, "updated_at": now}],
        ["phone"],
    )
    contact = await session.scalar(
        select(SmsContact).where(SmsContact.phone == e164).with_for_update()
    )
    assert contact is not None  # inserted above or already there
    if contact.patient_id is not None:
        raise AlreadyPatient("this number belongs to an enrolled patient")
    if contact.opted_out_at is not None:
        raise NumberOptedOut("this number replied STOP")
    again = contact.invited_at is not None
    contact.clinic_id = clinic.id
    contact.language = lang
    contact.invited_at = now
    contact.menu = None
    contact.updated_at = now
    chat = chat_for_contact(contact.id)
    await conversations.end(session, chat)
    enqueue(
        session,
        chat_id=chat,
        kind=KIND,
        payload={"text": t(lang, INVITATION, clinic=clinic.name)},
        now=now,
        dedupe_key=f"invite:{contact.id}:{now.isoformat()}",
    )
    audit.record(
        session,
        at=now,
        actor_kind=actor_kind,
        actor_id=actor_id,
        clinic_id=clinic.id,
        action="patient.invited_by_text",
        subject=f"sms_contact:{contact.id}",
        detail={"language": lang, "again": again},
    )
    log.info("sms invitation queued for %s", mask(e164))
    return Invited(contact.id, chat, mask(e164), again)
