"""The pulse's results as a picture: the chart of both profiles, uploaded to the channel after the summary."""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.core.pulse.results import MIN_ANSWERS, PulseResults
from bot.slack.scorecard_replies import UPLOAD_FAILED
from bot.texts import pulse as pulse_texts

log = logging.getLogger(__name__)
CHART_FILENAME = "pulse.png"


def upload_chart(client: WebClient, results: PulseResults, channel_id: str) -> None:
    """The chart of a pulse's averages (nothing anyone answered alone), after its summary. matplotlib is imported
    on the first chart drawn, not when the app starts. A failed upload is logged: the summary is out already."""
    if results.summary.total < MIN_ANSWERS:
        return  # no figures to draw
    title = pulse_texts.chart_title(results)
    try:
        from bot.slack import chart

        client.files_upload_v2(
            channel=channel_id,
            file=chart.pulse_png(results.summary),
            filename=CHART_FILENAME,
            title=title,
            alt_txt=title,
        )
    except UPLOAD_FAILED as e:
        log.warning("could not upload the pulse chart to %s: %s", channel_id, e)
    except Exception:  # drawing failed: the summary is delivered already and must not be sent again for a picture
        log.exception("could not draw the pulse chart for %s", channel_id)
