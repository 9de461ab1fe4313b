"""Bolt listeners, one small module per kind: commands, events, actions, views, shortcuts."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.front import SlackFrontEnd
from bot.slack.listeners import (
    actions,
    charter,
    checkins,
    commands,
    events,
    people,
    pulse,
    scorecard,
    shortcuts,
    views,
)


def register(app: App, front: SlackFrontEnd) -> None:
    for kind in (commands, events, actions, checkins, people, views, shortcuts, charter, scorecard, pulse):
        kind.register(app, front)
