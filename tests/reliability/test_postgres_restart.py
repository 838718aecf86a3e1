"""The machine's Postgres restarted (for real) while `recovery-bot run` sends a burst: the bot
carries on by itself, reminders are late, none is lost."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from bot.db.migrate import upgrade
from tests.conftest import TEST_TOKEN
from tests.e2e.test_workers import start, stop
from tests.fakes.bot_api import FakeBotApi
from tests.integration.test_cli import clean_env
from tests.reliability.conftest import seed_burst, wait_until

pytestmark = [pytest.mark.long, pytest.mark.postgres]

BURST = 1500
RESULTS = Path(os.environ.get("RELIABILITY_RESULTS", "artifacts/reliability"))


def _restart_postgres() -> float:
    versions = sorted(Path("/etc/postgresql").iterdir()) if Path("/etc/postgresql").is_dir() else []
    if not versions or shutil.which("pg_ctlcluster") is None:
        pytest.fail("this test restarts the machine's Postgres and needs pg_ctlcluster")
    started = time.monotonic()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1].name, "main", "restart"],
        check=True,
        timeout=120,
    )
    return time.monotonic() - started


async def test_a_postgres_restart_mid_burst_delays_but_loses_nothing(
    pg_url: str, tmp_path: Path, fake_api: FakeBotApi
) -> None:
    await upgrade(pg_url)
    await seed_burst(pg_url, BURST)
    env = clean_env(
        DATABASE_URL=pg_url,
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_API_BASE_URL=fake_api.base_url,
        TICK_SECONDS="0.5",
        SEND_RATE_PER_SECOND="60",
        SEND_LEASE_SECONDS="5",
        LOG_LEVEL="WARNING",
    )
    process = await start("run", env, tmp_path)
    try:
        await wait_until(lambda: len(fake_api.calls_to("sendMessage")) >= 200, 60, "sending")
        before = len(fake_api.calls_to("sendMessage"))
        downtime = await asyncio.to_thread(_restart_postgres)
        restarted_at = time.monotonic()
        await wait_until(
            lambda: (
                len({c.params["chat_id"] for c in fake_api.calls_to("sendMessage") if c.ok})
                >= BURST
            ),
            180,
            "every reminder after the restart",
        )
        caught_up = time.monotonic() - restarted_at
        await asyncio.sleep(6)  # past a lease
        assert process.returncode is None, "the bot died instead of carrying on"
    finally:
        err = (await stop(process)).decode()
    per_chat = Counter(int(c.params["chat_id"]) for c in fake_api.calls_to("sendMessage") if c.ok)
    summary = {
        "burst": BURST,
        "sent_before_restart": before,
        "restart_seconds": round(downtime, 1),
        "restart_to_all_sent_s": round(caught_up, 1),
        "lost": BURST - len(per_chat),
        "sent_twice": sum(n - 1 for n in per_chat.values()),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "postgres_restart.json").write_text(json.dumps(summary, indent=2))
    print(f"\npostgres restart: {json.dumps(summary)}")
    assert summary["lost"] == 0
    assert summary["sent_twice"] <= 16
    assert "database cannot be reached" in err or "retrying" in err or err == ""
