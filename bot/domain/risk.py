"""Risk rules: which answers and events become an alert to the care team, and what staff read.

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
    AlertKind.CRISIS: "Crisis message",
    AlertKind.SOS: "Asked for help (/sos)",
    AlertKind.CONTACT_REQUEST: "Asked to be contacted",
    AlertKind.HIGH_CRAVING: "High craving",
    AlertKind.REPORTED_USE: "Reported use",
    AlertKind.MISSED_DOSES: "Missed doses in a row",
    AlertKind.INJECTION_OVERDUE: "Injection overdue",
    AlertKind.UNREACHABLE: "Blocked the bot",
    AlertKind.UNRESPONSIVE: "Not answering",
    AlertKind.SAFETY_CHECK: "No answer to “Are you safe?”",
    # One alert per crisis kind, so a second kind is a new card that notifies (not an edit).
    "crisis:suicide_self_harm": "Crisis: suicide or self-harm",
    "crisis:overdose_emergency": "Crisis: overdose or emergency",
    "crisis:poisoning": "Crisis: poisoning (medicine or product)",
    "crisis:medical_emergency": "Crisis: medical emergency",
    "crisis:use_in_progress": "Crisis: using now",
    "crisis:help_now": "Crisis: asked for help now",
}


def label(kind: str) -> str:
    # Alerts stored before kinds were named (e.g. "crisis:overdose_emergency") keep a label.
    return LABELS.get(kind) or LABELS.get(kind.split(":", 1)[0]) or kind.replace("_", " ")


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
    return name.strip() or "A patient"


_CRISIS_LABEL = {
    CrisisKind.SUICIDE_SELF_HARM: "may be thinking about suicide or self-harm",
    CrisisKind.OVERDOSE_EMERGENCY: "may be having an overdose or medical emergency",
    CrisisKind.POISONING: "may have taken too much of a medicine or a harmful product",
    CrisisKind.MEDICAL_EMERGENCY: "may be having a medical emergency (such as a severe "
    "allergic reaction)",
    CrisisKind.USE_IN_PROGRESS: "may be using right now",
}
_LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


def crisis(name: str, kind: CrisisKind, lang: str = "en") -> Finding:
    said = f" They wrote in {_LANGUAGE_NAMES[lang]}." if lang != "en" else ""
    return Finding(
        AlertKind.CRISIS,
        f"URGENT: {_who(name)} {_CRISIS_LABEL[kind]}. They have been given crisis numbers "
        f"(911, 988).{said} Please reach out now.",
        URGENT,
        variant=kind.value,
    )


def help_now(name: str) -> Finding:
    return Finding(
        AlertKind.CRISIS,
        f"URGENT: {_who(name)} was asked “Are you safe right now?” and tapped “I need help "
        "now”. They have been given crisis numbers (911, 988). Please reach out now.",
        URGENT,
        variant="help_now",
    )


def safety_check_unanswered(name: str, minutes: int) -> Finding:
    return Finding(
        AlertKind.SAFETY_CHECK,
        f"{_who(name)} wrote something that may signal risk and did not answer “Are you safe "
        f"right now?” within {minutes} minutes. Please check in with them today.",
    )


def sos(name: str) -> Finding:
    return Finding(
        AlertKind.SOS,
        f"URGENT: {_who(name)} used /sos and asked the care team to reach out. "
        "Please contact them now.",
        URGENT,
    )


def contact_request(name: str) -> Finding:
    return Finding(
        AlertKind.CONTACT_REQUEST,
        f"{_who(name)} asked for someone from the care team to reach out.",
    )


def from_check_in(name: str, answers: Answers, thresholds: Thresholds) -> list[Finding]:
    """What a check-in's answers raise (each rule once; the caller keeps it to one episode)."""
    findings = []
    if answers.craving is not None and answers.craving >= thresholds.craving:
        findings.append(
            Finding(
                AlertKind.HIGH_CRAVING,
                f"{_who(name)} reported a craving of {answers.craving}/10 in a check-in.",
            )
        )
    if answers.use is not None and answers.use is not Use.NO:
        what = USE_LABELS[answers.use].lower()
        findings.append(
            Finding(
                AlertKind.REPORTED_USE,
                f"{_who(name)} reported using {what} since their last check-in.",
            )
        )
    return findings


def missed_doses(name: str, count: int) -> Finding:
    return Finding(
        AlertKind.MISSED_DOSES,
        f"{_who(name)} has missed {count} doses in a row. A call today could help.",
    )


def injection_overdue(name: str) -> Finding:
    return Finding(
        AlertKind.INJECTION_OVERDUE,
        f"{_who(name)} has not confirmed their injection; it is now overdue. "
        "Please check in with them.",
    )


def unreachable(name: str) -> Finding:
    return Finding(
        AlertKind.UNREACHABLE,
        f"{_who(name)} has blocked the bot, so reminders have stopped. "
        "Please reach out another way.",
    )


def unresponsive(name: str, count: int) -> Finding:
    return Finding(
        AlertKind.UNRESPONSIVE,
        f"{_who(name)} hasn't answered the last {count} reminders or check-ins.",
    )


def unanswered_run(answered_newest_first: list[bool], needed: int) -> bool:
    """True when the ``needed`` most recent prompts (doses and check-ins) all went unanswered."""
    recent = answered_newest_first[:needed]
    return len(recent) == needed and not any(recent)
