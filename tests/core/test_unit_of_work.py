"""One command, one unit of work: a command opens one database session and commits or fails as a whole.

Sessions are counted where every one of them is cut, `storage.db.Session`, so a helper that opened its own
would be counted too. Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, func, select

import storage.db
from bot.console.world import PEOPLE, ConsoleDirectory
from bot.core.alliance import Caller
from bot.core.clock import ManualClock
from bot.core.commitments.results import Recorded
from bot.core.errors import CommandError, NotAllowed
from bot.core.service import AllianceService
from storage.db import Database
from storage.models import Alliance, Commitment, CommitmentEvent, Party

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday
ALICE = Caller(channel_id="C1", user_id="UALICE")
PAUL = Caller(channel_id="C1", user_id="UPAUL")
BOB = Caller(channel_id="C1", user_id="UBOB")


class Counted(Session):
    opened = 0

    def __init__(self, *args: object, **kwargs: object) -> None:
        Counted.opened += 1
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def sessions(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[Counted]]:
    monkeypatch.setattr(storage.db, "Session", Counted)
    Counted.opened = 0
    yield Counted


@pytest.fixture
def service(db: Database) -> AllianceService:
    return AllianceService(db=db, directory=ConsoleDirectory(list(PEOPLE)), clock=ManualClock(NOW))


def count(db: Database, model: type[Alliance] | type[Commitment] | type[CommitmentEvent] | type[Party]) -> int:
    with Session(db.engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def test_a_commit_in_a_new_channel_is_one_session(service: AllianceService, sessions: type[Counted]) -> None:
    # The channel's first use: the alliance is set up, people looked up, the commitment recorded.
    reply = service.handle_text("commit <@UPAUL> Draft joint API spec by next Friday", ALICE)
    assert isinstance(reply.outcome, Recorded)
    assert reply.new_alliance is not None
    assert sessions.opened == 1


def test_a_commit_in_a_known_alliance_is_one_session(service: AllianceService, sessions: type[Counted]) -> None:
    service.handle_text("commit <@UPAUL> Draft joint API spec by next Friday", ALICE)
    sessions.opened = 0
    service.handle_text("commit <@UPIA> Reseller contract by Friday", PAUL)
    assert sessions.opened == 1


@pytest.mark.parametrize(
    "text",
    ["list", "who owns the API spec?", "done #1", "due #1 next Monday", "reassign #1 <@UPIA>", "show #1", "roster"],
)
def test_other_commands_are_one_session_each(service: AllianceService, sessions: type[Counted], text: str) -> None:
    service.handle_text("commit <@UPAUL> Draft joint API spec by next Friday", ALICE)
    sessions.opened = 0
    service.handle_text(text, PAUL)  # the owner, who may change the item
    assert sessions.opened == 1


def test_a_refused_command_changes_nothing(service: AllianceService, db: Database) -> None:
    service.handle_text("commit <@UPAUL> Draft joint API spec by next Friday", ALICE)
    service.handle_text("lead <@UPAUL>", PAUL)
    before = (count(db, Commitment), count(db, CommitmentEvent))
    # Bob (Acme, not the owner, not a lead) may not hand Paul's item on: nothing of the attempt is kept.
    with pytest.raises(NotAllowed):
        service.handle_text("reassign all <@UPAUL> to <@UALICE>", BOB)
    assert (count(db, Commitment), count(db, CommitmentEvent)) == before
    with Session(db.engine) as session:
        owners = session.exec(select(Commitment.owner_id)).all()
    assert owners == ["UPAUL"]


def test_a_refused_first_command_still_sets_up_the_alliance(service: AllianceService, db: Database) -> None:
    # The channel's first use fails (no date), yet the alliance exists now and is introduced with the refusal.
    with pytest.raises(CommandError) as refused:
        service.handle_text("commit <@UPAUL> Draft joint API spec", ALICE)
    assert refused.value.new_alliance is not None
    assert count(db, Alliance) == 1
    assert count(db, Commitment) == 0
    again = service.handle_text("commit <@UPAUL> Draft joint API spec by Friday", ALICE)
    assert again.new_alliance is None


def test_a_session_asked_for_inside_a_unit_of_work_carries_on_in_it(db: Database, sessions: type[Counted]) -> None:
    # What a platform's directory does when a command asks it about a channel: its own `db.session()`.
    with db.session() as outer:
        with db.session() as inner:
            assert inner is outer
        with pytest.raises(RuntimeError), db.session() as failing:
            failing.add(Alliance(platform="slack", channel_id="CFAIL", name="x", host_team_id="T", started_at=NOW))
            failing.flush()
            raise RuntimeError("the inner block fails")
        outer.add(Alliance(platform="slack", channel_id="CKEPT", name="y", host_team_id="T", started_at=NOW))
    assert sessions.opened == 1
    with Session(db.engine) as session:
        assert session.exec(select(Alliance.channel_id)).all() == ["CKEPT"]  # the failed block alone undone
