"""The dashboard against the outside review's findings (issue 14, items 6, 7 and 9), on SQLite
and Postgres, through the real app:

- request bodies are limited (declared or streamed) and never parsed before the session is
  checked, so a stranger cannot make the dashboard read, or spool to disk, a large upload;
- bidirectional-control characters in stored names cannot reorder what staff read;
- sessions have an absolute lifetime, removing a staff member ends their sessions and links,
  failed sign-ins are throttled, logged without the token and audited, and the Host header is
  neither trusted nor reflected.

Every body a test sends comes from a generator that counts what the app pulled from it, so "not
read" is measured, not assumed.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import select
from starlette.types import ASGIApp

from bot.clock import FakeClock
from bot.dashboard import create_app, serve_dashboard
from bot.dashboard.limits import MAX_BODY_BYTES
from bot.db.models import Alert, AuditEntry, StaffRole
from bot.domain import risk
from bot.domain.schedules import Plan, PlanKind
from bot.runtime import app_context
from bot.services import staff_auth, staff_commands
from bot.services.clinics import add_staff, deactivate_staff
from bot.services.context import AppContext
from tests.support import make_patient, new_clinic

PLAN = Plan(PlanKind.DAILY, "America/New_York", (time(8, 0),), dose_mg=50)
BASE = "http://127.0.0.1:8080"  # the tests' PUBLIC_URL
CHUNK = 64 * 1024
FIVE_MB = 5 * 1024 * 1024
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: what follows is shown reversed
SPOOFED = f"Sam {RLO}nosirraH"  # reads "Sam Harrison" when rendered


@dataclass
class World:
    ctx: AppContext
    clinic_code: str
    nurse: int  # staff at Northside (Telegram id 222)
    pat: int  # a patient at Northside
    alert: int  # an open alert about Pat


@pytest.fixture
async def world(ctx: AppContext) -> World:
    north = await new_clinic(ctx, "Northside Clinic")
    nurse = await add_staff(
        ctx.sessions,
        ctx.clock,
        telegram_user_id=222,
        name="Nick Nurse",
        clinic_code=north.invite_code,
        role=StaffRole.ADMIN,
    )
    pat, _ = await make_patient(ctx, PLAN, chat_id=1, clinic_id=north.id, name="Pat Able")
    finding = risk.missed_doses("Pat Able", 2)
    now = ctx.clock.now()
    async with ctx.sessions.begin() as session:
        alert = Alert(
            clinic_id=north.id,
            patient_id=pat,
            kind=finding.kind.value,
            severity=finding.severity,
            summary=finding.summary,
            created_at=now,
            last_seen_at=now,
        )
        session.add(alert)
        await session.flush()
        alert_id = alert.id
    return World(ctx, north.invite_code, nurse.id, pat, alert_id)


def browser(
    target: AppContext | ASGIApp, address: str = "127.0.0.1", base: str = BASE
) -> httpx.AsyncClient:
    """A browser at ``address`` on a new dashboard app for ``target`` (or on that app)."""
    app = create_app(target) if isinstance(target, AppContext) else target
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url=base)


@pytest.fixture
async def client(ctx: AppContext) -> AsyncIterator[httpx.AsyncClient]:
    async with browser(ctx) as c:
        yield c


async def link_path(ctx: AppContext, staff_id: int) -> str:
    return urlsplit(await staff_auth.create_login_link(ctx, staff_id, "cli")).path


async def sign_in(client: httpx.AsyncClient, ctx: AppContext, staff_id: int) -> str:
    """Signs in; returns the CSRF token the pages carry."""
    response = await client.get(await link_path(ctx, staff_id))
    assert response.status_code == 303 and response.headers["location"] == "/patients"
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', (await client.get("/patients")).text)
    assert found
    return found.group(1)


@dataclass
class Body:
    """A request body of ``size`` bytes, handed out in 64 KiB chunks; counts what was taken."""

    size: int
    prefix: bytes = b""
    pulled: int = field(default=0)

    async def chunks(self) -> AsyncIterator[bytes]:
        sent = 0
        if self.prefix:
            self.pulled += len(self.prefix)
            sent += len(self.prefix)
            yield self.prefix
        while sent < self.size:
            piece = b"x" * min(CHUNK, self.size - sent)
            self.pulled += len(piece)
            sent += len(piece)
            yield piece


async def audit_rows(ctx: AppContext, action: str) -> list[AuditEntry]:
    async with ctx.sessions() as session:
        return list(
            await session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        )


async def still_signed_in(client: httpx.AsyncClient) -> bool:
    return (await client.get("/patients")).status_code == 200


# 6. Request bodies --------------------------------------------------------------------------

FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data; boundary=b0undary"


@pytest.mark.parametrize("content_type", [FORM, MULTIPART])
async def test_a_declared_oversized_body_is_refused_unread(
    world: World, client: httpx.AsyncClient, content_type: str
) -> None:
    """5 MB announced by Content-Length on POST /logout without a cookie: 413 at once, and not
    one byte of the body is taken from the client."""
    body = Body(FIVE_MB, prefix=FILE_PART if content_type == MULTIPART else b"")
    response = await client.post(
        "/logout",
        content=body.chunks(),
        headers={"content-type": content_type, "content-length": str(FIVE_MB)},
    )
    assert response.status_code == 413
    assert "Too large" in response.text and "Traceback" not in response.text
    assert response.headers["connection"] == "close"
    assert response.headers["x-frame-options"] == "DENY"  # still the dashboard's headers
    assert body.pulled == 0


FILE_PART = (
    b"--b0undary\r\n"
    b'Content-Disposition: form-data; name="f"; filename="a.bin"\r\n'
    b"Content-Type: application/octet-stream\r\n\r\n"
)


@pytest.fixture
def spooled(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every temporary file Starlette's multipart parser opens for an uploaded file."""
    made: list[object] = []

    def counting(*args: Any, **kwargs: Any) -> Any:
        made.append(args)
        return tempfile.SpooledTemporaryFile(*args, **kwargs)

    monkeypatch.setattr("starlette.formparsers.SpooledTemporaryFile", counting)
    return made


@pytest.mark.parametrize("path", ["/logout", "/alerts/1/ack", "/alerts/1/resolve"])
async def test_a_form_from_someone_not_signed_in_is_not_read(
    world: World, client: httpx.AsyncClient, path: str, spooled: list[object]
) -> None:
    """A streamed (chunked) 5 MB file upload without a cookie: sent to sign in, and the body
    was never read, so nothing was parsed or spooled to a temporary file."""
    body = Body(FIVE_MB, prefix=FILE_PART)
    response = await client.post(path, content=body.chunks(), headers={"content-type": MULTIPART})
    assert response.status_code == 303 and response.headers["location"] == "/sign-in"
    assert body.pulled == 0
    assert spooled == []


async def test_a_streamed_body_past_the_limit_is_refused_while_it_streams(
    world: World, client: httpx.AsyncClient
) -> None:
    """Signed in, a chunked body that grows past the limit: 413 as soon as it does, after at
    most one chunk beyond it; the form is not acted on (the session is still there)."""
    csrf = await sign_in(client, world.ctx, world.nurse)
    body = Body(FIVE_MB, prefix=f"csrf={csrf}&next=".encode())
    response = await client.post("/logout", content=body.chunks(), headers={"content-type": FORM})
    assert response.status_code == 413
    assert "Too large" in response.text
    assert response.headers["connection"] == "close"
    assert MAX_BODY_BYTES < body.pulled <= MAX_BODY_BYTES + CHUNK
    assert await still_signed_in(client)


async def test_a_file_or_too_many_fields_are_refused(
    world: World, client: httpx.AsyncClient, spooled: list[object]
) -> None:
    """The dashboard's forms have two short fields and no uploads: a file part, or a form of
    many fields, is refused (400) before it is acted on, even with a valid CSRF token."""
    csrf = await sign_in(client, world.ctx, world.nurse)
    upload = await client.post(
        "/logout", data={"csrf": csrf}, files={"f": ("a.bin", b"\0" * 1000, "application/x")}
    )
    assert upload.status_code == 400 and "Traceback" not in upload.text
    assert spooled == []  # refused at the part's headers, before a temporary file
    crowd = {"csrf": csrf, **{f"f{n}": "x" for n in range(50)}}
    assert (await client.post("/logout", data=crowd)).status_code == 400
    assert (await client.post(f"/alerts/{world.alert}/ack", data=crowd)).status_code == 400
    assert await still_signed_in(client)
    async with world.ctx.sessions() as session:
        alert = await session.get(Alert, world.alert)
        assert alert is not None and alert.status == "open"


async def test_the_dashboards_forms_still_work(world: World, client: httpx.AsyncClient) -> None:
    csrf = await sign_in(client, world.ctx, world.nurse)
    taken = await client.post(f"/alerts/{world.alert}/ack", data={"csrf": csrf, "next": "/alerts"})
    assert taken.status_code == 303 and taken.headers["location"] == "/alerts"
    out = await client.post("/logout", data={"csrf": csrf})
    assert out.status_code == 303 and out.headers["location"] == "/sign-in?out=1"
    assert not await still_signed_in(client)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_the_served_dashboard_refuses_a_1_gb_upload_without_waiting_for_it(
    world: World,
) -> None:
    """Over a real socket to uvicorn: the headers of a 1 GB POST /logout and 1 KB of its body.
    The answer (413, connection closed) comes without the rest ever being sent; before, the
    server waited for the whole gigabyte."""
    port = _free_port()
    stop, ready = asyncio.Event(), asyncio.Event()
    serving = asyncio.create_task(serve_dashboard(world.ctx, "127.0.0.1", port, stop, ready))
    try:
        await asyncio.wait_for(ready.wait(), timeout=10)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"POST /logout HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=b0undary\r\n"
            b"Content-Length: 1073741824\r\n\r\n" + b"x" * 1024
        )
        await writer.drain()
        # A guard against hanging, not a measurement: the whole answer, up to the close.
        answer = await asyncio.wait_for(reader.read(), timeout=10)
        writer.close()
        head = answer.split(b"\r\n\r\n", 1)[0].lower()
        assert head.startswith(b"http/1.1 413")
        assert b"connection: close" in head
    finally:
        stop.set()
        await asyncio.wait_for(serving, timeout=10)


# 7. Bidirectional controls --------------------------------------------------------------------


async def test_bidi_controls_in_a_stored_name_do_not_reach_the_page(
    world: World, client: httpx.AsyncClient
) -> None:
    """A name stored before `clean()` stripped these: pages show it without the override and
    inside <bdi>, so it cannot reorder the text around it; the API and CSV have it stripped."""
    ctx = world.ctx
    north = (await nurse_member(ctx)).clinic_id
    spoofed, _ = await make_patient(ctx, PLAN, chat_id=7, clinic_id=north, name=SPOOFED)
    now = ctx.clock.now()
    finding = risk.missed_doses(SPOOFED, 2)
    async with ctx.sessions.begin() as session:
        session.add(
            Alert(
                clinic_id=north,
                patient_id=spoofed,
                kind=finding.kind.value,
                severity=finding.severity,
                summary=finding.summary,
                created_at=now,
                last_seen_at=now,
            )
        )
    shown = "Sam nosirraH"
    await sign_in(client, ctx, world.nurse)
    for path in ("/patients", f"/patients/{spoofed}", "/alerts", "/patients?q=nosir"):
        page = (await client.get(path)).text
        assert RLO not in page, path
        assert f"<bdi>{shown}</bdi>" in page, path
    # The staff member's own name is isolated too (names come from outside).
    assert "<bdi>Nick Nurse</bdi>" in (await client.get("/alerts")).text
    api = (await client.get(f"/api/patients/{spoofed}")).json()
    assert api["patient"]["name"] == shown and RLO not in str(api)
    assert RLO not in (await client.get("/export.csv")).text


async def nurse_member(ctx: AppContext) -> staff_auth.StaffMember:
    async with ctx.sessions() as session:
        member = await staff_auth.member_by_telegram_id(session, 222)
    assert member is not None
    return member


async def test_bidi_controls_do_not_reach_a_telegram_staff_card(world: World) -> None:
    ctx = world.ctx
    north = (await nurse_member(ctx)).clinic_id
    await make_patient(ctx, PLAN, chat_id=8, clinic_id=north, name=SPOOFED)
    replies = await staff_commands.command(ctx, 222, "patient", ["nosir"])
    assert replies and RLO not in replies[0].text and "Sam nosirraH" in replies[0].text


# 9. Sessions, removal, failed sign-ins, Host ----------------------------------------------------


async def test_a_session_ends_12_hours_after_sign_in_however_active(
    world: World, client: httpx.AsyncClient
) -> None:
    clock: FakeClock = world.ctx.clock  # type: ignore[assignment]
    await sign_in(client, world.ctx, world.nurse)
    for _ in range(24):  # a request every 29 minutes keeps it from idling: 11 h 36 min
        clock.advance(timedelta(minutes=29))
        assert (await client.get("/alerts")).status_code == 200
    clock.advance(timedelta(minutes=24))  # exactly 12 h after sign-in: still alive
    assert (await client.get("/alerts")).status_code == 200
    clock.advance(timedelta(seconds=1))
    response = await client.get("/alerts")
    assert response.status_code == 303 and response.headers["location"] == "/sign-in?ended=1"
    # Ended for good: winding the clock back does not revive it.
    clock.advance(timedelta(hours=-1))
    assert (await client.get("/alerts")).status_code == 303


async def test_removing_a_staff_member_ends_their_sessions_and_links(
    world: World, client: httpx.AsyncClient
) -> None:
    ctx = world.ctx
    await sign_in(client, ctx, world.nurse)
    unused = await link_path(ctx, world.nurse)
    await deactivate_staff(ctx.sessions, ctx.clock, 222)
    # Added again a minute later (say, by mistake or on their return).
    ctx.clock.advance(timedelta(minutes=1))  # type: ignore[attr-defined]
    await add_staff(
        ctx.sessions,
        ctx.clock,
        telegram_user_id=222,
        name="Nick Nurse",
        clinic_code=world.clinic_code,
    )
    response = await client.get("/patients")
    assert response.status_code == 303 and response.headers["location"] == "/sign-in?ended=1"
    async with browser(ctx) as other:
        refused = await other.get(unused)
        assert refused.status_code == 403 and "rb_session" not in refused.cookies
        # A new link works: they are staff again, from now on.
        await sign_in(other, ctx, world.nurse)


async def test_failed_sign_ins_are_audited_and_logged_without_the_token(
    world: World, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    ctx = world.ctx
    caplog.set_level(logging.DEBUG)
    clinic = (await nurse_member(ctx)).clinic_id
    used = await link_path(ctx, world.nurse)
    assert (await client.get(used)).status_code == 303
    expired = await link_path(ctx, world.nurse)
    ctx.clock.advance(timedelta(minutes=11))  # type: ignore[attr-defined]
    unknown = "/login/" + "Z" * 43
    for path in (used, expired, unknown):
        assert (await client.get(path)).status_code == 403
    rows = await audit_rows(ctx, "dashboard.login_refused")
    assert [(r.detail or {}).get("reason") for r in rows] == ["used", "expired", "unknown"]
    assert all(r.actor_kind == "anonymous" and r.actor_id is None for r in rows)
    # A link of the clinic's is on the clinic's own log (its admins see it); a made-up one is not.
    assert [r.clinic_id for r in rows] == [clinic, clinic, None]
    assert [(r.detail or {}).get("staff_id") for r in rows] == [world.nurse, world.nurse, None]
    assert all(re.fullmatch(r"c-[0-9a-f]{10}", (r.detail or {})["client"]) for r in rows)
    refused = [r for r in caplog.records if "sign-in link refused" in r.getMessage()]
    assert len(refused) == 3 and all(r.levelno >= logging.INFO for r in refused)
    tokens = [p.rsplit("/", 1)[1] for p in (used, expired, unknown)]
    # The server's own records (the test's HTTP client logs the addresses it requests).
    ours = [r for r in caplog.records if r.name.startswith(("bot", "uvicorn", "starlette"))]
    for record in ours:
        text = record.getMessage() + repr(record.__dict__)
        assert not any(token in text for token in tokens), record.getMessage()
        assert "127.0.0.1" not in text, record.getMessage()
    # Admins read them on the audit page.
    await sign_in(client, ctx, world.nurse)
    page = (await client.get("/audit")).text
    assert "dashboard.login_refused" in page and "anonymous" in page


async def test_failed_sign_ins_are_throttled_per_address(world: World) -> None:
    ctx = world.ctx
    clock: FakeClock = ctx.clock  # type: ignore[assignment]
    async with browser(ctx, "203.0.113.7") as guesser:
        for n in range(10):
            response = await guesser.get(f"/login/guess-{n:02d}-{'q' * 30}")
            assert response.status_code == 403, n
        clock.advance(timedelta(minutes=5))
        good = await link_path(ctx, world.nurse)  # a real link, asked for now
        throttled = await guesser.get(good)
        assert throttled.status_code == 429
        assert "Too many sign-in attempts" in throttled.text
        assert "rb_session" not in throttled.cookies
        # Another address is not held up.
        async with browser(ctx, "198.51.100.9") as colleague:
            assert (await colleague.get(f"/login/other-{'q' * 30}")).status_code == 403
        # Ten minutes after the failures, the same address may try again, and the link it was
        # refused has not been used up.
        clock.advance(timedelta(minutes=5, seconds=1))
        assert (await guesser.get(good)).status_code == 303
    assert len(await audit_rows(ctx, "dashboard.login_refused")) == 11
    tripped = await audit_rows(ctx, "dashboard.login_throttled")
    assert len(tripped) == 1 and (tripped[0].detail or {})["by"] == "address"


async def test_failed_sign_ins_are_throttled_per_link(world: World) -> None:
    """The same link tried from many addresses (a leaked one, say): after ten failures it is
    refused at once from anywhere for ten minutes."""
    ctx = world.ctx
    used = await link_path(ctx, world.nurse)
    app = create_app(ctx)
    async with browser(app) as first:
        assert (await first.get(used)).status_code == 303
    for n in range(10):
        async with browser(app, f"192.0.2.{n + 1}") as c:
            assert (await c.get(used)).status_code == 403
    async with browser(app, "192.0.2.99") as c:
        assert (await c.get(used)).status_code == 429
    tripped = await audit_rows(ctx, "dashboard.login_throttled")
    assert [(t.detail or {})["by"] for t in tripped] == ["link"]


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8080", "127.0.0.1.evil.example"])
async def test_a_foreign_host_header_is_refused(world: World, host: str) -> None:
    async with browser(world.ctx) as c:
        for path in ("/patients/", "/sign-in", "/login/x", "/static"):
            response = await c.get(path, headers={"host": host})
            assert response.status_code == 400, path
            assert "evil" not in response.headers.get("location", "")


async def test_redirects_never_take_the_host_header(world: World) -> None:
    """Hosts the dashboard accepts: PUBLIC_URL's, and loopback (a reverse proxy's upstream).
    No redirect is built from the Host header (Starlette's trailing-slash redirect was)."""
    settings = world.ctx.settings.model_copy(update={"public_url": "https://care.example.org"})
    async with app_context(settings, world.ctx.clock) as public:
        for base in ("https://care.example.org", "http://127.0.0.1:8080", "http://localhost"):
            async with browser(public, base=base) as c:
                assert (await c.get("/sign-in")).status_code == 200, base
                for path in ("/patients/", "/alerts/", "/static", "/api/patients/"):
                    response = await c.get(path)
                    location = response.headers.get("location", "")
                    assert "://" not in location, (base, path, location)
        async with browser(public, base="https://care.example.org") as c:
            await sign_in(c, public, world.nurse)
            assert (await c.get("/patients/")).status_code == 404
        async with browser(public, base="http://testserver") as c:
            assert (await c.get("/sign-in")).status_code == 400
