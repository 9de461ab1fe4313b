"""Check-ins and reminders in Slack: the sweep's channel posts and DMs, and the buttons people click in them.

The sweep runs in the test's thread against the fake Slack (a real WebClient through SlackCourier); clicks and
modal submissions go through the running bot as signed requests. Times are UTC unless said otherwise:
Paul and Pia work in Berlin (UTC+1 in winter), Gus in Tokyo (UTC+9); the alliance's home is New York.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.schedule import Pacer, Scheduler
from bot.slack.app import web_client
from bot.slack.blocks.checkins import item_value
from bot.slack.courier import SlackCourier
from storage.models import Checkin, CheckinAnswer, Commitment, CommitmentEvent, Delivery
from tests.slack import payloads
from tests.slack.conftest import Bot
from tests.slack.fakes.web_api import CHANNEL, GUS, PAUL, PIA, Call, FakeSlack

BERLIN = ZoneInfo("Europe/Berlin")
DM_PAUL, DM_PIA, DM_GUS = "D0PAUL001", "D0PIA0001", "D0GUS0001"
CHECKIN_TS = "1795000000.000100"  # what the fake answers for the check-in message, where answers gather
CHECKIN_BUTTONS = ["checkin_on_track", "checkin_at_risk", "item_done", "item_new_date", "item_need_help"]
NUDGE_BUTTONS = ["item_done", "item_new_date", "item_reassign", "item_snooze"]
SPEC = "Draft joint API spec"
PAUL_AT_RISK = f"<@U0PAUL001> on `#1` *{SPEC}*: :large_orange_circle: at risk"
PAUL_DONE = f":white_check_mark: `#1` *{SPEC}* is done, marked by <@U0PAUL001>."


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def sweeper(bot: Bot) -> Scheduler:
    return Scheduler(bot.db, SlackCourier(web_client(bot.settings)), pacer=Pacer(0))


def clock_to(bot: Bot, at: datetime) -> None:
    bot.clock.advance(at - bot.clock.now())


def commit(bot: Bot, text: str = f"commit <@U0PAUL001> {SPEC} by 2026-11-27") -> None:
    bot.post(payloads.slash_command(text))
    bot.fake.wait_for("chat.postMessage", count=2)
    bot.quiet()
    bot.fake.clear()


def sent(fake: FakeSlack) -> list[tuple[str, str, str | None, str]]:
    """Who got what: (method, channel or user, thread, first line), in order; look-ups left out."""
    lines: list[tuple[str, str, str | None, str]] = []
    for c in fake.calls:
        if c.method == "conversations.open":
            lines.append((c.method, str(c.args["users"]), None, ""))
        elif c.method in ("chat.postMessage", "chat.postEphemeral", "views.open"):
            text = str(c.args.get("text", "")).split("\n")[0]
            lines.append(
                (c.method, str(c.args.get("channel", c.args.get("trigger_id"))), c.args.get("thread_ts"), text)
            )
    return lines


def buttons(call: Call) -> list[tuple[str, list[str], list[dict[str, Any]]]]:
    """Each actions block of a message: its block id, its buttons' action ids and their decoded values."""
    return [
        (b["block_id"], [e["action_id"] for e in b["elements"]], [json.loads(e["value"]) for e in b["elements"]])
        for b in call.args["blocks"]
        if b["type"] == "actions"
    ]


def posts_to(fake: FakeSlack, channel: str) -> list[Call]:
    return [c for c in fake.calls_to("chat.postMessage") if c.args.get("channel") == channel]


def click(bot: Bot, action_id: str, *, user: str = PAUL, dm: str = DM_PAUL, ref: int = 1, answers: int = 2) -> None:
    """`user` clicks a button in their DM; waits for the `answers` messages that follow."""
    request = payloads.block_action(action_id, item_value(CHANNEL, ref), user=user, channel=dm, block_id=f"item:{ref}")
    assert bot.post(request) == (200, "")
    if answers:
        bot.fake.wait_for("chat.postMessage", count=answers)
    bot.quiet()


def open_checkin(bot: Bot, scheduler: Scheduler) -> None:
    """Check-in #1 at Wed 25 Nov 16:00 (11:00 in New York), its message answered with CHECKIN_TS; then quiet."""
    bot.fake.answer_next("chat.postMessage", {"ok": True, "channel": CHANNEL, "ts": CHECKIN_TS})
    scheduler.sweep(utc(11, 25, 16))
    clock_to(bot, utc(11, 25, 16, 5))
    bot.fake.clear()


def reported(bot: Bot) -> tuple[str | None, str | None]:
    [commitment] = bot.rows(Commitment)
    return commitment.reported, commitment.reported_note


def noted(line: str, *, in_thread: bool) -> str:
    place = "the check-in thread in <#C0ALLY001>" if in_thread else "<#C0ALLY001>"
    return f":ok_hand: Noted, and posted in {place}: {line}"


# ---- the check-in goes out once ----------------------------------------------------------------------------


def test_a_checkin_posts_in_the_channel_and_asks_the_owner_privately_exactly_once(bot: Bot) -> None:
    commit(bot)
    scheduler = sweeper(bot)

    report = scheduler.sweep(utc(11, 25, 16))

    assert sent(bot.fake) == [
        ("chat.postMessage", CHANNEL, None, ":clipboard: *Check-in #1*: where do our commitments stand? "
         "Owners get a private message with their items; answers gather in this thread until "
         "<!date^1795708800^{date_short_pretty} at {time}|Thu 26 Nov 2026, 16:00 UTC>."),
        ("chat.postMessage", PAUL, None, ":clipboard: Check-in #1: how do your commitments stand?"),
    ]  # fmt: skip
    [channel_post] = posts_to(bot.fake, CHANNEL)
    assert SPEC in channel_post.args["text"]
    [ask] = posts_to(bot.fake, PAUL)
    assert buttons(ask) == [("item:1", CHECKIN_BUTTONS, [{"ch": CHANNEL, "r": 1}] * 5)]
    assert (report.checkins_opened, report.sent) == (1, 2)

    before = list(bot.fake.calls)
    again = scheduler.sweep(utc(11, 25, 16))
    assert bot.fake.calls == before
    assert (again.checkins_opened, again.sent) == (0, 0)


# ---- answering with the buttons --------------------------------------------------------------------------


def test_at_risk_then_done_are_told_in_the_checkin_thread_and_stop_the_reminders(bot: Bot) -> None:
    commit(bot)
    scheduler = sweeper(bot)
    open_checkin(bot, scheduler)

    click(bot, "checkin_at_risk")
    assert sent(bot.fake) == [
        ("chat.postMessage", CHANNEL, CHECKIN_TS, PAUL_AT_RISK),
        ("chat.postMessage", DM_PAUL, None, noted(PAUL_AT_RISK, in_thread=True)),
    ]
    assert reported(bot) == ("at_risk", None)
    assert [(a.user_id, a.answer) for a in bot.rows(CheckinAnswer)] == [(PAUL, "at_risk")]

    bot.fake.clear()
    click(bot, "item_done")
    assert sent(bot.fake) == [
        ("chat.postMessage", CHANNEL, CHECKIN_TS, PAUL_DONE),
        ("chat.postMessage", DM_PAUL, None, noted(PAUL_DONE, in_thread=True)),
    ]
    [commitment] = bot.rows(Commitment)
    assert (commitment.status, commitment.closed_at) == ("done", utc(11, 25, 16, 5))

    # Past its deadline (Fri 27 Nov 18:00 Berlin): the check-in's summary, and no reminder for Paul.
    bot.fake.clear()
    scheduler.sweep(utc(11, 30, 8, 5))
    assert sent(bot.fake) == [("chat.postMessage", CHANNEL, CHECKIN_TS, ":checkered_flag: *Check-in #1 closed.*")]
    summary = posts_to(bot.fake, CHANNEL)[0].args["text"]
    assert "Answered: <@U0PAUL001>." in summary
    assert bot.listener_crashes() == []


def test_a_second_done_is_refused_privately_in_the_dm(bot: Bot) -> None:
    commit(bot)
    open_checkin(bot, sweeper(bot))
    click(bot, "item_done")
    bot.fake.clear()

    click(bot, "item_done", answers=1)

    assert sent(bot.fake) == [
        ("chat.postMessage", DM_PAUL, None, "#1 is already done; nothing to change. `show #1` has its history.")
    ]
    assert [e.kind for e in bot.rows(CommitmentEvent)] == ["created", "done"]


def test_need_help_opens_a_note_and_the_note_goes_to_the_thread(bot: Bot) -> None:
    commit(bot)
    open_checkin(bot, sweeper(bot))

    click(bot, "item_need_help", answers=0)
    [opened] = bot.fake.wait_for("views.open")
    view = opened.args["view"]
    assert (view["callback_id"], json.loads(view["private_metadata"])) == (
        "item_need_help",
        {"ch": CHANNEL, "r": 1, "dm": DM_PAUL},
    )
    [field] = view["blocks"]
    assert (field["block_id"], field["element"]["type"], field["element"]["multiline"]) == (
        "note",
        "plain_text_input",
        True,
    )
    assert bot.fake.calls_to("chat.postMessage") == []
    bot.fake.clear()

    note = "Legal has not cleared the data clause"
    form = payloads.view_submission(
        "item_need_help",
        {"note": {"value": payloads.plain_text_input(note)}},
        user=PAUL,
        private_metadata=view["private_metadata"],
    )
    assert bot.post(form) == (200, "")
    bot.fake.wait_for("chat.postMessage", count=2)
    bot.quiet()

    line = f"<@U0PAUL001> on `#1` *{SPEC}*: :sos: needs help: “{note}”"
    assert sent(bot.fake) == [
        ("chat.postMessage", CHANNEL, CHECKIN_TS, line),
        ("chat.postMessage", DM_PAUL, None, noted(line, in_thread=True)),
    ]
    assert reported(bot) == ("need_help", note)


def new_date_form(day: str) -> payloads.SignedRequest:
    metadata = json.dumps({"ch": CHANNEL, "r": 1, "dm": DM_PAUL})
    values = {"due": {"value": payloads.datepicker(day)}}
    return payloads.view_submission("item_new_date", values, user=PAUL, private_metadata=metadata)


def test_new_date_refuses_a_past_day_beside_the_field_and_moves_to_a_day_ahead(bot: Bot) -> None:
    commit(bot)
    clock_to(bot, utc(11, 26, 8, 30))

    click(bot, "item_new_date", answers=0)
    [opened] = bot.fake.wait_for("views.open")
    view = opened.args["view"]
    assert (view["callback_id"], json.loads(view["private_metadata"])) == (
        "item_new_date",
        {"ch": CHANNEL, "r": 1, "dm": DM_PAUL},
    )
    assert [(b["block_id"], b["element"]["type"]) for b in view["blocks"]] == [("due", "datepicker")]
    bot.fake.clear()

    status, body = bot.post(new_date_form("2026-11-20"))
    assert status == 200
    assert json.loads(body) == {
        "response_action": "errors",
        "errors": {"due": "Fri 20 Nov 2026, 18:00 CET has already passed. Pick a date ahead."},
    }
    bot.quiet()
    assert sent(bot.fake) == []
    [commitment] = bot.rows(Commitment)
    assert commitment.due_at == datetime(2026, 11, 27, 18, tzinfo=BERLIN)
    assert [e.kind for e in bot.rows(CommitmentEvent)] == ["created"]

    assert bot.post(new_date_form("2026-12-04")) == (200, "")
    bot.fake.wait_for("chat.postMessage", count=2)
    bot.quiet()
    [commitment] = bot.rows(Commitment)
    assert commitment.due_at == datetime(2026, 12, 4, 18, tzinfo=BERLIN)
    [(method, where, thread, line), dm] = sent(bot.fake)
    assert (method, where, thread) == ("chat.postMessage", CHANNEL, None)  # no check-in open: the channel
    assert line.startswith(f":calendar: `#1` *{SPEC}* now due ") and line.endswith(
        "moved by <@U0PAUL001>. That counts as a slip."
    )
    assert dm == ("chat.postMessage", DM_PAUL, None, noted(line, in_thread=False))


def test_reassign_from_a_reminder_hands_the_item_to_the_person_picked(bot: Bot) -> None:
    commit(bot)
    clock_to(bot, utc(11, 26, 8, 30))
    click(bot, "item_reassign", answers=0)
    [opened] = bot.fake.wait_for("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == "item_reassign"
    assert [(b["block_id"], b["element"]["type"]) for b in view["blocks"]] == [("owner", "users_select")]
    bot.fake.clear()

    form = payloads.view_submission(
        "item_reassign",
        {"owner": {"value": payloads.users_select(PIA)}},
        user=PAUL,
        private_metadata=view["private_metadata"],
    )
    assert bot.post(form) == (200, "")
    bot.fake.wait_for("chat.postMessage", count=2)
    bot.quiet()

    line = (
        f":arrows_counterclockwise: `#1` *{SPEC}* now belongs to <@U0PIA0001> (Globex), was <@U0PAUL001>; "
        "reassigned by <@U0PAUL001>."
    )
    assert sent(bot.fake) == [
        ("chat.postMessage", CHANNEL, None, line),
        ("chat.postMessage", DM_PAUL, None, noted(line, in_thread=False)),
    ]
    assert bot.rows(Commitment)[0].owner_id == PIA


# ---- delivery when Slack is busy or down -----------------------------------------------------------------


def test_a_rate_limit_is_waited_out_and_each_message_is_sent_once(bot: Bot) -> None:
    commit(bot)
    bot.fake.fail_next("chat.postMessage", status=429, retry_after=1)

    report = sweeper(bot).sweep(utc(11, 25, 16))

    assert [(m, to) for m, to, _, _ in sent(bot.fake)] == [
        ("chat.postMessage", CHANNEL),  # 429, retried by the SDK after Retry-After
        ("chat.postMessage", CHANNEL),
        ("chat.postMessage", PAUL),
    ]
    assert sent(bot.fake)[0] == sent(bot.fake)[1]
    assert (report.sent, report.retried, report.failed) == (2, 0, 0)
    assert sorted((d.kind, d.status, d.attempts) for d in bot.rows(Delivery) if d.status != "pending") == [
        ("checkin_ask", "sent", 1),
        ("checkin_open", "sent", 1),
    ]


def test_a_server_error_leaves_the_message_for_a_later_sweep(bot: Bot) -> None:
    commit(bot)
    scheduler = sweeper(bot)
    bot.fake.fail_next("chat.postMessage", status=500, error="internal_error", times=3)

    report = scheduler.sweep(utc(11, 25, 16))

    assert [(m, to) for m, to, _, _ in sent(bot.fake)] == [
        ("chat.postMessage", CHANNEL),  # the SDK tries three times in all
        ("chat.postMessage", CHANNEL),
        ("chat.postMessage", CHANNEL),
        ("chat.postMessage", PAUL),  # one busy message holds up no other
    ]
    assert (report.sent, report.retried) == (1, 1)
    [opening] = [d for d in bot.rows(Delivery) if d.kind == "checkin_open"]
    assert (opening.status, opening.attempts, opening.last_error) == ("pending", 1, "internal_error")
    assert bot.rows(Checkin)[0].thread_ts is None
    # The first retry waits a minute; a sweep before then leaves it alone, one two minutes on sends it.
    assert opening.not_before == utc(11, 25, 16, 1)
    bot.fake.clear()
    scheduler.sweep(utc(11, 25, 16) + timedelta(seconds=30))
    assert sent(bot.fake) == []

    scheduler.sweep(utc(11, 25, 16, 2))
    assert [(m, to) for m, to, _, _ in sent(bot.fake)] == [("chat.postMessage", CHANNEL)]
    assert sent(bot.fake)[0][3].startswith(":clipboard: *Check-in #1*")
    [opening] = [d for d in bot.rows(Delivery) if d.kind == "checkin_open"]
    assert (opening.status, opening.attempts) == ("sent", 2)
    assert bot.rows(Checkin)[0].thread_ts is not None


# ---- reminders up the ladder, in working hours ------------------------------------------------------------


def test_reminders_climb_the_ladder_in_working_hours(bot: Bot) -> None:
    commit(bot)  # due Fri 27 Nov, 18:00 Berlin
    scheduler = sweeper(bot)

    # Thu 26 Nov 09:30 Berlin: the check-in that was due yesterday, and "due soon".
    scheduler.sweep(utc(11, 26, 8, 30))
    assert [s for s in sent(bot.fake) if s[1] in (PAUL, DM_PAUL)] == [
        ("chat.postMessage", PAUL, None, ":clipboard: Check-in #1: how do your commitments stand?"),
        ("chat.postMessage", PAUL, None, "*:hourglass_flowing_sand: Due soon*"),
    ]
    due_soon = posts_to(bot.fake, PAUL)[-1]
    assert buttons(due_soon) == [("item:1", NUDGE_BUTTONS, [{"ch": CHANNEL, "r": 1}] * 4)]

    # Saturday, after the deadline: nothing for Paul over the weekend.
    bot.fake.clear()
    scheduler.sweep(utc(11, 28, 3))
    assert [s for s in sent(bot.fake) if s[1] in (PAUL, DM_PAUL)] == []

    # Monday 09:05 Berlin: overdue.
    bot.fake.clear()
    scheduler.sweep(utc(11, 30, 8, 5))
    assert sent(bot.fake) == [("chat.postMessage", PAUL, None, "*:warning: Overdue*")]
    assert buttons(posts_to(bot.fake, PAUL)[0])[0][1] == NUDGE_BUTTONS

    # Globex names its lead; two working days after the deadline she hears of it.
    clock_to(bot, utc(11, 30, 9))
    bot.post(payloads.app_mention("<@U0BOT0001> lead <@U0PIA0001>", user=PIA))
    bot.fake.wait_for("chat.postMessage", count=2)
    bot.quiet()
    bot.fake.clear()
    scheduler.sweep(utc(12, 2, 8, 30))
    assert sent(bot.fake) == [
        ("chat.postMessage", PIA, None, "*:arrow_up: Escalation to you as lead*"),
    ]
    escalation = posts_to(bot.fake, PIA)[0]
    assert "<@U0PAUL001>" in escalation.args["text"]
    assert buttons(escalation) == [("item:1", NUDGE_BUTTONS, [{"ch": CHANNEL, "r": 1}] * 4)]


def test_a_private_message_due_at_three_in_the_night_waits_for_nine(bot: Bot) -> None:
    commit(bot, "commit <@U0GUS0001> Localise the API docs by 2026-12-04")
    scheduler = sweeper(bot)

    scheduler.sweep(utc(11, 25, 18))  # 03:00 Thursday in Tokyo: the channel hears of the check-in, not Gus
    assert [(m, to) for m, to, _, _ in sent(bot.fake)] == [("chat.postMessage", CHANNEL)]

    bot.fake.clear()
    scheduler.sweep(utc(11, 25, 23, 55))  # 08:55 in Tokyo
    assert sent(bot.fake) == []

    scheduler.sweep(utc(11, 26, 0, 5))  # 09:05 in Tokyo
    assert sent(bot.fake) == [
        ("chat.postMessage", GUS, None, ":clipboard: Check-in #1: how do your commitments stand?"),
    ]


def test_snooze_keeps_reminders_away_until_it_ends(bot: Bot) -> None:
    commit(bot, f"commit <@U0PAUL001> {SPEC} by 2026-11-26")  # Thu 26 Nov, 18:00 Berlin
    scheduler = sweeper(bot)
    scheduler.sweep(utc(11, 25, 8, 30))
    assert sent(bot.fake)[-1] == ("chat.postMessage", PAUL, None, "*:hourglass_flowing_sand: Due soon*")
    bot.fake.clear()

    clock_to(bot, utc(11, 25, 8, 35))
    click(bot, "item_snooze")
    line = (
        f":zzz: No reminders about `#1` *{SPEC}* until "
        "<!date^1795854900^{date_short_pretty} at {time}|Sat 28 Nov 2026, 09:35 CET>, snoozed by <@U0PAUL001>."
    )
    assert sent(bot.fake) == [
        ("chat.postMessage", CHANNEL, None, line),
        ("chat.postMessage", DM_PAUL, None, noted(line, in_thread=False)),
    ]
    [commitment] = bot.rows(Commitment)
    assert commitment.snoozed_until == utc(11, 28, 8, 35)

    # Friday 09:30 Berlin, the morning after the deadline, would be the overdue reminder: not while snoozed.
    bot.fake.clear()
    scheduler.sweep(utc(11, 25, 16))  # (the check-in still asks: it is not a reminder)
    scheduler.sweep(utc(11, 27, 8, 30))
    assert [c for c in posts_to(bot.fake, PAUL) if "item_snooze" in json.dumps(c.args["blocks"])] == []

    bot.fake.clear()
    scheduler.sweep(utc(11, 30, 8, 5))  # Monday: the snooze is over
    assert sent(bot.fake) == [("chat.postMessage", PAUL, None, "*:warning: Overdue*")]
