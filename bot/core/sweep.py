"""The scheduled work, one pass at a given instant: run every minute by `serve`, or once by `sweep --now`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage import repository as repo
from storage.db import Database

# Slack retries an event for about an hour; a day of event ids is ample to catch every retry.
EVENT_MEMORY = timedelta(days=1)


@dataclass(frozen=True)
class SweepReport:
    at: datetime
    forgotten_events: int


def sweep(db: Database, *, now: datetime) -> SweepReport:
    if now.tzinfo is None:
        raise ValueError("the sweep needs a timezone-aware instant")
    with db.session() as session:
        forgotten = repo.forget_events(session=session, before=now - EVENT_MEMORY)
    return SweepReport(at=now, forgotten_events=forgotten)
