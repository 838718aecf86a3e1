"""What an inbound text is: an opt-out, an opt-in, a request for help, a numbered reply, or words.

Carriers and Twilio treat a text as a keyword only when the keyword is the whole message:
"STOP" opts out, "stop texting me about beer" does not (it is a person talking, and goes to the
safety net and the care team like any other message). We read a body the same way, a little
more forgivingly: surrounding spaces, case and trailing punctuation ("Stop.", "HELP!!") do not
matter, nor do Spanish opening marks ("¡AYUDA!"), a leading "#" ("#3", as people answer a menu)
or a keycap emoji ("3️⃣"). Full-width letters and digits count as their plain forms (NFKC).
Where we read an opt-out that Twilio did not, we send nothing more though Twilio still would:
the error is on the side of silence, which is the side the rules want.

Opt-out words are Twilio's defaults (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE,
OPTOUT) and the Spanish PARAR. Opt-in is START and UNSTOP only. Twilio and most gateways also take
YES as opt-in, but our reminders and check-ins ask questions a patient answers "yes" to; a
"yes" must stay an answer, and resuming messages is a deliberate START. (A patient who opted out
and texts YES may be resubscribed at Twilio's end; we still send nothing until START, which errs
on the side of silence. Turning YES off in the Messaging Service's Advanced Opt-Out keeps the two
in step.) HELP, INFO and the Spanish AYUDA ask for help; the result carries the keyword's
language so the reply to PARAR or AYUDA is in Spanish.

A lone digit 1-9 is a numbered reply to the last menu sent ("Reply 1 taken, 2 snooze, 3 skip").

People who do not know the keyword ask in words: "stop texting me", "take me off this list",
"no me manden más mensajes". Since 2025 US rules (the FCC's TCPA revocation order) count any
reasonable request as withdrawing consent to texts, so :func:`asks_to_stop` recognises them, for
the caller to answer with how to stop at once. It does not opt anyone out by itself: "stop
texting me at 6am" is about the hour, and a text that says goodbye this way ("you can stop
sending me messages after tonight") is a crisis, which the safety net, run first, answers.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final, Literal

__all__ = ["HELP", "OPT_IN", "OPT_OUT", "Inbound", "InboundKind", "asks_to_stop", "classify"]

KeywordLang = Literal["en", "es"]

OPT_OUT: Final[Mapping[str, KeywordLang]] = MappingProxyType(
    {
        "STOP": "en",
        "STOPALL": "en",
        "UNSUBSCRIBE": "en",
        "CANCEL": "en",
        "END": "en",
        "QUIT": "en",
        "REVOKE": "en",
        "OPTOUT": "en",
        "PARAR": "es",
    }
)
OPT_IN: Final[Mapping[str, KeywordLang]] = MappingProxyType({"START": "en", "UNSTOP": "en"})
HELP: Final[Mapping[str, KeywordLang]] = MappingProxyType(
    {"HELP": "en", "INFO": "en", "AYUDA": "es"}
)

# Stripped before matching: opening marks at the start; at the end, any punctuation and the
# two marks that make a digit a keycap emoji ("1️⃣" is 1, U+FE0F, U+20E3).
_LEADING = "¡¿#*\"'“‘«("
_KEYCAP = "\ufe0f\u20e3"


class InboundKind(StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    NUMBER = "number"
    TEXT = "text"


@dataclass(frozen=True)
class Inbound:
    """An inbound body, classified.

    ``keyword`` is the canonical keyword ("STOP") for OPT_OUT, OPT_IN and HELP; ``number`` the
    reply (1-9) for NUMBER; ``language`` the keyword's language. Free text has none of them:
    what language it is in is for the patient's settings to say, not one word.
    """

    kind: InboundKind
    keyword: str | None = None
    number: int | None = None
    language: KeywordLang | None = None


_TEXT = Inbound(InboundKind.TEXT)


def _core(body: str) -> str:
    """The body without surrounding spaces, opening marks and trailing punctuation."""
    text = unicodedata.normalize("NFKC", body).strip()
    while text and (text[-1] in _KEYCAP or unicodedata.category(text[-1]).startswith("P")):
        text = text[:-1].rstrip()
    while text and text[0] in _LEADING:
        text = text[1:].lstrip()
    return text


def classify(body: str) -> Inbound:
    """What ``body`` (a whole inbound SMS) is; anything that is not exactly a keyword is TEXT."""
    core = _core(body)
    if len(core) == 1 and core in "123456789":
        return Inbound(InboundKind.NUMBER, number=int(core))
    word = core.upper()
    for kind, words in (
        (InboundKind.OPT_OUT, OPT_OUT),
        (InboundKind.OPT_IN, OPT_IN),
        (InboundKind.HELP, HELP),
    ):
        if word in words:
            return Inbound(kind, keyword=word, language=words[word])
    return _TEXT


# Words that name our texts, and requests to stop them, in English and Spanish (matched on the
# body folded to lower case without accents).
_TEXTS = (
    r"(?:texts?|texting|txts?|msgs?|messages?|messaging|reminders?|notifications?|alerts?|"
    r"check ?ins?|sms)"
)
_MENSAJES = r"(?:mensajes?|mensajitos?|textos?|recordatorios?|notificaciones?|avisos?|sms)"
_ASKS_TO_STOP: Final = re.compile(
    r"\b(?:stop|quit|cease|no more|dont|do not|never) (?:\w+ ){0,2}?"
    r"(?:texting|txting|messaging|sending|contacting|reminding|bugging|spamming|text|txt|"
    r"message|send|contact|remind|bug|spam) (?:me|us)\b"
    rf"|\b(?:no more|stop(?: the| these| your| all)?|enough(?: with the| of the)?) {_TEXTS}\b"
    r"|\b(?:dont|do not|no longer) (?:want|need|wanna) (?:\w+ ){0,3}?"
    rf"{_TEXTS}\b"
    r"|\b(?:take|remove|delete) (?:me|my (?:number|phone)) (?:off|from|out of) "
    r"(?:this|the|your|these|all)(?: \w+){0,2} (?:list|texts?|messages?|reminders?)\b"
    r"|\b(?:unsubscribe|opt (?:me )?out|wrong number)\b"
    r"|\b(?:no|ya no|nunca|deja de|dejen de|deje de|paren de|pare de) (?:me |nos )?"
    r"(?:\w+ ){0,2}?(?:mandar|mandes|manden|mande|mandarme|enviar|envies|envien|envie|"
    r"enviarme|escribir|escribas|escriban|escriba|escribirme|textear|molestar|molesten)\b"
    rf"|\b(?:ya no|no) (?:quiero|necesito) (?:\w+ ){{0,3}}?{_MENSAJES}\b"
    rf"|\b(?:no mas|basta de|ya basta de) {_MENSAJES}\b"
    r"|\b(?:sacame|saquenme|saqueme|quitenme|quiteme|borrenme|borreme|darme de baja|"
    r"denme de baja|deme de baja|numero equivocado)\b"
)


def _folded(body: str) -> str:
    text = unicodedata.normalize("NFKD", body.lower().replace("’", "").replace("'", ""))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def asks_to_stop(body: str) -> bool:
    """Whether free text asks, in words, for our texts to stop ("stop texting me", "take me
    off this list", "ya no me manden mensajes"). Never true of a keyword (:func:`classify`
    takes those), and never an opt-out by itself: the caller says how to stop."""
    return classify(body).kind is InboundKind.TEXT and bool(_ASKS_TO_STOP.search(_folded(body)))
