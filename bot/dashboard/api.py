"""The JSON API: the same reads as the pages, behind the same sign-in, each one audited.

Times are UTC (ISO 8601); days are the patient's local days. The OpenAPI description is served
at ``/api/openapi.json`` to signed-in staff only.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyCookie
from pydantic import BaseModel, Field

from bot.dashboard.core import MAX_ID, SESSION_COOKIE, Dashboard, Visitor, dashboard_of
from bot.domain.adherence import Coverage
from bot.services import staff_views
from bot.services.clinic_summary import PatientRow
from bot.services.staff_views import AlertEntry

# Declares the cookie in the OpenAPI description; the check itself is Dashboard.api_visitor.
cookie_scheme = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    description="Set by opening a one-time login link from the bot (/dashboard).",
)


class CoverageOut(BaseModel):
    covered: int = Field(description="Days covered by a dose taken")
    due: int = Field(description="Days a dose was due (and reached the patient)")
    percent: int | None = Field(description="covered / due, or null when nothing was due")

    @classmethod
    def of(cls, coverage: Coverage) -> CoverageOut:
        return cls(covered=coverage.covered, due=coverage.due, percent=coverage.percent)


class PatientOut(BaseModel):
    id: int
    code: str
    name: str
    status: str
    plan_kind: str
    timezone: str
    pdc7: CoverageOut
    pdc30: CoverageOut
    pdc90: CoverageOut
    current_streak: int
    consecutive_misses: int
    on_time_rate: float | None
    last_dose_at: datetime | None
    last_check_in_at: datetime | None
    check_in_rate: float | None
    latest_craving: int | None
    previous_craving: int | None
    craving_trend: int | None
    open_alerts: int
    urgent_alerts: int
    next_injection: date | None
    injection_overdue: bool
    enrolled_at: datetime
    needs_attention: bool
    channel: str = Field(description="How the patient is reached: telegram or sms")

    @classmethod
    def of(cls, row: PatientRow, needs_attention: bool) -> PatientOut:
        return cls(
            id=row.id,
            code=row.code,
            name=row.name,
            status=row.status,
            plan_kind=row.plan_kind,
            timezone=row.timezone,
            pdc7=CoverageOut.of(row.pdc7),
            pdc30=CoverageOut.of(row.pdc30),
            pdc90=CoverageOut.of(row.pdc90),
            current_streak=row.current_streak,
            consecutive_misses=row.consecutive_misses,
            on_time_rate=row.on_time_rate,
            last_dose_at=row.last_dose_at,
            last_check_in_at=row.last_check_in_at,
            check_in_rate=row.check_in_rate,
            latest_craving=row.latest_craving,
            previous_craving=row.previous_craving,
            craving_trend=row.craving_trend,
            open_alerts=row.open_alerts,
            urgent_alerts=row.urgent_alerts,
            next_injection=row.next_injection,
            injection_overdue=row.injection_overdue,
            enrolled_at=row.enrolled_at,
            needs_attention=needs_attention,
            channel=row.channel,
        )


class PatientsOut(BaseModel):
    clinic: str
    as_of: datetime
    patients: list[PatientOut]
    attention: list[int] = Field(description="Ids of who needs a call today, most urgent first")


class AlertOut(BaseModel):
    id: int
    patient_id: int | None
    patient_name: str
    patient_code: str
    patient_language: str = Field(description="The patient's language: en or es")
    kind: str
    label: str
    severity: str
    status: str
    summary: str
    created_at: datetime
    occurrences: int
    last_seen_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    resolved_by: str | None
    resolved_at: datetime | None

    @classmethod
    def of(cls, entry: AlertEntry) -> AlertOut:
        # The same fields by name: the service's dataclass is the source of truth.
        return cls.model_validate(entry, from_attributes=True)


class AlertsOut(BaseModel):
    alerts: list[AlertOut]


class DayOut(BaseModel):
    day: date
    status: str = Field(description="taken, partial, missed, skipped, no_dose or pending")


class CravingOut(BaseModel):
    day: date
    craving: int


class CheckInOut(BaseModel):
    at: datetime
    scheduled: bool
    status: str
    craving: int | None
    mood: int | None
    use: str | None
    note: str | None


class PatientDetailOut(BaseModel):
    patient: PatientOut
    language: str = Field(description="The patient's language: en or es")
    plan: str
    longest_streak: int
    today: date = Field(description="The patient's local today")
    calendar: list[DayOut] = Field(description="The last 90 local days, oldest first")
    cravings: list[CravingOut]
    check_ins: list[CheckInOut] = Field(description="Newest first")
    alerts: list[AlertOut] = Field(description="Newest first")
    channel: str = Field(description="How the patient is reached: telegram or sms")
    phone: str | None = Field(description="Their number for texts (E.164), if they gave one")
    last_delivery_problem: str | None = Field(
        description="What became of the latest text that did not arrive, if any"
    )


NOT_FOUND = "Not found"


async def _signed_in(
    request: Request, _cookie: Annotated[str | None, Security(cookie_scheme)]
) -> Visitor:
    return await dashboard_of(request).api_visitor(request)


# A route parameter ``visitor: Staff`` means: signed in, or 401.
Staff = Annotated[Visitor, Depends(_signed_in)]


def api_router(dash: Dashboard) -> APIRouter:
    ctx = dash.ctx
    router = APIRouter(prefix="/api", tags=["staff"])

    @router.get("/patients", summary="The clinic's patients with their adherence figures")
    async def patients(
        visitor: Staff,
        attention: Annotated[bool, Query(description="Only who needs attention")] = False,
    ) -> PatientsOut:
        async with ctx.sessions.begin() as session:
            overview = await staff_views.overview(ctx, session, visitor.staff, "api.patients")
        flagged = dash.attention_ids(overview.patients)
        rows = overview.attention if attention else overview.patients
        return PatientsOut(
            clinic=overview.clinic_name,
            as_of=overview.as_of,
            patients=[PatientOut.of(r, r.id in flagged) for r in rows],
            attention=[r.id for r in overview.attention],
        )

    @router.get(
        "/patients/{patient_id}",
        summary="One patient: 90-day calendar, cravings, check-ins and alerts",
        responses={404: {"description": "No such patient in your clinic"}},
    )
    async def patient(visitor: Staff, patient_id: int) -> PatientDetailOut:
        if not 0 < patient_id <= MAX_ID:
            raise HTTPException(404, NOT_FOUND)
        async with ctx.sessions.begin() as session:
            detail = await staff_views.patient_detail(
                ctx, session, visitor.staff, patient_id, "api.patient"
            )
            if detail is None:
                staff_views.read(
                    session,
                    ctx,
                    visitor.staff,
                    "api.patient.not_found",
                    detail={"requested_id": patient_id},
                )
        if detail is None:
            raise HTTPException(404, NOT_FOUND)
        row = detail.row
        return PatientDetailOut(
            patient=PatientOut.of(row, bool(dash.attention_ids([row]))),
            language=detail.language,
            plan=detail.plan,
            longest_streak=detail.longest_streak,
            today=detail.today,
            calendar=[DayOut(day=c.day, status=c.status.value) for c in detail.calendar],
            cravings=[CravingOut(day=p.day, craving=p.craving) for p in detail.cravings],
            check_ins=[
                CheckInOut(
                    at=c.at,
                    scheduled=c.scheduled,
                    status=c.status,
                    craving=c.craving,
                    mood=c.mood,
                    use=c.use,
                    note=c.note,
                )
                for c in detail.check_ins
            ],
            alerts=[AlertOut.of(a) for a in detail.alerts],
            channel=detail.reach.channel if detail.reach else "telegram",
            phone=detail.reach.phone if detail.reach else None,
            last_delivery_problem=detail.reach.problem if detail.reach else None,
        )

    @router.get("/alerts", summary="The alert queue: open and taken first, urgent first")
    async def alert_list(
        visitor: Staff,
        include_resolved: Annotated[bool, Query(description="Also recent resolved ones")] = False,
    ) -> AlertsOut:
        async with ctx.sessions.begin() as session:
            entries = await staff_views.alert_queue(
                ctx, session, visitor.staff, "api.alerts", include_resolved=include_resolved
            )
        return AlertsOut(alerts=[AlertOut.of(e) for e in entries])

    @router.get("/openapi.json", include_in_schema=False)
    async def openapi(request: Request, visitor: Staff) -> JSONResponse:
        async with ctx.sessions.begin() as session:
            staff_views.read(session, ctx, visitor.staff, "api.openapi")
        schema: dict[str, Any] = request.app.openapi()
        return JSONResponse(schema)

    return router
