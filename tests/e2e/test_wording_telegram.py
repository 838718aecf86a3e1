"""What patients and nurses read, end to end over the fake Bot API (issue 14, item 10): /cancel
in a settings change, /progress after a hard week, singular counts, the coping tip after opioid
use, and staff times in UTC said to be UTC. Both databases."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.db.models import CheckIn, DoseEvent, Patient, Schedule
from bot.domain import risk
from bot.domain.checkins import MOODS, USE_LABELS, Use
from bot.domain.schedules import day_number
from bot.services.alerts import raise_alert
from bot.services.clinics import add_staff
from tests.conftest import START
from tests.e2e.care import Clinic, cards, drained, first_text, say, tap_and_wait_edit
from tests.e2e.conftest import LiveBot

PAT, NURSE, CHICAGO_NURSE = 6401, 7401, 7402
CHICAGO = ZoneInfo("America/Chicago")


async def add_doses(bot: LiveBot, patient_id: int, schedule_id: int, statuses: list[str]) -> None:
    """One daily 08:00 Chicago dose per day, the last entry yesterday."""
    async with bot.ctx.sessions.begin() as session:
        for back, status in enumerate(reversed(statuses), start=1):
            due = (START - timedelta(days=back)).replace(hour=14, minute=0)
            session.add(
                DoseEvent(
                    schedule_id=schedule_id,
                    patient_id=patient_id,
                    due_at=due,
                    local_day=day_number(due, CHICAGO),
                    status=status,
                    window_ends_at=due + timedelta(hours=4),
                    reminded_at=due,
                    answered_at=due + timedelta(minutes=3) if status == "taken" else None,
                    created_at=due,
                )
            )


# /cancel in the middle of a change an enrolled patient started ------------------------------


async def test_cancel_during_pause_says_the_pause_was_cancelled(live_bot: LiveBot) -> None:
    clinic = await Clinic.make(live_bot)
    await clinic.patient(PAT, "Pat Doe")
    [prompt] = await say(live_bot, PAT, "/pause")
    assert "Pause reminders until when?" in (prompt.plain_text or "")
    [reply] = await say(live_bot, PAT, "/cancel")
    text = reply.plain_text or ""
    assert "cancelled the pause" in text and "nothing has changed" in text
    assert "invite link" not in text and "set-up" not in text
    async with live_bot.ctx.sessions() as session:
        [patient] = list(await session.scalars(select(Patient)))
    assert patient.status == "active" and patient.paused_until is None


async def test_cancel_during_a_schedule_change_says_nothing_changed(live_bot: LiveBot) -> None:
    clinic = await Clinic.make(live_bot)
    await clinic.patient(PAT, "Pat Doe")
    [overview] = await say(live_bot, PAT, "/schedule")
    mark = live_bot.api.mark(PAT)
    await live_bot.api.tap(PAT, "Change time", overview)
    [prompt] = await live_bot.api.wait_for_new(PAT, mark, count=1)
    assert "What time should I remind you?" in (prompt.plain_text or "")
    [reply] = await say(live_bot, PAT, "/cancel")
    text = reply.plain_text or ""
    assert "cancelled the time change" in text and "nothing has changed" in text
    assert "invite link" not in text and "set-up" not in text
    async with live_bot.ctx.sessions() as session:
        [schedule] = list(await session.scalars(select(Schedule)))
    assert schedule.dose_times == ["08:00"]
    # Typing a time now is a question to the bot, not a change to the schedule.
    await say(live_bot, PAT, "9pm")
    async with live_bot.ctx.sessions() as session:
        [schedule] = list(await session.scalars(select(Schedule)))
    assert schedule.dose_times == ["08:00"]


async def test_cancel_during_set_up_still_points_to_the_invite_link(live_bot: LiveBot) -> None:
    clinic = await Clinic.make(live_bot)
    welcome = await say(live_bot, PAT, f"/start {clinic.code}", expect=2)
    assert "Is that okay with you?" in (welcome[-1].plain_text or "")
    [reply] = await say(live_bot, PAT, "/cancel")
    text = reply.plain_text or ""
    assert "Nothing from this set-up was saved" in text and "invite link" in text


# /progress after a hard week: support, not praise ----------------------------------------------


@pytest.mark.parametrize(
    ("craving", "use"),
    [(9, "opioids"), (9, "no"), (2, "alcohol")],
    ids=["craving-9-and-opioids", "craving-9", "reported-use"],
)
async def test_progress_after_a_high_craving_or_use_is_supportive_not_praise(
    live_bot: LiveBot, craving: int, use: str
) -> None:
    clinic = await Clinic.make(live_bot)
    patient_id, schedule_id = await clinic.patient(
        PAT, "Pat Doe", created_at=START - timedelta(days=10)
    )
    await add_doses(live_bot, patient_id, schedule_id, ["taken"] * 7)
    async with live_bot.ctx.sessions.begin() as session:
        session.add(
            CheckIn(
                patient_id=patient_id,
                created_at=START - timedelta(hours=3),
                answered_at=START - timedelta(hours=3),
                status="answered",
                craving=craving,
                mood=2,
                substance_use=use,
            )
        )
    [photo] = await say(live_bot, PAT, "/progress")
    caption = photo.plain_text or ""
    assert "Last 7 days: 6 of 6 days (100%)" in caption  # the figures are still there
    assert "steady work" not in caption and "Keep it going" not in caption
    assert "care team" in caption and "/sos" in caption


async def test_progress_praises_a_steady_week_without_a_hard_moment(live_bot: LiveBot) -> None:
    clinic = await Clinic.make(live_bot)
    patient_id, schedule_id = await clinic.patient(
        PAT, "Pat Doe", created_at=START - timedelta(days=10)
    )
    await add_doses(live_bot, patient_id, schedule_id, ["taken"] * 7)
    async with live_bot.ctx.sessions.begin() as session:
        # A high craving before this week no longer holds the praise back.
        for back, craving in ((12, 9), (1, 2)):
            session.add(
                CheckIn(
                    patient_id=patient_id,
                    created_at=START - timedelta(days=back),
                    status="answered",
                    craving=craving,
                    mood=4,
                    substance_use="no",
                )
            )
    [photo] = await say(live_bot, PAT, "/progress")
    assert "That's steady work" in (photo.plain_text or "")


# One day, not "1 days" ---------------------------------------------------------------------------


async def test_a_streak_of_one_reads_one_day_for_patient_and_nurse(live_bot: LiveBot) -> None:
    clinic = await Clinic.make(live_bot)
    await clinic.staff(NURSE, "Sam Rivera")
    patient_id, schedule_id = await clinic.patient(
        PAT, "Pat Doe", created_at=START - timedelta(days=4)
    )
    await add_doses(live_bot, patient_id, schedule_id, ["taken", "missed", "taken"])
    [photo] = await say(live_bot, PAT, "/progress")
    assert "Current streak: 1 day\n" in (photo.plain_text or "")
    [detail] = await say(live_bot, NURSE, "/patient Pat")
    text = detail.plain_text or ""
    assert "Streak: 1 day now, longest 1 day" in text
    assert "1 days" not in text


# The coping tip after reported opioid use ----------------------------------------------------


async def check_in(bot: LiveBot, craving: int, use: Use) -> list[str]:
    """A /checkin answered with this craving and use; the follow-up messages it brought."""
    [question] = await say(bot, PAT, "/checkin")
    await tap_and_wait_edit(bot, PAT, str(craving), question)
    await tap_and_wait_edit(bot, PAT, MOODS[2], question)
    mark = bot.api.mark(PAT)
    await tap_and_wait_edit(bot, PAT, USE_LABELS[use], question)
    replies = await bot.api.wait_for_new(PAT, mark, count=2)
    await bot.api.tap(PAT, "No thanks", question)
    await drained(bot)
    return [m.plain_text or "" for m in replies]


async def test_opioid_use_gets_an_opioid_resource_not_an_alcohol_one(live_bot: LiveBot) -> None:
    clinic = await Clinic.make(live_bot)
    await clinic.patient(PAT, "Pat Doe")
    overdose, tip = await check_in(live_bot, 9, Use.OPIOIDS)
    # The overdose facts come first, as before: tolerance, naloxone, never alone.
    assert "naloxone" in overdose and "Never use alone" in overdose
    assert "NIAAA" not in tip and "drink" not in tip.lower()
    assert "SAMHSA" in tip and "1-800-662-4357" in tip and "/sos" in tip
    assert "agonist" not in tip and "push through" not in tip

    # After drinking, the alcohol guidance still fits and is still quoted.
    _, tip = await check_in(live_bot, 9, Use.ALCOHOL)
    assert "NIAAA" in tip


# Staff times in UTC say so -------------------------------------------------------------------


async def test_staff_without_a_time_zone_see_times_labelled_utc(live_bot: LiveBot) -> None:
    clinic = await Clinic.make(live_bot)
    await clinic.staff(NURSE, "Sam Rivera")  # no --timezone: UTC
    await add_staff(
        live_bot.ctx.sessions,
        live_bot.ctx.clock,
        telegram_user_id=CHICAGO_NURSE,
        name="Ana Lopez",
        clinic_code=clinic.code,
        timezone="America/Chicago",
    )
    patient_id, schedule_id = await clinic.patient(
        PAT, "Pat Doe", created_at=START - timedelta(days=3)
    )
    await add_doses(live_bot, patient_id, schedule_id, ["taken", "taken"])
    async with live_bot.ctx.sessions.begin() as session:
        patient = await session.get(Patient, patient_id)
        assert patient is not None
        await raise_alert(session, patient, risk.missed_doses("Pat Doe", 2), START)
    await drained(live_bot)

    [utc_card] = cards(live_bot, NURSE)
    assert "Open since Wed 25 Nov 15:00 UTC" in first_text(utc_card)
    [chicago_card] = cards(live_bot, CHICAGO_NURSE)
    assert "Open since Wed 25 Nov 09:00" in first_text(chicago_card)
    assert "UTC" not in first_text(chicago_card)

    [summary] = await say(live_bot, NURSE, "/summary")
    assert (summary.plain_text or "").startswith("Northside Clinic, Wed 25 Nov 15:00 UTC")
    [detail] = await say(live_bot, NURSE, "/patient Pat")
    assert "Last dose: Tue 24 Nov 14:03 UTC" in (detail.plain_text or "")
    [detail] = await say(live_bot, CHICAGO_NURSE, "/patient Pat")
    assert "Last dose: Tue 24 Nov 08:03\n" in (detail.plain_text or "")

    [listed] = await say(live_bot, NURSE, "/alerts")
    await live_bot.api.tap(NURSE, "I'll take it", listed)
    await drained(live_bot)
    taken = live_bot.api.message(NURSE, utc_card.message_id).plain_text or ""
    assert "Taken by Sam Rivera, Wed 25 Nov 15:00 UTC" in taken
