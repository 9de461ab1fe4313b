"""Trust boundaries through the real app: internal items, refusals, and a party's linked private channel.

Acme keeps an internal commitment; Globex's people (by mention, the only way they have in Slack Connect) never
see it, Acme's people see it privately and in Acme's own private channel, and whoever may not change an item is
told why, privately.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta

from bot.core.schedule import Pacer, Scheduler
from bot.slack.app import web_client
from bot.slack.blocks.checkins import item_value
from bot.slack.blocks.people import ORPHAN_REASSIGN_ACTION, picker_block
from bot.slack.courier import SlackCourier
from storage.models import Commitment, PartyChannel, PulseRound
from tests.slack import payloads
from tests.slack.conftest import Bot
from tests.slack.fakes.web_api import ACME, ALICE, BOB, BOT, CHANNEL, GLOBEX, PAUL, PIA, make_channel
from tests.slack.transcript import Whispered, everything_said, said, whispered

PRIVATE = "G0ACMEPRV"
DM_BOB = "D0BOB0001"
SECRET = "Prepare pricing floor"


def acme_private_channel(bot: Bot, *, with_bot: bool = True) -> None:
    bot.fake.channels[PRIVATE] = make_channel(
        PRIVATE,
        "acme-internal",
        members=[ALICE, BOB, *([BOT] if with_bot else [])],
        host_team=ACME,
        is_private=True,
    )


def answered(bot: Bot, timeout: float = 15.0) -> None:
    """Wait for the bot's first word after the ack (every command here gets one), then for it to finish: a
    command may say two things (the channel, then the caller), and a loaded machine may pause between them."""
    deadline = time.monotonic() + timeout
    while not any(c.method in ("chat.postMessage", "chat.postEphemeral") for c in bot.fake.calls):
        assert time.monotonic() < deadline, "the bot said nothing"
        time.sleep(0.01)
    bot.quiet(for_seconds=0.5)


def slash(bot: Bot, text: str, *, user: str = ALICE, channel: str = CHANNEL) -> None:
    bot.fake.clear()
    assert bot.post(payloads.slash_command(text, user=user, channel=channel)) == (200, "")
    answered(bot)


def mention(bot: Bot, text: str, *, user: str, channel: str = CHANNEL) -> str:
    bot.fake.clear()
    request = payloads.app_mention(f"<@{BOT}> {text}", user=user, channel=channel)
    assert bot.post(request) == (200, "")
    answered(bot)
    return str(request.decoded()["event"]["ts"])


def setup_acme(bot: Bot) -> None:
    """Alice leads Acme and links its private channel; #1 is Acme's internal item, #2 a shared one of Paul's."""
    acme_private_channel(bot)
    slash(bot, f"lead <@{ALICE}>")
    slash(bot, f"link <#{PRIVATE}|acme-internal>")
    slash(bot, f"commit --internal <@{BOB}> {SECRET} by Friday")
    slash(bot, f"commit <@{PAUL}> Draft joint API spec by Friday")


def test_link_puts_acmes_private_channel_in_the_loop(bot: Bot) -> None:
    acme_private_channel(bot)
    slash(bot, f"lead <@{ALICE}>")
    slash(bot, f"link <#{PRIVATE}|acme-internal>")
    [link] = bot.rows(PartyChannel)
    assert (link.channel_id, link.team_id, link.linked_by) == (PRIVATE, ACME, ALICE)
    [hello] = said(bot.fake)
    assert hello.channel == PRIVATE and hello.text.startswith(f":lock: <#{PRIVATE}> is now *Acme*'s private channel")
    [told] = whispered(bot.fake)
    assert (told.channel, told.user) == (CHANNEL, ALICE)  # nothing in the shared channel about Acme's channel

    # Globex's lead cannot link Acme's channel, and nobody can link a channel the bot is not in.
    slash(bot, f"link <#{PRIVATE}|acme-internal>", user=BOB)
    [refused] = whispered(bot.fake)
    assert refused.user == BOB and "Only your party's lead or sponsor can link" in refused.text
    bot.fake.channels["G0NOBOT01"] = make_channel(
        "G0NOBOT01", "secret", members=[ALICE], host_team=ACME, is_private=True
    )
    slash(bot, "link <#G0NOBOT01|secret>")
    [refused] = whispered(bot.fake)
    assert "invite me to it first" in refused.text
    assert said(bot.fake) == []


def test_globex_never_sees_acmes_internal_item_and_alice_does_privately(bot: Bot) -> None:
    acme_private_channel(bot)
    slash(bot, f"lead <@{ALICE}>")
    slash(bot, f"link <#{PRIVATE}|acme-internal>")

    slash(bot, f"commit --internal <@{BOB}> {SECRET} by Friday")
    [commitment] = bot.rows(Commitment)
    assert commitment.internal is True and commitment.party_team_id == ACME
    # Recorded: to Alice privately and in Acme's channel; never in the shared one.
    assert [(s.channel, SECRET in s.text) for s in said(bot.fake)] == [(PRIVATE, True)]
    [private] = whispered(bot.fake)
    assert (private.channel, private.user) == (CHANNEL, ALICE) and SECRET in private.text

    slash(bot, f"commit <@{PAUL}> Draft joint API spec by Friday")
    ts = mention(bot, "list", user=PAUL)
    [listing] = said(bot.fake)
    assert (listing.channel, listing.thread_ts) == (CHANNEL, ts)
    assert "Draft joint API spec" in listing.text and SECRET not in listing.text and "`#1`" not in listing.text

    slash(bot, "list")
    [mine] = whispered(bot.fake)
    assert mine.user == ALICE and SECRET in mine.text and "Draft joint API spec" in mine.text
    assert said(bot.fake) == []

    mention(bot, "list", user=ALICE)  # Alice too, in the shared thread: both organisations read it
    [thread] = said(bot.fake)
    assert SECRET not in thread.text

    for text in ("show #1", "who pricing floor", f"who <@{BOB}>", "list overdue"):
        mention(bot, text, user=PIA)
        assert SECRET not in everything_said(bot.fake), text


def test_the_other_party_cannot_change_or_see_an_internal_item_and_is_told_privately(bot: Bot) -> None:
    setup_acme(bot)
    mention(bot, f"lead <@{PAUL}>", user=PAUL)
    for text in ("done #1", "due #1 next Monday", "drop #1 not needed", f"reassign #1 <@{PIA}>"):
        mention(bot, text, user=PAUL)
        assert said(bot.fake) == [], text
        [refused] = whispered(bot.fake)
        assert (refused.user, refused.text) == (
            PAUL,
            "There is no commitment #1 in this alliance. `list` shows the open ones.",
        ), text
    [row] = [c for c in bot.rows(Commitment) if c.ref == 1]
    assert (row.status, row.owner_id) == ("open", BOB)

    # A shared item: only its owner or a lead; Pia is neither.
    mention(bot, "due #2 next Monday", user=PIA)
    assert said(bot.fake) == []
    [refused] = whispered(bot.fake)
    assert refused.user == PIA and refused.text.startswith(f"Only its owner <@{PAUL}> or their own organisation's lead")

    # Nor may Globex make an item internal for Acme.
    mention(bot, f"commit --internal <@{BOB}> Their floor by Friday", user=PAUL)
    [refused] = whispered(bot.fake)
    assert "only their own organisation can keep an internal commitment" in refused.text
    assert len(bot.rows(Commitment)) == 2


def test_a_change_to_an_internal_item_is_announced_only_privately_and_in_the_partys_channel(bot: Bot) -> None:
    setup_acme(bot)
    mention(bot, "done #1", user=ALICE)  # typed in the shared channel, by mention
    posts = said(bot.fake)
    assert [p.channel for p in posts] == [PRIVATE]
    assert posts[0].text.startswith(f":white_check_mark: `#1` *{SECRET}* is done, marked by <@{ALICE}>.")
    [private] = whispered(bot.fake)
    assert (private.channel, private.user) == (CHANNEL, ALICE)


def test_commands_in_the_linked_channel_act_on_the_alliance_for_acmes_eyes(bot: Bot) -> None:
    setup_acme(bot)
    ts = mention(bot, "list", user=BOB, channel=PRIVATE)
    [listing] = said(bot.fake)
    assert (listing.channel, listing.thread_ts) == (PRIVATE, ts)
    assert SECRET in listing.text and "Draft joint API spec" in listing.text

    slash(bot, "due #1 next Monday", user=BOB, channel=PRIVATE)  # Bob owns it
    [moved] = said(bot.fake)
    assert moved.channel == PRIVATE and SECRET in moved.text

    # Someone of Globex in Acme's channel (say, invited by mistake after it was linked) is not answered there.
    bot.fake.channels[PRIVATE]["members"].append(PAUL)
    mention(bot, "list", user=PAUL, channel=PRIVATE)
    assert said(bot.fake) == []
    assert [w.user for w in whispered(bot.fake)] == [PAUL]
    assert "another organisation's private channel" in whispered(bot.fake)[0].text


def test_the_form_has_an_internal_box(bot: Bot) -> None:
    acme_private_channel(bot)
    slash(bot, f"lead <@{ALICE}>")
    slash(bot, f"link <#{PRIVATE}|acme-internal>")
    values = {
        "title": {"value": payloads.plain_text_input(SECRET)},
        "owner": {"value": payloads.users_select(BOB)},
        "due": {"value": payloads.datepicker(date(2026, 12, 4).isoformat())},
        "milestone": {"value": {"type": "checkboxes", "selected_options": []}},
        "internal": {"value": payloads.checkboxes(("internal", "Internal to my organisation"))},
    }
    form = payloads.view_submission(
        "commitment_form", values, user=ALICE, private_metadata=json.dumps({"channel": CHANNEL})
    )
    bot.fake.clear()
    assert bot.post(form) == (200, "")
    answered(bot)
    [commitment] = bot.rows(Commitment)
    assert commitment.internal is True
    assert [s.channel for s in said(bot.fake)] == [PRIVATE]
    assert whispered(bot.fake) == [Whispered(CHANNEL, ALICE, None, whispered(bot.fake)[0].text)]

    # From Globex the same box is refused beside it, and nothing is recorded.
    values["owner"] = {"value": payloads.users_select(BOB)}
    other = payloads.view_submission(
        "commitment_form", values, user=PAUL, private_metadata=json.dumps({"channel": CHANNEL})
    )
    status, body = bot.post(other)
    assert status == 200 and json.loads(body)["errors"].keys() == {"internal"}
    assert len(bot.rows(Commitment)) == 1
    assert GLOBEX not in {c.party_team_id for c in bot.rows(Commitment)}


def test_scheduled_messages_and_dm_buttons_keep_internal_items_inside_acme(bot: Bot) -> None:
    setup_acme(bot)
    bot.fake.clear()
    sweeper = Scheduler(bot.db, SlackCourier(web_client(bot.settings)), pacer=Pacer(0))
    at = datetime(2026, 11, 26, 16, tzinfo=UTC)  # Thursday: the check-in is open, Friday's items are due soon
    bot.clock.advance(at - bot.clock.now())
    sweeper.sweep(at)
    posts = bot.fake.calls_to("chat.postMessage")
    in_channel = [c.args["text"] for c in posts if c.args.get("channel") == CHANNEL]
    to_bob = [c.args["text"] for c in posts if c.args.get("channel") == BOB]  # the sweep posts to his user id
    assert any("Check-in #1" in text for text in in_channel)
    assert all(SECRET not in text for text in in_channel)
    assert any(SECRET in text for text in to_bob)  # his check-in question and his due-soon reminder
    assert all(SECRET not in json.dumps(c.args) for c in posts if c.args.get("channel") not in (BOB, PRIVATE))

    # Bob clicks Done on his internal item in his DM: said in Acme's channel and back to him, not to the alliance.
    bot.fake.clear()
    request = payloads.block_action("item_done", item_value(CHANNEL, 1), user=BOB, channel=DM_BOB, block_id="item:1")
    assert bot.post(request) == (200, "")
    answered(bot)
    channels = [c.args["channel"] for c in bot.fake.calls_to("chat.postMessage")]
    assert sorted(channels) == sorted([PRIVATE, DM_BOB])
    [note] = [c.args["text"] for c in bot.fake.calls_to("chat.postMessage") if c.args["channel"] == DM_BOB]
    assert note.startswith(f":ok_hand: Noted and posted in <#{PRIVATE}> (internal, so not in the shared channel)")


def test_an_orphaned_internal_item_picked_in_a_dm_is_said_only_inside_acme(bot: Bot) -> None:
    setup_acme(bot)
    bot.fake.clear()
    dm_alice = "D0ALICE01"
    block = picker_block({"ch": CHANNEL, "r": 1})
    picked = payloads.users_select_action(ORPHAN_REASSIGN_ACTION, block, ALICE, user=ALICE, channel=dm_alice)
    assert bot.post(picked) == (200, "")
    answered(bot)
    [row] = [c for c in bot.rows(Commitment) if c.ref == 1]
    assert row.owner_id == ALICE
    channels = sorted(c.args["channel"] for c in bot.fake.calls_to("chat.postMessage"))
    assert channels == sorted([dm_alice, PRIVATE])  # the reassignment told to Alice and in Acme's channel only
    assert SECRET not in everything_said_to(bot, CHANNEL)

    # The same pick by Globex's Paul: for him there is no such commitment, said where he picked.
    bot.fake.clear()
    dm_paul = "D0PAUL001"
    picked = payloads.users_select_action(ORPHAN_REASSIGN_ACTION, block, PAUL, user=PAUL, channel=dm_paul)
    assert bot.post(picked) == (200, "")
    answered(bot)
    [refusal] = bot.fake.calls_to("chat.postMessage")
    assert refusal.args["channel"] == dm_paul and "There is no commitment #1" in refusal.args["text"]


def everything_said_to(bot: Bot, channel: str) -> str:
    return "\n".join(json.dumps(c.args) for c in bot.fake.calls if c.args.get("channel") == channel)


def test_pulse_messages_name_no_internal_item_and_a_partys_open_answers_stay_with_its_lead(bot: Bot) -> None:
    """The pulse (asked, reminded, summed up, its open answers) beside an internal item of Acme: no pulse message
    names it, and Acme's open answers reach Alice (Acme's lead) alone, never Globex nor the shared channel."""
    setup_acme(bot)
    mention(bot, f"lead <@{PAUL}>", user=PAUL)
    slash(bot, "pulse now")
    [round_id] = [r.id for r in bot.rows(PulseRound)]
    assert round_id is not None
    words = {ACME: "Zanzibar remark", GLOBEX: "Quokka remark"}
    for user, team in ((ALICE, ACME), (BOB, ACME), (PAUL, GLOBEX), (PIA, GLOBEX)):
        bot.service.answer_pulse(round_id=round_id, user_id=user, ratings={1: 4, 2: 2}, remark=words[team])
    bot.fake.clear()
    sweeper = Scheduler(bot.db, SlackCourier(web_client(bot.settings)), pacer=Pacer(0))
    for hours in range(6, 24 * 9, 6):
        sweeper.sweep(bot.clock.now() + timedelta(hours=hours))
    posts = bot.fake.calls_to("chat.postMessage")
    pulse_posts = [c for c in posts if "ulse" in c.args["text"]]
    assert any("Pulse 1 results" in c.args["text"] for c in pulse_posts)
    assert all(SECRET not in json.dumps(c.args) for c in pulse_posts)
    assert {c.args["channel"] for c in posts if "Zanzibar remark" in json.dumps(c.args)} == {ALICE}
    assert {c.args["channel"] for c in posts if "Quokka remark" in json.dumps(c.args)} == {PAUL}
