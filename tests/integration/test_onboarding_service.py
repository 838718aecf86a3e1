"""Onboarding through the channel-agnostic inbox, on a real SQLite and Postgres database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, text

from bot.db.models import (
    Alert,
    AuditEntry,
    ConsentRecord,
    Conversation,
    OutboxMessage,
    Patient,
    Schedule,
)
from bot.domain.replies import Reply
from bot.services.clinics import add_staff
from bot.services.context import AppContext
from bot.services.inbox import Inbox, Sender
from tests.support import new_clinic, table_counts

PAT = Sender(chat_id=5001, display_name="Pat Doe")


def joined(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


def button_data(replies: list[Reply], label: str) -> str:
    for reply in replies:
        for row in reply.buttons:
            for button in row:
                if button.label == label:
                    return button.data
    raise AssertionError(f"no button {label!r} in {[r.buttons for r in replies]}")


async def patients(ctx: AppContext) -> list[Patient]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(Patient)))


async def schedules(ctx: AppContext) -> list[Schedule]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(Schedule)))


async def test_typed_daily_onboarding_stores_patient_consent_and_schedule(ctx: AppContext) -> None:
    clinic = await new_clinic(ctx)
    inbox = Inbox(ctx)
    replies = await inbox.command(PAT, "start", [clinic.invite_code.lower()])
    assert "Northside Clinic" in joined(replies)
    assert "988" in joined(replies) and "911" in joined(replies)
    assert "consent" in joined(replies).lower() or "what I keep" in joined(replies)

    for answer in ("yes", "Chicago", "yes", "daily", "8:30 pm", "weekly", "7pm"):
        replies = await inbox.text(PAT, answer)
    assert "Daily" in joined(replies) and "20:30" in joined(replies)
    assert "Check-ins: weekly on Wed at 19:00" in joined(replies)
    replies = await inbox.text(PAT, "looks good")
    assert "You're all set" in joined(replies)

    [patient] = await patients(ctx)
    assert patient.chat_id == PAT.chat_id and patient.display_name == "Pat Doe"
    assert patient.timezone == "America/Chicago"
    assert patient.consent_version == ctx.consent.version
    assert patient.consented_at == ctx.clock.now()
    assert patient.status == "active" and patient.plain_wording is False
    assert (patient.checkin_frequency, patient.checkin_weekday) == ("weekly", 3)
    # Not the same evening: the first check-in is next Wednesday, 19:00 Chicago (CST).
    assert patient.next_checkin_at == datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
    [schedule] = await schedules(ctx)
    assert schedule.kind == "daily" and schedule.dose_times == ["20:30"]
    # 20:30 in Chicago on Wed 25 Nov 2026 (CST, UTC-6) is 02:30 UTC on the 26th.
    assert schedule.next_due_at == datetime(2026, 11, 26, 2, 30, tzinfo=UTC)
    counts = await table_counts(ctx)
    assert counts["conversations"] == 0
    async with ctx.sessions() as session:
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert "patient.enrolled" in actions


async def test_tapped_weekly_onboarding(ctx: AppContext) -> None:
    clinic = await new_clinic(ctx)
    inbox = Inbox(ctx)
    replies = await inbox.command(PAT, "start", [clinic.invite_code])
    for label in (
        "I agree",
        "US Eastern",
        "Yes, that's right",
        "Some days each week",
        "100/100/150 mg Mon/Wed/Fri",
        "08:00",
        "Daily",
        "20:00",
    ):
        result = await inbox.tap(PAT, button_data(replies, label))
        assert result.chosen == label, result
        replies = result.replies
    assert "100 mg Mon" in joined(replies) and "150 mg Fri" in joined(replies)
    result = await inbox.tap(PAT, button_data(replies, "Looks good"))
    assert "You're all set" in joined(result.replies)
    [schedule] = await schedules(ctx)
    assert schedule.kind == "weekly" and schedule.timezone == "America/New_York"
    assert schedule.weekly_doses == {"1": 100, "3": 100, "5": 150}
    # Next Mon/Wed/Fri 08:00 New York after Wed 25 Nov 15:00 UTC (10:00 local): Fri 27 Nov 13:00Z.
    assert schedule.next_due_at == datetime(2026, 11, 27, 13, 0, tzinfo=UTC)


async def test_monthly_injection_onboarding_with_shared_location(ctx: AppContext) -> None:
    clinic = await new_clinic(ctx)
    inbox = Inbox(ctx)
    await inbox.command(PAT, "start", [clinic.invite_code])
    await inbox.text(PAT, "I agree")
    replies = await inbox.location(PAT, 52.52, 13.40)  # Berlin
    assert "Berlin" in joined(replies) or "Europe/Berlin" in joined(replies)
    for answer in ("yes", "monthly injection", "3 Dec", "10:00", "no check-ins", "yes"):
        replies = await inbox.text(PAT, answer)
    [schedule] = await schedules(ctx)
    assert schedule.kind == "monthly_injection" and schedule.timezone == "Europe/Berlin"
    assert schedule.injection_date == date(2026, 12, 3)
    # First reminder: the day before, 2 Dec 10:00 Berlin (CET, UTC+1).
    assert schedule.next_due_at == datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


async def test_declining_consent_stores_nothing(ctx: AppContext) -> None:
    clinic = await new_clinic(ctx)
    before = await table_counts(ctx)
    inbox = Inbox(ctx)
    await inbox.command(PAT, "start", [clinic.invite_code])
    replies = await inbox.text(PAT, "no thanks")
    assert "haven't saved anything" in joined(replies)
    assert await table_counts(ctx) == before


@pytest.mark.parametrize(
    ("answers", "bad", "example"),
    [
        (["yes"], "Qwertyville", "Chicago"),
        (["yes"], "Washington", "state"),
        (["yes"], "UTC+2", "city"),
        (["yes", "Denver", "yes"], "banana", "daily"),
        (["yes", "Denver", "yes", "daily"], "25:99", "08:00"),
        (["yes", "Denver", "yes", "daily"], "tomorrow morning", "08:00"),
        (["yes", "Denver", "yes", "weekly"], "Mon/Wed 100/100/150", "100/100/150 mg Mon/Wed/Fri"),
        (["yes", "Denver", "yes", "injection"], "last tuesday week", "2026-12-03"),
        (["yes", "Denver", "yes", "injection"], "2026-01-03", "2026-12-03"),
        (["maybe later?"], "", ""),
    ],
)
async def test_bad_answers_get_a_retry_with_an_example_and_keep_the_step(
    ctx: AppContext, answers: list[str], bad: str, example: str
) -> None:
    clinic = await new_clinic(ctx)
    inbox = Inbox(ctx)
    await inbox.command(PAT, "start", [clinic.invite_code])
    for answer in answers[:-1] if not bad else answers:
        await inbox.text(PAT, answer)
    if not bad:  # "maybe later?" at the consent step
        bad, example = answers[-1], "yes or no"
    async with ctx.sessions() as session:
        step_before = (await session.get(Conversation, PAT.chat_id)).step  # type: ignore[union-attr]
    replies = await inbox.text(PAT, bad)
    assert example in joined(replies), joined(replies)
    # The question is asked again, with its buttons where it has them.
    assert len(replies) == 2
    async with ctx.sessions() as session:
        conversation = await session.get(Conversation, PAT.chat_id)
    assert conversation is not None and conversation.step == step_before
    assert await patients(ctx) == []


async def test_stale_and_forged_buttons_change_nothing(ctx: AppContext) -> None:
    clinic = await new_clinic(ctx)
    inbox = Inbox(ctx)
    first = await inbox.command(PAT, "start", [clinic.invite_code])
    agree = button_data(first, "I agree")
    await inbox.tap(PAT, agree)
    async with ctx.sessions() as session:
        before = await session.get(Conversation, PAT.chat_id)
        assert before is not None
        state = (before.step, before.revision, dict(before.data))

    for data in (
        agree,
        "ob:999:yes",
        "garbage",
        "",
        "ob:x:yes",
        f"ob:{state[1]}:Europe/Paris",
        "ob:" + "9" * 60,
    ):
        result = await inbox.tap(PAT, data)
        assert result.notice and "earlier step" in result.notice
        assert result.chosen is None
    async with ctx.sessions() as session:
        after = await session.get(Conversation, PAT.chat_id)
        assert after is not None
        assert (after.step, after.revision, dict(after.data)) == state
    # A tap with no conversation at all (e.g. after finishing) is also harmless.
    other = Sender(chat_id=7777)
    result = await inbox.tap(other, agree)
    assert result.notice and result.replies == []
    assert (await table_counts(ctx))["patients"] == 0


async def test_cancel_at_any_point_forgets_the_draft(ctx: AppContext) -> None:
    clinic = await new_clinic(ctx)
    inbox = Inbox(ctx)
    assert "nothing to cancel" in joined(await inbox.command(PAT, "cancel", [])).lower()
    await inbox.command(PAT, "start", [clinic.invite_code])
    for answer in ("yes", "Boston", "yes", "daily"):
        await inbox.text(PAT, answer)
    replies = await inbox.command(PAT, "cancel", [])
    assert "Nothing from this set-up was saved" in joined(replies)
    counts = await table_counts(ctx)
    assert counts["patients"] == 0 and counts["conversations"] == 0 and counts["schedules"] == 0
    # After cancelling, free text is not taken as an onboarding answer.
    assert "invite" in joined(await inbox.text(PAT, "08:00"))


async def test_repeated_start_never_creates_a_second_patient(ctx: AppContext) -> None:
    clinic = await new_clinic(ctx)
    inbox = Inbox(ctx)
    await inbox.command(PAT, "start", [clinic.invite_code])
    await inbox.text(PAT, "yes")
    # Starting again mid-way restarts the flow rather than adding anything.
    await inbox.command(PAT, "start", [clinic.invite_code])
    for answer in ("yes", "Chicago", "yes", "daily", "08:00", "no check-ins", "yes"):
        await inbox.text(PAT, answer)
    for _ in range(2):
        replies = await inbox.command(PAT, "start", [clinic.invite_code])
        assert "already set up with Northside Clinic" in joined(replies)
    assert len(await patients(ctx)) == 1 and len(await schedules(ctx)) == 1


async def test_start_without_or_with_unknown_code_stores_nothing(ctx: AppContext) -> None:
    await new_clinic(ctx)
    before = await table_counts(ctx)
    inbox = Inbox(ctx)
    assert "invite" in joined(await inbox.command(PAT, "start", []))
    assert "couldn't find an invite" in joined(await inbox.command(PAT, "start", ["NOPE1234"]))
    assert "couldn't find" in joined(await inbox.command(PAT, "start", ["<b>" * 30]))
    assert "invite" in joined(await inbox.text(PAT, "hello?"))
    assert await table_counts(ctx) == before


async def test_crisis_mid_onboarding_gets_help_and_keeps_the_step(ctx: AppContext) -> None:
    clinic = await new_clinic(ctx)
    inbox = Inbox(ctx)
    await inbox.command(PAT, "start", [clinic.invite_code])
    await inbox.text(PAT, "yes")
    replies = await inbox.text(PAT, "honestly i just want to kill myself")
    assert "988" in joined(replies) and "1-800-662-4357" in joined(replies)
    async with ctx.sessions() as session:
        conversation = await session.get(Conversation, PAT.chat_id)
    assert conversation is not None and conversation.step == "zone"
    # Not enrolled yet: no clinic to alert, and the reply must not claim otherwise.
    assert (await table_counts(ctx))["alerts"] == 0


async def test_crisis_from_enrolled_patient_alerts_clinic_staff(ctx: AppContext) -> None:
    clinic = await new_clinic(ctx)
    other = await new_clinic(ctx, "Other Clinic")
    await add_staff(
        ctx.sessions, ctx.clock, telegram_user_id=9001, name="Sam", clinic_code=clinic.invite_code
    )
    await add_staff(
        ctx.sessions, ctx.clock, telegram_user_id=9002, name="Ana", clinic_code=clinic.invite_code
    )
    await add_staff(
        ctx.sessions,
        ctx.clock,
        telegram_user_id=9100,
        name="Elsewhere",
        clinic_code=other.invite_code,
    )
    inbox = Inbox(ctx)
    await inbox.command(PAT, "start", [clinic.invite_code])
    for answer in ("yes", "Chicago", "yes", "daily", "08:00", "no check-ins", "yes"):
        await inbox.text(PAT, answer)
    replies = await inbox.text(PAT, "i took the whole bottle of pills")
    assert "911" in joined(replies)
    async with ctx.sessions() as session:
        [alert] = list(await session.scalars(select(Alert)))
        outbox = list(await session.scalars(select(OutboxMessage)))
    assert alert.severity == "urgent" and alert.status == "open"
    assert sorted(m.chat_id for m in outbox) == [9001, 9002]
    assert all("whole bottle" not in m.payload["text"] for m in outbox)
    assert all("Pat Doe" in m.payload["text"] for m in outbox)


async def test_a_crisis_typed_after_a_command_is_answered_first(ctx: AppContext) -> None:
    clinic = await new_clinic(ctx)
    inbox = Inbox(ctx)
    # Before enrolment, and whatever the command: the words after it are read first.
    for name in ("help", "start", "sos", "frobnicate"):
        replies = await inbox.command(PAT, name, ["i", "just", "took", "all", "my", "pills"])
        assert "911" in joined(replies), name
    await inbox.command(PAT, "start", [clinic.invite_code])
    for answer in ("yes", "Chicago", "yes", "daily", "08:00", "no check-ins", "yes"):
        await inbox.text(PAT, answer)
    await add_staff(
        ctx.sessions, ctx.clock, telegram_user_id=9001, name="Sam", clinic_code=clinic.invite_code
    )
    replies = await inbox.command(PAT, "progress", ["i", "want", "to", "kill", "myself"])
    assert "988" in joined(replies) and "Your progress" not in joined(replies)
    async with ctx.sessions() as session:
        [alert] = list(await session.scalars(select(Alert)))
    assert alert.severity == "urgent"
    # Ordinary arguments still reach their command.
    [schedule] = await inbox.command(PAT, "checkin", ["settings"])
    assert "988" not in schedule.text


async def test_audit_log_is_append_only(ctx: AppContext) -> None:
    await new_clinic(ctx)
    async with ctx.sessions() as session:
        for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
            with pytest.raises(Exception, match="append-only"):
                async with session.begin():
                    await session.execute(text(statement))
    assert (await table_counts(ctx))["audit_log"] == 1


async def test_abandoned_onboarding_is_forgotten_after_a_day(ctx: AppContext) -> None:
    from datetime import timedelta

    from bot.clock import FakeClock
    from jobs.conversations import expire_abandoned

    clinic = await new_clinic(ctx)
    inbox = Inbox(ctx)
    await inbox.command(PAT, "start", [clinic.invite_code])
    assert isinstance(ctx.clock, FakeClock)
    ctx.clock.advance(timedelta(hours=23))
    assert await expire_abandoned(ctx) == 0
    ctx.clock.advance(timedelta(hours=2))
    assert await expire_abandoned(ctx) == 1
    assert (await table_counts(ctx))["conversations"] == 0


# Languages (issue 15) ---------------------------------------------------------------------------

ANA = Sender(chat_id=5002, display_name="Ana Ruiz", language="es-MX")


async def consent_records(ctx: AppContext) -> list[ConsentRecord]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(ConsentRecord)))


async def test_spanish_client_enrols_in_spanish_and_consent_keeps_language_and_version(
    ctx: AppContext,
) -> None:
    clinic = await new_clinic(ctx)
    inbox = Inbox(ctx)
    replies = await inbox.command(ANA, "start", [clinic.invite_code])
    welcome, consent_text = replies
    assert welcome.text.startswith("¡Hola!") and "AYUDA" in welcome.text
    assert "Antes de empezar" in consent_text.text
    assert [b.label for b in consent_text.buttons[0]] == ["Acepto", "No, gracias"]
    # The welcome offers English; its button is not tied to a step.
    assert button_data(replies, "English") == "lang:en"
    said: list[str] = []
    for answer in ("sí", "Chicago", "si", "diario", "8 de la noche", "semanal", "7 pm"):
        said.append(joined(await inbox.text(ANA, answer)))
    assert "Gracias. Tres preguntas rápidas" in said[0]
    assert "¿Cómo toma su medicamento?" in said[2]
    assert "¿Es correcto?" in said[-1]
    done = joined(await inbox.text(ANA, "está bien"))
    assert done.startswith("Todo listo") and "20:00" in done

    [patient] = await patients(ctx)
    assert patient.language == "es" and patient.consent_version == ctx.consent.version
    [record] = await consent_records(ctx)
    assert (record.language, record.version, record.decision) == (
        "es",
        ctx.consent.version,
        "accepted",
    )
    [schedule] = await schedules(ctx)
    assert schedule.dose_times == ["20:00"]


@pytest.mark.parametrize("client", ["fr", None, "", "zz-ZZ"])
async def test_a_client_language_we_do_not_speak_starts_in_english(
    ctx: AppContext, client: str | None
) -> None:
    clinic = await new_clinic(ctx)
    sender = Sender(chat_id=5003, display_name="Jo", language=client)
    replies = await Inbox(ctx).command(sender, "start", [clinic.invite_code])
    assert replies[0].text.startswith("Hi!") and button_data(replies, "Español") == "lang:es"
    assert "I agree" in [b.label for b in replies[1].buttons[0]]


async def test_the_welcome_button_switches_the_set_up_to_spanish(ctx: AppContext) -> None:
    clinic = await new_clinic(ctx)
    inbox = Inbox(ctx)
    replies = await inbox.command(PAT, "start", [clinic.invite_code])
    result = await inbox.tap(PAT, button_data(replies, "Español"))
    assert result.chosen == "Español"
    welcome, consent_text = result.replies
    assert welcome.text.startswith("¡Hola!") and "Antes de empezar" in consent_text.text
    # The Spanish consent buttons work (they carry the current revision).
    result = await inbox.tap(PAT, button_data(result.replies, "Acepto"))
    assert result.chosen == "Acepto" and "¿En qué zona horaria está?" in joined(result.replies)
    # /language english part-way: the same step, now in English.
    replies = await inbox.command(PAT, "language", ["english"])
    assert "Which time zone are you in?" in joined(replies)
    for answer in ("Chicago", "sí", "daily", "8am", "no check-ins", "yes"):
        replies = await inbox.text(PAT, answer)
    assert "You're all set" in joined(replies)
    [patient] = await patients(ctx)
    assert patient.language == "en"
    [record] = await consent_records(ctx)
    assert record.language == "en"  # the language of the set-up that finished


async def test_idioma_switches_an_enrolled_patient_and_the_next_reply_is_spanish(
    ctx: AppContext,
) -> None:
    clinic = await new_clinic(ctx)
    inbox = Inbox(ctx)
    await inbox.command(PAT, "start", [clinic.invite_code])
    for answer in ("yes", "Chicago", "yes", "daily", "8pm", "no check-ins", "yes"):
        await inbox.text(PAT, answer)
    assert "Here's what I can do" in joined(await inbox.command(PAT, "help", []))

    replies = await inbox.command(PAT, "idioma", [])
    assert [b.label for b in replies[0].buttons[0]] == ["English", "Español"]
    result = await inbox.tap(PAT, button_data(replies, "Español"))
    assert result.chosen == "Español"
    assert joined(result.replies) == "De acuerdo, le escribiré en español."
    [patient] = await patients(ctx)
    assert patient.language == "es"
    help_text = joined(await inbox.command(PAT, "help", []))
    assert "/idioma" in help_text and "Here's what I can do" not in help_text
    assert "No conozco ese comando" in joined(await inbox.command(PAT, "frobnicate", []))
    assert "No hay nada que cancelar" in joined(await inbox.command(PAT, "cancel", []))
    # Typed on its own, a language name switches too.
    assert joined(await inbox.text(PAT, "inglés")) == "Okay, I'll write in English."
    [patient] = await patients(ctx)
    assert patient.language == "en"
    async with ctx.sessions() as session:
        actions = list(await session.scalars(select(AuditEntry.action)))
    assert actions.count("patient.language") == 2


async def test_mixed_english_and_spanish_answers_enrol(ctx: AppContext) -> None:
    clinic = await new_clinic(ctx)
    inbox = Inbox(ctx)
    await inbox.command(PAT, "start", [clinic.invite_code])
    for answer in ("sí", "Denver", "si", "inyección", "3 de diciembre", "9 de la mañana", "no"):
        replies = await inbox.text(PAT, answer)
        assert "I couldn't" not in joined(replies), answer
    assert "Is that right?" in joined(replies)  # English throughout: the client's language
    assert "You're all set" in joined(await inbox.text(PAT, "sí"))
    [schedule] = await schedules(ctx)
    assert schedule.kind == "monthly_injection" and schedule.dose_times == ["09:00"]
    [patient] = await patients(ctx)
    assert patient.language == "en"


async def test_replies_before_enrolment_follow_the_client_language(ctx: AppContext) -> None:
    inbox = Inbox(ctx)
    assert "No conozco ese comando" in joined(await inbox.command(ANA, "frobnicate", []))
    assert "invitación" in joined(await inbox.text(ANA, "hola"))
    assert "invitación" in joined(await inbox.command(ANA, "start", []))
    assert "I don't know that command" in joined(await inbox.command(PAT, "frobnicate", []))
    # A crisis reply follows the language of the message, whatever the client's.
    crisis = joined(await inbox.text(PAT, "me quiero morir"))
    assert "988" in crisis and "AYUDA" in crisis
