"""Carrying out the people commands: roles, absences, holidays, the roster, handovers and `reassign all`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot.core import views
from bot.core.alliance import MEMBERS_SAMPLED, Caller, Role, Work, internal_refs, seen
from bot.core.calendar import is_country_code, zone
from bot.core.dates import follow_owner, parse_due
from bot.core.errors import DateProblem, DueProblem, GrammarError, NotAllowed
from bot.core.people.grammar import USAGE
from bot.core.people.results import HandedOver, HolidaysSet, Presence, RoleNamed, RosterEntry, RosterView
from bot.core.views import PartyView
from storage import repository as repo
from storage.models import Alliance, Commitment, Person


def name_role(
    work: Work, alliance: Alliance, caller: Caller, role: Role, user_id: str, team_id: str | None = None
) -> RoleNamed:
    assert alliance.id is not None
    person = work.owner(user_id, alliance)
    if team_id is not None and person.team_id != team_id:
        raise NotAllowed("wrong_party", holder_id=person.user_id)
    work.ensure_party(alliance, person.team_id)
    session = work.session
    party = repo.get_party(session=session, alliance_id=alliance.id, team_id=person.team_id)
    assert party is not None  # made sure of just above
    work.may_name(alliance, party, caller, role)
    previous = party.lead_id if role is Role.LEAD else party.sponsor_id
    if role is Role.LEAD:
        party.lead_id = person.user_id
        work.follow_host_lead(alliance, party, person)
    else:
        party.sponsor_id = person.user_id
    session.add(party)
    session.flush()
    return RoleNamed(
        role=role,
        user_id=person.user_id,
        party=views.party_view(party),
        previous_id=previous,
        actor_id=caller.user_id,
    )


def away(work: Work, caller: Caller, phrase: str) -> Presence:
    person = work.owner(caller.user_id)
    tz = zone(person.tz)
    try:
        last_day = parse_due(phrase, now=work.now(), tz=tz).at
    except DateProblem as problem:
        raise DueProblem(problem, title=None, owner_id=caller.user_id, verb="away") from problem
    # "away until Jan 6": back on the morning of the 6th.
    until = datetime.combine(last_day.date(), datetime.min.time(), tzinfo=tz)
    if until <= work.now():
        until = last_day
    session = work.session
    row = repo.get_person(session=session, user_id=caller.user_id)
    assert row is not None
    row.away_until = until
    return Presence(user_id=caller.user_id, until=until, tz=person.tz)


def back(work: Work, caller: Caller) -> Presence:
    person = work.owner(caller.user_id)
    session = work.session
    row = repo.get_person(session=session, user_id=caller.user_id)
    assert row is not None
    row.away_until = None
    return Presence(user_id=caller.user_id, until=None, tz=person.tz)


def holidays(work: Work, alliance: Alliance, caller: Caller, country: str) -> HolidaysSet:
    assert alliance.id is not None
    if not is_country_code(country):
        raise GrammarError(
            f"I don't know the country code “{country}”; use two letters, like DE or US.", USAGE["holidays"]
        )
    person = work.owner(caller.user_id)
    work.ensure_party(alliance, person.team_id)
    session = work.session
    party = repo.get_party(session=session, alliance_id=alliance.id, team_id=person.team_id)
    assert party is not None  # made sure of just above
    party.country = country
    session.add(party)
    return HolidaysSet(party=views.party_view(party), country=country)


def roster(work: Work, alliance: Alliance, caller: Caller) -> RosterView:
    """Who is in the channel, by party: role, time zone and open commitments."""
    assert alliance.id is not None
    facts = work.directory.channel(alliance.channel_id)
    people = [p for p in (work.person(uid) for uid in facts.member_ids[:MEMBERS_SAMPLED]) if p]
    session = work.session
    open_rows = seen(repo.find_commitments(session=session, alliance_id=alliance.id), caller.reads)
    parties = views.parties(session, alliance)
    counts: dict[str, int] = {}
    for c in open_rows:
        counts[c.owner_id] = counts.get(c.owner_id, 0) + 1
    groups = []
    for party in parties:
        entries = [
            RosterEntry(
                user_id=p.user_id,
                role=_role(p.user_id, party),
                tz=p.tz,
                open_items=counts.get(p.user_id, 0),
            )
            for p in people
            if p.team_id == party.team_id and not p.is_bot and not p.deleted
        ]
        order = {"lead": 0, "sponsor": 1, "contact": 2}
        groups.append((party, sorted(entries, key=lambda e: (order[e.role], e.user_id))))
    return RosterView(parties=groups)


def handover(work: Work, alliance: Alliance, caller: Caller, from_id: str, to_id: str) -> HandedOver:
    """Everything Bob holds in this alliance, open commitments and roles, to Alice in one step."""
    assert alliance.id is not None
    giver = work.known(from_id)
    taker = work.owner(to_id, alliance)
    # Who may not change what Bob holds is refused before anything, even when he holds nothing: never an
    # announcement of a hand-over that was not theirs to make.
    work.may_change(alliance, caller, from_id, giver.team_id, None)
    work.ensure_party(alliance, taker.team_id)
    now = work.now()
    session = work.session
    moved = movable(work, alliance, caller, from_id, taker)
    move_items(work, moved, caller, taker, now, handover=True)
    roles = []
    for party in repo.list_parties(session=session, alliance_id=alliance.id):
        for role in ("lead", "sponsor"):
            if getattr(party, f"{role}_id") == from_id:
                if party.team_id != taker.team_id:
                    raise NotAllowed("role_across_parties", holder_id=from_id)
                # Roles move only at the word of those who may name them, as with `lead @name`.
                work.may_name(alliance, party, caller, Role(role))
                setattr(party, f"{role}_id", taker.user_id)
                roles.append(role)
                if role == "lead":
                    work.follow_host_lead(alliance, party, taker)
    if not moved and not roles:
        raise NotAllowed("nothing_to_hand_over", holder_id=from_id)
    return HandedOver(
        from_id=from_id,
        to_id=taker.user_id,
        refs=[c.ref for c in moved],
        roles=roles,
        actor_id=caller.user_id,
        internal=internal_refs(moved),
    )


def reassign_all(work: Work, alliance: Alliance, caller: Caller, from_id: str, to_id: str) -> HandedOver:
    """Every open item of one person to another in one step (the orphan notice's "Reassign all to…")."""
    assert alliance.id is not None
    work.known(from_id)
    taker = work.owner(to_id, alliance)
    if taker.user_id == from_id:
        raise NotAllowed("already_owner", holder_id=from_id)
    work.ensure_party(alliance, taker.team_id)
    now = work.now()
    moved = movable(work, alliance, caller, from_id, taker)
    if not moved:
        raise NotAllowed("nothing_open", holder_id=from_id)
    move_items(work, moved, caller, taker, now, handover=False)
    return HandedOver(
        from_id=from_id,
        to_id=taker.user_id,
        refs=[c.ref for c in moved],
        roles=[],
        actor_id=caller.user_id,
        handover=False,
        internal=internal_refs(moved),
    )


def movable(work: Work, alliance: Alliance, caller: Caller, from_id: str, taker: Person) -> list[Commitment]:
    """Someone's open items that the caller may move to `taker`: none of another party's internal items (the
    caller may not see them) and no internal item out of its party. Only the owner or a lead may move them."""
    assert alliance.id is not None
    rows = work.find(alliance, owner_id=from_id)
    moved = [c for c in seen(rows, caller.viewer) if not (c.internal and c.party_team_id != taker.team_id)]
    if moved:
        work.may_change(alliance, caller, from_id, moved[0].party_team_id, None)
    return moved


def move_items(
    work: Work,
    moved: Sequence[Commitment],
    caller: Caller,
    taker: Person,
    now: datetime,
    *,
    handover: bool,
) -> None:
    for commitment in moved:
        previous = commitment.owner_id
        old_owner = work.person(previous)
        commitment.owner_id, commitment.party_team_id = taker.user_id, taker.team_id
        commitment.due_at = follow_owner(commitment, old_owner.tz if old_owner else None, taker.tz, now)
        commitment.next_nudge_at = now
        data: dict[str, Any] = {"from": previous, "to": taker.user_id}
        if handover:
            data["handover"] = True
        work.history(commitment, actor_id=caller.user_id, kind="reassigned", data=data)


def _role(user_id: str, party: PartyView) -> str:
    if user_id == party.lead_id:
        return "lead"
    return "sponsor" if user_id == party.sponsor_id else "contact"
