"""A rate limiter that remembers what it granted, for tests of the sender's limits."""

from __future__ import annotations

import time

from bot.domain.rate_limit import SendRateLimiter


class RecordingLimiter(SendRateLimiter):
    """The sender's limiter, keeping every grant and every flood-control pause it was given."""

    def __init__(self, original: SendRateLimiter) -> None:
        super().__init__(original.per_second, original.per_chat_per_second, burst=1.15)
        self.grants: list[tuple[int, float]] = []
        self.pauses: list[tuple[float, float]] = []  # (when it was set, until)

    def try_acquire(self, chat_id: int, now: float) -> float:
        wait = super().try_acquire(chat_id, now)
        if wait == 0.0:
            self.grants.append((chat_id, now))
        return wait

    def pause_until(self, until: float) -> None:
        self.pauses.append((time.monotonic(), until))
        super().pause_until(until)


def refused_on_replay(
    grants: list[tuple[int, float]], per_second: float, per_chat_per_second: float
) -> list[int]:
    """Which of the sender's grants a fresh limiter with the configured rates would refuse,
    replayed on a controllable clock (the instants the sender used). Empty when the sender kept
    to the configured limits, however the machine's load spread its calls."""
    fresh = SendRateLimiter(per_second, per_chat_per_second, burst=1.15)
    return [index for index, (chat, at) in enumerate(grants) if fresh.try_acquire(chat, at) != 0.0]
