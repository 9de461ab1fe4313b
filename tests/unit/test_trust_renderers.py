"""Every renderer, fed every kind of answer and scheduled message full of both parties' internal items.

Each member of the `Outcome` and `Dispatch` unions is built generically from its fields (a new kind is built the
day it is added, with no change here), carrying shared and internal commitments of both parties. Redacted for a
reader and rendered as text and as Block Kit, it may name no internal item of another organisation, by title or
by reference; for its own party's reader it keeps them. Unlike the world test (tests/core/test_trust.py) this
does not lean on the service and the schedule having filtered first: `redact` alone must hold the line.
"""

from __future__ import annotations

import dataclasses
import json
import re
import typing
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from types import NoneType, UnionType
from typing import Any

import pytest

from bot.core.checkins.results import CheckinAnswered
from bot.core.commitments.commands import ListFilter
from bot.core.outcomes import Dispatch, Outcome
from bot.core.trust import redact, visible
from bot.core.views import CommitmentView, PartyView
from bot.core.visibility import SHARED, Audience, private_to
from bot.slack.blocks import answers as answers_blocks
from bot.slack.replies import render
from bot.texts import answers as answers_texts

NOW = datetime(2026, 11, 24, 10, tzinfo=UTC)
ACME = PartyView(team_id="TACME", name="Acme", lead_id="UALICE", sponsor_id="UERIN")
GLOBEX = PartyView(team_id="TGLOBEX", name="Globex", lead_id="UPAUL", sponsor_id="UGUS")
SECRET = {"TACME": "Zanzibar", "TGLOBEX": "Quokka"}


def view(ref: int, party: PartyView, *, internal: bool, title: str) -> CommitmentView:
    return CommitmentView(
        ref=ref,
        title=title,
        owner_id=party.lead_id or "U1",
        party=party,
        due_at=NOW + timedelta(days=ref),
        owner_tz="UTC",
        status="open",
        milestone=False,
        slips=0,
        overdue=ref % 2 == 0,
        internal=internal,
    )


ITEMS = [
    view(21, ACME, internal=False, title="Joint launch plan"),
    view(22, ACME, internal=True, title="Zanzibar pricing floor"),
    view(23, GLOBEX, internal=False, title="Security review"),
    view(24, GLOBEX, internal=True, title="Quokka margin model"),
]
INTERNAL = {item.ref: item.party.team_id for item in ITEMS if item.internal}


def value(name: str, hint: Any, single: CommitmentView) -> Any:
    """A value for one field: commitments wherever they can go, the one `single` where only one fits."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is CommitmentView:
        return single
    if hint is PartyView:
        return single.party
    if origin in (UnionType, typing.Union):
        kinds = [a for a in args if a is not NoneType]
        return value(name, kinds[0], single)
    if origin is list:
        (inner,) = args
        if inner is CommitmentView:
            return list(ITEMS)
        if inner is CheckinAnswered:
            return [CheckinAnswered("U1", i.ref, i.title, "on_track", "") for i in ITEMS]
        if typing.get_origin(inner) is tuple and typing.get_args(inner)[0] is PartyView:
            rest = typing.get_args(inner)[1]
            return [
                (p, [i for i in ITEMS if i.party == p] if rest == list[CommitmentView] else value(name, rest, single))
                for p in (ACME, GLOBEX)
            ]
        if typing.get_origin(inner) is tuple:
            return [(i.ref, i.title, "due_moved", "U1") for i in ITEMS]
        if inner is int:
            return [i.ref for i in ITEMS]
        return [value(name, inner, single)]
    if origin is tuple:
        return tuple(value(name, args[0], single) for _ in range(2)) if args[-1] is Ellipsis else ()
    if origin is dict:
        if name == "internal":
            return dict(INTERNAL)
        return {}
    if dataclasses.is_dataclass(hint):
        return build(hint, single)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return next(iter(hint))
    if hint is datetime:
        return NOW
    if hint is date:
        return NOW.date()
    if hint is bool:
        return False
    if hint is int:
        return 1
    if hint is float:
        return 1.0
    if hint is str:
        words = {
            "kind": "done",
            "reason": "left_channel",
            "role": "contact",
            "answer": "on_track",
            "cadence": "default",
        }
        return {**words, "team_id": single.party.team_id}.get(name, "U1")
    if hint is ListFilter:
        return ListFilter.OPEN
    raise AssertionError(f"no sample for {name}: {hint!r}")


def build(kind: Any, single: CommitmentView) -> Any:
    hints = typing.get_type_hints(kind)
    return kind(**{f.name: value(f.name, hints[f.name], single) for f in dataclasses.fields(kind)})


KINDS = sorted(set(typing.get_args(Outcome)) | set(typing.get_args(Dispatch)), key=lambda k: k.__name__)
AUDIENCES = [SHARED, private_to("TACME"), private_to("TGLOBEX")]


def rendered(content: Any) -> str:
    if type(content) in typing.get_args(Outcome):
        text, body = render(content)
    else:
        text, body = answers_texts.dispatch(content), answers_blocks.dispatch(content, channel_id="C1")
    return f"{text}\n{json.dumps(body)}"


def named(said: str, ref: int) -> bool:
    said = re.sub(r"[Cc]heck-in #\d+", "check-in", said)
    return re.search(rf"(?<![\w<^])#{ref}(?!\d)|commitment:{ref}\b|item:{ref}\b|\"r\": ?{ref}\b", said) is not None


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
@pytest.mark.parametrize("audience", AUDIENCES, ids=["shared", "acme", "globex"])
def test_a_renderer_never_names_another_partys_internal_item(kind: type, audience: Audience) -> None:
    for single in ITEMS:
        content = build(kind, single)
        shown = redact(content, audience)
        if shown is None:
            continue
        said = rendered(shown)
        for item in ITEMS:
            if visible(item, audience):
                continue
            assert not named(said, item.ref), f"{kind.__name__} names #{item.ref} to {audience}:\n{said}"
            assert SECRET[item.party.team_id] not in said, f"{kind.__name__} shows {item.title} to {audience}"


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_a_party_still_reads_its_own_internal_items(kind: type) -> None:
    """Not by saying nothing: whatever showed Acme's internal item unredacted still shows it to Acme."""
    own = ITEMS[1]
    content = build(kind, own)
    if own.title not in rendered(content):
        pytest.skip("this kind names no commitment by title")
    shown = redact(content, private_to("TACME"))
    assert shown is not None and own.title in rendered(shown)
    shared = redact(content, SHARED)
    assert shared is None or own.title not in rendered(shared)
