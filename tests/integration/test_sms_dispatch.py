"""Outbound texts (issue 16, step 4), on both databases: a patient who prefers texts gets the
bot's messages by SMS, answers reminders by number, and receipts land on the outbox rows.

Nothing is mocked: the outbox sender sends through the real TwilioGateway over HTTP to the fake
Twilio API (tests/fakes/twilio_api.py), Telegram messages go to the fake Bot API, and inbound
texts and receipts go through the signed webhook app (httpx's ASGI transport, signed with the
``twilio`` library's RequestValidator). Database time is a FakeClock the tests move; the only
real waits are a Retry-After of one second and the sending number's token bucket, and nothing
asserts how long anything took.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import telegram
from sqlalchemy import delete, select

from bot.clock import FakeClock
from bot.db.models import (
    Alert,
    AuditEntry,
    Channel,
    DoseEvent,
    Patient,
    PatientStatus,
)
from bot.domain.replies import Button, Reply
from bot.domain.triage import CrisisKind, crisis_reply
from bot.i18n import t
from bot.runtime import app_context
from bot.services import outbox, patient_data, sms_contacts, sms_inbound, sms_usage
from bot.services.clinics import OperatorError, set_quiet_hours
from bot.services.context import AppContext
from bot.services.inbox import Inbox, Sender
from bot.sms.gateway import TwilioGateway
from bot.sms.phone import InvalidPhone
from bot.sms.webhook import STATUS_PATH
from jobs.followups import follow_up
from jobs.sender import OPTED_OUT_ERROR, OutboxSender
from tests.fakes.bot_api import FakeBotApi
from tests.fakes.twilio_api import FakeTwilioApi
from tests.integration.sender_support import refused_on_replay
from tests.integration.sms_dispatch_support import (
    CHAT,
    DUE,
    INJECTION,
    OTHER_PHONE,
    PHONE,
    PLAN,
    PUBLIC,
    REMINDER,
    clock_of,
    queue,
    receipt,
    remind,
    row,
    rows,
    sms_settings,
    text_in,
    texting_patient,
    the_contact,
    the_dose,
    the_patient,
)
from tests.support import make_patient, new_clinic

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


# ------------------------------------------------------------------------------ the contact point


async def test_a_phone_number_is_linked_in_e164_and_texts_become_the_channel(
    sms_ctx: AppContext,
) -> None:
    patient_id, _ = await make_patient(sms_ctx, PLAN, chat_id=CHAT)
    assert (await the_patient(sms_ctx, patient_id)).preferred_channel == "telegram"
    now = sms_ctx.clock.now()
    async with sms_ctx.sessions.begin() as session:
        patient = await session.get(Patient, patient_id)
        assert patient is not None
        with pytest.raises(sms_contacts.NoPhone):
            await sms_contacts.set_channel(session, patient, Channel.SMS, now)
        with pytest.raises(InvalidPhone):
            await sms_contacts.set_phone(session, patient, "call me maybe", now)
        await sms_contacts.set_phone(session, patient, "(415) 555-2671", now)
    contact = await the_contact(sms_ctx)
    assert contact is not None and contact.patient_id == patient_id
    assert (await the_patient(sms_ctx, patient_id)).preferred_channel == "sms"

    # One number, one patient.
    other_id, _ = await make_patient(sms_ctx, PLAN, chat_id=CHAT + 1)
    async with sms_ctx.sessions.begin() as session:
        other = await session.get(Patient, other_id)
        assert other is not None
        with pytest.raises(sms_contacts.PhoneTaken):
            await sms_contacts.set_phone(session, other, "+1 415 555 2671", now)
    # A new number replaces the old one, which is deleted.
    async with sms_ctx.sessions.begin() as session:
        patient = await session.get(Patient, patient_id)
        assert patient is not None
        await sms_contacts.set_phone(session, patient, OTHER_PHONE, now)
    assert await the_contact(sms_ctx) is None
    assert (await the_contact(sms_ctx, OTHER_PHONE)) is not None
    assert (await the_patient(sms_ctx, other_id)).preferred_channel == "telegram"


async def test_a_number_that_texted_stop_before_keeps_its_opt_out_when_linked(
    sms_ctx: AppContext,
) -> None:
    await sms_inbound.handle_inbound(sms_ctx, PHONE, "STOP", sms_ctx.clock.now())
    patient_id = await texting_patient(sms_ctx)
    contact = await the_contact(sms_ctx)
    assert contact is not None and contact.patient_id == patient_id
    assert contact.opted_out_at is not None


async def test_deleting_a_patient_erases_their_number(sms_ctx: AppContext) -> None:
    patient_id = await texting_patient(sms_ctx)
    async with sms_ctx.sessions.begin() as session:
        await session.execute(delete(Patient).where(Patient.id == patient_id))
    assert await the_contact(sms_ctx) is None


async def test_mydata_shows_the_number_and_delete_erases_it(sms_ctx: AppContext) -> None:
    patient_id = await texting_patient(sms_ctx)
    async with sms_ctx.sessions.begin() as session:
        patient = await session.get(Patient, patient_id)
        assert patient is not None
        document = json.loads(await patient_data.export(sms_ctx, session, patient))
    assert document["phone_number"]["phone"] == PHONE
    assert "patient_id" not in document["phone_number"]
    assert document["profile"]["preferred_channel"] == "sms"
    inbox = Inbox(sms_ctx)
    await inbox.command(Sender(CHAT), "delete", [])
    await inbox.text(Sender(CHAT), "DELETE")
    assert await the_contact(sms_ctx) is None
    assert patient_data.unmapped_tables() == []


# ------------------------------------------------------------------------------ dispatch


async def test_a_reminder_reaches_a_texting_patient_once_by_sms(
    sms_ctx: AppContext, sender: OutboxSender, twilio: FakeTwilioApi, api: FakeBotApi
) -> None:
    await texting_patient(sms_ctx)
    reminder = await remind(sms_ctx, sender)
    assert twilio.bodies(PHONE) == [REMINDER]
    [message] = twilio.messages
    assert message.status_callback == PUBLIC + STATUS_PATH
    assert api.sent(CHAT) == []
    assert reminder.status == "sent"
    assert reminder.sms_sid == message.sid and reminder.sms_segments == 1
    assert reminder.delivery_status == "queued" and reminder.telegram_message_id is None
    dose = await the_dose(sms_ctx)
    assert dose.reminded_at == DUE and dose.reminder_message_id is None
    assert await sender.drain_once() == 0 and len(twilio.requests) == 1


async def test_a_spanish_reminder_has_its_menu_in_spanish(
    sms_ctx: AppContext, sender: OutboxSender, twilio: FakeTwilioApi
) -> None:
    await texting_patient(sms_ctx, lang="es")
    await remind(sms_ctx, sender)
    assert twilio.bodies(PHONE) == [
        "08:00: es hora de su rutina.\nResponda 1 tomada, 2 posponer 30 min, 3 omitir"
    ]


async def test_telegram_patients_are_untouched_and_questions_go_by_text_numbered(
    sms_ctx: AppContext, sender: OutboxSender, twilio: FakeTwilioApi, api: FakeBotApi
) -> None:
    # A patient on Telegram with a number on file still gets Telegram.
    patient_id = await texting_patient(sms_ctx)
    async with sms_ctx.sessions.begin() as session:
        patient = await session.get(Patient, patient_id)
        assert patient is not None
        await sms_contacts.set_channel(session, patient, "telegram", sms_ctx.clock.now())
    await queue(sms_ctx, CHAT, "Hello on Telegram")
    assert await sender.drain_once() == 1
    assert [m.text for m in api.sent(CHAT)] == ["Hello on Telegram"]
    # Texting again: plain text goes by SMS, and a question's buttons become numbered answers
    # (emoji left out of the labels), which the number's next digit answers.
    async with sms_ctx.sessions.begin() as session:
        patient = await session.get(Patient, patient_id)
        assert patient is not None
        await sms_contacts.set_channel(session, patient, "sms", sms_ctx.clock.now())
    await queue(sms_ctx, CHAT, "A plain note")
    question = ((Button("😌 0", "c:1:0"), Button("5", "c:1:5"), Button("10", "c:1:10")),)
    await queue(sms_ctx, CHAT, "How strong is your craving?", question)
    assert await sender.drain_once() == 2
    assert twilio.bodies(PHONE) == [
        "A plain note",
        "How strong is your craving?\nReply 1 0, 2 5, 3 10",
    ]
    assert [m.text for m in api.sent(CHAT)] == ["Hello on Telegram"]
    contact = await the_contact(sms_ctx)
    assert contact is not None and contact.menu == [["1", "c:1:0"], ["2", "c:1:5"], ["3", "c:1:10"]]
    # A reminder after it: a digit answers the reminder again.
    await remind(sms_ctx, sender)
    contact = await the_contact(sms_ctx)
    assert contact is not None and contact.menu is None


async def test_each_text_is_counted_with_its_segments_against_the_clinics_month(
    sms_ctx: AppContext, sender: OutboxSender
) -> None:
    clinic = await new_clinic(sms_ctx)
    await texting_patient(sms_ctx, clinic_id=clinic.id)
    await remind(sms_ctx, sender)  # one segment
    await queue(sms_ctx, CHAT, "A longer note. " * 15)  # 225 characters: two segments
    await queue(sms_ctx, 9_999_999, "Not a patient's chat: goes by Telegram, not counted")
    assert await sender.drain_once() == 2
    async with sms_ctx.sessions() as session:
        now = sms_ctx.clock.now()
        assert await sms_usage.usage(session, clinic.id, now) == sms_usage.Usage(
            sms_usage.month_of(now), texts=2, segments=3
        )
        # Next month starts at zero.
        later = now + timedelta(days=40)
        assert await sms_usage.usage(session, clinic.id, later) == sms_usage.Usage(
            sms_usage.month_of(later)
        )


async def test_at_night_a_text_that_can_wait_waits_for_the_morning_and_the_rest_go(
    sms_ctx: AppContext, sender: OutboxSender, twilio: FakeTwilioApi, api: FakeBotApi
) -> None:
    """Quiet hours (21:00-08:00 where the patient lives, Chicago here): a nudge is held until
    08:00 their time, not counted as an attempt; an answer and a missed-dose note go at once."""
    await texting_patient(sms_ctx)
    night = datetime(2026, 11, 27, 5, 30, tzinfo=UTC)  # 23:30 in Chicago
    clock_of(sms_ctx).set(night)
    keys = {"nudge:1": "Still time for your routine.", "safety:1": "A note about your safety."}
    async with sms_ctx.sessions.begin() as session:
        for key, words in keys.items():
            outbox.enqueue(
                session,
                chat_id=CHAT,
                kind="test",
                payload=outbox.payload_for(Reply(words)),
                now=night,
                dedupe_key=key,
            )
    await queue(sms_ctx, CHAT, "Here is your answer.")
    assert await sender.drain_once() == 3
    assert twilio.bodies(PHONE) == ["A note about your safety.", "Here is your answer."]
    [held] = [m for m in await rows(sms_ctx) if m.dedupe_key == "nudge:1"]
    morning = datetime(2026, 11, 27, 14, 0, tzinfo=UTC)  # 08:00 in Chicago
    assert held.status == "pending" and held.attempts == 0
    assert held.next_attempt_at.replace(microsecond=0) == morning
    clock_of(sms_ctx).set(morning - timedelta(minutes=1))
    assert await sender.drain_once() == 0
    clock_of(sms_ctx).set(morning + timedelta(seconds=1))
    assert await sender.drain_once() == 1
    assert twilio.bodies(PHONE)[-1] == "Still time for your routine."
    assert api.sent(CHAT) == []


async def test_a_clinic_sets_its_own_quiet_hours(
    sms_ctx: AppContext, sender: OutboxSender, twilio: FakeTwilioApi
) -> None:
    clinic = await new_clinic(sms_ctx)
    await texting_patient(sms_ctx, clinic_id=clinic.id)
    with pytest.raises(OperatorError, match="HH:MM-HH:MM"):
        await set_quiet_hours(sms_ctx.sessions, sms_ctx.clock, clinic.invite_code, "late")
    # Quiet from 22:00 for this clinic: at 21:30 in Chicago a nudge goes, though the
    # deployment's default (21:00-08:00) would hold it.
    assert await set_quiet_hours(
        sms_ctx.sessions, sms_ctx.clock, clinic.invite_code, "22:00-07:00"
    ) == ("Northside Clinic", "22:00-07:00")
    evening = datetime(2026, 11, 27, 3, 30, tzinfo=UTC)  # 21:30 in Chicago
    clock_of(sms_ctx).set(evening)
    async with sms_ctx.sessions.begin() as session:
        for key in ("nudge:1", "nudge:2"):
            outbox.enqueue(
                session,
                chat_id=CHAT,
                kind="test",
                payload=outbox.payload_for(Reply(f"Nudge {key[-1]}")),
                now=evening,
                dedupe_key=key,
            )
    assert await sender.drain_once() == 2
    assert twilio.bodies(PHONE) == ["Nudge 1", "Nudge 2"]
    # "off": none held at 03:00; "default": the deployment's hours again.
    await set_quiet_hours(sms_ctx.sessions, sms_ctx.clock, clinic.invite_code, "off")
    clock_of(sms_ctx).set(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))  # 03:00 in Chicago
    async with sms_ctx.sessions.begin() as session:
        outbox.enqueue(
            session,
            chat_id=CHAT,
            kind="test",
            payload=outbox.payload_for(Reply("Nudge 3")),
            now=sms_ctx.clock.now(),
            dedupe_key="nudge:3",
        )
    assert await sender.drain_once() == 1 and twilio.bodies(PHONE)[-1] == "Nudge 3"
    await set_quiet_hours(sms_ctx.sessions, sms_ctx.clock, clinic.invite_code, "default")
    async with sms_ctx.sessions.begin() as session:
        outbox.enqueue(
            session,
            chat_id=CHAT,
            kind="test",
            payload=outbox.payload_for(Reply("Nudge 4")),
            now=sms_ctx.clock.now(),
            dedupe_key="nudge:4",
        )
    assert await sender.drain_once() == 1 and twilio.bodies(PHONE)[-1] == "Nudge 3"
    async with sms_ctx.sessions() as session:
        audit: list[dict[str, object] | None] = list(
            await session.scalars(
                select(AuditEntry.detail).where(AuditEntry.action == "clinic.quiet_hours")
            )
        )
    assert audit == [{"quiet_hours": q} for q in ("22:00-07:00", "off", "default")]


async def test_after_a_429_with_retry_after_the_text_arrives_once(
    sms_ctx: AppContext, sender: OutboxSender, twilio: FakeTwilioApi
) -> None:
    await texting_patient(sms_ctx)
    first = await queue(sms_ctx, CHAT, "Hello")
    twilio.fail_next(429, retry_after=1)
    assert await sender.drain_once() == 1
    waiting = await row(sms_ctx, first)
    assert waiting.status == "pending" and waiting.attempts == 0  # flood control: not an attempt
    assert waiting.next_attempt_at == sms_ctx.clock.now() + timedelta(seconds=1)
    assert twilio.messages == []
    clock_of(sms_ctx).advance(timedelta(seconds=1))
    assert await sender.drain_once() == 1
    assert twilio.bodies(PHONE) == ["Hello"]
    assert (await row(sms_ctx, first)).status == "sent"
    assert len(twilio.requests) == 2


async def test_after_a_5xx_nothing_is_lost_and_nothing_doubled(
    sms_ctx: AppContext, sender: OutboxSender, twilio: FakeTwilioApi
) -> None:
    await texting_patient(sms_ctx)
    ids = [await queue(sms_ctx, CHAT, f"Message {n}") for n in range(3)]
    twilio.fail_next(503, times=2)
    for _ in range(6):
        await sender.drain_once()
        clock_of(sms_ctx).advance(timedelta(minutes=5))
    assert twilio.bodies(PHONE) == ["Message 0", "Message 1", "Message 2"]
    assert [(await row(sms_ctx, i)).status for i in ids] == ["sent"] * 3


async def test_after_stop_nothing_is_sent(
    sms_ctx: AppContext,
    sender: OutboxSender,
    twilio: FakeTwilioApi,
    client: httpx.AsyncClient,
    api: FakeBotApi,
) -> None:
    await texting_patient(sms_ctx)
    assert await text_in(sms_ctx, client, "STOP") == []
    first = await queue(sms_ctx, CHAT, "Hello")
    assert await sender.drain_once() == 1
    assert twilio.requests == [] and api.sent(CHAT) == []
    stopped = await row(sms_ctx, first)
    assert (stopped.status, stopped.last_error) == ("failed", OPTED_OUT_ERROR)
    # START: texts go again.
    await text_in(sms_ctx, client, "START")
    await queue(sms_ctx, CHAT, "Welcome back")
    assert await sender.drain_once() == 1
    assert twilio.bodies(PHONE) == ["Welcome back"]


async def test_stop_from_a_texting_patient_is_recorded_like_stop_and_start_brings_them_back(
    sms_ctx: AppContext, client: httpx.AsyncClient
) -> None:
    """Compliance (issue 16, item 4): STOP from the number of a patient reached by text is their
    /stop: no more messages on any channel, audited, their care team told; START is /start."""
    from jobs.tick import tick
    from tests.integration.test_sender import add_staff

    clinic = await new_clinic(sms_ctx)
    nurse = 880_001
    await add_staff(sms_ctx, clinic.id, nurse, "Nurse Joy")
    patient_id = await texting_patient(sms_ctx, clinic_id=clinic.id)
    assert await text_in(sms_ctx, client, "STOP") == []
    assert (await the_patient(sms_ctx, patient_id)).status == PatientStatus.STOPPED
    clock_of(sms_ctx).set(DUE)
    await tick(sms_ctx)
    assert [m for m in await rows(sms_ctx) if m.kind == "reminder"] == []
    staff_notes = [m.payload["text"] for m in await rows(sms_ctx) if m.chat_id == nurse]
    assert len(staff_notes) == 1 and "texted STOP" in staff_notes[0]
    # STOP again changes nothing more (and tells staff nothing more).
    assert await text_in(sms_ctx, client, "stop") == []
    assert len([m for m in await rows(sms_ctx) if m.chat_id == nurse]) == 1

    assert await text_in(sms_ctx, client, "START") == [t("en", sms_inbound.OPTED_IN)]
    assert (await the_patient(sms_ctx, patient_id)).status == PatientStatus.ACTIVE
    async with sms_ctx.sessions() as session:
        actions = list(
            await session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.action.in_(["patient.stopped", "patient.restarted"]))
                .order_by(AuditEntry.id)
            )
        )
    assert actions == ["patient.stopped", "patient.restarted"]
    assert len([m for m in await rows(sms_ctx) if m.chat_id == nurse]) == 2


async def test_twilios_opt_out_marks_the_patient_unreachable_and_tells_staff(
    sms_ctx: AppContext, sender: OutboxSender, twilio: FakeTwilioApi
) -> None:
    clinic = await new_clinic(sms_ctx)
    patient_id = await texting_patient(sms_ctx, clinic_id=clinic.id)
    twilio.opt_out(PHONE)
    ids = [await queue(sms_ctx, CHAT, f"Message {n}") for n in range(2)]
    assert await sender.drain_once() >= 1
    assert twilio.messages == []
    assert len(twilio.requests) == 1  # the second was given up, not tried
    assert [(await row(sms_ctx, i)).status for i in ids] == ["failed", "failed"]
    assert "21610" in ((await row(sms_ctx, ids[0])).last_error or "")
    assert (await the_patient(sms_ctx, patient_id)).status == PatientStatus.UNREACHABLE
    contact = await the_contact(sms_ctx)
    assert contact is not None and contact.opted_out_at is not None
    async with sms_ctx.sessions() as session:
        alerts = list(await session.scalars(select(Alert.kind)))
    assert alerts == ["unreachable"]


@pytest.mark.parametrize(("code", "unreachable"), [(21614, True), (21408, False)])
async def test_a_rejected_text_fails_and_a_bad_number_makes_the_patient_unreachable(
    sms_ctx: AppContext,
    sender: OutboxSender,
    twilio: FakeTwilioApi,
    code: int,
    unreachable: bool,
) -> None:
    patient_id = await texting_patient(sms_ctx)
    first = await queue(sms_ctx, CHAT, "Hello")
    twilio.reject_next(code)
    assert await sender.drain_once() == 1
    failed = await row(sms_ctx, first)
    assert failed.status == "failed" and str(code) in (failed.last_error or "")
    assert PHONE not in (failed.last_error or "")
    status = (await the_patient(sms_ctx, patient_id)).status
    assert (status == PatientStatus.UNREACHABLE) is unreachable


async def test_an_account_problem_holds_texts_but_not_telegram(
    sms_ctx: AppContext,
    bot: telegram.Bot,
    gateway: TwilioGateway,
    twilio: FakeTwilioApi,
    api: FakeBotApi,
) -> None:
    await texting_patient(sms_ctx)
    await texting_patient(sms_ctx, OTHER_PHONE, chat_id=CHAT + 1)
    await make_patient(sms_ctx, PLAN, chat_id=CHAT + 2)
    held = [await queue(sms_ctx, CHAT, "One"), await queue(sms_ctx, CHAT + 1, "Two")]
    await queue(sms_ctx, CHAT + 2, "By Telegram")
    # Twice: the second text may have left before the first one's answer came back.
    twilio.fail_next(401, code=20003, times=2)
    sender = OutboxSender(sms_ctx, bot, sms=gateway)
    await sender.drain_once()
    assert [m.text for m in api.sent(CHAT + 2)] == ["By Telegram"]
    assert twilio.messages == []
    # Both texts wait out the pause (refused, or handed back untried), neither counted.
    for outbox_id in held:
        waiting = await row(sms_ctx, outbox_id)
        assert waiting.status == "pending" and waiting.attempts == 0
        assert waiting.next_attempt_at > sms_ctx.clock.now() + timedelta(seconds=30)
    clock_of(sms_ctx).advance(timedelta(minutes=2))
    # The pause is the sender's, in real time: a sender started after it sends both.
    twilio.clear_faults()  # the second 401, if only one text had been tried
    assert await OutboxSender(sms_ctx, bot, sms=gateway).drain_once() == 2
    assert sorted(m.body for m in twilio.messages) == ["One", "Two"]


async def test_texts_keep_to_the_sending_numbers_rate(
    db_url: str, clock: FakeClock, twilio: FakeTwilioApi, bot: telegram.Bot
) -> None:
    settings = sms_settings(db_url, twilio, sms_rate_per_number_per_second=8.0)
    async with (
        app_context(settings, clock) as ctx,
        TwilioGateway.from_settings(settings) as gateway,
    ):
        for n in range(4):
            await texting_patient(ctx, f"+1415555{2600 + n}", chat_id=CHAT + n)
            await queue(ctx, CHAT + n, f"Text {n}")
        sender = OutboxSender(ctx, bot, sms=gateway)
        grants: list[tuple[int, float]] = []
        limiter = sender.sms_limiter
        original = limiter.try_acquire

        def recording(chat_id: int, now: float) -> float:
            wait = original(chat_id, now)
            if wait == 0.0:
                grants.append((chat_id, now))
            return wait

        limiter.try_acquire = recording  # type: ignore[method-assign]
        assert await sender.drain_once() == 4
    assert len(twilio.messages) == 4 and len(grants) == 4
    assert refused_on_replay(grants, 8.0, 8.0) == []


async def test_a_pool_of_numbers_each_patient_always_texted_from_the_same_one(
    db_url: str, clock: FakeClock, twilio: FakeTwilioApi, bot: telegram.Bot
) -> None:
    pool = ("+14155550100", "+14155550101", "+14155550102")
    settings = sms_settings(db_url, twilio, twilio_from_number=",".join(pool))
    async with (
        app_context(settings, clock) as ctx,
        TwilioGateway.from_settings(settings) as gateway,
    ):
        phones = [f"+1415555{2600 + n}" for n in range(6)]
        for n, phone in enumerate(phones):
            await texting_patient(ctx, phone, chat_id=CHAT + n)
            await queue(ctx, CHAT + n, "First")
            await queue(ctx, CHAT + n, "Second")
        sender = OutboxSender(ctx, bot, sms=gateway)
        while await sender.drain_once():
            pass
    assert len(twilio.messages) == 12
    senders = {phone: {m.from_ for m in twilio.messages if m.to == phone} for phone in phones}
    # One number per patient, every number of the pool used.
    assert all(len(used) == 1 for used in senders.values()), senders
    assert {number for used in senders.values() for number in used} == set(pool)


async def test_texts_beyond_what_a_number_can_send_in_a_lease_wait_their_turn(
    db_url: str, clock: FakeClock, twilio: FakeTwilioApi, bot: telegram.Bot
) -> None:
    # 5 texts a second and a 2-second lease: a number takes at most 6 texts into a batch; the
    # rest go back in line at once, not counted as attempts, and the next batches send them.
    settings = sms_settings(db_url, twilio, sms_rate_per_number_per_second=5.0)
    async with (
        app_context(settings, clock) as ctx,
        TwilioGateway.from_settings(settings) as gateway,
    ):
        for n in range(10):
            await texting_patient(ctx, f"+1415555{2600 + n}", chat_id=CHAT + n)
            await queue(ctx, CHAT + n, f"Text {n}")
        await queue(ctx, 9_999_999, "Telegram is not held behind the texts")
        sender = OutboxSender(ctx, bot, sms=gateway, lease=timedelta(seconds=2))
        # (On a slow machine the lease guard may hand back more: never are more than 6 sent.)
        assert await sender.drain_once() >= 5
        assert len(twilio.messages) <= 6
        waiting = [m for m in await rows(ctx) if m.status == "pending"]
        assert len(waiting) >= 4 and all(m.attempts == 0 for m in waiting)
        assert [m.status for m in await rows(ctx) if m.chat_id == 9_999_999] == ["sent"]
        for _ in range(10):
            if not await sender.drain_once():
                break
    assert sorted(m.body for m in twilio.messages) == [f"Text {n}" for n in range(10)]


async def test_the_sender_makes_its_own_gateway_only_when_sms_is_on(
    sms_ctx: AppContext, ctx: AppContext, bot: telegram.Bot
) -> None:
    import asyncio

    stop = asyncio.Event()
    stop.set()
    with_sms = OutboxSender(sms_ctx, bot)
    await with_sms.run(stop)  # makes one, and closes it on the way out
    assert with_sms.sms is None
    without = OutboxSender(ctx, bot)
    await without.run(stop)
    assert without.sms is None and not ctx.settings.sms_enabled


async def test_no_number_and_no_words_reach_the_logs(
    sms_ctx: AppContext,
    sender: OutboxSender,
    twilio: FakeTwilioApi,
    client: httpx.AsyncClient,
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    await texting_patient(sms_ctx)
    reminder = await remind(sms_ctx, sender)
    twilio.reject_next(21614)
    await queue(sms_ctx, CHAT, "Private words here")
    await sender.drain_once()
    assert reminder.sms_sid is not None
    await receipt(sms_ctx, client, reminder.sms_sid, "delivered")
    await text_in(sms_ctx, client, "1")
    logged = "\n".join(r.getMessage() for r in debug_logs.records)
    assert "sms receipt" in logged  # the logs were captured
    for secret in (PHONE, PHONE[2:], "4155552671", "Private words", "time for your routine"):
        assert secret not in logged


# ------------------------------------------------------------------------------ receipts


async def test_receipts_move_the_row_forward_never_back(
    sms_ctx: AppContext, sender: OutboxSender, client: httpx.AsyncClient
) -> None:
    await texting_patient(sms_ctx)
    first = await queue(sms_ctx, CHAT, "Hello")
    await sender.drain_once()
    sid = (await row(sms_ctx, first)).sms_sid
    assert sid is not None
    assert await receipt(sms_ctx, client, sid, "sent") == 204
    assert (await row(sms_ctx, first)).delivery_status == "sent"
    assert await receipt(sms_ctx, client, sid, "delivered") == 204
    assert await receipt(sms_ctx, client, sid, "sent") == 204  # late, out of order
    assert await receipt(sms_ctx, client, sid, "undelivered", 30003) == 204
    delivered = await row(sms_ctx, first)
    assert (delivered.status, delivered.delivery_status) == ("sent", "delivered")
    assert delivered.last_error is None


async def test_an_unknown_sid_is_acknowledged_and_changes_nothing(
    sms_ctx: AppContext, sender: OutboxSender, client: httpx.AsyncClient
) -> None:
    await texting_patient(sms_ctx)
    first = await queue(sms_ctx, CHAT, "Hello")
    await sender.drain_once()
    before = await row(sms_ctx, first)
    assert await receipt(sms_ctx, client, "SM" + "f" * 32, "failed", 30008) == 204
    after = await row(sms_ctx, first)
    assert (after.delivery_status, after.last_error) == (before.delivery_status, None)


async def test_an_undelivered_reminder_shows_on_the_row_and_is_not_counted_a_miss(
    sms_ctx: AppContext,
    sender: OutboxSender,
    twilio: FakeTwilioApi,
    client: httpx.AsyncClient,
) -> None:
    await texting_patient(sms_ctx)
    reminder = await remind(sms_ctx, sender)
    [message] = twilio.messages
    # The fake posts the receipt to the message's StatusCallback; here that is the public URL,
    # so the same signed form goes through the app directly.
    assert reminder.sms_sid == message.sid
    assert await receipt(sms_ctx, client, message.sid, "undelivered", 30003) == 204
    undelivered = await row(sms_ctx, reminder.id)
    assert undelivered.delivery_status == "undelivered"
    assert "30003" in (undelivered.last_error or "")
    assert (await the_dose(sms_ctx)).reminded_at is None
    # When the dose window closes, it is recorded as never reminded, as for a Telegram failure.
    clock_of(sms_ctx).advance(timedelta(hours=5))
    await follow_up(sms_ctx)
    assert (await the_dose(sms_ctx)).status == "missed_not_reminded"
    assert [m.kind for m in await rows(sms_ctx)] == ["reminder"]  # no missed-dose note


async def test_a_delivered_reminder_that_goes_unanswered_is_a_miss(
    sms_ctx: AppContext, sender: OutboxSender, client: httpx.AsyncClient
) -> None:
    await texting_patient(sms_ctx)
    reminder = await remind(sms_ctx, sender)
    assert reminder.sms_sid is not None
    await receipt(sms_ctx, client, reminder.sms_sid, "delivered")
    clock_of(sms_ctx).advance(timedelta(hours=5))
    await follow_up(sms_ctx)
    assert (await the_dose(sms_ctx)).status == "missed"


# ------------------------------------------------------------------------------ numbered replies


async def test_1_answers_the_latest_reminder_as_taken(
    sms_ctx: AppContext, sender: OutboxSender, client: httpx.AsyncClient
) -> None:
    await texting_patient(sms_ctx)
    await remind(sms_ctx, sender)
    clock_of(sms_ctx).advance(timedelta(minutes=5))
    assert await text_in(sms_ctx, client, "1") == ["Recorded. Well done! Taken at 08:05"]
    dose = await the_dose(sms_ctx)
    assert dose.status == "taken" and dose.answered_at == DUE + timedelta(minutes=5)
    # Nothing open any more: a second "1" answers nothing.
    assert await text_in(sms_ctx, client, "1") == [t("en", sms_inbound.NO_OPEN_QUESTION)]
    assert (await the_dose(sms_ctx)).answered_at == DUE + timedelta(minutes=5)


async def test_2_snoozes_30_minutes_and_the_reminder_comes_again_by_text(
    sms_ctx: AppContext, sender: OutboxSender, client: httpx.AsyncClient, twilio: FakeTwilioApi
) -> None:
    await texting_patient(sms_ctx)
    await remind(sms_ctx, sender)
    assert await text_in(sms_ctx, client, "2") == [
        "Okay, I'll remind you again. Snoozed until 08:30"
    ]
    assert (await the_dose(sms_ctx)).snoozed_until == DUE + timedelta(minutes=30)
    clock_of(sms_ctx).advance(timedelta(minutes=30))
    await follow_up(sms_ctx)
    await sender.drain_once()
    # The reminder again (and, the reminder being 30 minutes old, the usual nudge after it).
    assert twilio.bodies(PHONE)[:2] == [REMINDER, REMINDER]


async def test_3_skips_and_spanish_answers_are_in_spanish(
    sms_ctx: AppContext, sender: OutboxSender, client: httpx.AsyncClient
) -> None:
    await texting_patient(sms_ctx, lang="es")
    await remind(sms_ctx, sender)
    [answer] = await text_in(sms_ctx, client, "3")
    assert answer == t("es", "Skipped. That's okay.")
    assert (await the_dose(sms_ctx)).status == "skipped"


async def test_an_injection_reminder_is_answered_done_by_1(
    sms_ctx: AppContext, sender: OutboxSender, client: httpx.AsyncClient, twilio: FakeTwilioApi
) -> None:
    from jobs.tick import tick

    await texting_patient(sms_ctx, plan=INJECTION)
    # The injection's day: run the tick until its reminder is due.
    for _ in range(40):
        clock_of(sms_ctx).advance(timedelta(days=1))
        await tick(sms_ctx)
        if [m for m in await rows(sms_ctx) if m.kind == "reminder"]:
            break
    await sender.drain_once()
    assert twilio.bodies(PHONE)[-1].endswith("Reply 1 done, 2 not yet")
    [answer] = await text_in(sms_ctx, client, "1")
    assert answer.startswith("Recorded. Well done! Done at")
    async with sms_ctx.sessions() as session:
        statuses = list(await session.scalars(select(DoseEvent.status)))
    assert "taken" in statuses


async def test_a_number_with_nothing_open_or_off_the_menu(
    sms_ctx: AppContext, sender: OutboxSender, client: httpx.AsyncClient
) -> None:
    await texting_patient(sms_ctx)
    assert await text_in(sms_ctx, client, "1") == [t("en", sms_inbound.NO_OPEN_QUESTION)]
    await remind(sms_ctx, sender)
    assert await text_in(sms_ctx, client, "7") == ["Reply 1 taken, 2 snooze 30 min, 3 skip"]
    assert (await the_dose(sms_ctx)).status == "pending"


async def test_a_number_from_someone_elses_phone_answers_nothing_of_theirs(
    sms_ctx: AppContext, sender: OutboxSender, client: httpx.AsyncClient
) -> None:
    await texting_patient(sms_ctx)
    await remind(sms_ctx, sender)
    assert await text_in(sms_ctx, client, "1", from_=OTHER_PHONE) == [
        t("en", sms_inbound.NO_OPEN_QUESTION)
    ]
    assert (await the_dose(sms_ctx)).status == "pending"


# ------------------------------------------------------------------------------ free text


@pytest.mark.parametrize("linked", [True, False], ids=["patient", "unknown number"])
async def test_asking_in_words_to_stop_is_told_how_and_a_goodbye_is_still_a_crisis(
    sms_ctx: AppContext, client: httpx.AsyncClient, linked: bool
) -> None:
    """ "Stop texting me" gets how to stop (only STOP itself opts out); the same words in a
    goodbye get the crisis reply, because the safety net reads every text first."""
    if linked:
        await texting_patient(sms_ctx)
    how = t("en", sms_inbound.HOW_TO_STOP)
    assert await text_in(sms_ctx, client, "please stop texting me") == [how]
    assert await text_in(sms_ctx, client, "remove my number from your list") == [how]
    # A patient is answered in their own language; an unknown number in the one it wrote in.
    assert await text_in(sms_ctx, client, "ya no me manden mensajes por favor") == [
        t("en" if linked else "es", sms_inbound.HOW_TO_STOP)
    ]
    goodbye = await text_in(
        sms_ctx, client, "you can stop sending me messages, I won't be alive tomorrow"
    )
    assert len(goodbye) >= 1 and "988" in " ".join(goodbye) and how not in goodbye
    contact = await the_contact(sms_ctx)
    assert contact is None or contact.opted_out_at is None


async def test_a_crisis_from_a_linked_patient_alerts_their_care_team(
    sms_ctx: AppContext, client: httpx.AsyncClient
) -> None:
    clinic = await new_clinic(sms_ctx)
    await texting_patient(sms_ctx, clinic_id=clinic.id)
    answer = await text_in(sms_ctx, client, "i want to kill myself")
    assert answer == [crisis_reply(CrisisKind.SUICIDE_SELF_HARM, care_team_told=True, lang="en")]
    async with sms_ctx.sessions() as session:
        kinds = list(await session.scalars(select(Alert.kind)))
    assert kinds == ["crisis:suicide_self_harm"]


async def test_a_question_from_a_linked_patient_gets_the_answer_telegram_gives(
    sms_ctx: AppContext, client: httpx.AsyncClient
) -> None:
    await texting_patient(sms_ctx)
    question = "can I drink alcohol on naltrexone?"
    on_telegram = await Inbox(sms_ctx).text(Sender(CHAT), question)
    assert await text_in(sms_ctx, client, question) == [reply.text for reply in on_telegram]
