"""What the bot says in the check tier, in each language it speaks (pure, no I/O)."""

from __future__ import annotations

from typing import Final

from bot.domain.inputs import parse_id
from bot.domain.replies import Button, Reply

__all__ = ["ANSWERS", "check_prompt", "parse_tap", "tap_data"]

SAFE, HELP, TEAM = "safe", "help", "team"
ANSWERS: Final = (SAFE, HELP, TEAM)

_PROMPT: Final = {
    "en": (
        "Thank you for telling me. I want to check on you: are you safe right now?\n\n"
        "If you are in danger or might hurt yourself, call 911, or call or text 988 now."
    ),
    "es": (
        "Gracias por contármelo. Quiero saber cómo estás: ¿estás a salvo ahora mismo?\n\n"
        "Si estás en peligro o podrías hacerte daño, llama al 911, o llama o escribe al 988 "
        "ahora (marca 2 para español)."
    ),
}
_LABELS: Final = {
    "en": {SAFE: "I'm safe", HELP: "I need help now", TEAM: "Ask my care team to reach me"},
    "es": {
        SAFE: "Estoy a salvo",
        HELP: "Necesito ayuda ya",
        TEAM: "Que mi equipo me contacte",
    },
}
SAFE_REPLY: Final = {
    "en": (
        "Thank you. I'm glad. If that changes, call or text 988 any time, or send /sos. "
        "Your care team is here for you too."
    ),
    "es": (
        "Gracias. Me alegra. Si eso cambia, llama o escribe al 988 a cualquier hora, o envía "
        "/sos. Tu equipo de atención también está para ayudarte."
    ),
}
TEAM_REPLY: Final = {
    "en": (
        "Thank you. I've asked your care team to reach out to you. If you are in danger "
        "before they do, call 911 or call or text 988."
    ),
    "es": (
        "Gracias. Le pedí a tu equipo de atención que se comunique contigo. Si estás en "
        "peligro antes de eso, llama al 911 o llama o escribe al 988."
    ),
}
CHOSEN: Final = {
    "en": {SAFE: "You said: I'm safe", HELP: "You said: I need help now", TEAM: "You asked "
           "your care team to reach you"},
    "es": {SAFE: "Dijiste: estoy a salvo", HELP: "Dijiste: necesito ayuda ya", TEAM: "Pediste "
           "que tu equipo te contacte"},
}  # fmt: skip


def tap_data(check_id: int, answer: str) -> str:
    return f"sc:{check_id}:{answer}"


def parse_tap(data: str) -> tuple[int, str] | None:
    parts = data.split(":")
    if len(parts) != 3 or parts[0] != "sc" or parts[2] not in ANSWERS:
        return None
    check_id = parse_id(parts[1])
    return None if check_id is None else (check_id, parts[2])


def check_prompt(lang: str, check_id: int | None) -> Reply:
    """The question, with one tap per answer (none for someone we hold no record of)."""
    lang = lang if lang in _PROMPT else "en"
    if check_id is None:
        return Reply(_PROMPT[lang])
    labels = _LABELS[lang]
    return Reply(
        _PROMPT[lang],
        tuple((Button(labels[a], tap_data(check_id, a)),) for a in ANSWERS),
    )
