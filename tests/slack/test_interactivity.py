"""Buttons, the commitment form (a modal) and the "Track as commitment" message shortcut."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

from storage.models import Commitment, CommitmentEvent
from tests.slack import payloads
from tests.slack.conftest import Bot
from tests.slack.fakes.web_api import ALICE, CHANNEL, GLOBEX, PAUL, PIA
from tests.slack.transcript import INTRO, Said, Whispered, said, said_besides_intro, whispered

BERLIN = ZoneInfo("Europe/Berlin")
CLICKED_TS = "1795500000.000200"  # the ts of the confirmation whose button is clicked


def _commit(bot: Bot, text: str = "commit <@U0PAUL001> Draft joint API spec by next Friday") -> None:
    bot.post(payloads.slash_command(text))
    bot.fake.wait_for("chat.postMessage", count=2)
    bot.quiet()
    bot.fake.clear()


def test_mark_done_answers_in_the_thread_and_a_second_click_is_told_privately(bot: Bot) -> None:
    _commit(bot)

    click = payloads.block_action("commitment_done", "1", user=PAUL, message_ts=CLICKED_TS, button_text="Mark done")
    assert bot.post(click) == (200, "")
    bot.fake.wait_for("chat.postMessage")
    bot.quiet()
    assert said(bot.fake) == [
        Said(CHANNEL, CLICKED_TS, ":white_check_mark: `#1` *Draft joint API spec* is done, marked by <@U0PAUL001>.")
    ]
    assert whispered(bot.fake) == []
    [commitment] = bot.rows(Commitment)
    assert commitment.status == "done"
    assert commitment.closed_at == bot.clock.now()

    bot.fake.clear()
    again = payloads.block_action("commitment_done", "1", user=ALICE, message_ts=CLICKED_TS, button_text="Mark done")
    assert bot.post(again) == (200, "")
    bot.fake.wait_for("chat.postEphemeral")
    bot.quiet()
    assert said(bot.fake) == []
    assert whispered(bot.fake) == [
        Whispered(CHANNEL, ALICE, CLICKED_TS, "#1 is already done; nothing to change. `show #1` has its history.")
    ]
    assert [e.kind for e in bot.rows(CommitmentEvent)].count("done") == 1
    assert bot.rows(Commitment)[0].status == "done"


def test_details_button_answers_privately_with_the_history(bot: Bot) -> None:
    _commit(bot)
    bot.post(payloads.block_action("commitment_show", "1", user=PAUL, message_ts=CLICKED_TS))
    bot.fake.wait_for("chat.postEphemeral")
    bot.quiet()
    [details] = whispered(bot.fake)
    assert (details.channel, details.user, details.thread_ts) == (CHANNEL, PAUL, None)
    assert details.text.startswith("*`#1` Draft joint API spec*\nOwner: <@U0PAUL001> for *Globex*\n")
    assert "<@U0ALICE01> recorded it" in details.text
    assert said(bot.fake) == []


def _view(call_args: dict[str, object]) -> dict[str, object]:
    view = call_args["view"]
    assert isinstance(view, dict)
    return view


def _element(view: dict[str, object], block_id: str) -> dict[str, object]:
    blocks = view["blocks"]
    assert isinstance(blocks, list)
    [block] = [b for b in blocks if b.get("block_id") == block_id]
    element = block["element"]
    assert isinstance(element, dict)
    return element


def test_commit_with_nothing_after_it_opens_the_form(bot: Bot) -> None:
    trigger = "1337.T0ACME001.abcdef0123456789"
    assert bot.post(payloads.slash_command("commit", trigger_id=trigger)) == (200, "")
    [opened] = bot.fake.wait_for("views.open")
    bot.quiet()
    assert opened.args["trigger_id"] == trigger
    view = _view(opened.args)
    assert view["type"] == "modal"
    assert view["callback_id"] == "commitment_form"
    assert json.loads(str(view["private_metadata"])) == {"channel": CHANNEL, "thread_ts": None}
    assert _element(view, "owner") == {"type": "users_select", "action_id": "value", "initial_user": ALICE}
    assert _element(view, "due")["initial_date"] == "2026-12-01"  # a week from now as a starting point
    assert "initial_value" not in _element(view, "title")
    # The slash command created the alliance, so it was introduced; nothing else was said.
    assert [s.text[: len(INTRO)] for s in said(bot.fake)] == [INTRO]
    assert whispered(bot.fake) == []


def test_commit_by_mention_with_nothing_after_it_offers_the_form_button(bot: Bot) -> None:
    mention = payloads.app_mention("commit", user=PAUL)
    bot.post(mention)
    bot.fake.wait_for("chat.postEphemeral")
    bot.quiet()
    [hint] = whispered(bot.fake)
    assert (hint.channel, hint.user, hint.thread_ts) == (CHANNEL, PAUL, mention.decoded()["event"]["ts"])
    blocks = bot.fake.calls_to("chat.postEphemeral")[0].args["blocks"]
    assert [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]] == ["open_commitment_form"]
    assert bot.fake.calls_to("views.open") == []


def test_the_message_shortcut_opens_the_form_with_the_message_as_title(bot: Bot) -> None:
    shortcut = payloads.message_shortcut(
        "track_as_commitment", message_text="Paul to send the pricing sheet", message_ts="1795400000.000300"
    )
    assert bot.post(shortcut) == (200, "")
    [opened] = bot.fake.wait_for("views.open")
    bot.quiet()
    assert opened.args["trigger_id"] == shortcut.decoded()["trigger_id"]
    view = _view(opened.args)
    assert view["callback_id"] == "commitment_form"
    assert _element(view, "title")["initial_value"] == "Paul to send the pricing sheet"
    assert _element(view, "owner")["initial_user"] == ALICE
    # Submitted, the commitment is confirmed in the thread of the message it came from.
    assert json.loads(str(view["private_metadata"])) == {"channel": CHANNEL, "thread_ts": "1795400000.000300"}


def test_the_message_shortcut_prefills_readable_words_the_named_owner_and_the_date(bot: Bot) -> None:
    # The message as Slack sends it in a `message_action` payload (shape: bolt-js
    # src/types/shortcuts/message-shortcut.ts, MessageShortcut: type, callback_id, trigger_id, message_ts,
    # message {type, user, ts, text}, user, channel, team; built by payloads.message_shortcut): `text` carries
    # Slack's markup, a picked mention, `&amp;` and a labelled link.
    text = f"<@{PIA}> can you send the R&amp;D numbers from <https://docs.example.com/q3|the Q3 deck> by Friday?"
    shortcut = payloads.message_shortcut("track_as_commitment", message_text=text, message_ts="1795400000.000400")
    assert bot.post(shortcut) == (200, "")
    [opened] = bot.fake.wait_for("views.open")
    bot.quiet()
    view = _view(opened.args)
    assert _element(view, "title")["initial_value"] == "can you send the R&D numbers from the Q3 deck"
    assert _element(view, "owner")["initial_user"] == PIA
    # Tue 24 Nov 2026: "Friday" is the 27th.
    assert _element(view, "due")["initial_date"] == "2026-11-27"


def test_the_message_shortcut_passes_over_the_bot_and_names_the_others(bot: Bot) -> None:
    text = "<@U0BOT0001> <@U0PIA0001> please send the deck to <@U0ALICE01> by 2026-12-03"
    bot.post(payloads.message_shortcut("track_as_commitment", message_text=text))
    [opened] = bot.fake.wait_for("views.open")
    bot.quiet()
    view = _view(opened.args)
    assert _element(view, "title")["initial_value"] == "please send the deck to @alice"
    assert _element(view, "owner")["initial_user"] == PIA
    assert _element(view, "due")["initial_date"] == "2026-12-03"


def test_the_message_shortcut_keeps_an_unreadable_date_in_the_title(bot: Bot) -> None:
    text = "Send the deck &lt;draft&gt; by the blue moon, ask <@U0PAUL001>"
    bot.post(payloads.message_shortcut("track_as_commitment", message_text=text))
    [opened] = bot.fake.wait_for("views.open")
    bot.quiet()
    view = _view(opened.args)
    assert _element(view, "title")["initial_value"] == "Send the deck ‹draft› by the blue moon, ask"
    assert _element(view, "owner")["initial_user"] == PAUL
    assert _element(view, "due")["initial_date"] == "2026-12-01"  # the form's usual suggestion, a week ahead


def _form(title: str, owner: str, due: date, *, milestone: bool, metadata: dict[str, object]) -> payloads.SignedRequest:
    values = {
        "title": {"value": payloads.plain_text_input(title)},
        "owner": {"value": payloads.users_select(owner)},
        "due": {"value": payloads.datepicker(due.isoformat())},
        "milestone": {"value": payloads.checkboxes("milestone") if milestone else {"type": "checkboxes"}},
    }
    if not milestone:
        values["milestone"]["value"]["selected_options"] = []
    return payloads.view_submission("commitment_form", values, user=ALICE, private_metadata=json.dumps(metadata))


def test_submitting_the_form_records_a_milestone_and_confirms_in_the_channel(bot: Bot) -> None:
    form = _form("Joint launch plan", PIA, date(2026, 12, 4), milestone=True, metadata={"channel": CHANNEL})
    status, body = bot.post(form)
    assert status == 200
    assert body == ""  # closes the modal: no errors
    bot.fake.wait_for("chat.postMessage", count=2)
    bot.quiet()

    [commitment] = bot.rows(Commitment)
    assert commitment.title == "Joint launch plan"
    assert (commitment.owner_id, commitment.party_team_id, commitment.created_by) == (PIA, GLOBEX, ALICE)
    assert commitment.milestone is True
    assert commitment.due_at == datetime(2026, 12, 4, 18, 0, tzinfo=BERLIN)

    [confirmation] = said_besides_intro(bot.fake)
    assert (confirmation.channel, confirmation.thread_ts) == (CHANNEL, None)
    assert confirmation.text.startswith(":white_check_mark: Milestone `#1` recorded: *Joint launch plan*\n")
    assert "Owner: <@U0PIA0001> for *Globex* (recorded by <@U0ALICE01>)" in confirmation.text
    assert whispered(bot.fake) == []


def test_a_form_with_a_past_date_is_sent_back_with_the_error_beside_the_date(bot: Bot) -> None:
    form = _form("Joint launch plan", PIA, date(2026, 11, 20), milestone=False, metadata={"channel": CHANNEL})
    status, body = bot.post(form)
    assert status == 200
    answer = json.loads(body)
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["due"]
    message = answer["errors"]["due"]
    assert isinstance(message, str) and message.strip()
    assert "already passed" in message
    assert "*" not in message and "`" not in message and len(message) <= 150  # plain text, one short line
    bot.quiet(for_seconds=0.2)
    assert bot.rows(Commitment) == []
    # The form was the channel's first use: the alliance exists now and is introduced, nothing else is said.
    assert [m.text.startswith(":handshake: Hello!") for m in said(bot.fake)] == [True]
    assert whispered(bot.fake) == []
