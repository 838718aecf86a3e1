"""Coping prompts offered after a high craving, loaded from ``content/coping.toml``.

Like the answer snippets, these are curated text with a named source; a malformed file stops the
bot at start-up rather than producing an unsourced prompt later. Every prompt has its Spanish
(``text_es``, the same source, named by ``name_es``), marked ``review_es = "needs-review"`` until
a native speaker who is a clinician has read it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bot.qa.content import ContentError
from bot.resources import resource_dir

_ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_MARKUP_RE = re.compile(r"[<>*_`#\[\]]")
MAX_LENGTH = 240
_ABOUT = ("any", "alcohol")
REVIEW_FLAG = "needs-review"


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    name_es: str = ""


@dataclass(frozen=True, slots=True)
class CopingPrompt:
    id: str
    text: str
    source: str
    # "alcohol" for guidance about drinking only; "any" fits every substance.
    about: str = "any"
    text_es: str = ""
    source_es: str = ""
    # The Spanish awaits a clinician's review (review_es = "needs-review" in the file).
    needs_review_es: bool = True

    def text_in(self, lang: str) -> str:
        """The prompt in ``lang`` (English for a language it has no text in)."""
        return self.text_es if lang == "es" and self.text_es else self.text

    def source_in(self, lang: str) -> str:
        return self.source_es if lang == "es" and self.source_es else self.source


def default_path() -> Path:
    return resource_dir("content") / "coping.toml"


def load_coping(path: Path | None = None) -> tuple[CopingPrompt, ...]:
    path = path or default_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ContentError(f"{path}: cannot read coping prompts ({exc})") from exc
    sources = {
        key: Source(str(value.get("name", "")), str(value.get("name_es", "")))
        for key, value in data.get("sources", {}).items()
    }
    problems: list[str] = []
    prompts: list[CopingPrompt] = []
    seen: set[str] = set()
    for index, entry in enumerate(data.get("prompt", []), start=1):
        pid = str(entry.get("id", ""))
        text = " ".join(str(entry.get("text", "")).split())
        text_es = " ".join(str(entry.get("text_es", "")).split())
        source = sources.get(str(entry.get("source", "")), Source(""))
        about = str(entry.get("about", "any"))
        review_es = str(entry.get("review_es", ""))
        where = f"prompt {index} ({pid or 'no id'})"
        if not _ID_RE.fullmatch(pid) or pid in seen:
            problems.append(f"{where}: id must be unique, lower-case words joined by '-'")
        for name, said in (("text", text), ("text_es", text_es)):
            if not said or len(said) > MAX_LENGTH or _MARKUP_RE.search(said):
                problems.append(f"{where}: {name} must be plain, 1..{MAX_LENGTH} characters")
        if not source.name:
            problems.append(f"{where}: source must name an entry under [sources]")
        if about not in _ABOUT:
            problems.append(f"{where}: about must be one of {', '.join(_ABOUT)}")
        if review_es not in ("", REVIEW_FLAG):
            problems.append(f"{where}: review_es must be empty or {REVIEW_FLAG!r}")
        seen.add(pid)
        prompts.append(
            CopingPrompt(
                pid,
                text,
                source.name,
                about,
                text_es=text_es,
                source_es=source.name_es or source.name,
                needs_review_es=review_es == REVIEW_FLAG,
            )
        )
    if len(prompts) < 2:
        problems.append("at least two prompts are needed")
    if not any(p.about == "any" for p in prompts):
        problems.append('at least one prompt must fit any substance (about = "any")')
    if problems:
        raise ContentError(f"{path}: " + "; ".join(problems))
    return tuple(prompts)


@lru_cache(maxsize=1)
def coping_prompts() -> tuple[CopingPrompt, ...]:
    return load_coping()


def pick(seed: int, count: int = 2, drug_use: bool = False) -> list[CopingPrompt]:
    """``count`` different prompts, varying with ``seed`` so the same two don't always come.
    After reported opioid or other drug use, only prompts that fit any substance."""
    prompts = tuple(p for p in coping_prompts() if not drug_use or p.about == "any")
    start = seed % len(prompts)
    return [prompts[(start + k) % len(prompts)] for k in range(min(count, len(prompts)))]
