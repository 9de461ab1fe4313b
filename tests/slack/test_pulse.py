"""The health pulse in Slack: `pulse now` typed, the questions DMed with an "Answer the pulse" button whose modal
is submitted in Slack's real payload shape, the results in the channel with a chart uploaded by files_upload_v2
and a "Make it a commitment" button for the leads, and each party's open answers to its own lead only. All of it
recorded by the fake Web API."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from bot.slack.blocks import pulse as pulse_blocks
from storage.models import PulseRemark, PulseTally
from tests.slack import payloads
from tests.slack.conftest import Bot
from tests.slack.fakes.web_api import ALICE, BOB, CHANNEL, ERIN, GUS, PAUL, PIA, Call

PNG = b"\x89PNG\r\n\x1a\n"
ACME_PEOPLE = (ALICE, BOB, ERIN)
GLOBEX_PEOPLE = (PAUL, PIA, GUS)
ACME_WORDS = "Zanzibar: our exec team is distracted"
GLOBEX_WORDS = "Quokka: the pricing talks hurt"


def run(bot: Bot, text: str, *, user: str = ALICE, mention: bool = False) -> None:
    signed = (
        payloads.app_mention(f"<@U0BOT0001> {text}", user=user) if mention else payloads.slash_command(text, user=user)
    )
    assert bot.post(signed) == (200, "")
    bot.quiet(for_seconds=0.4)
    assert bot.listener_crashes() == []


def dm(user: str) -> str:
    """The DM channel a person clicks in (scheduled DMs are posted to the user id; Slack opens this channel)."""
    return "D" + user[1:]


def sweep_through(bot: Bot, hours: int, *, every: int = 1) -> None:
    for _ in range(0, hours, every):
        bot.clock.advance(timedelta(hours=every))
        bot.sweep()


def asks(bot: Bot) -> dict[str, Call]:
    """Each person's pulse question, by the user id it was posted to (one call: Slack opens the DM)."""
    return {
        c.args["channel"]: c
        for c in bot.fake.calls_to("chat.postMessage")
        if any(
            e.get("action_id") == pulse_blocks.ANSWER_ACTION
            for b in c.args.get("blocks") or []
            for e in b.get("elements", [])
        )
    }


def submit(bot: Bot, user: str, value: str, ratings: list[int], remark: str = "") -> tuple[int, str]:
    """Click "Answer the pulse" in the DM, then send the modal it opened, as Slack would."""
    bot.fake.clear()
    assert bot.post(payloads.block_action(pulse_blocks.ANSWER_ACTION, value, user=user, channel=dm(user))) == (200, "")
    [opened] = bot.fake.wait_for("views.open", timeout=10)
    view = opened.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["callback_id"] == pulse_blocks.FORM_CALLBACK
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == [f"q{n}" for n in range(1, 9)] + [
        pulse_blocks.REMARK
    ]
    values: dict[str, dict[str, dict[str, Any]]] = {
        f"q{n}": {"value": payloads.static_select(str(r))} for n, r in enumerate(ratings, start=1)
    }
    values[pulse_blocks.REMARK] = {"value": payloads.plain_text_input(remark or None)}
    signed = payloads.view_submission(
        pulse_blocks.FORM_CALLBACK, values, user=user, private_metadata=view["private_metadata"]
    )
    answer = bot.post(signed)
    bot.quiet(for_seconds=0.3)
    assert bot.listener_crashes() == []
    return answer


@pytest.fixture
def pulse_open(bot: Bot) -> dict[str, Call]:
    run(bot, "lead <@U0ALICE01>")
    run(bot, "sponsor <@U0ERIN001>")
    run(bot, "lead <@U0PAUL001>", user=PAUL, mention=True)
    run(bot, "sponsor <@U0PIA0001>", user=PAUL, mention=True)
    run(bot, "pulse now")
    bot.fake.clear()
    sweep_through(bot, 24)
    return asks(bot)


def test_everyone_is_asked_privately_and_answers_in_a_modal_that_counts_anonymously(
    bot: Bot, pulse_open: dict[str, Call]
) -> None:
    assert sorted(pulse_open) == sorted((*ACME_PEOPLE, *GLOBEX_PEOPLE))
    ask = pulse_open[BOB]
    assert "The goals we share with our partner still matter to us." in ask.args["text"]
    value = ask.args["blocks"][-1]["elements"][0]["value"]
    assert submit(bot, BOB, value, [5, 4, 4, 2, 3, 4, 5, 4], ACME_WORDS) == (200, "")
    thanks = [c for c in bot.fake.calls_to("chat.postMessage") if c.args["channel"] in (BOB, dm(BOB))]
    assert thanks and "counted, anonymously" in thanks[0].args["text"]
    assert {(t.team_id, t.question, t.rating, t.count) for t in bot.rows(PulseTally)} >= {("T0ACME001", 1, 5, 1)}
    [remark] = bot.rows(PulseRemark)
    assert remark.text == ACME_WORDS
    # a second answer stays in the modal, beside its field, and counts nothing
    status, body = submit(bot, BOB, value, [1] * 8)
    assert status == 200 and json.loads(body)["response_action"] == "errors"
    assert "already" in json.loads(body)["errors"][pulse_blocks.REMARK]
    assert sum(t.count for t in bot.rows(PulseTally) if t.question == 1) == 1


def test_results_chart_commitment_button_and_open_answers_to_their_own_lead(
    bot: Bot, pulse_open: dict[str, Call]
) -> None:
    value = pulse_open[BOB].args["blocks"][-1]["elements"][0]["value"]
    for user in ACME_PEOPLE:
        submit(bot, user, value, [5, 2, 4, 4, 4, 4, 4, 4], ACME_WORDS if user == BOB else "")
    for user in GLOBEX_PEOPLE:
        submit(bot, user, value, [5, 2, 2, 4, 4, 4, 4, 4], GLOBEX_WORDS if user == GUS else "")
    bot.fake.clear()
    sweep_through(bot, 24 * 8, every=6)
    [results] = [c for c in bot.fake.calls_to("chat.postMessage") if "Pulse 1 results" in c.args["text"]]
    assert results.args["channel"] == CHANNEL
    text = results.args["text"]
    assert "Blind spots" in text and "Agreed weaknesses" in text and "Agreed strengths" in text
    assert "Acme *4.0* · Globex *2.0* · gap 2.0" in text
    buttons = results.args["blocks"][-1]["elements"]
    assert [(b["action_id"], json.loads(b["value"])["n"]) for b in buttons] == [
        (pulse_blocks.COMMIT_ACTION, 2),
        (pulse_blocks.COMMIT_ACTION, 3),
    ]
    # the chart: a PNG uploaded with files_upload_v2 into the channel
    methods = [c.method for c in bot.fake.calls if c.method.startswith("files.") or c.method == "upload"]
    assert methods == ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]
    [shared] = bot.fake.shared_files()
    assert shared["content"].startswith(PNG)
    assert (shared["channel_id"], shared["filename"]) == (CHANNEL, "pulse.png")
    # open answers: Acme's to Alice alone, Globex's to Paul alone, never in the channel
    everything = [(c.args.get("channel"), json.dumps(c.args, default=str)) for c in bot.fake.calls]
    assert {ch for ch, said in everything if "Zanzibar" in said} == {ALICE}
    assert {ch for ch, said in everything if "Quokka" in said} == {PAUL}

    # "Make it a commitment": a lead gets the commitment form filled in; anyone else is told why not, privately
    bot.fake.clear()
    click = payloads.block_action(pulse_blocks.COMMIT_ACTION, buttons[1]["value"], user=BOB, channel=CHANNEL)
    assert bot.post(click) == (200, "")
    bot.quiet(for_seconds=0.3)
    assert bot.fake.calls_to("views.open") == []
    [refused] = bot.fake.calls_to("chat.postEphemeral")
    assert refused.args["user"] == BOB and "Only a party's lead" in refused.args["text"]
    click = payloads.block_action(pulse_blocks.COMMIT_ACTION, buttons[1]["value"], user=PAUL, channel=CHANNEL)
    assert bot.post(click) == (200, "")
    [opened] = bot.fake.wait_for("views.open", timeout=10)
    form = json.dumps(opened.args["view"])
    assert "Close the pulse gap: Decisions in this alliance are made fast enough." in form
    assert bot.listener_crashes() == []


def test_the_offer_after_a_dispute_runs_a_pulse_from_its_button(bot: Bot) -> None:
    run(bot, "lead <@U0ALICE01>")
    run(bot, "lead <@U0PAUL001>", user=PAUL, mention=True)
    run(bot, "dispute pricing of the joint SKU", user=PAUL, mention=True)
    bot.fake.clear()
    sweep_through(bot, 24, every=2)
    offers = [c for c in bot.fake.calls_to("chat.postMessage") if "A health pulse now" in c.args["text"]]
    assert sorted(c.args["channel"] for c in offers) == sorted([ALICE, PAUL])
    button = offers[0].args["blocks"][-1]["elements"][0]
    assert button["action_id"] == pulse_blocks.NOW_ACTION
    bot.fake.clear()
    assert bot.post(payloads.block_action(pulse_blocks.NOW_ACTION, button["value"], user=PAUL, channel=dm(PAUL))) == (
        200,
        "",
    )
    bot.fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get("channel") == CHANNEL, timeout=10)
    said = [c.args["text"] for c in bot.fake.calls_to("chat.postMessage") if c.args.get("channel") == CHANNEL]
    assert any("A pulse is open" in s for s in said)
