"""Conversations that must go the same way on every front end: one list, run against Slack, Teams and the console.

Each step is who speaks (alice, bob, erin of Acme; paul, pia, gus of Globex) and what they write after
mentioning the bot, with `@pia` for a mention; each front end turns that into its own mention. What the bot
answers is compared after `plain()`: markup gone, mentions as `@pia`, so the same expectation holds for all.
Dates stay out of the expectations: Slack knows everyone's zone, Teams only the zones of people who spoke.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Step:
    speaker: str
    text: str
    expect: list[str] = field(default_factory=list)  # each must appear in the bot's answer, as plain()


@dataclass(frozen=True)
class Scenario:
    name: str
    steps: list[Step]


SCENARIOS = [
    Scenario(
        "commit-who-done-list",
        [
            Step(
                "paul",
                "commit @pia pricing sheet by end of month",
                ["Commitment #1 recorded: pricing sheet", "Owner: @pia for Globex (recorded by @paul)"],
            ),
            Step(
                "alice",
                "commit @paul Draft joint API spec by next Friday",
                ["Commitment #2 recorded: Draft joint API spec", "Owner: @paul for Globex (recorded by @alice)"],
            ),
            Step("pia", "who owns the API spec?", ["@paul (Globex) owns #2 Draft joint API spec, due "]),
            Step("paul", "done #2", ["#2 Draft joint API spec is done, marked by @paul."]),
            Step("gus", "list", ["Open commitments", "Globex (1)", "• #1 pricing sheet · @pia (Globex) · due "]),
            Step("gus", "list overdue", ["Nothing is overdue."]),
            Step("paul", "who @pia", ["@pia owns 1 open commitment:", "#1 pricing sheet"]),
        ],
    ),
    Scenario(
        "refusals-change-nothing",
        [
            Step("paul", "commit @pia pricing sheet", ["I understood pricing sheet for @pia, but no due date."]),
            Step("paul", "done #9", ["There is no commitment #9 in this alliance."]),
            Step("alice", "frobnicate the spec", ["I don't know “frobnicate”. Here is what I do:"]),
            Step("alice", "list", ["Nothing is open in this alliance."]),
        ],
    ),
    Scenario(
        "reassign-and-history",
        [
            Step("alice", "commit @bob Kickoff deck by Friday", ["Owner: @bob for Acme (recorded by @alice)"]),
            # Acme has no lead yet, so any of its own people may hand Bob's item on (see the README's authorization).
            Step(
                "alice",
                "reassign #1 @pia",
                ["#1 Kickoff deck now belongs to @pia (Globex), was @bob; reassigned by @alice."],
            ),
            Step(
                "pia",
                "show #1",
                ["#1 Kickoff deck", "Owner: @pia for Globex", "@alice reassigned it from @bob to @pia"],
            ),
            Step("pia", "drop #1 no longer needed", ["#1 Kickoff deck was dropped by @pia: no longer needed"]),
        ],
    ),
    Scenario(
        "roles-and-settings",
        [
            Step("alice", "lead @alice", ["@alice is now the lead of Acme."]),
            Step("pia", "lead @pia", ["@pia is now the lead of Globex."]),
            Step("pia", "sponsor @gus", ["@gus is now the executive sponsor of Globex."]),
            Step("paul", "lead @paul", ["Only that party's lead or sponsor can change its roles (ask @pia)."]),
            Step("alice", "cadence every 2 weeks", ["Check-in cadence set: every 2 weeks."]),
            Step("alice", "escalation 3 6", ["Escalation set:", "still open 3 working days later"]),
        ],
    ),
    Scenario(
        # What a first-time user trips over (issue 12, items 10 and 11): typos, several owners, a title that starts
        # with a minus, who owns a number, and a refused date whose example is the command typed.
        "first-user-words",
        [
            Step("alice", "lsit", ["I don't know “lsit”. Did you mean list?", "help lists every command."]),
            Step("alice", "help commit", ["commit @person <what> by <when>", "help lists every command."]),
            Step(
                "paul",
                "commit @paul @pia Joint thing by Friday",
                ["A commitment has exactly one owner, who answers for it."],
            ),
            Step(
                "paul", "commit @pia -5% discount approval by Friday", ["Commitment #1 recorded: -5% discount approval"]
            ),
            Step("alice", "who owns #1", ["@pia (Globex) owns #1 -5% discount approval, due "]),
            Step("pia", "due #1 yesterday", ["that has already passed. Pick a date ahead, e.g. due #1 next Friday."]),
        ],
    ),
    Scenario(
        # The charter written and signed by text (issue 12, item 15): Teams and the console have no form.
        "charter-by-text",
        [
            Step("alice", "lead @alice", ["@alice is now the lead of Acme."]),
            Step("paul", "lead @paul", ["@paul is now the lead of Globex."]),
            Step("alice", "sponsor @bob", ["@bob is now the executive sponsor of Acme."]),
            Step("paul", "sponsor @gus", ["@gus is now the executive sponsor of Globex."]),
            Step(
                "alice",
                "charter goal Joint launch in DACH by 2027-03-31",
                ["@alice wrote the charter.", "• Joint launch in DACH · by 2027-03-31 · for Acme, Globex"],
            ),
            Step("paul", "charter timeframe 2026-12-01 to 2027-11-30", ["• Timeframe: 2026-12-01 to 2027-11-30"]),
            Step("alice", "charter deciders @alice @paul", ["• Decision makers: @alice, @paul"]),
            Step("paul", "charter mediator @erin", ["• Mediator: @erin"]),
            Step("alice", "charter sign", ["@alice signed the charter (version 4). Waiting for @paul."]),
        ],
    ),
]

MARKUP = re.compile(r"\*\*|\*|`")
SLACK_USER = re.compile(r"<@([A-Z0-9]+)(?:\|[^>]*)?>")
SLACK_DATE = re.compile(r"<!date\^\d+\^[^|>]*\|([^>]*)>")
TEAMS_USER = re.compile(r"<at>([^<]+)</at>")


def plain_slack(text: str, names: Mapping[str, str]) -> str:
    """A Slack answer as plain text: `<@U0PIA0001>` -> `@pia` (by `names`: user id -> speaker)."""
    text = SLACK_DATE.sub(r"\1", text)
    text = SLACK_USER.sub(lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    # what Slack shows for its escapes
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return MARKUP.sub("", text)


def plain_teams(text: str, names: Mapping[str, str]) -> str:
    """A Teams answer as plain text: `<at>Pia Porter</at>` -> `@pia` (by `names`: display name -> speaker)."""
    text = TEAMS_USER.sub(lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    # typed angle brackets are shown as look-alikes on Teams (bot/teams/markup.py): read them as typed
    text = text.replace("‹", "<").replace("›", ">")
    return MARKUP.sub("", text.replace("\n\n", "\n"))


def plain_console(text: str) -> str:
    """A console answer as plain text: the console already prints mentions as `@pia` and dates as text."""
    return MARKUP.sub("", text)


def missing(expected: list[str], answer: str) -> list[str]:
    return [line for line in expected if line not in answer]
