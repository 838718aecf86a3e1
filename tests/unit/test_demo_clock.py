"""The demo's fast clock and what the banner says about it (issue 17, item 1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.chat_cli import DemoWord, TerminalChat
from bot.clock import ScaledClock
from bot.demo_run import clock_note, command_prefix, log_path, real_duration
from bot.domain.replies import Button, Reply
from bot.services.inbox import Sender
from tests.conftest import make_settings

START = datetime(2026, 12, 6, 22, 0, tzinfo=UTC)


class Ticks:
    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


def test_scaled_clock_runs_speed_times_as_fast_from_its_start() -> None:
    ticks = Ticks()
    clock = ScaledClock(30, START, monotonic=ticks)
    assert clock.now() == START
    ticks.value += 2  # two wall seconds
    assert clock.now() == START + timedelta(minutes=1)
    ticks.value += 60
    assert clock.now() == START + timedelta(minutes=31)


@pytest.mark.parametrize("speed", [0, -1])
def test_scaled_clock_refuses_a_speed_that_does_not_move_forward(speed: float) -> None:
    with pytest.raises(ValueError):
        ScaledClock(speed, START)


def test_scaled_clock_needs_an_aware_start() -> None:
    with pytest.raises(ValueError):
        ScaledClock(30, datetime(2026, 12, 6, 22, 0))


@pytest.mark.parametrize(
    ("minutes", "speed", "said"),
    [
        (30, 30, "60 seconds"),
        (240, 30, "8 minutes"),
        (15, 30, "30 seconds"),
        (30, 1, "30 minutes"),
        (240, 1, "4.0 hours"),
        (1, 3600, "1 second"),
    ],
)
def test_real_duration_in_words(minutes: float, speed: float, said: str) -> None:
    assert real_duration(minutes, speed) == said


def test_the_banner_states_the_clock_from_the_settings() -> None:
    settings = make_settings("sqlite:///x.db", nudge_after_minutes=20, dose_window_minutes=120)
    note = clock_note(settings, 60)
    assert "60x" in note and "20 seconds (20 min in a clinic)" in note and "2 minutes" in note
    assert "real time" in clock_note(settings, 1)


def test_hints_name_the_command_that_works_where_the_demo_runs(tmp_path: Path) -> None:
    assert command_prefix(tmp_path) == "recovery-bot"
    (tmp_path / "tasks.py").write_text("")
    assert command_prefix(tmp_path) == "python3 tasks.py run"


def test_the_log_file_sits_beside_the_demo_database(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'd' / 'demo.db'}"
    assert log_path(make_settings(url)) == tmp_path / "d" / "demo.log"
    assert log_path(make_settings("postgresql://u@h/db")) == Path("data") / "demo.log"


async def test_demo_words_act_and_nothing_shows_after_quit() -> None:
    written: list[str] = []

    async def now() -> str:
        return "on its way"

    chat = TerminalChat(
        None,  # type: ignore[arg-type]  # neither a demo word nor `quit` reaches the inbox
        Sender(1, "Demo patient"),
        written.append,
        words={"now": DemoWord("for a reminder", now)},
        goodbye="Stopped.",
    )
    assert await chat.handle("NOW")
    assert written[-1].strip() == "(on its way)"
    reminder = Reply("time for your routine", ((Button("Taken", "d:1:2:t"),),))
    chat.arrived(reminder)
    assert chat.buttons == [Button("Taken", "d:1:2:t")]  # typing 1 taps it
    assert not await chat.handle("quit")
    chat.close()
    count = len(written)
    chat.arrived(reminder)
    chat.close()
    assert written[count - 1].strip() == "Stopped." and len(written) == count
