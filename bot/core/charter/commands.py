"""The charter, decision and dispute commands, as plain data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ShowCharter:
    pass


@dataclass(frozen=True)
class EditCharter:
    """`charter edit`: the adapter opens its form (a Slack modal) or offers a button that does."""


@dataclass(frozen=True)
class WriteCharter:
    """`charter goal …`, `charter deciders @a @b`, …: one field of the charter written by text, where there is no
    form (the console, Teams, or anyone who prefers typing). `field` is a key of the charter's FIELDS (`goal` adds
    one goal); `people` the mentioned user ids, for the fields that name people."""

    field: str
    text: str = ""
    people: tuple[str, ...] = ()


@dataclass(frozen=True)
class SignCharter:
    version: int | None = None  # from a button: the version its reader saw; None: the current one


@dataclass(frozen=True)
class Decide:
    text: str
    decided_by: str | None  # None: the caller
    consulted: tuple[str, ...] = ()


@dataclass(frozen=True)
class ListDecisions:
    pass


@dataclass(frozen=True)
class OpenDispute:
    topic: str


@dataclass(frozen=True)
class ListDisputes:
    pass


@dataclass(frozen=True)
class ResolveDispute:
    ref: int
    outcome: str
