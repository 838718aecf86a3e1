"""Phone numbers as people type them, made into E.164, and masked for staff lists.

Staff type numbers the way they were written on an intake form: "(415) 555-2671",
"415.555.2671", "+52 1 55 1234 5678". Twilio wants E.164 ("+14155552671") and so do we, as the
one key a number is stored and looked up by: an inbound text's ``From`` is E.164, so a number
saved any other way would never match its own replies. Parsing and validity are Google's
libphonenumber rules (the ``phonenumbers`` port), not a hand-written pattern that is right for
one country.

Mexico dropped its mobile prefixes in 2019-2020 (the "1" after +52, and the 044/045 dialled
before a mobile at home), but people still write them and libphonenumber now calls such numbers
invalid; :func:`parse_phone` drops them instead of refusing a number everyone can read.

A valid number is accepted whatever its type. Whether it takes texts is only certain once the
gateway has tried (Twilio answers that a landline is not a mobile), and refusing a valid number
here would block a clinic whose patient's "landline" is a VoIP line that does.

Numbers are personal data: :func:`mask` is what a staff list shows, keeping the country code
and the last two digits, which is enough to tell two patients apart and too little to call.
"""

from __future__ import annotations

import re
from enum import StrEnum

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat, ValidationResult

__all__ = ["InvalidPhone", "PhoneProblem", "mask", "parse_phone"]

_MASK = "•"
_DIGITS = re.compile(r"\d+")


class PhoneProblem(StrEnum):
    """Why a number was refused; the caller picks its own words (and language) from this."""

    EMPTY = "empty"
    NOT_A_NUMBER = "not_a_number"
    UNKNOWN_COUNTRY = "unknown_country"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    NEEDS_AREA_CODE = "needs_area_code"
    EXTENSION = "extension"
    NOT_VALID = "not_valid"


# Plain English for staff (the CLI and /invite). Not through the catalog yet: wiring SMS in
# (a later step of issue 16) marks these for it, with their Spanish, in one change.
_REASONS: dict[PhoneProblem, str] = {
    PhoneProblem.EMPTY: "No phone number was given.",
    PhoneProblem.NOT_A_NUMBER: "That doesn't look like a phone number.",
    PhoneProblem.UNKNOWN_COUNTRY: (
        "That country code isn't one we know. Start an international number with + and its "
        "country code, like +52 or +34."
    ),
    PhoneProblem.TOO_SHORT: "That number is too short. Check that no digits are missing.",
    PhoneProblem.TOO_LONG: "That number has too many digits.",
    PhoneProblem.NEEDS_AREA_CODE: "Please include the area code.",
    PhoneProblem.EXTENSION: "A text can't reach an extension. Please give a mobile number.",
    PhoneProblem.NOT_VALID: (
        "That isn't a valid phone number for its country. Check the digits and the country code."
    ),
}


class InvalidPhone(ValueError):
    """A number that cannot be texted; ``kind`` says why, ``reason`` says it to a person."""

    def __init__(self, kind: PhoneProblem) -> None:
        self.kind = kind
        self.reason = _REASONS[kind]
        super().__init__(self.reason)


_PARSE_ERRORS: dict[int, PhoneProblem] = {
    NumberParseException.INVALID_COUNTRY_CODE: PhoneProblem.UNKNOWN_COUNTRY,
    NumberParseException.NOT_A_NUMBER: PhoneProblem.NOT_A_NUMBER,
    NumberParseException.TOO_SHORT_AFTER_IDD: PhoneProblem.TOO_SHORT,
    NumberParseException.TOO_SHORT_NSN: PhoneProblem.TOO_SHORT,
    NumberParseException.TOO_LONG: PhoneProblem.TOO_LONG,
}

_POSSIBILITY: dict[int, PhoneProblem] = {
    ValidationResult.TOO_SHORT: PhoneProblem.TOO_SHORT,
    ValidationResult.TOO_LONG: PhoneProblem.TOO_LONG,
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: PhoneProblem.NEEDS_AREA_CODE,
    ValidationResult.INVALID_COUNTRY_CODE: PhoneProblem.UNKNOWN_COUNTRY,
}

_MEXICO = 52


def _without_old_mexican_prefix(number: PhoneNumber) -> PhoneNumber | None:
    """The number without a retired "1" or "044"/"045" mobile prefix, if it had one."""
    national = phonenumbers.national_significant_number(number)
    if len(national) == 11 and national.startswith("1"):
        rest = national[1:]
    elif len(national) == 13 and national[:3] in ("044", "045"):
        rest = national[3:]
    else:
        return None
    return PhoneNumber(country_code=_MEXICO, national_number=int(rest))


def parse_phone(text: str, default_region: str = "US") -> str:
    """``text`` as an E.164 number ("+14155552671"), or :class:`InvalidPhone` saying why not.

    ``default_region`` (ISO 3166 code, e.g. "US", "MX", "ES") is the country of a number written
    without "+": the clinic's country. An unknown region is a programming error (ValueError).
    """
    region = default_region.upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"not a region phonenumbers knows: {default_region!r}")
    if not text or not text.strip():
        raise InvalidPhone(PhoneProblem.EMPTY)
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as error:
        raise InvalidPhone(_PARSE_ERRORS.get(error.error_type, PhoneProblem.NOT_A_NUMBER)) from None
    if number.extension:
        raise InvalidPhone(PhoneProblem.EXTENSION)
    if number.country_code == _MEXICO and not phonenumbers.is_valid_number(number):
        # Judged without the prefix even if still invalid: "too many digits" would be wrong.
        number = _without_old_mexican_prefix(number) or number
    if not phonenumbers.is_valid_number(number):
        possible = phonenumbers.is_possible_number_with_reason(number)
        raise InvalidPhone(_POSSIBILITY.get(possible, PhoneProblem.NOT_VALID))
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def mask(e164: str) -> str:
    """A number for a staff list: "+14155552671" -> "+1 ••• ••• ••67".

    Groups follow the country's own format ("+34 ••• •• •• 78"). Something that is not a
    number still shows no more than its last two digits.
    """
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        digits = "".join(_DIGITS.findall(e164))
        return _MASK * 4 + (" " + digits[-2:] if len(digits) > 2 else "")
    prefix = f"+{number.country_code}"
    formatted = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    groups = _DIGITS.findall(formatted[len(prefix) :])
    keep = 2
    masked: list[str] = []
    for group in reversed(groups):
        shown = min(keep, len(group))
        masked.append(_MASK * (len(group) - shown) + group[len(group) - shown :])
        keep -= shown
    return " ".join([prefix, *reversed(masked)])
