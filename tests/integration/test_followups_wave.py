"""The set-based follow-up wave and its bulk primitives (issue 18): the same alerts, cards and
messages as one row at a time (tests/support_followups_reference.py), on both databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from bot.clock import FakeClock
from bot.db.models import Alert, AlertStatus, Patient
from bot.domain import risk
from bot.runtime import app_context
from bot.services import alerts, risk_rules
from bot.services.context import AppContext
from tests import support_followups_reference as reference
from tests.conftest import START, make_settings
from tests.support_followups_reference import History, build

Items = Callable[[list[int]], list[tuple[int, risk.Finding]]]


async def _raise_both(db_url: str, history: History, items: Items) -> None:
    """Raise ``items(patient ids)`` on two copies of ``history``: one at a time with the old
    code, and in one ``raise_alerts``; both must open the same alerts and queue the same."""
    clock = FakeClock(START)
    async with app_context(make_settings(db_url), clock) as ctx:
        await build(ctx, history)
    clock.set(START + timedelta(hours=1))
    snapshots = []
    for bulk in (False, True):
        async with reference.copy_of(db_url) as url, app_context(make_settings(url), clock) as ctx:
            async with ctx.sessions.begin() as session:
                patients = {p.id: p for p in await session.scalars(select(Patient))}
                raised = [(patients[pid], finding) for pid, finding in items(history.ids)]
                now = clock.now()
                if bulk:
                    opened = await alerts.raise_alerts(session, raised, now)
                else:
                    opened = []
                    for patient, finding in raised:
                        alert = await reference.raise_alert(session, patient, finding, now)
                        if alert is not None:
                            opened.append(alert)
                ids = [alert.id for alert in opened]
            snapshots.append((ids, await reference.snapshot(ctx)))
    assert snapshots[0] == snapshots[1]


async def test_raise_alerts_is_raise_alert_item_by_item(db_url: str) -> None:
    missed = risk.missed_doses("Pat", 2)

    def items(ids: list[int]) -> list[tuple[int, risk.Finding]]:
        a, b, c = ids
        return [
            (a, missed),  # repeats an open episode (its cards are edited)
            (b, missed),  # repeats an acknowledged one (the edits say who took it)
            (c, missed),  # opens, naming what else is open
            (c, risk.unresponsive("Pat", 3)),
            (c, missed),  # repeats what it opened a moment ago
            (a, risk.injection_overdue("Pat")),
            (b, risk.sos("Pat")),
            (a, missed),
        ]

    await _raise_both(db_url, History.example(), items)


async def test_check_unanswered_many_decides_each_event_as_of_itself(ctx: AppContext) -> None:
    history = History.example()
    await build(ctx, history)
    ctx.clock.set(START + timedelta(hours=1))  # type: ignore[attr-defined]
    a, _, c = history.patient_ids()
    async with ctx.sessions.begin() as session:
        patients = {p.id: p for p in await session.scalars(select(Patient))}
        # c's three latest prompts went unanswered; a answered one of its latest three.
        times = history.missed_times(c)
        events = [(patients[c], at) for at in times] + [(patients[a], START)]
        opened = await risk_rules.check_unanswered_many(ctx, session, events, ctx.clock.now())
        assert opened == 1
    async with ctx.sessions() as session:
        found = list(
            await session.scalars(
                select(Alert).where(
                    Alert.kind == "unresponsive", Alert.status != AlertStatus.RESOLVED
                )
            )
        )
    assert [(x.patient_id, x.occurrences) for x in found] == [(c, len(times) - 2)]
