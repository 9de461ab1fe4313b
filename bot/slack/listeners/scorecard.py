"""The review prompt's buttons (continue, adjust, wind down), clicked by a lead in their DM: the answer is
recorded, announced in the alliance channel, and confirmed in the DM."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App

from bot.core.errors import CommandError
from bot.slack.blocks.base import sections
from bot.slack.blocks.scorecard import REVIEW_ACTIONS
from bot.slack.front import SlackFrontEnd
from bot.slack.replies import Where
from bot.texts import answers as answers_texts
from bot.texts import scorecard as scorecard_texts

VERDICTS = {action_id: verdict for verdict, action_id in REVIEW_ACTIONS.items()}


def register(app: App, front: SlackFrontEnd) -> None:
    for action_id in VERDICTS:
        app.action(action_id)(_review(front))


def _review(front: SlackFrontEnd) -> Any:
    def review(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        value = json.loads(action["value"])
        user_id = str(body["user"]["id"])
        dm = (body.get("channel") or {}).get("id") or user_id
        try:
            answered = front.service.answer_review(
                channel_id=str(value["ch"]),
                review_key=str(value["k"]),
                about=str(value.get("a", "")),
                user_id=user_id,
                verdict=VERDICTS[action["action_id"]],
            )
        except CommandError as e:  # not a lead, or no longer one of the alliance's people
            front.client.chat_postMessage(
                channel=dm, text=answers_texts.error(e), blocks=sections(answers_texts.error(e))
            )
            return
        line = scorecard_texts.review_answered(answered)
        front.replier.post(Where(channel_id=str(value["ch"]), user_id=user_id), line, sections(line))
        noted = scorecard_texts.review_noted(answered)
        front.client.chat_postMessage(channel=dm, text=noted, blocks=sections(noted))

    return review
