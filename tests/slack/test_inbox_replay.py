"""What a dead process left in the inbox is carried out by a running one: re-signed, once (issue 11, item 12)."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.slack.inbox import Inbox
from storage import inbox as rows
from storage.models import Commitment, InboxEntry
from tests.slack import payloads
from tests.slack.conftest import Bot


def leave_behind(bot: Bot, signed: payloads.SignedRequest) -> int:
    """The row a process writes before its ack and then dies: not done, its lease run out."""
    with bot.db.session() as session:
        entry_id = rows.store(
            session,
            key="sha256:left-behind",
            kind="slash_command",
            mode="http",
            body=signed.body.decode(),
            headers=json.dumps({"content-type": signed.content_type}),
            owner="a-dead-process",
            lease=timedelta(seconds=-1),
        )
    assert entry_id is not None
    return entry_id


def test_a_request_a_dead_process_left_is_carried_out_once(bot: Bot) -> None:
    signed = payloads.slash_command(f"commit <@{payloads.PAUL}|paul> Left behind by next Friday", timestamp=1)
    entry_id = leave_behind(bot, signed)
    survivor = Inbox(bot.db, signing_secret=payloads.SIGNING_SECRET, owner="survivor")
    survivor.app = bot._server.app

    # Signed long ago (timestamp 1): the survivor signs it afresh, so Bolt's own check lets it through.
    assert survivor.replay_abandoned() == 1
    bot.quiet()
    assert [c.title for c in bot.rows(Commitment)] == ["Left behind"]
    (entry,) = bot.rows(InboxEntry)
    assert (entry.id, entry.owner, entry.attempts, entry.outcome) == (entry_id, "survivor", 2, "done")
    assert bot.fake.calls_to("chat.postMessage") or bot.fake.calls_to("chat.postEphemeral")

    assert survivor.replay_abandoned() == 0
    assert len(bot.rows(Commitment)) == 1
    assert bot.listener_crashes() == []


def test_a_request_that_keeps_killing_its_process_is_given_up(bot: Bot) -> None:
    signed = payloads.slash_command("list")
    entry_id = leave_behind(bot, signed)
    with bot.db.session() as session:
        entry = session.get(InboxEntry, entry_id)
        assert entry is not None
        entry.attempts = 3
    survivor = Inbox(bot.db, signing_secret=payloads.SIGNING_SECRET, owner="survivor")
    survivor.app = bot._server.app
    assert survivor.replay_abandoned() == 0
    (entry,) = bot.rows(InboxEntry)
    assert entry.outcome == "abandoned"
    bot.quiet(for_seconds=0.2)
    assert bot.fake.calls == []
