"""Alerts to a clinic's staff: opened once per episode, delivered and kept current through the
outbox, acknowledged and resolved by any staff member of that clinic.

Every active staff member of the patient's clinic gets a card (the alert's summary, its state and
two buttons). When someone acknowledges or resolves it, or the rule fires again while it is open,
each card is edited through the outbox, so everyone sees who took it and nobody gets a new push.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot.db.bulk import any_id, insert_ignoring_conflicts, is_postgres, update_by_id
from bot.db.engine import claiming
from bot.db.models import Alert, AlertStatus, OutboxMessage, OutboxStatus, Patient, Staff
from bot.domain import callback_tags, episodes
from bot.domain.callback_tags import Kind
from bot.domain.inputs import parse_id
from bot.domain.replies import Button, Reply, TapResult
from bot.domain.risk import Finding
from bot.domain.wording import staff_time
from bot.i18n import DEFAULT, SN_, language_name, nst, st
from bot.services import audit
from bot.services.context import AppContext
from bot.services.outbox import enqueue, outbox_row, payload_for

log = logging.getLogger(__name__)

CARD_KIND = "staff_alert"
CARD_UPDATE_KIND = "staff_alert_update"
NOT_VALID = SN_("That alert isn't available to you, so nothing changed.")
OUT_OF_DATE = SN_(
    "This card is out of date, so nothing changed. Send /alerts to see the current ones."
)
ACK, RESOLVE = "ack", "res"


def _card_key(alert_id: int, staff_id: int) -> str:
    return f"alert:{alert_id}:staff:{staff_id}"


def tap_data(alert_id: int, action: str, patient_id: int | None = None) -> str:
    """A card's button; without ``patient_id``, the untagged form cards had before 0010."""
    return callback_tags.stamp(f"a:{alert_id}:{action}", Kind.ALERT, alert_id, patient_id)


def _owner(alert: Alert) -> int:
    # Every alert is about a patient today; 0 keeps a patient-less one taggable all the same.
    return alert.patient_id or 0


def _tag_matches(tag: str | None, alert: Alert) -> bool:
    return callback_tags.matches(tag, Kind.ALERT, alert.id, _owner(alert))


@dataclass(frozen=True)
class AlertTap:
    alert_id: int
    action: str
    # None: a Telegram card from before tags, or a dashboard form (which has none).
    tag: str | None = None


def parse_tap(data: str) -> AlertTap | None:
    body, tag = callback_tags.split(data)
    parts = body.split(":")
    alert_id = parse_id(parts[1]) if len(parts) == 3 else None
    if alert_id is None or parts[0] != "a" or parts[2] not in (ACK, RESOLVE):
        return None
    return AlertTap(alert_id, parts[2], tag)


def _local(at: datetime, zone: str) -> str:
    return staff_time(at, zone)


def language_line(language: str | None) -> str | None:
    """Which language the patient uses, when it is not English (cards stay in the staff
    member's language; staff may want an interpreter, or a Spanish-speaking colleague)."""
    if not language or language == DEFAULT:
        return None
    return st("The patient writes in {language}.", language=language_name(language))


def card(alert: Alert, names: dict[int, str], zone: str, language: str | None = None) -> Reply:
    """What one staff member's card says now: the summary, the patient's language when it is
    not English, the state, and the buttons left."""
    lines = [alert.summary]
    spoken = language_line(language)
    if spoken:
        lines.append(spoken)
    if alert.occurrences > 1 and alert.last_seen_at is not None:
        lines.append(
            nst(
                "Happened {n} time, last {when}.",
                "Happened {n} times, last {when}.",
                alert.occurrences,
                when=_local(alert.last_seen_at, zone),
            )
        )
    colleague = st("a colleague")
    if alert.status == AlertStatus.RESOLVED and alert.resolved_at is not None:
        who = names.get(alert.resolved_by or 0, colleague)
        lines.append(
            st("✓ Resolved by {who}, {when}", who=who, when=_local(alert.resolved_at, zone))
        )
        return Reply("\n\n".join(lines))
    if alert.status == AlertStatus.ACKNOWLEDGED and alert.acknowledged_at is not None:
        who = names.get(alert.acknowledged_by or 0, colleague)
        lines.append(
            st("✓ Taken by {who}, {when}", who=who, when=_local(alert.acknowledged_at, zone))
        )
        resolve = tap_data(alert.id, RESOLVE, _owner(alert))
        return Reply("\n\n".join(lines), ((Button(st("Resolve"), resolve),),))
    lines.append(st("Open since {when}", when=_local(alert.created_at, zone)))
    return Reply(
        "\n\n".join(lines),
        (
            (
                Button(st("I'll take it"), tap_data(alert.id, ACK, _owner(alert))),
                Button(st("Resolve"), tap_data(alert.id, RESOLVE, _owner(alert))),
            ),
        ),
    )


class PatientLike(Protocol):
    """What raising an alert (and the follow-up wave's other writes) reads of a patient: a
    ``Patient`` or a ``PatientRef``."""

    @property
    def id(self) -> int: ...
    @property
    def chat_id(self) -> int: ...
    @property
    def clinic_id(self) -> int: ...
    @property
    def display_name(self) -> str: ...
    @property
    def timezone(self) -> str: ...


@dataclass(frozen=True, slots=True)
class PatientRef:
    """A patient's few columns, for a wave that reads many patients: a plain object costs a
    fraction of loading an ORM ``Patient``."""

    id: int
    chat_id: int
    clinic_id: int
    display_name: str
    timezone: str


async def _lock_patients(session: AsyncSession, patient_ids: Sequence[int]) -> dict[int, str]:
    """Lock the patients' rows (Postgres) and read the languages of those who do not use
    English, for the cards (the same statement on Postgres)."""
    # Two workers raising the same rule at once must not open two alerts: they queue on the
    # patients' rows, taken in id order so that two batches cannot deadlock. On SQLite the jobs
    # that raise alerts hold the database's write lock from their first read
    # (bot.db.engine.claiming), which serialises them instead.
    statement = select(Patient.id, Patient.language).where(any_id(session, Patient.id, patient_ids))
    if is_postgres(session):
        rows = await session.execute(statement.order_by(Patient.id).with_for_update())
    else:
        rows = await session.execute(statement.where(Patient.language != DEFAULT))
    return {patient_id: language for patient_id, language in rows if language != DEFAULT}


async def _languages(session: AsyncSession, patient_ids: Sequence[int]) -> dict[int, str]:
    """The languages of those of these patients who do not use English (most do)."""
    if not patient_ids:
        return {}
    rows = await session.execute(
        select(Patient.id, Patient.language).where(
            any_id(session, Patient.id, list(patient_ids)), Patient.language != DEFAULT
        )
    )
    return {patient_id: language for patient_id, language in rows}


def _language_of(alert: Alert, languages: dict[int, str]) -> str | None:
    return languages.get(alert.patient_id) if alert.patient_id is not None else None


async def raise_alert(
    session: AsyncSession, patient: Patient, finding: Finding, now: datetime
) -> Alert | None:
    """Open an alert for ``finding`` and queue a card to every active staff member of the
    patient's clinic, unless one of its kind is still unresolved: then that one counts another
    occurrence and the cards are updated quietly. Returns the new alert, or None."""
    opened = await raise_alerts(session, [(patient, finding)], now)
    return opened[0] if opened else None


async def raise_alerts(
    session: AsyncSession, raised: Sequence[tuple[PatientLike, Finding]], now: datetime
) -> list[Alert]:
    """``raise_alert`` for each item in order, in a fixed number of statements whatever the
    number of items: returns the alerts opened, in order. A finding repeated within the batch
    counts an occurrence each time and queues a card update each time, as one call per item
    would have."""
    if not raised:
        return []
    patients = {patient.id: patient for patient, _ in raised}
    languages = await _lock_patients(session, sorted(patients))
    unresolved = list(
        await session.scalars(
            select(Alert)
            .where(
                any_id(session, Alert.patient_id, list(patients)),
                Alert.status != AlertStatus.RESOLVED,
            )
            .order_by(Alert.id)
        )
    )
    decisions = episodes.plan_episodes(
        [(a.id, a.patient_id or 0, a.kind, a.occurrences) for a in unresolved],
        [(patient.id, finding.key) for patient, finding in raised],
    )
    repeats = [d for d in decisions if isinstance(d, episodes.Repeated)]
    # Each alert's count once the batch is done: what its row says (one write per alert).
    final: dict[tuple[int, bool], int] = {}
    for repeat in repeats:
        assert isinstance(repeat.alert, int)
        final[(repeat.alert, repeat.new_in_batch)] = repeat.occurrences
    existing = {a.id: a for a in unresolved}
    # Repeats of older alerts are written before new ones are inserted, as one item at a time
    # did for a patient's repeat and then a new kind (the order rows are stored in).
    await _count(
        session,
        {existing[ref]: count for (ref, new_in_batch), count in final.items() if not new_in_batch},
        now,
    )
    new: dict[int, Alert] = {}
    for index, ((patient, finding), decision) in enumerate(zip(raised, decisions, strict=True)):
        if isinstance(decision, episodes.Opened):
            new[index] = Alert(
                clinic_id=patient.clinic_id,
                patient_id=patient.id,
                kind=finding.key,
                severity=finding.severity,
                status=AlertStatus.OPEN,
                summary=episodes.summary_with_others(finding.summary, decision.others),
                created_at=now,
                occurrences=final.get((index, True), 1),
                last_seen_at=now,
            )
    if new:
        session.add_all(new.values())
        await session.flush()
        await _send_new_cards(session, list(new.values()), now, languages)
    if repeats:

        def target(decision: episodes.Repeated) -> Alert:
            ref = decision.alert
            assert isinstance(ref, int)
            return new[ref] if decision.new_in_batch else existing[ref]

        await _update_cards(session, [(target(d), d.occurrences) for d in repeats], now, languages)
    return list(new.values())


async def _count(session: AsyncSession, counts: dict[Alert, int], now: datetime) -> None:
    """Write each repeated alert's new count (and when it was last seen) in one statement."""
    if not counts:
        return
    await update_by_id(
        session,
        Alert,
        [{"id": a.id, "occurrences": n} for a, n in sorted(counts.items(), key=lambda i: i[0].id)],
        constant={"last_seen_at": now},
    )
    for alert, occurrences in counts.items():
        # Written above; the session's copies are brought up to date without a second write.
        set_committed_value(alert, "occurrences", occurrences)
        set_committed_value(alert, "last_seen_at", now)


async def _send_new_cards(
    session: AsyncSession, alerts: list[Alert], now: datetime, languages: dict[int, str]
) -> None:
    clinics = {alert.clinic_id for alert in alerts}
    staff_of: dict[int, list[Staff]] = {}
    for member in await session.scalars(
        select(Staff)
        .where(any_id(session, Staff.clinic_id, list(clinics)), Staff.active.is_(True))
        .order_by(Staff.id)
    ):
        staff_of.setdefault(member.clinic_id, []).append(member)
    rows = []
    for alert in alerts:
        # Rendered once per time zone: a clinic's staff mostly share one.
        shown = _as_counted(alert, 1, now)
        rendered: dict[str, Reply] = {}
        for member in staff_of.get(alert.clinic_id, []):
            if member.timezone not in rendered:
                rendered[member.timezone] = card(
                    shown, {}, member.timezone, _language_of(alert, languages)
                )
            rows.append(
                outbox_row(
                    chat_id=member.telegram_user_id,
                    patient_id=alert.patient_id,
                    kind=CARD_KIND,
                    payload=payload_for(rendered[member.timezone], alert_id=alert.id),
                    dedupe_key=_card_key(alert.id, member.id),
                    alert_id=alert.id,
                    now=now,
                )
            )
    await insert_ignoring_conflicts(session, OutboxMessage, rows, ("dedupe_key",))


async def _update_cards(
    session: AsyncSession,
    repeats: list[tuple[Alert, int]],
    now: datetime,
    languages: dict[int, str],
) -> None:
    """Queue, for each repeat, an edit of every card of its alert showing the count at that
    point (one item at a time would have queued exactly these)."""
    alerts = {alert.id: alert for alert, _ in repeats}
    staff_ids = {
        i for a in alerts.values() for i in (a.acknowledged_by, a.resolved_by) if i is not None
    }
    names: dict[int, str] = {}
    if staff_ids:
        rows = await session.execute(
            select(Staff.id, Staff.name).where(any_id(session, Staff.id, list(staff_ids)))
        )
        names = {staff_id: name for staff_id, name in rows.all()}
    cards_of: dict[int, list[tuple[int, int, str]]] = {}
    found: Any = await session.execute(cards_of_alerts_query(session, list(alerts)))
    for alert_id, outbox_id, chat_id, zone in found:
        cards_of.setdefault(alert_id, []).append((outbox_id, chat_id, zone))
    updates: list[dict[str, Any]] = []
    for alert, occurrences in repeats:
        shown = _as_counted(alert, occurrences, now)
        rendered: dict[str, Reply] = {}
        for outbox_id, chat_id, zone in cards_of.get(alert.id, []):
            if zone not in rendered:
                rendered[zone] = card(shown, names, zone, _language_of(alert, languages))
            updates.append(
                outbox_row(
                    chat_id=chat_id,
                    patient_id=alert.patient_id,
                    kind=CARD_UPDATE_KIND,
                    payload=payload_for(rendered[zone], edit_of=outbox_id, alert_id=alert.id),
                    now=now,
                )
            )
    await insert_ignoring_conflicts(session, OutboxMessage, updates, ("dedupe_key",))


def _as_counted(alert: Alert, occurrences: int, now: datetime) -> Alert:
    # A detached copy for rendering: the card as it read after this repeat.
    return Alert(
        id=alert.id,
        clinic_id=alert.clinic_id,
        patient_id=alert.patient_id,
        kind=alert.kind,
        severity=alert.severity,
        status=alert.status,
        summary=alert.summary,
        created_at=alert.created_at,
        occurrences=occurrences,
        last_seen_at=now,
        acknowledged_by=alert.acknowledged_by,
        acknowledged_at=alert.acknowledged_at,
        resolved_by=alert.resolved_by,
        resolved_at=alert.resolved_at,
    )


async def _names(session: AsyncSession, alert: Alert) -> dict[int, str]:
    ids = {i for i in (alert.acknowledged_by, alert.resolved_by) if i is not None}
    if not ids:
        return {}
    rows = await session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(ids)))
    return {staff_id: name for staff_id, name in rows.all()}


def cards_query(alert_id: int) -> Select[int, int, str]:
    """The cards of an alert that can still be edited, with each recipient's time zone: found
    through the outbox's index on ``alert_id``, so the cost does not grow with the outbox
    (tests/integration/test_lookup_plans.py checks the plan on Postgres)."""
    return (
        select(OutboxMessage.id, OutboxMessage.chat_id, Staff.timezone)
        .join(Staff, Staff.telegram_user_id == OutboxMessage.chat_id)
        .where(
            # Someone who has left the care team hears nothing more, not even updates.
            Staff.active.is_(True),
            OutboxMessage.alert_id == alert_id,
            OutboxMessage.kind == CARD_KIND,
            OutboxMessage.status != OutboxStatus.FAILED,
        )
        .order_by(OutboxMessage.id)
    )


def cards_of_alerts_query(session: AsyncSession, alert_ids: Sequence[int]) -> Any:
    """``cards_query`` for many alerts at once: (alert id, outbox id, chat id, time zone)."""
    return (
        select(OutboxMessage.alert_id, OutboxMessage.id, OutboxMessage.chat_id, Staff.timezone)
        .join(Staff, Staff.telegram_user_id == OutboxMessage.chat_id)
        .where(
            Staff.active.is_(True),
            any_id(session, OutboxMessage.alert_id, alert_ids),
            OutboxMessage.kind == CARD_KIND,
            OutboxMessage.status != OutboxStatus.FAILED,
        )
        .order_by(OutboxMessage.id)
    )


async def refresh_cards(session: AsyncSession, alert: Alert, now: datetime) -> None:
    """Queue an edit of every staff card of ``alert`` to show its current state."""
    await session.flush()
    names = await _names(session, alert)
    cards = (await session.execute(cards_query(alert.id))).all()
    if not cards:
        return
    language = await alert_language(session, alert)
    for outbox_id, chat_id, zone in cards:
        enqueue(
            session,
            chat_id=chat_id,
            patient_id=alert.patient_id,
            kind=CARD_UPDATE_KIND,
            payload=payload_for(
                card(alert, names, zone, language), edit_of=outbox_id, alert_id=alert.id
            ),
            now=now,
        )


async def alert_language(session: AsyncSession, alert: Alert) -> str | None:
    """The language of the alert's patient, when it is not English."""
    if alert.patient_id is None:
        return None
    return (await _languages(session, [alert.patient_id])).get(alert.patient_id)


async def staff_by_chat(session: AsyncSession, chat_id: int) -> Staff | None:
    """The active staff member whose private chat this is (chat id = user id in private chats)."""
    return await session.scalar(
        select(Staff).where(Staff.telegram_user_id == chat_id, Staff.active.is_(True))
    )


async def act(
    ctx: AppContext, tap: AlertTap, *, chat_id: int | None = None, staff_id: int | None = None
) -> TapResult:
    """A staff member (by their Telegram chat, or signed in to the dashboard) took
    (acknowledged) or resolved an alert."""
    now = ctx.clock.now()
    # Two staff tapping at once: the second sees who took it first.
    async with claiming(ctx.sessions) as session:
        if chat_id is not None:
            staff = await staff_by_chat(session, chat_id)
        else:
            staff = await session.scalar(
                select(Staff).where(Staff.id == staff_id, Staff.active.is_(True))
            )
        if staff is None:
            return TapResult(notice=st(NOT_VALID))
        statement = select(Alert).where(Alert.id == tap.alert_id)
        if is_postgres(session):
            statement = statement.with_for_update()
        alert = await session.scalar(statement)
        telegram_tag = tap.tag if chat_id is not None else None
        if alert is None:
            # Gone with its patient's data: a current card says it is out of date; untagged
            # data gets the answer it always got.
            return TapResult(notice=st(OUT_OF_DATE if telegram_tag is not None else NOT_VALID))
        # Another clinic's alert is refused before its tag is looked at, so no tap can ask which
        # patient an alert elsewhere is about.
        if alert.clinic_id != staff.clinic_id:
            return TapResult(notice=st(NOT_VALID))
        # An untagged card is from before tags: its id may have come to name someone else's
        # alert, and a current card is one /alerts away. A tagged one must still name the alert
        # it was made for, not another patient's that took its id (bot/domain/callback_tags.py).
        if chat_id is not None and not _tag_matches(telegram_tag, alert):
            return TapResult(notice=st(OUT_OF_DATE))
        if alert.status == AlertStatus.RESOLVED:
            return TapResult(notice=st("Already resolved."))
        if tap.action == ACK:
            if alert.status == AlertStatus.ACKNOWLEDGED:
                taker = await session.get(Staff, alert.acknowledged_by or 0)
                return TapResult(
                    notice=st(
                        "Already taken by {who}.", who=taker.name if taker else st("a colleague")
                    )
                )
            alert.status = AlertStatus.ACKNOWLEDGED
            alert.acknowledged_by, alert.acknowledged_at = staff.id, now
            notice = st("Thanks, it's yours. Your colleagues can see that.")
        else:
            if alert.acknowledged_by is None:
                alert.acknowledged_by, alert.acknowledged_at = staff.id, now
            alert.status = AlertStatus.RESOLVED
            alert.resolved_by, alert.resolved_at = staff.id, now
            notice = st("Resolved.")
        audit.record(
            session,
            at=now,
            actor_kind="staff",
            actor_id=staff.id,
            clinic_id=staff.clinic_id,
            action=f"alert.{'acknowledge' if tap.action == ACK else 'resolve'}",
            subject=ctx.patient_ref(alert.patient_id) if alert.patient_id else None,
            detail={"alert_id": alert.id, "kind": alert.kind},
        )
        await refresh_cards(session, alert, now)
        log.info("alert %d %s by staff %d", alert.id, alert.status, staff.id)
        # The tapped message shows the new state at once (the outbox updates the others).
        current = card(
            alert,
            await _names(session, alert),
            staff.timezone,
            await alert_language(session, alert),
        )
    return TapResult(notice=notice, edit=current)
