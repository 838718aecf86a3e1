"""The Staff page, for clinic admins: colleagues and pending invites; invite, withdraw, remove.

Everything goes through :mod:`bot.services.staff_invites`, which checks again that the visitor is
an active admin and that what they act on is their own clinic's, and audits it. Forms carry the
session's CSRF token like the alert forms. A new invite's link is shown once, on the answer to
the form that made it (it is not stored, only its hash); without the bot's username (the offline
demo, or Telegram out of reach) the page shows the ``/start staff-...`` message to send instead.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from telegram import Bot

from bot.dashboard.core import Dashboard, Page, Visitor, form_text, read_form, valid_id
from bot.db.models import StaffRole
from bot.i18n import SN_, st
from bot.services import staff_invites
from bot.services.context import AppContext

log = logging.getLogger(__name__)

ADMINS_ONLY = SN_("Only clinic admins can see and change who is on the care team.")
GET_ME_TIMEOUT = 5.0


async def bot_username(ctx: AppContext) -> str | None:
    """The bot's username for t.me links: known when the bot runs in this process, else asked
    of Telegram once (a dashboard of its own); None offline or when Telegram cannot be
    reached (the page then shows the message to send instead of a link)."""
    if ctx.identity.username or ctx.settings.telegram_bot_token is None:
        return ctx.identity.username
    bot = Bot(ctx.settings.telegram_bot_token, base_url=ctx.settings.telegram_api_base_url)
    try:
        async with asyncio.timeout(GET_ME_TIMEOUT):
            async with bot:
                ctx.identity.username = bot.username
    except Exception as exc:  # the link can be replaced by the message to send; never fail
        log.warning("dashboard: the bot's username is unknown (%s)", type(exc).__name__)
    return ctx.identity.username


def add_staff_pages(app: FastAPI, dash: Dashboard) -> None:
    ctx = dash.ctx

    def admins_only(request: Request, visitor: Visitor) -> HTMLResponse:
        return dash.message(
            request,
            title=st("Admins only"),
            text=st(ADMINS_ONLY),
            status_code=403,
            visitor=visitor,
            link=("/patients", st("Back to patients")),
        )

    def expired(request: Request, visitor: Visitor) -> HTMLResponse:
        return dash.message(
            request,
            title=st("Form expired"),
            text=st(
                "This form has expired, so nothing was changed. Reload the page and try again."
            ),
            status_code=403,
            visitor=visitor,
        )

    async def page(
        request: Request,
        visitor: Visitor,
        *,
        new_invite: staff_invites.NewInvite | None = None,
        confirm: int | None = None,
    ) -> HTMLResponse:
        async with ctx.sessions.begin() as session:
            listing = await staff_invites.staff_page(ctx, session, visitor.staff.id)
        removing = next((c for c in listing.colleagues if c.id == confirm and not c.is_you), None)
        invite_link = None
        username = None
        if new_invite is not None:
            username = await bot_username(ctx)
            invite_link = staff_invites.link_for(username, new_invite.token)
        return dash.render(
            request,
            "staff.html",
            title=st("Staff"),
            nav="staff",
            visitor=visitor,
            colleagues=listing.colleagues,
            pending=listing.pending,
            new_invite=new_invite,
            invite_link=invite_link,
            is_link=bool(username),
            lifetime=staff_invites.expiry_words(),
            role_label=staff_invites.role_label,
            removing=removing,
        )

    @app.get("/staff", include_in_schema=False)
    async def staff(request: Request, visitor: Page, remove: int | None = None) -> HTMLResponse:
        if not visitor.staff.is_admin:
            return admins_only(request, visitor)
        try:
            return await page(request, visitor, confirm=remove)
        except staff_invites.NotAllowed:  # no longer an admin since the session was checked
            return admins_only(request, visitor)

    @app.post("/staff/invite", include_in_schema=False)
    async def invite(request: Request, visitor: Page) -> Response:
        form = await read_form(request)
        if not dash.csrf_ok(visitor, form_text(form, "csrf")):
            return expired(request, visitor)
        if not visitor.staff.is_admin:
            return admins_only(request, visitor)
        role = StaffRole.ADMIN if form_text(form, "role") == "admin" else StaffRole.STAFF
        try:
            made = await staff_invites.create_invite(ctx, visitor.staff.id, role, via="dashboard")
            return await page(request, visitor, new_invite=made)
        except staff_invites.NotAllowed:
            return admins_only(request, visitor)

    async def act(request: Request, visitor: Visitor, target: int, verb: str) -> Response:
        form = await read_form(request)
        if not dash.csrf_ok(visitor, form_text(form, "csrf")):
            return expired(request, visitor)
        if not visitor.staff.is_admin:
            return admins_only(request, visitor)
        try:
            if not valid_id(target):
                notice = st("There's nothing at that address, so nothing changed.")
            elif verb == "revoke":
                notice = await staff_invites.revoke(ctx, visitor.staff.id, target)
            else:
                notice = await staff_invites.remove(ctx, visitor.staff.id, target)
        except staff_invites.NotAllowed:
            return admins_only(request, visitor)
        response = RedirectResponse("/staff", status_code=303)
        dash.flash(response, notice)
        return response

    @app.post("/staff/invites/{invite_id}/revoke", include_in_schema=False)
    async def revoke_invite(request: Request, visitor: Page, invite_id: int) -> Response:
        return await act(request, visitor, invite_id, "revoke")

    @app.post("/staff/{staff_id}/remove", include_in_schema=False)
    async def remove_colleague(request: Request, visitor: Page, staff_id: int) -> Response:
        return await act(request, visitor, staff_id, "remove")
