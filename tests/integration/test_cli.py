"""The recovery-bot command line, run as a real process against real databases."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sqlite3
import sys
from pathlib import Path

import httpx
import pytest

from tests.fakes.bot_api import FakeBotApi

ENV_KEYS = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_BASE_URL",
    "DATABASE_URL",
    "PUBLIC_URL",
    "SECRET_KEY",
    "LOG_LEVEL",
)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    env.update(extra)
    return env


async def cli(*args: str, env: dict[str, str], cwd: Path, stdin: str = "") -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=env,
        cwd=cwd,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(stdin.encode()), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://root@localhost/x"),
        ("DATABASE_URL", "not a url"),
        ("TELEGRAM_BOT_TOKEN", "oops-this-is-not-a-token"),
        ("TELEGRAM_API_BASE_URL", "ftp://127.0.0.1"),
        ("PUBLIC_URL", "example.org"),
        ("LOG_LEVEL", "LOUD"),
    ],
)
async def test_a_wrong_setting_is_one_line_naming_the_variable(
    tmp_path: Path, variable: str, value: str
) -> None:
    code, _out, err = await cli("db", "upgrade", env=clean_env(**{variable: value}), cwd=tmp_path)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and variable in lines[0], err
    assert "Traceback" not in err
    if variable == "TELEGRAM_BOT_TOKEN":
        assert value not in err


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_offline_run_is_the_demo_clinic_on_the_dashboard(tmp_path: Path) -> None:
    """The README's run command with no token: SQLite under ./data, a sample clinic, the
    dashboard on 127.0.0.1 and a one-time login link that opens it."""
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=clean_env(DASHBOARD_PORT=str(port)),
        cwd=tmp_path,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    printed = ""
    try:
        while "/login/" not in printed:
            line = await asyncio.wait_for(process.stdout.readline(), timeout=60)
            assert line, "run exited before printing a login link"
            printed += line.decode()
        link = next(w for w in printed.split() if "/login/" in w)
        assert link.startswith(f"http://127.0.0.1:{port}/login/")
        assert "Demo mode" in printed and "12 patients" in printed
        async with httpx.AsyncClient() as client:
            for _ in range(100):
                try:
                    page = await client.get(link, follow_redirects=True)
                    break
                except httpx.ConnectError:
                    await asyncio.sleep(0.1)
            assert page.status_code == 200 and "Demo Clinic" in page.text
            assert "Morgan Diaz" in page.text  # one of the sample patients
            again = await client.get(link)  # the link works once
            assert again.status_code == 403
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, err.decode()
    database = tmp_path / "data" / "recovery-bot.db"
    tables = {
        row[0]
        for row in sqlite3.connect(database).execute(
            "SELECT name FROM sqlite_master WHERE type='table'"
        )
    }
    assert {"patients", "schedules", "outbox", "audit_log", "alembic_version"} <= tables


async def test_operator_commands(db_url: str, tmp_path: Path) -> None:
    env = clean_env(DATABASE_URL=db_url)
    code, out, _ = await cli("db", "upgrade", env=env, cwd=tmp_path)
    assert code == 0 and "up to date" in out
    code, out, err = await cli("clinic", "add", "Northside  Clinic", env=env, cwd=tmp_path)
    assert code == 0, err
    lines = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    invite = lines["Invite code"].strip()
    assert len(invite) == 8
    assert f"?start={invite}" in lines["Invite link"]
    code, out, _ = await cli("clinic", "list", env=env, cwd=tmp_path)
    assert invite in out and "Northside Clinic" in out

    code, out, err = await cli(
        "staff",
        "add",
        "--telegram-id",
        "777",
        "--name",
        "Sam Rivera",
        "--clinic",
        invite.lower(),
        env=env,
        cwd=tmp_path,
    )
    assert code == 0 and "Added Sam Rivera as staff at Northside Clinic" in out, err
    code, out, err = await cli(
        "staff",
        "add",
        "--telegram-id",
        "777",
        "--name",
        "Sam",
        "--clinic",
        "NOSUCH12",
        env=env,
        cwd=tmp_path,
    )
    assert code == 1 and "NOSUCH12" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


async def test_clinic_link_names_the_bot_from_get_me(tmp_path: Path) -> None:
    async with FakeBotApi(bot_username="northside_care_bot") as api:
        env = clean_env(
            DATABASE_URL=f"sqlite:///{tmp_path / 'b.db'}",
            TELEGRAM_BOT_TOKEN="123456:TEST",
            TELEGRAM_API_BASE_URL=api.base_url,
        )
        code, out, err = await cli("clinic", "add", "Eastside", env=env, cwd=tmp_path)
    assert code == 0, err
    assert "https://t.me/northside_care_bot?start=" in out


async def test_chat_in_the_terminal_enrols_a_patient(tmp_path: Path) -> None:
    env = clean_env(DATABASE_URL=f"sqlite:///{tmp_path / 'chat.db'}")
    # Numbers tap the numbered buttons; words are typed answers.
    script = "\n".join(["1", "Denver", "1", "1", "25:99", "7am", "3", "1", "/help", "quit"])
    script += "\n"
    code, out, err = await cli("chat", env=env, cwd=tmp_path, stdin=script)
    assert code == 0, err
    assert "[1] I agree" in out
    assert "couldn't read" in out.lower() and "08:00" in out  # the bad time got an example
    assert "You're all set" in out and "07:00" in out
    count = sqlite3.connect(tmp_path / "chat.db").execute("SELECT count(*) FROM patients")
    assert count.fetchone() == (1,)
    # Coming back later continues as the same, already enrolled, patient.
    code, out, _ = await cli("chat", env=env, cwd=tmp_path, stdin="/start\nquit\n")
    assert "already set up" in out


async def test_database_down_is_a_clear_error(tmp_path: Path) -> None:
    env = clean_env(DATABASE_URL="postgresql://postgres@127.0.0.1:1/nothing")
    code, _, err = await cli("db", "upgrade", env=env, cwd=tmp_path)
    assert code == 1 and "cannot use the database" in err and "Traceback" not in err


async def test_ask_answers_one_json_object_per_stdin_line(tmp_path: Path) -> None:
    import json

    questions = "can i drink on naltrexone\n\nwhats the capital of peru\ni want to kill myself\n"
    code, out, err = await cli("ask", "--json", "-", env=clean_env(), cwd=tmp_path, stdin=questions)
    assert code == 0, err
    replies = [json.loads(line) for line in out.splitlines()]
    assert [r["kind"] for r in replies] == ["answer", "unknown", "crisis"]
    assert replies[0]["snippets"] and {"id", "title", "source", "score"} <= set(
        replies[0]["snippets"][0]
    )
    assert "988" in replies[2]["text"] and replies[2]["snippets"] == []
    code, out, _ = await cli("ask", "what is vivitrol", env=clean_env(), cwd=tmp_path)
    assert code == 0 and "Source:" in out


async def test_summary_and_login_link_for_operators(db_url: str, tmp_path: Path) -> None:
    env = clean_env(DATABASE_URL=db_url, PUBLIC_URL="https://care.example.org")
    code, out, err = await cli("clinic", "add", "Eastside", env=env, cwd=tmp_path)
    invite = next(line.split()[-1] for line in out.splitlines() if line.startswith("Invite code"))
    code, out, err = await cli(
        "staff", "add", "--telegram-id", "4242", "--name", "Sam", "--clinic", invite,
        "--timezone", "America/Chicago", env=env, cwd=tmp_path,
    )  # fmt: skip
    assert code == 0, err
    code, out, err = await cli(
        "staff", "login-link", "--telegram-id", "4242", env=env, cwd=tmp_path
    )
    assert code == 0 and out.startswith("https://care.example.org/login/"), err
    code, _, err = await cli("staff", "login-link", "--telegram-id", "1", env=env, cwd=tmp_path)
    assert code == 1 and "no active staff member" in err
    code, _, err = await cli(
        "staff", "add", "--telegram-id", "5", "--name", "X", "--clinic", invite,
        "--timezone", "Mars/Olympus", env=env, cwd=tmp_path,
    )  # fmt: skip
    assert code == 1 and "unknown time zone" in err

    code, out, err = await cli("summary", "--days", "14", env=env, cwd=tmp_path)
    assert code == 0, err
    assert "Eastside" in out and "0 patients" in out
    code, out, err = await cli("summary", "--json", "--clinic", invite, env=env, cwd=tmp_path)
    report = json.loads(out)
    assert [c["name"] for c in report["clinics"]] == ["Eastside"] and report["days"] == 30
    code, _, err = await cli("summary", "--days", "0", env=env, cwd=tmp_path)
    assert code == 1 and "--days" in err
    # An unknown clinic code is the same one line for every command that takes one.
    for args in (
        ("summary", "--clinic", "NOSUCH12"),
        ("clinic", "quiet-hours", "NOSUCH12", "22:00-07:00"),
        ("staff", "add", "--telegram-id", "7", "--name", "X", "--clinic", "NOSUCH12",
         "--timezone", "America/Chicago"),
    ):  # fmt: skip
        code, _, err = await cli(*args, env=env, cwd=tmp_path)
        assert code == 1 and err.strip().endswith("`clinic list` shows them"), (args, err)
        assert "NOSUCH12" in err and len(err.strip().splitlines()) == 1
    code, out, err = await cli("staff", "remove", "--telegram-id", "4242", env=env, cwd=tmp_path)
    assert code == 0 and "no longer active" in out, err
    code, _, err = await cli("staff", "login-link", "--telegram-id", "4242", env=env, cwd=tmp_path)
    assert code == 1 and "no active staff member" in err


async def test_patient_invite_queues_the_invitation_text(db_url: str, tmp_path: Path) -> None:
    env = clean_env(DATABASE_URL=db_url)
    code, out, err = await cli("clinic", "add", "Northside Clinic", env=env, cwd=tmp_path)
    assert code == 0, err
    invite = next(line for line in out.splitlines() if line.startswith("Invite code:")).split()[-1]
    args = ("patient", "invite", "--phone", "(415) 555-2671", "--clinic", invite)
    # Texts off: one line saying what to set, nothing queued.
    code, _, err = await cli(*args, env=env, cwd=tmp_path)
    assert code == 1 and "TWILIO_ACCOUNT_SID" in err and len(err.strip().splitlines()) == 1
    sms_env = clean_env(
        DATABASE_URL=db_url,
        TWILIO_ACCOUNT_SID="AC" + "1" * 32,
        TWILIO_AUTH_TOKEN="2" * 32,
        TWILIO_FROM_NUMBER="+14155550100",
        SMS_PUBLIC_URL="https://bot.example-clinic.org",
    )
    code, out, err = await cli(*args, "--language", "es", env=sms_env, cwd=tmp_path)
    assert code == 0, err
    # The number only masked, on the screen as in the logs.
    assert "Invited +1 ••• ••• ••71 to enrol with Northside Clinic by text" in out
    assert "2671" not in out + err
    code, out, err = await cli(*args, env=sms_env, cwd=tmp_path)
    assert code == 0 and "••71 again" in out, err
    # The clinic's own quiet hours.
    code, out, err = await cli(
        "clinic", "quiet-hours", invite, "22:30-07:00", env=env, cwd=tmp_path
    )
    assert code == 0 and "held 22:30-07:00, each patient's local time" in out, err
    code, _, err = await cli("clinic", "quiet-hours", invite, "after dinner", env=env, cwd=tmp_path)
    assert code == 1 and "HH:MM-HH:MM" in err and len(err.strip().splitlines()) == 1
    # Bad input: one clear line each, nothing else.
    for bad, says in (
        (("--phone", "12"), "--phone:"),
        (("--clinic", "NOSUCH12"), "NOSUCH12"),
    ):
        changed = list(args)
        changed[changed.index(bad[0]) + 1] = bad[1]
        code, _, err = await cli(*changed, env=sms_env, cwd=tmp_path)
        assert code == 1 and says in err and "Traceback" not in err, err
        assert len(err.strip().splitlines()) == 1
