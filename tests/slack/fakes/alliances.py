"""Many alliances at once, in the fake Web API and in our tables alike, for the member reconciliation's tests and
its benchmark (bench/reconcile.py).

Each alliance is a Slack Connect channel between the host (Acme) and a partner workspace of its own, with the bot
in it. Acme's people come from one pool that the alliances share (an alliance team staffs several partnerships);
the partner's are the alliance's own. Our tables hold what a previous comparison left: every member, every person
with the profile last looked up at `heard_at`, and the alliance compared at `heard_at`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.core.ports import Profile
from bot.slack.directory import profile_of
from storage import members
from storage import repository as repo
from storage.db import Database
from storage.models import Person
from tests.slack.fakes.web_api import ACME, BOT, FakeSlack, make_channel, make_team, make_user


@dataclass
class Alliances:
    channels: list[str] = field(default_factory=list)
    people: dict[str, list[str]] = field(default_factory=dict)  # channel id -> its members (the bot aside)
    next_user: int = 0

    def new_user(self, fake: FakeSlack, team_id: str) -> str:
        self.next_user += 1
        user_id = f"U{self.next_user:08d}"
        fake.users[user_id] = make_user(user_id, user_id.lower(), team_id=team_id, real_name=f"Person {user_id}")
        return user_id

    def profile(self, fake: FakeSlack, user_id: str) -> Profile:
        """The person as Slack would describe them now (users.info, or a `user_change` event)."""
        return profile_of(fake.users[user_id])


def seed(
    fake: FakeSlack,
    db: Database,
    *,
    alliances: int,
    people: int,
    host_people: int,
    host_pool: int,
    heard_at: datetime,
) -> Alliances:
    """`alliances` channels of `people` members each (the bot besides), `host_people` of them Acme's, drawn in
    turn from a pool of `host_pool` Acme people (a pool as large as all of them: nobody shared)."""
    world = Alliances()
    fake.teams.setdefault(ACME, make_team(ACME, "Acme", "acme"))
    fake.users.setdefault(BOT, make_user(BOT, "alliancebot", team_id=ACME, real_name="Alliance Bot", is_bot=True))
    pool = [world.new_user(fake, ACME) for _ in range(host_pool)]
    with db.session() as session:
        for n in range(alliances):
            partner = f"T{n:08d}"
            channel = f"C{n:08d}"
            fake.teams[partner] = make_team(partner, f"Partner {n}", f"partner{n}")
            ours = [pool[(n * host_people + i) % len(pool)] for i in range(host_people)]
            theirs = [world.new_user(fake, partner) for _ in range(people - host_people)]
            fake.channels[channel] = make_channel(
                channel,
                f"acme-partner-{n}",
                members=[*ours, *theirs, BOT],
                host_team=ACME,
                shared_team_ids=[ACME, partner],
            )
            alliance, _ = repo.add_alliance(
                session=session,
                platform="slack",
                channel_id=channel,
                name=f"Acme & Partner {n}",
                host_team_id=ACME,
                started_at=heard_at,
                parties=[(ACME, "Acme"), (partner, f"Partner {n}")],
            )
            assert alliance.id is not None
            members.add_members(
                session=session,
                alliance_id=alliance.id,
                people=[(u, ACME) for u in ours] + [(u, partner) for u in theirs],
                at=heard_at,
            )
            alliance.reconciled_at = heard_at
            session.add(alliance)
            world.channels.append(channel)
            world.people[channel] = [*ours, *theirs]
        for user_id, user in fake.users.items():
            if session.get(Person, user_id) is None:
                profile = profile_of(user)
                session.add(
                    Person(
                        user_id=user_id,
                        team_id=profile.team_id,
                        name=profile.name,
                        tz=profile.tz or "UTC",
                        is_bot=profile.is_bot,
                        refreshed_at=heard_at,
                    )
                )
    return world
