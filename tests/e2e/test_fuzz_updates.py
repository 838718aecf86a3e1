"""Hostile input, through the real python-telegram-bot and the fake Bot API, on both databases.

Hypothesis generates sequences of updates (random text and Unicode, 4096-character messages,
commands with garbage, forged or cut-down callback data, edited messages, photos, stickers,
voice, locations in and out of range, contacts, group chats, the bot added to a group, channel
posts, people with no username or a name full of HTML) for four kinds of people: someone who is
not enrolled, someone part-way through onboarding, an enrolled patient and a staff member. For
every example: no handler fails, each message gets a sensible reply or a deliberate silence,
callback queries are always answered, what the bot sends is valid for Telegram, and nothing is
written for someone who is not enrolled (see tests/e2e/fuzz_support.py).

One bot runs per database for the whole module (starting it per example would take far
longer than the examples); each generated test runs 50 examples, and
``FUZZ_EXAMPLES=500 .venv/bin/python -m pytest tests/e2e/test_fuzz_updates.py`` a longer
campaign. The named regression cases below show each category explicitly. The bugs the fuzzing
found are cases marked ``xfail(strict=True)``: fixing one makes its case pass, which fails the
run until the mark (and the matching entry in ``known_tap_bug`` / ``known_text_bug``, which the
generated examples step around) is removed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st

from bot.domain import texts
from tests.e2e.fuzz_support import (
    ELSEWHERE_KINDS,
    GROUP_KINDS,
    MAX_CALLBACK_DATA,
    MAX_TEXT,
    MEDIA_KINDS,
    STAFF_CHAT,
    BotThread,
    Edit,
    Elsewhere,
    Forwarded,
    InGroup,
    Media,
    Place,
    Press,
    Report,
    Say,
    Step,
    Tap,
    Who,
    known_text_bug,
)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def fuzz_bot(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    pg_template: str | None,
) -> Iterator[BotThread]:
    directory: Path = tmp_path_factory.mktemp("fuzz")
    with BotThread(request.param, directory, pg_template) as bot:
        yield bot


# --------------------------------------------------------------------------------------------
# Strategies
# --------------------------------------------------------------------------------------------

# Everything a JSON string can carry (no lone surrogates): controls, NUL, RTL marks, emoji...
ALPHABET = st.characters(exclude_categories=["Cs"])
ODD = [
    "\x00",
    "\x01\x02\x07\x1b[31m\x7f",
    "\u0085\u2028\u2029",
    "\r\n\t\v\f",
    "\u202e\u202d\u200f\u200e",
    "\u200b\u200c\u200d\u2060\ufeff",
    "👩‍👩‍👧‍👦🏳️‍🌈💊🍺",
    "Z\u0336\u0337\u0338\u0334\u0335",
    "\U000e0041\U000e007f",  # tag characters
    "\ufffd\uffff\U0010ffff",
    "ﷺ﷽",
    "<b>x</b><script>alert(1)</script>",
    "<a href='tg://user?id=1'>me</a> &amp; &lt; &#0;",
    "*bold* _it_ `code` [link](http://x) ||spoiler||",
    "'; DROP TABLE patients; --",
    "%s %d {0} {name} $(rm -rf /)",
    "%_\\",
]
WORDS = [
    "yes",
    "no",
    "I agree",
    "No thanks",
    "Chicago",
    "America/Chicago",
    "UTC+5",
    "Mars/Olympus",
    "daily",
    "weekly",
    "monthly",
    "injection",
    "8am",
    "20:30",
    "25:99",
    "100/100/150 mg Mon/Wed/Fri",
    "skip",
    "DELETE",
    "0",
    "10",
    "-1",
    "cancel",
    "can I drink on naltrexone?",
]
CRISIS = [
    "I want to kill myself",
    "i took too many pills and can't breathe",
    "I'm using right now",
    "I relapsed last night",
]
COMMANDS = [
    "start",
    "help",
    "cancel",
    "sos",
    "leave",
    "stop",
    "mydata",
    "delete",
    "schedule",
    "pause",
    "resume",
    "checkin",
    "progress",
    "support",
    "summary",
    "patient",
    "alerts",
    "dashboard",
    "unknown",
    "START",
    "Help",
]
ARGUMENTS = [
    "settings",
    "sp_",
    "sp_" + "A" * 40,
    "sp_../../etc",
    "ABCD2345",
    "abcd-2345",
    "Pat",
    "%",
    "_",
    "<b>x</b><script>",
    "1 2 3 4 5 6 7 8 9",
]

random_text = st.text(ALPHABET, min_size=1, max_size=120)
odd_text = st.lists(st.one_of(st.sampled_from(ODD), random_text), min_size=1, max_size=4).map(
    "".join
)
# Exactly 4096 characters: the most Telegram delivers in one message.
long_text = st.text(ALPHABET, min_size=1, max_size=6).map(lambda unit: (unit * MAX_TEXT)[:MAX_TEXT])
command_text = st.builds(
    lambda name, at, args: f"/{name}{at}{' ' + args if args else ''}",
    st.one_of(st.sampled_from(COMMANDS), st.from_regex(r"[A-Za-z0-9_]{1,40}", fullmatch=True)),
    st.sampled_from(["", "", "@fake_test_bot", "@other_bot"]),
    st.one_of(
        st.just(""),
        st.sampled_from(ARGUMENTS),
        random_text,
        odd_text,
        st.from_regex(r"[A-Z2-9]{8}", fullmatch=True),
    ),
)
known_text = st.sampled_from(WORDS + CRISIS)
mixed_text = st.builds(lambda a, b: f"{a} {b}", known_text, st.one_of(odd_text, random_text))
any_text = st.one_of(random_text, odd_text, long_text, command_text, known_text, mixed_text)

PREFIXES = ["d", "c", "cc", "sos", "cv", "a", "pt", "sp", "set", "sf", "ob", "stop", ""]
FIELD_WORDS = [
    "t",
    "z",
    "z15",
    "z99",
    "s",
    "y",
    "n",
    "r",
    "out",
    "k",
    "m",
    "u",
    "skip",
    "yes",
    "no",
    "ack",
    "resolve",
    "confirm",
    "decline",
    "revoke",
    "cancel",
    "call",
    "time",
    "zone",
    "wording",
    "checkin",
]
numbers = st.one_of(
    st.integers(0, 60).map(str),
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(["1700000000", "2147483648", "9223372036854775808", "00", "-0", "1e9"]),
    st.sampled_from(["²", "①", "٣", "１", "໑", "0x1f", " 1", "1_0"]),
)
data_field = st.one_of(numbers, st.sampled_from(FIELD_WORDS), st.text(ALPHABET, max_size=8))
structured_data = st.builds(
    lambda prefix, fields: ":".join([prefix, *fields]),
    st.sampled_from(PREFIXES),
    st.lists(data_field, max_size=4),
)
exact_data = st.sampled_from(
    [
        "sos:call",
        "cc:yes",
        "cc:no",
        "stop:yes",
        "stop:no",
        "set:wording",
        "set:time",
        "set:zone",
        "set:checkin",
        "",
        ":",
        "::::",
        "a:1:ack",
        "pt:1",
        "sp:confirm:1",
        "c:1:k:3",
        "d:1:1700000000:t",
        "ob:1:yes",
    ]
)
callback_data = st.one_of(
    structured_data, exact_data, st.text(ALPHABET, max_size=MAX_CALLBACK_DATA)
).map(lambda data: data.encode()[:MAX_CALLBACK_DATA].decode(errors="ignore"))

latitudes = st.one_of(
    st.floats(-90, 90), st.floats(-1e9, 1e9), st.sampled_from([90.0, -90.0, 91.0, 1e308])
)
longitudes = st.one_of(
    st.floats(-180, 180), st.floats(-1e9, 1e9), st.sampled_from([180.0, -180.0, 181.0, -1e308])
)

private_step: st.SearchStrategy[Step] = st.one_of(
    st.builds(Say, any_text),
    st.builds(Say, command_text),
    st.builds(Forwarded, any_text),
    st.builds(Edit, any_text, st.booleans()),
    st.builds(Media, st.sampled_from(MEDIA_KINDS), st.one_of(st.just(""), random_text)),
    st.builds(Place, latitudes, longitudes, st.booleans()),
    st.builds(Tap, callback_data, st.booleans(), st.booleans()),
    st.builds(
        Press,
        st.integers(0, 40),
        st.sampled_from(["none", "none", "cut", "number", "append", "drop"]),
        st.one_of(numbers, st.text(ALPHABET, max_size=10)),
        st.integers(0, 64),
    ),
    st.builds(InGroup, st.sampled_from(GROUP_KINDS), any_text, st.booleans()),
    st.builds(Elsewhere, st.sampled_from(ELSEWHERE_KINDS), random_text),
)
steps = st.lists(private_step, min_size=1, max_size=6)

HOSTILE_NAMES = [
    "<b>x</b><script>alert(1)</script>",
    "</b></i></code>",
    "&amp;&lt;&gt;&#x27;",
    "\u202eevil\u202c",
    "\u200b",
    " ",
    'O\'Brien "Bob"',
    "Ω" * 64,
    "@everyone",
    "/start",
]
names = st.one_of(st.sampled_from(HOSTILE_NAMES), st.text(ALPHABET, min_size=1, max_size=64))
users = st.fixed_dictionaries(
    {"first_name": names},
    optional={
        "last_name": names,
        "username": st.from_regex(r"[A-Za-z][A-Za-z0-9_]{4,31}", fullmatch=True),
        "language_code": st.sampled_from(["en", "ar", "he", "zh-hans", "xx-invalid"]),
        "is_premium": st.just(True),
    },
)


def _user_is_clean(bot: BotThread, user: dict[str, Any], name: str = "") -> bool:
    """Names with NUL would only hit the NUL bug already reported on Postgres."""
    values = [str(v) for v in user.values()] + [name]
    return all(known_text_bug(value, bot.postgres) is None for value in values)


def _count_skips(report: Report) -> None:
    for reason in report.skipped:
        event(f"step skipped: {reason}")


# --------------------------------------------------------------------------------------------
# Generated examples
# --------------------------------------------------------------------------------------------


@FUZZ
@given(steps=steps, user=users)
# Found by CI: a stranger's edited photo caption reading like "kill myself" gets the crisis
# resources, as a text would.
@example(steps=[Edit("K1L:MYSEL", caption=True)], user={"first_name": "Pat"})
def test_fuzz_someone_not_enrolled(
    fuzz_bot: BotThread, steps: list[Step], user: dict[str, Any]
) -> None:
    assume(_user_is_clean(fuzz_bot, user))
    _count_skips(fuzz_bot.example(Who.STRANGER, steps, user=user))


@FUZZ
@given(steps=steps, user=users)
def test_fuzz_someone_onboarding(
    fuzz_bot: BotThread, steps: list[Step], user: dict[str, Any]
) -> None:
    assume(_user_is_clean(fuzz_bot, user))
    _count_skips(fuzz_bot.example(Who.VISITOR, steps, user=user))


@FUZZ
@given(steps=steps, user=users, name=names)
def test_fuzz_enrolled_patient(
    fuzz_bot: BotThread, steps: list[Step], user: dict[str, Any], name: str
) -> None:
    assume(_user_is_clean(fuzz_bot, user, name))
    _count_skips(fuzz_bot.example(Who.PATIENT, steps, user=user, name=name[:200]))


staff_step = st.one_of(
    private_step,
    st.builds(
        Say,
        st.builds(
            lambda name, args: f"/{name} {args}".strip(),
            st.sampled_from(["summary", "patient", "alerts", "dashboard", "help", "start"]),
            st.one_of(st.just(""), st.sampled_from([*ARGUMENTS, "Ana", "Ω", "rtl"]), odd_text),
        ),
    ),
)


@FUZZ
@given(steps=st.lists(staff_step, min_size=1, max_size=6), user=users)
def test_fuzz_staff_member(fuzz_bot: BotThread, steps: list[Step], user: dict[str, Any]) -> None:
    assume(_user_is_clean(fuzz_bot, user))
    _count_skips(fuzz_bot.example(Who.STAFF, steps, user=user))


# --------------------------------------------------------------------------------------------
# Named regression cases: each category once, explicitly
# --------------------------------------------------------------------------------------------

HTML = "<b>x</b><script>alert(1)</script>"
CRISIS_TEXT = "I want to kill myself"
Check = Callable[[Report], None]


def says(index: int, *fragments: str) -> Check:
    """Step ``index``'s replies, together, contain every fragment."""

    def check(report: Report) -> None:
        said = "\n".join(report.step(index).texts)
        for fragment in fragments:
            assert fragment in said, f"{fragment!r} not in the reply to step {index}: {said!r}"

    return check


def notice(index: int, text: str) -> Check:
    def check(report: Report) -> None:
        assert report.step(index).notice == text, report.step(index).notice

    return check


def both(*checks: Check) -> Check:
    def check(report: Report) -> None:
        for each in checks:
            each(report)

    return check


@dataclass(frozen=True)
class Case:
    who: Who
    steps: tuple[Step, ...]
    check: Check | None = None
    user: dict[str, Any] | None = None
    name: str = "Pat"


def _crisis_at_the_end() -> str:
    text = "x" * (MAX_TEXT - len(CRISIS_TEXT) - 1) + " " + CRISIS_TEXT
    assert len(text) == MAX_TEXT
    return text


ONBOARD = (
    Say("I agree"),
    Say("Chicago"),
    Say("yes"),
    Say("daily"),
    Say("8pm"),
    Say("weekly"),
    Say("7pm"),
    Say("yes"),
)
NO_ID = {"first_name": HTML}  # no last name, no username

CASES: dict[str, Case] = {
    # Text and Unicode
    "control-characters": Case(
        Who.STRANGER, (Say("\x01\x02\x07\x1b[31m\x7f\u0085"),), says(0, "recovery companion")
    ),
    "rtl-and-zero-width-only": Case(Who.STRANGER, (Say("\u202e\u200f\u200b\u2060\ufeff"),)),
    "emoji-sequences": Case(Who.PATIENT, (Say("👩‍👩‍👧‍👦🏳️‍🌈💊" * 50),)),
    "combining-marks": Case(Who.PATIENT, (Say("Z" + "\u0336" * 4000),)),
    "nul-in-a-question": Case(Who.PATIENT, (Say("can I drink\x00 on it?"),)),
    "markup-lookalikes": Case(Who.PATIENT, (Say("<b>x</b> *y* [z](http://e) &amp; ||s||"),)),
    "4096-ascii-from-a-stranger": Case(Who.STRANGER, (Say("a" * MAX_TEXT),)),
    "4096-emoji-from-a-patient": Case(Who.PATIENT, (Say("💊" * MAX_TEXT),)),
    "4096-with-a-crisis-at-the-end": Case(
        Who.PATIENT, (Say(_crisis_at_the_end()),), says(0, "988")
    ),
    "4096-as-a-consent-answer": Case(Who.VISITOR, (Say("y" * MAX_TEXT),), says(0, "I agree")),
    # Commands
    "start-without-code": Case(Who.STRANGER, (Say("/start"),), says(0, texts.NO_INVITE)),
    "start-with-html-code": Case(
        Who.STRANGER, (Say(f"/start {HTML}"),), says(0, "couldn't find an invite")
    ),
    "start-with-4096-characters": Case(
        Who.STRANGER, (Say("/start " + "A" * (MAX_TEXT - 7)),), says(0, "couldn't find an invite")
    ),
    "start-forged-support-link": Case(
        Who.STRANGER, (Say("/start sp_AAAAAAAA"),), says(0, "expired")
    ),
    "start-addressed-to-the-bot": Case(
        Who.STRANGER, (Say("/start@fake_test_bot"),), says(0, texts.NO_INVITE)
    ),
    "command-for-another-bot": Case(Who.STRANGER, (Say("/help@other_bot"),)),
    "unknown-command": Case(Who.STRANGER, (Say("/unknown"),), says(0, texts.UNKNOWN_COMMAND)),
    "staff-commands-from-a-stranger": Case(
        Who.STRANGER,
        (Say("/summary"), Say(f"/patient {HTML}"), Say("/dashboard"), Say("/alerts")),
        both(*(says(i, texts.UNKNOWN_COMMAND) for i in range(4))),
    ),
    "staff-command-from-a-patient": Case(
        Who.PATIENT, (Say("/alerts"),), says(0, texts.UNKNOWN_COMMAND)
    ),
    "patient-commands-from-a-stranger": Case(
        Who.STRANGER,
        (Say("/checkin settings"), Say("/progress"), Say("/mydata"), Say("/delete")),
        both(
            says(0, texts.NOT_ENROLLED), says(1, texts.NOT_ENROLLED), says(2, texts.NOTHING_STORED)
        ),
    ),
    "uppercase-command": Case(Who.PATIENT, (Say("/HELP"),)),
    "cancel-with-nothing-going-on": Case(
        Who.STRANGER, (Say("/cancel"),), says(0, texts.NOTHING_TO_CANCEL)
    ),
    "delete-answered-with-garbage": Case(
        Who.PATIENT, (Say("/delete"), Say("nope 💥")), says(1, texts.NOT_DELETED)
    ),
    "staff-patient-search-with-html": Case(
        Who.STAFF, (Say("/patient <b>zq</b><script>"),), says(0, "No patient of your clinic")
    ),
    "staff-patient-search-with-wildcards": Case(Who.STAFF, (Say("/patient %_"),)),
    # Callback data: forged, truncated, altered
    "forged-onboarding-button": Case(
        Who.STRANGER, (Tap("ob:0:yes"),), notice(0, texts.STALE_BUTTON)
    ),
    "empty-callback-data": Case(Who.STRANGER, (Tap(""),), notice(0, texts.STALE_BUTTON)),
    "64-bytes-of-random-data": Case(Who.STRANGER, (Tap("ÿ" * 32),)),
    "button-on-a-message-that-is-gone": Case(
        Who.STRANGER, (Tap("sos:call", on_message=False),), notice(0, texts.STALE_BUTTON)
    ),
    "forged-dose-button": Case(Who.STRANGER, (Tap("d:1:1700000000:t"),)),
    "button-in-a-group": Case(Who.PATIENT, (Tap("sos:call", in_group=True),)),
    "someone-elses-alert": Case(Who.PATIENT, (Tap("a:1:ack"),)),
    "forged-button-on-a-chart": Case(Who.PATIENT, (Say("/progress"), Tap("set:wording"))),
    "truncated-check-in-button": Case(Who.PATIENT, (Say("/checkin"), Press(0, "cut", cut=3))),
    "altered-check-in-number": Case(Who.PATIENT, (Say("/checkin"), Press(0, "number", "7"))),
    "check-in-field-dropped": Case(Who.PATIENT, (Say("/checkin"), Press(2, "drop", cut=1))),
    "stale-onboarding-revision": Case(
        Who.VISITOR, (Press(0, "number", "99"),), notice(0, texts.STALE_BUTTON)
    ),
    "staff-forged-patient-button": Case(
        Who.STAFF, (Tap("pt:999999"),), notice(0, "That patient isn't available to you.")
    ),
    "staff-truncated-alert-button": Case(Who.STAFF, (Say("/alerts"), Press(0, "cut", cut=4))),
    # Edited messages
    "edited-text-is-silent": Case(Who.PATIENT, (Say("hello"), Edit("hello again"))),
    "edited-command-is-silent": Case(Who.STRANGER, (Edit("/start ABCD2345"),)),
    "edited-crisis-from-a-stranger": Case(Who.STRANGER, (Edit(CRISIS_TEXT),), says(0, "988")),
    "edited-crisis-from-a-patient": Case(
        Who.PATIENT, (Say("hi"), Edit(CRISIS_TEXT)), says(1, "988")
    ),
    "edited-caption-is-silent": Case(Who.PATIENT, (Edit("a new caption", caption=True),)),
    # Photos, stickers, voice, contacts...
    "every-kind-of-media": Case(
        Who.STRANGER,
        tuple(Media(kind) for kind in MEDIA_KINDS),
        both(*(says(i, texts.TEXT_ONLY) for i, k in enumerate(MEDIA_KINDS) if k != "venue")),
    ),
    "photo-during-onboarding": Case(
        Who.VISITOR, (Media("photo"),), says(0, texts.TEXT_ONLY, "Before we start")
    ),
    "sticker-from-staff": Case(Who.STAFF, (Media("sticker"),)),
    "someone-elses-contact": Case(Who.PATIENT, (Media("other contact", HTML),)),
    # Locations
    "location-nobody-asked-for": Case(
        Who.STRANGER, (Place(41.88, -87.63),), says(0, texts.NOT_NOW_LOCATION)
    ),
    "venue-nobody-asked-for": Case(Who.PATIENT, (Media("venue"),), says(0, texts.NOT_NOW_LOCATION)),
    "location-out-of-range-at-the-zone-step": Case(
        Who.VISITOR, (Say("I agree"), Place(91.0, 181.0)), says(1, "couldn't find a time zone")
    ),
    "location-at-the-pole": Case(Who.VISITOR, (Say("I agree"), Place(-90.0, -180.0))),
    "location-at-1e308": Case(Who.VISITOR, (Say("I agree"), Place(1e308, -1e308))),
    "live-location": Case(Who.PATIENT, (Place(47.61, -122.33, live=True),)),
    "location-out-of-range-in-settings": Case(
        Who.PATIENT, (Say("/schedule"), Tap("set:zone"), Place(0.0, 500.0))
    ),
    # Groups and channels: the bot talks in private chats only
    "bot-added-to-a-group": Case(Who.STRANGER, (InGroup("bot added"),)),
    "group-created-with-the-bot": Case(Who.STRANGER, (InGroup("group created"),)),
    "bot-removed-from-a-group": Case(Who.STRANGER, (InGroup("bot removed"),)),
    "group-migrated-to-supergroup": Case(Who.STRANGER, (InGroup("migrated"),)),
    "start-with-a-code-in-a-group": Case(
        Who.STRANGER, (InGroup("text", "/start@fake_test_bot ABCD2345"),)
    ),
    "patient-writes-in-a-supergroup": Case(
        Who.PATIENT, (InGroup("text", "/checkin", supergroup=True), InGroup("photo", HTML))
    ),
    "updates-outside-allowed-updates": Case(
        Who.STRANGER, tuple(Elsewhere(kind) for kind in ELSEWHERE_KINDS)
    ),
    "updates-outside-allowed-updates-patient": Case(
        Who.PATIENT, tuple(Elsewhere(kind, CRISIS_TEXT) for kind in ELSEWHERE_KINDS)
    ),
    # People with no username, or a name full of HTML
    "html-name-stranger": Case(Who.STRANGER, (Say("/start"), Say("/help")), user=NO_ID),
    "zero-width-name": Case(Who.STRANGER, (Say("hi"),), user={"first_name": "\u200b"}),
    "html-name-onboards-to-the-end": Case(
        Who.VISITOR,
        ONBOARD,
        says(-1, "You're all set"),
        user={"first_name": HTML, "last_name": "</b>&amp;"},
    ),
    "html-name-asks-for-support": Case(Who.PATIENT, (Say("/support"),), user=NO_ID, name=HTML),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_regression(fuzz_bot: BotThread, case: Case) -> None:
    report = fuzz_bot.example(case.who, case.steps, user=case.user, name=case.name)
    if case.check is not None:
        case.check(report)


def test_a_name_full_of_html_reaches_staff_as_plain_text(fuzz_bot: BotThread) -> None:
    fuzz_bot.example(Who.PATIENT, [Say("/sos"), Press(0)], name=HTML)
    assert fuzz_bot.harness is not None
    staff = fuzz_bot.run(fuzz_bot.harness.delivered(STAFF_CHAT))
    card = next(m for m in reversed(staff) if HTML in (m.plain_text or ""))
    assert card.parse_mode is None and "used /sos" in (card.plain_text or "")


# --------------------------------------------------------------------------------------------
# Bugs the fuzzing found, fixed: each case that showed one stays as a regression test
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bug:
    case: Case
    reason: str
    databases: tuple[str, ...] = ("sqlite", "postgres")


DIGITS = (
    "str.isdigit() is true for '²' (and other non-decimal digits), int() then raises "
    "ValueError in the tap handler: the query is never answered and SORRY is sent"
)
RANGE = (
    "a forged id beyond the INTEGER column reaches the query (Postgres: above 2**31-1, "
    "DBAPIError; SQLite: above 2**63-1, OverflowError): never answered, SORRY sent"
)
NUL = (
    "Postgres refuses U+0000 in a query argument (DBAPIError 'invalid byte sequence for "
    "encoding UTF8: 0x00'): SORRY sent"
)
BIG, HUGE = "2147483648", "9223372036854775808"

FORMER_BUGS: dict[str, Bug] = {
    "onboarding-tap": Bug(Case(Who.STRANGER, (Tap("ob:²:yes"),)), DIGITS),
    "settings-tap": Bug(Case(Who.PATIENT, (Tap("sf:²:x"),)), DIGITS),
    "dose-tap-schedule-id": Bug(Case(Who.STRANGER, (Tap("d:²:1700000000:t"),)), DIGITS),
    "dose-tap-snooze": Bug(Case(Who.STRANGER, (Tap("d:1:1700000000:z²"),)), DIGITS),
    "check-in-tap-id": Bug(Case(Who.STRANGER, (Tap("c:²:k:3"),)), DIGITS),
    "check-in-tap-craving": Bug(Case(Who.STRANGER, (Tap("c:1:k:²"),)), DIGITS),
    "check-in-tap-mood": Bug(Case(Who.STRANGER, (Tap("c:1:m:²"),)), DIGITS),
    "alert-tap": Bug(Case(Who.STRANGER, (Tap("a:²:ack"),)), DIGITS),
    "support-tap": Bug(Case(Who.STRANGER, (Tap("sp:confirm:①"),)), DIGITS),
    "staff-patient-tap": Bug(Case(Who.STAFF, (Tap("pt:²"),)), DIGITS),
    "dose-id-above-int32": Bug(
        Case(Who.STRANGER, (Tap(f"d:{BIG}:1700000000:t"),)), RANGE, ("postgres",)
    ),
    "check-in-id-above-int32": Bug(
        Case(Who.STRANGER, (Tap(f"c:{BIG}:k:3"),)), RANGE, ("postgres",)
    ),
    "support-id-above-int32": Bug(
        Case(Who.STRANGER, (Tap(f"sp:confirm:{BIG}"),)), RANGE, ("postgres",)
    ),
    "alert-id-above-int32": Bug(Case(Who.STAFF, (Tap(f"a:{BIG}:ack"),)), RANGE, ("postgres",)),
    "patient-id-above-int32": Bug(Case(Who.STAFF, (Tap(f"pt:{BIG}"),)), RANGE, ("postgres",)),
    "dose-id-above-int64": Bug(Case(Who.STRANGER, (Tap(f"d:{HUGE}:1700000000:t"),)), RANGE),
    "check-in-id-above-int64": Bug(Case(Who.STRANGER, (Tap(f"c:{HUGE}:k:3"),)), RANGE),
    "support-id-above-int64": Bug(Case(Who.STRANGER, (Tap(f"sp:confirm:{HUGE}"),)), RANGE),
    "alert-id-above-int64": Bug(Case(Who.STAFF, (Tap(f"a:{HUGE}:ack"),)), RANGE),
    "patient-id-above-int64": Bug(Case(Who.STAFF, (Tap(f"pt:{HUGE}"),)), RANGE),
    "nul-in-a-support-link": Bug(Case(Who.STRANGER, (Say("/start sp_\x00"),)), NUL, ("postgres",)),
    "nul-in-a-check-in-note": Bug(
        Case(Who.PATIENT, (Say("/checkin"), Press(0), Press(0), Press(0), Say("a note\x00"))),
        NUL,
        ("postgres",),
    ),
    "nul-in-a-staff-search": Bug(Case(Who.STAFF, (Say("/patient \x00"),)), NUL, ("postgres",)),
    "nul-in-a-name-at-enrolment": Bug(
        Case(Who.VISITOR, ONBOARD, user={"first_name": "Pa\x00t"}), NUL, ("postgres",)
    ),
}


@pytest.mark.parametrize("bug", FORMER_BUGS.values(), ids=FORMER_BUGS.keys())
def test_former_bug_stays_fixed(fuzz_bot: BotThread, bug: Bug) -> None:
    """The inputs that crashed a handler before bot/domain/inputs.py: a sensible answer now."""
    case = bug.case
    fuzz_bot.example(case.who, case.steps, user=case.user, name=case.name, sidestep=False)
