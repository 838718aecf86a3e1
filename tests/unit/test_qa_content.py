"""The curated snippets: what the real file must say (and never say), and the loader's checks."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.qa.content import (
    MAX_SENTENCES,
    ContentError,
    default_path,
    load_content,
    sentence_count,
)
from bot.qa.lexicon import PRODUCT_NAMES
from bot.resources import resource_dir

CONTENT_DIR = resource_dir("content")
ARTICLE_SOURCE = "“What Is Naltrexone?”, reviewed by Kim Chin and Marian Newton"


@pytest.fixture(scope="module")
def content_text() -> str:
    return default_path().read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------
# The real content
# --------------------------------------------------------------------------------------------


def test_the_real_content_loads_with_unique_ids() -> None:
    content = load_content()
    ids = [s.id for s in content.snippets]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 20


def test_no_file_in_content_says_opioid_agonist() -> None:
    # The source article's factual error: naltrexone is an opioid ANTAGONIST.
    files = [p for p in CONTENT_DIR.rglob("*") if p.is_file()]
    assert default_path() in files
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"opioid\W+agonist", text, re.IGNORECASE), path


def test_every_snippet_is_one_to_four_sentences_of_plain_text() -> None:
    for snippet in load_content().snippets:
        assert 1 <= sentence_count(snippet.text) <= MAX_SENTENCES, snippet.id
        assert not re.search(r"[<>*_`#\[\]]", snippet.text + snippet.title), snippet.id
        assert snippet.text.endswith((".", "!", "?")), snippet.id
        assert snippet.keywords, snippet.id


def test_the_antagonist_correction_is_marked_and_made() -> None:
    snippet = load_content().get("how-naltrexone-works")
    assert "opioid antagonist" in snippet.text
    assert snippet.correction is not None and "antagonist" in snippet.correction
    assert snippet.source == ARTICLE_SOURCE


def test_the_typo_correction_is_marked_and_made() -> None:
    snippets = load_content().snippets
    assert not any("fepel" in s.text for s in snippets)
    corrected = [s for s in snippets if s.correction and "fepel" in s.correction]
    assert [s.id for s in corrected] == ["stopping-with-team"]
    assert "feel more confident" in corrected[0].text


def test_nothing_from_the_call_to_action_the_bio_or_the_product_list(content_text: str) -> None:
    lowered = content_text.lower()
    for phrase in (
        "please call",
        "put you in touch",
        "just call",
        "we have resources",
        "david w. newton",
        "board certified pharmacist",
        "boards of examiners",
        "further reading",
        "read our general",
    ):
        assert phrase not in lowered, phrase
    for product in PRODUCT_NAMES:
        assert not re.search(rf"\b{re.escape(product)}\b", lowered), product


def test_article_snippets_name_the_article_and_where_they_come_from() -> None:
    for snippet in load_content().snippets:
        if any(source.key == "article" for source in snippet.sources):
            assert snippet.source == ARTICLE_SOURCE
            assert snippet.origin, f"{snippet.id}: article snippets say which paragraph"


def test_team_written_snippets_name_public_sources() -> None:
    for snippet in load_content().snippets:
        if snippet.origin is None:
            assert re.search(r"\b(FDA|SAMHSA)\b", snippet.source), snippet.id


@pytest.mark.parametrize(
    ("snippet_id", "must_say"),
    [
        # The facts the bot must never get wrong (design.md, Safety).
        ("overdose-risk", ["stop", "miss a dose", "tolerance", "fatal overdose", "naloxone"]),
        ("never-override", ["large amounts of opioids", "fatal overdose"]),
        ("naloxone", ["reverse an opioid overdose", "call 911"]),
        ("opioid-free-before-starting", ["7 to 10 days", "withdrawal"]),
        ("missed-dose", ["care team or pharmacist", "as soon as possible"]),
        ("stopping-with-team", ["treatment team"]),
        ("alcohol-on-naltrexone", ["does not make you sick", "disulfiram"]),
        ("side-effects", ["nausea", "headache", "dizziness", "tiredness"]),
        ("injection-site", ["injection", "care team"]),
        ("pain-medicine", ["opioid pain relievers", "may not work"]),
        ("medical-id", ["medical ID", "emergency"]),
        ("liver-warning-signs", ["dark urine", "yellowing"]),
    ],
)
def test_safety_snippets_say_what_they_must(snippet_id: str, must_say: list[str]) -> None:
    text = load_content().get(snippet_id).text
    for phrase in must_say:
        assert phrase in text, f"{snippet_id} must say {phrase!r}"


def test_missed_dose_gives_no_dosing_advice() -> None:
    text = load_content().get("missed-dose").text.lower()
    assert not re.search(r"\b(take|double|two|extra) (it|a|another|the|doses?|pills?)\b", text)


def test_facts_that_must_travel_together_do() -> None:
    content = load_content()
    assert content.get("stopping-with-team").also == "overdose-risk"
    assert content.get("wears-off").also == "overdose-risk"


# --------------------------------------------------------------------------------------------
# The loader on malformed files
# --------------------------------------------------------------------------------------------

SOURCES = '[sources.article]\nname = "“What Is Naltrexone?”"\n\n'


def snippet(**fields: object) -> str:
    base: dict[str, object] = {
        "id": "a-snippet",
        "title": "A title",
        "source": "article",
        "text": "Naltrexone is an opioid antagonist.",
        "keywords": ["naltrexone"],
    }
    base.update(fields)
    lines = ["[[snippet]]"]
    for key, value in base.items():
        if value is None:
            continue
        if isinstance(value, list):
            items = ", ".join(f'"{v}"' for v in value)
            lines.append(f"{key} = [{items}]")
        else:
            lines.append(f'{key} = "{value}"')
    return "\n".join(lines) + "\n\n"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "snippets.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_a_minimal_valid_file_loads(tmp_path: Path) -> None:
    content = load_content(write(tmp_path, SOURCES + snippet()))
    assert [s.id for s in content.snippets] == ["a-snippet"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (SOURCES + snippet() + snippet(), "snippet 'a-snippet': duplicate id"),
        (SOURCES + snippet(title=None), "snippet 'a-snippet': missing required field 'title'"),
        (SOURCES + snippet(text="   "), "snippet 'a-snippet': 'text' must be a non-empty"),
        (SOURCES + snippet(keywords=[]), "snippet 'a-snippet': 'keywords' must not be empty"),
        (
            SOURCES + snippet(text="One. Two. Three. Four. Five."),
            "snippet 'a-snippet': text has 5 sentences (1 to 4 allowed)",
        ),
        (SOURCES + snippet(source="blog"), "snippet 'a-snippet': unknown source 'blog'"),
        (
            SOURCES + snippet(text="SAMHSA says naltrexone is an opioid agonist."),
            "opioid agonist",
        ),
        (SOURCES + snippet(text="Naltrexone is **great**."), "Markdown/HTML"),
        (SOURCES + snippet(keyword=["x"]), "snippet 'a-snippet': unknown field 'keyword'"),
        (SOURCES + snippet(also="missing"), "'also' names unknown snippet 'missing'"),
        (SOURCES + snippet(mentions=["aspirinz"]), "unknown medicine class 'aspirinz'"),
        (SOURCES + snippet(id="Bad Id"), "snippet 'Bad Id': id must be lower-case"),
        (SOURCES + snippet(text="No full stop"), "text must end with"),
        (snippet(), "[sources] is missing or empty"),
        (SOURCES, "no [[snippet]] entries"),
        (SOURCES + "[[snippet]\nid = 1", "not valid TOML"),
    ],
)
def test_a_malformed_file_fails_naming_the_file_and_the_snippet(
    tmp_path: Path, body: str, expected: str
) -> None:
    path = write(tmp_path, body)
    with pytest.raises(ContentError) as caught:
        load_content(path)
    message = str(caught.value)
    assert str(path) in message
    assert expected in message


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    body = SOURCES + snippet(id="first", source="nowhere") + snippet(id="second", title="")
    with pytest.raises(ContentError) as caught:
        load_content(write(tmp_path, body))
    assert "snippet 'first': unknown source" in str(caught.value)
    assert "snippet 'second': 'title' must be" in str(caught.value)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ContentError, match="cannot read"):
        load_content(tmp_path / "nope.toml")
