"""Memory of the whole bot process: `recovery-bot run` with 100,000 patients, through a burst.

    .venv/bin/python bench/bench_run_rss.py                # 100,000 patients, all due at once
    .venv/bin/python bench/bench_run_rss.py --patients 20000 --send-seconds 10

The scheduling benchmark measures the tick in a process of its own; this one runs the real
`recovery-bot run` (python-telegram-bot Application polling the fake Bot API, JobQueue with the
tick, follow-ups and check-ins, the outbox sender, the place-name index warmed for time-zone
questions) against a scratch Postgres database holding ``--patients`` patients whose reminders
all come due in the same minute. It reports how long the burst took to reach the outbox, the
send rate afterwards, and the process's resident memory (VmRSS, and the peak VmHWM) read from
/proc at each stage. Results go in bench/results/scheduling.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import bench_scheduling as sched  # noqa: E402

TOKEN = "123456:TEST"


def rss(pid: int) -> dict[str, float]:
    values: dict[str, float] = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024.0
    return values


async def counts(dsn: str) -> tuple[int, int]:
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            "SELECT count(*) FILTER (WHERE kind = 'reminder') AS queued, "
            "count(*) FILTER (WHERE kind = 'reminder' AND status = 'sent') AS sent FROM outbox"
        )
    finally:
        await conn.close()
    assert row is not None
    return int(row["queued"]), int(row["sent"])


async def main(opts: argparse.Namespace) -> int:
    name = f"bench_rss_{os.getpid()}"
    url = await sched.create_database(opts.admin_dsn, name)
    dsn = sched._db_url(opts.admin_dsn, name)
    api = sched.FakeApiProcess(latency=0.0)
    process: subprocess.Popen[bytes] | None = None
    try:
        now = datetime.now(UTC)
        await sched.populate(dsn, 1, opts.patients, now - timedelta(days=1))
        due = (now - timedelta(seconds=30)).replace(microsecond=0)
        made = await sched.prepare_burst(dsn, due, opts.patients, opts.patients, 0)
        env = {
            **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")},
            "DATABASE_URL": url,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": api.base_url,
            "LOG_LEVEL": "WARNING",
            "TICK_SECONDS": "1",
            "SECRET_KEY": "bench-secret-bench-secret-bench-secret-0123",
        }
        started = time.perf_counter()
        process = subprocess.Popen(  # noqa: ASYNC220 - started once, not awaited
            [str(REPO / ".venv" / "bin" / "recovery-bot"), "run"],
            env=env,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        await asyncio.sleep(2)
        at_start = rss(process.pid)
        queued = 0
        while queued < made:
            if process.poll() is not None:
                raise RuntimeError("recovery-bot run exited early")
            await asyncio.sleep(0.5)
            queued, _ = await counts(dsn)
            if time.perf_counter() - started > 600:
                raise RuntimeError(f"burst not queued after 10 minutes ({queued}/{made})")
        burst_done = time.perf_counter() - started
        after_burst = rss(process.pid)
        _, sent_before = await counts(dsn)
        await asyncio.sleep(opts.send_seconds)
        _, sent_after = await counts(dsn)
        after_sending = rss(process.pid)
    finally:
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        api.close()
        await sched.drop_database(opts.admin_dsn, name)
    rate = (sent_after - sent_before) / opts.send_seconds
    print(f"## `recovery-bot run` with {opts.patients:,} patients, all due in one minute\n")
    print(f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    print(f"- command: `.venv/bin/python bench/bench_run_rss.py --patients {opts.patients}`")
    print(f"- reminders queued: {queued:,} of {made:,}, {burst_done:.1f} s after the process start")
    print(
        f"- sent in the next {opts.send_seconds:.0f} s: {sent_after - sent_before} ({rate:.1f}/s)"
    )
    print()
    print("| moment | VmRSS | peak so far (VmHWM) |")
    print("|---|---:|---:|")
    for label, sample in (
        ("2 s after start", at_start),
        ("burst queued", after_burst),
        (f"after {opts.send_seconds:.0f} s of sending", after_sending),
    ):
        print(f"| {label} | {sample['VmRSS']:.0f} MB | {sample['VmHWM']:.0f} MB |")
    goal = after_sending["VmHWM"] <= 200
    print(f"\nGoal: peak RSS at most 200 MB: {'met' if goal else 'NOT met'}.")
    return 0 if goal else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--send-seconds", type=float, default=20.0)
    parser.add_argument(
        "--admin-dsn", default=os.environ.get("BENCH_ADMIN_DSN", sched.ADMIN_DSN_DEFAULT)
    )
    sys.exit(asyncio.run(main(parser.parse_args())))
