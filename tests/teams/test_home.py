"""`mine` in the bot's one-to-one chat in Teams: the same page as Slack's Home tab, as an Adaptive Card whose
buttons are the reminder's (Done, New date, Snooze), and never the other organisation's internal items."""

from __future__ import annotations

from typing import Any

from bot.teams import cards
from storage.models import Commitment
from tests.teams import activities
from tests.teams.conftest import TeamsBot
from tests.teams.fakes.connector import ALICE, CHANNEL, PAUL, PIA, Person


def personal(teams: TeamsBot, text: str, *, sender: Person) -> dict[str, Any]:
    """A message typed in the bot's one-to-one chat with `sender`."""
    chat = activities.card_submit(teams.url, {}, sender=sender)
    del chat["value"]
    chat["text"] = text
    return chat


def texts(card: dict[str, Any]) -> str:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "TextBlock":
                found.append(str(node["text"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card.get("body"))
    return "\n".join(found)


def submits(card: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Submit":
                found.append(node["data"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card.get("body"))
    return found


def setup(teams: TeamsBot) -> None:
    teams.post(activities.message(teams.url, "commit @pia pricing sheet by end of month", sender=PAUL))
    teams.post(activities.message(teams.url, "commit --internal @alice Our price floor by end of month", sender=ALICE))
    teams.fake.clear()


def test_mine_in_the_personal_chat_answers_with_the_persons_page(teams: TeamsBot) -> None:
    setup(teams)

    ask = personal(teams, "mine", sender=PIA)
    assert teams.post(ask) == (200, "")

    [answer] = teams.fake.sends()
    assert (answer.conversation_id, answer.reply_to) == (activities.personal_conversation(PIA), ask["id"])
    assert answer.card is not None
    page = texts(answer.card)
    assert "`#1` **pricing sheet**" in page
    assert "price floor" not in page  # Acme's internal item, never on a Globex page
    assert submits(answer.card) == [
        {"alliance": cards.DONE, "ch": CHANNEL, "r": 1},
        {"alliance": cards.NEW_DATE, "ch": CHANNEL, "r": 1},
        {"alliance": cards.SNOOZE, "ch": CHANNEL, "r": 1},
    ]


def test_list_mine_answers_the_same_and_alice_sees_her_own_internal_item(teams: TeamsBot) -> None:
    setup(teams)

    teams.post(personal(teams, "list mine", sender=ALICE))

    [answer] = teams.fake.sends()
    assert answer.card is not None
    assert "**Our price floor**" in texts(answer.card)
    assert "pricing sheet" not in texts(answer.card).split("**Your alliances**")[0]  # Pia's, not Alice's to do


def test_done_from_the_card_closes_the_item(teams: TeamsBot) -> None:
    setup(teams)
    teams.post(personal(teams, "mine", sender=PIA))
    teams.fake.clear()

    click = activities.card_submit(teams.url, {"alliance": cards.DONE, "ch": CHANNEL, "r": 1}, sender=PIA)
    assert teams.post(click) == (200, "")

    assert [c.status for c in teams.rows(Commitment) if c.ref == 1] == ["done"]


def test_anything_else_in_the_personal_chat_still_gets_the_hint(teams: TeamsBot) -> None:
    teams.post(personal(teams, "list", sender=PAUL))

    [hint] = teams.fake.sends()
    assert "mention me there" in hint.text and "`mine`" in hint.text
    assert hint.card is None
