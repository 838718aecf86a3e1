"""Twilio webhook signatures, signed here with Twilio's own RequestValidator."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator

from bot.sms.signature import SIGNATURE_HEADER, valid_signature

TOKEN = "12345678901234567890123456789012"  # the shape of an Auth Token; not a real one
URL = "https://bot.example.org/sms/twilio"
PARAMS = {
    "MessageSid": "SM0123456789abcdef0123456789abcdef",
    "AccountSid": "AC0123456789abcdef0123456789abcdef",
    "From": "+14155552671",
    "To": "+14155550100",
    "Body": "STOP",
    "NumSegments": "1",
}


def _sign(url: str = URL, params: dict[str, str] = PARAMS, token: str = TOKEN) -> str:
    signature: str = RequestValidator(token).compute_signature(url, params)
    return signature


def test_the_header_name_is_twilios() -> None:
    assert SIGNATURE_HEADER == "X-Twilio-Signature"


def test_a_genuine_request_is_valid() -> None:
    assert valid_signature(TOKEN, URL, PARAMS, _sign()) is True


def test_parameter_order_does_not_matter() -> None:
    reordered = dict(reversed(list(PARAMS.items())))
    assert valid_signature(TOKEN, URL, reordered, _sign()) is True


def test_unicode_bodies_are_signed_like_any_other() -> None:
    params = {**PARAMS, "Body": "¿Puedo tomarla con café? 🙏"}
    assert valid_signature(TOKEN, URL, params, _sign(params=params)) is True


def test_the_standard_port_written_out_still_matches() -> None:
    # Twilio may sign with or without the default port; the validator accepts both.
    assert valid_signature(TOKEN, "https://bot.example.org:443/sms/twilio", PARAMS, _sign())


@pytest.mark.parametrize(
    "tampered",
    [
        {**PARAMS, "Body": "START"},
        {**PARAMS, "From": "+14155552672"},
        {**PARAMS, "Extra": "1"},
        {key: value for key, value in PARAMS.items() if key != "NumSegments"},
    ],
)
def test_a_tampered_parameter_is_refused(tampered: dict[str, str]) -> None:
    assert valid_signature(TOKEN, URL, tampered, _sign()) is False


@pytest.mark.parametrize(
    "url",
    [
        "https://bot.example.org/sms/twilio/status",
        "http://bot.example.org/sms/twilio",
        "https://evil.example.org/sms/twilio",
        "http://127.0.0.1:8080/sms/twilio",  # what the app sees behind a proxy
        "https://bot.example.org/sms/twilio?x=1",
    ],
)
def test_a_different_url_is_refused(url: str) -> None:
    assert valid_signature(TOKEN, url, PARAMS, _sign()) is False


def test_a_signature_made_with_another_token_is_refused() -> None:
    forged = _sign(token="another-account-token-0000000000")
    assert valid_signature(TOKEN, URL, PARAMS, forged) is False


@pytest.mark.parametrize("signature", [None, "", "   "])
def test_a_missing_or_empty_signature_is_refused(signature: str | None) -> None:
    assert valid_signature(TOKEN, URL, PARAMS, signature) is False


@pytest.mark.parametrize("signature", ["garbage", "€€€", "A" * 28, "=" * 1000])
def test_a_malformed_signature_is_refused(signature: str) -> None:
    assert valid_signature(TOKEN, URL, PARAMS, signature) is False


def test_an_unconfigured_token_refuses_everything() -> None:
    # With an empty key anyone can compute the HMAC: a request signed so must not pass.
    assert valid_signature("", URL, PARAMS, _sign(token="")) is False


def test_a_url_that_cannot_be_parsed_is_refused_without_raising() -> None:
    assert valid_signature(TOKEN, "https://bot.example.org:notaport/sms", PARAMS, _sign()) is False


def test_a_request_with_no_parameters() -> None:
    assert valid_signature(TOKEN, URL, {}, _sign(params={})) is True
    assert valid_signature(TOKEN, URL, {}, _sign()) is False
