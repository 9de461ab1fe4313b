"""Repository functions, the same tests on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import inspect
from sqlmodel import SQLModel

from storage import deliveries
from storage import repository as repo
from storage.db import Database, migrate
from storage.models import Commitment, Person, Status

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def make_alliance(db: Database, channel: str = "C1") -> int:
    with db.session() as session:
        alliance, created = repo.add_alliance(
            session=session,
            platform="slack",
            channel_id=channel,
            name="Acme & Globex",
            host_team_id="TACME",
            started_at=NOW,
            parties=[("TACME", "Acme"), ("TGLOBEX", "Globex")],
        )
        assert created
        assert alliance.id is not None
        return alliance.id


def add(db: Database, alliance_id: int, title: str, due: datetime, owner: str = "UPAUL") -> Commitment:
    with db.session() as session:
        return repo.add_commitment(
            session=session,
            alliance_id=alliance_id,
            title=title,
            owner_id=owner,
            party_team_id="TGLOBEX",
            due_at=due,
            milestone=False,
            created_by="UALICE",
            now=NOW,
        )


def test_alliance_is_created_once_per_channel(db: Database) -> None:
    first = make_alliance(db)
    with db.session() as session:
        again, created = repo.add_alliance(
            session=session,
            platform="slack",
            channel_id="C1",
            name="other",
            host_team_id="TX",
            started_at=NOW,
            parties=[],
        )
    assert (again.id, created) == (first, False)
    with db.session() as session:
        parties = repo.list_parties(session=session, alliance_id=first)
    assert [(p.team_id, p.name) for p in parties] == [("TACME", "Acme"), ("TGLOBEX", "Globex")]


def test_refs_count_per_alliance(db: Database) -> None:
    a = make_alliance(db, "C1")
    b = make_alliance(db, "C2")
    refs = [add(db, a, "one", NOW).ref, add(db, a, "two", NOW).ref, add(db, b, "other", NOW).ref]
    assert refs == [1, 2, 1]


def test_refs_are_unique_under_concurrent_inserts(db: Database) -> None:
    alliance_id = make_alliance(db)
    refs: list[int] = []
    errors: list[BaseException] = []

    def insert(n: int) -> None:
        try:
            for i in range(5):
                refs.append(add(db, alliance_id, f"t{n}-{i}", NOW).ref)
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=insert, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(refs) == list(range(1, 21))


def test_datetimes_come_back_aware_and_equal(db: Database) -> None:
    alliance_id = make_alliance(db)
    due = datetime(2026, 12, 4, 18, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    created = add(db, alliance_id, "Draft joint API spec", due)
    with db.session() as session:
        loaded = repo.get_commitment(session=session, alliance_id=alliance_id, ref=created.ref)
    assert loaded is not None
    assert loaded.due_at == due
    assert loaded.due_at.tzinfo is not None
    assert loaded.due_at.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(db: Database) -> None:
    alliance_id = make_alliance(db)
    with pytest.raises(Exception, match="naive datetime"):
        add(db, alliance_id, "x", datetime(2026, 12, 4, 18, 0))  # noqa: DTZ001


def test_find_filters_by_owner_status_and_due(db: Database) -> None:
    alliance_id = make_alliance(db)
    late = add(db, alliance_id, "late", NOW - timedelta(days=1))
    add(db, alliance_id, "later", NOW + timedelta(days=3), owner="UPIA")
    done = add(db, alliance_id, "done", NOW + timedelta(days=1))
    with db.session() as session:
        row = repo.get_commitment(session=session, alliance_id=alliance_id, ref=done.ref)
        assert row is not None
        row.status = Status.DONE.value
    with db.session() as session:
        open_titles = [c.title for c in repo.find_commitments(session=session, alliance_id=alliance_id)]
        overdue = [c.ref for c in repo.find_commitments(session=session, alliance_id=alliance_id, due_before=NOW)]
        pia = [c.title for c in repo.find_commitments(session=session, alliance_id=alliance_id, owner_id="UPIA")]
        closed = [
            c.title for c in repo.find_commitments(session=session, alliance_id=alliance_id, statuses=(Status.DONE,))
        ]
        titles = repo.open_titles(session=session, alliance_id=alliance_id)
    assert open_titles == ["late", "later"]
    assert overdue == [late.ref]
    assert pia == ["later"]
    assert closed == ["done"]
    assert sorted(titles) == [(1, "late"), (2, "later")]


def test_history_is_kept_in_order(db: Database) -> None:
    alliance_id = make_alliance(db)
    item = add(db, alliance_id, "spec", NOW)
    with db.session() as session:
        repo.add_event(
            session=session, commitment=item, at=NOW + timedelta(hours=1), actor_id="UPIA", kind="done", detail=""
        )
    assert item.id is not None
    with db.session() as session:
        kinds = [(e.kind, e.actor_id) for e in repo.history(session=session, commitment_id=item.id)]
    assert kinds == [("created", "UALICE"), ("done", "UPIA")]


def test_event_ids_are_claimed_once_and_forgotten_later(db: Database) -> None:
    with db.session() as session:
        assert repo.claim_event(session=session, event_id="Ev1", at=NOW) is True
        assert repo.claim_event(session=session, event_id="Ev1", at=NOW) is False
        assert repo.claim_event(session=session, event_id="Ev2", at=NOW + timedelta(days=2)) is True
    with db.session() as session:
        assert deliveries.forget_events(session=session, before=NOW + timedelta(days=1)) == 1
    with db.session() as session:
        assert repo.claim_event(session=session, event_id="Ev1", at=NOW) is True
        assert repo.claim_event(session=session, event_id="Ev2", at=NOW) is False


def test_people_are_saved_and_refreshed(db: Database) -> None:
    with db.session() as session:
        repo.save_person(
            session=session,
            person=Person(user_id="UPAUL", team_id="TGLOBEX", name="paul", tz="Europe/Berlin", refreshed_at=NOW),
        )
    with db.session() as session:
        repo.save_person(
            session=session,
            person=Person(
                user_id="UPAUL", team_id="TGLOBEX", name="Paul", tz="Asia/Tokyo", deleted=True, refreshed_at=NOW
            ),
        )
    with db.session() as session:
        people = repo.get_people(session=session, user_ids=["UPAUL", "UNOBODY"])
    assert list(people) == ["UPAUL"]
    assert (people["UPAUL"].name, people["UPAUL"].tz, people["UPAUL"].deleted) == ("Paul", "Asia/Tokyo", True)


def test_migrations_match_the_models(db: Database) -> None:
    """The alembic history builds exactly the tables the models describe (no forgotten migration)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert diff == []


def test_migrating_twice_changes_nothing(db: Database) -> None:
    before = sorted(inspect(db.engine).get_table_names())
    migrate(db.engine)
    assert sorted(inspect(db.engine).get_table_names()) == before
    assert {"alliance", "party", "person", "commitment", "commitmentevent", "processedevent"} <= set(before)
