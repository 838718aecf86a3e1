"""SECRET_KEY guard: what is reachable from outside refuses to start with a guessable key.

With the public development key anyone can compute the webhook secret (and post forged updates:
a tap that resolves an urgent alert, a `/delete`) and turn audit pseudonyms back into patients.
So `run --webhook`, `jobs` and `dashboard` on a non-loopback address stop at once, with a message
saying how to make a key, before touching the database, Telegram or a port. The offline demo and
a dashboard on loopback keep working with the default, so a fresh checkout still runs.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path

import httpx
import pytest

from bot.config import DEV_SECRET_KEY, Settings, insecure_secret, is_loopback
from tests.conftest import TEST_TOKEN
from tests.fakes.bot_api import FakeBotApi
from tests.integration.test_cli import clean_env, free_port

# A key of the shape the refusal message suggests; tests that start `jobs`, `dashboard` or
# `run --webhook` processes put it in their environment.
PROCESS_SECRET_KEY = "test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
SHORT_KEY = "short-key-0123456789"
# A hang guard, far beyond a refusal (which happens before the database is opened): on failure
# the test ends as soon as the process shows it started, not when this runs out.
HANG_GUARD = 90.0


def listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


async def refused(
    args: list[str], env: dict[str, str], cwd: Path, *, api: FakeBotApi, port: int, db: Path
) -> tuple[int, str]:
    """Run the command; fail as soon as it opens the database, calls Telegram or listens."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    finished = asyncio.create_task(process.communicate())
    started = ""
    try:
        async with asyncio.timeout(HANG_GUARD):
            while not finished.done():
                if db.exists():
                    started = "it opened the database"
                elif api.calls:
                    started = f"it called Telegram ({api.calls[0].method})"
                elif listening(port):
                    started = f"it is listening on port {port}"
                if started:
                    break
                await asyncio.sleep(0.05)
    finally:
        if not finished.done():
            process.kill()
        _, err = await finished
    assert not started, f"{' '.join(args)} started instead of refusing: {started}"
    assert process.returncode is not None
    return process.returncode, err.decode()


def assert_refusal(code: int, err: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err  # one paragraph
    assert "SECRET_KEY" in lines[0] and "refusing to start" in lines[0]
    assert 'python3 -c "import secrets; print(secrets.token_urlsafe(48))"' in lines[0]


def key_env(key: str | None) -> dict[str, str]:
    return {} if key is None else {"SECRET_KEY": key}


KEYS = [
    pytest.param(None, id="unset"),
    pytest.param(DEV_SECRET_KEY, id="development-default"),
    pytest.param(SHORT_KEY, id="too-short"),
]


@pytest.mark.parametrize("key", KEYS)
async def test_jobs_refuses_a_guessable_key(
    tmp_path: Path, api: FakeBotApi, key: str | None
) -> None:
    db = tmp_path / "jobs.db"
    env = clean_env(
        DATABASE_URL=f"sqlite:///{db}",
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_API_BASE_URL=api.base_url,
        TICK_SECONDS="0.5",
        **key_env(key),
    )
    code, err = await refused(["jobs"], env, tmp_path, api=api, port=free_port(), db=db)
    assert_refusal(code, err)
    assert SHORT_KEY not in err  # a real (if short) key is never echoed


@pytest.mark.parametrize("key", KEYS)
async def test_webhook_run_refuses_a_guessable_key(
    tmp_path: Path, api: FakeBotApi, key: str | None
) -> None:
    db = tmp_path / "run.db"
    port = free_port()
    env = clean_env(
        DATABASE_URL=f"sqlite:///{db}",
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_API_BASE_URL=api.base_url,
        WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
        **key_env(key),
    )
    code, err = await refused(["run", "--webhook"], env, tmp_path, api=api, port=port, db=db)
    assert_refusal(code, err)
    assert not api.webhook_url  # Telegram was never told where to post


@pytest.mark.parametrize("key", KEYS)
async def test_public_dashboard_refuses_a_guessable_key(
    tmp_path: Path, api: FakeBotApi, key: str | None
) -> None:
    db = tmp_path / "dash.db"
    port = free_port()
    env = clean_env(DATABASE_URL=f"sqlite:///{db}", **key_env(key))
    args = ["dashboard", "--host", "0.0.0.0", "--port", str(port)]
    code, err = await refused(args, env, tmp_path, api=api, port=port, db=db)
    assert_refusal(code, err)
    assert "0.0.0.0" in err


async def serves_dashboard(args: list[str], env: dict[str, str], cwd: Path, port: int) -> None:
    """Start a command and check the dashboard answers on 127.0.0.1:port, then stop it."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        async with httpx.AsyncClient() as client, asyncio.timeout(HANG_GUARD):
            while True:
                assert process.returncode is None, "the command exited instead of serving"
                try:
                    page = await client.get(f"http://127.0.0.1:{port}/", follow_redirects=True)
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.1)
        assert page.status_code == 200 and "sign" in page.text.lower()
    finally:
        if process.returncode is None:
            process.terminate()
        _, err = await process.communicate()
    assert process.returncode == 0, err.decode()[-2000:]
    assert "refusing" not in err.decode()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
async def test_dashboard_on_loopback_starts_with_the_default_key(
    db_url: str, tmp_path: Path, host: str
) -> None:
    port = free_port()
    env = clean_env(DATABASE_URL=db_url)  # no SECRET_KEY: the development default
    await serves_dashboard(["dashboard", "--host", host, "--port", str(port)], env, tmp_path, port)


async def test_public_dashboard_starts_with_a_real_key(db_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = clean_env(DATABASE_URL=db_url, SECRET_KEY=PROCESS_SECRET_KEY)
    args = ["dashboard", "--host", "0.0.0.0", "--port", str(port)]
    await serves_dashboard(args, env, tmp_path, port)


async def test_offline_demo_starts_with_the_default_key(tmp_path: Path) -> None:
    """`python3 tasks.py run` on a fresh machine: no token, no SECRET_KEY."""
    port = free_port()
    env = clean_env(DASHBOARD_PORT=str(port))
    await serves_dashboard(["run"], env, tmp_path, port)


@pytest.mark.parametrize(
    ("key", "insecure"),
    [
        (DEV_SECRET_KEY, True),
        ("", True),
        (" " * 40, True),
        (SHORT_KEY, True),
        (PROCESS_SECRET_KEY, False),
    ],
)
def test_insecure_secret(key: str, insecure: bool) -> None:
    assert insecure_secret(Settings(secret_key=key)) is insecure


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("127.0.0.2", True),
        ("0.0.0.0", False),
        ("::", False),
        ("", False),
        ("192.168.1.10", False),
        ("dashboard.example.org", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
