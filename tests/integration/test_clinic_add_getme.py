"""`recovery-bot clinic add` always leaves the operator with the invite code (issue 14, item 4).

The clinic is committed before Telegram is asked for the bot's username; whatever getMe answers
(something malformed, nothing at all, an invalid token), the command prints the code, exits 0,
and says what really went wrong instead of "Set TELEGRAM_BOT_TOKEN" when the token is set.
"""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

import pytest

from tests.fakes.bot_api import FakeBotApi
from tests.integration.test_cli import clean_env, cli

TOKEN = "123456:TEST"


def stored_codes(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [row[0] for row in conn.execute("SELECT invite_code FROM clinics")]


def invite_code(out: str) -> str:
    [line] = [line for line in out.splitlines() if line.startswith("Invite code:")]
    return line.split(":", 1)[1].strip()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    "answer",
    [
        {"ok": True, "result": "not a user"},
        {"ok": True, "result": {"id": "x"}},
        {"ok": True},
        b"<html>502 Bad Gateway</html>",
        b'{"ok": true, "result": {"id": 1, "is_bot": true, "first_name"',
    ],
    ids=["result-a-string", "user-without-fields", "no-result", "html", "truncated"],
)
async def test_a_malformed_get_me_still_prints_the_code(
    tmp_path: Path, answer: dict[str, object] | bytes
) -> None:
    db = tmp_path / "b.db"
    async with FakeBotApi() as api:
        api.answer_raw("getMe", answer, times=10)
        env = clean_env(
            DATABASE_URL=f"sqlite:///{db}",
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=api.base_url,
        )
        code, out, err = await cli("clinic", "add", "Eastside", env=env, cwd=tmp_path)
    assert code == 0, err
    assert "Traceback" not in err
    assert stored_codes(db) == [invite_code(out)]
    assert f"?start={invite_code(out)}" in out
    assert "could not be read" in out or "Could not reach" in out
    assert "Set TELEGRAM_BOT_TOKEN" not in out


async def test_an_unreachable_api_is_said_to_be_unreachable(tmp_path: Path) -> None:
    db = tmp_path / "b.db"
    env = clean_env(
        DATABASE_URL=f"sqlite:///{db}",
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{free_port()}/bot",
    )
    code, out, err = await cli("clinic", "add", "Eastside", env=env, cwd=tmp_path)
    assert code == 0, err
    assert "Traceback" not in err
    assert stored_codes(db) == [invite_code(out)]
    assert "Could not reach the Bot API at http://127.0.0.1:" in out
    assert "Set TELEGRAM_BOT_TOKEN" not in out
    assert f"/start {invite_code(out)}" in out


async def test_a_refused_token_is_named(tmp_path: Path) -> None:
    db = tmp_path / "b.db"
    async with FakeBotApi() as api:
        api.fail_next("getMe", 401, description="Unauthorized", times=10)
        env = clean_env(
            DATABASE_URL=f"sqlite:///{db}",
            TELEGRAM_BOT_TOKEN=TOKEN,
            TELEGRAM_API_BASE_URL=api.base_url,
        )
        code, out, err = await cli("clinic", "add", "Eastside", env=env, cwd=tmp_path)
    assert code == 0, err
    assert stored_codes(db) == [invite_code(out)]
    assert "Telegram refused TELEGRAM_BOT_TOKEN" in out


async def test_without_a_token_the_hint_is_to_set_one(tmp_path: Path) -> None:
    db = tmp_path / "b.db"
    env = clean_env(DATABASE_URL=f"sqlite:///{db}")
    code, out, err = await cli("clinic", "add", "Eastside", env=env, cwd=tmp_path)
    assert code == 0, err
    assert stored_codes(db) == [invite_code(out)]
    assert "Set TELEGRAM_BOT_TOKEN" in out
