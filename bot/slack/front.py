"""The Slack front end: the shared answer routine (bot.front), posting with Block Kit, forms opened in modals."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import date

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core import grammar
from bot.core.alliance import Caller
from bot.core.charter.results import CharterEditRequested, CharterSigned, DisputeOpened
from bot.core.commitments.commands import OpenForm
from bot.core.commitments.results import FormRequested
from bot.core.errors import CommandError
from bot.core.outcomes import Reply, announced
from bot.core.scorecard.results import SCORECARD_OUTCOMES
from bot.core.service import AllianceService
from bot.core.trust import Send, To
from bot.core.views import AllianceView
from bot.front import FrontEnd
from bot.slack import charter_replies, scorecard_replies
from bot.slack.blocks import base as base_blocks
from bot.slack.blocks import charter as charter_blocks
from bot.slack.blocks import commitments as commitments_blocks
from bot.slack.replies import Replier, Where, render
from bot.texts import base as base_texts
from bot.texts import charter as charter_texts
from bot.texts import commitments as commitments_texts

log = logging.getLogger(__name__)

OPEN_FORM_ACTION = "open_commitment_form"


class SlackFrontEnd(FrontEnd[Where]):
    """Commands from slash commands, mentions, buttons and forms, answered with Block Kit where they were asked."""

    def __init__(
        self,
        *,
        service: AllianceService,
        client: WebClient,
        wake_sweeper: Callable[[], object] | None = None,
    ) -> None:
        super().__init__(service=service, wake_sweeper=wake_sweeper)
        self.client = client
        self.replier = Replier(client)

    def run_text(self, text: str, caller: Caller, where: Where) -> None:
        if where.trigger_id and _asks_for_form(text):
            # Slack's trigger_id expires after 3 s; a channel's first use (members, profiles) can take longer,
            # so the form opens first and the alliance is set up after.
            self.open_form(where.trigger_id, caller, thread_ts=where.thread_ts)
            self.introduce(caller, where)
            return
        self.run(text, caller, where)

    def run_message(self, text: str, caller: Caller, where: Where, *, message_ts: str, edited: bool) -> None:
        """A command in a channel message, which Slack sends again when its author edits it: an edit amends what the
        message did (bot.core.service.AllianceService.handle_message), never does it twice."""
        try:
            reply = self.service.handle_message(text, caller, message_ts=message_ts, edited=edited)
        except CommandError as e:
            self.refuse(e, where)
            return
        self.answer(reply, caller, where)

    def introduce(self, caller: Caller, where: Where) -> None:
        """Set up the channel's alliance if this is its first use, and say so in the channel."""
        new_alliance = self.service.start(caller.channel_id)
        if new_alliance is not None:
            self.announce(new_alliance, where)

    # ---- what the shared answer routine asks of Slack ----------------------------------------------------------

    def announce(self, alliance: AllianceView, where: Where) -> None:
        self.replier.announce(alliance, where)

    def tell(self, where: Where, text: str) -> None:
        if where.clicked_in is not None and where.clicked_in != where.channel_id:
            # A button in a private message (a reminder, a DM): the word goes back there, which is private already.
            self.replier.direct(where.clicked_in, text)
            return
        self.replier.private(where, text)

    def public(self, reply: Reply, where: Where) -> bool:
        # A mention is answered in its thread, and a change announced in the channel, both seen by everyone there;
        # other look-ups answer the asker alone.
        return where.thread_ts is not None or announced(reply.outcome)

    def answer_part(self, send: Send, reply: Reply, caller: Caller, where: Where) -> None:
        text, body = render(send.outcome)
        match send.to:
            case To.HERE if announced(reply.outcome):
                self.announce_change(where, text, body)
            case To.HERE:
                self.replier.post(where, text, body)
            case To.CALLER:
                self.replier.private(where, text, body)
            case To.PARTY if reply.party_channel_id:
                self.replier.post(Where(channel_id=reply.party_channel_id, user_id=where.user_id), text, body)

    def announce_change(self, where: Where, text: str, body: list[dict[str, object]]) -> None:
        """Announce a saved change where it was made. If Slack will not take it (5xx or 429 after the client's
        retries, a network error), the change stays saved: the announcement becomes a planned delivery that the
        sweep retries, and the asker is told the truth, so they do not type the command again."""
        try:
            self.replier.post(where, text, body)
            return
        except (SlackApiError, OSError) as e:
            log.warning("announcement in %s failed; the sweep will retry it: %s", where.channel_id, e)
        owed = self.service.owe_announcement(where.channel_id, text, body, thread_ts=where.thread_ts)
        note = base_texts.ANNOUNCEMENT_PENDING if owed else base_texts.ANNOUNCEMENT_FAILED
        try:
            self.replier.private(where, f"{text}\n\n_{note}_", body)
        except (SlackApiError, OSError) as e:  # Slack is down for everyone: the change and its delivery are saved
            log.warning("could not tell %s that the announcement is pending: %s", where.user_id, e)

    def answer_own_way(self, reply: Reply, caller: Caller, where: Where) -> bool:
        outcome = reply.outcome
        if isinstance(outcome, FormRequested):
            if where.trigger_id:
                self.open_form(where.trigger_id, caller, title=outcome.prefill, thread_ts=where.thread_ts)
            else:
                # A mention carries no trigger_id, and a modal needs one: offer a button, whose click does.
                self.replier.private(where, commitments_texts.FORM_BUTTON_HINT, form_button(where))
            return True
        if isinstance(outcome, CharterEditRequested):
            if where.trigger_id:
                charter_replies.open_form(
                    self.client, self.service, where.trigger_id, caller.channel_id, caller.user_id
                )
            else:
                # A mention carries no trigger_id, and a modal needs one: a button's click brings one.
                self.replier.private(where, charter_texts.EDIT_HINT, charter_blocks.edit_button(caller.channel_id))
            return True
        if isinstance(outcome, SCORECARD_OUTCOMES):
            scorecard_replies.answer(self.client, self.replier, reply, where)
            return True
        return False

    def after(self, reply: Reply, caller: Caller, where: Where) -> None:
        super().after(reply, caller, where)
        outcome = reply.outcome
        if isinstance(outcome, CharterSigned) and outcome.complete:
            charter_replies.post_signed(self.client, self.service, outcome)
        if isinstance(outcome, DisputeOpened) and self.wake_sweeper is not None:
            self.wake_sweeper()  # the first step's people hear of it now, not at the next minute

    def open_form(
        self,
        trigger_id: str,
        caller: Caller,
        *,
        title: str = "",
        thread_ts: str | None = None,
        owner_id: str | None = None,
        due: date | None = None,
    ) -> None:
        view = commitments_blocks.commitment_form(
            channel_id=caller.channel_id,
            owner_id=owner_id or caller.user_id,
            title=title,
            due=due or self.service.form_due(),
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
        return isinstance(grammar.parse(text), OpenForm)
    except CommandError:
        return False


def strip_mention(text: str, bot_user_id: str | None) -> str:
    """The words addressed to the bot, without the mention that addressed it."""
    if bot_user_id:
        # Only the mention that addresses the bot: "commit @bot ..." still names the bot, to be refused.
        text = re.sub(rf"<@{re.escape(bot_user_id)}(?:\|[^>]*)?>", " ", text, count=1)
    return " ".join(text.split())
