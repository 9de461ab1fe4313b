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
)
from bot.core.errors import GrammarError
from bot.core.parsing import MAX_TITLE, MENTION, mentioned_ids, no_raw_names, ref_number

Command = ShowCharter | EditCharter | SignCharter | Decide | ListDecisions | OpenDispute | ListDisputes | ResolveDispute


USAGE = {
    "charter": "charter  |  charter edit  |  charter sign",
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
            raise GrammarError(f"I know “charter”, “charter edit” and “charter sign”, not “{rest[:40]}”.", USAGE[verb])
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
