"""Carrying out the pulse's commands, and recording an answer."""

from __future__ import annotations

import json

from bot.core.alliance import Caller, Work
from bot.core.errors import PulseError
from bot.core.pulse import questions, rhythm
from bot.core.pulse.commands import PulseCommand, PulseNow, PulseQuestions, PulseRhythm, ShowPulse
from bot.core.pulse.planning import ensure_settings, open_pulse
from bot.core.pulse.results import PulseOutcome, PulseQuestionsView, PulseSetting, PulseShown, PulseThanks
from bot.core.pulse.summary import summarise, trends
from storage import deliveries
from storage import pulse as store
from storage import repository as repo
from storage.models import Alliance, PulseRound, PulseSettings


def run(work: Work, command: PulseCommand, caller: Caller, alliance: Alliance) -> PulseOutcome:
    settings = ensure_settings(work.session, alliance)
    match command:
        case ShowPulse():
            return show(work, alliance, settings)
        case PulseQuestions(number=None, reset=False):
            return questions_view(settings)
    may_steer(work, alliance, caller)
    match command:
        case PulseNow():
            return now(work, alliance, settings)
        case PulseRhythm(months=months):
            return set_rhythm(work, alliance, settings, months)
        case PulseQuestions(number=number, text=text, reset=reset):
            if reset:
                settings.questions = "{}"
            elif number is not None:
                settings.questions = questions.edit(settings.questions, number, text)
            work.session.add(settings)
            return questions_view(settings, changed=True)
    raise AssertionError(f"not a pulse command: {command!r}")


def may_steer(work: Work, alliance: Alliance, caller: Caller) -> None:
    """Only a party's lead or sponsor sets the pulse's rhythm and wording, or calls one."""
    assert alliance.id is not None
    parties = repo.list_parties(session=work.session, alliance_id=alliance.id)
    if not any(caller.user_id in (p.lead_id, p.sponsor_id) for p in parties):
        raise PulseError("not_steering")


def show(work: Work, alliance: Alliance, settings: PulseSettings) -> PulseShown:
    assert alliance.id is not None
    summaries = summarise(work.session, store.rounds(session=work.session, alliance_id=alliance.id))
    current = store.open_round(session=work.session, alliance_id=alliance.id)
    return PulseShown(
        last=summaries[-1] if summaries else None,
        trends=trends(summaries),
        open_seq=current.seq if current else None,
        open_closes_at=current.closes_at if current else None,
        next_at=None if settings.off else settings.next_at,
        every_months=settings.every_months,
        off=settings.off,
        home_tz=alliance.home_tz,
    )


def now(work: Work, alliance: Alliance, settings: PulseSettings) -> PulseSetting:
    """Open a pulse at once; its questions go out with the next sweep, in each person's working hours."""
    assert alliance.id is not None
    current = store.open_round(session=work.session, alliance_id=alliance.id)
    if current is not None:
        raise PulseError("open", seq=current.seq)
    rows = open_pulse(work.session, alliance, settings, work.now(), reason="asked")
    deliveries.plan_deliveries(session=work.session, rows=rows)
    return _setting(alliance, settings, called=True)


def set_rhythm(work: Work, alliance: Alliance, settings: PulseSettings, months: int | None) -> PulseSetting:
    assert alliance.id is not None
    if months is None:
        settings.off, settings.next_at = True, None
    else:
        held = store.rounds(session=work.session, alliance_id=alliance.id, closed=False)
        last = held[-1].opened_at if held else None
        settings.off, settings.every_months = False, months
        following = rhythm.next_pulse(last, alliance.started_at, months, work.home(alliance))
        settings.next_at = max(following, work.now())
    work.session.add(settings)
    return _setting(alliance, settings)


def _setting(alliance: Alliance, settings: PulseSettings, *, called: bool = False) -> PulseSetting:
    return PulseSetting(settings.every_months, settings.off, settings.next_at, called=called, home_tz=alliance.home_tz)


def questions_view(settings: PulseSettings, *, changed: bool = False) -> PulseQuestionsView:
    edited = tuple(sorted(int(k) for k in json.loads(settings.questions or "{}")))
    return PulseQuestionsView(tuple(questions.current(settings.questions)), edited, questions.OPEN_QUESTION, changed)


def answer(work: Work, round_id: int, user_id: str, ratings: dict[int, int], remark: str) -> PulseThanks:
    """Count one person's answer: a tally per rating and an unsigned remark, and apart from them that they
    answered. Once only: a second answer cannot replace the first, since nothing says which was theirs."""
    session = work.session
    pulse = session.get(PulseRound, round_id)
    if pulse is None or pulse.id is None:
        raise PulseError("closed")
    alliance = session.get(Alliance, pulse.alliance_id)
    assert alliance is not None
    if pulse.closed_at is not None or pulse.closes_at <= work.now():
        raise PulseError("closed", seq=pulse.seq)
    team_id = work.team_of(user_id)
    if team_id not in {p.team_id for p in repo.list_parties(session=session, alliance_id=alliance.id or 0)}:
        raise PulseError("not_party", seq=pulse.seq)
    count = len(questions.DEFAULTS)
    given = {q: r for q, r in ratings.items() if 1 <= q <= count and 1 <= r <= 5}
    if not store.mark_answered(session=session, round_id=pulse.id, user_id=user_id, team_id=team_id):
        raise PulseError("answered", seq=pulse.seq)
    store.count_ratings(session=session, round_id=pulse.id, team_id=team_id, ratings=given)
    words = " ".join(remark.split())[: questions.MAX_REMARK]
    if words:
        store.add_remark(session=session, round_id=pulse.id, team_id=team_id, text=words)
    return PulseThanks(pulse.seq, pulse.closes_at, alliance.channel_id)


def open_round_id(work: Work, channel_id: str) -> int | None:
    """The pulse open in a channel's alliance, if one is (the console answers it by typing)."""
    alliance = work.alliance(channel_id)
    current = store.open_round(session=work.session, alliance_id=alliance.id) if alliance and alliance.id else None
    return current.id if current is not None else None


def statements(work: Work, round_id: int) -> tuple[str, ...]:
    """The statements a pulse asks, as worded when it opened (for the form that answers it)."""
    pulse = work.session.get(PulseRound, round_id)
    if pulse is None:
        raise PulseError("closed")
    return tuple(json.loads(pulse.questions))


def commitment_title(work: Work, channel_id: str, user_id: str, round_id: int, number: int) -> str:
    """A blind spot or agreed weakness to turn into a commitment: only a party's lead may, and the form opens
    with the statement as the commitment's title."""
    alliance = work.alliance(channel_id)
    pulse = work.session.get(PulseRound, round_id)
    if alliance is None or alliance.id is None or pulse is None or pulse.alliance_id != alliance.id:
        raise PulseError("closed")
    parties = repo.list_parties(session=work.session, alliance_id=alliance.id)
    if not any(p.lead_id == user_id for p in parties):
        raise PulseError("not_lead", seq=pulse.seq)
    asked = json.loads(pulse.questions)
    if not 1 <= number <= len(asked):
        raise PulseError("no_statement", seq=pulse.seq)
    return f"Close the pulse gap: {asked[number - 1]}"
