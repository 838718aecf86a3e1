"""The set-based follow-up wave and its bulk primitives (issue 18): the same alerts, cards and
messages as one row at a time (tests/support_followups_reference.py), on both databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import delete, select, update

from bot.clock import FakeClock
from bot.db.models import (
    Alert,
    AlertStatus,
    DoseEvent,
    OutboxMessage,
    Patient,
    SupportLink,
    SupportStatus,
)
from bot.domain import reminders, risk
from bot.domain.schedules import Plan, PlanKind
from bot.runtime import app_context
from bot.services import alerts, risk_rules
from bot.services.context import AppContext
from jobs.followups import follow_up
from jobs.tick import tick
from tests import support_followups_reference as reference
from tests.conftest import START, make_settings
from tests.support import make_patient, new_clinic, statements_during
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


# Each kind of message the wave queues, in each patient's language -----------------------------

_DUE = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)  # Thu 08:00 in Chicago
_DAILY = Plan(PlanKind.DAILY, "America/Chicago", (time(8, 0),))
_SUPPORTER = 9300  # chat of a support person who is a patient here too, in Spanish


async def _language_scenario(ctx: AppContext) -> list[int]:
    """Eight patients reminded at 08:00 (the even ones snoozed their reminder), each with a
    support person; the last one's support person is a patient here too. Returns the ids."""
    clinic = await new_clinic(ctx, "Languages")
    ids = [
        (await make_patient(ctx, _DAILY, chat_id=9200 + n, clinic_id=clinic.id, name=f"Pat{n}"))[0]
        for n in range(8)
    ]
    supporter_patient, _ = await make_patient(
        ctx, _DAILY, chat_id=_SUPPORTER, clinic_id=clinic.id, name="Sam"
    )
    ctx.clock.set(_DUE)  # type: ignore[attr-defined]
    await tick(ctx)
    now = ctx.clock.now()
    async with ctx.sessions.begin() as session:
        await session.execute(update(DoseEvent).values(reminded_at=_DUE))
        await session.execute(
            update(DoseEvent)
            .where(DoseEvent.patient_id.in_(ids[::2]))
            .values(snoozed_until=_DUE + timedelta(minutes=15))
        )
        for n, patient_id in enumerate(ids):
            session.add(
                SupportLink(
                    patient_id=patient_id,
                    status=SupportStatus.ACTIVE,
                    supporter_chat_id=_SUPPORTER if n == 7 else 9400 + n,
                    supporter_name="Jamie",
                    created_at=now,
                    expires_at=now + timedelta(days=7),
                    confirmed_at=now,
                )
            )
        # The supporter-patient's own dose is not part of what is compared.
        await session.execute(delete(DoseEvent).where(DoseEvent.patient_id == supporter_patient))
    return ids


async def _wave_in(
    url: str, clock: FakeClock, ids: list[int], spanish: set[int], supporter: str
) -> tuple[int, dict[tuple[str, int], str]]:
    """The two follow-up runs (nudges and re-sends, then the windows closing) on a copy: how
    many statements they took, and each message's text by (kind, chat)."""
    async with app_context(make_settings(url), clock) as ctx:
        async with ctx.sessions.begin() as session:
            await session.execute(update(Patient).where(Patient.id.in_(ids)).values(language="en"))
            if spanish:
                await session.execute(
                    update(Patient).where(Patient.id.in_(spanish)).values(language="es")
                )
            await session.execute(
                update(Patient).where(Patient.chat_id == _SUPPORTER).values(language=supporter)
            )
        statements = 0
        for at in (_DUE + timedelta(minutes=31), _DUE + timedelta(hours=4, minutes=1)):
            clock.set(at)
            with statements_during(ctx) as seen:
                await follow_up(ctx)
            statements += len(seen)
        async with ctx.sessions() as session:
            rows = (
                await session.execute(
                    select(OutboxMessage.kind, OutboxMessage.chat_id, OutboxMessage.payload).where(
                        OutboxMessage.kind.in_(("reminder", "nudge", "safety", "support")),
                        OutboxMessage.created_at > _DUE,
                    )
                )
            ).all()
    return statements, {(kind, chat): payload["text"] for kind, chat, payload in rows}


async def test_the_wave_speaks_each_patients_language_in_as_many_statements(
    db_url: str,
) -> None:
    """Re-sent reminders, nudges, missed-dose notes and support-person notes: Spanish for the
    Spanish patients (and their support people), today's English for the others, and not one
    statement more than an all-English wave."""
    clock = FakeClock(START)
    async with app_context(make_settings(db_url), clock) as ctx:
        ids = await _language_scenario(ctx)
    spanish = set(ids[:4])
    async with reference.copy_of(db_url) as url:
        english_only, english = await _wave_in(url, FakeClock(START), ids, set(), "en")
    async with reference.copy_of(db_url) as url:
        mixed, texts = await _wave_in(url, FakeClock(START), ids, spanish, "es")

    assert mixed == english_only
    assert set(texts) == set(english)
    for n, patient_id in enumerate(ids):
        chat = 9200 + n
        es = patient_id in spanish
        kind = "reminder" if n % 2 == 0 else "nudge"
        if kind == "reminder":
            expected = (
                "⏰ 08:00: es hora de su rutina. Toque abajo cuando la haya hecho."
                if es
                else "⏰ 08:00: time for your routine. Tap below when it's done."
            )
        else:
            expected = (
                "Una pregunta rápida: ¿pudo hacer su rutina de las 08:00? Sin presión, con un "
                "toque basta."
                if es
                else "Just checking in: did you get to your routine from 08:00? No pressure, "
                "one tap is enough."
            )
        assert texts[(kind, chat)] == expected
        safety = texts[("safety", chat)]
        assert safety == reminders.missed_dose_safety("daily", "es" if es else "en")
        assert safety.startswith("Una nota breve" if es else "A quick note")
        if n < 7:
            note = texts[("support", 9400 + n)]
            assert note == (
                f"Pat{n} todavía no ha confirmado la dosis de hoy. Un mensaje amable de su "
                "parte podría ayudar."
                if es
                else f"Pat{n} hasn't confirmed today's dose yet. A friendly message from you "
                "might help."
            )
        # English patients' messages are today's English, word for word.
        if not es:
            assert texts[(kind, chat)] == english[(kind, chat)]
            assert safety == english[("safety", chat)]
    # An English patient's support person who is a Spanish-speaking patient here reads Spanish.
    assert texts[("support", _SUPPORTER)] == (
        "Pat7 todavía no ha confirmado la dosis de hoy. Un mensaje amable de su parte podría "
        "ayudar."
    )
    assert english[("support", _SUPPORTER)].startswith("Pat7 hasn't confirmed")
