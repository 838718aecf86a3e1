"""The server-rendered pages: sign-in, patients, a patient, alerts, export, audit log.

Every page works without JavaScript. Every read goes through :mod:`bot.services.staff_views`,
which limits it to the staff member's clinic and writes it to the audit log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated
from urllib.parse import urlencode

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from bot.charts import calendar_svg, craving_svg
from bot.dashboard import throttle
from bot.dashboard.core import (
    MAX_TOKEN_LENGTH,
    SESSION_COOKIE,
    SIGN_IN_PATH,
    Dashboard,
    Page,
    Visitor,
    form_text,
    read_form,
    valid_id,
)
from bot.dashboard.export import patients_csv
from bot.domain.inputs import parse_number, strip_bidi
from bot.i18n import SN_, st
from bot.services import sms_usage, staff_auth, staff_views
from bot.services.alerts import ACK, NOT_VALID, RESOLVE
from bot.services.clinic_summary import Listing
from bot.services.staff_views import DETAIL_DAYS, PAGE_SIZE

AUDIT_PAGE = 100
LINK_REFUSED = SN_(
    "This link has expired or was already used. Ask the bot for a new one with /dashboard."
)
TOO_MANY = SN_(
    "Too many sign-in attempts with links that did not work. Wait ten minutes, then open a "
    "new link from the bot (/dashboard)."
)
# Link-preview fetchers (Telegram's own among them) must not use up a one-time link.
_PREVIEW_AGENTS = re.compile(
    r"TelegramBot|Slackbot|facebookexternalhit|Facebot|WhatsApp|Discordbot|Twitterbot|"
    r"LinkedInBot|SkypeUriPreview|Googlebot|bingbot|redditbot|Embedly",
    re.IGNORECASE,
)
# Where a form may send the browser back to (never an address from outside).
_SAFE_NEXT = re.compile(r"^/(alerts(\?show=all)?|patients/\d{1,10})$")


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # through the staff catalog where it is shown
    sort: str | None  # the service's sort key (bot.services.clinic_summary.SORTS), if sortable
    first: str = "asc"  # the direction of a first click: worst first where that helps


COLUMNS = (
    Column("name", SN_("Patient"), "name"),
    Column("status", SN_("Status"), None),
    Column("plan", SN_("Plan"), None),
    Column("pdc7", SN_("7 days"), "pdc7"),
    Column("pdc30", SN_("30 days"), "pdc30"),
    Column("last_dose", SN_("Last dose"), "last_dose", "desc"),
    Column("last_check_in", SN_("Last check-in"), "last_check_in", "desc"),
    Column("craving", SN_("Craving"), "craving", "desc"),
    Column("alerts", SN_("Open alerts"), "alerts", "desc"),
)
SORTABLE = {c.sort: c for c in COLUMNS if c.sort}
# The list opens with the people who need a call today first (urgent alerts, open alerts,
# misses in a row, the worst week) until another sort is chosen: a nurse on a Monday morning
# should not have to find them among everyone else.
ATTENTION_SORT = "urgency"


def add_pages(app: FastAPI, dash: Dashboard) -> None:
    ctx = dash.ctx

    def refused(request: Request, visitor: Visitor) -> HTMLResponse:
        return dash.message(
            request,
            title=st("Form expired"),
            text=st(
                "This form has expired, so nothing was changed. Reload the page and try again."
            ),
            status_code=403,
            visitor=visitor,
        )

    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse("/patients", status_code=303)

    @app.get(SIGN_IN_PATH, include_in_schema=False)
    async def sign_in(request: Request, out: str = "", ended: str = "") -> Response:
        if await dash.visitor(request) is not None:
            return RedirectResponse("/patients", status_code=303)
        response = dash.render(
            request,
            "sign_in.html",
            title=st("Sign in"),
            signed_out=out == "1",
            ended=ended == "1",
        )
        dash.clear_session_cookie(response)
        return response

    @app.get(staff_auth.LOGIN_PATH + "{token}", include_in_schema=False)
    async def login(request: Request, token: str) -> Response:
        if _PREVIEW_AGENTS.search(request.headers.get("user-agent", "")):
            return dash.message(
                request,
                title=st("Open in your browser"),
                text=st("Open this sign-in link in your browser."),
                status_code=200,
            )
        now = ctx.clock.now()
        address = request.client.host if request.client else None
        client = staff_auth.client_ref(address, ctx.settings.secret_key)
        keys = throttle.keys(address, token)
        held = dash.throttle.blocked(keys, now)
        if held is not None:
            # Refused before any look-up: not even a valid link is tried from here for now.
            if dash.throttle.first_block(held):
                await staff_auth.record_throttled(ctx, throttle.kind(held), client)
            wait = dash.message(
                request, title=st("Too many attempts"), text=st(TOO_MANY), status_code=429
            )
            wait.headers["retry-after"] = str(dash.throttle.retry_after(held, now))
            return wait
        redeemed = None
        if len(token) <= MAX_TOKEN_LENGTH:
            redeemed = await staff_auth.redeem(ctx, token, client)
        else:
            await staff_auth.refuse(ctx, client, "malformed")
        if redeemed is None:
            dash.throttle.failed(keys, now)
            return dash.message(
                request,
                title=st("Link expired"),
                text=st(LINK_REFUSED),
                hint=st("Sign-in links work once, for 10 minutes."),
                status_code=403,
            )
        session_token, _member = redeemed
        previous = request.cookies.get(SESSION_COOKIE)
        if previous and len(previous) <= MAX_TOKEN_LENGTH:
            # One browser, one session: the one this browser held before ends now.
            await staff_auth.logout(ctx, previous)
        response = RedirectResponse("/patients", status_code=303)
        dash.set_session_cookie(response, session_token)
        return response

    # Forms: the route's `visitor` checks the session first; only then is the body read.

    @app.post("/logout", include_in_schema=False)
    async def logout(request: Request, visitor: Page) -> Response:
        form = await read_form(request)
        if not dash.csrf_ok(visitor, form_text(form, "csrf")):
            return refused(request, visitor)
        await staff_auth.logout(ctx, visitor.session_token)
        response = RedirectResponse(f"{SIGN_IN_PATH}?out=1", status_code=303)
        dash.clear_session_cookie(response)
        return response

    @app.get("/patients", include_in_schema=False)
    async def patients(
        request: Request,
        visitor: Page,
        sort: str = "",
        dir_: Annotated[str, Query(alias="dir")] = "",
        attention: str = "",
        page: str = "",
        q: str = "",
    ) -> HTMLResponse:
        only_attention = attention == "1"
        chosen = sort if sort in SORTABLE else ""
        key = chosen or ATTENTION_SORT
        column = SORTABLE.get(key)
        direction = dir_ if dir_ in ("asc", "desc") else (column.first if column else "asc")
        number = parse_number(page, 99_999) or 1
        query = " ".join(q.split())[:100]
        listing = Listing(
            sort=key,
            descending=direction == "desc",
            attention_only=only_attention,
            limit=PAGE_SIZE,
            offset=(number - 1) * PAGE_SIZE,
        )
        async with ctx.sessions.begin() as session:
            found = (
                await staff_views.find_patients(ctx, session, visitor.staff, query)
                if query
                else None
            )
            table = await staff_views.patients_page(
                ctx, session, visitor.staff, listing, "dashboard.patients"
            )
            texts = await sms_usage.usage(session, visitor.staff.clinic_id, ctx.clock.now())

        def link(**changes: str) -> str:
            params = {"attention": "1" if only_attention else "", "sort": chosen, "dir": ""}
            if chosen:
                params["dir"] = direction
            params |= changes
            kept = {k: v for k, v in params.items() if v}
            return "/patients" + (f"?{urlencode(kept)}" if kept else "")

        headers = []
        for c in COLUMNS:
            current = c.sort == key
            next_dir = ("desc" if direction == "asc" else "asc") if current else c.first
            headers.append(
                {
                    "column": c,
                    "label": st(c.label),
                    "href": link(sort=c.sort, dir=next_dir, page="") if c.sort else None,
                    "aria_sort": ("ascending" if direction == "asc" else "descending")
                    if current
                    else None,
                }
            )
        pages = table.pages
        return dash.render(
            request,
            "patients.html",
            title=st("Patients"),
            nav="patients",
            visitor=visitor,
            table=table,
            languages=table.languages,
            counts=table.counts,
            # What texting costs this month, once the clinic texts (or SMS is on at all).
            texts=texts if texts.texts or ctx.settings.sms_enabled else None,
            rows=table.rows,
            headers=headers,
            flagged=dash.attention_reasons(table.rows),
            by_urgency=key == ATTENTION_SORT,
            only_attention=only_attention,
            query=query,
            found=found,
            page=table.page,
            pages=pages,
            previous_link=link(page=str(table.page - 1)) if table.page > 1 else None,
            next_link=link(page=str(table.page + 1)) if table.page < pages else None,
            first_row=listing.offset + 1,
            all_link=link(attention="", sort="", dir=""),
            attention_link=link(attention="1", sort="", dir=""),
            export_link="/export.csv" + ("?attention=1" if only_attention else ""),
        )

    def patient_not_found(
        request: Request, session: AsyncSession, visitor: Visitor, patient_id: int, action: str
    ) -> HTMLResponse:
        """Someone else's patient, or nobody: the same 404 either way, and the attempt audited
        (in the caller's transaction)."""
        staff_views.read(
            session, ctx, visitor.staff, f"{action}.not_found", detail={"requested_id": patient_id}
        )
        return dash.message(
            request,
            title=st("Patient not found"),
            text=st(
                "No patient of {clinic} has this address.",
                clinic=strip_bidi(visitor.staff.clinic_name),
            ),
            status_code=404,
            visitor=visitor,
            link=("/patients", st("Back to patients")),
        )

    @app.get("/patients/{patient_id}", include_in_schema=False)
    async def patient(request: Request, visitor: Page, patient_id: int) -> HTMLResponse:
        detail = None
        async with ctx.sessions.begin() as session:
            if valid_id(patient_id):
                detail = await staff_views.patient_detail(
                    ctx, session, visitor.staff, patient_id, "dashboard.patient"
                )
            if detail is None:
                return patient_not_found(request, session, visitor, patient_id, "dashboard.patient")
        start = detail.today - timedelta(days=DETAIL_DAYS - 1)
        return dash.render(
            request,
            "patient.html",
            title=strip_bidi(detail.row.name) or detail.row.code,
            nav="patients",
            visitor=visitor,
            detail=detail,
            row=detail.row,
            needs_attention=bool(dash.attention_ids([detail.row])),
            calendar=Markup(calendar_svg(detail.calendar, label=st("Doses, last 90 days"))),  # noqa: S704 - the chart escapes its text
            cravings=Markup(  # noqa: S704 - the chart escapes its text
                craving_svg(
                    detail.cravings,
                    label=st("Craving, last 90 days"),
                    start=start,
                    end=detail.today,
                )
            ),
            here=f"/patients/{detail.row.id}",
        )

    @app.get("/alerts", include_in_schema=False)
    async def alerts(request: Request, visitor: Page, show: str = "") -> HTMLResponse:
        include_resolved = show == "all"
        async with ctx.sessions.begin() as session:
            entries = await staff_views.alert_queue(
                ctx, session, visitor.staff, "dashboard.alerts", include_resolved=include_resolved
            )
        return dash.render(
            request,
            "alerts.html",
            title=st("Alerts"),
            nav="alerts",
            visitor=visitor,
            entries=entries,
            include_resolved=include_resolved,
            here="/alerts?show=all" if include_resolved else "/alerts",
        )

    async def act(request: Request, visitor: Visitor, alert_id: int, verb: str) -> Response:
        form = await read_form(request)
        next_page = form_text(form, "next", "/alerts")
        if not dash.csrf_ok(visitor, form_text(form, "csrf")):
            return refused(request, visitor)
        if valid_id(alert_id):
            result = await staff_views.act_on_alert(ctx, visitor.staff, alert_id, verb)
            notice = result.notice or st("Done.")
        else:
            notice = st(NOT_VALID)
        target = next_page if _SAFE_NEXT.match(next_page) else "/alerts"
        response = RedirectResponse(target, status_code=303)
        dash.flash(response, notice)
        return response

    @app.post("/alerts/{alert_id}/ack", include_in_schema=False)
    async def take_alert(request: Request, visitor: Page, alert_id: int) -> Response:
        return await act(request, visitor, alert_id, ACK)

    @app.post("/alerts/{alert_id}/resolve", include_in_schema=False)
    async def resolve_alert(request: Request, visitor: Page, alert_id: int) -> Response:
        return await act(request, visitor, alert_id, RESOLVE)

    @app.get("/patients/{patient_id}/data.json", include_in_schema=False)
    async def patient_data_export(request: Request, visitor: Page, patient_id: int) -> Response:
        """What /mydata gives the patient, for a patient who asks their care team (one reached
        by text cannot be sent a file)."""
        found = None
        async with ctx.sessions.begin() as session:
            if valid_id(patient_id):
                found = await staff_views.patient_export(ctx, session, visitor.staff, patient_id)
            if found is None:
                return patient_not_found(
                    request, session, visitor, patient_id, "dashboard.patient_export"
                )
        code, document = found
        return Response(
            content=document,
            media_type="application/json",
            headers={
                "Content-Disposition": f'attachment; filename="patient-{code}-data.json"',
                "Cache-Control": "no-store",
            },
        )

    @app.get("/export.csv", include_in_schema=False)
    async def export(visitor: Page, attention: str = "") -> Response:
        only_attention = attention == "1"
        async with ctx.sessions.begin() as session:
            overview = await staff_views.overview(
                ctx, session, visitor.staff, "dashboard.export_csv"
            )
        rows = overview.attention if only_attention else overview.patients
        times = dash.times(visitor.staff)
        body = patients_csv(rows, dash.attention_reasons(overview.patients), times)
        name = f"patients-{'attention-' if only_attention else ''}{times.today.isoformat()}.csv"
        return Response(
            # A byte-order mark, so spreadsheet programs read names as UTF-8.
            content="\ufeff" + body,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @app.get("/content", include_in_schema=False)
    async def content(request: Request, visitor: Page) -> HTMLResponse:
        async with ctx.sessions.begin() as session:
            items = await staff_views.content_review(ctx, session, visitor.staff)
        return dash.render(
            request,
            "content.html",
            title=st("Answers awaiting review"),
            nav="content",
            visitor=visitor,
            items=items,
        )

    @app.get("/audit", include_in_schema=False)
    async def audit(request: Request, visitor: Page, before: int | None = None) -> HTMLResponse:
        if before is not None and not valid_id(before):
            before = None
        async with ctx.sessions.begin() as session:
            entries = await staff_views.audit_log(
                ctx, session, visitor.staff, limit=AUDIT_PAGE, before=before
            )
        if entries is None:
            return dash.message(
                request,
                title=st("Admins only"),
                text=st("Only clinic admins can see the audit log."),
                status_code=403,
                visitor=visitor,
                link=("/patients", st("Back to patients")),
            )
        older = f"/audit?before={entries[-1].id}" if len(entries) == AUDIT_PAGE else None
        return dash.render(
            request,
            "audit.html",
            title=st("Audit log"),
            nav="audit",
            visitor=visitor,
            entries=entries,
            older=older,
            paged=before is not None,
        )
