"""Staff who join without an operator's shell, end to end through the real python-telegram-bot
Application and the fake Bot API (both databases): an admin's /invite_staff gives a t.me link,
a colleague opens it (/start staff-...) and is staff at once, with the staff menu, and can use
/alerts; the link works once; nobody else can make one."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.db.models import Patient, Staff, StaffRole
from bot.domain import risk, texts
from bot.services import staff_invites
from bot.services.alerts import raise_alert
from bot.services.clinics import add_staff
from tests.e2e.care import Clinic, drained, eventually, say
from tests.e2e.conftest import LiveBot
from tests.fakes.bot_api import scope_key

ADMIN, NURSE, ROBIN, LATECOMER, PAT = 7701, 7702, 7801, 7802, 6801
LINK = re.compile(r"https://t\.me/fake_test_bot\?start=(staff-[A-Za-z0-9_-]+)")


async def clinic_with_an_alert(bot: LiveBot) -> Clinic:
    clinic = await Clinic.make(bot)
    await add_staff(
        bot.ctx.sessions,
        bot.ctx.clock,
        telegram_user_id=ADMIN,
        name="Ada Admin",
        clinic_code=clinic.code,
        role=StaffRole.ADMIN,
    )
    await clinic.staff(NURSE, "Nick Nurse")
    pat, _schedule = await clinic.patient(PAT, "Pat Doe")
    async with bot.ctx.sessions.begin() as session:
        patient = await session.get(Patient, pat)
        assert patient is not None
        await raise_alert(session, patient, risk.missed_doses("Pat Doe", 2), bot.ctx.clock.now())
    await drained(bot)
    return clinic


def menu(bot: LiveBot, chat: int) -> list[str] | None:
    found = bot.api.commands.get((scope_key({"type": "chat", "chat_id": chat}), ""))
    return None if found is None else [c["command"] for c in found]


async def test_an_invited_colleague_joins_from_telegram_and_sees_the_alerts(
    live_bot: LiveBot,
) -> None:
    await clinic_with_an_alert(live_bot)
    [start] = await say(live_bot, ADMIN, "/start")
    assert "care-team staff" in (start.plain_text or "")
    await eventually(lambda: "invite_staff" in (menu(live_bot, ADMIN) or []), "the admin menu")

    [invite] = await say(live_bot, ADMIN, "/invite_staff")
    text = invite.plain_text or ""
    assert "An invite to join Northside Clinic as staff" in text and "works once" in text
    assert "(in 3 days)" in text
    found = LINK.search(text)
    assert found, text
    payload = found.group(1)

    # Robin opens the link: Telegram sends the bot /start with the payload.
    live_bot.api.set_user(ROBIN, {"first_name": "Robin", "last_name": "Lee"})
    [welcome] = await say(live_bot, ROBIN, f"/start {payload}")
    assert (welcome.plain_text or "").startswith(
        "Welcome to the care team at Northside Clinic, Robin!"
    )
    await eventually(lambda: menu(live_bot, ROBIN) is not None, "Robin's staff menu")
    assert menu(live_bot, ROBIN) == ["summary", "patient", "alerts", "dashboard", "invite", "help"]
    async with live_bot.ctx.sessions() as session:
        robin = await session.scalar(select(Staff).where(Staff.telegram_user_id == ROBIN))
    assert robin is not None and robin.active and robin.name == "Robin Lee"

    [card] = await say(live_bot, ROBIN, "/alerts")
    assert "Pat Doe has missed 2 doses" in (card.plain_text or "")
    assert "I'll take it" in [label for row in card.buttons for label in row]

    # The link worked once: someone else who opens it joins nobody's care team.
    [late] = await say(live_bot, LATECOMER, f"/start {payload}")
    assert late.plain_text == staff_invites.INVITE_NOT_VALID
    [nothing] = await say(live_bot, LATECOMER, "/alerts")
    assert nothing.plain_text == texts.UNKNOWN_COMMAND
    assert menu(live_bot, LATECOMER) is None


async def test_only_admins_can_invite(live_bot: LiveBot) -> None:
    await clinic_with_an_alert(live_bot)
    [nurse] = await say(live_bot, NURSE, "/invite_staff")
    assert nurse.plain_text == staff_invites.ADMINS_ONLY
    for chat in (PAT, LATECOMER):  # a patient, a stranger: as for any unknown command
        [reply] = await say(live_bot, chat, "/invite_staff")
        assert reply.plain_text == texts.UNKNOWN_COMMAND
    [nurse_start] = await say(live_bot, NURSE, "/start")
    assert "care-team staff" in (nurse_start.plain_text or "")
    await eventually(lambda: menu(live_bot, NURSE) is not None, "the nurse's menu")
    assert "invite_staff" not in (menu(live_bot, NURSE) or [])
