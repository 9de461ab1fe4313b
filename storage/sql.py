"""SQL helpers every storage module shares: `IN` lists, row locks, inserts that skip what exists."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import ARRAY, CursorResult, Text, any_, bindparam, cast, func, literal_column, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session
from sqlmodel.sql.expression import SelectOfScalar

_T = TypeVar("_T")


def among(session: Session, column: Any, values: Iterable[Any]) -> Any:
    """`column IN values` (ids, user ids: integers or strings) in one parameter instead of thousands, which the
    driver and the database handle several times faster for the batches a sweep reads: `= ANY(array)` on
    PostgreSQL, the array written as one text literal (psycopg's own list adapter inspects every element with a
    regular expression), and `IN (SELECT value FROM json_each(...))` on SQLite (SQLAlchemy would otherwise render
    a placeholder per value, every time)."""
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        literal = _pg_array(values)
        if literal is None:
            return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
        return column == any_(cast(bindparam(None, literal, type_=Text()), ARRAY(column.type)))
    return column.in_(select(literal_column("value")).select_from(func.json_each(bindparam(None, json.dumps(values)))))


def _pg_array(values: list[Any]) -> str | None:
    """PostgreSQL's text form of an array of integers or strings, `{1,2}`, `{"U1","U\\"2"}`; None for other
    values (psycopg adapts those)."""
    if all(type(value) is int for value in values):
        return "{" + ",".join(map(str, values)) + "}"
    if all(type(value) is str for value in values) and not _CONTROL.search("".join(values)):
        # JSON quotes a string as an array literal does (backslash before `"` and `\\`) but for control
        # characters, which it writes as escapes an array literal would misread.
        return "{" + json.dumps(values, ensure_ascii=False)[1:-1] + "}"
    return None


_CONTROL = re.compile(r"[\x00-\x1f]")


# Many rows written by one statement: the rows go as one JSON array of arrays, which the statement takes apart
# (`json_each` on SQLite, `jsonb_array_elements` on PostgreSQL). One parameter whatever their number, dumped by
# the json module; not a parameter set per row for SQLAlchemy to process, nor arrays for psycopg to adapt item by
# item (datetimes cost it more than the writing).


def json_rows(rows: list[list[Any]]) -> str:
    """The parameter of a `JsonRows` statement."""
    return json.dumps(rows, ensure_ascii=False)


def json_datetime(session: Session) -> Callable[[datetime | None], str | None]:
    """A datetime as a `JsonRows` statement takes it: as SQLAlchemy stores it in SQLite (naive UTC text,
    `2026-11-25 14:00:00.000000`), in ISO 8601 with its offset for PostgreSQL's timestamptz. A naive datetime is
    refused, as everywhere."""
    sqlite = session.get_bind().dialect.name == "sqlite"

    def at(value: datetime | None) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: every datetime must be timezone-aware")
        if value.tzinfo is not UTC:
            value = value.astimezone(UTC)
        # In UTC the text ends in "+00:00": SQLite's form is the same text without it (a sweep writes thousands).
        return value.isoformat(" ", "microseconds")[:-6] if sqlite else value.isoformat()

    return at


class JsonRows:
    """A statement over rows given as one JSON parameter `:rows`, written once for both databases: in `sql`,
    `{rows}` is the FROM item of the rows and `{c[i]}` the i-th item of a row, of the SQL type `types[i]`."""

    def __init__(self, sql: str, types: Sequence[str]) -> None:
        sqlite = [f"json_extract(v.value, '$[{i}]')" for i in range(len(types))]
        postgres = [f"CAST(v.value->>{i} AS {t})" for i, t in enumerate(types)]
        self.statements = {
            "sqlite": text(sql.format(rows="json_each(:rows) AS v", c=sqlite)),
            # jsonb: the document is parsed once; each `->>` on a json value would parse its element again.
            "postgresql": text(sql.format(rows="jsonb_array_elements(CAST(:rows AS jsonb)) AS v(value)", c=postgres)),
        }

    def execute(self, session: Session, rows: list[list[Any]], **params: Any) -> CursorResult[Any]:
        statement = self.statements[session.get_bind().dialect.name]
        return session.connection().execute(statement, {"rows": json_rows(rows), **params})


def locking(session: Session, query: SelectOfScalar[_T]) -> SelectOfScalar[_T]:
    """On PostgreSQL, lock the rows read and skip those another sweeper holds; SQLite has one writer anyway."""
    if session.get_bind().dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


def insert_ignoring(session: Session, model: Any, rows: list[dict[str, Any]], *, conflict: list[str]) -> int:
    """INSERT ... ON CONFLICT DO NOTHING; how many rows were new."""
    if not rows:
        return 0
    table = model.__table__
    dialect = session.get_bind().dialect.name
    statement = (pg_insert(table) if dialect == "postgresql" else sqlite_insert(table)).on_conflict_do_nothing(
        index_elements=conflict
    )
    return len(session.connection().execute(statement.returning(table.c.id), rows).all())


def upsert(session: Session, model: Any, rows: list[dict[str, Any]], *, conflict: list[str], update: list[str]) -> Any:
    """INSERT ... ON CONFLICT (`conflict`) DO UPDATE SET each of `update` to the value offered."""
    table = model.__table__
    dialect = session.get_bind().dialect.name
    statement = (pg_insert(table) if dialect == "postgresql" else sqlite_insert(table)).values(rows)
    return statement.on_conflict_do_update(
        index_elements=conflict, set_={name: statement.excluded[name] for name in update}
    )
