"""Check-ins and nudges in Teams: sent proactively by the one schedule, as Adaptive Cards with the same buttons."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.teams import cards
from storage.models import Alliance, Commitment, Delivery, TeamsConversation
from tests.teams import activities
from tests.teams.conftest import TeamsBot
from tests.teams.fakes.connector import ACME_TENANT, BOT_ID, CHANNEL, PAUL, PIA, Call


def _buttons(card: dict[str, Any]) -> list[str]:
    """The titles of every action in a card, in order (inline forms' own submits included)."""
    titles: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if str(node.get("type", "")).startswith("Action."):
                titles.append(str(node["title"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return titles


def _commit(teams: TeamsBot, text: str = "commit @pia pricing sheet by tomorrow") -> None:
    """A commitment due tomorrow: its owner hears of it at once, a day before the alliance's first check-in."""
    assert teams.post(activities.message(teams.url, text, sender=PAUL)) == (200, "")
    teams.fake.clear()


def _created(teams: TeamsBot) -> list[Call]:
    return [c for c in teams.fake.calls if c.method == "POST" and c.path == "/v3/conversations"]


def test_a_nudge_is_a_card_in_a_new_one_to_one_chat_with_the_owner(teams: TeamsBot) -> None:
    _commit(teams)

    report = teams.sweep()

    assert (report.checkins_opened, report.sent) == (0, 1)
    [create] = _created(teams)
    assert create.body["members"] == [{"id": PIA.teams_id}]
    assert (create.body["bot"], create.body["channelData"]) == ({"id": BOT_ID}, {"tenant": {"id": ACME_TENANT}})
    [nudge] = teams.fake.sends()
    assert nudge.conversation_id == activities.personal_conversation(PIA)
    assert nudge.card is not None
    assert nudge.body["summary"] == "**⏳ Due soon**"
    assert "`#1` **pricing sheet** · <at>Pia Porter</at> (Globex)" in nudge.card["body"][0]["text"]
    assert nudge.card["msteams"]["entities"] == [
        {"type": "mention", "text": "<at>Pia Porter</at>", "mentioned": {"id": PIA.teams_id, "name": "Pia Porter"}}
    ]
    assert _buttons(nudge.card) == ["Done", "New date", "Move", "Reassign", "Reassign", "Snooze 3 days"]
    # The chat is remembered: the next message to Pia needs no new conversation.
    personal = [r for r in teams.rows(TeamsConversation) if r.kind == "personal"]
    assert [(r.conversation_id, r.user_id) for r in personal] == [(activities.personal_conversation(PIA), PIA.aad_id)]


def test_a_check_in_opens_in_the_channel_and_asks_each_owner_with_buttons(teams: TeamsBot) -> None:
    _commit(teams)
    teams.post(activities.message(teams.url, "checkin now", sender=PAUL))
    teams.fake.clear()

    teams.sweep()

    opened = next(c for c in teams.fake.sends() if c.conversation_id == CHANNEL)
    assert opened.text.startswith("📋 **Check-in #1**: where do our commitments stand?")
    ask = next(c for c in teams.fake.sends() if c.conversation_id == activities.personal_conversation(PIA))
    assert ask.card is not None
    assert _buttons(ask.card) == ["On track", "At risk", "Done", "New date", "Move", "Need help", "Ask for help"]
    data = [a["data"] for a in ask.card["body"][1]["items"][1]["actions"] if a["type"] == "Action.Submit"]
    assert data[0] == {"alliance": cards.ON_TRACK, "ch": CHANNEL, "r": 1}


def test_a_click_on_track_is_posted_in_the_check_in_thread_and_confirmed_privately(teams: TeamsBot) -> None:
    _commit(teams)
    teams.post(activities.message(teams.url, "checkin now", sender=PAUL))
    teams.sweep()
    opened = next((c for c in teams.fake.sends() if c.conversation_id == CHANNEL and "Check-in #1" in c.text), None)
    thread = next(d.message_ts for d in teams.rows(Delivery) if d.kind == "checkin_open")
    teams.fake.clear()

    click = activities.card_submit(teams.url, {"alliance": cards.ON_TRACK, "ch": CHANNEL, "r": 1}, sender=PIA)
    assert teams.post(click) == (200, "")

    line, confirmation = teams.fake.sends()
    assert opened is not None
    assert line.conversation_id == f"{CHANNEL};messageid={thread}"
    assert line.text == "<at>Pia Porter</at> on `#1` **pricing sheet**: 🟢 on track"
    assert (confirmation.conversation_id, confirmation.reply_to) == (activities.personal_conversation(PIA), click["id"])
    assert confirmation.text.startswith("👌 Noted, and posted in the check-in thread in the alliance channel: ")
    [commitment] = teams.rows(Commitment)
    assert commitment.reported == "on_track"


def test_the_inline_forms_move_the_date_and_reassign(teams: TeamsBot) -> None:
    _commit(teams)

    moved = {"alliance": cards.NEW_DATE, "ch": CHANNEL, "r": 1, "due": "2026-12-11"}
    assert teams.post(activities.card_submit(teams.url, moved, sender=PIA)) == (200, "")
    reassigned = {"alliance": cards.REASSIGN, "ch": CHANNEL, "r": 1, "owner": PAUL.aad_id}
    assert teams.post(activities.card_submit(teams.url, reassigned, sender=PIA)) == (200, "")

    [commitment] = teams.rows(Commitment)
    assert (commitment.due_at.date().isoformat(), commitment.owner_id) == ("2026-12-11", PAUL.aad_id)
    channel_lines = [c.text for c in teams.fake.sends() if c.conversation_id == CHANNEL]
    assert channel_lines[0].startswith("📅 `#1` **pricing sheet** now due Fri 11 Dec 2026, 18:00 CET")
    assert channel_lines[1].startswith("🔄 `#1` **pricing sheet** now belongs to <at>Paul Peters</at> (Globex)")


def test_a_card_answer_that_cannot_be_read_changes_nothing(teams: TeamsBot) -> None:
    _commit(teams)

    for value in (
        {"alliance": cards.DONE, "ch": CHANNEL, "r": "one"},
        {"alliance": cards.NEW_DATE, "ch": CHANNEL, "r": 1, "due": "soon"},
        {"alliance": "launch_missiles", "ch": CHANNEL, "r": 1},
        {"alliance": cards.DONE, "ch": "19:another-team@thread.tacv2", "r": 1},
        {"alliance": cards.FORM, "title": "No channel", "due": "2026-12-04"},
    ):
        assert teams.post(activities.card_submit(teams.url, value, sender=PIA)) == (200, "")

    assert [c.text for c in teams.fake.sends()] == [
        "I couldn't read that card's answer; nothing was changed. Try again, or write the command instead."
    ] * 5
    [commitment] = teams.rows(Commitment)
    assert len(teams.rows(Alliance)) == 1
    assert (commitment.status, commitment.due_at.day) == ("open", 25)


def test_a_rate_limited_send_waits_as_long_as_teams_asks(teams: TeamsBot) -> None:
    _commit(teams)
    teams.fake.fail_next(429, retry_after=600)

    report = teams.sweep()

    assert (report.sent, report.retried) == (0, 1)
    [delivery] = [d for d in teams.rows(Delivery) if d.status == "pending"]
    assert delivery.not_before == teams.clock.now() + timedelta(seconds=600)
    assert delivery.last_error is not None and delivery.last_error.startswith("connector 429")


def test_a_send_teams_forbids_is_given_up_at_once(teams: TeamsBot) -> None:
    _commit(teams)
    teams.fake.fail_next(403)

    report = teams.sweep()

    assert (report.sent, report.failed) == (0, 1)
