"""/progress end to end: the numbers a patient reads and the chart image they get."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image, ImageDraw

from bot.charts import png
from bot.db.models import CheckIn, DoseEvent
from bot.domain.schedules import day_number
from tests.conftest import START
from tests.e2e.care import Clinic, say
from tests.e2e.conftest import LiveBot

PAT = 6600


async def test_progress_shows_adherence_streak_days_and_a_chart(live_bot: LiveBot) -> None:
    clinic = await Clinic.make(live_bot)
    enrolled = START - timedelta(days=20)
    patient_id, schedule_id = await clinic.patient(PAT, "Pat Doe", created_at=enrolled)
    # Daily 08:00 Chicago (14:00 UTC); START is Wed 25 Nov 15:00 UTC, so today's dose is due.
    # The last 10 days: taken, except a miss 5 days ago and a skip 4 days ago; today open.
    async with live_bot.ctx.sessions.begin() as session:
        for back in range(10, -1, -1):
            due = (START - timedelta(days=back)).replace(hour=14, minute=0)
            status = {5: "missed", 4: "skipped", 0: "pending"}.get(back, "taken")
            session.add(
                DoseEvent(
                    schedule_id=schedule_id,
                    patient_id=patient_id,
                    due_at=due,
                    local_day=day_number(due, ZoneInfo("America/Chicago")),
                    status=status,
                    window_ends_at=due + timedelta(hours=4),
                    reminded_at=due,
                    answered_at=due + timedelta(minutes=5) if status == "taken" else None,
                    created_at=due,
                )
            )
        for back, craving in ((9, 7), (6, 5), (2, 3)):
            session.add(
                CheckIn(
                    patient_id=patient_id,
                    created_at=START - timedelta(days=back),
                    status="answered",
                    craving=craving,
                    mood=3,
                    substance_use="no",
                )
            )
    [photo] = await say(live_bot, PAT, "/progress")
    assert photo.kind == "photo"
    caption = photo.plain_text or ""
    # Last 7 days (19..25 Nov): the 20th missed, the 21st skipped, today still open, so 4 of
    # 6 settled days covered; since the 15th, 8 of 10; a streak of 22, 23 and 24 Nov.
    assert "Last 7 days: 4 of 6 days (67%)" in caption
    assert "Last 30 days: 8 of 10 days (80%)" in caption
    assert "Current streak: 3 days" in caption
    assert "Days in treatment: 21" in caption
    assert "Latest craving: 3/10" in caption
    data = photo.file_bytes
    assert data is not None and data.startswith(b"\x89PNG")
    image = Image.open(io.BytesIO(data))
    assert image.size == (900, 460)


async def test_progress_before_the_first_dose_is_kind_not_empty(live_bot: LiveBot) -> None:
    clinic = await Clinic.make(live_bot)
    await clinic.patient(PAT, "Pat Doe")
    [photo] = await say(live_bot, PAT, "/progress")
    caption = photo.plain_text or ""
    assert "nothing was due yet" in caption and "first reminders are on their way" in caption
    assert "Days in treatment: 1" in caption


async def test_progress_needs_enrolment(live_bot: LiveBot) -> None:
    [reply] = await say(live_bot, PAT, "/progress")
    assert "not set up yet" in (reply.plain_text or "")


async def test_progress_in_spanish_text_and_chart_labels(
    live_bot: LiveBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[str] = []
    original = ImageDraw.ImageDraw.text

    def recording(self: ImageDraw.ImageDraw, xy: Any, text: Any, *args: Any, **kw: Any) -> None:
        drawn.append(str(text))
        original(self, xy, text, *args, **kw)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", recording)
    clinic = await Clinic.make(live_bot)
    enrolled = START - timedelta(days=20)
    patient_id, schedule_id = await clinic.patient(
        PAT, "Pat Doe", created_at=enrolled, language="es"
    )
    async with live_bot.ctx.sessions.begin() as session:
        for back in range(3, -1, -1):
            due = (START - timedelta(days=back)).replace(hour=14, minute=0)
            status = "pending" if back == 0 else "taken"
            session.add(
                DoseEvent(
                    schedule_id=schedule_id,
                    patient_id=patient_id,
                    due_at=due,
                    local_day=day_number(due, ZoneInfo("America/Chicago")),
                    status=status,
                    window_ends_at=due + timedelta(hours=4),
                    reminded_at=due,
                    answered_at=due + timedelta(minutes=5) if status == "taken" else None,
                    created_at=due,
                )
            )
        session.add(
            CheckIn(
                patient_id=patient_id,
                created_at=START - timedelta(days=2),
                status="answered",
                craving=4,
                mood=3,
                substance_use="no",
            )
        )
    [photo] = await say(live_bot, PAT, "/progress")
    caption = photo.plain_text or ""
    assert caption.startswith("Su progreso\n")
    assert "Últimos 7 días: 3 de 3 días (100 %)" in caption
    assert "Racha actual: 3 días" in caption
    assert "Días en tratamiento: 21" in caption
    assert "Último antojo: 4/10" in caption
    assert "Es un esfuerzo constante. Siga así, un día a la vez." in caption
    assert "Last" not in caption and "streak" not in caption
    data = photo.file_bytes
    assert data is not None and Image.open(io.BytesIO(data)).size == (900, 460)
    # The picture's words: title, span, weekdays, legend, axis and dates, all in Spanish.
    assert png._glyphs("Sus últimos 30 días", "es") in drawn
    assert "27 oct al 25 nov de 2026" in drawn
    names = {png._glyphs(name, "es") for name in ("lun", "mar", "mié", "jue", "vie", "sáb", "dom")}
    assert names <= set(drawn)
    assert {"Tomada", "Sin dosis", "Hoy"} <= set(drawn)
    assert "Antojos (0 = nada, 10 = muy fuertes)" in drawn
    assert not {"Your last 30 days", "Mon", "Taken", "No dose", "Today"} & set(drawn)
