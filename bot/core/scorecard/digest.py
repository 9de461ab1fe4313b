"""What the sweep sends about the scorecard: the imbalance warning to both leads, the sponsor digest, and the
review prompts at the end of the agreed timeframe and at each goal's target date.

Planned here as deliveries under unique keys (one warning per lead and imbalance episode, one digest per sponsor
and period, one prompt per lead and review date) and sent by the sweep like everything else. What a message
says is built when it is sent, as things stand then, and only with what its reader's organisation may see.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session

from bot.core.alliance import Work
from bot.core.calendar import working_time_of
from bot.core.errors import NotALead
from bot.core.pulse import planning as pulse
from bot.core.scorecard.card import build_card, charter_terms, open_disputes
from bot.core.scorecard.commands import Frequency, Verdict
from bot.core.scorecard.results import (
    ImbalanceWarning,
    ReviewAnswered,
    ReviewPrompt,
    ScorecardDispatch,
    Side,
    SponsorDigest,
)
from bot.core.visibility import SHARED, private_to
from storage import deliveries, members
from storage import repository as repo
from storage import scorecard as scorecard_store
from storage.db import Database
from storage.deliveries import DeliveryRow
from storage.models import Alliance, Party, Person, ScorecardSettings

KINDS = ("imbalance", "digest", "review")
BATCH = 200
REVIEW_CHECK_EVERY = timedelta(hours=1)
# A review date found this long after it passed (a charter filled in late) is not prompted any more.
REVIEW_WINDOW = timedelta(days=30)


def next_digest(frequency: Frequency, home_tz: str, now: datetime) -> datetime | None:
    """When the next digest goes out: the first working morning of next week (weekly) or of next month
    (monthly), in the alliance's home zone; None when the digest is off."""
    if frequency is Frequency.OFF:
        return None
    working = working_time_of(home_tz, None)
    today = now.astimezone(working.tz).date()
    if frequency is Frequency.WEEKLY:
        start = today + timedelta(days=7 - today.weekday())
    else:
        start = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    return working.next_working_moment(working.at_local(start, time(0, 0)))


def period_of(frequency: str, at: datetime, home_tz: str) -> tuple[str, str]:
    """The period a digest sent at `at` looks back on: (a key, a label), e.g. ("2026-11", "November 2026")."""
    local = at.astimezone(working_time_of(home_tz, None).tz).date()
    if frequency == Frequency.WEEKLY.value:
        start = local - timedelta(days=local.weekday() + 7)
        year, week, _ = start.isocalendar()
        return f"{year}-W{week:02d}", f"the week of {start.day} {start:%b %Y}"
    last = local.replace(day=1) - timedelta(days=1)
    return f"{last:%Y-%m}", f"{last:%B %Y}"


# ---- planning (Scheduler.sweep calls `plan`) --------------------------------------------------------------


def plan(db: Database, now: datetime) -> int:
    """Everything scorecard-related that has fallen due by `now`, planned as deliveries; how many are new."""
    # One query and one transaction: the sweep runs every minute, and most minutes there is nothing to do.
    with db.session() as session:
        rows: list[dict[str, Any]] = []
        found = scorecard_store.needing_attention(
            session=session, now=now, reviews_before=now - REVIEW_CHECK_EVERY, limit=BATCH
        )
        for alliance_id in found:
            alliance = session.get(Alliance, alliance_id)
            settings = session.get(ScorecardSettings, alliance_id)
            if alliance is None or alliance.id is None:
                continue
            if settings is None:
                first = next_digest(Frequency.MONTHLY, alliance.home_tz, now)
                settings = scorecard_store.add_settings(session=session, alliance_id=alliance.id, next_digest_at=first)
            if not alliance.scorecard_planned:
                alliance.scorecard_planned = True
                session.add(alliance)
            if settings.balance_dirty:
                rows += _imbalance(session, alliance, settings, now)
            if settings.digest != Frequency.OFF.value and settings.next_digest_at and settings.next_digest_at <= now:
                rows += _digests(session, alliance, settings, now)
            if settings.reviews_checked_at is None or settings.reviews_checked_at < now - REVIEW_CHECK_EVERY:
                rows += _reviews(session, alliance, settings, now)
            session.add(settings)
        return deliveries.plan_deliveries(session=session, rows=rows)


def _imbalance(
    session: Session, alliance: Alliance, settings: ScorecardSettings, now: datetime
) -> list[dict[str, Any]]:
    """The metrics changed: an imbalance that starts warns both leads; one that ends closes its episode, so the
    next one warns again."""
    settings.balance_dirty = False
    if build_card(session, alliance, now).balance.ahead is None:
        settings.imbalanced_since = None
        return []
    if settings.imbalanced_since is not None:
        return []  # the same episode: its leads were told when it began
    settings.imbalanced_since = now
    settings.imbalance_episode += 1
    data = {"episode": settings.imbalance_episode}
    assert alliance.id is not None
    pulse.offer(session, alliance.id, "imbalance", str(settings.imbalance_episode), now)
    return [
        _row(alliance, "imbalance", f"{settings.imbalance_episode}", person, party, data, now)
        for party, person in _leads(session, alliance)
    ]


def _digests(session: Session, alliance: Alliance, settings: ScorecardSettings, now: datetime) -> list[dict[str, Any]]:
    key, label = period_of(settings.digest, now, alliance.home_tz)
    settings.next_digest_at = next_digest(Frequency(settings.digest), alliance.home_tz, now)
    return [
        _row(alliance, "digest", key, person, party, {"period": label}, now)
        for party, person in _people(session, alliance, "sponsor_id")
    ]


def _reviews(session: Session, alliance: Alliance, settings: ScorecardSettings, now: datetime) -> list[dict[str, Any]]:
    """Review dates that have passed (within REVIEW_WINDOW): a prompt to each lead, planned once per date."""
    assert alliance.id is not None
    settings.reviews_checked_at = now
    terms = charter_terms(session, alliance.id)
    dates = [("timeframe", "", terms.timeframe_end)] + [(f"goal:{g.key}", g.title, g.target_date) for g in terms.goals]
    rows = []
    for what, about, at in dates:
        if at is None or not now - REVIEW_WINDOW < at <= now:
            continue
        review_key = f"{what}:{at.date().isoformat()}"
        data = {"review_key": review_key, "about": about}
        rows += [
            _row(alliance, "review", review_key, person, party, data, now)
            for party, person in _leads(session, alliance)
        ]
    return rows


def _leads(session: Session, alliance: Alliance) -> list[tuple[Party, Person]]:
    return _people(session, alliance, "lead_id")


def _people(session: Session, alliance: Alliance, role: str) -> list[tuple[Party, Person]]:
    """Each party's holder of `role` who is still here."""
    assert alliance.id is not None
    gone = {user_id for _, user_id in members.departed(session=session, alliance_ids=[alliance.id])}
    found = []
    for party in repo.list_parties(session=session, alliance_id=alliance.id):
        user_id = getattr(party, role)
        person = session.get(Person, user_id) if user_id else None
        if person is not None and not person.deleted and person.user_id not in gone:
            found.append((party, person))
    return found


def _row(
    alliance: Alliance, kind: str, key: str, person: Person, party: Party, data: dict[str, Any], now: datetime
) -> dict[str, Any]:
    away = person.away_until if person.away_until and person.away_until > now else now
    return {
        "key": f"{kind}:{alliance.id}:{key}:{person.user_id}",
        "alliance_id": alliance.id,
        "kind": kind,
        "recipient_id": person.user_id,
        "checkin_id": None,
        "commitment_id": None,
        "data": json.dumps(data),
        "not_before": working_time_of(person.tz, party.country).next_working_moment(away),
    }


# ---- what is said when it is sent (Scheduler._content calls `content`) ------------------------------------


def content(session: Session, d: DeliveryRow, now: datetime) -> ScorecardDispatch | None:
    """The message of a planned delivery as things stand now; None when there is nothing to say any more."""
    alliance = session.get(Alliance, d.alliance_id)
    person = session.get(Person, d.recipient_id)
    if alliance is None or alliance.id is None or person is None:
        return None
    data = json.loads(d.data or "{}")
    card = build_card(session, alliance, now)
    audience = private_to(person.team_id)
    match d.kind:
        case "imbalance":
            settings = session.get(ScorecardSettings, alliance.id)
            if settings is None or settings.imbalanced_since is None or settings.imbalance_episode != data["episode"]:
                return None  # balanced again before the warning went out
            if card.balance.ahead is None:
                return None
            # Both leads get the same facts: what both organisations may see.
            return ImbalanceWarning(
                alliance=alliance.name,
                balance=card.balance,
                sides=card.seen_by(SHARED).sides,
                recipient_id=d.recipient_id,
            )
        case "digest":
            return SponsorDigest(
                alliance=alliance.name,
                period=str(data.get("period", "")),
                card=card.seen_by(audience),
                open_disputes=open_disputes(session, alliance.id),
                recipient_id=d.recipient_id,
            )
        case "review":
            return ReviewPrompt(
                channel_id=alliance.channel_id,
                review_key=str(data.get("review_key", "")),
                about=str(data.get("about", "")),
                card=card.seen_by(audience),
                recipient_id=d.recipient_id,
            )
    return None


# ---- the answer to a review prompt ------------------------------------------------------------------------


def answer_review(
    work: Work,
    *,
    channel_id: str,
    review_key: str,
    about: str,
    user_id: str,
    verdict: Verdict,
) -> ReviewAnswered:
    """Record a lead's continue / adjust / wind down; a second click changes their answer."""
    session = work.session
    alliance = repo.get_alliance(session=session, platform=work.platform, channel_id=channel_id)
    if alliance is None or alliance.id is None:
        raise NotALead(user_id)
    party = next((p for p in repo.list_parties(session=session, alliance_id=alliance.id) if p.lead_id == user_id), None)
    if party is None:
        raise NotALead(user_id)
    scorecard_store.answer_review(
        session=session,
        alliance_id=alliance.id,
        review_key=review_key,
        user_id=user_id,
        verdict=verdict.value,
        at=work.now(),
    )
    return ReviewAnswered(
        review_key=review_key,
        about=about,
        verdict=verdict,
        user_id=user_id,
        party=Side(party.team_id, party.name),
    )
