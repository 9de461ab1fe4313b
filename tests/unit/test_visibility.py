"""The trust boundary's one rule, for every kind of audience and item."""

from __future__ import annotations

import pytest

from bot.core.visibility import SHARED, Audience, may_see, private_to


@pytest.mark.parametrize(
    ("audience", "internal", "party", "seen"),
    [
        (SHARED, False, "TACME", True),
        (SHARED, True, "TACME", False),
        (private_to("TACME"), True, "TACME", True),
        (private_to("TGLOBEX"), True, "TACME", False),
        (private_to("TGLOBEX"), False, "TACME", True),
        (private_to(""), True, "", False),  # an unknown organisation reads as shared: never internal items
    ],
)
def test_internal_items_reach_only_their_own_party(audience: Audience, internal: bool, party: str, seen: bool) -> None:
    assert may_see(audience, internal=internal, party_team_id=party) is seen
    assert audience.shared is (audience.team_id is None)
