"""Enrolment by text (issue 16, item 3), on both databases: staff invite a number, the person
replies YES and goes through the same set-up a Telegram patient does (consent, time zone, plan,
check-ins) by text, answering numbered questions with a digit or in words; from then on they are
a patient reached by text, and nothing about them is ever handed to Telegram. Nothing is mocked:
the invitation, reminders and check-ins go out through the real sender and gateway to the fake
Twilio, and the answers come in through the signed webhook app.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import httpx
import pytest
import telegram
from sqlalchemy import select

from bot.db.models import (
    Alert,
    AuditEntry,
    Channel,
    CheckIn,
    Clinic,
    ConsentRecord,
    OutboxStatus,
    Patient,
    SmsContact,
)
from bot.domain import texts
from bot.services import sms_contacts
from bot.services.clinics import add_staff
from bot.services.context import AppContext
from bot.services.inbox import Inbox, Sender
from bot.services.sms_invites import AlreadyPatient, NumberOptedOut, invite
from bot.sms.chats import chat_for_contact, is_text_only
from bot.sms.phone import InvalidPhone
from bot.sms.segments import measure
from jobs.checkins import check_in_tick
from jobs.sender import NO_TEXT_ROUTE, OutboxSender
from jobs.tick import tick
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.twilio_api import FakeTwilioApi
from tests.integration.sms_dispatch_support import PHONE, clock_of, rows, text_in, the_contact
from tests.support import new_clinic

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

INVITATION = (
    "Northside Clinic invites you to get reminders and check-ins by text from this number. "
    "Reply YES to join. Msg & data rates may apply. Reply STOP to opt out, HELP for help."
)
# The set-up by text, answered with digits and words mixed, as people do.
SET_UP = ["1", "80202", "1", "daily", "8am", "1", "2", "1"]


async def invited(ctx: AppContext, phone: str = "(415) 555-2671", lang: str = "en") -> int:
    """``phone`` invited by the Northside Clinic; returns the contact's id."""
    clinic = await new_clinic(ctx)
    async with ctx.sessions.begin() as session:
        row = await session.get(Clinic, clinic.id)
        assert row is not None
        made = await invite(session, row, phone, ctx.clock.now(), language=lang)
    return made.contact_id


async def at_the_consent(
    ctx: AppContext, sender: OutboxSender, client: httpx.AsyncClient
) -> list[str]:
    """Invite the number, send the invitation and answer it YES: the welcome and the consent."""
    await invited(ctx)
    assert await sender.drain_once() == 1
    return await text_in(ctx, client, "Yes please")


async def enrolled_by_text(
    ctx: AppContext, sender: OutboxSender, client: httpx.AsyncClient
) -> Patient:
    assert (await at_the_consent(ctx, sender, client))[-1].endswith("Reply 1 I agree, 2 No thanks")
    for said in SET_UP:
        answer = await text_in(ctx, client, said)
    assert answer[0].startswith("You're all set.")
    async with ctx.sessions() as session:
        [patient] = list(await session.scalars(select(Patient)))
    return patient


async def test_an_invited_number_enrols_by_text_and_is_reminded_by_text(
    sms_ctx: AppContext,
    sender: OutboxSender,
    twilio: FakeTwilioApi,
    api: FakeBotApi,
    client: httpx.AsyncClient,
) -> None:
    contact_id = await invited(sms_ctx)
    assert await sender.drain_once() == 1
    assert twilio.bodies(PHONE) == [INVITATION]
    assert measure(INVITATION).segments == 2
    # YES: the welcome and the consent, its answers numbered.
    welcome = await text_in(sms_ctx, client, "Yes please")
    assert "Northside Clinic" in welcome[0]
    # The consent as written for texts: what a text message is, how to stop and get a copy.
    assert welcome[-1].endswith(
        "Text messages are not encrypted: your phone company can see them, and so can anyone "
        "who can see your phone. Is that okay with you?\nReply 1 I agree, 2 No thanks"
    )
    assert "Reply STOP any time to stop all texts" in welcome[-1]
    answers = [await text_in(sms_ctx, client, said) for said in SET_UP]
    # The set-up's questions read as texts: nothing to tap, no location to share.
    assert answers[0][-1].startswith(
        "Which time zone are you in? Reply with a number below, or type your city (for example "
        "Chicago) or US ZIP code (for example 60601).\nReply 1 US Eastern, 2 US Central,"
    )
    everything = [*welcome, *(text for said in answers for text in said)]
    said_wrong = [t for t in everything for w in ("Tap", "tap", "Telegram") if w in t]
    assert said_wrong == []
    assert answers[1][0] == "Got it: Denver, CO 80202 (America/Denver)."  # a ZIP code
    assert answers[4][-1].startswith("Can I check in with you now and then? Three short questions")
    assert answers[4][-1].endswith("Reply 1 Weekly (recommended), 2 Daily, 3 No check-ins")
    done = answers[-1][0]
    assert done.startswith("You're all set.") and "Daily tablet at 08:00 (America/Denver)" in done
    assert "Check-ins: daily at 12:00" not in done  # "2" chose daily check-ins, then a time
    async with sms_ctx.sessions() as session:
        [patient] = list(await session.scalars(select(Patient)))
        contact = await session.get(SmsContact, contact_id)
        consent = await session.scalar(select(ConsentRecord))
        audit = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "patient.invited_by_text")
        )
    assert patient.chat_id == chat_for_contact(contact_id) and is_text_only(patient.chat_id)
    assert patient.preferred_channel == Channel.SMS.value and patient.timezone == "America/Denver"
    assert contact is not None and contact.patient_id == patient.id
    assert contact.opted_in_at is not None  # the YES, the consent to be texted
    assert consent is not None and consent.patient_id == patient.id
    assert audit is not None and audit.subject == f"sms_contact:{contact_id}"
    assert PHONE not in str(audit.detail)
    # The first reminder, at 08:00 in Denver, comes by text and "1" records the dose.
    clock_of(sms_ctx).set(datetime(2026, 11, 26, 15, 0, tzinfo=UTC))
    await tick(sms_ctx)
    assert await sender.drain_once() == 1
    assert twilio.bodies(PHONE)[-1] == (
        "08:00: time for your routine.\nReply 1 taken, 2 snooze 30 min, 3 skip"
    )
    answer = await text_in(sms_ctx, client, "1")
    assert answer[0].startswith("Recorded.")
    # Telegram was never asked to send anything to them.
    assert api.sent(patient.chat_id) == []


async def test_a_check_in_by_text_is_answered_by_number(
    sms_ctx: AppContext,
    sender: OutboxSender,
    twilio: FakeTwilioApi,
    client: httpx.AsyncClient,
) -> None:
    patient = await enrolled_by_text(sms_ctx, sender, client)
    assert patient.next_checkin_at is not None
    clock_of(sms_ctx).set(patient.next_checkin_at)
    await check_in_tick(sms_ctx)
    assert await sender.drain_once() >= 1
    question = twilio.bodies(PHONE)[-1]
    assert question.endswith(
        "How strong are your cravings right now?\n0 = none at all, "
        "10 = the strongest you've felt.\nReply with a number from 0 to 10"
    )
    # 10 is an answer too; the next question comes numbered; a number off the menu is told so.
    mood = await text_in(sms_ctx, client, "10")
    assert "Craving 10/10" in mood[-1]
    assert mood[-1].endswith("Reply 1 Very low, 2 Low, 3 Okay, 4 Good, 5 Great")
    assert await text_in(sms_ctx, client, "9") == [
        "Please reply with one of the numbers offered, 1 to 5."
    ]
    use = await text_in(sms_ctx, client, "4")
    assert use[-1].endswith("Reply 1 No, 2 Alcohol, 3 Opioids, 4 Something else")
    await text_in(sms_ctx, client, "1")
    async with sms_ctx.sessions() as session:
        [check_in] = list(await session.scalars(select(CheckIn)))
    assert (check_in.craving, check_in.mood, check_in.substance_use) == (10, 4, "no")
    assert check_in.answered_at is not None


async def test_a_crisis_during_the_set_up_is_answered_first_and_the_set_up_waits(
    sms_ctx: AppContext, sender: OutboxSender, client: httpx.AsyncClient
) -> None:
    await at_the_consent(sms_ctx, sender, client)
    crisis = await text_in(sms_ctx, client, "i dont want to be alive anymore")
    assert len(crisis) == 1 and "988" in crisis[0]
    # The consent question is still the open one.
    assert (await text_in(sms_ctx, client, "1"))[0].startswith("Thank you.")


async def test_a_wrong_answer_by_text_is_asked_again_without_buttons_words(
    sms_ctx: AppContext, sender: OutboxSender, client: httpx.AsyncClient
) -> None:
    await at_the_consent(sms_ctx, sender, client)
    # At each question with answers to pick, a word that is none of them: the question again,
    # worded for a text (nothing to "tap"), its answers numbered.
    retried = await text_in(sms_ctx, client, "perhaps")
    assert retried[0] == "Please answer “I agree” or “No thanks” (or type yes or no)."
    assert retried[-1].endswith("Reply 1 I agree, 2 No thanks")
    for said in SET_UP[:3]:
        await text_in(sms_ctx, client, said)
    # Now at "How do you take your medication?"
    plan = await text_in(sms_ctx, client, "whenever")
    assert plan[0].startswith("Please choose one of the options, or type daily, weekly")
    assert plan[-1].endswith("Reply 1 Daily tablet, 2 Some days each week, 3 Monthly injection")
    said_wrong = [t for t in (*retried, *plan) for w in ("Tap", "tap", "Telegram") if w in t]
    assert said_wrong == []


async def test_before_yes_words_get_the_question_again_and_no_declines(
    sms_ctx: AppContext, sender: OutboxSender, twilio: FakeTwilioApi, client: httpx.AsyncClient
) -> None:
    await invited(sms_ctx)
    await sender.drain_once()
    assert await text_in(sms_ctx, client, "what is this?") == [
        "To get reminders and check-ins from Northside Clinic by text, reply YES. "
        "Reply STOP to opt out."
    ]
    assert await text_in(sms_ctx, client, "1") == [
        "Thanks. I don't have a question open for you right now, so there is nothing to "
        "answer. If you need help now, call or text 988, or call 911."
    ]
    declined = await text_in(sms_ctx, client, "No thanks")
    assert declined[0].startswith("Okay, you will not be signed up.")
    contact = await the_contact(sms_ctx)
    assert contact is not None and contact.invited_at is None
    # Not invited any more: YES is now just a text from a number we hold no patient for.
    assert "ask your care team to invite this number" in (await text_in(sms_ctx, client, "yes"))[0]
    async with sms_ctx.sessions() as session:
        assert list(await session.scalars(select(Patient))) == []


async def test_spanish_invitation_and_set_up(
    sms_ctx: AppContext, sender: OutboxSender, twilio: FakeTwilioApi, client: httpx.AsyncClient
) -> None:
    await invited(sms_ctx, lang="es")
    await sender.drain_once()
    [invitation] = twilio.bodies(PHONE)
    assert invitation.startswith("Northside Clinic le invita") and "SI" in invitation
    assert measure(invitation).segments <= 2
    welcome = await text_in(sms_ctx, client, "Sí")
    assert welcome[-1].endswith("Responda 1 Acepto, 2 No, gracias"), welcome[-1]
    assert "Los mensajes de texto no están cifrados" in welcome[-1]
    assert "Telegram" not in " ".join(welcome)
    zone = await text_in(sms_ctx, client, "1")
    assert zone[-1].startswith("¿En qué zona horaria está? Responda con un número de la lista")


async def test_who_cannot_be_invited(sms_ctx: AppContext, client: httpx.AsyncClient) -> None:
    clinic = await new_clinic(sms_ctx)
    async with sms_ctx.sessions.begin() as session:
        row = await session.get(Clinic, clinic.id)
        assert row is not None
        with pytest.raises(InvalidPhone):
            await invite(session, row, "555-01", sms_ctx.clock.now())
    # A number that said STOP: only its own START lifts it.
    assert await text_in(sms_ctx, client, "STOP") == []
    async with sms_ctx.sessions.begin() as session:
        row = await session.get(Clinic, clinic.id)
        assert row is not None
        with pytest.raises(NumberOptedOut):
            await invite(session, row, PHONE, sms_ctx.clock.now())


async def test_an_enrolled_number_cannot_be_invited_again(
    sms_ctx: AppContext, sender: OutboxSender, client: httpx.AsyncClient
) -> None:
    await enrolled_by_text(sms_ctx, sender, client)
    async with sms_ctx.sessions.begin() as session:
        row = await session.scalar(select(Clinic))
        assert row is not None
        with pytest.raises(AlreadyPatient):
            await invite(session, row, PHONE, sms_ctx.clock.now())


async def test_a_text_only_chat_is_never_handed_to_telegram(
    sms_ctx: AppContext, bot: telegram.Bot, api: FakeBotApi, twilio: FakeTwilioApi
) -> None:
    # A sender without a gateway (texts off): the invitation fails unsent, Telegram untouched.
    contact_id = await invited(sms_ctx)
    no_texts = OutboxSender(sms_ctx, bot, rng=random.Random(3))
    assert await no_texts.drain_once() == 1
    [row] = await rows(sms_ctx)
    assert row.status == OutboxStatus.FAILED and row.last_error == NO_TEXT_ROUTE
    assert api.sent(chat_for_contact(contact_id)) == [] and twilio.bodies(PHONE) == []


async def test_a_patient_enrolled_by_text_keeps_their_number(
    sms_ctx: AppContext, sender: OutboxSender, client: httpx.AsyncClient
) -> None:
    # Without Telegram, the number is their only channel: neither removing it nor moving them
    # to Telegram may leave their reminders going nowhere.
    patient = await enrolled_by_text(sms_ctx, sender, client)
    async with sms_ctx.sessions.begin() as session:
        row = await session.get(Patient, patient.id)
        assert row is not None
        with pytest.raises(sms_contacts.TextOnly, match="reply STOP"):
            await sms_contacts.remove_phone(session, row, sms_ctx.clock.now())
        with pytest.raises(sms_contacts.TextOnly):
            await sms_contacts.set_channel(session, row, "telegram", sms_ctx.clock.now())
    async with sms_ctx.sessions() as session:
        row = await session.get(Patient, patient.id)
        assert row is not None and row.preferred_channel == Channel.SMS.value
        assert await sms_contacts.contact_of(session, patient.id) is not None


async def test_the_safety_check_by_text_is_answered_by_number_and_reaches_staff(
    sms_ctx: AppContext, sender: OutboxSender, client: httpx.AsyncClient
) -> None:
    await enrolled_by_text(sms_ctx, sender, client)
    [check] = await text_in(sms_ctx, client, "I feel hopeless")
    assert check.startswith("Thank you for telling me. I want to check on you")
    assert check.endswith("Reply 1 I'm safe, 2 I need help now, 3 Ask my care team to reach me")
    [answer] = await text_in(sms_ctx, client, "3")
    assert answer.startswith("Thank you. I've asked your care team to reach out to you.")
    async with sms_ctx.sessions() as session:
        assert len(list(await session.scalars(select(Alert)))) >= 1
    # The check is answered: the next "1" is not read as an answer to it again.
    assert (await text_in(sms_ctx, client, "1"))[0].startswith("Thanks. I don't have a question")


async def test_staff_invite_a_number_from_telegram(
    sms_ctx: AppContext, sender: OutboxSender, twilio: FakeTwilioApi, client: httpx.AsyncClient
) -> None:
    clinic = await new_clinic(sms_ctx, "Clínica Sol")
    staff = await add_staff(
        sms_ctx.sessions,
        sms_ctx.clock,
        telegram_user_id=4242,
        name="Sam Rivera",
        clinic_code=clinic.invite_code,
    )
    inbox = Inbox(sms_ctx)
    [usage] = await inbox.command(Sender(4242), "invite", [])
    assert usage.text.startswith("Send /invite followed by the patient's mobile number")
    [bad] = await inbox.command(Sender(4242), "invite", ["555"])
    assert bad.text.startswith("That number won't work:")
    [done] = await inbox.command(Sender(4242), "invite", ["+1", "415", "555", "2671", "es"])
    assert done.text == (
        "Invitation on its way to +1 ••• ••• ••71. They reply YES to start the set-up by text."
    )
    assert await sender.drain_once() == 1
    [invitation] = twilio.bodies(PHONE)
    assert invitation.startswith("Clínica Sol le invita a recibir recordatorios")
    async with sms_ctx.sessions() as session:
        audit = await session.scalar(
            select(AuditEntry).where(AuditEntry.action == "patient.invited_by_text")
        )
    assert audit is not None and audit.actor_kind == "staff" and audit.actor_id == staff.id
    # Someone who is not staff gets what an unknown command gets.
    [unknown] = await inbox.command(Sender(5151), "invite", ["+14155552671"])
    assert unknown.text == texts.UNKNOWN_COMMAND
    # Once they enrolled, the number cannot be invited again.
    await text_in(sms_ctx, client, "si")
    for said in SET_UP:
        await text_in(sms_ctx, client, said)
    [again] = await inbox.command(Sender(4242), "invite", ["+14155552671"])
    assert again.text == "That number belongs to a patient who is already enrolled."


async def test_commands_by_text_and_a_crisis_after_one(
    sms_ctx: AppContext, sender: OutboxSender, client: httpx.AsyncClient
) -> None:
    await enrolled_by_text(sms_ctx, sender, client)
    [progress] = await text_in(sms_ctx, client, "/progress")
    assert progress.startswith("Your progress") and "Days in treatment: 1" in progress
    [schedule] = await text_in(sms_ctx, client, "/schedule")
    assert "Daily tablet at 08:00 (America/Denver)" in schedule and "\nReply 1 " in schedule
    [help_text] = await text_in(sms_ctx, client, "/help")
    assert "check on you" not in help_text and "/progress" in help_text
    [mydata] = await text_in(sms_ctx, client, "/mydata")
    assert mydata.startswith("A copy of everything we hold about you cannot be sent by text.")
    # Words after a command are free text: the safety net reads them first.
    [crisis] = await text_in(sms_ctx, client, "/help i want to end my life tonight")
    assert "988" in crisis and "/progress" not in crisis


async def test_delete_by_text_erases_the_patient_and_their_number(
    sms_ctx: AppContext, sender: OutboxSender, client: httpx.AsyncClient
) -> None:
    await enrolled_by_text(sms_ctx, sender, client)
    asked = await text_in(sms_ctx, client, "/delete")
    assert "DELETE" in asked[-1]
    done = await text_in(sms_ctx, client, "DELETE")
    assert done
    async with sms_ctx.sessions() as session:
        assert list(await session.scalars(select(Patient))) == []
        assert list(await session.scalars(select(SmsContact))) == []
    # The number is a stranger now: the safety net still answers it.
    assert "988" in (await text_in(sms_ctx, client, "i want to die"))[0]
