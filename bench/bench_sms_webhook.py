"""Inbound SMS webhook latency (issue 16: "inbound webhook p99 under 50 ms").

    .venv/bin/python bench/bench_sms_webhook.py                      # both databases, ~1 min
    .venv/bin/python bench/bench_sms_webhook.py --db postgres --requests 5000 --concurrency 1 8

1. A scratch database (`bench_sms_<pid>` on the Postgres at --admin-dsn, and a SQLite file),
   migrated to head, with one clinic.
2. The SMS listener as `recovery-bot run` serves it (`bot.sms.server.SmsListener`: uvicorn on a
   free loopback port, the app's own engine and pool, LOG_LEVEL=WARNING) in a child process, so
   the client below does not share its event loop or its CPU accounting.
3. Twilio's side: each request is a urlencoded inbound text signed with `X-Twilio-Signature` by
   the `twilio` library's `RequestValidator` for SMS_PUBLIC_URL, from one of 500 numbers, with a
   body drawn from a fixed mix (below): everyday free text, questions and look-alikes through the
   safety net; crises in both languages; HELP/AYUDA; STOP then START (each writes a row); a lone
   digit. Every answer must be 200 with TwiML; a crisis must come back with 988 in it.
4. Latency is the client's, request sent to answer read (keep-alive connections, one per
   concurrent sender), after 200 warm-up requests; percentiles over --requests requests per
   concurrency level. CPU of the server process and of the client are from /proc.

The figures go to stdout as a Markdown table; bench/results/sms.md keeps the recorded ones.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

SCRIPT = Path(__file__).resolve()
REPO = SCRIPT.parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "fedcba9876543210" * 2  # the shape of an Auth Token; not a real one
PUBLIC = "https://bot.example-clinic.org"
OUR_NUMBER = "+14155550100"
PATH = "/sms/twilio"

# (weight, body, must the answer name 988?)
MIX: list[tuple[int, str, bool]] = [
    (10, "what time should I take my pill", False),
    (6, "thanks, took it this morning", False),
    (5, "can I drink a beer on naltrexone", False),
    (5, "se me olvidó la pastilla de ayer, qué hago", False),
    (4, "ok", False),
    (4, "my back hurts, can I take something for pain", False),
    (3, "stop texting me about beer", False),
    (3, "I want to die", True),
    (2, "quiero morirme, ya no aguanto", True),
    (2, "my friend took a bunch of pills and wont wake up", True),
    (6, "HELP", True),
    (2, "AYUDA", True),
    (4, "STOP", False),
    (4, "START", False),
    (4, "1", True),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _settings_env(url: str, port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        TELEGRAM_BOT_TOKEN="",
        SECRET_KEY="bench-secret",
        LOG_LEVEL="WARNING",
        TWILIO_ACCOUNT_SID=SID,
        TWILIO_AUTH_TOKEN=TOKEN,
        TWILIO_FROM_NUMBER=OUR_NUMBER,
        SMS_PUBLIC_URL=PUBLIC,
        SMS_WEBHOOK_PORT=str(port),
        WEBHOOK_LISTEN="127.0.0.1",
        PYTHONPATH=str(REPO),
    )
    return env


async def _serve() -> None:
    """The child: the SMS listener over the app's context until SIGTERM."""
    from bot.clock import SystemClock
    from bot.config import Settings
    from bot.runtime import app_context
    from bot.sms.server import SmsListener, listen_address

    settings = Settings()
    address = listen_address(settings)
    assert address is not None, "SMS is not configured"
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with app_context(settings, SystemClock()) as ctx:
        listener = SmsListener.bind(ctx, *address)
        print("ready", flush=True)
        await listener.serve(stop)


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _bodies(count: int, seed: int) -> list[tuple[str, str, bool]]:
    rng = random.Random(seed)
    numbers = [f"+1415555{n:04d}" for n in range(500)]
    weights = [w for w, _, _ in MIX]
    picks = rng.choices(MIX, weights=weights, k=count)
    return [(rng.choice(numbers), body, named) for _, body, named in picks]


async def _drive(port: int, requests: int, concurrency: int, seed: int) -> list[float]:
    import httpx
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(TOKEN)
    work = _bodies(requests, seed)
    latencies: list[float] = []
    queue: asyncio.Queue[tuple[str, str, bool]] = asyncio.Queue()
    for item in work:
        queue.put_nowait(item)

    async def sender(client: httpx.AsyncClient) -> None:
        while True:
            try:
                number, body, named = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            form = {
                "AccountSid": SID,
                "ApiVersion": "2010-04-01",
                "Body": body,
                "From": number,
                "MessageSid": "SM" + os.urandom(16).hex(),
                "NumMedia": "0",
                "NumSegments": "1",
                "SmsStatus": "received",
                "To": OUR_NUMBER,
            }
            headers = {"X-Twilio-Signature": validator.compute_signature(PUBLIC + PATH, form)}
            started = time.perf_counter()
            answer = await client.post(PATH, data=form, headers=headers)
            latencies.append(time.perf_counter() - started)
            if answer.status_code != 200 or not answer.text.startswith("<?xml"):
                raise SystemExit(
                    f"unexpected answer {answer.status_code} to a {len(body)}-char text"
                )
            # A contact that said STOP gets nothing back, so 988 is checked only on replies.
            if named and "<Message>" in answer.text and "988" not in answer.text:
                raise SystemExit("a reply that should name 988 did not")

    base = f"http://127.0.0.1:{port}"
    clients = [httpx.AsyncClient(base_url=base, timeout=60) for _ in range(concurrency)]
    try:
        await asyncio.gather(*(sender(c) for c in clients))
    finally:
        for client in clients:
            await client.aclose()
    return latencies


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def _measure(url: str, label: str, opts: argparse.Namespace) -> list[str]:
    from bot.db.migrate import upgrade

    await upgrade(url)
    port = _free_port()
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        str(SCRIPT),
        "--serve",
        env=_settings_env(url, port),
        stdout=asyncio.subprocess.PIPE,
    )
    rows: list[str] = []
    try:
        assert child.stdout is not None
        if (await child.stdout.readline()).strip() != b"ready":
            raise SystemExit("the SMS listener did not start")
        await _drive(port, 200, 1, seed=0)  # warm-up: model loaded, pool filled
        for concurrency in opts.concurrency:
            server_cpu, own_cpu = _cpu(child.pid), time.process_time()
            load = os.getloadavg()[0]
            started = time.perf_counter()
            latencies = await _drive(port, opts.requests, concurrency, seed=concurrency)
            wall = time.perf_counter() - started
            server_cpu = _cpu(child.pid) - server_cpu
            own_cpu = time.process_time() - own_cpu
            rows.append(
                f"| {label} | {concurrency} | {len(latencies):,} | {len(latencies) / wall:,.0f} "
                f"| {statistics.median(latencies) * 1000:.1f} | {_pct(latencies, 0.90):.1f} "
                f"| **{_pct(latencies, 0.99):.1f}** | {max(latencies) * 1000:.1f} "
                f"| {server_cpu / len(latencies) * 1000:.2f} "
                f"| {own_cpu / len(latencies) * 1000:.2f} "
                f"| {load:.2f} → {os.getloadavg()[0]:.2f} |"
            )
            print(rows[-1], flush=True)
    finally:
        child.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(child.wait(), timeout=30)
        except TimeoutError:
            child.kill()
    return rows


async def amain(opts: argparse.Namespace) -> None:
    import bench_scheduling as sched

    print(
        "| database | concurrent senders | requests | requests/s | p50 ms | p90 ms | p99 ms "
        "| max ms | server CPU ms/request | client CPU ms/request | load 1 min |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    if "sqlite" in opts.db:
        with tempfile.TemporaryDirectory() as tmp:
            await _measure(f"sqlite+aiosqlite:///{tmp}/bench.db", "SQLite", opts)
    if "postgres" in opts.db:
        name = f"bench_sms_{os.getpid()}"
        url = await sched.create_database(opts.admin_dsn, name)
        try:
            await _measure(url, "Postgres", opts)
        finally:
            await sched.drop_database(opts.admin_dsn, name)


def main(argv: list[str] | None = None) -> None:
    import bench_scheduling as sched

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--db", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"]
    )
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    parser.add_argument(
        "--admin-dsn", default=os.environ.get("BENCH_ADMIN_DSN", sched.ADMIN_DSN_DEFAULT)
    )
    opts = parser.parse_args(argv)
    if opts.serve:
        asyncio.run(_serve())
        return
    asyncio.run(amain(opts))


if __name__ == "__main__":
    main()
