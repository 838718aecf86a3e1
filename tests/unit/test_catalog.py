"""The message catalog: every text the code says exists in every language, with its placeholders."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain import texts
from bot.i18n import LANGUAGES, catalog, nt, supported, t
from bot.i18n.catalog import placeholders
from bot.i18n.extract import extracted, missing, translations


@pytest.fixture(scope="module")
def pot():  # type: ignore[no-untyped-def]
    return extracted()


def test_every_text_of_the_code_is_translated(pot) -> None:  # type: ignore[no-untyped-def]
    assert len([m for m in pot if m.id]) > 50
    for lang in LANGUAGES:
        if lang != "en":
            assert missing(lang, pot) == [], f"run python -m bot.i18n.extract, translate {lang}"


def test_every_translation_keeps_the_placeholders(pot) -> None:  # type: ignore[no-untyped-def]
    known = translations("es")
    for message in pot:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = known[message.id].string
        forms = strings if isinstance(strings, (list, tuple)) else (strings,)
        wanted = set().union(*(placeholders(i) for i in ids)) - {"n"}
        for form in forms:
            assert placeholders(form) - {"n"} == wanted, (message.id, form)


def test_a_missing_translation_is_reported(monkeypatch, pot) -> None:  # type: ignore[no-untyped-def]
    from bot.i18n import extract

    known = dict(translations("es"))
    known.pop(texts.CONSENT_THANKS)
    monkeypatch.setattr(extract, "translations", lambda lang: known)
    assert extract.missing("es", pot) == [texts.CONSENT_THANKS]


def test_spanish_is_spanish_and_english_is_the_source() -> None:
    assert t("en", texts.CONSENT_THANKS) == texts.CONSENT_THANKS
    assert t("es", texts.CONSENT_THANKS) == "Gracias. Tres preguntas rápidas y terminamos."
    assert "Clínica Sol" in texts.welcome("Clínica Sol", lang="es")
    assert "AYUDA" in texts.welcome("Clínica Sol", lang="es")
    assert texts.injection_date_past(date(2026, 12, 3), lang="es").startswith("El jue 03 dic")
    assert texts.injection_date_past(date(2026, 12, 3)).startswith("Thu 03 Dec")


def test_a_language_we_do_not_speak_falls_back_to_english() -> None:
    assert t("fr", texts.CONSENT_THANKS) == texts.CONSENT_THANKS
    assert t(None, texts.CONSENT_THANKS) == texts.CONSENT_THANKS
    assert [supported(c) for c in ("es", "es-MX", "ES_us", "en-GB", "spa", "fr", "", None)] == [
        "es", "es", "es", "en", "es", None, None, None,
    ]  # fmt: skip


def test_plurals_follow_the_language() -> None:
    es = catalog("es")
    assert [es.plural(n) for n in (0, 1, 2, 1_000_000)] == [1, 0, 1, 1]
    assert nt("en", "{n} dose", "{n} doses", 1) == "1 dose"
    assert nt("en", "{n} dose", "{n} doses", 3) == "3 doses"


def test_every_spanish_text_awaits_a_clinicians_review_until_signed_off() -> None:
    entries = catalog("es").entries
    assert entries[texts.CONSENT_THANKS].needs_review
