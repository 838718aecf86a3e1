"""The curated snippets: what the real file must say (and never say), and the loader's checks."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from bot.qa.content import (
    MAX_SENTENCES,
    MIN_CLINIC_SPANISH_EXAMPLES,
    MIN_EXAMPLES,
    MIN_SPANISH_EXAMPLES,
    ContentError,
    Snippet,
    clinics_dir,
    default_path,
    load_clinic_content,
    load_content,
    sentence_count,
)
from bot.qa.lexicon import PRODUCT_NAMES
from bot.resources import resource_dir

CONTENT_DIR = resource_dir("content")
ARTICLE_SOURCE = "“What Is Naltrexone?”, reviewed by Kim Chin and Marian Newton"
EXAMPLE_CLINIC = clinics_dir() / "EXAMPLE.toml.sample"
EVAL_SET = Path(__file__).resolve().parents[1] / "data" / "qa_eval.toml"


@pytest.fixture(scope="module")
def content_text() -> str:
    return default_path().read_text(encoding="utf-8")


def fold(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def sentences(text: str) -> list[str]:
    return re.split(r"(?<=[.!?;:])\s+", text)


# --------------------------------------------------------------------------------------------
# The real content
# --------------------------------------------------------------------------------------------


def test_the_real_content_loads_with_unique_ids() -> None:
    content = load_content()
    ids = [s.id for s in content.snippets]
    assert len(ids) == len(set(ids))
    assert 55 <= len(ids) <= 75


def test_ids_the_rest_of_the_project_names_still_exist() -> None:
    content = load_content()
    for snippet_id in (
        "how-naltrexone-works",
        "overdose-risk",
        "never-override",
        "naloxone",
        "missed-dose",
        "alcohol-on-naltrexone",
        "side-effects",
        "injection-site",
        "pain-medicine",
        "medical-id",
        "liver-warning-signs",
        "not-addictive",
        "forms",
        "stopping-with-team",
        "opioid-free-before-starting",
        "wears-off",
        "early-recovery-alcohol",
    ):
        content.get(snippet_id)


def test_no_file_in_content_says_opioid_agonist() -> None:
    # The source article's factual error: naltrexone is an opioid ANTAGONIST.
    files = [p for p in CONTENT_DIR.rglob("*") if p.is_file()]
    assert default_path() in files and EXAMPLE_CLINIC in files
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"opioid\W+agonist", text, re.IGNORECASE), path


def every_snippet() -> list[Snippet]:
    shared = load_content()
    clinic = load_clinic_content("EXAMPLE", EXAMPLE_CLINIC, shared)
    return [*shared.snippets, *clinic.snippets]


def test_no_patient_facing_word_says_agonist() -> None:
    for snippet in every_snippet():
        spanish = (snippet.es.title, snippet.es.text) if snippet.es else ()
        for field in (snippet.title, snippet.text, *snippet.keywords, *snippet.examples, *spanish):
            assert not re.search(r"(?<!ant)agonist", field, re.IGNORECASE), snippet.id


def test_every_snippet_is_one_to_four_sentences_of_plain_text() -> None:
    for snippet in every_snippet():
        assert 1 <= sentence_count(snippet.text) <= MAX_SENTENCES, snippet.id
        assert not re.search(r"[<>*_`#\[\]]", snippet.text + snippet.title), snippet.id
        assert snippet.text.endswith((".", "!", "?")), snippet.id
        assert snippet.keywords, snippet.id


def test_every_shared_snippet_rests_on_a_primary_source_and_named_facts() -> None:
    for snippet in load_content().snippets:
        assert any(source.primary for source in snippet.sources), snippet.id
        assert all(
            source.url.startswith("https://") for source in snippet.sources if source.primary
        )
        assert snippet.facts, snippet.id
        assert all(re.fullmatch(r"F\d{3}", fact) for fact in snippet.facts), snippet.id
        assert snippet.clinic is None


def test_nothing_is_signed_off_until_a_clinician_reviews_it() -> None:
    # Only a clinician's sign-off fills these in (see `recovery-bot content review`).
    for snippet in every_snippet():
        assert (snippet.reviewed_by, snippet.reviewed_on, snippet.reviewed_hash) == ("", "", "")


def test_every_snippet_has_example_questions_in_english_and_spanish() -> None:
    for snippet in every_snippet():
        assert len(snippet.examples) >= MIN_EXAMPLES, snippet.id
        floor = MIN_SPANISH_EXAMPLES if snippet.clinic is None else MIN_CLINIC_SPANISH_EXAMPLES
        assert len(snippet.examples_es) >= floor, snippet.id
    assert MIN_SPANISH_EXAMPLES >= 4


def test_examples_sound_like_patients() -> None:
    examples = [fold(e) for s in load_content().snippets for e in s.examples]
    joined = " | ".join(examples)
    for voice in ("vivitrol", "revia", "the shot", "my pills", "quick q", "my kid"):
        assert voice in joined, voice
    # Short fragments, not only full questions.
    assert sum(len(e.split()) <= 4 for e in examples) >= 10


def test_examples_never_copy_the_evaluation_questions() -> None:
    # The evaluation set measures retrieval on questions it was not built from.
    evaluation = tomllib.loads(EVAL_SET.read_text(encoding="utf-8"))
    asked = {fold(item["q"]) for items in evaluation.values() for item in items}
    for snippet in every_snippet():
        for example in (*snippet.examples, *snippet.examples_es):
            assert fold(example) not in asked, (snippet.id, example)


def test_the_antagonist_correction_is_marked_and_made() -> None:
    snippet = load_content().get("how-naltrexone-works")
    assert "opioid antagonist" in snippet.text
    assert snippet.correction is not None and "antagonist" in snippet.correction
    assert snippet.source.startswith(ARTICLE_SOURCE)
    assert any(source.kind == "fda-label" for source in snippet.sources)


def test_the_typo_correction_is_marked_and_made() -> None:
    snippets = load_content().snippets
    assert not any("fepel" in s.text for s in snippets)
    corrected = [s for s in snippets if s.correction and "fepel" in s.correction]
    assert [s.id for s in corrected] == ["stopping-with-team"]
    assert "feel more confident" in corrected[0].text


def test_the_early_recovery_claim_is_corrected() -> None:
    # E3: an exploratory subgroup of a 12-week trial; the injection's alcohol use assumes
    # people able to stop drinking before starting.
    snippet = load_content().get("early-recovery-alcohol")
    assert snippet.correction is not None and "145" in snippet.correction
    assert "not a reason naltrexone would not help" in snippet.text
    assert "able to stop drinking before" in snippet.text
    for text in (s.text.lower() for s in load_content().snippets):
        assert "did not get a bigger boost" not in text
        assert "won't help" not in text and "will not help" not in text
        assert "heroin receptors" not in text


def test_nothing_from_the_call_to_action_the_bio_or_the_product_list() -> None:
    for path in (default_path(), EXAMPLE_CLINIC):
        lowered = path.read_text(encoding="utf-8").lower()
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
            assert snippet.source.startswith(ARTICLE_SOURCE) or ARTICLE_SOURCE in snippet.source
            assert snippet.origin, f"{snippet.id}: article snippets say which paragraph"


@pytest.mark.parametrize(
    ("snippet_id", "must_say"),
    [
        # The facts the bot must never get wrong (design.md, Safety; the facts file).
        ("overdose-risk", ["stop", "miss a dose", "tolerance", "fatal overdose", "naloxone"]),
        ("never-override", ["large amounts of opioids", "fatal overdose", "no safe amount"]),
        ("naloxone", ["reverse an opioid overdose", "call 911"]),
        ("opioid-free-before-starting", ["7 to 10 days", "withdrawal"]),
        ("after-buprenorphine-methadone", ["cannot be taken together", "about two weeks"]),
        ("missed-dose", ["care team or pharmacist", "as soon as possible", "never double up"]),
        ("missed-tablet", ["ask your care team or pharmacist", "Never double up"]),
        ("missed-injection", ["as soon as possible", "call your clinic", "tell the team before"]),
        ("stopping-with-team", ["treatment team"]),
        ("no-withdrawal-when-stopping", ["does not cause withdrawal", "overdose"]),
        ("alcohol-on-naltrexone", ["does not make you sick", "disulfiram", "does not sober"]),
        ("alcohol-injection-start", ["able to stop drinking before"]),
        ("shot-how-long-it-lasts", ["about 4 weeks", "about a month"]),
        ("side-effects", ["nausea", "headache", "dizziness", "tiredness"]),
        ("injection-site", ["injection", "care team"]),
        ("pain-medicine", ["opioid pain relievers", "may not work"]),
        ("medical-id", ["medical ID", "emergency"]),
        ("liver-warning-signs", ["dark urine", "pee", "yellowing", "pale stools", "tiredness"]),
        ("mood-changes", ["suicidal thoughts", "care team"]),
        ("crisis-988", ["988", "Spanish", "911"]),
        ("allergic-reaction", ["Call 911"]),
        ("samhsa-helpline", ["1-800-662-4357", "English and Spanish"]),
        ("poison-control", ["1-800-222-1222", "call 911"]),
        ("not-addictive", ["dependent"]),
    ],
)
def test_safety_snippets_say_what_they_must(snippet_id: str, must_say: list[str]) -> None:
    text = load_content().get(snippet_id).text
    for phrase in must_say:
        assert phrase in text, f"{snippet_id} must say {phrase!r}"


@pytest.mark.parametrize("snippet_id", ["missed-dose", "missed-tablet", "missed-injection"])
def test_missed_dose_snippets_give_no_dosing_advice(snippet_id: str) -> None:
    text = load_content().get(snippet_id).text.lower()
    assert not re.search(r"\b(take|double|two|extra) (it|a|another|the|doses?|pills?)\b", text)
    assert not re.search(r"\b(take|swallow) (two|2|both|them all)\b", text)


def test_decisions_for_the_care_team_say_so_and_never_read_as_permission() -> None:
    content = load_content()
    asks = {s.id for s in content.snippets if s.kind == "ask-care-team"}
    assert {
        "pregnancy",
        "breastfeeding",
        "liver-disease-ask-team",
        "kidney",
        "dose-changes",
    } <= asks
    for snippet_id in asks:
        text = content.get(snippet_id).text.lower()
        assert "care team" in text, snippet_id
        # "decide whether it is safe" is the point; "it is safe" on its own would be permission.
        claims = re.sub(r"\b(whether|if|which) [^.;]*", "", text)
        assert not re.search(r"\b(is|are) (safe|fine|ok|okay)\b", claims), snippet_id


# --------------------------------------------------------------------------------------------
# No snippet contradicts the facts file
# --------------------------------------------------------------------------------------------


def test_a_missed_shot_is_never_left_until_the_next_one() -> None:
    # F071/F073: a missed injection is given as soon as possible; waiting for the next planned
    # date leaves the patient unprotected, with a lower tolerance.
    shot = re.compile(r"\b(shot|injection|vivitrol)\b", re.IGNORECASE)
    missed = re.compile(r"\b(missed|late|forgot|overdue)\b", re.IGNORECASE)
    about_missed_shots = [
        s for s in every_snippet() if missed.search(s.title) and shot.search(s.title + s.text)
    ]
    assert {"missed-dose", "missed-injection", "example-clinic-rebook-shot"} <= {
        s.id for s in about_missed_shots
    }
    for snippet in about_missed_shots:
        text = snippet.text.lower()
        assert "as soon as possible" in text, snippet.id
        assert not re.search(r"\bwait\b[^.]*\bnext\b", text), snippet.id
        assert not re.search(r"\bskip\b", text), snippet.id
        assert not re.search(
            r"\b(until|at) (your|the) next (planned|scheduled|shot|injection)", text
        )


def test_nothing_suggests_more_opioids_to_get_past_the_block() -> None:
    # F043/F044: trying to overcome the blockade can kill. A sentence about more (or larger
    # amounts of) opioids and the block must be a warning.
    more = re.compile(
        r"\b(more|extra|larger|large|higher|bigger|double)\s+(?!sensitive|dangerous|likely)"
        r"(\w+\s+){0,2}?"
        r"(opioids?|heroin|fentanyl|pills?|amounts?|doses?|medicine)\b"
    )
    block = re.compile(r"\b(block|blockade|blocker|get past|overcome|override|push past)\b")
    warning = re.compile(r"\b(never|not|no safe|overdose|coma|death|kill)\b")
    for snippet in every_snippet():
        for sentence in sentences(snippet.text.lower()):
            if more.search(sentence) and block.search(sentence):
                assert warning.search(sentence), (snippet.id, sentence)
        lowered = snippet.text.lower()
        for phrase in ("enough to feel", "to feel it", "enough to get past", "how much to get"):
            assert phrase not in lowered, (snippet.id, phrase)


def test_the_overdose_risk_travels_with_stopping_and_missed_doses() -> None:
    # F049-F052, F146: stopping, a missed dose, a late shot and the block wearing off all lower
    # the protection while tolerance is low. Wherever they are discussed, the risk is said too.
    topic = re.compile(
        r"\bstop(ping)? (naltrexone|the shot|treatment|vivitrol|it)\b"
        r"|\bmiss(ed|ing)? (a |your |the )?(tablet|shot|dose|injection)\b"
        r"|\bwears? off\b|\blate\b",
        re.IGNORECASE,
    )
    discussed = [s for s in every_snippet() if topic.search(s.title) or topic.search(s.text)]
    assert len(discussed) >= 8
    for snippet in discussed:
        assert "overdose-risk" in snippet.always_with or "overdose" in snippet.text.lower(), (
            snippet.id
        )


def test_facts_that_must_travel_together_do() -> None:
    content = load_content()
    for snippet_id in (
        "stopping-with-team",
        "no-withdrawal-when-stopping",
        "wears-off",
        "missed-dose",
        "missed-tablet",
        "missed-injection",
    ):
        assert content.get(snippet_id).always_with[0] == "overdose-risk", snippet_id
        assert content.get(snippet_id).also == "overdose-risk"  # the older single field
    assert content.get("using-opioids-on-naltrexone").always_with == ("never-override", "naloxone")
    assert "naloxone" in content.get("never-override").always_with
    assert "crisis-988" in content.get("mood-changes").always_with
    assert content.get("pain-medicine").also == "medical-id"
    assert content.get("forms").also is None


# --------------------------------------------------------------------------------------------
# The loader on malformed files
# --------------------------------------------------------------------------------------------

SOURCES = (
    '[sources.article]\nname = "“What Is Naltrexone?”"\nkind = "article"\nurl = ""\n\n'
    '[sources.fda]\nname = "FDA label"\nkind = "fda-label"\n'
    'url = "https://dailymed.nlm.nih.gov/x"\n\n'
)

_counter = iter(range(1_000_000))


def snippet(**fields: object) -> str:
    n = next(_counter)
    base: dict[str, object] = {
        "id": "a-snippet",
        "title": "A title",
        "source": ["article", "fda"],
        "facts": ["F001"],
        "text": "Naltrexone is an opioid antagonist.",
        "keywords": ["naltrexone"],
        # Examples are unique across a file, so every generated snippet gets its own.
        "examples": [f"question {n} number {i}" for i in range(MIN_EXAMPLES)],
        "examples_es": [f"pregunta {n} numero {i}" for i in range(MIN_SPANISH_EXAMPLES)],
        "reviewed_by": "",
        "reviewed_on": "",
        "reviewed_hash": "",
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


def write(tmp_path: Path, body: str, name: str = "snippets.toml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_a_minimal_valid_file_loads(tmp_path: Path) -> None:
    content = load_content(write(tmp_path, SOURCES + snippet()))
    [only] = content.snippets
    assert only.id == "a-snippet"
    assert only.kind == "answer" and only.clinic is None and not only.reviewed
    assert only.facts == ("F001",)
    assert [s.kind for s in only.sources] == ["article", "fda-label"]
    assert len(only.examples) == MIN_EXAMPLES and len(only.examples_es) == MIN_SPANISH_EXAMPLES


def test_always_with_and_its_older_name_also(tmp_path: Path) -> None:
    body = (
        SOURCES
        + snippet(id="first", always_with=["second", "third"])
        + snippet(id="second", also="third")
        + snippet(id="third")
    )
    content = load_content(write(tmp_path, body))
    assert content.get("first").always_with == ("second", "third")
    assert content.get("first").also == "second"
    assert content.get("second").always_with == ("third",)
    assert content.get("third").also is None


def test_a_signed_off_snippet_loads(tmp_path: Path) -> None:
    body = SOURCES + snippet(
        reviewed_by="Dr A. Reviewer", reviewed_on="2026-02-01", reviewed_hash="a" * 64
    )
    [only] = load_content(write(tmp_path, body)).snippets
    assert only.reviewed and only.reviewed_on == "2026-02-01"


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
        (SOURCES + snippet(title="A partial agonist"), "title says 'agonist'"),
        (SOURCES + snippet(text="Naltrexone is **great**."), "Markdown/HTML"),
        (SOURCES + snippet(keyword=["x"]), "snippet 'a-snippet': unknown field 'keyword'"),
        (SOURCES + snippet(mentions=["aspirinz"]), "unknown medicine class 'aspirinz'"),
        (SOURCES + snippet(id="Bad Id"), "snippet 'Bad Id': id must be lower-case"),
        (SOURCES + snippet(text="No full stop"), "text must end with"),
        (snippet(), "[sources] is missing or empty"),
        (SOURCES, "no [[snippet]] entries"),
        (SOURCES + "[[snippet]\nid = 1", "not valid TOML"),
        # Example questions.
        (SOURCES + snippet(examples=None), "missing required field 'examples'"),
        (SOURCES + snippet(examples=["one", "two"]), "'examples' needs at least 6 entries"),
        (SOURCES + snippet(examples_es=["uno"]), "'examples_es' needs at least 4 entries"),
        (SOURCES + snippet(examples_es=None), "missing required field 'examples_es'"),
        (
            SOURCES
            + snippet(id="one", examples=["Can I drink?"] + [f"q{i}" for i in range(5)])
            + snippet(id="two", examples=[f"r{i}" for i in range(5)] + ["can i drink"]),
            "snippet 'two': example 'can i drink' is also an example of 'one'",
        ),
        (
            SOURCES
            + snippet(examples=["Can I drink?", "can i drink"] + [f"q{i}" for i in range(4)]),
            "snippet 'a-snippet': example 'can i drink' is listed twice",
        ),
        # Companions.
        (SOURCES + snippet(also="missing"), "'always_with' names unknown snippet 'missing'"),
        (
            SOURCES + snippet(always_with=["missing"]),
            "'always_with' names unknown snippet 'missing'",
        ),
        (SOURCES + snippet(always_with=["a-snippet"]), "must name other snippets, not this one"),
        (
            SOURCES + snippet(id="b", always_with=["a-snippet", "a-snippet"]) + snippet(),
            "'always_with' names a snippet twice",
        ),
        (
            SOURCES + snippet(id="b", also="a-snippet", always_with=["a-snippet"]) + snippet(),
            "give 'always_with' only",
        ),
        # Facts.
        (SOURCES + snippet(facts=None), "missing 'facts'"),
        (SOURCES + snippet(facts=["F12"]), "'facts' entry 'F12' is not an F-number"),
        (SOURCES + snippet(facts=["E3"]), "'facts' entry 'E3' is not an F-number"),
        # The review trail.
        (SOURCES + snippet(reviewed_by=None), "missing required field 'reviewed_by'"),
        (SOURCES + snippet(reviewed_by="Dr A"), "'reviewed_by' and 'reviewed_on' go together"),
        (
            SOURCES + snippet(reviewed_on="2026-02-01"),
            "'reviewed_by' and 'reviewed_on' go together",
        ),
        (
            SOURCES + snippet(reviewed_by="Dr A", reviewed_on="1 Feb", reviewed_hash="a" * 64),
            "'reviewed_on' '1 Feb' is not a date",
        ),
        (
            SOURCES + snippet(reviewed_by="Dr A", reviewed_on="2026-02-01"),
            "'reviewed_hash' must be the 64-character content hash",
        ),
        (SOURCES + snippet(reviewed_hash="a" * 64), "'reviewed_hash' is set but nobody signed"),
        # Kinds.
        (SOURCES + snippet(kind="maybe"), "'kind' must be one of answer, ask-care-team"),
        (
            SOURCES + snippet(kind="ask-care-team"),
            "an 'ask-care-team' snippet must tell the patient to ask their care team",
        ),
        # Clinic content stays in clinic files.
        (SOURCES + snippet(clinic="ABC"), "'clinic' snippets belong in content/clinics/"),
        (
            SOURCES + '[sources.desk]\nname = "Front desk"\nkind = "clinic"\n\n' + snippet(),
            "source 'desk': sources of kind 'clinic' belong in a clinic's own file",
        ),
        # Sources.
        (SOURCES + snippet(source="article"), "cites no primary source"),
        (
            SOURCES
            + '[sources.x]\nname = "X"\nkind = "blog"\nurl = "https://x.org/a"\n\n'
            + snippet(),
            "source 'x': 'kind' must be one of",
        ),
        (
            SOURCES + '[sources.x]\nname = "X"\nkind = "cdc"\n\n' + snippet(),
            "source 'x': 'url' must be an https:// address",
        ),
        (
            SOURCES
            + '[sources.x]\nname = "X"\nkind = "cdc"\nurl = "http://cdc.gov"\n\n'
            + snippet(),
            "source 'x': 'url' must be an https:// address",
        ),
        (
            SOURCES
            + '[sources.x]\nname = "X"\nkind = "cdc"\nurl = "https://x.org"\nyear = 1\n\n'
            + snippet(),
            "source 'x': unknown field 'year'",
        ),
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


# --------------------------------------------------------------------------------------------
# Clinic files
# --------------------------------------------------------------------------------------------

CLINIC_SOURCES = '[sources.desk]\nname = "Northside Clinic"\nkind = "clinic"\n\n'


def test_the_example_clinic_file_loads_and_is_not_installed() -> None:
    shared = load_content()
    content = load_clinic_content("example", EXAMPLE_CLINIC, shared)
    assert content.clinic == "EXAMPLE"
    assert len(content.snippets) >= 4
    assert all(s.clinic == "EXAMPLE" for s in content.snippets)
    assert not set(s.id for s in content.snippets) & set(s.id for s in shared.snippets)
    rebook = content.get("example-clinic-rebook-shot")
    assert rebook.always_with == ("overdose-risk",)
    # A .sample is never loaded by default: only <CODE>.toml files are.
    with pytest.raises(ContentError, match="cannot read"):
        load_clinic_content("EXAMPLE", shared=shared)


def test_a_clinic_file_may_cite_its_own_and_the_shared_sources(tmp_path: Path) -> None:
    shared = load_content()
    body = CLINIC_SOURCES + snippet(
        id="northside-phone", source=["desk"], facts=None, always_with=["overdose-risk"]
    )
    body += snippet(id="northside-rebook", source=["desk", "fda-vivitrol"], clinic="north1")
    content = load_clinic_content("north1", write(tmp_path, body, "NORTH1.toml"), shared)
    assert content.clinic == "NORTH1"
    assert set(content.sources) == {"desk"}
    phone = content.get("northside-phone")
    assert phone.clinic == "NORTH1" and phone.facts == () and phone.source == "Northside Clinic"
    assert [s.kind for s in content.get("northside-rebook").sources] == ["clinic", "fda-label"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (CLINIC_SOURCES + snippet(id="forms", source="desk"), "snippet 'forms': the shared"),
        (
            CLINIC_SOURCES + snippet(source="desk", clinic="OTHER"),
            "'clinic' must be 'NORTH1', the code the file is named after",
        ),
        (
            '[sources.fda-vivitrol]\nname = "X"\nkind = "clinic"\n\n' + snippet(),
            "source 'fda-vivitrol': the shared content already has a source by that key",
        ),
        (CLINIC_SOURCES + snippet(source="desk", always_with=["nope"]), "unknown snippet 'nope'"),
        (
            CLINIC_SOURCES
            + snippet(source="desk", examples=["what is narcan"] + [f"x{i}" for i in range(5)]),
            "example 'what is narcan' is also an example of 'naloxone'",
        ),
        (CLINIC_SOURCES + snippet(source="desk", text="Call us."), "no [[snippet]]"),
    ],
)
def test_a_malformed_clinic_file_is_refused(tmp_path: Path, body: str, expected: str) -> None:
    if expected == "no [[snippet]]":
        body = CLINIC_SOURCES
    path = write(tmp_path, body, "NORTH1.toml")
    with pytest.raises(ContentError) as caught:
        load_clinic_content("north1", path, load_content())
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)


def test_a_clinic_code_must_look_like_one() -> None:
    with pytest.raises(ContentError, match="not a clinic code"):
        load_clinic_content("../../etc/passwd")
