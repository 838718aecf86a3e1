"""Every word a person reads, through one gettext message catalog (Babel), per language.

English is the source: a text is written once, in English, at the place that says it, wrapped in
:func:`t` (or :func:`nt` when it depends on a number, or marked with :func:`N_` where it is only
named and translated later). ``python -m bot.i18n.extract`` collects them into
``content/locales/messages.pot`` and merges them into each language's ``messages.po``, where a
translator (or a reviewer) writes the translation; the bot reads the ``.po`` files at start-up.
Why gettext and not Fluent: docs/i18n.md.

Placeholders are ``str.format`` names (``{clinic}``), the same in every language (a test checks).
"""

from __future__ import annotations

from bot.i18n.catalog import (
    DEFAULT,
    LANGUAGES,
    N_,
    SN_,
    Lang,
    catalog,
    language_name,
    nst,
    nt,
    st,
    supported,
    t,
)

__all__ = [
    "DEFAULT",
    "LANGUAGES",
    "N_",
    "SN_",
    "Lang",
    "catalog",
    "language_name",
    "nst",
    "nt",
    "st",
    "supported",
    "t",
]
