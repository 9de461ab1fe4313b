"""How much memory `alliance-bot serve` holds for Slack alone: idle after start, then after some work.

    .venv/bin/python bench/memory.py [--commits N] [--pg [URL]]

Starts the fake Slack Web API in this process and ``alliance-bot serve`` (the installed console script, Slack
only, HTTP mode, SQLite in a temp dir, or with ``--pg`` a scratch PostgreSQL database the benchmark creates and
drops) as a subprocess on 127.0.0.1, with the helpers of ``bench/http_latency.py``. Reads the process's resident
set (VmRSS in /proc/<pid>/status) once it answers its health check and has settled: this first start migrated
the new database. Stops it and starts it again on the same database (a restart: the schema is at head, so no
migration runs), reads the resident set again, then sends N signed ``/alliance commit`` requests (default 60)
and one ``/alliance scorecard`` (which draws and uploads the chart), waits for the answers to reach the fake Web
API, and reads it again.

Target: idle < 100 MB (issue 13). The figures are reported with PASS/MISS; the benchmark exits 0 either way,
and 1 when a request failed or the chart never arrived. Linux only (/proc).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import who_lookup  # noqa: E402
from bench.http_latency import (  # noqa: E402
    SIGNING_SECRET,
    Client,
    Replay,
    TimedFake,
    child_env,
    free_port,
    running,
    unexpected_errors,
)
from bench.stats import table, verdict  # noqa: E402
from tests.slack import payloads  # noqa: E402

IDLE_TARGET_MB = 100.0
DEFAULT_COMMITS = 60
DEFAULT_PG = f"postgresql+psycopg://postgres@127.0.0.1:5432/{who_lookup.PG_NAME_PREFIX}_memory"
SETTLE_SECONDS = 2.0  # after the health check: the first sweep runs at start
CHART_TIMEOUT = 30.0


def rss_mb(pid: int) -> float:
    """The resident set of a process, in MB (VmRSS is in kB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


@dataclass
class Figures:
    database: str  # "sqlite" or "postgresql"
    first_idle: float  # MB, idle after the first start, which migrated the new database
    idle: float  # MB, idle after a restart on that database (the schema at head)
    busy: float  # MB, the restarted process after the commits and the scorecard
    failures: list[str] = field(default_factory=list)


def measure(commits: int, work: Path, pg: str | None = None) -> Figures:
    failures: list[str] = []
    with contextlib.ExitStack() as stack:
        label, url = stack.enter_context(who_lookup.database_url(pg, work))
        fake = TimedFake()
        stack.enter_context(fake)
        env = child_env(
            {
                "SLACK_BOT_TOKEN": "xoxb-bench",
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": fake.url,
                "DATABASE_URL": url,
            }
        )
        console_script = Path(sys.executable).with_name("alliance-bot")
        bot_cmd = [str(console_script)] if console_script.exists() else [sys.executable, "-m", "bot.cli"]
        port = free_port()
        argv = [*bot_cmd, "serve", "--host", "127.0.0.1", "--port", str(port)]
        for name in ("first", "bot"):
            (work / name).mkdir()
        # A first start migrates the new database, so it loads alembic (and keeps it); a restart finds the schema
        # at head and does without, as does every replica once `alliance-bot migrate` has run.
        with running("first", argv, port=port, env=env, cwd=work / "first") as first:
            time.sleep(SETTLE_SECONDS)
            first_idle = rss_mb(first.process.pid)
            failures += [f"first start's log: {line}" for line in unexpected_errors(first)]
        bot = stack.enter_context(running("bot", argv, port=port, env=env, cwd=work / "bot"))
        time.sleep(SETTLE_SECONDS)
        idle = rss_mb(bot.process.pid)

        client = Client(bot)
        stack.callback(client.close)
        replay = Replay(fake=fake, settle=True)
        for n in range(1, commits + 1):
            replay.send(client, "commit", n, None, bot=True)
        request = payloads.slash_command(
            "scorecard", user=payloads.ALICE, channel=payloads.CHANNEL, signing_secret=SIGNING_SECRET
        )
        status, _ = client.post(request)
        if status != 200:
            failures.append(f"scorecard: HTTP {status}")
        deadline = time.monotonic() + CHART_TIMEOUT
        while not fake.shared_files() and time.monotonic() < deadline:
            time.sleep(0.1)
        if not fake.shared_files():
            failures.append(f"scorecard: no chart reached Slack in {CHART_TIMEOUT:.0f} s")
        replay.quiesce()
        busy = rss_mb(bot.process.pid)
        failures += replay.failures + [f"bot log: {line}" for line in unexpected_errors(bot)]
    return Figures(label, first_idle, idle, busy, failures)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commits", type=int, default=DEFAULT_COMMITS, metavar="N", help="commits (default 60)")
    who_lookup.add_pg_argument(parser, DEFAULT_PG)
    args = parser.parse_args(argv)
    if args.commits < 0:
        parser.error("--commits must not be negative")
    with tempfile.TemporaryDirectory(prefix="alliance-bench-memory-") as tmp:
        figures = measure(args.commits, Path(tmp), args.pg)
    print(f"== alliance-bot serve, Slack only (HTTP, {figures.database}): resident memory (VmRSS) ==")
    target_mb, target = IDLE_TARGET_MB, f"< {IDLE_TARGET_MB:.0f}"
    rows = [
        ["idle, first start (migrates)", f"{figures.first_idle:.1f}", target, verdict(figures.first_idle < target_mb)],
        ["idle, restarted (schema at head)", f"{figures.idle:.1f}", target, verdict(figures.idle < target_mb)],
        [f"restarted, after {args.commits} commits and a scorecard", f"{figures.busy:.1f}", "", ""],
    ]
    print(table(["process", "RSS MB", "target", ""], rows))
    failures = figures.failures
    if failures:
        print(f"\n{len(failures)} failure(s):", file=sys.stderr)
        for failure in failures[:10]:
            print(f"  {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
