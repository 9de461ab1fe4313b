"""Installed in many workspaces (SLACK_CLIENT_ID/SECRET): Bolt's OAuth flow through our HTTP front door to the fake
Web API, then both organisations of a Slack Connect channel installed at once: one answer per request through the
installation it came through, one voice in the channel, each event acted on once, uninstalls and token rotation.
"""

from __future__ import annotations

import http.client
import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, Table, text

from bot import runtime
from bot.config import OAuthSettings, Settings
from bot.core.pacing import Pacer
from bot.core.ports import ByPlatform, Noticed
from bot.core.schedule import Scheduler
from bot.slack.courier import SlackCourier
from bot.slack.directory import SlackDirectory
from storage.models import Commitment, Member
from storage.slack_tables import SLACK_BOTS, SLACK_INSTALLATIONS, SLACK_OAUTH_STATES
from tests.conftest import PG_URL, SKIP_PG, _postgres
from tests.fake_time import FakeTime
from tests.slack import payloads
from tests.slack.conftest import Bot, running_bot
from tests.slack.fakes.web_api import (
    ACME,
    ALICE,
    BOB,
    BOT,
    BOT_ID,
    CHANNEL,
    ERIN,
    GLOBEX,
    PAUL,
    PIA,
    THIRD,
    Call,
    FakeSlack,
    make_user,
)

GLOBEX_BOT = "U0GBOT001"  # the bot user of Globex's installation: the twin of Acme's BOT in the shared channel
GLOBEX_BOT_ID = "B0GBOT001"
COOKIE = "slack-app-oauth-state"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def many(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Bot]:
    """The bot installed in no workspace yet, on SQLite and (with TEST_DATABASE_URL) on PostgreSQL."""
    url = f"sqlite:///{tmp_path}/bot.db"
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip(SKIP_PG)
        _postgres()  # migrated once, emptied for each test
        url = PG_URL
    with FakeSlack() as fake:
        fake.users[GLOBEX_BOT] = make_user(
            GLOBEX_BOT, "alliance_bot", team_id=GLOBEX, real_name="Alliance Bot", is_bot=True, bot_id=GLOBEX_BOT_ID
        )
        fake.channels[CHANNEL]["members"].append(GLOBEX_BOT)
        settings = Settings(
            bot_token=None,
            signing_secret=payloads.SIGNING_SECRET,
            app_token=None,
            database_url=url,
            api_url=fake.url,
            oauth=OAuthSettings(client_id=fake.client_id, client_secret=fake.client_secret),
        )
        yield from running_bot(fake, settings)


# ---- the browser's side ---------------------------------------------------------------------------------------


def browse(bot: Bot, method: str, path: str, *, cookie: str | None = None) -> tuple[int, dict[str, str], str]:
    connection = http.client.HTTPConnection("127.0.0.1", bot.port, timeout=10)
    try:
        connection.request(method, path, headers={"Cookie": f"{COOKIE}={cookie}"} if cookie else {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode("utf-8")
    finally:
        connection.close()


def start_install(bot: Bot) -> str:
    """Open the install page as an admin would: the state its link carries (its cookie holds the same)."""
    status, headers, page = browse(bot, "GET", "/slack/install")
    assert status == 200
    state = re.search(r"state=([^&\"']+)", page)
    assert state is not None, page
    assert headers["set-cookie"].startswith(f"{COOKIE}={state.group(1)};")
    return state.group(1)


def redirect(bot: Bot, *, code: str, state: str, cookie: str | None = None) -> tuple[int, str]:
    query = urlencode({"code": code, "state": state})
    status, _, page = browse(bot, "GET", f"/slack/oauth_redirect?{query}", cookie=state if cookie is None else cookie)
    return status, page


def install(bot: Bot, team_id: str, bot_user_id: str, bot_id: str, installer: str, *, rotating: bool = False) -> str:
    """The whole flow for one workspace; its bot token."""
    state = start_install(bot)
    code = bot.fake.grant(team_id, bot_user_id=bot_user_id, bot_id=bot_id, installer=installer, rotating=rotating)
    status, page = redirect(bot, code=code, state=state)
    assert status == 200, page
    return bot.fake.token_of(team_id)


def both(bot: Bot) -> tuple[str, str]:
    return install(bot, ACME, BOT, BOT_ID, ALICE), install(bot, GLOBEX, GLOBEX_BOT, GLOBEX_BOT_ID, PAUL)


def token(call: Call) -> str:
    return call.headers.get("authorization", "").removeprefix("Bearer ")


def channel_posts(bot: Bot) -> list[Call]:
    return [c for c in bot.fake.calls_to("chat.postMessage") if c.args.get("channel") == CHANNEL]


def start_alliance(bot: Bot, through: tuple[str, str] = (ACME, BOT)) -> None:
    """Alice (Acme) mentions the bot: the channel becomes the alliance, hosted by Acme."""
    mention = payloads.through(payloads.app_mention("help", user=ALICE, bot=through[1]), *through)
    assert bot.post(mention) == (200, "")
    bot.fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get("channel") == CHANNEL)
    bot.quiet()


# ---- the install flow -------------------------------------------------------------------------------------------


def test_the_install_page_links_to_slack_with_the_app_the_scopes_and_a_state(many: Bot) -> None:
    status, headers, page = browse(many, "GET", "/slack/install")
    assert status == 200 and headers["content-type"].startswith("text/html")
    link = re.search(r"https://slack\.com/oauth/v2/authorize\?[^\"']+", page)
    assert link is not None, page
    assert f"client_id={many.fake.client_id}" in link.group(0)
    assert "app_mentions:read" in link.group(0) and "commands" in link.group(0)
    assert "HttpOnly" in headers["set-cookie"]


def test_an_approved_install_trades_the_code_and_keeps_the_installation(many: Bot) -> None:
    state = start_install(many)
    code = many.fake.grant(ACME, bot_user_id=BOT, bot_id=BOT_ID, installer=ALICE)

    status, page = redirect(many, code=code, state=state)

    assert status == 200
    assert "Alliance Bot is installed" in page and "Acme" in page
    (traded,) = many.fake.calls_to("oauth.v2.access")
    assert traded.args["code"] == code
    assert traded.headers["authorization"].startswith("Basic ")
    issued = many.fake.token_of(ACME)
    assert any(token(c) == issued for c in many.fake.calls_to("auth.test"))  # Bolt asks for the bot id
    with many.db.engine.connect() as connection:
        rows = connection.execute(SLACK_BOTS.select()).mappings().all()
    assert [(r["team_id"], r["bot_user_id"], r["bot_id"], r["bot_token"]) for r in rows] == [
        (ACME, BOT, BOT_ID, issued)
    ]


def test_a_replayed_redirect_is_refused_and_installs_nothing_more(many: Bot) -> None:
    state = start_install(many)
    code = many.fake.grant(ACME, bot_user_id=BOT, bot_id=BOT_ID, installer=ALICE)
    assert redirect(many, code=code, state=state)[0] == 200

    status, page = redirect(many, code=code, state=state)

    assert status == 401
    assert "expired or was already used" in page
    assert len(many.fake.calls_to("oauth.v2.access")) == 1


def test_a_state_the_bot_never_issued_is_refused(many: Bot) -> None:
    code = many.fake.grant(ACME, bot_user_id=BOT, bot_id=BOT_ID, installer=ALICE)
    status, page = redirect(many, code=code, state="forged-state")
    assert status == 401 and "install page" in page
    assert many.fake.calls_to("oauth.v2.access") == []


def test_a_state_opened_in_another_browser_is_refused(many: Bot) -> None:
    state = start_install(many)
    code = many.fake.grant(ACME, bot_user_id=BOT, bot_id=BOT_ID, installer=ALICE)
    status, page = redirect(many, code=code, state=state, cookie="another-browsers-state")
    assert status == 400 and "another browser" in page
    assert many.fake.calls_to("oauth.v2.access") == []


def test_a_code_slack_refuses_installs_nothing(many: Bot) -> None:
    status, page = redirect(many, code="code-never-granted", state=start_install(many))
    assert status == 401 and "refused" in page
    with many.db.engine.connect() as connection:
        assert connection.execute(SLACK_BOTS.select()).all() == []


def test_a_cancelled_install_says_nothing_was_installed(many: Bot) -> None:
    state = start_install(many)
    status, _, page = browse(many, "GET", f"/slack/oauth_redirect?error=access_denied&state={state}", cookie=state)
    assert status == 200 and "Nothing was installed" in page


def test_the_install_page_without_its_database_is_a_503_page_not_a_500(many: Bot) -> None:
    with many.db.engine.begin() as connection:
        connection.execute(text("ALTER TABLE slack_oauth_states RENAME TO slack_oauth_states_away"))
    try:
        status, headers, page = browse(many, "GET", "/slack/install")
    finally:
        with many.db.engine.begin() as connection:
            connection.execute(text("ALTER TABLE slack_oauth_states_away RENAME TO slack_oauth_states"))
    assert status == 503 and headers["content-type"].startswith("text/html")
    assert "try again shortly" in page and "Traceback" not in page


def test_the_install_paths_answer_get_only(many: Bot) -> None:
    assert many.request("POST", "/slack/install", b"x=1")[0] == 405
    assert many.request("POST", "/slack/oauth_redirect", b"x=1")[0] == 405


def test_single_token_mode_has_no_install_page(bot: Bot) -> None:
    assert bot.get("/slack/install")[0] == 404


# ---- both organisations installed in one shared channel -----------------------------------------------------------


def test_the_partners_slash_command_works_through_its_own_installation(many: Bot) -> None:
    acme, globex = both(many)
    start_alliance(many)
    many.fake.clear()

    status, _ = many.post(payloads.slash_command("commit <@U0ALICE01|alice> Share the pilot data by Friday", user=PAUL))

    assert status == 200
    many.fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get("channel") == CHANNEL)
    many.quiet()
    assert [c.title for c in many.rows(Commitment)] == ["Share the pilot data"]
    # The confirmation is the channel's: it comes in the alliance's one voice, the host's installation.
    assert {token(c) for c in channel_posts(many)} == {acme}
    assert globex not in {token(c) for c in channel_posts(many)}


def test_an_answer_for_one_person_uses_the_installation_the_request_came_through(many: Bot) -> None:
    _, globex = both(many)
    start_alliance(many)
    many.fake.clear()

    many.post(payloads.slash_command("commit <@U0ALICE01> Something", user=PAUL))  # no date: a private question

    (whisper,) = many.fake.wait_for("chat.postEphemeral")
    assert whisper.args["user"] == PAUL and token(whisper) == globex


def test_an_event_delivered_to_both_installations_is_acted_on_once(many: Bot) -> None:
    acme, _ = both(many)
    start_alliance(many)
    many.fake.clear()
    # Paul addresses both bots (both are in the channel): each installation receives the mention.
    mention = payloads.app_mention(f"<@{GLOBEX_BOT}> commit <@U0ALICE01> Ship the connector by Friday", user=PAUL)

    for copy in (payloads.through(mention, ACME, BOT), payloads.through(mention, GLOBEX, GLOBEX_BOT)):
        assert many.post(copy) == (200, "")
    many.fake.wait_for("chat.postMessage")
    many.quiet(for_seconds=0.4)

    assert [c.title for c in many.rows(Commitment)] == ["Ship the connector"]
    assert len(channel_posts(many)) == 1
    assert token(channel_posts(many)[0]) == acme


def test_an_edit_delivered_to_both_installations_amends_once(many: Bot) -> None:
    both(many)
    start_alliance(many)
    mention = payloads.app_mention(
        f"<@{GLOBEX_BOT}> commit <@U0ALICE01> Ship the connector by Friday", user=PAUL, ts="1764000500.000100"
    )
    many.post(payloads.through(mention, ACME, BOT))
    many.fake.wait_for("chat.postMessage", count=2)
    many.quiet()
    edit = payloads.app_mention(
        f"<@{GLOBEX_BOT}> commit <@U0ALICE01> Ship the connector v2 by Friday",
        user=PAUL,
        ts="1764000500.000100",
        edited_by=PAUL,
    )

    for copy in (payloads.through(edit, ACME, BOT), payloads.through(edit, GLOBEX, GLOBEX_BOT)):
        many.post(copy)
    many.quiet(for_seconds=0.4)

    assert [c.title for c in many.rows(Commitment)] == ["Ship the connector v2"]


def test_when_the_host_has_not_installed_the_partners_installation_speaks(many: Bot) -> None:
    globex = install(many, GLOBEX, GLOBEX_BOT, GLOBEX_BOT_ID, PAUL)
    start_alliance(many, through=(GLOBEX, GLOBEX_BOT))  # Alice mentions the only bot there is: Globex's

    assert channel_posts(many) and {token(c) for c in channel_posts(many)} == {globex}


def test_when_the_hosts_bot_was_never_invited_the_request_s_installation_answers(many: Bot) -> None:
    _, globex = both(many)
    many.fake.channels[CHANNEL]["members"].remove(BOT)  # Acme installed, but its bot is not in the channel

    status, _ = many.post(payloads.slash_command("commit <@U0ALICE01> Share the pilot data by Friday", user=PAUL))

    assert status == 200
    refused = many.fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get("channel") == CHANNEL)[0]
    many.quiet()
    assert token(refused) != globex  # the voice was tried first
    assert [c.title for c in many.rows(Commitment)] == ["Share the pilot data"]
    assert globex in {token(c) for c in channel_posts(many)}


def test_the_twin_bot_joining_the_channel_is_not_a_new_member(many: Bot) -> None:
    both(many)
    start_alliance(many)
    members_before = len(many.rows(Member))
    many.fake.clear()

    many.post(payloads.through(payloads.member_joined_channel(GLOBEX_BOT), ACME, BOT))
    many.quiet()

    assert channel_posts(many) == []
    assert len(many.rows(Member)) == members_before
    assert GLOBEX_BOT not in {m.user_id for m in many.rows(Member)}


def test_a_dm_from_the_schedule_goes_through_the_persons_own_installation(many: Bot) -> None:
    acme, globex = both(many)
    start_alliance(many)
    many.post(payloads.slash_command("commit <@U0PAUL001> Draft joint API spec by 2026-11-27", user=ALICE))
    many.fake.wait_for("chat.postMessage", count=2, predicate=lambda c: c.args.get("channel") == CHANNEL)
    many.quiet()
    many.fake.clear()

    many.sweep(datetime(2026, 11, 25, 16, 0, tzinfo=UTC))  # check-in #1: the channel, and Paul's question by DM

    to_paul = [
        c for c in many.fake.calls if c.args.get("users") == PAUL or c.args.get("channel") in (PAUL, "D0PAUL001")
    ]
    assert to_paul and {token(c) for c in to_paul} == {globex}
    assert channel_posts(many) and {token(c) for c in channel_posts(many)} == {acme}


def test_when_the_hosts_bot_leaves_the_channel_the_schedule_posts_through_the_partners(many: Bot) -> None:
    acme, globex = both(many)
    start_alliance(many)
    many.post(payloads.slash_command("commit <@U0PAUL001> Draft joint API spec by 2026-11-27", user=ALICE))
    many.fake.wait_for("chat.postMessage", count=2, predicate=lambda c: c.args.get("channel") == CHANNEL)
    many.quiet()
    many.fake.channels[CHANNEL]["members"].remove(BOT)  # someone removed Acme's bot; Globex's is still there
    many.fake.clear()

    report = many.sweep(datetime(2026, 11, 25, 16, 0, tzinfo=UTC))  # check-in #1 opens in the channel

    assert report.failed == 0
    posted = [c for c in channel_posts(many) if token(c) == globex]
    assert posted and all(token(c) in (acme, globex) for c in channel_posts(many))


def test_each_installation_has_its_own_delivery_budget_in_the_sweep(many: Bot) -> None:
    """Slack keeps a budget per workspace: Acme's messages (the channel's, in its voice, and its people's DMs) never
    hold Globex's DMs back, and each keeps to DELIVERY_WORKSPACE_RATE."""
    acme, globex = both(many)
    start_alliance(many)
    for n, owner in enumerate((ALICE, BOB, ERIN, PAUL, PIA), start=1):
        many.post(payloads.slash_command(f"commit <@{owner}> Item {n} by 2026-11-27", user=ALICE))
        many.fake.wait_for("chat.postMessage", predicate=lambda c, n=n: f"`#{n}` recorded" in str(c.args.get("text")))
    many.quiet()
    many.fake.clear()
    pretend = FakeTime()  # a send takes no pretend time; only the pacer's waits move it
    installations = runtime.slack_installations(many.settings, many.db)
    sent_at: list[float] = []
    slack = Noticed(SlackCourier(installations.client, installations), lambda _: sent_at.append(pretend.now))
    courier = ByPlatform({"slack": slack})  # as bot.runtime wires it
    pacer = Pacer(1.0, workspace_rate=1.0, clock=pretend.clock, sleep=pretend.sleep)

    # Monday 15:00 UTC, working hours in New York, Chicago and Berlin: check-in #1 opens (the channel and each
    # owner's question) and the five items are overdue (each owner's reminder).
    report = Scheduler(many.db, courier, pacer=pacer).sweep(datetime(2026, 11, 30, 15, 0, tzinfo=UTC))

    posts = many.fake.calls_to("chat.postMessage")
    assert report.sent == len(posts) == len(sent_at) == 11
    when: dict[str, list[float]] = {acme: [], globex: []}
    for at, post in zip(sent_at, posts, strict=True):  # the courier sends one at a time: in the fake's order
        when[token(post)].append(at)
    # Acme: the channel post and six DMs; Globex: Paul's and Pia's two each. One a second in each workspace, side
    # by side: with one budget for both the eleven would take ten seconds.
    assert when == {acme: [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0], globex: [0.0, 1.0, 2.0, 3.0]}
    assert {c.args["channel"] for c in posts if token(c) == globex} == {PAUL, PIA}


def test_an_enterprise_grid_org_wide_install_answers_for_its_workspaces(many: Bot) -> None:
    state = start_install(many)
    code = many.fake.grant(
        ACME, bot_user_id=BOT, bot_id=BOT_ID, installer=ALICE, enterprise_id="E0ACME001", org_wide=True
    )
    status, page = redirect(many, code=code, state=state)
    assert status == 200 and "every workspace of the organisation" in page
    with many.db.engine.connect() as connection:
        (row,) = connection.execute(SLACK_BOTS.select()).mappings().all()
    assert (row["enterprise_id"], row["team_id"], row["is_enterprise_install"]) == ("E0ACME001", None, True)

    mention = payloads.app_mention("help", user=ALICE)
    assert many.post(payloads.through(mention, ACME, BOT, enterprise_id="E0ACME001")) == (200, "")

    many.fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get("channel") == CHANNEL)
    many.quiet()
    assert {token(c) for c in channel_posts(many)} == {many.fake.token_of(ACME)}


def test_each_workspace_is_listed_through_its_own_installation_and_one_without_it_not_at_all(many: Bot) -> None:
    acme, globex = both(many)
    installations = runtime.slack_installations(many.settings, many.db)
    directory = SlackDirectory(installations.client, lister=installations.listing_client)  # as bot.runtime wires it
    many.fake.clear()
    for team_id, its_token in ((GLOBEX, globex), (ACME, acme)):
        listed = directory.people_of(team_id, max_pages=3)
        assert listed is not None and (listed.pages, listed.complete) == (1, True)
        ours = sorted(u for u, user in many.fake.users.items() if user["team_id"] == team_id)
        assert sorted(p.user_id for p in listed.profiles) == ours
        assert [token(c) for c in many.fake.calls_to("users.list")] == [its_token]
        many.fake.clear()
    assert directory.people_of(THIRD, max_pages=3) is None  # a workspace met only in a Slack Connect channel
    assert many.fake.calls == []


def test_the_partners_home_tab_is_published_through_its_own_installation(many: Bot) -> None:
    _, globex = both(many)
    start_alliance(many)
    many.post(payloads.slash_command("commit <@U0PAUL001> Draft joint API spec by 2026-11-27", user=ALICE))
    many.fake.wait_for("chat.postMessage", count=2, predicate=lambda c: c.args.get("channel") == CHANNEL)
    many.quiet()
    many.fake.clear()

    opened = payloads.through(payloads.app_home_opened(user=PAUL), GLOBEX, GLOBEX_BOT)
    assert many.post(opened) == (200, "")

    (published,) = many.fake.wait_for("views.publish")
    assert published.args["user_id"] == PAUL and token(published) == globex


def test_a_home_refresh_outside_any_request_finds_its_installation_without_waiting_on_itself(many: Bot) -> None:
    """The refresh runs on a timer, in a unit of work; a stale profile there is read through an installation, whose
    look-up must join that unit of work (on SQLite a second connection would wait 30 s for the first's lock)."""
    _, globex = both(many)
    start_alliance(many)
    many.post(payloads.slash_command("commit <@U0PAUL001> Draft joint API spec by 2026-12-27", user=ALICE))
    many.fake.wait_for("chat.postMessage", count=2, predicate=lambda c: c.args.get("channel") == CHANNEL)
    many.quiet()
    assert many.post(payloads.through(payloads.app_home_opened(user=PAUL), GLOBEX, GLOBEX_BOT)) == (200, "")
    many.fake.wait_for("views.publish")
    many.clock.advance(timedelta(days=2))  # every profile read before is stale now; Alice's own item re-reads hers
    many.post(payloads.slash_command("commit <@U0ALICE01> Pricing sheet by 2026-12-28", user=ALICE))
    many.fake.wait_for("chat.postMessage", count=4, predicate=lambda c: c.args.get("channel") == CHANNEL)
    many.quiet()
    many.fake.clear()

    started = time.monotonic()
    many.home_timers.advance()

    assert time.monotonic() - started < 5
    assert [c.method for c in many.fake.calls] == ["users.info", "views.publish"]  # Paul's stale profile, his page
    (published,) = many.fake.calls_to("views.publish")
    assert token(published) == globex and "Draft joint API spec" in json.dumps(published.args)


def test_the_partners_scorecard_chart_is_uploaded_through_the_installation_it_asked_through(many: Bot) -> None:
    """files.getUploadURLExternal names no channel: the upload's two steps must use one installation's token."""
    _, globex = both(many)
    start_alliance(many)
    many.fake.clear()

    assert many.post(payloads.slash_command("scorecard", user=PAUL))[0] == 200  # Globex's own /alliance
    many.fake.wait_for("files.completeUploadExternal")
    many.quiet()

    uploads = [c for c in many.fake.calls if c.method.startswith("files.")]
    assert {token(c) for c in uploads} == {globex}
    assert [f["channel_id"] for f in many.fake.shared_files()] == [CHANNEL]


# ---- uninstalls -------------------------------------------------------------------------------------------------


def test_uninstalling_the_partner_removes_it_and_the_host_says_the_alliance_carries_on(many: Bot) -> None:
    acme, _ = both(many)
    start_alliance(many)
    many.fake.clear()
    many.fake.uninstall(GLOBEX)

    assert many.post(payloads.app_uninstalled(GLOBEX)) == (200, "")

    (told,) = many.fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get("channel") == CHANNEL)
    assert token(told) == acme
    assert "*Globex* removed Alliance Bot" in told.args["text"] and "carries on through *Acme*" in told.args["text"]
    with many.db.engine.connect() as connection:
        teams = {r["team_id"] for r in connection.execute(SLACK_BOTS.select()).mappings()}
        installs = connection.execute(text("SELECT team_id FROM slack_installations")).scalars().all()
    assert teams == {ACME} and GLOBEX not in installs


def test_uninstalling_the_host_moves_the_voice_to_the_partner(many: Bot) -> None:
    _, globex = both(many)
    start_alliance(many)
    many.fake.clear()
    many.fake.uninstall(ACME)

    many.post(payloads.app_uninstalled(ACME))
    (told,) = many.fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get("channel") == CHANNEL)
    assert token(told) == globex and "*Acme* removed Alliance Bot" in told.args["text"]
    many.fake.clear()

    # Acme's people carry on by mentioning the bot that is left.
    many.post(
        payloads.through(
            payloads.app_mention("commit <@U0PAUL001> Renew the NDA by Friday", user=ALICE, bot=GLOBEX_BOT),
            GLOBEX,
            GLOBEX_BOT,
        )
    )
    many.fake.wait_for("chat.postMessage")
    many.quiet()
    assert [c.title for c in many.rows(Commitment)] == ["Renew the NDA"]
    assert {token(c) for c in channel_posts(many)} == {globex}


def test_revoked_bot_tokens_remove_the_installation_too(many: Bot) -> None:
    acme, _ = both(many)
    start_alliance(many)
    many.fake.clear()

    many.post(payloads.tokens_revoked(GLOBEX, bots=[GLOBEX_BOT]))

    (told,) = many.fake.wait_for("chat.postMessage", predicate=lambda c: c.args.get("channel") == CHANNEL)
    assert token(told) == acme
    with many.db.engine.connect() as connection:
        assert {r["team_id"] for r in connection.execute(SLACK_BOTS.select()).mappings()} == {ACME}


def test_an_uninstall_with_no_alliance_says_nothing(many: Bot) -> None:
    both(many)
    many.fake.clear()
    assert many.post(payloads.app_uninstalled(GLOBEX)) == (200, "")
    many.quiet()
    assert many.fake.calls_to("chat.postMessage") == []


# ---- token rotation ---------------------------------------------------------------------------------------------


def test_an_expiring_bot_token_is_refreshed_before_a_request_uses_it(many: Bot) -> None:
    many.fake.token_lifetime = 60  # expires within the two hours Bolt refreshes ahead
    first = install(many, ACME, BOT, BOT_ID, ALICE, rotating=True)
    many.fake.token_lifetime = 43200  # the refreshed one lives long: refreshed once
    many.fake.clear()

    start_alliance(many)

    (refreshed,) = many.fake.calls_to("oauth.v2.access")
    assert refreshed.args["grant_type"] == "refresh_token"
    second = many.fake.token_of(ACME)
    assert second != first
    assert channel_posts(many) and {token(c) for c in channel_posts(many)} == {second}
    with many.db.engine.connect() as connection:
        newest = connection.execute(SLACK_BOTS.select().order_by(SLACK_BOTS.c.installed_at.desc())).mappings().first()
    assert newest is not None and newest["bot_token"] == second


def test_the_schedule_refreshes_an_expiring_token_too(many: Bot) -> None:
    many.fake.token_lifetime = 60
    first = install(many, ACME, BOT, BOT_ID, ALICE, rotating=True)
    many.fake.token_lifetime = 43200  # the refreshed one lives long: refreshed once
    start_alliance(many)
    many.post(payloads.slash_command("commit <@U0PAUL001> Draft joint API spec by 2026-11-27", user=ALICE))
    many.quiet()
    current = many.fake.token_of(ACME)
    assert current != first
    many.fake.clear()

    many.sweep(datetime(2026, 11, 25, 16, 0, tzinfo=UTC))

    assert channel_posts(many) and {token(c) for c in channel_posts(many)} == {current}
    assert many.fake.calls_to("oauth.v2.access") == []  # the long-lived token is not refreshed again


# ---- the stores' tables are ours --------------------------------------------------------------------------------


def _shape(table: Table) -> dict[str, tuple[str, bool]]:
    return {c.name: (repr(c.type), bool(c.nullable)) for c in table.columns}


def test_the_stores_tables_are_the_ones_our_migration_makes() -> None:
    store = MetaData()
    assert _shape(SQLAlchemyInstallationStore.build_installations_table(store, "slack_installations")) == _shape(
        SLACK_INSTALLATIONS
    )
    assert _shape(SQLAlchemyInstallationStore.build_bots_table(store, "slack_bots")) == _shape(SLACK_BOTS)
    assert _shape(SQLAlchemyOAuthStateStore.build_oauth_states_table(store, "slack_oauth_states")) == _shape(
        SLACK_OAUTH_STATES
    )
