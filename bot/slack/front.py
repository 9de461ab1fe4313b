"""The Slack front end's one routine: run a command for someone, somewhere, and answer them."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable

from slack_sdk import WebClient

from bot.core import grammar
from bot.core import scorecard_types as sc
from bot.core.charter_types import CHARTER_OUTCOMES
from bot.core.errors import CommandError
from bot.core.outcomes import CheckinCalled, FormRequested, Reply
from bot.core.people import People
from bot.core.service import AllianceService, Caller
from bot.slack import scorecard_replies
from bot.slack.blocks import base as base_blocks
from bot.slack.blocks import commitments as commitments_blocks
from bot.slack.replies import Replier, Where
from bot.texts import answers as answers_texts
from bot.texts import commitments as commitments_texts

log = logging.getLogger(__name__)

OPEN_FORM_ACTION = "open_commitment_form"


class SlackFrontEnd:
    def __init__(
        self,
        *,
        service: AllianceService,
        client: WebClient,
        wake_sweeper: Callable[[], object] | None = None,
        people: People | None = None,
    ) -> None:
        self.service = service
        self.client = client
        self.people = people or People(
            db=service.db, directory=service.directory, clock=service.clock, platform=service.platform
        )
        self.replier = Replier(client)
        # `checkin now` should not wait for the next minute's sweep.
        self.wake_sweeper = wake_sweeper

    def run_text(self, text: str, caller: Caller, where: Where, *, trigger_id: str | None = None) -> None:
        if trigger_id and _asks_for_form(text):
            # Slack's trigger_id expires after 3 s; a channel's first use (members, profiles) can take longer,
            # so the form opens first and the alliance is set up after.
            self.open_form(trigger_id, caller, thread_ts=where.thread_ts)
            self.introduce(caller, where)
            return
        try:
            reply = self.service.handle_text(text, caller)
        except CommandError as e:
            self.refuse(e, where)
            return
        self.answer(reply, caller, where, trigger_id=trigger_id)

    def introduce(self, caller: Caller, where: Where) -> None:
        """Set up the channel's alliance if this is its first use, and say so in the channel."""
        new_alliance = self.service.start(caller.channel_id)
        if new_alliance is not None:
            self.replier.announce(new_alliance, where)

    def refuse(self, error: CommandError, where: Where) -> None:
        """A command that could not be carried out: a private word on why (after the intro, if it is due)."""
        if error.new_alliance is not None:
            self.replier.announce(error.new_alliance, where)
        self.replier.private(where, answers_texts.error(error))

    def answer(self, reply: Reply, caller: Caller, where: Where, *, trigger_id: str | None = None) -> None:
        if isinstance(reply.outcome, CHARTER_OUTCOMES):
            from bot.slack.listeners import charter

            charter.answer(self, reply, caller, where, trigger_id=trigger_id)
            return
        if isinstance(reply.outcome, FormRequested):
            if reply.new_alliance is not None:
                self.replier.announce(reply.new_alliance, where)
            if trigger_id:
                self.open_form(trigger_id, caller, title=reply.outcome.prefill, thread_ts=where.thread_ts)
            else:
                # A mention carries no trigger_id, and a modal needs one: offer a button, whose click does.
                self.replier.private(where, commitments_texts.FORM_BUTTON_HINT, form_button(where))
            return
        if isinstance(reply.outcome, sc.SCORECARD_OUTCOMES):
            scorecard_replies.answer(self.client, self.replier, reply, where)
            return
        self.replier.reply(reply, where)
        if isinstance(reply.outcome, CheckinCalled) and self.wake_sweeper is not None:
            self.wake_sweeper()

    def open_form(self, trigger_id: str, caller: Caller, *, title: str = "", thread_ts: str | None = None) -> None:
        view = commitments_blocks.commitment_form(
            channel_id=caller.channel_id,
            owner_id=caller.user_id,
            title=title,
            due=self.service.form_due(),
            thread_ts=thread_ts,
        )
        self.client.views_open(trigger_id=trigger_id, view=view)


def form_button(where: Where) -> list[dict[str, object]]:
    return [
        *base_blocks.sections(commitments_texts.FORM_BUTTON_HINT),
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": OPEN_FORM_ACTION,
                    "text": {"type": "plain_text", "text": "Open the commitment form"},
                    "value": json.dumps({"thread_ts": where.thread_ts}),
                }
            ],
        },
    ]


def _asks_for_form(text: str) -> bool:
    try:
        return isinstance(grammar.parse(text), grammar.OpenForm)
    except CommandError:
        return False


def strip_mention(text: str, bot_user_id: str | None) -> str:
    """The words addressed to the bot, without the mention that addressed it."""
    if bot_user_id:
        # Only the mention that addresses the bot: "commit @bot ..." still names the bot, to be refused.
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text, count=1)
    return " ".join(text.split())
