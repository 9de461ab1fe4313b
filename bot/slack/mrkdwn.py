"""The one door every message leaves by: nothing the bot sends Slack pings a crowd or hides a link's target.

Slack reads `&`, `<` and `>` as control characters in mrkdwn and wants them sent as `&amp;`, `&lt;`, `&gt;` when
they are meant as text (https://api.slack.com/reference/surfaces/formatting#escaping). The bot's sentences build
only a few tokens of their own: people `<@U…>`, channels `<#C…>` and dates `<!date^…|fallback>`. Any other
`<…>` in an outgoing text came from something a person typed (a title, a reason, a note, a metric's name, a
charter field, an echoed command, a row stored before typed text was tidied): it is escaped, so `<!channel>`,
`<!here>`, `<!everyone>` and `<!subteam^…>` show as the characters typed and a `<https://evil|login here>`
shows its target. Typed text is stored as meant (`bot.core.parsing.meant`); this guard sits at the Web API
client, the single place all of Slack's output passes, so no sentence, block or upload comment can forget it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from slack_sdk import WebClient
from slack_sdk.web.slack_response import SlackResponse

from bot.slack import priority

# The tokens the bot itself builds, and a bare link (Slack shows its target, so it hides nothing).
OWN = re.compile(
    r"<@[UWB][A-Z0-9]{2,40}(?:\|[^<>|]*)?>|<#[CGD][A-Z0-9]{2,40}(?:\|[^<>|]*)?>|<!date\^\d+\^[^|<>]*\|[^<>]*>"
    r"|<https?://[^<>|\s]+>"
)
TEXT_KEYS = ("text", "initial_comment", "alt_text")


def neutral(text: str) -> str:
    """mrkdwn with the bot's own tokens live and every other control sequence shown as typed."""
    out, at = [], 0
    for own in OWN.finditer(text):
        out.append(_escape(text[at : own.start()]))
        out.append(own.group(0))
        at = own.end()
    out.append(_escape(text[at:]))
    return "".join(out)


def _escape(text: str) -> str:
    # Only `<` opens a control sequence; a lone `>` (a quote) and `&` (Slack shows it as typed) stay readable.
    return re.sub(r"<([^<>]*)>", r"&lt;\1&gt;", text).replace("<", "&lt;")


def neutral_blocks(value: Any) -> Any:
    """Blocks (or a view) with every mrkdwn text neutralised; plain text and form values are left as they are,
    since Slack parses no markup there."""
    if isinstance(value, list):
        return [neutral_blocks(v) for v in value]
    if not isinstance(value, dict):
        return value
    if value.get("type") == "mrkdwn" and isinstance(value.get("text"), str):
        return {**value, "text": neutral(value["text"])}
    return {k: neutral_blocks(v) for k, v in value.items()}


def _guard(args: dict[str, Any] | None) -> dict[str, Any] | None:
    if not args:
        return args
    safe = dict(args)
    for key in TEXT_KEYS:
        if isinstance(safe.get(key), str):
            safe[key] = neutral(safe[key])
    for key in ("blocks", "view", "attachments"):
        value = safe.get(key)
        if isinstance(value, str):  # the SDK may have serialised them already
            safe[key] = json.dumps(neutral_blocks(json.loads(value)))
        elif value is not None:
            safe[key] = neutral_blocks(value)
    return safe


class GuardedWebClient(WebClient):
    """A WebClient whose every call's message text and mrkdwn blocks pass through `neutral`."""

    def api_call(
        self,
        api_method: str,
        *,
        http_verb: str = "POST",
        files: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
        auth: dict[str, Any] | None = None,
    ) -> SlackResponse:
        priority.wait_turn()  # a listener's call waits for the acknowledgements in hand (bot.slack.priority)
        return super().api_call(
            api_method,
            http_verb=http_verb,
            files=files,
            data=_guard(data),
            params=_guard(params),
            json=_guard(json),
            headers=headers,
            auth=auth,
        )
