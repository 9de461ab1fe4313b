"""The buttons of check-in questions and reminders (clicked in a DM), and the three small modals they open."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, App

from bot.core import grammar
from bot.core.checkins.commands import Answer, Report, Snooze
from bot.core.commitments.commands import Complete, MoveDue, Reassign
from bot.core.errors import CommandError
from bot.slack import items
from bot.slack.blocks import checkins as checkins_blocks
from bot.slack.front import SlackFrontEnd
from bot.texts import answers as answers_texts

ANSWERS = {
    checkins_blocks.ON_TRACK_ACTION: Answer.ON_TRACK,
    checkins_blocks.AT_RISK_ACTION: Answer.AT_RISK,
}
MODALS = {
    checkins_blocks.NEW_DATE_ACTION: checkins_blocks.NEW_DATE_CALLBACK,
    checkins_blocks.NEED_HELP_ACTION: checkins_blocks.NEED_HELP_CALLBACK,
    checkins_blocks.REASSIGN_ACTION: checkins_blocks.REASSIGN_CALLBACK,
}


def register(app: App, front: SlackFrontEnd) -> None:
    @app.action(checkins_blocks.ON_TRACK_ACTION)
    @app.action(checkins_blocks.AT_RISK_ACTION)
    def report(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        item = items.clicked(body, action)
        items.run(front, item, Report(item.ref, ANSWERS[action["action_id"]]))

    @app.action(checkins_blocks.ITEM_DONE_ACTION)
    def done(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        item = items.clicked(body, action)
        items.run(front, item, Complete(item.ref))

    @app.action(checkins_blocks.SNOOZE_ACTION)
    def snooze(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        item = items.clicked(body, action)
        items.run(front, item, Snooze(item.ref, checkins_blocks.SNOOZE_DAYS))

    @app.action(checkins_blocks.NEW_DATE_ACTION)
    @app.action(checkins_blocks.NEED_HELP_ACTION)
    @app.action(checkins_blocks.REASSIGN_ACTION)
    def open_modal(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        items.open_modal(front, body, MODALS[action["action_id"]], items.clicked(body, action))

    @app.view(checkins_blocks.NEW_DATE_CALLBACK)
    def new_date(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        item = items.submitted(body, view)
        picked = date.fromisoformat(items.field_value(view, "due", "selected_date"))
        _submit(front, ack, item, MoveDue(item.ref, picked.isoformat()), field="due")

    @app.view(checkins_blocks.NEED_HELP_CALLBACK)
    def need_help(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        item = items.submitted(body, view)
        note = (items.field_value(view, "note", "value") or "").strip()
        _submit(front, ack, item, Report(item.ref, Answer.NEED_HELP, note), field="note")

    @app.view(checkins_blocks.REASSIGN_CALLBACK)
    def reassign(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        item = items.submitted(body, view)
        user_id = items.field_value(view, "owner", "selected_user") or ""
        _submit(front, ack, item, Reassign(item.ref, user_id), field="owner")


def _submit(front: SlackFrontEnd, ack: Ack, item: items.Item, command: grammar.Command, *, field: str) -> None:
    """A modal's command: a refusal stays in the modal, beside its one field; success closes it and is told."""
    try:
        reply = front.service.handle(command, item.caller)
    except CommandError as e:
        ack(response_action="errors", errors={field: answers_texts.field_error(e)})
        return
    ack()
    items.tell(front, item, reply)
