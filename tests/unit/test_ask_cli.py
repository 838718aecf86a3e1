"""`recovery-bot ask`: triage first, then answers; text or one JSON object per question."""

from __future__ import annotations

import io
import json

from bot.ask_cli import ask, run_ask
from bot.domain.triage import CrisisKind, crisis_reply
from bot.qa import answer


async def run(questions: list[str] | None, json_output: bool, stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    status = await run_ask(questions, json_output, io.StringIO(stdin), out)
    return status, out.getvalue()


async def test_json_answer_has_kind_text_and_snippets() -> None:
    status, out = await run(["booze ok?"], json_output=True)
    assert status == 0
    lines = out.splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert set(result) == {"kind", "text", "snippets"}
    assert result["kind"] == "answer"
    assert result["text"] == answer("booze ok?").text
    first = result["snippets"][0]
    assert set(first) == {"id", "title", "source", "score"}
    assert first["id"] == "alcohol-on-naltrexone"
    assert isinstance(first["score"], float)


async def test_a_crisis_gets_the_crisis_reply_that_promises_no_call() -> None:
    status, out = await run(["i want to kill myself"], json_output=True)
    result = json.loads(out)
    assert status == 0
    assert result == {
        "kind": "crisis",
        "text": crisis_reply(CrisisKind.SUICIDE_SELF_HARM, care_team_told=False),
        "snippets": [],
    }
    assert "has been told" not in result["text"]


async def test_triage_runs_before_answers() -> None:
    # An overdose question that is happening now must never get a snippet.
    assert ask("i think im overdosing on my pills")["kind"] == "crisis"
    # An informational one is answered from the content.
    assert ask("overdose risk after stopping vivitrol")["kind"] == "answer"


async def test_unknown_is_reported_as_unknown() -> None:
    status, out = await run(["how much suboxone should i take"], json_output=True)
    result = json.loads(out)
    assert (status, result["kind"], result["snippets"]) == (0, "unknown", [])


async def test_stdin_gives_one_object_per_non_blank_line_in_order() -> None:
    stdin = "booze ok?\n\n   \ni want to die\nhi\n¿Puedo tomar alcohol con naltrexona?\n"
    status, out = await run(["-"], json_output=True, stdin=stdin)
    results = [json.loads(line) for line in out.splitlines()]
    assert status == 0
    # An English-speaking patient's Spanish question is answered in English (their language).
    assert [r["kind"] for r in results] == ["answer", "crisis", "unknown", "answer"]
    assert "alcohol" in results[3]["text"] and "información" not in results[3]["text"]


async def test_lang_es_answers_as_to_a_spanish_speaker() -> None:
    out = io.StringIO()
    questions = ["¿Puedo tomar alcohol con naltrexona?"]
    status = await run_ask(questions, True, io.StringIO(""), out, lang="es")
    result = json.loads(out.getvalue())
    assert (status, result["kind"]) == (0, "answer")
    assert "información general" in result["text"]  # not escaped to \\u: readable in a terminal


async def test_no_question_reads_stdin() -> None:
    status, out = await run(None, json_output=True, stdin="narcan?\n")
    assert status == 0
    assert json.loads(out)["snippets"][0]["id"] == "naloxone"


async def test_without_json_the_reply_text_is_printed() -> None:
    status, out = await run(["booze ok?"], json_output=False)
    assert status == 0
    assert out == answer("booze ok?").text + "\n"


async def test_several_questions_without_json_are_separated_by_a_blank_line() -> None:
    status, out = await run(["hi", "-"], json_output=False, stdin="narcan?\n")
    assert status == 0
    assert out == answer("hi").text + "\n\n" + answer("narcan?").text + "\n"


async def test_bad_input_is_answered_kindly() -> None:
    for message in ("", "🙂", "x" * 4096):
        result = ask(message)
        assert result["kind"] == "unknown"
        assert "911 or 988" in result["text"]
