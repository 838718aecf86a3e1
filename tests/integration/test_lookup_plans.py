"""Things found by key, not by pattern (issue 18, item 2).

An alert's staff cards are found by the outbox's ``alert_id`` (migration 0012 fills it in for
cards queued before), not by ``dedupe_key LIKE 'alert:N:staff:%'``, which no index serves under
the C.UTF-8 collation. The sender's claim reads the head of the line from the partial pending
index in its order. On Postgres with 100,000 outbox rows, the plans of both statements, built
from the functions the code runs them from (and, for the claim, under the settings its
transaction runs with), read ``outbox`` through an index and sort no backlog: the plan Postgres
makes for the values of a call, and the generic plan it may keep for a prepared statement; the
claim also right after a burst, before the outbox has been analysed. No timings: the plans are
the evidence (bench/results/scheduling.md has the numbers).
"""

from __future__ import annotations

import json
from datetime import time
from typing import Any

import pytest
import telegram
from alembic import command
from sqlalchemy import Connection, select, text
from telegram import InlineKeyboardMarkup

from bot.clock import FakeClock
from bot.db.engine import create_engine
from bot.db.migrate import alembic_config, upgrade
from bot.db.models import Alert, AlertStatus, OutboxMessage, OutboxStatus, Patient
from bot.domain.risk import AlertKind, Finding
from bot.domain.schedules import Plan, PlanKind
from bot.runtime import app_context
from bot.services import alerts
from bot.services.clinics import add_staff
from bot.services.context import AppContext
from bot.services.outbox import enqueue
from jobs.sender import CLAIM_SETTINGS, HEAD_FACTOR, OutboxSender, claim_head_query
from tests.conftest import make_settings
from tests.integration.plan_support import INDEX_READS, custom_plan, generic_plan, nodes, sorts
from tests.support import make_patient, new_clinic

PLAN = Plan(PlanKind.DAILY, "America/Chicago", (time(8, 0),))
STAFF_CHAT = 7000
OUTBOX_ROWS = 100_000
ALERTS = 1_000


# Plans -------------------------------------------------------------------------------------


def _outbox_reads(plan: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [
        (node["Node Type"], node.get("Index Name"))
        for node in nodes(plan)
        if node.get("Relation Name") == "outbox" or "outbox" in str(node.get("Index Name", ""))
    ]


def _seq_scans_of_outbox(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        node
        for node in nodes(plan)
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") == "outbox"
    ]


# A clinic at scale -------------------------------------------------------------------------


async def _fill(ctx: AppContext) -> tuple[Alert, int]:
    """Three staff, 1,000 earlier alerts with a card each, 100,000 reminders of which a fifth
    are still to go, then one alert raised the way the bot raises them. Returns that alert and
    the patient's id."""
    clinic = await new_clinic(ctx)
    for n in range(3):
        await add_staff(
            ctx.sessions,
            ctx.clock,
            telegram_user_id=STAFF_CHAT + n,
            name=f"Nurse {n}",
            clinic_code=clinic.invite_code,
        )
    patient_id, _ = await make_patient(ctx, PLAN, chat_id=5000, clinic_id=clinic.id)
    ids = {"clinic": clinic.id, "patient": patient_id, "now": ctx.clock.now()}
    async with ctx.sessions.begin() as session:
        await session.execute(
            text(
                "INSERT INTO alerts (clinic_id, patient_id, kind, severity, status, summary,"
                " created_at, occurrences, last_seen_at)"
                " SELECT CAST(:clinic AS integer), CAST(:patient AS integer), 'high_craving',"
                " 'normal', 'resolved', 'earlier',"
                " CAST(:now AS timestamptz) - g * interval '1 hour', 1,"
                " CAST(:now AS timestamptz) - g * interval '1 hour'"
                f" FROM generate_series(1, {ALERTS}) g"
            ),
            ids,
        )
        # Reminders over the last 30 days, sent; the newest fifth pending: a backlog, all due.
        await session.execute(
            text(
                "INSERT INTO outbox (chat_id, patient_id, kind, payload, dedupe_key, status,"
                " attempts, next_attempt_at, created_at)"
                " SELECT 100000 + g % 20000, CAST(:patient AS integer), 'reminder',"
                " '{\"text\": \"x\"}', 'reminder:' || g,"
                f" CASE WHEN g > {OUTBOX_ROWS * 4 // 5} THEN 'pending' ELSE 'sent' END, 0,"
                f" CAST(:now AS timestamptz) - ({OUTBOX_ROWS} - g) * interval '25 seconds',"
                f" CAST(:now AS timestamptz) - ({OUTBOX_ROWS} - g) * interval '25 seconds'"
                f" FROM generate_series(1, {OUTBOX_ROWS}) g"
            ),
            ids,
        )
        # Each earlier alert's cards, one per nurse.
        await session.execute(
            text(
                "INSERT INTO outbox (chat_id, patient_id, kind, payload, dedupe_key, status,"
                " attempts, next_attempt_at, created_at, alert_id)"
                " SELECT s.telegram_user_id, CAST(:patient AS integer), 'staff_alert',"
                " '{\"text\": \"x\"}', 'alert:' || a.id || ':staff:' || s.id, 'sent', 1,"
                " a.created_at, a.created_at, a.id"
                " FROM alerts a CROSS JOIN staff s"
            ),
            ids,
        )
    async with ctx.sessions.begin() as session:
        patient = await session.get(Patient, patient_id)
        assert patient is not None
        finding = Finding(AlertKind.HIGH_CRAVING, "Pat rated a craving 9 of 10.")
        alert = await alerts.raise_alert(session, patient, finding, ctx.clock.now())
        assert alert is not None
    async with ctx.sessions.begin() as session:  # committed, or the statistics go too
        await session.execute(text("ANALYZE outbox"))
        await session.execute(text("ANALYZE alerts"))
        await session.execute(text("ANALYZE staff"))
    return alert, patient_id


@pytest.mark.postgres
async def test_cards_and_the_claim_read_the_outbox_through_an_index_at_100k_rows(
    pg_url: str, clock: FakeClock
) -> None:
    async with app_context(make_settings(pg_url), clock) as ctx:
        alert, _ = await _fill(ctx)
        sender = OutboxSender(ctx, _NoBot())
        claim = claim_head_query(clock.now(), sender._batch_claim * HEAD_FACTOR, lock=True)
        async with ctx.sessions() as session:
            plans = {
                "cards": await custom_plan(session, alerts.cards_query(alert.id)),
                "cards, generic": await generic_plan(
                    session, alerts.cards_query(alert.id), "cards"
                ),
            }
        async with ctx.sessions() as session:
            await session.execute(text(CLAIM_SETTINGS))
            plans["claim"] = await custom_plan(session, claim)
            plans["claim, generic"] = await generic_plan(session, claim, "claim")
    for name, plan in plans.items():
        assert _seq_scans_of_outbox(plan) == [], (name, json.dumps(plan, indent=1))
    for name in ("cards", "cards, generic"):
        reads = _outbox_reads(plans[name])
        assert {node for node, _ in reads} <= INDEX_READS, (name, reads)
        assert {index for _, index in reads if index} == {"ix_outbox_alert_id"}, (name, reads)
    for name in ("claim", "claim, generic"):
        _assert_head_in_index_order(name, plans[name])


def _assert_head_in_index_order(name: str, plan: dict[str, Any]) -> None:
    # The head of the line straight from the index, in its order: no Sort of the backlog.
    assert _outbox_reads(plan) == [("Index Scan", "ix_outbox_pending")], (name, json.dumps(plan))
    assert sorts(plan) == [], (name, json.dumps(plan, indent=1))


@pytest.mark.postgres
async def test_refreshing_cards_among_100k_rows_edits_each_card_once(
    pg_url: str, clock: FakeClock
) -> None:
    async with app_context(make_settings(pg_url), clock) as ctx:
        alert, _ = await _fill(ctx)
        async with ctx.sessions.begin() as session:
            found = await session.get(Alert, alert.id)
            assert found is not None
            found.status = AlertStatus.ACKNOWLEDGED
            await alerts.refresh_cards(session, found, clock.now())
        async with ctx.sessions() as session:
            cards = (
                await session.execute(
                    select(OutboxMessage.id, OutboxMessage.chat_id).where(
                        OutboxMessage.alert_id == alert.id
                    )
                )
            ).all()
            edits = [
                message.payload
                for message in await session.scalars(
                    select(OutboxMessage).where(OutboxMessage.kind == alerts.CARD_UPDATE_KIND)
                )
            ]
    assert sorted(chat for _, chat in cards) == [STAFF_CHAT, STAFF_CHAT + 1, STAFF_CHAT + 2]
    assert sorted(e["edit_of"] for e in edits) == sorted(card for card, _ in cards)
    assert {e["alert_id"] for e in edits} == {alert.id}


class _NoBot:
    """The claims here find nothing to send."""

    async def send_message(
        self, *, chat_id: int, text: str, reply_markup: InlineKeyboardMarkup | None = None
    ) -> telegram.Message:
        raise AssertionError("nothing is sent here")

    async def edit_message_text(
        self,
        *,
        text: str,
        chat_id: int,
        message_id: int,
        reply_markup: InlineKeyboardMarkup | None = None,
    ) -> telegram.Message | bool:
        raise AssertionError("nothing is sent here")


@pytest.mark.postgres
async def test_a_claim_right_after_a_burst_reads_the_index_in_order(
    pg_url: str, clock: FakeClock
) -> None:
    """An idle sender polls an empty outbox; then 100,000 messages arrive at once and are
    claimed before autovacuum has analysed the table. The planner then believes few rows are
    due: a bitmap scan and a Sort of the whole backlog looked cheap to it (and a generic plan
    made while the outbox was empty, too). Under the claim's settings it reads the index."""
    async with app_context(make_settings(pg_url), clock) as ctx:
        sender = OutboxSender(ctx, _NoBot())
        for _ in range(8):
            assert await sender.drain_once() == 0
        async with ctx.sessions.begin() as session:
            await session.execute(
                text(
                    "INSERT INTO outbox (chat_id, kind, payload, dedupe_key, status, attempts,"
                    " next_attempt_at, created_at)"
                    " SELECT 100000 + g, 'reminder', '{\"text\": \"x\"}', 'burst:' || g,"
                    " 'pending', 0, CAST(:due AS timestamptz), CAST(:due AS timestamptz)"
                    f" FROM generate_series(1, {OUTBOX_ROWS}) g"
                ),
                {"due": clock.now()},
            )
        limit = sender._batch_claim * HEAD_FACTOR
        claim = claim_head_query(clock.now(), limit, lock=True)
        async with ctx.sessions() as session:
            await session.execute(text(CLAIM_SETTINGS))
            custom = await custom_plan(session, claim)
            generic = await generic_plan(session, claim, "claim")
        rows, _ = await sender._claim()
    _assert_head_in_index_order("claim", custom)
    _assert_head_in_index_order("claim, generic", generic)
    # The sender's own claim: the first batch of the burst, in line order.
    assert len(rows) == sender._batch_claim
    assert [row.order for row in rows] == sorted(row.order for row in rows)
    assert rows[0].id == min(row.id for row in rows)


# Both databases ----------------------------------------------------------------------------


async def test_cards_carry_their_alert_id_and_nothing_else_does(ctx: AppContext) -> None:
    clinic = await new_clinic(ctx)
    for n in range(2):
        await add_staff(
            ctx.sessions,
            ctx.clock,
            telegram_user_id=STAFF_CHAT + n,
            name=f"Nurse {n}",
            clinic_code=clinic.invite_code,
        )
    patient_id, _ = await make_patient(ctx, PLAN, chat_id=5000, clinic_id=clinic.id)
    now = ctx.clock.now()
    async with ctx.sessions.begin() as session:
        enqueue(session, chat_id=5000, kind="reminder", payload={"text": "x"}, now=now)
        patient = await session.get(Patient, patient_id)
        assert patient is not None
        finding = Finding(AlertKind.HIGH_CRAVING, "Pat rated a craving 9 of 10.")
        alert = await alerts.raise_alert(session, patient, finding, now)
        assert alert is not None
        # Again while open: the cards are edited, not sent again.
        assert await alerts.raise_alert(session, patient, finding, now) is None
    async with ctx.sessions() as session:
        rows = (
            await session.execute(
                select(OutboxMessage.kind, OutboxMessage.alert_id, OutboxMessage.status)
            )
        ).all()
    kinds = sorted((kind, alert_id) for kind, alert_id, _ in rows)
    assert kinds == [
        ("reminder", None),
        (alerts.CARD_KIND, alert.id),
        (alerts.CARD_KIND, alert.id),
        (alerts.CARD_UPDATE_KIND, None),
        (alerts.CARD_UPDATE_KIND, None),
    ]
    assert {status for *_, status in rows} == {OutboxStatus.PENDING}


def _migrate(connection: Connection, url: str, direction: str, revision: str) -> None:
    config = alembic_config(url)
    config.attributes["connection"] = connection
    getattr(command, direction)(config, revision)


async def _run(url: str, statement: str, **params: Any) -> list[Any]:
    engine = create_engine(url, foreign_keys=False)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(text(statement), params)
            return list(result.all()) if result.returns_rows else []
    finally:
        await engine.dispose()


async def test_0012_gives_cards_queued_before_it_their_alert_id(db_url: str) -> None:
    engine = create_engine(db_url, foreign_keys=False)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_migrate, db_url, "downgrade", "0011")
    finally:
        await engine.dispose()
    rows = [
        ("staff_alert", "alert:17:staff:3"),
        ("staff_alert", "alert:2147483647:staff:12"),
        ("staff_alert", None),
        ("staff_alert_update", None),
        ("reminder", "reminder:17:2026-11-25"),
        ("support", "alert:5:staff:not-a-card"),
    ]
    for kind, key in rows:
        await _run(
            db_url,
            "INSERT INTO outbox (chat_id, kind, payload, dedupe_key, status, attempts,"
            " next_attempt_at, created_at) VALUES (7, :kind, '{}', :key, 'sent', 1,"
            " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            kind=kind,
            key=key,
        )
    await upgrade(db_url)
    found = await _run(db_url, "SELECT kind, dedupe_key, alert_id FROM outbox ORDER BY id")
    assert [tuple(row) for row in found] == [
        ("staff_alert", "alert:17:staff:3", 17),
        ("staff_alert", "alert:2147483647:staff:12", 2147483647),
        ("staff_alert", None, None),
        ("staff_alert_update", None, None),
        ("reminder", "reminder:17:2026-11-25", None),
        ("support", "alert:5:staff:not-a-card", None),
    ]


async def test_downgrading_0012_on_sqlite_keeps_outbox_ids_from_going_back(
    tmp_path: Any,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    await upgrade(url)
    for n in range(3):
        await _run(
            url,
            "INSERT INTO outbox (chat_id, kind, payload, status, attempts, next_attempt_at,"
            " created_at, alert_id) VALUES (7, 'staff_alert', '{}', 'sent', 1,"
            " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, :n)",
            n=n,
        )
    await _run(url, "DELETE FROM outbox WHERE id = 3")  # the newest row, erased
    engine = create_engine(url, foreign_keys=False)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_migrate, url, "downgrade", "0011")
    finally:
        await engine.dispose()
    [(sql,)] = await _run(url, "SELECT sql FROM sqlite_master WHERE name = 'outbox'")
    assert "AUTOINCREMENT" in sql and "alert_id" not in sql
    assert await _run(url, "SELECT seq FROM sqlite_sequence WHERE name = 'outbox'") == [(3,)]
