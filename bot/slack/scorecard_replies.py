"""Answering the scorecard's commands in Slack: who may read each answer decides what it shows.

A slash command's list or scorecard is answered privately, so it shows the asker's own organisation's internal
items; a mention is answered in its thread, where both organisations read, so it shows shared items only. The
chart is uploaded to the channel (or the mention's thread) and so is always drawn from shared items only. An
export goes to the asker by direct message.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.core.outcomes import Reply, announced
from bot.core.scorecard.results import (
    SCORECARD_OUTCOMES,
    BalanceSetting,
    ContributionAdded,
    ContributionList,
    DigestSetting,
    ExportReady,
    MetricAdded,
    MetricList,
    ReadingRecorded,
    ScorecardView,
)
from bot.core.visibility import SHARED, Audience, private_to
from bot.slack.blocks import scorecard as scorecard_blocks
from bot.slack.blocks.base import sections
from bot.slack.replies import Replier, Where
from bot.texts import scorecard as scorecard_texts

log = logging.getLogger(__name__)

# What files_upload_v2 can raise once the answer is out: an API refusal (SlackApiError), an upload it could not
# make (SlackRequestError: a non-200 from the upload URL), and the network itself (urllib's URLError, timeouts,
# a reset connection: OSError). The scorecard stands either way; only the file is missing.
UPLOAD_FAILED = (SlackClientError, OSError)

CHART_FILENAME = "scorecard.png"


def answer(client: WebClient, replier: Replier, reply: Reply, where: Where) -> None:
    outcome = reply.outcome
    assert isinstance(outcome, SCORECARD_OUTCOMES)
    in_thread = where.thread_ts is not None
    match outcome:
        case MetricAdded() | ReadingRecorded() | ContributionAdded():
            _announce(replier, where, scorecard_texts.outcome(outcome), private=not announced(outcome))
        case MetricList() | ContributionList():
            listed = outcome.seen_by(_audience(where, outcome.viewer_team_id))
            _look_up(replier, where, scorecard_texts.outcome(listed), sections(scorecard_texts.outcome(listed)))
        case ScorecardView():
            shown = outcome.seen_by(_audience(where, outcome.viewer_team_id))
            _look_up(replier, where, scorecard_texts.scorecard(shown), scorecard_blocks.scorecard(shown))
            upload_chart(client, replier, outcome.seen_by(SHARED), where)
        case BalanceSetting() | DigestSetting():
            _announce(
                replier, where, scorecard_texts.outcome(outcome), private=not announced(outcome) and not in_thread
            )
        case ExportReady():
            send_export(client, replier, outcome, where)


def _audience(where: Where, viewer_team_id: str) -> Audience:
    return SHARED if where.thread_ts is not None else private_to(viewer_team_id)


def _announce(replier: Replier, where: Where, text: str, *, private: bool) -> None:
    if private:
        replier.private(where, text, sections(text))
    else:
        replier.post(where, text, sections(text))


def _look_up(replier: Replier, where: Where, text: str, body: list[dict[str, Any]]) -> None:
    if where.thread_ts is not None:
        replier.post(where, text, body)
    else:
        replier.private(where, text, body)


def upload_chart(client: WebClient, replier: Replier, card: ScorecardView, where: Where) -> None:
    """The chart of what both organisations may see, into the channel or the mention's thread.

    matplotlib (with numpy and Pillow, some 30 MB of a process) is imported here, on the first chart drawn, not
    when the app starts: most processes never draw one.
    """
    from bot.slack import chart

    try:
        client.files_upload_v2(
            channel=where.channel_id,
            thread_ts=where.thread_ts,
            file=chart.scorecard_png(card),
            filename=CHART_FILENAME,
            title=scorecard_texts.chart_title(card),
            alt_txt=scorecard_texts.chart_title(card),
            initial_comment=scorecard_texts.chart_comment(card),
        )
    except UPLOAD_FAILED as e:
        log.warning("could not upload the scorecard chart to %s: %s", where.channel_id, _reason(e))
        replier.private(where, scorecard_texts.CHART_FAILED)


def send_export(client: WebClient, replier: Replier, export: ExportReady, where: Where) -> None:
    try:
        dm = str(client.conversations_open(users=export.user_id)["channel"]["id"])
        client.files_upload_v2(
            channel=dm,
            content=export.csv,
            filename=export.filename,
            title=export.filename,
            initial_comment=scorecard_texts.export_comment(export),
        )
    except UPLOAD_FAILED as e:
        log.warning("could not send the export to %s: %s", export.user_id, _reason(e))
        replier.private(where, scorecard_texts.EXPORT_FAILED)
        return
    replier.private(where, scorecard_texts.export_ready(export))


def _reason(error: Exception) -> str:
    return str(error.response.get("error")) if isinstance(error, SlackApiError) else f"{type(error).__name__}: {error}"
