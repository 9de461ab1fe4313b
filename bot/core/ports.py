"""What the core needs to know from a chat platform, asked through small interfaces."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from bot.core.errors import SendFailed


@dataclass(frozen=True)
class Profile:
    """A chat user as the platform describes them."""

    user_id: str
    team_id: str
    name: str
    tz: str  # "" when the platform does not say (Teams, until they write): never to be taken for UTC
    is_bot: bool = False
    deleted: bool = False


@dataclass(frozen=True)
class Listing:
    """A workspace's people as the platform lists them in pages (Slack: users.list), deactivated accounts too."""

    profiles: list[Profile]
    pages: int  # the calls it took
    complete: bool  # False: stopped at the pages it was allowed, with more to come


@dataclass(frozen=True)
class ChannelFacts:
    """A shared channel: its name, the organisation hosting it, and who is in it."""

    channel_id: str
    name: str
    host_team_id: str
    team_ids: list[str] = field(default_factory=list)
    member_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PrivateChannel:
    """A channel a party would link as its own: whether it is private, and which organisations are in it."""

    channel_id: str
    name: str
    private: bool
    team_ids: list[str] = field(default_factory=list)


class Directory(Protocol):
    """Look-ups the platform answers (Slack: users.info, conversations.info, team.info)."""

    def profile(self, user_id: str) -> Profile | None:
        """The user's profile, or None when the platform does not know them."""
        ...

    def channel(self, channel_id: str) -> ChannelFacts: ...

    def members(self, channel_id: str) -> list[str] | None:
        """Everyone in the channel, all pages; None when the platform would not say (never a guess: an empty
        list would read as everyone having left)."""
        ...

    def people_of(self, team_id: str, *, max_pages: int) -> Listing | None:
        """Everyone of a workspace, at most `max_pages` pages of them; None when the platform cannot list that
        workspace for us (Slack: one whose installation we do not hold, such as a Slack Connect partner's)."""
        ...

    def team_name(self, team_id: str) -> str: ...

    def organisation_of(self, team_id: str) -> str | None:
        """The organisation above a workspace (Slack Enterprise Grid's E… id); None for none, or not known."""
        ...

    def private_channel(self, channel_id: str) -> PrivateChannel | None:
        """The channel as the bot sees it from inside; None when the bot is not a member (or it does not exist)."""
        ...


@dataclass(frozen=True)
class Outgoing:
    """One message the scheduled work sends: to the alliance channel (or a thread in it), or to one person."""

    channel_id: str  # the alliance's channel
    recipient_id: str | None  # a person for a private message; None: the channel
    thread_ts: str | None
    content: object  # one of bot.core.outcomes.Dispatch
    platform: str = "slack"  # the alliance's platform, so one schedule can serve Slack and Teams alike


class Courier(Protocol):
    """Sends what the schedule owes people. Returns the platform's message id (Slack: ts), if any.

    A courier that sends through several installations (Slack installed in many workspaces) may also say which one
    a message goes through, `workspace(message) -> str | None`, the key of the budget it draws on (see
    `workspace_of`); one without it has one budget for its platform."""

    def send(self, message: Outgoing) -> str | None: ...


class Noticed:
    """A courier that, once a message has gone out, says which alliance it was about (its channel): what the
    schedule sent (a check-in opened, a reminder) changes what people's own pages show."""

    def __init__(self, courier: Courier, delivered: Callable[[str], object]) -> None:
        self.courier = courier
        self.delivered = delivered

    @property
    def CONCURRENT(self) -> bool:
        """As concurrent as the courier it wraps: `delivered` only marks a page to refresh (a lock and a timer,
        bot.core.home.debounce), safe from any thread."""
        return concurrent(self.courier)

    def workspace(self, message: Outgoing) -> str | None:
        return workspace(self.courier, message)

    def send(self, message: Outgoing) -> str | None:
        sent = self.courier.send(message)
        self.delivered(message.channel_id)
        return sent


class ByPlatform:
    """One courier for the one schedule: each message goes out through its alliance's platform (Slack, Teams)."""

    def __init__(self, couriers: Mapping[str, Courier]) -> None:
        self.couriers = dict(couriers)

    def concurrent(self, platform: str) -> bool:
        return concurrent(self.couriers.get(platform))

    def workspace(self, message: Outgoing) -> str | None:
        return workspace(self.couriers.get(message.platform), message)

    def send(self, message: Outgoing) -> str | None:
        courier = self.couriers.get(message.platform)
        if courier is None:
            raise SendFailed(f"{message.platform} is not configured in this process", permanent=True)
        return courier.send(message)


def concurrent(courier: object) -> bool:
    """Whether several threads may send through `courier` at once: only a courier that says so (it only calls
    the platform, touching no database session), such as Slack's; any other sends one message at a time."""
    return bool(getattr(courier, "CONCURRENT", False))


def workspace(courier: object, message: Outgoing) -> str | None:
    """The installation `message` goes through, as `courier` names it (Slack: its workspace, or its Grid
    organisation for an org-wide install); None when the courier speaks as one (one token, Teams, the console)."""
    name = getattr(courier, "workspace", None)
    return name(message) if callable(name) else None


def workspace_of(courier: object, message: Outgoing) -> str:
    """The delivery budget `message` draws on: the platform's one, or the installation's within it, so that one
    workspace spending its budget never slows another's messages."""
    installation = workspace(courier, message)
    return message.platform if installation is None else f"{message.platform}:{installation}"
