"""Whole onboardings through real python-telegram-bot and the fake Bot API, on both databases."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import select

from bot.db.models import Patient, Schedule
from bot.logs import configure_logging
from tests.conftest import TEST_TOKEN
from tests.e2e.conftest import LiveBot
from tests.support import new_clinic, table_counts

CHAT = 424242


async def say(bot: LiveBot, text: str, expect: int = 1) -> list[str]:
    mark = bot.api.mark(CHAT)
    await bot.api.send_text(CHAT, text)
    new = await bot.api.wait_for_new(CHAT, mark, count=expect)
    return [m.plain_text for m in new]


async def tap(bot: LiveBot, label: str, expect: int = 1) -> list[str]:
    mark = bot.api.mark(CHAT)
    await bot.api.tap(CHAT, label)
    new = await bot.api.wait_for_new(CHAT, mark, count=expect)
    return [m.plain_text for m in new]


async def enrolled(bot: LiveBot) -> tuple[Patient, Schedule]:
    async with bot.ctx.sessions() as session:
        [patient] = list(await session.scalars(select(Patient)))
        [schedule] = list(await session.scalars(select(Schedule)))
    return patient, schedule


async def test_typed_onboarding(live_bot: LiveBot) -> None:
    clinic = await new_clinic(live_bot.ctx)
    welcome, consent = await say(live_bot, f"/start {clinic.invite_code}", expect=2)
    assert "Northside Clinic" in welcome and "988" in welcome
    assert "care team" in consent
    zone_prompt, _location_hint = (await say(live_bot, "I agree", expect=3))[1:]
    assert "time zone" in zone_prompt
    assert live_bot.api.reply_keyboard(CHAT) == [["📍 Share my location"]]
    got_it, question = await say(live_bot, "Chicago", expect=2)
    assert "Chicago" in got_it and "where you are" in question
    assert "How do you take" in (await say(live_bot, "yes"))[0]
    assert "What time" in (await say(live_bot, "daily"))[0]
    assert "check in with you" in (await say(live_bot, "8:30pm"))[0]
    assert "What time of day suits you" in (await say(live_bot, "weekly"))[0]
    assert "Is that right" in (await say(live_bot, "7pm"))[0]
    done = (await say(live_bot, "yes"))[0]
    assert "You're all set" in done and "20:30" in done and "Check-ins: weekly" in done

    patient, schedule = await enrolled(live_bot)
    assert patient.chat_id == CHAT and patient.timezone == "America/Chicago"
    assert patient.consent_version == live_bot.ctx.consent.version
    assert schedule.next_due_at == datetime(2026, 11, 26, 2, 30, tzinfo=UTC)
    # The command menu is set for private chats.
    menus = {key: [c["command"] for c in cmds] for key, cmds in live_bot.api.commands.items()}
    assert any(
        cmds[0] == "start" and {"checkin", "progress", "sos", "cancel"} <= set(cmds)
        for cmds in menus.values()
    )


async def test_tapped_onboarding_with_location_and_edited_buttons(live_bot: LiveBot) -> None:
    clinic = await new_clinic(live_bot.ctx)
    await say(live_bot, f"/start {clinic.invite_code}", expect=2)
    await tap(live_bot, "I agree", expect=3)
    consent_message = live_bot.api.sent(CHAT)[1]
    assert consent_message.edited and "✓ I agree" in consent_message.plain_text
    assert not consent_message.inline_keyboard

    mark = live_bot.api.mark(CHAT)
    await live_bot.api.send_location(CHAT, 47.61, -122.33)  # Seattle
    got_it, _question = [m.plain_text for m in await live_bot.api.wait_for_new(CHAT, mark, 2)]
    assert "Seattle" in got_it or "Los_Angeles" in got_it
    await tap(live_bot, "Yes, that's right")
    await tap(live_bot, "Monthly injection")
    assert "What time" in (await say(live_bot, "Dec 10"))[0]
    await tap(live_bot, "09:00")
    await tap(live_bot, "Daily")
    await tap(live_bot, "19:00")
    assert "You're all set" in (await tap(live_bot, "Looks good"))[0]
    _patient, schedule = await enrolled(live_bot)
    assert schedule.kind == "monthly_injection" and schedule.timezone == "America/Los_Angeles"
    assert schedule.dose_times == ["09:00"]


async def test_stale_button_and_non_text_messages(live_bot: LiveBot) -> None:
    clinic = await new_clinic(live_bot.ctx)
    await say(live_bot, f"/start {clinic.invite_code}", expect=2)
    consent_message = live_bot.api.sent(CHAT)[1]
    old_data = consent_message.callback_data("I agree")
    await say(live_bot, "yes", expect=3)
    # The consent buttons still show (it was answered by typing); tapping one now is stale.
    mark = live_bot.api.mark(CHAT)
    await live_bot.api.tap_data(CHAT, old_data, consent_message.message_id)
    # The zone question comes back with its location key: notice, question, key hint.
    notice, current, _hint = [m.plain_text for m in await live_bot.api.wait_for_new(CHAT, mark, 3)]
    assert "where we are" in notice and "time zone" in current
    [answer] = list(live_bot.api.callback_answers.values())[-1:]
    assert "earlier step" in (answer.text or "")

    for send in (live_bot.api.send_sticker, live_bot.api.send_photo, live_bot.api.send_voice):
        mark = live_bot.api.mark(CHAT)
        await send(CHAT)
        replies = [m.plain_text for m in await live_bot.api.wait_for_new(CHAT, mark, 3)]
        assert "only read text" in replies[0] and "time zone" in replies[1]
    assert (await table_counts(live_bot.ctx))["patients"] == 0


async def test_unknown_command_cancel_and_help(live_bot: LiveBot) -> None:
    assert "don't know that command" in (await say(live_bot, "/frobnicate"))[0]
    assert "/start CODE" in (await say(live_bot, "/help"))[0]
    assert "nothing to cancel" in (await say(live_bot, "/cancel"))[0]
    assert "invite" in (await say(live_bot, "/start"))[0]


async def test_no_token_or_typed_text_in_logs_at_debug(live_bot: LiveBot, caplog) -> None:  # type: ignore[no-untyped-def]
    configure_logging("DEBUG", [TEST_TOKEN])
    caplog.set_level(logging.DEBUG)
    clinic = await new_clinic(live_bot.ctx)
    typed = [
        "Yes I agree",
        "Lisbon",
        "yep",
        "pills",
        "quarter past seven xylophone",
        "7:15 am",
        "Weekly (recommended)",
        "18:45",
        "looks good",
        "i want to die tonight",
    ]
    await say(live_bot, f"/start {clinic.invite_code}", expect=2)
    await say(live_bot, typed[0], expect=3)
    await say(live_bot, typed[1], expect=2)
    await say(live_bot, typed[2])
    await say(live_bot, typed[3])
    await say(live_bot, typed[4], expect=2)
    await say(live_bot, typed[5])
    await say(live_bot, typed[6])
    await say(live_bot, typed[7])
    await say(live_bot, typed[8])
    assert "988" in (await say(live_bot, typed[9]))[0]
    logged = caplog.text
    assert logged, "expected some log output at DEBUG"
    assert TEST_TOKEN not in logged and "123456" not in logged
    for text in [*typed, clinic.invite_code]:
        assert text not in logged, f"log contains typed text {text!r}"
