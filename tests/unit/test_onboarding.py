"""The onboarding state machine on its own: no database, no Telegram."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.domain import onboarding
from bot.domain.checkins import Frequency
from bot.domain.onboarding import Draft, Step
from bot.domain.schedules import PlanKind

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
CONSENT = "Is that okay with you?"


def begin() -> Draft:
    outcome = onboarding.start(1, "Northside", "v1", CONSENT)
    assert outcome.draft is not None
    return outcome.draft


def walk(*answers: str) -> onboarding.Outcome:
    draft = begin()
    outcome = onboarding.Outcome(draft)
    for answer in answers:
        assert outcome.draft is not None, f"conversation ended before {answer!r}"
        outcome = onboarding.answer(outcome.draft, answer, NOW, CONSENT)
        assert outcome.accepted, [r.text for r in outcome.replies]
    return outcome


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", True),
        ("Yes I agree", True),
        ("ok!", True),
        ("👍", True),
        ("that's right", True),
        ("sure thing", True),
        ("no thanks", False),
        ("No, thank you", False),
        ("I don't agree", False),
        ("nope", False),
        ("yes and no", None),
        ("maybe later?", None),
        ("", None),
        ("what is this", None),
    ],
)
def test_yes_no_understands_padded_answers(text: str, expected: bool | None) -> None:
    assert onboarding.yes_no(text) is expected


def test_every_step_round_trips_through_json() -> None:
    steps = ("yes", "Chicago", "yes", "weekly", "100/100/150 mg Mon/Wed/Fri", "8am", "weekly")
    outcome = walk(*steps, "7pm")
    draft = outcome.draft
    assert draft is not None and draft.step is Step.CONFIRM
    assert Draft.from_json(draft.step, draft.to_json()) == draft
    assert (draft.checkin, draft.checkin_time) == (Frequency.WEEKLY, "19:00")


def test_finishing_gives_the_plan_and_ends_the_conversation() -> None:
    outcome = walk("yes", "Denver", "yes", "daily", "8am and 8pm", "daily", "21:00", "yes")
    assert outcome.draft is None and outcome.completed is not None
    assert "Check-ins: daily at 21:00" in outcome.replies[0].text
    assert outcome.completed.kind is PlanKind.DAILY
    assert [t.strftime("%H:%M") for t in outcome.completed.times] == ["08:00", "20:00"]
    assert outcome.completed.zone == "America/Denver"


def test_decline_ends_without_a_plan() -> None:
    outcome = walk("no")
    assert outcome.draft is None and outcome.declined and outcome.completed is None


def test_typing_a_city_at_the_confirmation_replaces_the_zone() -> None:
    outcome = walk("yes", "Chicago", "Berlin")
    assert outcome.draft is not None and outcome.draft.zone == "Europe/Berlin"
    assert outcome.draft.step is Step.ZONE_CONFIRM


def test_start_over_keeps_consent_and_clears_the_plan() -> None:
    outcome = walk("yes", "Chicago", "yes", "daily", "08:00", "no check-ins", "start over")
    draft = outcome.draft
    assert draft is not None and draft.step is Step.ZONE
    assert draft.consented_at is not None and draft.zone is None and draft.times == ()


def test_an_injection_takes_one_time_only() -> None:
    draft = walk("yes", "Chicago", "yes", "injection", "Dec 3").draft
    assert draft is not None
    outcome = onboarding.answer(draft, "8am and 8pm", NOW, CONSENT)
    assert not outcome.accepted and "just one time" in outcome.replies[0].text


def test_buttons_carry_exactly_what_typing_would() -> None:
    """A tap is the typed answer its data holds, so the two paths cannot drift apart."""
    draft = walk("yes").draft
    assert draft is not None
    prompt = onboarding.prompt(draft, NOW, CONSENT)
    for row in prompt.buttons:
        for button in row:
            outcome = onboarding.answer(draft, button.data, NOW, CONSENT)
            assert outcome.accepted, button


def test_check_ins_are_offered_weekly_by_default_and_can_be_declined() -> None:
    draft = walk("yes", "Chicago", "yes", "daily", "08:00").draft
    assert draft is not None and draft.step is Step.CHECKIN
    prompt = onboarding.prompt(draft, NOW, CONSENT)
    assert prompt.buttons[0][0].label == "Weekly (recommended)"
    declined = walk("yes", "Chicago", "yes", "daily", "08:00", "no check-ins").draft
    assert declined is not None and declined.step is Step.CONFIRM
    assert declined.checkin is Frequency.OFF
    confirm = onboarding.prompt(declined, NOW, CONSENT).text
    assert "Check-ins: off" in confirm


def test_weekly_check_ins_fall_on_the_enrolment_weekday() -> None:
    draft = walk("yes", "Chicago", "yes", "daily", "08:00", "weekly", "6pm").draft
    assert draft is not None
    # 25 Nov 2026 15:00 UTC is a Wednesday morning in Chicago.
    assert onboarding.check_in_weekday(draft, NOW) == 3
    assert "weekly on Wed at 18:00" in onboarding.prompt(draft, NOW, CONSENT).text


def test_a_bad_check_in_answer_says_how_to_answer() -> None:
    draft = walk("yes", "Chicago", "yes", "daily", "08:00").draft
    assert draft is not None
    outcome = onboarding.answer(draft, "sometimes maybe", NOW, CONSENT)
    assert not outcome.accepted and "weekly, daily or no" in outcome.replies[0].text
