"""Staff see how each patient is reached (issue 16, items 5 and 7): the patient page and the API
name the channel, the number in full (an audited read of that one patient), a STOP, and the last
text that did not arrive; the patient list shows no number. Both databases."""

from __future__ import annotations

from datetime import time

import httpx
from sqlalchemy import select, update

from bot.db.models import AuditEntry, OutboxMessage, OutboxStatus, Patient, SmsContact
from bot.domain.schedules import Plan, PlanKind
from bot.services import outbox, sms_contacts, sms_usage
from bot.services.clinics import add_staff
from bot.services.context import AppContext
from tests.integration import test_dashboard
from tests.integration.test_dashboard import sign_in
from tests.support import make_patient, new_clinic

PLAN = Plan(PlanKind.DAILY, "America/Chicago", (time(8, 0),), dose_mg=50)
PHONE = "+14155552671"
REFUSED = "sms: SmsRejected: HTTP 400, Twilio 21614: not a mobile number"
world = test_dashboard.world
client = test_dashboard.client


async def _setup(ctx: AppContext) -> tuple[int, int, int]:
    """A nurse, a patient reached by text whose last text was refused, and one on Telegram."""
    clinic = await new_clinic(ctx, "Northside Clinic")
    nurse = await add_staff(
        ctx.sessions,
        ctx.clock,
        telegram_user_id=5200,
        name="Nick Nurse",
        clinic_code=clinic.invite_code,
    )
    texting, _ = await make_patient(ctx, PLAN, chat_id=1, clinic_id=clinic.id, name="Tex Ting")
    telegram, _ = await make_patient(ctx, PLAN, chat_id=2, clinic_id=clinic.id, name="Tele Gram")
    now = ctx.clock.now()
    async with ctx.sessions.begin() as session:
        patient = await session.get(Patient, texting)
        assert patient is not None
        await sms_contacts.set_phone(session, patient, PHONE, now)
        message = outbox.enqueue(
            session,
            chat_id=1,
            patient_id=texting,
            kind="test",
            payload={"text": "Hello"},
            now=now,
        )
        await session.flush()
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id)
            .values(status=OutboxStatus.FAILED, last_error=REFUSED)
        )
        await session.execute(
            update(SmsContact).where(SmsContact.phone == PHONE).values(opted_out_at=now)
        )
    return nurse.id, texting, telegram


async def test_the_patient_page_says_how_they_are_reached_and_the_list_shows_no_number(
    ctx: AppContext, client: httpx.AsyncClient
) -> None:
    nurse, texting, telegram = await _setup(ctx)
    await sign_in(client, ctx, nurse)
    page = (await client.get(f"/patients/{texting}")).text
    assert f'<dt>Reached by</dt><dd>Text messages, <span class="phone">{PHONE}</span>' in page
    assert "texted STOP on" in page
    assert "<dt>Last delivery problem</dt>" in page and "21614" in page
    other = (await client.get(f"/patients/{telegram}")).text
    assert "<dt>Reached by</dt><dd>Telegram</dd>" in other
    assert "Last delivery problem" not in other
    listing = (await client.get("/patients")).text
    assert PHONE not in listing and PHONE[-4:] not in listing
    # The list says who is reached by text, and only them.
    texts_badge = '<span class="badge badge-language" title="Reached by text message">Texts</span>'
    assert listing.count(texts_badge) == 1
    row_of = {
        name: listing.split(name, 1)[1].split("</th>", 1)[0] for name in ("Tex Ting", "Tele Gram")
    }
    assert texts_badge in row_of["Tex Ting"] and texts_badge not in row_of["Tele Gram"]

    listed = (await client.get("/api/patients")).json()
    rows = listed["patients"] if isinstance(listed, dict) else listed
    assert {row["name"]: row["channel"] for row in rows} == {
        "Tex Ting": "sms",
        "Tele Gram": "telegram",
    }
    detail = (await client.get(f"/api/patients/{texting}")).json()
    assert (detail["channel"], detail["phone"]) == ("sms", PHONE)
    assert "21614" in detail["last_delivery_problem"]
    plain = (await client.get(f"/api/patients/{telegram}")).json()
    assert (plain["channel"], plain["phone"], plain["last_delivery_problem"]) == (
        "telegram",
        None,
        None,
    )
    # Every look at a patient, with their number, is in the audit log.
    async with ctx.sessions() as session:
        reads = list(
            await session.scalars(
                select(AuditEntry.action).where(
                    AuditEntry.action.in_(("dashboard.patient", "api.patient"))
                )
            )
        )
    assert reads.count("dashboard.patient") == 2 and reads.count("api.patient") == 2


async def test_the_patients_page_counts_this_months_texts_once_the_clinic_texts(
    ctx: AppContext, client: httpx.AsyncClient
) -> None:
    nurse, texting, _ = await _setup(ctx)
    await sign_in(client, ctx, nurse)
    assert "texts this month" not in (await client.get("/patients")).text  # SMS off, none sent
    async with ctx.sessions.begin() as session:
        clinic_id = (await session.get(Patient, texting)).clinic_id  # type: ignore[union-attr]
        for segments in (1, 2):
            await sms_usage.count_text(session, clinic_id, segments, ctx.clock.now())
    page = (await client.get("/patients")).text
    assert '2</span> <span class="stat-label">texts this month (3 segments)' in page


async def test_staff_download_a_patients_data_for_them(
    ctx: AppContext, client: httpx.AsyncClient
) -> None:
    # A patient reached by text cannot be sent a file; /mydata by text says to ask the care team.
    nurse, texting, _ = await _setup(ctx)
    await sign_in(client, ctx, nurse)
    page = (await client.get(f"/patients/{texting}")).text
    assert f'href="/patients/{texting}/data.json"' in page
    answer = await client.get(f"/patients/{texting}/data.json")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    assert answer.headers["content-disposition"].startswith('attachment; filename="patient-')
    document = answer.json()
    assert document["phone_number"]["phone"] == PHONE
    assert document["profile"]["display_name"] == "Tex Ting"
    # Someone else's patient, or nobody: not found, and the attempt is audited too.
    assert (await client.get("/patients/999999/data.json")).status_code == 404
    async with ctx.sessions() as session:
        actions = list(
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.action.like("%export%"))
            )
        )
    assert sorted(actions) == ["dashboard.patient_export", "dashboard.patient_export.not_found"]
