"""The commitment form's submission: validate in Slack's own way (errors beside the field), then record."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from slack_bolt import Ack, App

from bot.core.alliance import Caller
from bot.core.commitments.commands import FormEntry
from bot.core.errors import (
    CommandError,
    DepartedPerson,
    DueProblem,
    GrammarError,
    NotAllowed,
    NotAPerson,
    UnknownPerson,
)
from bot.slack.blocks import commitments as commitments_blocks
from bot.slack.front import SlackFrontEnd
from bot.slack.replies import Where
from bot.texts import answers as answers_texts


def register(app: App, front: SlackFrontEnd) -> None:
    @app.view(commitments_blocks.FORM_CALLBACK)
    def submit_commitment(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = json.loads(view.get("private_metadata") or "{}")
        caller = Caller(channel_id=meta["channel"], user_id=body["user"]["id"], private=True)
        values = view["state"]["values"]
        entry = FormEntry(
            title=values["title"]["value"].get("value") or "",
            owner_id=values["owner"]["value"].get("selected_user") or caller.user_id,
            due_date=date.fromisoformat(values["due"]["value"]["selected_date"]),
            milestone=bool((values.get("milestone") or {}).get("value", {}).get("selected_options")),
            internal=bool((values.get("internal") or {}).get("value", {}).get("selected_options")),
        )
        try:
            reply = front.service.submit_form(entry, caller)
        except CommandError as e:
            ack(response_action="errors", errors={_field(e): answers_texts.field_error(e)})
            if e.new_alliance is not None:
                front.announce(e.new_alliance, Where(channel_id=caller.channel_id, user_id=caller.user_id))
            return
        ack()
        where = Where(channel_id=caller.channel_id, user_id=caller.user_id, thread_ts=meta.get("thread_ts"))
        front.answer(reply, caller, where)


def _field(error: CommandError) -> str:
    if isinstance(error, DueProblem):
        return "due"
    if isinstance(error, UnknownPerson | NotAPerson | DepartedPerson):
        return "owner"
    if isinstance(error, NotAllowed) and error.reason in ("owner_third_team", "owner_not_in_channel"):
        return "owner"
    if isinstance(error, NotAllowed) and error.reason == "internal_other_party":
        return "internal"
    if isinstance(error, GrammarError):
        return "title"
    return "title"
