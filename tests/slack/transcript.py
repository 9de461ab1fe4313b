"""Reading what the bot said out of FakeSlack's recorded calls, as a transcript."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from tests.slack.fakes.web_api import FakeSlack

INTRO = ":handshake: Hello! This channel is now the alliance between *Acme* and *Globex*"


@dataclass(frozen=True)
class Said:
    """A chat.postMessage: visible to the whole channel (or thread)."""

    channel: str
    thread_ts: str | None
    text: str


@dataclass(frozen=True)
class Whispered:
    """A chat.postEphemeral: visible to `user` only."""

    channel: str
    user: str
    thread_ts: str | None
    text: str


def said(fake: FakeSlack) -> list[Said]:
    return [
        Said(str(c.args.get("channel")), c.args.get("thread_ts"), str(c.args.get("text", "")))
        for c in fake.calls_to("chat.postMessage")
    ]


def said_besides_intro(fake: FakeSlack) -> list[Said]:
    return [s for s in said(fake) if not s.text.startswith(INTRO)]


def whispered(fake: FakeSlack) -> list[Whispered]:
    return [
        Whispered(
            str(c.args.get("channel")),
            str(c.args.get("user")),
            c.args.get("thread_ts"),
            str(c.args.get("text", "")),
        )
        for c in fake.calls_to("chat.postEphemeral")
    ]


def everything_said(fake: FakeSlack) -> str:
    """Every argument of every call, as one string: for looking for things that must never leak."""
    return "\n".join(json.dumps(c.args, default=str, ensure_ascii=False) for c in fake.calls)


def date_epochs(text: str) -> list[int]:
    """The instants of the `<!date^EPOCH^...|fallback>` tokens in a message."""
    return [int(n) for n in re.findall(r"<!date\^(\d+)\^", text)]
