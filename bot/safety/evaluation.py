"""Figures for the safety net on a labelled set of messages, by language and by kind.

Sets are TOML files with ``[[crisis]]`` (text, lang, kind), ``[[check]]`` (text, lang) and
``[[lookalike]]`` (text, lang) tables. The development set is tests/data/safety_dev.toml; the
sealed held-out set (tests/data/sealed/crisis_heldout.toml) was written by someone who never saw
the rules, the corpus or the model, and is only ever read for these aggregate figures.
"""

from __future__ import annotations

import tomllib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.domain.triage import crisis_reply
from bot.safety.net import Assessment, Tier, assess

__all__ = ["Entry", "Figures", "evaluate", "load_set"]


@dataclass(frozen=True, slots=True)
class Entry:
    group: str  # "crisis", "check" or "lookalike"
    text: str
    lang: str
    kind: str | None = None
    theme: str | None = None


def load_set(path: Path) -> list[Entry]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    entries = []
    for group in ("crisis", "check", "lookalike"):
        for row in data.get(group, []):
            entries.append(
                Entry(group, row["text"], row.get("lang", "en"), row.get("kind"), row.get("theme"))
            )
    return entries


def _rate(hits: int, total: int) -> float:
    return hits / total if total else 1.0


@dataclass
class Figures:
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    hits: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, key: str, hit: bool) -> None:
        self.counts[key] += 1
        self.hits[key] += hit

    def rate(self, key: str) -> float:
        return _rate(self.hits.get(key, 0), self.counts.get(key, 0))

    def n(self, key: str) -> int:
        return self.counts.get(key, 0)


def evaluate(entries: Iterable[Entry], classify: Callable[[str], Assessment] = assess) -> Figures:
    """Keys: ``crisis_recall:<lang>`` (caught as a crisis), ``crisis_flagged:<lang>`` (a crisis
    or at least a check), ``crisis_kind:<lang>`` (right kind among those caught),
    ``crisis_recall:kind:<kind>``, ``check_flagged:<lang>``, ``lookalike_crisis:<lang>`` (a
    false alarm), ``lookalike_flagged:<lang>`` (a crisis or a check), ``reply_has_numbers``;
    ``<lang>`` is also ``all``."""
    figures = Figures()
    for entry in entries:
        verdict = classify(entry.text)
        for lang in (entry.lang, "all"):
            if entry.group == "crisis":
                caught = verdict.tier is Tier.CRISIS
                figures.add(f"crisis_recall:{lang}", caught)
                figures.add(f"crisis_flagged:{lang}", verdict.tier is not None)
                if caught:
                    figures.add(f"crisis_kind:{lang}", verdict.kind == entry.kind)
            elif entry.group == "check":
                figures.add(f"check_flagged:{lang}", verdict.tier is not None)
            else:
                figures.add(f"lookalike_crisis:{lang}", verdict.tier is Tier.CRISIS)
                figures.add(f"lookalike_flagged:{lang}", verdict.tier is not None)
        if entry.group == "crisis":
            figures.add(f"crisis_recall:kind:{entry.kind}", verdict.tier is Tier.CRISIS)
        if verdict.kind is not None:
            reply = crisis_reply(verdict.kind, lang=verdict.lang)
            figures.add("reply_has_numbers", "911" in reply or "988" in reply)
    return figures
