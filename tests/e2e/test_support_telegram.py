"""A support person end to end: invite, confirm, the one thing they are told, revoke and leave."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from bot.db.models import SupportLink
from tests.e2e.care import Clinic, at, clock, drained, eventually, say
from tests.e2e.conftest import LiveBot

PAT, FRIEND, STRANGER = 6300, 6400, 6500
FIRST_DOSE = at(2026, 11, 26, 14, 0)  # Thu 08:00 in Chicago


async def invite(bot: LiveBot) -> str:
    [reply] = await say(bot, PAT, "/support")
    text = reply.plain_text or ""
    assert "never anything about your check-ins" in text
    found = re.search(r"https://t\.me/fake_test_bot\?start=(sp_[A-Za-z0-9_-]+)", text)
    assert found, text
    return found.group(1)


async def confirmed_friend(bot: LiveBot) -> None:
    bot.api.set_user(FRIEND, {"first_name": "Jamie", "last_name": "Fox"})
    payload = await invite(bot)
    mark = bot.api.mark(PAT)
    [thanks] = await say(bot, FRIEND, f"/start {payload}")
    assert "Thank you for offering to support Pat" in (thanks.plain_text or "")
    [question] = await bot.api.wait_for_new(PAT, mark, count=1)
    assert "Jamie Fox opened your support invite" in (question.plain_text or "")
    mark = bot.api.mark(FRIEND)
    await bot.api.tap(PAT, "Yes, confirm", question)
    [welcome] = await bot.api.wait_for_new(FRIEND, mark, count=1)
    assert "You're now Pat's support person" in (welcome.plain_text or "")


async def miss_a_dose(bot: LiveBot, day: int) -> None:
    mark = bot.api.mark(PAT)
    clock(bot).set(FIRST_DOSE + timedelta(days=day, seconds=1))
    await bot.api.wait_for_new(PAT, mark, count=1)
    await drained(bot)
    clock(bot).advance(timedelta(hours=4, minutes=1))
    await drained(bot)


def friend_texts(bot: LiveBot) -> list[str]:
    return [m.plain_text or "" for m in bot.api.sent(FRIEND)]


async def test_the_support_person_hears_only_about_unconfirmed_doses(live_bot: LiveBot) -> None:
    clinic = await Clinic.make(live_bot)
    await clinic.patient(PAT, "Pat Doe")
    await confirmed_friend(live_bot)
    before = len(friend_texts(live_bot))

    await miss_a_dose(live_bot, 0)
    assert friend_texts(live_bot)[before:] == [
        "Pat hasn't confirmed today's dose yet. A friendly message from you might help."
    ]
    # A crisis message and a worrying check-in reach the care team, never the support person.
    await say(live_bot, PAT, "i want to die")
    [question] = await say(live_bot, PAT, "/checkin")
    await live_bot.api.tap(PAT, "10", question)
    await drained(live_bot)
    assert len(friend_texts(live_bot)) == before + 1

    # The patient removes them: they are told, and hear nothing more.
    [current] = await say(live_bot, PAT, "/support")
    assert "Your support person is Jamie Fox" in (current.plain_text or "")
    mark = live_bot.api.mark(FRIEND)
    await live_bot.api.tap(PAT, "Remove Jamie Fox", current)
    [bye] = await live_bot.api.wait_for_new(FRIEND, mark, count=1)
    assert "won't get updates from me any more" in (bye.plain_text or "")
    await miss_a_dose(live_bot, 1)
    assert len(friend_texts(live_bot)) == before + 2
    async with live_bot.ctx.sessions() as session:
        [link] = list(await session.scalars(select(SupportLink)))
    assert link.status == "ended" and link.token is None


async def test_a_link_works_once_and_the_support_person_can_leave(live_bot: LiveBot) -> None:
    clinic = await Clinic.make(live_bot)
    await clinic.patient(PAT, "Pat Doe")
    live_bot.api.set_user(FRIEND, {"first_name": "Jamie"})
    payload = await invite(live_bot)
    await say(live_bot, FRIEND, f"/start {payload}")
    [refused] = await say(live_bot, STRANGER, f"/start {payload}")
    assert "expired or was already used" in (refused.plain_text or "")
    [own] = await say(live_bot, PAT, "/support")  # still waiting: the question again
    mark = live_bot.api.mark(FRIEND)
    await live_bot.api.tap(PAT, "Yes, confirm", own)
    await live_bot.api.wait_for_new(FRIEND, mark, count=1)

    mark = live_bot.api.mark(PAT)
    [done] = await say(live_bot, FRIEND, "/leave")
    assert "won't get any more updates" in (done.plain_text or "")
    [told] = await live_bot.api.wait_for_new(PAT, mark, count=1)
    assert "Jamie has stepped back as your support person" in (told.plain_text or "")
    await miss_a_dose(live_bot, 0)
    assert not any("hasn't confirmed" in t for t in friend_texts(live_bot))
    [again] = await say(live_bot, FRIEND, "/leave")
    assert "nothing to leave" in (again.plain_text or "")


async def test_declining_shares_nothing(live_bot: LiveBot) -> None:
    clinic = await Clinic.make(live_bot)
    await clinic.patient(PAT, "Pat Doe")
    live_bot.api.set_user(FRIEND, {"first_name": "Jamie"})
    payload = await invite(live_bot)
    mark = live_bot.api.mark(PAT)
    await say(live_bot, FRIEND, f"/start {payload}")
    [question] = await live_bot.api.wait_for_new(PAT, mark, count=1)
    mark = live_bot.api.mark(FRIEND)
    await live_bot.api.tap(PAT, "No", question)
    [told] = await live_bot.api.wait_for_new(FRIEND, mark, count=1)
    assert "wasn't confirmed" in (told.plain_text or "")
    await miss_a_dose(live_bot, 0)
    assert not any("hasn't confirmed" in t for t in friend_texts(live_bot))
    # Someone else's button on the patient's invite does nothing.
    async with live_bot.ctx.sessions() as session:
        [link] = list(await session.scalars(select(SupportLink)))
    await live_bot.api.tap_data(STRANGER, f"sp:confirm:{link.id}", 1)
    await eventually(
        lambda: any(
            "isn't valid" in (a.text or "") for a in live_bot.api.callback_answers.values()
        ),
        "the refusal",
    )


async def test_a_spanish_patient_and_their_support_person_read_spanish(live_bot: LiveBot) -> None:
    """The support person has no language stored here, so they read the patient's."""
    clinic = await Clinic.make(live_bot)
    await clinic.patient(PAT, "Pat Doe", language="es")
    live_bot.api.set_user(FRIEND, {"first_name": "Jamie", "last_name": "Fox"})
    [reply] = await say(live_bot, PAT, "/support")
    text = reply.plain_text or ""
    assert text.startswith("Una persona de apoyo es alguien de su confianza")
    assert "durante 7 días" in text and reply.buttons == [["Cancelar la invitación"]]
    found = re.search(r"https://t\.me/fake_test_bot\?start=(sp_[A-Za-z0-9_-]+)", text)
    assert found, text
    mark = live_bot.api.mark(PAT)
    [thanks] = await say(live_bot, FRIEND, f"/start {found.group(1)}")
    assert (thanks.plain_text or "").startswith("Gracias por ofrecer su apoyo a Pat.")
    [question] = await live_bot.api.wait_for_new(PAT, mark, count=1)
    assert (question.plain_text or "").startswith("Jamie Fox abrió su invitación de apoyo.")
    assert question.buttons == [["Sí, confirmar", "No"]]
    mark = live_bot.api.mark(FRIEND)
    await live_bot.api.tap(PAT, "Sí, confirmar", question)
    [welcome] = await live_bot.api.wait_for_new(FRIEND, mark, count=1)
    assert (welcome.plain_text or "").startswith("Ahora usted es la persona de apoyo de Pat.")
    before = len(friend_texts(live_bot))

    await miss_a_dose(live_bot, 0)
    assert friend_texts(live_bot)[before:] == [
        "Pat todavía no ha confirmado la dosis de hoy. Un mensaje amable de su parte podría ayudar."
    ]
    [current] = await say(live_bot, PAT, "/support")
    assert (current.plain_text or "").startswith("Su persona de apoyo es Jamie Fox.")
    mark = live_bot.api.mark(FRIEND)
    await live_bot.api.tap(PAT, "Quitar a Jamie Fox", current)
    [bye] = await live_bot.api.wait_for_new(FRIEND, mark, count=1)
    assert (bye.plain_text or "").startswith("Pat cambió su configuración")


async def test_a_support_person_of_a_spanish_patient_leaves_in_spanish(live_bot: LiveBot) -> None:
    clinic = await Clinic.make(live_bot)
    await clinic.patient(PAT, "Pat Doe", language="es")
    live_bot.api.set_user(FRIEND, {"first_name": "Jamie"})
    [reply] = await say(live_bot, PAT, "/support")
    found = re.search(r"start=(sp_[A-Za-z0-9_-]+)", reply.plain_text or "")
    assert found
    mark = live_bot.api.mark(PAT)
    await say(live_bot, FRIEND, f"/start {found.group(1)}")
    [question] = await live_bot.api.wait_for_new(PAT, mark, count=1)
    mark = live_bot.api.mark(FRIEND)
    await live_bot.api.tap(PAT, "Sí, confirmar", question)
    await live_bot.api.wait_for_new(FRIEND, mark, count=1)

    mark = live_bot.api.mark(PAT)
    [done] = await say(live_bot, FRIEND, "/leave")
    assert (done.plain_text or "") == (
        "Listo. Ya no recibirá más avisos míos. Gracias por estar ahí."
    )
    [told] = await live_bot.api.wait_for_new(PAT, mark, count=1)
    assert (told.plain_text or "") == (
        "Jamie dejó de ser su persona de apoyo. Puede invitar a otra persona con /support."
    )
