"""Start-up checks: what the world may refuse (a port, the database, Slack's word on the token), each refusal one
sentence that names the setting to change.

`Settings.from_env` has already refused what is malformed; these checks ask the world about what is well-formed
but wrong, before anything starts: the ports first (nothing is touched), then Slack (the token), then the
database (a SQLite file may be created). An error not foreseen here keeps its traceback: it is a bug to report,
not a setting to change.
"""

from __future__ import annotations

import errno
import os
import socket
import sqlite3
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError

from bot.config import Settings, StartupError
from storage.db import Database, normalise_url


def check_serve(settings: Settings, *, host: str, port: int) -> None:
    """Everything `alliance-bot serve` needs from the world, asked in the order that touches the least."""
    check_ports(settings, host=host, port=port)
    if settings.bot_token is not None:  # many workspaces: each installation's token is checked as it is used
        check_slack(settings)
    check_database(settings.database_url)


# ---- ports -------------------------------------------------------------------------------------------------------


def check_ports(settings: Settings, *, host: str, port: int) -> None:
    slack_http = settings.slack and not settings.socket_mode
    if slack_http:
        check_port(host, port, name=f"port {port}", change="give another with --port")
    if settings.teams is not None:
        if slack_http and settings.teams.port == port:
            raise StartupError(f"TEAMS_PORT and --port are both {port}: Slack and Teams each need a port of their own.")
        teams_port = settings.teams.port
        check_port(host, teams_port, name=f"TEAMS_PORT {teams_port}", change="set TEAMS_PORT to a free port")


def check_port(host: str, port: int, *, name: str, change: str) -> None:
    """Bind the port as the server will (SO_REUSEADDR, as waitress and aiohttp do) and let it go at once."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as e:
        raise StartupError(f"--host {host} is not an address this machine can listen on ({e.strerror}).") from e
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                raise StartupError(f"{name} is in use: stop what listens there, or {change}.") from e
            if e.errno == errno.EACCES:
                raise StartupError(f"{name} needs privileges to listen on: {change} (above 1023).") from e
            if e.errno == errno.EADDRNOTAVAIL:
                raise StartupError(f"--host {host} is not an address of this machine: give one of its own.") from e
            raise StartupError(f"{name} cannot be listened on at {host} ({e.strerror}): {change}.") from e


# ---- Slack -------------------------------------------------------------------------------------------------------


def check_slack(settings: Settings) -> None:
    from bot.slack.startup import check_token

    check_token(settings)


# ---- the database ------------------------------------------------------------------------------------------------


def check_database(url: str, *, setting: str = "DATABASE_URL") -> None:
    """Connect and, on SQLite, take the write lock and write nothing: the bot cannot run on a database it
    cannot reach or write."""
    parsed = make_url(normalise_url(url))
    sqlite = parsed.get_backend_name() == "sqlite"
    path = _sqlite_path(parsed) if sqlite else None
    if path is not None:
        _check_sqlite_path(path, setting)
    db = Database(url)
    try:
        with db.engine.connect() as connection:
            transaction = connection.begin()  # on SQLite, BEGIN IMMEDIATE: the write lock
            try:
                connection.execute(text("SELECT 1"))
                if sqlite:
                    version = connection.exec_driver_sql("PRAGMA user_version").scalar()
                    connection.exec_driver_sql(f"PRAGMA user_version = {int(version or 0)}")  # writes nothing new
            finally:
                transaction.rollback()
    except (DBAPIError, sqlite3.Error) as e:
        raise StartupError(_database_refused(e, parsed, path, setting)) from e
    finally:
        db.dispose()


def _sqlite_path(url: URL) -> Path | None:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(os.path.abspath(database))


def _check_sqlite_path(path: Path, setting: str) -> None:
    folder = path.parent
    if not folder.exists():
        raise StartupError(f"{setting}: the folder {folder} does not exist: create it, or point {setting} elsewhere.")
    if not folder.is_dir():
        raise StartupError(f"{setting}: {folder} is a file, not a folder: point {setting} at a file in a folder.")
    if path.is_dir():
        raise StartupError(f"{setting}: {path} is a folder: point {setting} at a SQLite file, e.g. {path}/alliance.db.")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise StartupError(_read_only(path, setting))
    if not path.exists() and not os.access(folder, os.W_OK | os.X_OK):
        raise StartupError(_folder_not_writable(folder, setting))


def _read_only(path: Path, setting: str) -> str:
    return f"{setting}: {path} is read-only: let the bot's user write it (and its folder, for SQLite's -wal file)."


def _folder_not_writable(folder: Path, setting: str) -> str:
    return (
        f"{setting}: the folder {folder} is not writable: SQLite creates the database and its -wal file there; "
        "let the bot's user write it."
    )


def _database_refused(error: BaseException, url: URL, path: Path | None, setting: str) -> str:
    original = error.orig if isinstance(error, DBAPIError) else error
    lines = str(original).strip().splitlines() or [type(original).__name__]
    message = " ".join(lines[0].split())  # libpq adds a hint on a second line
    if path is None and url.get_backend_name() != "sqlite":
        reason = message.rsplit(" failed: ", 1)[-1] if " failed: " in message else message
        where = f"{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"
        return (
            f"{setting}: could not connect to PostgreSQL at {where} ({reason}): check that it runs, and the URL's "
            "host, port, user, password and database."
        )
    shown = path or url.database
    if "readonly" in message:
        return _read_only(Path(str(shown)), setting)
    if "unable to open" in message and path is not None and not os.access(path.parent, os.W_OK | os.X_OK):
        return _folder_not_writable(path.parent, setting)
    if "not a database" in message:
        return f"{setting}: {shown} is not a SQLite database: point {setting} at the bot's file, or at a new one."
    return f"{setting}: SQLite could not use {shown} ({message})."
