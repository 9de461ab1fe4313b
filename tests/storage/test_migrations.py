"""Upgrades: from every released revision, with data in every table, to head; and several processes at once.

The revisions come from alembic's script directory, so a revision added later is covered without touching this
file. The rows are made from the schema as it stands at the starting revision (reflected): two per table, every
foreign key pointing at a row of its parent table, and the values below where a column means something.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel

from storage.db import Database, alembic_config, at_head, migrate, schema_heads
from tests.conftest import PG_URL, SKIP_PG

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ScriptDirectory.from_config(alembic_config())
# Oldest first: 0001, 0002, 0003, 0006, 0004, 0005, 0007, ... (the chain, not the numbers, gives the order).
REVISIONS = [script.revision for script in reversed(list(SCRIPT.walk_revisions("base", "heads")))]
ROWS = 2
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

# Values that mean something to the bot (statuses the sweep acts on, JSON it parses), by table and column; each is
# a list cycled over the rows. Any other column gets a value made from its type.
MEANING: dict[tuple[str, str], list[Any]] = {
    ("alliance", "platform"): ["slack", "teams"],
    ("alliance", "home_tz"): ["Europe/Paris", "Asia/Tokyo"],
    ("alliance", "cadence"): ["weekly", "default"],
    ("person", "tz"): ["Europe/Paris", "America/New_York"],
    ("commitment", "status"): ["open", "done"],
    ("commitment", "reported"): [None, "done"],
    ("delivery", "status"): ["pending", "sent"],
    ("delivery", "data"): ['{"title": "Ship the pilot"}', "{}"],
    ("delivery", "kind"): ["nudge", "checkin"],
    ("checkinanswer", "answer"): ["on_track", "at_risk"],
    ("member", "left_reason"): [None, "left_channel"],
    ("teamsconversation", "kind"): ["channel", "personal"],
    ("partychannel", "platform"): ["slack", "teams"],
    ("metric", "unit"): ["%", "EUR"],
    ("contribution", "unit"): ["h", "EUR"],
    ("contribution", "kind"): ["time", "money"],
    ("scorecardsettings", "digest"): ["monthly", "off"],
    ("reviewanswer", "verdict"): ["continue", "wind_down"],
}


@dataclass
class Seeded:
    """What was written at the starting revision: each table's rows (column → value) and their primary keys."""

    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _head_type(table: str, column: str, reflected: Any) -> Any:
    """The model's type where the model has the column (AwareDateTime stores UTC the bot's way), else reflected."""
    model = SQLModel.metadata.tables.get(table)
    if model is not None and column in model.c:
        return model.c[column].type
    return reflected


def _value(table: Table, column: Column[Any], i: int) -> Any:
    if (table.name, column.name) in MEANING:
        choices = MEANING[(table.name, column.name)]
        return choices[i % len(choices)]
    kind = column.type
    while isinstance(kind, TypeDecorator):  # AwareDateTime, sqlmodel's AutoString
        kind = kind.impl_instance
    if isinstance(kind, Boolean):
        return i % 2 == 0
    if isinstance(kind, Integer):
        return 3 + i
    if isinstance(kind, Float):
        return 12.5 + i
    if isinstance(kind, Numeric):
        return Decimal("12.50") + i
    if isinstance(kind, DateTime):
        at = T0 + timedelta(days=i, minutes=7 * (i + 1))
        # slack_sdk's installation and state stores (slack_* tables) keep plain DateTime columns in naive UTC.
        naive = not isinstance(column.type, TypeDecorator) and not kind.timezone
        return at.replace(tzinfo=None) if naive else at
    if isinstance(kind, Date):
        return T0.date() + timedelta(days=i)
    if isinstance(kind, JSON):
        return {"row": i, "words": ["été", "🤝"]}
    if isinstance(kind, Enum):
        return kind.enums[i % len(kind.enums)]
    if isinstance(kind, Text):
        return f"{column.name} {i}: é, emoji 🤝, and a second line\n" * 3
    if isinstance(kind, String):
        value = f"{column.name}-{table.name}-{i}"
        return value[: kind.length] if kind.length else value
    raise AssertionError(f"no test value for {table.name}.{column.name} ({kind!r}): add one to MEANING")


def seed(connection: Connection) -> Seeded:
    """Two rows in every table at this revision, children pointing at their parents' rows."""
    reflected = MetaData()
    reflected.reflect(connection)
    typed = MetaData()
    for table in reflected.sorted_tables:
        if table.name == "alembic_version":
            continue
        Table(
            table.name,
            typed,
            *[
                Column(c.name, _head_type(table.name, c.name, c.type), primary_key=c.primary_key, nullable=c.nullable)
                for c in table.columns
            ],
        )
    seeded = Seeded()
    for table in reflected.sorted_tables:
        if table.name == "alembic_version":
            continue
        target = typed.tables[table.name]
        parents = {fk.parent.name: (fk.column.table.name, fk.column.name) for fk in table.foreign_keys}
        seeded.rows[table.name] = []
        for i in range(ROWS):
            row: dict[str, Any] = {}
            for column in target.columns:
                if column.name in parents:
                    parent, key = parents[column.name]
                    row[column.name] = seeded.rows[parent][i][key]
                elif column.primary_key and isinstance(column.type, Integer) and column.name == "id":
                    continue  # the database numbers rows itself, as in production (PostgreSQL's sequences advance)
                else:
                    row[column.name] = _value(target, column, i)
            result = connection.execute(target.insert().values(row))
            for column, key in zip(target.primary_key.columns, result.inserted_primary_key or (), strict=False):
                row[column.name] = key
            seeded.rows[table.name].append(row)
    return seeded


def survived(connection: Connection, seeded: Seeded) -> None:
    """Every seeded row is still there at head, with every value that was written (read through the models)."""
    for name, rows in seeded.rows.items():
        assert name in SQLModel.metadata.tables, f"table {name} is gone at head; say so here if that is intended"
        table = SQLModel.metadata.tables[name]
        for row in rows:
            where = [table.c[c.name] == row[c.name] for c in table.primary_key.columns]
            found = connection.execute(select(table).where(*where)).mappings().one_or_none()
            assert found is not None, f"{name} row {row} was lost"
            kept = {column: found[column] for column in row if column in table.c}
            assert kept == {column: value for column, value in row.items() if column in table.c}, name


# What a revision's data migration promises, checked after an upgrade that ran it: revision → check(connection).
def _open_commitments_join_the_ladder(connection: Connection) -> None:
    commitment = SQLModel.metadata.tables["commitment"]
    rows = connection.execute(select(commitment.c.status, commitment.c.created_at, commitment.c.next_nudge_at)).all()
    assert rows and all((nudge == created) == (status == "open") for status, created, nudge in rows), rows


def _alliances_with_settings_are_planned(connection: Connection) -> None:
    tables = SQLModel.metadata.tables
    alliance = tables["alliance"]
    with_scorecard = set(connection.execute(select(tables["scorecardsettings"].c.alliance_id)).scalars())
    with_pulse = set(connection.execute(select(tables["pulse_settings"].c.alliance_id)).scalars())
    rows = connection.execute(select(alliance.c.id, alliance.c.scorecard_planned, alliance.c.pulse_planned)).all()
    assert rows
    assert all(bool(sc) == (i in with_scorecard) and bool(p) == (i in with_pulse) for i, sc, p in rows), rows


DATA_MIGRATIONS: dict[str, Callable[[Connection], None]] = {
    "0002": _open_commitments_join_the_ladder,
    "0018": _alliances_with_settings_are_planned,
}


def _ran(start: str) -> list[str]:
    """The revisions an upgrade from `start` to head runs, oldest first."""
    return REVISIONS[REVISIONS.index(start) + 1 :]


# ---- databases: a fresh SQLite file or a fresh PostgreSQL schema per test --------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'upgrade.db'}"
        return
    if not PG_URL:
        pytest.skip(SKIP_PG)
    schema = f"migrate_{uuid.uuid4().hex[:12]}"
    admin = Database(PG_URL)
    with admin.engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(admin.url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.mark.parametrize("start", REVISIONS)
def test_an_upgrade_from_every_released_revision_keeps_the_data(empty_url: str, start: str) -> None:
    db = Database(empty_url)
    try:
        migrate(db.engine, start)
        with db.engine.begin() as connection:
            seeded = seed(connection)
        assert set(seeded.rows) >= {"alliance", "party", "commitment", "commitmentevent"}

        db.migrate()

        with db.engine.connect() as connection:
            survived(connection, seeded)
            for revision in _ran(start):
                if revision in DATA_MIGRATIONS:
                    DATA_MIGRATIONS[revision](connection)
            if db.engine.dialect.name == "sqlite":
                assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # still enforced after
        # The models read every row back, and the schema is the one a fresh database gets.
        with Session(db.engine) as session:
            for mapper in SQLModel._sa_registry.mappers:
                name = mapper.local_table.name
                assert len(session.exec(select(mapper.class_)).all()) == len(seeded.rows.get(name, [])), name
        from alembic.autogenerate import compare_metadata
        from alembic.migration import MigrationContext

        with db.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), SQLModel.metadata) == []
    finally:
        db.dispose()


def test_a_row_that_already_pointed_at_nothing_does_not_stop_the_upgrade(tmp_path: Path) -> None:
    """Only what the upgrade itself breaks is refused: an old orphan (written with foreign keys off, by another
    tool) is carried over as it was, and the bot still starts."""
    db = Database(f"sqlite:///{tmp_path / 'orphan.db'}")
    try:
        migrate(db.engine, "0004")
        with db.engine.begin() as connection:
            seed(connection)
        raw = db.engine.raw_connection()
        try:
            raw.execute("PRAGMA foreign_keys=OFF")
            raw.execute(
                "INSERT INTO commitmentevent (commitment_id, at, actor_id, kind, detail) "
                "VALUES (999, '2026-11-20 09:00:00', 'U1', 'created', '')"
            )
            raw.commit()
        finally:
            raw.close()

        db.migrate()

        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == REVISIONS[-1]
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == [
                ("commitmentevent", 3, "commitment", 0)
            ]
    finally:
        db.dispose()


def test_the_revisions_form_one_chain() -> None:
    assert len(SCRIPT.get_heads()) == 1
    assert REVISIONS[:7] == ["0001", "0002", "0003", "0006", "0004", "0005", "0007"]


# ---- a schema at head is seen without alembic -------------------------------------------------------------------


def test_the_heads_read_from_the_revision_files_are_alembics() -> None:
    assert schema_heads() == frozenset(SCRIPT.get_heads()) == {REVISIONS[-1]}


def revision_file(folder: Path, name: str, down: str) -> None:
    (folder / f"{name}.py").write_text(
        f'"""{name}."""\n\nrevision: str = "{name}"\ndown_revision: str | tuple[str, ...] | None = {down}\n'
    )


def test_a_merge_revision_is_the_one_head_and_a_file_read_otherwise_leaves_it_to_alembic(tmp_path: Path) -> None:
    revision_file(tmp_path, "a1", "None")
    revision_file(tmp_path, "b2", '"a1"')
    revision_file(tmp_path, "c3", "'a1'")
    assert schema_heads(tmp_path) == {"b2", "c3"}
    revision_file(tmp_path, "d4", '("b2", "c3")')
    assert schema_heads(tmp_path) == {"d4"}
    (tmp_path / "e5.py").write_text('revision = "e5"\ndown_revision = (\n    "d4",\n)\n')
    assert schema_heads(tmp_path) == frozenset()  # at_head says no: alembic reads it


def test_at_head_only_once_every_revision_is_applied(empty_url: str) -> None:
    db = Database(empty_url)
    try:
        assert not at_head(db.engine)  # no alembic_version table yet
        migrate(db.engine, REVISIONS[-2])
        assert not at_head(db.engine)
        migrate(db.engine)
        assert at_head(db.engine)
    finally:
        db.dispose()


# ---- several processes starting at once ------------------------------------------------------------------------

MIGRATE_WHEN_TOLD = """
import sys
from storage.db import Database
database = Database(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()
database.migrate()
print("migrated")
"""


def test_three_processes_migrating_an_empty_database_at_once_all_succeed(empty_url: str) -> None:
    # Each process loads everything first; then all three are told to migrate at the same instant.
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATE_WHEN_TOLD, empty_url],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    for process in processes:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "ready", process.communicate()[1][-3000:]
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    outcomes = [(process.wait(timeout=120), *process.communicate()) for process in processes]

    for code, out, err in outcomes:
        assert (code, out.strip()) == (0, "migrated"), err[-3000:]
    db = Database(empty_url)
    try:
        tables = set(inspect(db.engine).get_table_names())
        assert set(SQLModel.metadata.tables) <= tables
        with db.engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [
                SCRIPT.get_current_head()
            ]
    finally:
        db.dispose()
