"""The Teams app package: the manifest filled in, the icons Teams asks for, all at the zip's root."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from bot.teams.package import ICONS, SOURCE, PackageError, build, png_size

APP_ID = "0b0b0b0b-1111-4111-8111-111111111111"
ENV = {"TEAMS_APP_ID": APP_ID, "BOT_DOMAIN": "bot.example.com"}


def test_the_package_holds_the_filled_in_manifest_and_both_icons(tmp_path: Path) -> None:
    out = build(ENV, tmp_path / "app.zip")

    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["id"] == APP_ID
    [bot] = manifest["bots"]
    assert (bot["botId"], sorted(bot["scopes"])) == (APP_ID, ["groupChat", "personal", "team"])
    assert manifest["validDomains"] == ["bot.example.com"]
    assert "{{" not in json.dumps(manifest)
    assert len(manifest["description"]["short"]) <= 80
    assert len(manifest["name"]["short"]) <= 30
    assert (manifest["icons"]["color"], manifest["icons"]["outline"]) == ("color.png", "outline.png")


def test_the_icons_are_the_sizes_teams_asks_for() -> None:
    assert {name: png_size(SOURCE / name) for name in ICONS} == {"color.png": (192, 192), "outline.png": (32, 32)}


@pytest.mark.parametrize(
    ("env", "named"),
    [
        pytest.param({"BOT_DOMAIN": "bot.example.com"}, "TEAMS_APP_ID", id="no-app-id"),
        pytest.param({**ENV, "TEAMS_APP_ID": "alliance"}, "TEAMS_APP_ID", id="app-id-not-a-guid"),
        pytest.param({"TEAMS_APP_ID": APP_ID}, "BOT_DOMAIN", id="no-domain"),
    ],
)
def test_a_package_without_its_ids_is_refused(tmp_path: Path, env: dict[str, str], named: str) -> None:
    with pytest.raises(PackageError) as refused:
        build(env, tmp_path / "app.zip")

    assert str(refused.value).startswith(named)
    assert not (tmp_path / "app.zip").exists()
