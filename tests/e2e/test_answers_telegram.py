"""Free text from an enrolled patient through real PTB: triage first, then curated answers."""

from __future__ import annotations

from datetime import time

from bot.domain.schedules import Plan, PlanKind
from bot.services.clinics import add_staff
from tests.e2e.conftest import LiveBot
from tests.support import make_patient, new_clinic

CHAT, NURSE = 6060, 9090
PLAN = Plan(PlanKind.DAILY, "America/Chicago", (time(8, 0),))


async def ask(bot: LiveBot, text: str) -> str:
    mark = bot.api.mark(CHAT)
    await bot.api.send_text(CHAT, text)
    [reply] = await bot.api.wait_for_new(CHAT, mark, count=1)
    return reply.plain_text


async def test_questions_are_answered_with_a_source_or_an_honest_unknown(
    live_bot: LiveBot,
) -> None:
    await make_patient(live_bot.ctx, PLAN, chat_id=CHAT)
    answer = await ask(live_bot, "can i drink booze on vivitrol??")
    assert "Source:" in answer and "not medical advice" in answer
    assert "agonist" not in answer.replace("antagonist", "")
    unknown = await ask(live_bot, "whats a good recipe for lasagna")
    assert "don't have information" in unknown and "care team" in unknown
    assert "Source:" not in unknown


async def test_a_crisis_gets_help_at_once_and_reaches_the_care_team(live_bot: LiveBot) -> None:
    clinic = await new_clinic(live_bot.ctx)
    await add_staff(
        live_bot.ctx.sessions,
        live_bot.ctx.clock,
        telegram_user_id=NURSE,
        name="Nurse Joy",
        clinic_code=clinic.invite_code,
    )
    await make_patient(live_bot.ctx, PLAN, chat_id=CHAT, clinic_id=clinic.id, name="Pat Doe")
    reply = await ask(live_bot, "i took way too many pills and cant breathe right")
    assert "911" in reply and "naloxone" in reply.lower() and "has been told" in reply
    [alert] = await live_bot.api.wait_for_messages(NURSE, count=1)
    assert "URGENT" in alert.plain_text and "Pat Doe" in alert.plain_text
    assert "pills" not in alert.plain_text  # staff are told who and what kind, not the words


async def test_a_spanish_speaking_patient_is_answered_in_spanish(live_bot: LiveBot) -> None:
    from sqlalchemy import update

    from bot.db.models import Patient
    from bot.qa.content import load_content

    patient_id, _ = await make_patient(live_bot.ctx, PLAN, chat_id=CHAT)
    async with live_bot.ctx.sessions.begin() as session:
        await session.execute(update(Patient).where(Patient.id == patient_id).values(language="es"))
    snippet = load_content().get("alcohol-on-naltrexone")
    assert snippet.es is not None
    # Asked in Spanish, without accents, and in English: the Spanish snippet either way.
    for question in ("puedo tomar cerveza con la naltrexona", "can i drink booze on vivitrol??"):
        answer = await ask(live_bot, question)
        assert snippet.es.text in answer, question
        assert "Fuente:" in answer and "no consejo médico" in answer
        assert "Source:" not in answer and "not medical advice" not in answer
        assert "agonista" not in answer.replace("antagonista", "")
    unknown = await ask(live_bot, "cual es una buena receta de lasaña")
    assert "no tengo información" in unknown and "equipo de atención" in unknown
    assert "Si es urgente, llame al 911 o al 988." in unknown
