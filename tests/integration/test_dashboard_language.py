"""Staff see which language each patient uses (issue 15, item 3): alert cards say it when the
patient does not use English, and the dashboard's patient page, patient list, alert queue and
API show it. Cards and pages stay in the staff member's language (English). Both databases."""

from __future__ import annotations

import re
from datetime import time, timedelta
from pathlib import Path

import httpx
from sqlalchemy import select, update

from bot.db.models import OutboxMessage, Patient
from bot.domain import risk
from bot.domain.schedules import Plan, PlanKind
from bot.services import alerts, staff_commands
from bot.services.clinics import add_staff
from bot.services.context import AppContext
from tests.integration import test_dashboard
from tests.integration.test_dashboard import World, sign_in
from tests.support import make_patient, new_clinic

PLAN = Plan(PlanKind.DAILY, "America/Chicago", (time(8, 0),), dose_mg=50)
NURSE_CHAT = 5100
SPANISH_LINE = "The patient writes in Spanish."
# The dashboard tests' fixtures: their clinic ("world") and an HTTP client of the app.
world = test_dashboard.world
client = test_dashboard.client


async def _setup(ctx: AppContext) -> tuple[int, int, int]:
    """A clinic with one nurse, a Spanish-speaking patient and an English-speaking one."""
    clinic = await new_clinic(ctx, "Northside Clinic")
    nurse = await add_staff(
        ctx.sessions,
        ctx.clock,
        telegram_user_id=NURSE_CHAT,
        name="Nick Nurse",
        clinic_code=clinic.invite_code,
    )
    maria, _ = await make_patient(ctx, PLAN, chat_id=1, clinic_id=clinic.id, name="María Pérez")
    pat, _ = await make_patient(ctx, PLAN, chat_id=2, clinic_id=clinic.id, name="Pat Able")
    async with ctx.sessions.begin() as session:
        await session.execute(update(Patient).where(Patient.id == maria).values(language="es"))
    return nurse.id, maria, pat


async def _raise(ctx: AppContext, patient_id: int, finding: risk.Finding) -> int:
    async with ctx.sessions.begin() as session:
        patient = await session.get(Patient, patient_id)
        assert patient is not None
        alert = await alerts.raise_alert(session, patient, finding, ctx.clock.now())
        assert alert is not None
        return alert.id


async def _cards(ctx: AppContext, alert_id: int) -> list[str]:
    """The texts queued for an alert's cards, in order: the card, then each edit of it."""
    async with ctx.sessions() as session:
        payloads = await session.scalars(
            select(OutboxMessage.payload)
            .where(OutboxMessage.kind.in_((alerts.CARD_KIND, alerts.CARD_UPDATE_KIND)))
            .order_by(OutboxMessage.id)
        )
        return [p["text"] for p in payloads if p.get("alert_id") == alert_id]


async def test_a_spanish_speaking_patients_alert_card_names_the_language(
    ctx: AppContext,
) -> None:
    _nurse, maria, pat = await _setup(ctx)
    spanish = await _raise(ctx, maria, risk.contact_request("María Pérez"))
    english = await _raise(ctx, pat, risk.contact_request("Pat Able"))

    [card] = await _cards(ctx, spanish)
    summary, language, *_ = card.split("\n\n")
    assert "María Pérez" in summary
    assert language == SPANISH_LINE
    assert card.split("\n\n")[-1].startswith("Open since")  # the rest as before, in English
    [plain] = await _cards(ctx, english)
    assert "writes in" not in plain  # nothing said for a patient who uses English

    # A repeat of the episode edits the card: it still says so.
    ctx.clock.advance(timedelta(minutes=5))
    assert await _raise_again(ctx, maria) is None
    _first, update_card = await _cards(ctx, spanish)
    assert SPANISH_LINE in update_card and "Happened 2 times" in update_card

    # Taking it from Telegram: the tapped card and the others' edits still say so.
    async with ctx.sessions() as session:
        payload = await session.scalar(
            select(OutboxMessage.payload).where(
                OutboxMessage.alert_id == spanish, OutboxMessage.kind == alerts.CARD_KIND
            )
        )
    take = alerts.parse_tap(payload["buttons"][0][0]["data"])  # "I'll take it", as tapped
    assert take is not None and take.action == alerts.ACK
    result = await alerts.act(ctx, take, chat_id=NURSE_CHAT)
    assert result.edit is not None and SPANISH_LINE in result.edit.text
    assert "Taken by Nick Nurse" in result.edit.text
    assert SPANISH_LINE in (await _cards(ctx, spanish))[-1]

    # /alerts lists the card with the language too.
    replies = await staff_commands.command(ctx, NURSE_CHAT, "alerts", [])
    assert replies is not None
    texts = {reply.text.split("\n\n")[0]: reply.text for reply in replies}
    assert SPANISH_LINE in next(t for s, t in texts.items() if "María" in s)
    assert "writes in" not in next(t for s, t in texts.items() if "Pat Able" in s)


async def _raise_again(ctx: AppContext, patient_id: int) -> int | None:
    async with ctx.sessions.begin() as session:
        patient = await session.get(Patient, patient_id)
        assert patient is not None
        again = await alerts.raise_alert(
            session, patient, risk.contact_request("María Pérez"), ctx.clock.now()
        )
        return again.id if again is not None else None


async def test_a_batch_of_alerts_names_each_patients_language(ctx: AppContext) -> None:
    """``raise_alerts`` (the follow-up wave's path) reads the languages with its lock."""
    _nurse, maria, pat = await _setup(ctx)
    async with ctx.sessions.begin() as session:
        patients = {p.id: p for p in await session.scalars(select(Patient))}
        opened = await alerts.raise_alerts(
            session,
            [
                (patients[pat], risk.missed_doses("Pat Able", 2)),
                (patients[maria], risk.missed_doses("María Pérez", 2)),
            ],
            ctx.clock.now(),
        )
        ids = {alert.patient_id: alert.id for alert in opened}
    [pat_card] = await _cards(ctx, ids[pat])
    [maria_card] = await _cards(ctx, ids[maria])
    assert "writes in" not in pat_card
    assert SPANISH_LINE in maria_card


async def test_telegram_patient_detail_names_the_language(ctx: AppContext) -> None:
    await _setup(ctx)
    [reply] = await staff_commands.command(ctx, NURSE_CHAT, "patient", ["María"]) or []
    assert reply.text.splitlines()[0].startswith("María Pérez (")
    assert SPANISH_LINE in reply.text.splitlines()
    [english] = await staff_commands.command(ctx, NURSE_CHAT, "patient", ["Pat"]) or []
    assert "writes in" not in english.text


async def test_the_dashboard_shows_each_patients_language(
    ctx: AppContext, client: httpx.AsyncClient
) -> None:
    nurse, maria, pat = await _setup(ctx)
    await _raise(ctx, maria, risk.contact_request("María Pérez"))
    await sign_in(client, ctx, nurse)
    page = (await client.get(f"/patients/{maria}")).text
    assert "<dt>Language</dt><dd>Spanish</dd>" in page
    english = (await client.get(f"/patients/{pat}")).text
    assert "<dt>Language</dt><dd>English</dd>" in english

    # The list: a small badge for who does not use English, nothing for who does.
    listing = (await client.get("/patients")).text
    rows = {
        found.group(1): found.group(0)
        for found in re.finditer(r'<a href="/patients/(\d+)">.*?</th>', listing, re.S)
    }
    badge = '<span class="badge badge-language" title="Writes in Spanish">Spanish</span>'
    assert badge in rows[str(maria)]
    assert "badge-language" not in rows[str(pat)]

    queue = (await client.get("/alerts")).text
    assert badge in queue

    detail = (await client.get(f"/api/patients/{maria}")).json()
    assert detail["language"] == "es"
    assert {a["patient_language"] for a in detail["alerts"]} == {"es"}
    assert (await client.get(f"/api/patients/{pat}")).json()["language"] == "en"


GOLDEN = Path(__file__).resolve().parents[1] / "data" / "dashboard"


def _normalised(page: str) -> str:
    """A page without what changes from run to run: CSRF tokens, row ids, patient codes."""
    page = re.sub(r'name="csrf" value="[0-9a-f]+"', 'name="csrf" value="X"', page)
    page = re.sub(r"/patients/\d+", "/patients/ID", page)
    page = re.sub(r"/alerts/\d+/", "/alerts/ID/", page)
    return re.sub(r"<bdi>[A-Z0-9]{6}</bdi>", "<bdi>CODE</bdi>", page)


async def test_pages_read_in_english_as_before_the_catalog(
    world: World, client: httpx.AsyncClient
) -> None:
    """The pages as they were rendered before their words went through the catalog (saved
    then): the same HTML, but for the sign-in page's one line break inside a sentence."""
    sign_in_page = (await client.get("/sign-in")).text
    before = (GOLDEN / "sign_in_en.html").read_text()
    assert " ".join(sign_in_page.split()) == " ".join(before.split())
    await sign_in(client, world.ctx, world.admin)
    alerts_page = _normalised((await client.get("/alerts")).text)
    assert alerts_page == (GOLDEN / "alerts_en.html").read_text()
