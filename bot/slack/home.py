"""The Home tab: each person's page (bot.core.home) published with views.publish when they open the tab, and again
when something of theirs changes, at most once every few seconds per person (bot.core.home.debounce).

Only the people who opened their tab since this process started are refreshed: a tab is published afresh at every
opening anyway, so nobody sees a stale page for long, and a change in a busy channel does not cost one Web API call
per member who never looks. Each page goes out through `client_for_team`, the client of the person's own
organisation's installation (one client when the bot runs on one token)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.errors import CommandError
from bot.core.home.debounce import Debouncer, TimerFactory, thread_timer
from bot.core.service import AllianceService
from bot.slack.blocks.home import home_view

log = logging.getLogger(__name__)

ClientForTeam = Callable[[str], WebClient]
# An alliance's people are looked up at most once a second: a sweep's burst of deliveries costs one query.
LOOKUP_SECONDS = 1.0


class HomeTab:
    def __init__(
        self,
        service: AllianceService,
        client_for_team: ClientForTeam,
        *,
        timer: TimerFactory = thread_timer,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.service = service
        self.client_for_team = client_for_team
        self._lock = threading.Lock()
        self._watching: dict[str, str] = {}  # who opened their tab: user id → their team id
        self.debounce = Debouncer(self._refresh, timer=timer, monotonic=monotonic)
        # Who is in an alliance is looked up off the caller's thread, once per burst (a sweep's many deliveries).
        self.alliances = Debouncer(self._touch_people, interval=LOOKUP_SECONDS, timer=timer, monotonic=monotonic)
        service.watchers.append(self.alliance_changed)

    def opened(self, user_id: str, team_id: str) -> None:
        """The person opened their Home tab: publish their page now, and keep it fresh from here on."""
        with self._lock:
            self._watching[user_id] = team_id
        self.publish(user_id, team_id)

    def alliance_changed(self, channel_id: str) -> None:
        """Something of this alliance changed: refresh the pages of its people who are watching."""
        with self._lock:
            if not self._watching:
                return
        self.alliances.touch(channel_id)

    def _touch_people(self, channel_id: str) -> None:
        for user_id in self.service.home_people(channel_id):
            with self._lock:
                watching = user_id in self._watching
            if watching:
                self.debounce.touch(user_id)

    def publish(self, user_id: str, team_id: str) -> bool:
        try:
            home = self.service.home(user_id)
        except CommandError as e:
            log.warning("no Home tab for %s: %s", user_id, e)
            return False
        try:
            self.client_for_team(team_id).views_publish(user_id=user_id, view=home_view(home))
        except SlackApiError as e:
            log.warning("views.publish for %s was refused: %s", user_id, e.response.get("error"))
            return False
        return True

    def _refresh(self, user_id: str) -> None:
        with self._lock:
            team_id = self._watching.get(user_id)
        if team_id is not None:
            self.publish(user_id, team_id)
