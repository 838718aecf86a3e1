"""Button data that names a row carries a tag for the patient it was made for, and still fits in
Telegram's 64 bytes at its longest."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.db.models import Alert, AlertStatus
from bot.domain import callback_tags, checkins, reminders
from bot.domain.callback_tags import MAX_CALLBACK_BYTES, Kind
from bot.domain.checkins import Answers, Use
from bot.domain.inputs import MAX_ID
from bot.domain.replies import Button
from bot.services import alerts, support

# The largest values a button can carry: ids at the top of an INTEGER column, and the latest
# instant the dose parser accepts (ten digits of epoch seconds).
LATEST = datetime.fromtimestamp(10**10 - 1, tz=UTC)
ACTIONS = ("confirm", "decline", "revoke", "cancel")


def _data(buttons: tuple[tuple[Button, ...], ...]) -> list[str]:
    return [button.data for row in buttons for button in row]


def _alert(status: AlertStatus) -> Alert:
    now = datetime(2026, 11, 25, 15, tzinfo=UTC)
    return Alert(
        id=MAX_ID,
        clinic_id=MAX_ID,
        patient_id=MAX_ID,
        kind="crisis:suicide_self_harm",
        severity="urgent",
        status=status,
        summary="URGENT",
        created_at=now,
        occurrences=1,
        last_seen_at=now,
        acknowledged_by=MAX_ID,
        acknowledged_at=now,
    )


def every_longest_button() -> dict[str, list[str]]:
    """Every button that names a row, built with the largest ids, by kind of tap."""
    dose = [
        *_data(reminders.dose_buttons(MAX_ID, LATEST, MAX_ID)),
        *_data(reminders.snooze_buttons(MAX_ID, LATEST, MAX_ID)),
        *_data(reminders.skip_reason_buttons(MAX_ID, LATEST, MAX_ID)),
        *_data(reminders.injection_buttons(MAX_ID, LATEST, MAX_ID)),
    ]
    stages = (Answers(), Answers(craving=10), Answers(craving=10, mood=5))
    check_in = [
        data
        for answers in stages
        for data in _data(checkins.question_reply(MAX_ID, answers, patient_id=MAX_ID).buttons)
    ] + _data(checkins.note_buttons(MAX_ID, MAX_ID))
    alert = [
        data
        for status in (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)
        for data in _data(alerts.card(_alert(status), {}, "America/Chicago").buttons)
    ]
    links = [support.tap_data(action, MAX_ID, MAX_ID) for action in ACTIONS]
    return {"dose": dose, "check-in": check_in, "alert": alert, "support": links}


@pytest.mark.parametrize("kind", ["dose", "check-in", "alert", "support"])
def test_the_longest_data_of_every_tap_kind_fits_telegrams_limit(kind: str) -> None:
    found = every_longest_button()[kind]
    assert found, f"no {kind} buttons were built"
    too_long = [data for data in found if len(data.encode()) > MAX_CALLBACK_BYTES]
    assert too_long == []
    assert all(callback_tags.SEPARATOR in data for data in found), found


def test_every_tagged_button_parses_back_to_the_row_and_patient_it_was_made_for() -> None:
    buttons = every_longest_button()
    for data in buttons["dose"]:
        dose = reminders.parse_tap(data)
        assert dose is not None, data
        assert (dose.schedule_id, dose.due_at) == (MAX_ID, LATEST)
        assert dose.made_for(MAX_ID) and not dose.made_for(MAX_ID - 1)
    for data in buttons["check-in"]:
        answer = checkins.parse_tap(data)
        assert answer is not None, data
        assert answer.check_in_id == MAX_ID
        assert answer.made_for(MAX_ID) and not answer.made_for(MAX_ID - 1)
    for data in buttons["alert"]:
        card = alerts.parse_tap(data)
        assert card is not None and card.alert_id == MAX_ID, data
        assert callback_tags.matches(card.tag, Kind.ALERT, MAX_ID, MAX_ID)
    for data in buttons["support"]:
        link = support.parse_tap(data)
        assert link is not None and link.link_id == MAX_ID, data
        assert callback_tags.matches(link.tag, Kind.SUPPORT, MAX_ID, MAX_ID)


def test_a_reused_id_under_another_patient_does_not_match() -> None:
    # The same id and kind, made for patient 7, tapped when the id names patient 8's row.
    for kind in Kind:
        made = callback_tags.tag(kind, 41, 7)
        assert callback_tags.matches(made, kind, 41, 7)
        assert not callback_tags.matches(made, kind, 41, 8)
        assert not callback_tags.matches(made, kind, 42, 7)
    # Kinds are told apart too: a check-in's tag says nothing about the alert with that id.
    assert not callback_tags.matches(callback_tags.tag(Kind.CHECK_IN, 41, 7), Kind.ALERT, 41, 7)


def test_cards_from_before_tags_parse_with_no_tag_and_never_match() -> None:
    old = {
        "d:12:1795950000:t": reminders.parse_tap,
        "d:12:1795950000:r:side": reminders.parse_tap,
        "c:5:k:7": checkins.parse_tap,
        "a:9:res": alerts.parse_tap,
        "sp:cancel:3": support.parse_tap,
    }
    for data, parse in old.items():
        tap = parse(data)
        assert tap is not None, data
        assert tap.tag is None
    assert not callback_tags.matches(None, Kind.ALERT, 9, 1)


@pytest.mark.parametrize(
    "forged",
    ["a:9:res~", "a:9:res~~abcdef", "a:9~abcdef:res", "c:5:k:7~abcdef~", "d:12:1795950000:t~é"],
)
def test_garbled_tags_parse_but_match_nothing(forged: str) -> None:
    parsers = {"a": alerts.parse_tap, "c": checkins.parse_tap, "d": reminders.parse_tap}
    tap = parsers[forged[0]](forged)
    if tap is None:
        return  # refused outright, which is fine too
    for kind in Kind:
        for patient in (1, 9, MAX_ID):
            assert not callback_tags.matches(tap.tag, kind, 9, patient)


def test_untagged_data_is_what_old_callers_still_build() -> None:
    # Kept for tests that reproduce cards sent before tags.
    assert reminders.tap_data(12, LATEST, "t") == f"d:12:{10**10 - 1}:t"
    assert checkins.tap_data(5, checkins.Question.USE, Use.NO.value) == "c:5:u:no"
    assert alerts.tap_data(9, alerts.RESOLVE) == "a:9:res"
    assert support.tap_data("cancel", 3) == "sp:cancel:3"
