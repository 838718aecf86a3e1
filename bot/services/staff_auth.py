"""Staff sign-in for the dashboard: one-time, expiring login links and idle-timed sessions.

A link is sent to a verified staff account (``/dashboard`` in Telegram) or printed for the
operator (``recovery-bot staff login-link``). It works once and for ten minutes. Redeeming it
starts a session: the browser gets a random token in an HttpOnly, SameSite cookie; the database
keeps only hashes of links and tokens, so a copy of the database signs nobody in. A session ends
after 30 idle minutes, at logout, or when the staff member is deactivated.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import Clinic, DashboardSession, Staff, StaffLoginToken, StaffRole
from bot.services import audit
from bot.services.context import AppContext

LINK_LIFETIME = timedelta(minutes=10)
IDLE_TIMEOUT = timedelta(minutes=30)
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
    now = ctx.clock.now()
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


async def redeem(ctx: AppContext, token: str) -> tuple[str, StaffMember] | None:
    """Exchange a login link's token for a session token; None if unknown, used or expired."""
    now = ctx.clock.now()
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
            return None
        member = await _member(session, staff_id)
        if member is None:
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
    now = ctx.clock.now()
    async with ctx.sessions.begin() as session:
        row = await session.scalar(
            select(DashboardSession).where(
                DashboardSession.token_hash == _hash(session_token),
                DashboardSession.ended_at.is_(None),
            )
        )
        if row is None:
            return None
        if now - row.last_seen_at > IDLE_TIMEOUT:
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


async def logout(ctx: AppContext, session_token: str) -> None:
    now = ctx.clock.now()
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
