"""A Slack-only process loads no Teams SDK, aiohttp, MSAL, matplotlib, alembic, rapidfuzz or holidays until they
are used (issue 13: a lean process).

Each of these weighs megabytes in every `alliance-bot serve`; Teams' are loaded when Teams is configured,
matplotlib when a chart is drawn (tests/slack/test_scorecard.py draws and uploads one), alembic (with Mako and
SQLAlchemy's other dialects, about 11 MB) when the schema is behind and a migration runs, rapidfuzz at the first
title matched and holidays when an organisation's country is asked about. The check runs in a fresh interpreter,
since this test process has long loaded everything, and goes through what `serve` does before it listens on a
database already migrated (a restart, or a replica after `alliance-bot migrate`): the CLI, the runtime, the
database and the date tables, the Slack parts, the Bolt app over its inbox, the WSGI server and the scheduler; on
SQLite and, with TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from storage.db import Database
from tests.conftest import PG_URL, SKIP_PG, _postgres

ROOT = Path(__file__).resolve().parents[2]
HEAVY = (
    "aiohttp",
    "msal",
    "matplotlib",
    "numpy",
    "PIL",
    "microsoft_agents",
    "botbuilder",
    "alembic",
    "mako",
    "pygments",
    "rapidfuzz",
    "holidays",
)

SLACK_ONLY_SERVE = """
import json, sys

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

url = sys.argv[1]
with FakeSlack() as fake:
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


def modules_loaded_by(script: str, url: str) -> list[str]:
    """Run a probe `script` (which ends by printing its sys.modules as JSON) in a fresh interpreter on `url`."""
    done = subprocess.run([sys.executable, "-c", script, url], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def migrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database whose schema is at head, as `serve` finds it after its first start."""
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip(SKIP_PG)
        return _postgres().url
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    db = Database(url)
    db.migrate()
    db.dispose()
    return url


def test_a_slack_only_serve_loads_nothing_heavy_before_it_is_used(migrated_url: str) -> None:
    loaded = modules_loaded_by(SLACK_ONLY_SERVE, migrated_url)
    assert "bot.slack.app" in loaded and "slack_bolt" in loaded  # the probe did build the Slack app
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
    assert heavy == []


FIRST_START = """
import json, sys

from bot import runtime
from storage.db import Database, at_head

url = sys.argv[1]
db = Database(url)
assert not at_head(db.engine)
runtime.migrate_apart(db, url)
assert at_head(db.engine)
db.dispose()
print(json.dumps(sorted(sys.modules)))
"""


def test_a_first_start_migrates_in_a_child_and_keeps_alembic_out_of_the_serving_process(tmp_path: Path) -> None:
    # `serve` on a database that is behind (a first start, the first after an upgrade): the schema is brought to
    # head by `alliance-bot migrate` in a child process, and the serving process never imports alembic.
    url = f"sqlite:///{tmp_path / 'new.db'}"
    loaded = modules_loaded_by(FIRST_START, url)
    assert not [m for m in loaded if m.split(".")[0] in ("alembic", "mako")]
    db = Database(url)
    try:
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM alliance").scalar_one() == 0
    finally:
        db.dispose()


def test_a_migration_that_fails_stops_the_start_with_one_sentence(tmp_path: Path) -> None:
    from bot.config import StartupError
    from bot.runtime import migrate_apart

    url = f"sqlite:///{tmp_path / 'odd.db'}"
    db = Database(url)
    try:
        with db.engine.begin() as connection:  # a schema from a newer release, or another program's
            connection.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
            connection.exec_driver_sql("INSERT INTO alembic_version VALUES ('9999')")
        with pytest.raises(StartupError, match="migrating the database failed"):
            migrate_apart(db, url)
    finally:
        db.dispose()
