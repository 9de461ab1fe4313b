"""The durable inbox: what Slack was told we received is in the database before Slack is told, and done once.

Bolt acknowledges a request before its listener has finished (`process_before_response=False`, needed for
Slack's 3-second clock), and Slack never sends an acknowledged request again. So a global middleware, which
Bolt runs before any listener and so before the acknowledgement, writes each verified request to the `inbox`
table (storage.inbox) under a key: the event id of an event, else a hash of the signed body. A key seen before
is a replay or a retry: acknowledged, and nothing else happens.

The listener then runs on Bolt's executor (`InboxExecutor`) with the request's ticket in its context. The first
unit of work that changes anything marks the row done in its own transaction (storage.db.commit_rider), so the
change and "done" are committed together: a replay after a crash never makes a commitment twice. Answers go to
Slack after that commit; a crash between the two loses at most that answer (the one-message window). A listener
that changed nothing (`who`, `list`) is marked done when it returns, after answering: a crash there answers
twice, never not at all. A listener that raised is marked failed (its person was told); one with no listener,
unhandled.

While a row is in hand its lease (judged by the database's clock) is renewed every few seconds. A row whose lease
ran out was left by a process that died: any running process claims it (one claim wins) and carries it out, signed
afresh with our secret, as if Slack had just sent it. A graceful shutdown waits for what is in flight, then hands
the rest back (lease ended) for the next process.

Slash commands, events, button clicks, shortcuts and form submissions are kept. A form's submission (and its
errors shown beside the fields) is still answered at once, as Bolt does; after a crash its replay records what was
submitted, with no form left to show errors in. `block_suggestion` (a select's options) is not kept: it changes
nothing and is answered synchronously.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from slack_bolt import Ack, App, BoltRequest, BoltResponse
from slack_bolt.request.internals import build_context
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session

from bot.slack import priority, signing
from bot.slack.group_commit import GroupCommit
from storage import inbox as rows
from storage.db import Database, commit_rider, may_wait
from storage.models import InboxEntry

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=10)
ACK_WAIT = 1.0  # seconds the request thread waits for a listener's ack before falling back to Bolt's polling
ACK_YIELD = 0.001
INTAKE_WAIT = 2.0  # seconds an acknowledgement may wait for SQLite's write lock (Slack allows 3 in all)
BEAT_SECONDS = 2.0
MAX_ATTEMPTS = 3  # a request that took its process down three times is given up, not replayed forever
KEEP = timedelta(days=1)  # finished rows are kept this long: far beyond the 5-minute signature window
NOT_KEPT = frozenset({"url_verification", "ssl_check", "block_suggestion"})
KEPT_HEADERS = ("content-type", "x-slack-retry-num", "x-slack-retry-reason")
# Kinds whose listeners all acknowledge with an empty body, first thing: once stored, the request thread gives that
# acknowledgement itself instead of waiting for a listener thread to be free to give it. Under a burst the
# listeners queue (each one's work takes the database and Slack's round trips), and an acknowledgement that waits
# behind them misses Slack's 3 seconds. A form's submission is not among them: its answer may be errors to show.
EARLY_ACK = frozenset({"slash_command", "block_actions", "shortcut", "message_action"})

_T = TypeVar("_T")


class Superseded(Exception):
    """This process lost the request to another (its lease ran out while it worked): it stands down, unchanged."""


class Ticket:
    """One stored request being carried out in this process."""

    def __init__(self, inbox: Inbox, entry_id: int, *, replay: bool, kind: str = "") -> None:
        self.inbox = inbox
        self.entry_id = entry_id
        self.replay = replay
        self.early_ack = kind in EARLY_ACK
        self.submitted = False  # Bolt started a listener for it
        self.pending = 0  # listener runs not finished yet
        self.failed = False
        self.ack = PromptAck()
        self.settled = False  # "done" written in a transaction of the listener's own work
        self.finished = threading.Event()

    def settle(self, session: Session) -> None:
        """The commit rider: mark the row done in the transaction of the listener's first change."""
        commit_rider.set(None)
        if not rows.finish(session, entry_id=self.entry_id, owner=self.inbox.owner, outcome=rows.DONE):
            raise Superseded(f"inbox entry {self.entry_id} is no longer this process's")
        self.settled = True


# The ticket of the request being handled in this context (set by the middleware, carried to the listener).
current: contextvars.ContextVar[Ticket | None] = contextvars.ContextVar("inbox_ticket", default=None)
# Set while the inbox replays a stored request, so the middleware does not store it again.
_replaying: contextvars.ContextVar[Ticket | None] = contextvars.ContextVar("inbox_replaying", default=None)


def replaying() -> bool:
    return _replaying.get() is not None


class PromptAck(Ack):
    """Bolt's `ack()`, which also wakes the request thread waiting for it in `InboxExecutor.submit`.

    Bolt's runner looks for the acknowledgement every 10 ms after starting the listener; waiting for it here
    instead answers Slack as soon as the listener has acknowledged, which pays for the inbox's write.
    """

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.given = threading.Event()

    def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        if self.given.is_set() and self.response is not None:
            return self.response  # acknowledged already, by the request thread (EARLY_ACK)
        response = super().__call__(*args, **kwargs)
        self.given.set()
        time.sleep(ACK_YIELD)  # let the request thread take the interpreter and answer before the work goes on
        return response

    def now(self) -> None:
        """The empty acknowledgement, from the request thread: the request is stored, so Slack may be told."""
        super().__call__()
        self.given.set()


class InboxExecutor(ThreadPoolExecutor):
    """Bolt's listener executor: each listener runs in a copy of the submitting context (so it knows its ticket),
    with the ticket's commit rider, and the ticket is completed when the listener returns."""

    def __init__(self, inbox: Inbox, max_workers: int) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="listener")
        self.inbox = inbox

    def submit(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> Future[_T]:
        ticket = current.get()
        if ticket is not None:
            ticket.inbox.started(ticket)
        context = contextvars.copy_context()
        if ticket is not None and ticket.early_ack:
            ticket.ack.now()
        future = super().submit(context.run, self._carry_out, ticket, fn, *args, **kwargs)
        if ticket is not None:
            if not ticket.early_ack:
                turn = priority.in_hand.get()
                if turn is not None:
                    turn.leave()  # the acknowledgement is the listener's to give now: it must not step aside for it
            ticket.ack.given.wait(timeout=ACK_WAIT)
        return future

    def _carry_out(self, ticket: Ticket | None, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> _T:
        token = commit_rider.set(ticket.settle if ticket is not None else None)
        deferring = priority.deferring_to.set(self.inbox.acks_first)
        unit_token = may_wait.set(priority.wait_turn)
        try:
            if ticket is None or ticket.early_ack:
                priority.wait_turn()
            return fn(*args, **kwargs)
        finally:
            may_wait.reset(unit_token)
            priority.deferring_to.reset(deferring)
            commit_rider.reset(token)
            if ticket is not None:
                ticket.ack.given.set()  # no ack coming (the listener failed first): stop waiting for one
                ticket.inbox.ended(ticket)


class InboxApp(App):
    """Bolt's App, each request dispatched in a context of its own (its inbox ticket stays with it). A request
    the inbox stored but no listener took (none matched, or a middleware answered it) is completed here."""

    acks_first: priority.AcksFirst | None = None

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        _reparse_form(req)
        context = contextvars.copy_context()
        if self.acks_first is None or replaying():
            response = context.run(super().dispatch, req)
        else:
            with self.acks_first.acknowledging() as turn:
                response = context.run(self._dispatch_in_hand, req, turn)
        ticket = context.get(current)
        if ticket is not None and not ticket.submitted:
            ticket.inbox.complete(ticket)
        return response

    def _dispatch_in_hand(self, req: BoltRequest, turn: priority.Turn) -> BoltResponse:
        priority.in_hand.set(turn)
        return super().dispatch(req)


class Inbox:
    def __init__(
        self,
        db: Database,
        *,
        signing_secret: str,
        owner: str | None = None,
        lease: timedelta = LEASE,
        workers: int = 5,
    ) -> None:
        self.db = db
        # The intake has an engine of its own, tuned for one-row writes an acknowledgement waits on.
        # SQLite has one writer: a long transaction (a channel's first use asks Slack about its members) would hold
        # the acknowledgement past Slack's 3 seconds. The intake waits for the lock INTAKE_WAIT at most; past that,
        # the request is carried out without its inbox row (logged), as before the inbox existed. And it goes before
        # the listeners' transactions waiting for SQLite's lock in this process (their work was acknowledged).
        # PostgreSQL: each statement commits itself (no BEGIN/COMMIT round trips), a connection is not pinged before
        # each use (`take` tries once more on a new one), and the ack does not wait for the commit to reach the disk.
        # On both, a stored row survives a killed process at once, and reaches the disk a moment later (SQLite: with
        # the next synced commit; PostgreSQL: within 200 ms): only a crash of the machine in between could lose it.
        self.sqlite = db.engine.dialect.name == "sqlite"
        self.intake = Database(
            db.url,
            busy_seconds=INTAKE_WAIT,
            sync_every_commit=False,
            first_in_line=True,
            autocommit=not self.sqlite,
            ping=False,
        )
        # SQLite (a file): the intake's two writes, the request and its end, go straight through the driver
        # (Database.driver_write): through a session each cost more than Bolt's whole handling of the request.
        self.driver = self.intake.sqlite_file is not None
        self.secret = signing_secret
        self.owner = (owner or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}")[:80]
        self.lease = lease
        self.acks_first = priority.AcksFirst()
        self._together: GroupCommit[rows.Received, int | None] = GroupCommit(self._store)
        self.workers = workers
        self.executor = InboxExecutor(self, max_workers=workers)
        self.app: App | None = None
        self._held: dict[int, Ticket] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._forgotten_at = 0.0

    # ---- taking requests in ------------------------------------------------------------------------------------

    def middleware(self) -> Callable[..., BoltResponse | None]:
        """Bolt's first global middleware: store the request (or recognise a replay) before anything answers it."""

        def keep(request: BoltRequest, next: Callable[[], None]) -> BoltResponse | None:
            replay = _replaying.get()
            current.set(replay)
            if replay is not None:
                request.context["ack"] = replay.ack
            if replay is None and kind_of(request.body) not in NOT_KEPT:
                try:
                    ticket = self.take(request)
                except OperationalError:
                    if not self.sqlite:
                        raise
                    log.warning("the database stayed locked; this request is carried out without its inbox row")
                    next()
                    return None
                if ticket is None:
                    log.info("a request already received was sent again; acknowledged, not carried out again")
                    return BoltResponse(status=200, body="")
                current.set(ticket)
                request.context["ack"] = ticket.ack
            next()
            return None

        return keep

    def take(self, request: BoltRequest) -> Ticket | None:
        """Write the request down; its ticket, or None when it was written before (a replay, a retry)."""
        if request.mode == "socket_mode":
            body = json.dumps(request.body, separators=(",", ":"), sort_keys=True)
        else:
            body = request.raw_body
        headers = {name: request.headers[name][0] for name in KEPT_HEADERS if request.headers.get(name)}
        kind = kind_of(request.body)
        received = rows.Received(key_of(request.body, body), kind, request.mode, body, json.dumps(headers))
        # PostgreSQL: requests that arrive together share one round trip. SQLite's writes are in-process and one at a
        # time anyway; there the hand-offs between waiting threads cost more than they save (bench/load.py: p99
        # 1.85-2.2x bare alone, 2.2-2.9x grouped).
        entry_id = self._store([received])[0] if self.sqlite else self._together.submit(received)
        return None if entry_id is None else self._hold(entry_id, replay=False, kind=kind)

    def _store(self, received: Sequence[rows.Received]) -> list[int | None]:
        """Write requests that arrived together in one statement (bot.slack.group_commit)."""
        try:
            return self._store_once(received, again=False)
        except DBAPIError as error:
            # The intake does not ping a connection before each use (a round trip per acknowledgement): one the
            # database dropped (a restart, a failover) fails once, and the requests go on a new one.
            if not error.connection_invalidated:
                raise
            log.warning("the database connection had dropped; storing the request on a new one")
        return self._store_once(received, again=True)

    def _store_once(self, received: Sequence[rows.Received], *, again: bool) -> list[int | None]:
        if self.driver:
            return rows.store_many_sqlite(self.intake, received, owner=self.owner, lease=self.lease)
        with self.intake.session() as session:
            ids = rows.store_many(session, received, owner=self.owner, lease=self.lease)
            if again:
                # The first try may have been stored before its connection dropped: such a row is ours (only for
                # a key's first request in the batch; a second one under the same key is a replay either way).
                seen: set[str] = set()
                for n, request in enumerate(received):
                    if ids[n] is None and request.key not in seen:
                        ids[n] = rows.unfinished(session, key=request.key, owner=self.owner)
                    seen.add(request.key)
        return ids

    def _hold(self, entry_id: int, *, replay: bool, kind: str = "") -> Ticket:
        ticket = Ticket(self, entry_id, replay=replay, kind=kind)
        with self._lock:
            self._held[entry_id] = ticket
        return ticket

    def started(self, ticket: Ticket) -> None:
        with self._lock:
            ticket.submitted = True
            ticket.pending += 1

    def ended(self, ticket: Ticket) -> None:
        with self._lock:
            ticket.pending -= 1
            last = ticket.pending == 0
        if last:
            self.complete(ticket)

    def complete(self, ticket: Ticket) -> None:
        """The listener has returned (or none was found): record how it ended, unless its work already did."""
        if ticket.failed:
            outcome = rows.FAILED
        elif ticket.submitted:
            outcome = rows.DONE
        else:
            outcome = rows.UNHANDLED
        if not ticket.settled or ticket.failed:
            try:
                self._finish(ticket.entry_id, outcome)
            except Exception:
                log.exception(
                    "could not mark inbox entry %d %s; it will be carried out again", ticket.entry_id, outcome
                )
                return
        with self._lock:
            self._held.pop(ticket.entry_id, None)
        ticket.finished.set()

    def _finish(self, entry_id: int, outcome: str) -> None:
        # The inbox's own bookkeeping goes through the intake (on SQLite: no disk sync per commit, so the next
        # request is not kept waiting behind it); if SQLite stays locked past its short wait, the patient engine.
        try:
            if self.driver:
                rows.finish_sqlite(self.intake, entry_id=entry_id, owner=self.owner, outcome=outcome)
            else:
                with self.intake.session() as session:
                    rows.finish(session, entry_id=entry_id, owner=self.owner, outcome=outcome)
        except OperationalError:
            if not self.sqlite:
                raise
            with self.db.session() as session:
                rows.finish(session, entry_id=entry_id, owner=self.owner, outcome=outcome)

    def in_flight(self) -> int:
        with self._lock:
            return len(self._held)

    # ---- leases, replays and shutdown ----------------------------------------------------------------------------

    def start(self, app: App) -> None:
        """Keep our leases alive and carry out what dead processes left, from now on (the first pass at once)."""
        self.app = app
        # The connections the first requests will want at once, opened before any arrives: one per listener, and
        # the acknowledgements' own (their group commit, the listeners' "done").
        self.db.warm(self.workers + 1)
        self.intake.warm(self.workers + 1)
        self._thread = threading.Thread(target=self._run, name="inbox", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.is_set():
            for step in (self.renew, self.replay_abandoned, self.forget):
                try:
                    step()
                except Exception:
                    log.exception("inbox: %s failed; trying again in %.0f s", step.__name__, BEAT_SECONDS)
            self._stopping.wait(BEAT_SECONDS)

    def renew(self) -> None:
        with self._lock:
            ids = list(self._held)
        if ids:
            with self.intake.session() as session:
                rows.renew(session, owner=self.owner, ids=ids, lease=self.lease)

    def replay_abandoned(self) -> int:
        """Claim and carry out rows whose owner died; how many were started."""
        with self.db.session() as session:
            ids = rows.abandoned(session, limit=50)
        started = 0
        for entry_id in ids:
            if self._stopping.is_set():
                break
            with self.db.session() as session:
                entry = rows.claim(session, entry_id=entry_id, owner=self.owner, lease=self.lease)
                if entry is not None and entry.attempts > MAX_ATTEMPTS:
                    rows.finish(session, entry_id=entry_id, owner=self.owner, outcome=rows.ABANDONED)
                    log.error("inbox entry %d (%s) was tried %d times; given up", entry_id, entry.kind, MAX_ATTEMPTS)
                    continue
            if entry is not None:
                log.info(
                    "carrying out inbox entry %d (%s), left unfinished by %s", entry_id, entry.kind, "a stopped process"
                )
                self.replay(entry)
                started += 1
        return started

    def replay(self, entry: InboxEntry) -> None:
        assert self.app is not None and entry.id is not None
        ticket = self._hold(entry.id, replay=True)
        request = self.request_of(entry)
        app = self.app

        def dispatch() -> BoltResponse:
            _replaying.set(ticket)
            return app.dispatch(request)

        try:
            contextvars.copy_context().run(dispatch)
        except Exception:
            log.exception("replaying inbox entry %d failed", entry.id)
            ticket.failed = True
            self.complete(ticket)

    def request_of(self, entry: InboxEntry) -> BoltRequest:
        headers: dict[str, str | Sequence[str]] = json.loads(entry.headers)
        if entry.mode == "socket_mode":
            return BoltRequest(body=json.loads(entry.body), headers=headers, mode="socket_mode")
        headers.update(signing.headers(self.secret, entry.body.encode("utf-8")))
        return BoltRequest(body=entry.body, headers=headers)

    def forget(self) -> None:
        if time.monotonic() - self._forgotten_at < 3600:
            return
        with self.db.session() as session:
            gone = rows.forget(session, before=rows.db_now(session) - KEEP)
        self._forgotten_at = time.monotonic()
        if gone:
            log.info("inbox: forgot %d finished requests", gone)

    def stop(self, *, drain_seconds: float) -> int:
        """Take nothing more on; wait up to `drain_seconds` for what is in flight, then hand the rest back.
        Returns how many were handed back."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=drain_seconds)
        deadline = time.monotonic() + drain_seconds
        renewed = time.monotonic()
        while self.in_flight() and time.monotonic() < deadline:
            time.sleep(0.05)
            if time.monotonic() - renewed >= BEAT_SECONDS:
                renewed = time.monotonic()
                try:
                    self.renew()
                except Exception:
                    log.exception("inbox: renewing leases failed while draining")
        with self._lock:
            left = list(self._held)
        handed = 0
        if left:
            try:
                with self.db.session() as session:
                    handed = rows.hand_back(session, owner=self.owner, ids=left)
                log.warning("shutting down with %d request(s) unfinished: handed back for the next start", handed)
            except Exception:
                log.exception(
                    "could not hand back %d unfinished request(s); they are replayed once their lease ends", len(left)
                )
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.intake.dispose()
        return handed


def _reparse_form(req: BoltRequest) -> None:
    """Bolt reads any form body with the word "payload" in it as an interactivity payload, so a slash command whose
    text says "payload" (`/alliance commit Review the payload schema`) came out empty and was answered 404. A
    form with no `payload` field is read as the plain fields it is."""
    if req.mode != "http" or req.body or "payload" not in req.raw_body or req.raw_body.lstrip().startswith("{"):
        return
    fields = dict(parse_qsl(req.raw_body, keep_blank_values=True))
    if fields and "payload" not in fields:
        req.body = fields
        req.context = build_context(req.context, fields)


def kind_of(body: dict[str, Any]) -> str:
    if "command" in body:
        return "slash_command"
    if body.get("ssl_check"):
        return "ssl_check"
    kind = body.get("type")
    return kind[:32] if isinstance(kind, str) and kind else "unknown"


def key_of(body: dict[str, Any], raw: str) -> str:
    """An event's id (Slack retries an event under its id); else the signed body's hash (a replay's body is the same,
    and every command and click carries its own trigger id, so two different ones never share it)."""
    event_id = body.get("event_id")
    if body.get("type") == "event_callback" and isinstance(event_id, str) and event_id:
        return "event:" + event_id[:70]
    return "sha256:" + hashlib.sha256(raw.encode("utf-8")).hexdigest()
