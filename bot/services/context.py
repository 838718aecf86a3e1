"""What every service needs, built once per process."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field

from bot.clock import Clock
from bot.config import Settings
from bot.db.engine import SessionFactory
from bot.logs import pseudonym
from bot.resources import resource_dir


@dataclass(frozen=True)
class Consent:
    version: str
    text: str


def load_consent() -> Consent:
    path = resource_dir("content") / "consent.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return Consent(version=str(data["version"]), text=str(data["text"]).strip())
    except (OSError, KeyError, tomllib.TOMLDecodeError) as exc:
        raise RuntimeError(f"{path}: consent text is missing or malformed ({exc})") from exc


@dataclass
class BotIdentity:
    """Who the bot is on Telegram, learnt at start-up (getMe); deep links need the username."""

    username: str | None = None

    def deep_link(self, payload: str) -> str:
        return f"https://t.me/{self.username or '<your_bot_username>'}?start={payload}"


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    sessions: SessionFactory
    clock: Clock
    consent: Consent
    identity: BotIdentity = field(default_factory=BotIdentity)
    # Sign-in links, dashboard sessions and staff invites last in people's time. Only the demo
    # sets this: its clock runs fast, and would otherwise end a login link in 20 seconds.
    wall_clock: Clock | None = None

    @property
    def sign_in_clock(self) -> Clock:
        return self.wall_clock or self.clock

    def patient_ref(self, patient_id: int) -> str:
        """The pseudonym that stands for a patient in logs and audit rows."""
        return pseudonym("patient", patient_id, self.settings.secret_key)
