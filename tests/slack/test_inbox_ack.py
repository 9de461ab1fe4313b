"""A stored command is acknowledged by the request thread, not when a listener thread is free (issue 13).

Under a burst every listener thread is busy with earlier commands; an acknowledgement that waited for one of them
missed Slack's 3 seconds. A form's submission still waits for its listener: its answer may be errors to show."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from slack_bolt import BoltRequest

from bot.slack.inbox import ACK_WAIT, Inbox, InboxExecutor, Ticket, current
from storage import inbox as rows
from storage.db import Database
from storage.models import InboxEntry
from tests.slack import payloads


def _ticket(inbox: Inbox, db: Database, kind: str) -> Ticket:
    with db.session() as session:
        entry_id = rows.store(
            session,
            key=f"sha256:{kind}",
            kind=kind,
            mode="http",
            body="{}",
            headers="{}",
            owner=inbox.owner,
            lease=timedelta(seconds=30),
        )
    assert entry_id is not None
    return Ticket(inbox, entry_id, replay=False, kind=kind)


@pytest.mark.parametrize(("kind", "acked_at_once"), [("slash_command", True), ("view_submission", False)])
def test_a_stored_command_is_acknowledged_while_every_listener_thread_is_busy(
    db: Database, kind: str, acked_at_once: bool
) -> None:
    inbox = Inbox(db, signing_secret="0" * 32, owner="here")
    executor = InboxExecutor(inbox, max_workers=1)
    busy, ran = threading.Event(), threading.Event()
    try:
        executor.submit(busy.wait, 10)  # the one listener thread is taken by an earlier command
        ticket = _ticket(inbox, db, kind)
        token = current.set(ticket)
        try:
            started = time.monotonic()
            executor.submit(ran.set)
            waited = time.monotonic() - started
        finally:
            current.reset(token)
        assert not ran.is_set()  # the listener has not run yet
        if acked_at_once:
            assert ticket.ack.response is not None and ticket.ack.response.status == 200
            assert waited < ACK_WAIT / 2
        else:
            assert ticket.ack.response is None  # only its listener can say what to answer
            assert waited >= ACK_WAIT * 0.9
        busy.set()
        assert ran.wait(5)
        assert ticket.finished.wait(5)  # and its row is marked done once the listener has returned
    finally:
        busy.set()
        executor.shutdown(wait=True)
        inbox.intake.dispose()


def test_a_dropped_intake_connection_costs_one_more_try_not_the_request(db: Database) -> None:
    # The intake does not ping its connections before each use (a round trip per acknowledgement): a connection
    # the database dropped (a restart, a failover) fails once, and the request is stored on a new one.
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no connection to drop")
    inbox = Inbox(db, signing_secret=payloads.SIGNING_SECRET, owner="here")
    try:
        first = inbox.take(_bolt_request(payloads.slash_command("who owns the deck")))
        assert first is not None
        with inbox.intake.engine.connect() as connection:
            pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        with db.engine.connect() as connection:
            connection.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
        second = inbox.take(_bolt_request(payloads.slash_command("who owns the brief")))
        assert second is not None and second.entry_id != first.entry_id
        with db.session() as session:
            stored = session.get(InboxEntry, second.entry_id)
            assert stored is not None and "brief" in stored.body and stored.owner == "here"
    finally:
        inbox.intake.dispose()


def _bolt_request(signed: payloads.SignedRequest) -> BoltRequest:
    return BoltRequest(body=signed.body.decode("utf-8"), headers=dict(signed.headers))
