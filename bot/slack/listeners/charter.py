"""The charter, decisions and disputes in Slack: the charter form's steps, and the Edit charter, Sign off and
Resolved buttons. The form is a modal of three steps, each pushed on the last (Slack's own Back arrow returns to
the one before); what was entered is kept in the bot's draft, and a problem is answered beside its field.
"""

from __future__ import annotations

import json
import logging
from datetime import date
from typing import Any

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError

from bot.core.charter import Charters
from bot.core.charter_types import CharterEditRequested, CharterSigned, DisputeOpened, ResolveDispute, SignCharter
from bot.core.errors import CommandError
from bot.core.grammar import Command
from bot.core.outcomes import Reply
from bot.core.service import Caller
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
        open_form(front, str(body["trigger_id"]), channel_id, str(body["user"]["id"]))

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
        charters = Charters(front.service)
        try:
            for key in ("start", "end"):
                if key in fields:
                    fields[key] = date.fromisoformat(fields[key]) if fields[key] else None
            reply = charters.submit_step(step, fields, caller)
        except (CommandError, ValueError) as e:
            ack(response_action="errors", errors={_field(view, e): _field_error(e)})
            return
        if reply is None:
            ack(
                response_action="push",
                view=charter_blocks.charter_form(charters.draft(caller.channel_id, caller.user_id), step + 1),
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


def answer(front: SlackFrontEnd, reply: Reply, caller: Caller, where: Where, *, trigger_id: str | None) -> None:
    """Answer a charter, decision or dispute command: open the form (or offer its button), or say it, and
    once the last lead has signed, post the signed charter and pin it."""
    outcome = reply.outcome
    if isinstance(outcome, CharterEditRequested):
        if reply.new_alliance is not None:
            front.replier.announce(reply.new_alliance, where)
        if trigger_id:
            open_form(front, trigger_id, caller.channel_id, caller.user_id)
        else:
            # A mention carries no trigger_id, and a modal needs one: a button's click brings one.
            front.replier.private(where, charter_texts.EDIT_HINT, charter_blocks.edit_button(caller.channel_id))
        return
    front.replier.reply(reply, where)
    if isinstance(outcome, CharterSigned) and outcome.complete:
        post_signed(front, outcome)
    if isinstance(outcome, DisputeOpened) and front.wake_sweeper is not None:
        front.wake_sweeper()  # the first step's people hear of it now, not at the next minute


def open_form(front: SlackFrontEnd, trigger_id: str, channel_id: str, user_id: str) -> None:
    view = Charters(front.service).start_form(channel_id, user_id)
    front.client.views_open(trigger_id=trigger_id, view=charter_blocks.charter_form(view, 1))


def post_signed(front: SlackFrontEnd, signed: CharterSigned) -> None:
    """The signed charter, in the channel for both organisations, pinned where everyone finds it."""
    view = signed.charter
    posted = front.client.chat_postMessage(
        channel=view.channel_id,
        text=charter_texts.signed_charter(view),
        blocks=charter_blocks.signed_charter(view),
        unfurl_links=False,
    )
    ts = str(posted["ts"])
    try:
        front.client.pins_add(channel=view.channel_id, timestamp=ts)
    except SlackApiError as e:
        if e.response.get("error") != "already_pinned":
            log.warning("could not pin the signed charter in %s: %s", view.channel_id, e.response.get("error"))
    Charters(front.service).pinned(view.channel_id, view.version, ts)


def _run(front: SlackFrontEnd, body: dict[str, Any], channel_id: str, command: Command) -> None:
    """A button's command, carried out as the person who clicked; a refusal goes only to them, where they clicked
    (a reminder's buttons sit in a private message)."""
    caller = Caller(channel_id=channel_id, user_id=str(body["user"]["id"]))
    clicked_in = (body.get("channel") or {}).get("id")
    where = Where(channel_id=channel_id, user_id=caller.user_id)
    try:
        reply = front.service.handle(command, caller)
    except CommandError as e:
        if clicked_in in (None, channel_id):
            front.replier.private(where, answers_texts.error(e))
        else:
            front.client.chat_postMessage(channel=clicked_in, text=answers_texts.error(e))
        return
    answer(front, reply, caller, where, trigger_id=None)


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
