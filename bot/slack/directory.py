"""The core's Directory, answered by Slack's Web API (users.info, users.list, conversations.info, team.info).

The look-ups the daily member comparison makes at volume (users.info, users.list, conversations.members) run from
several threads at once, so they are kept within the workspace's rate limits here: one `Budget` per method, shared
by the threads, and paused for all of them when Slack answers 429."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.web import SlackResponse

from bot.core.errors import DirectoryUnavailable
from bot.core.ports import ChannelFacts, Listing, PrivateChannel, Profile
from bot.slack.ratelimit import TIER_2_PER_MINUTE, TIER_4_PER_MINUTE, Budget, retry_after

log = logging.getLogger(__name__)

MEMBER_PAGES = 2
# The look-ups the daily comparison makes at volume, and their tiers' calls a minute (https://api.slack.com/methods:
# users.info and conversations.members are Tier 4, users.list Tier 2).
RATE_LIMITS = {
    "users.info": TIER_4_PER_MINUTE,
    "conversations.members": TIER_4_PER_MINUTE,
    "users.list": TIER_2_PER_MINUTE,
}
RATE_LIMITED = tuple(RATE_LIMITS)
USERS_PER_PAGE = 200  # users.list: "We recommend no more than 200 results at a time"
RATE_LIMITED_RETRIES = 3  # 429s met by one call before it gives up (tomorrow's comparison tries again)

# Slack's answers that say "not now" rather than "no" (https://api.slack.com/methods/conversations.info, "Errors":
# ratelimited, internal_error, fatal_error, service_unavailable, request_timeout), besides any HTTP 429 or 5xx. Any
# other error is a real answer about the conversation: a DM, a private channel the bot is not in, no scope.
NOT_NOW = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})


def did_not_answer(error: SlackApiError) -> bool:
    """Whether a Web API error is Slack not answering (try again) rather than answering no."""
    status = getattr(error.response, "status_code", 200)
    return status == 429 or status >= 500 or error.response.get("error") in NOT_NOW


def profile_of(user: dict[str, Any]) -> Profile:
    """A Slack user object (users.info, or the `user_change` event's `user`) as the core's Profile."""
    profile = user.get("profile") or {}
    return Profile(
        user_id=user["id"],
        team_id=user.get("team_id") or profile.get("team") or "",
        name=profile.get("display_name") or user.get("real_name") or user.get("name") or user["id"],
        tz=user.get("tz") or "",  # a stripped account (deactivated) tells no zone
        is_bot=bool(user.get("is_bot")) or user["id"] == "USLACKBOT",
        deleted=bool(user.get("deleted")),
    )


class SlackDirectory:
    def __init__(
        self,
        client: WebClient,
        *,
        budgets: dict[str, Budget] | None = None,
        lister: Callable[[str], WebClient | None] | None = None,
    ) -> None:
        """`budgets`: each rate-limited method's allowance in this workspace (default: its tier's, `RATE_LIMITS`).
        `lister`: the client whose users.list lists a given workspace (the installation of ours there), or None
        (bot.slack.installations: `listing_client`); without it no workspace is listed."""
        self.client = client
        self.budgets = budgets if budgets is not None else {m: Budget(n) for m, n in RATE_LIMITS.items()}
        self.lister = lister
        self._budgeted = _without_rate_limit_retries(client)
        self._team_names: dict[str, str] = {}
        self._organisations: dict[str, str | None] = {}

    def _call(self, method: str, *, client: WebClient | None = None, **args: Any) -> SlackResponse:
        """One Web API call within its method's budget; a 429 pauses the method for everyone, then it is retried.
        `client`: another installation's than the directory's own."""
        budget = self.budgets.get(method)
        if client is None:
            client = self._budgeted if budget is not None else self.client
        elif budget is not None:
            client = _without_rate_limit_retries(client)
        call = getattr(client, method.replace(".", "_"))
        attempts = 0
        while True:
            if budget is not None:
                budget.take()
            try:
                response: SlackResponse = call(**args)
                return response
            except SlackApiError as e:
                wait = retry_after(e)
                if wait is None or budget is None or attempts == RATE_LIMITED_RETRIES:
                    raise
                attempts += 1
                log.info("%s rate limited: every caller waits %ss", method, wait)
                budget.pause(wait)

    def profile(self, user_id: str) -> Profile | None:
        try:
            user = self._call("users.info", user=user_id)["user"]
        except SlackApiError as e:
            if e.response.get("error") in ("user_not_found", "users_not_found"):
                return None
            raise
        return profile_of(user)

    def people_of(self, team_id: str, *, max_pages: int) -> Listing | None:
        """users.list through our installation in that workspace, page after page (`team_id` too, which an
        org-wide installation's token needs and a workspace's ignores). Slack lists a workspace's own people,
        deactivated ones included, and never those of another organisation met in a Slack Connect channel: Slack
        says to use users.info "on cross-team user ID not found in users.list". An error is raised, like
        `profile`'s: the caller looks those people up one by one instead."""
        client = self.lister(team_id) if self.lister is not None else None
        if client is None:
            return None
        profiles: list[Profile] = []
        cursor = None
        for pages in range(1, max_pages + 1):
            page = self._call("users.list", client=client, team_id=team_id, limit=USERS_PER_PAGE, cursor=cursor)
            profiles += [profile_of(user) for user in page.get("members") or []]
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return Listing(profiles=profiles, pages=pages, complete=True)
        return Listing(profiles=profiles, pages=max_pages, complete=False)

    def channel(self, channel_id: str) -> ChannelFacts:
        try:
            channel = self.client.conversations_info(channel=channel_id)["channel"]
        except SlackApiError as e:
            if did_not_answer(e):
                # Setting the alliance up from nothing would store it without its host and home zone for good:
                # refuse this first use instead; the next try sets it up properly.
                log.warning("conversations.info %s: Slack did not answer (%s)", channel_id, e.response.get("error"))
                raise DirectoryUnavailable(channel_id) from e
            # A DM or a private channel the bot is not in: start with no parties; the first owner adds theirs.
            log.info("conversations.info %s failed: %s", channel_id, e.response.get("error"))
            return ChannelFacts(channel_id=channel_id, name=channel_id, host_team_id="")
        except OSError as e:  # no answer at all: a timeout, a refused or reset connection
            log.warning("conversations.info %s: no answer from Slack (%s)", channel_id, e)
            raise DirectoryUnavailable(channel_id) from e
        host = channel.get("conversation_host_id") or channel.get("context_team_id") or ""
        teams = list(channel.get("shared_team_ids") or ([host] if host else []))
        return ChannelFacts(
            channel_id=channel_id,
            name=channel.get("name") or channel_id,
            host_team_id=host,
            team_ids=teams,
            member_ids=self._members(channel_id),
        )

    def members(self, channel_id: str) -> list[str] | None:
        """Every member, all pages (conversations.members); None if Slack would not say."""
        members: list[str] = []
        cursor = None
        while True:
            try:
                page = self._call("conversations.members", channel=channel_id, limit=200, cursor=cursor)
            except SlackApiError as e:
                log.warning("conversations.members %s failed: %s", channel_id, e.response.get("error"))
                return None
            members.extend(page.get("members") or [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return members

    def _members(self, channel_id: str) -> list[str]:
        members: list[str] = []
        cursor = None
        for _ in range(MEMBER_PAGES):
            try:
                page = self.client.conversations_members(channel=channel_id, limit=100, cursor=cursor)
            except SlackApiError as e:
                log.info("conversations.members %s failed: %s", channel_id, e.response.get("error"))
                break
            members.extend(page.get("members") or [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return members

    def team_name(self, team_id: str) -> str:
        if team_id not in self._team_names and not self._team_info(team_id):
            return team_id
        return self._team_names[team_id]

    def organisation_of(self, team_id: str) -> str | None:
        """The Enterprise Grid organisation of a workspace: team.info's `enterprise_id` (kept from the first
        answer, since a partner's workspace may no longer be readable once it has disconnected)."""
        if team_id not in self._organisations:
            self._team_info(team_id)
        return self._organisations.get(team_id)

    def _team_info(self, team_id: str) -> bool:
        try:
            team = self.client.team_info(team=team_id)["team"]
        except SlackApiError as e:
            log.info("team.info %s failed: %s", team_id, e.response.get("error"))
            return False
        self._team_names[team_id] = team["name"]
        self._organisations[team_id] = team.get("enterprise_id") or None
        return True

    def private_channel(self, channel_id: str) -> PrivateChannel | None:
        """conversations.info from inside: Slack answers `channel_not_found` for a private channel the bot is not
        in, and `is_member` says so for a public one."""
        try:
            channel = self.client.conversations_info(channel=channel_id)["channel"]
        except SlackApiError as e:
            log.info("conversations.info %s failed: %s", channel_id, e.response.get("error"))
            return None
        if not channel.get("is_member"):
            return None
        host = channel.get("conversation_host_id") or channel.get("context_team_id") or ""
        teams = list(channel.get("shared_team_ids") or ([host] if host else []))
        return PrivateChannel(
            channel_id=channel_id,
            name=channel.get("name") or channel_id,
            private=bool(channel.get("is_private")) and not channel.get("is_ext_shared"),
            team_ids=teams,
        )


def _without_rate_limit_retries(client: WebClient) -> WebClient:
    """A twin of the client for the budgeted look-ups, without slack_sdk's rate-limit retry handler: that one
    sleeps out a 429 in the thread that met it, out of the budget's sight, while the other workers carry on into
    429s of their own; here the budget pauses them all. The other retries (5xx, a dropped connection) stay."""
    handlers = [h for h in client.retry_handlers if not isinstance(h, RateLimitErrorRetryHandler)]
    if len(handlers) == len(client.retry_handlers):
        return client
    # A shallow copy keeps the client's kind: in many-workspaces mode a SpeakingClient, which picks each call's
    # installation token (a new WebClient would have no token at all).
    twin = copy.copy(client)
    twin.retry_handlers = handlers
    return twin
