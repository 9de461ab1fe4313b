"""The trust boundary as a property over every renderer, with readers from both organisations.

A world holds shared and internal commitments of both parties. Every command is run by people of both parties in
every place they can type it (a mention in the shared channel, a slash command, their party's linked private
channel); every answer is routed as the front ends route it and rendered as text and as Block Kit. Then the
schedule runs for weeks (check-ins opened, asked, reminded and closed, nudges of every stage, the channel's
escalation line, people leaving, a lead leaving, an organisation disconnecting, newcomers welcomed) and every
message is rendered for its reader. Nothing rendered for a reader may name another organisation's internal item,
by title or by reference; and each organisation does see its own, where it may.

The test also fails when a kind of answer or scheduled message exists that it did not render: a new renderer is
covered the day it is added, or the test says so.
"""

from __future__ import annotations

import json
import re
import typing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.console.world import ACME, ACME_INTERNAL, GLOBEX, PEOPLE, ConsoleDirectory
from bot.core.alliance import Caller
from bot.core.checkins.results import Nudge, NudgeGroup, NudgeKind
from bot.core.clock import ManualClock
from bot.core.commitments.commands import FormEntry
from bot.core.errors import CommandError, NoSuchCommitment
from bot.core.outcomes import Dispatch, Outcome, Reply, announced
from bot.core.people.departures import People
from bot.core.ports import Outgoing
from bot.core.schedule import Pacer, Scheduler
from bot.core.service import AllianceService
from bot.core.trust import REDACTORS, To, redact, route
from bot.core.visibility import SHARED, Audience, private_to
from bot.slack.blocks import answers as answers_blocks
from bot.slack.replies import render
from bot.texts import answers as answers_texts
from storage.db import Database
from storage.models import PulseRound

NOW = datetime(2026, 11, 24, 14, 0, tzinfo=UTC)  # a Tuesday, working hours on both sides of the Atlantic
CHANNEL = "C1"
GLOBEX_INTERNAL = "GGLOBEXINTERNAL"
TEAM_OF = {p.user_id: p.team_id for p in PEOPLE}
LINKED = {ACME: ACME_INTERNAL, GLOBEX: GLOBEX_INTERNAL}
# Every internal title of a party carries its secret word; shared titles never do.
SECRET = {ACME: "Zanzibar", GLOBEX: "Quokka"}
CALLERS = ["UALICE", "UBOB", "UPAUL", "UPIA"]  # a lead and an owner of each party
PLACES = ["mention", "slash", "linked"]


def union(members: Any) -> set[type]:
    return set(typing.get_args(members))


@dataclass
class Message:
    """One thing rendered for one reader."""

    audience: Audience
    kind: type
    text: str
    body: str  # the Block Kit JSON
    origin: str


@dataclass
class Recorder:
    sent: list[Outgoing] = field(default_factory=list)

    def send(self, message: Outgoing) -> str | None:
        self.sent.append(message)
        return f"{len(self.sent)}.000"


class TrustWorld:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.clock = ManualClock(NOW)
        self.directory = ConsoleDirectory(list(PEOPLE))
        self.directory.private[GLOBEX_INTERNAL] = ("globex-internal", [GLOBEX])
        self.service = AllianceService(db=db, directory=self.directory, clock=self.clock)
        self.people = People(db=db, directory=self.directory, clock=self.clock)
        self.courier = Recorder()
        self.scheduler = Scheduler(db, self.courier, pacer=Pacer(0), worker="trust")
        self.messages: list[Message] = []
        self.internal: dict[int, str] = {}  # ref -> party of every internal commitment
        self.seen_kinds: set[type] = set()
        self.nudge_kinds: set[NudgeKind] = set()

    # ---- running commands as the front ends do -------------------------------------------------------

    def caller(self, user_id: str, place: str) -> tuple[Caller, Audience]:
        """The caller as a front end builds it, and who reads what is said where they typed."""
        team = TEAM_OF[user_id]
        if place == "linked":
            return Caller(channel_id=LINKED[team], user_id=user_id), private_to(team)
        return Caller(channel_id=CHANNEL, user_id=user_id, private=place == "slash"), SHARED

    def run(self, user_id: str, place: str, text: str) -> Reply | None:
        caller, here = self.caller(user_id, place)
        origin = f"{user_id} {place}: {text}"
        try:
            reply = self.service.handle_text(text, caller)
        except CommandError as e:
            self.refused(e, text, private_to(TEAM_OF[user_id]), origin)
            return None
        self.answer(reply, place, here, user_id, origin)
        return reply

    def form(self, user_id: str, entry: FormEntry) -> Reply | None:
        caller = Caller(channel_id=CHANNEL, user_id=user_id, private=True)
        origin = f"{user_id} form: {entry}"
        try:
            reply = self.service.submit_form(entry, caller)
        except CommandError as e:
            self.refused(e, entry.title, private_to(TEAM_OF[user_id]), origin)
            return None
        self.answer(reply, "slash", SHARED, user_id, origin)
        return reply

    def answer(self, reply: Reply, place: str, here: Audience, user_id: str, origin: str) -> None:
        outcome = reply.outcome
        self.seen_kinds.add(type(outcome))
        assert reply.here == here, origin  # the service knows where it was asked
        assert reply.viewer == private_to(TEAM_OF[user_id]), origin
        public = place == "mention" or announced(outcome)
        for send in route(outcome, here=reply.here, viewer=reply.viewer, public=public):
            match send.to:
                case To.HERE:
                    audience = here
                case To.CALLER:
                    audience = private_to(TEAM_OF[user_id])
                case To.PARTY:
                    # The party's linked channel: only its own people read it.
                    assert reply.party_channel_id == LINKED[TEAM_OF[user_id]], origin
                    audience = private_to(TEAM_OF[user_id])
            text, body = render(send.outcome)
            self.messages.append(Message(audience, type(send.outcome), text, json.dumps(body), origin))

    def refused(self, error: CommandError, typed: str, audience: Audience, origin: str) -> None:
        """A refusal is private; it may echo what was typed, but never say more of another party's item than
        of one that does not exist."""
        text = answers_texts.error(error)
        if isinstance(error, NoSuchCommitment):
            # The same words as for a number never handed out: the reference is only the one that was typed.
            assert text == answers_texts.error(NoSuchCommitment(error.ref)), origin
            text = text.replace(f"#{error.ref}", "#N")
        self.messages.append(Message(audience, CommandError, text.replace(typed, ""), "[]", origin))

    # ---- the schedule ------------------------------------------------------------------------------------

    def sweep(self) -> None:
        start = len(self.courier.sent)
        self.people.reconcile(self.clock.now())
        self.scheduler.sweep(self.clock.now())
        for message in self.courier.sent[start:]:
            content = message.content
            self.seen_kinds.add(type(content))
            if isinstance(content, Nudge):
                self.nudge_kinds.add(content.kind)
            if isinstance(content, NudgeGroup):  # one DM listing a person's several reminders
                self.nudge_kinds.update(n.kind for n in content.nudges)
            reader = message.recipient_id
            audience = SHARED if reader is None else private_to(TEAM_OF[reader])
            text = answers_texts.dispatch(content)
            body = answers_blocks.dispatch(content, channel_id=message.channel_id)
            self.messages.append(Message(audience, type(content), text, json.dumps(body), f"sweep to {reader}"))

    def advance(self, span: timedelta, step: timedelta = timedelta(hours=1)) -> None:
        end = self.clock.now() + span
        while self.clock.now() + step <= end:
            self.clock.advance(step)
            self.sweep()

    # ---- the property ------------------------------------------------------------------------------------

    def leaks(self) -> list[str]:
        """Every message that names an internal item of a party other than its reader's."""
        found = []
        for m in self.messages:
            for ref, team in self.internal.items():
                if m.audience.team_id == team:
                    continue
                said = f"{m.text}\n{m.body}"
                named = re.search(rf"(?<![\w<^]){re.escape('#')}{ref}(?!\d)", _without_checkin_numbers(m.text))
                in_blocks = re.search(rf'(?:commitment:{ref}|item:{ref}|"r": ?{ref}|"value": "{ref}")(?!\d)', m.body)
                if named or in_blocks or SECRET[team].lower() in said.lower():
                    found.append(f"{m.origin} -> {m.kind.__name__} to {m.audience}: #{ref} of {team}\n{m.text}")
        return found

    def shown_to(self, team: str) -> str:
        return "\n".join(m.text for m in self.messages if m.audience.team_id == team)


def _without_checkin_numbers(text: str) -> str:
    return re.sub(r"[Cc]heck-in #\d+", "check-in", text)


@pytest.fixture
def world(db: Database) -> TrustWorld:
    return TrustWorld(db)


def build(world: TrustWorld) -> None:
    """Leads and sponsors, each party's private channel, shared items #1-#4 and internal items of both parties."""
    for user_id, text in [
        ("UALICE", "lead <@UALICE>"),
        ("UALICE", "sponsor <@UERIN>"),
        ("UPAUL", "lead <@UPAUL>"),
        ("UPAUL", "sponsor <@UGUS>"),
        ("UALICE", f"link <#{ACME_INTERNAL}|acme-internal>"),
        ("UPAUL", f"link <#{GLOBEX_INTERNAL}|globex-internal>"),
        ("UALICE", "commit <@UPAUL> Draft joint API spec by Friday"),  # 1
        ("UPAUL", "commit <@UPIA> Pricing sheet by next Wednesday"),  # 2
        ("UALICE", "commit <@UBOB> Joint launch plan by Dec 10"),  # 3
        ("UPAUL", "commit <@UGUS> Security review by Dec 10"),  # 4
    ]:
        assert world.run(user_id, "slash", text) is not None, text
    internal = [
        ("UALICE", "commit --internal <@UBOB> Zanzibar pricing floor by tomorrow", ACME),  # 5
        ("UBOB", "commit internal <@UBOB> Zanzibar board memo by Friday", ACME),  # 6
        ("UALICE", "commit --internal <@UERIN> Zanzibar churn plan by next Wednesday", ACME),  # 7
        ("UPAUL", "commit --internal <@UPIA> Quokka margin model by tomorrow", GLOBEX),  # 8
        ("UPIA", "commit internal <@UGUS> Quokka hiring plan by Friday", GLOBEX),  # 9
    ]
    for user_id, text, team in internal:
        reply = world.run(user_id, "mention", text)
        assert reply is not None, text
        world.internal[reply.outcome.commitment.ref] = team  # type: ignore[union-attr]
    form = world.form(
        "UPIA",
        FormEntry(
            title="Quokka partner audit",
            owner_id="UPIA",
            due_date=(NOW + timedelta(days=9)).date(),
            milestone=False,
            internal=True,
        ),
    )
    assert form is not None
    world.internal[form.outcome.commitment.ref] = GLOBEX  # type: ignore[union-attr]
    assert sorted(world.internal) == [5, 6, 7, 8, 9, 10]


GOVERNANCE_LOOKUPS = [
    "charter",
    "charter edit",
    "decisions",
    "disputes",
    "metrics",
    "contributions",
    "scorecard",
    "pulse",
    "pulse questions",
]


def health_pulse(world: TrustWorld) -> None:
    """A pulse (the dispute and the imbalance above offered one to the leads) answered by everyone, each party's
    open answers naming its secret word: they reach that party's lead only, never the other organisation."""
    for user_id, place, text in [
        ("UALICE", "slash", "pulse questions set 8 Our partner gets fair value."),
        ("UPAUL", "mention", "pulse every 2 months"),
        ("UALICE", "mention", "pulse now"),
    ]:
        assert world.run(user_id, place, text) is not None, text
    with world.db.session() as session:
        round_id = session.exec(select(PulseRound.id)).one()
    assert round_id is not None
    for user_id in ("UALICE", "UBOB", "UERIN", "UPAUL", "UPIA"):  # Gus is asked, and reminded
        word = SECRET[TEAM_OF[user_id]]
        ratings = {q: 4 if TEAM_OF[user_id] == ACME else 2 for q in range(1, 9)}
        world.service.answer_pulse(round_id=round_id, user_id=user_id, ratings=ratings, remark=f"{word} worries me")
    world.run("UBOB", "mention", "pulse")


def governance_and_scorecard(world: TrustWorld) -> None:
    """The charter (written in its form, signed by both leads, a goal falling due soon), decisions, a dispute,
    metrics and contributions of both parties (shared and internal, the internal ones named with their party's
    secret word), settings and an export: every kind of answer these give, for every reader."""
    charters = world.service
    alice = Caller(channel_id=CHANNEL, user_id="UALICE", private=True)
    charters.charter_form(CHANNEL, "UALICE")
    goal_day = (NOW + timedelta(days=3)).date().isoformat()
    steps: list[dict[str, Any]] = [
        {
            "name": "Acme x Globex",
            "goals": f"Joint API live | {goal_day} | Acme, Globex",
            "start": NOW.date(),
            "end": (NOW + timedelta(days=60)).date(),
        },
        {
            "lead:TACME": "UALICE",
            "sponsor:TACME": "UERIN",
            "lead:TGLOBEX": "UPAUL",
            "sponsor:TGLOBEX": "UPIA",  # Gus handed his role to Pia above
            "decision_makers": ["UALICE", "UPAUL"],
        },
        {
            "cadence": "weekly",
            "formality": "A call",
            "communication": "This channel",
            "days:leads": "2",
            "days:sponsors": "2",
            "days:mediator": "3",
            "mediator": "Jane Doe, mediation",
            "mediator_id": None,
            "shared": "Pipeline",
            "held_back": "Margins",
        },
    ]
    assert charters.charter_step(1, steps[0], alice) is None
    assert charters.charter_step(2, steps[1], alice) is None
    saved = charters.charter_step(3, steps[2], alice)
    assert saved is not None
    # The form's save is announced to the channel whole: a charter names no commitment.
    world.seen_kinds.add(type(saved.outcome))
    text, body = render(saved.outcome)
    world.messages.append(Message(SHARED, type(saved.outcome), text, json.dumps(body), "UALICE form: charter"))
    script = [
        ("UALICE", "slash", "charter sign"),
        # Paul does not sign yet: he is reminded at the check-ins to come.
        ("UALICE", "mention", "decide we co-sell in DACH first consulted <@UPAUL>"),
        ("UPIA", "mention", "dispute pricing of the joint SKU"),
        ("UPAUL", "mention", "dispute support hours"),
        ("UALICE", "mention", "resolve dispute 2 weekday hours"),
        ("UALICE", "slash", "metric add pipeline for Acme target 100 baseline 0"),
        ("UALICE", "slash", "metric record pipeline 90"),
        ("UPAUL", "mention", "metric add leads for Globex target 100 baseline 0"),
        ("UPAUL", "mention", "metric record leads 5"),
        ("UALICE", "slash", "metric add Zanzibar margin for Acme target 30 --internal"),
        ("UALICE", "slash", "metric record Zanzibar margin 12"),
        ("UPIA", "slash", "metric add Quokka churn for Globex target 5 --internal"),
        ("UALICE", "mention", "contribute Acme 2 engineers for Q1"),
        ("UBOB", "slash", "contribute Acme 3 Zanzibar analysts --internal"),
        ("UPIA", "slash", "contribute Globex $50K Quokka budget --internal"),
        ("UALICE", "slash", "balance 25%"),
        ("UPAUL", "slash", "digest monthly"),
        ("UALICE", "slash", "export"),
        ("UPIA", "slash", "export"),
    ]
    for user_id, place, text in script:
        assert world.run(user_id, place, text) is not None, text
    for user_id in CALLERS:
        for place in PLACES:
            for text in GOVERNANCE_LOOKUPS:
                world.run(user_id, place, text)


LOOKUPS = [
    "help",
    "commit",
    "who pricing",
    "who owns the plan?",
    "who margin model",
    "who board memo",
    "who <@UBOB>",
    "who <@UPIA>",
    "who <@UGUS>",
    "list",
    "list mine",
    "list overdue",
    "list done",
    "list <@UBOB>",
    "list <@UPIA>",
    *(f"show #{n}" for n in range(1, 11)),
    "roster",
    "cadence",
    "escalation",
]


def test_no_renderer_shows_another_organisations_internal_items(world: TrustWorld) -> None:
    build(world)
    for user_id in CALLERS:
        for place in PLACES:
            for text in LOOKUPS:
                world.run(user_id, place, text)

    # Changes, by the owner, by a lead of either party, and by someone of the other organisation.
    script = [
        ("UBOB", "slash", "status #6 at risk: waiting on finance"),  # an internal answer, before the check-in
        ("UPIA", "mention", "status #2 on track"),
        ("UPAUL", "mention", "snooze #9 3d"),
        ("UALICE", "mention", "snooze #1 2d"),
        ("UPIA", "mention", "due #5 next Monday"),  # Acme's internal item: no such commitment for Globex
        ("UPAUL", "slash", "done #6"),
        ("UPAUL", "mention", "drop #7 not ours"),
        ("UPAUL", "mention", "reassign #5 <@UPIA>"),
        ("UBOB", "mention", "due #2 next Monday"),  # refused: not the owner, not a lead
        ("UALICE", "mention", "reassign #7 <@UPAUL>"),  # refused: an internal item stays in its party
        ("UBOB", "mention", "commit --internal <@UPIA> Quokka spy memo by Friday"),  # refused: not Bob's party
        ("UALICE", "linked", "due #6 next Monday"),
        ("UALICE", "mention", "reassign #7 <@UBOB>"),
        ("UPAUL", "slash", "due #2 next Monday"),
        ("UPIA", "linked", "status #8 need help: the numbers are late"),
        ("UBOB", "slash", "status #3 need help: legal has not answered"),  # Alice, Acme's lead, is told
        ("UALICE", "slash", "checkin now"),
        ("UALICE", "slash", "cadence weekly"),
        ("UALICE", "slash", "escalation 2 5"),
        ("UALICE", "slash", "holidays US"),
        ("UERIN", "slash", "away until Dec 2"),
        ("UERIN", "slash", "back"),
        ("UPAUL", "mention", "handover <@UGUS> to <@UPIA>"),  # #4 shared and #9 internal of Globex
        ("UALICE", "mention", "reassign all <@UBOB> to <@UERIN>"),  # #3 shared, #5 and #6 internal of Acme
        ("UPAUL", "mention", "reassign all <@UERIN> to <@UGUS>"),  # only the shared #3 may cross; Acme's stay
        ("UPAUL", "slash", "done #8"),
        ("UERIN", "slash", "done #6"),
    ]
    for user_id, place, text in script:
        world.run(user_id, place, text)
    governance_and_scorecard(world)
    for user_id in CALLERS:
        for place in PLACES:
            for text in LOOKUPS:
                world.run(user_id, place, text)
    # Fresh internal items of both, to climb the whole escalation ladder (#12 is the help text's example: shared).
    for user_id, text, team in [
        ("UALICE", "commit --internal <@UBOB> Zanzibar escalation test by tomorrow", ACME),
        ("UALICE", "commit <@UBOB> Partner newsletter by tomorrow", None),
        ("UPIA", "commit --internal <@UPIA> Quokka escalation test by tomorrow", GLOBEX),
    ]:
        reply = world.run(user_id, "slash", text)
        assert reply is not None, text
        if team is not None:
            world.internal[reply.outcome.commitment.ref] = team  # type: ignore[union-attr]
    assert sorted(world.internal) == [5, 6, 7, 8, 9, 10, 11, 13]

    # An announcement Slack would not take when the change was made: owed, sent by the sweep (rendered then, for
    # the audience of the conversation it was made in).
    assert world.service.owe_announcement(CHANNEL, "`#12` recorded (announced late)", [])
    # Weeks pass: check-ins, nudges up the ladder, the channel's escalation line.
    world.advance(timedelta(days=10))
    health_pulse(world)
    # People come and go: an owner of internal items leaves, the Globex lead leaves, a newcomer arrives and a
    # whole organisation disconnects.
    world.directory.absent.add("UERIN")
    world.people.left_channel(CHANNEL, "UERIN")
    world.people.left_channel(CHANNEL, "UPAUL")
    world.directory.absent.discard("UERIN")
    world.people.joined_channel(CHANNEL, "UERIN")
    world.advance(timedelta(hours=6))
    world.people.org_disconnected(CHANNEL, GLOBEX)
    world.advance(timedelta(days=7))

    leaks = world.leaks()
    assert not leaks, "\n\n".join(leaks[:5])

    # Everything that can be said was said, and checked: a new kind of answer or message must join this test.
    assert union(Outcome) <= world.seen_kinds, union(Outcome) - world.seen_kinds
    assert union(Dispatch) <= world.seen_kinds, union(Dispatch) - world.seen_kinds
    assert world.nudge_kinds == set(NudgeKind)

    # Not by hiding everything: each organisation saw its own internal items, privately and in its channel.
    for team in (ACME, GLOBEX):
        own = world.shown_to(team)
        assert SECRET[team] in own
        assert any(
            m.audience.team_id == team and m.kind in (Nudge, NudgeGroup) and SECRET[team] in m.text
            for m in world.messages
        )
    assert any(m.audience.shared and "Draft joint API spec" in m.text for m in world.messages)


def test_every_kind_of_answer_and_message_has_a_trust_rule() -> None:
    """`redact` refuses what it has no rule for; every member of both unions has one."""
    assert union(Outcome) | union(Dispatch) == set(REDACTORS)

    @dataclass(frozen=True)
    class Unheard:
        pass

    with pytest.raises(TypeError):
        redact(Unheard(), SHARED)
