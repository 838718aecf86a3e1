"""Takes the README's screenshots of the dashboard: the demo clinic's patients page on a phone
(390x844, from the top down to the first few cards) and on a desktop (1280x900), in Debian's
chromium, served by the browser tests' harness (tests/browser/live.py) on a throwaway SQLite file.

    .venv/bin/python docs/screenshots/take.py

tests/browser/test_phone_layout.py checks the same pages at the same sizes.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from playwright.async_api import FloatRect, ViewportSize, async_playwright  # noqa: E402

from bot.db.migrate import upgrade  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.browser.live import live_dashboard  # noqa: E402

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
# The phone shot runs past one screen, to show the first cards of the list.
PHONE_SHOT_HEIGHT = 1700


async def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite+aiosqlite:///{Path(scratch) / 'screenshots.db'}"
        await upgrade(url)
        async with live_dashboard(url) as live, async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            for name, size in (("phone", PHONE), ("desktop", DESKTOP)):
                page = await browser.new_page(viewport=size)
                await page.goto(await live.login_link())
                await page.locator("table.patients").wait_for()
                path = HERE / f"patients-{name}.png"
                if name == "phone":
                    clip: FloatRect = {"x": 0, "y": 0, "width": 390, "height": PHONE_SHOT_HEIGHT}
                    await page.screenshot(path=path, full_page=True, clip=clip)
                else:
                    await page.screenshot(path=path)
                await page.close()
                print(f"{path.relative_to(HERE.parents[1])}: {path.stat().st_size // 1024} KB")
            await browser.close()


if __name__ == "__main__":
    asyncio.run(main())
