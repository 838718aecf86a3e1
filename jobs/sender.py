"""The outbox sender: every pushed message (reminders, nudges, check-ins, staff alerts) leaves here.

Delivery guarantees
-------------------
At least once, with duplicates bounded by one batch in flight.

* **Claiming.** One short transaction selects due rows (``status='pending' AND next_attempt_at <=
  now``, earliest first), with ``FOR UPDATE SKIP LOCKED`` on Postgres so several worker processes
  never claim the same row, pushes their ``next_attempt_at`` to ``now + lease``, counts the
  attempt and commits. Only then is anything sent. SQLite has no row locks: there the claim
  takes the database's write lock before it reads (``bot.db.engine.claiming``), so a second
  worker waits and then sees the rows as leased.
* **Recording.** Each message's outcome is committed on its own right after Telegram answers, so
  a crash loses at most the outcomes of the sends in flight at that moment.
* **Database outages.** When an outcome cannot be written (the database went away mid-batch),
  the rest of the batch is not sent: it would go out unrecorded and again after the lease. So an
  outage repeats at most the sends in flight, like a crash.
* **Crashes.** A row claimed by a process that died becomes due again when its lease runs out and
  is sent again: a message whose send had already reached Telegram is then delivered twice. That
  is the price of never losing one, and it is bounded by what was claimed and unrecorded. The
  same holds for a send that timed out after Telegram had received it (Telegram offers no
  idempotency key). A row that keeps coming back without an outcome is given up after
  ``max_attempts`` claims.
* **Leases.** A batch never holds rows longer than it can send them: the claim takes at most a few
  seconds' worth of messages per chat and half a lease's worth overall, and rows still unsent
  when three quarters of the lease have passed (a long flood-control pause) are handed back
  untouched, as are unsent rows when the sender is asked to stop.

Limits and retries
------------------
* Rate: about ``send_rate_per_second`` overall and ``send_rate_per_chat_per_second`` per chat
  (token buckets in :mod:`bot.domain.rate_limit`). Sends run concurrently up to
  ``max_in_flight``, since one Bot API call takes ~100 ms; a chat has at most one send in flight,
  its messages go in due order, and a chat waiting for its own bucket never holds up the others.
  The limits and the per-chat ordering hold within one process. Several sender processes each
  apply the full rates and may each claim some of one chat's messages, so for strict limits
  divide the configured rates between them (or run one sender and let extra workers tick).
* 429 ``retry_after``: the message is due again after ``retry_after`` and the whole sender pauses
  new sends for that long (Telegram's flood control is per bot). Not counted as an attempt.
* 5xx, timeouts, network errors: exponential backoff with full jitter (2 s doubling, capped at
  5 min), then ``failed`` after ``max_attempts``.
* 400: ``failed`` at once with Telegram's reason (never the message text).
* Edits (a payload with ``edit_of``, e.g. an alert card showing who took it) change the message an
  earlier row delivered to the same chat. One whose message is not out yet waits, without
  counting an attempt or holding up the chat; one whose message was never delivered fails.
* 403 (blocked): ``failed``; if the chat is a patient's, :func:`mark_unreachable` stops their
  reminders and tells their clinic's staff.
* When a message must wait a short while (flood control, an early retry), the chat's later
  messages in the same batch are put back behind it, so the chat still reads them in order. A
  message in a long backoff does not hold its chat's later messages back.

Texts (issue 16, step 4)
------------------------
A patient who prefers texts (``Patient.preferred_channel == "sms"``) and has a linked
:class:`SmsContact`, and every text-only chat (a number invited or enrolled by text,
bot/sms/chats.py), get their messages by SMS, through one :class:`TwilioGateway` per sender
run, made only when ``settings.sms_enabled``. The claim looks up, in one query per batch, which
of its chats are reached by text; the payload is rendered by :func:`bot.sms.render.sms_text`
(buttons become numbered answers, and the contact keeps them once the text is sent, for the
number's next reply). An edit has no SMS form: a Telegram patient's stays on Telegram. **A
text-only chat is never handed to Telegram**: without a gateway, or with no text form, its row
fails unsent (``NO_TEXT_ROUTE``).
Twilio's message sid and segment count are stored on the row; receipts are matched by the sid
(bot/services/sms_receipts.py).

* Rate: one token bucket per sending number at ``SMS_RATE_PER_NUMBER_PER_SECOND`` (a second
  :class:`SendRateLimiter`, whose global bucket is that number's), apart from Telegram's.
* ``SmsTransient``: with ``Retry-After`` like Telegram's 429 (every text waits, not counted as
  an attempt), without it the usual backoff. ``SmsAccountProblem``: every text waits, like
  ``InvalidToken``. Neither holds up Telegram.
* ``SmsOptedOut`` (21610): ``failed``, the contact's opt-out recorded, and the patient marked
  unreachable and staff told, as for a Telegram block. ``SmsRejected``: ``failed``; when the
  number itself cannot take texts (``number_problem``), also marked unreachable.
* A number whose STOP we recorded gets nothing: its rows fail at once, unsent.

Logs carry counts, outbox ids and error classes only: never message text, chat ids or names,
nor phone numbers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import re
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import telegram
from sqlalchemy import Select, and_, func, literal, or_, select, text, update
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from bot.config import Settings
from bot.db.engine import claiming
from bot.db.errors import describe
from bot.db.models import (
    Channel,
    Clinic,
    DoseEvent,
    OutboxMessage,
    OutboxStatus,
    Patient,
    SmsContact,
)
from bot.domain.quiet_hours import can_wait, clinic_quiet_hours
from bot.domain.rate_limit import SendRateLimiter
from bot.domain.replies import Button
from bot.services.context import AppContext
from bot.services.reachability import UNREACHABLE_ERROR, mark_unreachable
from bot.services.sms_contacts import remember_menu
from bot.services.sms_usage import count_text
from bot.sms.chats import chat_for_contact, contact_of_chat, is_text_only
from bot.sms.paths import STATUS_PATH
from bot.sms.render import sms_text
from bot.telegram.delivery import retry_after_seconds
from bot.telegram.render import render_buttons

if TYPE_CHECKING:
    # Imported when texts are on (aiohttp and twilio take a fifth of a second to import).
    from bot.sms.gateway import SentMessage, SmsError, TwilioGateway

log = logging.getLogger(__name__)

IDLE_SECONDS = 0.5
ERROR_SECONDS = 5.0
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 300.0
# A retry due within this many seconds keeps the chat's later messages behind it.
ORDER_HOLD_SECONDS = 30.0
# A misconfigured or revoked token: hold everything this long, then try again.
INVALID_TOKEN_PAUSE_SECONDS = 60.0
# Per chat, a claim takes at most this many seconds' worth of messages at the per-chat rate.
CHAT_SECONDS_PER_BATCH = 3.0
# Unsent rows are handed back once this fraction of the lease has passed.
LEASE_GUARD = 0.75
MAX_ERROR_LENGTH = 300
# An edit whose original message is still queued tries again after this long.
EDIT_WAIT_SECONDS = 2.0
# The claim looks at this many times a batch from the head of the line to fill one batch.
HEAD_FACTOR = 4
# A text to a number whose STOP we recorded: never sent.
OPTED_OUT_ERROR = "sms: the number opted out (STOP); not sent"
NO_TEXT_ROUTE = "sms: texts are off or the number is gone; not sent"


def sender_bot(settings: Settings) -> telegram.Bot:
    """A plain Bot for the sender: no AIORateLimiter, the sender limits and retries itself."""
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    return telegram.Bot(settings.telegram_bot_token, base_url=settings.telegram_api_base_url)


class MessageSink(Protocol):
    """What the sender needs of a Bot: python-telegram-bot's ``telegram.Bot``, or the demo's
    terminal (:mod:`bot.demo_channel`)."""

    async def send_message(
        self, *, chat_id: int, text: str, reply_markup: InlineKeyboardMarkup | None = None
    ) -> telegram.Message: ...

    async def edit_message_text(
        self,
        *,
        text: str,
        chat_id: int,
        message_id: int,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> telegram.Message | bool: ...


class SmsSink(Protocol):
    """What the sender needs of an SMS gateway: :class:`bot.sms.gateway.TwilioGateway`."""

    async def send(
        self,
        to: str,
        body: str,
        status_callback: str | None = None,
        *,
        from_number: str | None = None,
    ) -> SentMessage: ...


@dataclass(frozen=True)
class _SmsRoute:
    """A row going out by text: to which number, what it says, and whether the number said
    STOP."""

    phone: str
    body: str
    opted_out: bool
    clinic_id: int | None  # whose monthly count the text adds to
    contact_id: int
    # What the number's next numbered reply answers once this text is sent (SmsText.menu).
    menu: tuple[tuple[str, str], ...] | None = None
    # Which of the pool's sending numbers (TWILIO_FROM_NUMBER) texts this contact: always the
    # same one. 0 with one number or a Messaging Service.
    sender: int = 0


class _Contact(NamedTuple):
    """A number the sender texts: a texting patient's, or an invited one's (text-only chat)."""

    phone: str
    language: str
    opted_out: bool
    timezone: str | None
    clinic_id: int | None
    contact_id: int
    quiet_hours: str | None = None  # the clinic's own; None: SMS_QUIET_HOURS


class _Outcome(Enum):
    SENT = "sent"
    RETRY = "retry"  # transient: backoff, counted as an attempt
    FLOOD = "flood"  # 429 or a bad token: wait, not counted as an attempt
    FAILED = "failed"  # permanent (400, unusable payload)
    BLOCKED = "blocked"  # 403


@dataclass(frozen=True)
class _Result:
    outcome: _Outcome
    error: str | None = None
    delay: float = 0.0
    message_id: int | None = None
    # Whether the chat's later messages wait behind this one (keeps a chat's messages in order).
    hold: bool = True
    # Sent by SMS: Twilio's sid, status and segment count.
    sms: SentMessage | None = None
    # BLOCKED by SMS error 21610: the contact's opt-out is recorded too.
    opted_out: bool = False


@dataclass(frozen=True)
class _Row:
    """A claimed outbox row; ``leased_until`` doubles as the claim's token in later updates."""

    id: int
    chat_id: int
    payload: dict[str, Any]
    attempts: int  # including this claim
    due_at: datetime  # next_attempt_at before the claim: the row's place in line
    leased_until: datetime
    sms: _SmsRoute | None = None  # None: by Telegram
    # A text that can wait, claimed during the patient's quiet hours: when they end.
    held_until: datetime | None = None

    @property
    def order(self) -> tuple[datetime, int]:
        return (self.due_at, self.id)


# The claim's transaction on Postgres: the head of the line is read from the index in its order
# whatever the statistics say. Right after a burst, before autovacuum has analysed the outbox
# again, the planner may believe few rows are due and scan them all into a Sort (70 ms for
# 100,000 pending, against 1 ms in index order); a generic plan made while the outbox was empty
# does the same. With sorting off, the ordered index scan is the only plan left without one. So
# the claim's other statements have no ORDER BY (the payloads are put in order in Python).
CLAIM_SETTINGS = "SET LOCAL enable_sort = off"


def claim_head_query(now: datetime, limit: int, *, lock: bool) -> Select[int, int]:
    """The head of the line: due pending rows, earliest first, read in order from the partial
    index ``ix_outbox_pending`` (next_attempt_at, id) WHERE status = 'pending', so no plan
    sorts the backlog (with ``CLAIM_SETTINGS`` on Postgres). The status is written into the SQL,
    not bound: a generic plan cannot tell that a bound ``status = $1`` means 'pending', so it
    could not use the index at all (tests/integration/test_lookup_plans.py checks the plans on
    Postgres). ``lock``: FOR UPDATE SKIP LOCKED, for Postgres."""
    pending = literal(OutboxStatus.PENDING.value, literal_execute=True)
    query = (
        select(OutboxMessage.id, OutboxMessage.chat_id)
        .where(OutboxMessage.status == pending, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    return query.with_for_update(skip_locked=True) if lock else query


class OutboxSender:
    def __init__(
        self,
        ctx: AppContext,
        bot: MessageSink,
        *,
        batch_size: int = 200,
        lease: timedelta = timedelta(seconds=60),
        max_in_flight: int = 16,
        max_attempts: int = 12,
        rng: random.Random | None = None,
        sms: SmsSink | None = None,
    ) -> None:
        """``sms``: the gateway texts go through. None: :meth:`run` makes a TwilioGateway from
        the settings when SMS is on (and closes it when it stops); without one, every message
        goes by Telegram."""
        if batch_size < 1 or max_in_flight < 1 or max_attempts < 1:
            raise ValueError("batch_size, max_in_flight and max_attempts must be positive")
        if lease <= timedelta(0):
            raise ValueError("lease must be positive")
        self.ctx = ctx
        self.bot = bot
        self.batch_size = batch_size
        self.lease = lease
        self.max_in_flight = max_in_flight
        self.max_attempts = max_attempts
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not security
        settings = ctx.settings
        # A little headroom in the global bucket makes up for the event loop's lateness, which
        # otherwise caps the sustained rate a few percent under the limit.
        self.limiter = SendRateLimiter(
            settings.send_rate_per_second, settings.send_rate_per_chat_per_second, burst=1.15
        )
        lease_seconds = lease.total_seconds()
        self._per_chat_claim = max(
            1, math.floor(settings.send_rate_per_chat_per_second * CHAT_SECONDS_PER_BATCH)
        )
        self._batch_claim = max(
            1, min(batch_size, math.floor(settings.send_rate_per_second * lease_seconds / 2))
        )
        self._stop: asyncio.Event | None = None
        self._unrecorded = False  # an outcome could not be written in the current batch
        self.sms = sms
        # One bucket per sending number (the pool of TWILIO_FROM_NUMBER, or the Messaging
        # Service as one); the pause is the whole account's (a 429 with Retry-After, a
        # suspended account). The global bucket allows every number its rate at once.
        sms_rate = settings.sms_rate_per_number_per_second
        self._pool: tuple[str | None, ...] = settings.twilio_from_numbers or (None,)
        self.sms_limiter = SendRateLimiter(sms_rate * len(self._pool) * 1.15, sms_rate, burst=1.15)
        public = settings.sms_public_url
        self._status_callback = f"{public.rstrip('/')}{STATUS_PATH}" if public else None

    # ------------------------------------------------------------------ public

    async def run(self, stop: asyncio.Event) -> None:
        """Drain until ``stop`` is set; unsent claimed rows are handed back on the way out."""
        self._stop = stop
        own_gateway: TwilioGateway | None = None
        if self.sms is None and self.ctx.settings.sms_enabled:
            from bot.sms.gateway import TwilioGateway

            own_gateway = TwilioGateway.from_settings(self.ctx.settings)
            self.sms = own_gateway
        log.info("outbox sender started%s", " (texts on)" if self.sms is not None else "")
        try:
            while not stop.is_set():
                try:
                    handled = await self.drain_once()
                    idle = IDLE_SECONDS if handled == 0 else 0.0
                except Exception as exc:  # the database may be restarting; keep going
                    reason = describe(exc) or type(exc).__name__
                    log.error("outbox drain failed (%s); retrying", reason)
                    idle = ERROR_SECONDS
                if idle and not stop.is_set():
                    await self._sleep(idle)
        finally:
            self._stop = None
            if own_gateway is not None:
                self.sms = None
                with contextlib.suppress(Exception):
                    await own_gateway.close()
            log.info("outbox sender stopped")

    async def drain_once(self) -> int:
        """Claim one batch of due rows, send them within the limits, record every outcome.

        Returns how many rows got an outcome (sent, failed, or rescheduled).
        """
        pause = self.limiter.paused_for(time.monotonic())
        if pause > 0:  # claim after a flood-control pause, not before: the lease starts now
            await self._sleep(pause)
        if self._stopping():
            return 0
        rows, claimed_at = await self._claim()
        if not rows:
            return 0
        held = [row for row in rows if row.sms is not None and row.held_until is not None]
        if held:
            # Night where these patients live: back in line for the morning, not an attempt,
            # and no rate token spent; the rest of their messages go on (a reminder at the
            # time they chose, a safety note, an answer).
            rows = [row for row in rows if row.sms is None or row.held_until is None]
            for release in sorted({row.held_until for row in held if row.held_until}):
                await self._hand_back(
                    [row for row in held if row.held_until == release], after=release
                )
            log.info("outbox: %d text(s) held for the end of quiet hours", len(held))
        rows, later = self._within_text_budget(rows)
        if later:
            # More texts than their numbers can send before the lease runs out: back in line at
            # their place now, rather than hold this batch (and Telegram's rows) until then.
            await self._hand_back(later)
        handled = len(held) + len(later)
        handled += await self._dispatch(rows, claimed_at) if rows else 0
        log.debug("outbox batch: %d claimed, %d handled", len(rows), handled)
        return handled

    def _within_text_budget(self, rows: list[_Row]) -> tuple[list[_Row], list[_Row]]:
        """(rows to send now, texts to hand back): each sending number takes what it can send
        at its rate in most of a lease (a US long code, 1 a second, about 36 in 60 s)."""
        rate = self.ctx.settings.sms_rate_per_number_per_second
        budget = max(1, math.floor(rate * self.lease.total_seconds() * LEASE_GUARD * 0.8))
        taken: dict[int, int] = {}
        now: list[_Row] = []
        later: list[_Row] = []
        for row in sorted(rows, key=lambda r: r.order):
            if row.sms is None:
                now.append(row)
                continue
            taken[row.sms.sender] = taken.get(row.sms.sender, 0) + 1
            (now if taken[row.sms.sender] <= budget else later).append(row)
        return now, later

    # ------------------------------------------------------------------ claiming

    async def _claim(self) -> tuple[list[_Row], float]:
        claimed_at = time.monotonic()  # before the claim: the lease guard errs early
        now = self.ctx.clock.now()
        leased_until = now + self.lease
        # Two steps in one transaction, so a claim costs the same with 100 or 100,000 messages
        # waiting: lock the head of the line through the partial index (ids only, SKIP LOCKED
        # so concurrent workers take different rows), keep at most a few per chat, then read
        # the payloads of exactly those. Ranking the whole backlog in SQL was slow, and right
        # after a burst (stale statistics) the planner chose a plan quadratic in the backlog.
        async with claiming(self.ctx.sessions) as session:
            postgres = session.get_bind().dialect.name != "sqlite"
            if postgres:
                await session.execute(text(CLAIM_SETTINGS))
            head_query = claim_head_query(now, self._batch_claim * HEAD_FACTOR, lock=postgres)
            per_chat: dict[int, int] = {}
            chosen: list[int] = []
            for row_id, chat_id in (await session.execute(head_query)).all():
                taken = per_chat.get(chat_id, 0)
                if taken < self._per_chat_claim:
                    per_chat[chat_id] = taken + 1
                    chosen.append(row_id)
                    if len(chosen) >= self._batch_claim:
                        break
            if not chosen:
                return [], claimed_at
            found = sorted(
                (
                    await session.execute(
                        select(
                            OutboxMessage.id,
                            OutboxMessage.chat_id,
                            OutboxMessage.payload,
                            OutboxMessage.attempts,
                            OutboxMessage.next_attempt_at,
                            OutboxMessage.dedupe_key,
                        ).where(OutboxMessage.id.in_(chosen))
                    )
                ).all(),
                key=lambda r: (r.next_attempt_at, r.id),
            )
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(chosen))
                .values(next_attempt_at=leased_until, attempts=OutboxMessage.attempts + 1)
                .execution_options(synchronize_session=False)
            )
            routes = await self._sms_patients(session, {r.chat_id for r in found})
        rows = [
            _Row(
                id=r.id,
                chat_id=r.chat_id,
                payload=r.payload if isinstance(r.payload, dict) else {},
                attempts=r.attempts + 1,
                due_at=r.next_attempt_at,
                leased_until=leased_until,
                sms=_route(routes.get(r.chat_id), r.payload, len(self._pool)),
                held_until=self._quiet_until(routes.get(r.chat_id), r.dedupe_key, now),
            )
            for r in found
        ]
        return rows, claimed_at

    def _quiet_until(
        self, found: _Contact | None, dedupe_key: str | None, now: datetime
    ) -> datetime | None:
        """For a text that can wait (bot/domain/quiet_hours.py), the end of the patient's
        quiet hours if it is night where they live; else None."""
        if found is None or found.timezone is None or not can_wait(dedupe_key):
            return None
        quiet = self.ctx.settings.quiet_hours
        if found.quiet_hours is not None:
            # Checked when it was set; one that no longer reads leaves the deployment's.
            with contextlib.suppress(ValueError):
                quiet = clinic_quiet_hours(found.quiet_hours)
        if quiet is None:
            return None
        try:
            zone = ZoneInfo(found.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return None  # an unknown zone: no night to wait for, send as before
        return quiet.held_until(now, zone)

    async def _sms_patients(self, session: AsyncSession, chats: set[int]) -> dict[int, _Contact]:
        """Of ``chats``, those reached by text: patients who prefer texts, and every text-only
        chat (bot/sms/chats.py), enrolled or only invited. One query per batch when the batch
        has any such chat, none while SMS is off."""
        if self.sms is None or not chats:
            return {}
        telegram = [chat for chat in chats if not is_text_only(chat)]
        text_only = [c for chat in chats if (c := contact_of_chat(chat)) is not None]
        by_patient = and_(
            Patient.chat_id.in_(telegram), Patient.preferred_channel == Channel.SMS.value
        )
        found = await session.execute(
            select(
                Patient.chat_id,
                Patient.language,
                Patient.timezone,
                Patient.clinic_id,
                SmsContact.id,
                SmsContact.phone,
                SmsContact.opted_out_at,
                SmsContact.language.label("contact_language"),
                SmsContact.clinic_id.label("contact_clinic"),
                Clinic.sms_quiet_hours,
            )
            .select_from(SmsContact)
            .outerjoin(Patient, SmsContact.patient_id == Patient.id)
            .outerjoin(Clinic, Clinic.id == func.coalesce(Patient.clinic_id, SmsContact.clinic_id))
            .where(or_(SmsContact.id.in_(text_only), by_patient))
        )
        routes: dict[int, _Contact] = {}
        for r in found.all():
            # A text-only chat is the contact's own; a Telegram patient's is theirs.
            chat = chat_for_contact(r.id) if r.id in text_only else r.chat_id
            routes[chat] = _Contact(
                phone=r.phone,
                language=r.language or r.contact_language,
                opted_out=r.opted_out_at is not None,
                timezone=r.timezone,
                clinic_id=r.clinic_id if r.clinic_id is not None else r.contact_clinic,
                contact_id=r.id,
                quiet_hours=r.sms_quiet_hours,
            )
        return routes

    # ------------------------------------------------------------------ dispatching

    async def _dispatch(self, rows: list[_Row], claimed_at: float) -> int:
        queues: dict[int, deque[_Row]] = {}
        for row in rows:
            queues.setdefault(row.chat_id, deque()).append(row)
        running: dict[asyncio.Task[int], int] = {}  # task -> chat
        deadline = claimed_at + self.lease.total_seconds() * LEASE_GUARD
        handled = 0
        try:
            self._unrecorded = False
            while queues or running:
                now = time.monotonic()
                if queues and self._unrecorded:
                    # The database is not taking outcomes; the lease brings these back.
                    queues.clear()
                    continue
                if queues and (now >= deadline or self._stopping()):
                    if now >= deadline:
                        log.warning("outbox lease nearly over; handing unsent rows back")
                    unsent = [row for queue in queues.values() for row in queue]
                    queues.clear()
                    await self._hand_back(unsent)
                    continue
                sms_pause = self.sms_limiter.paused_for(now)
                if sms_pause > ORDER_HOLD_SECONDS and any(
                    q[0].sms is not None for q in queues.values()
                ):
                    # Texts are held for a while (the account was refused): hand them back
                    # until then, rather than keep the batch, and Telegram's next one, waiting.
                    held = [chat for chat, q in queues.items() if q[0].sms is not None]
                    unsent = [row for chat in held for row in queues.pop(chat)]
                    after = self.ctx.clock.now() + timedelta(seconds=sms_pause)
                    await self._hand_back(unsent, after=after)
                    continue
                wait: float | None = None
                if queues and len(running) < self.max_in_flight:
                    launched, wait = self._launch_next(queues, running, now)
                    if launched:
                        continue
                if wait is not None:
                    wait = max(0.0, min(wait, deadline - now))
                elif not running:  # every queued chat is busy, yet nothing runs: cannot be
                    raise RuntimeError("outbox dispatcher stalled")
                for task in await self._wait(running, wait):
                    running.pop(task)
                    handled += task.result()
        finally:
            for task in running:
                task.cancel()
        return handled

    def _launch_next(
        self,
        queues: dict[int, deque[_Row]],
        running: dict[asyncio.Task[int], int],
        now: float,
    ) -> tuple[bool, float | None]:
        """Start the earliest-due message whose chat is free and within its limits.

        Returns (launched, seconds until something may be launchable, or None when only a
        finishing send can change anything).
        """
        global_wait = self.limiter.global_delay(now)
        texts = any(q[0].sms is not None for q in queues.values())
        if global_wait > 0 and not texts:
            return False, global_wait
        busy = set(running.values())
        heads = sorted((q[0].order, chat) for chat, q in queues.items() if chat not in busy)
        wait: float | None = None
        for _, chat in heads:
            text = queues[chat][0].sms
            if text is not None:
                # A text: its sending number's bucket (and the account's pause) only.
                chat_wait = self.sms_limiter.try_acquire(text.sender, now)
            elif global_wait > 0:
                chat_wait = global_wait
            else:
                chat_wait = self.limiter.try_acquire(chat, now)
            if chat_wait > 0:
                wait = chat_wait if wait is None else min(wait, chat_wait)
                continue
            queue = queues[chat]
            row = queue.popleft()
            if not queue:
                del queues[chat]
            task = asyncio.create_task(self._deliver(row, queues))
            running[task] = chat
            return True, None
        return False, wait

    async def _wait(
        self, running: dict[asyncio.Task[int], int], seconds: float | None
    ) -> set[asyncio.Task[int]]:
        """Until a send finishes, ``seconds`` pass (None: no limit) or a stop is asked for."""
        waiters: set[asyncio.Future[Any]] = set(running)
        stop_waiter: asyncio.Task[bool] | None = None
        if self._stop is not None and not self._stop.is_set():
            stop_waiter = asyncio.create_task(self._stop.wait())
            waiters.add(stop_waiter)
        if not waiters:
            await asyncio.sleep(seconds or 0.0)
            return set()
        try:
            done, _ = await asyncio.wait(
                waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            if stop_waiter is not None:
                stop_waiter.cancel()
        return {task for task in running if task in done}

    async def _sleep(self, seconds: float) -> None:
        if self._stop is None:
            await asyncio.sleep(seconds)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)

    def _stopping(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    # ------------------------------------------------------------------ one message

    async def _deliver(self, row: _Row, queues: dict[int, deque[_Row]]) -> int:
        """Send one row and record its outcome; never raises (returns 0 if nothing recorded)."""
        try:
            if row.attempts > self.max_attempts:
                # Claimed this often without an outcome: something kills the worker mid-send.
                result = _Result(_Outcome.FAILED, error="gave up: no outcome after repeated claims")
            else:
                result = await self._send(row)
            await self._record(row, result)
            await self._after(row, result, queues)
        except Exception as exc:
            # Not logged with the traceback: database errors quote the statement's parameters,
            # which include the message text. The lease brings the row back.
            reason = describe(exc) or type(exc).__name__
            log.error("outbox %d: outcome not recorded (%s)", row.id, reason)
            # Every further send of this batch would go out unrecorded and be sent again after
            # the lease: stop here, so a database outage repeats only what was in flight.
            self._unrecorded = True
            return 0
        return 1

    async def _send(self, row: _Row) -> _Result:
        if row.sms is not None:
            return await self._send_text(row, row.sms)
        if is_text_only(row.chat_id):
            # Never to Telegram: it would answer "chat not found" and the patient would be
            # marked unreachable. Texts are off, the number is gone, or this has no text form.
            return _Result(_Outcome.FAILED, error=NO_TEXT_ROUTE)
        try:
            text, markup = _render(row.payload)
        except (KeyError, TypeError, ValueError) as exc:
            return _Result(_Outcome.FAILED, error=f"unusable payload ({type(exc).__name__})")
        edit_of = row.payload.get("edit_of")
        target: int | None = None
        if edit_of is not None:
            found = await self._edit_target(row, edit_of)
            if isinstance(found, _Result):
                return found
            target = found
        try:
            if target is not None:
                edited = await self.bot.edit_message_text(
                    text=text, chat_id=row.chat_id, message_id=target, reply_markup=markup
                )
                message_id = edited.message_id if isinstance(edited, telegram.Message) else target
                return _Result(_Outcome.SENT, message_id=message_id)
            message = await self.bot.send_message(
                chat_id=row.chat_id, text=text, reply_markup=markup
            )
        except RetryAfter as exc:
            seconds = retry_after_seconds(exc)
            self.limiter.pause_until(time.monotonic() + seconds)
            return _Result(_Outcome.FLOOD, error=_reason(exc, text), delay=seconds)
        except Forbidden as exc:
            return _Result(_Outcome.BLOCKED, error=_reason(exc, text))
        except BadRequest as exc:  # before NetworkError: PTB derives it from NetworkError
            if target is not None and "not modified" in exc.message.lower():
                return _Result(_Outcome.SENT, message_id=target)  # already shows this text
            return _Result(_Outcome.FAILED, error=_reason(exc, text))
        except ChatMigrated as exc:
            return _Result(_Outcome.FAILED, error=_reason(exc, text))
        except InvalidToken as exc:
            log.error("Telegram rejected the bot token; holding all sends")
            self.limiter.pause_until(time.monotonic() + INVALID_TOKEN_PAUSE_SECONDS)
            return _Result(
                _Outcome.FLOOD, error=_reason(exc, text), delay=INVALID_TOKEN_PAUSE_SECONDS
            )
        except (TimedOut, NetworkError, TelegramError) as exc:
            return _Result(_Outcome.RETRY, error=_reason(exc, text), delay=self._backoff(row))
        except Exception as exc:  # an HTTP-layer surprise: treat like a network error
            return _Result(
                _Outcome.RETRY,
                error=type(exc).__name__[:MAX_ERROR_LENGTH],
                delay=self._backoff(row),
            )
        return _Result(_Outcome.SENT, message_id=message.message_id)

    async def _send_text(self, row: _Row, route: _SmsRoute) -> _Result:
        """One row by SMS; Twilio's answer sorted as the module's docstring says."""
        if route.opted_out:
            return _Result(_Outcome.FAILED, error=OPTED_OUT_ERROR)
        assert self.sms is not None  # a route is made only with a gateway
        from bot.sms.gateway import (
            SmsAccountProblem,
            SmsError,
            SmsOptedOut,
            SmsRejected,
            SmsTransient,
        )

        try:
            sent = await self.sms.send(
                route.phone,
                route.body,
                self._status_callback,
                from_number=self._pool[route.sender % len(self._pool)],
            )
        except SmsTransient as exc:
            if exc.retry_after is not None:
                self.sms_limiter.pause_until(time.monotonic() + exc.retry_after)
                return _Result(_Outcome.FLOOD, error=_sms_reason(exc), delay=exc.retry_after)
            return _Result(_Outcome.RETRY, error=_sms_reason(exc), delay=self._backoff(row))
        except SmsOptedOut as exc:
            return _Result(_Outcome.BLOCKED, error=_sms_reason(exc), opted_out=True)
        except SmsRejected as exc:
            outcome = _Outcome.BLOCKED if exc.number_problem else _Outcome.FAILED
            return _Result(outcome, error=_sms_reason(exc))
        except SmsAccountProblem as exc:
            log.error("Twilio refused the account (%s); holding all texts", exc.code)
            self.sms_limiter.pause_until(time.monotonic() + INVALID_TOKEN_PAUSE_SECONDS)
            return _Result(
                _Outcome.FLOOD, error=_sms_reason(exc), delay=INVALID_TOKEN_PAUSE_SECONDS
            )
        except SmsError as exc:
            return _Result(_Outcome.RETRY, error=_sms_reason(exc), delay=self._backoff(row))
        except Exception as exc:  # an HTTP-layer surprise: treat like a network error
            return _Result(
                _Outcome.RETRY,
                error=f"sms: {type(exc).__name__}"[:MAX_ERROR_LENGTH],
                delay=self._backoff(row),
            )
        return _Result(_Outcome.SENT, sms=sent)

    async def _edit_target(self, row: _Row, edit_of: Any) -> int | _Result:
        """The Telegram message an edit row changes: the one an earlier outbox row delivered to
        the same chat. Not delivered yet: try again shortly; never delivered: nothing to edit."""
        try:
            original_id = int(edit_of)
        except (TypeError, ValueError):
            return _Result(_Outcome.FAILED, error="unusable payload (edit_of)")
        async with self.ctx.sessions() as session:
            found = (
                await session.execute(
                    select(OutboxMessage.status, OutboxMessage.telegram_message_id).where(
                        OutboxMessage.id == original_id, OutboxMessage.chat_id == row.chat_id
                    )
                )
            ).first()
        if found is None or found.status == OutboxStatus.FAILED:
            return _Result(_Outcome.FAILED, error="edit of a message that was never delivered")
        if found.status != OutboxStatus.SENT or found.telegram_message_id is None:
            # Not an attempt, and the chat's other messages (its original among them) go on.
            return _Result(
                _Outcome.FLOOD,
                error="edit waits for its message",
                delay=EDIT_WAIT_SECONDS,
                hold=False,
            )
        return int(found.telegram_message_id)

    def _backoff(self, row: _Row) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))]."""
        ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** min(row.attempts - 1, 30))
        return self._rng.uniform(0.0, ceiling)

    async def _record(self, row: _Row, result: _Result) -> None:
        now = self.ctx.clock.now()
        mine = and_(OutboxMessage.id == row.id, OutboxMessage.status == OutboxStatus.PENDING)
        claimed = and_(mine, OutboxMessage.next_attempt_at == row.leased_until)
        async with self.ctx.sessions.begin() as session:
            outcome = result.outcome
            if outcome is _Outcome.SENT:
                # No claim check: the message did go out, whoever holds the row now.
                values: dict[str, Any] = {
                    "status": OutboxStatus.SENT,
                    "sent_at": now,
                    "last_error": None,
                }
                if result.sms is not None:
                    values.update(
                        sms_sid=result.sms.sid,
                        sms_segments=result.sms.segments,
                        delivery_status=result.sms.status[:16],
                        delivery_updated_at=now,
                    )
                    assert row.sms is not None  # only a text has a Twilio answer
                    if row.sms.clinic_id is not None:
                        await count_text(session, row.sms.clinic_id, result.sms.segments, now)
                    if row.sms.menu is not None:
                        await remember_menu(session, row.sms.contact_id, row.sms.menu, now)
                else:
                    assert result.message_id is not None
                    values["telegram_message_id"] = result.message_id
                done = await session.execute(update(OutboxMessage).where(mine).values(**values))
                if _rowcount(done) == 0:
                    log.warning("outbox %d: sent, but the row was no longer pending", row.id)
                await _note_reminder(session, row, result.message_id, now)
                log.debug("outbox %d sent", row.id)
            elif outcome is _Outcome.RETRY and row.attempts >= self.max_attempts:
                await session.execute(
                    update(OutboxMessage)
                    .where(claimed)
                    .values(status=OutboxStatus.FAILED, last_error=result.error)
                )
                log.warning(
                    "outbox %d failed after %d attempts (%s)",
                    row.id,
                    row.attempts,
                    _error_class(result),
                )
            elif outcome in (_Outcome.RETRY, _Outcome.FLOOD):
                attempts = row.attempts if outcome is _Outcome.RETRY else row.attempts - 1
                await session.execute(
                    update(OutboxMessage)
                    .where(claimed)
                    .values(
                        next_attempt_at=now + timedelta(seconds=result.delay),
                        attempts=attempts,
                        last_error=result.error,
                    )
                )
                log.info(
                    "outbox %d: retry in %.1fs (%s)", row.id, result.delay, _error_class(result)
                )
            else:  # FAILED or BLOCKED
                await session.execute(
                    update(OutboxMessage)
                    .where(mine)
                    .values(status=OutboxStatus.FAILED, last_error=result.error)
                )
                log.warning("outbox %d failed (%s)", row.id, _error_class(result))
                if outcome is _Outcome.BLOCKED:
                    await self._blocked(session, row, now, opted_out=result.opted_out)

    async def _blocked(
        self, session: AsyncSession, row: _Row, now: datetime, *, opted_out: bool = False
    ) -> None:
        if opted_out and row.sms is not None:
            # Twilio's opt-out list has the number: record it as our own STOP too.
            await session.execute(
                update(SmsContact)
                .where(SmsContact.id == row.sms.contact_id, SmsContact.opted_out_at.is_(None))
                .values(opted_out_at=now, updated_at=now)
            )
        # By chat, not by the row's patient_id: a staff alert *about* a patient carries their
        # patient_id, and a staff member blocking the bot must not mark the patient unreachable.
        patient_id = await session.scalar(select(Patient.id).where(Patient.chat_id == row.chat_id))
        if patient_id is None:
            log.warning("outbox %d: a non-patient chat has blocked the bot", row.id)
            return
        if await mark_unreachable(session, patient_id, now):
            ref = self.ctx.patient_ref(patient_id)
            log.info("patient marked unreachable", extra={"patient": ref})

    async def _after(self, row: _Row, result: _Result, queues: dict[int, deque[_Row]]) -> None:
        """What one outcome means for the chat's later messages in this batch."""
        queue = queues.get(row.chat_id)
        if not queue:
            return
        outcome = result.outcome
        if outcome is _Outcome.BLOCKED:
            rest = list(queue)
            del queues[row.chat_id]
            await self._give_up(rest, UNREACHABLE_ERROR)
        elif (
            outcome in (_Outcome.RETRY, _Outcome.FLOOD)
            and result.hold
            and result.delay <= ORDER_HOLD_SECONDS
        ):
            if outcome is _Outcome.RETRY and row.attempts >= self.max_attempts:
                return  # it failed for good; the rest go on
            rest = list(queue)
            del queues[row.chat_id]
            behind = self.ctx.clock.now() + timedelta(seconds=result.delay)
            await self._hand_back(rest, after=behind)

    async def _hand_back(self, rows: Iterable[_Row], *, after: datetime | None = None) -> None:
        """Return claimed, unsent rows: due again (at their old place, or in order just after
        ``after``), and the claim not counted as an attempt."""
        rows = list(rows)
        if not rows:
            return
        async with self.ctx.sessions.begin() as session:
            for position, row in enumerate(rows, start=1):
                when = row.due_at if after is None else after + timedelta(microseconds=position)
                await session.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.id == row.id,
                        OutboxMessage.status == OutboxStatus.PENDING,
                        OutboxMessage.next_attempt_at == row.leased_until,
                    )
                    .values(next_attempt_at=when, attempts=row.attempts - 1)
                )
        log.info("outbox: %d unsent row(s) handed back", len(rows))

    async def _give_up(self, rows: list[_Row], error: str) -> None:
        async with self.ctx.sessions.begin() as session:
            await session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id.in_([r.id for r in rows]),
                    OutboxMessage.status == OutboxStatus.PENDING,
                )
                .values(status=OutboxStatus.FAILED, last_error=error)
            )


# ---------------------------------------------------------------------- helpers


def _render(payload: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup | None]:
    text = payload["text"]
    if not isinstance(text, str):
        raise TypeError("text must be a string")
    rows = payload.get("buttons") or []
    if not rows:
        return text, None
    buttons = tuple(tuple(Button(str(b["label"]), str(b["data"])) for b in row) for row in rows)
    return text, render_buttons(buttons)


async def _note_reminder(
    session: AsyncSession, row: _Row, message_id: int | None, now: datetime
) -> None:
    """A dose reminder went out: remember when, and which message carries its buttons (None
    for a text: nothing to edit later, and the Telegram message it had, if any, is kept)."""
    dose = row.payload.get("dose")
    if not isinstance(dose, dict):
        return
    try:
        schedule_id = int(dose["schedule_id"])
        due_at = datetime.fromisoformat(str(dose["due_at"]))
    except (KeyError, TypeError, ValueError):
        log.warning("outbox %d: dose reference unreadable; reminder not noted", row.id)
        return
    if due_at.tzinfo is None:
        due_at = due_at.replace(tzinfo=UTC)
    # One statement: the first delivery's time is kept; a re-send (snooze) moves the buttons.
    values: dict[str, Any] = {"reminded_at": func.coalesce(DoseEvent.reminded_at, now)}
    if message_id is not None:
        values["reminder_message_id"] = message_id
    await session.execute(
        update(DoseEvent)
        .where(DoseEvent.schedule_id == schedule_id, DoseEvent.due_at == due_at)
        .values(**values)
    )


def _reason(exc: TelegramError, text: str) -> str:
    """Telegram's reason, for last_error: never the message text, at most 300 characters."""
    reason = f"{type(exc).__name__}: {exc.message}"
    quotes = {text.strip(), *(line.strip() for line in text.splitlines())}
    for quoted in sorted(quotes, key=len, reverse=True):
        if len(quoted) >= 8:
            # Case-blind: PTB lower-cases Telegram's description after its first letter.
            reason = re.sub(re.escape(quoted), "[text]", reason, flags=re.IGNORECASE)
    return reason[:MAX_ERROR_LENGTH]


def _route(found: _Contact | None, payload: Any, pool: int = 1) -> _SmsRoute | None:
    """How a claimed row goes by text, or None: not a texting patient (Telegram), or no SMS
    form of this message (see bot/sms/render.py; Telegram for a patient who has a chat there,
    failed unsent for a text-only chat)."""
    if found is None or not isinstance(payload, dict):
        return None
    try:
        rendered = sms_text(payload, found.language)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None  # the Telegram path fails it as an unusable payload
    if rendered is None:
        return None
    return _SmsRoute(
        found.phone,
        rendered.body,
        found.opted_out,
        found.clinic_id,
        found.contact_id,
        rendered.menu,
        # Sticky: a contact's texts always come from the same number of the pool.
        found.contact_id % pool,
    )


def _sms_reason(exc: SmsError) -> str:
    """For last_error: the gateway's words (status and code, never the number or the text)."""
    return f"sms: {type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]


def _error_class(result: _Result) -> str:
    return (result.error or "").split(":", 1)[0] or "error"


def _rowcount(result: Result[Any]) -> int:
    return result.rowcount if isinstance(result, CursorResult) else 0
