"""Updates in, replies out. Decisions belong to the inbox; this only translates."""

from __future__ import annotations

import logging

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
from bot.services.inbox import Inbox, Sender
from bot.telegram.render import render, render_buttons

log = logging.getLogger(__name__)

ANSWER_MARK = "\n\n✓ "
# Staff see their own menu, set per staff chat (a command scope); everyone else the patients'.
STAFF_MENU = [
    BotCommand("summary", "Your clinic at a glance"),
    BotCommand("patient", "One patient: /patient NAME or CODE"),
    BotCommand("alerts", "Open alerts"),
    BotCommand("dashboard", "A one-time link to the web dashboard"),
    BotCommand("help", "What I can do for staff"),
]
SORRY = (
    "Sorry, something went wrong on my side. Please try again in a minute. "
    "If you are in danger, call or text 988, or call 911."
)


def _sender(update: Update) -> Sender | None:
    chat = update.effective_chat
    if chat is None:
        return None
    user = update.effective_user
    return Sender(chat_id=chat.id, display_name=user.full_name if user else "")


# Telegram's limit for a photo caption; longer text goes in its own message before the photo.
CAPTION_LIMIT = 1024


async def _send(context: ContextTypes.DEFAULT_TYPE, chat_id: int, replies: list[Reply]) -> None:
    for reply in replies:
        if reply.document is not None:
            name, content = reply.document
            await context.bot.send_document(
                chat_id,
                document=InputFile(content, filename=name),
                caption=reply.text[:CAPTION_LIMIT],
            )
            continue
        if reply.image is not None:
            caption = reply.text if len(reply.text) <= CAPTION_LIMIT else None
            if caption is None:
                await context.bot.send_message(chat_id, reply.text)
            markup = render_buttons(reply.buttons) if reply.buttons else None
            await context.bot.send_photo(
                chat_id, photo=reply.image, caption=caption, reply_markup=markup
            )
            continue
        preview = None if reply.link_preview else LinkPreviewOptions(is_disabled=True)
        for out in render(reply):
            await context.bot.send_message(
                chat_id, out.text, reply_markup=out.markup, link_preview_options=preview
            )


async def _edit_tapped(query: CallbackQuery, original: str, result: TapResult) -> None:
    """Show the answer on the tapped message itself, so the chat reads as a record."""
    markup = render_buttons(result.buttons) if result.buttons else None
    try:
        if result.edit is not None:
            edit_markup = render_buttons(result.edit.buttons) if result.edit.buttons else None
            await query.edit_message_text(result.edit.text, reply_markup=edit_markup)
        elif result.chosen is not None:
            # Replace an earlier answer line rather than stacking them.
            base = original.split(ANSWER_MARK)[0]
            await query.edit_message_text(
                f"{base}{ANSWER_MARK}{result.chosen}", reply_markup=markup
            )
        elif result.buttons is not None:
            await query.edit_message_reply_markup(reply_markup=markup)
    except BadRequest:
        # Already edited (a double tap racing us): the answer is recorded either way.
        log.debug("tapped message could not be edited")


class TelegramHandlers:
    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    async def command(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        sender, message = _sender(update), update.effective_message
        if sender is None or message is None or not message.text:
            return
        # Parsed here rather than from context.args so unknown commands take the same path.
        words = message.text.split()
        name = words[0].lstrip("/").split("@")[0]
        replies = await self.inbox.command(sender, name, words[1:])
        await _send(context, sender.chat_id, replies)
        if name.lower() == "start" and await self.inbox.is_staff(sender.chat_id):
            # Staff get their own command menu in this chat (a command scope).
            await context.bot.set_my_commands(STAFF_MENU, scope=BotCommandScopeChat(sender.chat_id))

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        sender, message = _sender(update), update.effective_message
        if sender is None or message is None or message.text is None:
            return
        await _send(context, sender.chat_id, await self.inbox.text(sender, message.text))

    async def edited_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        sender, message = _sender(update), update.effective_message
        if sender is None or message is None or message.text is None:
            return
        await _send(context, sender.chat_id, await self.inbox.edited_text(sender, message.text))

    async def location(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        sender, message = _sender(update), update.effective_message
        if sender is None or message is None or message.location is None:
            return
        loc = message.location
        replies = await self.inbox.location(sender, loc.latitude, loc.longitude)
        await _send(context, sender.chat_id, replies)

    async def other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        sender, message = _sender(update), update.effective_message
        if sender is None:
            return
        caption = message.caption if message is not None else None
        await _send(context, sender.chat_id, await self.inbox.other(sender, caption))

    async def edited_caption(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        sender, message = _sender(update), update.effective_message
        if sender is None or message is None or not message.caption:
            return
        await _send(context, sender.chat_id, await self.inbox.edited_text(sender, message.caption))

    async def tap(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query, sender = update.callback_query, _sender(update)
        if query is None or sender is None:
            return
        result = await self.inbox.tap(sender, query.data or "")
        await query.answer(result.notice)
        message = query.message
        if message is not None and message.is_accessible:
            await _edit_tapped(query, getattr(message, "text", None) or "", result)
        await _send(context, sender.chat_id, result.replies)

    async def error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # The update holds what the patient wrote: log the failure, never the update.
        error = context.error
        log.error("handler failed: %s", type(error).__name__, exc_info=error)
        if isinstance(update, Update) and update.effective_chat is not None:
            try:
                await context.bot.send_message(update.effective_chat.id, SORRY)
            except TelegramError:
                log.warning("could not tell the user about the failure")
