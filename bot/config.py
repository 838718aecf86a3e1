"""Settings from the environment, validated once at start-up.

A wrong value must end the process with one line that names the variable, never a traceback: the
operator reading it may not be a Python developer.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain.quiet_hours import QuietHours, parse_quiet_hours
from bot.domain.risk import Thresholds

DEFAULT_DATA_DIR = Path("data")
# Public on purpose: it only serves development (the offline demo, a dashboard on loopback).
# Anything reachable from outside refuses to start with it: see `insecure_secret`.
DEV_SECRET_KEY = "dev-insecure-secret-change-me"  # noqa: S105
# Shorter keys can be guessed offline from a pseudonym in a log; token_urlsafe(48) gives 64.
MIN_SECRET_KEY_LENGTH = 32
GENERATE_SECRET_KEY = 'python3 -c "import secrets; print(secrets.token_urlsafe(48))"'  # noqa: S105
PUBLIC_TELEGRAM_API = "https://api.telegram.org/bot"
_TOKEN_SHAPE = re.compile(r"^\d{3,12}:[A-Za-z0-9_-]{3,}$")
_LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
PUBLIC_TWILIO_API = "https://api.twilio.com"
_ACCOUNT_SID_SHAPE = re.compile(r"^AC[0-9a-fA-F]{32}$")
_AUTH_TOKEN_SHAPE = re.compile(r"^[0-9a-fA-F]{32}$")
_MESSAGING_SERVICE_SHAPE = re.compile(r"^MG[0-9a-fA-F]{32}$")
_SHORT_CODE = re.compile(r"^\d{5,6}$")


class ConfigError(Exception):
    """A configuration problem, phrased for the operator in one line."""


def normalise_database_url(url: str) -> str:
    """Map the URL forms operators usually write onto the async drivers SQLAlchemy needs."""
    url = url.strip()
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ValueError(
            "expected a URL such as sqlite:///data/bot.db or postgresql://user@host/db"
        )
    scheme = scheme.lower()
    if scheme in ("sqlite", "sqlite+aiosqlite"):
        return f"sqlite+aiosqlite://{rest}"
    if scheme in ("postgres", "postgresql", "postgresql+asyncpg", "postgresql+psycopg"):
        return f"postgresql+asyncpg://{rest}"
    raise ValueError(f"unsupported database '{scheme}'; use sqlite:/// or postgresql://")


def normalise_api_base_url(url: str) -> str:
    """Accept a Bot API server root (http://host:8081) as well as PTB's ``.../bot`` form."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("expected an http(s) URL such as http://127.0.0.1:8081")
    if "{token}" in url or url.endswith("/bot"):
        return url
    return f"{url}/bot"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    telegram_bot_token: str | None = Field(default=None, repr=False)
    telegram_api_base_url: str = PUBLIC_TELEGRAM_API
    database_url: str = f"sqlite:///{DEFAULT_DATA_DIR / 'recovery-bot.db'}"
    public_url: str = "http://127.0.0.1:8080"
    secret_key: str = Field(default=DEV_SECRET_KEY, repr=False)
    log_level: str = "INFO"

    # Where `recovery-bot dashboard` (and the offline demo) listen; --host/--port override.
    dashboard_host: str = "127.0.0.1"
    dashboard_port: int = Field(default=8080, gt=0, lt=65536)

    # Webhook mode (`run --webhook`): Telegram posts updates to WEBHOOK_URL, which a reverse
    # proxy forwards to WEBHOOK_LISTEN:WEBHOOK_PORT.
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"  # noqa: S104 - behind the operator's proxy, in a container
    webhook_port: int = Field(default=8443, gt=0, lt=65536)

    # Scheduling and delivery; the defaults follow the design notes.
    tick_seconds: float = Field(default=5.0, gt=0, le=300)
    dose_window_minutes: int = Field(default=240, gt=0, le=24 * 60)
    nudge_after_minutes: int = Field(default=30, gt=0, le=24 * 60)
    injection_overdue_days: int = Field(default=3, ge=1, le=60)
    send_rate_per_second: float = Field(default=30.0, gt=0)
    send_rate_per_chat_per_second: float = Field(default=1.0, gt=0)
    # How long a worker holds claimed outbox rows; after a crash they are sent again after this.
    send_lease_seconds: float = Field(default=60.0, ge=1, le=3600)

    # Check-ins and the rules that turn answers into alerts for the care team.
    checkin_expiry_hours: float = Field(default=24.0, gt=0, le=24 * 7)
    craving_alert_threshold: int = Field(default=8, ge=0, le=10)
    missed_doses_alert_count: int = Field(default=2, ge=1, le=30)
    unanswered_alert_count: int = Field(default=3, ge=1, le=30)
    # An "Are you safe right now?" without an answer alerts the care team after this.
    safety_check_minutes: float = Field(default=30.0, gt=0, le=24 * 60)
    support_invite_days: int = Field(default=7, ge=1, le=60)

    # Retention of free text and delivered messages, in days (0: not kept at all).
    note_retention_days: int = Field(default=90, ge=0, le=3650)
    question_retention_days: int = Field(default=0, ge=0, le=3650)
    outbox_retention_days: int = Field(default=30, ge=1, le=3650)
    log_format: str = "text"
    # How long a SQLite write waits for another writer before it fails with "locked".
    sqlite_busy_timeout_seconds: float = Field(default=15.0, gt=0, le=600)

    # SMS through Twilio (issue 16): on only with the SID, the token and one sender, a From
    # number or a Messaging Service (see `sms_enabled`). TWILIO_API_BASE_URL replaces Twilio's
    # API (a test gateway). Twilio's webhooks reach `run` on SMS_WEBHOOK_PORT; not 8081, the
    # port a self-hosted Bot API server listens on by default.
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = Field(default=None, repr=False)
    twilio_from_number: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_api_base_url: str = PUBLIC_TWILIO_API
    sms_webhook_port: int = Field(default=8082, gt=0, lt=65536)
    # The https address Twilio posts to, without the path ("https://bot.example-clinic.org"):
    # webhooks are signed for the URL Twilio called, which behind a proxy is not the one the
    # request arrives at, so the signature is checked against this + "/sms/twilio".
    sms_public_url: str | None = None
    # A US long code sends about 1 text per second; toll-free and short codes more.
    sms_rate_per_number_per_second: float = Field(default=1.0, gt=0)
    # Texts that can wait (check-ins, nudges) are held while it is night where the patient
    # lives: HH:MM-HH:MM in their local time, or "off" (bot/domain/quiet_hours.py).
    sms_quiet_hours: str = "21:00-08:00"

    @field_validator("telegram_bot_token")
    @classmethod
    def _token(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not _TOKEN_SHAPE.match(value):
            # Never echo the value back: it may be a real token pasted with a typo.
            raise ValueError(
                "does not look like a bot token (expected digits:letters from @BotFather)"
            )
        return value

    @field_validator("telegram_api_base_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        return normalise_api_base_url(value)

    @field_validator("database_url")
    @classmethod
    def _db_url(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("expected an http(s) URL such as https://bot.example-clinic.org")
        return value.strip().rstrip("/")

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("expected a URL such as https://bot.example-clinic.org/telegram")
        return value.strip()

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        fmt = value.strip().lower()
        if fmt not in ("text", "json"):
            raise ValueError("expected text or json")
        return fmt

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in _LOG_LEVELS:
            raise ValueError(f"expected one of {', '.join(_LOG_LEVELS)}")
        return level

    @field_validator("twilio_account_sid")
    @classmethod
    def _twilio_sid(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not _ACCOUNT_SID_SHAPE.match(value.strip()):
            raise ValueError(
                "does not look like an Account SID (AC and 32 hex digits, from the Twilio Console)"
            )
        return value.strip()

    @field_validator("twilio_auth_token")
    @classmethod
    def _twilio_token(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not _AUTH_TOKEN_SHAPE.match(value.strip()):
            # Never echo the value back: it may be a real token pasted with a typo.
            raise ValueError(
                "does not look like an Auth Token (32 hex digits, from the Twilio Console)"
            )
        return value.strip()

    @field_validator("twilio_from_number")
    @classmethod
    def _twilio_from(cls, value: str | None) -> str | None:
        """One sending number, or a pool of them separated by commas (each patient is always
        texted from the same one, so their replies and STOP reach the number they know)."""
        if value is None or not value.strip():
            return None
        numbers: list[str] = []
        for part in value.split(","):
            number = cls._one_from_number(part.strip())
            if number not in numbers:
                numbers.append(number)
        return ",".join(numbers)

    @staticmethod
    def _one_from_number(value: str) -> str:
        if not value:
            raise ValueError("an empty number in the list; separate numbers with one comma")
        if _SHORT_CODE.match(value):
            return value
        if not value.startswith("+"):
            raise ValueError("expected the number with its country code, such as +14155550100")
        # Here, not at the top: phonenumbers' metadata costs every process ~30 ms to import,
        # and only a configured SMS sender needs it.
        from bot.sms.phone import InvalidPhone, parse_phone

        try:
            return parse_phone(value)
        except InvalidPhone as exc:
            raise ValueError(f"not a valid phone number: {exc.reason}") from None

    @field_validator("twilio_messaging_service_sid")
    @classmethod
    def _twilio_service(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not _MESSAGING_SERVICE_SHAPE.match(value.strip()):
            raise ValueError("does not look like a Messaging Service SID (MG and 32 hex digits)")
        return value.strip()

    @field_validator("twilio_api_base_url")
    @classmethod
    def _twilio_api_url(cls, value: str) -> str:
        url = value.strip().rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise ValueError("expected an http(s) URL such as https://api.twilio.com")
        # Every request carries the Auth Token: plain http only to a gateway on this machine.
        if parts.scheme == "http" and not is_loopback(parts.hostname or ""):
            raise ValueError("plain http only to 127.0.0.1 or localhost; use https")
        return url

    @field_validator("sms_quiet_hours")
    @classmethod
    def _sms_quiet_hours(cls, value: str) -> str:
        parsed = parse_quiet_hours(value)
        return "off" if parsed is None else str(parsed)

    @property
    def quiet_hours(self) -> QuietHours | None:
        """SMS_QUIET_HOURS, parsed: None when off."""
        return parse_quiet_hours(self.sms_quiet_hours)

    @field_validator("sms_public_url")
    @classmethod
    def _sms_public_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        url = value.strip().rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise ValueError("expected an https URL such as https://bot.example-clinic.org")
        # Inbound texts are patients' words: plain http only to this machine (a local test).
        if parts.scheme == "http" and not is_loopback(parts.hostname or ""):
            raise ValueError("plain http only to 127.0.0.1 or localhost; use https")
        return url

    @model_validator(mode="after")
    def _sms_complete(self) -> Settings:
        """Half an SMS configuration is a mistake to report, not SMS silently left off."""
        given = {
            "TWILIO_ACCOUNT_SID": self.twilio_account_sid,
            "TWILIO_AUTH_TOKEN": self.twilio_auth_token,
            "TWILIO_FROM_NUMBER": self.twilio_from_number,
            "TWILIO_MESSAGING_SERVICE_SID": self.twilio_messaging_service_sid,
        }
        if not any(given.values()):
            return self
        if self.twilio_from_number and self.twilio_messaging_service_sid:
            raise ValueError(
                "TWILIO_FROM_NUMBER and TWILIO_MESSAGING_SERVICE_SID are both set; SMS needs one"
            )
        missing = [name for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN") if not given[name]]
        if not self.twilio_from_number and not self.twilio_messaging_service_sid:
            missing.append("TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID")
        if missing:
            raise ValueError(f"SMS is half configured: set {' and '.join(missing)}")
        if not self.sms_public_url:
            raise ValueError(
                "SMS needs SMS_PUBLIC_URL, the https address Twilio posts texts to (such as "
                "https://bot.example-clinic.org), to check that they come from Twilio"
            )
        if self.sms_webhook_port == self.webhook_port:
            raise ValueError(
                "SMS_WEBHOOK_PORT and WEBHOOK_PORT are the same; `run` listens on both"
            )
        return self

    @property
    def twilio_from_numbers(self) -> tuple[str, ...]:
        """The sending numbers (TWILIO_FROM_NUMBER, a pool when it lists several); () with a
        Messaging Service, which picks its own."""
        return tuple(self.twilio_from_number.split(",")) if self.twilio_from_number else ()

    @property
    def sms_enabled(self) -> bool:
        """Texts can be sent: the SID, the token and exactly one sender are set."""
        return bool(
            self.twilio_account_sid
            and self.twilio_auth_token
            and bool(self.twilio_from_number) != bool(self.twilio_messaging_service_sid)
        )

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds(
            craving=self.craving_alert_threshold,
            missed_in_a_row=self.missed_doses_alert_count,
            unanswered_in_a_row=self.unanswered_alert_count,
        )

    @property
    def offline(self) -> bool:
        return self.telegram_bot_token is None

    @property
    def uses_dev_secret(self) -> bool:
        return self.secret_key == DEV_SECRET_KEY

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def insecure_secret(settings: Settings) -> bool:
    """True when SECRET_KEY is unset, the public development value, or too short to be secret.

    It derives the webhook secret, signs dashboard notices and CSRF tokens, and keys the
    pseudonyms in logs and the audit log: with a known key, anyone can post forged updates to
    the webhook and turn a pseudonym back into a patient.
    """
    key = settings.secret_key.strip()
    return key == DEV_SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH


def is_loopback(host: str) -> bool:
    """Whether a listen address is reachable only from this machine."""
    host = host.strip().strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name or 0.0.0.0-style wildcard: assume reachable


def insecure_secret_message(what: str) -> str:
    """The one paragraph an operator reads when a command refuses the key."""
    return (
        f"recovery-bot: refusing to start {what}: SECRET_KEY is unset, the public development "
        f"value, or shorter than {MIN_SECRET_KEY_LENGTH} characters, so anyone could forge "
        "webhook updates and dashboard signatures and turn pseudonyms in the logs back into "
        "patients. Generate a key with "
        f"{GENERATE_SECRET_KEY} and set SECRET_KEY to it (in .env for docker compose), the "
        "same value for every process; keep it secret and stable, since changing it changes "
        "the pseudonyms in the audit log."
    )


def load_settings() -> Settings:
    """Read the environment, turning validation failures into a one-line ConfigError."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = str(err["loc"][0]).upper() if err["loc"] else "configuration"
            message = str(err["msg"]).removeprefix("Value error, ")
            problems.append(f"{name}: {message}")
        raise ConfigError("; ".join(problems)) from None
