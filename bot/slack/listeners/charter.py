"""The charter, decisions and disputes in Slack: the charter form's steps, and the Edit charter, Sign off and
Resolved buttons (answered by the front end, like every command). The form is a modal of three steps, each
pushed on the last (Slack's own Back arrow returns to the one before); what was entered is kept in the bot's
draft, and a problem is answered beside its field.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

from slack_bolt import Ack, App

from bot.core.alliance import Caller
from bot.core.charter.commands import ResolveDispute, SignCharter
from bot.core.errors import CommandError
from bot.core.grammar import Command
from bot.slack import charter_replies
from bot.slack.blocks import charter as charter_blocks
from bot.slack.front import SlackFrontEnd
from bot.slack.replies import Where, render
from bot.texts import answers as answers_texts
from bot.texts import charter as charter_texts

log = logging.getLogger(__name__)


def register(app: App, front: SlackFrontEnd) -> None:
    @app.action(charter_blocks.EDIT_ACTION)
    def edit(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        channel_id = str(_value(action).get("ch") or body["channel"]["id"])
        charter_replies.open_form(
            front.client, front.service, str(body["trigger_id"]), channel_id, str(body["user"]["id"])
        )

    @app.action(charter_blocks.SIGN_ACTION)
    def sign(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        value = _value(action)
        version = value.get("v")
        _run(front, body, str(value.get("ch")), SignCharter(int(version) if version is not None else None))

    @app.action(charter_blocks.RESOLVE_ACTION)
    def resolve(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        value = _value(action)
        channel_id, clicked_in = str(value.get("ch")), (body.get("channel") or {}).get("id")
        form = charter_blocks.resolve_form(
            channel_id, int(value.get("d", 0)), clicked_in if clicked_in != channel_id else None
        )
        front.client.views_open(trigger_id=body["trigger_id"], view=form)

    @app.view(charter_blocks.FORM_CALLBACK)
    def charter_step(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = json.loads(view.get("private_metadata") or "{}")
        step = int(meta.get("step", 1))
        caller = Caller(channel_id=str(meta["ch"]), user_id=str(body["user"]["id"]))
        fields = charter_blocks.form_fields(step, view["state"]["values"])
        try:
            for key in ("start", "end"):
                if key in fields:
                    fields[key] = date.fromisoformat(fields[key]) if fields[key] else None
            reply = front.service.charter_step(step, fields, caller)
        except (CommandError, ValueError) as e:
            ack(response_action="errors", errors={_field(view, e): _field_error(e)})
            return
        if reply is None:
            ack(
                response_action="push",
                view=charter_blocks.charter_form(
                    front.service.charter_draft(caller.channel_id, caller.user_id), step + 1
                ),
            )
            return
        ack(response_action="clear")
        front.answer(reply, caller, Where(channel_id=caller.channel_id, user_id=caller.user_id))

    @app.view(charter_blocks.RESOLVE_CALLBACK)
    def resolved(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        meta = json.loads(view.get("private_metadata") or "{}")
        caller = Caller(channel_id=str(meta["ch"]), user_id=str(body["user"]["id"]))
        outcome = str(charter_blocks.form_fields(0, view["state"]["values"]).get("outcome") or "").strip()
        try:
            reply = front.service.handle(ResolveDispute(int(meta["d"]), outcome[:1000]), caller)
        except CommandError as e:
            ack(response_action="errors", errors={"outcome": answers_texts.field_error(e)})
            return
        ack()
        front.replier.post(Where(channel_id=caller.channel_id, user_id=caller.user_id), *render(reply.outcome))


def _run(front: SlackFrontEnd, body: dict[str, Any], channel_id: str, command: Command) -> None:
    """A button's command, carried out as the person who clicked; a refusal goes only to them, where they clicked
    (a reminder's buttons sit in a private message)."""
    caller = Caller(channel_id=channel_id, user_id=str(body["user"]["id"]))
    clicked_in = (body.get("channel") or {}).get("id")
    front.run(command, caller, Where(channel_id=channel_id, user_id=caller.user_id, clicked_in=clicked_in))


def _value(action: dict[str, Any]) -> dict[str, Any]:
    try:
        value = json.loads(action.get("value") or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _field(view: dict[str, Any], error: Exception) -> str:
    """The field a refusal belongs beside: the one it names, if the step shows it, else the step's first."""
    inputs = [b["block_id"] for b in view.get("blocks") or [] if b.get("type") == "input" and b.get("block_id")]
    named = getattr(error, "field", "") or ("start" if isinstance(error, ValueError) else "")
    return named if named in inputs else (inputs[0] if inputs else "name")


def _field_error(error: Exception) -> str:
    if isinstance(error, CommandError):
        return answers_texts.field_error(error)
    return charter_texts.NOT_A_DATE
