"""The dashboard's JSON API over HTTP, on SQLite and Postgres: behind the same sign-in as the
pages (401 without it, the OpenAPI description included), limited to the staff member's clinic,
and every call audited."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import select

from bot.dashboard import create_app
from bot.db.models import Alert, AuditEntry, Patient, StaffRole
from bot.domain import risk
from bot.services import staff_auth
from bot.services.clinics import add_staff
from bot.services.context import AppContext
from bot.services.demo import seed_demo
from tests.support import new_clinic

HOSTILE = "<script>alert(1)</script>"


@dataclass
class Demo:
    ctx: AppContext
    staff: int  # the demo clinic's admin
    morgan: int  # a demo patient with two open alerts
    outsider: int  # staff at another clinic
    elsewhere: int  # that clinic's patient


@pytest.fixture
async def demo(ctx: AppContext) -> Demo:
    _code, staff = await seed_demo(ctx)
    other = await new_clinic(ctx, "Southside Clinic")
    outsider = await add_staff(
        ctx.sessions,
        ctx.clock,
        telegram_user_id=333,
        name="Bea Other",
        clinic_code=other.invite_code,
        role=StaffRole.ADMIN,
    )
    now = ctx.clock.now()
    async with ctx.sessions.begin() as session:
        morgan = await session.scalar(
            select(Patient.id).where(Patient.display_name == "Morgan Diaz")
        )
        elsewhere = Patient(
            chat_id=4242,
            clinic_id=other.id,
            display_name="Olive Elsewhere",
            timezone="Europe/London",
            consent_version=ctx.consent.version,
            consented_at=now,
            created_at=now,
            updated_at=now,
        )
        session.add(elsewhere)
        await session.flush()
        finding = risk.missed_doses("Olive Elsewhere", 2)
        session.add(
            Alert(
                clinic_id=other.id,
                patient_id=elsewhere.id,
                kind=finding.kind.value,
                severity=finding.severity,
                summary=finding.summary,
                created_at=now,
            )
        )
        elsewhere_id = elsewhere.id
        # An urgent alert, older than the demo's others: it still comes first.
        jordan = await session.scalar(select(Patient).where(Patient.display_name == "Jordan Lee"))
        assert jordan is not None
        session.add(
            Alert(
                clinic_id=jordan.clinic_id,
                patient_id=jordan.id,
                kind=risk.AlertKind.SOS.value,
                severity=risk.URGENT,
                summary="Jordan Lee used /sos.",
                created_at=now - timedelta(days=3),
            )
        )
    assert morgan is not None
    return Demo(ctx, staff, morgan, outsider.id, elsewhere_id)


@pytest.fixture
async def client(ctx: AppContext) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(ctx))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def sign_in(client: httpx.AsyncClient, ctx: AppContext, staff_id: int) -> None:
    link = await staff_auth.create_login_link(ctx, staff_id, "cli")
    assert (await client.get(urlsplit(link).path)).status_code == 303


async def audit_of(ctx: AppContext, staff_id: int) -> list[tuple[str, str | None]]:
    async with ctx.sessions() as session:
        rows = await session.execute(
            select(AuditEntry.action, AuditEntry.subject)
            .where(AuditEntry.actor_id == staff_id, AuditEntry.actor_kind == "staff")
            .order_by(AuditEntry.id)
        )
        return [(r.action, r.subject) for r in rows]


async def test_the_api_needs_a_session(demo: Demo, client: httpx.AsyncClient) -> None:
    paths = ["/api/patients", f"/api/patients/{demo.morgan}", "/api/alerts", "/api/openapi.json"]
    for path in paths:
        for cookies in ({}, {"rb_session": "forged"}):
            client.cookies.clear()
            client.cookies.update(cookies)
            response = await client.get(path)
            assert response.status_code == 401, path
            assert response.headers["content-type"] == "application/json"
            assert "Not signed in" in response.json()["detail"]
            assert "Morgan" not in response.text
    assert await audit_of(demo.ctx, demo.staff) == []


async def test_no_public_api_description(demo: Demo, client: httpx.AsyncClient) -> None:
    for path in ("/openapi.json", "/docs", "/redoc", "/api/docs"):
        assert (await client.get(path)).status_code == 404, path


async def test_openapi_is_served_to_signed_in_staff(demo: Demo, client: httpx.AsyncClient) -> None:
    await sign_in(client, demo.ctx, demo.staff)
    response = await client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == {"/api/patients", "/api/patients/{patient_id}", "/api/alerts"}
    schemes = schema["components"]["securitySchemes"]
    assert {"type": "apiKey", "in": "cookie", "name": "rb_session"}.items() <= next(
        iter(schemes.values())
    ).items()
    patient_out = schema["components"]["schemas"]["PatientOut"]["properties"]
    assert {"pdc7", "pdc30", "last_dose_at", "latest_craving", "open_alerts"} <= set(patient_out)
    assert ("api.openapi", None) in await audit_of(demo.ctx, demo.staff)


async def test_patients(demo: Demo, client: httpx.AsyncClient) -> None:
    await sign_in(client, demo.ctx, demo.staff)
    response = await client.get("/api/patients")
    assert response.status_code == 200
    body = response.json()
    assert body["clinic"] == "Demo Clinic"
    assert body["as_of"].startswith("2026-11-25T15:00")
    names = [p["name"] for p in body["patients"]]
    assert len(names) == 12 and "Olive Elsewhere" not in names
    morgan = next(p for p in body["patients"] if p["name"] == "Morgan Diaz")
    assert morgan["id"] == demo.morgan and morgan["needs_attention"] is True
    # Missed doses, a high craving, prompts unanswered: what her history raises.
    assert morgan["open_alerts"] == 3 and morgan["urgent_alerts"] == 0
    assert set(morgan["pdc7"]) == {"covered", "due", "percent"}
    assert morgan["pdc7"]["due"] > 0 and morgan["consecutive_misses"] > 0
    # Ids of who needs attention, most urgent first: an urgent alert, then the most alerts.
    jordan = next(p for p in body["patients"] if p["name"] == "Jordan Lee")
    assert jordan["urgent_alerts"] == 1
    assert body["attention"][:2] == [jordan["id"], demo.morgan]
    flagged = {p["id"] for p in body["patients"] if p["needs_attention"]}
    assert set(body["attention"]) == flagged

    only = (await client.get("/api/patients?attention=true")).json()["patients"]
    assert [p["id"] for p in only] == body["attention"]
    assert ("api.patients", None) in await audit_of(demo.ctx, demo.staff)


async def test_one_patient(demo: Demo, client: httpx.AsyncClient) -> None:
    await sign_in(client, demo.ctx, demo.staff)
    response = await client.get(f"/api/patients/{demo.morgan}")
    assert response.status_code == 200
    body = response.json()
    assert body["patient"]["name"] == "Morgan Diaz"
    assert body["today"] == "2026-11-25"
    days = body["calendar"]
    assert len(days) == 90 and days[-1]["day"] == "2026-11-25" and days[0]["day"] == "2026-08-28"
    assert {d["status"] for d in days} <= {
        "taken",
        "partial",
        "missed",
        "skipped",
        "no_dose",
        "pending",
    }
    assert any(d["status"] == "missed" for d in days)
    assert body["cravings"] and all(0 <= c["craving"] <= 10 for c in body["cravings"])
    assert body["check_ins"] and body["check_ins"][0]["at"] > body["check_ins"][-1]["at"]
    assert {a["label"] for a in body["alerts"]} >= {"High craving", "Missed doses in a row"}
    assert "Daily" in body["plan"]
    subject = demo.ctx.patient_ref(demo.morgan)
    assert ("api.patient", subject) in await audit_of(demo.ctx, demo.staff)


async def test_another_clinics_patient_is_not_found(demo: Demo, client: httpx.AsyncClient) -> None:
    await sign_in(client, demo.ctx, demo.staff)
    theirs = await client.get(f"/api/patients/{demo.elsewhere}")
    nobody = await client.get("/api/patients/987654")
    assert theirs.status_code == nobody.status_code == 404
    assert theirs.json() == nobody.json() == {"detail": "Not found"}
    assert (await client.get("/api/patients/99999999999")).status_code == 404
    assert (await client.get("/api/patients/abc")).status_code == 422
    alerts = (await client.get("/api/alerts?include_resolved=true")).json()["alerts"]
    assert "Olive Elsewhere" not in {a["patient_name"] for a in alerts}

    # And the other way round: their staff cannot read ours.
    transport = httpx.ASGITransport(app=create_app(demo.ctx))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        await sign_in(other, demo.ctx, demo.outsider)
        assert (await other.get(f"/api/patients/{demo.morgan}")).status_code == 404
        mine = (await other.get("/api/patients")).json()["patients"]
        assert [p["name"] for p in mine] == ["Olive Elsewhere"]


async def test_alerts(demo: Demo, client: httpx.AsyncClient) -> None:
    await sign_in(client, demo.ctx, demo.staff)
    open_ = (await client.get("/api/alerts")).json()["alerts"]
    assert open_ and all(a["status"] != "resolved" for a in open_)
    assert open_[0]["severity"] == "urgent" and open_[0]["label"] == "Asked for help (/sos)"
    assert all(a["severity"] != "urgent" for a in open_[1:])
    everything = (await client.get("/api/alerts?include_resolved=true")).json()["alerts"]
    assert len(everything) > len(open_)
    assert any(a["status"] == "resolved" for a in everything)
    assert [a for a, _ in await audit_of(demo.ctx, demo.staff)].count("api.alerts") == 2


async def test_the_api_session_times_out(demo: Demo, client: httpx.AsyncClient) -> None:
    await sign_in(client, demo.ctx, demo.staff)
    assert (await client.get("/api/alerts")).status_code == 200
    demo.ctx.clock.advance(timedelta(minutes=31))  # type: ignore[attr-defined]
    assert (await client.get("/api/alerts")).status_code == 401


async def test_names_come_back_as_json_strings(demo: Demo, client: httpx.AsyncClient) -> None:
    async with demo.ctx.sessions.begin() as session:
        morgan = await session.get(Patient, demo.morgan)
        assert morgan is not None
        morgan.display_name = HOSTILE
    await sign_in(client, demo.ctx, demo.staff)
    response = await client.get(f"/api/patients/{demo.morgan}")
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.json()["patient"]["name"] == HOSTILE
