"""Time zones in Spanish: shorthands, labels, the local time shown, and errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain.clock_times import ParseError
from bot.domain.timezones import describe_local_time, resolve_zone, zone_label

NOW = datetime(2026, 11, 25, 15, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("hora del este", "America/New_York"),
        ("Hora del Pacífico", "America/Los_Angeles"),
        ("pacifico", "America/Los_Angeles"),
        ("hora del centro", "America/Chicago"),
        ("hora de la montaña", "America/Denver"),
        ("Reino Unido", "Europe/London"),
        ("Nueva York", "America/New_York"),
        ("Ciudad de México", "America/Mexico_City"),
    ],
)
def test_spanish_zone_names(text: str, zone: str) -> None:
    assert resolve_zone(text).zone == zone


def test_labels_are_translated_and_places_are_not() -> None:
    assert zone_label("US Eastern", "es") == "Este de EE. UU."
    assert zone_label("US Eastern") == "US Eastern"
    assert zone_label("Chicago, US", "es") == "Chicago, US"


def test_local_time_in_spanish_and_english_unchanged() -> None:
    assert describe_local_time("America/Chicago", NOW) == "Wed 09:05"
    assert describe_local_time("America/Chicago", NOW, lang="es") == "09:05 (miércoles)"


def test_errors_in_spanish() -> None:
    with pytest.raises(ParseError) as caught:
        resolve_zone("UTC+2", lang="es")
    assert "horario de verano" in str(caught.value)
    with pytest.raises(ParseError) as caught:
        resolve_zone("Xyzzyville", lang="es")
    assert str(caught.value).startswith("No encontré una zona horaria para “Xyzzyville”.")
