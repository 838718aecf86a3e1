"""`recovery-bot demo` (and `run` with no token): the product working, offline.

The sample clinic is on the dashboard; in a terminal, the user is a patient in a chat. The real
tick, follow-ups, check-ins and outbox sender run as in a clinic, on a demo clock that runs
``speed`` times as fast as the wall clock (stated in the banner), and deliver to the terminal
(:mod:`bot.demo_channel`) instead of Telegram. Sign-in links and dashboard sessions keep the
wall clock. Log lines go to a file while the chat is on, so they never land in the conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.chat_cli import DemoWord, ReadLine, TerminalChat, Write
from bot.clock import Clock, ScaledClock, SystemClock
from bot.config import DEFAULT_DATA_DIR, Settings
from bot.dashboard.server import bind, serve_dashboard
from bot.db import migrate
from bot.demo_channel import TerminalBot
from bot.logs import HANDLER_NAME, configure_logging
from bot.runtime import app_context, safe_url
from bot.services.clinics import OperatorError
from bot.services.context import AppContext
from bot.services.demo import (
    DEMO_STAFF_TELEGRAM_ID,
    demo_clock_start,
    remind_now,
    seed_demo,
)
from bot.services.enrolment import patient_by_chat
from bot.services.inbox import Inbox, Sender
from bot.services.staff_auth import LINK_LIFETIME, create_login_link
from jobs.periodic import Scheduled
from jobs.sender import OutboxSender

log = logging.getLogger(__name__)

DEFAULT_SPEED = 30.0
MAX_SPEED = 3600.0  # a demo hour a second
# The tick looks for due reminders this often (wall seconds) in the demo, so "now" is quick.
DEMO_TICK_SECONDS = 2.0
DEMO_CHAT_ID = 1  # the same patient as `recovery-bot chat` talks as by default
DEMO_PATIENT = "Demo patient"
FINISH_SECONDS = 20.0
WIDTH = 96


@dataclass(frozen=True)
class Terminal:
    """Where the chat reads and writes (the real terminal, or a test's script)."""

    read: ReadLine
    write: Write
    reprompt: Callable[[], None] | None = None


def command_prefix(cwd: Path | None = None) -> str:
    """How to run recovery-bot as the user started it: from a checkout, through tasks.py."""
    here = cwd or Path.cwd()
    return "python3 tasks.py run" if (here / "tasks.py").is_file() else "recovery-bot"


def log_path(settings: Settings) -> Path:
    """demo.log beside the demo's SQLite file (or under ./data on another database)."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).parent / "demo.log"
    return DEFAULT_DATA_DIR / "demo.log"


def real_duration(demo_minutes: float, speed: float) -> str:
    """How long ``demo_minutes`` of demo time take on the wall clock, in words."""
    seconds = demo_minutes * 60 / speed
    if seconds < 90:
        whole = max(1, round(seconds))
        return f"{whole} second{'' if whole == 1 else 's'}"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} minutes"
    return f"{seconds / 3600:.1f} hours"


def clock_note(settings: Settings, speed: float) -> str:
    if speed == 1:
        return "The demo clock is the wall clock (--speed 1): reminders keep their real times."
    nudge, window = settings.nudge_after_minutes, settings.dose_window_minutes
    return (
        f"The demo clock runs {speed:g}x as fast as yours: an unanswered reminder nudges after "
        f"{real_duration(nudge, speed)} ({nudge} min in a clinic), its window closes after "
        f"{real_duration(window, speed)} ({window} min), and a 15-minute snooze takes "
        f"{real_duration(15, speed)}. Sign-in links keep real time; --speed 1 runs everything "
        "in real time."
    )


def banner(settings: Settings, link: str, speed: float, chat: bool, log_file: Path | None) -> str:
    run = command_prefix()
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    lines = [
        "Demo mode: no TELEGRAM_BOT_TOKEN is set, so nothing goes to Telegram. "
        f"Data: {safe_url(settings.database_url)}",
        "",
        "The staff dashboard is running with a sample clinic (12 patients, 90 days of history).",
        f"Open this one-time link in a browser within {minutes} minutes:",
        "",
        f"  {link}",
        "",
        textwrap.fill(clock_note(settings, speed), WIDTH),
        textwrap.fill(
            "Reminders, nudges, check-ins and alerts come from the real jobs; the sample "
            "patients answer their reminders about as often as their histories say.",
            WIDTH,
        ),
        "",
        f"A new login link: {_public_url_prefix(settings)}{run} staff login-link "
        f"--telegram-id {DEMO_STAFF_TELEGRAM_ID}",
    ]
    if log_file is not None:
        lines.append(f"Log lines go to {log_file}.")
    if chat:
        lines.append(
            "Below, you are a patient: enrol (the first time), then type `now` for a reminder "
            "and /checkin for a check-in."
        )
    else:
        lines.append(
            "Ctrl-C stops the demo. Run the same command in a terminal to be a patient in a chat."
        )
    return "\n".join(lines) + "\n"


def _public_url_prefix(settings: Settings) -> str:
    """The links `staff login-link` prints point at PUBLIC_URL: name the demo's own address
    when it is not the default one."""
    default = Settings.model_fields["public_url"].default
    return "" if settings.public_url == default else f"PUBLIC_URL={settings.public_url} "


def goodbye(settings: Settings, host: str, port: int) -> str:
    return (
        f"Stopping the demo: the dashboard at http://{host}:{port}, the reminder jobs and this "
        f"chat.\nEverything is kept in {safe_url(settings.database_url)}; "
        f"`{command_prefix()}` starts it again where it left off."
    )


async def run_demo(
    settings: Settings,
    host: str,
    port: int,
    stop: asyncio.Event,
    *,
    terminal: Terminal | None,
    speed: float = DEFAULT_SPEED,
    out: Write = print,
    log_file: Path | None = None,
) -> int:
    """Serve the sample clinic and run the jobs until ``stop`` (or the chat's `quit`)."""
    if not 0 < speed <= MAX_SPEED:
        raise OperatorError(f"--speed must be more than 0 and at most {MAX_SPEED:g}")
    try:
        # Before anything is printed: a link to a port another process holds would open that
        # process's page, or nothing.
        sock = bind(host, port)
    except OSError as exc:
        raise OperatorError(
            f"cannot serve the dashboard on {host}:{port} "
            f"({exc.strerror or type(exc).__name__}); is another demo or dashboard running? "
            "Choose a port with --port (or DASHBOARD_PORT)"
        ) from None
    try:
        await migrate.upgrade(settings.database_url)
        if settings.public_url.startswith(("http://127.0.0.1", "http://localhost")):
            settings = settings.model_copy(update={"public_url": f"http://{host}:{port}"})
        settings = settings.model_copy(
            update={"tick_seconds": min(settings.tick_seconds, DEMO_TICK_SECONDS)}
        )
        clock: Clock = SystemClock()
        if speed != 1:
            async with app_context(settings) as probe:
                clock = ScaledClock(speed, await demo_clock_start(probe))
        if terminal is None:
            log_file = None  # nothing to keep clear of: the lines go where they always go
        else:
            log_file = log_file or log_path(settings)
            log_file.parent.mkdir(parents=True, exist_ok=True)
        with _logging_to(settings, log_file):
            async with app_context(settings, clock=clock, wall_clock=SystemClock()) as ctx:
                code, staff_id = await seed_demo(ctx)
                link = await create_login_link(ctx, staff_id, via="operator")
                out(banner(settings, link, speed, terminal is not None, log_file))
                await _serve(ctx, host, port, stop, sock, terminal, code, speed)
    finally:
        sock.close()
    return 0


async def _serve(
    ctx: AppContext,
    host: str,
    port: int,
    stop: asyncio.Event,
    sock: socket.socket,
    terminal: Terminal | None,
    code: str,
    speed: float,
) -> None:
    chat: TerminalChat | None = None
    if terminal is not None:

        async def now() -> str:
            return await remind_now(ctx, DEMO_CHAT_ID)

        chat = TerminalChat(
            Inbox(ctx),
            Sender(DEMO_CHAT_ID, DEMO_PATIENT),
            terminal.write,
            words={"now": DemoWord("to get your next reminder now (a practice dose)", now)},
            goodbye=goodbye(ctx.settings, host, port),
            reprompt=terminal.reprompt,
        )
    bot = TerminalBot(ctx, chat)
    lease = timedelta(seconds=ctx.settings.send_lease_seconds * speed)
    server = asyncio.create_task(serve_dashboard(ctx, host, port, stop, sock=sock))
    sender = asyncio.create_task(OutboxSender(ctx, bot, lease=lease).run(stop))
    scheduled = Scheduled.start(ctx)
    try:
        if chat is not None and terminal is not None:
            chatting = asyncio.create_task(chat.run(terminal.read, first=await _first(ctx, code)))
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({chatting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if chatting.done():
                chatting.result()  # `quit`, or the input ended: it said goodbye
                return  # the finally below stops the rest
            chatting.cancel()  # Ctrl-C
            chat.close()
        await stop.wait()
    finally:
        stop.set()
        await scheduled.stop(FINISH_SECONDS)
        await asyncio.gather(server, sender, return_exceptions=True)
        await bot.finish()


async def _first(ctx: AppContext, code: str) -> str | None:
    async with ctx.sessions() as session:
        enrolled = await patient_by_chat(session, DEMO_CHAT_ID) is not None
    return None if enrolled else f"/start {code}"


@contextlib.contextmanager
def _logging_to(settings: Settings, log_file: Path | None) -> Iterator[None]:
    """Log lines to ``log_file`` for the duration, then back to where they went before."""
    if log_file is None:
        yield
        return
    root = logging.getLogger()
    before = ([h for h in root.handlers if h.get_name() == HANDLER_NAME], root.level)
    secrets = [settings.telegram_bot_token or "", settings.secret_key]
    with log_file.open("a", encoding="utf-8") as stream:
        handler = configure_logging(
            settings.log_level, secrets, fmt=settings.log_format, stream=stream
        )
        try:
            yield
        finally:
            root.removeHandler(handler)
            for previous in before[0]:
                root.addHandler(previous)
            root.setLevel(before[1])
