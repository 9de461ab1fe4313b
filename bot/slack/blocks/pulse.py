"""Block Kit of the health pulse: the question's "Answer" button and its form, the results with a "Make it a
commitment" button per blind spot and agreed weakness, and the offer's "Run a pulse now" button."""

from __future__ import annotations

import json
from typing import Any

from bot.core.pulse.classification import ACTIONABLE
from bot.core.pulse.results import PulseAsk, PulseDispatch, PulseOffer, PulseResults
from bot.slack.blocks.base import Block, sections
from bot.texts import answers as answers_texts
from bot.texts import pulse as pulse_texts

ANSWER_ACTION = "pulse_answer"
FORM_CALLBACK = "pulse_form"
COMMIT_ACTION = "pulse_commit"
NOW_ACTION = "pulse_now"
REMARK = "remark"
RATINGS = pulse_texts.RATINGS
LABEL_LIMIT = 2000
BUTTON_LIMIT = 75


def _button(action_id: str, text: str, value: dict[str, Any], *, primary: bool = False) -> Block:
    return {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text[:BUTTON_LIMIT]},
        "value": json.dumps(value),
        **({"style": "primary"} if primary else {}),
    }


def ask(message: PulseAsk) -> list[Block]:
    value = {"r": message.round_id, "ch": message.channel_id}
    return [
        *sections(pulse_texts.ask(message)),
        {"type": "actions", "elements": [_button(ANSWER_ACTION, "Answer the pulse", value, primary=True)]},
    ]


def answer_form(round_id: int, statements: tuple[str, ...], channel_id: str) -> dict[str, Any]:
    """The modal: one 1-5 choice per statement (each may be skipped) and the open question."""
    options = [{"text": {"type": "plain_text", "text": label}, "value": str(n)} for n, label in RATINGS.items()]
    blocks: list[Block] = [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": pulse_texts.WHY}]},
    ]
    for number, statement in enumerate(statements, start=1):
        blocks.append(
            {
                "type": "input",
                "block_id": f"q{number}",
                "optional": True,
                "label": {"type": "plain_text", "text": f"{number}. {statement}"[:LABEL_LIMIT]},
                "element": {"type": "static_select", "action_id": "value", "options": options},
            }
        )
    blocks.append(
        {
            "type": "input",
            "block_id": REMARK,
            "optional": True,
            "label": {"type": "plain_text", "text": pulse_texts.OPEN_LABEL},
            "element": {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": 1000},
        }
    )
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "private_metadata": json.dumps({"r": round_id, "ch": channel_id}),
        "title": {"type": "plain_text", "text": "Alliance pulse"},
        "submit": {"type": "plain_text", "text": "Send anonymously"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": blocks,
    }


def results(message: PulseResults) -> list[Block]:
    """The summary; for the leads, a button per blind spot and agreed weakness that opens the commitment form."""
    blocks = sections(pulse_texts.results(message))
    actionable = [f for f in message.summary.figures if f.group in ACTIONABLE] if message.summary.split else []
    if actionable:
        blocks.append(
            {
                "type": "actions",
                "block_id": f"pulse_commit:{message.round_id}",
                "elements": [
                    _button(
                        COMMIT_ACTION,
                        f"Make it a commitment: {f.number}",
                        {"r": message.round_id, "n": f.number, "ch": message.channel_id},
                    )
                    for f in actionable
                ],
            }
        )
    return blocks


def offer(message: PulseOffer) -> list[Block]:
    return [
        *sections(pulse_texts.offer(message)),
        {
            "type": "actions",
            "elements": [_button(NOW_ACTION, "Run a pulse now", {"ch": message.channel_id}, primary=True)],
        },
    ]


def dispatch(content: PulseDispatch) -> list[Block]:
    match content:
        case PulseAsk():
            return ask(content)
        case PulseResults():
            return results(content)
        case PulseOffer():
            return offer(content)
    return sections(answers_texts.dispatch(content))
