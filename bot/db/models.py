"""The schema: one typed model per table, identical on Postgres and SQLite.

Enumerations are stored as short strings with CHECK constraints rather than native enum types, so
that adding a value later is a one-line migration on both databases.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.db.types import UTCDateTime
from bot.domain.codes import new_patient_code

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


def _check_in(column: str, enum: type[StrEnum]) -> CheckConstraint:
    values = ", ".join(f"'{member.value}'" for member in enum)
    return CheckConstraint(f"{column} IN ({values})", name=f"{column}_valid")


class ConsentDecision(StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"


class StaffRole(StrEnum):
    STAFF = "staff"
    ADMIN = "admin"


class PatientStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"
    UNREACHABLE = "unreachable"


class ScheduleKind(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY_INJECTION = "monthly_injection"


class DoseStatus(StrEnum):
    PENDING = "pending"
    TAKEN = "taken"
    SKIPPED = "skipped"
    MISSED = "missed"
    MISSED_NOT_REMINDED = "missed_not_reminded"


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class CheckInFrequency(StrEnum):
    WEEKLY = "weekly"
    DAILY = "daily"
    OFF = "off"


class CheckInStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    EXPIRED = "expired"


class SupportStatus(StrEnum):
    INVITED = "invited"  # link made, nobody has used it yet
    PENDING = "pending"  # someone opened the link; the patient has not confirmed them
    ACTIVE = "active"
    ENDED = "ended"  # revoked by the patient, declined, expired, or the supporter left


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Channel(StrEnum):
    """How a patient prefers to be reached (issue 16): their Telegram chat, or their phone
    number by SMS (through their linked :class:`SmsContact`)."""

    TELEGRAM = "telegram"
    SMS = "sms"


class Clinic(Base):
    __tablename__ = "clinics"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    invite_code: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime]
    # The clinic's own SMS quiet hours ("21:00-08:00" or "off"); None: SMS_QUIET_HOURS.
    sms_quiet_hours: Mapped[str | None] = mapped_column(String(16))

    staff: Mapped[list[Staff]] = relationship(back_populates="clinic")


class Staff(Base):
    __tablename__ = "staff"
    __table_args__ = (_check_in("role", StaffRole), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default=StaffRole.STAFF)
    # Times in alerts and the Monday digest are shown in the staff member's own zone.
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    clinic_id: Mapped[int] = mapped_column(
        ForeignKey("clinics.id", ondelete="RESTRICT"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]

    clinic: Mapped[Clinic] = relationship(back_populates="staff")


class StaffInvite(Base):
    """A clinic admin's one-time invite for a colleague (``/start staff-<token>`` in Telegram):
    only a hash of the token is stored; it expires, works once and can be revoked."""

    __tablename__ = "staff_invites"
    __table_args__ = (_check_in("role", StaffRole), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16), default=StaffRole.STAFF)
    created_by: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]


class Patient(Base):
    __tablename__ = "patients"
    __table_args__ = (
        _check_in("status", PatientStatus),
        _check_in("checkin_frequency", CheckInFrequency),
        _check_in("preferred_channel", Channel),
        # The check-in tick's only question, like ix_schedules_due for doses.
        Index(
            "ix_patients_checkin_due",
            "next_checkin_at",
            postgresql_where=text("next_checkin_at IS NOT NULL"),
            sqlite_where=text("next_checkin_at IS NOT NULL"),
        ),
        # The stats job's two questions (issue 18, item 3): whose history moved on since their
        # figures were computed (only those are in this index), and whose local day has ended.
        Index(
            "ix_patients_stats_stale",
            "id",
            postgresql_where=text("stats_seen_version <> stats_version"),
            sqlite_where=text("stats_seen_version <> stats_version"),
        ),
        # With the id, so that a run's batches can each start after the last one (migration
        # 0019): at local midnight a whole zone shares one stats_fresh_until.
        Index("ix_patients_stats_fresh_until", "stats_fresh_until", "id"),
        # Ids are never reused (SQLite would reuse the highest after an erasure): the audit
        # log's pseudonyms derive from them and must not come to mean someone new.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # One Telegram private chat is one person; the unique index is what stops a second /start
    # from creating a second patient, even with two workers racing.
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    # What staff type to find someone (`/patient K7QM`) without a name in the chat history.
    code: Mapped[str] = mapped_column(String(12), unique=True, default=new_patient_code)
    clinic_id: Mapped[int] = mapped_column(
        ForeignKey("clinics.id", ondelete="RESTRICT"), index=True
    )
    display_name: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(16), default="en")
    consent_version: Mapped[str] = mapped_column(String(32))
    consented_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=PatientStatus.ACTIVE)
    # Lock-screen previews name neither drug nor condition unless the patient asks for plain words.
    plain_wording: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_until: Mapped[datetime | None]
    # Check-ins: how often, on which ISO weekday (weekly) and at what local "HH:MM".
    checkin_frequency: Mapped[str] = mapped_column(String(8), default=CheckInFrequency.WEEKLY)
    checkin_weekday: Mapped[int | None] = mapped_column(Integer)
    checkin_time: Mapped[str | None] = mapped_column(String(5))
    next_checkin_at: Mapped[datetime | None]
    # Bumped whenever an answer or a miss changes their history: their PatientStats row is
    # recomputed when it was computed from an older version (see bot/services/patient_stats.py).
    stats_version: Mapped[int] = mapped_column(Integer, default=0)
    # The stats_version their PatientStats row was computed from by the stats job (-1: never),
    # and the instant their local day ends (the next local midnight), when the figures go stale.
    stats_seen_version: Mapped[int] = mapped_column(Integer, default=-1, server_default="-1")
    stats_fresh_until: Mapped[datetime | None]
    # Where the outbox sends this patient's messages (issue 16): "telegram" for everyone until
    # they choose texts, which needs a linked SmsContact (bot/services/sms_contacts.py).
    preferred_channel: Mapped[str] = mapped_column(
        String(16), default=Channel.TELEGRAM, server_default=Channel.TELEGRAM.value
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    schedules: Mapped[list[Schedule]] = relationship(
        back_populates="patient", cascade="all, delete-orphan", passive_deletes=True
    )


class Schedule(Base):
    __tablename__ = "schedules"
    __table_args__ = (
        _check_in("kind", ScheduleKind),
        # The tick's only question: which active schedules are due now.
        Index(
            "ix_schedules_due",
            "next_due_at",
            postgresql_where=text("active"),
            sqlite_where=text("active"),
        ),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(24))
    timezone: Mapped[str] = mapped_column(String(64))
    # Local wall-clock times as "HH:MM": a reminder at 08:00 stays at 08:00 across DST.
    dose_times: Mapped[list[Any]]
    # Weekly regimen: {"1": 100, "3": 100, "5": 150} (ISO weekday -> mg); null otherwise.
    weekly_doses: Mapped[dict[str, Any] | None]
    dose_mg: Mapped[int | None] = mapped_column(Integer)
    injection_date: Mapped[date | None] = mapped_column(Date)
    injection_interval_days: Mapped[int | None] = mapped_column(Integer)
    next_due_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    patient: Mapped[Patient] = relationship(back_populates="schedules")


class DoseEvent(Base):
    __tablename__ = "dose_events"
    __table_args__ = (
        UniqueConstraint("schedule_id", "due_at", name="uq_dose_events_schedule_due"),
        _check_in("status", DoseStatus),
        Index("ix_dose_events_patient_due", "patient_id", "due_at"),
        Index("ix_dose_events_patient_day", "patient_id", "local_day"),
        # The follow-up sweep's question: which pending doses need a nudge or are now missed.
        Index(
            "ix_dose_events_pending",
            "window_ends_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedules.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    due_at: Mapped[datetime]
    # The patient's local calendar day of ``due_at``, as days since 1970-01-01: adherence is
    # counted per local day, and SQLite cannot convert to a time zone in SQL.
    local_day: Mapped[int] = mapped_column(Integer)
    dose_mg: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(24), default=DoseStatus.PENDING)
    # After this the dose counts as missed (or missed-not-reminded if no reminder went out).
    window_ends_at: Mapped[datetime]
    reminded_at: Mapped[datetime | None]
    nudged_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    snoozed_until: Mapped[datetime | None]
    skip_reason: Mapped[str | None] = mapped_column(String(64))
    reminder_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]


class CheckIn(Base):
    __tablename__ = "check_ins"
    __table_args__ = (
        CheckConstraint("craving IS NULL OR (craving BETWEEN 0 AND 10)", name="craving_range"),
        CheckConstraint("mood IS NULL OR (mood BETWEEN 1 AND 5)", name="mood_range"),
        _check_in("status", CheckInStatus),
        Index("ix_check_ins_patient_created", "patient_id", "created_at"),
        # The expiry sweep's question: which open check-ins have run out of time.
        Index(
            "ix_check_ins_open",
            "expires_at",
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
        # A retried tick writes a scheduled check-in once.
        UniqueConstraint("patient_id", "due_at", name="uq_check_ins_patient_due"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    # The scheduled instant, or null for one the patient started themselves.
    due_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default=CheckInStatus.OPEN)
    answered_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    craving: Mapped[int | None] = mapped_column(Integer)
    mood: Mapped[int | None] = mapped_column(Integer)
    substance_use: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    noted_at: Mapped[datetime | None]


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        _check_in("status", AlertStatus),
        Index("ix_alerts_clinic_status", "clinic_id", "status"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    clinic_id: Mapped[int] = mapped_column(ForeignKey("clinics.id", ondelete="CASCADE"))
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16), default="normal")
    status: Mapped[str] = mapped_column(String(16), default=AlertStatus.OPEN)
    # What staff read: who and which rule, never what the patient wrote.
    summary: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime]
    # One alert per episode: a repeat while it is unresolved counts here instead.
    occurrences: Mapped[int] = mapped_column(Integer, default=1)
    last_seen_at: Mapped[datetime | None]
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    acknowledged_at: Mapped[datetime | None]
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None]


class SafetyCheck(Base):
    """An "Are you safe right now?" the bot asked after an ambiguous risk signal.

    Open until the patient taps an answer; one left unanswered past ``due_at`` alerts the care
    team once (``alerted_at``). Ids reach the chat in button data, so they are never reused.
    """

    __tablename__ = "safety_checks"
    __table_args__ = (
        Index(
            "ix_safety_checks_waiting",
            "due_at",
            postgresql_where=text("answered_at IS NULL AND alerted_at IS NULL"),
            sqlite_where=text("answered_at IS NULL AND alerted_at IS NULL"),
        ),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    asked_at: Mapped[datetime]
    due_at: Mapped[datetime]
    # Which language the question was asked in, so the follow-ups match it.
    lang: Mapped[str] = mapped_column(String(8), default="en")
    answered_at: Mapped[datetime | None]
    answer: Mapped[str | None] = mapped_column(String(16))
    alerted_at: Mapped[datetime | None]


class ConsentRecord(Base):
    """Each consent a patient gave or refused, with the version of the text and when."""

    __tablename__ = "consent_records"
    __table_args__ = (
        _check_in("decision", ConsentDecision),
        Index("ix_consent_records_patient", "patient_id", "at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(32))
    # The language of the text the patient read and answered ("en", "es").
    language: Mapped[str] = mapped_column(String(16), default="en", server_default="en")
    decision: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]


class Question(Base):
    """A free-text question, kept only when the operator sets QUESTION_RETENTION_DAYS (to see
    what the curated content does not answer yet); deleted after that many days."""

    __tablename__ = "questions"
    __table_args__ = (Index("ix_questions_asked", "asked_at"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    asked_at: Mapped[datetime]
    text: Mapped[str] = mapped_column(Text)
    snippet_id: Mapped[str | None] = mapped_column(String(64))  # what answered it, if anything


class PatientStats(Base):
    """A patient's adherence figures, computed by SQL aggregation over their history and kept
    current by version: a clinic's summary reads these rows instead of aggregating every dose
    of every patient on each page view."""

    __tablename__ = "patient_stats"

    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer)  # the patient's stats_version it reflects
    as_of_day: Mapped[int] = mapped_column(Integer)  # the local day the windows end on
    due7: Mapped[int] = mapped_column(Integer)
    cov7: Mapped[int] = mapped_column(Integer)
    due30: Mapped[int] = mapped_column(Integer)
    cov30: Mapped[int] = mapped_column(Integer)
    due90: Mapped[int] = mapped_column(Integer)
    cov90: Mapped[int] = mapped_column(Integer)
    current_streak: Mapped[int] = mapped_column(Integer)
    consecutive_misses: Mapped[int] = mapped_column(Integer)
    taken30: Mapped[int] = mapped_column(Integer)
    on_time30: Mapped[int] = mapped_column(Integer)
    last_dose_at: Mapped[datetime | None]
    last_check_in_at: Mapped[datetime | None]
    check_ins_answered30: Mapped[int] = mapped_column(Integer)
    check_ins_closed30: Mapped[int] = mapped_column(Integer)
    latest_craving: Mapped[int | None] = mapped_column(Integer)
    previous_craving: Mapped[int | None] = mapped_column(Integer)
    computed_at: Mapped[datetime]


class SupportLink(Base):
    """A trusted person the patient chose, told only that a dose has not been confirmed."""

    __tablename__ = "support_links"
    __table_args__ = (
        _check_in("status", SupportStatus),
        Index("ix_support_links_patient", "patient_id", "status"),
        Index("ix_support_links_supporter", "supporter_chat_id", "status"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"))
    # The secret in the invite link; cleared once used, so a forwarded link is worthless.
    token: Mapped[str | None] = mapped_column(String(48), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=SupportStatus.INVITED)
    supporter_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    supporter_name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    confirmed_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        _check_in("status", OutboxStatus),
        # The sender's claim reads the head of the line: pending rows, earliest first.
        Index(
            "ix_outbox_pending",
            "next_attempt_at",
            "id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        # A delivery receipt finds its row by Twilio's message sid (issue 16, step 4); only
        # texts have one.
        Index(
            "ix_outbox_sms_sid",
            "sms_sid",
            postgresql_where=text("sms_sid IS NOT NULL"),
            sqlite_where=text("sms_sid IS NOT NULL"),
        ),
        # Refreshing an alert's cards finds them by the alert's id (issue 18, item 2). Only
        # cards have one, so the index holds those and none of the reminders.
        Index(
            "ix_outbox_alert_id",
            "alert_id",
            postgresql_where=text("alert_id IS NOT NULL"),
            sqlite_where=text("alert_id IS NOT NULL"),
        ),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    # What to send: text and buttons, rendered by the adapter at send time.
    payload: Mapped[dict[str, Any]]
    # A retried write of the same message is a no-op, not a second message.
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(String(300))
    # The alert a staff card (kind ``staff_alert``) shows; None on every other message. Not a
    # foreign key: a card goes with its patient (patient_id), like the alert itself.
    alert_id: Mapped[int | None] = mapped_column(Integer)
    # Sent by SMS (issue 16): Twilio's message sid, the segments it was billed as, and what the
    # latest delivery receipt said (sent, delivered, undelivered, failed; see
    # bot/services/sms_receipts.py). All null for a Telegram message.
    sms_sid: Mapped[str | None] = mapped_column(String(64))
    sms_segments: Mapped[int | None] = mapped_column(Integer)
    delivery_status: Mapped[str | None] = mapped_column(String(16))
    delivery_updated_at: Mapped[datetime | None]


class StaffLoginToken(Base):
    """A one-time dashboard login link: only its hash is stored, it expires and works once."""

    __tablename__ = "staff_login_tokens"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class DashboardSession(Base):
    """A signed-in browser. The cookie holds a random token; only its hash is stored here."""

    __tablename__ = "dashboard_sessions"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class AuditEntry(Base):
    """Who read or changed what, when. Rows are never updated or deleted (triggers enforce it)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_clinic_at", "clinic_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor_kind: Mapped[str] = mapped_column(String(16))  # staff, operator, patient, system
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    clinic_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(64))
    # A pseudonym, not a foreign key: the entry must outlive the patient's erasure.
    subject: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[dict[str, Any] | None]


class SmsContact(Base):
    """A phone number that has texted the clinic's SMS number (issue 16): whether it asked us to
    stop, and the language it wrote in.

    Kept apart from ``patients`` because anyone can text a number: a contact is linked to at
    most one patient (``patient_id``, step 4 of issue 16), whose texts then go to it. ``phone``
    is E.164, the form Twilio's ``From`` arrives in, and the one key it is looked up by. It is
    personal data: logs show it only masked
    (``bot.sms.phone.mask``). A clinic that is removed takes its contacts with it.
    """

    __tablename__ = "sms_contacts"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    # E.164: "+" and at most 15 digits. Unique: two rows for one number would disagree on STOP.
    phone: Mapped[str] = mapped_column(String(16), unique=True)
    clinic_id: Mapped[int | None] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE"), index=True
    )
    language: Mapped[str] = mapped_column(String(16), default="en", server_default="en")
    # Set by STOP (and its synonyms), cleared by START: nothing is sent while it is set.
    opted_out_at: Mapped[datetime | None]
    opted_in_at: Mapped[datetime | None]
    # The patient this number belongs to (unique: one number, one patient). ON DELETE CASCADE,
    # not SET NULL: the number is the patient's personal data, and deleting the patient must
    # erase it with the rest of their record. SET NULL would keep the number (and when it last
    # texted) after an erasure, unlinked but still theirs. What is lost with it is our copy of
    # a STOP; Twilio keeps its own opt-out list and still refuses to text the number (21610).
    patient_id: Mapped[int | None] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), unique=True
    )
    # When staff invited the number to enrol by text (``clinic_id`` is the inviting clinic);
    # until the patient replies YES nothing but the invitation is sent to it.
    invited_at: Mapped[datetime | None]
    # The button data of the last numbered question texted to the number ("Reply 1 Yes, 2 No"),
    # in the menu's order: a lone digit answers it. None: a digit answers the latest reminder.
    menu: Mapped[list[Any] | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Conversation(Base):
    """Where a chat is in a multi-step flow (onboarding, later others); any worker can resume it."""

    __tablename__ = "conversations"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    flow: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    # Bumped on every step; buttons carry it so a tap on an old message is recognised as stale.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(index=True)


class SmsUsage(Base):
    """Texts sent and segments billed, per clinic per calendar month (UTC; issue 16, item 6):
    what a clinic's texting costs, on the dashboard. Counts only, about no patient, and kept
    after the outbox rows they count are erased (OUTBOX_RETENTION_DAYS)."""

    __tablename__ = "sms_usage"

    clinic_id: Mapped[int] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-12"
    texts: Mapped[int] = mapped_column(Integer, default=0)
    segments: Mapped[int] = mapped_column(Integer, default=0)
