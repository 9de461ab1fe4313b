"""Where the answer to a command goes, for shared and internal items, asked in each kind of place."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bot.core.commitments.commands import ListFilter
from bot.core.commitments.results import Changed, Details, Listing
from bot.core.people.results import HandedOver, Linked
from bot.core.trust import Send, To, route
from bot.core.views import CommitmentView, PartyView
from bot.core.visibility import SHARED, private_to

ACME = PartyView(team_id="TACME", name="Acme", lead_id="UALICE")
AT = datetime(2026, 11, 24, 10, tzinfo=UTC)
SHARED_ITEM = CommitmentView(
    ref=1,
    title="Joint launch plan",
    owner_id="UBOB",
    party=ACME,
    due_at=AT,
    owner_tz="UTC",
    status="open",
    milestone=False,
    slips=0,
    overdue=False,
)
INTERNAL_ITEM = replace(SHARED_ITEM, ref=2, title="Pricing floor", internal=True)
ACME_READS = private_to("TACME")


def test_a_change_to_a_shared_item_is_announced_where_it_was_asked() -> None:
    done = Changed(kind="done", commitment=SHARED_ITEM, actor_id="UALICE")
    assert route(done, here=SHARED, viewer=ACME_READS, public=True) == [Send(To.HERE, done)]


def test_a_change_to_an_internal_item_goes_to_the_caller_and_the_partys_channel_only() -> None:
    done = Changed(kind="done", commitment=INTERNAL_ITEM, actor_id="UALICE")
    assert route(done, here=SHARED, viewer=ACME_READS, public=True) == [Send(To.CALLER, done), Send(To.PARTY, done)]
    # Typed in Acme's own channel: said there, once.
    assert route(done, here=ACME_READS, viewer=ACME_READS, public=True) == [Send(To.HERE, done)]
    # The other organisation's caller never gets it at all (the service refuses first; this is the last line).
    assert route(done, here=SHARED, viewer=private_to("TGLOBEX"), public=True) == []


def test_a_look_up_about_an_internal_item_asked_in_a_thread_is_answered_privately() -> None:
    shown = Details(commitment=INTERNAL_ITEM, history=[])
    assert route(shown, here=SHARED, viewer=ACME_READS, public=True) == [Send(To.CALLER, shown)]
    assert route(shown, here=SHARED, viewer=ACME_READS, public=False) == [Send(To.CALLER, shown)]


def test_a_private_look_up_keeps_the_callers_own_internal_items() -> None:
    listing = Listing(filter=ListFilter.OPEN, user_id=None, groups=[(ACME, [SHARED_ITEM, INTERNAL_ITEM])])
    assert route(listing, here=SHARED, viewer=ACME_READS, public=False) == [Send(To.CALLER, listing)]
    [thread] = route(listing, here=SHARED, viewer=ACME_READS, public=True)[:1]
    assert thread.to is To.HERE and thread.outcome.groups == [(ACME, [SHARED_ITEM])]


def test_a_mixed_handover_announces_its_shared_part_and_tells_the_rest_inside() -> None:
    handed = HandedOver(from_id="UBOB", to_id="UERIN", refs=[1, 2], roles=[], actor_id="UALICE", internal={2: "TACME"})
    sends = route(handed, here=SHARED, viewer=ACME_READS, public=True)
    assert [(s.to, s.outcome.refs) for s in sends] == [(To.HERE, [1]), (To.CALLER, [1, 2]), (To.PARTY, [1, 2])]


def test_a_link_is_said_in_the_linked_channel() -> None:
    linked = Linked(channel_id="GPRIV", party=ACME, alliance_channel_id="C1", actor_id="UALICE")
    assert route(linked, here=SHARED, viewer=ACME_READS, public=False) == [
        Send(To.PARTY, linked),
        Send(To.CALLER, linked),
    ]
    assert route(linked, here=ACME_READS, viewer=ACME_READS, public=False) == [Send(To.PARTY, linked)]
