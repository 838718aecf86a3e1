"""Replies sent while a patient waits, through a Bot API that fails: the real python-telegram-bot
application against the fake Bot API, on both databases.

Faults are deterministic: the fake fails the *first* arrival of one in every few distinct
requests (a 500, a dropped connection, or a hang past the client's timeout) and answers the
same request normally when it comes again. Nothing is delivered on a fault, so a bot that
retries and loses nothing shows the patient exactly the conversation it shows without faults.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.models import Conversation, OutboxMessage, Patient
from bot.runtime import app_context
from bot.telegram import delivery
from bot.telegram.app import build_application, serve
from bot.telegram.handlers import NOT_DELIVERED, SORRY
from jobs.sender import OutboxSender, sender_bot
from tests.conftest import TEST_TOKEN, make_settings
from tests.e2e.care import Clinic, clock, eventually
from tests.e2e.conftest import JobRuns, LiveBot
from tests.fakes.bot_api import FakeBotApi, SentMessage
from tests.support import new_clinic

CHAT = 515151
PAT, SAM = 6400, 7401
WAIT = 30.0  # generous: a hang past the client's timeout costs its 5 s read timeout
SAFE, HELP, TEAM = "I'm safe", "I need help now", "Ask my care team to reach me"
REPLY_METHODS = ("sendMessage", "editMessageText", "answerCallbackQuery", "setMyCommands")


@pytest.fixture
async def bot(db_url: str, clock: FakeClock) -> AsyncIterator[LiveBot]:
    """`recovery-bot run` in-process (the application with its jobs, and the outbox sender),
    like `live_bot`, but a test here may expect the error handler's notice."""
    async with FakeBotApi() as api:
        settings = make_settings(
            db_url,
            telegram_bot_token=TEST_TOKEN,
            telegram_api_base_url=api.base_url,
            tick_seconds=0.2,
        )
        async with app_context(settings, clock) as ctx, sender_bot(settings) as sending_bot:
            application = build_application(ctx)
            job_runs = JobRuns()
            job_runs.watch(application)
            stop = asyncio.Event()
            serving = asyncio.create_task(serve(application, stop))
            sending = asyncio.create_task(OutboxSender(ctx, sending_bot).run(stop))
            await api.wait_for_call("getUpdates")
            try:
                yield LiveBot(ctx, api, job_runs)
            finally:
                stop.set()
                await asyncio.wait_for(asyncio.gather(serving, sending), timeout=30)
        api.assert_no_unknown_calls()


async def say(bot: LiveBot, text: str, expect: int = 1, chat: int = CHAT) -> list[str]:
    mark = bot.api.mark(chat)
    await bot.api.send_text(chat, text)
    return [m.plain_text or "" for m in await bot.api.wait_for_new(chat, mark, expect, WAIT)]


async def tap(bot: LiveBot, label: str, expect: int = 1) -> list[str]:
    mark = bot.api.mark(CHAT)
    await bot.api.tap(CHAT, label)
    return [m.plain_text or "" for m in await bot.api.wait_for_new(CHAT, mark, expect, WAIT)]


def sent_texts(bot: LiveBot, chat: int = CHAT) -> list[str]:
    return [m.plain_text or "" for m in bot.api.sent(chat)]


async def test_an_enrolment_completes_while_a_fifth_of_the_replies_fail_once(bot: LiveBot) -> None:
    clinic = await new_clinic(bot.ctx)
    # One request in five fails on its first arrival: 500s, dropped connections, and one
    # hang past the client's 5 s read timeout (a real TimedOut), in turn.
    bot.api.fail_first_attempts(
        REPLY_METHODS, every=5, kinds=("5xx", "drop", "timeout", "5xx", "drop"), hang_seconds=5.5
    )
    welcome, consent = await say(bot, f"/start {clinic.invite_code}", expect=2)
    assert "Northside Clinic" in welcome and "care team" in consent
    zone_prompt = (await tap(bot, "I agree", expect=3))[1]
    assert "time zone" in zone_prompt
    got_it, question = await say(bot, "Chicago", expect=2)
    assert "Chicago" in got_it and "where you are" in question
    assert "How do you take" in (await tap(bot, "Yes, that's right"))[0]
    assert "What time" in (await tap(bot, "Daily tablet"))[0]
    assert "check in with you" in (await say(bot, "8:30pm"))[0]
    assert "What time of day suits you" in (await tap(bot, "Weekly (recommended)"))[0]
    assert "Is that right" in (await tap(bot, "19:00"))[0]
    done = (await tap(bot, "Looks good"))[0]
    assert "You're all set" in done and "20:30" in done
    await bot.api.wait_idle(quiet=0.5, timeout=WAIT)

    # Faults of every kind were met, on replies, button answers and edits alike.
    injected = [c for c in bot.api.calls if c.injected]
    assert {c.chaos for c in injected} == {"5xx", "drop", "timeout"}
    assert len(injected) >= 4
    assert len({c.method for c in injected}) >= 2
    # The patient read each message once, in order, and never an apology.
    texts = sent_texts(bot)
    assert len(texts) == 13, texts
    assert len(set(texts)) == len(texts)
    assert not [t for t in texts if t in (SORRY, NOT_DELIVERED)]
    # Every tapped message shows the answer chosen, and every tap was answered.
    consent_message = bot.api.sent(CHAT)[1]
    assert "✓ I agree" in (consent_message.plain_text or "")
    taps = bot.api.calls_to("answerCallbackQuery")
    assert len({c.params["callback_query_id"] for c in taps if c.ok}) == 6
    async with bot.ctx.sessions() as session:
        [patient] = list(await session.scalars(select(Patient)))
    assert patient.chat_id == CHAT and patient.timezone == "America/Chicago"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("i want to die tonight", "care team has been told"), ("i feel so hopeless lately", "safe")],
    ids=["crisis", "are-you-safe"],
)
async def test_a_safety_reply_that_meets_persistent_500s_arrives_later_through_the_outbox(
    bot: LiveBot, typed: str, expected: str
) -> None:
    clinic = await Clinic.make(bot)
    await clinic.staff(SAM, "Sam Rivera")
    await clinic.patient(PAT, "Pat Doe")
    # Telegram answers 500 to everything sent to the patient, for as long as it takes.
    bot.api.fail_next("sendMessage", 500, times=10_000, chat_id=PAT)
    await bot.api.send_text(PAT, typed)

    async def queued() -> OutboxMessage | None:
        async with bot.ctx.sessions() as session:
            return await session.scalar(
                select(OutboxMessage).where(
                    OutboxMessage.chat_id == PAT, OutboxMessage.last_error.is_not(None)
                )
            )

    # The handler gave up and queued the reply; the sender has tried it too, in vain.
    for _ in range(int(WAIT / 0.1)):
        if await queued() is not None:
            break
        await asyncio.sleep(0.1)
    row = await queued()
    assert row is not None, "the reply was neither delivered nor queued"
    assert row.status == "pending"
    assert bot.api.sent(PAT) == []
    attempts = [c for c in bot.api.calls_to("sendMessage") if c.params.get("chat_id") == PAT]
    assert all(c.status == 500 for c in attempts) and len(attempts) >= 2

    # Telegram recovers; the sender's next attempt delivers the reply.
    bot.api.clear_faults()
    clock(bot).advance(timedelta(minutes=10))
    [reply] = await bot.api.wait_for_messages(PAT, 1, timeout=WAIT)
    text = reply.plain_text or ""
    assert "988" in text and expected in text
    if "hopeless" in typed:
        assert reply.buttons == [[SAFE], [HELP], [TEAM]]
    await bot.api.wait_idle(quiet=0.5, timeout=WAIT)
    patient_messages = bot.api.sent(PAT)
    assert len(patient_messages) == 1, [m.plain_text for m in patient_messages]


async def test_a_500_is_retried_and_a_400_is_not(bot: LiveBot) -> None:
    clinic = await Clinic.make(bot)
    await clinic.patient(PAT, "Pat Doe")
    bot.api.fail_next("sendMessage", 500, chat_id=PAT)
    bot.api.fail_next(
        "sendMessage", 400, description="Bad Request: can't parse entities", chat_id=PAT
    )
    [notice] = await say(bot, "/help", chat=PAT)
    await bot.api.wait_idle(quiet=0.5, timeout=WAIT)
    attempts = [c for c in bot.api.calls_to("sendMessage") if c.params.get("chat_id") == PAT]
    help_text = attempts[0].params["text"]
    # The 500 was tried again; the 400 that answered the retry was final.
    assert [c.status for c in attempts if c.params["text"] == help_text] == [500, 400]
    # The patient is told something went wrong, once; the help is not sent a third time.
    assert notice == SORRY
    assert sent_texts(bot, PAT) == [SORRY]


async def test_a_reply_lost_for_good_keeps_the_answer_and_the_next_message_carries_on(
    bot: LiveBot,
) -> None:
    clinic = await new_clinic(bot.ctx)
    await say(bot, f"/start {clinic.invite_code}", expect=2)
    # Every attempt at the next reply fails; the notice after it gets through.
    bot.api.fail_next("sendMessage", 500, times=delivery.ATTEMPTS, chat_id=CHAT)
    mark = bot.api.mark(CHAT)
    await bot.api.tap(CHAT, "I agree")
    [notice] = await bot.api.wait_for_new(CHAT, mark, 1, WAIT)
    assert notice.plain_text == NOT_DELIVERED
    # The consent was kept: the conversation is at the time-zone question.
    async with bot.ctx.sessions() as session:
        [conversation] = list(await session.scalars(select(Conversation)))
    assert conversation.step == "zone"
    # /start shows where we are, and the next answer carries on.
    zone_prompt, _location_hint = await say(bot, "/start", expect=2)
    assert "time zone" in zone_prompt
    got_it, question = await say(bot, "Chicago", expect=2)
    assert "Chicago" in got_it and "where you are" in question


def _first(message: SentMessage) -> str:
    return (message.history[0].text if message.history else message.plain_text) or ""


async def test_a_crisis_reply_queued_while_telegram_fails_is_sent_once(bot: LiveBot) -> None:
    """The alert card to staff and the patient's reply both survive; nothing goes twice."""
    clinic = await Clinic.make(bot)
    await clinic.staff(SAM, "Sam Rivera")
    await clinic.patient(PAT, "Pat Doe")
    bot.api.fail_next("sendMessage", 502, times=delivery.ATTEMPTS, chat_id=PAT)
    await bot.api.send_text(PAT, "i want to die tonight")
    [reply] = await bot.api.wait_for_messages(PAT, 1, timeout=WAIT)
    assert "988" in (reply.plain_text or "")
    await eventually(lambda: any("Open since" in _first(m) for m in bot.api.sent(SAM)), "card")
    await bot.api.wait_idle(quiet=0.5, timeout=WAIT)
    assert len(bot.api.sent(PAT)) == 1
