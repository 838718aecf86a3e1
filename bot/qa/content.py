"""Load and validate the curated snippets in ``content/snippets.toml`` and ``content/clinics/``.

A malformed file must stop the bot at start-up with a message an editor can act on (the file and
the snippet id), never produce a wrong answer later, so every rule is checked here and all
problems are reported at once.

Every shared snippet has a Spanish text in ``content/snippets.es.toml`` (the file next to the
English one, named ``<stem>.es.toml``): the same ids, one for one, with its own title, its own
review fields, and Spanish names for the sources; sources, facts, companions and examples are the
English snippet's. A clinic's snippet may carry an optional Spanish ``title_es`` and ``text_es``.

The shared file holds label-true answers for every patient. A clinic may add its own practical
snippets (phone, hours, rebooking) in ``content/clinics/<CODE>.toml``: the same schema, loaded
with :func:`load_clinic_content`, never by default.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Final

from bot.qa.lexicon import MEDICINE_CLASSES
from bot.resources import resource_dir

__all__ = [
    "PRIMARY_SOURCE_KINDS",
    "SNIPPET_KINDS",
    "SOURCE_KINDS",
    "Content",
    "ContentError",
    "Snippet",
    "Source",
    "Translation",
    "clinic_path",
    "clinics_dir",
    "default_path",
    "load_clinic_content",
    "load_content",
    "normalise_clinic_code",
    "spanish_path",
]

# The languages snippets are written in: English is the source, every other one a translation.
LANGUAGES: Final = ("en", "es")

MIN_SENTENCES: Final = 1
MAX_SENTENCES: Final = 4
# Example questions in patients' own words, for retrieval and its evaluation (never shown).
MIN_EXAMPLES: Final = 6
MIN_SPANISH_EXAMPLES: Final = 4
# A clinic's file installed before Spanish answers existed had 2; it must still load.
MIN_CLINIC_SPANISH_EXAMPLES: Final = 2

SOURCE_KINDS: Final = frozenset(
    {
        "fda-label",
        "medication-guide",
        "samhsa",
        "medlineplus",
        "cdc",
        "niaaa",
        "article",
        "clinic",
        "poison-control",
        "988",
    }
)
# Sources a shared snippet can rest on. The article may be cited beside one, never alone.
PRIMARY_SOURCE_KINDS: Final = SOURCE_KINDS - {"article", "clinic"}
# "ask-care-team": the answer is that the care team must decide (pregnancy, dose changes...).
SNIPPET_KINDS: Final = ("answer", "ask-care-team")

_ID_RE: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_FACT_RE: Final = re.compile(r"F\d{3}")
_HASH_RE: Final = re.compile(r"[0-9a-f]{64}")
# The shape of a clinic invite code (bot/services/clinics.py), which names the clinic's file.
_CLINIC_CODE_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")
# The article's factual error. Checked over the raw file, comments included.
_AGONIST_RE: Final = re.compile(r"opioid\W+agonist", re.IGNORECASE)
# The same error in Spanish ("agonista opioide", "agonista de los opioides", "opioide agonista").
_AGONISTA_RE: Final = re.compile(
    r"(?<!ant)agonistas?\W+(?:de\W+)?(?:los\W+)?opi|opi[a-z]*\W+agonista", re.IGNORECASE
)
# In what patients see, no "agonist" at all ("antagonist" is fine), "agonista" in Spanish too.
_BARE_AGONIST_RE: Final = re.compile(r"(?<!ant)agonist", re.IGNORECASE)

# Replies are plain text: Telegram would show Markdown or HTML characters literally.
_MARKUP_RE: Final = re.compile(r"[<>*_`#\[\]]")
# A sentence ends at . ! or ? followed by a space and a capital letter (or an opening quote).
_SENTENCE_END_RE: Final = re.compile(r"[.!?][\"”’)]?\s+(?=[A-Z“\"(¿¡])")
_ENDS_SENTENCE_RE: Final = re.compile(r"[.!?][\"”’)]?$")

_TOP_KEYS: Final = frozenset({"sources", "snippet"})
_SOURCE_KEYS: Final = frozenset({"name", "url", "kind"})
_REQUIRED: Final = (
    "id",
    "title",
    "text",
    "source",
    "keywords",
    "examples",
    "examples_es",
    "reviewed_by",
    "reviewed_on",
    "reviewed_hash",
)
_OPTIONAL: Final = frozenset(
    {"correction", "mentions", "also", "always_with", "origin", "facts", "kind", "clinic"}
)
# A clinic's snippet may carry its Spanish text inline (shared ones: content/snippets.es.toml).
_CLINIC_SPANISH: Final = frozenset({"title_es", "text_es"})
_TRANSLATION_KEYS: Final = frozenset(
    {"id", "title", "text", "reviewed_by", "reviewed_on", "reviewed_hash"}
)


def _agonist_errors(raw: str, checks: tuple[tuple[re.Pattern[str], str], ...]) -> list[str]:
    """The source article's error ("agonist") where a content file repeats it, by line."""
    errors = []
    for pattern, what in checks:
        found = pattern.search(raw)
        if found is not None:
            line = raw[: found.start()].count("\n") + 1
            errors.append(
                f"line {line}: says {what}; naltrexone is an opioid antagonist "
                "(the source article is wrong there)"
            )
    return errors


class ContentError(ValueError):
    """The content file is missing or malformed; the message names the file and snippet."""


@dataclass(frozen=True, slots=True)
class Source:
    key: str
    name: str
    url: str
    kind: str

    @property
    def primary(self) -> bool:
        return self.kind in PRIMARY_SOURCE_KINDS


@dataclass(frozen=True, slots=True)
class Translation:
    """What a patient reading another language sees of a snippet (Spanish today)."""

    lang: str
    title: str
    text: str
    # How the reply names the source(s) in that language.
    source: str
    # A shared snippet's translation has its own sign-off (a clinician who is a native speaker);
    # a clinic's inline Spanish is signed off with the clinic snippet itself (all empty here).
    reviewed_by: str = ""
    reviewed_on: str = ""
    reviewed_hash: str = ""

    @property
    def reviewed(self) -> bool:
        return bool(self.reviewed_by)


@dataclass(frozen=True, slots=True)
class Snippet:
    id: str
    title: str
    text: str
    sources: tuple[Source, ...]
    keywords: tuple[str, ...]
    # Questions in patients' own words (slang, typos, brand names); Spanish ones apart.
    examples: tuple[str, ...] = ()
    examples_es: tuple[str, ...] = ()
    # Snippets always quoted with this one, in order (safety facts that travel together).
    always_with: tuple[str, ...] = ()
    # The F-numbers of the team's sourced clinical facts file (clinical-facts.md) it rests on.
    facts: tuple[str, ...] = ()
    kind: str = "answer"
    clinic: str | None = None
    correction: str | None = None
    mentions: tuple[str, ...] = ()
    origin: str | None = None
    # Empty until a clinician signs off; reviewed_hash is bot.qa.review.content_hash then.
    reviewed_by: str = ""
    reviewed_on: str = ""
    reviewed_hash: str = ""
    # The Spanish text (None only in content files written without one: tests, old clinics).
    es: Translation | None = None

    @property
    def source(self) -> str:
        """How the reply names the source(s)."""
        return "; ".join(source.name for source in self.sources)

    def shown(self, lang: str = "en") -> tuple[str, str, str]:
        """(title, text, source) in ``lang``; English when there is no text in that language."""
        translation = self.translation(lang)
        if translation is None:
            return self.title, self.text, self.source
        return translation.title, translation.text, translation.source

    def translation(self, lang: str) -> Translation | None:
        """The snippet's text in ``lang`` (None for English, and for a language it lacks)."""
        return self.es if lang == "es" else None

    @property
    def also(self) -> str | None:
        """The first snippet always quoted with this one (the older single-companion field)."""
        return self.always_with[0] if self.always_with else None

    @property
    def reviewed(self) -> bool:
        return bool(self.reviewed_by)


@dataclass(frozen=True, slots=True)
class Content:
    path: Path
    sources: Mapping[str, Source]
    snippets: tuple[Snippet, ...]
    # Set for a clinic's own file (its snippets only; the shared ones are loaded apart).
    clinic: str | None = None
    # Source key -> its Spanish name (from the Spanish file; a source not there keeps its name).
    spanish_sources: Mapping[str, str] = field(default_factory=dict)
    # The Spanish file read with the shared content (None for a clinic's file, or none read).
    spanish_path: Path | None = None

    def source_names(self, lang: str) -> Mapping[str, str]:
        """Source key -> the name a reply in ``lang`` gives it."""
        names = {key: source.name for key, source in self.sources.items()}
        if lang == "es":
            names.update(self.spanish_sources)
        return names

    def get(self, snippet_id: str) -> Snippet:
        for snippet in self.snippets:
            if snippet.id == snippet_id:
                return snippet
        raise KeyError(snippet_id)


def default_path() -> Path:
    return resource_dir("content") / "snippets.toml"


def spanish_path(path: Path | None = None) -> Path:
    """The Spanish file that goes with an English one: ``snippets.toml`` -> ``snippets.es.toml``."""
    english = path or default_path()
    return english.with_name(f"{english.stem}.es{english.suffix}")


def clinics_dir() -> Path:
    return resource_dir("content") / "clinics"


def normalise_clinic_code(code: str) -> str | None:
    code = code.strip()
    return code.upper() if _CLINIC_CODE_RE.fullmatch(code) else None


def clinic_path(code: str) -> Path:
    """Where a clinic's own snippets live: ``content/clinics/<CODE>.toml``."""
    normalised = normalise_clinic_code(code)
    if normalised is None:
        raise ContentError(f"{code!r} is not a clinic code (letters, digits, '-' and '_')")
    return clinics_dir() / f"{normalised}.toml"


def sentence_count(text: str) -> int:
    return len(_SENTENCE_END_RE.split(text.strip()))


def load_content(path: Path | None = None, *, spanish: Path | None = None) -> Content:
    """Read and validate the shared snippets; raise :class:`ContentError` listing every problem.

    The Spanish file (``spanish``, default :func:`spanish_path` of ``path``) is required for the
    shipped content; for a file given by path (tests, a trial edit) it is read when it exists.
    """
    english = path or default_path()
    content = _load(english, clinic=None, shared=None)
    es_path = spanish or spanish_path(english)
    if spanish is None and path is not None and not es_path.is_file():
        return content
    return _with_spanish(content, es_path)


def load_clinic_content(
    code: str, path: Path | None = None, shared: Content | None = None
) -> Content:
    """Read and validate one clinic's snippets (``content/clinics/<CODE>.toml`` by default).

    They follow the shared schema; they may cite the clinic's own sources (kind "clinic") or the
    shared ones, name shared snippets in ``always_with``, but never reuse a shared id. ``shared``
    defaults to :func:`load_content`.
    """
    default = clinic_path(code)  # also checks the code
    shared = shared if shared is not None else load_content()
    return _load(path or default, clinic=default.stem, shared=shared)


def _load(path: Path, clinic: str | None, shared: Content | None) -> Content:
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ContentError(f"{path}: cannot read the content file ({exc.strerror})") from exc
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"{path}: not valid TOML: {exc}") from exc
    problems: list[str] = []
    problems.extend(_agonist_errors(raw, ((_AGONIST_RE, "'opioid agonist'"),)))
    for key in sorted(set(data) - _TOP_KEYS):
        problems.append(f"unknown top-level key {key!r} (expected [sources] and [[snippet]])")
    own_sources = _sources(data.get("sources"), clinic, problems)
    known: Mapping[str, Source] = own_sources
    if shared is not None:
        for key in sorted(set(own_sources) & set(shared.sources)):
            problems.append(f"source {key!r}: the shared content already has a source by that key")
        known = {**shared.sources, **own_sources}
    context = _Context(clinic=clinic, sources=known, shared=shared)
    snippets = _snippets(data.get("snippet"), context, problems)
    if problems:
        raise ContentError(f"{path}: invalid content:\n  " + "\n  ".join(problems))
    return Content(path=path, sources=own_sources, snippets=snippets, clinic=clinic)


@dataclass(frozen=True, slots=True)
class _Context:
    clinic: str | None
    sources: Mapping[str, Source]
    shared: Content | None


def _sources(value: object, clinic: str | None, problems: list[str]) -> dict[str, Source]:
    if value is None and clinic is not None:
        return {}  # a clinic file may cite only the shared sources
    if not isinstance(value, dict) or not value:
        problems.append("[sources] is missing or empty")
        return {}
    sources: dict[str, Source] = {}
    for key, table in value.items():
        if not isinstance(table, dict):
            problems.append(f"source {key!r}: must be a table with a name, url and kind")
            continue
        errors: list[str] = []
        for extra in sorted(set(table) - _SOURCE_KEYS):
            errors.append(f"unknown field {extra!r}")
        name, url, kind = (table.get(field) for field in ("name", "url", "kind"))
        if not isinstance(name, str) or not name.strip():
            errors.append("'name' must be a non-empty string")
        if not isinstance(kind, str) or kind not in SOURCE_KINDS:
            errors.append(f"'kind' must be one of {', '.join(sorted(SOURCE_KINDS))}")
        elif kind == "clinic" and clinic is None:
            errors.append("sources of kind 'clinic' belong in a clinic's own file")
        # A clinic's front desk, or the article (read as a copy), may have no web address; a
        # primary source must have one so a reviewer can check the snippet against it.
        optional_url = kind in ("clinic", "article")
        if url is None and optional_url:
            url = ""
        if not isinstance(url, str) or not ((optional_url and url == "") or _is_url(url)):
            errors.append("'url' must be an https:// address")
        problems.extend(f"source {key!r}: {error}" for error in errors)
        if not errors and isinstance(name, str) and isinstance(url, str) and isinstance(kind, str):
            sources[key] = Source(key=key, name=name.strip(), url=url.strip(), kind=kind)
    return sources


def _is_url(value: str) -> bool:
    return re.fullmatch(r"https://[^\s/]+\.[^\s]+", value.strip()) is not None


def _snippets(value: object, context: _Context, problems: list[str]) -> tuple[Snippet, ...]:
    if not isinstance(value, list) or not value:
        problems.append("no [[snippet]] entries")
        return ()
    snippets: list[Snippet] = []
    seen: set[str] = set()
    shared_ids = {s.id for s in context.shared.snippets} if context.shared else set()
    for position, table in enumerate(value, start=1):
        if not isinstance(table, dict):
            problems.append(f"snippet #{position}: must be a table")
            continue
        raw_id = table.get("id")
        label = f"snippet {raw_id!r}" if isinstance(raw_id, str) else f"snippet #{position}"
        errors: list[str] = []
        snippet = _snippet(table, context, errors)
        if snippet is not None:
            if snippet.id in seen:
                errors.append("duplicate id")
            if snippet.id in shared_ids:
                errors.append("the shared content already has a snippet with this id")
            seen.add(snippet.id)
        problems.extend(f"{label}: {error}" for error in errors)
        if snippet is not None and not errors:
            snippets.append(snippet)
    all_ids = {t.get("id") for t in value if isinstance(t, dict)} | shared_ids
    for snippet in snippets:
        for other in snippet.always_with:
            if other not in all_ids:
                problems.append(
                    f"snippet {snippet.id!r}: 'always_with' names unknown snippet {other!r}"
                )
    problems.extend(_shared_examples(snippets, context.shared))
    return tuple(snippets)


def _shared_examples(snippets: list[Snippet], shared: Content | None) -> list[str]:
    """An example question listed under two snippets would teach retrieval both answers."""
    owner: dict[str, str] = {}
    if shared is not None:
        for snippet in shared.snippets:
            for example in (*snippet.examples, *snippet.examples_es):
                owner.setdefault(_fold(example), snippet.id)
    problems: list[str] = []
    for snippet in snippets:
        own: set[str] = set()
        for example in (*snippet.examples, *snippet.examples_es):
            folded = _fold(example)
            first = owner.setdefault(folded, snippet.id)
            if first != snippet.id:
                problems.append(
                    f"snippet {snippet.id!r}: example {example!r} is also an example of {first!r}"
                )
            elif folded in own:
                problems.append(f"snippet {snippet.id!r}: example {example!r} is listed twice")
            own.add(folded)
    return problems


def _fold(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def _text_field(table: Mapping[str, object], name: str, errors: list[str]) -> str | None:
    value = table.get(name)
    if not isinstance(value, str) or not value.strip():
        errors.append(f"{name!r} must be a non-empty string")
        return None
    return " ".join(value.split())


def _string_list(table: Mapping[str, object], name: str, errors: list[str]) -> tuple[str, ...]:
    value = table.get(name, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        errors.append(f"{name!r} must be a string or a list of non-empty strings")
        return ()
    return tuple(" ".join(v.split()) for v in value)


def _plain_string(table: Mapping[str, object], name: str, errors: list[str]) -> str:
    """A string that may be empty (the review fields)."""
    value = table.get(name, "")
    if not isinstance(value, str):
        errors.append(f"{name!r} must be a string (empty until a clinician signs off)")
        return ""
    return value.strip()


def _snippet(table: Mapping[str, object], context: _Context, errors: list[str]) -> Snippet | None:
    for missing in (f for f in _REQUIRED if f not in table):
        errors.append(f"missing required field {missing!r}")
    for extra in sorted(set(table) - set(_REQUIRED) - _OPTIONAL - _CLINIC_SPANISH):
        errors.append(f"unknown field {extra!r}")
    if context.clinic is None:
        for inline in sorted(set(table) & _CLINIC_SPANISH):
            errors.append(
                f"{inline!r}: a shared snippet's Spanish goes in the Spanish file "
                "(content/snippets.es.toml), with the same id"
            )
    snippet_id = _text_field(table, "id", errors)
    if snippet_id is not None and not _ID_RE.fullmatch(snippet_id):
        errors.append("id must be lower-case words joined by '-' (like 'missed-dose')")
    title = _text_field(table, "title", errors)
    text = _text_field(table, "text", errors)
    keywords = _non_empty_list(table, "keywords", errors)
    examples = _non_empty_list(table, "examples", errors, at_least=MIN_EXAMPLES)
    spanish_floor = MIN_SPANISH_EXAMPLES if context.clinic is None else MIN_CLINIC_SPANISH_EXAMPLES
    examples_es = _non_empty_list(table, "examples_es", errors, at_least=spanish_floor)
    sources = _cited_sources(table, context, errors)
    mentions = _string_list(table, "mentions", errors)
    for mention in mentions:
        if mention not in MEDICINE_CLASSES:
            errors.append(f"'mentions' names unknown medicine class {mention!r}")
    always_with = _companions(table, snippet_id, errors)
    facts = _string_list(table, "facts", errors)
    for fact in facts:
        if not _FACT_RE.fullmatch(fact):
            errors.append(f"'facts' entry {fact!r} is not an F-number like 'F012'")
    if context.clinic is None and not facts and "facts" not in table:
        errors.append("missing 'facts': the F-numbers of the facts file the snippet rests on")
    kind = table.get("kind", "answer")
    if kind not in SNIPPET_KINDS:
        errors.append(f"'kind' must be one of {', '.join(SNIPPET_KINDS)}")
    elif kind == "ask-care-team" and text is not None and "care team" not in text.lower():
        errors.append("an 'ask-care-team' snippet must tell the patient to ask their care team")
    clinic = _clinic(table, context, errors)
    review = {
        name: _plain_string(table, name, errors)
        for name in ("reviewed_by", "reviewed_on", "reviewed_hash")
    }
    errors.extend(_review_problems(**review))
    optional = {
        name: _text_field(table, name, errors) for name in ("correction", "origin") if name in table
    }
    if text is not None:
        errors.extend(_text_problems(text))
    es = _clinic_spanish(table, context, title, sources, errors)
    shown = [("title", title), ("text", text), *((f"keyword {k!r}", k) for k in keywords)]
    if es is not None:
        shown += [("title_es", es.title), ("text_es", es.text)]
    for name, value in shown:
        if value is None:
            continue
        if _BARE_AGONIST_RE.search(value):
            errors.append(f"{name} says 'agonist'; naltrexone is an opioid antagonist")
        if _MARKUP_RE.search(value):
            errors.append(f"{name} contains Markdown/HTML characters; replies are plain text")
    if errors or snippet_id is None or title is None or text is None:
        return None
    return Snippet(
        id=snippet_id,
        title=title,
        text=text,
        sources=sources,
        keywords=keywords,
        examples=examples,
        examples_es=examples_es,
        always_with=always_with,
        facts=facts,
        kind=str(kind),
        clinic=clinic,
        correction=optional.get("correction"),
        mentions=mentions,
        origin=optional.get("origin"),
        **review,
        es=es,
    )


def _clinic_spanish(
    table: Mapping[str, object],
    context: _Context,
    title: str | None,
    sources: tuple[Source, ...],
    errors: list[str],
) -> Translation | None:
    """A clinic snippet's optional inline Spanish (``text_es``, and ``title_es`` if it differs)."""
    if context.clinic is None or "text_es" not in table:
        if context.clinic is not None and "title_es" in table:
            errors.append("'title_es' without 'text_es': give the Spanish text too")
        return None
    text = _text_field(table, "text_es", errors)
    es_title = _text_field(table, "title_es", errors) if "title_es" in table else title
    if text is None or es_title is None:
        return None
    errors.extend(f"text_es: {problem}" for problem in _text_problems(text))
    names = dict(context.shared.spanish_sources) if context.shared is not None else {}
    source = "; ".join(names.get(s.key, s.name) for s in sources)
    return Translation(lang="es", title=es_title, text=text, source=source)


def _text_problems(text: str) -> list[str]:
    problems: list[str] = []
    count = sentence_count(text)
    if not MIN_SENTENCES <= count <= MAX_SENTENCES:
        problems.append(f"text has {count} sentences ({MIN_SENTENCES} to {MAX_SENTENCES} allowed)")
    if not _ENDS_SENTENCE_RE.search(text):
        problems.append("text must end with '.', '!' or '?'")
    return problems


def _with_spanish(content: Content, path: Path) -> Content:
    """``content`` with every snippet's Spanish text from ``path``, checked one for one."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ContentError(
            f"{path}: cannot read the Spanish content file ({exc.strerror}); every snippet of "
            f"{content.path.name} needs its Spanish text there"
        ) from exc
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"{path}: not valid TOML: {exc}") from exc
    problems: list[str] = []
    problems.extend(
        _agonist_errors(raw, ((_AGONIST_RE, "'opioid agonist'"), (_AGONISTA_RE, "'agonista'")))
    )
    for key in sorted(set(data) - _TOP_KEYS):
        problems.append(f"unknown top-level key {key!r} (expected [sources] and [[snippet]])")
    names = _spanish_sources(data.get("sources", {}), content, problems)
    texts = _spanish_snippets(data.get("snippet"), content, names, problems)
    if problems:
        raise ContentError(f"{path}: invalid Spanish content:\n  " + "\n  ".join(problems))
    snippets = tuple(replace(s, es=texts[s.id]) for s in content.snippets)
    return replace(content, snippets=snippets, spanish_sources=names, spanish_path=path)


def _spanish_sources(value: object, content: Content, problems: list[str]) -> dict[str, str]:
    if not isinstance(value, dict):
        problems.append("[sources] must be tables of Spanish source names")
        return {}
    names: dict[str, str] = {}
    for key, table in value.items():
        if key not in content.sources:
            problems.append(f"source {key!r}: not a source of {content.path.name}")
            continue
        if not isinstance(table, dict) or set(table) != {"name"}:
            problems.append(
                f"source {key!r}: give only its Spanish 'name' (address and kind are the "
                "English file's)"
            )
            continue
        name = table["name"]
        if not isinstance(name, str) or not name.strip():
            problems.append(f"source {key!r}: 'name' must be a non-empty string")
            continue
        names[key] = " ".join(name.split())
    return names


def _spanish_snippets(
    value: object, content: Content, names: Mapping[str, str], problems: list[str]
) -> dict[str, Translation]:
    english = {s.id: s for s in content.snippets}
    if not isinstance(value, list):
        value = []
    texts: dict[str, Translation] = {}
    for position, table in enumerate(value, start=1):
        if not isinstance(table, dict):
            problems.append(f"snippet #{position}: must be a table")
            continue
        raw_id = table.get("id")
        label = f"snippet {raw_id!r}" if isinstance(raw_id, str) else f"snippet #{position}"
        errors: list[str] = []
        for missing in sorted(_TRANSLATION_KEYS - set(table)):
            errors.append(f"missing required field {missing!r}")
        for extra in sorted(set(table) - _TRANSLATION_KEYS):
            errors.append(
                f"unknown field {extra!r} (sources, facts, examples and the rest are the "
                "English snippet's)"
            )
        snippet_id = _text_field(table, "id", errors)
        title = _text_field(table, "title", errors)
        text = _text_field(table, "text", errors)
        original = english.get(snippet_id) if snippet_id is not None else None
        if snippet_id is not None and original is None:
            errors.append(f"no English snippet has this id in {content.path.name}")
        if snippet_id is not None and snippet_id in texts:
            errors.append("duplicate id")
        if text is not None:
            errors.extend(_text_problems(text))
            if (
                original is not None
                and original.kind == "ask-care-team"
                and ("equipo de atención" not in text.lower())
            ):
                errors.append(
                    "an 'ask-care-team' snippet must tell the patient to ask their care team "
                    "(su equipo de atención)"
                )
        for name, shown in (("title", title), ("text", text)):
            if shown is None:
                continue
            if _BARE_AGONIST_RE.search(shown):
                errors.append(f"{name} says 'agonista'; naltrexone is an opioid antagonist")
            if _MARKUP_RE.search(shown):
                errors.append(f"{name} contains Markdown/HTML characters; replies are plain text")
        review = {
            name: _plain_string(table, name, errors)
            for name in ("reviewed_by", "reviewed_on", "reviewed_hash")
        }
        errors.extend(_review_problems(**review))
        problems.extend(f"{label}: {error}" for error in errors)
        if errors or original is None or snippet_id is None or title is None or text is None:
            continue
        source = "; ".join(names.get(s.key, s.name) for s in original.sources)
        texts[snippet_id] = Translation("es", title, text, source, **review)
    for snippet in content.snippets:
        if snippet.id not in texts and not any(
            isinstance(t, dict) and t.get("id") == snippet.id for t in value
        ):
            problems.append(f"snippet {snippet.id!r}: has no Spanish text (same id) in this file")
    return texts


def _non_empty_list(
    table: Mapping[str, object], name: str, errors: list[str], at_least: int = 1
) -> tuple[str, ...]:
    values = _string_list(table, name, errors)
    if name in table and len(values) < at_least:
        errors.append(
            f"{name!r} must not be empty"
            if at_least == 1
            else f"{name!r} needs at least {at_least} entries (has {len(values)})"
        )
    return values


def _cited_sources(
    table: Mapping[str, object], context: _Context, errors: list[str]
) -> tuple[Source, ...]:
    keys = _string_list(table, "source", errors)
    if "source" in table and not keys:
        errors.append("'source' must name at least one source")
    for key in keys:
        if key not in context.sources:
            errors.append(f"unknown source {key!r} (known: {', '.join(sorted(context.sources))})")
    sources = tuple(context.sources[k] for k in keys if k in context.sources)
    complete = len(sources) == len(keys) > 0
    if complete and context.clinic is None and not any(s.primary for s in sources):
        errors.append(
            "cites no primary source (FDA label, Medication Guide, SAMHSA, MedlinePlus, "
            "CDC, NIAAA, Poison Control or 988); the article may only be cited beside one"
        )
    return sources


def _companions(
    table: Mapping[str, object], snippet_id: str | None, errors: list[str]
) -> tuple[str, ...]:
    if "also" in table and "always_with" in table:
        errors.append("give 'always_with' only ('also' is its older, single-snippet name)")
    name = "always_with" if "always_with" in table else "also"
    companions = _string_list(table, name, errors)
    if snippet_id is not None and snippet_id in companions:
        errors.append(f"{name!r} must name other snippets, not this one")
    if len(set(companions)) != len(companions):
        errors.append(f"{name!r} names a snippet twice")
    return companions


def _clinic(table: Mapping[str, object], context: _Context, errors: list[str]) -> str | None:
    if "clinic" not in table:
        return context.clinic
    value = table.get("clinic")
    if context.clinic is None:
        errors.append("'clinic' snippets belong in content/clinics/<CODE>.toml")
        return None
    if not isinstance(value, str) or normalise_clinic_code(value) != context.clinic:
        errors.append(f"'clinic' must be {context.clinic!r}, the code the file is named after")
    return context.clinic


def _review_problems(reviewed_by: str, reviewed_on: str, reviewed_hash: str) -> list[str]:
    if not reviewed_by and not reviewed_on:
        return [] if not reviewed_hash else ["'reviewed_hash' is set but nobody signed off"]
    if not reviewed_by or not reviewed_on:
        return ["'reviewed_by' and 'reviewed_on' go together: both empty or both set"]
    problems: list[str] = []
    try:
        date.fromisoformat(reviewed_on)
    except ValueError:
        problems.append(f"'reviewed_on' {reviewed_on!r} is not a date like 2026-01-31")
    if not _HASH_RE.fullmatch(reviewed_hash):
        problems.append(
            "'reviewed_hash' must be the 64-character content hash at sign-off "
            "(see `recovery-bot content review`)"
        )
    return problems
