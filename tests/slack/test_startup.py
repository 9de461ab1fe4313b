"""`alliance-bot serve` refused by the world (Slack, the database, the port): one sentence naming the setting.

Each case runs the real command in a process, against the fake Web API, and reads what an operator reads.
"""

from __future__ import annotations

import ctypes
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.slack.fakes.web_api import FakeSlack

ROOT = Path(__file__).resolve().parents[2]
GOOD = {
    "SLACK_BOT_TOKEN": "xoxb-1234-5678-abcdefghijkl",
    "SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99fff85a5ab1",
}
TEAMS = {
    "TEAMS_APP_ID": "0b0b0b0b-1111-4111-8111-111111111111",
    "TEAMS_APP_PASSWORD": "a-client-secret",
    "TEAMS_TENANT_ID": "a1a1a1a1-0000-4000-8000-00000000ac3e",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _without_file_override() -> None:
    """In the child, before exec: as root, give up the power to write what is read-only (CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH leave the bounding set, so exec does not grant them), so that file modes bind root too."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _command(tmp_path: Path, env: dict[str, str], *args: str, port: int | None = None) -> list[str]:
    return [sys.executable, "-m", "bot.cli", *args, "serve", "--host", "127.0.0.1", "--port", str(port or _free_port())]


def _environment(tmp_path: Path, env: dict[str, str]) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        **env,
    }


def serve(tmp_path: Path, env: dict[str, str], *args: str, port: int | None = None) -> subprocess.CompletedProcess[str]:
    """`alliance-bot [args] serve` until it stops (a start that succeeds is a test failure: it times out)."""
    return subprocess.run(
        _command(tmp_path, env, *args, port=port),
        cwd=tmp_path,
        env=_environment(tmp_path, env),
        capture_output=True,
        text=True,
        timeout=90,
        preexec_fn=_without_file_override,
    )


def one_sentence(result: subprocess.CompletedProcess[str], *named: str) -> str:
    """Stopped (non-zero), nothing on stdout, and on stderr one line naming each of `named`, no traceback."""
    assert result.returncode != 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("alliance-bot: "), line
    assert len(line) < 400, line
    for name in named:
        assert name in line, line
    return line


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        yield slack


def test_a_token_slack_refuses_is_one_sentence_naming_it(tmp_path: Path, fake: FakeSlack) -> None:
    fake.fail_next("auth.test", status=200, error="invalid_auth", times=5)

    result = serve(tmp_path, {**GOOD, "SLACK_API_URL": fake.url})

    one_sentence(result, "SLACK_BOT_TOKEN", "invalid_auth")
    assert not (tmp_path / "bot.db").exists()  # refused before touching the database


def test_the_trace_is_there_at_debug_level(tmp_path: Path, fake: FakeSlack) -> None:
    fake.fail_next("auth.test", status=200, error="invalid_auth", times=5)

    result = serve(tmp_path, {**GOOD, "SLACK_API_URL": fake.url}, "--log-level", "DEBUG")

    assert result.returncode != 0
    assert "Traceback" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("alliance-bot: SLACK_BOT_TOKEN was refused by Slack")


def test_slack_out_of_reach_is_one_sentence(tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{_free_port()}/api/"

    result = serve(tmp_path, {**GOOD, "SLACK_API_URL": closed})

    one_sentence(result, "SLACK_API_URL", closed)


def test_postgresql_out_of_reach_is_one_sentence(tmp_path: Path, fake: FakeSlack) -> None:
    port = _free_port()
    url = f"postgresql://alliance:secret@127.0.0.1:{port}/alliance"

    result = serve(tmp_path, {**GOOD, "SLACK_API_URL": fake.url, "DATABASE_URL": url})

    line = one_sentence(result, "DATABASE_URL", "could not connect", f"127.0.0.1:{port}")
    assert "secret" not in line


def test_a_sqlite_file_in_a_missing_folder_is_one_sentence(tmp_path: Path, fake: FakeSlack) -> None:
    path = tmp_path / "missing" / "bot.db"

    result = serve(tmp_path, {**GOOD, "SLACK_API_URL": fake.url, "DATABASE_URL": f"sqlite:///{path}"})

    one_sentence(result, "DATABASE_URL", str(path.parent), "does not exist")
    assert not path.parent.exists()


def test_a_read_only_sqlite_file_is_one_sentence(tmp_path: Path, fake: FakeSlack) -> None:
    path = tmp_path / "bot.db"
    path.write_bytes(b"")  # an empty file is a valid, empty SQLite database
    path.chmod(0o444)

    result = serve(tmp_path, {**GOOD, "SLACK_API_URL": fake.url, "DATABASE_URL": f"sqlite:///{path}"})

    one_sentence(result, "DATABASE_URL", str(path), "read-only")


def test_a_sqlite_file_in_a_read_only_folder_is_one_sentence(tmp_path: Path, fake: FakeSlack) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    path = folder / "bot.db"
    try:
        result = serve(tmp_path, {**GOOD, "SLACK_API_URL": fake.url, "DATABASE_URL": f"sqlite:///{path}"})
    finally:
        folder.chmod(0o755)

    one_sentence(result, "DATABASE_URL", str(folder), "not writable")


@pytest.fixture
def taken() -> Iterator[int]:
    """A port something else listens on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield int(other.getsockname()[1])


def test_the_slack_port_in_use_is_one_sentence(tmp_path: Path, fake: FakeSlack, taken: int) -> None:
    result = serve(tmp_path, {**GOOD, "SLACK_API_URL": fake.url}, port=taken)

    one_sentence(result, f"port {taken} is in use", "--port")
    assert fake.calls_to("auth.test") == []  # refused before anything else


def test_the_teams_port_in_use_is_one_sentence(tmp_path: Path, taken: int) -> None:
    result = serve(tmp_path, {**TEAMS, "TEAMS_PORT": str(taken)})

    one_sentence(result, f"TEAMS_PORT {taken} is in use")


def _wait_for_health(port: int, process: subprocess.Popen[str], deadline: float) -> None:
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            assert connection.getresponse().status == 200
            connection.close()
            return
        except OSError:
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, "serve did not listen within a minute"
            time.sleep(0.2)


def _stopped(process: subprocess.Popen[str]) -> tuple[str, str]:
    process.send_signal(signal.SIGINT)
    try:
        return process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()


def test_a_good_start_says_nothing_of_an_unused_token(tmp_path: Path, fake: FakeSlack) -> None:
    port = _free_port()
    env = {**GOOD, "SLACK_API_URL": fake.url}
    process = subprocess.Popen(
        _command(tmp_path, env, port=port),
        cwd=tmp_path,
        env=_environment(tmp_path, env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_health(port, process, time.monotonic() + 60)
    finally:
        out, err = _stopped(process)

    assert "will be unused" not in out + err
    assert "Traceback" not in err
    assert fake.calls_to("auth.test")  # the token was checked
