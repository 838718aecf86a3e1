"""Collect every catalog text from the code and merge it into each language's catalog.

    python -m bot.i18n.extract          # write content/locales/messages.pot, update each .po
    python -m bot.i18n.extract --check  # exit 1 if a text has no translation (the tests run it)

A new or changed English text arrives in each ``.po`` untranslated and flagged ``needs-review``;
its translation is written there by hand (never by this tool), and the flag is taken off once a
native speaker who is a clinician has read it (``recovery-bot content review`` lists them).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog as PoCatalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.i18n.catalog import DEFAULT, LANGUAGES, REVIEW_FLAG, language_name, locales_dir

# Two catalogs (gettext domains). "messages": what patients read, in every language:
# t(lang, msgid, ...), nt(lang, singular, plural, n, ...), N_(msgid). "staff": what care-team
# staff read, English only for now: st(msgid, ...), nst(singular, plural, n, ...), SN_(msgid).
DOMAINS: dict[str, dict[str, Any]] = {
    "messages": {"t": (2,), "nt": (2, 3), "N_": None},
    "staff": {"st": None, "nst": (1, 2), "SN_": None},
}
# Spanish as gettext has always counted it (one, other); CLDR's third form ("many", for exact
# millions) asks a translator for a form no text here needs.
_PLURAL_FORMS = {"es": (2, "(n != 1)")}
_ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("bot", "jobs")
# The dashboard's Jinja2 templates speak to staff through jinja2.ext.i18n: ``_()``,
# ``gettext()``, ``ngettext()`` and ``{% trans %}`` blocks (bot/dashboard/core.py installs them).
TEMPLATES = "bot/dashboard/templates"
_TEMPLATE_KEYWORDS: dict[str, Any] = {"_": None, "gettext": None, "ngettext": (1, 2)}
_TEMPLATE_OPTIONS = {"trim_blocks": "true", "lstrip_blocks": "true", "newstyle_gettext": "true"}


def extracted(domain: str = "messages") -> PoCatalog:
    """Every text of a domain the code says, with where it is said."""
    pot = PoCatalog(project="recovery-bot", locale=DEFAULT, fuzzy=False)
    sources: list[tuple[str, Iterator[tuple[str, int, Any, list[str], Any]]]] = [
        (
            folder,
            extract_from_dir(
                _ROOT / folder,
                method_map=[("**.py", "python")],
                keywords=DOMAINS[domain],
                comment_tags=("i18n:",),
                strip_comment_tags=True,
            ),
        )
        for folder in SOURCES
    ]
    if domain == "staff":
        sources.append(
            (
                TEMPLATES,
                extract_from_dir(
                    _ROOT / TEMPLATES,
                    method_map=[("**.html", "jinja2.ext:babel_extract")],
                    options_map={"**.html": _TEMPLATE_OPTIONS},
                    keywords=_TEMPLATE_KEYWORDS,
                    comment_tags=("i18n:",),
                    strip_comment_tags=True,
                ),
            )
        )
    for folder, found in sources:
        for filename, line, message, comments, _context in found:
            flags = ["python-brace-format"] if "{" in str(message) else []
            pot.add(
                message,
                locations=[(f"{folder}/{filename}", line)],
                auto_comments=comments,
                flags=flags,
            )
    return pot


def po_files(lang: str) -> list[Path]:
    return sorted((locales_dir() / lang / "LC_MESSAGES").glob("*.po"))


def _group(message: Any) -> str:
    """The catalog file a text lives in: the module that says it first ("domain.texts"), so
    translators (and engineers) working on different parts of the bot edit different files."""
    path = Path(message.locations[0][0]) if message.locations else Path("bot/other.py")
    parts = path.with_suffix("").parts
    return ".".join(parts[1:] if parts[0] == "bot" else parts)


def _read(path: Path, lang: str) -> PoCatalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def translations(lang: str) -> dict[Any, Any]:
    """Every translated message of ``lang``, from all its catalog files, by msgid."""
    found: dict[Any, Any] = {}
    for path in po_files(lang):
        for message in _read(path, lang):
            if message.id:
                found[message.id] = message
    return found


def missing(lang: str, pot: PoCatalog | None = None) -> list[str]:
    """The texts of the code that ``lang``'s catalog does not translate."""
    pot = pot or extracted()
    known = translations(lang)
    gaps = []
    for message in pot:
        if not message.id:
            continue
        found = known.get(message.id)
        strings = found.string if found else None
        forms = strings if isinstance(strings, (list, tuple)) else (strings,)
        if found is None or not all(forms):
            gaps.append(str(message.id[0] if isinstance(message.id, (tuple, list)) else message.id))
    return gaps


# Fixed, so that regenerating the catalogs changes nothing but what changed in the texts.
_STAMP = datetime(2026, 12, 7, tzinfo=UTC)
_HEADER = "# {language} texts of recovery-bot: see docs/i18n.md before editing.\n#"


def _new_catalog(lang: str) -> PoCatalog:
    po = PoCatalog(
        locale=lang,
        project="recovery-bot",
        version="1",
        fuzzy=False,
        creation_date=_STAMP,
        revision_date=_STAMP,
        header_comment=_HEADER.format(language=language_name(lang)),
        msgid_bugs_address="",
        last_translator="",
        language_team="",
    )
    if lang in _PLURAL_FORMS:
        # Babel keeps the header's Plural-Forms once read; a new catalog takes CLDR's.
        setattr(po, "_num_plurals", _PLURAL_FORMS[lang][0])  # noqa: B010
        setattr(po, "_plural_expr", _PLURAL_FORMS[lang][1])  # noqa: B010
    return po


def update() -> None:
    locales_dir().mkdir(parents=True, exist_ok=True)
    for domain in DOMAINS:
        with (locales_dir() / f"{domain}.pot").open("wb") as handle:
            write_po(handle, extracted(domain), width=100, omit_header=True, include_lineno=False)
    pot = extracted()
    for lang in LANGUAGES:
        if lang == DEFAULT:
            continue
        known = translations(lang)
        groups: dict[str, PoCatalog] = {}
        for message in pot:
            if not message.id:
                continue
            po = groups.setdefault(_group(message), _new_catalog(lang))
            old = known.get(message.id)
            flags = set(message.flags)
            if (
                old is None
                or not old.string
                or (isinstance(old.string, (list, tuple)) and not all(old.string))
            ):
                flags.add(REVIEW_FLAG)
            else:
                flags |= set(old.flags) & {REVIEW_FLAG}
            po.add(
                message.id,
                string=old.string
                if old is not None
                else ("", "")
                if isinstance(message.id, tuple)
                else "",
                locations=message.locations,
                flags=flags,
                user_comments=list(old.user_comments) if old is not None else [],
                auto_comments=message.auto_comments,
            )
        folder = locales_dir() / lang / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        for path in po_files(lang):
            if path.stem not in groups:
                path.unlink()
        for name, po in groups.items():
            with (folder / f"{name}.po").open("wb") as handle:
                write_po(handle, po, width=100, omit_header=False, include_lineno=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report untranslated texts")
    args = parser.parse_args(argv)
    if not args.check:
        update()
    pot = extracted()
    failed = 0
    for lang in LANGUAGES:
        if lang == DEFAULT:
            continue
        gaps = missing(lang, pot)
        for msgid in gaps:
            print(f"{lang}: untranslated: {msgid[:70]!r}", file=sys.stderr)
        failed += len(gaps)
    print(f"{len([m for m in pot if m.id])} texts; {failed} untranslated")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
