"""The decisions behind a wave of closed prompts, without a database: how many doses were missed
in a row, whether the last few prompts all went unanswered, and which alert episode a finding
opens or repeats.

A wave decides many events at once, but each must come out as if the events had been handled
one at a time, in order (that is what the row-by-row code did and what the safety rules were
written for). The rule that makes a batch equal to that sequence: the i-th event of a patient is
decided on the patient's closed history without the prompts of their *later* events in the same
batch, which at the i-th step had not closed yet. An event's own prompt is an unanswered one at
the event's time, so "without it" means one unanswered entry at that time less.

Entries at the same instant (two schedules due together) are ordered by value, unanswered first,
so the answer never depends on the order a database happens to return ties in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain import risk
from bot.i18n import st


@dataclass(frozen=True)
class Entry:
    """One closed prompt in a patient's history: a dose or a scheduled check-in."""

    at: datetime
    answered: bool  # for a dose: taken or skipped, not missed


def newest_first(entries: Sequence[Entry]) -> list[Entry]:
    """Newest first; at the same instant the unanswered ones first (see the module's note)."""
    return sorted(entries, key=lambda e: (e.at, not e.answered), reverse=True)


def leading_unanswered(entries_newest_first: Sequence[Entry], limit: int) -> int:
    """How many of the newest entries in a row went unanswered, at most ``limit``."""
    run = 0
    for entry in entries_newest_first[:limit]:
        if entry.answered:
            break
        run += 1
    return run


def as_of_events(
    history: Sequence[Entry], events: Sequence[datetime], *, up_to_event: bool
) -> list[list[Entry]]:
    """For each of one patient's events, in order: the history as it stood when that event was
    handled, newest first. ``history`` holds every closed entry, the events' own included; the
    entries of later events are taken out (one unanswered entry at each later event's time).
    With ``up_to_event``, only entries at or before the event's time count (a run of misses
    looks back from the dose; the unanswered rule looks at the latest prompts, whatever their
    time)."""
    ordered = newest_first(history)
    views: list[list[Entry]] = []
    for i, when in enumerate(events):
        pending = Counter(events[i + 1 :])
        view: list[Entry] = []
        for entry in ordered:
            if up_to_event and entry.at > when:
                continue
            if not entry.answered and pending[entry.at] > 0:
                pending[entry.at] -= 1
                continue
            view.append(entry)
        views.append(view)
    return views


def missed_runs(history: Sequence[Entry], events: Sequence[datetime], limit: int) -> list[int]:
    """For each missed dose of a patient (in due order), the doses missed back to back up to it
    (at most ``limit``). ``history``: the patient's closed doses (missed, taken, skipped), those
    of the events included; doses never reminded are not in it (they neither count nor break a
    run)."""
    return [leading_unanswered(v, limit) for v in as_of_events(history, events, up_to_event=True)]


def unanswered_runs(
    history: Sequence[Entry], events: Sequence[datetime], needed: int
) -> list[bool]:
    """For each event of a patient (in order): did the latest ``needed`` closed prompts (doses
    reminded, scheduled check-ins) all go unanswered, as of that event."""
    return [
        risk.unanswered_run([e.answered for e in view], needed)
        for view in as_of_events(history, events, up_to_event=False)
    ]


@dataclass(frozen=True)
class Opened:
    """A new episode: the alert to insert, with what else is open for the patient."""

    patient_id: int
    kind: str
    others: tuple[str, ...]  # kinds of the patient's other unresolved alerts, oldest first


@dataclass(frozen=True)
class Repeated:
    """A repeat while the episode is unresolved: which alert, and its count after this one.
    ``alert`` is an existing alert's id, or the index in ``plan_episodes``' output of the
    ``Opened`` decision that created it earlier in the same batch."""

    alert: Hashable
    new_in_batch: bool
    occurrences: int


def plan_episodes(
    unresolved: Sequence[tuple[int, int, str, int]], raised: Sequence[tuple[int, str]]
) -> list[Opened | Repeated]:
    """One decision per raised finding ``(patient_id, kind)``, in order, given the unresolved
    alerts ``(alert_id, patient_id, kind, occurrences)``: a kind already unresolved for that
    patient repeats its newest alert; otherwise a new one opens (and counts as unresolved for
    the findings after it)."""
    # Per patient, the unresolved alerts in the order they were created: ids first (existing
    # ones, by id), then the batch's new ones in the order they open.
    open_for: dict[int, list[tuple[Hashable, bool, str]]] = {}
    counts: dict[tuple[Hashable, bool], int] = {}
    for alert_id, patient_id, kind, occurrences in sorted(unresolved):
        open_for.setdefault(patient_id, []).append((alert_id, False, kind))
        counts[(alert_id, False)] = occurrences
    decisions: list[Opened | Repeated] = []
    for patient_id, kind in raised:
        mine = open_for.setdefault(patient_id, [])
        same = [(ref, new) for ref, new, k in mine if k == kind]
        if same:
            ref, new = same[-1]
            counts[(ref, new)] += 1
            decisions.append(Repeated(ref, new, counts[(ref, new)]))
            continue
        index = len(decisions)
        decisions.append(Opened(patient_id, kind, tuple(k for _, _, k in mine)))
        mine.append((index, True, kind))
        counts[(index, True)] = 1
    return decisions


def summary_with_others(summary: str, others: Sequence[str]) -> str:
    """A new card's summary, naming what else is open for the person (kinds never hide each
    other, but neither should a new card hide the older ones)."""
    if others:
        seen = ", ".join(dict.fromkeys(risk.label(kind) for kind in others))
        summary = st("{summary} Also open for them: {kinds}.", summary=summary, kinds=seen)
    return summary[:300]
