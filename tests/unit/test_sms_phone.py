"""Phone numbers: typed any way, stored as E.164, refused with a reason, masked for staff."""

from __future__ import annotations

import pytest

from bot.sms.phone import InvalidPhone, PhoneProblem, mask, parse_phone


@pytest.mark.parametrize(
    "typed",
    [
        "(415) 555-2671",
        "415.555.2671",
        "415-555-2671",
        "4155552671",
        "1 415 555 2671",
        "+1 (415) 555-2671",
        "+14155552671",
        "  415 555 2671  ",
        "４１５５５５２６７１",  # full-width digits, from a phone keyboard in CJK mode
    ],
)
def test_us_numbers_written_any_way(typed: str) -> None:
    assert parse_phone(typed) == "+14155552671"


@pytest.mark.parametrize(
    ("typed", "region"),
    [
        ("+52 55 1234 5678", "US"),
        ("55 1234 5678", "MX"),
        # The "1" after +52 and the 044/045 before a mobile were retired in 2019-2020, but people
        # still write them.
        ("+52 1 55 1234 5678", "US"),
        ("+521 55 1234 5678", "US"),
        ("044 55 1234 5678", "MX"),
        ("045 55 1234 5678", "MX"),
    ],
)
def test_mexican_numbers_with_and_without_the_old_mobile_prefixes(typed: str, region: str) -> None:
    assert parse_phone(typed, region) == "+525512345678"


@pytest.mark.parametrize(
    ("typed", "region"),
    [
        ("+34 612 34 56 78", "US"),
        ("612 34 56 78", "ES"),
        ("612345678", "ES"),
        ("0034 612 345 678", "ES"),
        ("011 34 612 345 678", "US"),  # the US international prefix
    ],
)
def test_spanish_numbers(typed: str, region: str) -> None:
    assert parse_phone(typed, region) == "+34612345678"


def test_the_default_region_only_matters_without_a_plus() -> None:
    assert parse_phone("+34 612 34 56 78", default_region="MX") == "+34612345678"
    assert parse_phone("612 34 56 78", default_region="es") == "+34612345678"


def test_a_valid_number_of_any_type_is_accepted() -> None:
    # A Spanish landline may not take texts; the gateway says so when it tries.
    assert parse_phone("+34 912 34 56 78") == "+34912345678"
    assert parse_phone("1-800-555-0199") == "+18005550199"


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("", PhoneProblem.EMPTY),
        ("   ", PhoneProblem.EMPTY),
        ("call me maybe", PhoneProblem.NOT_A_NUMBER),
        ("+", PhoneProblem.NOT_A_NUMBER),
        ("911", PhoneProblem.TOO_SHORT),
        ("12", PhoneProblem.TOO_SHORT),
        ("+1 415 555 26711111", PhoneProblem.TOO_LONG),
        ("555-2671", PhoneProblem.NEEDS_AREA_CODE),
        ("+999 12345678", PhoneProblem.UNKNOWN_COUNTRY),
        ("+1 415 555 2671 ext. 12", PhoneProblem.EXTENSION),
        ("(123) 456-7890", PhoneProblem.NOT_VALID),  # no US area code starts with 1
        ("+52 1 12 3456 7890", PhoneProblem.NOT_VALID),
    ],
)
def test_bad_input_is_refused_with_a_kind_and_a_reason(typed: str, kind: PhoneProblem) -> None:
    with pytest.raises(InvalidPhone) as raised:
        parse_phone(typed)
    assert raised.value.kind is kind
    assert raised.value.reason and raised.value.reason[-1] == "."
    assert str(raised.value) == raised.value.reason
    assert isinstance(raised.value, ValueError)


def test_every_problem_has_its_own_words() -> None:
    reasons = {InvalidPhone(kind).reason for kind in PhoneProblem}
    assert len(reasons) == len(PhoneProblem)


def test_the_reason_never_repeats_the_number() -> None:
    with pytest.raises(InvalidPhone) as raised:
        parse_phone("415 555 26711111")
    assert "2671" not in raised.value.reason


def test_an_unknown_default_region_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="region") as raised:
        parse_phone("415 555 2671", default_region="XX")
    assert not isinstance(raised.value, InvalidPhone)


@pytest.mark.parametrize(
    ("e164", "masked"),
    [
        ("+14155552667", "+1 ••• ••• ••67"),
        ("+525512345678", "+52 •• •••• ••78"),
        ("+34612345678", "+34 ••• •• •• 78"),
    ],
)
def test_mask_keeps_the_country_code_and_the_last_two_digits(e164: str, masked: str) -> None:
    assert mask(e164) == masked


def test_mask_of_a_parsed_number_shows_no_other_digit() -> None:
    masked = mask(parse_phone("(415) 555-2671"))
    assert [char for char in masked if char.isdigit()] == ["1", "7", "1"]


@pytest.mark.parametrize("stored", ["not a number", "", "+1", "4155552671 7"])
def test_mask_of_something_unexpected_still_hides_it(stored: str) -> None:
    masked = mask(stored)
    digits = [char for char in stored if char.isdigit()]
    assert sum(char.isdigit() for char in masked) <= 2
    assert masked.startswith("••••")
    if len(digits) > 2:
        assert masked.endswith("".join(digits[-2:]))
