"""A Spanish speaker through real python-telegram-bot and the fake Bot API, on both databases:
their client says "es-MX", so the bot speaks Spanish from the first word, and no English is left
in anything it sent (:func:`english_leaks` scans every message and button)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.models import ConsentRecord, Patient, Schedule
from tests.e2e.care import drained, tap_and_wait_edit
from tests.e2e.conftest import LiveBot
from tests.fakes.bot_api import SentMessage
from tests.support import new_clinic

CHAT = 434343

# Words that are English and not Spanish (so not "no", "a", "me", "he", "son", "plan", "once",
# "has", "fin", "mar"...): any of them in a Spanish message is a text that escaped the catalog.
ENGLISH_WORDS = frozenset(
    re.split(
        r"\s+",
        """
    the your yours you please tap tapped reminder reminders remind i'm i'll i've you're you'll
    don't can't won't isn't didn't doesn't what when where which who with this that these those
    here there is are was were be been will would should could have had do does to of for and
    or it its my our at on in by from about into than then just only also not yes okay thanks
    thank sorry time times day days daily weekly monthly week check checkin checkins dose doses
    medication tablet injection send type button share location care team looks good start over
    again right wrong change next today tomorrow morning evening night set all done agree
    """.strip(),
    )
)
# Names that stay as they are in every language, and what is not prose: commands, links, IANA
# zone names ("America/Chicago"), the language's own name on its button.
BRAND_NAMES = ("Telegram", "Narcan", "Vivitrol", "SAMHSA", "English", "WhatsApp")
_NOT_PROSE = (
    re.compile(r"(?<!\w)/[A-Za-z_]+(?:@\w+)?"),
    re.compile(r"https?://\S+"),
    re.compile(r"\b[A-Z][A-Za-z_]+(?:/[A-Za-z_\-]+)+"),
)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_ENGLISH_CONTRACTION = re.compile(r"['’](?:s|t|re|ll|ve|m|d)$")


def english_leaks(text: str | None, allowed: Iterable[str] = ()) -> list[str]:
    """The English words in ``text`` (a message the bot sent to a Spanish speaker), ignoring
    commands (/help), links, zone names, brand names and any ``allowed`` names."""
    if not text:
        return []
    prose = text
    for pattern in _NOT_PROSE:
        prose = pattern.sub(" ", prose)
    for name in (*BRAND_NAMES, *allowed):
        prose = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", prose, flags=re.IGNORECASE)
    return [
        word
        for word in _WORD.findall(prose)
        if word.lower().replace("’", "'") in ENGLISH_WORDS
        or _ENGLISH_CONTRACTION.search(word.lower())
    ]


def leaks_in(messages: Iterable[SentMessage], allowed: Iterable[str] = ()) -> dict[str, list[str]]:
    """Every message (and button label) with English in it: {text: words}."""
    found: dict[str, list[str]] = {}
    for message in messages:
        for text in (message.plain_text, *(label for row in message.buttons for label in row)):
            words = english_leaks(text, allowed)
            if words:
                found[text or ""] = words
    return found


@pytest.mark.parametrize(
    ("text", "leaks"),
    [
        ("Toque “Acepto” para seguir. Envíe /help si lo necesita.", []),
        ("Entendido: Chicago, US (America/Chicago).", []),
        ("¿Son las 09:00 (miércoles) donde está ahora? No, gracias. Telegram", []),
        ("Please tap the button", ["Please", "tap", "the", "button"]),
        ("Su reminder de hoy", ["reminder"]),
        ("You're all set", ["You're", "all", "set"]),
        ("Envíe /help. We'll see", ["We'll"]),
    ],
)
def test_english_leaks_flags_english_and_ignores_commands_and_names(
    text: str, leaks: list[str]
) -> None:
    assert english_leaks(text) == leaks


async def say(bot: LiveBot, text: str, expect: int = 1) -> list[str]:
    mark = bot.api.mark(CHAT)
    await bot.api.send_text(CHAT, text)
    return [m.plain_text or "" for m in await bot.api.wait_for_new(CHAT, mark, count=expect)]


async def tap(
    bot: LiveBot, label: str, expect: int = 1, message: SentMessage | None = None
) -> list[str]:
    mark = bot.api.mark(CHAT)
    await bot.api.tap(CHAT, label, message)
    return [m.plain_text or "" for m in await bot.api.wait_for_new(CHAT, mark, count=expect)]


async def test_a_spanish_client_enrols_entirely_in_spanish(live_bot: LiveBot) -> None:
    live_bot.api.set_user(CHAT, {"first_name": "Ana", "language_code": "es-MX"})
    clinic = await new_clinic(live_bot.ctx)
    welcome, consent = await say(live_bot, f"/start {clinic.invite_code}", expect=2)
    assert welcome.startswith("¡Hola!") and "Northside Clinic" in welcome and "AYUDA" in welcome
    assert "Antes de empezar" in consent
    assert live_bot.api.sent(CHAT)[0].buttons == [["English"]]

    thanks, zone_prompt, _hint = await tap(live_bot, "Acepto", expect=3)
    assert "Tres preguntas" in thanks and "zona horaria" in zone_prompt
    assert live_bot.api.reply_keyboard(CHAT) == [["📍 Compartir mi ubicación"]]
    got_it, question = await say(live_bot, "Chicago", expect=2)
    assert "Chicago" in got_it and "donde está ahora" in question
    assert "¿Cómo toma su medicamento?" in (await tap(live_bot, "Sí, es correcto"))[0]
    assert "¿Qué días" in (await tap(live_bot, "Algunos días cada semana"))[0]
    assert "¿A qué hora" in (await say(live_bot, "100/100/150 mg lun/mié/vie"))[0]
    # A time that cannot be read gets a Spanish retry, with the question again.
    retry, again = await say(live_bot, "cuando pueda", expect=2)
    assert retry.startswith("No pude entender") and "¿A qué hora" in again
    assert "¿Puedo preguntarle" in (await say(live_bot, "8 de la mañana"))[0]
    assert "¿A qué hora del día prefiere" in (await tap(live_bot, "Semanal (recomendado)"))[0]
    assert "¿Es correcto?" in (await say(live_bot, "7 de la noche"))[0]
    done = (await tap(live_bot, "Está bien"))[0]
    assert done.startswith("Todo listo") and "08:00" in done

    async with live_bot.ctx.sessions() as session:
        [patient] = list(await session.scalars(select(Patient)))
        [record] = list(await session.scalars(select(ConsentRecord)))
        [schedule] = list(await session.scalars(select(Schedule)))
    assert patient.language == "es"
    assert (record.language, record.version) == ("es", live_bot.ctx.consent.version)
    assert schedule.weekly_doses == {"1": 100, "3": 100, "5": 150}

    # Help, and a command the bot does not know, in Spanish too.
    assert "/idioma" in (await say(live_bot, "/help"))[0]
    assert "No conozco ese comando" in (await say(live_bot, "/frobnicate"))[0]

    sent = live_bot.api.sent(CHAT)
    assert not leaks_in(sent), leaks_in(sent)
    answers = [a.text for a in live_bot.api.callback_answers.values() if a.text]
    assert not [a for a in answers if english_leaks(a)], answers

    # The command menu exists in Spanish for Spanish clients, with /idioma.
    spanish_menus = [cmds for (_, lang), cmds in live_bot.api.commands.items() if lang == "es"]
    [menu] = spanish_menus
    commands = {c["command"]: c["description"] for c in menu}
    assert commands["idioma"] == "Elegir su idioma" and "language" not in commands
    assert not [d for d in commands.values() if english_leaks(d)], commands


async def test_an_english_client_switches_to_spanish_and_back(live_bot: LiveBot) -> None:
    live_bot.api.set_user(CHAT, {"first_name": "Sam", "language_code": "fr"})  # not spoken: English
    clinic = await new_clinic(live_bot.ctx)
    welcome, _consent = await say(live_bot, f"/start {clinic.invite_code}", expect=2)
    assert welcome.startswith("Hi!")
    mark = live_bot.api.mark(CHAT)
    offer = live_bot.api.sent(CHAT)[0]
    welcome_es, consent_es = await tap(live_bot, "Español", expect=2, message=offer)
    assert welcome_es.startswith("¡Hola!") and "Antes de empezar" in consent_es
    for typed, expect in (("sí", 3), ("Chicago", 2), ("si", 1), ("diario", 1), ("8 pm", 1)):
        await say(live_bot, typed, expect=expect)
    await say(live_bot, "no")  # no check-ins
    assert "Todo listo" in (await say(live_bot, "sí"))[0]
    spanish_part = live_bot.api.sent(CHAT)[mark:]
    assert not leaks_in(spanish_part), leaks_in(spanish_part)

    # /language (or /idioma) at any time: buttons in each language's own name.
    await say(live_bot, "/idioma")
    assert live_bot.api.sent(CHAT)[-1].buttons == [["English", "Español"]]
    assert (await tap(live_bot, "English"))[0] == "Okay, I'll write in English."
    assert "Here's what I can do" in (await say(live_bot, "/help"))[0]
    assert (await say(live_bot, "español"))[0] == "De acuerdo, le escribiré en español."
    async with live_bot.ctx.sessions() as session:
        [patient] = list(await session.scalars(select(Patient)))
    assert patient.language == "es"


async def test_a_whole_spanish_journey_leaves_no_english(live_bot: LiveBot) -> None:
    """Enrolment, a reminder taken, a check-in, a question, a crisis and /delete, all in
    Spanish; then every message the bot sent in the chat is scanned for English."""
    live_bot.api.set_user(CHAT, {"first_name": "Luz", "language_code": "es-US"})
    clinic = await new_clinic(live_bot.ctx)
    await say(live_bot, f"/start {clinic.invite_code}", expect=2)
    for typed, expect in (("sí", 3), ("Chicago", 2), ("si", 1), ("diario", 1), ("8 am", 1)):
        await say(live_bot, typed, expect=expect)
    await say(live_bot, "no")  # no scheduled check-ins
    assert "Todo listo" in (await say(live_bot, "sí"))[0]

    # The first reminder, at 08:00 in Chicago, answered with its Spanish button.
    clock = live_bot.ctx.clock
    assert isinstance(clock, FakeClock)
    local = clock.now().astimezone(ZoneInfo("America/Chicago"))
    due = local.replace(hour=8, minute=0, second=0, microsecond=0)
    due = due if due > local else due + timedelta(days=1)
    mark = live_bot.api.mark(CHAT)
    clock.set(due.astimezone(ZoneInfo("UTC")))
    [reminder] = await live_bot.api.wait_for_new(CHAT, mark, count=1)
    assert reminder.buttons == [["✅ Tomada", "⏰ Posponer", "Omitir"]]
    await drained(live_bot)
    shown = await tap_and_wait_edit(live_bot, CHAT, "✅ Tomada", reminder)
    assert "Tomada a las 08:00" in shown

    # A check-in asked for, answered with taps.
    mark = live_bot.api.mark(CHAT)
    await live_bot.api.send_text(CHAT, "/checkin")
    [question] = await live_bot.api.wait_for_new(CHAT, mark, count=1)
    assert "antojos" in (question.plain_text or "")
    await tap_and_wait_edit(live_bot, CHAT, "2", question)
    await tap_and_wait_edit(live_bot, CHAT, "🙂 Bueno", question)
    done = await tap_and_wait_edit(live_bot, CHAT, "No", question)
    assert "gracias" in done.lower()
    await tap_and_wait_edit(live_bot, CHAT, "No, gracias", question)  # no note to add

    # A question in the patients' words, answered in Spanish from the curated content.
    [answer] = await say(live_bot, "se me olvido la pastilla ayer q hago")
    assert "naltrexona" in answer.lower() or "dosis" in answer.lower(), answer

    # A crisis, without accents: the Spanish reply names 988's Spanish option and 911.
    crisis = " ".join(await say(live_bot, "ya no aguanto, me quiero morir"))
    assert "988" in crisis and "AYUDA" in crisis and "911" in crisis

    # And everything is erased with the Spanish word.
    assert "BORRAR" in (await say(live_bot, "/delete"))[0]
    assert (await say(live_bot, "borrar"))[0].startswith("Listo.")

    sent = live_bot.api.sent(CHAT)
    assert len(sent) > 15
    # A publication's own title may be quoted as its name beside the Spanish one.
    titles = ("Decisions in Recovery",)
    assert not leaks_in(sent, titles), leaks_in(sent, titles)
    notices = [a.text for a in live_bot.api.callback_answers.values() if a.text]
    assert not [a for a in notices if english_leaks(a)], notices
    async with live_bot.ctx.sessions() as session:
        assert list(await session.scalars(select(Patient))) == []
