"""The console's alliance (Acme and Globex, bot.console.world) with its four roles, for core tests of features that
run on the schedule: the clock's start, the callers, a courier that keeps every message, and the two steps every
such test begins with. The fixtures built on them are in tests/core/conftest.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.core.alliance import Caller
from bot.core.ports import Outgoing
from bot.core.service import AllianceService

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday
ALICE = Caller(channel_id="C1", user_id="UALICE")  # Acme's lead
ERIN = Caller(channel_id="C1", user_id="UERIN")  # Acme's sponsor
PAUL = Caller(channel_id="C1", user_id="UPAUL")  # Globex's lead
PIA = Caller(channel_id="C1", user_id="UPIA")  # Globex's sponsor


@dataclass
class Courier:
    """Keeps every message the sweep hands it, and answers like a platform (a message id)."""

    sent: list[Outgoing] = field(default_factory=list)

    def send(self, message: Outgoing) -> str | None:
        self.sent.append(message)
        return f"{len(self.sent)}.000100"

    def of(self, kind: type) -> list[Outgoing]:
        """The messages whose content is of `kind` (a result type of bot.core)."""
        return [m for m in self.sent if isinstance(m.content, kind)]


def run(service: AllianceService, text: str, caller: Caller = ALICE) -> object:
    return service.handle_text(text, caller).outcome


def with_roles(service: AllianceService) -> None:
    run(service, "lead <@UALICE>", ALICE)
    run(service, "sponsor <@UERIN>", ALICE)
    run(service, "lead <@UPAUL>", PAUL)
    run(service, "sponsor <@UPIA>", PAUL)
