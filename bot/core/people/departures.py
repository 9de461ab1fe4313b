"""People coming and going: departures orphan commitments, returns are recognised, newcomers are welcomed.

Signals arrive from the platform's events (an account deactivated, someone leaving or joining the channel, a
whole organisation disconnecting) and from a daily reconciliation of the channel's members, which catches what
the events missed: Slack does not promise `user_change` for the partner organisation's users. However many
signals report one departure, it is acted on once: leaving is a compare-and-set on the person's `Member` row.

Who is looked up costs Web API calls, so the comparison asks only about the new, the changed and those not heard
of for about a week; and a workspace whose own people the platform lists in pages (Slack: users.list, which our
installation there may call) is listed once in about a week instead of its people being looked up one by one on
their turns, when that costs fewer calls. A partner's people, met in a Slack Connect channel, are never in our
installation's list: they are looked up.

What a departure sets off (the orphan notice to the party's lead and to the channel, the request for a new lead,
the welcome) is planned as deliveries, which the sweep sends once each, in working hours, with retries.
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot.core.alliance import person_of, working_time
from bot.core.clock import Clock
from bot.core.people.turns import LISTED_AT_ONCE, LISTED_EVERY, pages_worth, to_ask, worth_listing
from bot.core.ports import Directory, Listing, Profile
from storage import deliveries, members
from storage import repository as repo
from storage.db import Database
from storage.models import Alliance, LeftReason, Member, Person

log = logging.getLogger(__name__)

RECONCILE_EVERY = timedelta(days=1)
RECONCILE_BATCH = 100  # alliances per sweep: each costs a conversations.members, and a few users.info a week
RECONCILE_WORKERS = 8  # look-ups at once; the directory keeps them within the platform's rate limits


@dataclass
class Changes:
    """What a signal changed: the sweep should run soon if anything is to be said."""

    departures: list[tuple[int, str]] = field(default_factory=list)  # (alliance id, user id)
    returns: list[tuple[int, str]] = field(default_factory=list)
    joined: list[tuple[int, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.departures or self.returns or self.joined)

    def add(self, other: Changes) -> None:
        self.departures += other.departures
        self.returns += other.returns
        self.joined += other.joined


class People:
    def __init__(
        self,
        *,
        db: Database,
        directory: Directory,
        clock: Clock,
        platform: str = "slack",
        workers: int = RECONCILE_WORKERS,
    ) -> None:
        self.db = db
        self.directory = directory
        self.clock = clock
        self.platform = platform
        self.workers = workers

    # ---- signals ------------------------------------------------------------------------------------

    def profile_changed(self, profile: Profile) -> Changes:
        """An account changed (Slack: `user_change`): deactivated means gone from every alliance; reactivated,
        back in those it left for that reason."""
        now = self.clock.now()
        changes = Changes()
        with self.db.session() as session:
            alliances = members.alliances_touching(session=session, user_id=profile.user_id)
            if not alliances and session.get(Person, profile.user_id) is None:
                return changes  # someone of the workspace who has nothing to do with any alliance
            _save(session, profile, now)
            for alliance in alliances:
                assert alliance.id is not None
                if profile.deleted:
                    changes.add(
                        self._depart(session, alliance, profile.user_id, profile.team_id, LeftReason.DEACTIVATED)
                    )
                else:
                    member = members.get_member(session=session, alliance_id=alliance.id, user_id=profile.user_id)
                    if member is not None and member.left_reason == LeftReason.DEACTIVATED.value:
                        # Welcomed back like anyone who returns (the README promises it), in their working hours.
                        changes.add(self._return(session, alliance, profile.user_id, profile.team_id, welcome=True))
        return changes

    def left_channel(self, channel_id: str, user_id: str) -> Changes:
        """Someone left, or was removed from, an alliance channel."""
        with self.db.session() as session:
            alliance = repo.get_alliance(session=session, platform=self.platform, channel_id=channel_id)
            if alliance is None:
                return Changes()
            known = session.get(Person, user_id)
        if known is None:
            profile = self._profile(user_id)
            if profile is not None:
                with self.db.session() as session:
                    known = _save(session, profile, self.clock.now())
        if known is not None and known.is_bot:
            return Changes()
        team_id = known.team_id if known else ""
        with self.db.session() as session:
            return self._depart(session, alliance, user_id, team_id, LeftReason.LEFT_CHANNEL)

    def joined_channel(self, channel_id: str, user_id: str) -> Changes:
        """Someone joined an alliance channel: a welcome, or a welcome back."""
        with self.db.session() as session:
            alliance = repo.get_alliance(session=session, platform=self.platform, channel_id=channel_id)
        if alliance is None:
            return Changes()
        profile = self._profile(user_id)
        if profile is None or profile.is_bot or profile.deleted:
            return Changes()
        with self.db.session() as session:
            _save(session, profile, self.clock.now())
            return self._return(session, alliance, user_id, profile.team_id, welcome=True)

    def org_disconnected(self, channel_id: str, team_id: str) -> Changes:
        """A whole organisation left the shared channel: everyone of it is gone from this alliance at once.

        `team_id` names a party (a workspace), or an organisation above the workspaces: Slack documents that the
        id of `channel_unshared` may be an Enterprise Grid org's (E…). Such an id stands for each party the
        directory places in that organisation or, when it cannot say (a partner's workspace is often unreadable
        once it has disconnected), each party of whom nobody is left in the channel."""
        changes = Changes()
        for party_id in self._parties_named(channel_id, team_id):
            changes.add(self._party_disconnected(channel_id, party_id))
        return changes

    def _parties_named(self, channel_id: str, team_id: str) -> list[str]:
        with self.db.session() as session:
            alliance = repo.get_alliance(session=session, platform=self.platform, channel_id=channel_id)
            if alliance is None or alliance.id is None:
                return []
            parties = [p.team_id for p in repo.list_parties(session=session, alliance_id=alliance.id)]
            known = members.members(session=session, alliance_id=alliance.id).values()
            people = {p: {m.user_id for m in known if m.team_id == p and m.left_at is None} for p in parties}
            host = alliance.host_team_id
        if team_id in parties:
            return [team_id]
        candidates = [p for p in parties if p != host]  # the host's own workspace cannot leave its channel
        inside = [p for p in candidates if self._organisation_of(p) == team_id]
        if inside:
            return inside
        present = self._members(channel_id)
        if present is None:
            log.warning("%s disconnected from %s, and no party of it could be told", team_id, channel_id)
            return []
        return [p for p in candidates if people[p] and not people[p] & set(present)]

    def _organisation_of(self, team_id: str) -> str | None:
        try:
            return self.directory.organisation_of(team_id)
        except Exception:
            log.exception("organisation of %s unavailable", team_id)
            return None

    def _members(self, channel_id: str) -> list[str] | None:
        try:
            return self.directory.members(channel_id)
        except Exception:
            log.exception("members of %s unavailable", channel_id)
            return None

    def _party_disconnected(self, channel_id: str, team_id: str) -> Changes:
        with self.db.session() as session:
            alliance = repo.get_alliance(session=session, platform=self.platform, channel_id=channel_id)
            if alliance is None or alliance.id is None:
                return Changes()
            now = self.clock.now()
            people = {
                m.user_id
                for m in members.members(session=session, alliance_id=alliance.id).values()
                if m.team_id == team_id
            }
            people |= set(members.open_owners(session=session, alliance_id=alliance.id, team_id=team_id))
            party = repo.get_party(session=session, alliance_id=alliance.id, team_id=team_id)
            if party is not None:
                people |= {x for x in (party.lead_id, party.sponsor_id) if x}
            left = [
                user_id
                for user_id in sorted(people)
                if members.mark_left(
                    session=session,
                    alliance_id=alliance.id,
                    user_id=user_id,
                    team_id=team_id,
                    at=now,
                    reason=LeftReason.UNSHARED.value,
                )
            ]
            if not left:
                return Changes()
            # The organisation itself is gone, so there is nobody on its side to tell: the other parties' leads
            # hear of its open items, and the channel keeps the list.
            others = [
                p.lead_id
                for p in repo.list_parties(session=session, alliance_id=alliance.id)
                if p.team_id != team_id
                and p.lead_id
                and not members.gone(session=session, alliance_id=alliance.id, user_id=p.lead_id)
            ]
            self._plan_orphans(session, alliance, team_id, left, LeftReason.UNSHARED, others, now)
            return Changes(departures=[(alliance.id, u) for u in left])

    # ---- the daily reconciliation -------------------------------------------------------------------

    def reconcile(self, now: datetime, *, limit: int = RECONCILE_BATCH) -> Changes:
        """Compare each alliance channel's members with what we hold, once a day, and act on the differences.

        A batch of alliances is compared together: their member lists fetched concurrently, then one profile
        look-up for each person who needs one, however many of these alliances they belong to."""
        before = now - RECONCILE_EVERY
        with self.db.session() as session:
            due = members.due_reconciliations(session=session, platform=self.platform, before=before, limit=limit)
        claimed: list[tuple[Alliance, bool]] = []
        for alliance_id in due:
            with self.db.session() as session:
                alliance = session.get(Alliance, alliance_id)
                first = alliance is not None and alliance.reconciled_at is None
                if not members.claim_reconciliation(session=session, alliance_id=alliance_id, before=before, at=now):
                    continue  # another process has it
            if alliance is not None:
                claimed.append((alliance, first))
        return self._reconcile(claimed, now)

    def reconcile_channel(self, channel_id: str) -> Changes:
        """Reconcile one alliance now, everyone looked up again (its channel was shared with an organisation
        again, say)."""
        with self.db.session() as session:
            alliance = repo.get_alliance(session=session, platform=self.platform, channel_id=channel_id)
            if alliance is None or alliance.id is None:
                return Changes()
            alliance.reconciled_at = self.clock.now()
            session.add(alliance)
        return self._reconcile([(alliance, True)], self.clock.now())

    def _reconcile(self, alliances: list[tuple[Alliance, bool]], now: datetime) -> Changes:
        """`alliances`: each with whether everyone in it is looked up (its first comparison, which sets the
        baseline) or only whom `to_ask` names."""
        if not alliances:
            return Changes()
        with ThreadPoolExecutor(self.workers, thread_name_prefix="reconcile") as pool:
            listed = list(pool.map(lambda a: self._members(a[0].channel_id), alliances))
            plans: list[tuple[Alliance, set[str], dict[str, Member]]] = []
            wanted: set[str] = set()
            turns: dict[str, Person] = {}  # whom only their weekly turn brings up
            with self.db.session() as session:
                for (alliance, everyone), in_channel in zip(alliances, listed, strict=True):
                    assert alliance.id is not None
                    if in_channel is None:
                        # One channel the platform cannot answer for must not stop the others: tomorrow again.
                        log.info("members of %s unknown; reconciliation skipped", alliance.channel_id)
                        continue
                    present = set(in_channel)
                    known = members.members(session=session, alliance_id=alliance.id)
                    people = present | {u for u, m in known.items() if m.left_at is None}
                    held = repo.get_people(session=session, user_ids=people)
                    if everyone:
                        wanted |= people
                    else:
                        changed, turn = to_ask(present, known, held, now)
                        wanted |= changed
                        turns.update((u, held[u]) for u in turn)
                    plans.append((alliance, present, known))
            wanted |= turns.keys()
            answers: dict[str, Profile | Exception | None] = dict(self._workspaces_listed(pool, turns, now))
            asked = sorted(wanted - answers.keys())
            answers.update(zip(asked, pool.map(self._looked_up, asked), strict=True))
        changes = Changes()
        with self.db.session() as session:
            for profile in answers.values():
                if isinstance(profile, Profile):
                    _save(session, profile, self.clock.now())
            for profile in answers.values():
                if isinstance(profile, Profile) and profile.deleted and not profile.is_bot:
                    # Deactivated is gone from every alliance, not only from those compared now: the others would
                    # otherwise hold them as heard of today, and look no further for a week.
                    changes.add(self._deactivated(session, profile))
        for alliance, present, known in plans:
            try:
                changes.add(self._compare(alliance, present, known, answers))
            except Exception:
                log.exception("reconciling the members of %s failed", alliance.channel_id)
        return changes

    def _deactivated(self, session: Session, profile: Profile) -> Changes:
        changes = Changes()
        for alliance in members.alliances_touching(session=session, user_id=profile.user_id):
            changes.add(self._depart(session, alliance, profile.user_id, profile.team_id, LeftReason.DEACTIVATED))
        return changes

    def _workspaces_listed(
        self, pool: ThreadPoolExecutor, turns: dict[str, Person], now: datetime
    ) -> dict[str, Profile]:
        """The profiles of everyone we hold in the workspaces listed now in place of their people's turns: each
        workspace with a turn due, not listed lately, that the platform can list for us in fewer pages than the
        look-ups listing it spares (`pages_worth`). How many pages a workspace took is remembered, so one too
        large to be worth it is paged through at most once, and only as far as it would have been worth it."""
        teams = {p.team_id for p in turns.values() if p.team_id}
        if not teams:
            return {}
        with self.db.session() as session:
            tracked = members.active_people_by_team(session=session, platform=self.platform, team_ids=teams)
            known = members.listings(session=session, platform=self.platform, team_ids=teams)
        chosen: list[tuple[str, int]] = []
        for team_id in sorted(teams):
            allowed = pages_worth(tracked.get(team_id, 0))
            if allowed < 1 or not worth_listing(known.get(team_id), allowed):
                continue
            if team_id in known:
                with self.db.session() as session:
                    if not members.claim_listing(
                        session=session, platform=self.platform, team_id=team_id, before=now - LISTED_EVERY, at=now
                    ):
                        continue  # listed lately (by another process, or a listing that failed): turns as usual
            chosen.append((team_id, allowed))
        found: dict[str, Profile] = {}
        for listing in pool.map(lambda c: self._listing(c[0], c[1], now), chosen):
            if listing is not None:
                found.update((p.user_id, p) for p in listing.profiles)
        ours: dict[str, Profile] = {}
        ids = sorted(found)
        for start in range(0, len(ids), LISTED_AT_ONCE):
            with self.db.session() as session:
                held = repo.get_people(session=session, user_ids=ids[start : start + LISTED_AT_ONCE])
            ours.update((u, found[u]) for u in held)
        return ours

    def _listing(self, team_id: str, max_pages: int, now: datetime) -> Listing | None:
        try:
            listing = self.directory.people_of(team_id, max_pages=max_pages)
        except Exception as e:
            log.warning("the people of %s could not be listed: %s", team_id, e)
            return None
        if listing is None:
            return None  # not ours to list: its people are looked up one by one
        with self.db.session() as session:
            members.record_listing(
                session=session,
                platform=self.platform,
                team_id=team_id,
                pages=listing.pages,
                complete=listing.complete,
                at=now,
            )
        if not listing.complete:
            log.info("%s has more than %s pages of people: its people are looked up one by one", team_id, max_pages)
        return listing

    def _looked_up(self, user_id: str) -> Profile | Exception | None:
        """A profile, None when the platform does not know them, or the error that kept it from saying."""
        try:
            return self.directory.profile(user_id)
        except Exception as e:
            log.warning("profile of %s unavailable: %s", user_id, e)
            return e

    def _compare(
        self,
        alliance: Alliance,
        present: set[str],
        known: dict[str, Member],
        answers: dict[str, Profile | Exception | None],
    ) -> Changes:
        """Act on what the look-ups said; whoever was not looked up is as we hold them."""
        assert alliance.id is not None
        changes = Changes()
        for user_id in sorted(answers.keys() & (present | set(known))):
            profile = answers[user_id]
            member = known.get(user_id)
            if isinstance(profile, Exception):
                continue  # not now: the next comparison looks again
            if profile is None and member is not None and member.left_at is None and user_id not in present:
                # Gone from the channel and unknown to the platform now (deleted outright): gone all the same.
                with self.db.session() as session:
                    changes.add(self._depart(session, alliance, user_id, member.team_id, LeftReason.LEFT_CHANNEL))
                continue
            if profile is None or profile.is_bot:
                continue
            with self.db.session() as session:
                if profile.deleted:
                    if user_id in present or (member is not None and member.left_at is None):
                        changes.add(self._depart(session, alliance, user_id, profile.team_id, LeftReason.DEACTIVATED))
                elif user_id not in present:
                    if member is not None and member.left_at is None:
                        changes.add(self._depart(session, alliance, user_id, profile.team_id, LeftReason.LEFT_CHANNEL))
                elif member is None:
                    members.add_members(
                        session=session,
                        alliance_id=alliance.id,
                        people=[(user_id, profile.team_id)],
                        at=self.clock.now(),
                    )
                elif member.left_at is not None:
                    changes.add(self._return(session, alliance, user_id, profile.team_id, welcome=True))
        return changes

    # ---- leaving and returning ----------------------------------------------------------------------

    def _depart(self, session: Session, alliance: Alliance, user_id: str, team_id: str, reason: LeftReason) -> Changes:
        assert alliance.id is not None
        now = self.clock.now()
        if not members.mark_left(
            session=session, alliance_id=alliance.id, user_id=user_id, team_id=team_id, at=now, reason=reason.value
        ):
            return Changes()  # already gone: the same departure, signalled again
        log.info("%s left alliance %s (%s)", user_id, alliance.id, reason.value)
        party = repo.get_party(session=session, alliance_id=alliance.id, team_id=team_id)
        parties = repo.list_parties(session=session, alliance_id=alliance.id)
        lead = party.lead_id if party else None
        sponsor = party.sponsor_id if party else None
        # The party's lead hears of the orphaned items; if the lead is the one who left, the sponsor does, and
        # failing both, the other party's lead.
        told = next(
            (
                x
                for x in (lead, sponsor)
                if x and x != user_id and not members.gone(session=session, alliance_id=alliance.id, user_id=x)
            ),
            None,
        )
        others = [
            p.lead_id
            for p in parties
            if p.team_id != team_id
            and p.lead_id
            and not members.gone(session=session, alliance_id=alliance.id, user_id=p.lead_id)
        ]
        if told is None and others:
            told = others[0]
        self._plan_orphans(session, alliance, team_id, [user_id], reason, [told] if told else [], now)
        if party is not None and lead == user_id:
            asked = [
                *others,
                *(
                    [sponsor]
                    if sponsor
                    and sponsor != user_id
                    and not members.gone(session=session, alliance_id=alliance.id, user_id=sponsor)
                    else []
                ),
            ]
            stamp = int(now.timestamp())
            deliveries.plan_deliveries(
                session=session,
                rows=[
                    {
                        "key": f"lead_wanted:{alliance.id}:{team_id}:{user_id}:{stamp}:{recipient}",
                        "alliance_id": alliance.id,
                        "kind": "lead_wanted",
                        "recipient_id": recipient,
                        "data": json.dumps({"team_id": team_id, "user_id": user_id}),
                        "not_before": _reachable(session, alliance.id, recipient, now),
                    }
                    for recipient in dict.fromkeys(asked)
                ],
            )
        return Changes(departures=[(alliance.id, user_id)])

    def _plan_orphans(
        self,
        session: Session,
        alliance: Alliance,
        team_id: str,
        user_ids: list[str],
        reason: LeftReason,
        recipients: list[str],
        now: datetime,
    ) -> None:
        """The orphan notice, to each recipient privately and to the channel; what it lists is read when sent."""
        assert alliance.id is not None
        stamp = int(now.timestamp())
        scope = user_ids[0] if len(user_ids) == 1 else f"team-{team_id}"
        data = json.dumps({"team_id": team_id, "user_ids": user_ids, "reason": reason.value})
        rows: list[dict[str, Any]] = [
            {
                "key": f"orphans:{alliance.id}:{scope}:{stamp}:{recipient or 'channel'}",
                "alliance_id": alliance.id,
                "kind": "orphans",
                "recipient_id": recipient,
                "data": data,
                # The channel hears at once; a person in their working hours.
                "not_before": _reachable(session, alliance.id, recipient, now) if recipient else now,
            }
            for recipient in [*dict.fromkeys(recipients), ""]
        ]
        deliveries.plan_deliveries(session=session, rows=rows)

    def _return(
        self, session: Session, alliance: Alliance, user_id: str, team_id: str, *, welcome: bool = False
    ) -> Changes:
        assert alliance.id is not None
        now = self.clock.now()
        before = members.get_member(session=session, alliance_id=alliance.id, user_id=user_id)
        left_at = before.left_at if before is not None else None
        state = members.mark_returned(
            session=session, alliance_id=alliance.id, user_id=user_id, team_id=team_id, at=now
        )
        changes = Changes()
        if state == "returned":
            log.info("%s is back in alliance %s", user_id, alliance.id)
            changes.returns.append((alliance.id, user_id))
            # The channel was told their items were orphaned: it hears they are theirs again (said when sent, so
            # only if they still own something or lead their party).
            deliveries.plan_deliveries(
                session=session,
                rows=[
                    {
                        "key": f"returned:{alliance.id}:{user_id}:{int(now.timestamp())}",
                        "alliance_id": alliance.id,
                        "kind": "returned",
                        "recipient_id": "",
                        "data": json.dumps(
                            {"team_id": team_id, "user_id": user_id, "left_at": left_at.isoformat() if left_at else ""}
                        ),
                        "not_before": now,
                    }
                ],
            )
        elif state == "new":
            changes.joined.append((alliance.id, user_id))
        if welcome and state != "present":
            deliveries.plan_deliveries(
                session=session,
                rows=[
                    {
                        "key": f"welcome:{alliance.id}:{user_id}:{int(now.timestamp())}",
                        "alliance_id": alliance.id,
                        "kind": "welcome",
                        "recipient_id": user_id,
                        "data": json.dumps({"returning": state == "returned"}),
                        "not_before": _reachable(session, alliance.id, user_id, now),
                    }
                ],
            )
        return changes

    def _profile(self, user_id: str) -> Profile | None:
        try:
            return self.directory.profile(user_id)
        except Exception:
            log.exception("profile of %s unavailable", user_id)
            return None


def _save(session: Session, profile: Profile, now: datetime) -> Person:
    known = session.get(Person, profile.user_id)
    if known is not None and profile.deleted:
        # A deactivated account comes back stripped (no time zone): keep what we knew, and mark it gone.
        known.deleted, known.refreshed_at = True, now
        session.add(known)
        return known
    return repo.save_person(session=session, person=person_of(profile, now, session=session))


def _reachable(session: Session, alliance_id: int, user_id: str, now: datetime) -> datetime:
    """A person's next working moment: their zone, their organisation's holidays (never a DM at 3 a.m.)."""
    person = session.get(Person, user_id)
    party = (
        repo.get_party(session=session, alliance_id=alliance_id, team_id=person.team_id) if person is not None else None
    )
    return working_time(person, party).next_working_moment(now)
