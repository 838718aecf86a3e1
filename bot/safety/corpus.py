"""Training and development corpus for the statistical crisis classifier.

The corpus is generated, not stored: ``bot/safety/corpus/<lang>.toml`` holds templates and
hand-written messages, and :func:`generate` expands them into :class:`Example` rows. Expansion
is kinds x phrasings x noise:

* a *template* has one label, several phrasings (``patterns``) and slots (``{who}``, ``{drug}``,
  ``{when}``...). A slot value may be a table of forms (``{who.pr}`` is the pronoun that goes with
  the chosen ``{who}``) so subjects, genders and verbs agree;
* neutral context sentences are sometimes put before and after a message, so long messages carry
  the crisis in the middle and length says nothing about the label;
* noise imitates how people in distress type: typos, ALL CAPS, voice-to-text (lower case, no
  punctuation), text-speak, emoji, Spanish without accents, Spanglish.

Hand-written messages are kept verbatim: they are the realistic anchor the templates imitate.

Each file's ``[targets]`` gives the number of examples per label; the templates of a label take
turns until it is reached, so no single phrasing dominates a label. Labels follow the rules in
the header of each corpus file (the close calls: suicidal intent beats everything, opioid vs
other ingestion, alcohol and withdrawal are medical, recent use counts as use, general questions
and history are not crises).

Everything is deterministic. Every template draws from its own ``random.Random`` seeded with the
seed and the template id, so adding or editing one template never changes what the others yield.

:func:`split` puts whole groups (one template or one hand-written block) on one side, chosen by a
stable hash of the group id (the lowest-hashing fifth of each language and label), so the
development set measures phrasings the model never saw, not re-noised copies of training
sentences. A text is owned by the first group that produced it (compared after folding case,
accents, punctuation and spacing), so the same message never sits on both sides of the split,
and a text given two labels stops generation with :class:`CorpusError`.

The sealed held-out set in ``tests/data/sealed/`` is not derived from, and must never feed, this
corpus.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import random
import re
import sys
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

__all__ = [
    "LABELS",
    "LANGS",
    "CorpusError",
    "Example",
    "fold_of",
    "generate",
    "is_dev_group",
    "normalise",
    "split",
]

LABELS: Final = (
    "none",
    "check",
    "suicide_self_harm",
    "overdose_emergency",
    "poisoning",
    "medical_emergency",
    "use_in_progress",
)
LANGS: Final = ("en", "es")
DEV_FRACTION: Final = 0.2

_CORPUS_DIR: Final = Path(__file__).resolve().parent / "corpus"


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    label: str  # one of LABELS
    lang: str  # "en" | "es"
    group: str  # id of the template or hand-written block it came from


# --------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------

_Forms = Mapping[str, str]  # "t" is the plain text; other keys are agreeing forms
_Slots = Mapping[str, tuple[_Forms, ...]]
_SLOT_RE: Final = re.compile(r"\{(\w+)(?:\.(\w+))?\}")


@dataclass(frozen=True, slots=True)
class _Template:
    id: str
    label: str
    patterns: tuple[str, ...]
    slots: _Slots


@dataclass(frozen=True, slots=True)
class _Hand:
    id: str
    label: str
    texts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Language:
    lang: str
    targets: Mapping[str, int]
    templates: tuple[_Template, ...]
    hand: tuple[_Hand, ...]
    context_before: tuple[str, ...]
    context_after: tuple[str, ...]
    textspeak: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]
    spanglish: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]
    spanglish_tags: tuple[str, ...]
    protect: frozenset[str]


class CorpusError(ValueError):
    """A corpus file is malformed (unknown label, undefined slot, duplicate id...)."""


def _strings(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise CorpusError(f"{where}: expected a list of non-empty strings")
    return tuple(value)


def _forms(value: object, where: str) -> _Forms:
    if isinstance(value, str):
        return {"t": value}
    if isinstance(value, dict) and "t" in value and all(isinstance(v, str) for v in value.values()):
        return dict(value)
    raise CorpusError(f"{where}: a slot value is a string or a table with a 't' key")


def _slots(table: object, where: str) -> dict[str, tuple[_Forms, ...]]:
    if not isinstance(table, dict):
        raise CorpusError(f"{where}: slots must be a table")
    slots: dict[str, tuple[_Forms, ...]] = {}
    for name, values in table.items():
        if not isinstance(values, list) or not values:
            raise CorpusError(f"{where}.{name}: expected a non-empty list")
        forms = tuple(_forms(v, f"{where}.{name}") for v in values)
        keys = set(forms[0])
        if any(set(f) != keys for f in forms):
            raise CorpusError(f"{where}.{name}: every value needs the same forms")
        slots[name] = forms
    return slots


def _replacements(table: object, where: str) -> tuple[tuple[re.Pattern[str], tuple[str, ...]], ...]:
    if not isinstance(table, dict):
        raise CorpusError(f"{where}: expected a table")
    # Keys are regular expressions (so "going to" can be limited to "going to" + a verb);
    # longest first, so "i'm going to" is rewritten before "going to".
    return tuple(
        (re.compile(rf"(?<!\w)(?:{k})(?!\w)", re.IGNORECASE), _strings(v, f"{where}.{k}"))
        for k, v in sorted(table.items(), key=lambda kv: (-len(kv[0]), kv[0]))
    )


def _label(value: object, where: str) -> str:
    if value not in LABELS:
        raise CorpusError(f"{where}: unknown label {value!r}")
    return str(value)


def _check_patterns(template: _Template, where: str) -> None:
    for pattern in template.patterns:
        for m in _SLOT_RE.finditer(pattern):
            name, form = m.group(1), m.group(2) or "t"
            if name not in template.slots:
                raise CorpusError(f"{where}: undefined slot {{{name}}} in {pattern!r}")
            if form not in template.slots[name][0]:
                raise CorpusError(f"{where}: slot {name} has no form {form!r}")
        if "{" in _SLOT_RE.sub("", pattern) or "}" in _SLOT_RE.sub("", pattern):
            raise CorpusError(f"{where}: stray brace in {pattern!r}")


@functools.cache
def _load(lang: str) -> _Language:
    path = _CORPUS_DIR / f"{lang}.toml"
    with path.open("rb") as fh:
        data: dict[str, Any] = tomllib.load(fh)
    where = path.name
    shared = _slots(data.get("slots", {}), f"{where}:slots")
    targets_raw = data.get("targets", {})
    if not isinstance(targets_raw, dict) or set(targets_raw) != set(LABELS):
        raise CorpusError(f"{where}: [targets] must give a count for every label")
    targets = {label: int(targets_raw[label]) for label in LABELS}

    seen: set[str] = set()

    def claim(group_id: object, kind: str) -> str:
        if not isinstance(group_id, str) or not group_id.startswith(f"{lang}.{kind}."):
            raise CorpusError(f"{where}: ids must start with {lang}.{kind}. (got {group_id!r})")
        if group_id in seen:
            raise CorpusError(f"{where}: duplicate id {group_id}")
        seen.add(group_id)
        return group_id

    templates = []
    for raw in data.get("template", []):
        tid = claim(raw.get("id"), "t")
        local = _slots(raw.get("slots", {}), f"{where}:{tid}.slots")
        template = _Template(
            id=tid,
            label=_label(raw.get("label"), tid),
            patterns=_strings(raw.get("patterns"), tid),
            slots={**shared, **local},
        )
        _check_patterns(template, tid)
        templates.append(template)
    # Hand-written blocks also come from files of their own (``en.<writer>.toml``), each written
    # separately by a different person: more writers, fewer of one writer's habits to overfit.
    hand_tables = [(where, raw) for raw in data.get("hand", [])]
    for extra in sorted(_CORPUS_DIR.glob(f"{lang}.*.toml")):
        with extra.open("rb") as fh:
            extra_data: dict[str, Any] = tomllib.load(fh)
        unknown = set(extra_data) - {"hand"}
        if unknown:
            raise CorpusError(f"{extra.name}: only [[hand]] blocks belong here, not {unknown}")
        hand_tables += [(extra.name, raw) for raw in extra_data.get("hand", [])]
    hand = tuple(
        _Hand(
            id=(hid := claim(raw.get("id"), "hand")),
            label=_label(raw.get("label"), hid),
            texts=_strings(raw.get("texts"), hid),
        )
        for _, raw in hand_tables
    )
    context = data.get("context", {})
    noise = data.get("noise", {})
    return _Language(
        lang=lang,
        targets=targets,
        templates=tuple(templates),
        hand=hand,
        context_before=_strings(context.get("before"), f"{where}:context.before"),
        context_after=_strings(context.get("after"), f"{where}:context.after"),
        textspeak=_replacements(noise.get("textspeak", {}), f"{where}:noise.textspeak"),
        spanglish=_replacements(noise.get("spanglish", {}), f"{where}:noise.spanglish"),
        spanglish_tags=tuple(noise.get("spanglish_tags", ())),
        protect=frozenset(w.casefold() for w in _strings(noise.get("protect"), f"{where}:protect")),
    )


# --------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------

_SPACE_RE: Final = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT_RE: Final = re.compile(r"\s+([,.;:!?)])")
_NORM_DROP_RE: Final = re.compile(r"[^\w\s]|_")
_DOUBLE_COMMA_RE: Final = re.compile(r",(?:\s*,)+")


def _tidy(text: str) -> str:
    # Only what empty slot values leave behind ("I can't do this anymore ,"); an ellipsis or
    # "!!!" a person typed is kept.
    text = _SPACE_RE.sub(" ", text).strip()
    text = _SPACE_BEFORE_PUNCT_RE.sub(r"\1", text)
    return _DOUBLE_COMMA_RE.sub(",", text).strip(" ,")


def normalise(text: str) -> str:
    """The key two texts are "the same message" by: case, accents, punctuation, spacing folded."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return _SPACE_RE.sub(" ", _NORM_DROP_RE.sub(" ", plain)).strip()


def _fill(pattern: str, slots: _Slots, rng: random.Random) -> str:
    chosen: dict[str, _Forms] = {}

    def substitute(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in chosen:
            chosen[name] = rng.choice(slots[name])
        return chosen[name][m.group(2) or "t"]

    return _tidy(_SLOT_RE.sub(substitute, pattern))


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------
# Noise
# --------------------------------------------------------------------------

_Noise = Callable[[str, random.Random, _Language], str]
_WORD_RE: Final = re.compile(r"[^\W\d_]{4,}")
_EMOJI: Final = (
    "😭", "😔", "🙏", "😩", "😅", "😂", "💀", "🥲", "❤️", "👍", "😞", "😢", "🤦", "😬", "🙃",
    "😮‍💨", "💔", "😴", "🤷", "😕",
)  # fmt: skip
_ACCENTS: Final = str.maketrans("áéíóúüÁÉÍÓÚÜ", "aeiouuAEIOUU")
_STRETCH_RE: Final = re.compile(r"([aeiouy])(?=[^aeiouy\W]*\W*$)", re.IGNORECASE)


def _typos(text: str, rng: random.Random, lang: _Language) -> str:
    # Negations and history words are spared: a typo that turns "never" into "ever" would
    # change the meaning the label was given for.
    words = [m for m in _WORD_RE.finditer(text) if m.group().casefold() not in lang.protect]
    if not words:
        return text
    count = 1 if len(words) < 6 else rng.choice((1, 2, 2, 3))
    picked = sorted(rng.sample(words, min(count, len(words))), key=lambda m: -m.start())
    for m in picked:
        word = m.group()
        i = rng.randrange(1, len(word) - 1)
        op = rng.choice(("drop", "double", "swap"))
        if op == "drop":
            new = word[:i] + word[i + 1 :]
        elif op == "double":
            new = word[:i] + word[i] + word[i:]
        else:
            new = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        text = text[: m.start()] + new + text[m.end() :]
    return text


def _caps(text: str, rng: random.Random, lang: _Language) -> str:
    return text.upper()


def _voice(text: str, rng: random.Random, lang: _Language) -> str:
    # Voice-to-text and thumb typing: no capitals, no punctuation, apostrophes often gone too.
    apostrophe = "'" if rng.random() < 0.5 else ""  # "don't" or "dont", never "don t"
    chars = [
        c if c.isalnum() or c.isspace() else apostrophe if c in "'’" else " " for c in text.lower()
    ]
    return _SPACE_RE.sub(" ", "".join(chars)).strip()


def _picker(choices: Sequence[str], rng: random.Random) -> Callable[[re.Match[str]], str]:
    # Each occurrence draws its own replacement ("u" here, "ya" there).
    return lambda _m: rng.choice(choices)


def _rewrite(
    text: str,
    rules: Iterable[tuple[re.Pattern[str], tuple[str, ...]]],
    rng: random.Random,
    rate: float,
) -> tuple[str, bool]:
    changed = False
    for pattern, choices in rules:
        if pattern.search(text) and rng.random() < rate:
            text = pattern.sub(_picker(choices, rng), text)
            changed = True
    return text, changed


def _textspeak(text: str, rng: random.Random, lang: _Language) -> str:
    if rng.random() < 0.7:
        text = text.lower()
    text, _ = _rewrite(text, lang.textspeak, rng, 0.75)
    return text


def _emoji(text: str, rng: random.Random, lang: _Language) -> str:
    marks = "".join(rng.choice(_EMOJI) for _ in range(rng.choice((1, 1, 2, 3))))
    where = rng.random()
    if where < 0.65:
        return f"{text} {marks}"
    if where < 0.8:
        return f"{marks} {text}"
    cut = text.find(". ")
    return f"{text[: cut + 1]} {marks}{text[cut + 1 :]}" if cut > 0 else f"{text} {marks}"


def _no_accents(text: str, rng: random.Random, lang: _Language) -> str:
    text = text.translate(_ACCENTS).replace("¿", "").replace("¡", "")
    return text.replace("ñ", "n") if rng.random() < 0.3 else text


def _spanglish(text: str, rng: random.Random, lang: _Language) -> str:
    text, changed = _rewrite(text, lang.spanglish, rng, 0.5)
    if (not changed or rng.random() < 0.3) and lang.spanglish_tags:
        tag = rng.choice(lang.spanglish_tags)
        text = f"{tag} {text}" if rng.random() < 0.4 else f"{text} {tag}"
    return text


def _stretch(text: str, rng: random.Random, lang: _Language) -> str:
    # "pleaseee", "???": emphasis by repetition.
    if rng.random() < 0.5:
        return _STRETCH_RE.sub(lambda m: m.group(1) * rng.randint(3, 5), text, count=1)
    return text.rstrip(".!?") + rng.choice(("!!!", "???", "...", "!!", "?!"))


# Applied in this order, so text-speak and Spanglish see whole words before typos or capitals.
_NOISES: Final[tuple[tuple[str, _Noise], ...]] = (
    ("spanglish", _spanglish),
    ("textspeak", _textspeak),
    ("no_accents", _no_accents),
    ("typos", _typos),
    ("stretch", _stretch),
    ("voice", _voice),
    ("caps", _caps),
    ("emoji", _emoji),
)
_NOISE_WEIGHTS: Final[Mapping[str, Mapping[str, int]]] = {
    "en": {"textspeak": 5, "typos": 5, "voice": 4, "caps": 1, "emoji": 3, "stretch": 2},
    "es": {
        "textspeak": 4, "typos": 4, "voice": 4, "caps": 1, "emoji": 3, "stretch": 2,
        "no_accents": 5, "spanglish": 3,
    },
}  # fmt: skip
_CLEAN_SHARE: Final = 0.35


def _add_noise(text: str, rng: random.Random, lang: _Language) -> str:
    if rng.random() < _CLEAN_SHARE:
        return text if rng.random() < 0.6 else text[:1].lower() + text[1:]
    weights = _NOISE_WEIGHTS[lang.lang]
    names = list(weights)
    picked: set[str] = set()
    for _ in range(rng.choice((1, 1, 2, 2, 3))):
        picked.add(rng.choices(names, weights=[weights[n] for n in names])[0])
    if {"voice", "caps"} <= picked:
        picked.discard(rng.choice(("voice", "caps")))
    for name, noise in _NOISES:
        if name in picked:
            text = noise(text, rng, lang)
    return _SPACE_RE.sub(" ", text).strip()


def _with_context(text: str, rng: random.Random, lang: _Language) -> str:
    # Every label gets the same context at the same rates: length and small talk must not
    # hint at the label.
    parts = [text]
    if rng.random() < 0.22:
        parts.insert(0, rng.choice(lang.context_before))
    if rng.random() < 0.18:
        parts.append(rng.choice(lang.context_after))
    if len(parts) > 1:
        parts = [_sentence_case(p) if i else p for i, p in enumerate(parts)]
        parts = [p if p[-1] in ".!?…" else p + "." for p in parts[:-1]] + [parts[-1]]
    return " ".join(parts)


# --------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------

_MAX_USES_PER_BASE: Final = 2  # a filled template may come back once more, differently noised
_ATTEMPTS: Final = 40


class _Ledger:
    """Which group owns each normalised text; rejects texts another group already produced."""

    def __init__(self) -> None:
        self.owner: dict[str, tuple[str, str]] = {}  # normalised text -> (group, label)
        self.texts: set[str] = set()
        self.examples: list[Example] = []

    def add(self, text: str, label: str, lang: str, group: str) -> bool:
        text = _tidy(text)
        key = normalise(text)
        if not key or text in self.texts:
            return False
        owner_group, owner_label = self.owner.setdefault(key, (group, label))
        if owner_label != label:
            # Two labels for one message is a contradiction in the corpus files, never noise.
            raise CorpusError(
                f"{text!r} from {group} ({label}) is already {owner_label} in {owner_group}"
            )
        if owner_group != group:
            return False
        self.texts.add(text)
        self.examples.append(Example(text, label, lang, group))
        return True


class _Sampler:
    def __init__(self, template: _Template, lang: _Language, seed: int) -> None:
        self.template = template
        self.lang = lang
        self.rng = random.Random(f"{seed}:{template.id}")  # noqa: S311 - data, not security
        self.uses: Counter[str] = Counter()
        self.done = False

    def draw(self, ledger: _Ledger) -> bool:
        t = self.template
        for _ in range(_ATTEMPTS):
            base = _fill(self.rng.choice(t.patterns), t.slots, self.rng)
            key = normalise(base)
            if self.uses[key] >= _MAX_USES_PER_BASE:
                continue
            if self.rng.random() < 0.5:
                base = _sentence_case(base)
            text = _add_noise(_with_context(base, self.rng, self.lang), self.rng, self.lang)
            if ledger.add(text, t.label, self.lang.lang, t.id):
                self.uses[key] += 1
                return True
        self.done = True
        return False


def _generate_language(lang: _Language, seed: int, ledger: _Ledger) -> None:
    for block in lang.hand:
        for text in block.texts:
            ledger.add(text, block.label, lang.lang, block.id)
    # Targets count templated examples only: each hand-written message adds to the corpus rather
    # than displacing a templated one.
    counts: Counter[str] = Counter()
    for label in LABELS:
        samplers = [_Sampler(t, lang, seed) for t in lang.templates if t.label == label]
        # Round robin, so every template contributes about equally and a prolific one cannot
        # crowd out the others; exhausted templates drop out.
        while counts[label] < lang.targets[label] and any(not s.done for s in samplers):
            for sampler in samplers:
                if counts[label] >= lang.targets[label]:
                    break
                if not sampler.done and sampler.draw(ledger):
                    counts[label] += 1


def generate(seed: int = 0) -> list[Example]:
    """The whole corpus, in a fixed order: hand-written first, then templates, per language."""
    ledger = _Ledger()
    for code in LANGS:
        _generate_language(_load(code), seed, ledger)
    return ledger.examples


def _group_hash(group: str) -> int:
    """Stable across runs, machines and Python versions (unlike ``hash``)."""
    return int.from_bytes(hashlib.sha256(group.encode("utf-8")).digest()[:8], "big")


@functools.cache
def _ranked_strata() -> tuple[tuple[str, ...], ...]:
    """Every group in the corpus files, per (language, label), ranked by hash: the order in which
    :func:`_partition` and :func:`_folds` deal them out, so every stratum has its share on each
    side. It depends only on the group ids in the files, never on which examples are passed."""
    strata: dict[tuple[str, str], list[str]] = {}
    for code in LANGS:
        lang = _load(code)
        for group, label in [(t.id, t.label) for t in lang.templates] + [
            (h.id, h.label) for h in lang.hand
        ]:
            strata.setdefault((code, label), []).append(group)
    return tuple(
        tuple(sorted(groups, key=lambda g: (_group_hash(g), g))) for groups in strata.values()
    )


@functools.cache
def _partition() -> tuple[frozenset[str], frozenset[str]]:
    """(every group in the corpus files, the development groups among them).

    Development groups are, per (language, label), the fifth with the lowest hash. A plain
    threshold on the hash left small strata without a single development group (Spanish poisoning
    has ten groups); ranking within each stratum gives every label in every language its share.
    Adding a group moves at most one other group across.
    """
    ranked = _ranked_strata()
    dev = {g for groups in ranked for g in groups[: max(1, round(len(groups) * DEV_FRACTION))]}
    return frozenset(g for groups in ranked for g in groups), frozenset(dev)


def is_dev_group(group: str) -> bool:
    """Whether ``group`` belongs to the development set (a hash threshold for unknown groups)."""
    known, dev = _partition()
    if group in known:
        return group in dev
    return _group_hash(group) / 2**64 < DEV_FRACTION


@functools.cache
def _folds(k: int) -> dict[str, int]:
    """Every group in the corpus files with its fold of ``k``: within each (language, label),
    the groups ranked by hash are dealt out in turn, so each fold has its share of every
    stratum."""
    return {g: rank % k for groups in _ranked_strata() for rank, g in enumerate(groups)}


def fold_of(group: str, k: int) -> int:
    """Which of ``k`` folds ``group`` belongs to (by its hash for a group not in the files)."""
    return _folds(k).get(group, _group_hash(group) % k)


def split(examples: Iterable[Example]) -> tuple[list[Example], list[Example]]:
    """(train, dev): whole groups go to one side, about 80/20 by group in every stratum."""
    train: list[Example] = []
    dev: list[Example] = []
    for example in examples:
        (dev if is_dev_group(example.group) else train).append(example)
    return train, dev


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def stats(examples: Sequence[Example]) -> str:
    train, dev = split(examples)
    total = len(examples)
    table = Counter((e.label, e.lang) for e in examples)
    dev_table = Counter((e.label, e.lang) for e in dev)
    lines = [f"{'label':<20}" + "".join(f"{c:>8}" for c in (*LANGS, "total", "dev"))]
    for label in LABELS:
        row = [table[label, lang] for lang in LANGS]
        dev_n = sum(dev_table[label, lang] for lang in LANGS)
        lines.append(f"{label:<20}" + "".join(f"{n:>8}" for n in (*row, sum(row), dev_n)))
    per_lang = [sum(table[label, lang] for label in LABELS) for lang in LANGS]
    lines.append(f"{'total':<20}" + "".join(f"{n:>8}" for n in (*per_lang, total, len(dev))))
    groups = {e.group for e in examples}
    dev_groups = {e.group for e in dev}
    none_share = sum(table["none", lang] for lang in LANGS) / total
    es_share = per_lang[LANGS.index("es")] / total
    hand = sum(1 for e in examples if ".hand." in e.group)
    lines += [
        "",
        f"spanish {es_share:.1%}   none {none_share:.1%}   hand-written {hand}",
        f"train {len(train)}   dev {len(dev)} ({len(dev) / total:.1%})   "
        f"groups {len(groups)} ({len(dev_groups)} dev)",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.safety.corpus", description=__doc__)
    parser.add_argument("--stats", action="store_true", help="print counts per label and language")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    examples = generate(args.seed)
    if args.stats:
        print(stats(examples))
    else:
        parser.print_usage(sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
