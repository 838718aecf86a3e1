"""The loaded catalogs, and rendering a text in a language (pure after the first load)."""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast

from babel.messages.pofile import read_po

from bot.resources import resource_dir

Lang = Literal["en", "es"]
LANGUAGES: tuple[Lang, ...] = ("en", "es")
DEFAULT: Lang = "en"
# How each language names itself, for the language choice and for staff ("writes in Spanish").
_NAMES: dict[str, dict[str, str]] = {
    "en": {"en": "English", "es": "Spanish"},
    "es": {"en": "inglés", "es": "español"},
}
# Entries a native speaker who is a clinician must read before a clinic relies on them.
REVIEW_FLAG = "needs-review"


def supported(code: str | None) -> Lang | None:
    """The language we speak for a language tag ("es", "es-MX", "ES_us", "spa"), else None."""
    if not code:
        return None
    base = code.strip().replace("_", "-").split("-")[0].lower()
    base = {"spa": "es", "eng": "en"}.get(base, base)
    for lang in LANGUAGES:
        if base == lang:
            return lang
    return None


def language_name(lang: str, in_lang: str = DEFAULT) -> str:
    return _NAMES.get(in_lang, _NAMES[DEFAULT]).get(lang, lang)


def locales_dir() -> Path:
    return resource_dir("content") / "locales"


@dataclass(frozen=True)
class Entry:
    """One translated text: its forms (one, or one per plural category) and review state."""

    forms: tuple[str, ...]
    needs_review: bool


@dataclass(frozen=True)
class Catalog:
    lang: str
    entries: dict[str, Entry]  # by English msgid (the singular for plural texts)
    plural: Callable[[int], int]

    def text(self, msgid: str) -> str:
        entry = self.entries.get(msgid)
        return entry.forms[0] if entry and entry.forms[0] else msgid

    def plural_text(self, singular: str, plural: str, n: int) -> str:
        entry = self.entries.get(singular)
        if entry is None or not all(entry.forms):
            return singular if n == 1 else plural
        index = self.plural(n)
        return entry.forms[index if index < len(entry.forms) else -1]


def _english_plural(n: int) -> int:
    return 0 if n == 1 else 1


_ENGLISH = Catalog("en", {}, _english_plural)


def _load(lang: str) -> Catalog:
    """All of a language's catalog files (one per module that speaks: see bot.i18n.extract)."""
    entries: dict[str, Entry] = {}
    expression = "(n != 1)"
    for path in sorted((locales_dir() / lang / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            po = read_po(handle, locale=lang)
        expression = po.plural_expr  # a C expression of n, the same in every file
        for message in po:
            if not message.id:
                continue  # the header
            key = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
            strings = message.string
            forms = tuple(strings) if isinstance(strings, (list, tuple)) else (strings or "",)
            entries[key] = Entry(forms, REVIEW_FLAG in message.flags)
    return Catalog(lang, entries, _plural_function(expression))


def _plural_function(expression: str) -> Callable[[int], int]:
    # gettext's Plural-Forms are C expressions; Python's gettext module compiles them safely.
    import gettext

    compiled = gettext.c2py(expression)
    return lambda n: int(compiled(n))


@cache
def catalog(lang: str) -> Catalog:
    """The catalog of a language we speak; English (the source) for anything else."""
    if supported(lang) in (None, DEFAULT):
        return _ENGLISH
    return _load(cast(str, supported(lang)))


def N_(msgid: str) -> str:
    """Marks a text for the catalog where it is named, to be translated where it is said."""
    return msgid


def t(lang: str | None, msgid: str, /, **values: Any) -> str:
    """``msgid`` (English) in ``lang``, its ``{placeholders}`` filled from ``values``."""
    text = catalog(lang or DEFAULT).text(msgid)
    return text.format(**values) if values else text


def nt(lang: str | None, singular: str, plural: str, n: int, /, **values: Any) -> str:
    """A text that depends on a number ``n`` (also available as ``{n}``)."""
    text = catalog(lang or DEFAULT).plural_text(singular, plural, n)
    return text.format(n=n, **values)


def st(msgid: str, /, **values: Any) -> str:
    """A text for care-team staff: through the "staff" catalog, English only for now."""
    return msgid.format(**values) if values else msgid


def nst(singular: str, plural: str, n: int, /, **values: Any) -> str:
    return (singular if n == 1 else plural).format(n=n, **values)


def SN_(msgid: str) -> str:
    """Marks a staff text for the "staff" catalog where it is named."""
    return msgid


def placeholders(text: str) -> set[str]:
    """The ``{names}`` a text fills (for the test that every translation keeps them)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
