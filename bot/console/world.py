"""The console's pretend Slack Connect channel: two organisations, three people each."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from bot.core.ports import ChannelFacts, Listing, PrivateChannel, Profile

CHANNEL = "CCONSOLE01"
ACME_INTERNAL = "GACMEINTERNAL"  # Acme's own private channel, which the bot is in (`link #acme-internal`)
ACME = "TACME"
GLOBEX = "TGLOBEX"
TEAM_NAMES = {ACME: "Acme", GLOBEX: "Globex"}
BOT_ID = "UALLIANCEBOT"

PEOPLE = [
    Profile(user_id="UALICE", team_id=ACME, name="alice", tz="America/New_York"),
    Profile(user_id="UBOB", team_id=ACME, name="bob", tz="America/Chicago"),
    Profile(user_id="UERIN", team_id=ACME, name="erin", tz="America/New_York"),
    Profile(user_id="UPAUL", team_id=GLOBEX, name="paul", tz="Europe/Berlin"),
    Profile(user_id="UPIA", team_id=GLOBEX, name="pia", tz="Europe/Berlin"),
    Profile(user_id="UGUS", team_id=GLOBEX, name="gus", tz="Asia/Tokyo"),
    Profile(user_id=BOT_ID, team_id=ACME, name="Alliance Bot", tz="UTC", is_bot=True),
]


@dataclass
class ConsoleDirectory:
    """The Directory port, answered from the fixed cast above."""

    people: list[Profile]
    absent: set[str] = field(default_factory=set)  # not in the channel (left, or removed)
    # Private channels the bot is a member of: id -> (name, organisations in it).
    private: dict[str, tuple[str, list[str]]] = field(
        default_factory=lambda: {ACME_INTERNAL: ("acme-internal", [ACME])}
    )

    def profile(self, user_id: str) -> Profile | None:
        return next((p for p in self.people if p.user_id == user_id), None)

    def members(self, channel_id: str) -> list[str] | None:
        return [p.user_id for p in self.people if p.user_id not in self.absent]

    def people_of(self, team_id: str, *, max_pages: int) -> Listing | None:
        """The console's workspaces are a handful of people each: looked up one by one, never listed."""
        return None

    def set_deleted(self, user_id: str, deleted: bool) -> Profile:
        """Deactivate or reactivate someone, as an organisation's admin would; their new profile."""
        index = next(i for i, p in enumerate(self.people) if p.user_id == user_id)
        self.people[index] = replace(self.people[index], deleted=deleted)
        return self.people[index]

    def by_name(self, name: str) -> Profile | None:
        return next((p for p in self.people if p.name.lower() == name.lower()), None)

    def channel(self, channel_id: str) -> ChannelFacts:
        return ChannelFacts(
            channel_id=channel_id,
            name="acme-globex",
            host_team_id=ACME,
            team_ids=[ACME, GLOBEX],
            member_ids=[p.user_id for p in self.people if p.user_id not in self.absent],
        )

    def team_name(self, team_id: str) -> str:
        return TEAM_NAMES.get(team_id, team_id)

    def organisation_of(self, team_id: str) -> str | None:
        return None  # the console's two organisations are workspaces of no larger organisation

    def private_channel(self, channel_id: str) -> PrivateChannel | None:
        known = self.private.get(channel_id)
        if known is None:
            return None
        name, teams = known
        return PrivateChannel(channel_id=channel_id, name=name, private=True, team_ids=list(teams))
