"""The switchboard: the blocks of any outcome or scheduled message, from the feature that builds them.

No feature module imports this one.
"""

from __future__ import annotations

from bot.core.announcements import Announcement
from bot.core.charter.results import CHARTER_DISPATCH, CHARTER_OUTCOMES
from bot.core.checkins.results import CheckinAsk, Nudge, NudgeGroup
from bot.core.commitments.results import Recorded
from bot.core.outcomes import Outcome
from bot.core.people.results import LeadWanted, Orphaned
from bot.core.pulse.results import PULSE_DISPATCH
from bot.core.scorecard.results import SCORECARD_DISPATCH
from bot.slack.blocks import charter as charter_blocks
from bot.slack.blocks import checkins as checkins_blocks
from bot.slack.blocks import commitments as commitments_blocks
from bot.slack.blocks import people as people_blocks
from bot.slack.blocks import pulse as pulse_blocks
from bot.slack.blocks import scorecard as scorecard_blocks
from bot.slack.blocks.base import Block, sections
from bot.texts import answers as answers_texts


def outcome(result: Outcome) -> list[Block]:
    """The blocks of an answer: its text, with buttons where the feature has any."""
    if isinstance(result, Recorded):
        return commitments_blocks.recorded(result)
    if isinstance(result, CHARTER_OUTCOMES):
        return charter_blocks.render(result)
    return sections(answers_texts.outcome(result))


def dispatch(content: object, *, channel_id: str) -> list[Block]:
    """Blocks for what the scheduled work sends: owners' messages carry a row of buttons per commitment."""
    if isinstance(content, Announcement):
        return content.body or sections(content.text)  # rendered when the change was made
    if isinstance(content, SCORECARD_DISPATCH):
        return scorecard_blocks.dispatch(content)
    if isinstance(content, PULSE_DISPATCH):
        return pulse_blocks.dispatch(content)
    if isinstance(content, CheckinAsk):
        return checkins_blocks.checkin_ask(content, channel_id=channel_id)
    if isinstance(content, Nudge):
        return checkins_blocks.nudge(content, channel_id=channel_id)
    if isinstance(content, NudgeGroup):
        return checkins_blocks.nudge_group(content, channel_id=channel_id)
    if isinstance(content, Orphaned):
        return people_blocks.orphaned(content, channel_id=channel_id)
    if isinstance(content, LeadWanted):
        return people_blocks.lead_wanted(content, channel_id=channel_id)
    if isinstance(content, CHARTER_DISPATCH):
        return charter_blocks.dispatch(content, channel_id=channel_id)
    return sections(answers_texts.dispatch(content))
