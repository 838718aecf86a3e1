"""SMS settings (issue 16): complete or refused in one line naming the variable, never half on."""

from __future__ import annotations

import pytest

from bot.config import PUBLIC_TWILIO_API, ConfigError, Settings, load_settings

SID = "AC" + "0123456789abcdef" * 2
TOKEN = "fedcba9876543210" * 2  # the shape of an Auth Token; not a real one
SERVICE = "MG" + "00112233445566778899aabbccddeeff"
FROM = "+14155550100"
PUBLIC = "https://bot.example-clinic.org"

_VARIABLES = (
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_FROM_NUMBER",
    "TWILIO_MESSAGING_SERVICE_SID",
    "TWILIO_API_BASE_URL",
    "SMS_WEBHOOK_PORT",
    "SMS_PUBLIC_URL",
    "SMS_RATE_PER_NUMBER_PER_SECOND",
    "WEBHOOK_PORT",
    "DASHBOARD_PORT",
    "SMS_QUIET_HOURS",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in _VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def load(env: pytest.MonkeyPatch, **values: str) -> Settings:
    for name, value in values.items():
        env.setenv(name.upper(), value)
    return load_settings()


def refusal(env: pytest.MonkeyPatch, **values: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load(env, **values)
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_off_by_default() -> None:
    settings = load_settings()
    assert settings.sms_enabled is False
    assert settings.twilio_account_sid is None and settings.twilio_auth_token is None
    assert settings.twilio_api_base_url == PUBLIC_TWILIO_API == "https://api.twilio.com"
    assert settings.sms_webhook_port == 8082
    assert settings.sms_rate_per_number_per_second == 1.0


def test_blank_values_count_as_unset(clean_env: pytest.MonkeyPatch) -> None:
    settings = load(
        clean_env,
        twilio_account_sid=" ",
        twilio_auth_token="",
        twilio_from_number="  ",
        twilio_messaging_service_sid="",
    )
    assert settings.sms_enabled is False


def test_complete_with_a_from_number(clean_env: pytest.MonkeyPatch) -> None:
    settings = load(
        clean_env,
        twilio_account_sid=SID,
        twilio_auth_token=TOKEN,
        twilio_from_number=FROM,
        sms_public_url=PUBLIC,
    )
    assert settings.sms_enabled is True
    assert settings.twilio_from_number == FROM
    assert settings.twilio_messaging_service_sid is None


def test_complete_with_a_messaging_service(clean_env: pytest.MonkeyPatch) -> None:
    settings = load(
        clean_env,
        twilio_account_sid=SID,
        twilio_auth_token=TOKEN,
        twilio_messaging_service_sid=f" {SERVICE} ",
        sms_public_url=PUBLIC,
    )
    assert settings.sms_enabled is True
    assert settings.twilio_messaging_service_sid == SERVICE
    assert settings.twilio_from_number is None


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("+1 (415) 555-0100", "+14155550100"),
        ("+34 612 34 56 78", "+34612345678"),
        ("12345", "12345"),  # a short code
        ("898211", "898211"),
    ],
)
def test_the_from_number_is_stored_as_twilio_wants_it(
    clean_env: pytest.MonkeyPatch, typed: str, stored: str
) -> None:
    settings = load(
        clean_env,
        twilio_account_sid=SID,
        twilio_auth_token=TOKEN,
        twilio_from_number=typed,
        sms_public_url=PUBLIC,
    )
    assert settings.twilio_from_number == stored


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [
        ("415 555 0100", "country code"),
        ("+1 555 01", "not a valid phone number"),
        ("+1 415 555 0100 ext. 12", "not a valid phone number"),
        ("ClinicName", "country code"),
    ],
)
def test_a_from_number_that_cannot_send_is_refused(
    clean_env: pytest.MonkeyPatch, typed: str, fragment: str
) -> None:
    message = refusal(
        clean_env, twilio_account_sid=SID, twilio_auth_token=TOKEN, twilio_from_number=typed
    )
    assert message.startswith("TWILIO_FROM_NUMBER: ")
    assert fragment in message


def test_both_senders_is_refused(clean_env: pytest.MonkeyPatch) -> None:
    message = refusal(
        clean_env,
        twilio_account_sid=SID,
        twilio_auth_token=TOKEN,
        twilio_from_number=FROM,
        twilio_messaging_service_sid=SERVICE,
    )
    assert "TWILIO_FROM_NUMBER" in message and "TWILIO_MESSAGING_SERVICE_SID" in message
    assert "one" in message


EITHER_SENDER = "TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID"


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({"twilio_account_sid": SID, "twilio_auth_token": TOKEN}, EITHER_SENDER),
        ({"twilio_from_number": FROM}, "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"),
        ({"twilio_account_sid": SID, "twilio_from_number": FROM}, "TWILIO_AUTH_TOKEN"),
        (
            {"twilio_auth_token": TOKEN, "twilio_messaging_service_sid": SERVICE},
            "TWILIO_ACCOUNT_SID",
        ),
        ({"twilio_account_sid": SID}, f"TWILIO_AUTH_TOKEN and {EITHER_SENDER}"),
    ],
)
def test_half_a_configuration_names_what_is_missing(
    clean_env: pytest.MonkeyPatch, given: dict[str, str], missing: str
) -> None:
    message = refusal(clean_env, **given)
    assert message == f"configuration: SMS is half configured: set {missing}"


def test_an_account_sid_of_the_wrong_shape(clean_env: pytest.MonkeyPatch) -> None:
    # An API key SID (SK...) is not an Account SID.
    message = refusal(
        clean_env,
        twilio_account_sid="SK" + SID[2:],
        twilio_auth_token=TOKEN,
        twilio_from_number=FROM,
    )
    assert message.startswith("TWILIO_ACCOUNT_SID: does not look like an Account SID")


def test_a_mistyped_token_is_refused_without_echoing_it(clean_env: pytest.MonkeyPatch) -> None:
    typo = TOKEN[:-1] + "g"
    message = refusal(
        clean_env, twilio_account_sid=SID, twilio_auth_token=typo, twilio_from_number=FROM
    )
    assert message.startswith("TWILIO_AUTH_TOKEN: does not look like an Auth Token")
    assert typo not in message and TOKEN[:-1] not in message


def test_a_messaging_service_sid_of_the_wrong_shape(clean_env: pytest.MonkeyPatch) -> None:
    message = refusal(
        clean_env,
        twilio_account_sid=SID,
        twilio_auth_token=TOKEN,
        twilio_messaging_service_sid="MG123",
    )
    assert message.startswith("TWILIO_MESSAGING_SERVICE_SID: ")


def test_the_token_is_kept_out_of_repr(clean_env: pytest.MonkeyPatch) -> None:
    settings = load(
        clean_env,
        twilio_account_sid=SID,
        twilio_auth_token=TOKEN,
        twilio_from_number=FROM,
        sms_public_url=PUBLIC,
    )
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
        ("http://127.0.0.1:9000/", "http://127.0.0.1:9000"),
        (" https://twilio-gateway.example.org/api/ ", "https://twilio-gateway.example.org/api"),
    ],
)
def test_the_api_base_url(clean_env: pytest.MonkeyPatch, typed: str, stored: str) -> None:
    assert load(clean_env, twilio_api_base_url=typed).twilio_api_base_url == stored


@pytest.mark.parametrize(
    "typed",
    [
        "api.twilio.com",
        "ftp://api.twilio.com",
        "https://",
        "x",
        # the Auth Token goes with every request: not in clear text to another machine
        "http://twilio-gateway.example.org",
        "http://10.0.0.5:9000",
    ],
)
def test_an_api_base_url_that_is_not_http_is_refused(
    clean_env: pytest.MonkeyPatch, typed: str
) -> None:
    assert refusal(clean_env, twilio_api_base_url=typed).startswith("TWILIO_API_BASE_URL: ")


@pytest.mark.parametrize("port", ["0", "65536", "-1", "eighty"])
def test_the_webhook_port_is_checked_like_the_others(
    clean_env: pytest.MonkeyPatch, port: str
) -> None:
    assert refusal(clean_env, sms_webhook_port=port).startswith("SMS_WEBHOOK_PORT: ")


def test_the_sms_webhook_port_cannot_be_the_telegram_one(clean_env: pytest.MonkeyPatch) -> None:
    complete = {
        "twilio_account_sid": SID,
        "twilio_auth_token": TOKEN,
        "twilio_from_number": FROM,
        "sms_public_url": PUBLIC,
    }
    message = refusal(clean_env, sms_webhook_port="9443", webhook_port="9443", **complete)
    assert "SMS_WEBHOOK_PORT" in message and "WEBHOOK_PORT" in message
    # Without SMS the port is never opened, so nothing to clash.
    for name in complete:
        clean_env.delenv(name.upper())
    assert load_settings().sms_webhook_port == 9443


def test_a_custom_port_and_rate(clean_env: pytest.MonkeyPatch) -> None:
    settings = load(clean_env, sms_webhook_port="9000", sms_rate_per_number_per_second="3")
    assert settings.sms_webhook_port == 9000
    assert settings.sms_rate_per_number_per_second == 3.0


@pytest.mark.parametrize("rate", ["0", "-1", "fast"])
def test_the_rate_must_be_positive(clean_env: pytest.MonkeyPatch, rate: str) -> None:
    message = refusal(clean_env, sms_rate_per_number_per_second=rate)
    assert message.startswith("SMS_RATE_PER_NUMBER_PER_SECOND: ")


def test_sms_needs_the_public_url_twilio_posts_to(clean_env: pytest.MonkeyPatch) -> None:
    message = refusal(
        clean_env, twilio_account_sid=SID, twilio_auth_token=TOKEN, twilio_from_number=FROM
    )
    assert message.startswith("configuration: SMS needs SMS_PUBLIC_URL")
    # Without SMS it is not needed, and may be set ahead of the rest.
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM_NUMBER"):
        clean_env.delenv(name)
    assert load(clean_env, sms_public_url=PUBLIC).sms_enabled is False


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (PUBLIC, PUBLIC),
        (f" {PUBLIC}/ ", PUBLIC),
        ("https://clinic.example.org/bot", "https://clinic.example.org/bot"),
        ("http://127.0.0.1:8082", "http://127.0.0.1:8082"),  # a local test
        ("", None),
    ],
)
def test_the_sms_public_url(clean_env: pytest.MonkeyPatch, typed: str, stored: str | None) -> None:
    assert load(clean_env, sms_public_url=typed).sms_public_url == stored


@pytest.mark.parametrize(
    "typed",
    [
        "bot.example-clinic.org",
        "ftp://bot.example-clinic.org",
        "https://",
        "https://bot.example-clinic.org/?x=1",
        # patients' words travel in the form: not in clear text across a network
        "http://bot.example-clinic.org",
    ],
)
def test_an_sms_public_url_that_is_not_https_is_refused(
    clean_env: pytest.MonkeyPatch, typed: str
) -> None:
    assert refusal(clean_env, sms_public_url=typed).startswith("SMS_PUBLIC_URL: ")


def test_quiet_hours_default_to_nine_to_eight_and_can_be_changed_or_turned_off(
    clean_env: pytest.MonkeyPatch,
) -> None:
    assert str(load_settings().quiet_hours) == "21:00-08:00"
    assert load(clean_env, sms_quiet_hours=" 22:30 - 7:00 ").sms_quiet_hours == "22:30-07:00"
    assert load(clean_env, sms_quiet_hours="off").quiet_hours is None


def test_unreadable_quiet_hours_are_refused_with_what_to_write(
    clean_env: pytest.MonkeyPatch,
) -> None:
    message = refusal(clean_env, sms_quiet_hours="9pm-8am")
    assert "SMS_QUIET_HOURS" in message and "HH:MM-HH:MM" in message


def test_a_pool_of_sending_numbers(clean_env: pytest.MonkeyPatch) -> None:
    settings = load(
        clean_env,
        twilio_account_sid=SID,
        twilio_auth_token=TOKEN,
        twilio_from_number="+1 (415) 555-0100, +14155550101,+14155550100 , 12345",
        sms_public_url=PUBLIC,
    )
    # Each stored as Twilio wants it, in the order given, once.
    assert settings.twilio_from_numbers == ("+14155550100", "+14155550101", "12345")
    assert settings.sms_enabled
    one = load(
        clean_env,
        twilio_account_sid=SID,
        twilio_auth_token=TOKEN,
        twilio_from_number=FROM,
        sms_public_url=PUBLIC,
    )
    assert one.twilio_from_numbers == (FROM,)


@pytest.mark.parametrize(
    ("typed", "fragment"),
    [("+14155550100,,+14155550101", "empty number"), ("+14155550100, 415 555 0101", "country")],
)
def test_a_pool_with_a_bad_number_is_refused(
    clean_env: pytest.MonkeyPatch, typed: str, fragment: str
) -> None:
    message = refusal(
        clean_env, twilio_account_sid=SID, twilio_auth_token=TOKEN, twilio_from_number=typed
    )
    assert message.startswith("TWILIO_FROM_NUMBER: ") and fragment in message
