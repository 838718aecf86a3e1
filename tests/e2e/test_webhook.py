"""Webhook mode: Telegram posts updates to us; only posts carrying our secret are accepted."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from bot.clock import FakeClock
from bot.runtime import app_context
from bot.telegram.app import build_application, serve, webhook_from
from tests.conftest import TEST_TOKEN, make_settings
from tests.fakes.bot_api import FakeBotApi


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_update(chat_id: int, update_id: int) -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": 1_800_000_000,
            "text": "/help",
            "chat": {"id": chat_id, "type": "private", "first_name": "Pat"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Pat"},
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        },
    }


async def test_webhook_registers_and_accepts_only_signed_posts(
    db_url: str, clock: FakeClock, fake_api: FakeBotApi
) -> None:
    port = free_port()
    settings = make_settings(
        db_url,
        telegram_bot_token=TEST_TOKEN,
        telegram_api_base_url=fake_api.base_url,
        webhook_url=f"http://127.0.0.1:{port}/telegram",
        webhook_listen="127.0.0.1",
        webhook_port=port,
    )
    webhook = webhook_from(settings)
    async with app_context(settings, clock) as ctx:
        application = build_application(ctx)
        stop = asyncio.Event()
        task = asyncio.create_task(serve(application, stop, webhook))
        try:
            call = await fake_api.wait_for_call("setWebhook")
            assert call.params["url"] == settings.webhook_url
            assert call.params["secret_token"] == webhook.secret_token
            async with httpx.AsyncClient() as client:
                forged = await client.post(settings.webhook_url or "", json=start_update(7, 1))
                assert forged.status_code == 403
                signed = await client.post(
                    settings.webhook_url or "",
                    json=start_update(7, 2),
                    headers={"X-Telegram-Bot-Api-Secret-Token": webhook.secret_token},
                )
                assert signed.status_code == 200
            [reply] = await fake_api.wait_for_messages(7, count=1)
            assert "/start CODE" in reply.plain_text
            assert not fake_api.calls_to("getUpdates")
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=15)


SECRET = "X-Telegram-Bot-Api-Secret-Token"
FIVE_MB = 5 * 1024 * 1024


async def status_before_any_body(port: int, headers: dict[str, str]) -> int:
    """Send a POST's headers, announcing a large body, and none of the body: the server must
    answer from the headers alone (a server waiting for the body times this out)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        writer.write(
            f"POST /telegram HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{head}"
            "Content-Type: application/json\r\n\r\n".encode()
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout=10)
    finally:
        writer.close()
    return int(status_line.split()[1])


async def chunks(total: int, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        yield b"x" * min(size, total - sent)
        sent += size


@asynccontextmanager
async def webhook_bot(
    db_url: str, clock: FakeClock, fake_api: FakeBotApi
) -> AsyncIterator[tuple[str, str, int]]:
    """`run --webhook` in-process; yields (url, secret, port)."""
    port = free_port()
    settings = make_settings(
        db_url,
        telegram_bot_token=TEST_TOKEN,
        telegram_api_base_url=fake_api.base_url,
        webhook_url=f"http://127.0.0.1:{port}/telegram",
        webhook_listen="127.0.0.1",
        webhook_port=port,
    )
    webhook = webhook_from(settings)
    async with app_context(settings, clock) as ctx:
        application = build_application(ctx)
        stop = asyncio.Event()
        task = asyncio.create_task(serve(application, stop, webhook))
        try:
            await fake_api.wait_for_call("setWebhook")
            yield settings.webhook_url or "", webhook.secret_token, port
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=15)


async def test_a_forged_post_is_refused_before_its_body_is_read_or_processed(
    db_url: str, clock: FakeClock, fake_api: FakeBotApi
) -> None:
    async with webhook_bot(db_url, clock, fake_api) as (url, secret, port):
        # 50 MB announced, nothing sent: refused on the headers alone.
        assert await status_before_any_body(port, {"Content-Length": "50000000"}) == 403
        assert (
            await status_before_any_body(port, {"Content-Length": "50000000", SECRET: "guessed"})
            == 403
        )
        async with httpx.AsyncClient() as client:
            wrong = await client.post(url, json=start_update(8, 1), headers={SECRET: "guessed"})
            assert wrong.status_code == 403
            empty = await client.post(url, json=start_update(8, 2), headers={SECRET: ""})
            assert empty.status_code == 403
            signed = await client.post(url, json=start_update(9, 3), headers={SECRET: secret})
            assert signed.status_code == 200
        [reply] = await fake_api.wait_for_messages(9, count=1)
        assert "/start CODE" in reply.plain_text
        await fake_api.wait_idle(quiet=0.3)
        assert fake_api.sent(8) == []  # the forged updates were never handled


async def test_an_oversized_body_gets_413_and_the_bot_carries_on(
    db_url: str, clock: FakeClock, fake_api: FakeBotApi
) -> None:
    async with webhook_bot(db_url, clock, fake_api) as (url, secret, port):
        signed = {SECRET: secret}
        # Announced too large: refused before any of it is sent.
        announced = {"Content-Length": str(FIVE_MB), SECRET: secret}
        assert await status_before_any_body(port, announced) == 413
        async with httpx.AsyncClient(timeout=30) as client:
            # 5 MB with a Content-Length, and 5 MB chunked (no length): both refused.
            with_length = await client.post(url, content=b"x" * FIVE_MB, headers=signed)
            assert with_length.status_code == 413
            chunked = await client.post(url, content=chunks(FIVE_MB), headers=signed)
            assert chunked.status_code == 413
            # Not JSON, or not an update: refused too.
            garbage = await client.post(url, content=b"{not json", headers=signed)
            assert garbage.status_code == 400
            listed = await client.post(url, json=[1, 2], headers=signed)
            assert listed.status_code == 400
            # The bot is fine: the next update is handled.
            ok = await client.post(url, json=start_update(10, 1), headers=signed)
            assert ok.status_code == 200
        [reply] = await fake_api.wait_for_messages(10, count=1)
        assert "/start CODE" in reply.plain_text
        assert fake_api.app_errors == []
