"""The Dockerfile, compose.yml and deploy/nginx.conf start the code as it is: real commands, the real health path,
every replica behind the balancer, only settings the bot reads, in the order the schema needs.

Docker is not needed (nor run): the files are read as text and YAML; the commands are checked against the CLI's
own parser. `docker compose config` checks compose.yml's syntax; tests/process/test_replicas.py runs replicas.
"""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
import tomllib
from argparse import Namespace
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

import yaml

from bot import cli
from bot.slack.http import HEALTH_PATH

ROOT = Path(__file__).resolve().parents[1]


# ---- reading the files ----


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions in order, as (INSTRUCTION, arguments): comments dropped, `\\` lines joined."""
    lines = [line for line in (ROOT / "Dockerfile").read_text().splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            name, _, arguments = line.strip().partition(" ")
            instructions.append((name.upper(), arguments.strip()))
    return instructions


def instruction(name: str) -> list[str]:
    return [arguments for found, arguments in dockerfile() if found == name]


def command_line(text: str) -> list[str]:
    """An exec form (`["a", "b"]`) or a shell form (`a b`)."""
    words = json.loads(text) if text.startswith("[") else shlex.split(text)
    assert isinstance(words, list)
    return [str(word) for word in words]


def image_cmd() -> list[str]:
    (cmd,) = instruction("CMD")
    return command_line(cmd)


def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "compose.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def services() -> dict[str, dict[str, Any]]:
    found = compose()["services"]
    assert isinstance(found, dict)
    return found


def bot_services() -> dict[str, dict[str, Any]]:
    """The services that run this project's image: built from the Dockerfile, or reusing the image built here."""
    built = {service.get("image") for service in services().values() if "build" in service}
    return {
        name: service for name, service in services().items() if "build" in service or service.get("image") in built
    }


def service_command(service: dict[str, Any]) -> list[str]:
    command = service.get("command")
    if command is None:
        return image_cmd()
    return shlex.split(command) if isinstance(command, str) else [str(word) for word in command]


def parsed(command: list[str]) -> Namespace:
    """What `alliance-bot` makes of a command line; one it would refuse (an unknown command or option) fails here."""
    assert command[0] == "alliance-bot", f"{command} does not run alliance-bot"
    try:
        return cli.parser().parse_args(command[1:])
    except SystemExit:
        raise AssertionError(f"alliance-bot refuses {command} (its complaint is in the captured stderr)") from None


def serving() -> dict[str, int]:
    """The compose services that run `alliance-bot serve`, with the port each one serves on."""
    ports = {}
    for name, service in bot_services().items():
        args = parsed(service_command(service))
        if args.command == "serve":
            ports[name] = args.port
    return ports


def health_url(check: list[str] | str) -> SplitResult:
    """The one URL a health check's command asks."""
    text = check if isinstance(check, str) else " ".join(check)
    (url,) = re.findall(r"https?://[^\s'\"]+", text)
    return urlsplit(url)


def env_pairs(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment", {})
    if isinstance(environment, list):  # compose's other spelling: ["NAME=value", ...]
        return dict(item.partition("=")[::2] for item in environment)
    return {name: str(value) for name, value in environment.items()}


def conditions(service: dict[str, Any]) -> dict[str, str]:
    """What a service waits for in each service it depends on (a plain list waits only for the start)."""
    depends = service.get("depends_on", {})
    if isinstance(depends, list):
        return dict.fromkeys(depends, "service_started")
    return {name: spec.get("condition", "service_started") for name, spec in depends.items()}


def nginx() -> str:
    return re.sub(r"#[^\n]*", "", (ROOT / "deploy" / "nginx.conf").read_text())


def dockerignored(path: str) -> bool:
    """Whether .dockerignore keeps `path` (relative to the build context) out of it: the last pattern matching
    the path or one of its parent folders decides, a `!` pattern bringing it back."""
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()]
    ignored = False
    for pattern in patterns:
        if not pattern or pattern.startswith("#"):
            continue
        negated, pattern = pattern.startswith("!"), pattern.lstrip("!").strip("/")
        parts = path.split("/")
        if any(fnmatch.fnmatch("/".join(parts[:i]), pattern) for i in range(1, len(parts) + 1)):
            ignored = not negated
    return ignored


# ---- the checks ----


def test_the_image_and_each_service_run_real_commands() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["scripts"]["alliance-bot"] == "bot.cli:main"
    # An ENTRYPOINT would turn the CMD and compose's commands into its arguments.
    assert instruction("ENTRYPOINT") == []
    assert parsed(image_cmd()).command == "serve"
    for name, service in bot_services().items():
        assert "entrypoint" not in service, name
        parsed(service_command(service))
    assert parsed(service_command(services()["migrate"])).command == "migrate"
    assert len(serving()) >= 2, "several replicas serve"
    (exposed,) = instruction("EXPOSE")
    assert exposed.split("/")[0] == str(parsed(image_cmd()).port)


def test_the_health_checks_ask_the_health_path_on_the_served_port() -> None:
    (healthcheck,) = instruction("HEALTHCHECK")
    options = re.fullmatch(r"((?:--\S+\s+)*)CMD\s+(.+)", healthcheck)
    assert options, f"HEALTHCHECK {healthcheck}"
    checks = {"Dockerfile": (command_line(options[2]), parsed(image_cmd()).port)}
    for name, port in serving().items():
        checks[name] = (bot_services()[name]["healthcheck"]["test"], port)
    for where, (check, port) in checks.items():
        url = health_url(check)
        assert url.hostname in ("127.0.0.1", "localhost"), where
        assert (url.port, url.path) == (port, HEALTH_PATH), where


def test_nginx_balances_every_replica_on_the_port_compose_publishes() -> None:
    conf = nginx()
    upstreams = dict(re.findall(r"\bupstream\s+(\S+)\s*\{([^}]*)\}", conf))
    (proxied,) = re.findall(r"\bproxy_pass\s+https?://([^\s;/]+)", conf)
    servers = re.findall(r"\bserver\s+([^\s;]+)", upstreams[proxied])
    assert sorted(servers) == sorted(f"{name}:{port}" for name, port in serving().items())

    lb = services()["lb"]
    (published,) = lb["ports"]
    container_port = str(published).rpartition(":")[2].split("/")[0]
    listens = [listen.rpartition(":")[2] for listen in re.findall(r"\blisten\s+([^\s;]+)", conf)]
    assert listens == [container_port]
    # The balancer starts once every replica answers its health check.
    assert conditions(lb) == dict.fromkeys(serving(), "service_healthy")


def test_compose_passes_only_settings_the_bot_reads_and_documents() -> None:
    config = (ROOT / "bot" / "config.py").read_text()
    read = set(re.findall(r'\benv(?:\.get\(|, )"([A-Z][A-Z0-9_]*)"', config))
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    passed = {name for service in bot_services().values() for name in env_pairs(service)}
    # The image's own ENV, but for those meant for Python and pip.
    for env in instruction("ENV"):
        passed |= {word.partition("=")[0] for word in shlex.split(env) if not word.startswith(("PYTHON", "PIP_"))}
    assert "DATABASE_URL" in read  # the pattern above still finds what config.py reads
    assert passed - read == set(), "passed to the bot but never read by bot/config.py"
    assert passed - documented == set(), "passed to the bot but not in .env.example"


def test_replicas_start_on_a_healthy_migrated_database() -> None:
    all_services = services()
    db_check = all_services["db"].get("healthcheck", {})
    assert db_check.get("test") and not db_check.get("disable"), "without a health check on db nothing starts"
    migrate = all_services["migrate"]
    assert conditions(migrate) == {"db": "service_healthy"}
    assert migrate["restart"] == "no"  # quoted in YAML: a bare `no` is false, which compose refuses as a restart
    for name in serving():
        waits = conditions(all_services[name])
        assert (waits.get("db"), waits.get("migrate")) == ("service_healthy", "service_completed_successfully"), name
    # Everything that runs the image shares the one PostgreSQL it waits for: SQLite cannot serve replicas.
    for name, service in bot_services().items():
        database = urlsplit(env_pairs(service)["DATABASE_URL"])
        assert (database.scheme.partition("+")[0], database.hostname) == ("postgresql", "db"), name


def test_the_image_gets_what_the_package_needs_and_no_tests_virtualenv_or_database() -> None:
    assert (ROOT / ".dockerignore").is_file()
    copied = set()
    for copy in instruction("COPY") + instruction("ADD"):
        words = [word for word in shlex.split(copy) if not word.startswith("--")]
        copied |= {source.removeprefix("./").rstrip("/") or "." for source in words[:-1]}
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {
        pattern.rstrip("*").rstrip(".") for pattern in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    readme = pyproject["project"].get("readme")
    needed = {"pyproject.toml", *packages, *([readme] if isinstance(readme, str) else [])}
    assert needed - copied == set(), "the Dockerfile does not copy what `pip install .` needs"
    assert [path for path in sorted(copied) if dockerignored(path)] == []

    kept_out = ["tests", "tests/conftest.py", ".venv", ".env", "alliance.db", "console.db", "alliance.db-wal"]
    assert [path for path in kept_out if not dockerignored(path)] == []
