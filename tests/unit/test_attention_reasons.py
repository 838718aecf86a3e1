"""Why a patient needs a call today, in the words the dashboard's patients list shows."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.domain.adherence import Coverage
from bot.services.clinic_summary import PatientRow

STEADY = PatientRow(
    id=1,
    code="ABC123",
    name="Pat",
    status="active",
    plan_kind="daily",
    timezone="UTC",
    coverage={7: Coverage(7, 7), 30: Coverage(30, 30), 90: Coverage(90, 90)},
    current_streak=7,
    consecutive_misses=0,
    on_time_rate=1.0,
    last_dose_at=None,
    last_check_in_at=None,
    check_in_rate=None,
    latest_craving=3,
    previous_craving=None,
    open_alerts=0,
    urgent_alerts=0,
    next_injection=None,
    injection_overdue=False,
    enrolled_at=datetime(2026, 1, 1, tzinfo=UTC),
)


def reasons(row: PatientRow) -> list[str]:
    return row.attention_reasons(craving_threshold=8, missed_in_a_row=2)


def test_a_steady_patient_needs_no_call() -> None:
    assert reasons(STEADY) == [] and not STEADY.needs_attention(8, 2)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"urgent_alerts": 1, "open_alerts": 1}, ["1 urgent alert"]),
        ({"urgent_alerts": 1, "open_alerts": 3}, ["1 urgent alert", "2 open alerts"]),
        ({"open_alerts": 1}, ["1 open alert"]),
        ({"status": "unreachable"}, ["blocked the bot"]),
        ({"consecutive_misses": 2}, ["2 missed in a row"]),
        ({"consecutive_misses": 1}, []),  # under the clinic's threshold
        ({"latest_craving": 9}, ["craving 9"]),
        ({"latest_craving": 7}, []),
        ({"injection_overdue": True}, ["injection overdue"]),
        ({"coverage": {7: Coverage(3, 7), 30: Coverage(20, 30)}}, ["43% of days this week"]),
        ({"coverage": {7: Coverage(0, 0), 30: Coverage(0, 0)}}, []),  # nothing due yet
    ],
)
def test_each_reason_in_a_few_words(changes: dict[str, object], expected: list[str]) -> None:
    row = replace(STEADY, **changes)  # type: ignore[arg-type]
    assert reasons(row) == expected
    assert row.needs_attention(8, 2) == bool(expected)


def test_most_urgent_first() -> None:
    row = replace(
        STEADY,
        urgent_alerts=1,
        open_alerts=2,
        consecutive_misses=3,
        latest_craving=10,
        coverage={7: Coverage(4, 7), 30: Coverage(20, 30)},
    )
    assert reasons(row) == [
        "1 urgent alert",
        "1 open alert",
        "3 missed in a row",
        "craving 10",
        "57% of days this week",
    ]
