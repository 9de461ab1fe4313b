"""Buttons: Mark done, Details, and the button that opens the form for people who mentioned the bot."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App

from bot.core import grammar
from bot.core.alliance import Caller
from bot.core.commitments.commands import Complete, Show
from bot.slack.blocks import commitments as commitments_blocks
from bot.slack.front import OPEN_FORM_ACTION, SlackFrontEnd
from bot.slack.replies import Where


def register(app: App, front: SlackFrontEnd) -> None:
    @app.action(commitments_blocks.DONE_ACTION)
    def mark_done(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        _run(front, body, Complete(ref=int(action["value"])), in_thread=True)

    @app.action(commitments_blocks.SHOW_ACTION)
    def show(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        _run(front, body, Show(ref=int(action["value"])), in_thread=False)

    @app.action(OPEN_FORM_ACTION)
    def open_form(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        thread_ts = json.loads(action.get("value") or "{}").get("thread_ts")
        front.open_form(body["trigger_id"], _caller(body, private=True), thread_ts=thread_ts)


def _caller(body: dict[str, Any], *, private: bool) -> Caller:
    return Caller(channel_id=body["channel"]["id"], user_id=body["user"]["id"], private=private)


def _run(front: SlackFrontEnd, body: dict[str, Any], command: grammar.Command, *, in_thread: bool) -> None:
    caller = _caller(body, private=not in_thread)
    message = body.get("message") or {}
    thread_ts = (message.get("thread_ts") or message.get("ts")) if in_thread else None
    where = Where(channel_id=caller.channel_id, user_id=caller.user_id, thread_ts=thread_ts)
    front.run(command, caller, where)
