"""The dashboard's Staff page over HTTP (the real app and database, SQLite and Postgres): a clinic
admin invites a colleague (the link shown once), withdraws an invite, removes a colleague; staff
who are not admins cannot, and nobody acts on another clinic's staff. Forms need the session's
CSRF token, and every change is in the audit log."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.dashboard import create_app
from bot.db.models import AuditEntry, Staff, StaffInvite, StaffRole
from bot.runtime import app_context
from bot.services import staff_invites
from bot.services.clinics import add_staff
from bot.services.context import AppContext
from bot.services.inbox import Inbox, Sender
from tests.conftest import TEST_TOKEN, make_settings
from tests.fakes.bot_api import FakeBotApi
from tests.integration.test_dashboard import csrf_of, sign_in
from tests.support import new_clinic

START = re.compile(r"(?:/start |\?start=)(staff-[A-Za-z0-9_-]+)")


@dataclass
class Team:
    ctx: AppContext
    admin: int  # Northside
    nurse: int  # Northside
    outsider: int  # Southside's admin


@pytest.fixture
async def team(ctx: AppContext) -> Team:
    north = await new_clinic(ctx, "Northside Clinic")
    south = await new_clinic(ctx, "Southside Clinic")
    ids = []
    for telegram_id, name, clinic, role in (
        (111, "Ada Admin", north, StaffRole.ADMIN),
        (222, "Nick Nurse", north, StaffRole.STAFF),
        (333, "Bea Other", south, StaffRole.ADMIN),
    ):
        made = await add_staff(
            ctx.sessions,
            ctx.clock,
            telegram_user_id=telegram_id,
            name=name,
            clinic_code=clinic.invite_code,
            role=role,
        )
        ids.append(made.id)
    return Team(ctx, *ids)


async def browser(ctx: AppContext, staff_id: int) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(ctx))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        await sign_in(client, ctx, staff_id)
        yield client


@pytest.fixture
async def admin(team: Team) -> AsyncIterator[httpx.AsyncClient]:
    async for client in browser(team.ctx, team.admin):
        yield client


@pytest.fixture
async def nurse(team: Team) -> AsyncIterator[httpx.AsyncClient]:
    async for client in browser(team.ctx, team.nurse):
        yield client


@pytest.fixture
async def outsider(team: Team) -> AsyncIterator[httpx.AsyncClient]:
    async for client in browser(team.ctx, team.outsider):
        yield client


async def staff_page(client: httpx.AsyncClient) -> tuple[str, str]:
    """The Staff page and its CSRF token."""
    page = await client.get("/staff")
    assert page.status_code == 200, page.text
    return page.text, csrf_of(page.text)


async def invite(client: httpx.AsyncClient, role: str = "staff") -> tuple[httpx.Response, str]:
    """Make an invite from the page; the answer and the payload it shows."""
    _, csrf = await staff_page(client)
    made = await client.post("/staff/invite", data={"csrf": csrf, "role": role})
    assert made.status_code == 200, made.text
    found = START.search(shown(made))
    assert found, made.text
    return made, found.group(1)


def shown(response: httpx.Response) -> str:
    """The page as read (the link has break opportunities, ``<wbr>``, to wrap on a phone)."""
    return response.text.replace("<wbr>", "")


async def notice_after(client: httpx.AsyncClient, response: httpx.Response) -> str:
    assert response.status_code == 303 and response.headers["location"] == "/staff"
    return (await client.get("/staff")).text


async def actions(ctx: AppContext) -> list[tuple[str, int | None]]:
    async with ctx.sessions() as session:
        rows = await session.execute(
            select(AuditEntry.action, AuditEntry.actor_id).order_by(AuditEntry.id)
        )
        return [(r.action, r.actor_id) for r in rows]


async def invites(ctx: AppContext) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(StaffInvite)) or 0)


async def is_active(ctx: AppContext, staff_id: int) -> bool:
    async with ctx.sessions() as session:
        return bool(await session.scalar(select(Staff.active).where(Staff.id == staff_id)))


async def test_an_admin_invites_a_colleague_who_joins(team: Team, admin: httpx.AsyncClient) -> None:
    ctx = team.ctx
    page, _ = await staff_page(admin)
    assert 'href="/staff" aria-current="page"' in page
    assert '<bdi>Ada Admin</bdi> <span class="small">(you)</span>' in page
    assert "Nick Nurse" in page and "Bea Other" not in page
    assert "No pending invites." in page

    made, payload = await invite(admin)
    # Offline (no bot username here): the message to send the bot, not a link.
    assert "Invite ready" in made.text and "t.me" not in made.text
    assert "joins as staff" in made.text and "expires" in made.text
    assert "As staff" in made.text  # and it is listed as pending

    [welcome] = await Inbox(ctx).command(Sender(4242, "Robin Lee"), "start", [payload])
    assert welcome.text.startswith("Welcome to the care team at Northside Clinic, Robin!")
    page, _ = await staff_page(admin)
    assert "Robin Lee" in page and "No pending invites." in page
    # Shown once: the token is on no page after the one that made it.
    assert payload not in page and payload.removeprefix("staff-") not in page
    assert ("staff_invite.create", team.admin) in await actions(ctx)
    assert ("staff.view", team.admin) in await actions(ctx)
    audit = (await admin.get("/audit")).text
    assert "staff_invite.create" in audit and "staff.join" in audit
    assert payload.removeprefix("staff-") not in audit


async def test_with_the_bots_username_the_page_shows_a_link(
    team: Team, admin: httpx.AsyncClient
) -> None:
    team.ctx.identity.username = "care_team_bot"
    made, _ = await invite(admin, role="admin")
    found = re.search(r"https://t\.me/care_team_bot\?start=staff-[A-Za-z0-9_-]{43}", shown(made))
    assert found and "join as admin" in made.text
    assert "As admin" in made.text


async def test_an_admin_withdraws_an_invite(team: Team, admin: httpx.AsyncClient) -> None:
    _, payload = await invite(admin)
    async with team.ctx.sessions() as session:
        invite_id = await session.scalar(select(StaffInvite.id))
    _, csrf = await staff_page(admin)
    done = await admin.post(f"/staff/invites/{invite_id}/revoke", data={"csrf": csrf})
    page = await notice_after(admin, done)
    assert "Invite withdrawn" in page and "No pending invites." in page
    [refused] = await Inbox(team.ctx).command(Sender(4242, "Robin"), "start", [payload])
    assert refused.text == staff_invites.INVITE_NOT_VALID
    assert ("staff_invite.revoke", team.admin) in await actions(team.ctx)


async def test_an_admin_removes_a_colleague(
    team: Team, admin: httpx.AsyncClient, nurse: httpx.AsyncClient
) -> None:
    assert (await nurse.get("/patients")).status_code == 200  # signed in
    confirm = (await admin.get(f"/staff?remove={team.nurse}")).text
    assert "Remove <bdi>Nick Nurse</bdi>?" in confirm
    assert f'action="/staff/{team.nurse}/remove"' in confirm
    done = await admin.post(f"/staff/{team.nurse}/remove", data={"csrf": csrf_of(confirm)})
    page = await notice_after(admin, done)
    assert "Nick Nurse is no longer on the care team" in page
    assert "Nick Nurse" not in page.split("Nick Nurse is no longer")[1]  # not listed
    assert not await is_active(team.ctx, team.nurse)
    # Their browser's session ended with it.
    ended = await nurse.get("/patients")
    assert ended.status_code == 303 and ended.headers["location"] == "/sign-in?ended=1"
    assert ("staff.remove", team.admin) in await actions(team.ctx)


async def test_an_admin_cannot_remove_themselves(team: Team, admin: httpx.AsyncClient) -> None:
    _, csrf = await staff_page(admin)
    page = await notice_after(
        admin, await admin.post(f"/staff/{team.admin}/remove", data={"csrf": csrf})
    )
    assert "You can&#39;t remove yourself" in page
    assert await is_active(team.ctx, team.admin)
    assert f"/staff?remove={team.admin}" not in page  # no Remove link on your own row


async def test_staff_who_are_not_admins_cannot_manage_staff(
    team: Team, nurse: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    refused = await nurse.get("/staff")
    assert refused.status_code == 403 and "Only clinic admins" in refused.text
    assert 'href="/staff"' not in (await nurse.get("/patients")).text
    csrf = csrf_of((await nurse.get("/alerts")).text)
    for path in ("/staff/invite", f"/staff/{team.admin}/remove", "/staff/invites/1/revoke"):
        response = await nurse.post(path, data={"csrf": csrf, "role": "admin"})
        assert response.status_code == 403 and "Only clinic admins" in response.text
    assert await invites(team.ctx) == 0 and await is_active(team.ctx, team.admin)
    assert 'href="/staff"' in (await admin.get("/patients")).text


async def test_another_clinics_staff_cannot_be_removed_or_their_invites_withdrawn(
    team: Team, admin: httpx.AsyncClient, outsider: httpx.AsyncClient
) -> None:
    await invite(admin)
    async with team.ctx.sessions() as session:
        invite_id = await session.scalar(select(StaffInvite.id))
    page, csrf = await staff_page(outsider)
    assert "Bea Other" in page and "Nick Nurse" not in page and "Ada Admin" not in page
    assert "No pending invites." in page  # Northside's invite is not listed
    for target, notice in (
        (team.nurse, "isn&#39;t on your clinic&#39;s staff"),
        (team.admin, "isn&#39;t on your clinic&#39;s staff"),
        (987654, "isn&#39;t on your clinic&#39;s staff"),
        (99999999999, "nothing at that address"),
    ):
        done = await outsider.post(f"/staff/{target}/remove", data={"csrf": csrf})
        assert notice in await notice_after(outsider, done)
    withdrawn = await outsider.post(f"/staff/invites/{invite_id}/revoke", data={"csrf": csrf})
    assert "isn&#39;t pending" in await notice_after(outsider, withdrawn)
    assert await is_active(team.ctx, team.nurse) and await is_active(team.ctx, team.admin)
    assert "As staff" in (await staff_page(admin))[0]  # still pending at Northside
    assert not [
        a for a, actor in await actions(team.ctx) if a in ("staff.remove", "staff_invite.revoke")
    ]


@pytest.mark.parametrize("csrf", [None, "", "f" * 64])
async def test_staff_forms_need_the_sessions_csrf_token(
    team: Team, admin: httpx.AsyncClient, csrf: str | None
) -> None:
    await invite(admin)
    async with team.ctx.sessions() as session:
        invite_id = await session.scalar(select(StaffInvite.id))
    data = {} if csrf is None else {"csrf": csrf}
    for path in (
        "/staff/invite",
        f"/staff/{team.nurse}/remove",
        f"/staff/invites/{invite_id}/revoke",
    ):
        response = await admin.post(path, data=data)
        assert response.status_code == 403 and "nothing was changed" in response.text
    assert await invites(team.ctx) == 1 and await is_active(team.ctx, team.nurse)
    page, _ = await staff_page(admin)
    assert "As staff" in page


async def test_a_dashboard_of_its_own_asks_telegram_for_the_bots_username(
    team: Team, clock: FakeClock
) -> None:
    """`recovery-bot dashboard` runs apart from the bot: it learns the username from getMe once
    (here from the fake Bot API), and the page shows a link to tap; offline it cannot."""
    async with FakeBotApi(bot_username="northside_care_bot") as api:
        settings = make_settings(
            team.ctx.settings.database_url,
            telegram_bot_token=TEST_TOKEN,
            telegram_api_base_url=api.base_url,
        )
        async with app_context(settings, clock) as ctx:
            async for client in browser(ctx, team.admin):
                made, payload = await invite(client)
                assert f"https://t.me/northside_care_bot?start={payload}" in shown(made)
                await invite(client)
        assert len(api.calls_to("getMe")) == 1  # asked once, then remembered
