"""The safety net end to end: the "check" tier and its one-tap answers, crisis kinds that never
hide each other, and Spanish. The real python-telegram-bot against the fake Bot API, both
databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db.models import AuditEntry, SafetyCheck
from tests.e2e.care import Clinic, alerts, cards, clock, drained, eventually, first_text, say
from tests.e2e.conftest import LiveBot

PAT, SAM = 6300, 7301
SAFE, HELP, TEAM = "I'm safe", "I need help now", "Ask my care team to reach me"


async def _clinic(bot: LiveBot) -> Clinic:
    clinic = await Clinic.make(bot)
    await clinic.staff(SAM, "Sam Rivera")
    await clinic.patient(PAT, "Pat Doe")
    return clinic


async def test_a_risk_signal_asks_are_you_safe_and_nothing_else(live_bot: LiveBot) -> None:
    await _clinic(live_bot)
    [prompt] = await say(live_bot, PAT, "i feel so hopeless lately")
    text = prompt.plain_text or ""
    assert "are you safe right now?" in text and "988" in text and "911" in text
    assert prompt.buttons == [[SAFE], [HELP], [TEAM]]
    await live_bot.api.wait_idle(quiet=0.5)
    assert len(live_bot.api.sent(PAT)) == 1  # no answer, no "I don't know" after it
    await drained(live_bot)
    assert await alerts(live_bot) == []  # a check is not an alert until it goes unanswered

    mark = live_bot.api.mark(PAT)
    await live_bot.api.tap(PAT, SAFE, prompt)
    [thanks] = await live_bot.api.wait_for_new(PAT, mark, count=1)
    assert "988" in (thanks.plain_text or "")
    # Time passes: an answered check never alerts anyone.
    clock(live_bot).advance(timedelta(hours=2))
    await drained(live_bot)
    assert await alerts(live_bot) == []
    async with live_bot.ctx.sessions() as session:
        [check] = await session.scalars(select(SafetyCheck))
        assert check.answer == "safe" and check.alerted_at is None


async def test_an_unanswered_check_alerts_staff_once_at_normal_urgency(live_bot: LiveBot) -> None:
    await _clinic(live_bot)
    await say(live_bot, PAT, "i give up")
    # Saying it again re-asks the same question; it does not open a second one.
    await say(live_bot, PAT, "whats the point honestly")
    clock(live_bot).advance(timedelta(minutes=29))
    await drained(live_bot)
    assert await alerts(live_bot) == []
    clock(live_bot).advance(timedelta(minutes=2))
    await drained(live_bot)
    [alert] = await alerts(live_bot)
    assert (alert.kind, alert.severity) == ("safety_check", "normal")
    [card] = cards(live_bot, SAM)
    assert "did not answer “Are you safe right now?” within 30 minutes" in first_text(card)
    assert "point" not in first_text(card)  # never the patient's words
    clock(live_bot).advance(timedelta(hours=3))
    await drained(live_bot)
    assert len(await alerts(live_bot)) == 1
    async with live_bot.ctx.sessions() as session:
        assert len((await session.scalars(select(SafetyCheck))).all()) == 1


async def test_help_now_is_a_crisis_and_ask_my_team_a_contact_request(live_bot: LiveBot) -> None:
    await _clinic(live_bot)
    [prompt] = await say(live_bot, PAT, "nobody needs me")
    mark = live_bot.api.mark(PAT)
    await live_bot.api.tap(PAT, HELP, prompt)
    [crisis] = await live_bot.api.wait_for_new(PAT, mark, count=1)
    assert "988" in (crisis.plain_text or "") and "care team has been told" in (
        crisis.plain_text or ""
    )
    await drained(live_bot)
    [alert] = await alerts(live_bot)
    assert (alert.kind, alert.severity) == ("crisis:help_now", "urgent")
    assert "tapped “I need help now”" in first_text(cards(live_bot, SAM)[0])

    [again] = await say(live_bot, PAT, "i feel so hopeless lately")
    mark = live_bot.api.mark(PAT)
    await live_bot.api.tap(PAT, TEAM, again)
    [told] = await live_bot.api.wait_for_new(PAT, mark, count=1)
    assert "asked your care team to reach out" in (told.plain_text or "")
    await drained(live_bot)
    kinds = [a.kind for a in await alerts(live_bot)]
    assert kinds == ["crisis:help_now", "contact_request"]
    async with live_bot.ctx.sessions() as session:
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert actions.count("safety_check.answered") == 2


async def test_a_forged_or_foreign_check_tap_changes_nothing(live_bot: LiveBot) -> None:
    clinic = await _clinic(live_bot)
    await clinic.patient(PAT + 1, "Lee Roe")
    await say(live_bot, PAT, "i give up")
    async with live_bot.ctx.sessions() as session:
        [check] = await session.scalars(select(SafetyCheck))
    await live_bot.api.tap_data(PAT + 1, f"sc:{check.id}:help", 1)
    await live_bot.api.tap_data(PAT, "sc:99999999:help", 1)
    await live_bot.api.tap_data(PAT, f"sc:{check.id}:xyz", 1)
    await live_bot.api.wait_idle(quiet=0.5)
    await drained(live_bot)
    assert await alerts(live_bot) == []
    notices = [a.text or "" for a in live_bot.api.callback_answers.values()]
    assert notices.count("That question isn't open any more, so nothing changed.") == 3


async def test_a_second_crisis_kind_is_a_new_card_that_names_the_first(live_bot: LiveBot) -> None:
    await _clinic(live_bot)
    await say(live_bot, PAT, "my friend is overdosing and not breathing")
    await drained(live_bot)
    await say(live_bot, PAT, "i want to kill myself")
    await drained(live_bot)
    first, second = cards(live_bot, SAM)  # two messages that notify, not one edited card
    assert "overdose" in first_text(first)
    assert "suicide or self-harm" in first_text(second)
    assert "Also open for them: Crisis: overdose or emergency" in first_text(second)
    # The same kind again still folds into its own card.
    await say(live_bot, PAT, "i want to die")
    await drained(live_bot)
    assert len(cards(live_bot, SAM)) == 2
    kinds = [(a.kind, a.occurrences) for a in await alerts(live_bot)]
    assert kinds == [("crisis:overdose_emergency", 1), ("crisis:suicide_self_harm", 2)]
    await eventually(
        lambda: (
            "Happened 2 times" in (live_bot.api.message(SAM, second.message_id).plain_text or "")
        ),
        "the repeat counted on the second card",
    )


async def test_spanish_crisis_gets_a_spanish_reply_and_staff_are_told_the_language(
    live_bot: LiveBot,
) -> None:
    await _clinic(live_bot)
    [reply] = await say(live_bot, PAT, "ya no quiero vivir, me quiero morir")
    text = reply.plain_text or ""
    assert "988" in text and "marque 2 o escriba AYUDA" in text and "911" in text
    assert "Su equipo de atención ya sabe y se comunicará con usted." in text
    await drained(live_bot)
    [card] = cards(live_bot, SAM)
    assert "They wrote in Spanish" in first_text(card)
    [prompt] = await say(live_bot, PAT, "ya no aguanto mas")
    assert "¿está a salvo ahora mismo?" in (prompt.plain_text or "")
    assert "marque 2 o escriba AYUDA" in (prompt.plain_text or "")
    assert prompt.buttons == [
        ["Estoy a salvo"],
        ["Necesito ayuda ya"],
        ["Que mi equipo me contacte"],
    ]
    # The answers follow in the language the question was asked in, with "usted".
    mark = live_bot.api.mark(PAT)
    await live_bot.api.tap(PAT, "Estoy a salvo", prompt)
    [thanks] = await live_bot.api.wait_for_new(PAT, mark, count=1)
    assert (thanks.plain_text or "").startswith("Gracias. Me alegra. Si eso cambia, llame")
    await eventually(
        lambda: (live_bot.api.message(PAT, prompt.message_id).plain_text or "").endswith(
            "Usted dijo: estoy a salvo"
        ),
        "the question shows the answer in Spanish",
    )


async def test_poisoning_and_allergic_reaction_get_their_own_replies(live_bot: LiveBot) -> None:
    await _clinic(live_bot)
    [poison] = await say(live_bot, PAT, "my kid got into my pills")
    assert "1-800-222-1222" in (poison.plain_text or "") and "911" in (poison.plain_text or "")
    [allergy] = await say(live_bot, PAT, "my face is swelling up after my shot")
    text = allergy.plain_text or ""
    assert "911" in text and "swelling of the face" in text
    await drained(live_bot)
    kinds = sorted(a.kind for a in await alerts(live_bot))
    assert kinds == ["crisis:medical_emergency", "crisis:poisoning"]
