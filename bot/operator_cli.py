"""Operator commands around the staff side: `summary`, `staff login-link`, `dashboard`, `demo`."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy import select

from bot.config import Settings
from bot.db import migrate
from bot.db.models import Clinic, Staff
from bot.runtime import app_context
from bot.services import audit
from bot.services.clinic_summary import PatientRow, clinic_patients
from bot.services.clinics import OperatorError, clinic_by_code_or_refuse
from bot.services.context import AppContext
from bot.services.staff_auth import create_login_link


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _json_row(row: PatientRow, days: int) -> dict[str, Any]:
    def cov(n: int) -> dict[str, Any]:
        c = row.coverage[n]
        return {"covered": c.covered, "due": c.due, "percent": c.percent}

    return {
        "code": row.code,
        "name": row.name,
        "status": row.status,
        "plan": row.plan_kind,
        "days_covered": {str(n): cov(n) for n in sorted({7, 30, 90, days})},
        "current_streak": row.current_streak,
        "consecutive_misses": row.consecutive_misses,
        "on_time_rate": row.on_time_rate,
        "last_dose_at": _iso(row.last_dose_at),
        "last_check_in_at": _iso(row.last_check_in_at),
        "check_in_rate": row.check_in_rate,
        "latest_craving": row.latest_craving,
        "craving_trend": row.craving_trend,
        "open_alerts": row.open_alerts,
        "next_injection": row.next_injection.isoformat() if row.next_injection else None,
        "injection_overdue": row.injection_overdue,
    }


def _pct(percent: int | None) -> str:
    return "-" if percent is None else f"{percent}%"


async def summary(
    settings: Settings, days: int, as_json: bool, clinic_code: str | None, out: TextIO
) -> int:
    if not 1 <= days <= 365:
        raise OperatorError("--days must be between 1 and 365")
    async with app_context(settings) as ctx, ctx.sessions.begin() as session:
        if clinic_code is not None:
            clinics = [await clinic_by_code_or_refuse(session, clinic_code)]
        else:
            clinics = list(await session.scalars(select(Clinic).order_by(Clinic.id)))
        now = ctx.clock.now()
        report = []
        for clinic in clinics:
            rows = await clinic_patients(session, clinic.id, now, extra_days=days)
            audit.record(
                session,
                at=now,
                actor_kind="operator",
                clinic_id=clinic.id,
                action="operator.summary",
                detail={"patients": len(rows), "days": days},
            )
            report.append((clinic, rows))
    if as_json:
        payload = {
            "as_of": now.isoformat(),
            "days": days,
            "clinics": [
                {
                    "name": clinic.name,
                    "code": clinic.invite_code,
                    "patients": [_json_row(r, days) for r in rows],
                }
                for clinic, rows in report
            ],
        }
        out.write(json.dumps(payload, indent=2) + "\n")
        return 0
    if not report:
        out.write('No clinics yet. Add one with: recovery-bot clinic add "Clinic name"\n')
    for clinic, rows in report:
        adherent = sum(1 for r in rows if (r.coverage[days].ratio or 0) >= 0.8)
        with_data = sum(1 for r in rows if r.coverage[days].ratio is not None)
        out.write(f"{clinic.name} ({clinic.invite_code}): {len(rows)} patients, ")
        out.write(f"{adherent} of {with_data} at or above 80% of days covered over {days} days\n")
        header = f"  {'code':<8} {'name':<24} {f'{days}d':>5} {'7d':>5} {'streak':>6} "
        out.write(header + f"{'missed':>6} {'alerts':>6}\n")
        for r in rows:
            out.write(
                f"  {r.code:<8} {r.name[:24]:<24} {_pct(r.coverage[days].percent):>5} "
                f"{_pct(r.pdc7.percent):>5} {r.current_streak:>6} {r.consecutive_misses:>6} "
                f"{r.open_alerts:>6}\n"
            )
    return 0


async def login_link(settings: Settings, telegram_id: int, out: TextIO) -> int:
    async with app_context(settings) as ctx:
        async with ctx.sessions() as session:
            staff_id = await session.scalar(
                select(Staff.id).where(
                    Staff.telegram_user_id == telegram_id, Staff.active.is_(True)
                )
            )
        if staff_id is None:
            raise OperatorError(
                "no active staff member has that Telegram id; add them with `staff add`"
            )
        url = await create_login_link(ctx, staff_id, via="operator")
    out.write(f"{url}\n(works once, for 10 minutes)\n")
    return 0


async def serve(ctx: AppContext, host: str, port: int, stop: asyncio.Event) -> None:
    from bot.dashboard.server import serve_dashboard

    try:
        await serve_dashboard(ctx, host, port, stop)
    except OSError as exc:
        raise OperatorError(
            f"cannot serve the dashboard on {host}:{port} ({exc.strerror or type(exc).__name__});"
            " is another process using that port? Choose one with --port"
        ) from None


async def dashboard(settings: Settings, host: str, port: int, stop: asyncio.Event) -> int:
    await migrate.upgrade(settings.database_url)
    async with app_context(settings) as ctx:
        print(f"Dashboard on http://{host}:{port} (links under {settings.public_url}).", flush=True)
        await serve(ctx, host, port, stop)
    return 0


async def invite_by_text(
    settings: Settings, phone: str, clinic_code: str, language: str, out: TextIO
) -> int:
    """`patient invite`: queue the invitation text; the `jobs` worker sends it."""
    from bot.services.sms_invites import AlreadyPatient, NumberOptedOut, invite
    from bot.sms.phone import InvalidPhone

    if not settings.sms_enabled:
        raise OperatorError(
            "texts are off: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER (or "
            "TWILIO_MESSAGING_SERVICE_SID) and SMS_PUBLIC_URL first (docs/sms.md)"
        )
    async with app_context(settings) as ctx, ctx.sessions.begin() as session:
        clinic = await clinic_by_code_or_refuse(session, clinic_code)
        try:
            made = await invite(session, clinic, phone, ctx.clock.now(), language=language)
        except InvalidPhone as exc:
            raise OperatorError(f"--phone: {exc.reason}") from None
        except AlreadyPatient:
            raise OperatorError(
                "that number belongs to an enrolled patient; they can text the bot already"
            ) from None
        except NumberOptedOut:
            raise OperatorError(
                "that number replied STOP; it can only be texted again after it texts START"
            ) from None
        name = clinic.name
    again = " again" if made.again else ""
    print(
        f"Invited {made.masked}{again} to enrol with {name} by text. It goes out within "
        "seconds while `run` or `jobs` is running; they reply YES to start.",
        file=out,
    )
    return 0
