"""Who may change a commitment, and who may link a party's private channel: the trust rules that read storage.

`may_change` is asked before a commitment is closed, moved, dropped or reassigned (also by `reassign all` and
`handover`); `link` makes a private channel its party's own room for an alliance. Both raise `NotAllowed` with a
reason the front ends explain, privately.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.core import views
from bot.core.errors import NotAllowed
from bot.core.grammar import Link
from bot.core.outcomes import Linked
from bot.core.ports import Directory
from storage import repository as repo
from storage.db import Database
from storage.models import Alliance


def may_change(
    session: Session,
    *,
    alliance_id: int,
    user_id: str,
    team_id: str,
    owner_id: str,
    party_team_id: str,
    ref: int | None,
) -> None:
    """Only the owner or a lead (of either party) may close, move, drop or reassign a commitment. Two stand-ins, so
    that no item is stuck: while the owner's party has no lead here, its sponsor; while it has neither, any of its
    own people (as with naming its roles)."""
    if user_id == owner_id:
        return
    parties = repo.list_parties(session=session, alliance_id=alliance_id)
    gone = {u for _, u in repo.departed(session=session, alliance_ids=[alliance_id])}
    named = [x for p in parties for x in (p.lead_id, p.sponsor_id) if x]
    gone |= {u for u, p in repo.get_people(session=session, user_ids=named).items() if p.deleted}
    if user_id in {p.lead_id for p in parties if p.lead_id and p.lead_id not in gone}:
        return
    own = next((p for p in parties if p.team_id == party_team_id), None)
    lead = own.lead_id if own is not None and own.lead_id not in gone else None
    sponsor = own.sponsor_id if own is not None and own.sponsor_id not in gone else None
    if lead is None and sponsor is not None and user_id == sponsor:
        return
    if lead is None and sponsor is None and team_id and team_id == party_team_id:
        return
    raise NotAllowed("not_owner_or_lead", holder_id=owner_id, ref=ref)


def link(
    db: Database,
    directory: Directory,
    command: Link,
    *,
    platform: str,
    channel_id: str,
    user_id: str,
    team_id: str,
    now: datetime,
) -> Linked:
    """A party's own private channel: a lead or sponsor links it; the bot must be in it, and nobody of another
    organisation. Commands typed there act on the alliance, and answers there may show the party's internal items.
    `channel_id` is where it was typed."""
    alliance = _alliance_to_link(
        db, command, platform=platform, channel_id=channel_id, user_id=user_id, team_id=team_id
    )
    assert alliance.id is not None
    with db.session() as session:
        other = repo.get_alliance(session=session, platform=platform, channel_id=command.channel_id)
        taken = repo.get_party_channel(session=session, platform=platform, channel_id=command.channel_id)
    if other is not None:
        raise NotAllowed("link_shared_channel")
    if taken is not None and (taken.alliance_id != alliance.id or taken.team_id != team_id):
        raise NotAllowed("link_taken")
    facts = directory.private_channel(command.channel_id)
    if facts is None:
        raise NotAllowed("link_not_member")
    if not facts.private or not team_id or any(t != team_id for t in facts.team_ids):
        raise NotAllowed("link_not_private")
    with db.session() as session:
        party = repo.get_party(session=session, alliance_id=alliance.id, team_id=team_id)
        if party is None or user_id not in (party.lead_id, party.sponsor_id):
            holder = (party.lead_id or party.sponsor_id) if party is not None else None
            raise NotAllowed("link_not_lead", holder_id=holder)
        _, previous = repo.link_party_channel(
            session=session,
            platform=platform,
            channel_id=command.channel_id,
            alliance_id=alliance.id,
            team_id=team_id,
            user_id=user_id,
            at=now,
        )
        return Linked(
            channel_id=command.channel_id,
            party=views.party_view(party),
            alliance_channel_id=alliance.channel_id,
            actor_id=user_id,
            previous_id=previous,
        )


def _alliance_to_link(
    db: Database, command: Link, *, platform: str, channel_id: str, user_id: str, team_id: str
) -> Alliance:
    """The alliance a `link` is about: the one it names (`to #alliance`), the channel it is typed in (the shared
    one, or a linked one), or the only one whose lead or sponsor the caller is. Linking never creates one."""
    with db.session() as session:
        named = command.alliance_channel_id
        if named is not None:
            alliance = repo.get_alliance(session=session, platform=platform, channel_id=named)
            if alliance is None:
                raise NotAllowed("link_no_alliance")
            return alliance
        here = repo.get_alliance(session=session, platform=platform, channel_id=channel_id)
        if here is not None:
            return here
        linked = repo.get_party_channel(session=session, platform=platform, channel_id=channel_id)
        if linked is not None:
            found = session.get(Alliance, linked.alliance_id)
            if found is not None:
                return found
        led = [
            a
            for a, p in repo.alliances_led_by(session=session, platform=platform, user_id=user_id)
            if p.team_id == team_id
        ]
    if len(led) == 1:
        return led[0]
    raise NotAllowed("link_which" if led else "link_where")
