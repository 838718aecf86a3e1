"""A card left in a chat never acts on someone else's record (issue 14, item 2), end to end
through the real bot and the fake Bot API, both databases.

The reviewer's report: patient A's urgent alert had a card at nurse N; A erased their data; B's
new urgent alert took the freed id (SQLite), and N's old "Resolve" closed B's alert and rewrote
the card. Now ids are never reused, and where one comes round anyway (a restored backup) the
tag in the button says the card is out of date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from bot.db.models import CheckIn, DoseEvent
from bot.domain import texts
from bot.services import alerts as alert_service
from bot.services.doses import NOT_YOURS
from tests.e2e.care import Clinic, alerts, at, cards, clock, drained, eventually, first_text, say
from tests.e2e.conftest import LiveBot
from tests.fakes.bot_api import SentMessage
from tests.integration.test_ids_never_reused import wind_back

ALEX, BLAIR, NURSE = 6301, 6302, 6390
FIRST_DOSE = at(2026, 11, 26, 14, 0)  # Thu 08:00 in Chicago


@dataclass(frozen=True)
class Seen:
    """What a message shows: its text, its buttons, and how often it was edited."""

    text: str
    buttons: list[list[str]]
    edits: int


def seen(bot: LiveBot, chat: int, message: SentMessage) -> Seen:
    now = bot.api.message(chat, message.message_id)
    return Seen(now.plain_text or "", now.buttons, len(now.history))


async def tap_notice(bot: LiveBot, chat: int, label: str, message: SentMessage) -> str:
    """Tap a button and return the notice the tapper saw."""
    update = await bot.api.tap(chat, label, message)
    query = str(update["callback_query"]["id"])
    await eventually(lambda: query in bot.api.callback_answers, f"the answer to {label!r}")
    await drained(bot)
    return bot.api.callback_answers[query].text or ""


async def erase(bot: LiveBot, chat: int) -> None:
    await say(bot, chat, "/delete")
    [done] = await say(bot, chat, "DELETE")
    assert texts.DELETED in (done.plain_text or "")
    await drained(bot)


async def crisis_card(bot: LiveBot, chat: int, name: str) -> SentMessage:
    """The patient types a crisis; the nurse's new card about them."""
    before = len(cards(bot, NURSE))
    await say(bot, chat, "i want to end my life")
    await drained(bot)
    found = cards(bot, NURSE)
    assert len(found) == before + 1
    assert name in first_text(found[-1])
    return found[-1]


async def clinic_with_a_nurse(bot: LiveBot) -> Clinic:
    clinic = await Clinic.make(bot)
    await clinic.staff(NURSE, "Nora Quinn")
    return clinic


async def test_an_old_alert_card_cannot_resolve_the_alert_raised_after_an_erasure(
    live_bot: LiveBot,
) -> None:
    clinic = await clinic_with_a_nurse(live_bot)
    await clinic.patient(ALEX, "Alex Doe")
    await clinic.patient(BLAIR, "Blair Roe")
    alex_card = await crisis_card(live_bot, ALEX, "Alex Doe")
    await erase(live_bot, ALEX)
    blair_card = await crisis_card(live_bot, BLAIR, "Blair Roe")
    alex_before, blair_before = seen(live_bot, NURSE, alex_card), seen(live_bot, NURSE, blair_card)

    notice = await tap_notice(live_bot, NURSE, "Resolve", alex_card)

    [blair_alert] = await alerts(live_bot)
    assert blair_alert.status == "open" and "Blair Roe" in blair_alert.summary
    # Neither card was rewritten: Blair's still offers both buttons, Alex's is as it was.
    assert seen(live_bot, NURSE, blair_card) == blair_before
    assert blair_before.buttons == [["I'll take it", "Resolve"]]
    assert seen(live_bot, NURSE, alex_card) == alex_before
    assert notice == alert_service.OUT_OF_DATE


async def test_an_old_alert_card_is_out_of_date_even_where_the_id_came_round(
    live_bot: LiveBot,
) -> None:
    """As in a database restored from a backup: Blair's alert gets the id Alex's had."""
    clinic = await clinic_with_a_nurse(live_bot)
    await clinic.patient(ALEX, "Alex Doe")
    await clinic.patient(BLAIR, "Blair Roe")
    alex_card = await crisis_card(live_bot, ALEX, "Alex Doe")
    [alex_alert] = await alerts(live_bot)
    await erase(live_bot, ALEX)
    await wind_back(live_bot.ctx, "alerts", alex_alert.id)
    blair_card = await crisis_card(live_bot, BLAIR, "Blair Roe")
    [blair_alert] = await alerts(live_bot)
    assert blair_alert.id == alex_alert.id
    blair_before = seen(live_bot, NURSE, blair_card)

    notices = [
        await tap_notice(live_bot, NURSE, label, alex_card) for label in ("Resolve", "I'll take it")
    ]
    [blair_alert] = await alerts(live_bot)
    assert blair_alert.status == "open"
    assert seen(live_bot, NURSE, blair_card) == blair_before
    assert notices == [alert_service.OUT_OF_DATE] * 2

    # Blair's own card still works.
    assert await tap_notice(live_bot, NURSE, "I'll take it", blair_card) == (
        "Thanks, it's yours. Your colleagues can see that."
    )
    [blair_alert] = await alerts(live_bot)
    assert blair_alert.status == "acknowledged"


async def _rows(bot: LiveBot) -> tuple[list[tuple[int, str]], list[tuple[int, int | None, str]]]:
    async with bot.ctx.sessions() as session:
        doses = [(d.patient_id, d.status) for d in await session.scalars(select(DoseEvent))]
        check_ins = [
            (c.patient_id, c.craving, c.status) for c in await session.scalars(select(CheckIn))
        ]
    return doses, check_ins


async def test_old_dose_and_check_in_buttons_leave_the_next_patients_rows_alone(
    live_bot: LiveBot,
) -> None:
    clinic = await clinic_with_a_nurse(live_bot)
    _alex_id, alex_schedule = await clinic.patient(ALEX, "Alex Doe")
    [alex_check_in] = await say(live_bot, ALEX, "/checkin")
    mark = live_bot.api.mark(ALEX)
    clock(live_bot).set(FIRST_DOSE + timedelta(seconds=1))
    [alex_reminder] = await live_bot.api.wait_for_new(ALEX, mark, count=1)
    async with live_bot.ctx.sessions() as session:
        [old_check_in] = list(await session.scalars(select(CheckIn.id)))
    await erase(live_bot, ALEX)

    # Blair's schedule and check-in take the ids Alex's had.
    await wind_back(live_bot.ctx, "schedules", alex_schedule)
    blair_id, blair_schedule = await clinic.patient(BLAIR, "Blair Roe")
    assert blair_schedule == alex_schedule
    mark = live_bot.api.mark(BLAIR)
    clock(live_bot).set(FIRST_DOSE + timedelta(days=1, seconds=1))
    await live_bot.api.wait_for_new(BLAIR, mark, count=1)
    await wind_back(live_bot.ctx, "check_ins", old_check_in)
    await say(live_bot, BLAIR, "/checkin")
    await drained(live_bot)
    async with live_bot.ctx.sessions() as session:
        assert list(await session.scalars(select(CheckIn.id))) == [old_check_in]
    before = await _rows(live_bot)
    assert before == ([(blair_id, "pending")], [(blair_id, None, "open")])
    alex_seen = [seen(live_bot, ALEX, m) for m in (alex_reminder, alex_check_in)]

    assert await tap_notice(live_bot, ALEX, "✅ Taken", alex_reminder) == NOT_YOURS
    assert await tap_notice(live_bot, ALEX, "7", alex_check_in) == NOT_YOURS

    assert await _rows(live_bot) == before
    assert [seen(live_bot, ALEX, m) for m in (alex_reminder, alex_check_in)] == alex_seen


async def test_an_old_check_in_card_does_not_answer_the_next_one_after_enrolling_again(
    live_bot: LiveBot,
) -> None:
    """Alex erases their data and enrols again; their new check-in gets the old one's id."""
    clinic = await clinic_with_a_nurse(live_bot)
    await clinic.patient(ALEX, "Alex Doe")
    [old_card] = await say(live_bot, ALEX, "/checkin")
    async with live_bot.ctx.sessions() as session:
        [old_id] = list(await session.scalars(select(CheckIn.id)))
    await erase(live_bot, ALEX)
    new_patient, _ = await clinic.patient(ALEX, "Alex Doe")
    await wind_back(live_bot.ctx, "check_ins", old_id)
    [new_card] = await say(live_bot, ALEX, "/checkin")
    old_seen = seen(live_bot, ALEX, old_card)

    notice = await tap_notice(live_bot, ALEX, "7", old_card)
    assert (await _rows(live_bot))[1] == [(new_patient, None, "open")]
    assert seen(live_bot, ALEX, old_card) == old_seen
    assert notice == texts.STALE_BUTTON

    # The new card is the one that counts.
    await live_bot.api.tap(ALEX, "7", new_card)
    await eventually(
        lambda: (
            "Craving 7/10" in (live_bot.api.message(ALEX, new_card.message_id).plain_text or "")
        ),
        "the new check-in's next question",
    )
    assert (await _rows(live_bot))[1] == [(new_patient, 7, "open")]
