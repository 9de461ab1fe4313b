"""Words the charter and scorecard share with older commands: each reads as the one a person means."""

from __future__ import annotations

import pytest

from bot.core import grammar
from bot.core.charter.commands import ListDecisions, ListDisputes, ResolveDispute
from bot.core.commitments.commands import Commit
from bot.core.errors import GrammarError
from bot.core.scorecard.commands import AddMetric, Contribute


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ('add metric "pipeline" for Globex target 2M by end of Q2', AddMetric),
        ("add contribution Globex 2 engineers for Q1", Contribute),
        ("add pricing sheet by Friday", Commit),  # "add" still records a commitment
        ("commit metrics dashboard by Friday", Commit),  # and a title may start with "metrics"
        ("dispute list", ListDisputes),
        ("dispute all", ListDisputes),
        ("decision log", ListDecisions),
        ("decide list", ListDecisions),
        ("resolve dispute 1 agreed on weekday hours", ResolveDispute),
    ],
)
def test_the_command_meant(text: str, kind: type) -> None:
    assert isinstance(grammar.parse(text), kind)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("dispute 3", "Say what the dispute is about in words"),
        ("resolve #12 shipped", "`#12` is how commitments are named (`done #12` closes one)"),
    ],
)
def test_what_would_do_the_wrong_thing_is_refused_with_the_right_form(text: str, said: str) -> None:
    with pytest.raises(GrammarError) as refused:
        grammar.parse(text)
    assert said in refused.value.problem
    assert refused.value.usage == grammar.USAGE["resolve"]
