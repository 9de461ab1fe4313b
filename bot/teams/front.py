"""The Teams front end: who is speaking where, and the shared answer routine (bot.front) said in Teams."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable
from typing import Any

from bot.core.alliance import Caller
from bot.core.commitments.commands import ListCommitments, ListFilter
from bot.core.commitments.results import FormRequested, Recorded
from bot.core.errors import CommandError, SendFailed
from bot.core.grammar import parse
from bot.core.outcomes import Reply
from bot.core.sanitize import clean
from bot.core.scorecard.results import ExportReady
from bot.core.service import AllianceService
from bot.core.trust import Send, To
from bot.core.views import AllianceView
from bot.front import FrontEnd
from bot.teams import cards
from bot.teams.activity import Activity
from bot.teams.connector import Connector
from bot.teams.directory import TeamsDirectory
from bot.teams.markup import render
from bot.texts import answers as answers_texts
from bot.texts import commitments as commitments_texts
from bot.texts import home as home_texts
from bot.texts import people as people_texts

log = logging.getLogger(__name__)

TAG = re.compile(r"<[^>]*>")
PERSONAL_HINT = (
    "I keep an alliance's commitments in the channel or group chat both organisations share: mention me there, "
    "e.g. `@Alliance Bot list overdue`. Here I send you check-ins and reminders, and `mine` shows what is yours "
    "across all your alliances."
)
NO_IDENTITY = "I can't tell who you are from this message, so I can't act on it."
# A Teams message holds about 28 KB; a longer export is cut there (the whole file comes from Slack or the console).
EXPORT_LIMIT = 20_000
PRIVATE_FAILED = (
    "Part of this answer is for your organisation only, and I could not send it to you in a private chat. "
    "Open a chat with me and ask again."
)


class TeamsFrontEnd(FrontEnd[Activity]):
    """Commands by mention and card, answered in the thread they came from (Teams has no private replies there)."""

    def __init__(
        self,
        *,
        service: AllianceService,
        directory: TeamsDirectory,
        connector: Connector,
        wake_sweeper: Callable[[], object] | None = None,
    ) -> None:
        super().__init__(service=service, wake_sweeper=wake_sweeper)
        self.directory = directory
        self.connector = connector
        # Private answers (internal items) go through the courier's one-to-one chats; set by the wiring.
        self.chat_privately: Callable[[str, str, str], None] | None = None

    # ---- answering --------------------------------------------------------------------------------------------

    def message(self, mrkdwn: str, *, card: dict[str, Any] | None = None) -> dict[str, Any]:
        rendered = render(mrkdwn, self.directory.teams_name, self.directory.channel_name)
        activity: dict[str, Any] = {
            "type": "message",
            "textFormat": "markdown",
            "text": rendered.text,
            "entities": rendered.entities,
        }
        if card is not None:
            activity["attachments"] = [cards.attachment(card)]
        return activity

    def reply(self, activity: Activity, mrkdwn: str, *, card: dict[str, Any] | None = None) -> None:
        """Answer in the thread of the message (a group chat has none: there it quotes the message)."""
        outgoing = self.message(mrkdwn, card=card)
        if activity.id:
            self.connector.reply(activity.service_url, activity.conversation_id, activity.id, outgoing)
        else:
            self.connector.send(activity.service_url, activity.conversation_id, outgoing)

    def post(self, activity: Activity, channel_key: str, mrkdwn: str, *, thread_id: str | None = None) -> None:
        """A new message in the alliance's channel (or a thread of it), wherever the activity came from."""
        channel = self.directory.conversation(channel_key)
        if channel is None:
            log.warning("no conversation reference for %s; the line is not posted", channel_key)
            return
        target = channel.conversation_id
        if thread_id and channel.kind == "channel":
            target = f"{target};messageid={thread_id}"
        self.connector.send(channel.service_url, target, self.message(mrkdwn))

    def knows_channel(self, channel_key: str) -> bool:
        """Whether the bot keeps a reference to this channel or group chat (it was installed or addressed there)."""
        return self.directory.conversation(channel_key) is not None

    def announce(self, alliance: AllianceView, activity: Activity) -> None:
        self.post(activity, alliance.channel_id, people_texts.intro(alliance))

    # ---- commands ---------------------------------------------------------------------------------------------

    def learn_speaker(self, activity: Activity) -> None:
        """Who is speaking, from the roster and the activity; the core hears at once if their zone changed."""
        member = self.directory.learn_speaker(activity)
        if member is None:
            return
        profile = self.directory.profile(member.user_id)
        person = self.service.person(member.user_id)
        if profile is None or person is None:
            return
        known_tz = person.tz if person.tz_known else ""  # a stand-in zone is no zone of theirs
        if (known_tz, person.deleted) != (profile.tz, profile.deleted):
            self.service.refresh_person(member.user_id)

    def caller(self, activity: Activity, channel_key: str | None = None) -> Caller | None:
        if not activity.sender.aad_id:
            return None
        return Caller(channel_id=channel_key or activity.channel_key, user_id=activity.sender.aad_id)

    def run_text(self, activity: Activity) -> None:
        caller = self.caller(activity)
        if caller is None:
            self.reply(activity, NO_IDENTITY)
            return
        self.run(self.command_text(activity), caller, activity)

    def personal(self, activity: Activity) -> None:
        """A message in a one-to-one chat, which belongs to no alliance: `mine` (or `list mine`) answers with the
        person's own page across their alliances, as Slack's Home tab shows it; anything else gets the hint."""
        caller = self.caller(activity)
        if caller is None or not asks_for_own_page(self.command_text(activity)):
            self.reply(activity, PERSONAL_HINT)
            return
        try:
            page = self.service.home(caller.user_id)
        except CommandError as e:
            self.reply(activity, answers_texts.error(e))
            return
        self.reply(activity, home_texts.SUMMARY, card=cards.home(page, people=self.directory.teams_name))

    # ---- what the shared answer routine asks of Teams ----------------------------------------------------------

    def tell(self, activity: Activity, text: str) -> None:
        """Teams has no private replies in a channel: a refusal goes in the thread, where it was asked."""
        self.reply(activity, text)

    def public(self, reply: Reply, activity: Activity) -> bool:
        return True  # a channel's thread is read by everyone in it

    def answer_part(self, send: Send, reply: Reply, caller: Caller, activity: Activity) -> None:
        # A Teams channel has no private replies: what the thread may read goes there, and what only the caller's
        # organisation may read (its internal items) goes to the caller's own chat with the bot.
        part = send.outcome
        text = commitments_texts.recorded(part) if isinstance(part, Recorded) else answers_texts.outcome(part)
        if send.to is To.HERE:
            self.reply(activity, text)
        elif send.to is To.CALLER:
            self.privately(activity, caller, text)

    def answer_own_way(self, reply: Reply, caller: Caller, activity: Activity) -> bool:
        outcome = reply.outcome
        if isinstance(outcome, FormRequested):
            asker = self.directory.teams_name(caller.user_id)
            form = cards.commitment_form(
                channel_key=caller.channel_id,
                owner_id=caller.user_id,
                owner_name=asker[1] if asker else "",
                title=outcome.prefill,
                due=self.service.form_due(),
            )
            self.reply(activity, commitments_texts.form_requested(outcome), card=form)
            return True
        if isinstance(outcome, ExportReady):
            # The CSV goes to the asker alone, in their chat with the bot; the thread only hears that it went.
            csv = outcome.csv if len(outcome.csv) <= EXPORT_LIMIT else outcome.csv[:EXPORT_LIMIT] + "\n…"
            self.privately(activity, caller, f"{answers_texts.outcome(outcome)}\n```\n{csv}\n```")
            return True
        return False

    def privately(self, activity: Activity, caller: Caller, text: str) -> None:
        try:
            if self.chat_privately is None:
                raise SendFailed("no private channel to this person", permanent=True)
            self.chat_privately(caller.channel_id, caller.user_id, text)
        except SendFailed as e:
            log.warning("could not answer %s privately: %s", caller.user_id, e.reason)
            self.reply(activity, PRIVATE_FAILED)

    def command_text(self, activity: Activity) -> str:
        """The words addressed to the bot: its own mention dropped, people's mentions as the core's <@id>."""
        text = activity.text
        placeholders: dict[str, str] = {}
        bot_dropped = False
        for n, mention in enumerate(activity.mentions):
            if mention.text not in text:
                continue
            if mention.account.id == activity.bot.id and not bot_dropped:
                text, bot_dropped = text.replace(mention.text, " ", 1), True
                continue
            is_bot = mention.account.id.startswith("28:")
            member = None if is_bot else self.directory.learn_account(activity, mention.account)
            token = f"\x00{n}\x00"
            # Someone Teams could not tell us about stays a plain @name, which the core explains it can't use.
            name = re.sub(r"\W+", "", TAG.sub("", mention.text)) or "someone"
            placeholders[token] = f"<@{member.user_id}>" if member is not None else f"@{name}"
            text = text.replace(mention.text, token, 1)
        text = html.unescape(TAG.sub(" ", text)).replace("<", "").replace(">", "").replace("\xa0", " ")
        for token, value in placeholders.items():
            text = text.replace(token, value)
        return " ".join(text.split())


def asks_for_own_page(text: str) -> bool:
    """Whether a personal chat's message is `mine` (or `list mine`, as in a channel)."""
    try:
        command = parse(clean(text))
    except CommandError:
        return False
    return isinstance(command, ListCommitments) and command.filter is ListFilter.MINE
