"""What the bot says in the check tier, through the message catalog (pure, no I/O).

The texts are English catalog ids (N_), said in the language of the message that led to the
question (kept with the check, so its follow-ups match): ``t(lang, ...)``.
"""

from __future__ import annotations

from typing import Final

from bot.domain.inputs import parse_id
from bot.domain.replies import Button, Reply
from bot.i18n import N_, t

__all__ = ["ANSWERS", "check_prompt", "chosen", "parse_tap", "safe_reply", "tap_data", "team_reply"]

SAFE, HELP, TEAM = "safe", "help", "team"
ANSWERS: Final = (SAFE, HELP, TEAM)

PROMPT: Final = N_(
    "Thank you for telling me. I want to check on you: are you safe right now?\n\n"
    "If you are in danger or might hurt yourself, call 911, or call or text 988 now."
)
LABELS: Final = {
    SAFE: N_("I'm safe"),
    HELP: N_("I need help now"),
    TEAM: N_("Ask my care team to reach me"),
}
SAFE_REPLY: Final = N_(
    "Thank you. I'm glad. If that changes, call or text 988 any time, or send /sos. "
    "Your care team is here for you too."
)
TEAM_REPLY: Final = N_(
    "Thank you. I've asked your care team to reach out to you. If you are in danger "
    "before they do, call 911 or call or text 988."
)
CHOSEN: Final = {
    SAFE: N_("You said: I'm safe"),
    HELP: N_("You said: I need help now"),
    TEAM: N_("You asked your care team to reach you"),
}


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
    if check_id is None:
        return Reply(t(lang, PROMPT))
    return Reply(
        t(lang, PROMPT),
        tuple((Button(t(lang, LABELS[a]), tap_data(check_id, a)),) for a in ANSWERS),
    )


def safe_reply(lang: str = "en") -> str:
    return t(lang, SAFE_REPLY)


def team_reply(lang: str = "en") -> str:
    return t(lang, TEAM_REPLY)


def chosen(answer: str, lang: str = "en") -> str:
    """What the question's message says once answered (it replaces the buttons)."""
    return t(lang, CHOSEN[answer])
