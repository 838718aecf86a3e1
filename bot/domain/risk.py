"""Risk rules: which answers and events become an alert to the care team, and what staff read.

Everything here is read by staff (the "staff" catalog: ``st``, English only for now); the patient
reads none of it.

An alert is an *episode*: while one of a kind is unresolved for a patient, the same rule firing
again counts as another occurrence of it, not a new alert (staff would otherwise learn to ignore
them). What staff read names the patient and the rule, never the patient's own words.

Pure domain code: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.domain.checkins import USE_LABELS, Answers, Use
from bot.domain.triage import CrisisKind
from bot.i18n import SN_, language_name, st


class AlertKind(StrEnum):
    CRISIS = "crisis"
    SOS = "sos"
    CONTACT_REQUEST = "contact_request"
    HIGH_CRAVING = "high_craving"
    REPORTED_USE = "reported_use"
    MISSED_DOSES = "missed_doses"
    INJECTION_OVERDUE = "injection_overdue"
    UNREACHABLE = "unreachable"
    UNRESPONSIVE = "unresponsive"
    SAFETY_CHECK = "safety_check"


URGENT = "urgent"
NORMAL = "normal"

# How each kind is named in staff lists and the dashboard.
LABELS: dict[str, str] = {
    AlertKind.CRISIS: SN_("Crisis message"),
    AlertKind.SOS: SN_("Asked for help (/sos)"),
    AlertKind.CONTACT_REQUEST: SN_("Asked to be contacted"),
    AlertKind.HIGH_CRAVING: SN_("High craving"),
    AlertKind.REPORTED_USE: SN_("Reported use"),
    AlertKind.MISSED_DOSES: SN_("Missed doses in a row"),
    AlertKind.INJECTION_OVERDUE: SN_("Injection overdue"),
    AlertKind.UNREACHABLE: SN_("Blocked the bot"),
    AlertKind.UNRESPONSIVE: SN_("Not answering"),
    AlertKind.SAFETY_CHECK: SN_("No answer to “Are you safe?”"),
    # One alert per crisis kind, so a second kind is a new card that notifies (not an edit).
    "crisis:suicide_self_harm": SN_("Crisis: suicide or self-harm"),
    "crisis:overdose_emergency": SN_("Crisis: overdose or emergency"),
    "crisis:poisoning": SN_("Crisis: poisoning (medicine or product)"),
    "crisis:medical_emergency": SN_("Crisis: medical emergency"),
    "crisis:use_in_progress": SN_("Crisis: using now"),
    "crisis:help_now": SN_("Crisis: asked for help now"),
}


def label(kind: str) -> str:
    # Alerts stored before kinds were named (e.g. "crisis:overdose_emergency") keep a label.
    named = LABELS.get(kind) or LABELS.get(kind.split(":", 1)[0])
    return st(named) if named else kind.replace("_", " ")


@dataclass(frozen=True)
class Thresholds:
    craving: int = 8
    missed_in_a_row: int = 2
    unanswered_in_a_row: int = 3


@dataclass(frozen=True)
class Finding:
    kind: AlertKind
    summary: str
    severity: str = NORMAL
    # Splits one kind into episodes of their own (each crisis kind): stored as "kind:variant".
    variant: str | None = None

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{self.variant}" if self.variant else self.kind.value


def _who(name: str) -> str:
    return name.strip() or st("A patient")


_CRISIS_LABEL = {
    CrisisKind.SUICIDE_SELF_HARM: SN_("may be thinking about suicide or self-harm"),
    CrisisKind.OVERDOSE_EMERGENCY: SN_("may be having an overdose or medical emergency"),
    CrisisKind.POISONING: SN_("may have taken too much of a medicine or a harmful product"),
    CrisisKind.MEDICAL_EMERGENCY: SN_(
        "may be having a medical emergency (such as a severe allergic reaction)"
    ),
    CrisisKind.USE_IN_PROGRESS: SN_("may be using right now"),
}


def crisis(name: str, kind: CrisisKind, lang: str = "en") -> Finding:
    """``lang``: the language the patient wrote in (staff are told when it is not English)."""
    said = (
        " " + st("They wrote in {language}.", language=language_name(lang)) if lang != "en" else ""
    )
    return Finding(
        AlertKind.CRISIS,
        st(
            "URGENT: {who} {what}. They have been given crisis numbers (911, 988).{said} "
            "Please reach out now.",
            who=_who(name),
            what=st(_CRISIS_LABEL[kind]),
            said=said,
        ),
        URGENT,
        variant=kind.value,
    )


def help_now(name: str) -> Finding:
    return Finding(
        AlertKind.CRISIS,
        st(
            "URGENT: {who} was asked “Are you safe right now?” and tapped “I need help now”. "
            "They have been given crisis numbers (911, 988). Please reach out now.",
            who=_who(name),
        ),
        URGENT,
        variant="help_now",
    )


def safety_check_unanswered(name: str, minutes: int) -> Finding:
    return Finding(
        AlertKind.SAFETY_CHECK,
        st(
            "{who} wrote something that may signal risk and did not answer “Are you safe right "
            "now?” within {minutes} minutes. Please check in with them today.",
            who=_who(name),
            minutes=minutes,
        ),
    )


def sos(name: str) -> Finding:
    return Finding(
        AlertKind.SOS,
        st(
            "URGENT: {who} used /sos and asked the care team to reach out. "
            "Please contact them now.",
            who=_who(name),
        ),
        URGENT,
    )


def contact_request(name: str) -> Finding:
    return Finding(
        AlertKind.CONTACT_REQUEST,
        st("{who} asked for someone from the care team to reach out.", who=_who(name)),
    )


def from_check_in(name: str, answers: Answers, thresholds: Thresholds) -> list[Finding]:
    """What a check-in's answers raise (each rule once; the caller keeps it to one episode)."""
    findings = []
    if answers.craving is not None and answers.craving >= thresholds.craving:
        findings.append(
            Finding(
                AlertKind.HIGH_CRAVING,
                st(
                    "{who} reported a craving of {level}/10 in a check-in.",
                    who=_who(name),
                    level=answers.craving,
                ),
            )
        )
    if answers.use is not None and answers.use is not Use.NO:
        what = USE_LABELS[answers.use].lower()  # English, as staff read it for now
        findings.append(
            Finding(
                AlertKind.REPORTED_USE,
                st(
                    "{who} reported using {what} since their last check-in.",
                    who=_who(name),
                    what=what,
                ),
            )
        )
    return findings


def missed_doses(name: str, count: int) -> Finding:
    return Finding(
        AlertKind.MISSED_DOSES,
        st(
            "{who} has missed {count} doses in a row. A call today could help.",
            who=_who(name),
            count=count,
        ),
    )


def injection_overdue(name: str) -> Finding:
    return Finding(
        AlertKind.INJECTION_OVERDUE,
        st(
            "{who} has not confirmed their injection; it is now overdue. "
            "Please check in with them.",
            who=_who(name),
        ),
    )


def unreachable(name: str) -> Finding:
    return Finding(
        AlertKind.UNREACHABLE,
        st(
            "{who} has blocked the bot, so reminders have stopped. Please reach out another way.",
            who=_who(name),
        ),
    )


def unresponsive(name: str, count: int) -> Finding:
    return Finding(
        AlertKind.UNRESPONSIVE,
        st(
            "{who} hasn't answered the last {count} reminders or check-ins.",
            who=_who(name),
            count=count,
        ),
    )


def unanswered_run(answered_newest_first: list[bool], needed: int) -> bool:
    """True when the ``needed`` most recent prompts (doses and check-ins) all went unanswered."""
    recent = answered_newest_first[:needed]
    return len(recent) == needed and not any(recent)
