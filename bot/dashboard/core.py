"""What every dashboard route shares: who is signed in, cookies, the templates, notices.

The session cookie holds a random token (only its hash is in the database); it is HttpOnly,
SameSite=Lax, Secure when the dashboard is served over https, and has no expiry of its own: the
server ends a session after 30 idle minutes (:data:`bot.services.staff_auth.IDLE_TIMEOUT`) and
12 hours after sign-in (:data:`bot.services.staff_auth.SESSION_LIFETIME`). Forms that change
something carry a CSRF token bound to the session, and are read only after the session has been
checked (:func:`read_form`).

Names and notes come from outside (patients name themselves; operators name staff and clinics):
pages show them through :func:`isolate`, inside ``<bdi>`` and without bidirectional controls,
so none can reorder the text around it, whatever was stored before ``clean`` stripped them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from starlette.datastructures import FormData

from bot.dashboard import formatting
from bot.dashboard.formatting import Times, zone_or_utc
from bot.dashboard.limits import MAX_BODY_BYTES, MAX_FORM_FIELDS
from bot.dashboard.throttle import SignInThrottle
from bot.domain.inputs import strip_bidi
from bot.i18n import DEFAULT, language_name, nst, st
from bot.services import staff_auth
from bot.services.clinic_summary import PatientRow
from bot.services.context import AppContext
from bot.services.staff_auth import StaffMember

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

SESSION_COOKIE = "rb_session"
NOTICE_COOKIE = "rb_notice"
NOTICE_SECONDS = 60
# Longer than any token we issue; anything else is refused without a database look-up.
MAX_TOKEN_LENGTH = 128
# Ids beyond a 32-bit integer cannot exist (and Postgres would refuse to compare them).
MAX_ID = 2**31 - 1


def valid_id(value: int) -> bool:
    """Whether a row id from a URL or form can be one (it fits the column)."""
    return 0 < value <= MAX_ID


SIGN_IN_PATH = "/sign-in"


class SignInRequired(Exception):
    """An HTML page was asked for without a live session: the visitor is sent to sign in."""

    def __init__(self, had_cookie: bool) -> None:
        super().__init__("sign-in required")
        self.had_cookie = had_cookie


def isolate(text: object) -> Markup:
    """Text from outside, escaped, without bidirectional controls, in ``<bdi>``: shown in its own
    direction, it cannot reorder what is around it."""
    return Markup("<bdi>{}</bdi>").format(strip_bidi(str(text)))


async def read_form(request: Request) -> FormData:
    """A POST's form. Routes call this after their ``visitor`` parameter has checked the
    session: no parameter of theirs reads the body, so FastAPI does not parse it before the
    dependencies run, and a stranger's body is never read. Two short fields are all the
    dashboard's forms have: no files (a file part is refused at its headers, before a
    temporary file), a few fields (more is a 400)."""
    return await request.form(max_files=0, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_BODY_BYTES)


def form_text(form: FormData, name: str, default: str = "") -> str:
    value = form.get(name)
    return value if isinstance(value, str) else default


@dataclass(frozen=True)
class Visitor:
    staff: StaffMember
    session_token: str
    csrf: str


def _gettext(message: str) -> str:
    # The template's text through the staff catalog (English only for now). Jinja then fills
    # its %(placeholders)s, escaping what is not already markup.
    return st(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    # nst fills {n} (none of a template's texts has braces: their placeholders are Jinja's).
    return nst(singular, plural, n)


def language_label(language: str) -> str:
    """A patient's language as staff read it ("Spanish")."""
    return language_name(language or DEFAULT)


def language_badge(language: str) -> Markup:
    """A small badge for a patient who does not use English: "Spanish"."""
    name = language_label(language)
    return Markup('<span class="badge badge-language" title="{}">{}</span>').format(
        st("Writes in {language}", language=name), name
    )


def template_environment() -> Environment:
    """The dashboard's templates, their words through the staff catalog (``jinja2.ext.i18n``:
    ``{% trans %}`` blocks and ``_()``; ``python -m bot.i18n.extract`` collects them)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext, ngettext=_ngettext, newstyle=True
    )
    return env


class Dashboard:
    """The dashboard's state: the app context, the template environment, cookie settings."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self.secure = ctx.settings.public_url.lower().startswith("https://")
        self.throttle = SignInThrottle()
        self.env = template_environment()
        self.env.globals.update(
            percent=formatting.percent,
            coverage_title=formatting.coverage_title,
            rate=formatting.rate,
            plan_label=formatting.plan_label,
            status_label=formatting.status_label,
            trend_text=formatting.trend_text,
            day_text=formatting.day_text,
            isolate=isolate,
            language_badge=language_badge,
            language_label=language_label,
            DASH=formatting.DASH,
        )

    # Who is signed in -------------------------------------------------------------------

    async def visitor(self, request: Request) -> Visitor | None:
        token = request.cookies.get(SESSION_COOKIE)
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        member = await staff_auth.session_member(self.ctx, token)
        if member is None:
            return None
        return Visitor(member, token, staff_auth.csrf_token(token, self.ctx.settings.secret_key))

    async def page_visitor(self, request: Request) -> Visitor:
        """For HTML pages: without a session, the visitor is sent to the sign-in page."""
        found = await self.visitor(request)
        if found is None:
            raise SignInRequired(had_cookie=SESSION_COOKIE in request.cookies)
        return found

    async def api_visitor(self, request: Request) -> Visitor:
        """For the JSON API: without a session, 401."""
        found = await self.visitor(request)
        if found is None:
            raise HTTPException(
                status_code=401,
                detail=st("Not signed in. Open a login link from the bot (/dashboard) first."),
            )
        return found

    def csrf_ok(self, visitor: Visitor, submitted: str) -> bool:
        return staff_auth.csrf_ok(visitor.session_token, self.ctx.settings.secret_key, submitted)

    def attention_ids(self, rows: Iterable[PatientRow]) -> set[int]:
        """Who needs a call today, by the clinic's alert thresholds."""
        return set(self.attention_reasons(rows))

    def attention_reasons(self, rows: Iterable[PatientRow]) -> dict[int, list[str]]:
        """Why each person who needs a call today does, by the clinic's alert thresholds."""
        settings = self.ctx.settings
        threshold, misses = settings.craving_alert_threshold, settings.missed_doses_alert_count
        found = {r.id: r.attention_reasons(threshold, misses) for r in rows}
        return {patient: reasons for patient, reasons in found.items() if reasons}

    def times(self, staff: StaffMember | None) -> Times:
        return Times(zone_or_utc(staff.timezone if staff else "UTC"), self.ctx.clock.now())

    # Cookies ----------------------------------------------------------------------------

    def set_session_cookie(self, response: Response, token: str) -> None:
        # No max-age: the browser forgets it when closed; the server enforces the idle timeout.
        response.set_cookie(
            SESSION_COOKIE, token, path="/", httponly=True, samesite="lax", secure=self.secure
        )

    def clear_session_cookie(self, response: Response) -> None:
        response.delete_cookie(
            SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=self.secure
        )

    def _sign(self, payload: str) -> str:
        key = self.ctx.settings.secret_key.encode()
        return hmac.new(key, f"notice:{payload}".encode(), hashlib.sha256).hexdigest()[:32]

    def flash(self, response: Response, text: str) -> None:
        """A one-line notice for the next page (after a form's redirect). Signed, so a link
        cannot put words on the page."""
        payload = base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")
        response.set_cookie(
            NOTICE_COOKIE,
            f"{payload}.{self._sign(payload)}",
            max_age=NOTICE_SECONDS,
            path="/",
            httponly=True,
            samesite="lax",
            secure=self.secure,
        )

    def _notice(self, request: Request) -> str | None:
        raw = request.cookies.get(NOTICE_COOKIE)
        if not raw or "." not in raw:
            return None
        payload, _, signature = raw.rpartition(".")
        if not hmac.compare_digest(self._sign(payload), signature):
            return None
        try:
            return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None

    # Pages ------------------------------------------------------------------------------

    def render(
        self,
        request: Request,
        template: str,
        *,
        title: str,
        visitor: Visitor | None = None,
        status_code: int = 200,
        nav: str = "",
        **context: Any,
    ) -> HTMLResponse:
        notice = self._notice(request)
        staff = visitor.staff if visitor else None
        body = self.env.get_template(template).render(
            title=title,
            visitor=visitor,
            staff=staff,
            nav=nav,
            notice=notice,
            t=self.times(staff),
            **context,
        )
        response = HTMLResponse(body, status_code=status_code)
        if NOTICE_COOKIE in request.cookies:
            response.delete_cookie(
                NOTICE_COOKIE, path="/", httponly=True, samesite="lax", secure=self.secure
            )
        return response

    def message(
        self,
        request: Request,
        *,
        title: str,
        text: str,
        status_code: int,
        visitor: Visitor | None = None,
        hint: str | None = None,
        link: tuple[str, str] | None = None,
    ) -> HTMLResponse:
        """A short page that explains a refusal or an error in words, never a traceback."""
        return self.render(
            request,
            "message.html",
            title=title,
            visitor=visitor,
            status_code=status_code,
            text=text,
            hint=hint,
            link=link,
        )


def dashboard_of(request: Request) -> Dashboard:
    found: Dashboard = request.app.state.dashboard
    return found


async def _page_visitor(request: Request) -> Visitor:
    return await dashboard_of(request).page_visitor(request)


# A route parameter ``visitor: Page`` means: signed in, or sent to the sign-in page.
Page = Annotated[Visitor, Depends(_page_visitor)]
