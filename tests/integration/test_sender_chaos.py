"""The sender when a fifth of Telegram's answers go wrong: 429s, 5xx, hangs past the client's
timeout, and dropped connections, on both databases. Nothing is lost or sent twice, every
retry_after is honoured and no chat is hammered.

The limits are checked on the sender's own schedule (the rate limiter's grants and pauses, each
with the instant the sender used), not on the arrival times the fake records: on a busy machine a
call can sit in the network stack for a while, so two sends granted a second apart may arrive
0.9 s apart, and a test that compares arrival times fails for reasons that say nothing about the
sender (it did, once, in CI). What must hold for every call is that the limiter granted it."""

from __future__ import annotations

import math
import time
from collections import Counter
from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.services.context import AppContext
from tests.fakes.bot_api import FakeBotApi
from tests.integration.conftest import SenderFactory
from tests.integration.sender_support import RecordingLimiter, refused_on_replay
from tests.integration.test_sender import (
    PATIENT_CHATS,
    TIMEOUT_TEST_READ,
    drain_all,
    queue,
    rows,
)

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

CHATS, PER_CHAT = 40, 5


async def test_a_fifth_of_calls_failing_loses_nothing_and_honours_retry_after(
    ctx: AppContext, clock: FakeClock, api: FakeBotApi, make_sender: SenderFactory
) -> None:
    expected = {
        PATIENT_CHATS + c: [f"note {n} to {c}" for n in range(PER_CHAT)] for c in range(CHATS)
    }
    for chat, texts in expected.items():
        for n, text in enumerate(texts):
            await queue(ctx, chat, text, ago=100 - n)
    api.chaos("sendMessage", 0.2, seed=8, hang_seconds=TIMEOUT_TEST_READ + 1.0)
    sender = make_sender(per_second=60.0, per_chat=1.0, read_timeout=TIMEOUT_TEST_READ)
    limiter = sender.limiter = RecordingLimiter(sender.limiter)
    started = time.monotonic()
    await drain_all(sender, clock, step=timedelta(seconds=30))
    elapsed = time.monotonic() - started
    api.chaos("sendMessage", 0)

    delivered = [c for c in api.calls_to("sendMessage") if c.status == 200]
    per_message = Counter((c.params["chat_id"], c.params["text"]) for c in delivered)
    everything = {(chat, text) for chat, texts in expected.items() for text in texts}
    assert set(per_message) == everything, "a message was lost"
    assert max(per_message.values()) == 1, "a message was sent twice"
    # (Order within a chat holds while retries are short; a message in a long backoff lets
    # the chat's later ones go first, by design: see jobs/sender.py.)
    assert {m.status for m in (await rows(ctx)).values()} == {"sent"}

    events = api.chaos_events
    kinds = Counter(e.kind for e in events)
    attempts = len(api.calls_to("sendMessage"))
    assert set(kinds) == {"429", "5xx", "timeout", "drop"}
    assert 0.12 <= len(events) / attempts <= 0.3  # about a fifth of the calls failed

    # Every call to Telegram was granted by the limiter: nothing went around it.
    assert len(limiter.grants) == attempts

    # retry_after: each 429 paused every send for as long as it asked (Telegram's flood control
    # is per bot, so the whole sender waits), and the limiter granted nothing inside a pause.
    asked = sorted(e.retry_after for e in events if e.kind == "429")
    assert None not in asked
    held = sorted(until - set_at for set_at, until in limiter.pauses)
    assert len(held) == len(asked)
    for seconds, retry_after in zip(held, asked, strict=True):
        assert math.isclose(seconds, retry_after, abs_tol=0.5), (held, asked)
    for set_at, until in limiter.pauses:
        inside = [t - set_at for _, t in limiter.grants if set_at < t < until]
        assert inside == [], f"granted {inside} s into a {until - set_at:.1f} s pause"

    # No tight loop: a fresh limiter with the configured rates, replayed on the instants the
    # sender used, grants every send it made (one per chat per second, 60 overall), and every
    # attempt beyond the first answers a fault.
    assert {chat for chat, _ in limiter.grants} == set(expected)
    assert refused_on_replay(limiter.grants, 60.0, 1.0) == []
    assert attempts <= len(everything) + len(events)
    print(
        f"\nchaos: {attempts} calls for {len(everything)} messages in {elapsed:.1f} s; faults "
        f"{dict(kinds)}; {len(limiter.pauses)} flood-control pauses"
    )
