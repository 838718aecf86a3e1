"""The python-telegram-bot Application: handlers, rate limiting, command menu, jobs."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from telegram import BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat, Update
from telegram.error import TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.config import Settings
from bot.db.models import Staff
from bot.i18n import DEFAULT, LANGUAGES, N_, t
from bot.services.context import AppContext
from bot.services.inbox import Inbox
from bot.telegram.delivery import with_retries
from bot.telegram.handlers import TelegramHandlers, staff_menu
from bot.telegram.webhook import WebhookApp, WebhookServer
from jobs.periodic import PeriodicJob, periodic_jobs

log = logging.getLogger(__name__)

# The patients' menu: (command, description); the descriptions in each language we speak, set
# for clients in that language (Telegram shows the menu of the client's language_code).
_PATIENT_MENU = [
    ("start", N_("Join with your clinic's invite code")),
    ("checkin", N_("A quick check-in (settings: /checkin settings)")),
    ("progress", N_("How you're doing")),
    ("schedule", N_("See or change your reminders")),
    ("pause", N_("Pause reminders")),
    ("resume", N_("Turn reminders back on")),
    ("support", N_("Add a support person")),
    ("sos", N_("Help now: crisis lines and your care team")),
    ("mydata", N_("Everything I keep about you")),
    ("stop", N_("Stop all messages")),
    ("delete", N_("Erase everything I keep about you")),
    ("language", N_("Choose your language")),
    ("help", N_("What I can do")),
    ("cancel", N_("Stop what we're doing")),
]
# The language command under its name in each language (both work in every language).
_LANGUAGE_COMMAND = {"en": "language", "es": "idioma"}


def patient_commands(lang: str = DEFAULT) -> list[BotCommand]:
    return [
        BotCommand(_LANGUAGE_COMMAND.get(lang, name) if name == "language" else name, t(lang, said))
        for name, said in _PATIENT_MENU
    ]


PATIENT_COMMANDS = patient_commands()
# The handled update types; anything else (channel posts, polls, ...) is never fetched.
ALLOWED_UPDATES = [Update.MESSAGE, Update.EDITED_MESSAGE, Update.CALLBACK_QUERY]


def file_base_url(api_base_url: str) -> str:
    if api_base_url.endswith("/bot"):
        return api_base_url[: -len("/bot")] + "/file/bot"
    return api_base_url.replace("/bot{token}", "/file/bot{token}")


@dataclass(frozen=True)
class Webhook:
    url: str
    listen: str
    port: int
    secret_token: str

    @property
    def path(self) -> str:
        return urlsplit(self.url).path.lstrip("/")


def webhook_from(settings: Settings) -> Webhook:
    if settings.webhook_url is None:
        raise ValueError("WEBHOOK_URL is not set")
    # Telegram echoes this header on every post, so only Telegram can feed us updates.
    digest = hmac.new(settings.secret_key.encode(), b"telegram-webhook", hashlib.sha256)
    return Webhook(
        settings.webhook_url, settings.webhook_listen, settings.webhook_port, digest.hexdigest()
    )


async def serve(
    application: Application,  # type: ignore[type-arg]
    stop: asyncio.Event,
    webhook: Webhook | None = None,
) -> None:
    """Receive updates (long polling, or a webhook) until ``stop`` is set, in the caller's loop.

    Not ``run_polling``: that owns the loop, and the database engine must live in the same loop
    as the handlers that use it.
    """
    async with application:
        ctx: AppContext | None = application.bot_data.get("ctx")
        if ctx is not None:  # deep links (support invites) need the username from getMe
            ctx.identity.username = application.bot.username
        await set_patient_menu(application)
        if ctx is not None:
            await set_staff_menus(application, ctx)
        await application.start()
        assert application.updater is not None
        server: WebhookServer | None = None
        try:
            if webhook is None:
                await application.updater.start_polling(
                    allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False
                )
            else:
                server = await start_webhook(application, webhook)
            await stop.wait()
        finally:
            if server is not None:
                await server.stop()
            if application.updater.running:
                await application.updater.stop()
            await application.stop()


async def start_webhook(
    application: Application,  # type: ignore[type-arg]
    webhook: Webhook,
) -> WebhookServer:
    """Listen first, then tell Telegram where to post (as python-telegram-bot does).

    Our own small server rather than ``Updater.start_webhook``: it checks the secret and
    the size before reading a body (see :mod:`bot.telegram.webhook`)."""
    app = WebhookApp(application, webhook.path, webhook.secret_token)
    server = WebhookServer(app, webhook.listen, webhook.port)
    await server.start()
    try:
        await with_retries(
            lambda: application.bot.set_webhook(
                url=webhook.url,
                secret_token=webhook.secret_token,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
            ),
            "setWebhook",
        )
    except BaseException:
        await server.stop()
        raise
    return server


async def set_patient_menu(application: Application) -> None:  # type: ignore[type-arg]
    """The patients' command menu, the default (English) and one per other language we speak;
    a menu is not worth failing start-up for."""
    for lang in LANGUAGES:
        code = None if lang == DEFAULT else lang
        menu = patient_commands(lang)
        try:
            await with_retries(
                partial(
                    application.bot.set_my_commands,
                    menu,
                    scope=BotCommandScopeAllPrivateChats(),
                    language_code=code,
                ),
                "setMyCommands",
            )
        except TelegramError as exc:
            log.warning("patient command menu not set (%s)", type(exc).__name__)


async def set_staff_menus(application: Application, ctx: AppContext) -> None:  # type: ignore[type-arg]
    """Give every active staff member the staff command menu (admins theirs) in their chat with
    the bot."""
    async with ctx.sessions() as session:
        chats = (
            await session.execute(
                select(Staff.telegram_user_id, Staff.role).where(Staff.active.is_(True))
            )
        ).all()
    for chat_id, role in chats:
        scope, menu = BotCommandScopeChat(chat_id), staff_menu(role)
        try:
            await with_retries(
                lambda: application.bot.set_my_commands(menu, scope=scope),  # noqa: B023
                "setMyCommands",
            )
        except TelegramError as exc:
            # Most often: they have not opened a chat with the bot yet. /start fixes it later.
            log.info("staff command menu not set for one chat (%s)", type(exc).__name__)


def build_application(ctx: AppContext) -> Application:  # type: ignore[type-arg]
    token = ctx.settings.telegram_bot_token
    if token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(ctx.settings.telegram_api_base_url)
        .base_file_url(file_base_url(ctx.settings.telegram_api_base_url))
        .rate_limiter(AIORateLimiter(max_retries=3))
        .build()
    )
    application.bot_data["ctx"] = ctx
    add_handlers(application, TelegramHandlers(Inbox(ctx)))
    assert application.job_queue is not None, "install python-telegram-bot[job-queue]"
    for job in periodic_jobs(ctx):
        application.job_queue.run_repeating(
            _job_callback(job),
            interval=job.seconds,
            first=1.0,
            name=job.name,
            job_kwargs={"max_instances": 1, "coalesce": True},
        )
    return application


def _job_callback(
    job: PeriodicJob,
) -> Callable[[ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]:
    async def callback(_context: ContextTypes.DEFAULT_TYPE) -> None:
        await job.run()

    return callback


def add_handlers(application: Application, handlers: TelegramHandlers) -> None:  # type: ignore[type-arg]
    private = filters.ChatType.PRIVATE
    new = filters.UpdateType.MESSAGE
    application.add_handlers(
        [
            MessageHandler(private & new & filters.COMMAND, handlers.command),
            MessageHandler(private & new & filters.TEXT, handlers.text),
            MessageHandler(
                private & filters.UpdateType.EDITED_MESSAGE & filters.TEXT, handlers.edited_text
            ),
            MessageHandler(
                private & filters.UpdateType.EDITED_MESSAGE & filters.CAPTION,
                handlers.edited_caption,
            ),
            MessageHandler(private & new & filters.LOCATION, handlers.location),
            MessageHandler(private & new, handlers.other),
            CallbackQueryHandler(handlers.tap),
        ]
    )
    application.add_error_handler(handlers.error)
