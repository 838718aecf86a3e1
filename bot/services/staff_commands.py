"""Staff commands in Telegram: /summary, /patient, /alerts, /dashboard, /invite (a patient, by
text), /invite_staff (admins), and the Monday digest.

Anyone who is not active staff gets exactly what an unknown command gets, so the commands'
existence gives nothing away. Every read is audited like a dashboard page.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.charts import progress_png
from bot.db.models import Alert, Clinic
from bot.domain import texts
from bot.domain.adherence import Coverage
from bot.domain.inputs import parse_id
from bot.domain.replies import Button, Reply, TapResult
from bot.domain.risk import Thresholds
from bot.domain.wording import staff_time
from bot.i18n import nst, st, t
from bot.services import alerts, sms_invites, staff_invites, staff_views
from bot.services.clinic_summary import PatientRow
from bot.services.context import AppContext
from bot.services.enrolment import patient_by_chat
from bot.services.staff_auth import StaffMember, create_login_link, member_by_telegram_id
from bot.sms.phone import InvalidPhone

COMMANDS = ("summary", "patient", "alerts", "dashboard", "invite")
# For clinic admins; other staff are told who can, anyone else gets the unknown-command reply.
INVITE_COMMAND = "invite_staff"
MAX_LISTED = 8
MAX_ALERT_CARDS = 10
_TAP = "pt:"


def _pct(coverage: Coverage) -> str:
    return "–" if coverage.percent is None else f"{coverage.percent}%"


def _when(at: datetime | None, zone: str) -> str:
    if at is None:
        return st("never")
    return staff_time(at, zone)


async def invite_staff(ctx: AppContext, chat_id: int, args: list[str]) -> list[Reply] | None:
    """``/invite_staff`` (``/invite_staff admin`` for an admin): a one-time link for a colleague.
    None when this chat is not active staff (the caller answers as for an unknown command)."""
    async with ctx.sessions() as session:
        staff = await member_by_telegram_id(session, chat_id)
    if staff is None:
        return None
    if not staff.is_admin:
        return [Reply(st(staff_invites.ADMINS_ONLY))]
    wanted = args[0].lower() if args else "staff"
    if wanted not in ("staff", "admin"):
        return [
            Reply(
                st(
                    "Send /invite_staff for a staff invite, or /invite_staff admin to invite "
                    "another admin."
                )
            )
        ]
    try:
        invite = await staff_invites.create_invite(ctx, staff.id, wanted, via="telegram")
    except staff_invites.NotAllowed as refused:
        return [Reply(str(refused))]
    expires = st(
        "at {when} (in {lifetime})",
        when=staff_time(invite.expires_at, staff.timezone),
        lifetime=staff_invites.expiry_words(),
    )
    steps = staff_invites.how_to_join(ctx.identity.username, invite.token, invite.role, expires)
    return [
        Reply(
            st(
                "An invite to join {clinic} as {role}.\n\n{steps}\n\n"
                "You can withdraw it on the dashboard's Staff page.",
                clinic=invite.clinic_name,
                role=staff_invites.role_label(invite.role),
                steps=steps,
            ),
            link_preview=False,
        )
    ]


def _reason(row: PatientRow, thresholds: Thresholds) -> str:
    """Why they are listed, as the dashboard's patients page says it."""
    reasons = row.attention_reasons(thresholds.craving, thresholds.missed_in_a_row)
    return ", ".join(reasons) or st("{percent} this week", percent=_pct(row.pdc7))


def overview_reply(
    overview: staff_views.Brief, staff: StaffMember, thresholds: Thresholds
) -> Reply:
    counts = overview.counts
    lines = [
        st(
            "{clinic}, {when}",
            clinic=overview.clinic_name,
            when=_when(overview.as_of, staff.timezone),
        ),
        "",
        st("Patients: {n}", n=counts.patients),
        st(
            "At or above 80% of days covered (30 days): {adherent} of {with_data}",
            adherent=counts.adherent,
            with_data=counts.with_data,
        ),
        st("Open alerts: {n}", n=counts.open_alerts),
    ]
    buttons: list[tuple[Button, ...]] = []
    if overview.attention:
        lines += ["", st("Needs attention today:")]
        for row in overview.attention[:MAX_LISTED]:
            lines.append(
                st(
                    "• {name} ({code}): {why}",
                    name=row.name,
                    code=row.code,
                    why=_reason(row, thresholds),
                )
            )
            buttons.append((Button(f"{row.name} ({row.code})"[:60], f"{_TAP}{row.id}"),))
        if counts.attention > MAX_LISTED:
            lines.append(_more(counts.attention - MAX_LISTED))
    else:
        lines += ["", st("Nobody needs a call today.")]
    return Reply("\n".join(lines), tuple(buttons))


def _more(n: int) -> str:
    return st("…and {n} more on the dashboard.", n=n)


def _days(n: int) -> str:
    return nst("{n} day", "{n} days", n)


def detail_reply(detail: staff_views.PatientDetail, staff: StaffMember) -> Reply:
    row = detail.row
    zone = staff.timezone
    trend = row.craving_trend
    craving = (
        st("no check-ins yet")
        if row.latest_craving is None
        else st("{craving}/10", craving=row.latest_craving)
    )
    if trend:
        change = f"+{trend}" if trend > 0 else str(trend)
        craving += st(" ({change} since the one before)", change=change)
    lines = [
        st("{name} ({code}), {status}", name=row.name, code=row.code, status=row.status),
        detail.plan,
    ]
    spoken = alerts.language_line(detail.language)
    if spoken:
        lines.append(spoken)
    lines += [
        "",
        st(
            "Days covered: 7 days {week}, 30 days {month}, 90 days {quarter}",
            week=_pct(row.pdc7),
            month=_pct(row.pdc30),
            quarter=_pct(row.pdc90),
        ),
    ]
    if row.plan_kind == "monthly_injection":
        if row.next_injection is None:
            lines.append(st("Next injection: not set"))
        else:
            due = format_date(row.next_injection, "EEE dd MMM", locale="en")
            if row.injection_overdue:
                lines.append(st("Next injection: {day} (overdue)", day=due))
            else:
                lines.append(st("Next injection: {day}", day=due))
    else:
        lines.append(
            st(
                "Streak: {now} now, longest {longest}",
                now=_days(row.current_streak),
                longest=_days(detail.longest_streak),
            )
        )
        lines.append(st("Missed in a row: {n}", n=row.consecutive_misses))
    rate = "–" if row.on_time_rate is None else f"{round(row.on_time_rate * 100)}%"
    checks = "–" if row.check_in_rate is None else f"{round(row.check_in_rate * 100)}%"
    lines += [
        st("On time (30 days): {rate}", rate=rate),
        st("Last dose: {when}", when=_when(row.last_dose_at, zone)),
        st(
            "Last check-in: {when} · answered {rate} (30 days)",
            when=_when(row.last_check_in_at, zone),
            rate=checks,
        ),
        st("Craving: {craving}", craving=craving),
        st("Open alerts: {n}", n=row.open_alerts),
    ]
    image = progress_png(
        detail.calendar[-30:],
        detail.cravings,
        title=st("{name}: last 30 days", name=row.name),
    )
    return Reply("\n".join(lines), image=image)


async def command(ctx: AppContext, chat_id: int, name: str, args: list[str]) -> list[Reply] | None:
    """A staff command; None when this chat is not active staff (the caller answers as for an
    unknown command)."""
    async with ctx.sessions.begin() as session:
        staff = await member_by_telegram_id(session, chat_id)
        if staff is None:
            return None
        if name == "summary":
            overview = await staff_views.brief(ctx, session, staff, "telegram.summary")
            return [overview_reply(overview, staff, ctx.settings.thresholds)]
        if name == "patient":
            return await _patient(ctx, session, staff, " ".join(args))
        if name == "alerts":
            return await _alerts(ctx, session, staff)
        if name == "invite":
            return [Reply(await _invite_by_text(ctx, session, staff, args))]
    url = await create_login_link(ctx, staff.id, via="telegram")
    return [
        Reply(
            st(
                "Your dashboard link (it works once, for 10 minutes):\n{url}\n\n"
                "Don't forward it: it signs you in.",
                url=url,
            ),
            link_preview=False,
        )
    ]


async def _invite_by_text(
    ctx: AppContext, session: AsyncSession, staff: StaffMember, args: list[str]
) -> str:
    """``/invite +1 415 555 2671 [es]``: text the number an invitation to enrol with the staff
    member's clinic (bot/services/sms_invites.py)."""
    if not ctx.settings.sms_enabled:
        return st("Texts are not set up for this bot yet. Ask whoever runs it (docs/sms.md).")
    language = "en"
    if args and args[-1].lower() in ("es", "en", "spanish", "english", "español", "espanol"):
        language = "en" if args.pop().lower() in ("en", "english") else "es"
    if not args:
        return st(
            "Send /invite followed by the patient's mobile number, for example "
            "/invite +1 415 555 2671, or /invite +1 415 555 2671 es for Spanish."
        )
    clinic = await session.get(Clinic, staff.clinic_id)
    assert clinic is not None  # a staff member's clinic
    try:
        made = await sms_invites.invite(
            session,
            clinic,
            " ".join(args),
            ctx.clock.now(),
            language=language,
            actor_kind="staff",
            actor_id=staff.id,
        )
    except InvalidPhone as exc:
        return st("That number won't work: {reason}", reason=exc.reason)
    except sms_invites.AlreadyPatient:
        return st("That number belongs to a patient who is already enrolled.")
    except sms_invites.NumberOptedOut:
        return st(
            "That number replied STOP, so it can't be texted. If they want to join, they can "
            "text START to the bot's number first."
        )
    again = st(" again") if made.again else ""
    return st(
        "Invitation on its way to {number}{again}. They reply YES to start the set-up by text.",
        number=made.masked,
        again=again,
    )


async def _patient(
    ctx: AppContext, session: AsyncSession, staff: StaffMember, query: str
) -> list[Reply]:
    if not query.strip():
        return [Reply(st("Send /patient followed by a name or code, for example /patient K7QM2X."))]
    found = await staff_views.find_patients(ctx, session, staff, query)
    if not found:
        return [Reply(st("No patient of your clinic matches that name or code."))]
    if len(found) > 1:
        buttons = tuple(
            (Button(f"{name} ({code})"[:60], f"{_TAP}{pid}"),) for pid, name, code in found
        )
        return [Reply(st("Which one?"), buttons)]
    detail = await staff_views.patient_detail(ctx, session, staff, found[0][0], "telegram.patient")
    assert detail is not None
    return [detail_reply(detail, staff)]


async def _alerts(ctx: AppContext, session: AsyncSession, staff: StaffMember) -> list[Reply]:
    queue = await staff_views.alert_queue(ctx, session, staff, "telegram.alerts")
    if not queue:
        return [Reply(st("No open alerts. 🎉"))]
    shown = queue[:MAX_ALERT_CARDS]
    rows = {
        a.id: a
        for a in await session.scalars(select(Alert).where(Alert.id.in_([e.id for e in shown])))
    }
    replies = []
    for entry in shown:
        alert = rows[entry.id]
        names = {alert.acknowledged_by or 0: entry.acknowledged_by or st("a colleague")}
        replies.append(alerts.card(alert, names, staff.timezone, entry.patient_language))
    if len(queue) > MAX_ALERT_CARDS:
        replies.append(Reply(_more(len(queue) - MAX_ALERT_CARDS)))
    return replies


async def tap(ctx: AppContext, chat_id: int, data: str) -> TapResult:
    """A patient button under /summary or /patient: that patient's detail."""
    patient_id = parse_id(data[len(_TAP) :])
    if patient_id is None:
        return TapResult(notice=st(alerts.NOT_VALID))
    async with ctx.sessions.begin() as session:
        staff = await member_by_telegram_id(session, chat_id)
        if staff is None:
            # Not staff (any more): answered like any stale button, in their language if they
            # are a patient.
            patient = await patient_by_chat(session, chat_id)
            return TapResult(notice=t(patient.language if patient else None, texts.STALE_BUTTON))
        detail = await staff_views.patient_detail(
            ctx, session, staff, patient_id, "telegram.patient"
        )
        if detail is None:
            return TapResult(notice=st("That patient isn't available to you."))
        return TapResult([detail_reply(detail, staff)])


def is_staff_tap(data: str) -> bool:
    return data.startswith(_TAP)


DIGEST_WEEKDAY, DIGEST_HOUR, DIGEST_LATEST_HOUR = 1, 8, 12


def digest_due(now: datetime, zone: str) -> str | None:
    """The digest's key (ISO year-week) when it is Monday morning where the staff member is."""
    try:
        local = now.astimezone(ZoneInfo(zone))
    except (KeyError, ValueError):
        local = now
    if local.isoweekday() != DIGEST_WEEKDAY or not DIGEST_HOUR <= local.hour < DIGEST_LATEST_HOUR:
        return None
    year, week, _ = local.isocalendar()
    return f"{year}-W{week:02d}"


def digest_reply(overview: staff_views.Brief, staff: StaffMember, thresholds: Thresholds) -> Reply:
    summary = overview_reply(overview, staff, thresholds)
    return Reply(st("Your Monday summary\n\n{summary}", summary=summary.text), summary.buttons)
