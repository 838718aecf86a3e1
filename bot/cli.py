"""The ``recovery-bot`` command line (also ``python -m bot``)."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import signal
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError, OperationalError
from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TimedOut

from bot import operator_cli
from bot.config import (
    ConfigError,
    Settings,
    insecure_secret,
    insecure_secret_message,
    is_loopback,
    load_settings,
)
from bot.db import migrate
from bot.db.errors import UNREACHABLE
from bot.db.errors import describe as describe_db_failure
from bot.db.models import StaffRole
from bot.domain.timezones import warm_up
from bot.logs import configure_logging
from bot.runtime import app_context, safe_url
from bot.services.clinics import (
    OperatorError,
    add_clinic,
    add_staff,
    deactivate_staff,
    list_clinics,
    set_quiet_hours,
)
from bot.services.context import AppContext
from jobs.sender import OutboxSender, sender_bot

if TYPE_CHECKING:
    from bot.sms.server import SmsListener

log = logging.getLogger("bot")

DEMO_CLINIC = "Demo Clinic"
DEMO_CHAT_ID = 1
# How long a stopping `jobs` worker lets job runs under way finish (one transaction each; on
# SQLite one may first wait for the write lock, up to its 15 s busy timeout).
JOB_FINISH_SECONDS = 20.0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="recovery-bot",
        description="Medication reminders and support between sessions, for people taking "
        "naltrexone and their care team.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = sub.add_parser(
        "run", help="run the Telegram bot and its jobs (offline chat without a token)"
    )
    run.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates on WEBHOOK_URL instead of long polling",
    )
    sub.add_parser("jobs", help="run only the periodic jobs (for extra workers)")
    demo = sub.add_parser(
        "demo", help="a sample clinic on the staff dashboard, and the bot in this terminal"
    )
    demo.add_argument("--host", help="default: DASHBOARD_HOST or 127.0.0.1")
    demo.add_argument("--port", type=int, help="default: DASHBOARD_PORT or 8080")
    demo.add_argument(
        "--speed",
        type=float,
        default=None,
        help="how many times faster than real time the demo clock runs (default 30; 1 = real)",
    )
    demo.add_argument(
        "--chat",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="be a patient in a chat in this terminal (default: when it is a terminal)",
    )
    dashboard = sub.add_parser("dashboard", help="serve the staff web dashboard")
    dashboard.add_argument("--host", help="default: DASHBOARD_HOST or 127.0.0.1")
    dashboard.add_argument("--port", type=int, help="default: DASHBOARD_PORT or 8080")
    summary = sub.add_parser("summary", help="each clinic's adherence summary")
    summary.add_argument("--days", type=int, default=30, help="days covered over the last N days")
    summary.add_argument("--json", action="store_true", help="one JSON document")
    summary.add_argument("--clinic", help="only this clinic (its invite code)")
    chat = sub.add_parser("chat", help="talk to the bot as a patient in this terminal")
    chat.add_argument(
        "--chat-id",
        type=int,
        default=DEMO_CHAT_ID,
        help="which pretend patient you are (default: %(default)s)",
    )
    chat.add_argument("--code", help="the clinic invite code to join with")

    ask = sub.add_parser("ask", help="ask the bot a question, as a patient would")
    ask.add_argument("questions", nargs="*", help="the question; `-` or none reads stdin")
    ask.add_argument("--json", action="store_true", help="one JSON object per question")
    ask.add_argument(
        "--lang",
        choices=("en", "es"),
        default="en",
        help="the patient's language: the one the answer is given in (default en)",
    )

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade = db_sub.add_parser("upgrade", help="apply migrations (safe to repeat)")
    upgrade.add_argument(
        "--app-role",
        metavar="ROLE",
        help="Postgres: then create or update this login role for the bot, jobs and dashboard, "
        "which can use the tables but only read and append to the audit log "
        "(its password comes from APP_DB_PASSWORD)",
    )

    clinic = sub.add_parser("clinic", help="manage clinics")
    clinic_sub = clinic.add_subparsers(dest="clinic_command", required=True, metavar="ACTION")
    clinic_add = clinic_sub.add_parser("add", help="create a clinic and print its invite link")
    clinic_add.add_argument("name")
    clinic_sub.add_parser("list", help="list clinics with their invite codes")
    clinic_quiet = clinic_sub.add_parser(
        "quiet-hours",
        help="hold a clinic's texts that can wait at night (else SMS_QUIET_HOURS)",
    )
    clinic_quiet.add_argument("code", help="the clinic's invite code")
    clinic_quiet.add_argument(
        "hours", help="HH:MM-HH:MM in each patient's local time (21:00-08:00), off, or default"
    )

    staff = sub.add_parser("staff", help="manage staff accounts")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True, metavar="ACTION")
    staff_add = staff_sub.add_parser("add", help="add (or update) a staff member")
    staff_add.add_argument(
        "--telegram-id", type=int, required=True, help="their numeric Telegram user id"
    )
    staff_add.add_argument("--name", required=True)
    staff_add.add_argument("--clinic", required=True, help="the clinic's invite code")
    staff_add.add_argument("--admin", action="store_true", help="make them a clinic admin")
    staff_add.add_argument(
        "--timezone", default="UTC", help="their IANA time zone, for times in alerts and digests"
    )
    staff_remove = staff_sub.add_parser(
        "remove", help="deactivate a staff member who has left (their sign-ins end)"
    )
    staff_remove.add_argument("--telegram-id", type=int, required=True)
    staff_link = staff_sub.add_parser(
        "login-link", help="print a one-time dashboard link for a staff member"
    )
    staff_link.add_argument("--telegram-id", type=int, required=True)

    patient = sub.add_parser("patient", help="patients: invite a phone number to enrol by text")
    patient_sub = patient.add_subparsers(dest="patient_command", required=True, metavar="ACTION")
    patient_invite = patient_sub.add_parser(
        "invite", help="text a phone number an invitation to enrol with a clinic (SMS on)"
    )
    patient_invite.add_argument(
        "--phone", required=True, help="their mobile number, with its country code: +1 415 555 2671"
    )
    patient_invite.add_argument("--clinic", required=True, help="the clinic's invite code")
    patient_invite.add_argument(
        "--language", choices=("en", "es"), default="en", help="the invitation's (default en)"
    )

    content = sub.add_parser("content", help="the curated answers: clinician review, clinic files")
    content_sub = content.add_subparsers(dest="content_command", required=True, metavar="ACTION")
    review = content_sub.add_parser(
        "review", help="list snippets never reviewed, or changed since their sign-off"
    )
    review.add_argument("--json", action="store_true", help="one JSON document")
    content_add = content_sub.add_parser(
        "add", help="check a clinic's own snippet file and install it as content/clinics/CODE.toml"
    )
    content_add.add_argument("--clinic", required=True, help="the clinic's invite code")
    content_add.add_argument("--file", required=True, type=Path, help="the clinic's .toml file")
    content_add.add_argument(
        "--dir", type=Path, help="install into this folder (default: content/clinics)"
    )
    return parser


async def _bot_username(settings: Settings) -> tuple[str | None, str | None]:
    """The bot's username from getMe, or None and why it is missing (for the operator)."""
    if settings.telegram_bot_token is None:
        return None, "Set TELEGRAM_BOT_TOKEN to fill in the bot's username."
    bot = Bot(settings.telegram_bot_token, base_url=settings.telegram_api_base_url)
    # python-telegram-bot logs a traceback (and the raw answer) for a body it cannot parse; the
    # operator gets one sentence from us instead.
    ptb_log = logging.getLogger("telegram")
    level = ptb_log.level
    ptb_log.setLevel(logging.CRITICAL)
    try:
        async with bot:
            return bot.username, None
    except InvalidToken:
        return None, "Telegram refused TELEGRAM_BOT_TOKEN; check it with @BotFather."
    except (NetworkError, TimedOut):
        return None, (
            "Could not reach the Bot API at "
            f"{settings.telegram_api_base_url.removesuffix('/bot')} "
            "to look up the bot's username."
        )
    except Exception as exc:  # any answer we cannot read must not hide the code
        return None, (
            "Telegram's answer to getMe could not be read "
            f"({type(exc).__name__}), so the bot's username is missing."
        )
    finally:
        ptb_log.setLevel(level)


def deep_link(username: str | None, code: str) -> str:
    return f"https://t.me/{username or '<your_bot_username>'}?start={code}"


async def _clinic_add(settings: Settings, name: str) -> int:
    async with app_context(settings) as ctx:
        clinic = await add_clinic(ctx.sessions, ctx.clock, name)
    # The clinic is saved: its code is printed before anything that talks to Telegram, so
    # whatever Telegram answers, the operator leaves with a code patients can use.
    print(f"Clinic:      {clinic.name}")
    print(f"Invite code: {clinic.invite_code}", flush=True)
    username, why = await _bot_username(settings)
    print(f"Invite link: {deep_link(username, clinic.invite_code)}")
    if why is not None:
        print(f"({why} Patients can also send /start {clinic.invite_code} to the bot.)")
    return 0


async def _clinic_quiet_hours(settings: Settings, code: str, hours: str) -> int:
    async with app_context(settings) as ctx:
        name, stored = await set_quiet_hours(ctx.sessions, ctx.clock, code, hours)
    if stored is None:
        print(f"{name}: texts that can wait follow SMS_QUIET_HOURS ({settings.sms_quiet_hours}).")
    elif stored == "off":
        print(f"{name}: no quiet hours; texts that can wait go out at any hour.")
    else:
        print(f"{name}: texts that can wait are held {stored}, each patient's local time.")
    return 0


async def _clinic_list(settings: Settings) -> int:
    async with app_context(settings) as ctx:
        rows = await list_clinics(ctx.sessions)
    if not rows:
        print('No clinics yet. Add one with: recovery-bot clinic add "Clinic name"')
    for row in rows:
        print(f"{row.invite_code}  {row.name}  ({row.staff} staff)")
    return 0


async def _staff_add(settings: Settings, args: argparse.Namespace) -> int:
    async with app_context(settings) as ctx:
        staff = await add_staff(
            ctx.sessions,
            ctx.clock,
            telegram_user_id=args.telegram_id,
            name=args.name,
            clinic_code=args.clinic,
            role=StaffRole.ADMIN if args.admin else StaffRole.STAFF,
            timezone=args.timezone,
        )
    verb = "Added" if staff.created else "Updated"
    print(f"{verb} {staff.name} as staff at {staff.clinic_name}.")
    return 0


async def _staff_remove(settings: Settings, telegram_id: int) -> int:
    async with app_context(settings) as ctx:
        name = await deactivate_staff(ctx.sessions, ctx.clock, telegram_id)
    print(f"{name} is no longer active staff: no alerts, digests or dashboard access.")
    return 0


async def _ensure_demo_clinic(settings: Settings) -> str:
    async with app_context(settings) as ctx:
        for row in await list_clinics(ctx.sessions):
            if row.name == DEMO_CLINIC:
                return row.invite_code
        return (await add_clinic(ctx.sessions, ctx.clock, DEMO_CLINIC)).invite_code


async def _chat(settings: Settings, chat_id: int, code: str | None) -> int:
    code = code or await _ensure_demo_clinic(settings)
    async with app_context(settings) as ctx:
        await _terminal_chat(ctx, chat_id, code)
    return 0


async def _terminal_chat(ctx: AppContext, chat_id: int, code: str) -> None:
    from bot.chat_cli import TerminalChat, terminal_readline
    from bot.services.enrolment import patient_by_chat
    from bot.services.inbox import Inbox, Sender

    if ctx.settings.log_level == "INFO":
        # Routine INFO lines would interleave with the conversation on the same terminal.
        logging.getLogger().setLevel(logging.WARNING)
    async with ctx.sessions() as session:
        enrolled = await patient_by_chat(session, chat_id) is not None
    chat = TerminalChat(Inbox(ctx), Sender(chat_id, "Demo patient"), print)
    await chat.run(terminal_readline, first=None if enrolled else f"/start {code}")


def _say(text: str) -> None:
    print(text, flush=True)


async def _demo(
    settings: Settings,
    host: str,
    port: int,
    speed: float | None = None,
    chat: bool | None = None,
) -> int:
    """The sample clinic on the dashboard, the jobs on a fast clock; in a terminal, the bot as
    a chat."""
    from bot.chat_cli import terminal_readline, terminal_reprompt
    from bot.demo_run import DEFAULT_SPEED, Terminal, run_demo

    interactive = sys.stdin.isatty() if chat is None else chat
    terminal = Terminal(terminal_readline, _say, terminal_reprompt) if interactive else None
    return await run_demo(
        settings,
        host,
        port,
        _stop_on_signals(),
        terminal=terminal,
        speed=DEFAULT_SPEED if speed is None else speed,
        out=_say,
    )


async def _run(settings: Settings, use_webhook: bool = False) -> int:
    if settings.offline:
        return await _demo(settings, settings.dashboard_host, settings.dashboard_port)
    if use_webhook and _refuse_insecure_secret(settings, "`run --webhook`"):
        return 2
    await migrate.upgrade(settings.database_url)
    from bot.telegram.app import build_application, serve, webhook_from

    if use_webhook and settings.webhook_url is None:
        print(
            "recovery-bot: --webhook needs WEBHOOK_URL (the public https address Telegram "
            "should post to)",
            file=sys.stderr,
        )
        return 2

    if insecure_secret(settings):
        log.warning(
            "SECRET_KEY is unset, the development default or too short; set a long random "
            "value (webhook mode, `jobs` and a public dashboard refuse to start without one)"
        )

    # Place names and zone polygons take a second or two to load; do it off the event loop
    # before the first patient needs them.
    warming = asyncio.create_task(asyncio.to_thread(_warm_up))
    async with app_context(settings) as ctx, sender_bot(settings) as bot:
        application = build_application(ctx)
        stop = _stop_on_signals()
        webhook = webhook_from(settings) if use_webhook else None
        sms = _sms_listener(ctx)
        log.info("starting the Telegram bot (%s)", "webhook" if webhook else "long polling")
        sending = asyncio.create_task(OutboxSender(ctx, bot, lease=_lease(settings)).run(stop))
        texting = asyncio.create_task(sms.serve(stop)) if sms is not None else None
        try:
            await serve(application, stop, webhook)
        finally:
            stop.set()
            await sending
            if texting is not None:
                await texting
    await warming
    log.info("stopped")
    return 0


def _sms_listener(ctx: AppContext) -> SmsListener | None:
    """Twilio's webhooks on SMS_WEBHOOK_PORT, bound now (a port in use stops `run` at once),
    or None when SMS is off."""
    from bot.sms.server import SmsListener, listen_address

    address = listen_address(ctx.settings)
    return SmsListener.bind(ctx, *address) if address is not None else None


def _content_review(as_json: bool) -> int:
    """Everything awaiting a clinician's sign-off: the snippets (shared and each installed clinic
    file), the shared snippets' Spanish texts, and the catalog's Spanish entries flagged
    ``needs-review`` (by catalog file)."""
    from bot.qa.content import ContentError, clinics_dir, load_clinic_content, load_content
    from bot.qa.coping import load_coping
    from bot.qa.review import ReviewItem, awaiting_review, catalog_awaiting_review
    from bot.services.consent import consent_awaiting_review, file_version

    try:
        shared = load_content()
        contents = [shared] + [
            load_clinic_content(path.stem, path, shared)
            for path in sorted(clinics_dir().glob("*.toml"))
        ]
    except ContentError as exc:
        print(f"recovery-bot: {exc}", file=sys.stderr)
        return 1
    total = sum(len(content.snippets) for content in contents)
    items = [item for content in contents for item in awaiting_review(content)]
    spanish_total = sum(1 for s in shared.snippets if s.es is not None)
    spanish = awaiting_review(shared, lang="es")
    spanish_file = shared.spanish_path.name if shared.spanish_path else "snippets.es.toml"
    flagged = catalog_awaiting_review("es")
    coping = [prompt for prompt in load_coping() if prompt.needs_review_es]
    consent = consent_awaiting_review()
    by_file: dict[str, list[tuple[str, str]]] = {}
    for entry in flagged:
        by_file.setdefault(entry.file, []).append((entry.msgid, entry.translation))
    if as_json:

        def row(i: ReviewItem) -> dict[str, object]:
            return {
                "id": i.snippet_id,
                "clinic": i.clinic,
                "title": i.title,
                "hash": i.hash,
                "note": i.note,
                "lang": i.lang,
            }

        report = {
            "snippets": total,
            "awaiting_review": [row(i) for i in items],
            "spanish_snippets": spanish_total,
            "spanish_awaiting_review": [row(i) for i in spanish],
            "coping_awaiting_review": {
                "es": [{"id": prompt.id, "text": prompt.text_es} for prompt in coping]
            },
            "consent_awaiting_review": consent,
            "catalog_awaiting_review": {
                "es": {
                    "total": len(flagged),
                    "files": [
                        {
                            "file": name,
                            "count": len(entries),
                            "entries": [{"msgid": m, "translation": tr} for m, tr in entries],
                        }
                        for name, entries in by_file.items()
                    ],
                }
            },
        }
        print(json.dumps(report, ensure_ascii=False))
        return 0
    print(f"{len(items)} of {total} snippets await a clinician's review.")
    for i in items:
        where = f"[{i.clinic}] " if i.clinic else ""
        print(f'{where}{i.snippet_id}  {i.note}\n    sign off with reviewed_hash = "{i.hash}"')
    print(
        f"\n{len(spanish)} of {spanish_total} Spanish snippet texts ({spanish_file}) await "
        "review by a clinician who is a native speaker."
    )
    for i in spanish:
        print(f'[es] {i.snippet_id}  {i.note}\n    sign off with reviewed_hash = "{i.hash}"')
    print(
        f"\n{len(coping)} Spanish coping prompt{'' if len(coping) == 1 else 's'} "
        "(content/coping.toml) flagged "
        'review_es = "needs-review" (a reviewer empties it):'
    )
    for prompt in coping:
        print(f"  {prompt.id}")
    print(
        f"\n{len(consent)} consent translation{'' if len(consent) == 1 else 's'} "
        "(content/consent.toml) flagged "
        'review = "needs-review" (a reviewer empties it):'
    )
    for lang in consent:
        print(f"  [{lang}] version {file_version()}")
    print(
        f"\n{len(flagged)} Spanish catalog texts are flagged needs-review "
        "(content/locales/es/LC_MESSAGES; a reviewer removes the flag):"
    )
    for name, entries in by_file.items():
        print(f"  {name}: {len(entries)}")
        for msgid, _ in entries:
            first = " ".join(msgid.split())
            print(f"    {first[:90]}{'…' if len(first) > 90 else ''}")
    return 0


def _content_add(code: str, source: Path, directory: Path | None) -> int:
    """Install a clinic's snippet file once it passes every check the bot makes at start-up."""
    from bot.qa.content import ContentError, clinics_dir, load_clinic_content

    try:
        content = load_clinic_content(code, source)
    except ContentError as exc:
        print(f"recovery-bot: refused: {exc}", file=sys.stderr)
        return 1
    assert content.clinic is not None
    target = (directory or clinics_dir()) / f"{content.clinic}.toml"
    replaced = target.exists()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    except OSError as exc:
        print(f"recovery-bot: cannot write {target} ({exc.strerror})", file=sys.stderr)
        return 1
    verb = "Replaced" if replaced else "Installed"
    print(f"{verb} {target}: {len(content.snippets)} snippets for clinic {content.clinic}.")
    print("They await a clinician's review: see `recovery-bot content review`.")
    return 0


def _warm_up() -> None:
    from bot.qa import warm_up as load_answers
    from bot.safety.model import warm_up as load_safety_model

    warm_up()
    load_answers()
    # A missing or unreadable safety model stops the bot at start-up, like bad content: the rules
    # alone would run, but an operator must know the learned layer is gone.
    load_safety_model()


async def _grant_app_role(settings: Settings, role: str) -> int:
    from bot.db.roles import RoleError, grant_app_role

    # From the environment, never the command line, where `ps` would show it to everyone.
    password = os.environ.get("APP_DB_PASSWORD") or None
    try:
        await grant_app_role(settings.database_url, role, password)
    except RoleError as exc:
        print(f"recovery-bot: {exc}", file=sys.stderr)
        return 2
    print(
        f"Role {role} can now use the tables and only read and append to the audit log"
        + ("" if password else " (its password was left as it was: APP_DB_PASSWORD is unset)")
        + "."
    )
    return 0


def _refuse_insecure_secret(settings: Settings, what: str) -> bool:
    """Print why and return True when ``what`` must not start with this SECRET_KEY."""
    if not insecure_secret(settings):
        return False
    print(insecure_secret_message(what), file=sys.stderr)
    return True


def _lease(settings: Settings) -> timedelta:
    return timedelta(seconds=settings.send_lease_seconds)


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    return stop


async def _jobs(settings: Settings) -> int:
    """The tick, follow-ups and sender without polling for updates: add as many as needed
    beside one `run` (on Postgres; SQLite has a single writer)."""
    from jobs.periodic import Scheduled

    if settings.offline:
        print(
            "recovery-bot: `jobs` sends messages, so it needs TELEGRAM_BOT_TOKEN.", file=sys.stderr
        )
        return 2
    if _refuse_insecure_secret(settings, "`jobs`"):
        return 2
    await migrate.upgrade(settings.database_url)
    async with app_context(settings) as ctx, sender_bot(settings) as bot:
        stop = _stop_on_signals()
        scheduled = Scheduled.start(ctx)
        log.info("jobs worker started")
        try:
            await OutboxSender(ctx, bot, lease=_lease(settings)).run(stop)
        finally:
            await scheduled.stop(JOB_FINISH_SECONDS)
    return 0


async def _dispatch(settings: Settings, args: argparse.Namespace) -> int:
    if args.command == "ask":
        from bot.ask_cli import run_ask

        questions = [q for q in args.questions if q != "-"] or None
        return await run_ask(questions, args.json, sys.stdin, sys.stdout, args.lang)
    if args.command == "content":
        if args.content_command == "review":
            return _content_review(args.json)
        return _content_add(args.clinic, args.file, args.dir)
    if args.command == "db":
        await migrate.upgrade(settings.database_url)
        print(f"Database is up to date ({safe_url(settings.database_url)}).")
        if args.app_role:
            return await _grant_app_role(settings, args.app_role)
        return 0
    if args.command in ("clinic", "staff", "chat", "summary", "patient"):
        await migrate.upgrade(settings.database_url)
    if args.command == "summary":
        return await operator_cli.summary(settings, args.days, args.json, args.clinic, sys.stdout)
    if args.command == "dashboard":
        host, port = args.host or settings.dashboard_host, args.port or settings.dashboard_port
        if not is_loopback(host) and _refuse_insecure_secret(
            settings, f"`dashboard` on {host} (reachable from other machines)"
        ):
            return 2
        return await operator_cli.dashboard(settings, host, port, _stop_on_signals())
    if args.command == "clinic":
        if args.clinic_command == "add":
            return await _clinic_add(settings, args.name)
        if args.clinic_command == "quiet-hours":
            return await _clinic_quiet_hours(settings, args.code, args.hours)
        return await _clinic_list(settings)
    if args.command == "staff":
        if args.staff_command == "login-link":
            return await operator_cli.login_link(settings, args.telegram_id, sys.stdout)
        if args.staff_command == "remove":
            return await _staff_remove(settings, args.telegram_id)
        return await _staff_add(settings, args)
    if args.command == "patient":
        return await operator_cli.invite_by_text(
            settings, args.phone, args.clinic, args.language, sys.stdout
        )
    if args.command == "chat":
        return await _chat(settings, args.chat_id, args.code)
    if args.command == "demo":
        host, port = args.host or settings.dashboard_host, args.port or settings.dashboard_port
        return await _demo(settings, host, port, args.speed, args.chat)
    if args.command == "jobs":
        return await _jobs(settings)
    return await _run(settings, use_webhook=args.webhook)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"recovery-bot: configuration error: {exc}", file=sys.stderr)
        return 2
    secrets = [
        settings.telegram_bot_token or "",
        settings.secret_key,
        settings.twilio_auth_token or "",
    ]
    configure_logging(settings.log_level, secrets, fmt=settings.log_format)
    try:
        return asyncio.run(_dispatch(settings, args))
    except OperatorError as exc:
        print(f"recovery-bot: {exc}", file=sys.stderr)
        return 1
    except (OperationalError, DBAPIError, OSError) as exc:
        reason = describe_db_failure(exc)
        if reason is None or reason == UNREACHABLE:
            kind = type(getattr(exc, "orig", None) or exc).__name__
            print(
                f"recovery-bot: cannot use the database at {safe_url(settings.database_url)} "
                f"({kind}). Check DATABASE_URL and that the server is running.",
                file=sys.stderr,
            )
        else:
            print(f"recovery-bot: {reason}.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
