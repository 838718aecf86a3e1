"""Staff who join without an operator's shell: a clinic admin's one-time invite, and removal.

An admin makes an invite from the dashboard's Staff page or with ``/invite_staff`` in Telegram
(``/invite_staff admin`` for another admin). The colleague opens it in Telegram, which sends the
bot ``/start staff-<token>``; they join the admin's clinic under the name on their Telegram
profile, with nothing to type. Like sign-in links, only a hash of the token is stored; an invite
works once, for :data:`LIFETIME`, and the admin can revoke it while it is pending.

The payload can never be taken for a clinic's patient invite code: those are drawn from an
alphabet without ``-`` (:mod:`bot.domain.codes`), and ``staff-`` is looked at first.

A person belongs to one clinic at a time and is either a patient or staff: an invite opened by
active staff (of any clinic) or by an enrolled patient is refused, kindly, and stays unused.
Someone removed earlier can be invited again (their old sessions and links stay ended).

Admins remove colleagues of their own clinic from the dashboard; never themselves, so a clinic
always keeps an admin. Removal ends the colleague's dashboard sessions and sign-in links and
revokes the invites they made. Every invite, join, refusal, revocation and removal is audited:
who, what and when, never the token.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db.models import Clinic, Staff, StaffInvite, StaffRole
from bot.domain.inputs import strip_bidi
from bot.i18n import N_, SN_, nst, st, t
from bot.services import audit, conversations, staff_auth
from bot.services.context import AppContext
from bot.services.enrolment import patient_by_chat

log = logging.getLogger(__name__)

PREFIX = "staff-"
LIFETIME = timedelta(hours=72)
# secrets.token_urlsafe(32): 43 characters; with the prefix well inside Telegram's 64 for a
# start parameter, which allows [A-Za-z0-9_-] only, exactly the token's alphabet.
TOKEN_BYTES = 32
_PAYLOAD = re.compile(r"^staff-([A-Za-z0-9_-]{16,58})$", re.IGNORECASE)
DEFAULT_NAME = "Colleague"

ADMINS_ONLY = SN_(
    "Only your clinic's admins can invite colleagues. Ask one of them to send /invite_staff "
    "here, or to use the Staff page of the dashboard."
)
INVITE_NOT_VALID = SN_(
    "This staff invite has expired, was already used or was withdrawn, so nothing changed. "
    "Please ask your clinic's admin for a new one."
)
# Read by a patient (the account is theirs), so in their language.
PATIENT_CANNOT_JOIN = N_(
    "This Telegram account is enrolled as a patient, so it can't join a care team as well, and "
    "nothing changed. If you work at the clinic, please open the invite from a Telegram account "
    "of your own that isn't enrolled, or ask the admin who sent it."
)


def _pending(now: datetime) -> ColumnElement[bool]:
    """An invite that can still be used: not used, not withdrawn, not expired."""
    return and_(
        StaffInvite.used_at.is_(None),
        StaffInvite.revoked_at.is_(None),
        StaffInvite.expires_at > now,
    )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def payload(token: str) -> str:
    """What the invite's deep link carries: ``staff-<token>``."""
    return f"{PREFIX}{token}"


def is_invite_payload(text: str) -> bool:
    """A ``/start`` parameter meant as a staff invite (well formed or not)."""
    return text[: len(PREFIX)].lower() == PREFIX


def token_of(text: str) -> str | None:
    """The token in a staff invite payload, or None if it cannot be one."""
    found = _PAYLOAD.match(text.strip())
    return found.group(1) if found else None


def link_for(username: str | None, token: str) -> str:
    """The t.me link to open in Telegram; without the bot's username (the offline demo, or a
    dashboard that could not ask Telegram), the ``/start`` message to send the bot instead."""
    if username:
        return f"https://t.me/{username}?start={payload(token)}"
    return f"/start {payload(token)}"


def role_label(role: str) -> str:
    return st("admin") if role == StaffRole.ADMIN else st("staff")


def expiry_words(lifetime: timedelta = LIFETIME) -> str:
    hours = int(lifetime.total_seconds() // 3600)
    if hours % 24 == 0 and hours >= 48:
        return nst("{n} day", "{n} days", hours // 24)
    return nst("{n} hour", "{n} hours", hours)


def how_to_join(username: str | None, token: str, role: str, expires: str) -> str:
    """The instructions an admin passes on to the colleague (a Telegram reply, the page)."""
    where = link_for(username, token)
    if username:
        step = st("Send this link to your colleague; they open it in Telegram:\n{link}", link=where)
    else:
        step = st(
            "Your colleague sends this message to the bot in Telegram (the bot's username was "
            "not known here, so there is no link to tap):\n{message}",
            message=where,
        )
    return st(
        "{step}\n\nIt makes them {role} at your clinic, works once, and expires {expires}. "
        "Don't post it anywhere public: whoever opens it first joins.",
        step=step,
        role=role_label(role),
        expires=expires,
    )


def welcome(name: str, clinic_name: str, role: str) -> str:
    first = name.split()[0] if name.strip() else st("there")
    if role == StaffRole.ADMIN:
        greeting = st(
            "Welcome to the care team at {clinic}, {name}! You're set up as an admin.",
            clinic=clinic_name,
            name=first,
        )
    else:
        greeting = st(
            "Welcome to the care team at {clinic}, {name}! You're set up as staff.",
            clinic=clinic_name,
            name=first,
        )
    lines = [
        greeting,
        "",
        st(
            "Alerts about the clinic's patients will arrive here, with buttons to take or "
            "resolve them. You can also use:"
        ),
        st("/alerts: open alerts, to take or resolve"),
        st("/summary: your clinic at a glance, and who needs a call today"),
        st("/patient NAME or CODE: one patient's adherence, check-ins and a chart"),
        st("/dashboard: a one-time link to sign in to the web dashboard"),
    ]
    if role == StaffRole.ADMIN:
        lines.append(st("/invite_staff: invite a colleague (the dashboard's Staff page too)"))
    lines += ["", st("A summary arrives every Monday morning. /help shows this list again.")]
    return "\n".join(lines)


class NotAllowed(Exception):
    """The request is refused; the message says why, in words for the person."""


@dataclass(frozen=True)
class NewInvite:
    id: int
    token: str
    role: str
    clinic_name: str
    expires_at: datetime


async def _admin(session: AsyncSession, staff_id: int) -> Staff:
    staff = await session.scalar(select(Staff).where(Staff.id == staff_id, Staff.active.is_(True)))
    if staff is None or staff.role != StaffRole.ADMIN:
        raise NotAllowed(st(ADMINS_ONLY))
    return staff


async def create_invite(
    ctx: AppContext, admin_id: int, role: str = StaffRole.STAFF, via: str = "dashboard"
) -> NewInvite:
    """A new invite to ``admin_id``'s clinic; raises :class:`NotAllowed` unless they are an
    active admin. The token is returned once and never stored."""
    role = StaffRole.ADMIN if role == StaffRole.ADMIN else StaffRole.STAFF
    now = ctx.sign_in_clock.now()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    async with ctx.sessions.begin() as session:
        admin = await _admin(session, admin_id)
        invite = StaffInvite(
            clinic_id=admin.clinic_id,
            token_hash=_hash(token),
            role=role,
            created_by=admin.id,
            created_at=now,
            expires_at=now + LIFETIME,
        )
        session.add(invite)
        await session.flush()
        audit.record(
            session,
            at=now,
            actor_kind="staff",
            actor_id=admin.id,
            clinic_id=admin.clinic_id,
            action="staff_invite.create",
            detail={"invite_id": invite.id, "role": str(role), "via": via},
        )
        clinic_name = await session.scalar(select(Clinic.name).where(Clinic.id == admin.clinic_id))
    log.info("staff invite %s made by staff %s", invite.id, admin.id)
    return NewInvite(invite.id, token, str(role), strip_bidi(clinic_name or ""), invite.expires_at)


@dataclass(frozen=True)
class Joined:
    """The outcome of opening an invite: the reply, and whether they are staff now."""

    text: str
    staff_id: int | None = None


def _refused(
    session: AsyncSession,
    now: datetime,
    reason: str,
    invite: StaffInvite | None,
) -> None:
    detail: dict[str, object] = {"reason": reason}
    if invite is not None:
        detail["invite_id"] = invite.id
    audit.record(
        session,
        at=now,
        actor_kind="anonymous",
        clinic_id=invite.clinic_id if invite is not None else None,
        action="staff_invite.refused",
        detail=detail,
    )
    log.log(
        logging.WARNING if reason == "unknown" else logging.INFO,
        "staff invite refused (%s)",
        reason,
    )


async def join(ctx: AppContext, chat_id: int, display_name: str, text: str) -> Joined:
    """Someone opened a staff invite (``text``: the ``/start`` parameter) in their private chat
    (chat id = Telegram user id). Refused ones change nothing but the audit log."""
    now = ctx.sign_in_clock.now()
    token = token_of(text)
    async with ctx.sessions.begin() as session:
        invite = (
            None
            if token is None
            else await session.scalar(
                select(StaffInvite).where(StaffInvite.token_hash == _hash(token))
            )
        )
        if invite is not None and invite.used_by is not None:
            joined = await session.scalar(
                select(Staff.id).where(
                    Staff.id == invite.used_by,
                    Staff.telegram_user_id == chat_id,
                    Staff.active.is_(True),
                )
            )
            if joined is not None:  # their own invite, opened again
                name = await session.scalar(
                    select(Clinic.name).where(Clinic.id == invite.clinic_id)
                )
                return Joined(
                    st(
                        "You've joined already: you're on the care team at {clinic}. Send /help "
                        "to see what you can do.",
                        clinic=strip_bidi(name) if name else st("your clinic"),
                    )
                )
        if invite is None or invite.used_at is not None or invite.revoked_at is not None:
            reason = "unknown" if invite is None else "used" if invite.used_at else "revoked"
            _refused(session, now, reason, invite)
            return Joined(st(INVITE_NOT_VALID))
        if invite.expires_at <= now:
            _refused(session, now, "expired", invite)
            return Joined(st(INVITE_NOT_VALID))
        clinic = await session.get(Clinic, invite.clinic_id)
        assert clinic is not None  # the invite goes with its clinic
        clinic_name = strip_bidi(clinic.name)
        existing = await session.scalar(select(Staff).where(Staff.telegram_user_id == chat_id))
        if existing is not None and existing.active:
            _refused(session, now, "already_staff", invite)
            if existing.clinic_id == invite.clinic_id:
                return Joined(
                    st(
                        "You're already on the care team at {clinic}, so nothing changed and "
                        "the invite is still unused. Send /help to see what you can do.",
                        clinic=clinic_name,
                    )
                )
            their = await session.scalar(select(Clinic.name).where(Clinic.id == existing.clinic_id))
            return Joined(
                st(
                    "You're already care-team staff at {clinic}, and a person belongs to one "
                    "clinic at a time, so nothing changed. To move, ask an admin there to remove "
                    "you first, then open the invite again.",
                    clinic=strip_bidi(their) if their else st("another clinic"),
                )
            )
        patient = await patient_by_chat(session, chat_id)
        if patient is not None:
            _refused(session, now, "patient", invite)
            return Joined(t(patient.language, PATIENT_CANNOT_JOIN))
        # One statement claims it, so two people racing the same link cannot both join.
        claimed = await session.execute(
            update(StaffInvite)
            .where(
                StaffInvite.id == invite.id,
                _pending(now),
            )
            .values(used_at=now)
            .returning(StaffInvite.id)
        )
        if claimed.scalar_one_or_none() is None:
            _refused(session, now, "used", invite)
            return Joined(st(INVITE_NOT_VALID))
        inviter_zone = await session.scalar(
            select(Staff.timezone).where(Staff.id == invite.created_by)
        )
        name = " ".join(display_name.split())[:200] or DEFAULT_NAME
        rejoined = existing is not None
        if existing is None:
            existing = Staff(telegram_user_id=chat_id, created_at=now)
            session.add(existing)
        existing.name, existing.role, existing.clinic_id = name, invite.role, invite.clinic_id
        # Alerts and the Monday digest are timed in the staff member's zone: their clinic's,
        # as the admin who invited them has it, rather than UTC.
        existing.timezone = inviter_zone or existing.timezone or "UTC"
        existing.active = True
        await session.flush()
        await session.execute(
            update(StaffInvite).where(StaffInvite.id == invite.id).values(used_by=existing.id)
        )
        # Someone half-way through a patient's set-up in this chat is staff now instead.
        await conversations.end(session, chat_id)
        audit.record(
            session,
            at=now,
            actor_kind="staff",
            actor_id=existing.id,
            clinic_id=invite.clinic_id,
            action="staff.join",
            detail={
                "staff_id": existing.id,
                "invite_id": invite.id,
                "invited_by": invite.created_by,
                "role": invite.role,
                "rejoined": rejoined,
            },
        )
        staff_id, role = existing.id, invite.role
    log.info("staff %s joined with invite %s", staff_id, invite.id)
    return Joined(welcome(name, clinic_name, role), staff_id)


# The Staff page -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Colleague:
    id: int
    name: str
    role: str
    since: datetime
    is_you: bool


@dataclass(frozen=True)
class PendingInvite:
    id: int
    role: str
    created_by: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class StaffPage:
    colleagues: list[Colleague]
    pending: list[PendingInvite]


async def staff_page(ctx: AppContext, session: AsyncSession, admin_id: int) -> StaffPage:
    """The admin's clinic: active colleagues and pending invites (audited as a read)."""
    admin = await _admin(session, admin_id)
    now = ctx.sign_in_clock.now()
    rows = await session.scalars(
        select(Staff)
        .where(Staff.clinic_id == admin.clinic_id, Staff.active.is_(True))
        .order_by(func.lower(Staff.name), Staff.id)
    )
    colleagues = [
        Colleague(s.id, strip_bidi(s.name), s.role, s.created_at, s.id == admin.id) for s in rows
    ]
    creator = aliased(Staff)
    invites = (
        await session.execute(
            select(StaffInvite, creator.name)
            .join(creator, creator.id == StaffInvite.created_by)
            .where(
                StaffInvite.clinic_id == admin.clinic_id,
                _pending(now),
            )
            .order_by(StaffInvite.id.desc())
        )
    ).all()
    pending = [
        PendingInvite(i.id, i.role, strip_bidi(name), i.created_at, i.expires_at)
        for i, name in invites
    ]
    audit.record(
        session,
        at=now,
        actor_kind="staff",
        actor_id=admin.id,
        clinic_id=admin.clinic_id,
        action="staff.view",
        detail={"colleagues": len(colleagues), "pending_invites": len(pending)},
    )
    return StaffPage(colleagues, pending)


async def revoke(ctx: AppContext, admin_id: int, invite_id: int) -> str:
    """Withdraw a pending invite of the admin's clinic; returns the notice to show."""
    now = ctx.sign_in_clock.now()
    async with ctx.sessions.begin() as session:
        admin = await _admin(session, admin_id)
        withdrawn = await session.execute(
            update(StaffInvite)
            .where(
                StaffInvite.id == invite_id,
                StaffInvite.clinic_id == admin.clinic_id,
                _pending(now),
            )
            .values(revoked_at=now)
            .returning(StaffInvite.id)
        )
        if withdrawn.scalar_one_or_none() is None:
            return st(
                "That invite isn't pending any more (used, expired or withdrawn), so nothing "
                "changed."
            )
        audit.record(
            session,
            at=now,
            actor_kind="staff",
            actor_id=admin.id,
            clinic_id=admin.clinic_id,
            action="staff_invite.revoke",
            detail={"invite_id": invite_id},
        )
    return st("Invite withdrawn: its link no longer works.")


async def remove(ctx: AppContext, admin_id: int, staff_id: int) -> str:
    """Remove a colleague of the admin's clinic (never the admin themselves, so the clinic
    keeps an admin): no more alerts, digests or dashboard. Returns the notice to show."""
    now = ctx.sign_in_clock.now()
    async with ctx.sessions.begin() as session:
        admin = await _admin(session, admin_id)
        if staff_id == admin.id:
            return st(
                "You can't remove yourself here, so that your clinic always has an admin. "
                "Another admin can remove you."
            )
        colleague = await session.scalar(
            select(Staff).where(
                Staff.id == staff_id,
                Staff.clinic_id == admin.clinic_id,
                Staff.active.is_(True),
            )
        )
        if colleague is None:
            return st("That person isn't on your clinic's staff any more, so nothing changed.")
        if colleague.role == StaffRole.ADMIN:
            admins = await session.scalar(
                select(func.count(Staff.id)).where(
                    Staff.clinic_id == admin.clinic_id,
                    Staff.active.is_(True),
                    Staff.role == StaffRole.ADMIN,
                )
            )
            if (admins or 0) <= 1:  # cannot happen while the one removing is an admin
                return st("Your clinic's last admin can't be removed, so nothing changed.")
        colleague.active = False
        ended = await staff_auth.end_access(session, colleague.id, now)
        revoked = await session.execute(
            update(StaffInvite)
            .where(
                StaffInvite.created_by == colleague.id,
                StaffInvite.used_at.is_(None),
                StaffInvite.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        audit.record(
            session,
            at=now,
            actor_kind="staff",
            actor_id=admin.id,
            clinic_id=admin.clinic_id,
            action="staff.remove",
            detail={
                "staff_id": colleague.id,
                **ended,
                "invites_revoked": int(getattr(revoked, "rowcount", 0) or 0),
            },
        )
        name = strip_bidi(colleague.name)
    log.info("staff %s removed by admin %s", staff_id, admin_id)
    return st("{name} is no longer on the care team: no alerts, digests or dashboard.", name=name)
