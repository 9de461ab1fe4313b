"""Sentences about the charter, decisions and disputes."""

from __future__ import annotations

from bot.core.charter.results import (
    CharterEditRequested,
    CharterReminder,
    CharterSaved,
    CharterShown,
    CharterSigned,
    CharterView,
    DecisionList,
    DecisionRecorded,
    DecisionView,
    DisputeList,
    DisputeMoved,
    DisputeNudge,
    DisputeOpened,
    DisputeResolved,
    DisputeView,
    FieldChange,
)
from bot.core.errors import CharterError
from bot.texts.base import BOT, person, ref, when

LABELS = {
    "name": "Name",
    "goals": "Goals",
    "timeframe": "Timeframe",
    "leads": "Leads",
    "sponsors": "Sponsors",
    "decision_makers": "Decision makers",
    "cadence": "Check-ins",
    "formality": "How formally we consult",
    "communication": "Lines of communication",
    "steps": "Dispute steps",
    "mediator": "Mediator",
    "shared": "What we share",
    "held_back": "What we hold back",
}
CADENCE_WORDS = {
    "default": "weekly at first, then every 2 weeks, then monthly",
    "weekly": "weekly",
    "fortnightly": "every 2 weeks",
    "monthly": "monthly",
}
STEP_WORDS = {"leads": "the leads", "sponsors": "the sponsors", "mediator": "the mediator"}
WRITE_HINT = (
    "`charter goal Joint launch in DACH by 2027-03-31`, `charter timeframe 2026-12-01 to 2027-11-30`, "
    "`charter deciders @alice @paul`, `charter mediator @erin`, `lead @name`, `sponsor @name`, then `charter sign`."
)
EDIT_HINT = "Edit the charter in a form: goals, timeframe, leads and sponsors, how we consult and settle disputes."
SIGN_HINT = "Both leads sign off; the signed charter is posted here and pinned."


NOT_A_DATE = "That is not a date; pick one from the calendar."


def label(key: str) -> str:
    return LABELS.get(key, key)


def _people(user_ids: list[str]) -> str:
    return ", ".join(person(u) for u in user_ids) or "nobody yet"


def _and(user_ids: list[str]) -> str:
    names = [person(u) for u in user_ids]
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def steps_line(view: CharterView) -> str:
    parts = [f"{STEP_WORDS.get(s.who, s.who)} ({s.days} working days)" for s in view.steps]
    return ", then ".join(parts)


def mediator(view: CharterView) -> str:
    named = [x for x in (view.mediator, person(view.mediator_id) if view.mediator_id else "") if x]
    return " · ".join(named) or "_not named yet_"


def charter(view: CharterView, *, title: str = "Charter") -> str:
    """The whole charter, as everyone reads it."""
    if view.version == 0:
        return (
            f":scroll: *{view.name}* has no charter yet. `charter edit` (or `{BOT} charter edit`) writes one: goals "
            "with target dates, the timeframe, leads and sponsors, decision makers, how often we consult, the lines "
            "of communication, the dispute steps and mediator, and what is shared and what is held back. "
            f"Or one line at a time: {WRITE_HINT}"
        )
    if view.signed_at is not None:
        state = f"signed by {_and(view.signed_by)}"
    elif view.signed_by:
        state = f"signed so far by {_people(view.signed_by)}"
    else:
        state = "not signed yet"
    lines = [f":scroll: *{title}: {view.name}* · version {view.version} · {state}"]
    roles = []
    for p in view.parties:
        roles.append(
            f"*{p.name}* (lead {person(p.lead_id) if p.lead_id else '_none_'}, "
            f"sponsor {person(p.sponsor_id) if p.sponsor_id else '_none_'})"
        )
    lines.append(f"*Parties:* {' · '.join(roles)}")
    if view.start and view.end:
        lines.append(f"*Timeframe:* {view.start.isoformat()} to {view.end.isoformat()}")
    if view.goals:
        lines.append("*Goals:*")
        lines.extend(f"• {g.text} · by {g.target.isoformat()} · for {', '.join(g.benefits)}" for g in view.goals)
    lines.append(f"*Decision makers:* {_people(view.decision_makers)}")
    consult = CADENCE_WORDS.get(view.cadence, view.cadence)
    lines.append(f"*We consult:* {consult}" + (f" · {view.formality}" if view.formality else ""))
    if view.communication:
        lines.append(f"*Lines of communication:* {view.communication}")
    lines.append(f"*Disputes go to:* {steps_line(view)} · *mediator:* {mediator(view)}")
    if view.shared:
        lines.append(f"*What we share:* {view.shared}")
    if view.held_back:
        lines.append(f"*What we hold back:* {view.held_back}")
    if view.missing:
        lines.append(f"_Still to fill in before it can be signed: {', '.join(label(k) for k in view.missing)}._")
    return "\n".join(lines)


def change_line(change: FieldChange) -> str:
    before = change.before.replace("\n", "; ") or "_(empty)_"
    after = change.after.replace("\n", "; ") or "_(empty)_"
    return (
        f"• *{label(change.label)}:* ~{before}~ → {after}" if change.before else f"• *{label(change.label)}:* {after}"
    )


def _leads(view: CharterView) -> list[str]:
    return [p.lead_id for p in view.parties if p.lead_id]


def saved(result: CharterSaved) -> str:
    view = result.charter
    if result.first:
        ask = (
            f"{_and(_leads(view))}, please read it and sign it off."
            if not view.missing
            else "It can be signed once it says: " + ", ".join(label(k) for k in view.missing) + "."
        )
        return f":scroll: {person(result.actor_id)} wrote the charter. {ask}\n{charter(view)}"
    if not result.changes:
        return "Nothing changed in the charter."
    head = f":pencil2: {person(result.actor_id)} changed the charter (now version {view.version}):"
    lines = [head, *(change_line(c) for c in result.changes)]
    if result.was_signed:
        lines.append(
            f"The signatures are cleared: {_and(_leads(view))}, please read the changes and sign version "
            f"{view.version} again."
        )
    elif not view.missing:
        lines.append(f"{_and(_leads(view))}, please sign version {view.version} when you are ready.")
    return "\n".join(lines)


def signed(result: CharterSigned) -> str:
    view = result.charter
    if result.complete:
        return (
            f":white_check_mark: {person(result.signer_id)} signed the charter. Both leads have signed version "
            f"{view.version}: it is in force, posted below and pinned to the channel."
        )
    waiting = [u for u in _leads(view) if u not in view.signed_by]
    return f":writing_hand: {person(result.signer_id)} signed the charter (version {view.version})." + (
        f" Waiting for {_and(waiting)}." if waiting else ""
    )


def signed_charter(view: CharterView) -> str:
    """The message that is pinned."""
    return charter(view, title="Signed charter")


def decision_line(d: DecisionView) -> str:
    consulted = f" · consulted {_people(d.consulted)}" if d.consulted else ""
    by = f" (recorded by {person(d.recorded_by)})" if d.recorded_by != d.decided_by else ""
    return f"`D{d.ref}` *{d.text}* · decided by {person(d.decided_by)}{consulted}{by}"


def decision_recorded(result: DecisionRecorded) -> str:
    return f":ballot_box_with_check: Decision recorded: {decision_line(result.decision)}"


def decisions(result: DecisionList) -> str:
    if not result.decisions:
        return "No decisions recorded yet. `decide <what was decided> consulted @name` records one."
    more = f"\n_…and {result.hidden} earlier ones._" if result.hidden else ""
    return "*Decisions*\n" + "\n".join(f"• {decision_line(d)}" for d in result.decisions) + more


def _step_words(d: DisputeView) -> str:
    """Whose step it is; when nobody of it is named (or still here), the leads who carry it for them."""
    words = STEP_WORDS.get(d.who, d.who)
    return f"{words}, for whom the leads stand in" if d.stand_in else words


def _next_words(d: DisputeView) -> str:
    if d.step + 1 < len(d.steps):
        return f"If it is not settled by then, it goes to {STEP_WORDS.get(d.steps[d.step + 1].who, 'the next step')}."
    return ""


def dispute_line(d: DisputeView) -> str:
    until = f" until {when(d.deadline, d.home_tz)}" if d.deadline else ""
    return (
        f"`{ref(d.ref)}` *{d.topic}* · opened by {person(d.opened_by)} · with {_step_words(d)} "
        f"({_people(d.people)}){until}"
    )


def dispute_opened(result: DisputeOpened) -> str:
    d = result.dispute
    until = f", who have until {when(d.deadline, d.home_tz)} to settle it" if d.deadline else ""
    return (
        f":scales: Dispute {ref(d.ref)} opened by {person(d.opened_by)}: *{d.topic}*\n"
        f"As the charter says, it goes first to {_step_words(d)} ({_people(d.people)}){until}. {_next_words(d)}\n"
        f"Whoever settles it: `resolve dispute {d.ref} <outcome>`, or the Resolved button."
    )


def disputes(result: DisputeList) -> str:
    if not result.disputes:
        return "No open disputes."
    return "*Open disputes*\n" + "\n".join(f"• {dispute_line(d)}" for d in result.disputes)


def dispute_resolved(result: DisputeResolved) -> str:
    d = result.dispute
    return (
        f":handshake: Dispute {ref(d.ref)} (*{d.topic}*) is resolved, recorded by {person(d.resolved_by or '')}: "
        f"{d.outcome}"
    )


def dispute_nudge(message: DisputeNudge) -> str:
    d = message.dispute
    others = [u for u in d.people if u != message.recipient_id]
    together = f" together with {_people(others)}" if others else ""
    lines = [
        f":scales: Dispute {ref(d.ref)}, *{d.topic}* (opened by {person(d.opened_by)}), is now for {_step_words(d)}"
        f"{',' if d.stand_in else ''} to settle: that includes you{together}."
    ]
    if d.deadline:
        lines.append(f"The charter gives this step until {when(d.deadline, d.home_tz)}. {_next_words(d)}")
    if d.who == "mediator":
        lines.append(f"The charter names the mediator: {d.mediator or '_nobody yet_'}.")
        if d.step >= len(d.steps):
            lines.append("It is still unresolved.")
    lines.append(f"When it is settled, press Resolved (or `resolve dispute {d.ref} <outcome>`).")
    return "\n".join(lines)


def dispute_moved(message: DisputeMoved) -> str:
    d = message.dispute
    if d.step >= len(d.steps):
        return f":hourglass: Dispute {ref(d.ref)} (*{d.topic}*) is still unresolved, with the mediator."
    until = f", until {when(d.deadline, d.home_tz)}" if d.deadline else ""
    return (
        f":arrow_up: Dispute {ref(d.ref)} (*{d.topic}*) was not settled in time and goes to {_step_words(d)} "
        f"({_people(d.people)}){until}, as the charter says."
    )


def reminder(message: CharterReminder) -> str:
    view = message.charter
    if view.version == 0:
        state = "has not been written yet. Writing it down now saves arguments later"
    elif view.missing:
        state = f"still needs: {', '.join(label(k) for k in view.missing)}"
    else:
        state = f"(version {view.version}) is waiting for your signature"
    return (
        f":scroll: A gentle reminder with today's check-in: the charter of *{view.name}* {state}. "
        f"`{BOT} charter` shows it; the buttons below edit or sign it, or write it by text: {WRITE_HINT}"
    )


def outcome(result: object) -> str:
    match result:
        case CharterShown():
            return charter(result.charter)
        case CharterEditRequested():
            return EDIT_HINT
        case CharterSaved():
            return saved(result)
        case CharterSigned():
            return signed(result)
        case DecisionRecorded():
            return decision_recorded(result)
        case DecisionList():
            return decisions(result)
        case DisputeOpened():
            return dispute_opened(result)
        case DisputeList():
            return disputes(result)
        case DisputeResolved():
            return dispute_resolved(result)
    raise TypeError(f"nothing to say for {result!r}")


def dispatch(message: object) -> str:
    match message:
        case CharterReminder():
            return reminder(message)
        case DisputeNudge():
            return dispute_nudge(message)
        case DisputeMoved():
            return dispute_moved(message)
    raise TypeError(f"nothing to say for {message!r}")


def error(exc: CharterError) -> str:
    """A refused charter, decision or dispute command. A refusal about a person (`person`) is said by the
    switchboard from its cause, which may be any refusal."""
    line, _, word = exc.detail.partition(":")
    match exc.reason:
        case "no_charter":
            return "There is no charter yet; `charter edit` writes one."
        case "stale":
            return (
                f"The charter has changed since that was posted; read version {exc.detail} (`charter`) "
                "and sign that one."
            )
        case "not_a_lead":
            return "Only a party's lead signs the charter" + (
                f" (ask {person(exc.user_id)})." if exc.user_id else "; name one with `lead @name`."
            )
        case "incomplete":
            needs = ", ".join(label(k) for k in exc.detail.split(",") if k)
            return f"The charter can't be signed yet: it still needs {needs}. `charter edit` fills them in."
        case "already_signed":
            return f"Your party has already signed version {exc.detail} of the charter."
        case "bad_goal":
            return f"Goal line {line} doesn't read as “text | YYYY-MM-DD | Acme, Globex”: “{word}”."
        case "bad_goal_text":
            return (
                f"“{word}” needs a target date: `charter goal Joint launch in DACH by 2027-03-31` "
                "(or `charter goal <text> | 2027-03-31 | Globex`)."
            )
        case "bad_goal_date":
            return f"Goal line {line}: “{word}” is not a date; write it as YYYY-MM-DD, like 2027-03-31."
        case "bad_goal_party":
            return f"Goal line {line}: “{word}” is not one of this alliance's parties."
        case "too_many_goals":
            return f"At most {exc.detail} goals; keep the charter to the ones that matter."
        case "goals_too_long":
            return f"The goals come to more than {exc.detail} characters written out; shorten some of them."
        case "end_before_start":
            return f"The end comes before the start ({exc.detail}); pick an end after it."
        case "half_timeframe":
            return "Give both a start and an end date, or neither: `charter timeframe 2026-12-01 to 2027-11-30`."
        case "bad_timeframe":
            return f"I can't read “{exc.detail}” as a date; write it as YYYY-MM-DD, like 2027-03-31."
        case "bad_cadence":
            return "Pick weekly, every 2 weeks, monthly or the default."
        case "bad_days":
            return f"“{exc.detail}” is not a number of working days from 1 to 30."
        case "wrong_party":
            return (
                f"{person(exc.user_id or '')} is not one of {exc.detail}'s people; a party's lead and sponsor must be "
                "its own people."
            )
        case "no_dispute":
            return f"There is no dispute {ref(int(exc.detail))} in this alliance. `disputes` lists the open ones."
        case "already_resolved":
            return f"Dispute {ref(int(exc.detail))} is already resolved" + (
                f" (by {person(exc.user_id)})." if exc.user_id else "."
            )
        case "no_outcome":
            return f"Say how dispute {ref(int(exc.detail))} was settled, so both parties have it on record."
        case "not_party_to_dispute":
            return (
                f"Only the leads, the sponsors, the mediator or whoever opened dispute {ref(int(exc.detail))} can "
                "mark it resolved."
            )
    return "I couldn't do that. Nothing was changed."
