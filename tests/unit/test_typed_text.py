"""Typed text, in and out (issue 11.2): stored as the person meant it; repeated so it never pings or hides a link."""

from __future__ import annotations

import json

import pytest

from bot.core.parsing import meant
from bot.slack.mrkdwn import _guard, neutral, neutral_blocks
from bot.teams.markup import neutral as teams_neutral


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("<!channel> <!here> <!everyone>", "@channel @here @everyone"),
        ("<!here|here> and <!channel|@channel>", "@here and @channel"),
        ("ask <!subteam^S0TEAM001|@sales-team> now", "ask ＠sales-team now"),
        ("ask <!subteam^S0TEAM001> now", "ask ＠group now"),
        ("<https://evil.example/steal|login here>", "login here (https://evil.example/steal)"),
        ("<https://docs.example.com/q3>", "https://docs.example.com/q3"),
        ("<https://x.example|https://x.example>", "https://x.example"),
        ("<mailto:pia@globex.example|pia@globex.example>", "pia@globex.example"),
        ("<!date^1795000000^{date_short}|Fri 27 Nov>", "Fri 27 Nov"),
        ("R&amp;D &lt;b&gt; &amp;lt;", "R&D ‹b› &lt;"),
        ("<@U0PAUL001> and <#C0ALLY001|acme-globex>", "<@U0PAUL001> and <#C0ALLY001|acme-globex>"),
    ],
)
def test_what_slack_sends_is_stored_as_meant(typed: str, stored: str) -> None:
    assert meant(typed) == stored


@pytest.mark.parametrize(
    ("sentence", "sent"),
    [
        ("*<!channel>* by <@U0PAUL001>", "*&lt;!channel&gt;* by <@U0PAUL001>"),
        ("<!subteam^S1|@team> <!here> <!everyone>", "&lt;!subteam^S1|@team&gt; &lt;!here&gt; &lt;!everyone&gt;"),
        ("<https://evil.example|login here>", "&lt;https://evil.example|login here&gt;"),
        ("<https://docs.example.com/q3>", "<https://docs.example.com/q3>"),  # a bare link hides nothing
        ("in <#C0ALLY001> due <!date^1795000000^{date_short}|Fri 27 Nov>", None),
        ("`resolve dispute 1 <outcome>` & 2 > 1", "`resolve dispute 1 &lt;outcome&gt;` & 2 > 1"),
        ("a < b", "a &lt; b"),
        ("<@U0PAUL001|paul>", None),  # a person, as older clients send them: Slack shows their name
    ],
)
def test_only_the_bots_own_tokens_stay_live(sentence: str, sent: str | None) -> None:
    assert neutral(sentence) == (sentence if sent is None else sent)
    assert neutral(neutral(sentence)) == neutral(sentence)  # safe to run twice


def test_blocks_neutralise_mrkdwn_and_leave_plain_text_and_form_values() -> None:
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "<!channel> & co"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "<!here> hi"}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "<!everyone>"}]},
        {"type": "input", "element": {"type": "plain_text_input", "initial_value": "<!channel>"}},
    ]
    assert neutral_blocks(blocks) == [
        {"type": "header", "text": {"type": "plain_text", "text": "<!channel> & co"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "&lt;!here&gt; hi"}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "&lt;!everyone&gt;"}]},
        {"type": "input", "element": {"type": "plain_text_input", "initial_value": "<!channel>"}},
    ]


def test_a_web_api_call_is_guarded_whether_its_blocks_are_a_list_or_json() -> None:
    block = {"type": "section", "text": {"type": "mrkdwn", "text": "<!channel>"}}
    guarded = _guard({"channel": "C1", "text": "<!here>", "blocks": json.dumps([block]), "initial_comment": "<!here>"})
    assert guarded is not None
    assert (guarded["text"], guarded["initial_comment"]) == ("&lt;!here&gt;", "&lt;!here&gt;")
    assert json.loads(guarded["blocks"])[0]["text"]["text"] == "&lt;!channel&gt;"
    assert _guard(None) is None


@pytest.mark.parametrize(
    ("sentence", "shown"),
    [
        ("<at>Erin Evans</at> by <@U1>", "‹at›Erin Evans‹/at› by <@U1>"),
        ("[login here](https://evil.example)", "login here (https://evil.example)"),
        ("[https://x.example](https://x.example)", "https://x.example"),
        ("<https://evil.example|login here>", "login here (https://evil.example)"),
        ("due <!date^1795000000^{date_short}|Fri> in <#19:a@thread.tacv2>", None),
    ],
)
def test_teams_shows_typed_mentions_and_links_as_text(sentence: str, shown: str | None) -> None:
    assert teams_neutral(sentence) == (sentence if shown is None else shown)
