"""The charts' words in the reader's language: every label drawn on the /progress picture, and
the SVG's text, read as text (what was drawn), not as pixels."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from PIL import ImageDraw

from bot.charts import (
    CravingPoint,
    DayCell,
    DayStatus,
    calendar_svg,
    craving_svg,
    png,
    progress_png,
)
from bot.charts.text import date_range, month_names, short_date, weekday_names

SVG = "{http://www.w3.org/2000/svg}"
END = date(2026, 11, 25)  # a Wednesday


def thirty_days() -> list[DayCell]:
    cycle = [DayStatus.TAKEN, DayStatus.PARTIAL, DayStatus.MISSED, DayStatus.SKIPPED]
    start = END - timedelta(days=29)
    cells = [DayCell(start + timedelta(days=i), cycle[i % 4]) for i in range(29)]
    return [*cells, DayCell(END, DayStatus.PENDING)]


def cravings() -> list[CravingPoint]:
    return [CravingPoint(END - timedelta(days=back), level) for back, level in ((9, 7), (2, 3))]


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every string Pillow is asked to draw while the test runs."""
    texts: list[str] = []
    original = ImageDraw.ImageDraw.text

    def recording(self: ImageDraw.ImageDraw, xy: Any, text: Any, *args: Any, **kw: Any) -> None:
        texts.append(str(text))
        original(self, xy, text, *args, **kw)

    monkeypatch.setattr(ImageDraw.ImageDraw, "text", recording)
    yield texts


def shown(text: str) -> str:
    """``text`` as the picture can show it here (without accents on a system with no face that
    has them: see the test below)."""
    return png._glyphs(text, "es")


def test_the_progress_picture_is_labelled_in_spanish(drawn: list[str]) -> None:
    data = progress_png(thirty_days(), cravings(), lang="es")
    assert data.startswith(b"\x89PNG")
    assert shown("Sus últimos 30 días") in drawn
    assert "27 oct al 25 nov de 2026" in drawn  # the span under the title
    names = [shown(name) for name in ("lun", "mar", "mié", "jue", "vie", "sáb", "dom")]
    assert [text for text in drawn if text in names] == names
    assert {"Tomada", "En parte", "No tomada", "Omitida", "Sin dosis", "Hoy"} <= set(drawn)
    assert "Antojos (0 = nada, 10 = muy fuertes)" in drawn
    assert {"27 oct", "25 nov"} <= set(drawn)  # the trend's first and last day
    english = {"Your last 30 days", "Mon", "Taken", "Missed", "Today", "Nov", "Oct"}
    assert not english & set(drawn)
    assert not any("Cravings" in text or " to " in text for text in drawn)


def test_an_empty_picture_says_so_in_spanish(drawn: list[str]) -> None:
    progress_png([], [], lang="es")
    assert shown("Aquí aparecerán sus días de dosis.") in drawn
    assert shown("Todavía no hay respuestas de seguimiento") in drawn
    assert shown("Aquí aparecerá cómo se siente cada día.") in drawn


def test_without_a_face_with_accents_spanish_loses_its_accents_not_its_letters(
    drawn: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pillow's built-in face draws a box for "í"; "dias" reads, a box does not.
    monkeypatch.setattr(png, "_accented_face", lambda: None)
    png._font.cache_clear()
    try:
        progress_png(thirty_days(), cravings(), lang="es")
    finally:
        png._font.cache_clear()
    assert "Sus ultimos 30 dias" in drawn and {"mie", "sab"} <= set(drawn)
    assert all(text.isascii() for text in drawn)


def test_spanish_is_drawn_in_a_face_with_accents_where_there_is_one() -> None:
    if png._accented_face() is None:
        pytest.skip("no DejaVu Sans on this system")
    assert png._glyphs("Sus últimos 30 días", "es") == "Sus últimos 30 días"
    assert png._font(16, "es").getname()[0] == "DejaVu Sans"
    assert png._font(16, "en").getname()[0] == "Aileron"  # English as before


def test_the_english_picture_is_labelled_as_before(drawn: list[str]) -> None:
    progress_png(thirty_days(), cravings())
    assert "Your last 30 days" in drawn and "27 Oct to 25 Nov 2026" in drawn
    assert [text for text in drawn if text in weekday_names("en")] == list(weekday_names("en"))
    assert {"Taken", "Partly", "Missed", "Skipped", "No dose", "Today"} <= set(drawn)
    assert "Cravings (0 = none, 10 = strongest)" in drawn


def test_small_cells_get_one_letter_weekdays_in_the_readers_language(drawn: list[str]) -> None:
    long_range = [DayCell(END - timedelta(days=i), DayStatus.TAKEN) for i in range(120)]
    progress_png(long_range, [], lang="es")
    assert [text for text in drawn if len(text) == 1 and text.isalpha()][:7] == list("LMXJVSD")


def test_dates_and_names_come_from_babel() -> None:
    assert month_names("en")[11] == "Dec" and month_names("es")[11] == "dic"
    assert weekday_names("en")[0] == "Mon" and weekday_names("es")[0] == "lun"
    assert short_date(date(2026, 12, 3), "es") == "3 dic"
    assert date_range(date(2026, 11, 3), date(2026, 12, 2)) == "3 Nov to 2 Dec 2026"
    assert date_range(date(2025, 12, 30), date(2026, 1, 2), "es") == (
        "30 dic de 2025 al 2 ene de 2026"
    )


def _texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return [
        element.text or ""
        for element in root.iter()
        if element.tag in (f"{SVG}text", f"{SVG}title", f"{SVG}desc")
    ]


def test_the_svg_calendar_in_spanish() -> None:
    svg = calendar_svg(thirty_days(), lang="es")
    texts = _texts(svg)
    assert texts[0].startswith("Calendario de dosis. 27 oct al 25 nov de 2026, 30 días:")
    assert {"lun", "mié", "vie"} <= set(texts)  # the rows named
    assert "nov" in texts  # the month over its first week
    assert {"Tomada", "En parte", "No tomada", "Omitida", "Hoy"} <= set(texts)
    assert "2026-11-25 (mié): Hoy, aún pendiente" in texts
    assert 'aria-label="Calendario de dosis.' in svg
    assert not {"Mon", "Taken", "Dose calendar"} & set(texts)
    assert "Todavía no hay días con dosis" in _texts(calendar_svg([], lang="es"))


def test_the_svg_craving_trend_in_spanish() -> None:
    svg = craving_svg(cravings(), lang="es", start=END - timedelta(days=29), end=END)
    texts = _texts(svg)
    assert texts[0] == (
        "Cómo van los antojos. 27 oct al 25 nov de 2026, 2 respuestas de seguimiento, "
        "antojos de 3 a 7 sobre 10, el último 3"
    )
    assert {"27 oct", "25 nov", "1 nov"} <= set(texts)
    assert "2026-11-16: antojo 7 de 10" in texts
    assert "Todavía no hay respuestas de seguimiento" in craving_svg([], lang="es")


def test_the_svg_in_english_is_unchanged() -> None:
    texts = _texts(calendar_svg(thirty_days()))
    assert texts[0].startswith("Dose calendar. 27 Oct to 25 Nov 2026, 30 days:")
    one = _texts(craving_svg(cravings()[:1]))
    assert one[0] == (
        "Craving trend. 16 Nov 2026, 1 check-in, craving from 7 to 7 out of 10, latest 7"
    )
