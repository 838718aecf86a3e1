"""Load and validate the curated snippets in ``content/snippets.toml``.

A malformed file must stop the bot at start-up with a message an editor can act on (the file and
the snippet id), never produce a wrong answer later, so every rule is checked here and all
problems are reported at once.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bot.qa.lexicon import MEDICINE_CLASSES
from bot.resources import resource_dir

__all__ = ["Content", "ContentError", "Snippet", "Source", "default_path", "load_content"]

MIN_SENTENCES: Final = 1
MAX_SENTENCES: Final = 4

_ID_RE: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# The article's factual error. Checked over the raw file, comments included.
_AGONIST_RE: Final = re.compile(r"opioid\W+agonist", re.IGNORECASE)
# In what patients see, no "agonist" at all ("antagonist" is fine).
_BARE_AGONIST_RE: Final = re.compile(r"(?<!ant)agonist", re.IGNORECASE)
# Replies are plain text: Telegram would show Markdown or HTML characters literally.
_MARKUP_RE: Final = re.compile(r"[<>*_`#\[\]]")
# A sentence ends at . ! or ? followed by a space and a capital letter (or an opening quote).
_SENTENCE_END_RE: Final = re.compile(r"[.!?][\"”’)]?\s+(?=[A-Z“\"(])")
_ENDS_SENTENCE_RE: Final = re.compile(r"[.!?][\"”’)]?$")

_TOP_KEYS: Final = frozenset({"sources", "snippet"})
_SOURCE_KEYS: Final = frozenset({"name"})
_REQUIRED: Final = ("id", "title", "text", "source", "keywords")
_OPTIONAL: Final = frozenset({"correction", "mentions", "also", "origin"})


class ContentError(ValueError):
    """The content file is missing or malformed; the message names the file and snippet."""


@dataclass(frozen=True, slots=True)
class Source:
    key: str
    name: str


@dataclass(frozen=True, slots=True)
class Snippet:
    id: str
    title: str
    text: str
    sources: tuple[Source, ...]
    keywords: tuple[str, ...]
    correction: str | None = None
    mentions: tuple[str, ...] = ()
    also: str | None = None
    origin: str | None = None

    @property
    def source(self) -> str:
        """How the reply names the source(s)."""
        return "; ".join(source.name for source in self.sources)


@dataclass(frozen=True, slots=True)
class Content:
    path: Path
    sources: Mapping[str, Source]
    snippets: tuple[Snippet, ...]

    def get(self, snippet_id: str) -> Snippet:
        for snippet in self.snippets:
            if snippet.id == snippet_id:
                return snippet
        raise KeyError(snippet_id)


def default_path() -> Path:
    return resource_dir("content") / "snippets.toml"


def sentence_count(text: str) -> int:
    return len(_SENTENCE_END_RE.split(text.strip()))


def load_content(path: Path | None = None) -> Content:
    """Read and validate the snippets; raise :class:`ContentError` listing every problem."""
    path = path or default_path()
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ContentError(f"{path}: cannot read the content file ({exc.strerror})") from exc
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(f"{path}: not valid TOML: {exc}") from exc
    problems: list[str] = []
    agonist = _AGONIST_RE.search(raw)
    if agonist is not None:
        line = raw[: agonist.start()].count("\n") + 1
        problems.append(
            f"line {line}: says 'opioid agonist'; naltrexone is an opioid antagonist "
            "(the source article is wrong there)"
        )
    for key in sorted(set(data) - _TOP_KEYS):
        problems.append(f"unknown top-level key {key!r} (expected [sources] and [[snippet]])")
    sources = _sources(data.get("sources"), problems)
    snippets = _snippets(data.get("snippet"), sources, problems)
    if problems:
        raise ContentError(f"{path}: invalid content:\n  " + "\n  ".join(problems))
    return Content(path=path, sources=sources, snippets=snippets)


def _sources(value: object, problems: list[str]) -> dict[str, Source]:
    if not isinstance(value, dict) or not value:
        problems.append("[sources] is missing or empty")
        return {}
    sources: dict[str, Source] = {}
    for key, table in value.items():
        if not isinstance(table, dict):
            problems.append(f"source {key!r}: must be a table with a name")
            continue
        for extra in sorted(set(table) - _SOURCE_KEYS):
            problems.append(f"source {key!r}: unknown field {extra!r}")
        name = table.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append(f"source {key!r}: 'name' must be a non-empty string")
            continue
        sources[key] = Source(key=key, name=name.strip())
    return sources


def _snippets(
    value: object, sources: Mapping[str, Source], problems: list[str]
) -> tuple[Snippet, ...]:
    if not isinstance(value, list) or not value:
        problems.append("no [[snippet]] entries")
        return ()
    snippets: list[Snippet] = []
    seen: set[str] = set()
    all_ids = {t.get("id") for t in value if isinstance(t, dict)}
    for position, table in enumerate(value, start=1):
        if not isinstance(table, dict):
            problems.append(f"snippet #{position}: must be a table")
            continue
        raw_id = table.get("id")
        label = f"snippet {raw_id!r}" if isinstance(raw_id, str) else f"snippet #{position}"
        errors: list[str] = []
        snippet = _snippet(table, sources, errors)
        if snippet is not None:
            if snippet.id in seen:
                errors.append("duplicate id")
            seen.add(snippet.id)
        problems.extend(f"{label}: {error}" for error in errors)
        if snippet is not None and not errors:
            snippets.append(snippet)
    for snippet in snippets:
        if snippet.also is not None and snippet.also not in all_ids:
            problems.append(
                f"snippet {snippet.id!r}: 'also' names unknown snippet {snippet.also!r}"
            )
    return tuple(snippets)


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
    return tuple(v.strip() for v in value)


def _snippet(
    table: Mapping[str, object], sources: Mapping[str, Source], errors: list[str]
) -> Snippet | None:
    for missing in (f for f in _REQUIRED if f not in table):
        errors.append(f"missing required field {missing!r}")
    for extra in sorted(set(table) - set(_REQUIRED) - _OPTIONAL):
        errors.append(f"unknown field {extra!r}")
    snippet_id = _text_field(table, "id", errors)
    if snippet_id is not None and not _ID_RE.fullmatch(snippet_id):
        errors.append("id must be lower-case words joined by '-' (like 'missed-dose')")
    title = _text_field(table, "title", errors)
    text = _text_field(table, "text", errors)
    keywords = _string_list(table, "keywords", errors)
    if "keywords" in table and not keywords:
        errors.append("'keywords' must not be empty")
    source_keys = _string_list(table, "source", errors)
    if "source" in table and not source_keys:
        errors.append("'source' must name at least one source")
    for key in source_keys:
        if key not in sources:
            errors.append(f"unknown source {key!r} (known: {', '.join(sorted(sources))})")
    mentions = _string_list(table, "mentions", errors)
    for mention in mentions:
        if mention not in MEDICINE_CLASSES:
            errors.append(f"'mentions' names unknown medicine class {mention!r}")
    optional = {
        name: _text_field(table, name, errors)
        for name in sorted(_OPTIONAL - {"mentions"})
        if name in table
    }
    if text is not None:
        count = sentence_count(text)
        if not MIN_SENTENCES <= count <= MAX_SENTENCES:
            errors.append(
                f"text has {count} sentences ({MIN_SENTENCES} to {MAX_SENTENCES} allowed)"
            )
        if not _ENDS_SENTENCE_RE.search(text):
            errors.append("text must end with '.', '!' or '?'")
    shown = [("title", title), ("text", text), *((f"keyword {k!r}", k) for k in keywords)]
    for name, value in shown:
        if value is None:
            continue
        if _BARE_AGONIST_RE.search(value):
            errors.append(f"{name} says 'agonist'; naltrexone is an opioid antagonist")
        if _MARKUP_RE.search(value):
            errors.append(f"{name} contains Markdown/HTML characters; replies are plain text")
    if snippet_id is not None and optional.get("also") == snippet_id:
        errors.append("'also' must name another snippet")
    if errors or snippet_id is None or title is None or text is None:
        return None
    return Snippet(
        id=snippet_id,
        title=title,
        text=text,
        sources=tuple(sources[k] for k in source_keys),
        keywords=keywords,
        correction=optional.get("correction"),
        mentions=mentions,
        also=optional.get("also"),
        origin=optional.get("origin"),
    )
