"""Database failures in words an operator can act on.

Only the driver's fixed wording is inspected (SQLite's "database is locked", "database or disk is
full"; the exception classes of a lost Postgres connection): never the statement or its
parameters, which can hold what a patient wrote.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

LOCKED = (
    "the SQLite database is locked by another process (SQLite has one writer at a time: run a "
    "single recovery-bot process on SQLite, or use Postgres)"
)
FULL = "the SQLite database or its disk is full (free some space); nothing was written"
UNREACHABLE = "the database cannot be reached (is it restarting?)"

_CONNECTION_ERRORS = (
    "ConnectionDoesNotExistError",
    "ConnectionFailureError",
    "CannotConnectNowError",
    "AdminShutdownError",
    "ConnectionRefusedError",
    "InterfaceError",
    "TooManyConnectionsError",
)


def describe(exc: BaseException) -> str | None:
    """A sentence for a database failure an operator can do something about, or None."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).lower() if isinstance(exc, DBAPIError) else ""
    if "database is locked" in text or "database table is locked" in text:
        return LOCKED
    if "database or disk is full" in text or "disk i/o error" in text:
        return FULL
    names = {type(e).__name__ for e in _chain(exc)}
    lost = names & set(_CONNECTION_ERRORS) or isinstance(exc, OperationalError | InterfaceError)
    if lost and "sqlite" not in type(original).__module__:
        return UNREACHABLE
    if isinstance(exc, OSError) and not isinstance(exc, FileNotFoundError):
        return UNREACHABLE
    return None


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    orig = getattr(exc, "orig", None)
    if isinstance(orig, BaseException) and orig not in seen:
        seen.append(orig)
    return seen
