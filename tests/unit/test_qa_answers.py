"""answer(): reply composition, patients' words, companions, clinics, "I don't know", bad input."""

from __future__ import annotations

import re
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.qa import Answer, ContentError, Hit, answer, load, warm_up
from bot.qa import answers as answers_module
from bot.qa.content import load_content
from bot.qa.fuzzy import TypoCorrector
from bot.qa.screening import MAX_CHARS
from bot.qa.text import stem

URGENT = "If it's urgent, call 911 or 988."
# The first snippet, its companions, and at most one runner-up with its own.
MAX_QUOTED = 6
DISCLAIMER_LINE = "general information, not medical advice"
MARKUP = re.compile(r"[*_`<>\[\]#]")


def assert_unknown(result: Answer) -> None:
    assert result.kind == "unknown"
    assert result.snippets == []
    assert URGENT in result.text
    assert "care team" in result.text
    assert not MARKUP.search(result.text)


# --------------------------------------------------------------------------------------------
# Answers
# --------------------------------------------------------------------------------------------


def test_an_answer_quotes_the_snippet_names_its_source_and_ends_with_the_disclaimer() -> None:
    result = answer("booze ok?")
    snippet = load_content().get("alcohol-on-naltrexone")
    assert result.kind == "answer"
    assert result.snippets[0].id == "alcohol-on-naltrexone"
    assert snippet.text in result.text
    assert f"Source: {snippet.source}" in result.text
    assert DISCLAIMER_LINE in result.text.splitlines()[-1]
    assert not MARKUP.search(result.text)


def test_hits_carry_id_title_source_and_a_score_in_0_1() -> None:
    result = answer("can i drink on naltrexone")
    for hit in result.snippets:
        assert isinstance(hit, Hit)
        snippet = load_content().get(hit.id)
        assert (hit.title, hit.source) == (snippet.title, snippet.source)
        assert 0.0 <= hit.score <= 1.0
    assert 1 <= len(result.snippets) <= MAX_QUOTED


def test_article_snippets_name_the_article_and_its_reviewers() -> None:
    result = answer("what is naltrexone")
    assert [h.id for h in result.snippets] == ["how-naltrexone-works"]
    assert "“What Is Naltrexone?”, reviewed by Kim Chin and Marian Newton" in result.text
    assert "opioid antagonist" in result.text


def test_stopping_always_comes_with_the_overdose_risk() -> None:
    result = answer("can i just stop taking naltrexone")
    assert [h.id for h in result.snippets] == ["stopping-with-team", "overdose-risk"]
    assert "tolerance to opioids is lower" in result.text


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Can I drink alcohol while taking Vivitrol?", {"alcohol-on-naltrexone"}),
        ("drinkin on naltrexon??", {"alcohol-on-naltrexone"}),  # typos
        ("sied efects of vivitrol", {"side-effects", "injection-side-effects"}),
        ("my butt is sore where i got the shot", {"injection-site"}),  # slang
        ("nal and pain killers", {"pain-medicine"}),
        ("is my tolerance lower after stopping naltrexone", {"overdose-risk"}),
        ("narcan?", {"naloxone"}),
        ("forgot my pill yesterday what do i do", {"missed-tablet", "missed-dose"}),
    ],
)
def test_questions_written_the_way_patients_write(question: str, expected: set[str]) -> None:
    result = answer(question)
    assert result.kind == "answer"
    assert result.snippets[0].id in expected


# --------------------------------------------------------------------------------------------
# Patients' own words: filler, slang, context around the question
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plain", "said"),
    [
        ("is drinking ok on naltrexone", "is drinking ok on naltrexone af"),
        ("is drinking ok on naltrexone", "nah but is drinking ok on naltrexone"),
        ("is drinking ok on naltrexone", "is drinking actually ok on naltrexone"),
        ("is drinking ok on naltrexone", "quick question, is drinking ok on naltrexone"),
        ("is naltrexone addictive", "is naltrexone addictive lol"),
        ("missed my vivitrol appointment", "missed my vivitrol appt"),
    ],
)
def test_filler_and_chat_spellings_cost_nothing(plain: str, said: str) -> None:
    expected, got = answer(plain), answer(said)
    assert got.kind == "answer"
    assert [h.id for h in got.snippets] == [h.id for h in expected.snippets]
    assert got.snippets[0].score == pytest.approx(expected.snippets[0].score, abs=0.05)


def test_an_unfamiliar_word_does_not_sink_a_clear_question() -> None:
    plain = answer("can i drink on naltrexone")
    odd = answer("can i drink on naltrexone blorf")
    assert odd.kind == "answer"
    assert odd.snippets[0].id == plain.snippets[0].id


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("ugh my boss yelled at me all shift. is it ok to have a beer on vivitrol",
         {"alcohol-on-naltrexone"}),
        ("my kid asked me what my medicine does", {"how-naltrexone-works", "what-it-treats"}),
        ("long day at work. can i have a beer on vivitrol tonight?", {"alcohol-on-naltrexone"}),
        ("lump where i got my shot 2day, normal?", {"injection-site"}),
        ("my doc wants to give me a script for pain pills, will they work on the shot",
         {"pain-medicine"}),
        ("peeing really dark since starting naltrexone", {"liver-warning-signs"}),
    ],
)  # fmt: skip
def test_context_and_patient_vocabulary(question: str, expected: set[str]) -> None:
    result = answer(question)
    assert result.kind == "answer", question
    assert result.snippets[0].id in expected


@pytest.mark.parametrize(
    "question",
    [
        "can I take it with suboxone",
        "can i take naltrexone while on methadone",
        "i'm on subs, when can i start the shot",
        "can i take my bupe and naltrexone together",
    ],
)
def test_suboxone_and_methadone_reach_the_switching_snippet(question: str) -> None:
    result = answer(question)
    assert result.kind == "answer", question
    assert result.snippets[0].id == "after-buprenorphine-methadone"


def test_no_reply_ever_calls_naltrexone_an_agonist() -> None:
    for question in ("what is naltrexone", "is naltrexone an opioid", "how does revia work"):
        assert not re.search(r"\bagonist", answer(question).text, re.IGNORECASE)


def test_answer_is_frozen() -> None:
    result = answer("booze ok?")
    with pytest.raises(FrozenInstanceError):
        result.kind = "unknown"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        result.snippets[0].score = 0.0  # type: ignore[misc]


def test_accents_and_combining_marks_are_read_through() -> None:
    assert answer("n̸a̷l̶t̵r̸e̷x̵o̷n̶e̸?").snippets[0].id == "how-naltrexone-works"
    assert answer("ALCOHOL with Naltrexone, is it OK?").snippets[0].id == "alcohol-on-naltrexone"


def test_answers_are_deterministic() -> None:
    assert answer("side effects?") == answer("side effects?")


# --------------------------------------------------------------------------------------------
# "I don't know"
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "how do i lower my cholesterol",
        "can naltrexone cause hair loss",
        "what's the weather like",
        "Buy Diaetoxil now at 50% off, limited offer!",
        "Liver Ignite detox for your liver, order today",
        "check out https://example.com for cheap meds",
    ],
)
def test_out_of_scope_questions_get_a_plain_i_dont_know(question: str) -> None:
    result = answer(question)
    assert_unknown(result)


def test_the_no_information_reply_says_so_plainly() -> None:
    result = answer("how do i lower my cholesterol")
    assert "I don't have information about that" in result.text
    assert "care team" in result.text
    assert result.text.endswith(URGENT)


@pytest.mark.parametrize(
    "question",
    [
        "how much suboxone should i take",
        "whats the right methadone dose",
        "how many strips of subs a day",
        "can i take my zoloft with naltrexone",
        "how much ibuprofen can i take on vivitrol",  # named in a snippet, but not its dose
        "what is the dose of antabuse",
        "is contrave the same as naltrexone",
        "does low dose naltrexone help fibromyalgia",
    ],
)
def test_other_medicines_are_not_answered_with_naltrexone_facts(question: str) -> None:
    result = answer(question)
    assert_unknown(result)
    assert "medicine" in result.text


def test_a_snippet_explicitly_about_another_medicine_may_answer() -> None:
    assert answer("is it like antabuse").snippets[0].id in {
        "alcohol-on-naltrexone",
        "alcohol-medicines",
    }
    assert answer("can i take tylenol on vivitrol").snippets[0].id == "non-opioid-pain-relievers"
    # Opioid pain medicine not working is exactly what the pain snippet is about.
    assert answer("will oxycodone work for my pain on vivitrol").snippets[0].id == "pain-medicine"


# --------------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------------

LONG = ("I have been thinking about my treatment and my family a lot lately. " * 70)[:4096]


@pytest.mark.parametrize(
    "message",
    [
        "",
        "   \n\t ",
        "🙂🙂🙂",
        "🙏",
        "?!?!",
        "x" * 4096,
        LONG,
        "¿qué tiempo hace hoy?",
        "Est-ce que je peux boire de l'alcool avec la naltrexone ?",
        "我可以在服用纳曲酮时喝酒吗？",
        "Могу ли я пить алкоголь?",
        "\x00\x01\x02",
        "h̸̡e̷l̶l̵o̸",
        "\u200b\u200b\u200b",
        "hi",
        "thanks!!",
        "who are you",
    ],
)
def test_bad_input_gets_a_short_kind_unknown_reply(message: str) -> None:
    result = answer(message)
    assert_unknown(result)
    assert len(result.text) < 600


def test_a_message_just_over_the_limit_is_not_answered() -> None:
    result = answer("can i drink on naltrexone? " * (MAX_CHARS // 20))
    assert_unknown(result)
    assert "short questions" in result.text


def test_a_spanish_unknown_gets_the_patients_language() -> None:
    # The reply is in the patient's language, not the question's (tests/unit/test_qa_spanish.py).
    assert_unknown(answer("¿qué tiempo hace hoy?"))
    assert (
        "Si es urgente, llame al 911 o al 988." in answer("¿qué tiempo hace hoy?", lang="es").text
    )


def test_a_spanish_question_from_an_english_patient_is_answered_in_english() -> None:
    result = answer("¿Puedo tomar alcohol con naltrexona?")
    assert result.kind == "answer"
    assert result.snippets[0].id == "alcohol-on-naltrexone"
    assert result.text.startswith(load_content().get("alcohol-on-naltrexone").text)
    assert "inglés" not in result.text


def test_thanks_and_small_talk_are_kind() -> None:
    assert answer("thanks!!").text.startswith("You're welcome.")
    assert "questions about naltrexone" in answer("hi").text


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gets_a_reply_and_never_raises(message: str) -> None:
    result = answer(message)
    assert result.kind in ("answer", "unknown")
    assert result.text.strip()
    if result.kind == "answer":
        assert 1 <= len(result.snippets) <= MAX_QUOTED
        assert DISCLAIMER_LINE in result.text.splitlines()[-1]
    else:
        assert URGENT in result.text


def test_an_internal_error_still_gets_a_reply(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("bug")

    monkeypatch.setattr(answers_module, "decide", broken)
    assert_unknown(answer("booze ok?"))


def test_a_content_error_is_not_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> object:
        raise ContentError("content/snippets.toml: invalid content")

    monkeypatch.setattr(answers_module, "decide", broken)
    with pytest.raises(ContentError):
        answer("booze ok?")


# --------------------------------------------------------------------------------------------
# The shared index
# --------------------------------------------------------------------------------------------


def test_warm_up_builds_once_and_reuses_the_index() -> None:
    first = warm_up()
    assert warm_up() is first


def test_load_rebuilds_and_a_bad_file_keeps_the_working_index(tmp_path: Path) -> None:
    working = warm_up()
    bad = tmp_path / "snippets.toml"
    bad.write_text("[[snippet]]\nid = 'x'\n", encoding="utf-8")
    with pytest.raises(ContentError, match=str(bad)):
        load(bad)
    assert warm_up() is working
    rebuilt = load()
    assert rebuilt is not working and warm_up() is rebuilt


# --------------------------------------------------------------------------------------------
# Building blocks: stemming and typo tolerance
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "forms",
    [
        ("drink", "drinks", "drinking"),
        ("crave", "craving", "cravings"),
        ("stop", "stopped", "stopping", "stops"),
        ("dose", "doses", "dosing"),
        ("tired", "tiredness"),
        ("headache", "headaches"),
        ("miss", "missed", "missing"),
    ],
)
def test_inflections_meet_at_one_stem(forms: tuple[str, ...]) -> None:
    assert len({stem(f) for f in forms}) == 1


def test_stemming_keeps_different_words_apart() -> None:
    assert stem("liver") != stem("live")
    assert stem("addictive") != stem("addiction")


def test_typo_correction_is_narrow() -> None:
    corrector = TypoCorrector(["naltrexone", "vivitrol", "alcohol", "liver", "lover"])
    assert corrector.correct("naltrexon") == "naltrexone"
    assert corrector.correct("naltexone") == "naltrexone"
    assert corrector.correct("vivtrol") == "vivitrol"
    assert corrector.correct("alcohlo") == "alcohol"  # a swap counts as one edit
    assert corrector.correct("cat") is None  # too short to guess
    assert corrector.correct("xaltrexone") is None  # the first letter is kept
    assert corrector.correct("lever") is None  # "liver" or "lover": guessing would be worse
    assert corrector.correct("cholesterol") is None


# --------------------------------------------------------------------------------------------
# Companions (always_with) and runner-ups
# --------------------------------------------------------------------------------------------

COMPANION_QUESTIONS = [
    "can i just stop taking naltrexone",
    "missed my vivitrol shot last week",
    "forgot my pill yesterday",
    "what happens if i use heroin on vivitrol",
    "can i override the blocker with more",
    "does vivitrol block fentanyl",
    "feeling really down since starting the shot",
    "will pain pills work on naltrexone",
]


@pytest.mark.parametrize("question", COMPANION_QUESTIONS)
def test_every_quoted_snippet_brings_its_companions_right_after_it(question: str) -> None:
    content = load_content()
    result = answer(question)
    assert result.kind == "answer", question
    quoted = [h.id for h in result.snippets]
    assert len(quoted) == len(set(quoted))
    for position, snippet_id in enumerate(quoted):
        for companion in content.get(snippet_id).always_with:
            assert companion in quoted, (snippet_id, companion)
            assert quoted.index(companion) > position or companion in quoted[:position]
    for hit in result.snippets:
        assert content.get(hit.id).text in result.text


def test_the_overdose_warning_travels_with_stopping_and_missed_shots() -> None:
    for question in ("want to come off vivitrol", "i missed my shot this month"):
        assert "overdose-risk" in [h.id for h in answer(question).snippets], question


def test_a_runner_up_is_only_quoted_when_it_is_about_the_same_topic() -> None:
    content = load_content()
    engine = answers_module.engine()
    for question in [*COMPANION_QUESTIONS, "booze ok?", "side effects?", "liver", "narcan?"]:
        decision = answers_module.decide(question)
        if decision.retrieval is None or not decision.answer.snippets:
            continue
        quoted = [h.id for h in decision.answer.snippets]
        first = content.get(quoted[0])
        required = {first.id}
        pending = list(first.always_with)
        while pending:
            snippet_id = pending.pop()
            if snippet_id not in required:
                required.add(snippet_id)
                pending.extend(content.get(snippet_id).always_with)
        extra = [i for i in quoted if i not in required]
        if not extra:
            continue
        runner_up = content.get(extra[0])
        proba = decision.retrieval.proba
        floor = engine.calibration.both_proba
        assert set(first.facts) & set(runner_up.facts) or (
            proba.get(first.id, 0.0) >= floor and proba.get(runner_up.id, 0.0) >= floor
        ), (question, quoted)


# --------------------------------------------------------------------------------------------
# A clinic's own snippets
# --------------------------------------------------------------------------------------------

CLINIC = "TESTCLINIC"


@pytest.fixture
def clinic_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from bot.qa import content as content_module

    sample = content_module.clinics_dir() / "EXAMPLE.toml.sample"
    if not sample.is_file():
        pytest.skip("no sample clinic file to build from")
    (tmp_path / f"{CLINIC}.toml").write_text(sample.read_text("utf-8"), encoding="utf-8")
    monkeypatch.setattr(content_module, "clinics_dir", lambda: tmp_path)
    load()
    yield tmp_path
    monkeypatch.undo()
    load()


def test_clinic_snippets_answer_that_clinics_patients_in_the_clinics_words(
    clinic_content: Path,
) -> None:
    result = answer("what time does the clinic open", clinic=CLINIC)
    assert result.kind == "answer"
    assert result.snippets[0].id == "example-clinic-contact"
    assert "From your clinic: You can call Example Clinic" in result.text
    # The code is matched however it is written.
    assert answer("what time does the clinic open", clinic="testclinic ") == result


def test_clinic_snippets_are_never_shown_to_other_patients(clinic_content: Path) -> None:
    for clinic in (None, "OTHERCLINIC"):
        result = answer("what time does the clinic open", clinic=clinic)
        assert all(not h.id.startswith("example-clinic") for h in result.snippets)
        assert "Example Clinic" not in result.text


def test_a_clinic_snippet_brings_its_shared_companion(clinic_content: Path) -> None:
    result = answer("how do i rebook my missed vivitrol shot at the clinic", clinic=CLINIC)
    quoted = [h.id for h in result.snippets]
    assert "example-clinic-rebook-shot" in quoted
    assert "overdose-risk" in quoted


def test_warm_up_checks_every_clinic_file(clinic_content: Path) -> None:
    (clinic_content / "BROKEN.toml").write_text("[[snippet]]\nid = 'x'\n", encoding="utf-8")
    with pytest.raises(ContentError, match="BROKEN"):
        answers_module.engine().load_clinics()
    # At answer time a broken clinic file costs no reply: the shared content answers.
    assert answer("booze ok?", clinic="BROKEN").kind == "answer"


def test_answer_without_a_clinic_is_unchanged() -> None:
    assert answer("booze ok?") == answer("booze ok?", clinic=None)


@pytest.mark.parametrize("code", ["../../etc/passwd", "", "   ", "no such clinic!", "A" * 200])
def test_a_strange_clinic_code_gets_the_shared_answers(code: str) -> None:
    assert answer("booze ok?", clinic=code) == answer("booze ok?")
