"""Trust boundaries: who will read what the bot is about to say, and whether an item may be in it.

Anything can be *internal* to one party: a commitment, a note, a metric, a contribution. Internal items are
never shown where the other organisation reads: the shared channel and its threads, a message to someone of
the other organisation. They appear only where everyone reading belongs to the owning party: a private
message to one of its people, or that party's own linked private channel.

Every renderer of items asks `may_see(audience, ...)` before including one; the front ends say which
audience a reply or a scheduled message will have.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Audience:
    """Who reads a message: `team_id` None means both organisations (the shared channel or a thread in it);
    a team id means only people of that organisation (a private message, its linked private channel)."""

    team_id: str | None = None

    @property
    def shared(self) -> bool:
        return self.team_id is None


SHARED = Audience()


def private_to(team_id: str) -> Audience:
    """A message only people of `team_id` read: a DM to one of them, or their party's private channel."""
    return Audience(team_id=team_id or None) if team_id else SHARED


def may_see(audience: Audience, *, internal: bool, party_team_id: str) -> bool:
    """Whether an item of `party_team_id` may be shown to `audience`: shared items always, internal ones only
    to their own party's people."""
    return not internal or (audience.team_id is not None and audience.team_id == party_team_id)
