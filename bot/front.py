"""What every front end (Slack, Teams, the console) does with a command, written once: carry it out for someone,
somewhere; explain a refusal privately; answer each part of the outcome where its readers may read it.

A front end subclasses `FrontEnd`, names its kind of place (a Slack channel and thread, a Teams activity, the
console's thread or channel) and supplies the few things only it knows: how to post, how to speak privately,
and which outcomes it answers in its own widgets (a form, a file).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Generic, TypeVar

from bot.core.alliance import Caller
from bot.core.checkins.results import CheckinCalled, Reported
from bot.core.errors import CommandError
from bot.core.grammar import Command
from bot.core.outcomes import Reply
from bot.core.people.departures import People
from bot.core.service import AllianceService
from bot.core.trust import Send, route
from bot.core.views import AllianceView
from bot.texts import answers as answers_texts

Place = TypeVar("Place")


class FrontEnd(ABC, Generic[Place]):
    """The answer routine and the handling of refusals, shared by every front end."""

    def __init__(self, *, service: AllianceService, wake_sweeper: Callable[[], object] | None = None) -> None:
        self.service = service
        # `checkin now` should not wait for the next minute's sweep.
        self.wake_sweeper = wake_sweeper

    @property
    def people(self) -> People:
        """Comings and goings (departures, returns, newcomers), as the platform's events report them."""
        return self.service.people

    def run(self, command: str | Command, caller: Caller, place: Place) -> Reply | None:
        """Carry out a typed command (its text) or a button's (the command itself) and answer it at `place`;
        None when it was refused, which the caller has been told."""
        try:
            if isinstance(command, str):
                reply = self.service.handle_text(command, caller)
            else:
                reply = self.service.handle(command, caller)
        except CommandError as e:
            self.refuse(e, place)
            return None
        self.answer(reply, caller, place)
        return reply

    def refuse(self, error: CommandError, place: Place) -> None:
        """A command that could not be carried out: the channel's introduction if this was its first use, then a
        private word on why."""
        if error.new_alliance is not None:
            self.announce(error.new_alliance, place)
        self.tell(place, answers_texts.error(error))

    def answer(self, reply: Reply, caller: Caller, place: Place) -> None:
        """The channel's introduction if the command created its alliance; then the answer, each part where its
        readers may read it (`bot.core.trust.route`), unless the front end answers this kind in its own way."""
        if reply.new_alliance is not None:
            self.announce(reply.new_alliance, place)
        if not self.answer_own_way(reply, caller, place):
            for send in route(reply.outcome, here=reply.here, viewer=reply.viewer, public=self.public(reply, place)):
                self.answer_part(send, reply, caller, place)
        self.after(reply, caller, place)

    def after(self, reply: Reply, caller: Caller, place: Place) -> None:
        """What follows an answer: a check-in called now goes out now, and so does a help request to the lead,
        not at the next minute's sweep."""
        help_asked = isinstance(reply.outcome, Reported) and reply.outcome.helper_id is not None
        if (isinstance(reply.outcome, CheckinCalled) or help_asked) and self.wake_sweeper is not None:
            self.wake_sweeper()

    def answer_own_way(self, reply: Reply, caller: Caller, place: Place) -> bool:
        """Answer an outcome the platform shows in its own widgets (a form, a file); False for all the others."""
        return False

    @abstractmethod
    def announce(self, alliance: AllianceView, place: Place) -> None:
        """Introduce a new alliance in its channel."""

    @abstractmethod
    def tell(self, place: Place, text: str) -> None:
        """A private word to the person at `place` (a refusal, a hint)."""

    @abstractmethod
    def public(self, reply: Reply, place: Place) -> bool:
        """Whether everyone at `place` reads the answer (a thread, an announced change), or only the caller."""

    @abstractmethod
    def answer_part(self, send: Send, reply: Reply, caller: Caller, place: Place) -> None:
        """One part of an answer, to where `route` sent it: here, the caller alone, or their party's channel."""
