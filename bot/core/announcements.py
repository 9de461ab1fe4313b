"""Channel announcements owed but not yet made: Slack would not take one when the change happened (5xx, 429 after
the client's retries, a dropped connection), so it becomes a planned delivery that the sweep sends, retrying as it
does every scheduled message, exactly once.

The change itself is already saved; what the announcement says was rendered when it happened (it reports that
moment, not the state at the send), and is kept with the delivery, as is the conversation it goes to.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from storage import deliveries
from storage.deliveries import DeliveryRow

KINDS = ("announcement",)


@dataclass(frozen=True)
class Announcement:
    """An announcement as the front end rendered it: its text, and its platform's own body (Block Kit)."""

    text: str
    body: list[dict[str, Any]] = field(default_factory=list)


def plan(
    session: Session,
    *,
    alliance_id: int,
    channel_id: str,
    text: str,
    body: list[dict[str, Any]],
    thread_ts: str | None,
    now: datetime,
) -> None:
    """Owe `channel_id` (the alliance's channel, or a party's linked one: where the change was made, whose
    audience it was rendered for) one announcement, to go out at the next sweep and be retried until it does."""
    deliveries.plan_deliveries(
        session=session,
        rows=[
            {
                "key": f"announcement:{alliance_id}:{uuid.uuid4().hex}",
                "alliance_id": alliance_id,
                "kind": KINDS[0],
                "recipient_id": "",
                "data": json.dumps({"text": text, "body": body, "thread_ts": thread_ts, "channel_id": channel_id}),
                "not_before": now,
            }
        ],
    )


def content(delivery: DeliveryRow) -> tuple[Announcement, str | None]:
    """What an owed announcement says, and the thread it goes in."""
    data = json.loads(delivery.data or "{}")
    return Announcement(text=str(data.get("text", "")), body=list(data.get("body") or [])), data.get("thread_ts")


def channel_of(delivery: DeliveryRow) -> str | None:
    """The conversation an owed announcement goes to: where the change was made."""
    channel = json.loads(delivery.data or "{}").get("channel_id")
    return str(channel) if channel else None
