"""The dashboard on a phone (390x844) and on a desktop (1280x900), in headless Chromium.

At either size every page shows its figures and actions without sideways scrolling: nothing
lies past the right edge of the screen, and nothing scrolls sideways inside the page either (on
a phone the tables become a list of cards). Take and Resolve are big enough for a thumb, and the
charts fit, up to their latest day. Each check measures what the browser laid out; each page is
saved as a screenshot (``<size>-<page>.png`` in the screenshots folder).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, FloatRect, Page, ViewportSize, expect
from sqlalchemy import select

from bot.db.models import Patient
from bot.services.demo import PROFILES
from tests.browser.live import LiveDashboard

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
SIZES = [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")]
THUMB = 44  # px: the smallest comfortable touch target (WCAG 2.5.5, Apple's HIG)
# Half a pixel of slack for sub-pixel layout.
EDGE = 0.5

# Every element that lies (partly) past the right edge of the screen, or that scrolls sideways:
# either way part of it is out of sight without a sideways swipe.
_OUT_OF_SIGHT = """() => {
  const width = window.innerWidth;
  // Clipped to nothing (the visually-hidden pattern): there for screen readers, not for eyes.
  const forScreenReaders = el => {
    for (let at = el; at; at = at.parentElement) {
      if (getComputedStyle(at).clip.startsWith('rect(0')) return true;
    }
    return false;
  };
  const found = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || el.closest('.skip') || forScreenReaders(el)) continue;
    const name = el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined
      ? '.' + String(el.className).trim().replace(/\\s+/g, '.') : '');
    if (box.left < -0.5 || box.right > width + 0.5) {
      found.push(`${name} spans ${Math.round(box.left)}..${Math.round(box.right)}`);
    }
    if (['auto', 'scroll'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
      found.push(`${name} scrolls sideways (${el.scrollWidth} > ${el.clientWidth})`);
    }
  }
  return found.slice(0, 12);
}"""

# Where the cells of a table's rows are, with the label each one shows on a phone.
_CELLS = """(rows) => rows.map(tr => Array.from(tr.children).map(cell => {
  const box = cell.getBoundingClientRect();
  const before = getComputedStyle(cell, '::before').content;
  return {
    label: cell.dataset.label || cell.tagName.toLowerCase(),
    text: cell.innerText.trim(),
    shown_label: before === 'none' || before === 'normal' ? '' : before.replace(/^"|"$/g, ''),
    left: box.left, right: box.right, width: box.width, height: box.height,
  };
}))"""


async def _open(browser: Browser, dashboard: LiveDashboard, size: ViewportSize) -> Page:
    context = await browser.new_context(viewport=size)
    page = await context.new_page()
    await page.goto(await dashboard.login_link())
    await expect(page.locator("table.patients")).to_be_visible()
    return page


async def _patient_id(dashboard: LiveDashboard, name: str) -> int:
    async with dashboard.ctx.sessions() as session:
        found = await session.scalar(select(Patient.id).where(Patient.display_name == name))
    assert found is not None
    return int(found)


async def _assert_fits(page: Page, what: str) -> None:
    width = await page.evaluate("window.innerWidth")
    assert await page.evaluate("document.documentElement.scrollWidth") <= width, what
    out_of_sight = await page.evaluate(_OUT_OF_SIGHT)
    assert out_of_sight == [], f"{what}: out of sight without a sideways swipe: {out_of_sight}"


def _inside(box: FloatRect | None, width: int) -> bool:
    return (
        box is not None
        and box["width"] > 0
        and box["height"] > 0
        and box["x"] >= -EDGE
        and box["x"] + box["width"] <= width + EDGE
    )


def _name(size: ViewportSize) -> str:
    return "phone" if size == PHONE else "desktop"


@pytest.mark.parametrize("size", SIZES)
async def test_patients_list_shows_every_figure_on_screen(
    dashboard: LiveDashboard, browser: Browser, screenshots: Path, size: ViewportSize
) -> None:
    page = await _open(browser, dashboard, size)
    width = size["width"]
    await _assert_fits(page, "patients")

    rows = page.locator("table.patients tbody tr")
    cells = await rows.evaluate_all(_CELLS)
    assert len(cells) == len(PROFILES)
    for row in cells:
        labels = [cell["label"] for cell in row]
        assert labels == [
            "th",
            "Status",
            "Plan",
            "Days covered, 7 days",
            "Days covered, 30 days",
            "Last dose",
            "Last check-in",
            "Craving",
            "Open alerts",
        ]
        for cell in row:
            where = f"{row[0]['text'].splitlines()[0]}: {cell['label']}"
            assert cell["width"] > 0 and cell["height"] > 0, f"{where} is not shown"
            assert cell["left"] >= -EDGE and cell["right"] <= width + EDGE, (
                f"{where} spans {cell['left']:.0f}..{cell['right']:.0f}, off a {width}px screen"
            )
        figures = {cell["label"]: cell["text"] for cell in row}
        assert re.fullmatch(r"\d+%|—", figures["Days covered, 7 days"])
        assert re.fullmatch(r"\d+%|—", figures["Days covered, 30 days"])
        assert re.match(r"\d+", figures["Open alerts"])

    # Why someone needs a call stays in sight under their name.
    why = page.locator("table.patients .attention-why")
    assert await why.count() >= 3
    for index in range(await why.count()):
        line = why.nth(index)
        await expect(line).to_be_visible()
        assert _inside(await line.bounding_box(), width)
        assert (await line.inner_text()).strip()

    # The table can still be sorted, by links in reach.
    sort_by_week = page.locator("table.patients thead").get_by_role("link", name="7 days")
    await expect(sort_by_week).to_be_visible()
    box = await sort_by_week.bounding_box()
    assert _inside(box, width)

    if size == PHONE:
        # A list of cards: each figure says what it is, and the sort links are thumb-sized.
        for row in cells:
            for cell in row[1:]:
                assert cell["shown_label"] == cell["label"]
        assert box is not None and box["height"] >= THUMB
    else:
        # A real table with its column headers, and no labels repeated in the cells.
        display = await page.locator("table.patients").evaluate("t => getComputedStyle(t).display")
        assert display == "table"
        await expect(page.locator("table.patients thead th").nth(3)).to_be_visible()
        assert all(cell["shown_label"] == "" for row in cells for cell in row)
    await page.screenshot(path=screenshots / f"{_name(size)}-patients.png", full_page=True)
    await page.context.close()


@pytest.mark.parametrize("size", SIZES)
async def test_take_and_resolve_are_on_screen_and_thumb_sized(
    dashboard: LiveDashboard, browser: Browser, screenshots: Path, size: ViewportSize
) -> None:
    page = await _open(browser, dashboard, size)
    width = size["width"]
    await page.goto(f"{dashboard.base_url}/alerts")
    await _assert_fits(page, "alerts")

    rows = page.locator("table.alerts tbody tr")
    count = await rows.count()
    assert count >= 3
    for index in range(count):
        row = rows.nth(index)
        summary = (await row.locator("th").inner_text()).strip()
        for name in ("I'll take it", "Resolve"):
            button = row.get_by_role("button", name=re.compile(f"^{re.escape(name)}"))
            await expect(button).to_be_visible()
            box = await button.bounding_box()
            assert _inside(box, width), f"{name} for {summary!r} is off a {width}px screen: {box}"
            if size == PHONE:
                assert box is not None
                assert box["height"] >= THUMB and box["width"] >= THUMB, (summary, name, box)
        for label in ("Patient", "Summary", "Raised", "State"):
            cell = row.locator(f"td[data-label='{label}']")
            await expect(cell).to_be_visible()
            assert _inside(await cell.bounding_box(), width), (summary, label)
    await page.screenshot(path=screenshots / f"{_name(size)}-alerts.png", full_page=True)

    # The button in reach works: take the first alert from its card.
    first = rows.first
    await first.get_by_role("button", name=re.compile(r"^I'll take it")).click()
    await expect(page.get_by_role("status")).to_contain_text("it's yours")
    await expect(rows.first).to_contain_text("Taken by Demo Nurse")
    await _assert_fits(page, "alerts after taking one")
    await page.context.close()


@pytest.mark.parametrize("size", SIZES)
async def test_patient_page_charts_fit_up_to_the_latest_day(
    dashboard: LiveDashboard, browser: Browser, screenshots: Path, size: ViewportSize
) -> None:
    page = await _open(browser, dashboard, size)
    width = size["width"]
    await page.goto(f"{dashboard.base_url}/patients/{await _patient_id(dashboard, 'Morgan Diaz')}")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Morgan Diaz")
    await _assert_fits(page, "patient")

    for chart in ("svg.chart-calendar", "svg.chart-craving"):
        svg = page.locator(chart)
        await expect(svg).to_be_visible()
        box = await svg.bounding_box()
        frame = await page.locator("figure.chart-box", has=svg).bounding_box()
        assert box is not None and frame is not None
        assert _inside(box, width), f"{chart} spans {box}"
        assert box["x"] + box["width"] <= frame["x"] + frame["width"] + EDGE, chart
        # Nothing of the chart hides behind a sideways scroll of its frame.
        assert await page.locator("figure.chart-box", has=svg).evaluate(
            "f => f.scrollWidth <= f.clientWidth"
        ), chart

    # The latest days are in sight: the last square of the calendar, the last craving dot and
    # the end date under the trend.
    latest_day = page.locator("svg.chart-calendar rect[data-date]").last
    latest_craving = page.locator("svg.chart-craving circle[data-craving]").last
    end_label = page.locator("svg.chart-craving .axes text").last
    for mark in (latest_day, latest_craving, end_label):
        assert _inside(await mark.bounding_box(), width)
    # The trend's labels stay readable as the chart shrinks (Chromium's smallest default is 6px).
    label_box = await end_label.bounding_box()
    assert label_box is not None and label_box["height"] >= 9

    # The patient's alerts: Take and Resolve within reach as well.
    alerts = page.locator("#alerts table tbody tr")
    assert await alerts.count() >= 1
    resolve = alerts.first.get_by_role("button", name=re.compile(r"^Resolve"))
    box = await resolve.bounding_box()
    assert _inside(box, width)
    if size == PHONE:
        assert box is not None and box["height"] >= THUMB
    await page.screenshot(path=screenshots / f"{_name(size)}-patient.png", full_page=True)
    await page.context.close()


@pytest.mark.parametrize("size", SIZES)
async def test_no_page_scrolls_sideways(
    dashboard: LiveDashboard, browser: Browser, screenshots: Path, size: ViewportSize
) -> None:
    page = await _open(browser, dashboard, size)
    base = dashboard.base_url
    for path, name in [
        ("/patients?attention=1", "attention"),
        ("/alerts?show=all", "alerts-all"),
        ("/audit", "audit"),
        ("/content", "content"),
    ]:
        await page.goto(base + path)
        await expect(page.get_by_role("heading", level=1)).to_be_visible()
        await _assert_fits(page, path)
        await page.screenshot(path=screenshots / f"{_name(size)}-{name}.png", full_page=True)
    await page.context.close()
