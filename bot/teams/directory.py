"""The core's Directory for Teams: people and parties from the conversation's roster and the activities we see.

A person is known to the core by their Microsoft Entra object id. Their party is their own tenant; a guest
(an account of the host tenant for someone from outside) belongs to the organisation of their mail domain,
so the partner's guests are recognised as the other party. Teams tells a bot nobody's time zone except in the
activities they send, so a person's zone is learnt when they speak; until then it is their colleagues' zone
(UTC when none of their organisation has spoken yet).
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta

from bot.core.clock import Clock
from bot.core.ports import ChannelFacts, Listing, PrivateChannel, Profile
from bot.teams.activity import Account, Activity
from bot.teams.connector import Connector, ConnectorError
from storage import teams as teams_store
from storage.db import Database
from storage.models import TeamsConversation, TeamsMember

log = logging.getLogger(__name__)

ROSTER_TTL = timedelta(hours=24)  # as long as the core keeps a profile
SECOND_LEVEL = {"co", "com", "ac", "org", "net", "gov", "edu", "ltd", "plc"}


class TeamsDirectory:
    def __init__(self, db: Database, connector: Connector, clock: Clock) -> None:
        self.db = db
        self.connector = connector
        self.clock = clock

    # ---- the core's questions -------------------------------------------------------------------------------

    def profile(self, user_id: str) -> Profile | None:
        with self.db.session() as session:
            member = teams_store.get_member(session=session, user_id=user_id)
        if member is None:
            return None
        # Teams tells a zone only in the activities someone sends: until then it is unknown (""), and the core
        # stands in their colleagues' zone each time it reads them, rather than keep a guess as if it were theirs.
        return Profile(
            user_id=member.user_id, team_id=member.party, name=member.name, tz=member.tz, deleted=member.departed
        )

    def channel(self, channel_id: str) -> ChannelFacts:
        with self.db.session() as session:
            conversation = teams_store.conversation_of_channel(session=session, channel_key=channel_id)
        if conversation is None:
            return ChannelFacts(channel_id=channel_id, name=channel_id, host_team_id="")
        try:
            roster = self.connector.members(conversation.service_url, conversation.conversation_id)
        except (ConnectorError, OSError) as e:
            log.info("members of %s unavailable: %s", conversation.conversation_id, e)
            roster = []
        member_ids = []
        for data in roster:
            member = self.learn_member(data, host_tenant=conversation.tenant_id)
            if member is not None:
                member_ids.append(member.user_id)
        with self.db.session() as session:
            parties = [m.party for m in (teams_store.get_member(session=session, user_id=u) for u in member_ids) if m]
        return ChannelFacts(
            channel_id=channel_id,
            name=conversation.name or channel_id,
            host_team_id=conversation.tenant_id,
            team_ids=list(dict.fromkeys([conversation.tenant_id, *parties])),
            member_ids=member_ids,
        )

    def members(self, channel_id: str) -> list[str] | None:
        """Everyone in the conversation (the connector's member list); None when Teams would not say."""
        with self.db.session() as session:
            conversation = teams_store.conversation_of_channel(session=session, channel_key=channel_id)
        if conversation is None:
            return None
        try:
            roster = self.connector.members(conversation.service_url, conversation.conversation_id)
        except (ConnectorError, OSError) as e:
            log.info("members of %s unavailable: %s", conversation.conversation_id, e)
            return None
        found = (self.learn_member(data, host_tenant=conversation.tenant_id) for data in roster)
        return [member.user_id for member in found if member is not None]

    def people_of(self, team_id: str, *, max_pages: int) -> Listing | None:
        """Nothing to list: a Teams profile is read from what the rosters told us, a look-up that costs no call."""
        return None

    def private_channel(self, channel_id: str) -> PrivateChannel | None:
        """Linking a party's own channel (`link`) is Slack's for now: Teams answers that the bot is not in it."""
        return None

    def team_name(self, team_id: str) -> str:
        """An organisation's name: its mail domain's name (Teams does not tell a bot a tenant's name)."""
        with self.db.session() as session:
            members = teams_store.members_of_party(session=session, party=team_id)
        domains = Counter(_domain(m.email) for m in members if _domain(m.email) and not m.guest)
        if not domains:
            domains = Counter(_domain(m.email) for m in members if _domain(m.email))
        domain = domains.most_common(1)[0][0] if domains else ("" if _is_tenant(team_id) else team_id)
        return organisation(domain) if domain else f"Tenant {team_id[:8]}"

    def organisation_of(self, team_id: str) -> str | None:
        return None  # a party is a tenant already, the largest unit Teams names

    # ---- what we learn from Teams ---------------------------------------------------------------------------

    def learn_member(self, data: dict[str, object], *, host_tenant: str, tz: str = "") -> TeamsMember | None:
        """Remember a roster entry (TeamsChannelAccount); None for a bot or an entry without an object id."""
        aad_id = str(data.get("aadObjectId") or "")
        teams_id = str(data.get("id") or "")
        if not aad_id or not teams_id or teams_id.startswith("28:"):
            return None
        email = str(data.get("email") or data.get("userPrincipalName") or "")
        upn = str(data.get("userPrincipalName") or "")
        tenant = str(data.get("tenantId") or host_tenant)
        guest = data.get("userRole") == "guest" or "#EXT#" in upn.upper()
        if tenant and tenant != host_tenant:
            party = tenant  # someone of another tenant in a shared channel
        elif guest:
            party = (_domain(email) or "guests")[:64]
        else:
            party = host_tenant
        now = self.clock.now()
        with self.db.session() as session:
            known = teams_store.get_member(session=session, user_id=aad_id)
            return teams_store.save_member(
                session=session,
                member=TeamsMember(
                    user_id=aad_id,
                    teams_id=teams_id,
                    name=str(data.get("name") or (known.name if known else "") or email or aad_id)[:200],
                    tenant_id=tenant,
                    party=party,
                    email=email[:320] if email else (known.email if known else ""),
                    tz=tz or (known.tz if known else ""),
                    guest=guest,
                    departed=False,
                    seen_at=now,
                ),
            )

    def learn_speaker(self, activity: Activity) -> TeamsMember | None:
        """The person who sent an activity: their roster entry (once a day), and their time zone as sent."""
        sender = activity.sender
        if not sender.aad_id:
            return None
        with self.db.session() as session:
            known = teams_store.get_member(session=session, user_id=sender.aad_id)
        if known is not None and self._fresh(known) and not known.departed:
            if activity.local_timezone and activity.local_timezone != known.tz:
                with self.db.session() as session:
                    row = teams_store.get_member(session=session, user_id=sender.aad_id)
                    if row is not None:
                        row.tz = activity.local_timezone
            return known
        return self.learn_account(activity, sender, tz=activity.local_timezone)

    def learn_account(self, activity: Activity, account: Account, *, tz: str = "") -> TeamsMember | None:
        """Someone named in an activity (the sender, a mention): their roster entry from the connector, unless we
        read it within the day."""
        with self.db.session() as session:
            known = teams_store.member_by_teams_id(session=session, teams_id=account.id)
        if known is not None and not known.departed and not tz and self._fresh(known):
            return known
        data: dict[str, object] | None = None
        try:
            data = self.connector.member(activity.service_url, activity.base_conversation_id, account.id)
        except (ConnectorError, OSError) as e:
            log.info("member %s of %s unavailable: %s", account.id, activity.base_conversation_id, e)
        if data is None:
            if not account.aad_id:
                return None
            data = {"id": account.id, "aadObjectId": account.aad_id, "name": account.name}
        return self.learn_member(data, host_tenant=activity.tenant_id, tz=tz)

    def _fresh(self, member: TeamsMember) -> bool:
        return self.clock.now() - member.seen_at < ROSTER_TTL

    def user_of(self, activity: Activity, account: Account) -> str | None:
        """The core's id (Entra object id) of someone an activity names. Teams' documented `membersRemoved`
        carries only the Teams id (29:…), so it is looked up in the roster we kept, then asked of the connector
        (which no longer knows someone removed from the team)."""
        if account.aad_id:
            return account.aad_id
        with self.db.session() as session:
            known = teams_store.member_by_teams_id(session=session, teams_id=account.id)
        if known is not None:
            return known.user_id
        try:
            data = self.connector.member(activity.service_url, activity.base_conversation_id, account.id)
        except (ConnectorError, OSError) as e:
            log.info("member %s of %s unavailable: %s", account.id, activity.base_conversation_id, e)
            return None
        aad_id = str(data.get("aadObjectId") or "") if data is not None else ""
        return aad_id or None

    def channels_of(self, activity: Activity) -> list[str]:
        """The channels an activity's membership change reaches. Teams names the team itself (its General channel)
        as the conversation of a team's membership events, wherever the alliance lives, and someone added to or
        removed from a team is added to or removed from all its channels: so every channel of that team we know."""
        keys = [activity.channel_key]
        if activity.team_id:
            with self.db.session() as session:
                channels = teams_store.channels_of_team(session=session, team_id=activity.team_id)
            keys += [c.channel_key for c in channels]
        return list(dict.fromkeys(keys))

    def left(self, user_id: str) -> bool:
        """Someone left the alliance's team or chat: they own nothing from now on. True if we knew them."""
        with self.db.session() as session:
            member = teams_store.get_member(session=session, user_id=user_id)
            if member is None:
                return False
            member.departed = True
            session.add(member)
        return True

    def remember(self, activity: Activity) -> TeamsConversation:
        """The conversation reference of an activity, kept for proactive messages (updated on every activity)."""
        kind = activity.conversation_type if activity.conversation_type in ("channel", "groupChat") else "personal"
        with self.db.session() as session:
            return teams_store.save_conversation(
                session=session,
                conversation=TeamsConversation(
                    conversation_id=activity.base_conversation_id,
                    channel_key=activity.channel_key,
                    kind=kind,
                    name=activity.conversation_name[:200],
                    service_url=activity.service_url[:300],
                    tenant_id=activity.tenant_id,
                    bot_id=activity.bot.id,
                    team_id=activity.team_id,
                    user_id=activity.sender.aad_id if kind == "personal" else None,
                    updated_at=self.clock.now(),
                ),
            )

    def conversation(self, channel_key: str) -> TeamsConversation | None:
        """The conversation reference kept for a channel or group chat (the bot was installed or addressed there)."""
        with self.db.session() as session:
            return teams_store.conversation_of_channel(session=session, channel_key=channel_key)

    def teams_name(self, user_id: str) -> tuple[str, str] | None:
        """How Teams addresses a person of the core: (Teams id, display name)."""
        with self.db.session() as session:
            member = teams_store.get_member(session=session, user_id=user_id)
        return (member.teams_id, member.name) if member else None

    def channel_name(self, channel_key: str) -> str | None:
        with self.db.session() as session:
            conversation = teams_store.conversation_of_channel(session=session, channel_key=channel_key)
        return conversation.name if conversation and conversation.name else None


def organisation(domain: str) -> str:
    """acme.com -> Acme, globex.co.uk -> Globex."""
    labels = [label for label in domain.lower().split(".") if label]
    if len(labels) >= 3 and labels[-2] in SECOND_LEVEL:
        name = labels[-3]
    elif len(labels) >= 2:
        name = labels[-2]
    else:
        name = labels[0] if labels else domain
    return name[:1].upper() + name[1:]


def _domain(email: str) -> str:
    if "#EXT#" in email.upper():
        # paul_globex.com#EXT#@acme.onmicrosoft.com: the guest's own address before #EXT#
        local = email.split("#", 1)[0]
        return local.rsplit("_", 1)[-1].lower() if "_" in local else ""
    return email.rsplit("@", 1)[-1].lower() if "@" in email else ""


def _is_tenant(value: str) -> bool:
    return len(value) == 36 and value.count("-") == 4
