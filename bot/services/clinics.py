"""Operator use cases: clinics with invite codes, and the staff who work there."""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.db.engine import SessionFactory
from bot.db.models import Clinic, Staff, StaffRole
from bot.domain.codes import new_code
from bot.domain.quiet_hours import parse_quiet_hours
from bot.services import audit, staff_auth

CODE_LENGTH = 8
_CODE_SHAPE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class OperatorError(Exception):
    """A request the operator can fix, phrased for them."""


def new_invite_code() -> str:
    # Patients may have to type it from a printed leaflet: the alphabet has no look-alikes.
    return new_code(CODE_LENGTH)


def normalise_code(code: str) -> str | None:
    code = code.strip()
    return code.upper() if _CODE_SHAPE.match(code) else None


async def find_clinic_by_code(session: AsyncSession, code: str) -> Clinic | None:
    normalised = normalise_code(code)
    if normalised is None:
        return None
    return await session.scalar(select(Clinic).where(Clinic.invite_code == normalised))


async def clinic_by_code_or_refuse(session: AsyncSession, code: str) -> Clinic:
    """The clinic with this code, or the operator's one-line refusal."""
    clinic = await find_clinic_by_code(session, code)
    if clinic is None:
        raise OperatorError(f"no clinic has the code {code[:64]!r}; `clinic list` shows them")
    return clinic


@dataclass(frozen=True)
class NewClinic:
    id: int
    name: str
    invite_code: str


async def add_clinic(sessions: SessionFactory, clock: Clock, name: str) -> NewClinic:
    name = " ".join(name.split())
    if not name:
        raise OperatorError('the clinic needs a name, for example: clinic add "Northside Clinic"')
    if len(name) > 200:
        raise OperatorError("the clinic name is longer than 200 characters")
    for _ in range(5):
        try:
            async with sessions.begin() as session:
                clinic = Clinic(name=name, invite_code=new_invite_code(), created_at=clock.now())
                session.add(clinic)
                await session.flush()
                audit.record(
                    session,
                    at=clock.now(),
                    actor_kind="operator",
                    action="clinic.add",
                    clinic_id=clinic.id,
                )
                return NewClinic(clinic.id, clinic.name, clinic.invite_code)
        except IntegrityError:
            # A code collision is astronomically rare; draw again rather than fail.
            continue
    raise OperatorError("could not generate a unique invite code; please try again")


@dataclass(frozen=True)
class NewStaff:
    id: int
    name: str
    clinic_name: str
    created: bool


async def add_staff(
    sessions: SessionFactory,
    clock: Clock,
    *,
    telegram_user_id: int,
    name: str,
    clinic_code: str,
    role: StaffRole = StaffRole.STAFF,
    timezone: str = "UTC",
) -> NewStaff:
    name = " ".join(name.split())
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise OperatorError(
            f"unknown time zone {timezone[:64]!r}; use an IANA name such as America/Chicago"
        ) from None
    if not name:
        raise OperatorError('the staff member needs a name, for example --name "Sam Rivera"')
    if telegram_user_id <= 0:
        raise OperatorError("--telegram-id must be a positive Telegram user id")
    async with sessions.begin() as session:
        clinic = await clinic_by_code_or_refuse(session, clinic_code)
        existing = await session.scalar(
            select(Staff).where(Staff.telegram_user_id == telegram_user_id)
        )
        if existing is not None and existing.clinic_id != clinic.id:
            raise OperatorError(
                "that Telegram account is already staff at another clinic; a person belongs to "
                "one clinic at a time"
            )
        created = existing is None
        if existing is None:
            existing = Staff(
                telegram_user_id=telegram_user_id,
                name=name,
                role=role,
                timezone=timezone,
                clinic_id=clinic.id,
                created_at=clock.now(),
            )
            session.add(existing)
        else:
            existing.name, existing.role, existing.active = name, role, True
            existing.timezone = timezone
        await session.flush()
        audit.record(
            session,
            at=clock.now(),
            actor_kind="operator",
            action="staff.add" if created else "staff.update",
            clinic_id=clinic.id,
            detail={"staff_id": existing.id, "role": str(role)},
        )
        return NewStaff(existing.id, existing.name, clinic.name, created)


@dataclass(frozen=True)
class ClinicRow:
    name: str
    invite_code: str
    staff: int


async def list_clinics(sessions: SessionFactory) -> list[ClinicRow]:
    async with sessions() as session:
        staff_count = (
            select(func.count(Staff.id))
            .where(Staff.clinic_id == Clinic.id)
            .correlate(Clinic)
            .scalar_subquery()
        )
        result = await session.execute(
            select(Clinic.name, Clinic.invite_code, staff_count).order_by(Clinic.id)
        )
        return [ClinicRow(row[0], row[1], int(row[2] or 0)) for row in result.all()]


async def deactivate_staff(sessions: SessionFactory, clock: Clock, telegram_user_id: int) -> str:
    """Someone left the care team: no more alerts, digests or dashboard. Their dashboard
    sessions and unused sign-in links end now, so adding them again later revives neither.
    Returns their name."""
    async with sessions.begin() as session:
        staff = await session.scalar(
            select(Staff).where(Staff.telegram_user_id == telegram_user_id)
        )
        if staff is None:
            raise OperatorError("no staff member has that Telegram id; `staff add` adds one")
        now = clock.now()
        staff.active = False
        ended = await staff_auth.end_access(session, staff.id, now)
        audit.record(
            session,
            at=now,
            actor_kind="operator",
            action="staff.deactivate",
            clinic_id=staff.clinic_id,
            detail={"staff_id": staff.id, **ended},
        )
        return staff.name


async def set_quiet_hours(
    sessions: SessionFactory, clock: Clock, clinic_code: str, value: str
) -> tuple[str, str | None]:
    """A clinic's own SMS quiet hours: ``HH:MM-HH:MM`` in each patient's local time, ``off``, or
    ``default`` (back to SMS_QUIET_HOURS). Returns (clinic name, what is stored: None for the
    default)."""
    chosen = value.strip().lower()
    stored: str | None = None
    if chosen != "default":
        try:
            parsed = parse_quiet_hours(chosen)
        except ValueError as exc:
            raise OperatorError(f"{exc}, or default") from None
        stored = "off" if parsed is None else str(parsed)
    async with sessions.begin() as session:
        clinic = await clinic_by_code_or_refuse(session, clinic_code)
        clinic.sms_quiet_hours = stored
        audit.record(
            session,
            at=clock.now(),
            actor_kind="operator",
            action="clinic.quiet_hours",
            clinic_id=clinic.id,
            detail={"quiet_hours": stored or "default"},
        )
        return clinic.name, stored
