"""The sender when a fifth of Telegram's answers go wrong: 429s, 5xx, hangs past the client's
timeout, and dropped connections, on both databases. Nothing is lost or sent twice, every
retry_after is honoured (measured on the fake's clock), and no chat is hammered."""

from __future__ import annotations

import itertools
import time
from collections import Counter
from datetime import timedelta

import pytest

from bot.clock import FakeClock
from bot.services.context import AppContext
from tests.fakes.bot_api import FakeBotApi
from tests.integration.conftest import SenderFactory
from tests.integration.test_sender import PATIENT_CHATS, drain_all, queue, rows

pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")

CHATS, PER_CHAT = 40, 5
# A 429 answer reaches the client a little after the fake logs it; a call that was already on
# its way may land just after. Anything later than this, before retry_after ran out, is a miss.
IN_FLIGHT_SLACK = 0.15


async def test_a_fifth_of_calls_failing_loses_nothing_and_honours_retry_after(
    ctx: AppContext, clock: FakeClock, api: FakeBotApi, make_sender: SenderFactory
) -> None:
    expected = {
        PATIENT_CHATS + c: [f"note {n} to {c}" for n in range(PER_CHAT)] for c in range(CHATS)
    }
    for chat, texts in expected.items():
        for n, text in enumerate(texts):
            await queue(ctx, chat, text, ago=100 - n)
    api.chaos("sendMessage", 0.2, seed=8, hang_seconds=2.0)
    sender = make_sender(per_second=60.0, per_chat=1.0, read_timeout=1.0)
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

    # retry_after: after each 429, no new send until it has passed (Telegram's flood control
    # is per bot, so the whole sender waits).
    calls = sorted(c.timestamp for c in api.calls_to("sendMessage"))
    worst = None
    for event in (e for e in events if e.kind == "429"):
        assert event.retry_after is not None
        early = [
            t - event.timestamp
            for t in calls
            if event.timestamp + IN_FLIGHT_SLACK < t < event.timestamp + event.retry_after
        ]
        assert early == [], f"sent {early} s after a 429 asking for {event.retry_after} s"
        later = [t - event.timestamp for t in calls if t > event.timestamp + IN_FLIGHT_SLACK]
        if later:
            worst = min(later[0], worst) if worst is not None else later[0]

    # No tight loop: one chat never gets two calls within its one-per-second limit, and every
    # attempt beyond the first answers a fault.
    for chat in expected:
        stamps = sorted(
            c.timestamp for c in api.calls_to("sendMessage") if c.params["chat_id"] == chat
        )
        gaps = [b - a for a, b in itertools.pairwise(stamps)]
        assert not gaps or min(gaps) >= 0.95, (chat, min(gaps))
    assert attempts <= len(everything) + len(events)
    soonest = f"{worst:.2f} s" if worst is not None else "-"
    print(
        f"\nchaos: {attempts} calls for {len(everything)} messages in {elapsed:.1f} s; faults "
        f"{dict(kinds)}; the soonest send after a 429 came {soonest} after it"
    )
