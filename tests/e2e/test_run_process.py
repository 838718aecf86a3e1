"""`recovery-bot run` as a real process: enrols a patient over a Bot API-compatible server."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from sqlalchemy import select

from bot.clock import SystemClock
from bot.db.models import Patient, Schedule
from bot.runtime import app_context
from tests.conftest import TEST_TOKEN, make_settings
from tests.fakes.bot_api import FakeBotApi
from tests.integration.test_cli import clean_env
from tests.support import new_clinic

CHAT = 31337


async def test_run_enrols_a_patient_and_logs_no_secrets(
    db_url: str, fake_api: FakeBotApi, tmp_path: Path
) -> None:
    async with app_context(make_settings(db_url), SystemClock()) as ctx:
        clinic = await new_clinic(ctx)
    env = clean_env(
        DATABASE_URL=db_url,
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_API_BASE_URL=fake_api.base_url,
        LOG_LEVEL="DEBUG",
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    # What the patient types, and how many messages each answer brings: waiting for all of
    # them (not for a quiet moment) keeps each answer after the question it answers, however
    # slow the machine.
    steps = [
        ("/start " + clinic.invite_code, 2),  # welcome, consent
        ("yes", 3),  # thanks, the zone question, the location key's hint
        ("Phoenix", 2),  # the zone found, "is it ... where you are?"
        ("yes", 1),
        ("daily", 1),
        ("6:45 am", 1),
        ("no check-ins", 1),
        ("yes", 1),
    ]
    typed = [text for text, _ in steps]
    try:
        await fake_api.wait_for_call("getUpdates", timeout=30)
        for text, replies in steps:
            mark = fake_api.mark(CHAT)
            await fake_api.send_text(CHAT, text)
            await fake_api.wait_for_new(CHAT, mark, count=replies, timeout=20)
        assert "You're all set" in fake_api.last(CHAT).plain_text  # type: ignore[union-attr]
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), timeout=30)
    assert process.returncode == 0, err.decode()
    logs = out.decode() + err.decode()
    assert "starting the Telegram bot" in logs and "enrolled" in logs
    assert TEST_TOKEN not in logs
    for text in [*typed[1:], clinic.invite_code]:
        if text not in ("yes",):
            assert text not in logs, text
    async with app_context(make_settings(db_url), SystemClock()) as ctx, ctx.sessions() as s:
        [patient] = list(await s.scalars(select(Patient)))
        [schedule] = list(await s.scalars(select(Schedule)))
    assert patient.chat_id == CHAT and patient.timezone == "America/Phoenix"
    assert schedule.dose_times == ["06:45"]
