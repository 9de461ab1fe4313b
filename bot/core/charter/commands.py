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
