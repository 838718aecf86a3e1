"""Shared fixtures: a migrated database on SQLite and on the machine's Postgres, a fake clock.

Every integration test that takes ``db_url`` runs twice, once per database. Postgres tests get a
fresh database cloned from a migrated template, so they are isolated and fast. Locally they skip
when the server is down; with REQUIRE_POSTGRES=1 (set by CI) a skip or an absence fails the run.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from bot.clock import FakeClock
from bot.config import Settings
from bot.db.migrate import upgrade
from bot.runtime import app_context
from bot.services.context import AppContext

PG_ADMIN_DSN = os.environ.get("TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")
TEST_TOKEN = "123456:TEST"
# A Wednesday afternoon in November, in UTC.
START = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)

# The SMS tests' fixtures (fake Twilio, an app with SMS on, the sender with a gateway).
pytest_plugins = ["tests.integration.sms_dispatch_support"]


def _pg_url(database: str) -> str:
    base, _, _ = PG_ADMIN_DSN.rpartition("/")
    return f"{base}/{database}"


async def _pg_admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_DSN, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str | None]:
    """A migrated Postgres database to clone; None when the server cannot be reached."""
    name = f"rb_template_{uuid.uuid4().hex[:10]}"
    try:
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError, TimeoutError):
        yield None
        return
    try:
        asyncio.run(upgrade(_pg_url(name)))
        yield name
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db_url(
    request: pytest.FixtureRequest, tmp_path: Path, pg_template: str | None
) -> AsyncIterator[str]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
        await upgrade(url)
        yield url
        return
    async with _fresh_postgres(pg_template) as url:
        yield url


@pytest.fixture
async def pg_url(pg_template: str | None) -> AsyncIterator[str]:
    """Postgres only, for what SQLite cannot do (several writers). Mark such tests `postgres`."""
    async with _fresh_postgres(pg_template) as url:
        yield url


@asynccontextmanager
async def _fresh_postgres(pg_template: str | None) -> AsyncIterator[str]:
    if pg_template is None:
        pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN_DSN}")
    name = f"rb_test_{uuid.uuid4().hex[:10]}"
    await _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{pg_template}"')
    try:
        yield _pg_url(name)
    finally:
        await _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


def make_settings(db_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": db_url,
        "telegram_bot_token": None,
        "secret_key": "test-secret",
        "log_level": "DEBUG",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
async def ctx(db_url: str, clock: FakeClock) -> AsyncIterator[AppContext]:
    async with app_context(make_settings(db_url), clock) as context:
        yield context


# CI must prove the Postgres path, not just skip it ------------------------------------------

_postgres_outcomes: dict[str, int] = {"passed": 0, "skipped": 0}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "postgres" not in report.keywords:
        return
    if report.skipped:
        _postgres_outcomes["skipped"] += 1
    elif report.when == "call" and report.passed:
        _postgres_outcomes["passed"] += 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("REQUIRE_POSTGRES") != "1":
        return
    if hasattr(session.config, "workerinput"):
        return  # an xdist worker: the controller sees every worker's reports and decides
    if _postgres_outcomes["skipped"] or not _postgres_outcomes["passed"]:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = (
            f"REQUIRE_POSTGRES=1 but {_postgres_outcomes['skipped']} Postgres test(s) were "
            f"skipped and {_postgres_outcomes['passed']} passed: CI must run them."
        )
        if reporter is not None:
            reporter.write_line(message, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
