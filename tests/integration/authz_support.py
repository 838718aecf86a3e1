"""The world and the bookkeeping behind tests/integration/test_authorization.py.

One world per test: clinic A (Northside) with patient P, staff S, admin D and a former staff
member F; clinic B (Southside) with patient Q and staff T; P's support person W; and U, a chat
that is nobody. P has a daily plan with a pending dose (and its reminder), an open check-in, an
open alert with its staff cards, and an active support link to W; Q has an open alert in clinic B;
D has a pending invite for a colleague.

Every cell runs from that same state: the whole database (except the append-only audit log) is
snapshotted before and after the cell, compared, and then put back to the baseline, so cells
cannot disturb each other and a refused cell can be shown to have changed nothing at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, delete, func, insert, select, update
from sqlalchemy.sql.elements import ColumnElement

from bot.db.models import (
    AuditEntry,
    Base,
    CheckIn,
    DoseEvent,
    OutboxMessage,
    Patient,
    SafetyCheck,
    StaffRole,
    SupportLink,
)
from bot.domain import risk
from bot.domain.replies import Reply, TapResult
from bot.domain.schedules import Plan, PlanKind, day_number
from bot.services import alerts, staff_invites, staff_notes
from bot.services.alerts import raise_alert
from bot.services.clinics import NewClinic, add_staff, deactivate_staff
from bot.services.context import AppContext
from bot.services.inbox import Sender
from tests.support import make_patient, new_clinic

PLAN = Plan(PlanKind.DAILY, "America/New_York", (time(8, 0),), dose_mg=50)


class Role(StrEnum):
    ANON = "anonymous"
    U = "unenrolled user"
    P = "patient"
    Q = "other clinic's patient"
    S = "staff"
    T = "other clinic's staff"
    D = "admin"
    W = "support person"
    F = "former staff"


# The matrices' column headers.
COLUMN = {
    "anon": Role.ANON,
    "U": Role.U,
    "P": Role.P,
    "Q": Role.Q,
    "S": Role.S,
    "T": Role.T,
    "D": Role.D,
    "W": Role.W,
    "F": Role.F,
}

# Chat ids (= Telegram user ids in private chats) and display names. Surnames are distinctive so
# that a leak of a name is visible in any reply.
CHATS = {
    Role.U: 9001,
    Role.P: 1001,
    Role.Q: 2001,
    Role.S: 101,
    Role.D: 102,
    Role.F: 103,
    Role.T: 201,
    Role.W: 3001,
}
NAMES = {
    Role.U: "Uma Stranger",
    Role.P: "Pia Quillfeather",
    Role.Q: "Quinn Bramblewood",
    Role.S: "Sasha Northam",
    Role.D: "Dana Norwood",
    Role.F: "Finn Oldstaff",
    Role.T: "Toby Southam",
    Role.W: "Wren Hollowell",
}
CLINIC_A, CLINIC_B = "Northside Clinic", "Southside Clinic"
OLD_CONSENT = "2000-01-old"


def surname(role: Role) -> str:
    return NAMES[role].split()[-1]


# Snapshots ------------------------------------------------------------------------------------

Row = dict[str, Any]
Snapshot = dict[str, dict[tuple[Any, ...], Row]]

# The audit log is append-only (triggers refuse changes), so it is never restored; new entries
# are inspected on their own. Figures are a cache that any read may fill in: restored, but a
# change there is not a change of state. A session's last_seen_at moves on every request.
NEVER_RESTORED = {AuditEntry.__tablename__}
NOT_STATE = {"patient_stats"}
IGNORED_COLUMNS = {"dashboard_sessions": {"last_seen_at"}}


def _tables() -> list[Table]:
    return [t for t in Base.metadata.sorted_tables if t.name not in NEVER_RESTORED]


def _key(table: Table, row: Row) -> tuple[Any, ...]:
    return tuple(row[c.name] for c in table.primary_key.columns)


def _match(table: Table, key: tuple[Any, ...]) -> list[ColumnElement[bool]]:
    return [c == v for c, v in zip(table.primary_key.columns, key, strict=True)]


async def snapshot(ctx: AppContext) -> Snapshot:
    found: Snapshot = {}
    async with ctx.sessions() as session:
        for table in _tables():
            rows = (await session.execute(select(table))).mappings().all()
            found[table.name] = {_key(table, dict(r)): dict(r) for r in rows}
    return found


async def restore(ctx: AppContext, baseline: Snapshot, current: Snapshot) -> None:
    """Put every table (but the audit log) back to ``baseline``; ``current`` is its state now."""
    tables = _tables()
    if all(current[t.name] == baseline[t.name] for t in tables):
        return
    async with ctx.sessions.begin() as session:
        for table in reversed(tables):  # children before parents
            for key in current[table.name].keys() - baseline[table.name].keys():
                await session.execute(delete(table).where(*_match(table, key)))
        for table in tables:  # parents before children
            for key, row in baseline[table.name].items():
                now = current[table.name].get(key)
                if now is None:
                    await session.execute(insert(table).values(row))
                elif now != row:
                    await session.execute(update(table).where(*_match(table, key)).values(row))


def _state(table: str, row: Row) -> Row:
    ignored = IGNORED_COLUMNS.get(table, set())
    return {k: v for k, v in row.items() if k not in ignored}


@dataclass
class Change:
    """What a cell did to the database: rows added, removed and changed, per table."""

    added: dict[str, list[Row]] = field(default_factory=dict)
    removed: dict[str, list[Row]] = field(default_factory=dict)
    changed: dict[str, list[tuple[Row, Row]]] = field(default_factory=dict)

    @classmethod
    def between(cls, before: Snapshot, after: Snapshot) -> Change:
        change = cls()
        for table, rows in after.items():
            if table in NOT_STATE:
                continue
            old = before[table]
            added = [rows[k] for k in rows.keys() - old.keys()]
            removed = [old[k] for k in old.keys() - rows.keys()]
            changed = [
                (old[k], rows[k])
                for k in rows.keys() & old.keys()
                if _state(table, old[k]) != _state(table, rows[k])
            ]
            if added:
                change.added[table] = added
            if removed:
                change.removed[table] = removed
            if changed:
                change.changed[table] = changed
        return change

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def new(self, table: str, **where: Any) -> list[Row]:
        return [r for r in self.added.get(table, []) if _matches(r, where)]

    def updated(self, table: str, **where: Any) -> list[Row]:
        """The new versions of changed rows matching ``where`` (on their new values)."""
        return [after for _, after in self.changed.get(table, []) if _matches(after, where)]

    def touched(self, table: str) -> list[Row]:
        return [*self.added.get(table, []), *(a for _, a in self.changed.get(table, []))]

    def describe(self) -> str:
        parts = []
        for label, found in (("added", self.added), ("removed", self.removed)):
            for table, rows in found.items():
                parts.append(f"{label} {len(rows)} {table} row(s)")
        for table, pairs in self.changed.items():
            for before, after in pairs:
                columns = sorted(k for k in after if before.get(k) != after[k])
                parts.append(f"changed {table} {_short(before)}: {', '.join(columns)}")
        return "; ".join(parts) or "nothing"


def _matches(row: Row, where: dict[str, Any]) -> bool:
    return all(row.get(k) == v for k, v in where.items())


def _short(row: Row) -> str:
    return str(row.get("id", row.get("chat_id", "?")))


async def audit_marker(ctx: AppContext) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.max(AuditEntry.id))) or 0)


async def audit_since(ctx: AppContext, marker: int) -> list[Row]:
    async with ctx.sessions() as session:
        rows = await session.execute(select(AuditEntry.__table__).where(AuditEntry.id > marker))
        return [dict(r) for r in rows.mappings()]


# Who is sent what ------------------------------------------------------------------------------

# Messages for a clinic's care team; anything else is for the patient (or, "support", for their
# support person).
STAFF_KINDS = {alerts.CARD_KIND, alerts.CARD_UPDATE_KIND, staff_notes.KIND, "digest"}


class Misdirected(AssertionError):
    """A message was queued to a chat that may not have it."""


def misdirected(before: Snapshot, after: Snapshot, change: Change) -> list[str]:
    """The messages a cell queued to someone not entitled to them: a staff message to anyone
    but active staff of the patient's clinic, a patient's message to anyone but the patient (or
    their support person's chat, for a support message)."""
    patients = {**before["patients"], **after["patients"]}
    links = [*before["support_links"].values(), *after["support_links"].values()]
    staff = list(after["staff"].values())
    wrong = []
    for row in change.added.get("outbox", []):
        chat, patient_id, kind = row["chat_id"], row["patient_id"], row["kind"]
        patient = patients.get((patient_id,)) if patient_id is not None else None
        if kind in STAFF_KINDS:
            ok = any(
                s["telegram_user_id"] == chat
                and s["active"]
                and (patient is None or s["clinic_id"] == patient["clinic_id"])
                for s in staff
            )
        else:
            ok = (patient is not None and chat == patient["chat_id"]) or (
                kind == "support"
                and any(
                    link["supporter_chat_id"] == chat
                    and (patient_id is None or link["patient_id"] == patient_id)
                    for link in links
                )
            )
        if not ok:
            names = [s["name"] for s in staff if s["telegram_user_id"] == chat]
            who = f"{names[0]} (staff, active: {staff_active(staff, chat)})" if names else chat
            wrong.append(f"{kind} about patient {patient_id} to {who}: {row['payload']}")
    return wrong


def staff_active(staff: list[Row], chat: int) -> bool:
    return any(s["active"] for s in staff if s["telegram_user_id"] == chat)


# What a person is shown -------------------------------------------------------------------------


def _reply_texts(reply: Reply) -> list[str]:
    found = [reply.text]
    found += [f"{b.label} {b.data}" for row in reply.buttons for b in row]
    if reply.document is not None:
        found += [reply.document[0], reply.document[1].decode("utf-8", "replace")]
    return found


@dataclass
class Outcome:
    """What a Telegram command or tap answered."""

    replies: list[Reply]
    tap: TapResult | None = None

    @property
    def all_replies(self) -> list[Reply]:
        found = list(self.replies)
        if self.tap is not None:
            found += self.tap.replies
            if self.tap.edit is not None:
                found.append(self.tap.edit)
        return found

    @property
    def text(self) -> str:
        parts = [t for r in self.all_replies for t in _reply_texts(r)]
        if self.tap is not None:
            parts += [self.tap.notice or "", self.tap.chosen or ""]
            parts += [f"{b.label} {b.data}" for row in self.tap.buttons or () for b in row]
        return "\n".join(parts)

    @property
    def button_data(self) -> list[str]:
        found = [b.data for r in self.all_replies for row in r.buttons for b in row]
        if self.tap is not None and self.tap.buttons:
            found += [b.data for row in self.tap.buttons for b in row]
        return found

    @property
    def notice(self) -> str | None:
        return self.tap.notice if self.tap is not None else None


# The world ------------------------------------------------------------------------------------


@dataclass
class World:
    ctx: AppContext
    clinic_a: NewClinic
    clinic_b: NewClinic
    staff: dict[Role, int]  # staff ids of S, D, F (clinic A) and T (clinic B)
    patients: dict[Role, int]  # patient ids of P and Q
    codes: dict[Role, str]  # their short codes
    schedules: dict[Role, int]
    dose: int  # P's pending dose (reminded, unanswered)
    dose_due: datetime
    check_in: int  # P's open check-in
    alert_a: int  # clinic A's open alert, about P
    alert_b: int  # clinic B's open alert, about Q
    support_link: int  # P's active support link, to W
    safety_check: int  # P's open "Are you safe right now?"
    staff_invite: int  # D's pending invite for a colleague at clinic A
    baseline: Snapshot = field(default_factory=dict)

    def sender(self, role: Role) -> Sender:
        return Sender(CHATS[role], NAMES[role])

    def own_patient(self, role: Role) -> int | None:
        return self.patients.get(role)

    def other_patient(self, role: Role) -> int:
        return self.patients[Role.Q if role == Role.P else Role.P]

    def patient_ref(self, role: Role) -> str:
        return self.ctx.patient_ref(self.patients[role])

    def secrets(self, role: Role) -> list[str]:
        """What must never be shown to ``role``: other people's names and codes."""
        p = [surname(Role.P), self.codes[Role.P]]
        q = [surname(Role.Q), self.codes[Role.Q]]
        w = [surname(Role.W)]
        staff_a = [surname(Role.S), surname(Role.D), surname(Role.F)]
        staff_b = [surname(Role.T)]
        return {
            Role.ANON: p + q + w + staff_a + staff_b,
            Role.U: p + q + w + staff_a + staff_b,
            Role.P: q + staff_b,
            Role.Q: p + w + staff_a,
            Role.S: q + w + staff_b,
            Role.D: q + w + staff_b,
            Role.T: p + w + staff_a,
            Role.W: p + q + staff_a + staff_b,
            Role.F: p + q + w + staff_b + [surname(Role.S), surname(Role.D)],
        }[role]

    async def fresh_baseline(self) -> None:
        self.baseline = await snapshot(self.ctx)

    async def deactivate_former_staff(self) -> None:
        await deactivate_staff(self.ctx.sessions, self.ctx.clock, CHATS[Role.F])


async def build_world(ctx: AppContext) -> World:
    now = ctx.clock.now()
    north = await new_clinic(ctx, CLINIC_A)
    south = await new_clinic(ctx, CLINIC_B)
    staff: dict[Role, int] = {}
    for role, clinic, rank in (
        (Role.S, north, StaffRole.STAFF),
        (Role.D, north, StaffRole.ADMIN),
        (Role.F, north, StaffRole.STAFF),
        (Role.T, south, StaffRole.STAFF),
    ):
        added = await add_staff(
            ctx.sessions,
            ctx.clock,
            telegram_user_id=CHATS[role],
            name=NAMES[role],
            clinic_code=clinic.invite_code,
            role=rank,
        )
        staff[role] = added.id
    patients: dict[Role, int] = {}
    schedules: dict[Role, int] = {}
    for role, clinic in ((Role.P, north), (Role.Q, south)):
        patients[role], schedules[role] = await make_patient(
            ctx, PLAN, chat_id=CHATS[role], clinic_id=clinic.id, name=NAMES[role]
        )
    due = now - timedelta(minutes=30)
    async with ctx.sessions.begin() as session:
        codes = {
            role: str(await session.scalar(select(Patient.code).where(Patient.id == pid)))
            for role, pid in patients.items()
        }
        dose = DoseEvent(
            schedule_id=schedules[Role.P],
            patient_id=patients[Role.P],
            due_at=due,
            local_day=day_number(due, ZoneInfo(PLAN.zone)),
            dose_mg=50,
            status="pending",
            window_ends_at=due + timedelta(hours=4),
            reminded_at=due,
            created_at=due,
        )
        check_in = CheckIn(
            patient_id=patients[Role.P],
            created_at=now - timedelta(hours=1),
            due_at=now - timedelta(hours=1),
            status="open",
            expires_at=now + timedelta(hours=23),
        )
        link = SupportLink(
            patient_id=patients[Role.P],
            token=None,
            status="active",
            supporter_chat_id=CHATS[Role.W],
            supporter_name=NAMES[Role.W],
            created_at=now - timedelta(days=3),
            expires_at=now + timedelta(days=4),
            confirmed_at=now - timedelta(days=3),
        )
        safety_check = SafetyCheck(
            patient_id=patients[Role.P],
            asked_at=now - timedelta(minutes=5),
            due_at=now + timedelta(minutes=25),
            lang="en",
        )
        session.add_all([dose, check_in, link, safety_check])
        await session.flush()
        alert_ids = []
        # Raised the way the risk rules raise them: the staff cards go out through the outbox.
        for role in (Role.P, Role.Q):
            patient = await session.get(Patient, patients[role])
            assert patient is not None
            alert = await raise_alert(
                session, patient, risk.missed_doses(NAMES[role], 2), now - timedelta(hours=2)
            )
            assert alert is not None
            alert_ids.append(alert.id)
        # Delivered: the reminder and every staff card are in their chats.
        await session.flush()
        await session.execute(
            update(OutboxMessage).values(status="sent", sent_at=now, telegram_message_id=500)
        )
        dose.reminder_message_id = 400
        ids = dose.id, check_in.id, link.id, safety_check.id
    invite = await staff_invites.create_invite(ctx, staff[Role.D])
    return World(
        ctx=ctx,
        clinic_a=north,
        clinic_b=south,
        staff=staff,
        patients=patients,
        codes=codes,
        schedules=schedules,
        dose=ids[0],
        dose_due=due.astimezone(UTC),
        check_in=ids[1],
        alert_a=alert_ids[0],
        alert_b=alert_ids[1],
        support_link=ids[2],
        safety_check=ids[3],
        staff_invite=invite.id,
    )


# Small helpers for the cells --------------------------------------------------------------------


async def set_rows(ctx: AppContext, model: Any, ids: Iterable[int], **values: Any) -> None:
    async with ctx.sessions.begin() as session:
        await session.execute(update(model).where(model.id.in_(list(ids))).values(**values))


def json_of(document: bytes) -> Any:
    return json.loads(document.decode("utf-8"))
