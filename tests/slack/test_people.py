"""People coming and going, end to end: Slack's membership events into the running bot, the sweep's notices
through the fake Slack, and the pickers people use in them.

The alliance: Alice leads Acme (the app's workspace), Pia leads Globex; Paul (Globex) owns `#1` and `#2`.
Events go through the bot's HTTP endpoint signed as Slack signs them; the scheduled work runs in the test's
thread (`bot.sweep`) as production runs it, the member reconciliation first. Times are UTC.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.slack.app import web_client
from bot.slack.blocks.people import NEW_LEAD_ACTION, ORPHAN_REASSIGN_ACTION, ORPHANS_ALL_ACTION
from storage.models import Commitment, CommitmentEvent, Delivery, Member, Party
from tests.slack import payloads
from tests.slack.conftest import Bot
from tests.slack.fakes.web_api import (
    ACME,
    ALICE,
    BOB,
    BOT,
    CHANNEL,
    ERIN,
    GLOBEX,
    GUS,
    PAUL,
    PIA,
    Call,
    FakeSlack,
    make_channel,
    make_user,
)

SPEC, REVIEW, DOCS, PRICING = "Draft joint API spec", "Security review", "Localise the API docs", "Pricing sheet"
ORPHAN_NOTE = ":warning: <@U0PAUL001> of *Globex*"
QUICK = 2.0  # seconds: Slack wants its answer within 3


def dm(user_id: str) -> str:
    """The fake's DM channel with a person, as conversations.open answers it."""
    return "D" + user_id[1:]


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


# The notices go out in their recipients' working hours: moments that suit both Alice and Pia, or Pia and Gus.
NEW_YORK_AND_BERLIN = utc(11, 24, 15)  # Tue 10:00 in New York, 16:00 in Berlin
BERLIN_AND_TOKYO = utc(11, 25, 8, 30)  # Wed 09:30 in Berlin, 17:30 in Tokyo
TOKYO_MORNING = utc(11, 25, 0, 30)  # Wed 09:30 in Tokyo


def clock_to(bot: Bot, at: datetime) -> None:
    bot.clock.advance(at - bot.clock.now())


def send(bot: Bot, request: payloads.SignedRequest) -> None:
    """Deliver a Slack request as Slack would: it must be answered 200 at once, and its listener must not crash."""
    started = time.monotonic()
    assert bot.post(request) == (200, "")
    assert time.monotonic() - started < QUICK
    assert bot.listener_crashes() == []  # (waits for the listeners, which run after the answer)
    bot.quiet()


def say(bot: Bot, request: payloads.SignedRequest) -> None:
    send(bot, request)
    bot.fake.clear()


def start(bot: Bot) -> None:
    """Acme led by Alice, Globex by Pia; Paul owns #1 and #2."""
    say(bot, payloads.slash_command("lead <@U0ALICE01>", user=ALICE))
    say(bot, payloads.app_mention("<@U0BOT0001> lead <@U0PIA0001>", user=PIA))
    say(bot, payloads.slash_command(f"commit <@U0PAUL001> {SPEC} by 2026-12-04"))
    say(bot, payloads.slash_command(f"commit <@U0PAUL001> {REVIEW} by 2026-12-08"))


def deactivated(bot: Bot, user_id: str) -> dict[str, Any]:
    """The account as Slack now answers it (users.info, and the `user_change` event): deleted and stripped."""
    before = bot.fake.users[user_id]
    user = make_user(user_id, before["name"], team_id=before["team_id"], real_name=before["real_name"], deleted=True)
    bot.fake.users[user_id] = user
    return user


def leave_channel(bot: Bot, user_id: str) -> None:
    members: list[str] = bot.fake.channels[CHANNEL]["members"]
    members.remove(user_id)


def open_dm(bot: Bot, user_id: str) -> None:
    """A DM between the bot and this person exists (they have talked before)."""
    web_client(bot.settings).conversations_open(users=user_id)
    bot.fake.clear()


def landed(call: Call) -> str:
    """Where a message landed: one posted to a person's user id lands in their DM (Slack opens it)."""
    channel = str(call.args["channel"])
    return dm(channel) if channel.startswith("U") else channel


def posts_to(fake: FakeSlack, channel: str) -> list[Call]:
    """Messages posted to `channel`; for a person's DM, however addressed: its id (a reply where they clicked) or
    their user id (the sweep: Slack opens the DM)."""
    person = "U" + channel[1:] if channel.startswith("D") else None
    return [c for c in fake.calls_to("chat.postMessage") if c.args.get("channel") in (channel, person)]


def orphan_notes(fake: FakeSlack) -> list[Call]:
    return [c for c in fake.calls_to("chat.postMessage") if str(c.args["text"]).startswith(":warning: <@")]


def sent(fake: FakeSlack) -> list[tuple[str, str]]:
    """Who was written to, in order: (method, channel or user); look-ups left out."""
    return [
        (c.method, str(c.args.get("users") or c.args.get("channel")))
        for c in fake.calls
        if c.method in ("conversations.open", "chat.postMessage", "chat.postEphemeral")
    ]


def pickers(call: Call) -> list[tuple[dict[str, Any], str, str]]:
    """Each users_select of a message: what its block id says, its action id and its placeholder."""
    found = []
    for block in call.args["blocks"]:
        elements = [block["accessory"]] if "accessory" in block else block.get("elements", [])
        for element in elements:
            if element.get("type") == "users_select":
                found.append((json.loads(block["block_id"]), element["action_id"], element["placeholder"]["text"]))
    return found


def owners(bot: Bot) -> dict[int, str]:
    return {c.ref: c.owner_id for c in bot.rows(Commitment)}


def member(bot: Bot, user_id: str) -> Member:
    rows: list[Member] = [m for m in bot.rows(Member) if m.user_id == user_id]
    [row] = rows
    return row


def history(bot: Bot, ref: int) -> list[tuple[str, str, dict[str, Any]]]:
    [commitment] = [c for c in bot.rows(Commitment) if c.ref == ref]
    return [
        (e.actor_id, e.kind, json.loads(e.detail) if e.detail else {})
        for e in bot.rows(CommitmentEvent)
        if e.commitment_id == commitment.id
    ]


PAUL_PICKERS = [
    ({"ch": CHANNEL, "r": 1}, ORPHAN_REASSIGN_ACTION, "Reassign to…"),
    ({"ch": CHANNEL, "r": 2}, ORPHAN_REASSIGN_ACTION, "Reassign to…"),
    ({"ch": CHANNEL, "from": [PAUL]}, ORPHANS_ALL_ACTION, "Reassign all to…"),
]


# ---- a departure is told once, to the party's lead and to the channel ------------------------------------


def test_a_deactivated_partner_s_items_go_to_his_lead_with_pickers_and_he_is_never_nudged_again(bot: Bot) -> None:
    start(bot)

    send(bot, payloads.user_change(deactivated(bot, PAUL)))
    assert sent(bot.fake) == []  # the notices are the sweep's to send
    assert (member(bot, PAUL).left_at, member(bot, PAUL).left_reason) == (bot.clock.now(), "deactivated")

    bot.sweep()
    assert sent(bot.fake) == [
        ("chat.postMessage", PIA),
        ("chat.postMessage", CHANNEL),
    ]
    [private] = posts_to(bot.fake, dm(PIA))
    [public] = posts_to(bot.fake, CHANNEL)
    for note in (private, public):
        text = str(note.args["text"])
        assert text.startswith(f"{ORPHAN_NOTE} has left their organisation (account deactivated).")
        assert "2 open commitments are orphaned" in text
        assert SPEC in text and REVIEW in text
        assert pickers(note) == PAUL_PICKERS
    assert "please pick a new owner for each" in private.args["text"]

    # Past both deadlines, through a check-in and the escalation ladder: never a word to Paul.
    for at in (utc(11, 25, 16), utc(11, 26, 9), utc(12, 5, 8, 30), utc(12, 9, 8, 30), utc(12, 14, 9)):
        clock_to(bot, at)
        bot.sweep(at)
    checkin = [c for c in posts_to(bot.fake, CHANNEL) if str(c.args["text"]).startswith(":clipboard: *Check-in #1*")]
    assert len(checkin) == 1
    assert ":warning: *Orphaned* (the owner has left)" in checkin[0].args["text"]
    assert posts_to(bot.fake, dm(PAUL)) == []
    assert [c for c in bot.fake.calls_to("conversations.open") if c.args.get("users") == PAUL] == []
    assert len(orphan_notes(bot.fake)) == 2  # the notices are not repeated by later sweeps
    assert bot.listener_crashes() == []


def test_a_departure_at_night_is_told_in_the_channel_at_once_and_to_the_lead_in_her_working_hours(bot: Bot) -> None:
    start(bot)
    night = utc(11, 25, 2)  # 03:00 in Berlin, where Pia works
    clock_to(bot, night)
    send(bot, payloads.member_left_channel(PAUL))
    leave_channel(bot, PAUL)

    bot.sweep(night)
    assert [landed(c) for c in orphan_notes(bot.fake)] == [CHANNEL]

    bot.fake.clear()
    bot.sweep(utc(11, 25, 7, 55))  # 08:55 in Berlin
    assert orphan_notes(bot.fake) == []
    bot.sweep(utc(11, 25, 8, 5))  # 09:05 in Berlin
    assert [landed(c) for c in orphan_notes(bot.fake)] == [dm(PIA)]


def test_one_departure_signalled_by_an_event_its_retry_and_the_reconciliation_is_told_once(bot: Bot) -> None:
    start(bot)

    send(bot, payloads.member_left_channel(PAUL, event_id="Ev0PAULLEFT"))
    send(bot, payloads.member_left_channel(PAUL, event_id="Ev0PAULLEFT", retry_num=1))
    leave_channel(bot, PAUL)
    bot.sweep()  # the day's reconciliation (never run yet) finds Paul gone too
    bot.sweep()
    bot.sweep(bot.clock.now() + timedelta(days=1, minutes=1))  # and tomorrow's

    notes = orphan_notes(bot.fake)
    assert [landed(c) for c in notes] == [dm(PIA), CHANNEL]
    assert all(str(c.args["text"]).startswith(f"{ORPHAN_NOTE} has left this alliance's channel.") for c in notes)
    assert [(d.kind, d.recipient_id) for d in bot.rows(Delivery)] == [("orphans", PIA), ("orphans", "")]
    assert [(m.user_id, m.left_reason) for m in bot.rows(Member) if m.left_at is not None] == [(PAUL, "left_channel")]
    assert bot.listener_crashes() == []


def test_the_daily_reconciliation_finds_a_deactivation_that_no_event_announced(bot: Bot) -> None:
    start(bot)
    say(bot, payloads.slash_command(f"commit <@U0GUS0001> {DOCS} by 2026-12-04"))
    deactivated(bot, GUS)  # Slack sent no user_change: Gus is of the other organisation

    bot.sweep()
    notes = orphan_notes(bot.fake)
    assert [landed(c) for c in notes] == [dm(PIA), CHANNEL]
    for note in notes:
        assert str(note.args["text"]).startswith(
            ":warning: <@U0GUS0001> of *Globex* has left their organisation (account deactivated)."
        )
        assert pickers(note) == [({"ch": CHANNEL, "r": 3}, ORPHAN_REASSIGN_ACTION, "Reassign to…")]
    assert member(bot, GUS).left_reason == "deactivated"

    bot.fake.clear()
    bot.sweep(bot.clock.now() + timedelta(hours=6))  # the same day: members are not compared again
    assert bot.fake.calls_to("users.info") == []
    assert bot.fake.calls_to("conversations.members") == []

    bot.sweep(bot.clock.now() + timedelta(days=1, minutes=1))  # the next day they are, and tell nothing twice
    assert len(bot.fake.calls_to("conversations.members")) == 1
    # Gus, still listed, is known deactivated and was heard of yesterday: not looked up again.
    assert GUS not in {c.args["user"] for c in bot.fake.calls_to("users.info")}
    assert orphan_notes(bot.fake) == []


def test_an_organisation_disconnecting_lists_all_its_open_items_to_the_other_lead_and_the_channel(bot: Bot) -> None:
    start(bot)
    clock_to(bot, NEW_YORK_AND_BERLIN)
    say(bot, payloads.slash_command(f"commit <@U0GUS0001> {DOCS} by 2026-12-04"))
    say(bot, payloads.slash_command(f"commit <@U0BOB0001> {PRICING} by 2026-12-04"))

    send(bot, payloads.channel_unshared(GLOBEX))
    send(bot, payloads.channel_unshared(GLOBEX))  # told twice (another event id): one disconnection
    bot.fake.channels[CHANNEL]["members"] = [ALICE, BOB, ERIN, BOT]
    bot.fake.channels[CHANNEL]["shared_team_ids"] = [ACME]
    bot.sweep()

    assert sent(bot.fake) == [
        ("chat.postMessage", ALICE),
        ("chat.postMessage", CHANNEL),
    ]
    for note in posts_to(bot.fake, dm(ALICE)) + posts_to(bot.fake, CHANNEL):
        text = str(note.args["text"])
        assert text.startswith(":warning: *Globex* has disconnected from this channel.")
        assert "3 open commitments are orphaned" in text
        assert SPEC in text and REVIEW in text and DOCS in text
        assert PRICING not in text
        assert pickers(note) == [  # soonest due first: Gus's deadline is Tokyo's evening
            ({"ch": CHANNEL, "r": 3}, ORPHAN_REASSIGN_ACTION, "Reassign to…"),
            ({"ch": CHANNEL, "r": 1}, ORPHAN_REASSIGN_ACTION, "Reassign to…"),
            ({"ch": CHANNEL, "r": 2}, ORPHAN_REASSIGN_ACTION, "Reassign to…"),
            ({"ch": CHANNEL, "from": [GUS, PAUL]}, ORPHANS_ALL_ACTION, "Reassign all to…"),
        ]
    gone = {m.user_id: m.left_reason for m in bot.rows(Member) if m.left_at is not None}
    assert gone == {PAUL: "unshared", PIA: "unshared", GUS: "unshared"}
    assert bot.listener_crashes() == []


def test_the_reconciliation_finds_someone_gone_whom_slack_no_longer_knows(bot: Bot) -> None:
    # Gus is out of the channel and users.info no longer finds him (the partner's account removed, or his
    # organisation disconnected without the event reaching us): he is gone all the same, and his item orphaned.
    start(bot)
    say(bot, payloads.slash_command(f"commit <@U0GUS0001> {DOCS} by 2026-12-04"))
    leave_channel(bot, GUS)
    del bot.fake.users[GUS]

    bot.sweep()

    assert member(bot, GUS).left_at is not None
    notes = orphan_notes(bot.fake)
    assert [landed(c) for c in notes] == [dm(PIA), CHANNEL]
    assert all(DOCS in str(c.args["text"]) for c in notes)


def test_the_reconciliation_recognises_a_returner_whose_join_event_was_missed(bot: Bot) -> None:
    start(bot)
    send(bot, payloads.member_left_channel(PAUL))
    leave_channel(bot, PAUL)
    bot.sweep()
    bot.fake.clear()

    bot.fake.channels[CHANNEL]["members"].append(PAUL)  # back, and Slack did not tell us
    bot.sweep(bot.clock.now() + timedelta(days=1, minutes=1))

    assert member(bot, PAUL).left_at is None
    [welcome] = posts_to(bot.fake, dm(PAUL))
    assert str(welcome.args["text"]).startswith(":wave: Welcome back to the alliance")
    assert orphan_notes(bot.fake) == []


def test_a_deactivation_signalled_twice_at_once_is_told_once(bot: Bot) -> None:
    # Deactivating an account, Slack may send `user_change` and `member_left_channel` together.
    start(bot)
    requests = [payloads.user_change(deactivated(bot, PAUL)), payloads.member_left_channel(PAUL)] * 2
    with ThreadPoolExecutor(len(requests)) as pool:
        answers = list(pool.map(bot.post, requests))
    assert answers == [(200, "")] * len(requests)
    assert bot.listener_crashes() == []
    leave_channel(bot, PAUL)

    bot.sweep()

    assert [landed(c) for c in orphan_notes(bot.fake)] == [dm(PIA), CHANNEL]
    assert len([m for m in bot.rows(Member) if m.user_id == PAUL]) == 1


SECOND = "C0ALLY002"


def test_a_deactivated_person_is_gone_from_every_alliance_and_each_picker_acts_in_its_own(bot: Bot) -> None:
    start(bot)
    bot.fake.channels[SECOND] = make_channel(
        SECOND,
        "acme-globex-launch",
        members=[ALICE, BOB, PAUL, PIA, BOT],
        host_team=ACME,
        shared_team_ids=[ACME, GLOBEX],
        creator=ALICE,
    )
    say(bot, payloads.slash_command("lead <@U0ALICE01>", user=ALICE, channel=SECOND))
    say(bot, payloads.app_mention("<@U0BOT0001> lead <@U0PIA0001>", user=PIA, channel=SECOND))
    say(bot, payloads.slash_command(f"commit <@U0PAUL001> {PRICING} by 2026-12-04", channel=SECOND))

    send(bot, payloads.user_change(deactivated(bot, PAUL)))
    bot.sweep()

    to_pia = posts_to(bot.fake, dm(PIA))
    assert sorted(json.dumps(pickers(c)) for c in to_pia) == sorted(
        [
            json.dumps(PAUL_PICKERS),
            json.dumps([({"ch": SECOND, "r": 1}, ORPHAN_REASSIGN_ACTION, "Reassign to…")]),
        ]
    )
    assert len(posts_to(bot.fake, CHANNEL)) == 1 and len(posts_to(bot.fake, SECOND)) == 1
    bot.fake.clear()

    block_id = json.dumps({"ch": SECOND, "r": 1}, separators=(",", ":"))
    send(bot, payloads.users_select_action(ORPHAN_REASSIGN_ACTION, block_id, PIA, user=PIA, channel=dm(PIA)))

    by_channel = {(c.ref, c.title): c.owner_id for c in bot.rows(Commitment)}
    assert by_channel == {(1, SPEC): PAUL, (2, REVIEW): PAUL, (1, PRICING): PIA}
    assert sent(bot.fake) == [("chat.postMessage", SECOND), ("chat.postMessage", dm(PIA))]


# ---- the lead leaves: a new one is asked for -----------------------------------------------------------------


def test_when_a_lead_leaves_the_other_lead_and_the_sponsor_are_asked_for_a_new_one(bot: Bot) -> None:
    start(bot)
    say(bot, payloads.app_mention("<@U0BOT0001> sponsor <@U0GUS0001>", user=PIA))
    clock_to(bot, NEW_YORK_AND_BERLIN)

    send(bot, payloads.member_left_channel(PIA))
    leave_channel(bot, PIA)
    bot.sweep()  # Alice's working hours
    bot.sweep(TOKYO_MORNING)  # and Gus's
    clock_to(bot, TOKYO_MORNING)

    asked = [c for c in bot.fake.calls_to("chat.postMessage") if any(p[1] == NEW_LEAD_ACTION for p in pickers(c))]
    assert sorted(landed(c) for c in asked) == [dm(ALICE), dm(GUS)]
    for request in asked:
        assert str(request.args["text"]).startswith(":bust_in_silhouette: <@U0PIA0001>, lead of *Globex*, has left.")
        assert pickers(request) == [({"ch": CHANNEL, "team": GLOBEX}, NEW_LEAD_ACTION, "New lead of Globex")]
    assert posts_to(bot.fake, dm(PIA)) == []
    [block_id] = {request.args["blocks"][-1]["block_id"] for request in asked}

    # Bob, of Acme, may not choose Globex's lead: told so in his own DM, nobody else hears of it.
    open_dm(bot, BOB)
    send(bot, payloads.users_select_action(NEW_LEAD_ACTION, block_id, GUS, user=BOB, channel=dm(BOB)))
    [(method, where)] = sent(bot.fake)
    assert (method, where) == ("chat.postMessage", dm(BOB))
    assert (
        "Only that party's lead or sponsor can change its roles"
        in bot.fake.calls_to("chat.postMessage")[0].args["text"]
    )
    [globex] = [p for p in bot.rows(Party) if p.team_id == GLOBEX]
    assert globex.lead_id == PIA
    bot.fake.clear()

    # Alice, the other party's lead, picks Paul in her DM: he leads Globex, and the channel is told.
    send(bot, payloads.users_select_action(NEW_LEAD_ACTION, block_id, PAUL, user=ALICE, channel=dm(ALICE)))
    [globex] = [p for p in bot.rows(Party) if p.team_id == GLOBEX]
    assert (globex.lead_id, globex.sponsor_id) == (PAUL, GUS)
    assert sent(bot.fake) == [("chat.postMessage", CHANNEL), ("chat.postMessage", dm(ALICE))]
    assert posts_to(bot.fake, CHANNEL)[0].args["text"] == (
        ":bust_in_silhouette: <@U0PAUL001> is now the lead of *Globex* (was <@U0PIA0001>)."
    )
    assert posts_to(bot.fake, dm(ALICE))[0].args["text"] == ":white_check_mark: Done, and said in <#C0ALLY001>."

    # The channel heard that Globex needs a lead; nobody is asked twice.
    bot.fake.clear()
    bot.sweep(bot.clock.now() + timedelta(days=1, minutes=1))
    assert [c for c in bot.fake.calls_to("chat.postMessage") if pickers(c)] == []


def test_a_lead_named_before_the_sweep_means_nobody_is_asked_for_one(bot: Bot) -> None:
    start(bot)
    send(bot, payloads.member_left_channel(PIA))
    leave_channel(bot, PIA)
    say(bot, payloads.slash_command("lead <@U0PAUL001>", user=ALICE))  # the other party's lead may, now

    bot.sweep()

    [globex] = [p for p in bot.rows(Party) if p.team_id == GLOBEX]
    assert globex.lead_id == PAUL
    assert [c for c in bot.fake.calls_to("chat.postMessage") if pickers(c)] == []
    assert bot.fake.calls_to("conversations.open") == []


def test_the_new_lead_must_be_one_of_that_party_s_own_people(bot: Bot) -> None:
    start(bot)
    send(bot, payloads.member_left_channel(PIA))
    leave_channel(bot, PIA)
    bot.sweep()
    bot.fake.clear()
    block_id = json.dumps({"ch": CHANNEL, "team": GLOBEX}, separators=(",", ":"))

    send(bot, payloads.users_select_action(NEW_LEAD_ACTION, block_id, BOB, user=ALICE, channel=dm(ALICE)))

    assert sent(bot.fake) == [("chat.postMessage", dm(ALICE))]
    assert "<@U0BOB0001> belongs to the other organisation" in bot.fake.calls_to("chat.postMessage")[0].args["text"]
    assert {p.team_id: p.lead_id for p in bot.rows(Party)} == {ACME: ALICE, GLOBEX: PIA}


def test_a_lead_leaving_with_items_hands_them_to_the_sponsor_and_the_channel_asks_for_a_lead(bot: Bot) -> None:
    start(bot)
    clock_to(bot, BERLIN_AND_TOKYO)
    say(bot, payloads.app_mention("<@U0BOT0001> sponsor <@U0GUS0001>", user=PIA))
    say(bot, payloads.app_mention(f"<@U0BOT0001> commit <@U0PIA0001> {DOCS} by 2026-12-04", user=PIA))

    send(bot, payloads.member_left_channel(PIA))
    leave_channel(bot, PIA)
    bot.sweep()

    notes = orphan_notes(bot.fake)
    assert [landed(c) for c in notes] == [dm(GUS), CHANNEL]
    for note in notes:
        text = str(note.args["text"])
        assert text.startswith(":warning: <@U0PIA0001> (lead of *Globex*) has left this alliance's channel.")
        assert DOCS in text and SPEC not in text
        assert pickers(note) == [({"ch": CHANNEL, "r": 3}, ORPHAN_REASSIGN_ACTION, "Reassign to…")]
    assert "*Globex* needs a new lead" in notes[1].args["text"]


def test_a_departure_with_nothing_open_and_no_role_is_not_announced(bot: Bot) -> None:
    start(bot)
    send(bot, payloads.member_left_channel(ERIN))
    leave_channel(bot, ERIN)

    bot.sweep()

    assert member(bot, ERIN).left_reason == "left_channel"
    assert [c for c in bot.fake.calls if c.method in ("chat.postMessage", "conversations.open")] == []


def test_the_notice_lists_only_what_is_still_orphaned_when_it_goes_out(bot: Bot) -> None:
    start(bot)
    send(bot, payloads.user_change(deactivated(bot, PAUL)))
    say(bot, payloads.app_mention("<@U0BOT0001> reassign #1 <@U0GUS0001>", user=PIA))

    bot.sweep()

    notes = orphan_notes(bot.fake)
    assert [landed(c) for c in notes] == [dm(PIA), CHANNEL]
    for note in notes:
        assert "1 open commitment is orphaned" in note.args["text"]
        assert REVIEW in note.args["text"] and SPEC not in note.args["text"]
        assert pickers(note) == [({"ch": CHANNEL, "r": 2}, ORPHAN_REASSIGN_ACTION, "Reassign to…")]


def test_a_reactivated_account_has_its_items_again(bot: Bot) -> None:
    start(bot)
    send(bot, payloads.user_change(deactivated(bot, PAUL)))
    bot.sweep()
    bot.fake.clear()

    bot.clock.advance(timedelta(hours=1))
    active = make_user(PAUL, "paul", team_id=GLOBEX, real_name="Paul Peters", display_name="paul", tz="Europe/Berlin")
    bot.fake.users[PAUL] = active
    send(bot, payloads.user_change(active))

    assert (member(bot, PAUL).left_at, member(bot, PAUL).left_reason) == (None, None)
    bot.sweep(utc(11, 25, 16))
    [checkin] = [c for c in posts_to(bot.fake, CHANNEL) if str(c.args["text"]).startswith(":clipboard:")]
    assert "Orphaned" not in checkin.args["text"]
    # Welcomed back, as the README promises (issue 12.13), then asked like everyone else.
    assert [str(c.args["text"]).split("\n")[0].split(" the alliance")[0] for c in posts_to(bot.fake, dm(PAUL))] == [
        ":wave: Welcome back to",
        ":clipboard: Check-in #1: how do your commitments stand?",
    ]


def test_an_organisation_sharing_the_channel_again_is_recognised_at_once(bot: Bot) -> None:
    start(bot)
    clock_to(bot, NEW_YORK_AND_BERLIN)
    send(bot, payloads.channel_unshared(GLOBEX))
    members: list[str] = bot.fake.channels[CHANNEL]["members"]
    bot.fake.channels[CHANNEL]["members"] = [ALICE, BOB, ERIN, BOT]
    bot.sweep()
    bot.fake.clear()

    clock_to(bot, BERLIN_AND_TOKYO)
    bot.fake.channels[CHANNEL]["members"] = members
    send(bot, payloads.channel_shared(GLOBEX))

    assert [m.user_id for m in bot.rows(Member) if m.left_at is not None] == []
    bot.sweep()
    welcomed = sorted(landed(c) for c in bot.fake.calls_to("chat.postMessage") if c.args["channel"] != CHANNEL)
    assert welcomed == [dm(GUS), dm(PAUL), dm(PIA)]
    for call in bot.fake.calls_to("chat.postMessage"):
        if call.args["channel"] != CHANNEL:
            assert str(call.args["text"]).startswith(":wave: Welcome back to the alliance")
    # The channel, told their items were orphaned, hears they are theirs again (issue 12.13).
    back = [str(c.args["text"]).split("\n")[0] for c in posts_to(bot.fake, CHANNEL)]
    assert back == [f":wave: <@{PAUL}> of *Globex* is back.", f":wave: <@{PIA}>, lead of *Globex*, is back."]
    assert owners(bot) == {1: PAUL, 2: PAUL}


def test_reassign_all_after_a_disconnection_moves_every_owner_s_items(bot: Bot) -> None:
    start(bot)
    clock_to(bot, NEW_YORK_AND_BERLIN)
    say(bot, payloads.slash_command(f"commit <@U0GUS0001> {DOCS} by 2026-12-04"))
    send(bot, payloads.channel_unshared(GLOBEX))
    bot.fake.channels[CHANNEL]["members"] = [ALICE, BOB, ERIN, BOT]
    bot.sweep()
    [note] = posts_to(bot.fake, dm(ALICE))
    [(about, _, _)] = [p for p in pickers(note) if p[1] == ORPHANS_ALL_ACTION]
    bot.fake.clear()

    block_id = json.dumps(about, separators=(",", ":"))
    send(bot, payloads.users_select_action(ORPHANS_ALL_ACTION, block_id, BOB, user=ALICE, channel=dm(ALICE)))

    assert owners(bot) == {1: BOB, 2: BOB, 3: BOB}
    assert {c.party_team_id for c in bot.rows(Commitment)} == {ACME}
    told = [str(c.args["text"]) for c in posts_to(bot.fake, CHANNEL)]
    assert told == [
        ":arrows_counterclockwise: `#3` of <@U0GUS0001> now belongs to <@U0BOB0001> (by <@U0ALICE01>); "
        "each item's history says so.",
        ":arrows_counterclockwise: `#1`, `#2` of <@U0PAUL001> now belong to <@U0BOB0001> (by <@U0ALICE01>); "
        "each item's history says so.",
    ]
    assert bot.fake.calls_to("chat.postEphemeral") == []


# ---- the pickers of the orphan notice ------------------------------------------------------------------------


def orphaned_paul(bot: Bot) -> None:
    start(bot)
    send(bot, payloads.user_change(deactivated(bot, PAUL)))
    bot.sweep()
    bot.fake.clear()


def test_choosing_a_new_owner_in_the_channel_note_reassigns_that_item(bot: Bot) -> None:
    orphaned_paul(bot)
    block_id = json.dumps({"ch": CHANNEL, "r": 1}, separators=(",", ":"))

    send(bot, payloads.users_select_action(ORPHAN_REASSIGN_ACTION, block_id, GUS, user=PIA, channel=CHANNEL))

    assert owners(bot) == {1: GUS, 2: PAUL}
    [one] = [c for c in bot.rows(Commitment) if c.ref == 1]
    assert one.party_team_id == GLOBEX
    assert history(bot, 1)[-1] == (PIA, "reassigned", {"from": PAUL, "to": GUS})
    assert sent(bot.fake) == [("chat.postMessage", CHANNEL)]
    assert posts_to(bot.fake, CHANNEL)[0].args["text"] == (
        f":arrows_counterclockwise: `#1` *{SPEC}* now belongs to <@U0GUS0001> (Globex), was <@U0PAUL001>; "
        "reassigned by <@U0PIA0001>."
    )


@pytest.mark.parametrize(
    ("chosen", "why"),
    [
        (PAUL, "<@U0PAUL001> has left (their account is deactivated); pick someone who is still here."),
        (ERIN, "<@U0ERIN001> has left this alliance's channel; pick someone who is still here."),
    ],
)
def test_choosing_someone_who_has_left_is_refused_privately_and_changes_nothing(
    bot: Bot, chosen: str, why: str
) -> None:
    orphaned_paul(bot)
    send(bot, payloads.member_left_channel(ERIN))
    leave_channel(bot, ERIN)
    bot.fake.clear()
    events = len(bot.rows(CommitmentEvent))
    block_id = json.dumps({"ch": CHANNEL, "r": 2}, separators=(",", ":"))

    send(bot, payloads.users_select_action(ORPHAN_REASSIGN_ACTION, block_id, chosen, user=PIA, channel=CHANNEL))

    assert sent(bot.fake) == [("chat.postEphemeral", CHANNEL)]
    [refusal] = bot.fake.calls_to("chat.postEphemeral")
    assert (refusal.args["user"], why in refusal.args["text"]) == (PIA, True)
    assert owners(bot) == {1: PAUL, 2: PAUL}
    assert len(bot.rows(CommitmentEvent)) == events


def test_reassign_all_from_the_lead_s_dm_moves_every_item_and_tells_the_channel(bot: Bot) -> None:
    orphaned_paul(bot)
    block_id = json.dumps({"ch": CHANNEL, "from": [PAUL]}, separators=(",", ":"))

    send(bot, payloads.users_select_action(ORPHANS_ALL_ACTION, block_id, GUS, user=PIA, channel=dm(PIA)))

    assert owners(bot) == {1: GUS, 2: GUS}
    assert [history(bot, ref)[-1] for ref in (1, 2)] == [(PIA, "reassigned", {"from": PAUL, "to": GUS})] * 2
    assert sent(bot.fake) == [("chat.postMessage", CHANNEL), ("chat.postMessage", dm(PIA))]
    assert posts_to(bot.fake, CHANNEL)[0].args["text"] == (
        ":arrows_counterclockwise: `#1`, `#2` of <@U0PAUL001> now belong to <@U0GUS0001> (by <@U0PIA0001>); "
        "each item's history says so."
    )
    assert posts_to(bot.fake, dm(PIA))[0].args["text"] == ":white_check_mark: Done, and said in <#C0ALLY001>."


def test_reassign_all_from_a_dm_confirms_once_in_that_dm(bot: Bot) -> None:
    start(bot)
    clock_to(bot, NEW_YORK_AND_BERLIN)
    say(bot, payloads.slash_command(f"commit <@U0GUS0001> {DOCS} by 2026-12-04"))
    send(bot, payloads.channel_unshared(GLOBEX))
    bot.fake.channels[CHANNEL]["members"] = [ALICE, BOB, ERIN, BOT]
    bot.sweep()
    bot.fake.clear()
    block_id = json.dumps({"ch": CHANNEL, "from": [GUS, PAUL]}, separators=(",", ":"))

    send(bot, payloads.users_select_action(ORPHANS_ALL_ACTION, block_id, BOB, user=ALICE, channel=dm(ALICE)))

    assert owners(bot) == {1: BOB, 2: BOB, 3: BOB}
    assert [c.args["text"] for c in posts_to(bot.fake, dm(ALICE))] == [
        ":white_check_mark: Done, and said in <#C0ALLY001>."
    ]


def test_reassign_all_to_someone_who_has_left_is_refused_once_and_changes_nothing(bot: Bot) -> None:
    start(bot)
    clock_to(bot, NEW_YORK_AND_BERLIN)
    say(bot, payloads.slash_command(f"commit <@U0GUS0001> {DOCS} by 2026-12-04"))
    send(bot, payloads.channel_unshared(GLOBEX))
    bot.fake.channels[CHANNEL]["members"] = [ALICE, BOB, ERIN, BOT]
    bot.sweep()
    bot.fake.clear()
    block_id = json.dumps({"ch": CHANNEL, "from": [GUS, PAUL]}, separators=(",", ":"))

    send(bot, payloads.users_select_action(ORPHANS_ALL_ACTION, block_id, PIA, user=ALICE, channel=CHANNEL))

    assert sent(bot.fake) == [("chat.postEphemeral", CHANNEL)]
    [refusal] = bot.fake.calls_to("chat.postEphemeral")
    assert refusal.args["user"] == ALICE
    assert "<@U0PIA0001> has left this alliance's channel" in refusal.args["text"]
    assert owners(bot) == {1: PAUL, 2: PAUL, 3: GUS}


# ---- returning and joining -----------------------------------------------------------------------------------


def test_a_returner_is_welcomed_back_and_his_items_are_his_again(bot: Bot) -> None:
    start(bot)
    send(bot, payloads.member_left_channel(PAUL))
    leave_channel(bot, PAUL)
    bot.sweep()
    assert len(orphan_notes(bot.fake)) == 2
    bot.fake.clear()

    bot.clock.advance(timedelta(hours=2))
    bot.fake.channels[CHANNEL]["members"].append(PAUL)
    send(bot, payloads.member_joined_channel(PAUL, inviter=PIA))
    [paul] = [m for m in bot.rows(Member) if m.user_id == PAUL]
    assert (paul.left_at, paul.left_reason) == (None, None)

    bot.sweep()
    assert sent(bot.fake) == [
        ("chat.postMessage", CHANNEL),
        ("chat.postMessage", PAUL),
    ]
    [back] = [str(c.args["text"]) for c in posts_to(bot.fake, CHANNEL)]  # the channel was told of the orphans
    assert back.startswith(f":wave: <@{PAUL}> of *Globex* is back.") and SPEC in back and REVIEW in back
    welcome = str(posts_to(bot.fake, dm(PAUL))[0].args["text"])
    assert welcome.startswith(":wave: Welcome back to the alliance")
    assert "You still own 2 open commitments" in welcome and SPEC in welcome and REVIEW in welcome
    assert owners(bot) == {1: PAUL, 2: PAUL}

    # The check-in asks him, as any owner, and lists nothing as orphaned; nothing was duplicated.
    bot.fake.clear()
    bot.sweep(utc(11, 25, 16))
    [checkin] = posts_to(bot.fake, CHANNEL)
    assert "Check-in #1" in checkin.args["text"] and "Orphaned" not in checkin.args["text"]
    assert [str(c.args["text"]).split("\n")[0] for c in posts_to(bot.fake, dm(PAUL))] == [
        ":clipboard: Check-in #1: how do your commitments stand?"
    ]
    assert len([m for m in bot.rows(Member) if m.user_id == PAUL]) == 1
    assert len(bot.rows(Commitment)) == 2
    assert [d.kind for d in bot.rows(Delivery) if d.kind in ("orphans", "welcome")] == ["orphans", "orphans", "welcome"]


def test_leaving_and_coming_back_before_any_sweep_orphans_nothing(bot: Bot) -> None:
    start(bot)
    send(bot, payloads.member_left_channel(PAUL))
    bot.clock.advance(timedelta(minutes=5))
    send(bot, payloads.member_joined_channel(PAUL))

    bot.sweep()
    assert orphan_notes(bot.fake) == []
    assert sent(bot.fake) == [("chat.postMessage", PAUL)]
    assert str(posts_to(bot.fake, dm(PAUL))[0].args["text"]).startswith(":wave: Welcome back")


NEWBIE = "U0NEWBIE1"


@pytest.mark.parametrize(("team", "slash_hint"), [(GLOBEX, False), (ACME, True)])
def test_a_newcomer_is_welcomed_with_each_party_s_lead(bot: Bot, team: str, slash_hint: bool) -> None:
    start(bot)
    bot.fake.users[NEWBIE] = make_user(NEWBIE, "nina", team_id=team, real_name="Nina New", tz="Europe/London")
    bot.fake.channels[CHANNEL]["members"].append(NEWBIE)

    send(bot, payloads.member_joined_channel(NEWBIE, team=team, inviter=ALICE))
    assert member(bot, NEWBIE).team_id == team
    bot.sweep()

    assert sent(bot.fake) == [("chat.postMessage", NEWBIE)]
    welcome = str(posts_to(bot.fake, dm(NEWBIE))[0].args["text"])
    assert welcome.startswith(":wave: Welcome to the alliance")
    assert "• *Acme*: led by <@U0ALICE01>" in welcome
    assert "• *Globex*: led by <@U0PIA0001>" in welcome
    assert ("Slash commands are not shared" not in welcome) is slash_hint
    assert "mentioning me" in welcome
    assert ("`/alliance help`" in welcome) is slash_hint

    # Another join event, and the next day's reconciliation seeing her: still one welcome.
    bot.fake.clear()
    send(bot, payloads.member_joined_channel(NEWBIE, team=team))
    bot.sweep(bot.clock.now() + timedelta(days=1, minutes=1))
    assert posts_to(bot.fake, dm(NEWBIE)) == []


def test_a_newcomer_is_not_told_that_a_lead_who_has_left_leads(bot: Bot) -> None:
    start(bot)
    send(bot, payloads.member_left_channel(PIA))
    leave_channel(bot, PIA)
    bot.sweep()
    bot.fake.clear()
    bot.fake.users[NEWBIE] = make_user(NEWBIE, "nina", team_id=GLOBEX, real_name="Nina New", tz="Europe/Berlin")
    bot.fake.channels[CHANNEL]["members"].append(NEWBIE)

    send(bot, payloads.member_joined_channel(NEWBIE, team=GLOBEX))
    bot.sweep()

    [welcome] = posts_to(bot.fake, dm(NEWBIE))
    assert "• *Acme*: led by <@U0ALICE01>" in welcome.args["text"]
    assert "<@U0PIA0001>" not in welcome.args["text"]


def test_someone_who_joins_and_leaves_before_the_sweep_is_not_welcomed(bot: Bot) -> None:
    start(bot)
    bot.fake.users[NEWBIE] = make_user(NEWBIE, "nina", team_id=GLOBEX, real_name="Nina New", tz="Europe/Berlin")

    send(bot, payloads.member_joined_channel(NEWBIE, team=GLOBEX))
    bot.clock.advance(timedelta(minutes=1))
    send(bot, payloads.member_left_channel(NEWBIE, team=GLOBEX))
    bot.sweep()

    assert [c for c in bot.fake.calls if c.method in ("chat.postMessage", "conversations.open")] == []
    assert member(bot, NEWBIE).left_reason == "left_channel"


def test_the_bot_joining_a_channel_says_nothing(bot: Bot) -> None:
    start(bot)
    deliveries = len(bot.rows(Delivery))

    send(bot, payloads.member_joined_channel(BOT, inviter=ALICE))
    send(bot, payloads.member_joined_channel(BOT, channel="C0OTHER01", inviter=ALICE))
    bot.sweep()

    assert [c for c in bot.fake.calls if c.method in ("chat.postMessage", "conversations.open")] == []
    assert BOT not in {m.user_id for m in bot.rows(Member)}
    assert len(bot.rows(Delivery)) == deliveries


def test_events_outside_any_alliance_are_answered_and_ignored(bot: Bot) -> None:
    other = "C0OTHER01"
    for request in (
        payloads.member_left_channel(ALICE, channel=other),
        payloads.member_joined_channel(ALICE, channel=other),
        payloads.channel_unshared(GLOBEX, channel=other),
        payloads.channel_shared(GLOBEX, channel=other),
        payloads.user_change(deactivated(bot, ERIN)),
    ):
        send(bot, request)
    assert [c for c in bot.fake.calls if c.method in ("chat.postMessage", "chat.postEphemeral")] == []
    assert bot.rows(Member) == [] and bot.rows(Delivery) == []


# Slack's channel_unshared: "previously_connected_team_id ... may start with E, indicating that it is the ID of the
# organization that has been removed from the channel" (docs.slack.dev/reference/events/channel_unshared, whose
# example is {"type": "channel_unshared", "previously_connected_team_id": "E163Q94DX", "channel": "C123ABC456",
# "is_ext_shared": false, "event_ts": "1561064063.001100"}).
GLOBEX_ORG = "E0PART002"


def orphaned_by_unsharing(bot: Bot) -> None:
    for note in posts_to(bot.fake, dm(ALICE)) + posts_to(bot.fake, CHANNEL):
        text = str(note.args["text"])
        assert text.startswith(":warning: *Globex* has disconnected from this channel.")
        assert "2 open commitments are orphaned" in text and SPEC in text and REVIEW in text
    assert len(posts_to(bot.fake, CHANNEL)) == 1
    gone = {m.user_id: m.left_reason for m in bot.rows(Member) if m.left_at is not None}
    assert gone == {PAUL: "unshared", PIA: "unshared", GUS: "unshared"}


def test_an_enterprise_organisation_disconnecting_is_its_workspace_disconnecting(bot: Bot) -> None:
    # team.info of Globex's workspace names its Enterprise Grid organisation (enterprise_id).
    bot.fake.teams[GLOBEX]["enterprise_id"] = GLOBEX_ORG
    bot.fake.teams[GLOBEX]["enterprise_name"] = "Globex Group"
    start(bot)
    clock_to(bot, NEW_YORK_AND_BERLIN)

    send(bot, payloads.channel_unshared(GLOBEX_ORG))  # its people are still listed in the channel
    bot.fake.channels[CHANNEL]["members"] = [ALICE, BOB, ERIN, BOT]
    bot.fake.channels[CHANNEL]["shared_team_ids"] = [ACME]
    bot.sweep()

    orphaned_by_unsharing(bot)


def test_an_organisation_slack_will_not_describe_is_the_party_with_nobody_left(bot: Bot) -> None:
    # No enterprise_id to be had (the partner's workspace is unreadable): the party whose people are all gone.
    start(bot)
    clock_to(bot, NEW_YORK_AND_BERLIN)
    bot.fake.channels[CHANNEL]["members"] = [ALICE, BOB, ERIN, BOT]
    bot.fake.channels[CHANNEL]["shared_team_ids"] = [ACME]

    send(bot, payloads.channel_unshared(GLOBEX_ORG))
    bot.sweep()

    orphaned_by_unsharing(bot)


def test_an_unknown_organisation_with_everyone_still_here_changes_nothing(bot: Bot) -> None:
    start(bot)
    clock_to(bot, NEW_YORK_AND_BERLIN)

    send(bot, payloads.channel_unshared("E0OTHER09"))
    bot.sweep()

    assert [m.user_id for m in bot.rows(Member) if m.left_at is not None] == []
    assert orphan_notes(bot.fake) == []
