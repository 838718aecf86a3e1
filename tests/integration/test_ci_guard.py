"""CI must fail when the Postgres tests were skipped, not pass quietly on SQLite alone."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = "tests/integration/test_onboarding_service.py::test_declining_consent_stores_nothing"


def run_pytest(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **env}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args, TARGET],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_required_postgres_that_is_unreachable_fails_the_run() -> None:
    result = run_pytest(
        REQUIRE_POSTGRES="1", TEST_POSTGRES_DSN="postgresql://postgres@127.0.0.1:1/test"
    )
    assert result.returncode == 1, result.stdout
    assert "1 passed, 1 skipped" in result.stdout
    assert "CI must run them" in result.stdout


def test_without_the_requirement_a_skip_is_only_a_skip() -> None:
    result = run_pytest(
        REQUIRE_POSTGRES="0", TEST_POSTGRES_DSN="postgresql://postgres@127.0.0.1:1/test"
    )
    assert result.returncode == 0, result.stdout


def test_the_guard_holds_with_parallel_workers() -> None:
    """The README's test command runs pytest-xdist workers: the controller still decides."""
    result = run_pytest(
        "-n", "2", REQUIRE_POSTGRES="1", TEST_POSTGRES_DSN="postgresql://postgres@127.0.0.1:1/test"
    )
    assert result.returncode == 1, result.stdout
    assert "CI must run them" in result.stdout
    passing = run_pytest("-n", "2", REQUIRE_POSTGRES="1")
    assert passing.returncode == 0, passing.stdout
