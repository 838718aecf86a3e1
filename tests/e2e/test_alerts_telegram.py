"""Alerts to the care team end to end: each rule once per episode, taken and resolved from the
cards by two staff members, and nothing for another clinic. Both databases."""

from __future__ import annotations

from datetime import date, time, timedelta

from bot.domain.schedules import Plan, PlanKind
from tests.e2e.care import (
    Clinic,
    alerts,
    at,
    cards,
    clock,
    drained,
    eventually,
    first_text,
    say,
)
from tests.e2e.conftest import LiveBot

PAT, SAM, ANA, ELSEWHERE = 6200, 7001, 7002, 7100
FIRST_DOSE = at(2026, 11, 26, 14, 0)  # Thu 08:00 in Chicago


async def two_staff_and_a_stranger(bot: LiveBot) -> Clinic:
    clinic = await Clinic.make(bot)
    await clinic.staff(SAM, "Sam Rivera")
    await clinic.staff(ANA, "Ana Lopez")
    other = await Clinic.make(bot, "Other Clinic")
    await other.staff(ELSEWHERE, "Elsewhere")
    return clinic


def card_text(bot: LiveBot, chat: int, index: int = 0) -> str:
    return bot.api.message(chat, cards(bot, chat)[index].message_id).plain_text or ""


async def test_a_crisis_alerts_the_clinic_once_and_two_staff_take_and_resolve_it(
    live_bot: LiveBot,
) -> None:
    clinic = await two_staff_and_a_stranger(live_bot)
    sam, ana = SAM, ANA
    await clinic.patient(PAT, "Pat Doe")

    [reply] = await say(live_bot, PAT, "i want to end my life")
    assert "988" in (reply.plain_text or "") and "care team has been told" in (
        reply.plain_text or ""
    )
    await drained(live_bot)
    for staff in (sam, ana):
        [card] = cards(live_bot, staff)
        assert "URGENT: Pat Doe may be thinking about suicide" in first_text(card)
        assert "end my life" not in first_text(card)  # never the patient's words
        assert card.buttons == [["I'll take it", "Resolve"]]
    assert cards(live_bot, ELSEWHERE) == []

    # The same episode again: no new push, the cards say it happened twice.
    await say(live_bot, PAT, "i still want to die")
    await drained(live_bot)
    [alert] = await alerts(live_bot)
    assert (alert.kind, alert.severity, alert.occurrences) == (
        "crisis:suicide_self_harm",
        "urgent",
        2,
    )
    for staff in (sam, ana):
        assert len(cards(live_bot, staff)) == 1
        await eventually(lambda s=staff: "Happened 2 times" in card_text(live_bot, s), "count")

    # Sam takes it: both cards show who, and only Resolve is left.
    await live_bot.api.tap(sam, "I'll take it", cards(live_bot, sam)[0])
    for staff in (sam, ana):
        await eventually(lambda s=staff: "Taken by Sam Rivera" in card_text(live_bot, s), "taken")
        assert live_bot.api.message(staff, cards(live_bot, staff)[0].message_id).buttons == [
            ["Resolve"]
        ]
    # Someone from another clinic forging the button changes nothing and learns nothing.
    await live_bot.api.tap_data(ELSEWHERE, f"a:{alert.id}:res", 1)
    await live_bot.api.tap_data(PAT, f"a:{alert.id}:res", 1)
    await live_bot.api.wait_idle(quiet=0.5)
    [alert] = await alerts(live_bot)
    assert alert.status == "acknowledged"
    notices = [a.text or "" for a in live_bot.api.callback_answers.values()]
    assert notices.count("That alert isn't available to you, so nothing changed.") == 2

    # Ana resolves it.
    await live_bot.api.tap(ana, "Resolve", cards(live_bot, ana)[0])
    for staff in (sam, ana):
        await eventually(lambda s=staff: "Resolved by Ana Lopez" in card_text(live_bot, s), "done")
        assert not live_bot.api.message(staff, cards(live_bot, staff)[0].message_id).buttons
    [alert] = await alerts(live_bot)
    assert alert.status == "resolved" and alert.resolved_by and alert.acknowledged_by

    # A crisis after it was resolved is a new episode, with a new card.
    await say(live_bot, PAT, "i want to kill myself")
    await drained(live_bot)
    assert [len(cards(live_bot, s)) for s in (sam, ana)] == [2, 2]
    assert [a.status for a in await alerts(live_bot)] == ["resolved", "open"]


async def test_missed_doses_then_silence_alert_once_each(live_bot: LiveBot) -> None:
    clinic = await two_staff_and_a_stranger(live_bot)
    await clinic.patient(PAT, "Pat Doe")
    for day in range(4):
        mark = live_bot.api.mark(PAT)
        clock(live_bot).set(FIRST_DOSE + timedelta(days=day, seconds=1))
        await live_bot.api.wait_for_new(PAT, mark, count=1)  # the reminder
        await drained(live_bot)
        clock(live_bot).advance(timedelta(minutes=31))  # the nudge
        await drained(live_bot)
        clock(live_bot).advance(timedelta(hours=4))  # the window closes: missed
        await drained(live_bot)
    kinds = [(a.kind, a.occurrences) for a in await alerts(live_bot)]
    # Two misses in a row open the episode (later ones count in it); the third unanswered
    # reminder in a row is "not answering" (and the fourth counts in that).
    assert kinds == [("missed_doses", 3), ("unresponsive", 2)]
    texts = [first_text(c) for c in cards(live_bot, SAM)]
    assert texts[0].startswith("Pat Doe has missed 2 doses in a row")
    assert texts[1].startswith("Pat Doe hasn't answered the last 3 reminders or check-ins")
    assert len(cards(live_bot, ANA)) == 2 and cards(live_bot, ELSEWHERE) == []
    # The patient heard about lowered tolerance once, at the first miss of the episode.
    notes = [t for t in (m.plain_text or "" for m in live_bot.api.sent(PAT)) if "naloxone" in t]
    assert len(notes) == 1


async def test_an_overdue_injection_alerts_once(live_bot: LiveBot) -> None:
    clinic = await two_staff_and_a_stranger(live_bot)
    plan = Plan(
        PlanKind.MONTHLY_INJECTION,
        "America/Chicago",
        (time(9, 0),),
        injection_date=date(2026, 11, 27),
    )
    await clinic.patient(PAT, "Pat Doe", plan)
    day_of = at(2026, 11, 27, 15, 0)  # Fri 09:00 Chicago
    mark = live_bot.api.mark(PAT)
    clock(live_bot).set(day_of - timedelta(days=1) + timedelta(seconds=1))  # the eve reminder
    await live_bot.api.wait_for_new(PAT, mark, count=1)
    mark = live_bot.api.mark(PAT)
    clock(live_bot).set(day_of + timedelta(seconds=1))
    [asked] = await live_bot.api.wait_for_new(PAT, mark, count=1)
    assert "appointment" in (asked.plain_text or "")  # discreet: no drug named
    await drained(live_bot)
    clock(live_bot).advance(timedelta(days=3, minutes=1))
    await drained(live_bot)
    clock(live_bot).advance(timedelta(days=1))
    await drained(live_bot)
    [alert] = await alerts(live_bot)
    assert alert.kind == "injection_overdue" and alert.occurrences == 1
    assert "not confirmed their injection" in first_text(cards(live_bot, SAM)[0])


async def test_a_patient_who_blocks_the_bot_alerts_once(live_bot: LiveBot) -> None:
    clinic = await two_staff_and_a_stranger(live_bot)
    await clinic.patient(PAT, "Pat Doe")
    await live_bot.api.block(PAT)
    clock(live_bot).set(FIRST_DOSE + timedelta(seconds=1))
    await eventually(lambda: len(cards(live_bot, SAM)) == 1, "the unreachable card")
    await drained(live_bot)
    clock(live_bot).advance(timedelta(days=1))  # reminders stopped: nothing more bounces
    await drained(live_bot)
    [alert] = await alerts(live_bot)
    assert alert.kind == "unreachable" and alert.occurrences == 1
    assert "blocked the bot" in first_text(cards(live_bot, ANA)[0])
    assert cards(live_bot, ELSEWHERE) == []


async def test_sos_gives_crisis_lines_at_once_and_asks_the_team_to_call(live_bot: LiveBot) -> None:
    clinic = await two_staff_and_a_stranger(live_bot)
    await clinic.patient(PAT, "Pat Doe")
    [sos] = await say(live_bot, PAT, "/sos")
    text = sos.plain_text or ""
    assert "988" in text and "911" in text and "1-800-662-4357" in text
    assert sos.buttons == [["Ask my care team to call me"]]
    await live_bot.api.tap(PAT, "Ask my care team to call me", sos)
    await eventually(lambda: len(cards(live_bot, SAM)) == 1, "the sos card")
    assert "URGENT: Pat Doe used /sos" in first_text(cards(live_bot, SAM)[0])
    edited = live_bot.api.message(PAT, sos.message_id).plain_text or ""
    assert "told your care team" in edited
    # Asking again while someone is on it does not page everyone again.
    [again] = await say(live_bot, PAT, "/sos")
    await live_bot.api.tap(PAT, "Ask my care team to call me", again)
    await drained(live_bot)
    [alert] = await alerts(live_bot)
    assert (alert.kind, alert.severity, alert.occurrences) == ("sos", "urgent", 2)
    assert len(cards(live_bot, SAM)) == 1 and len(cards(live_bot, ANA)) == 1


async def test_sos_before_enrolment_still_gives_crisis_lines(live_bot: LiveBot) -> None:
    [sos] = await say(live_bot, 6299, "/sos")
    text = sos.plain_text or ""
    assert "988" in text and "911" in text and "care team has been told" not in text
    assert await alerts(live_bot) == []


async def test_after_reported_use_the_patient_can_ask_to_be_contacted(live_bot: LiveBot) -> None:
    clinic = await two_staff_and_a_stranger(live_bot)
    await clinic.patient(PAT, "Pat Doe")
    [question] = await say(live_bot, PAT, "/checkin")
    for label in ("2", "😐 Okay"):
        mark = live_bot.api.mark(PAT)
        await live_bot.api.tap(PAT, label, question)
        await live_bot.api.wait_for_call("editMessageText")
        await live_bot.api.wait_idle(quiet=0.2)
    mark = live_bot.api.mark(PAT)
    await live_bot.api.tap(PAT, "Opioids", question)
    [offer] = await live_bot.api.wait_for_new(PAT, mark, count=1)
    assert "reach out" in (offer.plain_text or "")
    await live_bot.api.tap(PAT, "Yes, please reach out", offer)
    await drained(live_bot)
    assert len(cards(live_bot, SAM)) == len(cards(live_bot, ANA)) == 2
    kinds = sorted(a.kind for a in await alerts(live_bot))
    assert kinds == ["contact_request", "reported_use"]
    texts = sorted(first_text(c) for c in cards(live_bot, ANA))
    assert texts[0].startswith("Pat Doe asked for someone from the care team to reach out")
    assert texts[1].startswith("Pat Doe reported using opioids")


async def test_a_crisis_in_a_photo_caption_is_a_crisis(live_bot: LiveBot) -> None:
    """Triage reads every free text, a caption under a photo included."""
    clinic = await two_staff_and_a_stranger(live_bot)
    await clinic.patient(PAT, "Pat Doe")
    mark = live_bot.api.mark(PAT)
    await live_bot.api.send_photo(PAT, caption="i want to kill myself")
    [reply] = await live_bot.api.wait_for_new(PAT, mark, count=1)
    assert "988" in (reply.plain_text or "")
    await drained(live_bot)
    [alert] = await alerts(live_bot)
    assert alert.kind == "crisis:suicide_self_harm" and len(cards(live_bot, SAM)) == 1
    mark = live_bot.api.mark(PAT)
    await live_bot.api.send_photo(PAT, caption="my cat")
    [plain] = await live_bot.api.wait_for_new(PAT, mark, count=1)
    assert "only read text" in (plain.plain_text or "")


async def test_a_spanish_speaking_patients_card_says_so_in_english(live_bot: LiveBot) -> None:
    """Cards stay in the staff member's language (English) and say which language the patient
    uses when it is not English, through every edit."""
    clinic = await two_staff_and_a_stranger(live_bot)
    await clinic.patient(PAT, "María Pérez", language="es")
    await say(live_bot, PAT, "i want to end my life")
    await drained(live_bot)
    for staff in (SAM, ANA):
        [card] = cards(live_bot, staff)
        summary, language, *_ = first_text(card).split("\n\n")
        assert summary.startswith("URGENT: María Pérez may be thinking about suicide")
        assert language == "The patient writes in Spanish."
        assert card.buttons == [["I'll take it", "Resolve"]]
    await live_bot.api.tap(SAM, "I'll take it", cards(live_bot, SAM)[0])
    for staff in (SAM, ANA):
        await eventually(lambda s=staff: "Taken by Sam Rivera" in card_text(live_bot, s), "taken")
        assert "The patient writes in Spanish." in card_text(live_bot, staff)
