"""The shared sentences as Teams shows them: markdown, real mentions, plain dates, emoji as characters."""

from __future__ import annotations

from bot.teams.directory import organisation
from bot.teams.markup import Rendered, render

PEOPLE = {"U1": ("29:paul", "Paul Peters"), "U2": ("29:pia", "Pia Porter")}


def people(user_id: str) -> tuple[str, str] | None:
    return PEOPLE.get(user_id)


def test_bold_mentions_dates_and_emoji() -> None:
    text = (
        ":white_check_mark: Commitment `#1` recorded: *Draft spec*\n"
        "Owner: <@U2> for *Globex* (recorded by <@U1>) · Due <!date^1795000000^{date_short_pretty}|Fri 27 Nov 2026>"
    )

    assert render(text, people) == Rendered(
        text=(
            "✅ Commitment `#1` recorded: **Draft spec**\n\n"
            "Owner: <at>Pia Porter</at> for **Globex** (recorded by <at>Paul Peters</at>) · Due Fri 27 Nov 2026"
        ),
        entities=[
            {"type": "mention", "text": "<at>Pia Porter</at>", "mentioned": {"id": "29:pia", "name": "Pia Porter"}},
            {"type": "mention", "text": "<at>Paul Peters</at>", "mentioned": {"id": "29:paul", "name": "Paul Peters"}},
        ],
    )


def test_a_person_named_twice_has_one_entity_and_a_stranger_none() -> None:
    rendered = render("<@U1> and <@U1> and <@U9>", people)

    assert rendered.text == "<at>Paul Peters</at> and <at>Paul Peters</at> and someone"
    assert [e["mentioned"]["id"] for e in rendered.entities] == ["29:paul"]


def test_stars_inside_words_and_lists_stay_as_they_are() -> None:
    assert render("2*3*4 and * not bold *", people).text == "2*3*4 and * not bold *"


def test_a_channel_reference_names_the_channel_or_says_which() -> None:
    assert render("posted in <#19:abc@thread.tacv2>", people, lambda key: "acme-globex").text == (
        "posted in **acme-globex**"
    )
    assert render("posted in <#19:abc@thread.tacv2>", people, lambda key: None).text == (
        "posted in the alliance channel"
    )


def test_slack_words_become_teams_words() -> None:
    text = "Pick the person from the list Slack offers as you type @"
    assert render(text, people).text == "Pick the person from the list Teams offers as you type @"


def test_an_organisation_is_named_after_its_mail_domain() -> None:
    assert [organisation(d) for d in ("acme.example", "globex.co.uk", "mail.initech.com", "localhost")] == [
        "Acme",
        "Globex",
        "Initech",
        "Localhost",
    ]


def test_the_charter_is_written_by_text_on_teams() -> None:
    # Teams has no form: the reminder and `charter edit` point to `charter goal …` and `charter sign`.
    from bot.core.charter.results import CharterReminder, CharterView
    from bot.texts import charter as charter_texts

    view = CharterView(channel_id="C1", version=0, name="Acme & Globex", parties=[])
    reminder = render(charter_texts.reminder(CharterReminder(charter=view, recipient_id="U1")), people).text
    assert "write it by text: `charter goal Joint launch in DACH by 2027-03-31`" in reminder
    assert "then `charter sign`." in reminder and "buttons" not in reminder
    edit = render(charter_texts.EDIT_HINT, people).text
    assert edit.startswith("Teams has no charter form: write it one line at a time, `charter goal")
