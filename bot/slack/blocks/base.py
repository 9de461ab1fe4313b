"""What every Block Kit builder shares: the Block type, Slack's limits, and text as section blocks.

Builders are pure functions from core outcomes and texts to Slack's JSON; this module names no feature.
"""

from __future__ import annotations

from typing import Any

Block = dict[str, Any]

SECTION_LIMIT = 3000
MAX_BLOCKS = 50


def sections(text: str) -> list[Block]:
    """Text as section blocks, split on line breaks so no block passes Slack's 3,000-character limit."""
    blocks: list[Block] = []
    chunk = ""
    for line in text.split("\n"):
        line = line[: SECTION_LIMIT - 1]
        if chunk and len(chunk) + len(line) + 1 > SECTION_LIMIT:
            blocks.append(section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        blocks.append(section(chunk))
    return blocks[:MAX_BLOCKS]


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}
