"""`:mine` in the console: the speaker's own page, as Slack's Home tab shows it; `/alliance mine` lists in the
channel, as `list mine` does."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.console.test_chat import run_console


def test_mine_shows_the_speakers_page_without_the_other_partys_internal_items(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run_console(
        tmp_path,
        monkeypatch,
        capsys,
        "/alliance commit @paul Draft joint API spec by next Friday\n"
        "/alliance commit --internal @bob Prepare our pricing floor by next Friday\n"
        ":as paul\n"
        ":mine\n"
        ":as bob\n"
        ":home\n",
    )
    paul, bob = out.split("(you are now paul")[1].split("(you are now bob")
    assert "Alliance Bot (on your Home tab, only you see it):" in paul
    assert "`#1` *Draft joint API spec* · due Fri 27 Nov 2026, 18:00 CET" in paul
    assert "pricing floor" not in paul
    assert "`#2` *Prepare our pricing floor* · due Fri 27 Nov 2026, 18:00 CST" in bob
    assert "🔒 internal to Acme" in bob


def test_mine_as_a_command_lists_the_callers_items(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = run_console(
        tmp_path,
        monkeypatch,
        capsys,
        "/alliance commit @paul Draft joint API spec by next Friday\n:as paul\n/alliance mine\n/alliance list mine\n",
    )
    mine, list_mine = out.split("paul> /alliance mine")[1].split("paul> /alliance list mine")
    assert "Draft joint API spec" in mine
    assert mine.strip() == list_mine.strip()
