"""/progress's text in the patient's language."""

from __future__ import annotations

from datetime import date

from bot.charts import CravingPoint
from bot.domain.adherence import Coverage
from bot.services.progress import progress_text

CRAVINGS = [CravingPoint(date(2026, 11, 20), 6), CravingPoint(date(2026, 11, 23), 3)]


def test_progress_in_spanish() -> None:
    text = progress_text(Coverage(4, 6), Coverage(8, 10), 3, 21, CRAVINGS, lang="es")
    assert text.splitlines() == [
        "Su progreso",
        "",
        "Últimos 7 días: 4 de 6 días (67 %)",
        "Últimos 30 días: 8 de 10 días (80 %)",
        "Racha actual: 3 días",
        "Días en tratamiento: 21",
        "Último antojo: 3/10",
        "",
        "Ya retomó el camino, y eso es lo que más importa.",
    ]


def test_progress_in_spanish_counts_one_day_in_the_singular() -> None:
    text = progress_text(Coverage(1, 1), Coverage(0, 0), 1, 1, [], lang="es")
    assert "Últimos 7 días: 1 de 1 día (100 %)" in text
    assert "Últimos 30 días: todavía no le tocaba ninguna dosis" in text
    assert "Racha actual: 1 día" in text and "antojo" not in text
    assert "Es un esfuerzo constante" in text


def test_a_hard_week_in_spanish_comes_before_praise() -> None:
    text = progress_text(Coverage(6, 6), Coverage(6, 6), 6, 6, CRAVINGS, True, lang="es")
    assert text.endswith("si ahora mismo no está a salvo, envíe /sos.")


def test_the_first_days_in_spanish() -> None:
    waiting = progress_text(Coverage(0, 0), Coverage(0, 0), 0, 1, [], lang="es")
    assert "Sus primeros recordatorios ya vienen en camino" in waiting
    taken = progress_text(Coverage(0, 0), Coverage(0, 0), 0, 1, [], first_taken=True, lang="es")
    assert "Su primera dosis quedó registrada" in taken


def test_progress_in_english_is_unchanged() -> None:
    text = progress_text(Coverage(4, 6), Coverage(8, 10), 3, 21, CRAVINGS)
    assert text.splitlines() == [
        "Your progress",
        "",
        "Last 7 days: 4 of 6 days (67%)",
        "Last 30 days: 8 of 10 days (80%)",
        "Current streak: 3 days",
        "Days in treatment: 21",
        "Latest craving: 3/10",
        "",
        "You're back on track, and that's what matters most.",
    ]
    fresh = progress_text(Coverage(0, 0), Coverage(0, 0), 1, 1, [])
    assert "Last 7 days: nothing was due yet" in fresh and "Current streak: 1 day" in fresh
