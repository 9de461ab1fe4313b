"""A party's own private channel, linked to its alliance: where its people may see their internal items."""

from __future__ import annotations

from bot.core import views
from bot.core.alliance import Work
from bot.core.errors import NotAllowed
from bot.core.people.commands import Link
from bot.core.people.results import Linked
from storage import repository as repo
from storage.models import Alliance


def link(work: Work, command: Link, *, channel_id: str, user_id: str, team_id: str) -> Linked:
    """A party's own private channel: a lead or sponsor links it; the bot must be in it, and nobody of another
    organisation. Commands typed there act on the alliance, and answers there may show the party's internal items.
    `channel_id` is where it was typed."""
    session, platform = work.session, work.platform
    alliance = _alliance_to_link(work, command, channel_id=channel_id, user_id=user_id, team_id=team_id)
    assert alliance.id is not None
    other = repo.get_alliance(session=session, platform=platform, channel_id=command.channel_id)
    taken = repo.get_party_channel(session=session, platform=platform, channel_id=command.channel_id)
    if other is not None:
        raise NotAllowed("link_shared_channel")
    if taken is not None and (taken.alliance_id != alliance.id or taken.team_id != team_id):
        raise NotAllowed("link_taken")
    facts = work.directory.private_channel(command.channel_id)
    if facts is None:
        raise NotAllowed("link_not_member")
    if not facts.private or not team_id or any(t != team_id for t in facts.team_ids):
        raise NotAllowed("link_not_private")
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
        at=work.now(),
    )
    return Linked(
        channel_id=command.channel_id,
        party=views.party_view(party),
        alliance_channel_id=alliance.channel_id,
        actor_id=user_id,
        previous_id=previous,
    )


def _alliance_to_link(work: Work, command: Link, *, channel_id: str, user_id: str, team_id: str) -> Alliance:
    """The alliance a `link` is about: the one it names (`to #alliance`), the channel it is typed in (the shared
    one, or a linked one), or the only one whose lead or sponsor the caller is. Linking never creates one."""
    session, platform = work.session, work.platform
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
        a for a, p in repo.alliances_led_by(session=session, platform=platform, user_id=user_id) if p.team_id == team_id
    ]
    if len(led) == 1:
        return led[0]
    raise NotAllowed("link_which" if led else "link_where")


def recheck(work: Work, channel_id: str) -> bool:
    """A party's linked channel whose audience may have changed (it was shared, say): unlinked now if it is no
    longer private to the party. True when it was unlinked. Every write there checks again anyway."""
    link = repo.get_party_channel(session=work.session, platform=work.platform, channel_id=channel_id)
    if link is None:
        return False
    facts = work.directory.private_channel(channel_id)
    return facts is not None and not work.still_private(link)
