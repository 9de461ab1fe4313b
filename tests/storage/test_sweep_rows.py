"""The sweep's plain-row reads and one-statement writes, the same tests on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, select, text

from bot.core.pulse import planning as pulse_planning
from bot.core.scorecard import digest
from storage import checkins as checkin_store
from storage import deliveries
from storage import pulse as pulse_store
from storage import repository as repo
from storage import scorecard as scorecard_store
from storage.db import Database
from storage.models import Alliance, Checkin, Commitment, Delivery, PulseSettings, ScorecardSettings

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
LEASE = timedelta(minutes=5)


def make_alliance(db: Database, channel: str = "C1") -> int:
    with db.session() as session:
        alliance, _ = repo.add_alliance(
            session=session,
            platform="slack",
            channel_id=channel,
            name="Acme & Globex",
            host_team_id="TACME",
            started_at=NOW - timedelta(days=60),
            parties=[("TACME", "Acme"), ("TGLOBEX", "Globex")],
        )
        assert alliance.id is not None
        return alliance.id


def plan(db: Database, alliance_id: int, count: int) -> None:
    rows = [
        {
            "key": f"test:{i}",
            "alliance_id": alliance_id,
            "kind": "due_soon",
            "recipient_id": f"U{i}",
            "not_before": NOW - timedelta(minutes=count - i),
        }
        for i in range(count)
    ]
    with db.session() as session:
        assert deliveries.plan_deliveries(session=session, rows=rows) == count


def test_a_claim_takes_at_most_its_limit_in_order_and_never_the_same_row_twice(db: Database) -> None:
    plan(db, make_alliance(db), 1200)
    batches = []
    for worker in ("a", "b", "c"):
        with db.session() as session:
            claimed = deliveries.claim_deliveries(session=session, now=NOW, worker=worker, limit=500, lease=LEASE)
            batches.append([d.key for d in claimed])
    assert [len(b) for b in batches] == [500, 500, 200]
    keys = [k for b in batches for k in b]
    assert keys == [f"test:{i}" for i in range(1200)]  # the oldest first, each once
    with db.session() as session:
        owners = session.exec(select(Delivery.claimed_by, Delivery.attempts)).all()  # type: ignore[call-overload]
    assert sorted({tuple(o) for o in owners}) == [("a", 1), ("b", 1), ("c", 1)]


def test_outcomes_are_recorded_for_the_holder_only(db: Database) -> None:
    plan(db, make_alliance(db), 3)
    with db.session() as session:
        claimed = deliveries.claim_deliveries(session=session, now=NOW, worker="a", limit=10, lease=LEASE)
    ids = [d.id for d in claimed]
    outcomes = [
        {"id": ids[0], "status": "sent", "sent_at": NOW, "message_ts": "1.1", "not_before": NOW, "claimed_at": NOW},
        {"id": ids[1], "status": "pending", "error": "ratelimited", "not_before": NOW + LEASE, "release": True},
    ]
    with db.session() as session:
        assert deliveries.finish_deliveries(session=session, worker="b", outcomes=outcomes) == 0  # not b's
        assert deliveries.finish_deliveries(session=session, worker="a", outcomes=outcomes) == 2
    with db.session() as session:
        rows = {d.id: d for d in session.exec(select(Delivery)).scalars()}  # type: ignore[call-overload]
    sent, retry, untouched = rows[ids[0]], rows[ids[1]], rows[ids[2]]
    assert (sent.status, sent.message_ts, sent.sent_at, sent.claimed_by) == ("sent", "1.1", NOW, "a")
    assert (retry.status, retry.last_error, retry.not_before, retry.claimed_by) == (
        "pending",
        "ratelimited",
        NOW + LEASE,
        None,
    )
    assert (untouched.status, untouched.claimed_by) == ("claimed", "a")


def test_ladders_are_read_as_rows_and_written_back_in_one_go(db: Database) -> None:
    alliance_id = make_alliance(db)
    with db.session() as session:
        for ref, next_at in ((1, NOW - timedelta(hours=1)), (2, NOW - timedelta(minutes=1)), (3, NOW + timedelta(1))):
            session.add(
                Commitment(
                    alliance_id=alliance_id,
                    ref=ref,
                    title=f"item {ref}",
                    owner_id="UALICE",
                    party_team_id="TACME",
                    due_at=NOW,
                    created_by="UALICE",
                    created_at=NOW - timedelta(days=3),
                    next_nudge_at=next_at,
                )
            )
    with db.session() as session:
        due = deliveries.due_commitments(session=session, now=NOW, limit=10)
        assert [(c.alliance_id, c.owner_id, c.nudge_stage) for c in due] == [(alliance_id, "UALICE", 0)] * 2
        due[0].nudge_stage, due[0].next_nudge_at = 2, NOW + timedelta(days=2)
        due[1].nudge_stage, due[1].next_nudge_at = 4, None
        deliveries.set_ladders(session=session, rows=due)
    with db.session() as session:
        found = session.exec(select(Commitment.ref, Commitment.nudge_stage, Commitment.next_nudge_at)).all()  # type: ignore[call-overload]
    assert sorted(tuple(f) for f in found) == [
        (1, 2, NOW + timedelta(days=2)),
        (2, 4, None),
        (3, 0, NOW + timedelta(1)),
    ]


def test_cadence_rows_carry_the_host_country_and_the_last_checkin(db: Database) -> None:
    first, second = make_alliance(db, "C1"), make_alliance(db, "C2")
    with db.session() as session:
        party = repo.get_party(session=session, alliance_id=first, team_id="TACME")
        assert party is not None
        party.country = "DE"
        session.add(party)
        for seq in (1, 2):
            at = NOW - timedelta(days=10 - seq)
            session.add(Checkin(alliance_id=first, seq=seq, opened_at=at, closes_at=at + timedelta(days=1)))
        for alliance in session.exec(select(Alliance)).scalars():  # type: ignore[call-overload]
            alliance.next_checkin_at = NOW + timedelta(days=20)
            session.add(alliance)
    with db.session() as session:
        rows = {r.id: r for r in checkin_store.cadence_rows(session=session, alliance_ids=[first, second])}
        assert (rows[first].host_country, rows[first].last_opened_at) == ("DE", NOW - timedelta(days=8))
        assert (rows[second].host_country, rows[second].last_opened_at) == (None, None)
        # Brought forward only where it is sooner: a later moment never moves a check-in back.
        checkin_store.bring_forward(
            session=session, checkins=[(first, NOW + timedelta(days=3)), (second, NOW + timedelta(days=30))]
        )
    with db.session() as session:
        after = dict(session.exec(select(Alliance.id, Alliance.next_checkin_at)).all())  # type: ignore[call-overload]
    assert after == {first: NOW + timedelta(days=3), second: NOW + timedelta(days=20)}


def test_the_sweep_instant_only_moves_forward(db: Database) -> None:
    with db.session() as session:
        assert deliveries.last_sweep(session=session) is None
        assert deliveries.sweep_instant(session=session, now=NOW) == NOW
    with db.session() as session:
        assert deliveries.sweep_instant(session=session, now=NOW - timedelta(hours=3)) == NOW  # never back
        assert deliveries.sweep_instant(session=session, now=NOW + timedelta(minutes=1)) == NOW + timedelta(minutes=1)
    with db.session() as session:
        assert deliveries.last_sweep(session=session) == NOW + timedelta(minutes=1)


def test_the_claim_and_the_search_for_new_alliances_read_small_indexes_not_whole_tables(db: Database) -> None:
    # Every sweep runs these; their cost must follow what is due, not the history (issue 13's lean sweep). SQLite
    # says which index it reads; PostgreSQL's choice depends on its statistics, so there the queries only run.
    alliance_id = make_alliance(db)
    for channel in ("C2", "C3", "C4"):
        make_alliance(db, channel)
    plan(db, alliance_id, 300)
    with db.engine.begin() as connection:  # a history: most deliveries sent long ago, every alliance planned for
        connection.execute(text("UPDATE delivery SET status = 'sent' WHERE id % 50 <> 0"))
        connection.execute(
            text("UPDATE alliance SET scorecard_planned = true, pulse_planned = true WHERE id <> :a"),
            {"a": alliance_id},
        )
        connection.execute(text("ANALYZE"))
    seen: list[tuple[str, Any]] = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: seen.append((args[2], args[3])))
    with db.session() as session:
        deliveries.claim_deliveries(session=session, now=NOW, worker="w", limit=10, lease=LEASE)
        pulse_store.unplanned_alliances(session=session, limit=10)
        scorecard_store.needing_attention(session=session, now=NOW, reviews_before=NOW, limit=10)
    if db.engine.dialect.name != "sqlite":
        return

    def steps(marker: str) -> list[str]:
        statement, parameters = next((s, p) for s, p in seen if marker in s)
        with db.engine.connect() as connection:
            return [row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]

    # A bare "SCAN delivery" (every row) is what the claim did before the partial index of unsent deliveries.
    claim = steps("UPDATE delivery")
    assert "SCAN delivery" not in claim and any("ix_delivery_unsent" in step for step in claim), claim
    assert steps("NOT alliance.pulse_planned")[0] == "SCAN alliance USING INDEX ix_alliance_pulse_unplanned"
    assert steps("NOT alliance.scorecard_planned")[0] == "SCAN alliance USING INDEX ix_alliance_scorecard_unplanned"


def test_the_search_for_scorecard_work_reads_indexes_not_every_alliances_settings(db: Database) -> None:
    # Every sweep asks which alliances have scorecard work (metrics changed, a digest due, reviews not looked at
    # for a while): each of the four conditions must be one an index answers, or the search reads every alliance's
    # settings every minute. A settled deployment of 2,000 alliances, none with work; both databases are asked
    # for their plan (PostgreSQL with a full read made a last resort: on a small table it is cheaper anyway).
    with db.engine.begin() as connection:
        connection.execute(
            Alliance.__table__.insert(),  # type: ignore[attr-defined]
            [
                {
                    "platform": "slack",
                    "channel_id": f"C{n:05d}",
                    "name": f"Alliance {n}",
                    "host_team_id": "TACME",
                    "started_at": NOW - timedelta(days=60),
                    "scorecard_planned": True,
                    "pulse_planned": True,
                }
                for n in range(2000)
            ],
        )
        connection.execute(
            ScorecardSettings.__table__.insert().from_select(  # type: ignore[attr-defined]
                ["alliance_id", "digest", "next_digest_at", "reviews_checked_at"],
                select(
                    Alliance.id,  # type: ignore[call-overload]
                    text("'monthly'"),
                    text(":ahead").bindparams(ahead=NOW + timedelta(days=5)),
                    text(":checked").bindparams(checked=NOW),
                ),
            )
        )
        connection.execute(text("ANALYZE"))
    seen: list[tuple[str, Any]] = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: seen.append((args[2], args[3])))
    with db.session() as session:
        assert scorecard_store.needing_attention(session=session, now=NOW, reviews_before=NOW, limit=10) == []
    statement, parameters = next((s, p) for s, p in seen if "FROM scorecardsettings" in s)
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "sqlite":
            plan = [row[3] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)]
            # e.g. "SCAN scorecardsettings USING COVERING INDEX ix_scorecardsettings_dirty" (the partial index of
            # the few rows with the flag set) and "SEARCH scorecardsettings USING INDEX ..." for the others.
            reads = [step for step in plan if step.startswith(("SCAN scorecardsettings", "SEARCH scorecardsettings"))]
            assert len(reads) == 4 and all("INDEX" in step for step in reads), plan
        else:
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = [row[0] for row in connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)]
            assert not any("Seq Scan" in step or "scorecardsettings_pkey" in step for step in plan), plan


def test_a_new_alliance_is_planned_for_once_by_the_scorecard_and_the_pulse(db: Database) -> None:
    alliance_id = make_alliance(db)
    with db.session() as session:
        assert [a.id for a in pulse_store.unplanned_alliances(session=session, limit=10)] == [alliance_id]
        assert scorecard_store.needing_attention(session=session, now=NOW, reviews_before=NOW, limit=10) == [
            alliance_id
        ]
    assert pulse_planning.plan(db, NOW) >= 0
    assert digest.plan(db, NOW) >= 0
    with db.session() as session:
        alliance = session.get(Alliance, alliance_id)
        assert alliance is not None and alliance.scorecard_planned and alliance.pulse_planned
        assert session.get(PulseSettings, alliance_id) is not None
        assert session.get(ScorecardSettings, alliance_id) is not None
        assert pulse_store.unplanned_alliances(session=session, limit=10) == []
        # Its reviews were just looked at and no digest is due: nothing for the scorecard until something changes.
        assert scorecard_store.needing_attention(session=session, now=NOW, reviews_before=NOW, limit=10) == []
