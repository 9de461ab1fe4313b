"""Who may do what, through the real app: a third organisation in the channel, people who left, each party
governing its own items (issue 11 items 3, 4, 8; issue 12 item 14).

Every path a change can take is tried: a slash command, a mention, a DM button (payloads as in
tests/slack/payloads.py, after Slack's block_actions and view_submission shapes), a modal, the commitment form.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime

from bot.slack.blocks.checkins import item_value
from storage.models import Checkin, Commitment, Party, PartyChannel
from tests.slack import payloads
from tests.slack.conftest import Bot
from tests.slack.fakes.web_api import (
    ACME,
    ALICE,
    BOB,
    BOT,
    CHANNEL,
    EVE,
    GLOBEX,
    PAUL,
    PIA,
    THIRD,
    make_channel,
)
from tests.slack.test_trust import mention, slash
from tests.slack.transcript import said, whispered

DM_BOB, DM_EVE = "D0BOB0001", "D0EVE0001"
THIRD_TEAM = "An alliance is between two organisations, and yours is not one of this alliance's two"
LEFT = "You have left this alliance's channel, so you no longer own or change anything in it"


def setup(bot: Bot) -> None:
    """Alice leads Acme, Paul leads Globex; #1 is Bob's (Acme), #2 Paul's (Globex), #3 Bob's internal one."""
    slash(bot, f"lead <@{ALICE}>")
    mention(bot, f"lead <@{PAUL}>", user=PAUL)
    slash(bot, f"commit <@{BOB}> Security review by Friday")
    mention(bot, f"commit <@{PAUL}> Draft joint API spec by Friday", user=PAUL)
    slash(bot, f"commit --internal <@{BOB}> Pricing floor by Friday")


def eve_joins(bot: Bot) -> None:
    """A third workspace is brought into the Slack Connect channel, and Eve with it."""
    channel = bot.fake.channels[CHANNEL]
    channel["members"].append(EVE)
    channel["shared_team_ids"] = [ACME, GLOBEX, THIRD]


def bob_leaves(bot: Bot) -> None:
    bot.fake.channels[CHANNEL]["members"].remove(BOB)
    bot.fake.clear()
    assert bot.post(payloads.member_left_channel(BOB)) == (200, "")
    bot.quiet(for_seconds=0.3)


def state(bot: Bot) -> list[tuple[int, str, str, str]]:
    return sorted((c.ref, c.status, c.owner_id, c.due_at.isoformat()) for c in bot.rows(Commitment))


def refused_privately(bot: Bot, user: str, text: str) -> None:
    """One private word to `user`: an ephemeral message, or a DM when they are no longer in the channel."""
    public = [s for s in said(bot.fake) if not s.channel.startswith(("U", "D"))]
    assert public == [], "nothing is said in a channel"
    private = [w.text for w in whispered(bot.fake) if w.user == user] + [
        s.text for s in said(bot.fake) if s.channel.startswith(("U", "D"))
    ]
    # (for someone gone from the channel the ephemeral fails and the same words come by DM)
    assert private and all(text in p for p in private), private


def click(bot: Bot, action_id: str, *, user: str, dm: str, ref: int) -> None:
    """A button in a DM (a check-in question or a reminder), as Slack posts it: value {"ch", "r"}."""
    bot.fake.clear()
    request = payloads.block_action(action_id, item_value(CHANNEL, ref), user=user, channel=dm, block_id=f"item:{ref}")
    assert bot.post(request) == (200, "")
    bot.fake.wait_for("chat.postMessage")
    bot.quiet(for_seconds=0.3)


def submit(bot: Bot, callback_id: str, values: dict[str, dict[str, dict[str, object]]], *, user: str, ref: int) -> str:
    """A check-in modal's submission; Slack shows a refusal beside the field (the HTTP response)."""
    meta = json.dumps({"ch": CHANNEL, "r": ref, "dm": DM_BOB})
    status, body = bot.post(payloads.view_submission(callback_id, values, user=user, private_metadata=meta))
    assert status == 200
    return body


# ---- a third organisation in the channel ----------------------------------------------------------------------


def test_a_third_teams_member_may_read_and_ask_but_changes_nothing_anywhere(bot: Bot) -> None:
    setup(bot)
    eve_joins(bot)
    before = state(bot)

    for text in (
        "commit Take over the launch by Friday",
        f"lead <@{EVE}>",
        "done #1",
        "due #2 next Monday",
        f"reassign #1 <@{PIA}>",
        "drop #2 not needed",
        "checkin now",
        "cadence monthly",
        "decide We use Initech's pricing",
    ):
        mention(bot, text, user=EVE)
        refused_privately(bot, EVE, THIRD_TEAM)
        slash(bot, text, user=EVE)
        refused_privately(bot, EVE, THIRD_TEAM)

    # A button in a DM (say, forwarded buttons of an old message) and the commitment form: the same answer.
    click(bot, "item_done", user=EVE, dm=DM_EVE, ref=1)
    assert [c.args["text"] for c in bot.fake.calls_to("chat.postMessage")][-1].startswith(THIRD_TEAM)
    form = payloads.view_submission(
        "commitment_form",
        {
            "title": {"value": payloads.plain_text_input("Initech's own item")},
            "owner": {"value": payloads.users_select(EVE)},
            "due": {"value": payloads.datepicker(date(2026, 12, 4).isoformat())},
            "milestone": {"value": {"type": "checkboxes", "selected_options": []}},
        },
        user=EVE,
        private_metadata=json.dumps({"channel": CHANNEL}),
    )
    status, body = bot.post(form)
    assert status == 200 and json.loads(body)["errors"]["title"].startswith(THIRD_TEAM[:60])

    # No third party, nothing changed; Eve may still read what both organisations read.
    assert sorted(p.team_id for p in bot.rows(Party)) == [ACME, GLOBEX]
    assert state(bot) == before
    mention(bot, "list", user=EVE)
    [listing] = said(bot.fake)
    assert "Security review" in listing.text and "Pricing floor" not in listing.text

    # Nor can the parties hand anything to her: she is not one of theirs.
    slash(bot, f"commit <@{EVE}> Initech intro by Friday")
    refused_privately(bot, ALICE, "<@U0EVE0001> is not with either organisation of this alliance")
    slash(bot, f"reassign #1 <@{EVE}>")
    refused_privately(bot, ALICE, "is not with either organisation of this alliance")
    assert state(bot) == before


def test_a_channel_shared_by_three_workspaces_at_first_use_makes_an_alliance_of_two(bot: Bot) -> None:
    channel = bot.fake.channels[CHANNEL]
    channel["members"].append(EVE)
    channel["shared_team_ids"] = [ACME, GLOBEX, THIRD]
    slash(bot, "list")
    assert sorted(p.team_id for p in bot.rows(Party)) == [ACME, GLOBEX]
    mention(bot, f"lead <@{EVE}>", user=EVE)
    refused_privately(bot, EVE, THIRD_TEAM)
    assert sorted((p.team_id, p.lead_id) for p in bot.rows(Party)) == [(ACME, None), (GLOBEX, None)]


# ---- people who left -----------------------------------------------------------------------------------------


def test_someone_who_left_changes_nothing_from_any_path(bot: Bot) -> None:
    setup(bot)
    bob_leaves(bot)
    before = state(bot)

    for action in ("item_done", "checkin_at_risk", "item_snooze"):
        click(bot, action, user=BOB, dm=DM_BOB, ref=1)
        [refusal] = [c.args["text"] for c in bot.fake.calls_to("chat.postMessage")]
        assert refusal.startswith(LEFT), (action, refusal)
    for ref in (1, 3):  # his shared item and his internal one
        body = submit(bot, "item_new_date", {"due": {"value": payloads.datepicker("2026-12-18")}}, user=BOB, ref=ref)
        assert json.loads(body)["response_action"] == "errors" and "You have left" in body
        body = submit(bot, "item_reassign", {"owner": {"value": payloads.users_select(ALICE)}}, user=BOB, ref=ref)
        assert "You have left" in body
    slash(bot, "done #3", user=BOB)
    refused_privately(bot, BOB, LEFT)
    slash(bot, "list", user=BOB)  # nor does he read the alliance any more
    refused_privately(bot, BOB, LEFT)
    assert state(bot) == before

    # He owns nothing new either.
    slash(bot, f"commit <@{BOB}> One more thing by Friday")
    refused_privately(bot, ALICE, "left")
    assert state(bot) == before


# ---- each party governs its own items ------------------------------------------------------------------------


def test_the_other_partys_lead_cannot_change_your_items_nor_anyone_report_on_them(bot: Bot) -> None:
    setup(bot)
    before = state(bot)
    for text in ("drop #1 not needed", "done #1", "due #1 next Monday", f"reassign #1 <@{ALICE}>", "snooze #1 3d"):
        mention(bot, text, user=PAUL)  # Globex's lead, on Acme's item
        refused_privately(bot, PAUL, "Only its owner <@U0BOB0001> or their own organisation's lead")
    # "At risk" by someone else (Pia, Globex) is refused, and is no check-in answer.
    click(bot, "checkin_at_risk", user=PIA, dm="D0PIA0001", ref=1)
    assert [c.args["text"] for c in bot.fake.calls_to("chat.postMessage")][-1].startswith("Only its owner")
    assert [c.reported for c in bot.rows(Commitment) if c.ref == 1] == [None]
    assert state(bot) == before

    # Acme's own lead may: each party governs its own items.
    slash(bot, "due #1 next Monday")
    assert said(bot.fake) and state(bot) != before


# ---- smaller: owners in the channel, a no-op hand-over, one check-in at a time --------------------------------


def test_an_owner_must_be_in_the_channel(bot: Bot) -> None:
    bot.fake.users["U0OUTS001"] = dict(bot.fake.users[PIA], id="U0OUTS001", name="otto")
    slash(bot, "list")
    slash(bot, "commit <@U0OUTS001> Something by Friday")
    refused_privately(bot, ALICE, "<@U0OUTS001> is not in this alliance's channel")
    slash(bot, "lead <@U0OUTS001>")
    refused_privately(bot, ALICE, "is not in this alliance's channel")
    assert bot.rows(Commitment) == []


def test_an_unauthorised_handover_is_refused_privately_and_not_announced(bot: Bot) -> None:
    setup(bot)
    mention(bot, f"handover <@{BOB}> to <@{PIA}>", user=PIA)
    refused_privately(bot, PIA, "Only")
    mention(bot, f"handover <@{ERIN_ID}> to <@{ALICE}>", user=ALICE)  # Erin holds nothing: nothing to announce
    refused_privately(bot, ALICE, "holds nothing in this alliance that you can hand over")


ERIN_ID = "U0ERIN001"


def test_checkin_now_five_times_opens_one_checkin(bot: Bot) -> None:
    setup(bot)
    slash(bot, "checkin now")
    for _ in range(4):
        slash(bot, "checkin now")
        refused_privately(bot, ALICE, "A check-in has just been called and is on its way: one check-in at a time")
    bot.sweep()
    bot.sweep()
    assert len(bot.rows(Checkin)) == 1
    slash(bot, "checkin now")
    refused_privately(bot, ALICE, "Check-in #1 is still open: one check-in at a time")
    bot.sweep()
    assert len(bot.rows(Checkin)) == 1


def test_control_characters_are_stripped_at_the_edge_and_newlines_kept(bot: Bot) -> None:
    slash(bot, "commit <@U0BOB0001> Sec\x00urity\x1b review\x07 by Friday")
    [row] = bot.rows(Commitment)
    assert row.title == "Security review"
    assert BOT  # the bot answered (slash waited for it)


# ---- what the other organisation reads: no trace of internal items or their holders (11.6) ---------------------


def test_the_checkin_summary_and_scorecard_do_not_reveal_who_holds_only_internal_items(bot: Bot) -> None:
    slash(bot, f"commit --internal <@{ERIN_ID}> Renegotiate reseller margin by 2026-11-27")
    slash(bot, f"commit <@{PAUL}> Draft joint API spec by 2026-11-27")
    bot.fake.answer_next("chat.postMessage", {"ok": True, "channel": CHANNEL, "ts": "1795000000.000100"})
    bot.sweep(datetime(2026, 11, 25, 16, tzinfo=UTC))  # check-in #1 opens; Erin and Paul are asked privately
    click(bot, "checkin_on_track", user=PAUL, dm="D0PAUL001", ref=2)

    bot.fake.clear()
    bot.sweep(datetime(2026, 11, 30, 8, 5, tzinfo=UTC))  # closed: the summary in the shared channel
    [summary] = [s for s in said(bot.fake) if s.channel == CHANNEL and "Check-in #1 closed" in s.text]
    assert "Answered: <@U0PAUL001>." in summary.text
    assert ERIN_ID not in summary.text and "No answer from" not in summary.text

    # Globex's scorecard: Acme was asked nothing it may know of; Acme's own private one counts Erin's question.
    mention(bot, "scorecard", user=PAUL)
    shown = "\n".join(s.text for s in said(bot.fake)) + "\n".join(w.text for w in whispered(bot.fake))
    assert "0/1 check-in questions answered" not in shown
    slash(bot, "scorecard")
    mine = "\n".join(w.text for w in whispered(bot.fake)) + "\n".join(s.text for s in said(bot.fake))
    assert "0/1 check-in questions answered" in mine


# ---- a linked private channel is checked when written to, not once (11.7) ---------------------------------------

PRIVATE = "G0ACMEPRV"


def link_acme_channel(bot: Bot) -> None:
    bot.fake.channels[PRIVATE] = make_channel(
        PRIVATE, "acme-internal", members=[ALICE, BOB, BOT], host_team=ACME, is_private=True
    )
    slash(bot, f"lead <@{ALICE}>")
    slash(bot, f"link <#{PRIVATE}|acme-internal>")


def share_with_globex(bot: Bot) -> None:
    channel = bot.fake.channels[PRIVATE]
    channel["members"].append(PAUL)
    channel["shared_team_ids"] = [ACME, GLOBEX]
    channel["is_ext_shared"] = channel["is_shared"] = True


def test_a_linked_channel_shared_later_gets_no_internal_titles(bot: Bot) -> None:
    link_acme_channel(bot)
    share_with_globex(bot)  # no event reaches us (or not yet)

    slash(bot, f"commit --internal <@{BOB}> Pricing floor by Friday")
    assert [s.channel for s in said(bot.fake)] == []  # not in the shared channel, nor in the one shared now
    [told] = whispered(bot.fake)
    assert told.user == ALICE and "Pricing floor" in told.text
    assert bot.rows(PartyChannel) == []  # unlinked: it is Acme's private channel no more

    mention(bot, "list", user=BOB, channel=PRIVATE)
    assert "Pricing floor" not in "\n".join(s.text for s in said(bot.fake))


def test_channel_shared_unlinks_a_partys_private_channel_at_once(bot: Bot) -> None:
    link_acme_channel(bot)
    share_with_globex(bot)
    assert bot.post(payloads.channel_shared(GLOBEX, PRIVATE)) == (200, "")
    deadline = time.monotonic() + 5
    while bot.rows(PartyChannel) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert bot.rows(PartyChannel) == []


# ---- "need help" reaches the owner's lead (12.14) ------------------------------------------------------------


def test_need_help_reaches_the_owners_lead_in_her_working_hours(bot: Bot) -> None:
    setup(bot)
    bot.fake.clear()
    note = {"note": {"value": payloads.plain_text_input("Blocked on legal")}}
    assert submit(bot, "item_need_help", note, user=BOB, ref=1) == ""  # the modal closes
    bot.quiet(for_seconds=0.3)
    told = [s.text for s in said(bot.fake)]
    assert any("<@U0ALICE01> is told" in t for t in told), told

    bot.fake.clear()
    bot.sweep(datetime(2026, 11, 24, 14, 5, tzinfo=UTC))  # 09:05 in New York, where Alice works
    helps = [s for s in said(bot.fake) if s.text.startswith("*:sos: Help asked*")]
    [help_asked] = helps
    assert not help_asked.channel.startswith("C")  # privately
    assert "<@U0BOB0001> needs help with it: “Blocked on legal”" in help_asked.text
    assert "Security review" in help_asked.text
    assert help_asked.channel == ALICE  # to her user id: Slack opens the DM; Paul (the other lead) hears nothing
    assert PAUL not in [c.args.get("channel") for c in bot.fake.calls_to("chat.postMessage")]
