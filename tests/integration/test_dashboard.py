"""The staff dashboard's pages over HTTP (the real app, the real database, both SQLite and
Postgres): sign-in by one-time link, sessions, clinic boundaries, alert forms and CSRF, the CSV
export, the audit log, escaping and security headers."""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select, update

from bot.dashboard import create_app, serve_dashboard
from bot.db.models import Alert, AuditEntry, CheckIn, DoseEvent, Patient, Staff, StaffRole
from bot.domain import risk
from bot.domain.schedules import Plan, PlanKind, day_number
from bot.runtime import app_context
from bot.services import staff_auth
from bot.services.clinics import add_staff
from bot.services.context import AppContext
from bot.services.demo import DEMO_STAFF_TELEGRAM_ID, seed_demo
from bot.services.reachability import mark_unreachable
from tests.support import make_patient, new_clinic

HOSTILE = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example/","click")'
PLAN = Plan(PlanKind.DAILY, "America/New_York", (time(8, 0),), dose_mg=50)
NY = PLAN.zone


@dataclass
class World:
    ctx: AppContext
    admin: int  # staff ids at Northside
    nurse: int
    outsider: int  # staff at Southside
    pat: int  # patients at Northside
    hostile: int
    formula: int
    elsewhere: int  # Southside's patient
    alert: int  # Northside's open alert about Pat
    other_alert: int  # Southside's


async def _alert(ctx: AppContext, clinic_id: int, patient_id: int, name: str, at: datetime) -> int:
    finding = risk.missed_doses(name, 2)
    async with ctx.sessions.begin() as session:
        alert = Alert(
            clinic_id=clinic_id,
            patient_id=patient_id,
            kind=finding.kind.value,
            severity=finding.severity,
            summary=finding.summary,
            created_at=at,
            last_seen_at=at,
        )
        session.add(alert)
        await session.flush()
        return alert.id


@pytest.fixture
async def world(ctx: AppContext) -> World:
    north = await new_clinic(ctx, "Northside Clinic")
    south = await new_clinic(ctx, "Southside Clinic")
    admin = await add_staff(
        ctx.sessions,
        ctx.clock,
        telegram_user_id=111,
        name="Ada Admin",
        clinic_code=north.invite_code,
        role=StaffRole.ADMIN,
    )
    nurse = await add_staff(
        ctx.sessions,
        ctx.clock,
        telegram_user_id=222,
        name="Nick Nurse",
        clinic_code=north.invite_code,
    )
    outsider = await add_staff(
        ctx.sessions,
        ctx.clock,
        telegram_user_id=333,
        name="Bea Other",
        clinic_code=south.invite_code,
        role=StaffRole.ADMIN,
    )
    pat, schedule = await make_patient(ctx, PLAN, chat_id=1, clinic_id=north.id, name="Pat Able")
    hostile, _ = await make_patient(ctx, PLAN, chat_id=2, clinic_id=north.id, name=HOSTILE)
    formula, _ = await make_patient(ctx, PLAN, chat_id=3, clinic_id=north.id, name=FORMULA)
    elsewhere, _ = await make_patient(
        ctx, PLAN, chat_id=4, clinic_id=south.id, name="Olive Elsewhere"
    )
    now = ctx.clock.now()
    # Pat: three days of doses (taken, taken, missed) and a high craving yesterday.
    async with ctx.sessions.begin() as session:
        for back, status in ((3, "taken"), (2, "taken"), (1, "missed")):
            due = datetime.combine(now.date() - timedelta(days=back), time(13, 0), UTC)
            session.add(
                DoseEvent(
                    schedule_id=schedule,
                    patient_id=pat,
                    due_at=due,
                    local_day=day_number(due, ZoneInfo(NY)),
                    dose_mg=50,
                    status=status,
                    window_ends_at=due + timedelta(hours=4),
                    reminded_at=due,
                    answered_at=due + timedelta(minutes=5) if status == "taken" else None,
                    created_at=due,
                )
            )
        session.add(
            CheckIn(
                patient_id=pat,
                created_at=now - timedelta(days=1),
                due_at=now - timedelta(days=1),
                status="answered",
                answered_at=now - timedelta(days=1),
                craving=9,
                mood=2,
                substance_use="no",
            )
        )
    alert = await _alert(ctx, north.id, pat, "Pat Able", datetime(2026, 11, 25, 14, 0, tzinfo=UTC))
    other_alert = await _alert(ctx, south.id, elsewhere, "Olive Elsewhere", now)
    return World(
        ctx, admin.id, nurse.id, outsider.id, pat, hostile, formula, elsewhere, alert, other_alert
    )


@pytest.fixture
async def client(ctx: AppContext) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(ctx))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def link_path(ctx: AppContext, staff_id: int) -> str:
    link = await staff_auth.create_login_link(ctx, staff_id, "cli")
    assert link.startswith(ctx.settings.public_url + "/login/")
    return urlsplit(link).path


async def sign_in(client: httpx.AsyncClient, ctx: AppContext, staff_id: int) -> None:
    response = await client.get(await link_path(ctx, staff_id))
    assert response.status_code == 303
    assert response.headers["location"] == "/patients"


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert found, "the page has no CSRF field"
    return found.group(1)


async def alert_row(ctx: AppContext, alert_id: int) -> Alert:
    async with ctx.sessions() as session:
        alert = await session.get(Alert, alert_id)
    assert alert is not None
    return alert


async def audit_actions(ctx: AppContext) -> list[tuple[str, int | None, str | None]]:
    async with ctx.sessions() as session:
        rows = await session.execute(
            select(AuditEntry.action, AuditEntry.actor_id, AuditEntry.subject).order_by(
                AuditEntry.id
            )
        )
        return [(r.action, r.actor_id, r.subject) for r in rows]


# Signing in ---------------------------------------------------------------------------------


async def test_a_login_link_signs_in_once(world: World, client: httpx.AsyncClient) -> None:
    path = await link_path(world.ctx, world.admin)
    response = await client.get(path)
    assert response.status_code == 303 and response.headers["location"] == "/patients"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("rb_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # PUBLIC_URL is http here
    assert "expires" not in cookie.lower() and "max-age" not in cookie.lower()

    page = await client.get("/patients")
    assert page.status_code == 200
    assert "Pat Able" in page.text and "Northside Clinic" in page.text and "Ada Admin" in page.text

    # The same link again, from another browser: refused, and no session for it.
    transport = httpx.ASGITransport(app=create_app(world.ctx))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        again = await other.get(path)
        assert again.status_code == 403
        assert "This link has expired or was already used" in again.text
        assert "/dashboard" in again.text
        assert "set-cookie" not in again.headers
        assert (await other.get("/patients")).headers["location"] == "/sign-in"


async def test_an_expired_link_is_refused(world: World, client: httpx.AsyncClient) -> None:
    path = await link_path(world.ctx, world.admin)
    world.ctx.clock.advance(timedelta(minutes=10, seconds=1))  # type: ignore[attr-defined]
    response = await client.get(path)
    assert response.status_code == 403
    assert "This link has expired or was already used" in response.text
    assert (await client.get("/patients")).status_code == 303

    fresh = await link_path(world.ctx, world.admin)
    world.ctx.clock.advance(timedelta(minutes=9, seconds=59))  # type: ignore[attr-defined]
    assert (await client.get(fresh)).status_code == 303
    assert (await client.get("/patients")).status_code == 200


async def test_unknown_and_oversized_tokens_are_refused(
    world: World, client: httpx.AsyncClient
) -> None:
    assert (await client.get("/login/not-a-real-token")).status_code == 403
    assert (await client.get("/login/" + "x" * 500)).status_code == 403


async def test_link_previews_do_not_use_up_a_link(world: World, client: httpx.AsyncClient) -> None:
    path = await link_path(world.ctx, world.admin)
    preview = await client.get(path, headers={"User-Agent": "TelegramBot (like TwitterBot)"})
    assert preview.status_code == 200 and "Open this sign-in link in your browser" in preview.text
    assert "set-cookie" not in preview.headers
    assert (await client.get(path)).status_code == 303


async def test_the_cookie_is_secure_over_https(world: World) -> None:
    settings = world.ctx.settings.model_copy(update={"public_url": "https://care.example.org"})
    async with app_context(settings, world.ctx.clock) as secure_ctx:
        transport = httpx.ASGITransport(app=create_app(secure_ctx))
        # Addressed as PUBLIC_URL says: a dashboard published under a domain answers no other.
        base = "https://care.example.org"
        async with httpx.AsyncClient(transport=transport, base_url=base) as c:
            response = await c.get(await link_path(secure_ctx, world.admin))
            assert response.status_code == 303
            assert "Secure" in response.headers["set-cookie"]
            assert response.headers["strict-transport-security"].startswith("max-age=")
            assert (await c.get("/patients")).status_code == 200


async def test_a_session_ends_after_30_idle_minutes(
    world: World, client: httpx.AsyncClient
) -> None:
    await sign_in(client, world.ctx, world.nurse)
    clock = world.ctx.clock
    for _ in range(3):  # activity keeps it alive
        clock.advance(timedelta(minutes=29))  # type: ignore[attr-defined]
        assert (await client.get("/alerts")).status_code == 200
    clock.advance(timedelta(minutes=31))  # type: ignore[attr-defined]
    response = await client.get("/alerts")
    assert response.status_code == 303 and response.headers["location"] == "/sign-in?ended=1"
    page = await client.get("/sign-in?ended=1")
    assert "Your session has ended" in page.text and "Sign in from Telegram" in page.text


async def test_sign_out(world: World, client: httpx.AsyncClient) -> None:
    await sign_in(client, world.ctx, world.nurse)
    cookie = client.cookies["rb_session"]
    page = await client.get("/patients")
    response = await client.post("/logout", data={"csrf": csrf_of(page.text)})
    assert response.status_code == 303 and response.headers["location"] == "/sign-in?out=1"
    assert 'rb_session=""' in response.headers["set-cookie"]
    assert "You're signed out" in (await client.get("/sign-in?out=1")).text
    assert (await client.get("/patients")).headers["location"] == "/sign-in"
    # The old cookie, kept by someone, opens nothing any more.
    client.cookies.set("rb_session", cookie)
    assert (await client.get("/patients")).status_code == 303
    assert ("dashboard.logout", world.nurse, None) in await audit_actions(world.ctx)


async def test_a_new_link_in_the_same_browser_replaces_its_session(
    world: World, client: httpx.AsyncClient
) -> None:
    await sign_in(client, world.ctx, world.nurse)
    first = client.cookies["rb_session"]
    await sign_in(client, world.ctx, world.nurse)
    assert client.cookies["rb_session"] != first
    assert (await client.get("/patients")).status_code == 200
    client.cookies.set("rb_session", first)
    assert (await client.get("/patients")).status_code == 303


async def test_sign_out_needs_the_csrf_token(world: World, client: httpx.AsyncClient) -> None:
    await sign_in(client, world.ctx, world.nurse)
    for data in ({}, {"csrf": "0" * 64}):
        response = await client.post("/logout", data=data)
        assert response.status_code == 403 and "nothing was changed" in response.text
    assert (await client.get("/patients")).status_code == 200


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/"),
        ("GET", "/patients"),
        ("GET", "/patients/1"),
        ("GET", "/alerts"),
        ("GET", "/audit"),
        ("GET", "/export.csv"),
        ("POST", "/alerts/1/resolve"),
        ("POST", "/logout"),
    ],
)
async def test_pages_send_strangers_to_sign_in(
    world: World, client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path, follow_redirects=True)
    assert response.status_code == 200
    assert str(response.url).endswith("/sign-in")
    assert "Sign in from Telegram" in response.text and "/dashboard" in response.text
    assert "Pat Able" not in response.text
    assert await alert_row(world.ctx, world.alert) is not None
    assert (await alert_row(world.ctx, world.alert)).status == "open"


# What staff see --------------------------------------------------------------------------------


async def test_patients_table_shows_the_clinic_only(
    world: World, client: httpx.AsyncClient
) -> None:
    await sign_in(client, world.ctx, world.nurse)
    page = (await client.get("/patients")).text
    assert "Pat Able" in page and "Olive Elsewhere" not in page
    # Pat: 2 of 3 days covered, a 9/10 craving, an open alert: needs attention.
    row = re.search(
        r"<tr class=\"flagged\">\s*<th scope=\"row\" class=\"col-name\">\s*"
        r"<a href=\"/patients/(\d+)\"><bdi>Pat Able</bdi></a>.*?</tr>",
        page,
        re.S,
    )
    assert row and int(row.group(1)) == world.pat
    assert "67%" in row.group(0) and "9/10" in row.group(0)
    # The flag says why, in a few words, the most urgent first.
    why = re.search(r'<span class="attention-why">([^<]+)</span>', row.group(0))
    assert why and why.group(1) == "1 open alert · craving 9 · 67% of days this week"
    assert "Who needs a call today comes first" in page
    by_name = (await client.get("/patients?sort=name")).text
    assert '<th scope="col" aria-sort="ascending" class="col-name">' in by_name
    attention = (await client.get("/patients?attention=1")).text
    assert "Pat Able" in attention and FORMULA not in attention.replace("&#34;", '"')
    assert 'aria-current="page">Needs attention (1)' in attention
    # Finding a patient by name or code lists the matches, with links.
    found = (await client.get("/patients?q=pat")).text
    matches = re.search(r'<section class="found".*?</section>', found, re.S)
    link = f'<a href="/patients/{world.pat}"><bdi>Pat Able</bdi></a>'
    assert matches and link in matches.group(0)
    assert "&lt;script&gt;" not in matches.group(0)
    nothing = (await client.get("/patients?q=Olive")).text  # another clinic's
    assert "No patient's name or code matches." in nothing


async def test_sorting_the_table(ctx: AppContext, client: httpx.AsyncClient) -> None:
    _code, staff_id = await seed_demo(ctx)
    await sign_in(client, ctx, staff_id)
    api = (await client.get("/api/patients")).json()["patients"]

    def names(page: str) -> list[str]:
        return re.findall(
            r'<th scope="row" class="col-name">\s*<a href="/patients/\d+"><bdi>([^<]+)<', page
        )

    # The list opens with who needs a call first: urgent alerts, then other open alerts.
    opening = names((await client.get("/patients")).text)
    assert opening[0] == "Morgan Diaz" and len(opening) == 12
    alerts = {p["name"]: (p["urgent_alerts"], p["open_alerts"]) for p in api}
    ranks = [alerts[n] for n in opening]
    assert ranks == sorted(ranks, reverse=True)

    by_name = names((await client.get("/patients?sort=name")).text)
    assert by_name == sorted(by_name, key=str.casefold) and len(by_name) == 12
    assert names((await client.get("/patients?sort=name&dir=desc")).text) == by_name[::-1]

    page = (await client.get("/patients?sort=pdc7")).text
    assert re.search(r'<th scope="col" aria-sort="ascending" class="col-pdc7">', page)
    ratios = {p["name"]: p["pdc7"]["percent"] for p in api}
    ordered = [ratios[n] for n in names(page)]
    present = [r for r in ordered if r is not None]
    assert present == sorted(present) and ordered[: len(present)] == present
    # Clicking the sorted column's header again reverses it.
    assert 'href="/patients?sort=pdc7&amp;dir=desc"' in page

    cravings = [
        {p["name"]: p["latest_craving"] for p in api}[n]
        for n in names((await client.get("/patients?sort=craving")).text)
    ]
    known = [c for c in cravings if c is not None]
    assert known == sorted(known, reverse=True) and cravings[: len(known)] == known

    # Needs attention: the flagged ones, most urgent (open urgent alerts) first.
    attention = names((await client.get("/patients?attention=1")).text)
    assert attention[0] == "Morgan Diaz"
    assert set(attention) == {p["name"] for p in api if p["needs_attention"]}
    assert (await client.get("/patients?sort=nonsense&dir=sideways")).status_code == 200


async def test_a_big_clinic_is_paged(world: World, client: httpx.AsyncClient) -> None:
    ctx = world.ctx
    clinic = await _clinic_of(ctx, world.pat)
    now = ctx.clock.now()
    async with ctx.sessions.begin() as session:
        for n in range(50):
            session.add(
                Patient(
                    chat_id=10_000 + n,
                    clinic_id=clinic,
                    display_name=f"Zed {n:02d}",
                    timezone=NY,
                    consent_version=ctx.consent.version,
                    consented_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )
    await sign_in(client, ctx, world.nurse)

    def names(page: str) -> list[str]:
        return re.findall(
            r'<th scope="row" class="col-name">\s*<a href="/patients/\d+"><bdi>([^<]+)<', page
        )

    first = (await client.get("/patients?sort=name&dir=desc")).text
    assert len(names(first)) == 50 and names(first)[0] == "Zed 49"
    assert "page 1 of 2" in first and "Patients 1–50 of 53" in first
    following = re.search(r'<a href="([^"]+)" rel="next">', first)
    assert following and following.group(1) == "/patients?sort=name&amp;dir=desc&amp;page=2"
    second = (await client.get("/patients?sort=name&dir=desc&page=2")).text
    assert names(second)[0] == "Pat Able" and len(names(second)) == 3
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert "no patients on this page" in (await client.get("/patients?page=9")).text
    assert (await client.get("/patients?page=-3")).status_code == 200


async def test_a_patient_page(ctx: AppContext, client: httpx.AsyncClient) -> None:
    _code, staff_id = await seed_demo(ctx)
    await sign_in(client, ctx, staff_id)
    async with ctx.sessions() as session:
        morgan = await session.scalar(
            select(Patient.id).where(Patient.display_name == "Morgan Diaz")
        )
    page = (await client.get(f"/patients/{morgan}")).text
    assert "<h1><bdi>Morgan Diaz</bdi>" in page
    calendar = re.search(r'<svg[^>]*class="chart chart-calendar".*?</svg>', page, re.S)
    assert calendar and len(re.findall(r"<rect[^>]*data-date=", calendar.group(0))) == 90
    assert re.search(r'<svg[^>]*class="chart chart-craving".*?<circle', page, re.S)
    assert 'width="100%"' in calendar.group(0)
    assert "High craving" in page and "Missed doses in a row" in page  # alert history
    assert "Check-ins, last 90 days" in page and "Scheduled" in page
    # Take and resolve for each open alert: missed doses, the craving, prompts unanswered.
    assert page.count('action="/alerts/') == 6


async def test_another_clinics_patient_is_not_found(
    world: World, client: httpx.AsyncClient
) -> None:
    await sign_in(client, world.ctx, world.admin)
    theirs = await client.get(f"/patients/{world.elsewhere}")
    nobody = await client.get("/patients/987654")
    assert theirs.status_code == nobody.status_code == 404
    assert "Patient not found" in theirs.text and "Olive Elsewhere" not in theirs.text
    assert theirs.text == nobody.text
    for path in ("/patients/abc", "/patients/99999999999999", "/patients/-1", "/nowhere"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert "Traceback" not in response.text
    assert (await client.get(f"/patients/{world.pat}")).status_code == 200
    # The attempt is on record too.
    assert ("dashboard.patient.not_found", world.admin, None) in await audit_actions(world.ctx)


async def test_times_are_in_the_staff_members_zone(world: World, client: httpx.AsyncClient) -> None:
    async with world.ctx.sessions.begin() as session:
        await session.execute(
            update(Staff).where(Staff.id == world.nurse).values(timezone="America/Los_Angeles")
        )
    await sign_in(client, world.ctx, world.nurse)
    page = (await client.get("/alerts")).text
    # Raised at 14:00 UTC: 06:00 in Los Angeles on the same day.
    assert 'datetime="2026-11-25T06:00-08:00"' in page and "Today 06:00" in page
    assert "Times are shown in America/Los_Angeles" in page


# Alerts ----------------------------------------------------------------------------------------


async def test_take_and_resolve_an_alert(world: World, client: httpx.AsyncClient) -> None:
    ctx = world.ctx
    await sign_in(client, ctx, world.nurse)
    page = (await client.get("/alerts")).text
    assert "Pat Able has missed 2 doses" in page and "Olive Elsewhere" not in page
    token = csrf_of(page)

    taken = await client.post(f"/alerts/{world.alert}/ack", data={"csrf": token, "next": "/alerts"})
    assert taken.status_code == 303 and taken.headers["location"] == "/alerts"
    after = (await client.get("/alerts")).text
    assert "Thanks, it&#39;s yours" in after and "Taken by <bdi>Nick Nurse</bdi>" in after
    alert = await alert_row(ctx, world.alert)
    assert alert.status == "acknowledged" and alert.acknowledged_by == world.nurse
    # The notice was shown once.
    assert "Thanks, it&#39;s yours" not in (await client.get("/alerts")).text

    back_to = f"/patients/{world.pat}"
    done = await client.post(
        f"/alerts/{world.alert}/resolve", data={"csrf": token, "next": back_to}
    )
    assert done.headers["location"] == back_to
    patient_page = (await client.get(back_to)).text
    assert "Resolved." in patient_page and "Resolved by <bdi>Nick Nurse</bdi>" in patient_page
    alert = await alert_row(ctx, world.alert)
    assert alert.status == "resolved" and alert.resolved_by == world.nurse
    assert "Pat Able has missed" not in (await client.get("/alerts")).text
    assert "Pat Able has missed" in (await client.get("/alerts?show=all")).text

    again = await client.post(f"/alerts/{world.alert}/ack", data={"csrf": token})
    assert "Already resolved." in (await client.get(again.headers["location"])).text

    actions = [a for a, actor, _ in await audit_actions(ctx) if actor == world.nurse]
    assert "alert.acknowledge" in actions and "alert.resolve" in actions


@pytest.mark.parametrize("csrf", [None, "", "nonsense", "f" * 64, "other-session"])
async def test_alert_forms_need_the_sessions_csrf_token(
    world: World, client: httpx.AsyncClient, csrf: str | None
) -> None:
    ctx = world.ctx
    if csrf == "other-session":
        # A valid token, but for another signed-in browser.
        transport = httpx.ASGITransport(app=create_app(ctx))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
            await sign_in(other, ctx, world.admin)
            csrf = csrf_of((await other.get("/alerts")).text)
    await sign_in(client, ctx, world.nurse)
    data = {} if csrf is None else {"csrf": csrf}
    for verb in ("ack", "resolve"):
        response = await client.post(f"/alerts/{world.alert}/{verb}", data=data)
        assert response.status_code == 403
        assert "nothing was changed" in response.text
    alert = await alert_row(ctx, world.alert)
    assert alert.status == "open" and alert.acknowledged_by is None
    assert not [a for a, _, _ in await audit_actions(ctx) if a.startswith("alert.")]


async def test_another_clinics_alert_cannot_be_touched(
    world: World, client: httpx.AsyncClient
) -> None:
    await sign_in(client, world.ctx, world.nurse)
    token = csrf_of((await client.get("/alerts")).text)
    for alert_id in (world.other_alert, 987654, 99999999999):
        response = await client.post(f"/alerts/{alert_id}/resolve", data={"csrf": token})
        assert response.status_code == 303
        assert "isn&#39;t available to you" in (await client.get("/alerts")).text
    assert (await alert_row(world.ctx, world.other_alert)).status == "open"


async def test_forms_only_send_you_back_inside_the_dashboard(
    world: World, client: httpx.AsyncClient
) -> None:
    await sign_in(client, world.ctx, world.nurse)
    token = csrf_of((await client.get("/alerts")).text)
    for target in (
        "https://evil.example/",
        "//evil.example",
        "/patients/1/../../x",
        "javascript:x",
    ):
        response = await client.post(
            f"/alerts/{world.alert}/ack", data={"csrf": token, "next": target}
        )
        assert response.headers["location"] == "/alerts"


async def test_a_forged_notice_is_not_shown(world: World, client: httpx.AsyncClient) -> None:
    await sign_in(client, world.ctx, world.nurse)
    client.cookies.set("rb_notice", "Q2FsbCA1NTUtMDEwMCBub3c.0000")  # "Call 555-0100 now"
    assert "555-0100" not in (await client.get("/alerts")).text


# Export, audit, escaping, headers ---------------------------------------------------------------


async def test_csv_export(world: World, client: httpx.AsyncClient) -> None:
    await sign_in(client, world.ctx, world.nurse)
    response = await client.get("/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="patients-2026-11-25.csv"'
    )
    assert response.headers["cache-control"] == "no-store"
    text = response.content.decode("utf-8-sig")
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(text))}
    by_name = {r["name"]: r for r in rows.values()}
    assert set(by_name) == {"Pat Able", HOSTILE, "'" + FORMULA}
    pat = by_name["Pat Able"]
    assert pat["days_covered_7d"] == "2" and pat["days_due_7d"] == "3"
    assert pat["pdc_7d_percent"] == "67" and pat["latest_craving"] == "9"
    assert pat["open_alerts"] == "1" and pat["needs_attention"] == "yes"
    # The same reasons the patients page gives, so a call list made from the file says why.
    assert "1 open alert" in pat["why"] and "craving 9" in pat["why"]
    assert {r["why"] for r in by_name.values() if r["needs_attention"] == "no"} == {""}
    assert pat["plan"] == "Daily tablet" and pat["status"] == "Active"
    # A name is data, never a formula; the script-shaped one is just text.
    assert by_name["'" + FORMULA]["name"].startswith("'=")
    assert HOSTILE in text
    assert "Olive Elsewhere" not in text

    flagged = (await client.get("/export.csv?attention=1")).content.decode("utf-8-sig")
    assert [r["name"] for r in csv.DictReader(io.StringIO(flagged))] == ["Pat Able"]
    assert ("dashboard.export_csv", world.nurse, None) in await audit_actions(world.ctx)


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
async def test_csv_cells_never_start_a_formula(
    world: World, client: httpx.AsyncClient, prefix: str
) -> None:
    name = f"{prefix}cmd|' /C calc'!A0"
    async with world.ctx.sessions.begin() as session:
        await session.execute(
            update(Patient).where(Patient.id == world.pat).values(display_name=name)
        )
    await sign_in(client, world.ctx, world.nurse)
    text = (await client.get("/export.csv")).content.decode("utf-8-sig")
    names = [r["name"] for r in csv.DictReader(io.StringIO(text, newline=""))]
    assert "'" + name in names
    assert not any(n.startswith(("=", "+", "-", "@", "\t", "\r")) for n in names)


async def test_every_read_is_audited(world: World, client: httpx.AsyncClient) -> None:
    ctx = world.ctx
    await sign_in(client, ctx, world.admin)
    for path in ("/patients", f"/patients/{world.pat}", "/alerts", "/export.csv", "/audit"):
        assert (await client.get(path)).status_code == 200
    entries = [(a, s) for a, actor, s in await audit_actions(ctx) if actor == world.admin]
    actions = [a for a, _ in entries]
    for expected in (
        "dashboard.login",
        "dashboard.patients",
        "dashboard.patient",
        "dashboard.alerts",
        "dashboard.export_csv",
        "audit.view",
    ):
        assert expected in actions, expected
    # The patient is named by pseudonym only.
    assert ("dashboard.patient", ctx.patient_ref(world.pat)) in entries
    async with ctx.sessions() as session:
        at = await session.scalar(
            select(AuditEntry.at).where(AuditEntry.action == "dashboard.patient")
        )
    assert at is not None and at.replace(tzinfo=UTC) == ctx.clock.now()


async def test_the_audit_log_is_for_clinic_admins(world: World, client: httpx.AsyncClient) -> None:
    ctx = world.ctx
    await sign_in(client, ctx, world.nurse)
    refused = await client.get("/audit")
    assert refused.status_code == 403 and "Only clinic admins" in refused.text
    assert 'href="/audit"' not in (await client.get("/patients")).text

    transport = httpx.ASGITransport(app=create_app(ctx))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as outsider:
        await sign_in(outsider, ctx, world.outsider)  # another clinic's admin reads their own
        assert "Olive Elsewhere" in (await outsider.get("/patients")).text
        assert "Bea Other" in (await outsider.get("/audit")).text
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as admin:
        await sign_in(admin, ctx, world.admin)
        page = (await admin.get("/audit")).text
        assert "Audit log" in page and 'href="/audit"' in page
        assert "Nick Nurse" in page and "dashboard.patients" in page  # the nurse's reads
        assert "Bea Other" not in page  # nothing from another clinic
        assert "Pat Able" not in page  # patients appear by pseudonym


async def test_a_script_in_a_name_is_shown_as_text(world: World, client: httpx.AsyncClient) -> None:
    ctx = world.ctx
    await _alert(
        ctx, (await _clinic_of(ctx, world.hostile)), world.hostile, HOSTILE, ctx.clock.now()
    )
    await sign_in(client, ctx, world.nurse)
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for path in ("/patients", f"/patients/{world.hostile}", "/alerts"):
        page = (await client.get(path)).text
        assert escaped in page, path
        assert "<script" not in page, path
    title = re.search(
        r"<title>(.*?)</title>", (await client.get(f"/patients/{world.hostile}")).text
    )
    assert title and title.group(1).startswith(escaped)


async def _clinic_of(ctx: AppContext, patient_id: int) -> int:
    async with ctx.sessions() as session:
        clinic = await session.scalar(select(Patient.clinic_id).where(Patient.id == patient_id))
    assert clinic is not None
    return int(clinic)


async def test_security_headers_on_every_response(world: World, client: httpx.AsyncClient) -> None:
    anonymous = [await client.get(p) for p in ("/sign-in", "/patients", "/login/x", "/api/alerts")]
    await sign_in(client, world.ctx, world.nurse)
    signed_in = [
        await client.get(p) for p in ("/patients", f"/patients/{world.pat}", "/export.csv")
    ]
    for response in [*anonymous, *signed_in, await client.get("/patients/0")]:
        headers = response.headers
        csp = headers["content-security-policy"]
        assert "default-src 'self'" in csp and "img-src 'self' data:" in csp
        assert "style-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["cache-control"] == "no-store"
        assert "server" not in headers or "uvicorn" not in headers["server"]
    css = await client.get("/static/dashboard.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert css.headers["x-content-type-options"] == "nosniff"
    # No inline script or style anywhere: the policy can stay strict.
    for response in signed_in[:2]:
        assert "<script" not in response.text and "style=" not in response.text


async def test_the_demo_staff_member_sees_the_demo(
    ctx: AppContext, client: httpx.AsyncClient
) -> None:
    _code, staff_id = await seed_demo(ctx)
    async with ctx.sessions() as session:
        member = await staff_auth.member_by_telegram_id(session, DEMO_STAFF_TELEGRAM_ID)
    assert member is not None and member.id == staff_id
    await sign_in(client, ctx, staff_id)
    page = (await client.get("/patients")).text
    assert page.count('<th scope="row" class="col-name">') == 12
    assert "Demo Clinic" in page and "Needs attention (" in page


async def test_the_server_serves_and_logs_no_addresses(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    stop, ready = asyncio.Event(), asyncio.Event()
    serving = asyncio.create_task(serve_dashboard(world.ctx, "127.0.0.1", port, stop, ready))
    await asyncio.wait_for(ready.wait(), timeout=10)
    path = await link_path(world.ctx, world.admin)
    token = path.rsplit("/", 1)[1]
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as browser:
            signed_in = await browser.get(path)
            assert signed_in.status_code == 303 and "server" not in signed_in.headers
            page = await browser.get("/patients")
            assert page.status_code == 200 and "Pat Able" in page.text
        # The port is taken: an error the command line can report, not an exit.
        with pytest.raises(OSError):
            await serve_dashboard(world.ctx, "127.0.0.1", port, asyncio.Event())
    finally:
        stop.set()
        await asyncio.wait_for(serving, timeout=10)
    ours = [r for r in caplog.records if r.name.startswith(("uvicorn", "bot"))]
    assert any("dashboard listening" in r.getMessage() for r in ours)
    for record in ours:
        message = record.getMessage()
        assert token not in message and "/login/" not in message and "Pat Able" not in message


async def test_a_patient_who_blocked_the_bot_is_flagged_with_why(
    world: World, client: httpx.AsyncClient
) -> None:
    async with world.ctx.sessions.begin() as session:
        assert await mark_unreachable(session, world.formula, world.ctx.clock.now())
    await sign_in(client, world.ctx, world.nurse)
    attention = (await client.get("/patients?attention=1")).text
    row = re.search(rf'<a href="/patients/{world.formula}">.*?</tr>', attention, re.S)
    assert row and "blocked the bot" in row.group(0)
    api = (await client.get("/api/patients")).json()["patients"]
    assert {p["id"]: p["needs_attention"] for p in api}[world.formula] is True
