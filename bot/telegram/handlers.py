"""Updates in, replies out. Decisions belong to the inbox; this only translates."""

from __future__ import annotations

import logging
from functools import partial

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    CallbackQuery,
    InputFile,
    LinkPreviewOptions,
    Update,
)
from telegram.error import BadRequest, TelegramError
from telegram.ext import ContextTypes

from bot.domain.replies import Reply, TapResult
from bot.i18n import DEFAULT, N_, st, supported, t
from bot.services.context import AppContext
from bot.services.inbox import Inbox, Sender
from bot.telegram.delivery import NotDelivered, RetryPolicy, is_transient, queue_later, with_retries
from bot.telegram.render import render, render_buttons

log = logging.getLogger(__name__)

ANSWER_MARK = "\n\n✓ "
# Staff see their own menu, set per staff chat (a command scope); everyone else the patients'.
STAFF_MENU = [
    BotCommand("summary", st("Your clinic at a glance")),
    BotCommand("patient", st("One patient: /patient NAME or CODE")),
    BotCommand("alerts", st("Open alerts")),
    BotCommand("dashboard", st("A one-time link to the web dashboard")),
    BotCommand("invite", st("Invite a patient by text: /invite +1 415 555 2671")),
    BotCommand("help", st("What I can do for staff")),
]
# Clinic admins' menu: the staff menu and inviting a colleague.
ADMIN_MENU = [
    *STAFF_MENU[:-1],
    BotCommand("invite_staff", st("Invite a colleague")),
    STAFF_MENU[-1],
]


def staff_menu(role: str) -> list[BotCommand]:
    return ADMIN_MENU if role == "admin" else STAFF_MENU


SORRY = N_(
    "Sorry, something went wrong on my side. Please try again in a minute. "
    "If you are in danger, call or text 988, or call 911."
)
# After a reply could not be sent despite the retries: what the person sent was saved.
NOT_DELIVERED = N_(
    "Sorry, Telegram had a problem and my answer did not reach you. What you sent was saved, "
    "so there is no need to send it again. While you are joining, /start shows the current "
    "question. If you are in danger, call or text 988, or call 911."
)
# The notice after a failure gets a couple of quick attempts, not the full budget.
NOTICE_POLICY = RetryPolicy(attempts=3, budget=5.0)


def _sender(update: Update) -> Sender | None:
    chat = update.effective_chat
    if chat is None:
        return None
    user = update.effective_user
    return Sender(
        chat_id=chat.id,
        display_name=user.full_name if user else "",
        language=user.language_code if user else None,
    )


# Telegram's limit for a photo caption; longer text goes in its own message before the photo.
CAPTION_LIMIT = 1024


async def _send(
    context: ContextTypes.DEFAULT_TYPE,
    ctx: AppContext,
    chat_id: int,
    replies: list[Reply],
    lang: str = DEFAULT,
) -> None:
    """Send the replies in order, each Bot API call retried through transient faults.

    When one still fails, the rest are not tried now: the urgent ones among them (the one that
    failed included) are queued in the outbox, and :class:`NotDelivered` is raised if anything
    else was dropped. What the person sent was committed by the inbox before this.
    """
    for index, reply in enumerate(replies):
        try:
            await _send_one(context, chat_id, reply, lang)
        except TelegramError as exc:
            if not is_transient(exc):
                raise
            rest = replies[index:]
            urgent = [r for r in rest if r.urgent]
            if urgent:
                try:
                    await queue_later(ctx, chat_id, urgent)
                except Exception as queue_error:  # the database too: nothing left to try
                    log.error("urgent reply not queued (%s)", type(queue_error).__name__)
                    raise NotDelivered from exc
            if len(urgent) < len(rest):
                raise NotDelivered from exc
            return


async def _send_one(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, reply: Reply, lang: str = DEFAULT
) -> None:
    bot = context.bot
    if reply.document is not None:
        name, content = reply.document
        document = InputFile(content, filename=name)
        await with_retries(
            lambda: bot.send_document(
                chat_id, document=document, caption=reply.text[:CAPTION_LIMIT]
            ),
            "sendDocument",
        )
        return
    if reply.image is not None:
        image = reply.image
        caption = reply.text if len(reply.text) <= CAPTION_LIMIT else None
        if caption is None:
            await with_retries(lambda: bot.send_message(chat_id, reply.text), "sendMessage")
        markup = render_buttons(reply.buttons) if reply.buttons else None
        await with_retries(
            lambda: bot.send_photo(chat_id, photo=image, caption=caption, reply_markup=markup),
            "sendPhoto",
        )
        return
    preview = None if reply.link_preview else LinkPreviewOptions(is_disabled=True)
    for out in render(reply, lang):
        send = partial(
            bot.send_message,
            chat_id,
            out.text,
            reply_markup=out.markup,
            link_preview_options=preview,
        )
        await with_retries(send, "sendMessage")


async def _edit_tapped(query: CallbackQuery, original: str, result: TapResult) -> None:
    """Show the answer on the tapped message itself, so the chat reads as a record."""
    markup = render_buttons(result.buttons) if result.buttons else None
    try:
        if result.edit is not None:
            edit = result.edit
            edit_markup = render_buttons(edit.buttons) if edit.buttons else None
            await with_retries(
                lambda: query.edit_message_text(edit.text, reply_markup=edit_markup),
                "editMessageText",
            )
        elif result.chosen is not None:
            # Replace an earlier answer line rather than stacking them.
            text = f"{original.split(ANSWER_MARK)[0]}{ANSWER_MARK}{result.chosen}"
            await with_retries(
                lambda: query.edit_message_text(text, reply_markup=markup), "editMessageText"
            )
        elif result.buttons is not None:
            await with_retries(
                lambda: query.edit_message_reply_markup(reply_markup=markup),
                "editMessageReplyMarkup",
            )
    except BadRequest:
        # Already edited (a double tap racing us, or a retry of an edit that had gone
        # through): the answer is recorded either way.
        log.debug("tapped message could not be edited")
    except TelegramError as exc:
        if not is_transient(exc):
            raise
        # The answer is recorded and the replies still follow; only the mark is missing.
        log.warning("tapped message not edited (%s)", type(exc).__name__)


class TelegramHandlers:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def _language_after_failure(self, update: Update) -> str:
        """The person's language for a failure notice; their client's if the database (perhaps
        the failure itself) cannot say."""
        sender = _sender(update)
        if sender is None:
            return DEFAULT
        try:
            return await self.inbox.language(sender)
        except Exception as exc:  # the notice must still go out
            log.info("language for the failure notice not found (%s)", type(exc).__name__)
            return supported(sender.language) or DEFAULT

    async def command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        sender, message = _sender(update), update.effective_message
        if sender is None or message is None or not message.text:
            return
        # Parsed here rather than from context.args so unknown commands take the same path.
        words = message.text.split()
        name = words[0].lstrip("/").split("@")[0]
        replies = await self.inbox.command(sender, name, words[1:])
        await self._send(context, sender, replies)
        role = await self.inbox.staff_role(sender.chat_id) if name.lower() == "start" else None
        if role is not None:
            # Staff get their own command menu in this chat (a command scope); so does someone
            # who has just joined with a staff invite.
            scope, menu = BotCommandScopeChat(sender.chat_id), staff_menu(role)
            try:
                await with_retries(
                    lambda: context.bot.set_my_commands(menu, scope=scope), "setMyCommands"
                )
            except TelegramError as exc:
                if not is_transient(exc):
                    raise
                log.warning("staff command menu not set (%s)", type(exc).__name__)

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        sender, message = _sender(update), update.effective_message
        if sender is None or message is None or message.text is None:
            return
        await self._send(context, sender, await self.inbox.text(sender, message.text))

    async def edited_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        sender, message = _sender(update), update.effective_message
        if sender is None or message is None or message.text is None:
            return
        replies = await self.inbox.edited_text(sender, message.text)
        await self._send(context, sender, replies)

    async def location(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        sender, message = _sender(update), update.effective_message
        if sender is None or message is None or message.location is None:
            return
        loc = message.location
        replies = await self.inbox.location(sender, loc.latitude, loc.longitude)
        await self._send(context, sender, replies)

    async def other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        sender, message = _sender(update), update.effective_message
        if sender is None:
            return
        caption = message.caption if message is not None else None
        await self._send(context, sender, await self.inbox.other(sender, caption))

    async def edited_caption(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        sender, message = _sender(update), update.effective_message
        if sender is None or message is None or not message.caption:
            return
        replies = await self.inbox.edited_text(sender, message.caption)
        await self._send(context, sender, replies)

    async def tap(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, sender = update.callback_query, _sender(update)
        if query is None or sender is None:
            return
        result = await self.inbox.tap(sender, query.data or "")
        try:
            await with_retries(lambda: query.answer(result.notice), "answerCallbackQuery")
        except TelegramError as exc:
            # Only the client's spinner and a brief notice: the edit and replies still follow.
            # A 400 here is most often a query that grew too old while Telegram was failing.
            log.warning("button tap not answered (%s)", type(exc).__name__)
        message = query.message
        if message is not None and message.is_accessible:
            await _edit_tapped(query, getattr(message, "text", None) or "", result)
        await self._send(context, sender, result.replies)

    async def _send(
        self, context: ContextTypes.DEFAULT_TYPE, sender: Sender, replies: list[Reply]
    ) -> None:
        # Only the location key is worded here (the inbox words everything else): the person's
        # language is looked up when a reply asks for it.
        lang: str = DEFAULT
        if any(reply.ask_location for reply in replies):
            lang = await self.inbox.language(sender)
        await _send(context, self.inbox.ctx, sender.chat_id, replies, lang)

    async def error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # The update holds what the patient wrote: log the failure, never the update.
        error = context.error
        if isinstance(error, NotDelivered):
            # Telegram kept failing; what the person sent was saved, the cause is known.
            cause = type(error.__cause__).__name__ if error.__cause__ else "unknown"
            log.warning("reply not delivered after retries (%s)", cause)
            notice = NOT_DELIVERED
        else:
            log.error("handler failed: %s", type(error).__name__, exc_info=error)
            notice = SORRY
        if isinstance(update, Update) and update.effective_chat is not None:
            chat_id = update.effective_chat.id
            text = t(await self._language_after_failure(update), notice)
            try:
                await with_retries(
                    lambda: context.bot.send_message(chat_id, text), "sendMessage", NOTICE_POLICY
                )
            except TelegramError:
                log.warning("could not tell the user about the failure")
