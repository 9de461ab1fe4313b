"""Slack's rate limits for one workspace, kept by the threads that share its token.

Slack limits each Web API method per workspace and app, by tier (https://api.slack.com/apis/rate-limits: Tier 4,
"100+ per minute", is that of users.info and conversations.members, with occasional bursts tolerated; Tier 2,
"20+ per minute", that of users.list), and answers a call over the limit with HTTP 429 and a `Retry-After` in
seconds. A `Budget` is one method's allowance, read as it is written: at most so many calls in any minute (a burst
is fine, so long as the minute holds no more). A 429 pauses every caller of the method, not only the one who met
it, for as long as Slack asked.
"""

from __future__ import annotations

import threading
import time as systime
from collections import deque
from collections.abc import Callable

from slack_sdk.errors import SlackApiError

TIER_2_PER_MINUTE = 20
TIER_4_PER_MINUTE = 100
MINUTE = 60.0


class Budget:
    def __init__(
        self,
        per_minute: int = TIER_4_PER_MINUTE,
        *,
        clock: Callable[[], float] = systime.monotonic,
        sleep: Callable[[float], None] = systime.sleep,
    ) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.sleep = sleep
        self._calls: deque[float] = deque()  # when each call of the last minute was let through
        self._paused_until = float("-inf")
        self._lock = threading.Lock()

    def take(self) -> None:
        """Wait until one more call is allowed, and count it."""
        while True:
            with self._lock:
                now = self.clock()
                while self._calls and self._calls[0] <= now - MINUTE:
                    self._calls.popleft()
                wait = self._paused_until - now
                if wait <= 0:
                    if len(self._calls) < self.per_minute:
                        self._calls.append(now)
                        return
                    wait = self._calls[0] + MINUTE - now
            self.sleep(wait)

    def pause(self, seconds: float) -> None:
        """Slack said to wait (429, `Retry-After`): nobody calls before then."""
        with self._lock:
            self._paused_until = max(self._paused_until, self.clock() + seconds)


def retry_after(error: SlackApiError) -> float | None:
    """The seconds a 429 asks to wait; None for any other error."""
    response = error.response
    if getattr(response, "status_code", 200) != 429:
        return None
    headers = getattr(response, "headers", None) or {}
    value = headers.get("Retry-After") or headers.get("retry-after") or "1"
    try:
        return max(0.0, float(value))
    except ValueError:
        return 1.0
