"""The dashboard under load, in short: wrk on loopback against the real `recovery-bot
dashboard` with a signed-in session, every response 200 and every page view audited. The full
figures (10,000 patients, longer runs) are bench/bench_dashboard_load.py's, recorded in
bench/results/dashboard.md."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.long, pytest.mark.postgres]

REPO = Path(__file__).resolve().parents[2]


def test_the_dashboard_answers_every_request_under_load() -> None:
    if shutil.which("wrk") is None and shutil.which("apt-get") is None:
        pytest.fail("needs wrk (apt-get install -y wrk)")
    script = str(REPO / "bench" / "bench_dashboard_load.py")
    options = [
        "--patients",
        "2000",
        "--duration",
        "5",
        "--connections",
        "8",
        "--no-append",
        "--install-wrk",
    ]
    done = subprocess.run(
        [sys.executable, script, *options],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "every response was 200" in done.stdout
