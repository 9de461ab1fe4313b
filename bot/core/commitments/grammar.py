"""How commitment commands are typed: `commit @paul Draft the spec by Friday`, `who owns the spec?`, `done #12`."""

from __future__ import annotations

import re

from bot.core.commitments.commands import (
    Commit,
    Complete,
    Drop,
    ListCommitments,
    ListFilter,
    MoveDue,
    OpenForm,
    OwnedBy,
    Reassign,
    Show,
    WhoOwns,
)
from bot.core.dates import split_due
from bot.core.errors import GrammarError
from bot.core.parsing import MAX_TITLE, MENTION, REF, mentioned_ids, no_raw_names, ref_number, single_mention
from bot.core.people.commands import ReassignAll

Command = (
    Commit | OpenForm | WhoOwns | OwnedBy | ListCommitments | Complete | MoveDue | Reassign | ReassignAll | Show | Drop
)


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
    "mine": "mine",  # `mine` alone is `list mine`: in a channel, and on a person's own page (Teams' personal chat)
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
}


def parse(verb: str, rest: str) -> Command:
    """A commitment command, its verb already read."""
    match verb:
        case "commit":
            return commit(rest)
        case "who":
            return who(rest)
        case "list":
            return listing(rest)
        case "mine":
            if rest.strip(" ?!."):
                raise GrammarError(f"`mine` takes nothing after it, not “{rest[:40]}”.", USAGE["list"], rest)
            return ListCommitments(ListFilter.MINE)
        case "overdue":
            return ListCommitments(ListFilter.OVERDUE)
        case "done":
            return Complete(ref_number(rest, USAGE["done"]))
        case "due":
            return move_due(rest)
        case "reassign":
            return reassign(rest)
        case "drop":
            return drop(rest)
        case "show":
            return Show(ref_number(rest, USAGE["show"]))
    raise AssertionError(f"not a commitment verb: {verb}")


WHO_PREFIX = re.compile(
    r"^(?:who(?:'s| is)?\s+)?(?:owns|own|owning|has|is responsible for|is on|is doing|is working on|"
    r"is the owner of|the owner of)\s+",
    re.IGNORECASE,
)


ATTEMPTED_DATE = re.compile(r"\s+(?:by|due(?: on| by)?)\s+((?:\S+\s*){1,4})$", re.IGNORECASE)


ANOTHER_OWNER = re.compile(r"^(?:(?:and|&|,|\+)\s*)?" + MENTION.pattern)


LEADING_SEPARATOR = re.compile(r"^(?:[,;:]+\s*|[-–—]+(?:\s+|$))+")


ARTICLE = re.compile(r"^(?:the|a|an|our|their)\s+", re.IGNORECASE)


def commit(rest: str) -> Command:
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
        more = ANOTHER_OWNER.match(rest)
        if more and more.group(1) != owner_id:
            # Every commitment has exactly one owner, the person accountable for it (the alliance practice):
            # "@paul @pia Joint thing" is refused, not stored as a title that begins with a mention.
            raise GrammarError(
                "A commitment has exactly one owner, who answers for it. Record one for each person "
                "(or name one owner and put the others in the title).",
                USAGE["commit"],
                rest,
            )
        rest = re.sub(r"^(?:to|will|should|must|:|-)\s+", "", rest, flags=re.IGNORECASE)
    no_raw_names(rest)
    title, phrase = split_due(rest)
    if phrase is None:
        # "… by someday": the user clearly meant a date; say we can't read it rather than that it is missing.
        attempted = ATTEMPTED_DATE.search(title)
        if attempted:
            title, phrase = title[: attempted.start()], attempted.group(1)
    # Separators around the title go, but the title stays as typed: "-5% discount approval" keeps its minus.
    title = LEADING_SEPARATOR.sub("", title.strip()).rstrip(" ,;:-")
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


def who(rest: str) -> Command:
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
    if REF.match(rest.strip()):
        return WhoOwns(f"#{ref_number(rest, USAGE['who'])}")  # `who owns #1`: that item, not a title search
    no_raw_names(rest)
    return WhoOwns(rest[:MAX_TITLE])


def listing(rest: str) -> Command:
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
    no_raw_names(rest)
    raise GrammarError(f"I can list open, mine, overdue, done or @person, not “{rest[:40]}”.", USAGE["list"], rest)


def move_due(rest: str) -> Command:
    ref_word, _, phrase = rest.partition(" ")
    ref = ref_number(ref_word, USAGE["due"])
    phrase = re.sub(r"^(?:to|by|until|on|till)\s+", "", phrase.strip(), flags=re.IGNORECASE)
    if not phrase:
        raise GrammarError("Say the new date.", USAGE["due"], rest)
    return MoveDue(ref, phrase)


def reassign(rest: str) -> Command:
    ref_word, _, who = rest.partition(" ")
    if ref_word.lower() == "all":
        ids = mentioned_ids(who)
        if len(ids) != 2 or ids[0] == ids[1]:
            no_raw_names(who)
            raise GrammarError("Mention whose items, then who takes them.", USAGE["reassign all"], rest)
        return ReassignAll(ids[0], ids[1])
    ref = ref_number(ref_word, USAGE["reassign"])
    who = re.sub(r"^to\s+", "", who.strip(), flags=re.IGNORECASE)
    return Reassign(ref, single_mention(who, USAGE["reassign"]))


def drop(rest: str) -> Command:
    ref_word, _, reason = rest.partition(" ")
    ref = ref_number(ref_word, USAGE["drop"])
    reason = re.sub(r"^(?:because|reason)?\s*[:-]?\s*", "", reason.strip(), flags=re.IGNORECASE)
    if not reason:
        raise GrammarError("Say why it is dropped, so both parties know.", USAGE["drop"], rest)
    return Drop(ref, reason[:500])
