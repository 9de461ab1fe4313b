"""A courier for core tests: keeps every message the sweep hands it, and answers like a platform (a message id)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.ports import Outgoing


@dataclass
class Courier:
    sent: list[Outgoing] = field(default_factory=list)

    def send(self, message: Outgoing) -> str | None:
        self.sent.append(message)
        return f"{len(self.sent)}.000100"

    def of(self, kind: type) -> list[Outgoing]:
        """The messages whose content is of `kind` (a result type of bot.core)."""
        return [m for m in self.sent if isinstance(m.content, kind)]
