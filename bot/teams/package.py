"""`make teams-package`: the zip to upload to Teams (manifest.json and both icons at its root).

teams/manifest.json names the bot as {{TEAMS_APP_ID}} and its host as {{BOT_DOMAIN}}; both are filled in from the
environment (or .env) here, so the file in the repository stays free of anyone's ids.
"""

from __future__ import annotations

import json
import os
import re
import struct
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "teams"
ICONS = {"color.png": (192, 192), "outline.png": (32, 32)}
GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
DOMAIN = re.compile(r"[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


class PackageError(Exception):
    """Something the person building the package must fix; one sentence."""


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise PackageError(f"{path.name} is not a PNG image.")
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


def manifest(env: Mapping[str, str], source: Path = SOURCE) -> dict[str, object]:
    app_id = env.get("TEAMS_APP_ID", "").strip()
    if not GUID.fullmatch(app_id):
        raise PackageError("TEAMS_APP_ID must be set to the bot's Microsoft App ID (a GUID) to build the package.")
    domain = env.get("BOT_DOMAIN", "").strip().removeprefix("https://").rstrip("/")
    if not DOMAIN.fullmatch(domain):
        raise PackageError("BOT_DOMAIN must be set to the host name that serves /api/messages, e.g. bot.example.com.")
    text = (source / "manifest.json").read_text(encoding="utf-8")
    text = text.replace("{{TEAMS_APP_ID}}", app_id).replace("{{BOT_DOMAIN}}", domain)
    data = json.loads(text)
    assert isinstance(data, dict)
    return data


def build(env: Mapping[str, str], out: Path, source: Path = SOURCE) -> Path:
    data = manifest(env, source)
    for name, size in ICONS.items():
        if png_size(source / name) != size:
            raise PackageError(f"{name} must be {size[0]}x{size[1]} pixels.")
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(data, indent=2, ensure_ascii=False))
        for name in ICONS:
            archive.write(source / name, name)
    return out


def main() -> int:
    from dotenv import load_dotenv

    load_dotenv(Path.cwd() / ".env")
    out = ROOT / "dist" / "alliance-bot-teams.zip"
    try:
        build(os.environ, out)
    except PackageError as e:
        print(f"teams-package: {e}", file=sys.stderr)
        return 2
    print(f"built {out.relative_to(ROOT)}: upload it in Teams (Apps → Manage your apps → Upload an app)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
