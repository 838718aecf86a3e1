"""Answers in Spanish: every snippet has a Spanish text; replies follow the patient's language.

A question may be asked in either language; the reply quotes the snippets in the patient's
language (``lang``), with the Spanish "unknown", other-medicine, source and disclaimer lines.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.i18n import t
from bot.qa import answer
from bot.qa import answers as answers_module
from bot.qa.content import (
    ContentError,
    clinics_dir,
    load_clinic_content,
    load_content,
    sentence_count,
    spanish_path,
)
from bot.qa.review import awaiting_review, translation_hash

EXAMPLE_CLINIC = clinics_dir() / "EXAMPLE.toml.sample"
SPANISH_DISCLAIMER = "Esta es información general, no consejo médico."
SPANISH_URGENT = "Si es urgente, llame al 911 o al 988."
MARKUP = re.compile(r"[*_`<>\[\]#]")


# --------------------------------------------------------------------------------------------
# The Spanish content
# --------------------------------------------------------------------------------------------


def test_every_snippet_has_a_spanish_title_and_text_with_the_same_id() -> None:
    content = load_content()
    assert content.spanish_path == spanish_path()
    for snippet in content.snippets:
        assert snippet.es is not None, snippet.id
        assert snippet.es.lang == "es"
        assert snippet.es.title and snippet.es.title != snippet.title, snippet.id
        assert snippet.es.text != snippet.text, snippet.id
        assert 1 <= sentence_count(snippet.es.text) <= 4, snippet.id
        assert snippet.es.text.endswith((".", "!", "?")), snippet.id
        assert not MARKUP.search(snippet.es.text + snippet.es.title), snippet.id


def test_the_spanish_file_has_only_the_english_ids() -> None:
    import tomllib

    data = tomllib.loads(spanish_path().read_text(encoding="utf-8"))
    spanish_ids = [s["id"] for s in data["snippet"]]
    assert sorted(spanish_ids) == sorted(s.id for s in load_content().snippets)
    assert len(spanish_ids) == len(set(spanish_ids))


def test_spanish_says_antagonist_never_agonist() -> None:
    raw = spanish_path().read_text(encoding="utf-8")
    assert not re.search(r"(?<!ant)agonist", raw, re.IGNORECASE)
    works = load_content().get("how-naltrexone-works")
    assert works.es is not None and "antagonista de los opioides" in works.es.text


def test_the_overdose_warnings_are_kept_in_spanish() -> None:
    content = load_content()
    for snippet_id in ("overdose-risk", "never-override", "fentanyl", "end-of-month-risk"):
        es = content.get(snippet_id).es
        assert es is not None
        assert "sobredosis" in es.text, snippet_id
        assert re.search(r"mortal|muertes", es.text), snippet_id
    for snippet_id in (
        "wears-off",
        "missed-dose",
        "missed-injection",
        "using-opioids-on-naltrexone",
    ):
        es = content.get(snippet_id).es
        assert es is not None
        assert re.search(r"sobredosis|más peligrosos", es.text), snippet_id
    never = content.get("never-override").es
    assert never is not None and "Nunca intente" in never.text
    assert "No hay ninguna cantidad segura" in never.text


def test_spanish_sources_have_spanish_names_and_the_english_addresses() -> None:
    content = load_content()
    label = content.get("never-override")
    assert label.es is not None
    assert "Etiqueta de la FDA" in label.es.source
    assert all(source.url.startswith("https://") for source in label.sources if source.primary)


def test_ask_care_team_snippets_say_so_in_spanish() -> None:
    for snippet in load_content().snippets:
        if snippet.kind == "ask-care-team":
            assert snippet.es is not None and "equipo de atención" in snippet.es.text, snippet.id


def test_the_spanish_texts_await_their_own_review() -> None:
    content = load_content()
    items = awaiting_review(content, lang="es")
    assert len(items) == len(content.snippets)
    first = content.snippets[0]
    assert items[0].lang == "es" and items[0].hash == translation_hash(first)
    assert items[0].title == first.es.title if first.es else False


# --------------------------------------------------------------------------------------------
# The loader keeps the two files in step
# --------------------------------------------------------------------------------------------

ENGLISH = """
[sources.fda]
name = "FDA label"
kind = "fda-label"
url = "https://dailymed.nlm.nih.gov/x"

[[snippet]]
id = "how-it-works"
title = "How it works"
source = "fda"
facts = ["F001"]
text = "Naltrexone is an opioid antagonist. It blocks opioids."
keywords = ["naltrexone"]
examples = ["a1 q", "a2 q", "a3 q", "a4 q", "a5 q", "a6 q"]
examples_es = ["e1 q", "e2 q", "e3 q", "e4 q"]
reviewed_by = ""
reviewed_on = ""
reviewed_hash = ""
"""

SPANISH = """
[sources.fda]
name = "Etiqueta de la FDA"

[[snippet]]
id = "how-it-works"
title = "Cómo funciona"
text = "{text}"
reviewed_by = ""
reviewed_on = ""
reviewed_hash = ""
"""


def write(tmp_path: Path, spanish: str | None) -> Path:
    path = tmp_path / "snippets.toml"
    path.write_text(ENGLISH, encoding="utf-8")
    if spanish is not None:
        (tmp_path / "snippets.es.toml").write_text(spanish, encoding="utf-8")
    return path


def test_the_spanish_file_is_read_next_to_the_english_one(tmp_path: Path) -> None:
    text = "La naltrexona es un antagonista de los opioides. Bloquea los opioides."
    content = load_content(write(tmp_path, SPANISH.format(text=text)))
    [only] = content.snippets
    assert only.es is not None and only.es.text == text
    assert only.es.source == "Etiqueta de la FDA"
    assert only.shown("es") == ("Cómo funciona", text, "Etiqueta de la FDA")
    assert only.shown("en") == (only.title, only.text, only.source)


@pytest.mark.parametrize(
    ("spanish", "problem"),
    [
        (SPANISH.format(text="La naltrexona es un agonista de los opioides."), "agonista"),
        (SPANISH.format(text="La naltrexona es un agonista."), "agonista"),
        (SPANISH.format(text="Bloquea los opioides"), "must end"),
        (SPANISH.format(text="Uno. Dos. Tres. Cuatro. Cinco."), "sentences"),
        (SPANISH.format(text="Bloquea *los* opioides."), "Markdown"),
        (
            SPANISH.replace('id = "how-it-works"', 'id = "other"').format(text="Bloquea."),
            "no Spanish text",
        ),
        (
            SPANISH.replace('id = "how-it-works"', 'id = "other"').format(text="Bloquea."),
            "no English snippet",
        ),
        (SPANISH.format(text="Bloquea.") + 'source = "fda"\n', "unknown field"),
        (
            SPANISH.replace('reviewed_by = ""', 'reviewed_by = "Dra. R"').format(text="Bloquea."),
            "go together",
        ),
        (
            SPANISH.replace("[sources.fda]", "[sources.nope]").format(text="Bloquea."),
            "not a source",
        ),
    ],
)
def test_the_loader_refuses_a_spanish_file_out_of_step(
    tmp_path: Path, spanish: str, problem: str
) -> None:
    with pytest.raises(ContentError, match=problem):
        load_content(write(tmp_path, spanish))


def test_the_shipped_content_needs_its_spanish_file(tmp_path: Path) -> None:
    path = write(tmp_path, None)
    with pytest.raises(ContentError, match="cannot read the Spanish content file"):
        load_content(path, spanish=tmp_path / "snippets.es.toml")


# --------------------------------------------------------------------------------------------
# Replies in the patient's language
# --------------------------------------------------------------------------------------------


def test_a_spanish_patient_asking_in_spanish_gets_the_spanish_snippet() -> None:
    snippet = load_content().get("alcohol-on-naltrexone")
    assert snippet.es is not None
    result = answer("¿Puedo tomar alcohol con naltrexona?", lang="es")
    assert result.kind == "answer"
    assert result.snippets[0].id == "alcohol-on-naltrexone"
    assert result.text.startswith(snippet.es.text)
    assert f"Fuente: {snippet.es.source}" in result.text
    assert SPANISH_DISCLAIMER in result.text.splitlines()[-1]
    assert snippet.text not in result.text
    assert result.snippets[0].title == snippet.es.title


def test_a_spanish_patient_asking_in_english_gets_the_spanish_snippet() -> None:
    snippet = load_content().get("alcohol-on-naltrexone")
    assert snippet.es is not None
    result = answer("can i drink beer on naltrexone", lang="es")
    assert result.snippets[0].id == "alcohol-on-naltrexone"
    assert result.text.startswith(snippet.es.text)
    assert "Source:" not in result.text


def test_an_english_patient_asking_in_spanish_gets_english() -> None:
    snippet = load_content().get("alcohol-on-naltrexone")
    result = answer("¿puedo tomar cerveza con la naltrexona?", lang="en")
    assert result.snippets[0].id == "alcohol-on-naltrexone"
    assert result.text.startswith(snippet.text)
    assert "Source:" in result.text and "Fuente:" not in result.text


def test_companions_are_quoted_in_spanish_too() -> None:
    # Stopping travels with the overdose warning, in the patient's language.
    result = answer("quiero dejar la naltrexona", lang="es")
    ids = [hit.id for hit in result.snippets]
    assert "overdose-risk" in ids
    overdose = load_content().get("overdose-risk").es
    assert overdose is not None and overdose.text in result.text


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("como funciona la naltrexona", {"how-naltrexone-works"}),
        # As "missed dose" in English: the overdose warning first, missed-dose with it.
        ("dosis olvidada", {"missed-dose", "missed-tablet", "overdose-risk"}),
        ("se me olvido la pastilla", {"missed-dose", "missed-tablet"}),
        ("puedo chupar con el shot", {"alcohol-on-naltrexone"}),
        ("me puedo echar unas chelas con la naltrexona", {"alcohol-on-naltrexone"}),
        ("que hago si recai", {"using-opioids-on-naltrexone", "used-before-next-dose"}),
        ("donde consigo naloxona", {"naloxone-where-to-get"}),
        ("efectos secundarios de la inyeccion", {"injection-side-effects"}),
        ("me duele la nalga del shot", {"injection-site"}),
    ],
)
def test_accentless_and_slang_spanish_questions_are_answered(
    question: str, expected: set[str]
) -> None:
    result = answer(question, lang="es")
    assert result.kind == "answer", question
    assert result.snippets[0].id in expected, question


def test_a_missed_dose_fragment_quotes_the_missed_dose_snippet_in_spanish() -> None:
    result = answer("dosis olvidada", lang="es")
    missed = load_content().get("missed-dose").es
    assert missed is not None and missed.text in result.text
    assert {"missed-dose", "overdose-risk"} <= {hit.id for hit in result.snippets}


def test_i_dont_know_in_spanish() -> None:
    result = answer("¿quién ganó el partido de ayer?", lang="es")
    assert result.kind == "unknown" and result.snippets == []
    assert result.text == t("es", answers_module.NO_INFO)
    assert SPANISH_URGENT in result.text
    assert "equipo de atención" in result.text
    assert "care team" not in result.text


def test_other_medicine_in_spanish() -> None:
    for question in ("cuanto suboxone debo tomar", "how much xanax can i take"):
        result = answer(question, lang="es")
        assert result.kind == "unknown"
        assert result.text == t("es", answers_module.OTHER_MEDICINE)
        assert "farmacéutico" in result.text


def test_screen_replies_in_spanish() -> None:
    assert answer("🙂", lang="es").text.startswith("No encontré una pregunta")
    assert answer("Posso beber álcool com naltrexona?", lang="es").text.startswith(
        "Lo siento, solo puedo responder preguntas en inglés o en español"
    )
    assert "Gracias por contarme" in answer("a" * 800, lang="es").text
    assert answer("thanks!!", lang="es").text.startswith("De nada.")


def test_every_reply_text_is_translated() -> None:
    for text in (
        answers_module.DISCLAIMER,
        answers_module.NO_INFO,
        answers_module.OTHER_MEDICINE,
        answers_module.URGENT,
        answers_module.CLINIC_PREFIX,
        answers_module.ENGLISH_ONLY_NOTE,
        *answers_module.SCREEN_REPLIES.values(),
    ):
        assert t("es", text) != text, text


def test_no_preface_says_the_answer_is_only_in_english() -> None:
    assert not hasattr(answers_module, "SPANISH_PREFACE")
    result = answer("¿cuáles son los efectos secundarios?", lang="es")
    assert "solo está en inglés" not in result.text


# --------------------------------------------------------------------------------------------
# A clinic's own snippets
# --------------------------------------------------------------------------------------------


def test_a_clinic_snippet_in_spanish_or_in_english_with_a_note() -> None:
    shared = load_content()
    clinic = load_clinic_content("EXAMPLE", EXAMPLE_CLINIC, shared)
    with_es = [s for s in clinic.snippets if s.es is not None]
    without = [s for s in clinic.snippets if s.es is None]
    assert with_es and without
    index = answers_module.Index(shared, clinic=clinic)
    note = t("es", answers_module.ENGLISH_ONLY_NOTE)
    quoted = answers_module._quote(with_es[0], "es")
    assert with_es[0].es is not None and with_es[0].es.text in quoted
    assert quoted.startswith("De su clínica: ") and note not in quoted
    english_only = answers_module._quote(without[0], "es")
    assert english_only.startswith(note + "\n")
    assert without[0].text in english_only
    assert without[0].id in index
