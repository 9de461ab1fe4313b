"""SQL helpers every storage module shares: `IN` lists, row locks, inserts that skip what exists."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ARRAY, any_, bindparam, func, literal_column, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session
from sqlmodel.sql.expression import SelectOfScalar

from storage.types import AwareDateTime

_T = TypeVar("_T")


def among(session: Session, column: Any, values: Iterable[Any]) -> Any:
    """`column IN values` (ids, user ids) in one parameter instead of thousands, which the driver and the
    database handle several times faster for the batches a sweep reads: `= ANY(array)` on PostgreSQL, `IN (SELECT
    value FROM json_each(...))` on SQLite (SQLAlchemy would otherwise render a placeholder per value each time)."""
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(json_values(values))


def json_values(values: list[Any]) -> Any:
    """A SQLite subquery of the values of one JSON array parameter: `SELECT value FROM json_each(:values)`."""
    return select(literal_column("value")).select_from(func.json_each(bindparam(None, json.dumps(values))))


def sqlite_json(rows: list[list[Any]]) -> str:
    """Rows for one SQLite statement that reads them with `json_each` (as PostgreSQL reads arrays with `unnest`):
    one parameter whatever their number, not a bound parameter set per row for SQLAlchemy to process."""
    return json.dumps(rows, ensure_ascii=False)


def json_columns(count: int, source: str = "value", *, start: int = 0) -> str:
    """The SQL that takes `count` items of each row `json_each` yields apart, from `start`:
    `json_extract(value, '$[0]'), json_extract(value, '$[1]'), ...`."""
    return ", ".join(f"json_extract({source}, '$[{i}]')" for i in range(start, start + count))


def sqlite_datetime(session: Session) -> Callable[[datetime | None], str | None]:
    """A datetime as SQLAlchemy stores it in SQLite (naive UTC text), for values written through `sqlite_json`."""
    dialect = session.get_bind().dialect
    processor = AwareDateTime().dialect_impl(dialect).bind_processor(dialect)
    assert processor is not None
    return processor


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
