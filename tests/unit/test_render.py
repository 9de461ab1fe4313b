"""Renderers are pure: core outcomes in, text and Block Kit out."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime

from bot.core.commitments.commands import ListFilter
from bot.core.commitments.results import Listing, Recorded
from bot.core.outcomes import Usage
from bot.core.people.results import LeadWanted, Orphaned
from bot.core.views import CommitmentView, PartyView
from bot.slack.blocks import answers as answers_blocks
from bot.slack.blocks import base as base_blocks
from bot.slack.blocks import commitments as commitments_blocks
from bot.slack.blocks import people as people_blocks
from bot.slack.replies import render
from bot.texts import answers as answers_texts
from bot.texts import base as base_texts
from bot.texts import commitments as commitments_texts
from bot.texts import people as people_texts

DUE = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)
GLOBEX = PartyView(team_id="TGLOBEX", name="Globex")


def item(ref: int = 12, *, overdue: bool = False, milestone: bool = False) -> CommitmentView:
    return CommitmentView(
        ref=ref,
        title="Draft joint API spec",
        owner_id="UPAUL",
        party=GLOBEX,
        due_at=DUE,
        owner_tz="Europe/Berlin",
        status="open",
        milestone=milestone,
        slips=0,
        overdue=overdue,
    )


def test_dates_are_shown_in_each_readers_zone_with_the_owners_as_fallback() -> None:
    assert base_texts.when(DUE, "Europe/Berlin") == (
        "<!date^1795798800^{date_short_pretty} at {time}|Fri 27 Nov 2026, 18:00 CET>"
    )
    assert base_texts.when(DUE, "Not/AZone").endswith("|Fri 27 Nov 2026, 17:00 UTC>")


def test_recorded_names_owner_party_due_and_reference() -> None:
    text, body = render(Recorded(commitment=item(), actor_id="UALICE"))
    assert text == (
        ":white_check_mark: Commitment `#12` recorded: *Draft joint API spec*\n"
        "Owner: <@UPAUL> for *Globex* (recorded by <@UALICE>) · Due "
        "<!date^1795798800^{date_short_pretty} at {time}|Fri 27 Nov 2026, 18:00 CET>"
    )
    assert body[-1] == {
        "type": "actions",
        "block_id": "commitment:12",
        "elements": [
            {
                "type": "button",
                "action_id": "commitment_done",
                "text": {"type": "plain_text", "text": "Mark done"},
                "style": "primary",
                "value": "12",
            },
            {
                "type": "button",
                "action_id": "commitment_show",
                "text": {"type": "plain_text", "text": "Details"},
                "value": "12",
            },
        ],
    }


def test_long_answers_are_split_under_slacks_section_limit() -> None:
    text = "\n".join(f"• line {i} " + "x" * 200 for i in range(60))
    sections = base_blocks.sections(text)
    assert len(sections) > 1
    assert all(len(s["text"]["text"]) <= base_blocks.SECTION_LIMIT for s in sections)
    assert "\n".join(s["text"]["text"] for s in sections) == text


def test_listing_groups_by_party_with_overdue_flag() -> None:
    listing = Listing(filter=ListFilter.OPEN, user_id=None, groups=[(GLOBEX, [item(3, overdue=True), item(4)])])
    lines = commitments_texts.listing(listing).split("\n")
    assert lines[:2] == ["*Open commitments*", "*Globex* (2)"]
    assert "`#3`" in lines[2] and "*overdue*" in lines[2]
    assert "`#4`" in lines[3] and "overdue" not in lines[3]


def test_empty_listing_says_so() -> None:
    assert (
        commitments_texts.listing(Listing(filter=ListFilter.OVERDUE, user_id=None, groups=[]))
        == "Nothing is overdue. :tada:"
    )


def test_usage_shows_examples_and_the_mention_form() -> None:
    text = answers_texts.usage(Usage(unknown="frobnicate"))
    assert text.startswith("I don't know “frobnicate”.")
    assert "`commit @paul Draft joint API spec by next Friday`" in text
    assert "@Alliance Bot list overdue" in text


def test_the_form_is_prefilled_and_remembers_its_channel() -> None:
    view = commitments_blocks.commitment_form(
        channel_id="C1", owner_id="UALICE", title="Send the deck", due=date(2026, 12, 1)
    )
    by_block = {b["block_id"]: b for b in view["blocks"]}
    assert view["callback_id"] == "commitment_form"
    assert view["private_metadata"] == '{"channel": "C1", "thread_ts": null}'
    assert by_block["title"]["element"]["initial_value"] == "Send the deck"
    assert by_block["owner"]["element"] == {"type": "users_select", "action_id": "value", "initial_user": "UALICE"}
    assert by_block["due"]["element"] == {"type": "datepicker", "action_id": "value", "initial_date": "2026-12-01"}
    assert by_block["milestone"]["optional"] is True


def test_the_orphan_notice_has_a_picker_per_item_and_one_for_all() -> None:
    notice = Orphaned(
        departed_ids=["UPAUL"],
        party=GLOBEX,
        reason="deactivated",
        items=[item(1), item(2, overdue=True)],
        recipient_id="UPIA",
    )
    text = people_texts.orphaned(notice)
    assert text.startswith(":warning: <@UPAUL> of *Globex* has left their organisation (account deactivated).")
    assert "Their 2 open commitments are orphaned" in text
    body = answers_blocks.dispatch(notice, channel_id="C0ALLY001")
    pickers = [b for b in body if b.get("accessory", {}).get("type") == "users_select"]
    assert [json.loads(b["block_id"]) for b in pickers] == [{"ch": "C0ALLY001", "r": 1}, {"ch": "C0ALLY001", "r": 2}]
    assert {b["accessory"]["action_id"] for b in pickers} == {people_blocks.ORPHAN_REASSIGN_ACTION}
    (everything,) = [b for b in body if b["type"] == "actions"]
    assert json.loads(everything["block_id"]) == {"ch": "C0ALLY001", "from": ["UPAUL"]}
    assert everything["elements"][0]["action_id"] == people_blocks.ORPHANS_ALL_ACTION


def test_a_whole_organisation_orphaned_stays_within_slacks_limits() -> None:
    owners = [f"U{n:09d}" for n in range(40)]
    many = [replace(item(n), owner_id=owners[n % 40]) for n in range(1, 120)]
    notice = Orphaned(departed_ids=owners, party=GLOBEX, reason="unshared", items=many, recipient_id=None)
    body = answers_blocks.dispatch(notice, channel_id="C0ALLY001")
    assert len(body) <= base_blocks.MAX_BLOCKS
    assert all(len(b.get("block_id", "")) <= 255 for b in body)
    assert people_texts.orphaned(notice).startswith(":warning: *Globex* has disconnected from this channel.")


def test_the_new_lead_request_carries_the_party() -> None:
    asked = LeadWanted(party=GLOBEX, departed_id="UPIA", recipient_id="UALICE")
    body = answers_blocks.dispatch(asked, channel_id="C0ALLY001")
    assert "<@UPIA>, lead of *Globex*, has left" in body[0]["text"]["text"]
    assert json.loads(body[-1]["block_id"]) == {"ch": "C0ALLY001", "team": "TGLOBEX"}
    assert body[-1]["elements"][0]["action_id"] == people_blocks.NEW_LEAD_ACTION
