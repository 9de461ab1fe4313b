"""An edited command: the commitment a chat message created is amended when its author edits the message.

Slack re-sends a mention after an edit (the same `ts`, a new event id, and `edited`); carrying it out again
would record the commitment twice. The edit's `commit …` is read again and what differs (title, due date,
owner, milestone) is changed on the commitment that message created, as its history says.
"""

from __future__ import annotations

from bot.core.alliance import Caller, Work, utc
from bot.core.calendar import zone
from bot.core.commitments.commands import Commit
from bot.core.commitments.results import Changed
from bot.core.dates import parse_due
from bot.core.errors import AlreadyClosed, DateProblem, DueProblem, NoSuchCommitment, NotAllowed, NothingToAmend
from storage import repository as repo
from storage.models import Alliance, Commitment, Status


def amend(work: Work, alliance: Alliance, caller: Caller, commitment_id: int, command: Commit) -> Changed:
    """Change the commitment `commitment_id` to what the edited `commit …` now says. Its author made it, so they
    may correct it; anyone else (a message is edited by its author only, but the rule stays) as for any change."""
    commitment = work.session.get(Commitment, commitment_id)
    if commitment is None or commitment.alliance_id != alliance.id:
        raise NoSuchCommitment(0)
    ref = commitment.ref
    if commitment.status != Status.OPEN.value:
        raise AlreadyClosed(ref, commitment.status)
    if caller.user_id != commitment.created_by:
        work.may_change(alliance, caller, commitment.owner_id, commitment.party_team_id, ref)
    owner = work.owner(command.owner_id or caller.user_id, alliance)
    due = commitment.due_at
    if command.due_phrase is not None:
        try:
            due = parse_due(command.due_phrase, now=work.now(), tz=zone(owner.tz)).at
        except DateProblem as problem:
            raise DueProblem(problem, title=command.title, owner_id=owner.user_id) from problem
    before_title, before_due, before_owner = commitment.title, commitment.due_at, commitment.owner_id
    if (command.title, due, owner.user_id, command.milestone) == (
        before_title,
        before_due,
        before_owner,
        commitment.milestone,
    ):
        raise NothingToAmend(ref)
    if owner.user_id != before_owner:
        if commitment.internal and owner.team_id != commitment.party_team_id:
            raise NotAllowed("internal_across_parties", holder_id=owner.user_id)
        work.ensure_party(alliance, owner.team_id)
        commitment.owner_id, commitment.party_team_id = owner.user_id, owner.team_id
        commitment.next_nudge_at = work.now()  # the new owner hears of it from here on
    if due != before_due:
        # A corrected date is no slip: the promise is what the message says now.
        commitment.due_at = due
        commitment.nudge_stage, commitment.next_nudge_at = 0, work.now()
    commitment.title, commitment.milestone = command.title, command.milestone
    data: dict[str, object] = {}
    if command.title != before_title:
        data["title"] = {"from": before_title, "to": command.title}
        assert alliance.id is not None
        repo.count_title_edit(session=work.session, alliance_id=alliance.id)  # every process's `who` cache sees it
    if due != before_due:
        data["due"] = {"from": utc(before_due), "to": utc(due)}
    if owner.user_id != before_owner:
        data["owner"] = {"from": before_owner, "to": owner.user_id}
    work.history(commitment, actor_id=caller.user_id, kind="edited", data=data)
    return Changed(
        kind="edited",
        commitment=work.commitment_view(commitment),
        actor_id=caller.user_id,
        previous_due=before_due if due != before_due else None,
        previous_owner_id=before_owner if owner.user_id != before_owner else None,
        previous_title=before_title if command.title != before_title else None,
    )
