"""The clinic summary: one row per patient with their adherence, in a few SQL statements.

Every figure is an SQL aggregation over ``dose_events`` (grouped by the patient's local day,
stored with each dose) and ``check_ins`` (:func:`figures`). Aggregating 90 days of doses for a
whole clinic on every page view costs seconds at 10,000 patients, so the results are kept per
patient in ``patient_stats``, tagged with the patient's ``stats_version`` (bumped by every answer
and every miss) and the local day they were computed for. A page reads those rows and first
recomputes, in one INSERT … SELECT, only the ones that are stale; a periodic job keeps that set
near empty. So a page costs the same few statements (the patients' zones, the stale check, at
most one recomputation, the read) whatever the clinic's size.

The definitions are those of :mod:`bot.domain.adherence` (the tests check that both agree on
random histories, on both databases): a day counts once a dose due that day has a settled
answer, is covered when every dose due that day was taken, and doses that never reached the
patient are left out. For an injection plan every day counts once the first injection was due,
covered within the interval after an injection that was given.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Integer,
    Table,
    and_,
    any_,
    bindparam,
    case,
    func,
    literal,
    null,
    or_,
    select,
    text,
    true,
    tuple_,
    union,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.db.bulk import is_postgres
from bot.db.models import (
    Alert,
    AlertStatus,
    CheckIn,
    CheckInStatus,
    DoseEvent,
    DoseStatus,
    Patient,
    PatientStats,
    PatientStatus,
    Schedule,
    ScheduleKind,
)
from bot.db.types import UTCDateTime
from bot.domain.adherence import ADHERENT, WINDOW_DAYS, Coverage
from bot.domain.risk import AlertKind
from bot.domain.schedules import day_number, from_day_number
from bot.domain.wording import count

_TAKEN, _PENDING = DoseStatus.TAKEN.value, DoseStatus.PENDING.value
_NOT_REMINDED, _MISSED = DoseStatus.MISSED_NOT_REMINDED.value, DoseStatus.MISSED.value
_ANSWERED_DOSE = (DoseStatus.TAKEN.value, DoseStatus.SKIPPED.value)
_GAP_DOSE = (DoseStatus.MISSED.value, DoseStatus.SKIPPED.value)
STANDARD_WINDOWS = (7, 30, WINDOW_DAYS)
INLINE_REFRESH = 1000


@dataclass(frozen=True)
class PatientRow:
    id: int
    code: str
    name: str
    status: str
    plan_kind: str
    timezone: str
    coverage: dict[int, Coverage]  # days covered over the last N days, by N
    current_streak: int
    consecutive_misses: int
    on_time_rate: float | None
    last_dose_at: datetime | None
    last_check_in_at: datetime | None
    check_in_rate: float | None
    latest_craving: int | None
    previous_craving: int | None
    open_alerts: int
    urgent_alerts: int
    next_injection: date | None
    injection_overdue: bool
    enrolled_at: datetime
    channel: str = "telegram"  # how the bot reaches them: "telegram" or "sms"

    @property
    def pdc7(self) -> Coverage:
        return self.coverage[7]

    @property
    def pdc30(self) -> Coverage:
        return self.coverage[30]

    @property
    def pdc90(self) -> Coverage:
        return self.coverage[WINDOW_DAYS]

    @property
    def craving_trend(self) -> int | None:
        if self.latest_craving is None or self.previous_craving is None:
            return None
        return self.latest_craving - self.previous_craving

    @property
    def adherent(self) -> bool | None:
        ratio = self.pdc30.ratio
        return None if ratio is None else ratio >= ADHERENT

    def needs_attention(self, craving_threshold: int, missed_in_a_row: int) -> bool:
        """Who needs a call today: an open alert, messages no longer reaching them, a run of
        misses, a high craving, a week under 80%, or an overdue injection."""
        return bool(self.attention_reasons(craving_threshold, missed_in_a_row))

    def attention_reasons(self, craving_threshold: int, missed_in_a_row: int) -> list[str]:
        """Why this person needs a call today, in a few words each, the most urgent first;
        empty when they do not. (The same rules as :meth:`_View.attention` in SQL.)"""
        reasons = []
        if self.urgent_alerts:
            reasons.append(count(self.urgent_alerts, "urgent alert"))
        other = self.open_alerts - self.urgent_alerts
        if other > 0:
            reasons.append(count(other, "open alert"))
        if self.status == PatientStatus.UNREACHABLE:
            reasons.append("blocked the bot")
        if self.consecutive_misses >= missed_in_a_row:
            reasons.append(f"{self.consecutive_misses} missed in a row")
        if self.latest_craving is not None and self.latest_craving >= craving_threshold:
            reasons.append(f"craving {self.latest_craving}")
        if self.injection_overdue:
            reasons.append("injection overdue")
        week = self.pdc7
        if week.ratio is not None and week.ratio < ADHERENT:
            reasons.append(f"{week.percent}% of days this week")
        return reasons


def _least(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
    return case((a < b, a), else_=b)


def _greatest(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
    return case((a > b, a), else_=b)


def _sum_if(condition: ColumnElement[bool], value: Any = 1) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, value), else_=0)), 0)


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    # count(*) FILTER: on Postgres without JIT, a CASE inside a SUM is the larger part of an
    # aggregate's cost per row.
    return func.count().filter(condition)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


async def plan_each_batch(session: AsyncSession) -> None:
    """On Postgres, for the rest of this transaction: plan each statement for its own batch of
    ids, without JIT. A prepared statement run a sixth time may switch to a generic plan,
    which cannot see which (and how few) patients the id array holds: the batch's upsert went
    from 0.3 s to 4 s. And the planner prices these statements far above their real cost (tens
    of ms), so JIT compiled them for 3 s per batch (issue 18). One statement for both."""
    if is_postgres(session):
        await session.execute(
            text(
                "SELECT set_config('jit', 'off', true),"
                " set_config('plan_cache_mode', 'force_custom_plan', true)"
            )
        )


@functools.cache
def _zone(name: str) -> ZoneInfo:
    # ZoneInfo keeps only a few zones strongly cached: with more in use, every batch of the
    # stats job re-read the zone files (a few ms per batch).
    return ZoneInfo(name)


def _today(todays: dict[str, int]) -> ColumnElement[int]:
    """Each patient's own local day (their zones' days, computed in Python: SQLite has no
    time-zone arithmetic)."""
    return case(todays, value=Patient.timezone, else_=max(todays.values()))


async def _zones(
    session: AsyncSession, where: ColumnElement[bool], now: datetime
) -> dict[str, int]:
    zones = await session.scalars(select(Patient.timezone).where(where).distinct())
    return {zone: day_number(now, _zone(zone)) for zone in zones}


async def patient_days(session: AsyncSession, now: datetime) -> dict[str, int]:
    """Today's local day number in every zone a patient lives in."""
    return await _zones(session, literal(True), now)


Among = Callable[[Any], ColumnElement[bool]]


def _everyone(column: Any) -> ColumnElement[bool]:
    return true()


def among_ids(ids: Sequence[int], postgres: bool) -> Among:
    """A filter on a patient-id column to the given ids: one array parameter on Postgres
    (``= ANY``), an IN list on SQLite. Applied to ``dose_events`` and ``check_ins`` themselves,
    it makes their (patient_id, ...) indexes the way in, whatever the planner guesses about a
    join with ``patients``."""
    chosen = list(ids)
    if postgres:
        return lambda column: column == any_(bindparam(None, chosen, type_=ARRAY(Integer)))
    return lambda column: column.in_(chosen)


def figures(
    in_patients: ColumnElement[bool],
    todays: dict[str, int],
    windows: list[int],
    now: datetime,
    among: Among = _everyone,
) -> Any:
    """One row per selected patient with every figure computed from their doses and check-ins:
    ``patient_id, as_of_day, due{N}, cov{N}`` for each window N, ``current_streak,
    consecutive_misses, taken30, on_time30, last_dose_at, last_check_in_at,
    check_ins_answered30, check_ins_closed30, latest_craving, previous_craving``.

    ``among`` (:func:`among_ids`), for a chosen batch, must select the same patients as
    ``in_patients``: the history tables are then filtered by patient id directly, read through
    their patient indexes (only those rows), without a join back to ``patients``.

    Each history table is read once (issue 18: at 10^5 patients the job's cost is per row
    read): every dose figure comes from one pass over the doses grouped by patient and local
    day (the streak's last gap and the misses in a row from short index probes per patient),
    and every check-in figure from one pass over the check-ins."""
    today = _today(todays)

    def history(statement: Any, patient_id: Any) -> Any:
        if among is _everyone:
            return statement.join(Patient, Patient.id == patient_id).where(in_patients)
        return statement.where(among(patient_id))

    # Per patient and local day: how many doses were known (reached them), taken, still open,
    # taken on time, and the last one taken. All history, not only the longest window: the
    # last dose taken may be older. Whether the day counts and is covered are computed here,
    # once per day, from those counts.
    taken = DoseEvent.status == _TAKEN
    known = _count_if(DoseEvent.status != _NOT_REMINDED)
    taken_count = _count_if(taken)
    pending = _count_if(DoseEvent.status == _PENDING)
    counted = and_(known > 0, or_(pending == 0, taken_count != known - pending))
    per_day = (
        history(
            select(
                DoseEvent.patient_id.label("patient_id"),
                DoseEvent.local_day.label("day"),
                case((counted, 1), else_=0).label("counted"),
                case((and_(counted, taken_count == known), 1), else_=0).label("covered"),
                taken_count.label("taken"),
                _count_if(and_(taken, DoseEvent.answered_at <= DoseEvent.window_ends_at)).label(
                    "on_time"
                ),
                func.max(DoseEvent.answered_at).filter(taken).label("last_taken"),
            ),
            DoseEvent.patient_id,
        )
        .group_by(DoseEvent.patient_id, DoseEvent.local_day)
        .subquery("per_day")
    )
    patient_today = (
        select(Patient.id.label("pid"), today.label("today")).where(in_patients).subquery("pt")
    )

    # The streak counts the covered days since the last gap. A day is a gap (counts, not
    # covered) exactly when one of its doses was missed or skipped (with a taken, pending or
    # unreminded dose it is covered, not yet counted, or not counted), so each patient's last
    # gap is one probe of their (patient_id, local_day) index, walking back from today to
    # the first such dose, and the days need only one pass (issue 18: the days read twice,
    # once for the gap and once joined to it, were a third of the job's time).
    # OFFSET 0 keeps these subqueries from being merged into the ones above them: merged, the
    # patient's day (a CASE over every zone) and the age below would be recomputed in each of
    # the aggregates' filters, for every day row.
    pt_day = (
        select(Patient.id.label("pid"), today.label("today")).where(in_patients).offset(0)
    ).subquery("pt_day")
    gap = aliased(DoseEvent)
    last_gap = (
        select(func.max(gap.local_day))
        .where(
            gap.patient_id == pt_day.c.pid,
            gap.status.in_(_GAP_DOSE),
            gap.local_day > pt_day.c.today - WINDOW_DAYS,
            gap.local_day <= pt_day.c.today,
        )
        .scalar_subquery()
    )
    pt_gap = (
        select(pt_day.c.pid, pt_day.c.today, last_gap.label("last_gap"))
        .offset(0)
        .subquery("pt_gap")
    )
    # Every figure is of days up to today (age >= 0): the rest are left out once, here.
    day_rows = (
        select(
            per_day.c.patient_id,
            per_day.c.day,
            (pt_gap.c.today - per_day.c.day).label("age"),  # 0 today, 1 yesterday...
            per_day.c.counted,
            per_day.c.covered,
            per_day.c.taken,
            per_day.c.on_time,
            per_day.c.last_taken,
            pt_gap.c.last_gap,
        )
        .join(pt_gap, pt_gap.c.pid == per_day.c.patient_id)
        .where(per_day.c.day <= pt_gap.c.today)
        .offset(0)
        .subquery("days")
    )

    def within(days_ago: int) -> ColumnElement[bool]:
        return day_rows.c.age < days_ago

    since_gap = or_(day_rows.c.last_gap.is_(None), day_rows.c.day > day_rows.c.last_gap)
    month = within(30)
    daily = (
        select(
            day_rows.c.patient_id,
            *(
                expr
                for n in windows
                for expr in (
                    _count_if(and_(within(n), day_rows.c.counted == 1)).label(f"due{n}"),
                    _count_if(and_(within(n), day_rows.c.covered == 1)).label(f"cov{n}"),
                )
            ),
            _count_if(and_(within(WINDOW_DAYS), day_rows.c.covered == 1, since_gap)).label(
                "streak"
            ),
            func.max(day_rows.c.last_taken).label("last_dose"),
            func.coalesce(func.sum(day_rows.c.taken).filter(month), 0).label("taken30"),
            func.coalesce(func.sum(day_rows.c.on_time).filter(month), 0).label("on_time30"),
        )
        .group_by(day_rows.c.patient_id)
        .subquery("daily")
    )

    # Injection coverage: days from the first injection (within the window) are due; each
    # given injection covers its interval.
    injection_doses = (
        select(
            DoseEvent.patient_id.label("patient_id"),
            DoseEvent.local_day.label("day"),
            DoseEvent.status.label("status"),
            func.coalesce(Schedule.injection_interval_days, 28).label("interval"),
            func.min(DoseEvent.local_day).over(partition_by=DoseEvent.patient_id).label("first"),
        )
        .join(Schedule, Schedule.id == DoseEvent.schedule_id)
        .where(Schedule.kind == ScheduleKind.MONTHLY_INJECTION)
    )
    if among is not _everyone:
        # Also through the schedules' patient index: otherwise Postgres finds the (rare)
        # injection plans by reading every schedule, once per batch.
        injection_doses = injection_doses.where(among(Schedule.patient_id))
    injections = history(injection_doses, DoseEvent.patient_id).subquery("inj")
    injection_columns = []
    for days in windows:
        start = _greatest(patient_today.c.today - days + 1, injections.c.first)
        last = _least(patient_today.c.today, injections.c.day + injections.c.interval - 1)
        overlap = _greatest(last - _greatest(start, injections.c.day) + 1, literal(0))
        injection_columns += [
            func.max(_greatest(patient_today.c.today - start + 1, literal(0))).label(f"due{days}"),
            _sum_if(injections.c.status == _TAKEN, overlap).label(f"cov{days}"),
        ]
    injection = (
        select(injections.c.patient_id, *injection_columns)
        .join(patient_today, patient_today.c.pid == injections.c.patient_id)
        .group_by(injections.c.patient_id)
        .subquery("injection")
    )

    # Misses since the last answer: a range of the (patient_id, due_at) index from that answer
    # on (an OR with "no answer yet" would make it read all the patient's doses).
    answered, missed = aliased(DoseEvent), aliased(DoseEvent)
    last_answered = (
        select(func.max(answered.due_at))
        .where(answered.patient_id == Patient.id, answered.status.in_(_ANSWERED_DOSE))
        .correlate(Patient)
        .scalar_subquery()
    )
    misses = (
        select(func.count())
        .where(
            missed.patient_id == Patient.id,
            missed.status == _MISSED,
            missed.due_at > func.coalesce(last_answered, literal(_EPOCH, UTCDateTime())),
        )
        .correlate(Patient)
        .scalar_subquery()
    )

    # Check-ins, in one pass: the answered and closed ones, and the two latest cravings (those
    # with a craving ranked first, newest first).
    ranked = history(
        select(
            CheckIn.patient_id,
            CheckIn.craving,
            CheckIn.status,
            CheckIn.answered_at,
            CheckIn.due_at,
            CheckIn.created_at,
            func.row_number()
            .over(
                partition_by=CheckIn.patient_id,
                order_by=(
                    CheckIn.craving.is_(None),
                    CheckIn.created_at.desc(),
                    CheckIn.id.desc(),
                ),
            )
            .label("rank"),
        ),
        CheckIn.patient_id,
    ).subquery("ranked")
    scheduled = and_(ranked.c.due_at.is_not(None), ranked.c.created_at >= now - timedelta(days=30))
    checks = (
        select(
            ranked.c.patient_id,
            func.max(ranked.c.answered_at).label("last"),
            _count_if(and_(scheduled, ranked.c.status == CheckInStatus.ANSWERED)).label("answered"),
            _count_if(and_(scheduled, ranked.c.status != CheckInStatus.OPEN)).label("closed"),
            func.max(ranked.c.craving).filter(ranked.c.rank == 1).label("latest"),
            func.max(ranked.c.craving).filter(ranked.c.rank == 2).label("previous"),
        )
        .group_by(ranked.c.patient_id)
        .subquery("checks")
    )
    is_injection = injection.c.patient_id.is_not(None)

    def coverage(kind: str, days: int) -> ColumnElement[int]:
        chosen = case(
            (is_injection, getattr(injection.c, f"{kind}{days}")),
            else_=getattr(daily.c, f"{kind}{days}"),
        )
        return func.coalesce(chosen, 0)

    return (
        select(
            Patient.id.label("patient_id"),
            today.label("as_of_day"),
            *(
                coverage(kind, days).label(f"{kind}{days}")
                for days in windows
                for kind in ("due", "cov")
            ),
            case((is_injection, 0), else_=func.coalesce(daily.c.streak, 0)).label("current_streak"),
            misses.label("consecutive_misses"),
            func.coalesce(daily.c.taken30, 0).label("taken30"),
            func.coalesce(daily.c.on_time30, 0).label("on_time30"),
            daily.c.last_dose.label("last_dose_at"),
            checks.c.last.label("last_check_in_at"),
            func.coalesce(checks.c.answered, 0).label("check_ins_answered30"),
            func.coalesce(checks.c.closed, 0).label("check_ins_closed30"),
            checks.c.latest.label("latest_craving"),
            checks.c.previous.label("previous_craving"),
        )
        .outerjoin(daily, daily.c.patient_id == Patient.id)
        .outerjoin(injection, injection.c.patient_id == Patient.id)
        .outerjoin(checks, checks.c.patient_id == Patient.id)
        .where(in_patients)
    )


_STAT_COLUMNS = (
    "patient_id",
    "as_of_day",
    *(f"{kind}{days}" for days in STANDARD_WINDOWS for kind in ("due", "cov")),
    "current_streak",
    "consecutive_misses",
    "taken30",
    "on_time30",
    "last_dose_at",
    "last_check_in_at",
    "check_ins_answered30",
    "check_ins_closed30",
    "latest_craving",
    "previous_craving",
)


def stale(todays: dict[str, int]) -> ColumnElement[bool]:
    """A patient whose stats are missing, older than their history, or from another day."""
    return or_(
        PatientStats.patient_id.is_(None),
        PatientStats.version != Patient.stats_version,
        PatientStats.as_of_day != _today(todays),
    )


async def refresh_stats(
    session: AsyncSession, in_patients: ColumnElement[bool], now: datetime
) -> None:
    """Recompute the stats of the selected patients in one INSERT … SELECT (an upsert), from
    the versions read in the same statement, so a change racing it leaves them stale."""
    todays = await _zones(session, in_patients, now)
    if todays:
        await _upsert(session, in_patients, todays, now, _everyone)


async def _upsert(
    session: AsyncSession,
    in_patients: ColumnElement[bool],
    todays: dict[str, int],
    now: datetime,
    among: Among,
) -> None:
    await session.execute(_upsert_statement(is_postgres(session), in_patients, todays, now, among))


def _upsert_statement(
    postgres: bool,
    in_patients: ColumnElement[bool],
    todays: dict[str, int],
    now: datetime,
    among: Among,
) -> Any:
    source = figures(in_patients, todays, list(STANDARD_WINDOWS), now, among).add_columns(
        Patient.stats_version.label("version"),
        literal(now, PatientStats.computed_at.type).label("computed_at"),
    )
    columns = [*_STAT_COLUMNS, "version", "computed_at"]
    insert = pg_insert if postgres else sqlite_insert
    # The table, not the entity: executed with parameters, an ORM insert is a bulk insert.
    table = cast(Table, PatientStats.__table__)
    statement = insert(table).from_select(columns, source)
    return statement.on_conflict_do_update(
        index_elements=[PatientStats.patient_id],
        set_={c: getattr(statement.excluded, c) for c in columns if c != "patient_id"},
    )


Lane = tuple[int, int]  # (how many lanes, this one): the patients whose id % lanes == this


@dataclass(frozen=True)
class Cursor:
    """Where a run's batches have been in each of :func:`stale_patients`' two indexes: the last
    id of the first kind (history moved on), the last ``(stats_fresh_until, id)`` of the second
    (day ended). None: from the start."""

    moved: int | None = None
    ended: tuple[datetime, int] | None = None


def stale_patients(
    now: datetime, limit: int, lane: Lane | None = None, cursor: Cursor | None = None
) -> Any:
    """Up to ``limit`` ids of each kind of patient whose figures the stats job must recompute,
    in one statement of two index probes: those whose history moved on since the job last
    computed them (``ix_patients_stats_stale`` holds only those, so it is empty when all is
    current) and those whose local day has ended (``ix_patients_stats_fresh_until``). Neither
    reads a patient who is up to date, nor any history. Rows of ``(id, moved, fresh_until)``:
    ``moved`` true for the first kind, ``fresh_until`` given for the second.

    With a ``lane``, only that lane's share of the patients (lanes running at once then never
    pick the same ones). ``cursor``: only entries after it in each index, where a run has
    already been. The entries its batches took out of the partial index, and the old
    ``stats_fresh_until`` entries of those it moved to their next midnight, stay in the indexes
    until vacuum, and while another lane's transaction is open they cannot be marked dead, so a
    probe from the start of an index would walk all of them again, batch after batch (at local
    midnight every patient of a zone shares one ``stats_fresh_until``, so only the id can tell
    where the run has been: at 10^5 the probes took 1.8-2.1 s of a nightly run without the id,
    1.1-1.3 s with it, and without it their walk grows with every batch)."""
    cursor = cursor or Cursor()
    share: ColumnElement[bool] = true()
    if lane is not None:
        lanes, this = lane
        share = Patient.id % lanes == this
    ahead: ColumnElement[bool] = true() if cursor.moved is None else Patient.id > cursor.moved
    moved = (
        select(Patient.id)
        .where(Patient.stats_seen_version != Patient.stats_version, share, ahead)
        .order_by(Patient.id)
        .limit(limit)
        .subquery("moved")
    )
    past: ColumnElement[bool] = true()
    if cursor.ended is not None:
        # A row comparison: one range of the (stats_fresh_until, id) index on both databases.
        until, last = cursor.ended
        past = tuple_(Patient.stats_fresh_until, Patient.id) > tuple_(
            literal(until, UTCDateTime()), literal(last)
        )
    ended = (
        select(Patient.id, Patient.stats_fresh_until)
        .where(Patient.stats_fresh_until <= now, share, past)
        .order_by(Patient.stats_fresh_until, Patient.id)
        .limit(limit)
        .subquery("ended")
    )
    return union(
        select(
            moved.c.id,
            literal(True).label("moved"),
            null().cast(UTCDateTime()).label("fresh_until"),
        ),
        select(ended.c.id, literal(False).label("moved"), ended.c.stats_fresh_until),
    )


def day_ends(todays: dict[str, int]) -> dict[str, datetime]:
    """When each zone's local day (``todays``) ends: its next local midnight, as an instant."""
    return {
        zone: datetime.combine(from_day_number(day + 1), time(0), _zone(zone)).astimezone(UTC)
        for zone, day in todays.items()
    }


_BATCH_IDS = "batch_ids"


@functools.lru_cache(maxsize=8)
def _batch_statements(
    postgres: bool, todays: tuple[tuple[str, int], ...], now: datetime, skip_locked: bool
) -> tuple[Any, Any]:
    """The stats job's marking and upsert statements for its batches, with the batch's ids as
    one parameter: built once per run (the batches of a run share their zones' days and
    ``now``) rather than per batch, which cost ~40 ms of the job's own CPU per batch at 10^5,
    on a machine whose two cores also run the server's two lanes (issue 18)."""
    ids: Any = (
        bindparam(_BATCH_IDS, type_=ARRAY(Integer))
        if postgres
        else bindparam(_BATCH_IDS, expanding=True)
    )

    def among(column: Any) -> ColumnElement[bool]:
        chosen: ColumnElement[bool] = column == any_(ids) if postgres else column.in_(ids)
        return chosen

    in_patients = among(Patient.id)
    upsert = _upsert_statement(postgres, in_patients, dict(todays), now, among)
    ends = {zone: literal(at, UTCDateTime()) for zone, at in day_ends(dict(todays)).items()}
    patients = cast(Table, Patient.__table__)
    chosen: ColumnElement[bool] = in_patients
    if skip_locked:
        # The marking is also the batch's lock: a patient whose answer is being written (its
        # row locked) is left to a later run, without a separate SELECT ... FOR UPDATE.
        chosen = patients.c.id.in_(
            select(Patient.id).where(in_patients).with_for_update(skip_locked=True)
        )
    mark = (
        update(patients)
        .where(chosen)
        .values(
            stats_seen_version=patients.c.stats_version,
            stats_fresh_until=case(ends, value=patients.c.timezone),
        )
        .returning(patients.c.id)
    )
    return mark, upsert


async def refresh_patients(
    session: AsyncSession,
    ids: Sequence[int],
    now: datetime,
    *,
    skip_locked: bool = False,
) -> list[int]:
    """The stats job's recomputation of a batch of patients, in two statements: first, on each
    patient, the version their figures will reflect and when their day ends, which take them
    out of :func:`stale_patients`; then their figures from their own rows only (the history
    tables filtered by these ids, through their patient indexes). The marking locks the
    patients' rows, so an answer racing the batch waits for it and leaves the patient stale
    again (its version moves past the one marked).

    ``skip_locked`` (Postgres): leave out patients whose rows another transaction holds.
    Returns the ids recomputed."""
    if not ids:
        return []
    postgres = is_postgres(session)
    todays = await _zones(session, among_ids(ids, postgres)(Patient.id), now)
    if not todays:
        return []
    mark, upsert = _batch_statements(
        postgres, tuple(sorted(todays.items())), now, skip_locked and postgres
    )
    await plan_each_batch(session)
    done = sorted((await session.scalars(mark, {_BATCH_IDS: list(ids)})).all())
    if done:
        await session.execute(upsert, {_BATCH_IDS: done})
    return done


SORTS = (
    "name",
    "pdc7",
    "pdc30",
    "last_dose",
    "last_check_in",
    "craving",
    "alerts",
    "misses",
    "urgency",
)


@dataclass(frozen=True)
class Listing:
    """Which patients and in what order: a page of the patients table."""

    sort: str = "name"
    descending: bool = False
    attention_only: bool = False
    limit: int | None = None
    offset: int = 0


@dataclass(frozen=True)
class Counts:
    patients: int
    with_data: int  # patients with a 30-day figure
    adherent: int  # at or above 80% of days covered over 30 days
    attention: int
    open_alerts: int


class _View:
    """The pieces of the read: fresh stats joined with each patient's plan and open alerts."""

    def __init__(self, clinics: Sequence[int], in_clinic: ColumnElement[bool], source: Any) -> None:
        self.in_clinic, self.source = in_clinic, source
        of_clinics = (
            Alert.clinic_id == clinics[0] if len(clinics) == 1 else Alert.clinic_id.in_(clinics)
        )
        self.alerts = (
            select(
                Alert.patient_id,
                func.count().label("open"),
                _sum_if(Alert.severity == "urgent").label("urgent"),
                _sum_if(Alert.kind == AlertKind.INJECTION_OVERDUE.value).label("overdue"),
            )
            .where(of_clinics, Alert.status != AlertStatus.RESOLVED)
            .group_by(Alert.patient_id)
            .subquery("open_alerts")
        )
        self.plan = (
            select(
                Schedule.patient_id,
                func.max(Schedule.kind).label("kind"),
                func.max(Schedule.injection_date).label("injection_date"),
            )
            .join(Patient, Patient.id == Schedule.patient_id)
            .where(in_clinic)
            .group_by(Schedule.patient_id)
            .subquery("plan")
        )

    def joined(self, statement: Any, plan: bool = True) -> Any:
        statement = statement.outerjoin(self.source, self.source.c.patient_id == Patient.id)
        if plan:
            statement = statement.outerjoin(self.plan, self.plan.c.patient_id == Patient.id)
        return statement.outerjoin(self.alerts, self.alerts.c.patient_id == Patient.id).where(
            self.in_clinic
        )

    def ratio(self, days: int) -> ColumnElement[Any]:
        due = self.source.c[f"due{days}"]
        cov = self.source.c[f"cov{days}"]
        return case((due > 0, cov * 1.0 / due))

    def attention(self, craving: int, missed_in_a_row: int) -> ColumnElement[bool]:
        """:meth:`PatientRow.needs_attention`, in SQL."""
        s = self.source.c
        return or_(
            func.coalesce(self.alerts.c.open, 0) > 0,
            Patient.status == PatientStatus.UNREACHABLE.value,
            s.consecutive_misses >= missed_in_a_row,
            s.latest_craving >= craving,
            and_(s.due7 > 0, s.cov7 * 1.0 / s.due7 < ADHERENT),
            func.coalesce(self.alerts.c.overdue, 0) > 0,
        )

    def order(self, listing: Listing) -> list[Any]:
        s = self.source.c
        if listing.sort == "urgency":
            # Most urgent first: urgent alerts, open alerts, misses in a row, the worst week.
            return [
                func.coalesce(self.alerts.c.urgent, 0).desc(),
                func.coalesce(self.alerts.c.open, 0).desc(),
                # Reminders no longer reach them: someone has to try another way.
                case((Patient.status == PatientStatus.UNREACHABLE.value, 1), else_=0).desc(),
                s.consecutive_misses.desc(),
                self.ratio(7).is_(None),
                self.ratio(7).asc(),
                Patient.id,
            ]
        key: ColumnElement[Any] = {
            "name": func.lower(Patient.display_name),
            "pdc7": self.ratio(7),
            "pdc30": self.ratio(30),
            "last_dose": s.last_dose_at,
            "last_check_in": s.last_check_in_at,
            "craving": s.latest_craving,
            "alerts": func.coalesce(self.alerts.c.open, 0),
            "misses": s.consecutive_misses,
        }[listing.sort if listing.sort in SORTS else "name"]
        # Empty values last either way, then a stable tie-break.
        return [key.is_(None), key.desc() if listing.descending else key.asc(), Patient.id]


async def _fresh_source(
    session: AsyncSession,
    in_clinic: ColumnElement[bool],
    todays: dict[str, int],
    now: datetime,
    extra_days: int | None,
) -> Any:
    if extra_days is not None and extra_days not in STANDARD_WINDOWS:
        live = figures(in_clinic, todays, sorted({*STANDARD_WINDOWS, extra_days}), now)
        return live.subquery("live")
    stale_ids = (
        select(Patient.id)
        .outerjoin(PatientStats, PatientStats.patient_id == Patient.id)
        .where(in_clinic, stale(todays))
    )
    if (await session.execute(stale_ids.limit(1))).first() is not None:
        # At most INLINE_REFRESH per view: right after local midnight every patient's figures
        # are a day old, and recomputing 10,000 at once takes seconds; the stats job (and the
        # next views) catch up with the rest, shown meanwhile with yesterday's figures.
        # correlate(None): inside the figures' subqueries this must stay its own query.
        chosen = stale_ids.order_by(Patient.id).limit(INLINE_REFRESH).correlate(None)
        await refresh_stats(session, Patient.id.in_(chosen.scalar_subquery()), now)
    return PatientStats.__table__


async def clinic_patients(
    session: AsyncSession,
    clinic_id: int,
    now: datetime,
    patient_id: int | None = None,
    extra_days: int | None = None,
    listing: Listing | None = None,
    thresholds: tuple[int, int] = (8, 2),
) -> list[PatientRow]:
    """The clinic's patients (or the one ``patient_id``, if it is theirs), with figures, in
    the order, filter and page ``listing`` asks for (by name, everyone, by default).

    The figures come from ``patient_stats``: the stale ones among the clinic's patients are
    recomputed first (usually none: a job keeps them fresh), so this costs a few statements
    whatever the clinic's size. A non-standard window (``extra_days``, for the command line)
    is computed from the doses directly. ``thresholds`` (craving, missed in a row) define
    "needs attention".
    """
    listing = listing or Listing()
    in_clinic = Patient.clinic_id == clinic_id
    if patient_id is not None:
        in_clinic = and_(in_clinic, Patient.id == patient_id)
    todays = await _zones(session, in_clinic, now)
    if not todays:
        return []
    source = await _fresh_source(session, in_clinic, todays, now, extra_days)
    view = _View([clinic_id], in_clinic, source)
    extra = (
        (source.c[f"due{extra_days}"], source.c[f"cov{extra_days}"])
        if extra_days is not None and extra_days not in STANDARD_WINDOWS
        else ()
    )
    statement = view.joined(
        select(
            Patient.id,
            Patient.code,
            Patient.display_name,
            Patient.status,
            Patient.timezone,
            Patient.created_at,
            Patient.preferred_channel,
            view.plan.c.kind,
            view.plan.c.injection_date,
            *(source.c[name] for name in _STAT_COLUMNS if name != "patient_id"),
            *extra,
            view.alerts.c.open,
            view.alerts.c.urgent,
            view.alerts.c.overdue,
        )
    ).order_by(*view.order(listing))
    if listing.attention_only:
        statement = statement.where(view.attention(*thresholds))
    if listing.limit is not None:
        statement = statement.limit(listing.limit).offset(listing.offset)
    rows = (await session.execute(statement)).all()
    windows = sorted({*STANDARD_WINDOWS, *([extra_days] if extra_days else [])})
    return [_row(r, windows) for r in rows]


async def clinic_counts(
    session: AsyncSession,
    clinic_id: int,
    now: datetime,
    thresholds: tuple[int, int] = (8, 2),
    *,
    refresh: bool = True,
) -> Counts:
    """The clinic's totals, in one aggregate over the stats (``refresh=False`` right after a
    listing in the same transaction, which has just refreshed them)."""
    in_clinic = Patient.clinic_id == clinic_id
    source: Any = PatientStats.__table__
    if refresh:
        todays = await _zones(session, in_clinic, now)
        if not todays:
            return Counts(0, 0, 0, 0, 0)
        source = await _fresh_source(session, in_clinic, todays, now, None)
    view = _View([clinic_id], in_clinic, source)
    month = view.ratio(30)
    row = (
        await session.execute(
            view.joined(
                select(
                    func.count(Patient.id),
                    _sum_if(month.is_not(None)),
                    _sum_if(month >= ADHERENT),
                    _sum_if(view.attention(*thresholds)),
                    func.coalesce(func.sum(view.alerts.c.open), 0),
                )
            )
        )
    ).one()
    return Counts(*(int(v or 0) for v in row))


@dataclass(frozen=True)
class ClinicBrief:
    counts: Counts
    attention: list[PatientRow]  # the most urgent first


async def clinic_briefs(
    session: AsyncSession,
    clinic_ids: Sequence[int],
    now: datetime,
    thresholds: tuple[int, int],
    limit: int,
    *,
    stored: bool = False,
) -> dict[int, ClinicBrief]:
    """Several clinics' totals and who needs a call (each clinic's ``limit`` most urgent), read
    together in a few statements whatever the number of clinics (the Monday digest's read):
    :func:`clinic_counts` grouped by clinic, and :func:`clinic_patients`' urgency listing
    ranked within each clinic. Stale figures are refreshed first as for a page, unless the
    caller has just brought them up to date (``stored``: the figures are read as stored, and
    the check, which compares every patient of these clinics with their figures, is skipped)."""
    if not clinic_ids:
        return {}
    in_clinics = Patient.clinic_id.in_(list(clinic_ids))
    todays = await _zones(session, in_clinics, now)
    if not todays:
        return {}
    source: Any = PatientStats.__table__
    if not stored:
        source = await _fresh_source(session, in_clinics, todays, now, None)
    view = _View(list(clinic_ids), in_clinics, source)
    month = view.ratio(30)
    totals = await session.execute(
        view.joined(
            select(
                Patient.clinic_id,
                func.count(Patient.id),
                _sum_if(month.is_not(None)),
                _sum_if(month >= ADHERENT),
                _sum_if(view.attention(*thresholds)),
                func.coalesce(func.sum(view.alerts.c.open), 0),
            ),
            plan=False,
        ).group_by(Patient.clinic_id)
    )
    briefs: dict[int, ClinicBrief] = {}
    for row in totals.all():
        clinic_id, *figures = (int(v or 0) for v in row)
        briefs[clinic_id] = ClinicBrief(Counts(*figures), [])
    ranked = (
        view.joined(
            select(
                Patient.id,
                Patient.clinic_id,
                Patient.code,
                Patient.display_name,
                Patient.status,
                Patient.timezone,
                Patient.created_at,
                Patient.preferred_channel,
                *(source.c[name] for name in _STAT_COLUMNS if name != "patient_id"),
                view.alerts.c.open,
                view.alerts.c.urgent,
                view.alerts.c.overdue,
                func.row_number()
                .over(partition_by=Patient.clinic_id, order_by=view.order(Listing("urgency")))
                .label("rank"),
            ),
            plan=False,
        )
        .where(view.attention(*thresholds))
        .subquery("ranked")
    )

    def plan(column: Any) -> Any:
        # Only for the few rows listed (each through the schedules' patient index): grouping
        # every patient's schedules in the ranking cost a second at 10^5 patients.
        return (
            select(func.max(column))
            .where(Schedule.patient_id == ranked.c.id)
            .scalar_subquery()
            .label(column.key)
        )

    rows = await session.execute(
        select(ranked, plan(Schedule.kind), plan(Schedule.injection_date))
        .where(ranked.c.rank <= limit)
        .order_by(ranked.c.clinic_id, ranked.c.rank)
    )
    for row in rows:
        briefs[row.clinic_id].attention.append(_row(row, list(STANDARD_WINDOWS)))
    return briefs


def _row(row: Any, windows: list[int]) -> PatientRow:
    r = row._mapping  # by key: much cheaper than attribute access on a Row
    injection = r["kind"] == ScheduleKind.MONTHLY_INJECTION
    coverage = {}
    for days in windows:
        due = r[f"due{days}"] or 0
        # Overlapping injection intervals must not count a day twice.
        coverage[days] = Coverage(min(r[f"cov{days}"] or 0, due), due)
    taken30 = r["taken30"] or 0
    closed = r["check_ins_closed30"] or 0
    return PatientRow(
        id=r["id"],
        code=r["code"],
        name=r["display_name"],
        status=r["status"],
        plan_kind=r["kind"] or "",
        timezone=r["timezone"],
        coverage=coverage,
        current_streak=r["current_streak"] or 0,
        consecutive_misses=r["consecutive_misses"] or 0,
        on_time_rate=(r["on_time30"] or 0) / taken30 if taken30 else None,
        last_dose_at=r["last_dose_at"],
        last_check_in_at=r["last_check_in_at"],
        check_in_rate=(r["check_ins_answered30"] or 0) / closed if closed else None,
        latest_craving=r["latest_craving"],
        previous_craving=r["previous_craving"],
        open_alerts=r["open"] or 0,
        urgent_alerts=r["urgent"] or 0,
        next_injection=r["injection_date"] if injection else None,
        injection_overdue=(r["overdue"] or 0) > 0,
        enrolled_at=r["created_at"],
        channel=r["preferred_channel"],
    )


def as_of_day(now: datetime, zone: str) -> date:
    return from_day_number(day_number(now, _zone(zone)))
