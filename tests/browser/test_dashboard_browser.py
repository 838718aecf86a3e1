"""A care-team member's visit to the dashboard in headless Chromium, and what must be refused.

The journey runs with JavaScript switched off (the dashboard needs none) on SQLite and Postgres;
the hostile-name test runs with JavaScript on, so an injected script would actually fire.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, ConsoleMessage, Dialog, expect
from sqlalchemy import select

from bot.db.models import Alert, AuditEntry, Clinic, Patient
from bot.domain import risk
from bot.domain.schedules import Plan, PlanKind
from bot.services.demo import DEMO_CLINIC, PROFILES
from tests.browser.live import LiveDashboard, live_dashboard
from tests.support import make_patient, new_clinic

pytestmark = pytest.mark.browser

HOSTILE = "<script>alert(1)</script>"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


async def test_staff_journey_without_javascript(
    db_url: str, browser: Browser, screenshots: Path
) -> None:
    async with live_dashboard(db_url) as live:
        context = await browser.new_context(
            java_script_enabled=False, accept_downloads=True, viewport=DESKTOP
        )
        page = await context.new_page()
        base = live.base_url

        # Sign in through a one-time link: it lands on the patients table.
        link = await live.login_link()
        await page.goto(link)
        await expect(page).to_have_url(f"{base}/patients")
        await expect(page.get_by_role("heading", name="Patients", level=1)).to_be_visible()
        table = page.locator("table.patients")
        await expect(table.locator("tbody tr")).to_have_count(len(PROFILES))
        await expect(table).to_contain_text("Alex Morgan")
        await page.screenshot(path=screenshots / "patients.png", full_page=True)

        # Sorting by a column is a link; the header says how the table is sorted.
        await page.get_by_role("link", name="7 days").click()
        await expect(page.locator("th[aria-sort='ascending']")).to_contain_text("7 days")
        # The "needs attention" filter keeps only who needs a call, most urgent first.
        await page.get_by_role("link", name=re.compile(r"^Needs attention \(\d+\)$")).click()
        await expect(table.locator("tbody tr").first).to_contain_text("Morgan Diaz")

        # A patient: the 90-day dose calendar and the craving chart, drawn on the server.
        await page.get_by_role("link", name="Morgan Diaz").click()
        await expect(page.get_by_role("heading", level=1)).to_contain_text("Morgan Diaz")
        calendar = page.locator("svg.chart-calendar")
        await expect(calendar).to_be_visible()
        await expect(calendar.locator("rect[data-date]")).to_have_count(90)
        await expect(calendar.locator("rect[data-status='missed']").first).to_be_visible()
        await expect(page.locator("svg.chart-craving circle[data-craving]").first).to_be_visible()
        await page.screenshot(path=screenshots / "patient.png", full_page=True)

        # The alert queue: resolve one through its form.
        await page.get_by_role("navigation", name="Main").get_by_role("link", name="Alerts").click()
        rows = page.locator("table.alerts tbody tr")
        await expect(rows.first).to_be_visible()
        before = await rows.count()
        await page.screenshot(path=screenshots / "alerts.png", full_page=True)
        craving = rows.filter(has_text="High craving")
        await expect(craving).to_have_count(1)
        await craving.get_by_role("button", name=re.compile(r"^Resolve")).click()
        await expect(page.get_by_role("status")).to_have_text("Resolved.")
        await expect(rows).to_have_count(before - 1)
        await expect(rows.filter(has_text="High craving")).to_have_count(0)
        async with live.ctx.sessions() as session:
            alert = await session.scalar(select(Alert).where(Alert.kind == "high_craving"))
        assert alert is not None and alert.status == "resolved"
        assert alert.resolved_by == live.staff_id
        await page.get_by_role("link", name="Include resolved").click()
        await expect(rows.filter(has_text="High craving")).to_contain_text("Resolved by Demo Nurse")

        # The audit log (the demo staff member is a clinic admin) shows what just happened.
        await page.get_by_role("link", name="Audit log").click()
        audit = page.locator("table.audit")
        await expect(audit).to_contain_text("alert.resolve")
        await expect(audit).to_contain_text("dashboard.patient")
        await page.screenshot(path=screenshots / "audit.png", full_page=True)

        # CSV export, as a download.
        main_nav = page.get_by_role("navigation", name="Main")
        await main_nav.get_by_role("link", name="Patients").click()
        async with page.expect_download() as started:
            await page.get_by_role("link", name="Export CSV").click()
        download = await started.value
        assert download.suggested_filename == "patients-2026-11-25.csv"
        saved = await download.path()
        exported = list(csv.DictReader(io.StringIO(Path(saved).read_text("utf-8-sig"))))
        assert sorted(r["name"] for r in exported) == sorted(p.name for p in PROFILES)
        async with live.ctx.sessions() as session:
            actions = set(await session.scalars(select(AuditEntry.action)))
        assert {"dashboard.login", "dashboard.patients", "dashboard.patient"} <= actions
        assert {"dashboard.alerts", "dashboard.export_csv", "alert.resolve"} <= actions

        # Sign out: the patients page now asks to sign in.
        await page.get_by_role("button", name="Sign out").click()
        await expect(page.get_by_role("status")).to_have_text("You're signed out.")
        await page.goto(f"{base}/patients")
        await expect(page).to_have_url(f"{base}/sign-in")
        await expect(page.get_by_role("heading", name="Sign in from Telegram")).to_be_visible()
        await expect(page.locator("table.patients")).to_have_count(0)

        # The link worked once: reused, it is refused.
        response = await page.goto(link)
        assert response is not None and response.status == 403
        await expect(page.get_by_text("This link has expired or was already used")).to_be_visible()
        await page.goto(f"{base}/patients")
        await expect(page).to_have_url(f"{base}/sign-in")
        await context.close()


async def test_expired_link_refused_and_idle_session_ends(
    dashboard: LiveDashboard, browser: Browser, screenshots: Path
) -> None:
    page = await browser.new_page(viewport=DESKTOP)
    base = dashboard.base_url

    stale = await dashboard.login_link()
    dashboard.clock.advance(timedelta(minutes=10, seconds=1))
    response = await page.goto(stale)
    assert response is not None and response.status == 403
    await expect(page.get_by_role("heading", name="Link expired")).to_be_visible()
    await expect(page.get_by_text("Ask the bot for a new one with /dashboard")).to_be_visible()
    await page.screenshot(path=screenshots / "link-expired.png")
    await page.goto(f"{base}/patients")
    await expect(page).to_have_url(f"{base}/sign-in")

    # Just inside ten minutes a link still works.
    fresh = await dashboard.login_link()
    dashboard.clock.advance(timedelta(minutes=9, seconds=59))
    await page.goto(fresh)
    await expect(page.locator("table.patients")).to_be_visible()

    # Thirty idle minutes end the session, whatever the browser still holds.
    dashboard.clock.advance(timedelta(minutes=31))
    await page.reload()
    await expect(page).to_have_url(f"{base}/sign-in?ended=1")
    await expect(page.get_by_role("status")).to_contain_text("Your session has ended")
    await page.close()


async def test_hostile_name_is_text_and_other_clinic_is_not_found(
    dashboard: LiveDashboard, browser: Browser, screenshots: Path
) -> None:
    ctx = dashboard.ctx
    async with ctx.sessions() as session:
        demo_clinic = await session.scalar(select(Clinic.id).where(Clinic.name == DEMO_CLINIC))
    assert demo_clinic is not None
    plan = Plan(PlanKind.DAILY, "America/New_York", (time(8, 0),), dose_mg=50)
    hostile_id, _ = await make_patient(ctx, plan, chat_id=5001, clinic_id=demo_clinic, name=HOSTILE)
    other = await new_clinic(ctx, "Other Clinic")
    other_id, _ = await make_patient(
        ctx, plan, chat_id=5002, clinic_id=other.id, name="Olive Elsewhere"
    )
    async with ctx.sessions.begin() as session:
        finding = risk.missed_doses(HOSTILE, 2)
        session.add(
            Alert(
                clinic_id=demo_clinic,
                patient_id=hostile_id,
                kind=finding.kind.value,
                severity=finding.severity,
                summary=finding.summary,
                created_at=datetime(2026, 11, 25, 14, 0, tzinfo=UTC),
            )
        )

    context = await browser.new_context(viewport=DESKTOP)  # JavaScript on: a script would run
    page = await context.new_page()
    dialogs: list[str] = []
    problems: list[str] = []

    async def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()

    def on_console(message: ConsoleMessage) -> None:
        # (The 404 page below is reported as a failed load; that one is expected.)
        if message.type == "error" and "status of 404" not in message.text:
            problems.append(message.text)

    page.on("dialog", on_dialog)
    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))

    await page.goto(await dashboard.login_link())
    name_link = page.get_by_role("link", name=HOSTILE, exact=True)
    await expect(name_link).to_be_visible()
    await name_link.click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(HOSTILE)
    await expect(page).to_have_title(f"{HOSTILE} · Care team dashboard")
    await page.goto(f"{dashboard.base_url}/alerts")
    await expect(page.locator("table.alerts")).to_contain_text(f"{HOSTILE} has missed 2 doses")
    assert await page.locator("body script").count() == 0
    assert dialogs == []

    # Another clinic's patient is not found, like one that does not exist.
    response = await page.goto(f"{dashboard.base_url}/patients/{other_id}")
    assert response is not None and response.status == 404
    await expect(page.get_by_role("heading", name="Patient not found")).to_be_visible()
    await expect(page.locator("body")).not_to_contain_text("Olive Elsewhere")
    api = await page.request.get(f"{dashboard.base_url}/api/patients/{other_id}")
    assert api.status == 404
    await page.goto(f"{dashboard.base_url}/patients")
    await expect(page.locator("table.patients")).not_to_contain_text("Olive Elsewhere")

    # On a phone the page fits the screen and the table is a list of cards: nothing scrolls
    # sideways, not even inside the table's frame (test_phone_layout checks every page).
    await page.set_viewport_size(PHONE)
    await page.reload()
    fits = await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    scrolls = await page.evaluate(
        "(() => { const w = document.querySelector('.table-wrap');"
        " return w.scrollWidth > w.clientWidth; })()"
    )
    assert fits and not scrolls
    await page.screenshot(path=screenshots / "patients-phone.png", full_page=True)
    morgan = await _patient_id(dashboard, "Morgan Diaz")
    await page.goto(f"{dashboard.base_url}/patients/{morgan}")
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    chart_width = await page.locator("svg.chart-calendar").evaluate(
        "svg => svg.getBoundingClientRect().width"
    )
    assert 200 < chart_width <= PHONE["width"]
    await page.screenshot(path=screenshots / "patient-phone.png", full_page=True)

    assert dialogs == []
    # Nothing was blocked by the Content-Security-Policy (no inline style or script anywhere).
    assert problems == []
    await context.close()


async def _patient_id(dashboard: LiveDashboard, name: str) -> int:
    async with dashboard.ctx.sessions() as session:
        found = await session.scalar(select(Patient.id).where(Patient.display_name == name))
    assert found is not None
    return int(found)
