"""The charter, decisions and disputes in Slack: the form's three steps (pushed views, errors beside the field),
the Edit charter button for people who mention the bot, Sign off by both leads (then posted and pinned), the
field-by-field diff after a change, and a dispute nudged in DMs by the sweep and resolved from its button.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.core.schedule import Pacer, Scheduler
from bot.slack.app import web_client
from bot.slack.courier import SlackCourier
from storage.models import CharterVersion, Dispute, Party
from tests.slack import payloads
from tests.slack.conftest import Bot
from tests.slack.fakes.web_api import ACME, ALICE, CHANNEL, ERIN, GLOBEX, GUS, PAUL, PIA, Call
from tests.slack.transcript import said_besides_intro, whispered

DM_PIA = "D0PIA0001"
STEP1_BLOCKS = ["name", "goals", "start", "end"]
STEP2_BLOCKS = [f"lead:{ACME}", f"sponsor:{ACME}", f"lead:{GLOBEX}", f"sponsor:{GLOBEX}", "decision_makers"]
STEP3_BLOCKS = [
    "cadence",
    "formality",
    "communication",
    "days:leads",
    "days:sponsors",
    "days:mediator",
    "mediator",
    "mediator_id",
    "shared",
    "held_back",
]
GOALS = "Joint API live | 2027-03-31 | Acme, Globex\nFirst co-sold deal | 2027-05-31 | Globex"


def utc(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def meta(step: int) -> str:
    return json.dumps({"ch": CHANNEL, "step": step})


def step1(goals: str = GOALS, start: str = "2026-12-01", end: str = "2027-06-30") -> dict[str, Any]:
    return {
        "name": {"value": payloads.plain_text_input("Acme x Globex")},
        "goals": {"value": payloads.plain_text_input(goals)},
        "start": {"value": payloads.datepicker(start)},
        "end": {"value": payloads.datepicker(end)},
    }


def step2() -> dict[str, Any]:
    return {
        f"lead:{ACME}": {"value": payloads.users_select(ALICE)},
        f"sponsor:{ACME}": {"value": payloads.users_select(ERIN)},
        f"lead:{GLOBEX}": {"value": payloads.users_select(PIA)},
        f"sponsor:{GLOBEX}": {"value": payloads.users_select(GUS)},
        "decision_makers": {"value": payloads.multi_users_select(ALICE, PIA)},
    }


def step3(cadence: str = "fortnightly", mediator: str = "Jane Doe, ICC mediation") -> dict[str, Any]:
    return {
        "cadence": {"value": payloads.static_select(cadence)},
        "formality": {"value": payloads.plain_text_input("A 30-minute call, minutes shared")},
        "communication": {"value": payloads.plain_text_input("This channel")},
        "days:leads": {"value": payloads.number_input("5")},
        "days:sponsors": {"value": payloads.number_input("5")},
        "days:mediator": {"value": payloads.number_input(None)},
        "mediator": {"value": payloads.plain_text_input(mediator)},
        "mediator_id": {"value": payloads.users_select(None)},
        "shared": {"value": payloads.plain_text_input("Pipeline and roadmap")},
        "held_back": {"value": payloads.plain_text_input("Pricing")},
    }


def submit(bot: Bot, step: int, values: dict[str, Any], *, user: str = ALICE) -> dict[str, Any]:
    status, body = bot.post(payloads.view_submission("charter_form", values, user=user, private_metadata=meta(step)))
    assert status == 200
    return json.loads(body) if body else {}


def start(bot: Bot) -> None:
    """The channel's first use, and its introduction, out of the way."""
    bot.post(payloads.slash_command("charter"))
    bot.fake.wait_for("chat.postEphemeral")
    bot.quiet()
    bot.fake.clear()


def write(bot: Bot, *, goals: str = GOALS, cadence: str = "fortnightly", user: str = ALICE) -> None:
    """The whole form, as `user` fills it in; waits for the announcement."""
    bot.post(payloads.slash_command("charter edit", user=user))
    bot.fake.wait_for("views.open")
    assert submit(bot, 1, step1(goals), user=user)["response_action"] == "push"
    assert submit(bot, 2, step2(), user=user)["response_action"] == "push"
    assert submit(bot, 3, step3(cadence), user=user) == {"response_action": "clear"}
    bot.fake.wait_for("chat.postMessage")
    bot.quiet()


def inputs(view: dict[str, Any]) -> list[str]:
    return [b["block_id"] for b in view["blocks"] if b["type"] == "input"]


def actions(call: Call) -> list[tuple[str, dict[str, Any]]]:
    return [
        (e["action_id"], json.loads(e["value"]))
        for b in call.args.get("blocks") or []
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def posts(bot: Bot) -> list[Call]:
    return [c for c in bot.fake.calls_to("chat.postMessage") if c.args.get("channel") == CHANNEL]


# ---- the form ---------------------------------------------------------------------------------------------


def test_charter_edit_opens_the_form_and_each_step_pushes_the_next(bot: Bot) -> None:
    start(bot)
    bot.post(payloads.slash_command("charter edit"))
    [opened] = bot.fake.wait_for("views.open")
    view = opened.args["view"]
    assert (view["callback_id"], json.loads(view["private_metadata"]), inputs(view)) == (
        "charter_form",
        {"ch": CHANNEL, "step": 1},
        STEP1_BLOCKS,
    )
    assert view["title"]["text"] == "Charter (1 of 3)"

    second = submit(bot, 1, step1())
    assert second["response_action"] == "push"
    assert (json.loads(second["view"]["private_metadata"]), inputs(second["view"])) == (
        {"ch": CHANNEL, "step": 2},
        STEP2_BLOCKS,
    )
    third = submit(bot, 2, step2())
    assert third["response_action"] == "push"
    assert inputs(third["view"]) == STEP3_BLOCKS
    assert third["view"]["submit"]["text"] == "Save"
    for pushed in (second["view"], third["view"]):
        assert len(pushed["blocks"]) <= 100 and len(pushed["private_metadata"]) <= 3000

    assert submit(bot, 3, step3()) == {"response_action": "clear"}
    bot.fake.wait_for("chat.postMessage")
    bot.quiet()
    [announced] = posts(bot)
    text = str(announced.args["text"])
    assert text.splitlines()[0] == (
        f":scroll: <@{ALICE}> wrote the charter. <@{ALICE}> and <@{PIA}>, please read it and sign it off."
    )
    assert "• First co-sold deal · by 2027-05-31 · for Globex" in text
    assert actions(announced) == [("charter_sign", {"ch": CHANNEL, "v": 1})]
    assert sorted((p.name, p.lead_id, p.sponsor_id) for p in bot.rows(Party)) == [
        ("Acme", ALICE, ERIN),
        ("Globex", PIA, GUS),
    ]
    assert [v.version for v in bot.rows(CharterVersion)] == [1]


def test_bad_input_is_answered_beside_its_field_and_nothing_is_lost(bot: Bot) -> None:
    start(bot)
    bot.post(payloads.slash_command("charter edit"))
    bot.fake.wait_for("views.open")

    bad_goal = submit(bot, 1, step1(goals="Joint API live | 2027-03-31\nFirst deal by summer"))
    assert bad_goal == {
        "response_action": "errors",
        "errors": {"goals": "Goal line 2 doesn't read as “text | YYYY-MM-DD | Acme, Globex”: “First deal by summer”."},
    }
    late_end = submit(bot, 1, step1(start="2027-06-30", end="2026-12-01"))
    assert late_end == {
        "response_action": "errors",
        "errors": {"end": "The end comes before the start (2027-06-30); pick an end after it."},
    }
    bot.quiet()
    assert said_besides_intro(bot.fake) == [] and whispered(bot.fake) == []
    assert bot.rows(CharterVersion) == []

    # Fixed, the same step goes on; the steps entered before stay in the draft.
    assert submit(bot, 1, step1())["response_action"] == "push"
    assert submit(bot, 2, step2())["response_action"] == "push"
    bad_days = submit(bot, 3, {**step3(), "days:sponsors": {"value": payloads.number_input("0")}})
    assert bad_days["errors"] == {"days:sponsors": "“0” is not a number of working days from 1 to 30."}
    assert submit(bot, 3, step3()) == {"response_action": "clear"}
    bot.fake.wait_for("chat.postMessage")
    [version] = bot.rows(CharterVersion)
    assert json.loads(version.content)["goals"][1]["text"] == "First co-sold deal"


def test_a_mention_offers_the_edit_button_whose_click_opens_the_form(bot: Bot) -> None:
    start(bot)
    bot.post(payloads.app_mention("charter edit", user=PAUL, ts="1795400000.000300"))
    [offer] = bot.fake.wait_for("chat.postEphemeral")
    assert (offer.args["user"], offer.args["thread_ts"]) == (PAUL, "1795400000.000300")
    assert actions(offer) == [("charter_edit", {"ch": CHANNEL})]
    assert bot.fake.calls_to("views.open") == []

    click = payloads.block_action("charter_edit", json.dumps({"ch": CHANNEL}), user=PAUL, trigger_id="13345.trigger")
    assert bot.post(click) == (200, "")
    [opened] = bot.fake.wait_for("views.open")
    assert opened.args["trigger_id"] == "13345.trigger"
    assert inputs(opened.args["view"]) == STEP1_BLOCKS
    assert bot.listener_crashes() == []


# ---- signing ----------------------------------------------------------------------------------------------


def sign(bot: Bot, user: str, version: int = 1) -> None:
    value = json.dumps({"ch": CHANNEL, "v": version})
    assert bot.post(payloads.block_action("charter_sign", value, user=user)) == (200, "")


def test_both_leads_sign_and_the_signed_charter_is_posted_and_pinned(bot: Bot) -> None:
    start(bot)
    write(bot)
    bot.fake.clear()

    sign(bot, PAUL)  # not a lead
    [refused] = bot.fake.wait_for("chat.postEphemeral")
    assert (refused.args["user"], refused.args["text"]) == (
        PAUL,
        f"Only a party's lead signs the charter (ask <@{ALICE}>).",
    )

    sign(bot, ALICE)
    bot.fake.wait_for("chat.postMessage")
    bot.quiet()
    assert [c.args["text"] for c in posts(bot)] == [
        f":writing_hand: <@{ALICE}> signed the charter (version 1). Waiting for <@{PIA}>."
    ]
    assert bot.fake.pins == []

    bot.fake.clear()
    sign(bot, PIA)
    bot.fake.wait_for("pins.add")
    bot.quiet()
    signed, charter = posts(bot)
    assert str(signed.args["text"]).startswith(f":white_check_mark: <@{PIA}> signed the charter. Both leads have")
    assert str(charter.args["text"]).startswith(":scroll: *Signed charter: Acme x Globex* · version 1 · signed by")
    [pin] = bot.fake.calls_to("pins.add")
    [version] = bot.rows(CharterVersion)
    assert (pin.args["channel"], pin.args["timestamp"]) == (CHANNEL, version.message_ts)
    assert bot.fake.pins == [(CHANNEL, version.message_ts)]
    assert version.signed_at == bot.clock.now()

    bot.fake.clear()
    sign(bot, PIA)  # a second click changes nothing and pins nothing
    bot.fake.wait_for("chat.postEphemeral")
    bot.quiet()
    assert bot.fake.calls_to("pins.add") == [] and posts(bot) == []
    assert bot.listener_crashes() == []


def test_a_change_after_sign_off_posts_the_diff_and_asks_both_leads_again(bot: Bot) -> None:
    start(bot)
    write(bot)
    sign(bot, ALICE)
    sign(bot, PIA)
    bot.fake.wait_for("pins.add")
    bot.quiet()
    bot.fake.clear()

    write(bot, goals="Joint API live | 2027-04-30 | both", cadence="monthly", user=PIA)

    [changed] = posts(bot)
    lines = str(changed.args["text"]).splitlines()
    assert lines == [
        f":pencil2: <@{PIA}> changed the charter (now version 2):",
        "• *Goals:* ~Joint API live | 2027-03-31 | Acme, Globex; First co-sold deal | 2027-05-31 | Globex~ → "
        "Joint API live | 2027-04-30 | Acme, Globex",
        "• *Check-ins:* ~fortnightly~ → monthly",
        f"The signatures are cleared: <@{ALICE}> and <@{PIA}>, please read the changes and sign version 2 again.",
    ]
    assert actions(changed) == [("charter_sign", {"ch": CHANNEL, "v": 2})]
    assert [(v.version, v.signed_at is not None) for v in bot.rows(CharterVersion)] == [(1, True), (2, False)]

    bot.fake.clear()
    sign(bot, ALICE, version=1)  # the old message's button
    [stale] = bot.fake.wait_for("chat.postEphemeral")
    assert "has changed since" in str(stale.args["text"])


# ---- decisions and disputes ---------------------------------------------------------------------------------


def test_a_decision_is_announced_and_listed(bot: Bot) -> None:
    start(bot)
    bot.post(payloads.slash_command(f"decide we co-sell in DACH first consulted <@{PIA}> <@{PAUL}>"))
    bot.fake.wait_for("chat.postMessage")
    bot.post(payloads.app_mention("decisions", user=PAUL, ts="1795400000.000400"))
    bot.fake.wait_for("chat.postMessage", count=2)
    bot.quiet()
    announced, listed = posts(bot)
    assert announced.args["text"] == (
        f":ballot_box_with_check: Decision recorded: `D1` *we co-sell in DACH first* · decided by <@{ALICE}> "
        f"· consulted <@{PIA}>, <@{PAUL}>"
    )
    assert listed.args["thread_ts"] == "1795400000.000400"
    assert str(listed.args["text"]).startswith("*Decisions*\n• `D1` *we co-sell in DACH first*")


def test_a_dispute_is_nudged_privately_moves_on_and_is_resolved_from_its_button(bot: Bot) -> None:
    start(bot)
    write(bot)
    bot.fake.clear()
    bot.post(payloads.app_mention("dispute pricing of the joint SKU", user=PAUL, ts="1795400000.000500"))
    [opened] = bot.fake.wait_for("chat.postMessage")
    bot.quiet()
    assert opened.args["thread_ts"] == "1795400000.000500"
    assert str(opened.args["text"]).startswith(f":scales: Dispute #1 opened by <@{PAUL}>: *pricing of the joint SKU*")
    assert actions(opened) == [("dispute_resolved", {"ch": CHANNEL, "d": 1})]

    scheduler = Scheduler(bot.db, SlackCourier(web_client(bot.settings)), pacer=Pacer(0))
    bot.fake.clear()
    scheduler.sweep(utc(11, 24, 10))  # 11:00 in Berlin: Pia at once; Alice (New York, 05:00) waits
    dms = [c for c in bot.fake.calls_to("chat.postMessage") if c.args["channel"] != CHANNEL]
    offer = [c for c in dms if "A health pulse now" in c.args["text"]]  # Pia, a lead, is offered a pulse too
    dms = [c for c in dms if c not in offer]
    # one call each to her user id: Slack opens the DM
    assert [c.args["channel"] for c in dms] == [PIA] and [c.args["channel"] for c in offer] == [PIA]
    assert str(dms[0].args["text"]).startswith(":scales: Dispute #1, *pricing of the joint SKU*")
    assert actions(dms[0]) == [("dispute_resolved", {"ch": CHANNEL, "d": 1})]

    bot.fake.clear()
    scheduler.sweep(utc(12, 1, 23))  # the leads' 5 working days are over
    moved = [c.args["text"] for c in posts(bot) if str(c.args["text"]).startswith(":arrow_up:")]
    assert moved == [
        ":arrow_up: Dispute #1 (*pricing of the joint SKU*) was not settled in time and goes to the sponsors "
        f"(<@{ERIN}>, <@{GUS}>), until <!date^1796770800^{{date_short_pretty}} at {{time}}|Tue 08 Dec 2026, "
        "18:00 EST>, as the charter says."
    ]

    click = payloads.block_action(
        "dispute_resolved", json.dumps({"ch": CHANNEL, "d": 1}), user=PIA, channel=DM_PIA, trigger_id="777.t"
    )
    bot.clock.advance(utc(12, 2, 9) - bot.clock.now())
    bot.fake.clear()
    assert bot.post(click) == (200, "")
    [form] = bot.fake.wait_for("views.open")
    view = form.args["view"]
    assert (view["callback_id"], json.loads(view["private_metadata"])) == (
        "dispute_resolve",
        {"ch": CHANNEL, "d": 1, "dm": DM_PIA},
    )

    def resolve(outcome: str | None) -> tuple[int, str]:
        values = {"outcome": {"value": payloads.plain_text_input(outcome)}}
        return bot.post(
            payloads.view_submission("dispute_resolve", values, user=PIA, private_metadata=view["private_metadata"])
        )

    status, empty = resolve("  ")
    assert status == 200
    assert json.loads(empty)["errors"] == {
        "outcome": "Say how dispute #1 was settled, so both parties have it on record."
    }
    assert resolve("EUR list price, 10% partner discount") == (200, "")
    bot.fake.wait_for("chat.postMessage")
    bot.quiet()
    assert [c.args["text"] for c in posts(bot)] == [
        f":handshake: Dispute #1 (*pricing of the joint SKU*) is resolved, recorded by <@{PIA}>: "
        "EUR list price, 10% partner discount"
    ]
    [dispute] = bot.rows(Dispute)
    assert (dispute.resolved_by, dispute.next_at) == (PIA, None)

    bot.fake.clear()
    scheduler.sweep(utc(12, 9, 23))  # past the sponsors' deadline: resolved, nobody hears of it again
    assert [c for c in bot.fake.calls_to("chat.postMessage") if "Dispute #1" in str(c.args["text"])] == []
    assert bot.listener_crashes() == []
