"""Staff in Telegram end to end: /summary, /patient with a chart, /alerts, /dashboard, the
Monday digest, their own command menu, and nothing at all for anyone else. Both databases."""

from __future__ import annotations

import io
from datetime import timedelta
from zoneinfo import ZoneInfo

from PIL import Image
from sqlalchemy import select

from bot.db.models import Alert, AuditEntry, DoseEvent, Patient
from bot.domain import risk
from bot.domain.schedules import day_number
from bot.services.alerts import raise_alert
from bot.services.staff_commands import COMMANDS
from jobs.digest import send_digests
from tests.conftest import START
from tests.e2e.care import Clinic, cards, clock, drained, eventually, first_text, say
from tests.e2e.conftest import LiveBot
from tests.fakes.bot_api import scope_key

NURSE, OTHER_NURSE, PAT, ALEX, STRANGER = 7501, 7601, 6701, 6702, 6799
CHICAGO = ZoneInfo("America/Chicago")


async def clinic_with_history(bot: LiveBot) -> tuple[Clinic, int, int]:
    """Pat has missed the last three days; Alex has taken every dose for ten days."""
    clinic = await Clinic.make(bot)
    await clinic.staff(NURSE, "Sam Rivera")
    other = await Clinic.make(bot, "Other Clinic")
    await other.staff(OTHER_NURSE, "Elsewhere")
    await other.patient(6900, "Not Yours")
    pat, pat_schedule = await clinic.patient(PAT, "Pat Doe", created_at=START - timedelta(days=12))
    alex, alex_schedule = await clinic.patient(
        ALEX, "Alex Morgan", created_at=START - timedelta(days=12)
    )
    async with bot.ctx.sessions.begin() as session:
        for back in range(10, 0, -1):
            due = (START - timedelta(days=back)).replace(hour=14, minute=0)
            for patient_id, schedule_id, status in (
                (pat, pat_schedule, "missed" if back <= 3 else "taken"),
                (alex, alex_schedule, "taken"),
            ):
                session.add(
                    DoseEvent(
                        schedule_id=schedule_id,
                        patient_id=patient_id,
                        due_at=due,
                        local_day=day_number(due, CHICAGO),
                        status=status,
                        window_ends_at=due + timedelta(hours=4),
                        reminded_at=due,
                        answered_at=due + timedelta(minutes=3) if status == "taken" else None,
                        created_at=due,
                    )
                )
        patient = await session.get(Patient, pat)
        assert patient is not None
        await raise_alert(session, patient, risk.missed_doses("Pat Doe", 3), bot.ctx.clock.now())
    await drained(bot)
    return clinic, pat, alex


async def test_summary_lists_who_needs_a_call_with_buttons(live_bot: LiveBot) -> None:
    await clinic_with_history(live_bot)
    [reply] = await say(live_bot, NURSE, "/summary")
    text = reply.plain_text or ""
    assert text.startswith("Northside Clinic")
    assert "Patients: 2" in text and "Open alerts: 1" in text
    assert "At or above 80% of days covered (30 days): 1 of 2" in text
    assert "Needs attention today:\n• Pat Doe" in text and "3 missed in a row" in text
    # The same reasons, in the same words and order, as the dashboard's patients page.
    [line] = [line for line in text.splitlines() if line.startswith("• Pat Doe")]
    assert line.split(": ", 1)[1].startswith("1 open alert, 3 missed in a row")
    assert "Alex Morgan" not in text and "Not Yours" not in text
    [[button]] = reply.buttons
    assert button.startswith("Pat Doe (")
    mark = live_bot.api.mark(NURSE)
    await live_bot.api.tap(NURSE, button, reply)
    [detail] = await live_bot.api.wait_for_new(NURSE, mark, count=1)
    assert detail.kind == "photo" and "Days covered: 7 days 50%" in (detail.plain_text or "")


async def test_patient_by_name_or_code_with_a_chart(live_bot: LiveBot) -> None:
    await clinic_with_history(live_bot)
    [detail] = await say(live_bot, NURSE, "/patient alex")
    text = detail.plain_text or ""
    assert text.startswith("Alex Morgan (") and "Days covered: 7 days 100%" in text
    assert "Streak: 10 days now, longest 10" in text and "Missed in a row: 0" in text
    assert detail.file_bytes is not None
    assert Image.open(io.BytesIO(detail.file_bytes)).size == (900, 460)
    code = text.split("(")[1].split(")")[0]
    [again] = await say(live_bot, NURSE, f"/patient {code.lower()}")
    assert (again.plain_text or "").startswith("Alex Morgan")
    [nobody] = await say(live_bot, NURSE, "/patient Not Yours")
    assert "No patient of your clinic" in (nobody.plain_text or "")
    [usage] = await say(live_bot, NURSE, "/patient")
    assert "followed by a name or code" in (usage.plain_text or "")
    async with live_bot.ctx.sessions() as session:
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert actions.count("telegram.patient") == 2


async def test_alerts_can_be_taken_from_the_list(live_bot: LiveBot) -> None:
    await clinic_with_history(live_bot)
    [card] = await say(live_bot, NURSE, "/alerts")
    assert "missed 3 doses in a row" in (card.plain_text or "")
    await live_bot.api.tap(NURSE, "I'll take it", card)
    await eventually(
        lambda: (
            "Taken by Sam Rivera" in (live_bot.api.message(NURSE, card.message_id).plain_text or "")
        ),
        "the list card shows who took it",
    )
    await drained(live_bot)
    # The card pushed when the alert opened was updated too.
    pushed, listed = cards(live_bot, NURSE)  # the card pushed when it opened, and /alerts'
    assert listed.message_id == card.message_id
    assert "Taken by Sam Rivera" in (
        live_bot.api.message(NURSE, pushed.message_id).plain_text or ""
    )
    async with live_bot.ctx.sessions() as session:
        [alert] = list(await session.scalars(select(Alert)))
    assert alert.status == "acknowledged"


async def test_dashboard_link_is_one_time_and_for_staff_only(live_bot: LiveBot) -> None:
    await clinic_with_history(live_bot)
    [reply] = await say(live_bot, NURSE, "/dashboard")
    text = reply.plain_text or ""
    assert "works once, for 10 minutes" in text
    assert f"{live_bot.ctx.settings.public_url}/login/" in text


async def test_anyone_else_learns_nothing_from_staff_commands(live_bot: LiveBot) -> None:
    await clinic_with_history(live_bot)
    [unknown] = await say(live_bot, STRANGER, "/frobnicate")
    for chat in (STRANGER, PAT):
        for name in COMMANDS:
            [reply] = await say(live_bot, chat, f"/{name} Pat")
            assert reply.plain_text == unknown.plain_text
    [elsewhere] = await say(live_bot, OTHER_NURSE, "/patient Pat")
    assert "No patient of your clinic" in (elsewhere.plain_text or "")


async def test_staff_get_their_own_menu_and_help(live_bot: LiveBot) -> None:
    await clinic_with_history(live_bot)
    [welcome] = await say(live_bot, NURSE, "/start")
    assert "care-team staff" in (welcome.plain_text or "")
    key = (scope_key({"type": "chat", "chat_id": NURSE}), "")
    await eventually(lambda: key in live_bot.api.commands, "the staff menu")
    assert [c["command"] for c in live_bot.api.commands[key]][: len(COMMANDS)] == list(COMMANDS)
    [help_text] = await say(live_bot, NURSE, "/help")
    assert "/summary" in (help_text.plain_text or "")


async def test_the_monday_digest_arrives_once_in_the_morning(live_bot: LiveBot) -> None:
    await clinic_with_history(live_bot)
    # Staff time zone is UTC by default: Sunday evening and Monday 07:59 are too early, noon
    # too late; Monday 08:01 sends it.
    for early in (START.replace(day=29, hour=20), START.replace(day=30, hour=7, minute=59)):
        clock(live_bot).set(early)
        assert await send_digests(live_bot.ctx) == 0
    clock(live_bot).set(START.replace(day=30, hour=12, minute=0))
    assert await send_digests(live_bot.ctx) == 0
    clock(live_bot).set(START.replace(day=30, hour=8, minute=1))
    assert await send_digests(live_bot.ctx) == 2  # one per staff member, each clinic its own
    assert await send_digests(live_bot.ctx) == 0  # once a week
    await drained(live_bot)
    digests = [m for m in live_bot.api.sent(NURSE) if "Your Monday summary" in first_text(m)]
    assert len(digests) == 1 and "Pat Doe" in first_text(digests[0])
    assert all("Not Yours" not in first_text(m) for m in live_bot.api.sent(NURSE))
