"""Block Kit for the charter, decisions and disputes: the charter form's steps, and Edit, Sign off and Resolved."""

from __future__ import annotations

import json
from typing import Any

from bot.core.charter.document import CADENCES, STEP_WHO, goal_line
from bot.core.charter.results import (
    CharterReminder,
    CharterSaved,
    CharterShown,
    CharterSigned,
    CharterView,
    DisputeNudge,
    DisputeOpened,
)
from bot.slack.blocks.base import MAX_BLOCKS, Block, sections
from bot.texts import charter as charter_texts

FORM_CALLBACK = "charter_form"
RESOLVE_CALLBACK = "dispute_resolve"
EDIT_ACTION = "charter_edit"
SIGN_ACTION = "charter_sign"
RESOLVE_ACTION = "dispute_resolved"
STEPS = 3
MODAL_BLOCKS = 100  # Slack's limit for a modal
CADENCE_LABELS = {
    "default": "Default: weekly, then every 2 weeks, then monthly",
    "weekly": "Weekly",
    "fortnightly": "Every 2 weeks",
    "monthly": "Monthly",
}
GOALS_HINT = "One goal per line: what | target date YYYY-MM-DD | the parties it benefits (leave out for both)."


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:150]}


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool = True, hint: str = "") -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label),
        "optional": optional,
        "element": {**element, "action_id": "value"},
    }
    if hint:
        block["hint"] = _plain(hint)
    return block


def _text(initial: str, *, multiline: bool = False, max_length: int = 1000, placeholder: str = "") -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "multiline": multiline, "max_length": max_length}
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = _plain(placeholder)
    return element


def _user(initial: str | None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "users_select"}
    if initial:
        element["initial_user"] = initial
    return element


def _date(initial: Any) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "datepicker"}
    if initial is not None:
        element["initial_date"] = initial.isoformat()
    return element


def _option(value: str) -> dict[str, Any]:
    return {"text": _plain(CADENCE_LABELS[value]), "value": value}


def charter_form(view: CharterView, step: int) -> dict[str, Any]:
    """Step 1: the alliance and its goals; 2: its people; 3: how the parties work together and settle disputes.
    `private_metadata` says which alliance and which step; what was entered lives in the bot's draft."""
    match step:
        case 1:
            blocks = _alliance_step(view)
        case 2:
            blocks = _people_step(view)
        case _:
            blocks = _working_step(view)
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "private_metadata": json.dumps({"ch": view.channel_id, "step": step}),
        "title": _plain(f"Charter ({step} of {STEPS})"),
        "submit": _plain("Next" if step < STEPS else "Save"),
        "close": _plain("Cancel"),
        "blocks": blocks[:MODAL_BLOCKS],
    }


def _alliance_step(view: CharterView) -> list[Block]:
    parties = ", ".join(p.name for p in view.parties)
    return [
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"The parties: *{parties}*"}]},
        _input("name", "The alliance's name", _text(view.name, max_length=200), optional=False),
        _input(
            "goals",
            "Goals",
            _text(
                "\n".join(goal_line(g) for g in view.goals),
                multiline=True,
                max_length=3000,
                placeholder="Joint API live | 2027-03-31 | Acme, Globex",
            ),
            hint=GOALS_HINT,
        ),
        _input("start", "The agreed timeframe starts", _date(view.start)),
        _input("end", "… and ends", _date(view.end)),
    ]


def _people_step(view: CharterView) -> list[Block]:
    blocks: list[Block] = []
    for party in view.parties:
        blocks.append(_input(f"lead:{party.team_id}", f"Lead of {party.name}", _user(party.lead_id)))
        blocks.append(_input(f"sponsor:{party.team_id}", f"Executive sponsor of {party.name}", _user(party.sponsor_id)))
    deciders: dict[str, Any] = {"type": "multi_users_select"}
    if view.decision_makers:
        deciders["initial_users"] = view.decision_makers
    blocks.append(
        _input("decision_makers", "Decision makers", deciders, hint="Who decides for the alliance; both sides.")
    )
    return blocks


def _working_step(view: CharterView) -> list[Block]:
    cadence = {
        "type": "static_select",
        "options": [_option(c) for c in CADENCES],
        "initial_option": _option(view.cadence if view.cadence in CADENCES else "default"),
    }
    days = {s.who: s.days for s in view.steps}
    blocks: list[Block] = [
        _input("cadence", "How often we consult (sets the check-ins)", cadence, optional=False),
        _input("formality", "How formally", _text(view.formality, placeholder="A 30-minute call, minutes shared")),
        _input("communication", "Lines of communication", _text(view.communication, multiline=True)),
    ]
    words = {
        "leads": "Disputes: the leads have (working days)",
        "sponsors": "… then the sponsors",
        "mediator": "… then the mediator",
    }
    for who in STEP_WHO:
        number = {"type": "number_input", "is_decimal_allowed": False, "min_value": "1", "max_value": "30"}
        if who in days:
            number["initial_value"] = str(days[who])
        blocks.append(_input(f"days:{who}", words[who], number))
    blocks += [
        _input("mediator", "The named external mediator", _text(view.mediator, max_length=500)),
        _input("mediator_id", "… in Slack, if they are here", _user(view.mediator_id)),
        _input("shared", "What information we share", _text(view.shared, multiline=True)),
        _input("held_back", "What each party holds back", _text(view.held_back, multiline=True)),
    ]
    return blocks


def form_fields(step: int, values: dict[str, dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """A submitted step's `view.state.values` as the core's fields (dates still ISO strings)."""
    fields: dict[str, Any] = {}
    for block_id, actions in values.items():
        state = actions.get("value") or {}
        match state.get("type"):
            case "users_select":
                fields[block_id] = state.get("selected_user")
            case "multi_users_select":
                fields[block_id] = list(state.get("selected_users") or [])
            case "datepicker":
                fields[block_id] = state.get("selected_date")
            case "static_select":
                fields[block_id] = (state.get("selected_option") or {}).get("value")
            case _:
                fields[block_id] = state.get("value")
    return fields


def resolve_form(channel_id: str, ref: int, dm_channel_id: str | None) -> dict[str, Any]:
    meta: dict[str, Any] = {"ch": channel_id, "d": ref}
    if dm_channel_id:
        meta["dm"] = dm_channel_id
    return {
        "type": "modal",
        "callback_id": RESOLVE_CALLBACK,
        "private_metadata": json.dumps(meta),
        "title": _plain(f"Resolve dispute #{ref}"),
        "submit": _plain("Resolved"),
        "close": _plain("Cancel"),
        "blocks": [
            _input(
                "outcome",
                "How was it settled?",
                _text("", multiline=True, placeholder="What was agreed, and by whom"),
                optional=False,
            )
        ],
    }


# ---- buttons --------------------------------------------------------------------------------------------------


def _button(action_id: str, label: str, value: dict[str, Any], style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": _plain(label),
        "value": json.dumps(value, separators=(",", ":")),
    }
    if style:
        button["style"] = style
    return button


def charter_buttons(view: CharterView, *, edit: bool = True) -> Block:
    elements = []
    if edit:
        elements.append(_button(EDIT_ACTION, "Edit charter", {"ch": view.channel_id}))
    if view.version and view.signed_at is None and not view.missing:
        elements.append(_button(SIGN_ACTION, "Sign off", {"ch": view.channel_id, "v": view.version}, "primary"))
    return {"type": "actions", "block_id": f"charter:{view.version}", "elements": elements}


def edit_button(channel_id: str) -> list[Block]:
    """For a mention: a modal needs a trigger, which only a click brings."""
    return [
        *sections(charter_texts.EDIT_HINT),
        {"type": "actions", "elements": [_button(EDIT_ACTION, "Edit charter", {"ch": channel_id})]},
    ]


def resolve_button(channel_id: str, ref: int) -> Block:
    return {
        "type": "actions",
        "block_id": f"dispute:{ref}",
        "elements": [_button(RESOLVE_ACTION, "Resolved", {"ch": channel_id, "d": ref}, "primary")],
    }


def render(outcome: object) -> list[Block]:
    """Blocks of a charter, decision or dispute answer: the text, and its buttons where there are any."""
    body = sections(charter_texts.outcome(outcome))
    match outcome:
        case CharterShown(charter=view) | CharterSaved(charter=view) | CharterSigned(charter=view):
            buttons = charter_buttons(view, edit=isinstance(outcome, CharterShown))
            if buttons["elements"]:
                body = [*body[: MAX_BLOCKS - 1], buttons]
        case DisputeOpened(dispute=d):
            body = [*body[: MAX_BLOCKS - 1], resolve_button(outcome.channel_id, d.ref)]
    return body


def signed_charter(view: CharterView) -> list[Block]:
    return sections(charter_texts.signed_charter(view))


def dispatch(content: object, *, channel_id: str) -> list[Block]:
    body = sections(charter_texts.dispatch(content))
    if isinstance(content, CharterReminder):
        return [*body[: MAX_BLOCKS - 1], charter_buttons(content.charter)]
    if isinstance(content, DisputeNudge):
        return [*body[: MAX_BLOCKS - 1], resolve_button(channel_id, content.dispute.ref)]
    return body
