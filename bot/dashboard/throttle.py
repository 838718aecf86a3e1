"""Throttling failed sign-ins: at most ten refused login links per client address, and per
link, in any ten minutes; past that, sign-in from that address (or with that link) is refused
with 429 before any database look-up until the oldest failure is ten minutes old.

A link's token has 256 random bits, so this is not what stops guessing; it keeps a flood of
bad links from turning into a flood of database reads and audit rows, and makes repeated use
of a leaked or old link stand out (one audit row when the throttle starts). Only failures count:
a staff member signing in normally is never held up by their own successes.

Counts are kept in this process's memory (one dashboard process serves a clinic). Behind a
reverse proxy every client has the proxy's address, so the per-address limit applies to all
visitors together; the per-link limit still tells one link from another.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Sequence
from datetime import datetime, timedelta

FAILURES = 10
WINDOW = timedelta(minutes=10)
MAX_KEYS = 10_000
# Enough of a token to tell links apart; only a hash of it is kept.
TOKEN_PREFIX = 16


def keys(address: str | None, token: str) -> tuple[str, str]:
    """The throttle's keys for a sign-in: its address, and its link."""
    link = hashlib.sha256(token[:TOKEN_PREFIX].encode()).hexdigest()[:16]
    return f"address:{address or '?'}", f"link:{link}"


def kind(key: str) -> str:
    """``address`` or ``link``."""
    return key.split(":", 1)[0]


class SignInThrottle:
    """Failed sign-ins per key over a sliding window; time is passed in."""

    def __init__(
        self, limit: int = FAILURES, window: timedelta = WINDOW, max_keys: int = MAX_KEYS
    ) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._failures: dict[str, deque[datetime]] = {}
        self._reported: set[str] = set()

    def _recent(self, key: str, now: datetime) -> deque[datetime] | None:
        times = self._failures.get(key)
        if times is None:
            return None
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            self._reported.discard(key)
            return None
        return times

    def blocked(self, keys: Sequence[str], now: datetime) -> str | None:
        """The first of ``keys`` that has used up its failures, or None."""
        for key in keys:
            times = self._recent(key, now)
            if times is not None and len(times) >= self.limit:
                return key
        return None

    def retry_after(self, key: str, now: datetime) -> int:
        """Whole seconds until ``key`` may try again."""
        times = self._recent(key, now)
        if times is None:
            return 0
        return max(1, int((times[0] + self.window - now).total_seconds()) + 1)

    def first_block(self, key: str) -> bool:
        """True once per episode of ``key`` being blocked (to record it once)."""
        if key in self._reported:
            return False
        self._reported.add(key)
        return True

    def failed(self, keys: Sequence[str], now: datetime) -> None:
        for key in keys:
            times = self._recent(key, now)
            if times is None:
                times = self._failures[key] = deque(maxlen=self.limit)
            times.append(now)
        while len(self._failures) > self.max_keys:
            # Memory stays bounded: past MAX_KEYS the oldest keys are forgotten (a flood from
            # very many addresses can only shorten how long the earliest ones are held).
            oldest = next(iter(self._failures))
            del self._failures[oldest]
            self._reported.discard(oldest)
