"""Staff invites on both databases, through the inbox as Telegram reaches it: an admin's
/invite_staff, a colleague's /start staff-<token>, expiry, one use, withdrawal, removal, and the
audit entries (who, what, when, never the token)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from bot.db.models import (
    AuditEntry,
    Clinic,
    Conversation,
    DashboardSession,
    Staff,
    StaffInvite,
    StaffRole,
)
from bot.domain import texts
from bot.domain.replies import Reply
from bot.domain.schedules import Plan, PlanKind
from bot.services import staff_auth, staff_invites
from bot.services.clinics import add_staff
from bot.services.context import AppContext
from bot.services.inbox import Inbox, Sender
from tests.support import make_patient, new_clinic

PLAN = Plan(PlanKind.DAILY, "America/Chicago", (time(8, 0),))
ADMIN, NURSE, OTHER_ADMIN, PATIENT, NEWCOMER, SECOND = 701, 702, 801, 1701, 901, 902
_START = re.compile(r"/start (staff-[A-Za-z0-9_-]+)")


@dataclass
class Clinics:
    ctx: AppContext
    north: int
    south: int
    admin: int
    nurse: int
    other_admin: int

    @property
    def inbox(self) -> Inbox:
        return Inbox(self.ctx)


@pytest.fixture
async def clinics(ctx: AppContext) -> Clinics:
    north = await new_clinic(ctx, "Northside Clinic")
    south = await new_clinic(ctx, "Southside Clinic")
    admin = await add_staff(
        ctx.sessions,
        ctx.clock,
        telegram_user_id=ADMIN,
        name="Ada Admin",
        clinic_code=north.invite_code,
        role=StaffRole.ADMIN,
        timezone="America/Chicago",
    )
    nurse = await add_staff(
        ctx.sessions,
        ctx.clock,
        telegram_user_id=NURSE,
        name="Nick Nurse",
        clinic_code=north.invite_code,
    )
    other = await add_staff(
        ctx.sessions,
        ctx.clock,
        telegram_user_id=OTHER_ADMIN,
        name="Bea Other",
        clinic_code=south.invite_code,
        role=StaffRole.ADMIN,
    )
    await make_patient(ctx, PLAN, chat_id=PATIENT, clinic_id=north.id, name="Pat Able")
    return Clinics(ctx, north.id, south.id, admin.id, nurse.id, other.id)


async def invite_from_telegram(c: Clinics, chat: int = ADMIN, *args: str) -> str:
    """The admin's /invite_staff; returns the payload their colleague sends."""
    [reply] = await c.inbox.command(Sender(chat, "Ada Admin"), "invite_staff", list(args))
    found = _START.search(reply.text)
    assert found, reply.text
    return found.group(1)


async def start(c: Clinics, chat: int, name: str, payload: str) -> str:
    [reply] = await c.inbox.command(Sender(chat, name), "start", [payload])
    return reply.text


async def staff_row(ctx: AppContext, telegram_id: int) -> Staff | None:
    async with ctx.sessions() as session:
        return await session.scalar(select(Staff).where(Staff.telegram_user_id == telegram_id))


async def audit_rows(ctx: AppContext) -> list[AuditEntry]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


async def count(ctx: AppContext, model: type[Staff] | type[StaffInvite]) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_an_admin_invites_and_the_colleague_joins_once(clinics: Clinics) -> None:
    c, ctx = clinics, clinics.ctx
    [reply] = await c.inbox.command(Sender(ADMIN, "Ada Admin"), "invite_staff", [])
    assert "An invite to join Northside Clinic as staff" in reply.text
    # No bot username in this process (as offline): the message to send instead of a link.
    assert "sends this message to the bot" in reply.text and "t.me" not in reply.text
    assert "expires at Sat 28 Nov 09:00 (in 3 days)" in reply.text  # the admin's Chicago time
    payload = _START.search(reply.text).group(1)  # type: ignore[union-attr]
    token = payload.removeprefix("staff-")

    welcome = await start(c, NEWCOMER, "Robin Lee", payload)
    assert welcome.startswith("Welcome to the care team at Northside Clinic, Robin!")
    assert "/alerts" in welcome and "/summary" in welcome and "/dashboard" in welcome
    robin = await staff_row(ctx, NEWCOMER)
    assert robin is not None and robin.active
    assert (robin.name, robin.role, robin.clinic_id) == ("Robin Lee", "staff", c.north)
    assert robin.timezone == "America/Chicago"  # as the admin who invited them
    # Staff now: their commands work, and /start greets them as staff.
    [summary] = await c.inbox.command(Sender(NEWCOMER, "Robin Lee"), "summary", [])
    assert summary.text.startswith("Northside Clinic")
    again = await start(c, NEWCOMER, "Robin Lee", payload)
    assert again.startswith("You've joined already: you're on the care team at Northside Clinic")

    # The same link a second time, by someone else: refused, nothing changes.
    staff_before = await count(ctx, Staff)
    assert await start(c, SECOND, "Sam Second", payload) == staff_invites.INVITE_NOT_VALID
    assert await staff_row(ctx, SECOND) is None and await count(ctx, Staff) == staff_before
    async with ctx.sessions() as session:
        conversation = await session.get(Conversation, SECOND)
    assert conversation is None  # not taken for a clinic code: no patient set-up started

    # Audited: made by the admin, joined by Robin, the second try refused; never the token.
    rows = await audit_rows(ctx)
    actions = [(r.action, r.actor_kind, r.actor_id, r.clinic_id) for r in rows]
    assert ("staff_invite.create", "staff", c.admin, c.north) in actions
    assert ("staff.join", "staff", robin.id, c.north) in actions
    [joined] = [r for r in rows if r.action == "staff.join"]
    assert joined.detail is not None and joined.detail["invited_by"] == c.admin
    assert joined.at == ctx.clock.now()
    refused = [r.detail for r in rows if r.action == "staff_invite.refused"]
    assert refused and all(d and d["reason"] == "used" for d in refused)
    assert token not in json.dumps([[r.action, r.detail, r.subject] for r in rows])
    async with ctx.sessions() as session:
        [invite] = list(await session.scalars(select(StaffInvite)))
    assert invite.token_hash != token and token not in invite.token_hash
    assert invite.used_by == robin.id and invite.used_at == ctx.clock.now()


async def test_an_admin_invite_makes_an_admin(clinics: Clinics) -> None:
    payload = await invite_from_telegram(clinics, ADMIN, "admin")
    welcome = await start(clinics, NEWCOMER, "Robin Lee", payload)
    assert "You're set up as an admin" in welcome and "/invite_staff" in welcome
    robin = await staff_row(clinics.ctx, NEWCOMER)
    assert robin is not None and robin.role == StaffRole.ADMIN


async def test_an_invite_expires_after_72_hours(clinics: Clinics) -> None:
    c, ctx = clinics, clinics.ctx
    payload = await invite_from_telegram(c)
    ctx.clock.advance(timedelta(hours=72))  # type: ignore[attr-defined]
    assert await start(c, NEWCOMER, "Robin Lee", payload) == staff_invites.INVITE_NOT_VALID
    assert await staff_row(ctx, NEWCOMER) is None
    [refusal] = [r for r in await audit_rows(ctx) if r.action == "staff_invite.refused"]
    assert refusal.detail == {"reason": "expired", "invite_id": refusal.detail["invite_id"]}  # type: ignore[index]


async def test_one_minute_before_expiry_it_still_works(clinics: Clinics) -> None:
    payload = await invite_from_telegram(clinics)
    clinics.ctx.clock.advance(timedelta(hours=72) - timedelta(minutes=1))  # type: ignore[attr-defined]
    assert (await start(clinics, NEWCOMER, "Robin", payload)).startswith("Welcome")


async def test_unknown_and_malformed_invites_change_nothing(clinics: Clinics) -> None:
    c, ctx = clinics, clinics.ctx
    before = (await count(ctx, Staff), await count(ctx, StaffInvite))
    for payload in ("staff-" + "A" * 43, "staff-x", "STAFF-nonsense-but-long-enough"):
        assert await start(c, NEWCOMER, "Robin", payload) == staff_invites.INVITE_NOT_VALID
    assert (await count(ctx, Staff), await count(ctx, StaffInvite)) == before
    async with ctx.sessions() as session:
        assert await session.get(Conversation, NEWCOMER) is None


async def test_only_admins_invite(clinics: Clinics) -> None:
    c = clinics
    [nurse] = await c.inbox.command(Sender(NURSE, "Nick Nurse"), "invite_staff", [])
    assert nurse.text == staff_invites.ADMINS_ONLY
    # Patients and strangers learn nothing: the reply to an unknown command.
    for chat in (PATIENT, NEWCOMER):
        assert await c.inbox.command(Sender(chat), "invite_staff", []) == [
            Reply(texts.UNKNOWN_COMMAND)
        ]
    [usage] = await c.inbox.command(Sender(ADMIN), "invite_staff", ["boss"])
    assert "/invite_staff admin" in usage.text
    assert await count(c.ctx, StaffInvite) == 0
    with pytest.raises(staff_invites.NotAllowed):
        await staff_invites.create_invite(c.ctx, c.nurse)


async def test_staff_elsewhere_and_patients_are_refused_kindly_and_the_invite_stays(
    clinics: Clinics,
) -> None:
    c, ctx = clinics, clinics.ctx
    payload = await invite_from_telegram(c)
    elsewhere = await start(c, OTHER_ADMIN, "Bea Other", payload)
    assert "already care-team staff at Southside Clinic" in elsewhere
    assert "one clinic at a time" in elsewhere
    here = await start(c, NURSE, "Nick Nurse", payload)
    assert "already on the care team at Northside Clinic" in here
    assert await start(c, PATIENT, "Pat Able", payload) == staff_invites.PATIENT_CANNOT_JOIN
    bea = await staff_row(ctx, OTHER_ADMIN)
    assert bea is not None and bea.clinic_id == c.south and bea.role == "admin"
    assert await staff_row(ctx, PATIENT) is None
    # None of them used it up: the colleague it was meant for still can.
    assert (await start(c, NEWCOMER, "Robin", payload)).startswith("Welcome")
    reasons = [
        r.detail["reason"]  # type: ignore[index]
        for r in await audit_rows(ctx)
        if r.action == "staff_invite.refused"
    ]
    assert reasons == ["already_staff", "already_staff", "patient"]


async def test_a_withdrawn_invite_no_longer_works(clinics: Clinics) -> None:
    c, ctx = clinics, clinics.ctx
    made = await staff_invites.create_invite(ctx, c.admin)
    # Another clinic's admin cannot withdraw it; a nurse cannot at all.
    notice = await staff_invites.revoke(ctx, c.other_admin, made.id)
    assert "isn't pending" in notice
    with pytest.raises(staff_invites.NotAllowed):
        await staff_invites.revoke(ctx, c.nurse, made.id)
    assert (await staff_invites.revoke(ctx, c.admin, made.id)).startswith("Invite withdrawn")
    assert "isn't pending" in await staff_invites.revoke(ctx, c.admin, made.id)
    payload = staff_invites.payload(made.token)
    assert await start(c, NEWCOMER, "Robin", payload) == staff_invites.INVITE_NOT_VALID
    assert await staff_row(ctx, NEWCOMER) is None
    actions = [(r.action, r.actor_id) for r in await audit_rows(ctx)]
    assert actions.count(("staff_invite.revoke", c.admin)) == 1


async def test_pending_invites_and_colleagues_are_the_admins_clinic_only(clinics: Clinics) -> None:
    c, ctx = clinics, clinics.ctx
    await staff_invites.create_invite(ctx, c.admin, StaffRole.ADMIN)
    used = await staff_invites.create_invite(ctx, c.admin)
    await start(c, NEWCOMER, "Robin Lee", staff_invites.payload(used.token))
    await staff_invites.create_invite(ctx, c.other_admin)
    async with ctx.sessions.begin() as session:
        page = await staff_invites.staff_page(ctx, session, c.admin)
    assert [(p.role, p.created_by) for p in page.pending] == [("admin", "Ada Admin")]
    assert [(m.name, m.is_you) for m in page.colleagues] == [
        ("Ada Admin", True),
        ("Nick Nurse", False),
        ("Robin Lee", False),
    ]


async def test_an_admin_removes_a_colleague_who_can_be_invited_back(clinics: Clinics) -> None:
    c, ctx = clinics, clinics.ctx
    await staff_auth.create_login_link(ctx, c.nurse, "telegram")  # not used yet
    now = ctx.clock.now()
    async with ctx.sessions.begin() as session:
        session.add(
            DashboardSession(
                staff_id=c.nurse, token_hash="nurse-session", created_at=now, last_seen_at=now
            )
        )
    notice = await staff_invites.remove(ctx, c.admin, c.nurse)
    assert notice.startswith("Nick Nurse is no longer on the care team")
    nick = await staff_row(ctx, NURSE)
    assert nick is not None and not nick.active
    # No more staff commands, dashboard sessions or links.
    assert await c.inbox.command(Sender(NURSE), "summary", []) == [Reply(texts.UNKNOWN_COMMAND)]
    async with ctx.sessions() as session:
        ended = await session.scalar(
            select(DashboardSession.ended_at).where(DashboardSession.staff_id == c.nurse)
        )
    assert ended == ctx.clock.now()
    [removal] = [r for r in await audit_rows(ctx) if r.action == "staff.remove"]
    assert (removal.actor_kind, removal.actor_id, removal.clinic_id) == ("staff", c.admin, c.north)
    assert removal.detail == {
        "staff_id": c.nurse,
        "sessions_ended": 1,
        "links_revoked": 1,
        "invites_revoked": 0,
    }

    # Invited again, the same person comes back as the same staff member.
    payload = await invite_from_telegram(c)
    assert (await start(c, NURSE, "Nick Nurse", payload)).startswith("Welcome")
    back = await staff_row(ctx, NURSE)
    assert back is not None and back.active and back.id == c.nurse


async def test_what_an_admin_cannot_remove(clinics: Clinics) -> None:
    c, ctx = clinics, clinics.ctx
    assert "can't remove yourself" in await staff_invites.remove(ctx, c.admin, c.admin)
    assert "isn't on your clinic's staff" in await staff_invites.remove(ctx, c.admin, c.other_admin)
    assert "isn't on your clinic's staff" in await staff_invites.remove(ctx, c.admin, 999_999)
    with pytest.raises(staff_invites.NotAllowed):
        await staff_invites.remove(ctx, c.nurse, c.admin)
    for telegram_id in (ADMIN, OTHER_ADMIN, NURSE):
        row = await staff_row(ctx, telegram_id)
        assert row is not None and row.active
    assert not [r for r in await audit_rows(ctx) if r.action == "staff.remove"]


async def test_removing_an_admin_withdraws_their_pending_invites(clinics: Clinics) -> None:
    c, ctx = clinics, clinics.ctx
    payload = await invite_from_telegram(c, ADMIN, "admin")
    assert (await start(c, NEWCOMER, "Robin Lee", payload)).startswith("Welcome")
    robin = await staff_row(ctx, NEWCOMER)
    assert robin is not None
    pending = await invite_from_telegram(c, NEWCOMER)
    # Two admins now: either may remove the other, and Robin's invite goes with Robin.
    assert "no longer on the care team" in await staff_invites.remove(ctx, c.admin, robin.id)
    assert await start(c, SECOND, "Sam", pending) == staff_invites.INVITE_NOT_VALID
    [removal] = [r for r in await audit_rows(ctx) if r.action == "staff.remove"]
    assert removal.detail is not None and removal.detail["invites_revoked"] == 1


async def test_someone_halfway_through_a_patients_setup_joins_as_staff(clinics: Clinics) -> None:
    c, ctx = clinics, clinics.ctx
    async with ctx.sessions() as session:
        clinic = await session.get(Clinic, c.north)
    assert clinic is not None
    await c.inbox.command(Sender(NEWCOMER, "Robin"), "start", [clinic.invite_code])
    payload = await invite_from_telegram(c)
    assert (await start(c, NEWCOMER, "Robin", payload)).startswith("Welcome")
    async with ctx.sessions() as session:
        assert await session.get(Conversation, NEWCOMER) is None


async def test_crisis_triage_still_answers_new_staff_first(clinics: Clinics) -> None:
    c = clinics
    payload = await invite_from_telegram(c)
    await start(c, NEWCOMER, "Robin", payload)
    [reply] = await c.inbox.text(Sender(NEWCOMER, "Robin"), "I want to kill myself tonight")
    assert "988" in reply.text and reply.urgent
