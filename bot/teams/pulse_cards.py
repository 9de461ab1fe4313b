"""Adaptive Cards of the health pulse: the questions with a 1-5 choice each and the open question, sent in a
private chat and submitted in one go; the results as a table of both organisations' averages, with a "Make it a
commitment" button per blind spot and agreed weakness; the offer's "Run a pulse now" button."""

from __future__ import annotations

from bot.core.pulse.classification import ACTIONABLE
from bot.core.pulse.results import PulseAsk, PulseOffer, PulseResults
from bot.teams.cards import Card, card, text_block
from bot.teams.markup import People, neutral, render
from bot.texts import pulse as pulse_texts

ANSWER = "pulse_answer"
COMMIT = "pulse_commit"
NOW = "pulse_now"
REMARK = "remark"


def _submit(title: str, data: dict[str, object], *, style: str | None = None) -> Card:
    button: Card = {"type": "Action.Submit", "title": title, "data": data}
    if style:
        button["style"] = style
    return button


def ask(message: PulseAsk, *, channel_key: str, people: People) -> Card:
    head = render(pulse_texts.ask(message).split("\n")[0], people)
    choices = [{"title": label, "value": str(n)} for n, label in pulse_texts.RATINGS.items()]
    body: list[Card] = [text_block(head.text, weight="Bolder")]
    for number, statement in enumerate(message.statements, start=1):
        body.append(
            {
                "type": "Input.ChoiceSet",
                "id": f"q{number}",
                "label": f"{number}. {statement}",
                "style": "compact",
                "isRequired": False,
                "choices": choices,
            }
        )
    body.append(
        {"type": "Input.Text", "id": REMARK, "label": pulse_texts.OPEN_LABEL, "isMultiline": True, "maxLength": 1000}
    )
    data = {"alliance": ANSWER, "ch": channel_key, "r": message.round_id}
    return card(body, head.entities, [_submit("Send anonymously", data, style="positive")])


def results(message: PulseResults, *, channel_key: str, people: People) -> Card:
    """The summary as a table (Teams shows no chart here): statement, each organisation's average, the gap."""
    summary = message.summary
    rendered = render(pulse_texts.results(message).split("\n")[0], people)
    body: list[Card] = [text_block(rendered.text, weight="Bolder")]
    if summary.split:
        header = ["Statement", *(side.name for side in summary.sides), "Gap", "Group"]
        rows = [
            [
                f"{f.number}. {f.statement}",
                *(pulse_texts.figure(v) for v in f.by_party),
                pulse_texts.figure(f.gap),
                f.group.value,
            ]
            for f in summary.figures
        ]
    else:
        header = ["Statement", "Both together"]
        rows = [[f"{f.number}. {f.statement}", pulse_texts.figure(f.combined)] for f in summary.figures]
        body.append(text_block("\n".join(pulse_texts.results(message).split("\n")[1:2]), isSubtle=True))
    widths = [4] + [1] * (len(header) - 1)
    body.append(
        {
            "type": "Table",
            "columns": [{"width": w} for w in widths],
            "firstRowAsHeaders": True,
            "rows": [
                # statements and party names were typed by people: shown as text, never as links or mentions
                {"type": "TableRow", "cells": [{"type": "TableCell", "items": [text_block(neutral(c))]} for c in row]}
                for row in [header, *rows]
            ],
        }
    )
    actions = [
        _submit(
            f"Make it a commitment: {f.number}",
            {"alliance": COMMIT, "ch": channel_key, "r": message.round_id, "n": f.number},
        )
        for f in summary.figures
        if summary.split and f.group in ACTIONABLE
    ]
    return card(body, rendered.entities, actions)


def offer(message: PulseOffer, *, channel_key: str, people: People) -> Card:
    rendered = render(pulse_texts.offer(message), people)
    data = {"alliance": NOW, "ch": channel_key, "r": 0}
    return card([text_block(rendered.text)], rendered.entities, [_submit("Run a pulse now", data, style="positive")])


def dispatch(content: object, *, channel_key: str, people: People) -> Card | None:
    """The card of a pulse message sent by the schedule; None for anything else."""
    match content:
        case PulseAsk():
            return ask(content, channel_key=channel_key, people=people)
        case PulseResults():
            return results(content, channel_key=channel_key, people=people)
        case PulseOffer():
            return offer(content, channel_key=channel_key, people=people)
    return None
