"""The command language: what people type after `/alliance` or after mentioning the bot.

One grammar serves the slash command, mentions and the console, so every command works by mention
(in a Slack Connect channel the partner organisation has no slash commands). The adapter hands over the
text with user mentions in the portable form `<@ID>`; this module only reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from bot.core import scorecard_types as sc
from bot.core.charter_types import (
    Decide as Decide,
)
from bot.core.charter_types import (
    EditCharter as EditCharter,
)
from bot.core.charter_types import (
    ListDecisions as ListDecisions,
)
from bot.core.charter_types import (
    ListDisputes as ListDisputes,
)
from bot.core.charter_types import (
    OpenDispute as OpenDispute,
)
from bot.core.charter_types import (
    ResolveDispute as ResolveDispute,
)
from bot.core.charter_types import (
    ShowCharter as ShowCharter,
)
from bot.core.charter_types import (
    SignCharter as SignCharter,
)
from bot.core.dates import split_due
from bot.core.errors import CommandError

MAX_TEXT = 4000
MAX_TITLE = 200

MENTION = re.compile(r"<@([UWB][A-Z0-9]{2,40}|[A-Za-z0-9_.:-]{2,64})(?:\|[^>]*)?>")
RAW_AT = re.compile(r"(?<![<\w])@([\w.-]{1,80})")
REF = re.compile(r"^#?(\d{1,9})$")


class ListFilter(StrEnum):
    OPEN = "open"
    MINE = "mine"
    OVERDUE = "overdue"
    DONE = "done"
    PERSON = "person"


@dataclass(frozen=True)
class Help:
    unknown: str | None = None  # the word we did not understand, if that is why help is shown


@dataclass(frozen=True)
class Commit:
    title: str
    due_phrase: str | None
    owner_id: str | None  # None: the caller
    milestone: bool = False
    internal: bool = False  # internal to the owner's party (`--internal`)


@dataclass(frozen=True)
class OpenForm:
    """`commit` with nothing after it: the adapter shows its form (a Slack modal)."""

    prefill: str = ""


@dataclass(frozen=True)
class WhoOwns:
    query: str


@dataclass(frozen=True)
class OwnedBy:
    user_id: str


@dataclass(frozen=True)
class ListCommitments:
    filter: ListFilter
    user_id: str | None = None


@dataclass(frozen=True)
class Complete:
    ref: int


@dataclass(frozen=True)
class MoveDue:
    ref: int
    due_phrase: str


@dataclass(frozen=True)
class Reassign:
    ref: int
    user_id: str


@dataclass(frozen=True)
class ReassignAll:
    """Every open item of one person (who has left, typically) to another; unlike a handover, no roles."""

    from_id: str
    to_id: str


@dataclass(frozen=True)
class Drop:
    ref: int
    reason: str


@dataclass(frozen=True)
class Show:
    ref: int


class Role(StrEnum):
    LEAD = "lead"
    SPONSOR = "sponsor"


@dataclass(frozen=True)
class NameRole:
    role: Role
    user_id: str
    team_id: str | None = None  # from a picker asking for one party's lead: the person must be of that party


class Answer(StrEnum):
    """What an owner says about a commitment at a check-in (Done and New date are their own commands)."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    NEED_HELP = "need_help"


@dataclass(frozen=True)
class Report:
    ref: int
    answer: Answer
    note: str = ""


@dataclass(frozen=True)
class ShowCadence:
    pass


@dataclass(frozen=True)
class SetCadence:
    cadence: str  # a Cadence value


@dataclass(frozen=True)
class CheckinNow:
    pass


@dataclass(frozen=True)
class Snooze:
    ref: int
    days: int


@dataclass(frozen=True)
class Away:
    until_phrase: str


@dataclass(frozen=True)
class Back:
    pass


@dataclass(frozen=True)
class Escalation:
    """`escalation` shows the ladder; `escalation 2 5` sets lead and sponsor after that many working days."""

    lead_after: int | None = None
    sponsor_after: int | None = None


@dataclass(frozen=True)
class Roster:
    pass


@dataclass(frozen=True)
class Handover:
    from_id: str
    to_id: str


@dataclass(frozen=True)
class SetHolidays:
    country: str


@dataclass(frozen=True)
class Link:
    """`link #acme-internal`: the caller's party's private channel; `to #alliance` names the alliance when it is
    typed elsewhere than in the alliance's channel."""

    channel_id: str
    alliance_channel_id: str | None = None


Command = (
    Help
    | Commit
    | OpenForm
    | WhoOwns
    | OwnedBy
    | ListCommitments
    | Complete
    | MoveDue
    | Reassign
    | ReassignAll
    | Drop
    | Show
    | NameRole
    | Report
    | ShowCadence
    | SetCadence
    | CheckinNow
    | Snooze
    | Away
    | Back
    | SetHolidays
    | Escalation
    | Roster
    | Handover
    | ShowCharter
    | EditCharter
    | SignCharter
    | Decide
    | ListDecisions
    | OpenDispute
    | ListDisputes
    | ResolveDispute
    | Link
    | sc.ScorecardCommand
)


class GrammarError(CommandError):
    """The text could not be read as a command; `usage` names the form that would have worked."""

    def __init__(self, problem: str, usage: str, given: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.usage = usage
        self.given = given


class UnknownName(CommandError):
    """`@paul` typed as plain text: the platform did not turn it into a real mention."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


USAGE = {
    "commit": "commit @person <what> by <when>",
    "who": "who <words from the title>  or  who @person",
    "list": "list [mine | overdue | done | @person]",
    "done": "done #12",
    "due": "due #12 <new date>",
    "reassign": "reassign #12 @person",
    "reassign all": "reassign all @bob to @alice",
    "drop": "drop #12 <reason>",
    "show": "show #12",
    "lead": "lead @person",
    "sponsor": "sponsor @person",
    "status": "status #12 on track | at risk | need help <note>",
    "cadence": "cadence [weekly | every 2 weeks | monthly | default]",
    "checkin": "checkin now",
    "snooze": "snooze #12 3d",
    "away": "away until Jan 6",
    "holidays": "holidays DE",
    "roster": "roster",
    "handover": "handover @bob to @alice",
    "escalation": "escalation <lead after N working days> <sponsor after M>, e.g. escalation 2 5",
    "charter": "charter  |  charter edit  |  charter sign",
    "decide": "decide <what was decided> [consulted @pia @paul]  or  decide @erin <what> …",
    "dispute": "dispute <topic>",
    "resolve": "resolve dispute 3 <outcome>",
    "link": "link #your-private-channel",
    **sc.SCORECARD_USAGE,
}

VERBS = {
    "commit": "commit",
    "promise": "commit",
    "track": "commit",
    "add": "commit",
    "who": "who",
    "whois": "who",
    "owner": "who",
    "list": "list",
    "ls": "list",
    "overdue": "overdue",
    "done": "done",
    "complete": "done",
    "finished": "done",
    "close": "done",
    "due": "due",
    "move": "due",
    "postpone": "due",
    "reschedule": "due",
    "reassign": "reassign",
    "give": "reassign",
    "handoff": "reassign",
    "drop": "drop",
    "cancel": "drop",
    "show": "show",
    "details": "show",
    "history": "show",
    "help": "help",
    "?": "help",
    "lead": "lead",
    "sponsor": "sponsor",
    "status": "status",
    "report": "status",
    "cadence": "cadence",
    "checkin": "checkin",
    "check-in": "checkin",
    "snooze": "snooze",
    "away": "away",
    "ooo": "away",
    "back": "back",
    "holidays": "holidays",
    "escalation": "escalation",
    "escalate": "escalation",
    "roster": "roster",
    "people": "roster",
    "handover": "handover",
    "charter": "charter",
    "decide": "decide",
    "decision": "decide",
    "decisions": "decisions",
    "dispute": "dispute",
    "disputes": "disputes",
    "resolve": "resolve",
    "resolved": "resolve",
    "link": "link",
    **sc.SCORECARD_VERBS,
}

FILLER = re.compile(r"^(?:please|pls|hey|hi|hello|ok|okay)[,!.]?\s+", re.IGNORECASE)
WHO_PREFIX = re.compile(
    r"^(?:who(?:'s| is)?\s+)?(?:owns|own|owning|has|is responsible for|is on|is doing|is working on|"
    r"is the owner of|the owner of)\s+",
    re.IGNORECASE,
)
WHAT_OWNS = re.compile(r"^what\s+(?:does|do|is)\s+(<@[^>]+>)\s+(?:own|owning|doing|on)\W*$", re.IGNORECASE)
ATTEMPTED_DATE = re.compile(r"\s+(?:by|due(?: on| by)?)\s+((?:\S+\s*){1,4})$", re.IGNORECASE)
ARTICLE = re.compile(r"^(?:the|a|an|our|their)\s+", re.IGNORECASE)


def mentioned_ids(text: str) -> list[str]:
    return MENTION.findall(text)


def parse(text: str) -> Command:
    """Read one command. Raises GrammarError or UnknownName with what went wrong and the right form."""
    text = _tidy(text)
    if len(text) > MAX_TEXT:
        raise GrammarError(f"That is {len(text):,} characters; a command is at most {MAX_TEXT:,}.", "help")
    if not text:
        return Help()
    text = FILLER.sub("", text)
    what = WHAT_OWNS.match(text)
    if what:
        return OwnedBy(_single_mention(what.group(1), "who"))
    first, _, rest = text.partition(" ")
    verb = VERBS.get(first.lower().rstrip(":,"))
    rest = rest.strip()
    if verb is None:
        if REF.match(first) and not rest:
            return Show(_ref(first, "show"))
        if WHO_PREFIX.match(text) or first.lower().startswith("who"):
            return _who(text)
        return Help(unknown=first[:40])
    match verb:
        case "commit" if first.lower() == "add" and re.match(r"(?:metric|kpi|contribution)\b", rest, re.IGNORECASE):
            # "add metric …" / "add contribution …" are the scorecard's, not a commitment titled "metric …"
            word, _, tail = rest.partition(" ")
            if word.lower() == "contribution":
                return _scorecard("contribute", tail)
            return _scorecard("metric", f"add {tail}")
        case "commit":
            return _commit(rest)
        case "who":
            return _who(rest)
        case "list":
            return _list(rest)
        case "overdue":
            return ListCommitments(ListFilter.OVERDUE)
        case "done":
            return Complete(_ref(rest, "done"))
        case "due":
            return _move_due(rest)
        case "reassign":
            return _reassign(rest)
        case "drop":
            return _drop(rest)
        case "show":
            return Show(_ref(rest, "show"))
        case "lead" | "sponsor":
            return NameRole(Role(verb), _single_mention(rest, verb))
        case "status":
            return _report(rest)
        case "cadence":
            return ShowCadence() if not rest else SetCadence(_cadence(rest))
        case "checkin":
            if rest.lower().strip(" !.") not in ("now", ""):
                raise GrammarError("I only know “checkin now”.", USAGE["checkin"], rest)
            return CheckinNow()
        case "snooze":
            return _snooze(rest)
        case "away":
            phrase = re.sub(r"^(?:until|till|til|through)\s+", "", rest, flags=re.IGNORECASE)
            if not phrase:
                raise GrammarError("Say until when you are away.", USAGE["away"], rest)
            return Away(phrase)
        case "back":
            return Back()
        case "escalation":
            return _escalation(rest)
        case "roster":
            return Roster()
        case "handover":
            ids = mentioned_ids(rest)
            if len(ids) != 2 or ids[0] == ids[1]:
                _no_raw_names(rest)
                raise GrammarError("Mention who hands over, then who takes over.", USAGE["handover"], rest)
            return Handover(ids[0], ids[1])
        case "link":
            return _link(rest)
        case "holidays":
            code = rest.strip().upper()
            if not re.fullmatch(r"[A-Z]{2,3}", code):
                raise GrammarError("Give a country code, like DE, US or GB.", USAGE["holidays"], rest)
            return SetHolidays(code)
        case "charter" | "decide" | "decisions" | "dispute" | "disputes" | "resolve":
            return _governance(verb, rest)
        case verb if verb in sc.SCORECARD_VERBS.values():
            return _scorecard(verb, rest)
        case _:
            return Help()


def _tidy(text: str) -> str:
    # Slack sends &amp; &lt; &gt; escaped; mentions stay as <@U...>.
    text = text.replace("&amp;", "&").replace("&lt;", "‹").replace("&gt;", "›")
    text = re.sub(r"[\u200b\u200c\u200d\ufeff]", "", text)
    return " ".join(text.split())


def _commit(rest: str) -> Command:
    if not rest:
        return OpenForm()
    milestone = internal = False
    words = rest.split(" ")
    # Leading keywords, in any order: `commit internal milestone @bob …`, `commit --internal @bob …`.
    while words and words[0].lower() in LEADING_FLAGS:
        if words[0].lower() == "internal" and not (len(words) > 1 and _flag_or_owner(words[1])):
            break  # "commit internal review of the contract by Friday": a title that begins with "internal"
        if LEADING_FLAGS[words[0].lower()] == "milestone":
            milestone = True
        else:
            internal = True
        words = words[1:]
    # `--milestone` and `--internal` anywhere before the due date: only the double-dashed form, since "internal"
    # and "milestone" are ordinary words inside a title.
    if "--milestone" in (w.lower() for w in words):
        milestone = True
        words = [w for w in words if w.lower() != "--milestone"]
    if "--internal" in (w.lower() for w in words):
        internal = True
        words = [w for w in words if w.lower() != "--internal"]
    rest = " ".join(words)
    owner_id: str | None = None
    lead = MENTION.match(rest)
    if lead:
        owner_id = lead.group(1)
        rest = rest[lead.end() :].strip()
        rest = re.sub(r"^(?:to|will|should|must|:|-)\s+", "", rest, flags=re.IGNORECASE)
    _no_raw_names(rest)
    title, phrase = split_due(rest)
    if phrase is None:
        # "… by someday": the user clearly meant a date; say we can't read it rather than that it is missing.
        attempted = ATTEMPTED_DATE.search(title)
        if attempted:
            title, phrase = title[: attempted.start()], attempted.group(1)
    title = title.strip(" ,;:-")
    if not title:
        raise GrammarError("A commitment needs a short title: what will be delivered.", USAGE["commit"], rest)
    if len(title) > MAX_TITLE:
        raise GrammarError(
            f"That title is {len(title):,} characters; keep it under {MAX_TITLE} (put the details in the thread).",
            USAGE["commit"],
            title[:60],
        )
    return Commit(title=title, due_phrase=phrase, owner_id=owner_id, milestone=milestone, internal=internal)


LEADING_FLAGS = {
    "--milestone": "milestone",
    "milestone:": "milestone",
    "milestone": "milestone",
    "--internal": "internal",
    "internal:": "internal",
    "internal": "internal",
}


def _flag_or_owner(word: str) -> bool:
    return word.lower() in LEADING_FLAGS or MENTION.match(word) is not None


CHANNEL = re.compile(r"<#([CGD][A-Z0-9]{1,40})(?:\|[^>]*)?>")


def _link(rest: str) -> Link:
    channels = CHANNEL.findall(rest)
    left = CHANNEL.sub("", rest)
    left = re.sub(r"\b(?:to|with|for|the|alliance|in)\b", "", left, flags=re.IGNORECASE).strip(" ,.")
    if not channels or len(channels) > 2 or left:
        raise GrammarError(
            "Name your party's private channel as a link: type # and pick it from the list Slack offers.",
            USAGE["link"],
            rest,
        )
    return Link(channels[0], channels[1] if len(channels) == 2 else None)


def _who(rest: str) -> Command:
    rest = WHO_PREFIX.sub("", rest.strip())
    rest = re.sub(r"^who(?:'s| is)?\s+", "", rest, flags=re.IGNORECASE)
    rest = WHO_PREFIX.sub("", rest)
    rest = rest.strip(" ?!.")
    rest = ARTICLE.sub("", rest)
    if not rest:
        raise GrammarError("Ask about a commitment or a person.", USAGE["who"])
    ids = mentioned_ids(rest)
    if ids and MENTION.sub("", rest).strip(" ?!.,") in ("", "own", "owns"):
        return OwnedBy(ids[0])
    _no_raw_names(rest)
    return WhoOwns(rest[:MAX_TITLE])


def _list(rest: str) -> Command:
    word = rest.lower().strip(" ?!.")
    if word in ("", "open", "all"):
        return ListCommitments(ListFilter.OPEN)
    if word in ("mine", "my", "me"):
        return ListCommitments(ListFilter.MINE)
    if word in ("overdue", "late", "slipped"):
        return ListCommitments(ListFilter.OVERDUE)
    if word in ("done", "closed", "finished", "completed"):
        return ListCommitments(ListFilter.DONE)
    ids = mentioned_ids(rest)
    if ids:
        return ListCommitments(ListFilter.PERSON, ids[0])
    _no_raw_names(rest)
    raise GrammarError(f"I can list open, mine, overdue, done or @person, not “{rest[:40]}”.", USAGE["list"], rest)


def _move_due(rest: str) -> Command:
    ref_word, _, phrase = rest.partition(" ")
    ref = _ref(ref_word, "due")
    phrase = re.sub(r"^(?:to|by|until|on|till)\s+", "", phrase.strip(), flags=re.IGNORECASE)
    if not phrase:
        raise GrammarError("Say the new date.", USAGE["due"], rest)
    return MoveDue(ref, phrase)


def _reassign(rest: str) -> Command:
    ref_word, _, who = rest.partition(" ")
    if ref_word.lower() == "all":
        ids = mentioned_ids(who)
        if len(ids) != 2 or ids[0] == ids[1]:
            _no_raw_names(who)
            raise GrammarError("Mention whose items, then who takes them.", USAGE["reassign all"], rest)
        return ReassignAll(ids[0], ids[1])
    ref = _ref(ref_word, "reassign")
    who = re.sub(r"^to\s+", "", who.strip(), flags=re.IGNORECASE)
    return Reassign(ref, _single_mention(who, "reassign"))


def _drop(rest: str) -> Command:
    ref_word, _, reason = rest.partition(" ")
    ref = _ref(ref_word, "drop")
    reason = re.sub(r"^(?:because|reason)?\s*[:-]?\s*", "", reason.strip(), flags=re.IGNORECASE)
    if not reason:
        raise GrammarError("Say why it is dropped, so both parties know.", USAGE["drop"], rest)
    return Drop(ref, reason[:500])


def _ref(word: str, verb: str) -> int:
    word = word.strip().rstrip(".,!?")
    match = REF.match(word)
    if not match:
        shown = f"“{word[:20]}” is not a commitment reference" if word else "Which commitment?"
        raise GrammarError(f"{shown}: use its number, like #12.", USAGE[verb], word)
    return int(match.group(1))


def _single_mention(text: str, verb: str) -> str:
    ids = mentioned_ids(text)
    if not ids:
        _no_raw_names(text)
        raise GrammarError("Mention the person, like @pia.", USAGE[verb], text)
    return ids[0]


def _no_raw_names(text: str) -> None:
    raw = RAW_AT.search(MENTION.sub("", text))
    if raw and raw.group(1).lower() not in ("here", "channel", "everyone"):
        raise UnknownName(raw.group(1))


ANSWERS = {
    "on track": Answer.ON_TRACK,
    "ontrack": Answer.ON_TRACK,
    "ok": Answer.ON_TRACK,
    "fine": Answer.ON_TRACK,
    "at risk": Answer.AT_RISK,
    "risk": Answer.AT_RISK,
    "late": Answer.AT_RISK,
    "need help": Answer.NEED_HELP,
    "help": Answer.NEED_HELP,
    "blocked": Answer.NEED_HELP,
}

CADENCES = {
    "weekly": "weekly",
    "every week": "weekly",
    "every 1 week": "weekly",
    "fortnightly": "fortnightly",
    "biweekly": "fortnightly",
    "every 2 weeks": "fortnightly",
    "every two weeks": "fortnightly",
    "monthly": "monthly",
    "every month": "monthly",
    "default": "default",
    "auto": "default",
}


def _report(rest: str) -> Report:
    ref_word, _, tail = rest.partition(" ")
    ref = _ref(ref_word, "status")
    words = tail.strip().lower()
    for phrase in sorted(ANSWERS, key=len, reverse=True):
        if words == phrase or words.startswith(phrase + " ") or words.startswith(phrase + ":"):
            note = tail.strip()[len(phrase) :].strip(" :,-")
            return Report(ref, ANSWERS[phrase], note[:500])
    raise GrammarError("Say how it stands: on track, at risk or need help.", USAGE["status"], rest)


def _cadence(rest: str) -> str:
    key = " ".join(rest.lower().replace("-", " ").split())
    if key not in CADENCES:
        raise GrammarError(f"I can check in weekly, every 2 weeks or monthly, not “{rest[:40]}”.", USAGE["cadence"])
    return CADENCES[key]


def _snooze(rest: str) -> Snooze:
    ref_word, _, span = rest.partition(" ")
    ref = _ref(ref_word, "snooze")
    match = re.fullmatch(r"(?:for\s+)?(\d{1,2})\s*(d|day|days|w|week|weeks)", span.strip().lower())
    if not match:
        raise GrammarError("Say for how long, like 3d or 1w.", USAGE["snooze"], rest)
    days = int(match.group(1)) * (7 if match.group(2).startswith("w") else 1)
    if not 1 <= days <= 60:
        raise GrammarError("Snooze for 1 to 60 days.", USAGE["snooze"], rest)
    return Snooze(ref, days)


def _escalation(rest: str) -> Escalation:
    if not rest:
        return Escalation()
    numbers = re.findall(r"\d+", rest)
    if len(numbers) != 2 or re.sub(r"[\d\s,;]|lead|sponsor|after|days?|and|then", "", rest.lower()).strip():
        raise GrammarError(
            "Give two numbers of working days: the lead's, then the sponsor's.", USAGE["escalation"], rest
        )
    lead, sponsor = int(numbers[0]), int(numbers[1])
    if not 1 <= lead < sponsor <= 30:
        raise GrammarError(
            "The lead comes first and the sponsor later, within 30 working days.", USAGE["escalation"], rest
        )
    return Escalation(lead, sponsor)


# ---- the charter, decisions and disputes ----------------------------------------------------------------------

CONSULTED = re.compile(r"[\s,;(]+(?:after\s+)?consult(?:ed|ing)?(?:\s+with)?\s*:?\s*(.*)$", re.IGNORECASE)


def _governance(verb: str, rest: str) -> Command:
    match verb:
        case "charter":
            word = rest.lower().strip(" .!?")
            if word in ("", "show"):
                return ShowCharter()
            if word in ("edit", "change", "update", "write"):
                return EditCharter()
            if word in ("sign", "sign off", "signoff", "approve"):
                return SignCharter()
            raise GrammarError(f"I know “charter”, “charter edit” and “charter sign”, not “{rest[:40]}”.", USAGE[verb])
        case "decide":
            if rest.lower().strip(" .!?") in LIST_WORDS:
                return ListDecisions()  # "decision log", "decisions list": a look-up, not a decision called "log"
            return _decide(rest)
        case "decisions":
            return ListDecisions()
        case "dispute":
            topic = rest.strip(" :-")
            if topic.lower().strip(" .!?") in LIST_WORDS:
                return ListDisputes()  # "dispute list" lists; it must not open a dispute called "list"
            if not topic:
                raise GrammarError("Say what the dispute is about.", USAGE["dispute"], rest)
            if re.fullmatch(r"#?\d+", topic):
                raise GrammarError(
                    "Say what the dispute is about in words; to settle one, write it like this.",
                    USAGE["resolve"],
                    topic,
                )
            _no_raw_names(topic)
            if len(topic) > MAX_TITLE:
                raise GrammarError(f"Keep the topic under {MAX_TITLE} characters.", USAGE["dispute"], topic[:60])
            return OpenDispute(topic)
        case "disputes":
            return ListDisputes()
    return _resolve(rest)


LIST_WORDS = ("list", "log", "all", "open", "show")


def _decide(rest: str) -> Decide:
    decided_by = None
    lead = MENTION.match(rest)
    if lead:
        decided_by = lead.group(1)
        rest = rest[lead.end() :].strip()
        rest = re.sub(r"^(?:decided|decides|has decided)?\s*(?:that|:|-)?\s+", "", rest, flags=re.IGNORECASE)
    consulted: tuple[str, ...] = ()
    tail = CONSULTED.search(rest)
    if tail:
        consulted = tuple(dict.fromkeys(mentioned_ids(tail.group(1))))
        if not consulted or MENTION.sub("", tail.group(1)).strip(" ,;.)and"):
            _no_raw_names(tail.group(1))
            raise GrammarError("After “consulted”, mention the people, like @pia @paul.", USAGE["decide"], rest)
        rest = rest[: tail.start()]
    text = rest.strip(" ,;:-")
    if not text:
        raise GrammarError("Say what was decided.", USAGE["decide"], rest)
    _no_raw_names(text)
    if len(text) > 1000:
        raise GrammarError("Keep a decision under 1,000 characters.", USAGE["decide"], text[:60])
    return Decide(text=text, decided_by=decided_by, consulted=consulted)


def _resolve(rest: str) -> ResolveDispute:
    rest = re.sub(r"^dispute\s+", "", rest.strip(), flags=re.IGNORECASE)
    ref_word, _, outcome = rest.partition(" ")
    if ref_word.startswith("#"):
        # `#12` names a commitment everywhere else: closing one must not settle dispute 12 by mistake.
        raise GrammarError(
            f"`{ref_word}` is how commitments are named (`done {ref_word}` closes one); a dispute is settled with its "
            "number after the word dispute.",
            USAGE["resolve"],
            rest,
        )
    ref = _ref(ref_word, "resolve")
    outcome = re.sub(r"^(?:with|:|-)\s*", "", outcome.strip(), flags=re.IGNORECASE).strip()
    if not outcome:
        raise GrammarError("Say how it was resolved, so both parties have it on record.", USAGE["resolve"], rest)
    return ResolveDispute(ref, outcome[:1000])


def _scorecard(verb: str, rest: str) -> Command:
    # Imported here: the scorecard's grammar builds on this module's errors and limits.
    from bot.core import scorecard_grammar

    return scorecard_grammar.parse(verb, rest)
