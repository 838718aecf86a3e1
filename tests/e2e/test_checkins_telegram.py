"""Check-ins end to end: the real python-telegram-bot against the fake Bot API, both databases."""

from __future__ import annotations

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
    [question] = await live_bot.api.wait_for_new(PAT, mark, count=1, timeout=10)
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
    [first] = await live_bot.api.wait_for_new(PAT, mark, count=1, timeout=10)
    await drained(live_bot)
    # The next evening: the old one closes without a word and exactly one new one arrives.
    mark = live_bot.api.mark(PAT)
    clock(live_bot).set(EVENING + timedelta(days=1, seconds=2))
    [second] = await live_bot.api.wait_for_new(PAT, mark, count=1, timeout=10)
    assert second.plain_text and second.plain_text.startswith("Quick check-in")
    await drained(live_bot)
    assert len(live_bot.api.sent(PAT)) == 2
    statuses = [c.status for c in await check_ins(live_bot)]
    assert statuses == ["expired", "open"]
    # A tap on the closed one changes nothing and says so.
    await live_bot.api.tap(PAT, "5", first)
    await live_bot.api.wait_for_call("answerCallbackQuery", timeout=10)
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
