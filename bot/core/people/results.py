"""What people commands answer, and the notices the schedule sends about people coming and going."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.core.alliance import Role
from bot.core.views import AllianceView, CommitmentView, PartyView


@dataclass(frozen=True)
class RoleNamed:
    role: Role
    user_id: str
    party: PartyView
    previous_id: str | None
    actor_id: str


@dataclass(frozen=True)
class Presence:
    """Out of office (until set) or back (until None)."""

    user_id: str
    until: datetime | None
    tz: str


@dataclass(frozen=True)
class HolidaysSet:
    party: PartyView
    country: str


@dataclass(frozen=True)
class RosterEntry:
    user_id: str
    role: str  # lead, sponsor or contact
    tz: str
    open_items: int


@dataclass(frozen=True)
class RosterView:
    parties: list[tuple[PartyView, list[RosterEntry]]]


@dataclass(frozen=True)
class HandedOver:
    from_id: str
    to_id: str
    refs: list[int]
    roles: list[str]  # lead, sponsor
    actor_id: str
    handover: bool = True  # False: `reassign all`, items only
    internal: dict[int, str] = field(default_factory=dict)  # refs among `refs` internal to a party: its team id


@dataclass(frozen=True)
class Linked:
    """A party's private channel is linked to the alliance (`link #acme-internal`)."""

    channel_id: str
    party: PartyView
    alliance_channel_id: str
    actor_id: str
    previous_id: str | None = None  # the channel it replaces


@dataclass(frozen=True)
class Orphaned:
    """Someone has left with open items (or a role): to their party's lead privately, and to the channel.

    `reason` is deactivated, left_channel or unshared; for unshared, `departed_ids` is the whole organisation.
    """

    departed_ids: list[str]
    party: PartyView
    reason: str
    items: list[CommitmentView]
    recipient_id: str | None  # None: the channel's note

    @property
    def lead_left(self) -> bool:
        """The party's lead is among those who left."""
        return self.party.lead_id in self.departed_ids


@dataclass(frozen=True)
class Returned:
    """Someone the channel was told had left is back (their account active again, or back in the channel): the
    channel hears that the items it was told are orphaned are theirs again."""

    user_id: str
    party: PartyView
    items: list[CommitmentView]
    was_lead: bool


@dataclass(frozen=True)
class LeadWanted:
    """A party's lead has left: the other party's lead and the sponsor are asked to name a new one."""

    party: PartyView
    departed_id: str
    recipient_id: str


@dataclass(frozen=True)
class Welcome:
    """A private hello to someone who joined the channel: what the alliance is, who leads, how to ask."""

    alliance: AllianceView
    recipient_id: str
    recipient_team_id: str
    returning: bool
    open_items: list[CommitmentView]
    gone: list[str] = field(default_factory=list)  # leads or sponsors named above who have left
