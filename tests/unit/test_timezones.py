"""Finding a patient's time zone from what they type or share."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.clock_times import ParseError
from bot.domain.timezones import (
    COMMON_ZONES,
    ZoneMatch,
    describe_local_time,
    resolve_zone,
    zone_from_location,
)

CITY_HINT = (
    "Try a nearby city like Chicago, a US ZIP code like 60601, or a zone name like America/Chicago."
)


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        # IANA names, any case / spacing
        ("america/chicago", "America/Chicago"),
        ("Europe/Berlin", "Europe/Berlin"),
        ("AMERICA/NEW YORK", "America/New_York"),
        # UTC and US shorthands
        ("UTC", "UTC"),
        ("gmt", "UTC"),
        ("Eastern", "America/New_York"),
        ("EST", "America/New_York"),
        ("ET", "America/New_York"),
        ("eastern time", "America/New_York"),
        ("US/Eastern", "America/New_York"),
        ("Central", "America/Chicago"),
        ("CST", "America/Chicago"),
        ("Mountain", "America/Denver"),
        ("Pacific", "America/Los_Angeles"),
        ("PT", "America/Los_Angeles"),
        ("Pacific Standard Time", "America/Los_Angeles"),
        ("Alaska", "America/Anchorage"),
        ("Hawaii", "Pacific/Honolulu"),
        ("Arizona", "America/Phoenix"),
        # cities
        ("Boston", "America/New_York"),
        ("boston", "America/New_York"),
        ("New York", "America/New_York"),
        ("NYC", "America/New_York"),
        ("Zürich", "Europe/Zurich"),
        ("Zurich", "Europe/Zurich"),
        ("Sao Paulo", "America/Sao_Paulo"),
        ("Cologne", "Europe/Berlin"),
        ("St Louis", "America/Chicago"),
        ("Saint Louis", "America/Chicago"),
        ("Ft. Worth", "America/Chicago"),
        ("Salt Lake City", "America/Denver"),
        ("Paris", "Europe/Paris"),
        ("Tokyo", "Asia/Tokyo"),
        # a country or state with a single zone
        ("Germany", "Europe/Berlin"),
        ("England", "Europe/London"),
        ("Ohio", "America/New_York"),
    ],
)
def test_resolves_typed_zones(text: str, zone: str) -> None:
    assert resolve_zone(text).zone == zone


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Boston, MA", "America/New_York"),
        ("Boston MA", "America/New_York"),
        ("Boston, UK", "Europe/London"),  # Boston, Lincolnshire
        ("Boston UK", "Europe/London"),
        ("Paris, France", "Europe/Paris"),
        ("Paris, Texas", "America/Chicago"),
        ("Paris TX", "America/Chicago"),
        ("Portland, Maine", "America/New_York"),
        ("Portland, OR", "America/Los_Angeles"),
        ("London, ON", "America/Toronto"),
        ("Perth, WA", "Australia/Perth"),
        ("Perth, Scotland", "Europe/London"),
        ("Vancouver, WA", "America/Los_Angeles"),
        ("Springfield, IL, USA", "America/Chicago"),
        ("Washington, DC", "America/New_York"),
        ("Boston, Mass", "America/New_York"),  # unknown hint: ignored, not fatal
    ],
)
def test_state_or_country_hint_narrows_the_city(text: str, zone: str) -> None:
    assert resolve_zone(text).zone == zone


def test_labels_are_friendly() -> None:
    assert resolve_zone("Boston") == ZoneMatch("America/New_York", "Boston, US")
    assert resolve_zone("Boston, UK").label == "Boston, GB"
    assert resolve_zone("zurich").label == "Zürich, CH"
    assert resolve_zone("america/chicago") == ZoneMatch("America/Chicago", "America/Chicago")
    assert resolve_zone("EST").label == "US Eastern"


def test_most_populous_city_wins_without_a_hint() -> None:
    assert resolve_zone("Portland").zone == "America/Los_Angeles"  # OR over ME
    assert resolve_zone("London").zone == "Europe/London"  # over London, Ontario


@pytest.mark.parametrize("text", ["Qwertyville", "soon", "8am", "Mars/Olympus", "Boston, France"])
def test_unknown_places_get_the_nearby_city_hint(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        resolve_zone(text)
    assert str(caught.value) == f"I couldn't find a time zone for “{text}”. {CITY_HINT}"


def test_empty_text_gets_the_hint() -> None:
    with pytest.raises(ParseError, match="America/Chicago"):
        resolve_zone("   ")


@pytest.mark.parametrize("text", ["UTC+2", "GMT-5", "utc +05:30", "+0100", "Etc/GMT+3"])
def test_fixed_offsets_are_refused_with_a_city_hint(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        resolve_zone(text)
    message = str(caught.value)
    assert "daylight saving" in message
    assert "city" in message
    assert "Chicago" in message


@pytest.mark.parametrize("text", ["Washington", "Georgia", "Armenia"])
def test_names_of_more_than_one_place_ask_for_the_state_or_country(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        resolve_zone(text)
    assert "more than one place" in str(caught.value)
    assert "Paris, France" in str(caught.value)


@pytest.mark.parametrize("text", ["USA", "Mexico", "Texas"])
def test_areas_with_several_zones_ask_for_a_city(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        resolve_zone(text)
    assert "more than one time zone" in str(caught.value)
    assert "Chicago" in str(caught.value)


# --------------------------------------------------------------------------
# Shared locations


def test_location_in_boston_area() -> None:
    match = zone_from_location(42.3601, -71.0589)
    assert match.zone == "America/New_York"
    assert match.label.endswith(", US")


def test_location_on_lord_howe_island_falls_back_to_zone_name() -> None:
    assert zone_from_location(-31.55, 159.08) == ZoneMatch(
        "Australia/Lord_Howe", "Australia/Lord_Howe"
    )


@pytest.mark.parametrize(("lat", "lon"), [(0.0, -30.0), (91.0, 0.0), (10.0, 200.0)])
def test_location_at_sea_or_impossible_asks_for_a_city(lat: float, lon: float) -> None:
    with pytest.raises(ParseError) as caught:
        zone_from_location(lat, lon)
    assert "nearby city, like Chicago" in str(caught.value)


# --------------------------------------------------------------------------
# Buttons and confirmation


def test_common_zones_are_real_and_cover_the_us_uk_and_central_europe() -> None:
    zones = dict(COMMON_ZONES)
    for zone in zones.values():
        ZoneInfo(zone)
    assert zones["US Eastern"] == "America/New_York"
    assert zones["US Pacific"] == "America/Los_Angeles"
    assert zones["UK"] == "Europe/London"
    assert zones["Central Europe"] == "Europe/Berlin"
    assert {"US Central", "US Mountain", "Alaska", "Hawaii"} <= set(zones)


def test_describe_local_time_for_confirmation() -> None:
    now = datetime(2026, 11, 25, 20, 5, tzinfo=UTC)  # a Wednesday
    assert describe_local_time("America/Chicago", now) == "Wed 14:05"
    assert describe_local_time("Asia/Tokyo", now) == "Thu 05:05"
    assert describe_local_time("Australia/Lord_Howe", now) == "Thu 07:05"


def test_describe_local_time_needs_an_aware_instant() -> None:
    with pytest.raises(ValueError):
        describe_local_time("UTC", datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("text", "zone", "label"),
    [
        ("80202", "America/Denver", "Denver, CO 80202"),
        (" 96813 ", "Pacific/Honolulu", "Honolulu, HI 96813"),
        ("85001", "America/Phoenix", "Phoenix, AZ 85001"),  # Arizona keeps no daylight saving
        ("10001-1234", "America/New_York", "New York, NY 10001"),  # ZIP+4
        ("99501", "America/Anchorage", "Anchorage, AK 99501"),
        ("46001", "America/Indiana/Indianapolis", "Alexandria, IN 46001"),
    ],
)
def test_a_us_zip_code_is_its_zone(text: str, zone: str, label: str) -> None:
    assert resolve_zone(text) == ZoneMatch(zone, label)


@pytest.mark.parametrize("text", ["00000", "99999"])
def test_an_unknown_zip_code_gets_the_hint(text: str) -> None:
    with pytest.raises(ParseError, match=f"I don't know the ZIP code {text}. Try a nearby city"):
        resolve_zone(text)
    with pytest.raises(ParseError, match=f"No conozco el código postal {text}."):
        resolve_zone(text, lang="es")
