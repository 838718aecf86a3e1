"""Staff dashboard under load: wrk on loopback against the real `recovery-bot dashboard` process.

    .venv/bin/python bench/bench_dashboard_load.py                   # 10,000 patients, ~4 min
    .venv/bin/python bench/bench_dashboard_load.py --duration 10 --connections 8 --no-append

It needs wrk (Debian's package: `apt-get install -y wrk`, or `--install-wrk` to have the script run
that) and the Postgres server on 127.0.0.1:5432 (user `postgres`, trust auth; `--admin-dsn` or
`BENCH_ADMIN_DSN` to change it).

1. A scratch database `bench_dashload_<pid>` gets the clinic of bench/bench_dashboard.py
   (`bench_dashboard.load`: --patients patients in one clinic, each with a daily plan, 90 days of
   doses and a weekly check-in; staff member 42, a clinic admin). The stats job
   (`jobs.stats.refresh_stale_stats`) then computes everyone's figures once, as it would have in
   production before staff look.
2. The real `recovery-bot dashboard --host 127.0.0.1 --port <free port>` starts as a subprocess
   with DATABASE_URL pointing at the scratch database and LOG_LEVEL=WARNING: one process, one
   uvicorn worker, the app's own engine and connection pool.
3. A staff session, as a browser would get it: `recovery-bot staff login-link --telegram-id 42`
   prints a one-time link, httpx opens it (with a browser's user agent: link-preview agents are
   refused) and keeps the `rb_session` cookie from the redirect. The session is touched by every
   request, so it cannot idle out (30 minutes) during the run.
4. For each endpoint, a 3 s warm-up, then wrk for --duration seconds at each --connections level
   (`wrk -t2 -cN --timeout 30s --latency -H "Cookie: rb_session=..."`): the patients page (first
   50, by name), the same sorted by 7-day days covered, a patient page and the JSON API for a
   patient, ids rotating across the whole clinic (a Lua `request` hook).
5. Checks: a Lua `response` hook counts every status code, and every one must be 200 (a lost
   session would show as 303 redirects, which wrk does not count as errors); no socket errors;
   the audit log grew by one row per request (every page view is audited; requests still in flight
   when wrk stops are completed and audited by the server, so up to one per connection more); and
   after the runs a plain httpx GET of each endpoint is still 200.

Also measured per run: CPU of the dashboard process, of this database's Postgres backends and
of wrk (from /proc and getrusage), the whole machine's busy time (/proc/stat, so that other
processes on it show up), Postgres connections to the scratch database (sampled twice a
second, with how many were waiting on a lock), audit rows written per second, and the
dashboard's RSS and peak RSS (VmHWM).

The result, a Markdown section, goes to stdout and is appended (unless --no-append) to
bench/results/dashboard.md under "Under load (wrk on loopback)". The dashboard is stopped and
the database dropped at the end, also after an error (`--keep-db` keeps the database).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import bench_dashboard as dash_bench  # noqa: E402
import bench_scheduling as sched  # noqa: E402

RESULTS = REPO / "bench" / "results" / "dashboard.md"
HEADING = "## Under load (wrk on loopback)"
STAFF_TELEGRAM_ID = 42  # the staff member bench_dashboard.load creates
SECRET_KEY = "bench-secret-bench-secret-bench-secret-0123"
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
WARMUP_SECONDS = 3
CLK_TCK = os.sysconf("SC_CLK_TCK")

ENDPOINTS = [
    ("patients page, first 50 by name", "/patients"),
    ("patients page, by 7-day days covered", "/patients?sort=pdc7&dir=asc"),
    ("patient page, ids across the clinic", "/patients/{id}"),
    ("API patient, ids across the clinic", "/api/patients/{id}"),
]

# One Lua state per wrk thread: each counts its status codes; done() (in the main state) adds
# them up and prints one JSON line with the totals and the latency percentiles (microseconds).
LUA_COMMON = r"""
local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  path = args[1]
  lo = tonumber(args[2]) or 1
  span = (tonumber(args[3]) or 1) - lo + 1
  k = (tid * 4973) % span
  ok = 0
  other = 0
  seen = {}
end

function response(status, headers, body)
  if status == 200 then
    ok = ok + 1
  else
    other = other + 1
    seen[status] = (seen[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local ok_total, other_total, codes = 0, 0, {}
  for _, t in ipairs(threads) do
    ok_total = ok_total + t:get("ok")
    other_total = other_total + t:get("other")
    for code, n in pairs(t:get("seen")) do
      codes[#codes + 1] = string.format('"%d": %d', code, n)
    end
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, "ok": %d, "other": %d, ' ..
    '"codes": {%s}, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, ' ..
    '"timeout": %d}, "p50": %d, "p90": %d, "p99": %d, "p999": %d, "max": %d, "mean": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, ok_total, other_total,
    table.concat(codes, ", "), e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean))
end
"""

# Only for the per-patient endpoints: without a request() hook wrk builds its request once.
LUA_ROTATE = r"""
function request()
  k = (k + 7919) % span
  return wrk.format(nil, (string.gsub(path, "{id}", tostring(lo + k))))
end
"""


def log(message: str) -> None:
    sched.log(message)


# ---------------------------------------------------------------------------- /proc readings


@dataclass(frozen=True)
class ProcStat:
    comm: str
    ppid: int
    ticks: int  # utime + stime, all threads
    reaped: int  # cutime + cstime: children that exited and were waited for
    started: int  # start time after boot, in ticks: tells a reused pid apart


def scan_processes() -> dict[int, ProcStat]:
    """Every process's CPU ticks from /proc/<pid>/stat."""
    found: dict[int, ProcStat] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as fh:
                raw = fh.read()
        except OSError:
            continue
        comm = raw[raw.find("(") + 1 : raw.rfind(")")]
        f = raw.rpartition(")")[2].split()
        found[int(entry.name)] = ProcStat(
            comm, int(f[1]), int(f[11]) + int(f[12]), int(f[13]) + int(f[14]), int(f[19])
        )
    return found


def command_label(pid: int, comm: str) -> str:
    """A short name for a process: its program and first arguments."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            args = [a.decode(errors="replace") for a in fh.read().split(b"\0") if a]
    except OSError:
        args = []
    if not args:
        return f"[{comm}]"
    shown = [os.path.basename(args[0]), *args[1:4]]
    return " ".join(shown)[:60]


class CpuTracker:
    """CPU of every process on the machine between the first and the last sample. A process
    that exits between samples loses its last ticks (at most one sampling interval) to the
    tracker; for Postgres those are recovered, unattributed, from the postmaster's time of
    reaped children (less what was already seen of the processes that went)."""

    def __init__(self) -> None:
        self.first = scan_processes()
        self.last = dict(self.first)
        self.present = set(self.first)
        self.labels: dict[int, str] = {}
        self.postmaster = next(
            (
                pid
                for pid, p in self.first.items()
                if p.comm == "postgres"
                and self.first.get(p.ppid, ProcStat("", 0, 0, 0, 0)).comm != "postgres"
            ),
            None,
        )

    def sample(self) -> None:
        current = scan_processes()
        for pid, stat in current.items():
            if pid not in self.first and pid not in self.labels:
                self.labels[pid] = command_label(pid, stat.comm)
            self.last[pid] = stat
        self.present = set(current)

    def _ticks(self, pid: int) -> int:
        before = self.first.get(pid)
        after = self.last[pid]
        if before is None or before.started != after.started:
            return after.ticks  # started during the run: all of it is in the run
        return after.ticks - before.ticks

    def delta(self, pids: set[int]) -> float:
        return sum(self._ticks(p) for p in pids if p in self.last) / CLK_TCK

    def postgres_rest(self, ours: set[int]) -> tuple[float, float]:
        """(other Postgres processes seen running, Postgres time of processes that exited and
        was not seen: tails of closed sessions, ours included, and short-lived processes)."""
        postgres = {pid for pid, stat in self.last.items() if stat.comm == "postgres"}
        live = sum(self._ticks(pid) for pid in postgres - ours)
        unseen = 0
        pm = self.postmaster
        if pm is not None and pm in self.first and pm in self.last:
            reaped = self.last[pm].reaped - self.first[pm].reaped
            seen_of_gone = sum(self.last[pid].ticks for pid in postgres - self.present)
            unseen = max(0, reaped - seen_of_gone)
        return live / CLK_TCK, unseen / CLK_TCK

    def others(self, exclude: set[int]) -> list[tuple[str, float]]:
        """The busiest other processes, by command."""
        totals: dict[str, float] = {}
        for pid, stat in self.last.items():
            if pid in exclude or stat.comm == "postgres":
                continue
            ticks = self._ticks(pid)
            if ticks <= 0:
                continue
            if pid not in self.labels:
                self.labels[pid] = command_label(pid, stat.comm)
            label = self.labels[pid]
            totals[label] = totals.get(label, 0.0) + ticks / CLK_TCK
        return sorted(totals.items(), key=lambda kv: kv[1], reverse=True)


def proc_memory(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process in MB."""
    values: dict[str, float] = {}
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024.0
    return values


def machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all cores since boot, from /proc/stat."""
    with open("/proc/stat", encoding="ascii") as fh:
        values = [int(v) for v in fh.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user
    return total - idle, total


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ---------------------------------------------------------------------------- wrk


def ensure_wrk(install: bool) -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if not install:
        sys.exit(
            "bench_dashboard_load: wrk is not installed. Install Debian's package with\n"
            "  apt-get install -y wrk\n"
            "or run this script with --install-wrk (as root) to have it do that."
        )
    print("wrk not found: installing Debian's package (apt-get install -y wrk)", file=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=True)
    found = shutil.which("wrk")
    if not found:
        sys.exit("bench_dashboard_load: apt-get install -y wrk did not provide a wrk binary")
    return found


def wrk_version(wrk: str) -> str:
    out = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
    first = (out.stdout or out.stderr).splitlines()[0] if (out.stdout or out.stderr) else ""
    match = re.match(r"wrk (\S+)", first)
    return match.group(1) if match else first


def lua_script(rotate: bool) -> Path:
    fd, name = tempfile.mkstemp(prefix="bench_dashload_", suffix=".lua")
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(LUA_COMMON + (LUA_ROTATE if rotate else ""))
    return Path(name)


# ---------------------------------------------------------------------------- the run


@dataclass
class Run:
    label: str
    path: str
    connections: int
    threads: int
    wrk: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    app_cpu: float = 0.0
    pg_cpu: float = 0.0  # this database's sessions (the app's pool)
    pg_rest_cpu: float = 0.0  # other Postgres processes (other databases, background)
    pg_exited_cpu: float = 0.0  # Postgres processes that exited, the part not seen running
    sessions_opened: int = 0  # pg_stat_database.sessions of the scratch database
    wrk_cpu: float = 0.0
    bench_cpu: float = 0.0  # this script: sampling and audit counts
    others: list[tuple[str, float]] = field(default_factory=list)  # (command, core-seconds)
    waited: float = 0.0  # --wait-idle: seconds waited for a quiet machine before the run
    busy_before: float = 0.0  # cores busy in the second before the run (with --wait-idle)
    machine_busy: float = 0.0  # core-seconds
    audit_rows: int = 0
    db_connections: int = 0
    db_active: int = 0
    lock_waits: int = 0
    rss_mb: float = 0.0
    hwm_mb: float = 0.0

    @property
    def other_cpu(self) -> float:
        known = self.app_cpu + self.pg_cpu + self.pg_rest_cpu + self.pg_exited_cpu
        known += self.wrk_cpu + self.bench_cpu
        return max(0.0, self.machine_busy - known)

    @property
    def requests(self) -> int:
        return int(self.wrk["requests"])

    @property
    def rps(self) -> float:
        return self.requests / (float(self.wrk["duration_us"]) / 1e6)

    def ms(self, key: str) -> str:
        return f"{self.wrk[key] / 1000:.1f} ms"

    @property
    def socket_errors(self) -> int:
        e = self.wrk["errors"]
        return int(e["connect"] + e["read"] + e["write"] + e["timeout"])

    def audit_ok(self, rows_per_request: int) -> bool:
        expected = self.requests * rows_per_request
        return expected <= self.audit_rows <= expected + self.connections * rows_per_request

    def ok(self, rows_per_request: int) -> bool:
        return (
            self.wrk["other"] == 0
            and self.wrk["ok"] == self.requests
            and self.wrk["errors"]["status"] == 0
            and self.socket_errors == 0
            and self.audit_ok(rows_per_request)
        )


class Bench:
    def __init__(self, opts: argparse.Namespace, wrk: str) -> None:
        self.opts = opts
        self.wrk = wrk
        self.db = f"bench_dashload_{os.getpid()}"
        self.url = ""
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.server_log = Path(tempfile.mkstemp(prefix="bench_dashload_", suffix=".log")[1])
        self.cookie = ""
        self.admin: asyncpg.Connection | None = None  # on the admin database: sampling
        self.scratch: asyncpg.Connection | None = None  # on the scratch one: audit counts
        self.scratch_pid = 0
        self.scripts = {False: lua_script(False), True: lua_script(True)}

    # -- helpers ------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        for key in ("TELEGRAM_BOT_TOKEN", "WEBHOOK_URL", "LOG_FORMAT"):
            env.pop(key, None)
        env.update(
            DATABASE_URL=self.url,
            LOG_LEVEL="WARNING",
            SECRET_KEY=SECRET_KEY,
            PUBLIC_URL=self.base,
        )
        return env

    @staticmethod
    def command(*args: str) -> list[str]:
        script = Path(sys.executable).parent / "recovery-bot"
        if script.exists():
            return [str(script), *args]
        return [sys.executable, "-m", "bot", *args]

    async def audit_count(self) -> int:
        assert self.scratch is not None
        return int(await self.scratch.fetchval("SELECT count(*) FROM audit_log"))

    async def sessions_opened(self) -> int:
        """Connections ever made to the scratch database (pg_stat_database.sessions)."""
        assert self.admin is not None
        await self.admin.execute("SELECT pg_stat_clear_snapshot()")
        value = await self.admin.fetchval(
            "SELECT sessions FROM pg_stat_database WHERE datname = $1", self.db
        )
        return int(value or 0)

    async def backends(self) -> list[asyncpg.Record]:
        assert self.admin is not None
        rows: list[asyncpg.Record] = await self.admin.fetch(
            """SELECT pid, state, wait_event_type FROM pg_stat_activity
               WHERE datname = $1 AND pid <> $2""",
            self.db,
            self.scratch_pid,
        )
        return rows

    # -- set-up -------------------------------------------------------------------------

    async def prepare(self) -> dict[str, Any]:
        self.url = await sched.create_database(self.opts.admin_dsn, self.db)
        log(f"loading {self.opts.patients:,} patients into {self.db}")
        loaded = await dash_bench.load(
            sched._db_url(self.opts.admin_dsn, self.db), self.opts.patients
        )
        from bot.runtime import app_context
        from jobs.stats import refresh_stale_stats

        log("running the stats job once (jobs.stats.refresh_stale_stats)")
        async with app_context(sched._settings(self.url)) as ctx:
            started = time.perf_counter()
            refreshed = await refresh_stale_stats(ctx)
            job_seconds = time.perf_counter() - started
        self.admin = await asyncpg.connect(self.opts.admin_dsn)
        self.scratch = await asyncpg.connect(sched._db_url(self.opts.admin_dsn, self.db))
        self.scratch_pid = self.scratch.get_server_pid()
        return {"load_seconds": loaded, "stats_patients": refreshed, "stats_seconds": job_seconds}

    async def start_dashboard(self) -> None:
        import httpx

        cmd = self.command("dashboard", "--host", "127.0.0.1", "--port", str(self.port))
        log(f"starting {' '.join(cmd[-5:])}")
        self.proc = self.spawn(cmd)
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient(base_url=self.base, timeout=5) as client:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(
                        f"the dashboard exited with {self.proc.returncode}:\n{self.tail()}"
                    )
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get("/sign-in")).status_code == 200:
                        return
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the dashboard did not start in 60 s:\n{self.tail()}")
                await asyncio.sleep(0.2)

    def spawn(self, cmd: list[str]) -> subprocess.Popen[bytes]:
        with open(self.server_log, "wb") as out:
            return subprocess.Popen(
                cmd, env=self.env(), stdout=out, stderr=subprocess.STDOUT, cwd=REPO
            )

    def tail(self) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.server_log.read_text(errors="replace").splitlines()[-30:])
        return ""

    async def sign_in(self) -> None:
        import httpx

        out = await asyncio.to_thread(
            subprocess.run,
            self.command("staff", "login-link", "--telegram-id", str(STAFF_TELEGRAM_ID)),
            env=self.env(),
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
        )
        link = out.stdout.splitlines()[0].strip()
        path = urlsplit(link).path
        async with httpx.AsyncClient(base_url=self.base, timeout=10) as client:
            response = await client.get(path, headers={"User-Agent": BROWSER_UA})
            if response.status_code != 303 or "rb_session" not in response.cookies:
                raise RuntimeError(f"the login link gave {response.status_code}, no session")
            self.cookie = str(response.cookies["rb_session"])
            check = await client.get("/patients", cookies={"rb_session": self.cookie})
            if check.status_code != 200:
                raise RuntimeError(f"GET /patients with the new session: {check.status_code}")
        log("signed in through a one-time link (rb_session cookie)")

    def concrete(self, path: str, patient_id: int) -> str:
        return path.replace("{id}", str(patient_id))

    async def check_endpoints(self, patient_id: int) -> dict[str, int]:
        """One plain GET of each endpoint with the session cookie: status codes."""
        import httpx

        codes = {}
        async with httpx.AsyncClient(base_url=self.base, timeout=30) as client:
            for _, path in ENDPOINTS:
                response = await client.get(
                    self.concrete(path, patient_id),
                    cookies={"rb_session": self.cookie},
                    headers={"User-Agent": BROWSER_UA},
                )
                codes[path] = response.status_code
        return codes

    async def rows_per_request(self) -> int:
        """How many audit rows one request of each endpoint writes (each must be the same)."""
        import httpx

        per: set[int] = set()
        async with httpx.AsyncClient(base_url=self.base, timeout=30) as client:
            for _, path in ENDPOINTS:
                before = await self.audit_count()
                response = await client.get(
                    self.concrete(path, 1), cookies={"rb_session": self.cookie}
                )
                if response.status_code != 200:
                    raise RuntimeError(f"GET {path}: {response.status_code}")
                per.add(await self.audit_count() - before)
        if len(per) != 1 or 0 in per:
            raise RuntimeError(f"audit rows per request differ between endpoints: {per}")
        return per.pop()

    # -- one wrk run --------------------------------------------------------------------

    def wrk_args(self, path: str, connections: int, threads: int, seconds: int) -> list[str]:
        rotate = "{id}" in path
        url = self.base + ("/" if rotate else path)
        return [
            self.wrk,
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "--latency",
            "-H",
            f"Cookie: rb_session={self.cookie}",
            "-s",
            str(self.scripts[rotate]),
            url,
            "--",
            path,
            "1",
            str(self.opts.patients),
        ]

    async def quiesce(self, previous: int) -> int:
        """Wait until the server has finished what was in flight: the audit count settles."""
        count = await self.audit_count()
        for _ in range(40):
            await asyncio.sleep(0.25)
            again = await self.audit_count()
            if again == count and again >= previous:
                return again
            count = again
        return count

    async def wait_idle(self, limit: float) -> tuple[float, float]:
        """Wait (up to ``limit`` s) until the machine was less than 30% of a core busy for a
        second; returns (seconds waited, cores busy in the last second)."""
        started = time.monotonic()
        cores = os.cpu_count() or 1
        while True:
            busy0, total0 = machine_ticks()
            await asyncio.sleep(1)
            busy1, total1 = machine_ticks()
            busy = (busy1 - busy0) / max(1, total1 - total0) * cores
            waited = time.monotonic() - started
            if busy < 0.3 or waited >= limit:
                return waited, busy

    async def run(
        self, label: str, path: str, connections: int, seconds: int, quiet: float = 0
    ) -> Run:
        assert self.proc is not None
        threads = min(self.opts.threads, connections)
        result = Run(label, path, connections, threads)
        if quiet > 0:
            result.waited, result.busy_before = await self.wait_idle(quiet)
        audit_before = await self.audit_count()
        sessions_before = await self.sessions_opened()
        ours: set[int] = {r["pid"] for r in await self.backends()}
        busy_before, total_before = machine_ticks()
        kids_before, self_before = children_cpu(), self_cpu()
        tracker = CpuTracker()

        started = time.perf_counter()
        wrk = await asyncio.create_subprocess_exec(
            *self.wrk_args(path, connections, threads, seconds),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            communicate = asyncio.create_task(wrk.communicate())
            while not communicate.done():
                rows = await self.backends()
                ours.update(r["pid"] for r in rows)
                result.db_connections = max(result.db_connections, len(rows))
                result.db_active = max(
                    result.db_active, sum(1 for r in rows if r["state"] == "active")
                )
                result.lock_waits = max(
                    result.lock_waits, sum(1 for r in rows if r["wait_event_type"] == "Lock")
                )
                tracker.sample()
                memory = proc_memory(self.proc.pid)
                result.rss_mb = max(result.rss_mb, memory.get("VmRSS", 0.0))
                await asyncio.wait({communicate}, timeout=0.5)
            stdout, stderr = communicate.result()
        finally:
            if wrk.returncode is None:
                wrk.kill()
                await wrk.wait()
        tracker.sample()
        result.seconds = time.perf_counter() - started
        result.wrk_cpu = children_cpu() - kids_before
        result.bench_cpu = self_cpu() - self_before
        busy_after, total_after = machine_ticks()
        cores = os.cpu_count() or 1
        elapsed_core_seconds = (total_after - total_before) / CLK_TCK
        result.machine_busy = (busy_after - busy_before) / CLK_TCK
        if elapsed_core_seconds > 0:  # normalise to this run's wall time
            result.machine_busy *= result.seconds * cores / elapsed_core_seconds
        exclude = {os.getpid(), wrk.pid}
        result.app_cpu = tracker.delta({self.proc.pid})
        result.pg_cpu = tracker.delta(ours)
        result.pg_rest_cpu, result.pg_exited_cpu = tracker.postgres_rest(ours)
        result.others = tracker.others(exclude | ours | {self.proc.pid})
        memory = proc_memory(self.proc.pid)
        result.rss_mb = max(result.rss_mb, memory.get("VmRSS", 0.0))
        result.hwm_mb = memory.get("VmHWM", 0.0)

        text = stdout.decode(errors="replace")
        line = next((ln for ln in text.splitlines() if ln.startswith("WRKJSON ")), None)
        if wrk.returncode != 0 or line is None:
            raise RuntimeError(
                f"wrk failed ({wrk.returncode}):\n{text}\n{stderr.decode(errors='replace')}"
            )
        result.wrk = json.loads(line.removeprefix("WRKJSON "))
        result.audit_rows = await self.quiesce(audit_before + result.requests) - audit_before
        result.sessions_opened = await self.sessions_opened() - sessions_before
        return result

    # -- the whole thing ----------------------------------------------------------------

    async def measure(self) -> tuple[dict[str, Any], list[Run]]:
        info = await self.prepare()
        await self.start_dashboard()
        await self.sign_in()
        info["rows_per_request"] = await self.rows_per_request()
        info["audit_start"] = await self.audit_count()
        runs: list[Run] = []
        for label, path in ENDPOINTS:
            log(f"{label}: {WARMUP_SECONDS} s warm-up")
            await self.run(label, path, 2, WARMUP_SECONDS)
            for connections in self.opts.connection_levels:
                log(f"{label}: wrk -c{connections} for {self.opts.duration} s")
                run = await self.run(
                    label, path, connections, self.opts.duration, self.opts.wait_idle
                )
                log(
                    f"  {run.rps:.1f} req/s, p99 {run.ms('p99')}, {run.wrk['other']} non-200, "
                    f"{run.socket_errors} socket errors, {run.audit_rows} audit rows"
                )
                runs.append(run)
        info["final_codes"] = await self.check_endpoints(1 + self.opts.patients // 2)
        info["audit_end"] = await self.audit_count()
        assert self.proc is not None
        info["memory"] = proc_memory(self.proc.pid)
        # Were any figures stale after the run (a local midnight passed: pages recomputed them)?
        from bot.runtime import app_context
        from jobs.stats import refresh_stale_stats

        async with app_context(sched._settings(self.url)) as ctx:
            info["stale_after"] = await refresh_stale_stats(ctx)
        return info, runs

    async def cleanup(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.to_thread(self.proc.wait, 15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                await asyncio.to_thread(self.proc.wait)
        for conn in (self.admin, self.scratch):
            if conn is not None:
                await conn.close()
        if not self.opts.keep_db:
            await sched.drop_database(self.opts.admin_dsn, self.db)
        else:
            print(f"kept database {self.db}", file=sys.stderr)
        for script in self.scripts.values():
            script.unlink(missing_ok=True)
        self.server_log.unlink(missing_ok=True)


# ---------------------------------------------------------------------------- report


def command_line(opts: argparse.Namespace) -> str:
    parts = [".venv/bin/python bench/bench_dashboard_load.py"]
    if opts.patients != 10_000:
        parts.append(f"--patients {opts.patients}")
    parts.append(f"--duration {opts.duration}")
    parts.append(f"--connections {opts.connections}")
    if opts.threads != 2:
        parts.append(f"--threads {opts.threads}")
    if opts.wait_idle:
        parts.append(f"--wait-idle {opts.wait_idle:g}")
    return " ".join(parts)


def pct(part: float, whole: float) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def report(
    opts: argparse.Namespace, machine: dict[str, str], info: dict[str, Any], runs: list[Run]
) -> str:
    per = info["rows_per_request"]
    cores = int(machine["nproc"])
    all_ok = all(r.ok(per) for r in runs) and all(c == 200 for c in info["final_codes"].values())
    total_requests = sum(r.requests for r in runs)
    server = "asyncio loop" + (", uvloop" if importlib.util.find_spec("uvloop") else "")
    parser = "httptools" if importlib.util.find_spec("httptools") else "h11"
    lines = [
        f"### Run of {machine['date']}",
        "",
        f"- command: `{command_line(opts)}`",
        f"- machine: {cores} cores ({machine['cpu']}), {machine['memory']}; "
        f"Postgres {machine['postgres']} on the same machine; commit {machine['commit']}",
        f"- load generator: wrk {info['wrk_version']} on the same {cores} cores, "
        f"`-t{opts.threads} -cN -d{opts.duration}s --timeout 30s --latency`, closed loop (each "
        "connection sends its next request when the last one is answered); wrk, the app and "
        "Postgres compete for the same CPUs",
        f"- server: one `recovery-bot dashboard` process (one uvicorn worker, {server}, "
        f"{parser} HTTP parser; SQLAlchemy's default pool of 5 + 10 overflow), LOG_LEVEL=WARNING",
        f"- clinic: {opts.patients:,} patients, {opts.patients * 90:,} doses, "
        f"{opts.patients * 13:,} check-ins (loaded in {info['load_seconds']:.0f} s); the stats "
        f"job computed {info['stats_patients']:,} patients' figures in "
        f"{info['stats_seconds']:.1f} s before the run",
        "- session: one staff member (clinic admin) signed in through a one-time link from "
        "`recovery-bot staff login-link`; every request carries its `rb_session` cookie",
        "",
        "| endpoint | connections | requests | req/s | p50 | p90 | p99 | max | non-200 "
        "| socket errors | KB per response |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        kb = r.wrk["bytes"] / max(1, r.requests) / 1024
        lines.append(
            f"| {r.label} | {r.connections} | {r.requests:,} | {r.rps:.1f} | {r.ms('p50')} | "
            f"{r.ms('p90')} | {r.ms('p99')} | {r.ms('max')} | {r.wrk['other']} | "
            f"{r.socket_errors} | {kb:.1f} |"
        )
    lines += [
        "",
        "Where the CPU went (CPU time over the run's wall time: 100% = one core, the machine "
        f"has {cores * 100}%). *Postgres, this DB* is the app's own sessions, as sampled; "
        "*Postgres, rest* every other running Postgres process (other databases on this "
        "server, background writers); *Postgres, exited* the time of Postgres processes that "
        "ended, not seen running (the last moments of closed sessions, the app's included); "
        "*other* is the machine's busy time minus all of these, with the busiest other "
        "commands:",
        "",
        "| endpoint | connections | app process | app CPU per request | Postgres, this DB "
        "| its CPU per request | Postgres, rest | Postgres, exited | wrk | this script "
        "| machine busy | other | busiest other processes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in runs:
        top = ", ".join(
            f"`{name}` {pct(cpu, r.seconds)}"
            for name, cpu in r.others[:2]
            if cpu >= 0.05 * r.seconds
        )
        lines.append(
            f"| {r.label} | {r.connections} | {pct(r.app_cpu, r.seconds)} | "
            f"{1000 * r.app_cpu / max(1, r.requests):.1f} ms | {pct(r.pg_cpu, r.seconds)} | "
            f"{1000 * r.pg_cpu / max(1, r.requests):.1f} ms | {pct(r.pg_rest_cpu, r.seconds)} | "
            f"{pct(r.pg_exited_cpu, r.seconds)} | "
            f"{pct(r.wrk_cpu, r.seconds)} | {pct(r.bench_cpu, r.seconds)} | "
            f"{pct(r.machine_busy, r.seconds)} | {pct(r.other_cpu, r.seconds)} | {top or '-'} |"
        )
    lines += [
        "",
        "Database side (Postgres connections of the app, sampled twice a second):",
        "",
        "| endpoint | connections | DB connections (max) | of them active (max) "
        "| waiting on a lock (max) | connections opened | audit rows written | audit rows/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        lines.append(
            f"| {r.label} | {r.connections} | {r.db_connections} | {r.db_active} | "
            f"{r.lock_waits} | {r.sessions_opened:,} | {r.audit_rows:,} | "
            f"{r.audit_rows / r.seconds:.1f} |"
        )
    if opts.wait_idle:
        waits = [r for r in runs if r.waited > 1.5]
        lines += [
            "",
            f"Before each run the script waited up to {opts.wait_idle:g} s for a quiet machine "
            f"(< 30% of a core busy for a second): {len(waits)} of {len(runs)} runs waited, "
            f"{sum(r.waited for r in runs):.0f} s in all; the busiest second before a run had "
            f"{100 * max(r.busy_before for r in runs):.0f}% of a core busy.",
        ]
    memory = info["memory"]
    audit_total = info["audit_end"] - info["audit_start"]
    lines += [
        "",
        f"Dashboard process memory: peak RSS (VmHWM) {memory.get('VmHWM', 0):.0f} MB, "
        f"{memory.get('VmRSS', 0):.0f} MB at the end.",
        "",
        "Checks:",
        "",
        f"- {'every' if all_ok else 'NOT every'} response was 200: wrk's Lua `response` hook "
        f"counted {sum(r.wrk['ok'] for r in runs):,} of {total_requests:,} as 200 and "
        f"{sum(r.wrk['other'] for r in runs)} otherwise (a lost session would be 303s); "
        f'"Non-2xx or 3xx" {sum(r.wrk["errors"]["status"] for r in runs)}, socket errors '
        f"(connect, read, write, timeout) {sum(r.socket_errors for r in runs)}",
        f"- audit log: {per} row per request; each run wrote between its responses and its "
        "responses plus its connections (requests in flight when wrk stopped are finished and "
        f"audited): {'yes' if all(r.audit_ok(per) for r in runs) else 'NO'} for every run; "
        f"{audit_total:,} rows in all, warm-ups included",
        "- after the runs, a plain GET of each endpoint with the same cookie: "
        + ", ".join(f"`{p}` {c}" for p, c in info["final_codes"].items()),
        f"- stale figures found by the stats job after the run: {info['stale_after']:,} "
        "(non-zero means some patients' local midnight passed during the run and a page "
        "recomputed them)",
        "",
    ]
    lines += analysis(runs, cores)
    return "\n".join(lines) + "\n"


def analysis(runs: list[Run], cores: int) -> list[str]:
    if not runs:
        return []
    out = ["Reading it:", ""]
    by_label: dict[str, list[Run]] = {}
    for r in runs:
        by_label.setdefault(r.label, []).append(r)
    for label, group in by_label.items():
        low, high = group[0], group[-1]
        text = f"- {label}: {low.rps:.0f} req/s at {low.connections} connections (p99 "
        text += f"{low.ms('p99')})"
        if high is not low:
            growth = high.rps / low.rps if low.rps else 0
            text += (
                f", {high.rps:.0f} req/s at {high.connections} (p99 {high.ms('p99')}): "
                f"{growth:.2f}x the throughput for {high.connections / low.connections:.0f}x "
                "the connections"
            )
        best = max(group, key=lambda r: r.rps)
        app_ms = 1000 * best.app_cpu / max(1, best.requests)
        pg_ms = 1000 * best.pg_cpu / max(1, best.requests)
        app_share = best.app_cpu / best.seconds
        machine_share = best.machine_busy / (best.seconds * cores)
        if app_share >= 0.85:
            bound = f"the app process, at {100 * app_share:.0f}% of its one core"
        elif machine_share >= 0.85:
            bound = f"the machine's {cores} cores ({100 * machine_share:.0f}% busy), " + (
                "mostly Postgres" if best.pg_cpu > best.app_cpu else "mostly the app"
            )
        else:
            bound = (
                f"neither the app ({100 * app_share:.0f}% of a core) nor the machine "
                f"({100 * machine_share:.0f}% busy) was saturated"
            )
        text += (
            f". Each request cost {app_ms:.1f} ms of app CPU and {pg_ms:.1f} ms of Postgres "
            f"CPU (at {best.connections} connections); the limit was {bound}."
        )
        out.append(text)
    noisy = [r for r in runs if r.other_cpu >= 0.25 * r.seconds]
    out.append("")
    if noisy:
        worst = max(noisy, key=lambda r: r.other_cpu / r.seconds)
        out.append(
            f"- Other processes on this machine were busy during {len(noisy)} of the "
            f"{len(runs)} runs (up to {100 * worst.other_cpu / worst.seconds:.0f}% of a core, "
            f"{worst.label} at {worst.connections} connections): those runs had less CPU than "
            "a quiet machine would give them."
        )
    out += [
        "- Latency is mostly queueing: wrk is a closed loop, so mean latency = connections / "
        "throughput, and once the bottleneck is saturated more connections add latency, not "
        "throughput. The app is one Python process with one event loop (one uvicorn worker): "
        "it uses at most one core, and it shares this machine's "
        f"{cores} cores with Postgres and wrk.",
        "- Every request writes twice besides reading: the session's last-seen time (all "
        "connections here share one session, hence the lock waits on its row) and an audit "
        "row, each its own commit; the audit rows per second above are the write rate this "
        "adds.",
        "- What an operator could do (not measured here): run more uvicorn worker processes "
        "(or several `recovery-bot dashboard` processes behind a proxy) on a machine with more "
        "cores, since one process is bound to one core; give Postgres its own machine, or a "
        "read replica for the page queries (the audit and session writes must go to the "
        "primary); a larger connection pool only helps when Postgres has idle cores.",
    ]
    return out


def append_results(section: str) -> None:
    text = RESULTS.read_text(encoding="utf-8")
    addition = ""
    if HEADING not in text:
        addition += (
            f"\n{HEADING}\n\n"
            "The real `recovery-bot dashboard` process on loopback, driven by wrk with a "
            "signed-in session, at the 10,000-patient clinic of the benchmark above; what it "
            "does is in the docstring of `bench/bench_dashboard_load.py`. Reproduce from the "
            "repository root (about 4 minutes; needs `apt-get install -y wrk`):\n\n"
            "```sh\n.venv/bin/python bench/bench_dashboard_load.py\n```\n\n"
            "Each run appends its own section below.\n"
        )
    addition += "\n" + section
    if not text.endswith("\n"):
        addition = "\n" + addition
    elif text.endswith("\n\n"):
        addition = addition.removeprefix("\n")
    with open(RESULTS, "a", encoding="utf-8") as fh:
        fh.write(addition)


# ---------------------------------------------------------------------------- main


async def amain(opts: argparse.Namespace, machine: dict[str, str], wrk: str) -> str:
    bench = Bench(opts, wrk)
    try:
        info, runs = await bench.measure()
    except BaseException:
        if bench.proc is not None:
            print(bench.tail(), file=sys.stderr)
        raise
    finally:
        await bench.cleanup()
    info["wrk_version"] = wrk_version(wrk)
    return report(opts, machine, info, runs)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=20, help="seconds per wrk run")
    parser.add_argument(
        "--connections", default="8,32", help="comma-separated wrk -c levels (default 8,32)"
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk -t (default 2)")
    parser.add_argument(
        "--admin-dsn", default=os.environ.get("BENCH_ADMIN_DSN", sched.ADMIN_DSN_DEFAULT)
    )
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=0,
        metavar="SECONDS",
        help="before each run, wait up to this long for the machine to be quiet (< 30%% of a "
        "core busy for a second); default 0: do not wait",
    )
    parser.add_argument("--install-wrk", action="store_true", help="apt-get install -y wrk")
    parser.add_argument(
        "--no-append", action="store_true", help=f"print only; do not append to {RESULTS.name}"
    )
    parser.add_argument("--keep-db", action="store_true")
    opts = parser.parse_args(argv)
    opts.connection_levels = [int(c) for c in opts.connections.split(",") if c.strip()]
    if not opts.connection_levels or min(opts.connection_levels) < 1 or opts.duration < 1:
        parser.error("--connections needs positive integers and --duration a positive number")
    return opts


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    wrk = ensure_wrk(opts.install_wrk)
    machine = sched.machine_info(opts.admin_dsn)
    section = asyncio.run(amain(opts, machine, wrk))
    print(f"{HEADING}\n\n{section}")
    if not opts.no_append:
        append_results(section)
        log(f"appended to {RESULTS.relative_to(REPO)}")
    # A response that was not 200 (or a socket error) fails the run: the long tests rely on it.
    return 1 if "NOT every response was 200" in section else 0


if __name__ == "__main__":
    sys.exit(main())
