"""The one entry point: `alliance-bot serve | console | sweep | migrate`."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO

from dotenv import load_dotenv

from bot import startup
from bot.config import ConfigError, Settings, StartupError, database_url, environment

log = logging.getLogger("bot")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    quiet = args.command == "console" and args.log_level == "INFO"  # the console's screen is the chat
    logging.basicConfig(
        level="WARNING" if quiet else args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    load_dotenv(Path.cwd() / ".env")
    try:
        match args.command:
            case "serve":
                settings = Settings.from_env(environment())
                startup.check_serve(settings, host=args.host, port=args.port)
                return run_serve(settings, host=args.host, port=args.port)
            case "console":
                startup.check_database(f"sqlite:///{args.db}", setting="--db")
                return run_console(Path(args.db), fresh=args.fresh, tour=args.tour, start=args.start)
            case "migrate":
                url = database_url(environment())  # only the database: no chat platform is needed to migrate
                startup.check_database(url)
                return run_migrate(url)
            case "sweep":
                settings = Settings.from_env(environment())
                startup.check_database(settings.database_url)
                return run_sweep(settings, now=args.now)
    except ConfigError as e:
        print(f"alliance-bot: {e}", file=sys.stderr)
        return 2
    except StartupError as e:
        # One sentence for the operator; the cause's traceback at --log-level DEBUG.
        log.debug("start-up refused", exc_info=True)
        print(f"alliance-bot: {e}", file=sys.stderr)
        return 1
    return 2


def parser() -> argparse.ArgumentParser:
    """The command line (tests/test_deploy.py checks the Dockerfile's and compose's commands against it)."""
    cli = argparse.ArgumentParser(prog="alliance-bot", description="Keeps a strategic alliance honest.")
    cli.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    sub = cli.add_subparsers(dest="command", required=True)

    serve = sub.add_parser(
        "serve",
        help="run the bot: Slack (Socket Mode or HTTP on --port) and/or Teams (POST /api/messages on TEAMS_PORT)",
    )
    serve.add_argument("--port", type=int, default=3000, help="Slack HTTP port (default 3000)")
    serve.add_argument("--host", default="0.0.0.0", help="HTTP address to listen on (default 0.0.0.0)")

    console = sub.add_parser("console", help="the bot without Slack, in this terminal")
    console.add_argument("--db", default="console.db", help="SQLite file (default console.db)")
    console.add_argument("--fresh", action="store_true", help="start from an empty alliance")
    console.add_argument("--tour", action="store_true", help="play a short scripted conversation first")
    console.add_argument("--start", type=instant, help="the virtual clock's start (ISO-8601; default now)")

    once = sub.add_parser("sweep", help="one pass of the scheduled work as of an instant, then exit")
    once.add_argument("--now", type=instant, required=True, help="ISO-8601 instant with offset, e.g. 2026-12-01T09:00Z")

    sub.add_parser(
        "migrate",
        help="bring the database schema to the newest revision, then exit (run once before starting replicas)",
    )
    return cli


def instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO-8601 instant, e.g. 2026-12-01T09:00:00Z") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no offset; add Z or +01:00 so the instant is unambiguous")
    return value


def run_serve(settings: Settings, *, host: str, port: int) -> int:
    from bot.runtime import serve

    return serve(settings, host=host, port=port)


def run_console(db_path: Path, *, fresh: bool, tour: bool, start: datetime | None, out: TextIO | None = None) -> int:
    from bot.runtime import console

    return console(db_path, fresh=fresh, tour=tour, start=start, out=out or sys.stdout)


def run_migrate(url: str) -> int:
    """`serve` migrates too (one process at a time), so this is for deployments that migrate once, first."""
    from storage.db import Database

    db = Database(url)
    try:
        db.migrate()
    finally:
        db.dispose()
    print("migrations: the database is at the newest revision")
    return 0


def run_sweep(settings: Settings, *, now: datetime) -> int:
    from bot.runtime import sweep_once

    report = sweep_once(settings, now=now)
    print(
        f"sweep at {report.at.isoformat()}: {report.checkins_opened} check-ins opened, "
        f"{report.nudges_planned} nudges planned, {report.sent} sent, {report.skipped} skipped, "
        f"{report.retried} to retry, {report.failed} failed; "
        f"{report.scorecard_planned} scorecard messages planned (warnings, digests, reviews)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
