"""The words of trust boundaries: `--internal` and `link #channel`."""

from __future__ import annotations

import pytest

from bot.core.commitments.commands import Commit
from bot.core.errors import GrammarError
from bot.core.grammar import parse
from bot.core.people.commands import Link


@pytest.mark.parametrize(
    "text",
    [
        "commit --internal <@UBOB> Prepare pricing floor by Friday",
        "commit <@UBOB> --internal Prepare pricing floor by Friday",
        "commit <@UBOB> Prepare pricing floor --internal by Friday",
        "commit internal <@UBOB> Prepare pricing floor by Friday",
        "commit internal: <@UBOB> Prepare pricing floor by Friday",
        "commit --INTERNAL <@UBOB> Prepare pricing floor by Friday",
    ],
)
def test_internal_anywhere_before_the_title_ends(text: str) -> None:
    assert parse(text) == Commit(title="Prepare pricing floor", due_phrase="Friday", owner_id="UBOB", internal=True)


def test_internal_as_a_plain_word_is_part_of_the_title() -> None:
    # "internal" leads only before a mention or another keyword; otherwise it is the title's first word.
    assert parse("commit internal review of the contract by Friday") == Commit(
        title="internal review of the contract", due_phrase="Friday", owner_id=None
    )
    assert parse("commit <@UBOB> internal pricing floor by Friday") == Commit(
        title="internal pricing floor", due_phrase="Friday", owner_id="UBOB"
    )


def test_internal_and_milestone_together() -> None:
    for text in (
        "commit internal milestone <@UBOB> Board pack by Friday",
        "commit milestone --internal Board pack by Friday",
    ):
        command = parse(text)
        assert isinstance(command, Commit) and command.internal and command.milestone and command.title == "Board pack"


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("link <#C0PRIV|acme-internal>", Link("C0PRIV")),
        ("link <#G0PRIV>", Link("G0PRIV")),
        ("link <#C0PRIV|acme-internal> to <#C1SHARED|acme-globex>", Link("C0PRIV", "C1SHARED")),
        ("link the <#C0PRIV|acme-internal> with <#C1SHARED>", Link("C0PRIV", "C1SHARED")),
    ],
)
def test_link_names_channels_as_slack_sends_them(text: str, link: Link) -> None:
    assert parse(text) == link


@pytest.mark.parametrize("text", ["link", "link #acme-internal", "link <#C0PRIV> please now", "link <#C1> <#C2> <#C3>"])
def test_link_without_a_real_channel_link_says_how(text: str) -> None:
    with pytest.raises(GrammarError) as refused:
        parse(text)
    assert refused.value.usage == "link #your-private-channel"
