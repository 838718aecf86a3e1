"""A clinic's own snippets reach its own patients only, marked as the clinic's words; both
databases, through the channel-agnostic inbox."""

from __future__ import annotations

import shutil
from datetime import time
from pathlib import Path

import pytest

from bot.domain.schedules import Plan, PlanKind
from bot.qa import content as content_module
from bot.services.context import AppContext
from bot.services.inbox import Inbox, Sender
from tests.support import make_patient, new_clinic

SAMPLE = Path(__file__).resolve().parents[2] / "content" / "clinics" / "EXAMPLE.toml.sample"
PLAN = Plan(PlanKind.DAILY, "America/Chicago", (time(8, 0),))


async def test_clinic_snippets_answer_only_that_clinics_patients(
    ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours = await new_clinic(ctx, "Example Clinic")
    theirs = await new_clinic(ctx, "Other Clinic")
    monkeypatch.setattr(content_module, "clinics_dir", lambda: tmp_path)
    shutil.copy(SAMPLE, tmp_path / f"{ours.invite_code.upper()}.toml")
    await make_patient(ctx, PLAN, chat_id=801, clinic_id=ours.id, name="Pat")
    await make_patient(ctx, PLAN, chat_id=802, clinic_id=theirs.id, name="Quinn")
    inbox = Inbox(ctx)

    [mine] = await inbox.text(Sender(801, "Pat"), "whats the clinic phone number")
    assert mine.text.startswith("From your clinic:") and "555-0100" in mine.text
    [other] = await inbox.text(Sender(802, "Quinn"), "whats the clinic phone number")
    assert "555-0100" not in other.text


async def test_a_spanish_speaking_patient_gets_the_clinics_spanish_or_a_note(
    ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import update

    from bot.db.models import Patient

    ours = await new_clinic(ctx, "Example Clinic")
    monkeypatch.setattr(content_module, "clinics_dir", lambda: tmp_path)
    shutil.copy(SAMPLE, tmp_path / f"{ours.invite_code.upper()}.toml")
    patient_id, _ = await make_patient(ctx, PLAN, chat_id=803, clinic_id=ours.id, name="Paz")
    async with ctx.sessions.begin() as session:
        await session.execute(update(Patient).where(Patient.id == patient_id).values(language="es"))
    inbox = Inbox(ctx)

    # The sample's phone snippet has a Spanish text: quoted in Spanish, as the clinic's words.
    [phone] = await inbox.text(Sender(803, "Paz"), "cual es el numero de telefono de la clinica")
    assert phone.text.startswith("De su clínica: Puede llamar a Example Clinic al 555-0100")
    # Its pharmacy snippet has none: the English text, after a one-line note in Spanish.
    [pharmacy] = await inbox.text(Sender(803, "Paz"), "does the clinic have a pharmacy")
    first, second = pharmacy.text.splitlines()[:2]
    assert first == "(Esta información de su clínica solo está disponible en inglés)."
    assert second.startswith("De su clínica: The Example Clinic pharmacy")
    assert "Esta es información general" in pharmacy.text
