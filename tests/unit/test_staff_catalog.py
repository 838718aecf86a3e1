"""The staff side's words go through the staff catalog (English only for now): the dashboard's
templates through ``jinja2.ext.i18n`` with the catalog's callables, their texts collected into
content/locales/staff.pot with the code's; and the English they render is what it was before."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from bot.dashboard import core
from bot.i18n.catalog import locales_dir
from bot.i18n.extract import extracted

TEMPLATES = Path(core.TEMPLATES)


def _marked(message: str, /, **values: Any) -> str:
    text = message.format(**values) if values else message
    return f"«{text}»"


def _marked_plural(singular: str, plural: str, n: int, /, **values: Any) -> str:
    return _marked(singular if n == 1 else plural, n=n, **values)


def test_a_page_says_every_word_through_the_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a catalog that marks what it returns, no word of the sign-in page is left
    unmarked: every text the page shows came through it."""
    monkeypatch.setattr(core, "st", _marked)
    monkeypatch.setattr(core, "nst", _marked_plural)
    env = core.template_environment()
    html = env.get_template("sign_in.html").render(
        title="Sign in", visitor=None, staff=None, nav="", notice=None, t=None, signed_out=True
    )
    assert "«Sign in · Care team dashboard»" in html  # a {% trans %} block with a variable
    assert "«Sign in from Telegram»" in html  # _()
    assert "«You're signed out.»" in html
    body = html.split("<body>", 1)[1]
    unmarked = re.sub(r"«.*?»", "", body, flags=re.S)
    words = re.sub(r"<[^>]*>", " ", unmarked)
    assert re.findall(r"[A-Za-z]{2,}", words) == []


def test_plural_texts_go_through_the_catalogs_plural(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, str, int]] = []

    def plural(singular: str, plural: str, n: int, /, **values: Any) -> str:
        seen.append((singular, plural, n))
        return singular if n == 1 else plural

    monkeypatch.setattr(core, "nst", plural)
    template = core.template_environment().from_string(
        "{% trans count=n %}{{ count }} snippet awaiting review"
        "{% pluralize %}{{ count }} snippets awaiting review{% endtrans %}"
    )
    assert template.render(n=1) == "1 snippet awaiting review"
    assert template.render(n=3) == "3 snippets awaiting review"
    assert seen[-1] == (
        "%(count)s snippet awaiting review",
        "%(count)s snippets awaiting review",
        3,
    )


def test_translations_are_filled_and_escaped_as_before() -> None:
    env = core.template_environment()
    template = env.from_string("{% trans name=name %}Remove {{ name }}?{% endtrans %}")
    assert template.render(name="<b>Al</b>") == "Remove &lt;b&gt;Al&lt;/b&gt;?"
    assert env.from_string('{{ _("80%%+ of days") }}').render() == "80%+ of days"


# Words a template may show without the catalog: symbols, and none of the above.
_ATTRIBUTES = re.compile(r'\b(?:title|aria-label|placeholder|data-label|alt)="([^"]*)"')


@pytest.mark.parametrize("path", sorted(TEMPLATES.glob("*.html")), ids=lambda p: p.name)
def test_no_template_has_a_word_outside_the_catalog(path: Path) -> None:
    """What is left of a template without its trans blocks, expressions, statements, comments
    and tags has no words; no attribute a person reads holds a literal word either."""
    source = path.read_text()
    rest = re.sub(r"{%-?\s*trans\b.*?endtrans\s*-?%}", " ", source, flags=re.S)
    rest = re.sub(r"{#.*?#}", " ", rest, flags=re.S)
    for attribute in _ATTRIBUTES.findall(rest):
        without = re.sub(r"{{.*?}}|{%.*?%}", " ", attribute)
        assert re.findall(r"[A-Za-z]{2,}", without) == [], (path.name, attribute)
    rest = re.sub(r"{{.*?}}|{%.*?%}", " ", rest, flags=re.S)
    rest = re.sub(r"<[^>]*>", " ", rest, flags=re.S)
    assert re.findall(r"[A-Za-z]{2,}", rest) == [], path.name


def _ids(catalog: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for message in catalog:
        if message.id:
            key = message.id[0] if isinstance(message.id, tuple) else message.id
            found[key] = [location for location, _line in message.locations]
    return found


def test_extraction_collects_template_texts_into_the_staff_catalog() -> None:
    staff = _ids(extracted("staff"))
    assert staff["Sign in from Telegram"] == ["bot/dashboard/templates/sign_in.html"]
    assert "bot/dashboard/templates/base.html" in staff["%(title)s · Care team dashboard"]
    assert "%(count)s snippet awaiting review" in staff  # {% trans %} with {% pluralize %}
    assert "The patient writes in {language}." in staff  # and the code's staff texts
    assert "code" in staff and "last_dose ({zone})" in staff  # the CSV's headers
    # None of it is a patient text: the patients' catalog never sees staff words.
    patients = _ids(extracted("messages"))
    assert "Sign in from Telegram" not in patients
    assert not any("templates" in where for places in patients.values() for where in places)


def test_staff_pot_on_disk_has_the_template_texts() -> None:
    """``python -m bot.i18n.extract`` wrote them (run it after changing a template)."""
    with (locales_dir() / "staff.pot").open("rb") as handle:
        pot = _ids(read_po(handle))
    assert set(_ids(extracted("staff"))) <= set(pot)
