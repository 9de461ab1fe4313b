"""The errors the core expects and the adapters explain: each carries the facts, not the prose."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.outcomes import AllianceView


class CommandError(Exception):
    """Something the user can fix by typing it differently. Nothing was changed.

    `new_alliance` is set when the failed command was the channel's first use: the alliance exists now and
    still deserves its introduction.
    """

    new_alliance: AllianceView | None = None


class NoSuchCommitment(CommandError):
    def __init__(self, ref: int) -> None:
        super().__init__(ref)
        self.ref = ref


class AlreadyClosed(CommandError):
    def __init__(self, ref: int, status: str) -> None:
        super().__init__(ref, status)
        self.ref = ref
        self.status = status


class UnknownPerson(CommandError):
    """The platform does not know this user id."""

    def __init__(self, user_id: str) -> None:
        super().__init__(user_id)
        self.user_id = user_id


class NotAPerson(CommandError):
    """Only people can own things: a bot was named."""

    def __init__(self, user_id: str) -> None:
        super().__init__(user_id)
        self.user_id = user_id


class DepartedPerson(CommandError):
    """The named person's account is deactivated, or (`left_channel`) they have left this alliance's channel."""

    def __init__(self, user_id: str, *, left_channel: bool = False) -> None:
        super().__init__(user_id)
        self.user_id = user_id
        self.left_channel = left_channel


class NotAllowed(CommandError):
    def __init__(self, reason: str, holder_id: str | None = None, ref: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.holder_id = holder_id
        self.ref = ref  # the commitment it was about, if one


class SameDue(CommandError):
    def __init__(self, ref: int, due: datetime) -> None:
        super().__init__(ref, due)
        self.ref = ref
        self.due = due
