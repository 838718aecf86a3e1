"""The follow-up wave's hot queries at 10^5 rows on Postgres (issue 18, item 2): the claims read
``dose_events`` through the partial pending index (the closed-window claim in its order, so no
sort of the backlog whatever its length), and the per-patient reads of the wave (latest prompts,
doses around the batch, the cards of many alerts) go by index, never a sequential scan of a
table that grows with time. Both the plan for the call's values and the generic plan Postgres
may keep for a prepared statement. No timings: the plans are the evidence
(bench/results/followups_wave.md has the numbers)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Update, text

from bot.clock import FakeClock
from bot.runtime import app_context
from bot.services import alerts, risk_rules
from bot.services.context import AppContext
from jobs.followups import closed_claim_query, nudge_claim_query, snoozed_claim_query
from tests.conftest import make_settings
from tests.integration.plan_support import (
    INDEX_READS,
    custom_plan,
    generic_plan,
    nodes,
    outline,
    plan_of_write,
    reads,
    seq_scans,
    sorts,
)

PATIENTS = 2_000
DOSES_EACH = 50  # 10^5 dose rows
GROWING = {"dose_events", "check_ins", "outbox", "alerts"}


async def _fill(ctx: AppContext) -> None:
    """2,000 patients with 50 days of doses each (the last one pending: half of those windows
    closed, half still open, some snoozed), five weekly check-ins each, alert cards."""
    now = ctx.clock.now()
    values = {"now": now, "consent": ctx.consent.version}
    async with ctx.sessions.begin() as session:
        for sql in (
            "INSERT INTO clinics (name, invite_code, created_at)"
            " SELECT 'Clinic ' || c, 'PLAN' || c, :now FROM generate_series(1, 10) c",
            "INSERT INTO staff (telegram_user_id, name, role, timezone, clinic_id, active,"
            " created_at) SELECT 7000 + c, 'Nurse', 'staff', 'UTC', c, true, :now"
            " FROM generate_series(1, 10) c",
            "INSERT INTO patients (chat_id, code, clinic_id, display_name, timezone, language,"
            " consent_version, consented_at, status, plain_wording, created_at, updated_at)"
            " SELECT 100000 + i, 'P' || i, 1 + i % 10, 'Pat', 'America/Chicago', 'en',"
            f" :consent, :now, 'active', false, :now, :now FROM generate_series(1, {PATIENTS}) i",
            "INSERT INTO schedules (patient_id, kind, timezone, dose_times, dose_mg, active,"
            " created_at, updated_at) SELECT id, 'daily', timezone, '[\"08:00\"]', 50, true,"
            " :now, :now FROM patients",
            "INSERT INTO dose_events (schedule_id, patient_id, due_at, local_day, dose_mg,"
            " status, window_ends_at, reminded_at, snoozed_until, created_at)"
            " SELECT s.id, s.patient_id, d.due, k, 50,"
            " CASE WHEN k = 1 THEN 'pending' WHEN (s.id + k) % 7 = 0 THEN 'missed'"
            " ELSE 'taken' END,"
            " d.due + interval '4 hours', d.due,"
            " CASE WHEN k = 1 AND s.id % 5 = 0 THEN CAST(:now AS timestamptz) END, d.due"
            " FROM schedules s, LATERAL (SELECT k, CAST(:now AS timestamptz)"
            "   - (k - 1) * interval '1 day' - (s.id % 2) * interval '5 hours'"
            "   - interval '1 hour' AS due"
            f"   FROM generate_series(1, {DOSES_EACH}) k) d",
            "INSERT INTO check_ins (patient_id, created_at, due_at, status, expires_at)"
            " SELECT p.id, CAST(:now AS timestamptz) - k * interval '7 days',"
            " CAST(:now AS timestamptz) - k * interval '7 days',"
            " CASE WHEN k % 3 = 0 THEN 'expired' ELSE 'answered' END,"
            " CAST(:now AS timestamptz) - k * interval '7 days' + interval '1 day'"
            " FROM patients p, generate_series(1, 5) k",
            "INSERT INTO alerts (clinic_id, patient_id, kind, severity, status, summary,"
            " created_at, occurrences, last_seen_at)"
            " SELECT clinic_id, id, 'missed_doses', 'normal', 'open', 's', :now, 1, :now"
            " FROM patients",
            "INSERT INTO outbox (chat_id, patient_id, kind, payload, dedupe_key, status,"
            " attempts, next_attempt_at, created_at, alert_id)"
            " SELECT st.telegram_user_id, a.patient_id, 'staff_alert', '{\"text\": \"x\"}',"
            " 'alert:' || a.id || ':staff:' || st.id, 'sent', 1, :now, :now, a.id"
            " FROM alerts a JOIN staff st ON st.clinic_id = a.clinic_id",
            "INSERT INTO outbox (chat_id, patient_id, kind, payload, dedupe_key, status,"
            " attempts, next_attempt_at, created_at)"
            " SELECT 100000 + 1 + g % 2000, 1 + g % 2000, 'reminder', '{\"text\": \"x\"}',"
            " 'old:' || g, 'sent', 1, :now, :now FROM generate_series(1, 100000) g",
        ):
            await session.execute(text(sql), values)
    async with ctx.sessions.begin() as session:
        await session.execute(text("ANALYZE"))


# The EXPLAIN helpers are this module's own (other plan tests are being reorganised around a
# shared module; this test does not depend on their private names).
def _indexes(plan: dict[str, Any], prefix: str) -> set[str]:
    return {
        node["Index Name"]
        for node in nodes(plan)
        if str(node.get("Index Name", "")).startswith(prefix)
    }


@pytest.mark.postgres
async def test_the_wave_reads_by_index_at_100k_dose_rows(pg_url: str, clock: FakeClock) -> None:
    async with app_context(make_settings(pg_url), clock) as ctx:
        await _fill(ctx)
        clock.advance(timedelta(minutes=1))
        now = clock.now()
        async with ctx.sessions() as session:
            ids = list(
                await session.scalars(
                    text("SELECT id FROM dose_events WHERE status = 'pending' ORDER BY id")
                )
            )
            patients = list(await session.scalars(text("SELECT id FROM patients ORDER BY id")))
            alert_ids = list(await session.scalars(text("SELECT id FROM alerts ORDER BY id")))
            statements: dict[str, Any] = {
                # A batch much smaller than the backlog (1,000 closed windows here), as at 10^5
                # windows closing at once with batches of 5,000.
                "closed": closed_claim_query(now, True, 100),
                "closed, lane": closed_claim_query(now, True, 100, 1, 2),
                "snoozed": snoozed_claim_query(ctx, now, True, 5000),
                "nudge": nudge_claim_query(ctx, now, True, 5000),
                "latest prompts": risk_rules._LATEST_PROMPTS.bindparams(pids=patients, lim=3),
                "doses around": risk_rules._DOSES_AROUND.bindparams(ids=ids, lim=2),
                "cards": alerts.cards_of_alerts_query(session, alert_ids[:500]),
            }
            plans = {}
            for n, (name, statement) in enumerate(statements.items()):
                if isinstance(statement, Update):
                    plans[name] = await plan_of_write(session, statement)
                else:
                    plans[name] = await custom_plan(session, statement)
                plans[f"{name}, generic"] = await generic_plan(session, statement, f"p{n}")
    for name, plan in plans.items():
        assert seq_scans(plan, GROWING) == [], (name, json.dumps(plan, indent=1))
    for name in ("closed", "closed, lane", "snoozed", "nudge"):
        for variant in (name, f"{name}, generic"):
            read = reads(plans[variant], "dose_events")
            assert {node for node, _ in read} <= INDEX_READS, (variant, read)
            assert _indexes(plans[variant], "ix_dose_events") == {"ix_dose_events_pending"}
    for variant in ("closed", "closed, generic", "closed, lane", "closed, lane, generic"):
        # The head of the backlog in the index's order: nothing sorted, however long it is.
        assert sorts(plans[variant]) == [], (variant, outline(plans[variant]))
    for variant in ("cards", "cards, generic"):
        assert _indexes(plans[variant], "ix_outbox") == {"ix_outbox_alert_id"}, variant
    for variant in ("latest prompts", "latest prompts, generic", "doses around"):
        assert "ix_dose_events_patient_due" in _indexes(plans[variant], "ix_dose_events")
