"""One DM per person per moment: a person's several reminders of one sweep arrive as one message, each item with
its own row of buttons, posted in one call to their user id; and the concurrent sweep keeps Slack's limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlmodel import select

from bot.core.checkins.results import Nudge, NudgeGroup, NudgeKind
from bot.core.pacing import Pacer
from bot.core.schedule import Scheduler
from bot.core.trust import redact
from bot.core.views import CommitmentView
from bot.core.visibility import private_to
from bot.slack.app import web_client
from bot.slack.blocks.checkins import NUDGE_BUTTONS, nudge_group
from bot.slack.courier import SlackCourier
from bot.texts import answers as answers_texts
from storage.models import Delivery
from tests.slack import payloads
from tests.slack.conftest import Bot
from tests.slack.fakes.web_api import CHANNEL, PAUL
from tests.unit.test_trust_renderers import GLOBEX, ITEMS, view

TITLES = ("Draft joint API spec", "Pricing <sheet>", "Launch plan")
MONDAY = datetime(2026, 11, 30, 8, 5, tzinfo=UTC)  # 09:05 Berlin, after Friday's deadline: overdue


def commit_three(bot: Bot) -> None:
    for n, title in enumerate(TITLES, start=1):
        bot.post(payloads.slash_command(f"commit <@U0PAUL001> {title} by 2026-11-27"))
        bot.fake.wait_for("chat.postMessage", count=1 + n)  # the welcome, then each recorded
        bot.quiet()


def test_three_overdue_items_are_one_dm_listing_each_with_its_buttons(bot: Bot) -> None:
    commit_three(bot)
    scheduler = Scheduler(bot.db, SlackCourier(web_client(bot.settings)), pacer=Pacer(0, workers=4))
    scheduler.sweep(datetime(2026, 11, 26, 8, 30, tzinfo=UTC))  # the check-in and the due-soon reminders
    bot.fake.clear()
    report = scheduler.sweep(MONDAY)
    to_paul = [c for c in bot.fake.calls if c.args.get("channel") == PAUL or c.args.get("users") == PAUL]
    assert [c.method for c in to_paul] == ["chat.postMessage"]  # one call, to the user id: no conversations.open
    (dm,) = to_paul
    with bot.db.session() as session:
        overdue = session.exec(select(Delivery).where(Delivery.kind == "overdue", Delivery.recipient_id == PAUL)).all()
    assert len(overdue) == 3 and {(d.status, d.attempts) for d in overdue} == {("sent", 1)}
    assert len({d.message_ts for d in overdue}) == 1  # three deliveries settled by the one message
    assert report.sent >= 3
    text = str(dm.args["text"])
    assert text.startswith("*:bell: 3 reminders for you*")
    assert "Pricing &lt;sheet&gt;" in text and "<sheet>" not in text
    rows = [b for b in dm.args["blocks"] if b["type"] == "actions"]
    assert [r["block_id"] for r in rows] == ["item:1", "item:2", "item:3"]
    for ref, row in enumerate(rows, start=1):
        assert [e["action_id"] for e in row["elements"]] == [a for a, _, _ in NUDGE_BUTTONS]
        assert {json.dumps(json.loads(e["value"]), sort_keys=True) for e in row["elements"]} == {
            json.dumps({"ch": CHANNEL, "r": ref}, sort_keys=True)
        }
    # A second sweep at the same moment sends nothing more: each of the three is settled once.
    bot.fake.clear()
    assert scheduler.sweep(MONDAY).sent == 0
    assert bot.fake.calls_to("chat.postMessage") == []


def test_more_than_ten_reminders_show_ten_and_count_the_rest() -> None:
    nudges = tuple(
        Nudge(
            kind=NudgeKind.OVERDUE, commitment=view(ref, GLOBEX, internal=False, title=f"Item {ref}"), recipient_id=PAUL
        )
        for ref in range(1, 14)
    )
    blocks = nudge_group(NudgeGroup(recipient_id=PAUL, nudges=nudges), channel_id=CHANNEL)
    assert [b["block_id"] for b in blocks if b["type"] == "actions"] == [f"item:{ref}" for ref in range(1, 11)]
    said = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert "Item 10" in " ".join(said) and "Item 11" not in " ".join(said)
    assert any(s.startswith("…and 3 mores: ") for s in said)


def test_a_group_shows_a_reader_none_of_the_other_partys_internal_items() -> None:
    def nudge(item: CommitmentView) -> Nudge:
        return Nudge(kind=NudgeKind.LEAD, commitment=item, recipient_id="UPIA")

    group = NudgeGroup(recipient_id="UPIA", nudges=tuple(nudge(i) for i in ITEMS))
    shown = redact(group, private_to("TGLOBEX"))
    assert shown is not None and [n.commitment.ref for n in shown.nudges] == [21, 23, 24]  # not Acme's internal #22
    assert "Zanzibar" not in answers_texts.dispatch(shown)
    only_secret = NudgeGroup(recipient_id="UPIA", nudges=(nudge(ITEMS[1]),))
    assert redact(only_secret, private_to("TGLOBEX")) is None
