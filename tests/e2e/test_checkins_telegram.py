"""Check-ins end to end: the real python-telegram-bot against the fake Bot API, both databases."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from bot.db.models import CheckIn
from bot.domain.checkins import MOODS, USE_LABELS, Use
from tests.e2e.care import Clinic, alerts, at, cards, clock, drained, say, tap_and_wait_edit
from tests.e2e.conftest import LiveBot

PAT, NURSE = 6100, 6900
# Wed 25 Nov 2026, 19:00 in Chicago (CST) is 01:00 UTC on Thursday.
EVENING = at(2026, 11, 26, 1, 0)


async def check_ins(bot: LiveBot) -> list[CheckIn]:
    async with bot.ctx.sessions() as session:
        return list(await session.scalars(select(CheckIn).order_by(CheckIn.id)))


async def test_a_scheduled_check_in_takes_three_taps_and_a_note(live_bot: LiveBot) -> None:
    clinic = await Clinic.make(live_bot)
    await clinic.staff(NURSE, "Sam Rivera")
    await clinic.patient(
        PAT,
        "Pat Doe",
        checkin_frequency="daily",
        checkin_time="19:00",
        next_checkin_at=EVENING,
    )
    mark = live_bot.api.mark(PAT)
    clock(live_bot).set(EVENING + timedelta(seconds=2))
    [question] = await live_bot.api.wait_for_new(PAT, mark, count=1)
    # Discreet on a lock screen: the first line names neither drug nor condition.
    assert question.plain_text and question.plain_text.startswith("Quick check-in")
    assert [b for row in question.buttons for b in row] == [str(n) for n in range(11)]

    mood = await tap_and_wait_edit(live_bot, PAT, "3", question)
    assert "Craving 3/10" in mood and "mood" in mood
    use = await tap_and_wait_edit(live_bot, PAT, MOODS[4], question)
    assert "Mood: good" in use and "used alcohol or drugs" in use
    done = await tap_and_wait_edit(live_bot, PAT, "No", question)
    assert "Check-in done" in done and "No use" in done and "Anything else" in done
    [thanks] = await say(live_bot, PAT, "slept badly but ok")
    assert "added that to your check-in" in (thanks.plain_text or "")

    [check_in] = await check_ins(live_bot)
    assert (check_in.status, check_in.craving, check_in.mood) == ("answered", 3, 4)
    assert (check_in.substance_use, check_in.note) == ("no", "slept badly but ok")
    assert check_in.due_at == EVENING
    # Nothing worrying in it: the care team is not alerted.
    await drained(live_bot)
    assert await alerts(live_bot) == [] and cards(live_bot, NURSE) == []


SPANISH = 6101


async def test_a_spanish_patient_is_asked_and_thanked_in_spanish(live_bot: LiveBot) -> None:
    clinic = await Clinic.make(live_bot)
    await clinic.staff(NURSE, "Sam Rivera")
    await clinic.patient(
        SPANISH,
        "Ana Ruiz",
        checkin_frequency="daily",
        checkin_time="19:00",
        next_checkin_at=EVENING,
        language="es",
    )
    await clinic.patient(
        PAT, "Pat Doe", checkin_frequency="daily", checkin_time="19:00", next_checkin_at=EVENING
    )
    marks = {chat: live_bot.api.mark(chat) for chat in (SPANISH, PAT)}
    clock(live_bot).set(EVENING + timedelta(seconds=2))
    # One wave, each in their own language.
    [english] = await live_bot.api.wait_for_new(PAT, marks[PAT], count=1)
    assert english.plain_text and english.plain_text.startswith("Quick check-in")
    [question] = await live_bot.api.wait_for_new(SPANISH, marks[SPANISH], count=1)
    text = question.plain_text or ""
    assert text.startswith("Preguntas rápidas") and "¿Qué tan fuertes son sus antojos" in text
    assert [b for row in question.buttons for b in row] == [str(n) for n in range(11)]

    mood = await tap_and_wait_edit(live_bot, SPANISH, "9", question)
    assert "Antojo: 9/10" in mood and "¿Cómo está su ánimo hoy?" in mood
    assert [
        b for row in live_bot.api.message(SPANISH, question.message_id).buttons for b in row
    ] == [
        "😞 Muy bajo",
        "🙁 Bajo",
        "😐 Regular",
        "🙂 Bueno",
        "😄 Excelente",
    ]
    use = await tap_and_wait_edit(live_bot, SPANISH, "🙁 Bajo", question)
    assert "Ánimo: bajo" in use and "¿ha consumido alcohol o drogas?" in use
    mark = live_bot.api.mark(SPANISH)
    done = await tap_and_wait_edit(live_bot, SPANISH, "Opioides", question)
    assert "Listo, gracias ✓" in done and "Consumo: opioides" in done
    assert "¿Hay algo más que quiera que sepa su equipo de atención?" in done
    assert [
        b for row in live_bot.api.message(SPANISH, question.message_id).buttons for b in row
    ] == ["No, gracias"]
    after_use, coping = await live_bot.api.wait_for_new(SPANISH, mark, count=2)
    # The overdose-risk warning, as strong as in English, and the offer of a call.
    said = after_use.plain_text or ""
    assert "Gracias por contármelo" in said and "sobredosis" in said and "naloxona" in said
    assert "Nunca consuma a solas" in said and "911" in said
    assert [b for row in after_use.buttons for b in row] == ["Sí, que me contacten", "Ahora no"]
    # After drug use only the helpline prompt fits: in Spanish, with its source in Spanish.
    help_text = coping.plain_text or ""
    assert "1-800-662-4357" in help_text and "atiende en español" in help_text
    assert "SAMHSA (agencia de salud de EE. UU.)" in help_text and "NIAAA" not in help_text
    [thanks] = await say(live_bot, SPANISH, "dormí mal pero estoy bien")
    assert (thanks.plain_text or "") == (
        "Gracias, agregué eso a sus respuestas para su equipo de atención."
    )
    answers = [a.text or "" for a in live_bot.api.callback_answers.values()]
    assert "¡Gracias!" in answers and "Thank you!" not in answers

    # Nothing English left in what she read (every version of every message).
    english_words = re.compile(r"\b(?:you|your|the|thank|check-in|craving)\b", re.IGNORECASE)
    for message in live_bot.api.sent(SPANISH):
        for version in [*(h.text or "" for h in message.history), message.plain_text or ""]:
            assert not english_words.search(version), version[:80]

    [check_in] = [c for c in await check_ins(live_bot) if c.note]
    assert (check_in.craving, check_in.mood, check_in.substance_use) == (9, 2, "opioids")
    assert check_in.note == "dormí mal pero estoy bien"
    # Staff read English whatever the patient's language.
    await drained(live_bot)
    kinds = sorted(a.kind for a in await alerts(live_bot))
    assert kinds == ["high_craving", "reported_use"]


async def test_every_answer_is_recorded_and_risky_ones_alert_once_per_episode(
    live_bot: LiveBot,
) -> None:
    clinic = await Clinic.make(live_bot)
    await clinic.staff(NURSE, "Sam Rivera")
    await clinic.patient(PAT, "Pat Doe")
    uses = list(Use)
    for level in range(11):
        mood, use = 1 + level % 5, uses[level % 4]
        [question] = await say(live_bot, PAT, "/checkin")
        assert "Let's check in" in (question.plain_text or "")
        await tap_and_wait_edit(live_bot, PAT, str(level), question)
        await tap_and_wait_edit(live_bot, PAT, MOODS[mood], question)
        mark = live_bot.api.mark(PAT)
        done = await tap_and_wait_edit(live_bot, PAT, USE_LABELS[use], question)
        assert "Check-in done" in done
        expected = (use is not Use.NO) + (level >= 8)
        replies = [m.plain_text or "" for m in await live_bot.api.wait_for_new(PAT, mark, expected)]
        if use is not Use.NO:
            # Warm, no judgement, and the overdose facts: tolerance, naloxone, never alone.
            assert "Thank you for telling me" in replies[0]
            assert "naloxone" in replies[0] and "Never use alone" in replies[0]
            assert "agonist" not in replies[0]
        if level >= 8 and use in (Use.OPIOIDS, Use.OTHER):
            # Advice on urges to drink does not fit after drug use: the helpline does.
            assert "can help right now" in replies[-1] and "NIAAA" not in replies[-1]
            assert "1-800-662-4357" in replies[-1]
        elif level >= 8:
            assert "Two things that can help" in replies[-1] and "NIAAA" in replies[-1]
        await live_bot.api.tap(PAT, "No thanks", question)
        await drained(live_bot)

    stored = await check_ins(live_bot)
    assert [(c.craving, c.mood, c.substance_use) for c in stored] == [
        (n, 1 + n % 5, uses[n % 4].value) for n in range(11)
    ]
    assert all(c.status == "answered" and c.due_at is None for c in stored)
    # Each rule opened one alert; later firings counted in it instead of alerting again.
    found = {a.kind: a for a in await alerts(live_bot)}
    assert set(found) == {"high_craving", "reported_use"}
    assert found["high_craving"].occurrences == 3  # cravings 8, 9 and 10
    assert found["reported_use"].occurrences == 8  # every answer but "No"
    assert len(cards(live_bot, NURSE)) == 2


async def test_an_unanswered_check_in_closes_quietly_and_the_next_does_not_stack(
    live_bot: LiveBot,
) -> None:
    clinic = await Clinic.make(live_bot)
    await clinic.patient(
        PAT, "Pat Doe", checkin_frequency="daily", checkin_time="19:00", next_checkin_at=EVENING
    )
    mark = live_bot.api.mark(PAT)
    clock(live_bot).set(EVENING + timedelta(seconds=2))
    [first] = await live_bot.api.wait_for_new(PAT, mark, count=1)
    await drained(live_bot)
    # The next evening: the old one closes without a word and exactly one new one arrives.
    mark = live_bot.api.mark(PAT)
    clock(live_bot).set(EVENING + timedelta(days=1, seconds=2))
    [second] = await live_bot.api.wait_for_new(PAT, mark, count=1)
    assert second.plain_text and second.plain_text.startswith("Quick check-in")
    await drained(live_bot)
    assert len(live_bot.api.sent(PAT)) == 2
    statuses = [c.status for c in await check_ins(live_bot)]
    assert statuses == ["expired", "open"]
    # A tap on the closed one changes nothing and says so.
    await live_bot.api.tap(PAT, "5", first)
    await live_bot.api.wait_for_call("answerCallbackQuery")
    await drained(live_bot)
    [closed, _open] = await check_ins(live_bot)
    assert closed.craving is None and closed.status == "expired"
    answers = [a.text or "" for a in live_bot.api.callback_answers.values()]
    assert any("has closed" in text for text in answers)


async def test_check_in_settings_change_frequency_time_and_day(live_bot: LiveBot) -> None:
    clinic = await Clinic.make(live_bot)
    await clinic.patient(PAT, "Pat Doe", checkin_frequency="off")
    [question] = await say(live_bot, PAT, "/checkin settings")
    assert "How often" in (question.plain_text or "")
    mark = live_bot.api.mark(PAT)
    await live_bot.api.tap(PAT, "Weekly", question)
    [times] = await live_bot.api.wait_for_new(PAT, mark, count=1)
    assert "What time" in (times.plain_text or "")
    [day] = await say(live_bot, PAT, "8:30 pm")
    assert "Which day" in (day.plain_text or "")
    [done] = await say(live_bot, PAT, "sunday")
    assert "weekly on Sun at 20:30" in (done.plain_text or "")
    [overview] = await say(live_bot, PAT, "/schedule")
    assert "Check-ins: weekly on Sun at 20:30" in (overview.plain_text or "")
