"""The Staff page in Debian's chromium, at phone and desktop sizes: the demo's admin makes an
invite, sees it once (it wraps, nothing scrolls sideways, and it copies whole), withdraws it,
and removes a colleague after the confirmation."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, ViewportSize, expect

from bot.services.clinics import add_staff
from tests.browser.live import LiveDashboard

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}


async def _fits(page: Page, what: str) -> None:
    width = await page.evaluate("window.innerWidth")
    assert await page.evaluate("document.documentElement.scrollWidth") <= width, what


@pytest.mark.parametrize(
    "size", [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")]
)
async def test_invite_withdraw_and_remove_in_a_browser(
    dashboard: LiveDashboard, browser: Browser, screenshots: Path, size: ViewportSize
) -> None:
    await add_staff(
        dashboard.ctx.sessions,
        dashboard.ctx.clock,
        telegram_user_id=424_242,
        name="Nico Colleague",
        clinic_code=dashboard.invite_code,
    )
    context = await browser.new_context(viewport=size)
    page = await context.new_page()
    await page.goto(await dashboard.login_link())
    await page.get_by_role("navigation", name="Main").get_by_role("link", name="Staff").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Staff")
    await _fits(page, "/staff")

    await page.get_by_role("button", name="Make an invite link").click()
    await expect(page.get_by_text("Invite ready")).to_be_visible()
    code = await page.locator("code.invite-link").inner_text()
    assert code.startswith("/start staff-") and len(code) == len("/start staff-") + 43, code
    await _fits(page, "/staff with a new invite")
    name = "phone" if size == PHONE else "desktop"
    await page.screenshot(path=screenshots / f"{name}-staff.png", full_page=True)

    await page.get_by_role("button", name="Withdraw").click()
    await expect(page.get_by_role("status")).to_contain_text("Invite withdrawn")
    await expect(page.get_by_text("No pending invites.")).to_be_visible()

    await page.get_by_role("link", name="Remove Nico Colleague").click()
    await page.get_by_role("button", name="Remove Nico Colleague").click()
    await expect(page.get_by_role("status")).to_contain_text("Nico Colleague is no longer")
    await expect(page.locator("table.staff")).not_to_contain_text("Nico Colleague")
    await context.close()
