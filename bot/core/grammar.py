"""The command language's switchboard: what people type after `/alliance` or after mentioning the bot.

One grammar serves the slash command, mentions and the console, so every command works by mention
(in a Slack Connect channel the partner organisation has no slash commands). The adapter hands over the
text with user mentions in the portable form `<@ID>`; this module reads the verb and hands the rest to the
feature that owns it (each feature's `grammar.py`). Features never import this module.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.core.charter import grammar as charter_grammar
from bot.core.checkins import grammar as checkin_grammar
from bot.core.commitments import grammar as commitment_grammar
from bot.core.commitments.commands import OwnedBy, Show
from bot.core.errors import GrammarError
from bot.core.parsing import MAX_TEXT, REF, ref_number, single_mention, tidy
from bot.core.people import grammar as people_grammar
from bot.core.pulse import grammar as pulse_grammar
from bot.core.scorecard import grammar as scorecard_grammar
from bot.core.scorecard.commands import ScorecardCommand


@dataclass(frozen=True)
class Help:
    unknown: str | None = None  # the word we did not understand, if that is why help is shown
    verb: str | None = None  # `help commit`, or the command a typo was nearest to: that command's help only
    form: str | None = None  # how that command is written (its usage line)
    words: tuple[str, ...] = ()  # every word that starts that command (`commit`, `promise`, …)
    retyped: str | None = None  # a typo's whole line with the nearest command's word instead


Command = (
    Help
    | commitment_grammar.Command
    | checkin_grammar.Command
    | people_grammar.Command
    | charter_grammar.Command
    | ScorecardCommand
    | pulse_grammar.Command
)

# Each feature's verbs, and the parser that reads the rest of the line after one of them.
FEATURES: tuple[tuple[dict[str, str], Callable[[str, str], Command]], ...] = (
    (commitment_grammar.VERBS, commitment_grammar.parse),
    (checkin_grammar.VERBS, checkin_grammar.parse),
    (people_grammar.VERBS, people_grammar.parse),
    (charter_grammar.VERBS, charter_grammar.parse),
    (scorecard_grammar.VERBS, scorecard_grammar.parse),
    (pulse_grammar.VERBS, pulse_grammar.parse),
)
VERBS = {"help": "help", "?": "help", **{word: verb for verbs, _ in FEATURES for word, verb in verbs.items()}}
PARSERS = {verb: parse for verbs, parse in FEATURES for verb in verbs.values()}
USAGE = {
    **commitment_grammar.USAGE,
    **checkin_grammar.USAGE,
    **people_grammar.USAGE,
    **charter_grammar.USAGE,
    **scorecard_grammar.USAGE,
    **pulse_grammar.USAGE,
}

FILLER = re.compile(r"^(?:please|pls|hey|hi|hello|ok|okay)[,!.]?\s+", re.IGNORECASE)
WHAT_OWNS = re.compile(r"^what\s+(?:does|do|is)\s+(<@[^>]+>)\s+(?:own|owning|doing|on)\W*$", re.IGNORECASE)


def parse(text: str) -> Command:
    """Read one command. Raises GrammarError or UnknownName with what went wrong and the right form."""
    text = tidy(text)
    if len(text) > MAX_TEXT:
        raise GrammarError(f"That is {len(text):,} characters; a command is at most {MAX_TEXT:,}.", "help")
    if not text:
        return Help()
    text = FILLER.sub("", text)
    what = WHAT_OWNS.match(text)
    if what:
        return OwnedBy(single_mention(what.group(1), USAGE["who"]))
    first, _, rest = text.partition(" ")
    verb = VERBS.get(first.lower().rstrip(":,"))
    rest = rest.strip()
    if verb is None:
        if REF.match(first) and not rest:
            return Show(ref_number(first, USAGE["show"]))
        if commitment_grammar.WHO_PREFIX.match(text) or first.lower().startswith("who"):
            return commitment_grammar.who(text)
        return nearest(first, rest)
    if verb == "help":
        return topic(rest)
    if first.lower() == "add" and re.match(r"(?:metric|kpi|contribution)\b", rest, re.IGNORECASE):
        # "add metric …" / "add contribution …" are the scorecard's, not a commitment titled "metric …"
        word, _, tail = rest.partition(" ")
        if word.lower() == "contribution":
            return scorecard_grammar.parse("contribute", tail)
        return scorecard_grammar.parse("metric", f"add {tail}")
    return PARSERS[verb](verb, rest)


# How close a mistyped word must be to a command's for "did you mean …?" (`lsit` → list, `comit` → commit).
NEAREST = 0.75


def topic(rest: str) -> Help:
    """`help` alone lists everything; `help commit` (any word of a command) shows that command's help."""
    word = rest.strip(" ?!.`").split(" ")[0].lower()
    verb = VERBS.get(word)
    if not word or verb is None or verb == "help":
        return Help() if not word or verb == "help" else nearest(word, "", asked=True)
    return command_help(verb)


def command_help(verb: str, *, unknown: str | None = None, retyped: str | None = None) -> Help:
    words = tuple(w for w, v in VERBS.items() if v == verb)
    form = USAGE.get(verb) or next((USAGE[w] for w in words if w in USAGE), None)
    return Help(unknown=unknown, verb=verb, form=form, words=words, retyped=retyped)


def nearest(word: str, rest: str, *, asked: bool = False) -> Help:
    """A word that is no command: the nearest one's help when it is close (a typo), else everything."""
    typed = word.lower().rstrip(":,")
    close = difflib.get_close_matches(typed, [w for w in VERBS if len(w) > 2], n=1, cutoff=NEAREST)
    if not close or VERBS[close[0]] == "help":
        return Help(unknown=word[:40])  # `helo`: everything, which is what help is
    retyped = None if asked else " ".join(x for x in (close[0], rest) if x)
    return command_help(VERBS[close[0]], unknown=word[:40], retyped=retyped)
