"""Block Kit of the scorecard: both parties side by side, and the review prompt's buttons.

One section per topic, one field per party. Pure functions of views already limited to their reader.
"""

from __future__ import annotations

import json

from bot.core.scorecard.commands import Verdict
from bot.core.scorecard.results import (
    ImbalanceWarning,
    ReviewPrompt,
    ScorecardDispatch,
    ScorecardOutcome,
    ScorecardView,
    SponsorDigest,
)
from bot.slack.blocks.base import Block, sections
from bot.texts import scorecard as scorecard_texts

FIELD_LIMIT = 2000
HEADER_LIMIT = 150
REVIEW_ACTIONS = {
    Verdict.CONTINUE: "review_continue",
    Verdict.ADJUST: "review_adjust",
    Verdict.WIND_DOWN: "review_wind_down",
}


def _mrkdwn(text: str, limit: int) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text if len(text) <= limit else text[: limit - 1] + "…"}


def scorecard(card: ScorecardView) -> list[Block]:
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
    if card.pulse is not None:
        blocks.append({"type": "section", "text": _mrkdwn(scorecard_texts.pulse_line(card.pulse), 3000)})
    return blocks


def review_prompt(message: ReviewPrompt) -> list[Block]:
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
                    **({"style": "primary"} if verdict is Verdict.CONTINUE else {}),
                }
                for verdict, action_id in REVIEW_ACTIONS.items()
            ],
        },
    ]


def dispatch(content: ScorecardDispatch) -> list[Block]:
    match content:
        case ReviewPrompt():
            return review_prompt(content)
        case SponsorDigest():
            return sections(scorecard_texts.sponsor_digest(content))
        case ImbalanceWarning():
            return sections(scorecard_texts.imbalance_warning(content))


def outcome(result: ScorecardOutcome) -> list[Block]:
    if isinstance(result, ScorecardView):
        return scorecard(result)
    return sections(scorecard_texts.outcome(result))
