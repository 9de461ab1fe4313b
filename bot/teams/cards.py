"""Adaptive Cards: pure builders from core outcomes and rendered text to the JSON Teams shows.

Every button is an Action.Submit whose data names what to do (`alliance`), the alliance (`ch`, its channel
key) and the commitment (`r`), so a click in a private chat finds both. New date, Need help and Reassign open
a small inline form (Action.ShowCard) whose own submit carries the entered value.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.core.checkins.results import CheckinAsk, Nudge
from bot.core.home.board import Home
from bot.teams.markup import People, Rendered, render
from bot.texts import checkins as checkins_texts
from bot.texts import home as home_texts

Card = dict[str, Any]

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
MAX_ITEMS = 20

# What a submit asks for (the `alliance` key of its data).
ON_TRACK = "checkin_on_track"
AT_RISK = "checkin_at_risk"
DONE = "item_done"
NEW_DATE = "item_new_date"
NEED_HELP = "item_need_help"
REASSIGN = "item_reassign"
SNOOZE = "item_snooze"
FORM = "commitment_form"
SNOOZE_DAYS = 3
NOTE_LIMIT = 1000
# Teams' people picker: the chosen person's Microsoft Entra object id is the value, as the core knows people.
PEOPLE_PICKER = {"type": "Data.Query", "dataset": "graph.microsoft.com/users"}


def attachment(card: Card) -> dict[str, Any]:
    return {"contentType": CARD_TYPE, "content": card}


def card(body: list[Card], entities: list[dict[str, Any]], actions: list[Card] | None = None) -> Card:
    result: Card = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}
    if actions:
        result["actions"] = actions
    # Mentions inside a card need their entities on the card itself; full width reads better in a channel.
    result["msteams"] = {"width": "Full", **({"entities": entities} if entities else {})}
    return result


def text_block(text: str, **extra: Any) -> Card:
    return {"type": "TextBlock", "text": text, "wrap": True, **extra}


def submit(title: str, action: str, channel_key: str, ref: int, *, style: str | None = None) -> Card:
    button: Card = {"type": "Action.Submit", "title": title, "data": {"alliance": action, "ch": channel_key, "r": ref}}
    if style:
        button["style"] = style
    return button


def show_card(title: str, inputs: list[Card], submit_button: Card) -> Card:
    return {
        "type": "Action.ShowCard",
        "title": title,
        "card": {"type": "AdaptiveCard", "body": inputs, "actions": [submit_button]},
    }


def new_date(channel_key: str, ref: int) -> Card:
    picker = {"type": "Input.Date", "id": "due", "label": "Due (end of the owner's working day)", "isRequired": True}
    return show_card("New date", [picker], submit("Move", NEW_DATE, channel_key, ref))


def need_help(channel_key: str, ref: int) -> Card:
    note = {
        "type": "Input.Text",
        "id": "note",
        "label": "What do you need?",
        "isMultiline": True,
        "maxLength": NOTE_LIMIT,
        "placeholder": "What is in the way, and who could unblock it?",
    }
    return show_card("Need help", [note], submit("Ask for help", NEED_HELP, channel_key, ref, style="destructive"))


def reassign(channel_key: str, ref: int) -> Card:
    owner = {
        "type": "Input.ChoiceSet",
        "id": "owner",
        "label": "New owner",
        "isRequired": True,
        "choices": [],
        "choices.data": PEOPLE_PICKER,
    }
    return show_card("Reassign", [owner], submit("Reassign", REASSIGN, channel_key, ref))


def checkin_buttons(channel_key: str, ref: int) -> list[Card]:
    return [
        submit("On track", ON_TRACK, channel_key, ref, style="positive"),
        submit("At risk", AT_RISK, channel_key, ref),
        submit("Done", DONE, channel_key, ref),
        new_date(channel_key, ref),
        need_help(channel_key, ref),
    ]


def nudge_buttons(channel_key: str, ref: int) -> list[Card]:
    return [
        submit("Done", DONE, channel_key, ref, style="positive"),
        new_date(channel_key, ref),
        reassign(channel_key, ref),
        submit(f"Snooze {SNOOZE_DAYS} days", SNOOZE, channel_key, ref),
    ]


def home_buttons(channel_key: str, ref: int) -> list[Card]:
    """What a person's own page offers on each of their items: the reminder's Done, New date and Snooze."""
    return [
        submit("Done", DONE, channel_key, ref, style="positive"),
        new_date(channel_key, ref),
        submit(f"Snooze {SNOOZE_DAYS} days", SNOOZE, channel_key, ref),
    ]


def home(page: Home, *, people: People) -> Card:
    """`mine` in the personal chat: the same page as Slack's Home tab (bot.core.home), as one card."""
    parts: list[Rendered] = []

    def block(mrkdwn: str, **extra: Any) -> Card:
        rendered = render(mrkdwn, people)
        parts.append(rendered)
        return text_block(rendered.text, **extra)

    body: list[Card] = [block(f"**{home_texts.TITLE}**", size="Medium")]
    if page.empty:
        body.append(block(home_texts.NOTHING))
        return card(body, _entities(parts))
    body.append(block(home_texts.MINE))
    for entry in page.mine:
        line = block(home_texts.item_line(entry, page.tz))
        actions = {"type": "ActionSet", "actions": home_buttons(entry.channel_id, entry.item.ref)}
        body.append({"type": "Container", "separator": True, "items": [line, actions]})
    if not page.mine:
        body.append(block(home_texts.NOTHING_OWED))
    sections = [
        (home_texts.SLIPPED, [home_texts.item_line(e, page.tz, owner=True) for e in page.slipped], page.more_slipped),
        (home_texts.WAITING, [home_texts.waiting_line(w, page.tz) for w in page.waiting], 0),
        (home_texts.ALLIANCES, [home_texts.health_line(a, page.tz) for a in page.alliances], 0),
    ]
    if page.more_mine:
        body.append(block(home_texts.more(page.more_mine), isSubtle=True))
    for heading, lines, more in sections:
        if lines:
            body.append(block(heading, separator=True))
            body.extend(block(line) for line in lines)
            if more:
                body.append(block(home_texts.more(more), isSubtle=True))
    return card(body, _entities(parts))


def dispatch(content: object, *, channel_key: str, people: People) -> Card | None:
    """The card of what the schedule sends an owner (a check-in question, a nudge); None for plain messages."""
    if isinstance(content, CheckinAsk):
        lines = checkins_texts.checkin_ask(content).split("\n")
        parts: list[Rendered] = [render(lines[0], people)]
        body: list[Card] = [text_block(parts[0].text, weight="Bolder")]
        for item in content.items[:MAX_ITEMS]:
            line = render(checkins_texts.checkin_item(item), people)
            parts.append(line)
            body.append(
                {
                    "type": "Container",
                    "separator": True,
                    "items": [
                        text_block(line.text),
                        {"type": "ActionSet", "actions": checkin_buttons(channel_key, item.ref)},
                    ],
                }
            )
        tail = render(lines[-1], people)
        parts.append(tail)
        body.append(text_block(tail.text, isSubtle=True))
        return card(body, _entities(parts))
    if isinstance(content, Nudge):
        rendered = render(checkins_texts.nudge(content), people)
        return card([text_block(rendered.text)], rendered.entities, nudge_buttons(channel_key, content.commitment.ref))
    return None


def commitment_form(
    *, channel_key: str, owner_id: str, owner_name: str = "", title: str = "", due: date | None = None
) -> Card:
    """The form behind `commit` with no text: what, who (Teams' people picker, the asker first), by when."""
    inputs: list[Card] = [
        text_block("**New commitment**", size="Medium"),
        {
            "type": "Input.Text",
            "id": "title",
            "label": "What",
            "maxLength": 200,
            "isRequired": True,
            "placeholder": "Draft joint API spec",
            **({"value": title[:200]} if title else {}),
        },
        {
            "type": "Input.ChoiceSet",
            "id": "owner",
            "label": "Owner (the one person accountable)",
            # The asker as a choice of its own, so the picker shows their name rather than their id.
            "choices": [{"title": owner_name, "value": owner_id}] if owner_name else [],
            "choices.data": PEOPLE_PICKER,
            "value": owner_id,
        },
        {
            "type": "Input.Date",
            "id": "due",
            "label": "Due (end of the owner's working day)",
            "isRequired": True,
            **({"value": due.isoformat()} if due else {}),
        },
        {
            "type": "Input.Toggle",
            "id": "milestone",
            "title": "This marks a stage of the alliance",
            "valueOn": "true",
            "valueOff": "false",
        },
    ]
    action: Card = {"type": "Action.Submit", "title": "Record", "data": {"alliance": FORM, "ch": channel_key}}
    return card(inputs, [], [action])


def _entities(parts: list[Rendered]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for part in parts:
        for entity in part.entities:
            seen.setdefault(entity["mentioned"]["id"], entity)
    return list(seen.values())
