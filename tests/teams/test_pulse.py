"""The health pulse in Teams: the questions as an Adaptive Card in each person's private chat, answered by the
card's own submit; the results in the channel as a table of both organisations' averages (Teams gets no chart)
with a "Make it a commitment" button that gives a lead the commitment form filled in. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.teams import pulse_cards
from storage.models import PulseAnswered, PulseTally
from tests.teams import activities
from tests.teams.conftest import TeamsBot
from tests.teams.fakes.connector import ALICE, BOB, CHANNEL, ERIN, GUS, PAUL, PIA, Call, Person

ACME = (ALICE, BOB, ERIN)
GLOBEX = (PAUL, PIA, GUS)


def say(teams: TeamsBot, text: str, sender: Person) -> None:
    assert teams.post(activities.message(teams.url, text, sender=sender)) == (200, "")


def sweep_hours(teams: TeamsBot, hours: int, every: int = 1) -> None:
    for _ in range(0, hours, every):
        teams.clock.advance(timedelta(hours=every))
        teams.sweep()


def cards_to(teams: TeamsBot, person: Person) -> list[dict[str, Any]]:
    chat = activities.personal_conversation(person)
    return [c.card for c in teams.fake.sends() if c.conversation_id == chat and c.card is not None]


def pulse_card(teams: TeamsBot, person: Person) -> dict[str, Any]:
    [card] = [
        c
        for c in cards_to(teams, person)
        if c.get("actions", [{}])[0].get("data", {}).get("alliance") == "pulse_answer"
    ]
    return card


def answer(teams: TeamsBot, person: Person, card: dict[str, Any], ratings: list[int], remark: str = "") -> Call:
    data = dict(card["actions"][0]["data"])
    data.update({f"q{n}": str(r) for n, r in enumerate(ratings, start=1)})
    data[pulse_cards.REMARK] = remark
    teams.fake.clear()
    assert teams.post(activities.card_submit(teams.url, data, sender=person)) == (200, "")
    [reply] = teams.fake.sends()
    return reply


def test_asked_in_a_card_answered_by_its_submit_and_summed_up_as_a_table(teams: TeamsBot) -> None:
    say(teams, "lead @alice", ALICE)
    say(teams, "lead @paul", PAUL)
    for person in (BOB, ERIN, PIA, GUS):
        say(teams, "pulse", person)  # everyone has spoken: the bot knows them all
    say(teams, "pulse now", PAUL)
    teams.fake.clear()
    sweep_hours(teams, 24)
    asked = {person.key: pulse_card(teams, person) for person in (*ACME, *GLOBEX)}
    card = asked[PIA.key]
    inputs = [b for b in card["body"] if b["type"].startswith("Input.")]
    assert [i["id"] for i in inputs] == [f"q{n}" for n in range(1, 9)] + [pulse_cards.REMARK]
    assert [c["value"] for c in inputs[0]["choices"]] == ["1", "2", "3", "4", "5"]
    assert inputs[1]["label"] == "2. Both sides keep the commitments they make."

    for person in ACME:
        reply = answer(teams, person, asked[person.key], [4, 2, 5, 4, 4, 4, 4, 4], "Zanzibar words")
        assert "counted, anonymously" in reply.text
    for person in GLOBEX:
        answer(teams, person, asked[person.key], [4, 2, 2, 4, 4, 4, 4, 4], "Quokka words")
    again = answer(teams, PIA, card, [1] * 8)
    assert "already" in again.text
    assert len(teams.rows(PulseAnswered)) == 6
    assert sum(t.count for t in teams.rows(PulseTally) if t.question == 1) == 6

    teams.fake.clear()
    sweep_hours(teams, 24 * 8, every=6)
    [results] = [c for c in teams.fake.sends() if c.conversation_id == CHANNEL and c.card is not None]
    assert results.card is not None
    table = next(b for b in results.card["body"] if b["type"] == "Table")
    cells = [[cell["items"][0]["text"] for cell in row["cells"]] for row in table["rows"]]
    assert cells[0] == ["Statement", "Acme", "Globex", "Gap", "Group"] and len(cells) == 9
    assert cells[3][1:] == ["5.0", "2.0", "3.0", "blind spot"]
    actions = results.card["actions"]
    assert [(a["title"], a["data"]["n"]) for a in actions] == [
        ("Make it a commitment: 2", 2),
        ("Make it a commitment: 3", 3),
    ]
    # each party's open answers reach its own lead's private chat, and nobody else
    for words, lead in (("Zanzibar", ALICE), ("Quokka", PAUL)):
        got = {c.conversation_id for c in teams.fake.sends() if words in str(c.body)}
        assert got == {activities.personal_conversation(lead)}

    teams.fake.clear()
    assert teams.post(activities.card_submit(teams.url, actions[1]["data"], sender=BOB)) == (200, "")
    assert "Only a party's lead" in teams.fake.sends()[-1].text
    teams.fake.clear()
    assert teams.post(activities.card_submit(teams.url, actions[1]["data"], sender=PAUL)) == (200, "")
    form = teams.fake.sends()[-1].card
    assert form is not None
    title = next(i for i in form["body"] if i.get("id") == "title")
    assert title["value"] == "Close the pulse gap: Decisions in this alliance are made fast enough."
