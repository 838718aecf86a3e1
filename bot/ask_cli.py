"""`recovery-bot ask`: put questions to the bot's answering logic from the command line.

Each message goes through exactly what the bot does with free text: the safety net first (a
crisis, or a "check": an ambiguous risk signal answered with "Are you safe right now?"), then the
curated answers. The command line can alert nobody, so a crisis reply never says the care team was
told (``care_team_told=False``).

    recovery-bot ask "can I drink on naltrexone?"          -> the reply as the patient sees it
    recovery-bot ask "can I drink on naltrexone?" --json   -> one JSON object
    recovery-bot ask --json - < questions.txt              -> one JSON object per non-blank line
    recovery-bot ask --lang es "¿puedo tomar alcohol?"     -> answered as to a Spanish speaker
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from typing import Literal, TextIO, TypedDict

from bot.domain.triage import crisis_reply
from bot.qa import ContentError, answer, warm_up
from bot.safety.net import assess
from bot.safety.texts import check_prompt

__all__ = ["AskResult", "ask", "run_ask"]

STDIN = "-"


class SnippetJson(TypedDict):
    id: str
    title: str
    source: str
    score: float


class AskResult(TypedDict):
    kind: Literal["answer", "unknown", "crisis", "check"]
    text: str
    snippets: list[SnippetJson]


def ask(message: str, lang: str = "en") -> AskResult:
    """The reply to one message, as the bot would give it to a patient whose language is
    ``lang`` (the safety net first; a crisis reply follows the message's own language)."""
    verdict = assess(message)
    if verdict.kind is not None:
        return {
            "kind": "crisis",
            "text": crisis_reply(verdict.kind, care_team_told=False, lang=verdict.lang),
            "snippets": [],
        }
    if verdict.is_check:
        return {"kind": "check", "text": check_prompt(verdict.lang, None).text, "snippets": []}
    result = answer(message, lang=lang)
    return {
        "kind": result.kind,
        "text": result.text,
        "snippets": [
            {"id": h.id, "title": h.title, "source": h.source, "score": h.score}
            for h in result.snippets
        ],
    }


def _stdin_lines(stdin: TextIO) -> Iterator[str]:
    for line in stdin:
        question = line.strip()
        if question:  # blank lines are skipped, not answered
            yield question


def _messages(questions: Iterable[str] | None, stdin: TextIO) -> Iterator[str]:
    """The questions in order; "-" (or no question at all) reads one per line from stdin."""
    if not questions:
        yield from _stdin_lines(stdin)
        return
    for question in questions:
        if question == STDIN:
            yield from _stdin_lines(stdin)
        else:
            yield question


async def run_ask(
    questions: list[str] | None,
    json_output: bool,
    stdin: TextIO,
    stdout: TextIO,
    lang: str = "en",
) -> int:
    """Answer ``questions`` (see the module docstring); the exit status to return."""
    try:
        warm_up()
    except ContentError as exc:
        print(f"recovery-bot: cannot load the answer content: {exc}", file=sys.stderr)
        return 1
    first = True
    for message in _messages(questions, stdin):
        result = ask(message, lang)
        if json_output:
            stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        else:
            stdout.write(("" if first else "\n") + result["text"] + "\n")
        stdout.flush()  # one reply per line as it comes, for pipes
        first = False
    return 0
