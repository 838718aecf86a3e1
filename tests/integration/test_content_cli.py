"""`recovery-bot content review` and `content add`, run as a real process."""

from __future__ import annotations

import json
from pathlib import Path

from bot.i18n.catalog import catalog
from bot.qa.content import clinics_dir, load_content
from bot.qa.coping import load_coping
from bot.qa.review import content_hash, translation_hash
from bot.services.consent import file_version
from tests.integration.test_cli import clean_env, cli

EXAMPLE = clinics_dir() / "EXAMPLE.toml.sample"


async def test_content_review_lists_every_unreviewed_snippet(tmp_path: Path) -> None:
    shared = load_content()
    code, out, err = await cli("content", "review", "--json", env=clean_env(), cwd=tmp_path)
    assert code == 0, err
    report = json.loads(out)
    rows = report["awaiting_review"]
    assert report["snippets"] >= len(shared.snippets)
    shared_rows = [row for row in rows if row["clinic"] is None]
    assert [row["id"] for row in shared_rows] == [s.id for s in shared.snippets]
    first = shared.snippets[0]
    assert shared_rows[0] == {
        "id": first.id,
        "clinic": None,
        "title": first.title,
        "hash": content_hash(first),
        "note": "never reviewed",
        "lang": "en",
    }

    code, out, err = await cli("content", "review", env=clean_env(), cwd=tmp_path)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"{len(rows)} of {report['snippets']} snippets await a clinician's review."
    assert f"{first.id}  never reviewed" in lines
    assert f'    sign off with reviewed_hash = "{content_hash(first)}"' in lines


async def test_content_review_lists_the_spanish_texts_and_catalog_entries(tmp_path: Path) -> None:
    shared = load_content()
    code, out, err = await cli("content", "review", "--json", env=clean_env(), cwd=tmp_path)
    assert code == 0, err
    report = json.loads(out)
    # Spanish snippet texts, each with its own hash.
    assert report["spanish_snippets"] == len(shared.snippets)
    spanish = report["spanish_awaiting_review"]
    assert [row["id"] for row in spanish] == [s.id for s in shared.snippets]
    first = shared.snippets[0]
    assert first.es is not None
    assert spanish[0] == {
        "id": first.id,
        "clinic": None,
        "title": first.es.title,
        "hash": translation_hash(first),
        "note": "never reviewed",
        "lang": "es",
    }
    assert spanish[0]["hash"] != content_hash(first)
    # The catalog's Spanish entries still flagged needs-review, counted by file.
    flagged = report["catalog_awaiting_review"]["es"]
    entries = catalog("es").entries
    expected = sum(1 for entry in entries.values() if entry.needs_review)
    assert flagged["total"] == expected == sum(f["count"] for f in flagged["files"])
    files = {f["file"]: f for f in flagged["files"]}
    answers = files["qa.answers.po"]
    assert answers["count"] == len(answers["entries"]) >= 10
    disclaimer = next(e for e in answers["entries"] if e["msgid"].startswith("This is general"))
    assert disclaimer["translation"].startswith("Esta es información general")

    code, out, err = await cli("content", "review", env=clean_env(), cwd=tmp_path)
    assert code == 0, err
    lines = out.splitlines()
    assert (
        f"{len(spanish)} of {len(shared.snippets)} Spanish snippet texts (snippets.es.toml) "
        "await review by a clinician who is a native speaker."
    ) in lines
    assert f"[es] {first.id}  never reviewed" in lines
    assert f'    sign off with reviewed_hash = "{translation_hash(first)}"' in lines
    assert any(line.startswith(f"{expected} Spanish catalog texts are flagged") for line in lines)
    assert f"  qa.answers.po: {answers['count']}" in lines


async def test_content_add_installs_a_valid_clinic_file(tmp_path: Path) -> None:
    into = tmp_path / "clinics"
    args = ("content", "add", "--clinic", "north1", "--file", str(EXAMPLE), "--dir", str(into))
    code, out, err = await cli(*args, env=clean_env(), cwd=tmp_path)
    assert code == 0, err
    installed = into / "NORTH1.toml"
    assert installed.read_text(encoding="utf-8") == EXAMPLE.read_text(encoding="utf-8")
    assert out.startswith(f"Installed {installed}: 4 snippets for clinic NORTH1.")
    code, out, err = await cli(*args, env=clean_env(), cwd=tmp_path)
    assert code == 0 and out.startswith(f"Replaced {installed}"), err


async def test_content_add_refuses_an_invalid_file_listing_the_problems(tmp_path: Path) -> None:
    broken = tmp_path / "mine.toml"
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace('id = "example-clinic-contact"', 'id = "forms"')
    text = text.replace("Our pharmacy", "Our **pharmacy**")
    broken.write_text(text, encoding="utf-8")
    into = tmp_path / "clinics"
    code, out, err = await cli(
        "content",
        "add",
        "--clinic",
        "NORTH1",
        "--file",
        str(broken),
        "--dir",
        str(into),
        env=clean_env(),
        cwd=tmp_path,
    )
    assert code == 1 and out == ""
    assert "refused" in err and str(broken) in err
    assert "snippet 'forms': the shared content already has a snippet with this id" in err
    assert "snippet 'example-clinic-pharmacy': title contains Markdown/HTML" in err
    assert "Traceback" not in err
    assert not into.exists()


async def test_content_review_lists_the_coping_prompts_and_consent_awaiting_review(
    tmp_path: Path,
) -> None:
    """The Spanish of the coping prompts and of the consent text are patient-facing words too:
    listed until a native speaker who is a clinician empties their flags."""
    prompts = load_coping()
    waiting = [p for p in prompts if p.needs_review_es]
    assert waiting, "the coping prompts' Spanish has not been reviewed yet"
    code, out, err = await cli("content", "review", "--json", env=clean_env(), cwd=tmp_path)
    assert code == 0, err
    report = json.loads(out)
    assert [row["id"] for row in report["coping_awaiting_review"]["es"]] == [p.id for p in waiting]
    assert report["coping_awaiting_review"]["es"][0]["text"] == waiting[0].text_es
    assert report["consent_awaiting_review"] == ["es"]

    code, out, err = await cli("content", "review", env=clean_env(), cwd=tmp_path)
    assert code == 0, err
    lines = out.splitlines()
    assert (
        f"{len(waiting)} Spanish coping prompts (content/coping.toml) flagged "
        'review_es = "needs-review" (a reviewer empties it):'
    ) in lines
    assert f"  {waiting[0].id}" in lines
    assert (
        "1 consent translation (content/consent.toml) flagged "
        'review = "needs-review" (a reviewer empties it):'
    ) in lines
    assert f"  [es] version {file_version()}" in lines
