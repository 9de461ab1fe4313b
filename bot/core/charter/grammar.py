"""How charter commands are typed: `charter edit`, `decide … consulted @pia`, `dispute <topic>`, `resolve dispute 3`."""

from __future__ import annotations

import re

from bot.core.charter.commands import (
    Decide,
    EditCharter,
    ListDecisions,
    ListDisputes,
    OpenDispute,
    ResolveDispute,
    ShowCharter,
    SignCharter,
    WriteCharter,
)
from bot.core.errors import GrammarError
from bot.core.parsing import MAX_TITLE, MENTION, mentioned_ids, no_raw_names, ref_number

Command = (
    ShowCharter
    | EditCharter
    | SignCharter
    | WriteCharter
    | Decide
    | ListDecisions
    | OpenDispute
    | ListDisputes
    | ResolveDispute
)


USAGE = {
    "charter": "charter  |  charter edit  |  charter sign  |  charter <field> <text>",
    "charter write": "charter goal|timeframe|deciders|mediator|name|cadence|formality|communication|shared|held back …",
    "decide": "decide <what was decided> [consulted @pia @paul]  or  decide @erin <what> …",
    "dispute": "dispute <topic>",
    "resolve": "resolve dispute 3 <outcome>",
}

VERBS = {
    "charter": "charter",
    "decide": "decide",
    "decision": "decide",
    "decisions": "decisions",
    "dispute": "dispute",
    "disputes": "disputes",
    "resolve": "resolve",
    "resolved": "resolve",
}


CONSULTED = re.compile(r"[\s,;(]+(?:after\s+)?consult(?:ed|ing)?(?:\s+with)?\s*:?\s*(.*)$", re.IGNORECASE)


def parse(verb: str, rest: str) -> Command:
    """A charter, decision or dispute command, its verb already read."""
    match verb:
        case "charter":
            word = rest.lower().strip(" .!?")
            if word in ("", "show"):
                return ShowCharter()
            if word in ("edit", "change", "update", "write"):
                return EditCharter()
            if word in ("sign", "sign off", "signoff", "approve"):
                return SignCharter()
            written = write(rest)
            if written is not None:
                return written
            raise GrammarError(
                f"I know “charter”, “charter edit”, “charter sign” and “charter <field> <text>”, not “{rest[:40]}”.",
                USAGE["charter write"],
            )
        case "decide":
            if rest.lower().strip(" .!?") in LIST_WORDS:
                return ListDecisions()  # "decision log", "decisions list": a look-up, not a decision called "log"
            return decide(rest)
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
            no_raw_names(topic)
            if len(topic) > MAX_TITLE:
                raise GrammarError(f"Keep the topic under {MAX_TITLE} characters.", USAGE["dispute"], topic[:60])
            return OpenDispute(topic)
        case "disputes":
            return ListDisputes()
    return resolve(rest)


LIST_WORDS = ("list", "log", "all", "open", "show")


def decide(rest: str) -> Decide:
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
            no_raw_names(tail.group(1))
            raise GrammarError("After “consulted”, mention the people, like @pia @paul.", USAGE["decide"], rest)
        rest = rest[: tail.start()]
    text = rest.strip(" ,;:-")
    if not text:
        raise GrammarError("Say what was decided.", USAGE["decide"], rest)
    no_raw_names(text)
    if len(text) > 1000:
        raise GrammarError("Keep a decision under 1,000 characters.", USAGE["decide"], text[:60])
    return Decide(text=text, decided_by=decided_by, consulted=consulted)


def resolve(rest: str) -> ResolveDispute:
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
    ref = ref_number(ref_word, USAGE["resolve"])
    outcome = re.sub(r"^(?:with|:|-)\s*", "", outcome.strip(), flags=re.IGNORECASE).strip()
    if not outcome:
        raise GrammarError("Say how it was resolved, so both parties have it on record.", USAGE["resolve"], rest)
    return ResolveDispute(ref, outcome[:1000])


# `charter <field> <text>`: the words that name each field written by text (the form's fields, one at a time).
FIELD_WORDS = {
    "name": "name",
    "goal": "goal",
    "goals": "goal",
    "timeframe": "timeframe",
    "period": "timeframe",
    "term": "timeframe",
    "deciders": "decision_makers",
    "decision makers": "decision_makers",
    "decision-makers": "decision_makers",
    "mediator": "mediator",
    "cadence": "cadence",
    "formality": "formality",
    "communication": "communication",
    "communications": "communication",
    "shared": "shared",
    "share": "shared",
    "held back": "held_back",
    "hold back": "held_back",
    "withheld": "held_back",
}
FIELD_WORD = re.compile(
    r"^(" + "|".join(sorted((re.escape(w) for w in FIELD_WORDS), key=len, reverse=True)) + r")\b\s*:?\s*(.*)$",
    re.IGNORECASE,
)
PEOPLE_FIELDS = ("decision_makers",)
# How each field is written, for a refusal's example.
FIELD_USAGE = {
    "name": "charter name Acme & Globex reseller alliance",
    "goal": "charter goal Joint launch in DACH by 2027-03-31  (or: text | 2027-03-31 | Globex)",
    "timeframe": "charter timeframe 2026-12-01 to 2027-11-30",
    "decision_makers": "charter deciders @alice @paul",
    "mediator": "charter mediator @erin  (or a name in words)",
    "cadence": "charter cadence weekly | every 2 weeks | monthly | default",
}


def write(rest: str) -> WriteCharter | None:
    """`charter goal …` and the like; None when the first words name no field."""
    match = FIELD_WORD.match(rest.strip())
    if match is None:
        return None
    field, text = FIELD_WORDS[match.group(1).lower()], match.group(2).strip()
    usage = FIELD_USAGE.get(field, f"charter {match.group(1).lower()} <text>")
    if not text:
        raise GrammarError("Say what the charter should say there.", usage, rest)
    if len(text) > 1000:
        raise GrammarError("Keep one field of the charter under 1,000 characters.", usage, text[:60])
    people = tuple(dict.fromkeys(mentioned_ids(text)))
    if field in PEOPLE_FIELDS:
        if not people or MENTION.sub("", text).strip(" ,;.&") not in ("", "and"):
            no_raw_names(MENTION.sub("", text))
            raise GrammarError("Mention the people, like @alice @paul.", usage, rest)
        return WriteCharter(field, "", people)
    if field == "mediator" and people:
        if len(people) > 1:
            raise GrammarError("Name one mediator.", usage, rest)
        return WriteCharter(field, MENTION.sub("", text).strip(" ,;."), people)
    no_raw_names(text)
    return WriteCharter(field, text)
