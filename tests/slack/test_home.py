"""The Home tab in Slack: published when a person opens it, refreshed when something of theirs changes (at most
once every five seconds per person, on pretend timers), its buttons carried out like the DM's, and never a word of
the other organisation's internal items.

Events and clicks go to the running bot as Slack sends them (tests/slack/payloads.py); each views.publish is
recorded by the fake Web API."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.slack.blocks.checkins import ITEM_DONE_ACTION, NEW_DATE_ACTION, NEW_DATE_CALLBACK, SNOOZE_ACTION, item_value
from storage.models import Commitment
from tests.slack import payloads
from tests.slack.conftest import Bot
from tests.slack.fakes.web_api import ALICE, BOB, CHANNEL, PAUL, Call

SPEC = "Draft joint API spec"
FLOOR = "Prepare our pricing floor"


def commit(bot: Bot, text: str, *, user: str = ALICE) -> None:
    assert bot.post(payloads.slash_command(text, user=user))[0] == 200
    bot.fake.wait_for("chat.postMessage")
    bot.quiet()


def open_home(bot: Bot, user: str, *, published: bool = True, **kwargs: Any) -> list[Call]:
    """Open `user`'s Home tab; the views.publish calls it caused (waited for when one is expected: under load the
    listener may not have begun within `quiet`'s pause)."""
    before = len(bot.fake.calls_to("views.publish"))
    assert bot.post(payloads.app_home_opened(user=user, **kwargs)) == (200, "")
    if published and kwargs.get("tab", "home") == "home":
        bot.fake.wait_for("views.publish", count=before + 1)
    bot.quiet()
    return bot.fake.calls_to("views.publish")[before:]


def page(call: Call) -> str:
    """Every mrkdwn and plain text of a published view, one per line."""
    view = call.args["view"]
    assert view["type"] == "home"
    texts = []
    for block in view["blocks"]:
        for part in [block.get("text") or {}, *(block.get("elements") or [])]:
            text = part.get("text")
            texts.append(text["text"] if isinstance(text, dict) else text or "")
    return "\n".join(t for t in texts if t)


def actions(call: Call) -> list[tuple[str, list[str], list[dict[str, Any]]]]:
    return [
        (b["block_id"], [e["action_id"] for e in b["elements"]], [json.loads(e["value"]) for e in b["elements"]])
        for b in call.args["view"]["blocks"]
        if b["type"] == "actions"
    ]


def two_items(bot: Bot) -> None:
    """#1 a shared item Paul (Globex) owes; #2 internal to Acme, owed by Bob."""
    commit(bot, f"commit <@{PAUL}> {SPEC} by 2026-12-04")
    commit(bot, f"commit --internal <@{BOB}> {FLOOR} by 2026-12-04")
    bot.fake.clear()


def test_opening_the_home_tab_publishes_the_persons_page_with_buttons(bot: Bot) -> None:
    two_items(bot)

    [published] = open_home(bot, PAUL)

    assert published.args["user_id"] == PAUL
    text = page(published)
    assert f"`#1` *{SPEC}*" in text
    assert "What you owe" in text and "Your alliances" in text
    assert actions(published) == [
        (f"home:{CHANNEL}:1", [ITEM_DONE_ACTION, NEW_DATE_ACTION, SNOOZE_ACTION], [{"ch": CHANNEL, "r": 1}] * 3)
    ]


def test_the_other_organisations_internal_items_never_appear(bot: Bot) -> None:
    two_items(bot)
    bot.clock.advance(datetime(2026, 12, 10, tzinfo=UTC) - bot.clock.now())  # both overdue now

    [pauls] = open_home(bot, PAUL)
    [bobs] = open_home(bot, BOB)

    assert FLOOR not in page(pauls) and "internal" not in page(pauls)
    # The health line counts only what the reader may see: Paul's own overdue item, not Acme's internal one.
    assert "1 overdue" in page(pauls)
    assert f"*{FLOOR}*" in page(bobs) and ":lock: internal to" in page(bobs)
    assert "2 overdue" in page(bobs)


def test_the_messages_tab_publishes_nothing(bot: Bot) -> None:
    two_items(bot)

    assert open_home(bot, PAUL, tab="messages") == []


def published(bot: Bot) -> int:
    return len(bot.fake.calls_to("views.publish"))


def test_a_change_refreshes_the_page_at_most_once_every_five_seconds(bot: Bot) -> None:
    two_items(bot)
    open_home(bot, PAUL)
    timers = bot.home_timers

    commit(bot, f"commit <@{PAUL}> Pricing sheet by 2026-12-11")
    assert published(bot) == 1  # nothing from the command's own thread
    timers.advance()  # the first change is shown at once
    assert published(bot) == 2
    assert "Pricing sheet" in page(bot.fake.calls_to("views.publish")[-1])

    commit(bot, f"commit <@{PAUL}> Partner deck by 2026-12-11")
    commit(bot, f"commit <@{PAUL}> Legal review by 2026-12-11")
    timers.advance(4.9)
    assert published(bot) == 2  # two changes in the pause: one refresh, at its end
    timers.advance(0.1)
    assert published(bot) == 3
    last = page(bot.fake.calls_to("views.publish")[-1])
    assert "Partner deck" in last and "Legal review" in last
    timers.advance(60)
    assert published(bot) == 3


def test_only_the_people_who_opened_their_tab_are_refreshed(bot: Bot) -> None:
    two_items(bot)
    open_home(bot, PAUL)

    commit(bot, f"commit <@{BOB}> Our pricing floor by 2026-12-11")  # Bob never opened his tab
    bot.home_timers.advance(60)

    assert [c.args["user_id"] for c in bot.fake.calls_to("views.publish")] == [PAUL, PAUL]


def test_done_from_the_home_tab_closes_the_item_and_refreshes_the_page(bot: Bot) -> None:
    two_items(bot)
    open_home(bot, PAUL)

    click = payloads.home_block_action(
        ITEM_DONE_ACTION, item_value(CHANNEL, 1), user=PAUL, block_id=f"home:{CHANNEL}:1"
    )
    assert bot.post(click) == (200, "")
    bot.fake.wait_for("chat.postMessage", count=2)
    bot.quiet()

    assert [c.status for c in bot.rows(Commitment) if c.ref == 1] == ["done"]
    posts = {c.args["channel"]: c.args["text"] for c in bot.fake.calls_to("chat.postMessage")}
    assert SPEC in posts[CHANNEL]  # the alliance hears it, as from a DM
    assert PAUL in posts  # and Paul gets his word back privately (there is no DM in a Home tab's click)
    bot.home_timers.advance()
    assert published(bot) == 2
    assert SPEC not in page(bot.fake.calls_to("views.publish")[-1])


def test_new_date_from_the_home_tab_opens_the_modal(bot: Bot) -> None:
    two_items(bot)

    click = payloads.home_block_action(NEW_DATE_ACTION, item_value(CHANNEL, 1), user=PAUL)
    assert bot.post(click) == (200, "")
    bot.fake.wait_for("views.open")

    [opened] = bot.fake.calls_to("views.open")
    assert opened.args["view"]["callback_id"] == NEW_DATE_CALLBACK
    assert json.loads(opened.args["view"]["private_metadata"]) == {"ch": CHANNEL, "r": 1}


def test_snooze_from_the_home_tab(bot: Bot) -> None:
    two_items(bot)

    click = payloads.home_block_action(SNOOZE_ACTION, item_value(CHANNEL, 1), user=PAUL)
    assert bot.post(click) == (200, "")
    bot.fake.wait_for("chat.postMessage")
    bot.quiet()

    [item] = [c for c in bot.rows(Commitment) if c.ref == 1]
    assert item.snoozed_until is not None
    assert PAUL in {c.args["channel"] for c in bot.fake.calls_to("chat.postMessage")}


def test_what_people_typed_is_escaped_on_the_page(bot: Bot) -> None:
    commit(bot, f"commit <@{PAUL}> Fix <b>terms</b> for <!channel> by 2026-12-04")

    [published] = open_home(bot, PAUL)

    text = page(published)
    assert "Fix &lt;b&gt;terms&lt;/b&gt; for @channel" in text
    # Every `<` left opens one of the bot's own tokens: a date, a person.
    assert all(rest.startswith(("!date^", "@U")) for rest in text.split("<")[1:])


def test_a_checkin_sent_by_the_sweep_refreshes_the_page_with_its_question(bot: Bot) -> None:
    two_items(bot)
    [before] = open_home(bot, PAUL)
    assert "Check-in questions waiting for you" not in page(before)

    report = bot.sweep(datetime(2026, 11, 25, 16, tzinfo=UTC))  # the alliance's first check-in goes out
    assert report.checkins_opened == 1
    bot.home_timers.advance()
    assert published(bot) == 2

    after = page(bot.fake.calls_to("views.publish")[-1])
    assert "Check-in questions waiting for you" in after
    assert "how is `#1` going?" in after


def test_a_refused_publish_or_an_unknown_person_is_logged_and_nothing_breaks(bot: Bot) -> None:
    two_items(bot)
    bot.fake.answer_next("views.publish", {"ok": False, "error": "not_enabled"})

    assert open_home(bot, PAUL)[0].args["user_id"] == PAUL  # tried, refused: Home tab not enabled in the app
    assert open_home(bot, "U0NOBODY1", published=False) == []  # Slack does not know them: nothing to publish

    assert bot.listener_crashes() == []
    assert open_home(bot, PAUL)[0].args["user_id"] == PAUL  # and the next opening works
