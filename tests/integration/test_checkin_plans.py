"""The check-in job's hot queries read indexes, not tables, at 10^5 rows (issue 18, item 2).

On Postgres with 100,000 patients and 300,000 check-ins (a closed history and one open each),
the plans of the two claims, built by the functions the job runs them from, read the head of
their partial index in its order (no Sort of the backlog, no sequential scan), both for a few
due and for everyone due at once, as the plan Postgres makes for a call's values and as the
generic plan it may keep for a prepared statement; and closing the open check-ins of a batch
of patients reads ``check_ins`` through an index, each row compared with its own patient's new
check-in only. No timings: the plans are the evidence
(bench/results/checkins_wave.md has the numbers).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from bot.clock import FakeClock
from bot.runtime import app_context
from bot.services.context import AppContext
from jobs.checkins import BATCH, close_older_query, due_claim, expiry_claim
from tests.conftest import make_settings
from tests.integration.plan_support import custom_plan, generic_plan, plan_of_write, reads, sorts
from tests.support import new_clinic

PATIENTS = 100_000


async def _fill(ctx: AppContext) -> None:
    """100,000 patients, each with two closed check-ins and one open; check-in times spread
    over the week ahead, so a few are due now."""
    clinic = await new_clinic(ctx)
    params = {"clinic": clinic.id, "now": ctx.clock.now(), "consent": ctx.consent.version}
    async with ctx.sessions.begin() as session:
        await session.execute(
            text(
                "INSERT INTO patients (chat_id, code, clinic_id, display_name, timezone,"
                " language, consent_version, consented_at, status, plain_wording,"
                " checkin_frequency, checkin_time, next_checkin_at, stats_version,"
                " stats_seen_version, created_at, updated_at)"
                " SELECT 10000000 + g, 'C' || g, CAST(:clinic AS integer), 'P' || g,"
                " 'America/Chicago', 'en', :consent, CAST(:now AS timestamptz), 'active',"
                " false, 'weekly', '18:00',"
                " CAST(:now AS timestamptz) + (g - 1000) * interval '6 seconds', 0, -1,"
                " CAST(:now AS timestamptz), CAST(:now AS timestamptz)"
                f" FROM generate_series(1, {PATIENTS}) g"
            ),
            params,
        )
        await session.execute(
            text(
                "INSERT INTO check_ins (patient_id, created_at, due_at, status, answered_at,"
                " expires_at)"
                " SELECT p.id, CAST(:now AS timestamptz) - w * interval '7 days',"
                " CAST(:now AS timestamptz) - w * interval '7 days',"
                " CASE WHEN w = 1 THEN 'expired' ELSE 'answered' END,"
                " CASE WHEN w = 1 THEN NULL ELSE CAST(:now AS timestamptz) END,"
                " CAST(:now AS timestamptz) - w * interval '6 days'"
                " FROM patients p CROSS JOIN generate_series(1, 2) w"
            ),
            params,
        )
        await session.execute(
            text(
                "INSERT INTO check_ins (patient_id, created_at, due_at, status, expires_at)"
                " SELECT p.id, CAST(:now AS timestamptz) - interval '1 day',"
                " CAST(:now AS timestamptz) - interval '1 day', 'open',"
                " CAST(:now AS timestamptz) + (p.id - 1000) * interval '6 seconds'"
                " FROM patients p"
            ),
            params,
        )
    await _analyze(ctx)


async def _analyze(ctx: AppContext) -> None:
    async with ctx.sessions.begin() as session:
        await session.execute(text("ANALYZE patients"))
        await session.execute(text("ANALYZE check_ins"))


async def _claim_plans(ctx: AppContext) -> dict[str, dict[str, Any]]:
    now = ctx.clock.now()
    due = due_claim(now, BATCH, lock=True)
    expiring = expiry_claim(now, BATCH, lock=True)
    async with ctx.sessions() as session:
        return {
            "due": await custom_plan(session, due),
            "due, generic": await generic_plan(session, due, "due"),
            "expiring": await custom_plan(session, expiring),
            "expiring, generic": await generic_plan(session, expiring, "expiring"),
        }


def _assert_claims_read_their_index(plans: dict[str, dict[str, Any]]) -> None:
    for name in ("due", "due, generic"):
        plan = plans[name]
        assert reads(plan, "patients") == [("Index Scan", "ix_patients_checkin_due")], (
            name,
            json.dumps(plan, indent=1),
        )
        assert sorts(plan) == [], (name, json.dumps(plan, indent=1))
    for name in ("expiring", "expiring, generic"):
        plan = plans[name]
        assert reads(plan, "check_ins") == [("Index Scan", "ix_check_ins_open")], (
            name,
            json.dumps(plan, indent=1),
        )
        assert [node for node, _ in reads(plan, "patients")] == ["Index Scan"], (
            name,
            json.dumps(plan, indent=1),
        )
        assert sorts(plan) == [], (name, json.dumps(plan, indent=1))


@pytest.mark.postgres
async def test_claims_read_the_head_of_their_index_at_100k(pg_url: str, clock: FakeClock) -> None:
    async with app_context(make_settings(pg_url), clock) as ctx:
        await _fill(ctx)
        _assert_claims_read_their_index(await _claim_plans(ctx))

        # Everyone due at once, and every open check-in run out: before the statistics know
        # it, and after.
        clock.advance(timedelta(days=8))
        _assert_claims_read_their_index(await _claim_plans(ctx))
        await _analyze(ctx)
        _assert_claims_read_their_index(await _claim_plans(ctx))


@pytest.mark.postgres
async def test_closing_a_batch_of_open_check_ins_reads_check_ins_by_index(
    pg_url: str, clock: FakeClock
) -> None:
    async with app_context(make_settings(pg_url), clock) as ctx:
        await _fill(ctx)
        now = clock.now()
        opened = [(PATIENTS * 3 + n, 5000 + n, now) for n in range(BATCH)]
        async with ctx.sessions() as session:
            close = close_older_query(session, opened)
            plans = {
                "close": await plan_of_write(session, close),
                "close, generic": await generic_plan(session, close, "close"),
            }
    for name, plan in plans.items():
        read = reads(plan, "check_ins")
        assert read, (name, json.dumps(plan, indent=1))
        assert all(node != "Seq Scan" for node, _ in read), (name, json.dumps(plan, indent=1))
