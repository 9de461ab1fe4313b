"""The pulse's buttons and form: "Answer the pulse" (in a DM) opens the form whose answers are counted
anonymously; "Make it a commitment" (in the channel, for leads) opens the commitment form filled in; "Run a pulse
now" (in a lead's DM, after a dispute or an imbalance warning) runs `pulse now` in the alliance's channel."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App

from bot.core.alliance import Caller
from bot.core.errors import CommandError
from bot.core.pulse.commands import PulseNow
from bot.slack.blocks import pulse as pulse_blocks
from bot.slack.blocks.base import sections
from bot.slack.front import SlackFrontEnd
from bot.slack.items import field_value
from bot.slack.replies import Where
from bot.texts import answers as answers_texts
from bot.texts import pulse as pulse_texts


def register(app: App, front: SlackFrontEnd) -> None:
    @app.action(pulse_blocks.ANSWER_ACTION)
    def open_answer_form(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        value = json.loads(action.get("value") or "{}")
        try:
            asked = front.service.pulse_statements(int(value["r"]))
        except CommandError as e:
            _dm(front, body, answers_texts.error(e))
            return
        form = pulse_blocks.answer_form(int(value["r"]), asked, str(value.get("ch", "")))
        front.client.views_open(trigger_id=body["trigger_id"], view=form)

    @app.view(pulse_blocks.FORM_CALLBACK)
    def answered(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = json.loads(view.get("private_metadata") or "{}")
        values = (view.get("state") or {}).get("values") or {}
        ratings = {}
        for block_id in values:
            chosen = field_value(view, block_id, "selected_option")
            if block_id.startswith("q") and block_id[1:].isdigit() and chosen:
                ratings[int(block_id[1:])] = int(chosen["value"])
        remark = field_value(view, pulse_blocks.REMARK, "value") or ""
        user_id = str(body["user"]["id"])
        try:
            thanks = front.service.answer_pulse(
                round_id=int(meta["r"]), user_id=user_id, ratings=ratings, remark=str(remark)
            )
        except CommandError as e:  # answered already, or the pulse closed meanwhile
            ack(response_action="errors", errors={pulse_blocks.REMARK: answers_texts.field_error(e)})
            return
        ack()
        line = pulse_texts.thanks(thanks)
        front.client.chat_postMessage(channel=user_id, text=line, blocks=sections(line))

    @app.action(pulse_blocks.COMMIT_ACTION)
    def make_commitment(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        value = json.loads(action.get("value") or "{}")
        caller = Caller(channel_id=str(value["ch"]), user_id=str(body["user"]["id"]), private=True)
        try:
            title = front.service.pulse_commitment(
                channel_id=caller.channel_id, user_id=caller.user_id, round_id=int(value["r"]), number=int(value["n"])
            )
        except CommandError as e:  # not a lead: told privately, where they clicked
            front.tell(Where(channel_id=caller.channel_id, user_id=caller.user_id), answers_texts.error(e))
            return
        front.open_form(body["trigger_id"], caller, title=title)

    @app.action(pulse_blocks.NOW_ACTION)
    def run_now(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        channel_id = str(json.loads(action.get("value") or "{}")["ch"])
        caller = Caller(channel_id=channel_id, user_id=str(body["user"]["id"]))
        front.run(PulseNow(), caller, Where(channel_id=channel_id, user_id=caller.user_id))


def _dm(front: SlackFrontEnd, body: dict[str, Any], text: str) -> None:
    channel = (body.get("channel") or {}).get("id") or str(body["user"]["id"])
    front.client.chat_postMessage(channel=channel, text=text, blocks=sections(text))
