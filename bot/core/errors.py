"""Every error the core expects and the front ends explain: each carries the facts, not the prose."""

from __future__ import annotations

from datetime import datetime

from bot.core.views import AllianceView

# ---- due dates ---------------------------------------------------------------------------------------------


class DateProblem(ValueError):
    """A due-date phrase that cannot become a due date. Carries the facts; adapters write the prose."""

    phrase: str


class UnknownDate(DateProblem):
    def __init__(self, phrase: str) -> None:
        super().__init__(phrase)
        self.phrase = phrase


class PastDate(DateProblem):
    def __init__(self, phrase: str, understood: datetime) -> None:
        super().__init__(phrase, understood)
        self.phrase = phrase
        self.understood = understood


class FarDate(DateProblem):
    """A date beyond the planning horizon (see dates.HORIZON_YEARS); `limit` is the last instant accepted."""

    def __init__(self, phrase: str, limit: datetime) -> None:
        super().__init__(phrase, limit)
        self.phrase = phrase
        self.limit = limit


class MissingDate(DateProblem):
    """No date phrase at all."""

    def __init__(self) -> None:
        super().__init__("")
        self.phrase = ""


# ---- commands ----------------------------------------------------------------------------------------------


class CommandError(Exception):
    """Something the user can fix by typing it differently. Nothing was changed.

    `new_alliance` is set when the failed command was the channel's first use: the alliance exists now and
    still deserves its introduction.
    """

    new_alliance: AllianceView | None = None


class DirectoryUnavailable(CommandError):
    """The platform did not answer a look-up the command needs (a channel's first use: who is in it, which
    organisations share it). Nothing was set up; trying again later works."""


class NoSuchCommitment(CommandError):
    def __init__(self, ref: int) -> None:
        super().__init__(ref)
        self.ref = ref


class AlreadyClosed(CommandError):
    def __init__(self, ref: int, status: str) -> None:
        super().__init__(ref, status)
        self.ref = ref
        self.status = status


class NothingToAmend(CommandError):
    """An edited message says what the commitment it created already says."""

    def __init__(self, ref: int) -> None:
        super().__init__(ref)
        self.ref = ref


class AlreadyCarriedOut(CommandError):
    """An edit of a message whose command was carried out already, and which an edit cannot amend: `kind` is what
    it did (the command's name), `ref` the commitment it was about, if any."""

    def __init__(self, kind: str, ref: int | None) -> None:
        super().__init__(kind, ref)
        self.kind = kind
        self.ref = ref


class UnknownPerson(CommandError):
    """The platform does not know this user id."""

    def __init__(self, user_id: str) -> None:
        super().__init__(user_id)
        self.user_id = user_id


class NotAPerson(CommandError):
    """Only people can own things: a bot was named."""

    def __init__(self, user_id: str) -> None:
        super().__init__(user_id)
        self.user_id = user_id


class DepartedPerson(CommandError):
    """The named person's account is deactivated, or (`left_channel`) they have left this alliance's channel."""

    def __init__(self, user_id: str, *, left_channel: bool = False) -> None:
        super().__init__(user_id)
        self.user_id = user_id
        self.left_channel = left_channel


class NotAllowed(CommandError):
    def __init__(self, reason: str, holder_id: str | None = None, ref: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.holder_id = holder_id
        self.ref = ref  # the commitment it was about, if one


class SameDue(CommandError):
    def __init__(self, ref: int, due: datetime) -> None:
        super().__init__(ref, due)
        self.ref = ref
        self.due = due


class UnknownName(CommandError):
    """`@paul` typed as plain text: the platform did not turn it into a real mention."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class GrammarError(CommandError):
    """The text could not be read as a command; `usage` names the form that would have worked."""

    def __init__(self, problem: str, usage: str, given: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.usage = usage
        self.given = given


class DueProblem(CommandError):
    """A date that could not be used, with what was understood so the answer can show it.

    `verb` is the command that was typed (commit, due, away) and `ref` the commitment it named, so the answer's
    example is of that same command: a `commit …` example for a `due #5 …` would create a duplicate if copied."""

    def __init__(
        self, problem: DateProblem, *, title: str | None, owner_id: str, verb: str = "commit", ref: int | None = None
    ) -> None:
        super().__init__(problem)
        self.problem = problem
        self.title = title
        self.owner_id = owner_id
        self.verb = verb
        self.ref = ref

    @property
    def command(self) -> str:
        """The command as typed before its date ("due #3", "away until", "commit"): answers repeat it."""
        match self.verb:
            case "due":
                return f"due #{self.ref}" if self.ref is not None else "due"
            case "away":
                return "away until"
        return self.verb


# ---- the charter, decisions and disputes ---------------------------------------------------------------------


class CharterError(CommandError):
    """A charter, decision or dispute command that could not be carried out; `reason` names why, `field` the
    form field it concerns (for an answer beside it), `detail` the facts."""

    def __init__(
        self,
        reason: str,
        *,
        field: str = "",
        detail: str = "",
        user_id: str | None = None,
        cause: CommandError | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field
        self.detail = detail
        self.user_id = user_id
        self.cause = cause  # the refusal behind it (a person who cannot be named lead, say)


# ---- the scorecard -------------------------------------------------------------------------------------------


class ScorecardError(CommandError):
    """A scorecard command that cannot be carried out as typed; nothing was changed."""


class UnknownParty(ScorecardError):
    def __init__(self, typed: str, known: list[str]) -> None:
        super().__init__(typed)
        self.typed = typed
        self.known = known


class NoSuchMetric(ScorecardError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class AmbiguousMetric(ScorecardError):
    def __init__(self, name: str, parties: list[str]) -> None:
        super().__init__(name)
        self.name = name
        self.parties = parties


class MetricExists(ScorecardError):
    def __init__(self, name: str, party: str) -> None:
        super().__init__(name)
        self.name = name
        self.party = party


class InternalToOwnParty(ScorecardError):
    """Only a party's own people may keep something internal to it."""

    def __init__(self, party: str) -> None:
        super().__init__(party)
        self.party = party


class UnitMismatch(ScorecardError):
    def __init__(self, name: str, unit: str, given: str) -> None:
        super().__init__(name)
        self.name = name
        self.unit = unit
        self.given = given


class BadMetricDate(ScorecardError):
    def __init__(self, problem: DateProblem) -> None:
        super().__init__(problem)
        self.problem = problem


# ---- reading the scorecard -------------------------------------------------------------------------------


class NotALead(ScorecardError):
    """Only a party's lead answers a review prompt."""


# ---- the health pulse ----------------------------------------------------------------------------------------


class PulseError(CommandError):
    """A pulse command or answer that cannot be carried out; `reason` names why (not_steering, open, closed,
    answered, not_party, no_statement), `seq` the pulse it was about."""

    def __init__(self, reason: str, seq: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.seq = seq


# ---- sending -----------------------------------------------------------------------------------------------


class SendFailed(Exception):
    """The platform did not take the message. `retry_after` (seconds) when it asked us to wait."""

    def __init__(self, reason: str, *, retry_after: float | None = None, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.permanent = permanent
