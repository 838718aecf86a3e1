"""The staff dashboard as an ASGI app: ``create_app(ctx)``.

Pages (server-rendered, no JavaScript) and a JSON API under ``/api/``, both behind a sign-in by
one-time link. Unauthenticated, a page sends the browser to a "sign in from Telegram" page and
the API answers 401; the OpenAPI description is only served to signed-in staff.

Before any route: request bodies are limited (:mod:`bot.dashboard.limits`), and only requests
addressed to PUBLIC_URL's host or to loopback are answered (anything else is a 400), so a forged
Host header reaches nothing. Redirects are paths on this site, never built from the Host header
(Starlette's trailing-slash redirect, which was, is off: ``/patients/`` is simply not found).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from bot.dashboard.api import api_router
from bot.dashboard.core import SIGN_IN_PATH, STATIC, Dashboard, SignInRequired
from bot.dashboard.limits import BodyLimit, trusted_hosts
from bot.dashboard.pages import add_pages
from bot.dashboard.security import SecurityHeaders
from bot.dashboard.staff_pages import add_staff_pages
from bot.i18n import SN_, st
from bot.services.context import AppContext

TITLES = {
    400: (SN_("Bad request"), SN_("That address isn't one the dashboard understands.")),
    401: (SN_("Sign in"), SN_("Please sign in first.")),
    403: (SN_("Not allowed"), SN_("You don't have access to this page.")),
    404: (SN_("Not found"), SN_("There's nothing at this address.")),
    405: (SN_("Not found"), SN_("There's nothing at this address.")),
    413: (
        SN_("Too large"),
        SN_("That was more than the dashboard accepts, so nothing was changed."),
    ),
}
SOMETHING_WRONG = (SN_("Something went wrong"), SN_("Please try again."))


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def create_app(ctx: AppContext) -> FastAPI:
    dash = Dashboard(ctx)
    app = FastAPI(
        title="Recovery bot staff API",
        version="1",
        description=(
            "Read-only access to your clinic's patients and alerts, for signed-in staff. "
            "Sign in by opening a one-time link from the bot (/dashboard); the browser then "
            "holds the session cookie. Every call is written to the clinic's audit log."
        ),
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        # Its redirect would be built from the Host header.
        redirect_slashes=False,
    )
    app.state.dashboard = dash

    @app.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, exc: SignInRequired) -> Response:
        target = SIGN_IN_PATH + ("?ended=1" if exc.had_cookie else "")
        response = RedirectResponse(target, status_code=303)
        dash.clear_session_cookie(response)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request):
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        title, text = TITLES.get(exc.status_code, SOMETHING_WRONG)
        visitor = await dash.visitor(request) if exc.status_code in (404, 405) else None
        return dash.message(
            request,
            title=st(title),
            text=st(text),
            status_code=exc.status_code,
            visitor=visitor,
            link=("/patients", st("Back to patients")) if visitor else None,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return await request_validation_exception_handler(request, exc)
        # A malformed id in the address is simply a page that does not exist.
        in_path = any(error.get("loc", ("",))[0] == "path" for error in exc.errors())
        status = 404 if in_path else 400
        title, text = TITLES[status]
        visitor = await dash.visitor(request)
        return dash.message(
            request,
            title=st(title),
            text=st(text),
            status_code=status,
            visitor=visitor,
            link=("/patients", st("Back to patients")) if visitor else None,
        )

    add_pages(app, dash)
    add_staff_pages(app, dash)
    app.include_router(api_router(dash))
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # The last added runs first: headers on every answer, then Host, then the body's size.
    app.add_middleware(BodyLimit)
    app.add_middleware(
        TrustedHostMiddleware,
        allowed_hosts=trusted_hosts(ctx.settings.public_url),
        www_redirect=False,
    )
    app.add_middleware(SecurityHeaders, https=dash.secure)
    return app
