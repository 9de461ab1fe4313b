"""Shared fixtures: a migrated database on SQLite, and on PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

from storage.db import Database

PG_URL = os.environ.get("TEST_DATABASE_URL", "").strip()
SKIP_PG = "PostgreSQL tests need TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/alliance_test)"

_pg: Database | None = None


def _postgres() -> Database:
    """One migrated PostgreSQL schema per test session; each test starts from empty tables."""
    global _pg
    if _pg is None:
        _pg = Database(PG_URL)
        with _pg.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        _pg.migrate()
    tables = ", ".join(t.name for t in SQLModel.metadata.sorted_tables)
    with _pg.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return _pg


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip(SKIP_PG)
        yield _postgres()
        return
    database = Database(f"sqlite:///{tmp_path / 'test.db'}")
    database.migrate()
    yield database
    database.dispose()
