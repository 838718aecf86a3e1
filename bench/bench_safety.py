"""Benchmark the safety net: figures on the development and held-out sets, latency, memory.

    .venv/bin/python -m bench.bench_safety [--write bench/results/safety.md]

Quality: bot.safety.evaluation on tests/data/safety_dev.toml (tuned on) and the sealed
tests/data/sealed/crisis_heldout.toml (never tuned on: only these aggregate figures are read),
side by side, for the rules alone, the model alone and both (what the bot runs). Latency: every
message of both sets, plus 200 long messages (2,000-4,000 characters), through ``assess``; p50,
p99 and the maximum. Memory: resident set size of a fresh interpreter before and after the model
is loaded and used, read from /proc (Linux).
"""

from __future__ import annotations

import argparse
import platform
import random
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bot.domain.triage import triage
from bot.safety import model as safety_model
from bot.safety.check_rules import check_rule
from bot.safety.evaluation import Entry, Figures, evaluate, load_set
from bot.safety.language import detect
from bot.safety.net import Assessment, Tier, assess

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "tests" / "data" / "safety_dev.toml"
HELD_OUT = ROOT / "tests" / "data" / "sealed" / "crisis_heldout.toml"

ROWS = [
    ("crisis recall, English", "crisis_recall:en"),
    ("crisis recall, Spanish", "crisis_recall:es"),
    ("crisis flagged (crisis or check), all", "crisis_flagged:all"),
    ("right kind, among crises caught", "crisis_kind:all"),
    ("check-tier messages flagged", "check_flagged:all"),
    ("look-alikes flagged as a crisis", "lookalike_crisis:all"),
    ("look-alikes flagged at all (crisis or check)", "lookalike_flagged:all"),
    ("crisis replies naming 911 or 988", "reply_has_numbers"),
]


def rules_only(text: str) -> Assessment:
    verdict = triage(text)
    lang = detect(text)
    if verdict.kind is not None:
        return Assessment(Tier.CRISIS, verdict.kind, lang, verdict.matched_rule, 0.0)
    rule = check_rule(text)
    return Assessment(Tier.CHECK if rule else None, None, lang, rule, 0.0)


def model_only(text: str) -> Assessment:
    from bot.domain.triage import CrisisKind

    verdict = safety_model.predict(text)
    lang = detect(text)
    tier = Tier(verdict.tier) if verdict.tier else None
    kind = CrisisKind(verdict.kind) if verdict.kind else None
    return Assessment(tier, kind, lang, "model", verdict.crisis)


def _cell(figures: Figures, key: str) -> str:
    n = figures.n(key)
    return f"{figures.rate(key):.3f} ({figures.hits.get(key, 0)}/{n})" if n else "–"


def quality(sets: dict[str, list[Entry]]) -> list[str]:
    layers: dict[str, Callable[[str], Assessment]] = {
        "rules": rules_only,
        "model": model_only,
        "both (shipped)": assess,
    }
    lines = []
    for layer, classify in layers.items():
        results = {name: evaluate(entries, classify) for name, entries in sets.items()}
        lines += [f"### {layer}", "", "| | " + " | ".join(sets) + " |", "|---|---|---|"]
        for label, key in ROWS:
            cells = " | ".join(_cell(r, key) for r in results.values())
            lines.append(f"| {label} | {cells} |")
        lines.append("")
    both = {name: evaluate(entries) for name, entries in sets.items()}
    lines += ["### recall by kind (both layers)", "", "| kind | " + " | ".join(sets) + " |"]
    lines.append("|---|---|---|")
    kinds = sorted({e.kind for es in sets.values() for e in es if e.kind})
    for kind in kinds:
        key = f"crisis_recall:kind:{kind}"
        lines.append(f"| {kind} | " + " | ".join(_cell(r, key) for r in both.values()) + " |")
    return lines


def _long_messages(count: int) -> list[str]:
    rnd = random.Random(7)
    words = [
        "today",
        "work",
        "bus",
        "late",
        "dog",
        "walk",
        "mom",
        "called",
        "lunch",
        "meeting",
        "tired",
        "rain",
        "car",
        "later",
    ]
    out = []
    for _ in range(count):
        body = " ".join(rnd.choice(words) for _ in range(rnd.randint(350, 650)))
        out.append(body[:4000])
    return out


def latency(texts: list[str]) -> list[str]:
    assess("warm up")
    timings = []
    for text in texts:
        start = time.perf_counter()
        assess(text)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()

    def q(p: float) -> float:
        return timings[min(len(timings) - 1, int(p * len(timings)))]

    return [
        f"{len(texts)} messages: p50 {q(0.5):.2f} ms, p99 {q(0.99):.2f} ms, "
        f"max {timings[-1]:.2f} ms per message"
    ]


_RSS_PROBE = """
import re
def rss():
    return int(re.search(r"VmRSS:\\s+(\\d+)", open("/proc/self/status").read()).group(1)) / 1024
import bot.domain.triage, bot.safety.language, bot.safety.check_rules
before = rss()
from bot.safety.net import assess
from bot.safety import model
model.warm_up()
for text in ["i want to die", "quiero morir", "what are the side effects"] * 50:
    assess(text)
print(f"{before:.1f} {rss():.1f}")
"""


def memory() -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", _RSS_PROBE], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout.split()
    before, after = float(out[0]), float(out[1])
    size = safety_model.MODEL_PATH.stat().st_size / 1024
    return [
        f"RSS {before:.1f} MB before the model, {after:.1f} MB after loading and using it: "
        f"+{after - before:.1f} MB (model file {size:.0f} KiB, "
        f"{len(safety_model.warm_up().index):,} features)"
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    sets = {"development": load_set(DEV)}
    if HELD_OUT.exists():
        sets["held-out (sealed)"] = load_set(HELD_OUT)
    meta = safety_model.warm_up().meta
    lines = [
        "# Safety net benchmark",
        "",
        f"Machine: {platform.machine()}, Python {platform.python_version()}. Command: "
        "`.venv/bin/python -m bench.bench_safety --write bench/results/safety.md`.",
        "",
        f"Model thresholds (chosen on the corpus's cross-fitted scores): {meta['thresholds']}; "
        f"corpus {meta.get('corpus')}, dev figures {meta.get('dev')}.",
        "",
        "## Quality",
        "",
        *quality(sets),
        "",
        "## Latency (the whole `assess`: rules, check rules, model, language)",
        "",
        *latency([e.text for es in sets.values() for e in es] + _long_messages(200)),
        "",
        "## Memory",
        "",
        *memory(),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        # The dated sections below the generated part are the file's history: kept.
        old = args.write.read_text(encoding="utf-8") if args.write.exists() else ""
        history = re.search(r"^## 20\d\d-", old, re.MULTILINE)
        args.write.write_text(text + ("\n" + old[history.start() :] if history else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
