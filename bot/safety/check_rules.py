"""Rules for the "check" tier: risk signals too ambiguous to call a crisis, too serious to answer
with an FAQ snippet.

Hopelessness, goodbyes, means without a stated intent, "can't do this any more", feeling a burden
(the warning signs crisis lines train volunteers to ask about, not to ignore). The bot answers
these with "Are you safe right now?" and one-tap answers; silence alerts the care team. Clearer
signals of intent are crises and belong to bot.domain.triage, which runs first.
"""

from __future__ import annotations

import re
from typing import Final

from bot.domain.triage import EVERYDAY_TOOL_USES_ES
from bot.ml.features import tokens

__all__ = ["check_rule"]

_RULES: Final[tuple[tuple[str, str], ...]] = (
    (
        "check.cant_go_on",
        r"\b(?:cant|can not|cannot|cant even) (?:do|take|handle|deal with|keep doing) "
        r"(?:this|it|any of this|life)(?: \w+)? ?(?:any ?more|no more)\b"
        r"|\b(?:cant|cannot) (?:go on|keep going|keep doing this|hold on)\b"
        r"|\bi give up\b(?! on (?:the|this|that|my) (?:app|bot|diet|game|idea|show|phone))"
        r"|\b(?:too|so) tired of (?:everything|it all|fighting|trying)\b"
        r"|\bnothing (?:matters|helps|gets better) any ?more\b",
    ),
    (
        "check.hopeless",
        r"\b(?:whats|what is) the point\b(?! of (?:the|this|that|a|an|it) (?:shot|pill|app|"
        r"bot|med|medication|medicine|meeting|appointment|group|check ?in)\b)"
        r"|\b(?:hopeless|no hope|lost all hope|no future|no way out|trapped)\b"
        r"|\bnever (?:going to|gonna) get better\b|\bwont ever get better\b",
    ),
    (
        "check.burden",
        r"\b(?:better off without me|burden (?:to|on|for) (?:everyone|everybody|my|them|you)|"
        r"(?:no one|nobody) would (?:care|notice|miss me)|(?:no one|nobody) (?:cares|needs me)|"
        r"worthless|waste of space|shouldnt be here)\b",
    ),
    (
        "check.goodbye",
        r"\b(?:thanks|thank you) for (?:everything|all you did|all youve done|trying)\b"
        r".*\b(?:goodbye|bye forever|wont hear|last (?:time|message)|im sorry|sorry for "
        r"everything|take care of)\b"
        r"|\byou wont (?:hear|see) from me\b|\bthis is (?:my )?last (?:message|text)\b"
        r"|\b(?:take care of|look after) my (?:kids|dog|cat|children|family) for me\b"
        r"|\bgiving (?:away )?(?:my|all my) (?:stuff|things|dog|cat)\b",
    ),
    (
        "check.means",
        r"\b(?:saving|saved|stockpiling|stockpiled|hoarding|collecting|saving up) (?:up )?"
        r"(?:my |all my |some |)(?:pills|meds|tablets|medication|script)\b"
        r"|\b(?:bought|got|have|keep) (?:a )?(?:gun|rope|razor blades?)\b(?! (?:for|to) "
        r"(?:hunting|work|the range|shaving|camping))",
    ),
    (
        # A bare call for help: too little to call a crisis, too much to let pass (the whole
        # message, so "can you help me change my time" is not one).
        "check.help",
        r"^(?:please |pls |plz )?(?:help|help me|help us|someone help|somebody help|"
        r"someone help me|somebody help me|help me please|help please|emergency|"
        r"its an emergency|this is an emergency|sos|i need help|i need help now|need help now|"
        r"ayuda|ayudame|auxilio|socorro|emergencia|es una emergencia|necesito ayuda|"
        r"necesito ayuda ya)(?: please| pls| plz| por favor| porfa| now| ya)?$",
    ),
    (
        "check.es",
        r"\b(?:ya )?no (?:puedo|aguanto|soporto) mas\b|\bya no (?:puedo|aguanto|soporto)\b"
        r"|\bpara que (?:seguir|sigo|vivo|intentar)\b|\b(?:sin|no hay) (?:esperanza|salida)\b"
        r"|\bsoy una carga\b|\bno valgo nada\b|\bnadie me (?:quiere|necesita)\b"
        r"|\b(?:gracias|grax) por todo\b.*\b(?:adios|no sabran|ultima vez)\b"
        r"|\bme (?:rindo|doy por vencid[oa])\b|\bestoy (?:harto|harta|cansad[oa]) de (?:todo|"
        r"vivir|la vida|luchar)\b|\b(?:guardando|junte|juntando) (?:mis |las )?pastillas\b"
        # goodbyes and means, as the English rules above have them
        r"|\badios para siempre\b|\bya no (?:me )?(?:van a|vas a|volveran a) (?:ver|saber)\b"
        r"|\b(?:este es|es) mi ultimo mensaje\b|\bcuiden a mis (?:hijos|ninos|perros?|gatos?)\b"
        r"|\b(?:tengo|compre|consegui) (?:la |una |un )?(?:pistola|arma|soga|cuerda|navaja)\b"
        + r"(?! (?:para|pa) "
        + EVERYDAY_TOOL_USES_ES
        + ")",
    ),
)
_COMPILED: Final = tuple((rule_id, re.compile(pattern)) for rule_id, pattern in _RULES)


def check_rule(text: str) -> str | None:
    """The id of the first check rule ``text`` meets, or None."""
    flat = " ".join(tokens(text.replace("'", "").replace("’", "")))
    for rule_id, pattern in _COMPILED:
        if pattern.search(flat):
            return rule_id
    return None
