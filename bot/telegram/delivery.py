"""Getting replies through a Bot API that sometimes fails.

Pushed messages go through the outbox, whose sender retries them for as long as it takes
(jobs/sender.py). A reply is sent while the person waits, from inside the update's handler, so
it gets a few quick attempts instead:

* Transient faults are retried: 5xx answers and dropped connections (python-telegram-bot raises
  ``NetworkError`` for both), timeouts (``TimedOut``), and a 429 that is still there after
  ``AIORateLimiter``'s own retries (``RetryAfter``, waited out if the budget allows).
* Nothing else is: 400 (``BadRequest``: the same request would fail again), 403 (``Forbidden``:
  the person blocked the bot), an invalid token, a migrated chat.
* At most :data:`ATTEMPTS` attempts, with exponential backoff and full jitter between them
  (uniform in [0, min(cap, base * 2^n)]), and no new attempt once :data:`BUDGET_SECONDS` have
  passed, so one failing chat holds up the application's update processing for a bounded time.

A timeout after Telegram had received the request cannot be told from one before: such a
reply may then arrive twice, which is better than not at all.

What still fails after that is given up here, except a safety-critical reply (``Reply.urgent``:
crisis lines, "Are you safe right now?"), which is queued in the outbox by :func:`queue_later`
so the sender delivers it once Telegram answers again.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.domain.replies import Reply
from bot.services.context import AppContext
from bot.services.outbox import enqueue, payload_for

log = logging.getLogger(__name__)

T = TypeVar("T")

ATTEMPTS = 4
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 2.0
BUDGET_SECONDS = 10.0
# The outbox kind of a safety-critical reply that could not be sent at once.
URGENT_KIND = "urgent_reply"


@dataclass
class RetryPolicy:
    """How hard to try; ``sleep``, ``clock`` and ``rng`` are injectable for tests."""

    attempts: int = ATTEMPTS
    base: float = BACKOFF_BASE_SECONDS
    cap: float = BACKOFF_CAP_SECONDS
    budget: float = BUDGET_SECONDS
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    clock: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, attempt: int) -> float:
        """Full jitter after the ``attempt``-th failure (1-based)."""
        return self.rng.uniform(0.0, min(self.cap, self.base * 2 ** min(attempt - 1, 30)))


DEFAULT_POLICY = RetryPolicy()


class NotDelivered(Exception):
    """A reply could not be sent despite the retries; the Bot API error is the ``__cause__``."""


def is_transient(exc: BaseException) -> bool:
    """Worth another attempt: a 5xx, a timeout, a dropped connection, flood control."""
    if isinstance(exc, RetryAfter):
        return True
    # BadRequest derives from NetworkError in python-telegram-bot: a 400 is final.
    return isinstance(exc, NetworkError) and not isinstance(exc, BadRequest)


def retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        # PTB 22 warns that the attribute will become a timedelta; accept either.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return max(0.0, seconds)


async def with_retries(
    call: Callable[[], Awaitable[T]], what: str, policy: RetryPolicy = DEFAULT_POLICY
) -> T:
    """``await call()``, again after a transient fault, within the policy's bounds; the last
    error is raised as it was. ``what`` names the call in logs (a method name, never text)."""
    started = policy.clock()
    attempt = 0
    while True:
        attempt += 1
        try:
            return await call()
        except TelegramError as exc:
            if not is_transient(exc) or attempt >= policy.attempts:
                raise
            if isinstance(exc, RetryAfter):
                delay = retry_after_seconds(exc)
            else:
                delay = policy.backoff(attempt)
            if policy.clock() - started + delay > policy.budget:
                raise
            log.info(
                "%s failed (%s); attempt %d of %d in %.1fs",
                what,
                type(exc).__name__,
                attempt + 1,
                policy.attempts,
                delay,
            )
            await policy.sleep(delay)


async def queue_later(ctx: AppContext, chat_id: int, replies: Sequence[Reply]) -> int:
    """Put replies that could not be sent now into the outbox, in order; returns how many.

    No dedupe key: each is the answer to one message the person sent, and two crisis messages
    deserve two answers. Only text and inline buttons travel through the outbox, which is all
    a safety reply has."""
    now = ctx.clock.now()
    async with ctx.sessions.begin() as session:
        for reply in replies:
            enqueue(session, chat_id=chat_id, kind=URGENT_KIND, payload=payload_for(reply), now=now)
    log.warning("%d urgent repl(ies) queued for later delivery", len(replies))
    return len(replies)
