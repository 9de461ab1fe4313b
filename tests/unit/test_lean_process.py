"""A Slack-only process loads no Teams SDK, aiohttp, MSAL or matplotlib (issue 13: a lean process).

Each of these weighs megabytes in every `alliance-bot serve`; Teams' are loaded when Teams is configured and
matplotlib when a chart is drawn (tests/slack/test_scorecard.py draws and uploads one). The check runs in a
fresh interpreter, since this test process has long loaded everything, and goes through what `serve` does
before it listens: the CLI, the runtime, the database and the date tables, the Slack parts, the Bolt app over
its inbox, the WSGI server and the scheduler.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("aiohttp", "msal", "matplotlib", "numpy", "PIL", "microsoft_agents", "botbuilder")

SLACK_ONLY_SERVE = """
import json, sys
from pathlib import Path

import bot.cli  # noqa: F401  (the console script's module)
from apscheduler.schedulers.background import BackgroundScheduler

from bot import runtime
from bot.config import Settings
from bot.core.clock import SystemClock
from bot.core.dates import warm_up
from bot.slack.app import build_app
from bot.slack.http import HttpServer, SlackWsgi
from bot.slack.inbox import Inbox
from storage.db import Database
from tests.slack import payloads
from tests.slack.fakes.web_api import FakeSlack

tmp = Path(sys.argv[1])
with FakeSlack() as fake:
    url = f"sqlite:///{tmp / 'bot.db'}"
    settings = Settings(
        bot_token="xoxb-test", signing_secret=payloads.SIGNING_SECRET, app_token=None, database_url=url,
        api_url=fake.url,
    )
    assert settings.teams is None
    db = Database(url)
    db.migrate()
    warm_up()
    slack = runtime._slack(settings, db, SystemClock())
    BackgroundScheduler()
    inbox = Inbox(db, signing_secret=payloads.SIGNING_SECRET)
    app = build_app(settings, slack.service, slack.client, inbox=inbox)
    HttpServer(SlackWsgi(app, health=lambda: runtime.healthy(db), signing_secret=payloads.SIGNING_SECRET),
               host="127.0.0.1", port=0)
    db.dispose()
print(json.dumps(sorted(sys.modules)))
"""


def test_a_slack_only_serve_loads_no_teams_sdk_aiohttp_msal_or_matplotlib(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SLACK_ONLY_SERVE, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert "bot.slack.app" in loaded and "slack_bolt" in loaded  # the probe did build the Slack app
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
    assert heavy == []
