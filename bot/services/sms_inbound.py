"""What an inbound text does and what we text back (issue 16, steps 3 and 4).

The order is the carriers' and then the safety net's:

1. A whole-message keyword (:func:`bot.sms.keywords.classify`). STOP and its synonyms record the
   opt-out and answer *nothing*: Twilio (or the carrier) sends the one confirmation the rules
   allow, and a text of ours after it would be one too many. START clears it and confirms; HELP
   says who the number is for, how to stop, and 988. A lone digit answers a menu: a linked
   patient's latest reminder (below); from anyone else a kind "no question open", with 988 in
   case it was meant as "I need help".
2. Anything else is a person talking and goes through the safety net first
   (:func:`bot.safety.net.assess`): a crisis gets the crisis reply at once, a check gets "are you
   safe right now?", the rest a short note that this number serves clinics' patients, who join
   through their care team.

A number linked to a patient (``SmsContact.patient_id``, step 4) is that patient talking:

* a lone 1, 2 or 3 answers their latest reminder exactly as its buttons do (taken, snooze 30
  minutes, skip; for an injection 1 done, 2 not yet), through the same service the Telegram
  buttons call (:func:`bot.services.doses.answer_dose`); with no reminder open, the "no question
  open" text;
* anything else goes the way a Telegram message from them goes (:meth:`Inbox.text`): the safety
  net first (a crisis alerts their care team, a check is stored and its silence alerts staff),
  then their conversation in progress or an answer from the curated content. Buttons in those
  replies are left out: the check question's answers cannot be given by number yet, so an
  unanswered check alerts staff, as on Telegram when nobody taps.

A number nobody is linked to gets the crisis reply without saying the care team was told, and
the check question without numbered answers, as on Telegram for someone we hold no record of:
an answer would find no open question, and no one would hear about it.

STOP from the number of a patient reached by text is their /stop (stopped on every channel,
audited, their care team told) and START their /start (bot.services.consent.come_back).

A number that has opted out gets nothing but START's confirmation: Twilio refuses to deliver
anything else to it (error 21610), crisis replies included.

Which language: Spanish when the keyword is (PARAR, AYUDA) or the message reads as Spanish
(:func:`bot.safety.language.detect`); otherwise the contact's language, English for a number
we do not know. STOP, START and HELP are the words carriers use whatever one's language, so
they say nothing about it; a contact's language is set by a Spanish keyword.

Phone numbers appear in logs masked (:func:`bot.sms.phone.mask`), never the words of a text.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.bulk import insert_ignoring_conflicts
from bot.db.models import (
    Channel,
    Clinic,
    DoseEvent,
    DoseStatus,
    Patient,
    PatientStatus,
    Schedule,
    ScheduleKind,
    SmsContact,
)
from bot.domain import reminders
from bot.domain.onboarding import yes_no
from bot.domain.reminders import parse_tap, tap_data
from bot.domain.replies import Reply
from bot.domain.triage import crisis_reply
from bot.i18n import N_, st, t
from bot.safety import texts as safety_texts
from bot.safety.language import detect
from bot.safety.net import Assessment, assess
from bot.services import conversations
from bot.services.consent import come_back, record_stop
from bot.services.context import AppContext
from bot.services.doses import answer_dose
from bot.services.inbox import Inbox, Sender
from bot.services.sms_contacts import remember_menu
from bot.sms.chats import chat_for_contact
from bot.sms.keywords import Inbound, InboundKind, asks_to_stop, classify
from bot.sms.phone import mask
from bot.sms.render import render_reply

__all__ = [
    "HELP",
    "HELP_FOR_CLINIC",
    "HOW_TO_STOP",
    "INVITATION",
    "NO_OPEN_QUESTION",
    "OPTED_IN",
    "handle_inbound",
]

log = logging.getLogger(__name__)

# Kept to one or two segments (tests/unit/test_sms_texts.py): in Spanish, á, í, ó and ú would
# make the whole text UCS-2 and its segments 70 characters long, so these texts do without.
# i18n: the reply to HELP/AYUDA from a number linked to a clinic. At most 2 SMS segments:
# i18n: one á, í, ó or ú halves what fits (UCS-2), so this text does without them.
HELP_FOR_CLINIC: Final = N_(
    "{clinic}: reminders and check-ins for patients. Questions? Ask your care team. "
    "Reply STOP to stop. In a crisis, call or text 988, or call 911."
)
# i18n: the reply to HELP/AYUDA from any other number. At most 2 SMS segments:
# i18n: one á, í, ó or ú halves what fits (UCS-2), so this text does without them.
HELP: Final = N_(
    "This number sends reminders and check-ins for clinics' patients. Questions? Ask your "
    "care team. Reply STOP to stop. In a crisis, call or text 988, or call 911."
)
# i18n: the reply to START. One SMS segment: 160 letters without á, í, ó or ú, 70 with one.
OPTED_IN: Final = N_("You will get texts from this number again. Reply STOP to stop.")
NO_OPEN_QUESTION: Final = N_(
    "Thanks. I don't have a question open for you right now, so there is nothing to answer. "
    "If you need help now, call or text 988, or call 911."
)
# i18n: the answer to a request in words to stop the texts ("stop texting me", "take me off
# i18n: this list"). One SMS segment: without á, í, ó or ú. STOP/PARAR and START stay as they are.
HOW_TO_STOP: Final = N_(
    "To stop all texts from this number, reply STOP. To get them again, reply START."
)
INVITATION: Final = N_(
    "Hi! This number sends reminders for clinics' patients. To join, please ask your care team "
    "to invite this number. If you are in danger, call or text 988, or call 911."
)
# i18n: the answer to an invited number that has not said YES or NO yet. Without á, í, ó or ú.
REPLY_YES: Final = N_(
    "To get reminders and check-ins from {clinic} by text, reply YES. Reply STOP to opt out."
)
# i18n: the answer to NO after an invitation to enrol by text. Without á, í, ó or ú.
DECLINED: Final = N_(
    "Okay, you will not be signed up. If you change your mind, ask your care team to invite "
    "you again."
)
# i18n: a number that is not one of the answers offered; {first} and {last} are the ends.
PICK_A_NUMBER: Final = N_("Please reply with one of the numbers offered, {first} to {last}.")
# i18n: /mydata by SMS: a file cannot be texted (issue 16, item 7).
MYDATA_BY_TEXT: Final = N_(
    "A copy of everything we hold about you cannot be sent by text. Please ask your care team: "
    "they can export it for you."
)


async def handle_inbound(ctx: AppContext, phone: str, body: str, now: datetime) -> list[str]:
    """The texts to answer ``body`` from ``phone`` (E.164) with, in order; [] for none.

    STOP and START are recorded on the number's :class:`SmsContact` (made on first use);
    anything else only reads it, and is answered even when the database cannot be read: the
    safety net needs none, and a crisis must not go unanswered for want of a language setting.
    """
    inbound = classify(body)
    if inbound.kind in (InboundKind.OPT_OUT, InboundKind.OPT_IN):
        return await _opt_out_or_in(ctx, phone, inbound, now)
    contact: SmsContact | None = None
    clinic: str | None = None
    patient: Patient | None = None
    try:
        async with ctx.sessions() as session:
            contact = await session.scalar(select(SmsContact).where(SmsContact.phone == phone))
            if contact is not None and contact.clinic_id is not None:
                clinic = await session.scalar(
                    select(Clinic.name).where(Clinic.id == contact.clinic_id)
                )
            if contact is not None and contact.patient_id is not None:
                patient = await session.get(Patient, contact.patient_id)
    except SQLAlchemyError as exc:
        # Answered as a number we do not know. Had it opted out, Twilio refuses the reply.
        log.error("sms from %s: contact unreadable (%s)", mask(phone), type(exc).__name__)
    if contact is not None and contact.opted_out_at is not None:
        log.info("sms %s from opted-out %s: nothing sent", inbound.kind, mask(phone))
        return []
    lang = _language(inbound, body, contact)
    if inbound.kind is InboundKind.HELP:
        log.info("sms help from %s", mask(phone))
        return [t(lang, HELP_FOR_CLINIC, clinic=clinic) if clinic else t(lang, HELP)]
    if patient is not None and contact is not None:
        return await _from_patient(ctx, contact, patient, inbound, body, phone, now)
    if contact is not None and contact.invited_at is not None and contact.clinic_id is not None:
        return await _from_invited(ctx, contact, inbound, body, phone, now)
    if inbound.kind is InboundKind.NUMBER:
        log.info("sms numbered reply from %s with no question open", mask(phone))
        return [t(lang, NO_OPEN_QUESTION)]
    assessment = assess(body)
    log.info("sms text from %s: %s", mask(phone), assessment.tier or "no risk")
    return await _handle_unknown(body, assessment, lang)


async def _from_patient(
    ctx: AppContext,
    contact: SmsContact,
    patient: Patient,
    inbound: Inbound,
    body: str,
    phone: str,
    now: datetime,
) -> list[str]:
    """A text from a linked patient's number: a numbered answer, or what they say."""
    lang = patient.language
    sender = Sender(patient.chat_id, language=lang)
    if contact.menu and _menu_reply(inbound, body, contact.menu):
        log.info("sms numbered reply from %s", mask(phone))
        return await _answer_menu(ctx, contact, sender, body, now)
    if inbound.kind is InboundKind.NUMBER and inbound.number is not None:
        log.info("sms numbered reply from %s", mask(phone))
        return await _answer_reminder(ctx, patient, str(inbound.number), lang)
    if asks_to_stop(body) and assess(body).tier is None:
        # Asked in words, after the safety net (a goodbye is sometimes said this way): how to
        # stop, rather than an answer from the content. Only STOP itself opts out.
        log.info("sms request to stop in words from %s", mask(phone))
        return [t(lang, HOW_TO_STOP)]
    replies = await _say(ctx, sender, body)
    log.info("sms text from %s: %d answer(s)", mask(phone), len(replies))
    return await _texted(ctx, contact, sender, replies, now)


async def _from_invited(
    ctx: AppContext, contact: SmsContact, inbound: Inbound, body: str, phone: str, now: datetime
) -> list[str]:
    """A text from a number staff invited to enrol: YES starts the set-up, which then goes on
    by text as on Telegram; the safety net comes first throughout."""
    sender = Sender(chat_for_contact(contact.id), language=contact.language)
    lang = contact.language
    if contact.menu and _menu_reply(inbound, body, contact.menu):
        return await _answer_menu(ctx, contact, sender, body, now)
    if inbound.kind is InboundKind.NUMBER:
        return [t(lang, NO_OPEN_QUESTION)]
    async with ctx.sessions() as session:
        started = await conversations.load(session, sender.chat_id) is not None
        clinic = await session.get(Clinic, contact.clinic_id)
    if started:
        replies = await _say(ctx, sender, body)
        texts = await _texted(ctx, contact, sender, replies, now)
        await _link_if_enrolled(ctx, contact.id, sender.chat_id, now)
        return texts
    assessment = assess(body)
    if assessment.tier is not None or clinic is None:
        return await _handle_unknown(body, assessment, lang)
    decision = yes_no(body)
    if decision is None and asks_to_stop(body):
        return [t(lang, HOW_TO_STOP)]
    if decision is None:
        return [t(lang, REPLY_YES, clinic=clinic.name)]
    async with ctx.sessions.begin() as session:
        held = await session.get(SmsContact, contact.id, with_for_update=True)
        if held is None or held.patient_id is not None or held.invited_at is None:
            return []  # erased, enrolled or declined meanwhile: a text arriving twice
        if not decision:
            held.invited_at = None
            held.updated_at = now
            log.info("sms invitation declined by %s", mask(phone))
            return [t(lang, DECLINED)]
        # The reply YES is the consent to be texted that the invitation asked for.
        held.opted_in_at = now
        held.updated_at = now
    log.info("sms invitation accepted by %s", mask(phone))
    replies = await Inbox(ctx).command(sender, "start", [clinic.invite_code])
    return await _texted(ctx, contact, sender, replies, now)


async def _say(ctx: AppContext, sender: Sender, body: str) -> list[Reply]:
    """What the patient wrote, as the inbox takes it: ``/command`` as a command (whose own
    words after it :meth:`Inbox.command` reads with the safety net first: "/help i want to die"
    is a crisis, "/help" is the help), anything else as a message."""
    words = body.strip().split()
    if not words or not words[0].startswith("/") or len(words[0]) == 1:
        return await Inbox(ctx).text(sender, body)
    name = words[0][1:].lower()
    if name == "mydata" and (len(words) == 1 or assess(" ".join(words[1:])).tier is None):
        # A file cannot be texted.
        return [Reply(t(await Inbox(ctx).language(sender), MYDATA_BY_TEXT))]
    return await Inbox(ctx).command(sender, name, words[1:])


def _menu_reply(inbound: Inbound, body: str, menu: list[Any] | None) -> bool:
    """Whether ``body`` answers the number's menu: one of its keys ("10" on a scale), or a
    lone digit (told it is not one of the choices if it is not). Other numbers are words: a
    ZIP code typed for the time zone."""
    keys = {str(pair[0]) for pair in menu or [] if len(pair) == 2}
    return inbound.kind is InboundKind.NUMBER or _typed_key(body) in keys


def _typed_key(body: str) -> str:
    return body.strip().rstrip(".!").lstrip("#").strip()


async def _answer_menu(
    ctx: AppContext, contact: SmsContact, sender: Sender, body: str, now: datetime
) -> list[str]:
    """A number answering the last numbered question texted: the tap of that button."""
    pairs = [(str(pair[0]), str(pair[1])) for pair in contact.menu or [] if len(pair) == 2]
    choice = dict(pairs).get(_typed_key(body))
    if choice is None:
        lang = await Inbox(ctx).language(sender)
        keys = [key for key, _ in pairs] or ["1"]
        return [t(lang, PICK_A_NUMBER, first=keys[0], last=keys[-1])]
    result = await Inbox(ctx).tap(sender, choice)
    said: list[Reply] = []
    if result.edit is not None:
        said.append(result.edit)
    elif result.buttons:
        said.append(Reply(result.chosen or result.notice or "", result.buttons))
    said.extend(result.replies)
    if not said and (result.notice or result.chosen):
        said.append(Reply(" ".join(x for x in (result.notice, result.chosen) if x)))
    texts = await _texted(ctx, contact, sender, said, now, answered=True)
    if contact.patient_id is None:
        await _link_if_enrolled(ctx, contact.id, sender.chat_id, now)
    return texts


async def _texted(
    ctx: AppContext,
    contact: SmsContact,
    sender: Sender,
    replies: list[Reply],
    now: datetime,
    *,
    answered: bool = False,
) -> list[str]:
    """``replies`` as texts, their buttons as numbered menus; the last menu is remembered for
    the number's next digit. ``answered``: a menu was just used, so it is spent even if no new
    one comes (a digit then answers the latest reminder again)."""
    lang = await Inbox(ctx).language(sender)
    texts: list[str] = []
    menu: tuple[tuple[str, str], ...] | None = () if answered else None
    for reply in replies:
        rendered = render_reply(reply, lang)
        if rendered is None:
            continue
        texts.append(rendered.body)
        if rendered.menu is not None:
            menu = rendered.menu
    if menu is not None:
        async with ctx.sessions.begin() as session:
            await remember_menu(session, contact.id, menu, now)
    return texts


async def _link_if_enrolled(ctx: AppContext, contact_id: int, chat_id: int, now: datetime) -> None:
    """Once the set-up by text has made the patient, their number is theirs and texts their
    channel."""
    async with ctx.sessions.begin() as session:
        patient = await session.scalar(select(Patient).where(Patient.chat_id == chat_id))
        contact = await session.get(SmsContact, contact_id, with_for_update=True)
        if patient is None or contact is None or contact.patient_id is not None:
            return
        contact.patient_id = patient.id
        contact.clinic_id = patient.clinic_id
        contact.language = patient.language
        contact.updated_at = now
        patient.preferred_channel = Channel.SMS.value
        log.info("sms number %s enrolled by text", mask(contact.phone))


async def _handle_unknown(body: str, assessment: Assessment, lang: str) -> list[str]:
    """The safety net's answer to someone with no record: no care team hears of it."""
    if assessment.is_crisis and assessment.kind is not None:
        return [crisis_reply(assessment.kind, care_team_told=False, lang=lang)]
    if assessment.is_check:
        return [safety_texts.check_prompt(lang, None).text]
    if asks_to_stop(body):
        return [t(lang, HOW_TO_STOP)]
    return [t(lang, INVITATION)]


async def _answer_reminder(ctx: AppContext, patient: Patient, number: str, lang: str) -> list[str]:
    """``number`` answers the patient's latest reminder as its button would, or is told that
    nothing is open."""
    async with ctx.sessions() as session:
        latest = (
            await session.execute(
                select(DoseEvent.schedule_id, DoseEvent.due_at, DoseEvent.status, Schedule.kind)
                .join(Schedule, Schedule.id == DoseEvent.schedule_id)
                .where(DoseEvent.patient_id == patient.id, DoseEvent.reminded_at.is_not(None))
                .order_by(DoseEvent.due_at.desc(), DoseEvent.id.desc())
                .limit(1)
            )
        ).first()
    if latest is None or latest.status not in (DoseStatus.PENDING, DoseStatus.MISSED):
        return [t(lang, NO_OPEN_QUESTION)]
    injection = latest.kind == ScheduleKind.MONTHLY_INJECTION
    action = reminders.sms_answers(injection).get(number)
    if action is None:  # a number the menu does not offer: the menu again
        return [reminders.reminder_menu(injection, lang)]
    # The same tap the button carries, tagged for this patient (bot/domain/callback_tags.py).
    tap = parse_tap(tap_data(latest.schedule_id, latest.due_at, action, patient.id))
    assert tap is not None
    result = await answer_dose(ctx, patient.chat_id, tap, lang=lang)
    said = [result.notice] if result.notice else []
    # What the tapped message would now read ("Taken at 08:05"), unless it asks for more taps
    # (a skip's optional reason) that a text cannot offer.
    if result.chosen and not result.buttons:
        said.append(result.chosen)
    return [" ".join(said)] if said else [t(lang, NO_OPEN_QUESTION)]


async def _opt_out_or_in(ctx: AppContext, phone: str, inbound: Inbound, now: datetime) -> list[str]:
    """Record STOP (answer nothing) or START (confirm) on the number's contact."""
    async with ctx.sessions.begin() as session:
        contact = await _upsert_contact(session, phone, inbound, now)
        patient = await _texting_patient(session, contact)
        if inbound.kind is InboundKind.OPT_OUT:
            contact.opted_out_at = now
            log.info("sms opt-out from %s", mask(phone))
            if patient is not None and patient.status != PatientStatus.STOPPED:
                await _stopped_by_text(ctx, session, patient, now)
            return []
        contact.opted_out_at = None
        contact.opted_in_at = now
        log.info("sms opt-in from %s", mask(phone))
        if patient is not None and patient.status == PatientStatus.STOPPED:
            await come_back(ctx, session, patient)
        return [t(_language(inbound, "", contact), OPTED_IN)]


async def _texting_patient(session: AsyncSession, contact: SmsContact) -> Patient | None:
    """The patient this number belongs to, if they are reached by text (locked): for them STOP
    is /stop and START is coming back, recorded and told to staff the same way."""
    if contact.patient_id is None:
        return None
    patient = await session.get(Patient, contact.patient_id, with_for_update=True)
    if patient is None or patient.preferred_channel != Channel.SMS.value:
        return None
    return patient


async def _stopped_by_text(
    ctx: AppContext, session: AsyncSession, patient: Patient, now: datetime
) -> None:
    """STOP from a patient reached by text: their /stop (bot.services.consent.stop)."""
    note = st(
        "FYI: {name} texted STOP: the bot no longer sends them anything.",
        name=patient.display_name or st("A patient"),
    )
    await record_stop(ctx, session, patient, now, note)


def _language(inbound: Inbound, body: str, contact: SmsContact | None) -> str:
    """A Spanish keyword or message says Spanish; otherwise the contact's language."""
    if inbound.language == "es":
        return "es"
    if inbound.kind in (InboundKind.TEXT, InboundKind.NUMBER) and detect(body) == "es":
        return "es"
    return contact.language if contact is not None else "en"


async def _upsert_contact(
    session: AsyncSession, phone: str, inbound: Inbound, now: datetime
) -> SmsContact:
    """The number's contact, made if new (two texts at once cannot make two), and locked.

    A Spanish keyword (PARAR) sets its language; STOP and START, which everyone types, do not.
    """
    await insert_ignoring_conflicts(
        session,
        SmsContact,
        [{"phone": phone, "language": "en", "created_at": now, "updated_at": now}],
        ["phone"],
    )
    contact = await session.scalar(
        select(SmsContact).where(SmsContact.phone == phone).with_for_update()
    )
    assert contact is not None  # inserted above or already there
    if inbound.language == "es":
        contact.language = "es"
    contact.updated_at = now
    return contact
