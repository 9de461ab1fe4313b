"""Which installation speaks: one bot token for one workspace, or each workspace's own installation (OAuth).

With one token (`OneWorkspace`) every answer goes through it. Installed in many workspaces (`ManyWorkspaces`),
both organisations of a shared channel may have the bot, so two bot users sit in the channel and each request
arrives through one installation. The rules, in one place:

- an answer to a request (an ephemeral line, a modal, a DM) uses the installation the request came through;
- what the channel hears comes from ONE installation, the alliance's voice: its host's (the organisation that
  started it) when installed, else the first other party's that is;
- a DM the schedule sends to a person goes through their own organisation's installation when there is one.

The core never chooses: it is given `Installations.client`, a WebClient that picks the token per call by these
rules (`SpeakingClient`), and the courier asks `client_for` for each scheduled message.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from slack_bolt import BoltContext
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator
from slack_sdk.web import SlackResponse
from sqlalchemy import desc, select
from sqlmodel import col
from sqlmodel import select as select_model

from bot.slack.mrkdwn import GuardedWebClient
from storage.db import Database
from storage.models import Alliance, Party, Person
from storage.slack_tables import SLACK_BOTS

log = logging.getLogger(__name__)

# The bot token of the installation the request being handled came through (None outside a request: the sweep).
# Set by the per-request middleware; listeners run in a copy of the request's context (bot.slack.inbox).
speaking: contextvars.ContextVar[str | None] = contextvars.ContextVar("speaking_token", default=None)

ROTATE_MINUTES = 120  # refresh a rotating bot token this long before it expires (Bolt's default too)
STATE_SECONDS = 600  # an install link's state is good for ten minutes

# Methods that put something in a conversation everyone in it sees: they speak with the alliance's voice. Not
# files.completeUploadExternal: a file belongs to the installation that asked for its upload URL (a call that names
# no channel), so both steps of an upload go through the same one, the request's.
CHANNEL_VOICE = frozenset({"chat.postMessage", "chat.update", "chat.getPermalink", "pins.add", "reactions.add"})


class Installations(Protocol):
    """The one interface the front end, the courier and the app ask: which client speaks."""

    @property
    def client(self) -> WebClient:
        """The client for the core: it picks its token per call (one token, or by the rules above)."""

    def client_for_team(self, team_id: str) -> WebClient | None: ...

    def voice_for_channel(self, channel_id: str) -> WebClient | None: ...

    def voices_for_channel(self, channel_id: str) -> list[WebClient]:
        """Every installation that may speak in the channel, the voice first (the others: if its bot is not there)."""

    def client_for_person(self, user_id: str) -> WebClient | None: ...

    def client_for(self, *, channel_id: str, recipient_id: str | None) -> WebClient | None: ...

    def listing_client(self, team_id: str) -> WebClient | None:
        """The client whose users.list lists that workspace's people (our installation there), or None."""

    def workspace_for(self, *, channel_id: str, recipient_id: str | None) -> str | None:
        """The installation `client_for` sends the same message through, named for the delivery budget it draws
        on; None for the one installation there is (or none)."""

    def bot_user_ids(self) -> frozenset[str]: ...

    def middleware(self) -> Callable[..., None]: ...


def bolt_middleware(
    client: WebClient, *, on_request: Callable[[BoltContext], None] | None = None
) -> Callable[..., None]:
    """Bolt hands each listener a fresh plain WebClient (and `say` built on it); hand them ours instead, so what
    any listener posts passes the same mrkdwn guard (`bot.slack.mrkdwn`) and speaks by the rules above."""

    def use_ours(context: BoltContext, next: Callable[[], None]) -> None:
        if on_request is not None:
            on_request(context)
        context["client"] = client
        context.pop("say", None)  # built lazily on the client; it may have been built on Bolt's already
        next()

    return use_ours


class OneWorkspace:
    """SLACK_BOT_TOKEN: one workspace, one bot, one token for everything."""

    def __init__(self, client: WebClient) -> None:
        self._client = client
        self._team_id: str | None = None  # the token's workspace, asked once (auth.test)

    @property
    def client(self) -> WebClient:
        return self._client

    def client_for_team(self, team_id: str) -> WebClient | None:
        return self._client

    def voice_for_channel(self, channel_id: str) -> WebClient | None:
        return self._client

    def voices_for_channel(self, channel_id: str) -> list[WebClient]:
        return [self._client]

    def client_for_person(self, user_id: str) -> WebClient | None:
        return self._client

    def client_for(self, *, channel_id: str, recipient_id: str | None) -> WebClient | None:
        return self._client

    def listing_client(self, team_id: str) -> WebClient | None:
        """The token's own workspace only: users.list with a workspace's token lists that workspace, whatever
        `team_id` it is given. A failed auth.test raises, and is asked again next time."""
        if self._team_id is None:
            self._team_id = str(self._client.auth_test()["team_id"])
        return self._client if team_id == self._team_id else None

    def workspace_for(self, *, channel_id: str, recipient_id: str | None) -> str | None:
        return None  # one workspace: one budget

    def bot_user_ids(self) -> frozenset[str]:
        return frozenset()  # Bolt knows its one bot (context.bot_user_id); there is no twin

    def middleware(self) -> Callable[..., None]:
        return bolt_middleware(self._client)


class SpeakingClient(GuardedWebClient):
    """A WebClient without a token of its own: each call is made with the token `choose(method, args)` names."""

    def __init__(self, choose: Callable[[str, dict[str, Any]], str | None], **kwargs: Any) -> None:
        super().__init__(token=None, **kwargs)
        self.choose = choose

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        if kwargs.get("auth") is not None:  # the app's own credentials (oauth.v2.access): no workspace's token
            return super().api_call(api_method, **kwargs)
        args = {**(kwargs.get("params") or {}), **(kwargs.get("data") or {}), **(kwargs.get("json") or {})}
        token = self.choose(api_method, args)
        try:
            return self._as(token, api_method, kwargs)
        except SlackApiError as e:
            # The voice's bot was never invited to the channel: the installation the request came through
            # answers instead (two voices beat none; inviting the host's bot restores one).
            request = speaking.get()
            if e.response.get("error") != "not_in_channel" or request is None or request == token:
                raise
            log.info(
                "the alliance's voice is not in %s; answering through the request's installation", args.get("channel")
            )
            return self._as(request, api_method, kwargs)

    def _as(self, token: str | None, api_method: str, kwargs: dict[str, Any]) -> SlackResponse:
        if token is not None:
            kwargs = {**kwargs, "headers": {**(kwargs.get("headers") or {}), "Authorization": f"Bearer {token}"}}
        return super().api_call(api_method, **kwargs)


class ManyWorkspaces:
    """SLACK_CLIENT_ID + SLACK_CLIENT_SECRET: installations kept by Bolt's OAuth flow in our database."""

    def __init__(
        self,
        db: Database,
        *,
        client_id: str,
        client_secret: str,
        make_client: Callable[[str | None], WebClient],
        rotate: bool = True,
    ) -> None:
        self.db = db
        self.client_id = client_id
        self.make_client = make_client
        self.store = SQLAlchemyInstallationStore(client_id=client_id, engine=db.engine)
        self.states = SQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=db.engine)
        self.rotator = (
            TokenRotator(client_id=client_id, client_secret=client_secret, client=make_client(None)) if rotate else None
        )
        self._rotating = threading.Lock()
        self._enterprises: dict[str, str] = {}  # team id -> its Enterprise Grid org, learned from requests
        base = make_client(None)
        self._client = SpeakingClient(
            self.choose, base_url=base.base_url, timeout=base.timeout, retry_handlers=list(base.retry_handlers)
        )

    @property
    def client(self) -> WebClient:
        return self._client

    # ---- the installations ----------------------------------------------------------------------------------

    def bot_for_team(self, team_id: str) -> Bot | None:
        """The newest installation serving a workspace: its own, or its Grid organisation's org-wide one. A bot
        token about to expire is refreshed first (and kept)."""
        bot = self._installed(team_id)
        return self._fresh(bot) if bot is not None else None

    def _installed(self, team_id: str) -> Bot | None:
        """The newest installation serving a workspace, as stored (its token perhaps about to expire)."""
        c = SLACK_BOTS.c
        query = select(SLACK_BOTS).where(c.client_id == self.client_id, c.bot_token.is_not(None))
        enterprise = self._enterprises.get(team_id)
        if enterprise is not None:
            query = query.where((c.team_id == team_id) | ((c.enterprise_id == enterprise) & c.is_enterprise_install))
        else:
            query = query.where(c.team_id == team_id)
        with self.db.session() as session:  # joins the thread's unit of work: a look-up mid-command never waits on it
            row = session.connection().execute(query.order_by(desc(c.installed_at)).limit(1)).mappings().first()
        return SQLAlchemyInstallationStore.build_bot_entity(row) if row is not None else None

    def _fresh(self, bot: Bot) -> Bot:
        if self.rotator is None or not bot.bot_refresh_token:
            return bot
        with self._rotating:  # a refresh token is good once: one refresh at a time in this process
            newest = self.store.find_bot(
                enterprise_id=bot.enterprise_id, team_id=bot.team_id, is_enterprise_install=bot.is_enterprise_install
            )
            bot = newest or bot
            refreshed = self.rotator.perform_bot_token_rotation(bot=bot, minutes_before_expiration=ROTATE_MINUTES)
            if refreshed is None:
                return bot
            self.store.save_bot(refreshed)
            log.info("refreshed the bot token of workspace %s", bot.team_id or bot.enterprise_id)
            return refreshed

    def _token_for_team(self, team_id: str | None) -> str | None:
        bot = self.bot_for_team(team_id) if team_id else None
        return bot.bot_token if bot is not None else None

    def bot_user_ids(self) -> frozenset[str]:
        """Every installation's bot user: the bot ignores its twin's messages and joins as it does its own."""
        c = SLACK_BOTS.c
        query = select(c.bot_user_id).where(c.client_id == self.client_id, c.bot_user_id.is_not(None)).distinct()
        with self.db.session() as session:
            return frozenset(str(v) for v in session.connection().execute(query).scalars())

    def forget(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """An uninstall or a revoked token: the workspace's installation and bot are gone for good."""
        self.store.delete_installation(enterprise_id=enterprise_id, team_id=team_id)
        self.store.delete_bot(enterprise_id=enterprise_id, team_id=team_id)

    # ---- who speaks -----------------------------------------------------------------------------------------

    def voice_team(self, channel_id: str) -> str | None:
        """The workspace whose installation speaks in an alliance's channel: the host's, else the first other
        party's that has the bot. None when the channel has no alliance or no party has installed."""
        for team_id in self._parties_of(channel_id):
            if self._installed(team_id) is not None:  # whether one is installed; its token is refreshed on use
                return team_id
        return None

    def _parties_of(self, channel_id: str) -> list[str]:
        with self.db.session() as session:
            alliance = session.exec(
                select_model(Alliance).where(Alliance.platform == "slack", Alliance.channel_id == channel_id)
            ).first()
            if alliance is None:
                return []
            parties = session.exec(
                select_model(Party.team_id).where(Party.alliance_id == alliance.id).order_by(col(Party.id))
            ).all()
            return _unique([alliance.host_team_id, *parties])

    def team_of_person(self, user_id: str) -> str | None:
        with self.db.session() as session:
            person = session.get(Person, user_id)
            return person.team_id if person is not None else None

    def client_for_team(self, team_id: str) -> WebClient | None:
        token = self._token_for_team(team_id)
        return self.make_client(token) if token else None

    def voice_for_channel(self, channel_id: str) -> WebClient | None:
        return self.client_for_team(self.voice_team(channel_id) or "")

    def voices_for_channel(self, channel_id: str) -> list[WebClient]:
        clients = (self.client_for_team(team_id) for team_id in self._parties_of(channel_id))
        return [c for c in clients if c is not None]

    def client_for_person(self, user_id: str) -> WebClient | None:
        return self.client_for_team(self.team_of_person(user_id) or "")

    def listing_client(self, team_id: str) -> WebClient | None:
        """The workspace's own installation (or its Grid organisation's org-wide one, whose users.list takes the
        `team_id`); None where we are not installed: a partner met only in a Slack Connect channel."""
        return self.client_for_team(team_id)

    def client_for(self, *, channel_id: str, recipient_id: str | None) -> WebClient | None:
        """A scheduled message: a DM through the person's own organisation's installation (else the alliance's
        voice, which can reach them in the shared channel's organisations); a channel post in the voice."""
        if recipient_id is not None:
            return self.client_for_person(recipient_id) or self.voice_for_channel(channel_id)
        return self.voice_for_channel(channel_id)

    def workspace_for(self, *, channel_id: str, recipient_id: str | None) -> str | None:
        """The installation `client_for` sends the same message through, by its rules: its workspace, or its Grid
        organisation for an org-wide install (one token for all its workspaces). Slack keeps each installation's
        budget apart, so each has its own in the sweep. None when none is installed (nothing can go)."""
        bot = None
        if recipient_id is not None:
            bot = self._installed(self.team_of_person(recipient_id) or "")
        if bot is None:
            bot = self._installed(self.voice_team(channel_id) or "")
        if bot is None:
            return None
        return bot.enterprise_id if bot.is_enterprise_install and bot.enterprise_id else bot.team_id

    def choose(self, method: str, args: dict[str, Any]) -> str | None:
        """The token for one call of the core's client (see the module's rules)."""
        channel = args.get("channel") or args.get("channel_id")
        in_channel = isinstance(channel, str) and channel[:1] in ("C", "G")
        if method in CHANNEL_VOICE and in_channel:
            voice = self._token_for_team(self.voice_team(str(channel)))
            if voice is not None:
                return voice
        request = speaking.get()
        if request is not None:
            return request
        person = args.get("user") or args.get("users")
        if isinstance(person, str) and person:
            token = self._token_for_team(self.team_of_person(person.split(",")[0]))
            if token is not None:
                return token
        if in_channel:
            token = self._token_for_team(self.voice_team(str(channel)))
            if token is not None:
                return token
        return self._any_token()

    def _any_token(self) -> str | None:
        """Outside a request, for a look-up no rule names (a profile, a channel's members): any installation
        answers for a shared channel's people; the newest is as good as any."""
        c = SLACK_BOTS.c
        query = select(c.team_id).where(c.client_id == self.client_id, c.bot_token.is_not(None))
        with self.db.session() as session:
            team_id = session.connection().execute(query.order_by(desc(c.installed_at)).limit(1)).scalar()
        return self._token_for_team(str(team_id)) if team_id else None

    def middleware(self) -> Callable[..., None]:
        def remember(context: BoltContext) -> None:
            speaking.set(context.bot_token)
            context["twin_bot_user_ids"] = sorted(self.bot_user_ids() - {context.bot_user_id or ""})
            if context.team_id and context.enterprise_id:
                self._enterprises[context.team_id] = context.enterprise_id

        return bolt_middleware(self._client, on_request=remember)


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))
