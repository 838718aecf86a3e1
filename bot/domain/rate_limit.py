"""Send-rate limiting for Telegram: token buckets with the time passed in.

Telegram allows a bot about 30 messages a second overall and about one a second to any one chat,
and answers 429 ``retry_after`` when it thinks a bot is flooding; then the whole bot has to wait.
This module only does the arithmetic. Nothing here sleeps or reads a clock: every method takes
``now`` (seconds on a monotonic scale, e.g. ``time.monotonic()``) and the caller does the waiting,
which keeps the rules exhaustively testable.

Buckets hold at most ``burst`` tokens (one by default), so sends are paced evenly rather than
allowed in bursts: with a rate of 30/s and a burst of 1, no one-second window ever sees more than
31 sends; with 1/s per chat, two sends to one chat are always at least a second apart.

Per-chat buckets are forgotten once they have refilled completely: a full bucket behaves exactly
like a new one, so dropping it changes nothing, and memory stays proportional to the chats that
were sent to in the last few seconds, not to every chat ever seen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Refills are floating point: 0.05 s at 20/s comes to 0.9999999999999998 tokens. A shortfall this
# small counts as a whole token; otherwise the caller would be told to wait ~1e-17 s, forever.
_EPSILON = 1e-9


@dataclass
class TokenBucket:
    """``rate`` tokens per second, at most ``capacity`` stored; starts full."""

    rate: float
    capacity: float = 1.0
    tokens: float = math.nan
    updated: float = math.nan

    def __post_init__(self) -> None:
        if not self.rate > 0:
            raise ValueError("rate must be positive")
        if not self.capacity >= 1:
            raise ValueError("capacity must be at least one token")
        if math.isnan(self.tokens):
            self.tokens = self.capacity

    def _refill(self, now: float) -> None:
        if math.isnan(self.updated):
            self.updated = now
            return
        # A clock that steps backwards must not mint tokens or take them away.
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.updated = max(self.updated, now)

    def delay(self, now: float) -> float:
        """Seconds until one token is available (0.0 if one is available now)."""
        self._refill(now)
        if self.tokens >= 1.0 - _EPSILON:
            return 0.0
        return (1.0 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        """Spend one token; call only after ``delay(now) == 0``."""
        self._refill(now)
        if self.tokens < 1.0 - _EPSILON:
            raise RuntimeError("no token available; check delay() first")
        self.tokens = max(0.0, self.tokens - 1.0)

    def full_at(self) -> float:
        """The instant the bucket is full again (it stays full after that)."""
        if math.isnan(self.updated):
            return -math.inf
        return self.updated + (self.capacity - self.tokens) / self.rate


class SendRateLimiter:
    """A global bucket, one bucket per chat, and a global pause for Telegram's flood control.

    ``try_acquire(chat_id, now)`` either spends a token from both the global and the chat's
    bucket and returns ``0.0`` ("send now"), or spends nothing and returns how many seconds to
    wait before asking again. The other methods only look.
    """

    def __init__(
        self,
        per_second: float,
        per_chat_per_second: float,
        *,
        burst: float = 1.0,
        chat_burst: float = 1.0,
        sweep_every: float = 10.0,
    ) -> None:
        if not per_second > 0 or not per_chat_per_second > 0:
            raise ValueError("rates must be positive")
        self.per_second = per_second
        self.per_chat_per_second = per_chat_per_second
        self._chat_burst = chat_burst
        self._global = TokenBucket(per_second, burst)
        self._chats: dict[int, TokenBucket] = {}
        self._paused_until = -math.inf
        self._sweep_every = sweep_every
        self._last_sweep = -math.inf
        # Validate the per-chat parameters now rather than at the first send.
        TokenBucket(per_chat_per_second, chat_burst)

    # -------------------------------------------------------------- flood control

    def pause_until(self, until: float) -> None:
        """Hold every send until ``until``; a later pause extends, an earlier one never shortens."""
        self._paused_until = max(self._paused_until, until)

    def paused_for(self, now: float) -> float:
        """Seconds left of a flood-control pause (0.0 if none)."""
        return max(0.0, self._paused_until - now)

    # -------------------------------------------------------------- looking

    def global_delay(self, now: float) -> float:
        """Seconds until any send may start: the pause, then the global bucket."""
        return max(self.paused_for(now), self._global.delay(now))

    def chat_delay(self, chat_id: int, now: float) -> float:
        """Seconds until this chat's own bucket allows a send (ignores the global limit)."""
        bucket = self._chats.get(chat_id)
        return 0.0 if bucket is None else bucket.delay(now)

    # -------------------------------------------------------------- spending

    def try_acquire(self, chat_id: int, now: float) -> float:
        """0.0 and one token spent from both buckets, or the seconds to wait (nothing spent)."""
        self._maybe_sweep(now)
        wait = max(self.global_delay(now), self.chat_delay(chat_id, now))
        if wait > 0.0:
            return wait
        bucket = self._chats.get(chat_id)
        if bucket is None:
            bucket = self._chats[chat_id] = TokenBucket(self.per_chat_per_second, self._chat_burst)
        self._global.take(now)
        bucket.take(now)
        return 0.0

    # -------------------------------------------------------------- memory

    @property
    def tracked_chats(self) -> int:
        return len(self._chats)

    def evict_idle(self, now: float) -> int:
        """Forget chats whose bucket is full again (indistinguishable from a new one)."""
        idle = [chat for chat, bucket in self._chats.items() if bucket.full_at() <= now]
        for chat in idle:
            del self._chats[chat]
        self._last_sweep = now
        return len(idle)

    def _maybe_sweep(self, now: float) -> None:
        if now - self._last_sweep >= self._sweep_every:
            self.evict_idle(now)
