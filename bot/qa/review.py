"""The clinician review trail of the curated content: what awaits sign-off, and what changed.

A clinician signs a snippet off by filling in ``reviewed_by``, ``reviewed_on`` and
``reviewed_hash`` (the :func:`content_hash` shown by ``recovery-bot content review``). Any later
edit to what patients see changes the hash, so the snippet is listed again until it is re-reviewed.
Pure functions: no I/O.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from bot.qa.content import Content, Snippet

__all__ = ["ReviewItem", "awaiting_review", "content_hash"]

NEVER_REVIEWED = "never reviewed"


@dataclass(frozen=True, slots=True)
class ReviewItem:
    snippet_id: str
    title: str
    clinic: str | None
    # The hash to record as reviewed_hash when signing this version off.
    hash: str
    note: str


def content_hash(snippet: Snippet) -> str:
    """A stable sha256 over what a patient is shown: the text, title, sources and companions.

    Example questions, keywords, facts and the review fields themselves are left out: editing
    them changes no reply, so it needs no new sign-off. Whitespace is already normalised by the
    loader, so re-wrapping a line in the file does not change the hash either.
    """
    shown = {
        "id": snippet.id,
        "title": snippet.title,
        "text": snippet.text,
        "kind": snippet.kind,
        "always_with": list(snippet.always_with),
        "sources": [
            {"key": s.key, "name": s.name, "url": s.url, "kind": s.kind} for s in snippet.sources
        ],
    }
    canonical = json.dumps(shown, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def awaiting_review(content: Content) -> list[ReviewItem]:
    """Snippets never reviewed, or changed since their sign-off, in file order."""
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
