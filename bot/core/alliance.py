"""What every feature stands on: the caller, one command's unit of work, the alliance, its people and who may do what.

Features import this module and never the switchboard (`bot.core.service`) that calls them. Everything a command
reads or writes goes through its `Work`, whose one database session commits or fails with the command.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlmodel import Session

from bot.core import views
from bot.core.cadence import first_checkin
from bot.core.calendar import WorkingTime, working_time_of
from bot.core.clock import Clock
from bot.core.errors import (
    AlreadyClosed,
    DepartedPerson,
    NoSuchCommitment,
    NotAllowed,
    NotAPerson,
    UnknownPerson,
)
from bot.core.lookup import TitleCache
from bot.core.ports import Directory, Profile
from bot.core.views import AllianceView, CommitmentView, PartyView
from bot.core.visibility import SHARED, Audience, may_see, private_to
from storage import members
from storage import repository as repo
from storage.models import Alliance, Commitment, Party, PartyChannel, Person, Status
from storage.repository import PartyRow, RecipientRow

PROFILE_TTL = timedelta(hours=24)
# An alliance is between two organisations: the host's and the first other one to take part. Someone of a third
# organisation in the channel may read and ask, but changes nothing and holds nothing (see `Work.may_act`).
PARTIES = 2
# A first use in a huge channel should not cost thousands of users.info calls; the party list also comes
# from the channel's shared team ids, so sampling members loses no organisation that matters.
MEMBERS_SAMPLED = 200


class Role(StrEnum):
    LEAD = "lead"
    SPONSOR = "sponsor"


@dataclass(frozen=True)
class Caller:
    """Who is asking, and in which alliance channel (or a party's linked private channel).

    `private`: the front end answers look-ups to the caller alone (a slash command's ephemeral answer, a DM), so
    their own party's internal items may be in them. `audience` and `team_id` are filled in by the service: who
    reads the answer to a look-up, and the caller's organisation.
    """

    channel_id: str
    user_id: str
    private: bool = False
    audience: Audience | None = None
    team_id: str = ""

    @property
    def viewer(self) -> Audience:
        """The caller's own organisation: whose internal items they may see and change."""
        return private_to(self.team_id)

    @property
    def reads(self) -> Audience:
        return self.audience if self.audience is not None else SHARED


class TitleCaches:
    """The "who owns …?" indexes of one process: one for what both organisations may read, one per organisation
    with its internal items too."""

    def __init__(self) -> None:
        self.shared = TitleCache()
        self._private: dict[str, TitleCache] = {}

    def for_team(self, team_id: str | None) -> TitleCache:
        return self.shared if team_id is None else self._private.setdefault(team_id, TitleCache())


class Work:
    """One command's unit of work: its database session, the platform's directory of people, and the clock."""

    def __init__(
        self,
        *,
        session: Session,
        directory: Directory,
        clock: Clock,
        platform: str,
        titles: TitleCaches | None = None,
    ) -> None:
        self.session = session
        self.directory = directory
        self.clock = clock
        self.platform = platform
        self.titles = titles or TitleCaches()

    def now(self) -> datetime:
        return self.clock.now()

    def first_delivery(self, event_id: str) -> bool:
        """True the first time an event id is seen; False for a retry of an event already handled."""
        return repo.claim_event(session=self.session, event_id=event_id, at=self.now())

    # ---- the caller and the alliance ----------------------------------------------------------------------------

    def resolve(self, caller: Caller) -> tuple[Caller, Audience]:
        """Who reads the answers: a command typed in a party's linked channel acts on its alliance, for that party's
        eyes only; elsewhere, look-ups answered privately are the caller's party's, the rest both organisations'."""
        team_id = self.team_of(caller.user_id)
        channel_id, here = caller.channel_id, SHARED
        link = repo.get_party_channel(session=self.session, platform=self.platform, channel_id=caller.channel_id)
        alliance = self.session.get(Alliance, link.alliance_id) if link is not None else None
        if link is not None and alliance is not None:
            if team_id != link.team_id:
                raise NotAllowed("not_your_channel")
            if not self.still_private(link):
                raise NotAllowed("link_not_private_any_more")
            channel_id, here = alliance.channel_id, private_to(link.team_id)
        audience = private_to(team_id) if caller.private else here
        return replace(caller, channel_id=channel_id, audience=audience, team_id=team_id), here

    def team_of(self, user_id: str) -> str:
        """The organisation a person speaks for; "" for a bot or someone the platform does not know."""
        person = self.person(user_id)
        return person.team_id if person is not None and not person.is_bot else ""

    def linked_alliance(self, channel_id: str) -> bool:
        """Whether the channel is a party's linked private channel (which never becomes an alliance of its own)."""
        return repo.get_party_channel(session=self.session, platform=self.platform, channel_id=channel_id) is not None

    def alliance(self, channel_id: str) -> Alliance | None:
        return repo.get_alliance(session=self.session, platform=self.platform, channel_id=channel_id)

    def ensure_alliance(self, channel_id: str) -> tuple[Alliance, bool]:
        """The channel's alliance, set up on its first use from the channel's members and organisations."""
        existing = self.alliance(channel_id)
        if existing is not None:
            return existing, False
        facts = self.directory.channel(channel_id)
        team_ids = list(dict.fromkeys([facts.host_team_id, *facts.team_ids]))
        home_tz = ""
        present: list[tuple[str, str]] = []
        for member_id in facts.member_ids[:MEMBERS_SAMPLED]:
            person = self.person(member_id)
            if person is None or person.is_bot or person.deleted or not person.team_id:
                continue
            present.append((person.user_id, person.team_id))
            if person.team_id not in team_ids:
                team_ids.append(person.team_id)
            if not home_tz and person.team_id == facts.host_team_id and person.tz_known:
                home_tz = person.tz  # until the host names its lead, whose zone then becomes home
        # Two parties: the host, and of the others the one with most people here (the partner; a third workspace
        # in the channel is no party), the channel's own order breaking ties.
        counts = {t: sum(1 for _, team in present if team == t) for t in team_ids}
        host = [t for t in team_ids if t and t == facts.host_team_id]
        others = sorted((t for t in team_ids if t and t not in host), key=lambda t: (-counts[t], team_ids.index(t)))
        parties = [(team_id, self.directory.team_name(team_id)) for team_id in [*host, *others][:PARTIES]]
        name = " & ".join(name for _, name in parties) or facts.name
        now = self.now()
        alliance, created = repo.add_alliance(
            session=self.session,
            platform=self.platform,
            channel_id=channel_id,
            name=name,
            host_team_id=facts.host_team_id,
            started_at=now,
            parties=parties,
        )
        if created:
            assert alliance.id is not None
            members.add_members(session=self.session, alliance_id=alliance.id, people=present, at=now)
            alliance.home_tz = home_tz or "UTC"
            alliance.next_checkin_at = first_checkin(started_at=now, working=WorkingTime.of(alliance.home_tz))
            self.session.add(alliance)
            self.session.flush()
        return alliance, created

    def ensure_party(self, alliance: Alliance, team_id: str) -> None:
        assert alliance.id is not None
        if repo.get_party(session=self.session, alliance_id=alliance.id, team_id=team_id) is not None:
            return
        if not self.is_party(alliance, team_id):
            raise NotAllowed("third_team")  # never a third party, whichever path asks for one
        name = self.directory.team_name(team_id)
        repo.add_party(session=self.session, alliance_id=alliance.id, team_id=team_id, name=name)

    def two_parties(self, alliance: Alliance) -> list[Party]:
        """The alliance's organisations: the host's first, then the first other one to take part (a third one, left
        in a database from before this rule, counts for nothing)."""
        assert alliance.id is not None
        rows = repo.list_parties(session=self.session, alliance_id=alliance.id)
        return sorted(rows, key=lambda p: (p.team_id != alliance.host_team_id, p.id or 0))[:PARTIES]

    def is_party(self, alliance: Alliance, team_id: str) -> bool:
        """Whether people of this organisation speak for a party of the alliance: one of its two, or the second
        one while the alliance has only one."""
        if not team_id:
            return False
        teams = [p.team_id for p in self.two_parties(alliance)]
        return team_id in teams or len(teams) < PARTIES

    def party_channel(self, alliance: Alliance, team_id: str) -> str | None:
        """The private channel a party linked to this alliance, if any, and only while it is still private to
        that party: its audience is checked each time something is to be written there, not once at linking."""
        if alliance.id is None or not team_id:
            return None
        link = repo.party_channel_of(session=self.session, alliance_id=alliance.id, team_id=team_id)
        return link.channel_id if link is not None and self.still_private(link) else None

    def still_private(self, link: PartyChannel) -> bool:
        """Whether a party's linked channel is still its own (private, no other organisation in it). A channel that
        became shared or public is unlinked; when the platform cannot say just now, nothing is written there."""
        facts = self.directory.private_channel(link.channel_id)
        if facts is None:
            return False
        if facts.private and link.team_id and all(t == link.team_id for t in facts.team_ids):
            return True
        repo.unlink_party_channel(session=self.session, link=link)
        return False

    def home(self, alliance: Alliance) -> WorkingTime:
        """The host organisation's working time, by which the alliance's check-ins are set."""
        return home_working_time(self.session, alliance)

    def follow_host_lead(self, alliance: Alliance, party: Party, lead: Person) -> None:
        """Check-ins follow the host lead's working day: a new host lead brings their zone home."""
        if party.team_id == alliance.host_team_id:
            row = self.session.get(Alliance, alliance.id)
            if row is not None:
                row.home_tz = lead.tz

    # ---- people -------------------------------------------------------------------------------------------------

    def person(self, user_id: str) -> Person | None:
        """What we know of a person, refreshed from the platform once a day."""
        now = self.now()
        known = repo.get_person(session=self.session, user_id=user_id)
        if known is not None and now - known.refreshed_at < PROFILE_TTL:
            if not known.tz_known:
                known.tz = stand_in_zone(self.session, known.team_id)  # their colleagues may have spoken since
            return known
        profile = self.directory.profile(user_id)
        if profile is None:
            return known
        return repo.save_person(session=self.session, person=person_of(profile, now, session=self.session))

    def refresh_person(self, user_id: str) -> Person | None:
        """Re-read a person from the platform now, because it told us something changed (they left, say)."""
        profile = self.directory.profile(user_id)
        if profile is None:
            return None
        return repo.save_person(session=self.session, person=person_of(profile, self.now(), session=self.session))

    def known(self, user_id: str) -> Person:
        person = self.person(user_id)
        if person is None:
            raise UnknownPerson(user_id)
        return person

    def owner(self, user_id: str, alliance: Alliance | None = None) -> Person:
        """A person who can be accountable: known, human, not deactivated, and (given the alliance) not gone
        from its channel."""
        person = self.known(user_id)
        if person.is_bot:
            raise NotAPerson(user_id)
        if person.deleted:
            raise DepartedPerson(user_id)
        if alliance is not None and self.left(alliance, user_id):
            raise DepartedPerson(user_id, left_channel=True)
        if alliance is not None and not self.is_party(alliance, person.team_id):
            raise NotAllowed("owner_third_team", holder_id=user_id)
        if alliance is not None and not self.in_channel(alliance, user_id):
            raise NotAllowed("owner_not_in_channel", holder_id=user_id)
        return person

    def in_channel(self, alliance: Alliance, user_id: str) -> bool:
        """Whether a person is a member of the alliance's channel: as we recorded it, else as the platform says
        (when it will not say, we do not hold it against them)."""
        assert alliance.id is not None
        member = members.get_member(session=self.session, alliance_id=alliance.id, user_id=user_id)
        if member is not None:
            return member.left_at is None
        present = self.directory.members(alliance.channel_id)
        return present is None or user_id in present

    def left(self, alliance: Alliance, user_id: str) -> bool:
        assert alliance.id is not None
        return members.has_left(session=self.session, alliance_id=alliance.id, user_id=user_id)

    # ---- who may do what ----------------------------------------------------------------------------------------
    #
    # | who                                  | may                                                                |
    # |--------------------------------------|--------------------------------------------------------------------|
    # | anyone in the channel                | read and ask (`list`, `who`, `show`, the scorecard, the charter)    |
    # | someone of a third organisation      | only that: no change, no item, no role (`third_team`)              |
    # | someone who left the channel         | nothing at all in that alliance, by any path (`left_alliance`)     |
    # | a member of either party             | commit, decide, raise a dispute, add metrics and contributions     |
    # | an item's owner                      | close, move, drop, reassign, report on and snooze it               |
    # | the owner's party's lead             | the same, for every item of their own party (never the other's)    |
    # |   (no lead: its sponsor; neither: any of its people; nobody of it left and the owner gone: the other      |
    # |   party's lead, who is asked to reassign the orphaned items)                                              |
    # | a party's lead or sponsor            | name its lead and sponsor (its lead gone: the other lead may too)  |

    def may_act(self, alliance: Alliance, caller: Caller) -> None:
        """Whether the caller may change anything in this alliance at all, from any path (a command, a button, a
        form, a picker): someone still in its channel who speaks for one of its two organisations."""
        person = self.person(caller.user_id)
        if self.left(alliance, caller.user_id) or (person is not None and person.deleted):
            raise NotAllowed("left_alliance")
        if not self.is_party(alliance, caller.team_id):
            raise NotAllowed("third_team")

    def may_read(self, alliance: Alliance, caller: Caller) -> None:
        """Whether the caller may read this alliance: anyone but someone who has left its channel."""
        if self.left(alliance, caller.user_id):
            raise NotAllowed("left_alliance")

    def may_name(self, alliance: Alliance, party: Party, caller: Caller, role: Role) -> None:
        """A party names its own people: while it has neither lead nor sponsor (still here) anyone may start it
        off; after that only its lead or sponsor may change them. When its lead has left, the other party's
        lead may name the new lead too, since they are the ones asked to."""
        assert alliance.id is not None
        session = self.session
        gone = {u for _, u in members.departed(session=session, alliance_ids=[alliance.id])}
        people = repo.get_people(session=session, user_ids=[h for h in (party.lead_id, party.sponsor_id) if h])
        gone |= {u for u, p in people.items() if p.deleted}
        holders = {h for h in (party.lead_id, party.sponsor_id) if h and h not in gone}
        if not holders or caller.user_id in holders:
            return
        lead_left = party.lead_id is not None and party.lead_id in gone
        other_leads = {
            p.lead_id
            for p in repo.list_parties(session=session, alliance_id=alliance.id)
            if p.team_id != party.team_id and p.lead_id and p.lead_id not in gone
        }
        if role is Role.LEAD and lead_left and caller.user_id in other_leads:
            return
        present_lead = party.lead_id if party.lead_id not in gone else None
        raise NotAllowed("not_lead_or_sponsor", holder_id=present_lead or party.sponsor_id)

    def may_change(
        self, alliance: Alliance, caller: Caller, owner_id: str, party_team_id: str, ref: int | None
    ) -> None:
        """Each party governs its own items: only the owner or the lead of the owner's party may close, move, drop,
        reassign, report on or snooze a commitment; the other party's lead may not. Two stand-ins, so that no item
        is stuck: while the owner's party has no lead here, its sponsor; while it has neither, any of its own
        people (as with naming its roles). Someone who left may do none of it (`may_act`)."""
        assert alliance.id is not None
        self.may_act(alliance, caller)
        user_id, team_id, session = caller.user_id, caller.team_id, self.session
        if user_id == owner_id:
            return
        own = repo.get_party(session=session, alliance_id=alliance.id, team_id=party_team_id)
        holders = [x for x in (own.lead_id, own.sponsor_id) if x] if own is not None else []
        gone = {u for u in holders if self.left(alliance, u)}
        gone |= {u for u, p in repo.get_people(session=session, user_ids=holders).items() if p.deleted}
        lead = own.lead_id if own is not None and own.lead_id not in gone else None
        sponsor = own.sponsor_id if own is not None and own.sponsor_id not in gone else None
        if lead is not None and user_id == lead:
            return
        if lead is None and sponsor is not None and user_id == sponsor:
            return
        if lead is None and sponsor is None and team_id and team_id == party_team_id:
            return
        if (
            lead is None
            and sponsor is None
            and self._orphaned(alliance, owner_id)
            and self._other_lead(alliance, party_team_id, user_id)
        ):
            # Nobody of the owner's party is left to act (its organisation disconnected, say): the other party's
            # lead, who is the one asked to reassign orphaned items, may, so that no item is stuck.
            return
        raise NotAllowed("not_owner_or_lead", holder_id=owner_id, ref=ref)

    def _orphaned(self, alliance: Alliance, owner_id: str) -> bool:
        owner = self.person(owner_id)
        return self.left(alliance, owner_id) or owner is None or owner.deleted

    def _other_lead(self, alliance: Alliance, party_team_id: str, user_id: str) -> bool:
        return any(
            p.team_id != party_team_id and p.lead_id == user_id and not self.left(alliance, user_id)
            for p in self.two_parties(alliance)
        )

    # ---- commitments --------------------------------------------------------------------------------------------

    def open_commitment(self, alliance: Alliance, ref: int, caller: Caller) -> Commitment:
        """An open commitment the caller may see: another party's internal item is, to them, no commitment at all."""
        commitment = self.commitment(alliance, ref, caller)
        if commitment.status != Status.OPEN.value:
            raise AlreadyClosed(ref, commitment.status)
        return commitment

    def commitment(self, alliance: Alliance, ref: int, caller: Caller) -> Commitment:
        """A commitment, open or closed, that the caller may see."""
        assert alliance.id is not None
        commitment = repo.get_commitment(session=self.session, alliance_id=alliance.id, ref=ref)
        if commitment is None or not sees(caller.viewer, commitment):
            raise NoSuchCommitment(ref)
        return commitment

    def find(
        self,
        alliance: Alliance,
        *,
        statuses: Sequence[Status] = (Status.OPEN,),
        owner_id: str | None = None,
        due_before: datetime | None = None,
    ) -> Sequence[Commitment]:
        assert alliance.id is not None
        return repo.find_commitments(
            session=self.session, alliance_id=alliance.id, statuses=statuses, owner_id=owner_id, due_before=due_before
        )

    def history(self, commitment: Commitment, *, actor_id: str, kind: str, data: dict[str, Any] | None = None) -> None:
        """One line of a commitment's history; `data` is kept as JSON for whoever renders it."""
        detail = json.dumps(data) if data else ""
        repo.add_event(
            session=self.session, commitment=commitment, at=self.now(), actor_id=actor_id, kind=kind, detail=detail
        )

    # ---- views --------------------------------------------------------------------------------------------------

    def alliance_view(self, alliance: Alliance) -> AllianceView:
        return views.alliance_view(self.session, alliance)

    def parties(self, alliance: Alliance) -> list[PartyView]:
        return views.parties(self.session, alliance)

    def commitment_views(self, rows: Sequence[Commitment]) -> list[CommitmentView]:
        return views.commitments(self.session, rows, now=self.now())

    def commitment_view(self, commitment: Commitment) -> CommitmentView:
        return self.commitment_views([commitment])[0]


def sees(audience: Audience, commitment: Commitment) -> bool:
    return may_see(audience, internal=commitment.internal, party_team_id=commitment.party_team_id)


def seen(rows: Sequence[Commitment], audience: Audience) -> list[Commitment]:
    return [c for c in rows if sees(audience, c)]


def internal_refs(rows: Sequence[Commitment]) -> dict[int, str]:
    return {c.ref: c.party_team_id for c in rows if c.internal}


def overdue_first(items: list[CommitmentView]) -> list[CommitmentView]:
    return sorted(items, key=lambda v: (not v.overdue, v.due_at, v.ref))


def person_of(profile: Profile, now: datetime, *, session: Session) -> Person:
    """A profile as a Person. A zone the platform did not tell is kept as unknown (`tz_known` False) with a
    stand-in (`stand_in_zone`), never as if it were theirs."""
    stand_in = stand_in_zone(session, profile.team_id) if not profile.tz else ""
    return Person(
        user_id=profile.user_id,
        team_id=profile.team_id,
        name=profile.name,
        tz=profile.tz or stand_in,
        tz_known=bool(profile.tz),
        is_bot=profile.is_bot,
        deleted=profile.deleted,
        refreshed_at=now,
    )


def stand_in_zone(session: Session, team_id: str) -> str:
    """The zone read for someone whose own is unknown: the one most of their organisation's people are known to
    be in (the README's "their colleagues' zone"), else UTC."""
    zones = repo.known_zones(session=session, team_id=team_id)
    return Counter(zones).most_common(1)[0][0] if zones else "UTC"


def home_working_time(session: Session, alliance: Alliance) -> WorkingTime:
    """The host organisation's working time (the host lead's zone, the host's holidays): check-ins and the
    charter's dispute steps keep it. The sweep asks it without a command's unit of work, hence the session."""
    assert alliance.id is not None
    host = repo.get_party(session=session, alliance_id=alliance.id, team_id=alliance.host_team_id)
    return working_time_of(alliance.home_tz, host.country if host else None)


def working_time(person: Person | RecipientRow | None, party: Party | PartyRow | None) -> WorkingTime:
    """When a person may be disturbed: their own zone, their organisation's public holidays."""
    return working_time_of(person.tz if person else "UTC", party.country if party else None)


def utc(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()
