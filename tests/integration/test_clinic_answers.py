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
