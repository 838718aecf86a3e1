"""Draining a backlog one committed batch at a time, in lanes on Postgres (issue 18).

The tick, the follow-up wave and the check-in waves share the shape: one batch first, alone,
so an idle or ordinary run costs one claim; only behind a full batch do ``lanes`` batch loops
run at once, each until a batch of its own comes back short. While one lane builds its rows in
Python the server writes another's, and ``SKIP LOCKED`` (or the lane's own share of the rows,
when the batch splits them by ``lane`` of ``lanes``) keeps them apart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol, Self, TypeVar


class Tally(Protocol):
    def add(self, other: Self) -> None: ...


T = TypeVar("T", bound=Tally)

# (lane, lanes) -> (rows claimed, what the batch did); each call is one committed transaction.
OneBatch = Callable[[int, int], Awaitable[tuple[int, T]]]


async def drain(one: OneBatch[T], total: T, batch_size: int, lanes: int) -> T:
    """Run batches until they come back short (fewer than ``batch_size`` rows claimed), adding
    what each did to ``total``. The first runs as lane 0 of 1."""
    claimed, first = await one(0, 1)
    total.add(first)
    if claimed < batch_size:
        return total

    async def loop(lane: int) -> None:
        while True:
            claimed, batch = await one(lane, lanes)
            total.add(batch)
            if claimed < batch_size:
                return

    await asyncio.gather(*(loop(lane) for lane in range(lanes)))
    return total
