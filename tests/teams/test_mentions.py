"""Mentions in a Teams channel: the same commands as on Slack, answered in the thread of the message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

from storage.models import Commitment, Party, TeamsConversation
from storage.models import Person as Someone
from tests.teams import activities
from tests.teams.conftest import TeamsBot
from tests.teams.fakes.connector import ACME_TENANT, BOT_ID, CHANNEL, PAUL, PIA


def test_a_guest_commits_asks_who_owns_and_lists_overdue_in_threads(teams: TeamsBot) -> None:
    post = activities.message(teams.url, "commit @pia pricing sheet by end of month", sender=PAUL)

    assert teams.post(post) == (200, "")

    intro, confirmation = teams.fake.sends()
    # The alliance is new: introduced once in the channel itself, then the answer in the message's thread.
    assert (intro.conversation_id, intro.reply_to) == (CHANNEL, None)
    assert intro.text.startswith("🤝 Hello! This channel is now the alliance between **Acme** and **Globex**")
    assert (confirmation.conversation_id, confirmation.reply_to) == (f"{CHANNEL};messageid={post['id']}", post["id"])
    assert confirmation.text.startswith("✅ Commitment `#1` recorded: **pricing sheet**\n\n")
    assert "Owner: <at>Pia Porter</at> for **Globex** (recorded by <at>Paul Peters</at>)" in confirmation.text
    assert confirmation.body["textFormat"] == "markdown"
    assert sorted(e["mentioned"]["id"] for e in confirmation.body["entities"]) == sorted([PIA.teams_id, PAUL.teams_id])
    # The guests of Globex are the other party: the organisation of their mail domain.
    [commitment] = teams.rows(Commitment)
    assert (commitment.owner_id, commitment.party_team_id, commitment.created_by) == (
        PIA.aad_id,
        "globex.example",
        PAUL.aad_id,
    )
    assert sorted((p.team_id, p.name) for p in teams.rows(Party)) == [
        (ACME_TENANT, "Acme"),
        ("globex.example", "Globex"),
    ]
    [reference] = teams.rows(TeamsConversation)
    assert (reference.conversation_id, reference.service_url, reference.tenant_id, reference.bot_id) == (
        CHANNEL,
        teams.url,
        ACME_TENANT,
        BOT_ID,
    )

    teams.fake.clear()
    question = activities.message(teams.url, "who owns the pricing sheet?", sender=PAUL, thread=post["id"])
    assert teams.post(question) == (200, "")
    [answer] = teams.fake.sends()
    assert (answer.conversation_id, answer.reply_to) == (f"{CHANNEL};messageid={post['id']}", question["id"])
    # Pia has not spoken yet, so Teams has told us no zone of hers: her colleague Paul's (Berlin) stands in.
    assert (
        answer.text
        == "<at>Pia Porter</at> (Globex) owns `#1` **pricing sheet**, due Mon 30 Nov 2026, 18:00 CET (open)."
    )

    teams.fake.clear()
    teams.clock.advance(timedelta(days=7))
    overdue = activities.message(teams.url, "list overdue", sender=PAUL)
    assert teams.post(overdue) == (200, "")
    [listing] = teams.fake.sends()
    assert listing.text == (
        "**Overdue commitments**\n\n**Globex** (1)\n\n"
        "• `#1` **pricing sheet** · <at>Pia Porter</at> (Globex) · due Mon 30 Nov 2026, 18:00 CET · ⚠️ **overdue**"
    )


def test_a_speaker_s_time_zone_comes_from_their_messages(teams: TeamsBot) -> None:
    teams.post(activities.message(teams.url, "commit @pia pricing sheet by Dec 4", sender=PAUL))
    assert "Due Fri 04 Dec 2026, 18:00 CET" in teams.fake.sends()[-1].text  # Paul's zone, for now
    teams.fake.clear()

    tokyo = activities.message(teams.url, "commit draft the pricing sheet by Dec 4", sender=PIA)
    tokyo["localTimezone"] = "Asia/Tokyo"  # Pia writes from Tokyo this week
    teams.post(tokyo)

    [confirmation] = teams.fake.sends()
    assert "Due Fri 04 Dec 2026, 18:00 JST" in confirmation.text


def test_a_refusal_is_said_in_the_thread_and_changes_nothing(teams: TeamsBot) -> None:
    post = activities.message(teams.url, "commit @pia pricing sheet", sender=PAUL)

    assert teams.post(post) == (200, "")

    answer = teams.fake.sends()[-1]
    assert answer.reply_to == post["id"]
    assert answer.text.startswith("I understood **pricing sheet** for <at>Pia Porter</at>, but no due date.")
    assert teams.rows(Commitment) == []


def test_someone_teams_cannot_tell_us_about_is_refused_by_name(teams: TeamsBot) -> None:
    teams.fake.roster = [p for p in teams.fake.roster if p is not PIA]

    teams.post(activities.message(teams.url, "commit @pia pricing sheet by Friday", sender=PAUL))

    answer = teams.fake.sends()[-1]
    assert answer.text.startswith("I don't know who “@PiaPorter” is. Pick the person from the list Teams offers")
    assert teams.rows(Commitment) == []


def test_a_retried_activity_is_handled_once(teams: TeamsBot) -> None:
    post = activities.message(teams.url, "commit @pia pricing sheet by end of month", sender=PAUL)

    assert teams.post(post) == (200, "")
    assert teams.post(post) == (200, "")

    assert len(teams.rows(Commitment)) == 1
    assert [s.reply_to for s in teams.fake.sends()].count(post["id"]) == 1


def test_a_one_to_one_chat_points_to_the_alliance_channel(teams: TeamsBot) -> None:
    chat = activities.card_submit(teams.url, {}, sender=PAUL)
    del chat["value"]
    chat["text"] = "list"

    assert teams.post(chat) == (200, "")

    [hint] = teams.fake.sends()
    assert hint.conversation_id == activities.personal_conversation(PAUL)
    assert "mention me there" in hint.text


def test_commit_alone_answers_with_the_form_whose_submit_records_the_commitment(teams: TeamsBot) -> None:
    ask = activities.message(teams.url, "commit", sender=PAUL)
    teams.post(ask)
    form = teams.fake.sends()[-1]
    assert form.reply_to == ask["id"]
    assert form.card is not None
    inputs = {i["id"]: i for i in form.card["body"] if "id" in i}
    assert sorted(inputs) == ["due", "milestone", "owner", "title"]
    assert (inputs["owner"]["value"], inputs["due"]["value"]) == (PAUL.aad_id, "2026-12-01")
    assert inputs["owner"]["choices"] == [{"title": "Paul Peters", "value": PAUL.aad_id}]
    assert inputs["owner"]["choices.data"] == {"type": "Data.Query", "dataset": "graph.microsoft.com/users"}
    teams.fake.clear()

    submit = activities.message(teams.url, "", sender=PAUL, thread=ask["id"], mention_bot=False)
    submit["value"] = {
        "alliance": "commitment_form",
        "ch": CHANNEL,
        "title": "Pricing sheet",
        "owner": PIA.aad_id,
        "due": "2026-12-04",
        "milestone": "true",
    }
    assert teams.post(submit) == (200, "")

    [confirmation] = teams.fake.sends()
    assert confirmation.reply_to == submit["id"]
    assert confirmation.text.startswith("✅ Milestone `#1` recorded: **Pricing sheet**")
    [commitment] = teams.rows(Commitment)
    assert (commitment.owner_id, commitment.milestone) == (PIA.aad_id, True)


def test_a_group_chat_is_an_alliance_too_answered_in_the_chat(teams: TeamsBot) -> None:
    chat = "19:2b2b2b2b2b2b4b2b8b2b2b2b2b2b2b2b@thread.v2"
    post = activities.message(teams.url, "commit @pia pricing sheet by end of month", sender=PAUL)
    post["conversation"] = {"isGroup": True, "conversationType": "groupChat", "tenantId": ACME_TENANT, "id": chat}
    post["channelData"] = {"tenant": {"id": ACME_TENANT}}

    assert teams.post(post) == (200, "")

    intro, confirmation = teams.fake.sends()
    assert (intro.conversation_id, intro.reply_to) == (chat, None)
    assert (confirmation.conversation_id, confirmation.reply_to) == (chat, post["id"])
    assert confirmation.text.startswith("✅ Commitment `#1` recorded: **pricing sheet**")
    [reference] = [r for r in teams.rows(TeamsConversation) if r.conversation_id == chat]
    assert (reference.kind, reference.team_id) == ("groupChat", None)


def test_a_person_is_looked_up_in_the_roster_once_a_day(teams: TeamsBot) -> None:
    def lookups() -> int:
        return len([c for c in teams.fake.calls if c.method == "GET" and PIA.teams_id in unquote(c.path)])

    teams.post(activities.message(teams.url, "commit @pia pricing sheet by end of month", sender=PAUL))
    teams.post(activities.message(teams.url, "who @pia", sender=PAUL))
    assert lookups() == 1

    teams.clock.advance(timedelta(hours=25))
    teams.post(activities.message(teams.url, "who @pia", sender=PAUL))
    assert lookups() == 2


def test_an_internal_commitment_is_told_only_to_its_own_organisation(teams: TeamsBot) -> None:
    # Settle the alliance first (its introduction), then Paul of Globex records an item internal to Globex.
    teams.post(activities.message(teams.url, "list", sender=PAUL))
    teams.fake.clear()
    post = activities.message(teams.url, "commit --internal @pia Quokka margin model by end of month", sender=PAUL)
    assert teams.post(post) == (200, "")

    sends = teams.fake.sends()
    in_channel = [s for s in sends if s.conversation_id is not None and s.conversation_id.startswith(CHANNEL)]
    private = [s for s in sends if s not in in_channel]
    # The channel (read by Acme too) hears nothing of it; Paul reads it in his own chat with the bot.
    assert in_channel == []
    assert [("Quokka margin model" in s.text) for s in private] == [True]
    [commitment] = teams.rows(Commitment)
    assert commitment.internal and commitment.party_team_id == "globex.example"

    teams.fake.clear()
    asked = activities.message(teams.url, "list", sender=PAUL)
    assert teams.post(asked) == (200, "")
    assert all("Quokka" not in s.text for s in teams.fake.sends() if s.conversation_id.startswith(CHANNEL))


def test_an_export_goes_to_the_askers_own_chat_not_the_thread(teams: TeamsBot) -> None:
    teams.post(activities.message(teams.url, "commit @pia pricing sheet by end of month", sender=PAUL))
    teams.fake.clear()
    assert teams.post(activities.message(teams.url, "export", sender=PAUL)) == (200, "")
    sends = teams.fake.sends()
    assert [s for s in sends if s.conversation_id.startswith(CHANNEL)] == []
    [private] = [s for s in sends if not s.conversation_id.startswith(CHANNEL)]
    assert "pricing sheet" in private.text and "```" in private.text


def test_a_deadline_set_after_the_install_is_read_in_a_colleague_s_zone_not_a_stored_utc(teams: TeamsBot) -> None:
    # The install as Microsoft documents it ("Bot added to team": conversationUpdate, eventType teamMemberAdded,
    # membersAdded naming the bot; MicrosoftDocs/msteams-docs subscribe-to-conversation-events.md) reads the
    # roster, which tells no one's zone: Pia's is unknown, and must not be kept as a known UTC.
    teams.post(activities.conversation_update(teams.url, added=[activities.bot_account()]))
    pia = next(p for p in teams.rows(Someone) if p.user_id == PIA.aad_id)
    assert not pia.tz_known
    teams.fake.clear()

    teams.post(activities.message(teams.url, "commit @pia pricing sheet by Dec 4", sender=PAUL))

    [confirmation] = teams.fake.sends()
    assert "Due Fri 04 Dec 2026, 18:00 CET" in confirmation.text  # as without the install: her colleague's zone
    [commitment] = teams.rows(Commitment)
    assert commitment.due_at == datetime(2026, 12, 4, 17, 0, tzinfo=UTC)

    # Once Pia writes, her own zone is known and kept.
    tokyo = activities.message(teams.url, "list mine", sender=PIA)
    tokyo["localTimezone"] = "Asia/Tokyo"
    teams.post(tokyo)
    pia = next(p for p in teams.rows(Someone) if p.user_id == PIA.aad_id)
    assert (pia.tz, pia.tz_known) == ("Asia/Tokyo", True)
