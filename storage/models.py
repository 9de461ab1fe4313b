"""The alliance bot's tables: alliances, parties, people, commitments and their history."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage import slack_tables  # noqa: F401  (Slack's installation tables join the metadata)
from storage.types import AwareDateTime


class Status(StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


def partial_index(name: str, *columns: str, where: str) -> Index:
    """An index of the rows `where` holds, on SQLite and PostgreSQL alike."""
    return Index(name, *columns, sqlite_where=text(where), postgresql_where=text(where))


class Alliance(SQLModel, table=True):
    """One partnership, anchored in one shared channel."""

    __table_args__ = (
        UniqueConstraint("platform", "channel_id", name="uq_alliance_channel"),
        # The alliances the scorecard, or the pulse, has not planned for yet: what each sweep looks for, however
        # many alliances there are. The queries say these conditions literally, so that SQLite sees it may use them.
        partial_index("ix_alliance_scorecard_unplanned", "id", where="NOT scorecard_planned"),
        partial_index("ix_alliance_pulse_unplanned", "id", where="NOT pulse_planned"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    channel_id: str = Field(max_length=64)
    name: str = Field(max_length=200)
    host_team_id: str = Field(max_length=64)
    started_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    # The last commitment reference handed out in this alliance (#1, #2, ...).
    last_ref: int = Field(default=0)
    # Bumped whenever a commitment's title changes in place (an edited `commit` message): with the open count and
    # last_ref it is the `who` title cache's fingerprint, so a process sees an edit made by another one at once.
    title_edits: int = Field(default=0)
    # Check-ins happen at a local hour in the alliance's home zone: the host lead's.
    home_tz: str = Field(default="UTC", max_length=64)
    cadence: str = Field(default="default", max_length=16)
    next_checkin_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True, index=True))
    checkins_held: int = Field(default=0)
    # Escalation ladder: owner at the deadline, the owner's lead after this many working days, the sponsor after that.
    lead_after_days: int = Field(default=2)
    sponsor_after_days: int = Field(default=5)
    # When the channel's members were last compared with what we know (the daily reconciliation).
    reconciled_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True, index=True))
    # Whether the scorecard's sweep, and the pulse's, have made this alliance's settings (storage.scorecard,
    # storage.pulse): a new alliance is found by these, not by comparing tables.
    scorecard_planned: bool = Field(default=False)
    pulse_planned: bool = Field(default=False)


class Party(SQLModel, table=True):
    """One organisation in an alliance (a Slack team, later a Teams tenant)."""

    __table_args__ = (UniqueConstraint("alliance_id", "team_id", name="uq_party_team"),)

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    team_id: str = Field(max_length=64)
    name: str = Field(max_length=200)
    lead_id: str | None = Field(default=None, max_length=64)
    sponsor_id: str | None = Field(default=None, max_length=64)
    # Public holidays of this organisation (a country code for the `holidays` package), None: none observed.
    country: str | None = Field(default=None, max_length=8)


class Person(SQLModel, table=True):
    """What the bot knows of a chat user: their organisation, name and time zone."""

    user_id: str = Field(primary_key=True, max_length=64)
    team_id: str = Field(max_length=64)
    name: str = Field(max_length=200)
    tz: str = Field(max_length=64)
    # False: the platform did not tell this person's zone, and `tz` is a stand-in (their colleagues' zone, else
    # UTC) worked out again whenever they are read, never kept as if they had said it.
    tz_known: bool = Field(default=True)
    is_bot: bool = Field(default=False)
    deleted: bool = Field(default=False)
    refreshed_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    # Out of office: nudges to this person wait, and their lead sees their overdue items instead.
    away_until: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True))


class LeftReason(StrEnum):
    DEACTIVATED = "deactivated"  # the account was deactivated in its organisation
    LEFT_CHANNEL = "left_channel"  # left, or was removed from, the alliance channel
    UNSHARED = "unshared"  # their whole organisation disconnected from the channel


class Member(SQLModel, table=True):
    """A person's place in one alliance's channel: there now, or gone since `left_at` (and why).

    One row per person and alliance, whatever comes and goes: leaving and returning flip `left_at`, and the
    flip is a compare-and-set, so a departure seen twice (an event and the daily reconciliation) counts once.
    """

    __table_args__ = (UniqueConstraint("alliance_id", "user_id", name="uq_member"),)

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    user_id: str = Field(max_length=64)
    team_id: str = Field(max_length=64)
    joined_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    left_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True))
    left_reason: str | None = Field(default=None, max_length=16)


class WorkspaceListing(SQLModel, table=True):
    """What listing one workspace's people costs (Slack: users.list pages), remembered from the last time, so the
    daily reconciliation can list a small workspace once a week instead of looking its people up one by one, and
    never pages through a large one that costs more than it spares."""

    __tablename__ = "workspace_listing"

    platform: str = Field(primary_key=True, max_length=16)
    team_id: str = Field(primary_key=True, max_length=64)
    pages: int
    complete: bool  # False: it was stopped after `pages` pages, and had more
    listed_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))


class Commitment(SQLModel, table=True):
    """Something a named person promised to deliver by a date."""

    __table_args__ = (
        UniqueConstraint("alliance_id", "ref", name="uq_commitment_ref"),
        Index("ix_commitment_alliance_status_due", "alliance_id", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id")
    ref: int
    title: str = Field(max_length=300)
    owner_id: str = Field(max_length=64, index=True)
    party_team_id: str = Field(max_length=64)
    due_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    milestone: bool = Field(default=False)
    status: str = Field(default=Status.OPEN.value, max_length=16)
    slips: int = Field(default=0)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True))
    drop_reason: str | None = Field(default=None, max_length=500)
    # The next reminder on the escalation ladder (NULL once closed or at the top): the sweep reads only rows whose
    # moment has come, so its cost follows the due work, not the number of commitments.
    next_nudge_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True, index=True))
    nudge_stage: int = Field(default=0)
    snoozed_until: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True))
    # The owner's last word at a check-in: on_track, at_risk or need_help, with an optional note.
    reported: str | None = Field(default=None, max_length=16)
    reported_note: str | None = Field(default=None, max_length=500)
    # Internal to its party (`party_team_id`): never shown where the other organisation reads.
    internal: bool = Field(default=False)
    # The deadline was a date without a time of day ("by Friday": the end of that working day), so a new owner
    # gets the end of that same day in their own zone; a deadline with a time keeps its instant.
    due_date_only: bool = Field(default=False)


class CommitmentEvent(SQLModel, table=True):
    """One line of a commitment's history: who changed what, and when."""

    id: int | None = Field(default=None, primary_key=True)
    commitment_id: int = Field(foreign_key="commitment.id", index=True)
    at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    actor_id: str = Field(max_length=64)
    kind: str = Field(max_length=32)
    detail: str = Field(default="", max_length=1000)


class ProcessedEvent(SQLModel, table=True):
    """Slack delivers events at least once; a row here means this event id was already handled."""

    event_id: str = Field(primary_key=True, max_length=64)
    # Indexed: the sweep forgets the ids older than a day (every ten minutes, bot.core.schedule.FORGET_EVERY).
    received_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False, index=True))


class CommandMessage(SQLModel, table=True):
    """A chat message the bot carried out as a change, and the commitment it created if any. Slack re-sends a
    mention when its author edits it (same ts, new event id): the edit amends what the message made, never
    makes it twice."""

    __table_args__ = (UniqueConstraint("platform", "channel_id", "message_ts", name="uq_command_message"),)

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    channel_id: str = Field(max_length=64)
    message_ts: str = Field(max_length=64)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    commitment_id: int | None = Field(default=None, foreign_key="commitment.id")
    kind: str = Field(max_length=32)  # what the message did: the command's name (Commit, Complete, ...)
    at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))


class Checkin(SQLModel, table=True):
    """One scheduled check-in of an alliance: a channel message whose thread holds the conversation."""

    __table_args__ = (UniqueConstraint("alliance_id", "seq", name="uq_checkin_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id")
    seq: int
    opened_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    closes_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True))
    thread_ts: str | None = Field(default=None, max_length=64)


class CheckinAnswer(SQLModel, table=True):
    """An owner's answer about one commitment at one check-in."""

    id: int | None = Field(default=None, primary_key=True)
    checkin_id: int = Field(foreign_key="checkin.id", index=True)
    commitment_id: int = Field(foreign_key="commitment.id")
    user_id: str = Field(max_length=64)
    answer: str = Field(max_length=16)
    note: str = Field(default="", max_length=500)
    at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))


# A delivery not yet sent (nor given up, nor skipped): what the claim looks through.
UNSENT = "status IN ('pending', 'claimed')"


class Delivery(SQLModel, table=True):
    """One message the bot owes someone, claimed before sending and marked after: each is sent exactly once.

    `key` names the message (kind, item, period) under a unique constraint, so planning it twice, from two
    sweeps or two processes, plans it once.
    """

    __table_args__ = (
        # The deliveries still to send, in the order the sweep claims them: a small index however many were sent.
        # The claim names these statuses literally, as here, so that SQLite sees it may use it.
        partial_index("ix_delivery_unsent", "not_before", where=UNSENT),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    alliance_id: int = Field(foreign_key="alliance.id")
    kind: str = Field(max_length=32)
    recipient_id: str = Field(max_length=64)
    checkin_id: int | None = Field(default=None)
    commitment_id: int | None = Field(default=None)
    data: str = Field(default="{}", max_length=4000)
    not_before: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    status: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0)
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True))
    sent_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True))
    message_ts: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, max_length=500)


class SweepState(SQLModel, table=True):
    """The instant of the latest sweep: time only moves forward, even if a sweep is asked for an earlier one."""

    id: int = Field(default=1, primary_key=True)
    last_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))


# ---- the charter, decisions and disputes ----------------------------------------------------------------------


class CharterVersion(SQLModel, table=True):
    """One version of an alliance's charter; every change is a new version, and the highest is in force.

    `content` is the charter's fields as JSON (see bot.core.charter). `signed_at` is set, once, when the last
    lead signed this version; `message_ts` is then the signed charter's pinned message.
    """

    __table_args__ = (UniqueConstraint("alliance_id", "version", name="uq_charter_version"),)

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    version: int
    content: str = Field(sa_column=Column(Text, nullable=False))
    edited_by: str = Field(max_length=64)
    edited_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    signed_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True))
    message_ts: str | None = Field(default=None, max_length=64)


class CharterSignature(SQLModel, table=True):
    """A party's lead signed one version of the charter (one signature per party and version)."""

    __table_args__ = (UniqueConstraint("alliance_id", "version", "team_id", name="uq_charter_signature"),)

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    version: int
    team_id: str = Field(max_length=64)
    user_id: str = Field(max_length=64)
    signed_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))


class CharterDraft(SQLModel, table=True):
    """What someone has entered so far in the charter form's steps, until the last step saves it."""

    __table_args__ = (UniqueConstraint("alliance_id", "user_id", name="uq_charter_draft"),)

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id")
    user_id: str = Field(max_length=64)
    content: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))


class Decision(SQLModel, table=True):
    """A decision: what was decided, who decided, who was consulted."""

    __table_args__ = (UniqueConstraint("alliance_id", "ref", name="uq_decision_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    ref: int
    text: str = Field(max_length=1000)
    decided_by: str = Field(max_length=64)
    consulted: str = Field(default="[]", max_length=1000)  # JSON list of user ids
    recorded_by: str = Field(max_length=64)
    at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))


# ---- the scorecard: metrics, readings, contributions, and its settings per alliance ----------------------


class Metric(SQLModel, table=True):
    """What one party wants out of the alliance, measured: a target, an optional baseline and date."""

    __table_args__ = (UniqueConstraint("alliance_id", "party_team_id", "name", name="uq_metric_name"),)

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    party_team_id: str = Field(max_length=64)
    name: str = Field(max_length=200)
    unit: str = Field(default="", max_length=8)
    baseline: float | None = Field(default=None)
    target: float
    due_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True))
    # Internal: shown only to the party's own people (bot.core.visibility).
    internal: bool = Field(default=False)
    created_by: str = Field(max_length=64)
    created_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))


class MetricReading(SQLModel, table=True):
    """One value of a metric, who recorded it and when."""

    id: int | None = Field(default=None, primary_key=True)
    metric_id: int = Field(foreign_key="metric.id", index=True)
    value: float
    recorded_by: str = Field(max_length=64)
    at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))


class Dispute(SQLModel, table=True):
    """A dispute working its way up the charter's steps until someone records how it was resolved.

    `steps` is the charter's steps when it was opened (JSON); `step` the one it is at; `planned_step` the last
    step whose people were told. `next_at` is when the sweep must look at it again (NULL once resolved).
    """

    __table_args__ = (UniqueConstraint("alliance_id", "ref", name="uq_dispute_ref"),)

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    ref: int
    topic: str = Field(max_length=500)
    opened_by: str = Field(max_length=64)
    opened_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    steps: str = Field(max_length=1000)
    mediator: str = Field(default="", max_length=500)
    mediator_id: str | None = Field(default=None, max_length=64)
    step: int = Field(default=0)
    planned_step: int = Field(default=-1)
    step_started_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    next_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True, index=True))
    resolved_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True))
    resolved_by: str | None = Field(default=None, max_length=64)
    outcome: str | None = Field(default=None, max_length=1000)


class TeamsConversation(SQLModel, table=True):
    """Where the bot can write in Teams without being spoken to: a conversation reference, kept from the moment the
    bot is installed or first addressed, for the sweep's proactive messages.

    A channel or group chat is keyed by its conversation id (without any `;messageid=` thread suffix); a personal
    chat with one user also records that user (`user_id`, their Entra object id), so a private message finds it.
    """

    conversation_id: str = Field(primary_key=True, max_length=200)
    # What the core calls the channel: the conversation id itself, or a digest of it past the core's 64 characters.
    channel_key: str = Field(max_length=64, index=True)
    kind: str = Field(max_length=16)  # channel, groupChat or personal
    name: str = Field(default="", max_length=200)
    service_url: str = Field(max_length=300)
    tenant_id: str = Field(max_length=64)
    bot_id: str = Field(max_length=200)
    team_id: str | None = Field(default=None, max_length=200)  # the Teams team of a channel
    user_id: str | None = Field(default=None, max_length=64, index=True)  # the person of a personal chat
    updated_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))


class TeamsMember(SQLModel, table=True):
    """A Teams user as the bot has met them: the core knows people by their Entra object id (`user_id`), Teams
    addresses them by another id (`teams_id`, 29:…), and their party is their own tenant or, for a guest, their
    home organisation's mail domain."""

    user_id: str = Field(primary_key=True, max_length=64)
    teams_id: str = Field(max_length=200)
    name: str = Field(max_length=200)
    tenant_id: str = Field(max_length=64)
    party: str = Field(max_length=64)
    email: str = Field(default="", max_length=320)
    tz: str = Field(default="", max_length=64)
    guest: bool = Field(default=False)
    departed: bool = Field(default=False)
    seen_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))


class PartyChannel(SQLModel, table=True):
    """A party's own private channel, linked to its alliance: answers there may show that party's internal items."""

    __table_args__ = (
        UniqueConstraint("platform", "channel_id", name="uq_party_channel"),
        UniqueConstraint("alliance_id", "team_id", name="uq_party_channel_team"),
    )

    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    channel_id: str = Field(max_length=64)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    team_id: str = Field(max_length=64)
    linked_by: str = Field(max_length=64)
    linked_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))


class Contribution(SQLModel, table=True):
    """What a party puts into the alliance: time, money, people or other resources."""

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    party_team_id: str = Field(max_length=64)
    what: str = Field(max_length=300)
    amount: float | None = Field(default=None)
    unit: str = Field(default="", max_length=8)
    kind: str = Field(max_length=16)
    period: str | None = Field(default=None, max_length=100)
    internal: bool = Field(default=False)
    recorded_by: str = Field(max_length=64)
    at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))


class ScorecardSettings(SQLModel, table=True):
    """Per alliance: the imbalance threshold and its current episode, and the sponsor digest's rhythm."""

    # Each sweep looks for alliances with scorecard work, in three indexes (these two and next_digest_at's), not
    # in every alliance's row. A full index of a flag would not do: SQLite cannot tell that `true` is rare.
    __table_args__ = (partial_index("ix_scorecardsettings_dirty", "alliance_id", where="balance_dirty"),)

    alliance_id: int = Field(foreign_key="alliance.id", primary_key=True)
    balance_threshold: int = Field(default=25)  # percentage points of progress between the parties
    # Set when the metrics changed since the imbalance rule last looked: the sweep looks only at these.
    balance_dirty: bool = Field(default=False)
    imbalance_episode: int = Field(default=0)
    imbalanced_since: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True))
    digest: str = Field(default="monthly", max_length=16)
    next_digest_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True, index=True))
    # When review dates (end of the agreed timeframe, goals' target dates) were last compared with now.
    reviews_checked_at: datetime | None = Field(
        default=None, sa_column=Column(AwareDateTime(), nullable=True, index=True)
    )


class ReviewAnswer(SQLModel, table=True):
    """A lead's answer to a review prompt: continue, adjust or wind down."""

    __table_args__ = (UniqueConstraint("alliance_id", "review_key", "user_id", name="uq_review_answer"),)

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    review_key: str = Field(max_length=200)
    user_id: str = Field(max_length=64)
    verdict: str = Field(max_length=16)
    at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))


class InboxEntry(SQLModel, table=True):
    """A verified Slack request, written before Slack gets its acknowledgement and marked done once carried out.

    `key` names the delivery (the event id of an event, else a hash of the signed body) under a unique constraint,
    so a replay or a retry is recognised and dropped. A row not done whose lease (judged by the database's clock)
    ran out was left by a process that died: another process claims it (`owner`, a new lease) and carries it out.
    """

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_pending", "done_at", "lease_until"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=80, unique=True)
    kind: str = Field(max_length=32)
    # "http" (the body as signed, to be signed again for a replay) or "socket_mode" (the payload as JSON).
    mode: str = Field(max_length=16)
    body: str = Field(sa_column=Column(Text, nullable=False))
    headers: str = Field(sa_column=Column(Text, nullable=False))  # JSON: the headers Bolt reads, not the signature
    received_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False, index=True))
    owner: str = Field(max_length=80)
    lease_until: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    attempts: int = Field(default=1)
    done_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True))
    # done, failed (the listener raised; the person was told), unhandled (no listener), abandoned (too many tries)
    outcome: str | None = Field(default=None, max_length=16)


# ---- the health pulse ----------------------------------------------------------------------------------------
#
# Anonymous by construction: what was answered is kept only as counts per party, question and rating, and open
# answers without author, time or order of arrival; who has answered (to remind the others) sits in a table of
# its own that holds no rating and no text. No column links a rating or a text to a person.


class PulseSettings(SQLModel, table=True):
    """Per alliance: the pulse's rhythm, when the next one opens, and the statements as this alliance edited them."""

    __tablename__ = "pulse_settings"

    alliance_id: int = Field(foreign_key="alliance.id", primary_key=True)
    every_months: int = Field(default=3)
    off: bool = Field(default=False)
    next_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True, index=True))
    # JSON {"1": "statement", ...}: the alliance's own wording of default statements, by number
    questions: str = Field(default="{}", sa_column=Column(Text, nullable=False, server_default="{}"))


class PulseRound(SQLModel, table=True):
    """One pulse: asked of both organisations, open until `closes_at`, summed up in the channel when closed."""

    __tablename__ = "pulse_round"
    __table_args__ = (UniqueConstraint("alliance_id", "seq", name="uq_pulse_round_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    alliance_id: int = Field(foreign_key="alliance.id", index=True)
    seq: int
    reason: str = Field(max_length=16)  # scheduled, asked (pulse now)
    questions: str = Field(sa_column=Column(Text, nullable=False))  # JSON list: the statements as asked
    opened_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False))
    closes_at: datetime = Field(sa_column=Column(AwareDateTime(), nullable=False, index=True))
    closed_at: datetime | None = Field(default=None, sa_column=Column(AwareDateTime(), nullable=True))


class PulseTally(SQLModel, table=True):
    """How many people of one party gave one statement one rating: counts, never single answers."""

    __tablename__ = "pulse_tally"
    __table_args__ = (UniqueConstraint("round_id", "team_id", "question", "rating", name="uq_pulse_tally"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="pulse_round.id", index=True)
    team_id: str = Field(max_length=64)
    question: int  # 1..8
    rating: int  # 1..5
    count: int = Field(default=0)


class PulseRemark(SQLModel, table=True):
    """An open answer: its party and its words only. The key is random, so not even the order of arrival is kept."""

    __tablename__ = "pulse_remark"

    key: str = Field(primary_key=True, max_length=32)
    round_id: int = Field(foreign_key="pulse_round.id", index=True)
    team_id: str = Field(max_length=64)
    text: str = Field(sa_column=Column(Text, nullable=False))


class PulseAnswered(SQLModel, table=True):
    """Who has answered a pulse (so only the others are reminded, and nobody answers twice): no rating, no text,
    no time, and no key shared with the tallies."""

    __tablename__ = "pulse_answered"

    round_id: int = Field(foreign_key="pulse_round.id", primary_key=True)
    user_id: str = Field(primary_key=True, max_length=64)
    team_id: str = Field(max_length=64)
