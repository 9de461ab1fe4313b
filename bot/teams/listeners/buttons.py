"""Card submits: the check-in and nudge buttons (clicked in a private chat), and the commitment form."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.core import grammar
from bot.core.alliance import Caller
from bot.core.checkins.commands import Answer, Report, Snooze
from bot.core.checkins.results import Reported
from bot.core.commitments.commands import Complete, FormEntry, MoveDue, Reassign
from bot.core.errors import CommandError
from bot.teams import cards
from bot.teams.activity import Activity
from bot.teams.front import NO_IDENTITY, TeamsFrontEnd
from bot.teams.listeners import pulse
from bot.texts import answers as answers_texts

UNREADABLE = "I couldn't read that card's answer; nothing was changed. Try again, or write the command instead."
ANSWERS = {cards.ON_TRACK: Answer.ON_TRACK, cards.AT_RISK: Answer.AT_RISK}


def handle(front: TeamsFrontEnd, activity: Activity) -> None:
    value = activity.value or {}
    channel_key = value.get("ch")
    if not isinstance(channel_key, str) or not front.knows_channel(channel_key):
        # Our cards always name an alliance channel the bot is in; anything else was not sent by us.
        front.reply(activity, UNREADABLE)
        return
    caller = front.caller(activity, channel_key)
    if caller is None:
        front.reply(activity, NO_IDENTITY)
        return
    front.learn_speaker(activity)
    if value.get("alliance") in pulse.ACTIONS:
        try:
            pulse.handle(front, activity, value, caller)
        except (KeyError, TypeError, ValueError):
            front.reply(activity, UNREADABLE)
        return
    try:
        command = _command(value)
    except (KeyError, TypeError, ValueError):
        front.reply(activity, UNREADABLE)
        return
    if command is None:
        _form(front, activity, value, caller)
        return
    try:
        reply = front.service.handle(command, caller)
    except CommandError as e:
        front.refuse(e, activity)
        return
    if reply.new_alliance is not None:
        front.announce(reply.new_alliance, activity)
    # One line for the alliance (in the open check-in's thread, if any), and a word back where it was clicked.
    outcome = reply.outcome
    thread = outcome.thread_ts if isinstance(outcome, Reported) else front.service.checkin_thread(caller.channel_id)
    front.post(activity, caller.channel_id, answers_texts.outcome(outcome), thread_id=thread)
    front.reply(activity, answers_texts.item_noted(outcome, caller.channel_id, in_thread=thread is not None))


def _command(value: dict[str, Any]) -> grammar.Command | None:
    """The command a button stands for; None for the commitment form. Raises on data we did not send."""
    action = value["alliance"]
    if action == cards.FORM:
        return None
    ref = int(value["r"])
    if not isinstance(value["ch"], str):
        raise TypeError("ch")
    match action:
        case cards.ON_TRACK | cards.AT_RISK:
            return Report(ref, ANSWERS[action])
        case cards.DONE:
            return Complete(ref)
        case cards.SNOOZE:
            return Snooze(ref, cards.SNOOZE_DAYS)
        case cards.NEW_DATE:
            return MoveDue(ref, date.fromisoformat(str(value["due"])).isoformat())
        case cards.NEED_HELP:
            note = str(value.get("note") or "").strip()[: cards.NOTE_LIMIT]
            return Report(ref, Answer.NEED_HELP, note)
        case cards.REASSIGN:
            owner = str(value["owner"]).strip()
            if not owner:
                raise ValueError("owner")
            return Reassign(ref, owner)
    raise ValueError(f"unknown card action {action!r}")


def _form(front: TeamsFrontEnd, activity: Activity, value: dict[str, Any], caller: Caller) -> None:
    try:
        entry = FormEntry(
            title=str(value.get("title") or ""),
            owner_id=str(value.get("owner") or caller.user_id),
            due_date=date.fromisoformat(str(value["due"])),
            milestone=str(value.get("milestone")) == "true",
        )
    except (KeyError, ValueError):
        front.reply(activity, UNREADABLE)
        return
    try:
        reply = front.service.submit_form(entry, caller)
    except CommandError as e:
        front.refuse(e, activity)
        return
    front.answer(reply, caller, activity)
