"""The commitment commands, as plain data: what the grammar reads and the handlers carry out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class ListFilter(StrEnum):
    OPEN = "open"
    MINE = "mine"
    OVERDUE = "overdue"
    DONE = "done"
    PERSON = "person"


@dataclass(frozen=True)
class Commit:
    title: str
    due_phrase: str | None
    owner_id: str | None  # None: the caller
    milestone: bool = False
    internal: bool = False  # internal to the owner's party (`--internal`)


@dataclass(frozen=True)
class OpenForm:
    """`commit` with nothing after it: the adapter shows its form (a Slack modal)."""

    prefill: str = ""


@dataclass(frozen=True)
class WhoOwns:
    query: str


@dataclass(frozen=True)
class OwnedBy:
    user_id: str


@dataclass(frozen=True)
class ListCommitments:
    filter: ListFilter
    user_id: str | None = None


@dataclass(frozen=True)
class Complete:
    ref: int


@dataclass(frozen=True)
class MoveDue:
    ref: int
    due_phrase: str


@dataclass(frozen=True)
class Reassign:
    ref: int
    user_id: str


@dataclass(frozen=True)
class Drop:
    ref: int
    reason: str


@dataclass(frozen=True)
class Show:
    ref: int


@dataclass(frozen=True)
class FormEntry:
    """What the commitment form (a Slack modal, a Teams card) submits."""

    title: str
    owner_id: str
    due_date: date
    milestone: bool
    internal: bool = False
