"""SMS sender throughput (issue 16: "SMS sender throughput at a configured 1 msg/s per number over
10 numbers (at least 95% of the allowed rate)").

    .venv/bin/python bench/bench_sms_sender.py                       # both databases, ~2.5 min
    .venv/bin/python bench/bench_sms_sender.py --db postgres --numbers 10 --rate 1 --texts 600

1. A scratch database (`bench_smssend_<pid>` on the Postgres at --admin-dsn, and a SQLite file),
   migrated to head, with one clinic, and the fake Twilio REST API (tests/fakes/twilio_api.py)
   on 127.0.0.1.
2. Settings as a clinic with a pool of sending numbers would have them: TWILIO_FROM_NUMBER lists
   --numbers numbers, SMS_RATE_PER_NUMBER_PER_SECOND is --rate.
3. --texts numbers are invited to enrol by text (bot.services.sms_invites.invite): one invitation
   each in the outbox, all due at once, each contact sticky to one number of the pool.
4. The outbox sender as `run` and `jobs` run it (`OutboxSender.run`, its claims, leases, rate
   limits and hand-backs) sends them through the real TwilioGateway over HTTP to the fake, until
   every invitation is accepted. The clock is the fake's: when it accepted each text.

Throughput is texts accepted per second from the first to the last; the allowed rate is
numbers x rate. Each number's own rate is checked too (no 1-second window may hold more than
rate + 1 of its texts: one token of burst). The figures go to stdout as a Markdown table;
bench/results/sms.md keeps the recorded ones.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

SCRIPT = Path(__file__).resolve()
REPO = SCRIPT.parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))


def _pool(numbers: int) -> list[str]:
    return [f"+1415555{100 + n:04d}" for n in range(numbers)]


def _most_in_a_second(times: list[datetime]) -> int:
    ordered = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(ordered):
        while (at - ordered[start]).total_seconds() >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


async def _measure(url: str, label: str, opts: argparse.Namespace) -> str:
    import telegram
    from sqlalchemy import select

    from bot.clock import SystemClock
    from bot.db.migrate import upgrade
    from bot.db.models import Clinic
    from bot.runtime import app_context
    from bot.services.clinics import add_clinic
    from bot.services.sms_invites import invite
    from bot.sms.gateway import TwilioGateway
    from jobs.sender import OutboxSender
    from tests.conftest import TEST_TOKEN
    from tests.fakes.bot_api import FakeBotApi
    from tests.fakes.twilio_api import FakeTwilioApi
    from tests.integration.sms_dispatch_support import sms_settings

    await upgrade(url)
    pool = _pool(opts.numbers)
    async with FakeTwilioApi() as twilio, FakeBotApi() as api:
        settings = sms_settings(
            url,
            twilio,
            twilio_from_number=",".join(pool),
            sms_rate_per_number_per_second=opts.rate,
            log_level="WARNING",
        )
        async with app_context(settings, SystemClock()) as ctx:
            made = await add_clinic(ctx.sessions, ctx.clock, "Bench Clinic")
            async with ctx.sessions.begin() as session:
                clinic = await session.scalar(select(Clinic).where(Clinic.id == made.id))
                assert clinic is not None
                for n in range(opts.texts):
                    await invite(session, clinic, f"+1415666{n:04d}", ctx.clock.now())
            bot = telegram.Bot(TEST_TOKEN, base_url=api.base_url)
            async with TwilioGateway.from_settings(settings) as gateway:
                sender = OutboxSender(ctx, bot, sms=gateway)
                stop = asyncio.Event()
                load_before = os.getloadavg()[0]
                cpu_before = resource.getrusage(resource.RUSAGE_SELF)
                started = time.monotonic()
                running = asyncio.create_task(sender.run(stop))
                while len(twilio.messages) < opts.texts:
                    if running.done():
                        running.result()
                        raise SystemExit("the sender stopped before every text was sent")
                    if time.monotonic() - started > opts.texts / (opts.numbers * opts.rate) * 3:
                        raise SystemExit(f"only {len(twilio.messages)} texts sent in time")
                    await asyncio.sleep(0.05)
                stop.set()
                await running
                cpu_after = resource.getrusage(resource.RUSAGE_SELF)
            await bot.shutdown()
    accepted = [m.date_created for m in twilio.messages]
    seconds = (max(accepted) - min(accepted)).total_seconds()
    rate = (len(accepted) - 1) / seconds if seconds > 0 else float("inf")
    allowed = opts.numbers * opts.rate
    by_number: dict[str | None, list[datetime]] = defaultdict(list)
    for message in twilio.messages:
        by_number[message.from_].append(message.date_created)
    bursts = [_most_in_a_second(times) for times in by_number.values()]
    counts = sorted(len(times) for times in by_number.values())
    over = [b for b in bursts if b > opts.rate + 1]
    if set(by_number) != set(pool):
        raise SystemExit("not every number of the pool was used")
    if over:
        raise SystemExit(f"a number sent {max(over)} texts within one second")
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    return (
        f"| {label} | {opts.numbers} | {opts.rate:g}/s | {len(accepted)} | {seconds:.1f} "
        f"| {rate:.2f} | **{100 * rate / allowed:.1f}%** | {counts[0]}-{counts[-1]} "
        f"| {max(bursts)} | {1000 * cpu / len(accepted):.2f} "
        f"| {load_before:.2f} → {os.getloadavg()[0]:.2f} |"
    )


async def amain(opts: argparse.Namespace) -> None:
    import bench_scheduling as sched

    print(
        "| database | numbers | rate per number | texts | seconds | texts/s | of allowed "
        "| texts per number | most per number in 1 s | sender CPU ms/text | load 1 min |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    if "sqlite" in opts.db:
        with tempfile.TemporaryDirectory() as tmp:
            print(await _measure(f"sqlite+aiosqlite:///{tmp}/bench.db", "SQLite", opts))
    if "postgres" in opts.db:
        name = f"bench_smssend_{os.getpid()}"
        url = await sched.create_database(opts.admin_dsn, name)
        try:
            print(await _measure(url, "Postgres", opts))
        finally:
            await sched.drop_database(opts.admin_dsn, name)


def main(argv: list[str] | None = None) -> None:
    import bench_scheduling as sched

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--db", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"]
    )
    parser.add_argument("--numbers", type=int, default=10)
    parser.add_argument("--rate", type=float, default=1.0)
    parser.add_argument("--texts", type=int, default=600)
    parser.add_argument(
        "--admin-dsn", default=os.environ.get("BENCH_ADMIN_DSN", sched.ADMIN_DSN_DEFAULT)
    )
    asyncio.run(amain(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
