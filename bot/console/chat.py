"""The console chat: type what you would type in Slack, as anyone in the channel, and move a virtual clock."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from bot.console.world import BOT_ID, CHANNEL, ConsoleDirectory
from bot.core.alliance import Caller
from bot.core.charter.results import CharterEditRequested, CharterSigned
from bot.core.clock import ManualClock
from bot.core.commitments.results import FormRequested
from bot.core.errors import CommandError
from bot.core.outcomes import Reply, announced
from bot.core.ports import Outgoing
from bot.core.pulse import questions as pulse_questions
from bot.core.schedule import Scheduler
from bot.core.scorecard.results import ExportReady, ScorecardView
from bot.core.service import AllianceService
from bot.core.trust import Send, To
from bot.core.views import AllianceView
from bot.core.visibility import SHARED
from bot.front import FrontEnd
from bot.texts import answers as answers_texts
from bot.texts import charter as charter_texts
from bot.texts import home as home_texts
from bot.texts import people as people_texts
from bot.texts import pulse as pulse_texts
from bot.texts import scorecard as scorecard_texts

PROMPT_HELP = """\
Type exactly what you would type in Slack:
  /alliance commit @paul Draft joint API spec by next Friday
  @Alliance Bot who owns the API spec?
Console commands:
  :as NAME        speak as someone else (alice, bob, erin of Acme; paul, pia, gus of Globex)
  :advance 3d     move the clock forward (m, h, d, w) and run the scheduled work
  :answer 4 5 3 2 4 4 5 3 words   answer the open health pulse (a rating 1-5 per statement, - to skip,
                  then what would most improve the alliance); counted anonymously
  :leave NAME     NAME leaves the channel (:join NAME comes back)
  :deactivate NAME  NAME's organisation deactivates their account (:reactivate NAME undoes it)
  :mine           your own page across your alliances (Slack's Home tab; `mine` in a Teams personal chat)
  :now            show the clock        :people   who is in the channel
  :help           this text             :quit     leave"""

TOUR = [
    ":as alice",
    "/alliance commit @paul Draft joint API spec by next Friday",
    ":as paul",
    "@Alliance Bot commit @pia pricing sheet by end of month",
    "@Alliance Bot commit milestone @alice Joint launch plan signed off by mid-January",
    "@Alliance Bot who owns the API spec?",
    ":as alice",
    "/alliance list",
    # The health pulse: both organisations rate the same statements, anonymously; the days below close it, and
    # the channel sees where the two see the alliance differently.
    "@Alliance Bot lead @alice",
    "@Alliance Bot pulse now",
    ":answer 5 4 4 3 4 4 5 4 One shared roadmap would help",
    ":as bob",
    ":answer 4 3 5 2 4 4 4 4",
    ":as erin",
    ":answer 5 3 4 3 4 5 4 5",
    ":as paul",
    ":answer 4 2 2 4 4 4 3 4 Decisions wait too long",
    ":as pia",
    ":answer 4 2 3 5 3 4 3 4",
    ":as gus",
    ":answer 5 3 2 5 4 4 3 4",
    ":as alice",
    ":advance 11d",
    "@Alliance Bot pulse",
    "@Alliance Bot list overdue",
    ":as paul",
    "@Alliance Bot due #1 in 1 week",
    ":as alice",
    "/alliance commit --internal @bob Prepare our pricing floor by next Friday",
    ":as pia",
    "@Alliance Bot done #2",
    "@Alliance Bot show #1",
    "@Alliance Bot commit Call Globex legal by yesterday",
    ":leave paul",
    "@Alliance Bot reassign all @paul to @gus",
    # Back to alice, as the README says you are: the charter written by text, a metric, and the scorecard, whose
    # chart is saved beside the database (Slack uploads it to the thread).
    ":as alice",
    "@Alliance Bot charter goal Joint launch in DACH by end of Q1",
    '@Alliance Bot metric add "pipeline influenced" for Globex target 2M by end of Q2',
    ":as paul",
    '@Alliance Bot metric record "pipeline influenced" 0.5M',
    ":as alice",
    "@Alliance Bot scorecard",
]

PULSE_STATEMENTS = len(pulse_questions.DEFAULTS)
PULSE_EXAMPLE = ":answer 4 5 3 2 4 4 5 3 one shared roadmap"
SWEEP_STEP = timedelta(hours=1)
STEPS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
MENTION_PREFIX = re.compile(r"^@(?:alliance[ _-]?bot|alliance)\b[:,]?\s*", re.IGNORECASE)
SLASH_PREFIX = re.compile(r"^/alliance\b\s*", re.IGNORECASE)
AT_NAME = re.compile(r"(?<![<\w])@([A-Za-z][\w.-]*)")
DURATION = re.compile(r"^(\d{1,4})\s*([mhdw])$")
EMOJI = {
    ":white_check_mark:": "✅",
    ":warning:": "⚠️",
    ":handshake:": "🤝",
    ":calendar:": "📅",
    ":wastebasket:": "🗑",
    ":arrows_counterclockwise:": "🔄",
    ":bust_in_silhouette:": "👤",
    ":triangular_flag_on_post:": "🚩",
    ":tada:": "🎉",
    ":clipboard:": "📋",
    ":bell:": "🔔",
    ":checkered_flag:": "🏁",
    ":hourglass_flowing_sand:": "⏳",
    ":rotating_light:": "🚨",
    ":arrow_up:": "⬆️",
    ":mega:": "📣",
    ":repeat:": "🔁",
    ":zzz:": "💤",
    ":palm_tree:": "🌴",
    ":large_green_circle:": "🟢",
    ":large_orange_circle:": "🟠",
    ":sos:": "🆘",
    ":wave:": "👋",
    ":lock:": "🔒",
    ":information_source:": "ℹ️",
    ":stethoscope:": "🩺",
    ":eyes:": "👀",
    ":muscle:": "💪",
    ":ok_hand:": "👌",
}


class Console(FrontEnd[bool]):
    """The chat in a terminal; its place is whether a command was a mention (answered in its thread, which both
    organisations read) or a slash command (answered to the caller alone)."""

    def __init__(
        self,
        *,
        service: AllianceService,
        directory: ConsoleDirectory,
        clock: ManualClock,
        out: TextIO,
        speaker: str = "alice",
        schedule: Scheduler | None = None,
        chart_path: Path | None = None,
    ) -> None:
        super().__init__(service=service)
        self.directory = directory
        self.clock = clock
        self.out = out
        self.speaker = speaker
        self.schedule = schedule
        self.chart_path = chart_path  # where the scorecard's chart is saved (Slack uploads it to the channel)

    def play(self, lines: Iterable[str], *, echo: bool) -> None:
        for raw in lines:
            line = raw.strip()
            if echo and line:
                self.say(f"{self.speaker}> {line}")
            if not self.handle(line):
                return

    def handle(self, line: str) -> bool:
        """Handle one typed line; False when the user wants to leave."""
        if not line:
            return True
        if line.startswith(":"):
            return self.console_command(line)
        slash = SLASH_PREFIX.match(line)
        mention = MENTION_PREFIX.match(line)
        if not slash and not mention:
            return True  # ordinary chat between people; the bot only answers when addressed
        text = line[(slash or mention).end() :]  # type: ignore[union-attr]
        self.ask(self.with_mentions(text), in_thread=mention is not None)
        return True

    def ask(self, text: str, *, in_thread: bool) -> None:
        # A slash command is answered privately (its look-ups may show your organisation's internal items);
        # a mention in the shared channel's thread, which both organisations read.
        caller = Caller(channel_id=CHANNEL, user_id=self.user_id(), private=not in_thread)
        if self.run(text, caller, in_thread) is not None:
            self.sweep()  # `checkin now`, or a reminder that fell due, shows at once

    # ---- what the shared answer routine asks of the console ----------------------------------------------------

    def announce(self, alliance: AllianceView, in_thread: bool) -> None:
        self.bot(people_texts.intro(alliance), "in the channel")

    def tell(self, in_thread: bool, text: str) -> None:
        self.bot(text, "only you see this")

    def public(self, reply: Reply, in_thread: bool) -> bool:
        return in_thread or announced(reply.outcome)

    def answer_part(self, send: Send, reply: Reply, caller: Caller, in_thread: bool) -> None:
        # Each part of the answer where its readers may read it: a thread is read by both organisations.
        text = answers_texts.outcome(send.outcome)
        match send.to:
            case To.HERE:
                self.bot(text, "in the thread" if in_thread else "in the channel")
            case To.CALLER:
                self.bot(text, "only you see this")
            case To.PARTY if reply.party_channel_id:
                self.bot(text, self.plain(f"in your organisation's private channel <#{reply.party_channel_id}>"))

    def answer_own_way(self, reply: Reply, caller: Caller, in_thread: bool) -> bool:
        outcome = reply.outcome
        if isinstance(outcome, FormRequested):
            self.bot(
                "In Slack this opens the commitment form. Here, write it in one line: commit @name what by when.",
                "only you see this",
            )
            return True
        if isinstance(outcome, CharterEditRequested):
            self.bot(
                "In Slack this opens the charter form. Here, write it one line at a time: " + charter_texts.WRITE_HINT,
                "only you see this",
            )
            return True
        if isinstance(outcome, ExportReady):
            self.bot(f"{outcome.filename}\n{outcome.csv}", "in your DM (Slack sends it as a file)")
            return True
        return False

    def after(self, reply: Reply, caller: Caller, in_thread: bool) -> None:
        outcome = reply.outcome
        if isinstance(outcome, CharterSigned) and outcome.complete:
            self.bot(charter_texts.signed_charter(outcome.charter), "in the channel, pinned")
        if isinstance(outcome, ScorecardView) and self.chart_path is not None:
            self.save_chart(outcome.seen_by(SHARED), in_thread)

    def save_chart(self, card: ScorecardView, in_thread: bool) -> None:
        """Slack uploads the scorecard's chart where both organisations read it; the console saves the same PNG."""
        from bot.slack.chart import scorecard_png  # matplotlib, loaded only when a chart is drawn

        assert self.chart_path is not None
        self.chart_path.write_bytes(scorecard_png(card))
        self.bot(
            f"{scorecard_texts.chart_comment(card)}\n(chart saved as {self.chart_path}; open it to see it)",
            "in the thread" if in_thread else "in the channel",
        )

    def console_command(self, line: str) -> bool:
        word, _, arg = line[1:].partition(" ")
        arg = arg.strip()
        match word.lower():
            case "quit" | "q" | "exit":
                return False
            case "help" | "h":
                self.say(PROMPT_HELP)
            case "as":
                person = self.directory.by_name(arg.lstrip("@"))
                if person is None or person.is_bot:
                    names = ", ".join(p.name for p in self.directory.people if not p.is_bot)
                    self.say(f"(nobody called “{arg}” here; try one of: {names})")
                else:
                    self.speaker = person.name
                    team = self.directory.team_name(person.team_id)
                    self.say(f"(you are now {person.name} of {team}, time zone {person.tz})")
            case "advance":
                match = DURATION.match(arg.lower())
                if match is None:
                    self.say("(say how far: :advance 30m, :advance 2h, :advance 3d, :advance 1w)")
                    return True
                self.advance(STEPS[match.group(2)] * int(match.group(1)))
                self.say(f"(the clock is now {self.clock.now():%a %d %b %Y, %H:%M} UTC)")
            case "mine" | "home":
                self.own_page()
            case "now":
                self.say(f"(the clock says {self.clock.now():%a %d %b %Y, %H:%M} UTC)")
            case "answer":
                self.answer_pulse(arg)
            case "leave" | "join" | "deactivate" | "reactivate":
                self.coming_and_going(word.lower(), arg.lstrip("@"))
            case "people":
                for p in self.directory.people:
                    if not p.is_bot:
                        self.say(f"  {p.name:6} {self.directory.team_name(p.team_id):7} {p.tz}")
            case _:
                self.say(f"(unknown console command :{word}; :help lists them)")
        return True

    def answer_pulse(self, arg: str) -> None:
        """What the pulse's form does in Slack: the speaker's ratings and words, counted anonymously."""
        words = arg.split()
        ratings = words[:PULSE_STATEMENTS]
        if len(ratings) < PULSE_STATEMENTS or any(r not in ("-", "1", "2", "3", "4", "5") for r in ratings):
            self.say(f"(say {PULSE_STATEMENTS} ratings 1-5, - to skip one, then your words: {PULSE_EXAMPLE})")
            return
        round_id = self.service.pulse_open(CHANNEL)
        if round_id is None:
            self.say("(no pulse is open; a lead or sponsor can type `@Alliance Bot pulse now`)")
            return
        given = {n: int(r) for n, r in enumerate(ratings, start=1) if r != "-"}
        remark = " ".join(words[PULSE_STATEMENTS:])
        try:
            thanks = self.service.answer_pulse(round_id=round_id, user_id=self.user_id(), ratings=given, remark=remark)
        except CommandError as e:
            self.bot(answers_texts.error(e), "private message to you")
            return
        self.bot(pulse_texts.thanks(thanks), "private message to you")

    def own_page(self) -> None:
        """What Slack's Home tab shows the speaker: their items across alliances, what slipped, check-ins, health."""
        try:
            page = self.service.home(self.user_id())
        except CommandError as e:
            self.tell(False, answers_texts.error(e))
            return
        self.bot(home_texts.page(page), "on your Home tab, only you see it")

    def coming_and_going(self, what: str, name: str) -> None:
        """What Slack would tell the bot: someone left or joined the channel, or their account changed."""
        person = self.directory.by_name(name)
        if person is None or person.is_bot:
            self.say(f"(nobody called “{name}” here; :people lists who is)")
            return
        match what:
            case "leave":
                self.directory.absent.add(person.user_id)
                self.people.left_channel(CHANNEL, person.user_id)
                self.say(f"({person.name} has left the channel)")
            case "join":
                self.directory.absent.discard(person.user_id)
                self.people.joined_channel(CHANNEL, person.user_id)
                self.say(f"({person.name} is in the channel)")
            case _:
                profile = self.directory.set_deleted(person.user_id, what == "deactivate")
                self.people.profile_changed(profile)
                self.say(f"({person.name}'s account is {'deactivated' if profile.deleted else 'active again'})")
        self.sweep()

    def advance(self, span: timedelta) -> None:
        """Move the clock in steps of at most an hour, sweeping at each, so messages come out in their order."""
        end = self.clock.now() + span
        while self.clock.now() < end:
            self.clock.advance(min(SWEEP_STEP, end - self.clock.now()))
            self.sweep()

    def sweep(self) -> None:
        """As the running bot does each minute: compare the channel's members (daily), then plan and send."""
        self.people.reconcile(self.clock.now())
        if self.schedule is not None:
            self.schedule.sweep(self.clock.now())

    def user_id(self) -> str:
        person = self.directory.by_name(self.speaker)
        assert person is not None
        return person.user_id

    def with_mentions(self, text: str) -> str:
        """@paul becomes <@UPAUL>, as Slack's own client does when you pick a name."""

        def swap(match: re.Match[str]) -> str:
            person = self.directory.by_name(match.group(1))
            return f"<@{person.user_id}>" if person else match.group(0)

        text = AT_NAME.sub(swap, text)
        # #acme-internal becomes <#GACMEINTERNAL>, as Slack does when you pick a channel.
        channels = {"acme-globex": CHANNEL, **{name: cid for cid, (name, _) in self.directory.private.items()}}
        return re.sub(
            r"(?<![<\w])#([a-z][\w-]*)",
            lambda m: f"<#{channels[m.group(1)]}>" if m.group(1) in channels else m.group(0),
            text,
        )

    def plain(self, text: str) -> str:
        def name(match: re.Match[str]) -> str:
            person = self.directory.profile(match.group(1))
            return f"@{person.name}" if person else f"@{match.group(1)}"

        text = re.sub(r"<@([A-Z0-9_]+)(?:\|[^>]*)?>", name, text)
        text = re.sub(r"<!date\^\d+\^[^|>]*\|([^>]*)>", r"\1", text)
        names = {cid: name for cid, (name, _) in self.directory.private.items()}
        text = re.sub(r"<#([A-Z0-9]+)>", lambda m: f"#{names.get(m.group(1), 'acme-globex')}", text)
        for code, symbol in EMOJI.items():
            text = text.replace(code, symbol)
        return text

    def bot(self, text: str, where: str) -> None:
        self.say(f"Alliance Bot ({where}):")
        for line in self.plain(text).split("\n"):
            self.say(f"  {line}")

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)


class ConsoleCourier:
    """The schedule's messages, printed where they would appear in Slack."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.sent = 0

    def send(self, message: Outgoing) -> str | None:
        self.sent += 1
        clock = f"{self.console.clock.now():%a %d %b %H:%M} UTC"
        if message.recipient_id is not None:
            person = self.console.directory.profile(message.recipient_id)
            where = f"private message to @{person.name if person else message.recipient_id}, {clock}"
        elif message.thread_ts is not None:
            where = f"in the check-in thread, {clock}"
        else:
            where = f"in the channel, {clock}"
        self.console.bot(answers_texts.dispatch(message.content), where)
        return f"console.{self.sent}"


__all__ = ["BOT_ID", "TOUR", "Console", "ConsoleCourier"]
