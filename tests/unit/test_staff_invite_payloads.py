"""The pure parts of staff invites: the deep-link payload, the link or message to pass on, the
welcome. An invite can never be read as a clinic's patient invite code, and it fits Telegram's
start parameter (at most 64 of [A-Za-z0-9_-])."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.domain.codes import ALPHABET
from bot.services.clinics import CODE_LENGTH, new_invite_code
from bot.services.staff_invites import (
    TOKEN_BYTES,
    expiry_words,
    how_to_join,
    is_invite_payload,
    link_for,
    payload,
    token_of,
    welcome,
)

TELEGRAM_START = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def test_a_payload_fits_telegrams_start_parameter_and_round_trips() -> None:
    for _ in range(200):
        token = secrets.token_urlsafe(TOKEN_BYTES)
        carried = payload(token)
        assert TELEGRAM_START.match(carried), carried
        assert is_invite_payload(carried)
        assert token_of(carried) == token


def test_a_clinic_code_is_never_taken_for_a_staff_invite() -> None:
    assert "-" not in ALPHABET  # what keeps "staff-" out of every clinic code
    for _ in range(500):
        code = new_invite_code()
        assert len(code) == CODE_LENGTH
        assert not is_invite_payload(code) and token_of(code) is None


@given(st.text(alphabet=ALPHABET, min_size=1, max_size=64))
def test_no_code_in_the_clinic_alphabet_is_a_staff_invite(code: str) -> None:
    assert not is_invite_payload(code)


def test_malformed_invites_are_recognised_but_carry_no_token() -> None:
    for text in (
        "staff-",
        "staff-short",
        "staff-" + "x" * 59,
        "staff-abc def ghi jkl mno",
        "STAFF-",
    ):
        assert is_invite_payload(text)
        assert token_of(text) is None
    token = secrets.token_urlsafe(TOKEN_BYTES)
    assert token_of("STAFF-" + token) == token  # the prefix in any case, the token exactly


def test_with_the_bots_username_a_link_and_without_it_the_message_to_send() -> None:
    assert link_for("care_bot", "abc") == "https://t.me/care_bot?start=staff-abc"
    assert link_for(None, "abc") == "/start staff-abc"
    offline = how_to_join(None, "abc", "staff", "on Sat 28 Nov")
    assert "/start staff-abc" in offline and "t.me" not in offline
    assert "works once" in offline and "on Sat 28 Nov" in offline
    online = how_to_join("care_bot", "abc", "admin", "on Sat 28 Nov")
    assert "https://t.me/care_bot?start=staff-abc" in online and "admin" in online


def test_expiry_in_words() -> None:
    assert expiry_words() == "3 days"
    assert expiry_words(timedelta(hours=36)) == "36 hours"
    assert expiry_words(timedelta(hours=24)) == "24 hours"


def test_the_welcome_says_what_staff_can_do_and_admins_also_invite() -> None:
    text = welcome("Robin Lee", "Northside Clinic", "staff")
    assert text.startswith("Welcome to the care team at Northside Clinic, Robin!")
    for command in ("/alerts", "/summary", "/patient", "/dashboard"):
        assert command in text
    assert "/invite_staff" not in text
    assert "/invite_staff" in welcome("Robin Lee", "Northside Clinic", "admin")
    assert welcome("", "Northside Clinic", "staff").startswith(
        "Welcome to the care team at Northside Clinic, there!"
    )
