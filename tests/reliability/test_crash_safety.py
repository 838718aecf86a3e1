"""`recovery-bot run` killed with SIGKILL at random moments of a 5,000-reminder burst, ten times,
then left to finish: nothing is lost, and what is sent twice is bounded by the sends in flight
at each kill (jobs/sender.py: at-least-once delivery with deduplication)."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.db.migrate import upgrade
from bot.db.models import DoseEvent, OutboxMessage, Schedule
from bot.runtime import app_context
from tests.conftest import TEST_TOKEN, make_settings
from tests.e2e.test_workers import start, stop
from tests.fakes.bot_api import FakeBotApi
from tests.integration.test_cli import clean_env
from tests.reliability.conftest import seed_burst, wait_until

pytestmark = [pytest.mark.long, pytest.mark.postgres]

BURST = int(os.environ.get("CRASH_BURST", "5000"))
ROUNDS = int(os.environ.get("CRASH_ROUNDS", "10"))
IN_FLIGHT = 16  # OutboxSender's max_in_flight default: the sends a kill can leave unrecorded
RESULTS = Path(os.environ.get("RELIABILITY_RESULTS", "artifacts/reliability"))


async def test_sigkill_at_random_moments_loses_no_reminder(
    pg_url: str, tmp_path: Path, fake_api: FakeBotApi
) -> None:
    await upgrade(pg_url)
    await seed_burst(pg_url, BURST)
    env = clean_env(
        DATABASE_URL=pg_url,
        TELEGRAM_BOT_TOKEN=TEST_TOKEN,
        TELEGRAM_API_BASE_URL=fake_api.base_url,
        TICK_SECONDS="0.2",
        SEND_RATE_PER_SECOND="400",
        SEND_LEASE_SECONDS="3",
        LOG_LEVEL="WARNING",
    )
    rng = random.Random(int(os.environ.get("CRASH_SEED", "2026")))
    rounds = []
    for n in range(ROUNDS):
        before = len(fake_api.calls_to("sendMessage"))
        process = await start("run", env, tmp_path)
        started = time.monotonic()
        # Half the kills at any moment from start-up on (migrations, the first tick, claiming),
        # half once sending is under way (mid-batch, between a send and its record).
        if rng.random() < 0.5:
            await asyncio.sleep(rng.uniform(0.5, 4.0))
            moment = "any"
        else:
            await wait_until(
                lambda b=before: len(fake_api.calls_to("sendMessage")) > b, 60, "the bot to send"
            )
            await asyncio.sleep(rng.uniform(0.0, 1.5))
            moment = "sending"
        process.send_signal(signal.SIGKILL)
        await process.wait()
        rounds.append(
            {
                "round": n + 1,
                "moment": moment,
                "alive_seconds": round(time.monotonic() - started, 2),
                "sent_in_round": len(fake_api.calls_to("sendMessage")) - before,
            }
        )
    process = await start("run", env, tmp_path)
    recovered_at = time.monotonic()
    try:
        await wait_until(
            lambda: (
                len({c.params["chat_id"] for c in fake_api.calls_to("sendMessage") if c.ok})
                >= BURST
            ),
            300,
            "every reminder",
        )
        finished = time.monotonic() - recovered_at
        await asyncio.sleep(4)  # past a lease: anything still pending would come now
    finally:
        await stop(process)

    per_chat = Counter(int(c.params["chat_id"]) for c in fake_api.calls_to("sendMessage") if c.ok)
    lost = BURST - len(per_chat)
    doubled = sum(n - 1 for n in per_chat.values())
    async with app_context(make_settings(pg_url)) as ctx, ctx.sessions() as session:
        doses = await session.scalar(select(func.count()).select_from(DoseEvent))
        pending = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != "sent")
        )
        still_due = await session.scalar(
            select(func.count()).select_from(Schedule).where(Schedule.next_due_at <= func.now())
        )
    summary = {
        "burst": BURST,
        "kills": ROUNDS,
        "lost": lost,
        "sent_twice": doubled,
        "bound": ROUNDS * IN_FLIGHT,
        "dose_rows": doses,
        "outbox_not_sent": pending,
        "schedules_still_due": still_due,
        "last_restart_to_all_sent_s": round(finished, 1),
        "rounds": rounds,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "crash_safety.json").write_text(json.dumps(summary, indent=2))
    print(f"\ncrash safety: {json.dumps({k: v for k, v in summary.items() if k != 'rounds'})}")
    assert lost == 0
    assert doses == BURST and pending == 0 and still_due == 0
    assert doubled <= ROUNDS * IN_FLIGHT  # only sends in flight at a kill can repeat
