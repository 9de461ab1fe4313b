"""Installation and departures: conversationUpdate starts the alliance and tells us who left."""

from __future__ import annotations

from storage.models import Alliance, Commitment, Delivery, Party, TeamsConversation
from storage.models import Person as Someone
from tests.teams import activities
from tests.teams.conftest import TeamsBot
from tests.teams.fakes.connector import ACME_TENANT, BOT_ID, CHANNEL, PAUL, PIA, Person


def test_installing_the_bot_starts_the_alliance_and_keeps_the_conversation_reference(teams: TeamsBot) -> None:
    install = activities.conversation_update(teams.url, added=[activities.bot_account()])

    assert teams.post(install) == (200, "")

    [intro] = teams.fake.sends()
    assert (intro.conversation_id, intro.reply_to) == (CHANNEL, None)
    assert intro.text.startswith("🤝 Hello! This channel is now the alliance between **Acme** and **Globex**")
    assert "/alliance" not in intro.text  # Slack's slash command means nothing in Teams
    [alliance] = teams.rows(Alliance)
    assert (alliance.platform, alliance.channel_id, alliance.host_team_id) == ("teams", CHANNEL, ACME_TENANT)
    assert sorted(p.name for p in teams.rows(Party)) == ["Acme", "Globex"]
    [reference] = teams.rows(TeamsConversation)
    assert (reference.kind, reference.bot_id, reference.service_url) == ("channel", BOT_ID, teams.url)

    # A first command after the install is no first use: no second introduction.
    teams.fake.clear()
    teams.post(activities.message(teams.url, "list", sender=PAUL))
    [answer] = teams.fake.sends()
    assert answer.text.startswith("Nothing is open in this alliance.")


def test_someone_who_leaves_the_team_owns_nothing_more_and_is_not_nudged(teams: TeamsBot) -> None:
    teams.post(activities.message(teams.url, "commit @pia pricing sheet by tomorrow", sender=PAUL))
    teams.fake.clear()

    left = activities.conversation_update(teams.url, removed=[activities.member_account(PIA)])
    assert teams.post(left) == (200, "")

    person = next(p for p in teams.rows(Someone) if p.user_id == PIA.aad_id)
    assert person.deleted
    report = teams.sweep()
    # No due-soon nudge to Pia, she has left; the channel hears her item is orphaned (as on Slack).
    assert report.sent == 1
    [note] = teams.fake.sends()
    assert "has left" in note.text and "pricing sheet" in note.text and "orphaned" in note.text
    assert [d.kind for d in teams.rows(Delivery) if d.status == "sent"] == ["orphans"]
    # Her commitment is orphaned: a new owner must be named, and Pia can no longer be given one.
    teams.post(activities.message(teams.url, "commit @pia another thing by Friday", sender=PAUL))
    assert (
        teams.fake.sends()[-1].text
        == "<at>Pia Porter</at> has left (their account is deactivated); pick someone who is still here."
    )
    assert len(teams.rows(Commitment)) == 1


def test_someone_added_back_is_no_longer_departed(teams: TeamsBot) -> None:
    teams.post(activities.message(teams.url, "list", sender=PAUL))
    teams.post(activities.conversation_update(teams.url, removed=[activities.member_account(PIA)]))

    teams.post(activities.conversation_update(teams.url, added=[activities.member_account(PIA)]))
    teams.post(activities.message(teams.url, "commit @pia pricing sheet by Friday", sender=PAUL))

    [commitment] = teams.rows(Commitment)
    assert commitment.owner_id == PIA.aad_id


def test_a_third_tenant_in_a_shared_channel_is_no_party(teams: TeamsBot) -> None:
    other_tenant = "c0c0c0c0-2222-4222-8222-222222222222"
    zoe = Person(
        key="zoe",
        teams_id="29:1zoe-teams-id-0007",
        aad_id="00000007-aaaa-4aaa-8aaa-000000000zoe",
        name="Zoe Zhang",
        email="zoe@initech.example",
        tz="Asia/Tokyo",
    )
    teams.fake.roster = [*teams.fake.roster, zoe]
    teams.fake.tenants[zoe.teams_id] = other_tenant

    teams.post(activities.conversation_update(teams.url, added=[activities.bot_account()]))

    # An alliance has two parties: the host and the partner with most people here; Zoe's tenant, a third
    # organisation in the channel, may read and ask but is no party (issue 11 item 3).
    assert sorted((p.team_id, p.name) for p in teams.rows(Party)) == [
        (ACME_TENANT, "Acme"),
        ("globex.example", "Globex"),
    ]


def test_a_member_removed_as_microsoft_documents_it_owns_nothing_more(teams: TeamsBot) -> None:
    # The documented teamMemberRemoved names Pia by her Teams id only: she is found in the roster we kept.
    teams.post(activities.message(teams.url, "commit @pia pricing sheet by tomorrow", sender=PAUL))
    teams.fake.roster = [p for p in teams.fake.roster if p is not PIA]  # the connector no longer knows her
    teams.fake.clear()

    assert teams.post(activities.documented_member_removed(teams.url, PIA)) == (200, "")

    person = next(p for p in teams.rows(Someone) if p.user_id == PIA.aad_id)
    assert person.deleted
    assert teams.sweep().sent == 1
    [note] = teams.fake.sends()
    assert note.conversation_id == CHANNEL
    assert "has left" in note.text and "pricing sheet" in note.text and "orphaned" in note.text


def test_a_member_removed_from_the_team_leaves_an_alliance_in_another_channel(teams: TeamsBot) -> None:
    # The alliance lives in the team's #pricing channel, not General; the removal names the team as conversation.
    pricing = "19:pricing-0001@thread.tacv2"
    post = activities.message(teams.url, "commit @pia pricing sheet by tomorrow", sender=PAUL)
    teams.post(activities.in_channel(post, pricing, "pricing"))
    assert [a.channel_id for a in teams.rows(Alliance)] == [pricing]
    teams.fake.clear()

    assert teams.post(activities.documented_member_removed(teams.url, PIA, aad_id=True)) == (200, "")

    assert next(p for p in teams.rows(Someone) if p.user_id == PIA.aad_id).deleted
    assert teams.sweep().sent == 1
    [note] = teams.fake.sends()
    assert note.conversation_id == pricing
    assert "has left" in note.text and "pricing sheet" in note.text and "orphaned" in note.text
