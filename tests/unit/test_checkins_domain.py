"""Check-in questions, taps, scheduling and the risk rules, with no database or Telegram."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain import adherence, checkins, risk
from bot.domain.adherence import DoseRecord
from bot.domain.checkins import Answers, Frequency, Question, Use
from bot.qa.content import ContentError
from bot.qa.coping import coping_prompts, load_coping, pick

NY = "America/New_York"


def test_questions_come_in_order_and_repeat_what_was_answered() -> None:
    first = checkins.question_reply(7, Answers())
    assert "cravings" in first.text and len([b for r in first.buttons for b in r]) == 11
    second = checkins.question_reply(7, Answers(craving=4))
    assert "Craving 4/10" in second.text and "mood" in second.text
    third = checkins.question_reply(7, Answers(craving=4, mood=2))
    assert "Mood: low" in third.text and [b.label for r in third.buttons for b in r] == [
        "No",
        "Alcohol",
        "Opioids",
        "Something else",
    ]
    assert Answers(craving=1, mood=1, use=Use.NO).next_question is None


@pytest.mark.parametrize(
    "data",
    [
        "c:7:k:11",
        "c:7:k:-1",
        "c:7:m:0",
        "c:7:m:6",
        "c:7:u:heroin",
        "c:x:k:3",
        "c:7:z:3",
        "c:7:n:maybe",
        "c:7:k",
        "",
        "c:" + "9" * 80,
    ],
)
def test_forged_or_truncated_taps_are_refused(data: str) -> None:
    assert checkins.parse_tap(data) is None


def test_every_button_parses_back_to_its_answer() -> None:
    for answers in (Answers(), Answers(craving=0), Answers(craving=0, mood=5)):
        for row in checkins.question_reply(12, answers).buttons:
            for button in row:
                tap = checkins.parse_tap(button.data)
                assert tap is not None and tap.check_in_id == 12
                assert len(button.data.encode()) <= 64  # Telegram's callback_data limit
    skip = checkins.parse_tap(checkins.note_buttons(3)[0][0].data)
    assert skip is not None and skip.question is Question.NOTE


def test_weekly_check_in_lands_on_its_weekday_at_local_time() -> None:
    after = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # Wednesday
    due = checkins.next_check_in(Frequency.WEEKLY, 7, time(18, 0), NY, after)
    assert due == datetime(2026, 11, 29, 23, 0, tzinfo=UTC)  # Sun 18:00 EST
    assert checkins.next_check_in(Frequency.OFF, None, time(18, 0), NY, after) is None


def test_check_ins_follow_daylight_saving() -> None:
    # 02:30 does not exist on 8 Mar 2026 in New York: once, at 03:00 EDT.
    spring = checkins.next_check_in(
        Frequency.DAILY, None, time(2, 30), NY, datetime(2026, 3, 8, 5, 0, tzinfo=UTC)
    )
    assert spring == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)
    # 01:30 happens twice on 1 Nov 2026: the first one only, then the next day.
    fall = checkins.next_check_in(
        Frequency.DAILY, None, time(1, 30), NY, datetime(2026, 11, 1, 4, 0, tzinfo=UTC)
    )
    assert fall == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    after = checkins.next_check_in(Frequency.DAILY, None, time(1, 30), NY, fall)
    assert after == datetime(2026, 11, 2, 6, 30, tzinfo=UTC)


@given(
    zone=st.sampled_from([NY, "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata"]),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45]),
    start=st.datetimes(datetime(2026, 1, 1), datetime(2026, 12, 1)),
)
def test_daily_check_ins_come_once_per_local_day(
    zone: str, hour: int, minute: int, start: datetime
) -> None:
    at = time(hour, minute)
    now = start.replace(tzinfo=UTC)
    seen: list[date] = []
    for _ in range(40):
        due = checkins.next_check_in(Frequency.DAILY, None, at, zone, now)
        assert due is not None and due > now
        seen.append(due.astimezone(ZoneInfo(zone)).date())
        now = due
    assert len(seen) == len(set(seen))
    assert all((b - a).days == 1 for a, b in pairwise(seen))


def test_first_check_in_after_set_up_is_not_straight_away() -> None:
    now = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)  # 17:00 in New York
    due = checkins.next_check_in_after_setup(Frequency.DAILY, None, "18:00", NY, now)
    assert due == datetime(2026, 11, 26, 23, 0, tzinfo=UTC)  # tomorrow, not in an hour


def test_risk_rules_and_thresholds() -> None:
    limits = risk.Thresholds(craving=8)
    assert risk.from_check_in("Pat", Answers(craving=7), limits) == []
    [high] = risk.from_check_in("Pat", Answers(craving=8), limits)
    assert high.kind is risk.AlertKind.HIGH_CRAVING and "8/10" in high.summary
    [use] = risk.from_check_in("Pat", Answers(use=Use.OPIOIDS), limits)
    assert use.kind is risk.AlertKind.REPORTED_USE and "opioids" in use.summary
    assert risk.from_check_in("", Answers(use=Use.NO), limits) == []
    assert risk.from_check_in("", Answers(craving=2), risk.Thresholds(craving=2))[
        0
    ].summary.startswith("A patient")
    assert risk.unanswered_run([False, False, False, True], 3)
    assert not risk.unanswered_run([False, True, False], 3)
    assert not risk.unanswered_run([False, False], 3)
    # Each crisis kind is its own alert, named for what it is; an unknown variant keeps a label.
    assert risk.label("crisis:overdose_emergency") == "Crisis: overdose or emergency"
    assert risk.label("crisis:something_new") == "Crisis message"
    assert risk.label("crisis") == "Crisis message"


def record(day: int, status: str) -> DoseRecord:
    return DoseRecord(date(2026, 11, day), status)


def test_days_covered_leave_out_days_with_nothing_due_and_open_days() -> None:
    records = [
        record(20, "taken"),
        record(21, "missed"),
        record(22, "missed_not_reminded"),  # we were down: not their miss, not counted
        record(23, "skipped"),
        record(24, "taken"),
        record(24, "taken"),
        record(25, "pending"),
    ]
    week = adherence.pdc(records, date(2026, 11, 25), 7)
    assert (week.covered, week.due, week.percent) == (2, 4, 50)
    assert adherence.streaks(records, date(2026, 11, 25)) == adherence.Streaks(1, 1)
    assert adherence.consecutive_misses([record(1, "taken"), record(2, "missed")]) == 1


def test_an_injection_covers_its_interval() -> None:
    records = [DoseRecord(date(2026, 11, 1), "taken", covers_days=28)]
    month = adherence.pdc(records, date(2026, 11, 28), 28)
    assert (month.covered, month.due) == (28, 28)


def test_partly_taken_days_are_not_covered() -> None:
    records = [record(24, "taken"), record(24, "missed")]
    [cell] = adherence.calendar(records, date(2026, 11, 24), date(2026, 11, 24))
    assert cell.status.value == "partial"
    assert adherence.pdc(records, date(2026, 11, 24), 1).covered == 0


@given(st.lists(st.tuples(st.integers(1, 28), st.sampled_from(["taken", "missed", "skipped"]))))
def test_adherence_figures_are_consistent(days: list[tuple[int, str]]) -> None:
    records = sorted((record(d, s) for d, s in days), key=lambda r: r.day)
    today = date(2026, 11, 28)
    month = adherence.pdc(records, today, 28)
    assert 0 <= month.covered <= month.due <= 28
    streak = adherence.streaks(records, today)
    assert 0 <= streak.current <= streak.longest <= month.covered


def test_coping_prompts_are_sourced_and_vary() -> None:
    prompts = coping_prompts()
    assert len(prompts) >= 2 and all(p.source for p in prompts)
    assert pick(0) != pick(1) and len(set(p.id for p in pick(3))) == 2


def test_a_malformed_coping_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "coping.toml"
    bad.write_text('[sources.x]\nname = "X"\n[[prompt]]\nid = "Bad Id"\ntext = "<b>hi</b>"\n')
    with pytest.raises(ContentError, match="id must be unique"):
        load_coping(bad)


def test_missed_in_a_row_helper_ignores_open_doses() -> None:
    records = [record(1, "missed"), record(2, "missed"), record(3, "pending")]
    assert adherence.consecutive_misses(records) == 2


def test_a_spanish_check_in_asks_and_sums_up_in_spanish() -> None:
    first = checkins.question_reply(7, Answers(), lang="es")
    assert first.text.startswith("Preguntas rápidas") and "antojos" in first.text
    assert [b.label for r in first.buttons for b in r] == [str(n) for n in range(11)]
    second = checkins.question_reply(7, Answers(craving=4), checkins.STARTED_BY_PATIENT, lang="es")
    assert second.text.startswith("Veamos cómo está") and "Antojo: 4/10" in second.text
    assert "¿Cómo está su ánimo hoy?" in second.text
    assert [b.label for r in second.buttons for b in r][1] == "🙁 Bajo"
    third = checkins.question_reply(7, Answers(craving=4, mood=2), lang="es")
    assert "Ánimo: bajo" in third.text and "¿ha consumido alcohol o drogas?" in third.text
    assert [b.label for r in third.buttons for b in r] == ["No", "Alcohol", "Opioides", "Otra cosa"]
    # The buttons carry the same answers whatever the language.
    assert [b.data for r in third.buttons for b in r] == [
        b.data for r in checkins.question_reply(7, Answers(craving=4, mood=2)).buttons for b in r
    ]
    done = Answers(craving=4, mood=2, use=Use.OPIOIDS)
    assert (
        checkins.done_text(done, "es")
        == "Listo, gracias ✓\nAntojo: 4/10 · Ánimo: bajo · Consumo: opioides"
    )
    assert checkins.done_text(done) == "Check-in done ✓\nCraving 4/10 · Mood: low · Use: opioids"
    assert checkins.note_buttons(3, lang="es")[0][0].label == "No, gracias"
    assert checkins.describe(Frequency.WEEKLY, 7, "20:30", "es") == (
        "Preguntas de seguimiento: cada domingo a las 20:30"
    )
    assert checkins.describe(Frequency.WEEKLY, 7, "20:30") == "Check-ins: weekly on Sun at 20:30"


def test_every_coping_prompt_has_its_spanish_awaiting_review() -> None:
    for prompt in coping_prompts():
        assert prompt.text_es and prompt.text_es != prompt.text
        assert prompt.text_in("es") == prompt.text_es and prompt.text_in("en") == prompt.text
        assert prompt.source_in("es") and prompt.needs_review_es
        assert prompt.source_in("fr") == prompt.source
    helpline = [p for p in coping_prompts() if "1-800-662-4357" in p.text]
    assert helpline and all("1-800-662-4357" in p.text_es for p in helpline)


def test_a_coping_prompt_without_spanish_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "coping.toml"
    path.write_text(
        '[sources.x]\nname = "X"\n'
        '[[prompt]]\nid = "a"\ntext = "One."\ntext_es = "Uno."\n'
        '[[prompt]]\nid = "b"\ntext = "Two."\n',
        encoding="utf-8",
    )
    with pytest.raises(ContentError, match="text_es must be plain"):
        load_coping(path)
