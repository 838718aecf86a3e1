"""The clinician review trail of the curated content: what awaits sign-off, and what changed.

A clinician signs a snippet off by filling in ``reviewed_by``, ``reviewed_on`` and
``reviewed_hash`` (the :func:`content_hash` shown by ``recovery-bot content review``). Any later
edit to what patients see changes the hash, so the snippet is listed again until it is re-reviewed.

A shared snippet's Spanish text (content/snippets.es.toml) has its own sign-off and its own hash,
:func:`translation_hash` (``awaiting_review(content, lang="es")``); a clinic's inline Spanish is
covered by the clinic snippet's one hash. :func:`catalog_awaiting_review` lists the message
catalog's entries still flagged ``needs-review`` (it reads the .po files; the rest is pure).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from bot.qa.content import Content, Snippet

__all__ = [
    "CatalogItem",
    "ReviewItem",
    "awaiting_review",
    "catalog_awaiting_review",
    "content_hash",
    "translation_hash",
]

NEVER_REVIEWED = "never reviewed"


@dataclass(frozen=True, slots=True)
class ReviewItem:
    snippet_id: str
    title: str
    clinic: str | None
    # The hash to record as reviewed_hash when signing this version off.
    hash: str
    note: str
    lang: str = "en"


@dataclass(frozen=True, slots=True)
class CatalogItem:
    """A message catalog entry whose translation awaits a native-speaking clinician's review."""

    file: str  # the catalog file, e.g. "qa.answers.po"
    msgid: str  # the English text
    translation: str


def content_hash(snippet: Snippet) -> str:
    """A stable sha256 over what a patient is shown: the text, title, sources and companions.

    Example questions, keywords, facts and the review fields themselves are left out: editing
    them changes no reply, so it needs no new sign-off. Whitespace is already normalised by the
    loader, so re-wrapping a line in the file does not change the hash either.
    """
    shown: dict[str, object] = {
        "id": snippet.id,
        "title": snippet.title,
        "text": snippet.text,
        "kind": snippet.kind,
        "always_with": list(snippet.always_with),
        "sources": [
            {"key": s.key, "name": s.name, "url": s.url, "kind": s.kind} for s in snippet.sources
        ],
    }
    if snippet.clinic is not None and snippet.es is not None:
        # A clinic's inline Spanish is signed off with its English (only when it has one, so
        # sign-offs recorded before Spanish existed stay valid).
        shown["es"] = {"title": snippet.es.title, "text": snippet.es.text}
    return _sha256(shown)


def translation_hash(snippet: Snippet, lang: str = "es") -> str:
    """The hash of what a patient reading ``lang`` is shown: its title, text and source names.

    The English snippet's id, kind, companions and source addresses are in it too, so a change
    to the English that changes the reply in every language asks for both sign-offs again.
    """
    translation = snippet.translation(lang)
    if translation is None:
        raise ValueError(f"snippet {snippet.id!r} has no {lang!r} text")
    shown: dict[str, object] = {
        "id": snippet.id,
        "lang": lang,
        "title": translation.title,
        "text": translation.text,
        "source": translation.source,
        "kind": snippet.kind,
        "always_with": list(snippet.always_with),
        "sources": [{"key": s.key, "url": s.url, "kind": s.kind} for s in snippet.sources],
    }
    return _sha256(shown)


def _sha256(shown: dict[str, object]) -> str:
    canonical = json.dumps(shown, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def awaiting_review(content: Content, lang: str = "en") -> list[ReviewItem]:
    """Snippets never reviewed, or changed since their sign-off, in file order.

    ``lang="es"``: the shared snippets' Spanish texts, each with its own sign-off.
    """
    if lang != "en":
        return _translations_awaiting_review(content, lang)
    items: list[ReviewItem] = []
    for snippet in content.snippets:
        current = content_hash(snippet)
        if not snippet.reviewed:
            note = NEVER_REVIEWED
        elif snippet.reviewed_hash != current:
            note = (
                f"text or sources changed since the {snippet.reviewed_on} sign-off by "
                f"{snippet.reviewed_by}"
            )
        else:
            continue
        items.append(
            ReviewItem(
                snippet_id=snippet.id,
                title=snippet.title,
                clinic=snippet.clinic,
                hash=current,
                note=note,
            )
        )
    return items


def _translations_awaiting_review(content: Content, lang: str) -> list[ReviewItem]:
    items: list[ReviewItem] = []
    for snippet in content.snippets:
        translation = snippet.translation(lang)
        if translation is None or snippet.clinic is not None:
            continue  # a clinic's inline Spanish is reviewed with its English
        current = translation_hash(snippet, lang)
        if not translation.reviewed:
            note = NEVER_REVIEWED
        elif translation.reviewed_hash != current:
            note = (
                f"text or sources changed since the {translation.reviewed_on} sign-off by "
                f"{translation.reviewed_by}"
            )
        else:
            continue
        items.append(
            ReviewItem(
                snippet_id=snippet.id,
                title=translation.title,
                clinic=None,
                hash=current,
                note=note,
                lang=lang,
            )
        )
    return items


def catalog_awaiting_review(lang: str = "es") -> list[CatalogItem]:
    """The catalog entries of ``lang`` flagged ``needs-review``, by catalog file, in file order.

    The flag is the one the bot's catalog loaded (bot.i18n.catalog); the .po files say where each
    entry lives, so a reviewer knows which file to open.
    """
    from babel.messages.pofile import read_po

    from bot.i18n.catalog import catalog
    from bot.i18n.extract import po_files

    entries = catalog(lang).entries
    items: list[CatalogItem] = []
    for path in po_files(lang):
        with path.open("rb") as handle:
            po = read_po(handle, locale=lang)
        for message in po:
            if not message.id:
                continue  # the header
            msgid = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
            entry = entries.get(msgid)
            if entry is None or not entry.needs_review:
                continue
            string = message.string
            translation = string[0] if isinstance(string, (list, tuple)) else string
            items.append(CatalogItem(file=path.name, msgid=msgid, translation=translation or ""))
    return items
