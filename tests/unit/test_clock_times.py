"""What a patient types for times, dates and weekly plans."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.domain.clock_times import (
    ParseError,
    parse_date,
    parse_time_of_day,
    parse_times_of_day,
    parse_weekly_regimen,
)
from bot.domain.schedules import WeeklyRegimen

# Words that would worry someone who is tired or early in recovery.
ALARMING = ("error", "invalid", "fail", "wrong", "danger", "overdose", "warning", "!")


def assert_kind_hint(exc: ParseError, example: str) -> None:
    message = str(exc)
    assert example in message
    assert "\n" not in message
    assert message == exc.message
    lowered = message.lower()
    for word in ALARMING:
        assert word not in lowered, (word, message)


# --------------------------------------------------------------------------
# parse_time_of_day


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:00", time(8, 0)),
        ("8:00", time(8, 0)),
        ("8", time(8, 0)),
        ("8am", time(8, 0)),
        ("8 am", time(8, 0)),
        ("8 AM", time(8, 0)),
        ("8 a.m.", time(8, 0)),
        ("8:30pm", time(20, 30)),
        ("8:30 pm", time(20, 30)),
        ("8.30 pm", time(20, 30)),
        ("8.30 P.M.", time(20, 30)),
        ("20:30", time(20, 30)),
        ("20h30", time(20, 30)),
        ("20h", time(20, 0)),
        ("0830", time(8, 30)),
        ("2030", time(20, 30)),
        ("2030 hrs", time(20, 30)),
        ("noon", time(12, 0)),
        ("Midnight", time(0, 0)),
        ("12am", time(0, 0)),
        ("12 pm", time(12, 0)),
        ("12:30 am", time(0, 30)),
        ("00:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("  9:15 PM  ", time(21, 15)),
        ("8 o'clock", time(8, 0)),
    ],
)
def test_accepts_common_ways_of_writing_a_time(text: str, expected: time) -> None:
    assert parse_time_of_day(text) == expected


@pytest.mark.parametrize(
    "text",
    ["25:99", "12:60", "tomorrow morning", "", "   ", "soon", "8 30", "8:5", "0 pm", "99"],
)
def test_refuses_what_it_cannot_read_with_an_example(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_time_of_day(text)
    assert_kind_hint(caught.value, "08:00 or 8:30 pm")


def test_error_quotes_what_was_typed() -> None:
    with pytest.raises(ParseError, match="“25:99”"):
        parse_time_of_day("25:99")


def test_24_00_asks_for_00_00() -> None:
    with pytest.raises(ParseError) as caught:
        parse_time_of_day("24:00")
    assert "00:00" in str(caught.value)
    assert_kind_hint(caught.value, "08:00 or 8:30 pm")


def test_13pm_shows_both_correct_spellings() -> None:
    with pytest.raises(ParseError) as caught:
        parse_time_of_day("13pm")
    assert_kind_hint(caught.value, "13:00 or 1 pm")


def test_long_input_is_echoed_on_one_short_line() -> None:
    with pytest.raises(ParseError) as caught:
        parse_time_of_day("whenever I wake up\nwhich is usually around lunch time honestly")
    message = str(caught.value)
    assert "\n" not in message
    assert "…" in message
    assert len(message) < 140


# --------------------------------------------------------------------------
# parse_times_of_day


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8am and 8pm", [time(8), time(20)]),
        ("08:00, 20:00", [time(8), time(20)]),
        ("20:00, 08:00", [time(8), time(20)]),
        ("8 am 8 pm", [time(8), time(20)]),
        ("8:00 20:00", [time(8), time(20)]),
        ("8am & 2pm & 8pm", [time(8), time(14), time(20)]),
        ("8am, 08:00", [time(8)]),
        ("12 noon and midnight", [time(0), time(12)]),
        ("at 9pm", [time(21)]),
        ("7am, 11am, 3pm and 7pm", [time(7), time(11), time(15), time(19)]),
    ],
)
def test_parses_lists_sorted_and_deduplicated(text: str, expected: list[time]) -> None:
    assert parse_times_of_day(text) == expected


def test_more_than_four_times_says_so() -> None:
    with pytest.raises(ParseError) as caught:
        parse_times_of_day("6am, 9am, noon, 3pm, 6pm")
    message = str(caught.value)
    assert "4 times a day" in message
    assert_kind_hint(caught.value, "08:00 and 20:00")


def test_one_bad_piece_in_a_list_is_named() -> None:
    with pytest.raises(ParseError) as caught:
        parse_times_of_day("8am and later")
    assert "“later”" in str(caught.value)
    assert_kind_hint(caught.value, "08:00 or 8:30 pm")


def test_empty_list_is_refused() -> None:
    with pytest.raises(ParseError) as caught:
        parse_times_of_day("  ")
    assert_kind_hint(caught.value, "08:00 and 20:00")


# --------------------------------------------------------------------------
# parse_date

TODAY = date(2026, 11, 25)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-03", date(2026, 12, 3)),
        ("3 Dec", date(2026, 12, 3)),
        ("Dec 3", date(2026, 12, 3)),
        ("December 3rd", date(2026, 12, 3)),
        ("3rd of December", date(2026, 12, 3)),
        ("Dec 3, 2026", date(2026, 12, 3)),
        ("Thu 3 Dec", date(2026, 12, 3)),
        ("12/03", date(2026, 12, 3)),  # US month/day
        ("12/03/2026", date(2026, 12, 3)),
        ("12/3/26", date(2026, 12, 3)),
        ("25/12", date(2026, 12, 25)),  # only one possible reading
        ("today", TODAY),
        ("Tomorrow", date(2026, 11, 26)),
        ("friday", date(2026, 11, 27)),
        ("on Friday", date(2026, 11, 27)),
        ("this fri", date(2026, 11, 27)),
        ("wednesday", TODAY),  # today counts
        ("tuesday", date(2026, 12, 1)),
        ("Nov 25", TODAY),  # on or after today
        ("Nov 24", date(2027, 11, 24)),  # already past this year
        ("1 Jan", date(2027, 1, 1)),
        ("29 Feb", date(2028, 2, 29)),
    ],
)
def test_parses_dates(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize("text", ["soon", "", "the 3rd", "13/13", "3 Decembr", "2026-13-01"])
def test_refuses_unreadable_dates_with_an_example(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_date(text, TODAY)
    assert_kind_hint(caught.value, "3 Dec or 2026-12-03")


@pytest.mark.parametrize("text", ["31 Nov", "2026-02-30", "30 Feb"])
def test_refuses_days_that_do_not_exist(text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_date(text, TODAY)
    assert "There's no" in str(caught.value)
    assert_kind_hint(caught.value, "3 Dec or 2026-12-03")


def test_next_weekday_is_ambiguous_so_asks_for_a_date() -> None:
    with pytest.raises(ParseError) as caught:
        parse_date("next friday", TODAY)
    assert "two different days" in str(caught.value)
    assert_kind_hint(caught.value, "3 Dec")


def test_weekday_that_disagrees_with_the_date_is_queried() -> None:
    with pytest.raises(ParseError) as caught:
        parse_date("Wed 3 Dec", TODAY)
    assert "Thursday" in str(caught.value)
    assert_kind_hint(caught.value, "3 Dec")


# --------------------------------------------------------------------------
# parse_weekly_regimen

MWF = WeeklyRegimen.from_mapping({1: 100, 3: 100, 5: 150})
EVERY_DAY_50 = WeeklyRegimen.every_day(50)
WEEKDAYS_50 = WeeklyRegimen.from_mapping(dict.fromkeys(range(1, 6), 50))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100/100/150 mg Mon/Wed/Fri", MWF),
        ("Mon/Wed/Fri 100/100/150", MWF),
        ("mon wed fri 100 100 150mg", MWF),
        ("Mon 100, Wed 100, Fri 150", MWF),
        ("100 Mon, 100 Wed, 150 Fri", MWF),
        ("MONDAY/WEDNESDAY/FRIDAY 100/100/150 mg", MWF),
        ("100 mg Mon and Wed, 150 mg Fri", MWF),
        ("50 mg daily", EVERY_DAY_50),
        ("50mg every day", EVERY_DAY_50),
        ("50 milligrams a day", EVERY_DAY_50),
        ("Mon-Fri 50mg", WEEKDAYS_50),
        ("Mon to Fri 50 mg", WEEKDAYS_50),
        ("weekdays 50mg", WEEKDAYS_50),
        ("Sat-Sun 100", WeeklyRegimen.from_mapping({6: 100, 7: 100})),
        ("Fri-Mon 50", WeeklyRegimen.from_mapping({5: 50, 6: 50, 7: 50, 1: 50})),
        ("Tues, Thurs 100 mg", WeeklyRegimen.from_mapping({2: 100, 4: 100})),
    ],
)
def test_parses_weekly_plans(text: str, expected: WeeklyRegimen) -> None:
    assert parse_weekly_regimen(text) == expected


def test_doses_follow_the_order_days_were_typed() -> None:
    assert parse_weekly_regimen("Fri/Mon 150/100") == WeeklyRegimen.from_mapping({5: 150, 1: 100})


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("Mun/Wed/Fri 100/100/150", "“Mun”"),
        ("Mon/Wed 100/100/150", "2 days but 3 doses"),
        ("Mon/Wed/Fri 100/150", "3 days but 2 doses"),
        ("Mon 100, 150 Fri", "match each day"),
        ("Mon Mon 100", "Monday is listed twice"),
        ("50 mg", "days"),
        ("Mon Wed Fri", "dose"),
        ("50.5 mg daily", "whole milligrams"),
        ("0 mg daily", "more than 0 mg"),
        ("", "didn't catch"),
    ],
)
def test_refuses_plans_it_cannot_match_with_the_example(text: str, detail: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_weekly_regimen(text)
    assert detail in str(caught.value)
    assert_kind_hint(caught.value, "100/100/150 mg Mon/Wed/Fri")


def test_large_doses_point_to_the_care_team() -> None:
    assert parse_weekly_regimen("400 mg Sat") == WeeklyRegimen.from_mapping({6: 400})
    with pytest.raises(ParseError) as caught:
        parse_weekly_regimen("500 mg Sat")
    assert "please check with your care team" in str(caught.value)
    assert_kind_hint(caught.value, "100/100/150 mg Mon/Wed/Fri")
