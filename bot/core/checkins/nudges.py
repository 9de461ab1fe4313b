"""Nudges: each open commitment climbs its escalation ladder (due soon, overdue, lead, sponsor) as the sweep
finds it due."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot.core.alliance import working_time
from bot.core.cadence import first_checkin, next_checkin
from bot.core.calendar import WorkingTime, working_time_of
from bot.core.checkins.results import EscalationLine, Nudge, NudgeKind
from bot.core.views import CommitmentView
from storage import checkins as checkin_store
from storage import deliveries, members
from storage import repository as repo
from storage.db import Database
from storage.deliveries import DeliveryRow, LadderRow
from storage.models import Commitment, Party, Person, Status
from storage.repository import CommitmentRow, PartyRow, RecipientRow

log = logging.getLogger(__name__)

BATCH = 500
WEEK = timedelta(days=7)
ESCALATION_LINE = "escalation_line"

# The escalation ladder: the stage a commitment is at, and what each stage sends.
DUE_SOON, OVERDUE, LEAD, SPONSOR, TOP = 0, 1, 2, 3, 4
STAGE_KIND = {
    DUE_SOON: NudgeKind.DUE_SOON,
    OVERDUE: NudgeKind.OVERDUE,
    LEAD: NudgeKind.LEAD,
    SPONSOR: NudgeKind.SPONSOR,
}
KINDS = (*(kind.value for kind in NudgeKind), ESCALATION_LINE)
# Plain strings for the comparisons made per row (an enum member's `.value` is a property lookup each time).
OPEN = Status.OPEN.value
DUE_SOON_KIND, OVERDUE_KIND, HELP_KIND = NudgeKind.DUE_SOON.value, NudgeKind.OVERDUE.value, NudgeKind.HELP.value
STAGE_KIND_VALUE = {stage: kind.value for stage, kind in STAGE_KIND.items()}


@functools.lru_cache(maxsize=4096)
def ladder(due: datetime, working: WorkingTime, *, lead_after: int, sponsor_after: int) -> tuple[datetime, ...]:
    """When each stage falls due: the working day before, the deadline, then N working days after it.

    Cached: deadlines cluster (most are the end of a working day) and a WorkingTime is frozen, so a sweep of a
    thousand items steps through the calendar for a handful of distinct ladders, not a thousand."""
    return (
        working.working_day_before(due),
        due,
        working.add_working_days(due, lead_after),
        working.add_working_days(due, sponsor_after),
    )


def plan(db: Database, now: datetime) -> int:
    planned = 0
    while True:
        with db.session() as session:
            due = deliveries.due_commitments(session=session, now=now, limit=BATCH)
            planned += advance(session, due, now)
        if len(due) < BATCH:
            return planned


def advance(session: Session, due: Iterable[LadderRow], now: datetime) -> int:
    """Climb each due commitment's ladder to `now`, as plain rows: a few statements per batch, whatever the
    number of alliances or commitments it spans."""
    due = list(due)
    if not due:
        return 0
    alliance_ids = {c.alliance_id for c in due}
    settings = repo.alliance_settings(session=session, alliance_ids=alliance_ids)
    parties = {(p.alliance_id, p.team_id): p for p in repo.party_rows(session=session, alliance_ids=alliance_ids)}
    people = repo.recipient_rows(session=session, user_ids={c.owner_id for c in due})
    gone = members.departed(session=session, alliance_ids=alliance_ids)
    # Who has left an alliance's channel counts as gone there, as if their account were deactivated: each
    # alliance with departures gets its own view of the people (built once), the others share everyone.
    left: dict[int, set[str]] = {}
    for alliance_id, user_id in gone:
        left.setdefault(alliance_id, set()).add(user_id)
    # Only the owners, and the lead and sponsor of each owner's own party, can be told; a lead or sponsor is read
    # only where a ladder reaches them now (the owners are enough for the others).
    climbed: dict[int, tuple[int, datetime | None, int | None]] = {}
    wanted = _told_besides_owners(due, settings, parties, people, left, now, climbed) - people.keys()
    if wanted:
        people |= repo.recipient_rows(session=session, user_ids=wanted)
    rows: list[dict[str, Any]] = []
    here_in: dict[int, dict[str, RecipientRow]] = {}
    for commitment in due:
        _, lead_after, sponsor_after = settings[commitment.alliance_id]
        away = left.get(commitment.alliance_id)
        here = people
        if away:
            if commitment.alliance_id not in here_in:
                here_in[commitment.alliance_id] = {u: p for u, p in people.items() if u not in away}
            here = here_in[commitment.alliance_id]
        try:
            rows.extend(
                nudges_for(commitment, (lead_after, sponsor_after), parties, here, now, climbed.get(commitment.id))
            )
        except Exception:
            # One bad row (a date no calendar can step past, a corrupt setting) must not stop every other
            # alliance's reminders: it is logged and taken off the ladder; a new due date puts it back.
            log.exception("commitment %s cannot climb its escalation ladder; its nudges stop", commitment.id)
            commitment.next_nudge_at = None
    deliveries.set_ladders(session=session, rows=due)
    slipped = {r["alliance_id"] for r in rows if r["kind"] == OVERDUE_KIND}
    counts = repo.overdue_counts(session=session, alliance_ids=slipped, now=now)
    tighten(session, [a for a, n in counts.items() if n >= 2], now)
    return deliveries.plan_deliveries(session=session, rows=rows)


def _told_besides_owners(
    due: list[LadderRow],
    settings: dict[int, tuple[str, int, int]],
    parties: dict[tuple[int, str], PartyRow],
    owners: dict[str, RecipientRow],
    left: dict[int, set[str]],
    now: datetime,
    climbed: dict[int, tuple[int, datetime | None, int | None]],
) -> set[str]:
    """The leads and sponsors the ladders climbed now may tell (an owner away hands an overdue nudge to the lead);
    where each ladder stands goes into `climbed`, by commitment id, for `nudges_for` (not worked out twice)."""
    wanted: set[str] = set()
    for c in due:
        party = parties.get((c.alliance_id, c.party_team_id))
        if party is None or c.alliance_id not in settings:
            continue
        owner = None if c.owner_id in left.get(c.alliance_id, ()) else owners.get(c.owner_id)
        try:
            climbed[c.id] = stands = climb(c, settings[c.alliance_id][1:], owner, party, now)
        except Exception:
            continue  # the row is bad: `advance` logs it and takes it off the ladder
        emit = stands[2]
        away = owner is not None and owner.away_until is not None and owner.away_until > now
        if (emit == LEAD or (emit == OVERDUE and away)) and party.lead_id:
            wanted.add(party.lead_id)
        elif emit == SPONSOR and party.sponsor_id:
            wanted.add(party.sponsor_id)
    return wanted


def tighten(session: Session, alliance_ids: Iterable[int], now: datetime) -> None:
    """With two or more overdue, the next check-in comes within a week of the last, whatever the cadence; for
    many alliances at once (their rows, host parties and last check-ins in one query each)."""
    sooner: list[tuple[int, datetime]] = []
    for row in checkin_store.cadence_rows(session=session, alliance_ids=alliance_ids):
        if row.next_checkin_at is None:
            continue
        home = working_time_of(row.home_tz, row.host_country)
        weekly = next_checkin(after=row.last_opened_at or row.started_at, every=WEEK, working=home)
        at = weekly if weekly > now else first_checkin(started_at=now, working=home)
        if at < row.next_checkin_at:
            sooner.append((row.id, at))
    checkin_store.bring_forward(session=session, checkins=sooner)


def nudges_for(
    c: LadderRow,
    ladder_days: tuple[int, int],
    parties: dict[tuple[int, str], PartyRow],
    people: dict[str, RecipientRow],
    now: datetime,
    climbed: tuple[int, datetime | None, int | None] | None = None,
) -> list[dict[str, Any]]:
    """Move one commitment up its ladder to `now` (or to where `climbed` says it stands, already worked out for
    these people and parties); the deliveries of the stage reached (only the latest)."""
    owner = people.get(c.owner_id)
    party = parties.get((c.alliance_id, c.party_team_id))
    c.nudge_stage, c.next_nudge_at, emit = climbed or climb(c, ladder_days, owner, party, now)
    if emit is None:
        return []
    recipients = ladder_recipients(emit, c, owner, party, people, now)
    key = f"nudge:{c.id}:{emit}:{int(c.due_at.timestamp())}"
    rows = []
    for recipient, away_until in recipients:
        who = people.get(recipient)
        rows.append(
            {
                "key": f"{key}:{recipient}",
                "alliance_id": c.alliance_id,
                "kind": STAGE_KIND_VALUE[emit],
                "recipient_id": recipient,
                "commitment_id": c.id,
                "data": json.dumps({"due": c.due_at.isoformat(), "away_until": away_until}),
                "not_before": when_reachable(who, parties.get((c.alliance_id, who.team_id)) if who else None, now),
            }
        )
    # The channel hears of it only while its owner is still here, and never of an internal item.
    if emit == SPONSOR and _present(owner) and not c.internal:
        rows.append(
            {
                "key": f"{key}:channel",
                "alliance_id": c.alliance_id,
                "kind": "escalation_line",
                "recipient_id": "",
                "commitment_id": c.id,
                "data": json.dumps({"due": c.due_at.isoformat()}),
                "not_before": now,
            }
        )
    return rows


def climb(
    c: LadderRow, ladder_days: tuple[int, int], owner: RecipientRow | None, party: PartyRow | None, now: datetime
) -> tuple[int, datetime | None, int | None]:
    """Where one commitment's ladder stands at `now`: its stage, when its next nudge falls due, and the stage whose
    nudges go now (None when none: a due-soon nudge is not sent once the deadline has passed)."""
    if c.status != OPEN:
        return c.nudge_stage, None, None
    if c.snoozed_until is not None and c.snoozed_until > now:
        return c.nudge_stage, c.snoozed_until, None
    times = ladder(c.due_at, working_time(owner, party), lead_after=ladder_days[0], sponsor_after=ladder_days[1])
    stage, emit = c.nudge_stage, None
    while stage < TOP and times[stage] <= now:
        emit, stage = stage, stage + 1
    if emit == DUE_SOON and c.due_at <= now:
        emit = None
    return stage, times[stage] if stage < TOP else None, emit


def ladder_recipients(
    stage: int,
    c: LadderRow,
    owner: RecipientRow | None,
    party: PartyRow | None,
    people: dict[str, RecipientRow],
    now: datetime,
) -> list[tuple[str, str | None]]:
    lead = party.lead_id if party else None
    sponsor = party.sponsor_id if party else None
    if owner is None or owner.deleted:
        # Orphaned (deactivated, or gone from this channel): the ladder climbs, nobody is nudged; the orphan
        # notice and every check-in ask for a new owner instead. Never a nudge to someone who left.
        return []
    away = owner.away_until if owner.away_until and owner.away_until > now else None
    match stage:
        case 0:
            return [(owner.user_id, None)]
        case 1:
            if away is not None and lead and lead != owner.user_id:
                return [(lead, away.isoformat())]  # the owner is out: their lead sees it instead
            return [(owner.user_id, None)]
        case 2:
            return [(lead, None)] if lead and lead != owner.user_id and _present(people.get(lead)) else []
        case 3:
            return [(sponsor, None)] if sponsor and sponsor != owner.user_id and _present(people.get(sponsor)) else []
    return []


def when_reachable(person: Person | RecipientRow | None, party: Party | PartyRow | None, now: datetime) -> datetime:
    working = working_time(person, party)
    start = now
    if person is not None and person.away_until is not None and person.away_until > now:
        start = person.away_until
    return working.next_working_moment(start)


def owner_away(
    session: Session,
    d: DeliveryRow,
    state: Commitment | CommitmentRow | None,
    recipient: RecipientRow | None,
    now: datetime,
) -> bool:
    """Whether a nudge planned for its owner meets them away at send time (they said `away` after it was
    planned): then it is not sent to them. An overdue nudge goes to their lead instead, as `away` promises; a
    due-soon nudge, or an overdue one with no lead to tell, waits for the owner's return. Either way a new
    delivery is planned (the next sweep sends it) and this one is skipped."""
    if d.kind not in (DUE_SOON_KIND, OVERDUE_KIND) or state is None:
        return False
    if d.recipient_id != state.owner_id:
        return False
    # The recipient's row, read with the batch, answers for nearly every nudge without a query of its own.
    if recipient is None or recipient.away_until is None or recipient.away_until <= now:
        return False
    owner = session.get(Person, state.owner_id)
    if owner is None or owner.away_until is None or owner.away_until <= now:
        return False
    parties = {(p.alliance_id, p.team_id): p for p in repo.parties_of(session=session, alliance_ids={d.alliance_id})}
    party = parties.get((state.alliance_id, state.party_team_id))
    data = json.loads(d.data or "{}")
    lead = session.get(Person, party.lead_id) if party is not None and party.lead_id else None
    row: dict[str, Any] = {
        "alliance_id": d.alliance_id,
        "kind": d.kind,
        "commitment_id": d.commitment_id,
    }
    gone = members.departed(session=session, alliance_ids={d.alliance_id})
    if (
        d.kind == OVERDUE_KIND
        and lead is not None
        and lead.user_id != owner.user_id
        and _present(lead)
        and (d.alliance_id, lead.user_id) not in gone
    ):
        row |= {
            "key": f"{d.key}:away:{lead.user_id}",
            "recipient_id": lead.user_id,
            "data": json.dumps({**data, "away_until": owner.away_until.isoformat()}),
            "not_before": when_reachable(lead, parties.get((d.alliance_id, lead.team_id)), now),
        }
    else:
        row |= {
            "key": f"{d.key}:back:{int(owner.away_until.timestamp())}",
            "recipient_id": owner.user_id,
            "data": d.data,
            "not_before": when_reachable(owner, party, now),
        }
    deliveries.plan_deliveries(session=session, rows=[row])
    return True


def content(
    delivery: DeliveryRow,
    state: Commitment | CommitmentRow | None,
    view: CommitmentView | None,
    now: datetime,
    session: Session | None = None,
) -> Nudge | EscalationLine | None:
    """What a nudge says as things stand when it is sent; None when there is nothing left to say."""
    d = delivery
    data = json.loads(d.data or "{}")
    if state is None or view is None or state.status != OPEN:
        return None  # done or dropped since it was planned: this reminder has nothing to say
    if d.kind != HELP_KIND and data.get("due") != state.due_at.isoformat():
        return None  # moved since it was planned: its own reminders are planned anew (a help request still stands)
    if d.kind == DUE_SOON_KIND and state.due_at <= now:
        return None  # held back (the owner was away) until past the deadline: the overdue nudge speaks now
    if state.snoozed_until is not None and state.snoozed_until > now and d.kind != HELP_KIND:
        return None
    if d.kind == ESCALATION_LINE:
        sponsor_id = view.party.sponsor_id
        told_at, tz = (None, "UTC")
        if sponsor_id and session is not None:
            told_at, tz = _sponsor_hears(session, d, sponsor_id, now)
        return EscalationLine(commitment=view, sponsor_id=sponsor_id, sponsor_told_at=told_at, sponsor_tz=tz)
    away = data.get("away_until")
    return Nudge(
        kind=NudgeKind(d.kind),
        commitment=view,
        recipient_id=d.recipient_id,
        owner_away_until=datetime.fromisoformat(away) if away else None,
        asked_by=str(data.get("asked_by") or ""),
        note=str(data.get("note") or ""),
    )


def _sponsor_hears(session: Session, line: DeliveryRow, sponsor_id: str, now: datetime) -> tuple[datetime | None, str]:
    """When the sponsor's nudge (planned beside this channel line) goes out, if after `now`; and their zone."""
    key = line.key.removesuffix(":channel") + f":{sponsor_id}"
    nudge = deliveries.by_key(session=session, key=key)
    sponsor = session.get(Person, sponsor_id)
    tz = sponsor.tz if sponsor is not None and sponsor.tz else "UTC"
    if nudge is None or nudge.status not in ("pending", "claimed") or nudge.not_before <= now:
        return None, tz
    return nudge.not_before, tz


def _present(person: Person | RecipientRow | None) -> bool:
    return person is not None and not person.deleted
