"""Frames that make a crisis phrase ambiguous: a question, the past, a story or a lesson.

"What do you do if someone has a seizure", "my brother overdosed last spring", "a memoir about a
son who overdosed", "a poster about alcohol poisoning": the rules find their phrase in each, and
each is usually not an emergency now. When a message carries one of these frames, a rule match is
*weak*: it stays a crisis only if the learned model agrees (bot.safety.net); otherwise the patient
is asked "Are you safe right now?". The frames are about the shape of a message, not about any
one crisis, so they apply to every rule alike.
"""

from __future__ import annotations

import re
from typing import Final

from bot.ml.features import normalise

__all__ = ["craving", "framed"]

_QUESTION: Final = re.compile(
    r"(?:^|[.!?\n]\s*)(?:what|whats|how|hows|can|could|does|do|is|are|should|would|will|why|"
    r"when|which|who|if|que|qué|como|cómo|cuales|cuáles|cual|es|puede|pueden|se puede|si|"
    r"por que|porque|debo|hay)\b[^.!\n]*\?"
    r"|\b(?:what (?:are|is) (?:the )?(?:signs?|symptoms?|warning signs?)|how (?:would|do|can) "
    r"(?:i|you|we|someone) (?:tell|know|recogni[sz]e)|what (?:do|should) (?:you|i|we|people) "
    r"do (?:if|when)|what happens (?:if|when)|is it (?:normal|common|a side effect)|"
    r"asking (?:for|because|bc|before|just in case)|just (?:curious|wondering|asking)|"
    r"(?:senales|sintomas|signos) de|que (?:hago|se hace|hacer) (?:si|cuando)|como (?:se|saber|"
    r"reconocer)|para (?:saber|estar preparad[oa])|(?:lo )?pregunto (?:por|para|porque))\b"
)
_PAST: Final = re.compile(
    r"\b(?:years? ago|months? ago|a (?:long )?(?:time|while) ago|ages ago|last (?:year|spring|"
    r"summer|fall|autumn|winter|month)|in (?:19|20)\d\d|back (?:then|in|when)|in (?:college|"
    r"high school|my (?:teens|twenties|twenties|20s|30s))|when i was (?:\d+|a |young|younger|"
    r"little|in)|freshman year|used to|once (?:before|back)|that was (?:a long time|years)|"
    r"(?:im|i am|hes|shes) (?:fine|ok|okay|doing (?:great|well|good)) now|"
    r"hace (?:\w+ )?(?:anos|meses|tiempo|mucho)|el ano pasado|en (?:19|20)\d\d|cuando (?:era|"
    r"tenia|estaba)|de (?:chiquit[oa]|chamac[oa]|joven|nin[oa])|ya (?:esta|estoy) bien)\b"
)
_STORY: Final = re.compile(
    r"\b(?:podcast|documentary|documental|movie|film|pelicula|peli|show|series|serie|episode|"
    r"book|memoir|novel|novela|libro|character|personaje|article|articulo|news|noticias|"
    r"poster|class|clase|training|course|curso|lecture|workshop|taller|simulacro|drill|"
    r"video|song|cancion|story|historia|first aid|primeros auxilios|nursing program)\b"
)


def framed(text: str) -> bool:
    """Whether ``text`` asks a question, tells of the past, or talks about a story or lesson."""
    flat = normalise(text)
    return bool(_QUESTION.search(flat) or _PAST.search(flat) or _STORY.search(flat))


_CRAVING: Final = re.compile(
    r"\b(?:want|wanna|wanting|wanted|urge|urges|craving|cravings|crave|craves|miss|missing) "
    r"(?:to |for )?(?:use|using|get high|getting high|drink|drinking|a drink|dope|pills|fent|"
    r"heroin|alcohol|beer|smoke)\b"
    r"|\b(?:ganas|antojo|antojos) de (?:usar|drogarme|tomar|consumir|una cerveza|pastillas)\b"
)


def craving(text: str) -> bool:
    """Whether ``text`` speaks of a craving: by itself not a crisis, but worth a check."""
    return bool(_CRAVING.search(normalise(text)))
