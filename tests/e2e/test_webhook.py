"""Webhook mode: Telegram posts updates to us; only posts carrying our secret are accepted."""

from __future__ import annotations

import asyncio
import socket

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
            call = await fake_api.wait_for_call("setWebhook", timeout=10)
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
