"""Small helpers shared by integration and end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, func, select

from bot.db.models import Base, Patient
from bot.domain.schedules import Plan
from bot.services.clinics import NewClinic, add_clinic
from bot.services.context import AppContext
from bot.services.enrolment import schedule_for


async def table_counts(ctx: AppContext) -> dict[str, int]:
    """Row count of every table in the schema."""
    counts: dict[str, int] = {}
    async with ctx.sessions() as session:
        for name, table in Base.metadata.tables.items():
            counts[name] = int(await session.scalar(select(func.count()).select_from(table)) or 0)
    return counts


async def new_clinic(ctx: AppContext, name: str = "Northside Clinic") -> NewClinic:
    return await add_clinic(ctx.sessions, ctx.clock, name)


async def make_patient(
    ctx: AppContext,
    plan: Plan,
    *,
    chat_id: int = 1000,
    clinic_id: int | None = None,
    name: str = "Pat",
    status: str = "active",
    plain: bool = False,
) -> tuple[int, int]:
    """A consented, enrolled patient with one schedule; returns (patient id, schedule id)."""
    now = ctx.clock.now()
    if clinic_id is None:
        clinic_id = (await new_clinic(ctx, f"Clinic for {chat_id}")).id
    async with ctx.sessions.begin() as session:
        patient = Patient(
            chat_id=chat_id,
            clinic_id=clinic_id,
            display_name=name,
            timezone=plan.zone,
            language="en",
            consent_version=ctx.consent.version,
            consented_at=now,
            status=status,
            plain_wording=plain,
            created_at=now,
            updated_at=now,
        )
        patient.schedules.append(schedule_for(plan, now))
        session.add(patient)
        await session.flush()
        return patient.id, patient.schedules[0].id


@contextmanager
def statements_during(ctx: AppContext) -> Iterator[list[str]]:
    """Every SQL statement the engine runs inside the ``with`` block (a list, filled as it goes)."""
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *rest: object) -> None:
        seen.append(statement)

    engine = ctx.sessions.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
