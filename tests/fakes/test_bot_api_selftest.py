"""Self-test of the fake Bot API: the real python-telegram-bot must work against it.

If these fail, end-to-end tests built on the fake can't be trusted, so they exercise the
wire format (form fields, multipart uploads, JSON-in-strings), the polling loop and the
error shapes PTB turns into exceptions.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import AbstractContextManager
from typing import Any

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.fakes.bot_api import (
    DEFAULT_SCOPE,
    NOT_MODIFIED,
    FakeBotApi,
    TelegramApiError,
    render_text,
    run_application,
    scope_key,
)

TOKEN = "123456:TEST"
CHAT = 4242


def raises_bad_request(fragment: str) -> AbstractContextManager[pytest.ExceptionInfo[BadRequest]]:
    """PTB strips "Bad Request: " and ``.capitalize()``s the rest ("BUTTON_DATA_INVALID" becomes
    "Button_data_invalid"), so match the fragment literally but case-insensitively."""
    return pytest.raises(BadRequest, match=re.compile(re.escape(fragment), re.IGNORECASE))


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as fake:
        yield fake


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=api.base_url) as direct:
        yield direct


def build_app(api: FakeBotApi, seen: dict[str, Any]) -> Application[Any, Any, Any, Any, Any, Any]:
    """A tiny bot with the handler kinds the real one uses."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        seen["args"] = list(context.args or [])
        keyboard = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("Yes", callback_data="answer:yes"),
                    InlineKeyboardButton("No", callback_data="answer:no"),
                ]
            ]
        )
        await update.effective_message.reply_text("Welcome! Ready?", reply_markup=keyboard)

    async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        seen.setdefault("queries", []).append(query.data)
        await query.answer("Saved")
        await query.edit_message_text(f"You chose <b>{query.data}</b>", parse_mode=ParseMode.HTML)

    async def on_location(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.location is not None
        seen["location"] = (message.location.latitude, message.location.longitude)
        await message.reply_text("Got your location")

    async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        if message.text == "crash":
            raise RuntimeError("handler exploded")
        keyboard = ReplyKeyboardMarkup([["Menu", KeyboardButton("Help")]], resize_keyboard=True)
        await message.reply_text(f"echo: {message.text}", reply_markup=keyboard)

    async def on_other(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        seen.setdefault("other", []).append(message.effective_attachment.__class__.__name__)
        await message.reply_text("I can only read text", reply_markup=ReplyKeyboardRemove())

    async def on_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.my_chat_member is not None
        seen["member"] = update.my_chat_member.new_chat_member.status

    app = ApplicationBuilder().token(TOKEN).base_url(api.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(on_button))
    app.add_handler(MessageHandler(filters.LOCATION, on_location))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    app.add_handler(MessageHandler(~filters.TEXT & ~filters.LOCATION, on_other))
    app.add_handler(ChatMemberHandler(on_member, ChatMemberHandler.MY_CHAT_MEMBER))
    return app


async def test_real_ptb_application_round_trip(api: FakeBotApi) -> None:
    seen: dict[str, Any] = {}
    app = build_app(api, seen)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            # /start with a deep-link argument reaches CommandHandler with context.args.
            update = await api.send_text(CHAT, "/start ref_clinic")
            assert update["message"]["entities"] == [
                {"type": "bot_command", "offset": 0, "length": 6}
            ]
            [welcome] = await api.wait_for_messages(CHAT, 1)
            assert seen["args"] == ["ref_clinic"]
            assert welcome.text == "Welcome! Ready?"
            assert welcome.buttons == [["Yes", "No"]]
            assert welcome.callback_data("No") == "answer:no"

            # Tapping answers the query and edits the message (keyboard dropped by the edit).
            tap = await api.tap(CHAT, "Yes")
            await api.wait_for_call("editMessageText")
            await api.wait_idle()
            assert seen["queries"] == ["answer:yes"]
            answer = api.callback_answers[tap["callback_query"]["id"]]
            assert answer.text == "Saved"
            assert welcome.edited
            assert welcome.text == "You chose <b>answer:yes</b>"
            assert welcome.plain_text == "You chose answer:yes"
            assert welcome.reply_markup is None
            assert welcome.history[0].text == "Welcome! Ready?"
            assert len(api.sent(CHAT)) == 1  # edits are not new messages

            # The edited message has no keyboard left to tap.
            with pytest.raises(AssertionError, match="No bot message with an inline keyboard"):
                await api.tap(CHAT, "No")
            with pytest.raises(AssertionError, match=r"available: \[\]"):
                await api.tap(CHAT, "No", message=welcome.message_id)

            # Location and text (reply keyboard); message ids are shared per chat.
            mark = api.mark(CHAT)
            await api.send_location(CHAT, 52.52, 13.405)
            [located] = await api.wait_for_new(CHAT, mark)
            assert seen["location"] == (52.52, 13.405)
            assert located.text == "Got your location"

            await api.send_text(CHAT, "Menu")
            [_, echo] = await api.wait_for_new(CHAT, mark, count=2)
            assert echo.text == "echo: Menu"
            assert api.reply_keyboard(CHAT) == [["Menu", "Help"]]
            ids = [m.message_id for m in api.user_messages(CHAT)] + [
                m.message_id for m in api.sent(CHAT)
            ]
            assert sorted(ids) == list(range(1, len(ids) + 1))

            # Other content types.
            mark = api.mark(CHAT)
            await api.send_sticker(CHAT)
            await api.send_voice(CHAT)
            await api.send_photo(CHAT, caption="look")
            await api.send_contact(CHAT)
            await api.wait_for_new(CHAT, mark, count=4)
            assert seen["other"] == ["Sticker", "Voice", "tuple", "Contact"]
            assert api.reply_keyboard(CHAT) is None  # ReplyKeyboardRemove

            # Blocking delivers my_chat_member and makes sends fail with Forbidden.
            await api.block(CHAT)
            await api.wait_idle()
            assert seen["member"] == "kicked"
            with pytest.raises(Forbidden, match="blocked"):
                await app.bot.send_message(CHAT, "still there?")
        finally:
            # Stopping ends the pending long poll (a hang guard, not a stopwatch).
            await asyncio.wait_for(app.updater.stop(), 30)
            await app.stop()
    api.assert_no_unknown_calls()
    polls = api.calls_to("getUpdates")
    assert polls[-1].params["timeout"] == 0  # PTB's final "confirm offset" call


async def test_run_application_helper_surfaces_handler_errors(api: FakeBotApi) -> None:
    seen: dict[str, Any] = {}
    with pytest.raises(AssertionError, match="handler exploded"):
        async with run_application(api, build_app(api, seen)):
            await api.send_text(CHAT, "crash")
            with pytest.raises(AssertionError, match="handler exploded"):
                await api.wait_for_messages(CHAT, 1, timeout=0.5)


async def test_document_upload_is_recorded(api: FakeBotApi, bot: Bot) -> None:
    payload = bytes(range(256)) * 10
    message = await bot.send_document(
        CHAT,
        payload,
        filename="report.csv",
        caption="Weekly <i>report</i>",
        parse_mode=ParseMode.HTML,
        thumbnail=b"\x89PNG fake thumb",
    )
    sent = api.last(CHAT)
    assert sent.kind == "document"
    assert sent.file_bytes == payload
    assert sent.filename == "report.csv"
    assert sent.caption == "Weekly <i>report</i>"
    assert message.document is not None and message.document.file_name == "report.csv"
    assert message.caption == "Weekly report"
    call = api.calls_to("sendDocument")[-1]
    # The thumbnail went as attach://<random part name> and is resolved to the upload.
    assert call.params["thumbnail"].content == b"\x89PNG fake thumb"

    photo = await bot.send_photo(CHAT, b"not really a png", caption="pic")
    assert photo.photo and photo.photo[-1].file_id == api.last(CHAT).file_id
    again = await bot.send_photo(CHAT, photo.photo[-1].file_id)
    assert api.last(CHAT).file_bytes == b"not really a png"
    assert again.photo


async def test_commands_are_recorded_per_scope_and_language(api: FakeBotApi, bot: Bot) -> None:
    await bot.set_my_commands([BotCommand("start", "Begin"), BotCommand("help", "Help")])
    scope = BotCommandScopeChat(CHAT)
    await bot.set_my_commands(
        [BotCommand("stop", "Stop reminders")], scope=scope, language_code="de"
    )
    assert api.commands[(DEFAULT_SCOPE, "")] == [
        {"command": "start", "description": "Begin"},
        {"command": "help", "description": "Help"},
    ]
    key = (scope_key({"type": "chat", "chat_id": CHAT}), "de")
    assert api.commands[key] == [{"command": "stop", "description": "Stop reminders"}]
    fetched = await bot.get_my_commands(scope=scope, language_code="de")
    assert [c.command for c in fetched] == ["stop"]
    assert await bot.get_my_commands(scope=scope) == ()
    await bot.delete_my_commands(scope=scope, language_code="de")
    assert key not in api.commands
    with raises_bad_request("BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand("Start", "capitalised")])


# PTB 22.8 warns about RetryAfter.retry_after becoming a timedelta even while constructing it.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_fault_injection(api: FakeBotApi, bot: Bot) -> None:
    api.fail_next("sendMessage", 429, retry_after=3)
    with pytest.raises(RetryAfter, match="Retry in 3 seconds"):
        await bot.send_message(CHAT, "hi")
    assert await bot.send_message(CHAT, "hi")  # only the next call failed
    assert [c.status for c in api.calls_to("sendMessage")] == [429, 200]
    assert api.texts(CHAT) == ["hi"]

    api.fail_next("sendMessage", 403, times=2)
    for _ in range(2):
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(CHAT, "x")
    api.fail_next("SENDMESSAGE", 500, chat_id=CHAT + 1)
    assert await bot.send_message(CHAT, "other chat unaffected")
    with pytest.raises(NetworkError, match="Internal Server Error"):
        await bot.send_message(CHAT + 1, "x")
    api.fail_next("sendMessage", 400, description="Bad Request: chat not found")
    with raises_bad_request("chat not found"):
        await bot.send_message(CHAT, "x")

    api.delay_next("sendMessage", 0.3)
    with pytest.raises(TimedOut):
        await bot.send_message(CHAT, "slow", read_timeout=0.1)
    await asyncio.sleep(0.4)
    assert "slow" not in api.texts(CHAT)  # the client hung up before it took effect

    api.delay_next("sendMessage", 0.3, apply_first=True)
    with pytest.raises(TimedOut):
        await bot.send_message(CHAT, "lost answer", read_timeout=0.1)
    assert api.last(CHAT).text == "lost answer"


async def test_unknown_method_is_recorded(api: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("frobnicateChat", api_kwargs={"chat_id": CHAT})
    assert [c.method for c in api.unknown_calls] == ["frobnicateChat"]
    assert api.unknown_calls[0].params == {"chat_id": CHAT}
    with pytest.raises(AssertionError, match="frobnicateChat"):
        api.assert_no_unknown_calls()


async def test_wrong_token_is_unauthorized() -> None:
    async with FakeBotApi(token=TOKEN) as api:
        with pytest.raises(InvalidToken):
            async with Bot("999:WRONG", base_url=api.base_url):
                pass
        async with Bot(TOKEN, base_url=api.base_url) as bot:
            me = await bot.get_me()
    assert me.id == 123456 and me.username == "fake_test_bot"


async def test_validation_like_telegram(api: FakeBotApi, bot: Bot) -> None:
    with raises_bad_request("message text is empty"):
        await bot.send_message(CHAT, "   ")
    with raises_bad_request("message is too long"):
        await bot.send_message(CHAT, "x" * 4097)
    assert await bot.send_message(CHAT, "🙂" * 4096)  # counted in characters
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("B", callback_data="d" * 65)]])
    with raises_bad_request("BUTTON_DATA_INVALID"):
        await bot.send_message(CHAT, "buttons", reply_markup=too_long)
    multibyte = InlineKeyboardMarkup([[InlineKeyboardButton("B", callback_data="é" * 33)]])
    with raises_bad_request("BUTTON_DATA_INVALID"):
        await bot.send_message(CHAT, "buttons", reply_markup=multibyte)
    with raises_bad_request("message to edit not found"):
        await bot.edit_message_text("new", chat_id=CHAT, message_id=999)

    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ok", callback_data="ok")]])
    sent = await bot.send_message(CHAT, "same", reply_markup=markup)
    with raises_bad_request("message is not modified"):
        await bot.edit_message_text(
            "same", chat_id=CHAT, message_id=sent.message_id, reply_markup=markup
        )
    with raises_bad_request("message is not modified"):
        await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=markup)
    edited = await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=None)
    assert isinstance(edited, object) and api.last(CHAT).reply_markup is None

    with raises_bad_request('can\'t parse entities: Unsupported start tag "br"'):
        await bot.send_message(CHAT, "a<br>b", parse_mode=ParseMode.HTML)
    with raises_bad_request("Character '.' is reserved"):
        await bot.send_message(CHAT, "Done.", parse_mode=ParseMode.MARKDOWN_V2)
    assert await bot.send_message(
        CHAT, r"*Done*\. [site](https://x.y/a-b)", parse_mode="MarkdownV2"
    )
    assert api.last(CHAT).plain_text == "Done. site"

    with raises_bad_request("query is too old"):
        await bot.answer_callback_query("nope")
    with raises_bad_request("wrong parameter action"):
        await bot.send_chat_action(CHAT, "dancing")
    assert await bot.send_chat_action(CHAT, "typing")
    assert await bot.delete_message(CHAT, sent.message_id)
    with raises_bad_request("message to delete not found"):
        await bot.delete_message(CHAT, sent.message_id)
    assert NOT_MODIFIED.startswith("Bad Request: message is not modified")


async def test_get_updates_semantics(api: FakeBotApi, bot: Bot) -> None:
    first = await api.send_text(CHAT, "one")
    second = await api.send_text(CHAT, "two")
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [first["update_id"], second["update_id"]]
    # Without confirming, the same updates come again; limit is honoured.
    assert len(await bot.get_updates(limit=1)) == 1
    # offset confirms everything below it.
    updates = await bot.get_updates(offset=second["update_id"])
    assert [u.update_id for u in updates] == [second["update_id"]]
    assert await bot.get_updates(offset=second["update_id"] + 1) == ()

    # A long poll wakes as soon as an update is queued...
    # (a poll that slept its 60 s out would miss the generous 20 s bound by far).
    mark = api.call_mark()
    poll = asyncio.create_task(bot.get_updates(offset=second["update_id"] + 1, timeout=60))
    await api.wait_for_call("getUpdates", since=mark)
    third = await api.send_text(CHAT, "three")
    updates = await asyncio.wait_for(poll, 20)
    assert [u.update_id for u in updates] == [third["update_id"]]
    # ...and otherwise returns empty once `timeout` is over.
    assert await bot.get_updates(offset=third["update_id"] + 1, timeout=1) == ()

    # allowed_updates filters (and is remembered, like Telegram).
    await api.send_text(CHAT, "text")
    tap_update = await api.tap_data(CHAT, "forged:data", message_id=12345)
    updates = await bot.get_updates(
        offset=third["update_id"] + 1, allowed_updates=["callback_query"]
    )
    assert [u.update_id for u in updates] == [tap_update["update_id"]]
    query = updates[0].callback_query
    assert query is not None and query.data == "forged:data"
    assert query.message is not None and not query.message.is_accessible
    assert [u.update_id for u in await bot.get_updates()] == [tap_update["update_id"]]

    info = await bot.get_webhook_info()
    assert info.url == "" and info.pending_update_count == 2
    await bot.set_webhook("https://example.invalid/hook")
    assert api.webhook_url == "https://example.invalid/hook"
    with pytest.raises(Exception, match="webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == ()
    assert await bot.log_out() and await bot.close()


async def test_stop_releases_pending_long_poll(api: FakeBotApi, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await api.wait_for_call("getUpdates")
    await asyncio.sleep(0.05)
    await api.stop()
    # Released by the stop, not by its 30 s timeout (the bound leaves room for a busy machine).
    assert await asyncio.wait_for(poll, 15) == ()


async def test_newer_poll_terminates_older(api: FakeBotApi, bot: Bot) -> None:
    # PTB keeps a one-connection pool for getUpdates, so the rival poll needs its own Bot.
    old = asyncio.create_task(bot.get_updates(timeout=30))
    await api.wait_for_call("getUpdates")
    await asyncio.sleep(0.05)
    async with Bot(TOKEN, base_url=api.base_url) as rival:
        assert await rival.get_updates(timeout=0) == ()
    with pytest.raises(Exception, match="terminated by other getUpdates request"):
        await asyncio.wait_for(old, 2)


async def test_wait_helpers_explain_timeouts(api: FakeBotApi, bot: Bot) -> None:
    await bot.send_message(CHAT, "only one")
    with pytest.raises(AssertionError, match=r"at least 2 .* got 1: \[\(1, 'text', 'only one'\)\]"):
        await api.wait_for_messages(CHAT, 2, timeout=0.2)
    with pytest.raises(AssertionError, match="No matching sendPhoto call"):
        await api.wait_for_call("sendPhoto", timeout=0.1)
    call = await api.wait_for_call("sendmessage", lambda c: c.params["text"] == "only one")
    method, params, timestamp = call
    assert method == "sendMessage" and params["chat_id"] == CHAT and timestamp > 0
    with pytest.raises(AssertionError, match="The bot sent nothing to chat 7"):
        api.last(7)


@given(st.text(alphabet=st.characters(blacklist_characters="<&"), max_size=50))
def test_plain_text_renders_to_itself_in_html(text: str) -> None:
    assert render_text(text, "HTML") == text


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("</b>", "Unexpected end tag at byte offset 0"),
        ('<span class="x">s</span>', 'Tag "span" must have class "tg-spoiler"'),
    ],
)
def test_html_errors(text: str, error: str) -> None:
    with pytest.raises(TelegramApiError, match="can't parse entities") as excinfo:
        render_text(text, "HTML")
    assert error in excinfo.value.description


def test_html_rendering() -> None:
    html_text = '<b>Hi</b> &lt;3 <a href="https://x.y">link</a> <tg-spoiler>s</tg-spoiler> &amp;'
    assert render_text(html_text, "html") == "Hi <3 link s &"
    assert render_text("<b>x</>", "HTML") == "x"


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        (r"Hello\!", "Hello!"),
        ("*bold* _it_ __under__ ~strike~ ||spoiler||", "bold it under strike spoiler"),
        ("`code.with.dots`", "code.with.dots"),
        ("```python\nprint(1 + 2)\n```", "print(1 + 2)\n"),
        ("[link](https://example.com/a_b-c.d)", "link"),
        ("> quoted\n>lines", " quoted\nlines"),
    ],
)
def test_markdown_v2_rendering(text: str, plain: str) -> None:
    assert render_text(text, "MarkdownV2") == plain


@pytest.mark.parametrize("text", ["1+1=2", "a-b", "(x)", "#tag", "*unclosed", "x > y"])
def test_markdown_v2_errors(text: str) -> None:
    with pytest.raises(TelegramApiError, match="can't parse entities"):
        render_text(text, "MarkdownV2")


async def test_other_wire_formats(api: FakeBotApi) -> None:
    """JSON bodies (native or string-encoded values), GET queries, any method-name case."""
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": "go"}]]}
    base = f"{api.base_url}{TOKEN}"
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{base}/SENDMESSAGE", json={"chat_id": CHAT, "text": "42", "reply_markup": markup}
        ) as response:
            body = await response.json()
        assert response.status == 200 and body["result"]["text"] == "42"
        async with session.post(
            f"{base}/sendmessage",
            json={"chat_id": str(CHAT), "text": "true", "reply_markup": json.dumps(markup)},
        ) as response:
            assert response.status == 200
        async with session.get(f"{base}/getMe") as response:
            assert (await response.json())["result"]["is_bot"] is True
        async with session.get(f"{api.base_url[:-4]}/file/bot{TOKEN}/photos/x.jpg") as response:
            assert response.status == 404
    assert [m.text for m in api.sent(CHAT)] == ["42", "true"]
    assert api.sent(CHAT)[1].buttons == [["Go"]]
    assert [c.method for c in api.calls[:3]] == ["sendMessage", "sendMessage", "getMe"]
    assert api.unknown_calls[-1].method == f"/file/bot{TOKEN}/photos/x.jpg"


async def test_command_entities_match_telegram(api: FakeBotApi) -> None:
    addressed = await api.send_text(1, "/start@fake_test_bot abc")
    assert addressed["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 20}]
    assert "entities" not in (await api.send_text(1, "/ not a command"))["message"]
    assert "entities" not in (await api.send_text(1, "plain"))["message"]
