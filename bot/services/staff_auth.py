"""Staff sign-in for the dashboard: one-time, expiring login links and idle-timed sessions.

A link is sent to a verified staff account (``/dashboard`` in Telegram) or printed for the
operator (``recovery-bot staff login-link``). It works once and for ten minutes. Redeeming it
starts a session: the browser gets a random token in an HttpOnly, SameSite cookie; the database
keeps only hashes of links and tokens, so a copy of the database signs nobody in. A session ends
after 30 idle minutes, 12 hours after sign-in however active, at logout, or when the staff
member is removed (:func:`end_access`: their sessions and unused links end then, and do not
come back if they are added again).

A link that is refused (unknown, used, expired, revoked, or its staff member removed) is
written to the audit log as an anonymous attempt (the clinic's own log when the link was one of
its staff's) and logged without the token; the client's address appears only as a keyed
pseudonym (:func:`client_ref`). Throttling repeated failures is the web adapter's job
(:mod:`bot.dashboard.throttle`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Clinic, DashboardSession, Staff, StaffLoginToken, StaffRole
from bot.services import audit
from bot.services.context import AppContext

log = logging.getLogger(__name__)

LINK_LIFETIME = timedelta(minutes=10)
IDLE_TIMEOUT = timedelta(minutes=30)
# However active a session is, it ends this long after sign-in: a stolen cookie, or a browser
# left signed in on a shared computer, is good for a working day at most.
SESSION_LIFETIME = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)
LOGIN_PATH = "/login/"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class StaffMember:
    id: int
    name: str
    clinic_id: int
    clinic_name: str
    is_admin: bool
    timezone: str
    telegram_user_id: int


async def _member(session: AsyncSession, staff_id: int) -> StaffMember | None:
    found = (
        await session.execute(
            select(Staff, Clinic.name)
            .join(Clinic, Clinic.id == Staff.clinic_id)
            .where(Staff.id == staff_id, Staff.active.is_(True))
        )
    ).first()
    if found is None:
        return None
    staff, clinic_name = found
    return StaffMember(
        id=staff.id,
        name=staff.name,
        clinic_id=staff.clinic_id,
        clinic_name=clinic_name,
        is_admin=staff.role == StaffRole.ADMIN,
        timezone=staff.timezone,
        telegram_user_id=staff.telegram_user_id,
    )


async def member_by_telegram_id(session: AsyncSession, telegram_user_id: int) -> StaffMember | None:
    staff_id = await session.scalar(
        select(Staff.id).where(Staff.telegram_user_id == telegram_user_id, Staff.active.is_(True))
    )
    return None if staff_id is None else await _member(session, staff_id)


async def create_login_link(ctx: AppContext, staff_id: int, via: str) -> str:
    """A one-time dashboard URL for an active staff member (``via``: where it was asked for)."""
    now = ctx.sign_in_clock.now()
    token = secrets.token_urlsafe(32)
    async with ctx.sessions.begin() as session:
        member = await _member(session, staff_id)
        if member is None:
            raise LookupError("no active staff member with that id")
        session.add(
            StaffLoginToken(
                staff_id=staff_id,
                token_hash=_hash(token),
                created_at=now,
                expires_at=now + LINK_LIFETIME,
            )
        )
        audit.record(
            session,
            at=now,
            actor_kind="staff" if via == "telegram" else "operator",
            actor_id=staff_id,
            clinic_id=member.clinic_id,
            action="dashboard.link_created",
            detail={"via": via},
        )
    return f"{ctx.settings.public_url}{LOGIN_PATH}{token}"


def client_ref(address: str | None, secret_key: str) -> str:
    """A stable pseudonym for a client's address (``c-`` and 10 hex digits): repeated attempts
    from one place can be told apart in the audit log without storing the address."""
    key = secret_key.encode()
    digest = hmac.new(key, f"client:{address or '?'}".encode(), hashlib.sha256).hexdigest()
    return f"c-{digest[:10]}"


def _refusal(
    session: AsyncSession,
    now: datetime,
    reason: str,
    client: str | None,
    staff_id: int | None = None,
    clinic_id: int | None = None,
) -> None:
    detail: dict[str, Any] = {"reason": reason}
    if staff_id is not None:
        detail["staff_id"] = staff_id
    if client is not None:
        detail["client"] = client
    audit.record(
        session,
        at=now,
        actor_kind="anonymous",
        clinic_id=clinic_id,
        action="dashboard.login_refused",
        detail=detail,
    )
    # Never the token; "unknown" ones (guesses, or a mangled link) are the ones to look at.
    log.log(
        logging.WARNING if reason == "unknown" else logging.INFO,
        "dashboard: sign-in link refused (%s), staff %s, client %s",
        reason,
        staff_id if staff_id is not None else "-",
        client or "-",
    )


async def _classify_refusal(
    session: AsyncSession, token_hash: str, now: datetime, client: str | None
) -> None:
    link = (
        await session.execute(
            select(
                StaffLoginToken.staff_id,
                StaffLoginToken.created_at,
                StaffLoginToken.expires_at,
                StaffLoginToken.used_at,
                Staff.clinic_id,
            )
            .join(Staff, Staff.id == StaffLoginToken.staff_id)
            .where(StaffLoginToken.token_hash == token_hash)
        )
    ).first()
    if link is None:
        _refusal(session, now, "unknown", client)
        return
    if link.used_at is not None:
        reason = "used"
    elif link.expires_at - link.created_at < LINK_LIFETIME:
        reason = "revoked"  # cut short by end_access
    else:
        reason = "expired"
    _refusal(session, now, reason, client, link.staff_id, link.clinic_id)


async def refuse(ctx: AppContext, client: str | None, reason: str = "unknown") -> None:
    """Record a link refused without a database look-up (a malformed token)."""
    async with ctx.sessions.begin() as session:
        _refusal(session, ctx.sign_in_clock.now(), reason, client)


async def record_throttled(ctx: AppContext, by: str, client: str | None) -> None:
    """Sign-ins from one address, or with one link, were stopped for a while (``by``:
    ``address`` or ``link``); recorded once per episode."""
    now = ctx.sign_in_clock.now()
    async with ctx.sessions.begin() as session:
        audit.record(
            session,
            at=now,
            actor_kind="anonymous",
            action="dashboard.login_throttled",
            detail={"by": by, "client": client} if client else {"by": by},
        )
    log.warning("dashboard: failed sign-ins throttled by %s, client %s", by, client or "-")


async def redeem(
    ctx: AppContext, token: str, client: str | None = None
) -> tuple[str, StaffMember] | None:
    """Exchange a login link's token for a session token; None if unknown, used or expired
    (then the refusal is audited, ``client`` being :func:`client_ref` of the address)."""
    now = ctx.sign_in_clock.now()
    async with ctx.sessions.begin() as session:
        # One statement marks it used, so two tabs racing the same link cannot both win.
        claimed = await session.execute(
            update(StaffLoginToken)
            .where(
                StaffLoginToken.token_hash == _hash(token),
                StaffLoginToken.used_at.is_(None),
                StaffLoginToken.expires_at > now,
            )
            .values(used_at=now)
            .returning(StaffLoginToken.staff_id)
        )
        staff_id = claimed.scalar_one_or_none()
        if staff_id is None:
            await _classify_refusal(session, _hash(token), now, client)
            return None
        member = await _member(session, staff_id)
        if member is None:
            clinic_id = await session.scalar(select(Staff.clinic_id).where(Staff.id == staff_id))
            _refusal(session, now, "staff_removed", client, staff_id, clinic_id)
            return None
        session_token = secrets.token_urlsafe(32)
        session.add(
            DashboardSession(
                staff_id=staff_id,
                token_hash=_hash(session_token),
                created_at=now,
                last_seen_at=now,
            )
        )
        audit.record(
            session,
            at=now,
            actor_kind="staff",
            actor_id=staff_id,
            clinic_id=member.clinic_id,
            action="dashboard.login",
        )
    return session_token, member


async def session_member(ctx: AppContext, session_token: str) -> StaffMember | None:
    """The staff member signed in with this cookie, if the session is alive; touches it."""
    now = ctx.sign_in_clock.now()
    async with ctx.sessions.begin() as session:
        row = await session.scalar(
            select(DashboardSession).where(
                DashboardSession.token_hash == _hash(session_token),
                DashboardSession.ended_at.is_(None),
            )
        )
        if row is None:
            return None
        if now - row.last_seen_at > IDLE_TIMEOUT or now - row.created_at > SESSION_LIFETIME:
            row.ended_at = now
            return None
        member = await _member(session, row.staff_id)
        if member is None:
            row.ended_at = now
            return None
        if now - row.last_seen_at >= TOUCH_EVERY:
            # Once a minute is enough for a 30-minute idle timeout; a write per request would
            # make a busy staff member's parallel requests queue on their session's row.
            row.last_seen_at = now
        return member


async def end_access(session: AsyncSession, staff_id: int, now: datetime) -> dict[str, int]:
    """A staff member was removed: end their dashboard sessions and cut their unused links short,
    in the caller's transaction, so that adding them again later revives neither. Returns how
    many of each (for the audit row)."""
    ended = await session.execute(
        update(DashboardSession)
        .where(DashboardSession.staff_id == staff_id, DashboardSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    revoked = await session.execute(
        update(StaffLoginToken)
        .where(
            StaffLoginToken.staff_id == staff_id,
            StaffLoginToken.used_at.is_(None),
            StaffLoginToken.expires_at > now,
        )
        .values(expires_at=now)
    )
    return {
        "sessions_ended": int(getattr(ended, "rowcount", 0) or 0),
        "links_revoked": int(getattr(revoked, "rowcount", 0) or 0),
    }


async def logout(ctx: AppContext, session_token: str) -> None:
    now = ctx.sign_in_clock.now()
    async with ctx.sessions.begin() as session:
        row = await session.scalar(
            select(DashboardSession).where(
                DashboardSession.token_hash == _hash(session_token),
                DashboardSession.ended_at.is_(None),
            )
        )
        if row is None:
            return
        row.ended_at = now
        member = await _member(session, row.staff_id)
        audit.record(
            session,
            at=now,
            actor_kind="staff",
            actor_id=row.staff_id,
            clinic_id=member.clinic_id if member else None,
            action="dashboard.logout",
        )


def csrf_token(session_token: str, secret_key: str) -> str:
    """Bound to the session: a form from another site cannot know it."""
    return hmac.new(secret_key.encode(), f"csrf:{session_token}".encode(), "sha256").hexdigest()


def csrf_ok(session_token: str, secret_key: str, submitted: str) -> bool:
    return hmac.compare_digest(csrf_token(session_token, secret_key), submitted or "")
