"""The dashboard in real headless Chromium: Debian's ``chromium`` driven by Playwright through
``executable_path`` (no browser download), against the real app served by uvicorn on 127.0.0.1
in the test's own event loop, with a clock the test moves.

Without /usr/bin/chromium the tests are skipped locally and fail under CI (``CI`` set).
Screenshots go to tests/browser/screenshots/ (or $DASHBOARD_SCREENSHOTS).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from bot.db.migrate import upgrade
from tests.browser.live import LiveDashboard, live_dashboard

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(
    os.environ.get("DASHBOARD_SCREENSHOTS", Path(__file__).resolve().parent / "screenshots")
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: drives the dashboard in headless Chromium (Debian's chromium package)"
    )


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK):
        return str(CHROMIUM)
    message = (
        f"Chromium is not installed at {CHROMIUM} (Debian package `chromium`; the test set-up "
        "installs it). Playwright never downloads a browser here."
    )
    if _in_ci():
        pytest.fail(f"CI is set, so the browser tests must run: {message}")
    pytest.skip(f"{message} Skipped because CI is not set; with CI set this fails.")


@pytest.fixture
async def browser(chromium_path: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
async def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'dashboard.db'}"
    await upgrade(url)
    return url


@pytest.fixture
async def dashboard(sqlite_url: str) -> AsyncIterator[LiveDashboard]:
    async with live_dashboard(sqlite_url) as live:
        yield live
