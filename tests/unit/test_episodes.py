"""The pure decisions behind a wave of closed prompts (bot.domain.episodes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.domain import episodes
from bot.domain.episodes import Entry, Opened, Repeated

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def test_a_run_counts_misses_back_to_the_last_taken_dose() -> None:
    history = [Entry(day(0), True), Entry(day(1), False), Entry(day(2), False)]
    assert episodes.missed_runs(history, [day(2)], 5) == [2]


def test_a_run_stops_at_the_limit() -> None:
    history = [Entry(day(n), False) for n in range(6)]
    assert episodes.missed_runs(history, [day(5)], 3) == [3]


def test_several_misses_of_one_patient_in_one_batch_count_as_they_would_one_by_one() -> None:
    # Days 1-3 close together: day 1 is the first miss of the episode (its run is 1, so the
    # patient gets the overdose-risk note), day 2 is the second, day 3 the third.
    history = [Entry(day(0), True)] + [Entry(day(n), False) for n in (1, 2, 3)]
    assert episodes.missed_runs(history, [day(1), day(2), day(3)], 5) == [1, 2, 3]


def test_two_doses_due_at_the_same_instant_are_first_and_second_miss() -> None:
    history = [Entry(day(0), True), Entry(day(1), False), Entry(day(1), False)]
    assert episodes.missed_runs(history, [day(1), day(1)], 5) == [1, 2]


def test_at_the_same_instant_a_miss_counts_before_a_taken_dose() -> None:
    history = [Entry(day(1), True), Entry(day(1), False)]
    assert episodes.newest_first(history)[0] == Entry(day(1), False)
    assert episodes.missed_runs(history, [day(1)], 5) == [1]


def test_a_later_taken_dose_does_not_break_an_earlier_run() -> None:
    # After downtime: day 1 closes now, day 2 was already taken. Day 1's run looks back.
    history = [Entry(day(0), False), Entry(day(1), False), Entry(day(2), True)]
    assert episodes.missed_runs(history, [day(1)], 5) == [2]


def test_unanswered_sees_the_latest_prompts_whatever_their_time() -> None:
    history = [Entry(day(0), False), Entry(day(1), False), Entry(day(2), True)]
    assert episodes.unanswered_runs(history, [day(1)], 2) == [False]


def test_unanswered_leaves_out_later_events_of_the_batch() -> None:
    history = [Entry(day(n), False) for n in range(4)]
    # As of day 2's event, day 3 had not closed: the latest three are days 0-2.
    assert episodes.unanswered_runs(history, [day(2), day(3)], 3) == [True, True]
    assert episodes.unanswered_runs(history[1:], [day(2), day(3)], 3) == [False, True]


def test_unanswered_needs_enough_prompts() -> None:
    assert episodes.unanswered_runs([Entry(day(0), False)], [day(0)], 2) == [False]


def test_a_new_kind_opens_and_names_what_else_is_open() -> None:
    decisions = episodes.plan_episodes([(7, 1, "sos", 1)], [(1, "missed_doses")])
    assert decisions == [Opened(1, "missed_doses", ("sos",))]


def test_a_kind_still_unresolved_repeats_its_newest_alert() -> None:
    decisions = episodes.plan_episodes(
        [(7, 1, "missed_doses", 1), (9, 1, "missed_doses", 4)], [(1, "missed_doses")]
    )
    assert decisions == [Repeated(9, False, 5)]


def test_a_repeat_in_the_same_batch_counts_on_the_alert_it_opened() -> None:
    decisions = episodes.plan_episodes(
        [], [(1, "missed_doses"), (2, "missed_doses"), (1, "unresponsive"), (1, "missed_doses")]
    )
    assert decisions == [
        Opened(1, "missed_doses", ()),
        Opened(2, "missed_doses", ()),
        Opened(1, "unresponsive", ("missed_doses",)),
        Repeated(0, True, 2),
    ]


def test_the_summary_names_each_other_kind_once_and_fits_the_column() -> None:
    text = episodes.summary_with_others("Pat missed.", ["sos", "sos", "unresponsive"])
    assert text.count("Also open for them") == 1
    assert len(episodes.summary_with_others("x" * 400, [])) == 300


def _one_by_one(history: list[Entry], events: list[datetime], limit: int) -> list[int]:
    """The row-by-row meaning: close each event's entry in turn and look back from it."""
    own = [Entry(at, False) for at in events]
    rest = list(history)
    for entry in own:
        rest.remove(entry)
    runs = []
    closed = list(rest)
    for at in events:
        closed.append(Entry(at, False))
        view = [e for e in episodes.newest_first(closed) if e.at <= at]
        runs.append(episodes.leading_unanswered(view, limit))
    return runs


@given(
    st.lists(st.tuples(st.integers(0, 6), st.booleans()), max_size=10),
    st.lists(st.integers(0, 6), max_size=4),
    st.integers(1, 5),
)
def test_missed_runs_match_closing_one_at_a_time(
    past: list[tuple[int, bool]], batch: list[int], limit: int
) -> None:
    events = [day(n) for n in sorted(batch)]
    history = [Entry(day(n), ok) for n, ok in past] + [Entry(at, False) for at in events]
    assert episodes.missed_runs(history, events, limit) == _one_by_one(history, events, limit)
