"""Which language a patient wrote in, for the language of a safety reply.

A crisis reply must be read at once, so it comes in the language of the message that raised it.
Counting common function words is enough to tell English from Spanish in a few words, including
unaccented and misspelt Spanish ("q", "xq", "esta"), and needs nothing to be loaded.
"""

from __future__ import annotations

from typing import Final, Literal

from bot.ml.features import tokens

__all__ = ["Lang", "detect"]

Lang = Literal["en", "es"]


def _words(*lines: str) -> frozenset[str]:
    return frozenset(word for line in lines for word in line.split())


_SPANISH: Final = _words(
    "que q k ke xq porque por para pero como cuando donde quiero quiere queria puedo puede",
    "estoy esta estas estan esto eso ese esa mi mis me te se le les lo la las los el un una",
    "unos unas y o ni no si ya mas muy tengo tiene tienes hay ser soy eres es son fue",
    "todo todos todas nada nadie alguien algo mejor peor vida morir muerto muerta ayuda",
    "hoy manana noche ahora siempre nunca tambien solo sola hijo hija mama papa amigo amiga",
    "del al con sin sobre hacer hice voy vas va vamos ir dia dias anos pastillas tome tomo",
    "gracias hola buenas necesito creo siento quiza ojala despues antes aqui alli",
)
_ENGLISH: Final = _words(
    "i im me my you your he she it we they the a an and or but if so to of in on at for",
    "with is are was were be been am do does did dont cant wont not just what when where",
    "how why who this that these those there here have has had want feel can will would",
    "should could about from up out all no yes ok okay please thanks today tonight now",
)
# Words both languages share ("no", "a", "me") are listed in both and so cancel out.


def detect(text: str) -> Lang:
    """ "es" when the message reads as Spanish (more Spanish than English function words)."""
    es = en = 0
    for word in tokens(text):
        es += word in _SPANISH
        en += word in _ENGLISH
    return "es" if es > en else "en"
