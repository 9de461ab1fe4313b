"""Block Kit of the scorecard: both parties side by side, and the review prompt's buttons.

One section per topic, one field per party. Pure functions of views already limited to their reader.
"""

from __future__ import annotations

import json

from bot.core import scorecard_types as sc
from bot.slack.blocks.base import Block, sections
from bot.texts import scorecard as scorecard_texts

FIELD_LIMIT = 2000
HEADER_LIMIT = 150
REVIEW_ACTIONS = {
    sc.Verdict.CONTINUE: "review_continue",
    sc.Verdict.ADJUST: "review_adjust",
    sc.Verdict.WIND_DOWN: "review_wind_down",
}


def _mrkdwn(text: str, limit: int) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text if len(text) <= limit else text[: limit - 1] + "…"}


def scorecard(card: sc.ScorecardView) -> list[Block]:
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": f"📊 Scorecard: {card.alliance}"[:HEADER_LIMIT]}},
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": " vs ".join(f"*{s.party.name}*" for s in card.sides) or "-"}],
        },
    ]
    for title, render in scorecard_texts.TOPICS:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{title}*"}})
        fields = [_mrkdwn(f"*{s.party.name}*\n{render(s)}", FIELD_LIMIT) for s in card.sides[:10]]
        if fields:
            blocks.append({"type": "section", "fields": fields})
    blocks.append({"type": "divider"})
    blocks.append({"type": "section", "text": _mrkdwn(scorecard_texts.balance_text(card), 3000)})
    return blocks


def review_prompt(message: sc.ReviewPrompt) -> list[Block]:
    value = json.dumps({"ch": message.channel_id, "k": message.review_key, "a": message.about[:200]})
    return [
        *sections(scorecard_texts.review_prompt(message)),
        {
            "type": "actions",
            "block_id": f"review:{message.review_key}"[:255],
            "elements": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "text": {"type": "plain_text", "text": scorecard_texts.VERDICT_WORDS[verdict].capitalize()},
                    "value": value,
                    **({"style": "primary"} if verdict is sc.Verdict.CONTINUE else {}),
                }
                for verdict, action_id in REVIEW_ACTIONS.items()
            ],
        },
    ]


def dispatch(content: sc.ScorecardDispatch) -> list[Block]:
    match content:
        case sc.ReviewPrompt():
            return review_prompt(content)
        case sc.SponsorDigest():
            return sections(scorecard_texts.sponsor_digest(content))
        case sc.ImbalanceWarning():
            return sections(scorecard_texts.imbalance_warning(content))


def outcome(result: sc.ScorecardOutcome) -> list[Block]:
    if isinstance(result, sc.ScorecardView):
        return scorecard(result)
    return sections(scorecard_texts.outcome(result))
