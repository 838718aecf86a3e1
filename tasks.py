#!/usr/bin/env python3
"""Set-up and entry points that need nothing but Python 3.11+.

    python3 tasks.py run     create .venv, install, migrate, start (offline demo without a token)
    python3 tasks.py test    create .venv, install with dev tools, lint, type-check, run all tests
                             (with CI=true or RUN_LONG_TESTS=1 also the long reliability runs)

Extra arguments after `run` go to `recovery-bot` (e.g. `python3 tasks.py run clinic add "X"`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("RECOVERY_BOT_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(*command: str | Path, check: bool = True, env: dict[str, str] | None = None) -> int:
    result = subprocess.run([str(part) for part in command], cwd=ROOT, check=False, env=env)
    if check and result.returncode != 0:
        sys.exit(result.returncode)
    return int(result.returncode)


def ensure_venv(extras: str) -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"Python 3.11 or newer is needed (this is {sys.version.split()[0]}).")
    if not PYTHON.exists():
        say(f"creating a virtual environment in {VENV}")
        venv.EnvBuilder(with_pip=True, clear=VENV.exists()).create(VENV)
    stamp_key = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode())
    stamp = VENV / f".installed-{stamp_key.hexdigest()[:16]}"
    if stamp.exists():
        return
    say("installing the project and its dependencies (first run takes a minute)")
    run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    target = f".[{extras}]" if extras else "."
    run(PYTHON, "-m", "pip", "install", "--quiet", "--editable", target)
    for old in VENV.glob(".installed-*"):
        old.unlink()
    stamp.touch()


def postgres_ready() -> bool:
    if shutil.which("pg_isready") is None:
        return False
    return run("pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432", check=False) == 0


def ensure_postgres_for_ci() -> None:
    """CI must run the Postgres tests; start the machine's server if it is down."""
    if postgres_ready():
        return
    versions = Path("/etc/postgresql")
    if versions.is_dir() and shutil.which("pg_ctlcluster"):
        for version in sorted(versions.iterdir()):
            say(f"starting PostgreSQL {version.name}")
            run(
                "pg_ctlcluster",
                "--skip-systemctl-redirect",
                version.name,
                "main",
                "start",
                check=False,
            )
    if not postgres_ready():
        say("PostgreSQL is not reachable on 127.0.0.1:5432; the Postgres tests will fail in CI")


CHROMIUM = Path("/usr/bin/chromium")


def ensure_chromium_for_ci() -> None:
    """The browser tests drive Debian's chromium (never a downloaded browser)."""
    if CHROMIUM.exists() or shutil.which("apt-get") is None:
        return
    say("installing Debian's chromium for the browser tests")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    run(*sudo, "apt-get", "update", "-qq", check=False)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium", env=env)


def cmd_run(args: list[str]) -> None:
    ensure_venv("")
    (ROOT / "data").mkdir(exist_ok=True)
    os.chdir(ROOT)
    command = [str(BIN / "recovery-bot"), *(args or ["run"])]
    os.execv(command[0], command)


def cmd_test(args: list[str]) -> None:
    ensure_venv("dev")
    in_ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    if in_ci:
        ensure_postgres_for_ci()
        ensure_chromium_for_ci()
    say("ruff")
    run(BIN / "ruff", "check", ".")
    say("mypy")
    run(BIN / "mypy")
    say("pytest (SQLite and PostgreSQL)")
    env = dict(os.environ)
    if in_ci:
        env["REQUIRE_POSTGRES"] = "1"
    # Two workers: most end-to-end tests wait on the bot's ticks, so they overlap well.
    workers = os.environ.get("TEST_WORKERS", "2")
    parallel = ["-n", workers] if workers not in ("", "0", "1") else []
    code = run(PYTHON, "-m", "pytest", *parallel, *args, check=False, env=env)
    if os.environ.get("RUN_LONG_TESTS", "1" if in_ci else "0") == "1" and not args:
        # The long reliability runs (crashes, a real Postgres restart) on their own, one at a
        # time: they restart the server the other tests use.
        say("pytest: long reliability runs (serial)")
        code = run(PYTHON, "-m", "pytest", "-m", "long", check=False, env=env) or code
    sys.exit(code)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in ("run", "test"):
        sys.exit(__doc__)
    {"run": cmd_run, "test": cmd_test}[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
