"""Logging that cannot leak a bot token or what a patient wrote.

Two defences: third-party loggers that echo request URLs or payloads (httpx logs every URL, which
contains the token; python-telegram-bot logs whole API payloads at DEBUG) are held at a level where
they do not, whatever LOG_LEVEL says; and a filter on our handler scrubs anything shaped like a
token from every record, in case a library message or exception text carries one.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import sys

_TOKEN_PATTERN = re.compile(r"\d{3,12}:[A-Za-z0-9_-]{20,}")
# Loggers that print request URLs or API payloads below these levels.
_THIRD_PARTY_FLOORS = {
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "telegram": logging.INFO,
    # Logs every job run at INFO (every few seconds for the tick).
    "apscheduler": logging.WARNING,
    "aiosqlite": logging.INFO,
    "asyncio": logging.INFO,
    "sqlalchemy": logging.WARNING,
    # Chatty on every start ("Context impl SQLiteImpl"); `db upgrade` reports the outcome itself.
    "alembic": logging.WARNING,
}
_HANDLER_NAME = "recovery-bot"


class RedactSecrets(logging.Filter):
    """Replace known secrets and token-shaped strings in the rendered message."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self.scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            text = str(record.exc_info[1])
            if self.scrub(text) != text:
                # The formatter would print the exception text verbatim; keep only its type.
                exc_type = type(record.exc_info[1])
                record.exc_info = None
                record.msg = f"{record.getMessage()} ({exc_type.__name__}, details redacted)"
                record.args = None
        return True

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "[redacted]")
        return _TOKEN_PATTERN.sub("[redacted-token]", text)


def configure_logging(level: str, secrets: list[str]) -> None:
    """Install one stderr handler with the redacting filter; idempotent."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets(secrets))
    root.addHandler(handler)
    numeric = logging.getLevelName(level)
    root.setLevel(numeric)
    for name, floor in _THIRD_PARTY_FLOORS.items():
        logging.getLogger(name).setLevel(max(floor, numeric))


def pseudonym(kind: str, identifier: int, secret_key: str) -> str:
    """A stable, non-reversible name for a person in logs and audit rows (e.g. ``p-3f9a1c2b``)."""
    digest = hmac.new(secret_key.encode(), f"{kind}:{identifier}".encode(), hashlib.sha256)
    return f"{kind[0]}-{digest.hexdigest()[:10]}"
