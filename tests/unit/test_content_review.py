"""The clinician review trail: content hashes and the list of snippets awaiting sign-off."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from bot.qa.content import Content, Snippet, Source, load_content
from bot.qa.review import NEVER_REVIEWED, awaiting_review, content_hash

LABEL = Source(key="fda", name="FDA label", url="https://dailymed.nlm.nih.gov/x", kind="fda-label")


def make(**fields: object) -> Snippet:
    base = Snippet(
        id="a-snippet",
        title="A title",
        text="Naltrexone is an opioid antagonist.",
        sources=(LABEL,),
        keywords=("naltrexone",),
        examples=("what is it",),
        examples_es=("qué es",),
        facts=("F001",),
    )
    return dataclasses.replace(base, **fields)  # type: ignore[arg-type]


def signed_off(snippet: Snippet, by: str = "Dr A. Reviewer", on: str = "2026-02-01") -> Snippet:
    return dataclasses.replace(
        snippet, reviewed_by=by, reviewed_on=on, reviewed_hash=content_hash(snippet)
    )


def content(*snippets: Snippet) -> Content:
    return Content(path=Path("snippets.toml"), sources={"fda": LABEL}, snippets=snippets)


def test_the_hash_is_a_stable_sha256() -> None:
    snippet = make()
    assert re.fullmatch(r"[0-9a-f]{64}", content_hash(snippet))
    assert content_hash(snippet) == content_hash(make())
    # Pinned: a change to the hashing would silently void every recorded sign-off.
    assert content_hash(snippet) == (
        "4391a0ea30794f1b59e15b630fe915f8b1f74309eecad805b06d27129409fc6b"
    )


def test_the_hash_covers_what_patients_see() -> None:
    before = content_hash(make())
    other_source = Source(
        key="fda", name="FDA label", url="https://dailymed.nlm.nih.gov/y", kind="fda-label"
    )
    for changed in (
        make(text="Naltrexone is an opioid blocker."),
        make(title="Another title"),
        make(sources=(other_source,)),
        make(sources=(dataclasses.replace(LABEL, name="FDA labelling"),)),
        make(always_with=("overdose-risk",)),
        make(kind="ask-care-team"),
    ):
        assert content_hash(changed) != before, changed


def test_the_hash_ignores_what_patients_never_see() -> None:
    before = content_hash(make())
    for unchanged in (
        make(examples=("something else entirely",)),
        make(examples_es=("otra cosa",)),
        make(keywords=("blocker",)),
        make(facts=("F002",)),
        make(reviewed_by="X", reviewed_on="2026-01-01", reviewed_hash="a" * 64),
        make(correction="A note for reviewers.", origin="a phrase"),
    ):
        assert content_hash(unchanged) == before, unchanged


def test_never_reviewed_snippets_await_review_with_their_hash() -> None:
    snippet = make()
    [item] = awaiting_review(content(snippet))
    assert (item.snippet_id, item.title, item.clinic) == ("a-snippet", "A title", None)
    assert item.note == NEVER_REVIEWED == "never reviewed"
    assert item.hash == content_hash(snippet)


def test_a_snippet_signed_off_as_it_stands_is_not_listed() -> None:
    assert awaiting_review(content(signed_off(make()))) == []


def test_a_change_after_sign_off_lists_the_snippet_with_who_and_when() -> None:
    edited = dataclasses.replace(signed_off(make()), text="Naltrexone blocks opioids.")
    [item] = awaiting_review(content(edited))
    assert item.note == "text or sources changed since the 2026-02-01 sign-off by Dr A. Reviewer"
    assert item.hash == content_hash(edited)
    # Signing the new version off with the listed hash clears it.
    assert awaiting_review(content(signed_off(edited, on="2026-03-01"))) == []


def test_the_list_keeps_file_order_and_names_clinic_snippets() -> None:
    first, second = make(id="first"), make(id="second", clinic="NORTH1")
    third = signed_off(make(id="third"))
    items = awaiting_review(content(first, second, third))
    assert [(i.snippet_id, i.clinic) for i in items] == [("first", None), ("second", "NORTH1")]


def test_the_real_content_awaits_review_in_full() -> None:
    real = load_content()
    items = awaiting_review(real)
    assert [i.snippet_id for i in items] == [s.id for s in real.snippets]
    assert {i.note for i in items} == {NEVER_REVIEWED}
    assert len({i.hash for i in items}) == len(items)
