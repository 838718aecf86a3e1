"""The send-rate limiter, with time passed in: no sleeping, no clock."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.rate_limit import SendRateLimiter, TokenBucket


def test_bucket_starts_full_and_refills_at_its_rate() -> None:
    bucket = TokenBucket(rate=2.0)
    assert bucket.delay(100.0) == 0.0
    bucket.take(100.0)
    assert bucket.delay(100.0) == pytest.approx(0.5)
    assert bucket.delay(100.25) == pytest.approx(0.25)
    assert bucket.delay(100.5) == 0.0


def test_bucket_never_stores_more_than_its_capacity() -> None:
    bucket = TokenBucket(rate=1.0, capacity=3.0)
    for _ in range(3):
        bucket.take(0.0)
    assert bucket.delay(0.0) == pytest.approx(1.0)
    # An hour idle still leaves only three tokens.
    for _ in range(3):
        bucket.take(3600.0)
    assert bucket.delay(3600.0) == pytest.approx(1.0)


def test_bucket_refuses_a_token_it_does_not_have() -> None:
    bucket = TokenBucket(rate=1.0)
    bucket.take(0.0)
    with pytest.raises(RuntimeError):
        bucket.take(0.5)


def test_bucket_ignores_a_clock_that_steps_back() -> None:
    bucket = TokenBucket(rate=1.0)
    bucket.take(10.0)
    assert bucket.delay(5.0) == pytest.approx(1.0)  # no tokens minted, none taken away
    assert bucket.delay(11.0) == 0.0


@pytest.mark.parametrize(("rate", "capacity"), [(0.0, 1.0), (-1.0, 1.0), (1.0, 0.5)])
def test_bucket_rejects_nonsense(rate: float, capacity: float) -> None:
    with pytest.raises(ValueError):
        TokenBucket(rate=rate, capacity=capacity)


def test_limiter_rejects_nonsense_rates() -> None:
    with pytest.raises(ValueError):
        SendRateLimiter(0.0, 1.0)
    with pytest.raises(ValueError):
        SendRateLimiter(30.0, -1.0)


def test_one_chat_gets_one_message_a_second() -> None:
    limiter = SendRateLimiter(30.0, 1.0)
    assert limiter.try_acquire(7, 0.0) == 0.0
    assert limiter.try_acquire(7, 0.0) == pytest.approx(1.0)
    assert limiter.try_acquire(7, 0.6) == pytest.approx(0.4)
    assert limiter.try_acquire(7, 1.0) == 0.0


def test_a_waiting_chat_does_not_hold_up_another() -> None:
    limiter = SendRateLimiter(30.0, 1.0)
    assert limiter.try_acquire(1, 0.0) == 0.0
    assert limiter.try_acquire(1, 0.1) > 0
    assert limiter.try_acquire(2, 0.1) == 0.0


def test_a_refused_request_spends_nothing() -> None:
    limiter = SendRateLimiter(10.0, 1.0)
    limiter.try_acquire(1, 0.0)
    # Chat 1 is refused for its own bucket; that must not cost the global bucket a token.
    assert limiter.try_acquire(1, 0.1) > 0
    assert limiter.try_acquire(2, 0.1) == 0.0
    # Chat 3 is refused for the global bucket; that must not cost chat 3 its token.
    assert limiter.try_acquire(3, 0.1) == pytest.approx(0.1)
    assert limiter.try_acquire(3, 0.2) == 0.0


def test_many_chats_share_the_global_rate() -> None:
    limiter = SendRateLimiter(20.0, 1.0)
    now, sent = 0.0, []
    chats = iter(range(10_000))
    chat = next(chats)
    while now < 10.0:
        wait = limiter.try_acquire(chat, now)
        if wait == 0.0:
            sent.append(now)
            chat = next(chats)
        else:
            now += wait
    assert len(sent) == pytest.approx(200, abs=1)
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert min(gaps) == pytest.approx(0.05)


def test_pause_holds_every_chat_and_only_grows() -> None:
    limiter = SendRateLimiter(30.0, 1.0)
    limiter.pause_until(5.0)
    limiter.pause_until(3.0)  # an earlier end never shortens a pause
    assert limiter.paused_for(1.0) == pytest.approx(4.0)
    assert limiter.try_acquire(1, 1.0) == pytest.approx(4.0)
    assert limiter.try_acquire(2, 4.999) == pytest.approx(0.001)
    assert limiter.try_acquire(2, 5.0) == 0.0
    assert limiter.paused_for(6.0) == 0.0


def test_global_and_chat_delays_only_look() -> None:
    limiter = SendRateLimiter(1.0, 1.0)
    for _ in range(3):
        assert limiter.global_delay(0.0) == 0.0
        assert limiter.chat_delay(1, 0.0) == 0.0
    assert limiter.try_acquire(1, 0.0) == 0.0
    assert limiter.global_delay(0.0) == pytest.approx(1.0)
    assert limiter.chat_delay(1, 0.5) == pytest.approx(0.5)
    assert limiter.chat_delay(2, 0.5) == 0.0


def test_idle_chats_are_forgotten() -> None:
    limiter = SendRateLimiter(1000.0, 1.0, sweep_every=10.0)
    for chat in range(500):
        assert limiter.try_acquire(chat, chat / 1000) == 0.0
    assert limiter.tracked_chats == 500
    # A chat is dropped only once its bucket is full again, so nothing it owes is forgotten.
    assert limiter.evict_idle(0.9) == 0
    assert limiter.evict_idle(1.25) == 251  # chats 0..250 sent by 0.25 s
    assert limiter.tracked_chats == 249
    assert limiter.chat_delay(499, 1.25) == pytest.approx(0.249)
    # The sweep also runs on its own as time passes.
    assert limiter.try_acquire(10_000, 20.0) == 0.0
    assert limiter.tracked_chats == 1


def test_memory_stays_bounded_under_endless_new_chats() -> None:
    limiter = SendRateLimiter(100.0, 1.0, sweep_every=1.0)
    now = 0.0
    for chat in range(20_000):
        now += 0.01
        assert limiter.try_acquire(chat, now) == 0.0
        assert limiter.tracked_chats <= 201
    assert now == pytest.approx(200.0)


def test_forgetting_a_chat_changes_nothing() -> None:
    remembering = SendRateLimiter(5.0, 1.0, sweep_every=math.inf)
    forgetting = SendRateLimiter(5.0, 1.0, sweep_every=0.0)
    now = 0.0
    for step in range(2000):
        chat = (step * 7) % 13
        now += 0.05 * (step % 5)
        assert remembering.try_acquire(chat, now) == forgetting.try_acquire(chat, now)


@settings(max_examples=200, deadline=None)
@given(
    rate=st.floats(min_value=0.5, max_value=100.0),
    chat_rate=st.floats(min_value=0.1, max_value=5.0),
    steps=st.lists(
        st.tuples(st.integers(0, 4), st.floats(min_value=0.0, max_value=0.5)), max_size=300
    ),
)
def test_no_window_ever_exceeds_the_limits(
    rate: float, chat_rate: float, steps: list[tuple[int, float]]
) -> None:
    """Whatever the request pattern: sends overall are >= 1/rate apart and, per chat,
    >= 1/chat_rate apart (burst 1), so no one-second window has more than rate + 1."""
    limiter = SendRateLimiter(rate, chat_rate)
    now = 0.0
    granted: list[tuple[float, int]] = []
    for chat, advance in steps:
        now += advance
        if limiter.try_acquire(chat, now) == 0.0:
            granted.append((now, chat))
    tolerance = 1e-9
    for (a, _), (b, _) in itertools.pairwise(granted):
        assert b - a >= 1 / rate - tolerance
    last: dict[int, float] = {}
    for at, chat in granted:
        if chat in last:
            assert at - last[chat] >= 1 / chat_rate - tolerance
        last[chat] = at


@settings(max_examples=100, deadline=None)
@given(
    rate=st.floats(min_value=1.0, max_value=60.0),
    chat_rate=st.floats(min_value=0.2, max_value=2.0),
    chats=st.integers(min_value=1, max_value=50),
)
def test_waiting_exactly_as_told_reaches_the_full_rate(
    rate: float, chat_rate: float, chats: int
) -> None:
    """A sender that sleeps exactly the returned delay is never refused twice for nothing and
    achieves min(rate, chats * chat_rate) over a long run."""
    limiter = SendRateLimiter(rate, chat_rate)
    now, sent = 0.0, 0
    next_free = dict.fromkeys(range(chats), 0.0)
    horizon = 30.0
    while now < horizon:
        # Ask for the chat that has been ready the longest, as the sender does.
        chat = min(next_free, key=lambda c: (next_free[c], c))
        now = max(now, next_free[chat])
        wait = limiter.try_acquire(chat, now)
        if wait == 0.0:
            sent += 1
            next_free[chat] = now + 1 / chat_rate
        else:
            now += wait
    expected = min(rate, chats * chat_rate) * horizon
    # Each bucket starts with one token, so the first moment may add one send per bucket.
    assert expected - 1 <= sent <= expected + chats + 1
